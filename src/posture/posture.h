/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Posture rules: the rule catalog (data in rules/posture/ *.yaml, embedded in
 * the binary) and the checks that evaluate it over a loaded model, producing
 * findings with evidence pointers back into the snapshot.
 *
 * Ownership: a catalog owns an arena with every string of every rule.
 * posture_run() appends findings to `out`; their strings live in out->arena.
 */
#ifndef MM_POSTURE_H
#define MM_POSTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/model.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/finding.h"
#include "reach/reach.h"

struct posture_rule {
	const char *id; /* stable, e.g. "ec2-sg-admin-port-world" */
	const char *title;
	enum mm_sev sev;   /* default severity */
	const char *group; /* "network", "instance", "data", "account" */
	const char *resource_type;
	const char *description; /* why it matters */
	const char *remediation; /* text */
	const char *cli;	 /* AWS CLI template with {placeholders}, may be NULL */
	const char **compliance; /* "CIS-AWS-3.0:5.2", "FSBP:EC2.13", "Prowler:<check>" */
	size_t ncompliance;
};

struct posture_catalog {
	struct arena arena;
	struct posture_rule *v;
	size_t nr;
};

/* Load the embedded catalog. */
int posture_catalog_load(struct posture_catalog *c, struct mm_err *e);
void posture_catalog_release(struct posture_catalog *c);
const struct posture_rule *posture_rule_find(const struct posture_catalog *c, const char *id);

struct posture_opts {
	/* ports allowed open to the world (default 80, 443 when ports == NULL;
	 * a non-NULL list with nports == 0 allows none) */
	const int *ports;
	size_t nports;
	bool passed; /* also emit MM_ST_PASS findings */

	/*
	 * Exposure hook (NULL = off), for the reachability engine: can the
	 * internet open (proto, ports, fam) on this interface? proto is an IP
	 * protocol number or MM_PROTO_ALL; ports are an interval set of port
	 * numbers. When set, a security group that opens ports to the world
	 * but whose every user answers MM_NO keeps its finding, lowered to low
	 * and marked latent. Groups used by something that is not an ENI
	 * record, or whose users are unknown, keep their severity.
	 */
	enum mm_tri (*reach)(void *arg, const struct mm_model *m, const struct mm_eni *eni,
			     int proto, const struct ivset *ports, enum mm_family fam);
	void *reach_arg;

	/*
	 * Exposure analysis (docs/rules.md, "Exposure"): run the reachability
	 * engine (src/reach) once, when a check first needs it, and
	 *  - use it as the hook above for the security-group rules (unless a
	 *    hook is set: an injected hook wins), naming in latent findings why
	 *    each user of the group cannot be reached;
	 *  - emit the per-instance ec2-instance-*-internet and
	 *    ec2-instance-admin-port-peering findings, which are not emitted at
	 *    all when this is false.
	 */
	bool exposure;
	/* Filled by posture_run() when not NULL (zeroed when exposure is off). */
	struct posture_exposure_stats *exposure_stats;
	/*
	 * When not NULL and the exposure analysis ran: its reachability engine
	 * and results (all origins, family_blocks) are handed over here instead
	 * of being freed, for a caller that shows them too (the HTML report).
	 * The caller releases them: reach_result_release(&res), reach_free(ctx).
	 * Left zeroed when the analysis did not run.
	 */
	struct posture_reach_out *reach_out;
};

struct posture_reach_out {
	struct reach_ctx *ctx;
	struct reach_result res;
};

struct posture_exposure_stats {
	bool computed;	   /* the engine ran (some check needed it) */
	size_t instances;  /* instances evaluated */
	size_t interfaces; /* network interfaces of running instances evaluated */
	size_t internet;   /* instances with some exposure to the internet */
	size_t unknown;	   /* resources whose internet reachability is partly unknown */
};

/* Evaluate every rule; append findings (fail/unknown, and pass if asked). */
int posture_run(struct mm_model *m, const struct posture_catalog *c, const struct posture_opts *o,
		struct findings *out, struct mm_err *e);

#endif
