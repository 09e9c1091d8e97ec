/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internet-facing load balancers as entries: a listener is reachable from the
 * internet sources that pass the policy of at least one of the balancer's
 * subnets (return route to the IGW, NACL, the balancer's security groups --
 * a network load balancer may have none). Each registered target of the
 * listener's target groups is then checked on the target port against its own
 * subnet's NACL and its security groups, with the balancer's private
 * addresses as the source (taken from the balancer's network interfaces when
 * the snapshot has them, else its subnets' CIDRs: an over-approximation the
 * exposure notes say), and a reference to the balancer's group admitting
 * them. A network load balancer preserves client addresses for instance
 * targets, so those targets are checked against the internet sources
 * themselves.
 */
#include "reach-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/wrapper.h"
#include "base/banned.h"

static int listener_proto(const char *p)
{
	if (p && (!strcasecmp(p, "UDP")))
		return MM_PROTO_UDP;
	return MM_PROTO_TCP;
}

/* The balancer's own network interfaces ("ELB app/name/id", "ELB name"). */
static void lb_node_addrs(struct reach_ctx *c, const struct mm_lb *lb, struct ivset *out)
{
	const char *tail = NULL;
	if (lb->classic) {
		tail = lb->name;
	} else if (lb->r.id) {
		const char *p = strstr(lb->r.id, ":loadbalancer/");
		tail = p ? p + strlen(":loadbalancer/") : NULL;
	}
	if (!tail || !*tail)
		return;
	const struct rz_list *l = rz_index(&c->elb_enis, tail);
	for (size_t i = 0; l && i < l->nr; i++) {
		const struct mm_eni *e = l->v[i];
		for (size_t k = 0; k < e->nips; k++) {
			enum mm_family f;
			mm_u128 a;
			if (e->ips[k].private_ip && !mm_addr_parse(e->ips[k].private_ip, &f, &a) &&
			    f == MM_AF_INET)
				ivset_add(out, a, a);
		}
	}
}

static const struct mm_eni *target_eni(struct reach_ctx *c, const char *id,
				       const struct mm_instance **inst)
{
	*inst = NULL;
	if (!id)
		return NULL;
	if (!strncmp(id, "i-", 2)) {
		*inst = mm_find_instance(c->m, id);
		if (!*inst || !(*inst)->nenis)
			return NULL;
		return mm_find_eni(c->m, (*inst)->enis[0]);
	}
	const struct mm_eni *e = hmap_get(&c->eni_of_ip, id);
	if (e && e->instance_id)
		*inst = mm_find_instance(c->m, e->instance_id);
	return e;
}

struct lbside {
	struct ivset *src;	  /* internet sources reaching the listener */
	const struct rz_box *box; /* evidence from the first passing subnet */
	const char *subnet;	  /* that subnet */
};

static void lb_block(struct reach_ctx *c, struct reach_result *res, struct rz_agg *g,
		     const struct mm_lb *lb, int port, const char *code, const char *component,
		     const char *detail, const char *evidence)
{
	struct reach_block b = { 0 };
	b.resource = lb->r.id;
	b.origin = REACH_FROM_INTERNET;
	b.family = MM_AF_INET;
	b.entry_id = lb->r.id;
	b.entry_port = port;
	b.code = code;
	b.component = component;
	b.detail = detail;
	b.evidence = evidence;
	struct reach_hop h = rz_hop(component, "load-balancer", NULL, "deny", detail, evidence);
	rz_agg_block(c, g, ST_IGW, &b, NULL, 0, &h, 1);
	(void)res;
}

static void lb_unknown(struct reach_result *res, struct rz_agg *g, const struct mm_lb *lb,
		       const char *component, const char *reason)
{
	struct reach_unknown u = { lb->r.id,   NULL,	  REACH_FROM_INTERNET,
				   MM_AF_INET, component, reason };
	rz_agg_unknown(res, g, &u);
}

static void eval_target(struct reach_ctx *c, const struct reach_opts *o, struct reach_result *res,
			const struct mm_lb *lb, const struct mm_lb_listener *L,
			const struct mm_igw *igw, const struct lbside *side,
			const struct ivset *nodes, bool nodes_exact, const char *tg_id,
			const struct mm_tg_target *t, int tport, const struct reach_hop *tg_hop)
{
	const struct mm_instance *inst;
	const struct mm_eni *e = target_eni(c, t ? t->id : NULL, &inst);
	if (!inst || !inst->r.id)
		return; /* IP outside the snapshot, lambda, another balancer */
	if (o->instance && strcmp(o->instance, inst->r.id))
		return;
	if (o->port >= 0 && tport != o->port)
		return;
	if (!inst->state || strcmp(inst->state, "running"))
		return; /* the instance's own entry says it is not running */
	int proto = listener_proto(L->protocol);
	if (o->proto != MM_PROTO_BAD && o->proto != proto)
		return;
	bool nlb = lb->type && !strcmp(lb->type, "network");
	bool preserve = nlb && (!strncmp(t->id, "i-", 2) || proto == MM_PROTO_UDP);
	struct rz_agg g;
	rz_agg_begin(&g, res);
	if (!e) {
		struct reach_unknown u = {
			inst->r.id,	     NULL,
			REACH_FROM_INTERNET, MM_AF_INET,
			"network-interface", "the target's network interface is not in the snapshot"
		};
		rz_agg_unknown(res, &g, &u);
		return;
	}
	if (!preserve && ivset_empty(nodes)) {
		struct reach_unknown u = {
			inst->r.id,
			e->r.id,
			REACH_FROM_INTERNET,
			MM_AF_INET,
			lb->r.id,
			"neither the balancer's network interfaces nor its subnets "
			"are in the snapshot, so the source of its traffic to "
			"targets is unknown"
		};
		rz_agg_unknown(res, &g, &u);
		return;
	}
	struct rz_in in = { 0 };
	in.fam = MM_AF_INET;
	if (preserve) {
		in.origin = side->src;
		in.origin_key = arena_printf(&c->a, "lb-clients:%s:%d", lb->r.id, L->port);
		in.origin_desc = arena_printf(&c->a,
					      "internet clients of '%s' (client addresses "
					      "preserved)",
					      lb->name ? lb->name : lb->r.id);
	} else {
		in.origin = nodes;
		in.origin_key = arena_printf(&c->a, "lb-nodes:%s", lb->r.id);
		in.origin_desc = arena_printf(&c->a, "load balancer '%s' private addresses",
					      lb->name ? lb->name : lb->r.id);
	}
	in.route_mode = RZ_ROUTE_NONE;
	rz_subnet_policy(c, &e->r, e->subnet_id, e->vpc_id, &in);
	in.sgs = rz_groups(c, &e->r, e->groups, e->ngroups, &in.nsgs, &in.sg_missing);
	in.sg_refs = true;
	in.lb_groups = lb->groups;
	in.nlb_groups = lb->ngroups;
	in.proto = proto;
	in.port = tport;
	const struct rz_out *out = rz_eval(c, &in);
	const char *lbname = lb->name ? lb->name : lb->r.id;
	const char *dns = lb->r.raw ? json_str(lb->r.raw, "DNSName") : NULL;
	struct reach_hop igw_hop =
	    rz_hop(igw->r.id, "internet-gateway", NULL, "admit",
		   arena_printf(&c->a, "internet gateway attached to vpc '%s'", lb->vpc_id),
		   rz_loc(c, &igw->r.loc));
	struct reach_hop lst = rz_hop(
	    L->arn ? L->arn : lb->r.id, "load-balancer-listener",
	    arena_printf(&c->a, "%s:%d", L->protocol ? L->protocol : "TCP", L->port), "forward",
	    arena_printf(&c->a,
			 "internet-facing %s load balancer '%s' listens on %d in subnet '%s'",
			 lb->type ? lb->type : "classic", lbname, L->port, side->subnet),
	    rz_loc(c, &L->loc));
	struct hopvec_l {
		struct reach_hop v[64];
		size_t n;
	} pre = { .n = 0 };
	pre.v[pre.n++] = igw_hop;
	for (size_t i = 0; side->box && i < side->box->nfwd && pre.n < 60; i++) {
		pre.v[pre.n] = side->box->fwd[i];
		pre.v[pre.n].detail =
		    arena_printf(&c->a, "at the load balancer: %s", side->box->fwd[i].detail);
		pre.n++;
	}
	pre.v[pre.n++] = lst;
	if (tg_hop)
		pre.v[pre.n++] = *tg_hop;
	if (out->stage != ST_DONE) {
		if (out->unknown) {
			struct reach_unknown u = {
				inst->r.id,
				e->r.id,
				REACH_FROM_INTERNET,
				MM_AF_INET,
				out->component,
				arena_printf(&c->a, "through load balancer '%s': %s", lbname, out->detail)
			};
			rz_agg_unknown(res, &g, &u);
			return;
		}
		struct reach_block b = { 0 };
		b.resource = inst->r.id;
		b.eni = e->r.id;
		b.origin = REACH_FROM_INTERNET;
		b.family = MM_AF_INET;
		b.entry_id = lb->r.id;
		b.entry_port = L->port;
		b.code = out->code;
		b.component = out->component;
		b.detail = arena_printf(&c->a,
					"from load balancer '%s' listener %d to target port "
					"%d: %s",
					lbname, L->port, tport, out->detail);
		b.evidence = out->evidence;
		rz_agg_block(c, &g, ST_TARGET, &b, pre.v, pre.n, out->path, out->npath);
		rz_agg_end(c, res, &g);
		return;
	}
	size_t n;
	struct reach_hop *prev = rz_hops_cat(c, &n, pre.v, pre.n, NULL, 0, NULL, 0);
	struct reach_hop *post = arena_calloc(&c->a, 1, sizeof(*post));
	post[0] = rz_hop(e->r.id, "network-interface", NULL, "admit",
			 arena_printf(&c->a, "interface of target '%s' in subnet '%s', port %d",
				      inst->r.id, e->subnet_id ? e->subnet_id : "?", tport),
			 rz_loc(c, &e->r.loc));
	struct reach_hop *rpost = NULL;
	size_t nrpost = 0;
	if (side->box) {
		rpost =
		    rz_hops_cat(c, &nrpost, side->box->ret, side->box->nret, &igw_hop, 1, NULL, 0);
		for (size_t i = 0; i < side->box->nret; i++)
			rpost[i].detail =
			    arena_printf(&c->a, "at the load balancer: %s", rpost[i].detail);
	}
	struct rz_expo x = { 0 };
	x.resource = inst->r.id;
	x.eni = e->r.id;
	x.address = dns ? dns : lbname;
	x.fam = MM_AF_INET;
	x.origin = REACH_FROM_INTERNET;
	x.gateway = igw->r.id;
	x.entry_id = lb->r.id;
	x.entry_port = L->port;
	x.pre = prev;
	x.npre = n;
	x.post = post;
	x.npost = 1;
	x.rpost = rpost;
	x.nrpost = nrpost;
	size_t nsrc;
	if (!preserve) {
		x.src = rz_iv_dup(c, side->src, &nsrc);
		x.nsrc = nsrc;
	}
	const char **notes = arena_calloc(&c->a, 3, sizeof(*notes));
	size_t nn = 0;
	notes[nn++] = arena_printf(&c->a,
				   "through load balancer '%s' listener %s:%d, target group '%s', "
				   "target port %d",
				   lbname, L->protocol ? L->protocol : "TCP", L->port,
				   tg_id ? tg_id : "(classic)", tport);
	if (!preserve && !nodes_exact)
		notes[nn++] =
		    arena_printf(&c->a,
				 "the balancer's network interfaces are not in the "
				 "snapshot: its private addresses are over-approximated by "
				 "its subnets' cidrs (%s)",
				 rz_set_desc(c, MM_AF_INET, nodes));
	if (preserve)
		notes[nn++] = "a network load balancer preserves client addresses for this target: "
			      "the target's rules were checked against the internet sources";
	x.notes = notes;
	x.nnotes = nn;
	rz_push_exposures(c, res, &g, &x, out);
	rz_agg_end(c, res, &g);
}

static void eval_listener(struct reach_ctx *c, const struct reach_opts *o, struct reach_result *res,
			  const struct mm_lb *lb, const struct mm_lb_listener *L,
			  const struct mm_igw *igw, const struct ivset *nodes, bool nodes_exact)
{
	struct mm_model *m = c->m;
	int proto = listener_proto(L->protocol);
	bool nlb = lb->type && !strcmp(lb->type, "network");
	struct rz_agg g;
	rz_agg_begin(&g, res);
	struct lbside side = { 0 };
	side.src = rz_owned_ivset(c);
	const char *missing = NULL;
	size_t nsgs = 0;
	const struct mm_sg **sgs = rz_groups(c, &lb->r, lb->groups, lb->ngroups, &nsgs, &missing);
	for (size_t i = 0; i < lb->nsubnets; i++) {
		struct rz_in in = { 0 };
		in.fam = MM_AF_INET;
		in.origin = mm_internet_ranges(MM_AF_INET);
		in.origin_key = "internet";
		in.origin_desc = "any internet address";
		in.route_mode = RZ_ROUTE_GW;
		in.gw_kind = MM_TGT_IGW;
		in.gw_id = igw->r.id;
		rz_subnet_policy(c, &lb->r, lb->subnets[i], lb->vpc_id, &in);
		in.no_sg = nlb && !lb->ngroups;
		in.sgs = sgs;
		in.nsgs = nsgs;
		in.sg_missing = missing;
		in.proto = proto;
		in.port = L->port;
		const struct rz_out *out = rz_eval(c, &in);
		if (out->stage != ST_DONE) {
			if (o->instance)
				continue; /* balancer-level entries only in full runs */
			if (out->unknown) {
				lb_unknown(res, &g, lb, out->component, out->detail);
				continue;
			}
			struct reach_block b = { 0 };
			b.resource = lb->r.id;
			b.origin = REACH_FROM_INTERNET;
			b.family = MM_AF_INET;
			b.entry_id = lb->r.id;
			b.entry_port = L->port;
			b.code = out->code;
			b.component = out->component;
			b.detail = arena_printf(&c->a, "listener %d in subnet '%s': %s", L->port,
						lb->subnets[i], out->detail);
			b.evidence = out->evidence;
			rz_agg_block(c, &g, out->stage, &b, NULL, 0, out->path, out->npath);
			continue;
		}
		for (size_t k = 0; k < out->nboxes; k++) {
			struct ivset t = IVSET_INIT;
			for (size_t q = 0; q < out->boxes[k].nsrc; q++)
				ivset_add(&t, out->boxes[k].src[q].lo, out->boxes[k].src[q].hi);
			ivset_union(side.src, &t);
			ivset_release(&t);
		}
		if (!side.box && out->nboxes) {
			side.box = &out->boxes[0];
			side.subnet = lb->subnets[i];
		}
	}
	if (ivset_empty(side.src)) {
		if (o->instance)
			return;
		if (!lb->nsubnets)
			lb_unknown(res, &g, lb, "load-balancer",
				   "the load balancer's subnets are not in the snapshot");
		rz_agg_end(c, res, &g);
		return;
	}

	/* a reachable listener is not itself an exposure of an instance */
	if (lb->classic) {
		for (size_t i = 0; i < lb->ninstances; i++) {
			struct mm_tg_target t = { 0 };
			t.id = lb->instances[i];
			t.port = L->instance_port;
			t.loc = L->loc;
			struct reach_hop th = rz_hop(
			    lb->r.id, "load-balancer",
			    arena_printf(&c->a, "instance port %d", L->instance_port), "forward",
			    arena_printf(&c->a,
					 "classic load balancer '%s' forwards to registered "
					 "instance '%s'",
					 lb->name ? lb->name : lb->r.id, t.id),
			    rz_loc(c, &lb->r.loc));
			eval_target(c, o, res, lb, L, igw, &side, nodes, nodes_exact, NULL, &t,
				    L->instance_port, &th);
		}
		return;
	}
	for (size_t k = 0; k < L->ntg; k++) {
		const struct mm_tg *tg = mm_find_tg(m, L->target_groups[k]);
		if (!tg || !tg->have_targets) {
			struct reach_unknown u = {
				lb->r.id,
				NULL,
				REACH_FROM_INTERNET,
				MM_AF_INET,
				L->target_groups[k],
				tg ? arena_printf(&c->a,
						  "targets of target group '%s' are not in the "
						  "snapshot (elbv2 describe-target-health)",
						  L->target_groups[k])
				   : arena_printf(&c->a,
						  "target group '%s' is not in the snapshot "
						  "(elbv2 describe-target-groups)",
						  L->target_groups[k])
			};
			if (!o->instance)
				rz_agg_unknown(res, &g, &u);
			continue;
		}
		for (size_t q = 0; q < tg->ntargets; q++) {
			const struct mm_tg_target *t = &tg->targets[q];
			int tport = t->port ? t->port : tg->port;
			struct reach_hop th = rz_hop(
			    tg->r.id, "target-group", arena_printf(&c->a, "port %d", tport),
			    "forward",
			    arena_printf(&c->a, "target group '%s' forwards to '%s' on port %d%s%s",
					 tg->name ? tg->name : tg->r.id, t->id ? t->id : "?", tport,
					 t->health ? ", health " : "", t->health ? t->health : ""),
			    rz_loc(c, &t->loc));
			eval_target(c, o, res, lb, L, igw, &side, nodes, nodes_exact, tg->r.id, t,
				    tport, &th);
		}
	}
}

void rz_eval_lbs(struct reach_ctx *c, const struct reach_opts *o, struct reach_result *res)
{
	struct mm_model *m = c->m;
	/* one instance: only the balancers it is registered with (by id or address) */
	const struct mm_lb **only = NULL;
	size_t nonly = 0;
	if (o->instance) {
		const struct mm_instance *inst = mm_find_instance(m, o->instance);
		only = xcalloc(64, sizeof(*only));
		const char *keys[17] = { o->instance };
		size_t nk = 1;
		for (size_t k = 0; inst && k < inst->nenis; k++) {
			const struct mm_eni *e = mm_find_eni(m, inst->enis[k]);
			for (size_t q = 0; e && q < e->nips && nk < 17; q++)
				keys[nk++] = e->ips[q].private_ip;
		}
		for (size_t k = 0; k < nk; k++) {
			const struct rz_list *l = rz_index(&c->lbs_of_target, keys[k]);
			for (size_t q = 0; l && q < l->nr && nonly < 64; q++) {
				bool dup = false;
				for (size_t z = 0; z < nonly; z++)
					dup |= only[z] == l->v[q];
				if (!dup)
					only[nonly++] = l->v[q];
			}
		}
	}
	size_t count = o->instance ? nonly : m->nlbs;
	for (size_t i = 0; i < count; i++) {
		const struct mm_lb *lb = o->instance ? only[i] : &m->lbs[i];
		if (!lb->r.id || !lb->scheme || strcmp(lb->scheme, "internet-facing"))
			continue;
		if (lb->type && !strcmp(lb->type, "gateway"))
			continue;
		if (lb->state && strcmp(lb->state, "active") &&
		    strcmp(lb->state, "active_impaired"))
			continue;
		if (!lb->vpc_id)
			continue;
		struct rz_agg g;
		rz_agg_begin(&g, res);
		bool quiet = o->instance != NULL; /* LB-level entries only in full runs */
		const struct mm_igw *detached = NULL;
		const char *att = NULL;
		const struct mm_igw *igw = rz_vpc_igw(c, lb->vpc_id, &detached, &att);
		if (!igw) {
			if (quiet)
				continue;
			if (!mm_have(m, &lb->r, MM_K_IGWS))
				lb_unknown(res, &g, lb, "internet-gateway",
					   "internet gateways are not in the snapshot "
					   "(ec2 describe-internet-gateways)");
			else
				lb_block(c, res, &g, lb, 0, "IGW_NOT_ATTACHED",
					 detached ? detached->r.id : lb->vpc_id,
					 arena_printf(&c->a,
						      "no internet gateway is attached to vpc '%s'",
						      lb->vpc_id),
					 detached ? rz_loc(c, &detached->r.loc) : NULL);
			rz_agg_end(c, res, &g);
			continue;
		}
		if (!lb->have_listeners && !lb->classic) {
			if (!quiet)
				lb_unknown(res, &g, lb, "load-balancer",
					   "listeners of the load balancer are not in the snapshot "
					   "(elbv2 describe-listeners)");
			continue;
		}
		struct ivset *nodes = rz_owned_ivset(c);
		lb_node_addrs(c, lb, nodes);
		bool exact = !ivset_empty(nodes);
		if (!exact)
			for (size_t k = 0; k < lb->nsubnets; k++) {
				const struct mm_subnet *s = mm_find_subnet(m, lb->subnets[k]);
				if (s && s->cidr.family == MM_AF_INET)
					ivset_add_cidr(nodes, &s->cidr);
			}
		for (size_t k = 0; k < lb->nlisteners; k++)
			eval_listener(c, o, res, lb, &lb->listeners[k], igw, nodes, exact);
	}
	free(only);
}
