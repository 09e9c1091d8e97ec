/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Folder-private interface of src/posture: the catalog parser used by tests,
 * the check table, the per-run context every check receives, and the helpers
 * that turn a verdict into a struct finding.
 *
 * Invariants:
 * - Every rule in the catalog has exactly one row in posture_checks[] and
 *   every row names a catalog rule (posture_catalog_check_coverage()).
 *   Several rows may share one function: it runs once per posture_run() and
 *   emits every rule it is keyed by.
 * - A check emits a rule only through pf_new(), which BUG()s on a rule id the
 *   catalog does not know.
 * - Strings hung off a finding live in out->arena. Indexes in struct pctx
 *   point into the model (read-only during the run) or into x->tmp, which is
 *   released when posture_run() returns.
 * - struct finding pointers returned by pf_new() are valid until the next
 *   pf_new() (the findings vector may move).
 */
#ifndef MM_POSTURE_INT_H
#define MM_POSTURE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "posture.h"
#include "paths.h"
#include "base/embed.h"
#include "base/hmap.h"
#include "base/ipset.h"
#include "base/strbuf.h"
#include "reach/reach.h"

/* ---- catalog ---- */

/* Parse and validate rule files (table ends with a NULL name). Does not check
 * coverage against the check table. On error c is released. */
int posture_catalog_parse(struct posture_catalog *c, const struct embedded_file *files,
			  struct mm_err *e);
/* 0 when every catalog rule has a check and every check a catalog rule. */
int posture_catalog_check_coverage(const struct posture_catalog *c, struct mm_err *e);

/* A CLI template variable. Values are checked against a conservative
 * character set (ids, regions, CIDRs) unless `raw` (built by mamori itself,
 * already quoted for the shell). */
struct pvar {
	const char *name;
	const char *value;
	bool raw;
};

/* Fill {name} placeholders of tmpl; {id}, {region} and {account} come from
 * the finding when not given. Returns NULL if a placeholder has no value or
 * a value is unsafe for a shell. Braces not forming a known placeholder are
 * copied as they are (the AWS CLI shorthand uses them). */
const char *posture_cli_fill(struct arena *a, const char *tmpl, const struct pvar *vars,
			     size_t nvars);
/* Is {name} (len bytes) a placeholder checks know how to fill? */
bool posture_placeholder_known(const char *name, size_t len);

/* ---- checks ---- */

struct pctx;
typedef void (*posture_check_fn)(struct pctx *x);

struct posture_check {
	const char *rule;
	posture_check_fn fn;
};
extern const struct posture_check posture_checks[];
extern const size_t posture_nchecks;

void check_sg_world(struct pctx *x);	  /* the six ec2-sg-*-world rules */
void check_sg_egress(struct pctx *x);	  /* ec2-sg-egress-all-world */
void check_sg_default(struct pctx *x);	  /* ec2-sg-default-allows-traffic */
void check_sg_unused(struct pctx *x);	  /* ec2-sg-unused */
void check_nacl_admin(struct pctx *x);	  /* ec2-nacl-admin-port-world */
void check_nacl_unused(struct pctx *x);	  /* ec2-nacl-unused */
void check_flow_logs(struct pctx *x);	  /* ec2-vpc-flow-logs-missing */
void check_subnet_public(struct pctx *x); /* ec2-subnet-auto-public-ip */
void check_eip_unused(struct pctx *x);	  /* ec2-eip-unassociated */
void check_default_vpc(struct pctx *x);	  /* ec2-vpc-default-in-use */
void check_instances(struct pctx *x);	  /* imdsv1, hop limit, public ip, no profile */
void check_src_dst(struct pctx *x);	  /* ec2-eni-source-dest-check-off */
void check_launch_templates(struct pctx *x);
void check_volumes(struct pctx *x);
void check_snapshots(struct pctx *x);
void check_images(struct pctx *x);
void check_account(struct pctx *x);  /* per-region account settings */
void check_exposure(struct pctx *x); /* ec2-instance-*-internet, -admin-port-peering */
void check_paths(struct pctx *x);    /* ec2-toxic-*: attack paths (paths.c) */

/* ---- exposure index (exposure.c) ---- */

/*
 * The reachability results of one posture run, computed on first use and
 * indexed per instance and per network interface. Views point into the
 * results, which live until pexp_free().
 */
struct pexp;

struct pexp_view {
	const struct reach_exposure *exp;
	size_t nexp;
	const struct reach_block *blk;
	size_t nblk;
	const struct reach_unknown *unk;
	size_t nunk;
};

struct pexp *pexp_new(struct mm_model *m);
void pexp_free(struct pexp *p);
/* Run the engine once (later calls return the first result): 0 or < 0. */
int pexp_ensure(struct pexp *p, struct mm_err *e);
/* The result of the run if it happened (0 if not, or p is NULL). */
int pexp_error(struct pexp *p, struct mm_err *e);
/* Results of an instance / interface: false (and an empty view) when the
 * engine said nothing about it. */
bool pexp_instance(struct pexp *p, const char *id, struct pexp_view *v);
bool pexp_eni(struct pexp *p, const char *id, struct pexp_view *v);
/*
 * The posture_opts.reach hook (arg is the struct pexp): MM_YES when the
 * interface has an internet exposure of family fam whose protocol matches
 * (or is "all") and whose ports overlap; MM_UNKNOWN when its internet
 * reachability for fam is unknown, or it was not evaluated (not an
 * instance's interface); MM_NO otherwise. A detached interface (status
 * available, no instance) is MM_NO.
 */
enum mm_tri pexp_reach(void *arg, const struct mm_model *m, const struct mm_eni *eni, int proto,
		       const struct ivset *ports, enum mm_family fam);
/* "CODE (IPv4) at component: detail" of the interface's direct internet
 * block for family fam (MM_AF_NONE: the first of any family), in a; NULL
 * when there is none (fam exposed on other ports, unknown, or an address
 * family the interface has no address of: see pexp_port_why()). */
const char *pexp_why_not(struct pexp *p, struct arena *a, const struct mm_eni *eni,
			 enum mm_family fam);
/* For an instance with no direct block of family fam (reachable over fam
 * on other ports only, or without an address of fam): the first component
 * that blocks (proto, port) over fam, "CODE (IPv4) at component for tcp 22:
 * detail" in a, its code in *code; NULL when the engine does not say
 * "blocked" (reachable or unknown). Runs the engine for that instance and
 * port: for the few instances a message names. */
const char *pexp_port_why(struct pexp *p, struct arena *a, const char *instance_id,
			  enum mm_family fam, int proto, int port, const char **code);
/* Why the interface's internet reachability is unknown for fam, or NULL. */
const char *pexp_unknown_why(struct pexp *p, const struct mm_eni *eni, enum mm_family fam);
void pexp_stats(struct pexp *p, struct posture_exposure_stats *st);

/* The first block of origin org on the direct path (no load balancer) that
 * applies to family fam (its own, or one that is not family-specific;
 * MM_AF_NONE: any). The engine runs with family_blocks: one block per
 * (interface, origin, family) that has no exposure and nothing unknown. */
const struct reach_block *pexp_direct_block(const struct pexp_view *v, enum reach_origin org,
					    enum mm_family fam);
void pexp_block_text(struct strbuf *sb, const struct reach_block *b);
const char *pexp_fam_word(enum mm_family f); /* "IPv4", "IPv6", NULL */
bool pexp_eni_detached(const struct mm_eni *eni);
/* Does an exposure of protocol have answer a question about want? */
bool pexp_proto_match(int have, int want);
bool pexp_ports_overlap(const struct reach_exposure *x, const struct ivset *ports);
/* "0.0.0.0/0" ("::/0") when src covers the internet; "0.0.0.0/0 except A,
 * B" when at most max CIDRs of the internet are missing; else the first max
 * CIDRs of its minimal cover, then "and more" if there are more. */
void pexp_sources(struct strbuf *sb, enum mm_family fam, const struct mm_iv *src, size_t nsrc,
		  size_t max);
/* Is a source set wider than one organisation's range (a /16 of IPv4, a /48
 * of IPv6)? Exposures to narrower sets are reported at low severity. */
bool pexp_broad(enum mm_family fam, const struct mm_iv *src, size_t nsrc);

/* Shared with paths.c (defined in check-exposure.c): the security-group
 * permission a forward hop names (by its evidence pointer), NULL if none;
 * does a CIDR meet an exposure's sources; is a value safe to put in a shell
 * command unquoted; and "'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=
 * [{CidrIp=…}]'" for the sources src[0..n) of a permission. */
const struct mm_sg_perm *pexp_hop_perm(const struct mm_model *m, const struct reach_hop *h,
				       const struct mm_sg **sgp);
bool pexp_src_overlaps(const struct reach_exposure *e, const struct mm_cidr *c);
bool pexp_cli_safe(const char *v);
void pexp_perm_cli(struct strbuf *o, const struct mm_sg_perm *p, const size_t *src, size_t n);
/* The engine's whole result (pexp_ensure() must have succeeded). */
const struct reach_result *pexp_result(const struct pexp *p);
/* Hand the engine and its results over to the caller (posture_opts
 * reach_out); false when the engine did not run or failed. */
bool pexp_take(struct pexp *p, struct reach_ctx **ctx, struct reach_result *res);
/* An index over results the caller computed (reach_eval() with
 * family_blocks), which must outlive it; pexp_port_why() answers NULL. */
struct pexp *pexp_wrap(struct mm_model *m, const struct reach_result *r);

/* paths_find() over an exposure index (NULL: reachability unknown). */
int paths_find_in(struct mm_model *m, struct pexp *px, const struct paths_opts *o,
		  struct paths_result *out, struct mm_err *e);

/* ---- run context ---- */

/* Something that uses a security group. */
struct sg_user {
	const struct mm_eni *eni;	/* set for interfaces */
	const struct mm_instance *inst; /* set for instances known without an ENI record */
	const struct mm_lb *lb;		/* set for load balancers */
};

struct sg_info {
	struct sg_user *users;
	size_t nusers, ausers;
	bool referenced; /* another group's rule names this group */
};

/* Catalog strings copied once per run into out->arena. */
struct prule {
	const struct posture_rule *r;
	const char *id, *title, *rem, *cli;
	const char **compliance;
	size_t ncompliance;
};

/* Port scope of a compliance mapping (see posture.c scope table). */
struct pscope {
	const char *id;
	enum mm_family fam; /* NONE: any family */
	struct ivset ports; /* empty: any port */
	bool any_port;
};

struct scope_count {
	size_t instances, volumes;
};

struct pctx {
	struct mm_model *m;
	const struct posture_catalog *c;
	const struct posture_opts *o;
	struct findings *out;
	struct arena tmp; /* run-lifetime indexes */

	/* exposure: the engine's results (NULL when o->exposure is off) and the
	 * hook check-sg calls (o->reach if set, else pexp_reach over exp) */
	struct pexp *exp;
	enum mm_tri (*reach)(void *arg, const struct mm_model *m, const struct mm_eni *eni,
			     int proto, const struct ivset *ports, enum mm_family fam);
	void *reach_arg;

	struct prule *rules; /* parallel to c->v */
	struct hmap rule_by_id;
	struct pscope *scopes;
	size_t nscopes;

	struct ivset allowed;	    /* ports allowed open to the world */
	struct sg_info *sgi;	    /* parallel to m->sgs */
	bool users_known_any;	    /* some scope has ENIs or instances */
	struct hmap route_target;   /* instance/ENI id -> struct mm_route * routing to it */
	struct hmap inst_enis;	    /* instance id -> first ENI record of it (from m->enis) */
	struct scope_count *scount; /* parallel to m->scopes */

	struct strbuf sb; /* scratch for messages */
};

/* Are the hook's answers the engine's (so check-sg can ask it why)? */
static inline bool pctx_engine(const struct pctx *x)
{
	return x->exp && x->reach == pexp_reach && x->reach_arg == x->exp;
}

struct sg_info *pctx_sg_info(struct pctx *x, const struct mm_sg *sg);
/* Index of scope of r in m->scopes, or -1. */
long pctx_scope_index(const struct pctx *x, const struct mm_res *r);
/* "i-abc (web)" when the resource has a Name tag, else the id; in out->arena. */
const char *pctx_name(struct pctx *x, const struct mm_res *r);
/* A state that makes an instance irrelevant (terminated, shutting-down). */
bool pctx_instance_gone(const struct mm_instance *in);

/* ---- finding construction ---- */

/* A finding for rule on resource r, or NULL when status is PASS and passes
 * were not asked for (every pf_* helper accepts NULL and does nothing). Fills
 * title, default severity, resource fields, tags, remediation text and
 * compliance. */
struct finding *pf_new(struct pctx *x, const char *rule, enum mm_status st, const struct mm_res *r,
		       const char *res_type);
__attribute__((format(printf, 3, 4))) void pf_msg(struct pctx *x, struct finding *f,
						  const char *fmt, ...);
/* Evidence pointing at l (may be NULL for a derived fact). */
__attribute__((format(printf, 4, 5))) void pf_ev(struct pctx *x, struct finding *f,
						 const struct mm_loc *l, const char *fmt, ...);
/* Fill the rule's CLI template into f->rem_cli (NULL if it has none). */
void pf_cli(struct pctx *x, struct finding *f, const struct pvar *vars, size_t nvars);
/* Several fills of the template joined with " && " (for one command per item). */
void pf_cli_multi(struct pctx *x, struct finding *f, const struct pvar *vars, size_t nvars,
		  size_t nitems);
/* Keep only compliance ids whose scope (family, ports) meets what failed:
 * ports[0] IPv4, ports[1] IPv6 (TCP and UDP together). */
void pf_scope_compliance(struct pctx *x, struct finding *f, const struct ivset ports[2]);
void pf_extra(struct pctx *x, struct finding *f, const char *fp_extra);
/* Compute the fingerprint; call last. */
void pf_done(struct pctx *x, struct finding *f);
/* Message saying which input is missing for r's scope. */
const char *pf_missing(struct pctx *x, const struct mm_res *r, enum mm_kind k);

/* ---- port classes (check-sg.c per group, check-exposure.c per instance) ---- */

/* FTP, telnet, VNC, WinRM */
#define PORTS_ADMIN_TCP "20-21,23,5900,5985-5986"
/* SQL Server, Oracle, ZooKeeper, etcd, MySQL, PostgreSQL, Kibana, CouchDB,
 * Redis, Cassandra, Neo4j, InfluxDB, Kafka, Elasticsearch/OpenSearch,
 * Memcached, MongoDB */
#define PORTS_DB_TCP                                                                            \
	"1433-1434,1521,2181,2379-2380,2483-2484,3306,5432,5601,5984,6379,7000-7001,7199,7474," \
	"7687,8086,9042,9092,9160,9200,9300,11211,27017-27019"
#define PORTS_DB_UDP "11211"

/* ---- small helpers shared by checks ---- */

static inline int fam_ix(enum mm_family f)
{
	return f == MM_AF_INET6 ? 1 : 0;
}
static inline const char *fam_name(enum mm_family f)
{
	return f == MM_AF_INET6 ? "IPv6" : "IPv4";
}
/* Does s hold every publicly routable address of fam? */
bool covers_internet(const struct ivset *s, enum mm_family fam);
/* Does [lo, hi] of fam touch the internet? */
bool touches_internet(enum mm_family fam, mm_u128 lo, mm_u128 hi);
/* Parse "22,80-90" into ports; returns 0 or -1. */
int ports_parse(struct ivset *out, const char *s);
/* Append "22, 80-90" (at most max intervals, then "and N more"). */
void ports_fmt(struct strbuf *sb, const struct ivset *ports, size_t max);

#endif
