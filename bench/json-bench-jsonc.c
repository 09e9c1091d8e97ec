/* SPDX-License-Identifier: Apache-2.0 */
/* bench/json-bench.c: the jsonc side, in a file of its own because the JSON
 * libraries' symbol names clash with each other and with mamori's. */
#include <stddef.h>

#include <json-c/json.h>

int bench_jsonc(const char *buf, size_t len);

int bench_jsonc(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	struct json_object *j = json_tokener_parse_ex(tok, buf, (int)len);
	json_tokener_free(tok);
	if (!j)
		return -1;
	json_object_put(j);
	return 0;
}
