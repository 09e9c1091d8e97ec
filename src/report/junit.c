/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JUnit XML output (--format junit), for CI dashboards (Jenkins, GitLab,
 * GitHub test reporters): one <testsuite> per rule, one <testcase> per rule
 * and resource (classname = rule id, name = resource id with its account and
 * region). Status: fail -> <failure> (message attribute = the finding's
 * message, type = severity, body = resource, evidence, remediation, CLI,
 * compliance ids); unknown and muted -> <skipped> (message says why, details
 * in <system-out>); pass -> a plain test case (present with --passed only).
 * tests/failures/skipped on every suite are the counts of its cases, and
 * the root <testsuites> holds their sums; errors is always 0.
 *
 * Suites are in rule-id order and cases in (account, region, resource, id)
 * order, so the output does not depend on the severity sort. Two findings of
 * one rule on one resource (e.g. one per port class) get the finding id
 * appended to the name, since dashboards key a test on classname + name.
 *
 * Text is escaped for XML 1.0: & < > " as entities; in attributes tab, CR
 * and LF as character references so they survive attribute normalisation;
 * other control characters (not allowed in XML 1.0), and DEL, become the
 * four characters \xNN as in the text report; invalid UTF-8 and the
 * non-characters U+FFFE/U+FFFF become U+FFFD.
 */
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "report-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

static void xml_put(struct strbuf *sb, const char *s, bool attr)
{
	static const char hex[] = "0123456789abcdef";
	if (!s)
		return;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += mm_utf8_next(s, n, i, &cp);
		switch (cp) {
		case '&':
			strbuf_addstr(sb, "&amp;");
			continue;
		case '<':
			strbuf_addstr(sb, "&lt;");
			continue;
		case '>':
			strbuf_addstr(sb, "&gt;");
			continue;
		case '"':
			strbuf_addstr(sb, attr ? "&quot;" : "\"");
			continue;
		case '\t':
			strbuf_addstr(sb, attr ? "&#9;" : "\t");
			continue;
		case '\n':
			strbuf_addstr(sb, attr ? "&#10;" : "\n");
			continue;
		case '\r':
			strbuf_addstr(sb, "&#13;");
			continue;
		case 0xfffe:
		case 0xffff:
			cp = 0xfffd;
			break;
		default:
			break;
		}
		if (cp < 0x20 || cp == 0x7f) {
			char e[4] = { '\\', 'x', hex[cp >> 4], hex[cp & 15] };
			strbuf_add(sb, e, 4);
			continue;
		}
		fmt_put_cp(sb, cp);
	}
}

static void attr(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_addf(sb, " %s=\"", name);
	xml_put(sb, value, true);
	strbuf_addch(sb, '"');
}

static void attr_n(struct strbuf *sb, const char *name, size_t v)
{
	strbuf_addf(sb, " %s=\"%zu\"", name, v);
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_case(const void *pa, const void *pb)
{
	const struct finding *a = *(const struct finding *const *)pa;
	const struct finding *b = *(const struct finding *const *)pb;
	int c = cmp_str(a->rule, b->rule);
	if (!c)
		c = cmp_str(a->account, b->account);
	if (!c)
		c = cmp_str(a->region, b->region);
	if (!c)
		c = cmp_str(a->res_id, b->res_id);
	if (!c)
		c = strcmp(a->id, b->id);
	if (!c) /* same fingerprint twice: keep the report order */
		c = a < b ? -1 : a > b;
	return c;
}

static bool same_resource(const struct finding *a, const struct finding *b)
{
	return a && b && !cmp_str(a->rule, b->rule) && !cmp_str(a->account, b->account) &&
	       !cmp_str(a->region, b->region) && !cmp_str(a->res_id, b->res_id);
}

/* The details of a finding, as the body of <failure> or <system-out>. */
static void details(struct strbuf *sb, const struct finding *f)
{
	struct strbuf t = STRBUF_INIT;
	strbuf_addf(&t, "%s %s: %s\n", mm_sev_name(f->sev), mm_status_name(f->status),
		    f->title ? f->title : "");
	strbuf_addf(&t, "resource: %s %s", f->res_type ? f->res_type : "-",
		    f->res_id ? f->res_id : "-");
	if (f->res_arn)
		strbuf_addf(&t, " (%s)", f->res_arn);
	strbuf_addf(&t, "\naccount: %s, region: %s\n", f->account ? f->account : "-",
		    f->region ? f->region : "-");
	if (f->message)
		strbuf_addf(&t, "%s\n", f->message);
	if (f->status == MM_ST_MUTED)
		strbuf_addf(&t, "muted: %s\n", f->mute_reason ? f->mute_reason : "");
	if (f->nev) {
		strbuf_addstr(&t, "evidence:\n");
		for (size_t i = 0; i < f->nev; i++) {
			strbuf_addstr(&t, "  ");
			if (f->ev[i].loc)
				strbuf_addf(&t, "%s: ", f->ev[i].loc);
			strbuf_addf(&t, "%s\n", f->ev[i].what ? f->ev[i].what : "");
		}
	}
	if (f->rem_text)
		strbuf_addf(&t, "remediation: %s\n", f->rem_text);
	if (f->rem_cli)
		strbuf_addf(&t, "cli: %s\n", f->rem_cli);
	if (f->ncompliance) {
		strbuf_addstr(&t, "compliance:");
		for (size_t i = 0; i < f->ncompliance; i++)
			strbuf_addf(&t, " %s", f->compliance[i] ? f->compliance[i] : "");
		strbuf_addch(&t, '\n');
	}
	xml_put(sb, t.buf, false);
	strbuf_release(&t);
}

static void write_case(struct strbuf *sb, const struct finding *f, bool dup)
{
	struct strbuf name = STRBUF_INIT;
	strbuf_addf(&name, "%s (%s %s)", f->res_id ? f->res_id : "-", f->account ? f->account : "-",
		    f->region ? f->region : "-");
	if (dup)
		strbuf_addf(&name, " #%s", f->id);
	strbuf_addstr(sb, "    <testcase");
	attr(sb, "classname", f->rule);
	attr(sb, "name", name.buf);
	strbuf_addstr(sb, " time=\"0\"");
	strbuf_release(&name);
	if (f->status == MM_ST_PASS) {
		strbuf_addstr(sb, "/>\n");
		return;
	}
	strbuf_addstr(sb, ">\n");
	if (f->status == MM_ST_FAIL) {
		strbuf_addstr(sb, "      <failure");
		attr(sb, "message", f->message ? f->message : f->title);
		attr(sb, "type", mm_sev_name(f->sev));
		strbuf_addch(sb, '>');
		details(sb, f);
		strbuf_addstr(sb, "</failure>\n");
	} else {
		struct strbuf why = STRBUF_INIT;
		if (f->status == MM_ST_MUTED)
			strbuf_addf(&why, "muted: %s", f->mute_reason ? f->mute_reason : "");
		else
			strbuf_addf(&why, "unknown (missing input): %s",
				    f->message ? f->message : "");
		strbuf_addstr(sb, "      <skipped");
		attr(sb, "message", why.buf);
		strbuf_addstr(sb, "/>\n      <system-out>");
		details(sb, f);
		strbuf_addstr(sb, "</system-out>\n");
		strbuf_release(&why);
	}
	strbuf_addstr(sb, "    </testcase>\n");
}

static void write_suite(struct strbuf *sb, const struct finding *const *v, size_t n,
			const struct report_meta *m, size_t id)
{
	size_t fail = 0, skip = 0;
	for (size_t i = 0; i < n; i++) {
		fail += v[i]->status == MM_ST_FAIL;
		skip += v[i]->status == MM_ST_UNKNOWN || v[i]->status == MM_ST_MUTED;
	}
	const struct posture_rule *r =
	    m->catalog ? posture_rule_find(m->catalog, v[0]->rule) : NULL;
	strbuf_addstr(sb, "  <testsuite");
	attr(sb, "name", v[0]->rule);
	attr_n(sb, "tests", n);
	attr_n(sb, "failures", fail);
	attr_n(sb, "errors", 0);
	attr_n(sb, "skipped", skip);
	strbuf_addstr(sb, " time=\"0\"");
	if (m->started_ms > 0) {
		char t[FMT_TIME_LEN];
		fmt_time(t, m->started_ms, FMT_TIME_ISO_LOCAL);
		attr(sb, "timestamp", t);
	}
	attr_n(sb, "id", id);
	attr(sb, "package", "mamori");
	strbuf_addstr(sb, ">\n    <properties>\n");
	const char *title = r ? r->title : v[0]->title;
	if (title) {
		strbuf_addstr(sb, "      <property name=\"title\"");
		attr(sb, "value", title);
		strbuf_addstr(sb, "/>\n");
	}
	if (r) {
		strbuf_addstr(sb, "      <property name=\"severity\"");
		attr(sb, "value", mm_sev_name(r->sev));
		strbuf_addstr(sb, "/>\n");
		for (size_t i = 0; i < r->ncompliance; i++) {
			strbuf_addstr(sb, "      <property name=\"compliance\"");
			attr(sb, "value", r->compliance[i]);
			strbuf_addstr(sb, "/>\n");
		}
	}
	strbuf_addstr(sb, "    </properties>\n");
	for (size_t i = 0; i < n; i++) {
		bool dup = same_resource(v[i], i ? v[i - 1] : NULL) ||
			   same_resource(v[i], i + 1 < n ? v[i + 1] : NULL);
		write_case(sb, v[i], dup);
	}
	strbuf_addstr(sb, "  </testsuite>\n");
}

static int render(struct strbuf *out, const struct findings *fs, const struct report_meta *m,
		  const struct report_opts *o)
{
	size_t n = fs ? fs->nr : 0;
	const struct finding **v = xcalloc(n ? n : 1, sizeof(*v));
	size_t fail = 0, skip = 0;
	for (size_t i = 0; i < n; i++) {
		v[i] = &fs->v[i];
		fail += v[i]->status == MM_ST_FAIL;
		skip += v[i]->status == MM_ST_UNKNOWN || v[i]->status == MM_ST_MUTED;
	}
	mm_qsort(v, n, sizeof(*v), cmp_case);
	strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	attr(out, "name", m->tool_name ? m->tool_name : "mamori");
	attr_n(out, "tests", n);
	attr_n(out, "failures", fail);
	attr_n(out, "errors", 0);
	attr_n(out, "skipped", skip);
	strbuf_addstr(out, " time=\"0\">\n");
	size_t suite = 0;
	int fr = 0;
	for (size_t i = 0; i < n && !fr;) {
		size_t j = i + 1;
		while (j < n && !cmp_str(v[j]->rule, v[i]->rule))
			j++;
		write_suite(out, v + i, j - i, m, suite++);
		fr = report_flush(out, o);
		i = j;
	}
	if (!fr)
		strbuf_addstr(out, "</testsuites>\n");
	free(v);
	return fr;
}

const struct report_module report_module_junit = {
	.name = "junit",
	.description = "JUnit XML, one test case per rule and resource",
	.render = render,
};
