/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the machine formats (src/report/ocsf.c, asff.c, sarif.c,
 * csv.c, junit.c, formats.c) and the trail OCSF renderer: the shared helpers
 * (UTC time, UTF-8 repair by maximal subpart, cutting text at a character
 * boundary, regions, partitions, ARNs), then every format on the hand-built
 * sets of tests/formats/samples.h: same input gives the same bytes, output
 * is valid UTF-8 with no raw control bytes, JSON parses back and carries the
 * mapped fields, CSV cells are quoted and formula-guarded, JUnit counts and
 * escapes, ASFF leaves out what Security Hub cannot import. The formats'
 * own validators (jsonschema, botocore, xmllint, Python's csv) run in the
 * 'formats' suite (tests/formats/validate.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/finding.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "posture/posture.h"
#include "report/formats.h"
#include "report/report.h"
#include "trail/trail.h"
#include "../formats/samples.h"

struct fx {
	struct findings fs;
	struct posture_catalog cat;
	struct mm_diags diags;
	struct report_meta meta;
	struct strbuf out;
	struct arena arena;
};

static int setup_set(void **state, const char *set)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct mm_err e = { 0 };
	findings_init(&x->fs);
	arena_init(&x->arena);
	strbuf_init(&x->out, 0);
	if (sample_findings(&x->fs, set) < 0 || posture_catalog_load(&x->cat, &e) < 0)
		return -1;
	mm_diags_add(&x->diags, MM_DIAG_ERROR, "a/b.json", 7, "expected ':' \x01 <here>");
	x->meta = (struct report_meta){
		.tool_name = "mamori",
		.tool_version = "0.1.0",
		.snapshot = "snap shots/prod",
		.diags = &x->diags,
		.fail_on = REPORT_FAIL_ON_NONE,
		.catalog = &x->cat,
		.started_ms = SAMPLE_STARTED_MS,
	};
	*state = x;
	return 0;
}

static int setup_hostile(void **state)
{
	return setup_set(state, "hostile");
}

static int setup_empty(void **state)
{
	return setup_set(state, "empty");
}

static int teardown(void **state)
{
	struct fx *x = *state;
	findings_release(&x->fs);
	posture_catalog_release(&x->cat);
	mm_diags_release(&x->diags);
	strbuf_release(&x->out);
	arena_release(&x->arena);
	free(x);
	return 0;
}

static const char *render(struct fx *x, const char *fmt)
{
	const struct report_module *m = report_module_find(fmt);
	assert_non_null(m);
	struct report_opts o = { 0 };
	strbuf_reset(&x->out);
	assert_int_equal(m->render(&x->out, &x->fs, &x->meta, &o), 0);
	return x->out.buf;
}

static const struct json *parse(struct fx *x, const char *buf, size_t len)
{
	struct json *v = NULL;
	struct mm_err e = { 0 };
	int r = json_parse(&x->arena, buf, len, NULL, &v, NULL, &e);
	if (r)
		print_error("not JSON: %s\n", e.msg);
	assert_int_equal(r, 0);
	return v;
}

/* The value at a '/'-separated path of keys and array indexes ("\\/" is a
 * slash inside a key). */
static const struct json *at(const struct json *v, const char *path)
{
	char seg[128];
	const char *p = path;
	while (v && *p) {
		size_t n = 0;
		for (; *p && *p != '/'; p++) {
			if (*p == '\\' && p[1] == '/')
				p++;
			if (n + 1 < sizeof(seg))
				seg[n++] = *p;
		}
		seg[n] = '\0';
		if (*p == '/')
			p++;
		v = v->type == JSON_ARRAY ? json_at(v, strtoul(seg, NULL, 10)) : json_get(v, seg);
	}
	return v;
}

/* OCSF types have no null: none may appear outside free-form data. */
static void assert_no_null(const struct json *v)
{
	assert_int_not_equal(v->type, JSON_NULL);
	if (v->type == JSON_ARRAY)
		for (size_t i = 0; i < v->n; i++)
			assert_no_null(&v->u.items[i]);
	if (v->type == JSON_OBJECT)
		for (size_t i = 0; i < v->n; i++)
			if (strcmp(v->u.members[i].key, "data") &&
			    strcmp(v->u.members[i].key, "unmapped"))
				assert_no_null(&v->u.members[i].v);
}

static long long num(const struct json *v, const char *path)
{
	long long n = -12345;
	if (json_as_int(at(v, path), &n))
		fail_msg("no integer at '%s'", path);
	return n;
}

static const char *str(const struct json *v, const char *path)
{
	const char *s = json_as_str(at(v, path));
	if (!s)
		fail_msg("no string at '%s'", path);
	return s;
}

/* The finding of the sample set with this resource id. */
static size_t by_res(const struct findings *fs, const char *res)
{
	for (size_t i = 0; i < fs->nr; i++)
		if (!strcmp(fs->v[i].res_id, res))
			return i;
	fail_msg("no finding for %s", res);
	return 0;
}

/* ---- helpers ---- */

static void test_time(void **state)
{
	(void)state;
	char t[FMT_TIME_LEN];
	fmt_time(t, 0, FMT_TIME_ISO_MS_Z);
	assert_string_equal(t, "1970-01-01T00:00:00.000Z");
	fmt_time(t, SAMPLE_STARTED_MS, FMT_TIME_ISO_MS_Z);
	assert_string_equal(t, "2024-05-01T10:00:00.250Z");
	fmt_time(t, SAMPLE_STARTED_MS, FMT_TIME_ISO_LOCAL);
	assert_string_equal(t, "2024-05-01T10:00:00");
	fmt_time(t, -5, FMT_TIME_ISO_MS_Z);
	assert_string_equal(t, "1970-01-01T00:00:00.000Z");
	fmt_time(t, 951782400000LL, FMT_TIME_ISO_MS_Z); /* leap day 2000 */
	assert_string_equal(t, "2000-02-29T00:00:00.000Z");
	fmt_time(t, 1LL << 62, FMT_TIME_ISO_MS_Z);
	assert_string_equal(t, "9999-12-31T23:59:59.999Z");
}

/* Decode all of s into code points; returns how many. */
static size_t decode(const char *s, size_t n, uint32_t *cps, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < max;) {
		i += mm_utf8_next(s, n, i, &cps[k]);
		k++;
	}
	return k;
}

static void test_utf8(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len;
		size_t n;
		uint32_t cp[5];
		bool valid;
	} cases[] = {
		{ "a\xc3\xa9", 3, 2, { 'a', 0xe9 }, true },
		{ "\xe6\x97\xa5", 3, 1, { 0x65e5 }, true },
		{ "\xf0\x9f\x94\x92", 4, 1, { 0x1f512 }, true },
		{ "\xef\xbf\xbd", 3, 1, { 0xfffd }, true },    /* U+FFFD itself is valid */
		{ "\xe6\x97x", 3, 2, { 0xfffd, 'x' }, false }, /* truncated: one U+FFFD */
		{ "\xf0\x9f\x94x", 4, 2, { 0xfffd, 'x' }, false },
		{ "\xc0\x80", 2, 2, { 0xfffd, 0xfffd }, false },	     /* overlong NUL */
		{ "\xe0\x80\xaf", 3, 3, { 0xfffd, 0xfffd, 0xfffd }, false }, /* overlong */
		{ "\xed\xa0\x80", 3, 3, { 0xfffd, 0xfffd, 0xfffd }, false }, /* surrogate */
		{ "\xf4\x90\x80\x80", 4, 4, { 0xfffd, 0xfffd, 0xfffd, 0xfffd }, false },
		{ "\x80\xff", 2, 2, { 0xfffd, 0xfffd }, false },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint32_t cps[8];
		size_t n = decode(cases[c].in, cases[c].len, cps, 8);
		assert_int_equal(n, cases[c].n);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(cps[i], cases[c].cp[i]);
		char z[8] = { 0 };
		memcpy(z, cases[c].in, cases[c].len);
		assert_int_equal(fmt_utf8_valid(z), cases[c].valid);
		/* repaired text is valid and re-encodes every code point */
		struct strbuf sb = STRBUF_INIT;
		fmt_put_text(&sb, z, 0, false);
		assert_true(fmt_utf8_valid(sb.buf));
		if (cases[c].valid)
			assert_string_equal(sb.buf, z);
		strbuf_release(&sb);
	}
}

static void test_put_text(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	const char *jp = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"; /* 日本語, 9 bytes */
	assert_false(fmt_put_text(&sb, jp, 9, false));
	assert_string_equal(sb.buf, jp);
	strbuf_reset(&sb);
	/* 8 bytes: "日本" + "..." would be 9, so only 日 stays */
	assert_true(fmt_put_text(&sb, jp, 8, false));
	assert_string_equal(sb.buf, "\xe6\x97\xa5...");
	strbuf_reset(&sb);
	assert_false(fmt_put_text(&sb, "a\nb\tc\x1b", 0, true));
	assert_string_equal(sb.buf, "a b c ");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "keep:");
	assert_true(fmt_put_text(&sb, "abcdefgh", 6, false));
	assert_string_equal(sb.buf, "keep:abc...");
	strbuf_release(&sb);
}

static void test_aws_names(void **state)
{
	(void)state;
	assert_true(fmt_is_region("us-east-1"));
	assert_true(fmt_is_region("ap-northeast-1"));
	assert_true(fmt_is_region("us-gov-west-1"));
	assert_true(fmt_is_region("cn-north-1"));
	assert_false(fmt_is_region("global"));
	assert_false(fmt_is_region("unknown"));
	assert_false(fmt_is_region("us-east-"));
	assert_false(fmt_is_region("us-east-1 "));
	assert_false(fmt_is_region(NULL));
	assert_string_equal(fmt_partition("cn-northwest-1"), "aws-cn");
	assert_string_equal(fmt_partition("us-gov-east-1"), "aws-us-gov");
	assert_string_equal(fmt_partition("eu-west-1"), "aws");
	assert_true(fmt_is_account_id("111122223333"));
	assert_false(fmt_is_account_id("11112222333"));
	assert_false(fmt_is_account_id("unknown"));

	struct strbuf sb = STRBUF_INIT;
	struct finding f = { .res_type = "ec2-instance",
			     .res_id = "i-1",
			     .account = "111122223333",
			     .region = "us-east-1" };
	assert_string_equal(fmt_resource_arn(&sb, &f),
			    "arn:aws:ec2:us-east-1:111122223333:instance/i-1");
	f.res_type = "ebs-snapshot";
	f.res_id = "snap-1";
	f.region = "cn-north-1";
	assert_string_equal(fmt_resource_arn(&sb, &f),
			    "arn:aws-cn:ec2:cn-north-1::snapshot/snap-1");
	f.res_type = "security-group";
	f.account = "unknown";
	assert_null(fmt_resource_arn(&sb, &f));
	f.res_type = "account";
	f.account = "111122223333";
	assert_null(fmt_resource_arn(&sb, &f));
	f.res_arn = "arn:aws:iam::111122223333:role/r";
	assert_string_equal(fmt_resource_arn(&sb, &f), "arn:aws:iam::111122223333:role/r");
	strbuf_release(&sb);

	struct finding g = { .account = "unknown", .region = "us-east-1" };
	assert_non_null(report_asff_skip_reason(&g));
	g.account = "111122223333";
	assert_null(report_asff_skip_reason(&g));
	g.region = "global";
	assert_null(report_asff_skip_reason(&g));
	g.region = "unknown";
	assert_non_null(report_asff_skip_reason(&g));
}

/* ---- every format ---- */

static const char *const formats[] = { "ocsf", "asff", "sarif", "csv", "junit" };

static void test_deterministic_and_clean(void **state)
{
	struct fx *x = *state;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *first = strdup(render(x, formats[i]));
		size_t len = x->out.len;
		render(x, formats[i]);
		assert_int_equal(x->out.len, len);
		assert_memory_equal(x->out.buf, first, len);
		assert_int_equal(strlen(first), len); /* no NUL inside */
		assert_true(fmt_utf8_valid(first));
		bool csv = !strcmp(formats[i], "csv"), junit = !strcmp(formats[i], "junit");
		for (size_t k = 0; k < len; k++) {
			unsigned char c = (unsigned char)first[k];
			if (c == '\n' || ((csv || junit) && c == '\t') || (csv && c == '\r'))
				continue;
			if (c < 0x20 || c == 0x7f)
				fail_msg("%s: raw control byte 0x%02x at %zu", formats[i], c, k);
		}
		/* U+FFFE is no XML character: JUnit replaces it */
		if (junit)
			assert_null(strstr(first, "\xef\xbf\xbe"));
		free(first);
	}
}

static void test_ocsf(void **state)
{
	struct fx *x = *state;
	render(x, "ocsf");
	const struct json *v = parse(x, x->out.buf, x->out.len);
	assert_int_equal(json_len(v), x->fs.nr);
	for (size_t i = 0; i < x->fs.nr; i++) {
		const struct finding *f = &x->fs.v[i];
		const struct json *ev = json_at(v, i);
		assert_int_equal(num(ev, "class_uid"), 2003);
		assert_int_equal(num(ev, "category_uid"), 2);
		assert_int_equal(num(ev, "type_uid"), 200301);
		assert_int_equal(num(ev, "time"), SAMPLE_STARTED_MS);
		assert_string_equal(str(ev, "metadata/version"), "1.3.0");
		assert_string_equal(str(ev, "finding_info/uid"), f->id);
		assert_string_equal(str(ev, "compliance/control"), f->rule);
		assert_non_null(at(ev, "compliance/standards/0"));
		long long cst = num(ev, "compliance/status_id"), st = num(ev, "status_id");
		switch (f->status) {
		case MM_ST_FAIL:
			assert_true(cst == 3 && st == 1);
			break;
		case MM_ST_UNKNOWN:
			assert_true(cst == 2 && st == 1);
			break;
		case MM_ST_MUTED:
			assert_true(cst == 3 && st == 3);
			assert_non_null(at(ev, "unmapped/mamori/mute_reason"));
			break;
		case MM_ST_PASS:
			assert_true(cst == 1 && st == 1);
			break;
		}
		if (!strcmp(f->account, "unknown"))
			assert_null(at(ev, "cloud/account"));
		else
			assert_string_equal(str(ev, "cloud/account/uid"), f->account);
		assert_int_equal(json_len(at(ev, "unmapped/mamori/evidence")), f->nev);
	}
	/* a check outside every framework still names a standard (required) */
	size_t k = by_res(&x->fs, "b-1");
	assert_string_equal(str(json_at(v, k), "compliance/standards/0"), "mamori");
	assert_null(at(json_at(v, k), "remediation"));
	/* the hostile finding: the built ARN, invalid UTF-8 repaired in place */
	k = by_res(&x->fs, "sg-0hostile\"<&>");
	assert_string_equal(
	    str(json_at(v, k), "resources/0/uid"),
	    "arn:aws:ec2:ap-northeast-1:111122223333:security-group/sg-0hostile\"<&>");
	assert_non_null(strstr(str(json_at(v, k), "message"), "bad:\xef\xbf\xbd \xef\xbf\xbd("));
}

static void test_ocsf_empty(void **state)
{
	struct fx *x = *state;
	assert_string_equal(render(x, "ocsf"), "[]\n");
	assert_string_equal(render(x, "asff"), "[]\n");
}

static void test_asff(void **state)
{
	struct fx *x = *state;
	render(x, "asff");
	const struct json *v = parse(x, x->out.buf, x->out.len);
	size_t skipped = report_asff_skipped(&x->fs);
	assert_int_equal(skipped, 2); /* vol-0noaccount, vol-0noregion */
	assert_int_equal(json_len(v), x->fs.nr - skipped);
	bool saw_global = false, saw_long = false, saw_muted = false;
	for (size_t i = 0; i < json_len(v); i++) {
		const struct json *f = json_at(v, i);
		assert_string_equal(str(f, "SchemaVersion"), "2018-10-08");
		assert_true(fmt_is_account_id(str(f, "AwsAccountId")));
		assert_true(strlen(str(f, "Title")) <= 256);
		assert_true(strlen(str(f, "Description")) <= 1024);
		assert_true(json_len(at(f, "ProductFields")) <= 50);
		const char *id = str(f, "Resources/0/Id");
		if (strstr(id, "admin-role")) {
			saw_global = true;
			assert_non_null(strstr(str(f, "ProductArn"), ":securityhub:us-east-1:"));
			assert_null(at(f, "Resources/0/Region"));
			assert_string_equal(str(f, "Resources/0/Type"), "AwsIamRole");
		}
		if (strstr(id, "vol-0long")) {
			saw_long = true;
			const char *t = str(f, "Title");
			assert_string_equal(t + strlen(t) - 3, "...");
			assert_true(fmt_utf8_valid(t));
			assert_string_equal(str(f, "ProductFields/mamori\\/evidence\\/42"),
					    "19 more in the JSON report");
		}
		if (!strcmp(str(f, "Workflow/Status"), "SUPPRESSED")) {
			saw_muted = true;
			assert_string_equal(str(f, "Compliance/Status"), "FAILED");
			assert_non_null(strstr(str(f, "Note/Text"), "muted: "));
		}
		/* every string is one line: flattened */
		assert_null(strchr(str(f, "Description"), '\n'));
		if (!strcmp(str(f, "Resources/0/Type"), "AwsAccount"))
			assert_string_equal(id, "AWS::::Account:111122223333");
	}
	assert_true(saw_global && saw_long && saw_muted);
}

static void test_sarif(void **state)
{
	struct fx *x = *state;
	render(x, "sarif");
	const struct json *v = parse(x, x->out.buf, x->out.len);
	assert_string_equal(str(v, "version"), "2.1.0");
	const struct json *rules = at(v, "runs/0/tool/driver/rules");
	const struct json *results = at(v, "runs/0/results");
	assert_int_equal(json_len(results), x->fs.nr);
	/* the catalog, plus the rules it lacks */
	assert_int_equal(json_len(rules), x->cat.nr + 2);
	for (size_t i = 0; i < x->fs.nr; i++) {
		const struct finding *f = &x->fs.v[i];
		const struct json *r = json_at(results, i);
		long long ri = num(r, "ruleIndex");
		assert_string_equal(str(json_at(rules, (size_t)ri), "id"), f->rule);
		assert_string_equal(str(r, "partialFingerprints/mamoriFindingId\\/v1"), f->id);
		const char *kind = str(r, "kind"), *level = str(r, "level");
		if (f->status == MM_ST_UNKNOWN)
			assert_string_equal(kind, "open");
		else if (f->status == MM_ST_PASS)
			assert_string_equal(kind, "pass");
		else
			assert_string_equal(kind, "fail");
		if (strcmp(kind, "fail"))
			assert_string_equal(level, "none");
		assert_int_equal(at(r, "suppressions") != NULL, f->status == MM_ST_MUTED);
	}
	/* relative to %SRCROOT%, percent-encoded, joined to the snapshot path */
	const struct json *r = json_at(results, by_res(&x->fs, "sg-0hostile\"<&>"));
	assert_string_equal(
	    str(r, "locations/0/physicalLocation/artifactLocation/uri"),
	    "snap%20shots/prod/111122223333/ap-northeast-1/dir%20with%20space/%25file");
	assert_string_equal(str(r, "locations/0/physicalLocation/artifactLocation/uriBaseId"),
			    "%SRCROOT%");
	assert_string_equal(str(r, "relatedLocations/1/physicalLocation/artifactLocation/uri"),
			    "file:///abs/path/describe-instances.json");
	assert_int_equal(json_len(at(v, "runs/0/invocations/0/toolExecutionNotifications")), 1);
}

/* The data line of the finding with this resource id. */
static const char *csv_line(const char *csv, const char *res, char *buf, size_t size)
{
	const char *p = strstr(csv, res);
	assert_non_null(p);
	while (p > csv && p[-1] != '\n')
		p--;
	const char *e = strstr(p, "\r\n");
	assert_non_null(e);
	snprintf(buf, size, "%.*s", (int)(e - p), p);
	return buf;
}

static void test_csv(void **state)
{
	struct fx *x = *state;
	const char *out = render(x, "csv");
	const char *hdr = "id,rule,title,severity,status,resource_type,resource_id,resource_arn,"
			  "account,region,message,evidence,remediation,remediation_cli,compliance,"
			  "mute_reason\r\n";
	assert_memory_equal(out, hdr, strlen(hdr));
	char line[1024];
	/* formulas are prefixed with ', quotes doubled, the cell quoted */
	csv_line(out, "i-0formula0", line, sizeof(line));
	assert_non_null(strstr(line, ",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","));
	csv_line(out, "i-0formula1", line, sizeof(line));
	assert_non_null(strstr(line, ",'+1+1,medium,fail,"));
	csv_line(out, "i-0formula2", line, sizeof(line));
	assert_non_null(strstr(line, ",'-2+3,"));
	csv_line(out, "i-0formula3", line, sizeof(line));
	assert_non_null(strstr(line, ",'@SUM(A1),"));
	csv_line(out, "i-0formula4", line, sizeof(line));
	assert_non_null(strstr(line, ",'\tindented,"));
	/* a CR inside needs quotes: the line helper stops at the first CRLF */
	assert_non_null(strstr(out, ",\"'\rcr first\","));
	/* control bytes as text, the row count */
	assert_non_null(strstr(out, "\\x01\\x08\\x0b\\x0c\\x1b[31mred\\x7f"));
	size_t rows = 0;
	for (const char *p = out; (p = strstr(p, "\r\n")); p += 2)
		rows++;
	assert_true(rows >= x->fs.nr + 1); /* + CRLF inside quoted cells */
	/* muted: the reason in the last column; other statuses leave it empty */
	csv_line(out, "sg-0passed", line, sizeof(line));
	assert_int_equal(line[strlen(line) - 1], ',');
}

static void test_csv_empty(void **state)
{
	struct fx *x = *state;
	const char *out = render(x, "csv");
	assert_non_null(strstr(out, "mute_reason\r\n"));
	assert_int_equal(strlen(strstr(out, "mute_reason\r\n")), strlen("mute_reason\r\n"));
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void test_junit(void **state)
{
	struct fx *x = *state;
	const char *out = render(x, "junit");
	size_t fail = 0, skip = 0;
	for (size_t i = 0; i < x->fs.nr; i++) {
		fail += x->fs.v[i].status == MM_ST_FAIL;
		skip += x->fs.v[i].status == MM_ST_UNKNOWN || x->fs.v[i].status == MM_ST_MUTED;
	}
	char root[160];
	snprintf(root, sizeof(root),
		 "<testsuites name=\"mamori\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		 "skipped=\"%zu\" time=\"0\">",
		 x->fs.nr, fail, skip);
	assert_non_null(strstr(out, root));
	assert_int_equal(count(out, "<testcase "), x->fs.nr);
	assert_int_equal(count(out, "<failure "), fail);
	assert_int_equal(count(out, "<skipped "), skip);
	/* one suite per rule, in rule order; timestamp without zone */
	assert_non_null(strstr(out, "<testsuite name=\"ec2-ebs-default-encryption-off\""));
	assert_non_null(strstr(out, "timestamp=\"2024-05-01T10:00:00\""));
	/* markup is escaped, never raw */
	assert_null(strstr(out, "<script>"));
	assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;"));
	assert_non_null(strstr(out, "name=\"sg-0hostile&quot;&lt;&amp;&gt; (111122223333"));
	/* in attributes, newline and tab survive as references */
	assert_non_null(strstr(out, "next&#10;line&#9;tab&#13;cr \\x01"));
	/* two findings of one rule on one resource: the id tells them apart */
	assert_int_equal(count(out, "name=\"sg-0twice (111122223333 ap-northeast-1) #"), 2);
	/* pass is a plain test case */
	assert_non_null(
	    strstr(out, "name=\"sg-0passed (111122223333 ap-northeast-1)\" time=\"0\"/>"));
}

static void test_junit_empty(void **state)
{
	struct fx *x = *state;
	assert_string_equal(render(x, "junit"),
			    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<testsuites name=\"mamori\" tests=\"0\" failures=\"0\" errors=\"0\" "
			    "skipped=\"0\" time=\"0\">\n</testsuites>\n");
	const char *sarif = render(x, "sarif");
	assert_non_null(strstr(sarif, "\"results\": []"));
}

static void test_trail_ocsf(void **state)
{
	struct fx *x = *state;
	struct trail_alert a[8];
	const struct json *v0;
	size_t n = sample_alerts(a, 8);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&x->out);
		trail_alert_ocsf(&x->out, &a[i], "0.1.0");
		/* one line, valid UTF-8, JSON */
		assert_int_equal(x->out.buf[x->out.len - 1], '\n');
		assert_ptr_equal(strchr(x->out.buf, '\n'), x->out.buf + x->out.len - 1);
		assert_true(fmt_utf8_valid(x->out.buf));
		const struct json *v = parse(x, x->out.buf, x->out.len);
		assert_int_equal(num(v, "class_uid"), 2004);
		assert_int_equal(num(v, "type_uid"), 200401);
		assert_int_equal(num(v, "time"), a[i].has_time ? a[i].time_ms : 0);
		assert_string_equal(str(v, "finding_info/analytic/uid"), a[i].rule);
		assert_non_null(at(v, "evidences/0/data"));
		assert_no_null(v);
	}
	strbuf_reset(&x->out);
	trail_alert_ocsf(&x->out, &a[0], "0.1.0");
	v0 = parse(x, x->out.buf, x->out.len);
	assert_int_equal(num(v0, "actor/user/type_id"), 1);
	assert_string_equal(str(v0, "actor/user/type"), "User");
	assert_string_equal(str(v0, "actor/user/uid"), "arn:aws:iam::111122223333:user/alice");
	assert_string_equal(str(v0, "actor/user/uid_alt"), "AIDAALICE");
	assert_string_equal(str(v0, "actor/user/credential_uid"), "AKIAALICE");
	assert_string_equal(str(v0, "api/operation"), "AuthorizeSecurityGroupIngress");
	assert_string_equal(str(v0, "api/service/name"), "ec2.amazonaws.com");
	assert_string_equal(str(v0, "resources/0/uid"), "sg-0a1b2c3d");
	assert_string_equal(str(v0, "metadata/original_time"), "2024-05-01T10:00:00Z");
	strbuf_reset(&x->out);
	trail_alert_ocsf(&x->out, &a[1], NULL);
	const struct json *v = parse(x, x->out.buf, x->out.len);
	assert_string_equal(str(v, "evidences/0/src_endpoint/ip"), "2001:db8::7");
	assert_null(at(v, "metadata/product/version"));
	strbuf_reset(&x->out);
	trail_alert_ocsf(&x->out, &a[2], "0.1.0"); /* correlation, no time, no caller */
	v = parse(x, x->out.buf, x->out.len);
	assert_null(at(v, "actor"));
	assert_null(at(v, "api"));
	assert_int_equal(json_len(at(v, "finding_info/related_events")), 2); /* t-02, t-05 */
	assert_int_equal(num(v, "unmapped/mamori/window/seconds"), 300);
	strbuf_reset(&x->out);
	trail_alert_ocsf(&x->out, &a[3], "0.1.0");
	v = parse(x, x->out.buf, x->out.len);
	assert_string_equal(str(v, "evidences/0/src_endpoint/hostname"), "ec2.amazonaws.com");
	assert_string_equal(str(v, "api/response/error"), "Client.UnauthorizedOperation");
	assert_null(at(v, "actor")); /* a service with no principal: no user to name */
	strbuf_reset(&x->out);
	trail_alert_ocsf(&x->out, &a[4], "0.1.0");
	v = parse(x, x->out.buf, x->out.len);
	assert_string_equal(str(v, "evidences/0/src_endpoint/name"), "AWS Internal");
	assert_null(at(v, "cloud/account"));
	assert_string_equal(str(v, "actor/user/type"), "Admin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_put_text),
		cmocka_unit_test(test_aws_names),
		cmocka_unit_test_setup_teardown(test_deterministic_and_clean, setup_hostile,
						teardown),
		cmocka_unit_test_setup_teardown(test_ocsf, setup_hostile, teardown),
		cmocka_unit_test_setup_teardown(test_ocsf_empty, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_asff, setup_hostile, teardown),
		cmocka_unit_test_setup_teardown(test_sarif, setup_hostile, teardown),
		cmocka_unit_test_setup_teardown(test_csv, setup_hostile, teardown),
		cmocka_unit_test_setup_teardown(test_csv_empty, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_junit, setup_hostile, teardown),
		cmocka_unit_test_setup_teardown(test_junit_empty, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_trail_ocsf, setup_empty, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
