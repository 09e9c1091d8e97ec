/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen-snapshot: writes a synthetic but realistic AWS account for the load and
 * scan benchmark (bench/run.sh): N instances spread over a few VPCs with
 * about N/100 subnets (half public, half private), N/50 security groups shared
 * among the instances (world-open SSH here and there, 80/443 to the world, SG
 * references, prefix lists), main and explicit route tables, NACLs with 5-20
 * entries, one or two ENIs per instance, volumes, snapshots, Elastic IPs,
 * load balancers, mixed IMDS settings, tags and an IAM authorization file.
 * Output is what the AWS CLI prints (same keys, same 4-space indentation), in
 * the layout contrib/collect.sh writes: OUT/<account>/<region>/<call>.json and
 * OUT/<account>/global/iam-authorization-details.json.
 *
 * Deterministic: every resource draws from its own PRNG stream seeded from
 * (--seed, resource kind, index), and ids are a bijective hash of the same, so
 * the same arguments always give the same bytes, and ids never collide.
 *
 * usage: gen-snapshot [--instances N] [--seed S] [--account ID]
 *                     [--region R] [--indent N] OUTDIR
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/strbuf.h"
#include "base/wrapper.h"

#include "base/banned.h"

/* ---------------------------------------------------------------- PRNG, ids */

static uint64_t g_seed = 1;

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

/* Kinds of generated things: each has its own id space and PRNG streams. */
enum kind {
	K_VPC = 1,
	K_SUBNET,
	K_IGW,
	K_EIGW,
	K_NAT,
	K_RTB,
	K_RTBASSOC,
	K_NACL,
	K_NACLASSOC,
	K_SG,
	K_INST,
	K_RESV,
	K_ENI,
	K_ATTACH,
	K_VOL,
	K_SNAP,
	K_AMI,
	K_EIP,
	K_EIPASSOC,
	K_PL,
	K_PCX,
	K_LB,
	K_TG,
	K_LISTENER,
	K_LT,
	K_FLOWLOG,
	K_VPCE,
	K_TGW,
	K_CIDRASSOC,
	K_ROLE,
	K_POLICY,
	K_PROFILE,
	K_MAC,
	K_PUBIP,
};

static struct rng rng_for(enum kind k, uint64_t idx)
{
	struct rng r = { mix64(g_seed * 0x100000001b3ull ^ ((uint64_t)k << 52) ^ idx) };
	return r;
}

static uint64_t rnext(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return mix64(r->s);
}

/* Uniform in [0, n). n > 0. */
static uint32_t rbelow(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnext(r) >> 32) * (uint64_t)n) >> 32);
}

static bool rpct(struct rng *r, uint32_t percent)
{
	return rbelow(r, 100) < percent;
}

static uint32_t rrange(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rbelow(r, hi - lo + 1);
}

/* "prefix-0" + 16 hex digits: unique per (kind, idx) because mix64 is a
 * bijection and the input differs. */
static const char *mkid(char *buf, size_t n, const char *prefix, enum kind k, uint64_t idx)
{
	uint64_t h = mix64((g_seed << 56) ^ ((uint64_t)k << 48) ^ idx);
	snprintf(buf, n, "%s-0%016" PRIx64, prefix, h);
	return buf;
}

/* Rotating scratch buffers so several ids can appear in one call. A result
 * lives until 16 more are taken: KEEP() it in a local buffer to hold it
 * longer. */
#define SCRATCH	     256
#define KEEP(buf, s) snprintf((buf), sizeof(buf), "%s", (s))
static char *scratch(void)
{
	static char bufs[16][SCRATCH];
	static unsigned next;
	return bufs[next++ % 16];
}

static const char *ID(const char *prefix, enum kind k, uint64_t idx)
{
	return mkid(scratch(), SCRATCH, prefix, k, idx);
}

__attribute__((format(printf, 1, 2))) static const char *F(const char *fmt, ...)
{
	char *b = scratch();
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, SCRATCH, fmt, ap);
	va_end(ap);
	return b;
}

/* ---------------------------------------------------------------- JSON writer */

#define JW_MAXDEPTH 32

/* Streams one JSON document the way the AWS CLI prints it (Python's
 * json.dumps with indent=4: empty containers as [] and {}). */
struct jw {
	FILE *f;
	char *path;
	struct strbuf sb;
	int depth;
	int indent;
	bool any[JW_MAXDEPTH];
	char close[JW_MAXDEPTH];
	size_t bytes;
};

static size_t g_files, g_bytes;

static void jw_flush(struct jw *w)
{
	if (w->sb.len && fwrite(w->sb.buf, 1, w->sb.len, w->f) != w->sb.len)
		die("cannot write '%s': %s", w->path, strerror(errno));
	w->bytes += w->sb.len;
	strbuf_reset(&w->sb);
}

static void jw_nl(struct jw *w)
{
	if (!w->indent)
		return;
	static const char spaces[] =
	    "\n                                                                "
	    "                                                                ";
	size_t n = (size_t)(w->depth * w->indent);
	if (n > sizeof(spaces) - 2)
		n = sizeof(spaces) - 2;
	strbuf_add(&w->sb, spaces, n + 1);
}

static void jw_key(struct jw *w, const char *key)
{
	if (w->any[w->depth])
		strbuf_addch(&w->sb, ',');
	w->any[w->depth] = true;
	jw_nl(w);
	if (key) {
		strbuf_add_json_str(&w->sb, key);
		strbuf_addstr(&w->sb, w->indent ? ": " : ":");
	}
	if (w->sb.len > (1u << 20))
		jw_flush(w);
}

static void jw_open(struct jw *w, const char *key, char open, char close)
{
	jw_key(w, key);
	strbuf_addch(&w->sb, open);
	if (++w->depth >= JW_MAXDEPTH)
		BUG("json nesting too deep");
	w->any[w->depth] = false;
	w->close[w->depth] = close;
}

static void jw_obj(struct jw *w, const char *key)
{
	jw_open(w, key, '{', '}');
}

static void jw_arr(struct jw *w, const char *key)
{
	jw_open(w, key, '[', ']');
}

static void jw_end(struct jw *w)
{
	char c = w->close[w->depth];
	bool any = w->any[w->depth];
	w->depth--;
	if (any)
		jw_nl(w);
	strbuf_addch(&w->sb, c);
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	strbuf_add_json_str(&w->sb, v);
}

static void jw_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	strbuf_addf(&w->sb, "%lld", v);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	strbuf_addstr(&w->sb, v ? "true" : "false");
}

static void jw_tag(struct jw *w, const char *k, const char *v)
{
	jw_obj(w, NULL);
	jw_str(w, "Key", k);
	jw_str(w, "Value", v);
	jw_end(w);
}

static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) && errno != EEXIST)
			die("cannot create '%s': %s", p, strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0777) && errno != EEXIST)
		die("cannot create '%s': %s", p, strerror(errno));
	free(p);
}

static int g_indent = 4;

/* Begin a file whose top level is an object. */
static void jw_begin(struct jw *w, const char *dir, const char *name)
{
	struct strbuf p = STRBUF_INIT;
	strbuf_addf(&p, "%s/%s.json", dir, name);
	memset(w, 0, sizeof(*w));
	w->path = strbuf_detach(&p, NULL);
	w->f = fopen(w->path, "w");
	if (!w->f)
		die("cannot create '%s': %s", w->path, strerror(errno));
	strbuf_init(&w->sb, 1 << 16);
	w->indent = g_indent;
	strbuf_addch(&w->sb, '{');
	w->depth = 1;
	w->close[1] = '}';
}

static void jw_finish(struct jw *w)
{
	if (w->depth != 1)
		BUG("unbalanced json writer");
	jw_end(w);
	strbuf_addch(&w->sb, '\n');
	jw_flush(w);
	if (fclose(w->f))
		die("cannot write '%s': %s", w->path, strerror(errno));
	g_files++;
	g_bytes += w->bytes;
	strbuf_release(&w->sb);
	free(w->path);
}

/* ---------------------------------------------------------------- the account model */

enum tier { T_WEB, T_APP, T_DB, T_BATCH, T_BASTION, T_MISC, T__N };
static const char *const tier_name[T__N] = { "web", "app", "db", "batch", "bastion", "misc" };

/* Security group kinds: one per tier, plus shared add-ons. */
enum sgkind {
	G_WEB,
	G_APP,
	G_DB,
	G_BATCH,
	G_BASTION,
	G_MISC,
	G_ADMIN,
	G_MON,
	G_INTERNAL,
	G_ALB,
	G__N
};
static const char *const sgkind_name[G__N] = { "web",  "app",	"db",	      "batch",	  "bastion",
					       "misc", "admin", "monitoring", "internal", "alb" };

struct vpc {
	bool v6;
	int sub_first, nsub;
	int nacl_first, nnacl; /* first is the default NACL */
	int rtb_first, nrtb;   /* main, public, private a/b/c, then per-subnet tables */
	int sg_default;
	int *sg_by_kind[G__N];
	int nsg_by_kind[G__N];
	int nat_sub[3]; /* public subnet hosting the NAT gateway per AZ, -1 none */
	int *targets;	/* running web/app instances, for target groups */
	int ntargets, atargets;
	int *pcx; /* peering connections this VPC takes part in */
	int npcx, apcx;
};

struct subnet {
	int vpc, k, az;
	bool pub;
	int rtb;  /* explicit association, -1 = main table */
	int nacl; /* associated NACL */
	int next_host;
	int *free_pub_list;
};

struct sg {
	int vpc;
	enum sgkind kind;
	int ref; /* referenced SG (app <- web, db <- app), -1 none */
	int pl;	 /* prefix list for monitoring groups */
};

enum eni_kind { E_INST, E_NAT, E_LB, E_SPARE };

struct eni {
	enum eni_kind kind;
	int owner; /* instance, NAT (vpc*3+az), LB or spare number */
	int device;
	int subnet, host;
	int sg[3], nsg;
	uint32_t pub; /* public address number, 0 = none */
	int eip;      /* index into eips, -1 = auto-assigned or none */
	bool v6;
	uint64_t code; /* id space of K_ENI */
};

struct inst {
	int subnet;
	enum tier tier;
	int sg[3], nsg;
	bool running;
	int eni_first, neni;
	int profile; /* -1 none */
	int ami;     /* <0: a public AMI */
	bool data_vol;
	int resv, launch_index;
};

struct eip {
	int eni; /* -1 unassociated */
	uint32_t addr;
};

struct lb {
	int vpc;
	bool internet, nlb;
	int sub[3], nsub;
	int eni_first;
};

struct model {
	const char *account, *region;
	char az[3][32];
	int ninst;
	int nvpc, nsub, nsg, npl, nlb, nprof, npol, nsnap, nami, nlt, nnacl, nrtb;
	struct vpc *vpcs;
	struct subnet *subs;
	struct sg *sgs;
	struct inst *insts;
	struct eni *enis;
	int neni, aeni;
	struct eip *eips;
	int neip, aeip;
	struct lb *lbs;
	int (*pcx)[3]; /* requester vpc, accepter vpc, active */
	int npcx;
	uint32_t next_pub;
};

static const char *vpc_cidr(int v)
{
	return F("10.%d.0.0/16", v);
}

static const char *vpc_v6(int v)
{
	return F("2406:da14:%x:%x00::/56", 0x100 + v, 0x10 + v);
}

static const char *sub_cidr(const struct model *m, int s)
{
	return F("10.%d.%d.0/24", m->subs[s].vpc, m->subs[s].k);
}

static const char *sub_v6(const struct model *m, int s)
{
	const struct subnet *sn = &m->subs[s];
	return F("2406:da14:%x:%x%02x::/64", 0x100 + sn->vpc, 0x10 + sn->vpc, sn->k);
}

static const char *priv_ip(const struct model *m, int s, int host)
{
	return F("10.%d.%d.%d", m->subs[s].vpc, m->subs[s].k, host);
}

static const char *v6_ip(const struct model *m, int s, int host)
{
	const struct subnet *sn = &m->subs[s];
	return F("2406:da14:%x:%x%02x:%x:%x:%x:%x", 0x100 + sn->vpc, 0x10 + sn->vpc, sn->k,
		 0x1000 + host, 0xa000 + (host * 7919) % 0x5fff, 0x5000 + (host * 104729) % 0x9fff,
		 0x100 + host);
}

/* Public IPv4 numbers map into 3.112.0.0/12 (instances, auto-assigned),
 * 13.112.0.0/12 (Elastic IPs) and 18.176.0.0/12 (load balancer nodes). */
static const char *pub_ip(uint32_t n)
{
	uint32_t base = n >> 28, off = n & 0xfffffff;
	if (off >= 1u << 20)
		BUG("public address pool exhausted");
	uint32_t first = base == 1 ? 3 : base == 2 ? 13 : 18;
	uint32_t second = base == 3 ? 176 : 112;
	return F("%u.%u.%u.%u", first, second + (off >> 16), (off >> 8) & 255, off & 255);
}

static const char *dns_priv(const struct model *m, const char *ip)
{
	char *b = scratch();
	snprintf(b, SCRATCH, "ip-%s.%s.compute.internal", ip, m->region);
	/* the dots of the address become dashes */
	int dots = 0;
	for (char *p = b + 3; *p && dots < 3; p++)
		if (*p == '.') {
			*p = '-';
			dots++;
		}
	return b;
}

static const char *dns_pub(const struct model *m, const char *ip)
{
	char *b = scratch();
	snprintf(b, SCRATCH, "ec2-%s.%s.compute.amazonaws.com", ip, m->region);
	int dots = 0;
	for (char *p = b + 4; *p && dots < 3; p++)
		if (*p == '.') {
			*p = '-';
			dots++;
		}
	return b;
}

static const char *iso_time(uint64_t secs_after_2021)
{
	time_t t = (time_t)(1609459200ull + secs_after_2021);
	struct tm tm;
	gmtime_r(&t, &tm);
	char *b = scratch();
	strftime(b, SCRATCH, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
	return b;
}

static const char *launch_time(int i)
{
	struct rng r = rng_for(K_INST, (uint64_t)i + (1ull << 40));
	return iso_time(rnext(&r) % (86400ull * 365 * 3));
}

static const char *mac(uint64_t code)
{
	uint64_t h = mix64(code ^ ((uint64_t)K_MAC << 48));
	return F("06:%02x:%02x:%02x:%02x:%02x", (unsigned)(h & 0xff), (unsigned)((h >> 8) & 0xff),
		 (unsigned)((h >> 16) & 0xff), (unsigned)((h >> 24) & 0xff),
		 (unsigned)((h >> 32) & 0xff));
}

static int alloc_host(struct model *m, int s)
{
	if (m->subs[s].next_host > 254)
		return -1;
	return m->subs[s].next_host++;
}

static int add_eni(struct model *m, enum eni_kind kind, int owner, int subnet, uint64_t code)
{
	ALLOC_GROW(m->enis, m->neni + 1, m->aeni);
	struct eni *e = &m->enis[m->neni];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->owner = owner;
	e->subnet = subnet;
	e->host = alloc_host(m, subnet);
	if (e->host < 0)
		BUG("subnet full");
	e->eip = -1;
	e->code = code;
	return m->neni++;
}

static int add_eip(struct model *m, int eni)
{
	ALLOC_GROW(m->eips, m->neip + 1, m->aeip);
	m->eips[m->neip].eni = eni;
	m->eips[m->neip].addr = (2u << 28) | (uint32_t)m->neip;
	return m->neip++;
}

static void push_int(int **arr, int *n, int *a, int v)
{
	ALLOC_GROW(*arr, *n + 1, *a);
	(*arr)[(*n)++] = v;
}

static int pick_sg(struct model *m, struct rng *r, int vpc, enum sgkind k)
{
	struct vpc *v = &m->vpcs[vpc];
	if (!v->nsg_by_kind[k])
		return -1;
	return v->sg_by_kind[k][rbelow(r, (uint32_t)v->nsg_by_kind[k])];
}

static int imax(int a, int b)
{
	return a > b ? a : b;
}

static void build(struct model *m)
{
	int n = m->ninst;
	const char *letters = strcmp(m->region, "ap-northeast-1") ? "abc" : "acd";
	for (int a = 0; a < 3; a++)
		snprintf(m->az[a], sizeof(m->az[a]), "%s%c", m->region, letters[a]);

	m->nsub = imax(6, n / 100);
	m->nvpc = imax(2, (m->nsub + 119) / 120);
	m->nsg = imax(20, n / 50);
	m->npl = imax(2, n / 10000);
	m->nlb = imax(2, n / 2000);
	m->nprof = imax(5, n / 500);
	m->npol = imax(4, m->nprof / 2);
	m->nsnap = imax(10, n / 50);
	m->nami = 20;
	m->nlt = imax(2, n / 1000);
	m->next_pub = 1u << 28;

	m->vpcs = xcalloc((size_t)m->nvpc, sizeof(*m->vpcs));
	m->subs = xcalloc((size_t)m->nsub, sizeof(*m->subs));
	m->sgs = xcalloc((size_t)m->nsg, sizeof(*m->sgs));
	m->insts = xcalloc((size_t)n, sizeof(*m->insts));
	m->lbs = xcalloc((size_t)m->nlb, sizeof(*m->lbs));

	/* VPCs and subnets: subnets split evenly, alternating public/private,
	 * AZs round-robin; at most 120 /24s per /16 VPC */
	int s = 0, nacl = 0, rtb = 0;
	for (int v = 0; v < m->nvpc; v++) {
		struct vpc *vp = &m->vpcs[v];
		struct rng r = rng_for(K_VPC, (uint64_t)v);
		vp->v6 = v % 2 == 0 || rpct(&r, 30);
		vp->sub_first = s;
		vp->nsub = m->nsub / m->nvpc + (v < m->nsub % m->nvpc);
		vp->nacl_first = nacl;
		vp->nnacl = 1 + imax(1, vp->nsub / 8);
		nacl += vp->nnacl;
		vp->rtb_first = rtb;
		vp->nrtb = 5;
		for (int a = 0; a < 3; a++)
			vp->nat_sub[a] = -1;
		for (int k = 0; k < vp->nsub; k++, s++) {
			struct subnet *sn = &m->subs[s];
			struct rng rs = rng_for(K_SUBNET, (uint64_t)s);
			sn->vpc = v;
			sn->k = k;
			sn->az = k / 2 % 3;
			sn->pub = k % 2 == 0;
			sn->next_host = 4; /* AWS reserves .0-.3 */
			if (sn->pub) {
				sn->rtb = vp->rtb_first + 1;
				if (vp->nat_sub[sn->az] < 0)
					vp->nat_sub[sn->az] = s;
			} else if (rpct(&rs, 70)) {
				sn->rtb = vp->rtb_first + 2 + sn->az;
			} else if (rpct(&rs, 33)) {
				sn->rtb = vp->rtb_first + vp->nrtb++; /* its own table */
			} else {
				sn->rtb = -1; /* the main table */
			}
			sn->nacl = rpct(&rs, 40) ? vp->nacl_first + 1 +
						       (int)rbelow(&rs, (uint32_t)vp->nnacl - 1)
						 : vp->nacl_first;
		}
		rtb += vp->nrtb;
	}
	m->nnacl = nacl;
	m->nrtb = rtb;

	/* peering: VPC 0 is a hub peered with every other VPC; one more
	 * request between the last two is still pending */
	m->pcx = xcalloc((size_t)m->nvpc + 1, sizeof(*m->pcx));
	for (int v = 1; v < m->nvpc; v++) {
		m->pcx[m->npcx][0] = 0;
		m->pcx[m->npcx][1] = v;
		m->pcx[m->npcx][2] = 1;
		m->npcx++;
	}
	if (m->nvpc >= 3) {
		m->pcx[m->npcx][0] = m->nvpc - 2;
		m->pcx[m->npcx][1] = m->nvpc - 1;
		m->pcx[m->npcx][2] = 0;
		m->npcx++;
	}
	for (int p = 0; p < m->npcx; p++) {
		if (!m->pcx[p][2])
			continue;
		for (int side = 0; side < 2; side++) {
			struct vpc *vp = &m->vpcs[m->pcx[p][side]];
			push_int(&vp->pcx, &vp->npcx, &vp->apcx, p);
		}
	}

	/* security groups: a default group per VPC, one ALB group per VPC,
	 * the rest shared by kind (weights roughly like a real estate) */
	static const int weight[G__N] = { 18, 22, 10, 8, 3, 12, 12, 8, 7, 0 };
	int wsum = 0;
	for (int k = 0; k < G__N; k++)
		wsum += weight[k];
	int g = 0;
	for (int v = 0; v < m->nvpc; v++) {
		m->sgs[g].vpc = v;
		m->sgs[g].kind = G_INTERNAL; /* written as "default" */
		m->sgs[g].ref = g;
		m->sgs[g].pl = -1;
		m->vpcs[v].sg_default = g++;
		m->sgs[g].vpc = v;
		m->sgs[g].kind = G_ALB;
		m->sgs[g].ref = -1;
		m->sgs[g].pl = -1;
		g++;
	}
	int *asz = xcalloc((size_t)m->nvpc * G__N, sizeof(int));
	for (int v = 0; v < m->nvpc; v++) {
		int alb = v * 2 + 1;
		push_int(&m->vpcs[v].sg_by_kind[G_ALB], &m->vpcs[v].nsg_by_kind[G_ALB],
			 &asz[v * G__N + G_ALB], alb);
	}
	for (; g < m->nsg; g++) {
		struct rng r = rng_for(K_SG, (uint64_t)g);
		struct sg *sg = &m->sgs[g];
		int pick = (int)rbelow(&r, (uint32_t)wsum), k = 0;
		while (pick >= weight[k])
			pick -= weight[k++];
		sg->vpc = g % m->nvpc;
		sg->kind = (enum sgkind)k;
		sg->ref = -1;
		sg->pl = (int)rbelow(&r, (uint32_t)m->npl);
		push_int(&m->vpcs[sg->vpc].sg_by_kind[k], &m->vpcs[sg->vpc].nsg_by_kind[k],
			 &asz[sg->vpc * G__N + k], g);
	}
	/* every VPC needs at least one group of each tier kind */
	for (int v = 0; v < m->nvpc; v++)
		for (int k = 0; k < G_ALB; k++)
			if (!m->vpcs[v].nsg_by_kind[k]) {
				/* borrow: retarget the default group's kind list */
				push_int(&m->vpcs[v].sg_by_kind[k], &m->vpcs[v].nsg_by_kind[k],
					 &asz[v * G__N + k], m->vpcs[v].sg_default);
			}
	for (g = 0; g < m->nsg; g++) {
		struct sg *sg = &m->sgs[g];
		struct rng r = rng_for(K_SG, (uint64_t)g + (1ull << 40));
		if (g == m->vpcs[sg->vpc].sg_default)
			continue;
		if (sg->kind == G_APP)
			sg->ref = pick_sg(m, &r, sg->vpc, G_WEB);
		else if (sg->kind == G_DB)
			sg->ref = pick_sg(m, &r, sg->vpc, G_APP);
	}
	free(asz);

	/* instances: tier, subnet of the right kind, groups, ENIs, addresses */
	int *pub_subs = xmalloc(sizeof(int) * (size_t)m->nsub);
	int *priv_subs = xmalloc(sizeof(int) * (size_t)m->nsub);
	int npub = 0, npriv = 0;
	for (s = 0; s < m->nsub; s++) {
		if (m->subs[s].pub)
			pub_subs[npub++] = s;
		else
			priv_subs[npriv++] = s;
	}
	/* NAT gateway ENIs first, so they get low addresses */
	for (int v = 0; v < m->nvpc; v++)
		for (int a = 0; a < 3; a++) {
			int ns = m->vpcs[v].nat_sub[a];
			if (ns < 0)
				continue;
			int e =
			    add_eni(m, E_NAT, v * 3 + a, ns, (1ull << 40) | (uint64_t)(v * 3 + a));
			m->enis[e].device = 1;
			m->enis[e].eip = add_eip(m, e);
		}
	/* load balancers in 2-3 public subnets of a VPC, one per AZ */
	for (int l = 0; l < m->nlb; l++) {
		struct rng r = rng_for(K_LB, (uint64_t)l);
		struct lb *lb = &m->lbs[l];
		lb->vpc = l % m->nvpc;
		lb->internet = rpct(&r, 80);
		lb->nlb = rpct(&r, 30);
		lb->eni_first = m->neni;
		for (int a = 0; a < 3; a++) {
			int ns = m->vpcs[lb->vpc].nat_sub[a];
			if (ns < 0 || (a == 2 && rpct(&r, 50)))
				continue;
			lb->sub[lb->nsub++] = ns;
			int e = add_eni(m, E_LB, l, ns, (2ull << 40) | (uint64_t)(l * 4 + a));
			m->enis[e].device = 1;
			if (!lb->nlb) {
				m->enis[e].sg[0] = m->vpcs[lb->vpc].sg_by_kind[G_ALB][0];
				m->enis[e].nsg = 1;
			}
			if (lb->internet)
				m->enis[e].pub = (3u << 28) | (uint32_t)(l * 4 + a);
		}
	}
	for (int i = 0; i < n; i++) {
		struct rng r = rng_for(K_INST, (uint64_t)i);
		struct inst *in = &m->insts[i];
		static const int tw[T__N] = { 28, 34, 10, 16, 2, 10 };
		int pick = (int)rbelow(&r, 100), t = 0;
		while (pick >= tw[t])
			pick -= tw[t++];
		in->tier = (enum tier)t;
		bool want_pub = t == T_WEB || t == T_BASTION || (t == T_MISC && rpct(&r, 50));
		int *list = want_pub ? pub_subs : priv_subs;
		int nl = want_pub ? npub : npriv;
		int neni = rpct(&r, 20) ? 2 : 1;
		int start = (int)rbelow(&r, (uint32_t)nl), sidx = -1;
		for (int tries = 0; tries < nl; tries++) {
			int c = list[(start + tries) % nl];
			if (m->subs[c].next_host + neni <= 255) {
				sidx = c;
				break;
			}
		}
		if (sidx < 0)
			die("gen-snapshot: subnets full (too many instances for %d subnets)",
			    m->nsub);
		in->subnet = sidx;
		int v = m->subs[sidx].vpc;
		in->running = rpct(&r, 92);
		in->sg[in->nsg++] = pick_sg(m, &r, v, (enum sgkind)t);
		if (rpct(&r, 35))
			in->sg[in->nsg++] = pick_sg(m, &r, v, G_ADMIN);
		if (in->nsg < 3 && rpct(&r, 25))
			in->sg[in->nsg++] = pick_sg(m, &r, v, G_MON);
		if (in->nsg < 3 && rpct(&r, 15))
			in->sg[in->nsg++] = pick_sg(m, &r, v, G_INTERNAL);
		/* a group can be drawn twice from a small pool: drop repeats */
		for (int a = 1; a < in->nsg; a++)
			for (int b = 0; b < a; b++)
				if (in->sg[a] == in->sg[b]) {
					in->sg[a--] = in->sg[--in->nsg];
					break;
				}
		in->profile = rpct(&r, 55) ? (int)rbelow(&r, (uint32_t)m->nprof) : -1;
		in->ami =
		    rpct(&r, 60) ? (int)rbelow(&r, (uint32_t)m->nami) : -1 - (int)rbelow(&r, 5);
		in->data_vol = rpct(&r, 30);
		in->eni_first = m->neni;
		in->neni = neni;
		for (int d = 0; d < neni; d++) {
			int e = add_eni(m, E_INST, i, sidx, (uint64_t)i * 2 + (uint64_t)d);
			struct eni *en = &m->enis[e];
			en->device = d;
			memcpy(en->sg, in->sg, sizeof(en->sg));
			en->nsg = in->nsg;
			en->v6 = m->vpcs[v].v6 && rpct(&r, 50);
			if (d == 0 && m->subs[sidx].pub) {
				if (rpct(&r, 6))
					en->eip = add_eip(m, e);
				else if (in->running && rpct(&r, 80))
					en->pub = m->next_pub++;
			}
		}
		if (in->running && (t == T_WEB || t == T_APP)) {
			struct vpc *vp = &m->vpcs[v];
			push_int(&vp->targets, &vp->ntargets, &vp->atargets, i);
		}
	}
	/* reservations: most launches are single, some launched 2-4 at once */
	for (int i = 0, resv = 0; i < n; resv++) {
		struct rng r = rng_for(K_RESV, (uint64_t)resv);
		int cnt = rpct(&r, 85) ? 1 : (int)rrange(&r, 2, 4);
		for (int j = 0; j < cnt && i < n; j++, i++) {
			m->insts[i].resv = resv;
			m->insts[i].launch_index = j;
		}
	}
	/* spare (unattached) interfaces and unassociated Elastic IPs */
	for (int k = 0; k < imax(2, n / 500); k++) {
		int sidx = priv_subs[(k * 7) % npriv];
		if (m->subs[sidx].next_host > 254)
			continue;
		int e = add_eni(m, E_SPARE, k, sidx, (3ull << 40) | (uint64_t)k);
		m->enis[e].sg[0] = m->vpcs[m->subs[sidx].vpc].sg_by_kind[G_APP][0];
		m->enis[e].nsg = 1;
	}
	for (int k = 0; k < imax(2, n / 500); k++)
		add_eip(m, -1);
	free(pub_subs);
	free(priv_subs);
}

/* ---------------------------------------------------------------- writers */

static const char *account_arn(const struct model *m, const char *fmt_rest)
{
	return F("arn:aws:ec2:%s:%s:%s", m->region, m->account, fmt_rest);
}

static void write_vpcs(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-vpcs");
	jw_arr(&w, "Vpcs");
	for (int v = 0; v < m->nvpc; v++) {
		jw_obj(&w, NULL);
		jw_str(&w, "CidrBlock", vpc_cidr(v));
		jw_str(&w, "DhcpOptionsId", ID("dopt", K_VPC, 0));
		jw_str(&w, "State", "available");
		jw_str(&w, "VpcId", ID("vpc", K_VPC, (uint64_t)v));
		jw_str(&w, "OwnerId", m->account);
		jw_str(&w, "InstanceTenancy", "default");
		if (m->vpcs[v].v6) {
			jw_arr(&w, "Ipv6CidrBlockAssociationSet");
			jw_obj(&w, NULL);
			jw_str(&w, "AssociationId",
			       ID("vpc-cidr-assoc", K_CIDRASSOC, (uint64_t)v * 2 + 1));
			jw_str(&w, "Ipv6CidrBlock", vpc_v6(v));
			jw_obj(&w, "Ipv6CidrBlockState");
			jw_str(&w, "State", "associated");
			jw_end(&w);
			jw_str(&w, "NetworkBorderGroup", m->region);
			jw_str(&w, "Ipv6Pool", "Amazon");
			jw_end(&w);
			jw_end(&w);
		}
		jw_arr(&w, "CidrBlockAssociationSet");
		jw_obj(&w, NULL);
		jw_str(&w, "AssociationId", ID("vpc-cidr-assoc", K_CIDRASSOC, (uint64_t)v * 2));
		jw_str(&w, "CidrBlock", vpc_cidr(v));
		jw_obj(&w, "CidrBlockState");
		jw_str(&w, "State", "associated");
		jw_end(&w);
		jw_end(&w);
		jw_end(&w);
		jw_bool(&w, "IsDefault", false);
		jw_arr(&w, "Tags");
		jw_tag(&w, "Name", F("vpc-%02d", v));
		jw_tag(&w, "Env", v == 0 ? "shared" : "prod");
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);
}

static void write_subnets(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-subnets");
	jw_arr(&w, "Subnets");
	for (int s = 0; s < m->nsub; s++) {
		const struct subnet *sn = &m->subs[s];
		bool v6 = m->vpcs[sn->vpc].v6;
		char sid[40];
		KEEP(sid, ID("subnet", K_SUBNET, (uint64_t)s));
		jw_obj(&w, NULL);
		jw_str(&w, "AvailabilityZone", m->az[sn->az]);
		jw_str(&w, "AvailabilityZoneId", F("apne1-az%d", sn->az + 1));
		jw_int(&w, "AvailableIpAddressCount", 251 - (sn->next_host - 4));
		jw_str(&w, "CidrBlock", sub_cidr(m, s));
		jw_bool(&w, "DefaultForAz", false);
		jw_bool(&w, "MapPublicIpOnLaunch", sn->pub);
		jw_bool(&w, "MapCustomerOwnedIpOnLaunch", false);
		jw_str(&w, "State", "available");
		jw_str(&w, "SubnetId", sid);
		jw_str(&w, "VpcId", ID("vpc", K_VPC, (uint64_t)sn->vpc));
		jw_str(&w, "OwnerId", m->account);
		jw_bool(&w, "AssignIpv6AddressOnCreation", false);
		jw_arr(&w, "Ipv6CidrBlockAssociationSet");
		if (v6) {
			jw_obj(&w, NULL);
			jw_str(&w, "AssociationId",
			       ID("subnet-cidr-assoc", K_CIDRASSOC, (1ull << 40) | (uint64_t)s));
			jw_str(&w, "Ipv6CidrBlock", sub_v6(m, s));
			jw_obj(&w, "Ipv6CidrBlockState");
			jw_str(&w, "State", "associated");
			jw_end(&w);
			jw_end(&w);
		}
		jw_end(&w);
		jw_arr(&w, "Tags");
		jw_tag(&w, "Name",
		       F("vpc-%02d-%s-%s-%d", sn->vpc, sn->pub ? "public" : "private",
			 m->az[sn->az] + strlen(m->region), sn->k));
		jw_tag(&w, "Tier", sn->pub ? "public" : "private");
		jw_end(&w);
		jw_str(&w, "SubnetArn", account_arn(m, F("subnet/%s", sid)));
		jw_bool(&w, "EnableDns64", false);
		jw_bool(&w, "Ipv6Native", false);
		jw_obj(&w, "PrivateDnsNameOptionsOnLaunch");
		jw_str(&w, "HostnameType", "ip-name");
		jw_bool(&w, "EnableResourceNameDnsARecord", false);
		jw_bool(&w, "EnableResourceNameDnsAAAARecord", false);
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);
}

static void write_gateways(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-internet-gateways");
	jw_arr(&w, "InternetGateways");
	for (int v = 0; v < m->nvpc; v++) {
		jw_obj(&w, NULL);
		jw_arr(&w, "Attachments");
		jw_obj(&w, NULL);
		jw_str(&w, "State", "available");
		jw_str(&w, "VpcId", ID("vpc", K_VPC, (uint64_t)v));
		jw_end(&w);
		jw_end(&w);
		jw_str(&w, "InternetGatewayId", ID("igw", K_IGW, (uint64_t)v));
		jw_str(&w, "OwnerId", m->account);
		jw_arr(&w, "Tags");
		jw_tag(&w, "Name", F("vpc-%02d-igw", v));
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "describe-egress-only-internet-gateways");
	jw_arr(&w, "EgressOnlyInternetGateways");
	for (int v = 0; v < m->nvpc; v++) {
		if (!m->vpcs[v].v6)
			continue;
		jw_obj(&w, NULL);
		jw_arr(&w, "Attachments");
		jw_obj(&w, NULL);
		jw_str(&w, "State", "attached");
		jw_str(&w, "VpcId", ID("vpc", K_VPC, (uint64_t)v));
		jw_end(&w);
		jw_end(&w);
		jw_str(&w, "EgressOnlyInternetGatewayId", ID("eigw", K_EIGW, (uint64_t)v));
		jw_arr(&w, "Tags");
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "describe-nat-gateways");
	jw_arr(&w, "NatGateways");
	for (int e = 0; e < m->neni; e++) {
		const struct eni *en = &m->enis[e];
		if (en->kind != E_NAT)
			continue;
		const struct eip *ip = &m->eips[en->eip];
		jw_obj(&w, NULL);
		jw_str(&w, "CreateTime", iso_time(86400ull * (uint64_t)(en->owner + 3)));
		jw_arr(&w, "NatGatewayAddresses");
		jw_obj(&w, NULL);
		jw_str(&w, "AllocationId", ID("eipalloc", K_EIP, (uint64_t)en->eip));
		jw_str(&w, "NetworkInterfaceId", ID("eni", K_ENI, en->code));
		jw_str(&w, "PrivateIp", priv_ip(m, en->subnet, en->host));
		jw_str(&w, "PublicIp", pub_ip(ip->addr));
		jw_str(&w, "AssociationId", ID("eipassoc", K_EIPASSOC, (uint64_t)en->eip));
		jw_bool(&w, "IsPrimary", true);
		jw_str(&w, "Status", "succeeded");
		jw_end(&w);
		jw_end(&w);
		jw_str(&w, "NatGatewayId", ID("nat", K_NAT, (uint64_t)en->owner));
		jw_str(&w, "State", "available");
		jw_str(&w, "SubnetId", ID("subnet", K_SUBNET, (uint64_t)en->subnet));
		jw_str(&w, "VpcId", ID("vpc", K_VPC, (uint64_t)m->subs[en->subnet].vpc));
		jw_arr(&w, "Tags");
		jw_tag(&w, "Name", F("nat-%d", en->owner));
		jw_end(&w);
		jw_str(&w, "ConnectivityType", "public");
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);
}

static void pcx_side(struct jw *w, const struct model *m, const char *key, int v)
{
	jw_obj(w, key);
	jw_str(w, "CidrBlock", vpc_cidr(v));
	jw_arr(w, "CidrBlockSet");
	jw_obj(w, NULL);
	jw_str(w, "CidrBlock", vpc_cidr(v));
	jw_end(w);
	jw_end(w);
	if (m->vpcs[v].v6) {
		jw_arr(w, "Ipv6CidrBlockSet");
		jw_obj(w, NULL);
		jw_str(w, "Ipv6CidrBlock", vpc_v6(v));
		jw_end(w);
		jw_end(w);
	}
	jw_str(w, "OwnerId", m->account);
	jw_obj(w, "PeeringOptions");
	jw_bool(w, "AllowDnsResolutionFromRemoteVpc", false);
	jw_bool(w, "AllowEgressFromLocalClassicLinkToRemoteVpc", false);
	jw_bool(w, "AllowEgressFromLocalVpcToRemoteClassicLink", false);
	jw_end(w);
	jw_str(w, "VpcId", ID("vpc", K_VPC, (uint64_t)v));
	jw_str(w, "Region", m->region);
	jw_end(w);
}

static void write_peering(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-vpc-peering-connections");
	jw_arr(&w, "VpcPeeringConnections");
	for (int p = 0; p < m->npcx; p++) {
		bool active = m->pcx[p][2];
		jw_obj(&w, NULL);
		pcx_side(&w, m, "AccepterVpcInfo", m->pcx[p][1]);
		if (!active)
			jw_str(&w, "ExpirationTime", iso_time(86400ull * 1200));
		pcx_side(&w, m, "RequesterVpcInfo", m->pcx[p][0]);
		jw_obj(&w, "Status");
		jw_str(&w, "Code", active ? "active" : "pending-acceptance");
		jw_str(&w, "Message",
		       active ? "Active" : F("Pending Acceptance by %s", m->account));
		jw_end(&w);
		jw_arr(&w, "Tags");
		jw_tag(&w, "Name", F("vpc-%02d-to-vpc-%02d", m->pcx[p][0], m->pcx[p][1]));
		jw_end(&w);
		jw_str(&w, "VpcPeeringConnectionId", ID("pcx", K_PCX, (uint64_t)p));
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);
}

static void route(struct jw *w, const char *dst, const char *tkey, const char *target,
		  const char *origin, const char *state)
{
	jw_obj(w, NULL);
	if (!strncmp(dst, "pl-", 3))
		jw_str(w, "DestinationPrefixListId", dst);
	else if (strchr(dst, ':'))
		jw_str(w, "DestinationIpv6CidrBlock", dst);
	else
		jw_str(w, "DestinationCidrBlock", dst);
	jw_str(w, tkey, target);
	jw_str(w, "Origin", origin);
	jw_str(w, "State", state);
	jw_end(w);
}

static const char *s3_pl(void)
{
	return ID("pl", K_PL, 1ull << 40);
}

/* Route tables of VPC v: 0 main, 1 public, 2-4 private per AZ, 5.. own. */
static void write_rtb(struct jw *w, const struct model *m, int v, int t)
{
	const struct vpc *vp = &m->vpcs[v];
	int id = vp->rtb_first + t;
	char rid[40];
	KEEP(rid, ID("rtb", K_RTB, (uint64_t)id));
	jw_obj(w, NULL);
	jw_arr(w, "Associations");
	if (t == 0) {
		jw_obj(w, NULL);
		jw_bool(w, "Main", true);
		jw_str(w, "RouteTableAssociationId",
		       ID("rtbassoc", K_RTBASSOC, 1ull << 40 | (uint64_t)v));
		jw_str(w, "RouteTableId", rid);
		jw_obj(w, "AssociationState");
		jw_str(w, "State", "associated");
		jw_end(w);
		jw_end(w);
	}
	for (int s = vp->sub_first; s < vp->sub_first + vp->nsub; s++) {
		if (m->subs[s].rtb != id)
			continue;
		jw_obj(w, NULL);
		jw_bool(w, "Main", false);
		jw_str(w, "RouteTableAssociationId", ID("rtbassoc", K_RTBASSOC, (uint64_t)s));
		jw_str(w, "RouteTableId", rid);
		jw_str(w, "SubnetId", ID("subnet", K_SUBNET, (uint64_t)s));
		jw_obj(w, "AssociationState");
		jw_str(w, "State", "associated");
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
	jw_arr(w, "PropagatingVgws");
	jw_end(w);
	jw_str(w, "RouteTableId", rid);
	jw_arr(w, "Routes");
	route(w, vpc_cidr(v), "GatewayId", "local", "CreateRouteTable", "active");
	int az = t >= 2 && t <= 4 ? t - 2 : 0;
	if (t >= 5) { /* own table: find its subnet's AZ */
		for (int s = vp->sub_first; s < vp->sub_first + vp->nsub; s++)
			if (m->subs[s].rtb == id)
				az = m->subs[s].az;
	}
	for (int k = 0; k < vp->npcx; k++) {
		int p = vp->pcx[k];
		int other = m->pcx[p][0] == v ? m->pcx[p][1] : m->pcx[p][0];
		if (t == 0 && k > 0)
			break; /* the main table only knows the first peer */
		route(w, vpc_cidr(other), "VpcPeeringConnectionId", ID("pcx", K_PCX, (uint64_t)p),
		      "CreateRoute", "active");
	}
	if (t != 0)
		route(w, "172.16.0.0/12", "TransitGatewayId", ID("tgw", K_TGW, 0), "CreateRoute",
		      "active");
	if (t >= 5)
		route(w, F("192.168.%d.0/24", id % 250), "VpcPeeringConnectionId",
		      ID("pcx", K_PCX, 1ull << 40 | (uint64_t)id), "CreateRoute", "blackhole");
	if (t == 1) {
		route(w, "0.0.0.0/0", "GatewayId", ID("igw", K_IGW, (uint64_t)v), "CreateRoute",
		      "active");
	} else {
		int ns = vp->nat_sub[az] >= 0 ? az : 0;
		route(w, "0.0.0.0/0", "NatGatewayId", ID("nat", K_NAT, (uint64_t)(v * 3 + ns)),
		      "CreateRoute", "active");
	}
	if (t != 0)
		route(w, s3_pl(), "GatewayId", ID("vpce", K_VPCE, (uint64_t)v), "CreateRoute",
		      "active");
	if (vp->v6) {
		route(w, vpc_v6(v), "GatewayId", "local", "CreateRouteTable", "active");
		if (t == 1)
			route(w, "::/0", "GatewayId", ID("igw", K_IGW, (uint64_t)v), "CreateRoute",
			      "active");
		else if (t != 0)
			route(w, "::/0", "EgressOnlyInternetGatewayId",
			      ID("eigw", K_EIGW, (uint64_t)v), "CreateRoute", "active");
	}
	jw_end(w);
	jw_arr(w, "Tags");
	static const char *const tname[] = { "main", "public", "private-a", "private-b",
					     "private-c" };
	jw_tag(w, "Name", F("vpc-%02d-%s", v, t < 5 ? tname[t] : F("own-%d", t)));
	jw_end(w);
	jw_str(w, "VpcId", ID("vpc", K_VPC, (uint64_t)v));
	jw_str(w, "OwnerId", m->account);
	jw_end(w);
}

static void write_route_tables(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-route-tables");
	jw_arr(&w, "RouteTables");
	for (int v = 0; v < m->nvpc; v++)
		for (int t = 0; t < m->vpcs[v].nrtb; t++)
			write_rtb(&w, m, v, t);
	jw_end(&w);
	jw_finish(&w);
}

static void nacl_entry(struct jw *w, const char *cidr, bool egress, const char *proto, int from,
		       int to, bool allow, int rule)
{
	jw_obj(w, NULL);
	jw_str(w, strchr(cidr, ':') ? "Ipv6CidrBlock" : "CidrBlock", cidr);
	jw_bool(w, "Egress", egress);
	if (!strcmp(proto, "1")) {
		jw_obj(w, "IcmpTypeCode");
		jw_int(w, "Code", -1);
		jw_int(w, "Type", from);
		jw_end(w);
	} else if (strcmp(proto, "-1")) {
		jw_obj(w, "PortRange");
		jw_int(w, "From", from);
		jw_int(w, "To", to);
		jw_end(w);
	}
	jw_str(w, "Protocol", proto);
	jw_str(w, "RuleAction", allow ? "allow" : "deny");
	jw_int(w, "RuleNumber", rule);
	jw_end(w);
}

static void write_nacls(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-network-acls");
	jw_arr(&w, "NetworkAcls");
	for (int v = 0; v < m->nvpc; v++) {
		const struct vpc *vp = &m->vpcs[v];
		for (int a = vp->nacl_first; a < vp->nacl_first + vp->nnacl; a++) {
			bool dflt = a == vp->nacl_first;
			struct rng r = rng_for(K_NACL, (uint64_t)a);
			jw_obj(&w, NULL);
			jw_arr(&w, "Associations");
			for (int s = vp->sub_first; s < vp->sub_first + vp->nsub; s++) {
				if (m->subs[s].nacl != a)
					continue;
				jw_obj(&w, NULL);
				jw_str(&w, "NetworkAclAssociationId",
				       ID("aclassoc", K_NACLASSOC, (uint64_t)s));
				jw_str(&w, "NetworkAclId", ID("acl", K_NACL, (uint64_t)a));
				jw_str(&w, "SubnetId", ID("subnet", K_SUBNET, (uint64_t)s));
				jw_end(&w);
			}
			jw_end(&w);
			jw_arr(&w, "Entries");
			/* egress: allow all, then the implicit deny */
			nacl_entry(&w, "0.0.0.0/0", true, "-1", 0, 0, true, 100);
			if (vp->v6)
				nacl_entry(&w, "::/0", true, "-1", 0, 0, true, 101);
			nacl_entry(&w, "0.0.0.0/0", true, "-1", 0, 0, false, 32767);
			if (vp->v6)
				nacl_entry(&w, "::/0", true, "-1", 0, 0, false, 32768);
			if (dflt) {
				nacl_entry(&w, "0.0.0.0/0", false, "-1", 0, 0, true, 100);
				if (vp->v6)
					nacl_entry(&w, "::/0", false, "-1", 0, 0, true, 101);
			} else {
				/* 1-14 extra ingress rules: denies first, then allows */
				int extra = (int)rrange(&r, 1, vp->v6 ? 12 : 14), rule = 10;
				static const int deny_ports[] = { 23,	445, 3389, 1433,
								  5900, 135, 139 };
				int ndeny = (int)rbelow(&r, (uint32_t)extra / 2 + 1);
				for (int k = 0; k < ndeny; k++, rule += 10) {
					int p = deny_ports[rbelow(&r, 7)];
					nacl_entry(&w,
						   rpct(&r, 50)
						       ? "0.0.0.0/0"
						       : F("%u.%u.0.0/16", rrange(&r, 30, 220),
							   rbelow(&r, 256)),
						   false, "6", p, p, false, rule);
				}
				rule = 100;
				static const int allow_ports[][2] = {
					{ 80, 80 },	 { 443, 443 },	 { 22, 22 },
					{ 1024, 65535 }, { 8080, 8080 }, { 25, 25 }
				};
				for (int k = ndeny; k < extra; k++, rule += 10) {
					if (k == extra - 1) {
						nacl_entry(&w, "10.0.0.0/8", false, "-1", 0, 0,
							   true, rule);
						break;
					}
					const int *pp = allow_ports[rbelow(&r, 6)];
					nacl_entry(&w, rpct(&r, 80) ? "0.0.0.0/0" : "10.0.0.0/8",
						   false, rpct(&r, 85) ? "6" : "17", pp[0], pp[1],
						   true, rule);
				}
				if (vp->v6) {
					nacl_entry(&w, "::/0", false, "6", 443, 443, true, 200);
					nacl_entry(&w, "::/0", false, "6", 1024, 65535, true, 210);
				}
			}
			nacl_entry(&w, "0.0.0.0/0", false, "-1", 0, 0, false, 32767);
			if (vp->v6)
				nacl_entry(&w, "::/0", false, "-1", 0, 0, false, 32768);
			jw_end(&w);
			jw_bool(&w, "IsDefault", dflt);
			jw_str(&w, "NetworkAclId", ID("acl", K_NACL, (uint64_t)a));
			jw_arr(&w, "Tags");
			if (!dflt)
				jw_tag(&w, "Name", F("vpc-%02d-acl-%d", v, a - vp->nacl_first));
			jw_end(&w);
			jw_str(&w, "VpcId", ID("vpc", K_VPC, (uint64_t)v));
			jw_str(&w, "OwnerId", m->account);
			jw_end(&w);
		}
	}
	jw_end(&w);
	jw_finish(&w);
}

/* One IpPermissions entry. Exactly one of cidr/cidr6/pl/sg is set per
 * source; up to two sources. */
struct src {
	const char *cidr, *cidr6, *pl, *desc;
	int sg;
};

static void perm(struct jw *w, const struct model *m, const char *proto, int from, int to,
		 const struct src *srcs, int nsrc)
{
	jw_obj(w, NULL);
	jw_str(w, "IpProtocol", proto);
	if (strcmp(proto, "-1")) {
		jw_int(w, "FromPort", from);
		jw_int(w, "ToPort", to);
	}
	jw_arr(w, "UserIdGroupPairs");
	for (int i = 0; i < nsrc; i++)
		if (srcs[i].sg >= 0) {
			jw_obj(w, NULL);
			if (srcs[i].desc)
				jw_str(w, "Description", srcs[i].desc);
			jw_str(w, "UserId", m->account);
			jw_str(w, "GroupId", ID("sg", K_SG, (uint64_t)srcs[i].sg));
			jw_end(w);
		}
	jw_end(w);
	jw_arr(w, "IpRanges");
	for (int i = 0; i < nsrc; i++)
		if (srcs[i].cidr) {
			jw_obj(w, NULL);
			if (srcs[i].desc)
				jw_str(w, "Description", srcs[i].desc);
			jw_str(w, "CidrIp", srcs[i].cidr);
			jw_end(w);
		}
	jw_end(w);
	jw_arr(w, "Ipv6Ranges");
	for (int i = 0; i < nsrc; i++)
		if (srcs[i].cidr6) {
			jw_obj(w, NULL);
			if (srcs[i].desc)
				jw_str(w, "Description", srcs[i].desc);
			jw_str(w, "CidrIpv6", srcs[i].cidr6);
			jw_end(w);
		}
	jw_end(w);
	jw_arr(w, "PrefixListIds");
	for (int i = 0; i < nsrc; i++)
		if (srcs[i].pl) {
			jw_obj(w, NULL);
			if (srcs[i].desc)
				jw_str(w, "Description", srcs[i].desc);
			jw_str(w, "PrefixListId", srcs[i].pl);
			jw_end(w);
		}
	jw_end(w);
	jw_end(w);
}

#define SRC_CIDR(c, d) ((struct src){ .cidr = (c), .desc = (d), .sg = -1 })
#define SRC_V6(c, d)   ((struct src){ .cidr6 = (c), .desc = (d), .sg = -1 })
#define SRC_PL(p, d)   ((struct src){ .pl = (p), .desc = (d), .sg = -1 })
#define SRC_SG(g, d)   ((struct src){ .sg = (g), .desc = (d) })

static const char *office(struct rng *r)
{
	static const char *const o[] = { "160.16.45.120/32", "153.120.18.64/27", "203.141.9.0/29",
					 "126.72.0.14/32", "60.32.180.0/28" };
	return o[rbelow(r, 5)];
}

static void sg_ingress(struct jw *w, const struct model *m, int g)
{
	const struct sg *sg = &m->sgs[g];
	const struct vpc *vp = &m->vpcs[sg->vpc];
	struct rng r = rng_for(K_SG, (uint64_t)g + (2ull << 40));
	struct src s[2];
	char vc[32], pl[32];
	int port;
	KEEP(vc, vpc_cidr(sg->vpc));
	KEEP(pl, ID("pl", K_PL, (uint64_t)(sg->pl < 0 ? 0 : sg->pl)));

	if (g == vp->sg_default) {
		s[0] = SRC_SG(g, NULL);
		perm(w, m, "-1", 0, 0, s, 1);
		return;
	}
	switch (sg->kind) {
	case G_WEB:
		s[0] = SRC_CIDR("0.0.0.0/0", "http");
		s[1] = SRC_V6("::/0", "http");
		perm(w, m, "tcp", 80, 80, s, vp->v6 ? 2 : 1);
		s[0].desc = s[1].desc = "https";
		perm(w, m, "tcp", 443, 443, s, vp->v6 ? 2 : 1);
		if (rpct(&r, 12)) {
			s[0] = SRC_CIDR("0.0.0.0/0", "temporary debug");
			perm(w, m, "tcp", 22, 22, s, 1);
		}
		if (rpct(&r, 40)) {
			s[0] = SRC_CIDR(vc, "health checks");
			perm(w, m, "tcp", 8080, 8080, s, 1);
		}
		break;
	case G_APP:
		s[0] = SRC_SG(vp->sg_by_kind[G_ALB][0], "from alb");
		s[1] = SRC_SG(sg->ref, "from web tier");
		perm(w, m, "tcp", 8080, 8080, s, sg->ref >= 0 ? 2 : 1);
		if (rpct(&r, 50)) {
			s[0] = SRC_CIDR(vc, NULL);
			perm(w, m, "tcp", 9000, 9100, s, 1);
		}
		if (rpct(&r, 6)) {
			s[0] = SRC_CIDR("0.0.0.0/0", NULL);
			perm(w, m, "tcp", 22, 22, s, 1);
		}
		break;
	case G_DB:
		s[0] = sg->ref >= 0 ? SRC_SG(sg->ref, "from app tier") : SRC_CIDR(vc, NULL);
		port = rpct(&r, 50) ? 3306 : 5432;
		perm(w, m, "tcp", port, port, s, 1);
		if (rpct(&r, 30)) {
			s[0] = SRC_CIDR("10.0.0.0/8", "redis");
			perm(w, m, "tcp", 6379, 6379, s, 1);
		}
		if (rpct(&r, 3)) {
			s[0] = SRC_CIDR("0.0.0.0/0", "vendor access");
			perm(w, m, "tcp", 3306, 3306, s, 1);
		}
		break;
	case G_BATCH:
		if (rpct(&r, 60)) {
			s[0] = SRC_CIDR(vc, NULL);
			perm(w, m, "tcp", 22, 22, s, 1);
		}
		break;
	case G_BASTION:
		s[0] = rpct(&r, 50) ? SRC_CIDR("0.0.0.0/0", "ssh") : SRC_CIDR(office(&r), "office");
		perm(w, m, "tcp", 22, 22, s, 1);
		s[0] = SRC_CIDR(office(&r), "rdp from office");
		perm(w, m, "tcp", 3389, 3389, s, 1);
		break;
	case G_MISC: {
		int k = (int)rrange(&r, 1, 6);
		for (int i = 0; i < k; i++) {
			int p = (int)rrange(&r, 1, 60000);
			switch (rbelow(&r, 6)) {
			case 0:
				s[0] = SRC_CIDR("0.0.0.0/0", NULL);
				perm(w, m, "icmp", 8, -1, s, 1);
				break;
			case 1:
				s[0] = SRC_CIDR(F("%u.%u.%u.0/24", rrange(&r, 30, 220),
						  rbelow(&r, 256), rbelow(&r, 256)),
						"partner");
				perm(w, m, "tcp", p, p + (int)rbelow(&r, 10), s, 1);
				break;
			case 2:
				s[0] = SRC_CIDR("10.0.0.0/8", NULL);
				perm(w, m, "udp", 53, 53, s, 1);
				break;
			case 3:
				s[0] = SRC_CIDR(office(&r), NULL);
				s[1] = SRC_CIDR(office(&r), NULL);
				perm(w, m, "tcp", p, p, s, s[0].cidr == s[1].cidr ? 1 : 2);
				break;
			case 4:
				s[0] = SRC_PL(pl, NULL);
				perm(w, m, "tcp", 443, 443, s, 1);
				break;
			default:
				s[0] =
				    rpct(&r, 10) ? SRC_CIDR("0.0.0.0/0", NULL) : SRC_CIDR(vc, NULL);
				perm(w, m, rpct(&r, 20) ? "-1" : "tcp", p, p, s, 1);
				break;
			}
		}
		break;
	}
	case G_ADMIN:
		s[0] = SRC_CIDR(office(&r), "office");
		s[1] = SRC_CIDR("160.16.45.120/32", "vpn");
		perm(w, m, "tcp", 22, 22, s, 2);
		s[0] = SRC_CIDR(office(&r), "office");
		perm(w, m, "tcp", 3389, 3389, s, 1);
		if (rpct(&r, 40))
			perm(w, m, "tcp", 5985, 5986, s, 1);
		if (rpct(&r, 8)) {
			s[0] = SRC_CIDR("0.0.0.0/0", "ssh from anywhere (temporary)");
			perm(w, m, "tcp", 22, 22, s, 1);
		}
		break;
	case G_MON:
		s[0] = SRC_PL(pl, "monitoring vendor");
		perm(w, m, "tcp", 9100, 9100, s, 1);
		perm(w, m, "udp", 161, 161, s, 1);
		perm(w, m, "icmp", -1, -1, s, 1);
		break;
	case G_INTERNAL:
		s[0] = SRC_CIDR(vc, "vpc");
		s[1] = SRC_CIDR("10.0.0.0/16", "shared services");
		perm(w, m, "-1", 0, 0, s, 2);
		break;
	case G_ALB:
		s[0] = SRC_CIDR("0.0.0.0/0", NULL);
		s[1] = SRC_V6("::/0", NULL);
		perm(w, m, "tcp", 443, 443, s, vp->v6 ? 2 : 1);
		perm(w, m, "tcp", 80, 80, s, vp->v6 ? 2 : 1);
		break;
	case G__N:
		BUG("bad group kind");
	}
}

static void write_sgs(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-security-groups");
	jw_arr(&w, "SecurityGroups");
	for (int g = 0; g < m->nsg; g++) {
		const struct sg *sg = &m->sgs[g];
		bool dflt = g == m->vpcs[sg->vpc].sg_default;
		struct rng r = rng_for(K_SG, (uint64_t)g + (3ull << 40));
		char gid[40], name[64];
		KEEP(gid, ID("sg", K_SG, (uint64_t)g));
		KEEP(name, dflt ? "default" : F("%s-%d", sgkind_name[sg->kind], g));
		jw_obj(&w, NULL);
		jw_str(&w, "GroupId", gid);
		jw_arr(&w, "IpPermissionsEgress");
		struct src s[2] = { SRC_CIDR("0.0.0.0/0", NULL), SRC_V6("::/0", NULL) };
		if (dflt || rpct(&r, 85)) {
			perm(&w, m, "-1", 0, 0, s, m->vpcs[sg->vpc].v6 ? 2 : 1);
		} else {
			perm(&w, m, "tcp", 443, 443, s, 1);
			s[0] = SRC_CIDR(vpc_cidr(sg->vpc), "dns");
			perm(&w, m, "udp", 53, 53, s, 1);
		}
		jw_end(&w);
		jw_arr(&w, "Tags");
		if (!dflt) {
			jw_tag(&w, "Name", name);
			jw_tag(&w, "Team", F("team-%u", rbelow(&r, 12)));
		}
		jw_end(&w);
		jw_str(&w, "VpcId", ID("vpc", K_VPC, (uint64_t)sg->vpc));
		jw_str(&w, "SecurityGroupArn", account_arn(m, F("security-group/%s", gid)));
		jw_str(&w, "OwnerId", m->account);
		jw_str(&w, "GroupName", name);
		jw_str(&w, "Description",
		       dflt ? "default VPC security group"
			    : F("%s servers", sgkind_name[sg->kind]));
		jw_arr(&w, "IpPermissions");
		sg_ingress(&w, m, g);
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);
}

static void write_prefix_lists(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-managed-prefix-lists");
	jw_arr(&w, "PrefixLists");
	for (int p = 0; p <= m->npl; p++) {
		bool aws = p == m->npl;
		char id[40];
		KEEP(id, aws ? s3_pl() : ID("pl", K_PL, (uint64_t)p));
		jw_obj(&w, NULL);
		jw_str(&w, "PrefixListId", id);
		jw_str(&w, "AddressFamily", "IPv4");
		jw_str(&w, "State", "create-complete");
		jw_str(
		    &w, "PrefixListArn",
		    F("arn:aws:ec2:%s:%s:prefix-list/%s", m->region, aws ? "aws" : m->account, id));
		jw_str(&w, "PrefixListName",
		       aws ? F("com.amazonaws.%s.s3", m->region) : F("partners-%d", p));
		if (!aws) {
			jw_int(&w, "MaxEntries", 40);
			jw_int(&w, "Version", 1 + p % 5);
		}
		jw_arr(&w, "Tags");
		jw_end(&w);
		jw_str(&w, "OwnerId", aws ? "AWS" : m->account);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	for (int p = 0; p <= m->npl; p++) {
		bool aws = p == m->npl;
		struct rng r = rng_for(K_PL, (uint64_t)p);
		jw_begin(&w, dir,
			 F("prefix-list-entries-%s", aws ? s3_pl() : ID("pl", K_PL, (uint64_t)p)));
		jw_arr(&w, "Entries");
		int k = aws ? 4 : (int)rrange(&r, 3, 30);
		for (int i = 0; i < k; i++) {
			jw_obj(&w, NULL);
			if (aws) {
				static const char *const s3[] = { "3.5.152.0/21", "52.219.0.0/20",
								  "52.219.16.0/22",
								  "52.219.68.0/22" };
				jw_str(&w, "Cidr", s3[i]);
			} else {
				jw_str(&w, "Cidr",
				       F("%u.%u.%u.%u/%u", rrange(&r, 30, 220), rbelow(&r, 256),
					 rbelow(&r, 256), 0u, 24u));
				jw_str(&w, "Description", F("site %d", i));
			}
			jw_end(&w);
		}
		jw_end(&w);
		jw_finish(&w);
	}
	jw_begin(&w, dir, "describe-prefix-lists");
	jw_arr(&w, "PrefixLists");
	jw_obj(&w, NULL);
	jw_arr(&w, "Cidrs");
	jw_str(&w, NULL, "3.5.152.0/21");
	jw_str(&w, NULL, "52.219.0.0/20");
	jw_str(&w, NULL, "52.219.16.0/22");
	jw_str(&w, NULL, "52.219.68.0/22");
	jw_end(&w);
	jw_str(&w, "PrefixListId", s3_pl());
	jw_str(&w, "PrefixListName", F("com.amazonaws.%s.s3", m->region));
	jw_end(&w);
	jw_end(&w);
	jw_finish(&w);
}

static const char *eni_public(const struct model *m, const struct eni *en, bool *is_eip)
{
	*is_eip = en->eip >= 0;
	if (en->eip >= 0)
		return pub_ip(m->eips[en->eip].addr);
	if (en->pub)
		return pub_ip(en->pub);
	return NULL;
}

static void eni_assoc(struct jw *w, const struct model *m, const struct eni *en, bool api)
{
	bool eip;
	const char *pub = eni_public(m, en, &eip);
	if (!pub)
		return;
	char p[32];
	KEEP(p, pub);
	jw_obj(w, "Association");
	if (api && eip) {
		jw_str(w, "AllocationId", ID("eipalloc", K_EIP, (uint64_t)en->eip));
		jw_str(w, "AssociationId", ID("eipassoc", K_EIPASSOC, (uint64_t)en->eip));
	}
	jw_str(w, "IpOwnerId", eip ? m->account : "amazon");
	jw_str(w, "PublicDnsName", dns_pub(m, p));
	jw_str(w, "PublicIp", p);
	jw_end(w);
}

/* One ENI: the copy inside describe-instances (api = false) or the record
 * of describe-network-interfaces (api = true). */
static void write_eni(struct jw *w, const struct model *m, int e, bool api)
{
	const struct eni *en = &m->enis[e];
	const struct subnet *sn = &m->subs[en->subnet];
	char ip[32], eid[40];
	KEEP(ip, priv_ip(m, en->subnet, en->host));
	KEEP(eid, ID("eni", K_ENI, en->code));
	bool managed = en->kind == E_NAT || en->kind == E_LB;
	bool running = en->kind != E_INST || m->insts[en->owner].running;
	jw_obj(w, NULL);
	if (running || en->eip >= 0)
		eni_assoc(w, m, en, api);
	if (en->kind != E_SPARE) {
		jw_obj(w, "Attachment");
		if (en->kind == E_INST)
			jw_str(w, "AttachTime", launch_time(en->owner));
		jw_str(w, "AttachmentId",
		       managed ? ID("ela-attach", K_ATTACH, en->code)
			       : ID("eni-attach", K_ATTACH, en->code));
		jw_bool(w, "DeleteOnTermination", en->kind == E_INST && en->device == 0);
		jw_int(w, "DeviceIndex", en->device);
		if (en->kind == E_INST) {
			jw_int(w, "NetworkCardIndex", 0);
			if (api) {
				jw_str(w, "InstanceId", ID("i", K_INST, (uint64_t)en->owner));
				jw_str(w, "InstanceOwnerId", m->account);
			}
		} else {
			jw_str(w, "InstanceOwnerId",
			       en->kind == E_NAT ? "amazon-aws" : "amazon-elb");
		}
		jw_str(w, "Status", "attached");
		jw_end(w);
	}
	if (api)
		jw_str(w, "AvailabilityZone", m->az[sn->az]);
	jw_str(w, "Description",
	       en->kind == E_NAT
		   ? F("Interface for NAT Gateway %s", ID("nat", K_NAT, (uint64_t)en->owner))
	       : en->kind == E_LB
		   ? F("ELB %s/lb-%d/%016" PRIx64, m->lbs[en->owner].nlb ? "net" : "app", en->owner,
		       mix64((uint64_t)en->owner))
	       : en->kind == E_SPARE ? "spare interface"
				     : "");
	jw_arr(w, "Groups");
	for (int k = 0; k < en->nsg; k++) {
		int g = en->sg[k];
		jw_obj(w, NULL);
		jw_str(w, "GroupName",
		       g == m->vpcs[m->sgs[g].vpc].sg_default
			   ? "default"
			   : F("%s-%d", sgkind_name[m->sgs[g].kind], g));
		jw_str(w, "GroupId", ID("sg", K_SG, (uint64_t)g));
		jw_end(w);
	}
	jw_end(w);
	if (api)
		jw_str(w, "InterfaceType",
		       en->kind == E_NAT			   ? "nat_gateway"
		       : en->kind == E_LB && m->lbs[en->owner].nlb ? "network_load_balancer"
								   : "interface");
	jw_arr(w, "Ipv6Addresses");
	if (en->v6) {
		jw_obj(w, NULL);
		jw_str(w, "Ipv6Address", v6_ip(m, en->subnet, en->host));
		jw_bool(w, "IsPrimaryIpv6", false);
		jw_end(w);
	}
	jw_end(w);
	jw_str(w, "MacAddress", mac(en->code));
	jw_str(w, "NetworkInterfaceId", eid);
	jw_str(w, "OwnerId", m->account);
	jw_str(w, "PrivateDnsName", dns_priv(m, ip));
	jw_str(w, "PrivateIpAddress", ip);
	jw_arr(w, "PrivateIpAddresses");
	jw_obj(w, NULL);
	if (running || en->eip >= 0)
		eni_assoc(w, m, en, api);
	jw_bool(w, "Primary", true);
	jw_str(w, "PrivateDnsName", dns_priv(m, ip));
	jw_str(w, "PrivateIpAddress", ip);
	jw_end(w);
	jw_end(w);
	if (api) {
		jw_arr(w, "Ipv4Prefixes");
		jw_end(w);
		jw_arr(w, "Ipv6Prefixes");
		jw_end(w);
		if (managed)
			jw_str(w, "RequesterId", en->kind == E_NAT ? "807346611072" : "amazon-elb");
		jw_bool(w, "RequesterManaged", managed);
	}
	jw_bool(w, "SourceDestCheck", en->kind != E_NAT);
	jw_str(w, "Status", en->kind == E_SPARE ? "available" : "in-use");
	jw_str(w, "SubnetId", ID("subnet", K_SUBNET, (uint64_t)en->subnet));
	if (api) {
		jw_arr(w, "TagSet");
		jw_end(w);
	}
	jw_str(w, "VpcId", ID("vpc", K_VPC, (uint64_t)sn->vpc));
	if (!api)
		jw_str(w, "InterfaceType", "interface");
	jw_end(w);
}

static const char *const itypes[] = { "t3.micro",   "t3.small", "t3.medium", "m5.large",
				      "m5.xlarge",  "c5.large", "r5.large",  "m6i.large",
				      "c6g.medium", "m6g.large" };

static const char *ami_id(int ami)
{
	if (ami >= 0)
		return ID("ami", K_AMI, (uint64_t)ami);
	return ID("ami", K_AMI, (1ull << 40) | (uint64_t)(-ami));
}

static void write_instance(struct jw *w, const struct model *m, int i)
{
	const struct inst *in = &m->insts[i];
	const struct subnet *sn = &m->subs[in->subnet];
	const struct eni *primary = &m->enis[in->eni_first];
	struct rng r = rng_for(K_INST, (uint64_t)i + (2ull << 40));
	const char *itype = itypes[rbelow(&r, 10)];
	bool arm = strstr(itype, "6g.") != NULL;
	char lt[40], ip[32], pubbuf[32];
	KEEP(lt, launch_time(i));
	KEEP(ip, priv_ip(m, in->subnet, primary->host));
	bool eip;
	const char *pub = eni_public(m, primary, &eip);
	if (pub)
		pub = KEEP(pubbuf, pub) > 0 ? pubbuf : NULL;
	if (!in->running && !eip)
		pub = NULL;

	jw_obj(w, NULL);
	jw_int(w, "AmiLaunchIndex", in->launch_index);
	jw_str(w, "ImageId", ami_id(in->ami));
	jw_str(w, "InstanceId", ID("i", K_INST, (uint64_t)i));
	jw_str(w, "InstanceType", itype);
	jw_str(w, "KeyName", F("%s-key-%u", tier_name[in->tier], rbelow(&r, 4)));
	jw_str(w, "LaunchTime", lt);
	jw_obj(w, "Monitoring");
	jw_str(w, "State", rpct(&r, 20) ? "enabled" : "disabled");
	jw_end(w);
	jw_obj(w, "Placement");
	jw_str(w, "AvailabilityZone", m->az[sn->az]);
	jw_str(w, "GroupName", "");
	jw_str(w, "Tenancy", "default");
	jw_end(w);
	jw_str(w, "PrivateDnsName", dns_priv(m, ip));
	jw_str(w, "PrivateIpAddress", ip);
	jw_arr(w, "ProductCodes");
	jw_end(w);
	jw_str(w, "PublicDnsName", pub ? dns_pub(m, pub) : "");
	if (pub)
		jw_str(w, "PublicIpAddress", pub);
	jw_obj(w, "State");
	jw_int(w, "Code", in->running ? 16 : 80);
	jw_str(w, "Name", in->running ? "running" : "stopped");
	jw_end(w);
	jw_str(w, "StateTransitionReason",
	       in->running ? "" : F("User initiated (%.10s 09:12:44 GMT)", lt));
	jw_str(w, "SubnetId", ID("subnet", K_SUBNET, (uint64_t)in->subnet));
	jw_str(w, "VpcId", ID("vpc", K_VPC, (uint64_t)sn->vpc));
	jw_str(w, "Architecture", arm ? "arm64" : "x86_64");
	jw_arr(w, "BlockDeviceMappings");
	for (int d = 0; d < 1 + in->data_vol; d++) {
		jw_obj(w, NULL);
		jw_str(w, "DeviceName", d ? "/dev/sdf" : "/dev/xvda");
		jw_obj(w, "Ebs");
		jw_str(w, "AttachTime", lt);
		jw_bool(w, "DeleteOnTermination", !d);
		jw_str(w, "Status", "attached");
		jw_str(w, "VolumeId", ID("vol", K_VOL, (uint64_t)i * 2 + (uint64_t)d));
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
	jw_str(w, "ClientToken", F("terraform-%016" PRIx64, mix64((uint64_t)i)));
	jw_bool(w, "EbsOptimized", true);
	jw_bool(w, "EnaSupport", true);
	jw_str(w, "Hypervisor", "xen");
	if (in->profile >= 0) {
		jw_obj(w, "IamInstanceProfile");
		jw_str(w, "Arn",
		       F("arn:aws:iam::%s:instance-profile/profile-%d", m->account, in->profile));
		jw_str(w, "Id", F("AIPA%016" PRIX64, mix64((uint64_t)in->profile + 77)));
		jw_end(w);
	}
	jw_arr(w, "NetworkInterfaces");
	for (int k = 0; k < in->neni; k++)
		write_eni(w, m, in->eni_first + k, false);
	jw_end(w);
	jw_str(w, "RootDeviceName", "/dev/xvda");
	jw_str(w, "RootDeviceType", "ebs");
	jw_arr(w, "SecurityGroups");
	for (int k = 0; k < in->nsg; k++) {
		int g = in->sg[k];
		jw_obj(w, NULL);
		jw_str(w, "GroupName",
		       g == m->vpcs[m->sgs[g].vpc].sg_default
			   ? "default"
			   : F("%s-%d", sgkind_name[m->sgs[g].kind], g));
		jw_str(w, "GroupId", ID("sg", K_SG, (uint64_t)g));
		jw_end(w);
	}
	jw_end(w);
	jw_bool(w, "SourceDestCheck", true);
	jw_arr(w, "Tags");
	jw_tag(w, "Name", F("%s-%05d", tier_name[in->tier], i));
	static const char *const env[] = { "prod", "prod", "stg", "dev" };
	jw_tag(w, "Env", env[rbelow(&r, 4)]);
	jw_tag(w, "Team", F("team-%u", rbelow(&r, 12)));
	jw_tag(w, "Service", F("svc-%02u", rbelow(&r, 40)));
	jw_tag(w, "CostCenter", F("cc-%04u", rrange(&r, 1000, 1099)));
	if (rpct(&r, 70))
		jw_tag(w, "ManagedBy", "terraform");
	if (rpct(&r, 30))
		jw_tag(w, "aws:autoscaling:groupName",
		       F("%s-asg-%u", tier_name[in->tier], rbelow(&r, 30)));
	jw_end(w);
	jw_str(w, "VirtualizationType", "hvm");
	jw_obj(w, "CpuOptions");
	jw_int(w, "CoreCount", 1);
	jw_int(w, "ThreadsPerCore", 2);
	jw_end(w);
	jw_obj(w, "MetadataOptions");
	jw_str(w, "State", "applied");
	jw_str(w, "HttpTokens", rpct(&r, 60) ? "required" : "optional");
	jw_int(w, "HttpPutResponseHopLimit", rpct(&r, 70) ? 1 : 2);
	jw_str(w, "HttpEndpoint", rpct(&r, 3) ? "disabled" : "enabled");
	jw_str(w, "HttpProtocolIpv6", "disabled");
	jw_str(w, "InstanceMetadataTags", "disabled");
	jw_end(w);
	jw_str(w, "PlatformDetails", "Linux/UNIX");
	jw_str(w, "UsageOperation", "RunInstances");
	jw_str(w, "UsageOperationUpdateTime", lt);
	jw_obj(w, "MaintenanceOptions");
	jw_str(w, "AutoRecovery", "default");
	jw_end(w);
	jw_end(w);
}

static void write_instances(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-instances");
	jw_arr(&w, "Reservations");
	for (int i = 0; i < m->ninst;) {
		int resv = m->insts[i].resv;
		jw_obj(&w, NULL);
		jw_arr(&w, "Groups");
		jw_end(&w);
		jw_arr(&w, "Instances");
		for (; i < m->ninst && m->insts[i].resv == resv; i++)
			write_instance(&w, m, i);
		jw_end(&w);
		jw_str(&w, "OwnerId", m->account);
		jw_str(&w, "ReservationId", ID("r", K_RESV, (uint64_t)resv));
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "describe-network-interfaces");
	jw_arr(&w, "NetworkInterfaces");
	for (int e = 0; e < m->neni; e++)
		write_eni(&w, m, e, true);
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "describe-addresses");
	jw_arr(&w, "Addresses");
	for (int a = 0; a < m->neip; a++) {
		const struct eip *ip = &m->eips[a];
		jw_obj(&w, NULL);
		if (ip->eni >= 0 && m->enis[ip->eni].kind == E_INST)
			jw_str(&w, "InstanceId", ID("i", K_INST, (uint64_t)m->enis[ip->eni].owner));
		jw_str(&w, "PublicIp", pub_ip(ip->addr));
		jw_str(&w, "AllocationId", ID("eipalloc", K_EIP, (uint64_t)a));
		if (ip->eni >= 0) {
			const struct eni *en = &m->enis[ip->eni];
			jw_str(&w, "AssociationId", ID("eipassoc", K_EIPASSOC, (uint64_t)a));
			jw_str(&w, "Domain", "vpc");
			jw_str(&w, "NetworkInterfaceId", ID("eni", K_ENI, en->code));
			jw_str(&w, "NetworkInterfaceOwnerId", m->account);
			jw_str(&w, "PrivateIpAddress", priv_ip(m, en->subnet, en->host));
		} else {
			jw_str(&w, "Domain", "vpc");
		}
		jw_arr(&w, "Tags");
		jw_end(&w);
		jw_str(&w, "PublicIpv4Pool", "amazon");
		jw_str(&w, "NetworkBorderGroup", m->region);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);
}

static const char *kms(const struct model *m)
{
	return F("arn:aws:kms:%s:%s:key/1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b", m->region,
		 m->account);
}

static void write_volume(struct jw *w, const struct model *m, uint64_t code, int inst, int d)
{
	struct rng r = rng_for(K_VOL, code);
	bool enc = rpct(&r, d ? 70 : 80);
	jw_obj(w, NULL);
	jw_arr(w, "Attachments");
	if (inst >= 0) {
		jw_obj(w, NULL);
		jw_str(w, "AttachTime", launch_time(inst));
		jw_str(w, "Device", d ? "/dev/sdf" : "/dev/xvda");
		jw_str(w, "InstanceId", ID("i", K_INST, (uint64_t)inst));
		jw_str(w, "State", "attached");
		jw_str(w, "VolumeId", ID("vol", K_VOL, code));
		jw_bool(w, "DeleteOnTermination", !d);
		jw_end(w);
	}
	jw_end(w);
	jw_str(w, "AvailabilityZone",
	       m->az[inst >= 0 ? m->subs[m->insts[inst].subnet].az : (int)(code % 3)]);
	jw_str(w, "CreateTime", inst >= 0 ? launch_time(inst) : iso_time(code * 3600));
	jw_bool(w, "Encrypted", enc);
	if (enc)
		jw_str(w, "KmsKeyId", kms(m));
	jw_int(w, "Size", d ? 100 + 50 * (int)rbelow(&r, 8) : 8 << rbelow(&r, 3));
	jw_str(w, "SnapshotId", d ? "" : ID("snap", K_SNAP, 1ull << 40));
	jw_str(w, "State", inst >= 0 ? "in-use" : "available");
	jw_str(w, "VolumeId", ID("vol", K_VOL, code));
	jw_int(w, "Iops", 3000);
	jw_str(w, "VolumeType", "gp3");
	jw_bool(w, "MultiAttachEnabled", false);
	jw_int(w, "Throughput", 125);
	jw_end(w);
}

static void write_storage(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-volumes");
	jw_arr(&w, "Volumes");
	for (int i = 0; i < m->ninst; i++) {
		write_volume(&w, m, (uint64_t)i * 2, i, 0);
		if (m->insts[i].data_vol)
			write_volume(&w, m, (uint64_t)i * 2 + 1, i, 1);
	}
	for (int k = 0; k < imax(2, m->ninst / 50); k++)
		write_volume(&w, m, (1ull << 41) | (uint64_t)k, -1, 1);
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "describe-snapshots");
	jw_arr(&w, "Snapshots");
	for (int s = 0; s < m->nsnap; s++) {
		struct rng r = rng_for(K_SNAP, (uint64_t)s);
		int inst = (int)rbelow(&r, (uint32_t)m->ninst);
		bool enc = rpct(&r, 75);
		jw_obj(&w, NULL);
		jw_str(&w, "Description",
		       F("nightly backup of %s", ID("i", K_INST, (uint64_t)inst)));
		jw_bool(&w, "Encrypted", enc);
		if (enc)
			jw_str(&w, "KmsKeyId", kms(m));
		jw_str(&w, "OwnerId", m->account);
		jw_str(&w, "Progress", "100%");
		jw_str(&w, "SnapshotId", ID("snap", K_SNAP, (uint64_t)s));
		jw_str(&w, "StartTime", iso_time(rnext(&r) % (86400ull * 365 * 3)));
		jw_str(&w, "State", "completed");
		jw_str(&w, "VolumeId", ID("vol", K_VOL, (uint64_t)inst * 2));
		jw_int(&w, "VolumeSize", 8);
		jw_arr(&w, "Tags");
		jw_tag(&w, "Name", F("backup-%d", s));
		jw_end(&w);
		jw_str(&w, "StorageTier", "standard");
		jw_end(&w);
	}
	for (int a = 0; a < m->nami; a++) { /* the AMIs' own snapshots */
		jw_obj(&w, NULL);
		jw_str(&w, "Description",
		       F("Created by CreateImage(%s) for %s", ID("i", K_INST, (uint64_t)a),
			 ami_id(a)));
		jw_bool(&w, "Encrypted", a % 3 != 0);
		if (a % 3 != 0)
			jw_str(&w, "KmsKeyId", kms(m));
		jw_str(&w, "OwnerId", m->account);
		jw_str(&w, "Progress", "100%");
		jw_str(&w, "SnapshotId", ID("snap", K_SNAP, (1ull << 40) | (uint64_t)a));
		jw_str(&w, "StartTime", iso_time(86400ull * (uint64_t)(a * 30)));
		jw_str(&w, "State", "completed");
		jw_str(&w, "VolumeId", "vol-ffffffff");
		jw_int(&w, "VolumeSize", 8);
		jw_str(&w, "StorageTier", "standard");
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	for (int s = 0; s < m->nsnap + m->nami; s++) {
		struct rng r = rng_for(K_SNAP, (uint64_t)s + (1ull << 41));
		bool ami = s >= m->nsnap;
		char id[40];
		KEEP(id, ID("snap", K_SNAP,
			    ami ? (1ull << 40) | (uint64_t)(s - m->nsnap) : (uint64_t)s));
		jw_begin(&w, dir, F("snapshot-attribute-%s", id));
		jw_str(&w, "SnapshotId", id);
		jw_arr(&w, "CreateVolumePermissions");
		uint32_t p = ami ? 100 : rbelow(&r, 100);
		if (p < 2) {
			jw_obj(&w, NULL);
			jw_str(&w, "Group", "all");
			jw_end(&w);
		} else if (p < 10) {
			jw_obj(&w, NULL);
			jw_str(&w, "UserId", "444455556666");
			jw_end(&w);
		}
		jw_end(&w);
		jw_finish(&w);
	}

	jw_begin(&w, dir, "describe-images");
	jw_arr(&w, "Images");
	for (int a = 0; a < m->nami; a++) {
		char id[40];
		KEEP(id, ID("ami", K_AMI, (uint64_t)a));
		jw_obj(&w, NULL);
		jw_str(&w, "Architecture", "x86_64");
		jw_str(&w, "CreationDate",
		       F("%.19s.000Z", iso_time(86400ull * (uint64_t)(a * 30))));
		jw_str(&w, "ImageId", id);
		jw_str(&w, "ImageLocation", F("%s/base-%02d", m->account, a));
		jw_str(&w, "ImageType", "machine");
		jw_bool(&w, "Public", a == 7);
		jw_str(&w, "OwnerId", m->account);
		jw_str(&w, "PlatformDetails", "Linux/UNIX");
		jw_str(&w, "UsageOperation", "RunInstances");
		jw_str(&w, "State", "available");
		jw_arr(&w, "BlockDeviceMappings");
		jw_obj(&w, NULL);
		jw_str(&w, "DeviceName", "/dev/xvda");
		jw_obj(&w, "Ebs");
		jw_bool(&w, "DeleteOnTermination", true);
		jw_str(&w, "SnapshotId", ID("snap", K_SNAP, (1ull << 40) | (uint64_t)a));
		jw_int(&w, "VolumeSize", 8);
		jw_str(&w, "VolumeType", "gp3");
		jw_bool(&w, "Encrypted", a % 3 != 0);
		jw_end(&w);
		jw_end(&w);
		jw_end(&w);
		jw_bool(&w, "EnaSupport", true);
		jw_str(&w, "Hypervisor", "xen");
		jw_str(&w, "Name", F("base-%02d", a));
		jw_str(&w, "RootDeviceName", "/dev/xvda");
		jw_str(&w, "RootDeviceType", "ebs");
		jw_str(&w, "SriovNetSupport", "simple");
		jw_str(&w, "VirtualizationType", "hvm");
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);
	for (int a = 0; a < m->nami; a++) {
		char id[40];
		KEEP(id, ID("ami", K_AMI, (uint64_t)a));
		jw_begin(&w, dir, F("image-attribute-%s", id));
		jw_str(&w, "ImageId", id);
		jw_arr(&w, "LaunchPermissions");
		if (a == 7) {
			jw_obj(&w, NULL);
			jw_str(&w, "Group", "all");
			jw_end(&w);
		}
		jw_end(&w);
		jw_finish(&w);
	}
}

static const char *lb_arn(const struct model *m, int l)
{
	return F("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/lb-%d/%016" PRIx64, m->region,
		 m->account, m->lbs[l].nlb ? "net" : "app", l, mix64((uint64_t)l));
}

static const char *tg_arn(const struct model *m, int l)
{
	return F("arn:aws:elasticloadbalancing:%s:%s:targetgroup/tg-%d/%016" PRIx64, m->region,
		 m->account, l, mix64((uint64_t)l + 1000));
}

static const char *listener_arn(const struct model *m, int l, int k)
{
	return F("arn:aws:elasticloadbalancing:%s:%s:listener/%s/lb-%d/%016" PRIx64 "/%016" PRIx64,
		 m->region, m->account, m->lbs[l].nlb ? "net" : "app", l, mix64((uint64_t)l),
		 mix64((uint64_t)(l * 2 + k) + 5000));
}

static void write_lbs(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "elbv2-describe-load-balancers");
	jw_arr(&w, "LoadBalancers");
	for (int l = 0; l < m->nlb; l++) {
		const struct lb *lb = &m->lbs[l];
		jw_obj(&w, NULL);
		jw_str(&w, "LoadBalancerArn", lb_arn(m, l));
		jw_str(&w, "DNSName",
		       F("lb-%d-%u.elb.%s.amazonaws.com", l,
			 (unsigned)(mix64((uint64_t)l) % 1000000000u), m->region));
		jw_str(&w, "CanonicalHostedZoneId", lb->nlb ? "Z31USIVHYNEOWT" : "Z14GRHDCWA56QT");
		jw_str(&w, "CreatedTime", iso_time(86400ull * (uint64_t)(100 + l)));
		jw_str(&w, "LoadBalancerName", F("lb-%d", l));
		jw_str(&w, "Scheme", lb->internet ? "internet-facing" : "internal");
		jw_str(&w, "VpcId", ID("vpc", K_VPC, (uint64_t)lb->vpc));
		jw_obj(&w, "State");
		jw_str(&w, "Code", "active");
		jw_end(&w);
		jw_str(&w, "Type", lb->nlb ? "network" : "application");
		jw_arr(&w, "AvailabilityZones");
		for (int k = 0; k < lb->nsub; k++) {
			jw_obj(&w, NULL);
			jw_str(&w, "ZoneName", m->az[m->subs[lb->sub[k]].az]);
			jw_str(&w, "SubnetId", ID("subnet", K_SUBNET, (uint64_t)lb->sub[k]));
			jw_arr(&w, "LoadBalancerAddresses");
			jw_end(&w);
			jw_end(&w);
		}
		jw_end(&w);
		if (!lb->nlb) {
			jw_arr(&w, "SecurityGroups");
			jw_str(&w, NULL,
			       ID("sg", K_SG, (uint64_t)m->vpcs[lb->vpc].sg_by_kind[G_ALB][0]));
			jw_end(&w);
		}
		jw_str(&w, "IpAddressType", "ipv4");
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "elbv2-describe-listeners");
	jw_arr(&w, "LoadBalancerListeners");
	for (int l = 0; l < m->nlb; l++) {
		const struct lb *lb = &m->lbs[l];
		char arn[SCRATCH];
		KEEP(arn, lb_arn(m, l));
		jw_obj(&w, NULL);
		jw_str(&w, "LoadBalancerArn", arn);
		jw_arr(&w, "Listeners");
		jw_obj(&w, NULL);
		jw_str(&w, "ListenerArn", listener_arn(m, l, 0));
		jw_str(&w, "LoadBalancerArn", arn);
		jw_int(&w, "Port", 443);
		jw_str(&w, "Protocol", lb->nlb ? "TCP" : "HTTPS");
		if (!lb->nlb) {
			jw_arr(&w, "Certificates");
			jw_obj(&w, NULL);
			jw_str(&w, "CertificateArn",
			       F("arn:aws:acm:%s:%s:certificate/%08x-1111-4222-8333-444455556666",
				 m->region, m->account, l));
			jw_end(&w);
			jw_end(&w);
			jw_str(&w, "SslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06");
		}
		jw_arr(&w, "DefaultActions");
		jw_obj(&w, NULL);
		jw_str(&w, "Type", "forward");
		jw_str(&w, "TargetGroupArn", tg_arn(m, l));
		jw_int(&w, "Order", 1);
		jw_end(&w);
		jw_end(&w);
		jw_end(&w);
		if (!lb->nlb) {
			jw_obj(&w, NULL);
			jw_str(&w, "ListenerArn", listener_arn(m, l, 1));
			jw_str(&w, "LoadBalancerArn", arn);
			jw_int(&w, "Port", 80);
			jw_str(&w, "Protocol", "HTTP");
			jw_arr(&w, "DefaultActions");
			jw_obj(&w, NULL);
			jw_str(&w, "Type", "redirect");
			jw_int(&w, "Order", 1);
			jw_obj(&w, "RedirectConfig");
			jw_str(&w, "Protocol", "HTTPS");
			jw_str(&w, "Port", "443");
			jw_str(&w, "Host", "#{host}");
			jw_str(&w, "Path", "/#{path}");
			jw_str(&w, "Query", "#{query}");
			jw_str(&w, "StatusCode", "HTTP_301");
			jw_end(&w);
			jw_end(&w);
			jw_end(&w);
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "elbv2-describe-target-groups");
	jw_arr(&w, "TargetGroups");
	for (int l = 0; l < m->nlb; l++) {
		const struct lb *lb = &m->lbs[l];
		jw_obj(&w, NULL);
		jw_str(&w, "TargetGroupArn", tg_arn(m, l));
		jw_str(&w, "TargetGroupName", F("tg-%d", l));
		jw_str(&w, "Protocol", lb->nlb ? "TCP" : "HTTP");
		jw_int(&w, "Port", lb->nlb ? 443 : 8080);
		jw_str(&w, "VpcId", ID("vpc", K_VPC, (uint64_t)lb->vpc));
		jw_str(&w, "HealthCheckProtocol", lb->nlb ? "TCP" : "HTTP");
		jw_str(&w, "HealthCheckPort", "traffic-port");
		jw_bool(&w, "HealthCheckEnabled", true);
		jw_int(&w, "HealthCheckIntervalSeconds", 30);
		jw_int(&w, "HealthCheckTimeoutSeconds", 5);
		jw_int(&w, "HealthyThresholdCount", 5);
		jw_int(&w, "UnhealthyThresholdCount", 2);
		if (!lb->nlb) {
			jw_str(&w, "HealthCheckPath", "/healthz");
			jw_obj(&w, "Matcher");
			jw_str(&w, "HttpCode", "200");
			jw_end(&w);
		}
		jw_arr(&w, "LoadBalancerArns");
		jw_str(&w, NULL, lb_arn(m, l));
		jw_end(&w);
		jw_str(&w, "TargetType", "instance");
		jw_str(&w, "IpAddressType", "ipv4");
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "elbv2-describe-target-health");
	jw_arr(&w, "LoadBalancerTargetHealth");
	for (int l = 0; l < m->nlb; l++) {
		const struct lb *lb = &m->lbs[l];
		const struct vpc *vp = &m->vpcs[lb->vpc];
		struct rng r = rng_for(K_TG, (uint64_t)l);
		jw_obj(&w, NULL);
		jw_str(&w, "TargetGroupArn", tg_arn(m, l));
		jw_arr(&w, "TargetHealthDescriptions");
		int k = vp->ntargets ? (int)rrange(&r, 5, 40) : 0;
		if (k > vp->ntargets)
			k = vp->ntargets;
		int start = vp->ntargets ? (int)rbelow(&r, (uint32_t)vp->ntargets) : 0;
		for (int t = 0; t < k; t++) {
			int i = vp->targets[(start + t) % vp->ntargets];
			jw_obj(&w, NULL);
			jw_obj(&w, "Target");
			jw_str(&w, "Id", ID("i", K_INST, (uint64_t)i));
			jw_int(&w, "Port", lb->nlb ? 443 : 8080);
			jw_str(&w, "AvailabilityZone", m->az[m->subs[m->insts[i].subnet].az]);
			jw_end(&w);
			jw_str(&w, "HealthCheckPort", lb->nlb ? "443" : "8080");
			jw_obj(&w, "TargetHealth");
			jw_str(&w, "State", rpct(&r, 90) ? "healthy" : "unhealthy");
			jw_end(&w);
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "elb-describe-load-balancers");
	jw_arr(&w, "LoadBalancerDescriptions");
	jw_end(&w);
	jw_finish(&w);
}

static void write_account_settings(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "describe-flow-logs");
	jw_arr(&w, "FlowLogs");
	for (int v = 0; v < m->nvpc; v += 2) {
		jw_obj(&w, NULL);
		jw_str(&w, "CreationTime", iso_time(86400ull * (uint64_t)(10 + v)));
		jw_str(&w, "DeliverLogsStatus", "SUCCESS");
		jw_str(&w, "FlowLogId", ID("fl", K_FLOWLOG, (uint64_t)v));
		jw_str(&w, "FlowLogStatus", "ACTIVE");
		jw_str(&w, "ResourceId", ID("vpc", K_VPC, (uint64_t)v));
		jw_str(&w, "TrafficType", "ALL");
		jw_str(&w, "LogDestinationType", "s3");
		jw_str(&w, "LogDestination", F("arn:aws:s3:::flow-logs-%s", m->account));
		jw_str(&w, "LogFormat",
		       "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} "
		       "${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} "
		       "${log-status}");
		jw_arr(&w, "Tags");
		jw_end(&w);
		jw_int(&w, "MaxAggregationInterval", 600);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "describe-launch-template-versions");
	jw_arr(&w, "LaunchTemplateVersions");
	for (int t = 0; t < m->nlt; t++) {
		struct rng r = rng_for(K_LT, (uint64_t)t);
		int latest = (int)rrange(&r, 1, 9);
		int dflt = rpct(&r, 60) ? latest : (int)rrange(&r, 1, (uint32_t)latest);
		for (int ver = latest; ver >= dflt; ver = ver == dflt ? 0 : dflt) {
			jw_obj(&w, NULL);
			jw_str(&w, "LaunchTemplateId", ID("lt", K_LT, (uint64_t)t));
			jw_str(&w, "LaunchTemplateName", F("template-%d", t));
			jw_int(&w, "VersionNumber", ver);
			jw_str(&w, "CreateTime", iso_time(86400ull * (uint64_t)(t * 7 + ver)));
			jw_str(&w, "CreatedBy", F("arn:aws:iam::%s:user/ci-deployer", m->account));
			jw_bool(&w, "DefaultVersion", ver == dflt);
			jw_obj(&w, "LaunchTemplateData");
			jw_str(&w, "ImageId", ami_id(t % m->nami));
			jw_str(&w, "InstanceType", itypes[t % 10]);
			jw_arr(&w, "NetworkInterfaces");
			jw_obj(&w, NULL);
			jw_bool(&w, "AssociatePublicIpAddress", rpct(&r, 30));
			jw_int(&w, "DeviceIndex", 0);
			jw_end(&w);
			jw_end(&w);
			jw_obj(&w, "MetadataOptions");
			jw_str(&w, "HttpTokens",
			       ver == latest || rpct(&r, 50) ? "required" : "optional");
			jw_int(&w, "HttpPutResponseHopLimit", 2);
			jw_end(&w);
			jw_end(&w);
			jw_end(&w);
		}
	}
	jw_end(&w);
	jw_finish(&w);

	jw_begin(&w, dir, "get-ebs-encryption-by-default");
	jw_bool(&w, "EbsEncryptionByDefault", false);
	jw_str(&w, "SseType", "sse-ebs");
	jw_finish(&w);
	jw_begin(&w, dir, "get-instance-metadata-defaults");
	jw_obj(&w, "AccountLevel");
	jw_str(&w, "HttpTokens", "optional");
	jw_int(&w, "HttpPutResponseHopLimit", 2);
	jw_end(&w);
	jw_finish(&w);
	jw_begin(&w, dir, "get-serial-console-access-status");
	jw_bool(&w, "SerialConsoleAccessEnabled", false);
	jw_str(&w, "ManagedBy", "account");
	jw_finish(&w);
}

static void policy_doc(struct jw *w, const char *key, int kind, int idx)
{
	static const char *const acts[][3] = {
		{ "s3:GetObject", "s3:ListBucket", NULL },
		{ "s3:*", NULL, NULL },
		{ "ec2:Describe*", "cloudwatch:PutMetricData", NULL },
		{ "ssm:GetParameter", "ssm:GetParameters", "kms:Decrypt" },
		{ "dynamodb:GetItem", "dynamodb:Query", NULL },
		{ "secretsmanager:GetSecretValue", NULL, NULL },
	};
	jw_obj(w, key);
	jw_str(w, "Version", "2012-10-17");
	jw_arr(w, "Statement");
	jw_obj(w, NULL);
	jw_str(w, "Effect", "Allow");
	jw_arr(w, "Action");
	for (int a = 0; a < 3 && acts[kind % 6][a]; a++)
		jw_str(w, NULL, acts[kind % 6][a]);
	jw_end(w);
	jw_arr(w, "Resource");
	if (kind % 6 <= 1) {
		jw_str(w, NULL, F("arn:aws:s3:::data-%d", idx));
		jw_str(w, NULL, F("arn:aws:s3:::data-%d/*", idx));
	} else {
		jw_str(w, NULL, "*");
	}
	jw_end(w);
	jw_end(w);
	jw_end(w);
	jw_end(w);
}

static void write_iam(const struct model *m, const char *dir)
{
	struct jw w;
	jw_begin(&w, dir, "iam-authorization-details");
	jw_arr(&w, "UserDetailList");
	jw_end(&w);
	jw_arr(&w, "GroupDetailList");
	jw_end(&w);
	jw_arr(&w, "RoleDetailList");
	for (int p = 0; p < m->nprof; p++) {
		struct rng r = rng_for(K_ROLE, (uint64_t)p);
		char role[32], created[40];
		KEEP(role, F("role-%d", p));
		KEEP(created, iso_time(86400ull * (uint64_t)p));
		{
			jw_obj(&w, NULL);
			jw_str(&w, "Path", "/");
			jw_str(&w, "RoleName", role);
			jw_str(&w, "RoleId", F("AROA%016" PRIX64, mix64((uint64_t)p + 99)));
			jw_str(&w, "Arn", F("arn:aws:iam::%s:role/%s", m->account, role));
			jw_str(&w, "CreateDate", created);
			jw_obj(&w, "AssumeRolePolicyDocument");
			jw_str(&w, "Version", "2012-10-17");
			jw_arr(&w, "Statement");
			jw_obj(&w, NULL);
			jw_str(&w, "Effect", "Allow");
			jw_obj(&w, "Principal");
			jw_str(&w, "Service", "ec2.amazonaws.com");
			jw_end(&w);
			jw_str(&w, "Action", "sts:AssumeRole");
			jw_end(&w);
			jw_end(&w);
			jw_end(&w);
			jw_arr(&w, "InstanceProfileList");
			jw_obj(&w, NULL);
			jw_str(&w, "Path", "/");
			jw_str(&w, "InstanceProfileName", F("profile-%d", p));
			jw_str(&w, "InstanceProfileId",
			       F("AIPA%016" PRIX64, mix64((uint64_t)p + 77)));
			jw_str(&w, "Arn",
			       F("arn:aws:iam::%s:instance-profile/profile-%d", m->account, p));
			jw_str(&w, "CreateDate", created);
			jw_arr(&w, "Roles");
			jw_obj(&w, NULL);
			jw_str(&w, "Path", "/");
			jw_str(&w, "RoleName", role);
			jw_str(&w, "RoleId", F("AROA%016" PRIX64, mix64((uint64_t)p + 99)));
			jw_str(&w, "Arn", F("arn:aws:iam::%s:role/%s", m->account, role));
			jw_str(&w, "CreateDate", created);
			jw_end(&w);
			jw_end(&w);
			jw_end(&w);
			jw_end(&w);
			jw_arr(&w, "RolePolicyList");
			if (rpct(&r, 30)) {
				jw_obj(&w, NULL);
				jw_str(&w, "PolicyName", "inline");
				policy_doc(&w, "PolicyDocument", (int)rbelow(&r, 6), p);
				jw_end(&w);
			}
			jw_end(&w);
			jw_arr(&w, "AttachedManagedPolicies");
			int k = (int)rrange(&r, 1, 3), first = (int)rbelow(&r, (uint32_t)m->npol);
			for (int a = 0; a < k; a++) {
				int pol = (first + a) % m->npol;
				jw_obj(&w, NULL);
				jw_str(&w, "PolicyName", F("policy-%d", pol));
				jw_str(&w, "PolicyArn",
				       F("arn:aws:iam::%s:policy/policy-%d", m->account, pol));
				jw_end(&w);
			}
			jw_end(&w);
			jw_arr(&w, "Tags");
			jw_end(&w);
			jw_end(&w);
		}
	}
	jw_end(&w);
	jw_arr(&w, "Policies");
	for (int p = 0; p < m->npol; p++) {
		jw_obj(&w, NULL);
		jw_str(&w, "PolicyName", F("policy-%d", p));
		jw_str(&w, "PolicyId", F("ANPA%016" PRIX64, mix64((uint64_t)p + 55)));
		jw_str(&w, "Arn", F("arn:aws:iam::%s:policy/policy-%d", m->account, p));
		jw_str(&w, "Path", "/");
		jw_str(&w, "DefaultVersionId", "v1");
		jw_int(&w, "AttachmentCount", 1);
		jw_int(&w, "PermissionsBoundaryUsageCount", 0);
		jw_bool(&w, "IsAttachable", true);
		jw_str(&w, "CreateDate", iso_time(86400ull * (uint64_t)p));
		jw_str(&w, "UpdateDate", iso_time(86400ull * (uint64_t)p));
		jw_arr(&w, "PolicyVersionList");
		jw_obj(&w, NULL);
		policy_doc(&w, "Document", p, p);
		jw_str(&w, "VersionId", "v1");
		jw_bool(&w, "IsDefaultVersion", true);
		jw_str(&w, "CreateDate", iso_time(86400ull * (uint64_t)p));
		jw_end(&w);
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_finish(&w);
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f, "usage: gen-snapshot [--instances N] [--seed S] [--account ID] [--region R]\n"
		   "                    [--indent N] OUTDIR\n");
}

static long parse_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "gen-snapshot: bad value '%s' for '%s' (%ld..%ld)\n", s, opt, lo,
			hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct model m = { .account = "210987654321", .region = "ap-northeast-1", .ninst = 1000 };
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if ((!strcmp(a, "--instances") || !strcmp(a, "-n")) && more) {
			m.ninst = (int)parse_num(a, argv[++i], 1, 2000000);
		} else if (!strcmp(a, "--seed") && more) {
			g_seed = (uint64_t)parse_num(a, argv[++i], 0, 255);
		} else if (!strcmp(a, "--account") && more) {
			m.account = argv[++i];
			if (strlen(m.account) != 12 || strspn(m.account, "0123456789") != 12) {
				fprintf(stderr, "gen-snapshot: account must be 12 digits\n");
				return 2;
			}
		} else if (!strcmp(a, "--region") && more) {
			m.region = argv[++i];
			if (strlen(m.region) > 24 ||
			    strspn(m.region, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
				strlen(m.region)) {
				fprintf(stderr, "gen-snapshot: bad region '%s'\n", m.region);
				return 2;
			}
		} else if (!strcmp(a, "--indent") && more) {
			g_indent = (int)parse_num(a, argv[++i], 0, 8);
		} else if (a[0] != '-' && !out) {
			out = a;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!out) {
		usage(stderr);
		return 2;
	}

	build(&m);

	struct strbuf dir = STRBUF_INIT, gdir = STRBUF_INIT;
	strbuf_addf(&dir, "%s/%s/%s", out, m.account, m.region);
	strbuf_addf(&gdir, "%s/%s/global", out, m.account);
	mkdirs(dir.buf);
	mkdirs(gdir.buf);

	write_vpcs(&m, dir.buf);
	write_subnets(&m, dir.buf);
	write_gateways(&m, dir.buf);
	write_peering(&m, dir.buf);
	write_route_tables(&m, dir.buf);
	write_nacls(&m, dir.buf);
	write_sgs(&m, dir.buf);
	write_prefix_lists(&m, dir.buf);
	write_instances(&m, dir.buf);
	write_storage(&m, dir.buf);
	write_lbs(&m, dir.buf);
	write_account_settings(&m, dir.buf);
	write_iam(&m, gdir.buf);

	fprintf(stderr,
		"gen-snapshot: %s: %d instances, %d ENIs, %d VPCs, %d subnets, %d security "
		"groups, %d NACLs, %d route tables, %d load balancers; %zu files, %.1f MB\n",
		dir.buf, m.ninst, m.neni, m.nvpc, m.nsub, m.nsg, m.nnacl, m.nrtb, m.nlb, g_files,
		(double)g_bytes / 1e6);

	for (int v = 0; v < m.nvpc; v++) {
		for (int k = 0; k < G__N; k++)
			free(m.vpcs[v].sg_by_kind[k]);
		free(m.vpcs[v].targets);
		free(m.vpcs[v].pcx);
	}
	free(m.vpcs);
	free(m.subs);
	free(m.sgs);
	free(m.insts);
	free(m.enis);
	free(m.eips);
	free(m.lbs);
	free(m.pcx);
	strbuf_release(&dir);
	strbuf_release(&gdir);
	return 0;
}
