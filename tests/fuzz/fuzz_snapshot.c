/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the snapshot loader (src/aws/load.c): one input is one
 * AWS CLI output file. It is loaded into a fresh model under a path that
 * carries an account and a region (so that inference runs too), indexed and
 * released. Properties: the loader returns 0 or a negative code with a
 * message, and a parse error is also recorded in m->diags (snapshot.h);
 * ASan/LSan in the fuzz and sanitizer builds catch memory errors and leaks.
 */
#include <string.h>

#include "fuzz.h"
#include "aws/model.h"
#include "aws/snapshot.h"
#include "base/err.h"
#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_model m;
	struct mm_err e = { 0 };
	struct snapshot_opts o;

	memset(&o, 0, sizeof(o));
	mm_model_init(&m);
	int r = snapshot_load_buffer(&m, "123456789012/us-east-1/fuzz-input.json",
				     (const char *)data, size, &o, &e);
	if (r) {
		FUZZ_CHECK(r < 0);
		FUZZ_CHECK(e.msg[0] != '\0');
		if (r == MM_EPARSE)
			FUZZ_CHECK(m.diags.nr_errors > 0);
	}
	mm_model_index(&m);
	mm_model_release(&m);
	return 0;
}
