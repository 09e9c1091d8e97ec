/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCSF output (--format ocsf): one JSON array of OCSF 1.3.0 Compliance
 * Finding events (class_uid 2003, category Findings), one per finding, for
 * data lakes that speak OCSF (Amazon Security Lake custom sources, SIEMs).
 * The mapping from struct finding is in docs/formats.md; what OCSF has no
 * attribute for (evidence details, the remediation CLI, mute reason, tags)
 * goes under "unmapped" so nothing is lost.
 *
 * Status mapping: fail -> compliance Fail, unknown (missing input) ->
 * compliance Warning ("did not yield a result due to missing information"),
 * muted -> compliance Fail with the finding status Suppressed, pass ->
 * compliance Pass. time is meta->started_ms (0 when the caller gave none).
 */
#include <string.h>

#include "formats.h"
#include "report-int.h"
#include "base/banned.h"

struct ocsf_status {
	int compliance_id;
	const char *compliance;
	int status_id;
	const char *status;
};

static struct ocsf_status map_status(enum mm_status s)
{
	switch (s) {
	case MM_ST_FAIL:
		return (struct ocsf_status){ 3, "Fail", 1, "New" };
	case MM_ST_UNKNOWN:
		return (struct ocsf_status){ 2, "Warning", 1, "New" };
	case MM_ST_MUTED:
		return (struct ocsf_status){ 3, "Fail", 3, "Suppressed" };
	default:
		return (struct ocsf_status){ 1, "Pass", 1, "New" };
	}
}

static const char *status_code(enum mm_status s)
{
	switch (s) {
	case MM_ST_FAIL:
		return "FAIL";
	case MM_ST_UNKNOWN:
		return "UNKNOWN";
	case MM_ST_MUTED:
		return "MUTED";
	default:
		return "PASS";
	}
}

static bool known(const char *s)
{
	return s && *s && strcmp(s, "unknown");
}

/* Distinct standards of the compliance ids, in order of first appearance. */
static void write_standards(struct jw *w, const struct finding *f)
{
	struct strbuf sb = STRBUF_INIT;
	jw_key(w, "standards");
	jw_arr_begin(w);
	size_t written = 0;
	for (size_t i = 0; i < f->ncompliance; i++) {
		size_t len;
		const char *s = fmt_standard(f->compliance[i], &len);
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			size_t l2;
			const char *s2 = fmt_standard(f->compliance[k], &l2);
			seen = l2 == len && !memcmp(s, s2, len);
		}
		if (seen || !len)
			continue;
		strbuf_reset(&sb);
		strbuf_add(&sb, s, len);
		jw_str(w, sb.buf);
		written++;
	}
	/* required attribute: a check outside every framework is mamori's own */
	if (!written)
		jw_str(w, "mamori");
	jw_arr_end(w);
	strbuf_release(&sb);
}

static void write_classification(struct jw *w)
{
	jw_key(w, "activity_id");
	jw_int(w, 1);
	jw_kstr(w, "activity_name", "Create");
	jw_key(w, "category_uid");
	jw_int(w, 2);
	jw_kstr(w, "category_name", "Findings");
	jw_key(w, "class_uid");
	jw_int(w, 2003);
	jw_kstr(w, "class_name", "Compliance Finding");
	jw_key(w, "type_uid");
	jw_int(w, 2003 * 100 + 1);
	jw_kstr(w, "type_name", "Compliance Finding: Create");
}

static void write_metadata(struct jw *w, const struct report_meta *m)
{
	jw_key(w, "metadata");
	jw_obj_begin(w);
	jw_kstr(w, "version", FMT_OCSF_VERSION);
	jw_key(w, "product");
	jw_obj_begin(w);
	jw_kstr(w, "name", m->tool_name ? m->tool_name : "mamori");
	jw_kstr(w, "vendor_name", FMT_VENDOR);
	if (m->tool_version)
		jw_kstr(w, "version", m->tool_version);
	jw_obj_end(w);
	jw_key(w, "profiles");
	jw_arr_begin(w);
	jw_str(w, "cloud");
	jw_arr_end(w);
	jw_obj_end(w);
}

static void write_finding_info(struct jw *w, const struct finding *f, const struct posture_rule *r)
{
	jw_key(w, "finding_info");
	jw_obj_begin(w);
	jw_kstr(w, "uid", f->id);
	jw_kstr(w, "title", f->title ? f->title : f->rule);
	if (f->message)
		jw_kstr(w, "desc", f->message);
	if (r && r->group) {
		jw_key(w, "types");
		jw_arr_begin(w);
		jw_str(w, r->group);
		jw_arr_end(w);
	}
	jw_key(w, "analytic");
	jw_obj_begin(w);
	jw_kstr(w, "uid", f->rule);
	jw_kstr(w, "name", f->rule);
	jw_key(w, "type_id");
	jw_int(w, 1);
	jw_kstr(w, "type", "Rule");
	jw_obj_end(w);
	size_t nloc = 0;
	for (size_t i = 0; i < f->nev; i++)
		nloc += f->ev[i].loc != NULL;
	if (nloc) {
		jw_key(w, "data_sources");
		jw_arr_begin(w);
		for (size_t i = 0; i < f->nev; i++)
			if (f->ev[i].loc)
				jw_str(w, f->ev[i].loc);
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

static void write_compliance(struct jw *w, const struct finding *f, struct ocsf_status st)
{
	jw_key(w, "compliance");
	jw_obj_begin(w);
	jw_kstr(w, "control", f->rule);
	write_standards(w, f);
	if (f->ncompliance) {
		jw_key(w, "requirements");
		jw_arr_begin(w);
		for (size_t i = 0; i < f->ncompliance; i++)
			jw_str(w, f->compliance[i]);
		jw_arr_end(w);
	}
	jw_key(w, "status_id");
	jw_int(w, st.compliance_id);
	jw_kstr(w, "status", st.compliance);
	jw_kstr(w, "status_code", status_code(f->status));
	if (f->message)
		jw_kstr(w, "status_detail", f->message);
	jw_obj_end(w);
}

static void write_resource(struct jw *w, const struct finding *f)
{
	struct strbuf arn = STRBUF_INIT;
	const char *a = fmt_resource_arn(&arn, f);
	jw_key(w, "resources");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_kstr(w, "uid", a ? a : f->res_id);
	jw_kstr(w, "name", f->res_id);
	jw_kstr(w, "type", f->res_type);
	if (known(f->region))
		jw_kstr(w, "region", f->region);
	jw_kstr(w, "cloud_partition", fmt_partition(f->region));
	if (f->ntags) {
		jw_key(w, "labels");
		jw_arr_begin(w);
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < f->ntags; i++) {
			strbuf_reset(&sb);
			strbuf_addstr(&sb, f->tags[i].key ? f->tags[i].key : "");
			strbuf_addch(&sb, '=');
			strbuf_addstr(&sb, f->tags[i].value ? f->tags[i].value : "");
			jw_str(w, sb.buf);
		}
		strbuf_release(&sb);
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_arr_end(w);
	strbuf_release(&arn);
}

static void write_cloud(struct jw *w, const struct finding *f)
{
	jw_key(w, "cloud");
	jw_obj_begin(w);
	jw_kstr(w, "provider", "AWS");
	if (known(f->account)) {
		jw_key(w, "account");
		jw_obj_begin(w);
		jw_kstr(w, "uid", f->account);
		jw_key(w, "type_id");
		jw_int(w, 10);
		jw_kstr(w, "type", "AWS Account");
		jw_obj_end(w);
	}
	if (known(f->region))
		jw_kstr(w, "region", f->region);
	jw_obj_end(w);
}

static void write_unmapped(struct jw *w, const struct finding *f)
{
	jw_key(w, "unmapped");
	jw_obj_begin(w);
	jw_key(w, "mamori");
	jw_obj_begin(w);
	jw_kstr(w, "status", mm_status_name(f->status));
	jw_kstr(w, "severity", mm_sev_name(f->sev));
	jw_kstr(w, "resource_type", f->res_type);
	jw_kstr(w, "resource_id", f->res_id);
	if (f->status == MM_ST_MUTED)
		jw_kstr(w, "mute_reason", f->mute_reason ? f->mute_reason : "");
	report_jw_evidence(w, f->ev, f->nev);
	if (f->rem_cli)
		jw_kstr(w, "remediation_cli", f->rem_cli);
	if (f->ntags) {
		jw_key(w, "tags");
		jw_obj_begin(w);
		for (size_t i = 0; i < f->ntags; i++) {
			/* a key that is not valid UTF-8 is repaired like any value */
			struct strbuf k = STRBUF_INIT;
			fmt_put_text(&k, f->tags[i].key ? f->tags[i].key : "", 0, false);
			jw_key(w, k.buf);
			jw_str(w, f->tags[i].value);
			strbuf_release(&k);
		}
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

static void write_event(struct jw *w, const struct finding *f, const struct report_meta *m)
{
	const struct posture_rule *r = m->catalog ? posture_rule_find(m->catalog, f->rule) : NULL;
	struct ocsf_status st = map_status(f->status);
	if (f->status == MM_ST_MUTED && f->muted_from == MM_ST_UNKNOWN) {
		st.compliance_id = 2; /* a suppressed unknown is a warning, not a failure */
		st.compliance = "Warning";
	}
	jw_obj_begin(w);
	write_classification(w);
	jw_key(w, "severity_id");
	jw_int(w, fmt_ocsf_severity_id(f->sev));
	jw_kstr(w, "severity", fmt_ocsf_severity(f->sev));
	jw_key(w, "time");
	jw_int(w, m->started_ms > 0 ? m->started_ms : 0);
	jw_key(w, "status_id");
	jw_int(w, st.status_id);
	jw_kstr(w, "status", st.status);
	jw_kstr(w, "status_code", status_code(f->status));
	if (f->status == MM_ST_MUTED)
		jw_kstr(w, "status_detail", f->mute_reason ? f->mute_reason : "muted");
	if (f->message)
		jw_kstr(w, "message", f->message);
	write_metadata(w, m);
	write_finding_info(w, f, r);
	write_compliance(w, f, st);
	write_resource(w, f);
	write_cloud(w, f);
	if (f->rem_text) {
		jw_key(w, "remediation");
		jw_obj_begin(w);
		jw_kstr(w, "desc", f->rem_text);
		jw_obj_end(w);
	}
	write_unmapped(w, f);
	jw_obj_end(w);
}

static int render(struct strbuf *out, const struct findings *fs, const struct report_meta *m,
		  const struct report_opts *o)
{
	struct jw w;
	jw_init(&w, out);
	jw_arr_begin(&w);
	int fr = 0;
	for (size_t i = 0; fs && i < fs->nr && !fr; i++) {
		write_event(&w, &fs->v[i], m);
		fr = report_flush(out, o);
	}
	if (fr)
		return fr;
	jw_arr_end(&w);
	jw_finish(&w);
	return 0;
}

const struct report_module report_module_ocsf = {
	.name = "ocsf",
	.description = "OCSF 1.3.0 Compliance Finding (class 2003) events, one JSON array",
	.render = render,
};
