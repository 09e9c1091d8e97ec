/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loader extractors for EC2 outputs: instances (and the ENIs they embed),
 * security groups, network ACLs, route tables, VPCs, subnets, gateways,
 * peering, interfaces, addresses, prefix lists, volumes, snapshots, images,
 * flow logs, launch-template versions and the account-level settings.
 *
 * Each extractor walks the list under its top-level key (or, for the streamed
 * kinds, is called once per element: ld_item_fn), builds one typed record
 * per element with ld_res() and pushes it when ld_keep() agrees.
 * Field semantics follow the AWS CLI output shapes (see the awscli examples
 * and the Batfish fixtures); absent values stay NULL / MM_UNKNOWN / -1.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/load-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

static void cidr_of(const char *s, struct mm_cidr *c)
{
	memset(c, 0, sizeof(*c));
	if (!s || mm_cidr_parse(s, c) < 0)
		memset(c, 0, sizeof(*c));
}

static int proto_of(struct ld_file *f, const struct json *o, const char *key)
{
	const struct json *v = ld_get(o, key);
	if (!v || v->type == JSON_NULL)
		return MM_PROTO_BAD;
	if (v->type == JSON_STRING || v->type == JSON_NUMBER)
		return mm_proto_parse(v->u.s);
	ld_bad(f, key);
	return MM_PROTO_BAD;
}

static void parse_imds(struct ld_file *f, const struct json *mo, const char *ptr, struct mm_imds *d)
{
	memset(d, 0, sizeof(*d));
	d->hop_limit = -1;
	d->loc = ld_loc(f, ptr);
	if (!mo)
		return;
	d->http_tokens = ld_str(f, mo, "HttpTokens");
	d->http_endpoint = ld_str(f, mo, "HttpEndpoint");
	d->state = ld_str(f, mo, "State");
	long long h;
	if (ld_int(f, mo, "HttpPutResponseHopLimit", &h) == 0)
		d->hop_limit = h;
}

/* ---- network interfaces ---- */

static void parse_eni_body(struct ld_file *f, const struct json *ni, struct mm_eni *e)
{
	struct arena *a = &f->m->arena;
	e->vpc_id = ld_str(f, ni, "VpcId");
	e->subnet_id = ld_str(f, ni, "SubnetId");
	e->az = ld_str(f, ni, "AvailabilityZone");
	e->status = ld_str(f, ni, "Status");
	e->type = ld_str(f, ni, "InterfaceType");
	e->desc = ld_str(f, ni, "Description");
	e->owner = ld_str(f, ni, "OwnerId");
	e->requester_managed = ld_bool(f, ni, "RequesterManaged") == MM_YES;
	e->source_dest_check = ld_bool(f, ni, "SourceDestCheck");
	const struct json *att = ld_obj(f, ni, "Attachment");
	if (att)
		e->instance_id = ld_str(f, att, "InstanceId");
	e->groups = ld_strs(f, ld_arr(f, ni, "Groups"), "GroupId", &e->ngroups);

	const struct json *top = ld_obj(f, ni, "Association");
	const char *top_pub = top ? ld_str(f, top, "PublicIp") : NULL;
	const char *top_owner = top ? ld_str(f, top, "IpOwnerId") : NULL;
	const char *primary_ip = ld_str(f, ni, "PrivateIpAddress");
	const struct json *ips = ld_arr(f, ni, "PrivateIpAddresses");
	if (ips && ips->n) {
		e->ips = arena_calloc(a, ips->n, sizeof(*e->ips));
		for (uint32_t i = 0; i < ips->n; i++) {
			const struct json *ip = &ips->u.items[i];
			if (ip->type != JSON_OBJECT) {
				ld_bad(f, "PrivateIpAddresses");
				continue;
			}
			struct mm_eni_ip *x = &e->ips[e->nips];
			x->private_ip = ld_str(f, ip, "PrivateIpAddress");
			x->primary = ld_bool(f, ip, "Primary") == MM_YES;
			const struct json *as = ld_obj(f, ip, "Association");
			if (as) {
				x->public_ip = ld_str(f, as, "PublicIp");
				x->ip_owner = ld_str(f, as, "IpOwnerId");
			}
			if (x->private_ip)
				e->nips++;
		}
		/* the top-level association belongs to the primary address */
		if (top_pub) {
			for (size_t i = 0; i < e->nips; i++) {
				struct mm_eni_ip *x = &e->ips[i];
				bool prim = x->primary || (primary_ip && x->private_ip &&
							   !strcmp(primary_ip, x->private_ip));
				if (prim && !x->public_ip) {
					x->public_ip = top_pub;
					x->ip_owner = top_owner;
				}
			}
		}
	} else if (primary_ip) {
		e->ips = arena_calloc(a, 1, sizeof(*e->ips));
		e->ips[0].private_ip = primary_ip;
		e->ips[0].primary = true;
		e->ips[0].public_ip = top_pub;
		e->ips[0].ip_owner = top_owner;
		e->nips = 1;
	}
	const struct json *v6 = ld_arr(f, ni, "Ipv6Addresses");
	e->ipv6 = ld_strs(f, v6, "Ipv6Address", &e->nipv6);
}

void ld_eni(struct ld_file *f, const struct json *item, const char *base, uint32_t i)
{
	const struct json *ni = ld_rec1(f, item);
	if (!ni)
		return;
	ld_begin(f);
	struct mm_eni e;
	memset(&e, 0, sizeof(e));
	const char *az = ld_str(f, ni, "AvailabilityZone");
	ld_res(f, &e.r, ni, ld_str(f, ni, "NetworkInterfaceId"), ld_ptr_idx(f, base, i),
	       ld_str(f, ni, "OwnerId"), ld_az_region(f, az), MM_K_ENIS);
	parse_eni_body(f, ni, &e);
	if (ld_keep(f, &e.r, MM_K_ENIS))
		LD_PUSH(f->m, enis, e);
}

/* ---- instances ---- */

static void one_instance(struct ld_file *f, const struct json *in, const char *ptr,
			 const char *owner)
{
	struct mm_model *m = f->m;
	ld_begin(f);
	struct mm_instance x;
	memset(&x, 0, sizeof(x));
	const struct json *pl = ld_obj(f, in, "Placement");
	x.az = pl ? ld_str(f, pl, "AvailabilityZone") : NULL;
	const struct json *nis = ld_arr(f, in, "NetworkInterfaces");
	if (!owner && nis && nis->n)
		owner = ld_sget(&nis->u.items[0], "OwnerId");
	ld_res(f, &x.r, in, ld_str(f, in, "InstanceId"), ptr, owner, ld_az_region(f, x.az),
	       MM_K_INSTANCES);
	const struct json *st = ld_obj(f, in, "State");
	x.state = st ? ld_str(f, st, "Name") : NULL;
	x.vpc_id = ld_str(f, in, "VpcId");
	x.subnet_id = ld_str(f, in, "SubnetId");
	x.image_id = ld_str(f, in, "ImageId");
	x.type = ld_str(f, in, "InstanceType");
	x.platform = ld_str(f, in, "Platform");
	if (!x.platform)
		x.platform = ld_str(f, in, "PlatformDetails");
	x.key_name = ld_str(f, in, "KeyName");
	x.private_ip = ld_str(f, in, "PrivateIpAddress");
	x.public_ip = ld_str(f, in, "PublicIpAddress");
	x.launch_time = ld_str(f, in, "LaunchTime");
	const struct json *prof = ld_obj(f, in, "IamInstanceProfile");
	x.profile_arn = prof ? ld_str(f, prof, "Arn") : NULL;
	const struct json *mo = ld_obj(f, in, "MetadataOptions");
	parse_imds(f, mo, mo ? ld_ptr_key(f, ptr, "MetadataOptions") : ptr, &x.imds);
	x.source_dest_check = ld_bool(f, in, "SourceDestCheck");
	x.groups = ld_strs(f, ld_arr(f, in, "SecurityGroups"), "GroupId", &x.ngroups);

	const struct json *bdm = ld_arr(f, in, "BlockDeviceMappings");
	if (bdm && bdm->n) {
		x.volumes = arena_calloc(&m->arena, bdm->n, sizeof(*x.volumes));
		for (uint32_t i = 0; i < bdm->n; i++) {
			const struct json *b = &bdm->u.items[i];
			if (b->type != JSON_OBJECT) {
				ld_bad(f, "BlockDeviceMappings");
				continue;
			}
			const struct json *ebs = ld_obj(f, b, "Ebs");
			const char *vol = ebs ? ld_str(f, ebs, "VolumeId") : NULL;
			if (vol)
				x.volumes[x.nvolumes++] = vol;
		}
	}

	/* ENIs embedded in the instance: pushed now, rolled back if the
	 * instance is dropped, deduplicated against describe-network-interfaces
	 * at the end of the load */
	size_t eni_mark = m->nenis;
	if (nis && nis->n) {
		x.enis = arena_calloc(&m->arena, nis->n, sizeof(*x.enis));
		const char *nbase = ld_ptr_key(f, ptr, "NetworkInterfaces");
		for (uint32_t i = 0; i < nis->n; i++) {
			const struct json *ni = &nis->u.items[i];
			if (ni->type != JSON_OBJECT) {
				ld_bad(f, "NetworkInterfaces");
				continue;
			}
			const char *id = ld_str(f, ni, "NetworkInterfaceId");
			if (!id)
				continue;
			x.enis[x.nenis++] = id;
			struct mm_eni e;
			memset(&e, 0, sizeof(e));
			e.r.id = id;
			e.r.account = x.r.account;
			e.r.region = x.r.region;
			e.r.loc = ld_loc(f, ld_ptr_idx(f, nbase, i));
			e.r.raw = ni;
			parse_eni_body(f, ni, &e);
			if (!e.az)
				e.az = x.az;
			if (!e.instance_id)
				e.instance_id = x.r.id;
			e.from_instance = true;
			LD_PUSH(m, enis, e);
		}
	}
	if (ld_keep(f, &x.r, MM_K_INSTANCES))
		LD_PUSH(m, instances, x);
	else
		m->nenis = eni_mark;
}

void ld_reservation(struct ld_file *f, const struct json *item, const char *base, uint32_t i)
{
	const struct json *res = ld_rec1(f, item);
	if (!res)
		return;
	const struct json *ins = ld_get(res, "Instances");
	if (!ins || ins->type == JSON_NULL)
		return;
	if (ins->type != JSON_ARRAY) {
		ld_skip(f, ins, "Instances is not an array");
		return;
	}
	const struct json *ow = ld_get(res, "OwnerId");
	const char *owner = json_as_str(ow);
	const char *ibase = ld_ptr_key(f, ld_ptr_idx(f, base, i), "Instances");
	for (uint32_t j = 0; j < ins->n; j++) {
		const struct json *in = ld_rec(f, ins, j);
		if (in)
			one_instance(f, in, ld_ptr_idx(f, ibase, j), owner);
	}
}

void ld_bare_instance(struct ld_file *f, const struct json *item, const char *base, uint32_t i)
{
	const struct json *in = ld_rec1(f, item);
	if (in)
		one_instance(f, in, ld_ptr_idx(f, base, i), ld_sget(in, "OwnerId"));
}

/* ---- security groups ---- */

static void add_srcs(struct ld_file *f, struct mm_sg_perm *p, const struct json *perm,
		     const char *pptr, const char *list, const char *field,
		     enum mm_sg_src_kind kind)
{
	const struct json *a = ld_arr(f, perm, list);
	if (!a)
		return;
	const char *lptr = NULL;
	for (uint32_t i = 0; i < a->n; i++) {
		const struct json *s = &a->u.items[i];
		if (s->type != JSON_OBJECT) {
			ld_bad(f, list);
			continue;
		}
		const char *val = ld_str(f, s, field);
		if (!val && kind == MM_SRC_SG)
			val = ld_str(f, s, "GroupName"); /* EC2-Classic pairs */
		if (!val)
			continue;
		if (!lptr)
			lptr = ld_ptr_key(f, pptr, list);
		struct mm_sg_src *x = &p->src[p->nsrc++];
		x->kind = kind;
		x->value = val;
		if (kind == MM_SRC_CIDR4 || kind == MM_SRC_CIDR6)
			cidr_of(val, &x->cidr);
		if (kind == MM_SRC_SG) {
			x->user_id = ld_str(f, s, "UserId");
			x->peering = ld_str(f, s, "VpcPeeringConnectionId");
		}
		x->desc = ld_str(f, s, "Description");
		x->loc = ld_loc(f, ld_ptr_idx(f, lptr, i));
	}
}

static void parse_perms(struct ld_file *f, const struct json *g, const char *gptr, const char *key,
			struct mm_sg_perm **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	const struct json *a = ld_arr(f, g, key);
	if (!a || !a->n)
		return;
	struct arena *ar = &f->m->arena;
	struct mm_sg_perm *v = arena_calloc(ar, a->n, sizeof(*v));
	const char *base = ld_ptr_key(f, gptr, key);
	size_t n = 0;
	for (uint32_t i = 0; i < a->n; i++) {
		const struct json *perm = &a->u.items[i];
		if (perm->type != JSON_OBJECT) {
			ld_bad(f, key);
			continue;
		}
		struct mm_sg_perm *p = &v[n++];
		const char *pptr = ld_ptr_idx(f, base, i);
		p->loc = ld_loc(f, pptr);
		p->proto = proto_of(f, perm, "IpProtocol");
		long long fp = 0, tp = 0;
		bool hf = ld_int(f, perm, "FromPort", &fp) == 0;
		bool ht = ld_int(f, perm, "ToPort", &tp) == 0;
		if (p->proto == MM_PROTO_ICMP || p->proto == MM_PROTO_ICMPV6) {
			p->from = hf && fp >= -1 && fp <= 255 ? (int)fp : -1;
			p->to = ht && tp >= -1 && tp <= 255 ? (int)tp : -1;
		} else if (p->proto == MM_PROTO_TCP || p->proto == MM_PROTO_UDP ||
			   p->proto == 132 /* sctp */) {
			p->from = hf && fp >= 0 && fp <= 65535 ? (int)fp : 0;
			p->to = ht && tp >= 0 && tp <= 65535 ? (int)tp : 65535;
		} else {
			p->from = 0;
			p->to = 65535;
		}
		size_t cap = json_len(ld_get(perm, "IpRanges")) +
			     json_len(ld_get(perm, "Ipv6Ranges")) +
			     json_len(ld_get(perm, "PrefixListIds")) +
			     json_len(ld_get(perm, "UserIdGroupPairs"));
		if (cap)
			p->src = arena_calloc(ar, cap, sizeof(*p->src));
		add_srcs(f, p, perm, pptr, "IpRanges", "CidrIp", MM_SRC_CIDR4);
		add_srcs(f, p, perm, pptr, "Ipv6Ranges", "CidrIpv6", MM_SRC_CIDR6);
		add_srcs(f, p, perm, pptr, "PrefixListIds", "PrefixListId", MM_SRC_PREFIX_LIST);
		add_srcs(f, p, perm, pptr, "UserIdGroupPairs", "GroupId", MM_SRC_SG);
	}
	*out = v;
	*nout = n;
}

void ld_sgs(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *g = ld_rec(f, v, i);
		if (!g)
			continue;
		ld_begin(f);
		struct mm_sg s;
		memset(&s, 0, sizeof(s));
		const char *ptr = ld_ptr_idx(f, base, i);
		s.owner = ld_str(f, g, "OwnerId");
		const char *acc, *reg;
		ld_arn_scope(f, ld_str(f, g, "SecurityGroupArn"), &acc, &reg);
		ld_res(f, &s.r, g, ld_str(f, g, "GroupId"), ptr, s.owner ? s.owner : acc, reg,
		       MM_K_SGS);
		s.r.arn = ld_str(f, g, "SecurityGroupArn");
		s.name = ld_str(f, g, "GroupName");
		s.desc = ld_str(f, g, "Description");
		s.vpc_id = ld_str(f, g, "VpcId");
		parse_perms(f, g, ptr, "IpPermissions", &s.in, &s.nin);
		parse_perms(f, g, ptr, "IpPermissionsEgress", &s.out, &s.nout);
		if (ld_keep(f, &s.r, MM_K_SGS))
			LD_PUSH(f->m, sgs, s);
	}
}

/* ---- network ACLs ---- */

static int cmp_entry(const void *a, const void *b)
{
	const struct mm_nacl_entry *x = a, *y = b;
	if (x->egress != y->egress)
		return x->egress ? 1 : -1;
	if (x->rule_no != y->rule_no)
		return x->rule_no < y->rule_no ? -1 : 1;
	/* same rule number twice (ipv4 + ipv6 entries): keep input order */
	return strcmp(x->loc.ptr, y->loc.ptr) < 0 ? -1 : 1;
}

void ld_nacls(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	struct arena *a = &f->m->arena;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *nr = ld_rec(f, v, i);
		if (!nr)
			continue;
		ld_begin(f);
		struct mm_nacl n;
		memset(&n, 0, sizeof(n));
		const char *ptr = ld_ptr_idx(f, base, i);
		ld_res(f, &n.r, nr, ld_str(f, nr, "NetworkAclId"), ptr, ld_str(f, nr, "OwnerId"),
		       NULL, MM_K_NACLS);
		n.vpc_id = ld_str(f, nr, "VpcId");
		n.is_default = ld_bool(f, nr, "IsDefault") == MM_YES;
		n.subnets = ld_strs(f, ld_arr(f, nr, "Associations"), "SubnetId", &n.nsubnets);
		const struct json *en = ld_arr(f, nr, "Entries");
		if (en && en->n) {
			const char *eb = ld_ptr_key(f, ptr, "Entries");
			n.entries = arena_calloc(a, en->n, sizeof(*n.entries));
			for (uint32_t j = 0; j < en->n; j++) {
				const struct json *x = &en->u.items[j];
				if (x->type != JSON_OBJECT) {
					ld_bad(f, "Entries");
					continue;
				}
				struct mm_nacl_entry *e = &n.entries[n.nentries++];
				long long rn = 0;
				if (ld_int(f, x, "RuleNumber", &rn) < 0)
					ld_bad(f, "RuleNumber");
				e->rule_no = rn < 0 ? 0 : rn > 65535 ? 65535 : (int)rn;
				e->proto = proto_of(f, x, "Protocol");
				e->egress = ld_bool(f, x, "Egress") == MM_YES;
				const char *act = ld_str(f, x, "RuleAction");
				e->allow = act && !strcmp(act, "allow");
				const char *c = ld_str(f, x, "CidrBlock");
				if (!c)
					c = ld_str(f, x, "Ipv6CidrBlock");
				cidr_of(c, &e->cidr);
				e->from = 0;
				e->to = 65535;
				const struct json *pr = ld_obj(f, x, "PortRange");
				long long pv;
				if (pr && ld_int(f, pr, "From", &pv) == 0 && pv >= 0 && pv <= 65535)
					e->from = (int)pv;
				if (pr && ld_int(f, pr, "To", &pv) == 0 && pv >= 0 && pv <= 65535)
					e->to = (int)pv;
				e->icmp_type = e->icmp_code = -1;
				const struct json *ic = ld_obj(f, x, "IcmpTypeCode");
				if (ic && ld_int(f, ic, "Type", &pv) == 0 && pv >= -1 && pv <= 255)
					e->icmp_type = (int)pv;
				if (ic && ld_int(f, ic, "Code", &pv) == 0 && pv >= -1 && pv <= 255)
					e->icmp_code = (int)pv;
				e->loc = ld_loc(f, ld_ptr_idx(f, eb, j));
			}
			mm_qsort(n.entries, n.nentries, sizeof(*n.entries), cmp_entry);
		}
		if (ld_keep(f, &n.r, MM_K_NACLS))
			LD_PUSH(f->m, nacls, n);
	}
}

/* ---- route tables ---- */

static void route_target(struct ld_file *f, const struct json *rt, struct mm_route *r)
{
	static const struct {
		const char *key;
		enum mm_target t;
	} by_key[] = {
		{ "EgressOnlyInternetGatewayId", MM_TGT_EIGW },
		{ "NatGatewayId", MM_TGT_NAT },
		{ "TransitGatewayId", MM_TGT_TGW },
		{ "VpcPeeringConnectionId", MM_TGT_PCX },
		{ "CarrierGatewayId", MM_TGT_CARRIER },
		{ "LocalGatewayId", MM_TGT_LOCALGW },
		{ "CoreNetworkArn", MM_TGT_CORE },
		{ "NetworkInterfaceId", MM_TGT_ENI },
		{ "InstanceId", MM_TGT_INSTANCE },
	};
	const char *gw = ld_str(f, rt, "GatewayId");
	if (gw) {
		r->target_id = gw;
		if (!strcmp(gw, "local"))
			r->target = MM_TGT_LOCAL;
		else if (!strncmp(gw, "igw-", 4))
			r->target = MM_TGT_IGW;
		else if (!strncmp(gw, "vgw-", 4))
			r->target = MM_TGT_VGW;
		else if (!strncmp(gw, "vpce-", 5))
			r->target = MM_TGT_VPCE;
		else if (!strncmp(gw, "eigw-", 5))
			r->target = MM_TGT_EIGW;
		else
			r->target = MM_TGT_OTHER;
		return;
	}
	for (size_t i = 0; i < sizeof(by_key) / sizeof(by_key[0]); i++) {
		const char *id = ld_str(f, rt, by_key[i].key);
		if (id) {
			r->target = by_key[i].t;
			r->target_id = id;
			return;
		}
	}
	r->target = MM_TGT_OTHER;
}

void ld_rtbs(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	struct arena *a = &f->m->arena;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *tr = ld_rec(f, v, i);
		if (!tr)
			continue;
		ld_begin(f);
		struct mm_rtb t;
		memset(&t, 0, sizeof(t));
		const char *ptr = ld_ptr_idx(f, base, i);
		ld_res(f, &t.r, tr, ld_str(f, tr, "RouteTableId"), ptr, ld_str(f, tr, "OwnerId"),
		       NULL, MM_K_RTBS);
		t.vpc_id = ld_str(f, tr, "VpcId");
		const struct json *as = ld_arr(f, tr, "Associations");
		if (as && as->n) {
			const char *ab = ld_ptr_key(f, ptr, "Associations");
			t.subnets = arena_calloc(a, as->n, sizeof(*t.subnets));
			t.gateways = arena_calloc(a, as->n, sizeof(*t.gateways));
			for (uint32_t j = 0; j < as->n; j++) {
				const struct json *x = &as->u.items[j];
				if (x->type != JSON_OBJECT) {
					ld_bad(f, "Associations");
					continue;
				}
				if (ld_bool(f, x, "Main") == MM_YES) {
					t.main = true;
					t.main_loc = ld_loc(f, ld_ptr_idx(f, ab, j));
				}
				const char *s = ld_str(f, x, "SubnetId");
				if (s)
					t.subnets[t.nsubnets++] = s;
				const char *g = ld_str(f, x, "GatewayId");
				if (g)
					t.gateways[t.ngateways++] = g;
			}
		}
		const struct json *rs = ld_arr(f, tr, "Routes");
		if (rs && rs->n) {
			const char *rb = ld_ptr_key(f, ptr, "Routes");
			t.routes = arena_calloc(a, rs->n, sizeof(*t.routes));
			for (uint32_t j = 0; j < rs->n; j++) {
				const struct json *x = &rs->u.items[j];
				if (x->type != JSON_OBJECT) {
					ld_bad(f, "Routes");
					continue;
				}
				struct mm_route *r = &t.routes[t.nroutes++];
				const char *d = ld_str(f, x, "DestinationCidrBlock");
				if (!d)
					d = ld_str(f, x, "DestinationIpv6CidrBlock");
				cidr_of(d, &r->dst);
				r->dst_pl = ld_str(f, x, "DestinationPrefixListId");
				route_target(f, x, r);
				const char *state = ld_str(f, x, "State");
				r->blackhole = state && !strcmp(state, "blackhole");
				r->origin = ld_str(f, x, "Origin");
				r->loc = ld_loc(f, ld_ptr_idx(f, rb, j));
			}
		}
		if (ld_keep(f, &t.r, MM_K_RTBS))
			LD_PUSH(f->m, rtbs, t);
	}
}

/* ---- VPCs and subnets ---- */

static bool assoc_live(struct ld_file *f, const struct json *x, const char *state_key)
{
	const struct json *st = ld_obj(f, x, state_key);
	const char *s = st ? ld_str(f, st, "State") : NULL;
	return !s || !strcmp(s, "associated") || !strcmp(s, "associating");
}

void ld_vpcs(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *vr = ld_rec(f, v, i);
		if (!vr)
			continue;
		ld_begin(f);
		struct mm_vpc x;
		memset(&x, 0, sizeof(x));
		ld_res(f, &x.r, vr, ld_str(f, vr, "VpcId"), ld_ptr_idx(f, base, i),
		       ld_str(f, vr, "OwnerId"), NULL, MM_K_VPCS);
		x.is_default = ld_bool(f, vr, "IsDefault") == MM_YES;
		x.state = ld_str(f, vr, "State");
		const struct json *s4 = ld_arr(f, vr, "CidrBlockAssociationSet");
		const struct json *s6 = ld_arr(f, vr, "Ipv6CidrBlockAssociationSet");
		size_t cap = json_len(s4) + json_len(s6) + 1;
		x.cidrs = arena_calloc(&f->m->arena, cap, sizeof(*x.cidrs));
		if (s4) {
			for (uint32_t j = 0; j < s4->n; j++) {
				const struct json *c = &s4->u.items[j];
				if (c->type != JSON_OBJECT) {
					ld_bad(f, "CidrBlockAssociationSet");
					continue;
				}
				const char *cb = ld_str(f, c, "CidrBlock");
				if (cb && assoc_live(f, c, "CidrBlockState"))
					cidr_of(cb, &x.cidrs[x.ncidrs++]);
			}
		} else {
			const char *cb = ld_str(f, vr, "CidrBlock");
			if (cb)
				cidr_of(cb, &x.cidrs[x.ncidrs++]);
		}
		if (s6) {
			for (uint32_t j = 0; j < s6->n; j++) {
				const struct json *c = &s6->u.items[j];
				if (c->type != JSON_OBJECT) {
					ld_bad(f, "Ipv6CidrBlockAssociationSet");
					continue;
				}
				const char *cb = ld_str(f, c, "Ipv6CidrBlock");
				if (cb && assoc_live(f, c, "Ipv6CidrBlockState"))
					cidr_of(cb, &x.cidrs[x.ncidrs++]);
			}
		}
		if (ld_keep(f, &x.r, MM_K_VPCS))
			LD_PUSH(f->m, vpcs, x);
	}
}

void ld_subnets(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *sr = ld_rec(f, v, i);
		if (!sr)
			continue;
		ld_begin(f);
		struct mm_subnet s;
		memset(&s, 0, sizeof(s));
		s.az = ld_str(f, sr, "AvailabilityZone");
		const char *arn = ld_str(f, sr, "SubnetArn");
		const char *acc, *reg;
		ld_arn_scope(f, arn, &acc, &reg);
		const char *own = ld_str(f, sr, "OwnerId");
		const char *azr = ld_az_region(f, s.az);
		ld_res(f, &s.r, sr, ld_str(f, sr, "SubnetId"), ld_ptr_idx(f, base, i),
		       own ? own : acc, azr ? azr : reg, MM_K_SUBNETS);
		s.r.arn = arn;
		s.vpc_id = ld_str(f, sr, "VpcId");
		cidr_of(ld_str(f, sr, "CidrBlock"), &s.cidr);
		const struct json *s6 = ld_arr(f, sr, "Ipv6CidrBlockAssociationSet");
		if (s6 && s6->n) {
			s.cidr6 = arena_calloc(&f->m->arena, s6->n, sizeof(*s.cidr6));
			for (uint32_t j = 0; j < s6->n; j++) {
				const struct json *c = &s6->u.items[j];
				if (c->type != JSON_OBJECT) {
					ld_bad(f, "Ipv6CidrBlockAssociationSet");
					continue;
				}
				const char *cb = ld_str(f, c, "Ipv6CidrBlock");
				if (cb && assoc_live(f, c, "Ipv6CidrBlockState"))
					cidr_of(cb, &s.cidr6[s.ncidr6++]);
			}
		}
		s.map_public_ip = ld_bool(f, sr, "MapPublicIpOnLaunch");
		s.assign_ipv6 = ld_bool(f, sr, "AssignIpv6AddressOnCreation");
		s.default_for_az = ld_bool(f, sr, "DefaultForAz") == MM_YES;
		if (ld_keep(f, &s.r, MM_K_SUBNETS))
			LD_PUSH(f->m, subnets, s);
	}
}

/* ---- gateways ---- */

static void gw_list(struct ld_file *f, const struct json *v, const char *key, const char *idkey,
		    bool egress_only, enum mm_kind kind)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *gr = ld_rec(f, v, i);
		if (!gr)
			continue;
		ld_begin(f);
		struct mm_igw g;
		memset(&g, 0, sizeof(g));
		ld_res(f, &g.r, gr, ld_str(f, gr, idkey), ld_ptr_idx(f, base, i),
		       ld_str(f, gr, "OwnerId"), NULL, kind);
		g.egress_only = egress_only;
		const struct json *at = ld_arr(f, gr, "Attachments");
		if (at && at->n) {
			g.att = arena_calloc(&f->m->arena, at->n, sizeof(*g.att));
			for (uint32_t j = 0; j < at->n; j++) {
				const struct json *x = &at->u.items[j];
				if (x->type != JSON_OBJECT) {
					ld_bad(f, "Attachments");
					continue;
				}
				g.att[g.natt].vpc_id = ld_str(f, x, "VpcId");
				g.att[g.natt].state = ld_str(f, x, "State");
				g.natt++;
			}
		}
		if (ld_keep(f, &g.r, kind))
			LD_PUSH(f->m, igws, g);
	}
}

void ld_igws(struct ld_file *f, const struct json *v, const char *key)
{
	gw_list(f, v, key, "InternetGatewayId", false, MM_K_IGWS);
}

void ld_eigws(struct ld_file *f, const struct json *v, const char *key)
{
	gw_list(f, v, key, "EgressOnlyInternetGatewayId", true, MM_K_EIGWS);
}

void ld_nats(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	struct arena *a = &f->m->arena;
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *nr = ld_rec(f, v, i);
		if (!nr)
			continue;
		ld_begin(f);
		struct mm_nat n;
		memset(&n, 0, sizeof(n));
		ld_res(f, &n.r, nr, ld_str(f, nr, "NatGatewayId"), ld_ptr_idx(f, base, i), NULL,
		       NULL, MM_K_NATS);
		n.vpc_id = ld_str(f, nr, "VpcId");
		n.subnet_id = ld_str(f, nr, "SubnetId");
		n.state = ld_str(f, nr, "State");
		n.connectivity = ld_str(f, nr, "ConnectivityType");
		const struct json *ad = ld_arr(f, nr, "NatGatewayAddresses");
		if (ad && ad->n) {
			n.public_ips = arena_calloc(a, ad->n, sizeof(char *));
			n.private_ips = arena_calloc(a, ad->n, sizeof(char *));
			n.enis = arena_calloc(a, ad->n, sizeof(char *));
			for (uint32_t j = 0; j < ad->n; j++) {
				const struct json *x = &ad->u.items[j];
				if (x->type != JSON_OBJECT) {
					ld_bad(f, "NatGatewayAddresses");
					continue;
				}
				n.public_ips[n.naddr] = ld_str(f, x, "PublicIp");
				n.private_ips[n.naddr] = ld_str(f, x, "PrivateIp");
				n.enis[n.naddr] = ld_str(f, x, "NetworkInterfaceId");
				n.naddr++;
			}
		}
		if (ld_keep(f, &n.r, MM_K_NATS))
			LD_PUSH(f->m, nats, n);
	}
}

static void pcx_side(struct ld_file *f, const struct json *info, struct mm_pcx_side *s)
{
	if (!info)
		return;
	s->vpc_id = ld_str(f, info, "VpcId");
	s->owner = ld_str(f, info, "OwnerId");
	s->region = ld_str(f, info, "Region");
	const struct json *s4 = ld_arr(f, info, "CidrBlockSet");
	const struct json *s6 = ld_arr(f, info, "Ipv6CidrBlockSet");
	size_t cap = json_len(s4) + json_len(s6) + 1;
	s->cidrs = arena_calloc(&f->m->arena, cap, sizeof(*s->cidrs));
	if (s4 && s4->n) {
		for (uint32_t j = 0; j < s4->n; j++) {
			const char *c = ld_str(f, &s4->u.items[j], "CidrBlock");
			if (c)
				cidr_of(c, &s->cidrs[s->ncidrs++]);
		}
	} else {
		const char *c = ld_str(f, info, "CidrBlock");
		if (c)
			cidr_of(c, &s->cidrs[s->ncidrs++]);
	}
	if (s6)
		for (uint32_t j = 0; j < s6->n; j++) {
			const char *c = ld_str(f, &s6->u.items[j], "Ipv6CidrBlock");
			if (c)
				cidr_of(c, &s->cidrs[s->ncidrs++]);
		}
}

void ld_pcxs(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *pr = ld_rec(f, v, i);
		if (!pr)
			continue;
		ld_begin(f);
		struct mm_pcx p;
		memset(&p, 0, sizeof(p));
		pcx_side(f, ld_obj(f, pr, "RequesterVpcInfo"), &p.req);
		pcx_side(f, ld_obj(f, pr, "AccepterVpcInfo"), &p.acc);
		ld_res(f, &p.r, pr, ld_str(f, pr, "VpcPeeringConnectionId"), ld_ptr_idx(f, base, i),
		       p.req.owner, p.req.region, MM_K_PCXS);
		const struct json *st = ld_obj(f, pr, "Status");
		p.status = st ? ld_str(f, st, "Code") : NULL;
		if (ld_keep(f, &p.r, MM_K_PCXS))
			LD_PUSH(f->m, pcxs, p);
	}
}

void ld_eip(struct ld_file *f, const struct json *item, const char *base, uint32_t i)
{
	const struct json *er = ld_rec1(f, item);
	if (!er)
		return;
	ld_begin(f);
	struct mm_eip e;
	memset(&e, 0, sizeof(e));
	e.public_ip = ld_str(f, er, "PublicIp");
	e.allocation_id = ld_str(f, er, "AllocationId");
	const char *bg = ld_str(f, er, "NetworkBorderGroup");
	ld_res(f, &e.r, er, e.allocation_id ? e.allocation_id : e.public_ip, ld_ptr_idx(f, base, i),
	       ld_str(f, er, "NetworkInterfaceOwnerId"), bg, MM_K_EIPS);
	e.association_id = ld_str(f, er, "AssociationId");
	e.instance_id = ld_str(f, er, "InstanceId");
	e.eni_id = ld_str(f, er, "NetworkInterfaceId");
	e.private_ip = ld_str(f, er, "PrivateIpAddress");
	e.domain = ld_str(f, er, "Domain");
	if (ld_keep(f, &e.r, MM_K_EIPS))
		LD_PUSH(f->m, eips, e);
}

/* ---- prefix lists ---- */

void ld_prefix_lists(struct ld_file *f, const struct json *v, const char *key)
{
	struct mm_model *m = f->m;
	struct ld_pending *pend = m->load_state;
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *pr = ld_rec(f, v, i);
		if (!pr)
			continue;
		ld_begin(f);
		struct mm_prefix_list p;
		memset(&p, 0, sizeof(p));
		const char *arn = ld_str(f, pr, "PrefixListArn");
		const char *acc, *reg;
		ld_arn_scope(f, arn, &acc, &reg);
		const char *own = ld_str(f, pr, "OwnerId");
		ld_res(f, &p.r, pr, ld_str(f, pr, "PrefixListId"), ld_ptr_idx(f, base, i),
		       own ? own : acc, reg, MM_K_PREFIX_LISTS);
		p.r.arn = arn;
		p.name = ld_str(f, pr, "PrefixListName");
		p.family = ld_str(f, pr, "AddressFamily");
		const struct json *c = ld_arr(f, pr, "Cidrs");
		if (c) {
			/* describe-prefix-lists (AWS service lists) inline their CIDRs */
			size_t n;
			const char **s = ld_strs(f, c, NULL, &n);
			p.cidrs = arena_calloc(&m->arena, n ? n : 1, sizeof(*p.cidrs));
			for (size_t j = 0; j < n; j++)
				cidr_of(s[j], &p.cidrs[p.ncidrs++]);
			p.have_entries = true;
			if (!p.family && p.ncidrs)
				p.family = p.cidrs[0].family == MM_AF_INET6 ? "IPv6" : "IPv4";
		}
		if (!ld_keep(f, &p.r, MM_K_PREFIX_LISTS))
			continue;
		/* entries loaded earlier made a record of their own: complete it */
		struct mm_prefix_list *merged = NULL;
		for (struct ld_entries *x = pend ? pend->entries : NULL; x && !merged;
		     x = x->next) {
			if (!x->created || strcmp(x->pl_id, p.r.id))
				continue;
			for (size_t k = 0; k < m->npls; k++)
				if (m->pls[k].r.raw == x->raw && !strcmp(m->pls[k].r.id, p.r.id))
					merged = &m->pls[k];
		}
		if (merged) {
			p.cidrs = merged->cidrs;
			p.ncidrs = merged->ncidrs;
			p.have_entries = true;
			if (!p.family)
				p.family = merged->family;
			*merged = p;
			continue;
		}
		LD_PUSH(m, pls, p);
	}
}

/* "pl-0abc" at the end of a file name, after a separator */
static const char *stem_id(struct ld_file *f, const char *prefix)
{
	const char *stem = f->stem, *best = NULL;
	size_t pl = strlen(prefix);
	for (const char *p = strstr(stem, prefix); p; p = strstr(p + 1, prefix)) {
		if (p != stem && ((p[-1] >= 'a' && p[-1] <= 'z') ||
				  (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9')))
			continue;
		const char *q = p + pl;
		while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9'))
			q++;
		if (q > p + pl && (!*q || *q == '.' || *q == '_' || *q == '-'))
			best = p;
	}
	if (!best)
		return NULL;
	const char *q = best + pl;
	while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9'))
		q++;
	return ld_intern(f->st, best, (size_t)(q - best));
}

void ld_pl_entries(struct ld_file *f, const struct json *v, const char *key)
{
	struct mm_model *m = f->m;
	const char *id = ld_sget(f->root, "PrefixListId");
	if (!id)
		id = stem_id(f, "pl-");
	if (!id) {
		mm_diags_add(&m->diags, MM_DIAG_WARNING, f->file, (long long)v->off,
			     "prefix-list entries in '%s' name no prefix list (put the id in the "
			     "file name, e.g. 'pl-0abc.json', or wrap them as "
			     "{\"PrefixListId\": ..., \"Entries\": [...]})",
			     f->file);
		return;
	}
	struct ld_entries *x = arena_alloc(&m->arena, sizeof(*x));
	x->pl_id = id;
	x->cidrs = arena_calloc(&m->arena, v->n ? v->n : 1, sizeof(*x->cidrs));
	ld_begin(f);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *e = &v->u.items[i];
		if (e->type != JSON_OBJECT) {
			ld_skip(f, e, "record is not an object");
			continue;
		}
		f->bad = false;
		const char *c = ld_str(f, e, "Cidr");
		if (!c || f->bad) {
			ld_skip(f, e, f->bad ? "Cidr" : "missing Cidr");
			continue;
		}
		cidr_of(c, &x->cidrs[x->n++]);
	}
	f->bad = false;
	x->loc = ld_loc(f, ld_ptr_key(f, "", key));
	x->raw = v;
	x->account = ld_file_account(f);
	x->region = ld_file_region(f);
	struct ld_pending *p = ld_pending(m);
	x->next = p->entries;
	p->entries = x;
}

/* ---- storage and images ---- */

void ld_volume(struct ld_file *f, const struct json *item, const char *base, uint32_t i)
{
	const struct json *vr = ld_rec1(f, item);
	if (!vr)
		return;
	ld_begin(f);
	struct mm_volume x;
	memset(&x, 0, sizeof(x));
	x.az = ld_str(f, vr, "AvailabilityZone");
	ld_res(f, &x.r, vr, ld_str(f, vr, "VolumeId"), ld_ptr_idx(f, base, i), NULL,
	       ld_az_region(f, x.az), MM_K_VOLUMES);
	x.encrypted = ld_bool(f, vr, "Encrypted");
	x.kms_key = ld_str(f, vr, "KmsKeyId");
	x.state = ld_str(f, vr, "State");
	x.size = -1;
	long long sz;
	if (ld_int(f, vr, "Size", &sz) == 0)
		x.size = sz;
	x.instances = ld_strs(f, ld_arr(f, vr, "Attachments"), "InstanceId", &x.ninstances);
	if (ld_keep(f, &x.r, MM_K_VOLUMES))
		LD_PUSH(f->m, volumes, x);
}

void ld_snapshot(struct ld_file *f, const struct json *item, const char *base, uint32_t i)
{
	const struct json *sr = ld_rec1(f, item);
	if (!sr)
		return;
	ld_begin(f);
	struct mm_snapshot s;
	memset(&s, 0, sizeof(s));
	s.owner = ld_str(f, sr, "OwnerId");
	ld_res(f, &s.r, sr, ld_str(f, sr, "SnapshotId"), ld_ptr_idx(f, base, i), s.owner, NULL,
	       MM_K_SNAPSHOTS);
	s.encrypted = ld_bool(f, sr, "Encrypted");
	s.volume_id = ld_str(f, sr, "VolumeId");
	s.state = ld_str(f, sr, "State");
	s.is_public = MM_UNKNOWN;
	if (ld_keep(f, &s.r, MM_K_SNAPSHOTS))
		LD_PUSH(f->m, snapshots, s);
}

static void perms(struct ld_file *f, const struct json *v, const char *key, bool image)
{
	struct mm_model *m = f->m;
	const char *id = ld_sget(f->root, image ? "ImageId" : "SnapshotId");
	if (!id)
		id = stem_id(f, image ? "ami-" : "snap-");
	if (!id) {
		mm_diags_add(&m->diags, MM_DIAG_WARNING, f->file, (long long)v->off,
			     "permissions in '%s' name no %s", f->file,
			     image ? "image" : "snapshot");
		return;
	}
	struct ld_perm *p = arena_alloc(&m->arena, sizeof(*p));
	p->image = image;
	p->id = id;
	p->is_public = MM_NO;
	p->loc = ld_loc(f, ld_ptr_key(f, "", key));
	p->account = ld_file_account(f);
	p->shared = arena_calloc(&m->arena, v->n ? v->n : 1, sizeof(*p->shared));
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *x = &v->u.items[i];
		if (x->type != JSON_OBJECT) {
			ld_skip(f, x, "record is not an object");
			continue;
		}
		const char *g = ld_sget(x, "Group");
		const char *u = ld_sget(x, "UserId");
		if (g && !strcmp(g, "all"))
			p->is_public = MM_YES;
		else if (u)
			p->shared[p->nshared++] = u;
	}
	struct ld_pending *pend = ld_pending(m);
	p->next = pend->perms;
	pend->perms = p;
}

void ld_snapshot_perms(struct ld_file *f, const struct json *v, const char *key)
{
	perms(f, v, key, false);
}

void ld_image_perms(struct ld_file *f, const struct json *v, const char *key)
{
	perms(f, v, key, true);
}

void ld_image(struct ld_file *f, const struct json *item, const char *base, uint32_t i)
{
	const struct json *ir = ld_rec1(f, item);
	if (!ir)
		return;
	ld_begin(f);
	struct mm_image x;
	memset(&x, 0, sizeof(x));
	x.owner = ld_str(f, ir, "OwnerId");
	ld_res(f, &x.r, ir, ld_str(f, ir, "ImageId"), ld_ptr_idx(f, base, i), x.owner, NULL,
	       MM_K_IMAGES);
	x.name = ld_str(f, ir, "Name");
	x.state = ld_str(f, ir, "State");
	x.imds_support = ld_str(f, ir, "ImdsSupport");
	x.is_public = ld_bool(f, ir, "Public");
	x.all_encrypted = MM_UNKNOWN;
	const struct json *bdm = ld_arr(f, ir, "BlockDeviceMappings");
	size_t nebs = 0, nenc = 0, nunk = 0;
	for (uint32_t j = 0; bdm && j < bdm->n; j++) {
		const struct json *b = &bdm->u.items[j];
		if (b->type != JSON_OBJECT) {
			ld_bad(f, "BlockDeviceMappings");
			continue;
		}
		const struct json *ebs = ld_obj(f, b, "Ebs");
		if (!ebs)
			continue;
		nebs++;
		enum mm_tri t = ld_bool(f, ebs, "Encrypted");
		if (t == MM_YES)
			nenc++;
		else if (t == MM_UNKNOWN)
			nunk++;
	}
	if (nebs && nenc == nebs)
		x.all_encrypted = MM_YES;
	else if (nebs && nenc + nunk < nebs)
		x.all_encrypted = MM_NO;
	if (ld_keep(f, &x.r, MM_K_IMAGES))
		LD_PUSH(f->m, images, x);
}

void ld_flow_logs(struct ld_file *f, const struct json *v, const char *key)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *fr = ld_rec(f, v, i);
		if (!fr)
			continue;
		ld_begin(f);
		struct mm_flow_log x;
		memset(&x, 0, sizeof(x));
		const char *acc, *reg;
		ld_arn_scope(f, ld_str(f, fr, "DeliverLogsPermissionArn"), &acc, &reg);
		if (!acc)
			ld_arn_scope(f, ld_str(f, fr, "LogDestination"), &acc, &reg);
		ld_res(f, &x.r, fr, ld_str(f, fr, "FlowLogId"), ld_ptr_idx(f, base, i), acc, reg,
		       MM_K_FLOW_LOGS);
		x.resource_id = ld_str(f, fr, "ResourceId");
		x.status = ld_str(f, fr, "FlowLogStatus");
		x.traffic_type = ld_str(f, fr, "TrafficType");
		x.deliver_status = ld_str(f, fr, "DeliverLogsStatus");
		if (ld_keep(f, &x.r, MM_K_FLOW_LOGS))
			LD_PUSH(f->m, flow_logs, x);
	}
}

void ld_lt_version(struct ld_file *f, const struct json *item, const char *base, uint32_t i)
{
	const struct json *lr = ld_rec1(f, item);
	if (!lr)
		return;
	ld_begin(f);
	struct mm_lt_version x;
	memset(&x, 0, sizeof(x));
	const char *ptr = ld_ptr_idx(f, base, i);
	x.lt_id = ld_str(f, lr, "LaunchTemplateId");
	x.lt_name = ld_str(f, lr, "LaunchTemplateName");
	x.version = -1;
	long long ver;
	bool hv = ld_int(f, lr, "VersionNumber", &ver) == 0;
	if (hv)
		x.version = ver;
	const char *id = NULL;
	if (x.lt_id && hv)
		id = arena_printf(&f->m->arena, "%s:%lld", x.lt_id, ver);
	const char *acc, *reg;
	ld_arn_scope(f, ld_str(f, lr, "CreatedBy"), &acc, &reg);
	ld_res(f, &x.r, lr, id, ptr, acc, NULL, MM_K_LT_VERSIONS);
	x.is_default = ld_bool(f, lr, "DefaultVersion") == MM_YES;
	const struct json *d = ld_obj(f, lr, "LaunchTemplateData");
	const char *dptr = d ? ld_ptr_key(f, ptr, "LaunchTemplateData") : ptr;
	const struct json *mo = d ? ld_obj(f, d, "MetadataOptions") : NULL;
	parse_imds(f, mo, mo ? ld_ptr_key(f, dptr, "MetadataOptions") : dptr, &x.imds);
	x.public_ip = MM_UNKNOWN;
	const struct json *nis = d ? ld_arr(f, d, "NetworkInterfaces") : NULL;
	for (uint32_t j = 0; nis && j < nis->n; j++) {
		const struct json *ni = &nis->u.items[j];
		if (ni->type != JSON_OBJECT) {
			ld_bad(f, "NetworkInterfaces");
			continue;
		}
		enum mm_tri t = ld_bool(f, ni, "AssociatePublicIpAddress");
		if (t == MM_YES)
			x.public_ip = MM_YES;
		else if (t == MM_NO && x.public_ip == MM_UNKNOWN)
			x.public_ip = MM_NO;
	}
	if (ld_keep(f, &x.r, MM_K_LT_VERSIONS))
		LD_PUSH(f->m, lt_versions, x);
}

/* ---- account-level settings ---- */

void ld_ebs_default(struct ld_file *f, const struct json *v, const char *key)
{
	struct mm_scope *s = ld_file_scope(f);
	s->ebs_default = json_as_bool(v) ? MM_YES : MM_NO;
	s->ebs_loc = ld_loc(f, ld_ptr_key(f, "", key));
}

void ld_serial_console(struct ld_file *f, const struct json *v, const char *key)
{
	struct mm_scope *s = ld_file_scope(f);
	s->serial_console = json_as_bool(v) ? MM_YES : MM_NO;
	s->serial_loc = ld_loc(f, ld_ptr_key(f, "", key));
}

void ld_imds_defaults(struct ld_file *f, const struct json *v, const char *key)
{
	struct mm_scope *s = ld_file_scope(f);
	ld_begin(f);
	struct mm_imds d;
	parse_imds(f, v, ld_ptr_key(f, "", key), &d);
	if (f->bad) {
		ld_skip(f, v, f->bad_why);
		return;
	}
	s->imds_default = d;
	s->have_imds_default = true;
}
