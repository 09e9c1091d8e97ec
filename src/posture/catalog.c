/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The posture rule catalog: rules/posture/<group>.yaml files, embedded in the
 * binary, parsed with base/yaml.h and validated strictly (unknown key, bad
 * severity, duplicate id, missing field, unknown CLI placeholder: each an
 * error naming the file and line), plus the CLI template filler the checks
 * use for remediation commands.
 */
#include "posture-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wrapper.h"
#include "base/yaml.h"
#include "base/banned.h"

static const char *const groups[] = { "network", "instance", "data", "account", "paths", NULL };

/* Compliance framework prefixes we map to (docs/rules.md explains each). */
static const char *const frameworks[] = { "CIS-AWS-3.0", "FSBP", "SecurityHub", "Prowler", NULL };

static const char *const placeholders[] = {
	"id",	    "region",	"account",	  "group_id",	 "port",
	"protocol", "cidr",	"ip_permissions", "rule_number", "cidr_arg",
	"version",  "accounts", "eni_id",	  "instance_id", NULL,
};

bool posture_placeholder_known(const char *name, size_t len)
{
	for (size_t i = 0; placeholders[i]; i++)
		if (strlen(placeholders[i]) == len && !memcmp(placeholders[i], name, len))
			return true;
	return false;
}

/* A placeholder is "{" [a-z_]+ "}"; returns its name length or 0. */
static size_t placeholder_at(const char *p)
{
	if (*p != '{')
		return 0;
	size_t n = 1;
	while ((p[n] >= 'a' && p[n] <= 'z') || p[n] == '_')
		n++;
	return (n > 1 && p[n] == '}') ? n - 1 : 0;
}

static bool value_safe(const char *v)
{
	if (!v || !*v)
		return false;
	for (const char *p = v; *p; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("._:/@+,=-", ch)))
			return false;
	}
	return true;
}

const char *posture_cli_fill(struct arena *a, const char *tmpl, const struct pvar *vars,
			     size_t nvars)
{
	if (!tmpl)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *out = NULL;
	for (const char *p = tmpl; *p;) {
		size_t n = placeholder_at(p);
		if (!n || !posture_placeholder_known(p + 1, n)) {
			const char *q = strchr(p + 1, '{');
			size_t len = q ? (size_t)(q - p) : strlen(p);
			strbuf_add(&sb, p, len);
			p += len;
			continue;
		}
		const struct pvar *v = NULL;
		for (size_t i = 0; i < nvars && !v; i++)
			if (vars[i].name && strlen(vars[i].name) == n &&
			    !memcmp(vars[i].name, p + 1, n))
				v = &vars[i];
		if (!v || !v->value || (!v->raw && !value_safe(v->value)))
			goto done;
		strbuf_addstr(&sb, v->value);
		p += n + 2;
	}
	out = arena_strndup(a, sb.buf, sb.len);
done:
	strbuf_release(&sb);
	return out;
}

/* ---- parsing ---- */

struct cparse {
	struct posture_catalog *c;
	const struct embedded_file *file;
	struct hmap ids; /* id -> rule index + 1 */
	struct posture_rule *v;
	size_t nr, alloc;
	struct mm_err *e;
};

__attribute__((format(printf, 3, 4))) static int bad(struct cparse *p, const struct json *at,
						     const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	unsigned long line = 0, col = 0;
	if (at)
		json_line_col(p->file->data, p->file->len, at->off, &line, &col);
	if (at)
		return mm_err_set(p->e, MM_EPARSE, "invalid posture rule file '%s': %s (line %lu)",
				  p->file->name, what, line);
	return mm_err_set(p->e, MM_EPARSE, "invalid posture rule file '%s': %s", p->file->name,
			  what);
}

static bool id_ok(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (const char *q = s; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-'))
			return false;
	return s[strlen(s) - 1] != '-';
}

static int want_str(struct cparse *p, const struct json *rule, const char *id, const char *key,
		    bool optional, const char **out)
{
	const struct json *v = json_get(rule, key);
	*out = NULL;
	if (!v || v->type == JSON_NULL) {
		if (optional)
			return 0;
		return bad(p, rule, "rule '%s': missing '%s'", id ? id : "?", key);
	}
	if (v->type != JSON_STRING && v->type != JSON_NUMBER)
		return bad(p, v, "rule '%s': '%s' must be a string, not %s", id ? id : "?", key,
			   json_type_name((enum json_type)v->type));
	if (!*v->u.s)
		return bad(p, v, "rule '%s': '%s' is empty", id ? id : "?", key);
	*out = arena_strdup(&p->c->arena, v->u.s);
	return 0;
}

static int check_template(struct cparse *p, const struct json *at, const char *id, const char *t)
{
	for (const char *q = t; *q; q++) {
		size_t n = placeholder_at(q);
		if (n && !posture_placeholder_known(q + 1, n))
			return bad(p, at, "rule '%s': unknown placeholder '{%.*s}' in 'cli'", id,
				   (int)n, q + 1);
	}
	return 0;
}

static int check_compliance(struct cparse *p, const struct json *at, const char *id, const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || !colon[1])
		return bad(p, at, "rule '%s': compliance '%s' is not FRAMEWORK:ID", id, s);
	for (size_t i = 0; frameworks[i]; i++)
		if (strlen(frameworks[i]) == (size_t)(colon - s) &&
		    !memcmp(frameworks[i], s, (size_t)(colon - s)))
			return 0;
	return bad(p, at, "rule '%s': unknown compliance framework in '%s'", id, s);
}

static const char *const keys[] = { "id",	   "title",	    "severity",
				    "group",	   "resource_type", "description",
				    "remediation", "cli",	    "compliance",
				    NULL };

static int parse_rule(struct cparse *p, const struct json *o, const char *group)
{
	struct posture_rule r = { 0 };
	if (o->type != JSON_OBJECT)
		return bad(p, o, "a rule must be a mapping, not %s",
			   json_type_name((enum json_type)o->type));
	int rc = want_str(p, o, NULL, "id", false, &r.id);
	if (rc)
		return rc;
	if (!id_ok(r.id))
		return bad(p, json_get(o, "id"),
			   "rule id '%s' must be lowercase letters, digits and dashes", r.id);
	for (size_t i = 0; i < o->n; i++) {
		const char *k = o->u.members[i].key;
		size_t j = 0;
		while (keys[j] && strcmp(keys[j], k))
			j++;
		if (!keys[j])
			return bad(p, &o->u.members[i].v, "rule '%s': unknown key '%s'", r.id, k);
	}
	const char *sev = NULL;
	if ((rc = want_str(p, o, r.id, "title", false, &r.title)) ||
	    (rc = want_str(p, o, r.id, "severity", false, &sev)) ||
	    (rc = want_str(p, o, r.id, "group", false, &r.group)) ||
	    (rc = want_str(p, o, r.id, "resource_type", false, &r.resource_type)) ||
	    (rc = want_str(p, o, r.id, "description", false, &r.description)) ||
	    (rc = want_str(p, o, r.id, "remediation", false, &r.remediation)) ||
	    (rc = want_str(p, o, r.id, "cli", true, &r.cli)))
		return rc;
	static const char *const sevs[] = { "info", "low", "medium", "high", "critical" };
	size_t si = 0;
	while (si < 5 && strcmp(sevs[si], sev))
		si++;
	if (si == 5)
		return bad(p, json_get(o, "severity"), "rule '%s': unknown severity '%s'", r.id,
			   sev);
	r.sev = (enum mm_sev)si;
	if (strcmp(r.group, group))
		return bad(p, json_get(o, "group"), "rule '%s': group '%s' does not match the file",
			   r.id, r.group);
	if (r.cli && (rc = check_template(p, json_get(o, "cli"), r.id, r.cli)))
		return rc;

	const struct json *cv = json_get(o, "compliance");
	if (cv && cv->type != JSON_NULL && cv->type != JSON_ARRAY)
		return bad(p, cv, "rule '%s': 'compliance' must be a list", r.id);
	size_t nc = json_len(cv);
	r.compliance = arena_calloc(&p->c->arena, nc ? nc : 1, sizeof(*r.compliance));
	for (size_t i = 0; i < nc; i++) {
		const char *s = json_as_str(json_at(cv, i));
		if (!s)
			return bad(p, json_at(cv, i),
				   "rule '%s': compliance entries must be strings", r.id);
		if ((rc = check_compliance(p, json_at(cv, i), r.id, s)))
			return rc;
		for (size_t j = 0; j < r.ncompliance; j++)
			if (!strcmp(r.compliance[j], s))
				return bad(p, json_at(cv, i),
					   "rule '%s': compliance '%s' listed twice", r.id, s);
		r.compliance[r.ncompliance++] = arena_strdup(&p->c->arena, s);
	}

	if (hmap_get(&p->ids, r.id))
		return bad(p, json_get(o, "id"), "duplicate rule id '%s'", r.id);
	ALLOC_GROW(p->v, p->nr + 1, p->alloc);
	p->v[p->nr++] = r;
	hmap_put(&p->ids, r.id, (void *)(p->nr));
	return 0;
}

int posture_catalog_parse(struct posture_catalog *c, const struct embedded_file *files,
			  struct mm_err *e)
{
	memset(c, 0, sizeof(*c));
	arena_init(&c->arena);
	struct cparse p = { .c = c, .e = e };
	int rc = 0;
	for (const struct embedded_file *f = files; f->name && !rc; f++) {
		p.file = f;
		/* the group is the file name without ".yaml" */
		const char *dot = strrchr(f->name, '.');
		size_t glen = dot ? (size_t)(dot - f->name) : strlen(f->name);
		const char *group = arena_strndup(&c->arena, f->name, glen);
		size_t gi = 0;
		while (groups[gi] && strcmp(groups[gi], group))
			gi++;
		if (!groups[gi]) {
			rc = bad(&p, NULL, "unknown rule group '%s'", group);
			break;
		}
		struct json *docs = NULL;
		struct mm_err ye = { 0 };
		if (yaml_parse(&c->arena, f->data, f->len, &docs, &ye)) {
			rc = mm_err_set(e, MM_EPARSE, "invalid posture rule file '%s': %s", f->name,
					ye.msg);
			break;
		}
		if (json_len(docs) != 1) {
			rc = bad(&p, NULL, "expected one YAML document, found %zu", json_len(docs));
			break;
		}
		const struct json *list = json_at(docs, 0);
		if (list->type == JSON_NULL)
			continue; /* an empty group */
		if (list->type != JSON_ARRAY) {
			rc = bad(&p, list, "expected a list of rules");
			break;
		}
		for (size_t i = 0; i < list->n && !rc; i++)
			rc = parse_rule(&p, &list->u.items[i], group);
	}
	hmap_release(&p.ids);
	if (!rc && p.nr) {
		c->v = arena_calloc(&c->arena, p.nr, sizeof(*c->v));
		memcpy(c->v, p.v, p.nr * sizeof(*c->v));
		c->nr = p.nr;
	}
	free(p.v);
	if (rc)
		posture_catalog_release(c);
	return rc;
}

int posture_catalog_check_coverage(const struct posture_catalog *c, struct mm_err *e)
{
	for (size_t i = 0; i < c->nr; i++) {
		size_t j = 0;
		while (j < posture_nchecks && strcmp(posture_checks[j].rule, c->v[i].id))
			j++;
		if (j == posture_nchecks)
			return mm_err_set(e, MM_ENOTFOUND, "posture rule '%s' has no check",
					  c->v[i].id);
	}
	for (size_t j = 0; j < posture_nchecks; j++) {
		for (size_t k = 0; k < j; k++)
			if (!strcmp(posture_checks[k].rule, posture_checks[j].rule))
				return mm_err_set(e, MM_EUSAGE,
						  "posture check '%s' is listed twice",
						  posture_checks[j].rule);
		if (!posture_rule_find(c, posture_checks[j].rule))
			return mm_err_set(e, MM_ENOTFOUND,
					  "posture check '%s' has no rule in the catalog",
					  posture_checks[j].rule);
	}
	return 0;
}

int posture_catalog_load(struct posture_catalog *c, struct mm_err *e)
{
	int rc = posture_catalog_parse(c, mm_embedded_posture_rules, e);
	if (rc)
		return rc;
	/* the catalog and the check table are compiled in together: a
	 * mismatch is a bug in mamori, not bad input */
	struct mm_err ce = { 0 };
	if (posture_catalog_check_coverage(c, &ce))
		BUG(ce.msg);
	return 0;
}

void posture_catalog_release(struct posture_catalog *c)
{
	arena_release(&c->arena);
	c->v = NULL;
	c->nr = 0;
}

const struct posture_rule *posture_rule_find(const struct posture_catalog *c, const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < c->nr; i++)
		if (!strcmp(c->v[i].id, id))
			return &c->v[i];
	return NULL;
}
