/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What should answer, against what did: the ports a scan found open compared
 * with the ports expected open — a list the user gives, or what the
 * reachability engine (src/reach/) computes from a snapshot for one instance
 * and the scan's origin. Three lists: open and expected; open but not
 * expected (the model or the data is incomplete: investigate); expected but
 * not open (the rule allows a port nothing answers on: candidate to remove).
 * A fourth holds expected UDP ports whose scan state is open|filtered, which
 * proves neither.
 *
 * The origin matters: a scan run from the instance itself passes none of its
 * security groups, one from inside the VPC no internet gateway. The expected
 * set is computed for the origin the user names (--from), and for an
 * internet origin a port allowed only from some internet sources is marked,
 * since the scanner may not be one of them.
 *
 * Ownership: a struct scan_expect owns its lists and an arena for strings;
 * when built from reach it keeps a borrowed reach context (for per-port
 * verdicts in scan_expect_diff), which must outlive it.
 */
#ifndef MM_SCAN_EXPECT_H
#define MM_SCAN_EXPECT_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/ipset.h"
#include "scan/scan.h"

struct reach_ctx;

enum scan_origin_kind { SCAN_FROM_INTERNET, SCAN_FROM_PEERING, SCAN_FROM_ADDRESS };

struct scan_origin {
	enum scan_origin_kind kind;
	enum mm_family family; /* SCAN_FROM_ADDRESS */
	mm_u128 addr;
	char name[64]; /* "internet", "peering", or the address */
};

/* "internet", "peering", or an IPv4/IPv6 address. */
int scan_origin_parse(const char *s, struct scan_origin *o, struct mm_err *e);

enum scan_expect_list {
	SCAN_X_OPEN_EXPECTED,
	SCAN_X_OPEN_UNEXPECTED,
	SCAN_X_EXPECTED_CLOSED,
	SCAN_X_UNDETERMINED,
	SCAN_X_COUNT,
};

struct scan_expect_item {
	enum scan_proto proto;
	unsigned port;
	enum scan_state state; /* observed */
	bool some_sources;     /* allowed from part of the internet only */
	const char *code;      /* open but not expected: reach's verdict (or NULL) */
	const char *detail;
};

struct scan_strlist {
	char **v;
	size_t nr, alloc;
};

struct scan_expect {
	const char *source;			/* "snapshot" or "list" */
	const char *instance;			/* or NULL */
	const char *origin;			/* or NULL */
	struct scan_portset tcp, udp;		/* expected open */
	struct scan_portset tcp_some, udp_some; /* of which from some sources only */
	struct scan_expect_item *v[SCAN_X_COUNT];
	size_t n[SCAN_X_COUNT], a[SCAN_X_COUNT];
	struct scan_strlist unknown; /* what reach could not decide, and why */
	struct scan_strlist notes;   /* caveats about the comparison */
	struct reach_ctx *rx;	     /* borrowed, for verdicts; may be NULL */
	struct scan_origin from;
	struct arena arena;
};

void scan_expect_init(struct scan_expect *x);
void scan_expect_release(struct scan_expect *x);

/* The well-known UDP ports (--udp without -p). */
void scan_expect_default_udp(struct scan_portset *udp);

/* Expected = the given lists. */
void scan_expect_from_ports(struct scan_expect *x, const struct scan_portset *tcp,
			    const struct scan_portset *udp);

/*
 * Expected = what reach says `from` can open directly (not through a load
 * balancer) on instance `instance` at address (fam, addr). Keeps rx for
 * scan_expect_diff. Returns 0, or MM_ENOTFOUND (no such instance) /
 * MM_EUSAGE (origin address of another family) with e set.
 */
int scan_expect_reach(struct reach_ctx *rx, const char *instance, const struct scan_origin *from,
		      enum mm_family fam, mm_u128 addr, struct scan_expect *x, struct mm_err *e);

/* Fill the lists from a one-host scan result. */
void scan_expect_diff(struct scan_expect *x, const struct scan_result *r);

#endif
