/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The optional live probe of the instance metadata service (--imds-probe;
 * never run otherwise). It asks the way the SDKs do: PUT /latest/api/token
 * (IMDSv2), then GET /latest/meta-data/ without a token (answered with 200
 * only when IMDSv1 is allowed) and with the token. When run as root it also
 * tries the token request from a child that dropped to uid/gid 65534, which
 * shows whether the firewall really keeps other users away.
 *
 * The endpoint is "http://ADDRESS[:PORT]" with a numeric address (no DNS),
 * so tests point it at a fake server on 127.0.0.1. Plain HTTP/1.0 over one
 * connection per request, bounded in time and size.
 */
#include "host-int.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/banned.h"

struct endpoint {
	char host[128];
	char port[8];
};

static int parse_endpoint(const char *url, struct endpoint *ep, struct mm_err *e)
{
	if (strncmp(url, "http://", 7))
		return mm_err_set(e, MM_EUSAGE, "bad IMDS endpoint '%s': expected http://ADDRESS",
				  url);
	const char *h = url + 7, *end;
	snprintf(ep->port, sizeof(ep->port), "80");
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end || (size_t)(end - h - 1) >= sizeof(ep->host))
			return mm_err_set(e, MM_EUSAGE, "bad IMDS endpoint '%s'", url);
		memcpy(ep->host, h + 1, (size_t)(end - h - 1));
		ep->host[end - h - 1] = '\0';
		end++;
	} else {
		end = h + strcspn(h, ":/");
		if ((size_t)(end - h) >= sizeof(ep->host) || end == h)
			return mm_err_set(e, MM_EUSAGE, "bad IMDS endpoint '%s'", url);
		memcpy(ep->host, h, (size_t)(end - h));
		ep->host[end - h] = '\0';
	}
	if (*end == ':') {
		size_t n = strcspn(end + 1, "/");
		if (n == 0 || n >= sizeof(ep->port))
			return mm_err_set(e, MM_EUSAGE, "bad port in IMDS endpoint '%s'", url);
		memcpy(ep->port, end + 1, n);
		ep->port[n] = '\0';
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* One request; returns the HTTP status (0: no answer) and the body. */
static int http(const struct endpoint *ep, const char *method, const char *path,
		const char *headers, int timeout_ms, struct strbuf *body, char *err, size_t errn)
{
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(ep->host, ep->port, &hints, &ai) != 0 || !ai) {
		snprintf(err, errn, "'%s' is not a numeric address", ep->host);
		return 0;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errn, "socket: %s", strerror(errno));
		freeaddrinfo(ai);
		return 0;
	}
	long long deadline = now_ms() + timeout_ms;
	int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc < 0 && errno != EINPROGRESS) {
		snprintf(err, errn, "connect: %s", strerror(errno));
		close(fd);
		return 0;
	}
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, (int)(deadline - now_ms())) <= 0) {
		snprintf(err, errn, "connect: timed out");
		close(fd);
		return 0;
	}
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	if (soerr) {
		snprintf(err, errn, "connect: %s", strerror(soerr));
		close(fd);
		return 0;
	}
	struct strbuf req = STRBUF_INIT;
	strbuf_addf(&req, "%s %s HTTP/1.0\r\nHost: %s\r\n%sContent-Length: 0\r\n\r\n", method, path,
		    ep->host, headers);
	size_t off = 0;
	while (off < req.len) {
		ssize_t k = send(fd, req.buf + off, req.len - off, MSG_NOSIGNAL);
		if (k < 0 && errno == EAGAIN) {
			p.events = POLLOUT;
			if (poll(&p, 1, (int)(deadline - now_ms())) <= 0)
				break;
			continue;
		}
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	strbuf_release(&req);
	struct strbuf resp = STRBUF_INIT;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		p.events = POLLIN;
		if (poll(&p, 1, (int)left) <= 0)
			break;
		char tmp[4096];
		ssize_t k = recv(fd, tmp, sizeof(tmp), 0);
		if (k <= 0)
			break;
		if (resp.len + (size_t)k > 65536)
			break;
		strbuf_add(&resp, tmp, (size_t)k);
	}
	close(fd);
	int status = 0;
	if (resp.len > 12 && !strncmp(resp.buf, "HTTP/1.", 7))
		status = (int)strtol(resp.buf + 9, NULL, 10);
	else
		snprintf(err, errn, "no HTTP answer");
	const char *b = strstr(resp.buf, "\r\n\r\n");
	if (body && b)
		strbuf_addstr(body, b + 4);
	strbuf_release(&resp);
	return status;
}

static const char ttl_hdr[] = "X-aws-ec2-metadata-token-ttl-seconds: 21600\r\n";

int imds_probe_run(const char *endpoint, int timeout_ms, bool try_nobody, struct imds_probe *p,
		   struct mm_err *e)
{
	memset(p, 0, sizeof(*p));
	p->nobody_status = -1;
	struct endpoint ep;
	if (parse_endpoint(endpoint, &ep, e) < 0)
		return e->code;
	if (timeout_ms <= 0)
		timeout_ms = 2000;
	struct strbuf token = STRBUF_INIT;
	p->token_status = http(&ep, "PUT", "/latest/api/token", ttl_hdr, timeout_ms, &token,
			       p->error, sizeof(p->error));
	p->v1_status = http(&ep, "GET", "/latest/meta-data/", "", timeout_ms, NULL, p->error,
			    sizeof(p->error));
	if (p->token_status == 200 && token.len && token.len < 512 && !strpbrk(token.buf, "\r\n")) {
		struct strbuf h = STRBUF_INIT;
		strbuf_addf(&h, "X-aws-ec2-metadata-token: %s\r\n", token.buf);
		p->v2_status = http(&ep, "GET", "/latest/meta-data/", h.buf, timeout_ms, NULL,
				    p->error, sizeof(p->error));
		strbuf_release(&h);
	}
	strbuf_release(&token);
	p->reachable = p->token_status || p->v1_status || p->v2_status;

	if (try_nobody && geteuid() == 0) {
		int pfd[2];
		if (pipe(pfd) == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				close(pfd[0]);
				int st = -1;
				if (setgroups(0, NULL) == 0 && setgid(65534) == 0 &&
				    setuid(65534) == 0) {
					char err[64];
					st = http(&ep, "PUT", "/latest/api/token", ttl_hdr,
						  timeout_ms, NULL, err, sizeof(err));
				}
				ssize_t w = write(pfd[1], &st, sizeof(st));
				(void)w;
				_exit(0);
			}
			close(pfd[1]);
			if (pid > 0) {
				int st = -1;
				if (read(pfd[0], &st, sizeof(st)) == (ssize_t)sizeof(st))
					p->nobody_status = st;
				while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
					;
				p->as_nobody = p->nobody_status >= 0;
			}
			close(pfd[0]);
		}
	}
	return 0;
}
