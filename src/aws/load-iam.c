/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loader extractor for IAM get-account-authorization-details: roles (with
 * their instance profiles), customer and AWS managed policies (default
 * version's document). Users and groups are not modelled yet; their inline
 * policy documents are still decoded in place so the raw DOM reads the same
 * whatever form the input used.
 *
 * Policy documents come URL-encoded (raw API, RFC 3986) or as objects (the
 * CLI decodes them). ld_decode_doc() percent-decodes and parses a string
 * document into the model arena and overwrites the DOM node with the result,
 * so every consumer sees an object. IAM is global: region "global".
 */
#include <stdlib.h>
#include <string.h>

#include "aws/load-int.h"
#include "base/hmap.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void ld_decode_doc(struct ld_file *f, const struct json *node, const char *ptr)
{
	if (!node || node->type != JSON_STRING)
		return;
	struct mm_model *m = f->m;
	const char *s = node->u.s;
	size_t n = node->n;
	size_t k = 0;
	while (k < n && (s[k] == ' ' || s[k] == '\n' || s[k] == '\r' || s[k] == '\t'))
		k++;
	bool plain = k < n && s[k] == '{'; /* a JSON string, not URL-encoded */
	struct strbuf sb = STRBUF_INIT;
	strbuf_grow(&sb, n);
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (!plain && s[i] == '%' && i + 2 < n && (h = hexv(s[i + 1])) >= 0 &&
		    (l = hexv(s[i + 2])) >= 0) {
			strbuf_addch(&sb, h * 16 + l);
			i += 2;
		} else {
			strbuf_addch(&sb, s[i]);
		}
	}
	struct json *doc = NULL;
	long long off = -1;
	struct mm_err e = { 0 };
	if (json_parse(&m->arena, sb.buf, sb.len, NULL, &doc, &off, &e) < 0) {
		mm_diags_add(&m->diags, MM_DIAG_WARNING, f->file, (long long)node->off,
			     "cannot decode the policy document at '%s#%s': %s", f->file, ptr,
			     e.msg);
		strbuf_release(&sb);
		return;
	}
	strbuf_release(&sb);
	struct json *w = (struct json *)(uintptr_t)node; /* the DOM is ours to rewrite */
	uint64_t at = w->off;
	*w = *doc;
	w->off = at;
}

/* Decode obj[list][i][key] for every element. */
static void decode_list(struct ld_file *f, const struct json *obj, const char *optr,
			const char *list, const char *key)
{
	const struct json *a = ld_get(obj, list);
	if (!a || a->type != JSON_ARRAY)
		return;
	for (uint32_t i = 0; i < a->n; i++) {
		const struct json *d = ld_get(&a->u.items[i], key);
		if (d && d->type == JSON_STRING)
			ld_decode_doc(
			    f, d, ld_ptr_key(f, ld_ptr_idx(f, ld_ptr_key(f, optr, list), i), key));
	}
}

static const struct json *list_of(struct ld_file *f, const char *key)
{
	const struct json *v = ld_get(f->root, key);
	if (!v || v->type == JSON_NULL)
		return NULL;
	if (v->type != JSON_ARRAY) {
		ld_skip(f, v, "expected an array");
		return NULL;
	}
	return v;
}

static void profiles_of(struct ld_file *f, const struct json *role, const char *rptr,
			struct hmap *seen)
{
	struct mm_model *m = f->m;
	const struct json *pl = ld_arr(f, role, "InstanceProfileList");
	if (!pl)
		return;
	const char *base = ld_ptr_key(f, rptr, "InstanceProfileList");
	for (uint32_t i = 0; i < pl->n; i++) {
		const struct json *p = &pl->u.items[i];
		if (p->type != JSON_OBJECT)
			continue;
		const char *arn = ld_sget(p, "Arn");
		if (!arn || hmap_get(seen, arn))
			continue;
		bool was_bad = f->bad;
		const char *why = f->bad_why;
		ld_begin(f);
		struct mm_iam_profile x;
		memset(&x, 0, sizeof(x));
		const char *acc, *reg;
		ld_arn_scope(f, arn, &acc, &reg);
		ld_res(f, &x.r, p, arn, ld_ptr_idx(f, base, i), acc, NULL, MM_K_IAM);
		x.r.arn = arn;
		x.name = ld_str(f, p, "InstanceProfileName");
		x.roles = ld_strs(f, ld_arr(f, p, "Roles"), "RoleName", &x.nroles);
		if (ld_keep(f, &x.r, MM_K_IAM)) {
			LD_PUSH(m, profiles, x);
			hmap_put(seen, arn, (void *)arn);
		}
		f->bad = was_bad;
		f->bad_why = why;
	}
}

static void roles(struct ld_file *f)
{
	const struct json *v = list_of(f, "RoleDetailList");
	if (!v)
		return;
	struct mm_model *m = f->m;
	struct hmap seen = HMAP_INIT;
	const char *base = ld_ptr_key(f, "", "RoleDetailList");
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *rr = &v->u.items[i];
		if (rr->type != JSON_OBJECT) {
			ld_skip(f, rr, "record is not an object");
			continue;
		}
		ld_begin(f);
		struct mm_iam_role x;
		memset(&x, 0, sizeof(x));
		const char *ptr = ld_ptr_idx(f, base, i);
		const char *arn = ld_str(f, rr, "Arn");
		const char *acc, *reg;
		ld_arn_scope(f, arn, &acc, &reg);
		x.name = ld_str(f, rr, "RoleName");
		ld_res(f, &x.r, rr, x.name, ptr, acc, NULL, MM_K_IAM);
		x.r.arn = arn;
		const struct json *trust = ld_get(rr, "AssumeRolePolicyDocument");
		ld_decode_doc(f, trust, ld_ptr_key(f, ptr, "AssumeRolePolicyDocument"));
		x.trust = trust && trust->type == JSON_OBJECT ? trust : NULL;
		decode_list(f, rr, ptr, "RolePolicyList", "PolicyDocument");
		x.inline_p = ld_arr(f, rr, "RolePolicyList");
		x.attached = ld_arr(f, rr, "AttachedManagedPolicies");
		x.boundary = ld_obj(f, rr, "PermissionsBoundary");
		profiles_of(f, rr, ptr, &seen);
		if (ld_keep(f, &x.r, MM_K_IAM))
			LD_PUSH(m, roles, x);
	}
	hmap_release(&seen);
}

static void principals(struct ld_file *f, const char *list, const char *inl)
{
	const struct json *v = list_of(f, list);
	if (!v)
		return;
	const char *base = ld_ptr_key(f, "", list);
	for (uint32_t i = 0; i < v->n; i++)
		decode_list(f, &v->u.items[i], ld_ptr_idx(f, base, i), inl, "PolicyDocument");
}

static void policies(struct ld_file *f)
{
	const struct json *v = list_of(f, "Policies");
	if (!v)
		return;
	const char *base = ld_ptr_key(f, "", "Policies");
	for (uint32_t i = 0; i < v->n; i++) {
		const struct json *pr = &v->u.items[i];
		if (pr->type != JSON_OBJECT) {
			ld_skip(f, pr, "record is not an object");
			continue;
		}
		ld_begin(f);
		struct mm_iam_policy x;
		memset(&x, 0, sizeof(x));
		const char *ptr = ld_ptr_idx(f, base, i);
		const char *arn = ld_str(f, pr, "Arn");
		const char *acc, *reg;
		ld_arn_scope(f, arn, &acc, &reg);
		ld_res(f, &x.r, pr, arn, ptr, acc, NULL, MM_K_IAM);
		x.r.arn = arn;
		x.name = ld_str(f, pr, "PolicyName");
		const char *def = ld_str(f, pr, "DefaultVersionId");
		const struct json *vl = ld_arr(f, pr, "PolicyVersionList");
		const char *vbase = vl ? ld_ptr_key(f, ptr, "PolicyVersionList") : NULL;
		for (uint32_t j = 0; vl && j < vl->n && !x.document; j++) {
			const struct json *ver = &vl->u.items[j];
			if (ver->type != JSON_OBJECT) {
				ld_bad(f, "PolicyVersionList");
				continue;
			}
			const char *id = ld_str(f, ver, "VersionId");
			bool is_def = def ? (id && !strcmp(id, def))
					  : ld_bool(f, ver, "IsDefaultVersion") == MM_YES;
			if (!is_def)
				continue;
			const struct json *doc = ld_get(ver, "Document");
			ld_decode_doc(f, doc, ld_ptr_key(f, ld_ptr_idx(f, vbase, j), "Document"));
			if (doc && doc->type == JSON_OBJECT)
				x.document = doc;
		}
		if (ld_keep(f, &x.r, MM_K_IAM))
			LD_PUSH(f->m, policies, x);
	}
}

void ld_iam(struct ld_file *f, const struct json *v, const char *key)
{
	(void)v;
	(void)key;
	const struct json *r = f->root;
	if (!ld_get(r, "RoleDetailList") && !ld_get(r, "UserDetailList") &&
	    !ld_get(r, "GroupDetailList")) {
		/* "Policies" alone: authorization details filtered to policies have
		 * versions; iam list-policies output has none and is not IAM data
		 * mamori can use */
		const struct json *p = ld_get(r, "Policies");
		bool versions = false;
		for (uint32_t i = 0; json_is(p, JSON_ARRAY) && i < p->n && !versions; i++)
			versions = ld_get(&p->u.items[i], "PolicyVersionList") != NULL;
		if (!versions)
			return;
	}
	ld_mark(f, MM_K_IAM, NULL, "global");
	roles(f);
	policies(f);
	principals(f, "UserDetailList", "UserPolicyList");
	principals(f, "GroupDetailList", "GroupPolicyList");
}
