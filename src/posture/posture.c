/* SPDX-License-Identifier: Apache-2.0 */
/* Posture rule engine (placeholder until the rules land). */
#include "posture.h"

#include <string.h>

#include "base/banned.h"

int posture_catalog_load(struct posture_catalog *c, struct mm_err *e)
{
	memset(c, 0, sizeof(*c));
	return 0;
}

void posture_catalog_release(struct posture_catalog *c)
{
	arena_release(&c->arena);
}

const struct posture_rule *posture_rule_find(const struct posture_catalog *c, const char *id)
{
	for (size_t i = 0; i < c->nr; i++)
		if (!strcmp(c->v[i].id, id))
			return &c->v[i];
	return NULL;
}

int posture_run(struct mm_model *m, const struct posture_catalog *c, const struct posture_opts *o,
		struct findings *out, struct mm_err *e)
{
	return 0;
}
