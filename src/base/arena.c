/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Arena allocator: chunks grow geometrically up to 1 MiB; a request larger
 * than a quarter chunk gets a chunk of its own so big strings do not waste
 * the tail of the current one.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wrapper.h"

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t pos;
	_Alignas(16) unsigned char data[];
};

#define CHUNK_MIN 4096
#define CHUNK_MAX (1u << 20)

void arena_init(struct arena *a)
{
	memset(a, 0, sizeof(*a));
}

static struct arena_chunk *chunk_new(struct arena *a, size_t size)
{
	struct arena_chunk *c = xmalloc(st_add(sizeof(*c), size));
	c->size = size;
	c->pos = 0;
	a->total += size;
	return c;
}

void *arena_alloc(struct arena *a, size_t size)
{
	size_t need = (size + 15) & ~(size_t)15;
	struct arena_chunk *c = a->head;
	if (need < size)
		die("arena allocation overflow");
	if (!c || c->size - c->pos < need) {
		size_t csz = c ? c->size * 2 : CHUNK_MIN;
		if (csz > CHUNK_MAX)
			csz = CHUNK_MAX;
		if (need > csz / 4) {
			/* big: own chunk, linked after head so head keeps its tail */
			struct arena_chunk *big = chunk_new(a, need);
			if (c) {
				big->next = c->next;
				c->next = big;
			} else {
				big->next = NULL;
				a->head = big;
			}
			big->pos = need;
			a->used += need;
			memset(big->data, 0, need);
			return big->data;
		}
		c = chunk_new(a, csz);
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->pos;
	c->pos += need;
	a->used += need;
	memset(p, 0, need);
	return p;
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
	return arena_alloc(a, st_mult(n, size));
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, st_add(len, 1));
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	/* most results are short: format once into a stack buffer */
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		die("arena_printf: bad format");
	char *p = arena_alloc(a, (size_t)n + 1);
	if ((size_t)n < sizeof(tmp)) {
		memcpy(p, tmp, (size_t)n + 1);
		return p;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	arena_init(a);
}
