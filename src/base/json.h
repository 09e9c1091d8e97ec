/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON: an in-tree, arena-backed DOM parser for outside input.
 *
 * Why in-tree: one allocation pattern for the whole snapshot (the DOM lives in
 * the snapshot arena and the model points into it), byte offsets on every
 * value for error messages and evidence pointers, hard limits on depth and
 * string size, and no whole-document copies. See README "JSON parser" for the
 * measurement against the Debian libraries.
 *
 * Ownership: every struct json, key and string returned lives in the arena
 * passed to the parser and is freed with it. Strings are decoded (escapes
 * resolved, \u surrogate pairs turned into UTF-8) and NUL-terminated; `n`
 * gives their byte length (they may contain NUL from \u0000). Numbers keep
 * their source text in u.s, validated against the JSON grammar.
 */
#ifndef MM_JSON_H
#define MM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json {
	uint8_t type;
	uint32_t n;   /* string bytes / array items / object members */
	uint64_t off; /* byte offset of the first character of the value */
	union {
		const char *s; /* JSON_STRING (decoded), JSON_NUMBER (source text) */
		struct json *items;
		struct json_member *members;
	} u;
};

struct json_member {
	const char *key;
	uint32_t klen;
	struct json v;
};

struct json_limits {
	unsigned max_depth; /* nesting of arrays/objects; default 256 */
	size_t max_string;  /* bytes in one decoded string or key; default 64 MiB */
	size_t max_items;   /* members of one array/object; default 64M */
};

#define JSON_DEFAULT_MAX_DEPTH	256u
#define JSON_DEFAULT_MAX_STRING ((size_t)64 << 20)

/*
 * Parse exactly one JSON document in buf[0..len) (leading/trailing whitespace
 * allowed, a UTF-8 BOM skipped). On error returns MM_EPARSE or MM_ELIMIT and
 * e->msg says what was expected and at which byte offset; *err_off (if not
 * NULL) receives that offset.
 */
int json_parse(struct arena *a, const char *buf, size_t len, const struct json_limits *lim,
	       struct json **out, long long *err_off, struct mm_err *e);

/*
 * Parse one value starting at *pos (after optional whitespace) and leave *pos
 * just after it: for NDJSON and concatenated documents. Returns 1 at end of
 * input (only whitespace left), 0 on a value, negative on error.
 */
int json_parse_next(struct arena *a, const char *buf, size_t len, size_t *pos,
		    const struct json_limits *lim, struct json **out, long long *err_off,
		    struct mm_err *e);

/*
 * In-situ variants: strings are decoded inside buf (which must stay alive and
 * unmodified as long as the DOM: allocate it in the same arena) and point
 * into it, so parsing copies no string bytes. On error, buf's contents are
 * unspecified. Numbers are still copied (they are short).
 */
int json_parse_insitu(struct arena *a, char *buf, size_t len, const struct json_limits *lim,
		      struct json **out, long long *err_off, struct mm_err *e);
int json_parse_next_insitu(struct arena *a, char *buf, size_t len, size_t *pos,
			   const struct json_limits *lim, struct json **out, long long *err_off,
			   struct mm_err *e);

/* Lookups. All accept NULL and return NULL / false on type mismatch. */
const struct json *json_get(const struct json *obj, const char *key);
const struct json *json_at(const struct json *arr, size_t i);
/* String value of obj[key], NULL if absent or not a string. */
const char *json_str(const struct json *obj, const char *key);
/* Value as string if it is a string, else NULL. */
const char *json_as_str(const struct json *v);
/* Integer value of a number (or a string holding a decimal integer, as some
 * AWS shapes do). Returns 0 and sets *out, or -1. */
int json_as_int(const struct json *v, long long *out);
int json_int(const struct json *obj, const char *key, long long *out);
/* 1 true, 0 false, -1 absent or not a boolean (strings "true"/"false" accepted). */
int json_as_bool(const struct json *v);
int json_bool(const struct json *obj, const char *key);
static inline size_t json_len(const struct json *v)
{
	return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->n : 0;
}
static inline bool json_is(const struct json *v, enum json_type t)
{
	return v && v->type == t;
}
const char *json_type_name(enum json_type t);

/* Line and column (1-based) of a byte offset, for messages. */
void json_line_col(const char *buf, size_t len, size_t off, unsigned long *line,
		   unsigned long *col);

struct strbuf;
/* Append key escaped as a JSON-pointer reference token (RFC 6901). */
void json_ptr_append(struct strbuf *sb, const char *key);
/* Serialise v as compact JSON. */
void json_write(struct strbuf *sb, const struct json *v);

#endif
