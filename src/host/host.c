/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host_run(): set up the root, find out which host this is (hostname, and
 * the instance id, account and region when cloud-init recorded them), run
 * each check, and hand back findings and counts. The checks live in
 * check-*.c; they share struct hctx and the two helpers here that build
 * findings from catalog rules.
 */
#include "host-int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

struct finding *host_emit(struct hctx *x, const char *rule_id, enum mm_status st, int sev,
			  const char *fp_extra, const char *fmt, ...)
{
	if (st == MM_ST_PASS && !x->o->passed)
		return NULL;
	const struct posture_rule *r = posture_rule_find(&x->cat->c, rule_id);
	if (!r)
		BUG("host rule missing from the catalog");
	struct arena *a = &x->fs->arena;
	struct finding *f = findings_add(x->fs);
	f->rule = r->id;
	f->title = r->title;
	f->sev = sev >= 0 ? (enum mm_sev)sev : r->sev;
	f->status = st;
	f->res_type = "host";
	f->res_id = x->host_id;
	f->account = x->account;
	f->region = x->region;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	f->message = arena_strdup(a, sb.buf);
	strbuf_release(&sb);
	f->rem_text = r->remediation;
	f->rem_cli = r->cli;
	f->compliance = r->compliance;
	f->ncompliance = r->ncompliance;
	f->fp_extra = fp_extra ? arena_strdup(a, fp_extra) : NULL;
	finding_fingerprint(f);
	return f;
}

void host_ev(struct hctx *x, struct finding *f, const char *loc, const char *fmt, ...)
{
	if (!f)
		return;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	finding_add_evidence(x->fs, f, loc, sb.buf);
	strbuf_release(&sb);
}

static char *trim_dup(struct arena *a, const char *s, size_t n)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	return arena_strndup(a, s, n);
}

/* Hostname, and instance id / account / region from cloud-init's
 * instance-data.json (world-readable by design; the sensitive copy is not
 * read here). */
static void identify(struct hctx *x)
{
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	struct arena *fa = &x->fs->arena;
	x->account = "unknown";
	x->region = "unknown";
	x->host_id = NULL;
	if (hroot_read(&x->r, "/run/cloud-init/instance-data.json", 16 << 20, &buf, &len, &e) ==
	    0) {
		struct json *doc = NULL;
		struct mm_err pe = { 0 };
		long long off = -1;
		if (json_parse(&x->run, buf, len, NULL, &doc, &off, &pe) == 0) {
			const struct json *v1 = json_get(doc, "v1");
			const char *iid = json_str(v1, "instance_id");
			const char *region = json_str(v1, "region");
			const struct json *idoc =
			    json_get(json_get(json_get(doc, "ds"), "dynamic"), "instance-identity");
			const char *acct = json_str(json_get(idoc, "document"), "accountId");
			if (iid && *iid)
				x->host_id = arena_strdup(fa, iid);
			if (region && *region)
				x->region = arena_strdup(fa, region);
			if (acct && *acct)
				x->account = arena_strdup(fa, acct);
		} else {
			mm_diags_add(x->r.d, MM_DIAG_WARNING, "/run/cloud-init/instance-data.json",
				     off, "%s", pe.msg);
		}
		free(buf);
	}
	const char *hostname = NULL;
	if (hroot_read(&x->r, "/etc/hostname", 4096, &buf, &len, &e) == 0) {
		hostname = trim_dup(fa, buf, len);
		free(buf);
	}
	if ((!hostname || !*hostname) && x->r.live) {
		char h[256];
		if (gethostname(h, sizeof(h)) == 0) {
			h[sizeof(h) - 1] = '\0';
			hostname = arena_strdup(fa, h);
		}
	}
	x->st->hostname = hostname && *hostname ? hostname : NULL;
	if (!x->host_id)
		x->host_id = x->st->hostname ? x->st->hostname : arena_strdup(fa, x->r.shown);
}

int host_run(const struct host_opts *o, const struct host_catalog *cat, struct findings *out,
	     struct mm_diags *diags, struct host_stats *st, struct mm_err *e)
{
	memset(st, 0, sizeof(*st));
	const char *root = o->root && *o->root ? o->root : "/";
	struct stat sb;
	if (stat(root, &sb) < 0)
		return mm_err_set(e, MM_EIO, "cannot read root '%s': %s", root, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return mm_err_set(e, MM_EUSAGE, "root '%s' is not a directory", root);

	struct hctx x;
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.cat = cat;
	x.fs = out;
	x.st = st;
	arena_init(&x.run);
	hroot_init(&x.r, root, &x.run, diags);
	identify(&x);
	host_os_release(&x.r, &x.os);
	if (x.os.id)
		st->distro = arena_printf(&out->arena, "%s %s", x.os.id,
					  x.os.version_id ? x.os.version_id : "");

	unsigned checks = o->checks ? o->checks : ~0u;
	if (husers_load(&x.r, &x.users) == 0)
		x.users_loaded = true;
	for (size_t i = 0; i < x.users.nr; i++)
		if (x.users.v[i].login)
			st->users++;
	if (checks & (HOST_CHECK_SOCKETS | HOST_CHECK_SSHD)) {
		hsocks_load(&x.r, &x.socks);
		x.socks_loaded = x.socks.loaded;
		st->sockets = x.socks.nr;
	}
	if (checks & HOST_CHECK_SSHD)
		host_check_sshd(&x);
	if (checks & HOST_CHECK_SOCKETS)
		host_check_listeners(&x);
	if (checks & HOST_CHECK_IMDS)
		host_check_imds(&x);
	if (checks & HOST_CHECK_USERDATA)
		host_check_userdata(&x);
	if (checks & HOST_CHECK_PACKAGES)
		host_check_packages(&x);

	st->files_read = x.r.files_read;
	st->files_missing = x.r.files_missing;
	st->files_failed = x.r.files_failed;
	st->records_skipped += x.r.records_skipped;
	hsocks_release(&x.socks);
	arena_release(&x.run);
	return 0;
}
