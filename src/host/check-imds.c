/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metadata service protection (seed 000: "iptables -A OUTPUT -m owner !
 * --uid-owner root -d 169.254.169.254 -j DROP" or "route add -host
 * 169.254.169.254 reject"). For every non-root account in /etc/passwd (web
 * servers run as www-data, not as a login user) we ask: would a new
 * connection to 169.254.169.254:80, and to [fd00:ec2::254]:80, be dropped by
 * the firewall (every iptables backend and nftables: a drop in any of them
 * is enough) or refused by the routing (reject / prohibit / blackhole routes
 * in any table reached through the policy rules)?
 *
 * Sources: on the live host the commands and rtnetlink; under --root the
 * files in ROOT/.mamori/ (docs/host.md) and the persisted rulesets
 * (/etc/iptables/rules.v4, /etc/sysconfig/iptables, /etc/nftables.conf).
 */
#include "host-int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

struct fwsrc {
	struct fw_ruleset *rs;
	int family; /* 4, 6, 0 both (nft) */
	const char *name;
};

struct imds_ctx {
	struct fwsrc v[16];
	size_t n;
	struct hroutes routes;
	bool fw_known4, fw_known6;
};

static void add_fw(struct hctx *x, struct imds_ctx *c, const char *name, const char *buf,
		   size_t len, bool nft, int family)
{
	if (c->n >= sizeof(c->v) / sizeof(c->v[0]))
		return;
	struct fw_ruleset *rs = nft ? fw_parse_nft(&x->run, x->r.d, name, buf, len)
				    : fw_parse_iptables(&x->run, x->r.d, name, buf, len);
	c->v[c->n].rs = rs;
	c->v[c->n].family = family;
	c->v[c->n].name = name;
	c->n++;
	if (family != 6)
		c->fw_known4 = true;
	if (family != 4)
		c->fw_known6 = true;
}

static bool run_live(struct hctx *x, struct imds_ctx *c, const char *prog, const char *arg1,
		     const char *arg2, bool nft, int family)
{
	static const char *const dirs[] = { "/usr/sbin/", "/sbin/", "/usr/bin/", NULL };
	for (size_t i = 0; dirs[i]; i++) {
		const char *path = arena_printf(&x->run, "%s%s", dirs[i], prog);
		if (access(path, X_OK) < 0)
			continue;
		const char *argv[] = { path, arg1, arg2, NULL };
		char *out;
		size_t len;
		struct mm_err e = { 0 };
		int rc = host_run_cmd(argv, 5000, 64 << 20, &out, &len, &e);
		if (rc != 0) {
			mm_diags_add(x->r.d, MM_DIAG_WARNING, path, -1, "'%s%s%s' failed: %s", path,
				     arg1 ? " " : "", arg1 ? arg1 : "",
				     rc < 0 ? e.msg : "non-zero exit (not root?)");
			free(out);
			return false;
		}
		const char *name =
		    arena_printf(&x->run, "%s%s%s%s%s", prog, arg1 ? " " : "", arg1 ? arg1 : "",
				 arg2 ? " " : "", arg2 ? arg2 : "");
		add_fw(x, c, name, out, len, nft, family);
		free(out);
		return true;
	}
	return false;
}

static bool read_file_fw(struct hctx *x, struct imds_ctx *c, const char *path, bool nft, int family)
{
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	if (hroot_read(&x->r, path, 64 << 20, &buf, &len, &e) < 0) {
		if (e.code != MM_ENOTFOUND)
			mm_diags_add(x->r.d, MM_DIAG_ERROR, path, -1, "%s", e.msg);
		return false;
	}
	add_fw(x, c, path, buf, len, nft, family);
	free(buf);
	return true;
}

static void load_firewall(struct hctx *x, struct imds_ctx *c)
{
	if (x->r.live) {
		bool legacy = run_live(x, c, "iptables-legacy-save", NULL, NULL, false, 4);
		bool nftb = run_live(x, c, "iptables-nft-save", NULL, NULL, false, 4);
		if (!legacy && !nftb)
			run_live(x, c, "iptables-save", NULL, NULL, false, 4);
		legacy = run_live(x, c, "ip6tables-legacy-save", NULL, NULL, false, 6);
		nftb = run_live(x, c, "ip6tables-nft-save", NULL, NULL, false, 6);
		if (!legacy && !nftb)
			run_live(x, c, "ip6tables-save", NULL, NULL, false, 6);
		run_live(x, c, "nft", "list", "ruleset", true, 0);
		if (c->n)
			return;
		/* Not root, or no tools: the persisted rulesets are a hint. */
	}
	static const struct {
		const char *name;
		bool nft;
		int family;
	} facts[] = {
		{ "iptables-save.txt", false, 4 },	   { "iptables-legacy-save.txt", false, 4 },
		{ "iptables-nft-save.txt", false, 4 },	   { "ip6tables-save.txt", false, 6 },
		{ "ip6tables-legacy-save.txt", false, 6 }, { "ip6tables-nft-save.txt", false, 6 },
		{ "nft-list-ruleset.txt", true, 0 },
	};
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		read_file_fw(x, c, hroot_facts(&x->r, facts[i].name), facts[i].nft,
			     facts[i].family);
	static const struct {
		const char *path;
		bool nft;
		int family;
	} persisted[] = {
		{ "/etc/iptables/rules.v4", false, 4 },
		{ "/etc/iptables/rules.v6", false, 6 },
		{ "/etc/sysconfig/iptables", false, 4 },
		{ "/etc/sysconfig/ip6tables", false, 6 },
		{ "/etc/nftables.conf", true, 0 },
		{ "/etc/sysconfig/nftables.conf", true, 0 },
	};
	for (size_t i = 0; i < sizeof(persisted) / sizeof(persisted[0]); i++)
		read_file_fw(x, c, persisted[i].path, persisted[i].nft, persisted[i].family);
}

static void load_routes(struct hctx *x, struct imds_ctx *c)
{
	struct hroutes *rt = &c->routes;
	if (x->r.live) {
		struct mm_err e = { 0 };
		if (hroutes_netlink(&x->run, rt, &e) < 0)
			mm_diags_add(x->r.d, MM_DIAG_WARNING, NULL, -1, "%s", e.msg);
		if (rt->loaded)
			return;
	}
	static const struct {
		const char *name;
		enum mm_family fam;
		bool rules;
	} facts[] = {
		{ "ip-route-show-table-all.txt", MM_AF_INET, false },
		{ "ip6-route-show-table-all.txt", MM_AF_INET6, false },
		{ "ip-rule-show.txt", MM_AF_INET, true },
		{ "ip6-rule-show.txt", MM_AF_INET6, true },
	};
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		const char *p = hroot_facts(&x->r, facts[i].name);
		struct mm_err e = { 0 };
		char *buf;
		size_t len;
		if (hroot_read(&x->r, p, 64 << 20, &buf, &len, &e) < 0)
			continue;
		if (facts[i].rules)
			hroutes_parse_rules(&x->run, x->r.d, p, buf, len, facts[i].fam, rt);
		else
			hroutes_parse(&x->run, x->r.d, p, buf, len, facts[i].fam, rt);
		rt->from = p;
		free(buf);
	}
	if (rt->loaded)
		return;
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	if (hroot_read(&x->r, "/proc/net/route", 64 << 20, &buf, &len, &e) == 0) {
		hroutes_parse_proc(&x->run, x->r.d, "/proc/net/route", buf, len, rt);
		rt->from = "/proc/net/route";
		free(buf);
	}
}

struct verdict {
	bool blocked, unknown;
	const char *loc, *what;
};

static struct verdict judge(struct imds_ctx *c, enum mm_family fam, mm_u128 addr, long uid,
			    long gid, struct arena *a)
{
	struct verdict v = { 0 };
	bool fw_known = fam == MM_AF_INET ? c->fw_known4 : c->fw_known6;
	const char *unk_loc = NULL, *unk_what = NULL;
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].family && c->v[i].family != (fam == MM_AF_INET ? 4 : 6))
			continue;
		struct fw_result r;
		fw_eval_output(c->v[i].rs, fam, addr, uid, gid, &r);
		if (r.v == FW_DROP) {
			v.blocked = true;
			v.loc = r.src ? r.src : c->v[i].name;
			v.what = r.what;
			return v;
		}
		if (r.v == FW_UNKNOWN && !unk_loc) {
			unk_loc = r.src ? r.src : c->v[i].name;
			unk_what = r.what;
		}
	}
	bool rt_known = fam == MM_AF_INET ? c->routes.has4 : c->routes.has6;
	if (rt_known) {
		const struct hroute *ro;
		const struct hrule *ru;
		enum route_verdict rv = hroutes_lookup(&c->routes, fam, addr, uid, &ro, &ru);
		if (rv == RT_BLOCKED) {
			v.blocked = true;
			v.loc = ro ? ro->src : ru ? ru->src : c->routes.from;
			v.what = ro   ? arena_printf(a, "%s route in table %u",
						     ro->type == 7   ? "unreachable"
						     : ro->type == 8 ? "prohibit"
						     : ro->type == 6 ? "blackhole"
								     : "blocking",
						     ro->table)
				 : ru ? "policy rule refuses the route"
				      : "no route to the metadata address";
			return v;
		}
		if (rv == RT_UNKNOWN && !unk_loc) {
			unk_loc = ru ? ru->src : c->routes.from;
			unk_what = "a policy rule with selectors that cannot be decided";
		}
	}
	if (unk_loc || (!fw_known && !rt_known)) {
		v.unknown = true;
		v.loc = unk_loc;
		v.what = unk_what ? unk_what : "no firewall or routing data";
	}
	return v;
}

static void check_family(struct hctx *x, struct imds_ctx *c, enum mm_family fam, const char *rule,
			 const char *addr_s)
{
	enum mm_family af;
	mm_u128 addr;
	mm_addr_parse(addr_s, &af, &addr);
	bool fw_known = fam == MM_AF_INET ? c->fw_known4 : c->fw_known6;
	bool rt_known = fam == MM_AF_INET ? c->routes.has4 : c->routes.has6;
	if (!fw_known && !rt_known) {
		host_emit(x, rule, MM_ST_UNKNOWN, -1, NULL,
			  "no firewall rules and no routes could be read%s: whether non-root users "
			  "reach %s is unknown",
			  x->r.live ? " (run as root)" : " (see docs/host.md for ROOT/.mamori/)",
			  addr_s);
		return;
	}
	/* Subjects: every non-root account, or a typical one without passwd. */
	size_t open_n = 0, unknown_n = 0, total = 0;
	const struct huser *first_open = NULL, *first_unknown = NULL;
	struct verdict vo = { 0 }, vu = { 0 }, vb = { 0 };
	static const struct huser sample = { .name = "uid 1000", .uid = 1000, .gid = 1000 };
	size_t nu = x->users.nr ? x->users.nr : 1;
	for (size_t i = 0; i < nu; i++) {
		const struct huser *u = x->users.nr ? &x->users.v[i] : &sample;
		if (u->uid == 0)
			continue;
		total++;
		struct verdict v = judge(c, fam, addr, u->uid, u->gid, &x->run);
		if (v.blocked) {
			if (!vb.loc)
				vb = v;
			continue;
		}
		if (v.unknown) {
			unknown_n++;
			if (!first_unknown) {
				first_unknown = u;
				vu = v;
			}
			continue;
		}
		open_n++;
		if (!first_open) {
			first_open = u;
			vo = v;
		}
	}
	struct verdict vroot = judge(c, fam, addr, 0, 0, &x->run);
	if (open_n) {
		struct finding *f = host_emit(
		    x, rule, MM_ST_FAIL, -1, NULL,
		    "%zu of %zu non-root accounts can open %s:80 (e.g. '%s', uid %ld): no firewall "
		    "rule drops it for them and no route refuses it",
		    open_n, total, addr_s, first_open->name, first_open->uid);
		for (size_t i = 0; i < c->n; i++)
			if (!c->v[i].family || c->v[i].family == (fam == MM_AF_INET ? 4 : 6))
				host_ev(x, f, c->v[i].name,
					"%zu rules read; none drops new connections to %s for uid "
					"%ld",
					fw_rule_count(c->v[i].rs), addr_s, first_open->uid);
		if (rt_known)
			host_ev(x, f, c->routes.from,
				"no unreachable, prohibit or blackhole route covers %s", addr_s);
		if (vo.loc)
			host_ev(x, f, vo.loc, "%s", vo.what);
		return;
	}
	if (unknown_n) {
		struct finding *f = host_emit(
		    x, rule, MM_ST_UNKNOWN, -1, NULL,
		    "for %zu of %zu non-root accounts (e.g. '%s') it cannot be decided whether "
		    "they reach %s",
		    unknown_n, total, first_unknown->name, addr_s);
		host_ev(x, f, vu.loc, "%s", vu.what ? vu.what : "undecidable rule");
		return;
	}
	struct finding *f = host_emit(x, rule, MM_ST_PASS, -1, NULL,
				      "none of the %zu non-root accounts can reach %s%s", total,
				      addr_s, vroot.blocked ? " (root is blocked too)" : "");
	host_ev(x, f, vb.loc, "%s", vb.what ? vb.what : "blocked");
}

static void probe(struct hctx *x)
{
	const char *ep = x->o->imds_endpoint ? x->o->imds_endpoint : "http://169.254.169.254";
	struct imds_probe p;
	struct mm_err e = { 0 };
	if (imds_probe_run(ep, x->o->imds_timeout_ms, true, &p, &e) < 0) {
		host_emit(x, "host-imds-v1", MM_ST_UNKNOWN, -1, NULL, "%s", e.msg);
		return;
	}
	if (!p.reachable) {
		host_emit(x, "host-imds-v1", MM_ST_UNKNOWN, -1, NULL,
			  "the metadata service at %s did not answer (%s)", ep,
			  p.error[0] ? p.error : "no answer");
		return;
	}
	struct finding *f;
	if (p.v1_status == 200)
		f = host_emit(x, "host-imds-v1", MM_ST_FAIL, -1, NULL,
			      "%s answered a GET without a session token with HTTP 200: IMDSv1 is "
			      "enabled",
			      ep);
	else
		f = host_emit(x, "host-imds-v1", MM_ST_PASS, -1, NULL,
			      "%s refused a GET without a session token (HTTP %d): IMDSv2 is "
			      "required",
			      ep, p.v1_status);
	host_ev(x, f, ep, "PUT /latest/api/token: HTTP %d", p.token_status);
	host_ev(x, f, ep, "GET /latest/meta-data/ without token: HTTP %d", p.v1_status);
	if (p.v2_status)
		host_ev(x, f, ep, "GET /latest/meta-data/ with token: HTTP %d", p.v2_status);
	if (p.as_nobody)
		host_ev(x, f, ep, "as uid 65534 (nobody): PUT /latest/api/token: %s",
			p.nobody_status ? arena_printf(&x->run, "HTTP %d", p.nobody_status)
					: "no answer (blocked)");
}

void host_check_imds(struct hctx *x)
{
	struct imds_ctx c;
	memset(&c, 0, sizeof(c));
	load_firewall(x, &c);
	load_routes(x, &c);
	check_family(x, &c, MM_AF_INET, "host-imds-user-access", "169.254.169.254");
	check_family(x, &c, MM_AF_INET6, "host-imds-ipv6-user-access", "fd00:ec2::254");
	if (x->o->imds_probe)
		probe(x);
	hroutes_release(&c.routes);
	for (size_t i = 0; i < c.n; i++)
		fw_ruleset_free(c.v[i].rs);
}
