/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loader extractors for Elastic Load Balancing: elbv2 load balancers,
 * listeners and target groups, target health, and classic ELBs (whose
 * listeners and registered instances come inline).
 *
 * describe-listeners and describe-target-health outputs belong to a load
 * balancer or target group that may be described in another file (or in
 * Batfish's wrapper shapes), so their records wait in struct ld_pending and
 * load.c links them once every file has been read.
 */
#include <string.h>

#include "aws/load-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

void ld_lbs(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *lr = ld_rec(f, v, i);
		if (!lr)
			continue;
		ld_begin(f);
		struct mm_lb b;
		memset(&b, 0, sizeof(b));
		const char *arn = ld_str(f, lr, "LoadBalancerArn");
		const char *acc, *reg;
		ld_arn_scope(f, arn, &acc, &reg);
		ld_res(f, &b.r, lr, arn, ld_ptr_idx(f, base, i), acc, reg, MM_K_LBS);
		b.r.arn = arn;
		b.name = ld_str(f, lr, "LoadBalancerName");
		b.type = ld_str(f, lr, "Type");
		b.scheme = ld_str(f, lr, "Scheme");
		b.vpc_id = ld_str(f, lr, "VpcId");
		const struct json *st = ld_obj(f, lr, "State");
		b.state = st ? ld_str(f, st, "Code") : NULL;
		b.subnets = ld_strs(f, ld_arr(f, lr, "AvailabilityZones"), "SubnetId", &b.nsubnets);
		b.groups = ld_strs(f, ld_arr(f, lr, "SecurityGroups"), NULL, &b.ngroups);
		if (ld_keep(f, &b.r, MM_K_LBS))
			LD_PUSH(f->m, lbs, b);
	}
}

void ld_classic_lbs(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	struct arena *a = &f->m->arena;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *lr = ld_rec(f, v, i);
		if (!lr)
			continue;
		ld_begin(f);
		struct mm_lb b;
		memset(&b, 0, sizeof(b));
		const char *ptr = ld_ptr_idx(f, base, i);
		const char *reg = NULL;
		const struct json *azs = ld_arr(f, lr, "AvailabilityZones");
		if (azs && azs->n)
			reg = ld_az_region(f, json_as_str(&azs->u.items[0]));
		b.name = ld_str(f, lr, "LoadBalancerName");
		ld_res(f, &b.r, lr, b.name, ptr, NULL, reg, MM_K_CLASSIC_LBS);
		b.classic = true;
		b.type = "classic";
		b.scheme = ld_str(f, lr, "Scheme");
		b.vpc_id = ld_str(f, lr, "VPCId");
		if (!b.vpc_id)
			b.vpc_id = ld_str(f, lr, "VpcId");
		b.subnets = ld_strs(f, ld_arr(f, lr, "Subnets"), NULL, &b.nsubnets);
		b.groups = ld_strs(f, ld_arr(f, lr, "SecurityGroups"), NULL, &b.ngroups);
		b.instances = ld_strs(f, ld_arr(f, lr, "Instances"), "InstanceId", &b.ninstances);
		const struct json *ls = ld_arr(f, lr, "ListenerDescriptions");
		b.have_listeners = ls != NULL;
		if (ls && ls->n) {
			const char *lb = ld_ptr_key(f, ptr, "ListenerDescriptions");
			b.listeners = arena_calloc(a, ls->n, sizeof(*b.listeners));
			for (uint32_t j = 0; j < ls->n; j++) {
				const struct json *d = &ls->u.items[j];
				const struct json *l =
				    d->type == JSON_OBJECT ? ld_obj(f, d, "Listener") : NULL;
				if (!l) {
					if (d->type != JSON_OBJECT)
						ld_bad(f, "ListenerDescriptions");
					continue;
				}
				struct mm_lb_listener *x = &b.listeners[b.nlisteners++];
				long long p;
				x->protocol = ld_str(f, l, "Protocol");
				if (ld_int(f, l, "LoadBalancerPort", &p) == 0 && p >= 0 &&
				    p <= 65535)
					x->port = (int)p;
				x->instance_protocol = ld_str(f, l, "InstanceProtocol");
				if (ld_int(f, l, "InstancePort", &p) == 0 && p >= 0 && p <= 65535)
					x->instance_port = (int)p;
				x->loc = ld_loc(f, ld_ptr_idx(f, lb, j));
			}
		}
		if (ld_keep(f, &b.r, MM_K_CLASSIC_LBS))
			LD_PUSH(f->m, lbs, b);
	}
}

/* forward actions: TargetGroupArn, or ForwardConfig.TargetGroups[] */
static void forward_tgs(struct ld_file *f, const struct json *l, struct mm_lb_listener *x)
{
	const struct json *acts = ld_arr(f, l, "DefaultActions");
	if (!acts || !acts->n)
		return;
	size_t cap = 0;
	for (uint32_t i = 0; i < acts->n; i++) {
		const struct json *fc = ld_get(&acts->u.items[i], "ForwardConfig");
		cap += 1 + json_len(ld_get(fc, "TargetGroups"));
	}
	x->target_groups = arena_calloc(&f->m->arena, cap, sizeof(char *));
	for (uint32_t i = 0; i < acts->n; i++) {
		const struct json *a = &acts->u.items[i];
		if (a->type != JSON_OBJECT) {
			ld_bad(f, "DefaultActions");
			continue;
		}
		const char *type = ld_str(f, a, "Type");
		if (type && strcmp(type, "forward"))
			continue;
		const char *tg = ld_str(f, a, "TargetGroupArn");
		bool seen = false;
		if (tg)
			x->target_groups[x->ntg++] = tg;
		const struct json *fc = ld_obj(f, a, "ForwardConfig");
		const struct json *tgs = fc ? ld_arr(f, fc, "TargetGroups") : NULL;
		for (uint32_t j = 0; tgs && j < tgs->n; j++) {
			const char *t = ld_sget(&tgs->u.items[j], "TargetGroupArn");
			seen = false;
			for (size_t k = 0; t && k < x->ntg; k++)
				if (!strcmp(x->target_groups[k], t))
					seen = true;
			if (t && !seen)
				x->target_groups[x->ntg++] = t;
		}
	}
}

/* Queue the listeners of one load balancer (lb_arn NULL: each listener names
 * its own). */
static void queue_listeners(struct ld_file *f, const struct json *v, const char *ptr,
			    const char *lb_arn)
{
	struct mm_model *m = f->m;
	struct ld_pending *p = ld_pending(m);
	struct ld_listeners *cur = NULL;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *l = ld_rec(f, v, i);
		if (!l)
			continue;
		ld_begin(f);
		struct mm_lb_listener x;
		memset(&x, 0, sizeof(x));
		x.arn = ld_str(f, l, "ListenerArn");
		x.protocol = ld_str(f, l, "Protocol");
		long long port;
		if (ld_int(f, l, "Port", &port) == 0 && port >= 0 && port <= 65535)
			x.port = (int)port;
		forward_tgs(f, l, &x);
		x.loc = ld_loc(f, ld_ptr_idx(f, ptr, i));
		const char *owner = ld_str(f, l, "LoadBalancerArn");
		if (!owner)
			owner = lb_arn;
		if (f->bad || !owner) {
			ld_skip(f, l, f->bad ? f->bad_why : "missing LoadBalancerArn");
			continue;
		}
		if (!cur || strcmp(cur->lb_arn, owner)) {
			cur = arena_alloc(&m->arena, sizeof(*cur));
			cur->lb_arn = owner;
			cur->file = f->file;
			cur->off = (long long)l->off;
			cur->v = arena_calloc(&m->arena, v->n, sizeof(*cur->v));
			cur->next = p->listeners;
			p->listeners = cur;
		}
		cur->v[cur->n++] = x;
	}
	if (!v->n && lb_arn) {
		/* an empty list for a named load balancer: it has no listeners */
		cur = arena_alloc(&m->arena, sizeof(*cur));
		cur->lb_arn = lb_arn;
		cur->file = f->file;
		cur->off = (long long)v->off;
		cur->next = p->listeners;
		p->listeners = cur;
	}
}

void ld_listeners(struct ld_file *f, const struct json *v, const char *key)
{
	queue_listeners(f, v, ld_ptr_key(f, "", key), ld_sget(f->root, "LoadBalancerArn"));
}

void ld_listener_wrapper(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *w = ld_rec(f, v, i);
		if (!w)
			continue;
		const struct json *ls = ld_get(w, "Listeners");
		const char *arn = ld_sget(w, "LoadBalancerArn");
		if (!ls || ls->type != JSON_ARRAY) {
			ld_skip(f, w, "Listeners is not an array");
			continue;
		}
		queue_listeners(f, ls, ld_ptr_key(f, ld_ptr_idx(f, base, i), "Listeners"), arn);
	}
}

void ld_tgs(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *tr = ld_rec(f, v, i);
		if (!tr)
			continue;
		ld_begin(f);
		struct mm_tg t;
		memset(&t, 0, sizeof(t));
		const char *arn = ld_str(f, tr, "TargetGroupArn");
		const char *acc, *reg;
		ld_arn_scope(f, arn, &acc, &reg);
		ld_res(f, &t.r, tr, arn, ld_ptr_idx(f, base, i), acc, reg, MM_K_TGS);
		t.r.arn = arn;
		t.name = ld_str(f, tr, "TargetGroupName");
		t.protocol = ld_str(f, tr, "Protocol");
		t.vpc_id = ld_str(f, tr, "VpcId");
		t.target_type = ld_str(f, tr, "TargetType");
		long long port;
		if (ld_int(f, tr, "Port", &port) == 0 && port >= 0 && port <= 65535)
			t.port = (int)port;
		t.lbs = ld_strs(f, ld_arr(f, tr, "LoadBalancerArns"), NULL, &t.nlbs);
		if (ld_keep(f, &t.r, MM_K_TGS))
			LD_PUSH(f->m, tgs, t);
	}
}

static void queue_health(struct ld_file *f, const struct json *v, const char *ptr,
			 const char *tg_arn, long long off)
{
	struct mm_model *m = f->m;
	struct ld_health *h = arena_alloc(&m->arena, sizeof(*h));
	h->tg_arn = tg_arn;
	h->stem = f->stem;
	h->file = f->file;
	h->off = off;
	h->v = arena_calloc(&m->arena, v->n ? v->n : 1, sizeof(*h->v));
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *d = ld_rec(f, v, i);
		if (!d)
			continue;
		ld_begin(f);
		const struct json *t = ld_obj(f, d, "Target");
		struct mm_tg_target x;
		memset(&x, 0, sizeof(x));
		x.id = t ? ld_str(f, t, "Id") : NULL;
		long long port;
		if (t && ld_int(f, t, "Port", &port) == 0 && port >= 0 && port <= 65535)
			x.port = (int)port;
		x.az = t ? ld_str(f, t, "AvailabilityZone") : NULL;
		const struct json *th = ld_obj(f, d, "TargetHealth");
		x.health = th ? ld_str(f, th, "State") : NULL;
		x.loc = ld_loc(f, ld_ptr_idx(f, ptr, i));
		if (f->bad || !x.id) {
			ld_skip(f, d, f->bad ? f->bad_why : "missing Target.Id");
			continue;
		}
		h->v[h->n++] = x;
	}
	struct ld_pending *p = ld_pending(m);
	h->next = p->health;
	p->health = h;
}

void ld_tg_health(struct ld_file *f, const struct json *v, const char *key)
{
	const char *arn = ld_sget(f->root, "TargetGroupArn");
	queue_health(f, v, ld_ptr_key(f, "", key), arn, (long long)v->off);
}

void ld_tg_health_wrapper(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *w = ld_rec(f, v, i);
		if (!w)
			continue;
		const struct json *ds = ld_get(w, "TargetHealthDescriptions");
		const char *arn = ld_sget(w, "TargetGroupArn");
		if (!ds || ds->type != JSON_ARRAY || !arn) {
			ld_skip(f, w,
				!arn ? "missing TargetGroupArn"
				     : "TargetHealthDescriptions is not an array");
			continue;
		}
		queue_health(f, ds,
			     ld_ptr_key(f, ld_ptr_idx(f, base, i), "TargetHealthDescriptions"), arn,
			     (long long)w->off);
	}
}
