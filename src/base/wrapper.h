/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation wrappers that die on out-of-memory, overflow-checked size
 * arithmetic, and BUG() for broken invariants. die() is the only exit from
 * library code and is reserved for conditions no caller can handle.
 */
#ifndef MM_WRAPPER_H
#define MM_WRAPPER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((noreturn)) void bug_fl(const char *file, int line, const char *msg);
#define BUG(msg) bug_fl(__FILE__, __LINE__, (msg))

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

static inline size_t st_add(size_t a, size_t b)
{
	if (a > SIZE_MAX - b)
		die("size overflow: %zu + %zu", a, b);
	return a + b;
}

static inline size_t st_mult(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b)
		die("size overflow: %zu * %zu", a, b);
	return a * b;
}

/* Grow *arr (of *alloc elements of elsize) to hold at least nr elements. */
#define ALLOC_GROW(arr, nr, alloc)                                                 \
	do {                                                                       \
		if ((size_t)(nr) > (size_t)(alloc)) {                              \
			size_t na_ = (size_t)(alloc) < 8 ? 16 : (size_t)(alloc)*2; \
			if (na_ < (size_t)(nr))                                    \
				na_ = (size_t)(nr);                                \
			(arr) = xrealloc((arr), st_mult(na_, sizeof(*(arr))));     \
			(alloc) = na_;                                             \
		}                                                                  \
	} while (0)

/* qsort() for possibly empty arrays: qsort's base must not be NULL even
 * when n is 0, and empty vectors here are NULL. */
static inline void mm_qsort(void *base, size_t n, size_t size,
			    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

#endif
