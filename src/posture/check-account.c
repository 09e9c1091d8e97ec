/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-(account, region) settings: EBS encryption by default, the account
 * default for instance metadata (IMDSv2), and EC2 serial console access.
 * A setting that was not collected is unknown for every region the snapshot
 * covers (for EBS: every region with instances or volumes), never "off".
 */
#include "posture-int.h"

#include <string.h>

#include "base/banned.h"

/* The scope holds some EC2 input (IAM alone makes a scope too). */
static bool scope_has_ec2(const struct mm_scope *s)
{
	return (s->have & ~(1ull << MM_K_IAM)) != 0;
}

static void ebs_default(struct pctx *x, const struct mm_scope *s, size_t si, struct mm_res *r)
{
	const struct scope_count *c = &x->scount[si];
	enum mm_status st;
	if (s->ebs_default == MM_YES)
		st = MM_ST_PASS;
	else if (s->ebs_default == MM_NO)
		st = MM_ST_FAIL;
	else if ((s->have & (1ull << MM_K_EBS_DEFAULT)) || c->instances || c->volumes)
		st = MM_ST_UNKNOWN;
	else
		return;
	r->loc = s->ebs_loc;
	struct finding *f = pf_new(x, "ec2-ebs-default-encryption-off", st, r, "account");
	if (!f)
		return;
	if (st == MM_ST_PASS) {
		pf_msg(x, f, "EBS encryption by default is on in account %s region %s", s->account,
		       s->region);
	} else if (st == MM_ST_FAIL) {
		pf_msg(x, f,
		       "EBS encryption by default is off in account %s region %s: new volumes and "
		       "snapshot copies are unencrypted unless each request asks",
		       s->account, s->region);
		pf_ev(x, f, &s->ebs_loc, "EbsEncryptionByDefault=false");
		pf_cli(x, f, NULL, 0);
	} else {
		pf_msg(x, f,
		       "cannot tell whether EBS encryption by default is on: %s (the region has "
		       "%zu instances and %zu volumes)",
		       pf_missing(x, r, MM_K_EBS_DEFAULT), c->instances, c->volumes);
	}
	pf_done(x, f);
}

static void imds_default(struct pctx *x, const struct mm_scope *s, struct mm_res *r)
{
	const struct mm_imds *d = &s->imds_default;
	bool req = d->http_tokens && !strcmp(d->http_tokens, "required");
	enum mm_status st;
	if (s->have_imds_default)
		st = req ? MM_ST_PASS : MM_ST_FAIL;
	else if (scope_has_ec2(s))
		st = MM_ST_UNKNOWN;
	else
		return;
	r->loc = d->loc;
	struct finding *f = pf_new(x, "ec2-imds-default-v1", st, r, "account");
	if (!f)
		return;
	if (st == MM_ST_PASS) {
		pf_msg(x, f, "new instances in account %s region %s require IMDSv2 by default",
		       s->account, s->region);
	} else if (st == MM_ST_FAIL) {
		pf_msg(x, f,
		       "the instance metadata default in account %s region %s is %s%s: new "
		       "instances allow IMDSv1 unless their AMI or launch request requires IMDSv2",
		       s->account, s->region, d->http_tokens ? "HttpTokens " : "\"no preference\"",
		       d->http_tokens ? d->http_tokens : "");
		pf_ev(x, f, &d->loc, "AccountLevel HttpTokens=%s",
		      d->http_tokens ? d->http_tokens : "(no preference)");
		pf_cli(x, f, NULL, 0);
	} else {
		pf_msg(x, f, "cannot tell the instance metadata default: %s",
		       pf_missing(x, r, MM_K_IMDS_DEFAULTS));
	}
	pf_done(x, f);
}

static void serial_console(struct pctx *x, const struct mm_scope *s, struct mm_res *r)
{
	enum mm_status st;
	if (s->serial_console == MM_YES)
		st = MM_ST_FAIL;
	else if (s->serial_console == MM_NO)
		st = MM_ST_PASS;
	else if (scope_has_ec2(s))
		st = MM_ST_UNKNOWN;
	else
		return;
	r->loc = s->serial_loc;
	struct finding *f = pf_new(x, "ec2-serial-console-enabled", st, r, "account");
	if (!f)
		return;
	if (st == MM_ST_FAIL) {
		pf_msg(x, f,
		       "EC2 serial console access is enabled in account %s region %s: anyone "
		       "allowed ec2-instance-connect:SendSerialConsoleSSHPublicKey gets a console "
		       "on any instance, past security groups and network ACLs",
		       s->account, s->region);
		pf_ev(x, f, &s->serial_loc, "SerialConsoleAccessEnabled=true");
		pf_cli(x, f, NULL, 0);
	} else if (st == MM_ST_PASS) {
		pf_msg(x, f, "EC2 serial console access is disabled in account %s region %s",
		       s->account, s->region);
	} else {
		pf_msg(x, f, "cannot tell whether EC2 serial console access is enabled: %s",
		       pf_missing(x, r, MM_K_SERIAL_CONSOLE));
	}
	pf_done(x, f);
}

void check_account(struct pctx *x)
{
	for (size_t i = 0; i < x->m->nscopes; i++) {
		const struct mm_scope *s = &x->m->scopes[i];
		struct mm_res r = { .id = s->account, .account = s->account, .region = s->region };
		ebs_default(x, s, i, &r);
		imds_default(x, s, &r);
		serial_console(x, s, &r);
	}
}
