/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the Sigma engine (src/trail/sigma.c): each modifier of the
 * specification's appendix with an event it matches and one it does not,
 * the condition grammar (and/or/not, parentheses, `1 of x*`, `all of`,
 * `them`, condition lists), global filters, refusals with their reasons,
 * unknown-field warnings, the index, and the 57 SigmaHQ CloudTrail rules of
 * ../shared loading unmodified.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trail_test.h"

static const char event[] =
    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\",\"arn\":"
    "\"arn:aws:sts::111122223333:assumed-role/Admin/alice\",\"principalId\":\"AROA1:alice\","
    "\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"userName\":\"Admin\"}}},"
    "\"eventTime\":\"2024-05-01T10:00:00Z\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":"
    "\"CreateAccessKey\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"203.0.113.9\","
    "\"userAgent\":\"Boto3/1.34 Python/3.11 S3 Browser\",\"requestParameters\":{\"userName\":"
    "\"alice\",\"count\":7,\"tags\":[\"prod\",\"web\"],\"policy\":\"{\\\"Effect\\\":"
    "\\\"Allow\\\"}\",\"cmd\":\"cmd.exe -enc SQBFAFgA\",\"blob\":\"aGVsbG8gd29ybGQ=\","
    "\"containerDefinitions\":[{\"command\":[\"sh\",\"curl $AWS_CONTAINER_CREDENTIALS_"
    "RELATIVE_URI\"]}]},\"responseElements\":{\"accessKey\":{\"userName\":\"alice\"}},"
    "\"additionalEventData\":{\"MFAUsed\":\"No\"},\"readOnly\":false,\"eventID\":\"e-1\","
    "\"errorMessage\":null,\"recipientAccountId\":\"111122223333\"}";

/* Load one Sigma document (YAML) and tell whether it matches ev. */
static int match_ev(const char *yaml, const char *ev, struct mm_diags *diags_out)
{
	struct tt_env t;
	memset(&t, 0, sizeof(t));
	struct mm_err e = { 0 };
	trail_ruleset_init(&t.rs);
	assert_int_equal(trail_policy_default(&t.pol, &e), 0);
	trail_ruleset_add_buffer(&t.rs, "rule.yml", yaml, strlen(yaml), &t.d, &e);
	trail_ruleset_finish(&t.rs, &t.pol);
	int r = -1;
	if (!t.rs.nrefused) {
		struct tt_buf b;
		tt_buf_run(&b, &t, ev, strlen(ev), TRAIL_PARSER_LAZY);
		assert_int_equal(b.st.events, 1);
		r = 0;
		for (size_t i = 0; i < b.c.n; i++)
			r += (int)b.c.v[i]->nhits;
		tt_buf_release(&b);
	}
	if (diags_out) {
		for (size_t i = 0; i < t.d.nr; i++)
			mm_diags_add(diags_out, t.d.v[i].level, t.d.v[i].file, t.d.v[i].off, "%s",
				     t.d.v[i].msg);
	}
	tt_env_release(&t);
	return r;
}

static int match(const char *yaml)
{
	return match_ev(yaml, event, NULL);
}

#define HDR "title: t\nid: r-1\nlevel: high\nlogsource: {product: aws, service: cloudtrail}\n"

struct mcase {
	const char *det; /* the detection block */
	int want;	 /* 1 matches, 0 not */
};

static void run_cases(const struct mcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct strbuf y = STRBUF_INIT;
		strbuf_addf(&y, HDR "detection:\n%s", c[i].det);
		int r = match(y.buf);
		if (r < 0)
			fail_msg("case %zu refused:\n%s", i, y.buf);
		if ((r > 0) != c[i].want)
			fail_msg("case %zu: got %s, want %s:\n%s", i, r ? "match" : "no match",
				 c[i].want ? "match" : "no match", y.buf);
		strbuf_release(&y);
	}
}

static void test_modifiers(void **state)
{
	(void)state;
	static const struct mcase c[] = {
		/* equality is case-insensitive; lists are OR */
		{ "  s:\n    eventName: createaccesskey\n  condition: s\n", 1 },
		{ "  s:\n    eventName: [DeleteUser, CreateAccessKey]\n  condition: s\n", 1 },
		{ "  s:\n    eventName: CreateAccessKeys\n  condition: s\n", 0 },
		{ "  s:\n    eventName|cased: createaccesskey\n  condition: s\n", 0 },
		{ "  s:\n    eventName|cased: CreateAccessKey\n  condition: s\n", 1 },
		/* nested fields, numbers, booleans */
		{ "  s:\n    userIdentity.sessionContext.sessionIssuer.type: Role\n  condition: s\n",
		  1 },
		{ "  s:\n    requestParameters.count: 7\n  condition: s\n", 1 },
		{ "  s:\n    readOnly: false\n  condition: s\n", 1 },
		{ "  s:\n    readOnly: 'true'\n  condition: s\n", 0 },
		/* contains / startswith / endswith, with all */
		{ "  s:\n    userAgent|contains: s3 browser\n  condition: s\n", 1 },
		{ "  s:\n    userAgent|startswith: boto3\n  condition: s\n", 1 },
		{ "  s:\n    userAgent|endswith: Browser\n  condition: s\n", 1 },
		{ "  s:\n    userAgent|endswith: Boto3\n  condition: s\n", 0 },
		{ "  s:\n    userAgent|contains|all: [Boto3, Python, S3]\n  condition: s\n", 1 },
		{ "  s:\n    userAgent|contains|all: [Boto3, Ruby]\n  condition: s\n", 0 },
		{ "  s:\n    userAgent|contains: [Ruby, Python]\n  condition: s\n", 1 },
		/* wildcards and their escapes */
		{ "  s:\n    userAgent: 'Boto3/*Browser'\n  condition: s\n", 1 },
		{ "  s:\n    userAgent: 'Boto3/1.3? *'\n  condition: s\n", 1 },
		{ "  s:\n    userAgent: 'Boto3/1.3?'\n  condition: s\n", 0 },
		{ "  s:\n    userAgent|contains: 'Boto3\\*'\n  condition: s\n", 0 },
		{ "  s:\n    errorMessage|contains: '*'\n  condition: s\n", 0 },
		{ "  s:\n    userAgent|contains: '*'\n  condition: s\n", 1 },
		/* a list field matches when one element does; nested lists too */
		{ "  s:\n    requestParameters.tags: web\n  condition: s\n", 1 },
		{ "  s:\n    requestParameters.containerDefinitions.command|contains: "
		  "'$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'\n  condition: s\n",
		  1 },
		/* an object field is matched as its JSON text */
		{ "  s:\n    requestParameters|contains: '\"userName\":\"alice\"'\n  condition: s\n",
		  1 },
		/* re, re|i */
		{ "  s:\n    userIdentity.arn|re: '.+:assumed-role/Admin/.+'\n  condition: s\n",
		  1 },
		{ "  s:\n    userIdentity.arn|re: '.+:assumed-role/admin/.+'\n  condition: s\n",
		  0 },
		{ "  s:\n    userIdentity.arn|re|i: '.+:assumed-role/admin/.+'\n  condition: s\n",
		  1 },
		{ "  s:\n    userIdentity.arn|re: '^arn:aws:iam'\n  condition: s\n", 0 },
		/* cidr, IPv4 and IPv6 */
		{ "  s:\n    sourceIPAddress|cidr: 203.0.113.0/24\n  condition: s\n", 1 },
		{ "  s:\n    sourceIPAddress|cidr: [10.0.0.0/8, '2001:db8::/32']\n  condition: s\n",
		  0 },
		{ "  s:\n    sourceIPAddress|cidr: 0.0.0.0/0\n  condition: s\n", 1 },
		/* exists, null */
		{ "  s:\n    additionalEventData.MFAUsed|exists: true\n  condition: s\n", 1 },
		{ "  s:\n    errorCode|exists: true\n  condition: s\n", 0 },
		{ "  s:\n    errorCode|exists: false\n  condition: s\n", 1 },
		{ "  s:\n    errorCode: null\n  condition: s\n", 1 },
		{ "  s:\n    errorMessage: null\n  condition: s\n", 1 },
		{ "  s:\n    userAgent: null\n  condition: s\n", 0 },
		/* numeric */
		{ "  s:\n    requestParameters.count|gt: 6\n  condition: s\n", 1 },
		{ "  s:\n    requestParameters.count|gte: 7\n  condition: s\n", 1 },
		{ "  s:\n    requestParameters.count|lt: 7\n  condition: s\n", 0 },
		{ "  s:\n    requestParameters.count|lte: 7\n  condition: s\n", 1 },
		/* base64: 'hello world' is aGVsbG8gd29ybGQ= */
		{ "  s:\n    requestParameters.blob|base64: hello world\n  condition: s\n", 1 },
		{ "  s:\n    requestParameters.blob|base64: Hello world\n  condition: s\n", 0 },
		{ "  s:\n    requestParameters.blob|base64offset|contains: world\n  condition: s\n",
		  1 },
		{ "  s:\n    requestParameters.blob|base64offset|contains: hello\n  condition: s\n",
		  1 },
		{ "  s:\n    requestParameters.blob|base64offset|contains: planet\n  condition: s\n",
		  0 },
		/* 'IEX' in UTF-16LE, base64: SQBFAFgA */
		{ "  s:\n    requestParameters.cmd|wide|base64offset|contains: IEX\n  condition: s\n",
		  1 },
		{ "  s:\n    requestParameters.cmd|utf16le|base64|contains: IEX\n  condition: s\n",
		  1 },
		{ "  s:\n    requestParameters.cmd|utf16be|base64|contains: IEX\n  condition: s\n",
		  0 },
		/* windash: -enc also matches /enc and Unicode dashes */
		{ "  s:\n    requestParameters.cmd|windash|contains: ' /enc '\n  condition: s\n",
		  1 },
		{ "  s:\n    requestParameters.cmd|contains: ' /enc '\n  condition: s\n", 0 },
		/* fieldref */
		{ "  s:\n    requestParameters.userName|fieldref: responseElements.accessKey.userName\n"
		  "  condition: s\n",
		  1 },
		{ "  s:\n    userIdentity.arn|fieldref|endswith: requestParameters.userName\n"
		  "  condition: s\n",
		  1 },
		{ "  s:\n    userIdentity.arn|fieldref: requestParameters.userName\n  condition: s\n",
		  0 },
		/* keywords: anywhere in the record */
		{ "  k:\n    - CREDENTIALS_RELATIVE\n  condition: k\n", 1 },
		{ "  k:\n    - nowhere-to-be-found\n  condition: k\n", 0 },
		/* unknown field never holds, unless negated */
		{ "  s:\n    nosuchfield: x\n  condition: s\n", 0 },
		{ "  s:\n    nosuchfield: x\n  condition: not s\n", 1 },
	};
	run_cases(c, sizeof(c) / sizeof(c[0]));
}

static void test_conditions(void **state)
{
	(void)state;
	static const struct mcase c[] = {
		{ "  a:\n    eventName: CreateAccessKey\n  b:\n    awsRegion: eu-west-1\n"
		  "  condition: a and b\n",
		  0 },
		{ "  a:\n    eventName: CreateAccessKey\n  b:\n    awsRegion: eu-west-1\n"
		  "  condition: a or b\n",
		  1 },
		{ "  a:\n    eventName: CreateAccessKey\n  b:\n    awsRegion: eu-west-1\n"
		  "  condition: a and not b\n",
		  1 },
		{ "  a:\n    eventName: CreateAccessKey\n  b:\n    awsRegion: eu-west-1\n"
		  "  condition: not (a and not b)\n",
		  0 },
		{ "  a:\n    eventName: X\n  b:\n    awsRegion: eu-west-1\n  c:\n    readOnly: false\n"
		  "  condition: a or b or c\n",
		  1 },
		/* and binds tighter than or */
		{ "  a:\n    eventName: X\n  b:\n    awsRegion: us-east-1\n  c:\n    readOnly: true\n"
		  "  condition: a and b or c\n",
		  0 },
		{ "  a:\n    eventName: X\n  b:\n    awsRegion: us-east-1\n  c:\n    readOnly: false\n"
		  "  condition: a and b or c\n",
		  1 },
		{ "  sel_a:\n    eventName: X\n  sel_b:\n    awsRegion: us-east-1\n"
		  "  condition: 1 of sel_*\n",
		  1 },
		{ "  sel_a:\n    eventName: X\n  sel_b:\n    awsRegion: us-east-1\n"
		  "  condition: all of sel_*\n",
		  0 },
		{ "  sel_a:\n    eventName: CreateAccessKey\n  sel_b:\n    awsRegion: us-east-1\n"
		  "  filter_x:\n    readOnly: true\n  condition: all of sel_* and not 1 of filter_*\n",
		  1 },
		{ "  a:\n    eventName: CreateAccessKey\n  _b:\n    awsRegion: nowhere\n"
		  "  condition: all of them\n",
		  1 },
		{ "  a:\n    eventName: CreateAccessKey\n  b:\n    awsRegion: nowhere\n"
		  "  condition: all of them\n",
		  0 },
		{ "  a:\n    eventName: X\n  b:\n    awsRegion: us-east-1\n  condition: 1 of them\n",
		  1 },
		/* a selection as a list of maps is OR; a map is AND */
		{ "  s:\n    - eventName: X\n    - awsRegion: us-east-1\n  condition: s\n", 1 },
		{ "  s:\n    eventName: X\n    awsRegion: us-east-1\n  condition: s\n", 0 },
		/* a list of conditions is OR */
		{ "  a:\n    eventName: X\n  b:\n    awsRegion: us-east-1\n  condition:\n    - a\n"
		  "    - b\n",
		  1 },
	};
	run_cases(c, sizeof(c) / sizeof(c[0]));
}

static void test_filters(void **state)
{
	(void)state;
	const char *y =
	    HDR "detection:\n  s:\n    eventName: CreateAccessKey\n  condition: s\n"
		"---\ntitle: not alice\nlogsource: {product: aws, service: cloudtrail}\n"
		"filter:\n  rules: [r-1]\n  selection:\n    requestParameters.userName: "
		"alice\n  condition: selection\n";
	assert_int_equal(match(y), 0);
	const char *y2 =
	    HDR "detection:\n  s:\n    eventName: CreateAccessKey\n  condition: s\n"
		"---\ntitle: not bob\nlogsource: {product: aws, service: cloudtrail}\n"
		"filter:\n  rules: [r-1]\n  selection:\n    requestParameters.userName: "
		"bob\n  condition: selection\n";
	assert_int_equal(match(y2), 1);
	/* a filter naming another rule changes nothing */
	const char *y3 =
	    HDR "detection:\n  s:\n    eventName: CreateAccessKey\n  condition: s\n"
		"---\ntitle: f\nlogsource: {product: aws, service: cloudtrail}\n"
		"filter:\n  rules: [other]\n  selection:\n    eventName: CreateAccessKey\n"
		"  condition: selection\n";
	assert_int_equal(match(y3), 1);
}

static void refused(const char *yaml, const char *needle)
{
	struct mm_diags d = { 0 };
	int r = match_ev(yaml, event, &d);
	if (r >= 0)
		fail_msg("not refused:\n%s", yaml);
	bool found = false;
	for (size_t i = 0; i < d.nr; i++)
		found |= d.v[i].level == MM_DIAG_ERROR && strstr(d.v[i].msg, needle) &&
			 strstr(d.v[i].msg, "refused");
	if (!found)
		fail_msg("no error with '%s' for:\n%s (%zu diags, first: %s)", needle, yaml, d.nr,
			 d.nr ? d.v[0].msg : "");
	mm_diags_release(&d);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n", "correlation");
	refused(HDR "detection:\n  s:\n    eventName: X\n  condition: s | count() > 5\n",
		"aggregation");
	refused(HDR "detection:\n  s:\n    eventName|expand: '%names%'\n  condition: s\n",
		"expand");
	refused(HDR "detection:\n  s:\n    eventName|frobnicate: X\n  condition: s\n",
		"unknown modifier 'frobnicate'");
	refused(HDR "detection:\n  s:\n    eventName|re: '(unclosed'\n  condition: s\n",
		"bad regular expression");
	refused(HDR "detection:\n  s:\n    sourceIPAddress|cidr: 300.1.2.3/8\n  condition: s\n",
		"bad CIDR");
	refused("title: w\nlogsource: {product: windows, category: process_creation}\n"
		"detection:\n  s:\n    Image: x\n  condition: s\n",
		"not aws/cloudtrail");
	refused(HDR "detection:\n  s:\n    eventName: X\n  condition: s and t\n",
		"not a search identifier");
	refused(HDR "detection:\n  s:\n    eventName: X\n  condition: (s\n", "expected ')'");
	refused(HDR "detection:\n  s:\n    eventName: X\n  condition: 1 of nothing*\n",
		"names no search identifier");
	refused(HDR "detection:\n  s:\n    eventName: X\n", "no 'condition'");
	refused(HDR "detection:\n  s:\n    eventName|exists: maybe\n  condition: s\n",
		"true or false");
}

static void test_unknown_field_warning(void **state)
{
	(void)state;
	struct mm_diags d = { 0 };
	assert_int_equal(match_ev(HDR "detection:\n  s:\n    eventName: CreateAccessKey\n"
				      "    status: success\n    userIdentity.sessionContext."
				      "sessionIssuer.type: Role\n    requestParameters.anything: "
				      "x\n  condition: s\n",
				  event, &d),
			 0);
	assert_int_equal(d.nr_warnings, 1);
	assert_non_null(strstr(d.v[0].msg, "unknown field 'status'"));
	assert_string_equal(d.v[0].file, "rule.yml");
	mm_diags_release(&d);
}

static void test_index(void **state)
{
	(void)state;
	const char *y =
	    "title: a\nid: a\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n"
	    "  s:\n    eventSource: iam.amazonaws.com\n    eventName: [CreateUser, CreateAccessKey]\n"
	    "  condition: s\n---\n"
	    "title: b\nid: b\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n"
	    "  s:\n    eventSource: iam.amazonaws.com\n  condition: s\n---\n"
	    "title: c\nid: c\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n"
	    "  s:\n    userIdentity.type: Root\n  condition: s\n---\n"
	    "title: d\nid: d\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n"
	    "  a:\n    eventName: X\n  b:\n    eventName|contains: Y\n  condition: a or b\n---\n"
	    "title: e\nid: e\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n"
	    "  a:\n    eventName: X\n  b:\n    eventName: Y\n  condition: a or not b\n";
	struct tt_env t;
	memset(&t, 0, sizeof(t));
	struct mm_err e = { 0 };
	trail_ruleset_init(&t.rs);
	assert_int_equal(trail_policy_default(&t.pol, &e), 0);
	trail_ruleset_add_buffer(&t.rs, "r.yml", y, strlen(y), &t.d, &e);
	trail_ruleset_finish(&t.rs, &t.pol);
	assert_int_equal(t.rs.nrules, 5);
	assert_string_equal(t.rs.rules[0]->indexed_by, "eventName");
	assert_int_equal(t.rs.rules[0]->nnames, 2);
	assert_string_equal(t.rs.rules[0]->names[1], "createaccesskey");
	assert_string_equal(t.rs.rules[1]->indexed_by, "eventSource");
	assert_string_equal(t.rs.rules[2]->indexed_by, "every event");
	assert_string_equal(t.rs.rules[3]->indexed_by, "every event");
	assert_string_equal(t.rs.rules[4]->indexed_by, "every event");
	assert_int_equal(t.rs.nwild, 3);
	/* an event named CreateAccessKey touches a, b and the three wildcards */
	struct tt_buf b;
	tt_buf_run(&b, &t, event, strlen(event), TRAIL_PARSER_LAZY);
	assert_int_equal(b.ctx.rule_evals, 5);
	tt_buf_release(&b);
	const char other[] = "{\"eventName\":\"ListUsers\",\"eventSource\":\"s3.amazonaws.com\"}";
	tt_buf_run(&b, &t, other, strlen(other), TRAIL_PARSER_LAZY);
	assert_int_equal(b.ctx.rule_evals, 3);
	tt_buf_release(&b);
	tt_env_release(&t);
}

static void test_sigmahq_rules(void **state)
{
	(void)state;
	const char *sh = tt_shared();
	if (!sh) {
		fprintf(stderr, "../shared not found (set MAMORI_SHARED): skipped\n");
		skip();
	}
	char dir[8400];
	snprintf(dir, sizeof(dir), "%s/rulesets/sigma-cloudtrail", sh);
	const char *rp[] = { dir };
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, false, rp, 1), 0);
	assert_int_equal(t.rs.nrules, 57);
	assert_int_equal(t.rs.nrefused, 0);
	assert_int_equal(t.rs.nenabled, 57);
	assert_int_equal(t.d.nr_errors, 0);
	/* one rule tests a field CloudTrail does not have ('status') */
	assert_int_equal(t.d.nr_warnings, 1);
	assert_non_null(strstr(t.d.v[0].msg, "'status'"));
	size_t by_name = 0;
	for (size_t i = 0; i < t.rs.nrules; i++)
		by_name += !strcmp(t.rs.rules[i]->indexed_by, "eventName");
	/* most rules are narrowed by eventName */
	assert_true(by_name >= 45);
	assert_true(t.rs.nwild <= 6);
	tt_env_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modifiers),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_unknown_field_warning),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_sigmahq_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
