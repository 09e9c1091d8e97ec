/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scan targets: an address, a CIDR block or a host name. A name is resolved
 * once, here, and only forward: reverse lookups cost seconds and nobody asked
 * for them. Addresses are parsed by base/ipset (one CIDR parser in the tree).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "scan/scan.h"
#include "base/banned.h"

static mm_u128 from_bytes(const unsigned char *b, int n)
{
	mm_u128 a = 0;
	for (int i = 0; i < n; i++)
		a = (a << 8) | b[i];
	return a;
}

static int resolve(const char *name, enum mm_family want, struct scan_target *t, struct mm_err *e)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = want == MM_AF_INET ? AF_INET : want == MM_AF_INET6 ? AF_INET6 : AF_UNSPEC;
	int rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc)
		return mm_err_set(e, MM_ENOTFOUND, "cannot resolve '%s': %s", name,
				  gai_strerror(rc));
	/* Without a family preference IPv4 comes first, as with nmap. */
	const struct addrinfo *pick = NULL;
	for (int pass = 0; pass < 2 && !pick; pass++)
		for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
			if ((ai->ai_family == AF_INET && (pass || want != MM_AF_INET6)) ||
			    (ai->ai_family == AF_INET6 && pass)) {
				pick = ai;
				break;
			}
	if (!pick) {
		freeaddrinfo(res);
		return mm_err_set(e, MM_ENOTFOUND, "cannot resolve '%s': no %s address", name,
				  want == MM_AF_INET6 ? "IPv6" : "IPv4");
	}
	t->is_name = true;
	if (pick->ai_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)pick->ai_addr;
		t->family = MM_AF_INET;
		t->first = from_bytes((const unsigned char *)&sin->sin_addr, 4);
		t->prefix = 32;
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)pick->ai_addr;
		t->family = MM_AF_INET6;
		t->first = from_bytes(sin6->sin6_addr.s6_addr, 16);
		t->prefix = 128;
	}
	t->count = 1;
	/* getaddrinfo repeats an address once per socket type; count distinct */
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		enum mm_family f = ai->ai_family == AF_INET ? MM_AF_INET : MM_AF_INET6;
		mm_u128 a =
		    f == MM_AF_INET
			? from_bytes((const unsigned char *)&(
					 (const struct sockaddr_in *)(const void *)ai->ai_addr)
					 ->sin_addr,
				     4)
			: from_bytes(((const struct sockaddr_in6 *)(const void *)ai->ai_addr)
					 ->sin6_addr.s6_addr,
				     16);
		if (f == t->family && a == t->first)
			continue;
		bool seen = false;
		for (const struct addrinfo *bi = res; bi != ai; bi = bi->ai_next) {
			if (bi->ai_family == ai->ai_family && bi->ai_addrlen == ai->ai_addrlen &&
			    !memcmp(bi->ai_addr, ai->ai_addr, ai->ai_addrlen)) {
				seen = true;
				break;
			}
		}
		if (seen)
			continue;
		if (!t->other)
			mm_addr_fmt(f, a, t->other_first);
		t->other++;
	}
	freeaddrinfo(res);
	return 0;
}

int scan_target_parse(const char *spec, enum mm_family family, struct scan_target *t,
		      struct mm_err *e)
{
	memset(t, 0, sizeof(*t));
	t->spec = spec;
	size_t n = strlen(spec);
	if (!n || n > 253)
		return mm_err_set(e, MM_EPARSE,
				  "bad target '%s': expected an address, a CIDR "
				  "block or a host name",
				  spec);
	char buf[260];
	/* "[::1]" as in URLs */
	if (spec[0] == '[' && spec[n - 1] == ']') {
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 2), spec + 1);
	} else {
		snprintf(buf, sizeof(buf), "%s", spec);
	}
	bool looks_numeric = strchr(buf, ':') || strspn(buf, "0123456789./") == strlen(buf);
	if (looks_numeric) {
		struct mm_cidr c;
		if (mm_cidr_parse(buf, &c) < 0)
			return mm_err_set(e, MM_EPARSE,
					  "bad target '%s': not an IPv4/IPv6 address or CIDR block",
					  spec);
		if (family && c.family != family)
			return mm_err_set(e, MM_EPARSE, "target '%s' is not an %s address", spec,
					  family == MM_AF_INET ? "IPv4" : "IPv6");
		unsigned bits = c.family == MM_AF_INET ? 32 : 128;
		if (bits - c.prefix > 32)
			return mm_err_set(e, MM_ELIMIT,
					  "target '%s' holds 2^%u addresses: too many to scan",
					  spec, bits - c.prefix);
		/* "10.0.0.5/24" is the block 10.0.0.0/24, as for nmap */
		t->family = c.family;
		t->first = c.addr;
		t->prefix = c.prefix;
		t->count = 1ull << (bits - c.prefix);
		return 0;
	}
	if (strchr(buf, '/'))
		return mm_err_set(e, MM_EPARSE,
				  "bad target '%s': a block must be written as an address, not a "
				  "host name",
				  spec);
	return resolve(buf, family, t, e);
}

mm_u128 scan_target_addr(const struct scan_target *t, uint64_t i)
{
	return t->first + i;
}

const char *scan_target_fmt(const struct scan_target *t, char *buf)
{
	char a[46];
	mm_addr_fmt(t->family, t->first, a);
	unsigned bits = t->family == MM_AF_INET ? 32 : 128;
	if (t->prefix == bits)
		snprintf(buf, 50, "%s", a);
	else
		snprintf(buf, 50, "%s/%u", a, t->prefix);
	return buf;
}
