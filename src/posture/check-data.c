/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Data checks: unencrypted EBS volumes and snapshots, snapshots anyone (or
 * named accounts) can restore, and machine images the account has made
 * public. Only snapshots and images the account owns are judged: a
 * describe-snapshots without an owner filter also lists other accounts'
 * public snapshots, which are not ours to fix.
 */
#include "posture-int.h"

#include <string.h>

#include "base/banned.h"

void check_volumes(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nvolumes; i++) {
		const struct mm_volume *v = &x->m->volumes[i];
		enum mm_status st = v->encrypted == MM_YES  ? MM_ST_PASS
				    : v->encrypted == MM_NO ? MM_ST_FAIL
							    : MM_ST_UNKNOWN;
		struct finding *f =
		    pf_new(x, "ec2-ebs-volume-unencrypted", st, &v->r, "ebs-volume");
		if (!f)
			continue;
		const char *name = pctx_name(x, &v->r);
		struct strbuf use = STRBUF_INIT;
		if (v->ninstances) {
			strbuf_addstr(&use, "attached to ");
			for (size_t k = 0; k < v->ninstances && k < 3; k++)
				strbuf_addf(&use, "%s%s", k ? ", " : "", v->instances[k]);
		} else {
			strbuf_addf(&use, "%s", v->state ? v->state : "state unknown");
		}
		if (st == MM_ST_PASS) {
			pf_msg(x, f, "volume %s, %s, is encrypted%s%s", name, use.buf,
			       v->kms_key ? " with " : "", v->kms_key ? v->kms_key : "");
		} else if (st == MM_ST_FAIL) {
			pf_msg(x, f, "volume %s, %s, %lld GiB, is not encrypted", name, use.buf,
			       v->size);
			pf_ev(x, f, &v->r.loc, "Encrypted=false");
			pf_cli(x, f, NULL, 0);
		} else {
			pf_msg(
			    x, f,
			    "cannot tell whether volume %s, %s, is encrypted: Encrypted is not in "
			    "the snapshot",
			    name, use.buf);
		}
		pf_done(x, f);
		strbuf_release(&use);
	}
}

static bool owned(const struct mm_res *r, const char *owner)
{
	return !owner || !r->account || !strcmp(r->account, "unknown") ||
	       !strcmp(owner, r->account);
}

static void snap_encrypted(struct pctx *x, const struct mm_snapshot *s, const char *name)
{
	enum mm_status st = s->encrypted == MM_YES  ? MM_ST_PASS
			    : s->encrypted == MM_NO ? MM_ST_FAIL
						    : MM_ST_UNKNOWN;
	struct finding *f = pf_new(x, "ec2-ebs-snapshot-unencrypted", st, &s->r, "ebs-snapshot");
	if (!f)
		return;
	if (st == MM_ST_PASS) {
		pf_msg(x, f, "snapshot %s is encrypted", name);
	} else if (st == MM_ST_FAIL) {
		pf_msg(x, f, "snapshot %s%s%s is not encrypted", name,
		       s->volume_id ? " of volume " : "", s->volume_id ? s->volume_id : "");
		pf_ev(x, f, &s->r.loc, "Encrypted=false");
		pf_cli(x, f, NULL, 0);
	} else {
		pf_msg(x, f,
		       "cannot tell whether snapshot %s is encrypted: Encrypted is not in the "
		       "snapshot",
		       name);
	}
	pf_done(x, f);
}

static const struct mm_loc *perm_loc(const struct mm_snapshot *s)
{
	return s->perm_loc.file ? &s->perm_loc : &s->r.loc;
}

static void snap_public(struct pctx *x, const struct mm_snapshot *s, const char *name)
{
	enum mm_status st = s->is_public == MM_YES  ? MM_ST_FAIL
			    : s->is_public == MM_NO ? MM_ST_PASS
						    : MM_ST_UNKNOWN;
	struct finding *f = pf_new(x, "ec2-ebs-snapshot-public", st, &s->r, "ebs-snapshot");
	if (!f)
		return;
	if (st == MM_ST_FAIL) {
		pf_msg(x, f, "snapshot %s%s can be restored by any AWS account (%s)", name,
		       s->encrypted == MM_YES ? "" : ", not encrypted,",
		       "createVolumePermission group all");
		pf_ev(x, f, perm_loc(s), "CreateVolumePermissions Group=all");
		pf_cli(x, f, NULL, 0);
	} else if (st == MM_ST_PASS) {
		pf_msg(x, f, "snapshot %s is not public", name);
	} else {
		pf_msg(x, f, "cannot tell whether snapshot %s is public: %s", name,
		       pf_missing(x, &s->r, MM_K_SNAP_PERMS));
	}
	pf_done(x, f);
}

static void snap_shared(struct pctx *x, const struct mm_snapshot *s, const char *name)
{
	enum mm_status st = s->nshared			 ? MM_ST_FAIL
			    : s->is_public == MM_UNKNOWN ? MM_ST_UNKNOWN
							 : MM_ST_PASS;
	struct finding *f = pf_new(x, "ec2-ebs-snapshot-shared", st, &s->r, "ebs-snapshot");
	if (!f)
		return;
	if (st == MM_ST_FAIL) {
		struct strbuf acc = STRBUF_INIT, arg = STRBUF_INIT;
		bool safe = true;
		for (size_t k = 0; k < s->nshared; k++) {
			if (k < 5)
				strbuf_addf(&acc, "%s%s", k ? ", " : "", s->shared_with[k]);
			strbuf_addf(&arg, "%s%s", k ? "," : "", s->shared_with[k]);
			for (const char *p = s->shared_with[k]; *p; p++)
				safe &= *p >= '0' && *p <= '9';
		}
		if (s->nshared > 5)
			strbuf_addf(&acc, " and %zu more", s->nshared - 5);
		/* an encrypted snapshot is useless to them without a key grant */
		if (s->encrypted == MM_YES)
			f->sev = MM_SEV_INFO;
		pf_msg(x, f, "snapshot %s, %s, can be restored by account%s %s", name,
		       s->encrypted == MM_YES ? "encrypted" : "not encrypted",
		       s->nshared == 1 ? "" : "s", acc.buf);
		pf_ev(x, f, perm_loc(s), "CreateVolumePermissions UserId=%s", arg.buf);
		if (safe)
			pf_cli(x, f, (struct pvar[]){ { "accounts", arg.buf, false } }, 1);
		strbuf_release(&acc);
		strbuf_release(&arg);
	} else if (st == MM_ST_PASS) {
		pf_msg(x, f, "snapshot %s is not shared with other accounts", name);
	} else {
		pf_msg(x, f, "cannot tell whether snapshot %s is shared: %s", name,
		       pf_missing(x, &s->r, MM_K_SNAP_PERMS));
	}
	pf_done(x, f);
}

void check_snapshots(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nsnapshots; i++) {
		const struct mm_snapshot *s = &x->m->snapshots[i];
		if (!owned(&s->r, s->owner))
			continue;
		const char *name = pctx_name(x, &s->r);
		snap_encrypted(x, s, name);
		snap_public(x, s, name);
		snap_shared(x, s, name);
	}
}

void check_images(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nimages; i++) {
		const struct mm_image *img = &x->m->images[i];
		if (!owned(&img->r, img->owner))
			continue;
		enum mm_status st = img->is_public == MM_YES  ? MM_ST_FAIL
				    : img->is_public == MM_NO ? MM_ST_PASS
							      : MM_ST_UNKNOWN;
		struct finding *f = pf_new(x, "ec2-ami-public", st, &img->r, "ami");
		if (!f)
			continue;
		const char *name =
		    img->name ? arena_printf(&x->out->arena, "%s (%s)", img->r.id, img->name)
			      : img->r.id;
		if (st == MM_ST_FAIL) {
			pf_msg(x, f, "image %s owned by this account can be launched by anyone",
			       name);
			pf_ev(x, f, &img->r.loc, "Public=true");
			pf_cli(x, f, NULL, 0);
		} else if (st == MM_ST_PASS) {
			pf_msg(x, f, "image %s is not public", name);
		} else {
			pf_msg(x, f,
			       "cannot tell whether image %s is public: Public is not in the "
			       "snapshot",
			       name);
		}
		pf_done(x, f);
	}
}
