/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Port lists in nmap's -p syntax, held as one bitmap per protocol, and the
 * names of states and reasons the renderers print.
 */
#include <ctype.h>
#include <string.h>

#include "scan/scan.h"
#include "base/banned.h"

const char *scan_proto_name(enum scan_proto p)
{
	return p == SCAN_UDP ? "udp" : "tcp";
}

const char *scan_state_name(enum scan_state s)
{
	switch (s) {
	case SCAN_OPEN:
		return "open";
	case SCAN_CLOSED:
		return "closed";
	case SCAN_FILTERED:
		return "filtered";
	case SCAN_OPEN_FILTERED:
		return "open|filtered";
	default:
		return "unscanned";
	}
}

const char *scan_reason_name(enum scan_reason r)
{
	static const char *const names[SCAN_R_COUNT] = {
		[SCAN_R_NONE] = "none",
		[SCAN_R_SYN_ACK] = "syn-ack",
		[SCAN_R_CONN_REFUSED] = "conn-refused",
		[SCAN_R_RESET] = "reset",
		[SCAN_R_NO_RESPONSE] = "no-response",
		[SCAN_R_UDP_RESPONSE] = "udp-response",
		[SCAN_R_PORT_UNREACH] = "port-unreach",
		[SCAN_R_HOST_UNREACH] = "host-unreach",
		[SCAN_R_NET_UNREACH] = "net-unreach",
		[SCAN_R_PROTO_UNREACH] = "proto-unreach",
		[SCAN_R_ADMIN_PROHIBITED] = "admin-prohibited",
		[SCAN_R_HOST_PROHIBITED] = "host-prohibited",
		[SCAN_R_NET_PROHIBITED] = "net-prohibited",
		[SCAN_R_LOCAL_DENIED] = "local-denied",
	};
	return (unsigned)r < SCAN_R_COUNT && names[r] ? names[r] : "none";
}

void scan_portset_clear(struct scan_portset *s)
{
	memset(s, 0, sizeof(*s));
}

void scan_portset_add(struct scan_portset *s, unsigned lo, unsigned hi)
{
	if (hi > 65535)
		hi = 65535;
	for (unsigned p = lo; p <= hi; p++) {
		uint64_t bit = 1ull << (p % 64);
		if (!(s->bits[p / 64] & bit)) {
			s->bits[p / 64] |= bit;
			s->count++;
		}
	}
}

void scan_portset_format(const struct scan_portset *s, struct strbuf *out)
{
	bool first = true;
	for (unsigned p = 0; p < 65536; p++) {
		if (!scan_portset_has(s, p))
			continue;
		unsigned q = p;
		while (q + 1 < 65536 && scan_portset_has(s, q + 1))
			q++;
		if (!first)
			strbuf_addch(out, ',');
		first = false;
		if (q == p)
			strbuf_addf(out, "%u", p);
		else
			strbuf_addf(out, "%u-%u", p, q);
		p = q;
	}
}

/* A decimal port at *pp; -1 when there is none or it exceeds 65535. */
static long read_port(const char **pp)
{
	const char *p = *pp;
	if (!isdigit((unsigned char)*p))
		return -1;
	long v = 0;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		if (v > 65535)
			return -1;
		p++;
	}
	*pp = p;
	return v;
}

int scan_ports_parse(const char *spec, enum scan_proto plain, struct scan_portset *tcp,
		     struct scan_portset *udp, struct mm_err *e)
{
	scan_portset_clear(tcp);
	scan_portset_clear(udp);
	struct scan_portset *cur = plain == SCAN_UDP ? udp : tcp;
	const char *p = spec;
	if (!*p)
		return mm_err_set(e, MM_EPARSE, "empty port list");
	for (;;) {
		const char *item = p;
		/* protocol prefix: applies to this item and the following ones */
		if ((p[0] == 'T' || p[0] == 't' || p[0] == 'U' || p[0] == 'u') && p[1] == ':') {
			cur = (p[0] == 'U' || p[0] == 'u') ? udp : tcp;
			p += 2;
			item = p;
		}
		long lo, hi;
		if (*p == '-') {
			lo = 1;
		} else {
			lo = read_port(&p);
			if (lo < 0)
				goto bad;
		}
		if (*p == '-') {
			p++;
			if (*p == ',' || !*p) {
				hi = 65535;
			} else {
				hi = read_port(&p);
				if (hi < 0)
					goto bad;
			}
		} else {
			hi = lo;
		}
		if (lo > hi)
			return mm_err_set(e, MM_EPARSE,
					  "bad port range '%.*s' at offset %td: %ld is above %ld",
					  (int)(p - item), item, item - spec, lo, hi);
		scan_portset_add(cur, (unsigned)lo, (unsigned)hi);
		if (!*p)
			break;
		if (*p != ',')
			goto bad;
		p++;
		if (!*p)
			goto bad;
		continue;
	bad : {
		size_t n = strcspn(item, ",");
		return mm_err_set(e, MM_EPARSE,
				  "bad port list '%s': cannot read '%.*s' at offset %td (expected "
				  "PORT, LO-HI, -HI, LO- or -, optionally after T: or U:)",
				  spec, (int)n, item, item - spec);
	}
	}
	return 0;
}
