/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exposure index: the reachability engine (src/reach) run once per posture
 * run, lazily (only when a check asks), over every instance and both origins
 * (internet and peering, load balancers included), and its results indexed
 * per instance and per network interface, so the checks can ask "can the
 * internet open these ports on this interface?" and "why not?" in constant
 * time per question however large the account is.
 *
 * reach_eval() returns its exposures, blocks and unknowns sorted by
 * (resource, interface, ...), so each instance and each interface owns one
 * contiguous slice of each array: the index stores those slices, never copies.
 */
#include "posture-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wrapper.h"
#include "base/banned.h"

/* Half-open index ranges into the three result arrays. */
struct pexp_slice {
	size_t e0, e1, b0, b1, u0, u1;
};

struct pexp {
	struct mm_model *m;
	struct reach_ctx *rc;	      /* NULL for pexp_wrap() */
	struct reach_result res;      /* owned results (pexp_ensure) */
	const struct reach_result *r; /* the results indexed: &res, or a caller's */
	struct arena a;		      /* slices */
	struct hmap by_inst;	      /* instance id -> struct pexp_slice */
	struct hmap by_eni;	      /* interface id -> struct pexp_slice */
	bool evaluated;		      /* pexp_ensure() ran */
	int err;		      /* its result */
	struct mm_err err_msg;	      /* when err < 0 */
};

struct pexp *pexp_new(struct mm_model *m)
{
	struct pexp *p = xcalloc(1, sizeof(*p));
	p->m = m;
	arena_init(&p->a);
	return p;
}

void pexp_free(struct pexp *p)
{
	if (!p)
		return;
	reach_result_release(&p->res);
	reach_free(p->rc);
	hmap_release(&p->by_inst);
	hmap_release(&p->by_eni);
	arena_release(&p->a);
	free(p);
}

static struct pexp_slice *slice_get(struct pexp *p, struct hmap *h, const char *key)
{
	struct pexp_slice *s = hmap_get(h, key);
	if (!s) {
		s = arena_alloc(&p->a, sizeof(*s));
		hmap_put(h, key, s);
	}
	return s;
}

/* Extend [*lo, *hi) to i; the input is sorted, so a key's entries are
 * contiguous and the first one sets lo. */
static void slice_add(size_t *lo, size_t *hi, size_t i)
{
	if (*lo == *hi)
		*lo = i;
	*hi = i + 1;
}

static void build_index(struct pexp *p)
{
	const struct reach_result *r = p->r;
	for (size_t i = 0; i < r->nexp; i++) {
		const struct reach_exposure *x = &r->exp[i];
		struct pexp_slice *s = slice_get(p, &p->by_inst, x->resource);
		slice_add(&s->e0, &s->e1, i);
		if (x->eni) {
			s = slice_get(p, &p->by_eni, x->eni);
			slice_add(&s->e0, &s->e1, i);
		}
	}
	for (size_t i = 0; i < r->nblk; i++) {
		const struct reach_block *b = &r->blk[i];
		struct pexp_slice *s = slice_get(p, &p->by_inst, b->resource);
		slice_add(&s->b0, &s->b1, i);
		if (b->eni) {
			s = slice_get(p, &p->by_eni, b->eni);
			slice_add(&s->b0, &s->b1, i);
		}
	}
	for (size_t i = 0; i < r->nunk; i++) {
		const struct reach_unknown *u = &r->unk[i];
		struct pexp_slice *s = slice_get(p, &p->by_inst, u->resource);
		slice_add(&s->u0, &s->u1, i);
		if (u->eni) {
			s = slice_get(p, &p->by_eni, u->eni);
			slice_add(&s->u0, &s->u1, i);
		}
	}
}

int pexp_ensure(struct pexp *p, struct mm_err *e)
{
	if (!p->evaluated) {
		p->evaluated = true;
		p->rc = reach_new(p->m);
		struct reach_opts o = REACH_OPTS_INIT;
		/* one block per family, so a rule is explained by the block
		 * of its own family */
		o.family_blocks = true;
		p->err = reach_eval(p->rc, &o, &p->res, &p->err_msg);
		p->r = &p->res;
		if (!p->err)
			build_index(p);
	}
	if (p->err < 0 && e)
		mm_err_set(e, p->err, "exposure analysis failed: %s", p->err_msg.msg);
	return p->err;
}

const struct reach_result *pexp_result(const struct pexp *p)
{
	return p->r;
}

bool pexp_take(struct pexp *p, struct reach_ctx **ctx, struct reach_result *res)
{
	if (!p || !p->evaluated || p->err < 0 || !p->rc)
		return false;
	*ctx = p->rc;
	*res = p->res;
	p->rc = NULL;
	memset(&p->res, 0, sizeof(p->res));
	p->r = res;
	return true;
}

struct pexp *pexp_wrap(struct mm_model *m, const struct reach_result *r)
{
	struct pexp *p = pexp_new(m);
	p->r = r;
	p->evaluated = true;
	build_index(p);
	return p;
}

int pexp_error(struct pexp *p, struct mm_err *e)
{
	return p && p->evaluated ? pexp_ensure(p, e) : 0;
}

static void view_of(const struct pexp *p, const struct pexp_slice *s, struct pexp_view *v)
{
	memset(v, 0, sizeof(*v));
	if (!s)
		return;
	/* an empty slice may belong to an empty (NULL) array: no arithmetic */
	v->nexp = s->e1 - s->e0;
	v->exp = v->nexp ? p->r->exp + s->e0 : NULL;
	v->nblk = s->b1 - s->b0;
	v->blk = v->nblk ? p->r->blk + s->b0 : NULL;
	v->nunk = s->u1 - s->u0;
	v->unk = v->nunk ? p->r->unk + s->u0 : NULL;
}

bool pexp_instance(struct pexp *p, const char *id, struct pexp_view *v)
{
	memset(v, 0, sizeof(*v));
	if (pexp_ensure(p, NULL) < 0 || !id)
		return false;
	const struct pexp_slice *s = hmap_get(&p->by_inst, id);
	view_of(p, s, v);
	return s != NULL;
}

bool pexp_eni(struct pexp *p, const char *id, struct pexp_view *v)
{
	memset(v, 0, sizeof(*v));
	if (pexp_ensure(p, NULL) < 0 || !id)
		return false;
	const struct pexp_slice *s = hmap_get(&p->by_eni, id);
	view_of(p, s, v);
	return s != NULL;
}

bool pexp_eni_detached(const struct mm_eni *eni)
{
	return !eni->instance_id && eni->status && !strcmp(eni->status, "available");
}

bool pexp_proto_match(int have, int want)
{
	if (want == MM_PROTO_ALL || have == MM_PROTO_ALL || have == want)
		return true;
	if (have == REACH_PROTO_OTHER)
		return want != MM_PROTO_TCP && want != MM_PROTO_UDP && want != MM_PROTO_ICMP &&
		       want != MM_PROTO_ICMPV6;
	return false;
}

bool pexp_ports_overlap(const struct reach_exposure *x, const struct ivset *ports)
{
	if (x->proto != MM_PROTO_TCP && x->proto != MM_PROTO_UDP)
		return true; /* all ports of that protocol */
	for (size_t i = 0; i < x->nports; i++)
		if (ivset_overlaps(ports, x->ports[i].lo, x->ports[i].hi))
			return true;
	return false;
}

static bool unk_applies(const struct reach_unknown *u, enum mm_family fam)
{
	return u->origin == REACH_FROM_INTERNET && (u->family == MM_AF_NONE || u->family == fam);
}

enum mm_tri pexp_reach(void *arg, const struct mm_model *m, const struct mm_eni *eni, int proto,
		       const struct ivset *ports, enum mm_family fam)
{
	struct pexp *p = arg;
	(void)m;
	struct pexp_view v;
	if (!pexp_eni(p, eni->r.id, &v))
		return pexp_eni_detached(eni) && p->err >= 0 ? MM_NO : MM_UNKNOWN;
	bool internet = false;
	for (size_t i = 0; i < v.nexp; i++) {
		const struct reach_exposure *x = &v.exp[i];
		if (x->origin != REACH_FROM_INTERNET)
			continue;
		internet = true;
		if (x->family == fam && pexp_proto_match(x->proto, proto) &&
		    (proto == MM_PROTO_ALL || !ports || pexp_ports_overlap(x, ports)))
			return MM_YES;
	}
	for (size_t i = 0; i < v.nunk; i++)
		if (unk_applies(&v.unk[i], fam))
			return MM_UNKNOWN;
	struct pexp_view iv;
	if (eni->instance_id && pexp_instance(p, eni->instance_id, &iv))
		for (size_t i = 0; i < iv.nunk; i++)
			if (!iv.unk[i].eni && unk_applies(&iv.unk[i], fam))
				return MM_UNKNOWN;
	for (size_t i = 0; i < v.nblk && !internet; i++)
		internet = v.blk[i].origin == REACH_FROM_INTERNET;
	return internet ? MM_NO : MM_UNKNOWN;
}

const struct reach_block *pexp_direct_block(const struct pexp_view *v, enum reach_origin org,
					    enum mm_family fam)
{
	for (size_t i = 0; i < v->nblk; i++) {
		const struct reach_block *b = &v->blk[i];
		if (b->origin == org && !b->entry_id &&
		    (fam == MM_AF_NONE || b->family == MM_AF_NONE || b->family == fam))
			return b;
	}
	return NULL;
}

const char *pexp_fam_word(enum mm_family f)
{
	return f == MM_AF_INET6 ? "IPv6" : f == MM_AF_INET ? "IPv4" : NULL;
}

void pexp_block_text(struct strbuf *sb, const struct reach_block *b)
{
	strbuf_addstr(sb, b->code ? b->code : "BLOCKED");
	if (b->family != MM_AF_NONE)
		strbuf_addf(sb, " (%s)", pexp_fam_word(b->family));
	if (b->component)
		strbuf_addf(sb, " at %s", b->component);
	if (b->detail)
		strbuf_addf(sb, ": %s", b->detail);
}

const char *pexp_why_not(struct pexp *p, struct arena *a, const struct mm_eni *eni,
			 enum mm_family fam)
{
	struct pexp_view v;
	if (!pexp_eni(p, eni->r.id, &v)) {
		if (pexp_eni_detached(eni))
			return arena_printf(a,
					    "interface %s is not attached to any instance (status "
					    "available)",
					    eni->r.id);
		return NULL;
	}
	const struct reach_block *b = pexp_direct_block(&v, REACH_FROM_INTERNET, fam);
	if (!b)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	pexp_block_text(&sb, b);
	const char *s = arena_strndup(a, sb.buf, sb.len);
	strbuf_release(&sb);
	return s;
}

const char *pexp_port_why(struct pexp *p, struct arena *a, const char *instance_id,
			  enum mm_family fam, int proto, int port, const char **code)
{
	struct reach_verdict v;
	struct mm_err e = { 0 };
	if (pexp_ensure(p, NULL) < 0 || !instance_id || !p->rc ||
	    reach_port_verdict_family(p->rc, instance_id, fam, proto, port, &v, &e) ||
	    v.state != 0 || !v.code)
		return NULL;
	if (code)
		*code = v.code;
	const char *fw = pexp_fam_word(v.family);
	return arena_printf(a, "%s%s%s%s at %s for %s %d: %s", v.code, fw ? " (" : "", fw ? fw : "",
			    fw ? ")" : "", v.component ? v.component : "?", mm_proto_name(proto),
			    port, v.detail ? v.detail : "");
}

const char *pexp_unknown_why(struct pexp *p, const struct mm_eni *eni, enum mm_family fam)
{
	struct pexp_view v;
	if (!pexp_eni(p, eni->r.id, &v)) {
		if (p->err < 0)
			return "the exposure analysis failed";
		return eni->instance_id ? "the interface was not evaluated"
					: "the interface does not belong to an instance, and only "
					  "instances are evaluated";
	}
	for (size_t i = 0; i < v.nunk; i++)
		if (unk_applies(&v.unk[i], fam))
			return v.unk[i].reason;
	struct pexp_view iv;
	if (eni->instance_id && pexp_instance(p, eni->instance_id, &iv))
		for (size_t i = 0; i < iv.nunk; i++)
			if (!iv.unk[i].eni && unk_applies(&iv.unk[i], fam))
				return iv.unk[i].reason;
	return NULL;
}

void pexp_stats(struct pexp *p, struct posture_exposure_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!p || !p->evaluated || p->err < 0)
		return;
	st->computed = true;
	st->instances = p->r->instances;
	st->interfaces = p->r->enis;
	const char *last = NULL;
	for (size_t i = 0; i < p->r->nexp; i++) {
		const struct reach_exposure *x = &p->r->exp[i];
		if (x->origin != REACH_FROM_INTERNET || (last && !strcmp(last, x->resource)))
			continue;
		last = x->resource;
		st->internet++;
	}
	last = NULL;
	for (size_t i = 0; i < p->r->nunk; i++) {
		const struct reach_unknown *u = &p->r->unk[i];
		if (u->origin != REACH_FROM_INTERNET || (last && !strcmp(last, u->resource)))
			continue;
		last = u->resource;
		st->unknown++;
	}
}

/* ---- describing exposures ---- */

struct cidr_acc {
	struct strbuf *sb;
	size_t shown, max;
	bool more;
};

static int cidr_one(const char *cidr, void *arg)
{
	struct cidr_acc *c = arg;
	if (c->shown == c->max) {
		c->more = true;
		return 1; /* enough: the rest is not enumerated */
	}
	strbuf_addf(c->sb, "%s%s", c->shown ? ", " : "", cidr);
	c->shown++;
	return 0;
}

/* Appends the minimal CIDR cover of s, at most max CIDRs; true if all fit. */
static bool cidrs_fmt(struct strbuf *sb, enum mm_family fam, const struct ivset *s, size_t max)
{
	struct cidr_acc c = { sb, 0, max, false };
	for (size_t i = 0; i < s->nr && !c.more; i++)
		reach_range_cidrs(fam, s->v[i].lo, s->v[i].hi, cidr_one, &c);
	return !c.more;
}

void pexp_sources(struct strbuf *sb, enum mm_family fam, const struct mm_iv *src, size_t nsrc,
		  size_t max)
{
	struct ivset s = IVSET_INIT, missing = IVSET_INIT;
	for (size_t i = 0; i < nsrc; i++)
		ivset_add(&s, src[i].lo, src[i].hi);
	const char *any = fam == MM_AF_INET6 ? "::/0" : "0.0.0.0/0";
	if (ivset_empty(&s)) {
		strbuf_addstr(sb, "no address");
		goto out;
	}
	ivset_copy(&missing, mm_internet_ranges(fam));
	ivset_subtract(&missing, &s);
	if (ivset_empty(&missing)) {
		strbuf_addstr(sb, any);
		goto out;
	}
	/* the internet but a few ranges (a NACL deny, the VPC's own IPv6
	 * range routed locally): say which */
	struct strbuf ex = STRBUF_INIT;
	if (cidrs_fmt(&ex, fam, &missing, max)) {
		strbuf_addf(sb, "%s except %s", any, ex.buf);
	} else if (!cidrs_fmt(sb, fam, &s, max)) {
		strbuf_addstr(sb, " and more");
	}
	strbuf_release(&ex);
out:
	ivset_release(&s);
	ivset_release(&missing);
}

bool pexp_broad(enum mm_family fam, const struct mm_iv *src, size_t nsrc)
{
	/* more than a /16 of IPv4 or a /48 of IPv6 */
	const mm_u128 lim = fam == MM_AF_INET6 ? (mm_u128)1 << 80 : (mm_u128)1 << 16;
	mm_u128 n = 0;
	for (size_t i = 0; i < nsrc; i++) {
		mm_u128 k = src[i].hi - src[i].lo;
		if (k >= lim || n + k + 1 > lim)
			return true;
		n += k + 1;
	}
	return false;
}
