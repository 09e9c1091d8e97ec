/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori host, packages and advisories:
 *  - dpkg and rpm version comparison, differentially against the real
 *    `dpkg --compare-versions` and rpm (rpm.vercmp through `rpm --eval`) on
 *    thousands of generated pairs with epochs, '~', '^', letters and zeros
 *    (skipped with a message when the tool is missing);
 *  - dpkg status (source package and version, epochs, half-installed and
 *    config-files entries), rpm -qa output, rpm header blobs in an
 *    rpmdb.sqlite built here with SQLite;
 *  - OSV, Debian tracker and updateinfo.xml parsing, CVSS v3 scores, the
 *    running-kernel rule, the default view and --all on the dpkg fixture;
 *  - a real run on this machine: it must not crash and must find its own
 *    dpkg packages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "host_util.h"
#include "base/banned.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void gen_part(struct strbuf *sb, const char *alphabet, unsigned maxlen, bool digit_first)
{
	unsigned n = 1 + rnd(maxlen);
	size_t al = strlen(alphabet);
	for (unsigned i = 0; i < n; i++) {
		if (i == 0 && digit_first) {
			strbuf_addch(sb, '0' + (int)rnd(10));
			continue;
		}
		/* Favour digits and separators so segments line up often. */
		unsigned r = rnd(10);
		if (r < 4)
			strbuf_addch(sb, '0' + (int)rnd(3));
		else if (r < 6)
			strbuf_addch(sb, '.');
		else
			strbuf_addch(sb, alphabet[rnd((unsigned)al)]);
	}
}

/* A second version: often a small mutation of the first. */
static void mutate(struct strbuf *out, const char *v, const char *alphabet)
{
	strbuf_addstr(out, v);
	unsigned r = rnd(6);
	if (r == 0 && out->len > 1) {
		out->buf[out->len - 1] = alphabet[rnd((unsigned)strlen(alphabet))];
	} else if (r == 1) {
		strbuf_addch(out, alphabet[rnd((unsigned)strlen(alphabet))]);
	} else if (r == 2 && out->len > 2) {
		out->len--;
		out->buf[out->len] = '\0';
	} else if (r == 3) {
		strbuf_addstr(out, "0");
	}
	/* r >= 4: identical */
}

static int atoi_safe(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *end || v < 0 || v > 1000000 ? 0 : (int)v;
}

static const char *dpkg_path(void)
{
	return access("/usr/bin/dpkg", X_OK) == 0 ? "/usr/bin/dpkg" : NULL;
}

static void test_dpkg_known(void **state)
{
	(void)state;
	/* deb-version(7) examples and the classic corner cases. */
	assert_true(dpkg_vercmp("1.0~rc1", "1.0") < 0);
	assert_true(dpkg_vercmp("1.0", "1.0+b1") < 0);
	assert_true(dpkg_vercmp("1:0.1", "2.0") > 0);
	assert_true(dpkg_vercmp("1.0-1", "1.0-1~bpo1") > 0);
	assert_int_equal(dpkg_vercmp("1.0", "1.0-0"), 0);
	assert_int_equal(dpkg_vercmp("0:1.0", "1.0"), 0);
	assert_int_equal(dpkg_vercmp("1.001", "1.1"), 0);
	assert_true(dpkg_vercmp("1.0a", "1.0+") < 0);
	assert_true(dpkg_vercmp("3.0.11-1~deb12u1", "3.0.11-1~deb12u2") < 0);
	assert_true(dpkg_vercmp("2.9.14+dfsg-1.3~deb12u1", "2.9.14+dfsg-1.3~deb12u2") < 0);
	assert_true(dpkg_vercmp("1.0~~", "1.0~") < 0);
	assert_true(dpkg_version_valid("1:2.3-4"));
	assert_false(dpkg_version_valid("a1.0"));
	assert_false(dpkg_version_valid(":1.0"));
}

static void test_dpkg_differential(void **state)
{
	(void)state;
	const char *dpkg = dpkg_path();
	if (!dpkg) {
		print_message("dpkg not installed: differential test skipped\n");
		skip();
	}
	/* 1000 pairs by default (two dpkg runs each, about 3 s);
	 * MAMORI_DIFF_PAIRS=N runs more. */
	const char *env = getenv("MAMORI_DIFF_PAIRS");
	int N = env && atoi_safe(env) > 0 ? atoi_safe(env) : 1000;
	static const char up[] = "0123456789abcxyzABZ.+~";
	static const char rev[] = "0123456789abz.+~";
	char **a = calloc((size_t)N, sizeof(char *)), **b = calloc((size_t)N, sizeof(char *));
	struct strbuf script = STRBUF_INIT;
	for (int i = 0; i < N; i++) {
		struct strbuf x = STRBUF_INIT, y = STRBUF_INIT, t = STRBUF_INIT;
		if (rnd(4) == 0)
			strbuf_addf(&x, "%u:", rnd(3));
		gen_part(&x, up, 8, true);
		if (rnd(3))
			strbuf_addch(&x, '-'), gen_part(&x, rev, 5, false);
		if (rnd(3) == 0) {
			if (rnd(4) == 0)
				strbuf_addf(&y, "%u:", rnd(3));
			gen_part(&y, up, 8, true);
			if (rnd(3))
				strbuf_addch(&y, '-'), gen_part(&y, rev, 5, false);
		} else {
			mutate(&y, x.buf, rev);
		}
		/* dpkg refuses a version whose revision is empty ("1.0-") */
		if (y.buf[y.len - 1] == '-')
			strbuf_addch(&y, '1');
		a[i] = strbuf_detach(&x, NULL);
		b[i] = strbuf_detach(&y, NULL);
		strbuf_release(&t);
		strbuf_addf(&script,
			    "%s --compare-versions '%s' lt '%s' 2>/dev/null; l=$?; "
			    "%s --compare-versions '%s' gt '%s' 2>/dev/null; echo $l $?\n",
			    dpkg, a[i], b[i], dpkg, a[i], b[i]);
	}
	char *dir = troot_new();
	troot_write(dir, "cmp.sh", script.buf, 0700);
	char sh[4200];
	snprintf(sh, sizeof(sh), "%s/cmp.sh", dir);
	const char *argv[] = { "/bin/sh", sh, NULL };
	char *out;
	size_t len;
	struct mm_err e = { 0 };
	assert_int_equal(host_run_cmd(argv, 600000, 64 << 20, &out, &len, &e), 0);
	const char *p = out;
	size_t lt = 0, gt = 0, eq = 0, skipped = 0;
	for (int i = 0; i < N; i++) {
		int l = -1, g = -1;
		if (sscanf(p, "%d %d", &l, &g) != 2)
			fail_msg("short output from dpkg at pair %d", i);
		p = strchr(p, '\n') + 1;
		if (l > 1 || g > 1) {
			/* dpkg rejected a version (e.g. "2:" from a truncation) */
			skipped++;
			free(a[i]);
			free(b[i]);
			continue;
		}
		int want = l == 0 ? -1 : g == 0 ? 1 : 0;
		int got = dpkg_vercmp(a[i], b[i]);
		got = got < 0 ? -1 : got > 0;
		if (got != want)
			fail_msg("dpkg --compare-versions '%s' '%s': dpkg says %d, we say %d", a[i],
				 b[i], want, got);
		lt += want < 0;
		gt += want > 0;
		eq += want == 0;
		free(a[i]);
		free(b[i]);
	}
	print_message("%zu pairs agree with dpkg (%zu lt, %zu eq, %zu gt; %zu with a version "
		      "dpkg rejects not compared)\n",
		      lt + eq + gt, lt, eq, gt, skipped);
	assert_true(lt > 50 && gt > 50 && eq > 50);
	assert_true(skipped < (size_t)N / 10);
	free(a);
	free(b);
	free(out);
	strbuf_release(&script);
	troot_rm(dir);
	free(dir);
}

static void test_rpm_known(void **state)
{
	(void)state;
	assert_true(rpm_vercmp("1.0~rc1", "1.0") < 0);
	assert_true(rpm_vercmp("1.0^git1", "1.0") > 0);
	assert_true(rpm_vercmp("1.0^git1", "1.0.1") < 0);
	assert_true(rpm_vercmp("1.0a", "1.0") > 0);
	assert_true(rpm_vercmp("1.0", "1.0a") < 0);
	assert_true(rpm_vercmp("2.10", "2.9") > 0);
	assert_int_equal(rpm_vercmp("1.001", "1.1"), 0);
	assert_int_equal(rpm_vercmp("1_0", "1.0"), 0);
	assert_true(rpm_vercmp("a", "1") < 0);
	assert_true(rpm_evrcmp("1:1.0-1", "2.0-1") > 0);
	assert_true(rpm_evrcmp("3.0.8-1.amzn2023.0.1", "3.0.8-1.amzn2023.0.3") < 0);
	assert_int_equal(rpm_evrcmp("0:1.0-1", "1.0-1"), 0);
}

static void test_rpm_differential(void **state)
{
	(void)state;
	if (access("/usr/bin/rpm", X_OK) < 0) {
		print_message("rpm not installed: differential test skipped\n");
		skip();
	}
	const char *env = getenv("MAMORI_DIFF_PAIRS");
	int N = env && atoi_safe(env) > 0 ? 4 * atoi_safe(env) : 4000;
	static const char al[] = "0123456789abcxyzAZ.~^_+";
	char **a = calloc((size_t)N, sizeof(char *)), **b = calloc((size_t)N, sizeof(char *));
	struct strbuf pairs = STRBUF_INIT;
	for (int i = 0; i < N; i++) {
		struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
		bool evr = i % 2;
		if (evr && rnd(4) == 0)
			strbuf_addf(&x, "%u:", rnd(3));
		gen_part(&x, al, 8, false);
		if (evr)
			strbuf_addch(&x, '-'), gen_part(&x, al, 5, false);
		if (rnd(3) == 0) {
			if (evr && rnd(4) == 0)
				strbuf_addf(&y, "%u:", rnd(3));
			gen_part(&y, al, 8, false);
			if (evr)
				strbuf_addch(&y, '-'), gen_part(&y, al, 5, false);
		} else {
			mutate(&y, x.buf, al);
		}
		a[i] = strbuf_detach(&x, NULL);
		b[i] = strbuf_detach(&y, NULL);
		strbuf_addf(&pairs, "%s %s\n", a[i], b[i]);
	}
	char *dir = troot_new();
	troot_write(dir, "pairs.txt", pairs.buf, 0600);
	char lua[4400];
	snprintf(lua, sizeof(lua),
		 "%%{lua: for l in io.lines('%s/pairs.txt') do local x, y = l:match('(%%S+) "
		 "(%%S+)'); print(rpm.vercmp(x, y) .. ',') end}",
		 dir);
	const char *argv[] = { "/usr/bin/rpm", "--eval", lua, NULL };
	char *out;
	size_t len;
	struct mm_err e = { 0 };
	assert_int_equal(host_run_cmd(argv, 600000, 64 << 20, &out, &len, &e), 0);
	const char *p = out;
	size_t lt = 0, gt = 0, eq = 0;
	for (int i = 0; i < N; i++) {
		char *end;
		long want = strtol(p, &end, 10);
		if (end == p || *end != ',')
			fail_msg("short output from rpm at pair %d", i);
		p = end + 1;
		int got = (i % 2) ? rpm_evrcmp(a[i], b[i]) : rpm_vercmp(a[i], b[i]);
		got = got < 0 ? -1 : got > 0;
		if (got != want)
			fail_msg("rpm.vercmp('%s', '%s'): rpm says %ld, we say %d", a[i], b[i],
				 want, got);
		lt += want < 0;
		gt += want > 0;
		eq += want == 0;
		free(a[i]);
		free(b[i]);
	}
	print_message("%d pairs agree with rpm (%zu lt, %zu eq, %zu gt)\n", N, lt, eq, gt);
	assert_true(lt > 100 && gt > 100 && eq > 100);
	free(a);
	free(b);
	free(out);
	strbuf_release(&pairs);
	troot_rm(dir);
	free(dir);
}

static void test_dpkg_status(void **state)
{
	(void)state;
	struct arena a;
	struct mm_diags d = { 0 };
	arena_init(&a);
	const char *st = "Package: libssl3\nStatus: install ok installed\nSource: openssl\n"
			 "Version: 3.0.11-1~deb12u1\nArchitecture: amd64\nDescription: x\n y\n\n"
			 "Package: libperl5.36\nStatus: install ok installed\n"
			 "Source: perl (5.36.0-7+deb12u1)\nVersion: 1:5.36.0-7+deb12u1\n\n"
			 "Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n"
			 "Package: half\nStatus: install reinstreq half-installed\nVersion: 2\n\n"
			 "no colon here\n\n"
			 "Package: noversion\nStatus: install ok installed\n";
	struct hpkgs p = { 0 };
	assert_int_equal(dpkg_status_parse(&a, &d, "status", st, strlen(st), &p), MM_EPARSE);
	assert_int_equal(p.nr, 3);
	assert_string_equal(p.v[0].name, "libssl3");
	assert_string_equal(p.v[0].source, "openssl");
	assert_string_equal(p.v[0].src_version, "3.0.11-1~deb12u1");
	assert_string_equal(p.v[0].src, "status:1");
	assert_string_equal(p.v[1].source, "perl");
	assert_string_equal(p.v[1].src_version, "5.36.0-7+deb12u1");
	assert_string_equal(p.v[1].version, "1:5.36.0-7+deb12u1");
	assert_string_equal(p.v[2].name, "half");
	assert_int_equal(d.nr, 2);
	hpkgs_release(&p);
	arena_release(&a);
	mm_diags_release(&d);
}

static void test_rpm_qa(void **state)
{
	(void)state;
	struct arena a;
	struct mm_diags d = { 0 };
	arena_init(&a);
	const char *qa =
	    "openssl-libs-3.0.8-1.amzn2023.0.1.x86_64\n"
	    "kernel 0 6.1.55 75.123.amzn2023 x86_64 kernel-6.1.55-75.123.amzn2023.src.rpm\n"
	    "perl-libs 4 5.32.1 480.amzn2023 x86_64 perl-5.32.1-480.amzn2023.src.rpm\n"
	    "garbage\n";
	struct hpkgs p = { 0 };
	assert_int_equal(rpm_qa_parse(&a, &d, "qa", qa, strlen(qa), &p), MM_EPARSE);
	assert_int_equal(p.nr, 3);
	assert_string_equal(p.v[0].name, "openssl-libs");
	assert_string_equal(p.v[0].version, "3.0.8-1.amzn2023.0.1");
	assert_string_equal(p.v[0].arch, "x86_64");
	assert_string_equal(p.v[1].version, "6.1.55-75.123.amzn2023");
	assert_string_equal(p.v[2].version, "4:5.32.1-480.amzn2023");
	assert_string_equal(p.v[2].source, "perl");
	hpkgs_mark_kernel(&a, &p, "6.1.55-75.123.amzn2023.x86_64");
	assert_true(p.v[1].kernel_running);
	hpkgs_mark_kernel(&a, &p, "6.1.61-85.141.amzn2023.x86_64");
	assert_true(p.v[1].kernel_other);
	hpkgs_release(&p);
	arena_release(&a);
	mm_diags_release(&d);
}

/* Build an rpm header blob: il, dl, index entries, data (big-endian). */
struct hdr {
	unsigned char idx[64 * 16], data[4096];
	uint32_t il, dl;
};

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void hdr_str(struct hdr *h, uint32_t tag, const char *s)
{
	put32(h->idx + h->il * 16, tag);
	put32(h->idx + h->il * 16 + 4, 6);
	put32(h->idx + h->il * 16 + 8, h->dl);
	put32(h->idx + h->il * 16 + 12, 1);
	memcpy(h->data + h->dl, s, strlen(s) + 1);
	h->dl += (uint32_t)strlen(s) + 1;
	h->il++;
}

static void hdr_int(struct hdr *h, uint32_t tag, uint32_t v)
{
	while (h->dl % 4)
		h->data[h->dl++] = 0;
	put32(h->idx + h->il * 16, tag);
	put32(h->idx + h->il * 16 + 4, 4);
	put32(h->idx + h->il * 16 + 8, h->dl);
	put32(h->idx + h->il * 16 + 12, 1);
	put32(h->data + h->dl, v);
	h->dl += 4;
	h->il++;
}

static size_t hdr_blob(const struct hdr *h, unsigned char *out)
{
	put32(out, h->il);
	put32(out + 4, h->dl);
	memcpy(out + 8, h->idx, h->il * 16);
	memcpy(out + 8 + h->il * 16, h->data, h->dl);
	return 8 + h->il * 16 + h->dl;
}

static void test_rpmdb_sqlite(void **state)
{
	(void)state;
	char *dir = troot_new();
	char path[4200];
	snprintf(path, sizeof(path), "%s/rpmdb.sqlite", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY "
				      "AUTOINCREMENT, blob BLOB NOT NULL)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?)", -1, &st, NULL),
	    SQLITE_OK);
	unsigned char blob[8192];
	struct hdr h = { 0 };
	hdr_str(&h, 1000, "openssl-libs");
	hdr_str(&h, 1001, "3.0.8");
	hdr_str(&h, 1002, "1.amzn2023.0.1");
	hdr_int(&h, 1003, 1);
	hdr_str(&h, 1022, "x86_64");
	hdr_str(&h, 1044, "openssl-3.0.8-1.amzn2023.0.1.src.rpm");
	size_t n = hdr_blob(&h, blob);
	sqlite3_bind_blob(st, 1, blob, (int)n, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_reset(st);
	/* A truncated header: reported and skipped. */
	sqlite3_bind_blob(st, 1, blob, 20, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);

	struct arena a;
	struct mm_diags d = { 0 };
	arena_init(&a);
	struct hpkgs p = { 0 };
	assert_int_equal(rpmdb_sqlite_load(&a, &d, path, "/var/lib/rpm/rpmdb.sqlite", &p),
			 MM_EPARSE);
	assert_int_equal(p.nr, 1);
	assert_string_equal(p.v[0].name, "openssl-libs");
	assert_string_equal(p.v[0].version, "1:3.0.8-1.amzn2023.0.1");
	assert_string_equal(p.v[0].source, "openssl");
	assert_string_equal(p.v[0].src, "/var/lib/rpm/rpmdb.sqlite#hnum=1");
	assert_int_equal(d.nr, 1);
	/* Not an rpm database. */
	troot_write(dir, "junk.sqlite", "not sqlite at all", 0600);
	snprintf(path, sizeof(path), "%s/junk.sqlite", dir);
	struct hpkgs q = { 0 };
	assert_true(rpmdb_sqlite_load(&a, &d, path, "junk", &q) < 0);
	hpkgs_release(&p);
	hpkgs_release(&q);
	arena_release(&a);
	mm_diags_release(&d);
	troot_rm(dir);
	free(dir);
}

static void test_cvss(void **state)
{
	(void)state;
	/* Scores from the FIRST calculator. */
	assert_float_equal(host_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8,
			   1e-9);
	assert_float_equal(host_cvss3_score("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H"), 7.0,
			   1e-9);
	assert_float_equal(host_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0,
			   1e-9);
	assert_float_equal(host_cvss3_score("CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"), 5.4,
			   1e-9);
	assert_float_equal(host_cvss3_score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N"), 0.0,
			   1e-9);
	assert_true(host_cvss3_score("CVSS:2.0/AV:N") < 0);
	assert_true(host_cvss3_score("CVSS:3.1/AV:N/AC:L") < 0);
}

static void test_updateinfo(void **state)
{
	(void)state;
	const char *xml =
	    "<?xml version=\"1.0\"?>\n<updates>\n"
	    " <update type=\"security\" status=\"stable\"><id>ALAS2023-2023-181</id>"
	    "<title>Important: openssl</title><severity>important</severity>"
	    "<references><reference id=\"CVE-2023-2650\" type=\"cve\"/>"
	    "<reference id=\"CVE-2023-1255\" type=\"cve\"/></references>"
	    "<pkglist><collection short=\"amazon-linux-2023\">"
	    "<package name=\"openssl-libs\" epoch=\"1\" version=\"3.0.8\" "
	    "release=\"1.amzn2023.0.3\" arch=\"x86_64\"><filename>x.rpm</filename></package>"
	    "<package name=\"openssl-libs\" epoch=\"1\" version=\"3.0.8\" "
	    "release=\"1.amzn2023.0.3\" arch=\"aarch64\"/>"
	    "</collection></pkglist></update>\n"
	    " <update type=\"bugfix\"><id>ALAS2023-2023-999</id><pkglist><collection>"
	    "<package name=\"openssl-libs\" version=\"9\" release=\"1\"/></collection></pkglist>"
	    "</update>\n"
	    " <update type=\"security\"><id>ALAS2023-2023-200</id><severity>critical</severity>"
	    "<pkglist><collection><package name=\"kernel\" epoch=\"0\" version=\"6.1.61\" "
	    "release=\"85.141.amzn2023\" arch=\"x86_64\"/></collection></pkglist></update>\n"
	    "</updates>\n";
	struct arena a;
	struct mm_diags d = { 0 };
	arena_init(&a);
	struct adv_target t = { .kind = PKG_RPM };
	struct hadvs adv = { 0 };
	assert_int_equal(hadvs_parse_updateinfo(&a, &d, "ui.xml", xml, strlen(xml), &t, &adv), 0);
	assert_int_equal(adv.nr, 3);
	assert_string_equal(adv.v[0].fixed, "1:3.0.8-1.amzn2023.0.3");
	assert_int_equal(adv.v[0].sev, MM_SEV_HIGH);
	assert_string_equal(adv.v[0].aliases, "CVE-2023-2650, CVE-2023-1255");

	const char *qa =
	    "openssl-libs 1 3.0.8 1.amzn2023.0.1 x86_64 x.src.rpm\n"
	    "kernel 0 6.1.55 75.123.amzn2023 x86_64 kernel-6.1.55-75.123.amzn2023.src.rpm\n"
	    "kernel 0 6.1.61 85.141.amzn2023 x86_64 kernel-6.1.61-85.141.amzn2023.src.rpm\n";
	struct hpkgs p = { 0 };
	assert_int_equal(rpm_qa_parse(&a, &d, "qa", qa, strlen(qa), &p), 0);
	/* Running the old kernel: the new one is installed but does not run. */
	hpkgs_mark_kernel(&a, &p, "6.1.55-75.123.amzn2023.x86_64");
	struct hvulns v = { 0 };
	host_match(&p, &adv, &v);
	assert_int_equal(v.nr, 2);
	assert_string_equal(v.v[0].adv->id, "ALAS2023-2023-181");
	assert_string_equal(v.v[1].adv->id, "ALAS2023-2023-200");
	assert_string_equal(v.v[1].installed, "6.1.55-75.123.amzn2023");
	hvulns_release(&v);
	/* After the reboot into the new kernel nothing is left for it. */
	hpkgs_mark_kernel(&a, &p, "6.1.61-85.141.amzn2023.x86_64");
	host_match(&p, &adv, &v);
	assert_int_equal(v.nr, 1);
	hvulns_release(&v);

	/* Broken XML is an error with the file name, not a crash. */
	struct hadvs bad = { 0 };
	assert_true(hadvs_parse_updateinfo(&a, &d, "bad.xml", "<updates><update", 16, &t, &bad) <
		    0);
	assert_string_equal(d.v[d.nr - 1].file, "bad.xml");
	hadvs_release(&bad);
	hpkgs_release(&p);
	hadvs_release(&adv);
	arena_release(&a);
	mm_diags_release(&d);
}

static void test_fixture_dpkg(void **state)
{
	(void)state;
	/* host_fixture() returns a static buffer: copy. */
	char root[8192], advdir[8192];
	assert_non_null(host_fixture("dpkg"));
	snprintf(root, sizeof(root), "%s", host_fixture("dpkg"));
	assert_non_null(host_fixture("advisories"));
	snprintf(advdir, sizeof(advdir), "%s", host_fixture("advisories"));
	for (int all = 0; all <= 1; all++) {
		struct host_catalog cat;
		struct findings fs;
		struct mm_diags d = { 0 };
		struct mm_err e = { 0 };
		assert_int_equal(host_catalog_load(&cat, &e), 0);
		findings_init(&fs);
		const char *const advs[] = { advdir };
		struct host_opts o = { .root = root,
				       .checks = HOST_CHECK_PACKAGES,
				       .advisories = advs,
				       .nadvisories = 1,
				       .all = all };
		struct host_stats st;
		assert_int_equal(host_run(&o, &cat, &fs, &d, &st, &e), 0);
		assert_int_equal(st.packages, 8); /* expat: config-files only */
		/* libssl3 and openssl share source openssl: one finding. */
		const struct finding *f =
		    find_rule(&fs, "host-package-vulnerable", "CVE-2023-5363");
		assert_non_null(f);
		assert_int_equal(f->status, MM_ST_FAIL);
		assert_int_equal(f->sev, MM_SEV_HIGH);
		assert_non_null(strstr(f->message, "openssl 3.0.11-1~deb12u1"));
		assert_non_null(strstr(f->message, "fixed in 3.0.11-1~deb12u2"));
		assert_int_equal(f->ntags, 5);
		assert_string_equal(f->tags[1].value, "3.0.11-1~deb12u1");
		assert_string_equal(f->tags[2].value, "3.0.11-1~deb12u2");
		size_t n5363 = 0;
		for (size_t i = 0; i < fs.nr; i++)
			n5363 += fs.v[i].fp_extra && strstr(fs.v[i].fp_extra, "CVE-2023-5363");
		assert_int_equal(n5363, 1);
		/* OSV with CVSS 7.0. */
		f = find_rule(&fs, "host-package-vulnerable", "DSA-5550-1");
		assert_non_null(f);
		assert_int_equal(f->sev, MM_SEV_HIGH);
		/* Running kernel 6.1.76-1: CVE-2024-1086 (fixed in 6.1.76-1) is not
		 * reported, CVE-2024-26925 is; the installed 6.1.55 kernel does not
		 * run and is not judged. */
		assert_null(find_rule(&fs, "host-package-vulnerable", "CVE-2024-1086"));
		f = find_rule(&fs, "host-package-vulnerable", "CVE-2024-26925");
		assert_non_null(f);
		assert_non_null(strstr(f->message, "running kernel"));
		/* Fixed before the installed version; config-files only; source
		 * version with the binary's epoch stripped. */
		assert_null(find_rule(&fs, "host-package-vulnerable", "CVE-2010-0001"));
		assert_null(find_rule(&fs, "host-package-vulnerable", "CVE-2023-52425"));
		assert_null(find_rule(&fs, "host-package-vulnerable", "CVE-2023-47038"));
		assert_null(find_rule(&fs, "host-package-vulnerable", "CVE-2099-0001"));
		/* Severity unknown, fix available: shown, as unknown. */
		f = find_rule(&fs, "host-package-vulnerable", "CVE-2024-25062");
		assert_non_null(f);
		assert_int_equal(f->status, MM_ST_UNKNOWN);
		/* Low, and postponed without a fix: only with --all. */
		f = find_rule(&fs, "host-package-vulnerable", "CVE-2023-5678");
		const struct finding *g =
		    find_rule(&fs, "host-package-vulnerable", "CVE-2024-34397");
		if (all) {
			assert_non_null(f);
			assert_int_equal(f->sev, MM_SEV_LOW);
			assert_non_null(g);
			assert_non_null(strstr(g->message, "postponed"));
		} else {
			assert_null(f);
			assert_null(g);
			assert_int_equal(st.vulns_hidden, 2);
		}
		findings_release(&fs);
		host_catalog_release(&cat);
		mm_diags_release(&d);
	}
}

/* The machine running the tests: it must not crash and must find its own
 * dpkg packages. */
static void test_real_host(void **state)
{
	(void)state;
	if (access("/var/lib/dpkg/status", R_OK) < 0) {
		print_message("no /var/lib/dpkg/status here: skipped\n");
		skip();
	}
	struct host_catalog cat;
	struct findings fs;
	struct mm_diags d = { 0 };
	struct mm_err e = { 0 };
	assert_int_equal(host_catalog_load(&cat, &e), 0);
	findings_init(&fs);
	struct host_opts o = { .root = "/", .passed = true };
	struct host_stats st;
	assert_int_equal(host_run(&o, &cat, &fs, &d, &st, &e), 0);
	assert_true(st.packages > 10);
	assert_non_null(find_rule(&fs, "host-package-vulnerable", NULL));
	assert_non_null(find_rule(&fs, "host-imds-user-access", NULL));
	print_message("live run: %zu packages, %zu sockets, %zu findings\n", st.packages,
		      st.sockets, fs.nr);
	findings_release(&fs);
	host_catalog_release(&cat);
	mm_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_known),   cmocka_unit_test(test_dpkg_differential),
		cmocka_unit_test(test_rpm_known),    cmocka_unit_test(test_rpm_differential),
		cmocka_unit_test(test_dpkg_status),  cmocka_unit_test(test_rpm_qa),
		cmocka_unit_test(test_rpmdb_sqlite), cmocka_unit_test(test_cvss),
		cmocka_unit_test(test_updateinfo),   cmocka_unit_test(test_fixture_dpkg),
		cmocka_unit_test(test_real_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
