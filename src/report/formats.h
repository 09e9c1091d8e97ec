/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the machine-readable formats (OCSF, ASFF, SARIF, CSV,
 * JUnit; docs/formats.md): severity scales, UTC timestamps, UTF-8 clean-up,
 * AWS partitions and resource ARNs, and the rule that decides which findings
 * Security Hub can import. Everything here is a pure function of its
 * arguments: no clock, no I/O, so every format stays deterministic.
 *
 * report_asff_skip_reason() and report_asff_skipped() are also used by
 * src/cmd/scan.c to say how many findings the ASFF output had to leave out.
 *
 * Ownership: returned strings are static, or live in the caller's strbuf
 * when one is passed; nothing is allocated behind the caller's back.
 */
#ifndef MM_REPORT_FORMATS_H
#define MM_REPORT_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/finding.h"
#include "base/strbuf.h"

/* The OCSF schema version every OCSF event mamori writes conforms to. */
#define FMT_OCSF_VERSION "1.3.0"
/* metadata.product.vendor_name (OCSF) and CompanyName (ASFF). */
#define FMT_VENDOR "mamori"

/* OCSF severity_id (1 Informational .. 5 Critical) and its caption. */
int fmt_ocsf_severity_id(enum mm_sev s);
const char *fmt_ocsf_severity(enum mm_sev s);

/* Size of the buffer fmt_time() fills. */
#define FMT_TIME_LEN 32

enum fmt_time_style {
	FMT_TIME_ISO_MS_Z, /* 2024-05-01T10:00:00.000Z (ASFF, SARIF) */
	FMT_TIME_ISO_LOCAL /* 2024-05-01T10:00:00, no zone (JUnit's xs:dateTime) */
};

/* Unix milliseconds (UTC) as text; negative values are clamped to 0. */
void fmt_time(char out[FMT_TIME_LEN], long long ms, enum fmt_time_style style);

/* UTF-8 decoding: mm_utf8_next() in base/strbuf.h. */
/* True when all of s is valid UTF-8 (NULL is). */
bool fmt_utf8_valid(const char *s);
/* Append the UTF-8 encoding of cp. */
void fmt_put_cp(struct strbuf *sb, uint32_t cp);

/*
 * Append s as valid UTF-8 of at most max bytes (0: no limit), every invalid
 * byte replaced by U+FFFD. With flatten, C0 control characters and DEL
 * (newlines included) become one space each, so the text fits on one line.
 * A text cut short ends in "..." within max and never in the middle of a
 * character. Returns true when s had to be cut.
 */
bool fmt_put_text(struct strbuf *sb, const char *s, size_t max, bool flatten);

/* Twelve ASCII digits: an AWS account id Security Hub accepts. */
bool fmt_is_account_id(const char *s);
/* Looks like an AWS region name ("us-east-1", "us-gov-west-1", "cn-north-1"). */
bool fmt_is_region(const char *s);
/* "aws", "aws-cn" or "aws-us-gov" for a region (anything else: "aws"). */
const char *fmt_partition(const char *region);

/*
 * The resource's ARN: f->res_arn when the snapshot gave one, else one built
 * from the resource type, account, region and id for the EC2 types whose ARN
 * format is fixed (instance, security group, volume, snapshot, image, NACL,
 * subnet, VPC, network interface, launch template, Elastic IP). NULL when
 * neither is possible (unknown account or region, other types). The built
 * ARN is written to tmp (reset first).
 */
const char *fmt_resource_arn(struct strbuf *tmp, const struct finding *f);

/* Compliance standard of an id: "CIS-AWS-3.0" for "CIS-AWS-3.0:5.2" (len set). */
const char *fmt_standard(const char *compliance_id, size_t *len);

/*
 * Why Security Hub cannot import f (NULL: it can): an account that is not
 * twelve digits, or a region that is neither a region name nor "global".
 * Such findings are left out of the ASFF output.
 */
const char *report_asff_skip_reason(const struct finding *f);
/* How many findings of fs the ASFF output leaves out. */
size_t report_asff_skipped(const struct findings *fs);

#endif
