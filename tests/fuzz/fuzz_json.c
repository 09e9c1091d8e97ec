/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the JSON parser (src/base/json.c), which reads every
 * snapshot file and CloudTrail record. Beyond "no crash", it checks
 * properties a correct parser must have:
 *   - an error carries MM_EPARSE or MM_ELIMIT, an offset inside the input
 *     and a message;
 *   - json_write() of a parsed document parses again and writes back the
 *     same bytes (a fixpoint after one round);
 *   - the in-situ parser agrees with the copying parser (same verdict, same
 *     error offset, same output);
 *   - tight limits never make an input parse differently, only fail;
 *   - json_parse_next() over the bytes always advances;
 *   - the accessors (json_as_int, json_as_bool, json_get, json_at) accept
 *     every node of the document, and a key found by iteration is found by
 *     json_get (which returns the first member of that name).
 */
#include <string.h>

#include "fuzz.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "base/banned.h"

static void check_error(int r, long long off, size_t size, const struct mm_err *e)
{
	FUZZ_CHECK(r == MM_EPARSE || r == MM_ELIMIT);
	FUZZ_CHECK(off >= 0 && (size_t)off <= size);
	FUZZ_CHECK(e->msg[0] != '\0');
}

/* write(v) must parse, and writing the result must give the same bytes. */
static void check_roundtrip(const struct json *v, struct strbuf *out)
{
	struct arena a;
	struct mm_err e = { 0 };
	struct json *v2 = NULL;
	struct strbuf again = STRBUF_INIT;
	long long off = -1;

	arena_init(&a);
	json_write(out, v);
	int r = json_parse(&a, out->buf, out->len, NULL, &v2, &off, &e);
	if (r)
		fprintf(stderr, "re-parse of written JSON failed: %s\n", e.msg);
	FUZZ_CHECK(r == 0);
	json_write(&again, v2);
	FUZZ_CHECK(again.len == out->len && !memcmp(again.buf, out->buf, out->len));
	strbuf_release(&again);
	arena_release(&a);
}

/* Call every accessor on every node, as the loader does on untrusted input. */
static void walk(const struct json *v, unsigned depth)
{
	long long x;
	if (json_as_int(v, &x) == 0 && v->type == JSON_STRING)
		FUZZ_CHECK(v->n > 0);
	(void)json_as_bool(v);
	(void)json_as_str(v);
	if (depth > 300)
		return;
	if (v->type == JSON_ARRAY) {
		for (uint32_t i = 0; i < v->n; i++) {
			FUZZ_CHECK(json_at(v, i) == &v->u.items[i]);
			walk(&v->u.items[i], depth + 1);
		}
		FUZZ_CHECK(json_at(v, v->n) == NULL);
	} else if (v->type == JSON_OBJECT) {
		for (uint32_t i = 0; i < v->n; i++) {
			const struct json_member *m = &v->u.members[i];
			/* Keys with NUL cannot be looked up by C string. */
			if (strlen(m->key) == m->klen) {
				const struct json *g = json_get(v, m->key);
				FUZZ_CHECK(g != NULL);
				FUZZ_CHECK(g <= &m->v);
			}
			walk(&m->v, depth + 1);
		}
	}
}

static void check_stream(const char *buf, size_t size)
{
	struct arena a;
	size_t pos = 0;
	arena_init(&a);
	for (;;) {
		struct mm_err e = { 0 };
		struct json *v = NULL;
		long long off = -1;
		size_t before = pos;
		int r = json_parse_next(&a, buf, size, &pos, NULL, &v, &off, &e);
		if (r == 1)
			break;
		if (r < 0) {
			check_error(r, off, size, &e);
			break;
		}
		FUZZ_CHECK(r == 0 && v != NULL);
		FUZZ_CHECK(pos > before && pos <= size);
		struct strbuf sb = STRBUF_INIT;
		json_write(&sb, v);
		strbuf_release(&sb);
	}
	arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct arena a;
	struct mm_err e = { 0 };
	struct json *v = NULL;
	long long off = -1;
	struct strbuf out = STRBUF_INIT;

	arena_init(&a);
	int r = json_parse(&a, buf, size, NULL, &v, &off, &e);
	if (r)
		check_error(r, off, size, &e);
	else {
		check_roundtrip(v, &out);
		walk(v, 0);
	}

	/* In-situ: same verdict, same offset, same document. The copy has the
	 * exact input size so ASan sees any read past the end. */
	{
		struct arena b;
		struct mm_err e2 = { 0 };
		struct json *w = NULL;
		long long off2 = -1;
		arena_init(&b);
		char *copy = arena_alloc(&b, size ? size : 1);
		if (size)
			memcpy(copy, data, size);
		int r2 = json_parse_insitu(&b, copy, size, NULL, &w, &off2, &e2);
		FUZZ_CHECK(r2 == r);
		if (r2) {
			check_error(r2, off2, size, &e2);
			FUZZ_CHECK(off2 == off);
		} else {
			struct strbuf out2 = STRBUF_INIT;
			json_write(&out2, w);
			FUZZ_CHECK(out2.len == out.len && !memcmp(out2.buf, out.buf, out.len));
			strbuf_release(&out2);
		}
		arena_release(&b);
	}

	/* Tight limits: may fail where defaults succeed, never the reverse, and
	 * a success must be the same document. */
	{
		struct arena b;
		struct mm_err e3 = { 0 };
		struct json *w = NULL;
		long long off3 = -1;
		struct json_limits lim = { .max_depth = 4, .max_string = 16, .max_items = 8 };
		arena_init(&b);
		int r3 = json_parse(&b, buf, size, &lim, &w, &off3, &e3);
		if (r3) {
			check_error(r3, off3, size, &e3);
			if (r)
				FUZZ_CHECK(r3 == r || r3 == MM_ELIMIT);
		} else {
			FUZZ_CHECK(r == 0);
			struct strbuf out3 = STRBUF_INIT;
			json_write(&out3, w);
			FUZZ_CHECK(out3.len == out.len && !memcmp(out3.buf, out.buf, out.len));
			strbuf_release(&out3);
		}
		arena_release(&b);
	}

	check_stream(buf, size);

	strbuf_release(&out);
	arena_release(&a);
	return 0;
}
