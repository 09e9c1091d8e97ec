/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Expected open ports (a list, or reach's exposures of one instance for one
 * origin) compared with a scan: see expect.h for the lists and the origin.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scan/expect.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "reach/reach.h"
#include "base/banned.h"

__attribute__((format(printf, 3, 4))) static void add_str(struct scan_strlist *l, struct arena *a,
							  const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i], sb.buf)) {
			strbuf_release(&sb);
			return;
		}
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr++] = arena_strndup(a, sb.buf, sb.len);
	strbuf_release(&sb);
}

int scan_origin_parse(const char *s, struct scan_origin *o, struct mm_err *e)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", s);
	if (!strcmp(s, "internet")) {
		o->kind = SCAN_FROM_INTERNET;
		return 0;
	}
	if (!strcmp(s, "peering")) {
		o->kind = SCAN_FROM_PEERING;
		return 0;
	}
	o->kind = SCAN_FROM_ADDRESS;
	if (mm_addr_parse(s, &o->family, &o->addr) < 0)
		return mm_err_set(e, MM_EUSAGE,
				  "bad origin '%s' (expected internet, peering, or the scanner's "
				  "IPv4/IPv6 address as the target sees it)",
				  s);
	mm_addr_fmt(o->family, o->addr, o->name);
	return 0;
}

void scan_expect_init(struct scan_expect *x)
{
	memset(x, 0, sizeof(*x));
	arena_init(&x->arena);
}

void scan_expect_release(struct scan_expect *x)
{
	for (int l = 0; l < SCAN_X_COUNT; l++)
		free(x->v[l]);
	free(x->unknown.v);
	free(x->notes.v);
	arena_release(&x->arena);
	memset(x, 0, sizeof(*x));
}

void scan_expect_default_udp(struct scan_portset *udp)
{
	static const unsigned short ports[] = { 53,  67,  68,  69,   123,  137,	 138,  161,  162,
						500, 514, 520, 1194, 1900, 4500, 5353, 11211 };
	scan_portset_clear(udp);
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		scan_portset_add(udp, ports[i], ports[i]);
}

void scan_expect_from_ports(struct scan_expect *x, const struct scan_portset *tcp,
			    const struct scan_portset *udp)
{
	x->source = "list";
	x->tcp = *tcp;
	x->udp = *udp;
}

static void add_ports(struct scan_portset *s, const struct reach_exposure *ex)
{
	for (size_t i = 0; i < ex->nports; i++)
		scan_portset_add(s, (unsigned)ex->ports[i].lo, (unsigned)ex->ports[i].hi);
}

static bool covers_internet(const struct reach_exposure *ex)
{
	const struct ivset *inet = mm_internet_ranges(ex->family);
	struct ivset src = IVSET_INIT;
	for (size_t i = 0; i < ex->nsrc; i++)
		ivset_add(&src, ex->src[i].lo, ex->src[i].hi);
	bool all = true;
	for (size_t i = 0; i < inet->nr && all; i++)
		all = ivset_covers(&src, inet->v[i].lo, inet->v[i].hi);
	ivset_release(&src);
	return all;
}

static bool src_has(const struct reach_exposure *ex, mm_u128 a)
{
	for (size_t i = 0; i < ex->nsrc; i++)
		if (a >= ex->src[i].lo && a <= ex->src[i].hi)
			return true;
	return false;
}

/* Expected sets from the exposures; `only` = the address the exposure must
 * be for (NULL = any). Returns how many exposures were used. */
static size_t collect(struct scan_expect *x, const struct reach_result *res, enum mm_family fam,
		      const char *only)
{
	struct scan_portset full[2], any[2];
	for (int p = 0; p < 2; p++) {
		scan_portset_clear(&full[p]);
		scan_portset_clear(&any[p]);
	}
	size_t used = 0;
	for (size_t i = 0; i < res->nexp; i++) {
		const struct reach_exposure *ex = &res->exp[i];
		if (ex->entry_id || ex->family != fam)
			continue;
		if (only && (!ex->address || strcmp(ex->address, only)))
			continue;
		if (x->from.kind == SCAN_FROM_ADDRESS && !src_has(ex, x->from.addr))
			continue;
		bool all = x->from.kind != SCAN_FROM_INTERNET || covers_internet(ex);
		if (ex->proto == MM_PROTO_ALL) {
			for (int p = 0; p < 2; p++) {
				scan_portset_add(&any[p], 1, 65535);
				if (all)
					scan_portset_add(&full[p], 1, 65535);
			}
		} else if (ex->proto == MM_PROTO_TCP || ex->proto == MM_PROTO_UDP) {
			int p = ex->proto == MM_PROTO_UDP;
			add_ports(&any[p], ex);
			if (all)
				add_ports(&full[p], ex);
		} else {
			continue;
		}
		used++;
	}
	struct scan_portset *exp[2] = { &x->tcp, &x->udp },
			    *some[2] = { &x->tcp_some, &x->udp_some };
	for (int p = 0; p < 2; p++) {
		scan_portset_clear(exp[p]);
		scan_portset_clear(some[p]);
		for (unsigned w = 0; w < 65536 / 64; w++) {
			exp[p]->bits[w] = any[p].bits[w];
			some[p]->bits[w] = any[p].bits[w] & ~full[p].bits[w];
			exp[p]->count += (unsigned)__builtin_popcountll(exp[p]->bits[w]);
			some[p]->count += (unsigned)__builtin_popcountll(some[p]->bits[w]);
		}
	}
	return used;
}

static const char *fam_word(enum mm_family f)
{
	return f == MM_AF_INET6 ? "ipv6" : f == MM_AF_INET ? "ipv4" : "any family";
}

int scan_expect_reach(struct reach_ctx *rx, const char *instance, const struct scan_origin *from,
		      enum mm_family fam, mm_u128 addr, struct scan_expect *x, struct mm_err *e)
{
	x->source = "snapshot";
	x->instance = arena_strdup(&x->arena, instance);
	x->from = *from;
	x->origin = x->from.name;
	x->rx = rx;
	if (from->kind == SCAN_FROM_ADDRESS && from->family != fam)
		return mm_err_set(e, MM_EUSAGE,
				  "origin '%s' and the target are not of the same address family",
				  from->name);

	struct reach_opts o = REACH_OPTS_INIT;
	o.instance = instance;
	o.no_load_balancers = true;
	o.origins = from->kind == SCAN_FROM_INTERNET  ? REACH_FROM_INTERNET
		    : from->kind == SCAN_FROM_PEERING ? REACH_FROM_PEERING
						      : REACH_FROM_ALL;
	struct reach_result res = { 0 };
	int rc = reach_eval(rx, &o, &res, e);
	if (rc < 0) {
		reach_result_release(&res);
		return rc;
	}

	char abuf[46];
	mm_addr_fmt(fam, addr, abuf);
	bool addr_known = false;
	for (size_t i = 0; i < res.nexp && !addr_known; i++)
		addr_known = res.exp[i].address && !strcmp(res.exp[i].address, abuf);
	size_t used = collect(x, &res, fam, addr_known ? abuf : NULL);
	if (!addr_known && used)
		add_str(&x->notes, &x->arena,
			"%s is not an address the snapshot gives instance '%s' for origin %s: "
			"compared with every %s exposure of the instance",
			abuf, instance, x->origin, fam_word(fam));

	/* Missing data is unknown, never "not reachable". */
	for (size_t i = 0; i < res.nunk; i++) {
		const struct reach_unknown *u = &res.unk[i];
		if (u->family && u->family != fam)
			continue;
		add_str(&x->unknown, &x->arena, "%s, %s: %s: %s", reach_origin_name(u->origin),
			fam_word(u->family), u->component ? u->component : "?",
			u->reason ? u->reason : "unknown");
	}
	if (!used) {
		for (size_t i = 0; i < res.nblk; i++) {
			const struct reach_block *b = &res.blk[i];
			if (b->entry_id || (b->family && b->family != fam))
				continue;
			add_str(
			    &x->notes, &x->arena,
			    "the snapshot lets nothing from %s reach instance '%s' (%s): %s: %s",
			    reach_origin_name(b->origin), instance, fam_word(fam), b->code,
			    b->detail ? b->detail : "");
		}
	}
	if (from->kind == SCAN_FROM_INTERNET && !ivset_contains(mm_internet_ranges(fam), addr))
		add_str(&x->notes, &x->arena,
			"the target %s is not a public address, so this scan did not come "
			"from the internet through the instance's gateway (from the instance "
			"itself it passes no security group either); the comparison assumes "
			"an internet origin (--from)",
			abuf);
	if (x->tcp_some.count || x->udp_some.count)
		add_str(&x->notes, &x->arena,
			"%u port%s %s allowed from part of the internet only: closed from here "
			"may just mean this scanner is outside the allowed sources",
			x->tcp_some.count + x->udp_some.count,
			x->tcp_some.count + x->udp_some.count == 1 ? "" : "s",
			x->tcp_some.count + x->udp_some.count == 1 ? "is" : "are");
	reach_result_release(&res);
	return 0;
}

static void push(struct scan_expect *x, enum scan_expect_list l, enum scan_proto p, unsigned port,
		 enum scan_state st)
{
	ALLOC_GROW(x->v[l], x->n[l] + 1, x->a[l]);
	struct scan_expect_item *it = &x->v[l][x->n[l]++];
	memset(it, 0, sizeof(*it));
	it->proto = p;
	it->port = port;
	it->state = st;
	const struct scan_portset *some = p == SCAN_UDP ? &x->udp_some : &x->tcp_some;
	it->some_sources = scan_portset_has(some, port);
}

/* Why reach says an open port cannot be reached from the internet. */
static void explain(struct scan_expect *x, struct scan_expect_item *it)
{
	if (!x->rx || x->from.kind != SCAN_FROM_INTERNET)
		return;
	struct reach_verdict v = { 0 };
	struct mm_err e = { 0 };
	int proto = it->proto == SCAN_UDP ? MM_PROTO_UDP : MM_PROTO_TCP;
	if (reach_port_verdict(x->rx, x->instance, proto, (int)it->port, &v, &e) < 0)
		return;
	if (v.state < 0) {
		it->code = "UNKNOWN";
		it->detail = v.detail;
	} else if (v.state == 0) {
		it->code = v.code;
		it->detail = v.detail;
	} else if (v.via && strncmp(v.via, "igw-", 4)) {
		it->code = "LOAD_BALANCER_ONLY";
		it->detail = arena_printf(
		    &x->arena, "reachable through load balancer '%s', not directly", v.via);
	}
}

void scan_expect_diff(struct scan_expect *x, const struct scan_result *r)
{
	for (int l = 0; l < SCAN_X_COUNT; l++)
		x->n[l] = 0;
	unsigned scanned_expected = 0;
	for (size_t i = 0; i < r->nports; i++) {
		enum scan_proto p = scan_result_proto(r, i);
		unsigned port = r->ports[i];
		enum scan_state st = r->state[i];
		bool want = scan_portset_has(p == SCAN_UDP ? &x->udp : &x->tcp, port);
		scanned_expected += want;
		if (st == SCAN_OPEN && want) {
			push(x, SCAN_X_OPEN_EXPECTED, p, port, st);
		} else if (st == SCAN_OPEN) {
			push(x, SCAN_X_OPEN_UNEXPECTED, p, port, st);
			explain(x, &x->v[SCAN_X_OPEN_UNEXPECTED][x->n[SCAN_X_OPEN_UNEXPECTED] - 1]);
		} else if (want && st == SCAN_OPEN_FILTERED) {
			push(x, SCAN_X_UNDETERMINED, p, port, st);
		} else if (want) {
			push(x, SCAN_X_EXPECTED_CLOSED, p, port, st);
		}
	}
	unsigned total = x->tcp.count + x->udp.count;
	if (total > scanned_expected)
		add_str(&x->notes, &x->arena,
			"%u expected port%s not scanned (outside -p): not compared",
			total - scanned_expected,
			total - scanned_expected == 1 ? " was" : "s were");
}
