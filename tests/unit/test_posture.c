/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/posture: the catalog (loading, validation, coverage
 * against the check table, CLI templates) and every check, on small models
 * built directly in C: a failing, a passing and (where inputs can be
 * missing) an unknown case per rule, plus the tricky security-group and
 * network-ACL cases (split CIDRs, port ranges, prefix lists, rule order).
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
#include "base/arena.h"
#include "base/finding.h"
#include "base/wrapper.h"
#include "posture/posture-int.h"
#include "posture/posture.h"

#define ACCT "111122223333"
#define REG  "us-east-1"

/* ---- fixture and model builders ---- */

struct fx {
	struct mm_model m;
	struct posture_catalog c;
	struct findings fs;
	struct posture_opts o;
};

static int setup(void **st)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct mm_err e = { 0 };
	mm_model_init(&x->m);
	findings_init(&x->fs);
	if (posture_catalog_load(&x->c, &e)) {
		fprintf(stderr, "catalog: %s\n", e.msg);
		return -1;
	}
	x->o.passed = true;
	*st = x;
	return 0;
}

static int teardown(void **st)
{
	struct fx *x = *st;
	findings_release(&x->fs);
	posture_catalog_release(&x->c);
	mm_model_release(&x->m);
	free(x);
	return 0;
}

static void have(struct mm_model *m, enum mm_kind k)
{
	mm_scope_get(m, ACCT, REG)->have |= 1ull << k;
}

static struct mm_res mkres(struct mm_model *m, const char *id, const char *file)
{
	struct mm_res r = { 0 };
	r.id = arena_strdup(&m->arena, id);
	r.account = ACCT;
	r.region = REG;
	r.loc.file = file;
	r.loc.ptr = arena_printf(&m->arena, "/%s", id);
	return r;
}

static void add_tag(struct mm_model *m, struct mm_res *r, const char *k, const char *v)
{
	struct mm_tag *t = arena_calloc(&m->arena, r->ntags + 1, sizeof(*t));
	if (r->ntags)
		memcpy(t, r->tags, r->ntags * sizeof(*t));
	t[r->ntags].key = arena_strdup(&m->arena, k);
	t[r->ntags].value = arena_strdup(&m->arena, v);
	r->tags = t;
	r->ntags++;
}

static const char **strv(struct mm_model *m, const char *csv, size_t *n)
{
	const char **v = arena_calloc(&m->arena, 16, sizeof(*v));
	*n = 0;
	for (const char *p = csv; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		v[(*n)++] = arena_strndup(&m->arena, p, len);
		p = c ? c + 1 : p + len;
	}
	return v;
}

static struct mm_sg *add_sg(struct mm_model *m, const char *id, const char *name)
{
	have(m, MM_K_SGS);
	ALLOC_GROW(m->sgs, m->nsgs + 1, m->asgs);
	struct mm_sg *s = &m->sgs[m->nsgs++];
	memset(s, 0, sizeof(*s));
	s->r = mkres(m, id, "sg.json");
	s->name = name;
	s->vpc_id = "vpc-1";
	return s;
}

/* srcs: comma-separated CIDRs, pl-… or sg-… ids; "bogus" = unparsable CIDR */
static void sg_rule(struct mm_model *m, struct mm_sg *s, bool egress, const char *proto, int from,
		    int to, const char *srcs)
{
	struct mm_sg_perm **pv = egress ? &s->out : &s->in;
	size_t *np = egress ? &s->nout : &s->nin;
	struct mm_sg_perm *nv = arena_calloc(&m->arena, *np + 1, sizeof(*nv));
	if (*np)
		memcpy(nv, *pv, *np * sizeof(*nv));
	struct mm_sg_perm *p = &nv[*np];
	p->proto = mm_proto_parse(proto);
	p->from = from;
	p->to = to;
	p->loc.file = "sg.json";
	p->loc.ptr = arena_printf(&m->arena, "/%s/%s/%zu", s->r.id,
				  egress ? "IpPermissionsEgress" : "IpPermissions", *np);
	size_t n;
	const char **v = strv(m, srcs, &n);
	p->src = arena_calloc(&m->arena, n + 1, sizeof(*p->src));
	for (size_t i = 0; i < n; i++) {
		struct mm_sg_src *src = &p->src[i];
		src->value = v[i];
		src->loc.file = "sg.json";
		src->loc.ptr = arena_printf(&m->arena, "%s/src/%zu", p->loc.ptr, i);
		if (!strncmp(v[i], "pl-", 3)) {
			src->kind = MM_SRC_PREFIX_LIST;
		} else if (!strncmp(v[i], "sg-", 3)) {
			src->kind = MM_SRC_SG;
		} else {
			src->kind = strchr(v[i], ':') ? MM_SRC_CIDR6 : MM_SRC_CIDR4;
			if (mm_cidr_parse(v[i], &src->cidr))
				src->cidr.family = MM_AF_NONE;
		}
	}
	p->nsrc = n;
	*pv = nv;
	(*np)++;
}

static void add_pl(struct mm_model *m, const char *id, const char *fam, const char *entries)
{
	have(m, MM_K_PREFIX_LISTS);
	ALLOC_GROW(m->pls, m->npls + 1, m->apls);
	struct mm_prefix_list *p = &m->pls[m->npls++];
	memset(p, 0, sizeof(*p));
	p->r = mkres(m, id, "pl.json");
	p->name = "corp";
	p->family = fam;
	if (entries) {
		size_t n;
		const char **v = strv(m, entries, &n);
		p->cidrs = arena_calloc(&m->arena, n + 1, sizeof(*p->cidrs));
		for (size_t i = 0; i < n; i++)
			assert_int_equal(mm_cidr_parse(v[i], &p->cidrs[i]), 0);
		p->ncidrs = n;
		p->have_entries = true;
	}
}

static struct mm_instance *add_inst(struct mm_model *m, const char *id, const char *sgs)
{
	have(m, MM_K_INSTANCES);
	ALLOC_GROW(m->instances, m->ninstances + 1, m->ainstances);
	struct mm_instance *in = &m->instances[m->ninstances++];
	memset(in, 0, sizeof(*in));
	in->r = mkres(m, id, "instances.json");
	in->state = "running";
	in->vpc_id = "vpc-1";
	in->subnet_id = "subnet-1";
	in->groups = strv(m, sgs, &in->ngroups);
	in->imds.http_tokens = "required";
	in->imds.http_endpoint = "enabled";
	in->imds.hop_limit = 1;
	in->source_dest_check = MM_YES;
	in->profile_arn = "arn:aws:iam::111122223333:instance-profile/app";
	return in;
}

static struct mm_eni *add_eni(struct mm_model *m, const char *id, const char *inst, const char *sgs)
{
	have(m, MM_K_ENIS);
	ALLOC_GROW(m->enis, m->nenis + 1, m->aenis);
	struct mm_eni *n = &m->enis[m->nenis++];
	memset(n, 0, sizeof(*n));
	n->r = mkres(m, id, "enis.json");
	n->instance_id = inst;
	n->vpc_id = "vpc-1";
	n->subnet_id = "subnet-1";
	n->type = "interface";
	n->groups = strv(m, sgs, &n->ngroups);
	n->source_dest_check = MM_YES;
	return n;
}

static struct mm_nacl *add_nacl(struct mm_model *m, const char *id, const char *subnets)
{
	have(m, MM_K_NACLS);
	ALLOC_GROW(m->nacls, m->nnacls + 1, m->anacls);
	struct mm_nacl *n = &m->nacls[m->nnacls++];
	memset(n, 0, sizeof(*n));
	n->r = mkres(m, id, "nacl.json");
	n->vpc_id = "vpc-1";
	n->subnets = strv(m, subnets, &n->nsubnets);
	return n;
}

static void nacl_entry(struct mm_model *m, struct mm_nacl *n, int rule, bool allow,
		       const char *proto, int from, int to, const char *cidr)
{
	struct mm_nacl_entry *v = arena_calloc(&m->arena, n->nentries + 1, sizeof(*v));
	if (n->nentries)
		memcpy(v, n->entries, n->nentries * sizeof(*v));
	struct mm_nacl_entry *e = &v[n->nentries];
	e->rule_no = rule;
	e->allow = allow;
	e->proto = mm_proto_parse(proto);
	e->from = from;
	e->to = to;
	if (!cidr || mm_cidr_parse(cidr, &e->cidr))
		e->cidr.family = MM_AF_NONE;
	e->loc.file = "nacl.json";
	e->loc.ptr = arena_printf(&m->arena, "/%s/Entries/%zu", n->r.id, n->nentries);
	n->entries = v;
	n->nentries++;
}

static void run(struct fx *x)
{
	struct mm_err e = { 0 };
	mm_model_index(&x->m);
	findings_release(&x->fs);
	findings_init(&x->fs);
	assert_int_equal(posture_run(&x->m, &x->c, &x->o, &x->fs, &e), 0);
	/* every finding is complete */
	for (size_t i = 0; i < x->fs.nr; i++) {
		const struct finding *f = &x->fs.v[i];
		assert_non_null(f->rule);
		assert_non_null(f->title);
		assert_non_null(f->res_type);
		assert_non_null(f->res_id);
		assert_non_null(f->account);
		assert_non_null(f->region);
		assert_non_null(f->message);
		assert_non_null(f->rem_text);
		assert_int_equal(strlen(f->id), 16);
		const struct posture_rule *r = posture_rule_find(&x->c, f->rule);
		assert_non_null(r);
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

static bool has_compliance(const struct finding *f, const char *id)
{
	for (size_t i = 0; i < f->ncompliance; i++)
		if (!strcmp(f->compliance[i], id))
			return true;
	return false;
}

static bool has_evidence(const struct finding *f, const char *loc_part, const char *what_part)
{
	for (size_t i = 0; i < f->nev; i++)
		if ((!loc_part || (f->ev[i].loc && strstr(f->ev[i].loc, loc_part))) &&
		    (!what_part || (f->ev[i].what && strstr(f->ev[i].what, what_part))))
			return true;
	return false;
}

#define assert_contains(hay, needle)                                                        \
	do {                                                                                \
		const char *h_ = (hay);                                                     \
		if (!h_ || !strstr(h_, (needle)))                                           \
			fail_msg("'%s' does not contain '%s'", h_ ? h_ : "(null)", needle); \
	} while (0)

/* ---- catalog ---- */

static void test_catalog_embedded(void **st)
{
	struct fx *x = *st;
	assert_true(x->c.nr >= 30);
	const char *groups[] = { "network", "instance", "data", "account" };
	size_t per[4] = { 0 };
	for (size_t i = 0; i < x->c.nr; i++) {
		const struct posture_rule *r = &x->c.v[i];
		assert_non_null(r->title);
		assert_non_null(r->description);
		assert_non_null(r->remediation);
		assert_non_null(r->resource_type);
		for (int g = 0; g < 4; g++)
			per[g] += !strcmp(r->group, groups[g]);
		assert_ptr_equal(posture_rule_find(&x->c, r->id), r);
	}
	for (int g = 0; g < 4; g++)
		assert_true(per[g] > 0);
	const struct posture_rule *r = posture_rule_find(&x->c, "ec2-sg-ssh-world");
	assert_non_null(r);
	assert_int_equal(r->sev, MM_SEV_CRITICAL);
	assert_null(posture_rule_find(&x->c, "no-such-rule"));
	struct mm_err e = { 0 };
	assert_int_equal(posture_catalog_check_coverage(&x->c, &e), 0);
}

static int parse_one(const char *name, const char *yaml, struct mm_err *e)
{
	struct embedded_file files[] = { { name, yaml, strlen(yaml) }, { NULL, NULL, 0 } };
	struct posture_catalog c;
	int rc = posture_catalog_parse(&c, files, e);
	if (!rc)
		posture_catalog_release(&c);
	return rc;
}

#define RULE_HEAD                                                                    \
	"- id: ec2-sg-ssh-world\n  title: t\n  group: network\n  resource_type: x\n" \
	"  description: d\n  remediation: r\n"

static void test_catalog_validation(void **st)
{
	(void)st;
	struct mm_err e = { 0 };
	assert_int_equal(parse_one("network.yaml", RULE_HEAD "  severity: high\n", &e), 0);

	assert_true(parse_one("network.yaml", RULE_HEAD "  severity: severe\n", &e) < 0);
	assert_contains(e.msg, "'network.yaml'");
	assert_contains(e.msg, "unknown severity 'severe'");
	assert_contains(e.msg, "line 7");

	assert_true(parse_one("network.yaml",
			      RULE_HEAD "  severity: high\n" RULE_HEAD "  severity: low\n",
			      &e) < 0);
	assert_contains(e.msg, "duplicate rule id 'ec2-sg-ssh-world'");

	assert_true(parse_one("network.yaml",
			      "- id: a-b\n  title: t\n  severity: low\n  group: network\n"
			      "  resource_type: x\n  remediation: r\n",
			      &e) < 0);
	assert_contains(e.msg, "'network.yaml'");
	assert_contains(e.msg, "rule 'a-b': missing 'description'");

	assert_true(parse_one("network.yaml", RULE_HEAD "  severity: high\n  sevrity: x\n", &e) <
		    0);
	assert_contains(e.msg, "unknown key 'sevrity'");

	assert_true(
	    parse_one("network.yaml", RULE_HEAD "  severity: high\n  cli: a {bogus} b\n", &e) < 0);
	assert_contains(e.msg, "unknown placeholder '{bogus}'");
	/* shorthand braces are not placeholders */
	assert_int_equal(
	    parse_one("network.yaml",
		      RULE_HEAD "  severity: high\n  cli: 'x [{CidrIp={cidr}}] {id}'\n", &e),
	    0);

	assert_true(parse_one("network.yaml",
			      RULE_HEAD "  severity: high\n  compliance: [NIST:AC-4]\n", &e) < 0);
	assert_contains(e.msg, "unknown compliance framework in 'NIST:AC-4'");

	assert_true(parse_one("data.yaml", RULE_HEAD "  severity: high\n", &e) < 0);
	assert_contains(e.msg, "'data.yaml'");
	assert_contains(e.msg, "group 'network' does not match the file");

	assert_true(parse_one("network.yaml", "- id: Bad_Id\n", &e) < 0);
	assert_contains(e.msg, "rule id 'Bad_Id'");

	assert_true(parse_one("network.yaml", "- [unclosed\n", &e) < 0);
	assert_contains(e.msg, "'network.yaml'");

	assert_true(parse_one("network.yaml", "id: not-a-list\n", &e) < 0);
	assert_contains(e.msg, "expected a list of rules");

	assert_true(parse_one("misc.yaml", "[]\n", &e) < 0);
	assert_contains(e.msg, "unknown rule group 'misc'");
}

static void test_catalog_coverage(void **st)
{
	(void)st;
	struct mm_err e = { 0 };
	/* a catalog rule no check is keyed by */
	const char *extra = RULE_HEAD "  severity: high\n"
				      "- id: ec2-made-up\n  title: t\n  group: network\n"
				      "  resource_type: x\n  description: d\n  remediation: r\n"
				      "  severity: low\n";
	struct embedded_file files[] = { { "network.yaml", extra, strlen(extra) },
					 { NULL, NULL, 0 } };
	struct posture_catalog c;
	assert_int_equal(posture_catalog_parse(&c, files, &e), 0);
	assert_true(posture_catalog_check_coverage(&c, &e) < 0);
	assert_contains(e.msg, "posture rule 'ec2-made-up' has no check");
	posture_catalog_release(&c);

	/* a check whose rule the catalog lacks */
	const char *one = RULE_HEAD "  severity: high\n";
	struct embedded_file f1[] = { { "network.yaml", one, strlen(one) }, { NULL, NULL, 0 } };
	assert_int_equal(posture_catalog_parse(&c, f1, &e), 0);
	assert_true(posture_catalog_check_coverage(&c, &e) < 0);
	assert_contains(e.msg, "has no rule in the catalog");
	posture_catalog_release(&c);

	/* and the shipped pair matches in both directions */
	assert_int_equal(posture_catalog_parse(&c, mm_embedded_posture_rules, &e), 0);
	assert_int_equal(c.nr, posture_nchecks);
	for (size_t i = 0; i < posture_nchecks; i++)
		assert_non_null(posture_rule_find(&c, posture_checks[i].rule));
	assert_int_equal(posture_catalog_check_coverage(&c, &e), 0);
	posture_catalog_release(&c);
}

static void test_cli_fill(void **st)
{
	(void)st;
	struct arena a = ARENA_INIT;
	struct pvar v[] = { { "id", "sg-1", false }, { "region", "eu-west-1", false } };
	assert_string_equal(posture_cli_fill(&a, "x --id {id} [{CidrIp=a}] {region}", v, 2),
			    "x --id sg-1 [{CidrIp=a}] eu-west-1");
	assert_null(posture_cli_fill(&a, "x {port}", v, 2)); /* no value */
	struct pvar bad[] = { { "id", "sg-1; rm -rf /", false } };
	assert_null(posture_cli_fill(&a, "x {id}", bad, 1));
	struct pvar raw[] = { { "ip_permissions", "'a b'", true } };
	assert_string_equal(posture_cli_fill(&a, "x {ip_permissions}", raw, 1), "x 'a b'");
	assert_string_equal(posture_cli_fill(&a, "{unknown} {", NULL, 0), "{unknown} {");
	arena_release(&a);
}

/* ---- security groups: open to the world ---- */

static void test_sg_ssh_world(void **st)
{
	struct fx *x = *st;
	struct mm_sg *sg = add_sg(&x->m, "sg-123", "web");
	sg_rule(&x->m, sg, false, "tcp", 22, 22, "0.0.0.0/0");
	sg_rule(&x->m, sg, false, "tcp", 443, 443, "0.0.0.0/0");
	add_eni(&x->m, "eni-a", "i-abc", "sg-123");
	add_eni(&x->m, "eni-d", "i-def", "sg-123");
	run(x);
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-123", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_string_equal(f->res_type, "security-group");
	assert_string_equal(f->account, ACCT);
	assert_string_equal(f->region, REG);
	assert_string_equal(f->message, "security group sg-123 (web) allows tcp 22 from 0.0.0.0/0 "
					"(IPv4); used by i-abc, i-def");
	assert_true(has_evidence(f, "sg.json#/sg-123/IpPermissions/0/src/0",
				 "ingress tcp 22 from 0.0.0.0/0"));
	assert_int_equal(f->nev, 1); /* the 443 rule did not contribute */
	assert_string_equal(f->rem_cli,
			    "aws ec2 revoke-security-group-ingress --region us-east-1 --group-id "
			    "sg-123 --ip-permissions "
			    "'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]'");
	assert_true(has_compliance(f, "CIS-AWS-3.0:5.2"));
	assert_false(has_compliance(f, "CIS-AWS-3.0:5.3")); /* IPv6 only */
	assert_true(has_compliance(f, "SecurityHub:EC2.13"));
	assert_string_equal(f->fp_extra, "ssh");
	char ssh_id[17];
	memcpy(ssh_id, f->id, sizeof(ssh_id));

	/* 22 is outside the default allow-list too; 443 is not reported */
	f = need(x, "ec2-sg-unauthorized-port-world", "sg-123", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_MEDIUM);
	assert_contains(f->message, "tcp 22 from");
	assert_null(strstr(f->message, "443"));
	assert_string_not_equal(f->id, ssh_id);

	need(x, "ec2-sg-rdp-world", "sg-123", MM_ST_PASS);
	need(x, "ec2-sg-db-port-world", "sg-123", MM_ST_PASS);
	need(x, "ec2-sg-all-ports-world", "sg-123", MM_ST_PASS);
	need(x, "ec2-sg-admin-port-world", "sg-123", MM_ST_PASS);

	/* fingerprints are stable across runs */
	run(x);
	assert_string_equal(need(x, "ec2-sg-ssh-world", "sg-123", MM_ST_FAIL)->id, ssh_id);

	/* without passes, only problems are reported */
	x->o.passed = false;
	run(x);
	assert_null(find(x, "ec2-sg-rdp-world", "sg-123"));
	need(x, "ec2-sg-ssh-world", "sg-123", MM_ST_FAIL);
	for (size_t i = 0; i < x->fs.nr; i++)
		assert_int_not_equal(x->fs.v[i].status, MM_ST_PASS);
}

static void test_sg_port_range(void **st)
{
	struct fx *x = *st;
	struct mm_sg *sg = add_sg(&x->m, "sg-r", "range");
	sg_rule(&x->m, sg, false, "tcp", 20, 30, "0.0.0.0/0");
	run(x);
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-r", MM_ST_FAIL);
	assert_contains(f->message, "tcp 22 from 0.0.0.0/0 (IPv4)");
	assert_string_equal(f->rem_cli,
			    "aws ec2 revoke-security-group-ingress --region us-east-1 --group-id "
			    "sg-r --ip-permissions "
			    "'IpProtocol=tcp,FromPort=20,ToPort=30,IpRanges=[{CidrIp=0.0.0.0/0}]'");
	f = need(x, "ec2-sg-admin-port-world", "sg-r", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_HIGH);
	assert_contains(f->message, "tcp 20-21, 23 from");
	assert_true(has_compliance(f, "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_"
				      "tcp_port_telnet_23"));
	need(x, "ec2-sg-rdp-world", "sg-r", MM_ST_PASS);
	need(x, "ec2-sg-all-ports-world", "sg-r", MM_ST_PASS);
	f = need(x, "ec2-sg-unauthorized-port-world", "sg-r", MM_ST_FAIL);
	assert_contains(f->message, "tcp 20-30 from 0.0.0.0/0 (IPv4)");
}

static void test_sg_split_world(void **st)
{
	struct fx *x = *st;
	/* the two halves of IPv4 in two permissions (different port ranges) */
	struct mm_sg *sg = add_sg(&x->m, "sg-s", "split");
	sg_rule(&x->m, sg, false, "tcp", 22, 22, "0.0.0.0/1");
	sg_rule(&x->m, sg, false, "tcp", 10, 100, "128.0.0.0/1");
	/* 10.0.0.0/8 + 0.0.0.0/1 is not the world */
	struct mm_sg *sn = add_sg(&x->m, "sg-n", "notworld");
	sg_rule(&x->m, sn, false, "tcp", 22, 22, "10.0.0.0/8,0.0.0.0/1");
	/* but the public space with private ranges left out is */
	struct mm_sg *sp = add_sg(&x->m, "sg-p", "public");
	sg_rule(&x->m, sp, false, "tcp", 22, 22,
		"0.0.0.0/5,8.0.0.0/7,11.0.0.0/8,12.0.0.0/6,16.0.0.0/4,32.0.0.0/3,64.0.0.0/2,"
		"128.0.0.0/1");
	run(x);
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-s", MM_ST_FAIL);
	assert_contains(f->message, "tcp 22 from 0.0.0.0/1, 128.0.0.0/1 (IPv4)");
	assert_true(has_evidence(f, "/sg-s/IpPermissions/0/", "tcp 22 from 0.0.0.0/1"));
	assert_true(has_evidence(f, "/sg-s/IpPermissions/1/", "tcp 10-100 from 128.0.0.0/1"));
	assert_contains(f->rem_cli, "'IpProtocol=tcp,FromPort=22,ToPort=22,"
				    "IpRanges=[{CidrIp=0.0.0.0/1}]' 'IpProtocol=tcp,FromPort=10,"
				    "ToPort=100,IpRanges=[{CidrIp=128.0.0.0/1}]'");
	/* port 23 is covered by only one half */
	need(x, "ec2-sg-admin-port-world", "sg-s", MM_ST_PASS);
	need(x, "ec2-sg-ssh-world", "sg-n", MM_ST_PASS);
	need(x, "ec2-sg-unauthorized-port-world", "sg-n", MM_ST_PASS);
	need(x, "ec2-sg-ssh-world", "sg-p", MM_ST_FAIL);
}

static void test_sg_ipv6_and_all(void **st)
{
	struct fx *x = *st;
	struct mm_sg *s6 = add_sg(&x->m, "sg-6", "v6");
	sg_rule(&x->m, s6, false, "tcp", 3389, 3389, "::/0");
	struct mm_sg *sa = add_sg(&x->m, "sg-a", "all");
	sg_rule(&x->m, sa, false, "-1", 0, 65535, "0.0.0.0/0");
	struct mm_sg *st2 = add_sg(&x->m, "sg-t", "tcpall");
	sg_rule(&x->m, st2, false, "tcp", 0, 65535, "0.0.0.0/0");
	struct mm_sg *su = add_sg(&x->m, "sg-u", "udp53");
	sg_rule(&x->m, su, false, "udp", 53, 53, "0.0.0.0/0");
	sg_rule(&x->m, su, false, "icmp", -1, -1, "0.0.0.0/0");
	run(x);
	struct finding *f = need(x, "ec2-sg-rdp-world", "sg-6", MM_ST_FAIL);
	assert_contains(f->message, "tcp 3389 from ::/0 (IPv6)");
	assert_true(has_compliance(f, "CIS-AWS-3.0:5.3"));
	assert_false(has_compliance(f, "CIS-AWS-3.0:5.2"));
	assert_contains(f->rem_cli, "Ipv6Ranges=[{CidrIpv6=::/0}]");
	need(x, "ec2-sg-ssh-world", "sg-6", MM_ST_PASS);

	f = need(x, "ec2-sg-all-ports-world", "sg-a", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "all traffic (protocol -1) from 0.0.0.0/0 (IPv4)");
	assert_contains(f->rem_cli, "'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'");
	need(x, "ec2-sg-ssh-world", "sg-a", MM_ST_FAIL);
	need(x, "ec2-sg-rdp-world", "sg-a", MM_ST_FAIL);
	f = need(x, "ec2-sg-db-port-world", "sg-a", MM_ST_FAIL);
	assert_contains(f->message, "udp 11211");

	f = need(x, "ec2-sg-all-ports-world", "sg-t", MM_ST_FAIL);
	assert_contains(f->message, "tcp 0-65535 from 0.0.0.0/0");
	need(x, "ec2-sg-rdp-world", "sg-t", MM_ST_FAIL);

	/* udp 53 is outside the allow-list; ICMP is not a port */
	f = need(x, "ec2-sg-unauthorized-port-world", "sg-u", MM_ST_FAIL);
	assert_contains(f->message, "udp 53 from 0.0.0.0/0 (IPv4)");
	assert_null(strstr(f->message, "icmp"));
	need(x, "ec2-sg-all-ports-world", "sg-u", MM_ST_PASS);
}

static void test_sg_prefix_lists(void **st)
{
	struct fx *x = *st;
	add_pl(&x->m, "pl-world", "IPv4", "10.0.0.0/8,0.0.0.0/0");
	add_pl(&x->m, "pl-corp", "IPv4", "203.0.113.0/24");
	add_pl(&x->m, "pl-noent", "IPv4", NULL);
	struct mm_sg *a = add_sg(&x->m, "sg-plw", "plw");
	sg_rule(&x->m, a, false, "tcp", 22, 22, "pl-world");
	struct mm_sg *b = add_sg(&x->m, "sg-plc", "plc");
	sg_rule(&x->m, b, false, "tcp", 22, 22, "pl-corp");
	struct mm_sg *c = add_sg(&x->m, "sg-plu", "plu");
	sg_rule(&x->m, c, false, "tcp", 22, 22, "pl-noent");
	struct mm_sg *d = add_sg(&x->m, "sg-plm", "plm");
	sg_rule(&x->m, d, false, "tcp", 22, 22, "pl-missing");
	/* unknown entries cannot make 0.0.0.0/0 less open */
	struct mm_sg *e = add_sg(&x->m, "sg-plx", "plx");
	sg_rule(&x->m, e, false, "tcp", 22, 22, "pl-noent,0.0.0.0/0");
	/* half the world plus an unknown list: could be the world */
	struct mm_sg *g = add_sg(&x->m, "sg-plh", "plh");
	sg_rule(&x->m, g, false, "tcp", 22, 22, "pl-noent,0.0.0.0/1");
	/* an unparsable CIDR is unknown, not closed */
	struct mm_sg *h = add_sg(&x->m, "sg-bad", "bad");
	sg_rule(&x->m, h, false, "tcp", 22, 22, "bogus");
	run(x);
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-plw", MM_ST_FAIL);
	assert_contains(f->message, "tcp 22 from pl-world (IPv4)");
	assert_true(has_evidence(f, "sg.json#", "pl-world (prefix list 'corp', 2 entries)"));
	assert_contains(f->rem_cli, "PrefixListIds=[{PrefixListId=pl-world}]");
	need(x, "ec2-sg-ssh-world", "sg-plc", MM_ST_PASS);
	f = need(x, "ec2-sg-ssh-world", "sg-plu", MM_ST_UNKNOWN);
	assert_contains(f->message, "cannot tell whether security group sg-plu (plu) allows SSH");
	assert_contains(f->message, "ec2 get-managed-prefix-list-entries");
	assert_null(f->rem_cli);
	f = need(x, "ec2-sg-ssh-world", "sg-plm", MM_ST_UNKNOWN);
	assert_contains(f->message, "ec2 describe-managed-prefix-lists");
	need(x, "ec2-sg-ssh-world", "sg-plx", MM_ST_FAIL);
	need(x, "ec2-sg-ssh-world", "sg-plh", MM_ST_UNKNOWN);
	f = need(x, "ec2-sg-ssh-world", "sg-bad", MM_ST_UNKNOWN);
	assert_contains(f->message, "unparsable CIDR");
	/* IPv6 is not affected by an IPv4-only list */
	need(x, "ec2-sg-rdp-world", "sg-plu", MM_ST_PASS);
}

static void test_sg_db_and_allowlist(void **st)
{
	struct fx *x = *st;
	struct mm_sg *sg = add_sg(&x->m, "sg-db", "db");
	sg_rule(&x->m, sg, false, "tcp", 3306, 3306, "0.0.0.0/0");
	sg_rule(&x->m, sg, false, "tcp", 8443, 8443, "0.0.0.0/0");
	sg_rule(&x->m, sg, false, "tcp", 5432, 5432, "192.0.2.0/24"); /* not public */
	run(x);
	struct finding *f = need(x, "ec2-sg-db-port-world", "sg-db", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_HIGH);
	assert_contains(f->message, "tcp 3306 from 0.0.0.0/0 (IPv4)");
	assert_null(strstr(f->message, "5432"));
	assert_true(has_compliance(f, "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_"
				      "tcp_port_mysql_3306"));
	assert_false(has_compliance(f, "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_"
				       "tcp_port_redis_6379"));
	assert_true(has_compliance(f, "FSBP:EC2.19"));
	f = need(x, "ec2-sg-unauthorized-port-world", "sg-db", MM_ST_FAIL);
	assert_contains(f->message, "tcp 3306, 8443 from 0.0.0.0/0 (IPv4);");

	/* a custom allow-list */
	int ports[] = { 3306, 8443 };
	x->o.ports = ports;
	x->o.nports = 2;
	run(x);
	need(x, "ec2-sg-unauthorized-port-world", "sg-db", MM_ST_PASS);
	need(x, "ec2-sg-db-port-world", "sg-db",
	     MM_ST_FAIL); /* the allow-list is for this rule only */

	/* an empty, non-NULL list allows nothing; NULL means 80 and 443 */
	struct mm_sg *w = add_sg(&x->m, "sg-web", "web");
	sg_rule(&x->m, w, false, "tcp", 443, 443, "0.0.0.0/0");
	x->o.nports = 0;
	run(x);
	f = need(x, "ec2-sg-unauthorized-port-world", "sg-web", MM_ST_FAIL);
	assert_contains(f->message, "tcp 443 from");
	x->o.ports = NULL;
	run(x);
	need(x, "ec2-sg-unauthorized-port-world", "sg-web", MM_ST_PASS);
}

static enum mm_tri fake_reach(void *arg, const struct mm_model *m, const struct mm_eni *eni,
			      int proto, const struct ivset *ports, enum mm_family fam)
{
	(void)m;
	(void)fam;
	int *calls = arg;
	(*calls)++;
	assert_int_equal(proto, MM_PROTO_TCP);
	assert_true(ivset_contains(ports, 22));
	return strcmp(eni->r.id, "eni-pub") ? MM_NO : MM_YES;
}

static void test_sg_exposure_hook(void **st)
{
	struct fx *x = *st;
	struct mm_sg *a = add_sg(&x->m, "sg-priv", "priv");
	sg_rule(&x->m, a, false, "tcp", 22, 22, "0.0.0.0/0");
	struct mm_sg *b = add_sg(&x->m, "sg-pub", "pub");
	sg_rule(&x->m, b, false, "tcp", 22, 22, "0.0.0.0/0");
	add_eni(&x->m, "eni-priv", "i-priv", "sg-priv");
	add_eni(&x->m, "eni-pub", "i-pub", "sg-pub");
	add_eni(&x->m, "eni-priv2", "i-priv2", "sg-pub");
	int calls = 0;
	x->o.reach = fake_reach;
	x->o.reach_arg = &calls;
	x->o.passed = false;
	run(x);
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-priv", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	assert_contains(f->message, "latent");
	f = need(x, "ec2-sg-ssh-world", "sg-pub", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_null(strstr(f->message, "latent"));
	assert_true(calls > 0);
}

/* seed 004: an instance in a protected subnet (no route to an internet
 * gateway) whose group opens SSH to the world still yields the group
 * finding; RDP from one address does not. Exposure comes from reach later. */
static void test_seed004_protected_subnet(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	have(m, MM_K_RTBS);
	ALLOC_GROW(m->rtbs, m->nrtbs + 1, m->artbs);
	struct mm_rtb *t = &m->rtbs[m->nrtbs++];
	memset(t, 0, sizeof(*t));
	t->r = mkres(m, "rtb-prot", "rtb.json");
	t->vpc_id = "vpc-1";
	t->subnets = strv(m, "subnet-1", &t->nsubnets);
	t->routes = arena_calloc(&m->arena, 2, sizeof(*t->routes));
	mm_cidr_parse("10.0.0.0/16", &t->routes[0].dst);
	t->routes[0].target = MM_TGT_LOCAL;
	mm_cidr_parse("10.1.0.0/16", &t->routes[1].dst);
	t->routes[1].target = MM_TGT_PCX;
	t->routes[1].target_id = "pcx-1";
	t->nroutes = 2;
	struct mm_sg *sg = add_sg(m, "sg-004", "seed004");
	sg_rule(m, sg, false, "tcp", 22, 22, "0.0.0.0/0");
	sg_rule(m, sg, false, "tcp", 3389, 3389, "198.51.100.7/32");
	add_inst(m, "i-prot", "sg-004");
	add_eni(m, "eni-prot", "i-prot", "sg-004");
	run(x);
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-004", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_contains(f->message, "used by i-prot");
	need(x, "ec2-sg-rdp-world", "sg-004", MM_ST_PASS);
	need(x, "ec2-instance-public-ip", "i-prot", MM_ST_PASS);
}

static void test_sg_egress_default_unused(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	struct mm_sg *d = add_sg(m, "sg-def", "default");
	sg_rule(m, d, false, "-1", 0, 65535, "sg-def");
	sg_rule(m, d, true, "-1", 0, 65535, "0.0.0.0/0");
	struct mm_sg *d2 = add_sg(m, "sg-def2", "default");
	d2->vpc_id = "vpc-2";
	struct mm_sg *u = add_sg(m, "sg-unused", "old");
	sg_rule(m, u, true, "tcp", 443, 443, "0.0.0.0/0");
	struct mm_sg *r = add_sg(m, "sg-ref", "referenced");
	struct mm_sg *w = add_sg(m, "sg-web", "web");
	sg_rule(m, w, false, "tcp", 8080, 8080, "sg-ref");
	sg_rule(m, w, true, "-1", 0, 65535, "pl-gone");
	add_eni(m, "eni-w", "i-w", "sg-web");
	(void)r;
	run(x);
	struct finding *f = need(x, "ec2-sg-default-allows-traffic", "sg-def", MM_ST_FAIL);
	assert_contains(f->message, "default security group sg-def of vpc-1 has 1 inbound and 1 "
				    "outbound permissions");
	assert_contains(f->rem_cli, "revoke-security-group-egress --region us-east-1 --group-id "
				    "sg-def");
	assert_true(has_compliance(f, "CIS-AWS-3.0:5.4"));
	need(x, "ec2-sg-default-allows-traffic", "sg-def2", MM_ST_PASS);
	assert_null(find(x, "ec2-sg-default-allows-traffic", "sg-web"));

	f = need(x, "ec2-sg-egress-all-world", "sg-def", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_INFO);
	assert_contains(f->message,
			"allows outbound all traffic (protocol -1) to 0.0.0.0/0 (IPv4)");
	assert_true(has_evidence(f, "IpPermissionsEgress/0", "egress all traffic to 0.0.0.0/0"));
	assert_contains(f->rem_cli, "revoke-security-group-egress");
	need(x, "ec2-sg-egress-all-world", "sg-unused", MM_ST_PASS);
	f = need(x, "ec2-sg-egress-all-world", "sg-web", MM_ST_UNKNOWN);
	assert_contains(f->message, "cannot tell whether security group sg-web (web) allows all "
				    "outbound traffic");

	f = need(x, "ec2-sg-unused", "sg-unused", MM_ST_FAIL);
	assert_string_equal(
	    f->rem_cli, "aws ec2 delete-security-group --region us-east-1 --group-id sg-unused");
	need(x, "ec2-sg-unused", "sg-ref", MM_ST_PASS);
	need(x, "ec2-sg-unused", "sg-web", MM_ST_PASS);
	assert_null(find(x, "ec2-sg-unused", "sg-def2")); /* default groups cannot go */
}

static void test_sg_unused_unknown(void **st)
{
	struct fx *x = *st;
	add_sg(&x->m, "sg-lonely", "lonely");
	run(x);
	struct finding *f = need(x, "ec2-sg-unused", "sg-lonely", MM_ST_UNKNOWN);
	assert_contains(f->message, "neither 'ec2 describe-network-interfaces' nor 'ec2 "
				    "describe-instances' was loaded");
	f = need(x, "ec2-sg-ssh-world", "sg-lonely", MM_ST_PASS);
	assert_contains(f->message, "users unknown");
	/* instances alone cannot rule out other users */
	add_inst(&x->m, "i-1", "sg-other");
	run(x);
	f = need(x, "ec2-sg-unused", "sg-lonely", MM_ST_UNKNOWN);
	assert_contains(f->message, "not used by any instance");
}

/* ---- network ACLs ---- */

static void test_nacl_order(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	/* deny 22 at 90 before allow-all at 100: SSH closed, RDP open */
	struct mm_nacl *a = add_nacl(m, "acl-deny-first", "subnet-1");
	nacl_entry(m, a, 100, true, "-1", 0, 65535, "0.0.0.0/0");
	nacl_entry(m, a, 90, false, "tcp", 22, 22, "0.0.0.0/0");
	nacl_entry(m, a, 32767, false, "-1", 0, 65535, "0.0.0.0/0");
	/* allow 22 at 100 before deny at 110: open */
	struct mm_nacl *b = add_nacl(m, "acl-allow-first", "subnet-2");
	nacl_entry(m, b, 100, true, "tcp", 20, 30, "0.0.0.0/0");
	nacl_entry(m, b, 110, false, "tcp", 22, 22, "0.0.0.0/0");
	nacl_entry(m, b, 120, true, "udp", 3389, 3389, "0.0.0.0/0");
	nacl_entry(m, b, 32767, false, "-1", 0, 65535, "0.0.0.0/0");
	/* IPv6 world, two halves of IPv4 in two entries */
	struct mm_nacl *c = add_nacl(m, "acl-v6", "subnet-3");
	nacl_entry(m, c, 100, true, "tcp", 3389, 3389, "::/0");
	nacl_entry(m, c, 101, true, "tcp", 22, 22, "0.0.0.0/1");
	nacl_entry(m, c, 102, true, "tcp", 0, 65535, "128.0.0.0/1");
	/* only private sources */
	struct mm_nacl *d = add_nacl(m, "acl-closed", "subnet-4");
	nacl_entry(m, d, 100, true, "-1", 0, 65535, "10.0.0.0/8");
	nacl_entry(m, d, 32767, false, "-1", 0, 65535, "0.0.0.0/0");
	/* an entry we cannot read before the allow */
	struct mm_nacl *e = add_nacl(m, "acl-unk", "subnet-5");
	nacl_entry(m, e, 50, false, "tcp", 22, 22, NULL);
	nacl_entry(m, e, 100, true, "tcp", 22, 22, "0.0.0.0/0");
	run(x);

	struct finding *f = need(x, "ec2-nacl-admin-port-world", "acl-deny-first", MM_ST_FAIL);
	assert_null(strstr(f->message, "tcp 22"));
	assert_contains(f->message, "tcp 3389 (IPv4, rule 100)");
	assert_true(has_evidence(f, "nacl.json#/acl-deny-first/Entries/0",
				 "ingress rule 100 allow all 0-65535 from 0.0.0.0/0"));
	assert_string_equal(f->rem_cli,
			    "aws ec2 create-network-acl-entry --region us-east-1 --network-acl-id "
			    "acl-deny-first --ingress --rule-number 99 --protocol tcp --port-range "
			    "From=3389,To=3389 --cidr-block 0.0.0.0/0 --rule-action deny");
	assert_true(has_compliance(f, "CIS-AWS-3.0:5.1"));
	assert_true(has_compliance(f, "Prowler:ec2_networkacl_allow_ingress_tcp_port_3389"));
	assert_false(has_compliance(f, "Prowler:ec2_networkacl_allow_ingress_tcp_port_22"));

	f = need(x, "ec2-nacl-admin-port-world", "acl-allow-first", MM_ST_FAIL);
	assert_contains(f->message, "tcp 22 (IPv4, rule 100)");
	assert_null(strstr(f->message, "3389")); /* the 3389 entry is UDP */

	f = need(x, "ec2-nacl-admin-port-world", "acl-v6", MM_ST_FAIL);
	assert_contains(f->message, "tcp 22 (IPv4, rule 101, 102)");
	assert_contains(f->message, "tcp 3389 (IPv6, rule 100)");
	/* one deny per (port, family), each below the first allowing entry
	 * and on a free rule number */
	assert_contains(f->rem_cli, "--rule-number 99 --protocol tcp --port-range From=22,To=22 "
				    "--cidr-block 0.0.0.0/0");
	assert_contains(f->rem_cli, " && aws ec2 create-network-acl-entry");
	assert_contains(f->rem_cli, "--rule-number 98 --protocol tcp --port-range "
				    "From=3389,To=3389 --ipv6-cidr-block ::/0");

	need(x, "ec2-nacl-admin-port-world", "acl-closed", MM_ST_PASS);
	f = need(x, "ec2-nacl-admin-port-world", "acl-unk", MM_ST_UNKNOWN);
	assert_contains(f->message, "unreadable protocol or CIDR");
}

static void test_nacl_unused(void **st)
{
	struct fx *x = *st;
	struct mm_nacl *a = add_nacl(&x->m, "acl-idle", "");
	(void)a;
	struct mm_nacl *d = add_nacl(&x->m, "acl-default", "");
	d->is_default = true;
	add_nacl(&x->m, "acl-used", "subnet-1");
	run(x);
	struct finding *f = need(x, "ec2-nacl-unused", "acl-idle", MM_ST_FAIL);
	assert_string_equal(
	    f->rem_cli, "aws ec2 delete-network-acl --region us-east-1 --network-acl-id acl-idle");
	assert_null(find(x, "ec2-nacl-unused", "acl-default"));
	need(x, "ec2-nacl-unused", "acl-used", MM_ST_PASS);
}

/* ---- VPCs, subnets, addresses ---- */

static struct mm_vpc *add_vpc(struct mm_model *m, const char *id, bool def)
{
	have(m, MM_K_VPCS);
	ALLOC_GROW(m->vpcs, m->nvpcs + 1, m->avpcs);
	struct mm_vpc *v = &m->vpcs[m->nvpcs++];
	memset(v, 0, sizeof(*v));
	v->r = mkres(m, id, "vpcs.json");
	v->is_default = def;
	return v;
}

static void add_flow_log(struct mm_model *m, const char *id, const char *rid, const char *status)
{
	ALLOC_GROW(m->flow_logs, m->nflow_logs + 1, m->aflow_logs);
	struct mm_flow_log *f = &m->flow_logs[m->nflow_logs++];
	memset(f, 0, sizeof(*f));
	f->r = mkres(m, id, "flowlogs.json");
	f->resource_id = rid;
	f->status = status;
	f->traffic_type = "ALL";
}

static void test_flow_logs(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	add_vpc(m, "vpc-1", false);
	add_vpc(m, "vpc-2", false);
	add_vpc(m, "vpc-3", false);
	ALLOC_GROW(m->subnets, m->nsubnets + 1, m->asubnets);
	struct mm_subnet *s = &m->subnets[m->nsubnets++];
	memset(s, 0, sizeof(*s));
	s->r = mkres(m, "subnet-2a", "subnets.json");
	s->vpc_id = "vpc-2";
	s->map_public_ip = MM_NO;
	s->assign_ipv6 = MM_NO;
	add_flow_log(m, "fl-1", "vpc-1", "ACTIVE");
	add_flow_log(m, "fl-2", "subnet-2a", "ACTIVE");
	add_flow_log(m, "fl-3", "vpc-3", "INACTIVE");
	run(x);
	/* no describe-flow-logs input: unknown, never "missing" */
	struct finding *f = need(x, "ec2-vpc-flow-logs-missing", "vpc-1", MM_ST_UNKNOWN);
	assert_contains(f->message, "'ec2 describe-flow-logs' was not loaded for account "
				    "111122223333 region us-east-1");
	have(m, MM_K_FLOW_LOGS);
	run(x);
	f = need(x, "ec2-vpc-flow-logs-missing", "vpc-1", MM_ST_PASS);
	assert_contains(f->message, "fl-1");
	f = need(x, "ec2-vpc-flow-logs-missing", "vpc-2", MM_ST_FAIL);
	assert_contains(f->message, "1 subnet- or interface-level flow log (e.g. fl-2 on "
				    "subnet-2a) cover only part of the VPC");
	assert_true(has_compliance(f, "CIS-AWS-3.0:3.7"));
	assert_contains(f->rem_cli, "--resource-type VPC --resource-ids vpc-2");
	f = need(x, "ec2-vpc-flow-logs-missing", "vpc-3", MM_ST_FAIL);
	assert_contains(f->message, "status is INACTIVE");
	need(x, "ec2-subnet-auto-public-ip", "subnet-2a", MM_ST_PASS);
}

static void test_subnets_eips_default_vpc(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	have(m, MM_K_SUBNETS);
	ALLOC_GROW(m->subnets, 3, m->asubnets);
	const char *ids[] = { "subnet-pub", "subnet-6", "subnet-unk" };
	for (int i = 0; i < 3; i++) {
		struct mm_subnet *s = &m->subnets[m->nsubnets++];
		memset(s, 0, sizeof(*s));
		s->r = mkres(m, ids[i], "subnets.json");
		s->vpc_id = "vpc-d";
		s->map_public_ip = i == 0 ? MM_YES : i == 1 ? MM_NO : MM_UNKNOWN;
		s->assign_ipv6 = i == 1 ? MM_YES : MM_NO;
	}
	have(m, MM_K_EIPS);
	ALLOC_GROW(m->eips, 2, m->aeips);
	struct mm_eip *e = &m->eips[m->neips++];
	memset(e, 0, sizeof(*e));
	e->r = mkres(m, "eipalloc-idle", "eips.json");
	e->allocation_id = "eipalloc-idle";
	e->public_ip = "198.51.100.1";
	e = &m->eips[m->neips++];
	memset(e, 0, sizeof(*e));
	e->r = mkres(m, "eipalloc-used", "eips.json");
	e->allocation_id = "eipalloc-used";
	e->association_id = "eipassoc-1";
	e->instance_id = "i-1";
	add_vpc(m, "vpc-d", true);
	add_vpc(m, "vpc-e", true);
	struct mm_instance *in = add_inst(m, "i-1", "");
	in->vpc_id = "vpc-d";
	run(x);
	struct finding *f = need(x, "ec2-subnet-auto-public-ip", "subnet-pub", MM_ST_FAIL);
	assert_contains(f->message, "assigns a public IPv4 address");
	assert_string_equal(f->rem_cli, "aws ec2 modify-subnet-attribute --region us-east-1 "
					"--subnet-id subnet-pub --no-map-public-ip-on-launch");
	f = need(x, "ec2-subnet-auto-public-ip", "subnet-6", MM_ST_FAIL);
	assert_contains(f->message, "an IPv6 address");
	need(x, "ec2-subnet-auto-public-ip", "subnet-unk", MM_ST_UNKNOWN);

	f = need(x, "ec2-eip-unassociated", "eipalloc-idle", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	assert_string_equal(f->rem_cli, "aws ec2 release-address --region us-east-1 "
					"--allocation-id eipalloc-idle");
	need(x, "ec2-eip-unassociated", "eipalloc-used", MM_ST_PASS);

	f = need(x, "ec2-vpc-default-in-use", "vpc-d", MM_ST_FAIL);
	assert_contains(f->message, "1 instance and 0 other network interfaces: i-1");
	/* no interfaces loaded: an empty default VPC is unknown */
	f = need(x, "ec2-vpc-default-in-use", "vpc-e", MM_ST_UNKNOWN);
	have(m, MM_K_ENIS);
	run(x);
	need(x, "ec2-vpc-default-in-use", "vpc-e", MM_ST_PASS);
}

/* ---- instances and launch templates ---- */

static void test_instance_imds(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	struct mm_instance *in = add_inst(m, "i-v1", "");
	in->imds.http_tokens = "optional";
	in->imds.hop_limit = 2;
	add_tag(m, &in->r, "Name", "web");
	in = add_inst(m, "i-v2", "");
	in->imds.hop_limit = 2;
	in = add_inst(m, "i-unk", "");
	in->imds.http_tokens = NULL;
	in->imds.hop_limit = -1;
	in = add_inst(m, "i-off", "");
	in->imds.http_tokens = "optional";
	in->imds.http_endpoint = "disabled";
	in = add_inst(m, "i-gone", "");
	in->imds.http_tokens = "optional";
	in->state = "terminated";
	run(x);
	struct finding *f = need(x, "ec2-instance-imdsv1", "i-v1", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_HIGH);
	assert_string_equal(f->res_type, "ec2-instance");
	assert_contains(f->message, "instance i-v1 (web) allows IMDSv1 (HttpTokens optional)");
	assert_contains(f->message, "instance-profile/app");
	assert_string_equal(f->rem_cli, "aws ec2 modify-instance-metadata-options --region "
					"us-east-1 --instance-id i-v1 --http-tokens required "
					"--http-endpoint enabled");
	assert_true(has_compliance(f, "CIS-AWS-3.0:5.6"));
	assert_true(has_compliance(f, "FSBP:EC2.8"));
	assert_int_equal(f->ntags, 1);
	assert_string_equal(f->tags[0].key, "Name");
	assert_string_equal(f->tags[0].value, "web");
	need(x, "ec2-instance-imdsv1", "i-v2", MM_ST_PASS);
	f = need(x, "ec2-instance-imdsv1", "i-unk", MM_ST_UNKNOWN);
	assert_contains(f->message, "HttpTokens is not in the snapshot");
	need(x, "ec2-instance-imdsv1", "i-off", MM_ST_PASS);
	assert_null(find(x, "ec2-instance-imdsv1", "i-gone"));

	f = need(x, "ec2-instance-imds-hop-limit", "i-v1", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_MEDIUM);
	assert_contains(f->rem_cli, "--http-put-response-hop-limit 1");
	f = need(x, "ec2-instance-imds-hop-limit", "i-v2", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	need(x, "ec2-instance-imds-hop-limit", "i-unk", MM_ST_UNKNOWN);
	need(x, "ec2-instance-imds-hop-limit", "i-off", MM_ST_PASS);
}

static void test_instance_public_ip_profile(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	struct mm_instance *in = add_inst(m, "i-pub", "");
	in->public_ip = "203.0.113.10";
	in = add_inst(m, "i-stopped", "");
	in->public_ip = "203.0.113.11";
	in->state = "stopped";
	in->profile_arn = NULL;
	in = add_inst(m, "i-eni", "");
	in->enis = strv(m, "eni-2nd", &in->nenis);
	struct mm_eni *n = add_eni(m, "eni-2nd", "i-eni", "");
	n->ips = arena_calloc(&m->arena, 1, sizeof(*n->ips));
	n->ips[0].private_ip = "10.0.0.5";
	n->ips[0].public_ip = "198.51.100.9";
	n->ips[0].ip_owner = "111122223333";
	n->nips = 1;
	add_inst(m, "i-priv", "");
	run(x);
	struct finding *f = need(x, "ec2-instance-public-ip", "i-pub", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_MEDIUM);
	assert_contains(f->message, "public IPv4 address 203.0.113.10");
	assert_true(has_compliance(f, "FSBP:EC2.9"));
	f = need(x, "ec2-instance-public-ip", "i-stopped", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	f = need(x, "ec2-instance-public-ip", "i-eni", MM_ST_FAIL);
	assert_contains(f->message, "198.51.100.9 (eni-2nd, Elastic IP)");
	need(x, "ec2-instance-public-ip", "i-priv", MM_ST_PASS);

	f = need(x, "ec2-instance-no-iam-profile", "i-stopped", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_INFO);
	need(x, "ec2-instance-no-iam-profile", "i-pub", MM_ST_PASS);
}

static void test_source_dest_check(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	add_inst(m, "i-app", "");
	add_inst(m, "i-router", "");
	struct mm_instance *nat = add_inst(m, "i-nat", "");
	add_tag(m, &nat->r, "Role", "nat-instance");
	struct mm_eni *n = add_eni(m, "eni-app", "i-app", "");
	n->source_dest_check = MM_NO;
	n = add_eni(m, "eni-router", "i-router", "");
	n->source_dest_check = MM_NO;
	n = add_eni(m, "eni-nat", "i-nat", "");
	n->source_dest_check = MM_NO;
	n = add_eni(m, "eni-ok", NULL, "");
	n = add_eni(m, "eni-unk", NULL, "");
	n->source_dest_check = MM_UNKNOWN;
	n = add_eni(m, "eni-natgw", NULL, "");
	n->source_dest_check = MM_NO;
	n->requester_managed = true;
	n->type = "nat_gateway";
	/* a route sends 0.0.0.0/0 to the router's interface */
	have(m, MM_K_RTBS);
	ALLOC_GROW(m->rtbs, 1, m->artbs);
	struct mm_rtb *t = &m->rtbs[m->nrtbs++];
	memset(t, 0, sizeof(*t));
	t->r = mkres(m, "rtb-1", "rtb.json");
	t->routes = arena_calloc(&m->arena, 1, sizeof(*t->routes));
	mm_cidr_parse("0.0.0.0/0", &t->routes[0].dst);
	t->routes[0].target = MM_TGT_ENI;
	t->routes[0].target_id = "eni-router";
	t->routes[0].loc = (struct mm_loc){ "rtb.json", "/rtb-1/Routes/0" };
	t->nroutes = 1;
	run(x);
	struct finding *f = need(x, "ec2-eni-source-dest-check-off", "eni-app", MM_ST_FAIL);
	assert_string_equal(f->res_type, "network-interface");
	assert_contains(f->message, "interface eni-app of instance i-app has source/destination "
				    "checking off");
	assert_string_equal(f->rem_cli, "aws ec2 modify-network-interface-attribute --region "
					"us-east-1 --network-interface-id eni-app "
					"--source-dest-check");
	assert_true(has_compliance(f, "FSBP:EC2.180"));
	f = need(x, "ec2-eni-source-dest-check-off", "eni-router", MM_ST_PASS);
	assert_contains(f->message, "a route table sends traffic to it");
	assert_true(has_evidence(f, "rtb.json#/rtb-1/Routes/0", NULL));
	f = need(x, "ec2-eni-source-dest-check-off", "eni-nat", MM_ST_PASS);
	assert_contains(f->message, "tagged as a NAT instance");
	need(x, "ec2-eni-source-dest-check-off", "eni-ok", MM_ST_PASS);
	need(x, "ec2-eni-source-dest-check-off", "eni-unk", MM_ST_UNKNOWN);
	assert_null(find(x, "ec2-eni-source-dest-check-off", "eni-natgw"));
}

static struct mm_lt_version *add_ltv(struct mm_model *m, const char *lt, long long ver, bool def)
{
	have(m, MM_K_LT_VERSIONS);
	ALLOC_GROW(m->lt_versions, m->nlt_versions + 1, m->alt_versions);
	struct mm_lt_version *v = &m->lt_versions[m->nlt_versions++];
	memset(v, 0, sizeof(*v));
	char id[64];
	snprintf(id, sizeof(id), "%s:%lld", lt, ver);
	v->r = mkres(m, id, "lt.json");
	v->lt_id = lt;
	v->lt_name = "app";
	v->version = ver;
	v->is_default = def;
	v->imds.hop_limit = -1;
	v->public_ip = MM_UNKNOWN;
	return v;
}

static void test_launch_templates(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	struct mm_lt_version *v = add_ltv(m, "lt-a", 1, true);
	v->imds.http_tokens = "optional";
	v->public_ip = MM_YES;
	v = add_ltv(m, "lt-a", 2, false);
	v->imds.http_tokens = "required";
	v->public_ip = MM_NO;
	add_ltv(m, "lt-unset", 1, true); /* HttpTokens not set */
	run(x);
	/* default (v1) fails, latest (v2) passes: two findings, distinct ids */
	size_t nimds = 0;
	const struct finding *def = NULL, *lat = NULL;
	for (size_t i = 0; i < x->fs.nr; i++) {
		const struct finding *f = &x->fs.v[i];
		if (strcmp(f->rule, "ec2-launch-template-imdsv1") || strcmp(f->res_id, "lt-a"))
			continue;
		nimds++;
		if (!strcmp(f->fp_extra, "default"))
			def = f;
		else if (!strcmp(f->fp_extra, "latest"))
			lat = f;
	}
	assert_int_equal(nimds, 2);
	assert_non_null(def);
	assert_non_null(lat);
	assert_int_equal(def->status, MM_ST_FAIL);
	assert_int_equal(lat->status, MM_ST_PASS);
	assert_string_not_equal(def->id, lat->id);
	assert_contains(def->message, "launch template lt-a (app) version 1 (default) allows "
				      "IMDSv1");
	assert_contains(def->rem_cli, "--launch-template-id lt-a --source-version 1 "
				      "--launch-template-data "
				      "'{\"MetadataOptions\":{\"HttpTokens\":\"required\"");
	assert_true(has_compliance(def, "FSBP:EC2.170"));

	struct finding *f = need(x, "ec2-launch-template-imdsv1", "lt-unset", MM_ST_FAIL);
	assert_contains(f->message, "does not set HttpTokens");
	assert_contains(f->message, "the account default was not loaded");
	f = need(x, "ec2-launch-template-public-ip", "lt-unset", MM_ST_PASS);
	assert_contains(f->message, "does not set AssociatePublicIpAddress");

	/* an account default that requires IMDSv2 covers templates that do not say */
	struct mm_scope *sc = mm_scope_get(m, ACCT, REG);
	sc->have_imds_default = true;
	sc->imds_default.http_tokens = "required";
	run(x);
	need(x, "ec2-launch-template-imdsv1", "lt-unset", MM_ST_PASS);
	need(x, "ec2-imds-default-v1", ACCT, MM_ST_PASS);
}

/* ---- data ---- */

static void test_volumes_snapshots_images(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	have(m, MM_K_VOLUMES);
	ALLOC_GROW(m->volumes, 3, m->avolumes);
	const enum mm_tri enc[] = { MM_NO, MM_YES, MM_UNKNOWN };
	const char *vid[] = { "vol-plain", "vol-enc", "vol-unk" };
	for (int i = 0; i < 3; i++) {
		struct mm_volume *v = &m->volumes[m->nvolumes++];
		memset(v, 0, sizeof(*v));
		v->r = mkres(m, vid[i], "volumes.json");
		v->encrypted = enc[i];
		v->state = "in-use";
		v->instances = strv(m, "i-1", &v->ninstances);
		v->size = 8;
	}
	have(m, MM_K_SNAPSHOTS);
	ALLOC_GROW(m->snapshots, 4, m->asnapshots);
	struct mm_snapshot *s = &m->snapshots[m->nsnapshots++];
	memset(s, 0, sizeof(*s));
	s->r = mkres(m, "snap-pub", "snaps.json");
	s->owner = ACCT;
	s->encrypted = MM_NO;
	s->is_public = MM_YES;
	s->shared_with = strv(m, "444455556666", &s->nshared);
	s = &m->snapshots[m->nsnapshots++];
	memset(s, 0, sizeof(*s));
	s->r = mkres(m, "snap-priv", "snaps.json");
	s->owner = ACCT;
	s->encrypted = MM_YES;
	s->is_public = MM_NO;
	s = &m->snapshots[m->nsnapshots++];
	memset(s, 0, sizeof(*s));
	s->r = mkres(m, "snap-noperm", "snaps.json");
	s->owner = ACCT;
	s->encrypted = MM_YES;
	s->is_public = MM_UNKNOWN;
	s = &m->snapshots[m->nsnapshots++];
	memset(s, 0, sizeof(*s));
	s->r = mkres(m, "snap-theirs", "snaps.json");
	s->owner = "999988887777";
	s->encrypted = MM_NO;
	s->is_public = MM_YES;
	have(m, MM_K_IMAGES);
	ALLOC_GROW(m->images, 2, m->aimages);
	struct mm_image *img = &m->images[m->nimages++];
	memset(img, 0, sizeof(*img));
	img->r = mkres(m, "ami-pub", "images.json");
	img->owner = ACCT;
	img->name = "golden";
	img->is_public = MM_YES;
	ALLOC_GROW(m->images, 4, m->aimages);
	img = &m->images[m->nimages++];
	memset(img, 0, sizeof(*img));
	img->r = mkres(m, "ami-priv", "images.json");
	img->owner = ACCT;
	img->is_public = MM_NO;
	img = &m->images[m->nimages++];
	memset(img, 0, sizeof(*img));
	img->r = mkres(m, "ami-unk", "images.json");
	img->owner = ACCT;
	img->is_public = MM_UNKNOWN;
	img = &m->images[m->nimages++];
	memset(img, 0, sizeof(*img));
	img->r = mkres(m, "ami-amzn", "images.json");
	img->owner = "137112412989";
	img->is_public = MM_YES;
	run(x);
	struct finding *f = need(x, "ec2-ebs-volume-unencrypted", "vol-plain", MM_ST_FAIL);
	assert_contains(f->message, "volume vol-plain, attached to i-1, 8 GiB, is not encrypted");
	assert_true(has_compliance(f, "FSBP:EC2.3"));
	need(x, "ec2-ebs-volume-unencrypted", "vol-enc", MM_ST_PASS);
	need(x, "ec2-ebs-volume-unencrypted", "vol-unk", MM_ST_UNKNOWN);

	f = need(x, "ec2-ebs-snapshot-public", "snap-pub", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_string_equal(f->rem_cli, "aws ec2 modify-snapshot-attribute --region us-east-1 "
					"--snapshot-id snap-pub --attribute createVolumePermission "
					"--operation-type remove --group-names all");
	f = need(x, "ec2-ebs-snapshot-shared", "snap-pub", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_LOW);
	assert_contains(f->rem_cli, "--user-ids 444455556666");
	need(x, "ec2-ebs-snapshot-unencrypted", "snap-pub", MM_ST_FAIL);
	need(x, "ec2-ebs-snapshot-public", "snap-priv", MM_ST_PASS);
	need(x, "ec2-ebs-snapshot-shared", "snap-priv", MM_ST_PASS);
	f = need(x, "ec2-ebs-snapshot-public", "snap-noperm", MM_ST_UNKNOWN);
	assert_contains(f->message, "ec2 describe-snapshot-attribute");
	need(x, "ec2-ebs-snapshot-shared", "snap-noperm", MM_ST_UNKNOWN);
	assert_null(find(x, "ec2-ebs-snapshot-public", "snap-theirs"));

	need(x, "ec2-ebs-snapshot-unencrypted", "snap-priv", MM_ST_PASS);
	need(x, "ec2-ami-public", "ami-priv", MM_ST_PASS);
	f = need(x, "ec2-ami-public", "ami-unk", MM_ST_UNKNOWN);
	assert_contains(f->message, "cannot tell whether image ami-unk is public");
	f = need(x, "ec2-ami-public", "ami-pub", MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_HIGH);
	assert_contains(f->rem_cli, "--image-id ami-pub --launch-permission "
				    "\"Remove=[{Group=all}]\"");
	assert_null(find(x, "ec2-ami-public", "ami-amzn"));
}

/* ---- account settings ---- */

static void test_account_settings(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	/* us-east-1: all three collected, all bad */
	struct mm_scope *a = mm_scope_get(m, ACCT, REG);
	a->have |= (1ull << MM_K_EBS_DEFAULT) | (1ull << MM_K_IMDS_DEFAULTS) |
		   (1ull << MM_K_SERIAL_CONSOLE) | (1ull << MM_K_INSTANCES);
	a->ebs_default = MM_NO;
	a->ebs_loc =
	    (struct mm_loc){ "111122223333/us-east-1/ebs.json", "/EbsEncryptionByDefault" };
	a->have_imds_default = true; /* no preference */
	a->serial_console = MM_YES;
	/* eu-west-1: nothing collected but instances there */
	struct mm_scope *b = mm_scope_get(m, ACCT, "eu-west-1");
	b->have |= 1ull << MM_K_INSTANCES;
	struct mm_instance *in = add_inst(m, "i-eu", "");
	in->r.region = "eu-west-1";
	/* ap-south-1: only IAM, nothing EC2 */
	struct mm_scope *c = mm_scope_get(m, ACCT, "ap-south-1");
	c->have |= 1ull << MM_K_IAM;
	run(x);
	struct finding *f = NULL;
	size_t n = 0;
	for (size_t i = 0; i < x->fs.nr; i++) {
		struct finding *g = &x->fs.v[i];
		if (!strcmp(g->rule, "ec2-ebs-default-encryption-off") && !strcmp(g->region, REG))
			f = g;
		if (!strcmp(g->region, "ap-south-1"))
			n++;
	}
	assert_int_equal(n, 0);
	assert_non_null(f);
	assert_int_equal(f->status, MM_ST_FAIL);
	assert_string_equal(f->res_type, "account");
	assert_string_equal(f->rem_cli, "aws ec2 enable-ebs-encryption-by-default --region "
					"us-east-1");
	assert_true(has_evidence(f, "ebs.json#/EbsEncryptionByDefault", NULL));
	assert_true(has_compliance(f, "CIS-AWS-3.0:2.2.1"));
	for (size_t i = 0; i < x->fs.nr; i++) {
		struct finding *g = &x->fs.v[i];
		bool eu = !strcmp(g->region, "eu-west-1");
		if (!strcmp(g->rule, "ec2-imds-default-v1")) {
			assert_int_equal(g->status, eu ? MM_ST_UNKNOWN : MM_ST_FAIL);
			if (!eu)
				assert_contains(g->message, "\"no preference\"");
			else
				assert_contains(g->message, "ec2 get-instance-metadata-defaults");
		}
		if (!strcmp(g->rule, "ec2-serial-console-enabled")) {
			assert_int_equal(g->status, eu ? MM_ST_UNKNOWN : MM_ST_FAIL);
			if (!eu)
				assert_int_equal(g->sev, MM_SEV_HIGH);
		}
		if (!strcmp(g->rule, "ec2-ebs-default-encryption-off") && eu) {
			assert_int_equal(g->status, MM_ST_UNKNOWN);
			assert_contains(g->message, "1 instances and 0 volumes");
		}
	}
	/* fixing them passes */
	a->ebs_default = MM_YES;
	a->serial_console = MM_NO;
	a->imds_default.http_tokens = "required";
	run(x);
	for (size_t i = 0; i < x->fs.nr; i++) {
		struct finding *g = &x->fs.v[i];
		if (!strcmp(g->res_type, "account") && !strcmp(g->region, REG))
			assert_int_equal(g->status, MM_ST_PASS);
	}
}

/* ---- whole snapshots through the loader ---- */

#define DIR "111122223333/us-east-1/"

static void load(struct mm_model *m, const char *name, const char *json)
{
	struct mm_err e = { 0 };
	int r = snapshot_load_buffer(m, name, json, strlen(json), NULL, &e);
	if (r)
		fail_msg("load '%s': %s", name, e.msg);
}

static const char sgs_json[] =
    "{\"SecurityGroups\":[{\"GroupId\":\"sg-0a\",\"GroupName\":\"web\",\"VpcId\":\"vpc-1\","
    "\"OwnerId\":\"111122223333\",\"Description\":\"web\",\"IpPermissions\":["
    "{\"IpProtocol\":\"tcp\",\"FromPort\":22,\"ToPort\":22,\"IpRanges\":[{\"CidrIp\":"
    "\"0.0.0.0/1\"}],\"Ipv6Ranges\":[],\"PrefixListIds\":[],\"UserIdGroupPairs\":[]},"
    "{\"IpProtocol\":\"tcp\",\"FromPort\":20,\"ToPort\":30,\"IpRanges\":[{\"CidrIp\":"
    "\"128.0.0.0/1\",\"Description\":\"half\"}]},"
    "{\"IpProtocol\":\"tcp\",\"FromPort\":3389,\"ToPort\":3389,\"PrefixListIds\":["
    "{\"PrefixListId\":\"pl-0w\"}]},"
    "{\"IpProtocol\":\"-1\",\"UserIdGroupPairs\":[{\"GroupId\":\"sg-0a\",\"UserId\":"
    "\"111122223333\"}]}],"
    "\"IpPermissionsEgress\":[{\"IpProtocol\":\"-1\",\"IpRanges\":[{\"CidrIp\":\"0.0.0.0/0\"}]}]},"
    "{\"GroupId\":\"sg-0d\",\"GroupName\":\"default\",\"VpcId\":\"vpc-1\",\"IpPermissions\":[],"
    "\"IpPermissionsEgress\":[]}]}";

static const char pls_json[] =
    "{\"PrefixLists\":[{\"PrefixListId\":\"pl-0w\",\"AddressFamily\":\"IPv4\","
    "\"PrefixListName\":\"everyone\",\"OwnerId\":\"111122223333\",\"State\":\"create-complete\"}]}";

static const char entries_json[] =
    "{\"Entries\":[{\"Cidr\":\"10.0.0.0/8\"},{\"Cidr\":\"0.0.0.0/0\"}]}";

static const char instances_json[] =
    "{\"Reservations\":[{\"OwnerId\":\"111122223333\",\"Instances\":[{\"InstanceId\":\"i-0a\","
    "\"State\":{\"Name\":\"running\"},\"VpcId\":\"vpc-1\",\"SubnetId\":\"subnet-1\","
    "\"PrivateIpAddress\":\"10.0.1.5\",\"SecurityGroups\":[{\"GroupId\":\"sg-0a\","
    "\"GroupName\":\"web\"}],\"MetadataOptions\":{\"State\":\"applied\",\"HttpTokens\":"
    "\"optional\",\"HttpPutResponseHopLimit\":1,\"HttpEndpoint\":\"enabled\"},"
    "\"SourceDestCheck\":true,\"Tags\":[{\"Key\":\"Name\",\"Value\":\"bastion\"}],"
    "\"NetworkInterfaces\":[{\"NetworkInterfaceId\":\"eni-0a\",\"SubnetId\":\"subnet-1\","
    "\"VpcId\":\"vpc-1\",\"SourceDestCheck\":true,\"Status\":\"in-use\","
    "\"Attachment\":{\"DeviceIndex\":0},\"Groups\":[{\"GroupId\":\"sg-0a\"}],"
    "\"PrivateIpAddresses\":[{\"PrivateIpAddress\":\"10.0.1.5\",\"Primary\":true}]}]}]}]}";

static const char nacls_json[] =
    "{\"NetworkAcls\":[{\"NetworkAclId\":\"acl-0a\",\"VpcId\":\"vpc-1\",\"IsDefault\":false,"
    "\"Associations\":[{\"SubnetId\":\"subnet-1\",\"NetworkAclId\":\"acl-0a\"}],\"Entries\":["
    "{\"RuleNumber\":100,\"Protocol\":\"-1\",\"Egress\":false,\"RuleAction\":\"allow\","
    "\"CidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":90,\"Protocol\":\"6\",\"PortRange\":{\"From\":22,\"To\":22},"
    "\"Egress\":false,\"RuleAction\":\"deny\",\"CidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":32767,\"Protocol\":\"-1\",\"Egress\":false,\"RuleAction\":\"deny\","
    "\"CidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":100,\"Protocol\":\"-1\",\"Egress\":true,\"RuleAction\":\"allow\","
    "\"CidrBlock\":\"0.0.0.0/0\"}]}]}";

static void test_json_snapshot(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	load(m, DIR "ec2-describe-security-groups.json", sgs_json);
	load(m, DIR "ec2-describe-managed-prefix-lists.json", pls_json);
	load(m, DIR "ec2-describe-instances.json", instances_json);
	load(m, DIR "ec2-describe-network-acls.json", nacls_json);
	load(m, DIR "ec2-get-ebs-encryption-by-default.json",
	     "{\"EbsEncryptionByDefault\": false}");
	load(m, DIR "ec2-get-instance-metadata-defaults.json",
	     "{\"AccountLevel\": {\"HttpTokens\": \"optional\"}}");
	load(m, DIR "ec2-get-serial-console-access-status.json",
	     "{\"SerialConsoleAccessEnabled\": true}");
	run(x);

	/* the two halves of IPv4 across two permissions open SSH */
	struct finding *f = need(x, "ec2-sg-ssh-world", "sg-0a", MM_ST_FAIL);
	assert_string_equal(f->account, ACCT);
	assert_string_equal(f->region, REG);
	assert_contains(f->message, "security group sg-0a (web) allows tcp 22 from 0.0.0.0/1, "
				    "128.0.0.0/1 (IPv4); used by i-0a");
	assert_true(has_evidence(f,
				 DIR "ec2-describe-security-groups.json#/SecurityGroups/0/"
				     "IpPermissions/0",
				 "0.0.0.0/1"));
	assert_true(has_evidence(f,
				 DIR "ec2-describe-security-groups.json#/SecurityGroups/0/"
				     "IpPermissions/1",
				 "tcp 20-30 from 128.0.0.0/1"));
	/* 21 and 23 only see one half */
	need(x, "ec2-sg-admin-port-world", "sg-0a", MM_ST_PASS);
	/* the prefix list's entries were not collected yet */
	f = need(x, "ec2-sg-rdp-world", "sg-0a", MM_ST_UNKNOWN);
	assert_contains(f->message, "ec2 get-managed-prefix-list-entries");
	need(x, "ec2-sg-egress-all-world", "sg-0a", MM_ST_FAIL);
	need(x, "ec2-sg-default-allows-traffic", "sg-0d", MM_ST_PASS);

	f = need(x, "ec2-nacl-admin-port-world", "acl-0a", MM_ST_FAIL);
	assert_contains(f->message, "tcp 3389 (IPv4, rule 100)");
	assert_null(strstr(f->message, "tcp 22 "));
	assert_contains(f->rem_cli, "--rule-number 99 --protocol tcp --port-range "
				    "From=3389,To=3389");

	f = need(x, "ec2-instance-imdsv1", "i-0a", MM_ST_FAIL);
	assert_contains(f->message, "instance i-0a (bastion) allows IMDSv1");
	assert_true(has_evidence(f,
				 DIR "ec2-describe-instances.json#/Reservations/0/Instances/0/"
				     "MetadataOptions",
				 "HttpTokens=optional"));
	need(x, "ec2-eni-source-dest-check-off", "eni-0a", MM_ST_PASS);
	f = need(x, "ec2-ebs-default-encryption-off", ACCT, MM_ST_FAIL);
	assert_true(has_evidence(f, DIR "ec2-get-ebs-encryption-by-default.json#", NULL));
	need(x, "ec2-imds-default-v1", ACCT, MM_ST_FAIL);
	need(x, "ec2-serial-console-enabled", ACCT, MM_ST_FAIL);
	/* describe-vpcs was not loaded: no VPC to judge */
	assert_null(find(x, "ec2-vpc-flow-logs-missing", "vpc-1"));
	load(m, DIR "ec2-describe-vpcs.json",
	     "{\"Vpcs\":[{\"VpcId\":\"vpc-1\",\"CidrBlock\":\"10.0.0.0/16\",\"IsDefault\":false,"
	     "\"State\":\"available\"}]}");
	run(x);
	f = need(x, "ec2-vpc-flow-logs-missing", "vpc-1", MM_ST_UNKNOWN);
	assert_contains(f->message, "'ec2 describe-flow-logs' was not loaded");

	/* with the entries (named by the list id in the file name) RDP is open */
	load(m, DIR "ec2-get-managed-prefix-list-entries-pl-0w.json", entries_json);
	run(x);
	f = need(x, "ec2-sg-rdp-world", "sg-0a", MM_ST_FAIL);
	assert_contains(f->message, "tcp 3389 from pl-0w (IPv4)");
	assert_contains(f->rem_cli, "'IpProtocol=tcp,FromPort=3389,ToPort=3389,"
				    "PrefixListIds=[{PrefixListId=pl-0w}]'");
}

static void test_json_unknowns(void **st)
{
	struct fx *x = *st;
	struct mm_model *m = &x->m;
	/* instances only: no SG, ENI, flow log, EBS, IMDS-default or serial input */
	load(m, DIR "ec2-describe-instances.json", instances_json);
	run(x);
	need(x, "ec2-instance-imdsv1", "i-0a", MM_ST_FAIL);
	struct finding *f = need(x, "ec2-ebs-default-encryption-off", ACCT, MM_ST_UNKNOWN);
	assert_contains(f->message, "ec2 get-ebs-encryption-by-default");
	need(x, "ec2-imds-default-v1", ACCT, MM_ST_UNKNOWN);
	need(x, "ec2-serial-console-enabled", ACCT, MM_ST_UNKNOWN);
	for (size_t i = 0; i < x->fs.nr; i++)
		if (x->fs.v[i].status == MM_ST_UNKNOWN)
			assert_contains(x->fs.v[i].message, "cannot tell");
}

/* ---- docs ---- */

static void test_docs_list_every_rule(void **st)
{
	struct fx *x = *st;
	/* __FILE__ is tests/unit/test_posture.c relative to where the compiler
	 * ran, or absolute */
	char path[8192], exe[4096];
	const char *file = __FILE__;
	const char *cut = strstr(file, "tests/unit/test_posture.c");
	if (!cut)
		skip();
	snprintf(path, sizeof(path), "%.*sdocs/rules.md", (int)(cut - file), file);
	FILE *fp = fopen(path, "r");
	/* a relative __FILE__ is relative to the build root: <build>/tests/unit/exe */
	ssize_t n_exe = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (!fp && file[0] != '/' && n_exe > 0) {
		exe[n_exe] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/../../%.*sdocs/rules.md", exe, (int)(cut - file),
			 file);
		fp = fopen(path, "r");
	}
	if (!fp) {
		print_message("docs/rules.md not found at '%s': skipped\n", path);
		skip();
	}
	static char buf[1 << 18];
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	for (size_t i = 0; i < x->c.nr; i++) {
		char want[128];
		snprintf(want, sizeof(want), "`%s`", x->c.v[i].id);
		if (!strstr(buf, want))
			fail_msg("docs/rules.md does not document %s", x->c.v[i].id);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_catalog_embedded, setup, teardown),
		cmocka_unit_test(test_catalog_validation),
		cmocka_unit_test(test_catalog_coverage),
		cmocka_unit_test(test_cli_fill),
		cmocka_unit_test_setup_teardown(test_sg_ssh_world, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_port_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_split_world, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_ipv6_and_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_prefix_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_db_and_allowlist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_exposure_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed004_protected_subnet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_egress_default_unused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_unused_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nacl_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nacl_unused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_logs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subnets_eips_default_vpc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_imds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_public_ip_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_dest_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_launch_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_volumes_snapshots_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_unknowns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_docs_list_every_rule, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
