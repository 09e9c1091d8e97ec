/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Security group checks: ports open to the whole internet (SSH, RDP, other
 * remote administration, databases, all ports, anything outside the
 * allow-list), egress open to the world, the VPC default group carrying
 * rules, and groups nothing uses.
 *
 * "Open to the world" is computed, not pattern-matched: for every protocol
 * and elementary port range, the CIDRs of every permission covering it are
 * unioned (prefix lists expanded from their collected entries) and the union
 * is tested against the publicly routable address space of the family. So
 * 0.0.0.0/1 + 128.0.0.0/1 across two rules counts, 10.0.0.0/8 + 0.0.0.0/1
 * does not, and a prefix list whose entries were not collected makes the
 * answer unknown rather than "closed".
 */
#include "posture-int.h"

#include <stdlib.h>
#include <string.h>

#include "base/wrapper.h"
#include "base/banned.h"

enum { PT, PU }; /* index of TCP, UDP in the per-protocol arrays */
static const int pnum[2] = { MM_PROTO_TCP, MM_PROTO_UDP };

/* An IP protocol other than TCP/UDP/ICMP named by some permission. */
struct oproto {
	int proto;
	bool open[2], maybe[2];
};

/* What one direction of a group opens to the internet, per family. */
struct sgw {
	struct ivset open[2][2], maybe[2][2]; /* [fam][PT/PU] port sets */
	bool all_open[2], all_maybe[2];	      /* protocol -1 rules alone */
	struct oproto *op;
	size_t nop, aop;
};

/* Union of sources: `known` is certain, `maybe` adds sources we cannot
 * read (unparsable protocol), `maybe_all` stands for "could be anything"
 * (unknown prefix-list entries, unparsable CIDR). */
struct acc {
	struct ivset known, maybe;
	bool maybe_all;
};

static void acc_reset(struct acc *a)
{
	ivset_clear(&a->known);
	ivset_clear(&a->maybe);
	a->maybe_all = false;
}

static enum mm_family pl_family(const struct mm_prefix_list *pl)
{
	if (!pl->family)
		return MM_AF_NONE;
	if (!strcmp(pl->family, "IPv4"))
		return MM_AF_INET;
	if (!strcmp(pl->family, "IPv6"))
		return MM_AF_INET6;
	return MM_AF_NONE;
}

static enum mm_family src_family(const struct mm_sg_src *s)
{
	return s->kind == MM_SRC_CIDR4 ? MM_AF_INET : MM_AF_INET6;
}

static void acc_src(struct pctx *x, struct acc *a, const struct mm_sg_src *s, enum mm_family fam,
		    bool uncertain)
{
	switch (s->kind) {
	case MM_SRC_CIDR4:
	case MM_SRC_CIDR6:
		if (src_family(s) != fam)
			return;
		if (s->cidr.family != fam) {
			a->maybe_all = true;
			return;
		}
		ivset_add_cidr(&a->maybe, &s->cidr);
		if (!uncertain)
			ivset_add_cidr(&a->known, &s->cidr);
		return;
	case MM_SRC_PREFIX_LIST: {
		const struct mm_prefix_list *pl = mm_find_pl(x->m, s->value);
		if (!pl || !pl->have_entries) {
			if (!pl || pl_family(pl) == MM_AF_NONE || pl_family(pl) == fam)
				a->maybe_all = true;
			return;
		}
		for (size_t i = 0; i < pl->ncidrs; i++) {
			if (pl->cidrs[i].family != fam)
				continue;
			ivset_add_cidr(&a->maybe, &pl->cidrs[i]);
			if (!uncertain)
				ivset_add_cidr(&a->known, &pl->cidrs[i]);
		}
		return;
	}
	case MM_SRC_SG:
		return;
	}
}

/* 1 open, 0 closed, -1 cannot tell */
static int acc_verdict(const struct acc *a, enum mm_family fam)
{
	if (covers_internet(&a->known, fam))
		return 1;
	if (a->maybe_all || covers_internet(&a->maybe, fam))
		return -1;
	return 0;
}

static bool perm_has_proto(const struct mm_sg_perm *p, int proto)
{
	return p->proto == proto || p->proto == MM_PROTO_ALL || p->proto == MM_PROTO_BAD;
}

static void perm_range(const struct mm_sg_perm *p, int *lo, int *hi)
{
	*lo = p->from < 0 ? 0 : p->from;
	*hi = p->to > 65535 ? 65535 : p->to;
	if (p->proto == MM_PROTO_ALL || (p->from < 0 && p->to < 0) || *lo > *hi) {
		*lo = 0;
		*hi = 65535;
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Ports of protocol pnum[pi] open (or maybe open) to the world. */
static void sweep(struct pctx *x, const struct mm_sg_perm *pv, size_t np, int pi, struct sgw *w,
		  struct acc *a)
{
	int *pts = xmalloc(st_mult(st_add(st_mult(np, 2), 1), sizeof(*pts)));
	size_t n = 0;
	for (size_t i = 0; i < np; i++) {
		if (!perm_has_proto(&pv[i], pnum[pi]))
			continue;
		int lo, hi;
		perm_range(&pv[i], &lo, &hi);
		pts[n++] = lo;
		pts[n++] = hi + 1;
	}
	mm_qsort(pts, n, sizeof(*pts), cmp_int);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || pts[u - 1] != pts[i])
			pts[u++] = pts[i];
	for (size_t k = 0; k + 1 < u; k++) {
		int slo = pts[k], shi = pts[k + 1] - 1;
		for (int fi = 0; fi < 2; fi++) {
			enum mm_family fam = fi ? MM_AF_INET6 : MM_AF_INET;
			bool any = false;
			acc_reset(a);
			for (size_t i = 0; i < np; i++) {
				int lo, hi;
				if (!perm_has_proto(&pv[i], pnum[pi]))
					continue;
				perm_range(&pv[i], &lo, &hi);
				if (lo > slo || hi < shi)
					continue;
				any = true;
				for (size_t s = 0; s < pv[i].nsrc; s++)
					acc_src(x, a, &pv[i].src[s], fam,
						pv[i].proto == MM_PROTO_BAD);
			}
			if (!any)
				break;
			int v = acc_verdict(a, fam);
			if (v > 0)
				ivset_add(&w->open[fi][pi], (mm_u128)slo, (mm_u128)shi);
			else if (v < 0)
				ivset_add(&w->maybe[fi][pi], (mm_u128)slo, (mm_u128)shi);
		}
	}
	free(pts);
}

static bool is_other_proto(int p)
{
	return p != MM_PROTO_TCP && p != MM_PROTO_UDP && p != MM_PROTO_ICMP &&
	       p != MM_PROTO_ICMPV6 && p != MM_PROTO_ALL && p != MM_PROTO_BAD;
}

/* Protocol `proto` (or MM_PROTO_ALL for rules of protocol -1 alone). */
static int proto_verdict(struct pctx *x, const struct mm_sg_perm *pv, size_t np, int proto,
			 enum mm_family fam, struct acc *a)
{
	acc_reset(a);
	for (size_t i = 0; i < np; i++) {
		const struct mm_sg_perm *p = &pv[i];
		if (p->proto != proto && p->proto != MM_PROTO_ALL && p->proto != MM_PROTO_BAD)
			continue;
		for (size_t s = 0; s < p->nsrc; s++)
			acc_src(x, a, &p->src[s], fam, p->proto == MM_PROTO_BAD);
	}
	return acc_verdict(a, fam);
}

static void sgw_compute(struct pctx *x, const struct mm_sg_perm *pv, size_t np, bool ports,
			struct sgw *w)
{
	struct acc a = { IVSET_INIT, IVSET_INIT, false };
	for (int fi = 0; fi < 2; fi++) {
		int v = proto_verdict(x, pv, np, MM_PROTO_ALL, fi ? MM_AF_INET6 : MM_AF_INET, &a);
		w->all_open[fi] = v > 0;
		w->all_maybe[fi] = v < 0;
	}
	if (ports) {
		sweep(x, pv, np, PT, w, &a);
		sweep(x, pv, np, PU, w, &a);
		for (size_t i = 0; i < np; i++) {
			if (!is_other_proto(pv[i].proto))
				continue;
			size_t j = 0;
			while (j < w->nop && w->op[j].proto != pv[i].proto)
				j++;
			if (j < w->nop)
				continue;
			ALLOC_GROW(w->op, w->nop + 1, w->aop);
			struct oproto *o = &w->op[w->nop++];
			memset(o, 0, sizeof(*o));
			o->proto = pv[i].proto;
			for (int fi = 0; fi < 2; fi++) {
				int v = proto_verdict(x, pv, np, o->proto,
						      fi ? MM_AF_INET6 : MM_AF_INET, &a);
				o->open[fi] = v > 0;
				o->maybe[fi] = v < 0;
			}
		}
	}
	ivset_release(&a.known);
	ivset_release(&a.maybe);
}

static void sgw_release(struct sgw *w)
{
	for (int f = 0; f < 2; f++)
		for (int p = 0; p < 2; p++) {
			ivset_release(&w->open[f][p]);
			ivset_release(&w->maybe[f][p]);
		}
	free(w->op);
}

/* ---- port classes ---- */

enum cls_kind { CLS_PORTS, CLS_ALL, CLS_UNAUTH };

static const struct sg_class {
	const char *rule, *fp, *label;
	const char *tcp, *udp;
	enum cls_kind kind;
} classes[] = {
	{ "ec2-sg-ssh-world", "ssh", "SSH", "22", NULL, CLS_PORTS },
	{ "ec2-sg-rdp-world", "rdp", "RDP", "3389", "3389", CLS_PORTS },
	{ "ec2-sg-admin-port-world", "admin", "remote administration", PORTS_ADMIN_TCP, NULL,
	  CLS_PORTS },
	{ "ec2-sg-db-port-world", "db", "database", PORTS_DB_TCP, PORTS_DB_UDP, CLS_PORTS },
	{ "ec2-sg-all-ports-world", "all", "all ports", NULL, NULL, CLS_ALL },
	{ "ec2-sg-unauthorized-port-world", "unauthorized", "ports outside the allow-list", NULL,
	  NULL, CLS_UNAUTH },
};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

/* What one class hits on one group: fail (f) and cannot-tell (u) parts. */
struct hit {
	struct ivset f[2][2], u[2][2];
	bool allf[2], allu[2];
	bool of[2], ou[2]; /* some other protocol */
};

static void hit_release(struct hit *h)
{
	for (int f = 0; f < 2; f++)
		for (int p = 0; p < 2; p++) {
			ivset_release(&h->f[f][p]);
			ivset_release(&h->u[f][p]);
		}
}

static bool hit_any(const struct hit *h, bool fail)
{
	for (int f = 0; f < 2; f++) {
		if (fail ? (h->allf[f] || h->of[f]) : (h->allu[f] || h->ou[f]))
			return true;
		for (int p = 0; p < 2; p++)
			if (!ivset_empty(fail ? &h->f[f][p] : &h->u[f][p]))
				return true;
	}
	return false;
}

static void inter(struct ivset *dst, const struct ivset *a, const struct ivset *b)
{
	ivset_copy(dst, a);
	ivset_intersect(dst, b);
}

static void class_eval(const struct sgw *w, const struct sg_class *c, const struct ivset cp[2],
		       struct hit *h)
{
	for (int fi = 0; fi < 2; fi++) {
		switch (c->kind) {
		case CLS_PORTS:
		case CLS_UNAUTH:
			for (int p = 0; p < 2; p++) {
				inter(&h->f[fi][p], &w->open[fi][p], &cp[p]);
				inter(&h->u[fi][p], &w->maybe[fi][p], &cp[p]);
			}
			if (c->kind == CLS_UNAUTH)
				for (size_t i = 0; i < w->nop; i++) {
					h->of[fi] |= w->op[i].open[fi];
					h->ou[fi] |= w->op[i].maybe[fi];
				}
			break;
		case CLS_ALL:
			h->allf[fi] = w->all_open[fi];
			h->allu[fi] = w->all_maybe[fi];
			for (int p = 0; p < 2; p++) {
				if (h->allf[fi])
					break;
				if (ivset_covers(&w->open[fi][p], 1, 65535)) {
					ivset_copy(&h->f[fi][p], &w->open[fi][p]);
					continue;
				}
				struct ivset any = IVSET_INIT;
				ivset_copy(&any, &w->open[fi][p]);
				ivset_union(&any, &w->maybe[fi][p]);
				if (ivset_covers(&any, 1, 65535))
					ivset_copy(&h->u[fi][p], &w->maybe[fi][p]);
				ivset_release(&any);
			}
			break;
		}
	}
}

/* ---- messages and evidence ---- */

static void users_text(struct pctx *x, const struct mm_sg *sg, struct strbuf *sb)
{
	const struct sg_info *si = pctx_sg_info(x, sg);
	if (!si->nusers) {
		if (!mm_have(x->m, &sg->r, MM_K_ENIS) && !mm_have(x->m, &sg->r, MM_K_INSTANCES)) {
			strbuf_addf(sb, "users unknown: '%s' was not loaded",
				    mm_kind_name(MM_K_ENIS));
			return;
		}
		strbuf_addstr(sb, "not used by any instance, interface or load balancer");
		if (!mm_have(x->m, &sg->r, MM_K_ENIS))
			strbuf_addf(sb, " ('%s' was not loaded)", mm_kind_name(MM_K_ENIS));
		return;
	}
	const char *shown[5];
	size_t ns = 0, i = 0;
	strbuf_addstr(sb, "used by ");
	for (; i < si->nusers && ns < 5; i++) {
		const struct sg_user *u = &si->users[i];
		const char *name = u->lb		 ? u->lb->name
				   : u->inst		 ? u->inst->r.id
				   : u->eni->instance_id ? u->eni->instance_id
							 : u->eni->r.id;
		size_t j = 0;
		while (j < ns && strcmp(shown[j], name))
			j++;
		if (j < ns)
			continue;
		shown[ns++] = name;
		if (ns > 1)
			strbuf_addstr(sb, ", ");
		if (u->lb)
			strbuf_addf(sb, "load balancer %s", name);
		else if (u->eni && !u->eni->instance_id && u->eni->type)
			strbuf_addf(sb, "%s (%s)", name, u->eni->type);
		else
			strbuf_addstr(sb, name);
	}
	if (i < si->nusers)
		strbuf_addf(sb, " and %zu more", si->nusers - i);
}

static bool src_ok_chars(const char *v)
{
	if (!v || !*v)
		return false;
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		      (*v >= '0' && *v <= '9') || *v == '.' || *v == ':' || *v == '/' || *v == '-'))
			return false;
	return true;
}

/* Does source s of family fam reach the internet (or could it)? */
static bool src_contributes(struct pctx *x, const struct mm_sg_src *s, enum mm_family fam,
			    bool *certain)
{
	*certain = true;
	switch (s->kind) {
	case MM_SRC_CIDR4:
	case MM_SRC_CIDR6:
		if (src_family(s) != fam)
			return false;
		if (s->cidr.family != fam) {
			*certain = false;
			return true;
		}
		return touches_internet(fam, mm_cidr_first(&s->cidr), mm_cidr_last(&s->cidr));
	case MM_SRC_PREFIX_LIST: {
		const struct mm_prefix_list *pl = mm_find_pl(x->m, s->value);
		if (!pl || !pl->have_entries) {
			*certain = false;
			return !pl || pl_family(pl) == MM_AF_NONE || pl_family(pl) == fam;
		}
		for (size_t i = 0; i < pl->ncidrs; i++)
			if (pl->cidrs[i].family == fam &&
			    touches_internet(fam, mm_cidr_first(&pl->cidrs[i]),
					     mm_cidr_last(&pl->cidrs[i])))
				return true;
		return false;
	}
	case MM_SRC_SG:
		return false;
	}
	return false;
}

static void perm_desc(struct strbuf *sb, const struct mm_sg_perm *p)
{
	if (p->proto == MM_PROTO_ALL) {
		strbuf_addstr(sb, "all traffic");
		return;
	}
	if (p->proto == MM_PROTO_BAD) {
		strbuf_addstr(sb, "unparsable protocol");
		return;
	}
	strbuf_addstr(sb, mm_proto_name(p->proto));
	if (p->proto == MM_PROTO_TCP || p->proto == MM_PROTO_UDP) {
		int lo, hi;
		perm_range(p, &lo, &hi);
		if (lo == hi)
			strbuf_addf(sb, " %d", lo);
		else
			strbuf_addf(sb, " %d-%d", lo, hi);
	}
}

static void src_desc(struct pctx *x, struct strbuf *sb, const struct mm_sg_src *s)
{
	strbuf_addstr(sb, s->value ? s->value : "?");
	if (s->kind == MM_SRC_PREFIX_LIST) {
		const struct mm_prefix_list *pl = mm_find_pl(x->m, s->value);
		if (!pl)
			strbuf_addf(sb, " (prefix list not loaded: '%s')",
				    mm_kind_name(MM_K_PREFIX_LISTS));
		else if (!pl->have_entries)
			strbuf_addf(sb, " (prefix list %s%s%sentries not loaded: '%s')",
				    pl->name ? "'" : "", pl->name ? pl->name : "",
				    pl->name ? "' " : "", mm_kind_name(MM_K_PL_ENTRIES));
		else
			strbuf_addf(sb, " (prefix list%s%s%s, %zu entries)", pl->name ? " '" : "",
				    pl->name ? pl->name : "", pl->name ? "'" : "", pl->ncidrs);
	} else if ((s->kind == MM_SRC_CIDR4 || s->kind == MM_SRC_CIDR6) &&
		   s->cidr.family == MM_AF_NONE) {
		strbuf_addstr(sb, " (unparsable CIDR)");
	}
}

/* One (family, protocol, ports) part of a hit: which permissions and
 * sources make it. Adds evidence once per (permission, source), the source
 * texts to `srcs`, and revoke structures to `cli` (certain sources only). */
struct part_ctx {
	struct pctx *x;
	struct finding *f;
	const char *dir; /* "ingress" / "egress" */
	const struct mm_sg_perm *pv;
	size_t np;
	bool *seen;  /* per (permission, source) */
	size_t *off; /* first seen[] index of each permission */
	bool *cli_seen;
	struct strbuf *cli;
	bool cli_bad;
};

/* The sources named in a message: distinct values, the first few only. */
struct srclist {
	struct strbuf sb;
	const char *v[4];
	size_t n;
	bool more;
};

static void srclist_add(struct pctx *x, struct srclist *l, const struct mm_sg_src *src,
			bool certain)
{
	const char *val = src->value ? src->value : "?";
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], val))
			return;
	if (l->n == 4) {
		l->more = true;
		return;
	}
	l->v[l->n++] = val;
	if (l->sb.len)
		strbuf_addstr(&l->sb, ", ");
	if (certain)
		strbuf_addstr(&l->sb, val);
	else
		src_desc(x, &l->sb, src);
}

static const char *srclist_text(struct srclist *l)
{
	if (l->more) {
		strbuf_addstr(&l->sb, ", ...");
		l->more = false;
	}
	return l->sb.buf;
}

static void srclist_reset(struct srclist *l)
{
	strbuf_reset(&l->sb);
	l->n = 0;
	l->more = false;
}

static const char *dir_word(const struct part_ctx *pc)
{
	return strcmp(pc->dir, "egress") ? "from" : "to";
}

static void part_collect(struct part_ctx *pc, enum mm_family fam, int proto,
			 const struct ivset *ports, struct srclist *srcs)
{
	struct pctx *x = pc->x;
	for (size_t i = 0; i < pc->np; i++) {
		const struct mm_sg_perm *p = &pc->pv[i];
		if (proto == MM_PROTO_ALL) {
			if (p->proto != MM_PROTO_ALL && p->proto != MM_PROTO_BAD)
				continue;
		} else if (p->proto != proto && p->proto != MM_PROTO_ALL &&
			   p->proto != MM_PROTO_BAD) {
			continue;
		}
		if (ports) {
			int lo, hi;
			perm_range(p, &lo, &hi);
			if (!ivset_overlaps(ports, (mm_u128)lo, (mm_u128)hi))
				continue;
		}
		struct strbuf ranges = STRBUF_INIT;
		for (size_t s = 0; s < p->nsrc; s++) {
			const struct mm_sg_src *src = &p->src[s];
			bool certain;
			if (!src_contributes(x, src, fam, &certain))
				continue;
			srclist_add(x, srcs, src, certain);
			size_t k = pc->off[i] + s;
			if (!pc->seen[k]) {
				pc->seen[k] = true;
				struct strbuf w = STRBUF_INIT;
				strbuf_addf(&w, "%s ", pc->dir);
				perm_desc(&w, p);
				strbuf_addf(&w, " %s ", dir_word(pc));
				src_desc(x, &w, src);
				pf_ev(x, pc->f, &src->loc, "%s", w.buf);
				strbuf_release(&w);
			}
			if (!pc->cli || pc->cli_seen[k] || !certain || p->proto == MM_PROTO_BAD)
				continue;
			pc->cli_seen[k] = true;
			if (!src_ok_chars(src->value)) {
				pc->cli_bad = true;
				continue;
			}
			if (ranges.len)
				strbuf_addch(&ranges, ',');
			if (src->kind == MM_SRC_CIDR4)
				strbuf_addf(&ranges, "IpRanges=[{CidrIp=%s}]", src->value);
			else if (src->kind == MM_SRC_CIDR6)
				strbuf_addf(&ranges, "Ipv6Ranges=[{CidrIpv6=%s}]", src->value);
			else
				strbuf_addf(&ranges, "PrefixListIds=[{PrefixListId=%s}]",
					    src->value);
		}
		if (ranges.len) {
			if (pc->cli->len)
				strbuf_addch(pc->cli, ' ');
			if (p->proto == MM_PROTO_ALL)
				strbuf_addf(pc->cli, "'IpProtocol=-1,%s'", ranges.buf);
			else if (p->proto == MM_PROTO_TCP || p->proto == MM_PROTO_UDP)
				strbuf_addf(pc->cli, "'IpProtocol=%s,FromPort=%d,ToPort=%d,%s'",
					    mm_proto_name(p->proto), p->from, p->to, ranges.buf);
			else
				strbuf_addf(pc->cli, "'IpProtocol=%d,%s'", p->proto, ranges.buf);
		}
		strbuf_release(&ranges);
	}
}

static void part_init(struct part_ctx *pc, struct pctx *x, struct finding *f, const char *dir,
		      const struct mm_sg_perm *pv, size_t np, struct strbuf *cli)
{
	memset(pc, 0, sizeof(*pc));
	pc->x = x;
	pc->f = f;
	pc->dir = dir;
	pc->pv = pv;
	pc->np = np;
	pc->off = xcalloc(np + 1, sizeof(*pc->off));
	for (size_t i = 0; i < np; i++)
		pc->off[i + 1] = pc->off[i] + pv[i].nsrc;
	pc->seen = xcalloc(pc->off[np] + 1, sizeof(*pc->seen));
	pc->cli_seen = xcalloc(pc->off[np] + 1, sizeof(*pc->cli_seen));
	pc->cli = cli;
}

static void part_release(struct part_ctx *pc)
{
	free(pc->off);
	free(pc->seen);
	free(pc->cli_seen);
}

/* Describe a hit into msg ("tcp 22 from 0.0.0.0/0 (IPv4); ..."), adding
 * evidence and CLI structures. */
static void hit_describe(struct part_ctx *pc, const struct hit *h, const struct sgw *w, bool fail,
			 struct strbuf *msg)
{
	size_t parts = 0;
	for (int fi = 0; fi < 2; fi++) {
		enum mm_family fam = fi ? MM_AF_INET6 : MM_AF_INET;
		bool all = fail ? h->allf[fi] : h->allu[fi];
		struct srclist srcs = { STRBUF_INIT, { 0 }, 0, false };
		const char *dw = dir_word(pc);
		if (all) {
			part_collect(pc, fam, MM_PROTO_ALL, NULL, &srcs);
			strbuf_addf(msg, "%sall traffic (protocol -1) %s %s (%s)",
				    parts++ ? "; " : "", dw, srclist_text(&srcs), fam_name(fam));
			srclist_reset(&srcs);
		}
		for (int p = 0; p < 2 && !all; p++) {
			const struct ivset *ports = fail ? &h->f[fi][p] : &h->u[fi][p];
			if (ivset_empty(ports))
				continue;
			part_collect(pc, fam, pnum[p], ports, &srcs);
			strbuf_addf(msg, "%s%s ", parts++ ? "; " : "", mm_proto_name(pnum[p]));
			ports_fmt(msg, ports, 8);
			strbuf_addf(msg, " %s %s (%s)", dw, srclist_text(&srcs), fam_name(fam));
			srclist_reset(&srcs);
		}
		if (fail ? h->of[fi] : h->ou[fi])
			for (size_t i = 0; i < w->nop; i++) {
				if (!(fail ? w->op[i].open[fi] : w->op[i].maybe[fi]))
					continue;
				part_collect(pc, fam, w->op[i].proto, NULL, &srcs);
				strbuf_addf(msg, "%sprotocol %s %s %s (%s)", parts++ ? "; " : "",
					    mm_proto_name(w->op[i].proto), dw, srclist_text(&srcs),
					    fam_name(fam));
				srclist_reset(&srcs);
			}
		strbuf_release(&srcs.sb);
	}
}

/* Ports of a hit per family, for compliance scoping. */
static void hit_ports(const struct hit *h, bool fail, struct ivset out[2])
{
	for (int fi = 0; fi < 2; fi++) {
		ivset_clear(&out[fi]);
		if (fail ? (h->allf[fi] || h->of[fi]) : (h->allu[fi] || h->ou[fi]))
			ivset_add(&out[fi], 0, 65535);
		for (int p = 0; p < 2; p++)
			ivset_union(&out[fi], fail ? &h->f[fi][p] : &h->u[fi][p]);
	}
}

/* Folds one answer into v; true when it is MM_YES (no need to ask more). */
static bool fold(enum mm_tri *v, enum mm_tri r)
{
	if (r == MM_UNKNOWN)
		*v = MM_UNKNOWN;
	return r == MM_YES;
}

/* The exposure hook's verdict for one interface on every failing part of h:
 * MM_YES when some part is reachable, else MM_UNKNOWN when some part cannot
 * be told, else MM_NO. */
static enum mm_tri user_verdict(struct pctx *x, const struct mm_eni *eni, const struct hit *h,
				const struct sgw *w, const struct ivset *all)
{
	enum mm_tri v = MM_NO;
	for (int fi = 0; fi < 2; fi++) {
		enum mm_family fam = fi ? MM_AF_INET6 : MM_AF_INET;
		if (h->allf[fi] &&
		    fold(&v, x->reach(x->reach_arg, x->m, eni, MM_PROTO_ALL, all, fam)))
			return MM_YES;
		for (int p = 0; p < 2; p++)
			if (!ivset_empty(&h->f[fi][p]) &&
			    fold(&v, x->reach(x->reach_arg, x->m, eni, pnum[p], &h->f[fi][p], fam)))
				return MM_YES;
		for (size_t k = 0; k < w->nop && h->of[fi]; k++)
			if (w->op[k].open[fi] &&
			    fold(&v, x->reach(x->reach_arg, x->m, eni, w->op[k].proto, all, fam)))
				return MM_YES;
	}
	return v;
}

/* A short list of users named in a message: the first three distinct ones
 * (by instance, else interface id), then "and N more". Names and reasons
 * are only built for those three, so a group with 100k users costs no
 * strings. */
struct ulist {
	struct strbuf sb;
	const char *keys[3];
	size_t shown, more;
};

/* Should the user with this key be added? Counts the ones left out. */
static bool ulist_take(struct ulist *l, const char *key)
{
	for (size_t i = 0; i < l->shown; i++)
		if (!strcmp(l->keys[i], key))
			return false;
	if (l->shown == 3) {
		l->more++;
		return false;
	}
	l->keys[l->shown++] = key;
	return true;
}

/* Appends "name" or "name: why", after sep when the list is not empty. */
static void ulist_put(struct ulist *l, const char *name, const char *why, const char *sep)
{
	if (l->sb.len)
		strbuf_addstr(&l->sb, sep);
	strbuf_addstr(&l->sb, name);
	if (why)
		strbuf_addf(&l->sb, ": %s", why);
}

static const char *ulist_text(struct ulist *l)
{
	if (l->more) {
		strbuf_addf(&l->sb, " and %zu more", l->more);
		l->more = 0;
	}
	return l->sb.buf;
}

/* What the exposure hook says about the users of a group, for one hit. */
struct reach_sum {
	size_t yes, no, unknown, other; /* other: users that are not interfaces */
	struct ulist ly, ln, lu, why;	/* named lists, filled with the engine only */
};

static void reach_sum_release(struct reach_sum *s)
{
	strbuf_release(&s->ly.sb);
	strbuf_release(&s->ln.sb);
	strbuf_release(&s->lu.sb);
	strbuf_release(&s->why.sb);
}

static const char *user_name(struct pctx *x, const struct mm_eni *eni)
{
	const struct mm_instance *in =
	    eni->instance_id ? mm_find_instance(x->m, eni->instance_id) : NULL;
	if (in)
		return pctx_name(x, &in->r);
	return eni->instance_id ? eni->instance_id : eni->r.id;
}

static enum mm_family hit_family(const struct hit *h)
{
	bool v4 = h->allf[0] || h->of[0] || !ivset_empty(&h->f[0][0]) || !ivset_empty(&h->f[0][1]);
	return v4 ? MM_AF_INET : MM_AF_INET6;
}

/* The first tcp or udp port of a hit in family fam, to ask the engine about. */
static bool hit_first_port(const struct hit *h, enum mm_family fam, int *proto, int *port)
{
	for (int fi = 0; fi < 2; fi++)
		for (int p = 0; p < 2; p++)
			if ((fi ? MM_AF_INET6 : MM_AF_INET) == fam && !ivset_empty(&h->f[fi][p])) {
				*proto = pnum[p];
				*port = (int)h->f[fi][p].v[0].lo;
				return true;
			}
	return false;
}

static void reach_summarise(struct pctx *x, const struct mm_sg *sg, const struct hit *h,
			    const struct sgw *w, struct reach_sum *s)
{
	const struct sg_info *si = pctx_sg_info(x, sg);
	struct ivset all = IVSET_INIT;
	ivset_add(&all, 0, 65535);
	bool engine = pctx_engine(x);
	for (size_t i = 0; i < si->nusers; i++) {
		const struct mm_eni *eni = si->users[i].eni;
		if (!eni) {
			s->other++;
			continue;
		}
		enum mm_tri v = user_verdict(x, eni, h, w, &all);
		if (v == MM_YES)
			s->yes++;
		else if (v == MM_NO)
			s->no++;
		else
			s->unknown++;
		if (!engine)
			continue;
		const char *key = eni->instance_id ? eni->instance_id : eni->r.id;
		if (v == MM_YES) {
			if (ulist_take(&s->ly, key))
				ulist_put(&s->ly, user_name(x, eni), NULL, ", ");
		} else if (v == MM_UNKNOWN) {
			if (ulist_take(&s->lu, key))
				ulist_put(&s->lu, user_name(x, eni),
					  pexp_unknown_why(x->exp, eni, hit_family(h)), "; ");
		} else {
			bool short_list = ulist_take(&s->ln, key);
			bool long_list = ulist_take(&s->why, key);
			if (!short_list && !long_list)
				continue;
			/* explained by the block of the hit's own family (IPv4
			 * when it has IPv4 parts): an IPv4 rule by the IPv4 path */
			enum mm_family fam = hit_family(h);
			const char *name = user_name(x, eni), *code = NULL, *why = NULL;
			struct pexp_view pv;
			const struct reach_block *b = NULL;
			if (pexp_eni(x->exp, eni->r.id, &pv))
				b = pexp_direct_block(&pv, REACH_FROM_INTERNET, fam);
			if (b) {
				code = b->code;
				why = pexp_why_not(x->exp, &x->out->arena, eni, fam);
			} else if (pexp_eni_detached(eni)) {
				code = "not attached";
				why = pexp_why_not(x->exp, &x->out->arena, eni, fam);
			} else {
				/* that family reachable on other ports, or without an
				 * address: what blocks these ports over it */
				int proto, port;
				if (hit_first_port(h, fam, &proto, &port))
					why =
					    pexp_port_why(x->exp, &x->out->arena, eni->instance_id,
							  fam, proto, port, &code);
			}
			if (short_list)
				ulist_put(&s->ln, name, code ? code : "other ports only", ", ");
			if (long_list)
				ulist_put(&s->why, name,
					  why ? why
					      : "reachable from the internet on other ports only",
					  "; ");
		}
	}
	ivset_release(&all);
}

/* Latent: the hook is set, the group's users are known, and every one of
 * them is an interface the internet cannot reach on the failing parts. */
static bool sum_latent(struct pctx *x, const struct mm_sg *sg, const struct reach_sum *s)
{
	if (!x->reach)
		return false;
	if (!mm_have(x->m, &sg->r, MM_K_ENIS) && !mm_have(x->m, &sg->r, MM_K_INSTANCES))
		return false;
	return !s->yes && !s->unknown && !s->other;
}

/* "; reachable from the internet on these ports: ...; not reachable: ..." */
static void sum_text(struct reach_sum *s, struct strbuf *sb)
{
	if (s->ly.sb.len)
		strbuf_addf(sb, "; reachable from the internet on these ports: %s",
			    ulist_text(&s->ly));
	if (s->ln.sb.len)
		strbuf_addf(sb, "; not reachable: %s", ulist_text(&s->ln));
	if (s->lu.sb.len)
		strbuf_addf(sb, "; reachability unknown: %s", ulist_text(&s->lu));
}

static const char *sg_label(struct pctx *x, const struct mm_sg *sg)
{
	if (sg->name && *sg->name)
		return arena_printf(&x->out->arena, "%s (%s)", sg->r.id, sg->name);
	return sg->r.id;
}

static void emit_class(struct pctx *x, const struct mm_sg *sg, const struct sg_class *c,
		       const struct sgw *w, const struct hit *h)
{
	bool fail = hit_any(h, true);
	enum mm_status st = fail ? MM_ST_FAIL : hit_any(h, false) ? MM_ST_UNKNOWN : MM_ST_PASS;
	struct finding *f = pf_new(x, c->rule, st, &sg->r, "security-group");
	if (!f)
		return;
	pf_extra(x, f, c->fp);
	struct strbuf msg = STRBUF_INIT, cli = STRBUF_INIT, users = STRBUF_INIT;
	users_text(x, sg, &users);
	const char *label = sg_label(x, sg);
	if (st == MM_ST_PASS) {
		pf_msg(x, f, "security group %s does not allow %s from the internet; %s", label,
		       c->label, users.buf);
	} else {
		struct part_ctx pc;
		part_init(&pc, x, f, "ingress", sg->in, sg->nin, fail ? &cli : NULL);
		hit_describe(&pc, h, w, fail, &msg);
		part_release(&pc);
		struct reach_sum rs;
		memset(&rs, 0, sizeof(rs));
		if (fail && x->reach)
			reach_summarise(x, sg, h, w, &rs);
		if (fail && sum_latent(x, sg, &rs)) {
			f->sev = MM_SEV_LOW;
			if (!pctx_engine(x))
				pf_msg(
				    x, f,
				    "security group %s allows %s; %s; latent: no user of the group "
				    "is reachable from the internet on these ports",
				    label, msg.buf, users.buf);
			else if (!rs.no)
				pf_msg(x, f,
				       "security group %s allows %s; %s; latent: nothing uses the "
				       "group",
				       label, msg.buf, users.buf);
			else
				pf_msg(
				    x, f,
				    "security group %s allows %s; %s; latent: no user of the group "
				    "is reachable from the internet on these ports: %s",
				    label, msg.buf, users.buf, ulist_text(&rs.why));
		} else if (fail) {
			struct strbuf tail = STRBUF_INIT;
			sum_text(&rs, &tail);
			pf_msg(x, f, "security group %s allows %s; %s%s", label, msg.buf, users.buf,
			       tail.buf);
			strbuf_release(&tail);
		} else {
			pf_msg(x, f,
			       "cannot tell whether security group %s allows %s from the internet: "
			       "%s; %s",
			       label, c->label, msg.buf, users.buf);
		}
		struct ivset ports[2] = { IVSET_INIT, IVSET_INIT };
		hit_ports(h, fail, ports);
		pf_scope_compliance(x, f, ports);
		ivset_release(&ports[0]);
		ivset_release(&ports[1]);
		if (fail && cli.len) {
			struct pvar v[] = { { "group_id", sg->r.id, false },
					    { "ip_permissions", cli.buf, true } };
			pf_cli(x, f, v, 2);
		}
		reach_sum_release(&rs);
	}
	pf_done(x, f);
	strbuf_release(&msg);
	strbuf_release(&cli);
	strbuf_release(&users);
}

void check_sg_world(struct pctx *x)
{
	struct ivset cp[NCLASSES][2];
	for (size_t c = 0; c < NCLASSES; c++) {
		for (int p = 0; p < 2; p++) {
			cp[c][p] = (struct ivset)IVSET_INIT;
			const char *list = p ? classes[c].udp : classes[c].tcp;
			if (classes[c].kind == CLS_UNAUTH) {
				ivset_add(&cp[c][p], 0, 65535);
				ivset_subtract(&cp[c][p], &x->allowed);
			} else if (list && ports_parse(&cp[c][p], list)) {
				BUG("bad port list in a security group class");
			}
		}
	}
	for (size_t i = 0; i < x->m->nsgs; i++) {
		const struct mm_sg *sg = &x->m->sgs[i];
		struct sgw w;
		memset(&w, 0, sizeof(w));
		sgw_compute(x, sg->in, sg->nin, true, &w);
		for (size_t c = 0; c < NCLASSES; c++) {
			struct hit h;
			memset(&h, 0, sizeof(h));
			class_eval(&w, &classes[c], cp[c], &h);
			emit_class(x, sg, &classes[c], &w, &h);
			hit_release(&h);
		}
		sgw_release(&w);
	}
	for (size_t c = 0; c < NCLASSES; c++)
		for (int p = 0; p < 2; p++)
			ivset_release(&cp[c][p]);
}

void check_sg_egress(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nsgs; i++) {
		const struct mm_sg *sg = &x->m->sgs[i];
		struct sgw w;
		memset(&w, 0, sizeof(w));
		sgw_compute(x, sg->out, sg->nout, false, &w);
		struct hit h;
		memset(&h, 0, sizeof(h));
		for (int fi = 0; fi < 2; fi++) {
			h.allf[fi] = w.all_open[fi];
			h.allu[fi] = w.all_maybe[fi];
		}
		bool fail = hit_any(&h, true);
		enum mm_status st = fail		 ? MM_ST_FAIL
				    : hit_any(&h, false) ? MM_ST_UNKNOWN
							 : MM_ST_PASS;
		struct finding *f =
		    pf_new(x, "ec2-sg-egress-all-world", st, &sg->r, "security-group");
		if (f) {
			const char *label = sg_label(x, sg);
			if (st == MM_ST_PASS) {
				pf_msg(
				    x, f,
				    "security group %s does not allow all outbound traffic to the "
				    "internet",
				    label);
			} else {
				struct strbuf msg = STRBUF_INIT, cli = STRBUF_INIT;
				struct part_ctx pc;
				part_init(&pc, x, f, "egress", sg->out, sg->nout,
					  fail ? &cli : NULL);
				hit_describe(&pc, &h, &w, fail, &msg);
				part_release(&pc);
				if (fail)
					pf_msg(x, f, "security group %s allows outbound %s", label,
					       msg.buf);
				else
					pf_msg(x, f,
					       "cannot tell whether security group %s allows all "
					       "outbound traffic: %s",
					       label, msg.buf);
				if (fail && cli.len) {
					struct pvar v[] = { { "group_id", sg->r.id, false },
							    { "ip_permissions", cli.buf, true } };
					pf_cli(x, f, v, 2);
				}
				strbuf_release(&msg);
				strbuf_release(&cli);
			}
			pf_done(x, f);
		}
		hit_release(&h);
		sgw_release(&w);
	}
}

static bool sg_is_default(const struct mm_sg *sg)
{
	return sg->name && !strcmp(sg->name, "default");
}

void check_sg_default(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nsgs; i++) {
		const struct mm_sg *sg = &x->m->sgs[i];
		if (!sg_is_default(sg))
			continue;
		bool fail = sg->nin || sg->nout;
		struct finding *f =
		    pf_new(x, "ec2-sg-default-allows-traffic", fail ? MM_ST_FAIL : MM_ST_PASS,
			   &sg->r, "security-group");
		if (!f)
			continue;
		struct strbuf users = STRBUF_INIT;
		users_text(x, sg, &users);
		const char *vpc = sg->vpc_id ? sg->vpc_id : "no VPC";
		if (!fail) {
			pf_msg(x, f, "default security group %s of %s has no rules; %s", sg->r.id,
			       vpc, users.buf);
		} else {
			pf_msg(x, f,
			       "default security group %s of %s has %zu inbound and %zu outbound "
			       "permission%s; %s",
			       sg->r.id, vpc, sg->nin, sg->nout, sg->nin + sg->nout == 1 ? "" : "s",
			       users.buf);
			for (int dir = 0; dir < 2; dir++) {
				const struct mm_sg_perm *pv = dir ? sg->out : sg->in;
				size_t np = dir ? sg->nout : sg->nin;
				for (size_t p = 0; p < np && p < 20; p++) {
					struct strbuf w = STRBUF_INIT;
					strbuf_addstr(&w, dir ? "egress " : "ingress ");
					perm_desc(&w, &pv[p]);
					for (size_t s = 0; s < pv[p].nsrc && s < 4; s++) {
						strbuf_addstr(&w, s	? ", "
								  : dir ? " to "
									: " from ");
						strbuf_addstr(&w, pv[p].src[s].value
								      ? pv[p].src[s].value
								      : "?");
					}
					pf_ev(x, f, &pv[p].loc, "%s", w.buf);
					strbuf_release(&w);
				}
			}
			struct pvar v[] = { { "group_id", sg->r.id, false } };
			pf_cli(x, f, v, 1);
		}
		pf_done(x, f);
		strbuf_release(&users);
	}
}

void check_sg_unused(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nsgs; i++) {
		const struct mm_sg *sg = &x->m->sgs[i];
		if (sg_is_default(sg))
			continue; /* cannot be deleted */
		const struct sg_info *si = pctx_sg_info(x, sg);
		bool enis = mm_have(x->m, &sg->r, MM_K_ENIS);
		bool insts = mm_have(x->m, &sg->r, MM_K_INSTANCES);
		enum mm_status st;
		if (si->nusers || si->referenced)
			st = MM_ST_PASS;
		else if (enis)
			st = MM_ST_FAIL;
		else
			st = MM_ST_UNKNOWN;
		struct finding *f = pf_new(x, "ec2-sg-unused", st, &sg->r, "security-group");
		if (!f)
			continue;
		const char *label = sg_label(x, sg);
		if (st == MM_ST_PASS) {
			struct strbuf users = STRBUF_INIT;
			if (si->nusers)
				users_text(x, sg, &users);
			else
				strbuf_addstr(&users,
					      "referenced by another security group's rules");
			pf_msg(x, f, "security group %s is in use: %s", label, users.buf);
			strbuf_release(&users);
		} else if (st == MM_ST_FAIL) {
			pf_msg(
			    x, f,
			    "security group %s is not attached to any network interface, instance "
			    "or load balancer and no other group's rules reference it",
			    label);
			pf_ev(x, f, &sg->r.loc, "security group %s", sg->r.id);
			pf_cli(x, f, (struct pvar[]){ { "group_id", sg->r.id, false } }, 1);
		} else if (insts) {
			pf_msg(x, f,
			       "security group %s is not used by any instance, but %s, so use by "
			       "load balancers, databases or functions cannot be ruled out",
			       label, pf_missing(x, &sg->r, MM_K_ENIS));
		} else {
			pf_msg(
			    x, f,
			    "cannot tell whether security group %s is used: neither '%s' nor '%s' "
			    "was loaded for account %s region %s",
			    label, mm_kind_name(MM_K_ENIS), mm_kind_name(MM_K_INSTANCES),
			    sg->r.account, sg->r.region);
		}
		pf_done(x, f);
	}
}
