/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy evaluation: one (family, sources, return route table and gateway,
 * network ACL, security group set) into the exact set of admitted
 * (protocol, destination port, source) triples, as canonical boxes with the
 * rules that admit them.
 *
 * Why it is exact without a solver: the protocol dimension is split into
 * atoms (every protocol number any rule names, plus "the rest"), and inside
 * an atom the port dimension is cut at every rule boundary into elementary
 * intervals on which every rule either applies fully or not at all. On one
 * elementary interval the NACL's first-match-wins walk and the security
 * groups' union are plain interval-set arithmetic on sources. Replies are
 * checked against the NACL's outbound rules: a source stays when some client
 * ephemeral port (1024-65535; any type/code for ICMP) is allowed back to it.
 * Equal source sets are then merged across intervals and atoms so the output
 * is canonical. ICMP's "port" is type << 8 | code.
 */
#include "reach-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wrapper.h"
#include "base/banned.h"

#define HIT_ALLOW 1
#define HIT_DENY  2

static bool has_ports(int p)
{
	return p == MM_PROTO_TCP || p == MM_PROTO_UDP;
}

static bool is_icmp(int p)
{
	return p == MM_PROTO_ICMP || p == MM_PROTO_ICMPV6;
}

static mm_u128 dom_hi(int p)
{
	return has_ports(p) || is_icmp(p) ? 65535 : 0;
}

static void icmp_range(int type, int code, mm_u128 *lo, mm_u128 *hi)
{
	if (type < 0 || type > 255) {
		*lo = 0;
		*hi = 65535;
	} else if (code < 0 || code > 255) {
		*lo = (mm_u128)type << 8;
		*hi = *lo | 255;
	} else {
		*lo = *hi = (mm_u128)type << 8 | (mm_u128)code;
	}
}

static bool port_range(int from, int to, mm_u128 *lo, mm_u128 *hi)
{
	if (from < 0)
		from = 0;
	if (to < 0 || to > 65535)
		to = 65535;
	if (from > to)
		return false;
	*lo = (mm_u128)from;
	*hi = (mm_u128)to;
	return true;
}

/* The part of atom's port domain a NACL entry applies to; false if none. */
static bool nacl_range(const struct mm_nacl_entry *en, int atom, mm_u128 *lo, mm_u128 *hi)
{
	if (en->proto == MM_PROTO_ALL) {
		*lo = 0;
		*hi = dom_hi(atom);
		return true;
	}
	if (atom == REACH_PROTO_OTHER || en->proto != atom)
		return false;
	if (has_ports(atom))
		return port_range(en->from, en->to, lo, hi);
	if (is_icmp(atom))
		icmp_range(en->icmp_type, en->icmp_code, lo, hi);
	else
		*lo = *hi = 0;
	return true;
}

static bool perm_range(const struct mm_sg_perm *p, int atom, mm_u128 *lo, mm_u128 *hi)
{
	if (p->proto == MM_PROTO_ALL) {
		*lo = 0;
		*hi = dom_hi(atom);
		return true;
	}
	if (atom == REACH_PROTO_OTHER || p->proto != atom)
		return false;
	if (has_ports(atom))
		return port_range(p->from, p->to, lo, hi);
	if (is_icmp(atom))
		icmp_range(p->from, p->to, lo, hi);
	else
		*lo = *hi = 0;
	return true;
}

/* ---- small shared helpers ---- */

struct ivset *rz_owned_ivset(struct reach_ctx *c)
{
	struct ivset *s = xcalloc(1, sizeof(*s));
	ALLOC_GROW(c->owned, c->nowned + 1, c->aowned);
	c->owned[c->nowned++] = s;
	return s;
}

const char *rz_cidr_str(struct reach_ctx *c, const struct mm_cidr *cd)
{
	char b[46];
	if (cd->family == MM_AF_NONE)
		return "?";
	return arena_printf(&c->a, "%s/%u", mm_addr_fmt(cd->family, cd->addr, b), cd->prefix);
}

struct cidr_acc {
	struct strbuf *sb;
	size_t n, max;
};

static int add_cidr_cb(const char *cidr, void *arg)
{
	struct cidr_acc *acc = arg;
	if (acc->n < acc->max)
		strbuf_addf(acc->sb, "%s%s", acc->n ? ", " : "", cidr);
	acc->n++;
	return acc->n > acc->max;
}

const char *rz_set_desc(struct reach_ctx *c, enum mm_family fam, const struct ivset *s)
{
	if (ivset_empty(s))
		return "no address";
	if (ivset_equal(s, mm_internet_ranges(fam)))
		return "any internet address";
	struct strbuf sb = STRBUF_INIT;
	struct cidr_acc acc = { &sb, 0, 4 };
	for (size_t i = 0; i < s->nr && acc.n <= acc.max; i++)
		reach_range_cidrs(fam, s->v[i].lo, s->v[i].hi, add_cidr_cb, &acc);
	if (acc.n > acc.max)
		strbuf_addstr(&sb, " and more");
	const char *r = arena_strdup(&c->a, sb.buf);
	strbuf_release(&sb);
	return r;
}

const char *rz_route_str(struct reach_ctx *c, const struct mm_route *r, const struct mm_cidr *dst)
{
	const char *d = dst && dst->family != MM_AF_NONE ? rz_cidr_str(c, dst) : "?";
	const char *t = r->target_id ? r->target_id : mm_target_name(r->target);
	if (r->dst_pl)
		return arena_printf(&c->a, "%s (%s) -> %s%s", r->dst_pl, d, t,
				    r->blackhole ? " (blackhole)" : "");
	return arena_printf(&c->a, "%s -> %s%s", d, t, r->blackhole ? " (blackhole)" : "");
}

struct mm_iv *rz_iv_dup(struct reach_ctx *c, const struct ivset *s, size_t *n)
{
	*n = s->nr;
	if (!s->nr)
		return NULL;
	struct mm_iv *v = arena_calloc(&c->a, s->nr, sizeof(*v));
	memcpy(v, s->v, s->nr * sizeof(*v));
	return v;
}

/* out = small ∩ big, by binary search into big: the cost follows the small
 * set (the sources left at one port window), not the big one (a group's
 * members across the account). Same canonical result as ivset_intersect. */
static void iv_and(struct ivset *out, const struct ivset *small, const struct ivset *big)
{
	ivset_clear(out);
	for (size_t i = 0; i < small->nr; i++) {
		mm_u128 lo = small->v[i].lo, hi = small->v[i].hi;
		size_t l = 0, r = big->nr;
		while (l < r) { /* first interval of big ending at or after lo */
			size_t mid = l + (r - l) / 2;
			if (big->v[mid].hi < lo)
				l = mid + 1;
			else
				r = mid;
		}
		for (size_t j = l; j < big->nr && big->v[j].lo <= hi; j++) {
			mm_u128 a = big->v[j].lo > lo ? big->v[j].lo : lo;
			mm_u128 b = big->v[j].hi < hi ? big->v[j].hi : hi;
			ALLOC_GROW(out->v, out->nr + 1, out->alloc);
			out->v[out->nr].lo = a;
			out->v[out->nr].hi = b;
			out->nr++;
		}
	}
}

static bool sets_overlap(const struct ivset *a, const struct ivset *b)
{
	size_t i = 0, j = 0;
	while (i < a->nr && j < b->nr) {
		if (a->v[i].hi < b->v[j].lo)
			i++;
		else if (b->v[j].hi < a->v[i].lo)
			j++;
		else
			return true;
	}
	return false;
}

/* ---- longest-prefix match ---- */

struct rz_route_sort {
	struct rz_route rt;
	size_t idx;
};

static int route_cmp(const void *a, const void *b)
{
	const struct rz_route_sort *x = a, *y = b;
	if (x->rt.dst.prefix != y->rt.dst.prefix)
		return x->rt.dst.prefix > y->rt.dst.prefix ? -1 : 1;
	/* on equal prefixes a CIDR route wins over a prefix-list route */
	if (!x->rt.pl != !y->rt.pl)
		return x->rt.pl ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int rz_lpm(struct reach_ctx *c, const struct mm_rtb *t, enum mm_family fam,
	   const struct ivset *space, struct rz_route **out, size_t *nout, struct ivset *unrouted,
	   const char **why)
{
	struct rz_route_sort *v = NULL;
	size_t n = 0, alloc = 0;
	for (size_t i = 0; i < t->nroutes; i++) {
		const struct mm_route *r = &t->routes[i];
		if (r->dst_pl) {
			const struct mm_prefix_list *pl = mm_find_pl(c->m, r->dst_pl);
			if (!pl || !pl->have_entries) {
				*why =
				    arena_printf(&c->a,
						 "route table '%s' routes prefix list '%s' whose "
						 "entries are not in the snapshot",
						 t->r.id, r->dst_pl);
				free(v);
				return -1;
			}
			for (size_t k = 0; k < pl->ncidrs; k++) {
				if (pl->cidrs[k].family != fam)
					continue;
				ALLOC_GROW(v, n + 1, alloc);
				memset(&v[n], 0, sizeof(v[n]));
				v[n].rt.r = r;
				v[n].rt.dst = pl->cidrs[k];
				v[n].rt.pl = pl;
				v[n].idx = i;
				n++;
			}
		} else if (r->dst.family == fam) {
			ALLOC_GROW(v, n + 1, alloc);
			memset(&v[n], 0, sizeof(v[n]));
			v[n].rt.r = r;
			v[n].rt.dst = r->dst;
			v[n].idx = i;
			n++;
		}
	}
	if (n)
		mm_qsort(v, n, sizeof(*v), route_cmp);
	struct ivset rem = IVSET_INIT, cs = IVSET_INIT;
	ivset_copy(&rem, space);
	struct rz_route *res = n ? xcalloc(n, sizeof(*res)) : NULL;
	for (size_t i = 0; i < n; i++) {
		res[i] = v[i].rt;
		memset(&res[i].part, 0, sizeof(res[i].part));
		if (ivset_empty(&rem))
			continue;
		ivset_clear(&cs);
		ivset_add_cidr(&cs, &res[i].dst);
		ivset_copy(&res[i].part, &rem);
		ivset_intersect(&res[i].part, &cs);
		ivset_subtract(&rem, &cs);
	}
	if (unrouted)
		ivset_copy(unrouted, &rem);
	ivset_release(&rem);
	ivset_release(&cs);
	free(v);
	*out = res;
	*nout = n;
	return 0;
}

void rz_routes_free(struct rz_route *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ivset_release(&v[i].part);
	free(v);
}

/* ---- evaluation state ---- */

struct hopvec {
	struct reach_hop *v;
	size_t nr, alloc;
};

static void hv_push(struct hopvec *h, const char *component, const char *type, const char *rule,
		    const char *action, const char *detail, const char *evidence)
{
	ALLOC_GROW(h->v, h->nr + 1, h->alloc);
	struct reach_hop *x = &h->v[h->nr++];
	x->component = component;
	x->type = type;
	x->rule = rule;
	x->action = action;
	x->detail = detail;
	x->evidence = evidence;
}

static struct reach_hop *hv_finish(struct reach_ctx *c, struct hopvec *h, size_t *n)
{
	*n = h->nr;
	struct reach_hop *r = NULL;
	if (h->nr) {
		r = arena_calloc(&c->a, h->nr, sizeof(*r));
		memcpy(r, h->v, h->nr * sizeof(*r));
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
	return r;
}

struct strvec {
	const char **v;
	size_t nr, alloc;
};

static void sv_push_uniq(struct strvec *s, const char *x)
{
	for (size_t i = 0; i < s->nr; i++)
		if (!strcmp(s->v[i], x))
			return;
	ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	s->v[s->nr++] = x;
}

static const char **sv_finish(struct reach_ctx *c, struct strvec *s, size_t *n)
{
	*n = s->nr;
	const char **r = NULL;
	if (s->nr) {
		r = arena_calloc(&c->a, s->nr, sizeof(*r));
		memcpy(r, s->v, s->nr * sizeof(*r));
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
	return r;
}

struct rz_ivl {
	mm_u128 lo, hi;
	struct ivset in, sg, f;
	const struct ivset *inp; /* NACL inbound result: &in or a shared set */
};

struct rz_atom {
	int proto;
	struct rz_ivl *iv;
	size_t niv;
	struct ivset pass; /* union over intervals of in ∩ sg */
	struct ivset out;  /* sources whose replies the NACL lets out */
};

struct rz_perm {
	const struct mm_sg *sg;
	const struct mm_sg_perm *p;
	size_t idx;
	struct ivset set;	 /* own sources, when not shared */
	const struct ivset *use; /* the sources: &set or a shared set */
};

/* A memoised route stage: per (family, origin, route table, gateway). */
struct rz_rstage {
	struct rz_out out; /* stage/code/... when blocked or unknown */
	struct ivset R;
	struct rz_route *routes;
	size_t nroutes;
	struct reach_hop *rhop; /* per route to the gateway: its evidence hop */
	struct reach_hop *path; /* admit hops, or the blocking hop */
	size_t npath;
	const char **notes;
	size_t nnotes;
};

struct ev {
	struct reach_ctx *c;
	const struct rz_in *in;
	enum mm_family fam;
	struct ivset R;		 /* route_compute's result */
	const struct ivset *Rp;	 /* sources the route stage lets through (shared) */
	struct rz_route *routes; /* owned by rs */
	size_t nroutes;
	const struct rz_rstage *rs;
	const struct rz_nacl_fam *nf; /* shared, owned by the context */
	const struct mm_nacl_entry *const *ing, *const *egr;
	size_t ning, negr;
	const struct ivset *ing_set, *egr_set;
	unsigned char *ing_flag, *egr_flag;
	const struct mm_sg **sgs;
	size_t nsgs;
	struct rz_perm *perms;
	size_t nperms;
	unsigned char *perm_flag;
	struct rz_atom *atoms;
	size_t natoms;
	struct strvec partial, notes;
	struct hopvec path;
	struct rz_out *out;
};

static bool route_to_gw(const struct rz_in *in, const struct mm_route *r)
{
	return !r->blackhole && r->target == in->gw_kind && r->target_id && in->gw_id &&
	       !strcmp(r->target_id, in->gw_id);
}

static const char *gw_word(const struct rz_in *in)
{
	return in->gw_kind == MM_TGT_PCX ? "PEERING" : "IGW";
}

static void block(struct ev *ev, enum rz_stage st, const char *code, const char *component,
		  const char *type, const char *rule, const char *detail, const char *evidence)
{
	struct rz_out *o = ev->out;
	o->stage = st;
	o->code = code;
	o->component = component;
	o->detail = detail;
	o->evidence = evidence;
	hv_push(&ev->path, component, type, rule, "deny", detail, evidence);
}

static void unknown(struct ev *ev, enum rz_stage st, const char *component, const char *reason)
{
	struct rz_out *o = ev->out;
	o->stage = st;
	o->unknown = true;
	o->component = component;
	o->detail = reason;
}

static const char *route_how(const struct ev *ev)
{
	return ev->in->rtb_how ? ev->in->rtb_how : "route table";
}

/* Route stage: R = sources whose longest-prefix route goes back to the
 * gateway. Computed into a scratch evaluation, then memoised (route_stage). */
static int route_compute(struct ev *ev)
{
	struct reach_ctx *c = ev->c;
	const struct rz_in *in = ev->in;
	const char *why = NULL;
	if (rz_lpm(c, in->rtb, ev->fam, in->origin, &ev->routes, &ev->nroutes, NULL, &why)) {
		unknown(ev, ST_ROUTE, in->rtb->r.id, why);
		return -1;
	}
	const struct rz_route *bh = NULL, *other = NULL;
	mm_u128 bhn = 0, othern = 0;
	for (size_t i = 0; i < ev->nroutes; i++) {
		const struct rz_route *rt = &ev->routes[i];
		if (ivset_empty(&rt->part))
			continue;
		if (route_to_gw(in, rt->r)) {
			ivset_union(&ev->R, &rt->part);
			continue;
		}
		mm_u128 k = ivset_count(&rt->part);
		if (rt->r->blackhole && (!bh || k > bhn)) {
			bh = rt;
			bhn = k;
		} else if (!rt->r->blackhole && (!other || k > othern)) {
			other = rt;
			othern = k;
		}
	}
	/* sources cut by another route, for the record */
	for (size_t i = 0; i < ev->nroutes; i++) {
		const struct rz_route *rt = &ev->routes[i];
		if (ivset_empty(&rt->part) || route_to_gw(in, rt->r) || ivset_empty(&ev->R))
			continue;
		sv_push_uniq(&ev->notes,
			     arena_printf(&c->a, "return traffic to %s follows route %s in %s",
					  rz_set_desc(c, ev->fam, &rt->part),
					  rz_route_str(c, rt->r, &rt->dst), in->rtb->r.id));
	}
	for (size_t i = 0; i < ev->nroutes; i++) {
		const struct rz_route *rt = &ev->routes[i];
		if (ivset_empty(&rt->part) || !route_to_gw(in, rt->r))
			continue;
		hv_push(&ev->path, in->rtb->r.id, "route-table", rz_route_str(c, rt->r, &rt->dst),
			"admit",
			arena_printf(&c->a, "%s; replies to %s take this route by longest prefix",
				     route_how(ev), rz_set_desc(c, ev->fam, &rt->part)),
			rz_loc(c, &rt->r->loc));
	}
	if (!ivset_empty(&ev->R))
		return 0;
	const char *rid = in->rtb->r.id;
	if (bh) {
		block(ev, ST_ROUTE, "BLACKHOLE_ROUTE", rid, "route-table",
		      rz_route_str(c, bh->r, &bh->dst),
		      arena_printf(
			  &c->a, "%s; replies to %s match route %s, whose target no longer exists",
			  route_how(ev), rz_set_desc(c, ev->fam, &bh->part),
			  rz_route_str(c, bh->r, &bh->dst)),
		      rz_loc(c, &bh->r->loc));
	} else if (other) {
		const char *extra = "";
		if (other->r->target == MM_TGT_EIGW)
			extra = "; an egress-only internet gateway admits nothing inbound";
		else if (other->r->target == MM_TGT_NAT)
			extra = "; a nat gateway admits nothing inbound";
		block(ev, ST_ROUTE, arena_printf(&c->a, "RETURN_ROUTE_NOT_%s", gw_word(in)), rid,
		      "route-table", rz_route_str(c, other->r, &other->dst),
		      arena_printf(&c->a, "%s; replies to %s match route %s instead of %s%s",
				   route_how(ev), rz_set_desc(c, ev->fam, &other->part),
				   rz_route_str(c, other->r, &other->dst), in->gw_id, extra),
		      rz_loc(c, &other->r->loc));
	} else {
		block(ev, ST_ROUTE, arena_printf(&c->a, "NO_ROUTE_TO_%s", gw_word(in)), rid,
		      "route-table", NULL,
		      arena_printf(&c->a, "%s; no route sends replies to %s to %s", route_how(ev),
				   in->origin_desc ? in->origin_desc : "the sources", in->gw_id),
		      rz_loc(c, &in->rtb->r.loc));
	}
	return -1;
}

static void key_add(struct strbuf *sb, const char *s)
{
	strbuf_addstr(sb, s ? s : "-");
	strbuf_addch(sb, '\x1f');
}

static const struct rz_rstage *route_stage(struct ev *ev)
{
	struct reach_ctx *c = ev->c;
	const struct rz_in *in = ev->in;
	struct strbuf key = STRBUF_INIT;
	strbuf_addch(&key, (char)('0' + in->fam));
	strbuf_addch(&key, (char)('a' + in->gw_kind));
	strbuf_addch(&key, '\x1f');
	key_add(&key, in->origin_key);
	key_add(&key, in->origin_desc);
	key_add(&key, in->rtb->r.id);
	key_add(&key, in->rtb_how);
	strbuf_addstr(&key, in->gw_id ? in->gw_id : "-");
	struct rz_rstage *rs = hmap_get(&c->route_memo, key.buf);
	if (rs) {
		strbuf_release(&key);
		return rs;
	}
	rs = xcalloc(1, sizeof(*rs));
	ALLOC_GROW(c->rstages, c->nrstages + 1, c->arstages);
	c->rstages[c->nrstages++] = rs;
	hmap_put(&c->route_memo, arena_strndup(&c->a, key.buf, key.len), rs);
	strbuf_release(&key);
	struct ev tmp = { 0 };
	tmp.c = c;
	tmp.in = in;
	tmp.fam = in->fam;
	tmp.out = &rs->out;
	route_compute(&tmp);
	rs->R = tmp.R;
	rs->routes = tmp.routes;
	rs->nroutes = tmp.nroutes;
	rs->path = hv_finish(c, &tmp.path, &rs->npath);
	rs->notes = sv_finish(c, &tmp.notes, &rs->nnotes);
	free(tmp.partial.v);
	rs->rhop = rs->nroutes ? arena_calloc(&c->a, rs->nroutes, sizeof(*rs->rhop)) : NULL;
	const char *how = NULL;
	for (size_t i = 0; i < rs->nroutes; i++) {
		const struct rz_route *rt = &rs->routes[i];
		if (!route_to_gw(in, rt->r) || ivset_empty(&rt->part))
			continue;
		if (!how)
			how = arena_printf(&c->a, "%s; replies take this route by longest prefix",
					   route_how(&tmp));
		rs->rhop[i] = rz_hop(in->rtb->r.id, "route-table", rz_route_str(c, rt->r, &rt->dst),
				     "admit", how, rz_loc(c, &rt->r->loc));
	}
	return rs;
}

static int stage_route(struct ev *ev)
{
	const struct rz_in *in = ev->in;
	if (in->route_mode == RZ_ROUTE_NONE) {
		ev->Rp = in->origin;
		return 0;
	}
	if (!in->rtb) {
		unknown(ev, ST_ROUTE, "route-table",
			in->rtb_missing ? in->rtb_missing : "no route table");
		return -1;
	}
	const struct rz_rstage *rs = route_stage(ev);
	ev->rs = rs;
	for (size_t i = 0; i < rs->npath; i++)
		hv_push(&ev->path, rs->path[i].component, rs->path[i].type, rs->path[i].rule,
			rs->path[i].action, rs->path[i].detail, rs->path[i].evidence);
	for (size_t i = 0; i < rs->nnotes; i++)
		sv_push_uniq(&ev->notes, rs->notes[i]);
	if (rs->out.unknown || rs->out.code) {
		struct rz_out *o = ev->out;
		o->stage = ST_ROUTE;
		o->unknown = rs->out.unknown;
		o->code = rs->out.code;
		o->component = rs->out.component;
		o->detail = rs->out.detail;
		o->evidence = rs->out.evidence;
		return -1;
	}
	ev->Rp = &rs->R;
	ev->routes = rs->routes;
	ev->nroutes = rs->nroutes;
	return 0;
}

static void nacl_fams_free(struct reach_ctx *c);

void rz_flow_free(struct reach_ctx *c)
{
	for (size_t i = 0; i < c->nrstages; i++) {
		ivset_release(&c->rstages[i]->R);
		rz_routes_free(c->rstages[i]->routes, c->rstages[i]->nroutes);
		free(c->rstages[i]);
	}
	free(c->rstages);
	hmap_release(&c->route_memo);
	free(c->hop_keys);
	free(c->hop_vals);
	nacl_fams_free(c);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct mm_nacl_entry *x = *(const struct mm_nacl_entry *const *)a;
	const struct mm_nacl_entry *y = *(const struct mm_nacl_entry *const *)b;
	if (x->rule_no != y->rule_no)
		return x->rule_no < y->rule_no ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* A network ACL's entries of one family in rule order, with their address
 * sets: a function of (NACL, family) only, so built once and shared. */
struct rz_nacl_fam {
	const struct mm_nacl_entry **ing, **egr;
	size_t ning, negr;
	struct ivset *ing_set, *egr_set;
	const char **bad; /* "rule N could not be read" notes */
	size_t nbad;
};

static uint64_t kmap_hash(const uint64_t k[5])
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 5; i++) {
		h ^= k[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

/* The slot of key k: its value, or NULL where a new value may be stored
 * (then call kmap_added). */
static struct rz_kslot *kmap_slot(struct rz_kmap *m, const uint64_t k[5])
{
	if ((m->nr + 1) * 2 >= m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct rz_kslot *ns = xcalloc(ncap, sizeof(*ns));
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].val)
				continue;
			size_t j = kmap_hash(m->slots[i].k) & (ncap - 1);
			while (ns[j].val)
				j = (j + 1) & (ncap - 1);
			ns[j] = m->slots[i];
		}
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	size_t j = kmap_hash(k) & (m->cap - 1);
	while (m->slots[j].val && memcmp(m->slots[j].k, k, sizeof(m->slots[j].k)))
		j = (j + 1) & (m->cap - 1);
	if (!m->slots[j].val)
		memcpy(m->slots[j].k, k, sizeof(m->slots[j].k));
	return &m->slots[j];
}

static void kmap_put(struct rz_kmap *m, struct rz_kslot *s, void *val)
{
	s->val = val;
	m->nr++;
}

/* Memo keys: fixed-width hex without printf (keys are built on every call). */
static char *key_hex(char *p, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		p[i] = hex[v & 15];
		v >>= 4;
	}
	return p + 16;
}

/* A memoised ingress first match (see ingress_match). */
struct rz_fm {
	struct ivset in;
	unsigned char flags[]; /* per ingress entry, HIT_* */
};

static const struct rz_nacl_fam *nacl_fam(struct reach_ctx *c, const struct mm_nacl *n,
					  enum mm_family fam)
{
	uint64_t key[5] = { (uintptr_t)n, (uint64_t)fam, 0, 0, 0 };
	struct rz_kslot *slot = kmap_slot(&c->nacl_memo, key);
	struct rz_nacl_fam *nf = slot->val;
	if (nf)
		return nf;
	nf = xcalloc(1, sizeof(*nf));
	ALLOC_GROW(c->nacl_fams, c->nnacl_fams + 1, c->anacl_fams);
	c->nacl_fams[c->nnacl_fams++] = nf;
	kmap_put(&c->nacl_memo, slot, nf);
	nf->ing = xcalloc(n->nentries + 1, sizeof(*nf->ing));
	nf->egr = xcalloc(n->nentries + 1, sizeof(*nf->egr));
	nf->bad = xcalloc(n->nentries + 1, sizeof(*nf->bad));
	for (size_t i = 0; i < n->nentries; i++) {
		const struct mm_nacl_entry *en = &n->entries[i];
		if (en->cidr.family == MM_AF_NONE || en->proto == MM_PROTO_BAD) {
			nf->bad[nf->nbad++] = arena_printf(&c->a,
							   "network acl '%s' rule %d could not be "
							   "read and was ignored",
							   n->r.id, en->rule_no);
			continue;
		}
		if (en->cidr.family != fam)
			continue;
		if (en->egress)
			nf->egr[nf->negr++] = en;
		else
			nf->ing[nf->ning++] = en;
	}
	mm_qsort(nf->ing, nf->ning, sizeof(*nf->ing), entry_cmp);
	mm_qsort(nf->egr, nf->negr, sizeof(*nf->egr), entry_cmp);
	nf->ing_set = xcalloc(nf->ning + 1, sizeof(*nf->ing_set));
	nf->egr_set = xcalloc(nf->negr + 1, sizeof(*nf->egr_set));
	for (size_t i = 0; i < nf->ning; i++)
		ivset_add_cidr(&nf->ing_set[i], &nf->ing[i]->cidr);
	for (size_t i = 0; i < nf->negr; i++)
		ivset_add_cidr(&nf->egr_set[i], &nf->egr[i]->cidr);
	return nf;
}

static void nacl_fams_free(struct reach_ctx *c)
{
	for (size_t k = 0; k < c->nnacl_fams; k++) {
		struct rz_nacl_fam *nf = c->nacl_fams[k];
		for (size_t i = 0; i < nf->ning; i++)
			ivset_release(&nf->ing_set[i]);
		for (size_t i = 0; i < nf->negr; i++)
			ivset_release(&nf->egr_set[i]);
		free(nf->ing);
		free(nf->egr);
		free(nf->ing_set);
		free(nf->egr_set);
		free(nf->bad);
		free(nf);
	}
	free(c->nacl_fams);
	free(c->nacl_memo.slots);
	free(c->perm_memo.slots);
	for (size_t i = 0; i < c->nfm; i++) {
		ivset_release(&c->fms[i]->in);
		free(c->fms[i]);
	}
	free(c->fms);
	free(c->fm_memo.slots);
}

static void nacl_setup(struct ev *ev)
{
	const struct rz_nacl_fam *nf = nacl_fam(ev->c, ev->in->nacl, ev->fam);
	ev->nf = nf;
	for (size_t i = 0; i < nf->nbad; i++)
		sv_push_uniq(&ev->partial, nf->bad[i]);
	ev->ing = nf->ing;
	ev->egr = nf->egr;
	ev->ning = nf->ning;
	ev->negr = nf->negr;
	ev->ing_set = nf->ing_set;
	ev->egr_set = nf->egr_set;
	ev->ing_flag = xcalloc(ev->ning + 1, 1);
	ev->egr_flag = xcalloc(ev->negr + 1, 1);
}

static void add_proto(int **v, size_t *n, size_t *alloc, int p)
{
	if (p < 0)
		return;
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == p)
			return;
	ALLOC_GROW(*v, *n + 1, *alloc);
	(*v)[(*n)++] = p;
}

static int proto_rank(int p)
{
	switch (p) {
	case MM_PROTO_ALL:
		return -10;
	case MM_PROTO_TCP:
		return -4;
	case MM_PROTO_UDP:
		return -3;
	case MM_PROTO_ICMP:
		return -2;
	case MM_PROTO_ICMPV6:
		return -1;
	case REACH_PROTO_OTHER:
		return 1000;
	}
	return p;
}

static int proto_cmp(const void *a, const void *b)
{
	int x = proto_rank(*(const int *)a), y = proto_rank(*(const int *)b);
	return x < y ? -1 : x > y;
}

static void atoms_setup(struct ev *ev)
{
	const struct rz_in *in = ev->in;
	int *v = NULL;
	size_t n = 0, alloc = 0;
	if (in->port >= 0 || in->proto != MM_PROTO_BAD) {
		if (in->proto != MM_PROTO_BAD && in->proto != MM_PROTO_ALL) {
			add_proto(&v, &n, &alloc, in->proto);
		} else {
			add_proto(&v, &n, &alloc, MM_PROTO_TCP);
			add_proto(&v, &n, &alloc, MM_PROTO_UDP);
		}
	} else {
		add_proto(&v, &n, &alloc, MM_PROTO_TCP);
		add_proto(&v, &n, &alloc, MM_PROTO_UDP);
		add_proto(&v, &n, &alloc, MM_PROTO_ICMP);
		add_proto(&v, &n, &alloc, MM_PROTO_ICMPV6);
		for (size_t i = 0; i < ev->ning; i++)
			add_proto(&v, &n, &alloc, ev->ing[i]->proto);
		for (size_t i = 0; i < ev->negr; i++)
			add_proto(&v, &n, &alloc, ev->egr[i]->proto);
		for (size_t i = 0; i < ev->nsgs; i++)
			for (size_t j = 0; j < ev->sgs[i]->nin; j++)
				add_proto(&v, &n, &alloc, ev->sgs[i]->in[j].proto);
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = REACH_PROTO_OTHER;
	}
	mm_qsort(v, n, sizeof(*v), proto_cmp);
	ev->atoms = xcalloc(n, sizeof(*ev->atoms));
	ev->natoms = n;
	for (size_t i = 0; i < n; i++)
		ev->atoms[i].proto = v[i];
	free(v);
}

/* The filter's window on an atom's port domain. */
static void atom_window(const struct rz_in *in, int atom, mm_u128 *lo, mm_u128 *hi)
{
	*lo = 0;
	*hi = dom_hi(atom);
	if (in->port < 0)
		return;
	if (has_ports(atom)) {
		*lo = *hi = (mm_u128)in->port;
	} else if (is_icmp(atom)) {
		icmp_range(in->port, -1, lo, hi);
	}
}

static int u128_cmp(const void *a, const void *b)
{
	mm_u128 x = *(const mm_u128 *)a, y = *(const mm_u128 *)b;
	return x < y ? -1 : x > y;
}

struct cuts {
	mm_u128 *v;
	size_t nr, alloc;
	mm_u128 lo, hi;
};

static void cut_add(struct cuts *c, mm_u128 lo, mm_u128 hi)
{
	if (hi < c->lo || lo > c->hi)
		return;
	ALLOC_GROW(c->v, c->nr + 2, c->alloc);
	if (lo > c->lo)
		c->v[c->nr++] = lo;
	if (hi < c->hi)
		c->v[c->nr++] = hi + 1;
}

/* Sorted, unique cut points; elementary interval i is [v[i], v[i+1]-1]. */
static void cut_finish(struct cuts *c)
{
	ALLOC_GROW(c->v, c->nr + 1, c->alloc);
	c->v[c->nr++] = c->lo;
	mm_qsort(c->v, c->nr, sizeof(*c->v), u128_cmp);
	size_t k = 0;
	for (size_t i = 0; i < c->nr; i++)
		if (!k || c->v[k - 1] != c->v[i])
			c->v[k++] = c->v[i];
	c->nr = k;
}

static mm_u128 cut_end(const struct cuts *c, size_t i)
{
	return i + 1 < c->nr ? c->v[i + 1] - 1 : c->hi;
}

/*
 * First match wins: walk entries in rule order over `start`; allowed gets the
 * sources the first matching rule allows. flags record which rules matched
 * something (when not NULL).
 */
static void first_match(const struct mm_nacl_entry *const *ents, const struct ivset *sets, size_t n,
			int atom, mm_u128 lo, mm_u128 hi, const struct ivset *start,
			struct ivset *allowed, unsigned char *flags)
{
	struct ivset rem = IVSET_INIT, m = IVSET_INIT;
	ivset_copy(&rem, start);
	ivset_clear(allowed);
	for (size_t i = 0; i < n && !ivset_empty(&rem); i++) {
		mm_u128 rlo, rhi;
		if (!nacl_range(ents[i], atom, &rlo, &rhi) || rlo > lo || rhi < hi)
			continue;
		ivset_copy(&m, &rem);
		ivset_intersect(&m, &sets[i]);
		if (ivset_empty(&m))
			continue;
		if (ents[i]->allow)
			ivset_union(allowed, &m);
		if (flags)
			flags[i] |= ents[i]->allow ? HIT_ALLOW : HIT_DENY;
		ivset_subtract(&rem, &sets[i]);
	}
	ivset_release(&rem);
	ivset_release(&m);
}

/* Sources in `start` for which some reply port is let out by the egress rules. */
static void return_set(struct ev *ev, int atom, const struct ivset *start, struct ivset *out,
		       unsigned char *flags)
{
	struct cuts cu = { 0 };
	cu.lo = has_ports(atom) ? 1024 : 0;
	cu.hi = dom_hi(atom);
	for (size_t i = 0; i < ev->negr; i++) {
		mm_u128 lo, hi;
		if (nacl_range(ev->egr[i], atom, &lo, &hi))
			cut_add(&cu, lo, hi);
	}
	cut_finish(&cu);
	ivset_clear(out);
	struct ivset a = IVSET_INIT;
	for (size_t k = 0; k < cu.nr; k++) {
		first_match(ev->egr, ev->egr_set, ev->negr, atom, cu.v[k], cut_end(&cu, k), start,
			    &a, flags);
		ivset_union(out, &a);
	}
	ivset_release(&a);
	free(cu.v);
}

static void perms_setup(struct ev *ev)
{
	struct reach_ctx *c = ev->c;
	const struct rz_in *in = ev->in;
	size_t n = 0;
	for (size_t i = 0; i < ev->nsgs; i++)
		n += ev->sgs[i]->nin;
	ev->perms = xcalloc(n + 1, sizeof(*ev->perms));
	ev->perm_flag = xcalloc(n + 1, 1);
	for (size_t i = 0; i < ev->nsgs; i++) {
		const struct mm_sg *sg = ev->sgs[i];
		for (size_t j = 0; j < sg->nin; j++) {
			const struct mm_sg_perm *p = &sg->in[j];
			struct rz_perm *rp = &ev->perms[ev->nperms++];
			rp->sg = sg;
			rp->p = p;
			rp->idx = j;
			rp->use = &rp->set;
			/* without load-balancer groups a rule's sources depend only on
			 * (rule, family, whether references resolve): computed once and
			 * shared; dst is NULL when the shared set exists already */
			struct ivset *dst = &rp->set;
			if (!in->nlb_groups) {
				uint64_t key[5] = { (uintptr_t)p, (uint64_t)ev->fam,
						    (uint64_t)in->sg_refs, 0, 0 };
				struct rz_kslot *slot = kmap_slot(&c->perm_memo, key);
				struct ivset *shared = slot->val;
				if (shared) {
					dst = NULL;
				} else {
					shared = dst = rz_owned_ivset(c);
					kmap_put(&c->perm_memo, slot, shared);
				}
				rp->use = shared;
			}
			if (p->proto == MM_PROTO_BAD) {
				sv_push_uniq(&ev->partial,
					     arena_printf(&c->a,
							  "security group '%s' rule %zu has an "
							  "unknown protocol and was ignored",
							  sg->r.id, j));
				continue;
			}
			for (size_t k = 0; k < p->nsrc; k++) {
				const struct mm_sg_src *s = &p->src[k];
				switch (s->kind) {
				case MM_SRC_CIDR4:
				case MM_SRC_CIDR6:
					if (s->cidr.family == MM_AF_NONE)
						sv_push_uniq(
						    &ev->partial,
						    arena_printf(&c->a,
								 "security group '%s' has an "
								 "unreadable source '%s'",
								 sg->r.id,
								 s->value ? s->value : "?"));
					else if (s->cidr.family == ev->fam && dst)
						ivset_add_cidr(dst, &s->cidr);
					break;
				case MM_SRC_PREFIX_LIST: {
					const struct mm_prefix_list *pl =
					    mm_find_pl(c->m, s->value);
					if (!pl || !pl->have_entries) {
						sv_push_uniq(
						    &ev->partial,
						    arena_printf(&c->a,
								 "security group '%s' admits "
								 "prefix list '%s' whose entries "
								 "are not in the snapshot",
								 sg->r.id,
								 s->value ? s->value : "?"));
						break;
					}
					for (size_t q = 0; dst && q < pl->ncidrs; q++)
						if (pl->cidrs[q].family == ev->fam)
							ivset_add_cidr(dst, &pl->cidrs[q]);
					break;
				}
				case MM_SRC_SG: {
					bool lb = false;
					for (size_t q = 0; q < in->nlb_groups; q++)
						if (s->value && !strcmp(s->value, in->lb_groups[q]))
							lb = true;
					if (lb) {
						ivset_union(&rp->set, in->origin);
						break;
					}
					if (!in->sg_refs)
						break;
					const struct mm_sg *ref =
					    s->value ? mm_find_sg(c->m, s->value) : NULL;
					if (in->sgref_unknown &&
					    (!ref || !ref->vpc_id || !in->sgref_vpc ||
					     !strcmp(ref->vpc_id, in->sgref_vpc))) {
						sv_push_uniq(&ev->partial,
							     arena_printf(&c->a,
									  "security group '%s' "
									  "admits group '%s': %s",
									  sg->r.id, s->value,
									  in->sgref_unknown));
					}
					const struct ivset *mem =
					    s->value && dst
						? hmap_get(&c->members[ev->fam == MM_AF_INET6],
							   s->value)
						: NULL;
					if (mem)
						ivset_union(dst, mem);
					break;
				}
				}
			}
		}
	}
}

static const char *ports_desc(struct reach_ctx *c, int proto, int from, int to, bool sg)
{
	if (proto == MM_PROTO_ALL)
		return "all traffic";
	const char *pn = mm_proto_name(proto);
	if (has_ports(proto)) {
		if (from < 0)
			from = 0;
		if (to < 0 || to > 65535)
			to = 65535;
		if (from == 0 && to == 65535)
			return arena_printf(&c->a, "%s all ports", pn);
		if (from == to)
			return arena_printf(&c->a, "%s %d", pn, from);
		return arena_printf(&c->a, "%s %d-%d", pn, from, to);
	}
	if (is_icmp(proto)) {
		if (from < 0)
			return arena_printf(&c->a, "%s all types", pn);
		if (to < 0)
			return arena_printf(&c->a, "%s type %d", pn, from);
		return arena_printf(&c->a, "%s type %d code %d", pn, from, to);
	}
	(void)sg;
	return arena_printf(&c->a, "protocol %s", pn);
}

static const char *entry_desc(struct reach_ctx *c, const struct mm_nacl_entry *en)
{
	const char *what = is_icmp(en->proto)
			       ? ports_desc(c, en->proto, en->icmp_type, en->icmp_code, false)
			       : ports_desc(c, en->proto, en->from, en->to, false);
	return arena_printf(&c->a, "%s rule %d %s %s %s %s", en->egress ? "outbound" : "inbound",
			    en->rule_no, en->allow ? "allows" : "denies", what,
			    en->egress ? "to" : "from", rz_cidr_str(c, &en->cidr));
}

static const char *perm_desc(struct reach_ctx *c, const struct mm_sg_perm *p)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s from ", ports_desc(c, p->proto, p->from, p->to, true));
	for (size_t k = 0; k < p->nsrc; k++)
		strbuf_addf(&sb, "%s%s", k ? ", " : "", p->src[k].value ? p->src[k].value : "?");
	if (!p->nsrc)
		strbuf_addstr(&sb, "nothing");
	const char *r = arena_strdup(&c->a, sb.buf);
	strbuf_release(&sb);
	return r;
}

/* Hops depend only on the rule (and how its table applies), so they are built
 * once per rule and shared by every evaluation that passes through it. */
static struct reach_hop **hop_slot(struct reach_ctx *c, uintptr_t key)
{
	if (c->hop_nr * 2 >= c->hop_cap) {
		size_t ncap = c->hop_cap ? c->hop_cap * 2 : 1024;
		uintptr_t *nk = xcalloc(ncap, sizeof(*nk));
		struct reach_hop **nv = xcalloc(ncap, sizeof(*nv));
		for (size_t i = 0; i < c->hop_cap; i++) {
			if (!c->hop_keys[i])
				continue;
			size_t j = (c->hop_keys[i] * 0x9e3779b97f4a7c15ull >> 20) & (ncap - 1);
			while (nk[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = c->hop_keys[i];
			nv[j] = c->hop_vals[i];
		}
		free(c->hop_keys);
		free(c->hop_vals);
		c->hop_keys = nk;
		c->hop_vals = nv;
		c->hop_cap = ncap;
	}
	size_t j = (key * 0x9e3779b97f4a7c15ull >> 20) & (c->hop_cap - 1);
	while (c->hop_keys[j] && c->hop_keys[j] != key)
		j = (j + 1) & (c->hop_cap - 1);
	if (!c->hop_keys[j]) {
		c->hop_keys[j] = key;
		c->hop_nr++;
	}
	return &c->hop_vals[j];
}

static void push_nacl_hop(struct ev *ev, struct hopvec *h, const struct mm_nacl_entry *en,
			  const char *action)
{
	struct reach_ctx *c = ev->c;
	const char *how = ev->in->nacl_how ? ev->in->nacl_how : "network acl";
	/* how the NACL applies: associated with the subnet, or the VPC's default */
	uintptr_t variant = (action[0] == 'a' ? 0 : 1) | (how[0] == 'd' ? 2 : 0);
	struct reach_hop **slot = hop_slot(c, (uintptr_t)en * 4 + variant);
	if (!*slot) {
		struct reach_hop *x = arena_alloc(&c->a, sizeof(*x));
		*x = (struct reach_hop){ ev->in->nacl->r.id,
					 "network-acl",
					 arena_printf(&c->a, "%d", en->rule_no),
					 action,
					 arena_printf(&c->a, "%s; %s", how, entry_desc(c, en)),
					 rz_loc(c, &en->loc) };
		*slot = x;
	}
	hv_push(h, (*slot)->component, (*slot)->type, (*slot)->rule, (*slot)->action,
		(*slot)->detail, (*slot)->evidence);
}

static void push_perm_hop(struct ev *ev, struct hopvec *h, const struct rz_perm *rp)
{
	struct reach_ctx *c = ev->c;
	struct reach_hop **slot = hop_slot(c, (uintptr_t)rp->p * 4);
	if (!*slot) {
		struct reach_hop *x = arena_alloc(&c->a, sizeof(*x));
		const char *pd = perm_desc(c, rp->p);
		*x = (struct reach_hop){ rp->sg->r.id,
					 "security-group",
					 pd,
					 "admit",
					 arena_printf(&c->a, "security group '%s'%s%s%s admits %s",
						      rp->sg->r.id, rp->sg->name ? " (" : "",
						      rp->sg->name ? rp->sg->name : "",
						      rp->sg->name ? ")" : "", pd),
					 rz_loc(c, &rp->p->loc) };
		*slot = x;
	}
	hv_push(h, (*slot)->component, (*slot)->type, (*slot)->rule, (*slot)->action,
		(*slot)->detail, (*slot)->evidence);
}

static bool perm_covers(const struct rz_perm *rp, int atom, mm_u128 lo, mm_u128 hi)
{
	mm_u128 rlo, rhi;
	return rp->p->proto != MM_PROTO_BAD && perm_range(rp->p, atom, &rlo, &rhi) && rlo <= lo &&
	       rhi >= hi;
}

/* NACL inbound over the route stage's sources for one port window. Depends
 * only on (route stage, NACL and family, protocol, window), which many
 * interfaces share, so it is memoised when the route stage is. */

static const struct ivset *ingress_match(struct ev *ev, int atom, mm_u128 lo, mm_u128 hi,
					 struct ivset *out)
{
	struct reach_ctx *c = ev->c;
	if (!ev->rs) {
		first_match(ev->ing, ev->ing_set, ev->ning, atom, lo, hi, ev->Rp, out,
			    ev->ing_flag);
		return out;
	}
	uint64_t key[5] = { (uintptr_t)ev->rs, (uintptr_t)ev->nf, (uint64_t)(int64_t)atom,
			    (uint64_t)lo, (uint64_t)hi };
	struct rz_kslot *slot = kmap_slot(&c->fm_memo, key);
	struct rz_fm *fm = slot->val;
	if (!fm) {
		fm = xcalloc(1, sizeof(*fm) + ev->ning + 1);
		first_match(ev->ing, ev->ing_set, ev->ning, atom, lo, hi, ev->Rp, &fm->in,
			    fm->flags);
		ALLOC_GROW(c->fms, c->nfm + 1, c->afm);
		c->fms[c->nfm++] = fm;
		kmap_put(&c->fm_memo, slot, fm);
	}
	for (size_t i = 0; i < ev->ning; i++)
		ev->ing_flag[i] |= fm->flags[i];
	return &fm->in;
}

/* Per-atom interval computation of NACL inbound and security groups. */
static void atoms_eval(struct ev *ev)
{
	const struct rz_in *in = ev->in;
	for (size_t a = 0; a < ev->natoms; a++) {
		struct rz_atom *at = &ev->atoms[a];
		struct cuts cu = { 0 };
		atom_window(in, at->proto, &cu.lo, &cu.hi);
		for (size_t i = 0; i < ev->ning; i++) {
			mm_u128 lo, hi;
			if (nacl_range(ev->ing[i], at->proto, &lo, &hi))
				cut_add(&cu, lo, hi);
		}
		for (size_t i = 0; i < ev->nperms; i++) {
			mm_u128 lo, hi;
			if (ev->perms[i].p->proto != MM_PROTO_BAD &&
			    perm_range(ev->perms[i].p, at->proto, &lo, &hi))
				cut_add(&cu, lo, hi);
		}
		cut_finish(&cu);
		at->niv = cu.nr;
		at->iv = xcalloc(cu.nr, sizeof(*at->iv));
		for (size_t k = 0; k < cu.nr; k++) {
			struct rz_ivl *iv = &at->iv[k];
			iv->lo = cu.v[k];
			iv->hi = cut_end(&cu, k);
			iv->inp = ingress_match(ev, at->proto, iv->lo, iv->hi, &iv->in);
		}
		free(cu.v);
	}
}

static bool any_in(const struct ev *ev)
{
	for (size_t a = 0; a < ev->natoms; a++)
		for (size_t k = 0; k < ev->atoms[a].niv; k++)
			if (!ivset_empty(ev->atoms[a].iv[k].inp))
				return true;
	return false;
}

static const char *filter_desc(struct ev *ev)
{
	const struct rz_in *in = ev->in;
	if (in->port < 0 && in->proto == MM_PROTO_BAD)
		return "any traffic";
	if (in->proto == MM_PROTO_BAD)
		return arena_printf(&ev->c->a, "port %d", in->port);
	if (in->port < 0)
		return mm_proto_name(in->proto);
	return arena_printf(&ev->c->a, "%s/%d", mm_proto_name(in->proto), in->port);
}

/* What the NACL lets in, for messages: "tcp 22, 80; udp 53" or "any traffic". */
static const char *in_desc(struct ev *ev)
{
	if (ev->in->port >= 0 || ev->in->proto != MM_PROTO_BAD)
		return filter_desc(ev);
	bool all = true;
	for (size_t a = 0; a < ev->natoms; a++)
		for (size_t k = 0; k < ev->atoms[a].niv; k++)
			all &= !ivset_empty(ev->atoms[a].iv[k].inp);
	if (all)
		return "any traffic";
	struct strbuf sb = STRBUF_INIT;
	size_t shown = 0;
	for (size_t a = 0; a < ev->natoms; a++) {
		const struct rz_atom *at = &ev->atoms[a];
		struct ivset ports = IVSET_INIT;
		for (size_t k = 0; k < at->niv; k++)
			if (!ivset_empty(at->iv[k].inp))
				ivset_add(&ports, at->iv[k].lo, at->iv[k].hi);
		if (!ivset_empty(&ports) && shown++ < 4) {
			strbuf_addf(&sb, "%s%s", sb.len ? "; " : "", reach_proto_name(at->proto));
			if (has_ports(at->proto))
				for (size_t i = 0; i < ports.nr && i < 6; i++) {
					unsigned lo = (unsigned)ports.v[i].lo,
						 hi = (unsigned)ports.v[i].hi;
					if (lo == hi)
						strbuf_addf(&sb, "%s%u", i ? ", " : " ", lo);
					else
						strbuf_addf(&sb, "%s%u-%u", i ? ", " : " ", lo, hi);
				}
		}
		ivset_release(&ports);
	}
	if (shown > 4)
		strbuf_addstr(&sb, "; ...");
	const char *r = arena_strdup(&ev->c->a, sb.buf);
	strbuf_release(&sb);
	return r;
}

static void block_nacl(struct ev *ev, bool egress)
{
	struct reach_ctx *c = ev->c;
	const struct mm_nacl *n = ev->in->nacl;
	const struct mm_nacl_entry *const *ents = egress ? ev->egr : ev->ing;
	unsigned char *flags = egress ? ev->egr_flag : ev->ing_flag;
	size_t cnt = egress ? ev->negr : ev->ning;
	const char *code = egress ? "NACL_DENY_RETURN" : "NACL_DENY_INBOUND";
	for (size_t i = 0; i < cnt; i++) {
		if (!(flags[i] & HIT_DENY))
			continue;
		const char *d =
		    egress ? arena_printf(&c->a,
					  "%s; replies to client ports 1024-65535 are denied: %s",
					  ev->in->nacl_how ? ev->in->nacl_how : "network acl",
					  entry_desc(c, ents[i]))
			   : arena_printf(&c->a, "%s; %s for %s",
					  ev->in->nacl_how ? ev->in->nacl_how : "network acl",
					  entry_desc(c, ents[i]), filter_desc(ev));
		block(ev, egress ? ST_NACL_OUT : ST_NACL_IN, code, n->r.id, "network-acl",
		      arena_printf(&c->a, "%d", ents[i]->rule_no), d, rz_loc(c, &ents[i]->loc));
		return;
	}
	block(ev, egress ? ST_NACL_OUT : ST_NACL_IN, code, n->r.id, "network-acl", "*",
	      arena_printf(&c->a,
			   "no %s rule of network acl '%s' allows %s; the default rule denies",
			   egress ? "outbound" : "inbound", n->r.id,
			   egress ? "the replies" : filter_desc(ev)),
	      rz_loc(c, &n->r.loc));
}

static void free_ev(struct ev *ev)
{
	ivset_release(&ev->R);
	free(ev->ing_flag);
	free(ev->egr_flag);
	for (size_t i = 0; i < ev->nperms; i++)
		ivset_release(&ev->perms[i].set);
	free(ev->perms);
	free(ev->perm_flag);
	for (size_t a = 0; a < ev->natoms; a++) {
		struct rz_atom *at = &ev->atoms[a];
		for (size_t k = 0; k < at->niv; k++) {
			ivset_release(&at->iv[k].in);
			ivset_release(&at->iv[k].sg);
			ivset_release(&at->iv[k].f);
		}
		free(at->iv);
		ivset_release(&at->pass);
		ivset_release(&at->out);
	}
	free(ev->atoms);
	free(ev->sgs);
	free(ev->partial.v);
	free(ev->notes.v);
	free(ev->path.v);
}

/* ---- canonical boxes with evidence ---- */

struct boxb {
	int proto;
	struct ivset ports, src;
	/* (atom, interval) members */
	size_t *ai, *ki;
	size_t n, alloc;
};

static void boxb_add(struct boxb *b, size_t a, size_t k)
{
	if (b->n + 1 > b->alloc) {
		b->alloc = b->alloc ? b->alloc * 2 : 8;
		b->ai = xrealloc(b->ai, st_mult(b->alloc, sizeof(*b->ai)));
		b->ki = xrealloc(b->ki, st_mult(b->alloc, sizeof(*b->ki)));
	}
	b->ai[b->n] = a;
	b->ki[b->n] = k;
	b->n++;
}

static void box_evidence(struct ev *ev, struct boxb *b, struct rz_box *out)
{
	struct reach_ctx *c = ev->c;
	const struct rz_in *in = ev->in;
	unsigned char *inf = xcalloc(ev->ning + 1, 1);
	unsigned char *outf = xcalloc(ev->negr + 1, 1);
	unsigned char *pf = xcalloc(ev->nperms + 1, 1);
	struct ivset tmp = IVSET_INIT;
	bool *atom_done = xcalloc(ev->natoms + 1, sizeof(bool));
	for (size_t i = 0; i < b->n; i++) {
		struct rz_atom *at = &ev->atoms[b->ai[i]];
		struct rz_ivl *iv = &at->iv[b->ki[i]];
		first_match(ev->ing, ev->ing_set, ev->ning, at->proto, iv->lo, iv->hi, &b->src,
			    &tmp, inf);
		if (!in->no_sg)
			for (size_t p = 0; p < ev->nperms; p++) {
				if (pf[p] || !perm_covers(&ev->perms[p], at->proto, iv->lo, iv->hi))
					continue;
				if (sets_overlap(ev->perms[p].use, &b->src))
					pf[p] = 1;
			}
		if (!atom_done[b->ai[i]]) {
			atom_done[b->ai[i]] = true;
			return_set(ev, at->proto, &b->src, &tmp, outf);
		}
	}
	struct hopvec fwd = { 0 }, ret = { 0 };
	for (size_t i = 0; i < ev->ning; i++)
		if (inf[i] & HIT_ALLOW)
			push_nacl_hop(ev, &fwd, ev->ing[i], "admit");
	for (size_t p = 0; p < ev->nperms; p++)
		if (pf[p])
			push_perm_hop(ev, &fwd, &ev->perms[p]);
	for (size_t i = 0; i < ev->negr; i++)
		if (outf[i] & HIT_ALLOW)
			push_nacl_hop(ev, &ret, ev->egr[i], "admit");
	for (size_t i = 0; ev->rs && i < ev->nroutes; i++) {
		const struct rz_route *rt = &ev->routes[i];
		if (!route_to_gw(in, rt->r) || !sets_overlap(&rt->part, &b->src))
			continue;
		const struct reach_hop *x = &ev->rs->rhop[i];
		hv_push(&ret, x->component, x->type, x->rule, x->action, x->detail, x->evidence);
	}
	out->fwd = hv_finish(c, &fwd, &out->nfwd);
	out->ret = hv_finish(c, &ret, &out->nret);
	ivset_release(&tmp);
	free(inf);
	free(outf);
	free(pf);
	free(atom_done);
}

static void build_boxes(struct ev *ev)
{
	struct reach_ctx *c = ev->c;
	const struct rz_in *in = ev->in;
	struct ivset all = IVSET_INIT, t = IVSET_INIT;
	bool filtered = in->port >= 0 || in->proto != MM_PROTO_BAD;
	if (!filtered) {
		/* sources admitted for every protocol and every port */
		ivset_copy(&all, ev->Rp);
		for (size_t a = 0; a < ev->natoms && !ivset_empty(&all); a++)
			for (size_t k = 0; k < ev->atoms[a].niv; k++)
				ivset_intersect(&all, &ev->atoms[a].iv[k].f);
	}
	struct boxb *bs = NULL;
	size_t nb = 0, ab = 0;
	if (!ivset_empty(&all)) {
		ALLOC_GROW(bs, nb + 1, ab);
		memset(&bs[nb], 0, sizeof(bs[nb]));
		bs[nb].proto = MM_PROTO_ALL;
		ivset_add(&bs[nb].ports, 0, 65535);
		ivset_copy(&bs[nb].src, &all);
		for (size_t a = 0; a < ev->natoms; a++)
			for (size_t k = 0; k < ev->atoms[a].niv; k++)
				boxb_add(&bs[nb], a, k);
		nb++;
	}
	for (size_t a = 0; a < ev->natoms; a++) {
		struct rz_atom *at = &ev->atoms[a];
		size_t first = nb;
		for (size_t k = 0; k < at->niv; k++) {
			ivset_copy(&t, &at->iv[k].f);
			ivset_subtract(&t, &all);
			if (ivset_empty(&t))
				continue;
			size_t j;
			for (j = first; j < nb; j++)
				if (ivset_equal(&bs[j].src, &t))
					break;
			if (j == nb) {
				ALLOC_GROW(bs, nb + 1, ab);
				memset(&bs[nb], 0, sizeof(bs[nb]));
				bs[nb].proto = at->proto;
				ivset_copy(&bs[nb].src, &t);
				nb++;
			}
			ivset_add(&bs[j].ports, at->iv[k].lo, at->iv[k].hi);
			boxb_add(&bs[j], a, k);
		}
	}
	struct rz_out *o = ev->out;
	o->boxes = nb ? arena_calloc(&c->a, nb, sizeof(*o->boxes)) : NULL;
	o->nboxes = nb;
	for (size_t i = 0; i < nb; i++) {
		struct rz_box *x = &o->boxes[i];
		x->proto = bs[i].proto;
		x->ports = rz_iv_dup(c, &bs[i].ports, &x->nports);
		x->src = rz_iv_dup(c, &bs[i].src, &x->nsrc);
		box_evidence(ev, &bs[i], x);
		ivset_release(&bs[i].ports);
		ivset_release(&bs[i].src);
		free(bs[i].ai);
		free(bs[i].ki);
	}
	free(bs);
	ivset_release(&all);
	ivset_release(&t);
}

static int sg_cmp(const void *a, const void *b)
{
	const struct mm_sg *x = *(const struct mm_sg *const *)a;
	const struct mm_sg *y = *(const struct mm_sg *const *)b;
	return strcmp(x->r.id, y->r.id);
}

static void evaluate(struct ev *ev)
{
	struct reach_ctx *c = ev->c;
	const struct rz_in *in = ev->in;
	if (stage_route(ev))
		return;
	if (!in->nacl) {
		unknown(ev, ST_NACL_IN, "network-acl",
			in->nacl_missing ? in->nacl_missing : "no network acl");
		return;
	}
	nacl_setup(ev);
	if (!in->no_sg && !in->sg_missing)
		perms_setup(ev);
	atoms_setup(ev);
	atoms_eval(ev);
	if (!any_in(ev)) {
		block_nacl(ev, false);
		return;
	}
	for (size_t i = 0; i < ev->ning; i++)
		if (ev->ing_flag[i] & HIT_ALLOW)
			push_nacl_hop(ev, &ev->path, ev->ing[i], "admit");
	if (!in->no_sg && in->sg_missing) {
		unknown(ev, ST_SG, "security-group", in->sg_missing);
		return;
	}
	bool pass = false;
	struct ivset tmp = IVSET_INIT;
	for (size_t a = 0; a < ev->natoms; a++) {
		struct rz_atom *at = &ev->atoms[a];
		for (size_t k = 0; k < at->niv; k++) {
			struct rz_ivl *iv = &at->iv[k];
			if (in->no_sg) {
				ivset_copy(&iv->sg, iv->inp);
			} else {
				for (size_t p = 0; p < ev->nperms; p++) {
					if (!perm_covers(&ev->perms[p], at->proto, iv->lo, iv->hi))
						continue;
					iv_and(&tmp, iv->inp, ev->perms[p].use);
					if (ivset_empty(&tmp))
						continue;
					ev->perm_flag[p] = 1;
					ivset_union(&iv->sg, &tmp);
				}
			}
			if (!ivset_empty(&iv->sg))
				pass = true;
			ivset_union(&at->pass, &iv->sg);
		}
	}
	ivset_release(&tmp);
	if (!pass) {
		const char *ids = "";
		for (size_t i = 0; i < ev->nsgs; i++)
			ids = arena_printf(&c->a, "%s%s'%s'", ids, i ? ", " : "", ev->sgs[i]->r.id);
		block(ev, ST_SG, "SG_NO_MATCHING_RULE", ev->nsgs ? ev->sgs[0]->r.id : "none",
		      "security-group", NULL,
		      ev->nsgs ? arena_printf(&c->a,
					      "no inbound rule of security group%s %s admits %s "
					      "from %s",
					      ev->nsgs > 1 ? "s" : "", ids, in_desc(ev),
					      in->origin_desc ? in->origin_desc : "the sources")
			       : "the interface has no security group",
		      ev->nsgs ? rz_loc(c, &ev->sgs[0]->r.loc) : NULL);
		return;
	}
	for (size_t p = 0; p < ev->nperms; p++)
		if (ev->perm_flag[p])
			push_perm_hop(ev, &ev->path, &ev->perms[p]);
	pass = false;
	for (size_t a = 0; a < ev->natoms; a++) {
		struct rz_atom *at = &ev->atoms[a];
		return_set(ev, at->proto, &at->pass, &at->out, ev->egr_flag);
		for (size_t k = 0; k < at->niv; k++) {
			struct rz_ivl *iv = &at->iv[k];
			ivset_copy(&iv->f, &iv->sg);
			ivset_intersect(&iv->f, &at->out);
			if (!ivset_empty(&iv->f))
				pass = true;
		}
	}
	if (!pass) {
		block_nacl(ev, true);
		return;
	}
	ev->out->stage = ST_DONE;
	build_boxes(ev);
}

const struct rz_out *rz_eval(struct reach_ctx *c, const struct rz_in *in)
{
	struct strbuf key = STRBUF_INIT;
	const struct mm_sg **sgs = xcalloc(in->nsgs + 1, sizeof(*sgs));
	size_t nsgs = 0;
	for (size_t i = 0; i < in->nsgs; i++) {
		bool dup = false;
		for (size_t j = 0; j < nsgs; j++)
			dup |= sgs[j] == in->sgs[i];
		if (!dup)
			sgs[nsgs++] = in->sgs[i];
	}
	mm_qsort(sgs, nsgs, sizeof(*sgs), sg_cmp);
	char num[7 * 16], *k = num;
	k = key_hex(k, (uint64_t)in->fam);
	k = key_hex(k, (uint64_t)in->route_mode);
	k = key_hex(k, (uint64_t)in->gw_kind);
	k = key_hex(k, (uint64_t)in->no_sg);
	k = key_hex(k, (uint64_t)in->sg_refs);
	k = key_hex(k, (uint64_t)(int64_t)in->proto);
	k = key_hex(k, (uint64_t)(int64_t)in->port);
	strbuf_add(&key, num, (size_t)(k - num));
	strbuf_addch(&key, '\x1f');
	key_add(&key, in->origin_key);
	key_add(&key, in->origin_desc);
	key_add(&key, in->rtb ? in->rtb->r.id : NULL);
	key_add(&key, in->rtb_missing);
	/* the "how" sentences are constants told apart by their first letter */
	strbuf_addch(&key, in->rtb_how ? in->rtb_how[0] : '-');
	key_add(&key, in->gw_id);
	key_add(&key, in->nacl ? in->nacl->r.id : NULL);
	key_add(&key, in->nacl_missing);
	strbuf_addch(&key, in->nacl_how ? in->nacl_how[0] : '-');
	key_add(&key, in->sg_missing);
	key_add(&key, in->sgref_unknown);
	key_add(&key, in->sgref_vpc);
	for (size_t i = 0; i < nsgs; i++)
		key_add(&key, sgs[i]->r.id);
	strbuf_addch(&key, '|');
	for (size_t i = 0; i < in->nlb_groups; i++)
		key_add(&key, in->lb_groups[i]);
	struct rz_out *o = hmap_get(&c->memo, key.buf);
	if (o) {
		c->hits++;
		free(sgs);
		strbuf_release(&key);
		return o;
	}
	c->misses++;
	o = arena_alloc(&c->a, sizeof(*o));
	struct ev ev = { 0 };
	ev.c = c;
	ev.in = in;
	ev.fam = in->fam;
	ev.sgs = sgs;
	ev.nsgs = nsgs;
	ev.out = o;
	evaluate(&ev);
	o->path = hv_finish(c, &ev.path, &o->npath);
	o->partial = sv_finish(c, &ev.partial, &o->npartial);
	o->notes = sv_finish(c, &ev.notes, &o->nnotes);
	free_ev(&ev);
	hmap_put(&c->memo, arena_strndup(&c->a, key.buf, key.len), o);
	strbuf_release(&key);
	return o;
}
