/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/reach: the hand-written scenario snapshots under
 * tests/fixtures/reach/ (seed 004, NACL order, route tables, IPv6, prefix
 * lists, group references, load balancers, detached gateways, missing
 * inputs), Batfish's own assertions on ../shared/fixtures/batfish, and a
 * property test that checks the engine against a slow brute-force evaluator
 * written independently here, one concrete (source, protocol, port) at a time.
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

#include "aws/model.h"
#include "aws/snapshot.h"
#include "base/ipset.h"
#include "base/wrapper.h"
#include "reach/reach.h"
#include "base/banned.h"

/* ---- locating fixtures ---- */

static const char *fixtures_root(void)
{
	static char root[8192];
	if (root[0])
		return root;
	const char *file = __FILE__;
	const char *cut = strstr(file, "tests/unit/test_reach.c");
	char probe[8400];
	if (cut) {
		snprintf(root, sizeof(root), "%.*stests/fixtures/reach", (int)(cut - file), file);
		snprintf(probe, sizeof(probe), "%s/seed004", root);
		if (access(probe, R_OK) == 0)
			return root;
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			char *slash = strrchr(exe, '/');
			if (slash)
				*slash = '\0';
			snprintf(root, sizeof(root), "%s/../../%.*stests/fixtures/reach", exe,
				 (int)(cut - file), file);
			snprintf(probe, sizeof(probe), "%s/seed004", root);
			if (access(probe, R_OK) == 0)
				return root;
		}
	}
	root[0] = '\0';
	return NULL;
}

static const char *shared_dir(void)
{
	static char buf[4096];
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

/* ---- a loaded scenario ---- */

struct fx {
	struct mm_model m;
	struct reach_ctx *c;
	struct reach_result r;
};

static struct fx *fx_load_path(const char *dir, const struct reach_opts *o)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct mm_err e = { 0 };
	struct reach_opts def = REACH_OPTS_INIT;
	def.family_blocks = true;
	if (!o)
		o = &def;
	mm_model_init(&f->m);
	if (snapshot_load(&f->m, dir, NULL, &e))
		fail_msg("cannot load '%s': %s", dir, e.msg);
	assert_int_equal(f->m.files_failed, 0);
	f->c = reach_new(&f->m);
	if (reach_eval(f->c, o, &f->r, &e))
		fail_msg("reach_eval: %s", e.msg);
	return f;
}

static struct fx *fx_load(const char *name)
{
	const char *root = fixtures_root();
	if (!root)
		fail_msg("tests/fixtures/reach not found next to %s", __FILE__);
	char dir[8400];
	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	return fx_load_path(dir, NULL);
}

static void fx_free(struct fx *f)
{
	if (!f)
		return;
	reach_result_release(&f->r);
	reach_free(f->c);
	mm_model_release(&f->m);
	free(f);
}

static int teardown_fx(void **st)
{
	fx_free(*st);
	*st = NULL;
	return 0;
}

static mm_u128 ip(const char *s)
{
	enum mm_family f;
	mm_u128 a;
	if (mm_addr_parse(s, &f, &a))
		fail_msg("bad address '%s'", s);
	return a;
}

static bool iv_has(const struct mm_iv *v, size_t n, mm_u128 x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].lo <= x && x <= v[i].hi)
			return true;
	return false;
}

/* Does some exposure of `res` from `origin` admit (src, proto, port)? */
static const struct reach_exposure *admits(const struct reach_result *r, const char *res,
					   enum reach_origin origin, const char *src, int proto,
					   int port)
{
	enum mm_family fam;
	mm_u128 a;
	if (mm_addr_parse(src, &fam, &a))
		fail_msg("bad address '%s'", src);
	for (size_t i = 0; i < r->nexp; i++) {
		const struct reach_exposure *x = &r->exp[i];
		if (strcmp(x->resource, res) || x->origin != origin || x->family != fam)
			continue;
		if (x->proto != proto && x->proto != MM_PROTO_ALL)
			continue;
		if (x->proto != MM_PROTO_ALL && !iv_has(x->ports, x->nports, (mm_u128)port))
			continue;
		if (iv_has(x->src, x->nsrc, a))
			return x;
	}
	return NULL;
}

static size_t count_exp(const struct reach_result *r, const char *res, enum reach_origin origin)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nexp; i++)
		if (!strcmp(r->exp[i].resource, res) && r->exp[i].origin == origin)
			n++;
	return n;
}

static const struct reach_block *blocked(const struct reach_result *r, const char *res,
					 enum reach_origin origin)
{
	for (size_t i = 0; i < r->nblk; i++)
		if (!strcmp(r->blk[i].resource, res) && r->blk[i].origin == origin &&
		    !r->blk[i].entry_id)
			return &r->blk[i];
	return NULL;
}

/* The direct block of one family (a block that is not family-specific
 * applies to every family). */
static const struct reach_block *blocked_fam(const struct reach_result *r, const char *res,
					     enum reach_origin origin, enum mm_family fam)
{
	for (size_t i = 0; i < r->nblk; i++)
		if (!strcmp(r->blk[i].resource, res) && r->blk[i].origin == origin &&
		    !r->blk[i].entry_id &&
		    (r->blk[i].family == fam || r->blk[i].family == MM_AF_NONE))
			return &r->blk[i];
	return NULL;
}

static size_t count_blk(const struct reach_result *r, const char *res, enum reach_origin origin)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nblk; i++)
		n += !strcmp(r->blk[i].resource, res) && r->blk[i].origin == origin;
	return n;
}

static const struct reach_unknown *unknown_of(const struct reach_result *r, const char *res,
					      enum reach_origin origin)
{
	for (size_t i = 0; i < r->nunk; i++)
		if (!strcmp(r->unk[i].resource, res) && r->unk[i].origin == origin)
			return &r->unk[i];
	return NULL;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = s ? strlen(s) : 0, k = strlen(suf);
	return n >= k && !strcmp(s + n - k, suf);
}

static const struct reach_hop *hop_of(const struct reach_hop *h, size_t n, const char *component)
{
	for (size_t i = 0; i < n; i++)
		if (h[i].component && !strcmp(h[i].component, component))
			return &h[i];
	return NULL;
}

#define I   REACH_FROM_INTERNET
#define P   REACH_FROM_PEERING
#define TCP MM_PROTO_TCP

/* ---- seed 004: public vs protected subnet, with peering ---- */

static void test_seed004(void **st)
{
	struct fx *f = *st = fx_load("seed004");
	const struct reach_result *r = &f->r;
	const char *pub = "i-0a10000000000pub1", *prot = "i-0a1000000000prot1",
		   *eip = "i-0a1000000000prot2", *peer = "i-0b10000000000peer";

	/* public subnet: ssh from anywhere on the internet, rdp from one address */
	const struct reach_exposure *x = admits(r, pub, I, "8.8.8.8", TCP, 22);
	assert_non_null(x);
	assert_string_equal(x->address, "54.150.10.10");
	assert_string_equal(x->gateway, "igw-0a1000000000000aa");
	assert_null(x->entry_id);
	assert_non_null(admits(r, pub, I, "153.127.10.20", TCP, 3389));
	assert_null(admits(r, pub, I, "153.127.10.21", TCP, 3389));
	assert_null(admits(r, pub, I, "8.8.8.8", TCP, 80));
	assert_null(admits(r, pub, I, "8.8.8.8", TCP, 23));
	/* the internet excludes private and special-purpose sources */
	assert_null(admits(r, pub, I, "10.1.2.3", TCP, 22));
	assert_null(admits(r, pub, I, "192.0.2.1", TCP, 22));
	/* blocks are per family: ipv4 is exposed, and an interface without
	 * any ipv6 address has no ipv6 path to report */
	assert_null(blocked_fam(r, pub, I, MM_AF_INET));
	assert_null(blocked_fam(r, pub, I, MM_AF_INET6));
	assert_int_equal(count_blk(r, pub, I), 0);
	assert_int_equal(count_blk(r, pub, P), 0);

	/* evidence: every hop names its component and points into the input */
	const struct reach_hop *h = hop_of(x->fwd, x->nfwd, "sg-0a10000000000001a");
	assert_non_null(h);
	assert_true(
	    ends_with(h->evidence, "SecurityGroups.json#/SecurityGroups/0/IpPermissions/0"));
	h = hop_of(x->fwd, x->nfwd, "acl-0a10000000000001a");
	assert_non_null(h);
	assert_string_equal(h->rule, "100");
	assert_true(ends_with(h->evidence, "NetworkAcls.json#/NetworkAcls/0/Entries/0"));
	assert_string_equal(x->fwd[0].component, "igw-0a1000000000000aa");
	assert_string_equal(x->fwd[x->nfwd - 1].component, "eni-0a1000000000pub1");
	h = hop_of(x->ret, x->nret, "rtb-0a10000000000001a");
	assert_non_null(h);
	assert_string_equal(h->rule, "0.0.0.0/0 -> igw-0a1000000000000aa");
	assert_true(ends_with(h->evidence, "RouteTables.json#/RouteTables/0/Routes/1"));
	h = hop_of(x->ret, x->nret, "acl-0a10000000000001a");
	assert_non_null(h);
	assert_true(ends_with(h->evidence, "NetworkAcls.json#/NetworkAcls/0/Entries/2"));

	/* peering: 22 and 80 from the peer's subnet, through the pcx */
	x = admits(r, pub, P, "172.31.1.10", TCP, 22);
	assert_non_null(x);
	assert_string_equal(x->gateway, "pcx-0a1b000000000000a");
	assert_string_equal(x->address, "10.0.1.10");
	assert_non_null(admits(r, pub, P, "172.31.1.99", TCP, 80));
	assert_null(admits(r, pub, P, "172.31.1.10", TCP, 3389));
	/* every peer subnet routes back: the whole peer VPC is the source */
	assert_non_null(admits(r, pub, P, "172.31.9.1", TCP, 22));
	assert_null(admits(r, pub, P, "172.30.0.1", TCP, 22));

	/* protected subnet: not reachable from the internet despite ssh open to the world */
	assert_int_equal(count_exp(r, prot, I), 0);
	const struct reach_block *b = blocked_fam(r, prot, I, MM_AF_INET);
	assert_non_null(b);
	assert_string_equal(b->code, "NO_PUBLIC_ADDRESS");
	assert_int_equal(b->family, MM_AF_INET);
	assert_string_equal(b->component, "eni-0a100000000prot1");
	assert_int_equal(count_blk(r, prot, I), 1);
	assert_non_null(admits(r, prot, P, "172.31.1.10", TCP, 22));
	assert_non_null(admits(r, prot, P, "172.31.1.10", TCP, 80));

	/* an elastic ip in the protected subnet: replies go to the nat gateway */
	assert_int_equal(count_exp(r, eip, I), 0);
	b = blocked(r, eip, I);
	assert_non_null(b);
	assert_string_equal(b->code, "RETURN_ROUTE_NOT_IGW");
	assert_string_equal(b->component, "rtb-0a10000000000002a");
	assert_true(ends_with(b->evidence, "RouteTables.json#/RouteTables/1/Routes/1"));
	assert_non_null(strstr(b->detail, "nat-0a1000000000000aa"));
	assert_true(b->npath >= 2);
	assert_string_equal(b->path[b->npath - 1].action, "deny");

	/* the peer instance, from this VPC, whose subnets all route back */
	assert_non_null(admits(r, peer, P, "10.0.1.5", TCP, 22));
	assert_non_null(admits(r, peer, P, "10.0.2.5", TCP, 22));
	assert_null(admits(r, peer, P, "10.1.0.5", TCP, 22));
	assert_null(admits(r, peer, P, "10.0.1.5", TCP, 80));
}

/* An interface with no address of any family keeps both address blocks:
 * they are then the only thing to say about it. */
static void test_no_address_at_all(void **st)
{
	struct fx *f = *st = fx_load("seed004");
	struct mm_instance *inst = mm_find_instance(&f->m, "i-0a1000000000prot1");
	assert_non_null(inst);
	struct mm_eni *eni = mm_find_eni(&f->m, "eni-0a100000000prot1");
	assert_non_null(eni);
	eni->nips = 0;
	eni->nipv6 = 0;
	inst->private_ip = inst->public_ip = NULL;
	struct reach_ctx *c = reach_new(&f->m);
	struct reach_opts o = REACH_OPTS_INIT;
	o.family_blocks = true;
	o.instance = inst->r.id;
	struct reach_result r = { 0 };
	struct mm_err e = { 0 };
	assert_int_equal(reach_eval(c, &o, &r, &e), 0);
	assert_int_equal(r.nexp, 0);
	assert_int_equal(count_blk(&r, inst->r.id, I), 2);
	assert_int_equal(count_blk(&r, inst->r.id, P), 2);
	const struct reach_block *b = blocked_fam(&r, inst->r.id, I, MM_AF_INET6);
	assert_non_null(b);
	assert_int_equal(b->family, MM_AF_INET6);
	assert_string_equal(b->code, "NO_PUBLIC_ADDRESS");
	b = blocked_fam(&r, inst->r.id, P, MM_AF_INET);
	assert_non_null(b);
	assert_int_equal(b->family, MM_AF_INET);
	assert_string_equal(b->code, "NO_ADDRESS");
	reach_result_release(&r);
	reach_free(c);
}

static void test_seed004_verdicts(void **st)
{
	struct fx *f = *st = fx_load("seed004");
	struct reach_verdict v;
	struct mm_err e = { 0 };
	assert_int_equal(reach_port_verdict(f->c, "i-0a10000000000pub1", TCP, 22, &v, &e), 0);
	assert_int_equal(v.state, 1);
	assert_string_equal(v.via, "igw-0a1000000000000aa");
	assert_int_equal(reach_port_verdict(f->c, "i-0a10000000000pub1", TCP, 80, &v, &e), 0);
	assert_int_equal(v.state, 0);
	assert_string_equal(v.code, "SG_NO_MATCHING_RULE");
	assert_int_equal(reach_port_verdict(f->c, "i-0a1000000000prot2", TCP, 22, &v, &e), 0);
	assert_int_equal(v.state, 0);
	assert_string_equal(v.code, "RETURN_ROUTE_NOT_IGW");
	assert_int_equal(reach_port_verdict(f->c, "i-0a1000000000prot1", TCP, 22, &v, &e), 0);
	assert_int_equal(v.state, 0);
	assert_string_equal(v.code, "NO_PUBLIC_ADDRESS");
	/* no block is reported for ipv6, yet the per-family verdict is
	 * definite: no ipv6 address, not reachable (never unknown) */
	assert_int_equal(
	    reach_port_verdict_family(f->c, "i-0a10000000000pub1", MM_AF_INET6, TCP, 22, &v, &e),
	    0);
	assert_int_equal(v.state, 0);
	assert_int_equal(v.family, MM_AF_INET6);
	assert_string_equal(v.code, "NO_PUBLIC_ADDRESS");
	assert_string_equal(v.component, "eni-0a1000000000pub1");
	assert_string_equal(v.detail, "interface 'eni-0a1000000000pub1' has no ipv6 address");
	assert_int_equal(reach_port_verdict(f->c, "i-nope", TCP, 22, &v, &e), MM_ENOTFOUND);
	assert_non_null(strstr(e.msg, "i-nope"));

	/* filtered evaluation: only port 3389, from the internet */
	struct reach_opts o = REACH_OPTS_INIT;
	o.family_blocks = true;
	struct reach_result r = { 0 };
	o.origins = I;
	o.instance = "i-0a10000000000pub1";
	o.proto = TCP;
	o.port = 3389;
	assert_int_equal(reach_eval(f->c, &o, &r, &e), 0);
	assert_int_equal(r.nexp, 1);
	assert_int_equal(r.exp[0].nports, 1);
	assert_true(r.exp[0].ports[0].lo == 3389 && r.exp[0].ports[0].hi == 3389);
	assert_int_equal(r.exp[0].nsrc, 1);
	assert_true(r.exp[0].src[0].lo == ip("153.127.10.20") &&
		    r.exp[0].src[0].hi == ip("153.127.10.20"));
	reach_result_release(&r);
}

/* ---- network ACLs ---- */

static void test_nacl(void **st)
{
	struct fx *f = *st = fx_load("nacl");
	const struct reach_result *r = &f->r;
	struct reach_verdict v;
	struct mm_err e = { 0 };
	/* rule 90 denies ssh before rule 100 allows everything */
	assert_non_null(admits(r, "i-0c200000000000001", I, "8.8.8.8", TCP, 80));
	assert_null(admits(r, "i-0c200000000000001", I, "8.8.8.8", TCP, 22));
	assert_int_equal(reach_port_verdict(f->c, "i-0c200000000000001", TCP, 22, &v, &e), 0);
	assert_int_equal(v.state, 0);
	assert_string_equal(v.code, "NACL_DENY_INBOUND");
	assert_string_equal(v.component, "acl-0c2000000000001c");
	assert_non_null(strstr(v.detail, "rule 90"));

	/* outbound rules let no reply reach client ephemeral ports */
	const struct reach_block *b = blocked(r, "i-0c200000000000002", I);
	assert_non_null(b);
	assert_string_equal(b->code, "NACL_DENY_RETURN");
	assert_string_equal(b->component, "acl-0c2000000000002c");

	/* deny 1.0.0.0/8 then allow the rest: exact source set */
	assert_non_null(admits(r, "i-0c200000000000003", I, "8.8.8.8", TCP, 22));
	assert_non_null(admits(r, "i-0c200000000000003", I, "2.0.0.1", TCP, 22));
	assert_null(admits(r, "i-0c200000000000003", I, "1.2.3.4", TCP, 22));
	assert_null(admits(r, "i-0c200000000000003", I, "8.8.8.8", TCP, 80));

	/* the NACL admits only ssh, the group only http */
	b = blocked(r, "i-0c200000000000004", I);
	assert_non_null(b);
	assert_string_equal(b->code, "SG_NO_MATCHING_RULE");
	assert_string_equal(b->component, "sg-0c2000000000002c");
	/* no peering connection: a definite block, not unknown */
	b = blocked(r, "i-0c200000000000004", P);
	assert_non_null(b);
	assert_string_equal(b->code, "NO_PEERING_CONNECTION");
}

/* ---- route tables ---- */

static void test_routes(void **st)
{
	struct fx *f = *st = fx_load("routes");
	const struct reach_result *r = &f->r;
	/* no explicit association: the main table, which routes to the IGW */
	assert_non_null(admits(r, "i-0d300000000000001", I, "8.8.8.8", TCP, 22));
	/* explicit association overrides the main table */
	const struct reach_block *b = blocked(r, "i-0d300000000000002", I);
	assert_non_null(b);
	assert_string_equal(b->code, "NO_ROUTE_TO_IGW");
	assert_string_equal(b->component, "rtb-0d3000000000002d");
	/* a more specific route to a NAT gateway cuts those sources */
	assert_non_null(admits(r, "i-0d300000000000003", I, "9.9.9.9", TCP, 22));
	assert_null(admits(r, "i-0d300000000000003", I, "8.8.8.8", TCP, 22));
	assert_null(admits(r, "i-0d300000000000003", I, "8.8.255.255", TCP, 22));
	assert_non_null(admits(r, "i-0d300000000000003", I, "8.9.0.0", TCP, 22));
	const struct reach_exposure *x = admits(r, "i-0d300000000000003", I, "9.9.9.9", TCP, 22);
	bool noted = false;
	for (size_t i = 0; i < x->nnotes; i++)
		noted |= strstr(x->notes[i], "nat-0d3000000000000dd") != NULL;
	assert_true(noted);
	b = blocked(r, "i-0d300000000000004", I);
	assert_non_null(b);
	assert_string_equal(b->code, "BLACKHOLE_ROUTE");
	b = blocked(r, "i-0d300000000000005", I);
	assert_non_null(b);
	assert_string_equal(b->code, "RETURN_ROUTE_NOT_IGW");
}

/* ---- IPv6 ---- */

static void test_ipv6(void **st)
{
	struct fx *f = *st = fx_load("ipv6");
	const struct reach_result *r = &f->r;
	const struct reach_exposure *x =
	    admits(r, "i-0e400000000000001", I, "2a00:1450:4001::1", TCP, 443);
	assert_non_null(x);
	assert_int_equal(x->family, MM_AF_INET6);
	assert_string_equal(x->address, "2600:1f18:1234:5601::10");
	assert_non_null(admits(r, "i-0e400000000000001", I, "8.8.8.8", TCP, 443));
	assert_null(admits(r, "i-0e400000000000001", I, "fd00::1", TCP, 443));
	assert_null(admits(r, "i-0e400000000000001", I, "2001:db8::1", TCP, 443));
	assert_non_null(admits(r, "i-0e400000000000001", I, "2a00:1450:4001::1", MM_PROTO_ICMPV6,
			       (128 << 8) | 0));
	/* egress-only internet gateway: nothing inbound */
	assert_int_equal(count_exp(r, "i-0e400000000000002", I), 0);
	const struct reach_block *b = blocked_fam(r, "i-0e400000000000002", I, MM_AF_INET6);
	assert_non_null(b);
	assert_string_equal(b->code, "RETURN_ROUTE_NOT_IGW");
	assert_int_equal(b->family, MM_AF_INET6);
	assert_non_null(strstr(b->detail, "eigw-0e4000000000000ee"));
	/* each family says where it stops: ipv4 never gets as far as the route */
	b = blocked_fam(r, "i-0e400000000000002", I, MM_AF_INET);
	assert_non_null(b);
	assert_string_equal(b->code, "NO_PUBLIC_ADDRESS");
	assert_int_equal(b->family, MM_AF_INET);
	struct reach_verdict v;
	struct mm_err e = { 0 };
	assert_int_equal(
	    reach_port_verdict_family(f->c, "i-0e400000000000002", MM_AF_INET, TCP, 22, &v, &e), 0);
	assert_int_equal(v.state, 0);
	assert_int_equal(v.family, MM_AF_INET);
	assert_string_equal(v.code, "NO_PUBLIC_ADDRESS");
	assert_int_equal(
	    reach_port_verdict_family(f->c, "i-0e400000000000002", MM_AF_INET6, TCP, 22, &v, &e),
	    0);
	assert_int_equal(v.state, 0);
	assert_int_equal(v.family, MM_AF_INET6);
	assert_string_equal(v.code, "RETURN_ROUTE_NOT_IGW");
	/* either family: reachable if one is, else the ipv4 block first */
	assert_int_equal(reach_port_verdict(f->c, "i-0e400000000000002", TCP, 22, &v, &e), 0);
	assert_int_equal(v.state, 0);
	assert_string_equal(v.code, "NO_PUBLIC_ADDRESS");
	assert_int_equal(
	    reach_port_verdict_family(f->c, "i-0e400000000000001", MM_AF_INET6, TCP, 443, &v, &e),
	    0);
	assert_int_equal(v.state, 1);
	assert_int_equal(v.family, MM_AF_INET6);
	/* ipv4 open, ipv6 denied by the NACL: the per-family answers differ */
	assert_int_equal(
	    reach_port_verdict_family(f->c, "i-0e400000000000003", MM_AF_INET, TCP, 443, &v, &e),
	    0);
	assert_int_equal(v.state, 1);
	assert_int_equal(v.family, MM_AF_INET);
	assert_int_equal(
	    reach_port_verdict_family(f->c, "i-0e400000000000003", MM_AF_INET6, TCP, 443, &v, &e),
	    0);
	assert_int_equal(v.state, 0);
	assert_int_equal(v.family, MM_AF_INET6);
	assert_string_equal(v.code, "NACL_DENY_INBOUND");
	/* a NACL without IPv6 entries denies IPv6 (IPv4 stays open) */
	assert_non_null(admits(r, "i-0e400000000000003", I, "8.8.8.8", TCP, 443));
	assert_null(admits(r, "i-0e400000000000003", I, "2a00:1450:4001::1", TCP, 443));
}

/* Without family_blocks (what src/posture reads): one block per interface
 * and origin, the family that got furthest, none when a family is exposed. */
static void test_legacy_blocks(void **st)
{
	const char *root = fixtures_root();
	if (!root)
		fail_msg("tests/fixtures/reach not found next to %s", __FILE__);
	char dir[8400];
	snprintf(dir, sizeof(dir), "%s/ipv6", root);
	struct reach_opts o = REACH_OPTS_INIT;
	struct fx *f = *st = fx_load_path(dir, &o);
	const struct reach_result *r = &f->r;
	assert_int_equal(count_blk(r, "i-0e400000000000002", I), 1);
	const struct reach_block *b = blocked(r, "i-0e400000000000002", I);
	assert_non_null(b);
	assert_string_equal(b->code, "RETURN_ROUTE_NOT_IGW");
	assert_int_equal(b->family, MM_AF_INET6);
	assert_int_equal(count_blk(r, "i-0e400000000000003", I), 0);
	assert_int_equal(count_blk(r, "i-0e400000000000001", I), 0);
}

/* ---- prefix lists ---- */

static void test_prefix_lists(void **st)
{
	struct fx *f = *st = fx_load("prefix-lists");
	const struct reach_result *r = &f->r;
	const char *a = "i-0f500000000000001";
	assert_non_null(admits(r, a, I, "52.84.1.1", TCP, 443));
	assert_non_null(admits(r, a, I, "13.33.1.1", TCP, 443));
	/* a prefix-list route to the transit gateway takes 13.32.0.0/16 back */
	assert_null(admits(r, a, I, "13.32.1.1", TCP, 443));
	assert_null(admits(r, a, I, "8.8.8.8", TCP, 443));
	assert_null(admits(r, a, I, "52.84.1.1", TCP, 22));
	/* the group's other prefix list has no entries: unknown, never safe */
	const struct reach_unknown *u = unknown_of(r, a, I);
	assert_non_null(u);
	assert_non_null(strstr(u->reason, "pl-0f500000000000003"));
	/* a route to a prefix list with unknown entries makes the subnet unknown */
	const char *b = "i-0f500000000000002";
	assert_int_equal(count_exp(r, b, I), 0);
	assert_null(blocked_fam(r, b, I, MM_AF_INET));
	u = unknown_of(r, b, I);
	assert_non_null(u);
	assert_non_null(strstr(u->reason, "rtb-0f5000000000002f"));
}

/* ---- security group references ---- */

static void test_sg_refs(void **st)
{
	struct fx *f = *st = fx_load("sg-refs");
	const struct reach_result *r = &f->r;
	const char *db = "i-0a60000000000000db";
	/* a group reference never admits the internet */
	assert_non_null(admits(r, db, I, "8.8.8.8", TCP, 443));
	assert_null(admits(r, db, I, "8.8.8.8", TCP, 5432));
	assert_null(admits(r, db, I, "8.8.8.8", TCP, 6379));
	/* across the peering: exactly the member's private address */
	const struct reach_exposure *x = admits(r, db, P, "10.4.1.10", TCP, 5432);
	assert_non_null(x);
	assert_string_equal(x->gateway, "pcx-0a6b000000000000a");
	assert_null(admits(r, db, P, "10.4.1.11", TCP, 5432));
	assert_non_null(admits(r, db, P, "10.4.1.11", TCP, 443));
	/* a peer subnet whose table does not route back is no source */
	assert_null(admits(r, db, P, "10.4.2.5", TCP, 443));
	assert_null(admits(r, db, P, "10.4.9.9", TCP, 443));
	/* the self reference admits members in this VPC only, none of them peers */
	assert_null(admits(r, db, P, "10.4.1.10", TCP, 6379));
	/* the other peer's interfaces are not in the snapshot: unknown, with the reason */
	assert_non_null(admits(r, db, P, "10.5.1.7", TCP, 443));
	assert_null(admits(r, db, P, "10.5.1.7", TCP, 5432));
	bool found = false;
	for (size_t i = 0; i < r->nunk; i++)
		if (!strcmp(r->unk[i].resource, db) && r->unk[i].origin == P &&
		    strstr(r->unk[i].reason, "sg-0c6000000000000p2"))
			found = true;
	assert_true(found);
}

/* ---- load balancers ---- */

static const struct reach_exposure *lb_exp(const struct reach_result *r, const char *res,
					   const char *lb_part)
{
	for (size_t i = 0; i < r->nexp; i++)
		if (!strcmp(r->exp[i].resource, res) && r->exp[i].entry_id &&
		    strstr(r->exp[i].entry_id, lb_part))
			return &r->exp[i];
	return NULL;
}

static void test_lb(void **st)
{
	struct fx *f = *st = fx_load("lb");
	const struct reach_result *r = &f->r;
	/* ALB 443 -> target group -> 8080 on a private instance admitting the ALB group */
	const struct reach_exposure *x = lb_exp(r, "i-0a7000000000000web1", "app/web/");
	assert_non_null(x);
	assert_int_equal(x->entry_port, 443);
	assert_int_equal(x->proto, TCP);
	assert_true(x->nports == 1 && x->ports[0].lo == 8080 && x->ports[0].hi == 8080);
	assert_true(iv_has(x->src, x->nsrc, ip("8.8.8.8")));
	assert_false(iv_has(x->src, x->nsrc, ip("10.0.0.1")));
	assert_string_equal(x->gateway, "igw-0a7000000000000aa");
	assert_non_null(hop_of(x->fwd, x->nfwd, "sg-0a70000000000alb"));
	assert_non_null(hop_of(x->fwd, x->nfwd, "sg-0a70000000000web"));
	/* the direct path is still blocked: the instance has no public address */
	const struct reach_block *b = blocked(r, "i-0a7000000000000web1", I);
	assert_non_null(b);
	assert_string_equal(b->code, "NO_PUBLIC_ADDRESS");
	/* a target whose group does not admit the balancer */
	assert_null(lb_exp(r, "i-0a7000000000000web3", "app/web/"));
	bool found = false;
	for (size_t i = 0; i < r->nblk; i++)
		if (!strcmp(r->blk[i].resource, "i-0a7000000000000web3") && r->blk[i].entry_id &&
		    !strcmp(r->blk[i].code, "SG_NO_MATCHING_RULE"))
			found = true;
	assert_true(found);
	/* NLB without groups preserves client addresses: the target's rule sees them */
	x = lb_exp(r, "i-0a70000000000000bas", "net/ssh/");
	assert_non_null(x);
	assert_int_equal(x->entry_port, 2222);
	assert_true(x->nports == 1 && x->ports[0].lo == 22);
	assert_true(iv_has(x->src, x->nsrc, ip("8.8.8.8")));
	assert_null(lb_exp(r, "i-0a7000000000000bas2", "net/ssh/"));

	struct reach_verdict v;
	struct mm_err e = { 0 };
	assert_int_equal(reach_port_verdict(f->c, "i-0a7000000000000web1", TCP, 8080, &v, &e), 0);
	assert_int_equal(v.state, 1);
	assert_non_null(strstr(v.via, "app/web/"));
	assert_int_equal(reach_port_verdict(f->c, "i-0a7000000000000web1", TCP, 22, &v, &e), 0);
	assert_int_equal(v.state, 0);
}

/* ---- detached gateways, stopped instances, missing inputs ---- */

static void test_detached_igw(void **st)
{
	struct fx *f = *st = fx_load("detached-igw");
	const struct reach_result *r = &f->r;
	const struct reach_block *b = blocked(r, "i-0a8000000000000001", I);
	assert_non_null(b);
	assert_string_equal(b->code, "IGW_NOT_ATTACHED");
	assert_string_equal(b->component, "igw-0a8000000000000aa");
	b = blocked(r, "i-0b8000000000000001", I);
	assert_non_null(b);
	assert_string_equal(b->code, "IGW_NOT_ATTACHED");
	assert_string_equal(b->component, "igw-0b8000000000000bb");
	b = blocked(r, "i-0a8000000000000002", I);
	assert_non_null(b);
	assert_string_equal(b->code, "INSTANCE_NOT_RUNNING");
	assert_int_equal(r->nexp, 0);
}

static void test_missing_inputs(void **st)
{
	struct fx *f = *st = fx_load("missing");
	const struct reach_result *r = &f->r;
	/* no gateways, route tables or NACLs: unknown, never "not reachable" */
	assert_null(blocked_fam(r, "i-0a9000000000000001", I, MM_AF_INET));
	const struct reach_unknown *u = unknown_of(r, "i-0a9000000000000001", I);
	assert_non_null(u);
	assert_non_null(strstr(u->reason, "not in the snapshot"));
	assert_non_null(unknown_of(r, "i-0a9000000000000001", P));
	/* but no public address at all is a definite answer */
	const struct reach_block *b = blocked(r, "i-0a9000000000000002", I);
	assert_non_null(b);
	assert_string_equal(b->code, "NO_PUBLIC_ADDRESS");
	assert_int_equal(r->nexp, 0);
}

/* ---- Batfish's own assertions on its fixtures ---- */

static void test_batfish_public_subnet(void **st)
{
	const char *sh = shared_dir();
	if (!sh) {
		print_message(
		    "../shared/fixtures/batfish not found (set MAMORI_SHARED): skipped\n");
		skip();
	}
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/fixtures/batfish/test-public-subnet", sh);
	struct fx *f = *st = fx_load_path(dir, NULL);
	const char *inst = "i-06669a407b2ef3ae5";
	/* from the internet, tcp/22 to 18.216.80.133 is accepted */
	const struct reach_exposure *x = admits(&f->r, inst, I, "8.8.8.8", TCP, 22);
	assert_non_null(x);
	assert_string_equal(x->address, "18.216.80.133");
	assert_string_equal(x->gateway, "igw-0a409e562d251f766");
	/* tcp/80 is denied by the security group */
	assert_null(admits(&f->r, inst, I, "8.8.8.8", TCP, 80));
	struct reach_verdict v;
	struct mm_err e = { 0 };
	assert_int_equal(reach_port_verdict(f->c, inst, TCP, 80, &v, &e), 0);
	assert_int_equal(v.state, 0);
	assert_string_equal(v.code, "SG_NO_MATCHING_RULE");
	assert_string_equal(v.component, "sg-09ccba6656672061b");
}

static void test_batfish_vpc_peering(void **st)
{
	const char *sh = shared_dir();
	if (!sh) {
		print_message(
		    "../shared/fixtures/batfish not found (set MAMORI_SHARED): skipped\n");
		skip();
	}
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/fixtures/batfish/test-vpc-peering", sh);
	struct fx *f = *st = fx_load_path(dir, NULL);
	const char *a = "i-06ba034d88c84ef07", *b = "i-0b14080af811fda3d";
	/* A to B and B to A (any flow other than the groups' tcp/22) are denied by the
	 * security group; tcp/22 itself passes through the right peering connection */
	assert_null(admits(&f->r, b, P, "10.10.10.157", TCP, 80));
	assert_null(admits(&f->r, a, P, "192.168.1.106", MM_PROTO_UDP, 53));
	const struct reach_exposure *x = admits(&f->r, b, P, "10.10.10.157", TCP, 22);
	assert_non_null(x);
	assert_string_equal(x->gateway, "pcx-0b89b559e3319d6cf");
	/* A's subnet routes only B's /24 and C's /24: 192.168.100.1 has no route */
	assert_null(admits(&f->r, a, P, "192.168.100.1", TCP, 22));
	assert_non_null(admits(&f->r, a, P, "192.168.1.106", TCP, 22));
	struct reach_opts o = REACH_OPTS_INIT;
	o.family_blocks = true;
	struct reach_result r = { 0 };
	struct mm_err e = { 0 };
	o.origins = P;
	o.instance = b;
	o.proto = TCP;
	o.port = 80;
	assert_int_equal(reach_eval(f->c, &o, &r, &e), 0);
	assert_int_equal(r.nexp, 0);
	/* ipv4 at the group; no ipv6 address, so no ipv6 block */
	assert_int_equal(r.nblk, 1);
	assert_string_equal(r.blk[0].code, "SG_NO_MATCHING_RULE");
	assert_int_equal(r.blk[0].family, MM_AF_INET);
	reach_result_release(&r);
}

/* ---- property test: random small networks vs a brute-force evaluator ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static const char *const cidrs[] = { "0.0.0.0/0",  "1.0.0.0/8",	 "1.1.0.0/16", "1.2.0.0/16",
				     "8.0.0.0/8",  "8.8.0.0/16", "8.8.8.0/24", "8.8.8.8/32",
				     "9.9.0.0/16", "54.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10" };
static const char *const sources[] = { "1.1.1.1",    "1.2.3.4",	 "8.8.8.8",    "8.8.4.4",
				       "8.8.8.9",    "9.9.9.9",	 "54.1.2.3",   "10.0.0.5",
				       "100.64.0.1", "11.0.0.1", "192.168.1.1" };
static const int ports[] = { 0, 1, 21, 22, 23, 53, 79, 80, 81, 443, 1023, 1024, 1025, 8080, 65535 };
static const int protos[] = { MM_PROTO_TCP, MM_PROTO_UDP, MM_PROTO_ICMP, 50, 47 };

struct gen {
	struct mm_model m;
	char *attached_igw; /* NULL when detached */
};

#define ACCT "111122223333"
#define REG  "eu-west-1"

static char *A(struct mm_model *m, const char *s)
{
	return arena_strdup(&m->arena, s);
}

static void res(struct mm_model *m, struct mm_res *r, const char *id, size_t idx)
{
	r->id = A(m, id);
	r->account = ACCT;
	r->region = REG;
	r->loc.file = "gen.json";
	r->loc.ptr = arena_printf(&m->arena, "/%s/%zu", id, idx);
}

static struct mm_cidr C(const char *s) {
	struct mm_cidr c;
	if (mm_cidr_parse(s, &c))
		fail_msg("bad cidr '%s'", s);
	return c;
}

static int
rnd_port(void)
{
	return ports[rnd(sizeof(ports) / sizeof(ports[0]))];
}

static int rnd_proto(bool allow_all)
{
	uint32_t k = rnd(allow_all ? 6 : 5);
	return k == 5 ? MM_PROTO_ALL : protos[k];
}

static void rnd_range(int proto, int *from, int *to)
{
	if (proto == MM_PROTO_ICMP) {
		int types[] = { -1, 0, 3, 8 }, codes[] = { -1, 0, 1 };
		*from = types[rnd(4)];
		*to = codes[rnd(3)];
		return;
	}
	int a = rnd_port(), b = rnd_port();
	if (rnd(4) == 0)
		b = a;
	*from = a < b ? a : b;
	*to = a < b ? b : a;
}

static void add_peering(struct gen *g);

static void gen_network_ex(struct gen *g, unsigned nsub, unsigned neni, bool peering)
{
	struct mm_model *m = &g->m;
	mm_model_init(m);
	struct mm_scope *sc = mm_scope_get(m, ACCT, REG);
	sc->have = ~0ull;
	ALLOC_GROW(m->vpcs, 1, m->avpcs);
	memset(&m->vpcs[0], 0, sizeof(m->vpcs[0]));
	res(m, &m->vpcs[0].r, "vpc-1", 0);
	m->nvpcs = 1;
	/* one IGW, attached (mostly) */
	ALLOC_GROW(m->igws, 1, m->aigws);
	memset(&m->igws[0], 0, sizeof(m->igws[0]));
	res(m, &m->igws[0].r, "igw-1", 0);
	m->igws[0].att = arena_calloc(&m->arena, 1, sizeof(*m->igws[0].att));
	m->igws[0].att[0].vpc_id = "vpc-1";
	m->igws[0].att[0].state = rnd(10) ? "available" : "detached";
	m->igws[0].natt = 1;
	m->nigws = 1;
	g->attached_igw = m->igws[0].att[0].state[0] == 'a' ? "igw-1" : NULL;
	/* route tables: one main, one per subnet (some subnets use the main one) */
	size_t nrtb = nsub + 1;
	ALLOC_GROW(m->rtbs, nrtb, m->artbs);
	for (size_t t = 0; t < nrtb; t++) {
		struct mm_rtb *rt = &m->rtbs[t];
		memset(rt, 0, sizeof(*rt));
		char id[32];
		snprintf(id, sizeof(id), "rtb-%zu", t);
		res(m, &rt->r, id, t);
		rt->vpc_id = "vpc-1";
		rt->main = t == 0;
		if (t) {
			rt->subnets = arena_calloc(&m->arena, 1, sizeof(char *));
			if (rnd(4)) {
				rt->subnets[0] = arena_printf(&m->arena, "subnet-%zu", t);
				rt->nsubnets = 1;
			}
		}
		size_t nr = 1 + rnd(4);
		rt->routes = arena_calloc(&m->arena, nr + 1, sizeof(*rt->routes));
		for (size_t k = 0; k < nr; k++) {
			struct mm_route *r = &rt->routes[rt->nroutes];
			r->dst = C(k == 0 ? "0.0.0.0/0" : cidrs[1 + rnd(9)]);
			bool dup = false;
			for (size_t q = 0; q < rt->nroutes; q++)
				dup |= rt->routes[q].dst.prefix == r->dst.prefix &&
				       rt->routes[q].dst.addr == r->dst.addr;
			if (dup)
				continue;
			uint32_t kind = rnd(8);
			r->target = kind < 5 ? MM_TGT_IGW : kind < 5 ? MM_TGT_NAT : MM_TGT_TGW;
			r->target_id = r->target == MM_TGT_IGW	 ? (rnd(8) ? "igw-1" : "igw-old")
				       : r->target == MM_TGT_NAT ? "nat-1"
								 : "tgw-1";
			r->blackhole = rnd(8) == 0;
			r->loc.file = "gen.json";
			r->loc.ptr = arena_printf(&m->arena, "/%s/routes/%zu", id, k);
			rt->nroutes++;
		}
	}
	m->nrtbs = nrtb;
	/* subnets, each with a NACL */
	ALLOC_GROW(m->subnets, nsub, m->asubnets);
	ALLOC_GROW(m->nacls, nsub, m->anacls);
	for (size_t s = 0; s < nsub; s++) {
		struct mm_subnet *sn = &m->subnets[s];
		memset(sn, 0, sizeof(*sn));
		char id[32];
		snprintf(id, sizeof(id), "subnet-%zu", s + 1);
		res(m, &sn->r, id, s);
		sn->vpc_id = "vpc-1";
		sn->cidr = C("10.0.0.0/24");
		struct mm_nacl *n = &m->nacls[s];
		memset(n, 0, sizeof(*n));
		snprintf(id, sizeof(id), "acl-%zu", s + 1);
		res(m, &n->r, id, s);
		n->vpc_id = "vpc-1";
		n->subnets = arena_calloc(&m->arena, 1, sizeof(char *));
		n->subnets[0] = sn->r.id;
		n->nsubnets = 1;
		size_t ne = 1 + rnd(8);
		n->entries = arena_calloc(&m->arena, ne + 2, sizeof(*n->entries));
		/* often a catch-all allow late in each direction, as real NACLs have */
		for (int dir = 0; dir < 2; dir++) {
			if (rnd(3) == 0)
				continue;
			struct mm_nacl_entry *en = &n->entries[n->nentries++];
			en->egress = dir;
			en->rule_no = 1000;
			en->allow = true;
			en->proto = MM_PROTO_ALL;
			en->cidr = C("0.0.0.0/0");
			en->to = 65535;
			en->icmp_type = en->icmp_code = -1;
			en->loc.file = "gen.json";
			en->loc.ptr = arena_printf(&m->arena, "/%s/entries/x%d", n->r.id, dir);
		}
		for (size_t k = 0; k < ne; k++) {
			struct mm_nacl_entry *en = &n->entries[n->nentries];
			en->egress = rnd(3) == 0;
			en->rule_no = 1 + (int)rnd(300);
			bool dup = false;
			for (size_t q = 0; q < n->nentries; q++)
				dup |= n->entries[q].egress == en->egress &&
				       n->entries[q].rule_no == en->rule_no;
			if (dup)
				continue;
			en->allow = rnd(3) != 0;
			en->proto = rnd_proto(true);
			en->cidr = C(cidrs[rnd(10)]);
			en->from = 0;
			en->to = 65535;
			en->icmp_type = en->icmp_code = -1;
			if (en->proto == MM_PROTO_TCP || en->proto == MM_PROTO_UDP) {
				rnd_range(en->proto, &en->from, &en->to);
				if (en->egress && rnd(2)) {
					en->from = rnd(2) ? 1024 : 1025;
					en->to = rnd(2) ? 65535 : 2000;
				}
			} else if (en->proto == MM_PROTO_ICMP) {
				rnd_range(en->proto, &en->icmp_type, &en->icmp_code);
			}
			en->loc.file = "gen.json";
			en->loc.ptr = arena_printf(&m->arena, "/%s/entries/%zu", n->r.id, k);
			n->nentries++;
		}
	}
	m->nsubnets = nsub;
	m->nnacls = nsub;
	/* security groups */
	size_t nsg = 3;
	ALLOC_GROW(m->sgs, nsg, m->asgs);
	for (size_t k = 0; k < nsg; k++) {
		struct mm_sg *sg = &m->sgs[k];
		memset(sg, 0, sizeof(*sg));
		char id[32];
		snprintf(id, sizeof(id), "sg-%zu", k + 1);
		res(m, &sg->r, id, k);
		sg->vpc_id = "vpc-1";
		size_t np = rnd(5);
		sg->in = arena_calloc(&m->arena, np + 1, sizeof(*sg->in));
		for (size_t q = 0; q < np; q++) {
			struct mm_sg_perm *p = &sg->in[sg->nin++];
			p->proto = rnd_proto(true);
			p->from = 0;
			p->to = 65535;
			if (p->proto == MM_PROTO_TCP || p->proto == MM_PROTO_UDP ||
			    p->proto == MM_PROTO_ICMP)
				rnd_range(p->proto, &p->from, &p->to);
			size_t ns = 1 + rnd(2);
			p->src = arena_calloc(&m->arena, ns, sizeof(*p->src));
			for (size_t z = 0; z < ns; z++) {
				struct mm_sg_src *src = &p->src[p->nsrc++];
				if (rnd(6) == 0) {
					src->kind = MM_SRC_SG;
					src->value = "sg-1";
				} else {
					src->kind = MM_SRC_CIDR4;
					src->value = cidrs[rnd(3) ? rnd(12) : 0];
					src->cidr = C(src->value);
				}
			}
			p->loc.file = "gen.json";
			p->loc.ptr = arena_printf(&m->arena, "/%s/in/%zu", sg->r.id, q);
		}
	}
	m->nsgs = nsg;
	/* instances with one interface each */
	ALLOC_GROW(m->instances, neni, m->ainstances);
	ALLOC_GROW(m->enis, neni, m->aenis);
	for (size_t k = 0; k < neni; k++) {
		struct mm_eni *e = &m->enis[k];
		struct mm_instance *in = &m->instances[k];
		memset(e, 0, sizeof(*e));
		memset(in, 0, sizeof(*in));
		char id[32];
		snprintf(id, sizeof(id), "eni-%zu", k);
		res(m, &e->r, id, k);
		snprintf(id, sizeof(id), "i-%zu", k);
		res(m, &in->r, id, k);
		in->state = rnd(12) ? "running" : "stopped";
		e->vpc_id = in->vpc_id = "vpc-1";
		e->subnet_id = in->subnet_id = arena_printf(&m->arena, "subnet-%u", 1 + rnd(nsub));
		e->instance_id = in->r.id;
		size_t ng = 1 + rnd(2);
		e->groups = arena_calloc(&m->arena, ng, sizeof(char *));
		for (size_t q = 0; q < ng; q++)
			e->groups[e->ngroups++] = arena_printf(&m->arena, "sg-%u", 1 + rnd(3));
		e->ips = arena_calloc(&m->arena, 1, sizeof(*e->ips));
		e->ips[0].private_ip = arena_printf(&m->arena, "10.0.0.%zu", 10 + k);
		e->ips[0].primary = true;
		e->ips[0].public_ip = rnd(6) ? arena_printf(&m->arena, "54.9.9.%zu", k) : NULL;
		e->nips = 1;
		in->enis = arena_calloc(&m->arena, 1, sizeof(char *));
		in->enis[0] = e->r.id;
		in->nenis = 1;
	}
	m->ninstances = m->nenis = neni;
	if (peering)
		add_peering(g);
	mm_model_index(m);
}

static void gen_network(struct gen *g, unsigned nsub, unsigned neni)
{
	gen_network_ex(g, nsub, neni, false);
}

/* ---- peering: a peer VPC 10.9.0.0/16 with subnets, tables and interfaces ---- */

static struct mm_route *grow_routes(struct mm_model *m, struct mm_rtb *t, size_t extra)
{
	struct mm_route *v = arena_calloc(&m->arena, t->nroutes + extra, sizeof(*v));
	if (t->nroutes)
		memcpy(v, t->routes, t->nroutes * sizeof(*v));
	t->routes = v;
	return v;
}

static void add_route(struct mm_model *m, struct mm_rtb *t, const char *dst, enum mm_target kind,
		      const char *id, bool blackhole)
{
	struct mm_cidr c = C(dst);
	for (size_t q = 0; q < t->nroutes; q++)
		if (t->routes[q].dst.prefix == c.prefix && t->routes[q].dst.addr == c.addr)
			return;
	grow_routes(m, t, 1);
	struct mm_route *r = &t->routes[t->nroutes];
	r->dst = c;
	r->target = kind;
	r->target_id = id;
	r->blackhole = blackhole;
	r->loc.file = "gen.json";
	r->loc.ptr = arena_printf(&m->arena, "/%s/routes/p%zu", t->r.id, t->nroutes);
	t->nroutes++;
}

static void add_peering(struct gen *g)
{
	struct mm_model *m = &g->m;
	ALLOC_GROW(m->vpcs, 2, m->avpcs);
	memset(&m->vpcs[1], 0, sizeof(m->vpcs[1]));
	res(m, &m->vpcs[1].r, "vpc-2", 1);
	m->nvpcs = 2;
	ALLOC_GROW(m->pcxs, 1, m->apcxs);
	struct mm_pcx *x = &m->pcxs[0];
	memset(x, 0, sizeof(*x));
	res(m, &x->r, "pcx-1", 0);
	x->status = rnd(10) ? "active" : "pending-acceptance";
	x->req.vpc_id = "vpc-1";
	x->req.cidrs = arena_calloc(&m->arena, 1, sizeof(struct mm_cidr));
	x->req.cidrs[0] = C("10.0.0.0/16");
	x->req.ncidrs = 1;
	x->acc.vpc_id = "vpc-2";
	x->acc.cidrs = arena_calloc(&m->arena, 1, sizeof(struct mm_cidr));
	x->acc.cidrs[0] = C("10.9.0.0/16");
	x->acc.ncidrs = 1;
	m->npcxs = 1;
	/* this side's tables: routes to the peer */
	static const char *const here[] = { "10.9.0.0/16", "10.9.1.0/24", "10.9.2.0/25" };
	for (size_t t = 0; t < m->nrtbs; t++)
		for (size_t k = 0; k < 3; k++) {
			if (rnd(3) == 0)
				continue;
			uint32_t kind = rnd(10);
			add_route(m, &m->rtbs[t], here[k], kind < 7 ? MM_TGT_PCX : MM_TGT_NAT,
				  kind < 7 ? "pcx-1" : "nat-1", kind == 6);
		}
	/* peer subnets and their tables */
	size_t npsub = 2 + rnd(2), base_rtb = m->nrtbs, base_sub = m->nsubnets;
	ALLOC_GROW(m->subnets, base_sub + npsub, m->asubnets);
	ALLOC_GROW(m->rtbs, base_rtb + npsub + 1, m->artbs);
	static const char *const there[] = { "10.0.0.0/16", "10.0.0.0/24", "10.0.0.16/28",
					     "10.0.0.0/8" };
	for (size_t k = 0; k <= npsub; k++) {
		struct mm_rtb *t = &m->rtbs[base_rtb + k];
		memset(t, 0, sizeof(*t));
		char id[32];
		snprintf(id, sizeof(id), "rtb-p%zu", k);
		res(m, &t->r, id, 100 + k);
		t->vpc_id = "vpc-2";
		t->main = k == 0;
		add_route(m, t, "10.9.0.0/16", MM_TGT_LOCAL, "local", false);
		for (size_t q = 0; q < 4; q++) {
			if (rnd(2))
				continue;
			uint32_t kind = rnd(10);
			add_route(m, t, there[q], kind < 7 ? MM_TGT_PCX : MM_TGT_TGW,
				  kind < 7 ? "pcx-1" : "tgw-1", kind == 5);
		}
		if (k) {
			struct mm_subnet *sn = &m->subnets[base_sub + k - 1];
			memset(sn, 0, sizeof(*sn));
			snprintf(id, sizeof(id), "subnet-p%zu", k);
			res(m, &sn->r, id, 100 + k);
			sn->vpc_id = "vpc-2";
			sn->cidr = C(arena_printf(&m->arena, "10.9.%zu.0/24", k));
			if (rnd(4)) {
				t->subnets = arena_calloc(&m->arena, 1, sizeof(char *));
				t->subnets[0] = sn->r.id;
				t->nsubnets = 1;
			}
		}
	}
	m->nrtbs = base_rtb + npsub + 1;
	m->nsubnets = base_sub + npsub;
	/* NACL entries about the peer */
	static const char *const pn[] = { "10.9.1.0/24", "10.9.0.0/16", "10.0.0.0/8" };
	for (size_t i = 0; i < m->nnacls; i++) {
		struct mm_nacl *n = &m->nacls[i];
		size_t add = rnd(3);
		struct mm_nacl_entry *v = arena_calloc(&m->arena, n->nentries + add, sizeof(*v));
		memcpy(v, n->entries, n->nentries * sizeof(*v));
		n->entries = v;
		for (size_t k = 0; k < add; k++) {
			struct mm_nacl_entry *en = &n->entries[n->nentries];
			en->egress = rnd(3) == 0;
			en->rule_no = 301 + (int)rnd(300);
			bool dup = false;
			for (size_t q = 0; q < n->nentries; q++)
				dup |= n->entries[q].egress == en->egress &&
				       n->entries[q].rule_no == en->rule_no;
			if (dup)
				continue;
			en->allow = rnd(3) != 0;
			en->proto = rnd_proto(true);
			en->cidr = C(pn[rnd(3)]);
			en->from = 0;
			en->to = 65535;
			en->icmp_type = en->icmp_code = -1;
			if (en->proto == MM_PROTO_TCP || en->proto == MM_PROTO_UDP)
				rnd_range(en->proto, &en->from, &en->to);
			en->loc.file = "gen.json";
			en->loc.ptr = arena_printf(&m->arena, "/%s/entries/p%zu", n->r.id, k);
			n->nentries++;
		}
	}
	/* groups: a peer group with members, rules naming peer ranges or it */
	size_t nsg = m->nsgs;
	ALLOC_GROW(m->sgs, nsg + 1, m->asgs);
	memset(&m->sgs[nsg], 0, sizeof(m->sgs[nsg]));
	res(m, &m->sgs[nsg].r, "sg-p", 50);
	m->sgs[nsg].vpc_id = "vpc-2";
	m->nsgs = nsg + 1;
	static const char *const ps[] = { "10.9.0.0/16", "10.9.1.0/24", "10.9.2.0/24", "sg-p",
					  "sg-1" };
	for (size_t k = 0; k < nsg; k++) {
		struct mm_sg *sg = &m->sgs[k];
		size_t add = rnd(3);
		struct mm_sg_perm *v = arena_calloc(&m->arena, sg->nin + add + 1, sizeof(*v));
		if (sg->nin)
			memcpy(v, sg->in, sg->nin * sizeof(*v));
		sg->in = v;
		for (size_t q = 0; q < add; q++) {
			struct mm_sg_perm *p = &sg->in[sg->nin];
			p->proto = rnd_proto(true);
			p->from = 0;
			p->to = 65535;
			if (p->proto == MM_PROTO_TCP || p->proto == MM_PROTO_UDP ||
			    p->proto == MM_PROTO_ICMP)
				rnd_range(p->proto, &p->from, &p->to);
			p->src = arena_calloc(&m->arena, 1, sizeof(*p->src));
			const char *src = ps[rnd(5)];
			p->src[0].value = src;
			if (src[0] == 's') {
				p->src[0].kind = MM_SRC_SG;
			} else {
				p->src[0].kind = MM_SRC_CIDR4;
				p->src[0].cidr = C(src);
			}
			p->nsrc = 1;
			p->loc.file = "gen.json";
			p->loc.ptr = arena_printf(&m->arena, "/%s/in/p%zu", sg->r.id, q);
			sg->nin++;
		}
	}
	/* peer interfaces (not instances): members of sg-p or not */
	size_t ne = m->nenis;
	ALLOC_GROW(m->enis, ne + 2, m->aenis);
	static const char *const pip[] = { "10.9.1.5", "10.9.2.7" };
	for (size_t k = 0; k < 2; k++) {
		struct mm_eni *e = &m->enis[ne + k];
		memset(e, 0, sizeof(*e));
		res(m, &e->r, k ? "eni-p2" : "eni-p1", 200 + k);
		e->vpc_id = "vpc-2";
		e->subnet_id = k ? "subnet-p2" : "subnet-p1";
		e->groups = arena_calloc(&m->arena, 1, sizeof(char *));
		e->groups[0] = k ? "sg-none" : "sg-p";
		e->ngroups = 1;
		e->ips = arena_calloc(&m->arena, 1, sizeof(*e->ips));
		e->ips[0].private_ip = pip[k];
		e->ips[0].primary = true;
		e->nips = 1;
	}
	m->nenis = ne + 2;
}

static const struct mm_route *lpm(const struct mm_rtb *t, mm_u128 a)
{
	const struct mm_route *best = NULL;
	for (size_t i = 0; t && i < t->nroutes; i++)
		if (mm_cidr_contains(&t->routes[i].dst, MM_AF_INET, a) &&
		    (!best || t->routes[i].dst.prefix > best->dst.prefix))
			best = &t->routes[i];
	return best;
}

static const struct mm_rtb *table_of(const struct mm_model *m, const char *subnet, const char *vpc)
{
	for (size_t i = 0; i < m->nrtbs; i++)
		for (size_t k = 0; k < m->rtbs[i].nsubnets; k++)
			if (!strcmp(m->rtbs[i].subnets[k], subnet))
				return &m->rtbs[i];
	for (size_t i = 0; i < m->nrtbs; i++)
		if (m->rtbs[i].main && !strcmp(m->rtbs[i].vpc_id, vpc))
			return &m->rtbs[i];
	return NULL;
}

static bool to_pcx(const struct mm_route *r)
{
	return r && !r->blackhole && r->target == MM_TGT_PCX && !strcmp(r->target_id, "pcx-1");
}

/* ---- the brute-force evaluator: one concrete packet at a time ---- */

static bool in_cidr(const struct mm_cidr *c, mm_u128 a)
{
	return mm_cidr_contains(c, MM_AF_INET, a);
}

static bool proto_port_match(int rule_proto, int from, int to, int proto, int port, bool sg)
{
	if (rule_proto == MM_PROTO_ALL)
		return true;
	if (rule_proto != proto)
		return false;
	if (proto == MM_PROTO_TCP || proto == MM_PROTO_UDP)
		return from <= port && port <= to;
	if (proto == MM_PROTO_ICMP) {
		int type = port >> 8, code = port & 255;
		(void)sg;
		return (from < 0 || from == type) && (from < 0 || to < 0 || to == code);
	}
	return true;
}

/* NACL first match; true if allowed. */
static bool nacl_allows(const struct mm_nacl *n, bool egress, int proto, int port, mm_u128 peer)
{
	const struct mm_nacl_entry *best = NULL;
	for (size_t i = 0; i < n->nentries; i++) {
		const struct mm_nacl_entry *en = &n->entries[i];
		if (en->egress != egress || (best && best->rule_no <= en->rule_no))
			continue;
		int from = en->from, to = en->to;
		if (en->proto == MM_PROTO_ICMP) {
			from = en->icmp_type;
			to = en->icmp_code;
		}
		if (!proto_port_match(en->proto, from, to, proto, port, false) ||
		    !in_cidr(&en->cidr, peer))
			continue;
		best = en;
	}
	return best && best->allow;
}

static void add_cand(int *v, size_t *n, int x, int lo, int hi)
{
	if (x >= lo && x <= hi)
		v[(*n)++] = x;
}

static bool reply_allowed(const struct mm_nacl *n, int proto, mm_u128 client)
{
	int cand[2048];
	size_t nc = 0;
	if (proto == MM_PROTO_TCP || proto == MM_PROTO_UDP) {
		add_cand(cand, &nc, 1024, 1024, 65535);
		add_cand(cand, &nc, 65535, 1024, 65535);
		for (size_t i = 0; i < n->nentries && nc < 1000; i++) {
			const struct mm_nacl_entry *en = &n->entries[i];
			add_cand(cand, &nc, en->from, 1024, 65535);
			add_cand(cand, &nc, en->to, 1024, 65535);
			add_cand(cand, &nc, en->from - 1, 1024, 65535);
			add_cand(cand, &nc, en->to + 1, 1024, 65535);
		}
	} else if (proto == MM_PROTO_ICMP) {
		static const int codes[] = { 0, 1, 2, 255 };
		for (int t = 0; t < 256; t++)
			for (size_t c = 0; c < 4; c++)
				cand[nc++] = t << 8 | codes[c];
	} else {
		cand[nc++] = 0;
	}
	for (size_t i = 0; i < nc; i++)
		if (nacl_allows(n, true, proto, cand[i], client))
			return true;
	return false;
}

static bool brute(const struct gen *g, const struct mm_instance *in, mm_u128 src, int proto,
		  int port)
{
	const struct mm_model *m = &g->m;
	if (strcmp(in->state, "running"))
		return false;
	const struct mm_eni *e = mm_find_eni(m, in->enis[0]);
	if (!e->ips[0].public_ip || !g->attached_igw)
		return false;
	if (!ivset_contains(mm_internet_ranges(MM_AF_INET), src))
		return false;
	/* effective route table: explicit association, else main */
	const struct mm_rtb *t = NULL;
	for (size_t i = 0; i < m->nrtbs && !t; i++)
		for (size_t k = 0; k < m->rtbs[i].nsubnets; k++)
			if (!strcmp(m->rtbs[i].subnets[k], e->subnet_id))
				t = &m->rtbs[i];
	for (size_t i = 0; i < m->nrtbs && !t; i++)
		if (m->rtbs[i].main)
			t = &m->rtbs[i];
	const struct mm_route *best = NULL;
	for (size_t i = 0; i < t->nroutes; i++)
		if (in_cidr(&t->routes[i].dst, src) &&
		    (!best || t->routes[i].dst.prefix > best->dst.prefix))
			best = &t->routes[i];
	if (!best || best->blackhole || best->target != MM_TGT_IGW ||
	    strcmp(best->target_id, g->attached_igw))
		return false;
	const struct mm_nacl *n = NULL;
	for (size_t i = 0; i < m->nnacls; i++)
		if (!strcmp(m->nacls[i].subnets[0], e->subnet_id))
			n = &m->nacls[i];
	if (!nacl_allows(n, false, proto, port, src))
		return false;
	bool sg_ok = false;
	for (size_t q = 0; q < e->ngroups && !sg_ok; q++) {
		const struct mm_sg *sg = mm_find_sg(m, e->groups[q]);
		for (size_t k = 0; k < sg->nin && !sg_ok; k++) {
			const struct mm_sg_perm *p = &sg->in[k];
			if (!proto_port_match(p->proto, p->from, p->to, proto, port, true))
				continue;
			for (size_t z = 0; z < p->nsrc; z++)
				if (p->src[z].kind == MM_SRC_CIDR4 && in_cidr(&p->src[z].cidr, src))
					sg_ok = true;
		}
	}
	return sg_ok && reply_allowed(n, proto, src);
}

/* Protocols some rule on the interface's path names: the engine reports the
 * others together as REACH_PROTO_OTHER. */
static bool named_proto(const struct mm_model *m, const struct mm_instance *in, int proto)
{
	if (proto == MM_PROTO_TCP || proto == MM_PROTO_UDP || proto == MM_PROTO_ICMP ||
	    proto == MM_PROTO_ICMPV6)
		return true;
	const struct mm_eni *e = mm_find_eni(m, in->enis[0]);
	for (size_t i = 0; i < m->nnacls; i++) {
		if (strcmp(m->nacls[i].subnets[0], e->subnet_id))
			continue;
		for (size_t k = 0; k < m->nacls[i].nentries; k++)
			if (m->nacls[i].entries[k].proto == proto)
				return true;
	}
	for (size_t q = 0; q < e->ngroups; q++) {
		const struct mm_sg *sg = mm_find_sg(m, e->groups[q]);
		for (size_t k = 0; k < sg->nin; k++)
			if (sg->in[k].proto == proto)
				return true;
	}
	return false;
}

static bool engine_admits(const struct reach_result *r, const char *inst, mm_u128 src, int proto,
			  int port, bool named_only_in_other_eni)
{
	for (size_t i = 0; i < r->nexp; i++) {
		const struct reach_exposure *x = &r->exp[i];
		if (strcmp(x->resource, inst) || x->origin != I || x->family != MM_AF_INET)
			continue;
		bool pmatch = x->proto == MM_PROTO_ALL || x->proto == proto ||
			      (x->proto == REACH_PROTO_OTHER && named_only_in_other_eni);
		if (!pmatch)
			continue;
		if (x->proto == proto && !iv_has(x->ports, x->nports, (mm_u128)port))
			continue;
		if (iv_has(x->src, x->nsrc, src))
			return true;
	}
	return false;
}

static void test_property_brute_force(void **st)
{
	(void)st;
	size_t checked = 0, positive = 0;
	for (unsigned round = 0; round < 150; round++) {
		rng_state = 0x9e3779b97f4a7c15ull ^ ((uint64_t)round * 0x100000001b3ull);
		struct gen g;
		memset(&g, 0, sizeof(g));
		gen_network(&g, 1 + rnd(3), 2 + rnd(5));
		struct reach_ctx *c = reach_new(&g.m);
		struct reach_result r = { 0 };
		struct reach_opts o = REACH_OPTS_INIT;
		o.family_blocks = true;
		o.family_blocks = true;
		struct mm_err e = { 0 };
		o.origins = I;
		assert_int_equal(reach_eval(c, &o, &r, &e), 0);
		for (size_t k = 0; k < g.m.ninstances; k++) {
			const struct mm_instance *in = &g.m.instances[k];
			bool any = false;
			for (size_t s = 0; s < sizeof(sources) / sizeof(sources[0]); s++) {
				mm_u128 src = ip(sources[s]);
				for (size_t pi = 0; pi < sizeof(protos) / sizeof(protos[0]); pi++) {
					int proto = protos[pi];
					bool other = !named_proto(&g.m, in, proto);
					for (size_t q = 0; q < sizeof(ports) / sizeof(ports[0]);
					     q++) {
						int port = ports[q];
						if (proto == MM_PROTO_ICMP)
							port =
							    (int)((ports[q] % 10) << 8 | (q % 3));
						else if (proto != MM_PROTO_TCP &&
							 proto != MM_PROTO_UDP)
							port = 0;
						bool want = brute(&g, in, src, proto, port);
						bool got = engine_admits(&r, in->r.id, src, proto,
									 port, other);
						if (want != got)
							fail_msg(
							    "round %u %s: %s proto %d port %d: "
							    "brute force says %d, engine %d",
							    round, in->r.id, sources[s], proto,
							    port, want, got);
						any |= want;
						positive += want;
						checked++;
					}
				}
			}
			/* reachable over ipv4: no ipv4 block (the interfaces have
			 * no ipv6 address, so that family is never reported) */
			size_t nb = 0, nb6 = 0;
			for (size_t i = 0; i < r.nblk; i++) {
				if (strcmp(r.blk[i].resource, in->r.id))
					continue;
				nb += r.blk[i].family != MM_AF_INET6;
				nb6 += r.blk[i].family == MM_AF_INET6;
			}
			if (any)
				assert_int_equal(nb, 0);
			assert_int_equal(nb6, 0);
		}
		/* a second evaluation is served from the memo and is identical */
		struct reach_result r2 = { 0 };
		size_t misses = r.memo_misses;
		assert_int_equal(reach_eval(c, &o, &r2, &e), 0);
		assert_int_equal(r2.memo_misses, misses);
		assert_int_equal(r2.nexp, r.nexp);
		for (size_t i = 0; i < r.nexp; i++) {
			assert_int_equal(r.exp[i].proto, r2.exp[i].proto);
			assert_int_equal(r.exp[i].nsrc, r2.exp[i].nsrc);
			assert_memory_equal(r.exp[i].src, r2.exp[i].src,
					    r.exp[i].nsrc * sizeof(*r.exp[i].src));
		}
		reach_result_release(&r2);
		reach_result_release(&r);
		reach_free(c);
		mm_model_release(&g.m);
	}
	print_message("property: %zu points checked, %zu reachable\n", checked, positive);
	assert_true(positive > 2000);
}

/* One packet from a peer address to the interface's private address. */
static bool brute_peer(const struct gen *g, const struct mm_instance *in, mm_u128 src, int proto,
		       int port)
{
	const struct mm_model *m = &g->m;
	if (strcmp(in->state, "running") || strcmp(m->pcxs[0].status, "active"))
		return false;
	if (!mm_cidr_contains(&m->pcxs[0].acc.cidrs[0], MM_AF_INET, src))
		return false;
	const struct mm_eni *e = mm_find_eni(m, in->enis[0]);
	mm_u128 dst = ip(e->ips[0].private_ip);
	/* the peer side: the source's subnet must send dst to the connection; when
	 * every peer subnet does, any peer address counts */
	bool all_back = true, src_ok = false;
	size_t npeer = 0;
	for (size_t i = 0; i < m->nsubnets; i++) {
		const struct mm_subnet *sn = &m->subnets[i];
		if (strcmp(sn->vpc_id, "vpc-2"))
			continue;
		npeer++;
		bool back = to_pcx(lpm(table_of(m, sn->r.id, "vpc-2"), dst));
		all_back &= back;
		if (back && mm_cidr_contains(&sn->cidr, MM_AF_INET, src))
			src_ok = true;
	}
	if (!src_ok && !(all_back && npeer))
		return false;
	/* this side: the reply must go back through the connection */
	if (!to_pcx(lpm(table_of(m, e->subnet_id, "vpc-1"), src)))
		return false;
	const struct mm_nacl *n = NULL;
	for (size_t i = 0; i < m->nnacls; i++)
		if (!strcmp(m->nacls[i].subnets[0], e->subnet_id))
			n = &m->nacls[i];
	if (!nacl_allows(n, false, proto, port, src))
		return false;
	bool sg_ok = false;
	for (size_t q = 0; q < e->ngroups && !sg_ok; q++) {
		const struct mm_sg *sg = mm_find_sg(m, e->groups[q]);
		for (size_t k = 0; k < sg->nin && !sg_ok; k++) {
			const struct mm_sg_perm *p = &sg->in[k];
			if (!proto_port_match(p->proto, p->from, p->to, proto, port, true))
				continue;
			for (size_t z = 0; z < p->nsrc; z++) {
				if (p->src[z].kind == MM_SRC_CIDR4 && in_cidr(&p->src[z].cidr, src))
					sg_ok = true;
				if (p->src[z].kind != MM_SRC_SG)
					continue;
				/* a reference: the private addresses of the group's members */
				for (size_t w = 0; w < m->nenis; w++)
					for (size_t y = 0; y < m->enis[w].ngroups; y++)
						if (!strcmp(m->enis[w].groups[y],
							    p->src[z].value) &&
						    ip(m->enis[w].ips[0].private_ip) == src)
							sg_ok = true;
			}
		}
	}
	return sg_ok && reply_allowed(n, proto, src);
}

static bool engine_admits_peer(const struct reach_result *r, const char *inst, mm_u128 src,
			       int proto, int port, bool other)
{
	for (size_t i = 0; i < r->nexp; i++) {
		const struct reach_exposure *x = &r->exp[i];
		if (strcmp(x->resource, inst) || x->origin != P || x->family != MM_AF_INET)
			continue;
		bool pmatch = x->proto == MM_PROTO_ALL || x->proto == proto ||
			      (x->proto == REACH_PROTO_OTHER && other);
		if (!pmatch)
			continue;
		if (x->proto == proto && !iv_has(x->ports, x->nports, (mm_u128)port))
			continue;
		if (iv_has(x->src, x->nsrc, src))
			return true;
	}
	return false;
}

static void test_property_peering(void **st)
{
	(void)st;
	static const char *const psrc[] = { "10.9.1.5",	  "10.9.1.200", "10.9.2.7", "10.9.3.9",
					    "10.9.200.1", "10.8.0.1",	"8.8.8.8" };
	size_t checked = 0, positive = 0;
	for (unsigned round = 0; round < 120; round++) {
		rng_state = 0x51ed270b27a1c3d9ull ^ ((uint64_t)round * 0x2545f4914f6cdd1dull);
		struct gen g;
		memset(&g, 0, sizeof(g));
		gen_network_ex(&g, 1 + rnd(3), 2 + rnd(4), true);
		struct reach_ctx *c = reach_new(&g.m);
		struct reach_result r = { 0 };
		struct reach_opts o = REACH_OPTS_INIT;
		o.family_blocks = true;
		o.family_blocks = true;
		struct mm_err e = { 0 };
		o.origins = P;
		assert_int_equal(reach_eval(c, &o, &r, &e), 0);
		assert_int_equal(r.nunk, 0);
		for (size_t k = 0; k < g.m.ninstances; k++) {
			const struct mm_instance *in = &g.m.instances[k];
			for (size_t s = 0; s < sizeof(psrc) / sizeof(psrc[0]); s++) {
				mm_u128 src = ip(psrc[s]);
				for (size_t pi = 0; pi < sizeof(protos) / sizeof(protos[0]); pi++) {
					int proto = protos[pi];
					bool other = !named_proto(&g.m, in, proto);
					for (size_t q = 0; q < sizeof(ports) / sizeof(ports[0]);
					     q++) {
						int port = ports[q];
						if (proto == MM_PROTO_ICMP)
							port =
							    (int)((ports[q] % 10) << 8 | (q % 3));
						else if (proto != MM_PROTO_TCP &&
							 proto != MM_PROTO_UDP)
							port = 0;
						bool want = brute_peer(&g, in, src, proto, port);
						bool got = engine_admits_peer(&r, in->r.id, src,
									      proto, port, other);
						if (want != got)
							fail_msg(
							    "round %u %s: %s proto %d port %d: "
							    "brute force says %d, engine %d",
							    round, in->r.id, psrc[s], proto, port,
							    want, got);
						positive += want;
						checked++;
					}
				}
			}
		}
		reach_result_release(&r);
		reach_free(c);
		mm_model_release(&g.m);
	}
	print_message("peering property: %zu points checked, %zu reachable\n", checked, positive);
	assert_true(positive > 1000);
}

/* Filtered per-port evaluation agrees with the unfiltered one. */
static void test_property_filter_agrees(void **st)
{
	(void)st;
	for (unsigned round = 0; round < 40; round++) {
		rng_state = 0x243f6a8885a308d3ull ^ ((uint64_t)round * 0x9e3779b97f4a7c15ull);
		struct gen g;
		memset(&g, 0, sizeof(g));
		gen_network(&g, 1 + rnd(3), 2 + rnd(3));
		struct reach_ctx *c = reach_new(&g.m);
		struct mm_err e = { 0 };
		for (size_t k = 0; k < g.m.ninstances; k++) {
			const struct mm_instance *in = &g.m.instances[k];
			for (size_t q = 0; q < sizeof(ports) / sizeof(ports[0]); q++) {
				struct reach_verdict v;
				assert_int_equal(
				    reach_port_verdict(c, in->r.id, MM_PROTO_TCP, ports[q], &v, &e),
				    0);
				bool want = false;
				for (size_t s = 0; s < sizeof(sources) / sizeof(sources[0]); s++)
					want |=
					    brute(&g, in, ip(sources[s]), MM_PROTO_TCP, ports[q]);
				/* sampled sources can miss a reachable range, never the reverse */
				if (want)
					assert_int_equal(v.state, 1);
				if (v.state == 0)
					assert_non_null(v.code);
			}
		}
		reach_free(c);
		mm_model_release(&g.m);
	}
}

/* ---- CIDR rendering ---- */

struct cidr_list {
	char v[64][48];
	size_t n;
};

static int collect(const char *cidr, void *arg)
{
	struct cidr_list *l = arg;
	if (l->n < 64)
		snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", cidr);
	return 0;
}

static int stop_after_two(const char *cidr, void *arg)
{
	int *n = arg;
	(void)cidr;
	return ++*n == 2 ? 7 : 0;
}

static void test_range_cidrs(void **st)
{
	(void)st;
	struct cidr_list l = { .n = 0 };
	reach_range_cidrs(MM_AF_INET, ip("10.0.0.0"), ip("10.0.2.255"), collect, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "10.0.0.0/23");
	assert_string_equal(l.v[1], "10.0.2.0/24");
	l.n = 0;
	reach_range_cidrs(MM_AF_INET, 0, 0xffffffffu, collect, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "0.0.0.0/0");
	l.n = 0;
	reach_range_cidrs(MM_AF_INET6, 0, ~(mm_u128)0, collect, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "::/0");
	l.n = 0;
	reach_range_cidrs(MM_AF_INET, ip("1.2.3.4"), ip("1.2.3.4"), collect, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "1.2.3.4/32");
	l.n = 0;
	reach_range_cidrs(MM_AF_INET, ip("1.2.3.5"), ip("1.2.3.10"), collect, &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0], "1.2.3.5/32");
	assert_string_equal(l.v[1], "1.2.3.6/31");
	assert_string_equal(l.v[2], "1.2.3.8/31");
	assert_string_equal(l.v[3], "1.2.3.10/32");
	int n = 0;
	assert_int_equal(
	    reach_range_cidrs(MM_AF_INET, ip("1.2.3.5"), ip("1.2.3.10"), stop_after_two, &n), 7);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_seed004, teardown_fx),
		cmocka_unit_test_teardown(test_seed004_verdicts, teardown_fx),
		cmocka_unit_test_teardown(test_no_address_at_all, teardown_fx),
		cmocka_unit_test_teardown(test_nacl, teardown_fx),
		cmocka_unit_test_teardown(test_routes, teardown_fx),
		cmocka_unit_test_teardown(test_ipv6, teardown_fx),
		cmocka_unit_test_teardown(test_legacy_blocks, teardown_fx),
		cmocka_unit_test_teardown(test_prefix_lists, teardown_fx),
		cmocka_unit_test_teardown(test_sg_refs, teardown_fx),
		cmocka_unit_test_teardown(test_lb, teardown_fx),
		cmocka_unit_test_teardown(test_detached_igw, teardown_fx),
		cmocka_unit_test_teardown(test_missing_inputs, teardown_fx),
		cmocka_unit_test_teardown(test_batfish_public_subnet, teardown_fx),
		cmocka_unit_test_teardown(test_batfish_vpc_peering, teardown_fx),
		cmocka_unit_test(test_property_brute_force),
		cmocka_unit_test(test_property_peering),
		cmocka_unit_test(test_property_filter_agrees),
		cmocka_unit_test(test_range_cidrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
