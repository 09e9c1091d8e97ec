/* SPDX-License-Identifier: Apache-2.0 */
/* bench/json-bench.c: the cjson side, in a file of its own because the JSON
 * libraries' symbol names clash with each other and with mamori's. */
#include <stddef.h>

#include <cjson/cJSON.h>

int bench_cjson(const char *buf, size_t len);

int bench_cjson(const char *buf, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(buf, len);
	if (!j)
		return -1;
	cJSON_Delete(j);
	return 0;
}
