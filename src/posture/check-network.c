/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network checks outside security groups: network ACLs that let the world
 * reach SSH/RDP (evaluated in rule-number order, first match wins, with
 * interval sets of source addresses per port), unused network ACLs, VPCs
 * without flow logs, subnets that hand out public addresses, idle Elastic
 * IPs, and a default VPC that carries workloads.
 */
#include "posture-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/wrapper.h"
#include "base/banned.h"

/* ---- network ACLs ---- */

static int cmp_entry(const void *a, const void *b)
{
	const struct mm_nacl_entry *x = *(const struct mm_nacl_entry *const *)a;
	const struct mm_nacl_entry *y = *(const struct mm_nacl_entry *const *)b;
	return (x->rule_no > y->rule_no) - (x->rule_no < y->rule_no);
}

#define NACL_MAX_CONTRIB 64

struct nacl_verdict {
	int v; /* 1 open, 0 closed, -1 cannot tell */
	const struct mm_nacl_entry *contrib[NACL_MAX_CONTRIB];
	size_t ncontrib;
	int min_rule; /* lowest rule number that contributed */
};

static bool set_touches_internet(const struct ivset *s, enum mm_family fam)
{
	for (size_t i = 0; i < s->nr; i++)
		if (touches_internet(fam, s->v[i].lo, s->v[i].hi))
			return true;
	return false;
}

/* Walk ingress entries (sorted by rule number) for TCP `port` from family
 * fam: each entry decides the addresses no earlier entry decided. */
static void nacl_port(const struct mm_nacl_entry *const *in, size_t n, int port, enum mm_family fam,
		      struct nacl_verdict *r)
{
	struct ivset decided = IVSET_INIT, allowed = IVSET_INIT, fresh = IVSET_INIT;
	bool uncertain = false, open_before = false;
	memset(r, 0, sizeof(*r));
	r->min_rule = 1 << 30;
	for (size_t i = 0; i < n; i++) {
		const struct mm_nacl_entry *e = in[i];
		bool unreadable = e->proto == MM_PROTO_BAD || e->cidr.family == MM_AF_NONE;
		if (!unreadable && e->proto != MM_PROTO_TCP && e->proto != MM_PROTO_ALL)
			continue;
		if (e->proto == MM_PROTO_TCP && (port < e->from || port > e->to))
			continue;
		if (unreadable) {
			if (!uncertain)
				open_before = covers_internet(&allowed, fam);
			uncertain = true;
			continue;
		}
		if (e->cidr.family != fam)
			continue;
		ivset_clear(&fresh);
		ivset_add_cidr(&fresh, &e->cidr);
		ivset_subtract(&fresh, &decided);
		if (e->allow && set_touches_internet(&fresh, fam)) {
			ivset_union(&allowed, &fresh);
			if (r->ncontrib < NACL_MAX_CONTRIB)
				r->contrib[r->ncontrib++] = e;
			if (e->rule_no < r->min_rule)
				r->min_rule = e->rule_no;
		}
		ivset_add_cidr(&decided, &e->cidr);
		if (ivset_covers(&decided, 0, mm_family_max(fam)))
			break;
	}
	if (uncertain)
		r->v = open_before ? 1 : -1;
	else
		r->v = covers_internet(&allowed, fam) ? 1 : 0;
	ivset_release(&decided);
	ivset_release(&allowed);
	ivset_release(&fresh);
}

static const int nacl_ports[] = { 22, 3389 };

/* Highest free ingress rule number below `below` not in used[]/taken[]. */
static int free_rule(const struct mm_nacl_entry *const *in, size_t n, int below, const int *taken,
		     size_t ntaken)
{
	for (int r = below - 1; r >= 1; r--) {
		bool busy = false;
		for (size_t i = 0; i < n && !busy; i++)
			busy = in[i]->rule_no == r;
		for (size_t i = 0; i < ntaken && !busy; i++)
			busy = taken[i] == r;
		if (!busy)
			return r;
	}
	return -1;
}

static void subnets_text(struct strbuf *sb, const struct mm_nacl *n)
{
	if (!n->nsubnets) {
		strbuf_addstr(sb, "not associated with any subnet");
		return;
	}
	strbuf_addstr(sb, "associated with ");
	for (size_t i = 0; i < n->nsubnets && i < 5; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", n->subnets[i]);
	if (n->nsubnets > 5)
		strbuf_addf(sb, " and %zu more", n->nsubnets - 5);
}

static void nacl_one(struct pctx *x, const struct mm_nacl *n)
{
	const struct mm_nacl_entry **in = xcalloc(n->nentries + 1, sizeof(*in));
	size_t nin = 0;
	for (size_t i = 0; i < n->nentries; i++)
		if (!n->entries[i].egress)
			in[nin++] = &n->entries[i];
	mm_qsort(in, nin, sizeof(*in), cmp_entry);

	struct nacl_verdict v[2][2]; /* [port][fam] */
	bool any_open = false, any_unk = false;
	for (int p = 0; p < 2; p++)
		for (int fi = 0; fi < 2; fi++) {
			nacl_port(in, nin, nacl_ports[p], fi ? MM_AF_INET6 : MM_AF_INET, &v[p][fi]);
			any_open |= v[p][fi].v > 0;
			any_unk |= v[p][fi].v < 0;
		}
	enum mm_status st = any_open ? MM_ST_FAIL : any_unk ? MM_ST_UNKNOWN : MM_ST_PASS;
	struct finding *f = pf_new(x, "ec2-nacl-admin-port-world", st, &n->r, "network-acl");
	if (!f) {
		free(in);
		return;
	}
	struct strbuf msg = STRBUF_INIT, subs = STRBUF_INIT;
	subnets_text(&subs, n);
	struct ivset ports[2] = { IVSET_INIT, IVSET_INIT };
	struct pvar vars[4 * 3];
	char rules[4][16];
	int taken[4];
	size_t nvars = 0, ncmd = 0;
	bool cli_ok = true;
	const char *vpc = n->vpc_id ? n->vpc_id : "no VPC";
	int want = any_open ? 1 : -1;
	for (int p = 0; p < 2 && st != MM_ST_PASS; p++)
		for (int fi = 0; fi < 2; fi++) {
			const struct nacl_verdict *r = &v[p][fi];
			enum mm_family fam = fi ? MM_AF_INET6 : MM_AF_INET;
			if (r->v != want)
				continue;
			ivset_add(&ports[fi], (mm_u128)nacl_ports[p], (mm_u128)nacl_ports[p]);
			strbuf_addf(&msg, "%stcp %d (%s", msg.len ? "; " : "", nacl_ports[p],
				    fam_name(fam));
			for (size_t k = 0; k < r->ncontrib; k++)
				strbuf_addf(&msg, "%s%d", k ? ", " : ", rule ",
					    r->contrib[k]->rule_no);
			if (want < 0)
				strbuf_addstr(&msg,
					      ", an entry with an unreadable protocol or CIDR "
					      "decides it");
			strbuf_addch(&msg, ')');
			for (size_t k = 0; k < r->ncontrib; k++) {
				const struct mm_nacl_entry *e = r->contrib[k];
				char a[46];
				pf_ev(x, f, &e->loc, "ingress rule %d %s %s %d-%d from %s/%u",
				      e->rule_no, e->allow ? "allow" : "deny",
				      mm_proto_name(e->proto), e->from, e->to,
				      mm_addr_fmt(e->cidr.family, e->cidr.addr, a), e->cidr.prefix);
			}
			if (want > 0) {
				int rn = free_rule(in, nin, r->min_rule, taken, ncmd);
				if (rn < 0) {
					cli_ok = false;
					continue;
				}
				taken[ncmd] = rn;
				snprintf(rules[ncmd], sizeof(rules[ncmd]), "%d", rn);
				vars[nvars++] = (struct pvar){ "rule_number", rules[ncmd], false };
				vars[nvars++] = (struct pvar){ "port", p ? "3389" : "22", false };
				vars[nvars++] = (struct pvar){ "cidr_arg",
							       fi ? "--ipv6-cidr-block ::/0"
								  : "--cidr-block 0.0.0.0/0",
							       true };
				ncmd++;
			}
		}
	if (st == MM_ST_PASS)
		pf_msg(x, f, "network ACL %s of %s does not allow SSH or RDP from the internet; %s",
		       n->r.id, vpc, subs.buf);
	else if (st == MM_ST_FAIL)
		pf_msg(x, f, "network ACL %s of %s allows from the internet: %s; %s", n->r.id, vpc,
		       msg.buf, subs.buf);
	else
		pf_msg(x, f,
		       "cannot tell whether network ACL %s of %s allows SSH or RDP from the "
		       "internet: %s; %s",
		       n->r.id, vpc, msg.buf, subs.buf);
	if (st != MM_ST_PASS)
		pf_scope_compliance(x, f, ports);
	if (st == MM_ST_FAIL && cli_ok)
		pf_cli_multi(x, f, vars, nvars, ncmd);
	pf_done(x, f);
	ivset_release(&ports[0]);
	ivset_release(&ports[1]);
	strbuf_release(&msg);
	strbuf_release(&subs);
	free(in);
}

void check_nacl_admin(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nnacls; i++)
		nacl_one(x, &x->m->nacls[i]);
}

void check_nacl_unused(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nnacls; i++) {
		const struct mm_nacl *n = &x->m->nacls[i];
		if (n->is_default)
			continue; /* cannot be deleted */
		bool fail = !n->nsubnets;
		struct finding *f = pf_new(x, "ec2-nacl-unused", fail ? MM_ST_FAIL : MM_ST_PASS,
					   &n->r, "network-acl");
		if (!f)
			continue;
		struct strbuf subs = STRBUF_INIT;
		subnets_text(&subs, n);
		pf_msg(x, f, "network ACL %s of %s is %s", n->r.id,
		       n->vpc_id ? n->vpc_id : "no VPC", subs.buf);
		if (fail) {
			pf_ev(x, f, &n->r.loc, "network ACL %s: no associations, not the default",
			      n->r.id);
			pf_cli(x, f, NULL, 0);
		}
		pf_done(x, f);
		strbuf_release(&subs);
	}
}

/* ---- flow logs ---- */

struct flcov {
	const struct mm_flow_log *active;   /* VPC-level, ACTIVE */
	const struct mm_flow_log *inactive; /* VPC-level, other status */
	const struct mm_flow_log *partial;  /* subnet- or ENI-level example */
	size_t npartial;
};

static struct flcov *flcov_get(struct pctx *x, struct hmap *h, const char *vpc)
{
	struct flcov *c = hmap_get(h, vpc);
	if (!c) {
		c = arena_calloc(&x->tmp, 1, sizeof(*c));
		hmap_put(h, vpc, c);
	}
	return c;
}

void check_flow_logs(struct pctx *x)
{
	struct mm_model *m = x->m;
	struct hmap cov = HMAP_INIT;
	for (size_t i = 0; i < m->nflow_logs; i++) {
		const struct mm_flow_log *fl = &m->flow_logs[i];
		const char *rid = fl->resource_id;
		if (!rid)
			continue;
		bool active = !fl->status || !strcasecmp(fl->status, "ACTIVE");
		if (!strncmp(rid, "vpc-", 4)) {
			struct flcov *c = flcov_get(x, &cov, rid);
			if (active && !c->active)
				c->active = fl;
			else if (!active && !c->inactive)
				c->inactive = fl;
			continue;
		}
		const char *vpc = NULL;
		if (!strncmp(rid, "subnet-", 7)) {
			const struct mm_subnet *s = mm_find_subnet(m, rid);
			vpc = s ? s->vpc_id : NULL;
		} else if (!strncmp(rid, "eni-", 4)) {
			const struct mm_eni *e = mm_find_eni(m, rid);
			vpc = e ? e->vpc_id : NULL;
		}
		if (vpc && active) {
			struct flcov *c = flcov_get(x, &cov, vpc);
			if (!c->partial)
				c->partial = fl;
			c->npartial++;
		}
	}
	for (size_t i = 0; i < m->nvpcs; i++) {
		const struct mm_vpc *v = &m->vpcs[i];
		const struct flcov *c = hmap_get(&cov, v->r.id);
		enum mm_status st = !mm_have(m, &v->r, MM_K_FLOW_LOGS) ? MM_ST_UNKNOWN
				    : c && c->active		       ? MM_ST_PASS
								       : MM_ST_FAIL;
		struct finding *f = pf_new(x, "ec2-vpc-flow-logs-missing", st, &v->r, "vpc");
		if (!f)
			continue;
		const char *name = pctx_name(x, &v->r);
		if (st == MM_ST_UNKNOWN) {
			pf_msg(x, f, "cannot tell whether VPC %s has flow logs: %s", name,
			       pf_missing(x, &v->r, MM_K_FLOW_LOGS));
		} else if (st == MM_ST_PASS) {
			pf_msg(x, f, "VPC %s has active flow log %s (%s traffic)", name,
			       c->active->r.id,
			       c->active->traffic_type ? c->active->traffic_type : "unknown");
			pf_ev(x, f, &c->active->r.loc, "flow log %s on %s", c->active->r.id,
			      v->r.id);
		} else {
			struct strbuf note = STRBUF_INIT;
			if (c && c->inactive) {
				strbuf_addf(&note, "; flow log %s exists but its status is %s",
					    c->inactive->r.id, c->inactive->status);
				pf_ev(x, f, &c->inactive->r.loc, "flow log %s status %s",
				      c->inactive->r.id, c->inactive->status);
			}
			if (c && c->npartial) {
				strbuf_addf(
				    &note,
				    "; %zu subnet- or interface-level flow log%s (e.g. %s on "
				    "%s) cover only part of the VPC",
				    c->npartial, c->npartial == 1 ? "" : "s", c->partial->r.id,
				    c->partial->resource_id);
				pf_ev(x, f, &c->partial->r.loc, "flow log %s on %s",
				      c->partial->r.id, c->partial->resource_id);
			}
			pf_msg(x, f, "VPC %s has no active VPC-level flow log%s", name, note.buf);
			pf_ev(x, f, &v->r.loc, "VPC %s", v->r.id);
			pf_cli(x, f, NULL, 0);
			strbuf_release(&note);
		}
		pf_done(x, f);
	}
	hmap_release(&cov);
}

/* ---- subnets, addresses, default VPC ---- */

void check_subnet_public(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nsubnets; i++) {
		const struct mm_subnet *s = &x->m->subnets[i];
		bool v4 = s->map_public_ip == MM_YES, v6 = s->assign_ipv6 == MM_YES;
		enum mm_status st = (v4 || v6) ? MM_ST_FAIL
				    : s->map_public_ip == MM_NO && s->assign_ipv6 != MM_YES
					? MM_ST_PASS
					: MM_ST_UNKNOWN;
		struct finding *f = pf_new(x, "ec2-subnet-auto-public-ip", st, &s->r, "subnet");
		if (!f)
			continue;
		const char *name = pctx_name(x, &s->r);
		const char *vpc = s->vpc_id ? s->vpc_id : "no VPC";
		if (st == MM_ST_FAIL) {
			pf_msg(x, f, "subnet %s of %s assigns %s to every new interface%s", name,
			       vpc,
			       v4 && v6 ? "a public IPv4 address and an IPv6 address"
			       : v4	? "a public IPv4 address"
					: "an IPv6 address",
			       s->default_for_az ? " (default subnet)" : "");
			pf_ev(x, f, &s->r.loc,
			      "MapPublicIpOnLaunch=%s AssignIpv6AddressOnCreation=%s",
			      v4 ? "true" : "false", v6 ? "true" : "false");
			if (v4)
				pf_cli(x, f, NULL, 0);
		} else if (st == MM_ST_PASS) {
			pf_msg(x, f, "subnet %s of %s does not assign public addresses", name, vpc);
		} else {
			pf_msg(x, f,
			       "cannot tell whether subnet %s of %s assigns public addresses: "
			       "MapPublicIpOnLaunch is not in the snapshot",
			       name, vpc);
		}
		pf_done(x, f);
	}
}

void check_eip_unused(struct pctx *x)
{
	for (size_t i = 0; i < x->m->neips; i++) {
		const struct mm_eip *a = &x->m->eips[i];
		bool used = a->association_id || a->instance_id || a->eni_id;
		struct finding *f = pf_new(x, "ec2-eip-unassociated",
					   used ? MM_ST_PASS : MM_ST_FAIL, &a->r, "elastic-ip");
		if (!f)
			continue;
		const char *ip = a->public_ip ? a->public_ip : a->r.id;
		if (used) {
			pf_msg(x, f, "Elastic IP %s is associated with %s", ip,
			       a->instance_id ? a->instance_id
			       : a->eni_id    ? a->eni_id
					      : "a resource");
		} else {
			pf_msg(x, f,
			       "Elastic IP %s%s%s%s is not associated with any instance or network "
			       "interface",
			       ip, a->allocation_id ? " (" : "",
			       a->allocation_id ? a->allocation_id : "",
			       a->allocation_id ? ")" : "");
			pf_ev(x, f, &a->r.loc, "address %s: no AssociationId", ip);
			if (a->allocation_id)
				pf_cli(x, f, (struct pvar[]){ { "id", a->allocation_id, false } },
				       1);
		}
		pf_done(x, f);
	}
}

struct vpc_use {
	size_t ninst, nenis;
	const char *first[3];
	size_t nfirst;
};

static void vpc_use_add(struct pctx *x, struct hmap *h, const char *vpc, const char *what,
			bool inst)
{
	if (!vpc)
		return;
	struct vpc_use *u = hmap_get(h, vpc);
	if (!u) {
		u = arena_calloc(&x->tmp, 1, sizeof(*u));
		hmap_put(h, vpc, u);
	}
	if (inst)
		u->ninst++;
	else
		u->nenis++;
	if (u->nfirst < 3)
		u->first[u->nfirst++] = what;
}

void check_default_vpc(struct pctx *x)
{
	struct mm_model *m = x->m;
	size_t ndef = 0;
	for (size_t i = 0; i < m->nvpcs; i++)
		ndef += m->vpcs[i].is_default;
	if (!ndef)
		return;
	struct hmap use = HMAP_INIT;
	for (size_t i = 0; i < m->ninstances; i++)
		if (!pctx_instance_gone(&m->instances[i]))
			vpc_use_add(x, &use, m->instances[i].vpc_id, m->instances[i].r.id, true);
	for (size_t i = 0; i < m->nenis; i++) {
		const struct mm_eni *n = &m->enis[i];
		if (!n->instance_id)
			vpc_use_add(x, &use, n->vpc_id, n->r.id, false);
		else if (!mm_find_instance(m, n->instance_id))
			vpc_use_add(x, &use, n->vpc_id, n->instance_id, true);
	}
	for (size_t i = 0; i < m->nvpcs; i++) {
		const struct mm_vpc *v = &m->vpcs[i];
		if (!v->is_default)
			continue;
		const struct vpc_use *u = hmap_get(&use, v->r.id);
		bool enis = mm_have(m, &v->r, MM_K_ENIS);
		enum mm_status st = u ? MM_ST_FAIL : enis ? MM_ST_PASS : MM_ST_UNKNOWN;
		struct finding *f = pf_new(x, "ec2-vpc-default-in-use", st, &v->r, "vpc");
		if (!f)
			continue;
		if (st == MM_ST_FAIL) {
			struct strbuf w = STRBUF_INIT;
			for (size_t k = 0; k < u->nfirst; k++)
				strbuf_addf(&w, "%s%s", k ? ", " : "", u->first[k]);
			if (u->ninst + u->nenis > u->nfirst)
				strbuf_addf(&w, " and %zu more", u->ninst + u->nenis - u->nfirst);
			pf_msg(x, f,
			       "default VPC %s holds %zu instance%s and %zu other network "
			       "interface%s: %s",
			       v->r.id, u->ninst, u->ninst == 1 ? "" : "s", u->nenis,
			       u->nenis == 1 ? "" : "s", w.buf);
			pf_ev(x, f, &v->r.loc, "VPC %s IsDefault=true", v->r.id);
			strbuf_release(&w);
		} else if (st == MM_ST_PASS) {
			pf_msg(x, f, "default VPC %s holds no instances or network interfaces",
			       v->r.id);
		} else {
			pf_msg(
			    x, f,
			    "default VPC %s holds no instances, but %s, so other users cannot be "
			    "ruled out",
			    v->r.id, pf_missing(x, &v->r, MM_K_ENIS));
		}
		pf_done(x, f);
	}
	hmap_release(&use);
}
