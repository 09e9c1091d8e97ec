/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hmap: string-keyed hash map with open addressing (linear probing, FNV-1a).
 * Keys are not copied: they must outlive the map (in the model they live in
 * the snapshot arena). Values are opaque pointers. Insert of an existing key
 * replaces the value and returns the old one.
 */
#ifndef MM_HMAP_H
#define MM_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
	const char *key;
	uint64_t hash;
	void *val;
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap; /* power of two or 0 */
	size_t nr;
};

#define HMAP_INIT \
	{         \
		0 \
	}

uint64_t hmap_hash(const char *s);
void *hmap_get(const struct hmap *m, const char *key);
/* Returns the previous value for key, or NULL. */
void *hmap_put(struct hmap *m, const char *key, void *val);
void hmap_release(struct hmap *m);

#endif
