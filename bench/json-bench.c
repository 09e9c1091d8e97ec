/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON parser benchmark: mamori's in-tree parser (in-situ and copying modes)
 * against the Debian JSON libraries that are installed at build time
 * (jansson, json-c, cJSON, YAJL tree), on one CloudTrail-like document
 * generated in memory. Each parser gets the same bytes; the baseline is a
 * plain byte scan (counting quotes) over the same buffer in the same run, and
 * every result is printed as MB/s and as a ratio to that baseline.
 *
 * usage: json-bench [MB] [ROUNDS]   (default 100 MB, 3 rounds, best kept)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "base/wrapper.h"

/* third-party parsers live in json-bench-libs.c: their names clash with ours */
int bench_lib_count(void);
const char *bench_lib_name(int i);
int bench_lib_parse(int i, const char *buf, size_t len);

#include "base/banned.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void gen(struct strbuf *sb, size_t target)
{
	static const char *const names[] = { "DescribeInstances", "AuthorizeSecurityGroupIngress",
					     "RunInstances", "CreateSnapshot", "GetPasswordData" };
	unsigned seed = 42;
	strbuf_addstr(sb, "{\"Records\":[");
	for (unsigned i = 0; sb->len < target; i++) {
		seed = seed * 1103515245u + 12345u;
		if (i)
			strbuf_addch(sb, ',');
		strbuf_addf(
		    sb,
		    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\","
		    "\"principalId\":\"AIDA%016u\",\"arn\":\"arn:aws:iam::123456789012:user/u%u\","
		    "\"accountId\":\"123456789012\",\"accessKeyId\":\"AKIA%016u\",\"userName\":"
		    "\"u%u\"},\"eventTime\":\"2026-11-01T12:%02u:%02uZ\",\"eventSource\":\"ec2."
		    "amazonaws.com\",\"eventName\":\"%s\",\"awsRegion\":\"us-east-1\","
		    "\"sourceIPAddress\":\"203.0.113.%u\",\"userAgent\":\"aws-cli/2.9.19 "
		    "Python/3.11 \\\"quoted\\\"\",\"requestParameters\":{\"groupId\":\"sg-%08x\","
		    "\"ipPermissions\":{\"items\":[{\"ipProtocol\":\"tcp\",\"fromPort\":22,"
		    "\"toPort\":22,\"ipRanges\":{\"items\":[{\"cidrIp\":\"0.0.0.0/0\"}]}}]}},"
		    "\"responseElements\":null,\"requestID\":\"%08x-%08x\",\"readOnly\":false,"
		    "\"eventType\":\"AwsApiCall\",\"recipientAccountId\":\"123456789012\"}",
		    i, i % 50, i, i % 50, i % 60, (seed >> 8) % 60, names[(seed >> 16) % 5],
		    i % 255, i, i, seed);
	}
	strbuf_addstr(sb, "]}");
}

struct result {
	const char *name;
	double best;
	int ok;
};

#define ROUND(name_, body)                            \
	do {                                          \
		struct result *r_ = &res[nres++];     \
		r_->name = name_;                     \
		r_->best = 1e9;                       \
		r_->ok = 1;                           \
		for (int k_ = 0; k_ < rounds; k_++) { \
			double t0_ = now();           \
			body;                         \
			double t_ = now() - t0_;      \
			if (t_ < r_->best)            \
				r_->best = t_;        \
		}                                     \
	} while (0)

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
	int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	struct strbuf sb = STRBUF_INIT;
	gen(&sb, mb << 20);
	size_t len = sb.len;
	char *copy = xmalloc(len + 1);
	struct result res[16];
	int nres = 0;
	volatile size_t sink = 0;

	ROUND("baseline: byte scan", {
		size_t q = 0;
		for (size_t i = 0; i < len; i++)
			q += sb.buf[i] == '"';
		sink += q;
	});
	size_t dom_bytes = 0;
	ROUND("mamori json (in situ)", {
		memcpy(copy, sb.buf, len + 1);
		struct arena a = ARENA_INIT;
		struct json *v;
		struct mm_err e;
		r_->ok &= json_parse_insitu(&a, copy, len, NULL, &v, NULL, &e) == 0;
		dom_bytes = a.total;
		arena_release(&a);
	});
	ROUND("mamori json (copying)", {
		struct arena a = ARENA_INIT;
		struct json *v;
		struct mm_err e;
		r_->ok &= json_parse(&a, sb.buf, len, NULL, &v, NULL, &e) == 0;
		arena_release(&a);
	});
	for (int li = 0; li < bench_lib_count(); li++)
		ROUND(bench_lib_name(li), { r_->ok &= bench_lib_parse(li, sb.buf, len) == 0; });
	printf("input: %.1f MB CloudTrail-like JSON, best of %d rounds\n", (double)len / 1e6,
	       rounds);
	printf("%-24s %10s %10s %14s\n", "parser", "seconds", "MB/s", "vs baseline");
	for (int i = 0; i < nres; i++)
		printf("%-24s %10.3f %10.0f %13.2fx%s\n", res[i].name, res[i].best,
		       (double)len / 1e6 / res[i].best, res[0].best / res[i].best,
		       res[i].ok ? "" : "  (FAILED TO PARSE)");
	printf("mamori in-situ DOM: %.0f MB (%.2fx input)\n", (double)dom_bytes / 1e6,
	       (double)dom_bytes / (double)len);
	free(copy);
	strbuf_release(&sb);
	return (int)(sink & 0);
}
