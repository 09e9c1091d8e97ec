/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori host: audit the instance itself (sshd, listening sockets, metadata
 * service protection, cloud-init user-data, vulnerable packages) from a root
 * directory, "/" for the live host or a copy/fake for tests, and produce the
 * same struct finding every other command produces (docs/host.md).
 *
 * Every file is read through the root (symlinks resolved inside it, as a
 * chroot would); facts that need a command or the kernel (sshd -T, firewall
 * rules, routes, uname -r) come from the live system only when the root is
 * "/", else from documented files under ROOT/.mamori/.
 *
 * Ownership: a host_catalog owns an arena with its rules; host_run() appends
 * findings (strings in out->arena) and diagnostics (owned by the diags).
 */
#ifndef MM_HOST_H
#define MM_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/finding.h"
#include "posture/posture.h"

/* Host rules use the posture rule record (group "host", resource "host"). */
struct host_catalog {
	struct posture_catalog c;
};

int host_catalog_load(struct host_catalog *hc, struct mm_err *e);
void host_catalog_release(struct host_catalog *hc);

struct host_opts {
	const char *root; /* "/" for the live host */
	bool passed;	  /* also emit MM_ST_PASS findings */
	bool all;	  /* every package advisory, not only critical/high with a fix */
	/* live IMDS probe; never done unless set */
	bool imds_probe;
	const char *imds_endpoint; /* "http://169.254.169.254" when NULL */
	int imds_timeout_ms;	   /* 0: 2000 */
	/* --advisories PATH (file or directory), repeatable */
	const char *const *advisories;
	size_t nadvisories;
	/* programs used on the live host only; NULL: the default path */
	const char *sshd_path;
	/* checks to run: bit set of HOST_CHECK_* (0: all) */
	unsigned checks;
};

enum {
	HOST_CHECK_SSHD = 1u << 0,
	HOST_CHECK_SOCKETS = 1u << 1,
	HOST_CHECK_IMDS = 1u << 2,
	HOST_CHECK_USERDATA = 1u << 3,
	HOST_CHECK_PACKAGES = 1u << 4,
};

/* What the run looked at, for the report summary. */
struct host_stats {
	const char *hostname; /* arena */
	size_t files_read, files_missing, files_failed, records_skipped;
	size_t users, sockets, packages, advisories;
	size_t vulns_hidden; /* advisories matched but below the default view */
	const char *distro;  /* "debian 12", arena, may be NULL */
};

/*
 * Run the checks. Findings are appended to out; problems with single inputs
 * (a malformed file, a command that failed) go to diags and the run goes on.
 * Returns 0, or a negative MM_E* code when the root itself is unusable.
 */
int host_run(const struct host_opts *o, const struct host_catalog *cat, struct findings *out,
	     struct mm_diags *diags, struct host_stats *st, struct mm_err *e);

#endif
