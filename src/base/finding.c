/* SPDX-License-Identifier: Apache-2.0 */
/* Findings: the shared result type; see finding.h. */
#include "finding.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

#include "wrapper.h"
#include "banned.h"

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };
static const char *const status_names[] = { "fail", "unknown", "muted", "pass" };

const char *mm_sev_name(enum mm_sev s)
{
	return (unsigned)s < 5 ? sev_names[s] : "?";
}

int mm_sev_parse(const char *s, enum mm_sev *out)
{
	for (int i = 0; i < 5; i++) {
		if (!strcasecmp(s, sev_names[i])) {
			*out = (enum mm_sev)i;
			return 0;
		}
	}
	return -1;
}

const char *mm_status_name(enum mm_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "?";
}

void findings_init(struct findings *fs)
{
	memset(fs, 0, sizeof(*fs));
	arena_init(&fs->arena);
}

void findings_release(struct findings *fs)
{
	free(fs->v);
	arena_release(&fs->arena);
	memset(fs, 0, sizeof(*fs));
}

struct finding *findings_add(struct findings *fs)
{
	ALLOC_GROW(fs->v, fs->nr + 1, fs->alloc);
	struct finding *f = &fs->v[fs->nr++];
	memset(f, 0, sizeof(*f));
	return f;
}

void finding_add_evidence(struct findings *fs, struct finding *f, const char *loc, const char *what)
{
	struct mm_evidence *nv = arena_calloc(&fs->arena, f->nev + 1, sizeof(*nv));
	if (f->nev)
		memcpy(nv, f->ev, f->nev * sizeof(*nv));
	nv[f->nev].loc = loc ? arena_strdup(&fs->arena, loc) : NULL;
	nv[f->nev].what = what ? arena_strdup(&fs->arena, what) : NULL;
	f->ev = nv;
	f->nev++;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	if (s)
		for (; *s; s++) {
			h ^= (unsigned char)*s;
			h *= 1099511628211ull;
		}
	h ^= 0xff; /* field separator so ("ab","c") != ("a","bc") */
	h *= 1099511628211ull;
	return h;
}

void finding_fingerprint(struct finding *f)
{
	uint64_t h = 1469598103934665603ull;
	h = fnv(h, f->rule);
	h = fnv(h, f->account);
	h = fnv(h, f->region);
	h = fnv(h, f->res_id);
	h = fnv(h, f->fp_extra);
	snprintf(f->id, sizeof(f->id), "%016llx", (unsigned long long)h);
}

static int status_rank(enum mm_status s)
{
	return (int)s;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	if (a->sev != b->sev)
		return a->sev > b->sev ? -1 : 1;
	if (a->status != b->status)
		return status_rank(a->status) - status_rank(b->status);
	int c = cmp_str(a->rule, b->rule);
	if (c)
		return c;
	if ((c = cmp_str(a->account, b->account)))
		return c;
	if ((c = cmp_str(a->region, b->region)))
		return c;
	if ((c = cmp_str(a->res_id, b->res_id)))
		return c;
	return strcmp(a->id, b->id);
}

void findings_sort(struct findings *fs)
{
	if (fs->nr > 1)
		mm_qsort(fs->v, fs->nr, sizeof(*fs->v), cmp_finding);
}
