/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Installed packages: dpkg's status file (binary package, version, and the
 * *source* package and source version that Debian and Ubuntu advisories
 * name), the rpm database of Amazon Linux 2023 and Fedora (rpmdb.sqlite,
 * read with SQLite; each row is an rpm header blob), or `rpm -qa` output
 * where the database is Berkeley DB (Amazon Linux 2). Also /etc/os-release
 * and which kernel package is the running one (uname -r).
 */
#include "host-int.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

static void pkg_add(struct hpkgs *p, const struct hpkg *k)
{
	ALLOC_GROW(p->v, p->nr + 1, p->alloc);
	p->v[p->nr++] = *k;
}

/* ---- dpkg status ---- */

static bool installed_state(const char *status)
{
	/* "want flag state": installed, or files on disk in some half state */
	const char *sp = strrchr(status, ' ');
	const char *st = sp ? sp + 1 : status;
	return !strcmp(st, "installed") || !strcmp(st, "half-configured") ||
	       !strcmp(st, "unpacked") || !strcmp(st, "half-installed") ||
	       !strcmp(st, "triggers-awaited") || !strcmp(st, "triggers-pending");
}

struct para {
	const char *pkg, *status, *version, *arch, *source;
	unsigned line;
	long long off;
};

static void para_flush(struct arena *a, struct mm_diags *d, const char *name, struct para *pa,
		       struct hpkgs *out, int *bad)
{
	if (!pa->pkg && !pa->version && !pa->status) {
		memset(pa, 0, sizeof(*pa));
		return;
	}
	if (!pa->pkg || !pa->status || (!pa->version && installed_state(pa->status))) {
		mm_diags_add(d, MM_DIAG_WARNING, name, pa->off,
			     "line %u: package entry without Package, Status or Version", pa->line);
		(*bad)++;
		memset(pa, 0, sizeof(*pa));
		return;
	}
	if (installed_state(pa->status)) {
		struct hpkg k;
		memset(&k, 0, sizeof(k));
		k.kind = PKG_DPKG;
		k.name = pa->pkg;
		k.version = pa->version;
		k.arch = pa->arch;
		k.source = pa->pkg;
		k.src_version = pa->version;
		if (pa->source) {
			/* "openssl" or "openssl (3.0.11-1~deb12u2)" */
			const char *s = pa->source;
			const char *sp = strchr(s, ' ');
			k.source = sp ? arena_strndup(a, s, (size_t)(sp - s)) : s;
			const char *lp = strchr(s, '(');
			const char *rp = lp ? strchr(lp, ')') : NULL;
			if (lp && rp && rp > lp + 1)
				k.src_version = arena_strndup(a, lp + 1, (size_t)(rp - lp - 1));
		}
		k.src = arena_printf(a, "%s:%u", name, pa->line);
		pkg_add(out, &k);
	}
	memset(pa, 0, sizeof(*pa));
}

int dpkg_status_parse(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		      size_t len, struct hpkgs *out)
{
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	struct para pa;
	memset(&pa, 0, sizeof(pa));
	int bad = 0;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		while (n && line[n - 1] == '\r')
			n--;
		if (!n) {
			para_flush(a, d, name, &pa, out, &bad);
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t')
			continue; /* continuation of a multi-line field */
		const char *colon = memchr(line, ':', n);
		if (!colon) {
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: expected 'Field: value'", lineno);
			bad++;
			continue;
		}
		if (!pa.line) {
			pa.line = lineno;
			pa.off = (long long)(line - buf);
		}
		size_t kl = (size_t)(colon - line);
		const char *v = colon + 1;
		while (v < line + n && (*v == ' ' || *v == '\t'))
			v++;
		const char *ve = line + n;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		const char **slot = NULL;
		if (kl == 7 && !strncasecmp(line, "Package", 7))
			slot = &pa.pkg;
		else if (kl == 6 && !strncasecmp(line, "Status", 6))
			slot = &pa.status;
		else if (kl == 7 && !strncasecmp(line, "Version", 7))
			slot = &pa.version;
		else if (kl == 12 && !strncasecmp(line, "Architecture", 12))
			slot = &pa.arch;
		else if (kl == 6 && !strncasecmp(line, "Source", 6))
			slot = &pa.source;
		if (slot)
			*slot = arena_strndup(a, v, (size_t)(ve - v));
	}
	para_flush(a, d, name, &pa, out, &bad);
	out->kind = PKG_DPKG;
	out->loaded = true;
	return bad ? MM_EPARSE : 0;
}

/* ---- rpm -qa ---- */

/* "name-[epoch:]version-release.arch" */
static bool split_nevra(struct arena *a, const char *s, size_t n, struct hpkg *k)
{
	const char *end = s + n;
	const char *dot = NULL, *h2 = NULL, *h1 = NULL;
	for (const char *p = end; p > s; p--)
		if (p[-1] == '.') {
			dot = p - 1;
			break;
		}
	if (!dot)
		return false;
	for (const char *p = dot; p > s; p--)
		if (p[-1] == '-') {
			h2 = p - 1;
			break;
		}
	if (!h2)
		return false;
	for (const char *p = h2; p > s; p--)
		if (p[-1] == '-') {
			h1 = p - 1;
			break;
		}
	if (!h1 || h1 == s)
		return false;
	k->name = arena_strndup(a, s, (size_t)(h1 - s));
	k->version = arena_strndup(a, h1 + 1, (size_t)(dot - h1 - 1));
	k->arch = arena_strndup(a, dot + 1, (size_t)(end - dot - 1));
	return true;
}

int rpm_qa_parse(struct arena *a, struct mm_diags *d, const char *name, const char *buf, size_t len,
		 struct hpkgs *out)
{
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	int bad = 0;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (!n || line[0] == '#')
			continue;
		struct hpkg k;
		memset(&k, 0, sizeof(k));
		k.kind = PKG_RPM;
		/* --qf '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH} %{SOURCERPM}\n' */
		char f[6][256];
		size_t nf = 0, i = 0;
		while (i < n && nf < 6) {
			while (i < n && line[i] == ' ')
				i++;
			size_t s = i;
			while (i < n && line[i] != ' ')
				i++;
			if (i > s) {
				size_t l = i - s < 255 ? i - s : 255;
				memcpy(f[nf], line + s, l);
				f[nf][l] = '\0';
				nf++;
			}
		}
		if (nf >= 5) {
			k.name = arena_strdup(a, f[0]);
			bool epoch = strcmp(f[1], "(none)") && strcmp(f[1], "0");
			k.version = epoch ? arena_printf(a, "%s:%s-%s", f[1], f[2], f[3])
					  : arena_printf(a, "%s-%s", f[2], f[3]);
			k.arch = arena_strdup(a, f[4]);
			if (nf >= 6 && strcmp(f[5], "(none)")) {
				/* "openssl-3.0.8-1.amzn2023.0.1.src.rpm" -> "openssl" */
				struct hpkg sk;
				memset(&sk, 0, sizeof(sk));
				size_t sl = strlen(f[5]);
				if (sl > 8 && !strcmp(f[5] + sl - 8, ".src.rpm") &&
				    split_nevra(a, f[5], sl - 4, &sk))
					k.source = sk.name;
			}
		} else if (nf == 1 && split_nevra(a, line, n, &k)) {
			/* default rpm -qa output */
		} else {
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: expected NAME-VERSION-RELEASE.ARCH", lineno);
			bad++;
			continue;
		}
		if (!k.source)
			k.source = k.name;
		k.src_version = k.version;
		k.src = arena_printf(a, "%s:%u", name, lineno);
		pkg_add(out, &k);
	}
	out->kind = PKG_RPM;
	out->loaded = true;
	return bad ? MM_EPARSE : 0;
}

/* ---- rpm header blobs ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int rpm_header_parse(struct arena *a, const unsigned char *blob, size_t len, struct hpkg *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 8)
		return MM_EPARSE;
	uint32_t il = be32(blob), dl = be32(blob + 4);
	if (il > 100000 || dl > 256u << 20 || 8 + (size_t)il * 16 + dl > len)
		return MM_EPARSE;
	const unsigned char *idx = blob + 8, *data = blob + 8 + (size_t)il * 16;
	const char *name = NULL, *ver = NULL, *rel = NULL, *arch = NULL, *srpm = NULL;
	long epoch = -1;
	for (uint32_t i = 0; i < il; i++) {
		uint32_t tag = be32(idx + i * 16), type = be32(idx + i * 16 + 4);
		uint32_t off = be32(idx + i * 16 + 8), cnt = be32(idx + i * 16 + 12);
		if (off >= dl)
			continue;
		if (tag == 1003 && type == 4 && cnt >= 1 && (size_t)off + 4 <= dl) {
			epoch = (long)be32(data + off);
			continue;
		}
		if (type != 6 && type != 9 && type != 8)
			continue;
		const char *s = (const char *)data + off;
		size_t maxl = dl - off;
		size_t sl = strnlen(s, maxl);
		if (sl == maxl)
			continue; /* not NUL-terminated inside the store */
		const char *copy = arena_strndup(a, s, sl);
		switch (tag) {
		case 1000:
			name = copy;
			break;
		case 1001:
			ver = copy;
			break;
		case 1002:
			rel = copy;
			break;
		case 1022:
			arch = copy;
			break;
		case 1044:
			srpm = copy;
			break;
		default:
			break;
		}
	}
	if (!name || !ver || !rel)
		return MM_EPARSE;
	out->kind = PKG_RPM;
	out->name = name;
	out->version = epoch > 0 ? arena_printf(a, "%ld:%s-%s", epoch, ver, rel)
				 : arena_printf(a, "%s-%s", ver, rel);
	out->arch = arch ? arch : "noarch";
	out->source = name;
	if (srpm) {
		struct hpkg sk;
		size_t sl = strlen(srpm);
		if (sl > 8 && !strcmp(srpm + sl - 8, ".src.rpm") &&
		    split_nevra(a, srpm, sl - 4, &sk))
			out->source = sk.name;
	}
	out->src_version = out->version;
	return 0;
}

int rpmdb_sqlite_load(struct arena *a, struct mm_diags *d, const char *host_path, const char *name,
		      struct hpkgs *out)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(host_path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		mm_diags_add(d, MM_DIAG_ERROR, name, -1, "cannot open rpm database: %s",
			     db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return MM_EIO;
	}
	sqlite3_stmt *st = NULL;
	rc = sqlite3_prepare_v2(db, "SELECT hnum, blob FROM Packages", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		mm_diags_add(d, MM_DIAG_ERROR, name, -1, "not an rpm database: %s",
			     sqlite3_errmsg(db));
		sqlite3_close(db);
		return MM_EPARSE;
	}
	int bad = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long hnum = sqlite3_column_int64(st, 0);
		const unsigned char *blob = sqlite3_column_blob(st, 1);
		int bl = sqlite3_column_bytes(st, 1);
		struct hpkg k;
		if (!blob || bl <= 0 || rpm_header_parse(a, blob, (size_t)bl, &k) < 0) {
			mm_diags_add(d, MM_DIAG_WARNING, name, -1,
				     "package header %lld: malformed; skipped", hnum);
			bad++;
			continue;
		}
		if (!strcmp(k.name, "gpg-pubkey"))
			continue;
		k.src = arena_printf(a, "%s#hnum=%lld", name, hnum);
		pkg_add(out, &k);
	}
	if (rc != SQLITE_DONE)
		mm_diags_add(d, MM_DIAG_ERROR, name, -1, "reading rpm database: %s",
			     sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	out->kind = PKG_RPM;
	out->loaded = true;
	return bad ? MM_EPARSE : 0;
}

/* ---- loading from the root ---- */

void hpkgs_load(struct hroot *r, struct hpkgs *p)
{
	memset(p, 0, sizeof(*p));
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	if (hroot_read(r, "/var/lib/dpkg/status", HOST_MAX_FILE, &buf, &len, &e) == 0) {
		size_t before = r->d->nr;
		dpkg_status_parse(r->a, r->d, "/var/lib/dpkg/status", buf, len, p);
		r->records_skipped += r->d->nr - before;
		p->from = "/var/lib/dpkg/status";
		free(buf);
		return;
	}
	static const char *const dbs[] = { "/var/lib/rpm/rpmdb.sqlite",
					   "/usr/lib/sysimage/rpm/rpmdb.sqlite", NULL };
	for (size_t i = 0; dbs[i]; i++) {
		const char *h = hroot_resolve(r, dbs[i], true);
		struct stat st;
		if (!h || stat(h, &st) < 0)
			continue;
		r->files_read++;
		rpmdb_sqlite_load(r->a, r->d, h, dbs[i], p);
		p->from = dbs[i];
		if (p->loaded)
			return;
	}
	/* Berkeley DB (Amazon Linux 2): rpm itself on the live host, else the
	 * saved output of `rpm -qa` (docs/host.md). */
	if (r->live) {
		static const char *const rpms[] = { "/usr/bin/rpm", "/bin/rpm", NULL };
		for (size_t i = 0; rpms[i]; i++) {
			struct stat st;
			if (stat(rpms[i], &st) < 0 || hroot_stat(r, "/var/lib/rpm", &st) < 0)
				continue;
			const char *argv[] = { rpms[i], "-qa", "--qf",
					       "%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH} "
					       "%{SOURCERPM}\\n",
					       NULL };
			if (host_run_cmd(argv, 60000, 64 << 20, &buf, &len, &e) == 0) {
				rpm_qa_parse(r->a, r->d, "rpm -qa", buf, len, p);
				p->from = "rpm -qa";
			}
			free(buf);
			if (p->loaded)
				return;
		}
	}
	const char *qa = hroot_facts(r, "rpm-qa.txt");
	if (hroot_read(r, qa, HOST_MAX_FILE, &buf, &len, &e) == 0) {
		rpm_qa_parse(r->a, r->d, qa, buf, len, p);
		p->from = qa;
		free(buf);
	}
}

void hpkgs_release(struct hpkgs *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static bool kernel_pkg(const struct hpkg *k)
{
	if (k->kind == PKG_DPKG)
		return !strncmp(k->name, "linux-image-", 12) ||
		       !strncmp(k->name, "linux-modules-", 14);
	return !strcmp(k->name, "kernel") || !strncmp(k->name, "kernel-core", 11) ||
	       !strncmp(k->name, "kernel-modules", 14);
}

void hpkgs_mark_kernel(struct arena *a, struct hpkgs *p, const char *uname_r)
{
	if (!uname_r || !*uname_r)
		return;
	for (size_t i = 0; i < p->nr; i++) {
		struct hpkg *k = &p->v[i];
		if (!kernel_pkg(k))
			continue;
		bool running;
		if (k->kind == PKG_DPKG) {
			/* linux-image-6.1.0-18-amd64[-unsigned]; the metapackage
			 * linux-image-amd64 has no release in its name. */
			bool versioned = false;
			for (const char *q = k->name + 12; *q; q++)
				if (isdigit((unsigned char)*q) && q[1] == '.')
					versioned = true;
			if (!versioned)
				continue;
			running = strstr(k->name, uname_r) != NULL;
		} else {
			/* kernel-6.1.55-75.123.amzn2023.x86_64: version-release.arch */
			const char *v = strchr(k->version, ':');
			v = v ? v + 1 : k->version;
			size_t vl = strlen(v);
			running = !strncmp(uname_r, v, vl) &&
				  (uname_r[vl] == '\0' || uname_r[vl] == '.' || uname_r[vl] == '+');
		}
		k->kernel_running = running;
		k->kernel_other = !running;
		/* Signed kernel images are built from linux-signed-*, but the
		 * advisories name the kernel source: linux, linux-aws, ... */
		if (running && k->kind == PKG_DPKG && !strncmp(k->source, "linux-signed", 12)) {
			const char *rest = k->source + 12; /* "", "-amd64", "-aws" */
			bool arch = !strcmp(rest, "-amd64") || !strcmp(rest, "-arm64") ||
				    !strcmp(rest, "-i386");
			k->source = arch || !*rest ? "linux" : arena_printf(a, "linux%s", rest);
			k->src_version = k->version;
		}
	}
}

void host_os_release(struct hroot *r, struct hos *os)
{
	memset(os, 0, sizeof(*os));
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	if (hroot_read(r, "/etc/os-release", 1 << 20, &buf, &len, &e) < 0 &&
	    hroot_read(r, "/usr/lib/os-release", 1 << 20, &buf, &len, &e) < 0)
		return;
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		const char *eq = memchr(line, '=', n);
		if (!eq)
			continue;
		size_t kl = (size_t)(eq - line);
		const char *v = eq + 1, *ve = line + n;
		while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
			ve--;
		if (ve > v && (*v == '"' || *v == '\'') && ve[-1] == *v && ve - v >= 2) {
			v++;
			ve--;
		}
		const char *val = arena_strndup(r->a, v, (size_t)(ve - v));
		if (kl == 2 && !strncmp(line, "ID", 2))
			os->id = val;
		else if (kl == 10 && !strncmp(line, "VERSION_ID", 10))
			os->version_id = val;
		else if (kl == 16 && !strncmp(line, "VERSION_CODENAME", 16))
			os->codename = val;
		else if (kl == 11 && !strncmp(line, "PRETTY_NAME", 11))
			os->pretty = val;
	}
	free(buf);
}
