/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloud-init's copies of the user-data and what it derived from them
 * (instances/<id>/user-data.txt, user-data.txt.i, scripts/, obj.pkl, and
 * /run/cloud-init/instance-data-sensitive.json): who can read them, and
 * which secrets they hold. Secrets are reported redacted: the kind, where,
 * and at most the first and last four characters of an access key id;
 * nothing of a password or secret key is ever copied into a finding.
 *
 * Modes are checked everywhere; the owner only on the live host (a fake
 * root is owned by whoever made it). gzip-compressed user-data is
 * decompressed (bounded) before it is scanned.
 */
#include "host-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define MAX_USERDATA (16u << 20)

static void add_secret(struct arena *a, struct hsecret **v, size_t *n, size_t *alloc,
		       const char *kind, const char *redacted, const char *name, unsigned line)
{
	ALLOC_GROW(*v, *n + 1, *alloc);
	(*v)[*n].kind = kind;
	(*v)[*n].redacted = arena_strdup(a, redacted);
	(*v)[*n].src = arena_printf(a, "%s:%u", name, line);
	(*n)++;
}

static bool is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_b64(char c)
{
	return isalnum((unsigned char)c) || c == '/' || c == '+';
}

/* Value after "key[:=]" on a line: skips quotes and spaces; [*s, *e). */
static bool value_after(const char *line, size_t n, size_t at, const char **s, const char **e)
{
	size_t i = at;
	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '"' || line[i] == '\''))
		i++;
	if (i >= n || (line[i] != ':' && line[i] != '='))
		return false;
	i++;
	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '"' || line[i] == '\''))
		i++;
	size_t j = i;
	while (j < n && line[j] != '"' && line[j] != '\'' && line[j] != ' ' && line[j] != '\t' &&
	       line[j] != '\r' && line[j] != ',' && line[j] != '}')
		j++;
	if (j == i)
		return false;
	*s = line + i;
	*e = line + j;
	return true;
}

static bool placeholder(const char *s, const char *e)
{
	size_t n = (size_t)(e - s);
	if (s[0] == '$' || s[0] == '<' || s[0] == '%' || s[0] == '*' || s[0] == '!' ||
	    s[0] == '|' || s[0] == '>' || (n >= 2 && s[0] == '{' && s[1] == '{'))
		return true;
	static const char *const words[] = { "null", "none", "true", "false", "changeme",
					     "xxx",  "yes",  "no",   NULL };
	for (size_t i = 0; words[i]; i++)
		if (strlen(words[i]) == n && !strncasecmp(s, words[i], n))
			return true;
	return false;
}

static const char *ci_find(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(hay + i, needle, k))
			return hay + i;
	return NULL;
}

size_t host_find_secrets(struct arena *a, const char *name, const char *buf, size_t len,
			 struct hsecret **out)
{
	struct hsecret *v = NULL;
	size_t n = 0, alloc = 0, pos = 0, ln;
	unsigned lineno = 0;
	const char *line;
	while (host_next_line(buf, len, &pos, &line, &ln, &lineno)) {
		/* AWS access key ids (long-term AKIA, temporary ASIA). */
		for (size_t i = 0; i + 20 <= ln; i++) {
			if ((memcmp(line + i, "AKIA", 4) && memcmp(line + i, "ASIA", 4)) ||
			    (i > 0 && is_key_char(line[i - 1])))
				continue;
			size_t k = 4;
			while (k < 20 && is_key_char(line[i + k]))
				k++;
			if (k != 20 || (i + 20 < ln && is_key_char(line[i + 20])))
				continue;
			char red[32];
			snprintf(red, sizeof(red), "%.4s************%.4s", line + i, line + i + 16);
			add_secret(a, &v, &n, &alloc, "aws-access-key-id", red, name, lineno);
			i += 19;
		}
		/* AWS secret access keys: a 40-character value after a name
		 * that says so. */
		const char *kw = ci_find(line, ln, "secret_access_key");
		if (!kw)
			kw = ci_find(line, ln, "secretaccesskey");
		if (!kw)
			kw = ci_find(line, ln, "aws_secret");
		if (kw) {
			size_t at = (size_t)(kw - line);
			while (at < ln && (isalnum((unsigned char)line[at]) || line[at] == '_'))
				at++;
			const char *s, *e;
			if (value_after(line, ln, at, &s, &e) && e - s == 40) {
				bool ok = true;
				for (const char *p = s; p < e; p++)
					ok &= is_b64(*p);
				if (ok) {
					add_secret(a, &v, &n, &alloc, "aws-secret-access-key",
						   "**** (40 characters)", name, lineno);
					continue;
				}
			}
		}
		/* Private keys. */
		const char *pk = ci_find(line, ln, "-----BEGIN ");
		if (pk && ci_find(pk, ln - (size_t)(pk - line), "PRIVATE KEY-----")) {
			size_t l = (size_t)(line + ln - pk);
			const char *end = ci_find(pk, l, "KEY-----");
			char red[96];
			snprintf(red, sizeof(red), "%.*s", (int)(end ? end + 8 - pk : (long)l), pk);
			add_secret(a, &v, &n, &alloc, "private-key", red, name, lineno);
			continue;
		}
		/* Passwords, tokens: NAME[:=]VALUE where NAME says so. */
		static const char *const names[] = { "password", "passwd", "_pwd",  "api_key",
						     "apikey",	 "secret", "token", NULL };
		for (size_t w = 0; names[w]; w++) {
			const char *k = ci_find(line, ln, names[w]);
			if (!k)
				continue;
			size_t at = (size_t)(k - line) + strlen(names[w]);
			while (at < ln && (isalnum((unsigned char)line[at]) || line[at] == '_' ||
					   line[at] == '-'))
				at++;
			const char *s, *e;
			if (!value_after(line, ln, at, &s, &e) || placeholder(s, e) || e - s < 4)
				continue;
			char red[64];
			snprintf(red, sizeof(red), "%.*s: ******** (%d characters)",
				 (int)(at - (size_t)(k - line)), k, (int)(e - s));
			add_secret(a, &v, &n, &alloc, "password", red, name, lineno);
			break;
		}
	}
	struct hsecret *res = arena_calloc(a, n + 1, sizeof(*res));
	if (n)
		memcpy(res, v, n * sizeof(*v));
	free(v);
	*out = res;
	return n;
}

/* gunzip into a malloc'd buffer, bounded; NULL when not gzip or broken. */
static char *maybe_gunzip(const char *buf, size_t len, size_t *out_len)
{
	if (len < 18 || (unsigned char)buf[0] != 0x1f || (unsigned char)buf[1] != 0x8b)
		return NULL;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)len;
	int rc = Z_OK;
	while (rc == Z_OK && sb.len < MAX_USERDATA) {
		strbuf_grow(&sb, 65536);
		z.next_out = (Bytef *)sb.buf + sb.len;
		z.avail_out = 65536;
		rc = inflate(&z, Z_NO_FLUSH);
		sb.len = 65536 - z.avail_out + sb.len;
		sb.buf[sb.len] = '\0';
	}
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		strbuf_release(&sb);
		return NULL;
	}
	*out_len = sb.len;
	return strbuf_detach(&sb, NULL);
}

static void add_file(struct hroot *r, struct huserdata *u, const char *path, bool scan)
{
	for (size_t i = 0; i < u->nr; i++)
		if (!strcmp(u->v[i].path, path))
			return;
	struct stat st;
	if (hroot_stat(r, path, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	ALLOC_GROW(u->v, u->nr + 1, u->alloc);
	struct hudfile *f = &u->v[u->nr++];
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->mode = st.st_mode & 07777;
	f->uid = (long)st.st_uid;
	f->loose = (st.st_mode & 0044) || (r->live && st.st_uid != 0);
	if (!scan)
		return;
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	if (hroot_read(r, path, MAX_USERDATA, &buf, &len, &e) < 0) {
		mm_diags_add(r->d, MM_DIAG_WARNING, path, -1, "%s: not scanned for secrets", e.msg);
		return;
	}
	size_t zl;
	char *z = maybe_gunzip(buf, len, &zl);
	f->nsecrets = host_find_secrets(r->a, path, z ? z : buf, z ? zl : len, &f->secrets);
	free(z);
	free(buf);
}

void huserdata_load(struct hroot *r, struct huserdata *u)
{
	memset(u, 0, sizeof(*u));
	struct stat st;
	u->cloud_init =
	    hroot_stat(r, "/var/lib/cloud", &st) == 0 || hroot_stat(r, "/run/cloud-init", &st) == 0;
	if (!u->cloud_init)
		return;
	const char **v;
	size_t n = hroot_glob(r, "/var/lib/cloud/instances/*/user-data.txt*", &v);
	for (size_t i = 0; i < n; i++)
		add_file(r, u, v[i], true);
	n = hroot_glob(r, "/var/lib/cloud/instances/*/scripts/*", &v);
	for (size_t i = 0; i < n; i++)
		add_file(r, u, v[i], true);
	n = hroot_glob(r, "/var/lib/cloud/instances/*/obj.pkl", &v);
	for (size_t i = 0; i < n; i++)
		add_file(r, u, v[i], false);
	add_file(r, u, "/run/cloud-init/instance-data-sensitive.json", false);
}

void huserdata_release(struct huserdata *u)
{
	free(u->v);
	memset(u, 0, sizeof(*u));
}
