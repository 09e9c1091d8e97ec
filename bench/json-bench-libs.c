/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The third-party side of bench/json-bench.c: each Debian JSON library that
 * was found at configure time, behind one small interface (their symbol
 * names clash with mamori's json_*, so they live in their own file).
 */
#include <stddef.h>

int bench_lib_count(void);
const char *bench_lib_name(int i);
int bench_lib_parse(int i, const char *buf, size_t len);

typedef int (*parse_fn)(const char *buf, size_t len);

#ifdef HAVE_JANSSON
int bench_jansson(const char *buf, size_t len);
#endif
#ifdef HAVE_JSONC
int bench_jsonc(const char *buf, size_t len);
#endif
#ifdef HAVE_CJSON
int bench_cjson(const char *buf, size_t len);
#endif
#ifdef HAVE_YAJL
int bench_yajl(const char *buf, size_t len);
#endif

static const struct {
	const char *name;
	parse_fn fn;
} libs[] = {
#ifdef HAVE_JANSSON
	{ "jansson", bench_jansson },
#endif
#ifdef HAVE_JSONC
	{ "json-c", bench_jsonc },
#endif
#ifdef HAVE_CJSON
	{ "cJSON", bench_cjson },
#endif
#ifdef HAVE_YAJL
	{ "yajl (tree)", bench_yajl },
#endif
	{ NULL, NULL },
};

int bench_lib_count(void)
{
	return (int)(sizeof(libs) / sizeof(libs[0])) - 1;
}

const char *bench_lib_name(int i)
{
	return libs[i].name;
}

int bench_lib_parse(int i, const char *buf, size_t len)
{
	return libs[i].fn(buf, len);
}
