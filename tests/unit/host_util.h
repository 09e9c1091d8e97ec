/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the host unit tests: build a fake root in a temporary
 * directory (files with modes, symlinks), run host_run() over it, and look
 * findings up. Header-only so each test_host*.c stays one translation unit.
 */
#ifndef MM_TEST_HOST_UTIL_H
#define MM_TEST_HOST_UTIL_H

#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "host/host-int.h"

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static inline void troot_rm(const char *dir)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static inline char *troot_new(void)
{
	char tmpl[] = "/tmp/mamori-host-XXXXXX";
	char *d = mkdtemp(tmpl);
	if (!d)
		abort();
	return strdup(d);
}

static inline void troot_mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
}

/* Write root/rel with mode. */
static inline void troot_write(const char *root, const char *rel, const char *content, mode_t mode)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	troot_mkdirs(path);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

static inline void troot_symlink(const char *root, const char *rel, const char *target)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	troot_mkdirs(path);
	if (symlink(target, path) < 0)
		abort();
}

static inline const struct finding *find_rule(const struct findings *fs, const char *rule,
					      const char *fp_contains)
{
	for (size_t i = 0; i < fs->nr; i++)
		if (!strcmp(fs->v[i].rule, rule) &&
		    (!fp_contains ||
		     (fs->v[i].fp_extra && strstr(fs->v[i].fp_extra, fp_contains)) ||
		     (fs->v[i].message && strstr(fs->v[i].message, fp_contains))))
			return &fs->v[i];
	return NULL;
}

static inline bool has_evidence(const struct finding *f, const char *loc, const char *what)
{
	for (size_t i = 0; f && i < f->nev; i++)
		if ((!loc || (f->ev[i].loc && strstr(f->ev[i].loc, loc))) &&
		    (!what || (f->ev[i].what && strstr(f->ev[i].what, what))))
			return true;
	return false;
}

/* tests/fixtures/host/NAME, found from this header's compiled-in path
 * (relative to the build directory, or absolute), or NULL. */
static inline const char *host_fixture(const char *name)
{
	static char buf[8192];
	const char *file = __FILE__;
	const char *cut = strstr(file, "tests/unit/host_util.h");
	if (!cut)
		return NULL;
	char probe[8192];
	snprintf(probe, sizeof(probe), "%.*stests/fixtures/host/%s", (int)(cut - file), file, name);
	if (access(probe, R_OK) == 0) {
		snprintf(buf, sizeof(buf), "%s", probe);
		return buf;
	}
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, sizeof(buf), "%s/../../%.*stests/fixtures/host/%s", exe, (int)(cut - file),
		 file, name);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

#endif
