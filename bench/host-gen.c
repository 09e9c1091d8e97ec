/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host-gen: a synthetic Debian 12 root and advisory data for benchmarking
 * `mamori host`: N installed packages (binary packages grouped under
 * source packages, epochs and ~ revisions as real ones have) in
 * ROOT/var/lib/dpkg/status, and M advisory records split between a Debian
 * security tracker JSON (ADVDIR/tracker.json) and an OSV array
 * (ADVDIR/osv.json). About a third of the records name installed source
 * packages; the rest name packages that are not installed, as in the real
 * tracker. Deterministic for a given seed.
 *
 * usage: host-gen ROOT ADVDIR [PACKAGES [RECORDS [SEED]]]
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/banned.h"

static unsigned long long rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "host-gen: cannot write '%s': %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

static void version(char *buf, size_t n, unsigned src, unsigned bump)
{
	unsigned major = 1 + src % 7, minor = src % 13;
	if (src % 5 == 0)
		snprintf(buf, n, "1:%u.%u.%u-%u~deb12u%u", major, minor, bump, 1 + src % 3,
			 1 + bump % 4);
	else
		snprintf(buf, n, "%u.%u.%u+dfsg-%u", major, minor, bump, 1 + src % 4);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: host-gen ROOT ADVDIR [PACKAGES [RECORDS [SEED]]]\n");
		return 2;
	}
	const char *root = argv[1], *adv = argv[2];
	unsigned npkg = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 3000;
	unsigned nrec = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 100000;
	rng = argc > 5 ? strtoull(argv[5], NULL, 10) * 2654435761u + 1 : 88172645463325252ull;
	unsigned nsrc = npkg / 3 + 1; /* about three binaries per source */
	char path[4096];
	snprintf(path, sizeof(path), "%s/var/lib/dpkg", root);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/etc", root);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/proc/sys/kernel", root);
	mkdirs(path);
	mkdirs(adv);
	FILE *f = open_in(root, "etc/os-release");
	fprintf(f, "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
	fclose(f);
	f = open_in(root, "proc/sys/kernel/osrelease");
	fprintf(f, "6.1.0-18-amd64\n");
	fclose(f);

	f = open_in(root, "var/lib/dpkg/status");
	char v[64];
	for (unsigned i = 0; i < npkg; i++) {
		unsigned src = i % nsrc;
		version(v, sizeof(v), src, 3);
		fprintf(f,
			"Package: bin%u-%u\nStatus: install ok installed\nPriority: optional\n"
			"Section: libs\nInstalled-Size: %u\nMaintainer: Bench <bench@example.org>\n"
			"Architecture: amd64\nSource: src%u (%s)\nVersion: %s\n"
			"Depends: libc6 (>= 2.36)\nDescription: benchmark package %u\n"
			" A longer description line so the file has realistic size.\n\n",
			src, i, 100 + rnd(9000), src, v, v, i);
	}
	fclose(f);

	/* Tracker: package -> CVE -> releases.bookworm */
	unsigned ntracker = nrec / 2, nosv = nrec - ntracker;
	f = open_in(adv, "tracker.json");
	fputs("{\n", f);
	unsigned per = 5, written = 0, pkgno = 0;
	static const char *const urg[] = { "low", "medium", "high", "not yet assigned",
					   "unimportant" };
	while (written < ntracker) {
		bool installed = rnd(3) == 0;
		unsigned src = installed ? rnd(nsrc) : nsrc + pkgno;
		fprintf(f, "%s\"%s%u\": {\n", pkgno ? ",\n" : "", "src", src);
		unsigned k = 1 + rnd(per * 2);
		for (unsigned c = 0; c < k && written < ntracker; c++, written++) {
			version(v, sizeof(v), src, rnd(6));
			bool open = rnd(6) == 0;
			fprintf(
			    f,
			    "%s \"CVE-%u-%u\": {\"description\": \"synthetic issue %u\", "
			    "\"scope\": \"remote\", \"releases\": {\"bookworm\": {\"status\": "
			    "\"%s\", \"repositories\": {\"bookworm\": \"%s\"}, %s%s%s\"urgency\": "
			    "\"%s\"}, \"bullseye\": {\"status\": \"resolved\", \"fixed_version\": "
			    "\"0\", \"urgency\": \"low\"}}}",
			    c ? ",\n" : "", 2000 + written % 25, 10000 + written, written,
			    open ? "open" : "resolved", v, open ? "" : "\"fixed_version\": \"",
			    open ? "" : v, open ? "" : "\", ", urg[rnd(5)]);
		}
		fputs("\n}", f);
		pkgno++;
	}
	fputs("\n}\n", f);
	fclose(f);

	/* OSV: an array of records for Debian:12 (and some for Debian:11). */
	f = open_in(adv, "osv.json");
	fputs("[\n", f);
	static const char *const cvss[] = {
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
	};
	for (unsigned r = 0; r < nosv; r++) {
		bool installed = rnd(3) == 0;
		unsigned src = installed ? rnd(nsrc) : nsrc + rnd(50000);
		version(v, sizeof(v), src, rnd(6));
		fprintf(f,
			"%s{\"schema_version\": \"1.4.0\", \"id\": \"DEBIAN-CVE-%u-%u\", "
			"\"modified\": \"2024-01-01T00:00:00Z\", \"summary\": \"synthetic %u\", "
			"\"affected\": [{\"package\": {\"ecosystem\": \"Debian:%u\", \"name\": "
			"\"src%u\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": "
			"[{\"introduced\": \"0\"}, {\"fixed\": \"%s\"}]}]}], \"severity\": "
			"[{\"type\": \"CVSS_V3\", \"score\": \"%s\"}]}",
			r ? ",\n" : "", 2000 + r % 25, 50000 + r, r, rnd(8) ? 12 : 11, src, v,
			cvss[rnd(3)]);
	}
	fputs("\n]\n", f);
	fclose(f);
	fprintf(stderr,
		"host-gen: %u packages (%u sources) in %s, %u tracker + %u OSV records in %s\n",
		npkg, nsrc, root, ntracker, nosv, adv);
	return 0;
}
