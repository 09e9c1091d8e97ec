/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP SYN ("half-open") probes through raw sockets, for root or CAP_NET_RAW.
 * One SYN per try from one reserved source port; the answer decides: SYN-ACK
 * = open, RST = closed, ICMP unreachable = filtered, nothing = filtered after
 * the retries. No connection is ever completed: on a SYN-ACK this host's
 * kernel, which knows no such connection, answers RST itself. That is less
 * work for the target (no accept, no application sees us) and costs no
 * descriptor per probe.
 *
 * Answers are matched to probes by (address, port), and checked against the
 * sequence number the probe carried (ack = seq + 1), so stray traffic to the
 * same port is ignored. The raw TCP socket sees every TCP segment this host
 * receives; the filter is the first thing done with each. IPv4 checksums are
 * computed here; IPv6 ones by the kernel (IPV6_CHECKSUM).
 */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scan/scan-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define TAG_TCP	 UINT64_MAX
#define TAG_ICMP (UINT64_MAX - 1)

struct syn {
	int tcp_fd, icmp_fd, hold_fd;
	struct sockaddr_storage src; /* our address and reserved port */
	uint16_t sport;
	uint32_t key; /* per-run secret mixed into sequence numbers */
	int32_t port_idx[65536];
	/* probe -> slot, open addressing with linear probing */
	uint64_t *hkey;
	uint32_t *hval;
	size_t hcap;
};

#define HEMPTY UINT64_MAX

static size_t hslot(const struct syn *y, uint64_t k)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 20) & (y->hcap - 1);
}

static void hput(struct syn *y, uint64_t k, uint32_t v)
{
	size_t i = hslot(y, k);
	while (y->hkey[i] != HEMPTY && y->hkey[i] != k)
		i = (i + 1) & (y->hcap - 1);
	y->hkey[i] = k;
	y->hval[i] = v;
}

static uint32_t hget(const struct syn *y, uint64_t k)
{
	for (size_t i = hslot(y, k);; i = (i + 1) & (y->hcap - 1)) {
		if (y->hkey[i] == k)
			return y->hval[i];
		if (y->hkey[i] == HEMPTY)
			return SLOT_NONE;
	}
}

static void hdel(struct syn *y, uint64_t k)
{
	size_t i = hslot(y, k);
	while (y->hkey[i] != k) {
		if (y->hkey[i] == HEMPTY)
			return;
		i = (i + 1) & (y->hcap - 1);
	}
	/* backward-shift deletion keeps every chain unbroken */
	size_t j = i;
	for (;;) {
		y->hkey[i] = HEMPTY;
		for (;;) {
			j = (j + 1) & (y->hcap - 1);
			if (y->hkey[j] == HEMPTY)
				return;
			size_t h = hslot(y, y->hkey[j]);
			/* can the entry at j move to i? only if its home is not in (i, j] */
			if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
				break;
		}
		y->hkey[i] = y->hkey[j];
		y->hval[i] = y->hval[j];
		i = j;
	}
}

static uint32_t seq_of(const struct syn *y, uint64_t probe)
{
	uint64_t x = (probe + 1) * 0xff51afd7ed558ccdull ^ y->key;
	x ^= x >> 33;
	return (uint32_t)x;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)(b[n - 1] << 8);
	return sum;
}

static int syn_init(struct engine *en, struct mm_err *e)
{
	struct syn *y = xcalloc(1, sizeof(*y));
	y->tcp_fd = y->icmp_fd = y->hold_fd = -1;
	en->raw = y;
	int af = en->t->family == MM_AF_INET6 ? AF_INET6 : AF_INET;
	y->tcp_fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (y->tcp_fd < 0) {
		int err = errno;
		if (err == EPERM || err == EACCES)
			return mm_err_set(e, MM_EUSAGE,
					  "a syn scan needs a raw socket: run as root or with "
					  "CAP_NET_RAW, or leave out --syn (connect scan)");
		return mm_err_set(e, MM_EIO, "cannot open a raw socket: %s", strerror(err));
	}
	y->icmp_fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    af == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (y->icmp_fd < 0)
		return mm_err_set(e, MM_EIO, "cannot open a raw icmp socket: %s", strerror(errno));
	/* Answers arrive as fast as SYNs leave (on a local link, at once), and a
	 * raw socket also sees every other TCP segment: a default-sized receive
	 * buffer overflows within a few hundred answers, and a lost answer is a
	 * false "filtered". */
	int big = 32 << 20;
	if (setsockopt(y->tcp_fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(y->tcp_fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (setsockopt(y->icmp_fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(y->icmp_fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (af == AF_INET6) {
		int off = 16; /* the TCP checksum field */
		setsockopt(y->tcp_fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off));
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		setsockopt(y->icmp_fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}

	/* Our source address is the one the kernel routes the first target from;
	 * the source port is reserved by a bound socket that never listens. */
	struct sockaddr_storage dst;
	socklen_t dl = engine_sockaddr(en, 0, &dst);
	int u = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t sl = sizeof(y->src);
	if (u < 0 || connect(u, (struct sockaddr *)&dst, dl) < 0 ||
	    getsockname(u, (struct sockaddr *)&y->src, &sl) < 0) {
		int err = errno;
		if (u >= 0)
			close(u);
		return mm_err_set(e, MM_EIO, "no route to the target: %s", strerror(err));
	}
	close(u);
	y->hold_fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (af == AF_INET)
		((struct sockaddr_in *)&y->src)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&y->src)->sin6_port = 0;
	if (y->hold_fd < 0 || bind(y->hold_fd, (struct sockaddr *)&y->src, sl) < 0 ||
	    getsockname(y->hold_fd, (struct sockaddr *)&y->src, &sl) < 0)
		return mm_err_set(e, MM_EIO, "cannot reserve a source port: %s", strerror(errno));
	y->sport = ntohs(af == AF_INET ? ((struct sockaddr_in *)&y->src)->sin_port
				       : ((struct sockaddr_in6 *)&y->src)->sin6_port);
	y->key = (uint32_t)scan_now_ns() ^ (uint32_t)getpid() << 16;

	for (int i = 0; i < 65536; i++)
		y->port_idx[i] = -1;
	for (size_t i = 0; i < en->r->ntcp; i++)
		y->port_idx[en->r->ports[i]] = (int32_t)i;
	y->hcap = 64;
	while (y->hcap < (size_t)en->nslots * 2)
		y->hcap *= 2;
	y->hkey = xmalloc(st_mult(y->hcap, sizeof(*y->hkey)));
	y->hval = xmalloc(st_mult(y->hcap, sizeof(*y->hval)));
	memset(y->hkey, 0xff, y->hcap * sizeof(*y->hkey));

	struct epoll_event ev = { 0 };
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_TCP;
	if (epoll_ctl(en->ep, EPOLL_CTL_ADD, y->tcp_fd, &ev) < 0)
		return mm_err_set(e, MM_EIO, "epoll: %s", strerror(errno));
	ev.data.u64 = TAG_ICMP;
	if (epoll_ctl(en->ep, EPOLL_CTL_ADD, y->icmp_fd, &ev) < 0)
		return mm_err_set(e, MM_EIO, "epoll: %s", strerror(errno));
	return 0;
}

static void syn_fini(struct engine *en)
{
	struct syn *y = en->raw;
	if (!y)
		return;
	if (y->tcp_fd >= 0)
		close(y->tcp_fd);
	if (y->icmp_fd >= 0)
		close(y->icmp_fd);
	if (y->hold_fd >= 0)
		close(y->hold_fd);
	free(y->hkey);
	free(y->hval);
	free(y);
	en->raw = NULL;
}

static int syn_start(struct engine *en, struct slot *s)
{
	struct syn *y = en->raw;
	struct sockaddr_storage dst;
	socklen_t dl = engine_sockaddr(en, s->probe, &dst);
	unsigned char pkt[24] = { 0 };
	unsigned dport = scan_result_port(en->r, s->probe);
	uint32_t seq = seq_of(y, s->probe);
	pkt[0] = (unsigned char)(y->sport >> 8);
	pkt[1] = (unsigned char)y->sport;
	pkt[2] = (unsigned char)(dport >> 8);
	pkt[3] = (unsigned char)dport;
	pkt[4] = (unsigned char)(seq >> 24);
	pkt[5] = (unsigned char)(seq >> 16);
	pkt[6] = (unsigned char)(seq >> 8);
	pkt[7] = (unsigned char)seq;
	pkt[12] = 6 << 4; /* data offset: 24 bytes */
	pkt[13] = 0x02;	  /* SYN */
	pkt[14] = 0x04;	  /* window 1024 */
	pkt[20] = 2;	  /* MSS option, 1460: some stacks ignore a SYN without it */
	pkt[21] = 4;
	pkt[22] = 0x05;
	pkt[23] = 0xb4;
	if (dst.ss_family == AF_INET) {
		const struct sockaddr_in *sa = (const void *)&y->src, *da = (const void *)&dst;
		uint32_t sum = csum_add(0, &sa->sin_addr, 4);
		sum = csum_add(sum, &da->sin_addr, 4);
		sum += IPPROTO_TCP + sizeof(pkt);
		sum = csum_add(sum, pkt, sizeof(pkt));
		uint16_t c = csum_fold(sum);
		pkt[16] = (unsigned char)(c >> 8);
		pkt[17] = (unsigned char)c;
		((struct sockaddr_in *)&dst)->sin_port = 0;
	} else {
		((struct sockaddr_in6 *)&dst)->sin6_port = 0;
	}
	hput(y, s->probe, (uint32_t)(s - en->slots));
	s->sub = 1;
	if (sendto(y->tcp_fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, dl) < 0) {
		int err = errno;
		if (err == EPERM || err == EACCES) {
			engine_finish(en, s, SCAN_FILTERED, SCAN_R_LOCAL_DENIED, 0);
			return PROBE_DONE;
		}
		if (err == ENETUNREACH || err == EHOSTUNREACH) {
			engine_finish(en, s, SCAN_FILTERED,
				      err == ENETUNREACH ? SCAN_R_NET_UNREACH : SCAN_R_HOST_UNREACH,
				      0);
			return PROBE_DONE;
		}
		errno = err;
		return PROBE_LATER;
	}
	return PROBE_WAIT;
}

static void syn_stop(struct engine *en, struct slot *s)
{
	struct syn *y = en->raw;
	if (s->sub) {
		hdel(y, s->probe);
		s->sub = 0;
	}
}

/* The in-flight slot for an answer from (addr, port), or NULL. */
static struct slot *match(struct engine *en, mm_u128 addr, unsigned port, uint64_t *probe)
{
	struct syn *y = en->raw;
	const struct scan_target *t = en->t;
	if (addr < t->first || addr - t->first >= t->count || port > 65535 || y->port_idx[port] < 0)
		return NULL;
	uint64_t p = (uint64_t)(addr - t->first) * en->r->nports + (uint64_t)y->port_idx[port];
	uint32_t si = hget(y, p);
	if (si == SLOT_NONE)
		return NULL;
	*probe = p;
	return &en->slots[si];
}

static mm_u128 addr_of(const unsigned char *b, int n)
{
	mm_u128 a = 0;
	for (int i = 0; i < n; i++)
		a = (a << 8) | b[i];
	return a;
}

/* A TCP segment (header at h, n bytes) from addr. */
static void on_tcp(struct engine *en, mm_u128 addr, const unsigned char *h, size_t n)
{
	struct syn *y = en->raw;
	if (n < 20)
		return;
	unsigned sport = (unsigned)(h[0] << 8 | h[1]), dport = (unsigned)(h[2] << 8 | h[3]);
	if (dport != y->sport)
		return;
	uint64_t p;
	struct slot *s = match(en, addr, sport, &p);
	if (!s)
		return;
	uint32_t ack = (uint32_t)h[8] << 24 | (uint32_t)h[9] << 16 | (uint32_t)h[10] << 8 | h[11];
	unsigned flags = h[13];
	if (ack != seq_of(y, p) + 1)
		return;
	if ((flags & 0x12) == 0x12)
		engine_open(en, s);
	else if (flags & 0x04)
		engine_finish(en, s, SCAN_CLOSED, SCAN_R_RESET, 1);
}

/* An ICMP error quoting our SYN: inner IP header + the first 8 TCP bytes. */
static void on_icmp_quote(struct engine *en, enum scan_reason why, mm_u128 dst,
			  const unsigned char *tcp, size_t n)
{
	struct syn *y = en->raw;
	if (!why || n < 8)
		return;
	unsigned sport = (unsigned)(tcp[0] << 8 | tcp[1]), dport = (unsigned)(tcp[2] << 8 | tcp[3]);
	if (sport != y->sport)
		return;
	uint64_t p;
	struct slot *s = match(en, dst, dport, &p);
	if (!s)
		return;
	uint32_t seq =
	    (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
	if (seq != seq_of(y, p))
		return;
	engine_finish(en, s, SCAN_FILTERED, why, 1);
}

static void read_tcp(struct engine *en)
{
	struct syn *y = en->raw;
	unsigned char buf[1600];
	for (int k = 0; k < 4096; k++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(y->tcp_fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (from.ss_family == AF_INET) {
			/* IPv4 raw sockets deliver the IP header */
			if (n < 20)
				continue;
			size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
			if (ihl < 20 || (size_t)n < ihl || buf[9] != IPPROTO_TCP)
				continue;
			on_tcp(en, addr_of(buf + 12, 4), buf + ihl, (size_t)n - ihl);
		} else if (from.ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const void *)&from;
			on_tcp(en, addr_of(a->sin6_addr.s6_addr, 16), buf, (size_t)n);
		}
	}
}

static void read_icmp_raw(struct engine *en)
{
	struct syn *y = en->raw;
	unsigned char buf[1600];
	for (int k = 0; k < 4096; k++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(y->icmp_fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (from.ss_family == AF_INET) {
			if (n < 20)
				continue;
			size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
			const unsigned char *ic = buf + ihl;
			if ((size_t)n < ihl + 8 + 20)
				continue;
			enum scan_reason why = scan_icmp_reason(MM_AF_INET, ic[0], ic[1]);
			const unsigned char *in = ic + 8; /* the quoted IP header */
			size_t iihl = (size_t)(in[0] & 0x0f) * 4;
			if (in[9] != IPPROTO_TCP || (size_t)n < ihl + 8 + iihl + 8)
				continue;
			on_icmp_quote(en, why, addr_of(in + 16, 4), in + iihl,
				      (size_t)n - ihl - 8 - iihl);
		} else if (from.ss_family == AF_INET6) {
			/* ICMPv6 message, then the quoted IPv6 header (40 bytes) */
			if (n < 8 + 40 + 8)
				continue;
			enum scan_reason why = scan_icmp_reason(MM_AF_INET6, buf[0], buf[1]);
			const unsigned char *in = buf + 8;
			if (in[6] != IPPROTO_TCP)
				continue;
			on_icmp_quote(en, why, addr_of(in + 24, 16), in + 40, (size_t)n - 48);
		}
	}
}

static void syn_event(struct engine *en, struct slot *s, uint32_t events)
{
	(void)s;
	(void)events;
	read_tcp(en);
	read_icmp_raw(en);
}

const struct probe_ops scan_probe_tcp_syn = {
	.name = "tcp-syn",
	.init = syn_init,
	.fini = syn_fini,
	.start = syn_start,
	.event = syn_event,
	.stop = syn_stop,
};
