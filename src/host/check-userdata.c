/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User-data hygiene (seed 000: user-data and metadata files readable by root
 * only, mode 400): cloud-init files readable by group or other, and secrets
 * in the user-data, shown redacted.
 */
#include "host-int.h"

#include <string.h>

#include "base/banned.h"

void host_check_userdata(struct hctx *x)
{
	struct huserdata u;
	huserdata_load(&x->r, &u);
	if (!u.cloud_init) {
		host_emit(x, "host-userdata-readable", MM_ST_PASS, -1, NULL,
			  "no cloud-init data (/var/lib/cloud, /run/cloud-init) on this host");
		host_emit(x, "host-userdata-secret", MM_ST_PASS, -1, NULL,
			  "no cloud-init data (/var/lib/cloud, /run/cloud-init) on this host");
		huserdata_release(&u);
		return;
	}
	size_t loose = 0, secrets = 0;
	bool critical = false;
	for (size_t i = 0; i < u.nr; i++) {
		loose += u.v[i].loose;
		secrets += u.v[i].nsecrets;
		for (size_t k = 0; k < u.v[i].nsecrets; k++)
			if (strcmp(u.v[i].secrets[k].kind, "password") &&
			    strcmp(u.v[i].secrets[k].kind, "aws-access-key-id"))
				critical = true;
	}
	if (loose) {
		struct finding *f = host_emit(
		    x, "host-userdata-readable", MM_ST_FAIL, -1, NULL,
		    "%zu of %zu cloud-init user-data files can be read by users other than root",
		    loose, u.nr);
		for (size_t i = 0; i < u.nr; i++)
			if (u.v[i].loose)
				host_ev(x, f, u.v[i].path, "mode %04o, owner uid %ld%s",
					u.v[i].mode, u.v[i].uid,
					(u.v[i].mode & 0004)   ? ": readable by everyone"
					: (u.v[i].mode & 0040) ? ": readable by its group"
							       : ": owned by a non-root user");
	} else {
		struct finding *f =
		    host_emit(x, "host-userdata-readable", MM_ST_PASS, -1, NULL,
			      "all %zu cloud-init user-data files are readable by root only", u.nr);
		for (size_t i = 0; i < u.nr; i++)
			host_ev(x, f, u.v[i].path, "mode %04o", u.v[i].mode);
	}
	if (secrets) {
		struct finding *f = host_emit(
		    x, "host-userdata-secret", MM_ST_FAIL, critical ? MM_SEV_CRITICAL : -1, NULL,
		    "the user-data holds %zu secret%s (shown redacted)%s", secrets,
		    secrets == 1 ? "" : "s",
		    loose ? ", and non-root users can read the files that hold them" : "");
		for (size_t i = 0; i < u.nr; i++)
			for (size_t k = 0; k < u.v[i].nsecrets; k++)
				host_ev(x, f, u.v[i].secrets[k].src, "%s: %s",
					u.v[i].secrets[k].kind, u.v[i].secrets[k].redacted);
	} else {
		host_emit(x, "host-userdata-secret", MM_ST_PASS, -1, NULL,
			  "no AWS key, private key or password found in %zu user-data files", u.nr);
	}
	huserdata_release(&u);
}
