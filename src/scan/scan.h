/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Port scanner: which TCP (and, on request, UDP) ports of a host the user
 * names really answer. One engine (engine.c) keeps thousands of probes in
 * flight with epoll, times them out adaptively from the measured round-trip
 * time and retries only the probes that got no answer; the probe types are
 * modules (TCP connect(), UDP datagrams, raw TCP SYN) behind one table.
 *
 * States are nmap's: open (SYN-ACK, or a UDP reply), closed (RST, or for UDP
 * an ICMP port unreachable), filtered (no answer after every retry, or an
 * ICMP unreachable other than port-unreachable for UDP, any for TCP), and for
 * UDP open|filtered when nothing came back. A TCP connection the kernel made
 * to itself (ephemeral source port == target port on a local address) is not
 * an open port: the probe is repeated from another source port.
 *
 * Ownership: a struct scan_result owns its arrays and an arena holding
 * banners; scan_result_release() frees everything. Domain code: nothing here
 * prints, exits or reads options other than through struct scan_opts.
 */
#ifndef MM_SCAN_H
#define MM_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/ipset.h"
#include "base/strbuf.h"

enum scan_proto { SCAN_TCP = 0, SCAN_UDP = 1 };
const char *scan_proto_name(enum scan_proto p); /* "tcp", "udp" */

enum scan_state {
	SCAN_UNSCANNED = 0,
	SCAN_OPEN,
	SCAN_CLOSED,
	SCAN_FILTERED,
	SCAN_OPEN_FILTERED, /* UDP without any answer */
	SCAN_STATE_COUNT,
};
/* "open", "closed", "filtered", "open|filtered" (nmap's words) */
const char *scan_state_name(enum scan_state s);

/* Why a port got its state: nmap's --reason words. */
enum scan_reason {
	SCAN_R_NONE = 0,
	SCAN_R_SYN_ACK,		 /* TCP open */
	SCAN_R_CONN_REFUSED,	 /* connect(): RST */
	SCAN_R_RESET,		 /* raw SYN scan: RST */
	SCAN_R_NO_RESPONSE,	 /* every try timed out */
	SCAN_R_UDP_RESPONSE,	 /* a datagram came back */
	SCAN_R_PORT_UNREACH,	 /* ICMP type 3 code 3 / ICMPv6 1/4 */
	SCAN_R_HOST_UNREACH,	 /* ICMP 3/1, 3/3 (v6: 1/3) */
	SCAN_R_NET_UNREACH,	 /* ICMP 3/0 (v6: 1/0) */
	SCAN_R_PROTO_UNREACH,	 /* ICMP 3/2 */
	SCAN_R_ADMIN_PROHIBITED, /* ICMP 3/13 (v6: 1/1) */
	SCAN_R_HOST_PROHIBITED,	 /* ICMP 3/10 */
	SCAN_R_NET_PROHIBITED,	 /* ICMP 3/9 */
	SCAN_R_LOCAL_DENIED,	 /* this host's own firewall refused to send */
	SCAN_R_COUNT,
};
const char *scan_reason_name(enum scan_reason r);

/* ---- port sets: a bitmap of the 65,536 ports of one protocol ---- */

struct scan_portset {
	uint64_t bits[65536 / 64];
	unsigned count;
};

void scan_portset_clear(struct scan_portset *s);
void scan_portset_add(struct scan_portset *s, unsigned lo, unsigned hi);
static inline bool scan_portset_has(const struct scan_portset *s, unsigned port)
{
	return port < 65536 && (s->bits[port / 64] >> (port % 64)) & 1;
}
/* "22,80,1000-2000" (ranges merged), "" when empty. */
void scan_portset_format(const struct scan_portset *s, struct strbuf *out);

/*
 * Parse nmap's -p syntax: comma-separated ports and ranges ("22",
 * "1000-2000", "-100" = 1-100, "60000-" = 60000-65535, "-" = 1-65535),
 * with "T:" and "U:" switching the protocol of what follows until the next
 * prefix. Ports before any prefix go to `plain` (SCAN_TCP or SCAN_UDP). Port
 * 0 only when named explicitly, as nmap does. Both sets are cleared first.
 * Returns 0, or MM_EPARSE with the offending part and its offset in e.
 */
int scan_ports_parse(const char *spec, enum scan_proto plain, struct scan_portset *tcp,
		     struct scan_portset *udp, struct mm_err *e);

/* ---- targets ---- */

struct scan_target {
	const char *spec;      /* as given (borrowed) */
	enum mm_family family; /* MM_AF_INET or MM_AF_INET6 */
	mm_u128 first;	       /* first address of the block */
	uint64_t count;	       /* addresses in the block (1 for a host) */
	unsigned prefix;       /* 32 / 128 for a host */
	bool is_name;	       /* spec was a host name, resolved once */
	unsigned other;	       /* further addresses of the name, not scanned */
	char other_first[46];  /* the first of them, for the message */
};

/*
 * Parse TARGET: an IPv4 or IPv6 address (IPv6 optionally in brackets), a
 * CIDR block, or a host name resolved once with getaddrinfo() (family: 0 =
 * IPv4 if the name has one, else IPv6; MM_AF_INET / MM_AF_INET6 = only that
 * family). The first address is scanned; t->other counts the rest. No
 * reverse lookup. Returns 0, MM_EPARSE (bad syntax), MM_ENOTFOUND (name does
 * not resolve) or MM_ELIMIT (a block of more than 2^32 addresses).
 */
int scan_target_parse(const char *spec, enum mm_family family, struct scan_target *t,
		      struct mm_err *e);
/* Address i of the block (i < t->count). */
mm_u128 scan_target_addr(const struct scan_target *t, uint64_t i);
/* "a.b.c.d" or "x::y" for a host, "a.b.c.0/24" for a block; buf needs 50. */
const char *scan_target_fmt(const struct scan_target *t, char *buf);

/* ---- the engine ---- */

struct scan_opts {
	unsigned timeout_ms;	 /* longest wait for one probe, also the first; 0 = 1000 */
	unsigned min_timeout_ms; /* floor of the adaptive timeout; 0 = min(100, timeout) */
	int retries;		 /* extra tries for silent probes; < 0 = 1 */
	unsigned rate;		 /* probes started per second; 0 = unlimited */
	unsigned max_inflight;	 /* 0 = from RLIMIT_NOFILE (at most 16384) */
	bool syn;		 /* TCP by raw SYN instead of connect() (needs CAP_NET_RAW) */
	unsigned banner_ms;	 /* wait this long for a banner on open TCP ports; 0 = none */
	/*
	 * Progress (NULL: none): probes with a final state and the total, at
	 * the start, at most every 100 ms, and at the end (done == total),
	 * what = "scanning".
	 */
	void (*on_progress)(void *arg, uint64_t done, uint64_t total, const char *what);
	void *progress_arg;
};
#define SCAN_OPTS_INIT                                 \
	{                                              \
		1000, 0, 1, 0, 0, false, 0, NULL, NULL \
	}

struct scan_banner {
	uint64_t probe;	  /* index into the result arrays */
	const char *text; /* printable ASCII, control bytes as \xNN; in the arena */
	const char *hint; /* service guessed from it, or NULL */
};

struct scan_stats {
	uint64_t probes;	/* packets / connection attempts started */
	uint64_t retries;	/* of which repeats after a timeout */
	uint64_t self_connects; /* connections the kernel made to itself, repeated */
	uint64_t count[SCAN_STATE_COUNT];
	uint64_t elapsed_us;
	unsigned srtt_us;	/* smoothed RTT; 0 = no sample */
	unsigned timeout_ms;	/* adaptive timeout at the end */
	unsigned max_inflight;	/* the limit used */
	unsigned peak_inflight; /* the most in flight at once */
	const char *method;	/* "connect" or "syn" (static) */
};

/*
 * Results, one per probe: probe index = host * nports + i, where ports[i]
 * with i < ntcp are TCP ports and the rest UDP, each list ascending.
 */
struct scan_result {
	const struct scan_target *target;
	uint16_t *ports;
	size_t nports, ntcp;
	uint64_t nhosts;
	uint8_t *state;	 /* enum scan_state */
	uint8_t *reason; /* enum scan_reason */
	struct scan_banner *banners;
	size_t nbanners, abanners;
	struct scan_stats st;
	struct arena arena;
};

static inline enum scan_proto scan_result_proto(const struct scan_result *r, uint64_t probe)
{
	return probe % r->nports < r->ntcp ? SCAN_TCP : SCAN_UDP;
}
static inline unsigned scan_result_port(const struct scan_result *r, uint64_t probe)
{
	return r->ports[probe % r->nports];
}
/* The banner of a probe, or NULL. */
const struct scan_banner *scan_result_banner(const struct scan_result *r, uint64_t probe);

/* Upper bound on hosts x ports in one run (memory: 2 bytes a probe). */
#define SCAN_MAX_PROBES (1ull << 26)

/*
 * Scan every address of t on the given ports. Returns 0 (r filled; every
 * probe has a state), MM_EUSAGE (nothing to scan, too many probes, SYN scan
 * without privilege: e says which) or MM_EIO (epoll or socket set-up failed).
 */
int scan_run(const struct scan_target *t, const struct scan_portset *tcp,
	     const struct scan_portset *udp, const struct scan_opts *o, struct scan_result *r,
	     struct mm_err *e);
void scan_result_release(struct scan_result *r);

/* Service name for a well-known port ("ssh", "http", ...), or NULL. */
const char *scan_service_name(enum scan_proto p, unsigned port);
/* Service guessed from the first bytes a server sent, or NULL. */
const char *scan_service_from_banner(const unsigned char *buf, size_t len);

#endif
