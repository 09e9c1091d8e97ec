/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for IAM policy evaluation and attack paths (src/aws/iam.c,
 * src/posture/paths.c, the paths renderers): one input is an
 * `aws iam get-account-authorization-details` file, loaded beside a fixed
 * network in which every other link of the seed-003 chain holds (a public
 * instance, SSH open to the world, IMDSv1, instance profile "p"). Policy
 * documents are the untrusted part: any shape of Statement, Action,
 * NotResource, Condition, wildcard or boundary must evaluate without a
 * crash. Properties: the posture run (with its exposure analysis and the
 * ec2-toxic-* checks) and paths_find() succeed; every path has at most one
 * cheapest break, on a link that holds; the JSON rendering parses back;
 * ASan/UBSan/LSan catch memory errors and leaks.
 */
#include <string.h>

#include "fuzz.h"
#include "aws/model.h"
#include "aws/snapshot.h"
#include "base/err.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "posture/paths.h"
#include "posture/posture.h"
#include "reach/reach.h"
#include "report/report.h"
#include "base/banned.h"

#define R "123456789012/us-east-1/"

static const struct {
	const char *path, *json;
} net[] = {
	{ R "describe-vpcs.json",
	  "{\"Vpcs\":[{\"VpcId\":\"vpc-1\",\"CidrBlock\":\"10.0.0.0/16\",\"IsDefault\":false}]}" },
	{ R "describe-subnets.json",
	  "{\"Subnets\":[{\"SubnetId\":\"subnet-1\",\"VpcId\":\"vpc-1\",\"CidrBlock\":"
	  "\"10.0.1.0/24\",\"AvailabilityZone\":\"us-east-1a\"}]}" },
	{ R "describe-internet-gateways.json",
	  "{\"InternetGateways\":[{\"InternetGatewayId\":\"igw-1\",\"Attachments\":[{\"VpcId\":"
	  "\"vpc-1\",\"State\":\"available\"}]}]}" },
	{ R "describe-route-tables.json",
	  "{\"RouteTables\":[{\"RouteTableId\":\"rtb-1\",\"VpcId\":\"vpc-1\",\"Associations\":[{"
	  "\"Main\":true,\"RouteTableId\":\"rtb-1\"}],\"Routes\":[{\"DestinationCidrBlock\":"
	  "\"10.0.0.0/16\",\"GatewayId\":\"local\",\"State\":\"active\"},{"
	  "\"DestinationCidrBlock\":\"0.0.0.0/0\",\"GatewayId\":\"igw-1\",\"State\":\"active\"}]}"
	  "]}" },
	{ R "describe-network-acls.json",
	  "{\"NetworkAcls\":[{\"NetworkAclId\":\"acl-1\",\"VpcId\":\"vpc-1\",\"IsDefault\":true,"
	  "\"Associations\":[{\"SubnetId\":\"subnet-1\",\"NetworkAclId\":\"acl-1\"}],\"Entries\":["
	  "{\"RuleNumber\":100,\"Protocol\":\"-1\",\"Egress\":false,\"RuleAction\":\"allow\","
	  "\"CidrBlock\":\"0.0.0.0/0\"},{\"RuleNumber\":100,\"Protocol\":\"-1\",\"Egress\":true,"
	  "\"RuleAction\":\"allow\",\"CidrBlock\":\"0.0.0.0/0\"}]}]}" },
	{ R "describe-security-groups.json",
	  "{\"SecurityGroups\":[{\"GroupId\":\"sg-1\",\"GroupName\":\"ssh\",\"VpcId\":\"vpc-1\","
	  "\"IpPermissions\":[{\"IpProtocol\":\"tcp\",\"FromPort\":22,\"ToPort\":22,"
	  "\"IpRanges\":[{\"CidrIp\":\"0.0.0.0/0\"}]}],\"IpPermissionsEgress\":[]}]}" },
	{ R "describe-instances.json",
	  "{\"Reservations\":[{\"Instances\":[{\"InstanceId\":\"i-1\",\"State\":{\"Name\":"
	  "\"running\"},\"VpcId\":\"vpc-1\",\"SubnetId\":\"subnet-1\",\"PrivateIpAddress\":"
	  "\"10.0.1.10\",\"PublicIpAddress\":\"54.1.2.3\",\"IamInstanceProfile\":{\"Arn\":"
	  "\"arn:aws:iam::123456789012:instance-profile/p\"},\"MetadataOptions\":{"
	  "\"HttpTokens\":\"optional\",\"HttpEndpoint\":\"enabled\","
	  "\"HttpPutResponseHopLimit\":2},\"Tags\":[{\"Key\":\"eks:cluster-name\",\"Value\":"
	  "\"c\"}],\"SecurityGroups\":[{\"GroupId\":\"sg-1\"}],\"NetworkInterfaces\":[{"
	  "\"NetworkInterfaceId\":\"eni-1\",\"SubnetId\":\"subnet-1\",\"VpcId\":\"vpc-1\","
	  "\"PrivateIpAddress\":\"10.0.1.10\",\"Association\":{\"PublicIp\":\"54.1.2.3\"},"
	  "\"Groups\":[{\"GroupId\":\"sg-1\"}],\"Attachment\":{\"DeviceIndex\":0}}]}]}]}" },
};

static void check_paths(const struct paths_result *pr)
{
	for (size_t i = 0; i < pr->nr; i++) {
		const struct attack_path *p = &pr->v[i];
		size_t cheapest = 0;
		for (size_t k = 0; k < p->nbreaks; k++) {
			FUZZ_CHECK(p->breaks[k].link < p->nchain);
			if (p->breaks[k].cheapest) {
				cheapest++;
				FUZZ_CHECK(p->chain[p->breaks[k].link].present);
			}
		}
		FUZZ_CHECK(cheapest <= 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_model m;
	struct mm_err e = { 0 };
	struct snapshot_opts so;
	memset(&so, 0, sizeof(so));
	mm_model_init(&m);
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		FUZZ_CHECK(snapshot_load_buffer(&m, net[i].path, net[i].json, strlen(net[i].json),
						&so, &e) == 0);
	(void)snapshot_load_buffer(&m, "123456789012/global/iam-authorization-details.json",
				   (const char *)data, size, &so, &e);
	mm_model_index(&m);

	/* the scan's view: posture rules with the exposure analysis */
	struct posture_catalog cat;
	struct findings fs;
	findings_init(&fs);
	FUZZ_CHECK(posture_catalog_load(&cat, &e) == 0);
	struct posture_reach_out rout = { 0 };
	struct posture_opts po = { .exposure = true, .reach_out = &rout };
	FUZZ_CHECK(posture_run(&m, &cat, &po, &fs, &e) == 0);

	/* paths and their renderings */
	struct paths_result pr;
	paths_result_init(&pr);
	struct paths_opts opts = { .partial = true };
	FUZZ_CHECK(paths_find(&m, rout.ctx ? &rout.res : NULL, &opts, &pr, &e) == 0);
	check_paths(&pr);
	struct strbuf sb = STRBUF_INIT;
	report_paths_json(&sb, &pr, "fuzz", "0");
	struct arena a;
	arena_init(&a);
	struct json *v = NULL;
	long long off;
	FUZZ_CHECK(json_parse(&a, sb.buf, sb.len, NULL, &v, &off, &e) == 0);
	arena_release(&a);
	strbuf_reset(&sb);
	report_paths_dot(&sb, &pr);
	report_paths_mermaid(&sb, &pr);
	report_paths_text(&sb, &pr, "fuzz", false);
	strbuf_release(&sb);

	paths_result_release(&pr);
	reach_result_release(&rout.res);
	reach_free(rout.ctx);
	findings_release(&fs);
	posture_catalog_release(&cat);
	mm_model_release(&m);
	return 0;
}
