/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structural scanner for CloudTrail records: finds where a record ends and
 * where each of its top-level members' values lie, without decoding or
 * allocating, so the reader pays for JSON parsing only for the members a
 * rule reads (trail-int.h, "event view").
 *
 * Speed comes from skipping: a string is skipped by looking at 16 bytes at a
 * time for '"' or '\\' (SSE2), a nested object or array 64 bytes at a time
 * (skip_container). Checks done here: strings end, brackets balance, the
 * keys, ':' and ',' of the record object itself, and keys are fully
 * validated (a key with an escape or a non-ASCII byte goes through json.c).
 * Inside a skipped value only strings and the bracket count are: escapes,
 * numbers, commas, bracket types, depth and UTF-8 are checked by json.c
 * when (if) a rule reads the member.
 */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "trail-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

static inline bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline size_t skip_ws(const char *b, size_t len, size_t i)
{
	while (i < len && is_ws((unsigned char)b[i]))
		i++;
	return i;
}

size_t tr_skip_ws(const char *b, size_t len, size_t i)
{
	return skip_ws(b, len, i);
}

/* b[i] == '"'. *end: index after the closing quote. */
static int skip_string(const char *b, size_t len, size_t i, size_t *end)
{
	i++;
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	while (i < len) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)));
		if (!m) {
			i += 16;
			continue;
		}
		size_t j = i + (size_t)__builtin_ctz(m);
		if (j >= len)
			break;
		if (b[j] == '"') {
			*end = j + 1;
			return TR_SCAN_OK;
		}
		i = j + 2; /* backslash: skip the escaped character */
	}
#else
	while (i < len) {
		char c = b[i];
		if (c == '"') {
			*end = i + 1;
			return TR_SCAN_OK;
		}
		i += c == '\\' ? 2 : 1;
	}
#endif
	return TR_SCAN_MORE;
}

#ifdef __SSE2__
/* 64 bytes at p, one bit per byte equal to c (bit 0 = p[0]) */
static inline uint64_t eq64(const char *p, __m128i c)
{
	uint64_t m0 = (uint32_t)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), c));
	uint64_t m1 = (uint32_t)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)), c));
	uint64_t m2 = (uint32_t)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 32)), c));
	uint64_t m3 = (uint32_t)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 48)), c));
	return m0 | m1 << 16 | m2 << 32 | m3 << 48;
}

/* bits set in x (no popcnt instruction in baseline x86-64) */
static inline unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* bit k set when an odd number of bits at or below k are set in x */
static inline uint64_t prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}
#endif

/*
 * b[i] is '{' or '['. Finds the matching close by counting brackets outside
 * strings, 64 bytes at a time: the quotes of a block give, by a prefix XOR,
 * which bytes are inside strings, and only the brackets outside count. A
 * block holding a backslash (rare in CloudTrail: JSON inside strings) is
 * walked byte by byte, as is the block where the depth may reach zero.
 * Brackets are counted, not matched by type, and depth is not limited: a
 * skipped value is checked by json.c when (if) a rule reads it.
 */
static int skip_container(const char *b, size_t len, size_t i, size_t *end, size_t *err_at,
			  const char **msg)
{
	(void)err_at;
	(void)msg;
	size_t depth = 1;
	bool in_str = false, esc = false;
	i++;
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), ob = _mm_set1_epi8('{'),
		      cb = _mm_set1_epi8('}'), os = _mm_set1_epi8('['), cs = _mm_set1_epi8(']');
	while (i < len) {
		uint64_t valid = len - i >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << (len - i)) - 1;
		uint64_t back = eq64(b + i, bs) & valid;
		if (!back && !esc) {
			uint64_t quotes = eq64(b + i, q) & valid;
			uint64_t inside = prefix_xor(quotes) ^ (in_str ? ~(uint64_t)0 : 0);
			uint64_t open = (eq64(b + i, ob) | eq64(b + i, os)) & valid & ~inside;
			uint64_t close = (eq64(b + i, cb) | eq64(b + i, cs)) & valid & ~inside;
			size_t nc = popcount64(close);
			if (nc < depth) {
				/* the depth cannot reach zero in this block */
				depth += popcount64(open) - nc;
				in_str = (inside >> 63) & 1;
				if (valid != ~(uint64_t)0)
					return TR_SCAN_MORE;
				i += 64;
				continue;
			}
			uint64_t ev = open | close;
			while (ev) {
				unsigned k = (unsigned)__builtin_ctzll(ev);
				ev &= ev - 1;
				if ((open >> k) & 1) {
					depth++;
				} else if (!--depth) {
					*end = i + k + 1;
					return TR_SCAN_OK;
				}
			}
			in_str = (inside >> 63) & 1;
			if (valid != ~(uint64_t)0)
				return TR_SCAN_MORE;
			i += 64;
			continue;
		}
		/* byte by byte to the end of this block (and past a pending escape) */
		size_t stop = i + 64 < len ? i + 64 : len;
		for (; i < stop || (esc && i < len); i++) {
			char c = b[i];
			if (esc) {
				esc = false;
			} else if (in_str) {
				if (c == '\\')
					esc = true;
				else if (c == '"')
					in_str = false;
			} else if (c == '"') {
				in_str = true;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if ((c == '}' || c == ']') && !--depth) {
				*end = i + 1;
				return TR_SCAN_OK;
			}
		}
	}
	return TR_SCAN_MORE;
#else
	for (; i < len; i++) {
		char c = b[i];
		if (esc) {
			esc = false;
		} else if (in_str) {
			if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && !--depth) {
			*end = i + 1;
			return TR_SCAN_OK;
		}
	}
	return TR_SCAN_MORE;
#endif
}

static int skip_scalar(const char *b, size_t len, size_t i, size_t *end, size_t *err_at,
		       const char **msg)
{
	size_t s = i;
	while (i < len) {
		unsigned char c = (unsigned char)b[i];
		if (c == ',' || c == '}' || c == ']' || is_ws(c))
			break;
		if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' ||
		      c == 'E' || (c >= 'a' && c <= 'z'))) {
			*err_at = i;
			*msg = i == s ? "expected a JSON value" : "invalid literal";
			return MM_EPARSE;
		}
		i++;
	}
	if (i >= len)
		return TR_SCAN_MORE;
	if (i == s) {
		*err_at = i;
		*msg = "expected a JSON value";
		return MM_EPARSE;
	}
	*end = i;
	return TR_SCAN_OK;
}

int tr_skip_value(const char *b, size_t len, size_t i, size_t *end, size_t *err_at,
		  const char **msg)
{
	if (i >= len)
		return TR_SCAN_MORE;
	switch (b[i]) {
	case '"':
		return skip_string(b, len, i, end);
	case '{':
	case '[':
		return skip_container(b, len, i, end, err_at, msg);
	case '}':
	case ']':
	case ',':
	case ':':
		*err_at = i;
		*msg = "expected a JSON value";
		return MM_EPARSE;
	default:
		return skip_scalar(b, len, i, end, err_at, msg);
	}
}

/* A key that needs decoding or validating: escapes, control or non-ASCII bytes. */
static bool key_plain(const char *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];
		if (c == '\\' || c < 0x20 || c >= 0x80)
			return false;
	}
	return true;
}

int tr_scan_object(const char *b, size_t len, size_t pos, struct arena *a, struct tr_member **m,
		   size_t *nm, size_t *am, size_t *end, size_t *err_at, const char **msg)
{
	size_t i = pos;
	*nm = 0;
	if (i >= len)
		return TR_SCAN_MORE;
	if (b[i] != '{') {
		*err_at = i;
		*msg = "expected '{'";
		return MM_EPARSE;
	}
	i = skip_ws(b, len, i + 1);
	if (i >= len)
		return TR_SCAN_MORE;
	if (b[i] == '}') {
		*end = i + 1;
		return TR_SCAN_OK;
	}
	for (;;) {
		if (i >= len)
			return TR_SCAN_MORE;
		if (b[i] != '"') {
			*err_at = i;
			*msg = "expected string key";
			return MM_EPARSE;
		}
		size_t ks = i, ke;
		int r = skip_string(b, len, i, &ke);
		if (r)
			return r;
		const char *key = b + ks + 1;
		size_t klen = ke - ks - 2;
		if (!key_plain(key, klen)) {
			/* decode and validate through json.c */
			struct json *kv = NULL;
			struct mm_err e;
			size_t kp = ks;
			long long eo = -1;
			if (json_parse_next(a, b, ke, &kp, NULL, &kv, &eo, &e) ||
			    kv->type != JSON_STRING) {
				*err_at = eo >= 0 ? (size_t)eo : ks;
				*msg = "invalid string key";
				return MM_EPARSE;
			}
			key = kv->u.s;
			klen = kv->n;
		}
		i = skip_ws(b, len, ke);
		if (i >= len)
			return TR_SCAN_MORE;
		if (b[i] != ':') {
			*err_at = i;
			*msg = "expected ':'";
			return MM_EPARSE;
		}
		i = skip_ws(b, len, i + 1);
		size_t vs = i, ve;
		r = tr_skip_value(b, len, i, &ve, err_at, msg);
		if (r)
			return r;
		ALLOC_GROW(*m, *nm + 1, *am);
		struct tr_member *mm = &(*m)[(*nm)++];
		mm->key = key;
		mm->klen = (uint32_t)klen;
		mm->start = (uint32_t)(vs - pos);
		mm->end = (uint32_t)(ve - pos);
		mm->v = NULL;
		mm->state = 0;
		mm->kstate = 0;
		mm->nkids = 0;
		mm->kids = NULL;
		i = skip_ws(b, len, ve);
		if (i >= len)
			return TR_SCAN_MORE;
		if (b[i] == ',') {
			i = skip_ws(b, len, i + 1);
			continue;
		}
		if (b[i] == '}') {
			*end = i + 1;
			return TR_SCAN_OK;
		}
		*err_at = i;
		*msg = "expected ',' or '}'";
		return MM_EPARSE;
	}
}
