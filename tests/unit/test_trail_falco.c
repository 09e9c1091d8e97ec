/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the Falco subset (src/trail/falco.c): every operator with
 * an event it matches and one it does not, macros and lists (and appends),
 * exceptions, the ct.* / s3.* / ec2.* fields and json.value[], priorities,
 * output templates, refusals, unknown-field warnings, and Falco's CloudTrail
 * rules file of ../shared loading unmodified.
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
    "\"arn:aws:sts::111122223333:assumed-role/Admin/alice-session\",\"principalId\":"
    "\"AROA1:alice-session\",\"accountId\":\"111122223333\",\"sessionContext\":{"
    "\"sessionIssuer\":{\"type\":\"Role\",\"userName\":\"Admin\"}}},"
    "\"eventTime\":\"2024-05-01T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":"
    "\"PutBucketPublicAccessBlock\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":"
    "\"203.0.113.9\",\"userAgent\":\"aws-cli/2.15 Python\",\"requestParameters\":{"
    "\"bucketName\":\"data\",\"key\":\"a/b.txt\",\"publicAccessBlock\":\"\","
    "\"PublicAccessBlockConfiguration\":{\"RestrictPublicBuckets\":false,"
    "\"BlockPublicPolicy\":true},\"tagSpecificationSet\":{\"items\":[{\"tags\":[{\"key\":"
    "\"Name\",\"value\":\"web-1\"}]}]}},\"responseElements\":{\"instancesSet\":{\"items\":[{"
    "\"imageId\":\"ami-1\"},{\"imageId\":\"ami-2\"}]}},\"additionalEventData\":{"
    "\"bytesTransferredIn\":100,\"bytesTransferredOut\":23},\"readOnly\":false,"
    "\"managementEvent\":true,\"eventID\":\"e-1\",\"recipientAccountId\":\"111122223333\"}";

struct fres {
	int hits; /* -1 refused */
	char msg[1024];
	enum mm_sev sev;
	struct mm_diags d;
};

static void run(const char *yaml, struct fres *out)
{
	struct tt_env t;
	memset(&t, 0, sizeof(t));
	memset(out, 0, sizeof(*out));
	struct mm_err e = { 0 };
	trail_ruleset_init(&t.rs);
	assert_int_equal(trail_policy_default(&t.pol, &e), 0);
	trail_ruleset_add_buffer(&t.rs, "rules.yaml", yaml, strlen(yaml), &t.d, &e);
	trail_ruleset_finish(&t.rs, &t.pol);
	out->hits = -1;
	if (!t.rs.nrefused) {
		struct tt_buf b;
		tt_buf_run(&b, &t, event, strlen(event), TRAIL_PARSER_LAZY);
		assert_int_equal(b.st.events, 1);
		out->hits = 0;
		for (size_t i = 0; i < b.c.n; i++)
			for (size_t h = 0; h < b.c.v[i]->nhits; h++) {
				out->hits++;
				snprintf(out->msg, sizeof(out->msg), "%s",
					 b.c.v[i]->hits[h].message);
				out->sev = b.c.v[i]->hits[h].sev;
			}
		tt_buf_release(&b);
	}
	for (size_t i = 0; i < t.d.nr; i++)
		mm_diags_add(&out->d, t.d.v[i].level, t.d.v[i].file, t.d.v[i].off, "%s",
			     t.d.v[i].msg);
	tt_env_release(&t);
}

static int cond(const char *c)
{
	struct strbuf y = STRBUF_INIT;
	strbuf_addf(&y,
		    "- list: lst\n  items: [PutBucketAcl, PutBucketPublicAccessBlock]\n"
		    "- macro: is_s3\n  condition: ct.src = \"s3.amazonaws.com\"\n"
		    "- rule: R\n  desc: d\n  condition: %s\n  output: o\n  priority: WARNING\n"
		    "  source: aws_cloudtrail\n",
		    c);
	struct fres r;
	run(y.buf, &r);
	if (r.hits < 0)
		fail_msg("refused: %s (%s)", c, r.d.nr ? r.d.v[0].msg : "");
	strbuf_release(&y);
	mm_diags_release(&r.d);
	return r.hits;
}

static void test_operators(void **state)
{
	(void)state;
	static const struct {
		const char *c;
		int want;
	} c[] = {
		{ "ct.name=\"PutBucketPublicAccessBlock\"", 1 },
		{ "ct.name = PutBucketPublicAccessBlock", 1 },
		{ "ct.name == 'putbucketpublicaccessblock'", 0 }, /* case-sensitive */
		{ "ct.name != PutBucketAcl", 1 },
		{ "ct.name contains PublicAccess", 1 },
		{ "ct.name contains publicaccess", 0 },
		{ "ct.name icontains publicaccess", 1 },
		{ "ct.name startswith PutBucket", 1 },
		{ "ct.name endswith Block", 1 },
		{ "ct.name endswith Acl", 0 },
		{ "ct.name glob 'Put*Block'", 1 },
		{ "ct.name glob 'put*'", 0 },
		{ "ct.name iglob 'put*'", 1 },
		{ "ct.name in (PutBucketAcl, PutBucketPublicAccessBlock)", 1 },
		{ "ct.name in (lst)", 1 },
		{ "ct.name in (PutBucketAcl, \"Other\")", 0 },
		{ "ct.name intersects (lst)", 1 },
		{ "s3.key pmatch (a, /tmp)", 1 },
		{ "s3.key pmatch (a/b)", 0 },
		{ "ct.error exists", 0 },
		{ "not ct.error exists", 1 },
		{ "ct.srcip exists and ct.useragent exists", 1 },
		{ "ct.name regex '^Put.*Block$'", 1 },
		{ "evt.num > 0", 1 },
		{ "evt.num >= 2", 0 },
		{ "s3.bytes = 123", 1 },
		{ "s3.bytes.in < 101 and s3.bytes.out <= 23", 1 },
		{ "s3.bytes > 200", 0 },
		{ "is_s3 and ct.name in (lst)", 1 },
		{ "not is_s3", 0 },
		{ "(ct.name = X or ct.name = Y) and is_s3", 0 },
		{ "ct.name = X or ct.name = Y or is_s3", 1 },
		{ "not ct.name = X and not (ct.region = eu-west-1)", 1 },
		/* json.value, booleans as text, the empty string */
		{ "json.value[/requestParameters/publicAccessBlock]=\"\"", 1 },
		{ "json.value[/requestParameters/PublicAccessBlockConfiguration/RestrictPublicBuckets]"
		  "=false",
		  1 },
		{ "json.value[/requestParameters/PublicAccessBlockConfiguration/BlockPublicPolicy]"
		  "=false",
		  0 },
		{ "json.value[/responseElements/instancesSet/items/1/imageId] = ami-2", 1 },
		{ "json.value[/requestParameters/missing] exists", 0 },
		/* computed fields */
		{ "ct.user = Admin", 1 },
		{ "ct.originaluser = alice-session", 1 },
		{ "ct.user.identitytype = AssumedRole and ct.user.accountid = 111122223333", 1 },
		{ "ct.shortsrc = s3", 1 },
		{ "s3.bucket = data and s3.uri = \"s3://data/a/b.txt\"", 1 },
		{ "s3.cnt.other = 1 and s3.cnt.get = 0", 1 },
		{ "ec2.name = web-1", 1 },
		{ "ec2.imageid = ami-1 and ec2.imageids[1] = ami-2", 1 },
		{ "ct.managementevent = true and ct.readonly = false", 1 },
		{ "ct.request contains '\"bucketName\":\"data\"'", 1 },
		{ "evt.source = aws_cloudtrail", 1 },
		/* unknown fields never hold */
		{ "ct.nosuch = x", 0 },
		{ "not ct.nosuch = x", 1 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int h = cond(c[i].c);
		if ((h > 0) != c[i].want)
			fail_msg("'%s': %s, expected %s", c[i].c, h ? "match" : "no match",
				 c[i].want ? "match" : "no match");
	}
}

static void test_items(void **state)
{
	(void)state;
	struct fres r;
	/* appends to lists, macros and rules; exceptions; output; priority */
	run("- required_engine_version: 10\n"
	    "- list: names\n  items: [X]\n"
	    "- list: names\n  items: [PutBucketPublicAccessBlock]\n  append: true\n"
	    "- macro: m\n  condition: ct.name in (names)\n"
	    "- rule: R1\n  desc: d\n  condition: m\n  priority: CRITICAL\n  source: aws_cloudtrail\n"
	    "  output: bucket=%s3.bucket user=%ct.user missing=%ct.request.policy x=%json.value["
	    "/requestParameters/key]\n",
	    &r);
	assert_int_equal(r.hits, 1);
	assert_int_equal(r.sev, MM_SEV_CRITICAL);
	assert_string_equal(r.msg, "bucket=data user=Admin missing=<NA> x=a/b.txt");
	mm_diags_release(&r.d);

	run("- rule: R\n  desc: d\n  condition: ct.name = PutBucketPublicAccessBlock\n"
	    "  output: o\n  priority: NOTICE\n"
	    "  exceptions:\n    - name: known\n      fields: [ct.user, s3.bucket]\n"
	    "      comps: [=, in]\n      values:\n        - [Admin, [data, logs]]\n",
	    &r);
	assert_int_equal(r.hits, 0);
	mm_diags_release(&r.d);
	run("- rule: R\n  desc: d\n  condition: ct.name = PutBucketPublicAccessBlock\n"
	    "  output: o\n  priority: NOTICE\n"
	    "  exceptions:\n    - name: known\n      fields: [ct.user, s3.bucket]\n"
	    "      comps: [=, in]\n      values:\n        - [Admin, [logs]]\n",
	    &r);
	assert_int_equal(r.hits, 1);
	assert_int_equal(r.sev, MM_SEV_LOW);
	mm_diags_release(&r.d);

	/* condition append and disabling by a later item */
	run("- rule: R\n  desc: d\n  condition: ct.name = PutBucketPublicAccessBlock\n  output: o\n"
	    "  priority: INFO\n- rule: R\n  condition: and ct.region = eu-west-1\n  append: true\n",
	    &r);
	assert_int_equal(r.hits, 0);
	mm_diags_release(&r.d);
	run("- rule: R\n  desc: d\n  condition: ct.name = PutBucketPublicAccessBlock\n  output: o\n"
	    "  priority: INFO\n- rule: R\n  enabled: false\n",
	    &r);
	assert_int_equal(r.hits, 0);
	mm_diags_release(&r.d);
	run("- rule: R\n  desc: d\n  condition: ct.name = PutBucketPublicAccessBlock\n  output: o\n"
	    "  priority: INFO\n  enabled: false\n",
	    &r);
	assert_int_equal(r.hits, 0);
	mm_diags_release(&r.d);
}

static void refused(const char *yaml, const char *needle)
{
	struct fres r;
	run(yaml, &r);
	bool found = false;
	for (size_t i = 0; i < r.d.nr; i++)
		found |= r.d.v[i].level == MM_DIAG_ERROR && strstr(r.d.v[i].msg, needle) != NULL;
	if (r.hits >= 0 || !found)
		fail_msg("'%s' not refused with '%s' (%s)", yaml, needle,
			 r.d.nr ? r.d.v[0].msg : "no diagnostic");
	mm_diags_release(&r.d);
}

static void test_refusals(void **state)
{
	(void)state;
	refused(
	    "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n"
	    "  source: syscall\n",
	    "not aws_cloudtrail");
	refused("- rule: R\n  desc: d\n  condition: ct.name = (\n  output: o\n  priority: INFO\n",
		"expected a value");
	refused("- rule: R\n  desc: d\n  condition: nosuchmacro\n  output: o\n  priority: INFO\n",
		"neither a macro nor a field");
	refused("- rule: R\n  desc: d\n  condition: tolower(ct.name) = x\n  output: o\n"
		"  priority: INFO\n",
		"transformers");
	refused("- macro: a\n  condition: b\n- macro: b\n  condition: a\n"
		"- rule: R\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n",
		"expands into itself");
	refused("- rule: R\n  desc: d\n  condition: ct.name in (a, b\n  output: o\n"
		"  priority: INFO\n",
		"expected ',' or ')'");
	refused("- rule: R\n  desc: d\n  condition: ct.name regex '(x'\n  output: o\n"
		"  priority: INFO\n",
		"bad regular expression");
}

static void test_unknown_field(void **state)
{
	(void)state;
	struct fres r;
	run("- rule: R\n  desc: d\n  condition: ct.name = X or ct.nosuch = y\n  output: o\n"
	    "  priority: INFO\n",
	    &r);
	assert_int_equal(r.hits, 0);
	assert_int_equal(r.d.nr_warnings, 1);
	assert_non_null(strstr(r.d.v[0].msg, "unknown field 'ct.nosuch'"));
	mm_diags_release(&r.d);
}

static void test_falco_rules_file(void **state)
{
	(void)state;
	const char *sh = tt_shared();
	if (!sh) {
		fprintf(stderr, "../shared not found (set MAMORI_SHARED): skipped\n");
		skip();
	}
	char path[8400];
	snprintf(path, sizeof(path), "%s/rulesets/falco-cloudtrail/aws_cloudtrail_rules.yaml", sh);
	const char *rp[] = { path };
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, false, rp, 1), 0);
	assert_int_equal(t.rs.nrefused, 0);
	assert_int_equal(t.d.nr_errors, 0);
	assert_int_equal(t.d.nr_warnings, 0);
	assert_int_equal(t.rs.nrules, 22);
	assert_int_equal(t.rs.nenabled, 20); /* two are disabled in the file */
	/* every enabled rule is narrowed by eventName */
	assert_int_equal(t.rs.nwild, 0);
	/* Console Login Without MFA fires on a successful login without MFA... */
	const char login[] =
	    "{\"eventName\":\"ConsoleLogin\",\"eventSource\":\"signin.amazonaws.com\","
	    "\"eventTime\":\"2024-05-01T10:00:00Z\",\"userIdentity\":{\"type\":\"IAMUser\","
	    "\"userName\":\"bob\"},\"responseElements\":{\"ConsoleLogin\":\"Success\"},"
	    "\"additionalEventData\":{\"MFAUsed\":\"No\"},\"sourceIPAddress\":\"198.51.100.1\","
	    "\"awsRegion\":\"us-east-1\"}";
	struct tt_buf b;
	tt_buf_run(&b, &t, login, strlen(login), TRAIL_PARSER_LAZY);
	assert_int_equal(b.c.n, 1);
	assert_int_equal(b.c.v[0]->nhits, 1);
	assert_string_equal(b.c.v[0]->hits[0].rule->id, "Console Login Without MFA");
	assert_int_equal(b.c.v[0]->hits[0].sev, MM_SEV_CRITICAL);
	assert_non_null(strstr(b.c.v[0]->hits[0].message, "requesting user=bob"));
	tt_buf_release(&b);
	/* ...and, as Falco's rules ignore failed calls, not on a failed one */
	const char failed[] =
	    "{\"eventName\":\"CreateUser\",\"eventSource\":\"iam.amazonaws.com\",\"errorCode\":"
	    "\"AccessDenied\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"bob\"}}";
	tt_buf_run(&b, &t, failed, strlen(failed), TRAIL_PARSER_LAZY);
	assert_int_equal(b.c.n, 0);
	tt_buf_release(&b);
	tt_env_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operators),	 cmocka_unit_test(test_items),
		cmocka_unit_test(test_refusals),	 cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_falco_rules_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
