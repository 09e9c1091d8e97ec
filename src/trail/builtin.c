/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts for the built-in rules (rules/trail/ec2.yml): what a record means
 * given the policy. The rules themselves are Sigma documents; a rule's
 * `mamori:` block can require a fact (the rule fires only when it holds) and
 * raise the severity when another does. Facts are computed once per event,
 * on first use, from the request:
 *
 *   world_open            a security-group permission open to a /0 (IPv4 or
 *                         IPv6, whatever the address bits: 208.1.2.3/0 too),
 *                         in either request shape
 *   world_open_admin      ... covering SSH (22) or RDP (3389), or every port
 *   world_open_disallowed ... covering a port the policy does not allow open
 *   image_nonstandard     RunInstances with an AMI not approved by the policy
 *                         (or whose AMI the record does not name)
 *   region_unapproved     the event's region is not approved by the policy
 *   snapshot_public / snapshot_shared   ModifySnapshotAttribute adding
 *                         createVolumePermission for "all" / for an account
 *   image_public / image_shared         ModifyImageAttribute, launchPermission
 *
 * A failed call (errorCode) keeps its facts (a failed attempt to open SSH to
 * the world is still that), but ruleset.c does not raise failed attempts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trail-int.h"
#include "base/ipset.h"
#include "base/wrapper.h"
#include "base/banned.h"

static const char *const fact_names[TR_FACT_MAX] = {
	[TR_FACT_WORLD_OPEN] = "world_open",
	[TR_FACT_WORLD_OPEN_ADMIN] = "world_open_admin",
	[TR_FACT_WORLD_OPEN_DISALLOWED] = "world_open_disallowed",
	[TR_FACT_IMAGE_NONSTANDARD] = "image_nonstandard",
	[TR_FACT_REGION_UNAPPROVED] = "region_unapproved",
	[TR_FACT_SNAPSHOT_PUBLIC] = "snapshot_public",
	[TR_FACT_SNAPSHOT_SHARED] = "snapshot_shared",
	[TR_FACT_IMAGE_PUBLIC] = "image_public",
	[TR_FACT_IMAGE_SHARED] = "image_shared",
};

int tr_fact_parse(const char *s, enum tr_fact *out)
{
	for (int i = 1; i < TR_FACT_MAX; i++)
		if (!strcmp(s, fact_names[i])) {
			*out = (enum tr_fact)i;
			return 0;
		}
	return -1;
}

bool tr_world_cidr(const char *cidr)
{
	struct mm_cidr c;
	return cidr && mm_cidr_parse(cidr, &c) == 0 && c.prefix == 0;
}

static int port_of(const struct json *v)
{
	long long x;
	if (!v || json_as_int(v, &x) < 0 || x < -1 || x > 65535)
		return -1;
	return (int)x;
}

static const char *norm_proto(struct arena *a, const char *p)
{
	if (!p)
		return "-1";
	if (!strcasecmp(p, "all") || !strcmp(p, "-1"))
		return "-1";
	if (!strcasecmp(p, "tcp") || !strcmp(p, "6"))
		return "tcp";
	if (!strcasecmp(p, "udp") || !strcmp(p, "17"))
		return "udp";
	if (!strcasecmp(p, "icmp") || !strcmp(p, "1"))
		return "icmp";
	if (!strcasecmp(p, "icmpv6") || !strcmp(p, "58"))
		return "icmpv6";
	return tr_lower(a, p, strlen(p));
}

struct perms {
	struct tr_perm *v;
	size_t n, alloc;
};

static void add_perm(struct perms *ps, struct arena *a, const char *proto, int from, int to,
		     const char *cidr)
{
	ALLOC_GROW(ps->v, ps->n + 1, ps->alloc);
	struct tr_perm *p = &ps->v[ps->n++];
	p->proto = proto;
	p->from = from;
	p->to = to;
	p->cidr = cidr ? arena_strdup(a, cidr) : NULL;
	p->world = tr_world_cidr(cidr);
	bool all = !strcmp(proto, "-1");
	bool tu = !strcmp(proto, "tcp") || !strcmp(proto, "udp");
	/* tcp/udp without ports: unknown, so every port */
	int lo = from < 0 ? 0 : from, hi = to < 0 ? 65535 : to;
	p->admin = all || (tu && ((lo <= 22 && hi >= 22 && !strcmp(proto, "tcp")) ||
				  (lo <= 3389 && hi >= 3389) || (lo <= 1 && hi >= 65535)));
}

static void ranges(struct perms *ps, struct arena *a, const struct json *perm, const char *proto,
		   int from, int to)
{
	const struct json *r4 = json_get(json_get(perm, "ipRanges"), "items");
	const struct json *r6 = json_get(json_get(perm, "ipv6Ranges"), "items");
	bool any = false;
	for (size_t i = 0; i < json_len(r4); i++) {
		const char *c = json_str(json_at(r4, i), "cidrIp");
		if (c) {
			add_perm(ps, a, proto, from, to, c);
			any = true;
		}
	}
	for (size_t i = 0; i < json_len(r6); i++) {
		const char *c = json_str(json_at(r6, i), "cidrIpv6");
		if (c) {
			add_perm(ps, a, proto, from, to, c);
			any = true;
		}
	}
	if (!any)
		add_perm(ps, a, proto, from, to, NULL); /* groups or prefix lists */
}

size_t tr_sg_perms(struct tr_event *ev, struct arena *a, struct tr_perm **out)
{
	struct perms ps = { 0 };
	const struct json *rq = tr_event_get(ev, "requestParameters");
	/* flat shape: cidrIp / cidrIpv6 with ipProtocol, fromPort, toPort */
	const char *c4 = json_str(rq, "cidrIp"), *c6 = json_str(rq, "cidrIpv6");
	if (c4 || c6) {
		const char *proto = norm_proto(a, json_str(rq, "ipProtocol"));
		int from = port_of(json_get(rq, "fromPort")), to = port_of(json_get(rq, "toPort"));
		if (c4)
			add_perm(&ps, a, proto, from, to, c4);
		if (c6)
			add_perm(&ps, a, proto, from, to, c6);
	}
	/* ipPermissions.items[] (the CLI and SDKs), or a bare list */
	const struct json *ip = json_get(rq, "ipPermissions");
	const struct json *items = json_is(ip, JSON_ARRAY) ? ip : json_get(ip, "items");
	for (size_t i = 0; i < json_len(items); i++) {
		const struct json *p = json_at(items, i);
		const char *proto = norm_proto(a, json_str(p, "ipProtocol"));
		ranges(&ps, a, p, proto, port_of(json_get(p, "fromPort")),
		       port_of(json_get(p, "toPort")));
	}
	struct tr_perm *v = NULL;
	if (ps.n) {
		v = arena_calloc(a, ps.n, sizeof(*v));
		memcpy(v, ps.v, ps.n * sizeof(*v));
	}
	free(ps.v);
	*out = v;
	return ps.n;
}

static bool port_allowed(const struct trail_policy *p, int port)
{
	size_t lo = 0, hi = p->nopen_ports;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->open_ports[mid] == port)
			return true;
		if (p->open_ports[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool perm_disallowed(const struct tr_perm *pm, const struct trail_policy *p)
{
	if (!strcmp(pm->proto, "icmp") || !strcmp(pm->proto, "icmpv6"))
		return false;
	if (strcmp(pm->proto, "tcp") && strcmp(pm->proto, "udp"))
		return true; /* every protocol, or one without ports */
	int lo = pm->from < 0 ? 0 : pm->from, hi = pm->to < 0 ? 65535 : pm->to;
	if (hi - lo > 65535)
		return true;
	for (int port = lo; port <= hi; port++)
		if (!port_allowed(p, port))
			return true;
	return false;
}

static void perm_text(char *buf, size_t n, const struct tr_perm *pm)
{
	const char *proto = !strcmp(pm->proto, "-1") ? "all traffic" : pm->proto;
	if (!strcmp(pm->proto, "-1"))
		snprintf(buf, n, "%s from %s", proto, pm->cidr ? pm->cidr : "?");
	else if (pm->from < 0 && pm->to < 0)
		snprintf(buf, n, "%s (all ports) from %s", proto, pm->cidr ? pm->cidr : "?");
	else if (pm->from == pm->to)
		snprintf(buf, n, "%s %d from %s", proto, pm->from, pm->cidr ? pm->cidr : "?");
	else
		snprintf(buf, n, "%s %d-%d from %s", proto, pm->from, pm->to,
			 pm->cidr ? pm->cidr : "?");
}

static void add_to(char *buf, size_t sz, const char *s)
{
	size_t l = strlen(buf);
	if (l + 3 >= sz)
		return;
	const char *sep = !l ? "" : buf[l - 1] == ':' ? " " : "; ";
	snprintf(buf + l, sz - l, "%s%s", sep, s);
}

static void detail_add(struct tr_facts *f, const char *s)
{
	add_to(f->detail, sizeof(f->detail), s);
}

static void image_add(struct tr_facts *f, const char *s)
{
	add_to(f->image, sizeof(f->image), s);
}

static void sg_facts(struct tr_event *ev, struct tr_facts *f, const struct trail_policy *p,
		     bool ingress)
{
	struct tr_perm *pm;
	size_t n = tr_sg_perms(ev, ev->a, &pm);
	size_t shown = 0;
	const struct json *rq = tr_event_get(ev, "requestParameters");
	const char *g = json_str(rq, "groupId");
	if (!g)
		g = json_str(rq, "groupName");
	if (g) {
		snprintf(f->detail, sizeof(f->detail), "%s:", g);
	}
	for (size_t i = 0; i < n; i++) {
		if (!pm[i].world)
			continue;
		f->f[TR_FACT_WORLD_OPEN] = true;
		if (pm[i].admin)
			f->f[TR_FACT_WORLD_OPEN_ADMIN] = true;
		if (perm_disallowed(&pm[i], p))
			f->f[TR_FACT_WORLD_OPEN_DISALLOWED] = true;
		if (shown++ < 4) {
			char b[200];
			perm_text(b, sizeof(b), &pm[i]);
			size_t bl = strlen(b);
			snprintf(b + bl, sizeof(b) - bl, " (world)");
			if (!ingress) {
				/* egress names destinations */
				char *from = strstr(b, " from ");
				if (from) {
					char tail[128];
					snprintf(tail, sizeof(tail), " to %s", from + 6);
					snprintf(from, sizeof(b) - (size_t)(from - b), "%s", tail);
				}
			}
			detail_add(f, b);
		}
	}
	if (!f->f[TR_FACT_WORLD_OPEN] && n) {
		char b[160];
		perm_text(b, sizeof(b), &pm[0]);
		detail_add(f, b);
		if (n > 1) {
			snprintf(b, sizeof(b), "and %zu more", n - 1);
			detail_add(f, b);
		}
	}
}

static bool image_approved(const char *id, const struct trail_policy *p)
{
	for (size_t i = 0; i < p->nimage_ids; i++) {
		struct arena a = ARENA_INIT;
		struct tr_glob *g =
		    tr_glob_compile(&a, p->image_ids[i], strlen(p->image_ids[i]), false, true);
		bool ok = tr_glob_match(g, id, strlen(id));
		arena_release(&a);
		if (ok)
			return true;
	}
	return false;
}

static void image_facts(struct tr_event *ev, struct tr_facts *f, const struct trail_policy *p)
{
	const char *ids[8];
	size_t n = 0;
	const char *where[2] = { "requestParameters", "responseElements" };
	for (int w = 0; w < 2; w++) {
		const struct json *set =
		    json_get(json_get(tr_event_get(ev, where[w]), "instancesSet"), "items");
		for (size_t i = 0; i < json_len(set) && n < 8; i++) {
			const char *id = json_str(json_at(set, i), "imageId");
			bool dup = false;
			for (size_t k = 0; id && k < n; k++)
				dup |= !strcmp(ids[k], id);
			if (id && !dup)
				ids[n++] = id;
		}
	}
	char b[256];
	{
		const struct json *rq = tr_event_get(ev, "requestParameters");
		const char *type = json_str(rq, "instanceType");
		const struct json *rset = json_get(
		    json_get(tr_event_get(ev, "responseElements"), "instancesSet"), "items");
		size_t launched = json_len(rset);
		if (launched)
			snprintf(b, sizeof(b), "%zu instance%s of %s%s%s", launched,
				 launched == 1 ? "" : "s", n ? ids[0] : "an unknown image",
				 type ? ", " : "", type ? type : "");
		else
			snprintf(b, sizeof(b), "launch of %s%s%s", n ? ids[0] : "an unknown image",
				 type ? ", " : "", type ? type : "");
		detail_add(f, b);
	}
	if (!n) {
		const struct json *lt =
		    json_get(tr_event_get(ev, "requestParameters"), "launchTemplate");
		const char *ltid = json_str(lt, "launchTemplateId");
		if (!ltid)
			ltid = json_str(lt, "launchTemplateName");
		f->f[TR_FACT_IMAGE_NONSTANDARD] = true;
		snprintf(b, sizeof(b), "image unknown: the record names no AMI%s%s",
			 ltid ? " (launch template " : "", ltid ? ltid : "");
		if (ltid)
			snprintf(b + strlen(b), sizeof(b) - strlen(b), ")");
		image_add(f, b);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (image_approved(ids[i], p))
			continue;
		f->f[TR_FACT_IMAGE_NONSTANDARD] = true;
		if (!p->nimage_ids && !p->nimage_owners)
			snprintf(b, sizeof(b), "image %s (the policy approves no image)", ids[i]);
		else if (p->nimage_owners)
			snprintf(b, sizeof(b),
				 "image %s is not an approved id, and CloudTrail does not record "
				 "its owner",
				 ids[i]);
		else
			snprintf(b, sizeof(b), "image %s is not approved", ids[i]);
		image_add(f, b);
	}
}

static void share_facts(struct tr_event *ev, struct tr_facts *f, const char *attr, enum tr_fact pub,
			enum tr_fact shared, const char *what)
{
	const struct json *rq = tr_event_get(ev, "requestParameters");
	const struct json *items = json_get(json_get(json_get(rq, attr), "add"), "items");
	char b[200];
	for (size_t i = 0; i < json_len(items); i++) {
		const struct json *it = json_at(items, i);
		const char *g = json_str(it, "group"), *u = json_str(it, "userId");
		if (g && !strcasecmp(g, "all")) {
			f->f[pub] = true;
			snprintf(b, sizeof(b), "%s made public (group all)", what);
			detail_add(f, b);
		} else if (u) {
			f->f[shared] = true;
			snprintf(b, sizeof(b), "%s shared with account %s", what, u);
			detail_add(f, b);
		}
	}
	const struct json *rm = json_get(json_get(json_get(rq, attr), "remove"), "items");
	if (json_len(rm)) {
		snprintf(b, sizeof(b), "%zu permission%s removed", json_len(rm),
			 json_len(rm) == 1 ? "" : "s");
		detail_add(f, b);
	}
}

void tr_facts_compute(struct tr_event *ev, struct tr_facts *f, const struct trail_policy *p)
{
	if (f->done)
		return;
	f->done = true;
	const char *name = ev->name ? ev->name : "";
	const char *region = tr_event_str(ev, "awsRegion");
	bool approved = false;
	for (size_t i = 0; region && i < p->nregions; i++)
		approved |= !strcmp(p->regions[i], region);
	f->f[TR_FACT_REGION_UNAPPROVED] = !approved;
	if (!approved) {
		if (!p->nregions)
			snprintf(f->region, sizeof(f->region),
				 "region %s (the policy approves no region)",
				 region ? region : "unknown");
		else
			snprintf(f->region, sizeof(f->region),
				 "region %s is not approved (%zu approved: %s%s)",
				 region ? region : "unknown", p->nregions, p->regions[0],
				 p->nregions > 1 ? ", ..." : "");
	}

	if (!strcmp(name, "AuthorizeSecurityGroupIngress") ||
	    !strcmp(name, "RevokeSecurityGroupIngress"))
		sg_facts(ev, f, p, true);
	else if (!strcmp(name, "AuthorizeSecurityGroupEgress") ||
		 !strcmp(name, "RevokeSecurityGroupEgress"))
		sg_facts(ev, f, p, false);
	else if (!strcmp(name, "RunInstances"))
		image_facts(ev, f, p);
	else if (!strcmp(name, "ModifySnapshotAttribute"))
		share_facts(ev, f, "createVolumePermission", TR_FACT_SNAPSHOT_PUBLIC,
			    TR_FACT_SNAPSHOT_SHARED, "snapshot");
	else if (!strcmp(name, "ModifyImageAttribute"))
		share_facts(ev, f, "launchPermission", TR_FACT_IMAGE_PUBLIC, TR_FACT_IMAGE_SHARED,
			    "image");
}
