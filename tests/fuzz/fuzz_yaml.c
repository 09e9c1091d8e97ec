/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the YAML reader (src/base/yaml.c: libyaml events turned
 * into the struct json DOM), which reads rule files and user mutelists.
 * Properties checked besides "no crash, no leak":
 *   - an error is a negative code with a message;
 *   - a success is a JSON_ARRAY of documents whose json_write() output is
 *     valid JSON that writes back to the same bytes, i.e. every consumer can
 *     treat a YAML document exactly like a JSON one.
 * Aliases share nodes, so a small input can describe a huge tree ("billion
 * laughs"); the write check only runs when the expanded tree is small, and
 * the harness counts with a cap so that itself stays linear.
 */
#include <string.h>

#include "fuzz.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "base/yaml.h"
#include "base/banned.h"

#define EXPANDED_CAP 100000u

/* Nodes in the tree with aliases expanded, stopping once over the cap. */
static size_t expanded_nodes(const struct json *v, size_t budget)
{
	size_t n = 1;
	if (v->type == JSON_ARRAY) {
		for (uint32_t i = 0; i < v->n && n <= budget; i++)
			n += expanded_nodes(&v->u.items[i], budget - n);
	} else if (v->type == JSON_OBJECT) {
		for (uint32_t i = 0; i < v->n && n <= budget; i++)
			n += expanded_nodes(&v->u.members[i].v, budget - n);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct mm_err e = { 0 };
	struct json *docs = NULL;

	arena_init(&a);
	int r = yaml_parse(&a, (const char *)data, size, &docs, &e);
	if (r) {
		FUZZ_CHECK(r < 0);
		FUZZ_CHECK(e.msg[0] != '\0');
	} else {
		FUZZ_CHECK(docs != NULL && docs->type == JSON_ARRAY);
		if (expanded_nodes(docs, EXPANDED_CAP) <= EXPANDED_CAP) {
			struct strbuf out = STRBUF_INIT, again = STRBUF_INIT;
			struct arena b;
			struct mm_err e2 = { 0 };
			struct json *v = NULL;
			long long off = -1;
			arena_init(&b);
			json_write(&out, docs);
			int r2 = json_parse(&b, out.buf, out.len, NULL, &v, &off, &e2);
			if (r2)
				fprintf(stderr, "YAML DOM written as invalid JSON: %s\n", e2.msg);
			FUZZ_CHECK(r2 == 0);
			json_write(&again, v);
			FUZZ_CHECK(again.len == out.len && !memcmp(again.buf, out.buf, out.len));
			strbuf_release(&again);
			strbuf_release(&out);
			arena_release(&b);
		}
	}
	arena_release(&a);
	return 0;
}
