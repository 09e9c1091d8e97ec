/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON parser (RFC 8259, strict): recursive descent with an explicit depth
 * limit. Children of the container being parsed are collected on two scratch
 * stacks shared by all depths and copied into the arena in one piece when the
 * container closes, so arrays and objects are contiguous and the parser does
 * no per-node malloc.
 */
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "wrapper.h"
#include "banned.h"

struct parser {
	struct arena *a;
	const unsigned char *p;
	unsigned char *mut; /* same bytes, writable: in-situ mode, else NULL */
	size_t len;
	size_t pos;
	unsigned depth;
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

static int fail(struct parser *ps, size_t off, int code, const char *what)
{
	ps->err_off = (long long)off;
	if (off >= ps->len)
		return mm_err_set(ps->e, code, "%s at offset %zu (end of input)", what, off);
	unsigned char c = ps->p[off];
	if (c >= 0x20 && c < 0x7f)
		return mm_err_set(ps->e, code, "%s at offset %zu, found '%c'", what, off, c);
	return mm_err_set(ps->e, code, "%s at offset %zu, found byte 0x%02x", what, off, c);
}

static inline void skip_ws(struct parser *ps)
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

static int read_u4(struct parser *ps, size_t at, unsigned *out)
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
static int parse_string(struct parser *ps, const char **out, uint32_t *outlen)
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
			*out = arena_strndup(ps->a, (const char *)p + start, sl);
		}
		*outlen = (uint32_t)sl;
		ps->pos = i + 1;
		return 0;
	}
	strbuf_reset(&ps->sb);
	strbuf_add(&ps->sb, p + start, i - start);
	for (;;) {
		if (i >= n)
			return fail(ps, ps->pos, MM_EPARSE, "unterminated string starting");
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
		*out = arena_strndup(ps->a, ps->sb.buf, ps->sb.len);
	}
	*outlen = (uint32_t)ps->sb.len;
	ps->pos = i + 1;
	return 0;
}

static int parse_number(struct parser *ps, struct json *v)
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
	v->u.s = arena_strndup(ps->a, (const char *)p + s, i - s);
	v->n = (uint32_t)(i - s);
	ps->pos = i;
	return 0;
}

static int parse_value(struct parser *ps, struct json *v);

static int parse_array(struct parser *ps, struct json *v)
{
	size_t base = ps->nitems;
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
			return fail(ps, v->off, MM_ELIMIT, "array has more items than the limit");
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
	if (v->n) {
		v->u.items = arena_calloc(ps->a, v->n, sizeof(struct json));
		memcpy(v->u.items, ps->items + base, v->n * sizeof(struct json));
	}
	ps->nitems = base;
	return 0;
}

static int parse_object(struct parser *ps, struct json *v)
{
	size_t base = ps->nmems;
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
		int r = parse_string(ps, &m.key, &m.klen);
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
			return fail(ps, v->off, MM_ELIMIT,
				    "object has more members than the limit");
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
	if (v->n) {
		v->u.members = arena_calloc(ps->a, v->n, sizeof(struct json_member));
		memcpy(v->u.members, ps->mems + base, v->n * sizeof(struct json_member));
	}
	ps->nmems = base;
	return 0;
}

static int parse_lit(struct parser *ps, const char *lit, size_t ln, uint8_t type, struct json *v)
{
	if (ps->len - ps->pos < ln || memcmp(ps->p + ps->pos, lit, ln) != 0)
		return fail(ps, ps->pos, MM_EPARSE, "expected a JSON value");
	ps->pos += ln;
	v->type = type;
	return 0;
}

static int parse_value(struct parser *ps, struct json *v)
{
	memset(v, 0, sizeof(*v));
	skip_ws(ps);
	if (ps->pos >= ps->len)
		return fail(ps, ps->pos, MM_EPARSE, "expected a JSON value");
	v->off = ps->pos;
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
		r = parse_string(ps, &s, &n);
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

static void parser_init(struct parser *ps, struct arena *a, const char *buf, size_t len,
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

static void parser_release(struct parser *ps)
{
	free(ps->items);
	free(ps->mems);
	strbuf_release(&ps->sb);
}

static int parse_next(struct arena *a, const char *buf, char *mut, size_t len, size_t *pos,
		      const struct json_limits *lim, struct json **out, long long *err_off,
		      struct mm_err *e)
{
	struct parser ps;
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
