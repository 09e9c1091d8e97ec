/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Correlation over candidates taken in event-time order (run.c puts them in
 * order): each candidate's own alerts, then what it completes.
 *
 *  ec2-sg-world-open-window   a security-group permission opened to the
 *      world (AuthorizeSecurityGroupIngress to a /0) and later closed
 *      (RevokeSecurityGroupIngress of the same protocol, ports and range, or
 *      of its security-group rule id, or DeleteSecurityGroup): one alert with
 *      the window, who opened and who closed -- the exposure a periodic scan
 *      misses when both happen between two scans (seed 002, TOCTOU).
 *  ec2-snapshot-created-then-shared   CreateSnapshot(s) and later
 *      ModifySnapshotAttribute adding createVolumePermission on that
 *      snapshot (an account, or "all").
 *  trail-burst   `threshold` hits of one rule by one principal within
 *      `window` seconds (policy `bursts`): one alert when the threshold is
 *      reached; the next can come only after a quiet `window`.
 *
 * Only calls that succeeded open or close windows; failed attempts still
 * count toward bursts (thirty denied GetPasswordData calls are the signal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trail-int.h"
#include "base/hmap.h"
#include "base/ipset.h"
#include "base/wrapper.h"
#include "base/banned.h"

struct opened {
	struct tr_perm perm;
	const char **rule_ids;
	size_t nrule_ids;
	const struct tr_cand *by; /* copied into the corr arena */
	bool closed;
};

struct sgstate {
	struct opened *v;
	size_t n, alloc;
};

struct bev {
	long long t;
	char *id, *time;
};

struct burst {
	struct bev *q; /* ring */
	size_t head, n, cap;
	bool active;
};

struct tr_corr {
	const struct trail_policy *pol;
	int (*emit)(void *ctx, const struct trail_alert *a);
	void *ctx;
	struct trail_stats *st;
	struct arena a; /* states that live until the end of the run */
	struct hmap sgs, snaps, bursts;
	struct strbuf sb;
};

struct tr_corr *tr_corr_new(const struct trail_policy *p,
			    int (*emit)(void *ctx, const struct trail_alert *a), void *ctx,
			    struct trail_stats *st)
{
	struct tr_corr *k = xcalloc(1, sizeof(*k));
	k->pol = p;
	k->emit = emit;
	k->ctx = ctx;
	k->st = st;
	arena_init(&k->a);
	strbuf_init(&k->sb, 256);
	return k;
}

void tr_corr_free(struct tr_corr *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->sgs.cap; i++)
		if (k->sgs.slots[i].key) {
			struct sgstate *s = k->sgs.slots[i].val;
			free(s->v);
		}
	for (size_t i = 0; i < k->bursts.cap; i++)
		if (k->bursts.slots[i].key) {
			struct burst *b = k->bursts.slots[i].val;
			for (size_t j = 0; j < b->n; j++) {
				free(b->q[(b->head + j) % b->cap].id);
				free(b->q[(b->head + j) % b->cap].time);
			}
			free(b->q);
		}
	hmap_release(&k->sgs);
	hmap_release(&k->snaps);
	hmap_release(&k->bursts);
	arena_release(&k->a);
	strbuf_release(&k->sb);
	free(k);
}

static const char *dup(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

/* A copy of the fields of c that outlive it (no hits, no correlation input). */
static const struct tr_cand *keep(struct tr_corr *k, const struct tr_cand *c)
{
	struct tr_cand *x = arena_alloc(&k->a, sizeof(*x));
	x->time_ms = c->time_ms;
	x->has_time = c->has_time;
	x->time = dup(&k->a, c->time);
	x->event_id = dup(&k->a, c->event_id);
	x->name = dup(&k->a, c->name);
	x->who.type = dup(&k->a, c->who.type);
	x->who.arn = dup(&k->a, c->who.arn);
	x->who.principal_id = dup(&k->a, c->who.principal_id);
	x->who.access_key_id = dup(&k->a, c->who.access_key_id);
	x->file = dup(&k->a, c->file);
	x->index = c->index;
	return x;
}

static void count(struct tr_corr *k, const struct trail_alert *a)
{
	k->st->alerts++;
	k->st->alerts_by_sev[a->sev]++;
}

static void base_alert(struct trail_alert *al, const struct tr_cand *c)
{
	memset(al, 0, sizeof(*al));
	al->time = c->time;
	al->time_ms = c->time_ms;
	al->has_time = c->has_time;
	al->event_id = c->event_id;
	al->event_name = c->name;
	al->event_source = c->source;
	al->who = c->who;
	al->account = c->account;
	al->region = c->region;
	al->source_ip = c->source_ip;
	al->user_agent = c->user_agent;
	al->resources = c->resources;
	al->nresources = c->nresources;
	al->error_code = c->error_code;
	al->error_message = c->error_message;
	al->file = c->file;
	al->index = c->index;
	al->offset = c->offset;
}

static const char *principal(const struct trail_who *w, const char *ip)
{
	if (w->arn)
		return w->arn;
	if (w->principal_id)
		return w->principal_id;
	if (w->access_key_id)
		return w->access_key_id;
	return ip ? ip : "unknown principal";
}

static bool same_range(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	struct mm_cidr x, y;
	if (mm_cidr_parse(a, &x) || mm_cidr_parse(b, &y))
		return !strcmp(a, b);
	return x.family == y.family && x.prefix == y.prefix && x.addr == y.addr;
}

static bool perm_eq(const struct tr_perm *a, const struct tr_perm *b)
{
	if (strcmp(a->proto, b->proto))
		return false;
	bool ports = strcmp(a->proto, "-1") != 0;
	if (ports && (a->from != b->from || a->to != b->to))
		return false;
	return same_range(a->cidr, b->cidr);
}

static char *key3(struct strbuf *sb, const struct tr_cand *c, const char *id)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%s|%s|%s", c->account ? c->account : "", c->region ? c->region : "", id);
	return sb->buf;
}

static void perm_desc(struct strbuf *sb, const struct tr_perm *p)
{
	if (!strcmp(p->proto, "-1"))
		strbuf_addf(sb, "all traffic from %s", p->cidr ? p->cidr : "?");
	else if (p->from == p->to)
		strbuf_addf(sb, "%s %d from %s", p->proto, p->from, p->cidr ? p->cidr : "?");
	else
		strbuf_addf(sb, "%s %d-%d from %s", p->proto, p->from, p->to,
			    p->cidr ? p->cidr : "?");
}

static void sg_open(struct tr_corr *k, const struct tr_cand *c)
{
	const struct tr_cand *by = NULL;
	for (size_t i = 0; i < c->nperms; i++) {
		const struct tr_perm *p = &c->perms[i];
		if (!p->world)
			continue;
		const char *key = key3(&k->sb, c, c->group);
		struct sgstate *s = hmap_get(&k->sgs, key);
		if (!s) {
			s = arena_alloc(&k->a, sizeof(*s));
			hmap_put(&k->sgs, arena_strdup(&k->a, key), s);
		}
		if (!by)
			by = keep(k, c);
		ALLOC_GROW(s->v, s->n + 1, s->alloc);
		struct opened *o = &s->v[s->n++];
		memset(o, 0, sizeof(*o));
		o->perm = *p;
		o->perm.proto = arena_strdup(&k->a, p->proto);
		o->perm.cidr = dup(&k->a, p->cidr);
		o->by = by;
		/* the response lists one rule id per permission range: keep them all */
		o->rule_ids = arena_calloc(&k->a, c->nrule_ids + 1, sizeof(char *));
		for (size_t j = 0; j < c->nrule_ids; j++)
			o->rule_ids[j] = arena_strdup(&k->a, c->rule_ids[j]);
		o->nrule_ids = c->nrule_ids;
	}
}

static bool closes(const struct opened *o, const struct tr_cand *c)
{
	if (c->kind == TR_CK_SG_DELETE)
		return true;
	for (size_t i = 0; i < c->nperms; i++)
		if (perm_eq(&o->perm, &c->perms[i]))
			return true;
	/* revoke by rule id: only when the open named exactly one rule, so the id
	 * identifies this permission */
	if (o->nrule_ids == 1)
		for (size_t i = 0; i < c->nrule_ids; i++)
			if (!strcmp(o->rule_ids[0], c->rule_ids[i]))
				return true;
	return false;
}

static int sg_close(struct tr_corr *k, const struct tr_cand *c)
{
	struct sgstate *s = hmap_get(&k->sgs, key3(&k->sb, c, c->group));
	if (!s)
		return 0;
	int rc = 0;
	for (size_t i = 0; i < s->n && !rc; i++) {
		struct opened *o = &s->v[i];
		if (o->closed || !closes(o, c))
			continue;
		/* one alert per opening event: gather its permissions closed now */
		struct strbuf msg = STRBUF_INIT, perms = STRBUF_INIT;
		bool admin = false;
		size_t np = 0;
		for (size_t j = i; j < s->n; j++) {
			struct opened *q = &s->v[j];
			if (q->closed || q->by != o->by || !closes(q, c))
				continue;
			q->closed = true;
			admin |= q->perm.admin;
			if (np++)
				strbuf_addstr(&perms, ", ");
			perm_desc(&perms, &q->perm);
		}
		struct trail_alert al;
		base_alert(&al, c);
		al.rule = "ec2-sg-world-open-window";
		al.title = "Security group opened to the world, then closed";
		al.engine = TRAIL_ENGINE_BUILTIN;
		al.correlation = true;
		al.sev = admin ? MM_SEV_CRITICAL : MM_SEV_HIGH;
		al.has_window = true;
		al.opened = o->by->time;
		al.closed = c->time;
		al.opened_by = o->by->who;
		al.closed_by = c->who;
		al.seconds =
		    (o->by->has_time && c->has_time) ? (c->time_ms - o->by->time_ms) / 1000 : -1;
		const char *ids[2] = { o->by->event_id, c->event_id };
		al.event_ids = ids;
		al.nevent_ids = 2;
		const char *res[1] = { c->group };
		al.resources = res;
		al.nresources = 1;
		strbuf_addf(&msg, "%s: %s was open to the world", c->group, perms.buf);
		if (al.seconds >= 0)
			strbuf_addf(&msg, " for %lld s", al.seconds);
		strbuf_addf(&msg, " (opened by %s, %s by %s)", principal(&o->by->who, NULL),
			    c->kind == TR_CK_SG_DELETE ? "group deleted" : "closed",
			    principal(&c->who, c->source_ip));
		al.message = msg.buf;
		count(k, &al);
		rc = k->emit(k->ctx, &al);
		strbuf_release(&msg);
		strbuf_release(&perms);
	}
	/* drop closed entries */
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i].closed)
			s->v[w++] = s->v[i];
	s->n = w;
	return rc;
}

static void snap_create(struct tr_corr *k, const struct tr_cand *c)
{
	const struct tr_cand *by = keep(k, c);
	for (size_t i = 0; i < c->nsnaps; i++) {
		const char *key = key3(&k->sb, c, c->snaps[i]);
		hmap_put(&k->snaps, arena_strdup(&k->a, key), (void *)by);
	}
}

static int snap_share(struct tr_corr *k, const struct tr_cand *c)
{
	const struct tr_cand *by = hmap_get(&k->snaps, key3(&k->sb, c, c->snaps[0]));
	if (!by)
		return 0;
	struct strbuf msg = STRBUF_INIT, to = STRBUF_INIT;
	bool pub = false;
	for (size_t i = 0; i < c->nshared; i++) {
		pub |= !strcmp(c->shared_with[i], "all");
		strbuf_addf(&to, "%s%s", i ? ", " : "", c->shared_with[i]);
	}
	struct trail_alert al;
	base_alert(&al, c);
	al.rule = "ec2-snapshot-created-then-shared";
	al.title = "EBS snapshot created, then shared";
	al.engine = TRAIL_ENGINE_BUILTIN;
	al.correlation = true;
	al.sev = pub ? MM_SEV_CRITICAL : MM_SEV_HIGH;
	al.has_window = true;
	al.opened = by->time;
	al.closed = c->time;
	al.opened_by = by->who;
	al.closed_by = c->who;
	al.seconds = (by->has_time && c->has_time) ? (c->time_ms - by->time_ms) / 1000 : -1;
	const char *ids[2] = { by->event_id, c->event_id };
	al.event_ids = ids;
	al.nevent_ids = 2;
	strbuf_addf(&msg, "%s created by %s and shared with %s by %s", c->snaps[0],
		    principal(&by->who, NULL), pub ? "everyone (public)" : to.buf,
		    principal(&c->who, c->source_ip));
	if (al.seconds >= 0)
		strbuf_addf(&msg, " %lld s later", al.seconds);
	al.message = msg.buf;
	count(k, &al);
	int rc = k->emit(k->ctx, &al);
	strbuf_release(&msg);
	strbuf_release(&to);
	return rc;
}

static int burst_hit(struct tr_corr *k, const struct tr_cand *c, const struct tr_hit *h,
		     const struct trail_burst_conf *bc)
{
	if (!c->has_time)
		return 0;
	const char *who = principal(&c->who, c->source_ip);
	strbuf_reset(&k->sb);
	strbuf_addf(&k->sb, "%s|%s", bc->rule, who);
	struct burst *b = hmap_get(&k->bursts, k->sb.buf);
	if (!b) {
		b = arena_alloc(&k->a, sizeof(*b));
		b->cap = bc->threshold;
		b->q = xcalloc(b->cap, sizeof(*b->q));
		hmap_put(&k->bursts, arena_strdup(&k->a, k->sb.buf), b);
	}
	while (b->n && b->q[b->head].t <= c->time_ms - bc->window_ms) {
		free(b->q[b->head].id);
		free(b->q[b->head].time);
		b->head = (b->head + 1) % b->cap;
		b->n--;
	}
	if (!b->n)
		b->active = false; /* a quiet window: a new burst may start */
	if (b->n == b->cap) {
		/* keep the last cap events */
		free(b->q[b->head].id);
		free(b->q[b->head].time);
		b->head = (b->head + 1) % b->cap;
		b->n--;
	}
	struct bev *e = &b->q[(b->head + b->n) % b->cap];
	e->t = c->time_ms;
	e->id = c->event_id ? xstrdup(c->event_id) : NULL;
	e->time = c->time ? xstrdup(c->time) : NULL;
	b->n++;
	if (b->active || b->n < bc->threshold)
		return 0;
	b->active = true;
	struct trail_alert al;
	base_alert(&al, c);
	al.rule = "trail-burst";
	strbuf_reset(&k->sb);
	strbuf_addf(&k->sb, "Burst: %s", h->rule->title);
	char *title = xstrdup(k->sb.buf);
	al.title = title;
	al.engine = TRAIL_ENGINE_BUILTIN;
	al.correlation = true;
	al.sev = h->sev;
	al.has_window = true;
	const struct bev *first = &b->q[b->head];
	al.opened = first->time;
	al.closed = c->time;
	al.opened_by = c->who;
	al.closed_by = c->who;
	al.seconds = (c->time_ms - first->t) / 1000;
	const char **ids = xcalloc(b->n, sizeof(*ids));
	size_t nids = 0;
	for (size_t j = 0; j < b->n; j++) {
		const char *id = b->q[(b->head + j) % b->cap].id;
		if (id)
			ids[nids++] = id;
	}
	al.event_ids = ids;
	al.nevent_ids = nids;
	al.burst_rule = h->rule->id;
	al.burst_count = b->n;
	al.burst_threshold = bc->threshold;
	al.burst_window_s = bc->window_ms / 1000;
	struct strbuf msg = STRBUF_INIT;
	strbuf_addf(&msg, "%zu hits of %s by %s within %lld s (threshold %u in %lld s)", b->n,
		    h->rule->id, who, al.seconds, bc->threshold, bc->window_ms / 1000);
	al.message = msg.buf;
	count(k, &al);
	int rc = k->emit(k->ctx, &al);
	strbuf_release(&msg);
	free(ids);
	free(title);
	return rc;
}

int tr_corr_push(struct tr_corr *k, const struct tr_cand *c)
{
	int rc = 0;
	for (size_t i = 0; i < c->nhits && !rc; i++) {
		const struct tr_hit *h = &c->hits[i];
		struct trail_alert al;
		base_alert(&al, c);
		al.rule = h->rule->id;
		al.title = h->rule->title;
		al.engine = h->rule->engine;
		al.sev = h->sev;
		al.message = h->message;
		count(k, &al);
		rc = k->emit(k->ctx, &al);
	}
	for (size_t i = 0; i < c->nhits && !rc; i++)
		for (size_t b = 0; b < k->pol->nbursts && !rc; b++)
			if (!strcmp(k->pol->bursts[b].rule, c->hits[i].rule->id))
				rc = burst_hit(k, c, &c->hits[i], &k->pol->bursts[b]);
	if (rc)
		return rc;
	switch (c->kind) {
	case TR_CK_SG_OPEN:
		sg_open(k, c);
		break;
	case TR_CK_SG_REVOKE:
	case TR_CK_SG_DELETE:
		rc = sg_close(k, c);
		break;
	case TR_CK_SNAP_CREATE:
		snap_create(k, c);
		break;
	case TR_CK_SNAP_SHARE:
		rc = snap_share(k, c);
		break;
	default:
		break;
	}
	return rc;
}
