/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Arena: a bump allocator for data that lives as long as one snapshot or one
 * run. Everything allocated from an arena is freed at once by arena_release();
 * there is no per-object free. Pointers returned stay valid until then.
 * Allocations are 16-byte aligned and zero-filled.
 */
#ifndef MM_ARENA_H
#define MM_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;  /* bytes handed out, for statistics */
	size_t total; /* bytes obtained from malloc */
};

#define ARENA_INIT \
	{          \
		0  \
	}

void arena_init(struct arena *a);
/* Zero-filled, 16-byte aligned; dies on out-of-memory. */
void *arena_alloc(struct arena *a, size_t size);
/* n * size with overflow check. */
void *arena_calloc(struct arena *a, size_t n, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);
__attribute__((format(printf, 2, 3))) char *arena_printf(struct arena *a, const char *fmt, ...);
void arena_release(struct arena *a);

#endif
