/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strbuf: a growable byte string. Invariants (as in git): buf is always
 * NUL-terminated, buf[len] == '\0', len < alloc once anything is allocated,
 * and buf points at a static empty string before the first growth so a fresh
 * strbuf can be printed. `max` (0 = unlimited) caps growth for bytes that come
 * from outside; strbuf_add* return -1 instead of growing past it.
 */
#ifndef MM_STRBUF_H
#define MM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern char strbuf_slopbuf[];

struct strbuf {
	size_t alloc;
	size_t len;
	size_t max;
	char *buf;
};

#define STRBUF_INIT                     \
	{                               \
		0, 0, 0, strbuf_slopbuf \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Take ownership of the buffer (malloc'd, NUL-terminated); sb is reset. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
int strbuf_grow(struct strbuf *sb, size_t extra);
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, int c);
__attribute__((format(printf, 2, 3))) int strbuf_addf(struct strbuf *sb, const char *fmt, ...);
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Append s as a JSON string literal, quotes included. */
/*
 * JSON string literal of s (NULL: null). Control characters are escaped, and
 * the result is always valid UTF-8: an invalid sequence in s becomes U+FFFD
 * (one per maximal subpart, as Unicode recommends), so input bytes can never
 * make the output unparsable.
 */
void strbuf_add_json_str(struct strbuf *sb, const char *s);
void strbuf_add_json_strn(struct strbuf *sb, const char *s, size_t n);

/*
 * Decode the UTF-8 sequence at s[i] (i < n): returns its length in bytes and
 * sets *cp; an invalid or truncated sequence (overlong forms, surrogates,
 * above U+10FFFF, stray continuation bytes) gives U+FFFD and the length of
 * its maximal subpart (at least 1).
 */
size_t mm_utf8_next(const char *s, size_t n, size_t i, uint32_t *cp);

#endif
