/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Data files compiled into the binary by tools/embed.c. Each table ends with
 * an entry whose name is NULL. Bytes are NUL-terminated (len excludes it).
 */
#ifndef MM_EMBED_H
#define MM_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name;
	const char *data;
	size_t len;
};

/* rules/posture/ *.yaml */
extern const struct embedded_file mm_embedded_posture_rules[];
/* rules/trail/ *.yml (built-in CloudTrail rules) and policy.yaml */
extern const struct embedded_file mm_embedded_trail_rules[];
/* rules/host/ *.yaml (mamori host) */
extern const struct embedded_file mm_embedded_host_rules[];

#endif
