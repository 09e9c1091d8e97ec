/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sshd_config the way sshd reads it (OpenSSH servconf.c semantics):
 *
 *  - a line is a keyword (case-insensitive) then arguments, separated by
 *    whitespace or one '='; arguments may be quoted; '#' starts a comment;
 *  - Include expands its globs in sorted order, relative paths under
 *    /etc/ssh, at most 16 levels deep; the included lines sit where the
 *    Include is, inside the Match block that holds it;
 *  - the first value of a keyword wins; Port, ListenAddress and the
 *    Allow/Deny lists accumulate;
 *  - for a connection, sshd re-reads the file with only the Match blocks
 *    that match active: the first value among those replaces the global
 *    value. A Match in an included file ends with that file, and one in a
 *    file included from a Match that does not apply never matches.
 *
 * Match criteria we can decide (User, Group from /etc/passwd and /etc/group,
 * Address for a chosen remote address, All) are decided; the others (Host,
 * LocalAddress, LocalPort, RDomain, Version) are "maybe" and the caller
 * enumerates both outcomes, so "can anyone log in with a password" is
 * answered for every combination rather than for the default one.
 */
#include "host-int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define SSHD_MAX_DEPTH 16
#define SSHD_MAX_LINE  65536

struct parse_ctx {
	struct hroot *r;
	struct arena *a;
	struct mm_diags *d;
	struct sshd_config *c;
};

/* Keywords sshd refuses inside a Match block (a subset: the ones we read). */
static const char *const global_only[] = { "port",    "listenaddress", "addressfamily", "usepam",
					   "hostkey", "pidfile",       "maxstartups",	NULL };

static bool is_global_only(const char *k)
{
	for (size_t i = 0; global_only[i]; i++)
		if (!strcmp(k, global_only[i]))
			return true;
	return false;
}

static void diag(struct parse_ctx *p, enum mm_diag_level lvl, const char *file, unsigned line,
		 const char *fmt, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "line %u: ", line);
	strbuf_addf(&sb, fmt, arg);
	mm_diags_add(p->d, lvl, file, -1, "%s", sb.buf);
	strbuf_release(&sb);
	if (lvl == MM_DIAG_ERROR)
		p->c->errors++;
}

/*
 * argv_split() of OpenSSH: whitespace-separated tokens, single or double
 * quotes group, backslash escapes a quote, a backslash or (unquoted) a space;
 * a '#' at the start of a token ends the line. Returns -1 on an unterminated
 * quote.
 */
static int split_args(struct arena *a, const char *s, const char ***argv, size_t *argc)
{
	size_t n = 0, alloc = 0;
	const char **v = NULL;
	size_t slen = strlen(s);
	char *tmp = xmalloc(slen + 1);
	size_t i = 0;
	int rc = 0;
	while (s[i]) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (s[i] == '#')
			break;
		size_t j = 0;
		char quote = 0;
		for (; s[i]; i++) {
			if (s[i] == '\\') {
				char nx = s[i + 1];
				if (nx == '\'' || nx == '"' || nx == '\\' ||
				    (!quote && nx == ' ')) {
					i++;
					tmp[j++] = s[i];
				} else {
					tmp[j++] = s[i];
				}
			} else if (!quote && (s[i] == ' ' || s[i] == '\t')) {
				break;
			} else if (!quote && (s[i] == '"' || s[i] == '\'')) {
				quote = s[i];
			} else if (quote && s[i] == quote) {
				quote = 0;
			} else {
				tmp[j++] = s[i];
			}
		}
		if (quote) {
			rc = -1;
			break;
		}
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = arena_strndup(a, tmp, j);
	}
	free(tmp);
	const char **res = arena_calloc(a, n + 1, sizeof(*res));
	if (n)
		memcpy(res, v, n * sizeof(*v));
	free(v);
	*argv = res;
	*argc = n;
	return rc;
}

static void add_line(struct sshd_config *c, const char *file, unsigned line, const char *key,
		     const char **argv, size_t argc, int block)
{
	ALLOC_GROW(c->lines, c->nlines + 1, c->alines);
	struct sshd_line *l = &c->lines[c->nlines++];
	l->file = file;
	l->line = line;
	l->key = key;
	l->argv = argv;
	l->argc = argc;
	l->block = block;
}

static void parse_buf(struct parse_ctx *p, const char *file, const char *buf, size_t len, int block,
		      int depth);

static void do_include(struct parse_ctx *p, const char *file, unsigned lineno, const char **argv,
		       size_t argc, int block, int depth)
{
	if (!p->r) {
		diag(p, MM_DIAG_WARNING, file, lineno, "Include '%s' not followed here",
		     argc ? argv[0] : "");
		return;
	}
	for (size_t i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (!*arg)
			continue;
		const char *pat =
		    (arg[0] == '/' || arg[0] == '~') ? arg : arena_printf(p->a, "/etc/ssh/%s", arg);
		if (pat[0] != '/') {
			diag(p, MM_DIAG_WARNING, file, lineno,
			     "Include '%s': a path starting with '~' is not expanded by sshd", pat);
			continue;
		}
		const char **paths;
		size_t n = hroot_glob(p->r, pat, &paths);
		for (size_t k = 0; k < n; k++) {
			struct mm_err e = { 0 };
			char *b;
			size_t bl;
			if (hroot_read(p->r, paths[k], HOST_MAX_FILE, &b, &bl, &e) < 0) {
				mm_diags_add(p->d, MM_DIAG_ERROR, paths[k], -1,
					     "included from %s:%u: %s", file, lineno, e.msg);
				p->c->errors++;
				continue;
			}
			p->c->files++;
			parse_buf(p, paths[k], b, bl, block, depth + 1);
			free(b);
		}
	}
}

static void parse_buf(struct parse_ctx *p, const char *file, const char *buf, size_t len, int block,
		      int depth)
{
	if (depth > SSHD_MAX_DEPTH) {
		diag(p, MM_DIAG_ERROR, file, 0,
		     "too many nested Include levels%s (sshd refuses to start)", "");
		return;
	}
	int parent = block; /* a Match here ends with this file */
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	struct strbuf sb = STRBUF_INIT;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		if (n > SSHD_MAX_LINE) {
			diag(p, MM_DIAG_ERROR, file, lineno, "line longer than %s bytes", "65536");
			continue;
		}
		strbuf_reset(&sb);
		strbuf_add(&sb, line, n);
		/* Strip trailing whitespace (and form feeds), as sshd does. */
		while (sb.len && strchr(" \t\r\n\f", sb.buf[sb.len - 1]))
			sb.buf[--sb.len] = '\0';
		if (memchr(sb.buf, '\0', sb.len)) {
			diag(p, MM_DIAG_ERROR, file, lineno, "NUL byte in line%s", "");
			continue;
		}
		char *s = sb.buf;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		/* Keyword: up to whitespace, '=' or a quote. */
		char *k = s;
		while (*s && !strchr(" \t=\"", *s))
			s++;
		size_t klen = (size_t)(s - k);
		if (*s == '"') {
			diag(p, MM_DIAG_ERROR, file, lineno, "quoted keyword%s", "");
			continue;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '=') {
			s++;
			while (*s == ' ' || *s == '\t')
				s++;
		}
		char *key = arena_strndup(p->a, k, klen);
		for (char *q = key; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		if (!*s) {
			diag(p, MM_DIAG_ERROR, file, lineno, "no argument after keyword '%s'", key);
			continue;
		}
		const char **argv;
		size_t argc;
		if (split_args(p->a, s, &argv, &argc) < 0) {
			diag(p, MM_DIAG_ERROR, file, lineno, "invalid quotes in '%s' line", key);
			continue;
		}
		if (!argc) {
			/* "Key=# comment": sshd refuses a keyword without a value */
			diag(p, MM_DIAG_ERROR, file, lineno, "no argument after keyword '%s'", key);
			continue;
		}
		if (!strcmp(key, "match")) {
			ALLOC_GROW(p->c->blocks, p->c->nblocks + 1, p->c->ablocks);
			struct sshd_block *b = &p->c->blocks[p->c->nblocks];
			b->file = file;
			b->line = lineno;
			b->argv = argv;
			b->argc = argc;
			b->parent = parent;
			b->nevermatch = false;
			block = (int)p->c->nblocks++;
			continue;
		}
		if (!strcmp(key, "include")) {
			if (!argc)
				diag(p, MM_DIAG_ERROR, file, lineno, "Include without a file%s",
				     "");
			else
				do_include(p, file, lineno, argv, argc, block, depth);
			continue;
		}
		if (block >= 0 && is_global_only(key))
			diag(p, MM_DIAG_ERROR, file, lineno,
			     "'%s' is not allowed within a Match block (sshd refuses to start)",
			     key);
		if (!strcmp(key, "challengeresponseauthentication"))
			key = "kbdinteractiveauthentication";
		add_line(p->c, file, lineno, key, argv, argc, block);
	}
	strbuf_release(&sb);
}

void sshd_config_parse(struct hroot *r, struct arena *a, struct mm_diags *d, const char *name,
		       const char *buf, size_t len, struct sshd_config *c)
{
	struct parse_ctx p = { r, a, d, c };
	c->arena = a;
	if (!c->main_file)
		c->main_file = name;
	parse_buf(&p, name, buf, len, -1, 0);
}

void sshd_config_load(struct hroot *r, const char *main_file, struct sshd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->main_file = main_file;
	c->arena = r->a;
	struct mm_err e = { 0 };
	char *buf;
	size_t len;
	if (hroot_read(r, main_file, HOST_MAX_FILE, &buf, &len, &e) < 0) {
		if (e.code != MM_ENOTFOUND)
			mm_diags_add(r->d, MM_DIAG_ERROR, main_file, -1, "%s", e.msg);
		return;
	}
	c->found = true;
	c->files = 1;
	sshd_config_parse(r, r->a, r->d, main_file, buf, len, c);
	free(buf);
}

void sshd_config_release(struct sshd_config *c)
{
	free(c->lines);
	free(c->blocks);
	memset(c, 0, sizeof(*c));
}

/* ---- matching ---- */

/* match_pattern_list(): 1 a positive pattern matched, -1 a negated one
 * matched (which wins), 0 none. */
static int pattern_list(const char *s, const char *list, bool fold)
{
	int got = 0;
	const char *p = list;
	char sub[1024], low[1024];
	size_t sl = strlen(s);
	if (fold && sl < sizeof(low)) {
		for (size_t i = 0; i <= sl; i++)
			low[i] = (char)tolower((unsigned char)s[i]);
		s = low;
	}
	while (*p) {
		bool neg = *p == '!';
		if (neg)
			p++;
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n < sizeof(sub)) {
			memcpy(sub, p, n);
			sub[n] = '\0';
			if (fold)
				for (size_t i = 0; i < n; i++)
					sub[i] = (char)tolower((unsigned char)sub[i]);
			if (host_wildmatch(sub, s)) {
				if (neg)
					return -1;
				got = 1;
			}
		}
		p += n + (c ? 1 : 0);
	}
	return got;
}

/* addr_match_list(): CIDR entries and wildcard entries; -1 negated match,
 * 1 match, 0 none, -2 malformed entry. */
static int addr_list(const char *addr, const char *list)
{
	enum mm_family fam;
	mm_u128 a;
	bool have = addr && mm_addr_parse(addr, &fam, &a) == 0;
	int got = 0;
	const char *p = list;
	char sub[256];
	while (*p) {
		bool neg = *p == '!';
		if (neg)
			p++;
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n >= sizeof(sub) || n == 0)
			return -2;
		memcpy(sub, p, n);
		sub[n] = '\0';
		p += n + (c ? 1 : 0);
		bool m;
		if (strchr(sub, '/')) {
			struct mm_cidr cidr;
			if (mm_cidr_parse(sub, &cidr) < 0)
				return -2;
			m = have && mm_cidr_contains(&cidr, fam, a);
		} else {
			m = addr && host_wildmatch(sub, addr);
		}
		if (m) {
			if (neg)
				return -1;
			got = 1;
		}
	}
	return got;
}

static bool user_in_groups(const struct huser *u, const char *list)
{
	bool found = false;
	for (size_t i = 0; u && i < u->ngroups; i++) {
		int r = pattern_list(u->groups[i], list, false);
		if (r < 0)
			return false;
		if (r > 0)
			found = true;
	}
	return found;
}

/* Own result of one block (ignoring its parent): 1, 0 or -1 (maybe). */
int sshd_block_own(const struct sshd_block *b, const struct sshd_conn *cn)
{
	int result = 1;
	bool maybe = false;
	for (size_t i = 0; i < b->argc; i++) {
		const char *attr = b->argv[i];
		if (attr[0] == '#')
			break;
		if (!strcasecmp(attr, "all"))
			return (b->argc == 1 || b->argv[1][0] == '#') ? 1 : 0;
		if (!strcasecmp(attr, "invalid-user")) {
			result = 0; /* we evaluate existing users */
			continue;
		}
		const char *eq = strchr(attr, '=');
		char name[32];
		const char *arg;
		if (eq && (size_t)(eq - attr) < sizeof(name)) {
			memcpy(name, attr, (size_t)(eq - attr));
			name[eq - attr] = '\0';
			arg = eq + 1;
		} else {
			if (strlen(attr) >= sizeof(name) || i + 1 >= b->argc)
				return 0; /* malformed: sshd refuses to start */
			memcpy(name, attr, strlen(attr) + 1);
			arg = b->argv[++i];
		}
		if (!strcasecmp(name, "user")) {
			if (!cn->user)
				maybe = true;
			else if (pattern_list(cn->user, arg, false) != 1)
				result = 0;
		} else if (!strcasecmp(name, "group")) {
			if (!cn->user)
				maybe = true;
			else if (!user_in_groups(husers_find(cn->users, cn->user), arg))
				result = 0;
		} else if (!strcasecmp(name, "address")) {
			if (!cn->addr)
				maybe = true;
			else if (addr_list(cn->addr, arg) != 1)
				result = 0;
		} else if (!strcasecmp(name, "host") || !strcasecmp(name, "localaddress") ||
			   !strcasecmp(name, "localport") || !strcasecmp(name, "rdomain") ||
			   !strcasecmp(name, "version")) {
			maybe = true;
		} else {
			return 0; /* unsupported attribute: sshd refuses to start */
		}
	}
	if (!result)
		return 0;
	return maybe ? -1 : 1;
}

int sshd_block_eval(const struct sshd_config *c, int block, const struct sshd_conn *cn)
{
	int r = 1;
	while (block >= 0) {
		int own = sshd_block_own(&c->blocks[block], cn);
		if (own == 0)
			return 0;
		if (own < 0)
			r = -1;
		block = c->blocks[block].parent;
	}
	return r;
}

unsigned sshd_maybe_count(const struct sshd_config *c, const struct sshd_conn *cn)
{
	unsigned n = 0;
	for (size_t b = 0; b < c->nblocks; b++)
		if (sshd_block_own(&c->blocks[b], cn) < 0)
			n++;
	return n;
}

/* Active for cn, with maybe blocks decided by cn->maybe_on. */
static bool block_active(const struct sshd_config *c, int block, const struct sshd_conn *cn,
			 const int *maybe_idx)
{
	while (block >= 0) {
		int own = sshd_block_own(&c->blocks[block], cn);
		if (own == 0)
			return false;
		if (own < 0) {
			int k = maybe_idx[block];
			if (k < 0 || k >= 32 || !(cn->maybe_on & (1u << k)))
				return false;
		}
		block = c->blocks[block].parent;
	}
	return true;
}

static const char *loc(struct arena *a, const struct sshd_line *l)
{
	return arena_printf(a, "%s:%u", l->file, l->line);
}

static int parse_flag(const char *v)
{
	if (!strcasecmp(v, "yes"))
		return SSHD_YES;
	if (!strcasecmp(v, "no"))
		return SSHD_NO;
	return -1;
}

static int parse_root(const char *v)
{
	if (!strcasecmp(v, "yes"))
		return ROOT_YES;
	if (!strcasecmp(v, "no"))
		return ROOT_NO;
	if (!strcasecmp(v, "prohibit-password") || !strcasecmp(v, "without-password"))
		return ROOT_KEY_ONLY;
	if (!strcasecmp(v, "forced-commands-only"))
		return ROOT_FORCED_ONLY;
	return -1;
}

static const char *join_args(struct arena *a, const struct sshd_line *l)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < l->argc; i++) {
		if (i)
			strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, l->argv[i]);
	}
	const char *s = arena_strdup(a, sb.buf);
	strbuf_release(&sb);
	return s;
}

struct keyspec {
	const char *key;
	size_t off; /* offsetof(struct sshd_eff, ...) */
	int (*parse)(const char *);
	int def;
	const char *def_raw;
	bool list; /* accumulate all values */
};

#define EOFF(f) offsetof(struct sshd_eff, f)

static const struct keyspec keys[] = {
	{ "passwordauthentication", EOFF(password), parse_flag, SSHD_YES, "yes", false },
	{ "kbdinteractiveauthentication", EOFF(kbdint), parse_flag, SSHD_YES, "yes", false },
	{ "usepam", EOFF(usepam), parse_flag, SSHD_NO, "no", false },
	{ "permitrootlogin", EOFF(permitroot), parse_root, ROOT_KEY_ONLY, "prohibit-password",
	  false },
	{ "permitemptypasswords", EOFF(emptypw), parse_flag, SSHD_NO, "no", false },
	{ "pubkeyauthentication", EOFF(pubkey), parse_flag, SSHD_YES, "yes", false },
	{ "authenticationmethods", EOFF(authmethods), NULL, 0, "any", false },
	{ "allowusers", EOFF(allowusers), NULL, 0, NULL, true },
	{ "denyusers", EOFF(denyusers), NULL, 0, NULL, true },
	{ "allowgroups", EOFF(allowgroups), NULL, 0, NULL, true },
	{ "denygroups", EOFF(denygroups), NULL, 0, NULL, true },
};

/* Set v from line l; false when the value is malformed (sshd would refuse
 * to start; the line is skipped). */
static const char *match_text(struct arena *a, const struct sshd_config *c, int block)
{
	if (block < 0)
		return NULL;
	const struct sshd_block *b = &c->blocks[block];
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "Match");
	for (size_t i = 0; i < b->argc; i++) {
		strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, b->argv[i]);
	}
	const char *s = arena_printf(a, "%s (%s:%u)", sb.buf, b->file, b->line);
	strbuf_release(&sb);
	return s;
}

static bool take(struct arena *a, const struct keyspec *k, const struct sshd_line *l,
		 struct sshd_val *v)
{
	const char *raw = join_args(a, l);
	if (k->parse) {
		int x = k->parse(l->argv[0]);
		if (x < 0)
			return false;
		v->v = x;
	}
	v->raw = raw;
	v->src = l->file ? loc(a, l) : NULL;
	return true;
}

/* Lists: a matching block's list replaces the global one; within one
 * section all lines add up. */
static void take_list(struct arena *a, const struct sshd_line *l, struct sshd_val *v)
{
	const char *raw = join_args(a, l);
	v->raw = v->raw ? arena_printf(a, "%s %s", v->raw, raw) : raw;
	if (!v->src)
		v->src = l->file ? loc(a, l) : NULL;
}

static bool user_pattern_match(const char *pat, const char *user, const char *addr)
{
	const char *at = strchr(pat, '@');
	if (!at)
		return host_wildmatch(pat, user);
	char up[256];
	size_t n = (size_t)(at - pat);
	if (n >= sizeof(up))
		return false;
	memcpy(up, pat, n);
	up[n] = '\0';
	if (!host_wildmatch(up, user))
		return false;
	return addr && addr_list(addr, at + 1) == 1;
}

static bool list_has_user(const char *raw, const char *user, const char *addr)
{
	char w[512];
	for (const char *p = raw; *p;) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		size_t n = (size_t)(e - p);
		if (n && n < sizeof(w)) {
			memcpy(w, p, n);
			w[n] = '\0';
			if (user_pattern_match(w, user, addr))
				return true;
		}
		p = e;
	}
	return false;
}

static bool list_has_group(const char *raw, const struct huser *u)
{
	char w[512];
	for (const char *p = raw; *p;) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		size_t n = (size_t)(e - p);
		if (n && n < sizeof(w)) {
			memcpy(w, p, n);
			w[n] = '\0';
			for (size_t i = 0; u && i < u->ngroups; i++)
				if (host_wildmatch(w, u->groups[i]))
					return true;
		}
		p = e;
	}
	return false;
}

void sshd_effective(const struct sshd_config *c, const struct sshd_conn *cn, struct sshd_eff *out)
{
	struct arena *a = NULL;
	memset(out, 0, sizeof(*out));
	/* Strings are built in a private arena owned by the caller's config:
	 * the config's lines carry their arena implicitly through c->arena. */
	a = c->arena;
	int *maybe_idx = xcalloc(c->nblocks + 1, sizeof(int));
	unsigned nm = 0;
	for (size_t b = 0; b < c->nblocks; b++)
		maybe_idx[b] = sshd_block_own(&c->blocks[b], cn) < 0 ? (int)nm++ : -1;
	out->maybe_blocks = nm;
	out->from_sshd_t = c->has_dump;

	for (size_t ki = 0; ki < sizeof(keys) / sizeof(keys[0]); ki++) {
		const struct keyspec *k = &keys[ki];
		struct sshd_val *v = (struct sshd_val *)((char *)out + k->off);
		struct sshd_val g = { .v = k->def, .raw = k->def_raw, .src = NULL };
		struct sshd_val m = { 0 };
		bool gset = false, mset = false;
		for (size_t i = 0; i < c->nlines; i++) {
			const struct sshd_line *l = &c->lines[i];
			if (strcmp(l->key, k->key))
				continue;
			if (l->block == SSHD_BLOCK_DUMP || (l->block == -1 && !c->has_dump)) {
				if (k->list) {
					if (!gset)
						g.raw = NULL;
					take_list(a, l, &g);
					gset = true;
				} else if (!gset && take(a, k, l, &g)) {
					gset = true;
				}
			} else if (l->block >= 0 && block_active(c, l->block, cn, maybe_idx)) {
				if (k->list) {
					take_list(a, l, &m);
					mset = true;
				} else if (!mset && take(a, k, l, &m)) {
					mset = true;
					m.match = match_text(a, c, l->block);
				}
			}
		}
		*v = mset ? m : g;
	}
	free(maybe_idx);

	/* AllowUsers/DenyUsers/AllowGroups/DenyGroups, as auth.c applies them. */
	if (cn->user) {
		const struct huser *u = husers_find(cn->users, cn->user);
		if (out->denyusers.raw && list_has_user(out->denyusers.raw, cn->user, cn->addr)) {
			out->user_denied = true;
			out->denied_by = out->denyusers.src;
		} else if (out->allowusers.raw &&
			   !list_has_user(out->allowusers.raw, cn->user, cn->addr)) {
			out->user_denied = true;
			out->denied_by = out->allowusers.src;
		} else if (out->denygroups.raw && list_has_group(out->denygroups.raw, u)) {
			out->user_denied = true;
			out->denied_by = out->denygroups.src;
		} else if (out->allowgroups.raw && !list_has_group(out->allowgroups.raw, u)) {
			out->user_denied = true;
			out->denied_by = out->allowgroups.src;
		}
	}
}

/* Does the AuthenticationMethods value allow a list made only of password
 * methods? "any" does. */
static bool methods_allow_password_alone(const char *raw)
{
	if (!raw || !strcasecmp(raw, "any"))
		return true;
	for (const char *p = raw; *p;) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		bool only_pw = e > p;
		for (const char *q = p; q < e;) {
			const char *c = memchr(q, ',', (size_t)(e - q));
			size_t n = c ? (size_t)(c - q) : (size_t)(e - q);
			bool pw = (n == 8 && !strncasecmp(q, "password", 8)) ||
				  (n >= 20 && !strncasecmp(q, "keyboard-interactive", 20));
			if (!pw)
				only_pw = false;
			q += n + (c ? 1 : 0);
		}
		if (only_pw)
			return true;
		p = e;
	}
	return false;
}

bool sshd_password_possible(const struct sshd_eff *ef, const char **why)
{
	*why = NULL;
	if (ef->user_denied)
		return false;
	if (!methods_allow_password_alone(ef->authmethods.raw))
		return false;
	if (ef->password.v == SSHD_YES) {
		*why = "PasswordAuthentication yes";
		return true;
	}
	if (ef->kbdint.v == SSHD_YES && ef->usepam.v == SSHD_YES) {
		*why = "KbdInteractiveAuthentication yes with UsePAM yes (PAM asks for the "
		       "password)";
		return true;
	}
	return false;
}

size_t sshd_apply_dump(struct sshd_config *c, struct arena *a, const char *name, const char *buf,
		       size_t len)
{
	size_t pos = 0, n, used = 0;
	unsigned lineno = 0;
	const char *line;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		const char *sp = memchr(line, ' ', n);
		if (!sp || sp == line)
			continue;
		char *key = arena_strndup(a, line, (size_t)(sp - line));
		for (char *q = key; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		if (!strcmp(key, "challengeresponseauthentication"))
			key = "kbdinteractiveauthentication";
		const char *rest = sp + 1;
		char *val = arena_strndup(a, rest, n - (size_t)(rest - line));
		const char **argv = arena_calloc(a, 2, sizeof(*argv));
		argv[0] = val;
		/* Lists print one value per word. */
		const char **av = argv;
		size_t ac = 1;
		if (strchr(val, ' ') && split_args(a, val, &av, &ac) < 0) {
			av = argv;
			ac = 1;
		}
		add_line(c, name, lineno, key, av, ac, SSHD_BLOCK_DUMP);
		used++;
	}
	if (used)
		c->has_dump = true;
	return used;
}

/* "[::1]:22", "0.0.0.0:22", "host", "host:22", "::" */
static void split_hostport(struct arena *a, const char *s, const char **host, int *port)
{
	*port = 0;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (e) {
			*host = arena_strndup(a, s + 1, (size_t)(e - s - 1));
			if (e[1] == ':')
				*port = (int)strtol(e + 2, NULL, 10);
			return;
		}
	}
	const char *c = strchr(s, ':');
	if (c && !strchr(c + 1, ':')) {
		*host = arena_strndup(a, s, (size_t)(c - s));
		*port = (int)strtol(c + 1, NULL, 10);
		return;
	}
	*host = s;
}

size_t sshd_listens(const struct sshd_config *c, struct arena *a, struct sshd_listen **out)
{
	int ports[64];
	const char *port_src[64];
	size_t np = 0;
	const char *family = "any";
	for (size_t i = 0; i < c->nlines; i++) {
		const struct sshd_line *l = &c->lines[i];
		bool global = l->block == SSHD_BLOCK_DUMP || (l->block == -1 && !c->has_dump);
		if (!global)
			continue;
		if (!strcmp(l->key, "port")) {
			for (size_t k = 0; k < l->argc && np < 64; k++) {
				long v = strtol(l->argv[k], NULL, 10);
				if (v > 0 && v < 65536) {
					ports[np] = (int)v;
					port_src[np++] = loc(a, l);
				}
			}
		} else if (!strcmp(l->key, "addressfamily")) {
			family = l->argv[0];
		}
	}
	if (!np) {
		ports[np] = 22;
		port_src[np++] = NULL;
	}
	struct sshd_listen *v = NULL;
	size_t n = 0, alloc = 0;
	for (size_t i = 0; i < c->nlines; i++) {
		const struct sshd_line *l = &c->lines[i];
		bool global = l->block == SSHD_BLOCK_DUMP || (l->block == -1 && !c->has_dump);
		if (!global || strcmp(l->key, "listenaddress"))
			continue;
		const char *host;
		int port;
		split_hostport(a, l->argv[0], &host, &port);
		for (size_t k = 0; k < (port ? 1 : np); k++) {
			ALLOC_GROW(v, n + 1, alloc);
			v[n].addr = host;
			v[n].port = port ? port : ports[k];
			v[n].src = loc(a, l);
			n++;
		}
	}
	if (!n) {
		bool v4 = strcasecmp(family, "inet6") != 0, v6 = strcasecmp(family, "inet") != 0;
		for (size_t k = 0; k < np; k++) {
			if (v4) {
				ALLOC_GROW(v, n + 1, alloc);
				v[n].addr = "0.0.0.0";
				v[n].port = ports[k];
				v[n++].src = port_src[k];
			}
			if (v6) {
				ALLOC_GROW(v, n + 1, alloc);
				v[n].addr = "::";
				v[n].port = ports[k];
				v[n++].src = port_src[k];
			}
		}
	}
	struct sshd_listen *res = arena_calloc(a, n + 1, sizeof(*res));
	if (n)
		memcpy(res, v, n * sizeof(*v));
	free(v);
	*out = res;
	return n;
}
