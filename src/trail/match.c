/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Matching primitives shared by the Sigma and Falco engines: ASCII
 * case-folding comparisons (Sigma matches case-insensitively by default;
 * CloudTrail field values are ASCII in practice, other bytes compare
 * exactly), wildcard patterns ('*' any run, '?' one byte; Sigma's escapes
 * "\*", "\?" and "\\"), and PCRE2 regular expressions (Sigma `re`).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "trail-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

static inline unsigned char lc(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

char *tr_lower(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++)
		d[i] = (char)lc((unsigned char)s[i]);
	d[n] = '\0';
	return d;
}

bool tr_eq(const char *a, size_t an, const char *b, size_t bn, bool fold)
{
	if (an != bn)
		return false;
	if (!fold)
		return memcmp(a, b, an) == 0;
	for (size_t i = 0; i < an; i++)
		if (lc((unsigned char)a[i]) != (unsigned char)b[i])
			return false;
	return true;
}

bool tr_prefix(const char *h, size_t hn, const char *p, size_t pn, bool fold)
{
	return hn >= pn && tr_eq(h, pn, p, pn, fold);
}

bool tr_suffix(const char *h, size_t hn, const char *p, size_t pn, bool fold)
{
	return hn >= pn && tr_eq(h + hn - pn, pn, p, pn, fold);
}

bool tr_contains(const char *h, size_t hn, const char *nd, size_t nn, bool fold)
{
	if (!nn)
		return true;
	if (nn > hn)
		return false;
	if (!fold)
		return memmem(h, hn, nd, nn) != NULL;
	unsigned char f = (unsigned char)nd[0], F = f;
	if (f >= 'a' && f <= 'z')
		F = (unsigned char)(f - 32);
	for (size_t i = 0; i + nn <= hn; i++) {
		unsigned char c = (unsigned char)h[i];
		if ((c == f || c == F) && tr_eq(h + i + 1, nn - 1, nd + 1, nn - 1, true))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* wildcards: the pattern is kept as literal runs separated by '*'/'?' */

enum { G_LIT, G_STAR, G_ONE };

struct gtok {
	uint8_t kind;
	const char *s; /* G_LIT, lower-case when folding */
	size_t n;
};

struct tr_glob {
	struct gtok *t;
	size_t nt;
	bool fold;
};

struct tr_glob *tr_glob_compile(struct arena *a, const char *s, size_t n, bool sigma_escapes,
				bool fold)
{
	struct tr_glob *g = arena_alloc(a, sizeof(*g));
	g->t = arena_calloc(a, n + 1, sizeof(*g->t));
	g->fold = fold;
	char *lit = arena_alloc(a, n + 1);
	size_t ln = 0, lstart = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (sigma_escapes && c == '\\' && i + 1 < n &&
		    (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
			lit[ln++] = (char)(fold ? lc((unsigned char)s[i + 1]) : s[i + 1]);
			i++;
			continue;
		}
		if (c == '*' || c == '?') {
			if (ln > lstart) {
				g->t[g->nt++] = (struct gtok){ G_LIT, lit + lstart, ln - lstart };
			}
			lit[ln++] = '\0';
			lstart = ln;
			if (c == '*' && g->nt && g->t[g->nt - 1].kind == G_STAR)
				continue;
			g->t[g->nt++] = (struct gtok){ c == '*' ? G_STAR : G_ONE, NULL, 0 };
			continue;
		}
		lit[ln++] = (char)(fold ? lc((unsigned char)c) : c);
	}
	if (ln > lstart)
		g->t[g->nt++] = (struct gtok){ G_LIT, lit + lstart, ln - lstart };
	return g;
}

/*
 * Greedy matching with one backtrack point (the last '*'): linear for
 * patterns whose literal runs are separated by stars, as wildcard patterns
 * are, and correct for '?' inside runs.
 */
static bool glob_at(const struct gtok *t, size_t nt, const char *s, size_t n, bool fold)
{
	size_t ti = 0, si = 0;
	size_t star_t = (size_t)-1, star_s = 0;
	while (ti < nt || si < n) {
		if (ti < nt) {
			const struct gtok *k = &t[ti];
			if (k->kind == G_STAR) {
				star_t = ti++;
				star_s = si;
				continue;
			}
			if (k->kind == G_ONE && si < n) {
				ti++;
				si++;
				continue;
			}
			if (k->kind == G_LIT && si + k->n <= n &&
			    tr_eq(s + si, k->n, k->s, k->n, fold)) {
				ti++;
				si += k->n;
				continue;
			}
		}
		if (star_t == (size_t)-1 || star_s >= n)
			return false;
		/* retry after the star, one byte further on */
		ti = star_t + 1;
		si = ++star_s;
	}
	return true;
}

bool tr_glob_match(const struct tr_glob *g, const char *s, size_t n)
{
	return glob_at(g->t, g->nt, s, n, g->fold);
}

/* ------------------------------------------------------------------ */
/* regular expressions */

struct tr_re {
	pcre2_code *code;
};

struct tr_re *tr_re_compile(struct arena *a, const char *pat, const char *flags, char *msg,
			    size_t msgsz)
{
	uint32_t opt = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	for (const char *f = flags; f && *f; f++) {
		if (*f == 'i')
			opt |= PCRE2_CASELESS;
		else if (*f == 'm')
			opt |= PCRE2_MULTILINE;
		else if (*f == 's')
			opt |= PCRE2_DOTALL;
	}
	int err;
	PCRE2_SIZE eoff;
	pcre2_code *code =
	    pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opt, &err, &eoff, NULL);
	if (!code) {
		PCRE2_UCHAR buf[256];
		pcre2_get_error_message(err, buf, sizeof(buf));
		snprintf(msg, msgsz, "bad regular expression '%s' at offset %zu: %s", pat,
			 (size_t)eoff, (const char *)buf);
		return NULL;
	}
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* optional: falls back to the interpreter */
	struct tr_re *re = arena_alloc(a, sizeof(*re));
	re->code = code;
	return re;
}

bool tr_re_match(const struct tr_re *re, struct tr_ctx *c, const char *s, size_t n)
{
	if (!c->md)
		c->md = pcre2_match_data_create(4, NULL);
	int r = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, c->md, NULL);
	return r >= 0;
}

void tr_re_free(struct tr_re *re)
{
	if (re)
		pcre2_code_free(re->code);
}

void tr_ctx_init(struct tr_ctx *c, const struct trail_ruleset *rs, const struct trail_policy *p)
{
	memset(c, 0, sizeof(*c));
	c->rs = rs;
	c->pol = p;
	strbuf_init(&c->sb, 256);
}

void tr_ctx_release(struct tr_ctx *c)
{
	if (c->md)
		pcre2_match_data_free(c->md);
	strbuf_release(&c->sb);
	memset(c, 0, sizeof(*c));
}
