/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/report: the JSON contract (rendered, parsed back with
 * json_parse and checked field by field, and compared with `jq .` when jq is
 * installed), escaping of hostile strings, the text layout (group order, no
 * ANSI without colour, control bytes neutralised), the catalog renderers and
 * the --fail-on verdict that decides the exit code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/finding.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "report/report.h"

/* A string with everything JSON must escape and a terminal must not see. */
static const char hostile[] = "say \"hi\"\\ path\nnext\tline \x01\x1f\x1b[31mred\x7f end \xc2\x9b"
			      "csi caf\xc3\xa9";

struct fixture {
	struct findings fs;
	struct mm_diags diags;
	struct report_meta meta;
};

static struct finding *add(struct findings *fs, const char *rule, enum mm_sev sev,
			   enum mm_status st, const char *res)
{
	struct finding *f = findings_add(fs);
	f->rule = rule;
	f->title = "A title";
	f->sev = sev;
	f->status = st;
	f->res_type = "security-group";
	f->res_id = res;
	f->account = "123456789012";
	f->region = "us-east-1";
	f->message = "message";
	f->rem_text = "fix it";
	finding_fingerprint(f);
	return f;
}

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	findings_init(&x->fs);
	struct findings *fs = &x->fs;

	struct finding *f = add(fs, "ec2-sg-admin-port-world", MM_SEV_CRITICAL, MM_ST_FAIL, "sg-1");
	f->res_arn = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1";
	f->message = "SSH (tcp/22) is open to 0.0.0.0/0";
	f->rem_cli = "aws ec2 revoke-security-group-ingress --group-id sg-1";
	static const char *comp[] = { "CIS-AWS-3.0:5.2", "FSBP:EC2.13" };
	f->compliance = comp;
	f->ncompliance = 2;
	static struct finding_tag tags[] = { { "env", "prod" } };
	f->tags = tags;
	f->ntags = 1;
	finding_add_evidence(fs, &fs->v[0], "sg.json#/SecurityGroups/0/IpPermissions/1",
			     "0.0.0.0/0 allows tcp 22");
	finding_add_evidence(fs, &fs->v[0], NULL, "derived fact");

	f = add(fs, "hostile-rule", MM_SEV_HIGH, MM_ST_FAIL, "sg-2");
	f->message = hostile;
	f->title = hostile;
	finding_add_evidence(fs, &fs->v[1], hostile, hostile);

	add(fs, "ec2-medium", MM_SEV_MEDIUM, MM_ST_FAIL, "i-3");
	f = add(fs, "ec2-missing", MM_SEV_HIGH, MM_ST_UNKNOWN, "i-4");
	f->message = "describe-network-acls missing for 123456789012/us-east-1";
	f = add(fs, "ec2-muted", MM_SEV_CRITICAL, MM_ST_MUTED, "sg-5");
	f->mute_reason = "bastion, reviewed 2026-10";
	add(fs, "ec2-passed", MM_SEV_LOW, MM_ST_PASS, "sg-6");
	add(fs, "ec2-low", MM_SEV_LOW, MM_ST_FAIL, "sg-7");

	mm_diags_add(&x->diags, MM_DIAG_ERROR, "bad.json", 12, "expected ':'");
	mm_diags_add(&x->diags, MM_DIAG_WARNING, NULL, -1, "%s", hostile);

	x->meta = (struct report_meta){
		.tool_name = "mamori",
		.tool_version = "0.1.0",
		.snapshot = "snap",
		.files_loaded = 10,
		.files_failed = 1,
		.files_skipped = 2,
		.records_skipped = 3,
		.rules_evaluated = 30,
		.resources = 99,
		.diags = &x->diags,
		.elapsed_ms = 42,
		.fail_on = MM_SEV_HIGH,
	};
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	findings_release(&x->fs);
	mm_diags_release(&x->diags);
	free(x);
	return 0;
}

static const struct json *parse_json(struct arena *a, const struct strbuf *sb)
{
	struct json *v = NULL;
	struct mm_err e = { 0 };
	int r = json_parse(a, sb->buf, sb->len, NULL, &v, NULL, &e);
	if (r)
		print_error("output is not JSON: %s\n%s\n", e.msg, sb->buf);
	assert_int_equal(r, 0);
	return v;
}

static long long get_int(const struct json *o, const char *k)
{
	long long v = -12345;
	assert_int_equal(json_int(o, k, &v), 0);
	return v;
}

static void render(const char *fmt, struct fixture *x, bool color, struct strbuf *out)
{
	const struct report_module *m = report_module_find(fmt);
	assert_non_null(m);
	struct report_opts o = { .color = color };
	assert_int_equal(m->render(out, &x->fs, &x->meta, &o), 0);
}

static void test_modules(void **st)
{
	(void)st;
	size_t n = 0;
	for (; report_modules[n]; n++) {
		assert_non_null(report_modules[n]->name);
		assert_non_null(report_modules[n]->render);
		assert_ptr_equal(report_module_find(report_modules[n]->name), report_modules[n]);
	}
	assert_true(n >= 2);
	assert_non_null(report_module_find("text"));
	assert_non_null(report_module_find("json"));
	assert_null(report_module_find("xml"));
	assert_null(report_module_find(NULL));
	struct strbuf sb = STRBUF_INIT;
	report_module_names(&sb);
	assert_string_equal(sb.buf, "text, json, html, ocsf, asff, sarif, csv, junit");
	strbuf_release(&sb);
}

static void test_json_contract(void **state)
{
	struct fixture *x = *state;
	struct strbuf sb = STRBUF_INIT;
	struct arena a = ARENA_INIT;
	render("json", x, true, &sb);
	const struct json *doc = parse_json(&a, &sb);

	/* top-level keys, in order */
	assert_int_equal(doc->type, JSON_OBJECT);
	assert_int_equal(doc->n, 4);
	assert_string_equal(doc->u.members[0].key, "tool");
	assert_string_equal(doc->u.members[1].key, "findings");
	assert_string_equal(doc->u.members[2].key, "summary");
	assert_string_equal(doc->u.members[3].key, "errors");
	assert_string_equal(json_str(json_get(doc, "tool"), "name"), "mamori");
	assert_string_equal(json_str(json_get(doc, "tool"), "version"), "0.1.0");

	const struct json *fv = json_get(doc, "findings");
	assert_int_equal(json_len(fv), x->fs.nr);
	/* order as given */
	for (size_t i = 0; i < x->fs.nr; i++) {
		const struct json *f = json_at(fv, i);
		assert_string_equal(json_str(f, "rule"), x->fs.v[i].rule);
		assert_string_equal(json_str(f, "id"), x->fs.v[i].id);
		assert_int_equal(strlen(json_str(f, "id")), 16);
		assert_string_equal(json_str(f, "severity"), mm_sev_name(x->fs.v[i].sev));
		assert_string_equal(json_str(f, "status"), mm_status_name(x->fs.v[i].status));
		const struct json *r = json_get(f, "resource");
		assert_string_equal(json_str(r, "type"), "security-group");
		assert_string_equal(json_str(r, "id"), x->fs.v[i].res_id);
		assert_string_equal(json_str(r, "account"), "123456789012");
		assert_string_equal(json_str(r, "region"), "us-east-1");
		assert_true(json_is(json_get(f, "evidence"), JSON_ARRAY));
		assert_true(json_is(json_get(f, "compliance"), JSON_ARRAY));
		assert_true(json_is(json_get(f, "remediation"), JSON_OBJECT));
		/* mute_reason only on muted findings; arn only when known */
		assert_int_equal(json_get(f, "mute_reason") != NULL,
				 x->fs.v[i].status == MM_ST_MUTED);
		assert_int_equal(json_get(r, "arn") != NULL, x->fs.v[i].res_arn != NULL);
	}

	const struct json *f0 = json_at(fv, 0);
	assert_string_equal(json_str(f0, "title"), "A title");
	assert_string_equal(json_str(f0, "message"), "SSH (tcp/22) is open to 0.0.0.0/0");
	assert_string_equal(json_str(json_get(f0, "resource"), "arn"),
			    "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1");
	assert_string_equal(json_str(json_get(json_get(f0, "resource"), "tags"), "env"), "prod");
	const struct json *ev = json_get(f0, "evidence");
	assert_int_equal(json_len(ev), 2);
	assert_string_equal(json_str(json_at(ev, 0), "location"),
			    "sg.json#/SecurityGroups/0/IpPermissions/1");
	assert_string_equal(json_str(json_at(ev, 0), "detail"), "0.0.0.0/0 allows tcp 22");
	assert_true(json_is(json_get(json_at(ev, 1), "location"), JSON_NULL));
	assert_string_equal(json_str(json_at(ev, 1), "detail"), "derived fact");
	const struct json *rem = json_get(f0, "remediation");
	assert_string_equal(json_str(rem, "text"), "fix it");
	assert_string_equal(json_str(rem, "cli"),
			    "aws ec2 revoke-security-group-ingress --group-id sg-1");
	const struct json *comp = json_get(f0, "compliance");
	assert_int_equal(json_len(comp), 2);
	assert_string_equal(json_as_str(json_at(comp, 0)), "CIS-AWS-3.0:5.2");
	assert_string_equal(json_as_str(json_at(comp, 1)), "FSBP:EC2.13");
	/* a finding without CLI: null, not missing */
	assert_true(json_is(json_get(json_get(json_at(fv, 2), "remediation"), "cli"), JSON_NULL));
	assert_string_equal(json_str(json_at(fv, 4), "mute_reason"), "bastion, reviewed 2026-10");

	const struct json *sm = json_get(doc, "summary");
	assert_int_equal(get_int(sm, "total"), 7);
	const struct json *bs = json_get(sm, "by_severity");
	assert_int_equal(get_int(bs, "critical"), 1); /* the muted critical does not count */
	assert_int_equal(get_int(bs, "high"), 1);     /* nor the unknown high */
	assert_int_equal(get_int(bs, "medium"), 1);
	assert_int_equal(get_int(bs, "low"), 1);
	assert_int_equal(get_int(bs, "info"), 0);
	const struct json *bst = json_get(sm, "by_status");
	assert_int_equal(get_int(bst, "fail"), 4);
	assert_int_equal(get_int(bst, "unknown"), 1);
	assert_int_equal(get_int(bst, "muted"), 1);
	assert_int_equal(get_int(bst, "pass"), 1);
	assert_int_equal(get_int(sm, "rules_evaluated"), 30);
	assert_int_equal(get_int(sm, "resources"), 99);
	assert_int_equal(get_int(sm, "files_loaded"), 10);
	assert_int_equal(get_int(sm, "files_failed"), 1);
	assert_int_equal(get_int(sm, "files_skipped"), 2);
	assert_int_equal(get_int(sm, "records_skipped"), 3);
	assert_int_equal(get_int(sm, "errors"), 1);
	assert_int_equal(get_int(sm, "warnings"), 1);
	assert_int_equal(get_int(sm, "failing"), 2);
	assert_string_equal(json_str(sm, "fail_on"), "high");
	assert_int_equal(get_int(sm, "elapsed_ms"), 42);

	const struct json *errs = json_get(doc, "errors");
	assert_int_equal(json_len(errs), 2);
	assert_string_equal(json_str(json_at(errs, 0), "level"), "error");
	assert_string_equal(json_str(json_at(errs, 0), "file"), "bad.json");
	assert_int_equal(get_int(json_at(errs, 0), "offset"), 12);
	assert_string_equal(json_str(json_at(errs, 0), "message"), "expected ':'");
	assert_string_equal(json_str(json_at(errs, 1), "level"), "warning");
	assert_true(json_is(json_get(json_at(errs, 1), "file"), JSON_NULL));
	assert_true(json_is(json_get(json_at(errs, 1), "offset"), JSON_NULL));

	/* pretty-printed, 2-space indent, final newline, no ANSI even with color */
	assert_true(!strncmp(sb.buf, "{\n  \"tool\": {\n    \"name\": \"mamori\",\n", 36));
	assert_true(sb.len > 2 && !strcmp(sb.buf + sb.len - 2, "}\n"));
	assert_non_null(strstr(sb.buf, "\n    \"elapsed_ms\": 42\n"));
	assert_null(strchr(sb.buf, '\033'));
	arena_release(&a);
	strbuf_release(&sb);
}

static void test_json_escaping(void **state)
{
	struct fixture *x = *state;
	struct strbuf sb = STRBUF_INIT;
	struct arena a = ARENA_INIT;
	render("json", x, false, &sb);
	/* no raw control byte: only newlines from the layout */
	for (size_t i = 0; i < sb.len; i++) {
		unsigned char c = (unsigned char)sb.buf[i];
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			fail_msg("raw control byte 0x%02x at %zu", c, i);
	}
	const struct json *doc = parse_json(&a, &sb);
	const struct json *f = json_at(json_get(doc, "findings"), 1);
	assert_string_equal(json_str(f, "message"), hostile);
	assert_string_equal(json_str(f, "title"), hostile);
	const struct json *ev = json_at(json_get(f, "evidence"), 0);
	assert_string_equal(json_str(ev, "location"), hostile);
	assert_string_equal(json_str(ev, "detail"), hostile);
	assert_string_equal(json_str(json_at(json_get(doc, "errors"), 1), "message"), hostile);
	arena_release(&a);
	strbuf_release(&sb);
}

/* Differential: the layout is exactly what `jq .` prints. */
static void test_json_matches_jq(void **state)
{
	struct fixture *x = *state;
	if (system("jq --version >/dev/null 2>&1") != 0)
		skip();
	/* jq prints DEL and C1 controls raw; keep them out of this comparison */
	x->fs.v[1].message = x->fs.v[1].title = "quote \" backslash \\ nl \n tab \t ctl \x01";
	x->fs.v[1].ev = NULL;
	x->fs.v[1].nev = 0;
	mm_diags_release(&x->diags);
	mm_diags_add(&x->diags, MM_DIAG_ERROR, "a \"b\".json", 0, "x");
	struct strbuf sb = STRBUF_INIT;
	render("json", x, false, &sb);
	char path[] = "/tmp/mamori-test-report-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, sb.buf, sb.len), (ssize_t)sb.len);
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "jq . '%s'", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	struct strbuf jq = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&jq, buf, n);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	assert_string_equal(sb.buf, jq.buf);
	strbuf_release(&jq);
	strbuf_release(&sb);
}

static void test_json_empty(void **st)
{
	(void)st;
	struct findings fs;
	findings_init(&fs);
	struct report_meta meta = { .tool_name = "mamori",
				    .tool_version = "0.1.0",
				    .fail_on = REPORT_FAIL_ON_NONE };
	struct strbuf sb = STRBUF_INIT;
	struct arena a = ARENA_INIT;
	struct report_opts o = { 0 };
	assert_int_equal(report_module_find("json")->render(&sb, &fs, &meta, &o), 0);
	const struct json *doc = parse_json(&a, &sb);
	assert_true(json_is(json_get(doc, "findings"), JSON_ARRAY));
	assert_int_equal(json_len(json_get(doc, "findings")), 0);
	assert_int_equal(json_len(json_get(doc, "errors")), 0);
	assert_string_equal(json_str(json_get(doc, "summary"), "fail_on"), "none");
	assert_true(json_is(json_get(json_get(doc, "summary"), "snapshot"), JSON_NULL));
	assert_non_null(strstr(sb.buf, "\"findings\": [],\n"));
	/* the text renderer copes too */
	strbuf_reset(&sb);
	assert_int_equal(report_module_find("text")->render(&sb, &fs, &meta, &o), 0);
	assert_non_null(strstr(sb.buf, "No findings."));
	assert_non_null(strstr(sb.buf, "no --fail-on threshold"));
	arena_release(&a);
	strbuf_release(&sb);
	findings_release(&fs);
}

static const char *find_after(const char *hay, const char *needle, const char *after)
{
	const char *from = after ? after : hay;
	const char *p = from ? strstr(from, needle) : NULL;
	if (!p) {
		const char *ctx = after ? " after the previous group" : "";
		fail_msg("'%s' missing%s in:\n%s", needle ? needle : "", ctx, hay ? hay : "");
	}
	return p;
}

static void test_text(void **state)
{
	struct fixture *x = *state;
	struct strbuf sb = STRBUF_INIT;
	render("text", x, false, &sb);
	const char *t = sb.buf;
	assert_null(strchr(t, '\033'));
	/* groups in order */
	const char *p = find_after(t, "CRITICAL (1)", NULL);
	p = find_after(t, "HIGH (1)", p);
	p = find_after(t, "MEDIUM (1)", p);
	p = find_after(t, "LOW (1)", p);
	p = find_after(t, "UNKNOWN (missing input) (1)", p);
	p = find_after(t, "MUTED (1)", p);
	p = find_after(t, "PASSED (1)", p);
	p = find_after(t, "Summary", p);
	assert_null(strstr(t, "INFO (")); /* empty groups are not shown */
	/* the critical finding in full */
	p = find_after(t, "[CRITICAL] ec2-sg-admin-port-world: A title", NULL);
	p = find_after(t, "resource   security-group sg-1 (123456789012/us-east-1)", p);
	p = find_after(t, "message    SSH (tcp/22) is open to 0.0.0.0/0", p);
	p = find_after(t, "evidence   sg.json#/SecurityGroups/0/IpPermissions/1\n", p);
	p = find_after(t, "                 0.0.0.0/0 allows tcp 22\n", p);
	p = find_after(t, "fix        fix it\n", p);
	p = find_after(t, "$ aws ec2 revoke-security-group-ingress --group-id sg-1", p);
	p = find_after(t, "compliance CIS-AWS-3.0:5.2, FSBP:EC2.13", p);
	/* muted: collapsed, with its reason; the unknown one in its group */
	find_after(t, "muted: bastion, reviewed 2026-10", NULL);
	find_after(t, "describe-network-acls missing", strstr(t, "UNKNOWN (missing input)"));
	/* hostile strings: control bytes escaped, the newline cannot start a line */
	assert_non_null(strstr(t, "\\x1b[31mred\\x7f end \\u009bcsi caf\xc3\xa9"));
	assert_non_null(strstr(t, "path\n               next\tline \\x01\\x1f"));
	/* summary */
	find_after(t, "1 critical, 1 high, 1 medium, 1 low, 0 info", NULL);
	find_after(t, "10 files loaded, 1 failed, 2 skipped; 3 records skipped", NULL);
	find_after(t, "error: 'bad.json' at offset 12: expected ':'", NULL);
	find_after(t, "FAIL: 2 findings at or above high (exit 1)", NULL);
	for (size_t i = 0; i < sb.len; i++) {
		unsigned char c = (unsigned char)sb.buf[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			fail_msg("raw control byte 0x%02x at %zu", c, i);
	}

	/* colour only when asked */
	strbuf_reset(&sb);
	render("text", x, true, &sb);
	assert_non_null(strstr(sb.buf, "\033["));

	/* verdict without a failing finding */
	strbuf_reset(&sb);
	x->meta.fail_on = MM_SEV_CRITICAL;
	x->fs.v[0].status = MM_ST_MUTED;
	render("text", x, false, &sb);
	find_after(sb.buf, "PASS: no failing finding at or above critical (exit 0)", NULL);
	strbuf_release(&sb);
}

static void test_fail_on(void **state)
{
	struct fixture *x = *state;
	const struct findings *fs = &x->fs;
	/* fail findings: critical, high, medium, low; unknown high, muted
	 * critical and pass low never count */
	assert_int_equal(report_failing(fs, REPORT_FAIL_ON_NONE), 0);
	assert_int_equal(report_failing(fs, MM_SEV_CRITICAL), 1);
	assert_int_equal(report_failing(fs, MM_SEV_HIGH), 2);
	assert_int_equal(report_failing(fs, MM_SEV_MEDIUM), 3);
	assert_int_equal(report_failing(fs, MM_SEV_LOW), 4);
	assert_int_equal(report_failing(fs, MM_SEV_INFO), 4);
	assert_int_equal(report_failing(NULL, MM_SEV_INFO), 0);
	struct report_counts c;
	report_count(fs, MM_SEV_MEDIUM, &c);
	assert_int_equal(c.failing, 3);
	assert_int_equal(c.total, 7);

	int v = 99;
	assert_int_equal(report_parse_fail_on("none", &v), 0);
	assert_int_equal(v, REPORT_FAIL_ON_NONE);
	assert_int_equal(report_parse_fail_on("HIGH", &v), 0);
	assert_int_equal(v, MM_SEV_HIGH);
	assert_int_equal(report_parse_fail_on("info", &v), 0);
	assert_int_equal(v, MM_SEV_INFO);
	assert_int_equal(report_parse_fail_on("severe", &v), -1);
	assert_int_equal(report_parse_fail_on("", &v), -1);
	assert_int_equal(report_parse_fail_on(NULL, &v), -1);
}

static void test_catalog(void **st)
{
	(void)st;
	struct posture_catalog c;
	memset(&c, 0, sizeof(c));
	arena_init(&c.arena);
	c.nr = 2;
	c.v = arena_calloc(&c.arena, 2, sizeof(*c.v));
	static const char *comp[] = { "CIS-AWS-3.0:5.2" };
	c.v[0] =
	    (struct posture_rule){ .id = "ec2-sg-admin-port-world",
				   .title = "Admin port open to the world",
				   .sev = MM_SEV_HIGH,
				   .group = "network",
				   .resource_type = "security-group",
				   .description = "Why:\nbrute force.\n",
				   .remediation = "Close it",
				   .cli = "aws ec2 revoke-security-group-ingress --group-id {id}",
				   .compliance = comp,
				   .ncompliance = 1 };
	c.v[1] =
	    (struct posture_rule){ .id = "ec2-imdsv1", .title = hostile, .sev = MM_SEV_MEDIUM };
	struct strbuf sb = STRBUF_INIT;
	struct arena a = ARENA_INIT;
	struct report_opts o = { 0 };
	assert_int_equal(report_module_find("json")->render_catalog(&sb, &c, &o), 0);
	const struct json *doc = parse_json(&a, &sb);
	assert_int_equal(doc->n, 1);
	const struct json *rules = json_get(doc, "rules");
	assert_int_equal(json_len(rules), 2);
	const struct json *r = json_at(rules, 0);
	static const char *keys[] = { "id",	     "severity",      "title",
				      "group",	     "resource_type", "description",
				      "remediation", "compliance" };
	assert_int_equal(r->n, 8);
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(r->u.members[i].key, keys[i]);
	assert_string_equal(json_str(r, "severity"), "high");
	assert_string_equal(json_str(r, "description"), "Why:\nbrute force.\n");
	assert_string_equal(json_str(json_get(r, "remediation"), "cli"),
			    "aws ec2 revoke-security-group-ingress --group-id {id}");
	assert_string_equal(json_as_str(json_at(json_get(r, "compliance"), 0)), "CIS-AWS-3.0:5.2");
	r = json_at(rules, 1);
	assert_string_equal(json_str(r, "title"), hostile);
	assert_true(json_is(json_get(r, "group"), JSON_NULL));
	assert_int_equal(json_len(json_get(r, "compliance")), 0);

	strbuf_reset(&sb);
	assert_int_equal(report_module_find("text")->render_catalog(&sb, &c, &o), 0);
	assert_non_null(strstr(sb.buf, "[HIGH] ec2-sg-admin-port-world: Admin port open"));
	assert_non_null(strstr(sb.buf, "why        Why:\n               brute force.\n"));
	assert_non_null(strstr(sb.buf, "compliance CIS-AWS-3.0:5.2\n"));
	assert_non_null(strstr(sb.buf, "2 rules\n"));
	assert_null(strchr(sb.buf, '\033'));
	arena_release(&a);
	strbuf_release(&sb);
	arena_release(&c.arena);
}

/* Streaming: with a flush callback, every findings format writes the same
 * bytes as without, in several pieces (the report passes REPORT_FLUSH_AT),
 * and stops with MM_EIO when the sink fails. */
struct sink {
	struct strbuf got;
	size_t calls;
	bool fail;
};

static int sink_flush(struct strbuf *sb, void *arg)
{
	struct sink *k = arg;
	k->calls++;
	if (k->fail)
		return -1;
	strbuf_add(&k->got, sb->buf, sb->len);
	strbuf_reset(sb);
	return 0;
}

static void test_streaming(void **st)
{
	(void)st;
	struct findings fs;
	findings_init(&fs);
	char msg[512];
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = 0;
	char ids[64];
	for (int i = 0; i < 6000; i++) {
		snprintf(ids, sizeof(ids), "sg-%08d", i);
		struct finding *f =
		    add(&fs, i % 3 ? "ec2-sg-ssh-world" : "ec2-sg-rdp-world", (enum mm_sev)(i % 5),
			(enum mm_status)(i % 4), arena_strdup(&fs.arena, ids));
		f->message = arena_strdup(&fs.arena, msg);
		if (f->status == MM_ST_MUTED)
			f->mute_reason = "reviewed";
		finding_add_evidence(&fs, f, "a.json#/x", msg);
	}
	struct report_meta meta = { .tool_name = "mamori",
				    .tool_version = "0",
				    .fail_on = -1,
				    .started_ms = 1700000000000LL,
				    .account = "123456789012" };
	static const char *const names[] = {
		"json", "text", "csv", "ocsf", "asff", "sarif", "junit"
	};
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		const struct report_module *mod = report_module_find(names[n]);
		assert_non_null(mod);
		struct strbuf whole = STRBUF_INIT, out = STRBUF_INIT;
		struct report_opts plain = { 0 };
		assert_int_equal(mod->render(&whole, &fs, &meta, &plain), 0);
		assert_true(whole.len > 2 * REPORT_FLUSH_AT);

		struct sink k = { .got = STRBUF_INIT };
		struct report_opts streamed = { .flush = sink_flush, .flush_arg = &k };
		assert_int_equal(mod->render(&out, &fs, &meta, &streamed), 0);
		strbuf_add(&k.got, out.buf, out.len); /* the caller writes the rest */
		if (k.calls < 2 || k.got.len != whole.len ||
		    memcmp(k.got.buf, whole.buf, whole.len))
			fail_msg("%s: streamed output differs (%zu flushes, %zu vs %zu bytes)",
				 names[n], k.calls, k.got.len, whole.len);
		assert_true(out.len < 2 * REPORT_FLUSH_AT); /* never held whole */

		struct sink bad = { .got = STRBUF_INIT, .fail = true };
		struct report_opts failing = { .flush = sink_flush, .flush_arg = &bad };
		strbuf_reset(&out);
		assert_int_equal(mod->render(&out, &fs, &meta, &failing), MM_EIO);
		assert_int_equal(bad.calls, 1); /* stops at the first failure */

		strbuf_release(&k.got);
		strbuf_release(&bad.got);
		strbuf_release(&whole);
		strbuf_release(&out);
	}
	findings_release(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test_setup_teardown(test_json_contract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_matches_jq, setup, teardown),
		cmocka_unit_test(test_json_empty),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_on, setup, teardown),
		cmocka_unit_test(test_catalog),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
