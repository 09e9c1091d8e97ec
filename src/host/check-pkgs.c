/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vulnerable packages (seed 002: "Critical or High with a fix available"):
 * installed packages matched against the advisories the user supplies
 * (--advisories) and the updateinfo.xml dnf/yum already cached on the host.
 * The kernel is judged by the running one (uname -r; under --root
 * ROOT/proc/sys/kernel/osrelease): other installed kernels do not run.
 *
 * Default view: critical and high advisories with a fixed version newer than
 * the installed one. --all adds the rest, with the vendor's status (no-dsa,
 * postponed, end-of-life, open). A fixed advisory without a severity is
 * shown as unknown: its importance is missing data, not "low".
 */
#include "host-int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

static const char *state_name(enum adv_state s)
{
	switch (s) {
	case ADV_FIXED:
		return "fixed";
	case ADV_OPEN:
		return "open (no fix yet)";
	case ADV_NO_DSA:
		return "no-dsa";
	case ADV_POSTPONED:
		return "postponed";
	case ADV_IGNORED:
		return "ignored";
	case ADV_EOL:
		return "end-of-life";
	default:
		return "not affected";
	}
}

static const char *running_kernel(struct hctx *x)
{
	if (x->r.live) {
		struct utsname u;
		if (uname(&u) == 0)
			return arena_strdup(&x->run, u.release);
		return NULL;
	}
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	if (hroot_read(&x->r, "/proc/sys/kernel/osrelease", 4096, &buf, &len, &e) < 0)
		return NULL;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	const char *s = arena_strndup(&x->run, buf, len);
	free(buf);
	return s;
}

static void cached_updateinfo(struct hctx *x, const struct adv_target *t, struct hadvs *adv)
{
	static const char *const pats[] = {
		"/var/cache/dnf/*/repodata/*updateinfo.xml*",
		"/var/cache/yum/*/*/*/*updateinfo.xml*",
		"/var/cache/yum/*/*/*/gen/updateinfo.xml",
		NULL,
	};
	for (size_t i = 0; pats[i]; i++) {
		const char **v;
		size_t n = hroot_glob(&x->r, pats[i], &v);
		for (size_t k = 0; k < n; k++) {
			const char *h = hroot_resolve(&x->r, v[k], true);
			if (h) {
				x->r.files_read++;
				hadvs_load_path(&x->run, x->r.d, h, t, adv);
			}
		}
	}
}

void host_check_packages(struct hctx *x)
{
	struct hpkgs p;
	hpkgs_load(&x->r, &p);
	x->st->packages = p.nr;
	if (!p.loaded) {
		host_emit(x, "host-package-vulnerable", MM_ST_UNKNOWN, -1, NULL,
			  "no package database under the root (/var/lib/dpkg/status, "
			  "rpmdb.sqlite, or .mamori/rpm-qa.txt): packages unknown");
		hpkgs_release(&p);
		return;
	}
	const char *kr = running_kernel(x);
	hpkgs_mark_kernel(&x->run, &p, kr);

	struct adv_target t;
	hadv_target(&x->os, p.kind, &x->run, &t);
	struct hadvs adv = { 0 };
	for (size_t i = 0; i < x->o->nadvisories; i++)
		hadvs_load_path(&x->run, x->r.d, x->o->advisories[i], &t, &adv);
	if (p.kind == PKG_RPM)
		cached_updateinfo(x, &t, &adv);
	x->st->advisories = adv.nr;
	x->st->records_skipped += adv.records_skipped;
	if (!adv.files) {
		host_emit(x, "host-package-vulnerable", MM_ST_UNKNOWN, -1, NULL,
			  "%zu packages from %s, but no advisory data: pass --advisories with OSV, "
			  "Debian security tracker or updateinfo.xml files",
			  p.nr, p.from);
		hadvs_release(&adv);
		hpkgs_release(&p);
		return;
	}
	struct hvulns vu = { 0 };
	host_match(&p, &adv, &vu);
	size_t shown = 0;
	for (size_t i = 0; i < vu.nr; i++) {
		const struct hpkg *k = vu.v[i].pkg;
		const struct hadv *h = vu.v[i].adv;
		bool fixed = h->state == ADV_FIXED;
		bool important = h->sev_known && h->sev >= MM_SEV_HIGH;
		enum mm_status st = MM_ST_FAIL;
		if (fixed && !h->sev_known)
			st = MM_ST_UNKNOWN;
		if (!x->o->all && !(fixed && (important || !h->sev_known))) {
			x->st->vulns_hidden++;
			continue;
		}
		const char *pkgname = k->kind == PKG_DPKG ? k->source : k->name;
		struct strbuf fp = STRBUF_INIT;
		strbuf_addf(&fp, "%s/%s", pkgname, h->id);
		struct finding *f = host_emit(
		    x, "host-package-vulnerable", st, h->sev_known ? (int)h->sev : -1, fp.buf,
		    "%s %s is affected by %s%s%s%s; %s%s%s%s", pkgname, vu.v[i].installed, h->id,
		    h->aliases ? " (" : "", h->aliases ? h->aliases : "", h->aliases ? ")" : "",
		    fixed ? "fixed in " : "no fixed version: ",
		    fixed ? h->fixed : state_name(h->state),
		    h->sev_known ? "" : " (severity unknown)",
		    k->kernel_running ? " (the running kernel)" : "");
		strbuf_release(&fp);
		if (!f)
			continue;
		f->tags = arena_calloc(&x->fs->arena, 5, sizeof(*f->tags));
		f->tags[0] =
		    (struct finding_tag){ "package", arena_strdup(&x->fs->arena, pkgname) };
		f->tags[1] = (struct finding_tag){ "installed_version",
						   arena_strdup(&x->fs->arena, vu.v[i].installed) };
		f->tags[2] =
		    (struct finding_tag){ "fixed_version",
					  fixed ? arena_strdup(&x->fs->arena, h->fixed) : "" };
		f->tags[3] = (struct finding_tag){ "advisory", arena_strdup(&x->fs->arena, h->id) };
		f->tags[4] = (struct finding_tag){ "vendor_status", state_name(h->state) };
		f->ntags = 5;
		host_ev(x, f, k->src, "installed: %s %s%s%s%s", k->name, k->version,
			strcmp(k->source, k->name) ? " (source " : "",
			strcmp(k->source, k->name) ? k->source : "",
			strcmp(k->source, k->name) ? ")" : "");
		if (k->kernel_running)
			host_ev(x, f, NULL, "running kernel: %s", kr);
		host_ev(x, f, h->src, "%s: %s%s%s, severity %s%s%s", h->id,
			fixed ? "fixed in " : "", fixed ? h->fixed : state_name(h->state),
			h->state_note && !fixed ? "" : "",
			h->sev_known ? mm_sev_name(h->sev) : "unknown",
			h->state_note && h->kind == PKG_DPKG ? "; vendor: " : "",
			h->state_note && h->kind == PKG_DPKG ? h->state_note : "");
		shown++;
	}
	if (!shown)
		host_emit(x, "host-package-vulnerable", MM_ST_PASS, -1, NULL,
			  "%zu packages checked against %zu advisory records: none %s%s", p.nr,
			  adv.nr, x->o->all ? "affected" : "critical or high with a fix",
			  x->st->vulns_hidden ? " (--all shows the others)" : "");
	hvulns_release(&vu);
	hadvs_release(&adv);
	hpkgs_release(&p);
}
