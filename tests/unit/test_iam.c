/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for IAM policy evaluation (src/aws/iam.c): wildcard matching of
 * actions and resources, Deny precedence, NotAction/NotResource, permissions
 * boundaries, conditions, unknown on missing data, the example account's
 * role, and documents in the raw URL-encoded form, all loaded through the
 * snapshot loader as get-account-authorization-details output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/iam.h"
#include "aws/model.h"
#include "aws/snapshot.h"
#include "base/strbuf.h"

#define ACC	  "111122223333"
#define PROFILE	  "arn:aws:iam::" ACC ":instance-profile/p"
#define OBJ(b, k) "arn:aws:s3:::" b "/" k

/* Load json with ' turned into " as a file of account ACC. */
static void load_q(struct mm_model *m, const char *json)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = json; *p; p++)
		strbuf_addch(&sb, *p == '\'' ? '"' : *p);
	struct mm_err e = { 0 };
	int r = snapshot_load_buffer(m, ACC "/global/iam.json", sb.buf, sb.len, NULL, &e);
	if (r)
		print_error("load: %s\n", e.msg);
	assert_int_equal(r, 0);
	assert_int_equal(m->diags.nr, 0);
	strbuf_release(&sb);
	mm_model_index(m);
}

/*
 * A role 'r' in profile PROFILE with the given inline statements (JSON array
 * text), attached managed policies (JSON array of {PolicyName, PolicyArn}),
 * boundary (object text or "null") and Policies list.
 */
static void load_role(struct mm_model *m, const char *inl, const char *attached,
		      const char *boundary, const char *policies)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb,
		    "{'RoleDetailList': [{'RoleName': 'r', 'Arn': 'arn:aws:iam::" ACC
		    ":role/r', 'InstanceProfileList': [{'InstanceProfileName': 'p', 'Arn': "
		    "'" PROFILE "', 'Roles': [{'RoleName': 'r'}]}],"
		    " 'RolePolicyList': [{'PolicyName': 'inl', 'PolicyDocument': "
		    "{'Version': '2012-10-17', 'Statement': %s}}],"
		    " 'AttachedManagedPolicies': %s, 'PermissionsBoundary': %s}],"
		    " 'Policies': %s}",
		    inl, attached, boundary, policies);
	load_q(m, sb.buf);
	strbuf_release(&sb);
}

static enum iam_decision ask(struct mm_model *m, const char *action, const char *res,
			     struct iam_result *out)
{
	struct iam_result tmp;
	struct mm_err e = { 0 };
	if (!out)
		out = &tmp;
	assert_int_equal(iam_eval_instance_profile(m, PROFILE, action, res, out, &e), 0);
	return out->decision;
}

static void test_globs(void **st)
{
	(void)st;
	assert_true(iam_glob_covers("s3:*", "s3:GetObject", true));
	assert_true(iam_glob_covers("S3:GET*", "s3:GetObject", true));
	assert_false(iam_glob_covers("S3:GET*", "s3:GetObject", false));
	assert_true(iam_glob_covers("s3:Get?bject", "s3:GetObject", true));
	assert_false(iam_glob_covers("s3:Get?bject", "s3:GetObjects", true));
	assert_true(iam_glob_covers("*", "", false));
	assert_false(iam_glob_covers("a", "", false));
	/* a query pattern is covered only when every string it means matches */
	assert_true(iam_glob_covers("arn:aws:s3:::*", "arn:aws:s3:::*/*", false));
	assert_false(iam_glob_covers("arn:aws:s3:::b/*", "arn:aws:s3:::*/*", false));
	assert_false(iam_glob_covers("a?", "a*", false));
	assert_true(iam_glob_covers("a*", "a?", false));
	/* meeting: some string matches both */
	assert_true(iam_glob_meets("arn:aws:s3:::b/*", "arn:aws:s3:::*/*", false));
	assert_false(iam_glob_meets("arn:aws:s3:::b", "arn:aws:s3:::*/*", false));
	assert_true(iam_glob_meets("a*c", "*b*", false));
	assert_false(iam_glob_meets("a*c", "b*", false));
	assert_true(iam_glob_meets("a?c", "*", false));
	assert_false(iam_glob_meets("a?c", "ab", false));
	assert_true(iam_glob_meets("A*", "a", true));
	assert_false(iam_glob_meets("A*", "a", false));
}

static void test_wildcard_actions(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_role(&m,
		  "[{'Effect': 'Allow', 'Action': 's3:Get*', 'Resource': '*'},"
		  " {'Effect': 'Allow', 'Action': ['ec2:*'], 'Resource': '*'}]",
		  "[]", "null", "[]");
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("b", "k"), NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "s3:GetBucketPolicy", "arn:aws:s3:::b", NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "s3:PutObject", OBJ("b", "k"), NULL), IAM_IMPLICIT_DENY);
	assert_int_equal(ask(&m, "ec2:RunInstances", "*", NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "iam:PassRole", "arn:aws:iam::" ACC ":role/x", NULL),
			 IAM_IMPLICIT_DENY);
	mm_model_release(&m);

	mm_model_init(&m);
	load_role(&m, "[{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]", "[]", "null", "[]");
	struct iam_result r;
	assert_int_equal(ask(&m, "iam:PassRole", "arn:aws:iam::" ACC ":role/x", &r), IAM_ALLOW);
	assert_int_equal(r.nstmts, 1);
	assert_null(r.stmts[0].policy_arn);
	assert_string_equal(r.stmts[0].policy_name, "inl");
	assert_string_equal(r.stmts[0].loc.ptr, "/RoleDetailList/0/RolePolicyList/0/"
						"PolicyDocument/Statement/0");
	assert_string_equal(r.stmts[0].loc.file, ACC "/global/iam.json");
	mm_model_release(&m);

	mm_model_init(&m);
	load_role(&m, "[{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]", "[]", "null",
		  "[]");
	assert_int_equal(ask(&m, "s3:DeleteBucket", "arn:aws:s3:::b", NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "s3x:DeleteBucket", "arn:aws:s3:::b", NULL), IAM_IMPLICIT_DENY);
	mm_model_release(&m);
}

static void test_case(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_role(&m,
		  "[{'Effect': 'Allow', 'Action': 'S3:getOBJECT', 'Resource': "
		  "'arn:aws:s3:::Bucket/*'}]",
		  "[]", "null", "[]");
	/* actions ignore case, resources do not */
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("Bucket", "k"), NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("bucket", "k"), NULL), IAM_IMPLICIT_DENY);
	mm_model_release(&m);
}

#define POLICY(name, stmts)                                                                        \
	"{'PolicyName': '" name "', 'Arn': 'arn:aws:iam::" ACC ":policy/" name "',"                \
	" 'DefaultVersionId': 'v1', 'PolicyVersionList': [{'VersionId': 'v1', 'IsDefaultVersion':" \
	" true, 'Document': {'Statement': " stmts "}}]}"
#define ATTACH(name) \
	"{'PolicyName': '" name "', 'PolicyArn': 'arn:aws:iam::" ACC ":policy/" name "'}"

static void test_deny_precedence(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_role(
	    &m,
	    "[{'Sid': 'NoSecrets', 'Effect': 'Deny', 'Action': 's3:GetObject', 'Resource': "
	    "'arn:aws:s3:::secret/*'}]",
	    "[" ATTACH("all") "]", "null",
	    "[" POLICY("all", "[{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]") "]");
	struct iam_result r;
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("secret", "a/b"), &r), IAM_DENY);
	assert_int_equal(r.nstmts, 1);
	assert_true(r.stmts[0].deny);
	assert_string_equal(r.stmts[0].sid, "NoSecrets");
	assert_string_equal(r.stmts[0].policy_name, "inl");
	assert_int_equal(r.stmts[0].index, 0);
	assert_string_equal(r.role, "r");
	/* the managed allow still applies elsewhere, with its location */
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("open", "x"), &r), IAM_ALLOW);
	assert_int_equal(r.nstmts, 1);
	assert_string_equal(r.stmts[0].policy_arn, "arn:aws:iam::" ACC ":policy/all");
	assert_string_equal(r.stmts[0].loc.ptr, "/Policies/0/PolicyVersionList/0/Document/"
						"Statement/0");
	assert_int_equal(ask(&m, "s3:PutObject", OBJ("secret", "x"), NULL), IAM_ALLOW);

	/* wildcard query: the deny covers only part of the grant */
	assert_int_equal(ask(&m, "s3:GetObject", "arn:aws:s3:::*/*", NULL), IAM_ALLOW);
	mm_model_release(&m);

	mm_model_init(&m);
	load_role(&m,
		  "[{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': "
		  "['arn:aws:s3:::b/*']}]",
		  "[" ATTACH("d") "]", "null",
		  "[" POLICY("d", "{'Effect': 'Deny', 'Action': 's3:Get*', 'Resource': "
				  "'arn:aws:s3:::b*'}") "]");
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("b", "k"), &r), IAM_DENY);
	assert_string_equal(r.stmts[0].loc.ptr, "/Policies/0/PolicyVersionList/0/Document/"
						"Statement");
	/* some object in some bucket: every grant is denied */
	assert_int_equal(ask(&m, "s3:GetObject", "arn:aws:s3:::*/*", NULL), IAM_IMPLICIT_DENY);
	mm_model_release(&m);

	/* a deny on part of the grant leaves the rest */
	mm_model_init(&m);
	load_role(&m,
		  "[{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::b/*'},"
		  " {'Effect': 'Deny', 'Action': 's3:GetObject', 'Resource': "
		  "'arn:aws:s3:::b/private/*'}]",
		  "[]", "null", "[]");
	assert_int_equal(ask(&m, "s3:GetObject", "arn:aws:s3:::*/*", NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("b", "private/x"), NULL), IAM_DENY);
	mm_model_release(&m);
}

static void test_not_action(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_role(
	    &m,
	    "[{'Effect': 'Allow', 'NotAction': ['iam:*', 'organizations:*'], 'Resource': "
	    "'*'},"
	    " {'Effect': 'Deny', 'NotAction': 's3:*', 'Resource': 'arn:aws:ec2:*:*:instance/*'}]",
	    "[]", "null", "[]");
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("b", "k"), NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "iam:PassRole", "*", NULL), IAM_IMPLICIT_DENY);
	assert_int_equal(ask(&m, "IAM:CreateUser", "*", NULL), IAM_IMPLICIT_DENY);
	assert_int_equal(
	    ask(&m, "ec2:TerminateInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", NULL),
	    IAM_DENY);
	assert_int_equal(
	    ask(&m, "ec2:TerminateInstances", "arn:aws:ec2:us-east-1:1:volume/v-1", NULL),
	    IAM_ALLOW);
	mm_model_release(&m);
}

static void test_not_resource(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_role(&m,
		  "[{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'},"
		  " {'Effect': 'Deny', 'Action': 's3:*', 'NotResource': ['arn:aws:s3:::public',"
		  " 'arn:aws:s3:::public/*']}]",
		  "[]", "null", "[]");
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("public", "x"), NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "s3:ListBucket", "arn:aws:s3:::public", NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("secret", "x"), NULL), IAM_DENY);
	/* some object somewhere: the public bucket's objects still are */
	assert_int_equal(ask(&m, "s3:GetObject", "arn:aws:s3:::*/*", NULL), IAM_ALLOW);
	mm_model_release(&m);

	mm_model_init(&m);
	load_role(&m,
		  "[{'Effect': 'Allow', 'Action': 's3:GetObject', 'NotResource': "
		  "'arn:aws:s3:::secret/*'}]",
		  "[]", "null", "[]");
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("other", "x"), NULL), IAM_ALLOW);
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("secret", "x"), NULL), IAM_IMPLICIT_DENY);
	mm_model_release(&m);
}

static void test_boundary(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_role(&m, "[{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]", "[]",
		  "{'PermissionsBoundaryType': 'Policy', 'PermissionsBoundaryArn': "
		  "'arn:aws:iam::" ACC ":policy/bound'}",
		  "[" POLICY("bound", "[{'Effect': 'Allow', 'Action': ['s3:GetObject', "
				      "'s3:ListBucket'], 'Resource': '*'}]") "]");
	struct iam_result r;
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("b", "k"), &r), IAM_ALLOW);
	assert_int_equal(r.nstmts, 2);
	assert_false(r.stmts[0].boundary);
	assert_true(r.stmts[1].boundary);
	assert_int_equal(ask(&m, "s3:PutObject", OBJ("b", "k"), &r), IAM_IMPLICIT_DENY);
	assert_int_equal(r.nstmts, 1);
	assert_true(r.stmts[0].boundary);
	assert_int_equal(r.stmts[0].index, -1);
	assert_string_equal(r.stmts[0].policy_arn, "arn:aws:iam::" ACC ":policy/bound");
	assert_non_null(strstr(r.reason, "boundary"));
	/* the boundary alone grants nothing */
	assert_int_equal(ask(&m, "ec2:RunInstances", "*", NULL), IAM_IMPLICIT_DENY);
	mm_model_release(&m);

	/* a boundary not in the data: unknown, not allowed and not denied */
	mm_model_init(&m);
	load_role(&m, "[{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]", "[]",
		  "{'PermissionsBoundaryArn': 'arn:aws:iam::" ACC ":policy/gone'}", "[]");
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("b", "k"), &r), IAM_UNKNOWN);
	assert_non_null(strstr(r.reason, "policy/gone"));
	mm_model_release(&m);
}

static void test_conditional(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_role(
	    &m,
	    "[{'Sid': 'FromVpce', 'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': "
	    "'*', 'Condition': {'StringEquals': {'aws:SourceVpce': 'vpce-1'}}},"
	    " {'Effect': 'Allow', 'Action': 's3:ListBucket', 'Resource': '*'},"
	    " {'Effect': 'Deny', 'Action': 's3:ListBucket', 'Resource': '*', 'Condition': "
	    "{'Bool': {'aws:SecureTransport': 'false'}}},"
	    " {'Effect': 'Allow', 'Action': 's3:PutObject', 'Resource': '*'},"
	    " {'Effect': 'Deny', 'Action': 's3:PutObject', 'Resource': '*', 'Condition': {}}]",
	    "[]", "null", "[]");
	struct iam_result r;
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("b", "k"), &r), IAM_CONDITIONAL);
	assert_int_equal(r.nstmts, 1);
	assert_true(r.stmts[0].conditional);
	assert_string_equal(r.stmts[0].sid, "FromVpce");
	/* a conditional deny is not a certain deny: the answer is conditional */
	assert_int_equal(ask(&m, "s3:ListBucket", "arn:aws:s3:::b", &r), IAM_CONDITIONAL);
	bool saw_deny = false;
	for (size_t i = 0; i < r.nstmts; i++)
		saw_deny |= r.stmts[i].deny && r.stmts[i].conditional;
	assert_true(saw_deny);
	/* an empty Condition block is no condition */
	assert_int_equal(ask(&m, "s3:PutObject", OBJ("b", "k"), NULL), IAM_DENY);
	mm_model_release(&m);
}

static void test_unknown(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	struct iam_result r;
	struct mm_err e = { 0 };
	/* no IAM data at all */
	mm_model_index(&m);
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("b", "k"), &r), IAM_UNKNOWN);
	assert_non_null(strstr(r.reason, ACC));
	assert_int_equal(iam_eval_role(&m, "r", "s3:GetObject", "*", &r, &e), 0);
	assert_int_equal(r.decision, IAM_UNKNOWN);
	assert_int_equal(iam_eval_instance_profile(&m, NULL, "s3:GetObject", "*", &r, &e),
			 MM_EUSAGE);
	mm_model_release(&m);

	/* IAM data for another account only */
	mm_model_init(&m);
	load_role(&m, "[{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]", "[]", "null", "[]");
	assert_int_equal(iam_eval_instance_profile(&m,
						   "arn:aws:iam::999988887777:instance-profile/p",
						   "s3:GetObject", "*", &r, &e),
			 0);
	assert_int_equal(r.decision, IAM_UNKNOWN);
	assert_non_null(strstr(r.reason, "999988887777"));
	/* an unknown profile of a known account */
	assert_int_equal(iam_eval_instance_profile(&m, "arn:aws:iam::" ACC ":instance-profile/q",
						   "s3:GetObject", "*", &r, &e),
			 0);
	assert_int_equal(r.decision, IAM_UNKNOWN);
	assert_non_null(strstr(r.reason, "instance-profile/q"));
	mm_model_release(&m);

	/* an attached policy missing from the data */
	mm_model_init(&m);
	load_role(&m, "[{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': '*'}]",
		  "[" ATTACH("gone") "]", "null", "[]");
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("b", "k"), &r), IAM_UNKNOWN);
	assert_int_equal(ask(&m, "s3:PutObject", OBJ("b", "k"), &r), IAM_UNKNOWN);
	assert_non_null(strstr(r.reason, "policy/gone"));
	mm_model_release(&m);
}

/* ---- the example account ---- */

static const char *example_file(void)
{
	static char path[8400];
	const char *rel = "examples/" ACC "/global/iam-authorization-details.json";
	const char *file = __FILE__;
	const char *cut = strstr(file, "tests/unit/test_iam.c");
	if (!cut)
		return NULL;
	snprintf(path, sizeof(path), "%.*s%s", (int)(cut - file), file, rel);
	if (access(path, R_OK) == 0)
		return path;
	/* a relative __FILE__ is relative to the build root: <build>/tests/unit/exe */
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/../../%.*s%s", exe, (int)(cut - file), file, rel);
	return access(path, R_OK) == 0 ? path : NULL;
}

static void test_example_role(void **st)
{
	(void)st;
	const char *path = example_file();
	if (!path)
		fail_msg("examples/%s not found next to %s", ACC, __FILE__);
	struct mm_model m;
	mm_model_init(&m);
	struct mm_err e = { 0 };
	assert_int_equal(snapshot_load(&m, path, NULL, &e), 0);
	assert_int_equal(m.files_failed, 0);
	const char *prof = "arn:aws:iam::" ACC ":instance-profile/web-app-profile";
	const char *bucket = "arn:aws:s3:::corp-reports-" ACC;
	struct iam_result r;

	assert_int_equal(iam_eval_instance_profile(&m, prof, "s3:GetObject",
						   "arn:aws:s3:::corp-reports-" ACC "/2024/q1.csv",
						   &r, &e),
			 0);
	assert_int_equal(r.decision, IAM_ALLOW);
	assert_string_equal(r.role, "web-app-role");
	assert_int_equal(r.nstmts, 1);
	assert_string_equal(r.stmts[0].sid, "ReadReports");
	assert_int_equal(r.stmts[0].index, 1);
	assert_string_equal(r.stmts[0].policy_arn, "arn:aws:iam::" ACC ":policy/app-s3-read");
	assert_string_equal(r.stmts[0].loc.ptr,
			    "/Policies/0/PolicyVersionList/0/Document/Statement/1");
	assert_non_null(strstr(r.stmts[0].loc.file, "iam-authorization-details.json"));

	assert_int_equal(iam_eval_instance_profile(&m, prof, "s3:ListBucket", bucket, &r, &e), 0);
	assert_int_equal(r.decision, IAM_ALLOW);
	assert_string_equal(r.stmts[0].sid, "ListReports");

	/* the non-default v1 (s3:* on *) does not count */
	assert_int_equal(iam_eval_instance_profile(&m, prof, "s3:PutObject",
						   "arn:aws:s3:::corp-reports-" ACC "/x", &r, &e),
			 0);
	assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
	assert_int_equal(
	    iam_eval_instance_profile(&m, prof, "s3:GetObject", OBJ("other", "x"), &r, &e), 0);
	assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
	assert_int_equal(iam_eval_role(&m, "web-app-role", "s3:DeleteBucket", bucket, &r, &e), 0);
	assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
	/* the listing applies to the bucket, not to its objects */
	assert_int_equal(
	    iam_eval_role(&m, "web-app-role", "s3:ListBucket", OBJ("corp", "x"), &r, &e), 0);
	assert_int_equal(r.decision, IAM_IMPLICIT_DENY);

	/* can it read some object anywhere? */
	assert_int_equal(
	    iam_eval_instance_profile(&m, prof, "s3:GetObject", "arn:aws:s3:::*/*", &r, &e), 0);
	assert_int_equal(r.decision, IAM_ALLOW);
	/* the other role reads one secret */
	assert_int_equal(
	    iam_eval_role(&m, "app-role", "secretsmanager:GetSecretValue", "*", &r, &e), 0);
	assert_int_equal(r.decision, IAM_ALLOW);
	assert_int_equal(iam_eval_role(&m, "app-role", "s3:GetObject", "*", &r, &e), 0);
	assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
	mm_model_release(&m);
}

/* ---- the raw API form: URL-encoded documents ---- */

static void url_encode(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			strbuf_addch(sb, c);
		else
			strbuf_addf(sb, "%%%02X", c);
	}
}

static void test_url_encoded(void **st)
{
	(void)st;
	const char *inl = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"NoPut\","
			  "\"Effect\":\"Deny\",\"Action\":\"s3:Put*\",\"Resource\":\"*\"}]}";
	const char *man = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
			  "\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],"
			  "\"Resource\":\"arn:aws:s3:::data/*\"}]}";
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "{\"RoleDetailList\":[{\"RoleName\":\"r\",\"Arn\":\"arn:aws:iam::" ACC
			   ":role/r\",\"InstanceProfileList\":[{\"InstanceProfileName\":\"p\","
			   "\"Arn\":\"" PROFILE "\",\"Roles\":[{\"RoleName\":\"r\"}]}],"
			   "\"RolePolicyList\":[{\"PolicyName\":\"inl\",\"PolicyDocument\":\"");
	url_encode(&sb, inl);
	strbuf_addstr(&sb, "\"}],\"AttachedManagedPolicies\":[{\"PolicyName\":\"m\","
			   "\"PolicyArn\":\"arn:aws:iam::" ACC ":policy/m\"}]}],"
			   "\"Policies\":[{\"PolicyName\":\"m\",\"Arn\":\"arn:aws:iam::" ACC
			   ":policy/m\",\"DefaultVersionId\":\"v1\",\"PolicyVersionList\":"
			   "[{\"VersionId\":\"v1\",\"IsDefaultVersion\":true,\"Document\":\"");
	url_encode(&sb, man);
	strbuf_addstr(&sb, "\"}]}]}");
	assert_non_null(strstr(sb.buf, "%22Statement%22"));

	struct mm_model m;
	mm_model_init(&m);
	struct mm_err e = { 0 };
	assert_int_equal(
	    snapshot_load_buffer(&m, ACC "/global/auth.json", sb.buf, sb.len, NULL, &e), 0);
	strbuf_release(&sb);
	assert_int_equal(m.diags.nr, 0);
	mm_model_index(&m);
	struct iam_result r;
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("data", "k"), &r), IAM_ALLOW);
	assert_string_equal(r.stmts[0].policy_arn, "arn:aws:iam::" ACC ":policy/m");
	assert_int_equal(ask(&m, "s3:PutObject", OBJ("data", "k"), &r), IAM_DENY);
	assert_string_equal(r.stmts[0].sid, "NoPut");
	assert_int_equal(ask(&m, "s3:GetObject", OBJ("other", "k"), &r), IAM_IMPLICIT_DENY);
	mm_model_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globs),	    cmocka_unit_test(test_wildcard_actions),
		cmocka_unit_test(test_case),	    cmocka_unit_test(test_deny_precedence),
		cmocka_unit_test(test_not_action),  cmocka_unit_test(test_not_resource),
		cmocka_unit_test(test_boundary),    cmocka_unit_test(test_conditional),
		cmocka_unit_test(test_unknown),	    cmocka_unit_test(test_example_role),
		cmocka_unit_test(test_url_encoded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
