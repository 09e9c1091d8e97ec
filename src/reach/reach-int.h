/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Folder-private declarations of the reachability engine.
 *
 * flow.c evaluates one "policy context" -- an address family, a set of
 * candidate sources, the return route table and gateway, the subnet's network
 * ACL and the interface's security groups -- into canonical boxes of
 * (protocol, destination ports, sources) with their evidence, or into the
 * first stage that blocks everything. Results are memoised in the context by
 * a key naming every input, so interfaces that share subnet policy and group
 * set cost one evaluation. reach.c walks instances, interfaces, origins and
 * load balancers and turns policy results into exposures.
 *
 * Every pointer in struct rz_out lives in the context arena.
 */
#ifndef MM_REACH_INT_H
#define MM_REACH_INT_H

#include "reach.h"

#include <stdint.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "base/strbuf.h"

/* Stages in path order; "furthest" block wins when choosing what to report. */
enum rz_stage {
	ST_RUNNING,
	ST_PEERING,
	ST_ADDRESS,
	ST_IGW,
	ST_ROUTE,
	ST_NACL_IN,
	ST_SG,
	ST_NACL_OUT,
	ST_TARGET,
	ST_DONE,
};

enum rz_route_mode {
	RZ_ROUTE_GW,   /* the return route for each source must be the gateway */
	RZ_ROUTE_NONE, /* no route check (load balancer to target: local) */
};

struct rz_in {
	enum mm_family fam;
	const struct ivset *origin; /* candidate sources */
	const char *origin_key;	    /* names the origin set in the memo key */
	const char *origin_desc;    /* "any internet address", "peer vpc-…" */

	enum rz_route_mode route_mode;
	const struct mm_rtb *rtb;
	const char *rtb_missing; /* why rtb is NULL */
	const char *rtb_how;	 /* how the table applies to the subnet */
	enum mm_target gw_kind;
	const char *gw_id;

	const struct mm_nacl *nacl;
	const char *nacl_missing;
	const char *nacl_how;

	bool no_sg; /* the hop has no security groups (NLB without groups) */
	const struct mm_sg *const *sgs;
	size_t nsgs;
	const char *sg_missing; /* a group of the interface is not in the snapshot */
	bool sg_refs;		/* group references admit member private IPs */
	/* members of groups in this VPC (or of groups not in the snapshot) cannot
	 * be resolved: why */
	const char *sgref_unknown;
	const char *sgref_vpc;
	/* references to these groups admit the whole origin set (LB groups) */
	const char *const *lb_groups;
	size_t nlb_groups;

	int proto, port; /* filter, as in struct reach_opts */
};

struct rz_box {
	int proto;
	struct mm_iv *ports;
	size_t nports;
	struct mm_iv *src;
	size_t nsrc;
	struct reach_hop *fwd; /* NACL inbound rules, security group rules */
	size_t nfwd;
	struct reach_hop *ret; /* NACL outbound rules, return routes */
	size_t nret;
};

struct rz_out {
	enum rz_stage stage; /* ST_DONE when some traffic passes */
	bool unknown;	     /* stage's input is missing: reason in detail */
	const char *code, *component, *detail, *evidence;
	struct reach_hop *path; /* hops passed, then the blocking hop */
	size_t npath;
	struct rz_box *boxes;
	size_t nboxes;
	const char **partial; /* reasons some sources or rules could not be resolved */
	size_t npartial;
	const char **notes;
	size_t nnotes;
};

/* A hash map from up to five machine words (pointers, numbers) to a
 * non-NULL value, for the per-stage memos that are looked up on every
 * evaluation: no key strings to build, hash or compare. */
struct rz_kslot {
	uint64_t k[5];
	void *val;
};
struct rz_kmap {
	struct rz_kslot *slots;
	size_t cap, nr;
};

struct reach_ctx {
	struct mm_model *m;
	struct arena a;
	struct hmap memo;	/* key -> struct rz_out */
	struct hmap members[2]; /* sg id -> struct ivset * (IPv4, IPv6 member addresses) */
	bool members_ready;
	struct ivset **owned; /* ivsets to free */
	size_t nowned, aowned;
	struct hmap vpc_has_eni; /* vpc id -> non-NULL when some ENI is in it */
	struct hmap peer_cache;	 /* "pcx/fam" -> struct rz_peer */
	struct hmap pcx_hops;	 /* "pcx/side" -> its two hops */
	struct hmap seg_ids;	 /* peer source set and description -> short id */
	/* vpc id -> struct rz_list of ... */
	struct hmap igws_of_vpc, pcxs_of_vpc, rtbs_of_vpc, subnets_of_vpc, nacls_of_vpc;
	struct hmap eips_of_eni, eips_of_instance, eni_of_ip;
	struct hmap elb_enis;	   /* "app/NAME/ID" or classic NAME -> struct rz_list of ENIs */
	struct hmap lbs_of_target; /* instance id or IP -> struct rz_list of load balancers */
	struct rz_peer **peers;
	size_t npeers, apeers;
	struct hmap route_memo;	  /* route-stage key -> struct rz_rstage */
	struct rz_kmap perm_memo; /* (rule, family, refs) -> shared source set (owned) */
	struct rz_kmap nacl_memo; /* (nacl, family) -> struct rz_nacl_fam */
	struct rz_nacl_fam **nacl_fams;
	size_t nnacl_fams, anacl_fams;
	struct rz_kmap fm_memo; /* (route stage, nacl, protocol, ports) -> struct rz_fm */
	struct rz_fm **fms;
	size_t nfm, afm;
	struct rz_rstage **rstages;
	size_t nrstages, arstages;
	/* hops built once per rule: (rule pointer, variant) -> struct reach_hop */
	uintptr_t *hop_keys;
	struct reach_hop **hop_vals;
	size_t hop_cap, hop_nr;
	/* input locations as "file#/pointer", built once per location */
	uintptr_t *loc_keys;
	const char **loc_vals;
	size_t loc_cap, loc_nr;
	size_t hits, misses;
	bool family_blocks; /* of the running reach_eval(): struct reach_opts */
};

struct rz_list {
	void **v;
	size_t nr, alloc;
};

const struct rz_out *rz_eval(struct reach_ctx *c, const struct rz_in *in);
void rz_flow_free(struct reach_ctx *c);

/* Shared helpers (flow.c). */
struct ivset *rz_owned_ivset(struct reach_ctx *c);
const char *rz_cidr_str(struct reach_ctx *c, const struct mm_cidr *cd);
const char *rz_set_desc(struct reach_ctx *c, enum mm_family fam, const struct ivset *s);
const char *rz_route_str(struct reach_ctx *c, const struct mm_route *r, const struct mm_cidr *dst);
struct mm_iv *rz_iv_dup(struct reach_ctx *c, const struct ivset *s, size_t *n);

/* Longest-prefix match of one address or a set against a route table, with
 * prefix-list destinations expanded. */
struct rz_route {
	const struct mm_route *r;
	struct mm_cidr dst;
	const struct mm_prefix_list *pl; /* set when expanded from a prefix list */
	struct ivset part;		 /* the addresses this route is the LPM for */
};
/* Returns 0, or -1 with *why set when a prefix list's entries are missing.
 * The routes' parts partition `space` minus *unrouted (may be NULL). */
int rz_lpm(struct reach_ctx *c, const struct mm_rtb *t, enum mm_family fam,
	   const struct ivset *space, struct rz_route **out, size_t *nout, struct ivset *unrouted,
	   const char **why);
void rz_routes_free(struct rz_route *v, size_t n);

/* ---- driver helpers (reach.c), shared with lb.c ---- */

const struct rz_list *rz_index(const struct hmap *h, const char *key);
/* mm_loc_str() of a location of the model, memoised (the model arena would
 * otherwise grow by one string per call). NULL when l names no file. */
const char *rz_loc(struct reach_ctx *c, const struct mm_loc *l);
/* Fill rtb/nacl (and their how/missing) for a subnet. r gives the scope. */
void rz_subnet_policy(struct reach_ctx *c, const struct mm_res *r, const char *subnet_id,
		      const char *vpc_id, struct rz_in *in);
const struct mm_sg **rz_groups(struct reach_ctx *c, const struct mm_res *r, const char *const *ids,
			       size_t n, size_t *nout, const char **missing);
const struct mm_igw *rz_vpc_igw(struct reach_ctx *c, const char *vpc_id,
				const struct mm_igw **detached, const char **att_state);
struct reach_hop rz_hop(const char *component, const char *type, const char *rule,
			const char *action, const char *detail, const char *evidence);
struct reach_hop *rz_hops_cat(struct reach_ctx *c, size_t *n, const struct reach_hop *a, size_t na,
			      const struct reach_hop *b, size_t nb, const struct reach_hop *d,
			      size_t nd);
const char *rz_iv_desc(struct reach_ctx *c, enum mm_family fam, const struct mm_iv *v, size_t n);

/* Outcome of one (interface or load balancer, origin): exposures pushed to
 * the result, unknowns pushed, and per address family the furthest block
 * kept for the end (slot 0 holds blocks that are not family-specific and
 * compete in every family). At the end each family with no exposure and
 * nothing unknown reports its block; a family-less block chosen by both
 * families is reported once. */
struct rz_agg_slot {
	bool have;
	enum rz_stage stage;
	size_t seq; /* arrival order: the first block at the furthest stage wins */
	struct reach_block blk;
};
struct rz_agg {
	size_t nexp0, nunk0;
	size_t seq;
	struct rz_agg_slot slot[3]; /* MM_AF_NONE, MM_AF_INET, MM_AF_INET6 */
};
void rz_agg_begin(struct rz_agg *g, struct reach_result *res);
void rz_agg_block(struct reach_ctx *c, struct rz_agg *g, enum rz_stage st,
		  const struct reach_block *b, const struct reach_hop *pre, size_t npre,
		  const struct reach_hop *path, size_t npath);
void rz_agg_unknown(struct reach_result *res, struct rz_agg *g, const struct reach_unknown *u);
void rz_agg_out(struct reach_ctx *c, struct reach_result *res, struct rz_agg *g,
		const char *resource, const char *eni, enum reach_origin org, enum mm_family fam,
		const struct rz_out *o, const struct reach_hop *pre, size_t npre);
void rz_agg_end(struct reach_ctx *c, struct reach_result *res, struct rz_agg *g);

/* How to turn a policy result's boxes into exposures. */
struct rz_expo {
	const char *resource, *eni, *address;
	enum mm_family fam;
	enum reach_origin origin;
	const char *gateway;
	const char *entry_id;
	int entry_port;
	const struct reach_hop *pre, *mid, *post; /* forward: pre, box, mid, post */
	size_t npre, nmid, npost;
	const struct reach_hop *rpre, *rpost; /* return: rpre, box, rpost */
	size_t nrpre, nrpost;
	const struct mm_iv *ports; /* override the box's ports when set */
	size_t nports;
	const struct mm_iv *src; /* override the box's sources when set */
	size_t nsrc;
	const char **notes;
	size_t nnotes;
};
void rz_push_exposures(struct reach_ctx *c, struct reach_result *res, struct rz_agg *g,
		       const struct rz_expo *x, const struct rz_out *o);

/* Load balancers (lb.c). */
void rz_eval_lbs(struct reach_ctx *c, const struct reach_opts *o, struct reach_result *res);

#endif
