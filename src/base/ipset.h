/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Addresses, CIDRs and interval sets.
 *
 * Every address is held as a 128-bit unsigned integer; IPv4 addresses use the
 * low 32 bits and are kept in sets of their own family, so an ivset is always
 * one family (or ports, or protocol numbers: any integer domain). An ivset is
 * a sorted array of disjoint, non-adjacent, inclusive intervals; every
 * operation keeps that invariant. ivsets own their array (malloc).
 */
#ifndef MM_IPSET_H
#define MM_IPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 mm_u128;

enum mm_family { MM_AF_NONE = 0, MM_AF_INET = 4, MM_AF_INET6 = 6 };

struct mm_cidr {
	enum mm_family family;
	unsigned prefix; /* 0..32 or 0..128 */
	mm_u128 addr;	 /* network address (host bits cleared) */
};

/* Parse "a.b.c.d/n", "x::y/n" or a bare address (full-length prefix).
 * Host bits set in the address are cleared (AWS accepts and normalises them).
 * Returns 0 or -1. */
int mm_cidr_parse(const char *s, struct mm_cidr *out);
int mm_addr_parse(const char *s, enum mm_family *fam, mm_u128 *out);
mm_u128 mm_cidr_first(const struct mm_cidr *c);
mm_u128 mm_cidr_last(const struct mm_cidr *c);
bool mm_cidr_contains(const struct mm_cidr *c, enum mm_family fam, mm_u128 addr);
/* Format an address; buf needs 46 bytes. */
const char *mm_addr_fmt(enum mm_family fam, mm_u128 a, char *buf);
static inline mm_u128 mm_family_max(enum mm_family f)
{
	return f == MM_AF_INET ? (mm_u128)0xffffffffu : ~(mm_u128)0;
}

struct mm_iv {
	mm_u128 lo, hi;
};

struct ivset {
	struct mm_iv *v;
	size_t nr, alloc;
};

#define IVSET_INIT \
	{          \
		0  \
	}

void ivset_release(struct ivset *s);
void ivset_clear(struct ivset *s);
void ivset_copy(struct ivset *dst, const struct ivset *src);
void ivset_add(struct ivset *s, mm_u128 lo, mm_u128 hi);
void ivset_add_cidr(struct ivset *s, const struct mm_cidr *c);
void ivset_union(struct ivset *dst, const struct ivset *src);
/* dst = dst ∩ src */
void ivset_intersect(struct ivset *dst, const struct ivset *src);
/* dst = dst \ src */
void ivset_subtract(struct ivset *dst, const struct ivset *src);
bool ivset_contains(const struct ivset *s, mm_u128 x);
bool ivset_covers(const struct ivset *s, mm_u128 lo, mm_u128 hi);
bool ivset_overlaps(const struct ivset *s, mm_u128 lo, mm_u128 hi);
bool ivset_equal(const struct ivset *a, const struct ivset *b);
static inline bool ivset_empty(const struct ivset *s)
{
	return s->nr == 0;
}
/* Number of elements (saturating at UINT128 max). */
mm_u128 ivset_count(const struct ivset *s);

/*
 * The IPv4 / IPv6 ranges that are not "the internet": private, loopback,
 * link-local, CGNAT, documentation, multicast, reserved (RFC 6890 registry).
 * Filled once; read-only afterwards.
 */
const struct ivset *mm_special_ranges(enum mm_family fam);
/* Publicly routable addresses of a family: everything minus the above. */
const struct ivset *mm_internet_ranges(enum mm_family fam);

#endif
