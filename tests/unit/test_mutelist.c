/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the mutelist: the documented example parses, each matcher
 * (rule, account, region, resource id or ARN, tags) mutes exactly what it
 * names, expiry is honoured on both sides of a fixed `now` and reported as a
 * warning, and every kind of bad file is an error naming the file and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/finding.h"
#include "posture/mutelist.h"

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static struct mutelist *parse_ok(const char *y)
{
	struct mutelist *ml = NULL;
	struct mm_err e = { 0 };
	int r = mutelist_parse(&ml, "mutes.yaml", y, strlen(y), &e);
	if (r)
		fail_msg("unexpected error: %s", e.msg);
	assert_non_null(ml);
	return ml;
}

/* Parse y expecting an error; the message must contain every needle. */
static void parse_bad(const char *y, const char *n1, const char *n2)
{
	struct mutelist *ml = (struct mutelist *)1;
	struct mm_err e = { 0 };
	int r = mutelist_parse(&ml, "mutes.yaml", y, strlen(y), &e);
	assert_true(r < 0);
	assert_null(ml);
	assert_non_null(strstr(e.msg, "'mutes.yaml'"));
	if (!strstr(e.msg, n1) || (n2 && !strstr(e.msg, n2)))
		fail_msg("message '%s' lacks '%s' / '%s'", e.msg, n1, n2 ? n2 : "");
}

static struct finding *add(struct findings *fs, const char *rule, const char *acct,
			   const char *region, const char *res, const char *arn)
{
	struct finding *f = findings_add(fs);
	f->rule = rule;
	f->sev = MM_SEV_HIGH;
	f->status = MM_ST_FAIL;
	f->res_type = "security-group";
	f->res_id = res;
	f->res_arn = arn;
	f->account = acct;
	f->region = region;
	finding_fingerprint(f);
	return f;
}

/* The example in docs/mutelist.md. */
static const char doc_example[] =
    "mutes:\n"
    "  - rule: ec2-sg-admin-port-world      # glob, optional (default: any rule)\n"
    "    account: \"123456789012\"            # glob, optional\n"
    "    region: us-east-1                  # glob, optional\n"
    "    resource: \"sg-0abc*\"               # glob over the resource id OR its ARN, optional\n"
    "    tags: {env: dev}                   # every tag listed must match (glob on the value), optional\n"
    "    reason: \"bastion, reviewed 2026-10\" # REQUIRED\n"
    "    expires: 2026-12-31                # optional; after this date the entry no longer applies\n"
    "\n"
    "  - rule: [ec2-imdsv1-*, ec2-ebs-*]    # a list means \"any of\"\n"
    "    account: [111111111111, \"2222*\"]\n"
    "    reason: sandbox accounts, torn down nightly\n";

static void test_example(void **st)
{
	(void)st;
	struct mutelist *ml = parse_ok(doc_example);
	assert_int_equal(mutelist_count(ml), 2);

	struct findings fs;
	findings_init(&fs);
	struct finding *f =
	    add(&fs, "ec2-sg-admin-port-world", "123456789012", "us-east-1", "sg-0abc123", NULL);
	static struct finding_tag dev[] = { { "owner", "ops" }, { "env", "dev" } };
	f->tags = dev;
	f->ntags = 2;
	add(&fs, "ec2-imdsv1-instance", "111111111111", "eu-west-1", "i-1", NULL);
	add(&fs, "ec2-ebs-unencrypted", "222233334444", "eu-west-1", "vol-1", NULL);
	add(&fs, "ec2-ebs-unencrypted", "333333333333", "eu-west-1", "vol-2", NULL);
	time_t now = utc(2026, 11, 1, 0, 0, 0);
	assert_int_equal(mutelist_apply(ml, &fs, now), 3);
	assert_int_equal(fs.v[0].status, MM_ST_MUTED);
	assert_int_equal(fs.v[1].status, MM_ST_MUTED);
	assert_int_equal(fs.v[2].status, MM_ST_MUTED);
	assert_int_equal(fs.v[3].status, MM_ST_FAIL);
	mutelist_free(ml); /* reasons were copied into the findings' arena */
	assert_string_equal(fs.v[0].mute_reason, "bastion, reviewed 2026-10");
	assert_string_equal(fs.v[1].mute_reason, "sandbox accounts, torn down nightly");
	assert_null(fs.v[3].mute_reason);
	findings_release(&fs);
}

/* Mute one finding against a single-entry list; returns 1 if muted. */
static int mutes(const char *entry, struct finding *tmpl)
{
	char y[1024];
	snprintf(y, sizeof(y), "mutes:\n  - reason: r\n%s", entry);
	struct mutelist *ml = parse_ok(y);
	struct findings fs;
	findings_init(&fs);
	struct finding *f = findings_add(&fs);
	*f = *tmpl;
	size_t n = mutelist_apply(ml, &fs, utc(2026, 1, 1, 0, 0, 0));
	assert_int_equal(n, fs.v[0].status == MM_ST_MUTED);
	findings_release(&fs);
	mutelist_free(ml);
	return (int)n;
}

static void test_matchers(void **st)
{
	(void)st;
	static struct finding_tag tags[] = { { "env", "dev-1" }, { "team", "web" } };
	struct finding f = {
		.rule = "ec2-sg-admin-port-world",
		.sev = MM_SEV_CRITICAL,
		.status = MM_ST_FAIL,
		.res_id = "sg-0abc123",
		.res_arn = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0abc123",
		.account = "123456789012",
		.region = "us-east-1",
		.tags = tags,
		.ntags = 2,
	};
	/* no matcher: everything */
	assert_true(mutes("", &f));
	/* rule */
	assert_true(mutes("    rule: ec2-sg-admin-port-world\n", &f));
	assert_true(mutes("    rule: ec2-sg-*\n", &f));
	assert_false(mutes("    rule: ec2-sg\n", &f));
	assert_true(mutes("    rule: [nope, ec2-sg-admin-port-?orld]\n", &f));
	/* account, unquoted (a YAML number) and quoted */
	assert_true(mutes("    account: 123456789012\n", &f));
	assert_true(mutes("    account: \"1234*\"\n", &f));
	assert_false(mutes("    account: 210987654321\n", &f));
	/* region */
	assert_true(mutes("    region: us-*\n", &f));
	assert_false(mutes("    region: [eu-west-1, ap-*]\n", &f));
	assert_true(mutes("    region: [eu-west-1, \"us-east-[12]\"]\n", &f));
	/* resource: id or ARN; '*' crosses '/' */
	assert_true(mutes("    resource: sg-0abc*\n", &f));
	assert_true(mutes("    resource: \"arn:aws:ec2:*:security-group/*\"\n", &f));
	assert_false(mutes("    resource: sg-0abd*\n", &f));
	assert_false(mutes("    resource: \"arn:aws:ec2:eu-*\"\n", &f));
	/* tags: every listed tag must be present and match */
	assert_true(mutes("    tags: {env: dev-*}\n", &f));
	assert_true(mutes("    tags: {env: dev-1, team: web}\n", &f));
	assert_false(mutes("    tags: {env: dev-1, team: db}\n", &f));
	assert_false(mutes("    tags: {owner: \"*\"}\n", &f));
	assert_false(mutes("    tags: {ENV: dev-1}\n", &f));
	/* all fields together: one mismatch spoils it */
	assert_true(mutes("    rule: ec2-*\n    account: \"1*\"\n    region: us-east-1\n"
			  "    resource: sg-*\n    tags: {team: web}\n",
			  &f));
	assert_false(mutes("    rule: ec2-*\n    account: \"1*\"\n    region: us-east-2\n"
			   "    resource: sg-*\n    tags: {team: web}\n",
			   &f));
	/* a finding without an ARN only matches on its id */
	f.res_arn = NULL;
	assert_false(mutes("    resource: \"arn:*\"\n", &f));
	/* only fail and unknown are muted */
	f.status = MM_ST_UNKNOWN;
	assert_true(mutes("", &f));
	f.status = MM_ST_PASS;
	assert_false(mutes("", &f));
}

static void test_first_entry_wins(void **st)
{
	(void)st;
	struct mutelist *ml = parse_ok("mutes:\n"
				       "  - rule: other\n    reason: not me\n"
				       "  - rule: \"r*\"\n    reason: first\n"
				       "  - reason: second\n");
	struct findings fs;
	findings_init(&fs);
	add(&fs, "rule-a", "1", "x", "a", NULL);
	add(&fs, "xyz", "1", "x", "b", NULL);
	struct finding *f = add(&fs, "rule-c", "1", "x", "c", NULL);
	f->status = MM_ST_MUTED; /* already muted: left alone */
	f->mute_reason = "earlier";
	assert_int_equal(mutelist_apply(ml, &fs, 0), 2);
	assert_string_equal(fs.v[0].mute_reason, "first");
	assert_string_equal(fs.v[1].mute_reason, "second");
	assert_string_equal(fs.v[2].mute_reason, "earlier");
	mutelist_free(ml);
	findings_release(&fs);
}

static void test_expiry(void **st)
{
	(void)st;
	struct mutelist *ml = parse_ok("mutes:\n"
				       "  - rule: a\n    reason: day\n    expires: 2026-12-31\n"
				       "  - rule: b\n    reason: instant\n"
				       "    expires: 2026-06-30T12:00:00Z\n"
				       "  - rule: c\n    reason: leap\n    expires: 2028-02-29\n");
	struct {
		time_t now;
		int a, b, c;
	} cases[] = {
		{ utc(2026, 6, 30, 11, 59, 59), 1, 1, 1 },
		{ utc(2026, 6, 30, 12, 0, 0), 1, 1, 1 }, /* through that second */
		{ utc(2026, 6, 30, 12, 0, 1), 1, 0, 1 },
		{ utc(2026, 12, 31, 23, 59, 59), 1, 0, 1 }, /* through the whole day */
		{ utc(2027, 1, 1, 0, 0, 0), 0, 0, 1 },
		{ utc(2028, 2, 29, 23, 59, 59), 0, 0, 1 },
		{ utc(2028, 3, 1, 0, 0, 0), 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct findings fs;
		findings_init(&fs);
		add(&fs, "a", "1", "x", "r", NULL);
		add(&fs, "b", "1", "x", "r", NULL);
		add(&fs, "c", "1", "x", "r", NULL);
		struct mm_diags d = { 0 };
		size_t n = mutelist_apply_diags(ml, &fs, cases[i].now, &d);
		assert_int_equal(n, cases[i].a + cases[i].b + cases[i].c);
		assert_int_equal(fs.v[0].status == MM_ST_MUTED, cases[i].a);
		assert_int_equal(fs.v[1].status == MM_ST_MUTED, cases[i].b);
		assert_int_equal(fs.v[2].status == MM_ST_MUTED, cases[i].c);
		/* one warning per expired entry */
		assert_int_equal(d.nr, 3 - n);
		assert_int_equal(d.nr_warnings, 3 - n);
		mm_diags_release(&d);
		findings_release(&fs);
	}

	/* the warning names the file, the entry, its date and offset */
	struct findings fs;
	findings_init(&fs);
	add(&fs, "a", "1", "x", "r", NULL);
	add(&fs, "a", "1", "x", "s", NULL);
	struct mm_diags d = { 0 };
	mutelist_apply_diags(ml, &fs, utc(2027, 1, 1, 0, 0, 0), &d);
	assert_int_equal(d.nr, 2); /* entries 1 and 2 have expired */
	assert_int_equal(d.v[0].level, MM_DIAG_WARNING);
	assert_string_equal(d.v[0].file, "mutes.yaml");
	assert_int_equal(d.v[0].off, 11); /* after "mutes:\n  - " */
	assert_non_null(strstr(d.v[0].msg, "mute entry 1 (line 2) expired on 2026-12-31"));
	assert_non_null(strstr(d.v[0].msg, "2 matching findings no longer muted"));
	assert_non_null(
	    strstr(d.v[1].msg, "mute entry 2 (line 5) expired on 2026-06-30T12:00:00Z"));
	assert_non_null(strstr(d.v[1].msg, "0 matching findings"));
	mm_diags_release(&d);
	findings_release(&fs);
	mutelist_free(ml);
}

static void test_errors(void **st)
{
	(void)st;
	/* missing reason: the line of the entry */
	parse_bad("mutes:\n  - rule: a\n    reason: ok\n  - rule: b\n    region: x\n", "line 4",
		  "entry 2: missing 'reason'");
	parse_bad("mutes:\n  - rule: a\n    reason: \"  \"\n", "line 3", "'reason' is empty");
	/* unknown key */
	parse_bad("mutes:\n  - rule: a\n    reasn: typo\n    reason: x\n", "line 3",
		  "unknown key 'reasn'");
	parse_bad("mute:\n  - reason: x\n", "line 2", "unknown key 'mute'");
	parse_bad("# nothing\nother: 1\n", "line 2", "unknown key 'other'");
	/* bad dates */
	parse_bad("mutes:\n- reason: x\n  expires: 2026-13-01\n", "line 3", "bad 'expires'");
	parse_bad("mutes:\n- reason: x\n  expires: 2027-02-29\n", "line 3", "bad 'expires'");
	parse_bad("mutes:\n- reason: x\n  expires: 2026-1-01\n", "line 3", "bad 'expires'");
	parse_bad("mutes:\n- reason: x\n  expires: 2026-12-31T24:00:00Z\n", "line 3",
		  "bad 'expires'");
	parse_bad("mutes:\n- reason: x\n  expires: 2026-12-31T10:00:00+09:00\n", "line 3",
		  "YYYY-MM-DD");
	parse_bad("mutes:\n- reason: x\n  expires: 20261231\n", "line 3", "bad 'expires'");
	parse_bad("mutes:\n- reason: x\n\n\n  expires:\n", "line 5", "bad 'expires'");
	/* wrong types */
	parse_bad("mutes:\n- reason: x\n  rule: {a: b}\n", "line 3", "'rule' must be a string");
	parse_bad("mutes:\n- reason: x\n  region: [us-east-1, [x]]\n", "line 3",
		  "'region' list items must be strings");
	parse_bad("mutes:\n- reason: x\n  account: []\n", "line 3", "empty list");
	parse_bad("mutes:\n- reason: x\n  resource: \"\"\n", "line 3", "empty pattern");
	parse_bad("mutes:\n- reason: x\n  tags: [env]\n", "line 3", "'tags' must be a mapping");
	parse_bad("mutes:\n- reason: x\n  tags: {env: [a]}\n", "line 3", "tag 'env'");
	parse_bad("mutes:\n- reason: [x]\n", "line 2", "'reason' must be a string");
	parse_bad("mutes:\n  - just a string\n", "line 2", "expected a mapping");
	parse_bad("mutes: {rule: x}\n", "line 1", "'mutes' must be a list");
	parse_bad("- reason: x\n", "line 1", "expected a mapping with a 'mutes:' list");
	parse_bad("{}\n", "line 1", "missing 'mutes:'");
	parse_bad("", "line 1", "empty file");
	parse_bad("mutes: []\n---\nmutes: []\n", "line 3", "more than one YAML document");
	/* YAML syntax: libyaml's position, with line */
	parse_bad("mutes:\n  - reason: [x\n", "line", "invalid mutelist");

	/* accepted edge cases */
	struct mutelist *ml = parse_ok("mutes:\n");
	assert_int_equal(mutelist_count(ml), 0);
	mutelist_free(ml);
	ml = parse_ok("mutes: []\n");
	assert_int_equal(mutelist_count(ml), 0);
	mutelist_free(ml);
	ml = parse_ok("mutes:\n- reason: x\n  tags: {enabled: true, n: 3}\n  expires: 2026-12-31T"
		      "23:59:59Z\n");
	assert_int_equal(mutelist_count(ml), 1);
	mutelist_free(ml);
}

static void test_load(void **st)
{
	(void)st;
	struct mutelist *ml = NULL;
	struct mm_err e = { 0 };
	assert_true(mutelist_load(&ml, "/nonexistent/mutes.yaml", &e) < 0);
	assert_null(ml);
	assert_non_null(strstr(e.msg, "'/nonexistent/mutes.yaml'"));

	char path[] = "/tmp/mamori-test-mutelist-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc_example, strlen(doc_example)), (ssize_t)strlen(doc_example));
	close(fd);
	assert_int_equal(mutelist_load(&ml, path, &e), 0);
	assert_int_equal(mutelist_count(ml), 2);
	mutelist_free(ml);

	/* errors from a file name it */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("mutes:\n  - rule: x\n", f);
	fclose(f);
	assert_true(mutelist_load(&ml, path, &e) < 0);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "line 2"));
	unlink(path);

	/* a directory is not a mutelist */
	assert_true(mutelist_load(&ml, "/tmp", &e) < 0);
	assert_non_null(strstr(e.msg, "'/tmp'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),		 cmocka_unit_test(test_matchers),
		cmocka_unit_test(test_first_entry_wins), cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_errors),		 cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
