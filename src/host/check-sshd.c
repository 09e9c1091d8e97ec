/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SSH checks: password login, root login, empty passwords, and where sshd
 * listens. The effective configuration is computed for every login-capable
 * local user (plus root) and a set of remote addresses (a public one, the
 * private ranges, loopback, and the edges of every Address pattern in the
 * configuration), with every outcome of Match criteria we cannot know
 * (Host, LocalAddress, ...). A check fails if any combination fails, and
 * its evidence names that combination and the lines that decided it.
 *
 * sshd itself is asked when it can be: on the live host `sshd -T` gives the
 * global values (our parse of the files still supplies the Match blocks);
 * under --root, ROOT/.mamori/sshd-T.txt holds the same output.
 */
#include "host-int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define MAX_MAYBE 8 /* enumerate at most 2^8 outcomes of unknown criteria */

struct addrs {
	const char **v;
	size_t n, alloc;
};

static void addr_add(struct addrs *a, const char *s)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], s))
			return;
	ALLOC_GROW(a->v, a->n + 1, a->alloc);
	a->v[a->n++] = s;
}

static bool addr_public(const char *s)
{
	enum mm_family fam;
	mm_u128 v;
	if (mm_addr_parse(s, &fam, &v) < 0)
		return false;
	return ivset_contains(mm_internet_ranges(fam), v);
}

/* Addresses that fall on both sides of every address pattern. */
static void addrs_from_pattern(struct arena *a, struct addrs *out, const char *list)
{
	char sub[256];
	for (const char *p = list; *p;) {
		if (*p == '!')
			p++;
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		p += n + (c ? 1 : 0);
		if (!n || n >= sizeof(sub))
			continue;
		memcpy(sub, p - n - (c ? 1 : 0), n);
		sub[n] = '\0';
		struct mm_cidr cidr;
		if (strchr(sub, '/') && mm_cidr_parse(sub, &cidr) == 0) {
			char buf[64];
			mm_u128 lo = mm_cidr_first(&cidr), hi = mm_cidr_last(&cidr);
			addr_add(out, arena_strdup(a, mm_addr_fmt(cidr.family, lo, buf)));
			if (lo > 0)
				addr_add(out,
					 arena_strdup(a, mm_addr_fmt(cidr.family, lo - 1, buf)));
			if (hi < mm_family_max(cidr.family))
				addr_add(out,
					 arena_strdup(a, mm_addr_fmt(cidr.family, hi + 1, buf)));
		} else if (!strchr(sub, '/')) {
			for (size_t i = 0; i < n; i++)
				if (sub[i] == '*' || sub[i] == '?')
					sub[i] = '1';
			enum mm_family fam;
			mm_u128 v;
			if (mm_addr_parse(sub, &fam, &v) == 0)
				addr_add(out, arena_strdup(a, sub));
		}
	}
}

static void collect_addrs(struct hctx *x, const struct sshd_config *c, struct addrs *out)
{
	static const char *const base[] = { "8.8.8.8",	   "2001:4860:4860::8888",
					    "10.0.0.1",	   "172.16.0.1",
					    "192.168.0.1", "127.0.0.1",
					    "fd00::1",	   "::1",
					    NULL };
	for (size_t i = 0; base[i]; i++)
		addr_add(out, base[i]);
	for (size_t b = 0; b < c->nblocks; b++) {
		const struct sshd_block *bl = &c->blocks[b];
		for (size_t i = 0; i < bl->argc; i++) {
			const char *arg = bl->argv[i];
			if (!strncasecmp(arg, "address=", 8))
				addrs_from_pattern(&x->run, out, arg + 8);
			else if (!strcasecmp(arg, "address") && i + 1 < bl->argc)
				addrs_from_pattern(&x->run, out, bl->argv[++i]);
		}
	}
	for (size_t i = 0; i < c->nlines; i++) {
		const struct sshd_line *l = &c->lines[i];
		if (strcmp(l->key, "allowusers") && strcmp(l->key, "denyusers"))
			continue;
		for (size_t k = 0; k < l->argc; k++) {
			const char *at = strchr(l->argv[k], '@');
			if (at)
				addrs_from_pattern(&x->run, out, at + 1);
		}
	}
}

/* One combination that fails a check, kept to show as evidence. */
struct witness {
	bool found, pub;
	const char *user, *addr;
	uint32_t maybe_on;
	unsigned nmaybe;
	struct sshd_eff ef;
	const char *why;
};

struct tally {
	size_t users_pw, users_pw_public, users_total;
	struct witness pw, root, empty;
	struct witness root_key; /* root may log in with a key */
	bool root_pw_possible;
};

static void ev_val(struct hctx *x, struct finding *f, const char *name, const struct sshd_val *v,
		   bool dump)
{
	if (v->src && v->match)
		host_ev(x, f, v->src, "%s %s, inside %s", name, v->raw ? v->raw : "", v->match);
	else if (v->src)
		host_ev(x, f, v->src, "%s %s", name, v->raw ? v->raw : "");
	else if (dump)
		host_ev(x, f, NULL, "%s %s (sshd -T)", name, v->raw ? v->raw : "");
	else
		host_ev(x, f, NULL, "%s not set: sshd's default is %s", name, v->raw ? v->raw : "");
}

static void ev_maybe(struct hctx *x, struct finding *f, const struct sshd_config *c,
		     const struct witness *w)
{
	if (!w->nmaybe)
		return;
	struct sshd_conn cn = { .user = w->user, .users = &x->users, .addr = w->addr };
	unsigned k = 0;
	for (size_t b = 0; b < c->nblocks; b++) {
		if (sshd_block_own(&c->blocks[b], &cn) >= 0)
			continue;
		const struct sshd_block *bl = &c->blocks[b];
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < bl->argc; i++) {
			if (i)
				strbuf_addch(&sb, ' ');
			strbuf_addstr(&sb, bl->argv[i]);
		}
		bool on = k < 32 && (w->maybe_on & (1u << k));
		host_ev(x, f, arena_printf(&x->run, "%s:%u", bl->file, bl->line),
			"assuming 'Match %s' %s (it depends on what cannot be known here)", sb.buf,
			on ? "applies" : "does not apply");
		strbuf_release(&sb);
		k++;
	}
}

static void consider(struct witness *w, const char *user, const char *addr, uint32_t on,
		     unsigned nmaybe, const struct sshd_eff *ef, const char *why)
{
	bool pub = addr_public(addr);
	if (w->found && (w->pub || !pub))
		return;
	w->found = true;
	w->pub = pub;
	w->user = user;
	w->addr = addr;
	w->maybe_on = on;
	w->nmaybe = nmaybe;
	w->ef = *ef;
	w->why = why;
}

static void eval_user(struct hctx *x, const struct sshd_config *c, const char *user,
		      const struct addrs *ad, struct tally *t)
{
	bool is_root = !strcmp(user, "root");
	const struct huser *u = husers_find(&x->users, user);
	if (u && u->uid == 0)
		is_root = true;
	bool pw = false, pw_pub = false;
	for (size_t i = 0; i < ad->n; i++) {
		struct sshd_conn cn = { .user = user, .users = &x->users, .addr = ad->v[i] };
		unsigned nm = sshd_maybe_count(c, &cn);
		if (nm > MAX_MAYBE) {
			mm_diags_add(x->r.d, MM_DIAG_WARNING, c->main_file, -1,
				     "%u Match blocks depend on unknown criteria for user '%s'; "
				     "only the first %d are enumerated",
				     nm, user, MAX_MAYBE);
			nm = MAX_MAYBE;
		}
		for (uint32_t on = 0; on < (1u << nm); on++) {
			cn.maybe_on = on;
			struct sshd_eff ef;
			sshd_effective(c, &cn, &ef);
			const char *why;
			bool p = sshd_password_possible(&ef, &why);
			if (is_root) {
				if (ef.user_denied)
					continue;
				if (ef.permitroot.v == ROOT_YES) {
					consider(&t->root, user, ad->v[i], on, nm, &ef, why);
					if (p) {
						t->root_pw_possible = true;
						consider(&t->pw, user, ad->v[i], on, nm, &ef, why);
						pw = true;
						pw_pub |= addr_public(ad->v[i]);
					}
				} else if (ef.permitroot.v != ROOT_NO) {
					consider(&t->root_key, user, ad->v[i], on, nm, &ef, why);
				}
				if (p && ef.permitroot.v == ROOT_YES && ef.emptypw.v == SSHD_YES)
					consider(&t->empty, user, ad->v[i], on, nm, &ef, why);
				continue;
			}
			if (p) {
				pw = true;
				pw_pub |= addr_public(ad->v[i]);
				consider(&t->pw, user, ad->v[i], on, nm, &ef, why);
				if (ef.emptypw.v == SSHD_YES)
					consider(&t->empty, user, ad->v[i], on, nm, &ef, why);
			}
		}
	}
	if (!is_root) {
		t->users_total++;
		t->users_pw += pw;
		t->users_pw_public += pw_pub;
	}
}

/* sshd -T on the live host, or its output saved under the root. */
static void load_dump(struct hctx *x, struct sshd_config *c, const char **dump_src)
{
	*dump_src = NULL;
	struct mm_err e = { 0 };
	char *buf = NULL;
	size_t len = 0;
	if (x->r.live) {
		const char *sshd = x->o->sshd_path ? x->o->sshd_path : "/usr/sbin/sshd";
		if (access(sshd, X_OK) < 0)
			return;
		const char *argv[] = { sshd, "-T", NULL };
		int rc = host_run_cmd(argv, 5000, 4 << 20, &buf, &len, &e);
		if (rc != 0) {
			mm_diags_add(x->r.d, MM_DIAG_WARNING, sshd, -1,
				     "'%s -T' failed (%s); using the configuration files alone",
				     sshd, rc < 0 ? e.msg : "non-zero exit");
			free(buf);
			return;
		}
		*dump_src = arena_printf(&x->run, "%s -T", sshd);
	} else {
		const char *p = hroot_facts(&x->r, "sshd-T.txt");
		if (hroot_read(&x->r, p, 4 << 20, &buf, &len, &e) < 0) {
			if (e.code != MM_ENOTFOUND)
				mm_diags_add(x->r.d, MM_DIAG_ERROR, p, -1, "%s", e.msg);
			return;
		}
		*dump_src = p;
	}
	size_t used = sshd_apply_dump(c, &x->run, *dump_src, buf, len);
	if (!used)
		mm_diags_add(x->r.d, MM_DIAG_WARNING, *dump_src, -1,
			     "no 'keyword value' line in sshd -T output");
	free(buf);
}

static bool sshd_installed(struct hctx *x)
{
	static const char *const paths[] = { "/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd",
					     NULL };
	struct stat st;
	for (size_t i = 0; paths[i]; i++)
		if (hroot_stat(&x->r, paths[i], &st) == 0)
			return true;
	for (size_t i = 0; i < x->socks.nr; i++)
		if (x->socks.v[i].comm && !strcmp(x->socks.v[i].comm, "sshd"))
			return true;
	return false;
}

static void unknown_all(struct hctx *x, const char *why)
{
	static const char *const rules[] = { "host-ssh-password-login", "host-ssh-root-login",
					     "host-ssh-empty-passwords", NULL };
	for (size_t i = 0; rules[i]; i++)
		host_emit(x, rules[i], MM_ST_UNKNOWN, -1, NULL, "%s", why);
}

static void report_listen(struct hctx *x, const struct sshd_config *c)
{
	/* Sockets actually open and owned by sshd win over the configuration. */
	struct finding *f = NULL;
	size_t bad = 0;
	if (x->socks_loaded) {
		for (size_t i = 0; i < x->socks.nr; i++) {
			const struct hsock *s = &x->socks.v[i];
			bool ssh = (s->comm && !strcmp(s->comm, "sshd")) ||
				   (s->unit && strstr(s->unit, "ssh"));
			if (s->proto != 6 || !ssh || s->loopback)
				continue;
			char buf[64];
			bool pub =
			    s->wildcard || ivset_contains(mm_internet_ranges(s->fam), s->addr);
			if (!pub)
				continue;
			if (!f)
				f = host_emit(
				    x, "host-ssh-listen-public", MM_ST_FAIL, -1, NULL,
				    "sshd listens on port %d on %s%s; only security groups "
				    "and network ACLs keep the internet away from it",
				    s->port, mm_addr_fmt(s->fam, s->addr, buf),
				    s->dualstack ? " (dual-stack: IPv4 and IPv6)" : "");
			host_ev(x, f, s->src, "%s %s port %d, %s%s%s",
				s->fam == MM_AF_INET6 ? "tcp6" : "tcp",
				mm_addr_fmt(s->fam, s->addr, buf), s->port,
				s->comm ? s->comm : "owner unknown",
				s->unit ? ", socket unit " : "", s->unit ? s->unit : "");
			bad++;
		}
		if (!bad) {
			bool any = false;
			for (size_t i = 0; i < x->socks.nr; i++)
				if (x->socks.v[i].comm && !strcmp(x->socks.v[i].comm, "sshd"))
					any = true;
			if (any || x->socks.owners) {
				host_emit(x, "host-ssh-listen-public", MM_ST_PASS, -1, NULL,
					  "no sshd socket on a wildcard or public address");
				return;
			}
		} else {
			return;
		}
	}
	/* No socket table with owners: what the configuration asks for. */
	struct sshd_listen *ls;
	size_t n = sshd_listens(c, &x->run, &ls);
	for (size_t i = 0; i < n; i++) {
		enum mm_family fam;
		mm_u128 v;
		bool wild = !strcmp(ls[i].addr, "0.0.0.0") || !strcmp(ls[i].addr, "::") ||
			    !strcmp(ls[i].addr, "*");
		bool pub = wild || (mm_addr_parse(ls[i].addr, &fam, &v) == 0 &&
				    ivset_contains(mm_internet_ranges(fam), v));
		if (!pub && mm_addr_parse(ls[i].addr, &fam, &v) < 0)
			pub = true; /* a host name: assume it may be public */
		if (!pub)
			continue;
		if (!f)
			f = host_emit(x, "host-ssh-listen-public", MM_ST_FAIL, -1, NULL,
				      "sshd is configured to listen on port %d on %s%s", ls[i].port,
				      ls[i].addr, wild ? " (every interface)" : "");
		if (ls[i].src)
			host_ev(x, f, ls[i].src, "ListenAddress/Port: %s port %d", ls[i].addr,
				ls[i].port);
		else
			host_ev(x, f, NULL,
				"no ListenAddress: sshd listens on %s port %d by default",
				ls[i].addr, ls[i].port);
		bad++;
	}
	if (!bad)
		host_emit(x, "host-ssh-listen-public", MM_ST_PASS, -1, NULL,
			  "sshd is configured to listen on private or loopback addresses only");
}

void host_check_sshd(struct hctx *x)
{
	struct sshd_config c;
	sshd_config_load(&x->r, "/etc/ssh/sshd_config", &c);
	const char *dump_src;
	load_dump(x, &c, &dump_src);
	if (!c.found && !c.has_dump) {
		if (sshd_installed(x)) {
			unknown_all(x, "sshd is installed but /etc/ssh/sshd_config cannot be read");
			report_listen(x, &c);
		} else
			for (size_t i = 0; i < 4; i++)
				host_emit(x,
					  (const char *const[]){ "host-ssh-password-login",
								 "host-ssh-root-login",
								 "host-ssh-empty-passwords",
								 "host-ssh-listen-public" }[i],
					  MM_ST_PASS, -1, NULL,
					  "no SSH server: neither sshd nor /etc/ssh/sshd_config "
					  "found");
		sshd_config_release(&c);
		return;
	}

	struct addrs ad = { 0 };
	collect_addrs(x, &c, &ad);
	struct tally t;
	memset(&t, 0, sizeof(t));
	eval_user(x, &c, "root", &ad, &t);
	for (size_t i = 0; i < x->users.nr; i++) {
		const struct huser *u = &x->users.v[i];
		if (!u->login || u->uid == 0)
			continue;
		eval_user(x, &c, u->name, &ad, &t);
	}
	bool dump = c.has_dump;
	const char *basis = dump ? arena_printf(&x->run, " (global values from %s)", dump_src) : "";

	/* Password login. */
	if (t.pw.found) {
		const struct witness *w = &t.pw;
		int sev = t.users_pw_public || (w->pub) ? -1 : MM_SEV_MEDIUM;
		struct finding *f = host_emit(
		    x, "host-ssh-password-login", MM_ST_FAIL, sev, NULL,
		    "user '%s' can log in with a password from %s (%s address)%s; %zu of %zu "
		    "login-capable users can from some address, %zu from the internet%s",
		    w->user, w->addr, w->pub ? "an internet" : "a private or local",
		    t.root_pw_possible ? ", root included" : "", t.users_pw, t.users_total,
		    t.users_pw_public, basis);
		if (w->ef.password.v == SSHD_YES) {
			ev_val(x, f, "PasswordAuthentication", &w->ef.password, dump);
		} else {
			ev_val(x, f, "KbdInteractiveAuthentication", &w->ef.kbdint, dump);
			ev_val(x, f, "UsePAM", &w->ef.usepam, dump);
		}
		if (w->ef.authmethods.src && strcasecmp(w->ef.authmethods.raw, "any"))
			ev_val(x, f, "AuthenticationMethods", &w->ef.authmethods, dump);
		ev_maybe(x, f, &c, w);
	} else {
		struct sshd_conn cn = { .user = NULL, .users = &x->users, .addr = "8.8.8.8" };
		struct sshd_eff ef;
		sshd_effective(&c, &cn, &ef);
		struct finding *f = host_emit(
		    x, "host-ssh-password-login", MM_ST_PASS, -1, NULL,
		    "no login-capable user can log in with a password from any address (%zu users "
		    "evaluated)%s",
		    t.users_total, basis);
		ev_val(x, f, "PasswordAuthentication", &ef.password, dump);
		ev_val(x, f, "KbdInteractiveAuthentication", &ef.kbdint, dump);
	}

	/* Root login. */
	if (t.root.found) {
		const struct witness *w = &t.root;
		struct finding *f = host_emit(
		    x, "host-ssh-root-login", MM_ST_FAIL, t.root_pw_possible ? -1 : MM_SEV_MEDIUM,
		    NULL, "root can log in over SSH from %s%s%s", w->addr,
		    t.root_pw_possible ? ", with a password"
				       : " (with a key; password login is "
					 "off for root)",
		    basis);
		ev_val(x, f, "PermitRootLogin", &w->ef.permitroot, dump);
		if (t.root_pw_possible)
			ev_val(x, f, "PasswordAuthentication", &t.pw.ef.password, dump);
		ev_maybe(x, f, &c, w);
	} else {
		struct finding *f = host_emit(
		    x, "host-ssh-root-login", MM_ST_PASS, -1, NULL, "%s",
		    t.root_key.found ? "root cannot log in with a password (PermitRootLogin allows "
				       "keys or forced commands only)"
				     : "root cannot log in over SSH");
		if (t.root_key.found)
			ev_val(x, f, "PermitRootLogin", &t.root_key.ef.permitroot, dump);
	}

	/* Empty passwords. */
	if (t.empty.found) {
		struct finding *f =
		    host_emit(x, "host-ssh-empty-passwords", MM_ST_FAIL, -1, NULL,
			      "user '%s' with an empty password could log in from %s%s",
			      t.empty.user, t.empty.addr, basis);
		ev_val(x, f, "PermitEmptyPasswords", &t.empty.ef.emptypw, dump);
		ev_maybe(x, f, &c, &t.empty);
	} else {
		host_emit(x, "host-ssh-empty-passwords", MM_ST_PASS, -1, NULL,
			  "PermitEmptyPasswords is off wherever password login is possible");
	}

	report_listen(x, &c);
	free(ad.v);
	sshd_config_release(&c);
}
