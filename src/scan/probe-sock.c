/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Probes through ordinary sockets, no privilege needed.
 *
 * TCP: a non-blocking connect(). Connected = open (SYN-ACK); ECONNREFUSED =
 * closed (RST) — unless the socket's error queue (IP_RECVERR) holds an ICMP
 * unreachable, which Linux also reports as ECONNREFUSED for port-unreachable:
 * nmap calls a port answered by ICMP filtered, and so do we. An open
 * connection is reset on close (SO_LINGER 0): no FIN exchange, no TIME_WAIT. A
 * connection whose local and remote ends are the same socket is the kernel
 * talking to itself (TCP simultaneous open on a local address when the
 * ephemeral port equals the target port): the probe is repeated.
 *
 * UDP: a connected datagram socket sends an empty datagram (or a small valid
 * request for DNS and NTP, which ignore empty ones). A reply = open; ICMP
 * port unreachable = closed; another ICMP unreachable = filtered; nothing =
 * open|filtered, which is all that silence can honestly mean.
 */
#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which needs struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scan/scan-int.h"
#include "base/banned.h"

enum scan_reason scan_icmp_reason(enum mm_family f, int type, int code)
{
	if (f == MM_AF_INET) {
		if (type != 3)
			return SCAN_R_NONE;
		switch (code) {
		case 0:
		case 6:
		case 11:
			return SCAN_R_NET_UNREACH;
		case 2:
			return SCAN_R_PROTO_UNREACH;
		case 3:
			return SCAN_R_PORT_UNREACH;
		case 9:
			return SCAN_R_NET_PROHIBITED;
		case 10:
			return SCAN_R_HOST_PROHIBITED;
		case 13:
		case 14:
		case 15:
			return SCAN_R_ADMIN_PROHIBITED;
		default:
			return SCAN_R_HOST_UNREACH;
		}
	}
	if (type != 1)
		return SCAN_R_NONE;
	switch (code) {
	case 0:
	case 2:
		return SCAN_R_NET_UNREACH;
	case 1:
	case 5:
	case 6:
		return SCAN_R_ADMIN_PROHIBITED;
	case 4:
		return SCAN_R_PORT_UNREACH;
	default:
		return SCAN_R_HOST_UNREACH;
	}
}

/* Drain the error queue; the reason of the last ICMP error in it, or NONE. */
static enum scan_reason read_icmp(int fd)
{
	enum scan_reason why = SCAN_R_NONE;
	for (int k = 0; k < 8; k++) {
		char cbuf[512];
		unsigned char dbuf[64];
		struct sockaddr_storage from;
		struct iovec iov = { dbuf, sizeof(dbuf) };
		struct msghdr m = { 0 };
		m.msg_name = &from;
		m.msg_namelen = sizeof(from);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			struct sock_extended_err ee;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			enum scan_reason r = SCAN_R_NONE;
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP)
				r = scan_icmp_reason(MM_AF_INET, ee.ee_type, ee.ee_code);
			else if (ee.ee_origin == SO_EE_ORIGIN_ICMP6)
				r = scan_icmp_reason(MM_AF_INET6, ee.ee_type, ee.ee_code);
			if (r)
				why = r;
		}
	}
	return why;
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static int is_shortage(int err)
{
	return err == EADDRNOTAVAIL || err == EAGAIN || err == ENOBUFS || err == ENOMEM ||
	       err == EMFILE || err == ENFILE;
}

/* Socket of the probe's family with ICMP errors queued. Sets s->fd. */
static int open_sock(struct engine *en, struct slot *s, int type, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	*len = engine_sockaddr(en, s->probe, ss);
	int fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;
		if (!is_shortage(err))
			engine_fatal(en, err,
				     ss->ss_family == AF_INET6 ? "open an IPv6 socket"
							       : "open an IPv4 socket");
		errno = err;
		return -1;
	}
	int one = 1;
	if (ss->ss_family == AF_INET)
		setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof(one));
	else
		setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof(one));
	s->fd = fd;
	return fd;
}

static void sock_stop(struct engine *en, struct slot *s)
{
	(void)en;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* ---- TCP connect() ---- */

/* An error from connect(): the probe's verdict, PROBE_DONE or PROBE_LATER. */
static int tcp_error(struct engine *en, struct slot *s, int err)
{
	if (is_shortage(err)) {
		errno = err;
		return PROBE_LATER;
	}
	enum scan_reason icmp = read_icmp(s->fd);
	if (icmp) {
		engine_finish(en, s, SCAN_FILTERED, icmp, 1);
		return PROBE_DONE;
	}
	switch (err) {
	case ECONNREFUSED:
		engine_finish(en, s, SCAN_CLOSED, SCAN_R_CONN_REFUSED, 1);
		break;
	case ENETUNREACH:
		engine_finish(en, s, SCAN_FILTERED, SCAN_R_NET_UNREACH, 0);
		break;
	case EHOSTUNREACH:
	case EHOSTDOWN:
		engine_finish(en, s, SCAN_FILTERED, SCAN_R_HOST_UNREACH, 0);
		break;
	case EACCES:
	case EPERM:
		engine_finish(en, s, SCAN_FILTERED, SCAN_R_LOCAL_DENIED, 0);
		break;
	default:
		/* ETIMEDOUT (the kernel gave up first) and the unexpected: no answer */
		engine_silent(en, s);
		break;
	}
	return PROBE_DONE;
}

static int same_end(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
}

static void tcp_connected(struct engine *en, struct slot *s)
{
	struct sockaddr_storage me, peer;
	socklen_t ml = sizeof(me), pl = sizeof(peer);
	if (getpeername(s->fd, (struct sockaddr *)&peer, &pl) < 0) {
		/* reset between the connect and now */
		int err = sock_error(s->fd);
		if (tcp_error(en, s, err ? err : ECONNREFUSED) == PROBE_LATER)
			engine_requeue(en, s);
		return;
	}
	/* reset, not FIN, on close: neither side keeps state (no TIME_WAIT, which
	 * would also hold the port of a self-connection) */
	struct linger lg = { 1, 0 };
	setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (!getsockname(s->fd, (struct sockaddr *)&me, &ml) && same_end(&me, &peer)) {
		en->r->st.self_connects++;
		if (++en->selfconn[s->probe] <= 5) {
			engine_requeue(en, s);
			return;
		}
		/* nothing listens there, or the kernel would not have picked the port */
		engine_finish(en, s, SCAN_CLOSED, SCAN_R_CONN_REFUSED, 0);
		return;
	}
	engine_open(en, s);
}

static int tcp_start(struct engine *en, struct slot *s)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (open_sock(en, s, SOCK_STREAM, &ss, &len) < 0)
		return PROBE_LATER;
	if (connect(s->fd, (struct sockaddr *)&ss, len) == 0) {
		tcp_connected(en, s);
		return PROBE_DONE;
	}
	int err = errno;
	if (err == EINPROGRESS) {
		int rc = engine_watch(en, s, EPOLLOUT);
		if (rc < 0) {
			errno = -rc;
			return PROBE_LATER;
		}
		return PROBE_WAIT;
	}
	return tcp_error(en, s, err);
}

static void tcp_event(struct engine *en, struct slot *s, uint32_t events)
{
	if (s->list == 2) {
		/* banner phase: the port is open, take what the server says first */
		if (events & EPOLLIN) {
			unsigned char buf[512];
			ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0 && errno == EAGAIN)
				return;
			if (n > 0)
				engine_banner(en, s->probe, buf, (size_t)n);
		}
		engine_end(en, s);
		return;
	}
	int err = sock_error(s->fd);
	if (err) {
		if (tcp_error(en, s, err) == PROBE_LATER)
			engine_requeue(en, s);
		return;
	}
	if (events & EPOLLOUT)
		tcp_connected(en, s);
	else if (events & (EPOLLERR | EPOLLHUP))
		tcp_error(en, s, ECONNREFUSED);
}

const struct probe_ops scan_probe_tcp_connect = {
	.name = "tcp-connect",
	.start = tcp_start,
	.event = tcp_event,
	.stop = sock_stop,
};

/* ---- UDP ---- */

/* A request the service answers; empty for the rest (nmap does the same). */
static const unsigned char *udp_payload(unsigned port, size_t *len)
{
	/* DNS: standard query, recursion desired, ". IN NS" */
	static const unsigned char dns[] = { 0x6d, 0x6d, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
					     0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01 };
	/* NTP: version 4 client request, everything else zero */
	static const unsigned char ntp[48] = { 0xe3 };
	switch (port) {
	case 53:
	case 5353:
		*len = sizeof(dns);
		return dns;
	case 123:
		*len = sizeof(ntp);
		return ntp;
	default:
		*len = 0;
		return (const unsigned char *)"";
	}
}

static int udp_verdict(struct engine *en, struct slot *s, int err)
{
	enum scan_reason icmp = read_icmp(s->fd);
	if (icmp == SCAN_R_PORT_UNREACH || (!icmp && err == ECONNREFUSED)) {
		engine_finish(en, s, SCAN_CLOSED, SCAN_R_PORT_UNREACH, 1);
	} else if (icmp) {
		engine_finish(en, s, SCAN_FILTERED, icmp, 1);
	} else if (err == ENETUNREACH) {
		engine_finish(en, s, SCAN_FILTERED, SCAN_R_NET_UNREACH, 0);
	} else if (err == EHOSTUNREACH || err == EHOSTDOWN) {
		engine_finish(en, s, SCAN_FILTERED, SCAN_R_HOST_UNREACH, 0);
	} else if (err == EPERM || err == EACCES) {
		engine_finish(en, s, SCAN_FILTERED, SCAN_R_LOCAL_DENIED, 0);
	} else if (is_shortage(err)) {
		errno = err;
		return PROBE_LATER;
	} else {
		engine_silent(en, s);
	}
	return PROBE_DONE;
}

static int udp_start(struct engine *en, struct slot *s)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (open_sock(en, s, SOCK_DGRAM, &ss, &len) < 0)
		return PROBE_LATER;
	if (connect(s->fd, (struct sockaddr *)&ss, len) < 0)
		return udp_verdict(en, s, errno);
	size_t plen;
	const unsigned char *pl = udp_payload(scan_result_port(en->r, s->probe), &plen);
	if (send(s->fd, pl, plen, 0) < 0)
		return udp_verdict(en, s, errno);
	int rc = engine_watch(en, s, EPOLLIN);
	if (rc < 0) {
		errno = -rc;
		return PROBE_LATER;
	}
	return PROBE_WAIT;
}

static void udp_event(struct engine *en, struct slot *s, uint32_t events)
{
	if (events & EPOLLIN) {
		unsigned char buf[512];
		ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n >= 0) {
			engine_finish(en, s, SCAN_OPEN, SCAN_R_UDP_RESPONSE, 1);
			return;
		}
		if (errno == EAGAIN)
			return;
		if (udp_verdict(en, s, errno) == PROBE_LATER)
			engine_requeue(en, s);
		return;
	}
	if (udp_verdict(en, s, sock_error(s->fd)) == PROBE_LATER)
		engine_requeue(en, s);
}

const struct probe_ops scan_probe_udp = {
	.name = "udp",
	.start = udp_start,
	.event = udp_event,
	.stop = sock_stop,
};
