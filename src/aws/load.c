/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshot loader (placeholder until the loader lands). */
#include "snapshot.h"

#include "base/banned.h"

int snapshot_load(struct mm_model *m, const char *path, const struct snapshot_opts *o,
		  struct mm_err *e)
{
	(void)o;
	m->root = path;
	mm_model_index(m);
	return mm_err_set(e, MM_EIO, "cannot load '%s': loader not built yet", path);
}

int snapshot_load_buffer(struct mm_model *m, const char *name, const char *buf, size_t len,
			 const struct snapshot_opts *o, struct mm_err *e)
{
	(void)m;
	(void)buf;
	(void)len;
	(void)o;
	return mm_err_set(e, MM_EIO, "cannot load '%s': loader not built yet", name);
}
