/* SPDX-License-Identifier: Apache-2.0 */
/* bench/json-bench.c: the jansson side, in a file of its own because the JSON
 * libraries' symbol names clash with each other and with mamori's. */
#include <stddef.h>

#include <jansson.h>

int bench_jansson(const char *buf, size_t len);

int bench_jansson(const char *buf, size_t len)
{
	json_error_t err;
	json_t *j = json_loadb(buf, len, 0, &err);
	if (!j)
		return -1;
	json_decref(j);
	return 0;
}
