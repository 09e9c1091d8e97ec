/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instance checks: IMDSv1 and the metadata hop limit, public IPv4
 * addresses, missing instance profiles, source/destination checking turned
 * off on something that is not a router, and the same metadata and
 * public-address settings on launch templates (default and latest version).
 */
#include "posture-int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/wrapper.h"
#include "base/banned.h"

static bool tokens_required(const struct mm_imds *d)
{
	return d->http_tokens && !strcmp(d->http_tokens, "required");
}

static bool endpoint_disabled(const struct mm_imds *d)
{
	return d->http_endpoint && !strcmp(d->http_endpoint, "disabled");
}

static const struct mm_loc *imds_loc(const struct mm_imds *d, const struct mm_res *r)
{
	return d->loc.file ? &d->loc : &r->loc;
}

static void inst_imds(struct pctx *x, const struct mm_instance *in, const char *name)
{
	const struct mm_imds *d = &in->imds;
	enum mm_status st = endpoint_disabled(d) || tokens_required(d) ? MM_ST_PASS
			    : d->http_tokens			       ? MM_ST_FAIL
								       : MM_ST_UNKNOWN;
	struct finding *f = pf_new(x, "ec2-instance-imdsv1", st, &in->r, "ec2-instance");
	if (!f)
		return;
	if (st == MM_ST_PASS) {
		pf_msg(x, f, "instance %s %s", name,
		       endpoint_disabled(d) ? "has the metadata endpoint disabled"
					    : "requires IMDSv2 (HttpTokens required)");
	} else if (st == MM_ST_FAIL) {
		if (in->profile_arn)
			pf_msg(x, f,
			       "instance %s allows IMDSv1 (HttpTokens %s): the credentials of "
			       "instance profile %s can be read with one unauthenticated GET, e.g. "
			       "through SSRF",
			       name, d->http_tokens, in->profile_arn);
		else
			pf_msg(x, f, "instance %s allows IMDSv1 (HttpTokens %s)", name,
			       d->http_tokens);
		pf_ev(x, f, imds_loc(d, &in->r), "MetadataOptions HttpTokens=%s HttpEndpoint=%s",
		      d->http_tokens, d->http_endpoint ? d->http_endpoint : "(not set)");
		pf_cli(x, f, NULL, 0);
	} else {
		pf_msg(
		    x, f,
		    "cannot tell whether instance %s allows IMDSv1: MetadataOptions.HttpTokens is "
		    "not in the snapshot",
		    name);
	}
	pf_done(x, f);
}

static void inst_hops(struct pctx *x, const struct mm_instance *in, const char *name)
{
	const struct mm_imds *d = &in->imds;
	enum mm_status st = endpoint_disabled(d) ? MM_ST_PASS
			    : d->hop_limit < 0	 ? MM_ST_UNKNOWN
			    : d->hop_limit > 1	 ? MM_ST_FAIL
						 : MM_ST_PASS;
	struct finding *f = pf_new(x, "ec2-instance-imds-hop-limit", st, &in->r, "ec2-instance");
	if (!f)
		return;
	bool v1 = d->http_tokens && !tokens_required(d);
	if (st == MM_ST_FAIL) {
		if (v1)
			f->sev = MM_SEV_MEDIUM;
		pf_msg(x, f,
		       "instance %s answers metadata requests %lld network hops away%s, so "
		       "containers or forwarded traffic on it can reach the metadata service",
		       name, d->hop_limit, v1 ? " and allows IMDSv1" : "");
		pf_ev(x, f, imds_loc(d, &in->r), "MetadataOptions HttpPutResponseHopLimit=%lld",
		      d->hop_limit);
		pf_cli(x, f, NULL, 0);
	} else if (st == MM_ST_PASS) {
		if (endpoint_disabled(d))
			pf_msg(x, f, "instance %s has the metadata endpoint disabled", name);
		else
			pf_msg(x, f, "instance %s limits metadata responses to %lld hop", name,
			       d->hop_limit);
	} else {
		pf_msg(x, f,
		       "cannot tell the metadata hop limit of instance %s: "
		       "MetadataOptions.HttpPutResponseHopLimit is not in the snapshot",
		       name);
	}
	pf_done(x, f);
}

static void inst_public_ip(struct pctx *x, const struct mm_instance *in, const char *name)
{
	struct mm_model *m = x->m;
	struct strbuf ips = STRBUF_INIT;
	size_t n = 0;
	const struct mm_loc *where = &in->r.loc;
	if (in->public_ip) {
		strbuf_addstr(&ips, in->public_ip);
		n++;
	}
	for (size_t i = 0; i < in->nenis; i++) {
		const struct mm_eni *e = mm_find_eni(m, in->enis[i]);
		for (size_t j = 0; e && j < e->nips; j++) {
			const struct mm_eni_ip *ip = &e->ips[j];
			if (!ip->public_ip ||
			    (in->public_ip && !strcmp(ip->public_ip, in->public_ip)))
				continue;
			strbuf_addf(&ips, "%s%s (%s%s)", n ? ", " : "", ip->public_ip, e->r.id,
				    ip->ip_owner && strcmp(ip->ip_owner, "amazon") ? ", Elastic IP"
										   : "");
			if (!n)
				where = &e->r.loc;
			n++;
		}
	}
	bool running = !in->state || !strcmp(in->state, "running");
	struct finding *f = pf_new(x, "ec2-instance-public-ip", n ? MM_ST_FAIL : MM_ST_PASS, &in->r,
				   "ec2-instance");
	if (f) {
		if (n) {
			if (!running)
				f->sev = MM_SEV_LOW;
			pf_msg(x, f, "instance %s%s has public IPv4 address%s %s", name,
			       running ? "" : " (not running)", n == 1 ? "" : "es", ips.buf);
			pf_ev(x, f, where, "public IPv4 %s", ips.buf);
		} else {
			pf_msg(x, f, "instance %s has no public IPv4 address", name);
		}
		pf_done(x, f);
	}
	strbuf_release(&ips);
}

static void inst_profile(struct pctx *x, const struct mm_instance *in, const char *name)
{
	struct finding *f =
	    pf_new(x, "ec2-instance-no-iam-profile", in->profile_arn ? MM_ST_PASS : MM_ST_FAIL,
		   &in->r, "ec2-instance");
	if (!f)
		return;
	if (in->profile_arn) {
		pf_msg(x, f, "instance %s uses instance profile %s", name, in->profile_arn);
	} else {
		pf_msg(x, f,
		       "instance %s has no IAM instance profile: software on it that calls AWS "
		       "needs long-lived keys, and it cannot be managed by Systems Manager",
		       name);
		pf_ev(x, f, &in->r.loc, "no IamInstanceProfile");
		pf_cli(x, f, NULL, 0);
	}
	pf_done(x, f);
}

void check_instances(struct pctx *x)
{
	for (size_t i = 0; i < x->m->ninstances; i++) {
		const struct mm_instance *in = &x->m->instances[i];
		if (pctx_instance_gone(in))
			continue;
		const char *name = pctx_name(x, &in->r);
		inst_imds(x, in, name);
		inst_hops(x, in, name);
		inst_public_ip(x, in, name);
		inst_profile(x, in, name);
	}
}

/* ---- source/destination check ---- */

/* A tag key or value with the word "nat" in it (NAT instance by convention). */
static bool tagged_nat(const struct mm_res *r)
{
	for (size_t i = 0; r && i < r->ntags; i++) {
		const char *s[2] = { r->tags[i].key, r->tags[i].value };
		for (int k = 0; k < 2; k++) {
			const char *p = s[k];
			while (p && *p) {
				while (*p && !isalnum((unsigned char)*p))
					p++;
				const char *w = p;
				while (*p && isalnum((unsigned char)*p))
					p++;
				if (p - w == 3 && !strncasecmp(w, "nat", 3))
					return true;
			}
		}
	}
	return false;
}

/* Why this interface may legitimately forward traffic, or NULL. */
static const char *appliance_reason(struct pctx *x, const struct mm_eni *n,
				    const struct mm_instance *in, const struct mm_route **rt)
{
	*rt = n ? hmap_get(&x->route_target, n->r.id) : NULL;
	if (!*rt && in)
		*rt = hmap_get(&x->route_target, in->r.id);
	if (*rt)
		return "a route table sends traffic to it";
	if ((n && tagged_nat(&n->r)) || (in && tagged_nat(&in->r)))
		return "it is tagged as a NAT instance";
	const struct mm_image *img = in ? mm_find_image(x->m, in->image_id) : NULL;
	if (img && img->name && strstr(img->name, "vpc-nat"))
		return "it runs an Amazon NAT AMI";
	return NULL;
}

static void src_dst_one(struct pctx *x, const struct mm_res *r, const char *res_type,
			const struct mm_eni *n, const struct mm_instance *in, enum mm_tri sdc)
{
	const struct mm_route *rt = NULL;
	const char *why = sdc == MM_NO ? appliance_reason(x, n, in, &rt) : NULL;
	enum mm_status st = sdc == MM_YES || why ? MM_ST_PASS
			    : sdc == MM_NO	 ? MM_ST_FAIL
						 : MM_ST_UNKNOWN;
	struct finding *f = pf_new(x, "ec2-eni-source-dest-check-off", st, r, res_type);
	if (!f)
		return;
	const char *what = n && in ? arena_printf(&x->out->arena, "interface %s of instance %s",
						  n->r.id, pctx_name(x, &in->r))
			   : n	   ? arena_printf(&x->out->arena, "interface %s", n->r.id)
				   : arena_printf(&x->out->arena, "instance %s", pctx_name(x, r));
	if (st == MM_ST_FAIL) {
		pf_msg(x, f,
		       "%s has source/destination checking off, but no route targets it and it "
		       "is not tagged as a NAT instance: it can send traffic with any source "
		       "address",
		       what);
		pf_ev(x, f, &r->loc, "SourceDestCheck=false");
		if (n)
			pf_cli(x, f, (struct pvar[]){ { "eni_id", n->r.id, false } }, 1);
	} else if (st == MM_ST_PASS && why) {
		pf_msg(x, f, "%s has source/destination checking off as a router would: %s", what,
		       why);
		if (rt)
			pf_ev(x, f, &rt->loc, "route to %s", rt->target_id);
	} else if (st == MM_ST_PASS) {
		pf_msg(x, f, "%s has source/destination checking on", what);
	} else {
		pf_msg(x, f,
		       "cannot tell whether %s checks source/destination: SourceDestCheck is "
		       "not in the snapshot",
		       what);
	}
	pf_done(x, f);
}

void check_src_dst(struct pctx *x)
{
	struct mm_model *m = x->m;
	for (size_t i = 0; i < m->nenis; i++) {
		const struct mm_eni *n = &m->enis[i];
		if (n->requester_managed || (n->type && strcmp(n->type, "interface")))
			continue; /* AWS-managed interfaces (NAT gateways, endpoints, ...) */
		const struct mm_instance *in = mm_find_instance(m, n->instance_id);
		if (in && pctx_instance_gone(in))
			continue;
		enum mm_tri sdc = n->source_dest_check;
		if (sdc == MM_UNKNOWN && in)
			sdc = in->source_dest_check;
		src_dst_one(x, &n->r, "network-interface", n, in, sdc);
	}
	/* instances whose interfaces were not loaded at all */
	for (size_t i = 0; i < m->ninstances; i++) {
		const struct mm_instance *in = &m->instances[i];
		if (pctx_instance_gone(in) || hmap_get(&x->inst_enis, in->r.id))
			continue;
		src_dst_one(x, &in->r, "ec2-instance", NULL, in, in->source_dest_check);
	}
}

/* ---- launch templates ---- */

struct lt {
	const char *id;
	const struct mm_lt_version *def, *latest;
};

static const char *imds_default_text(const struct mm_scope *sc)
{
	if (!sc || !sc->have_imds_default)
		return "the account default was not loaded";
	if (!sc->imds_default.http_tokens)
		return "the account default is \"no preference\"";
	return tokens_required(&sc->imds_default) ? "the account default requires IMDSv2"
						  : "the account default allows IMDSv1";
}

static void lt_imds(struct pctx *x, const struct mm_lt_version *v, const char *role,
		    const struct mm_res *r, const char *label)
{
	const struct mm_imds *d = &v->imds;
	const struct mm_scope *sc = mm_scope_find(x->m, v->r.account, v->r.region);
	bool inherit_ok =
	    !d->http_tokens && sc && sc->have_imds_default && tokens_required(&sc->imds_default);
	enum mm_status st =
	    endpoint_disabled(d) || tokens_required(d) || inherit_ok ? MM_ST_PASS : MM_ST_FAIL;
	struct finding *f = pf_new(x, "ec2-launch-template-imdsv1", st, r, "launch-template");
	if (!f)
		return;
	pf_extra(x, f, role);
	if (st == MM_ST_PASS) {
		pf_msg(x, f, "%s %s", label,
		       endpoint_disabled(d) ? "disables the metadata endpoint"
		       : tokens_required(d) ? "requires IMDSv2"
					    : "leaves HttpTokens unset and the account default "
					      "requires IMDSv2");
	} else {
		if (d->http_tokens)
			pf_msg(x, f, "%s allows IMDSv1 (HttpTokens %s)", label, d->http_tokens);
		else
			pf_msg(x, f,
			       "%s does not set HttpTokens, so instances launched from it follow "
			       "the AMI or account default (%s) and may allow IMDSv1",
			       label, imds_default_text(sc));
		pf_ev(x, f, imds_loc(d, &v->r), "LaunchTemplateData.MetadataOptions HttpTokens=%s",
		      d->http_tokens ? d->http_tokens : "(not set)");
		char ver[24];
		snprintf(ver, sizeof(ver), "%lld", v->version);
		pf_cli(x, f, (struct pvar[]){ { "version", ver, false } }, 1);
	}
	pf_done(x, f);
}

static void lt_public(struct pctx *x, const struct mm_lt_version *v, const char *role,
		      const struct mm_res *r, const char *label)
{
	enum mm_status st = v->public_ip == MM_YES ? MM_ST_FAIL : MM_ST_PASS;
	struct finding *f = pf_new(x, "ec2-launch-template-public-ip", st, r, "launch-template");
	if (!f)
		return;
	pf_extra(x, f, role);
	if (st == MM_ST_FAIL) {
		pf_msg(x, f, "%s assigns a public IPv4 address to its network interfaces", label);
		pf_ev(x, f, &v->r.loc, "NetworkInterfaces[].AssociatePublicIpAddress=true");
		char ver[24];
		snprintf(ver, sizeof(ver), "%lld", v->version);
		pf_cli(x, f, (struct pvar[]){ { "version", ver, false } }, 1);
	} else if (v->public_ip == MM_NO) {
		pf_msg(x, f, "%s does not assign public IPv4 addresses", label);
	} else {
		pf_msg(x, f,
		       "%s does not set AssociatePublicIpAddress (the subnet's setting applies)",
		       label);
	}
	pf_done(x, f);
}

static void lt_eval(struct pctx *x, const struct lt *t, const struct mm_lt_version *v,
		    const char *role)
{
	struct mm_res r = v->r;
	r.id = t->id;
	r.arn = NULL;
	const char *label =
	    arena_printf(&x->out->arena, "launch template %s%s%s%s version %lld (%s)", t->id,
			 v->lt_name ? " (" : "", v->lt_name ? v->lt_name : "",
			 v->lt_name ? ")" : "", v->version, role);
	lt_imds(x, v, role, &r, label);
	lt_public(x, v, role, &r, label);
}

void check_launch_templates(struct pctx *x)
{
	struct mm_model *m = x->m;
	struct hmap idx = HMAP_INIT;
	struct lt *v = NULL;
	size_t n = 0, alloc = 0;
	for (size_t i = 0; i < m->nlt_versions; i++) {
		const struct mm_lt_version *lv = &m->lt_versions[i];
		const char *id = lv->lt_id ? lv->lt_id : lv->r.id;
		size_t k = (size_t)hmap_get(&idx, id);
		if (!k) {
			ALLOC_GROW(v, n + 1, alloc);
			memset(&v[n], 0, sizeof(v[n]));
			v[n].id = id;
			hmap_put(&idx, id, (void *)(n + 1));
			k = ++n;
		}
		struct lt *t = &v[k - 1];
		if (lv->is_default)
			t->def = lv;
		if (!t->latest || lv->version > t->latest->version)
			t->latest = lv;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].def)
			lt_eval(x, &v[i], v[i].def, "default");
		if (v[i].latest && v[i].latest != v[i].def)
			lt_eval(x, &v[i], v[i].latest, "latest");
	}
	free(v);
	hmap_release(&idx);
}
