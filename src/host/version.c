/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Version comparison exactly as dpkg and rpm do it, so "installed is older
 * than fixed" means what the package manager means. Written from the
 * documented algorithms (deb-version(7); rpm's rpmvercmp, with '~' sorting
 * before everything and '^' after the end but before anything else) and
 * checked against the real `dpkg --compare-versions` and rpm on thousands
 * of generated pairs (tests/unit/test_host_pkgs.c).
 */
#include "host-int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

/* ---- dpkg ---- */

static int dpkg_order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;
		while ((a < ae && !isdigit((unsigned char)*a)) ||
		       (b < be && !isdigit((unsigned char)*b))) {
			int ac = a < ae ? dpkg_order((unsigned char)*a) : 0;
			int bc = b < be ? dpkg_order((unsigned char)*b) : 0;
			if (ac != bc)
				return ac - bc;
			if (a < ae)
				a++;
			if (b < be)
				b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && isdigit((unsigned char)*a) &&
		       isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && isdigit((unsigned char)*a))
			return 1;
		if (b < be && isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

struct dver {
	long epoch;
	const char *up, *up_end, *rev, *rev_end;
};

static void dpkg_split(const char *v, struct dver *d)
{
	while (isspace((unsigned char)*v))
		v++;
	const char *end = v + strlen(v);
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	d->epoch = 0;
	const char *colon = memchr(v, ':', (size_t)(end - v));
	if (colon) {
		char *e;
		d->epoch = strtol(v, &e, 10);
		v = colon + 1;
	}
	const char *hy = NULL;
	for (const char *p = v; p < end; p++)
		if (*p == '-')
			hy = p;
	d->up = v;
	d->up_end = hy ? hy : end;
	d->rev = hy ? hy + 1 : end;
	d->rev_end = end;
}

int dpkg_vercmp(const char *a, const char *b)
{
	struct dver x, y;
	dpkg_split(a, &x);
	dpkg_split(b, &y);
	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	int r = verrevcmp(x.up, x.up_end, y.up, y.up_end);
	if (r)
		return r < 0 ? -1 : 1;
	r = verrevcmp(x.rev, x.rev_end, y.rev, y.rev_end);
	return r < 0 ? -1 : r > 0;
}

bool dpkg_version_valid(const char *v)
{
	struct dver d;
	if (!*v)
		return false;
	const char *colon = strchr(v, ':');
	if (colon) {
		if (colon == v)
			return false;
		for (const char *p = v; p < colon; p++)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	dpkg_split(v, &d);
	if (d.up == d.up_end || !isdigit((unsigned char)*d.up))
		return false;
	for (const char *p = d.up; p < d.up_end; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".+~-:", *p))
			return false;
	for (const char *p = d.rev; p < d.rev_end; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".+~", *p))
			return false;
	return true;
}

/* ---- rpm ---- */

static bool ralpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool rdigit(char c)
{
	return c >= '0' && c <= '9';
}

static int rpmvercmp_n(const char *one, const char *oe, const char *two, const char *te)
{
	if (oe - one == te - two && !memcmp(one, two, (size_t)(oe - one)))
		return 0;
	while (one < oe || two < te) {
		while (one < oe && !ralpha(*one) && !rdigit(*one) && *one != '~' && *one != '^')
			one++;
		while (two < te && !ralpha(*two) && !rdigit(*two) && *two != '~' && *two != '^')
			two++;
		char c1 = one < oe ? *one : 0, c2 = two < te ? *two : 0;
		if (c1 == '~' || c2 == '~') {
			if (c1 != '~')
				return 1;
			if (c2 != '~')
				return -1;
			one++;
			two++;
			continue;
		}
		if (c1 == '^' || c2 == '^') {
			if (!c1)
				return -1;
			if (!c2)
				return 1;
			if (c1 != '^')
				return 1;
			if (c2 != '^')
				return -1;
			one++;
			two++;
			continue;
		}
		if (!(c1 && c2))
			break;
		const char *s1 = one, *s2 = two;
		bool isnum;
		if (rdigit(*s1)) {
			while (s1 < oe && rdigit(*s1))
				s1++;
			while (s2 < te && rdigit(*s2))
				s2++;
			isnum = true;
		} else {
			while (s1 < oe && ralpha(*s1))
				s1++;
			while (s2 < te && ralpha(*s2))
				s2++;
			isnum = false;
		}
		if (one == s1)
			return -1;
		if (two == s2)
			return isnum ? 1 : -1;
		if (isnum) {
			while (one < s1 && *one == '0')
				one++;
			while (two < s2 && *two == '0')
				two++;
			if (s1 - one > s2 - two)
				return 1;
			if (s2 - two > s1 - one)
				return -1;
		}
		size_t l1 = (size_t)(s1 - one), l2 = (size_t)(s2 - two);
		int rc = memcmp(one, two, l1 < l2 ? l1 : l2);
		if (!rc && l1 != l2)
			rc = l1 < l2 ? -1 : 1;
		if (rc)
			return rc < 0 ? -1 : 1;
		one = s1;
		two = s2;
	}
	if (one >= oe && two >= te)
		return 0;
	return one >= oe ? -1 : 1;
}

int rpm_vercmp(const char *a, const char *b)
{
	return rpmvercmp_n(a, a + strlen(a), b, b + strlen(b));
}

struct evr {
	const char *e, *ee, *v, *ve, *r, *re;
};

static void evr_split(const char *s, struct evr *x)
{
	const char *end = s + strlen(s);
	const char *p = s;
	while (p < end && rdigit(*p))
		p++;
	if (p < end && *p == ':') {
		x->e = s;
		x->ee = p;
		s = p + 1;
	} else {
		x->e = x->ee = NULL;
	}
	const char *hy = NULL;
	for (const char *q = s; q < end; q++)
		if (*q == '-')
			hy = q;
	x->v = s;
	x->ve = hy ? hy : end;
	x->r = hy ? hy + 1 : NULL;
	x->re = hy ? end : NULL;
}

int rpm_evrcmp(const char *a, const char *b)
{
	struct evr x, y;
	evr_split(a, &x);
	evr_split(b, &y);
	/* A missing epoch is 0. */
	long ea = x.e ? strtol(x.e, NULL, 10) : 0, eb = y.e ? strtol(y.e, NULL, 10) : 0;
	if (ea != eb)
		return ea < eb ? -1 : 1;
	int r = rpmvercmp_n(x.v, x.ve, y.v, y.ve);
	if (r)
		return r;
	/* A missing release matches any release (rpm's EVR range semantics). */
	if (!x.r || !y.r)
		return 0;
	return rpmvercmp_n(x.r, x.re, y.r, y.re);
}
