/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Model lifetime, indexes and small lookups shared by every analysis. The
 * loader (load.c) fills the vectors; mm_model_index() builds the maps once.
 */
#include "model.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

void mm_model_init(struct mm_model *m)
{
	memset(m, 0, sizeof(*m));
	arena_init(&m->arena);
}

#define FREE_VEC(name)          \
	do {                    \
		free(m->name);  \
		m->name = NULL; \
		m->n##name = 0; \
		m->a##name = 0; \
	} while (0)

void mm_model_release(struct mm_model *m)
{
	FREE_VEC(instances);
	FREE_VEC(sgs);
	FREE_VEC(nacls);
	FREE_VEC(rtbs);
	FREE_VEC(subnets);
	FREE_VEC(vpcs);
	FREE_VEC(igws);
	FREE_VEC(nats);
	FREE_VEC(pcxs);
	FREE_VEC(enis);
	FREE_VEC(eips);
	FREE_VEC(pls);
	FREE_VEC(lbs);
	FREE_VEC(tgs);
	FREE_VEC(volumes);
	FREE_VEC(snapshots);
	FREE_VEC(images);
	FREE_VEC(flow_logs);
	FREE_VEC(lt_versions);
	FREE_VEC(roles);
	FREE_VEC(profiles);
	FREE_VEC(policies);
	FREE_VEC(scopes);
	struct hmap *maps[] = { &m->by_instance,    &m->by_sg,		&m->by_nacl,
				&m->by_rtb,	    &m->by_subnet,	&m->by_vpc,
				&m->by_igw,	    &m->by_nat,		&m->by_pcx,
				&m->by_eni,	    &m->by_pl,		&m->by_lb,
				&m->by_tg,	    &m->by_volume,	&m->by_snapshot,
				&m->by_image,	    &m->by_role,	&m->by_profile,
				&m->by_policy,	    &m->nacl_of_subnet, &m->rtb_of_subnet,
				&m->main_rtb_of_vpc };
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		hmap_release(maps[i]);
	mm_diags_release(&m->diags);
	arena_release(&m->arena);
}

#define INDEX(vec, map)                           \
	for (size_t i_ = 0; i_ < m->n##vec; i_++) \
		if (m->vec[i_].r.id)              \
	hmap_put(&m->map, m->vec[i_].r.id, &m->vec[i_])

void mm_model_index(struct mm_model *m)
{
	INDEX(instances, by_instance);
	INDEX(sgs, by_sg);
	INDEX(nacls, by_nacl);
	INDEX(rtbs, by_rtb);
	INDEX(subnets, by_subnet);
	INDEX(vpcs, by_vpc);
	INDEX(igws, by_igw);
	INDEX(nats, by_nat);
	INDEX(pcxs, by_pcx);
	INDEX(enis, by_eni);
	INDEX(pls, by_pl);
	INDEX(lbs, by_lb);
	INDEX(tgs, by_tg);
	INDEX(volumes, by_volume);
	INDEX(snapshots, by_snapshot);
	INDEX(images, by_image);
	INDEX(roles, by_role);
	INDEX(profiles, by_profile);
	INDEX(policies, by_policy);
	for (size_t i = 0; i < m->nnacls; i++)
		for (size_t j = 0; j < m->nacls[i].nsubnets; j++)
			hmap_put(&m->nacl_of_subnet, m->nacls[i].subnets[j], &m->nacls[i]);
	for (size_t i = 0; i < m->nrtbs; i++) {
		struct mm_rtb *t = &m->rtbs[i];
		for (size_t j = 0; j < t->nsubnets; j++)
			hmap_put(&m->rtb_of_subnet, t->subnets[j], t);
		if (t->main && t->vpc_id)
			hmap_put(&m->main_rtb_of_vpc, t->vpc_id, t);
	}
}

#define FINDER(fn, type, map)                              \
	type *fn(const struct mm_model *m, const char *id) \
	{                                                  \
		return id ? hmap_get(&m->map, id) : NULL;  \
	}

FINDER(mm_find_instance, struct mm_instance, by_instance)
FINDER(mm_find_sg, struct mm_sg, by_sg)
FINDER(mm_find_subnet, struct mm_subnet, by_subnet)
FINDER(mm_find_vpc, struct mm_vpc, by_vpc)
FINDER(mm_find_eni, struct mm_eni, by_eni)
FINDER(mm_find_pl, struct mm_prefix_list, by_pl)
FINDER(mm_find_lb, struct mm_lb, by_lb)
FINDER(mm_find_tg, struct mm_tg, by_tg)
FINDER(mm_find_igw, struct mm_igw, by_igw)
FINDER(mm_find_pcx, struct mm_pcx, by_pcx)
FINDER(mm_find_volume, struct mm_volume, by_volume)
FINDER(mm_find_image, struct mm_image, by_image)
FINDER(mm_find_profile, struct mm_iam_profile, by_profile)
FINDER(mm_find_role, struct mm_iam_role, by_role)
FINDER(mm_find_policy, struct mm_iam_policy, by_policy)

struct mm_nacl *mm_subnet_nacl(const struct mm_model *m, const char *subnet_id)
{
	return subnet_id ? hmap_get(&m->nacl_of_subnet, subnet_id) : NULL;
}

struct mm_rtb *mm_subnet_rtb(const struct mm_model *m, const struct mm_subnet *s)
{
	if (!s)
		return NULL;
	struct mm_rtb *t = hmap_get(&m->rtb_of_subnet, s->r.id);
	if (t)
		return t;
	return s->vpc_id ? hmap_get(&m->main_rtb_of_vpc, s->vpc_id) : NULL;
}

const char *mm_tag(const struct mm_res *r, const char *key)
{
	for (size_t i = 0; i < r->ntags; i++)
		if (r->tags[i].key && !strcmp(r->tags[i].key, key))
			return r->tags[i].value;
	return NULL;
}

static const char *const proto_names[][2] = {
	{ "tcp", "6" }, { "udp", "17" }, { "icmp", "1" }, { "icmpv6", "58" }, { "58", "58" },
};

int mm_proto_parse(const char *s)
{
	if (!s || !*s)
		return MM_PROTO_BAD;
	if (!strcmp(s, "-1") || !strcasecmp(s, "all"))
		return MM_PROTO_ALL;
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (!strcasecmp(s, proto_names[i][0]))
			return (int)strtol(proto_names[i][1], NULL, 10);
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 255)
		return MM_PROTO_BAD;
	return (int)v;
}

const char *mm_proto_name(int proto)
{
	static char buf[256][4];
	switch (proto) {
	case MM_PROTO_ALL:
		return "all";
	case MM_PROTO_TCP:
		return "tcp";
	case MM_PROTO_UDP:
		return "udp";
	case MM_PROTO_ICMP:
		return "icmp";
	case MM_PROTO_ICMPV6:
		return "icmpv6";
	}
	if (proto < 0 || proto > 255)
		return "invalid";
	if (!buf[proto][0])
		snprintf(buf[proto], sizeof(buf[proto]), "%d", proto);
	return buf[proto];
}

const char *mm_target_name(enum mm_target t)
{
	static const char *const n[] = {
		"local",
		"internet-gateway",
		"egress-only-internet-gateway",
		"nat-gateway",
		"vpc-peering",
		"transit-gateway",
		"vpn-gateway",
		"network-interface",
		"instance",
		"vpc-endpoint",
		"carrier-gateway",
		"local-gateway",
		"core-network",
		"other",
	};
	return (unsigned)t < sizeof(n) / sizeof(n[0]) ? n[t] : "other";
}

const char *mm_kind_name(enum mm_kind k)
{
	static const char *const n[MM_K__COUNT] = {
		[MM_K_INSTANCES] = "ec2 describe-instances",
		[MM_K_SGS] = "ec2 describe-security-groups",
		[MM_K_NACLS] = "ec2 describe-network-acls",
		[MM_K_RTBS] = "ec2 describe-route-tables",
		[MM_K_SUBNETS] = "ec2 describe-subnets",
		[MM_K_VPCS] = "ec2 describe-vpcs",
		[MM_K_IGWS] = "ec2 describe-internet-gateways",
		[MM_K_EIGWS] = "ec2 describe-egress-only-internet-gateways",
		[MM_K_NATS] = "ec2 describe-nat-gateways",
		[MM_K_PCXS] = "ec2 describe-vpc-peering-connections",
		[MM_K_ENIS] = "ec2 describe-network-interfaces",
		[MM_K_EIPS] = "ec2 describe-addresses",
		[MM_K_PREFIX_LISTS] = "ec2 describe-managed-prefix-lists",
		[MM_K_PL_ENTRIES] = "ec2 get-managed-prefix-list-entries",
		[MM_K_LBS] = "elbv2 describe-load-balancers",
		[MM_K_CLASSIC_LBS] = "elb describe-load-balancers",
		[MM_K_LISTENERS] = "elbv2 describe-listeners",
		[MM_K_TGS] = "elbv2 describe-target-groups",
		[MM_K_TG_HEALTH] = "elbv2 describe-target-health",
		[MM_K_VOLUMES] = "ec2 describe-volumes",
		[MM_K_SNAPSHOTS] = "ec2 describe-snapshots",
		[MM_K_SNAP_PERMS] = "ec2 describe-snapshot-attribute",
		[MM_K_IMAGES] = "ec2 describe-images",
		[MM_K_FLOW_LOGS] = "ec2 describe-flow-logs",
		[MM_K_LT_VERSIONS] = "ec2 describe-launch-template-versions",
		[MM_K_EBS_DEFAULT] = "ec2 get-ebs-encryption-by-default",
		[MM_K_IMDS_DEFAULTS] = "ec2 get-instance-metadata-defaults",
		[MM_K_SERIAL_CONSOLE] = "ec2 get-serial-console-access-status",
		[MM_K_IAM] = "iam get-account-authorization-details",
	};
	return (unsigned)k < MM_K__COUNT && n[k] ? n[k] : "?";
}

static bool same(const char *a, const char *b)
{
	return !strcmp(a ? a : "unknown", b ? b : "unknown");
}

const struct mm_scope *mm_scope_find(const struct mm_model *m, const char *account,
				     const char *region)
{
	for (size_t i = 0; i < m->nscopes; i++)
		if (same(m->scopes[i].account, account) && same(m->scopes[i].region, region))
			return &m->scopes[i];
	return NULL;
}

struct mm_scope *mm_scope_get(struct mm_model *m, const char *account, const char *region)
{
	const struct mm_scope *s = mm_scope_find(m, account, region);
	if (s)
		return (struct mm_scope *)s;
	ALLOC_GROW(m->scopes, m->nscopes + 1, m->ascopes);
	struct mm_scope *n = &m->scopes[m->nscopes++];
	memset(n, 0, sizeof(*n));
	n->account = arena_strdup(&m->arena, account ? account : "unknown");
	n->region = arena_strdup(&m->arena, region ? region : "unknown");
	n->ebs_default = MM_UNKNOWN;
	n->serial_console = MM_UNKNOWN;
	n->imds_default.hop_limit = -1;
	return n;
}

bool mm_have(const struct mm_model *m, const struct mm_res *r, enum mm_kind k)
{
	const struct mm_scope *s = mm_scope_find(m, r->account, r->region);
	if (s && (s->have & (1ull << k)))
		return true;
	/* IAM is global: any scope of the same account counts */
	if (k == MM_K_IAM)
		for (size_t i = 0; i < m->nscopes; i++)
			if (same(m->scopes[i].account, r->account) &&
			    (m->scopes[i].have & (1ull << k)))
				return true;
	return false;
}

const char *mm_loc_str(struct mm_model *m, const struct mm_loc *l)
{
	if (!l || !l->file)
		return NULL;
	return arena_printf(&m->arena, "%s#%s", l->file, l->ptr ? l->ptr : "");
}

struct mm_loc mm_loc_key(struct mm_model *m, const struct mm_loc *l, const char *seg)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, l->ptr ? l->ptr : "");
	json_ptr_append(&sb, seg);
	struct mm_loc r = { l->file, arena_strndup(&m->arena, sb.buf, sb.len) };
	strbuf_release(&sb);
	return r;
}

struct mm_loc mm_loc_idx(struct mm_model *m, const struct mm_loc *l, size_t i)
{
	struct mm_loc r = { l->file, arena_printf(&m->arena, "%s/%zu", l->ptr ? l->ptr : "", i) };
	return r;
}
