/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential test of the sshd_config evaluator against OpenSSH itself:
 * random configurations (global values, Include files with their own Match
 * blocks, Match User / Address / All with negations and CIDRs, first value
 * wins everywhere) are written to a temporary directory, and for several
 * (user, address) pairs the effective PasswordAuthentication,
 * KbdInteractiveAuthentication, PermitRootLogin and PermitEmptyPasswords
 * computed by src/host/sshd.c must equal what `sshd -T -C` prints.
 *
 * Skipped (with a message) when sshd is not installed (Debian package
 * openssh-server, not a build dependency: installing it on a machine with
 * systemd would start a server) or ssh-keygen is missing. sshd -T wants
 * /run/sshd to exist; the test creates it when it can (as root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host_util.h"
#include "base/banned.h"

#define SSHD	 "/usr/sbin/sshd"
#define KEYGEN	 "/usr/bin/ssh-keygen"
#define NCONFIGS 150
#define NCONNS	 2

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *pick(const char *const *v, size_t n)
{
	return v[rnd((unsigned)n)];
}
#define PICK(v) pick(v, sizeof(v) / sizeof(v[0]))

static void setting(struct strbuf *sb, const char *indent)
{
	static const char *const lines[] = {
		"PasswordAuthentication yes",
		"PasswordAuthentication no",
		"passwordauthentication=no",
		"KbdInteractiveAuthentication yes",
		"KbdInteractiveAuthentication no",
		"ChallengeResponseAuthentication no",
		"PermitRootLogin yes",
		"PermitRootLogin no",
		"PermitRootLogin prohibit-password",
		"PermitRootLogin forced-commands-only",
		"PermitEmptyPasswords yes",
		"PermitEmptyPasswords no",
	};
	strbuf_addf(sb, "%s%s\n", indent, PICK(lines));
}

static void match_line(struct strbuf *sb)
{
	static const char *const crit[] = {
		"User alice",
		"User bob,alice",
		"User !alice,*",
		"User a*",
		"User root",
		"Address 10.0.0.0/8",
		"Address 10.0.0.0/8,!10.9.0.0/16",
		"Address 192.168.1.*",
		"Address 8.8.8.8",
		"Address !8.8.8.8,*",
		"User alice Address 10.0.0.0/8",
		"all",
	};
	strbuf_addf(sb, "Match %s\n", PICK(crit));
}

static void gen_file(struct strbuf *sb, const char *incdir, bool allow_include)
{
	unsigned nglobal = rnd(3);
	bool inc = allow_include && rnd(2);
	unsigned incpos = rnd(nglobal + 1);
	for (unsigned i = 0; i <= nglobal; i++) {
		if (inc && i == incpos)
			strbuf_addf(sb, "Include %s/*.conf\n", incdir);
		if (i < nglobal)
			setting(sb, "");
	}
	unsigned nm = rnd(4);
	for (unsigned m = 0; m < nm; m++) {
		match_line(sb);
		unsigned ns = 1 + rnd(2);
		for (unsigned s = 0; s < ns; s++)
			setting(sb, "  ");
		if (allow_include && !inc && rnd(4) == 0) {
			strbuf_addf(sb, "  Include %s/*.conf\n", incdir);
			inc = true;
		}
	}
}

static const char *root_name(int v)
{
	switch (v) {
	case ROOT_YES:
		return "yes";
	case ROOT_NO:
		return "no";
	case ROOT_KEY_ONLY:
		return "without-password";
	default:
		return "forced-commands-only";
	}
}

/* "key value" of interest from sshd -T output. */
static const char *dump_get(const char *out, const char *key, char *buf, size_t n)
{
	size_t kl = strlen(key);
	for (const char *p = out; p && *p;) {
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			const char *v = p + kl + 1, *e = strchr(v, '\n');
			size_t l = e ? (size_t)(e - v) : strlen(v);
			snprintf(buf, n, "%.*s", (int)l, v);
			return buf;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static void test_sshd_differential(void **state)
{
	(void)state;
	if (access(SSHD, X_OK) < 0 || access(KEYGEN, X_OK) < 0) {
		print_message("sshd or ssh-keygen not installed (openssh-server): skipped\n");
		skip();
	}
	struct stat st;
	if (stat("/run/sshd", &st) < 0 && mkdir("/run/sshd", 0755) < 0) {
		print_message("/run/sshd missing and cannot be created: skipped\n");
		skip();
	}
	char *dir = troot_new();
	char key[4200], cfg[4200], incdir[4200];
	snprintf(key, sizeof(key), "%s/hostkey", dir);
	snprintf(cfg, sizeof(cfg), "%s/sshd_config", dir);
	snprintf(incdir, sizeof(incdir), "%s/inc", dir);
	mkdir(incdir, 0755);
	{
		const char *argv[] = { KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", key, NULL };
		char *out;
		size_t len;
		struct mm_err e = { 0 };
		assert_int_equal(host_run_cmd(argv, 10000, 1 << 20, &out, &len, &e), 0);
		free(out);
	}
	static const char *const users[] = { "alice", "bob", "root" };
	static const char *const addrs[] = { "10.1.1.1", "10.9.1.1", "8.8.8.8", "192.168.1.5" };
	size_t compared = 0;
	for (int n = 0; n < NCONFIGS; n++) {
		struct strbuf main_cfg = STRBUF_INIT, inc1 = STRBUF_INIT, inc2 = STRBUF_INIT;
		gen_file(&main_cfg, incdir, true);
		gen_file(&inc1, incdir, false);
		gen_file(&inc2, incdir, false);
		troot_write(dir, "sshd_config", main_cfg.buf, 0644);
		troot_write(dir, "inc/20-b.conf", inc1.buf, 0644);
		troot_write(dir, "inc/10-a.conf", inc2.buf, 0644);

		struct arena a;
		struct mm_diags d = { 0 };
		struct hroot r;
		arena_init(&a);
		hroot_init(&r, "/", &a, &d);
		struct sshd_config c;
		sshd_config_load(&r, cfg, &c);
		assert_true(c.found);
		for (int k = 0; k < NCONNS; k++) {
			const char *user = PICK(users), *addr = PICK(addrs);
			char spec[256];
			snprintf(spec, sizeof(spec),
				 "user=%s,addr=%s,host=h.example,laddr=10.0.0.2,lport=22", user,
				 addr);
			const char *argv[] = { SSHD, "-T", "-f", cfg, "-h", key, "-C", spec, NULL };
			char *out;
			size_t len;
			struct mm_err e = { 0 };
			int rc = host_run_cmd(argv, 10000, 1 << 20, &out, &len, &e);
			if (rc != 0)
				fail_msg("sshd -T exited %d for:\n%s", rc, main_cfg.buf);
			struct sshd_conn cn = { .user = user, .addr = addr };
			struct sshd_eff ef;
			sshd_effective(&c, &cn, &ef);
			char b1[64], b2[64], b3[64], b4[64];
			const char *pw = dump_get(out, "passwordauthentication", b1, sizeof(b1));
			const char *kb =
			    dump_get(out, "kbdinteractiveauthentication", b2, sizeof(b2));
			const char *rl = dump_get(out, "permitrootlogin", b3, sizeof(b3));
			const char *ep = dump_get(out, "permitemptypasswords", b4, sizeof(b4));
			assert_non_null(pw);
			assert_non_null(rl);
			bool ok = !strcmp(pw, ef.password.v ? "yes" : "no") &&
				  !strcmp(kb, ef.kbdint.v ? "yes" : "no") &&
				  !strcmp(rl, root_name(ef.permitroot.v)) &&
				  !strcmp(ep, ef.emptypw.v ? "yes" : "no");
			if (!ok)
				fail_msg("config #%d, %s:\n--- main\n%s--- inc/10-a.conf\n%s--- "
					 "inc/20-b.conf\n%s---\nsshd: password %s kbd %s root %s "
					 "empty %s\nours: password %d kbd %d root %s empty %d",
					 n, spec, main_cfg.buf, inc2.buf, inc1.buf, pw, kb, rl, ep,
					 ef.password.v, ef.kbdint.v, root_name(ef.permitroot.v),
					 ef.emptypw.v);
			free(out);
			compared++;
		}
		sshd_config_release(&c);
		arena_release(&a);
		mm_diags_release(&d);
		strbuf_release(&main_cfg);
		strbuf_release(&inc1);
		strbuf_release(&inc2);
	}
	print_message("%zu effective configurations agree with sshd -T -C\n", compared);
	troot_rm(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sshd_differential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
