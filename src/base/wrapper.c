/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation wrappers and fatal-error reporting; see wrapper.h. */
#include "wrapper.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void die(const char *fmt, ...)
{
	va_list ap;
	fputs("mamori: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(3);
}

void bug_fl(const char *file, int line, const char *msg)
{
	fprintf(stderr, "mamori: BUG: %s:%d: %s\n", file, line, msg);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		die("out of memory allocating %zu bytes", size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (!q)
		die("out of memory reallocating %zu bytes", size);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(st_add(n, 1));
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
