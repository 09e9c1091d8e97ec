/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trail-gen: synthetic CloudTrail for bench/trail-bench.sh, and the
 * decompression baseline it is compared with.
 *
 *   trail-gen ndjson EVENTS SEED             NDJSON on stdout
 *   trail-gen s3 EVENTS SEED DIR PER_FILE    {"Records":[...]} .json.gz files in the S3
 *                                            layout under DIR (gzip level 6, as CloudTrail)
 *   trail-gen inflate FILE...                zlib-inflate every file (streaming, the same
 *                                            way mamori reads them); prints bytes and seconds
 *
 * The events look like a real account's: mostly reads (AssumeRole, KMS
 * Decrypt, S3 data events, Describe*), assumed-role identities with session
 * context, TLS details, long user agents, request ids, 1-2 KB each; a small
 * share are the seed's risky EC2 events, some of them failed, so the rules
 * have something to find. Deterministic for a given seed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "base/strbuf.h"
#include "base/banned.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next() % n);
}

static void uuid(struct strbuf *sb)
{
	uint64_t a = next(), b = next();
	strbuf_addf(sb, "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(a >> 32),
		    (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(b >> 52) & 0xfff,
		    (unsigned long long)(b & 0xffffffffffffull));
}

static const char *const regions[] = { "us-east-1", "us-east-1", "us-east-1",
				       "eu-west-1", "us-west-2", "ap-northeast-1" };
static const char *const accounts[] = { "111122223333", "444455556666", "777788889999" };
static const char *const roles[] = { "app-backend",	     "ci-deployer", "data-pipeline",
				     "AWSServiceRoleForECS", "ops-admin",   "lambda-ingest" };
static const char *const agents[] = {
	"aws-sdk-go-v2/1.24.1 os/linux lang/go#1.21.6 md/GOOS#linux md/GOARCH#amd64 "
	"api/sts#1.26.7",
	"Boto3/1.34.34 md/Botocore#1.34.34 ua/2.0 os/linux#5.10.205-195.807.amzn2.x86_64 "
	"md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy "
	"Botocore/1.34.34",
	"aws-cli/2.15.17 Python/3.11.6 Linux/6.1.0-17-amd64 exe/x86_64.debian.12 prompt/off "
	"command/ec2.describe-instances",
	"console.amazonaws.com",
	"aws-internal/3 aws-sdk-java/1.12.652 Linux/5.10.209-175.812.amzn2int.x86_64 "
	"OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation "
	"cfg/retry-mode/standard",
};

struct kind {
	const char *src, *name;
	unsigned weight; /* per 100000 */
	int shape;
	bool ro;
};

enum { K_PLAIN, K_S3, K_KMS, K_ASSUME, K_DESCRIBE, K_SG, K_RUN, K_SNAP, K_SNAPATTR, K_PWD };

static const struct kind kinds[] = {
	{ "s3.amazonaws.com", "GetObject", 18000, K_S3, true },
	{ "s3.amazonaws.com", "PutObject", 7000, K_S3, false },
	{ "s3.amazonaws.com", "HeadObject", 4000, K_S3, true },
	{ "kms.amazonaws.com", "Decrypt", 12000, K_KMS, true },
	{ "kms.amazonaws.com", "GenerateDataKey", 5000, K_KMS, true },
	{ "sts.amazonaws.com", "AssumeRole", 10000, K_ASSUME, true },
	{ "sts.amazonaws.com", "GetCallerIdentity", 3000, K_PLAIN, true },
	{ "ec2.amazonaws.com", "DescribeInstances", 1500, K_DESCRIBE, true },
	{ "ec2.amazonaws.com", "DescribeVolumes", 3000, K_DESCRIBE, true },
	{ "ec2.amazonaws.com", "DescribeSecurityGroups", 3000, K_DESCRIBE, true },
	{ "ec2.amazonaws.com", "DescribeNetworkInterfaces", 3000, K_DESCRIBE, true },
	{ "ec2.amazonaws.com", "DescribeSubnets", 2000, K_DESCRIBE, true },
	{ "ssm.amazonaws.com", "GetParameter", 5000, K_PLAIN, true },
	{ "secretsmanager.amazonaws.com", "GetSecretValue", 2000, K_PLAIN, true },
	{ "lambda.amazonaws.com", "Invoke", 3000, K_PLAIN, false },
	{ "iam.amazonaws.com", "GetRole", 2000, K_PLAIN, true },
	{ "iam.amazonaws.com", "ListRoles", 1000, K_PLAIN, true },
	{ "ecr.amazonaws.com", "GetAuthorizationToken", 2000, K_PLAIN, true },
	{ "ecr.amazonaws.com", "BatchGetImage", 3000, K_PLAIN, true },
	{ "dynamodb.amazonaws.com", "DescribeTable", 2000, K_PLAIN, true },
	{ "logs.amazonaws.com", "CreateLogStream", 2000, K_PLAIN, false },
	{ "monitoring.amazonaws.com", "PutMetricData", 3000, K_PLAIN, false },
	{ "elasticloadbalancing.amazonaws.com", "DescribeTargetHealth", 2000, K_PLAIN, true },
	{ "autoscaling.amazonaws.com", "DescribeAutoScalingGroups", 1300, K_PLAIN, true },
	{ "signin.amazonaws.com", "ConsoleLogin", 100, K_PLAIN, false },
	{ "s3.amazonaws.com", "ListBuckets", 300, K_PLAIN, true },
	{ "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", 60, K_SG, false },
	{ "ec2.amazonaws.com", "RevokeSecurityGroupIngress", 50, K_SG, false },
	{ "ec2.amazonaws.com", "RunInstances", 100, K_RUN, false },
	{ "ec2.amazonaws.com", "CreateSnapshot", 60, K_SNAP, false },
	{ "ec2.amazonaws.com", "ModifySnapshotAttribute", 10, K_SNAPATTR, false },
	{ "ec2.amazonaws.com", "GetPasswordData", 20, K_PWD, true },
	{ "ec2.amazonaws.com", "AllocateAddress", 20, K_PLAIN, false },
	{ "ec2.amazonaws.com", "DeleteSubnet", 10, K_PLAIN, false },
};

static const struct kind *choose(void)
{
	static unsigned total;
	if (!total)
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			total += kinds[i].weight;
	unsigned x = pick(total);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (x < kinds[i].weight)
			return &kinds[i];
		x -= kinds[i].weight;
	}
	return &kinds[0];
}

static void hex(struct strbuf *sb, int n)
{
	for (int i = 0; i < n; i++)
		strbuf_addch(sb, "0123456789abcdef"[pick(16)]);
}

static void event(struct strbuf *sb, long long t, const char **region_out)
{
	const struct kind *k = choose();
	const char *acct = accounts[pick(3)];
	const char *region = regions[pick(6)];
	const char *role = roles[pick(6)];
	*region_out = region;
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	bool failed = (k->shape == K_PWD || k->shape == K_SG) ? pick(3) == 0 : pick(200) == 0;
	strbuf_addstr(sb, "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\","
			  "\"principalId\":\"AROA");
	hex(sb, 16);
	strbuf_addf(sb, ":i-0");
	hex(sb, 16);
	strbuf_addf(sb,
		    "\",\"arn\":\"arn:aws:sts::%s:assumed-role/%s/i-0%llx\",\"accountId\":\"%s\","
		    "\"accessKeyId\":\"ASIA",
		    acct, role, (unsigned long long)(next() & 0xffffffffffffull), acct);
	hex(sb, 16);
	strbuf_addf(sb,
		    "\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":"
		    "\"AROA%llX\",\"arn\":\"arn:aws:iam::%s:role/%s\",\"accountId\":\"%s\","
		    "\"userName\":\"%s\"},\"attributes\":{\"creationDate\":"
		    "\"%04d-%02d-%02dT%02d:00:00Z\",\"mfaAuthenticated\":\"false\"},"
		    "\"ec2RoleDelivery\":\"2.0\"}},",
		    (unsigned long long)(next() & 0xffffffffffull), acct, role, acct, role,
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
	strbuf_addf(sb,
		    "\"eventTime\":\"%04d-%02d-%02dT%02d:%02d:%02dZ\",\"eventSource\":\"%s\","
		    "\"eventName\":\"%s\",\"awsRegion\":\"%s\",\"sourceIPAddress\":\"%u.%u.%u.%u\","
		    "\"userAgent\":\"%s\",",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    k->src, k->name, region, 3 + pick(200), pick(256), pick(256), 1 + pick(254),
		    agents[pick(5)]);
	if (failed)
		strbuf_addstr(sb, "\"errorCode\":\"AccessDenied\",\"errorMessage\":\"User is not "
				  "authorized to perform this operation\",");
	strbuf_addstr(sb, "\"requestParameters\":");
	switch (k->shape) {
	case K_S3:
		strbuf_addf(sb,
			    "{\"bucketName\":\"%s-data-%u\",\"Host\":\"%s-data-%u.s3.%s.amazonaws."
			    "com\",\"key\":\"ingest/2024/05/01/part-%05u-",
			    role, pick(8), role, pick(8), region, pick(99999));
		hex(sb, 24);
		strbuf_addstr(sb, ".parquet\"}");
		break;
	case K_KMS:
		strbuf_addf(
		    sb,
		    "{\"encryptionContext\":{\"aws:s3:arn\":\"arn:aws:s3:::%s-data/obj-%u\"},"
		    "\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"keyId\":\"arn:aws:kms:%s:%s:"
		    "key/",
		    role, pick(100000), region, acct);
		uuid(sb);
		strbuf_addstr(sb, "\"}");
		break;
	case K_ASSUME:
		strbuf_addf(
		    sb,
		    "{\"roleArn\":\"arn:aws:iam::%s:role/%s\",\"roleSessionName\":\"session-%u\","
		    "\"durationSeconds\":3600}",
		    acct, roles[pick(6)], pick(1000000));
		break;
	case K_DESCRIBE:
		strbuf_addf(sb,
			    "{\"maxResults\":%u,\"filterSet\":{\"items\":[{\"name\":\"vpc-id\","
			    "\"valueSet\":{\"items\":[{\"value\":\"vpc-0",
			    100 + pick(900));
		hex(sb, 16);
		strbuf_addstr(sb, "\"}]}}]}}");
		break;
	case K_SG: {
		static const int ports[] = { 22, 443, 3389, 8080, 5432 };
		strbuf_addf(
		    sb,
		    "{\"groupId\":\"sg-0%llx\",\"ipPermissions\":{\"items\":[{\"ipProtocol\":"
		    "\"tcp\",\"fromPort\":%d,\"toPort\":%d,\"ipRanges\":{\"items\":[{\"cidrIp\":"
		    "\"%s\"}]}}]}}",
		    (unsigned long long)pick(16), ports[pick(5)], ports[pick(5)] + 0,
		    pick(4) ? "10.0.0.0/8" : "0.0.0.0/0");
		break;
	}
	case K_RUN:
		strbuf_addf(
		    sb,
		    "{\"instancesSet\":{\"items\":[{\"imageId\":\"ami-0%llx\",\"minCount\":1,"
		    "\"maxCount\":1}]},\"instanceType\":\"m6i.large\",\"subnetId\":\"subnet-0%llx\"}",
		    (unsigned long long)(next() & 0xffffffffull),
		    (unsigned long long)(next() & 0xffffffffull));
		break;
	case K_SNAP:
		strbuf_addf(sb, "{\"volumeId\":\"vol-0%llx\"}",
			    (unsigned long long)(next() & 0xffffffffull));
		break;
	case K_SNAPATTR:
		strbuf_addf(
		    sb,
		    "{\"snapshotId\":\"snap-0%x\",\"attributeType\":\"CREATE_VOLUME_PERMISSION\","
		    "\"createVolumePermission\":{\"add\":{\"items\":[{\"userId\":\"%s\"}]}}}",
		    pick(64), accounts[pick(3)]);
		break;
	case K_PWD:
		strbuf_addf(sb, "{\"instanceId\":\"i-0%llx\"}",
			    (unsigned long long)(next() & 0xffffffffull));
		break;
	default:
		strbuf_addstr(sb, pick(2) ? "null" : "{\"name\":\"/app/config/db-url\"}");
	}
	strbuf_addstr(sb, ",\"responseElements\":");
	if (failed)
		strbuf_addstr(sb, "null");
	else if (k->shape == K_ASSUME) {
		strbuf_addstr(sb, "{\"credentials\":{\"accessKeyId\":\"ASIA");
		hex(sb, 16);
		strbuf_addstr(sb, "\",\"sessionToken\":\"IQoJb3JpZ2luX2VjE");
		hex(sb, 120);
		strbuf_addstr(sb,
			      "\",\"expiration\":\"May 1, 2024, 11:00:00 AM\"},\"assumedRoleUser\":"
			      "{\"assumedRoleId\":\"AROA");
		hex(sb, 16);
		strbuf_addstr(sb, ":session\"}}");
	} else if (k->shape == K_SNAP) {
		strbuf_addf(sb, "{\"snapshotId\":\"snap-0%x\",\"status\":\"pending\"}", pick(64));
	} else if (k->shape == K_SG) {
		strbuf_addstr(sb, "{\"_return\":true,\"securityGroupRuleSet\":{\"items\":[{"
				  "\"securityGroupRuleId\":\"sgr-0");
		hex(sb, 16);
		strbuf_addstr(sb, "\"}]}}");
	} else {
		strbuf_addstr(sb, "null");
	}
	strbuf_addstr(sb, ",\"requestID\":\"");
	uuid(sb);
	strbuf_addstr(sb, "\",\"eventID\":\"");
	uuid(sb);
	strbuf_addf(sb, "\",\"readOnly\":%s,", k->ro ? "true" : "false");
	if (k->shape == K_S3 || k->shape == K_KMS)
		strbuf_addf(
		    sb,
		    "\"resources\":[{\"accountId\":\"%s\",\"type\":\"%s\",\"ARN\":\"arn:aws:%s"
		    ":::%s-data-%u\"}],",
		    acct, k->shape == K_S3 ? "AWS::S3::Bucket" : "AWS::KMS::Key",
		    k->shape == K_S3 ? "s3" : "kms", role, pick(8));
	strbuf_addf(sb,
		    "\"eventType\":\"AwsApiCall\",\"managementEvent\":%s,\"recipientAccountId\":"
		    "\"%s\",\"eventCategory\":\"%s\",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\","
		    "\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":"
		    "\"%s\"}}",
		    k->shape == K_S3 ? "false" : "true", acct,
		    k->shape == K_S3 ? "Data" : "Management", k->src);
}

static int ndjson(long long n, unsigned seed)
{
	rng ^= (uint64_t)seed * 0x9e3779b97f4a7c15ull;
	struct strbuf sb = STRBUF_INIT;
	long long t = 1714521600; /* 2024-05-01 */
	for (long long i = 0; i < n; i++) {
		const char *region;
		t += pick(3);
		event(&sb, t, &region);
		strbuf_addch(&sb, '\n');
		if (sb.len > (1 << 20)) {
			fwrite(sb.buf, 1, sb.len, stdout);
			strbuf_reset(&sb);
		}
	}
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_release(&sb);
	return 0;
}

static void mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

static int s3(long long n, unsigned seed, const char *dir, long long per)
{
	rng ^= (uint64_t)seed * 0x9e3779b97f4a7c15ull;
	long long t = 1714521600;
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	long long done = 0, file = 0;
	while (done < n) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "{\"Records\":[");
		long long k;
		for (k = 0; k < per && done < n; k++, done++) {
			const char *region;
			if (k)
				strbuf_addch(&sb, ',');
			t += pick(3);
			event(&sb, t, &region);
		}
		strbuf_addstr(&sb, "]}");
		struct tm tm;
		time_t tt = (time_t)t;
		gmtime_r(&tt, &tm);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/AWSLogs/111122223333/CloudTrail/us-east-1/%04d/%02d/%02d",
			    dir, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		mkdirs(path.buf);
		strbuf_addf(
		    &path,
		    "/111122223333_CloudTrail_us-east-1_%04d%02d%02dT%02d%02dZ_%06lld.json.gz",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, file++);
		gzFile g = gzopen(path.buf, "wb6");
		if (!g || gzwrite(g, sb.buf, (unsigned)sb.len) != (int)sb.len ||
		    gzclose(g) != Z_OK) {
			fprintf(stderr, "trail-gen: cannot write '%s'\n", path.buf);
			return 1;
		}
	}
	strbuf_release(&sb);
	strbuf_release(&path);
	return 0;
}

static int inflate_files(int argc, char **argv)
{
	static unsigned char in[256 << 10], out[256 << 10];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned long long total = 0;
	for (int i = 0; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		z_stream z;
		memset(&z, 0, sizeof(z));
		inflateInit2(&z, 15 + 16);
		size_t n;
		int zr = Z_OK;
		while ((n = fread(in, 1, sizeof(in), f)) > 0) {
			z.next_in = in;
			z.avail_in = (uInt)n;
			while (z.avail_in) {
				z.next_out = out;
				z.avail_out = sizeof(out);
				zr = inflate(&z, Z_NO_FLUSH);
				total += sizeof(out) - z.avail_out;
				if (zr == Z_STREAM_END) {
					inflateReset(&z);
				} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
					fprintf(stderr, "%s: inflate error %d\n", argv[i], zr);
					return 1;
				}
			}
		}
		inflateEnd(&z);
		fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%llu %.3f\n", total, s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "ndjson"))
		return ndjson(strtoll(argv[2], NULL, 10), (unsigned)strtoul(argv[3], NULL, 10));
	if (argc >= 6 && !strcmp(argv[1], "s3"))
		return s3(strtoll(argv[2], NULL, 10), (unsigned)strtoul(argv[3], NULL, 10), argv[4],
			  strtoll(argv[5], NULL, 10));
	if (argc >= 3 && !strcmp(argv[1], "inflate"))
		return inflate_files(argc - 2, argv + 2);
	fprintf(stderr, "usage: trail-gen ndjson EVENTS SEED | s3 EVENTS SEED DIR PER_FILE | "
			"inflate FILE...\n");
	return 2;
}
