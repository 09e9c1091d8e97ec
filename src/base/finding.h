/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct finding: the one result type every analysis produces and every
 * output format renders (DESIGN.md "Data flow"). Analysis code appends to a
 * struct findings; report/ renders it; nothing else prints.
 *
 * Ownership: all strings and arrays hanging off a finding live in the
 * findings' arena (fs->arena) and are freed by findings_release(). The
 * vector itself is malloc'd and may move while findings are added: hold
 * indexes, not pointers, until adding is done.
 */
#ifndef MM_FINDING_H
#define MM_FINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

enum mm_sev { MM_SEV_INFO, MM_SEV_LOW, MM_SEV_MEDIUM, MM_SEV_HIGH, MM_SEV_CRITICAL };
enum mm_status { MM_ST_FAIL, MM_ST_UNKNOWN, MM_ST_MUTED, MM_ST_PASS };

const char *mm_sev_name(enum mm_sev s);
/* Returns 0 and sets *out, or -1 for an unknown name. Accepts any case. */
int mm_sev_parse(const char *s, enum mm_sev *out);
const char *mm_status_name(enum mm_status s);

/* One piece of evidence: where ("file#/json/pointer") and what it says. */
struct mm_evidence {
	const char *loc; /* may be NULL for derived facts */
	const char *what;
};

struct finding_tag {
	const char *key, *value;
};

struct finding {
	char id[17]; /* fingerprint: 16 hex digits, stable across runs */
	const char *rule;
	const char *title;
	enum mm_sev sev;
	enum mm_status status;
	const char *res_type; /* "ec2-instance", "security-group", ... */
	const char *res_id;
	const char *res_arn; /* may be NULL */
	const char *account;
	const char *region;
	const char *message;
	struct mm_evidence *ev;
	size_t nev;
	const char *rem_text;
	const char *rem_cli;	 /* may be NULL */
	const char **compliance; /* "CIS-AWS-3.0:5.2", "FSBP:EC2.13", "Prowler:ec2_..." */
	size_t ncompliance;
	struct finding_tag *tags; /* resource tags, for mutelist matching */
	size_t ntags;
	const char *mute_reason; /* set when status == MM_ST_MUTED */
	/* when status == MM_ST_MUTED: what it was before muting (MM_ST_FAIL or
	 * MM_ST_UNKNOWN), so formats can say "suppressed failure" or
	 * "suppressed unknown" */
	enum mm_status muted_from;
	/* a detection (a CloudTrail alert), not a posture check: formats that
	 * tell them apart (ASFF Types, no Compliance) use it; observed_ms is
	 * when it happened (Unix ms, 0: unknown) */
	bool detection;
	long long observed_ms;
	const char *fp_extra; /* extra fingerprint input (e.g. port class) */
};

struct findings {
	struct arena arena;
	struct finding *v;
	size_t nr, alloc;
};

void findings_init(struct findings *fs);
void findings_release(struct findings *fs);
/* Append a zeroed finding and return it (valid until the next add). */
struct finding *findings_add(struct findings *fs);
/* Append evidence to f; strings are copied into the arena. */
void finding_add_evidence(struct findings *fs, struct finding *f, const char *loc,
			  const char *what);
/* Compute f->id from rule, account, region, resource id and fp_extra. */
void finding_fingerprint(struct finding *f);
/* Sort worst first: severity desc, status (fail, unknown, muted, pass), rule, resource. */
void findings_sort(struct findings *fs);

#endif
