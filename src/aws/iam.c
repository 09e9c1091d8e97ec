/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IAM policy evaluation (see iam.h): gathers a role's statements from the
 * model, rates each against the query (does it apply to some / to all of
 * what is asked, is it conditional), and combines them in AWS's order:
 * explicit Deny, identity Allow, boundary Allow. Wildcards are handled as
 * languages, not strings, so a query may itself be a pattern.
 */
#include <ctype.h>
#include <string.h>

#include "aws/iam.h"
#include "base/json.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define GLOB_MAX 4096

const char *iam_decision_name(enum iam_decision d)
{
	switch (d) {
	case IAM_ALLOW:
		return "ALLOW";
	case IAM_DENY:
		return "DENY";
	case IAM_IMPLICIT_DENY:
		return "IMPLICIT_DENY";
	case IAM_CONDITIONAL:
		return "CONDITIONAL";
	case IAM_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}

static bool wild(char c)
{
	return c == '*' || c == '?';
}

static bool ceq(char a, char b, bool ci)
{
	return ci ? tolower((unsigned char)a) == tolower((unsigned char)b) : a == b;
}

/* dp over pat rows and query columns: cur[j] = pat[0..i) covers query[0..j). */
bool iam_glob_covers(const char *pat, const char *q, bool ci)
{
	size_t np = strlen(pat), nq = strlen(q);
	if (np > GLOB_MAX || nq > GLOB_MAX)
		return false;
	bool *prev = xcalloc(nq + 1, sizeof(bool)), *cur = xcalloc(nq + 1, sizeof(bool));
	prev[0] = true;
	for (size_t i = 1; i <= np; i++) {
		char p = pat[i - 1];
		cur[0] = p == '*' && prev[0];
		for (size_t j = 1; j <= nq; j++) {
			char c = q[j - 1];
			if (p == '*')
				cur[j] = prev[j] || cur[j - 1];
			else if (p == '?')
				cur[j] = c != '*' && prev[j - 1];
			else
				cur[j] = !wild(c) && ceq(p, c, ci) && prev[j - 1];
		}
		bool *t = prev;
		prev = cur;
		cur = t;
	}
	bool r = prev[nq];
	free(prev);
	free(cur);
	return r;
}

/*
 * Product of the two patterns' automata: state (i, j); a star may be left
 * (epsilon) or consume a character and stay; transitions never go back, so
 * row-major order visits every state after its predecessors.
 */
bool iam_glob_meets(const char *a, const char *b, bool ci)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na > GLOB_MAX || nb > GLOB_MAX)
		return true;
	bool *row = xcalloc(nb + 1, sizeof(bool)), *next = xcalloc(nb + 1, sizeof(bool));
	row[0] = true;
	bool hit = false;
	for (size_t i = 0; i <= na && !hit; i++) {
		memset(next, 0, (nb + 1) * sizeof(bool));
		for (size_t j = 0; j <= nb; j++) {
			if (!row[j])
				continue;
			if (i == na && j == nb) {
				hit = true;
				break;
			}
			bool sa = i < na && a[i] == '*', sb = j < nb && b[j] == '*';
			if (sa)
				next[j] = true;
			if (sb && j + 1 <= nb)
				row[j + 1] = true;
			if (i < na && j < nb && !(sa && sb)) {
				bool ok = wild(a[i]) || wild(b[j]) || ceq(a[i], b[j], ci);
				if (ok) {
					size_t j2 = sb ? j : j + 1;
					if (sa)
						row[j2] = true;
					else
						next[j2] = true;
				}
			}
		}
		bool *t = row;
		row = next;
		next = t;
	}
	free(row);
	free(next);
	return hit;
}

/* ---- statements ---- */

/* How one element list (Action, Resource...) relates to the query. */
struct fit {
	bool some, all;
};

/* Patterns in v (a string or an array of strings); NotX when neg. */
static struct fit fit_list(const struct json *v, bool neg, const char *q, bool ci)
{
	struct fit f = { false, false };
	bool any_cover = false, any_meet = false, all_disjoint = true;
	if (json_is(v, JSON_STRING)) {
		any_cover = iam_glob_covers(v->u.s, q, ci);
		any_meet = any_cover || iam_glob_meets(v->u.s, q, ci);
	} else if (json_is(v, JSON_ARRAY)) {
		for (uint32_t i = 0; i < v->n; i++) {
			const char *s = json_as_str(&v->u.items[i]);
			if (!s)
				continue;
			if (iam_glob_covers(s, q, ci))
				any_cover = any_meet = true;
			else if (iam_glob_meets(s, q, ci))
				any_meet = true;
		}
	} else {
		return f; /* absent or malformed: the statement applies to nothing */
	}
	all_disjoint = !any_meet;
	if (neg) {
		/* NotX: applies to what no pattern matches */
		f.some = !any_cover;
		f.all = all_disjoint;
	} else {
		f.some = any_meet;
		f.all = any_cover;
	}
	return f;
}

struct stmt {
	const struct json *js;
	bool deny, cond, boundary;
	struct fit act, res;
	struct iam_stmt_ref ref;
};

struct acc {
	struct stmt *v;
	size_t nr, alloc;
	const char *missing; /* first reason data is missing, arena */
};

static bool has_condition(const struct json *s)
{
	const struct json *c = json_get(s, "Condition");
	return c && !(c->type == JSON_OBJECT && c->n == 0) && c->type != JSON_NULL;
}

static void add_stmt(struct acc *a, const struct json *s, const struct iam_stmt_ref *base, long idx,
		     const struct mm_loc *loc, const char *action, const char *resource)
{
	const char *eff = json_str(s, "Effect");
	if (!eff || (strcmp(eff, "Allow") && strcmp(eff, "Deny")))
		return; /* not a valid statement: grants and denies nothing */
	struct stmt x;
	memset(&x, 0, sizeof(x));
	x.js = s;
	x.deny = !strcmp(eff, "Deny");
	x.cond = has_condition(s);
	x.boundary = base->boundary;
	const struct json *na = json_get(s, "NotAction");
	x.act = fit_list(na ? na : json_get(s, "Action"), na != NULL, action, true);
	const struct json *nr = json_get(s, "NotResource");
	x.res = fit_list(nr ? nr : json_get(s, "Resource"), nr != NULL, resource, false);
	x.ref = *base;
	x.ref.deny = x.deny;
	x.ref.conditional = x.cond;
	x.ref.index = idx;
	x.ref.sid = json_str(s, "Sid");
	x.ref.loc = *loc;
	x.ref.js = s;
	ALLOC_GROW(a->v, a->nr + 1, a->alloc);
	a->v[a->nr++] = x;
}

/* Every statement of a policy document found at loc. */
static void add_doc(struct mm_model *m, struct acc *a, const struct json *doc,
		    const struct iam_stmt_ref *base, const struct mm_loc *loc, const char *action,
		    const char *resource)
{
	const struct json *st = json_get(doc, "Statement");
	struct mm_loc sl = mm_loc_key(m, loc, "Statement");
	if (json_is(st, JSON_OBJECT)) {
		add_stmt(a, st, base, 0, &sl, action, resource);
	} else if (json_is(st, JSON_ARRAY)) {
		for (uint32_t i = 0; i < st->n; i++) {
			struct mm_loc il = mm_loc_idx(m, &sl, i);
			add_stmt(a, &st->u.items[i], base, (long)i, &il, action, resource);
		}
	}
}

/* Location of a managed policy's default document: the version holding it. */
static struct mm_loc policy_doc_loc(struct mm_model *m, const struct mm_iam_policy *p)
{
	const struct json *vl = json_get(p->r.raw, "PolicyVersionList");
	struct mm_loc vloc = mm_loc_key(m, &p->r.loc, "PolicyVersionList");
	for (size_t j = 0; j < json_len(vl); j++)
		if (json_get(&vl->u.items[j], "Document") == p->document) {
			struct mm_loc l = mm_loc_idx(m, &vloc, j);
			return mm_loc_key(m, &l, "Document");
		}
	return p->r.loc;
}

static void add_managed(struct mm_model *m, struct acc *a, const char *arn, const char *name,
			bool boundary, const char *role, const char *action, const char *resource)
{
	const struct mm_iam_policy *p = arn ? mm_find_policy(m, arn) : NULL;
	if (!p || !p->document) {
		if (!a->missing)
			a->missing =
			    arena_printf(&m->arena, "%s '%s' of role '%s' is not in the IAM data",
					 boundary ? "permissions boundary" : "attached policy",
					 arn ? arn : "(no arn)", role);
		return;
	}
	struct iam_stmt_ref base = { .policy_arn = p->r.arn ? p->r.arn : arn,
				     .policy_name = p->name ? p->name : name,
				     .boundary = boundary };
	struct mm_loc loc = policy_doc_loc(m, p);
	add_doc(m, a, p->document, &base, &loc, action, resource);
}

static void collect(struct mm_model *m, const struct mm_iam_role *r, struct acc *a,
		    const char *action, const char *resource)
{
	const struct json *att = r->attached;
	for (size_t i = 0; i < json_len(att); i++) {
		const struct json *x = &att->u.items[i];
		add_managed(m, a, json_str(x, "PolicyArn"), json_str(x, "PolicyName"), false,
			    r->name, action, resource);
	}
	const struct json *il = r->inline_p;
	struct mm_loc ill = mm_loc_key(m, &r->r.loc, "RolePolicyList");
	for (size_t i = 0; i < json_len(il); i++) {
		const struct json *x = &il->u.items[i];
		const struct json *doc = json_get(x, "PolicyDocument");
		struct iam_stmt_ref base = { .policy_name = json_str(x, "PolicyName") };
		if (!json_is(doc, JSON_OBJECT)) {
			if (!a->missing)
				a->missing = arena_printf(
				    &m->arena, "inline policy '%s' of role '%s' cannot be read",
				    base.policy_name ? base.policy_name : "?", r->name);
			continue;
		}
		struct mm_loc l = mm_loc_idx(m, &ill, i);
		l = mm_loc_key(m, &l, "PolicyDocument");
		add_doc(m, a, doc, &base, &l, action, resource);
	}
	if (r->boundary)
		add_managed(m, a, json_str(r->boundary, "PermissionsBoundaryArn"), NULL, true,
			    r->name, action, resource);
}

static bool applies_all(const struct stmt *s)
{
	return s->act.all && s->res.all;
}

static bool applies_some(const struct stmt *s)
{
	return s->act.some && s->res.some;
}

/* Every pattern of the Allow's Resource list al that meets the query is
 * covered by some pattern of the Deny's Resource list dl. */
static bool res_patterns_covered(const struct json *al, const struct json *dl, const char *resource)
{
	size_t n = json_is(al, JSON_ARRAY) ? al->n : 1;
	for (size_t i = 0; i < n; i++) {
		const char *ap =
		    json_is(al, JSON_ARRAY) ? json_as_str(&al->u.items[i]) : json_as_str(al);
		if (!ap || !iam_glob_meets(ap, resource, false))
			continue;
		bool cov = false;
		size_t nd = json_is(dl, JSON_ARRAY) ? dl->n : 1;
		for (size_t k = 0; k < nd && !cov; k++) {
			const char *dp = json_is(dl, JSON_ARRAY) ? json_as_str(&dl->u.items[k])
								 : json_as_str(dl);
			cov = dp && iam_glob_covers(dp, ap, false);
		}
		if (!cov)
			return false;
	}
	return true;
}

/*
 * An unconditional Deny that applies to only part of a wildcard query still
 * removes an Allow whose whole grant (within the query) it covers.
 */
static bool killed(const struct stmt *allow, const struct acc *a, const char *resource)
{
	for (size_t i = 0; i < a->nr; i++) {
		const struct stmt *d = &a->v[i];
		if (!d->deny || d->cond || !applies_some(d) || !d->act.all)
			continue;
		if (d->res.all)
			return true; /* certain deny: handled before, kept for clarity */
		const struct json *ar = json_get(allow->js, "Resource");
		const struct json *dr = json_get(d->js, "Resource");
		if (ar && dr && !json_get(allow->js, "NotResource") &&
		    !json_get(d->js, "NotResource") && res_patterns_covered(ar, dr, resource))
			return true;
	}
	return false;
}

struct refs {
	struct iam_stmt_ref *v;
	size_t nr, alloc;
};

static void ref_add(struct refs *r, const struct iam_stmt_ref *x)
{
	ALLOC_GROW(r->v, r->nr + 1, r->alloc);
	r->v[r->nr++] = *x;
}

static void finish(struct mm_model *m, struct iam_result *out, enum iam_decision d, struct refs *r,
		   const char *reason)
{
	out->decision = d;
	out->reason = reason;
	out->nstmts = r->nr;
	out->stmts = NULL;
	if (r->nr) {
		out->stmts = arena_calloc(&m->arena, r->nr, sizeof(*r->v));
		memcpy(out->stmts, r->v, r->nr * sizeof(*r->v));
	}
	free(r->v);
	r->v = NULL;
	r->nr = r->alloc = 0;
}

static void eval(struct mm_model *m, const struct mm_iam_role *role, const char *action,
		 const char *resource, struct iam_result *out)
{
	struct acc a = { 0 };
	struct refs r = { 0 };
	collect(m, role, &a, action, resource);

	/* 1. explicit, unconditional Deny covering the query */
	for (size_t i = 0; i < a.nr; i++)
		if (a.v[i].deny && !a.v[i].cond && applies_all(&a.v[i]))
			ref_add(&r, &a.v[i].ref);
	if (r.nr) {
		finish(m, out, IAM_DENY, &r,
		       arena_printf(&m->arena, "explicit deny of '%s' on '%s' for role '%s'",
				    action, resource, role->name));
		goto done;
	}
	if (a.missing) {
		finish(m, out, IAM_UNKNOWN, &r, a.missing);
		goto done;
	}

	/* 2. Allows in the identity policies, then in the boundary */
	bool id_uncond = false, id_any = false, b_uncond = false, b_any = false;
	for (size_t i = 0; i < a.nr; i++) {
		const struct stmt *s = &a.v[i];
		if (s->deny || !applies_some(s))
			continue;
		if (killed(s, &a, resource))
			continue;
		if (s->boundary) {
			b_any = true;
			b_uncond |= !s->cond;
		} else {
			id_any = true;
			id_uncond |= !s->cond;
		}
	}
	if (!id_any) {
		finish(m, out, IAM_IMPLICIT_DENY, &r,
		       arena_printf(&m->arena, "no statement of role '%s' allows '%s' on '%s'",
				    role->name, action, resource));
		goto done;
	}
	if (role->boundary && !b_any) {
		const char *barn = json_str(role->boundary, "PermissionsBoundaryArn");
		const struct mm_iam_policy *bp = mm_find_policy(m, barn);
		struct iam_stmt_ref br = { .policy_arn = barn,
					   .policy_name = bp ? bp->name : NULL,
					   .boundary = true,
					   .index = -1,
					   .loc = bp ? policy_doc_loc(m, bp) : role->r.loc };
		ref_add(&r, &br);
		finish(m, out, IAM_IMPLICIT_DENY, &r,
		       arena_printf(&m->arena,
				    "permissions boundary '%s' of role '%s' does not allow '%s' "
				    "on '%s'",
				    barn, role->name, action, resource));
		goto done;
	}

	/* 3. Denies under a Condition that could apply */
	bool maybe_deny = false;
	for (size_t i = 0; i < a.nr; i++)
		if (a.v[i].deny && a.v[i].cond && applies_some(&a.v[i]))
			maybe_deny = true;

	bool allow = id_uncond && (!role->boundary || b_uncond) && !maybe_deny;
	for (size_t i = 0; i < a.nr; i++) {
		const struct stmt *s = &a.v[i];
		if (!applies_some(s))
			continue;
		if (s->deny ? s->cond && !allow : (allow ? !s->cond : true)) {
			if (!s->deny && killed(s, &a, resource))
				continue;
			ref_add(&r, &s->ref);
		}
	}
	if (allow)
		finish(m, out, IAM_ALLOW, &r,
		       arena_printf(&m->arena, "role '%s' is allowed '%s' on '%s'", role->name,
				    action, resource));
	else
		finish(m, out, IAM_CONDITIONAL, &r,
		       arena_printf(&m->arena,
				    "role '%s' is allowed '%s' on '%s' only under a condition%s",
				    role->name, action, resource,
				    maybe_deny ? " (a conditional deny could apply)" : ""));
done:
	free(a.v);
}

static void unknown(struct iam_result *out, const char *role, const char *reason)
{
	memset(out, 0, sizeof(*out));
	out->decision = IAM_UNKNOWN;
	out->role = role;
	out->reason = reason;
}

int iam_eval_role(struct mm_model *m, const char *role_name, const char *action,
		  const char *resource, struct iam_result *out, struct mm_err *e)
{
	if (!m || !role_name || !action || !resource || !out)
		return mm_err_set(e, MM_EUSAGE,
				  "iam evaluation needs a role, an action and a "
				  "resource");
	memset(out, 0, sizeof(*out));
	const struct mm_iam_role *role = mm_find_role(m, role_name);
	if (!role) {
		unknown(out, NULL,
			arena_printf(&m->arena, "role '%s' is not in the IAM data", role_name));
		return 0;
	}
	out->role = role->name;
	eval(m, role, action, resource, out);
	return 0;
}

/* Account field of an ARN (arn:partition:service:region:account:...). */
static const char *arn_account(struct mm_model *m, const char *arn)
{
	const char *p = arn;
	for (int k = 0; k < 4 && p; k++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	if (!p)
		return NULL;
	const char *end = strchr(p, ':');
	if (!end || end == p)
		return NULL;
	return arena_strndup(&m->arena, p, (size_t)(end - p));
}

int iam_eval_instance_profile(struct mm_model *m, const char *profile_arn, const char *action,
			      const char *resource, struct iam_result *out, struct mm_err *e)
{
	if (!m || !profile_arn || !action || !resource || !out)
		return mm_err_set(e, MM_EUSAGE,
				  "iam evaluation needs a profile, an action and a "
				  "resource");
	memset(out, 0, sizeof(*out));
	const char *acc = arn_account(m, profile_arn);
	struct mm_res probe = { .account = acc ? acc : "unknown", .region = "global" };
	if (!mm_have(m, &probe, MM_K_IAM)) {
		unknown(out, NULL,
			arena_printf(&m->arena,
				     "no IAM data (get-account-authorization-details) for account "
				     "'%s'",
				     probe.account));
		return 0;
	}
	const struct mm_iam_profile *p = mm_find_profile(m, profile_arn);
	if (!p) {
		unknown(out, NULL,
			arena_printf(&m->arena, "instance profile '%s' is not in the IAM data",
				     profile_arn));
		return 0;
	}
	if (!p->nroles) {
		out->decision = IAM_IMPLICIT_DENY;
		out->reason =
		    arena_printf(&m->arena, "instance profile '%s' has no role", profile_arn);
		return 0;
	}
	/* a profile holds at most one role (an AWS limit) */
	return iam_eval_role(m, p->roles[0], action, resource, out, e);
}
