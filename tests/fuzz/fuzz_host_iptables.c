/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the iptables-save and nft ruleset readers and their
 * evaluator (src/host/firewall.c). Properties besides "no crash, no leak,
 * no hang" (jump loops are cut at depth 32): the evaluation of the metadata
 * question always ends in one of the three verdicts and is deterministic.
 */
#include <string.h>

#include "fuzz.h"
#include "host/host-int.h"
#include "base/banned.h"

static void check(struct fw_ruleset *rs)
{
	static const long uids[] = { 0, 33, 1000 };
	for (size_t i = 0; i < 3; i++) {
		struct fw_result r1, r2;
		fw_eval_output(rs, MM_AF_INET, (mm_u128)0xa9fea9feu, uids[i], uids[i], &r1);
		fw_eval_output(rs, MM_AF_INET, (mm_u128)0xa9fea9feu, uids[i], uids[i], &r2);
		FUZZ_CHECK(r1.v == FW_ACCEPT || r1.v == FW_DROP || r1.v == FW_UNKNOWN);
		FUZZ_CHECK(r1.v == r2.v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct mm_diags d = { 0 };
	arena_init(&a);
	struct fw_ruleset *rs = fw_parse_iptables(&a, &d, "fuzz", (const char *)data, size);
	check(rs);
	fw_ruleset_free(rs);
	rs = fw_parse_nft(&a, &d, "fuzz", (const char *)data, size);
	check(rs);
	fw_ruleset_free(rs);
	arena_release(&a);
	mm_diags_release(&d);
	return 0;
}
