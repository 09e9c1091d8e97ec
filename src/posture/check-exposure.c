/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instance exposure checks: what the internet (directly or through an
 * internet-facing load balancer) and peered VPCs can actually open on each
 * instance, per port class, from the reachability engine's exposures
 * (exposure.c) rather than from security-group rules alone. A finding names
 * the ports, protocol, family, address, gateway and sources, carries every
 * hop of the path as evidence, and revokes the security-group permissions
 * that admitted it. When nothing can reach the instance, the pass says what
 * blocks it (with --passed); when an input is missing, the status is unknown.
 *
 * Classes follow the security-group rules (check-sg.c): SSH and RDP, other
 * remote administration ports, database and cache ports, every protocol, and
 * any other port outside the allow-list. A load-balancer exposure is
 * classified by the target port on the instance, except for the allow-list,
 * which applies to the listener port the internet sees (a web application
 * behind an HTTPS listener on 443 is not "a port outside the allow-list").
 * Exposures to narrow source ranges only (pexp_broad) are reported at low
 * severity and without the Prowler mappings, which only cover 0.0.0.0/0.
 */
#include "posture-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wrapper.h"
#include "base/banned.h"

enum xkind { X_PORTS, X_ALL, X_OTHER };

static const struct xclass {
	const char *rule;
	const char *label; /* "on %s" */
	enum xkind kind;
	enum reach_origin org;
} xclasses[] = {
	{ "ec2-instance-ssh-rdp-internet", "SSH or RDP", X_PORTS, REACH_FROM_INTERNET },
	{ "ec2-instance-admin-port-internet", "a remote administration port", X_PORTS,
	  REACH_FROM_INTERNET },
	{ "ec2-instance-db-port-internet", "a database or cache port", X_PORTS,
	  REACH_FROM_INTERNET },
	{ "ec2-instance-all-ports-internet", "every protocol and port", X_ALL,
	  REACH_FROM_INTERNET },
	{ "ec2-instance-port-internet", "another port outside the allow-list", X_OTHER,
	  REACH_FROM_INTERNET },
	{ "ec2-instance-admin-port-peering", "an administration or database port", X_PORTS,
	  REACH_FROM_PEERING },
};
#define NX (sizeof(xclasses) / sizeof(xclasses[0]))

/* Port sets of each class: [class][0 tcp, 1 udp]; for X_OTHER, the ports
 * outside the allow-list and outside every named class. */
struct xsets {
	struct ivset p[NX][2];
	struct ivset named[2]; /* SSH, RDP, admin and database ports */
};

static void add_list(struct ivset *s, const char *list)
{
	struct ivset t = IVSET_INIT;
	if (ports_parse(&t, list))
		BUG("bad port list in an exposure class");
	ivset_union(s, &t);
	ivset_release(&t);
}

static void xsets_init(struct pctx *x, struct xsets *s)
{
	memset(s, 0, sizeof(*s));
	add_list(&s->p[0][0], "22,3389");
	add_list(&s->p[0][1], "3389");
	add_list(&s->p[1][0], PORTS_ADMIN_TCP);
	add_list(&s->p[2][0], PORTS_DB_TCP);
	add_list(&s->p[2][1], PORTS_DB_UDP);
	for (int p = 0; p < 2; p++) {
		for (int c = 0; c < 3; c++)
			ivset_union(&s->named[p], &s->p[c][p]);
		ivset_copy(&s->p[5][p], &s->named[p]);
		ivset_add(&s->p[4][p], 0, 65535);
		ivset_subtract(&s->p[4][p], &x->allowed);
		ivset_subtract(&s->p[4][p], &s->named[p]);
	}
}

static void xsets_release(struct xsets *s)
{
	for (size_t c = 0; c < NX; c++)
		for (int p = 0; p < 2; p++)
			ivset_release(&s->p[c][p]);
	for (int p = 0; p < 2; p++)
		ivset_release(&s->named[p]);
}

/* What one exposure contributes to one class. */
struct xhit {
	bool any;
	bool whole;	    /* the exposure's whole protocol (all, other protocols) */
	struct ivset ports; /* tcp/udp ports hit otherwise */
};

static void exp_ports(const struct reach_exposure *e, struct ivset *out)
{
	ivset_clear(out);
	for (size_t i = 0; i < e->nports; i++)
		ivset_add(out, e->ports[i].lo, e->ports[i].hi);
}

static void xhit_eval(struct pctx *x, const struct xsets *s, size_t c,
		      const struct reach_exposure *e, struct xhit *h)
{
	const struct xclass *k = &xclasses[c];
	h->any = h->whole = false;
	ivset_clear(&h->ports);
	if (e->origin != k->org)
		return;
	bool tcpudp = e->proto == MM_PROTO_TCP || e->proto == MM_PROTO_UDP;
	int pi = e->proto == MM_PROTO_UDP ? 1 : 0;
	switch (k->kind) {
	case X_ALL:
		if (e->proto == MM_PROTO_ALL) {
			h->any = h->whole = true;
		} else if (tcpudp) {
			exp_ports(e, &h->ports);
			h->any = ivset_covers(&h->ports, 1, 65535);
		}
		return;
	case X_PORTS:
		if (e->proto == MM_PROTO_ALL) {
			h->any = h->whole = true;
		} else if (tcpudp) {
			exp_ports(e, &h->ports);
			ivset_intersect(&h->ports, &s->p[c][pi]);
			h->any = !ivset_empty(&h->ports);
		}
		return;
	case X_OTHER:
		if (e->proto == MM_PROTO_ALL || e->proto == MM_PROTO_ICMP ||
		    e->proto == MM_PROTO_ICMPV6)
			return; /* all: the all-ports rule; ICMP has no ports */
		if (!tcpudp) {
			h->any = h->whole = true;
			return;
		}
		if (e->entry_id && ivset_contains(&x->allowed, (mm_u128)e->entry_port))
			return;
		exp_ports(e, &h->ports);
		if (e->entry_id)
			ivset_subtract(&h->ports, &s->named[pi]);
		else
			ivset_intersect(&h->ports, &s->p[c][pi]);
		h->any = !ivset_empty(&h->ports);
		return;
	}
}

/* ---- describing ---- */

static const char *lb_name(struct pctx *x, const char *id)
{
	const struct mm_lb *lb = mm_find_lb(x->m, id);
	return lb && lb->name ? lb->name : id;
}

static void proto_ports(struct strbuf *sb, int proto, const struct ivset *ports)
{
	if (proto == MM_PROTO_ALL) {
		strbuf_addstr(sb, "every protocol and port");
	} else if (proto == REACH_PROTO_OTHER) {
		strbuf_addstr(sb, "other protocols");
	} else if (proto == MM_PROTO_TCP || proto == MM_PROTO_UDP) {
		strbuf_addf(sb, "%s ", mm_proto_name(proto));
		ports_fmt(sb, ports, 8);
	} else if (proto == MM_PROTO_ICMP || proto == MM_PROTO_ICMPV6) {
		strbuf_addstr(sb, reach_proto_name(proto));
	} else {
		strbuf_addf(sb, "protocol %s", reach_proto_name(proto));
	}
}

/* The peer VPC of a peering connection, seen from the instance's VPC. */
static const char *peer_vpc(struct pctx *x, const char *pcx_id, const char *instance_id)
{
	const struct mm_pcx *p = pcx_id ? mm_find_pcx(x->m, pcx_id) : NULL;
	const struct mm_instance *in = instance_id ? mm_find_instance(x->m, instance_id) : NULL;
	if (!p)
		return NULL;
	if (in && in->vpc_id && p->req.vpc_id && !strcmp(p->req.vpc_id, in->vpc_id))
		return p->acc.vpc_id;
	return p->req.vpc_id;
}

/* "tcp 22 on 54.1.2.3 (IPv4) through igw-… from 0.0.0.0/0" */
static void exp_desc(struct pctx *x, struct strbuf *sb, const struct reach_exposure *e,
		     const struct ivset *ports)
{
	struct ivset all = IVSET_INIT;
	if (!ports) {
		exp_ports(e, &all);
		ports = &all;
	}
	proto_ports(sb, e->proto, ports);
	const char *fam = pexp_fam_word(e->family);
	if (e->entry_id)
		strbuf_addf(sb, " via load balancer %s listener %d (%s)", lb_name(x, e->entry_id),
			    e->entry_port, fam);
	else
		strbuf_addf(sb, " on %s (%s) through %s", e->address ? e->address : "?", fam,
			    e->gateway ? e->gateway : "?");
	strbuf_addstr(sb, " from ");
	pexp_sources(sb, e->family, e->src, e->nsrc, 3);
	const char *pv =
	    e->origin == REACH_FROM_PEERING ? peer_vpc(x, e->gateway, e->resource) : NULL;
	if (pv)
		strbuf_addf(sb, " in peer VPC %s", pv);
	ivset_release(&all);
}

/* ---- evidence and remediation ---- */

static bool ev_seen(const struct finding *f, const char *loc, const char *what)
{
	for (size_t i = 0; i < f->nev; i++)
		if (!strcmp(f->ev[i].what, what) &&
		    ((!loc && !f->ev[i].loc) ||
		     (loc && f->ev[i].loc && !strcmp(loc, f->ev[i].loc))))
			return true;
	return false;
}

static void hop_ev(struct pctx *x, struct finding *f, const struct reach_hop *h, const char *dir)
{
	strbuf_reset(&x->sb);
	strbuf_addf(&x->sb, "%s %s: %s", dir, h->component ? h->component : "?",
		    h->detail ? h->detail : (h->rule ? h->rule : ""));
	if (!ev_seen(f, h->evidence, x->sb.buf))
		finding_add_evidence(x->out, f, h->evidence, x->sb.buf);
}

const struct mm_sg_perm *pexp_hop_perm(const struct mm_model *m, const struct reach_hop *h,
				       const struct mm_sg **sgp)
{
	*sgp = NULL;
	if (!h->type || strcmp(h->type, "security-group") || !h->component || !h->evidence)
		return NULL;
	const struct mm_sg *sg = mm_find_sg(m, h->component);
	if (!sg)
		return NULL;
	*sgp = sg;
	char buf[2048];
	for (size_t i = 0; i < sg->nin; i++) {
		const struct mm_loc *l = &sg->in[i].loc;
		if (!l->file)
			continue;
		snprintf(buf, sizeof(buf), "%s#%s", l->file, l->ptr ? l->ptr : "");
		if (!strcmp(buf, h->evidence))
			return &sg->in[i];
	}
	return NULL;
}

/* Does a permission bear on what an exposure hit? */
static bool perm_relevant(const struct mm_sg_perm *p, const struct reach_exposure *e,
			  const struct xhit *h)
{
	if (h->whole || p->proto == MM_PROTO_ALL ||
	    (e->proto != MM_PROTO_TCP && e->proto != MM_PROTO_UDP))
		return true;
	if (p->proto != e->proto)
		return p->proto == MM_PROTO_BAD;
	int lo = p->from < 0 ? 0 : p->from, hi = p->to < 0 || p->to > 65535 ? 65535 : p->to;
	return ivset_overlaps(&h->ports, (mm_u128)lo, (mm_u128)hi);
}

bool pexp_src_overlaps(const struct reach_exposure *e, const struct mm_cidr *c)
{
	if (c->family != e->family)
		return false;
	mm_u128 lo = mm_cidr_first(c), hi = mm_cidr_last(c);
	for (size_t i = 0; i < e->nsrc; i++)
		if (e->src[i].lo <= hi && e->src[i].hi >= lo)
			return true;
	return false;
}

bool pexp_cli_safe(const char *v)
{
	if (!v || !*v)
		return false;
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		      (*v >= '0' && *v <= '9') || *v == '.' || *v == ':' || *v == '/' || *v == '-'))
			return false;
	return true;
}

/* Revoke commands, one per group: the permissions on the path, restricted
 * to the sources that admitted the exposures' addresses. Collected as
 * (group, permission, source) triples over every exposure of a finding (an
 * IPv4 and an IPv6 exposure may go through the same permission), then
 * rendered grouped by group and permission in first-seen order. */
#define XCLI_MAX 64
struct xsrc {
	const struct mm_sg *sg;
	const struct mm_sg_perm *p;
	size_t src;
};

struct xcli {
	struct xsrc v[XCLI_MAX];
	size_t n;
	bool bad; /* something on the path cannot be revoked by address: no command */
};

static void xcli_add(struct xcli *c, const struct mm_sg *sg, const struct mm_sg_perm *p, size_t src)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].p == p && c->v[i].src == src)
			return;
	if (c->n == XCLI_MAX) {
		c->bad = true;
		return;
	}
	c->v[c->n++] = (struct xsrc){ sg, p, src };
}

static void xcli_perm(struct pctx *x, struct xcli *c, const struct mm_sg *sg,
		      const struct mm_sg_perm *p, const struct reach_exposure *e)
{
	if (p->proto == MM_PROTO_BAD) {
		c->bad = true;
		return;
	}
	for (size_t s = 0; s < p->nsrc; s++) {
		const struct mm_sg_src *src = &p->src[s];
		bool hit = false;
		if (src->kind == MM_SRC_CIDR4 || src->kind == MM_SRC_CIDR6) {
			hit = pexp_src_overlaps(e, &src->cidr);
		} else if (src->kind == MM_SRC_PREFIX_LIST) {
			const struct mm_prefix_list *pl = mm_find_pl(x->m, src->value);
			for (size_t k = 0; pl && k < pl->ncidrs && !hit; k++)
				hit = pexp_src_overlaps(e, &pl->cidrs[k]);
		}
		if (!hit)
			continue;
		if (!pexp_cli_safe(src->value))
			c->bad = true;
		else
			xcli_add(c, sg, p, s);
	}
}

void pexp_perm_cli(struct strbuf *o, const struct mm_sg_perm *p, const size_t *src, size_t n)
{
	if (p->proto == MM_PROTO_ALL)
		strbuf_addstr(o, "'IpProtocol=-1");
	else if (p->proto == MM_PROTO_TCP || p->proto == MM_PROTO_UDP ||
		 p->proto == MM_PROTO_ICMP || p->proto == MM_PROTO_ICMPV6)
		strbuf_addf(o, "'IpProtocol=%s,FromPort=%d,ToPort=%d", mm_proto_name(p->proto),
			    p->from, p->to);
	else
		strbuf_addf(o, "'IpProtocol=%d", p->proto);
	for (size_t i = 0; i < n; i++) {
		const struct mm_sg_src *s = &p->src[src[i]];
		if (s->kind == MM_SRC_CIDR4)
			strbuf_addf(o, ",IpRanges=[{CidrIp=%s}]", s->value);
		else if (s->kind == MM_SRC_CIDR6)
			strbuf_addf(o, ",Ipv6Ranges=[{CidrIpv6=%s}]", s->value);
		else
			strbuf_addf(o, ",PrefixListIds=[{PrefixListId=%s}]", s->value);
	}
	strbuf_addch(o, '\'');
}

/* The collected sources of one permission. */
static void xcli_perm_text(const struct xcli *c, const struct mm_sg_perm *p, struct strbuf *o)
{
	size_t src[XCLI_MAX], n = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].p == p)
			src[n++] = c->v[i].src;
	pexp_perm_cli(o, p, src, n);
}

static void xcli_apply(struct pctx *x, struct finding *f, const struct xcli *c)
{
	if (!c->n || c->bad)
		return;
	const struct mm_sg *sgs[XCLI_MAX];
	struct strbuf perms[XCLI_MAX];
	size_t nsg = 0;
	for (size_t i = 0; i < c->n; i++) {
		size_t k = 0;
		while (k < nsg && sgs[k] != c->v[i].sg)
			k++;
		if (k == nsg) {
			sgs[nsg] = c->v[i].sg;
			strbuf_init(&perms[nsg++], 0);
		}
		bool first = true; /* first triple of its permission */
		for (size_t j = 0; j < i && first; j++)
			first = c->v[j].p != c->v[i].p;
		if (!first)
			continue;
		if (perms[k].len)
			strbuf_addch(&perms[k], ' ');
		xcli_perm_text(c, c->v[i].p, &perms[k]);
	}
	struct pvar *v = xcalloc(2 * nsg, sizeof(*v));
	for (size_t i = 0; i < nsg; i++) {
		v[2 * i] = (struct pvar){ "group_id", sgs[i]->r.id, false };
		v[2 * i + 1] = (struct pvar){ "ip_permissions", perms[i].buf, true };
	}
	pf_cli_multi(x, f, v, 2 * nsg, nsg);
	free(v);
	for (size_t i = 0; i < nsg; i++)
		strbuf_release(&perms[i]);
}

/* Evidence (forward then return path) and revoke structures of one hit. */
static void exp_evidence(struct pctx *x, struct finding *f, const struct reach_exposure *e,
			 const struct xhit *h, struct xcli *cli)
{
	for (int dir = 0; dir < 2; dir++) {
		const struct reach_hop *hv = dir ? e->ret : e->fwd;
		size_t n = dir ? e->nret : e->nfwd;
		for (size_t i = 0; i < n; i++) {
			const struct mm_sg *sg;
			const struct mm_sg_perm *p = pexp_hop_perm(x->m, &hv[i], &sg);
			if (p && !perm_relevant(p, e, h))
				continue;
			hop_ev(x, f, &hv[i], dir ? "return" : "forward");
			if (p && cli)
				xcli_perm(x, cli, sg, p, e);
		}
	}
}

/* ---- one instance, one class ---- */

static const char *origin_phrase(enum reach_origin org)
{
	return org == REACH_FROM_PEERING ? "from a peered VPC" : "from the internet";
}

static void hit_ports_of(const struct reach_exposure *e, const struct xhit *h, struct ivset *ports)
{
	if (h->whole || (e->proto != MM_PROTO_TCP && e->proto != MM_PROTO_UDP)) {
		ivset_add(ports, 0, 65535);
		return;
	}
	ivset_union(ports, &h->ports);
}

/* Everything an origin can open on the instance, in a few words. */
static void all_desc(struct pctx *x, struct strbuf *sb, const struct pexp_view *v,
		     enum reach_origin org, size_t max)
{
	size_t n = 0, more = 0;
	for (size_t i = 0; i < v->nexp; i++) {
		if (v->exp[i].origin != org)
			continue;
		if (n == max) {
			more++;
			continue;
		}
		if (n++)
			strbuf_addstr(sb, "; ");
		exp_desc(x, sb, &v->exp[i], NULL);
	}
	if (more)
		strbuf_addf(sb, "; and %zu more", more);
}

/* The direct blocks of an origin ("eni-…: " first when the instance has
 * several interfaces), their paths as evidence when f is set. */
static void blocks_desc(struct pctx *x, struct finding *f, struct strbuf *sb,
			const struct pexp_view *v, enum reach_origin org, bool multi)
{
	size_t n = 0;
	for (size_t i = 0; i < v->nblk; i++) {
		const struct reach_block *b = &v->blk[i];
		if (b->origin != org || b->entry_id)
			continue;
		if (n++ == 3)
			continue;
		if (n > 1)
			strbuf_addstr(sb, "; ");
		if (b->eni && multi)
			strbuf_addf(sb, "%s: ", b->eni);
		pexp_block_text(sb, b);
		for (size_t k = 0; f && k < b->npath; k++)
			hop_ev(x, f, &b->path[k], b->path[k].action ? b->path[k].action : "hop");
	}
	if (n > 3)
		strbuf_addf(sb, "; and %zu more", n - 3);
}

static void emit(struct pctx *x, const struct mm_instance *in, const char **namep,
		 const struct pexp_view *v, size_t c, const struct xsets *sets, struct xhit *hits)
{
	const struct xclass *k = &xclasses[c];
	size_t nhit = 0, nbroad = 0, nunk = 0;
	for (size_t i = 0; i < v->nexp; i++) {
		xhit_eval(x, sets, c, &v->exp[i], &hits[i]);
		if (!hits[i].any)
			continue;
		nhit++;
		if (k->org == REACH_FROM_PEERING ||
		    pexp_broad(v->exp[i].family, v->exp[i].src, v->exp[i].nsrc))
			nbroad++;
	}
	const struct reach_unknown *unk = NULL;
	for (size_t i = 0; i < v->nunk; i++)
		if (v->unk[i].origin == k->org && nunk++ == 0)
			unk = &v->unk[i];
	bool any_origin = false;
	for (size_t i = 0; i < v->nexp + v->nblk && !any_origin; i++)
		any_origin =
		    i < v->nexp ? v->exp[i].origin == k->org : v->blk[i - v->nexp].origin == k->org;
	enum mm_status st = nhit			   ? MM_ST_FAIL
			    : unk || !(any_origin || nunk) ? MM_ST_UNKNOWN
							   : MM_ST_PASS;
	struct finding *f = pf_new(x, k->rule, st, &in->r, "ec2-instance");
	if (!f)
		return;
	if (!*namep)
		*namep = pctx_name(x, &in->r);
	const char *name = *namep;
	struct strbuf msg = STRBUF_INIT;
	if (st == MM_ST_FAIL) {
		bool narrow = !nbroad;
		if (narrow && f->sev > MM_SEV_LOW)
			f->sev = MM_SEV_LOW;
		struct xcli cli;
		memset(&cli, 0, sizeof(cli));
		struct ivset ports[2] = { IVSET_INIT, IVSET_INIT };
		size_t n = 0;
		for (size_t i = 0; i < v->nexp; i++) {
			const struct reach_exposure *e = &v->exp[i];
			if (!hits[i].any)
				continue;
			bool broad =
			    k->org == REACH_FROM_PEERING || pexp_broad(e->family, e->src, e->nsrc);
			if (n++)
				strbuf_addstr(&msg, "; ");
			exp_desc(x, &msg, e, hits[i].whole ? NULL : &hits[i].ports);
			/* remediation and compliance follow what sets the severity */
			bool counts = broad || narrow;
			exp_evidence(x, f, e, &hits[i], counts ? &cli : NULL);
			if (broad)
				hit_ports_of(e, &hits[i], &ports[fam_ix(e->family)]);
		}
		strbuf_reset(&x->sb);
		strbuf_addf(&x->sb, "instance %s is reachable %s on %s: %s", name,
			    origin_phrase(k->org), k->label, msg.buf);
		if (k->org == REACH_FROM_PEERING) {
			strbuf_addstr(&x->sb, "; in all, peers can open ");
			all_desc(x, &x->sb, v, k->org, 6);
		}
		if (narrow && k->org == REACH_FROM_INTERNET)
			strbuf_addstr(&x->sb, "; only from narrow source ranges, so low severity");
		if (unk)
			strbuf_addf(&x->sb, "; more may be reachable: %s", unk->reason);
		f->message = arena_strndup(&x->out->arena, x->sb.buf, x->sb.len);
		pf_scope_compliance(x, f, ports);
		ivset_release(&ports[0]);
		ivset_release(&ports[1]);
		xcli_apply(x, f, &cli);
	} else if (st == MM_ST_UNKNOWN) {
		if (unk)
			pf_msg(x, f, "cannot tell whether instance %s is reachable %s on %s: %s",
			       name, origin_phrase(k->org), k->label, unk->reason);
		else
			pf_msg(x, f,
			       "cannot tell whether instance %s is reachable %s on %s: the "
			       "reachability analysis has no result for it",
			       name, origin_phrase(k->org), k->label);
	} else {
		bool exposed = false;
		for (size_t i = 0; i < v->nexp && !exposed; i++)
			exposed = v->exp[i].origin == k->org;
		if (exposed) {
			all_desc(x, &msg, v, k->org, 4);
			struct strbuf bl = STRBUF_INIT;
			blocks_desc(x, NULL, &bl, v, k->org, in->nenis > 1);
			pf_msg(
			    x, f,
			    "instance %s is not reachable %s on %s; it is reachable only on %s%s%s",
			    name, origin_phrase(k->org), k->label, msg.buf,
			    bl.len ? "; directly not reachable: " : "", bl.buf);
			strbuf_release(&bl);
		} else {
			blocks_desc(x, f, &msg, v, k->org, in->nenis > 1);
			pf_msg(x, f, "instance %s is not reachable %s: %s", name,
			       origin_phrase(k->org), msg.len ? msg.buf : "no path");
		}
	}
	strbuf_release(&msg);
	pf_done(x, f);
}

void check_exposure(struct pctx *x)
{
	if (!x->exp)
		return; /* exposure analysis off: no per-instance findings */
	if (pexp_ensure(x->exp, NULL) < 0)
		return; /* posture_run() reports the error */
	struct xsets sets;
	xsets_init(x, &sets);
	struct xhit *hits = NULL;
	size_t nhits = 0, ahits = 0;
	for (size_t i = 0; i < x->m->ninstances; i++) {
		const struct mm_instance *in = &x->m->instances[i];
		if (!in->r.id || pctx_instance_gone(in))
			continue;
		struct pexp_view v;
		pexp_instance(x->exp, in->r.id, &v);
		if (v.nexp > nhits) {
			ALLOC_GROW(hits, v.nexp, ahits);
			memset(hits + nhits, 0, (ahits - nhits) * sizeof(*hits));
			nhits = ahits;
		}
		const char *name = NULL;
		for (size_t c = 0; c < NX; c++)
			emit(x, in, &name, &v, c, &sets, hits);
	}
	for (size_t i = 0; i < nhits; i++)
		ivset_release(&hits[i].ports);
	free(hits);
	xsets_release(&sets);
}
