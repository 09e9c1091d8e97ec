/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reachability engine: for every network interface of every running instance,
 * the exact set of (protocol, destination ports, source addresses) that can
 * open a connection from each origin (the internet, each peered VPC, each
 * internet-facing load balancer listener), with the path that admits it, or
 * the first component that blocks it, or "unknown" when an input is missing.
 * DESIGN.md "Reachability, exactly" and docs/reach.md give the semantics.
 *
 * Ownership: a struct reach_ctx borrows the model (which must outlive it and
 * must not change) and owns an arena; every string, hop and interval array in
 * a struct reach_result filled by reach_eval() lives in that arena, so a
 * result must be released before its context is freed. Result vectors are
 * malloc'd and freed by reach_result_release().
 *
 * Determinism: results are sorted (resource, eni, family, origin, gateway,
 * entry, protocol, first port), and every interval set is canonical, so the
 * same snapshot always gives byte-identical output.
 */
#ifndef MM_REACH_H
#define MM_REACH_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/model.h"
#include "base/err.h"
#include "base/ipset.h"

enum reach_origin {
	REACH_FROM_INTERNET = 1 << 0,
	REACH_FROM_PEERING = 1 << 1,
	REACH_FROM_ALL = REACH_FROM_INTERNET | REACH_FROM_PEERING,
};
const char *reach_origin_name(enum reach_origin o); /* "internet" / "peering" */

/* Protocol of an exposure: an IP protocol number, MM_PROTO_ALL (every
 * protocol and port), or REACH_PROTO_OTHER (every protocol not reported on its
 * own for the same interface and origin; rare, see docs/reach.md). */
#define REACH_PROTO_OTHER (-3)
/* "tcp", "udp", "icmp", "icmpv6", "all", "other" or the decimal number. */
const char *reach_proto_name(int proto);

/* One step of a path: which component, what rule or route admitted the
 * traffic (or denied it), and where that rule is in the input. */
struct reach_hop {
	const char *component; /* igw-…, rtb-…, acl-…, sg-…, eni-…, pcx-…, LB ARN */
	const char *type;      /* "internet-gateway", "route-table", "network-acl", ... */
	const char *rule;      /* "0.0.0.0/0 -> igw-…", "100", "tcp 22 from 0.0.0.0/0"; NULL */
	const char *action;    /* "admit", "deny", "forward" */
	const char *detail;    /* one human sentence, lowercase */
	const char *evidence;  /* "file#/json/pointer" or NULL */
};

struct reach_exposure {
	const char *resource; /* i-… */
	const char *eni;      /* eni-… */
	const char *address;  /* the address the origin connects to */
	enum mm_family family;
	enum reach_origin origin;
	const char *gateway;	   /* igw-… or pcx-… */
	const char *entry_id;	   /* load balancer ARN/name, or NULL for direct */
	int entry_port;		   /* listener port when entry_id is set */
	int proto;		   /* see REACH_PROTO_OTHER */
	const struct mm_iv *ports; /* inclusive; ICMP: (type << 8 | code) */
	size_t nports;
	const struct mm_iv *src; /* source addresses, canonical intervals */
	size_t nsrc;
	const struct reach_hop *fwd, *ret;
	size_t nfwd, nret;
	const char *const *notes;
	size_t nnotes;
};

struct reach_block {
	const char *resource, *eni; /* eni NULL for load balancers */
	const char *entry_id;	    /* load balancer when the block is on its path */
	int entry_port;
	enum reach_origin origin;
	enum mm_family family; /* MM_AF_NONE when not family-specific */
	const char *code;      /* NO_PUBLIC_ADDRESS, SG_NO_MATCHING_RULE, ... */
	const char *component;
	const char *detail;
	const char *evidence;	      /* of the blocking rule or component, may be NULL */
	const struct reach_hop *path; /* hops passed before the block, then the block */
	size_t npath;
};

struct reach_unknown {
	const char *resource, *eni;
	enum reach_origin origin;
	enum mm_family family;
	const char *component; /* what could not be evaluated */
	const char *reason;
};

struct reach_result {
	struct reach_exposure *exp;
	size_t nexp, aexp;
	struct reach_block *blk;
	size_t nblk, ablk;
	struct reach_unknown *unk;
	size_t nunk, aunk;
	size_t instances, enis; /* evaluated */
	size_t memo_hits, memo_misses;
};

struct reach_opts {
	unsigned origins;	/* REACH_FROM_*; 0 = all */
	const char *instance;	/* only this instance, or NULL */
	int proto;		/* with port: MM_PROTO_TCP/UDP/...; MM_PROTO_BAD = tcp and udp */
	int port;		/* -1 = every port; else only this port (ICMP: type) */
	bool no_load_balancers; /* skip load-balancer entries */
	/* one block per (interface, origin, family) where that family has no
	 * exposure and nothing unknown (what `mamori reach` reports); false
	 * keeps the older summary: one block per (interface, origin), the
	 * family that got furthest, only when no family is exposed */
	bool family_blocks;
};
#define REACH_OPTS_INIT                                 \
	{                                               \
		0, NULL, MM_PROTO_BAD, -1, false, false \
	}

struct reach_ctx;

/* The model must be indexed and must outlive the context. */
struct reach_ctx *reach_new(struct mm_model *m);
void reach_free(struct reach_ctx *c);

/* Evaluate and append to res (sorted). Returns 0, or MM_ENOTFOUND when
 * o->instance names no instance in the model (e says which). */
int reach_eval(struct reach_ctx *c, const struct reach_opts *o, struct reach_result *res,
	       struct mm_err *e);
void reach_result_release(struct reach_result *res);

/*
 * For exposure-aware posture checks: can the internet (directly or through an
 * internet-facing load balancer) open (proto, port) on this instance over
 * address family fam (MM_AF_NONE: over either)?
 * state: 1 reachable (via = igw-… or the LB), 0 not reachable (code,
 * component and detail name the first blocking component of that family),
 * -1 unknown (detail says which input is missing). family is the family
 * judged: that of the exposure or block reported, MM_AF_NONE when the answer
 * is not family-specific. Strings live in the context arena.
 */
struct reach_verdict {
	int state;
	const char *code, *component, *detail, *via;
	enum mm_family family;
};
int reach_port_verdict_family(struct reach_ctx *c, const char *instance_id, enum mm_family fam,
			      int proto, int port, struct reach_verdict *v, struct mm_err *e);
/* reach_port_verdict_family() over either family: reachable when either
 * is; otherwise the first unknown, else the first block (IPv4 before IPv6). */
int reach_port_verdict(struct reach_ctx *c, const char *instance_id, int proto, int port,
		       struct reach_verdict *v, struct mm_err *e);

/* Results are sorted by resource: the smallest resource among the exposures,
 * blocks and unknowns from indexes ie, ib, iu on (NULL when all are done),
 * for renderers walking the three lists together, one resource at a time. */
const char *reach_next_resource(const struct reach_result *r, size_t ie, size_t ib, size_t iu);

/* Interval helpers shared with the renderers. */
/* Minimal CIDR cover of [lo, hi]: calls fn for each "a.b.c.d/n" in order
 * until fn returns non-zero. Returns that value, or 0. */
int reach_range_cidrs(enum mm_family fam, mm_u128 lo, mm_u128 hi,
		      int (*fn)(const char *cidr, void *arg), void *arg);

#endif
