/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The account model: typed views of every AWS resource mamori reasons about,
 * loaded from a snapshot directory by snapshot_load() (load.c).
 *
 * Ownership: a struct mm_model owns one arena. Every string and every
 * struct json in the model lives in that arena; strings come from a pool
 * (keys interned, equal values may share storage: never write into them).
 * Large lists (instances, ENIs, volumes, snapshots, images, addresses, launch
 * template versions) are streamed record by record and their DOM is dropped,
 * so r.raw is NULL for them; other kinds keep their DOM (r.raw, IAM
 * documents). Resource arrays are malloc'd vectors
 * owned by the model. After loading, mm_model_index() builds the id indexes;
 * from then on the model is read-only and pointers into the vectors are stable.
 *
 * Unknown is not false: every optional boolean setting is an enum mm_tri, and
 * every kind of input records whether it was present for its (account,
 * region) scope, so a check whose input is missing can say "unknown".
 */
#ifndef MM_MODEL_H
#define MM_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/hmap.h"
#include "base/ipset.h"
#include "base/json.h"

enum mm_tri { MM_UNKNOWN = -1, MM_NO = 0, MM_YES = 1 };

/* Where a value came from: a snapshot file (path relative to the snapshot
 * root) and a JSON pointer into it. Rendered "file#/ptr". */
struct mm_loc {
	const char *file;
	const char *ptr;
};

struct mm_tag {
	const char *key, *value;
};

/* Common head of every resource. account/region are never NULL: "unknown"
 * when neither the path nor the content says. */
struct mm_res {
	const char *id;
	const char *arn; /* may be NULL */
	const char *account;
	const char *region;
	struct mm_loc loc;
	const struct json *raw;
	struct mm_tag *tags;
	size_t ntags;
};

const char *mm_tag(const struct mm_res *r, const char *key);

/* IP protocol numbers; MM_PROTO_ALL for "-1"/"all". MM_PROTO_BAD if unparsable. */
#define MM_PROTO_ALL	(-1)
#define MM_PROTO_BAD	(-2)
#define MM_PROTO_ICMP	1
#define MM_PROTO_TCP	6
#define MM_PROTO_UDP	17
#define MM_PROTO_ICMPV6 58
int mm_proto_parse(const char *s);
const char *mm_proto_name(int proto); /* "tcp", "udp", "icmp", "icmpv6", "all", or the number */

/* ---- security groups ---- */

enum mm_sg_src_kind { MM_SRC_CIDR4, MM_SRC_CIDR6, MM_SRC_PREFIX_LIST, MM_SRC_SG };

struct mm_sg_src {
	enum mm_sg_src_kind kind;
	const char *value;   /* CIDR text, pl-…, or sg-… */
	struct mm_cidr cidr; /* for CIDR kinds; family NONE if unparsable */
	const char *user_id; /* owner account for an SG reference */
	const char *peering; /* VpcPeeringConnectionId for cross-VPC SG refs */
	const char *desc;
	struct mm_loc loc;
};

struct mm_sg_perm {
	int proto;
	/* TCP/UDP: port range; ICMP: from = type, to = code (-1 = any);
	 * all protocols or missing: 0..65535 */
	int from, to;
	struct mm_sg_src *src;
	size_t nsrc;
	struct mm_loc loc;
};

struct mm_sg {
	struct mm_res r;
	const char *name;
	const char *desc;
	const char *vpc_id;
	const char *owner;
	struct mm_sg_perm *in, *out;
	size_t nin, nout;
};

/* ---- network ACLs ---- */

struct mm_nacl_entry {
	int rule_no;
	int proto;
	bool egress;
	bool allow;
	struct mm_cidr cidr;	  /* family NONE if missing/unparsable */
	int from, to;		  /* port range; 0..65535 when absent */
	int icmp_type, icmp_code; /* -1 = any */
	struct mm_loc loc;
};

struct mm_nacl {
	struct mm_res r;
	const char *vpc_id;
	bool is_default;
	struct mm_nacl_entry *entries; /* sorted: ingress then egress, by rule_no */
	size_t nentries;
	const char **subnets;
	size_t nsubnets;
};

/* ---- routing ---- */

enum mm_target {
	MM_TGT_LOCAL,
	MM_TGT_IGW,
	MM_TGT_EIGW,
	MM_TGT_NAT,
	MM_TGT_PCX,
	MM_TGT_TGW,
	MM_TGT_VGW,
	MM_TGT_ENI,
	MM_TGT_INSTANCE,
	MM_TGT_VPCE,
	MM_TGT_CARRIER,
	MM_TGT_LOCALGW,
	MM_TGT_CORE,
	MM_TGT_OTHER,
};
const char *mm_target_name(enum mm_target t);

struct mm_route {
	struct mm_cidr dst; /* family NONE for prefix-list destinations */
	const char *dst_pl; /* DestinationPrefixListId or NULL */
	enum mm_target target;
	const char *target_id;
	bool blackhole; /* State == "blackhole" */
	const char *origin;
	struct mm_loc loc;
};

struct mm_rtb {
	struct mm_res r;
	const char *vpc_id;
	bool main;
	const char **subnets;
	size_t nsubnets;
	const char **gateways; /* edge associations */
	size_t ngateways;
	struct mm_route *routes;
	size_t nroutes;
	struct mm_loc main_loc; /* association that made it main */
};

/* ---- VPC, subnets, gateways ---- */

struct mm_vpc {
	struct mm_res r;
	struct mm_cidr *cidrs; /* IPv4 and IPv6 together */
	size_t ncidrs;
	bool is_default;
	const char *state;
};

struct mm_subnet {
	struct mm_res r;
	const char *vpc_id;
	const char *az;
	struct mm_cidr cidr;
	struct mm_cidr *cidr6;
	size_t ncidr6;
	enum mm_tri map_public_ip;
	enum mm_tri assign_ipv6;
	bool default_for_az;
};

struct mm_gw_attach {
	const char *vpc_id;
	const char *state; /* "available"/"attached"/"detaching"/... */
};

/* Internet and egress-only internet gateways. */
struct mm_igw {
	struct mm_res r;
	bool egress_only;
	struct mm_gw_attach *att;
	size_t natt;
};

struct mm_nat {
	struct mm_res r;
	const char *vpc_id, *subnet_id, *state, *connectivity;
	const char **public_ips, **private_ips, **enis;
	size_t naddr;
};

struct mm_pcx_side {
	const char *vpc_id, *owner, *region;
	struct mm_cidr *cidrs; /* IPv4 and IPv6 */
	size_t ncidrs;
};

struct mm_pcx {
	struct mm_res r;
	const char *status; /* Status.Code */
	struct mm_pcx_side req, acc;
};

/* ---- interfaces, instances, addresses ---- */

struct mm_eni_ip {
	const char *private_ip;
	bool primary;
	const char *public_ip; /* Association.PublicIp or NULL */
	const char *ip_owner;  /* Association.IpOwnerId ("amazon" = auto-assigned) */
};

struct mm_eni {
	struct mm_res r;
	const char *vpc_id, *subnet_id, *az, *status, *type, *desc;
	const char *instance_id; /* Attachment.InstanceId */
	const char *owner;
	bool requester_managed;
	enum mm_tri source_dest_check;
	const char **groups;
	size_t ngroups;
	struct mm_eni_ip *ips;
	size_t nips;
	const char **ipv6;
	size_t nipv6;
	bool from_instance; /* synthesised from describe-instances only */
};

struct mm_imds {
	const char *http_tokens;   /* "required" / "optional" / NULL unknown */
	const char *http_endpoint; /* "enabled" / "disabled" / NULL */
	long long hop_limit;	   /* -1 unknown */
	const char *state;
	struct mm_loc loc;
};

struct mm_instance {
	struct mm_res r;
	const char *state; /* State.Name */
	const char *vpc_id, *subnet_id, *az, *image_id, *type, *platform, *key_name;
	const char *private_ip, *public_ip;
	const char *profile_arn; /* IamInstanceProfile.Arn */
	const char *launch_time;
	struct mm_imds imds;
	enum mm_tri source_dest_check;
	const char **groups;
	size_t ngroups;
	const char **enis;
	size_t nenis;
	const char **volumes;
	size_t nvolumes;
};

struct mm_eip {
	struct mm_res r; /* id = AllocationId, else PublicIp */
	const char *public_ip, *allocation_id, *association_id;
	const char *instance_id, *eni_id, *private_ip, *domain;
};

struct mm_prefix_list {
	struct mm_res r;
	const char *name;
	const char *family; /* "IPv4"/"IPv6" or NULL */
	struct mm_cidr *cidrs;
	size_t ncidrs;
	bool have_entries; /* false: list known but its entries were not collected */
};

/* ---- load balancers ---- */

struct mm_lb_listener {
	const char *arn;
	int port;
	const char *protocol;
	const char **target_groups; /* forward actions, incl. ForwardConfig */
	size_t ntg;
	/* classic ELB: instance side */
	int instance_port;
	const char *instance_protocol;
	struct mm_loc loc;
};

struct mm_lb {
	struct mm_res r; /* id = ARN for v2, name for classic */
	const char *name;
	bool classic;
	const char *type;   /* application / network / gateway / classic */
	const char *scheme; /* internet-facing / internal */
	const char *vpc_id;
	const char *state;
	const char **subnets;
	size_t nsubnets;
	const char **groups;
	size_t ngroups;
	struct mm_lb_listener *listeners;
	size_t nlisteners;
	bool have_listeners;
	const char **instances; /* classic registered instances */
	size_t ninstances;
};

struct mm_tg_target {
	const char *id; /* instance id, IP, lambda ARN or ALB ARN */
	int port;	/* 0 = the group's port */
	const char *az;
	const char *health;
	struct mm_loc loc;
};

struct mm_tg {
	struct mm_res r; /* id = ARN */
	const char *name, *protocol, *vpc_id, *target_type;
	int port;
	const char **lbs;
	size_t nlbs;
	struct mm_tg_target *targets;
	size_t ntargets;
	bool have_targets;
};

/* ---- storage and images ---- */

struct mm_volume {
	struct mm_res r;
	enum mm_tri encrypted;
	const char *kms_key, *state, *az;
	const char **instances;
	size_t ninstances;
	long long size;
};

struct mm_snapshot {
	struct mm_res r;
	enum mm_tri encrypted;
	const char *owner, *volume_id, *state;
	enum mm_tri is_public; /* create-volume-permission group "all" */
	const char **shared_with;
	size_t nshared;
	struct mm_loc perm_loc;
};

struct mm_image {
	struct mm_res r;
	const char *name, *owner, *state, *imds_support;
	enum mm_tri is_public;
	enum mm_tri all_encrypted; /* all EBS block devices encrypted */
};

struct mm_flow_log {
	struct mm_res r;
	const char *resource_id, *status, *traffic_type, *deliver_status;
};

struct mm_lt_version {
	struct mm_res r; /* id = lt-…:version */
	const char *lt_id, *lt_name;
	long long version;
	bool is_default;
	struct mm_imds imds;
	enum mm_tri public_ip; /* any NetworkInterfaces[].AssociatePublicIpAddress */
};

/* ---- IAM (get-account-authorization-details) ---- */

struct mm_iam_role {
	struct mm_res r; /* id = RoleName */
	const char *name;
	const struct json *trust;    /* AssumeRolePolicyDocument (decoded) */
	const struct json *inline_p; /* RolePolicyList */
	const struct json *attached; /* AttachedManagedPolicies */
	const struct json *boundary; /* PermissionsBoundary */
};

struct mm_iam_profile {
	struct mm_res r; /* id = ARN */
	const char *name;
	const char **roles; /* role names */
	size_t nroles;
};

struct mm_iam_policy {
	struct mm_res r; /* id = ARN */
	const char *name;
	const struct json *document; /* default version, decoded */
};

/* ---- per-(account, region) scope ---- */

/* Kinds of input. A bit is set in mm_scope.have when a file of that kind was
 * loaded for the scope (even if it listed nothing). */
enum mm_kind {
	MM_K_INSTANCES,
	MM_K_SGS,
	MM_K_NACLS,
	MM_K_RTBS,
	MM_K_SUBNETS,
	MM_K_VPCS,
	MM_K_IGWS,
	MM_K_EIGWS,
	MM_K_NATS,
	MM_K_PCXS,
	MM_K_ENIS,
	MM_K_EIPS,
	MM_K_PREFIX_LISTS,
	MM_K_PL_ENTRIES,
	MM_K_LBS,
	MM_K_CLASSIC_LBS,
	MM_K_LISTENERS,
	MM_K_TGS,
	MM_K_TG_HEALTH,
	MM_K_VOLUMES,
	MM_K_SNAPSHOTS,
	MM_K_SNAP_PERMS,
	MM_K_IMAGES,
	MM_K_FLOW_LOGS,
	MM_K_LT_VERSIONS,
	MM_K_EBS_DEFAULT,
	MM_K_IMDS_DEFAULTS,
	MM_K_SERIAL_CONSOLE,
	MM_K_IAM,
	MM_K__COUNT
};
const char *mm_kind_name(enum mm_kind k); /* e.g. "describe-flow-logs" */

struct mm_scope {
	const char *account, *region;
	unsigned long long have; /* 1ull << enum mm_kind */
	enum mm_tri ebs_default;
	struct mm_loc ebs_loc;
	struct mm_imds imds_default; /* AccountLevel; http_tokens NULL = "no preference" */
	bool have_imds_default;
	enum mm_tri serial_console;
	struct mm_loc serial_loc;
};

#define MM_VEC(type, name) \
	type *name;        \
	size_t n##name, a##name

struct mm_model {
	struct arena arena;
	const char *root; /* snapshot directory as given */
	MM_VEC(struct mm_instance, instances);
	MM_VEC(struct mm_sg, sgs);
	MM_VEC(struct mm_nacl, nacls);
	MM_VEC(struct mm_rtb, rtbs);
	MM_VEC(struct mm_subnet, subnets);
	MM_VEC(struct mm_vpc, vpcs);
	MM_VEC(struct mm_igw, igws); /* IGWs and egress-only IGWs */
	MM_VEC(struct mm_nat, nats);
	MM_VEC(struct mm_pcx, pcxs);
	MM_VEC(struct mm_eni, enis);
	MM_VEC(struct mm_eip, eips);
	MM_VEC(struct mm_prefix_list, pls);
	MM_VEC(struct mm_lb, lbs);
	MM_VEC(struct mm_tg, tgs);
	MM_VEC(struct mm_volume, volumes);
	MM_VEC(struct mm_snapshot, snapshots);
	MM_VEC(struct mm_image, images);
	MM_VEC(struct mm_flow_log, flow_logs);
	MM_VEC(struct mm_lt_version, lt_versions);
	MM_VEC(struct mm_iam_role, roles);
	MM_VEC(struct mm_iam_profile, profiles);
	MM_VEC(struct mm_iam_policy, policies);
	MM_VEC(struct mm_scope, scopes);

	/* indexes by id (built by mm_model_index) */
	struct hmap by_instance, by_sg, by_nacl, by_rtb, by_subnet, by_vpc, by_igw, by_nat, by_pcx,
	    by_eni, by_pl, by_lb, by_tg, by_volume, by_snapshot, by_image, by_role, by_profile,
	    by_policy;
	/* subnet id -> NACL, subnet id -> explicit route table, vpc id -> main rtb */
	struct hmap nacl_of_subnet, rtb_of_subnet, main_rtb_of_vpc;

	/* load statistics and problems */
	size_t files_loaded, files_failed, files_skipped;
	size_t records_skipped; /* resources dropped for a missing id or wrong type */
	struct mm_diags diags;

	/* Loader-private (load.c): records waiting for their owner across
	 * snapshot_load_buffer() calls (listeners, target health, snapshot and
	 * image permissions, prefix-list entries). Lives in the arena. */
	void *load_state;
};

void mm_model_init(struct mm_model *m);
void mm_model_release(struct mm_model *m);
/* Build indexes and cross links; call once after loading. */
void mm_model_index(struct mm_model *m);

/* Lookups (NULL if absent). */
struct mm_instance *mm_find_instance(const struct mm_model *m, const char *id);
struct mm_sg *mm_find_sg(const struct mm_model *m, const char *id);
struct mm_subnet *mm_find_subnet(const struct mm_model *m, const char *id);
struct mm_vpc *mm_find_vpc(const struct mm_model *m, const char *id);
struct mm_eni *mm_find_eni(const struct mm_model *m, const char *id);
struct mm_prefix_list *mm_find_pl(const struct mm_model *m, const char *id);
struct mm_lb *mm_find_lb(const struct mm_model *m, const char *id);
struct mm_tg *mm_find_tg(const struct mm_model *m, const char *id);
struct mm_igw *mm_find_igw(const struct mm_model *m, const char *id);
struct mm_pcx *mm_find_pcx(const struct mm_model *m, const char *id);
struct mm_volume *mm_find_volume(const struct mm_model *m, const char *id);
struct mm_image *mm_find_image(const struct mm_model *m, const char *id);
struct mm_iam_profile *mm_find_profile(const struct mm_model *m, const char *arn);
struct mm_iam_role *mm_find_role(const struct mm_model *m, const char *name);
struct mm_iam_policy *mm_find_policy(const struct mm_model *m, const char *arn);
/* The NACL associated with a subnet. */
struct mm_nacl *mm_subnet_nacl(const struct mm_model *m, const char *subnet_id);
/* Effective route table: explicit association, else the VPC's main table. */
struct mm_rtb *mm_subnet_rtb(const struct mm_model *m, const struct mm_subnet *s);

/* Scope for (account, region); created on demand by the loader. */
struct mm_scope *mm_scope_get(struct mm_model *m, const char *account, const char *region);
const struct mm_scope *mm_scope_find(const struct mm_model *m, const char *account,
				     const char *region);
/* True if an input of this kind was loaded for the scope of resource r. */
bool mm_have(const struct mm_model *m, const struct mm_res *r, enum mm_kind k);

/* "file#/ptr" into the model arena. */
const char *mm_loc_str(struct mm_model *m, const struct mm_loc *l);
/* Child location: l->ptr + "/" + seg (escaped) or + "/" + index. */
struct mm_loc mm_loc_key(struct mm_model *m, const struct mm_loc *l, const char *seg);
struct mm_loc mm_loc_idx(struct mm_model *m, const struct mm_loc *l, size_t i);

#endif
