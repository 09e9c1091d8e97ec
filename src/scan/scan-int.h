/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the scanner: the engine (engine.c) owns the schedule — which probe
 * starts when, in-flight slots, timeouts, retries, the RTT estimate, the
 * rate limit — and the probe modules (probe-sock.c: TCP connect() and UDP;
 * probe-syn.c: raw TCP SYN) only start a probe and read what came back,
 * reporting through engine_finish() / engine_retry(). A slot's fd, when it
 * has one, belongs to the module, which closes it in ->stop().
 *
 * Invariants: a slot is either free or in exactly one of the engine's two
 * waiting lists (probe answer, banner), ordered by start time; every probe
 * index is in flight at most once; a probe's state is written once.
 */
#ifndef MM_SCAN_INT_H
#define MM_SCAN_INT_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "scan/scan.h"

#define SLOT_NONE UINT32_MAX

struct slot {
	uint64_t probe;
	uint64_t start_ns;
	uint32_t gen; /* bumped on every reuse: stale epoll events are ignored */
	uint32_t prev, next;
	uint8_t list;	 /* 0 free, 1 waiting for an answer, 2 waiting for a banner */
	uint8_t watched; /* registered with epoll */
	uint8_t sub;	 /* module-private */
	int fd;		 /* -1 when none */
};

/* What a module's ->start() did with the probe. */
enum {
	PROBE_WAIT = 0, /* sent; an answer or the timeout will end it */
	PROBE_DONE = 1, /* ended at once (engine_finish or engine_retry was called) */
	PROBE_LATER = 2 /* a local resource ran out (fds, ports, buffers): try again later */
};

struct engine;

struct probe_ops {
	const char *name;
	int (*init)(struct engine *en, struct mm_err *e); /* may be NULL */
	void (*fini)(struct engine *en);		  /* may be NULL */
	int (*start)(struct engine *en, struct slot *s);
	void (*event)(struct engine *en, struct slot *s, uint32_t events);
	void (*stop)(struct engine *en, struct slot *s); /* release what start() took */
};

extern const struct probe_ops scan_probe_tcp_connect;
extern const struct probe_ops scan_probe_udp;
extern const struct probe_ops scan_probe_tcp_syn;

struct engine {
	const struct scan_target *t;
	const struct scan_opts *o;
	struct scan_result *r;
	int ep;
	uint64_t total; /* probes */
	uint64_t done;	/* probes with a final state, for progress */

	struct slot *slots;
	uint32_t nslots, free_head;
	uint32_t head[3], tail[3]; /* per list, oldest first */
	uint32_t inflight;
	double cwnd; /* in-flight limit, lowered when tries get lost */

	uint64_t next_fresh;
	uint64_t *retry;
	size_t retry_head, retry_len, retry_alloc;
	uint8_t *tries;
	uint8_t *selfconn;

	/* RTT (RFC 6298 smoothing) and the timeout derived from it */
	double srtt_ns, rttvar_ns;
	int have_rtt;
	uint64_t timeout_ns, min_timeout_ns, max_timeout_ns, banner_ns;

	/* rate limit: token bucket */
	double tokens;
	uint64_t refill_ns;

	int fatal; /* errno that ends the run, 0 if none */
	const char *fatal_what;

	/* raw SYN module state */
	void *raw;
};

uint64_t scan_now_ns(void);

/* The sockaddr of a probe. */
socklen_t engine_sockaddr(const struct engine *en, uint64_t probe, struct sockaddr_storage *ss);
/* Watch s->fd for `events` (epoll, tagged with the slot; ADD the first
 * time, MOD after). 0 or -errno. */
int engine_watch(struct engine *en, struct slot *s, uint32_t events);
/* Record a probe's final state; takes an RTT sample when `sample`. Frees the slot
 * (calls ->stop). */
void engine_finish(struct engine *en, struct slot *s, enum scan_state st, enum scan_reason why,
		   int sample);
/* Frees the slot and starts the probe again later without counting a try
 * (self-connect, local shortage after sending). */
void engine_requeue(struct engine *en, struct slot *s);
/* No answer (yet): as if the probe had timed out now. */
void engine_silent(struct engine *en, struct slot *s);
/* Free the slot of a probe whose state is already known (banner phase). */
void engine_end(struct engine *en, struct slot *s);
/* A local error that makes scanning impossible (no IPv6, no permission): the
 * run stops with it. */
void engine_fatal(struct engine *en, int err, const char *what);
/* An open TCP port: wait for a banner (when asked) or finish. */
void engine_open(struct engine *en, struct slot *s);
/* Store the first bytes an open port sent. */
void engine_banner(struct engine *en, uint64_t probe, const unsigned char *buf, size_t len);

/* ICMP type/code from an error queue, mapped to a reason; 0 when none. */
enum scan_reason scan_icmp_reason(enum mm_family f, int type, int code);

#endif
