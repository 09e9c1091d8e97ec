/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack paths: chains from the internet to data or to privilege through an
 * instance, built from the reachability engine (src/reach), the instance's
 * metadata-service settings and the IAM evaluation of its role (src/aws/iam).
 * Seed 003's alert is the model: an instance reachable from the internet
 * (directly or through an internet-facing load balancer) that still answers
 * IMDSv1, whose role can read S3. Each link alone is not critical; the chain
 * is. docs/paths.md gives the semantics.
 *
 * A path is reported whole when every link holds, and partial when some hold
 * and others are missing (then `missing` names each absent link: the "not
 * critical because" note). Links that are unknown (missing input) are named as
 * unknown, never as absent.
 *
 * Every path carries the ways to break it (`breaks`), each tied to the chain
 * link it removes, with a cost rank; the cheapest is flagged.
 *
 * Ownership: a struct paths_result owns an arena holding every string and
 * array of its paths; paths_result_release() frees it. The model and reach
 * context are only read and must outlive the call (not the result).
 */
#ifndef MM_PATHS_H
#define MM_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/model.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/finding.h"

struct reach_result;

/* What a path leads to. */
enum path_goal {
	PATH_GOAL_DATA,	     /* read S3 objects (s3:GetObject, s3:ListBucket) */
	PATH_GOAL_PRIVILEGE, /* admin (*:*), iam:PassRole, or other escalation */
	PATH_GOAL_CREDS,     /* container host: IMDSv1 + hop limit > 1 (pods get node creds) */
};
/* "data", "privilege", "credentials". */
const char *path_goal_name(enum path_goal g);

/*
 * One link of a chain. kind is one of:
 *   "internet"       the origin (id "0.0.0.0/0" or "::/0")
 *   "load-balancer"  an internet-facing LB the traffic enters (id: ARN or name)
 *   "network"        the admitted route IGW -> route table -> NACL -> SG (id: igw-…)
 *   "instance"       the instance (id i-…), detail says which ports are open
 *   "imds"           the metadata service answering IMDSv1 (id i-…)
 *   "role"           instance profile -> role (id: role name)
 *   "statement"      the policy statement granting the capability (id: policy
 *                    ARN or "inline:NAME", detail: Sid/index and actions)
 *   "data"           the S3 resources readable (id: ARN pattern)
 *   "privilege"      what the privilege allows (id: the action, e.g. iam:PassRole)
 * Evidence is "file#/json/pointer" locations with what each says.
 */
struct path_link {
	const char *kind;
	const char *id;
	const char *detail;
	struct mm_evidence *ev;
	size_t nev;
	bool present; /* false: this link does not hold (partial paths) */
	bool unknown; /* its state could not be decided (missing input) */
};

/* One way to break the chain. */
struct path_break {
	size_t link;	  /* index into chain of the link this removes */
	const char *what; /* "require IMDSv2 on i-0abc (http-tokens required)" */
	const char *cli;  /* AWS CLI command, may be NULL */
	int cost;	  /* rank: lower is cheaper (less likely to break the app) */
	bool cheapest;	  /* the recommended break (exactly one per path) */
};

struct attack_path {
	enum mm_sev sev;
	enum path_goal goal;
	bool complete;	      /* every link present */
	bool conditional;     /* the IAM grant holds only under a Condition */
	const char *resource; /* instance id */
	const char *account, *region;
	const char *title;  /* one line: "internet -> i-0abc (IMDSv1) -> role web -> s3 read" */
	const char *target; /* what is reached: "s3:GetObject on arn:aws:s3:::bucket/(any)" */
	struct path_link *chain;
	size_t nchain;
	struct path_break *breaks;
	size_t nbreaks;
	const char **missing; /* "not critical because" reasons, one per absent link */
	size_t nmissing;
};

struct paths_result {
	struct arena arena;
	struct attack_path *v;
	size_t nr, alloc;
	size_t instances;     /* instances considered */
	size_t unknown_roles; /* instances whose role could not be evaluated */
};

struct paths_opts {
	bool partial;	      /* also report partial chains (two links of three) */
	const char *instance; /* only this instance, or NULL */
};

void paths_result_init(struct paths_result *r);
void paths_result_release(struct paths_result *r);

/*
 * Find every attack path in the model. rr holds the reachability engine's
 * results over the same model for the internet origin (reach_eval() with
 * family_blocks; other origins are ignored), or NULL when reachability was
 * not computed: every reachability link is then unknown. Paths are sorted
 * worst first (severity, complete before partial, goal, account, region,
 * resource). Returns 0 or a negative MM_E*.
 */
int paths_find(struct mm_model *m, const struct reach_result *rr, const struct paths_opts *o,
	       struct paths_result *out, struct mm_err *e);

#endif
