/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML input (rule files, mutelists, policies) parsed with libyaml into the
 * same struct json DOM as JSON input, so every consumer uses one accessor API.
 *
 * Mapping: mappings -> JSON_OBJECT (key order kept; keys are the scalar text
 * of the key node), sequences -> JSON_ARRAY, plain scalars null/~/empty ->
 * JSON_NULL, true/false (any case) -> booleans, plain scalars matching the
 * JSON number grammar -> JSON_NUMBER (u.s keeps the text), everything else
 * (and every quoted scalar) -> JSON_STRING. Aliases are expanded (the same
 * node is shared). `off` is the byte offset of the node; messages also carry
 * line and column.
 *
 * The result of yaml_parse() is a JSON_ARRAY with one element per document.
 * Everything lives in the arena.
 */
#ifndef MM_YAML_H
#define MM_YAML_H

#include <stddef.h>

#include "arena.h"
#include "err.h"
#include "json.h"

int yaml_parse(struct arena *a, const char *buf, size_t len, struct json **docs, struct mm_err *e);

#endif
