/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the sshd_config reader (src/host/sshd.c): tokenising,
 * quotes, Match blocks, and the effective-value computation over them.
 * Properties besides "no crash, no leak, no hang":
 *   - every parsed line has a lowercase keyword and a block index that is
 *     -1 or a valid block;
 *   - evaluating the Match blocks for a few connections always yields
 *     well-formed values (flags 0/1, PermitRootLogin one of four), and the
 *     evaluation is deterministic.
 */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "host/host-int.h"
#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct mm_diags d = { 0 };
	struct sshd_config c;
	arena_init(&a);
	memset(&c, 0, sizeof(c));
	sshd_config_parse(NULL, &a, &d, "fuzz", (const char *)data, size, &c);
	for (size_t i = 0; i < c.nlines; i++) {
		FUZZ_CHECK(c.lines[i].block >= -1 && c.lines[i].block < (int)c.nblocks);
		for (const char *k = c.lines[i].key; *k; k++)
			FUZZ_CHECK(!isupper((unsigned char)*k));
	}
	static const char *const users[] = { "root", "alice" };
	static const char *const addrs[] = { "10.1.2.3", "8.8.8.8", "::1" };
	for (size_t u = 0; u < 2; u++)
		for (size_t k = 0; k < 3; k++) {
			struct sshd_conn cn = { .user = users[u], .addr = addrs[k], .maybe_on = 1 };
			struct sshd_eff x, y;
			sshd_effective(&c, &cn, &x);
			sshd_effective(&c, &cn, &y);
			FUZZ_CHECK(x.password.v == SSHD_YES || x.password.v == SSHD_NO);
			FUZZ_CHECK(x.permitroot.v >= ROOT_NO && x.permitroot.v <= ROOT_YES);
			FUZZ_CHECK(x.password.v == y.password.v &&
				   x.permitroot.v == y.permitroot.v &&
				   x.user_denied == y.user_denied);
			const char *why;
			(void)sshd_password_possible(&x, &why);
		}
	struct sshd_listen *ls;
	(void)sshd_listens(&c, &a, &ls);
	sshd_config_release(&c);
	arena_release(&a);
	mm_diags_release(&d);
	return 0;
}
