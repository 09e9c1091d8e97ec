/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the Falco loader and evaluator (src/trail/falco.c): the
 * input is a Falco rules file (YAML), or, when it starts with '!', one
 * condition (the rest of the input) wrapped in a rule, so the condition
 * parser sees raw bytes. What compiles is evaluated on two events.
 * Properties: no crash, no leak, no hang (macro recursion included); every
 * refusal is counted and explained; the index never drops a matching rule
 * (an indexed rule set and a brute-force evaluation give the same hits).
 */
#include "fuzz_trail_rules.h"
#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && data[0] == '!') {
		/* one condition: a JSON rules list is also YAML */
		struct strbuf y = STRBUF_INIT;
		strbuf_addstr(&y, "[{\"macro\":\"m\",\"condition\":\"ct.name = RunInstances\"},"
				  "{\"list\":\"l\",\"items\":[\"a\",\"b\"]},"
				  "{\"rule\":\"F\",\"output\":\"%ct.name %json.value[/a] %x\","
				  "\"priority\":\"INFO\",\"condition\":");
		strbuf_add_json_strn(&y, (const char *)data + 1, size - 1);
		strbuf_addstr(&y, "}]");
		int r = fuzz_trail_rules("fuzz.yaml", y.buf, y.len);
		strbuf_release(&y);
		return r;
	}
	return fuzz_trail_rules("fuzz.yaml", (const char *)data, size);
}
