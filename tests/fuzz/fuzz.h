/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness interface. Each fuzz_<name>.c defines the libFuzzer entry
 * point for one parser of outside input; the same file is linked either into
 * a libFuzzer binary (clang, -Dfuzz=true) or into replay.c, which feeds it
 * every file of a seed corpus as an ordinary test. A harness must be
 * deterministic, free everything it allocates, and abort() on a broken
 * property so that the fuzzer and the replay test both see a crash.
 */
#ifndef MM_FUZZ_H
#define MM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken property: say which, then crash so the input is kept. */
#define FUZZ_CHECK(cond)                                                                         \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                          \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#endif
