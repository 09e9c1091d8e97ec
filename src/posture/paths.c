/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attack paths (paths.h, docs/paths.md): for every running instance with an
 * instance profile, the links of three chains, each present, absent or
 * unknown, judged from the reachability engine's results (internet origin,
 * direct or through an internet-facing load balancer), the instance's
 * MetadataOptions and the IAM evaluation of its role:
 *
 *   data        internet -> [LB] -> network -> instance -> IMDSv1 -> role ->
 *               statement -> S3 objects (s3:GetObject, s3:ListBucket)
 *   privilege   the same, ending in admin, iam:PassRole or another
 *               privilege-escalation action
 *   credentials a container host (EKS/ECS node) answering IMDSv1 beyond one
 *               hop, so every container can take the node role; reachable
 *               from the internet raises it further
 *
 * The role's capability is the goal: without it there is no path. The other
 * links raise the severity one by one; a path with one of them absent is
 * partial and names it ("not critical because ..."), one with a link unknown
 * is reported as unknown, never as safe. IAM answers are cached per instance
 * profile, so a large account costs one evaluation per profile.
 */
#include "paths.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "posture-int.h"
#include "aws/iam.h"
#include "base/hmap.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "reach/reach.h"
#include "base/banned.h"

const char *path_goal_name(enum path_goal g)
{
	switch (g) {
	case PATH_GOAL_DATA:
		return "data";
	case PATH_GOAL_PRIVILEGE:
		return "privilege";
	case PATH_GOAL_CREDS:
		return "credentials";
	}
	return "?";
}

void paths_result_init(struct paths_result *r)
{
	memset(r, 0, sizeof(*r));
	arena_init(&r->arena);
}

void paths_result_release(struct paths_result *r)
{
	free(r->v);
	arena_release(&r->arena);
	memset(r, 0, sizeof(*r));
}

/* ---- IAM capabilities of one instance profile (cached) ---- */

/* Privilege escalation: actions that let the holder grant itself more. The
 * resource is a pattern ("some role", "some policy"), {a} the account. */
static const struct {
	const char *action, *resource;
} priv_actions[] = {
	{ "iam:PassRole", "arn:aws:iam::{a}:role/*" },
	{ "iam:AttachRolePolicy", "arn:aws:iam::{a}:role/*" },
	{ "iam:PutRolePolicy", "arn:aws:iam::{a}:role/*" },
	{ "iam:UpdateAssumeRolePolicy", "arn:aws:iam::{a}:role/*" },
	{ "iam:CreatePolicyVersion", "arn:aws:iam::{a}:policy/*" },
	{ "iam:AttachUserPolicy", "arn:aws:iam::{a}:user/*" },
	{ "iam:CreateAccessKey", "arn:aws:iam::{a}:user/*" },
	{ "iam:CreateLoginProfile", "arn:aws:iam::{a}:user/*" },
};
#define NPRIV (sizeof(priv_actions) / sizeof(priv_actions[0]))

struct cap {
	const char *action, *resource;
	struct iam_result r;
};

struct caps {
	bool unknown;	    /* the role could not be evaluated */
	const char *reason; /* why (unknown) */
	const char *role;
	struct cap get, list;
	struct cap priv[NPRIV];
	bool admin; /* some deciding Allow has Action "*" on Resource "*" */
};

static bool granted(enum iam_decision d)
{
	return d == IAM_ALLOW || d == IAM_CONDITIONAL;
}

static bool json_has_str(const struct json *v, const char *s)
{
	if (json_is(v, JSON_STRING))
		return !strcmp(v->u.s, s);
	for (size_t i = 0; json_is(v, JSON_ARRAY) && i < v->n; i++) {
		const char *x = json_as_str(&v->u.items[i]);
		if (x && !strcmp(x, s))
			return true;
	}
	return false;
}

static bool stmt_admin(const struct iam_stmt_ref *s)
{
	return s->js && !s->deny && !s->boundary && json_has_str(json_get(s->js, "Action"), "*") &&
	       json_has_str(json_get(s->js, "Resource"), "*");
}

static int cap_eval(struct mm_model *m, const char *profile, struct cap *c, struct mm_err *e)
{
	return iam_eval_instance_profile(m, profile, c->action, c->resource, &c->r, e);
}

static struct caps *caps_of(struct mm_model *m, struct hmap *cache, struct arena *a,
			    const struct mm_instance *in, struct mm_err *e)
{
	struct caps *c = hmap_get(cache, in->profile_arn);
	if (c)
		return c;
	c = arena_calloc(a, 1, sizeof(*c));
	hmap_put(cache, in->profile_arn, c);
	const char *acct = in->r.account && strcmp(in->r.account, "unknown") ? in->r.account : "*";
	c->get.action = "s3:GetObject";
	c->get.resource = "arn:aws:s3:::*/*";
	c->list.action = "s3:ListBucket";
	c->list.resource = "arn:aws:s3:::*";
	if (cap_eval(m, in->profile_arn, &c->get, e) < 0 ||
	    cap_eval(m, in->profile_arn, &c->list, e) < 0)
		return NULL;
	for (size_t i = 0; i < NPRIV; i++) {
		struct strbuf sb = STRBUF_INIT;
		const char *t = priv_actions[i].resource, *p = strstr(t, "{a}");
		strbuf_add(&sb, t, (size_t)(p - t));
		strbuf_addstr(&sb, acct);
		strbuf_addstr(&sb, p + 3);
		c->priv[i].action = priv_actions[i].action;
		c->priv[i].resource = arena_strdup(a, sb.buf);
		strbuf_release(&sb);
		if (cap_eval(m, in->profile_arn, &c->priv[i], e) < 0)
			return NULL;
		for (size_t k = 0; k < c->priv[i].r.nstmts; k++)
			if (granted(c->priv[i].r.decision) && stmt_admin(&c->priv[i].r.stmts[k]))
				c->admin = true;
	}
	c->role = c->get.r.role;
	if (c->get.r.decision == IAM_UNKNOWN) {
		c->unknown = true;
		c->reason = c->get.r.reason;
	}
	return c;
}

/* ---- building paths ---- */

struct pb {
	struct mm_model *m;
	struct paths_result *out;
	struct attack_path *p;
	struct path_link *links;
	size_t nlinks, alinks;
	struct path_break *breaks;
	size_t nbreaks, abreaks;
	const char **missing;
	size_t nmissing, amissing;
	struct strbuf sb;
};

static const char *adup(struct pb *b, const char *s)
{
	return s ? arena_strdup(&b->out->arena, s) : NULL;
}

__attribute__((format(printf, 2, 3))) static const char *aprintf(struct pb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	const char *r = arena_strdup(&b->out->arena, sb.buf);
	strbuf_release(&sb);
	return r;
}

static struct path_link *link_add(struct pb *b, const char *kind, const char *id,
				  const char *detail)
{
	ALLOC_GROW(b->links, b->nlinks + 1, b->alinks);
	struct path_link *l = &b->links[b->nlinks++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->id = adup(b, id ? id : "?");
	l->detail = adup(b, detail ? detail : "");
	l->present = true;
	return l;
}

static void link_ev(struct pb *b, struct path_link *l, const char *loc, const char *what)
{
	struct mm_evidence *v = arena_calloc(&b->out->arena, l->nev + 1, sizeof(*v));
	if (l->nev)
		memcpy(v, l->ev, l->nev * sizeof(*v));
	v[l->nev].loc = adup(b, loc);
	v[l->nev].what = adup(b, what ? what : "");
	l->ev = v;
	l->nev++;
}

static void link_ev_loc(struct pb *b, struct path_link *l, const struct mm_loc *loc,
			const char *what)
{
	link_ev(b, l, loc && loc->file ? mm_loc_str(b->m, loc) : NULL, what);
}

static void break_add(struct pb *b, size_t link, int cost, const char *what, const char *cli)
{
	ALLOC_GROW(b->breaks, b->nbreaks + 1, b->abreaks);
	b->breaks[b->nbreaks++] = (struct path_break){
		.link = link, .what = adup(b, what), .cli = adup(b, cli), .cost = cost
	};
}

static void missing_add(struct pb *b, const char *why)
{
	ALLOC_GROW(b->missing, b->nmissing + 1, b->amissing);
	b->missing[b->nmissing++] = adup(b, why);
}

static void ports_text(struct strbuf *sb, const struct reach_exposure *x)
{
	if (x->proto == MM_PROTO_ALL) {
		strbuf_addstr(sb, "every port");
		return;
	}
	strbuf_addstr(sb, reach_proto_name(x->proto));
	if (x->proto != MM_PROTO_TCP && x->proto != MM_PROTO_UDP)
		return;
	for (size_t i = 0; i < x->nports && i < 6; i++) {
		strbuf_addstr(sb, i ? "," : " ");
		if (x->ports[i].lo == x->ports[i].hi)
			strbuf_addf(sb, "%u", (unsigned)x->ports[i].lo);
		else
			strbuf_addf(sb, "%u-%u", (unsigned)x->ports[i].lo,
				    (unsigned)x->ports[i].hi);
	}
	if (x->nports > 6)
		strbuf_addstr(sb, ",...");
}

/* Is a direct exposure's port one the service is meant to offer (the
 * default allow-list: a web server)? Then revoking it breaks the service. */
static bool service_port(const struct reach_exposure *x)
{
	if (x->entry_id)
		return true;
	if (x->proto != MM_PROTO_TCP)
		return false;
	for (size_t i = 0; i < x->nports; i++)
		if (!((x->ports[i].lo == 80 || x->ports[i].lo == 443) &&
		      x->ports[i].hi == x->ports[i].lo))
			return false;
	return x->nports > 0;
}

/* The exposure a chain shows: direct before load balancer, broad sources
 * before narrow, tcp before other protocols; ties by the engine's order. */
static const struct reach_exposure *best_exposure(const struct pexp_view *v)
{
	const struct reach_exposure *best = NULL;
	int bs = -1;
	for (size_t i = 0; i < v->nexp; i++) {
		const struct reach_exposure *x = &v->exp[i];
		if (x->origin != REACH_FROM_INTERNET)
			continue;
		int s = (pexp_broad(x->family, x->src, x->nsrc) ? 4 : 0) + (x->entry_id ? 0 : 2) +
			(x->proto == MM_PROTO_TCP ? 1 : 0);
		if (s > bs) {
			bs = s;
			best = x;
		}
	}
	return best;
}

enum lstate { L_ABSENT, L_PRESENT, L_UNKNOWN };

/* Internet reachability links; returns their state and sets *why (absent or
 * unknown), *narrow (only narrow source ranges). */
static enum lstate add_reach_links(struct pb *b, const struct mm_instance *in,
				   const struct pexp_view *v, const char **why, bool *narrow,
				   size_t *first_link)
{
	*first_link = b->nlinks;
	*narrow = false;
	const struct reach_exposure *x = best_exposure(v);
	if (!x) {
		struct path_link *l = link_add(b, "internet", "0.0.0.0/0", "the public internet");
		l->present = false;
		const struct reach_block *blk = NULL;
		for (size_t i = 0; i < v->nblk && !blk; i++)
			if (!v->blk[i].entry_id && v->blk[i].origin == REACH_FROM_INTERNET)
				blk = &v->blk[i];
		const struct reach_unknown *unk = NULL;
		for (size_t i = 0; i < v->nunk && !unk; i++)
			if (v->unk[i].origin == REACH_FROM_INTERNET)
				unk = &v->unk[i];
		if (unk) {
			l->unknown = true;
			*why = aprintf(b, "its internet reachability is unknown: %s%s%s",
				       unk->component ? unk->component : "",
				       unk->component ? ": " : "",
				       unk->reason ? unk->reason : "input missing");
			link_ev(b, l, NULL, *why);
			return L_UNKNOWN;
		}
		if (blk) {
			*why = aprintf(b, "it is not reachable from the internet: %s at %s: %s",
				       blk->code ? blk->code : "BLOCKED",
				       blk->component ? blk->component : "?",
				       blk->detail ? blk->detail : "");
			link_ev(b, l, blk->evidence, *why);
			return L_ABSENT;
		}
		if (!v->nblk && !v->nexp) {
			l->unknown = true;
			*why = "its internet reachability was not evaluated (no network interface "
			       "data for it)";
			link_ev(b, l, NULL, *why);
			return L_UNKNOWN;
		}
		*why = "it is not reachable from the internet";
		link_ev(b, l, NULL, *why);
		return L_ABSENT;
	}
	bool any_broad = false;
	for (size_t i = 0; i < v->nexp; i++)
		if (v->exp[i].origin == REACH_FROM_INTERNET &&
		    pexp_broad(v->exp[i].family, v->exp[i].src, v->exp[i].nsrc))
			any_broad = true;
	*narrow = !any_broad;
	strbuf_reset(&b->sb);
	strbuf_addstr(&b->sb, "connections from ");
	pexp_sources(&b->sb, x->family, x->src, x->nsrc, 3);
	struct path_link *l =
	    link_add(b, "internet", x->family == MM_AF_INET6 ? "::/0" : "0.0.0.0/0", b->sb.buf);
	if (*narrow)
		link_ev(b, l, NULL, "only narrow source ranges can connect");
	if (x->entry_id) {
		const struct mm_lb *lb = mm_find_lb(b->m, x->entry_id);
		strbuf_reset(&b->sb);
		strbuf_addf(&b->sb, "%s load balancer %s listener %d forwards to the instance",
			    lb && lb->type ? lb->type : "internet-facing",
			    lb && lb->name ? lb->name : x->entry_id, x->entry_port);
		l = link_add(b, "load-balancer", x->entry_id, b->sb.buf);
		if (lb)
			link_ev_loc(b, l, &lb->r.loc, "scheme internet-facing");
	}
	strbuf_reset(&b->sb);
	for (size_t i = 0; i < x->nfwd; i++) {
		const char *c = x->fwd[i].component ? x->fwd[i].component : "?";
		if (i && x->fwd[i - 1].component && !strcmp(x->fwd[i - 1].component, c))
			continue; /* two rules of one group */
		strbuf_addf(&b->sb, "%s%s", i ? " -> " : "", c);
	}
	l = link_add(b, "network", x->gateway ? x->gateway : (x->entry_id ? x->entry_id : "?"),
		     b->sb.buf);
	for (size_t i = 0; i < x->nfwd; i++) {
		const struct reach_hop *h = &x->fwd[i];
		struct strbuf w = STRBUF_INIT;
		strbuf_addf(&w, "%s %s: %s", h->type ? h->type : "hop",
			    h->component ? h->component : "?",
			    h->detail ? h->detail : (h->rule ? h->rule : ""));
		link_ev(b, l, h->evidence, w.buf);
		strbuf_release(&w);
	}
	/* the instance: every internet exposure, summarised */
	strbuf_reset(&b->sb);
	size_t shown = 0;
	for (size_t i = 0; i < v->nexp && shown < 4; i++) {
		const struct reach_exposure *e = &v->exp[i];
		if (e->origin != REACH_FROM_INTERNET)
			continue;
		if (shown++)
			strbuf_addstr(&b->sb, "; ");
		ports_text(&b->sb, e);
		if (e->entry_id)
			strbuf_addf(&b->sb, " via load balancer listener %d", e->entry_port);
		else
			strbuf_addf(&b->sb, " on %s", e->address ? e->address : "?");
	}
	size_t ninet = 0;
	for (size_t i = 0; i < v->nexp; i++)
		ninet += v->exp[i].origin == REACH_FROM_INTERNET;
	if (ninet > shown)
		strbuf_addf(&b->sb, "; and %zu more", ninet - shown);
	l = link_add(b, "instance", in->r.id,
		     aprintf(b, "reachable from the internet: %s", b->sb.buf));
	link_ev_loc(b, l, &in->r.loc, "the instance record");
	*why = NULL;
	return L_PRESENT;
}

/* IMDSv1 link. */
static enum lstate add_imds_link(struct pb *b, const struct mm_instance *in, const char **why)
{
	const struct mm_imds *d = &in->imds;
	strbuf_reset(&b->sb);
	strbuf_addf(&b->sb, "HttpTokens=%s HttpEndpoint=%s HttpPutResponseHopLimit=",
		    d->http_tokens ? d->http_tokens : "(unknown)",
		    d->http_endpoint ? d->http_endpoint : "(not set)");
	if (d->hop_limit >= 0)
		strbuf_addf(&b->sb, "%lld", d->hop_limit);
	else
		strbuf_addstr(&b->sb, "(unknown)");
	const char *state_txt = adup(b, b->sb.buf);
	enum lstate st;
	const char *detail;
	if (d->http_endpoint && !strcmp(d->http_endpoint, "disabled")) {
		st = L_ABSENT;
		detail = "the metadata service is disabled";
		*why = "the instance metadata service is disabled (HttpEndpoint disabled)";
	} else if (!d->http_tokens) {
		st = L_UNKNOWN;
		detail = "metadata options unknown";
		*why =
		    "its metadata options are unknown (no MetadataOptions in describe-instances)";
	} else if (!strcmp(d->http_tokens, "required")) {
		st = L_ABSENT;
		detail = "IMDSv2 required: a plain GET (SSRF) gets no credentials";
		*why = "IMDSv2 is required (HttpTokens required): an SSRF cannot make the PUT "
		       "that IMDSv2 needs";
	} else {
		st = L_PRESENT;
		detail = "IMDSv1 answers a plain GET: an SSRF can read the role's credentials";
		*why = NULL;
	}
	struct path_link *l = link_add(b, "imds", in->r.id, detail);
	l->present = st == L_PRESENT;
	l->unknown = st == L_UNKNOWN;
	link_ev_loc(b, l, d->loc.file ? &d->loc : &in->r.loc, state_txt);
	return st;
}

/* "IMDSv1", "IMDSv2 required", ... for titles. */
static const char *imds_word(const struct mm_instance *in)
{
	const struct mm_imds *d = &in->imds;
	if (d->http_endpoint && !strcmp(d->http_endpoint, "disabled"))
		return "IMDS disabled";
	if (!d->http_tokens)
		return "IMDS settings unknown";
	return strcmp(d->http_tokens, "required") ? "IMDSv1" : "IMDSv2 required";
}

/* "role NAME (instance profile P)" link. */
static void add_role_link(struct pb *b, const struct mm_instance *in, const struct caps *c)
{
	const struct mm_iam_profile *pr = mm_find_profile(b->m, in->profile_arn);
	strbuf_reset(&b->sb);
	strbuf_addf(&b->sb, "instance profile %s", pr && pr->name ? pr->name : in->profile_arn);
	if (c->unknown)
		strbuf_addf(&b->sb, ": %s", c->reason ? c->reason : "IAM data missing");
	struct path_link *l = link_add(b, "role", c->role ? c->role : "?", b->sb.buf);
	l->unknown = c->unknown;
	l->present = !c->unknown;
	link_ev(b, l, NULL, aprintf(b, "IamInstanceProfile.Arn=%s", in->profile_arn));
	const struct mm_iam_role *r = c->role ? mm_find_role(b->m, c->role) : NULL;
	if (r)
		link_ev_loc(b, l, &r->r.loc, "the role in get-account-authorization-details");
}

static void stmt_label(struct strbuf *sb, const struct iam_stmt_ref *s)
{
	if (s->policy_arn)
		strbuf_addstr(sb, s->policy_arn);
	else
		strbuf_addf(sb, "inline:%s", s->policy_name ? s->policy_name : "?");
}

/* Append the patterns of a statement member ("Resource") to sb. */
static void member_text(struct strbuf *sb, const struct json *st, const char *key)
{
	const struct json *v = json_get(st, key);
	if (json_is(v, JSON_STRING)) {
		strbuf_addstr(sb, v->u.s);
		return;
	}
	for (size_t i = 0; json_is(v, JSON_ARRAY) && i < v->n && i < 6; i++) {
		const char *s = json_as_str(&v->u.items[i]);
		strbuf_addf(sb, "%s%s", i ? ", " : "", s ? s : "?");
	}
	if (json_is(v, JSON_ARRAY) && v->n > 6)
		strbuf_addf(sb, " and %u more", (unsigned)(v->n - 6));
}

/* Statement links: the identity Allows deciding the capabilities. Returns the
 * index of the first one (for the "narrow the statement" break). */
static size_t add_stmt_links(struct pb *b, const struct cap *const *caps, size_t ncaps)
{
	size_t first = b->nlinks;
	for (size_t c = 0; c < ncaps; c++) {
		const struct iam_result *r = &caps[c]->r;
		if (!granted(r->decision))
			continue;
		for (size_t i = 0; i < r->nstmts; i++) {
			const struct iam_stmt_ref *s = &r->stmts[i];
			if (s->deny || s->boundary || !s->js)
				continue;
			/* one link per statement, listing every capability it grants */
			bool seen = false;
			strbuf_reset(&b->sb);
			stmt_label(&b->sb, s);
			strbuf_addf(&b->sb, "#%ld", s->index);
			for (size_t k = first; k < b->nlinks && !seen; k++)
				seen = !strcmp(b->links[k].id, b->sb.buf);
			if (seen)
				continue;
			const char *id = adup(b, b->sb.buf);
			strbuf_reset(&b->sb);
			strbuf_addf(&b->sb, "statement %ld%s%s%s: Allow ", s->index,
				    s->sid ? " (" : "", s->sid ? s->sid : "", s->sid ? ")" : "");
			const bool na = json_get(s->js, "NotAction") != NULL;
			strbuf_addstr(&b->sb, na ? "every action except " : "");
			member_text(&b->sb, s->js, na ? "NotAction" : "Action");
			const bool nr = json_get(s->js, "NotResource") != NULL;
			strbuf_addstr(&b->sb, nr ? " on every resource except " : " on ");
			member_text(&b->sb, s->js, nr ? "NotResource" : "Resource");
			if (s->conditional)
				strbuf_addstr(&b->sb, " (only under its Condition)");
			struct path_link *l = link_add(b, "statement", id, b->sb.buf);
			link_ev_loc(b, l, &s->loc,
				    aprintf(b, "grants %s (%s)", caps[c]->action,
					    iam_decision_name(r->decision)));
		}
	}
	return first;
}

/* ---- breaks ---- */

enum { COST_IMDS = 1, COST_SG = 2, COST_POLICY = 3, COST_SERVICE = 5, COST_DEFAULT = 8 };

static void imds_breaks(struct pb *b, const struct mm_instance *in, size_t link)
{
	const char *region = in->r.region ? in->r.region : "unknown";
	bool safe = pexp_cli_safe(in->r.id) && pexp_cli_safe(region);
	break_add(b, link, COST_IMDS,
		  aprintf(b,
			  "require IMDSv2 on %s (HttpTokens required): an SSRF can no longer "
			  "read credentials; check first that the software on it uses an AWS "
			  "SDK released after 2019-11",
			  in->r.id),
		  safe ? aprintf(b,
				 "aws ec2 modify-instance-metadata-options --region %s "
				 "--instance-id %s --http-tokens required --http-endpoint enabled",
				 region, in->r.id)
		       : NULL);
	break_add(b, link, COST_DEFAULT,
		  aprintf(b,
			  "make IMDSv2 the default for new instances in %s (does not change "
			  "running instances: keeps the link from coming back)",
			  region),
		  pexp_cli_safe(region)
		      ? aprintf(b,
				"aws ec2 modify-instance-metadata-defaults --region %s "
				"--http-tokens required",
				region)
		      : NULL);
}

/* Revoke the security-group permissions admitting the direct internet
 * exposures (every family: the union of the sources each permission admits
 * over all of them); a load-balancer exposure is broken at the balancer. */
#define RB_MAX 32
struct rb_perm {
	const struct mm_sg *sg;
	const struct mm_sg_perm *p;
	size_t src[64];
	size_t n;
};

static void rb_collect(struct rb_perm *v, size_t *nv, bool *bad, const struct mm_sg *sg,
		       const struct mm_sg_perm *p, const struct reach_exposure *x)
{
	size_t k = 0;
	while (k < *nv && v[k].p != p)
		k++;
	if (k == *nv) {
		if (*nv == RB_MAX) {
			*bad = true;
			return;
		}
		v[k] = (struct rb_perm){ .sg = sg, .p = p };
		(*nv)++;
	}
	struct rb_perm *r = &v[k];
	for (size_t s = 0; s < p->nsrc; s++) {
		const struct mm_sg_src *ss = &p->src[s];
		if (!((ss->kind == MM_SRC_CIDR4 || ss->kind == MM_SRC_CIDR6) &&
		      pexp_src_overlaps(x, &ss->cidr)))
			continue;
		bool have = false;
		for (size_t j = 0; j < r->n && !have; j++)
			have = r->src[j] == s;
		if (have)
			continue;
		if (r->n == 64 || !pexp_cli_safe(ss->value)) {
			*bad = true;
			continue;
		}
		r->src[r->n++] = s;
	}
}

static void reach_breaks(struct pb *b, const struct mm_instance *in, const struct pexp_view *v,
			 size_t link)
{
	const char *region = in->r.region ? in->r.region : "unknown";
	bool bad = !pexp_cli_safe(region), service = false;
	struct rb_perm perms[RB_MAX];
	size_t np = 0;
	for (size_t i = 0; i < v->nexp; i++) {
		const struct reach_exposure *x = &v->exp[i];
		if (x->origin != REACH_FROM_INTERNET)
			continue;
		if (service_port(x))
			service = true;
		if (x->entry_id) {
			const struct mm_lb *lb = mm_find_lb(b->m, x->entry_id);
			const char *what = aprintf(
			    b,
			    "stop the internet from reaching %s through load balancer %s (listener "
			    "%d): make it internal, or restrict its security group or listener",
			    in->r.id, lb && lb->name ? lb->name : x->entry_id, x->entry_port);
			bool dup = false;
			for (size_t k = 0; k < b->nbreaks && !dup; k++)
				dup = !strcmp(b->breaks[k].what, what);
			if (!dup)
				break_add(b, link, COST_SERVICE, what, NULL);
			continue;
		}
		for (size_t h = 0; h < x->nfwd; h++) {
			const struct mm_sg *sg;
			const struct mm_sg_perm *p = pexp_hop_perm(b->m, &x->fwd[h], &sg);
			if (p)
				rb_collect(perms, &np, &bad, sg, p, x);
		}
	}
	struct strbuf cli = STRBUF_INIT, what = STRBUF_INIT;
	for (size_t i = 0; i < np; i++) {
		const struct rb_perm *r = &perms[i];
		if (!r->n || r->p->proto == MM_PROTO_BAD || !pexp_cli_safe(r->sg->r.id)) {
			bad = true;
			continue;
		}
		if (cli.len)
			strbuf_addstr(&cli, " && ");
		strbuf_addf(&cli,
			    "aws ec2 revoke-security-group-ingress --region %s --group-id %s "
			    "--ip-permissions ",
			    region, r->sg->r.id);
		pexp_perm_cli(&cli, r->p, r->src, r->n);
		bool named = false;
		for (size_t j = 0; j < i && !named; j++)
			named = perms[j].sg == r->sg;
		if (!named)
			strbuf_addf(&what, "%s%s", what.len ? ", " : "", r->sg->r.id);
	}
	if (what.len) {
		const char *w = aprintf(b, "revoke the internet-facing rules of %s%s", what.buf,
					service ? " (the instance serves on these ports: revoking "
						  "them takes the service off the internet)"
						: "");
		break_add(b, link, service ? COST_SERVICE : COST_SG, w, bad ? NULL : cli.buf);
	}
	strbuf_release(&cli);
	strbuf_release(&what);
}

static void policy_breaks(struct pb *b, const struct caps *c, size_t first, size_t end,
			  const char *goal_text)
{
	for (size_t k = first; k < end; k++) {
		const struct path_link *l = &b->links[k];
		if (strcmp(l->kind, "statement"))
			continue;
		const char *hash = strrchr(l->id, '#');
		size_t plen = hash ? (size_t)(hash - l->id) : strlen(l->id);
		char *pol = arena_strndup(&b->out->arena, l->id, plen);
		bool seen = false; /* one break per policy, naming its first statement */
		for (size_t j = first; j < k && !seen; j++)
			seen = !strcmp(b->links[j].kind, "statement") &&
			       !strncmp(b->links[j].id, l->id, plen) && b->links[j].id[plen] == '#';
		if (seen)
			continue;
		const char *cli = NULL;
		if (!strncmp(pol, "inline:", 7) && c->role && pexp_cli_safe(c->role) &&
		    pexp_cli_safe(pol + 7))
			cli = aprintf(b,
				      "aws iam put-role-policy --role-name %s --policy-name %s "
				      "--policy-document file://narrowed.json",
				      c->role, pol + 7);
		else if (strncmp(pol, "inline:", 7) && pexp_cli_safe(pol))
			cli = aprintf(b,
				      "aws iam create-policy-version --policy-arn %s "
				      "--policy-document file://narrowed.json --set-as-default",
				      pol);
		break_add(b, k, COST_POLICY,
			  aprintf(b, "narrow %s of %s so role %s cannot %s (%s)",
				  l->detail && !strncmp(l->detail, "statement ", 10)
				      ? "the statement"
				      : "it",
				  pol, c->role ? c->role : "?", goal_text, l->detail),
			  cli);
	}
}

/* ---- one path ---- */

static void finish_path(struct pb *b)
{
	struct attack_path *p = b->p;
	p->chain = arena_calloc(&b->out->arena, b->nlinks ? b->nlinks : 1, sizeof(*p->chain));
	if (b->nlinks)
		memcpy(p->chain, b->links, b->nlinks * sizeof(*p->chain));
	p->nchain = b->nlinks;
	/* the cheapest break of a link that is present */
	long best = -1;
	for (size_t i = 0; i < b->nbreaks; i++)
		if (b->links[b->breaks[i].link].present &&
		    (best < 0 || b->breaks[i].cost < b->breaks[best].cost))
			best = (long)i;
	if (best >= 0)
		b->breaks[best].cheapest = true;
	/* cheapest first, then by cost, stable */
	struct path_break *bv =
	    arena_calloc(&b->out->arena, b->nbreaks ? b->nbreaks : 1, sizeof(*bv));
	size_t n = 0;
	if (best >= 0)
		bv[n++] = b->breaks[best];
	for (int cost = 0; cost <= COST_DEFAULT; cost++)
		for (size_t i = 0; i < b->nbreaks; i++)
			if ((long)i != best && b->breaks[i].cost == cost)
				bv[n++] = b->breaks[i];
	p->breaks = bv;
	p->nbreaks = n;
	p->missing = arena_calloc(&b->out->arena, b->nmissing ? b->nmissing : 1, sizeof(char *));
	if (b->nmissing)
		memcpy(p->missing, b->missing, b->nmissing * sizeof(char *));
	p->nmissing = b->nmissing;
}

static void pb_reset(struct pb *b)
{
	b->nlinks = b->nbreaks = b->nmissing = 0;
}

static struct attack_path *path_new(struct pb *b, const struct mm_instance *in, enum path_goal g)
{
	struct paths_result *r = b->out;
	ALLOC_GROW(r->v, r->nr + 1, r->alloc);
	struct attack_path *p = &r->v[r->nr++];
	memset(p, 0, sizeof(*p));
	p->goal = g;
	p->resource = adup(b, in->r.id);
	p->account = adup(b, in->r.account);
	p->region = adup(b, in->r.region);
	b->p = p;
	return p;
}

static enum mm_sev sev_down(enum mm_sev s)
{
	return s > MM_SEV_INFO ? s - 1 : s;
}

/* A goal reached through the internet and IMDSv1 (data, privilege). */
static void internet_path(struct pb *b, const struct mm_instance *in, const struct pexp_view *v,
			  const struct caps *c, enum path_goal g, const struct paths_opts *o)
{
	const struct cap *goal[NPRIV + 2];
	size_t ng = 0;
	bool conditional = true, list_ok = true;
	const char *goal_text;
	if (g == PATH_GOAL_DATA) {
		if (!c->unknown && !granted(c->get.r.decision))
			return;
		goal[ng++] = &c->get;
		if (granted(c->list.r.decision))
			goal[ng++] = &c->list;
		else
			list_ok = false;
		goal_text = "read S3 objects";
	} else {
		for (size_t i = 0; i < NPRIV; i++)
			if (granted(c->priv[i].r.decision))
				goal[ng++] = &c->priv[i];
		if (!ng && !c->unknown)
			return;
		goal_text = "escalate its privileges";
	}
	for (size_t i = 0; i < ng; i++)
		if (goal[i]->r.decision == IAM_ALLOW)
			conditional = false;
	if (c->unknown)
		conditional = false;

	pb_reset(b);
	const char *rwhy = NULL, *iwhy = NULL;
	bool narrow;
	size_t reach_link;
	enum lstate rs = add_reach_links(b, in, v, &rwhy, &narrow, &reach_link);
	size_t imds_link = b->nlinks;
	enum lstate is = add_imds_link(b, in, &iwhy);
	add_role_link(b, in, c);
	size_t st0 = add_stmt_links(b, goal, ng), st1 = b->nlinks;

	/* the goal */
	strbuf_reset(&b->sb);
	struct path_link *gl;
	if (g == PATH_GOAL_DATA) {
		for (size_t i = 0; i < ng; i++)
			strbuf_addf(&b->sb, "%s%s", i ? ", " : "", goal[i]->action);
		const char *acts = adup(b, b->sb.buf);
		/* the buckets: Resource of the GetObject statements */
		strbuf_reset(&b->sb);
		for (size_t i = 0; i < c->get.r.nstmts; i++) {
			const struct iam_stmt_ref *s = &c->get.r.stmts[i];
			if (s->deny || s->boundary || !s->js)
				continue;
			if (b->sb.len)
				strbuf_addstr(&b->sb, "; ");
			const bool nr = json_get(s->js, "NotResource") != NULL;
			if (nr)
				strbuf_addstr(&b->sb, "every resource except ");
			member_text(&b->sb, s->js, nr ? "NotResource" : "Resource");
		}
		const char *res = b->sb.len ? adup(b, b->sb.buf) : "arn:aws:s3:::*/*";
		gl = link_add(b, "data", res,
			      c->unknown ? "S3 data the role may read (IAM data missing)"
					 : aprintf(b, "%s on %s", acts, res));
	} else {
		for (size_t i = 0; i < ng; i++)
			strbuf_addf(&b->sb, "%s%s", i ? ", " : "", goal[i]->action);
		const char *acts = adup(b, b->sb.buf);
		gl = link_add(b, "privilege", ng ? goal[0]->action : "?",
			      c->unknown ? "privileges the role may hold (IAM data missing)"
			      : c->admin
				  ? aprintf(b, "administrator (Action * on Resource *): %s", acts)
				  : acts);
	}
	if (c->unknown) {
		gl->present = false;
		gl->unknown = true;
	}

	/* status and severity */
	int absent = (rs == L_ABSENT) + (is == L_ABSENT);
	int unknown = (rs == L_UNKNOWN) + (is == L_UNKNOWN) + (c->unknown ? 1 : 0);
	if (absent >= 2 || (c->unknown && absent))
		return;
	if (absent && !o->partial)
		return;
	struct attack_path *p = path_new(b, in, g);
	p->conditional = conditional;
	p->complete = !absent && !unknown;
	enum mm_sev top = MM_SEV_CRITICAL;
	if (conditional) {
		top = sev_down(top);
		missing_add(b, "the grant holds only under a policy Condition");
	}
	if (g == PATH_GOAL_DATA && !list_ok && !c->unknown) {
		top = sev_down(top);
		missing_add(b,
			    "the role cannot list buckets (s3:ListBucket is not allowed): object "
			    "names must be known");
	}
	if (narrow && rs == L_PRESENT) {
		top = sev_down(top);
		missing_add(b, "only narrow source ranges can reach it");
	}
	if (rs != L_PRESENT && rwhy)
		missing_add(b, rwhy);
	if (is != L_PRESENT && iwhy)
		missing_add(b, iwhy);
	if (c->unknown)
		missing_add(b, aprintf(b, "the role's permissions are unknown: %s",
				       c->reason ? c->reason : "IAM data missing"));
	p->sev = absent ? MM_SEV_MEDIUM : top;

	/* breaks */
	if (rs == L_PRESENT)
		reach_breaks(b, in, v, reach_link);
	imds_breaks(b, in, imds_link);
	policy_breaks(b, c, st0, st1, goal_text);

	strbuf_reset(&b->sb);
	strbuf_addf(&b->sb, "internet%s -> %s (%s) -> role %s -> %s",
		    rs == L_PRESENT   ? ""
		    : rs == L_UNKNOWN ? " (reachability unknown)"
				      : " (blocked)",
		    in->r.id, imds_word(in), c->role ? c->role : "?",
		    g == PATH_GOAL_DATA ? "S3 read" : "privilege escalation");
	p->title = adup(b, b->sb.buf);
	p->target = b->links[b->nlinks - 1].detail;
	finish_path(b);
}

/* ---- container hosts ---- */

static bool key_prefix(const char *k, const char *p)
{
	return k && !strncmp(k, p, strlen(p));
}

/* Why this instance is a container host (EKS/ECS node), or NULL. */
static const char *container_host(struct pb *b, const struct mm_instance *in, const struct caps *c,
				  const struct mm_loc **loc)
{
	*loc = &in->r.loc;
	for (size_t i = 0; i < in->r.ntags; i++) {
		const char *k = in->r.tags[i].key;
		if (key_prefix(k, "kubernetes.io/cluster/") || key_prefix(k, "eks:cluster-name") ||
		    key_prefix(k, "aws:eks:cluster-name") || key_prefix(k, "alpha.eksctl.io/") ||
		    key_prefix(k, "k8s.io/cluster-autoscaler/") ||
		    key_prefix(k, "eks:nodegroup-name") || key_prefix(k, "AmazonECSManaged") ||
		    key_prefix(k, "aws:ecs:") || key_prefix(k, "ecs:cluster"))
			return aprintf(b, "tag %s=%s", k,
				       in->r.tags[i].value ? in->r.tags[i].value : "");
	}
	const struct mm_iam_role *r = c && c->role ? mm_find_role(b->m, c->role) : NULL;
	for (size_t i = 0; r && i < json_len(r->attached); i++) {
		const char *arn = json_str(&r->attached->u.items[i], "PolicyArn");
		if (arn && (strstr(arn, "AmazonEKSWorkerNodePolicy") ||
			    strstr(arn, "AmazonEC2ContainerServiceforEC2Role") ||
			    strstr(arn, "AmazonEKS_CNI_Policy"))) {
			*loc = &r->r.loc;
			return aprintf(b, "its role has %s attached", arn);
		}
	}
	const struct mm_image *img = in->image_id ? mm_find_image(b->m, in->image_id) : NULL;
	const char *name = img ? img->name : NULL;
	if (name && (strstr(name, "amazon-eks-node") || strstr(name, "ecs-optimized") ||
		     strstr(name, "amzn2-ami-ecs") || strstr(name, "al2023-ami-ecs") ||
		     strstr(name, "bottlerocket"))) {
		*loc = &img->r.loc;
		return aprintf(b, "image %s (%s)", in->image_id, name);
	}
	return NULL;
}

static void creds_path(struct pb *b, const struct mm_instance *in, const struct pexp_view *v,
		       const struct caps *c)
{
	const struct mm_imds *d = &in->imds;
	if (!d->http_tokens || strcmp(d->http_tokens, "optional") || d->hop_limit < 2 ||
	    (d->http_endpoint && !strcmp(d->http_endpoint, "disabled")))
		return;
	pb_reset(b);
	const struct mm_loc *hl;
	const char *why = container_host(b, in, c, &hl);
	if (!why)
		return;
	const char *rwhy = NULL, *iwhy = NULL;
	bool narrow;
	size_t reach_link;
	enum lstate rs = add_reach_links(b, in, v, &rwhy, &narrow, &reach_link);
	struct path_link *l =
	    link_add(b, "container-host", in->r.id, aprintf(b, "a container host: %s", why));
	link_ev_loc(b, l, hl, why);
	size_t imds_link = b->nlinks;
	add_imds_link(b, in, &iwhy);
	l = link_add(b, "hop-limit", in->r.id,
		     aprintf(b,
			     "HttpPutResponseHopLimit=%lld: metadata responses reach processes "
			     "in containers (one extra network hop)",
			     d->hop_limit));
	link_ev_loc(b, l, d->loc.file ? &d->loc : &in->r.loc,
		    aprintf(b, "HttpPutResponseHopLimit=%lld", d->hop_limit));
	size_t hop_link = b->nlinks - 1;
	add_role_link(b, in, c);
	l = link_add(b, "credentials", c->role ? c->role : "?",
		     "every container on the host can take the node role's credentials");
	if (c->unknown) {
		l->present = false;
		l->unknown = true;
	}
	struct attack_path *p = path_new(b, in, PATH_GOAL_CREDS);
	p->complete = rs == L_PRESENT && !c->unknown;
	p->sev = rs == L_PRESENT && !narrow ? MM_SEV_CRITICAL : MM_SEV_HIGH;
	if (rs != L_PRESENT && rwhy)
		missing_add(b, rwhy);
	else if (narrow)
		missing_add(b, "only narrow source ranges can reach it");
	if (c->unknown)
		missing_add(b, aprintf(b, "the role's permissions are unknown: %s",
				       c->reason ? c->reason : "IAM data missing"));
	imds_breaks(b, in, imds_link);
	const char *region = in->r.region ? in->r.region : "unknown";
	break_add(b, hop_link, COST_IMDS + 1,
		  aprintf(b,
			  "set the hop limit of %s to 1 so containers cannot reach the metadata "
			  "service (pods using IRSA / EKS Pod Identity or ECS task roles keep "
			  "their own credentials)",
			  in->r.id),
		  pexp_cli_safe(region) && pexp_cli_safe(in->r.id)
		      ? aprintf(b,
				"aws ec2 modify-instance-metadata-options --region %s "
				"--instance-id %s --http-put-response-hop-limit 1",
				region, in->r.id)
		      : NULL);
	if (rs == L_PRESENT)
		reach_breaks(b, in, v, reach_link);
	p->title = aprintf(b, "container -> %s (IMDSv1, hop limit %lld) -> role %s", in->r.id,
			   d->hop_limit, c->role ? c->role : "?");
	p->target = aprintf(b, "credentials of role %s", c->role ? c->role : "?");
	finish_path(b);
}

/* ---- driver ---- */

static int path_cmp(const void *a, const void *b)
{
	const struct attack_path *x = a, *y = b;
	if (x->sev != y->sev)
		return x->sev > y->sev ? -1 : 1;
	if (x->complete != y->complete)
		return x->complete ? -1 : 1;
	if (x->goal != y->goal)
		return x->goal < y->goal ? -1 : 1;
	int c = strcmp(x->account ? x->account : "", y->account ? y->account : "");
	if (c)
		return c;
	c = strcmp(x->region ? x->region : "", y->region ? y->region : "");
	if (c)
		return c;
	return strcmp(x->resource, y->resource);
}

int paths_find_in(struct mm_model *m, struct pexp *px, const struct paths_opts *o,
		  struct paths_result *out, struct mm_err *e)
{
	if (!m || !out || !o)
		return mm_err_set(e, MM_EUSAGE, "paths_find: missing argument");
	struct arena a;
	arena_init(&a);
	struct hmap cache = HMAP_INIT;
	struct pb b = { .m = m, .out = out };
	strbuf_init(&b.sb, 0);
	int rc = 0;
	for (size_t i = 0; i < m->ninstances; i++) {
		const struct mm_instance *in = &m->instances[i];
		if (o->instance && strcmp(o->instance, in->r.id))
			continue;
		if (!in->state || strcmp(in->state, "running"))
			continue;
		out->instances++;
		if (!in->profile_arn)
			continue;
		struct caps *c = caps_of(m, &cache, &a, in, e);
		if (!c) {
			rc = e && e->code ? e->code : MM_EUSAGE;
			break;
		}
		if (c->unknown)
			out->unknown_roles++;
		struct pexp_view v;
		memset(&v, 0, sizeof(v));
		/* reachability not computed: every reachability link unknown */
		static const struct reach_unknown not_run = {
			.origin = REACH_FROM_INTERNET,
			.component = "exposure analysis",
			.reason = "not run (--no-reach)",
		};
		if (px)
			pexp_instance(px, in->r.id, &v);
		else
			v.unk = &not_run, v.nunk = 1;
		internet_path(&b, in, &v, c, PATH_GOAL_DATA, o);
		internet_path(&b, in, &v, c, PATH_GOAL_PRIVILEGE, o);
		creds_path(&b, in, &v, c);
	}
	mm_qsort(out->v, out->nr, sizeof(*out->v), path_cmp);
	free(b.links);
	free(b.breaks);
	free(b.missing);
	strbuf_release(&b.sb);
	hmap_release(&cache);
	arena_release(&a);
	return rc;
}

int paths_find(struct mm_model *m, const struct reach_result *rr, const struct paths_opts *o,
	       struct paths_result *out, struct mm_err *e)
{
	struct pexp *px = rr && m ? pexp_wrap(m, rr) : NULL;
	int rc = paths_find_in(m, px, o, out, e);
	pexp_free(px);
	return rc;
}
