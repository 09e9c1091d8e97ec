/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mutelist: suppressions loaded from a YAML file. An entry matches findings
 * by account, region, rule, resource id/ARN pattern (glob) and tags; each
 * entry has a reason and an optional expiry date. Matching findings get status
 * MM_ST_MUTED and the reason; they are never dropped. The format is in
 * docs/mutelist.md.
 *
 * Ownership: a struct mutelist owns an arena with every pattern and reason;
 * mute reasons set on findings are copied into the findings' arena, so the
 * mutelist may be freed before the findings are rendered.
 */
#ifndef MM_MUTELIST_H
#define MM_MUTELIST_H

#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/finding.h"

struct mutelist;

/* Parse a mutelist from a file. Errors name the file and line. */
int mutelist_load(struct mutelist **out, const char *path, struct mm_err *e);
int mutelist_parse(struct mutelist **out, const char *name, const char *buf, size_t len,
		   struct mm_err *e);
/* Mute matching findings; entries past their expiry (relative to now) do not
 * apply. Returns the number of findings muted. */
size_t mutelist_apply(const struct mutelist *ml, struct findings *fs, time_t now);
/*
 * The same, and add one warning to `diags` (if not NULL) per entry that has
 * expired: "mute entry N expired on DATE ...", naming the mutelist file and
 * the entry's byte offset. Only FAIL and UNKNOWN findings are muted; the
 * first entry that matches gives the reason.
 */
size_t mutelist_apply_diags(const struct mutelist *ml, struct findings *fs, time_t now,
			    struct mm_diags *diags);
/* Number of entries. */
size_t mutelist_count(const struct mutelist *ml);
void mutelist_free(struct mutelist *ml);

#endif
