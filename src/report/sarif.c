/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SARIF 2.1.0 output (--format sarif), for code-scanning dashboards (GitHub
 * code scanning, Azure DevOps, SARIF viewers). One run: the driver lists every
 * rule of the catalog (plus any rule a finding names that the catalog lacks),
 * each result points at its rule by id and index.
 *
 * A result's primary location is the snapshot file of its first evidence
 * (the path as mamori read it: snapshot directory as given + the file inside
 * it, relative to %SRCROOT% so a snapshot committed to the repository
 * resolves), with region.startLine 1 because findings point into JSON by
 * pointer, not by line (the pointer is in the location's properties), and a
 * logical location naming the resource. Further evidence becomes related
 * locations. partialFingerprints carry the finding id, stable across runs.
 *
 * Status: fail -> kind "fail" with a level from the severity (critical and
 * high: error, medium: warning, low and info: note); unknown -> kind "open"
 * (the tool could not decide: missing input); pass -> kind "pass"; muted ->
 * kind "fail" plus an external, accepted suppression with the mute reason.
 * Per the specification a result whose kind is not "fail" has level "none".
 */
#include <string.h>

#include "formats.h"
#include "report-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define SARIF_SCHEMA \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

struct srules {
	const char **ids;		   /* rule ids in driver order */
	const struct posture_rule **rules; /* catalog entry, or NULL */
	size_t nr, alloc;
};

static const char *level_of(enum mm_sev s)
{
	if (s >= MM_SEV_HIGH)
		return "error";
	if (s == MM_SEV_MEDIUM)
		return "warning";
	return "note";
}

/* GitHub's scale: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. */
static const char *security_severity(enum mm_sev s)
{
	switch (s) {
	case MM_SEV_CRITICAL:
		return "9.5";
	case MM_SEV_HIGH:
		return "8.0";
	case MM_SEV_MEDIUM:
		return "5.5";
	case MM_SEV_LOW:
		return "2.0";
	default:
		return "0.0";
	}
}

static size_t rule_index(const struct srules *r, const char *id)
{
	for (size_t i = 0; i < r->nr; i++)
		if (!strcmp(r->ids[i], id ? id : ""))
			return i;
	return SIZE_MAX;
}

static void rule_add(struct srules *r, const char *id, const struct posture_rule *pr)
{
	ALLOC_GROW(r->ids, r->nr + 1, r->alloc);
	r->rules = xrealloc(r->rules, st_mult(r->alloc, sizeof(*r->rules)));
	r->ids[r->nr] = id ? id : "";
	r->rules[r->nr++] = pr;
}

static void collect_rules(struct srules *r, const struct findings *fs,
			  const struct posture_catalog *c)
{
	for (size_t i = 0; c && i < c->nr; i++)
		rule_add(r, c->v[i].id, &c->v[i]);
	for (size_t i = 0; fs && i < fs->nr; i++)
		if (rule_index(r, fs->v[i].rule) == SIZE_MAX)
			rule_add(r, fs->v[i].rule, NULL);
}

static void write_text_obj(struct jw *w, const char *key, const char *text)
{
	jw_key(w, key);
	jw_obj_begin(w);
	jw_kstr(w, "text", text && *text ? text : "-");
	jw_obj_end(w);
}

static void write_rule(struct jw *w, const char *id, const struct posture_rule *pr)
{
	jw_obj_begin(w);
	jw_kstr(w, "id", id);
	if (pr) {
		write_text_obj(w, "shortDescription", pr->title);
		write_text_obj(w, "fullDescription", pr->description ? pr->description : pr->title);
		struct strbuf help = STRBUF_INIT;
		strbuf_addstr(&help, pr->remediation ? pr->remediation : "-");
		if (pr->cli) {
			strbuf_addstr(&help, "\n\nCLI: ");
			strbuf_addstr(&help, pr->cli);
		}
		write_text_obj(w, "help", help.buf);
		strbuf_release(&help);
		jw_key(w, "defaultConfiguration");
		jw_obj_begin(w);
		jw_kstr(w, "level", level_of(pr->sev));
		jw_obj_end(w);
	} else {
		write_text_obj(w, "shortDescription", id);
	}
	jw_key(w, "properties");
	jw_obj_begin(w);
	if (pr) {
		jw_kstr(w, "security-severity", security_severity(pr->sev));
		jw_kstr(w, "severity", mm_sev_name(pr->sev));
		jw_kstr(w, "problem.severity",
			pr->sev >= MM_SEV_HIGH	   ? "error"
			: pr->sev == MM_SEV_MEDIUM ? "warning"
						   : "recommendation");
	}
	jw_key(w, "tags");
	jw_arr_begin(w);
	jw_str(w, "security");
	if (pr && pr->group)
		jw_str(w, pr->group);
	if (pr && pr->resource_type && (!pr->group || strcmp(pr->group, pr->resource_type)))
		jw_str(w, pr->resource_type);
	jw_arr_end(w);
	if (pr && pr->ncompliance) {
		jw_key(w, "compliance");
		jw_arr_begin(w);
		for (size_t i = 0; i < pr->ncompliance; i++)
			jw_str(w, pr->compliance[i]);
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

static void pct_encode(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c)) {
			strbuf_addch(sb, c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			strbuf_add(sb, e, 3);
		}
	}
}

/*
 * The URI of the file part of an evidence location ("file#/pointer"),
 * joined to the snapshot directory as given. Returns true when the result is
 * relative (to be resolved against %SRCROOT%).
 */
static bool evidence_uri(struct strbuf *uri, const char *snapshot, const char *loc,
			 const char **pointer)
{
	const char *hash = strchr(loc, '#');
	size_t flen = hash ? (size_t)(hash - loc) : strlen(loc);
	*pointer = hash ? hash + 1 : NULL;
	struct strbuf path = STRBUF_INIT;
	if (snapshot && *snapshot && loc[0] != '/') {
		size_t sl = strlen(snapshot);
		while (sl > 1 && snapshot[sl - 1] == '/')
			sl--;
		if (!(sl == 1 && snapshot[0] == '.')) {
			strbuf_add(&path, snapshot, sl);
			if (snapshot[sl - 1] != '/')
				strbuf_addch(&path, '/');
		}
	}
	strbuf_add(&path, loc, flen);
	const char *p = path.buf;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	strbuf_reset(uri);
	bool rel = p[0] != '/';
	if (!rel)
		strbuf_addstr(uri, "file://");
	pct_encode(uri, p, strlen(p));
	strbuf_release(&path);
	return rel;
}

static void write_physical(struct jw *w, const char *snapshot, const char *loc)
{
	struct strbuf uri = STRBUF_INIT;
	const char *pointer;
	bool rel = evidence_uri(&uri, snapshot, loc, &pointer);
	jw_key(w, "physicalLocation");
	jw_obj_begin(w);
	jw_key(w, "artifactLocation");
	jw_obj_begin(w);
	jw_kstr(w, "uri", uri.buf);
	if (rel)
		jw_kstr(w, "uriBaseId", "%SRCROOT%");
	jw_obj_end(w);
	jw_key(w, "region");
	jw_obj_begin(w);
	jw_key(w, "startLine");
	jw_int(w, 1);
	jw_obj_end(w);
	jw_obj_end(w);
	if (pointer) {
		jw_key(w, "properties");
		jw_obj_begin(w);
		jw_kstr(w, "jsonPointer", pointer);
		jw_obj_end(w);
	}
	strbuf_release(&uri);
}

static void write_logical(struct jw *w, const struct finding *f)
{
	struct strbuf arn = STRBUF_INIT;
	const char *a = fmt_resource_arn(&arn, f);
	jw_key(w, "logicalLocations");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_kstr(w, "name", f->res_id && *f->res_id ? f->res_id : "-");
	if (!a) {
		strbuf_reset(&arn);
		strbuf_addf(&arn, "%s/%s/%s/%s", f->account ? f->account : "unknown",
			    f->region ? f->region : "unknown", f->res_type ? f->res_type : "-",
			    f->res_id ? f->res_id : "-");
		a = arn.buf;
	}
	jw_kstr(w, "fullyQualifiedName", a);
	jw_kstr(w, "kind", "resource");
	jw_obj_end(w);
	jw_arr_end(w);
	strbuf_release(&arn);
}

static void write_locations(struct jw *w, const struct finding *f, const char *snapshot)
{
	size_t primary = f->nev;
	for (size_t i = 0; i < f->nev && primary == f->nev; i++)
		if (f->ev[i].loc)
			primary = i;
	jw_key(w, "locations");
	jw_arr_begin(w);
	jw_obj_begin(w);
	if (primary < f->nev)
		write_physical(w, snapshot, f->ev[primary].loc);
	write_logical(w, f);
	if (primary < f->nev && f->ev[primary].what)
		write_text_obj(w, "message", f->ev[primary].what);
	jw_obj_end(w);
	jw_arr_end(w);

	if (f->nev <= (primary < f->nev ? 1u : 0u))
		return;
	jw_key(w, "relatedLocations");
	jw_arr_begin(w);
	long long id = 1;
	for (size_t i = 0; i < f->nev; i++) {
		if (i == primary)
			continue;
		jw_obj_begin(w);
		jw_key(w, "id");
		jw_int(w, id++);
		if (f->ev[i].loc)
			write_physical(w, snapshot, f->ev[i].loc);
		write_text_obj(w, "message", f->ev[i].what);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void write_result(struct jw *w, const struct finding *f, size_t ri, const char *snapshot)
{
	const char *kind = (f->status == MM_ST_UNKNOWN ||
			    (f->status == MM_ST_MUTED && f->muted_from == MM_ST_UNKNOWN))
			       ? "open"
			   : f->status == MM_ST_PASS ? "pass"
						     : "fail";
	jw_obj_begin(w);
	jw_kstr(w, "ruleId", f->rule ? f->rule : "");
	jw_key(w, "ruleIndex");
	jw_uint(w, ri);
	jw_kstr(w, "kind", kind);
	jw_kstr(w, "level", strcmp(kind, "fail") ? "none" : level_of(f->sev));
	write_text_obj(w, "message", f->message ? f->message : f->title);
	write_locations(w, f, snapshot);
	jw_key(w, "partialFingerprints");
	jw_obj_begin(w);
	jw_kstr(w, "mamoriFindingId/v1", f->id);
	jw_obj_end(w);
	if (f->status == MM_ST_MUTED) {
		jw_key(w, "suppressions");
		jw_arr_begin(w);
		jw_obj_begin(w);
		jw_kstr(w, "kind", "external");
		jw_kstr(w, "status", "accepted");
		jw_kstr(w, "justification", f->mute_reason ? f->mute_reason : "");
		jw_obj_end(w);
		jw_arr_end(w);
	}
	jw_key(w, "properties");
	jw_obj_begin(w);
	jw_kstr(w, "severity", mm_sev_name(f->sev));
	jw_kstr(w, "status", mm_status_name(f->status));
	jw_kstr(w, "title", f->title);
	jw_kstr(w, "resourceType", f->res_type);
	jw_kstr(w, "resourceId", f->res_id);
	if (f->res_arn)
		jw_kstr(w, "resourceArn", f->res_arn);
	jw_kstr(w, "account", f->account);
	jw_kstr(w, "region", f->region);
	jw_kstr(w, "remediation", f->rem_text);
	if (f->rem_cli)
		jw_kstr(w, "remediationCli", f->rem_cli);
	jw_key(w, "compliance");
	jw_arr_begin(w);
	for (size_t i = 0; i < f->ncompliance; i++)
		jw_str(w, f->compliance[i]);
	jw_arr_end(w);
	jw_obj_end(w);
	jw_obj_end(w);
}

static void write_invocation(struct jw *w, const struct report_meta *m)
{
	jw_key(w, "invocations");
	jw_arr_begin(w);
	jw_obj_begin(w);
	/* input problems are reported, not fatal: the run itself succeeded */
	jw_key(w, "executionSuccessful");
	jw_bool(w, true);
	if (m->started_ms > 0) {
		char t[FMT_TIME_LEN];
		fmt_time(t, m->started_ms, FMT_TIME_ISO_MS_Z);
		jw_kstr(w, "startTimeUtc", t);
	}
	const struct mm_diags *d = m->diags;
	if (d && d->nr) {
		jw_key(w, "toolExecutionNotifications");
		jw_arr_begin(w);
		for (size_t i = 0; i < d->nr; i++) {
			const struct mm_diag *g = &d->v[i];
			jw_obj_begin(w);
			jw_kstr(w, "level", g->level == MM_DIAG_ERROR ? "error" : "warning");
			write_text_obj(w, "message", g->msg);
			jw_key(w, "properties");
			jw_obj_begin(w);
			jw_kstr(w, "file", g->file);
			jw_key(w, "offset");
			if (g->off >= 0)
				jw_int(w, g->off);
			else
				jw_null(w);
			jw_obj_end(w);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_arr_end(w);
}

static int render(struct strbuf *out, const struct findings *fs, const struct report_meta *m,
		  const struct report_opts *o)
{
	struct srules r = { 0 };
	collect_rules(&r, fs, m->catalog);
	struct jw w;
	jw_init(&w, out);
	jw_obj_begin(&w);
	jw_kstr(&w, "$schema", SARIF_SCHEMA);
	jw_kstr(&w, "version", "2.1.0");
	jw_key(&w, "runs");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_key(&w, "tool");
	jw_obj_begin(&w);
	jw_key(&w, "driver");
	jw_obj_begin(&w);
	jw_kstr(&w, "name", m->tool_name ? m->tool_name : "mamori");
	if (m->tool_version) {
		jw_kstr(&w, "version", m->tool_version);
		jw_kstr(&w, "semanticVersion", m->tool_version);
	}
	jw_key(&w, "rules");
	jw_arr_begin(&w);
	for (size_t i = 0; i < r.nr; i++)
		write_rule(&w, r.ids[i], r.rules[i]);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_obj_end(&w);
	write_invocation(&w, m);
	jw_key(&w, "results");
	jw_arr_begin(&w);
	int fr = 0;
	for (size_t i = 0; fs && i < fs->nr && !fr; i++) {
		write_result(&w, &fs->v[i], rule_index(&r, fs->v[i].rule), m->snapshot);
		fr = report_flush(out, o);
	}
	if (fr) {
		free(r.ids);
		free(r.rules);
		return fr;
	}
	jw_arr_end(&w);
	jw_key(&w, "properties");
	jw_obj_begin(&w);
	if (m->snapshot)
		jw_kstr(&w, "snapshot", m->snapshot);
	if (m->account)
		jw_kstr(&w, "account", m->account);
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_finish(&w);
	free(r.ids);
	free(r.rules);
	return 0;
}

const struct report_module report_module_sarif = {
	.name = "sarif",
	.description = "SARIF 2.1.0, for code-scanning dashboards",
	.render = render,
};
