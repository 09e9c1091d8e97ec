/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON output: the machine-readable contract (docs/output.md). Field names
 * and their order are append-only once released: consumers and golden tests
 * depend on them. Run-dependent values are confined to summary.snapshot and
 * summary.elapsed_ms, each on its own line, so golden tests can normalise them.
 */
#include <stdio.h>

#include "report-int.h"
#include "base/banned.h"

static const enum mm_sev sev_order[] = { MM_SEV_CRITICAL, MM_SEV_HIGH, MM_SEV_MEDIUM, MM_SEV_LOW,
					 MM_SEV_INFO };
static const enum mm_status status_order[] = { MM_ST_FAIL, MM_ST_UNKNOWN, MM_ST_MUTED, MM_ST_PASS };

static void write_strings(struct jw *w, const char *key, const char *const *v, size_t n)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_str(w, v[i]);
	jw_arr_end(w);
}

void report_jw_evidence(struct jw *w, const struct mm_evidence *ev, size_t n)
{
	jw_key(w, "evidence");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_kstr(w, "location", ev[i].loc);
		jw_kstr(w, "detail", ev[i].what);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void write_finding(struct jw *w, const struct finding *f)
{
	jw_obj_begin(w);
	jw_kstr(w, "id", f->id);
	jw_kstr(w, "rule", f->rule);
	jw_kstr(w, "title", f->title);
	jw_kstr(w, "severity", mm_sev_name(f->sev));
	jw_kstr(w, "status", mm_status_name(f->status));
	if (f->status == MM_ST_MUTED) {
		jw_kstr(w, "mute_reason", f->mute_reason ? f->mute_reason : "");
		jw_kstr(w, "muted_from", mm_status_name(f->muted_from));
	}

	jw_key(w, "resource");
	jw_obj_begin(w);
	jw_kstr(w, "type", f->res_type);
	jw_kstr(w, "id", f->res_id);
	if (f->res_arn)
		jw_kstr(w, "arn", f->res_arn);
	jw_kstr(w, "account", f->account);
	jw_kstr(w, "region", f->region);
	if (f->ntags) {
		jw_key(w, "tags");
		jw_obj_begin(w);
		for (size_t i = 0; i < f->ntags; i++)
			jw_kstr(w, f->tags[i].key ? f->tags[i].key : "", f->tags[i].value);
		jw_obj_end(w);
	}
	jw_obj_end(w);

	jw_kstr(w, "message", f->message);
	report_jw_evidence(w, f->ev, f->nev);

	jw_key(w, "remediation");
	jw_obj_begin(w);
	jw_kstr(w, "text", f->rem_text);
	jw_kstr(w, "cli", f->rem_cli);
	jw_obj_end(w);

	write_strings(w, "compliance", f->compliance, f->ncompliance);
	jw_obj_end(w);
}

static void write_summary(struct jw *w, const struct findings *fs, const struct report_meta *m)
{
	struct report_counts c;
	report_count(fs, m->fail_on, &c);
	jw_key(w, "summary");
	jw_obj_begin(w);
	jw_kuint(w, "total", c.total);
	jw_key(w, "by_severity");
	jw_obj_begin(w);
	for (size_t i = 0; i < sizeof(sev_order) / sizeof(sev_order[0]); i++)
		jw_kuint(w, mm_sev_name(sev_order[i]), c.fail_by_sev[sev_order[i]]);
	jw_obj_end(w);
	jw_key(w, "by_status");
	jw_obj_begin(w);
	for (size_t i = 0; i < sizeof(status_order) / sizeof(status_order[0]); i++)
		jw_kuint(w, mm_status_name(status_order[i]), c.by_status[status_order[i]]);
	jw_obj_end(w);
	jw_kuint(w, "rules_evaluated", m->rules_evaluated);
	jw_kuint(w, "resources", m->resources);
	jw_kuint(w, "files_loaded", m->files_loaded);
	jw_kuint(w, "files_failed", m->files_failed);
	jw_kuint(w, "files_skipped", m->files_skipped);
	jw_kuint(w, "records_skipped", m->records_skipped);
	jw_kuint(w, "errors", m->diags ? m->diags->nr_errors : 0);
	jw_kuint(w, "warnings", m->diags ? m->diags->nr_warnings : 0);
	jw_kstr(w, "fail_on",
		m->fail_on == REPORT_FAIL_ON_NONE ? "none" : mm_sev_name((enum mm_sev)m->fail_on));
	jw_kuint(w, "failing", c.failing);
	if (m->exposure)
		jw_kstr(w, "exposure_analysis", m->exposure);
	jw_kstr(w, "snapshot", m->snapshot);
	jw_key(w, "elapsed_ms");
	jw_int(w, m->elapsed_ms);
	jw_obj_end(w);
}

static void write_errors(struct jw *w, const struct mm_diags *d)
{
	jw_key(w, "errors");
	jw_arr_begin(w);
	for (size_t i = 0; d && i < d->nr; i++) {
		const struct mm_diag *g = &d->v[i];
		jw_obj_begin(w);
		jw_kstr(w, "level", g->level == MM_DIAG_ERROR ? "error" : "warning");
		jw_kstr(w, "file", g->file);
		jw_key(w, "offset");
		if (g->off >= 0)
			jw_int(w, g->off);
		else
			jw_null(w);
		jw_kstr(w, "message", g->msg);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static int json_render(struct strbuf *out, const struct findings *fs, const struct report_meta *m,
		       const struct report_opts *o)
{
	struct jw w;
	jw_init(&w, out);
	jw_obj_begin(&w);
	jw_key(&w, "tool");
	jw_obj_begin(&w);
	jw_kstr(&w, "name", m->tool_name ? m->tool_name : "mamori");
	jw_kstr(&w, "version", m->tool_version);
	jw_obj_end(&w);
	jw_key(&w, "findings");
	jw_arr_begin(&w);
	int fr = 0;
	for (size_t i = 0; fs && i < fs->nr && !fr; i++) {
		write_finding(&w, &fs->v[i]);
		fr = report_flush(out, o);
	}
	if (fr)
		return fr;
	jw_arr_end(&w);
	write_summary(&w, fs, m);
	write_errors(&w, m->diags);
	jw_obj_end(&w);
	jw_finish(&w);
	return 0;
}

static int json_render_catalog(struct strbuf *out, const struct posture_catalog *c,
			       const struct report_opts *o)
{
	(void)o;
	struct jw w;
	jw_init(&w, out);
	jw_obj_begin(&w);
	jw_key(&w, "rules");
	jw_arr_begin(&w);
	for (size_t i = 0; c && i < c->nr; i++) {
		const struct posture_rule *r = &c->v[i];
		jw_obj_begin(&w);
		jw_kstr(&w, "id", r->id);
		jw_kstr(&w, "severity", mm_sev_name(r->sev));
		jw_kstr(&w, "title", r->title);
		jw_kstr(&w, "group", r->group);
		jw_kstr(&w, "resource_type", r->resource_type);
		jw_kstr(&w, "description", r->description);
		jw_key(&w, "remediation");
		jw_obj_begin(&w);
		jw_kstr(&w, "text", r->remediation);
		jw_kstr(&w, "cli", r->cli);
		jw_obj_end(&w);
		write_strings(&w, "compliance", r->compliance, r->ncompliance);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_finish(&w);
	return 0;
}

const struct report_module report_module_json = {
	.name = "json",
	.description = "one JSON document (docs/output.md)",
	.render = json_render,
	.render_catalog = json_render_catalog,
};
