/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the Sigma loader and evaluator (src/trail/sigma.c): the
 * input is a rule file (YAML). Whatever it holds is compiled or refused
 * with a message, and what compiles is evaluated on two events (so the
 * matchers, wildcards, regexes, CIDRs, encodings and the condition tree run
 * on fuzzed patterns). Properties: no crash, no leak, no hang; every
 * refusal is counted and explained; the index never drops a matching rule
 * (an indexed rule set and a brute-force evaluation give the same hits).
 */
#include "fuzz_trail_rules.h"
#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_trail_rules("fuzz.yml", (const char *)data, size);
}
