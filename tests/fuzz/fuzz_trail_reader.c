/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the CloudTrail reader (src/trail/reader.c and scan.c):
 * the input is a whole file (any shape, gzip or not) run through framing,
 * unwrapping and the built-in rules, once with the lazy scanner and once
 * with the strict json.c parser. Properties besides "no crash, no leak, no
 * hang":
 *   - every problem is reported with an offset inside the decompressed input;
 *   - the strict parser never accepts an event the lazy one rejects (lazy
 *     checks less only in members no rule reads);
 *   - taken as one record, the input gets the same verdict and the same
 *     member values from the lazy view (every member read) as from json.c.
 */
#include <string.h>

#include "fuzz.h"
#include "base/arena.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "trail/trail-int.h"
#include "base/banned.h"

struct run {
	struct trail_stats st;
	struct mm_diags d;
	size_t cands;
};

static void on_cand(void *cb, struct tr_cand *c)
{
	(void)c;
	((struct run *)cb)->cands++;
}

static void read_all(const struct trail_ruleset *rs, const struct trail_policy *p,
		     const uint8_t *data, size_t size, enum trail_parser parser, struct run *out)
{
	struct tr_ctx ctx;
	struct arena scratch = ARENA_INIT, cands = ARENA_INIT;
	struct tr_reader r;
	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	tr_ctx_init(&ctx, rs, p);
	r.parser = parser;
	r.ctx = &ctx;
	r.scratch = &scratch;
	r.cand_arena = &cands;
	r.on_cand = on_cand;
	r.cb = out;
	r.st = &out->st;
	r.d = &out->d;
	tr_reader_buffer(&r, (const char *)data, size);
	tr_reader_close(&r);
	tr_ctx_release(&ctx);
	arena_release(&scratch);
	arena_release(&cands);
	for (size_t i = 0; i < out->d.nr; i++) {
		FUZZ_CHECK(out->d.v[i].msg[0] != '\0');
		FUZZ_CHECK(out->d.v[i].off < 0 || (uint64_t)out->d.v[i].off <= out->st.bytes);
	}
}

/* The input as one record: lazy view == json.c DOM. */
static void one_record(const uint8_t *data, size_t size)
{
	struct arena a = ARENA_INIT;
	char *b1 = arena_alloc(&a, size + TR_PAD + 1), *b2 = arena_alloc(&a, size + TR_PAD + 1);
	memcpy(b1, data, size);
	memcpy(b2, data, size);
	if (size >= 3 && !memcmp(b1, "\xef\xbb\xbf", 3)) {
		arena_release(&a);
		return;
	}
	struct json *dom = NULL;
	struct mm_err e;
	bool dom_ok =
	    json_parse_insitu(&a, b1, size, NULL, &dom, NULL, &e) == 0 && dom->type == JSON_OBJECT;
	struct tr_member *m = NULL;
	size_t nm = 0, am = 0, end = 0, err_at = 0;
	const char *why = "";
	size_t start = tr_skip_ws(b2, size, 0);
	int rs = tr_scan_object(b2, size, start, &a, &m, &nm, &am, &end, &err_at, &why);
	bool lazy_ok = rs == 0 && tr_skip_ws(b2, size, end) == size;
	if (rs < 0)
		FUZZ_CHECK(err_at <= size);
	struct tr_event ev = { .buf = b2 + start, .len = end - start, .m = m, .nm = nm, .a = &a };
	if (lazy_ok)
		lazy_ok = tr_event_parse_all(&ev) == 0;
	FUZZ_CHECK(dom_ok == lazy_ok);
	if (dom_ok) {
		FUZZ_CHECK(dom->n == nm);
		for (size_t i = 0; i < nm; i++) {
			struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
			FUZZ_CHECK(dom->u.members[i].klen == m[i].klen &&
				   !memcmp(dom->u.members[i].key, m[i].key, m[i].klen));
			json_write(&x, &dom->u.members[i].v);
			json_write(&y, m[i].v);
			FUZZ_CHECK(x.len == y.len && !memcmp(x.buf, y.buf, x.len));
			strbuf_release(&x);
			strbuf_release(&y);
		}
	}
	free(m);
	arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trail_ruleset rs;
	static struct trail_policy pol;
	static int loaded;
	if (!loaded) {
		struct mm_err e = { 0 };
		struct mm_diags d = { 0 };
		trail_ruleset_init(&rs);
		FUZZ_CHECK(trail_policy_default(&pol, &e) == 0);
		FUZZ_CHECK(trail_ruleset_add_builtin(&rs, &d, &e) == 0);
		trail_ruleset_finish(&rs, &pol);
		mm_diags_release(&d);
		loaded = 1;
	}
	struct run lazy, dom;
	read_all(&rs, &pol, data, size, TRAIL_PARSER_LAZY, &lazy);
	read_all(&rs, &pol, data, size, TRAIL_PARSER_DOM, &dom);
	FUZZ_CHECK(dom.st.events <= lazy.st.events);
	FUZZ_CHECK(dom.cands <= lazy.cands + lazy.st.records_skipped);
	mm_diags_release(&lazy.d);
	mm_diags_release(&dom.d);
	one_record(data, size);
	return 0;
}
