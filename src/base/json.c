/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON parser (RFC 8259, strict): recursive descent with an explicit depth
 * limit. Children of the container being parsed are collected on two scratch
 * stacks shared by all depths and copied into the arena in one piece when the
 * container closes, so arrays and objects are contiguous and the parser does
 * no per-node malloc.
 *
 * The same parser serves the streaming reader (json_stream_next): there it
 * runs on a window of the document (`base` is the document offset of its
 * first byte), puts nodes in a rewindable scratch store and strings in a
 * string pool, and a failure that may only mean "the window ends here" is
 * turned into a request for more input instead of an error.
 */
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "wrapper.h"
#include "banned.h"

struct json_parser {
	struct arena *a;
	const unsigned char *p;
	unsigned char *mut; /* same bytes, writable: in-situ mode, else NULL */
	size_t len;
	size_t pos;
	unsigned depth;
	/* streaming reader only */
	uint64_t base;		  /* document offset of p[0] */
	struct json_scratch *scr; /* nodes go here instead of a */
	struct json_pool *pool;	  /* strings and numbers go here */
	bool skip;		  /* check only: build nothing */
	bool unterminated;	  /* a string ran to the end of the window */
	struct json_limits lim;
	/* scratch stacks */
	struct json *items;
	size_t nitems, aitems;
	struct json_member *mems;
	size_t nmems, amems;
	struct strbuf sb; /* string decoding scratch */
	struct mm_err *e;
	long long err_off;
};

/* off is an index into p; messages and err_off give document offsets */
static int fail(struct json_parser *ps, size_t off, int code, const char *what)
{
	size_t doc = (size_t)(ps->base + off);
	ps->err_off = (long long)doc;
	if (off >= ps->len)
		return mm_err_set(ps->e, code, "%s at offset %zu (end of input)", what, doc);
	unsigned char c = ps->p[off];
	if (c >= 0x20 && c < 0x7f)
		return mm_err_set(ps->e, code, "%s at offset %zu, found '%c'", what, doc, c);
	return mm_err_set(ps->e, code, "%s at offset %zu, found byte 0x%02x", what, doc, c);
}

/* ---- where nodes and strings go ---- */

static const char *pool_value(struct json_pool *p, const char *s, size_t n);
static void *scratch_alloc(struct json_scratch *s, size_t size);

static inline void *node_alloc(struct json_parser *ps, size_t n, size_t size)
{
	if (ps->scr)
		return scratch_alloc(ps->scr, st_mult(n, size));
	return arena_calloc(ps->a, n, size);
}

/* Keep a decoded string: keys are interned, values shared when seen lately. */
static const char *keep_str(struct json_parser *ps, const char *s, size_t n, bool is_key)
{
	if (ps->skip)
		return "";
	if (ps->pool) {
		if (is_key)
			return json_pool_intern(ps->pool, s, n);
		return pool_value(ps->pool, s, n);
	}
	if (ps->scr) {
		char *c = scratch_alloc(ps->scr, n + 1);
		memcpy(c, s, n);
		c[n] = '\0';
		return c;
	}
	return arena_strndup(ps->a, s, n);
}

static inline void skip_ws(struct json_parser *ps)
{
	const unsigned char *p = ps->p;
	size_t i = ps->pos, n = ps->len;
	while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
		i++;
	ps->pos = i;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_u4(struct json_parser *ps, size_t at, unsigned *out)
{
	if (at + 4 > ps->len)
		return fail(ps, at, MM_EPARSE, "truncated \\u escape");
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval(ps->p[at + k]);
		if (h < 0)
			return fail(ps, at + k, MM_EPARSE, "expected hex digit in \\u escape");
		v = v * 16 + (unsigned)h;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct strbuf *sb, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_add(sb, b, n);
}

/* Parse a string at ps->pos (which is at the opening quote). */
static int parse_string(struct json_parser *ps, const char **out, uint32_t *outlen, bool is_key)
{
	const unsigned char *p = ps->p;
	size_t start = ps->pos + 1, i = start, n = ps->len;
	/* fast path: no escapes */
	while (i < n && p[i] != '"' && p[i] != '\\' && p[i] >= 0x20)
		i++;
	if (i < n && p[i] == '"') {
		size_t sl = i - start;
		if (sl > ps->lim.max_string)
			return fail(ps, ps->pos, MM_ELIMIT, "string longer than the limit");
		if (ps->mut) {
			ps->mut[i] = '\0'; /* the closing quote becomes the terminator */
			*out = (const char *)p + start;
		} else {
			*out = keep_str(ps, (const char *)p + start, sl, is_key);
		}
		*outlen = (uint32_t)sl;
		ps->pos = i + 1;
		return 0;
	}
	strbuf_reset(&ps->sb);
	strbuf_add(&ps->sb, p + start, i - start);
	for (;;) {
		if (i >= n) {
			ps->unterminated = true;
			return fail(ps, ps->pos, MM_EPARSE, "unterminated string starting");
		}
		unsigned char c = p[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(ps, i, MM_EPARSE, "control character in string");
		if (ps->sb.len > ps->lim.max_string)
			return fail(ps, ps->pos, MM_ELIMIT, "string longer than the limit");
		if (c != '\\') {
			size_t j = i;
			while (j < n && p[j] != '"' && p[j] != '\\' && p[j] >= 0x20)
				j++;
			strbuf_add(&ps->sb, p + i, j - i);
			i = j;
			continue;
		}
		if (i + 1 >= n)
			return fail(ps, i, MM_EPARSE, "truncated escape");
		c = p[i + 1];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			strbuf_addch(&ps->sb, c);
			i += 2;
			break;
		case 'b':
			strbuf_addch(&ps->sb, '\b');
			i += 2;
			break;
		case 'f':
			strbuf_addch(&ps->sb, '\f');
			i += 2;
			break;
		case 'n':
			strbuf_addch(&ps->sb, '\n');
			i += 2;
			break;
		case 'r':
			strbuf_addch(&ps->sb, '\r');
			i += 2;
			break;
		case 't':
			strbuf_addch(&ps->sb, '\t');
			i += 2;
			break;
		case 'u': {
			unsigned cp;
			int r = read_u4(ps, i + 2, &cp);
			if (r)
				return r;
			i += 6;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				unsigned lo;
				if (i + 1 < n && p[i] == '\\' && p[i + 1] == 'u' &&
				    read_u4(ps, i + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				} else {
					cp = 0xfffd; /* lone high surrogate */
				}
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				cp = 0xfffd; /* lone low surrogate */
			}
			put_utf8(&ps->sb, cp);
			break;
		}
		default:
			return fail(ps, i, MM_EPARSE, "invalid escape in string");
		}
	}
	if (ps->sb.len > ps->lim.max_string)
		return fail(ps, ps->pos, MM_ELIMIT, "string longer than the limit");
	if (ps->mut) {
		/* decoded text is never longer than its source: write it back in place */
		memcpy(ps->mut + start, ps->sb.buf, ps->sb.len);
		ps->mut[start + ps->sb.len] = '\0';
		*out = (const char *)p + start;
	} else {
		*out = keep_str(ps, ps->sb.buf, ps->sb.len, is_key);
	}
	*outlen = (uint32_t)ps->sb.len;
	ps->pos = i + 1;
	return 0;
}

static int parse_number(struct json_parser *ps, struct json *v)
{
	const unsigned char *p = ps->p;
	size_t i = ps->pos, n = ps->len, s = i;
	if (i < n && p[i] == '-')
		i++;
	if (i >= n)
		return fail(ps, i, MM_EPARSE, "expected digit");
	if (p[i] == '0') {
		i++;
	} else if (p[i] >= '1' && p[i] <= '9') {
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	} else {
		return fail(ps, i, MM_EPARSE, "expected digit");
	}
	if (i < n && p[i] == '.') {
		i++;
		if (i >= n || p[i] < '0' || p[i] > '9')
			return fail(ps, i, MM_EPARSE, "expected digit after '.'");
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= n || p[i] < '0' || p[i] > '9')
			return fail(ps, i, MM_EPARSE, "expected digit in exponent");
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i - s > 1024)
		return fail(ps, s, MM_ELIMIT, "number longer than 1024 characters");
	v->type = JSON_NUMBER;
	v->u.s = keep_str(ps, (const char *)p + s, i - s, false);
	v->n = (uint32_t)(i - s);
	ps->pos = i;
	return 0;
}

static int parse_value(struct json_parser *ps, struct json *v);

static int parse_array(struct json_parser *ps, struct json *v)
{
	size_t base = ps->nitems;
	size_t voff = (size_t)(v->off - ps->base);
	ps->pos++; /* [ */
	skip_ws(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == ']') {
		ps->pos++;
		goto done;
	}
	for (;;) {
		ALLOC_GROW(ps->items, ps->nitems + 1, ps->aitems);
		size_t slot = ps->nitems++;
		struct json tmp;
		int r = parse_value(ps, &tmp);
		if (r)
			return r;
		ps->items[slot] = tmp;
		if (ps->nitems - base > ps->lim.max_items)
			return fail(ps, voff, MM_ELIMIT, "array has more items than the limit");
		skip_ws(ps);
		if (ps->pos >= ps->len)
			return fail(ps, ps->pos, MM_EPARSE, "expected ',' or ']'");
		unsigned char c = ps->p[ps->pos];
		if (c == ',') {
			ps->pos++;
			continue;
		}
		if (c == ']') {
			ps->pos++;
			break;
		}
		return fail(ps, ps->pos, MM_EPARSE, "expected ',' or ']'");
	}
done:
	v->type = JSON_ARRAY;
	v->n = (uint32_t)(ps->nitems - base);
	if (v->n && !ps->skip) {
		v->u.items = node_alloc(ps, v->n, sizeof(struct json));
		memcpy(v->u.items, ps->items + base, v->n * sizeof(struct json));
	}
	ps->nitems = base;
	return 0;
}

static int parse_object(struct json_parser *ps, struct json *v)
{
	size_t base = ps->nmems;
	size_t voff = (size_t)(v->off - ps->base);
	ps->pos++; /* { */
	skip_ws(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == '}') {
		ps->pos++;
		goto done;
	}
	for (;;) {
		skip_ws(ps);
		if (ps->pos >= ps->len || ps->p[ps->pos] != '"')
			return fail(ps, ps->pos, MM_EPARSE, "expected string key");
		struct json_member m;
		memset(&m, 0, sizeof(m));
		int r = parse_string(ps, &m.key, &m.klen, true);
		if (r)
			return r;
		skip_ws(ps);
		if (ps->pos >= ps->len || ps->p[ps->pos] != ':')
			return fail(ps, ps->pos, MM_EPARSE, "expected ':' after key");
		ps->pos++;
		r = parse_value(ps, &m.v);
		if (r)
			return r;
		ALLOC_GROW(ps->mems, ps->nmems + 1, ps->amems);
		ps->mems[ps->nmems++] = m;
		if (ps->nmems - base > ps->lim.max_items)
			return fail(ps, voff, MM_ELIMIT, "object has more members than the limit");
		skip_ws(ps);
		if (ps->pos >= ps->len)
			return fail(ps, ps->pos, MM_EPARSE, "expected ',' or '}'");
		unsigned char c = ps->p[ps->pos];
		if (c == ',') {
			ps->pos++;
			continue;
		}
		if (c == '}') {
			ps->pos++;
			break;
		}
		return fail(ps, ps->pos, MM_EPARSE, "expected ',' or '}'");
	}
done:
	v->type = JSON_OBJECT;
	v->n = (uint32_t)(ps->nmems - base);
	if (v->n && !ps->skip) {
		v->u.members = node_alloc(ps, v->n, sizeof(struct json_member));
		memcpy(v->u.members, ps->mems + base, v->n * sizeof(struct json_member));
	}
	ps->nmems = base;
	return 0;
}

static int parse_lit(struct json_parser *ps, const char *lit, size_t ln, uint8_t type,
		     struct json *v)
{
	if (ps->len - ps->pos < ln || memcmp(ps->p + ps->pos, lit, ln) != 0)
		return fail(ps, ps->pos, MM_EPARSE, "expected a JSON value");
	ps->pos += ln;
	v->type = type;
	return 0;
}

static int parse_value(struct json_parser *ps, struct json *v)
{
	memset(v, 0, sizeof(*v));
	skip_ws(ps);
	if (ps->pos >= ps->len)
		return fail(ps, ps->pos, MM_EPARSE, "expected a JSON value");
	v->off = ps->base + ps->pos;
	int r;
	switch (ps->p[ps->pos]) {
	case '{':
	case '[':
		if (ps->depth >= ps->lim.max_depth)
			return fail(ps, ps->pos, MM_ELIMIT, "nesting deeper than the limit");
		ps->depth++;
		r = ps->p[ps->pos] == '{' ? parse_object(ps, v) : parse_array(ps, v);
		ps->depth--;
		return r;
	case '"': {
		const char *s;
		uint32_t n;
		r = parse_string(ps, &s, &n, false);
		if (r)
			return r;
		v->type = JSON_STRING;
		v->u.s = s;
		v->n = n;
		return 0;
	}
	case 't':
		return parse_lit(ps, "true", 4, JSON_TRUE, v);
	case 'f':
		return parse_lit(ps, "false", 5, JSON_FALSE, v);
	case 'n':
		return parse_lit(ps, "null", 4, JSON_NULL, v);
	default:
		return parse_number(ps, v);
	}
}

static void parser_init(struct json_parser *ps, struct arena *a, const char *buf, size_t len,
			const struct json_limits *lim, struct mm_err *e)
{
	memset(ps, 0, sizeof(*ps));
	ps->a = a;
	ps->p = (const unsigned char *)buf;
	ps->len = len;
	ps->e = e;
	ps->err_off = -1;
	ps->lim.max_depth = lim && lim->max_depth ? lim->max_depth : JSON_DEFAULT_MAX_DEPTH;
	ps->lim.max_string = lim && lim->max_string ? lim->max_string : JSON_DEFAULT_MAX_STRING;
	ps->lim.max_items = lim && lim->max_items ? lim->max_items : ((size_t)64 << 20);
	if (ps->lim.max_string > UINT32_MAX - 1)
		ps->lim.max_string = UINT32_MAX - 1;
	if (ps->lim.max_items > UINT32_MAX - 1)
		ps->lim.max_items = UINT32_MAX - 1;
	strbuf_init(&ps->sb, 0);
}

static void parser_release(struct json_parser *ps)
{
	free(ps->items);
	free(ps->mems);
	strbuf_release(&ps->sb);
}

static int parse_next(struct arena *a, const char *buf, char *mut, size_t len, size_t *pos,
		      const struct json_limits *lim, struct json **out, long long *err_off,
		      struct mm_err *e)
{
	struct json_parser ps;
	parser_init(&ps, a, buf, len, lim, e);
	ps.mut = (unsigned char *)mut;
	ps.pos = *pos;
	if (ps.pos == 0 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		ps.pos = 3;
	skip_ws(&ps);
	if (ps.pos >= len) {
		*pos = ps.pos;
		parser_release(&ps);
		return 1;
	}
	struct json *v = arena_alloc(a, sizeof(*v));
	int r = parse_value(&ps, v);
	if (r) {
		if (err_off)
			*err_off = ps.err_off;
		*pos = ps.pos;
		parser_release(&ps);
		return r;
	}
	*pos = ps.pos;
	*out = v;
	parser_release(&ps);
	return 0;
}

int json_parse_next(struct arena *a, const char *buf, size_t len, size_t *pos,
		    const struct json_limits *lim, struct json **out, long long *err_off,
		    struct mm_err *e)
{
	return parse_next(a, buf, NULL, len, pos, lim, out, err_off, e);
}

int json_parse_next_insitu(struct arena *a, char *buf, size_t len, size_t *pos,
			   const struct json_limits *lim, struct json **out, long long *err_off,
			   struct mm_err *e)
{
	return parse_next(a, buf, buf, len, pos, lim, out, err_off, e);
}

static int parse_doc(struct arena *a, const char *buf, char *mut, size_t len,
		     const struct json_limits *lim, struct json **out, long long *err_off,
		     struct mm_err *e)
{
	size_t pos = 0;
	struct json *v = NULL;
	int r = parse_next(a, buf, mut, len, &pos, lim, &v, err_off, e);
	if (r == 1) {
		if (err_off)
			*err_off = (long long)pos;
		return mm_err_set(e, MM_EPARSE, "expected a JSON value at offset %zu (empty input)",
				  pos);
	}
	if (r)
		return r;
	while (pos < len &&
	       (buf[pos] == ' ' || buf[pos] == '\n' || buf[pos] == '\r' || buf[pos] == '\t'))
		pos++;
	if (pos < len) {
		if (err_off)
			*err_off = (long long)pos;
		return mm_err_set(e, MM_EPARSE,
				  "unexpected data after the JSON value at offset %zu", pos);
	}
	*out = v;
	return 0;
}

int json_parse(struct arena *a, const char *buf, size_t len, const struct json_limits *lim,
	       struct json **out, long long *err_off, struct mm_err *e)
{
	return parse_doc(a, buf, NULL, len, lim, out, err_off, e);
}

int json_parse_insitu(struct arena *a, char *buf, size_t len, const struct json_limits *lim,
		      struct json **out, long long *err_off, struct mm_err *e)
{
	return parse_doc(a, buf, buf, len, lim, out, err_off, e);
}

/* ------------------------------------------------------------------ */
/* string pool                                                          */

/* Exact index (keys, json_pool_intern) and the cache of recent values. */
struct json_pool_ent {
	const char *s;
	uint32_t hash, len;
};

#define POOL_CHUNK	((size_t)64 << 10)
#define POOL_BIG	1024 /* longer strings get an arena allocation of their own */
#define POOL_MAX_SHARE	64   /* longer values are always copied */
#define POOL_CACHE_SETS (1u << 14)

static inline uint64_t load8(const char *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	return w;
}

static inline uint64_t load4(const char *s)
{
	uint32_t w;
	memcpy(&w, s, 4);
	return w;
}

/* Most keys and values are 4 to 16 bytes: two overlapping loads. */
static inline uint32_t pool_hash(const char *s, size_t n)
{
	uint64_t a, b;
	if (n >= 8) {
		a = load8(s);
		b = load8(s + n - 8);
		for (size_t i = 8; i + 8 < n; i += 8)
			a = (a ^ load8(s + i)) * 0x9e3779b97f4a7c15ull;
	} else if (n >= 4) {
		a = load4(s);
		b = load4(s + n - 4);
	} else {
		a = n ? (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
			    (uint64_t)(unsigned char)s[n - 1] << 16
		      : 0;
		b = 0;
	}
	uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ b ^ ((uint64_t)n << 56);
	h = (h ^ (h >> 32)) * 0xff51afd7ed558ccdull;
	h ^= h >> 29;
	return (uint32_t)h;
}

static inline bool same_bytes(const char *x, const char *y, size_t n)
{
	if (n >= 8 && n <= 16)
		return load8(x) == load8(y) && load8(x + n - 8) == load8(y + n - 8);
	if (n >= 4 && n < 8)
		return load4(x) == load4(y) && load4(x + n - 4) == load4(y + n - 4);
	return !memcmp(x, y, n);
}

void json_pool_init(struct json_pool *p, struct arena *a)
{
	memset(p, 0, sizeof(*p));
	p->a = a;
}

void json_pool_release(struct json_pool *p)
{
	free(p->tab);
	free(p->cache);
	struct arena *a = p->a;
	memset(p, 0, sizeof(*p));
	p->a = a;
}

const char *json_pool_strndup(struct json_pool *p, const char *s, size_t n)
{
	if (n >= POOL_BIG)
		return arena_strndup(p->a, s, n);
	if (n + 1 > p->left) {
		p->cur = arena_alloc(p->a, POOL_CHUNK);
		p->left = POOL_CHUNK;
	}
	char *c = p->cur;
	memcpy(c, s, n);
	c[n] = '\0';
	p->cur += n + 1;
	p->left -= n + 1;
	return c;
}

static inline bool ent_is(const struct json_pool_ent *e, const char *s, size_t n, uint32_t h)
{
	return e->s && e->hash == h && e->len == n && same_bytes(e->s, s, n);
}

/* Slot holding s, or the empty slot where it belongs. */
static size_t pool_slot(const struct json_pool *p, const char *s, size_t n, uint32_t h)
{
	size_t i = h & p->mask;
	while (p->tab[i].s && !ent_is(&p->tab[i], s, n, h))
		i = (i + 1) & p->mask;
	return i;
}

const char *json_pool_intern(struct json_pool *p, const char *s, size_t n)
{
	if (n > UINT32_MAX - 1)
		return json_pool_strndup(p, s, n);
	if (!p->tab || (p->n + 1) * 2 > p->mask + 1) {
		/* load factor at most 1/2 */
		size_t cap = p->tab ? (p->mask + 1) * 2 : 256;
		struct json_pool_ent *old = p->tab;
		size_t oldcap = p->tab ? p->mask + 1 : 0;
		p->tab = xcalloc(cap, sizeof(*p->tab));
		p->mask = cap - 1;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].s)
				p->tab[pool_slot(p, old[i].s, old[i].len, old[i].hash)] = old[i];
		free(old);
	}
	uint32_t h = pool_hash(s, n);
	size_t i = pool_slot(p, s, n, h);
	struct json_pool_ent *e = &p->tab[i];
	if (!e->s) {
		e->s = json_pool_strndup(p, s, n);
		e->hash = h;
		e->len = (uint32_t)n;
		p->n++;
	}
	return e->s;
}

/*
 * A value: shared with an equal value seen recently, else copied. The cache
 * is two-way set associative and fixed in size (it stays in the CPU caches):
 * values that repeat all through a document (states, types, VPC, subnet and
 * group ids, tag keys) and those repeated inside one record (an instance's
 * DNS name and address) are shared; unique ones (ids, addresses) cost one
 * probe and pass through.
 */
static const char *pool_value(struct json_pool *p, const char *s, size_t n)
{
	if (n > POOL_MAX_SHARE)
		return json_pool_strndup(p, s, n);
	if (!p->cache)
		p->cache = xcalloc(2 * POOL_CACHE_SETS, sizeof(*p->cache));
	uint32_t h = pool_hash(s, n);
	struct json_pool_ent *set = &p->cache[2 * (h & (POOL_CACHE_SETS - 1))];
	if (ent_is(&set[0], s, n, h))
		return set[0].s;
	if (ent_is(&set[1], s, n, h)) {
		struct json_pool_ent t = set[1];
		set[1] = set[0];
		set[0] = t;
		return t.s;
	}
	set[1] = set[0];
	set[0].s = json_pool_strndup(p, s, n);
	set[0].hash = h;
	set[0].len = (uint32_t)n;
	return set[0].s;
}

/* ------------------------------------------------------------------ */
/* scratch                                                              */

#if defined(__SANITIZE_ADDRESS__)
#define SCRATCH_FREE_ON_REWIND 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCRATCH_FREE_ON_REWIND 1
#endif
#endif

struct json_scratch_blk {
	struct json_scratch_blk *next;
	size_t size, pos;
	_Alignas(16) unsigned char data[];
};

#define SCRATCH_BLK ((size_t)64 << 10)

void json_scratch_init(struct json_scratch *s)
{
	memset(s, 0, sizeof(*s));
}

void json_scratch_release(struct json_scratch *s)
{
	struct json_scratch_blk *b = s->head;
	while (b) {
		struct json_scratch_blk *n = b->next;
		free(b);
		b = n;
	}
	memset(s, 0, sizeof(*s));
}

void json_scratch_rewind(struct json_scratch *s)
{
#ifdef SCRATCH_FREE_ON_REWIND
	json_scratch_release(s);
#else
	for (struct json_scratch_blk *b = s->head; b; b = b->next)
		b->pos = 0;
	s->cur = s->head;
#endif
}

/* 16-byte aligned, not zeroed. */
static void *scratch_alloc(struct json_scratch *s, size_t size)
{
	size_t need = (size + 15) & ~(size_t)15;
	if (need < size)
		die("scratch allocation overflow");
	struct json_scratch_blk *b = s->cur;
	if (b && b->size - b->pos < need && b->next && b->next->size >= need) {
		b = b->next; /* rewound blocks are empty */
		s->cur = b;
	}
	if (!b || b->size - b->pos < need) {
		size_t sz = need > SCRATCH_BLK ? need : SCRATCH_BLK;
		struct json_scratch_blk *nb = xmalloc(st_add(sizeof(*nb), sz));
		nb->size = sz;
		nb->pos = 0;
		if (b) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = s->head;
			s->head = nb;
		}
		s->cur = b = nb;
	}
	void *r = b->data + b->pos;
	b->pos += need;
	return r;
}

/* ------------------------------------------------------------------ */
/* streaming reader                                                     */

enum {
	ST_START,
	ST_OBJ_FIRST,
	ST_KEY,
	ST_VALUE,
	ST_ARR_FIRST,
	ST_ITEM,
	ST_AFTER_ITEM,
	ST_AFTER_MEMBER,
	ST_TRAIL,
	ST_DONE,
};

void json_stream_init(struct json_stream *s, const struct json_limits *lim)
{
	memset(s, 0, sizeof(*s));
	s->ps = xmalloc(sizeof(*s->ps));
	parser_init(s->ps, NULL, NULL, 0, lim, NULL);
	s->state = ST_START;
}

void json_stream_release(struct json_stream *s)
{
	if (s->ps) {
		parser_release(s->ps);
		free(s->ps);
	}
	free(s->kbuf);
	memset(s, 0, sizeof(*s));
}

static int more(struct json_stream *s)
{
	s->keep = s->pos;
	return JSON_EV_MORE;
}

/* fail() for a byte that may have left the window: c is what it was */
static int fail_doc(struct json_parser *ps, uint64_t off, char c, int code, const char *what)
{
	ps->err_off = (long long)off;
	return mm_err_set(ps->e, code, "%s at offset %zu, found '%c'", what, (size_t)off, c);
}

/* One value at p[i] of nesting depth `depth`, as ITEM (scratch, skip) or as
 * VALUE (arena or scratch). 0 and *end, JSON_EV_MORE, or an error. */
static int piece(struct json_stream *s, size_t i, unsigned depth, bool item, size_t *end)
{
	struct json_parser *ps = s->ps;
	ps->pos = i;
	ps->depth = depth;
	ps->unterminated = false;
	ps->nitems = ps->nmems = 0;
	if (item) {
		ps->skip = s->skip;
		ps->scr = s->scratch;
		ps->a = NULL;
	} else {
		ps->skip = false;
		ps->scr = s->arena ? NULL : s->scratch;
		ps->a = s->arena;
	}
	int r = parse_value(ps, &s->node);
	if (r) {
		/* a failure near the end of a window that is not the end of
		 * the document may only mean that the value goes on */
		size_t at = (size_t)((uint64_t)ps->err_off - ps->base);
		if (!s->final && (ps->unterminated || at + 8 >= ps->len))
			return more(s);
		return r;
	}
	/* a number may go on past the window */
	if (!s->final && ps->pos >= ps->len)
		return more(s);
	*end = ps->pos;
	return 0;
}

static int array_end(struct json_stream *s)
{
	struct json_parser *ps = s->ps;
	if (s->root_array) {
		s->state = ST_TRAIL;
		return JSON_EV_ARRAY_END;
	}
	if (++s->nmembers > ps->lim.max_items)
		return fail_doc(ps, s->root_off, '{', MM_ELIMIT,
				"object has more members than the limit");
	s->state = ST_AFTER_MEMBER;
	return JSON_EV_ARRAY_END;
}

static int stream_step(struct json_stream *s, const struct json **out)
{
	struct json_parser *ps = s->ps;
	const unsigned char *p = ps->p;
	size_t n = ps->len;
	size_t i = (size_t)(s->pos - s->base);
	size_t end;
	int r;
#define COMMIT() (s->pos = s->base + i)
	for (;;) {
		switch (s->state) {
		case ST_START:
			if (s->pos == 0) {
				if (n < 3 && !s->final)
					return more(s);
				if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
					i = 3;
			}
			ps->pos = i;
			skip_ws(ps);
			i = ps->pos;
			if (i >= n) {
				if (!s->final)
					return more(s);
				ps->err_off = (long long)(s->base + i);
				return mm_err_set(
				    ps->e, MM_EPARSE,
				    "expected a JSON value at offset %zu (empty input)",
				    (size_t)(s->base + i));
			}
			s->root_off = s->base + i;
			if (p[i] == '{') {
				s->root_object = true;
				i++;
				COMMIT();
				s->state = ST_OBJ_FIRST;
				continue;
			}
			if (p[i] == '[' && s->stream) {
				s->root_array = true;
				s->arr_off = s->base + i;
				s->nitems = 0;
				i++;
				COMMIT();
				s->state = ST_ARR_FIRST;
				return JSON_EV_ARRAY;
			}
			r = piece(s, i, 0, false, &end);
			if (r)
				return r;
			i = end;
			COMMIT();
			s->state = ST_TRAIL;
			*out = &s->node;
			return JSON_EV_VALUE;
		case ST_OBJ_FIRST:
			ps->pos = i;
			skip_ws(ps);
			i = ps->pos;
			if (i >= n && !s->final)
				return more(s);
			if (i < n && p[i] == '}') {
				i++;
				COMMIT();
				s->state = ST_TRAIL;
				continue;
			}
			COMMIT();
			s->state = ST_KEY;
			continue;
		case ST_KEY: {
			ps->pos = i;
			skip_ws(ps);
			i = ps->pos;
			if (i >= n || p[i] != '"') {
				if (i >= n && !s->final)
					return more(s);
				return fail(ps, i, MM_EPARSE, "expected string key");
			}
			ps->unterminated = false;
			ps->skip = false;
			ps->scr = s->scratch;
			ps->a = NULL;
			const char *k;
			uint32_t kl;
			r = parse_string(ps, &k, &kl, true);
			if (r) {
				size_t at = (size_t)((uint64_t)ps->err_off - ps->base);
				if (!s->final && (ps->unterminated || at + 8 >= n))
					return more(s);
				return r;
			}
			skip_ws(ps);
			i = ps->pos;
			if (i >= n || p[i] != ':') {
				if (i >= n && !s->final)
					return more(s);
				return fail(ps, i, MM_EPARSE, "expected ':' after key");
			}
			i++;
			if (s->pool) {
				s->key = k;
			} else {
				ALLOC_GROW(s->kbuf, (size_t)kl + 1, s->kalloc);
				memcpy(s->kbuf, k, kl);
				s->kbuf[kl] = '\0';
				s->key = s->kbuf;
			}
			s->klen = kl;
			s->stream = false;
			COMMIT();
			s->state = ST_VALUE;
			return JSON_EV_KEY;
		}
		case ST_VALUE:
			ps->pos = i;
			skip_ws(ps);
			i = ps->pos;
			if (i >= n) {
				if (!s->final)
					return more(s);
				return fail(ps, i, MM_EPARSE, "expected a JSON value");
			}
			if (p[i] == '[' && s->stream) {
				if (1 >= ps->lim.max_depth)
					return fail(ps, i, MM_ELIMIT,
						    "nesting deeper than the limit");
				s->root_array = false;
				s->arr_off = s->base + i;
				s->nitems = 0;
				i++;
				COMMIT();
				s->state = ST_ARR_FIRST;
				return JSON_EV_ARRAY;
			}
			r = piece(s, i, 1, false, &end);
			if (r)
				return r;
			if (++s->nmembers > ps->lim.max_items)
				return fail_doc(ps, s->root_off, '{', MM_ELIMIT,
						"object has more members than the limit");
			i = end;
			COMMIT();
			s->state = ST_AFTER_MEMBER;
			*out = &s->node;
			return JSON_EV_VALUE;
		case ST_ARR_FIRST:
			ps->pos = i;
			skip_ws(ps);
			i = ps->pos;
			if (i < n && p[i] == ']') {
				i++;
				COMMIT();
				return array_end(s);
			}
			if (i >= n && !s->final)
				return more(s);
			COMMIT();
			s->state = ST_ITEM;
			continue;
		case ST_ITEM:
			r = piece(s, i, s->root_array ? 1 : 2, true, &end);
			if (r)
				return r;
			if (++s->nitems > ps->lim.max_items)
				return fail_doc(ps, s->arr_off, '[', MM_ELIMIT,
						"array has more items than the limit");
			i = end;
			COMMIT();
			s->state = ST_AFTER_ITEM;
			*out = s->skip ? NULL : &s->node;
			return JSON_EV_ITEM;
		case ST_AFTER_ITEM:
			ps->pos = i;
			skip_ws(ps);
			i = ps->pos;
			if (i >= n) {
				if (!s->final)
					return more(s);
				return fail(ps, i, MM_EPARSE, "expected ',' or ']'");
			}
			if (p[i] == ',') {
				i++;
				COMMIT();
				s->state = ST_ITEM;
				continue;
			}
			if (p[i] == ']') {
				i++;
				COMMIT();
				return array_end(s);
			}
			return fail(ps, i, MM_EPARSE, "expected ',' or ']'");
		case ST_AFTER_MEMBER:
			ps->pos = i;
			skip_ws(ps);
			i = ps->pos;
			if (i >= n) {
				if (!s->final)
					return more(s);
				return fail(ps, i, MM_EPARSE, "expected ',' or '}'");
			}
			if (p[i] == ',') {
				i++;
				COMMIT();
				s->state = ST_KEY;
				continue;
			}
			if (p[i] == '}') {
				i++;
				COMMIT();
				s->state = ST_TRAIL;
				continue;
			}
			return fail(ps, i, MM_EPARSE, "expected ',' or '}'");
		case ST_TRAIL:
			while (i < n &&
			       (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
				i++;
			COMMIT();
			if (i < n) {
				ps->err_off = (long long)(s->base + i);
				return mm_err_set(
				    ps->e, MM_EPARSE,
				    "unexpected data after the JSON value at offset %zu",
				    (size_t)(s->base + i));
			}
			if (!s->final)
				return more(s);
			s->state = ST_DONE;
			return JSON_EV_END;
		default:
			return JSON_EV_END;
		}
	}
#undef COMMIT
}

int json_stream_next(struct json_stream *s, const struct json **out, long long *err_off,
		     struct mm_err *e)
{
	struct json_parser *ps = s->ps;
	*out = NULL;
	if (s->pos < s->base || s->pos > s->base + s->len)
		BUG("json stream: the window does not hold the stream position");
	ps->p = (const unsigned char *)s->buf;
	ps->len = s->len;
	ps->base = s->base;
	ps->e = e;
	ps->err_off = -1;
	ps->pool = s->pool;
	int r = stream_step(s, out);
	s->keep = s->pos;
	if (r < 0) {
		if (err_off)
			*err_off = ps->err_off;
		s->state = ST_DONE;
	}
	return r;
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	size_t kl = strlen(key);
	for (uint32_t i = 0; i < obj->n; i++) {
		const struct json_member *m = &obj->u.members[i];
		if (m->klen == kl && memcmp(m->key, key, kl) == 0)
			return &m->v;
	}
	return NULL;
}

const struct json *json_at(const struct json *arr, size_t i)
{
	if (!arr || arr->type != JSON_ARRAY || i >= arr->n)
		return NULL;
	return &arr->u.items[i];
}

const char *json_as_str(const struct json *v)
{
	return v && v->type == JSON_STRING ? v->u.s : NULL;
}

const char *json_str(const struct json *obj, const char *key)
{
	return json_as_str(json_get(obj, key));
}

int json_as_int(const struct json *v, long long *out)
{
	if (!v || (v->type != JSON_NUMBER && v->type != JSON_STRING))
		return -1;
	const char *s = v->u.s;
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno || *end) {
		/* numbers such as 22.0 or 2.2e1 that are integral */
		if (v->type != JSON_NUMBER)
			return -1;
		errno = 0;
		double d = strtod(s, &end);
		/* range check first: casting an out-of-range double is undefined */
		if (errno || *end || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
		    d != (double)(long long)d)
			return -1;
		x = (long long)d;
	}
	*out = x;
	return 0;
}

int json_int(const struct json *obj, const char *key, long long *out)
{
	return json_as_int(json_get(obj, key), out);
}

int json_as_bool(const struct json *v)
{
	if (!v)
		return -1;
	if (v->type == JSON_TRUE)
		return 1;
	if (v->type == JSON_FALSE)
		return 0;
	if (v->type == JSON_STRING) {
		if (!strcmp(v->u.s, "true"))
			return 1;
		if (!strcmp(v->u.s, "false"))
			return 0;
	}
	return -1;
}

int json_bool(const struct json *obj, const char *key)
{
	return json_as_bool(json_get(obj, key));
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:
		return "null";
	case JSON_FALSE:
	case JSON_TRUE:
		return "boolean";
	case JSON_NUMBER:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	}
	return "?";
}

void json_line_col(const char *buf, size_t len, size_t off, unsigned long *line, unsigned long *col)
{
	unsigned long l = 1, c = 1;
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

void json_ptr_append(struct strbuf *sb, const char *key)
{
	strbuf_addch(sb, '/');
	for (const char *p = key; *p; p++) {
		if (*p == '~')
			strbuf_add(sb, "~0", 2);
		else if (*p == '/')
			strbuf_add(sb, "~1", 2);
		else
			strbuf_addch(sb, *p);
	}
}

void json_write(struct strbuf *sb, const struct json *v)
{
	if (!v) {
		strbuf_addstr(sb, "null");
		return;
	}
	switch (v->type) {
	case JSON_NULL:
		strbuf_addstr(sb, "null");
		break;
	case JSON_TRUE:
		strbuf_addstr(sb, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(sb, "false");
		break;
	case JSON_NUMBER:
		strbuf_addstr(sb, v->u.s);
		break;
	case JSON_STRING:
		strbuf_add_json_strn(sb, v->u.s, v->n);
		break;
	case JSON_ARRAY:
		strbuf_addch(sb, '[');
		for (uint32_t i = 0; i < v->n; i++) {
			if (i)
				strbuf_addch(sb, ',');
			json_write(sb, &v->u.items[i]);
		}
		strbuf_addch(sb, ']');
		break;
	case JSON_OBJECT:
		strbuf_addch(sb, '{');
		for (uint32_t i = 0; i < v->n; i++) {
			if (i)
				strbuf_addch(sb, ',');
			strbuf_add_json_strn(sb, v->u.members[i].key, v->u.members[i].klen);
			strbuf_addch(sb, ':');
			json_write(sb, &v->u.members[i].v);
		}
		strbuf_addch(sb, '}');
		break;
	}
}
