/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Errors: a function that can fail returns 0 or a negative MM_E* code and
 * fills a caller-supplied struct mm_err with one message a user can act on:
 * lowercase, no final period, subject in quotes, position where known.
 * Diagnostics that do not stop the work (a malformed file among many, an
 * unknown key) go into a struct mm_diags list that every output renders.
 */
#ifndef MM_ERR_H
#define MM_ERR_H

#include <stddef.h>

enum {
	MM_OK = 0,
	MM_EIO = -1,	/* cannot read/write */
	MM_EPARSE = -2, /* malformed input */
	MM_ETYPE = -3,	/* well-formed but wrong shape */
	MM_ELIMIT = -4, /* input exceeds a limit (size, depth) */
	MM_EUSAGE = -5, /* caller error */
	MM_ENOTFOUND = -6,
};

struct mm_err {
	int code;
	char msg[1024];
};

__attribute__((format(printf, 3, 4))) int mm_err_set(struct mm_err *e, int code, const char *fmt,
						     ...);

enum mm_diag_level { MM_DIAG_ERROR, MM_DIAG_WARNING };

struct mm_diag {
	enum mm_diag_level level;
	char *file;    /* may be NULL */
	long long off; /* byte offset, -1 if none */
	char *msg;
};

/* A list of diagnostics; owns its strings. */
struct mm_diags {
	struct mm_diag *v;
	size_t nr, alloc;
	size_t nr_errors, nr_warnings;
};

void mm_diags_add(struct mm_diags *d, enum mm_diag_level lvl, const char *file, long long off,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void mm_diags_release(struct mm_diags *d);

#endif
