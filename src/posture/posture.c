/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Posture engine: builds the per-run indexes every check shares (who uses
 * each security group, which instances and interfaces some route targets,
 * resource counts per region), runs each check once, and provides the
 * helpers that turn a verdict into a struct finding (catalog text,
 * compliance, tags, CLI template, fingerprint).
 */
#include "posture-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/wrapper.h"
#include "base/banned.h"

/* Keyed by rule id; rows sharing a function run it once. */
const struct posture_check posture_checks[] = {
	{ "ec2-sg-ssh-world", check_sg_world },
	{ "ec2-sg-rdp-world", check_sg_world },
	{ "ec2-sg-admin-port-world", check_sg_world },
	{ "ec2-sg-db-port-world", check_sg_world },
	{ "ec2-sg-all-ports-world", check_sg_world },
	{ "ec2-sg-unauthorized-port-world", check_sg_world },
	{ "ec2-sg-egress-all-world", check_sg_egress },
	{ "ec2-sg-default-allows-traffic", check_sg_default },
	{ "ec2-sg-unused", check_sg_unused },
	{ "ec2-nacl-admin-port-world", check_nacl_admin },
	{ "ec2-nacl-unused", check_nacl_unused },
	{ "ec2-vpc-flow-logs-missing", check_flow_logs },
	{ "ec2-subnet-auto-public-ip", check_subnet_public },
	{ "ec2-eip-unassociated", check_eip_unused },
	{ "ec2-vpc-default-in-use", check_default_vpc },
	{ "ec2-instance-imdsv1", check_instances },
	{ "ec2-instance-imds-hop-limit", check_instances },
	{ "ec2-instance-public-ip", check_instances },
	{ "ec2-instance-no-iam-profile", check_instances },
	{ "ec2-eni-source-dest-check-off", check_src_dst },
	{ "ec2-launch-template-imdsv1", check_launch_templates },
	{ "ec2-launch-template-public-ip", check_launch_templates },
	{ "ec2-ebs-volume-unencrypted", check_volumes },
	{ "ec2-ebs-snapshot-unencrypted", check_snapshots },
	{ "ec2-ebs-snapshot-public", check_snapshots },
	{ "ec2-ebs-snapshot-shared", check_snapshots },
	{ "ec2-ami-public", check_images },
	{ "ec2-ebs-default-encryption-off", check_account },
	{ "ec2-imds-default-v1", check_account },
	{ "ec2-serial-console-enabled", check_account },
	{ "ec2-instance-ssh-rdp-internet", check_exposure },
	{ "ec2-instance-admin-port-internet", check_exposure },
	{ "ec2-instance-db-port-internet", check_exposure },
	{ "ec2-instance-all-ports-internet", check_exposure },
	{ "ec2-instance-port-internet", check_exposure },
	{ "ec2-instance-admin-port-peering", check_exposure },
	{ "ec2-toxic-internet-imdsv1-s3-read", check_paths },
	{ "ec2-toxic-internet-imdsv1-privilege", check_paths },
	{ "ec2-toxic-container-imdsv1-hop-limit", check_paths },
};
const size_t posture_nchecks = sizeof(posture_checks) / sizeof(posture_checks[0]);

/*
 * Compliance ids that only apply to some families or ports: a finding keeps
 * them only when what failed meets the scope, so a compliance matrix does not
 * count, say, an open MySQL port against Prowler's Redis check. Port lists
 * come from each control's own definition (Security Hub EC2.19 parameters,
 * Prowler check names, CIS 5.2 = 0.0.0.0/0, 5.3 = ::/0).
 */
static const struct {
	const char *id;
	enum mm_family fam;
	const char *ports;
} scope_table[] = {
	{ "CIS-AWS-3.0:5.1", MM_AF_INET, NULL },
	{ "CIS-AWS-3.0:5.2", MM_AF_INET, NULL },
	{ "CIS-AWS-3.0:5.3", MM_AF_INET6, NULL },
	{ "FSBP:EC2.19", MM_AF_NONE,
	  "20-23,25,110,135,143,445,1433-1434,3000,3306,3389,4333,5000,5432,5500,5601,8080,8088,"
	  "8888,9200,9300" },
	{ "Prowler:ec2_networkacl_allow_ingress_tcp_port_22", MM_AF_NONE, "22" },
	{ "Prowler:ec2_networkacl_allow_ingress_tcp_port_3389", MM_AF_NONE, "3389" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", MM_AF_NONE,
	  "22" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", MM_AF_NONE,
	  "3389" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_ftp_20_21", MM_AF_NONE,
	  "20-21" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_telnet_23", MM_AF_NONE,
	  "23" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mysql_3306",
	  MM_AF_NONE, "3306" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432",
	  MM_AF_NONE, "5432" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_sql_server_1433_1434",
	  MM_AF_NONE, "1433-1434" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483",
	  MM_AF_NONE, "1521,2483" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mongodb_27017_27018",
	  MM_AF_NONE, "27017-27018" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379",
	  MM_AF_NONE, "6379" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211",
	  MM_AF_NONE, "11211" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_elasticsearch_kibana_"
	  "9200_9300_5601",
	  MM_AF_NONE, "5601,9200,9300" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_cassandra_7199_9160_8888",
	  MM_AF_NONE, "7199,8888,9160" },
	{ "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092",
	  MM_AF_NONE, "9092" },
	/* per-instance checks (prowler/providers/aws/services/ec2/
	 * ec2_instance_port_*_exposed_to_internet: check_ports) */
	{ "Prowler:ec2_instance_port_ssh_exposed_to_internet", MM_AF_NONE, "22" },
	{ "Prowler:ec2_instance_port_rdp_exposed_to_internet", MM_AF_NONE, "3389" },
	{ "Prowler:ec2_instance_port_ftp_exposed_to_internet", MM_AF_NONE, "20-21" },
	{ "Prowler:ec2_instance_port_telnet_exposed_to_internet", MM_AF_NONE, "23" },
	{ "Prowler:ec2_instance_port_mysql_exposed_to_internet", MM_AF_NONE, "3306" },
	{ "Prowler:ec2_instance_port_postgresql_exposed_to_internet", MM_AF_NONE, "5432" },
	{ "Prowler:ec2_instance_port_sqlserver_exposed_to_internet", MM_AF_NONE, "1433-1434" },
	{ "Prowler:ec2_instance_port_oracle_exposed_to_internet", MM_AF_NONE, "1521,2483-2484" },
	{ "Prowler:ec2_instance_port_mongodb_exposed_to_internet", MM_AF_NONE, "27017-27018" },
	{ "Prowler:ec2_instance_port_redis_exposed_to_internet", MM_AF_NONE, "6379" },
	{ "Prowler:ec2_instance_port_memcached_exposed_to_internet", MM_AF_NONE, "11211" },
	{ "Prowler:ec2_instance_port_elasticsearch_kibana_exposed_to_internet", MM_AF_NONE,
	  "5601,9200,9300" },
	{ "Prowler:ec2_instance_port_cassandra_exposed_to_internet", MM_AF_NONE,
	  "7000-7001,7199,9042,9160" },
	{ "Prowler:ec2_instance_port_kafka_exposed_to_internet", MM_AF_NONE, "9092" },
	{ "Prowler:ec2_instance_port_cifs_exposed_to_internet", MM_AF_NONE, "139,445" },
	{ "Prowler:ec2_instance_port_kerberos_exposed_to_internet", MM_AF_NONE, "88,464,749-750" },
	{ "Prowler:ec2_instance_port_ldap_exposed_to_internet", MM_AF_NONE, "389,636" },
};

/* ---- small shared helpers ---- */

bool covers_internet(const struct ivset *s, enum mm_family fam)
{
	const struct ivset *net = mm_internet_ranges(fam);
	for (size_t i = 0; i < net->nr; i++)
		if (!ivset_covers(s, net->v[i].lo, net->v[i].hi))
			return false;
	return true;
}

bool touches_internet(enum mm_family fam, mm_u128 lo, mm_u128 hi)
{
	return ivset_overlaps(mm_internet_ranges(fam), lo, hi);
}

int ports_parse(struct ivset *out, const char *s)
{
	ivset_clear(out);
	while (s && *s) {
		char *end;
		long lo = strtol(s, &end, 10), hi = lo;
		if (end == s)
			return -1;
		if (*end == '-') {
			s = end + 1;
			hi = strtol(s, &end, 10);
			if (end == s)
				return -1;
		}
		if (lo < 0 || hi > 65535 || lo > hi)
			return -1;
		ivset_add(out, (mm_u128)lo, (mm_u128)hi);
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return 0;
}

void ports_fmt(struct strbuf *sb, const struct ivset *ports, size_t max)
{
	for (size_t i = 0; i < ports->nr; i++) {
		if (i == max) {
			strbuf_addf(sb, " and %zu more ranges", ports->nr - i);
			return;
		}
		unsigned lo = (unsigned)ports->v[i].lo, hi = (unsigned)ports->v[i].hi;
		if (i)
			strbuf_addstr(sb, ", ");
		if (lo == hi)
			strbuf_addf(sb, "%u", lo);
		else
			strbuf_addf(sb, "%u-%u", lo, hi);
	}
}

struct sg_info *pctx_sg_info(struct pctx *x, const struct mm_sg *sg)
{
	if (!sg || sg < x->m->sgs || sg >= x->m->sgs + x->m->nsgs)
		return NULL;
	return &x->sgi[sg - x->m->sgs];
}

long pctx_scope_index(const struct pctx *x, const struct mm_res *r)
{
	const struct mm_scope *s = mm_scope_find(x->m, r->account, r->region);
	return s ? (long)(s - x->m->scopes) : -1;
}

const char *pctx_name(struct pctx *x, const struct mm_res *r)
{
	const char *n = mm_tag(r, "Name");
	if (n && *n)
		return arena_printf(&x->out->arena, "%s (%s)", r->id, n);
	return r->id;
}

bool pctx_instance_gone(const struct mm_instance *in)
{
	return in->state &&
	       (!strcmp(in->state, "terminated") || !strcmp(in->state, "shutting-down"));
}

/* ---- finding construction ---- */

static const char *dup(struct pctx *x, const char *s)
{
	return s ? arena_strdup(&x->out->arena, s) : NULL;
}

struct finding *pf_new(struct pctx *x, const char *rule, enum mm_status st, const struct mm_res *r,
		       const char *res_type)
{
	struct prule *pr = hmap_get(&x->rule_by_id, rule);
	if (!pr) {
		/* a rule left out of this catalog is skipped; one no check
		 * is keyed by is a bug */
		for (size_t i = 0; i < posture_nchecks; i++)
			if (!strcmp(posture_checks[i].rule, rule))
				return NULL;
		BUG("posture check emits a rule that has no row in posture_checks");
	}
	if (st == MM_ST_PASS && !x->o->passed)
		return NULL;
	struct finding *f = findings_add(x->out);
	f->rule = pr->id;
	f->title = pr->title;
	f->sev = pr->r->sev;
	f->status = st;
	f->res_type = res_type;
	f->res_id = dup(x, r->id);
	f->res_arn = dup(x, r->arn);
	f->account = dup(x, r->account ? r->account : "unknown");
	f->region = dup(x, r->region ? r->region : "unknown");
	f->rem_text = pr->rem;
	f->compliance = pr->compliance;
	f->ncompliance = pr->ncompliance;
	if (r->ntags) {
		f->tags = arena_calloc(&x->out->arena, r->ntags, sizeof(*f->tags));
		for (size_t i = 0; i < r->ntags; i++) {
			f->tags[i].key = dup(x, r->tags[i].key);
			f->tags[i].value = dup(x, r->tags[i].value);
		}
		f->ntags = r->ntags;
	}
	return f;
}

void pf_msg(struct pctx *x, struct finding *f, const char *fmt, ...)
{
	if (!f)
		return;
	va_list ap;
	strbuf_reset(&x->sb);
	va_start(ap, fmt);
	strbuf_vaddf(&x->sb, fmt, ap);
	va_end(ap);
	f->message = arena_strndup(&x->out->arena, x->sb.buf, x->sb.len);
}

void pf_ev(struct pctx *x, struct finding *f, const struct mm_loc *l, const char *fmt, ...)
{
	if (!f)
		return;
	char loc[1024];
	const char *lp = NULL;
	if (l && l->file) {
		snprintf(loc, sizeof(loc), "%s#%s", l->file, l->ptr ? l->ptr : "");
		lp = loc;
	}
	va_list ap;
	strbuf_reset(&x->sb);
	va_start(ap, fmt);
	strbuf_vaddf(&x->sb, fmt, ap);
	va_end(ap);
	finding_add_evidence(x->out, f, lp, x->sb.buf);
}

static size_t with_defaults(const struct finding *f, const struct pvar *vars, size_t nvars,
			    struct pvar *all, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < nvars && n < max; i++)
		all[n++] = vars[i];
	const struct pvar d[] = { { "id", f->res_id, false },
				  { "region", f->region, false },
				  { "account", f->account, false } };
	for (size_t i = 0; i < 3 && n < max; i++)
		all[n++] = d[i];
	return n;
}

void pf_cli(struct pctx *x, struct finding *f, const struct pvar *vars, size_t nvars)
{
	if (!f)
		return;
	struct prule *pr = hmap_get(&x->rule_by_id, f->rule);
	struct pvar all[32];
	size_t n = with_defaults(f, vars, nvars, all, 32);
	f->rem_cli = pr->cli ? posture_cli_fill(&x->out->arena, pr->cli, all, n) : NULL;
}

void pf_cli_multi(struct pctx *x, struct finding *f, const struct pvar *vars, size_t nvars,
		  size_t nitems)
{
	if (!f)
		return;
	struct prule *pr = hmap_get(&x->rule_by_id, f->rule);
	f->rem_cli = NULL;
	if (!pr->cli || !nitems || nvars % nitems)
		return;
	size_t per = nvars / nitems;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < nitems; i++) {
		struct pvar all[32];
		size_t n = with_defaults(f, vars + i * per, per, all, 32);
		const char *one = posture_cli_fill(&x->out->arena, pr->cli, all, n);
		if (!one) {
			strbuf_release(&sb);
			return;
		}
		if (i)
			strbuf_addstr(&sb, " && ");
		strbuf_addstr(&sb, one);
	}
	f->rem_cli = arena_strndup(&x->out->arena, sb.buf, sb.len);
	strbuf_release(&sb);
}

void pf_scope_compliance(struct pctx *x, struct finding *f, const struct ivset ports[2])
{
	if (!f || !f->ncompliance)
		return;
	const char **keep = arena_calloc(&x->out->arena, f->ncompliance, sizeof(*keep));
	size_t n = 0;
	for (size_t i = 0; i < f->ncompliance; i++) {
		const struct pscope *sc = NULL;
		for (size_t j = 0; j < x->nscopes && !sc; j++)
			if (!strcmp(x->scopes[j].id, f->compliance[i]))
				sc = &x->scopes[j];
		bool ok = !sc;
		for (int fi = 0; fi < 2 && !ok; fi++) {
			enum mm_family fam = fi ? MM_AF_INET6 : MM_AF_INET;
			if (ivset_empty(&ports[fi]) || (sc->fam != MM_AF_NONE && sc->fam != fam))
				continue;
			if (sc->any_port)
				ok = true;
			for (size_t k = 0; k < sc->ports.nr && !ok; k++)
				ok = ivset_overlaps(&ports[fi], sc->ports.v[k].lo,
						    sc->ports.v[k].hi);
		}
		if (ok)
			keep[n++] = f->compliance[i];
	}
	f->compliance = keep;
	f->ncompliance = n;
}

void pf_extra(struct pctx *x, struct finding *f, const char *fp_extra)
{
	if (f)
		f->fp_extra = dup(x, fp_extra);
}

void pf_done(struct pctx *x, struct finding *f)
{
	(void)x;
	if (!f)
		return;
	if (!f->message)
		BUG("posture finding without a message");
	finding_fingerprint(f);
}

const char *pf_missing(struct pctx *x, const struct mm_res *r, enum mm_kind k)
{
	return arena_printf(&x->out->arena, "'%s' was not loaded for account %s region %s",
			    mm_kind_name(k), r->account ? r->account : "unknown",
			    r->region ? r->region : "unknown");
}

/* ---- run ---- */

static void add_user(struct pctx *x, const char *sg_id, struct sg_user u)
{
	struct sg_info *si = pctx_sg_info(x, mm_find_sg(x->m, sg_id));
	if (!si)
		return;
	ALLOC_GROW(si->users, si->nusers + 1, si->ausers);
	si->users[si->nusers++] = u;
}

static void build_sg_index(struct pctx *x)
{
	struct mm_model *m = x->m;
	x->sgi = arena_calloc(&x->tmp, m->nsgs ? m->nsgs : 1, sizeof(*x->sgi));
	for (size_t i = 0; i < m->nenis; i++) {
		const struct mm_eni *n = &m->enis[i];
		if (n->instance_id && !hmap_get(&x->inst_enis, n->instance_id))
			hmap_put(&x->inst_enis, n->instance_id, (void *)n);
		for (size_t j = 0; j < n->ngroups; j++)
			add_user(x, n->groups[j], (struct sg_user){ .eni = n });
	}
	for (size_t i = 0; i < m->ninstances; i++) {
		const struct mm_instance *in = &m->instances[i];
		if (pctx_instance_gone(in) || hmap_get(&x->inst_enis, in->r.id))
			continue;
		for (size_t j = 0; j < in->ngroups; j++)
			add_user(x, in->groups[j], (struct sg_user){ .inst = in });
	}
	for (size_t i = 0; i < m->nlbs; i++)
		for (size_t j = 0; j < m->lbs[i].ngroups; j++)
			add_user(x, m->lbs[i].groups[j], (struct sg_user){ .lb = &m->lbs[i] });
	for (size_t i = 0; i < m->nsgs; i++) {
		const struct mm_sg *sg = &m->sgs[i];
		for (int dir = 0; dir < 2; dir++) {
			const struct mm_sg_perm *pv = dir ? sg->out : sg->in;
			size_t np = dir ? sg->nout : sg->nin;
			for (size_t p = 0; p < np; p++)
				for (size_t s = 0; s < pv[p].nsrc; s++) {
					const struct mm_sg_src *src = &pv[p].src[s];
					if (src->kind != MM_SRC_SG || !src->value ||
					    !strcmp(src->value, sg->r.id))
						continue;
					struct sg_info *t =
					    pctx_sg_info(x, mm_find_sg(m, src->value));
					if (t)
						t->referenced = true;
				}
		}
	}
}

static void build_indexes(struct pctx *x)
{
	struct mm_model *m = x->m;
	build_sg_index(x);
	for (size_t i = 0; i < m->nrtbs; i++)
		for (size_t j = 0; j < m->rtbs[i].nroutes; j++) {
			struct mm_route *rt = &m->rtbs[i].routes[j];
			if ((rt->target == MM_TGT_INSTANCE || rt->target == MM_TGT_ENI) &&
			    rt->target_id && !hmap_get(&x->route_target, rt->target_id))
				hmap_put(&x->route_target, rt->target_id, rt);
		}
	x->scount = arena_calloc(&x->tmp, m->nscopes ? m->nscopes : 1, sizeof(*x->scount));
	for (size_t i = 0; i < m->ninstances; i++) {
		long si = pctx_scope_index(x, &m->instances[i].r);
		if (si >= 0 && !pctx_instance_gone(&m->instances[i]))
			x->scount[si].instances++;
	}
	for (size_t i = 0; i < m->nvolumes; i++) {
		long si = pctx_scope_index(x, &m->volumes[i].r);
		if (si >= 0)
			x->scount[si].volumes++;
	}
}

static void build_rules(struct pctx *x)
{
	const struct posture_catalog *c = x->c;
	struct arena *a = &x->out->arena;
	x->rules = arena_calloc(&x->tmp, c->nr ? c->nr : 1, sizeof(*x->rules));
	for (size_t i = 0; i < c->nr; i++) {
		struct prule *p = &x->rules[i];
		p->r = &c->v[i];
		p->id = arena_strdup(a, c->v[i].id);
		p->title = arena_strdup(a, c->v[i].title);
		p->rem = arena_strdup(a, c->v[i].remediation);
		p->cli = c->v[i].cli ? arena_strdup(a, c->v[i].cli) : NULL;
		p->ncompliance = c->v[i].ncompliance;
		p->compliance =
		    arena_calloc(a, p->ncompliance ? p->ncompliance : 1, sizeof(*p->compliance));
		for (size_t j = 0; j < p->ncompliance; j++)
			p->compliance[j] = arena_strdup(a, c->v[i].compliance[j]);
		hmap_put(&x->rule_by_id, c->v[i].id, p);
	}
	size_t ns = sizeof(scope_table) / sizeof(scope_table[0]);
	x->scopes = arena_calloc(&x->tmp, ns, sizeof(*x->scopes));
	for (size_t i = 0; i < ns; i++) {
		struct pscope *s = &x->scopes[i];
		s->id = scope_table[i].id;
		s->fam = scope_table[i].fam;
		s->any_port = !scope_table[i].ports;
		if (scope_table[i].ports && ports_parse(&s->ports, scope_table[i].ports))
			BUG("bad port list in the compliance scope table");
	}
	x->nscopes = ns;
}

static void pctx_release(struct pctx *x)
{
	if (x->sgi)
		for (size_t i = 0; i < x->m->nsgs; i++)
			free(x->sgi[i].users);
	for (size_t i = 0; i < x->nscopes; i++)
		ivset_release(&x->scopes[i].ports);
	ivset_release(&x->allowed);
	hmap_release(&x->rule_by_id);
	hmap_release(&x->route_target);
	hmap_release(&x->inst_enis);
	strbuf_release(&x->sb);
	arena_release(&x->tmp);
	pexp_free(x->exp);
}

int posture_run(struct mm_model *m, const struct posture_catalog *c, const struct posture_opts *o,
		struct findings *out, struct mm_err *e)
{
	static const struct posture_opts defaults = { 0 };
	struct pctx x = { .m = m, .c = c, .o = o ? o : &defaults, .out = out };
	arena_init(&x.tmp);
	x.reach = x.o->reach;
	x.reach_arg = x.o->reach_arg;
	if (x.o->exposure) {
		x.exp = pexp_new(m);
		if (!x.reach) {
			x.reach = pexp_reach;
			x.reach_arg = x.exp;
		}
	}
	strbuf_init(&x.sb, 256);
	if (x.o->ports) { /* possibly empty: nothing allowed */
		for (size_t i = 0; i < x.o->nports; i++)
			if (x.o->ports[i] >= 0 && x.o->ports[i] <= 65535)
				ivset_add(&x.allowed, (mm_u128)x.o->ports[i],
					  (mm_u128)x.o->ports[i]);
	} else {
		ivset_add(&x.allowed, 80, 80);
		ivset_add(&x.allowed, 443, 443);
	}
	build_rules(&x);
	build_indexes(&x);

	posture_check_fn done[sizeof(posture_checks) / sizeof(posture_checks[0])];
	size_t ndone = 0;
	for (size_t i = 0; i < posture_nchecks; i++) {
		size_t j = 0;
		while (j < ndone && done[j] != posture_checks[i].fn)
			j++;
		if (j < ndone)
			continue;
		/* a check runs only when the catalog has its rules */
		if (!hmap_get(&x.rule_by_id, posture_checks[i].rule))
			continue;
		done[ndone++] = posture_checks[i].fn;
		posture_checks[i].fn(&x);
	}
	int rc = pexp_error(x.exp, e);
	if (x.o->exposure_stats)
		pexp_stats(x.exp, x.o->exposure_stats);
	if (x.o->reach_out && rc == 0)
		pexp_take(x.exp, &x.o->reach_out->ctx, &x.o->reach_out->res);
	pctx_release(&x);
	return rc < 0 ? rc : 0;
}
