/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listening sockets from ROOT/proc/net/{tcp,tcp6,udp,udp6}, their owners
 * from ROOT/proc/PID/fd/N -> "socket:[INODE]", and the systemd socket units
 * that hold ports open for services started on demand.
 *
 * Addresses in /proc/net are printed by the kernel as 32-bit words in host
 * byte order; every EC2 architecture (x86_64, arm64) is little-endian, and
 * so are the fake roots the tests build, so the words are read as such.
 * A tcp6/udp6 socket on :: also takes IPv4 connections unless the program
 * set IPV6_V6ONLY; /proc does not say, so it is counted as dual-stack when
 * net.ipv6.bindv6only is 0 and no IPv4 socket holds the same port (which the
 * kernel would refuse for a dual-stack socket).
 */
#include "host-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"
#include "base/wrapper.h"
#include "base/banned.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits -> value; false when malformed. */
static bool hexn(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint64_t)h;
	}
	*out = v;
	return true;
}

static uint32_t bswap32(uint32_t x)
{
	return (x >> 24) | ((x >> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24);
}

/* "0100007F:0016" or 32 hex digits ":" port */
static bool parse_endpoint(const char *s, size_t n, enum mm_family fam, mm_u128 *addr, int *port)
{
	size_t alen = fam == MM_AF_INET ? 8 : 32;
	if (n != alen + 5 || s[alen] != ':')
		return false;
	uint64_t p;
	if (!hexn(s + alen + 1, 4, &p))
		return false;
	*port = (int)p;
	mm_u128 a = 0;
	for (size_t w = 0; w < alen / 8; w++) {
		uint64_t word;
		if (!hexn(s + w * 8, 8, &word))
			return false;
		a = a << 32 | bswap32((uint32_t)word);
	}
	*addr = a;
	return true;
}

/* Next whitespace-separated field of line[0..n) from *i. */
static bool field(const char *line, size_t n, size_t *i, const char **f, size_t *fl)
{
	while (*i < n && (line[*i] == ' ' || line[*i] == '\t'))
		(*i)++;
	if (*i >= n)
		return false;
	*f = line + *i;
	while (*i < n && line[*i] != ' ' && line[*i] != '\t')
		(*i)++;
	*fl = (size_t)(line + *i - *f);
	return true;
}

int hsocks_parse(struct arena *a, struct mm_diags *d, const char *name, const char *buf, size_t len,
		 int proto, enum mm_family fam, struct hsocks *out)
{
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	int bad = 0;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		if (lineno == 1)
			continue; /* header */
		const char *f[10];
		size_t fl[10], i = 0, k = 0;
		while (k < 10 && field(line, n, &i, &f[k], &fl[k]))
			k++;
		if (k == 0)
			continue;
		mm_u128 laddr, raddr;
		int lport, rport;
		uint64_t state, uid, inode;
		char *end;
		if (k < 10 || !parse_endpoint(f[1], fl[1], fam, &laddr, &lport) ||
		    !parse_endpoint(f[2], fl[2], fam, &raddr, &rport) || fl[3] != 2 ||
		    !hexn(f[3], 2, &state)) {
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: malformed socket entry", lineno);
			bad++;
			continue;
		}
		uid = strtoull(f[7], &end, 10);
		inode = strtoull(f[9], &end, 10);
		/* TCP: LISTEN (0x0A). UDP: unconnected bound sockets (state 07). */
		if (proto == 6 && state != 0x0a)
			continue;
		if (proto == 17 && (state != 0x07 || raddr != 0 || rport != 0 || lport == 0))
			continue;
		ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		struct hsock *s = &out->v[out->nr++];
		memset(s, 0, sizeof(*s));
		s->proto = proto;
		s->fam = fam;
		s->addr = laddr;
		s->port = lport;
		s->inode = (unsigned long)inode;
		s->uid = (long)uid;
		s->pid = -1;
		s->wildcard = laddr == 0;
		if (fam == MM_AF_INET)
			s->loopback = (laddr >> 24) == 127;
		else
			s->loopback =
			    laddr == 1 || (laddr >> 32 == 0xffff && ((laddr >> 24) & 0xff) == 127);
		s->src = arena_printf(a, "%s:%u", name, lineno);
	}
	return bad ? MM_EPARSE : 0;
}

static const char *read_comm(struct hroot *r, const char *pid)
{
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	const char *p = arena_printf(r->a, "/proc/%s/comm", pid);
	if (hroot_read(r, p, 4096, &buf, &len, &e) < 0)
		return NULL;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	const char *s = arena_strndup(r->a, buf, len);
	free(buf);
	return s;
}

/* inode -> (pid, comm) from /proc/PID/fd links. */
static void find_owners(struct hroot *r, struct hsocks *s)
{
	struct hmap byinode = HMAP_INIT;
	char key[32];
	for (size_t i = 0; i < s->nr; i++) {
		if (!s->v[i].inode)
			continue;
		snprintf(key, sizeof(key), "%lu", s->v[i].inode);
		hmap_put(&byinode, arena_strdup(r->a, key), &s->v[i]);
	}
	const char **pids;
	size_t np = hroot_list(r, "/proc", &pids);
	for (size_t i = 0; i < np; i++) {
		if (!isdigit((unsigned char)pids[i][0]))
			continue;
		const char *fddir = arena_printf(r->a, "/proc/%s/fd", pids[i]);
		const char **fds;
		size_t nf = hroot_list(r, fddir, &fds);
		if (nf)
			s->owners = true;
		const char *comm = NULL;
		bool comm_read = false;
		for (size_t k = 0; k < nf; k++) {
			char target[128];
			const char *fp = arena_printf(r->a, "%s/%s", fddir, fds[k]);
			if (hroot_readlink(r, fp, target, sizeof(target)) < 0)
				continue;
			if (strncmp(target, "socket:[", 8))
				continue;
			char *end = strchr(target + 8, ']');
			if (!end)
				continue;
			*end = '\0';
			/* A socket shared across fork() is named by the first pid
			 * listed (in name order) names it. */
			struct hsock *so = hmap_get(&byinode, target + 8);
			if (!so || so->pid >= 0)
				continue;
			if (!comm_read) {
				comm = read_comm(r, pids[i]);
				comm_read = true;
			}
			so->pid = (int)strtol(pids[i], NULL, 10);
			so->comm = comm;
		}
	}
	hmap_release(&byinode);
}

static int parse_listen_port(const char *v)
{
	/* "22", "0.0.0.0:22", "[::]:22", "/run/x.sock" (not a port) */
	const char *c = strrchr(v, ':');
	const char *p = c ? c + 1 : v;
	char *end;
	long port = strtol(p, &end, 10);
	if (end == p || *end || port <= 0 || port > 65535)
		return 0;
	return (int)port;
}

size_t host_socket_units(struct hroot *r, struct hunit_listen **out)
{
	static const char *const wants[] = { "/etc/systemd/system/sockets.target.wants",
					     "/etc/systemd/system/multi-user.target.wants", NULL };
	struct hunit_listen *v = NULL;
	size_t n = 0, alloc = 0;
	for (size_t w = 0; wants[w]; w++) {
		const char **names;
		size_t k = hroot_list(r, wants[w], &names);
		for (size_t i = 0; i < k; i++) {
			size_t l = strlen(names[i]);
			if (l < 8 || strcmp(names[i] + l - 7, ".socket"))
				continue;
			const char *path = arena_printf(r->a, "%s/%s", wants[w], names[i]);
			struct mm_err e = { 0 };
			char *buf;
			size_t len;
			if (hroot_read(r, path, 1 << 20, &buf, &len, &e) < 0) {
				/* A dangling link in the fake root: try the usual places. */
				static const char *const dirs[] = { "/lib/systemd/system",
								    "/usr/lib/systemd/system",
								    NULL };
				bool ok = false;
				for (size_t dd = 0; dirs[dd] && !ok; dd++) {
					path = arena_printf(r->a, "%s/%s", dirs[dd], names[i]);
					ok = hroot_read(r, path, 1 << 20, &buf, &len, &e) == 0;
				}
				if (!ok)
					continue;
			}
			size_t pos = 0, ln;
			unsigned lineno = 0;
			const char *line;
			while (host_next_line(buf, len, &pos, &line, &ln, &lineno)) {
				static const char *const keys[] = { "ListenStream=",
								    "ListenDatagram=", NULL };
				for (size_t kk = 0; keys[kk]; kk++) {
					size_t kl = strlen(keys[kk]);
					if (ln <= kl || strncmp(line, keys[kk], kl))
						continue;
					ALLOC_GROW(v, n + 1, alloc);
					v[n].unit = arena_strdup(r->a, names[i]);
					v[n].listen = arena_strndup(r->a, line + kl, ln - kl);
					v[n].port = parse_listen_port(v[n].listen);
					v[n].src = arena_printf(r->a, "%s:%u", path, lineno);
					n++;
				}
			}
			free(buf);
		}
	}
	struct hunit_listen *res = arena_calloc(r->a, n + 1, sizeof(*res));
	if (n)
		memcpy(res, v, n * sizeof(*v));
	free(v);
	*out = res;
	return n;
}

void hsocks_load(struct hroot *r, struct hsocks *s)
{
	memset(s, 0, sizeof(*s));
	static const struct {
		const char *path;
		int proto;
		enum mm_family fam;
	} tabs[] = {
		{ "/proc/net/tcp", 6, MM_AF_INET },
		{ "/proc/net/tcp6", 6, MM_AF_INET6 },
		{ "/proc/net/udp", 17, MM_AF_INET },
		{ "/proc/net/udp6", 17, MM_AF_INET6 },
	};
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		struct mm_err e = { 0 };
		char *buf;
		size_t len;
		if (hroot_read(r, tabs[i].path, HOST_MAX_FILE, &buf, &len, &e) < 0) {
			if (e.code != MM_ENOTFOUND)
				mm_diags_add(r->d, MM_DIAG_ERROR, tabs[i].path, -1, "%s", e.msg);
			continue;
		}
		s->loaded = true;
		size_t before = r->d ? r->d->nr : 0;
		if (hsocks_parse(r->a, r->d, tabs[i].path, buf, len, tabs[i].proto, tabs[i].fam,
				 s) < 0)
			r->records_skipped += (r->d ? r->d->nr : 0) - before;
		free(buf);
	}
	if (!s->loaded)
		return;

	/* Dual-stack: :: without an IPv4 twin, when bindv6only is 0. */
	bool v6only = false;
	{
		struct mm_err e = { 0 };
		char *buf;
		size_t len;
		if (hroot_read(r, "/proc/sys/net/ipv6/bindv6only", 64, &buf, &len, &e) == 0) {
			v6only = buf[0] == '1';
			free(buf);
		}
	}
	for (size_t i = 0; i < s->nr; i++) {
		struct hsock *so = &s->v[i];
		if (so->fam != MM_AF_INET6 || !so->wildcard || v6only)
			continue;
		bool twin = false;
		for (size_t k = 0; k < s->nr && !twin; k++)
			twin = s->v[k].fam == MM_AF_INET && s->v[k].proto == so->proto &&
			       s->v[k].port == so->port && s->v[k].wildcard;
		so->dualstack = !twin;
	}
	find_owners(r, s);

	/* systemd: a socket held by PID 1 is a socket unit's. */
	struct hunit_listen *units;
	size_t nu = host_socket_units(r, &units);
	for (size_t i = 0; i < s->nr; i++) {
		struct hsock *so = &s->v[i];
		bool by_systemd = so->pid == 1 || (so->comm && !strcmp(so->comm, "systemd"));
		for (size_t k = 0; k < nu; k++) {
			if (units[k].port != so->port)
				continue;
			if (by_systemd || so->pid < 0) {
				so->unit = units[k].unit;
				break;
			}
		}
		if (by_systemd && !so->unit)
			so->unit = "a systemd socket unit";
	}
}

void hsocks_release(struct hsocks *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
