/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reachability driver: walks every interface of every instance and asks, per
 * address family and origin, which traffic the policy on its path admits.
 *
 * Per (interface, origin) the outcome is exposures (one per address and
 * canonical box), unknowns (an input is missing: never reported as safe), or,
 * when nothing passes and nothing is unknown, one "blocked" entry naming the
 * first component that stops the family that got furthest. The policy
 * evaluation itself is flow.c; load balancers are lb.c.
 */
#include "reach-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wrapper.h"
#include "base/banned.h"

const char *reach_origin_name(enum reach_origin o)
{
	return o == REACH_FROM_PEERING ? "peering" : "internet";
}

const char *reach_proto_name(int proto)
{
	if (proto == REACH_PROTO_OTHER)
		return "other";
	return mm_proto_name(proto);
}

int reach_range_cidrs(enum mm_family fam, mm_u128 lo, mm_u128 hi,
		      int (*fn)(const char *cidr, void *arg), void *arg)
{
	unsigned bits = fam == MM_AF_INET ? 32 : 128;
	char b[46], out[64];
	for (;;) {
		/* largest aligned block of 2^k addresses starting at lo inside [lo, hi] */
		unsigned k = 0;
		while (k < bits) {
			unsigned nk = k + 1;
			mm_u128 mask = nk >= 128 ? ~(mm_u128)0 : (((mm_u128)1 << nk) - 1);
			if ((lo & mask) || lo + mask < lo || lo + mask > hi)
				break;
			k = nk;
		}
		snprintf(out, sizeof(out), "%s/%u", mm_addr_fmt(fam, lo, b), bits - k);
		int stop = fn(out, arg);
		if (stop)
			return stop;
		mm_u128 last = k >= 128 ? ~(mm_u128)0 : lo + (((mm_u128)1 << k) - 1);
		if (last >= hi)
			return 0;
		lo = last + 1;
	}
}

/* ---- indexes ---- */

static void idx_push(struct hmap *h, const char *key, void *p)
{
	if (!key)
		return;
	struct rz_list *l = hmap_get(h, key);
	if (!l) {
		l = xcalloc(1, sizeof(*l));
		hmap_put(h, key, l);
	}
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr++] = p;
}

static void idx_free(struct hmap *h)
{
	for (size_t i = 0; i < h->cap; i++)
		if (h->slots[i].key) {
			struct rz_list *l = h->slots[i].val;
			free(l->v);
			free(l);
		}
	hmap_release(h);
}

const char *rz_loc(struct reach_ctx *c, const struct mm_loc *l)
{
	if (!l || !l->file)
		return NULL;
	if (c->loc_nr * 2 >= c->loc_cap) {
		size_t ncap = c->loc_cap ? c->loc_cap * 2 : 1024;
		uintptr_t *nk = xcalloc(ncap, sizeof(*nk));
		const char **nv = xcalloc(ncap, sizeof(*nv));
		for (size_t i = 0; i < c->loc_cap; i++) {
			if (!c->loc_keys[i])
				continue;
			size_t j = (c->loc_keys[i] * 0x9e3779b97f4a7c15ull >> 20) & (ncap - 1);
			while (nk[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = c->loc_keys[i];
			nv[j] = c->loc_vals[i];
		}
		free(c->loc_keys);
		free(c->loc_vals);
		c->loc_keys = nk;
		c->loc_vals = nv;
		c->loc_cap = ncap;
	}
	uintptr_t key = (uintptr_t)l;
	size_t j = (key * 0x9e3779b97f4a7c15ull >> 20) & (c->loc_cap - 1);
	while (c->loc_keys[j] && c->loc_keys[j] != key)
		j = (j + 1) & (c->loc_cap - 1);
	if (!c->loc_keys[j]) {
		c->loc_keys[j] = key;
		c->loc_vals[j] = mm_loc_str(c->m, l);
		c->loc_nr++;
	}
	return c->loc_vals[j];
}

const struct rz_list *rz_index(const struct hmap *h, const char *key)
{
	return key ? hmap_get(h, key) : NULL;
}

static void build_members(struct reach_ctx *c)
{
	struct mm_model *m = c->m;
	for (size_t i = 0; i < m->nenis; i++) {
		const struct mm_eni *e = &m->enis[i];
		if (e->vpc_id)
			hmap_put(&c->vpc_has_eni, e->vpc_id, (void *)e);
		for (size_t g = 0; g < e->ngroups; g++) {
			if (!e->groups[g])
				continue;
			for (int f = 0; f < 2; f++) {
				struct ivset *s = hmap_get(&c->members[f], e->groups[g]);
				if (!s) {
					s = rz_owned_ivset(c);
					hmap_put(&c->members[f], e->groups[g], s);
				}
				enum mm_family fam;
				mm_u128 a;
				if (f == 0) {
					for (size_t k = 0; k < e->nips; k++)
						if (e->ips[k].private_ip &&
						    !mm_addr_parse(e->ips[k].private_ip, &fam,
								   &a) &&
						    fam == MM_AF_INET)
							ivset_add(s, a, a);
				} else {
					for (size_t k = 0; k < e->nipv6; k++)
						if (e->ipv6[k] &&
						    !mm_addr_parse(e->ipv6[k], &fam, &a) &&
						    fam == MM_AF_INET6)
							ivset_add(s, a, a);
				}
			}
		}
		for (size_t k = 0; k < e->nips; k++)
			if (e->ips[k].private_ip)
				hmap_put(&c->eni_of_ip, e->ips[k].private_ip, (void *)e);
	}
	c->members_ready = true;
}

struct reach_ctx *reach_new(struct mm_model *m)
{
	struct reach_ctx *c = xcalloc(1, sizeof(*c));
	c->m = m;
	arena_init(&c->a);
	for (size_t i = 0; i < m->nigws; i++) {
		struct mm_igw *g = &m->igws[i];
		for (size_t k = 0; k < g->natt; k++)
			idx_push(&c->igws_of_vpc, g->att[k].vpc_id, g);
	}
	for (size_t i = 0; i < m->npcxs; i++) {
		struct mm_pcx *p = &m->pcxs[i];
		idx_push(&c->pcxs_of_vpc, p->req.vpc_id, p);
		if (!p->req.vpc_id || !p->acc.vpc_id || strcmp(p->req.vpc_id, p->acc.vpc_id))
			idx_push(&c->pcxs_of_vpc, p->acc.vpc_id, p);
	}
	for (size_t i = 0; i < m->nrtbs; i++)
		idx_push(&c->rtbs_of_vpc, m->rtbs[i].vpc_id, &m->rtbs[i]);
	for (size_t i = 0; i < m->nsubnets; i++)
		idx_push(&c->subnets_of_vpc, m->subnets[i].vpc_id, &m->subnets[i]);
	for (size_t i = 0; i < m->nnacls; i++)
		idx_push(&c->nacls_of_vpc, m->nacls[i].vpc_id, &m->nacls[i]);
	for (size_t i = 0; i < m->neips; i++) {
		idx_push(&c->eips_of_eni, m->eips[i].eni_id, &m->eips[i]);
		idx_push(&c->eips_of_instance, m->eips[i].instance_id, &m->eips[i]);
	}
	for (size_t i = 0; i < m->nenis; i++) {
		const char *d = m->enis[i].desc;
		if (d && !strncmp(d, "ELB ", 4) && d[4])
			idx_push(&c->elb_enis, d + 4, &m->enis[i]);
	}
	for (size_t i = 0; i < m->nlbs; i++) {
		struct mm_lb *lb = &m->lbs[i];
		for (size_t k = 0; k < lb->ninstances; k++)
			idx_push(&c->lbs_of_target, lb->instances[k], lb);
		for (size_t l = 0; l < lb->nlisteners; l++)
			for (size_t t = 0; t < lb->listeners[l].ntg; t++) {
				const struct mm_tg *tg =
				    mm_find_tg(m, lb->listeners[l].target_groups[t]);
				for (size_t q = 0; tg && q < tg->ntargets; q++)
					idx_push(&c->lbs_of_target, tg->targets[q].id, lb);
			}
	}
	build_members(c);
	return c;
}

void rz_peers_free(struct reach_ctx *c);

void reach_free(struct reach_ctx *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nowned; i++) {
		ivset_release(c->owned[i]);
		free(c->owned[i]);
	}
	free(c->owned);
	rz_peers_free(c);
	rz_flow_free(c);
	hmap_release(&c->memo);
	hmap_release(&c->members[0]);
	hmap_release(&c->members[1]);
	hmap_release(&c->vpc_has_eni);
	hmap_release(&c->peer_cache);
	hmap_release(&c->seg_ids);
	hmap_release(&c->pcx_hops);
	free(c->loc_keys);
	free(c->loc_vals);
	hmap_release(&c->eni_of_ip);
	idx_free(&c->igws_of_vpc);
	idx_free(&c->pcxs_of_vpc);
	idx_free(&c->rtbs_of_vpc);
	idx_free(&c->subnets_of_vpc);
	idx_free(&c->nacls_of_vpc);
	idx_free(&c->eips_of_eni);
	idx_free(&c->eips_of_instance);
	idx_free(&c->elb_enis);
	idx_free(&c->lbs_of_target);
	arena_release(&c->a);
	free(c);
}

void reach_result_release(struct reach_result *res)
{
	free(res->exp);
	free(res->blk);
	free(res->unk);
	memset(res, 0, sizeof(*res));
}

/* ---- subnet policy lookups ---- */

void rz_subnet_policy(struct reach_ctx *c, const struct mm_res *r, const char *subnet_id,
		      const char *vpc_id, struct rz_in *in)
{
	struct mm_model *m = c->m;
	in->rtb = subnet_id ? hmap_get(&m->rtb_of_subnet, subnet_id) : NULL;
	if (in->rtb) {
		in->rtb_how = "route table explicitly associated with the subnet";
	} else {
		in->rtb = vpc_id ? hmap_get(&m->main_rtb_of_vpc, vpc_id) : NULL;
		in->rtb_how =
		    "main route table of the vpc (the subnet has no explicit association)";
	}
	if (!in->rtb)
		in->rtb_missing =
		    mm_have(m, r, MM_K_RTBS)
			? arena_printf(&c->a,
				       "no route table is associated with subnet '%s' and vpc '%s' "
				       "has no main route table in the snapshot",
				       subnet_id ? subnet_id : "?", vpc_id ? vpc_id : "?")
			: "route tables are not in the snapshot (ec2 describe-route-tables)";
	in->nacl = mm_subnet_nacl(m, subnet_id);
	in->nacl_how = "network acl associated with the subnet";
	if (!in->nacl) {
		const struct rz_list *l = rz_index(&c->nacls_of_vpc, vpc_id);
		for (size_t i = 0; l && i < l->nr; i++)
			if (((struct mm_nacl *)l->v[i])->is_default)
				in->nacl = l->v[i];
		in->nacl_how = "default network acl of the vpc (no association for the subnet "
			       "was found)";
	}
	if (!in->nacl)
		in->nacl_missing =
		    mm_have(m, r, MM_K_NACLS)
			? arena_printf(&c->a, "no network acl is associated with subnet '%s'",
				       subnet_id ? subnet_id : "?")
			: "network acls are not in the snapshot (ec2 describe-network-acls)";
}

/* Security groups by id; *missing explains the first one not found. */
const struct mm_sg **rz_groups(struct reach_ctx *c, const struct mm_res *r, const char *const *ids,
			       size_t n, size_t *nout, const char **missing)
{
	const struct mm_sg **v = arena_calloc(&c->a, n + 1, sizeof(*v));
	size_t k = 0;
	*missing = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct mm_sg *g = ids[i] ? mm_find_sg(c->m, ids[i]) : NULL;
		if (g)
			v[k++] = g;
		else if (!*missing)
			*missing =
			    mm_have(c->m, r, MM_K_SGS)
				? arena_printf(&c->a, "security group '%s' is not in the snapshot",
					       ids[i] ? ids[i] : "?")
				: "security groups are not in the snapshot "
				  "(ec2 describe-security-groups)";
	}
	*nout = k;
	return v;
}

/* ---- result assembly ---- */

struct reach_hop *rz_hops_cat(struct reach_ctx *c, size_t *n, const struct reach_hop *a, size_t na,
			      const struct reach_hop *b, size_t nb, const struct reach_hop *d,
			      size_t nd)
{
	*n = na + nb + nd;
	if (!*n)
		return NULL;
	struct reach_hop *v = arena_calloc(&c->a, *n, sizeof(*v));
	if (na)
		memcpy(v, a, na * sizeof(*v));
	if (nb)
		memcpy(v + na, b, nb * sizeof(*v));
	if (nd)
		memcpy(v + na + nb, d, nd * sizeof(*v));
	return v;
}

struct reach_hop rz_hop(const char *component, const char *type, const char *rule,
			const char *action, const char *detail, const char *evidence)
{
	struct reach_hop h = { component, type, rule, action, detail, evidence };
	return h;
}

void rz_agg_begin(struct rz_agg *g, struct reach_result *res)
{
	memset(g, 0, sizeof(*g));
	g->nexp0 = res->nexp;
	g->nunk0 = res->nunk;
}

static int fam_slot(enum mm_family f)
{
	return f == MM_AF_INET ? 1 : f == MM_AF_INET6 ? 2 : 0;
}

void rz_agg_block(struct reach_ctx *c, struct rz_agg *g, enum rz_stage st,
		  const struct reach_block *b, const struct reach_hop *pre, size_t npre,
		  const struct reach_hop *path, size_t npath)
{
	struct rz_agg_slot *s = &g->slot[fam_slot(b->family)];
	g->seq++;
	if (s->have && st <= s->stage)
		return;
	s->have = true;
	s->stage = st;
	s->seq = g->seq;
	s->blk = *b;
	s->blk.path = rz_hops_cat(c, &s->blk.npath, pre, npre, path, npath, NULL, 0);
}

void rz_agg_unknown(struct reach_result *res, struct rz_agg *g, const struct reach_unknown *u)
{
	for (size_t i = g->nunk0; i < res->nunk; i++) {
		const struct reach_unknown *x = &res->unk[i];
		if (x->origin == u->origin && x->family == u->family &&
		    !strcmp(x->reason, u->reason) && !strcmp(x->resource, u->resource) &&
		    (x->eni == u->eni || (x->eni && u->eni && !strcmp(x->eni, u->eni))))
			return;
	}
	ALLOC_GROW(res->unk, res->nunk + 1, res->aunk);
	res->unk[res->nunk++] = *u;
}

/* The block a family reports: its own furthest block or the family-less
 * one, whichever got further (the earlier one on a tie); NULL when the
 * family has an exposure or something unknown. */
static const struct rz_agg_slot *agg_pick(const struct reach_result *res, const struct rz_agg *g,
					  enum mm_family fam)
{
	for (size_t i = g->nexp0; i < res->nexp; i++)
		if (res->exp[i].family == fam)
			return NULL;
	for (size_t i = g->nunk0; i < res->nunk; i++)
		if (res->unk[i].family == fam || res->unk[i].family == MM_AF_NONE)
			return NULL;
	const struct rz_agg_slot *own = &g->slot[fam_slot(fam)], *any = &g->slot[0];
	if (!own->have)
		return any->have ? any : NULL;
	if (!any->have)
		return own;
	if (own->stage != any->stage)
		return own->stage > any->stage ? own : any;
	return own->seq < any->seq ? own : any;
}

static void agg_emit(struct reach_result *res, const struct rz_agg_slot *s, enum mm_family fam)
{
	ALLOC_GROW(res->blk, res->nblk + 1, res->ablk);
	res->blk[res->nblk] = s->blk;
	res->blk[res->nblk++].family = fam;
}

/* present: bit fam_slot() set for each family the interface has an address
 * of; a family it has none of is not a path, so its block is left out
 * (unless it has no address of any family: then every block stays). */
static void agg_end_present(struct reach_ctx *c, struct reach_result *res, struct rz_agg *g,
			    unsigned present)
{
	if (!c->family_blocks) {
		const struct rz_agg_slot *best = NULL;
		for (int i = 0; i < 3; i++) {
			const struct rz_agg_slot *s = &g->slot[i];
			if (s->have && (!best || s->stage > best->stage ||
					(s->stage == best->stage && s->seq < best->seq)))
				best = s;
		}
		if (best && res->nexp == g->nexp0 && res->nunk == g->nunk0)
			agg_emit(res, best, best->blk.family);
		return;
	}
	bool none = !(present & (1u << fam_slot(MM_AF_INET) | 1u << fam_slot(MM_AF_INET6)));
	const struct rz_agg_slot *v4 =
	    none || (present & 1u << fam_slot(MM_AF_INET)) ? agg_pick(res, g, MM_AF_INET) : NULL;
	const struct rz_agg_slot *v6 =
	    none || (present & 1u << fam_slot(MM_AF_INET6)) ? agg_pick(res, g, MM_AF_INET6) : NULL;
	if (v4 && v4 == v6) {
		agg_emit(res, v4, MM_AF_NONE);
		return;
	}
	if (v4)
		agg_emit(res, v4, v4 == &g->slot[0] ? MM_AF_NONE : MM_AF_INET);
	if (v6)
		agg_emit(res, v6, v6 == &g->slot[0] ? MM_AF_NONE : MM_AF_INET6);
}

void rz_agg_end(struct reach_ctx *c, struct reach_result *res, struct rz_agg *g)
{
	agg_end_present(c, res, g, ~0u);
}

/* Which families an interface has any address of (see agg_end_present()). */
static unsigned eni_families(const struct mm_instance *inst, const struct mm_eni *e)
{
	unsigned present = 0;
	for (size_t i = 0; i < e->nipv6; i++)
		if (e->ipv6[i])
			present |= 1u << fam_slot(MM_AF_INET6);
	for (size_t i = 0; i < e->nips; i++)
		if (e->ips[i].private_ip || e->ips[i].public_ip)
			present |= 1u << fam_slot(MM_AF_INET);
	if (inst->nenis && !strcmp(inst->enis[0], e->r.id) && (inst->private_ip || inst->public_ip))
		present |= 1u << fam_slot(MM_AF_INET);
	return present;
}

static void unknown_push(struct reach_result *res, struct rz_agg *g, const struct mm_instance *inst,
			 const struct mm_eni *eni, enum reach_origin org, enum mm_family fam,
			 const char *component, const char *reason)
{
	struct reach_unknown u = {
		inst->r.id, eni ? eni->r.id : NULL, org, fam, component, reason
	};
	rz_agg_unknown(res, g, &u);
}

static void block_simple(struct reach_ctx *c, struct rz_agg *g, enum rz_stage st,
			 const struct mm_instance *inst, const struct mm_eni *eni,
			 enum reach_origin org, enum mm_family fam, const char *code,
			 const char *component, const char *type, const char *detail,
			 const char *evidence, const struct reach_hop *pre, size_t npre)
{
	struct reach_block b = { 0 };
	b.resource = inst->r.id;
	b.eni = eni ? eni->r.id : NULL;
	b.origin = org;
	b.family = fam;
	b.code = code;
	b.component = component;
	b.detail = detail;
	b.evidence = evidence;
	struct reach_hop h = rz_hop(component, type, NULL, "deny", detail, evidence);
	rz_agg_block(c, g, st, &b, pre, npre, &h, 1);
}

/* Block or unknown from a policy evaluation that did not reach ST_DONE. */
void rz_agg_out(struct reach_ctx *c, struct reach_result *res, struct rz_agg *g,
		const char *resource, const char *eni, enum reach_origin org, enum mm_family fam,
		const struct rz_out *o, const struct reach_hop *pre, size_t npre)
{
	if (o->unknown) {
		struct reach_unknown u = { resource, eni, org, fam, o->component, o->detail };
		rz_agg_unknown(res, g, &u);
		return;
	}
	struct reach_block b = { 0 };
	b.resource = resource;
	b.eni = eni;
	b.origin = org;
	b.family = fam;
	b.code = o->code;
	b.component = o->component;
	b.detail = o->detail;
	b.evidence = o->evidence;
	rz_agg_block(c, g, o->stage, &b, pre, npre, o->path, o->npath);
}

void rz_push_exposures(struct reach_ctx *c, struct reach_result *res, struct rz_agg *g,
		       const struct rz_expo *x, const struct rz_out *o)
{
	const char **notes = o->notes;
	size_t nnotes = o->nnotes + x->nnotes;
	if (x->nnotes) {
		notes = arena_calloc(&c->a, nnotes, sizeof(*notes));
		for (size_t i = 0; i < x->nnotes; i++)
			notes[i] = x->notes[i];
		for (size_t i = 0; i < o->nnotes; i++)
			notes[x->nnotes + i] = o->notes[i];
	}
	for (size_t i = 0; i < o->nboxes; i++) {
		const struct rz_box *b = &o->boxes[i];
		ALLOC_GROW(res->exp, res->nexp + 1, res->aexp);
		struct reach_exposure *e = &res->exp[res->nexp++];
		memset(e, 0, sizeof(*e));
		e->resource = x->resource;
		e->eni = x->eni;
		e->address = x->address;
		e->family = x->fam;
		e->origin = x->origin;
		e->gateway = x->gateway;
		e->entry_id = x->entry_id;
		e->entry_port = x->entry_port;
		e->proto = b->proto;
		e->ports = b->ports;
		e->nports = b->nports;
		if (x->ports) {
			e->ports = x->ports;
			e->nports = x->nports;
		}
		e->src = b->src;
		e->nsrc = b->nsrc;
		if (x->src) {
			e->src = x->src;
			e->nsrc = x->nsrc;
		}
		size_t n2;
		e->nfwd = x->npre + b->nfwd + x->nmid + x->npost;
		struct reach_hop *f = arena_calloc(&c->a, e->nfwd ? e->nfwd : 1, sizeof(*f));
		size_t k = 0;
		for (size_t j = 0; j < x->npre; j++)
			f[k++] = x->pre[j];
		for (size_t j = 0; j < b->nfwd; j++)
			f[k++] = b->fwd[j];
		for (size_t j = 0; j < x->nmid; j++)
			f[k++] = x->mid[j];
		for (size_t j = 0; j < x->npost; j++)
			f[k++] = x->post[j];
		e->fwd = f;
		struct reach_hop *r1 =
		    rz_hops_cat(c, &n2, x->rpre, x->nrpre, b->ret, b->nret, x->rpost, x->nrpost);
		e->ret = r1;
		e->nret = n2;
		e->notes = notes;
		e->nnotes = nnotes;
	}
	for (size_t i = 0; i < o->npartial; i++) {
		struct reach_unknown u = { x->resource, x->eni,		  x->origin,
					   x->fam,	"security-group", o->partial[i] };
		rz_agg_unknown(res, g, &u);
	}
}

/* ---- addresses ---- */

struct addr {
	const char *pub, *priv;
	const char *evidence;
	const char *how;
};

static void addr_add(struct addr **v, size_t *n, size_t *alloc, const char *pub, const char *priv,
		     const char *ev, const char *how)
{
	if (!pub || !*pub)
		return;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].pub, pub))
			return;
	ALLOC_GROW(*v, *n + 1, *alloc);
	struct addr *a = &(*v)[(*n)++];
	a->pub = pub;
	a->priv = priv;
	a->evidence = ev;
	a->how = how;
}

static bool eni_has_private(const struct mm_eni *e, const char *ip)
{
	for (size_t i = 0; ip && i < e->nips; i++)
		if (e->ips[i].private_ip && !strcmp(e->ips[i].private_ip, ip))
			return true;
	return false;
}

static const char *primary_ip(const struct mm_eni *e)
{
	for (size_t i = 0; i < e->nips; i++)
		if (e->ips[i].primary)
			return e->ips[i].private_ip;
	return e->nips ? e->ips[0].private_ip : NULL;
}

static struct addr *public_addrs(struct reach_ctx *c, const struct mm_instance *inst,
				 const struct mm_eni *e, enum mm_family fam, size_t *n)
{
	struct addr *v = NULL;
	size_t alloc = 0;
	*n = 0;
	const char *ev = rz_loc(c, &e->r.loc);
	if (fam == MM_AF_INET6) {
		for (size_t i = 0; i < e->nipv6; i++)
			addr_add(&v, n, &alloc, e->ipv6[i], e->ipv6[i], ev, "ipv6 address");
		return v;
	}
	for (size_t i = 0; i < e->nips; i++)
		addr_add(&v, n, &alloc, e->ips[i].public_ip, e->ips[i].private_ip, ev,
			 e->ips[i].ip_owner && strcmp(e->ips[i].ip_owner, "amazon") ? "elastic ip"
										    : "public ip");
	const struct rz_list *l = rz_index(&c->eips_of_eni, e->r.id);
	for (size_t i = 0; l && i < l->nr; i++) {
		const struct mm_eip *p = l->v[i];
		addr_add(&v, n, &alloc, p->public_ip, p->private_ip ? p->private_ip : primary_ip(e),
			 rz_loc(c, &p->r.loc), "elastic ip");
	}
	l = rz_index(&c->eips_of_instance, inst->r.id);
	for (size_t i = 0; l && i < l->nr; i++) {
		const struct mm_eip *p = l->v[i];
		if (p->eni_id && strcmp(p->eni_id, e->r.id))
			continue;
		if (p->private_ip ? !eni_has_private(e, p->private_ip)
				  : inst->nenis && strcmp(inst->enis[0], e->r.id))
			continue;
		addr_add(&v, n, &alloc, p->public_ip, p->private_ip ? p->private_ip : primary_ip(e),
			 rz_loc(c, &p->r.loc), "elastic ip");
	}
	if (!*n && inst->public_ip && inst->nenis && !strcmp(inst->enis[0], e->r.id))
		addr_add(&v, n, &alloc, inst->public_ip, inst->private_ip, rz_loc(c, &inst->r.loc),
			 "public ip");
	return v;
}

/* The IGW attached to a VPC; *detached gets one that is not (for evidence). */
const struct mm_igw *rz_vpc_igw(struct reach_ctx *c, const char *vpc_id,
				const struct mm_igw **detached, const char **att_state)
{
	const struct rz_list *l = rz_index(&c->igws_of_vpc, vpc_id);
	*detached = NULL;
	for (size_t i = 0; l && i < l->nr; i++) {
		const struct mm_igw *g = l->v[i];
		if (g->egress_only)
			continue;
		for (size_t k = 0; k < g->natt; k++) {
			if (!g->att[k].vpc_id || strcmp(g->att[k].vpc_id, vpc_id))
				continue;
			const char *st = g->att[k].state;
			if (!st || !strcmp(st, "available") || !strcmp(st, "attached")) {
				*att_state = st ? st : "attached";
				return g;
			}
			*detached = g;
			*att_state = st;
		}
	}
	return NULL;
}

static const char *fam_word(enum mm_family f)
{
	return f == MM_AF_INET6 ? "ipv6" : "ipv4";
}

static void eval_internet(struct reach_ctx *c, const struct reach_opts *o, struct reach_result *res,
			  const struct mm_instance *inst, const struct mm_eni *e)
{
	struct mm_model *m = c->m;
	struct rz_agg g;
	rz_agg_begin(&g, res);
	g.nunk0 = res->nunk;
	const char *eni_ev = rz_loc(c, &e->r.loc);
	struct rz_in pol = { 0 };
	bool have_pol = false;
	for (int fi = 0; fi < 2; fi++) {
		enum mm_family fam = fi ? MM_AF_INET6 : MM_AF_INET;
		size_t naddr;
		struct addr *addrs = public_addrs(c, inst, e, fam, &naddr);
		if (!naddr) {
			block_simple(c, &g, ST_ADDRESS, inst, e, REACH_FROM_INTERNET, fam,
				     "NO_PUBLIC_ADDRESS", e->r.id, "network-interface",
				     fam == MM_AF_INET
					 ? arena_printf(&c->a,
							"interface '%s' has no public ipv4 address "
							"and no elastic ip on any private ip",
							e->r.id)
					 : arena_printf(&c->a, "interface '%s' has no ipv6 address",
							e->r.id),
				     eni_ev, NULL, 0);
			continue;
		}
		const struct mm_igw *detached = NULL;
		const char *att = NULL;
		const struct mm_igw *igw = rz_vpc_igw(c, e->vpc_id, &detached, &att);
		struct reach_hop addr_hop = rz_hop(
		    e->r.id, "network-interface", NULL, "admit",
		    arena_printf(&c->a, "%s %s maps to private %s of interface '%s'", addrs[0].how,
				 addrs[0].pub, addrs[0].priv ? addrs[0].priv : "?", e->r.id),
		    addrs[0].evidence);
		if (!igw) {
			if (!mm_have(m, &e->r, MM_K_IGWS)) {
				unknown_push(res, &g, inst, e, REACH_FROM_INTERNET, fam,
					     "internet-gateway",
					     "internet gateways are not in the snapshot "
					     "(ec2 describe-internet-gateways)");
				free(addrs);
				continue;
			}
			if (!detached && e->vpc_id) {
				/* a route still naming a gateway that was detached */
				struct rz_in tmp = { 0 };
				rz_subnet_policy(c, &e->r, e->subnet_id, e->vpc_id, &tmp);
				for (size_t i = 0; tmp.rtb && i < tmp.rtb->nroutes && !detached;
				     i++)
					if (tmp.rtb->routes[i].target == MM_TGT_IGW)
						detached =
						    mm_find_igw(m, tmp.rtb->routes[i].target_id);
			}
			block_simple(
			    c, &g, ST_IGW, inst, e, REACH_FROM_INTERNET, fam, "IGW_NOT_ATTACHED",
			    detached ? detached->r.id : (e->vpc_id ? e->vpc_id : "?"),
			    detached ? "internet-gateway" : "vpc",
			    detached ? arena_printf(&c->a,
						    "internet gateway '%s' is not attached "
						    "to vpc '%s' (%s)",
						    detached->r.id, e->vpc_id,
						    att ? att : "no attachment")
				     : arena_printf(&c->a,
						    "no internet gateway is attached to "
						    "vpc '%s'",
						    e->vpc_id ? e->vpc_id : "?"),
			    detached ? rz_loc(c, &detached->r.loc)
				     : (e->vpc_id && mm_find_vpc(m, e->vpc_id)
					    ? rz_loc(c, &mm_find_vpc(m, e->vpc_id)->r.loc)
					    : NULL),
			    &addr_hop, 1);
			free(addrs);
			continue;
		}
		if (!have_pol) {
			/* the same for both families: looked up once */
			rz_subnet_policy(c, &e->r, e->subnet_id, e->vpc_id, &pol);
			pol.sgs =
			    rz_groups(c, &e->r, e->groups, e->ngroups, &pol.nsgs, &pol.sg_missing);
			have_pol = true;
		}
		struct rz_in in = pol;
		in.fam = fam;
		in.origin = mm_internet_ranges(fam);
		in.origin_key = "internet";
		in.origin_desc = "any internet address";
		in.route_mode = RZ_ROUTE_GW;
		in.gw_kind = MM_TGT_IGW;
		in.gw_id = igw->r.id;
		in.sg_refs = false;
		in.proto = o->proto;
		in.port = o->port;
		const struct rz_out *out = rz_eval(c, &in);
		const char *igw_ev = rz_loc(c, &igw->r.loc);
		struct reach_hop igw_hop =
		    rz_hop(igw->r.id, "internet-gateway", NULL, "admit",
			   arena_printf(&c->a, "internet gateway attached to vpc '%s' (%s)",
					e->vpc_id, att),
			   igw_ev);
		struct reach_hop pre[2] = { igw_hop, addr_hop };
		if (out->stage != ST_DONE) {
			rz_agg_out(c, res, &g, inst->r.id, e->r.id, REACH_FROM_INTERNET, fam, out,
				   pre, 2);
			free(addrs);
			continue;
		}
		for (size_t i = 0; i < naddr; i++) {
			struct rz_expo x = { 0 };
			struct reach_hop h[3];
			h[0] = igw_hop;
			h[0].detail = arena_printf(&c->a,
						   "internet gateway attached to vpc '%s' (%s) "
						   "translates %s %s to private %s",
						   e->vpc_id, att, addrs[i].how, addrs[i].pub,
						   addrs[i].priv ? addrs[i].priv : "?");
			h[0].evidence = igw_ev;
			h[1] = rz_hop(e->r.id, "network-interface", NULL, "admit",
				      arena_printf(&c->a, "interface of '%s' in subnet '%s', %s",
						   inst->r.id, e->subnet_id ? e->subnet_id : "?",
						   addrs[i].priv ? addrs[i].priv : "?"),
				      eni_ev);
			h[2] = igw_hop;
			h[2].detail = arena_printf(&c->a, "replies leave through '%s' from %s",
						   igw->r.id, addrs[i].pub);
			x.resource = inst->r.id;
			x.eni = e->r.id;
			x.address = addrs[i].pub;
			x.fam = fam;
			x.origin = REACH_FROM_INTERNET;
			x.gateway = igw->r.id;
			x.pre = &h[0];
			x.npre = 1;
			x.post = &h[1];
			x.npost = 1;
			x.rpost = &h[2];
			x.nrpost = 1;
			if (addrs[i].evidence && strcmp(addrs[i].evidence, eni_ev)) {
				x.notes = arena_calloc(&c->a, 1, sizeof(*x.notes));
				x.notes[0] = arena_printf(&c->a, "%s %s: %s", addrs[i].how,
							  addrs[i].pub, addrs[i].evidence);
				x.nnotes = 1;
			}
			rz_push_exposures(c, res, &g, &x, out);
		}
		free(addrs);
	}
	agg_end_present(c, res, &g, eni_families(inst, e));
}

/* ---- peering ---- */

struct rz_pgroup {
	const struct mm_rtb *t;
	struct ivset dst; /* destinations the table sends to the peering connection */
	struct ivset src; /* peer subnets using the table */
	struct rz_route *routes;
	size_t nroutes;
};

/* Destinations [lo, hi] on which the peer side is uniform: the same peer
 * sources route to them through the connection, by the same routes. */
struct rz_pseg {
	mm_u128 lo, hi;
	struct ivset *S; /* peer sources (context-owned); empty: no route back */
	const char *key, *desc;
	struct reach_hop *hops; /* the peer routes, capped */
	size_t nhops;
};

struct rz_peer {
	const char *why; /* unknown */
	bool approx;	 /* peer subnets unknown: every peer address assumed */
	struct rz_pgroup *g;
	size_t ng;
	struct rz_pseg *seg; /* sorted, disjoint */
	size_t nseg;
};

void rz_peers_free(struct reach_ctx *c)
{
	for (size_t i = 0; i < c->npeers; i++) {
		struct rz_peer *p = c->peers[i];
		for (size_t k = 0; k < p->ng; k++) {
			ivset_release(&p->g[k].dst);
			ivset_release(&p->g[k].src);
			rz_routes_free(p->g[k].routes, p->g[k].nroutes);
		}
		free(p->g);
		free(p->seg);
		free(p);
	}
	free(c->peers);
}

static void side_cidrs(const struct mm_model *m, const struct mm_pcx_side *s, enum mm_family fam,
		       struct ivset *out)
{
	for (size_t i = 0; i < s->ncidrs; i++)
		if (s->cidrs[i].family == fam)
			ivset_add_cidr(out, &s->cidrs[i]);
	if (!ivset_empty(out))
		return;
	const struct mm_vpc *v = s->vpc_id ? mm_find_vpc(m, s->vpc_id) : NULL;
	for (size_t i = 0; v && i < v->ncidrs; i++)
		if (v->cidrs[i].family == fam)
			ivset_add_cidr(out, &v->cidrs[i]);
}

static const struct mm_rtb *effective_rtb(struct reach_ctx *c, const struct mm_subnet *s)
{
	const struct mm_rtb *t = hmap_get(&c->m->rtb_of_subnet, s->r.id);
	return t ? t : (s->vpc_id ? hmap_get(&c->m->main_rtb_of_vpc, s->vpc_id) : NULL);
}

static int u128_cmp(const void *a, const void *b)
{
	mm_u128 x = *(const mm_u128 *)a, y = *(const mm_u128 *)b;
	return x < y ? -1 : x > y;
}

static void hex_set(struct strbuf *sb, const struct ivset *s);

/* Cut the destination space at every route boundary of every peer table, so
 * that on each piece every table's longest-prefix route is the same. */
static void peer_segments(struct reach_ctx *c, struct rz_peer *pi, const struct mm_pcx *p,
			  const struct mm_pcx_side *peer, enum mm_family fam,
			  const struct ivset *space, const struct ivset *peerc,
			  const struct ivset *all_subnets)
{
	mm_u128 *cut = NULL;
	size_t n = 0, alloc = 0;
	for (size_t k = 0; k < pi->ng; k++)
		for (size_t q = 0; q < pi->g[k].nroutes; q++) {
			const struct ivset *part = &pi->g[k].routes[q].part;
			for (size_t i = 0; i < part->nr; i++) {
				ALLOC_GROW(cut, n + 2, alloc);
				cut[n++] = part->v[i].lo;
				if (part->v[i].hi != ~(mm_u128)0)
					cut[n++] = part->v[i].hi + 1;
			}
		}
	for (size_t i = 0; i < space->nr; i++) {
		ALLOC_GROW(cut, n + 2, alloc);
		cut[n++] = space->v[i].lo;
		if (space->v[i].hi != ~(mm_u128)0)
			cut[n++] = space->v[i].hi + 1;
	}
	if (n)
		mm_qsort(cut, n, sizeof(*cut), u128_cmp);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || cut[u - 1] != cut[i])
			cut[u++] = cut[i];
	pi->seg = xcalloc(u + 1, sizeof(*pi->seg));
	for (size_t i = 0; i < u; i++) {
		mm_u128 lo = cut[i];
		mm_u128 hi = i + 1 < u ? cut[i + 1] - 1 : mm_family_max(fam);
		if (!ivset_overlaps(space, lo, hi))
			continue;
		struct rz_pseg *sg = &pi->seg[pi->nseg++];
		sg->lo = lo;
		sg->hi = hi;
		sg->S = rz_owned_ivset(c);
		struct reach_hop hops[6];
		size_t nh = 0;
		for (size_t k = 0; k < pi->ng; k++) {
			const struct rz_pgroup *pg = &pi->g[k];
			if (!ivset_contains(&pg->dst, lo) || ivset_empty(&pg->src))
				continue;
			ivset_union(sg->S, &pg->src);
			for (size_t q = 0; q < pg->nroutes && nh < 6; q++)
				if (ivset_contains(&pg->routes[q].part, lo))
					hops[nh++] = rz_hop(
					    pg->t->r.id, "route-table",
					    rz_route_str(c, pg->routes[q].r, &pg->routes[q].dst),
					    "admit",
					    arena_printf(&c->a,
							 "route table of peer vpc '%s' sends this "
							 "address to '%s' (for %s)",
							 peer->vpc_id ? peer->vpc_id : "?", p->r.id,
							 rz_set_desc(c, fam, &pg->src)),
					    rz_loc(c, &pg->routes[q].r->loc));
		}
		sg->hops = rz_hops_cat(c, &sg->nhops, hops, nh, NULL, 0, NULL, 0);
		if (ivset_empty(sg->S))
			continue;
		/* every peer subnet routes back: the whole peer VPC (addresses outside
		 * its subnets cannot send anything anyway) */
		if (ivset_equal(sg->S, all_subnets))
			ivset_copy(sg->S, peerc);
		sg->desc =
		    arena_printf(&c->a, "peer vpc '%s' (%s)", peer->vpc_id ? peer->vpc_id : "?",
				 rz_set_desc(c, fam, sg->S));
		/* memo keys name the source set by a short id: the full set (which
		 * can run to kilobytes) is hashed once here, not per evaluation */
		struct strbuf key = STRBUF_INIT;
		strbuf_addf(&key, "%s:%d:", p->r.id, fam);
		hex_set(&key, sg->S);
		strbuf_addf(&key, "\x1f%s", sg->desc);
		sg->key = hmap_get(&c->seg_ids, key.buf);
		if (!sg->key) {
			sg->key = arena_printf(&c->a, "%s#%zu", p->r.id, c->seg_ids.nr);
			hmap_put(&c->seg_ids, arena_strndup(&c->a, key.buf, key.len),
				 (void *)sg->key);
		}
		strbuf_release(&key);
	}
	free(cut);
}

static const struct rz_pseg *peer_seg(const struct rz_peer *pi, mm_u128 a)
{
	size_t l = 0, r = pi->nseg;
	while (l < r) {
		size_t mid = (l + r) / 2;
		if (pi->seg[mid].hi < a)
			l = mid + 1;
		else
			r = mid;
	}
	return l < pi->nseg && pi->seg[l].lo <= a ? &pi->seg[l] : NULL;
}

static const struct rz_peer *peer_info(struct reach_ctx *c, const struct mm_pcx *p,
				       const struct mm_pcx_side *self,
				       const struct mm_pcx_side *peer, enum mm_family fam)
{
	struct strbuf kb = STRBUF_INIT;
	strbuf_addf(&kb, "%s/%d/%s", p->r.id, fam, peer->vpc_id ? peer->vpc_id : "?");
	struct rz_peer *pi = hmap_get(&c->peer_cache, kb.buf);
	if (pi) {
		strbuf_release(&kb);
		return pi;
	}
	pi = xcalloc(1, sizeof(*pi));
	ALLOC_GROW(c->peers, c->npeers + 1, c->apeers);
	c->peers[c->npeers++] = pi;
	hmap_put(&c->peer_cache, arena_strndup(&c->a, kb.buf, kb.len), pi);
	strbuf_release(&kb);
	const struct rz_list *rl = rz_index(&c->rtbs_of_vpc, peer->vpc_id);
	if (!rl || !rl->nr) {
		pi->why = arena_printf(
		    &c->a,
		    "route tables of peer vpc '%s'%s%s are not in the snapshot, so "
		    "the route back through '%s' cannot be checked",
		    peer->vpc_id ? peer->vpc_id : "?", peer->owner ? " of account " : "",
		    peer->owner ? peer->owner : "", p->r.id);
		return pi;
	}
	struct ivset space = IVSET_INIT, peerc = IVSET_INIT;
	side_cidrs(c->m, self, fam, &space);
	if (ivset_empty(&space))
		ivset_add(&space, 0, mm_family_max(fam));
	side_cidrs(c->m, peer, fam, &peerc);
	const struct rz_list *sl = rz_index(&c->subnets_of_vpc, peer->vpc_id);
	pi->approx = !sl || !sl->nr;
	struct ivset all_subnets = IVSET_INIT;
	for (size_t k = 0; sl && k < sl->nr; k++) {
		const struct mm_subnet *s = sl->v[k];
		if (fam == MM_AF_INET && s->cidr.family == MM_AF_INET)
			ivset_add_cidr(&all_subnets, &s->cidr);
		for (size_t q = 0; fam == MM_AF_INET6 && q < s->ncidr6; q++)
			ivset_add_cidr(&all_subnets, &s->cidr6[q]);
	}
	ivset_intersect(&all_subnets, &peerc);
	pi->g = xcalloc(rl->nr, sizeof(*pi->g));
	for (size_t i = 0; i < rl->nr; i++) {
		struct rz_pgroup *g = &pi->g[pi->ng++];
		g->t = rl->v[i];
		const char *why = NULL;
		if (rz_lpm(c, g->t, fam, &space, &g->routes, &g->nroutes, NULL, &why)) {
			pi->why = why;
			break;
		}
		for (size_t k = 0; k < g->nroutes; k++) {
			const struct mm_route *r = g->routes[k].r;
			if (!r->blackhole && r->target == MM_TGT_PCX && r->target_id &&
			    !strcmp(r->target_id, p->r.id))
				ivset_union(&g->dst, &g->routes[k].part);
		}
		if (pi->approx) {
			ivset_copy(&g->src, &peerc);
			continue;
		}
		for (size_t k = 0; k < sl->nr; k++) {
			const struct mm_subnet *s = sl->v[k];
			if (effective_rtb(c, s) != g->t)
				continue;
			if (fam == MM_AF_INET && s->cidr.family == MM_AF_INET)
				ivset_add_cidr(&g->src, &s->cidr);
			for (size_t q = 0; fam == MM_AF_INET6 && q < s->ncidr6; q++)
				ivset_add_cidr(&g->src, &s->cidr6[q]);
		}
		ivset_intersect(&g->src, &peerc);
	}
	if (!pi->why)
		peer_segments(c, pi, p, peer, fam, &space, &peerc,
			      pi->approx ? &peerc : &all_subnets);
	ivset_release(&all_subnets);
	ivset_release(&space);
	ivset_release(&peerc);
	return pi;
}

static void hex_set(struct strbuf *sb, const struct ivset *s)
{
	for (size_t i = 0; i < s->nr; i++)
		strbuf_addf(sb, "%llx%016llx-%llx%016llx,", (unsigned long long)(s->v[i].lo >> 64),
			    (unsigned long long)s->v[i].lo, (unsigned long long)(s->v[i].hi >> 64),
			    (unsigned long long)s->v[i].hi);
}

/* The admit hop of a peering connection and its reply hop, seen from one
 * side: built once per (connection, side) and shared. */
static const struct reach_hop *pcx_hops(struct reach_ctx *c, const struct mm_pcx *p, bool self_req,
					const struct mm_pcx_side *self,
					const struct mm_pcx_side *peer, const char *pcx_ev)
{
	struct strbuf kb = STRBUF_INIT;
	strbuf_addf(&kb, "%s/%d", p->r.id, self_req);
	struct reach_hop *h = hmap_get(&c->pcx_hops, kb.buf);
	if (!h) {
		h = arena_calloc(&c->a, 2, sizeof(*h));
		h[0] = rz_hop(
		    p->r.id, "vpc-peering", NULL, "admit",
		    arena_printf(&c->a, "active peering connection between '%s' and peer vpc '%s'",
				 self->vpc_id ? self->vpc_id : "?",
				 peer->vpc_id ? peer->vpc_id : "?"),
		    pcx_ev);
		h[1] = h[0];
		h[1].detail = arena_printf(&c->a, "replies return through '%s'", p->r.id);
		hmap_put(&c->pcx_hops, arena_strndup(&c->a, kb.buf, kb.len), h);
	}
	strbuf_release(&kb);
	return h;
}

static void eval_peering(struct reach_ctx *c, const struct reach_opts *o, struct reach_result *res,
			 const struct mm_instance *inst, const struct mm_eni *e)
{
	struct mm_model *m = c->m;
	struct rz_agg g;
	rz_agg_begin(&g, res);
	g.nunk0 = res->nunk;
	const struct rz_list *pl = rz_index(&c->pcxs_of_vpc, e->vpc_id);
	if (!pl || !pl->nr) {
		if (!mm_have(m, &e->r, MM_K_PCXS))
			unknown_push(res, &g, inst, e, REACH_FROM_PEERING, MM_AF_NONE,
				     "vpc-peering",
				     "vpc peering connections are not in the snapshot "
				     "(ec2 describe-vpc-peering-connections)");
		else
			block_simple(c, &g, ST_PEERING, inst, e, REACH_FROM_PEERING, MM_AF_NONE,
				     "NO_PEERING_CONNECTION", e->vpc_id ? e->vpc_id : "?", "vpc",
				     arena_printf(&c->a, "vpc '%s' has no peering connection",
						  e->vpc_id ? e->vpc_id : "?"),
				     NULL, NULL, 0);
		rz_agg_end(c, res, &g);
		return;
	}
	const char *eni_ev = rz_loc(c, &e->r.loc);
	/* the interface's subnet policy and groups do not depend on the peer */
	struct rz_in pol = { 0 };
	rz_subnet_policy(c, &e->r, e->subnet_id, e->vpc_id, &pol);
	pol.sgs = rz_groups(c, &e->r, e->groups, e->ngroups, &pol.nsgs, &pol.sg_missing);
	for (size_t pi = 0; pi < pl->nr; pi++) {
		const struct mm_pcx *p = pl->v[pi];
		const char *pcx_ev = rz_loc(c, &p->r.loc);
		if (!p->status || strcmp(p->status, "active")) {
			block_simple(c, &g, ST_PEERING, inst, e, REACH_FROM_PEERING, MM_AF_NONE,
				     "PEERING_NOT_ACTIVE", p->r.id, "vpc-peering",
				     arena_printf(&c->a,
						  "peering connection '%s' is '%s', not active",
						  p->r.id, p->status ? p->status : "unknown"),
				     pcx_ev, NULL, 0);
			continue;
		}
		bool self_req = p->req.vpc_id && e->vpc_id && !strcmp(p->req.vpc_id, e->vpc_id);
		const struct mm_pcx_side *self = self_req ? &p->req : &p->acc;
		const struct mm_pcx_side *peer = self_req ? &p->acc : &p->req;
		const struct reach_hop *ph2 = pcx_hops(c, p, self_req, self, peer, pcx_ev);
		struct reach_hop pcx_hop = ph2[0];
		for (int fi = 0; fi < 2; fi++) {
			enum mm_family fam = fi ? MM_AF_INET6 : MM_AF_INET;
			struct ivset peerc = IVSET_INIT;
			side_cidrs(m, peer, fam, &peerc);
			const char **addrs = NULL;
			size_t naddr = 0;
			if (fam == MM_AF_INET) {
				addrs = xcalloc(e->nips + 1, sizeof(*addrs));
				for (size_t i = 0; i < e->nips; i++)
					if (e->ips[i].private_ip)
						addrs[naddr++] = e->ips[i].private_ip;
			} else {
				addrs = xcalloc(e->nipv6 + 1, sizeof(*addrs));
				for (size_t i = 0; i < e->nipv6; i++)
					if (e->ipv6[i])
						addrs[naddr++] = e->ipv6[i];
			}
			if (!naddr) {
				block_simple(c, &g, ST_ADDRESS, inst, e, REACH_FROM_PEERING, fam,
					     "NO_ADDRESS", e->r.id, "network-interface",
					     arena_printf(&c->a, "interface '%s' has no %s address",
							  e->r.id, fam_word(fam)),
					     eni_ev, &pcx_hop, 1);
				ivset_release(&peerc);
				free(addrs);
				continue;
			}
			if (ivset_empty(&peerc)) {
				block_simple(c, &g, ST_PEERING, inst, e, REACH_FROM_PEERING, fam,
					     "NO_PEER_CIDR", p->r.id, "vpc-peering",
					     arena_printf(&c->a,
							  "peer vpc '%s' has no %s cidr in '%s'",
							  peer->vpc_id ? peer->vpc_id : "?",
							  fam_word(fam), p->r.id),
					     pcx_ev, NULL, 0);
				free(addrs);
				continue;
			}
			const struct rz_peer *info = peer_info(c, p, self, peer, fam);
			if (info->why) {
				unknown_push(res, &g, inst, e, REACH_FROM_PEERING, fam,
					     peer->vpc_id ? peer->vpc_id : p->r.id, info->why);
				ivset_release(&peerc);
				free(addrs);
				continue;
			}
			for (size_t ai = 0; ai < naddr; ai++) {
				enum mm_family af;
				mm_u128 a;
				if (mm_addr_parse(addrs[ai], &af, &a) || af != fam)
					continue;
				const struct rz_pseg *seg = peer_seg(info, a);
				struct hopvec_s {
					struct reach_hop v[8];
					size_t n;
				} ph = { .n = 0 };
				ph.v[ph.n++] = pcx_hop;
				for (size_t k = 0; seg && k < seg->nhops && ph.n < 8; k++)
					ph.v[ph.n++] = seg->hops[k];
				if (!seg || ivset_empty(seg->S)) {
					block_simple(
					    c, &g, ST_ROUTE, inst, e, REACH_FROM_PEERING, fam,
					    "NO_ROUTE_FROM_PEER", peer->vpc_id ? peer->vpc_id : "?",
					    "vpc",
					    arena_printf(&c->a,
							 "no route table of peer vpc '%s' sends "
							 "traffic for %s to '%s'",
							 peer->vpc_id ? peer->vpc_id : "?",
							 addrs[ai], p->r.id),
					    pcx_ev, &pcx_hop, 1);
					continue;
				}
				struct rz_in in = pol;
				in.fam = fam;
				in.origin = seg->S;
				in.origin_key = seg->key;
				in.origin_desc = seg->desc;
				in.route_mode = RZ_ROUTE_GW;
				in.gw_kind = MM_TGT_PCX;
				in.gw_id = p->r.id;
				in.sg_refs = true;
				in.sgref_vpc = peer->vpc_id;
				if (!peer->vpc_id || !hmap_get(&c->vpc_has_eni, peer->vpc_id))
					in.sgref_unknown = arena_printf(
					    &c->a,
					    "the network interfaces of peer vpc '%s' are not in the "
					    "snapshot, so group members cannot be resolved",
					    peer->vpc_id ? peer->vpc_id : "?");
				in.proto = o->proto;
				in.port = o->port;
				const struct rz_out *out = rz_eval(c, &in);
				if (out->stage != ST_DONE) {
					rz_agg_out(c, res, &g, inst->r.id, e->r.id,
						   REACH_FROM_PEERING, fam, out, ph.v, ph.n);
					continue;
				}
				struct reach_hop post[2];
				post[0] = rz_hop(
				    e->r.id, "network-interface", NULL, "admit",
				    arena_printf(&c->a, "interface of '%s' in subnet '%s', %s",
						 inst->r.id, e->subnet_id ? e->subnet_id : "?",
						 addrs[ai]),
				    eni_ev);
				post[1] = ph2[1];
				struct rz_expo x = { 0 };
				x.resource = inst->r.id;
				x.eni = e->r.id;
				x.address = addrs[ai];
				x.fam = fam;
				x.origin = REACH_FROM_PEERING;
				x.gateway = p->r.id;
				x.pre = ph.v;
				x.npre = ph.n;
				x.post = &post[0];
				x.npost = 1;
				x.rpost = &post[1];
				x.nrpost = 1;
				const char *note[1];
				if (info->approx) {
					x.notes = note;
					x.notes[0] = arena_printf(
					    &c->a,
					    "subnets of peer vpc '%s' are not in the snapshot: every "
					    "peer address is assumed to use a route table that routes "
					    "back through '%s'",
					    peer->vpc_id, p->r.id);
					x.nnotes = 1;
				}
				rz_push_exposures(c, res, &g, &x, out);
			}
			ivset_release(&peerc);
			free(addrs);
		}
	}
	agg_end_present(c, res, &g, eni_families(inst, e));
}

/* ---- instances ---- */

static void eval_instance(struct reach_ctx *c, const struct reach_opts *o, struct reach_result *res,
			  const struct mm_instance *inst)
{
	struct mm_model *m = c->m;
	unsigned origins = o->origins ? o->origins : REACH_FROM_ALL;
	res->instances++;
	bool running = inst->state && !strcmp(inst->state, "running");
	size_t nfound = 0;
	for (size_t i = 0; i <= inst->nenis; i++) {
		const struct mm_eni *e = i < inst->nenis ? mm_find_eni(m, inst->enis[i]) : NULL;
		/* past the list: one entry for the instance itself when no interface
		 * could be evaluated and none was reported missing above */
		if (i == inst->nenis && (nfound || (running && inst->nenis)))
			break;
		if (i < inst->nenis && !e) {
			if (!running)
				continue;
			for (unsigned org = 1; org <= REACH_FROM_PEERING; org <<= 1) {
				if (!(origins & org))
					continue;
				struct rz_agg g;
				rz_agg_begin(&g, res);
				g.nunk0 = res->nunk;
				struct reach_unknown u = {
					inst->r.id,
					inst->enis[i],
					org,
					MM_AF_NONE,
					"network-interface",
					arena_printf(
					    &c->a, "network interface '%s' is not in the snapshot",
					    inst->enis[i])
				};
				rz_agg_unknown(res, &g, &u);
			}
			continue;
		}
		if (e)
			nfound++;
		for (unsigned org = 1; org <= REACH_FROM_PEERING; org <<= 1) {
			if (!(origins & org))
				continue;
			struct rz_agg g;
			rz_agg_begin(&g, res);
			g.nunk0 = res->nunk;
			if (!running) {
				block_simple(
				    c, &g, ST_RUNNING, inst, e, org, MM_AF_NONE,
				    "INSTANCE_NOT_RUNNING", inst->r.id, "instance",
				    arena_printf(&c->a, "instance '%s' is '%s', not running",
						 inst->r.id, inst->state ? inst->state : "unknown"),
				    rz_loc(c, &inst->r.loc), NULL, 0);
				rz_agg_end(c, res, &g);
			} else if (!e) {
				unknown_push(
				    res, &g, inst, NULL, org, MM_AF_NONE, "network-interface",
				    "the instance has no network interface in the snapshot");
			} else if (org == REACH_FROM_INTERNET) {
				eval_internet(c, o, res, inst, e);
			} else {
				eval_peering(c, o, res, inst, e);
			}
		}
		if (e && running)
			res->enis++;
	}
}

/* ---- ordering ---- */

static int scmp(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a)
		return -1;
	if (!b)
		return 1;
	return strcmp(a, b);
}

static int prank(int p)
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

static int exp_cmp(const void *pa, const void *pb)
{
	const struct reach_exposure *a = pa, *b = pb;
	int r;
	if ((r = scmp(a->resource, b->resource)) || (r = scmp(a->eni, b->eni)))
		return r;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->origin != b->origin)
		return a->origin < b->origin ? -1 : 1;
	if ((r = scmp(a->gateway, b->gateway)) || (r = scmp(a->entry_id, b->entry_id)))
		return r;
	if (a->entry_port != b->entry_port)
		return a->entry_port < b->entry_port ? -1 : 1;
	if ((r = scmp(a->address, b->address)))
		return r;
	if (prank(a->proto) != prank(b->proto))
		return prank(a->proto) < prank(b->proto) ? -1 : 1;
	mm_u128 x = a->nports ? a->ports[0].lo : 0, y = b->nports ? b->ports[0].lo : 0;
	if (x != y)
		return x < y ? -1 : 1;
	x = a->nsrc ? a->src[0].lo : 0;
	y = b->nsrc ? b->src[0].lo : 0;
	return x < y ? -1 : x > y;
}

static int blk_cmp(const void *pa, const void *pb)
{
	const struct reach_block *a = pa, *b = pb;
	int r;
	if ((r = scmp(a->resource, b->resource)) || (r = scmp(a->eni, b->eni)))
		return r;
	if (a->origin != b->origin)
		return a->origin < b->origin ? -1 : 1;
	/* the direct path first, then load balancers */
	if ((r = scmp(a->entry_id, b->entry_id)))
		return r;
	if (a->entry_port != b->entry_port)
		return a->entry_port < b->entry_port ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return scmp(a->code, b->code);
}

static int unk_cmp(const void *pa, const void *pb)
{
	const struct reach_unknown *a = pa, *b = pb;
	int r;
	if ((r = scmp(a->resource, b->resource)) || (r = scmp(a->eni, b->eni)))
		return r;
	if (a->origin != b->origin)
		return a->origin < b->origin ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return scmp(a->reason, b->reason);
}

int reach_eval(struct reach_ctx *c, const struct reach_opts *o, struct reach_result *res,
	       struct mm_err *e)
{
	struct mm_model *m = c->m;
	struct reach_opts def = REACH_OPTS_INIT;
	if (!o)
		o = &def;
	if (o->instance && !mm_find_instance(m, o->instance))
		return mm_err_set(e, MM_ENOTFOUND, "no instance '%s' in the snapshot", o->instance);
	c->family_blocks = o->family_blocks;
	if (o->instance) {
		eval_instance(c, o, res, mm_find_instance(m, o->instance));
	} else {
		for (size_t i = 0; i < m->ninstances; i++)
			if (m->instances[i].r.id)
				eval_instance(c, o, res, &m->instances[i]);
	}
	unsigned origins = o->origins ? o->origins : REACH_FROM_ALL;
	if (!o->no_load_balancers && (origins & REACH_FROM_INTERNET))
		rz_eval_lbs(c, o, res);
	if (res->nexp)
		mm_qsort(res->exp, res->nexp, sizeof(*res->exp), exp_cmp);
	if (res->nblk)
		mm_qsort(res->blk, res->nblk, sizeof(*res->blk), blk_cmp);
	if (res->nunk)
		mm_qsort(res->unk, res->nunk, sizeof(*res->unk), unk_cmp);
	res->memo_hits = c->hits;
	res->memo_misses = c->misses;
	return 0;
}

static bool fam_applies(enum mm_family have, enum mm_family want)
{
	return want == MM_AF_NONE || have == MM_AF_NONE || have == want;
}

/* The first interface of the instance, when none has an address of fam but
 * one has an address of the other family (see agg_end_present()). */
static const struct mm_eni *absent_eni(struct reach_ctx *c, const char *instance_id,
				       enum mm_family fam)
{
	const struct mm_instance *inst = mm_find_instance(c->m, instance_id);
	const struct mm_eni *first = NULL;
	for (size_t i = 0; inst && i < inst->nenis; i++) {
		const struct mm_eni *e = mm_find_eni(c->m, inst->enis[i]);
		if (!e)
			continue;
		unsigned present = eni_families(inst, e);
		if (present & 1u << fam_slot(fam) || !present)
			return NULL;
		if (!first)
			first = e;
	}
	return first;
}

int reach_port_verdict_family(struct reach_ctx *c, const char *instance_id, enum mm_family fam,
			      int proto, int port, struct reach_verdict *v, struct mm_err *e)
{
	struct reach_opts o = REACH_OPTS_INIT;
	struct reach_result res = { 0 };
	memset(v, 0, sizeof(*v));
	o.origins = REACH_FROM_INTERNET;
	o.instance = instance_id;
	o.proto = proto;
	o.port = port;
	o.family_blocks = true;
	int r = reach_eval(c, &o, &res, e);
	if (r)
		return r;
	const struct reach_exposure *x = NULL;
	const struct reach_unknown *u = NULL;
	const struct reach_block *b = NULL;
	const struct mm_eni *e0;
	for (size_t i = 0; i < res.nexp && !x; i++)
		if (fam_applies(res.exp[i].family, fam))
			x = &res.exp[i];
	for (size_t i = 0; i < res.nunk && !u; i++)
		if (fam_applies(res.unk[i].family, fam))
			u = &res.unk[i];
	for (size_t i = 0; i < res.nblk && !b; i++)
		if (fam_applies(res.blk[i].family, fam))
			b = &res.blk[i];
	if (x) {
		v->state = 1;
		v->family = x->family;
		v->via = x->entry_id ? x->entry_id : x->gateway;
		v->component = x->eni;
		v->detail = arena_printf(&c->a, "reachable from %s through '%s'",
					 rz_iv_desc(c, x->family, x->src, x->nsrc), v->via);
	} else if (u) {
		v->state = -1;
		v->family = u->family;
		v->component = u->component;
		v->detail = u->reason;
	} else if (b) {
		v->state = 0;
		v->family = b->family;
		v->code = b->code;
		v->component = b->component;
		v->detail = b->detail;
	} else if (fam != MM_AF_NONE && (e0 = absent_eni(c, instance_id, fam))) {
		/* no block is reported for a family the interface has no
		 * address of, but the port is certainly not reachable over it */
		v->state = 0;
		v->family = fam;
		v->code = "NO_PUBLIC_ADDRESS";
		v->component = e0->r.id;
		v->detail = arena_printf(&c->a, "interface '%s' has no %s address", e0->r.id,
					 fam_word(fam));
	} else {
		v->state = -1;
		v->family = fam;
		v->detail = "the instance has no network interface to evaluate";
	}
	reach_result_release(&res);
	return 0;
}

int reach_port_verdict(struct reach_ctx *c, const char *instance_id, int proto, int port,
		       struct reach_verdict *v, struct mm_err *e)
{
	return reach_port_verdict_family(c, instance_id, MM_AF_NONE, proto, port, v, e);
}

const char *rz_iv_desc(struct reach_ctx *c, enum mm_family fam, const struct mm_iv *v, size_t n)
{
	struct ivset s = IVSET_INIT;
	for (size_t i = 0; i < n; i++)
		ivset_add(&s, v[i].lo, v[i].hi);
	const char *d = rz_set_desc(c, fam, &s);
	ivset_release(&s);
	return d;
}

const char *reach_next_resource(const struct reach_result *r, size_t ie, size_t ib, size_t iu)
{
	const char *m = NULL;
	if (ie < r->nexp)
		m = r->exp[ie].resource;
	if (ib < r->nblk && (!m || strcmp(r->blk[ib].resource, m) < 0))
		m = r->blk[ib].resource;
	if (iu < r->nunk && (!m || strcmp(r->unk[iu].resource, m) < 0))
		m = r->unk[iu].resource;
	return m;
}
