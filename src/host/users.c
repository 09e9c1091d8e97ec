/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local accounts from ROOT/etc/passwd and their groups from ROOT/etc/group:
 * which users can log in (a real shell, not nologin/false) and which groups
 * they are in, for sshd's Match User / Match Group and Allow/Deny lists.
 * Accounts from NSS sources other than files (LDAP, SSSD) are not seen; the
 * report says how many local users were evaluated.
 */
#include "host-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/wrapper.h"
#include "base/banned.h"

bool host_shell_login(const char *shell)
{
	if (!shell || !*shell)
		return true; /* an empty shell field means /bin/sh */
	const char *base = strrchr(shell, '/');
	base = base ? base + 1 : shell;
	static const char *const nologin[] = { "nologin",  "false", "sync",	 "halt",
					       "shutdown", "true",  "git-shell", NULL };
	for (size_t i = 0; nologin[i]; i++)
		if (!strcmp(base, nologin[i]))
			return false;
	return true;
}

/* Split a line into at most max ':'-separated fields (arena copies). */
static size_t split_colon(struct arena *a, const char *s, size_t n, const char **f, size_t max)
{
	size_t k = 0;
	const char *start = s, *end = s + n;
	for (const char *p = s; k < max; p++) {
		if (p == end || *p == ':') {
			f[k++] = arena_strndup(a, start, (size_t)(p - start));
			if (p == end)
				break;
			start = p + 1;
		}
	}
	return k;
}

static bool parse_id(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0)
		return false;
	*out = v;
	return true;
}

int husers_load(struct hroot *r, struct husers *u)
{
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	memset(u, 0, sizeof(*u));
	if (hroot_read(r, "/etc/passwd", HOST_MAX_FILE, &buf, &len, &e) < 0) {
		mm_diags_add(r->d, MM_DIAG_WARNING, "/etc/passwd", -1,
			     "%s: Match User/Group evaluated without local users", e.msg);
		return -1;
	}
	u->loaded = true;
	size_t alloc = 0, pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		if (!n || line[0] == '#' || line[0] == '+' || line[0] == '-')
			continue;
		const char *f[7];
		size_t k = split_colon(r->a, line, n, f, 7);
		long uid, gid;
		if (k < 7 || !*f[0] || !parse_id(f[2], &uid) || !parse_id(f[3], &gid)) {
			mm_diags_add(r->d, MM_DIAG_WARNING, "/etc/passwd", (long long)(line - buf),
				     "line %u: malformed passwd entry", lineno);
			r->records_skipped++;
			continue;
		}
		ALLOC_GROW(u->v, u->nr + 1, alloc);
		struct huser *h = &u->v[u->nr++];
		memset(h, 0, sizeof(*h));
		h->name = f[0];
		h->uid = uid;
		h->gid = gid;
		h->home = f[5];
		h->shell = f[6];
		h->login = host_shell_login(f[6]);
		h->line = lineno;
	}
	free(buf);
	if (u->nr) {
		struct huser *av = arena_calloc(r->a, u->nr, sizeof(*av));
		memcpy(av, u->v, u->nr * sizeof(*av));
		free(u->v);
		u->v = av;
	}

	/* Groups: primary by gid, supplementary by member list. */
	if (hroot_read(r, "/etc/group", HOST_MAX_FILE, &buf, &len, &e) < 0)
		return 0;
	size_t ng = 0;
	const char ***gv = xcalloc(u->nr + 1, sizeof(*gv));
	size_t *gn = xcalloc(u->nr + 1, sizeof(*gn)), *ga = xcalloc(u->nr + 1, sizeof(*ga));
	pos = 0;
	lineno = 0;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		if (!n || line[0] == '#')
			continue;
		const char *f[4];
		size_t k = split_colon(r->a, line, n, f, 4);
		long gid;
		if (k < 4 || !parse_id(f[2], &gid)) {
			r->records_skipped++;
			continue;
		}
		ng++;
		for (size_t i = 0; i < u->nr; i++) {
			bool member = u->v[i].gid == gid;
			for (const char *p = f[3]; !member && *p;) {
				const char *c = strchr(p, ',');
				size_t l = c ? (size_t)(c - p) : strlen(p);
				if (l == strlen(u->v[i].name) && !memcmp(p, u->v[i].name, l))
					member = true;
				p += l + (c ? 1 : 0);
			}
			if (member) {
				ALLOC_GROW(gv[i], gn[i] + 1, ga[i]);
				gv[i][gn[i]++] = f[0];
			}
		}
	}
	for (size_t i = 0; i < u->nr; i++) {
		u->v[i].groups = arena_calloc(r->a, gn[i] + 1, sizeof(char *));
		if (gn[i])
			memcpy(u->v[i].groups, gv[i], gn[i] * sizeof(char *));
		u->v[i].ngroups = gn[i];
		free(gv[i]);
	}
	free(gv);
	free(gn);
	free(ga);
	free(buf);
	(void)ng;
	return 0;
}

const struct huser *husers_find(const struct husers *u, const char *name)
{
	for (size_t i = 0; u && i < u->nr; i++)
		if (!strcmp(u->v[i].name, name))
			return &u->v[i];
	return NULL;
}
