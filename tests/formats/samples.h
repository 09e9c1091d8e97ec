/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hand-built findings and trail alerts for the format tests, shared by the
 * unit test (tests/unit/test_report_formats.c) and the sample renderer the
 * validators run (tests/formats/render-sample.c). Header-only: both include
 * it once.
 *
 * Sets:
 *   "hostile"  every status, strings with quotes, newlines, <>&, control
 *              bytes, DEL, C1 controls, non-ASCII, invalid UTF-8, the XML
 *              non-character U+FFFE, spreadsheet formulas, text longer than
 *              the ASFF limits, a rule missing from the catalog, an unknown
 *              account and region (ASFF leaves them out), IAM's "global"
 *              region, two findings of one rule on one resource;
 *   "statuses" one plain finding per status (fail, unknown, muted, pass);
 *   "empty"    no finding at all.
 *
 * Strings are literals or copied into fs->arena; the caller owns fs.
 */
#ifndef MM_TEST_FORMAT_SAMPLES_H
#define MM_TEST_FORMAT_SAMPLES_H

#include <stdio.h>
#include <string.h>

#include "base/finding.h"
#include "base/strbuf.h"
#include "trail/trail.h"

/* Fixed start time of the sample runs: 2024-05-01T10:00:00.250Z. */
#define SAMPLE_STARTED_MS 1714557600250LL

/* Quotes, backslash, newline, tab, CR, C0 controls, ESC, DEL, a C1 control
 * (U+009B), markup, non-ASCII (é, 日本, an emoji), invalid UTF-8 (a lone
 * continuation byte, a truncated sequence, 0xff) and U+FFFE. */
static const char sample_hostile[] =
    "say \"hi\", 'x' \\ <script>alert(1)</script> & ]]> next\nline\ttab\rcr "
    "\x01\x08\x0b\x0c\x1b[31mred\x7f \xc2\x9b caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
    "\xf0\x9f\x94\x92 bad:\x80 \xc3( \xff \xef\xbf\xbe end";

static struct finding *sample_add(struct findings *fs, const char *rule, enum mm_sev sev,
				  enum mm_status st, const char *type, const char *id)
{
	struct finding *f = findings_add(fs);
	f->rule = rule;
	f->title = "Security group allows SSH from the world";
	f->sev = sev;
	f->status = st;
	f->res_type = type;
	f->res_id = id;
	f->account = "111122223333";
	f->region = "ap-northeast-1";
	f->message = "tcp 22 open to 0.0.0.0/0";
	f->rem_text = "Revoke the rule.";
	f->rem_cli = "aws ec2 revoke-security-group-ingress --group-id sg-1";
	finding_fingerprint(f);
	return f;
}

/* fs->v may move while adding: evidence is added by index. */
static void sample_ev(struct findings *fs, size_t i, const char *loc, const char *what)
{
	finding_add_evidence(fs, &fs->v[i], loc, what);
}

static void sample_statuses(struct findings *fs)
{
	static const char *comp[] = { "CIS-AWS-3.0:5.2", "FSBP:EC2.13", "Prowler:ec2_sg_ssh" };
	struct finding *f = sample_add(fs, "ec2-sg-admin-port-world", MM_SEV_HIGH, MM_ST_FAIL,
				       "security-group", "sg-0a1b2c3d4e5f60001");
	f->res_arn = "arn:aws:ec2:ap-northeast-1:111122223333:security-group/sg-0a1b2c3d4e5f60001";
	f->compliance = comp;
	f->ncompliance = 3;
	sample_ev(
	    fs, fs->nr - 1,
	    "111122223333/ap-northeast-1/describe-security-groups.json#/SecurityGroups/0/IpPermissions/1",
	    "IpRanges 0.0.0.0/0 allows tcp 22");

	f = sample_add(fs, "ec2-instance-imdsv1", MM_SEV_MEDIUM, MM_ST_UNKNOWN, "ec2-instance",
		       "i-0a1b2c3d4e5f60002");
	f->message = "describe-instances has no MetadataOptions for i-0a1b2c3d4e5f60002";
	f->rem_cli = NULL;

	f = sample_add(fs, "ec2-sg-admin-port-world", MM_SEV_CRITICAL, MM_ST_MUTED,
		       "security-group", "sg-0a1b2c3d4e5f60003");
	f->mute_reason = "bastion host, reviewed 2024-04";
	f->compliance = comp;
	f->ncompliance = 2;
	sample_ev(fs, fs->nr - 1,
		  "111122223333/ap-northeast-1/describe-security-groups.json#/SecurityGroups/2",
		  "IpRanges 0.0.0.0/0 allows tcp 3389");

	f = sample_add(fs, "ec2-ebs-volume-unencrypted", MM_SEV_LOW, MM_ST_PASS, "ebs-volume",
		       "vol-0a1b2c3d4e5f60004");
	f->message = "volume vol-0a1b2c3d4e5f60004 is encrypted";
	f->rem_cli = NULL;
}

static void sample_hostile_set(struct findings *fs)
{
	static const char *comp[] = { "CIS-AWS-3.0:5.2", "=cmd|' /C calc'!A0", sample_hostile };
	static struct finding_tag tags[] = {
		{ "Name", sample_hostile },
		{ "empty", "" },
		{ "Owner", "team \"blue\"" },
		{ "\x01\x02", "control key" },
	};
	size_t i;

	/* everything hostile at once, failing */
	struct finding *f = sample_add(fs, "ec2-sg-admin-port-world", MM_SEV_CRITICAL, MM_ST_FAIL,
				       "security-group", "sg-0hostile\"<&>");
	i = fs->nr - 1;
	f->title = sample_hostile;
	f->message = sample_hostile;
	f->rem_text = sample_hostile;
	f->rem_cli = "aws ec2 revoke-security-group-ingress --group-id 'sg-0hostile\"<&>' # \n\x1b";
	f->compliance = comp;
	f->ncompliance = 3;
	f->tags = tags;
	f->ntags = 4;
	sample_ev(fs, i,
		  "111122223333/ap-northeast-1/dir with space/%file#1?.json#/Security Groups/0",
		  sample_hostile);
	sample_ev(fs, i, NULL, "derived: no location");
	sample_ev(fs, i, "/abs/path/describe-instances.json#/Reservations/0", "absolute location");
	sample_ev(fs, i, sample_hostile, "hostile location");

	/* formulas a spreadsheet would run, one per leading character */
	static const char *formulas[] = { "=HYPERLINK(\"http://x\",\"y\")",
					  "+1+1",
					  "-2+3",
					  "@SUM(A1)",
					  "\tindented",
					  "\rcr first" };
	for (size_t k = 0; k < sizeof(formulas) / sizeof(formulas[0]); k++) {
		char id[32];
		snprintf(id, sizeof(id), "i-0formula%zu", k);
		f = sample_add(fs, "ec2-instance-imdsv1", MM_SEV_MEDIUM, MM_ST_FAIL, "ec2-instance",
			       arena_strdup(&fs->arena, id));
		f->message = formulas[k];
		f->title = formulas[k];
	}

	/* longer than every ASFF limit, cut in the middle of multibyte text */
	struct strbuf big = STRBUF_INIT;
	while (big.len < 5000)
		strbuf_addstr(&big, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \"quoted\" <tag> ");
	f = sample_add(fs, "ec2-ebs-volume-unencrypted", MM_SEV_LOW, MM_ST_FAIL, "ebs-volume",
		       "vol-0long");
	i = fs->nr - 1;
	f->title = arena_strdup(&fs->arena, big.buf);
	f->message = f->title;
	f->rem_text = f->title;
	f->rem_cli = f->title;
	for (int k = 0; k < 60; k++) /* more evidence than ASFF ProductFields can hold */
		sample_ev(fs, i, "111122223333/ap-northeast-1/describe-volumes.json#/Volumes/0",
			  big.buf);
	strbuf_release(&big);

	/* unknown with a reason; muted with a hostile reason; passed */
	f = sample_add(fs, "ec2-instance-imdsv1", MM_SEV_HIGH, MM_ST_UNKNOWN, "ec2-instance",
		       "i-0unknown");
	f->message = "describe-instances missing: \"MetadataOptions\" <unknown> & more";
	f = sample_add(fs, "ec2-sg-admin-port-world", MM_SEV_HIGH, MM_ST_MUTED, "security-group",
		       "sg-0muted");
	f->mute_reason = sample_hostile;
	f = sample_add(fs, "ec2-sg-admin-port-world", MM_SEV_HIGH, MM_ST_PASS, "security-group",
		       "sg-0passed");

	/* one rule, one resource, two findings (per port class): JUnit names */
	f = sample_add(fs, "ec2-sg-admin-port-world", MM_SEV_HIGH, MM_ST_FAIL, "security-group",
		       "sg-0twice");
	f->fp_extra = "ssh";
	finding_fingerprint(f);
	f = sample_add(fs, "ec2-sg-admin-port-world", MM_SEV_HIGH, MM_ST_FAIL, "security-group",
		       "sg-0twice");
	f->fp_extra = "rdp";
	finding_fingerprint(f);

	/* a rule the catalog does not have; no evidence, no remediation */
	f = sample_add(fs, "x-not-in-catalog", MM_SEV_INFO, MM_ST_FAIL, "bucket", "b-1");
	f->rem_text = NULL;
	f->rem_cli = NULL;
	f->title = NULL;

	/* Security Hub cannot import these two: unknown account, unknown region */
	f = sample_add(fs, "ec2-ebs-volume-unencrypted", MM_SEV_HIGH, MM_ST_FAIL, "ebs-volume",
		       "vol-0noaccount");
	f->account = "unknown";
	finding_fingerprint(f);
	f = sample_add(fs, "ec2-ebs-volume-unencrypted", MM_SEV_HIGH, MM_ST_FAIL, "ebs-volume",
		       "vol-0noregion");
	f->region = "unknown";
	finding_fingerprint(f);

	/* IAM is global; accounts have no ARN */
	f = sample_add(fs, "iam-role-admin", MM_SEV_HIGH, MM_ST_FAIL, "iam-role", "admin-role");
	f->region = "global";
	f->res_arn = "arn:aws:iam::111122223333:role/admin-role";
	finding_fingerprint(f);
	f = sample_add(fs, "ec2-ebs-default-encryption-off", MM_SEV_MEDIUM, MM_ST_FAIL, "account",
		       "111122223333");
	sample_ev(
	    fs, fs->nr - 1,
	    "111122223333/ap-northeast-1/get-ebs-encryption-by-default.json#/EbsEncryptionByDefault",
	    "EbsEncryptionByDefault=false");
}

/* Fill fs with a named set; returns 0, or -1 for an unknown name. */
static int sample_findings(struct findings *fs, const char *set)
{
	if (!strcmp(set, "hostile"))
		sample_hostile_set(fs);
	else if (!strcmp(set, "statuses"))
		sample_statuses(fs);
	else if (strcmp(set, "empty"))
		return -1;
	findings_sort(fs);
	return 0;
}

/* Trail alerts: an ordinary one, a hostile one, a correlation window with
 * no event time, a failed call from a service and from "AWS Internal". */
static size_t sample_alerts(struct trail_alert *out, size_t max)
{
	static const char *const res[] = { "sg-0a1b2c3d", sample_hostile, "" };
	static const char *const ids[] = { "t-02", "t-05", "t-05" };
	struct trail_alert a[5];
	memset(a, 0, sizeof(a));
	a[0] = (struct trail_alert){
		.rule = "ec2-sg-authorize-ingress",
		.title = "Authorize Security Group Ingress",
		.sev = MM_SEV_CRITICAL,
		.message = "sg-0a1b2c3d: tcp 22 from 0.0.0.0/0 (world)",
		.time = "2024-05-01T10:00:00Z",
		.time_ms = 1714557600000LL,
		.has_time = true,
		.event_id = "t-02",
		.event_name = "AuthorizeSecurityGroupIngress",
		.event_source = "ec2.amazonaws.com",
		.who = { "IAMUser", "arn:aws:iam::111122223333:user/alice", "AIDAALICE",
			 "AKIAALICE" },
		.account = "111122223333",
		.region = "us-east-1",
		.source_ip = "198.51.100.7",
		.user_agent = "aws-cli/2.15.0",
		.resources = res,
		.nresources = 1,
		.file = "logs/trail.json",
		.index = 1,
		.offset = 549,
	};
	a[1] = a[0];
	a[1].rule = "hostile-rule";
	a[1].title = sample_hostile;
	a[1].message = sample_hostile;
	a[1].event_name = sample_hostile;
	a[1].user_agent = sample_hostile;
	a[1].who = (struct trail_who){ "AssumedRole", sample_hostile, sample_hostile, NULL };
	a[1].source_ip = "2001:db8::7";
	a[1].resources = res;
	a[1].nresources = 3;
	a[1].file = sample_hostile;
	a[2] = a[0];
	a[2].rule = "ec2-sg-open-window";
	a[2].correlation = true;
	a[2].time = NULL;
	a[2].has_time = false;
	a[2].time_ms = 0;
	a[2].event_id = NULL;
	a[2].event_name = NULL;
	a[2].event_source = NULL;
	a[2].who = (struct trail_who){ 0 };
	a[2].source_ip = NULL;
	a[2].has_window = true;
	a[2].opened = "2024-05-01T10:00:00Z";
	a[2].closed = "2024-05-01T10:05:00Z";
	a[2].seconds = 300;
	a[2].opened_by = a[0].who;
	a[2].event_ids = ids;
	a[2].nevent_ids = 3;
	a[3] = a[0];
	a[3].rule = "ec2-run-instances-failed";
	a[3].sev = MM_SEV_INFO;
	a[3].source_ip = "ec2.amazonaws.com";
	a[3].who = (struct trail_who){ "AWSService", NULL, NULL, NULL };
	a[3].error_code = "Client.UnauthorizedOperation";
	a[3].error_message = "You are not authorized <to> \"perform\"";
	a[3].burst_rule = "ec2-run-instances-failed";
	a[3].burst_count = 12;
	a[3].burst_threshold = 10;
	a[3].burst_window_s = 60;
	a[4] = a[0];
	a[4].rule = "ec2-describe-instances";
	a[4].sev = MM_SEV_LOW;
	a[4].source_ip = "AWS Internal";
	a[4].who = (struct trail_who){ "Root", "arn:aws:iam::111122223333:root", NULL, NULL };
	a[4].account = NULL;
	a[4].region = NULL;
	size_t n = sizeof(a) / sizeof(a[0]);
	if (n > max)
		n = max;
	memcpy(out, a, n * sizeof(a[0]));
	return n;
}

#endif
