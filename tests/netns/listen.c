/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for the port-scanner namespace tests and benchmark: listens on
 * the TCP (and UDP) ports it is given, on every address of its network
 * namespace (IPv4 and IPv6), answers each TCP connection with an optional
 * banner line and closes it, echoes UDP datagrams, and exits after a bounded
 * lifetime even if nobody stops it.
 *
 *   listen [-t SECONDS] [-b BANNER] [-u UDPPORT]... PORT|LO-HI...
 *
 * Prints "ready" on stdout once every socket listens.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/banned.h"

#define MAX_SOCKS 4096

static int open_sock(int type, unsigned port)
{
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int zero = 0, one = 1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in6 a = { 0 };
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_any;
	a.sin6_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		fprintf(stderr, "listen: port %u: %s\n", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int parse_range(const char *s, unsigned *lo, unsigned *hi)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b = a;
	if (end == s)
		return -1;
	if (*end == '-') {
		const char *t = end + 1;
		b = strtoul(t, &end, 10);
		if (end == t)
			return -1;
	}
	if (*end || !a || a > 65535 || b < a || b > 65535)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

int main(int argc, char **argv)
{
	static struct pollfd pfd[MAX_SOCKS];
	static int is_udp[MAX_SOCKS];
	int n = 0, opt;
	long life = 120;
	const char *banner = NULL;
	while ((opt = getopt(argc, argv, "t:b:u:")) != -1) {
		unsigned lo, hi;
		switch (opt) {
		case 't':
			life = strtol(optarg, NULL, 10);
			break;
		case 'b':
			banner = optarg;
			break;
		case 'u':
			if (parse_range(optarg, &lo, &hi) < 0)
				goto usage;
			for (unsigned p = lo; p <= hi && n < MAX_SOCKS; p++) {
				int fd = open_sock(SOCK_DGRAM, p);
				if (fd < 0)
					return 1;
				is_udp[n] = 1;
				pfd[n].fd = fd;
				pfd[n++].events = POLLIN;
			}
			break;
		default:
			goto usage;
		}
	}
	for (int i = optind; i < argc; i++) {
		unsigned lo, hi;
		if (parse_range(argv[i], &lo, &hi) < 0)
			goto usage;
		for (unsigned p = lo; p <= hi && n < MAX_SOCKS; p++) {
			int fd = open_sock(SOCK_STREAM, p);
			if (fd < 0)
				return 1;
			pfd[n].fd = fd;
			pfd[n++].events = POLLIN;
		}
	}
	printf("ready\n");
	fflush(stdout);
	time_t end = time(NULL) + (life > 0 ? life : 120);
	while (time(NULL) < end) {
		int k = poll(pfd, (nfds_t)n, 500);
		if (k < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < n && k > 0; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (is_udp[i]) {
				char buf[512];
				struct sockaddr_storage from;
				socklen_t fl = sizeof(from);
				ssize_t r = recvfrom(pfd[i].fd, buf, sizeof(buf), MSG_DONTWAIT,
						     (struct sockaddr *)&from, &fl);
				if (r >= 0)
					sendto(pfd[i].fd, r ? buf : "x", r ? (size_t)r : 1,
					       MSG_DONTWAIT, (struct sockaddr *)&from, fl);
				continue;
			}
			int c = accept(pfd[i].fd, NULL, NULL);
			if (c < 0)
				continue;
			if (banner) {
				char line[600];
				int len = snprintf(line, sizeof(line), "%s\r\n", banner);
				if (len > 0 && write(c, line, (size_t)len) < 0) {
					/* the scanner may have reset already */
				}
			}
			close(c);
		}
	}
	return 0;
usage:
	fprintf(stderr, "usage: listen [-t SECONDS] [-b BANNER] [-u UDPPORT]... PORT|LO-HI...\n");
	return 2;
}
