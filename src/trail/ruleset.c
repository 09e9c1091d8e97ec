/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rule set: loading (built-in rules, Sigma and Falco files recognised by
 * content), the policy's overrides, the index, and evaluation of one event
 * into a candidate (its hits, plus what correlation needs).
 *
 * Index: each rule says which eventName values it can match (or, failing
 * that, which eventSource values), worked out from its condition by the
 * engine that compiled it; rules that name neither are evaluated on every
 * event. An event therefore touches the rules filed under its name, its
 * source, and the few "every event" rules.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "trail-int.h"
#include "base/embed.h"
#include "base/wrapper.h"
#include "base/yaml.h"
#include "base/banned.h"

void trail_ruleset_init(struct trail_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	arena_init(&rs->arena);
}

static void free_lists(struct hmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key) {
			struct tr_rule_list *l = m->slots[i].val;
			free(l->v);
			free(l);
		}
	hmap_release(m);
}

void trail_ruleset_release(struct trail_ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		struct tr_rule *r = rs->rules[i];
		if (r->engine == TRAIL_ENGINE_FALCO)
			tr_falco_free(r);
		else
			tr_sigma_free(r);
	}
	free(rs->rules);
	free_lists(&rs->by_name);
	free_lists(&rs->by_source);
	free(rs->wild);
	hmap_release(&rs->falco_lists);
	hmap_release(&rs->falco_macros);
	arena_release(&rs->arena);
	memset(rs, 0, sizeof(*rs));
}

struct tr_rule *tr_rule_new(struct trail_ruleset *rs)
{
	struct tr_rule *r = arena_alloc(&rs->arena, sizeof(*r));
	r->order = rs->nrules;
	r->max_sev = -1;
	ALLOC_GROW(rs->rules, rs->nrules + 1, rs->arules);
	rs->rules[rs->nrules++] = r;
	return r;
}

const char *trail_engine_name(enum trail_engine e)
{
	switch (e) {
	case TRAIL_ENGINE_BUILTIN:
		return "builtin";
	case TRAIL_ENGINE_SIGMA:
		return "sigma";
	case TRAIL_ENGINE_FALCO:
		return "falco";
	}
	return "?";
}

int trail_ruleset_add_buffer(struct trail_ruleset *rs, const char *name, const char *buf,
			     size_t len, struct mm_diags *d, struct mm_err *e)
{
	struct json *docs = NULL;
	struct mm_err ye = { 0 };
	if (yaml_parse(&rs->arena, buf, len, &docs, &ye) < 0) {
		rs->nrefused++;
		mm_diags_add(d, MM_DIAG_ERROR, name, -1, "cannot load rules: %s", ye.msg);
		return 0;
	}
	/* Falco files are one sequence of rule/macro/list items; Sigma files are maps */
	const struct json *first = NULL;
	for (size_t i = 0; i < json_len(docs) && !first; i++)
		if (json_at(docs, i)->type != JSON_NULL)
			first = json_at(docs, i);
	if (!first) {
		mm_diags_add(d, MM_DIAG_WARNING, name, -1, "no rules in the file");
		return 0;
	}
	if (first->type == JSON_ARRAY)
		return tr_falco_load(rs, name, docs, d);
	if (first->type == JSON_OBJECT)
		return tr_sigma_load(rs, name, docs, false, d);
	rs->nrefused++;
	mm_diags_add(d, MM_DIAG_ERROR, name, (long long)first->off,
		     "not a rule file: expected Sigma documents (maps) or a Falco rules list");
	(void)e;
	return 0;
}

int trail_ruleset_add_builtin(struct trail_ruleset *rs, struct mm_diags *d, struct mm_err *e)
{
	for (const struct embedded_file *f = mm_embedded_trail_rules; f->name; f++) {
		size_t l = strlen(f->name);
		if (l < 4 || strcmp(f->name + l - 4, ".yml"))
			continue;
		struct json *docs = NULL;
		struct mm_err ye = { 0 };
		char *name = arena_printf(&rs->arena, "rules/trail/%s", f->name);
		if (yaml_parse(&rs->arena, f->data, f->len, &docs, &ye) < 0)
			return mm_err_set(e, MM_EPARSE, "built-in rules '%s': %s", name, ye.msg);
		size_t before = rs->nrefused;
		tr_sigma_load(rs, name, docs, true, d);
		if (rs->nrefused != before)
			return mm_err_set(e, MM_EPARSE, "built-in rules '%s' did not all load",
					  name);
	}
	return 0;
}

static int read_file(const char *path, struct strbuf *sb, struct mm_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return mm_err_set(e, MM_EIO, "cannot read rules '%s': %s", path, strerror(errno));
	char buf[16384];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sb->len + n > ((size_t)64 << 20)) {
			fclose(f);
			return mm_err_set(e, MM_ELIMIT, "rules '%s' larger than 64 MiB", path);
		}
		strbuf_add(sb, buf, n);
	}
	int err = ferror(f);
	fclose(f);
	if (err)
		return mm_err_set(e, MM_EIO, "cannot read rules '%s'", path);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *dir, char ***out, size_t *n, size_t *alloc, int depth)
{
	DIR *dp = opendir(dir);
	if (!dp || depth > 32) {
		if (dp)
			closedir(dp);
		return;
	}
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(p.buf, &st) == 0 && S_ISDIR(st.st_mode)) {
			list_dir(p.buf, out, n, alloc, depth + 1);
			strbuf_release(&p);
			continue;
		}
		size_t l = strlen(de->d_name);
		bool yml = (l > 4 && !strcmp(de->d_name + l - 4, ".yml")) ||
			   (l > 5 && !strcmp(de->d_name + l - 5, ".yaml"));
		if (yml && S_ISREG(st.st_mode)) {
			ALLOC_GROW(*out, *n + 1, *alloc);
			(*out)[(*n)++] = strbuf_detach(&p, NULL);
		} else {
			strbuf_release(&p);
		}
	}
	closedir(dp);
}

int trail_ruleset_add_path(struct trail_ruleset *rs, const char *path, struct mm_diags *d,
			   struct mm_err *e)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return mm_err_set(e, MM_EIO, "cannot read rules '%s': %s", path, strerror(errno));
	char **files = NULL;
	size_t n = 0, alloc = 0;
	if (S_ISDIR(st.st_mode)) {
		list_dir(path, &files, &n, &alloc, 0);
		if (!n) {
			free(files);
			return mm_err_set(e, MM_ENOTFOUND,
					  "no *.yml or *.yaml rule file under '%s'", path);
		}
		mm_qsort(files, n, sizeof(*files), cmp_str);
	} else {
		files = xmalloc(sizeof(*files));
		files[n++] = xstrdup(path);
	}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;
		struct mm_err fe = { 0 };
		if (read_file(files[i], &sb, &fe) < 0) {
			if (n == 1)
				rc = mm_err_set(e, fe.code, "%s", fe.msg);
			else
				mm_diags_add(d, MM_DIAG_ERROR, files[i], -1, "%s", fe.msg);
		} else {
			trail_ruleset_add_buffer(rs, files[i], sb.buf, sb.len, d, e);
		}
		strbuf_release(&sb);
		free(files[i]);
	}
	free(files);
	return rc;
}

static void list_add(struct hmap *m, const char *key, const struct tr_rule *r)
{
	struct tr_rule_list *l = hmap_get(m, key);
	if (!l) {
		l = xcalloc(1, sizeof(*l));
		hmap_put(m, key, l);
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == r)
			return;
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = r;
}

/* hmap values are malloc'd lists: free_lists() owns them, so use a side table */
void trail_ruleset_finish(struct trail_ruleset *rs, const struct trail_policy *p)
{
	/* global filters first: they name rules by id */
	for (size_t i = 0; i < rs->nrules; i++) {
		struct tr_rule *f = rs->rules[i];
		if (!f->is_filter)
			continue;
		for (size_t t = 0; t < f->ntargets; t++)
			for (size_t k = 0; k < rs->nrules; k++) {
				struct tr_rule *r = rs->rules[k];
				if (!r->is_filter && r->engine != TRAIL_ENGINE_FALCO &&
				    !strcmp(r->id, f->targets[t]))
					tr_sigma_attach_filter(r, f);
			}
	}
	rs->nenabled = 0;
	for (size_t i = 0; i < rs->nrules; i++) {
		struct tr_rule *r = rs->rules[i];
		const struct trail_rule_override *o = p ? trail_policy_override(p, r->id) : NULL;
		if (o) {
			if (o->disabled)
				r->enabled = false;
			if (o->severity >= 0)
				r->sev = (enum mm_sev)o->severity;
			if (o->max_severity >= 0)
				r->max_sev = o->max_severity;
			if (!o->disabled && o->severity < 0 && o->max_severity < 0)
				r->enabled = !r->is_filter;
		}
		if (!r->enabled || !r->match)
			continue;
		rs->nenabled++;
		if (r->nnames) {
			for (size_t k = 0; k < r->nnames; k++)
				list_add(&rs->by_name, r->names[k], r);
		} else if (r->nsources) {
			for (size_t k = 0; k < r->nsources; k++)
				list_add(&rs->by_source, r->sources[k], r);
		} else {
			ALLOC_GROW(rs->wild, rs->nwild + 1, rs->awild);
			rs->wild[rs->nwild++] = r;
		}
	}
	rs->indexed = true;
}

void trail_ruleset_info(const struct trail_ruleset *rs, size_t i, struct trail_rule_info *out)
{
	const struct tr_rule *r = rs->rules[i];
	out->id = r->id;
	out->title = r->title;
	out->file = r->file;
	out->engine = r->engine;
	out->sev = r->sev;
	out->enabled = r->enabled;
	out->indexed_by = r->indexed_by;
}

/* ------------------------------------------------------------------ */
/* evaluation */

static const struct tr_rule_list *lookup(const struct hmap *m, const char *s, char *buf,
					 size_t bufsz)
{
	if (!s || !m->nr)
		return NULL;
	size_t n = strlen(s);
	if (n >= bufsz)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
	return hmap_get(m, buf);
}

static int cmp_hit(const void *a, const void *b)
{
	const struct tr_hit *x = a, *y = b;
	return (x->rule->order > y->rule->order) - (x->rule->order < y->rule->order);
}

static const char *copy(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

/* a string that repeats across alerts (principals, regions, agents...) */
static const char *rep(struct tr_ctx *c, struct arena *a, const char *s)
{
	if (!s)
		return NULL;
	return c->pool ? json_pool_intern(c->pool, s, strlen(s)) : arena_strdup(a, s);
}

/* ids that name resources: sg-..., i-..., snap-..., with their key */
static bool id_like(const char *key, const char *v)
{
	size_t kl = strlen(key);
	if (!*v || strlen(v) > 256)
		return false;
	if (!strncmp(v, "arn:", 4))
		return true;
	if (strspn(v, "0123456789") == strlen(v))
		return false; /* account numbers, counts */
	if ((kl > 2 && !strcmp(key + kl - 2, "Id")) || !strcmp(key, "publicIp") ||
	    !strcmp(key, "clusterName") || !strcmp(key, "bucketName") || !strcmp(key, "cluster") ||
	    !strcmp(key, "groupName") || !strcmp(key, "userName") || !strcmp(key, "roleName")) {
		/* skip request tokens and account ids */
		return strcmp(key, "clientToken") && strcmp(key, "requestId") &&
		       strcmp(key, "ownerId") && strcmp(key, "userId") &&
		       strcmp(key, "accountId") && strcmp(key, "keyId") && strcmp(key, "kmsKeyId");
	}
	return false;
}

struct res {
	const char **v;
	size_t n, alloc;
};

static void res_add(struct res *r, const char *s)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i], s))
			return;
	if (r->n >= 32)
		return;
	ALLOC_GROW(r->v, r->n + 1, r->alloc);
	r->v[r->n++] = s;
}

static void walk_ids(const struct json *v, const char *key, struct res *r, int depth)
{
	if (!v || depth > 8)
		return;
	if (v->type == JSON_STRING) {
		if (key && id_like(key, v->u.s))
			res_add(r, v->u.s);
		return;
	}
	if (v->type == JSON_ARRAY) {
		for (uint32_t i = 0; i < v->n; i++)
			walk_ids(&v->u.items[i], key, r, depth + 1);
		return;
	}
	if (v->type == JSON_OBJECT)
		for (uint32_t i = 0; i < v->n; i++)
			walk_ids(&v->u.members[i].v, v->u.members[i].key, r, depth + 1);
}

static void resources(struct tr_ctx *x, struct tr_event *ev, struct tr_cand *c, struct arena *a)
{
	struct res r = { 0 };
	walk_ids(tr_event_get(ev, "requestParameters"), NULL, &r, 0);
	walk_ids(tr_event_get(ev, "responseElements"), NULL, &r, 0);
	const struct json *rs = tr_event_get(ev, "resources");
	for (size_t i = 0; i < json_len(rs); i++) {
		const char *arn = json_str(json_at(rs, i), "ARN");
		if (arn)
			res_add(&r, arn);
	}
	c->resources = arena_calloc(a, r.n + 1, sizeof(*c->resources));
	for (size_t i = 0; i < r.n; i++)
		c->resources[i] = rep(x, a, r.v[i]);
	c->nresources = r.n;
	free(r.v);
}

static const char **str_items(struct arena *a, const struct json *items, const char *key, size_t *n)
{
	*n = 0;
	const char **v = arena_calloc(a, json_len(items) + 1, sizeof(*v));
	for (size_t i = 0; i < json_len(items); i++) {
		const char *s = json_str(json_at(items, i), key);
		if (!s && json_is(json_at(items, i), JSON_STRING))
			s = json_as_str(json_at(items, i));
		if (s)
			v[(*n)++] = arena_strdup(a, s);
	}
	return v;
}

static void corr_input(struct tr_event *ev, struct tr_cand *c, struct arena *a, bool failed)
{
	if (failed || !ev->name)
		return;
	const char *n = ev->name;
	const struct json *rq = tr_event_get(ev, "requestParameters");
	const struct json *rp = tr_event_get(ev, "responseElements");
	if (!strcmp(n, "AuthorizeSecurityGroupIngress") ||
	    !strcmp(n, "RevokeSecurityGroupIngress") || !strcmp(n, "DeleteSecurityGroup")) {
		const char *g = json_str(rq, "groupId");
		if (!g)
			g = json_str(rq, "groupName");
		if (!g)
			return;
		c->group = arena_strdup(a, g);
		if (n[0] == 'D') {
			c->kind = TR_CK_SG_DELETE;
			return;
		}
		struct tr_perm *pm;
		size_t np = tr_sg_perms(ev, ev->a, &pm);
		c->perms = arena_calloc(a, np + 1, sizeof(*c->perms));
		for (size_t i = 0; i < np; i++) {
			c->perms[i] = pm[i];
			c->perms[i].proto = arena_strdup(a, pm[i].proto);
			c->perms[i].cidr = copy(a, pm[i].cidr);
		}
		c->nperms = np;
		if (n[0] == 'A') {
			c->kind = TR_CK_SG_OPEN;
			c->rule_ids =
			    str_items(a, json_get(json_get(rp, "securityGroupRuleSet"), "items"),
				      "securityGroupRuleId", &c->nrule_ids);
		} else {
			c->kind = TR_CK_SG_REVOKE;
			const struct json *ids = json_get(rq, "securityGroupRuleIds");
			c->rule_ids =
			    str_items(a, json_is(ids, JSON_ARRAY) ? ids : json_get(ids, "items"),
				      "securityGroupRuleId", &c->nrule_ids);
		}
		return;
	}
	if (!strcmp(n, "CreateSnapshot") || !strcmp(n, "CreateSnapshots")) {
		const char *s = json_str(rp, "snapshotId");
		if (s) {
			c->snaps = arena_calloc(a, 2, sizeof(*c->snaps));
			c->snaps[0] = arena_strdup(a, s);
			c->nsnaps = 1;
		} else {
			c->snaps = str_items(a, json_get(json_get(rp, "snapshotSet"), "items"),
					     "snapshotId", &c->nsnaps);
		}
		if (c->nsnaps)
			c->kind = TR_CK_SNAP_CREATE;
		return;
	}
	if (!strcmp(n, "ModifySnapshotAttribute")) {
		const char *s = json_str(rq, "snapshotId");
		const struct json *items =
		    json_get(json_get(json_get(rq, "createVolumePermission"), "add"), "items");
		if (!s || !json_len(items))
			return;
		c->snaps = arena_calloc(a, 2, sizeof(*c->snaps));
		c->snaps[0] = arena_strdup(a, s);
		c->nsnaps = 1;
		c->shared_with = arena_calloc(a, json_len(items) + 1, sizeof(*c->shared_with));
		for (size_t i = 0; i < json_len(items); i++) {
			const char *u = json_str(json_at(items, i), "userId");
			const char *g = json_str(json_at(items, i), "group");
			if (u || g)
				c->shared_with[c->nshared++] = arena_strdup(a, u ? u : "all");
		}
		if (c->nshared)
			c->kind = TR_CK_SNAP_SHARE;
	}
}

static void falco_message(struct tr_event *ev, const struct tr_rule *r, struct strbuf *sb)
{
	strbuf_reset(sb);
	tr_falco_output(ev, r->output, sb);
	/* the template is multi-line YAML: one line, single spaces */
	size_t k = 0;
	bool sp = false;
	for (size_t i = 0; i < sb->len; i++) {
		char ch = sb->buf[i];
		if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
			sp = k > 0;
			continue;
		}
		if (sp)
			sb->buf[k++] = ' ';
		sp = false;
		sb->buf[k++] = ch;
	}
	sb->len = k;
	sb->buf[k] = '\0';
}

struct tr_cand *tr_evaluate(struct tr_ctx *c, struct tr_event *ev, struct arena *a)
{
	const struct trail_ruleset *rs = c->rs;
	ev->ctx = c;
	ev->name = tr_event_str(ev, "eventName");
	ev->source = tr_event_str(ev, "eventSource");
	c->facts.done = false;
	memset(c->facts.f, 0, sizeof(c->facts.f));
	c->facts.detail[0] = c->facts.image[0] = c->facts.region[0] = '\0';

	char kb[256];
	const struct tr_rule_list *ln = lookup(&rs->by_name, ev->name, kb, sizeof(kb));
	const struct tr_rule_list *ls = lookup(&rs->by_source, ev->source, kb, sizeof(kb));
	const struct tr_rule_list *lists[3] = { ln, ls, NULL };
	struct tr_rule_list wl = { (const struct tr_rule **)rs->wild, rs->nwild, 0 };
	lists[2] = &wl;

	const char *err = tr_event_str(ev, "errorCode");
	if (err && !*err)
		err = NULL;
	bool failed = err != NULL;

	struct tr_hit hits[64];
	size_t nh = 0;
	for (int l = 0; l < 3; l++) {
		if (!lists[l])
			continue;
		for (size_t i = 0; i < lists[l]->n && nh < 64; i++) {
			const struct tr_rule *r = lists[l]->v[i];
			c->rule_evals++;
			if (!r->match(r, ev))
				continue;
			enum mm_sev sev = r->sev;
			const char *msg = NULL;
			if (r->bi) {
				tr_facts_compute(ev, &c->facts, c->pol);
				if (r->bi->require && !c->facts.f[r->bi->require])
					continue;
				for (size_t k = 0; !failed && k < r->bi->nraise; k++)
					if (c->facts.f[r->bi->raise[k].fact]) {
						if (r->bi->raise[k].sev > sev)
							sev = r->bi->raise[k].sev;
						break;
					}
				msg = r->bi->require == TR_FACT_IMAGE_NONSTANDARD ? c->facts.image
				      : r->bi->require == TR_FACT_REGION_UNAPPROVED
					  ? c->facts.region
					  : c->facts.detail;
				if (!*msg)
					msg = NULL;
			}
			if (r->max_sev >= 0 && (int)sev > r->max_sev)
				sev = (enum mm_sev)r->max_sev;
			strbuf_reset(&c->sb);
			if (failed)
				strbuf_addf(&c->sb, "failed attempt (%s): ", err);
			if (r->engine == TRAIL_ENGINE_FALCO && r->output) {
				struct strbuf fo = STRBUF_INIT;
				falco_message(ev, r, &fo);
				strbuf_add(&c->sb, fo.buf, fo.len);
				strbuf_release(&fo);
			} else {
				strbuf_addstr(&c->sb, msg ? msg : r->title);
			}
			hits[nh].rule = r;
			hits[nh].sev = sev;
			hits[nh].message = c->pool ? json_pool_intern(c->pool, c->sb.buf, c->sb.len)
						   : arena_strndup(a, c->sb.buf, c->sb.len);
			nh++;
		}
	}
	/* most events are neither: decide before allocating anything */
	const char *n = ev->name;
	bool corr = !failed && n &&
		    (!strcmp(n, "AuthorizeSecurityGroupIngress") ||
		     !strcmp(n, "RevokeSecurityGroupIngress") ||
		     !strcmp(n, "DeleteSecurityGroup") || !strcmp(n, "CreateSnapshot") ||
		     !strcmp(n, "CreateSnapshots") || !strcmp(n, "ModifySnapshotAttribute"));
	if (!nh && !corr)
		return NULL;
	struct tr_cand *cand = arena_alloc(a, sizeof(*cand));
	corr_input(ev, cand, a, failed);
	if (!nh && cand->kind == TR_CK_NONE)
		return NULL;
	mm_qsort(hits, nh, sizeof(*hits), cmp_hit);
	cand->hits = arena_calloc(a, nh + 1, sizeof(*cand->hits));
	memcpy(cand->hits, hits, nh * sizeof(*hits));
	cand->nhits = nh;

	const char *t = tr_event_str(ev, "eventTime");
	cand->time = rep(c, a, t);
	cand->has_time = t && tr_parse_time(t, &cand->time_ms) == 0;
	if (!cand->has_time)
		cand->time_ms = INT64_MIN;
	const char *id = tr_event_str(ev, "eventID");
	cand->event_id = !id	   ? NULL
			 : c->pool ? json_pool_strndup(c->pool, id, strlen(id))
				   : arena_strdup(a, id);
	cand->name = rep(c, a, ev->name);
	cand->source = rep(c, a, ev->source);
	const struct json *ui = tr_event_get(ev, "userIdentity");
	cand->who.type = rep(c, a, json_str(ui, "type"));
	cand->who.arn = rep(c, a, json_str(ui, "arn"));
	cand->who.principal_id = rep(c, a, json_str(ui, "principalId"));
	cand->who.access_key_id = rep(c, a, json_str(ui, "accessKeyId"));
	const char *acct = tr_event_str(ev, "recipientAccountId");
	if (!acct)
		acct = json_str(ui, "accountId");
	cand->account = rep(c, a, acct);
	cand->region = rep(c, a, tr_event_str(ev, "awsRegion"));
	cand->source_ip = rep(c, a, tr_event_str(ev, "sourceIPAddress"));
	cand->user_agent = rep(c, a, tr_event_str(ev, "userAgent"));
	cand->error_code = rep(c, a, err);
	cand->error_message = rep(c, a, tr_event_str(ev, "errorMessage"));
	cand->file = ev->file;
	cand->index = ev->index;
	cand->offset = (long long)ev->off;
	resources(c, ev, cand, a);
	return cand;
}

static int cmp_s(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

int tr_cand_cmp(const struct tr_cand *x, const struct tr_cand *y)
{
	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	int r = cmp_s(x->event_id, y->event_id);
	if (r)
		return r;
	r = cmp_s(x->file, y->file);
	if (r)
		return r;
	return (x->index > y->index) - (x->index < y->index);
}
