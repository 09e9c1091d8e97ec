/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mutelist: suppressions loaded from a YAML file. An entry matches findings
 * by account, region, rule, resource id/ARN pattern (glob) and tags; each
 * entry has a reason and an optional expiry date. Matching findings get status
 * MM_ST_MUTED and the reason; they are never dropped.
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
void mutelist_free(struct mutelist *ml);

#endif
