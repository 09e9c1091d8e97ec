/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/base: JSON and YAML parsing, interval sets, strbuf, hmap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "base/ipset.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "base/yaml.h"

static struct json *parse_ok(struct arena *a, const char *s)
{
	struct json *v = NULL;
	struct mm_err e = { 0 };
	long long off = -2;
	int r = json_parse(a, s, strlen(s), NULL, &v, &off, &e);
	if (r)
		print_error("unexpected error: %s\n", e.msg);
	assert_int_equal(r, 0);
	return v;
}

static long long parse_err(const char *s, size_t len, const struct json_limits *lim, char *msg,
			   size_t msz)
{
	struct arena a = ARENA_INIT;
	struct json *v = NULL;
	struct mm_err e = { 0 };
	long long off = -2;
	int r = json_parse(&a, s, len, lim, &v, &off, &e);
	assert_true(r < 0);
	if (msg)
		snprintf(msg, msz, "%s", e.msg);
	arena_release(&a);
	return off;
}

/* JSON output is valid UTF-8 whatever the input bytes: invalid sequences
 * become U+FFFD per maximal subpart (the same answers as Python's
 * bytes.decode("utf-8", "replace")), valid ones pass unchanged, and our own
 * strict parser reads the result back. */
static void test_json_str_utf8(void **st)
{
	(void)st;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "x\xff\xc3(y\xe2\x82\xac", "\"x\xef\xbf\xbd\xef\xbf\xbd(y\xe2\x82\xac\"" },
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" }, /* surrogate */
		{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },			/* overlong */
		{ "\xf0\x9f\x98", "\"\xef\xbf\xbd\"" },				/* truncated */
		{ "\xf4\x90\x80\x80",
		  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" }, /* > U+10FFFF */
		{ "\xef\xbf\xbd\xf0\x9f\x98\x80", "\"\xef\xbf\xbd\xf0\x9f\x98\x80\"" },
		{ "a\x01\x7f", "\"a\\u0001\\u007f\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_add_json_str(&sb, cases[i].in);
		assert_string_equal(sb.buf, cases[i].out);
		struct arena a;
		arena_init(&a);
		struct mm_err e = { 0 };
		struct json *v = NULL;
		long long off;
		assert_int_equal(json_parse(&a, sb.buf, sb.len, NULL, &v, &off, &e), 0);
		assert_non_null(v);
		/* every sequence of the output is valid UTF-8 */
		for (size_t k = 0; k < sb.len;) {
			uint32_t cp;
			size_t len = mm_utf8_next(sb.buf, sb.len, k, &cp);
			if (cp == 0xfffd)
				assert_memory_equal(sb.buf + k, "\xef\xbf\xbd", 3);
			k += len;
		}
		arena_release(&a);
		strbuf_release(&sb);
	}
}

static void test_json_values(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	struct json *v = parse_ok(&a, " {\"a\": [1, -2.5e3, true, false, null, \"x\\ny\"],"
				      " \"b\": {\"c\": \"\\u00e9\\ud83d\\ude00\"}, \"n\": 22} ");
	assert_int_equal(v->type, JSON_OBJECT);
	assert_int_equal(v->n, 3);
	const struct json *arr = json_get(v, "a");
	assert_int_equal(json_len(arr), 6);
	long long i;
	assert_int_equal(json_as_int(json_at(arr, 0), &i), 0);
	assert_int_equal(i, 1);
	assert_int_equal(json_as_int(json_at(arr, 1), &i), 0);
	assert_int_equal(i, -2500);
	assert_int_equal(json_as_bool(json_at(arr, 2)), 1);
	assert_int_equal(json_as_bool(json_at(arr, 3)), 0);
	assert_int_equal(json_at(arr, 4)->type, JSON_NULL);
	assert_string_equal(json_as_str(json_at(arr, 5)), "x\ny");
	assert_null(json_at(arr, 6));
	/* é = c3 a9, 😀 = f0 9f 98 80 */
	assert_string_equal(json_str(json_get(v, "b"), "c"), "\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(json_int(v, "n", &i), 0);
	assert_int_equal(i, 22);
	assert_null(json_get(v, "missing"));
	assert_null(json_str(v, "n")); /* wrong type is not a string */
	/* offsets point at the value */
	assert_int_equal(json_get(v, "n")->off, strlen(" {\"a\": [1, -2.5e3, true, false, null, "
						       "\"x\\ny\"], \"b\": {\"c\": "
						       "\"\\u00e9\\ud83d\\ude00\"}, \"n\": "));
	arena_release(&a);
}

static void test_json_int_range(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	struct json *v = parse_ok(&a, "[12345678901234567890123456789012, 1e300, -1e300, 2.5, 4.0, "
				      "9223372036854775807, \"443\", \"x\"]");
	long long x;
	assert_int_equal(json_as_int(json_at(v, 0), &x), -1); /* too big: no UB, no wrap */
	assert_int_equal(json_as_int(json_at(v, 1), &x), -1);
	assert_int_equal(json_as_int(json_at(v, 2), &x), -1);
	assert_int_equal(json_as_int(json_at(v, 3), &x), -1); /* not integral */
	assert_int_equal(json_as_int(json_at(v, 4), &x), 0);
	assert_int_equal(x, 4);
	assert_int_equal(json_as_int(json_at(v, 5), &x), 0);
	assert_true(x == 9223372036854775807LL);
	assert_int_equal(json_as_int(json_at(v, 6), &x), 0); /* AWS sometimes quotes ports */
	assert_int_equal(x, 443);
	assert_int_equal(json_as_int(json_at(v, 7), &x), -1);
	arena_release(&a);
}

static void test_json_roundtrip(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	const char *src = "{\"k\":[1,{\"z\":\"q\\\"\\\\\\t\"}],\"e\":{},\"f\":[]}";
	struct json *v = parse_ok(&a, src);
	struct strbuf sb = STRBUF_INIT;
	json_write(&sb, v);
	assert_string_equal(sb.buf, src);
	strbuf_release(&sb);
	arena_release(&a);
}

static void test_json_errors(void **st)
{
	(void)st;
	char msg[1024];
	assert_int_equal(parse_err("{\"a\": 1,}", 9, NULL, msg, sizeof msg), 8);
	assert_non_null(strstr(msg, "offset 8"));
	assert_int_equal(parse_err("[1, 2", 5, NULL, msg, sizeof msg), 5);
	assert_non_null(strstr(msg, "end of input"));
	assert_int_equal(parse_err("{\"a\" 1}", 7, NULL, NULL, 0), 5);
	assert_int_equal(parse_err("[01]", 4, NULL, NULL, 0), 2);
	assert_int_equal(parse_err("[1.]", 4, NULL, NULL, 0), 3);
	assert_int_equal(parse_err("\"a\x01\"", 4, NULL, NULL, 0), 2);
	assert_int_equal(parse_err("\"\\x\"", 4, NULL, NULL, 0), 1);
	assert_int_equal(parse_err("[tru]", 5, NULL, NULL, 0), 1);
	assert_int_equal(parse_err("{} x", 4, NULL, NULL, 0), 3);
	assert_int_equal(parse_err("", 0, NULL, NULL, 0), 0);
	assert_int_equal(parse_err("\"abc", 4, NULL, NULL, 0), 0);
}

static void test_json_limits(void **st)
{
	(void)st;
	/* depth */
	size_t n = 100000;
	char *deep = malloc(n);
	memset(deep, '[', n);
	char msg[1024];
	long long off = parse_err(deep, n, NULL, msg, sizeof msg);
	assert_int_equal(off, JSON_DEFAULT_MAX_DEPTH);
	assert_non_null(strstr(msg, "nesting"));
	free(deep);
	/* string length */
	struct json_limits lim = { .max_string = 10 };
	assert_int_equal(parse_err("[\"0123456789a\"]", 15, &lim, msg, sizeof msg), 1);
	assert_non_null(strstr(msg, "limit"));
	assert_int_equal(parse_err("[\"012345678\\n9a\"]", 17, &lim, NULL, 0), 1);
}

static void test_json_next(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	const char *s = "{\"a\":1}\n{\"a\":2}\n  \n";
	size_t pos = 0, len = strlen(s);
	struct json *v;
	struct mm_err e;
	long long sum = 0, x;
	int r, count = 0;
	while ((r = json_parse_next(&a, s, len, &pos, NULL, &v, NULL, &e)) == 0) {
		assert_int_equal(json_int(v, "a", &x), 0);
		sum += x;
		count++;
	}
	assert_int_equal(r, 1);
	assert_int_equal(count, 2);
	assert_int_equal(sum, 3);
	arena_release(&a);
}

static void test_json_insitu(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	const char *src = "{\"plain\": \"abc\", \"esc\": \"x\\ty\\u00e9\", \"n\": [12, \"\"]}";
	char *buf = arena_strdup(&a, src);
	struct json *v;
	struct mm_err e;
	assert_int_equal(json_parse_insitu(&a, buf, strlen(src), NULL, &v, NULL, &e), 0);
	const char *plain = json_str(v, "plain");
	assert_string_equal(plain, "abc");
	/* the string lives inside the source buffer: no copy */
	assert_true(plain >= buf && plain < buf + strlen(src));
	assert_string_equal(json_str(v, "esc"), "x\ty\xc3\xa9");
	assert_int_equal(json_get(v, "esc")->n, 5);
	long long x;
	assert_int_equal(json_as_int(json_at(json_get(v, "n"), 0), &x), 0);
	assert_int_equal(x, 12);
	assert_string_equal(json_as_str(json_at(json_get(v, "n"), 1)), "");
	/* same result as the copying parser */
	struct json *w;
	assert_int_equal(json_parse(&a, src, strlen(src), NULL, &w, NULL, &e), 0);
	struct strbuf s1 = STRBUF_INIT, s2 = STRBUF_INIT;
	json_write(&s1, v);
	json_write(&s2, w);
	assert_string_equal(s1.buf, s2.buf);
	strbuf_release(&s1);
	strbuf_release(&s2);
	arena_release(&a);
}

/* ---- streaming reader: the same DOM, the same errors as json_parse ---- */

struct stream_run {
	int rc;		    /* 0, or the error */
	char msg[1024];	    /* error message */
	long long off;	    /* error offset */
	struct strbuf out;  /* the document rebuilt from the pieces */
	struct strbuf offs; /* offsets of the pieces */
};

/* Stream doc through windows of `step` more bytes at a time; with
 * stream_arrays, every array member (and a top-level array) is streamed. */
static void stream_doc(const char *doc, size_t len, size_t step, bool stream_arrays, bool pool,
		       const struct json_limits *lim, struct stream_run *run)
{
	struct arena a = ARENA_INIT;
	struct json_pool jp;
	json_pool_init(&jp, &a);
	struct json_scratch scr;
	json_scratch_init(&scr);
	struct json_stream s;
	json_stream_init(&s, lim);
	s.scratch = &scr;
	s.arena = &a;
	s.pool = pool ? &jp : NULL;
	s.stream = stream_arrays;
	memset(run, 0, sizeof(*run));
	strbuf_init(&run->out, 0);
	strbuf_init(&run->offs, 0);
	uint64_t base = 0;
	size_t wlen = step < len ? step : len;
	bool first_member = true, first_item = true;
	for (int guard = 0; guard < 1000000; guard++) {
		const struct json *v;
		struct mm_err e = { 0 };
		long long off = -1;
		s.buf = doc + base;
		s.len = wlen;
		s.base = base;
		s.final = base + wlen == len;
		json_scratch_rewind(&scr);
		int ev = json_stream_next(&s, &v, &off, &e);
		if (ev < 0) {
			run->rc = ev;
			run->off = off;
			snprintf(run->msg, sizeof(run->msg), "%s", e.msg);
			break;
		}
		switch (ev) {
		case JSON_EV_MORE: {
			assert_false(s.final);
			assert_true(s.keep >= base && s.keep <= base + wlen);
			size_t end = (size_t)(base + wlen) + step;
			base = s.keep;
			wlen = (end < len ? end : len) - (size_t)base;
			continue;
		}
		case JSON_EV_KEY:
			if (first_member)
				strbuf_addch(&run->out, '{');
			else
				strbuf_addch(&run->out, ',');
			first_member = false;
			strbuf_add_json_strn(&run->out, s.key, s.klen);
			strbuf_addch(&run->out, ':');
			s.stream = stream_arrays;
			break;
		case JSON_EV_VALUE:
			json_write(&run->out, v);
			strbuf_addf(&run->offs, "v%llu ", (unsigned long long)v->off);
			break;
		case JSON_EV_ARRAY:
			strbuf_addch(&run->out, '[');
			strbuf_addf(&run->offs, "a%llu ", (unsigned long long)s.arr_off);
			first_item = true;
			break;
		case JSON_EV_ITEM:
			if (!first_item)
				strbuf_addch(&run->out, ',');
			first_item = false;
			json_write(&run->out, v);
			strbuf_addf(&run->offs, "i%llu ", (unsigned long long)v->off);
			break;
		case JSON_EV_ARRAY_END:
			strbuf_addch(&run->out, ']');
			break;
		case JSON_EV_END:
			if (s.root_object)
				strbuf_addstr(&run->out, first_member ? "{}" : "}");
			goto done;
		default:
			fail_msg("unexpected event %d", ev);
		}
	}
done:
	json_stream_release(&s);
	json_scratch_release(&scr);
	json_pool_release(&jp);
	arena_release(&a);
}

/* What the stream must give: json_parse of the whole document. */
static void whole_doc(const char *doc, size_t len, bool stream_arrays,
		      const struct json_limits *lim, struct stream_run *run)
{
	struct arena a = ARENA_INIT;
	struct json *v = NULL;
	struct mm_err e = { 0 };
	long long off = -1;
	memset(run, 0, sizeof(*run));
	strbuf_init(&run->out, 0);
	strbuf_init(&run->offs, 0);
	run->rc = json_parse(&a, doc, len, lim, &v, &off, &e);
	if (run->rc) {
		run->off = off;
		snprintf(run->msg, sizeof(run->msg), "%s", e.msg);
		arena_release(&a);
		return;
	}
	json_write(&run->out, v);
	const struct json *arrs[1] = { v };
	if (v->type == JSON_OBJECT) {
		for (uint32_t i = 0; i < v->n; i++) {
			const struct json *c = &v->u.members[i].v;
			if (stream_arrays && c->type == JSON_ARRAY) {
				strbuf_addf(&run->offs, "a%llu ", (unsigned long long)c->off);
				for (uint32_t j = 0; j < c->n; j++)
					strbuf_addf(&run->offs, "i%llu ",
						    (unsigned long long)c->u.items[j].off);
			} else {
				strbuf_addf(&run->offs, "v%llu ", (unsigned long long)c->off);
			}
		}
	} else if (stream_arrays && v->type == JSON_ARRAY) {
		strbuf_addf(&run->offs, "a%llu ", (unsigned long long)arrs[0]->off);
		for (uint32_t j = 0; j < v->n; j++)
			strbuf_addf(&run->offs, "i%llu ", (unsigned long long)v->u.items[j].off);
	} else {
		strbuf_addf(&run->offs, "v%llu ", (unsigned long long)v->off);
	}
	arena_release(&a);
}

static void check_stream(const char *doc, size_t len, const struct json_limits *lim)
{
	static const size_t steps[] = { 1, 2, 3, 5, 8, 13, 64, 1 << 20 };
	for (int sa = 0; sa < 2; sa++) {
		struct stream_run want;
		whole_doc(doc, len, sa, lim, &want);
		for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			struct stream_run got;
			stream_doc(doc, len, steps[k], sa, (k & 1) != 0, lim, &got);
			/* on an error, what came before it is not compared */
			if (got.rc != want.rc || strcmp(got.msg, want.msg) || got.off != want.off ||
			    (!want.rc && (strcmp(got.out.buf, want.out.buf) ||
					  strcmp(got.offs.buf, want.offs.buf))))
				fail_msg(
				    "stream (step %zu, arrays %d) of '%.*s': got %d '%s' @%lld "
				    "'%s' [%s], want %d '%s' @%lld '%s' [%s]",
				    steps[k], sa, (int)len, doc, got.rc, got.msg, got.off,
				    got.out.buf, got.offs.buf, want.rc, want.msg, want.off,
				    want.out.buf, want.offs.buf);
			strbuf_release(&got.out);
			strbuf_release(&got.offs);
		}
		strbuf_release(&want.out);
		strbuf_release(&want.offs);
	}
}

static const char *const stream_docs[] = {
	("{\"Reservations\": [{\"Instances\": [{\"InstanceId\": \"i-1\", \"N\": 12}]}, {\"a\": "
	 "[1, 2.5e3, -0, true, false, null]}], \"NextToken\": \"x\", \"E\": []}"),
	"\xef\xbb\xbf {\"k\" : \"\\u00e9\\ud83d\\ude00\\ud800x\\\"\\\\\\/\\b\\f\\n\\r\\t\"}  \n",
	"[1, {\"a\": [2, 3]}, \"s\", [], {}, 123456789]",
	"  42  ",
	"\"just a string\"",
	"{}",
	"[]",
	"{\"a\": 1, \"b\": [], \"c\": {\"d\": [1, [2, [3]]]}, \"e\": [\"x\", \"y\"]}",
	"{\"a\": [1, 2,]}",
	"{\"a\": [1 2]}",
	"{\"a\" 1}",
	"{\"a\": 1,}",
	"{\"a\": 1",
	"{\"a\": [tru]}",
	"{\"a\": [\"x\\u12\"]}",
	"{\"a\": [\"x\\ud800\\u12\"]}",
	"{\"a\": [\"\\q\"]}",
	"{\"a\": [\"a\x01\"]}",
	"{\"a\": [01]}",
	"{\"a\": [1.]}",
	"{\"a\": [1e]}",
	"{\"a\": [-]}",
	"{} x",
	"{}   ",
	"",
	"   ",
	"\"abc",
	"{\"a\": [\"abc",
	"{\"a\": [{\"b\": \"c\"}, {\"b\": \"d\"",
	"[1, 2",
	"{1: 2}",
	"{\"a\": [1], \"a\": [2]}",
};

static void test_json_stream(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(stream_docs) / sizeof(stream_docs[0]); i++)
		check_stream(stream_docs[i], strlen(stream_docs[i]), NULL);
	/* limits: depth, string size, items, members */
	struct json_limits lims[] = {
		{ .max_depth = 1 },  { .max_depth = 2 }, { .max_depth = 3 },
		{ .max_string = 3 }, { .max_items = 1 }, { .max_items = 2 },
	};
	for (size_t l = 0; l < sizeof(lims) / sizeof(lims[0]); l++)
		for (size_t i = 0; i < sizeof(stream_docs) / sizeof(stream_docs[0]); i++)
			check_stream(stream_docs[i], strlen(stream_docs[i]), &lims[l]);
	/* single-byte mutations and truncations of a document */
	const char *src = stream_docs[0];
	size_t n = strlen(src);
	char *buf = malloc(n + 1);
	static const char alphabet[] = "{}[]\",:\\ u0e1-.tfnx\x01";
	uint32_t rnd = 12345;
	for (int k = 0; k < 400; k++) {
		memcpy(buf, src, n);
		rnd = rnd * 1103515245u + 12345u;
		size_t at = (rnd >> 8) % n;
		size_t len = n;
		if (k % 4 == 3)
			len = at; /* truncated */
		else
			buf[at] = alphabet[(rnd >> 20) % (sizeof(alphabet) - 1)];
		check_stream(buf, len, NULL);
	}
	free(buf);
}

static void test_json_pool(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	struct json_pool p;
	json_pool_init(&p, &a);
	const char *x = json_pool_intern(&p, "us-east-1", 9);
	assert_ptr_equal(json_pool_intern(&p, "us-east-1xyz", 9), x);
	assert_ptr_not_equal(json_pool_intern(&p, "us-east-2", 9), x);
	assert_string_equal(x, "us-east-1");
	/* many distinct strings: the index grows, identity holds */
	char k[32];
	const char *first = NULL;
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(k, sizeof(k), "key-%d", i);
		const char *c = json_pool_intern(&p, k, (size_t)n);
		assert_string_equal(c, k);
		if (!i)
			first = c;
	}
	assert_ptr_equal(json_pool_intern(&p, "key-0", 5), first);
	assert_ptr_equal(json_pool_intern(&p, "us-east-1", 9), x);
	/* copies keep embedded NULs and are packed */
	const char *d = json_pool_strndup(&p, "a\0b", 3);
	assert_memory_equal(d, "a\0b\0", 4);
	/* parsed through a pool: keys interned, equal values seen lately shared */
	struct json_scratch scr;
	json_scratch_init(&scr);
	struct json_stream s;
	json_stream_init(&s, NULL);
	const char *doc = "[{\"State\": \"running\"}, {\"State\": \"running\"}]";
	s.buf = doc;
	s.len = strlen(doc);
	s.final = true;
	s.stream = true;
	s.pool = &p;
	s.scratch = &scr;
	const struct json *v;
	struct mm_err e = { 0 };
	assert_int_equal(json_stream_next(&s, &v, NULL, &e), JSON_EV_ARRAY);
	assert_int_equal(json_stream_next(&s, &v, NULL, &e), JSON_EV_ITEM);
	const char *k1 = v->u.members[0].key, *v1 = json_str(v, "State");
	/* the next item reuses the scratch nodes; strings stay */
	json_scratch_rewind(&scr);
	assert_int_equal(json_stream_next(&s, &v, NULL, &e), JSON_EV_ITEM);
	assert_ptr_equal(v->u.members[0].key, k1);
	assert_ptr_equal(json_str(v, "State"), v1);
	assert_ptr_equal(k1, json_pool_intern(&p, "State", 5));
	assert_string_equal(v1, "running");
	assert_int_equal(json_stream_next(&s, &v, NULL, &e), JSON_EV_ARRAY_END);
	assert_int_equal(json_stream_next(&s, &v, NULL, &e), JSON_EV_END);
	json_stream_release(&s);
	json_scratch_release(&scr);
	json_pool_release(&p);
	/* strings outlive the index */
	assert_string_equal(x, "us-east-1");
	assert_string_equal(v1, "running");
	arena_release(&a);
}

static void test_cidr(void **st)
{
	(void)st;
	struct mm_cidr c;
	char buf[64];
	assert_int_equal(mm_cidr_parse("10.1.2.3/16", &c), 0);
	assert_int_equal(c.family, MM_AF_INET);
	assert_int_equal(c.prefix, 16);
	assert_string_equal(mm_addr_fmt(c.family, mm_cidr_first(&c), buf), "10.1.0.0");
	assert_string_equal(mm_addr_fmt(c.family, mm_cidr_last(&c), buf), "10.1.255.255");
	assert_int_equal(mm_cidr_parse("0.0.0.0/0", &c), 0);
	assert_true(mm_cidr_last(&c) == 0xffffffffu);
	assert_int_equal(mm_cidr_parse("::/0", &c), 0);
	assert_int_equal(c.family, MM_AF_INET6);
	assert_true(mm_cidr_last(&c) == ~(mm_u128)0);
	assert_int_equal(mm_cidr_parse("2001:db8::1/64", &c), 0);
	assert_string_equal(mm_addr_fmt(c.family, c.addr, buf), "2001:db8::");
	assert_int_equal(mm_cidr_parse("1.2.3.4", &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(mm_cidr_parse("1.2.3.4/33", &c), -1);
	assert_int_equal(mm_cidr_parse("1.2.3/8", &c), -1);
	assert_int_equal(mm_cidr_parse("1.2.3.4/", &c), -1);
	assert_int_equal(mm_cidr_parse("1.2.3.4/-1", &c), -1);
	assert_int_equal(mm_cidr_parse("garbage", &c), -1);
	assert_int_equal(mm_cidr_parse("", &c), -1);
}

/* brute-force check of ivset operations against a bitmap over 0..127 */
static void bitmap_of(const struct ivset *s, unsigned char *bm)
{
	memset(bm, 0, 128);
	for (size_t i = 0; i < s->nr; i++) {
		assert_true(s->v[i].lo <= s->v[i].hi);
		if (i)
			assert_true(s->v[i - 1].hi + 1 < s->v[i].lo); /* disjoint, non-adjacent */
		for (mm_u128 x = s->v[i].lo; x <= s->v[i].hi; x++)
			bm[x] = 1;
	}
}

static void test_ivset_random(void **st)
{
	(void)st;
	unsigned seed = 12345;
	for (int round = 0; round < 2000; round++) {
		struct ivset a = IVSET_INIT, b = IVSET_INIT, t = IVSET_INIT;
		unsigned char ba[128] = { 0 }, bb[128] = { 0 }, bt[128];
		for (int k = 0; k < 6; k++) {
			seed = seed * 1103515245 + 12345;
			unsigned lo = (seed >> 8) % 128, len = (seed >> 20) % 20;
			unsigned hi = lo + len > 127 ? 127 : lo + len;
			struct ivset *s = (k & 1) ? &b : &a;
			unsigned char *bm = (k & 1) ? bb : ba;
			ivset_add(s, lo, hi);
			for (unsigned x = lo; x <= hi; x++)
				bm[x] = 1;
		}
		bitmap_of(&a, bt);
		assert_memory_equal(bt, ba, 128);
		ivset_copy(&t, &a);
		ivset_union(&t, &b);
		bitmap_of(&t, bt);
		for (int x = 0; x < 128; x++)
			assert_int_equal(bt[x], ba[x] | bb[x]);
		ivset_copy(&t, &a);
		ivset_intersect(&t, &b);
		bitmap_of(&t, bt);
		for (int x = 0; x < 128; x++)
			assert_int_equal(bt[x], ba[x] & bb[x]);
		ivset_copy(&t, &a);
		ivset_subtract(&t, &b);
		bitmap_of(&t, bt);
		for (int x = 0; x < 128; x++)
			assert_int_equal(bt[x], ba[x] & !bb[x]);
		for (int x = 0; x < 128; x++)
			assert_int_equal(ivset_contains(&a, x), ba[x]);
		ivset_release(&a);
		ivset_release(&b);
		ivset_release(&t);
	}
}

static void test_special_ranges(void **st)
{
	(void)st;
	enum mm_family f;
	mm_u128 x;
	const struct ivset *inet4 = mm_internet_ranges(MM_AF_INET);
	const char *pub[] = { "8.8.8.8", "18.216.80.133", "1.0.0.1", "223.255.255.255" };
	const char *priv[] = { "10.0.0.1",  "172.16.5.4",      "192.168.1.1",
			       "127.0.0.1", "169.254.169.254", "100.64.0.1",
			       "224.0.0.1", "255.255.255.255", "0.1.2.3" };
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(mm_addr_parse(pub[i], &f, &x), 0);
		assert_true(ivset_contains(inet4, x));
	}
	for (size_t i = 0; i < 9; i++) {
		assert_int_equal(mm_addr_parse(priv[i], &f, &x), 0);
		assert_false(ivset_contains(inet4, x));
	}
	const struct ivset *inet6 = mm_internet_ranges(MM_AF_INET6);
	assert_int_equal(mm_addr_parse("2600:1f18::1", &f, &x), 0);
	assert_true(ivset_contains(inet6, x));
	assert_int_equal(mm_addr_parse("fd00:ec2::254", &f, &x), 0);
	assert_false(ivset_contains(inet6, x));
	assert_int_equal(mm_addr_parse("2001:db8::1", &f, &x), 0);
	assert_false(ivset_contains(inet6, x));
}

static void test_strbuf(void **st)
{
	(void)st;
	struct strbuf sb = STRBUF_INIT;
	assert_string_equal(sb.buf, "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	assert_int_equal(sb.buf[sb.len], '\0');
	assert_int_equal(strlen(sb.buf), sb.len);
	strbuf_reset(&sb);
	strbuf_add_json_str(&sb, "a\"b\\c\x01");
	assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\u0001\"");
	strbuf_release(&sb);
	struct strbuf capped = STRBUF_INIT;
	capped.max = 8;
	assert_int_equal(strbuf_addstr(&capped, "12345678"), 0);
	assert_int_equal(strbuf_addstr(&capped, "9"), -1);
	assert_int_equal(capped.len, 8);
	strbuf_release(&capped);
}

static void test_hmap(void **st)
{
	(void)st;
	struct hmap m = HMAP_INIT;
	char keys[5000][16];
	for (int i = 0; i < 5000; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		assert_null(hmap_put(&m, keys[i], (void *)(intptr_t)(i + 1)));
	}
	for (int i = 0; i < 5000; i++)
		assert_int_equal((intptr_t)hmap_get(&m, keys[i]), i + 1);
	assert_null(hmap_get(&m, "nope"));
	assert_int_equal((intptr_t)hmap_put(&m, keys[7], (void *)99), 8);
	assert_int_equal((intptr_t)hmap_get(&m, keys[7]), 99);
	assert_int_equal(m.nr, 5000);
	hmap_release(&m);
}

static void test_yaml(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	const char *y = "title: x\nlist: [a, 'b', 3, true, ~]\nmap:\n  k: &anc v\n  q: *anc\n"
			"---\n- one\n";
	struct json *docs;
	struct mm_err e;
	assert_int_equal(yaml_parse(&a, y, strlen(y), &docs, &e), 0);
	assert_int_equal(json_len(docs), 2);
	const struct json *d = json_at(docs, 0);
	assert_string_equal(json_str(d, "title"), "x");
	const struct json *l = json_get(d, "list");
	assert_int_equal(json_len(l), 5);
	assert_string_equal(json_as_str(json_at(l, 1)), "b");
	assert_int_equal(json_at(l, 2)->type, JSON_NUMBER);
	assert_int_equal(json_at(l, 3)->type, JSON_TRUE);
	assert_int_equal(json_at(l, 4)->type, JSON_NULL);
	assert_string_equal(json_str(json_get(d, "map"), "q"), "v");
	assert_string_equal(json_as_str(json_at(json_at(docs, 1), 0)), "one");
	const char *bad = "a: [1, 2\nb: c\n";
	assert_true(yaml_parse(&a, bad, strlen(bad), &docs, &e) < 0);
	assert_non_null(strstr(e.msg, "line"));
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_str_utf8),  cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_int_range), cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_errors),    cmocka_unit_test(test_json_limits),
		cmocka_unit_test(test_json_next),      cmocka_unit_test(test_json_insitu),
		cmocka_unit_test(test_json_stream),    cmocka_unit_test(test_json_pool),
		cmocka_unit_test(test_cidr),	       cmocka_unit_test(test_ivset_random),
		cmocka_unit_test(test_special_ranges), cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_hmap),	       cmocka_unit_test(test_yaml),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
