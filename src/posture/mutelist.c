/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mutelist: parse and validate the YAML suppression file (docs/mutelist.md)
 * and apply it to findings. Validation is strict on purpose: a misspelt key
 * or a bad date in a suppression file silently hides or un-hides findings,
 * so every problem is an error naming the file, the line and the entry.
 * Globs are fnmatch(3) patterns without flags ('*' also matches '/', so
 * "arn:aws:ec2:*:security-group/sg-*" works on ARNs).
 */
#include "mutelist.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/yaml.h"
#include "base/banned.h"

#define MUTELIST_MAX_SIZE ((size_t)16 << 20)

struct patterns {
	const char **v; /* NULL: matches anything */
	size_t n;
};

struct mute_entry {
	struct patterns rule, account, region, resource;
	struct finding_tag *tags;
	size_t ntags;
	const char *reason;
	bool has_expiry;
	time_t expires_at;	  /* first second at which the entry no longer applies */
	const char *expires_text; /* as written */
	long long off;		  /* byte offset of the entry */
	unsigned long line;
};

struct mutelist {
	struct arena arena;
	const char *name;
	struct mute_entry *v;
	size_t nr;
};

/* Parsing context: everything an error message needs. */
struct mctx {
	struct mutelist *ml;
	const char *buf;
	size_t len;
	size_t entry; /* 1-based, 0 outside entries */
	struct mm_err *e;
};

__attribute__((format(printf, 4, 5))) static int fail(struct mctx *c, int code, uint64_t off,
						      const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	unsigned long line, col;
	json_line_col(c->buf, c->len, (size_t)off, &line, &col);
	if (c->entry)
		return mm_err_set(c->e, code, "invalid mutelist '%s': line %lu: entry %zu: %s",
				  c->ml->name, line, c->entry, msg);
	return mm_err_set(c->e, code, "invalid mutelist '%s': line %lu: %s", c->ml->name, line,
			  msg);
}

/* A scalar usable as a pattern or tag value: strings, and numbers or
 * booleans as written (an unquoted account id is a YAML number). */
static const char *scalar_text(const struct json *v)
{
	switch (v->type) {
	case JSON_STRING:
	case JSON_NUMBER:
		return v->u.s;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return NULL;
	}
}

static int get_patterns(struct mctx *c, const char *key, const struct json *v, struct patterns *p)
{
	if (v->type == JSON_ARRAY) {
		if (!v->n)
			return fail(c, MM_ETYPE, v->off, "'%s' is an empty list", key);
		p->v = arena_calloc(&c->ml->arena, v->n, sizeof(*p->v));
		for (uint32_t i = 0; i < v->n; i++) {
			const struct json *it = &v->u.items[i];
			if (it->type != JSON_STRING && it->type != JSON_NUMBER)
				return fail(c, MM_ETYPE, it->off,
					    "'%s' list items must be strings, not %s", key,
					    json_type_name(it->type));
			if (!*it->u.s)
				return fail(c, MM_ETYPE, it->off, "'%s' has an empty pattern", key);
			p->v[i] = it->u.s;
		}
		p->n = v->n;
		return 0;
	}
	if (v->type != JSON_STRING && v->type != JSON_NUMBER)
		return fail(c, MM_ETYPE, v->off,
			    "'%s' must be a string or a list of strings, not %s", key,
			    json_type_name(v->type));
	if (!*v->u.s)
		return fail(c, MM_ETYPE, v->off, "'%s' is an empty pattern", key);
	p->v = arena_calloc(&c->ml->arena, 1, sizeof(*p->v));
	p->v[0] = v->u.s;
	p->n = 1;
	return 0;
}

static int get_tags(struct mctx *c, const struct json *v, struct mute_entry *m)
{
	if (v->type != JSON_OBJECT)
		return fail(c, MM_ETYPE, v->off, "'tags' must be a mapping of key: value, not %s",
			    json_type_name(v->type));
	m->tags = arena_calloc(&c->ml->arena, v->n ? v->n : 1, sizeof(*m->tags));
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json_member *mb = &v->u.members[i];
		const char *val = scalar_text(&mb->v);
		if (!val)
			return fail(c, MM_ETYPE, mb->v.off,
				    "tag '%s' must have a string value, not %s", mb->key,
				    json_type_name(mb->v.type));
		m->tags[i].key = mb->key;
		m->tags[i].value = val;
	}
	m->ntags = v->n;
	return 0;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int mo)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[mo - 1];
}

/*
 * "YYYY-MM-DD" (the entry applies through the end of that day, UTC) or
 * "YYYY-MM-DDTHH:MM:SSZ" (through that second). Sets the first second at
 * which the entry no longer applies.
 */
static int parse_expiry(const char *s, time_t *out)
{
	size_t n = strlen(s);
	int y, mo, d, h = 23, mi = 59, sec = 59;
	if (n != 10 && n != 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d))
		return -1;
	if (n == 20 && ((s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) || s[13] != ':' ||
			digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec) ||
			(s[19] != 'Z' && s[19] != 'z')))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t + 1;
	return 0;
}

static const char *const entry_keys = "rule, account, region, resource, tags, reason, expires";

static int parse_entry(struct mctx *c, const struct json *v, struct mute_entry *m)
{
	if (v->type != JSON_OBJECT)
		return fail(c, MM_ETYPE, v->off, "expected a mapping (%s), not %s", entry_keys,
			    json_type_name(v->type));
	m->off = (long long)v->off;
	unsigned long col;
	json_line_col(c->buf, c->len, (size_t)v->off, &m->line, &col);
	bool seen_reason = false;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json_member *mb = &v->u.members[i];
		const char *k = mb->key;
		const struct json *val = &mb->v;
		int r = 0;
		if (!strcmp(k, "rule")) {
			r = get_patterns(c, k, val, &m->rule);
		} else if (!strcmp(k, "account")) {
			r = get_patterns(c, k, val, &m->account);
		} else if (!strcmp(k, "region")) {
			r = get_patterns(c, k, val, &m->region);
		} else if (!strcmp(k, "resource")) {
			r = get_patterns(c, k, val, &m->resource);
		} else if (!strcmp(k, "tags")) {
			r = get_tags(c, val, m);
		} else if (!strcmp(k, "reason")) {
			if (val->type != JSON_STRING)
				return fail(c, MM_ETYPE, val->off,
					    "'reason' must be a string, not %s",
					    json_type_name(val->type));
			const char *p = val->u.s;
			while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				p++;
			if (!*p)
				return fail(c, MM_ETYPE, val->off, "'reason' is empty");
			m->reason = val->u.s;
			seen_reason = true;
		} else if (!strcmp(k, "expires")) {
			const char *s = val->type == JSON_STRING ? val->u.s : NULL;
			if (!s || parse_expiry(s, &m->expires_at) < 0)
				return fail(c, MM_ETYPE, val->off,
					    "bad 'expires' date '%s': expected YYYY-MM-DD or "
					    "YYYY-MM-DDTHH:MM:SSZ",
					    scalar_text(val) ? scalar_text(val)
							     : json_type_name(val->type));
			m->has_expiry = true;
			m->expires_text = s;
		} else {
			return fail(c, MM_EPARSE, val->off, "unknown key '%s' (expected %s)", k,
				    entry_keys);
		}
		if (r)
			return r;
	}
	if (!seen_reason)
		return fail(c, MM_EPARSE, v->off, "missing 'reason' (every mute needs one)");
	return 0;
}

static int parse_doc(struct mctx *c, const struct json *docs)
{
	if (json_len(docs) == 0)
		return fail(c, MM_EPARSE, 0, "empty file (expected a 'mutes:' list)");
	if (json_len(docs) > 1)
		return fail(c, MM_EPARSE, json_at(docs, 1)->off,
			    "more than one YAML document (expected one 'mutes:' list)");
	const struct json *doc = json_at(docs, 0);
	if (doc->type != JSON_OBJECT)
		return fail(c, MM_ETYPE, doc->off,
			    "expected a mapping with a 'mutes:' list, not %s",
			    json_type_name(doc->type));
	const struct json *mutes = NULL;
	for (uint32_t i = 0; i < doc->n; i++) {
		const struct json_member *mb = &doc->u.members[i];
		if (strcmp(mb->key, "mutes"))
			return fail(c, MM_EPARSE, mb->v.off, "unknown key '%s' (expected 'mutes')",
				    mb->key);
		mutes = &mb->v;
	}
	if (!mutes)
		return fail(c, MM_EPARSE, doc->off, "missing 'mutes:' list");
	if (mutes->type == JSON_NULL)
		return 0; /* every entry commented out */
	if (mutes->type != JSON_ARRAY)
		return fail(c, MM_ETYPE, mutes->off, "'mutes' must be a list, not %s",
			    json_type_name(mutes->type));
	struct mutelist *ml = c->ml;
	ml->v = arena_calloc(&ml->arena, mutes->n ? mutes->n : 1, sizeof(*ml->v));
	for (uint32_t i = 0; i < mutes->n; i++) {
		c->entry = i + 1;
		int r = parse_entry(c, &mutes->u.items[i], &ml->v[i]);
		if (r)
			return r;
		ml->nr++;
	}
	c->entry = 0;
	return 0;
}

int mutelist_parse(struct mutelist **out, const char *name, const char *buf, size_t len,
		   struct mm_err *e)
{
	*out = NULL;
	struct mutelist *ml = xcalloc(1, sizeof(*ml));
	arena_init(&ml->arena);
	ml->name = arena_strdup(&ml->arena, name ? name : "<mutelist>");
	struct json *docs = NULL;
	struct mm_err ye = { 0 };
	int r = yaml_parse(&ml->arena, buf, len, &docs, &ye);
	if (r) {
		mm_err_set(e, r, "invalid mutelist '%s': %s", ml->name, ye.msg);
	} else {
		struct mctx c = { ml, buf, len, 0, e };
		r = parse_doc(&c, docs);
	}
	if (r) {
		mutelist_free(ml);
		return r;
	}
	*out = ml;
	return 0;
}

int mutelist_load(struct mutelist **out, const char *path, struct mm_err *e)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return mm_err_set(e, MM_EIO, "cannot open mutelist '%s': %s", path,
				  strerror(errno));
	struct strbuf sb = STRBUF_INIT;
	sb.max = MUTELIST_MAX_SIZE;
	char chunk[65536];
	int r = 0;
	for (;;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		if (n && strbuf_add(&sb, chunk, n) < 0) {
			r = mm_err_set(e, MM_ELIMIT,
				       "cannot read mutelist '%s': larger than %zu MiB", path,
				       MUTELIST_MAX_SIZE >> 20);
			break;
		}
		if (n < sizeof(chunk)) {
			if (ferror(f))
				r = mm_err_set(e, MM_EIO, "cannot read mutelist '%s': %s", path,
					       strerror(errno));
			break;
		}
	}
	fclose(f);
	if (!r)
		r = mutelist_parse(out, path, sb.buf, sb.len, e);
	strbuf_release(&sb);
	return r;
}

static bool match_one(const struct patterns *p, const char *s)
{
	if (!p->n)
		return true;
	for (size_t i = 0; i < p->n; i++)
		if (!fnmatch(p->v[i], s ? s : "", 0))
			return true;
	return false;
}

static bool match_resource(const struct patterns *p, const struct finding *f)
{
	if (!p->n)
		return true;
	for (size_t i = 0; i < p->n; i++) {
		if (!fnmatch(p->v[i], f->res_id ? f->res_id : "", 0))
			return true;
		if (f->res_arn && !fnmatch(p->v[i], f->res_arn, 0))
			return true;
	}
	return false;
}

static bool match_tags(const struct mute_entry *m, const struct finding *f)
{
	for (size_t i = 0; i < m->ntags; i++) {
		bool ok = false;
		for (size_t j = 0; j < f->ntags && !ok; j++)
			ok =
			    f->tags[j].key && !strcmp(f->tags[j].key, m->tags[i].key) &&
			    !fnmatch(m->tags[i].value, f->tags[j].value ? f->tags[j].value : "", 0);
		if (!ok)
			return false;
	}
	return true;
}

static bool entry_matches(const struct mute_entry *m, const struct finding *f)
{
	return match_one(&m->rule, f->rule) && match_one(&m->account, f->account) &&
	       match_one(&m->region, f->region) && match_resource(&m->resource, f) &&
	       match_tags(m, f);
}

size_t mutelist_apply_diags(const struct mutelist *ml, struct findings *fs, time_t now,
			    struct mm_diags *diags)
{
	if (!ml || !fs)
		return 0;
	size_t muted = 0;
	/* per expired entry: findings it matches that no live entry mutes */
	size_t *lost = xcalloc(ml->nr ? ml->nr : 1, sizeof(*lost));
	for (size_t i = 0; i < fs->nr; i++) {
		struct finding *f = &fs->v[i];
		if (f->status != MM_ST_FAIL && f->status != MM_ST_UNKNOWN)
			continue;
		const struct mute_entry *hit = NULL;
		for (size_t k = 0; k < ml->nr && !hit; k++) {
			const struct mute_entry *m = &ml->v[k];
			if ((!m->has_expiry || now < m->expires_at) && entry_matches(m, f))
				hit = m;
		}
		if (hit) {
			f->muted_from = f->status;
			f->status = MM_ST_MUTED;
			f->mute_reason = arena_strdup(&fs->arena, hit->reason);
			muted++;
			continue;
		}
		for (size_t k = 0; k < ml->nr; k++)
			if (ml->v[k].has_expiry && now >= ml->v[k].expires_at &&
			    entry_matches(&ml->v[k], f))
				lost[k]++;
	}
	for (size_t k = 0; diags && k < ml->nr; k++) {
		const struct mute_entry *m = &ml->v[k];
		if (!m->has_expiry || now < m->expires_at)
			continue;
		mm_diags_add(diags, MM_DIAG_WARNING, ml->name, m->off,
			     "mute entry %zu (line %lu) expired on %s (reason: '%s'); %zu matching "
			     "finding%s no longer muted",
			     k + 1, m->line, m->expires_text, m->reason, lost[k],
			     lost[k] == 1 ? "" : "s");
	}
	free(lost);
	return muted;
}

size_t mutelist_apply(const struct mutelist *ml, struct findings *fs, time_t now)
{
	return mutelist_apply_diags(ml, fs, now, NULL);
}

size_t mutelist_count(const struct mutelist *ml)
{
	return ml ? ml->nr : 0;
}

void mutelist_free(struct mutelist *ml)
{
	if (!ml)
		return;
	arena_release(&ml->arena);
	free(ml);
}
