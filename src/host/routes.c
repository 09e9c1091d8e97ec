/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Routes and policy rules, for one question: does the kernel refuse to
 * route to the metadata address (`route add -host 169.254.169.254 reject`,
 * `ip route add prohibit ...`, a blackhole, or an `ip rule ... uidrange`
 * sending some users to a table that blocks it)?
 *
 * On the live host every table and every rule comes from rtnetlink
 * (RTM_GETROUTE / RTM_GETRULE dumps); /proc/net/route shows only the main
 * IPv4 table and is the fallback. Under --root the same facts come from the
 * text of `ip route show table all` and `ip rule show` saved under
 * ROOT/.mamori/ (docs/host.md).
 */
#include "host-int.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

static unsigned table_id(const char *s, bool *ok)
{
	*ok = true;
	if (!strcmp(s, "main"))
		return RT_TABLE_MAIN;
	if (!strcmp(s, "local"))
		return RT_TABLE_LOCAL;
	if (!strcmp(s, "default"))
		return RT_TABLE_DEFAULT;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end) {
		*ok = false;
		return 0;
	}
	return (unsigned)v;
}

static int route_type(const char *s)
{
	static const struct {
		const char *name;
		int type;
	} types[] = {
		{ "unicast", RTN_UNICAST },
		{ "local", RTN_LOCAL },
		{ "broadcast", RTN_BROADCAST },
		{ "anycast", RTN_ANYCAST },
		{ "multicast", RTN_MULTICAST },
		{ "blackhole", RTN_BLACKHOLE },
		{ "unreachable", RTN_UNREACHABLE },
		{ "prohibit", RTN_PROHIBIT },
		{ "throw", RTN_THROW },
		{ "nat", RTN_NAT },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(s, types[i].name))
			return types[i].type;
	return -1;
}

static size_t words(const char *line, size_t n, char w[][128], size_t max)
{
	size_t k = 0, i = 0;
	while (i < n && k < max) {
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= n)
			break;
		size_t s = i;
		while (i < n && line[i] != ' ' && line[i] != '\t')
			i++;
		size_t l = i - s < 127 ? i - s : 127;
		memcpy(w[k], line + s, l);
		w[k][l] = '\0';
		k++;
	}
	return k;
}

static void route_add(struct hroutes *out, const struct hroute *r)
{
	if (r->fam == MM_AF_INET)
		out->has4 = true;
	else
		out->has6 = true;
	ALLOC_GROW(out->v, out->nr + 1, out->alloc);
	out->v[out->nr++] = *r;
}

int hroutes_parse(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		  size_t len, enum mm_family fam, struct hroutes *out)
{
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	int bad = 0;
	char w[32][128];
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		size_t k = words(line, n, w, 32);
		if (!k || w[0][0] == '#')
			continue;
		size_t i = 0;
		struct hroute r;
		memset(&r, 0, sizeof(r));
		r.type = RTN_UNICAST;
		r.table = RT_TABLE_MAIN;
		int t = route_type(w[0]);
		if (t >= 0) {
			r.type = t;
			i++;
		}
		if (i >= k) {
			bad++;
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: route without a destination", lineno);
			continue;
		}
		const char *dst = w[i++];
		if (!strcmp(dst, "default")) {
			r.fam = fam;
			r.dst.family = fam;
			r.dst.prefix = 0;
			r.dst.addr = 0;
		} else if (mm_cidr_parse(dst, &r.dst) == 0) {
			r.fam = r.dst.family;
		} else {
			bad++;
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: bad destination '%s'", lineno, dst);
			continue;
		}
		for (; i + 1 < k; i++) {
			if (!strcmp(w[i], "table")) {
				bool ok;
				r.table = table_id(w[i + 1], &ok);
				if (!ok)
					r.table = 0xfffffffeu; /* a named table we cannot map */
				i++;
			}
		}
		r.src = arena_printf(a, "%s:%u", name, lineno);
		route_add(out, &r);
	}
	out->loaded = true;
	if (fam == MM_AF_INET6)
		out->has6 = true;
	else
		out->has4 = true;
	return bad ? MM_EPARSE : 0;
}

int hroutes_parse_proc(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		       size_t len, struct hroutes *out)
{
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	char w[16][128];
	int bad = 0;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		if (lineno == 1)
			continue;
		size_t k = words(line, n, w, 16);
		if (!k)
			continue;
		unsigned long dst, flags, mask;
		char *e1, *e2, *e3;
		if (k < 8) {
			bad++;
			continue;
		}
		dst = strtoul(w[1], &e1, 16);
		flags = strtoul(w[3], &e2, 16);
		mask = strtoul(w[7], &e3, 16);
		if (*e1 || *e2 || *e3) {
			bad++;
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: malformed route", lineno);
			continue;
		}
		struct hroute r;
		memset(&r, 0, sizeof(r));
		r.fam = MM_AF_INET;
		r.dst.family = MM_AF_INET;
		uint32_t be = (uint32_t)dst, m = (uint32_t)mask;
		r.dst.addr = ((be & 0xff) << 24) | ((be >> 8 & 0xff) << 16) |
			     ((be >> 16 & 0xff) << 8) | (be >> 24);
		unsigned bits = 0;
		for (int b = 0; b < 32; b++)
			bits += (m >> b) & 1;
		r.dst.prefix = bits;
		r.type = (flags & 0x0200) ? RTN_UNREACHABLE : RTN_UNICAST; /* RTF_REJECT */
		r.table = RT_TABLE_MAIN;
		r.src = arena_printf(a, "%s:%u", name, lineno);
		route_add(out, &r);
	}
	out->loaded = true;
	out->has4 = true;
	return bad ? MM_EPARSE : 0;
}

static void rule_add(struct hroutes *out, const struct hrule *r)
{
	ALLOC_GROW(out->rules, out->nrules + 1, out->arules);
	out->rules[out->nrules++] = *r;
}

int hroutes_parse_rules(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
			size_t len, enum mm_family fam, struct hroutes *out)
{
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	char w[40][128];
	int bad = 0;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		size_t k = words(line, n, w, 40);
		if (!k || w[0][0] == '#')
			continue;
		struct hrule r;
		memset(&r, 0, sizeof(r));
		r.fam = fam;
		char *end;
		r.prio = (unsigned)strtoul(w[0], &end, 10);
		if (end == w[0] || *end != ':') {
			bad++;
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: expected 'PRIORITY:'", lineno);
			continue;
		}
		r.action = FR_ACT_TO_TBL;
		bool have_action = false;
		for (size_t i = 1; i < k; i++) {
			const char *x = w[i], *v = i + 1 < k ? w[i + 1] : "";
			if (!strcmp(x, "not")) {
				r.invert = true;
			} else if (!strcmp(x, "from")) {
				if (strcmp(v, "all"))
					r.other = true;
				i++;
			} else if (!strcmp(x, "to")) {
				if (strcmp(v, "all")) {
					if (mm_cidr_parse(v, &r.to) == 0)
						r.has_to = true;
					else
						r.other = true;
				}
				i++;
			} else if (!strcmp(x, "uidrange")) {
				char *dash;
				r.uid_lo = strtol(v, &dash, 10);
				r.uid_hi = *dash == '-' ? strtol(dash + 1, NULL, 10) : r.uid_lo;
				r.has_uid = true;
				i++;
			} else if (!strcmp(x, "lookup") || !strcmp(x, "table")) {
				bool ok;
				r.table = table_id(v, &ok);
				if (!ok)
					r.table = 0xfffffffeu;
				have_action = true;
				i++;
			} else if (!strcmp(x, "unreachable")) {
				r.action = FR_ACT_UNREACHABLE;
				have_action = true;
			} else if (!strcmp(x, "prohibit")) {
				r.action = FR_ACT_PROHIBIT;
				have_action = true;
			} else if (!strcmp(x, "blackhole")) {
				r.action = FR_ACT_BLACKHOLE;
				have_action = true;
			} else if (!strcmp(x, "goto") || !strcmp(x, "nop")) {
				r.action = FR_ACT_NOP; /* evaluated as "go on" */
				have_action = true;
				if (x[0] == 'g')
					i++;
			} else if (!strcmp(x, "fwmark") || !strcmp(x, "iif") || !strcmp(x, "oif") ||
				   !strcmp(x, "tos") || !strcmp(x, "dsfield") ||
				   !strcmp(x, "ipproto") || !strcmp(x, "sport") ||
				   !strcmp(x, "dport") || !strcmp(x, "l3mdev") ||
				   !strcmp(x, "suppress_prefixlength") ||
				   !strcmp(x, "suppress_ifgroup") || !strcmp(x, "realms") ||
				   !strcmp(x, "protocol") || !strcmp(x, "pref") ||
				   !strcmp(x, "priority")) {
				if (strcmp(x, "suppress_prefixlength") && strcmp(x, "protocol") &&
				    strcmp(x, "pref") && strcmp(x, "priority") &&
				    strcmp(x, "realms"))
					r.other = true;
				if (strcmp(x, "l3mdev"))
					i++;
			}
		}
		if (!have_action)
			r.action = FR_ACT_NOP;
		r.src = arena_printf(a, "%s:%u", name, lineno);
		rule_add(out, &r);
	}
	out->rules_loaded = true;
	return bad ? MM_EPARSE : 0;
}

/* ---- rtnetlink ---- */

static int nl_dump(int fd, int type, int family, struct arena *a, struct hroutes *out,
		   struct mm_err *e)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct rtmsg rt;
			struct fib_rule_hdr fr;
		} u;
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.nh.nlmsg_type = (unsigned short)type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = (unsigned)type;
	req.u.rt.rtm_family = (unsigned char)family;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return mm_err_set(e, MM_EIO, "rtnetlink: %s", strerror(errno));
	char *buf = xmalloc(1 << 16);
	int rc = 0;
	for (bool done = false; !done;) {
		ssize_t n = recv(fd, buf, 1 << 16, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = mm_err_set(e, MM_EIO, "rtnetlink: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				rc = mm_err_set(e, MM_EIO, "rtnetlink: dump refused");
				done = true;
				break;
			}
			enum mm_family fam = family == AF_INET ? MM_AF_INET : MM_AF_INET6;
			if (h->nlmsg_type == RTM_NEWROUTE) {
				struct rtmsg *rt = NLMSG_DATA(h);
				struct hroute r;
				memset(&r, 0, sizeof(r));
				r.fam = fam;
				r.type = rt->rtm_type;
				r.table = rt->rtm_table;
				r.dst.family = fam;
				r.dst.prefix = rt->rtm_dst_len;
				int alen = (int)RTM_PAYLOAD(h);
				for (struct rtattr *at = RTM_RTA(rt); RTA_OK(at, alen);
				     at = RTA_NEXT(at, alen)) {
					if (at->rta_type == RTA_TABLE &&
					    RTA_PAYLOAD(at) >= sizeof(uint32_t))
						memcpy(&r.table, RTA_DATA(at), sizeof(uint32_t));
					if (at->rta_type == RTA_DST) {
						const unsigned char *p = RTA_DATA(at);
						size_t l = RTA_PAYLOAD(at);
						mm_u128 v = 0;
						for (size_t i = 0; i < l && i < 16; i++)
							v = v << 8 | p[i];
						r.dst.addr = v;
					}
				}
				char ab[64];
				r.src = arena_printf(a, "rtnetlink: %s %s/%u table %u",
						     r.type == RTN_UNREACHABLE ? "unreachable"
						     : r.type == RTN_PROHIBIT  ? "prohibit"
						     : r.type == RTN_BLACKHOLE ? "blackhole"
						     : r.type == RTN_THROW     ? "throw"
									       : "route",
						     mm_addr_fmt(fam, r.dst.addr, ab), r.dst.prefix,
						     r.table);
				route_add(out, &r);
			} else if (h->nlmsg_type == RTM_NEWRULE) {
				struct fib_rule_hdr *fr = NLMSG_DATA(h);
				struct hrule r;
				memset(&r, 0, sizeof(r));
				r.fam = fam;
				r.action = fr->action;
				r.table = fr->table;
				r.invert = fr->flags & FIB_RULE_INVERT;
				if (fr->src_len || fr->tos)
					r.other = true;
				int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*fr)));
				for (struct rtattr *at =
					 (struct rtattr *)((char *)fr + NLMSG_ALIGN(sizeof(*fr)));
				     RTA_OK(at, alen); at = RTA_NEXT(at, alen)) {
					switch (at->rta_type) {
					case FRA_PRIORITY:
						memcpy(&r.prio, RTA_DATA(at), sizeof(uint32_t));
						break;
					case FRA_TABLE:
						memcpy(&r.table, RTA_DATA(at), sizeof(uint32_t));
						break;
					case FRA_UID_RANGE: {
						struct fib_rule_uid_range ur;
						memcpy(&ur, RTA_DATA(at), sizeof(ur));
						r.has_uid = true;
						r.uid_lo = ur.start;
						r.uid_hi = ur.end;
						break;
					}
					case FRA_DST: {
						const unsigned char *p = RTA_DATA(at);
						mm_u128 v = 0;
						for (size_t i = 0; i < RTA_PAYLOAD(at) && i < 16;
						     i++)
							v = v << 8 | p[i];
						r.has_to = true;
						r.to.family = fam;
						r.to.prefix = fr->dst_len;
						r.to.addr = v;
						break;
					}
					case FRA_FWMARK:
					case FRA_IIFNAME:
					case FRA_OIFNAME:
					case FRA_SRC:
					case FRA_IP_PROTO:
					case FRA_SPORT_RANGE:
					case FRA_DPORT_RANGE:
					case FRA_L3MDEV:
						r.other = true;
						break;
					default:
						break;
					}
				}
				r.src = arena_printf(a, "rtnetlink: rule %u", r.prio);
				rule_add(out, &r);
			}
		}
	}
	free(buf);
	return rc;
}

int hroutes_netlink(struct arena *a, struct hroutes *out, struct mm_err *e)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return mm_err_set(e, MM_EIO, "rtnetlink: %s", strerror(errno));
	int rc = 0;
	static const int fams[] = { AF_INET, AF_INET6 };
	for (size_t i = 0; i < 2 && rc == 0; i++)
		rc = nl_dump(fd, RTM_GETROUTE, fams[i], a, out, e);
	if (rc == 0)
		out->loaded = out->has4 = out->has6 = true;
	int rr = 0;
	for (size_t i = 0; i < 2 && rr == 0; i++)
		rr = nl_dump(fd, RTM_GETRULE, fams[i], a, out, e);
	if (rr == 0)
		out->rules_loaded = true;
	close(fd);
	out->from = "rtnetlink";
	return rc;
}

void hroutes_release(struct hroutes *r)
{
	free(r->v);
	free(r->rules);
	memset(r, 0, sizeof(*r));
}

/* ---- lookup ---- */

static bool blocking(int type)
{
	return type == RTN_UNREACHABLE || type == RTN_PROHIBIT || type == RTN_BLACKHOLE;
}

/* Longest prefix in one table; NULL when nothing covers addr. */
static const struct hroute *table_lookup(const struct hroutes *r, unsigned table,
					 enum mm_family fam, mm_u128 addr)
{
	const struct hroute *best = NULL;
	for (size_t i = 0; i < r->nr; i++) {
		const struct hroute *x = &r->v[i];
		if (x->table != table || x->fam != fam || !mm_cidr_contains(&x->dst, fam, addr))
			continue;
		/* Equal prefixes: a blocking route is kept (worst case is the
		 * question's answer only when it is certain; ties are rare). */
		if (!best || x->dst.prefix > best->dst.prefix ||
		    (x->dst.prefix == best->dst.prefix && blocking(x->type)))
			best = x;
	}
	return best;
}

enum route_verdict hroutes_lookup(const struct hroutes *r, enum mm_family fam, mm_u128 addr,
				  long uid, const struct hroute **route, const struct hrule **rule)
{
	*route = NULL;
	*rule = NULL;
	static const struct hrule defaults[] = {
		{ .prio = 0, .table = RT_TABLE_LOCAL, .action = FR_ACT_TO_TBL },
		{ .prio = 32766, .table = RT_TABLE_MAIN, .action = FR_ACT_TO_TBL },
		{ .prio = 32767, .table = RT_TABLE_DEFAULT, .action = FR_ACT_TO_TBL },
	};
	/* Rules of this family, in priority order (stable). */
	size_t nr = 0;
	const struct hrule **order = xcalloc(r->nrules + 4, sizeof(*order));
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i].fam == fam)
			order[nr++] = &r->rules[i];
	if (!nr)
		for (size_t i = 0; i < 3; i++)
			order[nr++] = &defaults[i];
	for (size_t i = 1; i < nr; i++)
		for (size_t k = i; k > 0 && order[k - 1]->prio > order[k]->prio; k--) {
			const struct hrule *t = order[k];
			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	enum route_verdict v = RT_UNKNOWN;
	bool uncertain = false;
	for (size_t i = 0; i < nr; i++) {
		const struct hrule *ru = order[i];
		bool m = true;
		if (ru->has_uid && (uid < ru->uid_lo || uid > ru->uid_hi))
			m = false;
		if (ru->has_to && !mm_cidr_contains(&ru->to, fam, addr))
			m = false;
		if (ru->invert)
			m = !m;
		if (!m)
			continue;
		if (ru->other) {
			/* May or may not apply: what it would do decides how
			 * certain the rest is. */
			if (ru->action != FR_ACT_NOP)
				uncertain = true;
			continue;
		}
		if (ru->action == FR_ACT_UNREACHABLE || ru->action == FR_ACT_PROHIBIT ||
		    ru->action == FR_ACT_BLACKHOLE) {
			*rule = ru;
			v = uncertain ? RT_UNKNOWN : RT_BLOCKED;
			goto out;
		}
		if (ru->action != FR_ACT_TO_TBL)
			continue;
		const struct hroute *x = table_lookup(r, ru->table, fam, addr);
		if (!x || x->type == RTN_THROW)
			continue;
		*route = x;
		*rule = ru;
		if (blocking(x->type))
			v = uncertain ? RT_UNKNOWN : RT_BLOCKED;
		else
			v = RT_REACH;
		goto out;
	}
	v = RT_BLOCKED; /* no route at all: the kernel answers "network unreachable" */
	if (uncertain)
		v = RT_UNKNOWN;
out:
	free(order);
	return v;
}
