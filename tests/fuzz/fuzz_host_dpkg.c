/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the dpkg status reader (src/host/packages.c) and, on
 * what it returns, the dpkg version comparison. Properties besides "no
 * crash, no leak": every package has a name, a version and a source; a
 * version compares equal to itself; comparison is antisymmetric.
 */
#include <string.h>

#include "fuzz.h"
#include "host/host-int.h"
#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct mm_diags d = { 0 };
	struct hpkgs p;
	arena_init(&a);
	memset(&p, 0, sizeof(p));
	int rc = dpkg_status_parse(&a, &d, "fuzz", (const char *)data, size, &p);
	FUZZ_CHECK(rc == 0 || rc == MM_EPARSE);
	for (size_t i = 0; i < p.nr; i++) {
		const struct hpkg *k = &p.v[i];
		FUZZ_CHECK(k->name && k->version && k->source && k->src_version);
		FUZZ_CHECK(dpkg_vercmp(k->version, k->version) == 0);
		if (i) {
			const char *x = p.v[i - 1].version, *y = k->version;
			FUZZ_CHECK(dpkg_vercmp(x, y) == -dpkg_vercmp(y, x));
		}
	}
	hpkgs_release(&p);
	arena_release(&a);
	mm_diags_release(&d);
	return 0;
}
