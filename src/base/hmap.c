/* SPDX-License-Identifier: Apache-2.0 */
/* String-keyed open-addressing hash map; see hmap.h. */
#include "hmap.h"

#include <stdlib.h>
#include <string.h>

#include "wrapper.h"
#include "banned.h"

uint64_t hmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

static void grow(struct hmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct hmap_slot *ns = xcalloc(ncap, sizeof(*ns));
	for (size_t i = 0; i < m->cap; i++) {
		struct hmap_slot *s = &m->slots[i];
		if (!s->key)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (ns[j].key)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

void *hmap_get(const struct hmap *m, const char *key)
{
	if (!m->cap || !key)
		return NULL;
	uint64_t h = hmap_hash(key);
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == h && !strcmp(m->slots[j].key, key))
			return m->slots[j].val;
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

void *hmap_put(struct hmap *m, const char *key, void *val)
{
	if ((m->nr + 1) * 4 >= m->cap * 3)
		grow(m);
	uint64_t h = hmap_hash(key);
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == h && !strcmp(m->slots[j].key, key)) {
			void *old = m->slots[j].val;
			m->slots[j].val = val;
			return old;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->slots[j].key = key;
	m->slots[j].hash = h;
	m->slots[j].val = val;
	m->nr++;
	return NULL;
}

void hmap_release(struct hmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->nr = 0;
}
