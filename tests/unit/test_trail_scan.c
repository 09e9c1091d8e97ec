/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential tests of the lazy record scanner (src/trail/scan.c) against
 * json.c, the parser it stands in for: on every record of the fixtures and
 * of ../shared, and on thousands of deterministic mutations of them, the
 * lazy view with every member read must equal the DOM of the whole record
 * (same keys in order, same values), and one must accept exactly what the
 * other accepts. Then whole files: the reader gives the same alerts with
 * either parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trail_test.h"
#include "base/json.h"

/* dotted paths of every object member of v, up to a depth (keys with dots left out) */
static void paths_of(const struct json *v, struct strbuf *prefix, char ***out, size_t *n,
		     size_t *alloc, int depth)
{
	if (!v || depth > 5)
		return;
	if (v->type == JSON_ARRAY) {
		/* a list field: its elements' fields, under the list's own path */
		for (uint32_t i = 0; i < v->n && i < 3; i++)
			paths_of(&v->u.items[i], prefix, out, n, alloc, depth + 1);
		return;
	}
	if (v->type != JSON_OBJECT)
		return;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json_member *m = &v->u.members[i];
		if (!m->klen || memchr(m->key, '.', m->klen) || memchr(m->key, 0, m->klen))
			continue;
		size_t l = prefix->len;
		if (l)
			strbuf_addch(prefix, '.');
		strbuf_add(prefix, m->key, m->klen);
		ALLOC_GROW(*out, *n + 1, *alloc);
		(*out)[(*n)++] = xstrdup(prefix->buf);
		paths_of(&m->v, prefix, out, n, alloc, depth + 1);
		prefix->len = l;
		prefix->buf[l] = '\0';
	}
}

static void vals_text(const struct tr_vals *v, struct strbuf *sb)
{
	for (size_t i = 0; i < v->n; i++) {
		json_write(sb, v->v[i]);
		strbuf_addch(sb, '|');
	}
}

/* Every field path gives the same values read lazily (nested objects scanned, not
 * parsed) as read from the parsed record. rec is valid JSON. */
static int compare_paths(const char *rec, size_t n, const struct json *dom, char *msg, size_t msgsz)
{
	char **paths = NULL;
	size_t np = 0, ap = 0;
	struct strbuf prefix = STRBUF_INIT;
	paths_of(dom, &prefix, &paths, &np, &ap, 0);
	strbuf_release(&prefix);
	int r = 0;
	for (size_t k = 0; k < np && !r; k++) {
		struct arena a = ARENA_INIT;
		struct tr_path p;
		tr_path_dotted(&a, paths[k], &p);
		struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
		for (int mode = 0; mode < 2; mode++) {
			char *b = arena_alloc(&a, n + TR_PAD + 1);
			memcpy(b, rec, n);
			struct tr_member *m = NULL;
			size_t nm = 0, am = 0, end = 0, err_at = 0;
			const char *why;
			size_t st = tr_skip_ws(b, n, 0);
			assert_int_equal(
			    tr_scan_object(b, n, st, &a, &m, &nm, &am, &end, &err_at, &why), 0);
			struct tr_event ev = {
				.buf = b + st, .len = end - st, .m = m, .nm = nm, .a = &a
			};
			if (mode == 1)
				tr_event_parse_all(&ev); /* the DOM path */
			struct tr_vals v;
			tr_path_collect(&ev, &p, &v);
			vals_text(&v, mode ? &y : &x);
			free(m);
		}
		if (strcmp(x.buf, y.buf)) {
			snprintf(msg, msgsz, "path %s: lazy %s, parsed %s", paths[k], x.buf, y.buf);
			r = 1;
		}
		strbuf_release(&x);
		strbuf_release(&y);
		arena_release(&a);
	}
	for (size_t k = 0; k < np; k++)
		free(paths[k]);
	free(paths);
	return r;
}

/* 0 same verdict and view; 1 differs (why in msg). */
static int compare(const char *rec, size_t n, char *msg, size_t msgsz)
{
	struct arena a = ARENA_INIT;
	char *b1 = arena_alloc(&a, n + TR_PAD + 1), *b2 = arena_alloc(&a, n + TR_PAD + 1);
	memcpy(b1, rec, n);
	memcpy(b2, rec, n);
	struct json *dom = NULL;
	struct mm_err e;
	int rd = json_parse_insitu(&a, b1, n, NULL, &dom, NULL, &e);
	bool dom_ok = rd == 0 && dom->type == JSON_OBJECT;

	struct tr_member *m = NULL;
	size_t nm = 0, am = 0, end = 0, err_at = 0;
	const char *why = "";
	size_t start = tr_skip_ws(b2, n, 0);
	if (start == n && n >= 3 && !memcmp(b2, "\xef\xbb\xbf", 3))
		start = tr_skip_ws(b2, n, 3);
	int rs = tr_scan_object(b2, n, start, &a, &m, &nm, &am, &end, &err_at, &why);
	bool lazy_ok = rs == 0 && tr_skip_ws(b2, n, end) == n;
	struct tr_event ev = { .buf = b2 + start, .len = end - start, .m = m, .nm = nm, .a = &a };
	if (lazy_ok)
		lazy_ok = tr_event_parse_all(&ev) == 0;
	int r = 0;
	/* a UTF-8 BOM is accepted by json.c, not in a record */
	if (n >= 3 && !memcmp(rec, "\xef\xbb\xbf", 3))
		goto out;
	if (dom_ok != lazy_ok) {
		snprintf(msg, msgsz, "dom %s, lazy %s (%s)", dom_ok ? "accepts" : "rejects",
			 lazy_ok ? "accepts" : "rejects", rs < 0 ? why : ev.perr_msg);
		r = 1;
		goto out;
	}
	if (!dom_ok)
		goto out;
	if (dom_ok && compare_paths(rec, n, dom, msg, msgsz)) {
		r = 1;
		goto out;
	}
	if (dom->n != nm) {
		snprintf(msg, msgsz, "%u members in the dom, %zu in the view", dom->n, nm);
		r = 1;
		goto out;
	}
	for (size_t i = 0; i < nm; i++) {
		const struct json_member *dm = &dom->u.members[i];
		if (dm->klen != m[i].klen || memcmp(dm->key, m[i].key, dm->klen)) {
			snprintf(msg, msgsz, "member %zu: key differs", i);
			r = 1;
			goto out;
		}
		struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
		json_write(&x, &dm->v);
		json_write(&y, m[i].v);
		if (x.len != y.len || memcmp(x.buf, y.buf, x.len)) {
			snprintf(msg, msgsz, "member '%s': %s vs %s", dm->key, x.buf, y.buf);
			r = 1;
		}
		strbuf_release(&x);
		strbuf_release(&y);
		if (r)
			goto out;
	}
out:
	free(m);
	arena_release(&a);
	return r;
}

static size_t ncompared, nmutants;

static void check(const char *rec, size_t n)
{
	char msg[2048];
	ncompared++;
	if (compare(rec, n, msg, sizeof(msg))) {
		fprintf(stderr, "record (%zu bytes): %.*s\n", n, (int)(n > 400 ? 400 : n), rec);
		fail_msg("lazy and dom differ: %s", msg);
	}
}

/* Deterministic mutations of one record: flips, cuts, insertions, swaps. */
static void mutate_all(const char *rec, size_t n, uint32_t seed)
{
	static const char ins[] = "\"\\{}[],:0-e. \x01\xc3\xff";
	char *b = xmalloc(n + 8);
	uint32_t s = seed;
	for (int k = 0; k < 60; k++) {
		s = s * 1103515245u + 12345u;
		size_t at = n ? (s >> 8) % n : 0;
		memcpy(b, rec, n);
		size_t len = n;
		switch ((s >> 4) % 4) {
		case 0: /* replace one byte */
			b[at] = ins[(s >> 16) % (sizeof(ins) - 1)];
			break;
		case 1: /* truncate */
			len = at;
			break;
		case 2: /* insert one byte */
			memmove(b + at + 1, b + at, n - at);
			b[at] = ins[(s >> 16) % (sizeof(ins) - 1)];
			len = n + 1;
			break;
		default: /* delete one byte */
			memmove(b + at, b + at + 1, n - at - 1);
			len = n - 1;
			break;
		}
		nmutants++;
		check(b, len);
	}
	free(b);
}

static void each_record(const char *buf, size_t len, bool mutate)
{
	/* a file is an array, {"Records":[...]}, or one object: walk its objects */
	struct arena a = ARENA_INIT;
	struct json *root = NULL;
	struct mm_err e;
	if (json_parse(&a, buf, len, NULL, &root, NULL, &e)) {
		arena_release(&a);
		return;
	}
	const struct json *arr = root->type == JSON_ARRAY ? root : json_get(root, "Records");
	size_t n = arr ? json_len(arr) : 1;
	for (size_t i = 0; i < n; i++) {
		const struct json *v = arr ? json_at(arr, i) : root;
		if (!v || v->type != JSON_OBJECT)
			continue;
		struct strbuf sb = STRBUF_INIT;
		json_write(&sb, v);
		check(sb.buf, sb.len);
		if (mutate)
			mutate_all(sb.buf, sb.len, (uint32_t)(i * 7919 + sb.len));
		strbuf_release(&sb);
		/* the pretty-printed source bytes too (whitespace everywhere) */
		if (arr && i + 1 < n) {
			size_t s = (size_t)v->off, e2 = (size_t)json_at(arr, i + 1)->off;
			while (e2 > s && buf[e2 - 1] != '}')
				e2--;
			check(buf + s, e2 - s);
		}
	}
	arena_release(&a);
}

static void test_handmade(void **state)
{
	(void)state;
	static const char *const recs[] = {
		"{}",
		"{ }",
		"{\"a\":1}",
		" {\"a\" : [1, 2, {\"b\": null}] , \"c\":\"x\\\"y\\\\\"}\n",
		"{\"\\u0065ventName\":\"x\"}",
		"{\"k\\n\":\"v\"}",
		"{\"caf\xc3\xa9\":1}",
		"{\"a\":\"\xff\"}",
		"{\"a\":[[[[[[[[[[]]]]]]]]]]}",
		"{\"a\":{\"b\":[}]}",
		"{\"a\":1,}",
		"{\"a\" 1}",
		"{\"a\":tru}",
		"{\"a\":01}",
		"{\"a\":-}",
		"{\"a\":1.5e}",
		"{\"a\":\"\\q\"}",
		"{\"a\":\"\\ud800\"}",
		"{\"a\":\"\x01\"}",
		"{\"a\":1}}",
		"{\"a\":\"}\",\"b\":\"{[\"}",
		"{\"a\":\"\\\\\",\"b\":2}",
		"[1]",
		"{\"a\":1",
		"{\"a\":[1,2}",
		"{\"a\":true,\"a\":false}",
		"{\"a\":null}",
		"{\"a\":nul}",
	};
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		check(recs[i], strlen(recs[i]));
	/* nesting at the limits */
	struct strbuf deep = STRBUF_INIT;
	for (int d = 250; d <= 260; d++) {
		strbuf_reset(&deep);
		strbuf_addstr(&deep, "{\"a\":");
		for (int k = 0; k < d; k++)
			strbuf_addch(&deep, '[');
		for (int k = 0; k < d; k++)
			strbuf_addch(&deep, ']');
		strbuf_addch(&deep, '}');
		check(deep.buf, deep.len);
	}
	strbuf_release(&deep);
}

static void test_fixture_records(void **state)
{
	(void)state;
	const char *fx = tt_fixtures();
	char path[8400];
	snprintf(path, sizeof(path), "%s/builtin-samples.json", fx);
	size_t len;
	char *buf = tt_read(path, &len);
	assert_non_null(buf);
	struct arena a = ARENA_INIT;
	struct json *cases = NULL;
	struct mm_err e;
	assert_int_equal(json_parse(&a, buf, len, NULL, &cases, NULL, &e), 0);
	for (size_t i = 0; i < json_len(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		json_write(&sb, json_get(json_at(cases, i), "event"));
		check(sb.buf, sb.len);
		mutate_all(sb.buf, sb.len, (uint32_t)i);
		strbuf_release(&sb);
	}
	arena_release(&a);
	free(buf);
	assert_true(nmutants > 3000);
}

static void test_shared_records(void **state)
{
	(void)state;
	const char *sh = tt_shared();
	if (!sh) {
		fprintf(stderr, "../shared not found (set MAMORI_SHARED): skipped\n");
		skip();
	}
	const char *sub[] = { "stratus-red-team-detonation-logs", "traildiscover-samples" };
	size_t before = ncompared;
	for (size_t k = 0; k < 2; k++) {
		char dir[8400];
		snprintf(dir, sizeof(dir), "%s/cloudtrail-datasets/%s", sh, sub[k]);
		DIR *dp = opendir(dir);
		assert_non_null(dp);
		struct dirent *de;
		size_t nfile = 0;
		while ((de = readdir(dp))) {
			if (de->d_name[0] == '.' || strstr(de->d_name, ".md"))
				continue;
			char path[8800];
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			size_t len;
			char *buf = tt_read(path, &len);
			if (!buf)
				continue;
			/* mutate a sample of the files: enough to cover every shape */
			each_record(buf, len, (nfile++ % 16) == 0);
			free(buf);
		}
		closedir(dp);
	}
	assert_true(ncompared - before > 600);
}

/* whole files: the same alerts with either parser */
static void test_parsers_agree(void **state)
{
	(void)state;
	const char *sh = tt_shared();
	if (!sh) {
		fprintf(stderr, "../shared not found (set MAMORI_SHARED): skipped\n");
		skip();
	}
	char ds[8400], sigma[8400];
	snprintf(ds, sizeof(ds), "%s/cloudtrail-datasets", sh);
	snprintf(sigma, sizeof(sigma), "%s/rulesets/sigma-cloudtrail", sh);
	const char *rp[] = { sigma };
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, true, rp, 1), 0);
	struct strbuf out[2] = { STRBUF_INIT, STRBUF_INIT };
	for (int p = 0; p < 2; p++) {
		struct mm_err e = { 0 };
		struct trail_stats st;
		struct mm_diags d = { 0 };
		memset(&st, 0, sizeof(st));
		struct trail_opts o = { .rules = &t.rs,
					.policy = &t.pol,
					.parser = p ? TRAIL_PARSER_DOM : TRAIL_PARSER_LAZY,
					.emit = tt_collect,
					.ctx = &out[p] };
		const char *paths[] = { ds };
		assert_int_equal(trail_run(paths, 1, &o, &st, &d, &e), 0);
		assert_int_equal(st.records_skipped, 0);
		mm_diags_release(&d);
	}
	assert_true(out[0].len > 1000);
	assert_string_equal(out[0].buf, out[1].buf);
	strbuf_release(&out[0]);
	strbuf_release(&out[1]);
	tt_env_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handmade),
		cmocka_unit_test(test_fixture_records),
		cmocka_unit_test(test_shared_records),
		cmocka_unit_test(test_parsers_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
