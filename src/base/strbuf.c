/* SPDX-License-Identifier: Apache-2.0 */
/* Growable strings; see strbuf.h for the invariants. */
#include "strbuf.h"

#include <stdio.h>
#include <string.h>

#include "wrapper.h"

char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = sb->max = 0;
	sb->buf = strbuf_slopbuf;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	size_t max = sb->max;
	strbuf_init(sb, 0);
	sb->max = max;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *p = sb->alloc ? sb->buf : xstrdup("");
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return p;
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = st_add(st_add(sb->len, extra), 1);
	if (sb->max && need > sb->max + 1)
		return -1;
	if (need <= sb->alloc)
		return 0;
	size_t na = sb->alloc < 64 ? 64 : sb->alloc;
	while (na < need)
		na = st_mult(na, 2);
	if (sb->max && na > sb->max + 1)
		na = sb->max + 1;
	if (!sb->alloc) {
		sb->buf = xmalloc(na);
		sb->buf[0] = '\0';
	} else {
		sb->buf = xrealloc(sb->buf, na);
	}
	sb->alloc = na;
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (strbuf_grow(sb, len) < 0)
		return -1;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;
	return strbuf_add(sb, &ch, 1);
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("bad format string");
	if (strbuf_grow(sb, (size_t)n) < 0)
		return -1;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

size_t mm_utf8_next(const char *s, size_t n, size_t i, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s + i;
	size_t left = n - i;
	unsigned char c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/* length and the range of the second byte (RFC 3629 section 4) */
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f; /* nothing above U+10FFFF */
	} else {
		*cp = 0xfffd;
		return 1;
	}
	/* an invalid sequence is replaced by one U+FFFD per maximal subpart
	 * (Unicode's recommended practice, as Python's "replace" does) */
	if (left < 2 || p[1] < lo || p[1] > hi) {
		*cp = 0xfffd;
		return 1;
	}
	uint32_t v = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
	v = (v << 6) | (p[1] & 0x3f);
	for (size_t k = 2; k < len; k++) {
		if (k >= left || (p[k] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return k;
		}
		v = (v << 6) | (p[k] & 0x3f);
	}
	*cp = v;
	return len;
}

void strbuf_add_json_strn(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < n; i++) {
		/* copy runs of characters that need no escaping in one go */
		size_t j = i;
		while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7f &&
		       s[j] != '"' && s[j] != '\\')
			j++;
		if (j > i) {
			strbuf_add(sb, s + i, j - i);
			if (j == n)
				break;
			i = j;
		}
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			strbuf_add(sb, "\\\"", 2);
			break;
		case '\\':
			strbuf_add(sb, "\\\\", 2);
			break;
		case '\n':
			strbuf_add(sb, "\\n", 2);
			break;
		case '\r':
			strbuf_add(sb, "\\r", 2);
			break;
		case '\t':
			strbuf_add(sb, "\\t", 2);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				strbuf_add(sb, u, 6);
			} else {
				/* non-ASCII: copy a valid UTF-8 sequence, replace an
				 * invalid one by U+FFFD, so the output is always JSON */
				uint32_t cp;
				size_t k = mm_utf8_next(s, n, i, &cp);
				if (cp == 0xfffd)
					strbuf_add(sb, "\xef\xbf\xbd", 3);
				else
					strbuf_add(sb, s + i, k);
				i += k - 1;
			}
		}
	}
	strbuf_addch(sb, '"');
}

void strbuf_add_json_str(struct strbuf *sb, const char *s)
{
	if (!s) {
		strbuf_addstr(sb, "null");
		return;
	}
	strbuf_add_json_strn(sb, s, strlen(s));
}
