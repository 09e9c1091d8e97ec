/* SPDX-License-Identifier: Apache-2.0 */
/* bench/json-bench.c: the yajl side, in a file of its own because the JSON
 * libraries' symbol names clash with each other and with mamori's. */
#include <stddef.h>

#include <yajl/yajl_tree.h>

int bench_yajl(const char *buf, size_t len);

int bench_yajl(const char *buf, size_t len)
{
	char eb[256];
	(void)len; /* yajl_tree_parse needs a NUL-terminated buffer: the bench provides one */
	yajl_val j = yajl_tree_parse(buf, eb, sizeof(eb));
	if (!j)
		return -1;
	yajl_tree_free(j);
	return 0;
}
