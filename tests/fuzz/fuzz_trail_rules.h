/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the Sigma and Falco rule harnesses: load a rules buffer into a
 * rule set and check the properties both promise: every refusal is counted
 * and explained, and the eventName/eventSource index never drops a matching
 * rule (indexed evaluation and a brute-force pass over every rule give the
 * same hits on the sample events). Included by exactly one harness per binary.
 */
#ifndef MM_FUZZ_TRAIL_RULES_H
#define MM_FUZZ_TRAIL_RULES_H

#include <string.h>

#include "fuzz.h"
#include "base/arena.h"
#include "base/strbuf.h"
#include "trail/trail-int.h"

static const char *const events[] = {
	"{\"eventName\":\"CreateAccessKey\",\"eventSource\":\"iam.amazonaws.com\","
	"\"eventTime\":\"2024-05-01T10:00:00Z\",\"userIdentity\":{\"type\":\"AssumedRole\","
	"\"arn\":\"arn:aws:sts::1:assumed-role/a/b\"},\"sourceIPAddress\":\"203.0.113.9\","
	"\"userAgent\":\"S3 Browser\",\"requestParameters\":{\"userName\":\"b\",\"n\":7,"
	"\"l\":[\"x\",\"y\"]},\"responseElements\":{\"accessKey\":{\"userName\":\"b\"}}}",
	"{\"eventName\":\"RunInstances\",\"eventSource\":\"ec2.amazonaws.com\",\"errorCode\":"
	"\"AccessDenied\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"2001:db8::1\"}",
};

static size_t hits(const struct trail_ruleset *rs, const struct trail_policy *p, const char *ev)
{
	struct tr_ctx ctx;
	struct arena scratch = ARENA_INIT, cands = ARENA_INIT;
	tr_ctx_init(&ctx, rs, p);
	size_t n = strlen(ev);
	char *buf = arena_alloc(&scratch, n + TR_PAD + 1);
	memcpy(buf, ev, n);
	struct tr_member *m = NULL;
	size_t nm = 0, am = 0, end = 0, err_at = 0;
	const char *why;
	FUZZ_CHECK(tr_scan_object(buf, n, 0, &scratch, &m, &nm, &am, &end, &err_at, &why) == 0);
	struct tr_event e = { .buf = buf, .len = n, .m = m, .nm = nm, .a = &scratch };
	struct tr_cand *c = tr_evaluate(&ctx, &e, &cands);
	size_t h = 0;
	for (size_t i = 0; c && i < c->nhits; i++)
		h += !c->hits[i].rule->bi;
	if (c && c->nhits == 64)
		h = (size_t)-1; /* capped: not comparable */
	free(m);
	tr_ctx_release(&ctx);
	arena_release(&scratch);
	arena_release(&cands);
	return h;
}

/* every enabled rule evaluated directly, index bypassed */
static size_t brute(const struct trail_ruleset *rs, const struct trail_policy *p, const char *ev)
{
	struct tr_ctx ctx;
	struct arena scratch = ARENA_INIT;
	tr_ctx_init(&ctx, rs, p);
	size_t n = strlen(ev), h = 0;
	char *buf = arena_alloc(&scratch, n + TR_PAD + 1);
	memcpy(buf, ev, n);
	struct tr_member *m = NULL;
	size_t nm = 0, am = 0, end = 0, err_at = 0;
	const char *why;
	FUZZ_CHECK(tr_scan_object(buf, n, 0, &scratch, &m, &nm, &am, &end, &err_at, &why) == 0);
	struct tr_event e = { .buf = buf, .len = n, .m = m, .nm = nm, .a = &scratch, .ctx = &ctx };
	e.name = tr_event_str(&e, "eventName");
	e.source = tr_event_str(&e, "eventSource");
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct tr_rule *r = rs->rules[i];
		if (r->enabled && r->match && !r->bi && r->match(r, &e))
			h++;
	}
	free(m);
	tr_ctx_release(&ctx);
	arena_release(&scratch);
	return h;
}

/* Load one rules buffer, then check the properties on every sample event. */
static int fuzz_trail_rules(const char *name, const char *buf, size_t len)
{
	struct trail_ruleset rs;
	struct trail_policy pol;
	struct mm_err e = { 0 };
	struct mm_diags d = { 0 };
	trail_ruleset_init(&rs);
	FUZZ_CHECK(trail_policy_default(&pol, &e) == 0);
	trail_ruleset_add_buffer(&rs, name, buf, len, &d, &e);
	trail_ruleset_finish(&rs, &pol);
	FUZZ_CHECK(d.nr_errors >= (rs.nrefused ? 1u : 0u));
	for (size_t i = 0; i < d.nr; i++)
		FUZZ_CHECK(d.v[i].msg[0] != '\0');
	for (size_t k = 0; k < sizeof(events) / sizeof(events[0]); k++) {
		size_t h = hits(&rs, &pol, events[k]);
		FUZZ_CHECK(h == (size_t)-1 || h == brute(&rs, &pol, events[k]));
	}
	mm_diags_release(&d);
	trail_ruleset_release(&rs);
	trail_policy_release(&pol);
	return 0;
}

#endif
