/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AWS Security Finding Format output (--format asff): one JSON array of
 * AwsSecurityFinding objects, ready for
 *     aws securityhub batch-import-findings --findings file://out.json
 * (at most 100 per call: docs/formats.md shows how to split with jq).
 *
 * Findings go to the account's custom-integration product
 * (arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default). A
 * finding whose account is not a 12-digit id, or whose region is not a
 * region name, cannot be imported anywhere and is left out;
 * report_asff_skipped() counts them so the command can say so. IAM findings
 * (region "global") go to us-east-1 of their partition.
 *
 * Status: fail -> Compliance FAILED, unknown -> WARNING ("some information
 * is missing"), muted -> FAILED with Workflow SUPPRESSED and the reason as a
 * Note, pass -> PASSED with Workflow RESOLVED and severity INFORMATIONAL (the
 * rule's severity stays in Severity.Original). Text is cut to the documented
 * limits (Title 256, Description 1024, Recommendation 512, ProductFields
 * values 2048) and flattened to one line, since every string must match
 * .*\S.* in Security Hub's model.
 */
#include <stdio.h>
#include <string.h>

#include "formats.h"
#include "report-int.h"
#include "base/banned.h"

/* Limits from the Security Hub API reference (AwsSecurityFinding). */
#define ASFF_TITLE_MAX	   256
#define ASFF_DESC_MAX	   1024
#define ASFF_REC_MAX	   512
#define ASFF_NOTE_MAX	   512
#define ASFF_PF_VALUE_MAX  2048
#define ASFF_PF_MAX	   50 /* ProductFields pairs */
#define ASFF_REQ_MAX	   32 /* Compliance.RelatedRequirements */
#define ASFF_TAG_VALUE_MAX 256
#define ASFF_TAGS_MAX	   50
#define ASFF_ID_MAX	   512
#define ASFF_PF_FIXED	   8 /* ProductFields written before the evidence */
/* detections (CloudTrail alerts): a user or role behaving riskily */
#define ASFF_TYPE_DETECTION "Unusual Behaviors/User"
#define ASFF_TYPE_BEST	    "Software and Configuration Checks/AWS Security Best Practices"
#define ASFF_TYPE_CIS                                                          \
	"Software and Configuration Checks/Industry and Regulatory Standards/" \
	"CIS AWS Foundations Benchmark"

struct asff {
	struct jw w;
	struct strbuf tmp;
	char now[FMT_TIME_LEN];
};

/* Nothing but spaces (text was flattened: no other whitespace is left). */
static bool blank(const struct strbuf *sb)
{
	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] != ' ')
			return false;
	return true;
}

/* "key": text, flattened to one line, cut to max bytes; "-" when blank. */
static void kline(struct asff *a, const char *key, const char *s, size_t max)
{
	strbuf_reset(&a->tmp);
	fmt_put_text(&a->tmp, s, max, true);
	jw_kstr(&a->w, key, blank(&a->tmp) ? "-" : a->tmp.buf);
}

static const char *sev_label(enum mm_sev s)
{
	switch (s) {
	case MM_SEV_CRITICAL:
		return "CRITICAL";
	case MM_SEV_HIGH:
		return "HIGH";
	case MM_SEV_MEDIUM:
		return "MEDIUM";
	case MM_SEV_LOW:
		return "LOW";
	default:
		return "INFORMATIONAL";
	}
}

/* Resource types Security Hub knows (ResourceDetails members), by mamori type. */
static const char *res_type(const char *t)
{
	static const char *const map[][2] = {
		{ "ec2-instance", "AwsEc2Instance" },
		{ "security-group", "AwsEc2SecurityGroup" },
		{ "ebs-volume", "AwsEc2Volume" },
		{ "network-acl", "AwsEc2NetworkAcl" },
		{ "network-interface", "AwsEc2NetworkInterface" },
		{ "elastic-ip", "AwsEc2Eip" },
		{ "subnet", "AwsEc2Subnet" },
		{ "vpc", "AwsEc2Vpc" },
		{ "launch-template", "AwsEc2LaunchTemplate" },
		{ "route-table", "AwsEc2RouteTable" },
		{ "vpc-peering-connection", "AwsEc2VpcPeeringConnection" },
		{ "load-balancer", "AwsElbv2LoadBalancer" },
		{ "iam-role", "AwsIamRole" },
		{ "iam-policy", "AwsIamPolicy" },
		{ "account", "AwsAccount" },
	};
	for (size_t i = 0; t && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], t))
			return map[i][1];
	return "Other";
}

static const char *import_region(const struct finding *f)
{
	return strcmp(f->region, "global") ? f->region : "us-east-1";
}

static bool has_cis(const struct finding *f)
{
	for (size_t i = 0; i < f->ncompliance; i++)
		if (f->compliance[i] && !strncmp(f->compliance[i], "CIS-", 4))
			return true;
	return false;
}

static void write_product_fields(struct asff *a, const struct finding *f, const char *version)
{
	struct jw *w = &a->w;
	char key[64];
	jw_key(w, "ProductFields");
	jw_obj_begin(w);
	jw_kstr(w, "ProviderName", "mamori");
	if (version)
		kline(a, "ProviderVersion", version, ASFF_PF_VALUE_MAX);
	kline(a, "mamori/rule", f->rule, ASFF_PF_VALUE_MAX);
	jw_kstr(w, "mamori/finding_id", f->id);
	jw_kstr(w, "mamori/status", mm_status_name(f->status));
	kline(a, "mamori/resource_type", f->res_type, ASFF_PF_VALUE_MAX);
	if (f->rem_cli)
		kline(a, "mamori/remediation_cli", f->rem_cli, ASFF_PF_VALUE_MAX);
	if (f->status == MM_ST_MUTED)
		kline(a, "mamori/mute_reason", f->mute_reason ? f->mute_reason : "muted",
		      ASFF_PF_VALUE_MAX);
	/* one pair per piece of evidence while the 50 pairs last (at most
	 * ASFF_PF_FIXED are used above); the last slot says how many did not fit */
	size_t room = ASFF_PF_MAX - ASFF_PF_FIXED;
	for (size_t i = 0; i < f->nev; i++) {
		if (i + 1 == room && f->nev > room) {
			snprintf(key, sizeof(key), "mamori/evidence/%zu", i + 1);
			strbuf_reset(&a->tmp);
			strbuf_addf(&a->tmp, "%zu more in the JSON report", f->nev - i);
			jw_kstr(w, key, a->tmp.buf);
			break;
		}
		snprintf(key, sizeof(key), "mamori/evidence/%zu", i + 1);
		struct strbuf v = STRBUF_INIT;
		if (f->ev[i].loc) {
			strbuf_addstr(&v, f->ev[i].loc);
			strbuf_addstr(&v, ": ");
		}
		strbuf_addstr(&v, f->ev[i].what ? f->ev[i].what : "-");
		kline(a, key, v.buf, ASFF_PF_VALUE_MAX);
		strbuf_release(&v);
	}
	jw_obj_end(w);
}

static void write_resource(struct asff *a, const struct finding *f)
{
	struct jw *w = &a->w;
	struct strbuf arn = STRBUF_INIT;
	const char *type = res_type(f->res_type);
	jw_key(w, "Resources");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_kstr(w, "Type", type);
	if (!strcmp(type, "AwsAccount")) {
		/* the id Security Hub's own account-level findings use */
		strbuf_addf(&arn, "AWS::::Account:%s", f->account);
		jw_kstr(w, "Id", arn.buf);
	} else {
		const char *id = fmt_resource_arn(&arn, f);
		kline(a, "Id", id ? id : f->res_id, ASFF_ID_MAX);
	}
	jw_kstr(w, "Partition", fmt_partition(f->region));
	if (strcmp(f->region, "global"))
		jw_kstr(w, "Region", f->region);
	size_t ntags = 0;
	struct strbuf k = STRBUF_INIT, v = STRBUF_INIT;
	for (size_t i = 0; i < f->ntags && ntags < ASFF_TAGS_MAX; i++) {
		strbuf_reset(&k);
		strbuf_reset(&v);
		fmt_put_text(&k, f->tags[i].key, 128, true);
		fmt_put_text(&v, f->tags[i].value, ASFF_TAG_VALUE_MAX, true);
		/* keys and values must not be blank: such tags are left out */
		if (blank(&k) || blank(&v))
			continue;
		if (!ntags++) {
			jw_key(w, "Tags");
			jw_obj_begin(w);
		}
		jw_kstr(w, k.buf, v.buf);
	}
	strbuf_release(&k);
	strbuf_release(&v);
	if (ntags)
		jw_obj_end(w);
	jw_obj_end(w);
	jw_arr_end(w);
	strbuf_release(&arn);
}

/* Compliance: posture findings only (a detection is not a control check). */
static void write_compliance(struct asff *a, const struct finding *f)
{
	struct jw *w = &a->w;
	jw_key(w, "Compliance");
	jw_obj_begin(w);
	jw_kstr(w, "Status",
		f->status == MM_ST_PASS ? "PASSED"
		: (f->status == MM_ST_UNKNOWN ||
		   (f->status == MM_ST_MUTED && f->muted_from == MM_ST_UNKNOWN))
		    ? "WARNING"
		    : "FAILED");
	if (f->ncompliance) {
		jw_key(w, "RelatedRequirements");
		jw_arr_begin(w);
		for (size_t i = 0; i < f->ncompliance && i < ASFF_REQ_MAX; i++) {
			strbuf_reset(&a->tmp);
			fmt_put_text(&a->tmp, f->compliance[i], ASFF_TITLE_MAX, true);
			jw_str(w, a->tmp.len ? a->tmp.buf : "-");
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

static void write_finding(struct asff *a, const struct finding *f, const struct report_meta *m)
{
	struct jw *w = &a->w;
	const char *region = import_region(f);
	const char *part = fmt_partition(region);
	jw_obj_begin(w);
	jw_kstr(w, "SchemaVersion", "2018-10-08");
	struct strbuf id = STRBUF_INIT;
	strbuf_addf(&id, "mamori/%s/%s/%s/%s", f->account, f->region, f->rule, f->id);
	kline(a, "Id", id.buf, ASFF_ID_MAX);
	strbuf_reset(&a->tmp);
	strbuf_addf(&a->tmp, "arn:%s:securityhub:%s:%s:product/%s/default", part, region,
		    f->account, f->account);
	jw_kstr(w, "ProductArn", a->tmp.buf);
	jw_kstr(w, "ProductName", "mamori");
	jw_kstr(w, "CompanyName", FMT_VENDOR);
	strbuf_reset(&id);
	strbuf_addf(&id, "mamori/%s", f->rule);
	kline(a, "GeneratorId", id.buf, ASFF_ID_MAX);
	strbuf_release(&id);
	jw_kstr(w, "AwsAccountId", f->account);
	jw_key(w, "Types");
	jw_arr_begin(w);
	if (f->detection) {
		jw_str(w, ASFF_TYPE_DETECTION);
	} else {
		jw_str(w, ASFF_TYPE_BEST);
		if (has_cis(f))
			jw_str(w, ASFF_TYPE_CIS);
	}
	jw_arr_end(w);
	if (f->detection && f->observed_ms > 0) {
		char at[FMT_TIME_LEN];
		fmt_time(at, f->observed_ms, FMT_TIME_ISO_MS_Z);
		jw_kstr(w, "FirstObservedAt", at);
		jw_kstr(w, "LastObservedAt", at);
	}
	jw_kstr(w, "CreatedAt", a->now);
	jw_kstr(w, "UpdatedAt", a->now);
	jw_key(w, "Severity");
	jw_obj_begin(w);
	jw_kstr(w, "Label", f->status == MM_ST_PASS ? "INFORMATIONAL" : sev_label(f->sev));
	jw_kstr(w, "Original", mm_sev_name(f->sev));
	jw_obj_end(w);
	kline(a, "Title", f->title ? f->title : f->rule, ASFF_TITLE_MAX);
	kline(a, "Description", f->message ? f->message : f->title, ASFF_DESC_MAX);
	if (f->rem_text) {
		jw_key(w, "Remediation");
		jw_obj_begin(w);
		jw_key(w, "Recommendation");
		jw_obj_begin(w);
		kline(a, "Text", f->rem_text, ASFF_REC_MAX);
		jw_obj_end(w);
		jw_obj_end(w);
	}
	write_product_fields(a, f, m->tool_version);
	write_resource(a, f);

	if (!f->detection)
		write_compliance(a, f);

	jw_key(w, "Workflow");
	jw_obj_begin(w);
	jw_kstr(w, "Status",
		f->status == MM_ST_MUTED  ? "SUPPRESSED"
		: f->status == MM_ST_PASS ? "RESOLVED"
					  : "NEW");
	jw_obj_end(w);
	jw_kstr(w, "RecordState", "ACTIVE");
	if (f->status == MM_ST_MUTED) {
		jw_key(w, "Note");
		jw_obj_begin(w);
		strbuf_reset(&a->tmp);
		strbuf_addstr(&a->tmp, "muted: ");
		strbuf_addstr(&a->tmp, f->mute_reason ? f->mute_reason : "no reason given");
		struct strbuf note = STRBUF_INIT;
		fmt_put_text(&note, a->tmp.buf, ASFF_NOTE_MAX, true);
		jw_kstr(w, "Text", note.buf);
		strbuf_release(&note);
		jw_kstr(w, "UpdatedBy", "mamori mutelist");
		jw_kstr(w, "UpdatedAt", a->now);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static int render(struct strbuf *out, const struct findings *fs, const struct report_meta *m,
		  const struct report_opts *o)
{
	struct asff a;
	jw_init(&a.w, out);
	strbuf_init(&a.tmp, 256);
	fmt_time(a.now, m->started_ms, FMT_TIME_ISO_MS_Z);
	jw_arr_begin(&a.w);
	int fr = 0;
	for (size_t i = 0; fs && i < fs->nr && !fr; i++) {
		if (!report_asff_skip_reason(&fs->v[i]))
			write_finding(&a, &fs->v[i], m);
		fr = report_flush(out, o);
	}
	if (fr) {
		strbuf_release(&a.tmp);
		return fr;
	}
	jw_arr_end(&a.w);
	jw_finish(&a.w);
	strbuf_release(&a.tmp);
	return 0;
}

const struct report_module report_module_asff = {
	.name = "asff",
	.description = "AWS Security Hub findings (ASFF), for batch-import-findings",
	.render = render,
};
