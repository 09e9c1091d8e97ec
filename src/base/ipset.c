/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CIDR parsing and interval-set algebra. Sets are small (tens of intervals)
 * in practice, so union and subtraction rebuild the array linearly rather
 * than using a tree.
 */
#include "ipset.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wrapper.h"
#include "banned.h"

int mm_addr_parse(const char *s, enum mm_family *fam, mm_u128 *out)
{
	unsigned char b[16];
	if (!s)
		return -1;
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, b) != 1)
			return -1;
		mm_u128 a = 0;
		for (int i = 0; i < 16; i++)
			a = (a << 8) | b[i];
		*fam = MM_AF_INET6;
		*out = a;
		return 0;
	}
	/* inet_pton accepts only dotted quads with four parts: what AWS prints */
	if (inet_pton(AF_INET, s, b) != 1)
		return -1;
	*fam = MM_AF_INET;
	*out = ((mm_u128)b[0] << 24) | ((mm_u128)b[1] << 16) | ((mm_u128)b[2] << 8) | b[3];
	return 0;
}

static mm_u128 hostmask(enum mm_family f, unsigned prefix)
{
	unsigned bits = f == MM_AF_INET ? 32 : 128;
	if (prefix >= bits)
		return 0;
	mm_u128 m = (prefix == 0) ? ~(mm_u128)0 : (((mm_u128)1 << (bits - prefix)) - 1);
	return m & mm_family_max(f);
}

int mm_cidr_parse(const char *s, struct mm_cidr *out)
{
	char buf[64];
	if (!s)
		return -1;
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	char *slash = strchr(buf, '/');
	long prefix = -1;
	if (slash) {
		*slash = '\0';
		char *end;
		if (!slash[1] || slash[1] == '-' || slash[1] == '+')
			return -1;
		prefix = strtol(slash + 1, &end, 10);
		if (*end)
			return -1;
	}
	enum mm_family f;
	mm_u128 a;
	if (mm_addr_parse(buf, &f, &a))
		return -1;
	unsigned bits = f == MM_AF_INET ? 32 : 128;
	if (prefix < 0)
		prefix = bits;
	if (prefix > (long)bits)
		return -1;
	out->family = f;
	out->prefix = (unsigned)prefix;
	out->addr = a & ~hostmask(f, (unsigned)prefix) & mm_family_max(f);
	return 0;
}

mm_u128 mm_cidr_first(const struct mm_cidr *c)
{
	return c->addr;
}

mm_u128 mm_cidr_last(const struct mm_cidr *c)
{
	return c->addr | hostmask(c->family, c->prefix);
}

bool mm_cidr_contains(const struct mm_cidr *c, enum mm_family fam, mm_u128 addr)
{
	return fam == c->family && addr >= mm_cidr_first(c) && addr <= mm_cidr_last(c);
}

const char *mm_addr_fmt(enum mm_family fam, mm_u128 a, char *buf)
{
	unsigned char b[16];
	if (fam == MM_AF_INET) {
		for (int i = 0; i < 4; i++)
			b[i] = (unsigned char)(a >> (8 * (3 - i)));
		inet_ntop(AF_INET, b, buf, 46);
	} else {
		for (int i = 0; i < 16; i++)
			b[i] = (unsigned char)(a >> (8 * (15 - i)));
		inet_ntop(AF_INET6, b, buf, 46);
	}
	return buf;
}

void ivset_release(struct ivset *s)
{
	free(s->v);
	s->v = NULL;
	s->nr = s->alloc = 0;
}

void ivset_clear(struct ivset *s)
{
	s->nr = 0;
}

void ivset_copy(struct ivset *dst, const struct ivset *src)
{
	dst->nr = 0;
	ALLOC_GROW(dst->v, src->nr, dst->alloc);
	if (src->nr)
		memcpy(dst->v, src->v, src->nr * sizeof(*src->v));
	dst->nr = src->nr;
}

void ivset_add(struct ivset *s, mm_u128 lo, mm_u128 hi)
{
	if (lo > hi)
		return;
	/* find first interval that could touch [lo,hi]: its hi+1 >= lo */
	size_t i = 0, n = s->nr;
	size_t l = 0, r = n;
	while (l < r) {
		size_t m = (l + r) / 2;
		mm_u128 h = s->v[m].hi;
		if (h != ~(mm_u128)0 && h + 1 < lo)
			l = m + 1;
		else
			r = m;
	}
	i = l;
	size_t j = i;
	while (j < n && (hi == ~(mm_u128)0 || s->v[j].lo <= hi + 1)) {
		if (s->v[j].lo < lo)
			lo = s->v[j].lo;
		if (s->v[j].hi > hi)
			hi = s->v[j].hi;
		j++;
	}
	/* replace [i, j) with one interval */
	if (j == i) {
		ALLOC_GROW(s->v, s->nr + 1, s->alloc);
		memmove(s->v + i + 1, s->v + i, (n - i) * sizeof(*s->v));
		s->nr++;
	} else if (j > i + 1) {
		memmove(s->v + i + 1, s->v + j, (n - j) * sizeof(*s->v));
		s->nr -= (j - i - 1);
	}
	s->v[i].lo = lo;
	s->v[i].hi = hi;
}

void ivset_add_cidr(struct ivset *s, const struct mm_cidr *c)
{
	ivset_add(s, mm_cidr_first(c), mm_cidr_last(c));
}

void ivset_union(struct ivset *dst, const struct ivset *src)
{
	for (size_t i = 0; i < src->nr; i++)
		ivset_add(dst, src->v[i].lo, src->v[i].hi);
}

void ivset_intersect(struct ivset *dst, const struct ivset *src)
{
	struct ivset out = IVSET_INIT;
	size_t i = 0, j = 0;
	while (i < dst->nr && j < src->nr) {
		mm_u128 lo = dst->v[i].lo > src->v[j].lo ? dst->v[i].lo : src->v[j].lo;
		mm_u128 hi = dst->v[i].hi < src->v[j].hi ? dst->v[i].hi : src->v[j].hi;
		if (lo <= hi) {
			ALLOC_GROW(out.v, out.nr + 1, out.alloc);
			out.v[out.nr].lo = lo;
			out.v[out.nr].hi = hi;
			out.nr++;
		}
		if (dst->v[i].hi < src->v[j].hi)
			i++;
		else
			j++;
	}
	free(dst->v);
	*dst = out;
}

void ivset_subtract(struct ivset *dst, const struct ivset *src)
{
	struct ivset out = IVSET_INIT;
	size_t j = 0;
	for (size_t i = 0; i < dst->nr; i++) {
		mm_u128 lo = dst->v[i].lo, hi = dst->v[i].hi;
		bool alive = true;
		while (j < src->nr && src->v[j].hi < lo)
			j++;
		size_t k = j;
		while (alive && k < src->nr && src->v[k].lo <= hi) {
			if (src->v[k].lo > lo) {
				ALLOC_GROW(out.v, out.nr + 1, out.alloc);
				out.v[out.nr].lo = lo;
				out.v[out.nr].hi = src->v[k].lo - 1;
				out.nr++;
			}
			if (src->v[k].hi >= hi)
				alive = false;
			else
				lo = src->v[k].hi + 1;
			k++;
		}
		if (alive) {
			ALLOC_GROW(out.v, out.nr + 1, out.alloc);
			out.v[out.nr].lo = lo;
			out.v[out.nr].hi = hi;
			out.nr++;
		}
	}
	free(dst->v);
	*dst = out;
}

bool ivset_contains(const struct ivset *s, mm_u128 x)
{
	size_t l = 0, r = s->nr;
	while (l < r) {
		size_t m = (l + r) / 2;
		if (s->v[m].hi < x)
			l = m + 1;
		else
			r = m;
	}
	return l < s->nr && s->v[l].lo <= x;
}

bool ivset_covers(const struct ivset *s, mm_u128 lo, mm_u128 hi)
{
	size_t l = 0, r = s->nr;
	while (l < r) {
		size_t m = (l + r) / 2;
		if (s->v[m].hi < lo)
			l = m + 1;
		else
			r = m;
	}
	return l < s->nr && s->v[l].lo <= lo && s->v[l].hi >= hi;
}

bool ivset_overlaps(const struct ivset *s, mm_u128 lo, mm_u128 hi)
{
	size_t l = 0, r = s->nr;
	while (l < r) {
		size_t m = (l + r) / 2;
		if (s->v[m].hi < lo)
			l = m + 1;
		else
			r = m;
	}
	return l < s->nr && s->v[l].lo <= hi;
}

bool ivset_equal(const struct ivset *a, const struct ivset *b)
{
	if (a->nr != b->nr)
		return false;
	return a->nr == 0 || memcmp(a->v, b->v, a->nr * sizeof(*a->v)) == 0;
}

mm_u128 ivset_count(const struct ivset *s)
{
	mm_u128 t = 0;
	for (size_t i = 0; i < s->nr; i++) {
		mm_u128 c = s->v[i].hi - s->v[i].lo;
		if (c == ~(mm_u128)0 || t + c + 1 < t)
			return ~(mm_u128)0;
		t += c + 1;
	}
	return t;
}

/* IANA special-purpose registries (RFC 6890 and updates), plus multicast and
 * class E, which are never a unicast internet source. */
static const char *const special4[] = {
	"0.0.0.0/8",	  "10.0.0.0/8",	    "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "172.16.0.0/12",  "192.0.0.0/24",  "192.0.2.0/24",
	"192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
	"203.0.113.0/24", "224.0.0.0/4",    "240.0.0.0/4",   NULL,
};
static const char *const special6[] = {
	"::/128",	 "::1/128",  "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
	"2001:db8::/32", "fc00::/7", "fe80::/10",     "ff00::/8",	NULL,
};

struct special_cache {
	int ready;
	struct ivset special, internet;
};
static struct special_cache cache4, cache6;

static struct special_cache *special_get(enum mm_family fam)
{
	struct special_cache *c = fam == MM_AF_INET ? &cache4 : &cache6;
	if (c->ready)
		return c;
	const char *const *list = fam == MM_AF_INET ? special4 : special6;
	for (size_t i = 0; list[i]; i++) {
		struct mm_cidr cd;
		if (mm_cidr_parse(list[i], &cd))
			BUG("bad built-in special range");
		ivset_add_cidr(&c->special, &cd);
	}
	ivset_add(&c->internet, 0, mm_family_max(fam));
	if (fam == MM_AF_INET6) {
		/* only global unicast 2000::/3 is routed on the internet */
		struct ivset g = IVSET_INIT;
		struct mm_cidr cd;
		mm_cidr_parse("2000::/3", &cd);
		ivset_add_cidr(&g, &cd);
		ivset_intersect(&c->internet, &g);
		ivset_release(&g);
	}
	ivset_subtract(&c->internet, &c->special);
	c->ready = 1;
	return c;
}

const struct ivset *mm_special_ranges(enum mm_family fam)
{
	return &special_get(fam)->special;
}

const struct ivset *mm_internet_ranges(enum mm_family fam)
{
	return &special_get(fam)->internet;
}
