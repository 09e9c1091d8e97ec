/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sigma detection rules (SigmaHQ/sigma-specification, rules v2 and the
 * modifier appendix) for CloudTrail: loader, compiler and evaluator.
 *
 * A rule's `detection` is compiled once: every search identifier becomes a
 * list of alternatives (OR), each a list of field conditions (AND), each a
 * field path, an operator and values with the modifiers already applied
 * (wildcards compiled, base64 variants encoded, regexes compiled, CIDRs
 * parsed). The condition becomes a tree over the identifiers, with `1 of`,
 * `all of` and `them` expanded. Evaluation walks the tree and evaluates an
 * identifier at most once per event.
 *
 * Matching follows the specification: strings compare case-insensitively
 * unless `cased`; `re` is case-sensitive unless `re|i`; a list of values is
 * OR unless `all`; a field holding a list matches when one element does;
 * `null` matches an absent or null field; `exists: false` likewise.
 *
 * Refused (with the reason in a diagnostic): correlation rules, aggregation
 * conditions (`| count()`), `expand` placeholders, rule collections
 * (`action:`), log sources other than CloudTrail. The built-in rules are
 * Sigma documents with a `mamori:` block (builtin.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trail-int.h"
#include "base/ipset.h"
#include "base/wrapper.h"
#include "base/banned.h"

enum sg_op {
	SG_EQ,
	SG_CONTAINS,
	SG_STARTS,
	SG_ENDS,
	SG_GLOB,
	SG_RE,
	SG_CIDR,
	SG_NULL,
	SG_LT,
	SG_LTE,
	SG_GT,
	SG_GTE,
	SG_REF_EQ,
	SG_REF_CONTAINS,
	SG_REF_STARTS,
	SG_REF_ENDS,
};

struct sg_val {
	uint8_t op;
	const char *s; /* literal, lower-case when folding */
	size_t n;
	struct tr_glob *g;
	struct tr_re *re;
	struct mm_cidr cidr;
	double num;
	struct tr_path ref;
};

struct sg_item {
	struct tr_path path; /* nseg == 0: keyword search over the whole record */
	bool all, fold;
	bool exists, exists_want;
	struct sg_val *v;
	size_t nv;
};

struct sg_sel {
	struct sg_item *items;
	size_t n;
};

struct sg_ident {
	const char *name;
	struct sg_sel *alts;
	size_t nalts;
};

enum { N_AND, N_OR, N_NOT, N_ID, N_TRUE, N_FALSE };

struct sg_node {
	uint8_t kind;
	uint32_t id;
	struct sg_node **k;
	size_t nk;
};

struct sg_rule {
	struct sg_ident *ids;
	size_t nids;
	struct sg_node *cond;
	const struct tr_rule **filters;
	size_t nfilters, afilters;
	struct tr_re **res; /* to free */
	size_t nres, ares;
};

/* ------------------------------------------------------------------ */
/* evaluation */

static bool eval_rule(const struct sg_rule *sr, struct tr_event *ev);

static bool num_of(const char *s, size_t n, double *out)
{
	char buf[64];
	if (!s || n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	if (errno || *end)
		return false;
	*out = d;
	return true;
}

static bool val_match(const struct sg_item *it, const struct sg_val *v, struct tr_event *ev,
		      const char *s, size_t n)
{
	bool fold = it->fold;
	switch (v->op) {
	case SG_EQ:
		return tr_eq(s, n, v->s, v->n, fold);
	case SG_CONTAINS:
		return tr_contains(s, n, v->s, v->n, fold);
	case SG_STARTS:
		return tr_prefix(s, n, v->s, v->n, fold);
	case SG_ENDS:
		return tr_suffix(s, n, v->s, v->n, fold);
	case SG_GLOB:
		return tr_glob_match(v->g, s, n);
	case SG_RE:
		return tr_re_match(v->re, ev->ctx, s, n);
	case SG_CIDR: {
		char buf[64];
		if (n >= sizeof(buf))
			return false;
		memcpy(buf, s, n);
		buf[n] = '\0';
		enum mm_family fam;
		mm_u128 addr;
		return mm_addr_parse(buf, &fam, &addr) == 0 &&
		       mm_cidr_contains(&v->cidr, fam, addr);
	}
	case SG_LT:
	case SG_LTE:
	case SG_GT:
	case SG_GTE: {
		double d;
		if (!num_of(s, n, &d))
			return false;
		return v->op == SG_LT	 ? d < v->num
		       : v->op == SG_LTE ? d <= v->num
		       : v->op == SG_GT	 ? d > v->num
					 : d >= v->num;
	}
	case SG_REF_EQ:
	case SG_REF_CONTAINS:
	case SG_REF_STARTS:
	case SG_REF_ENDS: {
		struct tr_vals rv;
		tr_path_collect(ev, &v->ref, &rv);
		for (size_t i = 0; i < rv.n; i++) {
			size_t rn;
			const char *r = tr_json_text(ev->a, rv.v[i], &rn);
			if (!r)
				continue;
			/* both sides come from the event: fold both */
			char *lr = fold ? tr_lower(ev->a, r, rn) : (char *)r;
			bool ok = v->op == SG_REF_EQ	     ? tr_eq(s, n, lr, rn, fold)
				  : v->op == SG_REF_CONTAINS ? tr_contains(s, n, lr, rn, fold)
				  : v->op == SG_REF_STARTS   ? tr_prefix(s, n, lr, rn, fold)
							     : tr_suffix(s, n, lr, rn, fold);
			if (ok)
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

static bool item_match(const struct sg_item *it, struct tr_event *ev)
{
	struct tr_vals vals;
	const char *raw = NULL;
	size_t rawn = 0;
	if (!it->path.nseg) {
		raw = tr_event_raw(ev, &rawn);
		vals.n = 0;
	} else {
		tr_path_collect(ev, &it->path, &vals);
	}
	bool present = false, has_null = false;
	for (size_t i = 0; i < vals.n; i++) {
		if (vals.v[i]->type == JSON_NULL)
			has_null = true;
		else
			present = true;
	}
	if (it->exists)
		return present == it->exists_want;
	for (size_t k = 0; k < it->nv; k++) {
		const struct sg_val *v = &it->v[k];
		bool ok = false;
		if (v->op == SG_NULL) {
			ok = !present || has_null;
		} else if (raw) {
			ok = val_match(it, v, ev, raw, rawn);
		} else {
			for (size_t i = 0; i < vals.n && !ok; i++) {
				size_t n;
				const char *s = tr_json_text(ev->a, vals.v[i], &n);
				if (s)
					ok = val_match(it, v, ev, s, n);
			}
		}
		if (it->all && !ok)
			return false;
		if (!it->all && ok)
			return true;
	}
	return it->all && it->nv > 0;
}

static bool ident_match(const struct sg_ident *id, struct tr_event *ev)
{
	for (size_t a = 0; a < id->nalts; a++) {
		const struct sg_sel *s = &id->alts[a];
		bool ok = true;
		for (size_t i = 0; i < s->n && ok; i++)
			ok = item_match(&s->items[i], ev);
		if (ok)
			return true;
	}
	return false;
}

static bool eval_node(const struct sg_rule *sr, const struct sg_node *n, struct tr_event *ev,
		      int8_t *memo)
{
	switch (n->kind) {
	case N_TRUE:
		return true;
	case N_FALSE:
		return false;
	case N_NOT:
		return !eval_node(sr, n->k[0], ev, memo);
	case N_AND:
		for (size_t i = 0; i < n->nk; i++)
			if (!eval_node(sr, n->k[i], ev, memo))
				return false;
		return true;
	case N_OR:
		for (size_t i = 0; i < n->nk; i++)
			if (eval_node(sr, n->k[i], ev, memo))
				return true;
		return false;
	default:
		if (memo[n->id] < 0)
			memo[n->id] = ident_match(&sr->ids[n->id], ev);
		return memo[n->id];
	}
}

static bool eval_rule(const struct sg_rule *sr, struct tr_event *ev)
{
	int8_t small[64];
	int8_t *memo = sr->nids <= sizeof(small) ? small : xmalloc(sr->nids);
	memset(memo, -1, sr->nids);
	bool r = eval_node(sr, sr->cond, ev, memo);
	if (memo != small)
		free(memo);
	return r;
}

static bool sigma_match(const struct tr_rule *r, struct tr_event *ev)
{
	const struct sg_rule *sr = r->impl;
	if (!eval_rule(sr, ev))
		return false;
	for (size_t i = 0; i < sr->nfilters; i++)
		if (eval_rule(sr->filters[i]->impl, ev))
			return false;
	return true;
}

void tr_sigma_attach_filter(struct tr_rule *r, const struct tr_rule *filter)
{
	struct sg_rule *sr = r->impl;
	ALLOC_GROW(sr->filters, sr->nfilters + 1, sr->afilters);
	sr->filters[sr->nfilters++] = filter;
}

void tr_sigma_free(struct tr_rule *r)
{
	struct sg_rule *sr = r->impl;
	if (!sr)
		return;
	for (size_t i = 0; i < sr->nres; i++)
		tr_re_free(sr->res[i]);
	free(sr->res);
	free(sr->filters);
	r->impl = NULL;
}

/* ------------------------------------------------------------------ */
/* compiling values */

struct sg_load {
	struct trail_ruleset *rs;
	struct arena *a;
	const char *file;
	const char *title;
	long long off;
	struct mm_diags *d;
	struct sg_rule *sr;
	char err[512];
	bool builtin;
};

__attribute__((format(printf, 2, 3))) static int refuse(struct sg_load *L, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->err, sizeof(L->err), fmt, ap);
	va_end(ap);
	return -1;
}

enum {
	M_CONTAINS = 1 << 0,
	M_STARTS = 1 << 1,
	M_ENDS = 1 << 2,
	M_ALL = 1 << 3,
	M_RE = 1 << 4,
	M_CIDR = 1 << 5,
	M_EXISTS = 1 << 6,
	M_B64 = 1 << 7,
	M_B64OFF = 1 << 8,
	M_U16LE = 1 << 9,
	M_U16BE = 1 << 10,
	M_U16BOM = 1 << 11,
	M_WINDASH = 1 << 12,
	M_CASED = 1 << 13,
	M_LT = 1 << 14,
	M_LTE = 1 << 15,
	M_GT = 1 << 16,
	M_GTE = 1 << 17,
	M_REF = 1 << 18,
};

static const struct {
	const char *name;
	unsigned bit;
} modifiers[] = {
	{ "contains", M_CONTAINS },
	{ "startswith", M_STARTS },
	{ "endswith", M_ENDS },
	{ "all", M_ALL },
	{ "re", M_RE },
	{ "cidr", M_CIDR },
	{ "exists", M_EXISTS },
	{ "base64", M_B64 },
	{ "base64offset", M_B64OFF },
	{ "utf16le", M_U16LE },
	{ "wide", M_U16LE },
	{ "utf16be", M_U16BE },
	{ "utf16", M_U16BOM },
	{ "windash", M_WINDASH },
	{ "cased", M_CASED },
	{ "lt", M_LT },
	{ "lte", M_LTE },
	{ "gt", M_GT },
	{ "gte", M_GTE },
	{ "fieldref", M_REF },
};

static void b64(struct strbuf *out, const unsigned char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		strbuf_addch(out, tab[(v >> 18) & 63]);
		strbuf_addch(out, tab[(v >> 12) & 63]);
		strbuf_addch(out, i + 1 < n ? tab[(v >> 6) & 63] : '=');
		strbuf_addch(out, i + 2 < n ? tab[v & 63] : '=');
	}
}

/* UTF-8 -> UTF-16 (le or be), optional byte order mark. */
static void utf16(struct strbuf *out, const char *s, size_t n, bool be, bool bom)
{
	if (bom)
		strbuf_add(out, be ? "\xfe\xff" : "\xff\xfe", 2);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp = c;
		size_t len = 1;
		if (c >= 0xf0 && i + 3 < n) {
			cp = ((c & 7u) << 18) | ((s[i + 1] & 63u) << 12) | ((s[i + 2] & 63u) << 6) |
			     (s[i + 3] & 63u);
			len = 4;
		} else if (c >= 0xe0 && i + 2 < n) {
			cp = ((c & 15u) << 12) | ((s[i + 1] & 63u) << 6) | (s[i + 2] & 63u);
			len = 3;
		} else if (c >= 0xc0 && i + 1 < n) {
			cp = ((c & 31u) << 6) | (s[i + 1] & 63u);
			len = 2;
		}
		i += len;
		uint16_t u[2];
		int nu = 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[0] = (uint16_t)(0xd800 | (cp >> 10));
			u[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
			nu = 2;
		} else {
			u[0] = (uint16_t)cp;
		}
		for (int k = 0; k < nu; k++) {
			char b[2] = { (char)(be ? u[k] >> 8 : u[k] & 0xff),
				      (char)(be ? u[k] & 0xff : u[k] >> 8) };
			strbuf_add(out, b, 2);
		}
	}
}

/* Sigma string: unescape and report whether unescaped wildcards remain. */
static char *unescape(struct arena *a, const char *s, size_t n, size_t *outn, bool *wild)
{
	char *d = arena_alloc(a, n + 1);
	size_t k = 0;
	*wild = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n &&
		    (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
			d[k++] = s[++i];
			continue;
		}
		if (s[i] == '*' || s[i] == '?')
			*wild = true;
		d[k++] = s[i];
	}
	d[k] = '\0';
	*outn = k;
	return d;
}

static void add_val(struct sg_item *it, size_t *alloc, struct sg_val v)
{
	ALLOC_GROW(it->v, it->nv + 1, *alloc);
	it->v[it->nv++] = v;
}

/* The values were gathered in a malloc'd vector: move them to the arena. */
static void vals_to_arena(struct arena *a, struct sg_item *it)
{
	struct sg_val *v = arena_calloc(a, it->nv + 1, sizeof(*v));
	if (it->nv)
		memcpy(v, it->v, it->nv * sizeof(*v));
	free(it->v);
	it->v = v;
}

/* One string value with string modifiers -> one or more compiled values. */
static int compile_string(struct sg_load *L, struct sg_item *it, size_t *alloc, unsigned mods,
			  const char *s, size_t n, const char *re_flags)
{
	struct arena *a = L->a;
	if (mods & M_RE) {
		char msg[400];
		struct tr_re *re = tr_re_compile(a, s, re_flags, msg, sizeof(msg));
		if (!re)
			return refuse(L, "%s", msg);
		ALLOC_GROW(L->sr->res, L->sr->nres + 1, L->sr->ares);
		L->sr->res[L->sr->nres++] = re;
		add_val(it, alloc, (struct sg_val){ .op = SG_RE, .re = re });
		return 0;
	}
	if (mods & M_CIDR) {
		struct sg_val v = { .op = SG_CIDR };
		char buf[128];
		if (n >= sizeof(buf) ||
		    (memcpy(buf, s, n), buf[n] = '\0', mm_cidr_parse(buf, &v.cidr)))
			return refuse(L, "bad CIDR '%.*s' for the cidr modifier", (int)n, s);
		add_val(it, alloc, v);
		return 0;
	}
	if (mods & (M_LT | M_LTE | M_GT | M_GTE)) {
		struct sg_val v = { .op = mods & M_LT	 ? SG_LT
					  : mods & M_LTE ? SG_LTE
					  : mods & M_GT	 ? SG_GT
							 : SG_GTE };
		if (!num_of(s, n, &v.num))
			return refuse(L, "'%.*s' is not a number (lt/lte/gt/gte)", (int)n, s);
		add_val(it, alloc, v);
		return 0;
	}
	if (mods & M_REF) {
		struct sg_val v = { .op = mods & M_CONTAINS ? SG_REF_CONTAINS
					  : mods & M_STARTS ? SG_REF_STARTS
					  : mods & M_ENDS   ? SG_REF_ENDS
							    : SG_REF_EQ };
		char *f = arena_strndup(a, s, n);
		if (tr_path_dotted(a, f, &v.ref) < 0)
			return refuse(L, "bad field reference '%s'", f);
		if (!tr_known_field(f))
			mm_diags_add(L->d, MM_DIAG_WARNING, L->file, L->off,
				     "sigma rule '%s': unknown field '%s' (fieldref): CloudTrail "
				     "records have no such field",
				     L->title, f);
		add_val(it, alloc, v);
		return 0;
	}
	/* encodings: the value becomes literal bytes */
	struct strbuf tmp = STRBUF_INIT;
	const char *lit = s;
	size_t litn = n;
	if (mods & (M_U16LE | M_U16BE | M_U16BOM)) {
		utf16(&tmp, s, n, mods & M_U16BE, mods & M_U16BOM);
		lit = arena_strndup(a, tmp.buf, tmp.len);
		litn = tmp.len;
		strbuf_reset(&tmp);
	}
	if (mods & M_B64) {
		b64(&tmp, (const unsigned char *)lit, litn);
		char *e = arena_strndup(a, tmp.buf, tmp.len);
		strbuf_release(&tmp);
		/* base64 output is case-sensitive */
		struct sg_val v = { .op = mods & M_CONTAINS ? SG_CONTAINS
					  : mods & M_STARTS ? SG_STARTS
					  : mods & M_ENDS   ? SG_ENDS
							    : SG_EQ,
				    .s = e,
				    .n = strlen(e) };
		it->fold = false;
		add_val(it, alloc, v);
		return 0;
	}
	if (mods & M_B64OFF) {
		static const size_t start[3] = { 0, 2, 3 };
		static const int endcut[3] = { 0, 3, 2 };
		for (size_t i = 0; i < 3; i++) {
			strbuf_reset(&tmp);
			struct strbuf in = STRBUF_INIT;
			for (size_t k = 0; k < i; k++)
				strbuf_addch(&in, ' ');
			strbuf_add(&in, lit, litn);
			b64(&tmp, (const unsigned char *)in.buf, in.len);
			strbuf_release(&in);
			size_t cut = (size_t)endcut[(litn + i) % 3];
			if (tmp.len < start[i] + cut)
				continue;
			size_t len = tmp.len - start[i] - cut;
			struct sg_val v = { .op = mods & M_STARTS ? SG_STARTS
						  : mods & M_ENDS ? SG_ENDS
								  : SG_CONTAINS,
					    .s = arena_strndup(a, tmp.buf + start[i], len),
					    .n = len };
			add_val(it, alloc, v);
		}
		strbuf_release(&tmp);
		it->fold = false;
		return 0;
	}
	strbuf_release(&tmp);
	/* plain text, maybe with wildcards */
	size_t un;
	bool wild;
	char *u = unescape(a, lit, litn, &un, &wild);
	if (wild) {
		struct strbuf pat = STRBUF_INIT;
		if (mods & (M_CONTAINS | M_ENDS))
			strbuf_addch(&pat, '*');
		strbuf_add(&pat, lit, litn);
		if (mods & (M_CONTAINS | M_STARTS))
			strbuf_addch(&pat, '*');
		struct sg_val v = { .op = SG_GLOB,
				    .g = tr_glob_compile(a, pat.buf, pat.len, true, it->fold) };
		strbuf_release(&pat);
		add_val(it, alloc, v);
		return 0;
	}
	struct sg_val v = { .op = mods & M_CONTAINS ? SG_CONTAINS
				  : mods & M_STARTS ? SG_STARTS
				  : mods & M_ENDS   ? SG_ENDS
						    : SG_EQ,
			    .s = it->fold ? tr_lower(a, u, un) : u,
			    .n = un };
	add_val(it, alloc, v);
	return 0;
}

/* windash: every '-' and '/' as each of - / and the three Unicode dashes */
static int windash_expand(struct sg_load *L, struct sg_item *it, size_t *alloc, unsigned mods,
			  const char *s, size_t n, const char *re_flags)
{
	static const char *const dash[] = { "-", "/", "\xe2\x80\x93", "\xe2\x80\x94",
					    "\xe2\x80\x95" };
	size_t pos[8], np = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '-' || s[i] == '/') {
			if (np == 4)
				return refuse(L, "windash on a value with more than 4 dashes");
			pos[np++] = i;
		}
	size_t combos = 1;
	for (size_t i = 0; i < np; i++)
		combos *= 5;
	for (size_t c = 0; c < combos; c++) {
		struct strbuf sb = STRBUF_INIT;
		size_t cc = c, last = 0;
		for (size_t i = 0; i < np; i++) {
			strbuf_add(&sb, s + last, pos[i] - last);
			strbuf_addstr(&sb, dash[cc % 5]);
			cc /= 5;
			last = pos[i] + 1;
		}
		strbuf_add(&sb, s + last, n - last);
		int r = compile_string(L, it, alloc, mods, sb.buf, sb.len, re_flags);
		strbuf_release(&sb);
		if (r)
			return r;
	}
	return 0;
}

/* "field|mod|mod": value(s) */
static int compile_item(struct sg_load *L, const char *key, const struct json *val,
			struct sg_item *it)
{
	struct arena *a = L->a;
	memset(it, 0, sizeof(*it));
	it->fold = true;
	char *k = arena_strdup(a, key);
	char *bar = strchr(k, '|');
	unsigned mods = 0;
	char re_flags[8] = "";
	size_t nrf = 0;
	if (bar) {
		*bar = '\0';
		char *m = bar + 1;
		while (m) {
			char *next = strchr(m, '|');
			if (next)
				*next++ = '\0';
			unsigned bit = 0;
			for (size_t i = 0; i < sizeof(modifiers) / sizeof(modifiers[0]); i++)
				if (!strcmp(m, modifiers[i].name))
					bit = modifiers[i].bit;
			if (!bit && (mods & M_RE) && strlen(m) == 1 && strchr("ims", m[0])) {
				if (nrf < sizeof(re_flags) - 1)
					re_flags[nrf++] = m[0];
				re_flags[nrf] = '\0';
			} else if (!strcmp(m, "expand")) {
				return refuse(L,
					      "modifier 'expand' needs placeholder values from a "
					      "processing pipeline, which mamori does not have");
			} else if (!bit) {
				return refuse(L, "unknown modifier '%s' on field '%s'", m, k);
			}
			mods |= bit;
			m = next;
		}
	}
	if (mods & M_CASED)
		it->fold = false;
	if (*k == '\0')
		return refuse(L, "empty field name in '%s'", key);
	if (tr_path_dotted(a, k, &it->path) < 0)
		return refuse(L, "bad field name '%s'", k);
	if (!tr_known_field(k))
		mm_diags_add(L->d, MM_DIAG_WARNING, L->file, L->off,
			     "sigma rule '%s': unknown field '%s': CloudTrail records have no such "
			     "field, so conditions on it never hold",
			     L->title, k);
	it->all = mods & M_ALL;
	if (mods & M_EXISTS) {
		int b = json_as_bool(val);
		if (b < 0)
			return refuse(L, "'exists' on '%s' needs true or false", k);
		it->exists = true;
		it->exists_want = b;
		return 0;
	}
	size_t alloc = 0;
	size_t nvals = val && val->type == JSON_ARRAY ? val->n : 1;
	for (size_t i = 0; i < nvals; i++) {
		const struct json *v = val && val->type == JSON_ARRAY ? &val->u.items[i] : val;
		if (!v || v->type == JSON_NULL) {
			add_val(it, &alloc, (struct sg_val){ .op = SG_NULL });
			continue;
		}
		const char *s;
		size_t n;
		if (v->type == JSON_STRING || v->type == JSON_NUMBER) {
			s = v->u.s;
			n = v->type == JSON_STRING ? v->n : strlen(v->u.s);
		} else if (v->type == JSON_TRUE || v->type == JSON_FALSE) {
			s = v->type == JSON_TRUE ? "true" : "false";
			n = strlen(s);
		} else {
			vals_to_arena(a, it);
			return refuse(L, "value of '%s' must be a scalar or a list of scalars",
				      key);
		}
		int r = (mods & M_WINDASH) ? windash_expand(L, it, &alloc, mods, s, n, re_flags)
					   : compile_string(L, it, &alloc, mods, s, n, re_flags);
		if (r) {
			vals_to_arena(a, it);
			return r;
		}
	}
	vals_to_arena(a, it);
	if (!it->nv)
		return refuse(L, "field '%s' has an empty list of values", key);
	return 0;
}

static int compile_keywords(struct sg_load *L, const struct json *val, struct sg_sel *sel)
{
	/* keyword search: OR of strings, anywhere in the record */
	struct sg_item *it = arena_alloc(L->a, sizeof(*it));
	it->fold = true;
	size_t alloc = 0;
	size_t n = val->type == JSON_ARRAY ? val->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct json *v = val->type == JSON_ARRAY ? &val->u.items[i] : val;
		size_t sl;
		const char *s = tr_json_text(L->a, v, &sl);
		int r = (!s || v->type == JSON_OBJECT || v->type == JSON_ARRAY)
			    ? refuse(L, "keyword lists hold strings only")
			    : compile_string(L, it, &alloc, M_CONTAINS, s, sl, NULL);
		if (r) {
			vals_to_arena(L->a, it);
			return r;
		}
	}
	vals_to_arena(L->a, it);
	L->rs->needs_raw = true;
	sel->items = it;
	sel->n = 1;
	return 0;
}

static int compile_map(struct sg_load *L, const struct json *map, struct sg_sel *sel)
{
	if (!map->n)
		return refuse(L, "empty selection");
	sel->items = arena_calloc(L->a, map->n, sizeof(*sel->items));
	sel->n = map->n;
	for (uint32_t i = 0; i < map->n; i++) {
		int r =
		    compile_item(L, map->u.members[i].key, &map->u.members[i].v, &sel->items[i]);
		if (r)
			return r;
	}
	return 0;
}

static int compile_ident(struct sg_load *L, const char *name, const struct json *v,
			 struct sg_ident *id)
{
	id->name = name;
	if (v->type == JSON_OBJECT) {
		id->alts = arena_alloc(L->a, sizeof(*id->alts));
		id->nalts = 1;
		return compile_map(L, v, &id->alts[0]);
	}
	if (v->type == JSON_ARRAY && v->n && v->u.items[0].type == JSON_OBJECT) {
		id->alts = arena_calloc(L->a, v->n, sizeof(*id->alts));
		id->nalts = v->n;
		for (uint32_t i = 0; i < v->n; i++) {
			if (v->u.items[i].type != JSON_OBJECT)
				return refuse(L, "search identifier '%s' mixes maps and values",
					      name);
			int r = compile_map(L, &v->u.items[i], &id->alts[i]);
			if (r)
				return r;
		}
		return 0;
	}
	if (v->type == JSON_STRING || v->type == JSON_ARRAY || v->type == JSON_NUMBER) {
		id->alts = arena_alloc(L->a, sizeof(*id->alts));
		id->nalts = 1;
		return compile_keywords(L, v, &id->alts[0]);
	}
	return refuse(L, "search identifier '%s' is not a map, a list of maps or keywords", name);
}

/* ------------------------------------------------------------------ */
/* condition */

struct cparse {
	struct sg_load *L;
	const char *s;
	size_t pos;
	const char *tok;
	size_t tn;
};

static void next_tok(struct cparse *p)
{
	const char *s = p->s;
	while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r')
		p->pos++;
	p->tok = s + p->pos;
	if (!s[p->pos]) {
		p->tn = 0;
		return;
	}
	if (s[p->pos] == '(' || s[p->pos] == ')' || s[p->pos] == '|') {
		p->tn = 1;
		p->pos++;
		return;
	}
	size_t st = p->pos;
	while (s[p->pos] && !strchr(" \t\r\n()|", s[p->pos]))
		p->pos++;
	p->tn = p->pos - st;
}

static bool tok_is(const struct cparse *p, const char *w)
{
	return p->tn == strlen(w) && !strncasecmp(p->tok, w, p->tn);
}

static struct sg_node *node(struct arena *a, int kind)
{
	struct sg_node *n = arena_alloc(a, sizeof(*n));
	n->kind = (uint8_t)kind;
	return n;
}

static void node_add(struct arena *a, struct sg_node *n, struct sg_node *k)
{
	struct sg_node **nk = arena_calloc(a, n->nk + 1, sizeof(*nk));
	if (n->nk)
		memcpy(nk, n->k, n->nk * sizeof(*nk));
	nk[n->nk++] = k;
	n->k = nk;
}

static bool name_glob(const char *pat, size_t pn, const char *s)
{
	struct arena a = ARENA_INIT;
	struct tr_glob *g = tr_glob_compile(&a, pat, pn, false, false);
	bool r = tr_glob_match(g, s, strlen(s));
	arena_release(&a);
	return r;
}

static struct sg_node *parse_or(struct cparse *p);

static struct sg_node *parse_primary(struct cparse *p)
{
	struct sg_load *L = p->L;
	if (!p->tn) {
		refuse(L, "condition ends where an identifier was expected");
		return NULL;
	}
	if (p->tn == 1 && p->tok[0] == '(') {
		next_tok(p);
		struct sg_node *n = parse_or(p);
		if (!n)
			return NULL;
		if (!(p->tn == 1 && p->tok[0] == ')')) {
			refuse(L, "condition: expected ')'");
			return NULL;
		}
		next_tok(p);
		return n;
	}
	if (p->tn == 1 && p->tok[0] == '|') {
		refuse(L, "aggregation conditions ('| count() ...') are deprecated and not "
			  "supported; write a Sigma correlation or use mamori's bursts");
		return NULL;
	}
	bool one = tok_is(p, "1") || tok_is(p, "any");
	bool all = tok_is(p, "all");
	if (one || all) {
		next_tok(p);
		if (!tok_is(p, "of")) {
			refuse(L, "condition: expected 'of' after '%s'", one ? "1" : "all");
			return NULL;
		}
		next_tok(p);
		if (!p->tn) {
			refuse(L, "condition: expected a pattern after 'of'");
			return NULL;
		}
		bool them = tok_is(p, "them");
		struct sg_node *n = node(L->a, all ? N_AND : N_OR);
		for (size_t i = 0; i < L->sr->nids; i++) {
			const char *nm = L->sr->ids[i].name;
			bool hit = them ? nm[0] != '_' : name_glob(p->tok, p->tn, nm);
			if (hit) {
				struct sg_node *id = node(L->a, N_ID);
				id->id = (uint32_t)i;
				node_add(L->a, n, id);
			}
		}
		if (!n->nk) {
			refuse(L, "condition: '%.*s' names no search identifier", (int)p->tn,
			       p->tok);
			return NULL;
		}
		next_tok(p);
		return n;
	}
	for (size_t i = 0; i < L->sr->nids; i++) {
		const char *nm = L->sr->ids[i].name;
		if (strlen(nm) == p->tn && !strncmp(nm, p->tok, p->tn)) {
			struct sg_node *n = node(L->a, N_ID);
			n->id = (uint32_t)i;
			next_tok(p);
			return n;
		}
	}
	refuse(L, "condition names '%.*s', which is not a search identifier", (int)p->tn, p->tok);
	return NULL;
}

static struct sg_node *parse_not(struct cparse *p)
{
	if (tok_is(p, "not")) {
		next_tok(p);
		struct sg_node *k = parse_not(p);
		if (!k)
			return NULL;
		struct sg_node *n = node(p->L->a, N_NOT);
		node_add(p->L->a, n, k);
		return n;
	}
	return parse_primary(p);
}

static struct sg_node *parse_and(struct cparse *p)
{
	struct sg_node *l = parse_not(p);
	if (!l || !tok_is(p, "and"))
		return l;
	struct sg_node *n = node(p->L->a, N_AND);
	node_add(p->L->a, n, l);
	while (tok_is(p, "and")) {
		next_tok(p);
		struct sg_node *r = parse_not(p);
		if (!r)
			return NULL;
		node_add(p->L->a, n, r);
	}
	return n;
}

static struct sg_node *parse_or(struct cparse *p)
{
	struct sg_node *l = parse_and(p);
	if (!l || !tok_is(p, "or"))
		return l;
	struct sg_node *n = node(p->L->a, N_OR);
	node_add(p->L->a, n, l);
	while (tok_is(p, "or")) {
		next_tok(p);
		struct sg_node *r = parse_and(p);
		if (!r)
			return NULL;
		node_add(p->L->a, n, r);
	}
	return n;
}

static struct sg_node *parse_condition(struct sg_load *L, const char *s)
{
	struct cparse p = { .L = L, .s = s };
	next_tok(&p);
	struct sg_node *n = parse_or(&p);
	if (n && p.tn) {
		if (p.tn == 1 && p.tok[0] == '|')
			refuse(L, "aggregation conditions ('| count() ...') are deprecated and not "
				  "supported; write a Sigma correlation or use mamori's bursts");
		else
			refuse(L, "condition: unexpected '%.*s'", (int)p.tn, p.tok);
		return NULL;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* index keys: which eventName / eventSource values the rule can match */

struct keyset {
	bool wild;
	const char **v;
	size_t n;
};

static void keyset_add(struct arena *a, struct keyset *k, const char *s)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i], s))
			return;
	const char **nv = arena_calloc(a, k->n + 1, sizeof(*nv));
	if (k->n)
		memcpy(nv, k->v, k->n * sizeof(*nv));
	nv[k->n++] = s;
	k->v = nv;
}

static struct keyset sel_keys(struct arena *a, const struct sg_sel *s, const char *field)
{
	struct keyset k = { .wild = true };
	for (size_t i = 0; i < s->n; i++) {
		const struct sg_item *it = &s->items[i];
		if (it->path.nseg != 1 || strcmp(it->path.text, field) || it->exists ||
		    (it->all && it->nv > 1))
			continue;
		struct keyset c = { 0 };
		bool ok = true;
		for (size_t j = 0; j < it->nv && ok; j++) {
			if (it->v[j].op != SG_EQ)
				ok = false;
			else
				keyset_add(a, &c,
					   it->fold ? it->v[j].s
						    : tr_lower(a, it->v[j].s, it->v[j].n));
		}
		if (ok && (k.wild || c.n < k.n))
			k = c;
	}
	return k;
}

static struct keyset node_keys(struct arena *a, const struct sg_rule *sr, const struct sg_node *n,
			       const char *field)
{
	struct keyset k = { .wild = true };
	switch (n->kind) {
	case N_ID: {
		const struct sg_ident *id = &sr->ids[n->id];
		struct keyset u = { 0 };
		for (size_t i = 0; i < id->nalts; i++) {
			struct keyset s = sel_keys(a, &id->alts[i], field);
			if (s.wild)
				return k;
			for (size_t j = 0; j < s.n; j++)
				keyset_add(a, &u, s.v[j]);
		}
		return u;
	}
	case N_AND:
		for (size_t i = 0; i < n->nk; i++) {
			struct keyset c = node_keys(a, sr, n->k[i], field);
			if (!c.wild && (k.wild || c.n < k.n))
				k = c;
		}
		return k;
	case N_OR: {
		struct keyset u = { 0 };
		for (size_t i = 0; i < n->nk; i++) {
			struct keyset c = node_keys(a, sr, n->k[i], field);
			if (c.wild)
				return k;
			for (size_t j = 0; j < c.n; j++)
				keyset_add(a, &u, c.v[j]);
		}
		return u;
	}
	case N_FALSE:
		return (struct keyset){ 0 };
	default:
		return k;
	}
}

/* ------------------------------------------------------------------ */
/* documents */

static int level_parse(const char *s, enum mm_sev *out)
{
	if (!s)
		return -1;
	if (!strcasecmp(s, "informational"))
		s = "info";
	return mm_sev_parse(s, out);
}

static int load_builtin_ext(struct sg_load *L, const struct json *mb, struct tr_rule *r)
{
	struct tr_builtin *bi = arena_alloc(L->a, sizeof(*bi));
	const char *req = json_str(mb, "require");
	if (req && tr_fact_parse(req, &bi->require) < 0)
		return refuse(L, "mamori.require: unknown fact '%s'", req);
	const struct json *raise = json_get(mb, "raise");
	if (raise && raise->type != JSON_ARRAY)
		return refuse(L, "mamori.raise must be a list");
	bi->nraise = json_len(raise);
	bi->raise = arena_calloc(L->a, bi->nraise + 1, sizeof(*bi->raise));
	for (size_t i = 0; i < bi->nraise; i++) {
		const struct json *x = json_at(raise, i);
		const char *f = json_str(x, "fact"), *lv = json_str(x, "level");
		if (!f || tr_fact_parse(f, &bi->raise[i].fact) < 0)
			return refuse(L, "mamori.raise[%zu]: unknown fact '%s'", i, f ? f : "");
		if (level_parse(lv, &bi->raise[i].sev) < 0)
			return refuse(L, "mamori.raise[%zu]: bad level '%s'", i, lv ? lv : "");
	}
	bi->seed = json_str(mb, "seed");
	if (bi->seed)
		bi->seed = arena_strdup(L->a, bi->seed);
	r->bi = bi;
	return 0;
}

static int load_detection(struct sg_load *L, const struct json *det, struct sg_rule *sr,
			  bool is_filter)
{
	if (!det || det->type != JSON_OBJECT)
		return refuse(L, "no 'detection' map");
	if (json_get(det, "timeframe"))
		return refuse(L, "'timeframe' (aggregation) is not supported");
	const struct json *cond = json_get(det, "condition");
	if (!cond)
		return refuse(L, "detection has no 'condition'");
	sr->ids = arena_calloc(L->a, det->n, sizeof(*sr->ids));
	for (uint32_t i = 0; i < det->n; i++) {
		const struct json_member *m = &det->u.members[i];
		if (!strcmp(m->key, "condition") || (is_filter && !strcmp(m->key, "rules")))
			continue;
		struct sg_ident *id = &sr->ids[sr->nids++];
		if (compile_ident(L, arena_strdup(L->a, m->key), &m->v, id) < 0)
			return -1;
	}
	if (cond->type == JSON_STRING) {
		sr->cond = parse_condition(L, cond->u.s);
	} else if (cond->type == JSON_ARRAY && cond->n) {
		sr->cond = node(L->a, N_OR);
		for (uint32_t i = 0; i < cond->n; i++) {
			const char *c = json_as_str(&cond->u.items[i]);
			struct sg_node *k = c ? parse_condition(L, c) : NULL;
			if (!k) {
				if (!c)
					refuse(L, "condition list holds a non-string");
				return -1;
			}
			node_add(L->a, sr->cond, k);
		}
	} else {
		return refuse(L, "condition must be a string or a list of strings");
	}
	return sr->cond ? 0 : -1;
}

static void set_index(struct sg_load *L, struct tr_rule *r, struct sg_rule *sr)
{
	struct keyset kn = node_keys(L->a, sr, sr->cond, "eventName");
	struct keyset ks = node_keys(L->a, sr, sr->cond, "eventSource");
	if (!kn.wild) {
		r->names = kn.v;
		r->nnames = kn.n;
		r->indexed_by = "eventName";
	} else if (!ks.wild) {
		r->sources = ks.v;
		r->nsources = ks.n;
		r->indexed_by = "eventSource";
	} else {
		r->indexed_by = "every event";
	}
}

static int load_doc(struct sg_load *L, const struct json *doc, size_t di)
{
	struct arena *a = L->a;
	L->off = (long long)doc->off;
	const char *title = json_str(doc, "title");
	L->title = title ? title : "(untitled)";
	if (json_get(doc, "correlation"))
		return refuse(L, "Sigma correlation rules are not supported: mamori's own "
				 "correlations (exposure windows, bursts) are set in the policy");
	if (json_get(doc, "action"))
		return refuse(L, "rule collections ('action: %s') are not supported",
			      json_str(doc, "action") ? json_str(doc, "action") : "?");
	const struct json *ls = json_get(doc, "logsource");
	const char *prod = json_str(ls, "product"), *svc = json_str(ls, "service");
	if ((prod && strcasecmp(prod, "aws")) || (svc && strcasecmp(svc, "cloudtrail")))
		return refuse(L, "log source is product '%s' service '%s', not aws/cloudtrail",
			      prod ? prod : "-", svc ? svc : "-");
	if (!ls)
		mm_diags_add(L->d, MM_DIAG_WARNING, L->file, L->off,
			     "sigma rule '%s' has no logsource: assumed aws/cloudtrail", L->title);

	struct sg_rule *sr = arena_alloc(a, sizeof(*sr));
	L->sr = sr;
	const struct json *filt = json_get(doc, "filter");
	bool is_filter = filt && !json_get(doc, "detection");
	int rc = load_detection(L, is_filter ? filt : json_get(doc, "detection"), sr, is_filter);
	if (rc < 0) {
		tr_sigma_free(&(struct tr_rule){ .impl = sr });
		return -1;
	}
	struct tr_rule *r = tr_rule_new(L->rs);
	r->impl = sr;
	r->engine = L->builtin ? TRAIL_ENGINE_BUILTIN : TRAIL_ENGINE_SIGMA;
	r->match = sigma_match;
	r->file = arena_strdup(a, L->file);
	r->title = arena_strdup(a, L->title);
	const char *id = json_str(doc, "id");
	r->id = id ? arena_strdup(a, id) : arena_printf(a, "%s#%zu", L->file, di);
	const char *desc = json_str(doc, "description");
	r->desc = desc ? arena_strdup(a, desc) : NULL;
	const char *lv = json_str(doc, "level");
	r->sev = MM_SEV_MEDIUM;
	if (lv && level_parse(lv, &r->sev) < 0)
		mm_diags_add(L->d, MM_DIAG_WARNING, L->file, L->off,
			     "sigma rule '%s': unknown level '%s', using medium", L->title, lv);
	r->max_sev = -1;
	r->enabled = true;
	if (is_filter) {
		r->is_filter = true;
		r->enabled = false;
		const struct json *rules = json_get(filt, "rules");
		size_t n = rules && rules->type == JSON_ARRAY ? rules->n : (rules ? 1 : 0);
		r->targets = arena_calloc(a, n + 1, sizeof(*r->targets));
		for (size_t i = 0; i < n; i++) {
			const char *t = rules->type == JSON_ARRAY ? json_as_str(&rules->u.items[i])
								  : json_as_str(rules);
			if (t)
				r->targets[r->ntargets++] = arena_strdup(a, t);
		}
		r->indexed_by = "filter";
		return 0;
	}
	const struct json *mb = json_get(doc, "mamori");
	if (mb && load_builtin_ext(L, mb, r) < 0) {
		r->enabled = false;
		L->rs->nrefused++;
		mm_diags_add(L->d, MM_DIAG_ERROR, L->file, L->off, "sigma rule '%s' refused: %s",
			     L->title, L->err);
		return 0;
	}
	set_index(L, r, sr);
	return 0;
}

int tr_sigma_load(struct trail_ruleset *rs, const char *file, const struct json *docs, bool builtin,
		  struct mm_diags *d)
{
	struct sg_load L = { .rs = rs, .a = &rs->arena, .file = file, .d = d, .builtin = builtin };
	for (size_t i = 0; i < json_len(docs); i++) {
		const struct json *doc = json_at(docs, i);
		if (!doc || doc->type == JSON_NULL)
			continue;
		if (doc->type != JSON_OBJECT) {
			rs->nrefused++;
			mm_diags_add(d, MM_DIAG_ERROR, file, (long long)doc->off,
				     "document %zu is not a Sigma rule (not a map)", i + 1);
			continue;
		}
		if (load_doc(&L, doc, i) < 0) {
			rs->nrefused++;
			mm_diags_add(d, MM_DIAG_ERROR, file, L.off, "sigma rule '%s' refused: %s",
				     L.title, L.err);
		}
	}
	return 0;
}
