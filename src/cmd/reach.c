/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori reach DIR: load a snapshot and report, per instance interface, which
 * traffic the internet and peered VPCs can open, by which path, and why not
 * for the rest (src/reach/). This file owns the options, the renderers (text
 * table, JSON, --explain traceroute) and the exit code.
 *
 * Exit: 0 ran; 2 usage or input error (bad option, DIR unreadable or holding
 * no loadable file, bad --explain syntax, unknown --instance); 3 runtime error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "progress.h"
#include "aws/snapshot.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "reach/reach.h"
#include "base/banned.h"

#define usage_error(...) cmd_usage_error("reach", __VA_ARGS__)

static const char reach_usage[] =
    "usage: mamori reach DIR [options]\n"
    "       mamori reach DIR --explain INSTANCE:PORT[/PROTO]\n"
    "\n"
    "Show who on the internet or in a peered VPC can open which port on which\n"
    "instance, by which path (gateway, route, network ACL rule, security group\n"
    "rule), and for the rest the first component that blocks it.\n"
    "\n"
    "options:\n"
    "      --from ORIGIN      internet or peering (default both)\n"
    "      --instance ID      only this instance\n"
    "      --port P[/PROTO]   only this port (tcp and udp unless PROTO is given)\n"
    "  -f, --format FMT       text or json (default text)\n"
    "      --explain I:P/PR   hop-by-hop verdict for instance I, port P, protocol PR\n"
    "                         (tcp, udp, icmp, icmpv6 or a number; default tcp);\n"
    "                         with --format json, the same evaluation as JSON\n"
    "  -h, --help             show this help\n"
    "\n"
    "exit status: 0 ran, 2 usage or input error, 3 runtime error\n";

/* "22", "22/tcp", "8/icmp"; proto MM_PROTO_BAD when not given. */
static int parse_port_proto(const char *s, int *port, int *proto)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || errno || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	*proto = MM_PROTO_BAD;
	if (!*end)
		return 0;
	if (*end != '/')
		return -1;
	int p = mm_proto_parse(end + 1);
	if (p == MM_PROTO_BAD || p == MM_PROTO_ALL)
		return -1;
	if ((p == MM_PROTO_ICMP || p == MM_PROTO_ICMPV6) && v > 255)
		return -1;
	*proto = p;
	return 0;
}

/* ---- output: rendered into a strbuf, written out every MiB ---- */

struct sink {
	struct strbuf sb;
	int err; /* errno of the first failed write */
};

static void sink_flush(struct sink *o)
{
	if (o->sb.len && !o->err && fwrite(o->sb.buf, 1, o->sb.len, stdout) != o->sb.len)
		o->err = errno ? errno : EIO;
	strbuf_reset(&o->sb);
}

static void sink_maybe_flush(struct sink *o)
{
	if (o->sb.len >= (1u << 20))
		sink_flush(o);
}

/* ---- JSON ---- */

struct jctx {
	struct strbuf *sb;
	bool first;
};

static void jstr(struct strbuf *sb, const char *s)
{
	if (!s) {
		strbuf_addstr(sb, "null");
		return;
	}
	/* fast path: most strings (ids, pointers, details) need no escaping */
	size_t n = 0;
	for (; s[n]; n++) {
		unsigned char ch = (unsigned char)s[n];
		if (ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x7f)
			break;
	}
	if (s[n]) {
		strbuf_add_json_str(sb, s);
		return;
	}
	strbuf_grow(sb, n + 2);
	strbuf_addch(sb, '"');
	strbuf_add(sb, s, n);
	strbuf_addch(sb, '"');
}

static int cidr_cb(const char *cidr, void *arg)
{
	struct jctx *j = arg;
	if (!j->first)
		strbuf_addch(j->sb, ',');
	j->first = false;
	strbuf_add_json_str(j->sb, cidr);
	return 0;
}

/* Rendered source lists by content: most exposures share a handful of sets
 * (the whole internet above all), each costing ~130 CIDRs to print. */
struct src_cache {
	struct mm_iv *key[256];
	size_t nkey[256];
	char *val[256];
	size_t len[256];
};

static size_t src_hash(const struct mm_iv *v, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ n;
	const unsigned char *p = (const unsigned char *)v;
	for (size_t i = 0; i < n * sizeof(*v) && i < 256; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return (size_t)(h % 256);
}

static void json_sources(struct strbuf *sb, struct src_cache *sc, enum mm_family fam,
			 const struct mm_iv *v, size_t n)
{
	size_t h = src_hash(v, n);
	if (sc->val[h] && sc->nkey[h] == n && (!n || !memcmp(sc->key[h], v, n * sizeof(*v)))) {
		strbuf_add(sb, sc->val[h], sc->len[h]);
		return;
	}
	struct strbuf t = STRBUF_INIT;
	struct jctx j = { &t, true };
	strbuf_addch(&t, '[');
	for (size_t i = 0; i < n; i++)
		reach_range_cidrs(fam, v[i].lo, v[i].hi, cidr_cb, &j);
	strbuf_addch(&t, ']');
	strbuf_add(sb, t.buf, t.len);
	free(sc->val[h]);
	free(sc->key[h]);
	sc->key[h] = n ? xmalloc(st_mult(n, sizeof(*v))) : NULL;
	if (n)
		memcpy(sc->key[h], v, n * sizeof(*v));
	sc->nkey[h] = n;
	sc->val[h] = strbuf_detach(&t, &sc->len[h]);
}

static void src_cache_release(struct src_cache *sc)
{
	for (size_t i = 0; i < 256; i++) {
		free(sc->val[i]);
		free(sc->key[i]);
	}
}

static const char *fam_name(enum mm_family f)
{
	return f == MM_AF_INET6 ? "ipv6" : f == MM_AF_INET ? "ipv4" : NULL;
}

static bool is_icmp(int p)
{
	return p == MM_PROTO_ICMP || p == MM_PROTO_ICMPV6;
}

/* ICMP "ports" are type << 8 | code: whole types become [type, type] ranges,
 * partial types are listed with their codes. */
static void json_ports(struct strbuf *sb, const struct reach_exposure *x)
{
	strbuf_addstr(sb, "\"port_ranges\":[");
	if (!is_icmp(x->proto)) {
		for (size_t i = 0; i < x->nports; i++)
			strbuf_addf(sb, "%s[%u,%u]", i ? "," : "", (unsigned)x->ports[i].lo,
				    (unsigned)x->ports[i].hi);
		strbuf_addch(sb, ']');
		return;
	}
	struct strbuf codes = STRBUF_INIT;
	bool first = true;
	int run_lo = -1, run_hi = -1;
	for (size_t i = 0; i < x->nports; i++) {
		unsigned lo = (unsigned)x->ports[i].lo, hi = (unsigned)x->ports[i].hi;
		while (lo <= hi) {
			unsigned t = lo >> 8, c1 = lo & 255;
			unsigned c2 = (hi >> 8) == t ? (hi & 255) : 255;
			if (c1 == 0 && c2 == 255) {
				if (run_hi == (int)t - 1 && run_lo >= 0) {
					run_hi = (int)t;
				} else {
					if (run_lo >= 0)
						strbuf_addf(sb, "%s[%d,%d]", first ? "" : ",",
							    run_lo, run_hi);
					if (run_lo >= 0)
						first = false;
					run_lo = run_hi = (int)t;
				}
			} else {
				strbuf_addf(&codes, "%s[%u,%u,%u]", codes.len ? "," : "", t, c1,
					    c2);
			}
			lo = (t + 1) << 8;
			if (t == 255)
				break;
		}
	}
	if (run_lo >= 0)
		strbuf_addf(sb, "%s[%d,%d]", first ? "" : ",", run_lo, run_hi);
	strbuf_addch(sb, ']');
	if (codes.len)
		strbuf_addf(sb, ",\"icmp_type_codes\":[%s]", codes.buf);
	strbuf_release(&codes);
}

static void json_hops(struct strbuf *sb, const struct reach_hop *h, size_t n)
{
	strbuf_addch(sb, '[');
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(sb, i ? ",{\"component\":" : "{\"component\":");
		jstr(sb, h[i].component);
		strbuf_addstr(sb, ",\"type\":");
		jstr(sb, h[i].type);
		strbuf_addstr(sb, ",\"rule\":");
		jstr(sb, h[i].rule);
		strbuf_addstr(sb, ",\"action\":");
		jstr(sb, h[i].action);
		strbuf_addstr(sb, ",\"detail\":");
		jstr(sb, h[i].detail);
		strbuf_addstr(sb, ",\"evidence\":");
		jstr(sb, h[i].evidence);
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, ']');
}

static void json_entry(struct strbuf *sb, const char *id, int port)
{
	if (!id) {
		strbuf_addstr(sb, "null");
		return;
	}
	strbuf_addstr(sb, "{\"type\":\"load-balancer\",\"id\":");
	jstr(sb, id);
	strbuf_addf(sb, ",\"port\":%d}", port);
}

static void render_json(struct sink *o, const struct reach_result *r)
{
	struct strbuf *sb = &o->sb;
	struct src_cache *sc = xcalloc(1, sizeof(*sc));
	strbuf_addstr(sb, "{\"exposures\":[");
	for (size_t i = 0; i < r->nexp; i++) {
		const struct reach_exposure *x = &r->exp[i];
		sink_maybe_flush(o);
		strbuf_addstr(sb, i ? ",\n{" : "\n{");
		strbuf_addstr(sb, "\"resource\":");
		jstr(sb, x->resource);
		strbuf_addstr(sb, ",\"eni\":");
		jstr(sb, x->eni);
		strbuf_addstr(sb, ",\"address\":");
		jstr(sb, x->address);
		strbuf_addstr(sb, ",\"family\":");
		jstr(sb, fam_name(x->family));
		strbuf_addstr(sb, ",\"origin\":");
		jstr(sb, reach_origin_name(x->origin));
		strbuf_addstr(sb, ",\"gateway\":");
		jstr(sb, x->gateway);
		strbuf_addstr(sb, ",\"entry\":");
		json_entry(sb, x->entry_id, x->entry_port);
		strbuf_addstr(sb, ",\"protocol\":");
		jstr(sb, reach_proto_name(x->proto));
		strbuf_addch(sb, ',');
		json_ports(sb, x);
		strbuf_addstr(sb, ",\"source_ranges\":");
		json_sources(sb, sc, x->family, x->src, x->nsrc);
		strbuf_addstr(sb, ",\"forward_path\":");
		json_hops(sb, x->fwd, x->nfwd);
		strbuf_addstr(sb, ",\"return_path\":");
		json_hops(sb, x->ret, x->nret);
		strbuf_addstr(sb, ",\"notes\":[");
		for (size_t k = 0; k < x->nnotes; k++) {
			if (k)
				strbuf_addch(sb, ',');
			jstr(sb, x->notes[k]);
		}
		strbuf_addstr(sb, "]}");
	}
	src_cache_release(sc);
	free(sc);
	strbuf_addstr(sb, "],\n\"blocked\":[");
	for (size_t i = 0; i < r->nblk; i++) {
		const struct reach_block *b = &r->blk[i];
		sink_maybe_flush(o);
		strbuf_addstr(sb, i ? ",\n{" : "\n{");
		strbuf_addstr(sb, "\"resource\":");
		jstr(sb, b->resource);
		strbuf_addstr(sb, ",\"eni\":");
		jstr(sb, b->eni);
		strbuf_addstr(sb, ",\"origin\":");
		jstr(sb, reach_origin_name(b->origin));
		strbuf_addstr(sb, ",\"family\":");
		jstr(sb, fam_name(b->family));
		strbuf_addstr(sb, ",\"entry\":");
		json_entry(sb, b->entry_id, b->entry_port);
		strbuf_addstr(sb, ",\"code\":");
		jstr(sb, b->code);
		strbuf_addstr(sb, ",\"component\":");
		jstr(sb, b->component);
		strbuf_addstr(sb, ",\"detail\":");
		jstr(sb, b->detail);
		strbuf_addstr(sb, ",\"evidence\":");
		jstr(sb, b->evidence);
		strbuf_addstr(sb, ",\"path\":");
		json_hops(sb, b->path, b->npath);
		strbuf_addch(sb, '}');
	}
	strbuf_addstr(sb, "],\n\"unknown\":[");
	for (size_t i = 0; i < r->nunk; i++) {
		const struct reach_unknown *u = &r->unk[i];
		sink_maybe_flush(o);
		strbuf_addstr(sb, i ? ",\n{" : "\n{");
		strbuf_addstr(sb, "\"resource\":");
		jstr(sb, u->resource);
		strbuf_addstr(sb, ",\"eni\":");
		jstr(sb, u->eni);
		strbuf_addstr(sb, ",\"origin\":");
		jstr(sb, reach_origin_name(u->origin));
		strbuf_addstr(sb, ",\"family\":");
		jstr(sb, fam_name(u->family));
		strbuf_addstr(sb, ",\"component\":");
		jstr(sb, u->component);
		strbuf_addstr(sb, ",\"reason\":");
		jstr(sb, u->reason);
		strbuf_addch(sb, '}');
	}
	strbuf_addstr(sb, "]}\n");
}

/* ---- text ---- */

struct txt {
	struct strbuf *sb;
	size_t n, max;
};

static int txt_cidr_cb(const char *cidr, void *arg)
{
	struct txt *t = arg;
	if (t->n < t->max)
		strbuf_addf(t->sb, "%s%s", t->n ? "," : "", cidr);
	t->n++;
	return t->n > t->max;
}

static void sources_text(struct strbuf *sb, enum mm_family fam, const struct mm_iv *v, size_t n)
{
	const struct ivset *inet = mm_internet_ranges(fam);
	bool all = inet->nr == n;
	for (size_t i = 0; all && i < n; i++)
		all = inet->v[i].lo == v[i].lo && inet->v[i].hi == v[i].hi;
	if (all) {
		strbuf_addstr(sb, "internet (any)");
		return;
	}
	/* most of the internet minus a few blocks (typically the VPC's own
	 * IPv6 range, which routes locally): say so instead of listing pieces */
	struct ivset src = IVSET_INIT, rest = IVSET_INIT;
	for (size_t i = 0; i < n; i++)
		ivset_add(&src, v[i].lo, v[i].hi);
	ivset_copy(&rest, inet);
	ivset_subtract(&rest, &src);
	struct ivset outside = IVSET_INIT;
	ivset_copy(&outside, &src);
	ivset_subtract(&outside, inet);
	if (!ivset_empty(&src) && ivset_empty(&outside)) {
		struct strbuf ex = STRBUF_INIT;
		struct txt te = { &ex, 0, 2 };
		for (size_t i = 0; i < rest.nr && te.n <= te.max; i++)
			reach_range_cidrs(fam, rest.v[i].lo, rest.v[i].hi, txt_cidr_cb, &te);
		if (te.n <= te.max)
			strbuf_addf(sb, "internet except %s", ex.buf);
		strbuf_release(&ex);
		if (te.n <= te.max) {
			ivset_release(&src);
			ivset_release(&rest);
			ivset_release(&outside);
			return;
		}
	}
	ivset_release(&src);
	ivset_release(&rest);
	ivset_release(&outside);
	struct txt t = { sb, 0, 3 };
	for (size_t i = 0; i < n && t.n <= t.max; i++)
		reach_range_cidrs(fam, v[i].lo, v[i].hi, txt_cidr_cb, &t);
	if (t.n > t.max)
		strbuf_addstr(sb, " +more");
}

static void ports_text(struct strbuf *sb, const struct reach_exposure *x)
{
	if (x->proto == MM_PROTO_ALL || x->proto == REACH_PROTO_OTHER) {
		strbuf_addstr(sb, "all");
		return;
	}
	for (size_t i = 0; i < x->nports && i < 8; i++) {
		unsigned lo = (unsigned)x->ports[i].lo, hi = (unsigned)x->ports[i].hi;
		if (is_icmp(x->proto)) {
			if (lo == 0 && hi == 65535)
				strbuf_addstr(sb, "all");
			else
				strbuf_addf(sb, "%stype %u", i ? "," : "", lo >> 8);
			continue;
		}
		if (lo == hi)
			strbuf_addf(sb, "%s%u", i ? "," : "", lo);
		else
			strbuf_addf(sb, "%s%u-%u", i ? "," : "", lo, hi);
	}
	if (x->nports > 8)
		strbuf_addf(sb, ",+%zu", x->nports - 8);
}

static void render_text(struct sink *o, const struct reach_result *r)
{
	struct strbuf *sb = &o->sb;
	size_t exposed = 0, ie = 0, ib = 0, iu = 0;
	struct strbuf cell = STRBUF_INIT;
	const char *id;
	while ((id = reach_next_resource(r, ie, ib, iu))) {
		sink_maybe_flush(o);
		strbuf_addf(sb, "%s\n", id);
		bool any = false;
		for (; ie < r->nexp && !strcmp(r->exp[ie].resource, id); ie++) {
			const struct reach_exposure *x = &r->exp[ie];
			if (!any)
				strbuf_addf(sb, "  %-9s %-5s %-6s %-14s %-28s %-24s %s\n", "ORIGIN",
					    "FAM", "PROTO", "PORTS", "SOURCES", "VIA", "ADDRESS");
			any = true;
			strbuf_reset(&cell);
			ports_text(&cell, x);
			strbuf_addf(sb, "  %-9s %-5s %-6s %-14s ", reach_origin_name(x->origin),
				    fam_name(x->family), reach_proto_name(x->proto), cell.buf);
			strbuf_reset(&cell);
			sources_text(&cell, x->family, x->src, x->nsrc);
			strbuf_addf(sb, "%-28s ", cell.buf);
			strbuf_reset(&cell);
			if (x->entry_id)
				strbuf_addf(&cell, "%s lb:%d", x->gateway, x->entry_port);
			else
				strbuf_addstr(&cell, x->gateway ? x->gateway : "-");
			strbuf_addf(sb, "%-24s %s\n", cell.buf, x->address ? x->address : "-");
		}
		if (any)
			exposed++;
		for (; ib < r->nblk && !strcmp(r->blk[ib].resource, id); ib++) {
			const struct reach_block *b = &r->blk[ib];
			strbuf_addf(sb, "  %-9s %-5s blocked %s at %s: %s\n",
				    reach_origin_name(b->origin),
				    b->family == MM_AF_NONE ? "-" : fam_name(b->family), b->code,
				    b->component ? b->component : "?", b->detail ? b->detail : "");
		}
		for (; iu < r->nunk && !strcmp(r->unk[iu].resource, id); iu++) {
			const struct reach_unknown *u = &r->unk[iu];
			strbuf_addf(sb, "  %-9s unknown %s\n", reach_origin_name(u->origin),
				    u->reason ? u->reason : "");
		}
	}
	strbuf_release(&cell);
	strbuf_addf(
	    sb,
	    "\n%zu instance%s and %zu interface%s evaluated: %zu resource%s with exposures, "
	    "%zu blocked, %zu unknown\n",
	    r->instances, r->instances == 1 ? "" : "s", r->enis, r->enis == 1 ? "" : "s", exposed,
	    exposed == 1 ? "" : "s", r->nblk, r->nunk);
}

/* ---- explain ---- */

static void explain_hops(struct strbuf *sb, const struct reach_hop *h, size_t n, size_t *step)
{
	for (size_t i = 0; i < n; i++) {
		(*step)++;
		strbuf_addf(sb, "  %2zu  %-6s %-24s %-16s", *step, h[i].action ? h[i].action : "",
			    h[i].component ? h[i].component : "?", h[i].type ? h[i].type : "");
		if (h[i].rule)
			strbuf_addf(sb, " [%s]", h[i].rule);
		strbuf_addch(sb, '\n');
		if (h[i].detail)
			strbuf_addf(sb, "        %s\n", h[i].detail);
		if (h[i].evidence)
			strbuf_addf(sb, "        evidence: %s\n", h[i].evidence);
	}
}

static void render_explain(struct strbuf *sb, const struct reach_result *r, const char *inst,
			   int port, int proto)
{
	strbuf_addf(sb, "explain %s %s/%d\n", inst, mm_proto_name(proto), port);
	bool any = false;
	for (size_t i = 0; i < r->nexp; i++) {
		const struct reach_exposure *x = &r->exp[i];
		struct strbuf s = STRBUF_INIT;
		sources_text(&s, x->family, x->src, x->nsrc);
		strbuf_addf(sb, "\nfrom %s (%s) to %s on %s", reach_origin_name(x->origin),
			    fam_name(x->family), x->address ? x->address : "?",
			    x->eni ? x->eni : "?");
		if (x->entry_id)
			strbuf_addf(sb, " through load balancer %s:%d", x->entry_id, x->entry_port);
		strbuf_addf(sb, ": REACHABLE from %s via %s\n", s.buf, x->gateway);
		strbuf_release(&s);
		size_t step = 0;
		strbuf_addstr(sb, "  forward:\n");
		explain_hops(sb, x->fwd, x->nfwd, &step);
		strbuf_addstr(sb, "  return:\n");
		explain_hops(sb, x->ret, x->nret, &step);
		for (size_t k = 0; k < x->nnotes; k++)
			strbuf_addf(sb, "  note: %s\n", x->notes[k]);
		any = true;
	}
	for (size_t i = 0; i < r->nblk; i++) {
		const struct reach_block *b = &r->blk[i];
		strbuf_addf(sb, "\nfrom %s", reach_origin_name(b->origin));
		if (b->family)
			strbuf_addf(sb, " (%s)", fam_name(b->family));
		if (b->eni)
			strbuf_addf(sb, " to %s", b->eni);
		if (b->entry_id)
			strbuf_addf(sb, " through load balancer %s:%d", b->entry_id, b->entry_port);
		strbuf_addf(sb, ": BLOCKED %s at %s\n", b->code, b->component ? b->component : "?");
		size_t step = 0;
		explain_hops(sb, b->path, b->npath, &step);
		any = true;
	}
	for (size_t i = 0; i < r->nunk; i++) {
		const struct reach_unknown *u = &r->unk[i];
		strbuf_addf(sb, "\nfrom %s", reach_origin_name(u->origin));
		if (u->family)
			strbuf_addf(sb, " (%s)", fam_name(u->family));
		if (u->eni)
			strbuf_addf(sb, " to %s", u->eni);
		strbuf_addf(sb, ": UNKNOWN at %s\n        %s\n", u->component ? u->component : "?",
			    u->reason ? u->reason : "");
		any = true;
	}
	if (!any)
		strbuf_addstr(sb, "\nnothing to evaluate: the instance has no network interface\n");
}

/* ---- main ---- */

struct reach_cli {
	const char *dir, *format, *explain;
	struct reach_opts o;
};

static int parse_args(int argc, char **argv, struct reach_cli *c)
{
	enum { OPT_FROM = 256, OPT_INSTANCE, OPT_PORT, OPT_EXPLAIN };
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "instance", required_argument, NULL, OPT_INSTANCE },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "format", required_argument, NULL, 'f' },
		{ "explain", required_argument, NULL, OPT_EXPLAIN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	opterr = 0;
	optind = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return usage_error("unknown format '%s' (available: text, json)",
						   optarg);
			c->format = optarg;
			break;
		case 'h':
			fputs(reach_usage, stdout);
			return EXIT_CLEAN;
		case OPT_FROM:
			if (!strcmp(optarg, "internet"))
				c->o.origins = REACH_FROM_INTERNET;
			else if (!strcmp(optarg, "peering"))
				c->o.origins = REACH_FROM_PEERING;
			else
				return usage_error("bad --from '%s' (expected internet or peering)",
						   optarg);
			break;
		case OPT_INSTANCE:
			c->o.instance = optarg;
			break;
		case OPT_PORT:
			if (parse_port_proto(optarg, &c->o.port, &c->o.proto) < 0)
				return usage_error("bad --port '%s' (expected a port 0-65535, "
						   "optionally /tcp, /udp, /icmp)",
						   optarg);
			break;
		case OPT_EXPLAIN:
			c->explain = optarg;
			break;
		default:
			return cmd_getopt_error("reach", ch, argv);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "missing snapshot directory (usage: mamori reach DIR)");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s' (one snapshot directory only)",
				   argv[optind + 1]);
	c->dir = argv[optind];
	if (c->explain) {
		const char *colon = strrchr(c->explain, ':');
		if (!colon || colon == c->explain)
			return usage_error(
			    "bad --explain '%s' (expected INSTANCE:PORT[/PROTO], e.g. "
			    "i-0abc:22/tcp)",
			    c->explain);
		int port, proto;
		if (parse_port_proto(colon + 1, &port, &proto) < 0)
			return usage_error(
			    "bad --explain '%s' (expected INSTANCE:PORT[/PROTO], e.g. "
			    "i-0abc:22/tcp)",
			    c->explain);
		c->o.instance = xstrndup(c->explain, (size_t)(colon - c->explain));
		c->o.port = port;
		c->o.proto = proto == MM_PROTO_BAD ? MM_PROTO_TCP : proto;
	}
	return -1;
}

int cmd_reach(int argc, char **argv, const struct cmd_ctx *ctx)
{
	(void)ctx;
	struct reach_cli c = { .format = "text", .o = REACH_OPTS_INIT };
	c.o.family_blocks = true;
	int rc = parse_args(argc, argv, &c);
	char *explain_inst = c.explain ? (char *)c.o.instance : NULL;
	if (rc >= 0) {
		free(explain_inst);
		return rc;
	}
	struct stat st;
	if (stat(c.dir, &st) < 0) {
		fprintf(stderr, "mamori: reach: cannot read snapshot '%s': %s\n", c.dir,
			strerror(errno));
		free(explain_inst);
		return EXIT_USAGE;
	}
	struct mm_model m;
	struct mm_err e = { 0 };
	struct sink out = { STRBUF_INIT, 0 };
	struct reach_result res = { 0 };
	struct reach_ctx *rx = NULL;
	mm_model_init(&m);
	struct progress *bar = progress_start("loading", PROGRESS_BYTES, false);
	struct snapshot_opts sopts = { .on_progress = progress_fn(bar), .progress_arg = bar };
	int lrc = snapshot_load(&m, c.dir, &sopts, &e);
	progress_stop(bar);
	if (lrc < 0) {
		fprintf(stderr, "mamori: reach: %s\n", e.msg);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!m.files_loaded) {
		fprintf(stderr,
			"mamori: reach: no snapshot file loaded from '%s' (%zu failed, %zu "
			"skipped): expected AWS CLI JSON output (.json or .json.gz)\n",
			c.dir, m.files_failed, m.files_skipped);
		cmd_print_diags("reach", &m.diags, 10);
		rc = EXIT_USAGE;
		goto out;
	}
	cmd_print_diags("reach", &m.diags, 10);
	rx = reach_new(&m);
	if (reach_eval(rx, &c.o, &res, &e) < 0) {
		fprintf(stderr, "mamori: reach: %s\n", e.msg);
		rc = e.code == MM_ENOTFOUND ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	if (c.explain && strcmp(c.format, "json"))
		render_explain(&out.sb, &res, c.o.instance, c.o.port, c.o.proto);
	else if (!strcmp(c.format, "json"))
		render_json(&out, &res);
	else
		render_text(&out, &res);
	sink_flush(&out);
	if (!out.err && fflush(stdout))
		out.err = errno ? errno : EIO;
	if (out.err) {
		fprintf(stderr, "mamori: reach: cannot write the report: %s\n", strerror(out.err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	rc = EXIT_CLEAN;
out:
	reach_result_release(&res);
	reach_free(rx);
	strbuf_release(&out.sb);
	mm_model_release(&m);
	free(explain_inst);
	return rc;
}
