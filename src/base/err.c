/* SPDX-License-Identifier: Apache-2.0 */
/* Error values and diagnostic lists; see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "wrapper.h"

int mm_err_set(struct mm_err *e, int code, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		e->code = code;
	}
	return code;
}

void mm_diags_add(struct mm_diags *d, enum mm_diag_level lvl, const char *file, long long off,
		  const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ALLOC_GROW(d->v, d->nr + 1, d->alloc);
	struct mm_diag *g = &d->v[d->nr++];
	g->level = lvl;
	g->file = file ? xstrdup(file) : NULL;
	g->off = off;
	g->msg = xstrdup(buf);
	if (lvl == MM_DIAG_ERROR)
		d->nr_errors++;
	else
		d->nr_warnings++;
}

void mm_diags_release(struct mm_diags *d)
{
	for (size_t i = 0; i < d->nr; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->nr = d->alloc = d->nr_errors = d->nr_warnings = 0;
}
