/* SPDX-License-Identifier: Apache-2.0 */
/* Mutelist (placeholder until it lands). */
#include "mutelist.h"

#include <stdlib.h>

#include "base/banned.h"

int mutelist_load(struct mutelist **out, const char *path, struct mm_err *e)
{
	*out = NULL;
	return mm_err_set(e, MM_EUSAGE, "cannot load '%s': mutelists not built yet", path);
}

int mutelist_parse(struct mutelist **out, const char *name, const char *buf, size_t len,
		   struct mm_err *e)
{
	*out = NULL;
	return mm_err_set(e, MM_EUSAGE, "cannot parse '%s': mutelists not built yet", name);
}

size_t mutelist_apply(const struct mutelist *ml, struct findings *fs, time_t now)
{
	return 0;
}

void mutelist_free(struct mutelist *ml)
{
	free(ml);
}
