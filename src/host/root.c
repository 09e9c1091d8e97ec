/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading files through the audited root. With --root DIR every path the
 * checks name ("/etc/ssh/sshd_config") is looked up inside DIR, and symlinks
 * met on the way are resolved inside DIR too (an absolute target restarts at
 * DIR, ".." stops at DIR), as a chroot would: /var/lib/cloud/instance is an
 * absolute symlink on every cloud-init host, and following it out of a fake
 * root would audit the machine running the tests instead. Globs are expanded
 * component by component with the same resolution.
 */
#include "host-int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define MAX_LINKS 40

void hroot_init(struct hroot *r, const char *root, struct arena *a, struct mm_diags *d)
{
	memset(r, 0, sizeof(*r));
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	r->live = (n == 1 && root[0] == '/');
	r->root = r->live ? "" : arena_strndup(a, root, n);
	r->shown = r->live ? "/" : r->root;
	r->a = a;
	r->d = d;
}

/* Push the components of path (relative to the root) onto out, which holds a
 * resolved in-root path ("" or "/a/b"). Returns 0 or -errno. */
static int resolve_into(struct hroot *r, struct strbuf *out, const char *path, bool follow_last,
			int *links)
{
	const char *p = path;
	if (*p == '/')
		strbuf_reset(out);
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - s);
		bool last = true;
		for (const char *q = p; *q; q++)
			if (*q != '/') {
				last = false;
				break;
			}
		if (n == 1 && s[0] == '.')
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			char *slash = strrchr(out->buf, '/');
			if (slash) {
				out->len = (size_t)(slash - out->buf);
				out->buf[out->len] = '\0';
			}
			continue;
		}
		size_t before = out->len;
		strbuf_addch(out, '/');
		strbuf_add(out, s, n);
		if (last && !follow_last)
			break;
		struct strbuf host = STRBUF_INIT;
		strbuf_addstr(&host, r->root);
		strbuf_add(&host, out->buf, out->len);
		struct stat st;
		if (lstat(host.buf, &st) < 0) {
			int err = errno;
			strbuf_release(&host);
			if (err == ENOENT && last)
				return 0; /* the caller reports ENOENT itself */
			return -err;
		}
		if (!S_ISLNK(st.st_mode)) {
			strbuf_release(&host);
			if (!last && !S_ISDIR(st.st_mode))
				return -ENOTDIR;
			continue;
		}
		if (++*links > MAX_LINKS) {
			strbuf_release(&host);
			return -ELOOP;
		}
		char target[PATH_MAX];
		ssize_t tn = readlink(host.buf, target, sizeof(target) - 1);
		strbuf_release(&host);
		if (tn < 0)
			return -errno;
		target[tn] = '\0';
		out->len = before;
		out->buf[out->len] = '\0';
		int rc = resolve_into(r, out, target, true, links);
		if (rc < 0)
			return rc;
	}
	return 0;
}

const char *hroot_resolve(struct hroot *r, const char *path, bool follow_last)
{
	if (r->live)
		return path;
	struct strbuf in = STRBUF_INIT;
	int links = 0;
	int rc = resolve_into(r, &in, path, follow_last, &links);
	if (rc < 0) {
		strbuf_release(&in);
		errno = -rc;
		return NULL;
	}
	const char *res = arena_printf(r->a, "%s%s", r->root, in.len ? in.buf : "/");
	strbuf_release(&in);
	return res;
}

int hroot_stat(struct hroot *r, const char *path, struct stat *st)
{
	const char *h = hroot_resolve(r, path, true);
	if (!h)
		return -errno;
	return stat(h, st) < 0 ? -errno : 0;
}

int hroot_lstat(struct hroot *r, const char *path, struct stat *st)
{
	const char *h = hroot_resolve(r, path, false);
	if (!h)
		return -errno;
	return lstat(h, st) < 0 ? -errno : 0;
}

ssize_t hroot_readlink(struct hroot *r, const char *path, char *buf, size_t n)
{
	const char *h = hroot_resolve(r, path, false);
	if (!h || n == 0)
		return -1;
	ssize_t k = readlink(h, buf, n - 1);
	if (k < 0)
		return -1;
	buf[k] = '\0';
	return k;
}

int hroot_read(struct hroot *r, const char *path, size_t max, char **buf, size_t *len,
	       struct mm_err *e)
{
	*buf = NULL;
	*len = 0;
	const char *h = hroot_resolve(r, path, true);
	int fd = h ? open(h, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) : -1;
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT || err == ENOTDIR) {
			r->files_missing++;
			return mm_err_set(e, MM_ENOTFOUND, "cannot read '%s': %s", path,
					  strerror(err));
		}
		r->files_failed++;
		return mm_err_set(e, MM_EIO, "cannot read '%s': %s", path, strerror(err));
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		r->files_failed++;
		return mm_err_set(e, MM_EIO, "cannot read '%s': not a regular file", path);
	}
	/* /proc files report size 0: read until EOF, capped. */
	struct strbuf sb = STRBUF_INIT;
	for (;;) {
		size_t chunk = max + 1 - sb.len < 65536 ? max + 1 - sb.len : 65536;
		strbuf_grow(&sb, chunk);
		size_t room = chunk;
		ssize_t k = read(fd, sb.buf + sb.len, room);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			close(fd);
			strbuf_release(&sb);
			r->files_failed++;
			return mm_err_set(e, MM_EIO, "cannot read '%s': %s", path, strerror(err));
		}
		if (k == 0)
			break;
		sb.len += (size_t)k;
		sb.buf[sb.len] = '\0';
		if (sb.len > max) {
			close(fd);
			strbuf_release(&sb);
			r->files_failed++;
			return mm_err_set(e, MM_ELIMIT, "cannot read '%s': larger than %zu bytes",
					  path, max);
		}
	}
	close(fd);
	r->files_read++;
	*len = sb.len;
	*buf = strbuf_detach(&sb, NULL);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t hroot_list(struct hroot *r, const char *dir, const char ***out)
{
	*out = NULL;
	const char *h = hroot_resolve(r, dir, true);
	DIR *d = h ? opendir(h) : NULL;
	if (!d)
		return 0;
	const char **v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = arena_strdup(r->a, de->d_name);
	}
	closedir(d);
	if (n)
		mm_qsort(v, n, sizeof(*v), cmp_str);
	const char **res = arena_calloc(r->a, n + 1, sizeof(*res));
	if (n)
		memcpy(res, v, n * sizeof(*v));
	free(v);
	*out = res;
	return n;
}

struct globv {
	const char **v;
	size_t n, alloc;
};

static bool has_magic(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

/* base: an in-root path that exists ("" for the root); rest: pattern left. */
static void glob_walk(struct hroot *r, const char *base, const char *rest, struct globv *gv,
		      int depth)
{
	while (*rest == '/')
		rest++;
	if (!*rest) {
		struct stat st;
		if (hroot_lstat(r, *base ? base : "/", &st) == 0) {
			ALLOC_GROW(gv->v, gv->n + 1, gv->alloc);
			gv->v[gv->n++] = *base ? base : "/";
		}
		return;
	}
	if (depth > 64)
		return;
	const char *end = strchr(rest, '/');
	size_t n = end ? (size_t)(end - rest) : strlen(rest);
	const char *next = rest + n;
	if (!has_magic(rest, n)) {
		const char *p = arena_printf(r->a, "%s/%.*s", base, (int)n, rest);
		if (*next) {
			struct stat st;
			if (hroot_stat(r, p, &st) < 0 || !S_ISDIR(st.st_mode))
				return;
		}
		glob_walk(r, p, next, gv, depth + 1);
		return;
	}
	char *pat = arena_strndup(r->a, rest, n);
	const char **names;
	size_t k = hroot_list(r, *base ? base : "/", &names);
	for (size_t i = 0; i < k; i++) {
		if (fnmatch(pat, names[i], FNM_PERIOD) != 0)
			continue;
		const char *p = arena_printf(r->a, "%s/%s", base, names[i]);
		if (*next) {
			struct stat st;
			if (hroot_stat(r, p, &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
		}
		glob_walk(r, p, next, gv, depth + 1);
	}
}

size_t hroot_glob(struct hroot *r, const char *pattern, const char ***out)
{
	struct globv gv = { 0 };
	if (pattern[0] == '/')
		glob_walk(r, "", pattern, &gv, 0);
	if (gv.n)
		mm_qsort(gv.v, gv.n, sizeof(*gv.v), cmp_str);
	const char **res = arena_calloc(r->a, gv.n + 1, sizeof(*res));
	if (gv.n)
		memcpy(res, gv.v, gv.n * sizeof(*gv.v));
	free(gv.v);
	*out = res;
	return gv.n;
}

const char *hroot_facts(struct hroot *r, const char *name)
{
	return arena_printf(r->a, "/.mamori/%s", name);
}

void hroot_diag(struct hroot *r, enum mm_diag_level lvl, const char *path, long long off,
		const char *msg)
{
	mm_diags_add(r->d, lvl, path, off, "%s", msg);
}
