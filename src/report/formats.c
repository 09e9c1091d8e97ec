/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared pieces of the machine formats (formats.h): severity scales, UTC
 * timestamps without the clock, UTF-8 repair, AWS partitions and the ARNs of
 * EC2 resources, and the importability rule of the ASFF output.
 */
#include "formats.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report-int.h"
#include "base/banned.h"

int fmt_ocsf_severity_id(enum mm_sev s)
{
	switch (s) {
	case MM_SEV_CRITICAL:
		return 5;
	case MM_SEV_HIGH:
		return 4;
	case MM_SEV_MEDIUM:
		return 3;
	case MM_SEV_LOW:
		return 2;
	default:
		return 1;
	}
}

const char *fmt_ocsf_severity(enum mm_sev s)
{
	static const char *const caption[] = { "Informational", "Informational", "Low",
					       "Medium",	"High",		 "Critical" };
	return caption[fmt_ocsf_severity_id(s)];
}

/* 9999-12-31T23:59:59.999Z: the last instant four year digits can write */
#define FMT_MAX_MS 253402300799999LL

void fmt_time(char out[FMT_TIME_LEN], long long ms, enum fmt_time_style style)
{
	if (ms < 0)
		ms = 0;
	if (ms > FMT_MAX_MS)
		ms = FMT_MAX_MS;
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&secs, &tm)) {
		secs = 0;
		gmtime_r(&secs, &tm);
		ms = 0;
	}
	/* the ranges are known; % tells the compiler too (no truncation warning) */
	unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, mo = (unsigned)(tm.tm_mon + 1) % 100u,
		 d = (unsigned)tm.tm_mday % 100u, h = (unsigned)tm.tm_hour % 100u,
		 mi = (unsigned)tm.tm_min % 100u, se = (unsigned)tm.tm_sec % 100u,
		 frac = (unsigned)(ms % 1000);
	if (style == FMT_TIME_ISO_LOCAL)
		snprintf(out, FMT_TIME_LEN, "%04u-%02u-%02uT%02u:%02u:%02u", y, mo, d, h, mi, se);
	else
		snprintf(out, FMT_TIME_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", y, mo, d, h, mi,
			 se, frac);
}

bool fmt_utf8_valid(const char *s)
{
	if (!s)
		return true;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t k = mm_utf8_next(s, n, i, &cp);
		/* U+FFFD in the input is EF BF BD; any other way to get it is a repair */
		if (cp == 0xfffd && (k != 3 || memcmp(s + i, "\xef\xbf\xbd", 3)))
			return false;
		i += k;
	}
	return true;
}

void fmt_put_cp(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(sb, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(sb, b, 3);
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(sb, b, 4);
	}
}

static size_t cp_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

bool fmt_put_text(struct strbuf *sb, const char *s, size_t max, bool flatten)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	/* room for the text when it must be cut: "..." takes 3 bytes */
	size_t room = max > 3 ? max - 3 : 0;
	size_t used = 0, cut_at = sb->len;
	bool cut = false;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += mm_utf8_next(s, n, i, &cp);
		if (flatten && (cp < 0x20 || cp == 0x7f))
			cp = ' ';
		size_t l = cp_len(cp);
		if (max && used + l > max) {
			cut = true;
			break;
		}
		fmt_put_cp(sb, cp);
		used += l;
		if (!max || used <= room)
			cut_at = sb->len;
	}
	if (cut) {
		/* drop what went past the room left for "..." (strbuf keeps buf[len] == 0) */
		sb->len = cut_at;
		sb->buf[cut_at] = '\0';
		strbuf_add(sb, "...", max < 3 ? max : 3);
	}
	return cut;
}

bool fmt_is_account_id(const char *s)
{
	if (!s)
		return false;
	size_t i = 0;
	for (; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return i == 12;
}

/* letters, then groups of "-letters", a final "-digits": us-east-1, us-gov-west-1 */
bool fmt_is_region(const char *s)
{
	if (!s || !*s)
		return false;
	size_t i = 0, groups = 0;
	for (;;) {
		size_t st = i;
		while (s[i] >= 'a' && s[i] <= 'z')
			i++;
		if (i == st)
			break;
		groups++;
		if (s[i] != '-')
			return false;
		i++;
	}
	size_t st = i;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	return groups >= 2 && i > st && !s[i] && i - st <= 3;
}

const char *fmt_partition(const char *region)
{
	if (region && !strncmp(region, "cn-", 3))
		return "aws-cn";
	if (region && !strncmp(region, "us-gov-", 7))
		return "aws-us-gov";
	return "aws";
}

struct arn_kind {
	const char *res_type, *arn_type;
	bool no_account; /* snapshots and images: arn:aws:ec2:REGION::image/ami-... */
};

static const struct arn_kind arn_kinds[] = {
	{ "ec2-instance", "instance", false },
	{ "security-group", "security-group", false },
	{ "ebs-volume", "volume", false },
	{ "ebs-snapshot", "snapshot", true },
	{ "ami", "image", true },
	{ "network-acl", "network-acl", false },
	{ "subnet", "subnet", false },
	{ "vpc", "vpc", false },
	{ "network-interface", "network-interface", false },
	{ "launch-template", "launch-template", false },
	{ "elastic-ip", "elastic-ip", false },
};

const char *fmt_resource_arn(struct strbuf *tmp, const struct finding *f)
{
	if (f->res_arn && *f->res_arn)
		return f->res_arn;
	if (!f->res_type || !f->res_id || !*f->res_id || !fmt_is_region(f->region))
		return NULL;
	for (size_t i = 0; i < sizeof(arn_kinds) / sizeof(arn_kinds[0]); i++) {
		const struct arn_kind *k = &arn_kinds[i];
		if (strcmp(k->res_type, f->res_type))
			continue;
		if (!k->no_account && !fmt_is_account_id(f->account))
			return NULL;
		strbuf_reset(tmp);
		strbuf_addf(tmp, "arn:%s:ec2:%s:%s:%s/%s", fmt_partition(f->region), f->region,
			    k->no_account ? "" : f->account, k->arn_type, f->res_id);
		return tmp->buf;
	}
	return NULL;
}

const char *fmt_standard(const char *id, size_t *len)
{
	const char *colon = id ? strchr(id, ':') : NULL;
	*len = colon ? (size_t)(colon - id) : (id ? strlen(id) : 0);
	return id;
}

const char *report_asff_skip_reason(const struct finding *f)
{
	if (!fmt_is_account_id(f->account))
		return "the account is unknown (Security Hub needs a 12-digit account id)";
	if (!f->region || (strcmp(f->region, "global") && !fmt_is_region(f->region)))
		return "the region is unknown (Security Hub imports into one region)";
	return NULL;
}

size_t report_asff_skipped(const struct findings *fs)
{
	size_t n = 0;
	for (size_t i = 0; fs && i < fs->nr; i++)
		if (report_asff_skip_reason(&fs->v[i]))
			n++;
	return n;
}
