/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for exposure-aware posture (src/posture/exposure.c and
 * check-exposure.c, and the exposure hook in check-sg.c): whole snapshots
 * loaded with snapshot_load() from tests/fixtures/reach/seed004,
 * tests/fixtures/reach/lb, tests/fixtures/exposure/split (seed 004 with the
 * protected instances on a group of their own, an instance behind an ALB,
 * a public database and an instance open to everything) and examples/.
 * They check the hook's three answers, latent security-group findings that
 * name the blocking code, per-instance findings with the path as evidence,
 * passes that say what blocks, unknown when an input is missing, and that
 * nothing of this happens with exposure analysis off.
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
#include "base/finding.h"
#include "base/wrapper.h"
#include "posture/posture-int.h"
#include "posture/posture.h"

/* ---- locating the source tree ---- */

static const char *src_root(void)
{
	static char root[8192];
	if (root[0])
		return root;
	const char *file = __FILE__;
	const char *cut = strstr(file, "tests/unit/test_exposure.c");
	char probe[8400];
	if (!cut)
		return NULL;
	snprintf(root, sizeof(root), "%.*s", (int)(cut - file), file);
	snprintf(probe, sizeof(probe), "%stests/fixtures/reach/seed004", root);
	if (access(probe, R_OK) == 0)
		return root;
	/* a relative __FILE__ is relative to the build root: <build>/tests/unit/exe */
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(root, sizeof(root), "%s/../../%.*s", exe, (int)(cut - file), file);
		snprintf(probe, sizeof(probe), "%stests/fixtures/reach/seed004", root);
		if (access(probe, R_OK) == 0)
			return root;
	}
	root[0] = '\0';
	return NULL;
}

/* ---- fixture ---- */

struct fx {
	struct mm_model m;
	struct posture_catalog c;
	struct findings fs;
	struct posture_opts o;
	struct posture_exposure_stats st;
	bool loaded;
};

static int setup(void **state)
{
	struct fx *x = xcalloc(1, sizeof(*x));
	struct mm_err e = { 0 };
	mm_model_init(&x->m);
	findings_init(&x->fs);
	if (posture_catalog_load(&x->c, &e)) {
		fprintf(stderr, "catalog: %s\n", e.msg);
		free(x);
		return -1;
	}
	x->o.passed = true;
	x->o.exposure = true;
	x->o.exposure_stats = &x->st;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	findings_release(&x->fs);
	posture_catalog_release(&x->c);
	mm_model_release(&x->m);
	free(x);
	return 0;
}

static void load(struct fx *x, const char *rel)
{
	const char *root = src_root();
	if (!root)
		fail_msg("tests/fixtures not found next to %s", __FILE__);
	char dir[8400];
	snprintf(dir, sizeof(dir), "%s%s", root, rel);
	struct mm_err e = { 0 };
	if (snapshot_load(&x->m, dir, NULL, &e))
		fail_msg("cannot load '%s': %s", dir, e.msg);
	assert_int_equal(x->m.files_failed, 0);
	x->loaded = true;
}

static void run(struct fx *x)
{
	struct mm_err e = { 0 };
	findings_release(&x->fs);
	findings_init(&x->fs);
	if (posture_run(&x->m, &x->c, &x->o, &x->fs, &e))
		fail_msg("posture_run: %s", e.msg);
	for (size_t i = 0; i < x->fs.nr; i++) {
		const struct finding *f = &x->fs.v[i];
		assert_non_null(f->message);
		assert_int_equal(strlen(f->id), 16);
		if (f->status == MM_ST_FAIL)
			assert_true(f->nev > 0);
	}
}

static struct finding *find(struct fx *x, const char *rule, const char *res)
{
	struct finding *hit = NULL;
	for (size_t i = 0; i < x->fs.nr; i++) {
		struct finding *f = &x->fs.v[i];
		if (!strcmp(f->rule, rule) && !strcmp(f->res_id, res)) {
			if (hit)
				fail_msg("two findings for %s on %s", rule, res);
			hit = f;
		}
	}
	return hit;
}

static struct finding *need(struct fx *x, const char *rule, const char *res, enum mm_status st)
{
	struct finding *f = find(x, rule, res);
	if (!f)
		fail_msg("no finding %s on %s", rule, res);
	if (f->status != st)
		fail_msg("%s on %s: status %s, want %s: %s", rule, res, mm_status_name(f->status),
			 mm_status_name(st), f->message);
	return f;
}

static size_t count_rule_prefix(struct fx *x, const char *prefix, enum mm_status st)
{
	size_t n = 0;
	for (size_t i = 0; i < x->fs.nr; i++)
		if (!strncmp(x->fs.v[i].rule, prefix, strlen(prefix)) && x->fs.v[i].status == st)
			n++;
	return n;
}

static bool has_evidence(const struct finding *f, const char *loc_part, const char *what_part)
{
	for (size_t i = 0; i < f->nev; i++)
		if ((!loc_part || (f->ev[i].loc && strstr(f->ev[i].loc, loc_part))) &&
		    (!what_part || (f->ev[i].what && strstr(f->ev[i].what, what_part))))
			return true;
	return false;
}

static bool has_compliance(const struct finding *f, const char *id)
{
	for (size_t i = 0; i < f->ncompliance; i++)
		if (!strcmp(f->compliance[i], id))
			return true;
	return false;
}

#define assert_contains(hay, needle)                                                        \
	do {                                                                                \
		const char *h_ = (hay);                                                     \
		if (!h_ || !strstr(h_, (needle)))                                           \
			fail_msg("'%s' does not contain '%s'", h_ ? h_ : "(null)", needle); \
	} while (0)
#define assert_lacks(hay, needle)                                             \
	do {                                                                  \
		const char *h_ = (hay);                                       \
		if (h_ && strstr(h_, (needle)))                               \
			fail_msg("'%s' should not contain '%s'", h_, needle); \
	} while (0)

#define SPLIT "tests/fixtures/exposure/split"
#define RTB   "123456789012/ap-northeast-1/RouteTables.json#/RouteTables/"
#define IGWS  "123456789012/ap-northeast-1/InternetGateways.json#/InternetGateways/0"

/* ---- the hook ---- */

static enum mm_tri ask(struct pexp *p, struct mm_model *m, const char *eni_id, int proto,
		       const char *ports, enum mm_family fam)
{
	const struct mm_eni *eni = mm_find_eni(m, eni_id);
	if (!eni)
		fail_msg("no interface %s", eni_id);
	struct ivset s = IVSET_INIT;
	assert_int_equal(ports_parse(&s, ports), 0);
	enum mm_tri r = pexp_reach(p, m, eni, proto, &s, fam);
	ivset_release(&s);
	return r;
}

static void test_hook_answers(void **state)
{
	struct fx *x = *state;
	load(x, SPLIT);
	struct pexp *p = pexp_new(&x->m);
	struct mm_model *m = &x->m;
	/* the public twin: 22 from anywhere, 3389 from one address */
	assert_int_equal(ask(p, m, "eni-0a1000000000pub1", MM_PROTO_TCP, "22", MM_AF_INET), MM_YES);
	assert_int_equal(ask(p, m, "eni-0a1000000000pub1", MM_PROTO_TCP, "20-23", MM_AF_INET),
			 MM_YES);
	assert_int_equal(ask(p, m, "eni-0a1000000000pub1", MM_PROTO_TCP, "3389", MM_AF_INET),
			 MM_YES);
	assert_int_equal(ask(p, m, "eni-0a1000000000pub1", MM_PROTO_TCP, "80", MM_AF_INET), MM_NO);
	assert_int_equal(ask(p, m, "eni-0a1000000000pub1", MM_PROTO_UDP, "22", MM_AF_INET), MM_NO);
	assert_int_equal(ask(p, m, "eni-0a1000000000pub1", MM_PROTO_TCP, "22", MM_AF_INET6), MM_NO);
	assert_int_equal(ask(p, m, "eni-0a1000000000pub1", MM_PROTO_ALL, "0-65535", MM_AF_INET),
			 MM_YES);
	/* protected: no public address, or replies routed to the NAT gateway */
	assert_int_equal(ask(p, m, "eni-0a100000000prot1", MM_PROTO_TCP, "22", MM_AF_INET), MM_NO);
	assert_int_equal(ask(p, m, "eni-0a100000000prot2", MM_PROTO_TCP, "22", MM_AF_INET), MM_NO);
	/* reachable through the ALB on the target port only */
	assert_int_equal(ask(p, m, "eni-0a1000000000app01", MM_PROTO_TCP, "8080", MM_AF_INET),
			 MM_YES);
	assert_int_equal(ask(p, m, "eni-0a1000000000app01", MM_PROTO_TCP, "22", MM_AF_INET), MM_NO);
	/* everything open: any protocol matches */
	assert_int_equal(ask(p, m, "eni-0a1000000000all01", 47, "0-65535", MM_AF_INET), MM_YES);
	assert_int_equal(ask(p, m, "eni-0a1000000000all01", MM_PROTO_UDP, "53", MM_AF_INET),
			 MM_YES);

	/* why not, with the code and the component */
	const char *why =
	    pexp_why_not(p, &m->arena, mm_find_eni(m, "eni-0a100000000prot2"), MM_AF_INET);
	assert_contains(why, "RETURN_ROUTE_NOT_IGW (IPv4) at rtb-0a10000000000002a");
	assert_contains(why, "nat-0a1000000000000aa");
	why = pexp_why_not(p, &m->arena, mm_find_eni(m, "eni-0a100000000prot1"), MM_AF_INET);
	assert_contains(why, "NO_PUBLIC_ADDRESS");
	assert_null(pexp_why_not(p, &m->arena, mm_find_eni(m, "eni-0a1000000000pub1"), MM_AF_INET));

	/* the per-instance view holds that instance's results only */
	struct pexp_view v;
	assert_true(pexp_instance(p, "i-0a1000000000app01", &v));
	assert_true(v.nexp >= 2);
	for (size_t i = 0; i < v.nexp; i++)
		assert_string_equal(v.exp[i].resource, "i-0a1000000000app01");
	assert_false(pexp_instance(p, "i-nothing", &v));
	assert_int_equal(v.nexp, 0);
	pexp_free(p);
}

static void test_hook_unknown_and_unevaluated(void **state)
{
	struct fx *x = *state;
	load(x, "examples");
	struct pexp *p = pexp_new(&x->m);
	struct mm_model *m = &x->m;
	/* account 444455556666 has no NACLs: unknown, never "not reachable" */
	assert_int_equal(ask(p, m, "eni-0f0e0d0c0b0a09081", MM_PROTO_TCP, "22", MM_AF_INET),
			 MM_UNKNOWN);
	assert_contains(pexp_unknown_why(p, mm_find_eni(m, "eni-0f0e0d0c0b0a09081"), MM_AF_INET),
			"network acls");
	/* a load balancer's interface is not an instance's: not evaluated */
	assert_int_equal(ask(p, m, "eni-0b2c3d4e5f6a71009", MM_PROTO_TCP, "443", MM_AF_INET),
			 MM_UNKNOWN);
	/* a detached interface receives nothing */
	assert_int_equal(ask(p, m, "eni-0b2c3d4e5f6a7100b", MM_PROTO_TCP, "80", MM_AF_INET), MM_NO);
	assert_contains(
	    pexp_why_not(p, &m->arena, mm_find_eni(m, "eni-0b2c3d4e5f6a7100b"), MM_AF_INET),
	    "not attached");
	/* a stopped instance */
	assert_int_equal(ask(p, m, "eni-0b2c3d4e5f6a71006", MM_PROTO_TCP, "22", MM_AF_INET), MM_NO);
	assert_contains(
	    pexp_why_not(p, &m->arena, mm_find_eni(m, "eni-0b2c3d4e5f6a71006"), MM_AF_INET),
	    "INSTANCE_NOT_RUNNING");
	pexp_free(p);
}

/* ---- security groups: latent with the reason ---- */

static void test_sg_latent_names_the_block(void **state)
{
	struct fx *x = *state;
	load(x, SPLIT);
	run(x);
	/* the protected instances have a group of their own: nothing reaches them */
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-0a10000000000002a", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	assert_contains(f->message, "latent");
	assert_contains(f->message, "i-0a1000000000prot2: RETURN_ROUTE_NOT_IGW (IPv4) at "
				    "rtb-0a10000000000002a");
	assert_contains(f->message, "0.0.0.0/0 -> nat-0a1000000000000aa");
	assert_contains(f->message, "i-0a1000000000prot1: NO_PUBLIC_ADDRESS");
	/* the fingerprint does not depend on the exposure */
	char id_on[17];
	memcpy(id_on, f->id, sizeof(id_on));

	/* the public twin's group stays critical and says who is reachable */
	f = need(x, "ec2-sg-ssh-world", "sg-0a10000000000001a", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "reachable from the internet on these ports: "
				    "i-0a10000000000pub1");
	assert_lacks(f->message, "latent");

	/* the ALB-only instance: its group opens 22 to the world, latent */
	f = need(x, "ec2-sg-ssh-world", "sg-0a1000000000app1", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	assert_contains(f->message, "i-0a1000000000app01 (app-1): NO_PUBLIC_ADDRESS");

	/* exposure off: the static severity and no reason */
	x->o.exposure = false;
	run(x);
	f = need(x, "ec2-sg-ssh-world", "sg-0a10000000000002a", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_lacks(f->message, "latent");
	assert_string_equal(f->id, id_on);
	assert_false(x->st.computed);
}

/* examples/: app-protected (seed 004's protected instance) has no public
 * IPv4 address and an IPv6 address whose replies leave through an
 * egress-only gateway. Each family is explained by its own block. */
static void test_reason_per_family_examples(void **state)
{
	struct fx *x = *state;
	load(x, "examples");
	run(x);
	/* an IPv4 ssh rule: the IPv4 block, not the IPv6 return route */
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-01a2b3c4d5e6f7003", MM_ST_FAIL);
	assert_contains(f->message, "(IPv4)");
	assert_contains(f->message,
			"not reachable: i-0a1b2c3d4e5f60002 (app-protected): NO_PUBLIC_ADDRESS, ");
	assert_lacks(f->message, "RETURN_ROUTE_NOT_IGW");
	char id_on[17];
	memcpy(id_on, f->id, sizeof(id_on));

	/* the pass names the block of each family */
	f = need(x, "ec2-instance-ssh-rdp-internet", "i-0a1b2c3d4e5f60002", MM_ST_PASS);
	assert_contains(f->message, "NO_PUBLIC_ADDRESS (IPv4) at eni-0b2c3d4e5f6a71002");
	assert_contains(f->message, "RETURN_ROUTE_NOT_IGW (IPv6) at rtb-0a9b8c7d6e5f40303");

	/* the same questions asked of the index directly */
	struct pexp *p = pexp_new(&x->m);
	struct mm_model *m = &x->m;
	const struct mm_eni *eni = mm_find_eni(m, "eni-0b2c3d4e5f6a71002");
	assert_non_null(eni);
	assert_contains(pexp_why_not(p, &m->arena, eni, MM_AF_INET),
			"NO_PUBLIC_ADDRESS (IPv4) at eni-0b2c3d4e5f6a71002");
	assert_contains(pexp_why_not(p, &m->arena, eni, MM_AF_INET6),
			"RETURN_ROUTE_NOT_IGW (IPv6) at rtb-0a9b8c7d6e5f40303");
	const char *code = NULL;
	assert_contains(
	    pexp_port_why(p, &m->arena, "i-0a1b2c3d4e5f60002", MM_AF_INET, MM_PROTO_TCP, 22, &code),
	    "NO_PUBLIC_ADDRESS (IPv4) at eni-0b2c3d4e5f6a71002 for tcp 22");
	assert_string_equal(code, "NO_PUBLIC_ADDRESS");
	assert_contains(pexp_port_why(p, &m->arena, "i-0a1b2c3d4e5f60002", MM_AF_INET6,
				      MM_PROTO_TCP, 22, &code),
			"RETURN_ROUTE_NOT_IGW (IPv6)");
	assert_string_equal(code, "RETURN_ROUTE_NOT_IGW");
	/* mysql-1 has no IPv6 address: no IPv6 block, yet a definite answer */
	eni = mm_find_eni(m, "eni-0b2c3d4e5f6a71005");
	assert_non_null(eni);
	assert_null(pexp_why_not(p, &m->arena, eni, MM_AF_INET6));
	assert_contains(pexp_port_why(p, &m->arena, "i-0a1b2c3d4e5f60005", MM_AF_INET6,
				      MM_PROTO_TCP, 3306, &code),
			"NO_PUBLIC_ADDRESS (IPv6) at eni-0b2c3d4e5f6a71005 for tcp 3306: "
			"interface 'eni-0b2c3d4e5f6a71005' has no ipv6 address");
	pexp_free(p);

	/* the fingerprint does not depend on the reasons */
	x->o.exposure = false;
	run(x);
	f = need(x, "ec2-sg-ssh-world", "sg-01a2b3c4d5e6f7003", MM_ST_FAIL);
	assert_string_equal(f->id, id_on);
}

static void test_sg_shared_group_seed004(void **state)
{
	struct fx *x = *state;
	load(x, "tests/fixtures/reach/seed004");
	run(x);
	/* one group for the public and the protected instances: the public one
	 * is reachable, so the group stays critical, naming the others' codes */
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-0a10000000000001a", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "reachable from the internet on these ports: "
				    "i-0a10000000000pub1");
	assert_contains(f->message, "not reachable: i-0a1000000000prot1: NO_PUBLIC_ADDRESS, "
				    "i-0a1000000000prot2: RETURN_ROUTE_NOT_IGW");
	assert_true(x->st.computed);
	assert_int_equal(x->st.instances, 4);
	assert_int_equal(x->st.internet, 1);
	assert_int_equal(x->st.unknown, 0);
}

/* ---- per instance ---- */

static void test_instance_ssh_critical_with_path(void **state)
{
	struct fx *x = *state;
	load(x, SPLIT);
	run(x);
	struct finding *f =
	    need(x, "ec2-instance-ssh-rdp-internet", "i-0a10000000000pub1", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_string_equal(f->res_type, "ec2-instance");
	assert_contains(f->message, "tcp 22 on 54.150.10.10 (IPv4) through igw-0a1000000000000aa "
				    "from 0.0.0.0/0");
	assert_contains(f->message, "tcp 3389 on 54.150.10.10 (IPv4) through "
				    "igw-0a1000000000000aa from 153.127.10.20/32");
	/* the path, forward then return, each hop with its place in the input */
	assert_true(has_evidence(f, IGWS, "forward igw-0a1000000000000aa"));
	assert_true(has_evidence(f, "SecurityGroups.json#/SecurityGroups/0/IpPermissions/0",
				 "admits tcp 22 from 0.0.0.0/0"));
	assert_true(has_evidence(f, "NetworkAcls.json#/NetworkAcls/0/Entries/0",
				 "inbound rule "
				 "100"));
	assert_true(has_evidence(f, RTB "0/Routes/1", "return rtb-0a10000000000001a"));
	assert_true(has_evidence(f, IGWS, "return igw-0a1000000000000aa"));
	size_t first_return = f->nev, last_forward = 0;
	for (size_t i = 0; i < f->nev; i++) {
		if (!strncmp(f->ev[i].what, "return ", 7) && first_return == f->nev)
			first_return = i;
		if (!strncmp(f->ev[i].what, "forward ", 8) && i < 4)
			last_forward = i;
	}
	assert_true(last_forward < first_return);
	/* revoke what admits the wide source; the office /32 is left alone */
	assert_contains(f->rem_cli, "aws ec2 revoke-security-group-ingress --region "
				    "ap-northeast-1 --group-id sg-0a10000000000001a "
				    "--ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,"
				    "IpRanges=[{CidrIp=0.0.0.0/0}]'");
	assert_lacks(f->rem_cli, "3389");
	assert_true(has_compliance(f, "Prowler:ec2_instance_port_ssh_exposed_to_internet"));
	assert_false(has_compliance(f, "Prowler:ec2_instance_port_rdp_exposed_to_internet"));
	assert_false(has_compliance(f, "CIS-AWS-3.0:5.2"));

	/* nothing else about pub1 is a database or all ports */
	need(x, "ec2-instance-db-port-internet", "i-0a10000000000pub1", MM_ST_PASS);
	need(x, "ec2-instance-all-ports-internet", "i-0a10000000000pub1", MM_ST_PASS);
	/* 22 and 3389 are SSH/RDP, reported once: not "another port" */
	need(x, "ec2-instance-port-internet", "i-0a10000000000pub1", MM_ST_PASS);
}

static void test_instance_pass_names_the_block(void **state)
{
	struct fx *x = *state;
	load(x, SPLIT);
	run(x);
	struct finding *f =
	    need(x, "ec2-instance-ssh-rdp-internet", "i-0a1000000000prot2", MM_ST_PASS);
	assert_contains(f->message, "is not reachable from the internet: RETURN_ROUTE_NOT_IGW "
				    "(IPv4) at rtb-0a10000000000002a");
	assert_contains(f->message, "0.0.0.0/0 -> nat-0a1000000000000aa");
	/* the evidence is the path up to the blocking route */
	assert_true(has_evidence(f, RTB "1/Routes/1", "deny rtb-0a10000000000002a"));
	f = need(x, "ec2-instance-ssh-rdp-internet", "i-0a1000000000prot1", MM_ST_PASS);
	assert_contains(f->message, "NO_PUBLIC_ADDRESS (IPv4) at eni-0a100000000prot1");
	assert_true(has_evidence(f, "Reservations.json#/Reservations/1", NULL));

	/* without --passed there are no passes */
	x->o.passed = false;
	run(x);
	assert_null(find(x, "ec2-instance-ssh-rdp-internet", "i-0a1000000000prot2"));
	assert_non_null(find(x, "ec2-instance-ssh-rdp-internet", "i-0a10000000000pub1"));
}

static void test_instance_behind_alb(void **state)
{
	struct fx *x = *state;
	load(x, SPLIT);
	run(x);
	/* reachable only through web-alb:443 on 8080: no SSH finding */
	struct finding *f =
	    need(x, "ec2-instance-ssh-rdp-internet", "i-0a1000000000app01", MM_ST_PASS);
	assert_contains(f->message, "tcp 8080 via load balancer web-alb listener 443 (IPv4)");
	assert_contains(f->message, "directly not reachable: NO_PUBLIC_ADDRESS");
	/* the listener port is in the allow-list: not "another port" */
	need(x, "ec2-instance-port-internet", "i-0a1000000000app01", MM_ST_PASS);
	/* with no port allowed, the listener is outside the allow-list */
	static const int none[1] = { 0 };
	x->o.ports = none;
	x->o.nports = 0;
	run(x);
	f = need(x, "ec2-instance-port-internet", "i-0a1000000000app01", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_MEDIUM);
	assert_contains(f->message, "tcp 8080 via load balancer web-alb listener 443 (IPv4) from "
				    "0.0.0.0/0");
	assert_true(has_evidence(f, "Listeners.json", "forward"));
	assert_true(has_evidence(f, "TargetHealth.json", NULL) ||
		    has_evidence(f, "TargetGroups.json", NULL));
	/* the target's rule admits the balancer's group, not an address: no
	 * revoke of an internet source to offer */
	assert_null(f->rem_cli);
}

static void test_instance_db_all_and_narrow(void **state)
{
	struct fx *x = *state;
	load(x, SPLIT);
	run(x);
	struct finding *f =
	    need(x, "ec2-instance-db-port-internet", "i-0a1000000000db001", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "tcp 3306 on 54.150.40.40 (IPv4)");
	assert_lacks(f->message, "8443");
	assert_true(has_compliance(f, "Prowler:ec2_instance_port_mysql_exposed_to_internet"));
	assert_false(has_compliance(f, "Prowler:ec2_instance_port_redis_exposed_to_internet"));
	assert_contains(f->rem_cli, "FromPort=3306,ToPort=3306");
	assert_lacks(f->rem_cli, "8443");
	/* 8443 from anywhere and 9100 from one /24: medium, both named */
	f = need(x, "ec2-instance-port-internet", "i-0a1000000000db001", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_MEDIUM);
	assert_contains(f->message, "tcp 8443 on 54.150.40.40 (IPv4) through "
				    "igw-0a1000000000000aa from 0.0.0.0/0");
	assert_contains(f->message, "tcp 9100 on 54.150.40.40 (IPv4) through "
				    "igw-0a1000000000000aa from 153.127.20.0/24");

	f = need(x, "ec2-instance-all-ports-internet", "i-0a1000000000all01", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "every protocol and port on 54.150.50.50 (IPv4)");
	assert_contains(f->rem_cli, "'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'");
	/* every protocol includes SSH */
	need(x, "ec2-instance-ssh-rdp-internet", "i-0a1000000000all01", MM_ST_FAIL);
	/* and is not reported again as "another port" */
	need(x, "ec2-instance-port-internet", "i-0a1000000000all01", MM_ST_PASS);
}

static void test_instance_narrow_sources_low(void **state)
{
	struct fx *x = *state;
	load(x, "examples");
	run(x);
	/* bastion-1c: 9100 from the monitoring vendor's prefix list only */
	struct finding *f =
	    need(x, "ec2-instance-port-internet", "i-0a1b2c3d4e5f60004", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	assert_contains(f->message, "tcp 9100 on 35.74.12.201 (IPv4) through "
				    "igw-0f1e2d3c4b5a69788 from 153.120.18.64/27, 160.16.45.0/28");
	assert_contains(f->message, "narrow source ranges");
	assert_contains(f->rem_cli, "PrefixListIds=[{PrefixListId=pl-0c3e5a7b9d1f2a4c6}]");
	/* its SSH is open to all */
	f = need(x, "ec2-instance-ssh-rdp-internet", "i-0a1b2c3d4e5f60004", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
}

static void test_peering(void **state)
{
	struct fx *x = *state;
	load(x, "tests/fixtures/reach/seed004");
	run(x);
	/* seed 004: the peered VPC reaches 22 and 80 on the protected instance */
	struct finding *f =
	    need(x, "ec2-instance-admin-port-peering", "i-0a1000000000prot1", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	assert_contains(f->message, "tcp 22 on 10.0.2.10 (IPv4) through pcx-0a1b000000000000a from "
				    "172.31.0.0/16 in peer VPC vpc-0b10000000000000b");
	assert_contains(f->message, "in all, peers can open tcp 22, 80 on 10.0.2.10");
	assert_true(has_evidence(f, "VpcPeeringConnections.json#/VpcPeeringConnections/0",
				 "forward pcx-0a1b000000000000a"));
	assert_true(has_evidence(f, RTB "3/Routes/1", "route table of peer vpc"));
	/* the internet cannot reach it */
	need(x, "ec2-instance-ssh-rdp-internet", "i-0a1000000000prot1", MM_ST_PASS);
}

static void test_missing_nacls_unknown(void **state)
{
	struct fx *x = *state;
	load(x, "examples");
	run(x);
	/* partner-demo: NACLs were not collected for its account */
	struct finding *f =
	    need(x, "ec2-instance-ssh-rdp-internet", "i-0d1e2f3a4b5c6d7e8", MM_ST_UNKNOWN);
	assert_contains(f->message, "cannot tell whether instance i-0d1e2f3a4b5c6d7e8 "
				    "(partner-demo) is reachable from the internet");
	assert_contains(f->message, "network acls are not in the snapshot");
	/* and its group is not lowered: unknown is never safe */
	f = need(x, "ec2-sg-ssh-world", "sg-0b1d3f5a7c9e0b2d5", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "reachability unknown: i-0d1e2f3a4b5c6d7e8 (partner-demo): "
				    "network acls are not in the snapshot");
	/* app-protected is behind the ALB: no SSH finding for it */
	need(x, "ec2-instance-ssh-rdp-internet", "i-0a1b2c3d4e5f60002", MM_ST_PASS);
	/* an unused world-open group is latent */
	f = need(x, "ec2-sg-rdp-world", "sg-01a2b3c4d5e6f7008", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	assert_contains(f->message, "latent: nothing uses the group");
	assert_int_equal(x->st.unknown, 1);
}

static void test_nlb_target_ssh(void **state)
{
	struct fx *x = *state;
	load(x, "tests/fixtures/reach/lb");
	run(x);
	/* an NLB forwards 2222 to 22 and keeps client addresses: SSH reachable */
	struct finding *f =
	    need(x, "ec2-instance-ssh-rdp-internet", "i-0a70000000000000bas", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "tcp 22 via load balancer ssh listener 2222 (IPv4) from "
				    "0.0.0.0/0");
	/* the target's group (22 from anywhere) is what admits it */
	assert_contains(f->rem_cli, "--group-id sg-0a7000000000bast");
	/* so the group's world-open SSH is not latent */
	f = need(x, "ec2-sg-ssh-world", "sg-0a7000000000bast", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "reachable from the internet on these ports: "
				    "i-0a70000000000000bas");
}

static void test_sg_other_ports_only(void **state)
{
	struct fx *x = *state;
	load(x, "tests/fixtures/reach/nacl");
	run(x);
	/* i-…1 is reachable on 80, but a NACL rule denies 22: the engine's
	 * per-port verdict names the rule */
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-0c2000000000001c", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "reachable from the internet on these ports: "
				    "i-0c200000000000003");
	assert_contains(f->message, "not reachable: i-0c200000000000001: NACL_DENY_INBOUND, "
				    "i-0c200000000000002: NACL_DENY_RETURN");
	f = need(x, "ec2-instance-ssh-rdp-internet", "i-0c200000000000001", MM_ST_PASS);
	assert_contains(f->message, "reachable only on tcp 80 on 13.112.1.1 (IPv4)");
	f = need(x, "ec2-instance-ssh-rdp-internet", "i-0c200000000000003", MM_ST_FAIL);
	/* sources cut by a NACL deny are not the whole internet any more */
	assert_contains(f->message, "tcp 22 on 13.112.3.3 (IPv4) through igw-0c2000000000000cc "
				    "from 0.0.0.0/0 except 1.0.0.0/8");
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
}

static void test_ipv6_and_revoke_both_families(void **state)
{
	struct fx *x = *state;
	load(x, "tests/fixtures/reach/ipv6");
	static const int none[1] = { 0 };
	x->o.ports = none;
	x->o.nports = 0;
	run(x);
	/* 443 over IPv4 and IPv6 through one permission: one command revokes
	 * both sources; the VPC's own IPv6 range is routed locally, not from
	 * the internet gateway */
	struct finding *f =
	    need(x, "ec2-instance-port-internet", "i-0e400000000000001", MM_ST_FAIL);
	assert_contains(f->message, "tcp 443 on 35.73.1.1 (IPv4) through igw-0e4000000000000ee "
				    "from 0.0.0.0/0");
	assert_contains(f->message,
			"tcp 443 on 2600:1f18:1234:5601::10 (IPv6) through "
			"igw-0e4000000000000ee from ::/0 except 2600:1f18:1234:5600::/56");
	assert_contains(f->rem_cli, "'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp="
				    "0.0.0.0/0}],Ipv6Ranges=[{CidrIpv6=::/0}]'");
	/* behind the egress-only gateway: IPv6 replies cannot come back */
	f = need(x, "ec2-instance-port-internet", "i-0e400000000000002", MM_ST_PASS);
	assert_contains(f->message, "RETURN_ROUTE_NOT_IGW");
	assert_contains(f->message, "eigw-0e4000000000000ee");
}

/* ---- switches ---- */

static enum mm_tri always_yes(void *arg, const struct mm_model *m, const struct mm_eni *eni,
			      int proto, const struct ivset *ports, enum mm_family fam)
{
	(void)m;
	(void)eni;
	(void)proto;
	(void)ports;
	(void)fam;
	(*(int *)arg)++;
	return MM_YES;
}

static void test_off_and_injected_hook(void **state)
{
	struct fx *x = *state;
	load(x, SPLIT);
	x->o.exposure = false;
	run(x);
	assert_int_equal(count_rule_prefix(x, "ec2-instance-ssh-rdp-internet", MM_ST_FAIL), 0);
	assert_int_equal(count_rule_prefix(x, "ec2-instance-ssh-rdp-internet", MM_ST_PASS), 0);
	assert_int_equal(count_rule_prefix(x, "ec2-instance-admin-port-peering", MM_ST_FAIL), 0);
	assert_false(x->st.computed);

	/* an injected hook wins over the engine for the groups; the
	 * per-instance rules still come from the engine */
	int calls = 0;
	x->o.exposure = true;
	x->o.reach = always_yes;
	x->o.reach_arg = &calls;
	run(x);
	assert_true(calls > 0);
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-0a10000000000002a", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	need(x, "ec2-instance-ssh-rdp-internet", "i-0a10000000000pub1", MM_ST_FAIL);
}

static void test_lazy(void **state)
{
	struct fx *x = *state;
	load(x, SPLIT);
	/* a catalog without the rules that need it never runs the engine */
	struct embedded_file only[2] = { { NULL, NULL, 0 }, { NULL, NULL, 0 } };
	for (size_t i = 0; mm_embedded_posture_rules[i].name; i++)
		if (strstr(mm_embedded_posture_rules[i].name, "account.yaml"))
			only[0] = mm_embedded_posture_rules[i];
	assert_non_null(only[0].name);
	struct posture_catalog c;
	struct mm_err e = { 0 };
	assert_int_equal(posture_catalog_parse(&c, only, &e), 0);
	struct findings fs;
	findings_init(&fs);
	assert_int_equal(posture_run(&x->m, &c, &x->o, &fs, &e), 0);
	assert_false(x->st.computed);
	findings_release(&fs);
	posture_catalog_release(&c);
	/* the full catalog does */
	run(x);
	assert_true(x->st.computed);
	assert_int_equal(x->st.instances, 7);
	assert_int_equal(x->st.interfaces, 7);
	assert_int_equal(x->st.internet, 4); /* pub1, app01 (ALB), db001, all01 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hook_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook_unknown_and_unevaluated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_latent_names_the_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_shared_group_seed004, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reason_per_family_examples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_ssh_critical_with_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_instance_pass_names_the_block, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_instance_behind_alb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_db_all_and_narrow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_narrow_sources_low, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_nacls_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nlb_target_ssh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_other_ports_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_revoke_both_families, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_off_and_injected_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
