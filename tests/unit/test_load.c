/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the snapshot loader (src/aws/load*.c): every recognised
 * output kind through snapshot_load_buffer(), whole trees through
 * snapshot_load() on temporary directories (recognition by key, account and
 * region from the path or the content, gzip, bad input of every sort), the
 * streaming of big files (records outlive their nodes, a file failing
 * part-way is taken back out), the Batfish fixtures in ../shared and the JSON
 * examples of the AWS CLI docs.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "aws/model.h"
#include "aws/snapshot.h"
#include "base/json.h"
#include "base/strbuf.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static void load_str(struct mm_model *m, const char *name, const char *json)
{
	struct mm_err e = { 0 };
	int r = snapshot_load_buffer(m, name, json, strlen(json), NULL, &e);
	if (r)
		print_error("load '%s': %s\n", name, e.msg);
	assert_int_equal(r, 0);
}

static void dump_diags(const struct mm_model *m)
{
	for (size_t i = 0; i < m->diags.nr; i++)
		print_message("diag %s %s@%lld: %s\n",
			      m->diags.v[i].level == MM_DIAG_ERROR ? "error" : "warning",
			      m->diags.v[i].file ? m->diags.v[i].file : "-", m->diags.v[i].off,
			      m->diags.v[i].msg);
}

static void assert_no_errors(const struct mm_model *m)
{
	if (m->diags.nr_errors)
		dump_diags(m);
	assert_int_equal(m->diags.nr_errors, 0);
}

/* The diagnostic whose message contains s (NULL if none). */
static const struct mm_diag *find_diag(const struct mm_model *m, const char *s)
{
	for (size_t i = 0; i < m->diags.nr; i++)
		if (strstr(m->diags.v[i].msg, s))
			return &m->diags.v[i];
	return NULL;
}

static bool tri_eq(enum mm_tri a, enum mm_tri b)
{
	return a == b;
}

static char *cidr_str(const struct mm_cidr *c, char *buf)
{
	char a[64];
	if (c->family == MM_AF_NONE) {
		snprintf(buf, 80, "none");
		return buf;
	}
	snprintf(buf, 80, "%s/%u", mm_addr_fmt(c->family, c->addr, a), c->prefix);
	return buf;
}

static void assert_cidr(const struct mm_cidr *c, const char *want)
{
	char b[80];
	assert_string_equal(cidr_str(c, b), want);
}

/* temporary trees */

static char *tmp_dir(void)
{
	char *t = strdup("/tmp/mamori-load-XXXXXX");
	assert_non_null(mkdtemp(t));
	return t;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rm_tree(char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static void mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
}

static void write_bytes(const char *dir, const char *rel, const void *data, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	mkdirs(path);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	if (n)
		assert_int_equal(fwrite(data, 1, n, fp), n);
	fclose(fp);
}

static void write_file(const char *dir, const char *rel, const char *s)
{
	write_bytes(dir, rel, s, strlen(s));
}

/* gzip one buffer as one member into sb */
static void gzip_member(struct strbuf *sb, const char *data, size_t n)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	unsigned char out[16384];
	zs.next_in = (unsigned char *)(uintptr_t)data;
	zs.avail_in = (uInt)n;
	int r;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		r = deflate(&zs, Z_FINISH);
		strbuf_add(sb, out, sizeof(out) - zs.avail_out);
	} while (r != Z_STREAM_END);
	deflateEnd(&zs);
}

static void write_gz(const char *dir, const char *rel, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	gzip_member(&sb, s, strlen(s));
	write_bytes(dir, rel, sb.buf, sb.len);
	strbuf_release(&sb);
}

static int load_tree(struct mm_model *m, const char *dir, const struct snapshot_opts *o)
{
	struct mm_err e = { 0 };
	int r = snapshot_load(m, dir, o, &e);
	if (r)
		print_error("load '%s': %s\n", dir, e.msg);
	return r;
}

static const char *shared_dir(void)
{
	static char buf[2048]; /* shorter than the paths built from it */
	const char *env = getenv("MAMORI_SHARED");
	const char *cands[] = { env, "../shared", "../../shared", "../../../shared",
				"../../../../shared" };
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		if (!cands[i])
			continue;
		snprintf(buf, sizeof(buf), "%s/fixtures/batfish/PROVENANCE.md", cands[i]);
		if (access(buf, R_OK) == 0) {
			snprintf(buf, sizeof(buf), "%s", cands[i]);
			return buf;
		}
	}
	return NULL;
}

/* JSON written with single quotes (none of the test documents needs a
 * literal one) so the cases stay readable. */
static char *unq(const char *q)
{
	char *s = strdup(q);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static void load_q(struct mm_model *m, const char *name, const char *q)
{
	char *s = unq(q);
	load_str(m, name, s);
	free(s);
}

static void write_q(const char *dir, const char *rel, const char *q)
{
	char *s = unq(q);
	write_file(dir, rel, s);
	free(s);
}

/* ------------------------------------------------------------------ */
/* security groups                                                     */

static const char sg_q[] =
    "{'SecurityGroups': [\n"
    " {'GroupId': 'sg-1', 'GroupName': 'web', 'Description': 'd',\n"
    "  'OwnerId': '111122223333', 'VpcId': 'vpc-1',\n"
    "  'Tags': [{'Key': 'Name', 'Value': 'web-sg'}],\n"
    "  'IpPermissions': [\n"
    "   {'IpProtocol': 'tcp', 'FromPort': 22, 'ToPort': 22,\n"
    "    'IpRanges': [{'CidrIp': '10.0.0.0/8'}, {'CidrIp': '0.0.0.0/0', 'Description': 'ssh'}],\n"
    "    'Ipv6Ranges': [{'CidrIpv6': '::/0'}],\n"
    "    'PrefixListIds': [{'PrefixListId': 'pl-123'}],\n"
    "    'UserIdGroupPairs': [{'GroupId': 'sg-2', 'UserId': '444455556666',\n"
    "       'VpcPeeringConnectionId': 'pcx-9'}]},\n"
    "   {'IpProtocol': '-1', 'UserIdGroupPairs': [{'GroupId': 'sg-1'}]},\n"
    "   {'IpProtocol': 'icmp', 'FromPort': 8, 'ToPort': -1, 'IpRanges': [{'CidrIp': "
    "'1.2.3.4/32'}]},\n"
    "   {'IpProtocol': '6', 'FromPort': -1, 'ToPort': 50, 'IpRanges': []},\n"
    "   {'IpProtocol': '58', 'Ipv6Ranges': [{'CidrIpv6': '2001:db8::/32'}]},\n"
    "   {'IpProtocol': 'udp', 'FromPort': 53, 'ToPort': 53},\n"
    "   {'IpProtocol': '50'}\n"
    "  ],\n"
    "  'IpPermissionsEgress': [{'IpProtocol': '-1', 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}]}\n"
    "], 'NextToken': 'abc', 'ResponseMetadata': {}}";

static void test_security_groups(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_q(&m, "111122223333/eu-west-3/describe-security-groups.json", sg_q);
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.nsgs, 1);
	assert_int_equal(m.files_loaded, 1);
	const struct mm_sg *g = &m.sgs[0];
	assert_string_equal(g->r.id, "sg-1");
	assert_string_equal(g->r.account, "111122223333");
	assert_string_equal(g->r.region, "eu-west-3");
	assert_string_equal(g->r.loc.file, "111122223333/eu-west-3/describe-security-groups.json");
	assert_string_equal(g->r.loc.ptr, "/SecurityGroups/0");
	assert_string_equal(json_str(g->r.raw, "GroupName"), "web");
	assert_string_equal(mm_tag(&g->r, "Name"), "web-sg");
	assert_string_equal(g->name, "web");
	assert_string_equal(g->desc, "d");
	assert_string_equal(g->vpc_id, "vpc-1");
	assert_string_equal(g->owner, "111122223333");

	assert_int_equal(g->nin, 7);
	const struct mm_sg_perm *p = &g->in[0];
	assert_int_equal(p->proto, MM_PROTO_TCP);
	assert_int_equal(p->from, 22);
	assert_int_equal(p->to, 22);
	assert_string_equal(p->loc.ptr, "/SecurityGroups/0/IpPermissions/0");
	assert_int_equal(p->nsrc, 5);
	assert_int_equal(p->src[0].kind, MM_SRC_CIDR4);
	assert_cidr(&p->src[0].cidr, "10.0.0.0/8");
	assert_string_equal(p->src[0].loc.ptr, "/SecurityGroups/0/IpPermissions/0/IpRanges/0");
	assert_string_equal(p->src[1].value, "0.0.0.0/0");
	assert_string_equal(p->src[1].desc, "ssh");
	assert_string_equal(p->src[1].loc.ptr, "/SecurityGroups/0/IpPermissions/0/IpRanges/1");
	assert_int_equal(p->src[2].kind, MM_SRC_CIDR6);
	assert_cidr(&p->src[2].cidr, "::/0");
	assert_string_equal(p->src[2].loc.ptr, "/SecurityGroups/0/IpPermissions/0/Ipv6Ranges/0");
	assert_int_equal(p->src[3].kind, MM_SRC_PREFIX_LIST);
	assert_string_equal(p->src[3].value, "pl-123");
	assert_int_equal(p->src[4].kind, MM_SRC_SG);
	assert_string_equal(p->src[4].value, "sg-2");
	assert_string_equal(p->src[4].user_id, "444455556666");
	assert_string_equal(p->src[4].peering, "pcx-9");
	assert_string_equal(p->src[4].loc.ptr,
			    "/SecurityGroups/0/IpPermissions/0/UserIdGroupPairs/0");
	/* all protocols: full port range, self reference */
	assert_int_equal(g->in[1].proto, MM_PROTO_ALL);
	assert_int_equal(g->in[1].from, 0);
	assert_int_equal(g->in[1].to, 65535);
	assert_string_equal(g->in[1].src[0].value, "sg-1");
	assert_null(g->in[1].src[0].user_id);
	/* ICMP keeps type and code (-1 any) */
	assert_int_equal(g->in[2].proto, MM_PROTO_ICMP);
	assert_int_equal(g->in[2].from, 8);
	assert_int_equal(g->in[2].to, -1);
	/* "6" with FromPort -1: 0..50; no sources */
	assert_int_equal(g->in[3].proto, MM_PROTO_TCP);
	assert_int_equal(g->in[3].from, 0);
	assert_int_equal(g->in[3].to, 50);
	assert_int_equal(g->in[3].nsrc, 0);
	/* icmpv6 without ports: any type, any code */
	assert_int_equal(g->in[4].proto, MM_PROTO_ICMPV6);
	assert_int_equal(g->in[4].from, -1);
	assert_int_equal(g->in[4].to, -1);
	assert_int_equal(g->in[5].proto, MM_PROTO_UDP);
	assert_int_equal(g->in[5].from, 53);
	/* ESP: no ports, whole range */
	assert_int_equal(g->in[6].proto, 50);
	assert_int_equal(g->in[6].from, 0);
	assert_int_equal(g->in[6].to, 65535);
	assert_int_equal(g->nout, 1);
	assert_int_equal(g->out[0].proto, MM_PROTO_ALL);
	assert_string_equal(g->out[0].loc.ptr, "/SecurityGroups/0/IpPermissionsEgress/0");

	const struct mm_scope *sc = mm_scope_find(&m, "111122223333", "eu-west-3");
	assert_non_null(sc);
	assert_true(sc->have & (1ull << MM_K_SGS));
	assert_false(sc->have & (1ull << MM_K_NACLS));
	mm_model_release(&m);
}

/* ------------------------------------------------------------------ */
/* network ACLs and route tables                                       */

static const char nacl_q[] =
    "{'NetworkAcls': [{'NetworkAclId': 'acl-1', 'VpcId': 'vpc-1', 'IsDefault': true,\n"
    " 'OwnerId': '111122223333',\n"
    " 'Associations': [{'SubnetId': 'subnet-a'}, {'SubnetId': 'subnet-b'}],\n"
    " 'Entries': [\n"
    "  {'RuleNumber': 32767, 'Protocol': '-1', 'RuleAction': 'deny', 'Egress': false, "
    "'CidrBlock': '0.0.0.0/0'},\n"
    "  {'RuleNumber': 100, 'Protocol': '-1', 'RuleAction': 'allow', 'Egress': true, "
    "'CidrBlock': '0.0.0.0/0'},\n"
    "  {'RuleNumber': 200, 'Protocol': '6', 'RuleAction': 'allow', 'Egress': false, "
    "'CidrBlock': '10.0.0.0/8', 'PortRange': {'From': 22, 'To': 22}},\n"
    "  {'RuleNumber': 100, 'Protocol': '1', 'RuleAction': 'deny', 'Egress': false, "
    "'Ipv6CidrBlock': '::/0', 'IcmpTypeCode': {'Type': 3, 'Code': -1}}\n"
    " ]}]}";

static void test_nacls(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_q(&m, "nacl.json", nacl_q);
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.nnacls, 1);
	const struct mm_nacl *n = &m.nacls[0];
	assert_string_equal(n->r.id, "acl-1");
	assert_string_equal(n->r.account, "111122223333");
	assert_string_equal(n->r.region, "unknown");
	assert_true(n->is_default);
	assert_int_equal(n->nsubnets, 2);
	assert_string_equal(n->subnets[1], "subnet-b");
	assert_int_equal(n->nentries, 4);
	/* ingress by rule number, then egress */
	assert_false(n->entries[0].egress);
	assert_int_equal(n->entries[0].rule_no, 100);
	assert_int_equal(n->entries[0].proto, MM_PROTO_ICMP);
	assert_false(n->entries[0].allow);
	assert_int_equal(n->entries[0].icmp_type, 3);
	assert_int_equal(n->entries[0].icmp_code, -1);
	assert_int_equal(n->entries[0].cidr.family, MM_AF_INET6);
	assert_string_equal(n->entries[0].loc.ptr, "/NetworkAcls/0/Entries/3");
	assert_int_equal(n->entries[1].rule_no, 200);
	assert_int_equal(n->entries[1].proto, MM_PROTO_TCP);
	assert_true(n->entries[1].allow);
	assert_int_equal(n->entries[1].from, 22);
	assert_int_equal(n->entries[1].to, 22);
	assert_cidr(&n->entries[1].cidr, "10.0.0.0/8");
	assert_int_equal(n->entries[2].rule_no, 32767);
	assert_int_equal(n->entries[2].from, 0);
	assert_int_equal(n->entries[2].to, 65535);
	assert_int_equal(n->entries[2].icmp_type, -1);
	assert_true(n->entries[3].egress);
	assert_int_equal(n->entries[3].rule_no, 100);
	assert_int_equal(n->entries[3].proto, MM_PROTO_ALL);
	mm_model_release(&m);
}

static const char rtb_q[] =
    "{'RouteTables': [{'RouteTableId': 'rtb-1', 'VpcId': 'vpc-1', 'OwnerId': '111122223333',\n"
    " 'Associations': [{'Main': true, 'RouteTableAssociationId': 'a1'},\n"
    "                  {'Main': false, 'SubnetId': 'subnet-a'},\n"
    "                  {'Main': false, 'GatewayId': 'igw-1'}],\n"
    " 'Routes': [\n"
    "  {'DestinationCidrBlock': '10.0.0.0/16', 'GatewayId': 'local', 'State': 'active'},\n"
    "  {'DestinationCidrBlock': '0.0.0.0/0', 'GatewayId': 'igw-1', 'State': 'active', "
    "'Origin': 'CreateRoute'},\n"
    "  {'DestinationIpv6CidrBlock': '::/0', 'EgressOnlyInternetGatewayId': 'eigw-1'},\n"
    "  {'DestinationCidrBlock': '192.168.0.0/16', 'VpcPeeringConnectionId': 'pcx-1', "
    "'State': 'blackhole'},\n"
    "  {'DestinationPrefixListId': 'pl-9', 'GatewayId': 'vpce-1'},\n"
    "  {'DestinationCidrBlock': '172.16.0.0/12', 'NatGatewayId': 'nat-1'},\n"
    "  {'DestinationCidrBlock': '100.64.0.0/10', 'TransitGatewayId': 'tgw-1'},\n"
    "  {'DestinationCidrBlock': '10.9.0.0/16', 'InstanceId': 'i-1', "
    "'NetworkInterfaceId': 'eni-1'},\n"
    "  {'DestinationCidrBlock': '10.8.0.0/16', 'GatewayId': 'vgw-1'},\n"
    "  {'DestinationCidrBlock': '10.7.0.0/16', 'CarrierGatewayId': 'cagw-1'},\n"
    "  {'DestinationCidrBlock': '10.6.0.0/16', 'LocalGatewayId': 'lgw-1'},\n"
    "  {'DestinationCidrBlock': '10.5.0.0/16', 'CoreNetworkArn': 'arn:aws:networkmanager::1:x'},\n"
    "  {'DestinationCidrBlock': '10.4.0.0/16', 'InstanceId': 'i-2'}\n"
    " ]}]}";

static void test_route_tables(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_q(&m, "rt.json", rtb_q);
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.nrtbs, 1);
	const struct mm_rtb *t = &m.rtbs[0];
	assert_true(t->main);
	assert_string_equal(t->main_loc.ptr, "/RouteTables/0/Associations/0");
	assert_int_equal(t->nsubnets, 1);
	assert_string_equal(t->subnets[0], "subnet-a");
	assert_int_equal(t->ngateways, 1);
	assert_string_equal(t->gateways[0], "igw-1");
	assert_int_equal(t->nroutes, 13);
	static const enum mm_target want[] = {
		MM_TGT_LOCAL,	MM_TGT_IGW,  MM_TGT_EIGW,     MM_TGT_PCX, MM_TGT_VPCE,
		MM_TGT_NAT,	MM_TGT_TGW,  MM_TGT_ENI,      MM_TGT_VGW, MM_TGT_CARRIER,
		MM_TGT_LOCALGW, MM_TGT_CORE, MM_TGT_INSTANCE,
	};
	for (size_t i = 0; i < 13; i++)
		assert_int_equal(t->routes[i].target, want[i]);
	assert_string_equal(t->routes[1].target_id, "igw-1");
	assert_cidr(&t->routes[1].dst, "0.0.0.0/0");
	assert_string_equal(t->routes[1].origin, "CreateRoute");
	assert_false(t->routes[1].blackhole);
	assert_cidr(&t->routes[2].dst, "::/0");
	assert_true(t->routes[3].blackhole);
	assert_int_equal(t->routes[4].dst.family, MM_AF_NONE);
	assert_string_equal(t->routes[4].dst_pl, "pl-9");
	assert_string_equal(t->routes[7].target_id, "eni-1");
	assert_string_equal(t->routes[4].loc.ptr, "/RouteTables/0/Routes/4");
	mm_model_release(&m);
}

/* ------------------------------------------------------------------ */
/* instances and interfaces                                            */

static const char inst_q[] =
    "{'Reservations': [{'OwnerId': '111122223333', 'ReservationId': 'r-1', 'Instances': [\n"
    " {'InstanceId': 'i-1', 'State': {'Code': 16, 'Name': 'running'},\n"
    "  'Placement': {'AvailabilityZone': 'ap-southeast-2b'},\n"
    "  'VpcId': 'vpc-1', 'SubnetId': 'subnet-a', 'ImageId': 'ami-1', 'InstanceType': 't3.micro',\n"
    "  'KeyName': 'k', 'PrivateIpAddress': '10.0.0.5', 'PublicIpAddress': '54.1.2.3',\n"
    "  'LaunchTime': '2024-01-01T00:00:00Z', 'PlatformDetails': 'Linux/UNIX',\n"
    "  'IamInstanceProfile': {'Arn': 'arn:aws:iam::111122223333:instance-profile/web'},\n"
    "  'MetadataOptions': {'State': 'applied', 'HttpTokens': 'optional', "
    "'HttpPutResponseHopLimit': 2, 'HttpEndpoint': 'enabled'},\n"
    "  'SourceDestCheck': false,\n"
    "  'SecurityGroups': [{'GroupId': 'sg-1', 'GroupName': 'web'}, {'GroupId': 'sg-2'}],\n"
    "  'BlockDeviceMappings': [{'DeviceName': '/dev/xvda', 'Ebs': {'VolumeId': 'vol-1'}}],\n"
    "  'Tags': [{'Key': 'Name', 'Value': 'web-1'}],\n"
    "  'NetworkInterfaces': [\n"
    "   {'NetworkInterfaceId': 'eni-1', 'OwnerId': '111122223333', 'SubnetId': 'subnet-a',\n"
    "    'VpcId': 'vpc-1', 'SourceDestCheck': false, 'Status': 'in-use',\n"
    "    'InterfaceType': 'interface',\n"
    "    'Groups': [{'GroupId': 'sg-1'}],\n"
    "    'Association': {'PublicIp': '54.1.2.3', 'IpOwnerId': 'amazon'},\n"
    "    'PrivateIpAddress': '10.0.0.5',\n"
    "    'PrivateIpAddresses': [\n"
    "      {'Primary': true, 'PrivateIpAddress': '10.0.0.5',\n"
    "       'Association': {'PublicIp': '54.1.2.3', 'IpOwnerId': 'amazon'}},\n"
    "      {'Primary': false, 'PrivateIpAddress': '10.0.0.6'}],\n"
    "    'Ipv6Addresses': [{'Ipv6Address': '2001:db8::5'}]},\n"
    "   {'NetworkInterfaceId': 'eni-2', 'Groups': [{'GroupId': 'sg-2'}],\n"
    "    'PrivateIpAddresses': [{'Primary': true, 'PrivateIpAddress': '10.0.1.9'}]}]},\n"
    " {'InstanceId': 'i-2', 'State': {'Name': 'stopped'}, 'Platform': 'windows',\n"
    "  'Placement': {'AvailabilityZone': 'ap-southeast-2a'}}\n"
    "]}]}";

static void test_instances(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_q(&m, "ec2-describe-instances.json", inst_q);
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.ninstances, 2);
	const struct mm_instance *x = &m.instances[0];
	assert_string_equal(x->r.id, "i-1");
	assert_string_equal(x->r.account, "111122223333");
	assert_string_equal(x->r.region, "ap-southeast-2");
	assert_string_equal(x->r.loc.ptr, "/Reservations/0/Instances/0");
	assert_string_equal(mm_tag(&x->r, "Name"), "web-1");
	assert_string_equal(x->state, "running");
	assert_string_equal(x->az, "ap-southeast-2b");
	assert_string_equal(x->vpc_id, "vpc-1");
	assert_string_equal(x->subnet_id, "subnet-a");
	assert_string_equal(x->image_id, "ami-1");
	assert_string_equal(x->type, "t3.micro");
	assert_string_equal(x->key_name, "k");
	assert_string_equal(x->platform, "Linux/UNIX");
	assert_string_equal(x->private_ip, "10.0.0.5");
	assert_string_equal(x->public_ip, "54.1.2.3");
	assert_string_equal(x->profile_arn, "arn:aws:iam::111122223333:instance-profile/web");
	assert_string_equal(x->launch_time, "2024-01-01T00:00:00Z");
	assert_string_equal(x->imds.http_tokens, "optional");
	assert_string_equal(x->imds.http_endpoint, "enabled");
	assert_string_equal(x->imds.state, "applied");
	assert_int_equal(x->imds.hop_limit, 2);
	assert_string_equal(x->imds.loc.ptr, "/Reservations/0/Instances/0/MetadataOptions");
	assert_true(tri_eq(x->source_dest_check, MM_NO));
	assert_int_equal(x->ngroups, 2);
	assert_string_equal(x->groups[1], "sg-2");
	assert_int_equal(x->nvolumes, 1);
	assert_string_equal(x->volumes[0], "vol-1");
	assert_int_equal(x->nenis, 2);
	assert_string_equal(x->enis[1], "eni-2");
	const struct mm_instance *y = &m.instances[1];
	assert_string_equal(y->platform, "windows");
	assert_null(y->imds.http_tokens);
	assert_int_equal(y->imds.hop_limit, -1);
	assert_true(tri_eq(y->source_dest_check, MM_UNKNOWN));

	/* ENIs synthesised from the instance */
	assert_int_equal(m.nenis, 2);
	const struct mm_eni *e = &m.enis[0];
	assert_true(e->from_instance);
	assert_string_equal(e->r.id, "eni-1");
	assert_string_equal(e->r.account, "111122223333");
	assert_string_equal(e->r.region, "ap-southeast-2");
	assert_string_equal(e->r.loc.ptr, "/Reservations/0/Instances/0/NetworkInterfaces/0");
	assert_string_equal(e->instance_id, "i-1");
	assert_string_equal(e->subnet_id, "subnet-a");
	assert_string_equal(e->az, "ap-southeast-2b");
	assert_true(tri_eq(e->source_dest_check, MM_NO));
	assert_int_equal(e->ngroups, 1);
	assert_int_equal(e->nips, 2);
	assert_true(e->ips[0].primary);
	assert_string_equal(e->ips[0].public_ip, "54.1.2.3");
	assert_string_equal(e->ips[0].ip_owner, "amazon");
	assert_string_equal(e->ips[1].private_ip, "10.0.0.6");
	assert_null(e->ips[1].public_ip);
	assert_int_equal(e->nipv6, 1);
	assert_string_equal(e->ipv6[0], "2001:db8::5");
	assert_string_equal(m.enis[1].groups[0], "sg-2");
	assert_string_equal(m.enis[1].instance_id, "i-1");

	const struct mm_scope *sc = mm_scope_find(&m, "111122223333", "ap-southeast-2");
	assert_non_null(sc);
	assert_true(sc->have & (1ull << MM_K_INSTANCES));

	/* a bare top-level Instances array is accepted too */
	load_q(&m, "bare.json",
	       "{'Instances': [{'InstanceId': 'i-9', 'OwnerId': '999988887777',"
	       " 'Placement': {'AvailabilityZone': 'us-gov-west-1a'}}]}");
	assert_int_equal(m.ninstances, 3);
	assert_string_equal(m.instances[2].r.loc.ptr, "/Instances/0");
	assert_string_equal(m.instances[2].r.account, "999988887777");
	assert_string_equal(m.instances[2].r.region, "us-gov-west-1");
	mm_model_release(&m);
}

static const char eni_q[] =
    "{'NetworkInterfaces': [{'NetworkInterfaceId': 'eni-1', 'OwnerId': '111122223333',\n"
    " 'AvailabilityZone': 'ap-southeast-2b', 'Description': 'primary', 'Status': 'in-use',\n"
    " 'Attachment': {'InstanceId': 'i-1', 'DeviceIndex': 0},\n"
    " 'Groups': [{'GroupId': 'sg-1'}, {'GroupId': 'sg-3'}], 'InterfaceType': 'interface',\n"
    " 'RequesterManaged': true, 'SourceDestCheck': true, 'SubnetId': 'subnet-a', 'VpcId': "
    "'vpc-1',\n"
    " 'Association': {'PublicIp': '54.9.9.9', 'IpOwnerId': '111122223333'},\n"
    " 'PrivateIpAddress': '10.0.0.5',\n"
    " 'PrivateIpAddresses': [{'Primary': true, 'PrivateIpAddress': '10.0.0.5'}],\n"
    " 'Ipv6Addresses': [], 'TagSet': [{'Key': 'team', 'Value': 'x'}]},\n"
    " {'NetworkInterfaceId': 'eni-7', 'PrivateIpAddress': '10.0.3.3', 'Association': "
    "{'PublicIp': '3.3.3.3'}}]}";

static void test_network_interfaces(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_q(&m, "eni.json", eni_q);
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.nenis, 2);
	const struct mm_eni *e = &m.enis[0];
	assert_false(e->from_instance);
	assert_string_equal(e->r.region, "ap-southeast-2");
	assert_string_equal(e->instance_id, "i-1");
	assert_string_equal(e->desc, "primary");
	assert_string_equal(e->type, "interface");
	assert_string_equal(e->status, "in-use");
	assert_true(e->requester_managed);
	assert_true(tri_eq(e->source_dest_check, MM_YES));
	assert_int_equal(e->ngroups, 2);
	assert_string_equal(e->groups[1], "sg-3");
	/* the top-level Association belongs to the primary address */
	assert_int_equal(e->nips, 1);
	assert_string_equal(e->ips[0].public_ip, "54.9.9.9");
	assert_string_equal(mm_tag(&e->r, "team"), "x");
	/* no PrivateIpAddresses: one primary address from the top level */
	assert_int_equal(m.enis[1].nips, 1);
	assert_true(m.enis[1].ips[0].primary);
	assert_string_equal(m.enis[1].ips[0].private_ip, "10.0.3.3");
	assert_string_equal(m.enis[1].ips[0].public_ip, "3.3.3.3");
	mm_model_release(&m);
}

/* describe-network-interfaces wins over the ENI synthesised from the
 * instance, whichever file comes first */
static void test_eni_dedupe(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	write_q(dir, "a-network-interfaces.json", eni_q);
	write_q(dir, "b-instances.json", inst_q);
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_no_errors(&m);
	assert_int_equal(m.files_loaded, 2);
	/* eni-1 (both), eni-2 (instance only), eni-7 (describe only) */
	assert_int_equal(m.nenis, 3);
	const struct mm_eni *e1 = mm_find_eni(&m, "eni-1");
	assert_non_null(e1);
	assert_false(e1->from_instance);
	assert_string_equal(e1->ips[0].public_ip, "54.9.9.9");
	assert_string_equal(e1->r.loc.file, "a-network-interfaces.json");
	const struct mm_eni *e2 = mm_find_eni(&m, "eni-2");
	assert_non_null(e2);
	assert_true(e2->from_instance);
	assert_non_null(mm_find_eni(&m, "eni-7"));
	assert_non_null(mm_find_instance(&m, "i-1"));
	mm_model_release(&m);
	rm_tree(dir);
}

/* ------------------------------------------------------------------ */
/* VPCs, subnets, gateways, peering, addresses                         */

static void test_vpc_network(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_q(&m, "v.json",
	       "{'Vpcs': [{'VpcId': 'vpc-1', 'OwnerId': '111122223333', 'State': 'available',"
	       " 'IsDefault': true, 'CidrBlock': '10.0.0.0/16',"
	       " 'CidrBlockAssociationSet': [{'CidrBlock': '10.0.0.0/16', 'CidrBlockState': "
	       "{'State': 'associated'}},"
	       "   {'CidrBlock': '10.1.0.0/16', 'CidrBlockState': {'State': 'disassociated'}}],"
	       " 'Ipv6CidrBlockAssociationSet': [{'Ipv6CidrBlock': '2600:1f16::/56',"
	       "   'Ipv6CidrBlockState': {'State': 'associated'}}]},"
	       " {'VpcId': 'vpc-2', 'CidrBlock': '172.31.0.0/16'}]}");
	load_q(&m, "s.json",
	       "{'Subnets': [{'SubnetId': 'subnet-a', 'VpcId': 'vpc-1', 'CidrBlock': "
	       "'10.0.1.0/24',"
	       " 'AvailabilityZone': 'us-west-2c', 'MapPublicIpOnLaunch': true, 'DefaultForAz': "
	       "false,"
	       " 'AssignIpv6AddressOnCreation': false, 'OwnerId': '111122223333',"
	       " 'SubnetArn': 'arn:aws:ec2:us-west-2:111122223333:subnet/subnet-a',"
	       " 'Ipv6CidrBlockAssociationSet': [{'Ipv6CidrBlock': '2600:1f16::/64',"
	       "   'Ipv6CidrBlockState': {'State': 'associated'}}]},"
	       " {'SubnetId': 'subnet-b', 'CidrBlock': '10.0.2.0/24'}]}");
	load_q(&m, "g.json",
	       "{'InternetGateways': [{'InternetGatewayId': 'igw-1', 'OwnerId': '111122223333',"
	       " 'Attachments': [{'State': 'available', 'VpcId': 'vpc-1'}]},"
	       " {'InternetGatewayId': 'igw-2', 'Attachments': []}]}");
	load_q(&m, "e.json",
	       "{'EgressOnlyInternetGateways': [{'EgressOnlyInternetGatewayId': 'eigw-1',"
	       " 'Attachments': [{'State': 'attached', 'VpcId': 'vpc-1'}]}]}");
	load_q(&m, "n.json",
	       "{'NatGateways': [{'NatGatewayId': 'nat-1', 'VpcId': 'vpc-1', 'SubnetId': "
	       "'subnet-a',"
	       " 'State': 'available', 'ConnectivityType': 'public',"
	       " 'NatGatewayAddresses': [{'PublicIp': '3.1.1.1', 'PrivateIp': '10.0.1.9',"
	       "   'NetworkInterfaceId': 'eni-n', 'AllocationId': 'eipalloc-1'}]}]}");
	load_q(&m, "p.json",
	       "{'VpcPeeringConnections': [{'VpcPeeringConnectionId': 'pcx-1',"
	       " 'Status': {'Code': 'active'},"
	       " 'RequesterVpcInfo': {'VpcId': 'vpc-1', 'OwnerId': '111122223333', 'Region': "
	       "'us-west-2',"
	       "   'CidrBlock': '10.0.0.0/16', 'CidrBlockSet': [{'CidrBlock': '10.0.0.0/16'}, "
	       "{'CidrBlock': '10.2.0.0/16'}],"
	       "   'Ipv6CidrBlockSet': [{'Ipv6CidrBlock': '2600:1f16::/56'}]},"
	       " 'AccepterVpcInfo': {'VpcId': 'vpc-9', 'OwnerId': '444455556666', 'Region': "
	       "'eu-central-1',"
	       "   'CidrBlock': '192.168.0.0/16'}}]}");
	load_q(&m, "a.json",
	       "{'Addresses': [{'PublicIp': '3.2.2.2', 'AllocationId': 'eipalloc-2',"
	       " 'AssociationId': 'eipassoc-1', 'Domain': 'vpc', 'InstanceId': 'i-1',"
	       " 'NetworkInterfaceId': 'eni-1', 'PrivateIpAddress': '10.0.1.5',"
	       " 'NetworkInterfaceOwnerId': '111122223333', 'NetworkBorderGroup': 'us-west-2'},"
	       " {'PublicIp': '3.3.3.3', 'Domain': 'standard'}]}");
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.files_loaded, 7);

	assert_int_equal(m.nvpcs, 2);
	assert_true(m.vpcs[0].is_default);
	assert_string_equal(m.vpcs[0].state, "available");
	assert_int_equal(m.vpcs[0].ncidrs, 2);
	assert_cidr(&m.vpcs[0].cidrs[0], "10.0.0.0/16");
	assert_cidr(&m.vpcs[0].cidrs[1], "2600:1f16::/56");
	assert_int_equal(m.vpcs[1].ncidrs, 1);
	assert_cidr(&m.vpcs[1].cidrs[0], "172.31.0.0/16");

	assert_int_equal(m.nsubnets, 2);
	const struct mm_subnet *s = &m.subnets[0];
	assert_string_equal(s->r.region, "us-west-2");
	assert_string_equal(s->r.arn, "arn:aws:ec2:us-west-2:111122223333:subnet/subnet-a");
	assert_cidr(&s->cidr, "10.0.1.0/24");
	assert_int_equal(s->ncidr6, 1);
	assert_true(tri_eq(s->map_public_ip, MM_YES));
	assert_true(tri_eq(s->assign_ipv6, MM_NO));
	assert_false(s->default_for_az);
	assert_true(tri_eq(m.subnets[1].map_public_ip, MM_UNKNOWN));

	assert_int_equal(m.nigws, 3);
	assert_false(m.igws[0].egress_only);
	assert_int_equal(m.igws[0].natt, 1);
	assert_string_equal(m.igws[0].att[0].vpc_id, "vpc-1");
	assert_string_equal(m.igws[0].att[0].state, "available");
	assert_int_equal(m.igws[1].natt, 0);
	assert_true(m.igws[2].egress_only);
	assert_string_equal(m.igws[2].r.id, "eigw-1");

	assert_int_equal(m.nnats, 1);
	assert_int_equal(m.nats[0].naddr, 1);
	assert_string_equal(m.nats[0].public_ips[0], "3.1.1.1");
	assert_string_equal(m.nats[0].private_ips[0], "10.0.1.9");
	assert_string_equal(m.nats[0].enis[0], "eni-n");
	assert_string_equal(m.nats[0].connectivity, "public");

	assert_int_equal(m.npcxs, 1);
	const struct mm_pcx *p = &m.pcxs[0];
	assert_string_equal(p->status, "active");
	assert_string_equal(p->r.account, "111122223333");
	assert_string_equal(p->r.region, "us-west-2");
	assert_int_equal(p->req.ncidrs, 3);
	assert_cidr(&p->req.cidrs[1], "10.2.0.0/16");
	assert_string_equal(p->acc.owner, "444455556666");
	assert_string_equal(p->acc.region, "eu-central-1");
	assert_int_equal(p->acc.ncidrs, 1);

	assert_int_equal(m.neips, 2);
	assert_string_equal(m.eips[0].r.id, "eipalloc-2");
	assert_string_equal(m.eips[0].r.region, "us-west-2");
	assert_string_equal(m.eips[0].eni_id, "eni-1");
	assert_string_equal(m.eips[1].r.id, "3.3.3.3");
	mm_model_release(&m);
}

/* ------------------------------------------------------------------ */
/* prefix lists                                                        */

static void test_prefix_lists(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	/* describe-prefix-lists: inline CIDRs */
	write_q(dir, "111122223333/us-east-1/pls.json",
		"{'PrefixLists': [{'PrefixListId': 'pl-63a5400a', 'PrefixListName': "
		"'com.amazonaws.us-east-1.s3', 'Cidrs': ['54.231.0.0/17', '52.216.0.0/15']}]}");
	/* describe-managed-prefix-lists: no entries */
	write_q(
	    dir, "111122223333/us-east-1/managed.json",
	    "{'PrefixLists': [{'PrefixListId': 'pl-0abc', 'AddressFamily': 'IPv4', "
	    "'State': 'create-complete', 'PrefixListName': 'office',"
	    " 'PrefixListArn': 'arn:aws:ec2:us-east-1:111122223333:prefix-list/pl-0abc'},"
	    " {'PrefixListId': 'pl-0def', 'AddressFamily': 'IPv6', 'PrefixListName': 'v6'},"
	    " {'PrefixListId': 'pl-0nop', 'AddressFamily': 'IPv4', 'PrefixListName': 'none'}]}");
	/* entries: id from the file name, and from the wrapper */
	write_q(dir, "111122223333/us-east-1/get-managed-prefix-list-entries-pl-0abc.json",
		"{'Entries': [{'Cidr': '10.0.0.0/16', 'Description': 'a'}, {'Cidr': "
		"'10.2.0.0/16'}]}");
	write_q(dir, "111122223333/us-east-1/entries-wrapped.json",
		"{'PrefixListId': 'pl-0def', 'Entries': [{'Cidr': '2001:db8::/32'}]}");
	/* entries of a list describe-managed-prefix-lists did not return */
	write_q(dir, "111122223333/us-east-1/pl-0aaa.json",
		"{'Entries': [{'Cidr': '192.0.2.0/24'}]}");
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_no_errors(&m);
	assert_int_equal(m.diags.nr, 0);
	const struct mm_prefix_list *p = mm_find_pl(&m, "pl-63a5400a");
	assert_non_null(p);
	assert_true(p->have_entries);
	assert_int_equal(p->ncidrs, 2);
	assert_cidr(&p->cidrs[1], "52.216.0.0/15");
	p = mm_find_pl(&m, "pl-0abc");
	assert_non_null(p);
	assert_true(p->have_entries);
	assert_string_equal(p->name, "office");
	assert_string_equal(p->family, "IPv4");
	assert_int_equal(p->ncidrs, 2);
	assert_cidr(&p->cidrs[0], "10.0.0.0/16");
	p = mm_find_pl(&m, "pl-0def");
	assert_true(p->have_entries);
	assert_int_equal(p->ncidrs, 1);
	assert_cidr(&p->cidrs[0], "2001:db8::/32");
	p = mm_find_pl(&m, "pl-0nop");
	assert_false(p->have_entries);
	assert_int_equal(p->ncidrs, 0);
	p = mm_find_pl(&m, "pl-0aaa");
	assert_non_null(p);
	assert_true(p->have_entries);
	assert_string_equal(p->r.account, "111122223333");
	assert_string_equal(p->r.region, "us-east-1");
	assert_int_equal(m.npls, 5);
	const struct mm_scope *sc = mm_scope_find(&m, "111122223333", "us-east-1");
	assert_true(sc->have & (1ull << MM_K_PREFIX_LISTS));
	assert_true(sc->have & (1ull << MM_K_PL_ENTRIES));
	mm_model_release(&m);
	rm_tree(dir);

	/* through buffers: entries first, then the describe record */
	mm_model_init(&m);
	load_q(&m, "pl-0abc.json", "{'Entries': [{'Cidr': '10.0.0.0/16'}]}");
	assert_int_equal(m.npls, 1);
	load_q(&m, "m.json",
	       "{'PrefixLists': [{'PrefixListId': 'pl-0abc', 'PrefixListName': 'office'}]}");
	assert_int_equal(m.npls, 1);
	assert_string_equal(m.pls[0].name, "office");
	assert_true(m.pls[0].have_entries);
	assert_int_equal(m.pls[0].ncidrs, 1);
	/* entries that name no list: a warning, nothing attributed */
	load_q(&m, "entries.json", "{'Entries': [{'Cidr': '10.9.0.0/16'}]}");
	assert_int_equal(m.diags.nr_errors, 0);
	assert_int_equal(m.diags.nr_warnings, 1);
	assert_int_equal(m.npls, 1);
	mm_model_release(&m);
}

/* ------------------------------------------------------------------ */
/* load balancers                                                      */

#define LB_ARN "arn:aws:elasticloadbalancing:us-east-2:111122223333:loadbalancer/app/web/50dc"
#define TG_ARN \
	"arn:aws:elasticloadbalancing:us-east-2:111122223333:targetgroup/tg1/73e2d6bc24d8a067"
#define TG2_ARN \
	"arn:aws:elasticloadbalancing:us-east-2:111122223333:targetgroup/tg2/0000aaaa1111bbbb"

static void test_load_balancers(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	/* listeners before their load balancer */
	load_q(&m, "listeners.json",
	       "{'Listeners': [{'ListenerArn': 'l-1', 'LoadBalancerArn': '" LB_ARN "',"
	       " 'Port': 443, 'Protocol': 'HTTPS',"
	       " 'DefaultActions': [{'Type': 'forward', 'TargetGroupArn': '" TG_ARN "'}]},"
	       " {'ListenerArn': 'l-2', 'LoadBalancerArn': '" LB_ARN "', 'Port': 80, 'Protocol': "
	       "'HTTP',"
	       " 'DefaultActions': [{'Type': 'redirect'}, {'Type': 'forward', 'ForwardConfig':"
	       "  {'TargetGroups': [{'TargetGroupArn': '" TG_ARN "'}, {'TargetGroupArn': '" TG2_ARN
	       "'}]}}]}]}");
	assert_int_equal(m.nlbs, 0);
	load_q(&m, "lbs.json",
	       "{'LoadBalancers': [{'LoadBalancerArn': '" LB_ARN "', 'LoadBalancerName': 'web',"
	       " 'Scheme': 'internet-facing', 'Type': 'application', 'VpcId': 'vpc-1',"
	       " 'State': {'Code': 'active'}, 'SecurityGroups': ['sg-1'],"
	       " 'AvailabilityZones': [{'ZoneName': 'us-east-2a', 'SubnetId': 'subnet-a'},"
	       "   {'ZoneName': 'us-east-2b', 'SubnetId': 'subnet-b'}]}]}");
	load_q(&m, "tgs.json",
	       "{'TargetGroups': [{'TargetGroupArn': '" TG_ARN "', 'TargetGroupName': 'tg1',"
	       " 'Protocol': 'HTTP', 'Port': 8080, 'VpcId': 'vpc-1', 'TargetType': 'instance',"
	       " 'LoadBalancerArns': ['" LB_ARN "']},"
	       " {'TargetGroupArn': '" TG2_ARN "', 'TargetGroupName': 'tg2', 'Port': 80}]}");
	/* target health: id in the file name, and the Batfish wrapper */
	load_q(&m, "elbv2-describe-target-health-tg1-73e2d6bc24d8a067.json",
	       "{'TargetHealthDescriptions': [{'Target': {'Id': 'i-1', 'Port': 8080},"
	       " 'HealthCheckPort': '8080', 'TargetHealth': {'State': 'healthy'}},"
	       " {'Target': {'Id': 'i-2'}, 'TargetHealth': {'State': 'unhealthy'}}]}");
	load_q(&m, "th.json",
	       "{'LoadBalancerTargetHealth': [{'TargetGroupArn': '" TG2_ARN "',"
	       " 'TargetHealthDescriptions': [{'Target': {'Id': '10.0.0.9', 'Port': 80,"
	       " 'AvailabilityZone': 'all'}, 'TargetHealth': {'State': 'healthy'}}]}]}");
	load_q(&m, "classic.json",
	       "{'LoadBalancerDescriptions': [{'LoadBalancerName': 'old', 'Scheme': "
	       "'internet-facing',"
	       " 'VPCId': 'vpc-1', 'Subnets': ['subnet-a'], 'SecurityGroups': ['sg-9'],"
	       " 'AvailabilityZones': ['us-east-2a'],"
	       " 'ListenerDescriptions': [{'Listener': {'Protocol': 'HTTP', 'LoadBalancerPort': 80,"
	       "   'InstanceProtocol': 'HTTP', 'InstancePort': 8080}, 'PolicyNames': []}],"
	       " 'Instances': [{'InstanceId': 'i-1'}, {'InstanceId': 'i-3'}]}]}");
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.nlbs, 2);
	const struct mm_lb *b = &m.lbs[0];
	assert_string_equal(b->r.id, LB_ARN);
	assert_string_equal(b->r.account, "111122223333");
	assert_string_equal(b->r.region, "us-east-2");
	assert_string_equal(b->name, "web");
	assert_string_equal(b->scheme, "internet-facing");
	assert_string_equal(b->type, "application");
	assert_string_equal(b->state, "active");
	assert_false(b->classic);
	assert_int_equal(b->nsubnets, 2);
	assert_int_equal(b->ngroups, 1);
	assert_true(b->have_listeners);
	assert_int_equal(b->nlisteners, 2);
	assert_int_equal(b->listeners[0].port, 443);
	assert_string_equal(b->listeners[0].protocol, "HTTPS");
	assert_int_equal(b->listeners[0].ntg, 1);
	assert_string_equal(b->listeners[0].target_groups[0], TG_ARN);
	assert_string_equal(b->listeners[0].loc.file, "listeners.json");
	assert_string_equal(b->listeners[0].loc.ptr, "/Listeners/0");
	assert_int_equal(b->listeners[1].ntg, 2);
	assert_string_equal(b->listeners[1].target_groups[1], TG2_ARN);

	const struct mm_lb *c = &m.lbs[1];
	assert_true(c->classic);
	assert_string_equal(c->r.id, "old");
	assert_string_equal(c->r.region, "us-east-2");
	assert_string_equal(c->vpc_id, "vpc-1");
	assert_true(c->have_listeners);
	assert_int_equal(c->nlisteners, 1);
	assert_int_equal(c->listeners[0].port, 80);
	assert_int_equal(c->listeners[0].instance_port, 8080);
	assert_string_equal(c->listeners[0].instance_protocol, "HTTP");
	assert_string_equal(c->listeners[0].loc.ptr,
			    "/LoadBalancerDescriptions/0/ListenerDescriptions/0");
	assert_int_equal(c->ninstances, 2);
	assert_string_equal(c->instances[1], "i-3");
	assert_int_equal(c->r.ntags, 0);

	assert_int_equal(m.ntgs, 2);
	const struct mm_tg *t = &m.tgs[0];
	assert_int_equal(t->port, 8080);
	assert_string_equal(t->target_type, "instance");
	assert_int_equal(t->nlbs, 1);
	assert_true(t->have_targets);
	assert_int_equal(t->ntargets, 2);
	assert_string_equal(t->targets[0].id, "i-1");
	assert_int_equal(t->targets[0].port, 8080);
	assert_string_equal(t->targets[0].health, "healthy");
	assert_int_equal(t->targets[1].port, 0);
	assert_string_equal(t->targets[1].loc.ptr, "/TargetHealthDescriptions/1");
	t = &m.tgs[1];
	assert_true(t->have_targets);
	assert_int_equal(t->ntargets, 1);
	assert_string_equal(t->targets[0].id, "10.0.0.9");
	assert_string_equal(t->targets[0].az, "all");
	assert_string_equal(t->targets[0].loc.ptr,
			    "/LoadBalancerTargetHealth/0/TargetHealthDescriptions/0");
	mm_model_release(&m);
}

/* listeners and health whose owner never shows up: warnings at the end */
static void test_orphans(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	write_q(dir, "l.json",
		"{'LoadBalancerListeners': [{'LoadBalancerArn': 'arn:x', 'Listeners': [{'Port': "
		"80}]}]}");
	write_q(dir, "th-0123456789abcdef.json",
		"{'TargetHealthDescriptions': [{'Target': {'Id': 'i-1'}}]}");
	write_q(dir, "perm.json", "{'SnapshotId': 'snap-1', 'CreateVolumePermissions': []}");
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.diags.nr_errors, 0);
	assert_int_equal(m.diags.nr_warnings, 3);
	assert_non_null(find_diag(&m, "arn:x"));
	assert_non_null(find_diag(&m, "snap-1"));
	/* no placeholder records */
	assert_int_equal(m.nlbs, 0);
	assert_int_equal(m.nsnapshots, 0);
	assert_int_equal(m.ntgs, 0);
	assert_int_equal(m.files_loaded, 3);
	mm_model_release(&m);
	rm_tree(dir);
}

/* ------------------------------------------------------------------ */
/* storage, images, flow logs, launch templates, account settings      */

static void test_storage_images(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	/* permissions before the snapshot they describe */
	load_q(&m, "snap-attr.json",
	       "{'SnapshotId': 'snap-1', 'CreateVolumePermissions': [{'Group': 'all'}]}");
	load_q(&m, "snap-attr2.json",
	       "{'SnapshotId': 'snap-2', 'CreateVolumePermissions': [{'UserId': '444455556666'}]}");
	assert_int_equal(m.nsnapshots, 0);
	load_q(&m, "snaps.json",
	       "{'Snapshots': [{'SnapshotId': 'snap-1', 'OwnerId': '111122223333', 'Encrypted': "
	       "false,"
	       " 'VolumeId': 'vol-1', 'State': 'completed'},"
	       " {'SnapshotId': 'snap-2', 'Encrypted': true},"
	       " {'SnapshotId': 'snap-3', 'Encrypted': true}]}");
	load_q(&m, "vols.json",
	       "{'Volumes': [{'VolumeId': 'vol-1', 'AvailabilityZone': 'eu-west-1a', 'Encrypted': "
	       "false,"
	       " 'Size': 8, 'State': 'in-use', 'KmsKeyId': 'k',"
	       " 'Attachments': [{'InstanceId': 'i-1', 'State': 'attached'}]}]}");
	load_q(&m, "imgs.json",
	       "{'Images': [{'ImageId': 'ami-1', 'Name': 'n', 'OwnerId': '111122223333', 'Public': "
	       "false,"
	       " 'State': 'available', 'ImdsSupport': 'v2.0',"
	       " 'BlockDeviceMappings': [{'Ebs': {'Encrypted': true}}, {'Ebs': {'Encrypted': "
	       "false}}]},"
	       " {'ImageId': 'ami-2', 'BlockDeviceMappings': [{'Ebs': {'Encrypted': true}}]},"
	       " {'ImageId': 'ami-3'}]}");
	load_q(&m, "img-attr.json",
	       "{'ImageId': 'ami-1', 'LaunchPermissions': [{'Group': 'all'}]}");
	load_q(&m, "fl.json",
	       "{'FlowLogs': [{'FlowLogId': 'fl-1', 'ResourceId': 'vpc-1', 'FlowLogStatus': "
	       "'ACTIVE',"
	       " 'TrafficType': 'ALL', 'DeliverLogsStatus': 'SUCCESS',"
	       " 'DeliverLogsPermissionArn': 'arn:aws:iam::111122223333:role/fl'}]}");
	load_q(&m, "lt.json",
	       "{'LaunchTemplateVersions': [{'LaunchTemplateId': 'lt-1', 'LaunchTemplateName': "
	       "'web',"
	       " 'VersionNumber': 3, 'DefaultVersion': true,"
	       " 'LaunchTemplateData': {'MetadataOptions': {'HttpTokens': 'required', "
	       "'HttpPutResponseHopLimit': 1},"
	       "   'NetworkInterfaces': [{'DeviceIndex': 0, 'AssociatePublicIpAddress': true}]}},"
	       " {'LaunchTemplateId': 'lt-1', 'VersionNumber': 2, 'DefaultVersion': false,"
	       " 'LaunchTemplateData': {'NetworkInterfaces': [{'AssociatePublicIpAddress': "
	       "false}]}},"
	       " {'LaunchTemplateId': 'lt-1', 'VersionNumber': 1, 'LaunchTemplateData': {}}]}");
	assert_int_equal(m.diags.nr, 0);

	assert_int_equal(m.nsnapshots, 3);
	assert_true(tri_eq(m.snapshots[0].is_public, MM_YES));
	assert_string_equal(m.snapshots[0].perm_loc.file, "snap-attr.json");
	assert_string_equal(m.snapshots[0].perm_loc.ptr, "/CreateVolumePermissions");
	assert_true(tri_eq(m.snapshots[0].encrypted, MM_NO));
	assert_string_equal(m.snapshots[0].volume_id, "vol-1");
	assert_true(tri_eq(m.snapshots[1].is_public, MM_NO));
	assert_int_equal(m.snapshots[1].nshared, 1);
	assert_string_equal(m.snapshots[1].shared_with[0], "444455556666");
	assert_true(tri_eq(m.snapshots[2].is_public, MM_UNKNOWN));

	assert_int_equal(m.nvolumes, 1);
	assert_true(tri_eq(m.volumes[0].encrypted, MM_NO));
	assert_int_equal(m.volumes[0].size, 8);
	assert_string_equal(m.volumes[0].r.region, "eu-west-1");
	assert_int_equal(m.volumes[0].ninstances, 1);
	assert_string_equal(m.volumes[0].instances[0], "i-1");

	assert_int_equal(m.nimages, 3);
	assert_true(tri_eq(m.images[0].is_public, MM_YES)); /* launch permission wins */
	assert_true(tri_eq(m.images[0].all_encrypted, MM_NO));
	assert_string_equal(m.images[0].imds_support, "v2.0");
	assert_true(tri_eq(m.images[1].all_encrypted, MM_YES));
	assert_true(tri_eq(m.images[1].is_public, MM_UNKNOWN));
	assert_true(tri_eq(m.images[2].all_encrypted, MM_UNKNOWN));

	assert_int_equal(m.nflow_logs, 1);
	assert_string_equal(m.flow_logs[0].resource_id, "vpc-1");
	assert_string_equal(m.flow_logs[0].r.account, "111122223333");

	assert_int_equal(m.nlt_versions, 3);
	const struct mm_lt_version *v = &m.lt_versions[0];
	assert_string_equal(v->r.id, "lt-1:3");
	assert_int_equal(v->version, 3);
	assert_true(v->is_default);
	assert_string_equal(v->imds.http_tokens, "required");
	assert_int_equal(v->imds.hop_limit, 1);
	assert_string_equal(v->imds.loc.ptr,
			    "/LaunchTemplateVersions/0/LaunchTemplateData/MetadataOptions");
	assert_true(tri_eq(v->public_ip, MM_YES));
	assert_true(tri_eq(m.lt_versions[1].public_ip, MM_NO));
	assert_true(tri_eq(m.lt_versions[2].public_ip, MM_UNKNOWN));
	assert_null(m.lt_versions[2].imds.http_tokens);
	mm_model_release(&m);
}

static void test_account_settings(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_q(&m, "111122223333/eu-north-1/ebs.json", "{'EbsEncryptionByDefault': false}");
	load_q(&m, "111122223333/eu-north-1/imds.json",
	       "{'AccountLevel': {'HttpTokens': 'required', 'HttpPutResponseHopLimit': 1,"
	       " 'HttpEndpoint': 'enabled', 'InstanceMetadataTags': 'disabled'}}");
	load_q(&m, "111122223333/eu-north-1/serial.json", "{'SerialConsoleAccessEnabled': true}");
	load_q(&m, "111122223333/eu-south-2/imds.json", "{'AccountLevel': {}}");
	assert_int_equal(m.diags.nr, 0);
	const struct mm_scope *s = mm_scope_find(&m, "111122223333", "eu-north-1");
	assert_non_null(s);
	assert_true(tri_eq(s->ebs_default, MM_NO));
	assert_string_equal(s->ebs_loc.file, "111122223333/eu-north-1/ebs.json");
	assert_string_equal(s->ebs_loc.ptr, "/EbsEncryptionByDefault");
	assert_true(s->have_imds_default);
	assert_string_equal(s->imds_default.http_tokens, "required");
	assert_int_equal(s->imds_default.hop_limit, 1);
	assert_string_equal(s->imds_default.loc.ptr, "/AccountLevel");
	assert_true(tri_eq(s->serial_console, MM_YES));
	assert_string_equal(s->serial_loc.ptr, "/SerialConsoleAccessEnabled");
	assert_true(s->have & (1ull << MM_K_EBS_DEFAULT));
	assert_true(s->have & (1ull << MM_K_IMDS_DEFAULTS));
	assert_true(s->have & (1ull << MM_K_SERIAL_CONSOLE));
	s = mm_scope_find(&m, "111122223333", "eu-south-2");
	assert_true(s->have_imds_default);
	assert_null(s->imds_default.http_tokens); /* no preference */
	assert_int_equal(s->imds_default.hop_limit, -1);
	assert_true(tri_eq(s->ebs_default, MM_UNKNOWN));
	mm_model_release(&m);
}

/* ------------------------------------------------------------------ */
/* IAM                                                                 */

/* {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":
 *  {"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]} URL-encoded */
#define TRUST_ENC                                                                                  \
	"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22" \
	"%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22"  \
	"sts%3AAssumeRole%22%7D%5D%7D"

static void test_iam(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_q(
	    &m, "iam.json",
	    "{'RoleDetailList': [{'RoleName': 'web', 'Arn': "
	    "'arn:aws:iam::111122223333:role/web',"
	    " 'AssumeRolePolicyDocument': '" TRUST_ENC "',"
	    " 'RolePolicyList': [{'PolicyName': 'p', 'PolicyDocument': "
	    "'%7B%22Statement%22%3A%5B%5D%7D'}],"
	    " 'AttachedManagedPolicies': [{'PolicyName': 'S3', 'PolicyArn': "
	    "'arn:aws:iam::aws:policy/S3'}],"
	    " 'PermissionsBoundary': {'PermissionsBoundaryArn': 'arn:b'},"
	    " 'Tags': [{'Key': 'env', 'Value': 'prod'}],"
	    " 'InstanceProfileList': [{'InstanceProfileName': 'web-prof', 'Arn': "
	    "'arn:aws:iam::111122223333:instance-profile/web-prof',"
	    "   'Roles': [{'RoleName': 'web'}]}]},"
	    " {'RoleName': 'cli', 'Arn': 'arn:aws:iam::111122223333:role/cli',"
	    "  'AssumeRolePolicyDocument': {'Version': '2012-10-17', 'Statement': []},"
	    "  'InstanceProfileList': []}],"
	    " 'UserDetailList': [{'UserName': 'u', 'UserPolicyList': [{'PolicyName': 'x',"
	    "   'PolicyDocument': '%7B%7D'}]}],"
	    " 'GroupDetailList': [],"
	    " 'Policies': [{'PolicyName': 'admin', 'Arn': "
	    "'arn:aws:iam::111122223333:policy/admin',"
	    "   'DefaultVersionId': 'v2', 'PolicyVersionList': ["
	    "     {'VersionId': 'v1', 'IsDefaultVersion': false, 'Document': {'Statement': 'old'}},"
	    "     {'VersionId': 'v2', 'IsDefaultVersion': true, 'Document': "
	    "'%7B%22Statement%22%3A%22new%22%7D'}]},"
	    "  {'PolicyName': 'aws-managed', 'Arn': 'arn:aws:iam::aws:policy/ReadOnly',"
	    "   'PolicyVersionList': [{'VersionId': 'v7', 'IsDefaultVersion': true,"
	    "     'Document': {'Statement': [{'Effect': 'Allow', 'Action': '*:Get*'}]}}]}],"
	    " 'IsTruncated': false}");
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.nroles, 2);
	const struct mm_iam_role *r = &m.roles[0];
	assert_string_equal(r->r.id, "web");
	assert_string_equal(r->r.arn, "arn:aws:iam::111122223333:role/web");
	assert_string_equal(r->r.account, "111122223333");
	assert_string_equal(r->r.region, "global");
	assert_string_equal(mm_tag(&r->r, "env"), "prod");
	assert_non_null(r->trust);
	assert_int_equal(r->trust->type, JSON_OBJECT);
	const struct json *stmt = json_at(json_get(r->trust, "Statement"), 0);
	assert_string_equal(json_str(json_get(stmt, "Principal"), "Service"), "ec2.amazonaws.com");
	assert_string_equal(json_str(stmt, "Action"), "sts:AssumeRole");
	/* the raw DOM is decoded in place too */
	assert_int_equal(json_get(r->r.raw, "AssumeRolePolicyDocument")->type, JSON_OBJECT);
	assert_int_equal(json_len(r->inline_p), 1);
	assert_int_equal(json_get(json_at(r->inline_p, 0), "PolicyDocument")->type, JSON_OBJECT);
	assert_int_equal(json_len(r->attached), 1);
	assert_non_null(r->boundary);
	assert_int_equal(m.roles[1].trust->type, JSON_OBJECT);

	assert_int_equal(m.nprofiles, 1);
	const struct mm_iam_profile *p = &m.profiles[0];
	assert_string_equal(p->r.id, "arn:aws:iam::111122223333:instance-profile/web-prof");
	assert_string_equal(p->name, "web-prof");
	assert_int_equal(p->nroles, 1);
	assert_string_equal(p->roles[0], "web");
	assert_string_equal(p->r.loc.ptr, "/RoleDetailList/0/InstanceProfileList/0");
	assert_string_equal(p->r.region, "global");

	assert_int_equal(m.npolicies, 2);
	assert_string_equal(json_str(m.policies[0].document, "Statement"), "new");
	assert_string_equal(m.policies[0].r.account, "111122223333");
	assert_non_null(m.policies[1].document);
	/* AWS managed policy: account from the other resources of the file */
	assert_string_equal(m.policies[1].r.account, "111122223333");

	const struct mm_scope *s = mm_scope_find(&m, "111122223333", "global");
	assert_non_null(s);
	assert_true(s->have & (1ull << MM_K_IAM));
	/* mm_have: IAM counts for any region of the account */
	mm_model_index(&m);
	struct mm_res probe = { .account = "111122223333", .region = "us-east-1" };
	assert_true(mm_have(&m, &probe, MM_K_IAM));
	mm_model_release(&m);
}

/* ------------------------------------------------------------------ */
/* scopes, recognition, account and region                             */

static void test_empty_lists_set_have(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	load_q(&m, "123456789012/us-east-1/a.json", "{'SecurityGroups': []}");
	load_q(&m, "123456789012/us-east-1/b.json", "{'NetworkAcls': [], 'NextToken': null}");
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.files_loaded, 2);
	const struct mm_scope *s = mm_scope_find(&m, "123456789012", "us-east-1");
	assert_non_null(s);
	assert_true(s->have & (1ull << MM_K_SGS));
	assert_true(s->have & (1ull << MM_K_NACLS));
	assert_false(s->have & (1ull << MM_K_RTBS));
	mm_model_index(&m);
	struct mm_res probe = { .account = "123456789012", .region = "us-east-1" };
	assert_true(mm_have(&m, &probe, MM_K_NACLS));
	assert_false(mm_have(&m, &probe, MM_K_RTBS));
	mm_model_release(&m);
}

static void test_recognition_by_key(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	/* names that lie about their content */
	write_q(dir, "Subnets.json", "{'SecurityGroups': [{'GroupId': 'sg-x'}]}");
	write_q(dir, "ec2-describe-security-groups.json",
		"{'Subnets': [{'SubnetId': 'subnet-x'}]}");
	write_q(dir, "instances.json.bak", "{'Reservations': []}");
	write_q(dir, "notes.txt", "hello");
	write_q(dir, "UPPER.JSON", "{'Vpcs': [{'VpcId': 'vpc-x'}]}");
	write_q(dir, "known-unused.json", "{'AvailabilityZones': [], 'VpnGateways': []}");
	write_q(dir, "tgw.json", "{'TransitGatewayRouteTables': []}");
	write_q(dir, "unknown.json", "{'Widgets': [1, 2], 'NextToken': 'x'}");
	write_q(dir, "array.json", "[1, 2]");
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_no_errors(&m);
	assert_int_equal(m.nsgs, 1);
	assert_string_equal(m.sgs[0].r.loc.file, "Subnets.json");
	assert_int_equal(m.nsubnets, 1);
	assert_string_equal(m.subnets[0].r.loc.file, "ec2-describe-security-groups.json");
	assert_int_equal(m.nvpcs, 1);
	assert_int_equal(m.ninstances, 0);
	assert_int_equal(m.files_loaded, 5);
	/* .bak and .txt skipped silently; unknown.json and array.json unrecognised */
	assert_int_equal(m.files_skipped, 4);
	assert_int_equal(m.diags.nr_warnings, 2);
	const struct mm_diag *d = find_diag(&m, "'Widgets'");
	assert_non_null(d);
	assert_int_equal(d->level, MM_DIAG_WARNING);
	assert_string_equal(d->file, "unknown.json");
	assert_non_null(strstr(d->msg, "unknown.json"));
	assert_non_null(find_diag(&m, "array.json"));
	mm_model_release(&m);
	rm_tree(dir);
}

static void test_account_region(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	/* <account>/<region>/ */
	write_q(dir, "111122223333/us-east-1/sg.json",
		"{'SecurityGroups': [{'GroupId': 'sg-a', 'OwnerId': '999999999999'}]}");
	/* CloudMapper: account-data/<name>/<region>/ — account from content */
	write_q(dir, "account-data/prod/me-central-1/ec2-describe-security-groups.json",
		"{'SecurityGroups': [{'GroupId': 'sg-b', 'OwnerId': '222233334444'}]}");
	write_q(dir, "account-data/prod/me-central-1/ec2-describe-network-acls.json",
		"{'NetworkAcls': []}");
	/* no path info: the region comes from the sibling file's content */
	write_q(dir, "batfish/aws_configs/Subnets.json",
		"{'Subnets': [{'SubnetId': 'subnet-c', 'OwnerId': '333344445555', "
		"'AvailabilityZone': 'cn-north-1a'}]}");
	write_q(dir, "batfish/aws_configs/SecurityGroups.json",
		"{'SecurityGroups': [{'GroupId': 'sg-c', 'OwnerId': '333344445555'}]}");
	write_q(dir, "batfish/aws_configs/Addresses.json", "{'Addresses': []}");
	/* ARN fields */
	write_q(
	    dir, "elb/lbs.json",
	    "{'LoadBalancers': [{'LoadBalancerArn': "
	    "'arn:aws:elasticloadbalancing:ap-northeast-3:555566667777:loadbalancer/app/x/1'}]}");
	/* nothing at all */
	write_q(dir, "misc/vpcs.json", "{'Vpcs': [{'VpcId': 'vpc-u'}]}");
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.diags.nr, 0);
	const struct mm_sg *a = mm_find_sg(&m, "sg-a");
	assert_string_equal(a->r.account, "111122223333"); /* the path wins */
	assert_string_equal(a->r.region, "us-east-1");
	const struct mm_sg *b = mm_find_sg(&m, "sg-b");
	assert_string_equal(b->r.account, "222233334444");
	assert_string_equal(b->r.region, "me-central-1");
	const struct mm_scope *s = mm_scope_find(&m, "222233334444", "me-central-1");
	assert_non_null(s);
	assert_true(s->have & (1ull << MM_K_SGS));
	assert_true(s->have & (1ull << MM_K_NACLS)); /* empty list, account from the sibling */
	const struct mm_sg *c = mm_find_sg(&m, "sg-c");
	assert_string_equal(c->r.account, "333344445555");
	assert_string_equal(c->r.region, "cn-north-1");
	s = mm_scope_find(&m, "333344445555", "cn-north-1");
	assert_true(s->have & (1ull << MM_K_SGS));
	assert_true(s->have & (1ull << MM_K_SUBNETS));
	assert_true(s->have & (1ull << MM_K_EIPS));
	const struct mm_lb *l = &m.lbs[0];
	assert_string_equal(l->r.account, "555566667777");
	assert_string_equal(l->r.region, "ap-northeast-3");
	const struct mm_vpc *v = mm_find_vpc(&m, "vpc-u");
	assert_string_equal(v->r.account, "unknown");
	assert_string_equal(v->r.region, "unknown");
	assert_non_null(mm_scope_find(&m, "unknown", "unknown"));
	mm_model_release(&m);
	rm_tree(dir);
}

/* Two accounts with the same ids: both kept. Walk order is sorted. */
static void test_multi_account_merge(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	write_q(dir, "222222222222/us-west-1/sg.json", "{'SecurityGroups': [{'GroupId': 'sg-1'}]}");
	write_q(dir, "111111111111/us-west-1/sg.json", "{'SecurityGroups': [{'GroupId': 'sg-1'}]}");
	write_q(dir, "111111111111/us-west-1/b/sg.json",
		"{'SecurityGroups': [{'GroupId': 'sg-2'}]}");
	write_q(dir, "111111111111/eu-west-1/sg.json", "{'SecurityGroups': [{'GroupId': 'sg-3'}]}");
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.nsgs, 4);
	assert_string_equal(m.sgs[0].r.loc.file, "111111111111/eu-west-1/sg.json");
	assert_string_equal(m.sgs[1].r.loc.file, "111111111111/us-west-1/b/sg.json");
	assert_string_equal(m.sgs[2].r.loc.file, "111111111111/us-west-1/sg.json");
	assert_string_equal(m.sgs[3].r.account, "222222222222");
	assert_string_equal(m.sgs[2].r.id, m.sgs[3].r.id);
	assert_string_equal(m.root, dir);
	mm_model_release(&m);

	/* one file as the path */
	char path[4096];
	snprintf(path, sizeof(path), "%s/111111111111/eu-west-1/sg.json", dir);
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, path, NULL), 0);
	assert_int_equal(m.nsgs, 1);
	assert_string_equal(m.sgs[0].r.account, "111111111111");
	assert_string_equal(m.sgs[0].r.region, "eu-west-1");
	assert_string_equal(m.sgs[0].r.loc.file, "sg.json");
	mm_model_release(&m);

	/* a path that does not exist: the only negative return */
	struct mm_err e = { 0 };
	snprintf(path, sizeof(path), "%s/nope", dir);
	mm_model_init(&m);
	assert_true(snapshot_load(&m, path, NULL, &e) < 0);
	assert_non_null(strstr(e.msg, "nope"));
	mm_model_release(&m);
	rm_tree(dir);
}

static void test_region_pattern(void **st)
{
	(void)st;
	static const char *const yes[] = { "us-east-1",	    "eu-west-3",  "ap-southeast-2",
					   "us-gov-west-1", "cn-north-1", "me-central-1",
					   "us-isob-east-1" };
	static const char *const no[] = { "us-east", "useast-1", "us-east-1a", "US-EAST-1",
					  "global",  "x-east-1", "us--1",      "us-east-1-" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		struct mm_model m;
		mm_model_init(&m);
		char name[128];
		snprintf(name, sizeof(name), "%s/v.json", yes[i]);
		load_q(&m, name, "{'Vpcs': [{'VpcId': 'vpc-1'}]}");
		assert_string_equal(m.vpcs[0].r.region, yes[i]);
		mm_model_release(&m);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct mm_model m;
		mm_model_init(&m);
		char name[128];
		snprintf(name, sizeof(name), "%s/v.json", no[i]);
		load_q(&m, name, "{'Vpcs': [{'VpcId': 'vpc-1'}]}");
		assert_string_equal(m.vpcs[0].r.region, "unknown");
		mm_model_release(&m);
	}
}

/* A symlink loop is reported and cut; a symlinked file is read. */
static void test_symlinks(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	write_q(dir, "real/v.json", "{'Vpcs': [{'VpcId': 'vpc-1'}]}");
	char a[4096], b[4096];
	snprintf(a, sizeof(a), "%s/real/loop", dir);
	assert_int_equal(symlink("..", a), 0);
	snprintf(a, sizeof(a), "%s/real/v.json", dir);
	snprintf(b, sizeof(b), "%s/link.json", dir);
	assert_int_equal(symlink(a, b), 0);
	snprintf(b, sizeof(b), "%s/dangling.json", dir);
	assert_int_equal(symlink("/nonexistent/x.json", b), 0);
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.nvpcs, 2); /* link.json and real/v.json, once each */
	assert_int_equal(m.files_loaded, 2);
	assert_int_equal(m.files_failed, 1); /* the dangling link */
	assert_non_null(find_diag(&m, "dangling.json"));
	assert_non_null(find_diag(&m, "loop"));
	mm_model_release(&m);
	rm_tree(dir);
}

/* ------------------------------------------------------------------ */
/* gzip                                                                */

static void test_gzip(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	write_gz(dir, "a/sg.json.gz", "{\"SecurityGroups\": [{\"GroupId\": \"sg-gz\"}]}");
	/* two concatenated members make one document */
	const char *part1 = "{\"Vpcs\": [{\"VpcId\": \"vpc-1\"},";
	const char *part2 = " {\"VpcId\": \"vpc-2\"}]}";
	struct strbuf sb = STRBUF_INIT;
	gzip_member(&sb, part1, strlen(part1));
	gzip_member(&sb, part2, strlen(part2));
	write_bytes(dir, "b/vpcs.json.gz", sb.buf, sb.len);
	/* truncated: the first 60% of a member */
	struct strbuf tb = STRBUF_INIT;
	const char *doc =
	    "{\"Subnets\": [{\"SubnetId\": \"subnet-1\", \"CidrBlock\": \"10.0.0.0/24\","
	    " \"VpcId\": \"vpc-1\", \"AvailabilityZone\": \"us-east-1a\"}]}";
	gzip_member(&tb, doc, strlen(doc));
	size_t cut = tb.len * 6 / 10;
	write_bytes(dir, "c/subnets.json.gz", tb.buf, cut);
	/* garbage that is not gzip at all */
	write_bytes(dir, "d/junk.json.gz", "not gzip data", 13);
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.nsgs, 1);
	assert_string_equal(m.sgs[0].r.id, "sg-gz");
	assert_string_equal(m.sgs[0].r.loc.file, "a/sg.json.gz");
	assert_int_equal(m.nvpcs, 2);
	assert_int_equal(m.nsubnets, 0);
	assert_int_equal(m.files_loaded, 2);
	assert_int_equal(m.files_failed, 2);
	const struct mm_diag *d = find_diag(&m, "c/subnets.json.gz");
	assert_non_null(d);
	assert_int_equal(d->level, MM_DIAG_ERROR);
	assert_non_null(strstr(d->msg, "truncated"));
	char off[64];
	snprintf(off, sizeof(off), "offset %zu", cut);
	assert_non_null(strstr(d->msg, off));
	d = find_diag(&m, "d/junk.json.gz");
	assert_non_null(d);
	assert_int_equal(d->level, MM_DIAG_ERROR);
	mm_model_release(&m);
	strbuf_release(&sb);
	strbuf_release(&tb);
	rm_tree(dir);
}

/* The size cap applies to decompressed bytes, for plain and gzip files. */
static void test_size_limit(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "{\"Vpcs\": [");
	for (int i = 0; i < 2000; i++)
		strbuf_addf(&sb, "%s{\"VpcId\": \"vpc-%d\"}", i ? "," : "", i);
	strbuf_addstr(&sb, "]}");
	write_file(dir, "big.json", sb.buf);
	write_gz(dir, "big2.json.gz", sb.buf);
	write_file(dir, "small.json", "{\"Vpcs\": []}");
	struct snapshot_opts o;
	memset(&o, 0, sizeof(o));
	o.max_file_size = 4096;
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, &o), 0);
	assert_int_equal(m.files_failed, 2);
	assert_int_equal(m.files_loaded, 1);
	const struct mm_diag *d = find_diag(&m, "big.json'");
	assert_non_null(d);
	assert_non_null(strstr(d->msg, "limit"));
	d = find_diag(&m, "big2.json.gz");
	assert_non_null(d);
	assert_non_null(strstr(d->msg, "limit"));
	mm_model_release(&m);
	/* without the cap both load */
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.nvpcs, 4000);
	assert_no_errors(&m);
	mm_model_release(&m);
	strbuf_release(&sb);
	rm_tree(dir);
}

/* raw-deflate `in` ending with `flush`, appending the output to sb */
static void deflate_part(z_stream *zs, struct strbuf *sb, const char *in, size_t n, int flush)
{
	unsigned char obuf[1 << 16];
	zs->next_in = (unsigned char *)(uintptr_t)in;
	zs->avail_in = (uInt)n;
	int r;
	do {
		zs->next_out = obuf;
		zs->avail_out = sizeof(obuf);
		r = deflate(zs, flush);
		strbuf_add(sb, obuf, sizeof(obuf) - zs->avail_out);
	} while (zs->avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
}

static void put_le32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
	strbuf_add(sb, b, 4);
}

/* A ~1 MB gzip file holding a JSON document with one 1 GiB string: refused
 * with a limit error, quickly, without inflating it all. The stream is one
 * gzip member built without deflating 1 GiB: after a full flush deflate
 * restarts from scratch, so each 1 MiB run of 'a' compresses to the same
 * bytes, which are repeated; the trailer's CRC comes from crc32_combine. */
static void test_huge_string_gzip(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	const char *head = "{\"SecurityGroups\": [{\"GroupId\": \"";
	const char *tail = "\"}]}";
	size_t chunk = 1 << 20, nchunks = 1024;
	char *as = malloc(chunk);
	memset(as, 'a', chunk);
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_RLE), Z_OK);
	struct strbuf h = STRBUF_INIT, c1 = STRBUF_INIT, c2 = STRBUF_INIT, t = STRBUF_INIT;
	deflate_part(&zs, &h, head, strlen(head), Z_FULL_FLUSH);
	deflate_part(&zs, &c1, as, chunk, Z_FULL_FLUSH);
	deflate_part(&zs, &c2, as, chunk, Z_FULL_FLUSH);
	deflate_part(&zs, &t, tail, strlen(tail), Z_FINISH);
	deflateEnd(&zs);
	assert_int_equal(c1.len, c2.len);
	assert_memory_equal(c1.buf, c2.buf, c1.len);
	uLong crc_a = crc32(0, (const unsigned char *)as, (uInt)chunk);
	uLong crc = crc32(0, (const unsigned char *)head, (uInt)strlen(head));
	struct strbuf out = STRBUF_INIT;
	static const unsigned char gzhead[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	strbuf_add(&out, gzhead, sizeof(gzhead));
	strbuf_add(&out, h.buf, h.len);
	for (size_t i = 0; i < nchunks; i++) {
		strbuf_add(&out, c1.buf, c1.len);
		crc = crc32_combine(crc, crc_a, (z_off_t)chunk);
	}
	strbuf_add(&out, t.buf, t.len);
	crc = crc32_combine(crc, crc32(0, (const unsigned char *)tail, (uInt)strlen(tail)),
			    (z_off_t)strlen(tail));
	put_le32(&out, (uint32_t)crc);
	put_le32(&out, (uint32_t)(strlen(head) + chunk * nchunks + strlen(tail)));
	free(as);
	strbuf_release(&h);
	strbuf_release(&c1);
	strbuf_release(&c2);
	strbuf_release(&t);
	assert_true(out.len < ((size_t)8 << 20));
	write_bytes(dir, "x/huge.json.gz", out.buf, out.len);
	write_file(dir, "x/ok.json", "{\"Vpcs\": [{\"VpcId\": \"vpc-ok\"}]}");
	strbuf_release(&out);
	struct mm_model m;
	mm_model_init(&m);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("1 GiB string refused in %.2f s\n",
		      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	assert_int_equal(m.files_failed, 1);
	assert_int_equal(m.nvpcs, 1);
	assert_int_equal(m.nsgs, 0);
	const struct mm_diag *d = find_diag(&m, "x/huge.json.gz");
	assert_non_null(d);
	assert_int_equal(d->level, MM_DIAG_ERROR);
	assert_non_null(strstr(d->msg, "limit"));
	mm_model_release(&m);
	rm_tree(dir);
}

/* ------------------------------------------------------------------ */
/* streamed records: the DOM of a record is gone once it is extracted   */

/* describe-instances output of n instances, ~1.5 KB each (several read
 * windows for a few thousand), with values repeated across records (types,
 * states, groups: shared in the string pool) and unique ones (ids, addresses). */
static void gen_instances(struct strbuf *sb, int n)
{
	strbuf_addstr(sb, "{\"Reservations\": [");
	for (int i = 0; i < n; i++) {
		strbuf_addf(
		    sb,
		    "%s{\"OwnerId\": \"123456789012\", \"ReservationId\": \"r-%06d\", "
		    "\"Instances\": [{\"InstanceId\": \"i-%06d\", \"InstanceType\": \"%s\", "
		    "\"State\": {\"Code\": 16, \"Name\": \"%s\"}, "
		    "\"Placement\": {\"AvailabilityZone\": \"us-east-1%c\"}, "
		    "\"PrivateIpAddress\": \"10.0.%d.%d\", ",
		    i ? ", " : "", i, i, i % 2 ? "m5.large" : "t3.micro",
		    i % 3 ? "running" : "stopped", 'a' + i % 3, i / 250, i % 250);
		if (i % 4 == 0)
			strbuf_addf(sb, "\"PublicIpAddress\": \"54.0.%d.%d\", ", i / 250, i % 250);
		strbuf_addf(
		    sb,
		    "\"VpcId\": \"vpc-%d\", \"SubnetId\": \"subnet-%d\", \"ImageId\": \"ami-1\", "
		    "\"KeyName\": \"key-%d\", \"LaunchTime\": \"2024-01-01T00:%02d:%02dZ\", "
		    "\"IamInstanceProfile\": {\"Arn\": "
		    "\"arn:aws:iam::123456789012:instance-profile/p%d\"}, "
		    "\"MetadataOptions\": {\"State\": \"applied\", \"HttpTokens\": \"%s\", "
		    "\"HttpPutResponseHopLimit\": %d, \"HttpEndpoint\": \"enabled\"}, "
		    "\"SecurityGroups\": [{\"GroupName\": \"web\", \"GroupId\": \"sg-%d\"}, "
		    "{\"GroupName\": \"all\", \"GroupId\": \"sg-all\"}], "
		    "\"Tags\": [{\"Key\": \"Name\", \"Value\": \"web-%06d\"}, "
		    "{\"Key\": \"env\", \"Value\": \"prod\"}], "
		    "\"BlockDeviceMappings\": [{\"DeviceName\": \"/dev/xvda\", "
		    "\"Ebs\": {\"Status\": \"attached\", \"VolumeId\": \"vol-%06d\"}}], ",
		    i % 3, i % 10, i % 5, (i / 60) % 60, i % 60, i % 7,
		    i % 2 ? "required" : "optional", 1 + i % 2, i % 9, i, i);
		strbuf_addf(
		    sb,
		    "\"NetworkInterfaces\": [{\"NetworkInterfaceId\": \"eni-%06d\", "
		    "\"OwnerId\": \"123456789012\", \"Status\": \"in-use\", "
		    "\"SubnetId\": \"subnet-%d\", \"VpcId\": \"vpc-%d\", "
		    "\"MacAddress\": \"02:00:00:%02x:%02x:%02x\", "
		    "\"Groups\": [{\"GroupName\": \"web\", \"GroupId\": \"sg-%d\"}], "
		    "\"PrivateIpAddress\": \"10.0.%d.%d\", \"PrivateIpAddresses\": "
		    "[{\"Primary\": true, \"PrivateIpAddress\": \"10.0.%d.%d\"%s}], "
		    "\"Description\": \"%.*s\"}]}]}",
		    i, i % 10, i % 3, (i >> 16) & 255, (i >> 8) & 255, i & 255, i % 9, i / 250,
		    i % 250, i / 250, i % 250,
		    i % 4 ? ""
			  : ", \"Association\": {\"IpOwnerId\": \"amazon\", \"PublicIp\": \"p\"}",
		    200 + i % 100,
		    "................................................................................"
		    "................................................................................"
		    "................................................................................"
		    "................................................................................");
	}
	strbuf_addstr(sb, "]}");
}

/* Every string of every instance and its interface, against what
 * gen_instances() wrote. */
static void check_instances(const struct mm_model *m, int n, const char *file, bool dedup)
{
	char want[256];
	assert_int_equal(m->ninstances, n);
	for (int i = 0; i < n; i++) {
		const struct mm_instance *x = &m->instances[i];
		snprintf(want, sizeof(want), "i-%06d", i);
		assert_string_equal(x->r.id, want);
		assert_string_equal(x->r.account, "123456789012");
		assert_string_equal(x->r.region, "us-east-1");
		assert_null(x->r.raw); /* its nodes are gone */
		assert_string_equal(x->r.loc.file, file);
		snprintf(want, sizeof(want), "/Reservations/%d/Instances/0", i);
		assert_string_equal(x->r.loc.ptr, want);
		assert_string_equal(x->type, i % 2 ? "m5.large" : "t3.micro");
		assert_string_equal(x->state, i % 3 ? "running" : "stopped");
		snprintf(want, sizeof(want), "us-east-1%c", 'a' + i % 3);
		assert_string_equal(x->az, want);
		snprintf(want, sizeof(want), "10.0.%d.%d", i / 250, i % 250);
		assert_string_equal(x->private_ip, want);
		if (i % 4 == 0) {
			snprintf(want, sizeof(want), "54.0.%d.%d", i / 250, i % 250);
			assert_string_equal(x->public_ip, want);
		} else {
			assert_null(x->public_ip);
		}
		snprintf(want, sizeof(want), "vpc-%d", i % 3);
		assert_string_equal(x->vpc_id, want);
		snprintf(want, sizeof(want), "subnet-%d", i % 10);
		assert_string_equal(x->subnet_id, want);
		assert_string_equal(x->image_id, "ami-1");
		snprintf(want, sizeof(want), "key-%d", i % 5);
		assert_string_equal(x->key_name, want);
		snprintf(want, sizeof(want), "2024-01-01T00:%02d:%02dZ", (i / 60) % 60, i % 60);
		assert_string_equal(x->launch_time, want);
		snprintf(want, sizeof(want), "arn:aws:iam::123456789012:instance-profile/p%d",
			 i % 7);
		assert_string_equal(x->profile_arn, want);
		assert_string_equal(x->imds.http_tokens, i % 2 ? "required" : "optional");
		assert_string_equal(x->imds.http_endpoint, "enabled");
		assert_string_equal(x->imds.state, "applied");
		assert_int_equal(x->imds.hop_limit, 1 + i % 2);
		snprintf(want, sizeof(want), "/Reservations/%d/Instances/0/MetadataOptions", i);
		assert_string_equal(x->imds.loc.ptr, want);
		assert_int_equal(x->ngroups, 2);
		snprintf(want, sizeof(want), "sg-%d", i % 9);
		assert_string_equal(x->groups[0], want);
		assert_string_equal(x->groups[1], "sg-all");
		assert_int_equal(x->r.ntags, 2);
		assert_string_equal(x->r.tags[0].key, "Name");
		snprintf(want, sizeof(want), "web-%06d", i);
		assert_string_equal(x->r.tags[0].value, want);
		assert_string_equal(mm_tag(&x->r, "env"), "prod");
		assert_int_equal(x->nvolumes, 1);
		snprintf(want, sizeof(want), "vol-%06d", i);
		assert_string_equal(x->volumes[0], want);
		assert_int_equal(x->nenis, 1);
		snprintf(want, sizeof(want), "eni-%06d", i);
		assert_string_equal(x->enis[0], want);
	}
	if (dedup)
		return;
	/* the interfaces synthesised from the instances (no ENI file here) */
	assert_int_equal(m->nenis, n);
	for (int i = 0; i < n; i++) {
		const struct mm_eni *e = &m->enis[i];
		snprintf(want, sizeof(want), "eni-%06d", i);
		assert_string_equal(e->r.id, want);
		assert_null(e->r.raw);
		assert_true(e->from_instance);
		snprintf(want, sizeof(want), "i-%06d", i);
		assert_string_equal(e->instance_id, want);
		snprintf(want, sizeof(want), "/Reservations/%d/Instances/0/NetworkInterfaces/0", i);
		assert_string_equal(e->r.loc.ptr, want);
		assert_string_equal(e->status, "in-use");
		assert_string_equal(e->owner, "123456789012");
		snprintf(want, sizeof(want), "subnet-%d", i % 10);
		assert_string_equal(e->subnet_id, want);
		assert_int_equal(e->ngroups, 1);
		snprintf(want, sizeof(want), "sg-%d", i % 9);
		assert_string_equal(e->groups[0], want);
		assert_int_equal(e->nips, 1);
		snprintf(want, sizeof(want), "10.0.%d.%d", i / 250, i % 250);
		assert_string_equal(e->ips[0].private_ip, want);
		assert_true(e->ips[0].primary);
		if (i % 4 == 0) {
			assert_string_equal(e->ips[0].public_ip, "p");
			assert_string_equal(e->ips[0].ip_owner, "amazon");
		} else {
			assert_null(e->ips[0].public_ip);
		}
		assert_int_equal(strlen(e->desc), 200 + i % 100);
	}
}

#define STREAM_N 2500 /* ~3.5 MB: several read windows */

static const char *other_kinds =
    "{'Volumes': [{'VolumeId': 'vol-1', 'AvailabilityZone': 'us-east-1a', 'State': 'in-use', "
    "'Encrypted': true, 'Size': 8, 'Attachments': [{'InstanceId': 'i-000001'}], "
    "'Tags': [{'Key': 'k', 'Value': 'v'}]}]}";

/* Load a tree whose big files are streamed, then read every string kind
 * of the model: with ASan the nodes of each record are freed as soon as it
 * is extracted, so a pointer kept into them would be reported here. */
static void test_streamed_records_outlive_dom(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	struct strbuf sb = STRBUF_INIT;
	gen_instances(&sb, STREAM_N);
	assert_true(sb.len > 3 * ((size_t)1 << 20));
	write_file(dir, "s/123456789012/us-east-1/describe-instances.json", sb.buf);
	char *q = unq(other_kinds);
	write_file(dir, "s/123456789012/us-east-1/describe-volumes.json", q);
	write_file(dir, "s/123456789012/us-east-1/describe-security-groups.json",
		   "{\"SecurityGroups\": [{\"GroupId\": \"sg-all\", \"GroupName\": \"all\"}]}");
	write_file(dir, "s/123456789012/us-east-1/describe-snapshots.json",
		   "{\"Snapshots\": [{\"SnapshotId\": \"snap-1\", \"VolumeId\": \"vol-1\", "
		   "\"State\": \"completed\", \"Encrypted\": false}]}");
	write_file(dir, "s/123456789012/us-east-1/describe-images.json",
		   "{\"Images\": [{\"ImageId\": \"ami-1\", \"Name\": \"base\", \"State\": "
		   "\"available\", \"BlockDeviceMappings\": [{\"Ebs\": {\"Encrypted\": true}}]}]}");
	write_file(
	    dir, "s/123456789012/us-east-1/describe-addresses.json",
	    "{\"Addresses\": [{\"AllocationId\": \"eipalloc-1\", \"PublicIp\": \"54.1.1.1\", "
	    "\"InstanceId\": \"i-000004\", \"Domain\": \"vpc\"}]}");
	write_file(dir, "s/123456789012/us-east-1/lt.json",
		   "{\"LaunchTemplateVersions\": [{\"LaunchTemplateId\": \"lt-1\", "
		   "\"LaunchTemplateName\": \"web\", \"VersionNumber\": 3, \"LaunchTemplateData\": "
		   "{\"MetadataOptions\": {\"HttpTokens\": \"optional\"}}}]}");
	/* the same instances where the path says nothing: two passes */
	write_file(dir, "u/describe-instances.json", sb.buf);
	write_file(dir, "u/describe-security-groups.json",
		   "{\"SecurityGroups\": [{\"GroupId\": \"sg-u\"}]}");
	free(q);

	struct mm_model m;
	char path[4096];
	snprintf(path, sizeof(path), "%s/s", dir);
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, path, NULL), 0);
	assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.files_loaded, 7);
	check_instances(&m, STREAM_N, "123456789012/us-east-1/describe-instances.json", false);
	const struct mm_volume *v = mm_find_volume(&m, "vol-1");
	assert_non_null(v);
	assert_null(v->r.raw);
	assert_string_equal(v->az, "us-east-1a");
	assert_string_equal(v->state, "in-use");
	assert_string_equal(v->instances[0], "i-000001");
	assert_string_equal(mm_tag(&v->r, "k"), "v");
	assert_string_equal(v->r.loc.ptr, "/Volumes/0");
	assert_int_equal(m.nsnapshots, 1);
	assert_string_equal(m.snapshots[0].volume_id, "vol-1");
	assert_string_equal(m.snapshots[0].state, "completed");
	assert_null(m.snapshots[0].r.raw);
	const struct mm_image *im = mm_find_image(&m, "ami-1");
	assert_non_null(im);
	assert_string_equal(im->name, "base");
	assert_int_equal(im->all_encrypted, MM_YES);
	assert_int_equal(m.neips, 1);
	assert_string_equal(m.eips[0].public_ip, "54.1.1.1");
	assert_string_equal(m.eips[0].instance_id, "i-000004");
	assert_null(m.eips[0].r.raw);
	assert_int_equal(m.nlt_versions, 1);
	assert_string_equal(m.lt_versions[0].r.id, "lt-1:3");
	assert_string_equal(m.lt_versions[0].imds.http_tokens, "optional");
	assert_string_equal(m.lt_versions[0].imds.loc.ptr,
			    "/LaunchTemplateVersions/0/LaunchTemplateData/MetadataOptions");
	/* kinds held whole keep their DOM */
	const struct mm_sg *g = mm_find_sg(&m, "sg-all");
	assert_non_null(g);
	assert_non_null(g->r.raw);
	assert_string_equal(json_str(g->r.raw, "GroupName"), "all");
	mm_model_release(&m);

	/* two passes: hints taken from the streamed file, the same records */
	snprintf(path, sizeof(path), "%s/u", dir);
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, path, NULL), 0);
	assert_int_equal(m.diags.nr, 0);
	check_instances(&m, STREAM_N, "describe-instances.json", false);
	g = mm_find_sg(&m, "sg-u");
	assert_non_null(g);
	assert_string_equal(g->r.account, "123456789012"); /* the sibling's owner */
	assert_string_equal(g->r.region, "us-east-1");
	mm_model_release(&m);

	/* one buffer */
	mm_model_init(&m);
	load_str(&m, "123456789012/us-east-1/describe-instances.json", sb.buf);
	check_instances(&m, STREAM_N, "123456789012/us-east-1/describe-instances.json", false);
	mm_model_release(&m);
	strbuf_release(&sb);
	rm_tree(dir);
}

/* A file that breaks part-way, after records were extracted from earlier
 * read windows: its records and scopes are taken back out, and the
 * diagnostic is the one json_parse() gives for the whole file. */
static void test_failed_file_taken_back(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	struct strbuf sb = STRBUF_INIT;
	gen_instances(&sb, STREAM_N);
	/* a syntax error about 90% in, between two reservations */
	char *at = strstr(sb.buf + sb.len * 9 / 10, "}]}, {\"OwnerId\"");
	assert_non_null(at);
	at[3] = ';';
	write_file(dir, "123456789012/eu-west-3/describe-instances.json", sb.buf);
	write_file(dir, "123456789012/us-east-1/describe-vpcs.json",
		   "{\"Vpcs\": [{\"VpcId\": \"vpc-1\"}, {\"VpcIx\": \"no id\"}]}");
	/* gzip: the document breaks early, the gzip stream later; the gzip
	 * error is what reading the file first would have found */
	struct strbuf gz = STRBUF_INIT, bad = STRBUF_INIT;
	strbuf_add(&bad, sb.buf, sb.len);
	char *early = strstr(bad.buf + bad.len / 10, "}]}, {\"OwnerId\"");
	early[3] = ';';
	gzip_member(&gz, bad.buf, bad.len);
	write_bytes(dir, "123456789012/eu-west-2/describe-instances.json.gz", gz.buf,
		    gz.len * 8 / 10);
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.files_failed, 2);
	assert_int_equal(m.files_loaded, 1);
	assert_int_equal(m.ninstances, 0);
	assert_int_equal(m.nenis, 0);
	assert_int_equal(m.nvpcs, 1);
	assert_int_equal(m.records_skipped, 1);
	assert_null(mm_scope_find(&m, "123456789012", "eu-west-3"));
	assert_null(mm_scope_find(&m, "123456789012", "eu-west-2"));
	assert_non_null(mm_scope_find(&m, "123456789012", "us-east-1"));

	/* the expected messages: the whole file through json_parse() */
	struct arena a = ARENA_INIT;
	struct json *root;
	struct mm_err pe = { 0 };
	long long off = -1;
	assert_true(json_parse(&a, sb.buf, sb.len, NULL, &root, &off, &pe) < 0);
	unsigned long line, col;
	json_line_col(sb.buf, sb.len, (size_t)off, &line, &col);
	char want[2048];
	snprintf(want, sizeof(want), "cannot parse '%s': %s (line %lu, column %lu)",
		 "123456789012/eu-west-3/describe-instances.json", pe.msg, line, col);
	arena_release(&a);
	/* in walk order: read and parse errors first, then the extraction's */
	assert_int_equal(m.diags.nr, 3);
	assert_non_null(strstr(m.diags.v[0].msg, "truncated gzip data"));
	assert_string_equal(m.diags.v[0].file, "123456789012/eu-west-2/describe-instances.json.gz");
	assert_string_equal(m.diags.v[1].msg, want);
	assert_int_equal(m.diags.v[1].off, off);
	assert_non_null(strstr(m.diags.v[2].msg, "skipped 1 record"));
	assert_string_equal(m.diags.v[2].file, "123456789012/us-east-1/describe-vpcs.json");
	mm_model_release(&m);

	/* the same file alone, as a buffer */
	mm_model_init(&m);
	struct mm_err e = { 0 };
	assert_int_equal(snapshot_load_buffer(&m, "x.json", sb.buf, sb.len, NULL, &e), MM_EPARSE);
	assert_int_equal(m.ninstances, 0);
	assert_int_equal(m.nscopes, 0);
	assert_int_equal(m.diags.nr, 1);
	assert_non_null(strstr(e.msg, pe.msg));
	mm_model_release(&m);
	strbuf_release(&gz);
	strbuf_release(&bad);
	strbuf_release(&sb);
	rm_tree(dir);
}

/* ------------------------------------------------------------------ */
/* malformed input                                                     */

static void test_malformed(void **st)
{
	(void)st;
	char *dir = tmp_dir();
	/* the error is at byte 35: the '}' where a value should be */
	write_file(dir, "1-bad.json", "{\n  \"SecurityGroups\": [{\"GroupId\": }]}");
	write_file(dir, "2-empty.json", "");
	write_file(dir, "3-blank.json", "  \n ");
	write_file(dir, "4-good.json", "{\"Vpcs\": [{\"VpcId\": \"vpc-1\"}]}");
	write_file(dir, "5-trailing.json", "{\"Vpcs\": []} x");
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.files_failed, 4);
	assert_int_equal(m.files_loaded, 1);
	assert_int_equal(m.nvpcs, 1);
	assert_int_equal(m.diags.nr_errors, 4);
	const struct mm_diag *d = find_diag(&m, "1-bad.json");
	assert_non_null(d);
	assert_int_equal(d->off, 35);
	assert_string_equal(d->file, "1-bad.json");
	assert_non_null(strstr(d->msg, "offset 35"));
	assert_non_null(strstr(d->msg, "line 2, column 34"));
	d = find_diag(&m, "2-empty.json");
	assert_non_null(d);
	assert_non_null(strstr(d->msg, "empty"));
	assert_non_null(find_diag(&m, "3-blank.json"));
	d = find_diag(&m, "5-trailing.json");
	assert_int_equal(d->off, 13);
	mm_model_release(&m);
	rm_tree(dir);

	/* the same through a buffer */
	mm_model_init(&m);
	struct mm_err e = { 0 };
	const char *bad = "{\"Vpcs\": [1,]}";
	assert_true(snapshot_load_buffer(&m, "b.json", bad, strlen(bad), NULL, &e) < 0);
	assert_non_null(strstr(e.msg, "b.json"));
	assert_int_equal(m.diags.nr_errors, 1);
	assert_int_equal(m.diags.v[0].off, 12);
	assert_true(snapshot_load_buffer(&m, "e.json", "", 0, NULL, &e) < 0);
	assert_int_equal(m.files_failed, 2);
	mm_model_release(&m);
}

static void test_deep_nesting(void **st)
{
	(void)st;
	size_t n = 100000;
	char *s = malloc(n + 1);
	memset(s, '[', n);
	s[n] = '\0';
	char *dir = tmp_dir();
	write_file(dir, "deep.json", s);
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.files_failed, 1);
	const struct mm_diag *d = find_diag(&m, "deep.json");
	assert_non_null(d);
	assert_int_equal(d->level, MM_DIAG_ERROR);
	assert_non_null(strstr(d->msg, "limit"));
	mm_model_release(&m);
	/* as a value inside a known key, through a buffer */
	memcpy(s, "{\"Vpcs\":", 8);
	mm_model_init(&m);
	struct mm_err e = { 0 };
	assert_true(snapshot_load_buffer(&m, "deep2.json", s, n, NULL, &e) < 0);
	assert_int_equal(m.diags.nr_errors, 1);
	mm_model_release(&m);
	free(s);
	rm_tree(dir);
}

static void test_wrong_types(void **st)
{
	(void)st;
	struct mm_model m;
	mm_model_init(&m);
	/* record 1: id is a number; 2: a string instead of an object; 3: no id;
	 * 4: IpPermissions an object; 5: good; 6: FromPort an object */
	const char *q = "{'SecurityGroups': [\n"
			" {'GroupId': 'sg-ok1'},\n"
			" {'GroupId': 12},\n"
			" 'sg-3',\n"
			" {'GroupName': 'no-id'},\n"
			" {'GroupId': 'sg-5', 'IpPermissions': {'IpProtocol': 'tcp'}},\n"
			" {'GroupId': 'sg-ok2', 'IpPermissions': []},\n"
			" {'GroupId': 'sg-7', 'IpPermissions': [{'IpProtocol': 'tcp', 'FromPort': "
			"{}}]}\n"
			"]}";
	char *s = unq(q);
	struct mm_err e = { 0 };
	assert_int_equal(snapshot_load_buffer(&m, "wt.json", s, strlen(s), NULL, &e), 0);
	assert_int_equal(m.nsgs, 2);
	assert_string_equal(m.sgs[0].r.id, "sg-ok1");
	assert_string_equal(m.sgs[1].r.id, "sg-ok2");
	assert_int_equal(m.records_skipped, 5);
	assert_int_equal(m.diags.nr, 1);
	const struct mm_diag *d = &m.diags.v[0];
	assert_string_equal(d->file, "wt.json");
	assert_int_equal(d->off, (long long)(strstr(s, "{\"GroupId\": 12}") - s));
	assert_non_null(strstr(d->msg, "5 records"));
	assert_int_equal(m.files_loaded, 1);
	free(s);

	/* a whole list of the wrong type, in another file */
	load_q(&m, "wt2.json", "{'Vpcs': 'vpc-1', 'Subnets': {'SubnetId': 'subnet-1'}}");
	assert_int_equal(m.records_skipped, 7);
	assert_int_equal(m.diags.nr, 2);
	assert_int_equal(m.nvpcs, 0);
	/* and the scope does not claim VPCs were collected */
	const struct mm_scope *sc = mm_scope_find(&m, "unknown", "unknown");
	assert_non_null(sc);
	assert_false(sc->have & (1ull << MM_K_VPCS));
	assert_true(sc->have & (1ull << MM_K_SGS));

	/* nested wrong types in instances drop the instance and its ENIs */
	load_q(&m, "wt3.json",
	       "{'Reservations': [{'Instances': [{'InstanceId': 'i-1', 'NetworkInterfaces': "
	       "[{'NetworkInterfaceId': 'eni-1'}], 'SecurityGroups': 'sg-1'},"
	       " {'InstanceId': 'i-2'}]}, 'junk', {'Instances': 7}]}");
	assert_int_equal(m.ninstances, 1);
	assert_string_equal(m.instances[0].r.id, "i-2");
	assert_int_equal(m.nenis, 0);
	assert_int_equal(m.records_skipped, 10);
	mm_model_release(&m);
}

/* ------------------------------------------------------------------ */
/* Batfish fixtures (../shared)                                        */

static void load_fixture_file(const char *path)
{
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, path, NULL), 0);
	if (m.diags.nr_errors)
		dump_diags(&m);
	assert_int_equal(m.diags.nr_errors, 0);
	/* alone, the listener and target-health wrappers miss their owner */
	if (!strstr(path, "LoadBalancerListenerTest") && !strstr(path, "TargetHealthTest"))
		assert_int_equal(m.diags.nr, 0);
	assert_int_equal(m.files_loaded, 1);
	assert_int_equal(m.records_skipped, 0);
	mm_model_release(&m);
}

static void test_batfish_each_file(void **st)
{
	(void)st;
	const char *sh = shared_dir();
	if (!sh) {
		print_message(
		    "../shared/fixtures/batfish not found (set MAMORI_SHARED): skipped\n");
		skip();
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/fixtures/batfish", sh);
	struct strbuf cmd = STRBUF_INIT;
	/* every .json file below the fixtures, one load each */
	size_t n = 0;
	char *paths[256];
	FILE *fp;
	strbuf_addf(&cmd, "find '%s' -name '*.json' | sort", dir);
	fp = popen(cmd.buf, "r");
	assert_non_null(fp);
	char line[4096];
	while (n < 256 && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		paths[n++] = strdup(line);
	}
	pclose(fp);
	strbuf_release(&cmd);
	assert_true(n >= 70);
	for (size_t i = 0; i < n; i++) {
		load_fixture_file(paths[i]);
		free(paths[i]);
	}
	/* the whole tree at once */
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	if (m.diags.nr)
		dump_diags(&m);
	assert_int_equal(m.diags.nr_errors, 0);
	assert_int_equal(m.files_failed, 0);
	assert_int_equal(m.files_loaded, n);
	assert_int_equal(m.files_skipped, 1); /* PROVENANCE.md */
	mm_model_release(&m);
}

static void test_batfish_values(void **st)
{
	(void)st;
	const char *sh = shared_dir();
	if (!sh) {
		print_message(
		    "../shared/fixtures/batfish not found (set MAMORI_SHARED): skipped\n");
		skip();
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/fixtures/batfish/test-public-subnet", sh);
	struct mm_model m;
	mm_model_init(&m);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	assert_int_equal(m.diags.nr, 0);
	const struct mm_instance *x = mm_find_instance(&m, "i-06669a407b2ef3ae5");
	assert_non_null(x);
	assert_string_equal(x->private_ip, "10.0.0.91");
	assert_string_equal(x->public_ip, "18.216.80.133");
	assert_string_equal(x->r.account, "554773406868");
	assert_string_equal(x->r.region, "us-east-2");
	assert_string_equal(x->r.loc.file, "aws_configs/Reservations.json");
	const struct mm_sg *lw = NULL;
	for (size_t i = 0; i < m.nsgs; i++)
		if (m.sgs[i].name && !strcmp(m.sgs[i].name, "launch-wizard-1"))
			lw = &m.sgs[i];
	assert_non_null(lw);
	assert_int_equal(lw->nin, 1);
	assert_int_equal(lw->in[0].proto, MM_PROTO_TCP);
	assert_int_equal(lw->in[0].from, 22);
	assert_int_equal(lw->in[0].to, 22);
	assert_int_equal(lw->in[0].nsrc, 1);
	assert_cidr(&lw->in[0].src[0].cidr, "0.0.0.0/0");
	/* SGs say nothing of their region: their directory does */
	assert_string_equal(lw->r.region, "us-east-2");
	const struct mm_eni *e = mm_find_eni(&m, "eni-00064850627e198ee");
	assert_non_null(e);
	assert_false(e->from_instance);
	assert_string_equal(e->ips[0].public_ip, "18.216.80.133");
	const struct mm_subnet *s = mm_find_subnet(&m, "subnet-0bb82ae8b3ea5dc78");
	assert_non_null(s);
	const struct mm_rtb *t = mm_subnet_rtb(&m, s);
	assert_non_null(t);
	assert_string_equal(t->r.id, "rtb-0489000c9e6c299e8");
	assert_int_equal(t->routes[1].target, MM_TGT_IGW);
	assert_non_null(mm_subnet_nacl(&m, s->r.id));
	const struct mm_scope *sc = mm_scope_find(&m, "554773406868", "us-east-2");
	assert_non_null(sc);
	for (int k = MM_K_INSTANCES; k <= MM_K_EIPS; k++)
		if (k != MM_K_EIGWS && k != MM_K_PCXS)
			assert_true(sc->have & (1ull << k));
	mm_model_release(&m);

	/* single files: listeners and target-health wrappers, v6 NACL and routes */
	mm_model_init(&m);
	snprintf(dir, sizeof(dir), "%s/fixtures/batfish/LoadBalancerTest.json", sh);
	assert_int_equal(load_tree(&m, dir, NULL), 0);
	mm_model_release(&m);
	const char *names[] = { "LoadBalancerTest.json",   "LoadBalancerListenerTest.json",
				"TargetGroupTest.json",	   "LoadBalancerTargetHealthTest.json",
				"NetworkAclV6Test.json",   "RouteV6TableTest.json",
				"NetworkAclIcmpTest.json", "PrefixListTest.json" };
	mm_model_init(&m);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[4096], *buf;
		snprintf(p, sizeof(p), "%s/fixtures/batfish/%s", sh, names[i]);
		FILE *fp = fopen(p, "rb");
		assert_non_null(fp);
		fseek(fp, 0, SEEK_END);
		long sz = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		buf = malloc((size_t)sz);
		assert_int_equal(fread(buf, 1, (size_t)sz, fp), (size_t)sz);
		fclose(fp);
		struct mm_err err = { 0 };
		assert_int_equal(snapshot_load_buffer(&m, names[i], buf, (size_t)sz, NULL, &err),
				 0);
		free(buf);
	}
	assert_int_equal(m.diags.nr, 0);
	mm_model_index(&m);
	const struct mm_lb *lb = mm_find_lb(
	    &m, "arn:aws:elasticloadbalancing:us-east-2:554773406868:loadbalancer/net/lb-lb/"
		"6f57a43b75d8f2c1");
	assert_non_null(lb);
	assert_string_equal(lb->scheme, "internet-facing");
	assert_true(lb->have_listeners);
	assert_int_equal(lb->nlisteners, 1);
	assert_int_equal(lb->listeners[0].port, 80);
	assert_string_equal(lb->listeners[0].protocol, "TCP");
	assert_int_equal(lb->listeners[0].ntg, 1);
	const struct mm_tg *tg = mm_find_tg(&m, lb->listeners[0].target_groups[0]);
	assert_non_null(tg);
	assert_true(tg->have_targets);
	assert_int_equal(tg->ntargets, 2);
	assert_string_equal(tg->targets[0].id, "10.10.1.4");
	assert_string_equal(tg->targets[0].health, "unhealthy");
	assert_string_equal(tg->targets[1].health, "healthy");
	const struct mm_nacl *n = NULL;
	for (size_t i = 0; i < m.nnacls; i++)
		if (!strcmp(m.nacls[i].r.loc.file, "NetworkAclV6Test.json"))
			n = &m.nacls[i];
	assert_non_null(n);
	assert_int_equal(n->entries[0].cidr.family, MM_AF_INET6);
	assert_int_equal(n->entries[0].cidr.prefix, 0);
	const struct mm_rtb *v6 = NULL;
	for (size_t i = 0; i < m.nrtbs; i++)
		if (!strcmp(m.rtbs[i].r.loc.file, "RouteV6TableTest.json"))
			v6 = &m.rtbs[i];
	assert_non_null(v6);
	assert_true(v6->main);
	assert_cidr(&v6->routes[0].dst, "2600:1f16:751:7800::/56");
	assert_int_equal(v6->routes[0].target, MM_TGT_LOCAL);
	const struct mm_prefix_list *pl = mm_find_pl(&m, "pl-00a54069");
	assert_non_null(pl);
	assert_true(pl->have_entries);
	assert_int_equal(pl->ncidrs, 2);
	mm_model_release(&m);
}

/* ------------------------------------------------------------------ */
/* AWS CLI documentation examples                                      */

static const char *const doc_cmds[] = {
	"ec2/describe-instances",
	"ec2/describe-security-groups",
	"ec2/describe-network-acls",
	"ec2/describe-route-tables",
	"ec2/describe-subnets",
	"ec2/describe-vpcs",
	"ec2/describe-internet-gateways",
	"ec2/describe-egress-only-internet-gateways",
	"ec2/describe-nat-gateways",
	"ec2/describe-vpc-peering-connections",
	"ec2/describe-network-interfaces",
	"ec2/describe-addresses",
	"ec2/describe-prefix-lists",
	"ec2/describe-managed-prefix-lists",
	"ec2/get-managed-prefix-list-entries",
	"ec2/describe-volumes",
	"ec2/describe-snapshots",
	"ec2/describe-snapshot-attribute",
	"ec2/describe-image-attribute",
	"ec2/describe-images",
	"ec2/describe-flow-logs",
	"ec2/describe-launch-template-versions",
	"ec2/get-ebs-encryption-by-default",
	"ec2/get-serial-console-access-status",
	"ec2/get-instance-metadata-defaults",
	"elbv2/describe-load-balancers",
	"elbv2/describe-listeners",
	"elbv2/describe-target-groups",
	"elbv2/describe-target-health",
	"elb/describe-load-balancers",
	"iam/get-account-authorization-details",
};

#define AWSCLI_EXAMPLES "/usr/lib/python3/dist-packages/awscli/examples"

/* Append the indented block after each "Output::" line of an .rst file to
 * blocks (one strbuf each). Returns the count. */
static size_t output_blocks(const char *path, struct strbuf *blocks, size_t max)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return 0;
	size_t n = 0;
	char line[8192];
	bool in = false;
	while (fgets(line, sizeof(line), fp)) {
		size_t l = strlen(line);
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r' || line[l - 1] == ' '))
			line[--l] = '\0';
		if (in) {
			if (!l || line[0] == ' ' || line[0] == '\t') {
				strbuf_addstr(&blocks[n - 1], line);
				strbuf_addch(&blocks[n - 1], '\n');
				continue;
			}
			in = false;
		}
		if (l >= 8 && !strcmp(line + l - 8, "Output::") && n < max) {
			strbuf_init(&blocks[n++], 0);
			in = true;
		}
	}
	fclose(fp);
	return n;
}

static void test_awscli_examples(void **st)
{
	(void)st;
	if (access(AWSCLI_EXAMPLES "/ec2/describe-instances.rst", R_OK) != 0) {
		print_message("awscli examples not installed: skipped\n");
		skip();
	}
	size_t total = 0, parsed = 0, clean = 0;
	struct mm_model all;
	mm_model_init(&all);
	for (size_t c = 0; c < sizeof(doc_cmds) / sizeof(doc_cmds[0]); c++) {
		char path[512];
		snprintf(path, sizeof(path), AWSCLI_EXAMPLES "/%s.rst", doc_cmds[c]);
		struct strbuf blocks[32];
		size_t nb = output_blocks(path, blocks, 32);
		for (size_t b = 0; b < nb; b++) {
			total++;
			struct arena a = ARENA_INIT;
			struct json *v = NULL;
			struct mm_err e = { 0 };
			bool ok =
			    json_parse(&a, blocks[b].buf, blocks[b].len, NULL, &v, NULL, &e) == 0;
			arena_release(&a);
			char name[256];
			snprintf(name, sizeof(name), "%s-%zu.json", doc_cmds[c], b);
			struct mm_model m;
			mm_model_init(&m);
			int r =
			    snapshot_load_buffer(&m, name, blocks[b].buf, blocks[b].len, NULL, &e);
			if (ok) {
				parsed++;
				if (r || m.diags.nr_errors) {
					print_error("%s:\n%s\n", name, blocks[b].buf);
					dump_diags(&m);
				}
				if (getenv("MAMORI_TEST_VERBOSE"))
					dump_diags(&m);
				assert_int_equal(r, 0);
				assert_int_equal(m.diags.nr_errors, 0);
				assert_int_equal(m.records_skipped, 0);
				clean++;
				assert_int_equal(snapshot_load_buffer(&all, name, blocks[b].buf,
								      blocks[b].len, NULL, &e),
						 0);
			} else {
				/* not JSON (elisions, comments): reported, never loaded */
				assert_true(r < 0);
				assert_int_equal(m.files_failed, 1);
				assert_int_equal(m.diags.nr_errors, 1);
			}
			mm_model_release(&m);
			strbuf_release(&blocks[b]);
		}
	}
	print_message("awscli examples: %zu blocks, %zu valid JSON, %zu loaded cleanly\n", total,
		      parsed, clean);
	assert_true(total >= 40);
	assert_true(parsed >= 30);
	/* the examples really produced records */
	assert_true(all.ninstances >= 1);
	assert_true(all.nsgs >= 1 || all.nnacls >= 1);
	assert_true(all.nnacls >= 1);
	assert_true(all.nrtbs >= 1);
	assert_true(all.nvpcs >= 1);
	assert_true(all.nenis >= 1);
	assert_true(all.neips >= 1);
	assert_true(all.npls >= 1);
	assert_true(all.nlbs >= 2);
	assert_true(all.ntgs >= 1);
	assert_true(all.nroles >= 1);
	assert_true(all.nprofiles >= 1);
	assert_true(all.npolicies >= 1);
	assert_true(all.nflow_logs >= 1);
	assert_true(all.nlt_versions >= 1);
	assert_true(all.nimages >= 1);
	assert_true(all.nsnapshots >= 1);
	mm_model_release(&all);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_security_groups),
	cmocka_unit_test(test_nacls),
	cmocka_unit_test(test_route_tables),
	cmocka_unit_test(test_instances),
	cmocka_unit_test(test_network_interfaces),
	cmocka_unit_test(test_eni_dedupe),
	cmocka_unit_test(test_vpc_network),
	cmocka_unit_test(test_prefix_lists),
	cmocka_unit_test(test_load_balancers),
	cmocka_unit_test(test_orphans),
	cmocka_unit_test(test_storage_images),
	cmocka_unit_test(test_account_settings),
	cmocka_unit_test(test_iam),
	cmocka_unit_test(test_empty_lists_set_have),
	cmocka_unit_test(test_recognition_by_key),
	cmocka_unit_test(test_account_region),
	cmocka_unit_test(test_multi_account_merge),
	cmocka_unit_test(test_region_pattern),
	cmocka_unit_test(test_symlinks),
	cmocka_unit_test(test_gzip),
	cmocka_unit_test(test_size_limit),
	cmocka_unit_test(test_huge_string_gzip),
	cmocka_unit_test(test_streamed_records_outlive_dom),
	cmocka_unit_test(test_failed_file_taken_back),
	cmocka_unit_test(test_malformed),
	cmocka_unit_test(test_deep_nesting),
	cmocka_unit_test(test_wrong_types),
	cmocka_unit_test(test_batfish_each_file),
	cmocka_unit_test(test_batfish_values),
	cmocka_unit_test(test_awscli_examples),
};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
