/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listening sockets: one finding per (protocol, port) that accepts
 * connections on a wildcard or public address, with every socket behind it
 * (IPv4, IPv6, dual-stack), its process and, when systemd holds it, the
 * socket unit that starts the service on demand. sshd's own sockets are
 * reported by host-ssh-listen-public instead.
 */
#include "host-int.h"

#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

static bool exposed(const struct hsock *s)
{
	if (s->loopback)
		return false;
	if (s->wildcard)
		return true;
	if (s->fam == MM_AF_INET6 && (s->addr >> 32) == 0xffff)
		return ivset_contains(mm_internet_ranges(MM_AF_INET), s->addr & 0xffffffffu);
	return ivset_contains(mm_internet_ranges(s->fam), s->addr);
}

static bool is_sshd(const struct hsock *s)
{
	return (s->comm && !strcmp(s->comm, "sshd")) || (s->unit && !strncmp(s->unit, "ssh", 3));
}

void host_check_listeners(struct hctx *x)
{
	if (!x->socks.loaded) {
		host_emit(x, "host-listening-port", MM_ST_UNKNOWN, -1, NULL,
			  "no /proc/net/tcp, tcp6, udp or udp6 under the root: listening sockets "
			  "unknown");
		return;
	}
	const struct hsocks *ss = &x->socks;
	bool *done = xcalloc(ss->nr + 1, sizeof(bool));
	size_t reported = 0;
	for (size_t i = 0; i < ss->nr; i++) {
		const struct hsock *s = &ss->v[i];
		if (done[i] || !exposed(s) || is_sshd(s))
			continue;
		const char *proto = s->proto == 6 ? "tcp" : "udp";
		/* Collect the group: same proto and port, exposed. */
		bool v4 = false, v6 = false;
		const char *who = NULL, *unit = NULL;
		for (size_t k = i; k < ss->nr; k++) {
			const struct hsock *t = &ss->v[k];
			if (t->proto != s->proto || t->port != s->port || !exposed(t) || is_sshd(t))
				continue;
			if (t->fam == MM_AF_INET || t->dualstack)
				v4 = true;
			if (t->fam == MM_AF_INET6)
				v6 = true;
			if (!who && t->comm)
				who = t->comm;
			if (!unit && t->unit)
				unit = t->unit;
		}
		char fp[32];
		snprintf(fp, sizeof(fp), "%s/%d", proto, s->port);
		struct strbuf fam = STRBUF_INIT;
		strbuf_addstr(&fam, v4 && v6 ? "IPv4 and IPv6" : v4 ? "IPv4" : "IPv6");
		struct finding *f = host_emit(
		    x, "host-listening-port", MM_ST_FAIL, -1, fp,
		    "%s port %d is open on every interface or a public address (%s), %s%s%s%s",
		    proto, s->port, fam.buf, who ? "process " : "owner unknown", who ? who : "",
		    unit ? ", socket-activated by systemd through " : "", unit ? unit : "");
		strbuf_release(&fam);
		for (size_t k = i; k < ss->nr; k++) {
			const struct hsock *t = &ss->v[k];
			if (t->proto != s->proto || t->port != s->port || !exposed(t) || is_sshd(t))
				continue;
			done[k] = true;
			char buf[64];
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "%s%s %s%s%s:%d", proto, t->fam == MM_AF_INET6 ? "6" : "",
				    t->fam == MM_AF_INET6 ? "[" : "",
				    mm_addr_fmt(t->fam, t->addr, buf),
				    t->fam == MM_AF_INET6 ? "]" : "", t->port);
			if (t->dualstack)
				strbuf_addstr(&sb, " (dual-stack: takes IPv4 too)");
			if (t->pid >= 0)
				strbuf_addf(&sb, ", pid %d (%s)", t->pid, t->comm ? t->comm : "?");
			else
				strbuf_addf(&sb, ", inode %lu, owner unknown", t->inode);
			if (t->unit)
				strbuf_addf(&sb, ", systemd %s", t->unit);
			strbuf_addf(&sb, ", uid %ld", t->uid);
			host_ev(x, f, t->src, "%s", sb.buf);
			strbuf_release(&sb);
		}
		reported++;
	}
	free(done);
	if (!reported)
		host_emit(x, "host-listening-port", MM_ST_PASS, -1, NULL,
			  "no socket besides sshd listens on a wildcard or public address (%zu "
			  "listening sockets)",
			  ss->nr);
}
