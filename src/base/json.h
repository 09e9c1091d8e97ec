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

/*
 * String pool: where a caller that parses many documents keeps their strings
 * apart from their nodes, so the nodes can be dropped and the strings kept.
 * Strings are packed end to end in chunks of the arena (no 16-byte rounding);
 * object keys are interned (one copy per distinct key, however often it
 * occurs); a value shares the copy of an equal value seen recently (a small
 * fixed cache: values that repeat through a document or inside one record
 * are stored about once, unique ones pass through). Pointers returned stay
 * valid until the arena is released; json_pool_release() frees only the
 * indexes. Not thread-safe.
 */
struct json_pool_ent;
struct json_pool {
	struct arena *a;
	/* private */
	char *cur;
	size_t left;
	struct json_pool_ent *tab; /* exact: keys and json_pool_intern() */
	size_t mask, n;
	struct json_pool_ent *cache; /* recent values */
};

void json_pool_init(struct json_pool *p, struct arena *a);
void json_pool_release(struct json_pool *p);
/* NUL-terminated copy of s[0..n) (which may contain NUL), packed. */
const char *json_pool_strndup(struct json_pool *p, const char *s, size_t n);
/* The one copy of s[0..n) in this pool. */
const char *json_pool_intern(struct json_pool *p, const char *s, size_t n);

/*
 * Scratch: a rewindable node store for values that are used and dropped one
 * after the other (the records of a streamed array). json_scratch_rewind()
 * makes all of it reusable at once (with AddressSanitizer it frees it, so a
 * pointer kept past a rewind is reported).
 */
struct json_scratch_blk;
struct json_scratch {
	struct json_scratch_blk *head, *cur;
};

void json_scratch_init(struct json_scratch *s);
void json_scratch_rewind(struct json_scratch *s);
void json_scratch_release(struct json_scratch *s);

/*
 * Streaming reader: parses one document that is too large to hold as a DOM,
 * through a window the caller slides over it, and hands it over in pieces:
 * the members of a top-level object one by one, and the items of a
 * member's array (or of a top-level array) one by one when the caller asks
 * for it. Every piece is an ordinary DOM with document offsets, and the
 * document is checked exactly as json_parse() checks it: the same grammar,
 * limits, error messages and error offsets, in the same order.
 *
 * Before each json_stream_next() the caller sets buf/len/base/final (the
 * window holds document bytes [base, base + len) and always holds offset
 * `keep` of the last call; final: nothing follows) and where pieces go
 * (`scratch` is required). Events:
 *   JSON_EV_MORE   the next piece does not fit in the window: slide it so that
 *                  it starts at or before `keep` and holds more bytes (or is
 *                  final), then call again; what the failed attempt put in
 *                  the arena or the pool stays there, unused;
 *   JSON_EV_KEY    a member key of the top-level object, in key/klen (interned
 *                  in the pool, else valid until the next KEY); set `stream`
 *                  to have an array value streamed, then call again;
 *   JSON_EV_VALUE  a whole value (the member's value, or a top-level value
 *                  that is not an object, or not streamed): *out, valid until
 *                  the next call; its children are in `arena` (NULL: scratch);
 *   JSON_EV_ARRAY  a streamed array begins at arr_off (root_array: it is the
 *                  document itself; `stream` set before the first call);
 *   JSON_EV_ITEM   one item: *out, children in `scratch` (*out NULL with
 *                  `skip`, which only checks the item);
 *   JSON_EV_ARRAY_END, and JSON_EV_END when the document is complete.
 * A negative return is a parse error (e and *err_off filled as json_parse()
 * does); the stream is then finished.
 */
enum json_ev {
	JSON_EV_MORE = 1,
	JSON_EV_KEY,
	JSON_EV_VALUE,
	JSON_EV_ARRAY,
	JSON_EV_ITEM,
	JSON_EV_ARRAY_END,
	JSON_EV_END,
};

struct json_parser;
struct json_stream {
	/* input window, set by the caller */
	const char *buf;
	size_t len;
	uint64_t base;
	bool final;
	/* where the pieces go, set by the caller */
	struct arena *arena;	      /* nodes of VALUE (NULL: scratch) */
	struct json_scratch *scratch; /* nodes of ITEM, and of VALUE without arena */
	struct json_pool *pool;	      /* strings, keys and numbers (NULL: with the nodes) */
	bool stream;		      /* stream the next value if it is an array */
	bool skip;		      /* ITEM: check only, *out = NULL */
	/* out */
	uint64_t keep;	   /* after any event: first offset still needed */
	const char *key;   /* KEY: decoded, NUL-terminated, valid until the next KEY */
	uint32_t klen;	   /* KEY */
	uint64_t root_off; /* offset of the top-level value */
	uint64_t arr_off;  /* ARRAY: offset of the '[' */
	bool root_object;  /* the top-level value is an object */
	bool root_array;   /* ARRAY: the array is the top-level value */
	/* private */
	struct json_parser *ps;
	struct json node;
	int state;
	uint64_t pos;
	size_t nmembers, nitems;
	char *kbuf;
	size_t kalloc;
};

void json_stream_init(struct json_stream *s, const struct json_limits *lim);
void json_stream_release(struct json_stream *s);
int json_stream_next(struct json_stream *s, const struct json **out, long long *err_off,
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
