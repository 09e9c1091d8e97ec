/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Toxic-combination checks: one finding per attack path (paths.c), whose
 * evidence is the whole chain, link by link, and whose remediation is the
 * cheapest break. Complete and partial paths fail (partial ones at medium,
 * naming the missing link); a path with an unknown link is unknown, at the
 * severity it would have. Only with the exposure analysis on, like the
 * per-instance exposure checks.
 */
#include "posture-int.h"

#include <string.h>

#include "paths.h"
#include "base/banned.h"

static const char *const goal_rule[] = {
	[PATH_GOAL_DATA] = "ec2-toxic-internet-imdsv1-s3-read",
	[PATH_GOAL_PRIVILEGE] = "ec2-toxic-internet-imdsv1-privilege",
	[PATH_GOAL_CREDS] = "ec2-toxic-container-imdsv1-hop-limit",
};

static bool path_unknown(const struct attack_path *p)
{
	if (p->complete)
		return false;
	for (size_t i = 0; i < p->nchain; i++)
		if (!p->chain[i].present && !p->chain[i].unknown)
			return false;
	return true;
}

static void emit(struct pctx *x, const struct attack_path *p)
{
	const struct mm_instance *in = mm_find_instance(x->m, p->resource);
	if (!in)
		return;
	bool unk = path_unknown(p);
	struct finding *f =
	    pf_new(x, goal_rule[p->goal], unk ? MM_ST_UNKNOWN : MM_ST_FAIL, &in->r, "ec2-instance");
	if (!f)
		return;
	f->sev = p->sev;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s: %s", p->title, p->target ? p->target : "");
	for (size_t i = 0; i < p->nmissing; i++)
		strbuf_addf(&sb, "%s%s",
			    i ? "; and " : (unk ? "; unknown because " : "; not critical because "),
			    p->missing[i]);
	pf_msg(x, f, "%s", sb.buf);
	for (size_t k = 0; k < p->nchain; k++) {
		const struct path_link *l = &p->chain[k];
		const char *state = l->unknown ? "unknown" : l->present ? "holds" : "missing";
		pf_ev(x, f, NULL, "link %zu/%zu %s %s (%s): %s", k + 1, p->nchain, l->kind, l->id,
		      state, l->detail);
		for (size_t j = 0; j < l->nev; j++)
			if (l->ev[j].loc)
				finding_add_evidence(x->out, f, l->ev[j].loc, l->ev[j].what);
	}
	const struct path_break *cheap = NULL;
	for (size_t i = 0; i < p->nbreaks && !cheap; i++)
		if (p->breaks[i].cheapest)
			cheap = &p->breaks[i];
	if (cheap) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s Cheapest break (link %zu, %s): %s.",
			    f->rem_text ? f->rem_text : "", cheap->link + 1,
			    p->chain[cheap->link].kind, cheap->what);
		for (size_t i = 0; i < p->nbreaks; i++)
			if (&p->breaks[i] != cheap)
				strbuf_addf(&sb, " Or: %s.", p->breaks[i].what);
		f->rem_text = arena_strdup(&x->out->arena, sb.buf);
		if (cheap->cli)
			f->rem_cli = arena_strdup(&x->out->arena, cheap->cli);
	}
	if (!f->rem_cli)
		pf_cli(x, f, NULL, 0);
	strbuf_release(&sb);
	pf_done(x, f);
}

void check_paths(struct pctx *x)
{
	if (!x->exp)
		return; /* exposure analysis off: no attack paths */
	if (pexp_ensure(x->exp, NULL) < 0)
		return; /* posture_run() reports the error */
	struct paths_result pr;
	paths_result_init(&pr);
	struct paths_opts po = { .partial = true };
	struct mm_err e = { 0 };
	if (paths_find_in(x->m, x->exp, &po, &pr, &e) == 0) {
		for (size_t i = 0; i < pr.nr; i++)
			emit(x, &pr.v[i]);
		if (x->o->passed) {
			/* a pass per goal for every running instance without a path */
			for (size_t i = 0; i < x->m->ninstances; i++) {
				const struct mm_instance *in = &x->m->instances[i];
				if (!in->state || strcmp(in->state, "running"))
					continue;
				for (int g = PATH_GOAL_DATA; g <= PATH_GOAL_CREDS; g++) {
					bool found = false;
					for (size_t k = 0; k < pr.nr && !found; k++)
						found = (int)pr.v[k].goal == g &&
							!strcmp(pr.v[k].resource, in->r.id);
					if (found)
						continue;
					struct finding *f = pf_new(x, goal_rule[g], MM_ST_PASS,
								   &in->r, "ec2-instance");
					pf_msg(
					    x, f, "no %s attack path through %s (%s)",
					    path_goal_name((enum path_goal)g), in->r.id,
					    in->profile_arn
						? "its role grants no link of it, or two links are missing"
						: "no instance profile");
					pf_done(x, f);
				}
			}
		}
	}
	paths_result_release(&pr);
}
