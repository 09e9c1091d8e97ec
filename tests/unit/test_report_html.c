/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the HTML evidence report (src/report/html.c): hostile input
 * rendered and parsed back with libxml2's HTML parser (the only script is
 * ours, no injected element or event attribute, no link leaving the page, the
 * hostile text reads back verbatim), deterministic bytes, the compliance
 * verdicts (missing data is unknown, never a pass), the SVG bar chart scale,
 * per-instance reachability from a hand-built reach_result, and attack-path
 * chains from a hand-built paths_result (missing links dashed, unknown
 * dotted, the cheapest break outlined once). The page in a real browser is
 * tested by tests/html/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "base/err.h"
#include "base/finding.h"
#include "base/ipset.h"
#include "base/strbuf.h"
#include "posture/paths.h"
#include "posture/posture.h"
#include "reach/reach.h"
#include "report/report.h"

/* Markup that must come out as text, in every field it can reach. */
static const char hostile[] = "<script>document.title='PWNED'</script><img src=x "
			      "onerror=\"alert(2)\"><iframe src=\"//evil.example/\"></iframe>"
			      "\" onmouseover=\"alert(3)' & </td></tr></table></details> end";
/* Control bytes a terminal or viewer must not interpret. */
static const char controls[] = "a\x1b[31mred\x01 b\xc2\x9b"
			       "c";

static void render(const struct findings *fs, const struct report_meta *m, struct strbuf *out)
{
	const struct report_module *mod = report_module_find("html");
	assert_non_null(mod);
	assert_true(mod->wants_analyses);
	struct report_opts o = { 0 };
	strbuf_reset(out);
	assert_int_equal(mod->render(out, fs, m, &o), 0);
	assert_int_equal(strlen(out->buf), out->len);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)); p += len)
		n++;
	return n;
}

static void contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("missing from the report: %s", needle);
}

static struct finding *add(struct findings *fs, const char *rule, enum mm_sev sev,
			   enum mm_status st, const char *res)
{
	struct finding *f = findings_add(fs);
	f->rule = rule;
	f->title = "A title";
	f->sev = sev;
	f->status = st;
	f->res_type = "ec2-instance";
	f->res_id = res;
	f->account = "123456789012";
	f->region = "us-east-1";
	f->message = "message";
	f->rem_text = "fix it";
	finding_fingerprint(f);
	return f;
}

static struct report_meta base_meta(void)
{
	return (struct report_meta){
		.tool_name = "mamori",
		.tool_version = "0.1.0",
		.snapshot = "snap",
		.rules_evaluated = 3,
		.resources = 9,
		.fail_on = REPORT_FAIL_ON_NONE,
	};
}

/* ---- libxml2 walk ---- */

static const char *const allowed_elements[] = {
	"html",	    "head",    "meta",	  "title",    "style",	"body", "header", "h1",	  "h2",
	"h3",	    "h4",      "dl",	  "dt",	      "dd",	"nav",	"a",	  "main", "section",
	"p",	    "table",   "thead",	  "tbody",    "tr",	"th",	"td",	  "span", "code",
	"b",	    "br",      "details", "summary",  "div",	"ul",	"li",	  "pre",  "label",
	"select",   "option",  "input",	  "noscript", "footer", "svg",	"text",	  "rect", "g",
	"polyline", "polygon", "article", "script",
};

struct walk {
	size_t scripts, svgs;
	char bad[512];
	const char *want_text, *want_attr;
	size_t found_text, found_attr;
};

static bool allowed(const char *name)
{
	for (size_t i = 0; i < sizeof(allowed_elements) / sizeof(allowed_elements[0]); i++)
		if (!strcmp(name, allowed_elements[i]))
			return true;
	return false;
}

static void walk(xmlNode *n, struct walk *w)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *name = (const char *)n->name;
		if (!allowed(name) && !w->bad[0])
			snprintf(w->bad, sizeof(w->bad), "unexpected element <%s>", name);
		if (!strcmp(name, "script")) {
			w->scripts++;
			if (n->properties && !w->bad[0])
				snprintf(w->bad, sizeof(w->bad), "script with attributes");
		}
		w->svgs += !strcmp(name, "svg");
		for (xmlAttr *a = n->properties; a; a = a->next) {
			const char *an = (const char *)a->name;
			xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
			const char *vs = v ? (const char *)v : "";
			if (!w->bad[0] &&
			    (!strncasecmp(an, "on", 2) || !strcasecmp(an, "src") ||
			     !strcasecmp(an, "style") || !strcasecmp(an, "srcdoc") ||
			     !strcasecmp(an, "action") || !strcasecmp(an, "xlink:href")))
				snprintf(w->bad, sizeof(w->bad), "attribute %s on <%s>", an, name);
			if (!w->bad[0] && !strcasecmp(an, "href") && vs[0] != '#')
				snprintf(w->bad, sizeof(w->bad), "href leaving the page: %.200s",
					 vs);
			if (w->want_attr && !strcmp(vs, w->want_attr))
				w->found_attr++;
			xmlFree(v);
		}
		if (w->want_text && strcmp(name, "html") && strcmp(name, "body")) {
			xmlChar *c = xmlNodeGetContent(n);
			if (c && !strcmp((const char *)c, w->want_text))
				w->found_text++;
			xmlFree(c);
		}
		walk(n->children, w);
	}
}

static void parse_and_walk(const struct strbuf *sb, struct walk *w)
{
	htmlDocPtr doc = htmlReadMemory(sb->buf, (int)sb->len, "report.html", "utf-8",
					HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
					    HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	assert_non_null(doc);
	walk(xmlDocGetRootElement(doc), w);
	xmlFreeDoc(doc);
	if (w->bad[0])
		fail_msg("%s", w->bad);
}

/* ---- tests ---- */

static void test_hostile(void **state)
{
	(void)state;
	struct findings fs;
	findings_init(&fs);
	struct finding *f = add(&fs, hostile, MM_SEV_CRITICAL, MM_ST_FAIL, hostile);
	f->message = hostile;
	f->title = hostile;
	f->res_type = hostile;
	f->res_arn = hostile;
	f->account = hostile;
	f->region = hostile;
	f->rem_text = hostile;
	f->rem_cli = hostile;
	static const char *comp[] = { "CIS-AWS-3.0:<b>1</b>", "FSBP:\"x" };
	f->compliance = comp;
	f->ncompliance = 2;
	static struct finding_tag tags[] = { { "Name", hostile }, { hostile, "v" } };
	f->tags = tags;
	f->ntags = 2;
	finding_add_evidence(&fs, &fs.v[0], hostile, hostile);
	f = add(&fs, "ctl", MM_SEV_LOW, MM_ST_MUTED, "i-2");
	f->message = controls;
	f->mute_reason = hostile;

	struct mm_diags d = { 0 };
	mm_diags_add(&d, MM_DIAG_ERROR, hostile, 7, "%s", hostile);

	struct reach_hop hop = { hostile, hostile, hostile, "deny", hostile, hostile };
	struct reach_block blk = { .resource = hostile,
				   .eni = hostile,
				   .origin = REACH_FROM_INTERNET,
				   .family = MM_AF_INET,
				   .code = hostile,
				   .component = hostile,
				   .detail = hostile,
				   .evidence = "x",
				   .path = &hop,
				   .npath = 1 };
	struct reach_unknown unk = { hostile,	 hostile, REACH_FROM_PEERING,
				     MM_AF_NONE, hostile, hostile };
	struct reach_result rr = { .blk = &blk, .nblk = 1, .unk = &unk, .nunk = 1 };

	struct mm_evidence ev = { hostile, hostile };
	struct path_link links[] = {
		{ "internet", hostile, hostile, &ev, 1, true, false },
		{ hostile, hostile, hostile, NULL, 0, false, false },
	};
	struct path_break br = { 1, hostile, hostile, 1, true };
	const char *missing[] = { hostile };
	struct attack_path ap = { .sev = MM_SEV_HIGH,
				  .resource = hostile,
				  .account = hostile,
				  .region = hostile,
				  .title = hostile,
				  .target = hostile,
				  .chain = links,
				  .nchain = 2,
				  .breaks = &br,
				  .nbreaks = 1,
				  .missing = missing,
				  .nmissing = 1 };
	struct paths_result pr = { .v = &ap, .nr = 1 };

	struct report_meta m = base_meta();
	m.snapshot = hostile;
	m.account = hostile;
	m.diags = &d;
	m.exposure_note = hostile;
	m.reach = &rr;
	m.paths = &pr;

	struct strbuf sb = STRBUF_INIT;
	render(&fs, &m, &sb);

	/* the raw bytes: one script element, no injected tag, entities instead */
	assert_int_equal(count(sb.buf, "<script"), 1);
	assert_int_equal(count(sb.buf, "</script>"), 1);
	assert_null(strstr(sb.buf, "<img"));
	assert_null(strstr(sb.buf, "<iframe"));
	assert_null(strstr(sb.buf, "\" onmouseover"));
	contains(sb.buf, "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;");
	contains(sb.buf, "&quot; onmouseover=&quot;alert(3)&#39; &amp; &lt;/td&gt;");
	/* control bytes are shown, not passed through */
	contains(sb.buf, "a\\x1b[31mred\\x01 b\\u009bc");
	assert_null(strchr(sb.buf, '\x1b'));
	assert_null(strchr(sb.buf, '\x01'));
	assert_null(strstr(sb.buf, "\xc2\x9b"));
	/* no resource reference at all */
	assert_null(strstr(sb.buf, "url("));
	assert_null(strstr(sb.buf, "@import"));
	/* the policy forbids every fetch and any other script */
	contains(sb.buf, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
			 "'none'; style-src 'unsafe-inline'; script-src 'sha256-");

	/* a real HTML parser sees only our elements, and the hostile text
	 * verbatim: in the message summary, in a code cell, in attributes */
	struct walk w = { .want_text = hostile, .want_attr = hostile };
	parse_and_walk(&sb, &w);
	assert_int_equal(w.scripts, 1);
	assert_true(w.found_text >= 10);
	assert_true(w.found_attr >= 2); /* data-rule and the rule <option> value */

	strbuf_release(&sb);
	mm_diags_release(&d);
	findings_release(&fs);
}

static void test_deterministic(void **state)
{
	(void)state;
	struct findings fs;
	findings_init(&fs);
	add(&fs, "r1", MM_SEV_HIGH, MM_ST_FAIL, "i-1");
	add(&fs, "r2", MM_SEV_LOW, MM_ST_UNKNOWN, "i-2");
	struct report_meta m = base_meta();
	m.elapsed_ms = 987654321;
	m.started_ms = 1700000000123LL;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	render(&fs, &m, &a);
	render(&fs, &m, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	/* run-dependent time is not in the page; the start time is, in UTC */
	assert_null(strstr(a.buf, "987654321"));
	contains(a.buf, "<dt>started</dt><dd>2023-11-14 22:13:20 UTC</dd>");
	/* benign input: no URL anywhere in the page */
	assert_null(strstr(a.buf, "http://"));
	assert_null(strstr(a.buf, "https://"));
	struct walk w = { 0 };
	parse_and_walk(&a, &w);
	assert_int_equal(w.scripts, 1);
	/* the summary chart is drawn here, not by the script */
	assert_int_equal(w.svgs, 1);

	m.started_ms = 0;
	render(&fs, &m, &a);
	assert_null(strstr(a.buf, "<dt>started</dt>"));
	strbuf_release(&a);
	strbuf_release(&b);
	findings_release(&fs);
}

/* The matrix row of a control: from its <tr> to the end of the row. */
static char *matrix_row(const char *html, const char *cls, const char *control)
{
	char needle[128];
	snprintf(needle, sizeof(needle), "<tr class=\"vr-%s\"><td><code>%s</code></td>", cls,
		 control);
	const char *p = strstr(html, needle);
	if (!p)
		fail_msg("no row '%s'", needle);
	const char *e = strstr(p, "</tr>");
	assert_non_null(e);
	return strndup(p, (size_t)(e - p));
}

static void test_compliance(void **state)
{
	(void)state;
	static const char *c_a[] = { "CIS-AWS-3.0:1.2", "FSBP:EC2.19", "Prowler:x" };
	static const char *c_b[] = { "CIS-AWS-3.0:1.10" };
	static const char *c_c[] = { "CIS-AWS-3.0:1.9" };
	static const char *c_d[] = { "FSBP:EC2.2" };
	struct posture_rule rules[] = {
		{ .id = "rule-a", .compliance = c_a, .ncompliance = 3 },
		{ .id = "rule-b", .compliance = c_b, .ncompliance = 1 },
		{ .id = "rule-c", .compliance = c_c, .ncompliance = 1 },
		{ .id = "rule-d", .compliance = c_d, .ncompliance = 1 },
	};
	struct posture_catalog cat = { .v = rules, .nr = 4 };

	struct findings fs;
	findings_init(&fs);
	/* 1.2: one fail, one unknown, one pass -> fail */
	static const char *f_12[] = { "CIS-AWS-3.0:1.2", "CIS-AWS-3.0:1.2" };
	struct finding *f = add(&fs, "rule-a", MM_SEV_HIGH, MM_ST_FAIL, "i-1");
	f->compliance = f_12;
	f->ncompliance = 2; /* listed twice: counted once */
	f = add(&fs, "rule-a", MM_SEV_HIGH, MM_ST_UNKNOWN, "i-2");
	f->compliance = f_12;
	f->ncompliance = 1;
	f = add(&fs, "rule-a", MM_SEV_HIGH, MM_ST_PASS, "i-3");
	f->compliance = f_12;
	f->ncompliance = 1;
	/* 1.10: unknown and pass -> unknown */
	f = add(&fs, "rule-b", MM_SEV_LOW, MM_ST_UNKNOWN, "i-4");
	f->compliance = c_b;
	f->ncompliance = 1;
	f = add(&fs, "rule-b", MM_SEV_LOW, MM_ST_PASS, "i-5");
	f->compliance = c_b;
	f->ncompliance = 1;
	/* EC2.2: only muted -> muted */
	f = add(&fs, "rule-d", MM_SEV_LOW, MM_ST_MUTED, "sg-1");
	f->compliance = c_d;
	f->ncompliance = 1;
	/* EC2.8: from a finding only (not in the catalog), passed -> pass */
	static const char *f_8[] = { "FSBP:EC2.8" };
	f = add(&fs, "rule-e", MM_SEV_LOW, MM_ST_PASS, "i-6");
	f->compliance = f_8;
	f->ncompliance = 1;
	/* 1.9 (rule-c) and EC2.19 (rule-a's catalog mapping): no finding */

	struct report_meta m = base_meta();
	m.catalog = &cat;
	struct strbuf sb = STRBUF_INIT;
	render(&fs, &m, &sb);

	char *r = matrix_row(sb.buf, "fail", "1.2");
	contains(r, "<td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td>"
		    "<td class=\"num\">1</td>");
	contains(r, "<code>rule-a</code>");
	free(r);
	r = matrix_row(sb.buf, "unknown", "1.10");
	contains(r, "missing input");
	free(r);
	r = matrix_row(sb.buf, "pass-none", "1.9");
	contains(r, "(no resource failed)");
	contains(r, "<code>rule-c</code>");
	free(r);
	free(matrix_row(sb.buf, "pass-none", "EC2.19"));
	free(matrix_row(sb.buf, "muted", "EC2.2"));
	r = matrix_row(sb.buf, "pass", "EC2.8");
	contains(r, "<code>rule-e</code>");
	free(r);
	/* numeric order within a framework: 1.2 < 1.9 < 1.10; EC2.2 < EC2.8 < EC2.19 */
	const char *p12 = strstr(sb.buf, "<code>1.2</code>"),
		   *p19 = strstr(sb.buf, "<code>1.9</code>"),
		   *p110 = strstr(sb.buf, "<code>1.10</code>");
	assert_true(p12 && p19 && p110 && p12 < p19 && p19 < p110);
	const char *e2 = strstr(sb.buf, "<code>EC2.2</code>"),
		   *e8 = strstr(sb.buf, "<code>EC2.8</code>"),
		   *e19 = strstr(sb.buf, "<code>EC2.19</code>");
	assert_true(e2 && e8 && e19 && e2 < e8 && e8 < e19);
	contains(sb.buf, "3 controls assessed: 1 fail, 1 unknown, 0 muted, 1 pass.");
	contains(sb.buf, "3 controls assessed: 0 fail, 0 unknown, 1 muted, 2 pass.");
	/* other frameworks stay out of the matrix */
	assert_null(strstr(sb.buf, "<td><code>x</code></td>"));

	/* no rule evaluated: a control without findings is unknown, not a pass */
	m.rules_evaluated = 0;
	render(&fs, &m, &sb);
	r = matrix_row(sb.buf, "not-evaluated", "1.9");
	contains(r, "not evaluated");
	free(r);
	assert_null(strstr(sb.buf, "vr-pass-none"));
	/* no catalog: only what findings name */
	m.catalog = NULL;
	m.rules_evaluated = 3;
	render(&fs, &m, &sb);
	assert_null(strstr(sb.buf, "<code>1.9</code>"));
	free(matrix_row(sb.buf, "fail", "1.2"));

	strbuf_release(&sb);
	findings_release(&fs);
}

static void test_summary_chart(void **state)
{
	(void)state;
	struct findings fs;
	findings_init(&fs);
	for (int i = 0; i < 4; i++)
		add(&fs, "c", MM_SEV_CRITICAL, MM_ST_FAIL, "i-1");
	add(&fs, "h", MM_SEV_HIGH, MM_ST_FAIL, "i-1");
	add(&fs, "h", MM_SEV_HIGH, MM_ST_FAIL, "i-2");
	add(&fs, "u", MM_SEV_HIGH, MM_ST_UNKNOWN, "i-2");
	struct report_meta m = base_meta();
	m.fail_on = MM_SEV_HIGH;
	struct strbuf sb = STRBUF_INIT;
	render(&fs, &m, &sb);
	/* the longest bar is the largest count; others in proportion */
	contains(sb.buf,
		 "critical (fail)</text><rect x=\"170\" y=\"11\" width=\"420\" height=\"18\"");
	contains(sb.buf, "high (fail)</text><rect x=\"170\" y=\"37\" width=\"210\" height=\"18\"");
	contains(sb.buf, "medium (fail)</text><rect x=\"170\" y=\"63\" width=\"0\" height=\"18\"");
	contains(sb.buf, "unknown</text><rect x=\"170\" y=\"141\" width=\"105\" height=\"18\"");
	contains(sb.buf,
		 "<span class=\"v v-fail\">FAIL</span>6 findings at or above high (exit 1)");
	contains(sb.buf, "<h2>Findings (7)</h2>");
	strbuf_release(&sb);
	findings_release(&fs);
}

static void test_findings_table(void **state)
{
	(void)state;
	struct findings fs;
	findings_init(&fs);
	struct finding *f = add(&fs, "rule-z", MM_SEV_HIGH, MM_ST_FAIL, "i-1");
	f->res_arn = "arn:aws:ec2:us-east-1:123456789012:instance/i-1";
	f->rem_cli = "aws ec2 modify-instance-metadata-options --instance-id i-1";
	finding_add_evidence(&fs, &fs.v[0], "a.json#/Reservations/0", "HttpTokens=optional");
	f = add(&fs, "rule-a", MM_SEV_LOW, MM_ST_MUTED, "sg-9");
	f->res_type = "security-group";
	f->mute_reason = "reviewed";
	f->message = "";
	add(&fs, "rule-z", MM_SEV_INFO, MM_ST_PASS, "i-2");
	struct report_meta m = base_meta();
	struct strbuf sb = STRBUF_INIT;
	render(&fs, &m, &sb);

	contains(sb.buf, "<tr class=\"st-fail\" data-sev=\"high\" data-status=\"fail\" "
			 "data-rule=\"rule-z\" data-res=\"ec2-instance i-1 "
			 "arn:aws:ec2:us-east-1:123456789012:instance/i-1\">");
	contains(sb.buf, "<tr class=\"st-muted\" data-sev=\"low\" data-status=\"muted\" "
			 "data-rule=\"rule-a\" data-res=\"security-group sg-9\">");
	/* each rule once in the filter, sorted */
	assert_int_equal(count(sb.buf, "<option value=\"rule-z\">"), 1);
	const char *a = strstr(sb.buf, "<option value=\"rule-a\">"),
		   *z = strstr(sb.buf, "<option value=\"rule-z\">");
	assert_true(a && z && a < z);
	/* filters appear only with the script; rows are all there without it */
	contains(sb.buf, "<div id=\"filters\" class=\"filters\" hidden>");
	contains(sb.buf, "<noscript>");
	assert_int_equal(count(sb.buf, "<tr class=\"st-"), 3);
	assert_null(strstr(sb.buf, "class=\"off\""));
	/* details: evidence, fix, CLI; an empty message falls back to the title */
	contains(sb.buf, "<li><code>a.json#/Reservations/0</code><br><span class=\"detail\">"
			 "HttpTokens=optional</span></li>");
	contains(sb.buf, "<pre class=\"cli\">$ aws ec2 modify-instance-metadata-options "
			 "--instance-id i-1</pre>");
	contains(sb.buf, "<p><b>muted:</b> <span class=\"detail\">reviewed</span></p>");
	contains(sb.buf, "<summary class=\"msg\">A title</summary>");
	/* print shows all: hidden rows and closed details come back */
	contains(sb.buf, "tr.off{display:table-row!important}");
	contains(sb.buf, "details::details-content{content-visibility:visible;display:block}");
	strbuf_release(&sb);
	findings_release(&fs);
}

static void test_no_analyses(void **state)
{
	(void)state;
	struct report_meta m = base_meta();
	struct strbuf sb = STRBUF_INIT;
	render(NULL, &m, &sb);
	contains(sb.buf, "<p>No findings.</p>");
	contains(sb.buf, "Reachability was not computed for this report.");
	contains(sb.buf, "Attack paths were not computed for this report.");
	contains(sb.buf, "None: every file that was read parsed.");
	contains(sb.buf, "unknown (no finding names one)");
	struct walk w = { 0 };
	parse_and_walk(&sb, &w);

	struct paths_result none = { 0 };
	struct reach_result rnone = { 0 };
	m.paths = &none;
	m.reach = &rnone;
	render(NULL, &m, &sb);
	contains(sb.buf, "<p>No attack path found.</p>");
	contains(sb.buf, "<p>No interface to evaluate.</p>");
	strbuf_release(&sb);
}

static void test_reach(void **state)
{
	(void)state;
	const struct ivset *inet = mm_internet_ranges(MM_AF_INET);
	struct mm_iv port22 = { 22, 22 }, ports[] = { { 80, 80 }, { 443, 443 } };
	struct mm_iv peer = { 0x0a010000u, 0x0a01ffffu }; /* 10.1.0.0/16 */
	struct reach_hop fwd[] = {
		{ "igw-1", "internet-gateway", NULL, "admit", "attached",
		  "v.json#/InternetGateways/0" },
		{ "acl-1", "network-acl", "100", "admit", "rule 100 allows",
		  "n.json#/NetworkAcls/0" },
		{ "sg-1", "security-group", "tcp 22 from 0.0.0.0/0", "admit", "admits",
		  "s.json#/0" },
	};
	struct reach_hop ret[] = {
		{ "rtb-1", "route-table", "0.0.0.0/0 -> igw-1", "admit", "replies", "r.json#/0" },
	};
	struct reach_hop passed[] = {
		{ "pcx-1", "vpc-peering", NULL, "admit", "active", "p.json#/0" },
		{ "sg-2", "security-group", NULL, "deny", "no rule admits", "s.json#/1" },
	};
	struct reach_hop first = { "eni-3", "network-interface", NULL,
				   "deny",  "no public address", "e.json#/2" };
	const char *notes[] = { "a note" };
	struct reach_exposure exp[] = {
		{ .resource = "i-1",
		  .eni = "eni-1",
		  .address = "203.0.113.10",
		  .family = MM_AF_INET,
		  .origin = REACH_FROM_INTERNET,
		  .gateway = "igw-1",
		  .proto = MM_PROTO_TCP,
		  .ports = &port22,
		  .nports = 1,
		  .src = inet->v,
		  .nsrc = inet->nr,
		  .fwd = fwd,
		  .nfwd = 3,
		  .ret = ret,
		  .nret = 1,
		  .notes = notes,
		  .nnotes = 1 },
		{ .resource = "i-1",
		  .eni = "eni-1",
		  .address = "10.0.0.5",
		  .family = MM_AF_INET,
		  .origin = REACH_FROM_PEERING,
		  .gateway = "pcx-1",
		  .entry_id = "lb-1",
		  .entry_port = 443,
		  .proto = MM_PROTO_TCP,
		  .ports = ports,
		  .nports = 2,
		  .src = &peer,
		  .nsrc = 1,
		  .fwd = fwd,
		  .nfwd = 1 },
	};
	struct reach_block blk[] = {
		{ .resource = "i-2",
		  .eni = "eni-2",
		  .origin = REACH_FROM_PEERING,
		  .family = MM_AF_INET,
		  .code = "SG_NO_MATCHING_RULE",
		  .component = "sg-2",
		  .detail = "no rule admits",
		  .evidence = "s.json#/1",
		  .path = passed,
		  .npath = 2 },
		{ .resource = "i-3",
		  .eni = "eni-3",
		  .origin = REACH_FROM_INTERNET,
		  .family = MM_AF_INET,
		  .code = "NO_PUBLIC_ADDRESS",
		  .component = "eni-3",
		  .detail = "no public address",
		  .evidence = "e.json#/2",
		  .path = &first,
		  .npath = 1 },
	};
	struct reach_unknown unk[] = {
		{ "i-2", "eni-2", REACH_FROM_INTERNET, MM_AF_INET, "acl",
		  "network acls are missing" },
	};
	struct reach_result rr = { .exp = exp,
				   .nexp = 2,
				   .blk = blk,
				   .nblk = 2,
				   .unk = unk,
				   .nunk = 1,
				   .instances = 3,
				   .enis = 3 };
	struct findings fs;
	findings_init(&fs);
	add(&fs, "r", MM_SEV_HIGH, MM_ST_FAIL, "i-3");
	struct report_meta m = base_meta();
	m.reach = &rr;
	struct strbuf sb = STRBUF_INIT;
	render(&fs, &m, &sb);

	/* one section per resource, in result order, with its verdicts */
	const char *s1 = strstr(sb.buf, "<section class=\"inst\" id=\"reach-1\">\n<h3><code>i-1"),
		   *s2 = strstr(sb.buf, "<section class=\"inst\" id=\"reach-2\">\n<h3><code>i-2"),
		   *s3 = strstr(sb.buf, "<section class=\"inst\" id=\"reach-3\">\n<h3><code>i-3");
	assert_true(s1 && s2 && s3 && s1 < s2 && s2 < s3);
	contains(s1, "<span class=\"v v-fail\">internet: reachable</span><span class=\"v v-fail\">"
		     "peered VPCs: reachable</span>");
	contains(s2, "<span class=\"v v-unknown\">internet: unknown</span><span class=\"v v-pass\">"
		     "peered VPCs: not reachable</span>");
	contains(s3, "<span class=\"v v-pass\">internet: not reachable</span><span class=\"v "
		     "v-muted\">peered VPCs: no result</span>");
	/* exposures: ports, sources summarised, entry, hop by hop both ways */
	contains(s1, "<tr><td>internet</td><td>ipv4</td><td>tcp</td><td>22</td><td>internet "
		     "(any)</td><td><code>igw-1</code></td><td><code>203.0.113.10</code></td>");
	contains(s1, "<td>80, 443</td><td>10.1.0.0/16</td><td><code>pcx-1</code><br>load balancer "
		     "<code>lb-1</code> port 443</td>");
	contains(s1, "<summary>igw-1 \xe2\x86\x92 acl-1 \xe2\x86\x92 sg-1</summary>");
	contains(s1, "<tr><td>3<td>forward<td>admit<td>sg-1<td>security-group<td>tcp 22 from "
		     "0.0.0.0/0<td>admits<td>s.json#/0\n");
	contains(s1, "<tr><td>4<td>return<td>admit<td>rtb-1<td>route-table<td>0.0.0.0/0 -&gt; "
		     "igw-1<td>replies<td>r.json#/0\n");
	contains(s1, "<p class=\"note detail\">note: a note</p>");
	/* why not: the block, its evidence, the hops it passed */
	contains(s2, "<td class=\"deny\">SG_NO_MATCHING_RULE</td><td><code>sg-2</code></td><td "
		     "class=\"detail\">no rule admits</td><td><code>s.json#/1</code></td>");
	contains(s2, "<tr><td>2<td>forward<td class=\"deny\">deny<td>sg-2");
	contains(s2, "<td><code>eni-2</code></td><td><code>acl</code></td><td class=\"detail\">"
		     "network acls are missing</td>");
	/* a block at the first hop does not repeat itself as a hop table */
	contains(s3, "none: blocked at the first hop");
	/* the finding on i-3 links to its reachability */
	contains(sb.buf, "<a href=\"#reach-3\">reachability</a>");
	contains(sb.buf,
		 "3 instances and 3 interfaces evaluated: 2 exposures, 2 blocked, 1 unknown");

	/* a source set that is not the internet is listed, capped */
	struct mm_iv many[20];
	for (unsigned i = 0; i < 20; i++)
		many[i] = (struct mm_iv){ 0x0b000000u + i * 256, 0x0b000000u + i * 256 };
	exp[0].src = many;
	exp[0].nsrc = 20;
	render(&fs, &m, &sb);
	contains(sb.buf, "<td>11.0.0.0/32, 11.0.1.0/32, 11.0.2.0/32, 11.0.3.0/32, 11.0.4.0/32, "
			 "11.0.5.0/32, 11.0.6.0/32, 11.0.7.0/32 and 12 more (mamori reach --format "
			 "json lists all)</td>");
	strbuf_release(&sb);
	findings_release(&fs);
}

static void test_paths(void **state)
{
	(void)state;
	struct mm_evidence ev = { "i.json#/Reservations/0/Instances/0/MetadataOptions",
				  "HttpTokens=optional" };
	struct path_link links[] = {
		{ "internet", "0.0.0.0/0", NULL, NULL, 0, true, false },
		{ "network", "igw-1", "igw-1 -> sg-1", NULL, 0, true, false },
		{ "instance", "i-1", "reachable", NULL, 0, true, false },
		{ "imds", "i-1", "IMDSv1", &ev, 1, true, false },
		{ "role", "web", NULL, NULL, 0, false, false },
		{ "statement", "arn:aws:iam::123456789012:policy/very-long-policy-name#0", NULL,
		  NULL, 0, false, true },
		{ "data", "arn:aws:s3:::bucket/*", NULL, NULL, 0, false, false },
	};
	struct path_break breaks[] = {
		{ 3, "require IMDSv2 on i-1", "aws ec2 modify-instance-metadata-options", 1, true },
		{ 0, "revoke the rule", NULL, 5, false },
	};
	const char *missing[] = { "no instance profile: the instance has no role" };
	struct attack_path ap = { .sev = MM_SEV_MEDIUM,
				  .goal = PATH_GOAL_DATA,
				  .complete = false,
				  .resource = "i-1",
				  .account = "123456789012",
				  .region = "us-east-1",
				  .title = "internet -> i-1 (IMDSv1) -> role -> s3",
				  .target = "s3:GetObject on arn:aws:s3:::bucket/*",
				  .chain = links,
				  .nchain = 7,
				  .breaks = breaks,
				  .nbreaks = 2,
				  .missing = missing,
				  .nmissing = 1 };
	struct paths_result pr = { .v = &ap, .nr = 1, .instances = 4, .unknown_roles = 1 };
	struct findings fs;
	findings_init(&fs);
	add(&fs, "r", MM_SEV_HIGH, MM_ST_FAIL, "i-1");
	struct report_meta m = base_meta();
	m.paths = &pr;
	struct strbuf sb = STRBUF_INIT;
	render(&fs, &m, &sb);

	const char *p = strstr(sb.buf, "<article class=\"path\" id=\"path-1\">");
	assert_non_null(p);
	contains(p, "<span class=\"sev sev-medium\">medium</span> internet -&gt; i-1 (IMDSv1) "
		    "-&gt; role -&gt; s3</h3>");
	contains(p, "<span class=\"v v-muted\">partial</span>");
	/* one box per link; missing dashed, unknown dotted, cheapest outlined once */
	assert_int_equal(count(p, "<rect "), 7);
	assert_int_equal(count(p, "stroke-dasharray=\"6 4\"/>"), 2);
	assert_int_equal(count(p, "stroke-dasharray=\"2 3\"/>"), 1);
	assert_int_equal(count(p, "stroke=\"#bc4c00\" stroke-width=\"3\""), 1);
	assert_int_equal(count(p, "cheapest break</text>"), 1);
	/* the outlined box is the link the cheapest break removes (imds, 4th) */
	const char *imds = strstr(p, "<g><title>imds: i-1");
	assert_non_null(imds);
	assert_true(strstr(imds, "#bc4c00") < strstr(imds, "</g>"));
	/* arrows: 6, those touching a missing or unknown link dashed; the 7th
	 * box wraps to a second row */
	assert_int_equal(count(p, "<polyline "), 6);
	assert_int_equal(count(p, "stroke-dasharray=\"5 4\""), 3);
	contains(p, "points=\"1232,57 1252,57 1252,120 4,120 4,179 16,179\"");
	/* long ids keep their tail; the full id is in the tooltip and the table */
	contains(p, "\xe2\x80\xa6ry-long-policy-name#0</text>");
	contains(p, "<title>statement: arn:aws:iam::123456789012:policy/very-long-policy-name#0 "
		    "(unknown (missing input))</title>");
	/* why it is not critical, and the ways to break it */
	contains(p, "<li class=\"detail\">no instance profile: the instance has no role</li>");
	contains(p, "<tr class=\"cheapest\"><td class=\"num\">1</td><td>imds <code>i-1</code></td>"
		    "<td><span class=\"v v-pass\">cheapest</span>");
	contains(p, "<pre class=\"cli\">$ aws ec2 modify-instance-metadata-options</pre>");
	contains(p, "<code>i.json#/Reservations/0/Instances/0/MetadataOptions</code> <span "
		    "class=\"detail\">HttpTokens=optional</span>");
	contains(sb.buf, "1 instance role could not be evaluated");
	/* the finding on the instance links to its path */
	contains(sb.buf, "<a href=\"#path-1\">attack path</a>");
	strbuf_release(&sb);
	findings_release(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),	       cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_compliance),     cmocka_unit_test(test_summary_chart),
		cmocka_unit_test(test_findings_table), cmocka_unit_test(test_no_analyses),
		cmocka_unit_test(test_reach),	       cmocka_unit_test(test_paths),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return r;
}
