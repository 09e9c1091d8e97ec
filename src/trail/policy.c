/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trail policy (rules/trail/policy.yaml, --policy FILE): approved regions
 * and images, ports allowed open to the world, the reorder window, bursts,
 * and per-rule overrides. A user's file is applied on top of the built-in
 * default: each key it sets replaces the default's value for that key.
 * Unknown keys are errors (a typo must not silently approve everything).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trail-int.h"
#include "base/embed.h"
#include "base/wrapper.h"
#include "base/yaml.h"
#include "base/banned.h"

struct pload {
	struct trail_policy *p;
	const char *name;
	const char *buf;
	size_t len;
	struct mm_err *e;
};

__attribute__((format(printf, 3, 4))) static int bad(struct pload *L, const struct json *at,
						     const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at) {
		unsigned long line, col;
		json_line_col(L->buf, L->len, at->off, &line, &col);
		return mm_err_set(L->e, MM_EPARSE, "bad policy '%s' line %lu: %s", L->name, line,
				  msg);
	}
	return mm_err_set(L->e, MM_EPARSE, "bad policy '%s': %s", L->name, msg);
}

static int str_list(struct pload *L, const struct json *v, const char *key, const char ***out,
		    size_t *n)
{
	if (!v || v->type == JSON_NULL) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	if (v->type != JSON_ARRAY)
		return bad(L, v, "'%s' must be a list", key);
	const char **l = arena_calloc(&L->p->arena, v->n + 1, sizeof(*l));
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *x = &v->u.items[i];
		if (x->type != JSON_STRING && x->type != JSON_NUMBER)
			return bad(L, x, "'%s' must hold strings", key);
		l[i] = arena_strdup(&L->p->arena, x->u.s);
	}
	*out = l;
	*n = v->n;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int ports(struct pload *L, const struct json *v)
{
	struct trail_policy *p = L->p;
	if (v->type == JSON_NULL) {
		p->nopen_ports = 0;
		return 0;
	}
	if (v->type != JSON_ARRAY)
		return bad(L, v, "'world_open_ports' must be a list of ports or ranges");
	int *out = NULL;
	size_t n = 0, alloc = 0;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *x = &v->u.items[i];
		long long lo, hi;
		if (json_as_int(x, &lo) == 0) {
			hi = lo;
		} else if (x->type == JSON_STRING && sscanf(x->u.s, "%lld-%lld", &lo, &hi) == 2) {
		} else {
			free(out);
			return bad(L, x, "'world_open_ports' entry is not a port or 'LO-HI'");
		}
		if (lo < 0 || hi > 65535 || lo > hi) {
			free(out);
			return bad(L, x, "port range %lld-%lld outside 0-65535", lo, hi);
		}
		for (long long k = lo; k <= hi; k++) {
			ALLOC_GROW(out, n + 1, alloc);
			out[n++] = (int)k;
		}
	}
	if (n)
		mm_qsort(out, n, sizeof(*out), cmp_int);
	p->open_ports = arena_calloc(&p->arena, n + 1, sizeof(int));
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || p->open_ports[u - 1] != out[i])
			p->open_ports[u++] = out[i];
	p->nopen_ports = u;
	free(out);
	return 0;
}

static int seconds(struct pload *L, const struct json *v, const char *key, long long *ms)
{
	long long s;
	if (json_as_int(v, &s) < 0 || s < 0 || s > 365LL * 86400)
		return bad(L, v, "'%s' must be a number of seconds", key);
	*ms = s * 1000;
	return 0;
}

static int sev_of(struct pload *L, const struct json *v, const char *what, int *out)
{
	enum mm_sev s;
	const char *t = json_as_str(v);
	if (!t || mm_sev_parse(t, &s) < 0)
		return bad(L, v, "%s must be critical, high, medium, low or info", what);
	*out = (int)s;
	return 0;
}

static int overrides(struct pload *L, const struct json *v)
{
	struct trail_policy *p = L->p;
	if (v->type == JSON_NULL) {
		p->noverrides = 0;
		return 0;
	}
	if (v->type != JSON_OBJECT)
		return bad(L, v, "'rules' must be a map from rule id to settings");
	p->overrides = arena_calloc(&p->arena, v->n + 1, sizeof(*p->overrides));
	p->noverrides = v->n;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json_member *m = &v->u.members[i];
		struct trail_rule_override *o = &p->overrides[i];
		o->rule = arena_strdup(&p->arena, m->key);
		o->severity = o->max_severity = -1;
		const char *s = json_as_str(&m->v);
		if ((s && (!strcasecmp(s, "off") || !strcasecmp(s, "disabled"))) ||
		    m->v.type == JSON_FALSE) {
			o->disabled = true;
			continue;
		}
		if (m->v.type != JSON_OBJECT)
			return bad(L, &m->v, "rule '%s': expected off or a map", m->key);
		for (uint32_t k = 0; k < m->v.n; k++) {
			const struct json_member *f = &m->v.u.members[k];
			if (!strcmp(f->key, "severity")) {
				if (sev_of(L, &f->v, "severity", &o->severity))
					return -1;
			} else if (!strcmp(f->key, "max_severity")) {
				if (sev_of(L, &f->v, "max_severity", &o->max_severity))
					return -1;
			} else if (!strcmp(f->key, "enabled")) {
				int b = json_as_bool(&f->v);
				if (b < 0)
					return bad(L, &f->v, "'enabled' must be true or false");
				o->disabled = !b;
			} else {
				return bad(L, &f->v, "rule '%s': unknown setting '%s'", m->key,
					   f->key);
			}
		}
	}
	return 0;
}

static int bursts(struct pload *L, const struct json *v)
{
	struct trail_policy *p = L->p;
	if (v->type == JSON_NULL) {
		p->nbursts = 0;
		return 0;
	}
	if (v->type != JSON_ARRAY)
		return bad(L, v, "'bursts' must be a list");
	p->bursts = arena_calloc(&p->arena, v->n + 1, sizeof(*p->bursts));
	p->nbursts = v->n;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *b = &v->u.items[i];
		struct trail_burst_conf *c = &p->bursts[i];
		const char *r = json_str(b, "rule");
		long long t;
		if (!r)
			return bad(L, b, "burst %u has no 'rule'", i + 1);
		c->rule = arena_strdup(&p->arena, r);
		if (json_int(b, "threshold", &t) < 0 || t < 2 || t > 1000000)
			return bad(L, b, "burst '%s': 'threshold' must be a number from 2", r);
		c->threshold = (unsigned)t;
		c->window_ms = 600000;
		const struct json *w = json_get(b, "window");
		if (w && seconds(L, w, "window", &c->window_ms))
			return -1;
		for (uint32_t k = 0; k < b->n; k++) {
			const char *key = b->u.members[k].key;
			if (strcmp(key, "rule") && strcmp(key, "threshold") &&
			    strcmp(key, "window"))
				return bad(L, &b->u.members[k].v, "burst '%s': unknown key '%s'", r,
					   key);
		}
	}
	return 0;
}

static int apply(struct pload *L, const struct json *doc)
{
	struct trail_policy *p = L->p;
	if (!doc || doc->type == JSON_NULL)
		return 0;
	if (doc->type != JSON_OBJECT)
		return bad(L, doc, "expected a map at the top level");
	for (uint32_t i = 0; i < doc->n; i++) {
		const struct json_member *m = &doc->u.members[i];
		const struct json *v = &m->v;
		int r = 0;
		if (!strcmp(m->key, "approved_regions")) {
			r = str_list(L, v, m->key, &p->regions, &p->nregions);
		} else if (!strcmp(m->key, "approved_images")) {
			if (v->type == JSON_NULL) {
				p->nimage_ids = p->nimage_owners = 0;
				continue;
			}
			if (v->type != JSON_OBJECT)
				return bad(L, v,
					   "'approved_images' must be a map with ids and owners");
			for (uint32_t k = 0; k < v->n && !r; k++) {
				const struct json_member *f = &v->u.members[k];
				if (!strcmp(f->key, "ids"))
					r = str_list(L, &f->v, "ids", &p->image_ids,
						     &p->nimage_ids);
				else if (!strcmp(f->key, "owners"))
					r = str_list(L, &f->v, "owners", &p->image_owners,
						     &p->nimage_owners);
				else
					r = bad(L, &f->v, "approved_images: unknown key '%s'",
						f->key);
			}
		} else if (!strcmp(m->key, "world_open_ports")) {
			r = ports(L, v);
		} else if (!strcmp(m->key, "reorder_window")) {
			r = seconds(L, v, m->key, &p->reorder_ms);
		} else if (!strcmp(m->key, "bursts")) {
			r = bursts(L, v);
		} else if (!strcmp(m->key, "rules")) {
			r = overrides(L, v);
		} else {
			r = bad(L, v, "unknown key '%s'", m->key);
		}
		if (r)
			return r;
	}
	return 0;
}

static int parse_into(struct trail_policy *p, const char *name, const char *buf, size_t len,
		      struct mm_err *e)
{
	struct pload L = { .p = p, .name = name, .buf = buf, .len = len, .e = e };
	struct json *docs = NULL;
	struct mm_err ye = { 0 };
	if (yaml_parse(&p->arena, buf, len, &docs, &ye) < 0)
		return mm_err_set(e, MM_EPARSE, "bad policy '%s': %s", name, ye.msg);
	if (json_len(docs) > 1)
		return bad(&L, json_at(docs, 1), "one YAML document expected");
	return apply(&L, json_at(docs, 0));
}

static const struct embedded_file *find_embedded(const char *name)
{
	for (const struct embedded_file *f = mm_embedded_trail_rules; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

int trail_policy_default(struct trail_policy *p, struct mm_err *e)
{
	memset(p, 0, sizeof(*p));
	arena_init(&p->arena);
	p->name = "<built-in policy>";
	p->reorder_ms = 300000;
	const struct embedded_file *f = find_embedded("policy.yaml");
	if (!f)
		return mm_err_set(e, MM_ENOTFOUND, "built-in policy 'policy.yaml' is missing");
	return parse_into(p, "rules/trail/policy.yaml", f->data, f->len, e);
}

int trail_policy_parse(struct trail_policy *p, const char *name, const char *buf, size_t len,
		       struct mm_err *e)
{
	int r = trail_policy_default(p, e);
	if (r)
		return r;
	p->name = arena_strdup(&p->arena, name);
	return parse_into(p, name, buf, len, e);
}

int trail_policy_load(struct trail_policy *p, const char *path, struct mm_err *e)
{
	FILE *f = fopen(path, "rb");
	memset(p, 0, sizeof(*p));
	if (!f)
		return mm_err_set(e, MM_EIO, "cannot read policy '%s': %s", path, strerror(errno));
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sb.len + n > ((size_t)4 << 20)) {
			fclose(f);
			strbuf_release(&sb);
			return mm_err_set(e, MM_ELIMIT, "policy '%s' is larger than 4 MiB", path);
		}
		strbuf_add(&sb, buf, n);
	}
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		strbuf_release(&sb);
		return mm_err_set(e, MM_EIO, "cannot read policy '%s'", path);
	}
	int r = trail_policy_parse(p, path, sb.buf, sb.len, e);
	strbuf_release(&sb);
	return r;
}

void trail_policy_release(struct trail_policy *p)
{
	arena_release(&p->arena);
	memset(p, 0, sizeof(*p));
}

const struct trail_rule_override *trail_policy_override(const struct trail_policy *p,
							const char *rule)
{
	/* the last entry for a rule wins (a user's file after the default's) */
	for (size_t i = p->noverrides; i-- > 0;)
		if (!strcmp(p->overrides[i].rule, rule))
			return &p->overrides[i];
	return NULL;
}
