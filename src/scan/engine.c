/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scan schedule. Probes start in port order, as many at once as the
 * in-flight limit allows (bounded by RLIMIT_NOFILE, since each connect()
 * holds a descriptor), paced by an optional token bucket. Every answer is an
 * RTT sample; the timeout is srtt + 4 * rttvar (RFC 6298) between a floor and
 * the user's --timeout, and it applies to every probe still waiting, so the
 * first probes do not keep the initial timeout once answers are measured.
 * A probe that got no answer is started again up to --retries times; a
 * probe that answered is never repeated. An answer to a repeated probe
 * means an earlier try was lost on the way: the in-flight limit is halved
 * then and regrows by one per answer (additive increase, as TCP does).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "scan/scan-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define START_BATCH   512 /* probes started between two looks at the answers */
#define MAX_INFLIGHT  16384
#define LATER_GIVE_UP 300 /* x 10 ms with nothing in flight and no descriptor */

uint64_t scan_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const struct probe_ops *ops_of(const struct engine *en, uint64_t probe)
{
	if (scan_result_proto(en->r, probe) == SCAN_UDP)
		return &scan_probe_udp;
	return en->o->syn ? &scan_probe_tcp_syn : &scan_probe_tcp_connect;
}

/* ---- slots and their lists ---- */

static uint32_t slot_idx(const struct engine *en, const struct slot *s)
{
	return (uint32_t)(s - en->slots);
}

static void list_add(struct engine *en, struct slot *s, uint8_t list)
{
	uint32_t i = slot_idx(en, s);
	s->list = list;
	s->next = SLOT_NONE;
	s->prev = en->tail[list];
	if (en->tail[list] != SLOT_NONE)
		en->slots[en->tail[list]].next = i;
	else
		en->head[list] = i;
	en->tail[list] = i;
}

static void list_del(struct engine *en, struct slot *s)
{
	uint8_t l = s->list;
	if (s->prev != SLOT_NONE)
		en->slots[s->prev].next = s->next;
	else
		en->head[l] = s->next;
	if (s->next != SLOT_NONE)
		en->slots[s->next].prev = s->prev;
	else
		en->tail[l] = s->prev;
	s->prev = s->next = SLOT_NONE;
}

static struct slot *slot_get(struct engine *en, uint64_t probe)
{
	uint32_t i = en->head[0];
	if (i == SLOT_NONE)
		BUG("scan: no free slot");
	struct slot *s = &en->slots[i];
	list_del(en, s);
	s->probe = probe;
	s->gen++;
	s->fd = -1;
	s->watched = 0;
	s->sub = 0;
	s->start_ns = scan_now_ns();
	list_add(en, s, 1);
	en->inflight++;
	return s;
}

static void slot_put(struct engine *en, struct slot *s)
{
	ops_of(en, s->probe)->stop(en, s);
	list_del(en, s);
	s->gen++;
	list_add(en, s, 0);
	en->inflight--;
}

static void retry_push(struct engine *en, uint64_t probe)
{
	if (en->retry_head == en->retry_len) {
		en->retry_head = en->retry_len = 0;
	} else if (en->retry_head > 4096 && en->retry_head * 2 > en->retry_len) {
		memmove(en->retry, en->retry + en->retry_head,
			(en->retry_len - en->retry_head) * sizeof(*en->retry));
		en->retry_len -= en->retry_head;
		en->retry_head = 0;
	}
	ALLOC_GROW(en->retry, en->retry_len + 1, en->retry_alloc);
	en->retry[en->retry_len++] = probe;
}

/* ---- what the modules call ---- */

socklen_t engine_sockaddr(const struct engine *en, uint64_t probe, struct sockaddr_storage *ss)
{
	mm_u128 a = scan_target_addr(en->t, probe / en->r->nports);
	unsigned port = scan_result_port(en->r, probe);
	memset(ss, 0, sizeof(*ss));
	if (en->t->family == MM_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl((uint32_t)a);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	for (int i = 0; i < 16; i++)
		sin6->sin6_addr.s6_addr[i] = (unsigned char)(a >> (8 * (15 - i)));
	return sizeof(*sin6);
}

int engine_watch(struct engine *en, struct slot *s, uint32_t events)
{
	struct epoll_event ev = { 0 };
	ev.events = events;
	ev.data.u64 = ((uint64_t)s->gen << 32) | slot_idx(en, s);
	if (epoll_ctl(en->ep, s->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s->fd, &ev) < 0)
		return -errno;
	s->watched = 1;
	return 0;
}

void engine_end(struct engine *en, struct slot *s)
{
	slot_put(en, s);
}

void engine_fatal(struct engine *en, int err, const char *what)
{
	if (!en->fatal) {
		en->fatal = err ? err : EIO;
		en->fatal_what = what;
	}
}

static void rtt_sample(struct engine *en, uint64_t rtt)
{
	double r = (double)rtt;
	if (!en->have_rtt) {
		en->srtt_ns = r;
		en->rttvar_ns = r / 2;
		en->have_rtt = 1;
	} else {
		double d = en->srtt_ns - r;
		en->rttvar_ns = 0.75 * en->rttvar_ns + 0.25 * (d < 0 ? -d : d);
		en->srtt_ns = 0.875 * en->srtt_ns + 0.125 * r;
	}
	double to = en->srtt_ns + 4 * en->rttvar_ns;
	if (to < (double)en->min_timeout_ns)
		to = (double)en->min_timeout_ns;
	if (to > (double)en->max_timeout_ns)
		to = (double)en->max_timeout_ns;
	en->timeout_ns = (uint64_t)to;
}

void engine_finish(struct engine *en, struct slot *s, enum scan_state st, enum scan_reason why,
		   int sample)
{
	uint64_t p = s->probe;
	if (sample)
		rtt_sample(en, scan_now_ns() - s->start_ns);
	if (en->tries[p] > 1) {
		/* an earlier try of a port that answers was lost */
		en->cwnd /= 2;
		if (en->cwnd < 32)
			en->cwnd = 32;
	} else if (en->cwnd < en->nslots) {
		en->cwnd += 1;
	}
	if (!en->r->state[p]) {
		en->r->state[p] = (uint8_t)st;
		en->r->reason[p] = (uint8_t)why;
		en->done++;
	}
	slot_put(en, s);
}

void engine_requeue(struct engine *en, struct slot *s)
{
	uint64_t p = s->probe;
	en->tries[p]--;
	slot_put(en, s);
	retry_push(en, p);
}

void engine_open(struct engine *en, struct slot *s)
{
	uint64_t p = s->probe;
	rtt_sample(en, scan_now_ns() - s->start_ns);
	if (en->cwnd < en->nslots && en->tries[p] <= 1)
		en->cwnd += 1;
	if (!en->r->state[p])
		en->done++;
	en->r->state[p] = SCAN_OPEN;
	en->r->reason[p] = SCAN_R_SYN_ACK;
	if (!en->banner_ns || s->fd < 0) {
		slot_put(en, s);
		return;
	}
	if (engine_watch(en, s, EPOLLIN | EPOLLRDHUP) < 0) {
		slot_put(en, s);
		return;
	}
	list_del(en, s);
	s->start_ns = scan_now_ns();
	list_add(en, s, 2);
}

void engine_banner(struct engine *en, uint64_t probe, const unsigned char *buf, size_t len)
{
	struct scan_result *r = en->r;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < len && sb.len < 200; i++) {
		unsigned char c = buf[i];
		if (c == '\r' || c == '\n') {
			/* the first line is the banner; stop at its end */
			if (sb.len)
				break;
			continue;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			strbuf_addch(&sb, c);
		else
			strbuf_addf(&sb, "\\x%02x", c);
	}
	ALLOC_GROW(r->banners, r->nbanners + 1, r->abanners);
	struct scan_banner *b = &r->banners[r->nbanners++];
	b->probe = probe;
	b->text = arena_strndup(&r->arena, sb.buf, sb.len);
	b->hint = scan_service_from_banner(buf, len);
	strbuf_release(&sb);
}

/* ---- the loop ---- */

void engine_silent(struct engine *en, struct slot *s)
{
	uint64_t p = s->probe;
	slot_put(en, s);
	if (en->tries[p] <= (unsigned)en->o->retries) {
		retry_push(en, p);
	} else if (!en->r->state[p]) {
		en->r->state[p] =
		    scan_result_proto(en->r, p) == SCAN_UDP ? SCAN_OPEN_FILTERED : SCAN_FILTERED;
		en->r->reason[p] = SCAN_R_NO_RESPONSE;
		en->done++;
	}
}

static void expire(struct engine *en, uint64_t now)
{
	while (en->head[1] != SLOT_NONE) {
		struct slot *s = &en->slots[en->head[1]];
		if (now - s->start_ns < en->timeout_ns)
			break;
		engine_silent(en, s);
	}
	while (en->head[2] != SLOT_NONE) {
		struct slot *s = &en->slots[en->head[2]];
		if (now - s->start_ns < en->banner_ns)
			break;
		slot_put(en, s);
	}
}

static void refill(struct engine *en, uint64_t now)
{
	if (!en->o->rate)
		return;
	double burst = en->o->rate / 50.0; /* 20 ms worth */
	if (burst < 1)
		burst = 1;
	en->tokens += (double)(now - en->refill_ns) * en->o->rate / 1e9;
	if (en->tokens > burst)
		en->tokens = burst;
	en->refill_ns = now;
}

static int have_work(const struct engine *en)
{
	return en->retry_head < en->retry_len || en->next_fresh < en->total;
}

/* Start probes until the limit, the bucket or the batch runs out. Returns
 * the errno of a local shortage (0 when none). */
static int start_some(struct engine *en)
{
	unsigned started = 0;
	while (have_work(en) && started < START_BATCH && en->inflight < (uint32_t)en->cwnd &&
	       en->head[0] != SLOT_NONE) {
		if (en->o->rate && en->tokens < 1)
			break;
		uint64_t p;
		int from_retry = en->retry_head < en->retry_len;
		if (from_retry)
			p = en->retry[en->retry_head++];
		else
			p = en->next_fresh++;
		struct slot *s = slot_get(en, p);
		en->tries[p]++;
		int rc = ops_of(en, p)->start(en, s);
		if (rc == PROBE_LATER) {
			int err = errno ? errno : EAGAIN;
			en->tries[p]--;
			slot_put(en, s);
			retry_push(en, p);
			return err;
		}
		en->r->st.probes++;
		if (en->tries[p] > 1)
			en->r->st.retries++;
		if (en->o->rate)
			en->tokens -= 1;
		started++;
		if (en->inflight > en->r->st.peak_inflight)
			en->r->st.peak_inflight = en->inflight;
	}
	return 0;
}

static int wait_ms(const struct engine *en, uint64_t now, int starved)
{
	uint64_t w = UINT64_MAX;
	if (en->head[1] != SLOT_NONE) {
		uint64_t dl = en->slots[en->head[1]].start_ns + en->timeout_ns;
		w = dl > now ? dl - now : 0;
	}
	if (en->head[2] != SLOT_NONE) {
		uint64_t dl = en->slots[en->head[2]].start_ns + en->banner_ns;
		uint64_t x = dl > now ? dl - now : 0;
		if (x < w)
			w = x;
	}
	if (have_work(en) && en->inflight < (uint32_t)en->cwnd && en->head[0] != SLOT_NONE) {
		uint64_t x = 0;
		if (starved)
			x = 10000000ull;
		else if (en->o->rate && en->tokens < 1)
			x = (uint64_t)((1 - en->tokens) * 1e9 / en->o->rate) + 1;
		if (x < w)
			w = x;
	}
	if (w == UINT64_MAX)
		return 1000;
	return (int)((w + 999999) / 1000000);
}

static void dispatch(struct engine *en, const struct epoll_event *ev)
{
	if (ev->data.u64 >= UINT64_MAX - 1) {
		/* the raw sockets of the SYN module */
		scan_probe_tcp_syn.event(en, NULL, ev->events);
		return;
	}
	uint32_t i = (uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	if (i >= en->nslots)
		return;
	struct slot *s = &en->slots[i];
	if (s->gen != gen || !s->list)
		return; /* the slot ended earlier in this batch */
	ops_of(en, s->probe)->event(en, s, ev->events);
}

static unsigned inflight_limit(const struct scan_opts *o)
{
	unsigned lim = o->max_inflight ? o->max_inflight : MAX_INFLIGHT;
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY) {
		/* leave room for stdio, epoll, raw sockets and the caller's files */
		rlim_t room = rl.rlim_cur > 96 ? rl.rlim_cur - 64 : rl.rlim_cur / 2;
		if (room < 1)
			room = 1;
		if (lim > room)
			lim = (unsigned)room;
	}
	return lim ? lim : 1;
}

static int fill_ports(struct scan_result *r, const struct scan_portset *tcp,
		      const struct scan_portset *udp)
{
	r->nports = (size_t)tcp->count + udp->count;
	r->ntcp = tcp->count;
	r->ports = xmalloc(st_mult(r->nports ? r->nports : 1, sizeof(*r->ports)));
	size_t n = 0;
	for (unsigned p = 0; p < 65536; p++)
		if (scan_portset_has(tcp, p))
			r->ports[n++] = (uint16_t)p;
	for (unsigned p = 0; p < 65536; p++)
		if (scan_portset_has(udp, p))
			r->ports[n++] = (uint16_t)p;
	return n == r->nports ? 0 : -1;
}

static void engine_release(struct engine *en)
{
	if (en->slots) {
		for (uint32_t i = 0; i < en->nslots; i++)
			if (en->slots[i].list)
				slot_put(en, &en->slots[i]);
	}
	if (en->o->syn)
		scan_probe_tcp_syn.fini(en);
	if (en->ep >= 0)
		close(en->ep);
	free(en->slots);
	free(en->retry);
	free(en->tries);
	free(en->selfconn);
}

static int banner_cmp(const void *a, const void *b);

#define PROGRESS_NS 100000000ull /* 100 ms between progress calls */

static int loop(struct engine *en, struct mm_err *e)
{
	struct epoll_event evs[1024];
	unsigned later_rounds = 0;
	void (*prog)(void *, uint64_t, uint64_t, const char *) = en->o->on_progress;
	uint64_t prog_ns = scan_now_ns();
	if (prog)
		prog(en->o->progress_arg, 0, en->total, "scanning");
	while (have_work(en) || en->inflight) {
		uint64_t now = scan_now_ns();
		if (prog && now - prog_ns >= PROGRESS_NS) {
			prog(en->o->progress_arg, en->done, en->total, "scanning");
			prog_ns = now;
		}
		expire(en, now);
		refill(en, now);
		int err = start_some(en);
		if (en->fatal)
			break;
		if (err && !en->inflight) {
			if (++later_rounds > LATER_GIVE_UP)
				return mm_err_set(e, MM_EIO, "cannot start probes: %s",
						  strerror(err));
		} else if (!err) {
			later_rounds = 0;
		}
		if (err && en->cwnd > en->inflight)
			en->cwnd = en->inflight > 32 ? en->inflight : 32;
		int more = have_work(en) && en->inflight < (uint32_t)en->cwnd &&
			   en->head[0] != SLOT_NONE && !err && (!en->o->rate || en->tokens >= 1);
		int ms = more ? 0 : wait_ms(en, scan_now_ns(), err != 0);
		if (!have_work(en) && !en->inflight)
			break;
		int n = epoll_wait(en->ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return mm_err_set(e, MM_EIO, "epoll_wait failed: %s", strerror(errno));
		}
		for (int i = 0; i < n; i++)
			dispatch(en, &evs[i]);
		if (en->fatal)
			break;
	}
	if (en->fatal)
		return mm_err_set(e, MM_EIO, "cannot %s: %s", en->fatal_what, strerror(en->fatal));
	if (prog)
		prog(en->o->progress_arg, en->done, en->total, "scanning");
	return 0;
}

int scan_run(const struct scan_target *t, const struct scan_portset *tcp,
	     const struct scan_portset *udp, const struct scan_opts *o, struct scan_result *r,
	     struct mm_err *e)
{
	memset(r, 0, sizeof(*r));
	arena_init(&r->arena);
	r->target = t;
	r->nhosts = t->count;
	if (!tcp->count && !udp->count)
		return mm_err_set(e, MM_EUSAGE, "no port to scan");
	uint64_t nports = (uint64_t)tcp->count + udp->count;
	if (!t->count || t->count > SCAN_MAX_PROBES / nports)
		return mm_err_set(e, MM_EUSAGE,
				  "%llu addresses x %llu ports is more than %llu probes: scan a "
				  "smaller block or fewer ports",
				  (unsigned long long)t->count, (unsigned long long)nports,
				  (unsigned long long)SCAN_MAX_PROBES);
	fill_ports(r, tcp, udp);

	struct scan_opts opt = *o;
	if (!opt.timeout_ms)
		opt.timeout_ms = 1000;
	if (!opt.min_timeout_ms)
		opt.min_timeout_ms = opt.timeout_ms < 100 ? opt.timeout_ms : 100;
	if (opt.min_timeout_ms > opt.timeout_ms)
		opt.min_timeout_ms = opt.timeout_ms;
	if (opt.retries < 0)
		opt.retries = 1;
	if (opt.retries > 250)
		opt.retries = 250;

	struct engine en = { 0 };
	en.t = t;
	en.o = &opt;
	en.r = r;
	en.ep = -1;
	en.total = t->count * nports;
	r->state = xcalloc(en.total, 1);
	r->reason = xcalloc(en.total, 1);
	en.tries = xcalloc(en.total, 1);
	en.selfconn = xcalloc(en.total, 1);
	en.max_timeout_ns = (uint64_t)opt.timeout_ms * 1000000ull;
	en.min_timeout_ns = (uint64_t)opt.min_timeout_ms * 1000000ull;
	en.timeout_ns = en.max_timeout_ns;
	en.banner_ns = (uint64_t)opt.banner_ms * 1000000ull;
	r->st.method = opt.syn ? "syn" : "connect";

	uint64_t t0 = scan_now_ns();
	int rc = 0;
	en.ep = epoll_create1(EPOLL_CLOEXEC);
	if (en.ep < 0) {
		rc = mm_err_set(e, MM_EIO, "cannot create an epoll instance: %s", strerror(errno));
		goto out;
	}
	en.nslots = inflight_limit(&opt);
	if (en.nslots > en.total)
		en.nslots = (uint32_t)en.total;
	en.cwnd = en.nslots;
	r->st.max_inflight = en.nslots;
	en.slots = xcalloc(en.nslots, sizeof(*en.slots));
	for (int l = 0; l < 3; l++)
		en.head[l] = en.tail[l] = SLOT_NONE;
	for (uint32_t i = 0; i < en.nslots; i++) {
		en.slots[i].fd = -1;
		list_add(&en, &en.slots[i], 0);
	}
	en.refill_ns = scan_now_ns();
	en.tokens = 1;
	if (opt.syn && tcp->count) {
		rc = scan_probe_tcp_syn.init(&en, e);
		if (rc < 0)
			goto out;
	}
	rc = loop(&en, e);
out:
	r->st.elapsed_us = (scan_now_ns() - t0) / 1000;
	r->st.srtt_us = en.have_rtt ? (unsigned)(en.srtt_ns / 1000) : 0;
	r->st.timeout_ms = (unsigned)((en.timeout_ns + 999999) / 1000000);
	engine_release(&en);
	if (rc < 0)
		return rc;
	/* banners arrive in answer order */
	if (r->nbanners)
		mm_qsort(r->banners, r->nbanners, sizeof(*r->banners), banner_cmp);
	for (uint64_t i = 0; i < en.total; i++)
		r->st.count[r->state[i] < SCAN_STATE_COUNT ? r->state[i] : 0]++;
	return 0;
}

static int banner_cmp(const void *a, const void *b)
{
	const struct scan_banner *x = a, *y = b;
	return x->probe < y->probe ? -1 : x->probe > y->probe;
}

const struct scan_banner *scan_result_banner(const struct scan_result *r, uint64_t probe)
{
	if (!r->nbanners)
		return NULL;
	struct scan_banner key = { .probe = probe };
	return bsearch(&key, r->banners, r->nbanners, sizeof(*r->banners), banner_cmp);
}

void scan_result_release(struct scan_result *r)
{
	free(r->ports);
	free(r->state);
	free(r->reason);
	free(r->banners);
	arena_release(&r->arena);
	memset(r, 0, sizeof(*r));
}
