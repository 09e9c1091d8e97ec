/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori host, part 1: reading through the root (symlinks stay inside it,
 * globs sorted), /etc/passwd, and sshd_config the way sshd reads it
 * (tokenising, Include order, first value wins, Match blocks per user and
 * address, Match inside included files, sshd -T output), then host_run()
 * over the sshd fixture root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host_util.h"
#include "base/banned.h"

struct env {
	char *root;
	struct arena a;
	struct mm_diags d;
	struct hroot r;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	e->root = troot_new();
	arena_init(&e->a);
	hroot_init(&e->r, e->root, &e->a, &e->d);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	troot_rm(e->root);
	free(e->root);
	arena_release(&e->a);
	mm_diags_release(&e->d);
	free(e);
	return 0;
}

/* ---- root ---- */

static void test_root_symlink_stays_inside(void **state)
{
	struct env *e = *state;
	/* An absolute symlink, as /var/lib/cloud/instance is on every host. */
	troot_write(e->root, "var/lib/cloud/instances/i-123/user-data.txt", "inside\n", 0600);
	troot_symlink(e->root, "var/lib/cloud/instance", "/var/lib/cloud/instances/i-123");
	/* A relative one climbing above the root stops at the root. */
	troot_write(e->root, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
	troot_symlink(e->root, "escape", "../../../../../../etc/passwd");
	struct mm_err err = { 0 };
	char *buf;
	size_t len;
	assert_int_equal(
	    hroot_read(&e->r, "/var/lib/cloud/instance/user-data.txt", 1024, &buf, &len, &err), 0);
	assert_string_equal(buf, "inside\n");
	free(buf);
	assert_int_equal(hroot_read(&e->r, "/escape", 1024, &buf, &len, &err), 0);
	assert_string_equal(buf, "root:x:0:0::/root:/bin/sh\n");
	free(buf);
	assert_int_equal(hroot_read(&e->r, "/nope", 1024, &buf, &len, &err), MM_ENOTFOUND);
	assert_non_null(strstr(err.msg, "'/nope'"));
	/* Size cap. */
	assert_int_equal(hroot_read(&e->r, "/etc/passwd", 4, &buf, &len, &err), MM_ELIMIT);
}

static void test_root_glob_sorted(void **state)
{
	struct env *e = *state;
	troot_write(e->root, "etc/ssh/d/b.conf", "", 0644);
	troot_write(e->root, "etc/ssh/d/a.conf", "", 0644);
	troot_write(e->root, "etc/ssh/d/10.conf", "", 0644);
	troot_write(e->root, "etc/ssh/d/.hidden.conf", "", 0644);
	troot_write(e->root, "etc/ssh/d/c.txt", "", 0644);
	const char **v;
	size_t n = hroot_glob(&e->r, "/etc/ssh/d/*.conf", &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "/etc/ssh/d/10.conf");
	assert_string_equal(v[1], "/etc/ssh/d/a.conf");
	assert_string_equal(v[2], "/etc/ssh/d/b.conf");
	n = hroot_glob(&e->r, "/etc/*/d/a.conf", &v);
	assert_int_equal(n, 1);
	n = hroot_glob(&e->r, "/etc/ssh/none/*.conf", &v);
	assert_int_equal(n, 0);
}

static void test_users(void **state)
{
	struct env *e = *state;
	troot_write(e->root, "etc/passwd",
		    "root:x:0:0:root:/root:/bin/bash\n"
		    "daemon:x:1:1::/:/usr/sbin/nologin\n"
		    "broken line\n"
		    "alice:x:1000:1000::/home/alice:/bin/zsh\n"
		    "svc:x:998:998::/:/bin/false\n",
		    0644);
	troot_write(e->root, "etc/group", "alice:x:1000:\nwheel:x:10:alice,bob\nsvc:x:998:\n",
		    0644);
	struct husers u;
	assert_int_equal(husers_load(&e->r, &u), 0);
	assert_int_equal(u.nr, 4);
	assert_int_equal(e->r.records_skipped, 1);
	const struct huser *a = husers_find(&u, "alice");
	assert_non_null(a);
	assert_true(a->login);
	assert_int_equal(a->ngroups, 2);
	assert_string_equal(a->groups[0], "alice");
	assert_string_equal(a->groups[1], "wheel");
	assert_false(husers_find(&u, "svc")->login);
	assert_false(husers_find(&u, "daemon")->login);
}

/* ---- sshd ---- */

static void parse(struct env *e, const char *text, struct sshd_config *c)
{
	memset(c, 0, sizeof(*c));
	sshd_config_parse(NULL, &e->a, &e->d, "/etc/ssh/sshd_config", text, strlen(text), c);
}

static struct sshd_eff eff(const struct sshd_config *c, const struct husers *u, const char *user,
			   const char *addr, uint32_t maybe_on)
{
	struct sshd_conn cn = { .user = user, .users = u, .addr = addr, .maybe_on = maybe_on };
	struct sshd_eff ef;
	sshd_effective(c, &cn, &ef);
	return ef;
}

static void test_sshd_tokens(void **state)
{
	struct env *e = *state;
	struct sshd_config c;
	parse(e,
	      "  # comment\n"
	      "PASSWORDAUTHENTICATION=no\n"
	      "PermitRootLogin = yes # trailing comment\n"
	      "AllowUsers \"al ice\" bob\\ smith\n"
	      "Banner\n"
	      "UsePAM 'yes\n"
	      "Port 2222\r\n",
	      &c);
	assert_int_equal(c.nlines, 4);
	assert_string_equal(c.lines[0].key, "passwordauthentication");
	assert_string_equal(c.lines[0].argv[0], "no");
	assert_int_equal(c.lines[1].argc, 1);
	assert_string_equal(c.lines[1].argv[0], "yes");
	assert_int_equal(c.lines[2].argc, 2);
	assert_string_equal(c.lines[2].argv[0], "al ice");
	assert_string_equal(c.lines[2].argv[1], "bob smith");
	assert_string_equal(c.lines[3].argv[0], "2222");
	assert_int_equal(c.errors, 2); /* Banner without value, unterminated quote */
	struct sshd_eff ef = eff(&c, NULL, "x", "8.8.8.8", 0);
	assert_int_equal(ef.password.v, SSHD_NO);
	assert_int_equal(ef.permitroot.v, ROOT_YES);
	assert_string_equal(ef.permitroot.src, "/etc/ssh/sshd_config:3");
	sshd_config_release(&c);
}

static void test_sshd_first_value_and_defaults(void **state)
{
	struct env *e = *state;
	struct sshd_config c;
	parse(e, "PasswordAuthentication no\nPasswordAuthentication yes\n", &c);
	struct sshd_eff ef = eff(&c, NULL, "x", "8.8.8.8", 0);
	assert_int_equal(ef.password.v, SSHD_NO);
	assert_string_equal(ef.password.src, "/etc/ssh/sshd_config:1");
	/* Defaults: password yes, kbd-interactive yes, UsePAM no, root key-only. */
	assert_null(ef.kbdint.src);
	assert_int_equal(ef.kbdint.v, SSHD_YES);
	assert_int_equal(ef.usepam.v, SSHD_NO);
	assert_int_equal(ef.permitroot.v, ROOT_KEY_ONLY);
	const char *why;
	assert_false(sshd_password_possible(&ef, &why));
	sshd_config_release(&c);

	/* Keyboard-interactive asks for the password through PAM. */
	parse(e, "PasswordAuthentication no\nUsePAM yes\n", &c);
	ef = eff(&c, NULL, "x", "8.8.8.8", 0);
	assert_true(sshd_password_possible(&ef, &why));
	assert_non_null(strstr(why, "UsePAM"));
	sshd_config_release(&c);
	parse(e, "PasswordAuthentication no\nUsePAM yes\nChallengeResponseAuthentication no\n", &c);
	ef = eff(&c, NULL, "x", "8.8.8.8", 0);
	assert_false(sshd_password_possible(&ef, &why));
	sshd_config_release(&c);

	/* Password only as a second factor is not password login. */
	parse(e, "AuthenticationMethods publickey,password\n", &c);
	ef = eff(&c, NULL, "x", "8.8.8.8", 0);
	assert_false(sshd_password_possible(&ef, &why));
	sshd_config_release(&c);
	parse(e, "AuthenticationMethods publickey,password password\n", &c);
	ef = eff(&c, NULL, "x", "8.8.8.8", 0);
	assert_true(sshd_password_possible(&ef, &why));
	sshd_config_release(&c);
}

static void test_sshd_match(void **state)
{
	struct env *e = *state;
	troot_write(e->root, "etc/passwd",
		    "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/h:/bin/sh\n"
		    "bob:x:1001:1001::/h:/bin/sh\n",
		    0644);
	troot_write(e->root, "etc/group", "alice:x:1000:\nbob:x:1001:\nops:x:50:bob\n", 0644);
	struct husers u;
	assert_int_equal(husers_load(&e->r, &u), 0);
	struct sshd_config c;
	parse(e,
	      "PasswordAuthentication no\n"
	      "Match User alice\n"
	      "  PasswordAuthentication yes\n"
	      "  PasswordAuthentication no\n" /* first value inside the block wins */
	      "Match Group ops Address 10.0.0.0/8,!10.9.0.0/16\n"
	      "  PasswordAuthentication yes\n"
	      "Match Host *.example.com\n"
	      "  PermitRootLogin yes\n"
	      "Match all\n"
	      "  PermitEmptyPasswords yes\n",
	      &c);
	assert_int_equal(c.nblocks, 4);
	assert_int_equal(eff(&c, &u, "alice", "8.8.8.8", 0).password.v, SSHD_YES);
	assert_string_equal(eff(&c, &u, "alice", "8.8.8.8", 0).password.src,
			    "/etc/ssh/sshd_config:3");
	assert_int_equal(eff(&c, &u, "bob", "8.8.8.8", 0).password.v, SSHD_NO);
	assert_int_equal(eff(&c, &u, "bob", "10.1.2.3", 0).password.v, SSHD_YES);
	assert_int_equal(eff(&c, &u, "bob", "10.9.2.3", 0).password.v, SSHD_NO);
	/* Host is unknown: one "maybe" block, both outcomes enumerable. */
	struct sshd_conn cn = { .user = "bob", .users = &u, .addr = "8.8.8.8" };
	assert_int_equal(sshd_maybe_count(&c, &cn), 1);
	assert_int_equal(eff(&c, &u, "bob", "8.8.8.8", 0).permitroot.v, ROOT_KEY_ONLY);
	assert_int_equal(eff(&c, &u, "bob", "8.8.8.8", 1).permitroot.v, ROOT_YES);
	/* Match all overrides the global default. */
	assert_int_equal(eff(&c, &u, "bob", "8.8.8.8", 0).emptypw.v, SSHD_YES);
	sshd_config_release(&c);

	/* Allow/Deny lists. */
	parse(e, "DenyUsers bob\nAllowGroups ops alice\n", &c);
	assert_true(eff(&c, &u, "bob", "8.8.8.8", 0).user_denied);
	assert_false(eff(&c, &u, "alice", "8.8.8.8", 0).user_denied);
	assert_true(eff(&c, &u, "root", "8.8.8.8", 0).user_denied);
	sshd_config_release(&c);
	parse(e, "AllowUsers alice@10.0.0.0/8\n", &c);
	assert_false(eff(&c, &u, "alice", "10.1.1.1", 0).user_denied);
	assert_true(eff(&c, &u, "alice", "8.8.8.8", 0).user_denied);
	sshd_config_release(&c);
}

static void test_sshd_include(void **state)
{
	struct env *e = *state;
	troot_write(e->root, "etc/ssh/sshd_config",
		    "Include conf.d/*.conf\n"
		    "PasswordAuthentication yes\n"
		    "Match User alice\n"
		    "  Include /etc/ssh/alice.d/*\n",
		    0644);
	/* Sorted: 05 before 50; the first value wins. */
	troot_write(e->root, "etc/ssh/conf.d/50-late.conf", "PasswordAuthentication yes\n", 0644);
	troot_write(e->root, "etc/ssh/conf.d/05-early.conf",
		    "PasswordAuthentication no\n"
		    "Match User bob\n"
		    "  PermitRootLogin yes\n",
		    0644);
	/* Included from a Match that does not apply: its own Match never matches. */
	troot_write(e->root, "etc/ssh/alice.d/x",
		    "KbdInteractiveAuthentication no\nMatch all\n  PermitEmptyPasswords yes\n",
		    0644);
	struct sshd_config c;
	sshd_config_load(&e->r, "/etc/ssh/sshd_config", &c);
	assert_true(c.found);
	assert_int_equal(c.files, 4);
	struct sshd_eff ef = eff(&c, NULL, "bob", "8.8.8.8", 0);
	assert_int_equal(ef.password.v, SSHD_NO);
	assert_string_equal(ef.password.src, "/etc/ssh/conf.d/05-early.conf:1");
	assert_int_equal(ef.permitroot.v, ROOT_YES);
	/* The Match in 05-early.conf ended with that file: the main file's
	 * PasswordAuthentication line is global again (and loses to line 1). */
	ef = eff(&c, NULL, "carol", "8.8.8.8", 0);
	assert_int_equal(ef.permitroot.v, ROOT_KEY_ONLY);
	assert_int_equal(ef.emptypw.v, SSHD_NO);
	assert_int_equal(ef.kbdint.v, SSHD_YES);
	ef = eff(&c, NULL, "alice", "8.8.8.8", 0);
	assert_int_equal(ef.kbdint.v, SSHD_NO);
	assert_string_equal(ef.kbdint.src, "/etc/ssh/alice.d/x:1");
	assert_int_equal(ef.emptypw.v, SSHD_YES);
	sshd_config_release(&c);

	/* Include loop: stopped with an error, no hang. */
	troot_write(e->root, "etc/ssh/loop.conf", "Include /etc/ssh/loop.conf\n", 0644);
	sshd_config_load(&e->r, "/etc/ssh/loop.conf", &c);
	assert_true(c.errors >= 1);
	sshd_config_release(&c);
}

static void test_sshd_dump(void **state)
{
	struct env *e = *state;
	struct sshd_config c;
	parse(e, "PasswordAuthentication yes\nMatch User alice\n  PermitRootLogin yes\n", &c);
	const char *dump = "port 22\npasswordauthentication no\nlistenaddress 10.0.0.5:22\n"
			   "permitrootlogin no\nusepam yes\nkbdinteractiveauthentication no\n";
	assert_int_equal(sshd_apply_dump(&c, &e->a, "sshd -T", dump, strlen(dump)), 6);
	struct sshd_eff ef = eff(&c, NULL, "bob", "8.8.8.8", 0);
	assert_int_equal(ef.password.v, SSHD_NO);
	assert_string_equal(ef.password.src, "sshd -T:2");
	assert_int_equal(eff(&c, NULL, "alice", "8.8.8.8", 0).permitroot.v, ROOT_YES);
	struct sshd_listen *ls;
	size_t n = sshd_listens(&c, &e->a, &ls);
	assert_int_equal(n, 1);
	assert_string_equal(ls[0].addr, "10.0.0.5");
	assert_int_equal(ls[0].port, 22);
	sshd_config_release(&c);
}

static void test_sshd_listens(void **state)
{
	struct env *e = *state;
	struct sshd_config c;
	parse(e, "Port 22\nPort 2222\nAddressFamily inet\n", &c);
	struct sshd_listen *ls;
	assert_int_equal(sshd_listens(&c, &e->a, &ls), 2);
	assert_string_equal(ls[0].addr, "0.0.0.0");
	assert_int_equal(ls[1].port, 2222);
	sshd_config_release(&c);
	parse(e, "ListenAddress [::1]:2200\nListenAddress 10.1.1.1\n", &c);
	assert_int_equal(sshd_listens(&c, &e->a, &ls), 2);
	assert_string_equal(ls[0].addr, "::1");
	assert_int_equal(ls[0].port, 2200);
	assert_string_equal(ls[1].addr, "10.1.1.1");
	assert_int_equal(ls[1].port, 22);
	sshd_config_release(&c);
}

/* ---- host_run over the fixture root ---- */

static void run_fixture(const char *name, struct findings *fs, struct mm_diags *d,
			struct host_catalog *cat, bool passed)
{
	const char *root = host_fixture(name);
	if (!root)
		fail_msg("tests/fixtures/host/%s not found", name);
	struct mm_err err = { 0 };
	assert_int_equal(host_catalog_load(cat, &err), 0);
	struct host_opts o = { .root = root, .passed = passed };
	struct host_stats st;
	findings_init(fs);
	assert_int_equal(host_run(&o, cat, fs, d, &st, &err), 0);
}

static void test_fixture_sshd_match(void **state)
{
	(void)state;
	struct findings fs;
	struct mm_diags d = { 0 };
	struct host_catalog cat;
	run_fixture("sshd-match", &fs, &d, &cat, true);
	const struct finding *f = find_rule(&fs, "host-ssh-password-login", NULL);
	assert_non_null(f);
	assert_int_equal(f->status, MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_HIGH);
	assert_string_equal(f->res_type, "host");
	assert_string_equal(f->res_id, "web-1");
	/* admin via the Match in 20-local.conf, deploy via Match Group sftponly. */
	assert_non_null(strstr(f->message, "2 of 2 login-capable users"));
	assert_true(
	    has_evidence(f, "/etc/ssh/sshd_config.d/20-local.conf:4", "inside Match User admin"));
	f = find_rule(&fs, "host-ssh-root-login", NULL);
	assert_int_equal(f->status, MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_MEDIUM); /* key only: password is off for root */
	assert_true(has_evidence(f, "/etc/ssh/sshd_config:15", "PermitRootLogin yes"));
	f = find_rule(&fs, "host-ssh-empty-passwords", NULL);
	assert_int_equal(f->status, MM_ST_PASS);
	f = find_rule(&fs, "host-ssh-listen-public", NULL);
	assert_int_equal(f->status, MM_ST_FAIL);
	assert_int_equal(d.nr_errors, 0);
	findings_release(&fs);
	mm_diags_release(&d);
	host_catalog_release(&cat);
}

/* ---- sockets ---- */

static void test_sockets_parse(void **state)
{
	struct env *e = *state;
	const char *tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			  "retrnsmt   uid  timeout inode\n"
			  "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 "
			  "00000000   106        0 4242 1 0 100 0 0 10 0\n"
			  "   1: 0501000A:0016 0900710CB:C738 01 00000000:00000000 00:00000000 "
			  "00000000     0        0 4243 1 0 100 0 0 10 0\n"
			  "   2: 0501000A:0016 00000000:0000 0A 00000000:00000000 00:00000000 "
			  "00000000     0        0 4244 1 0 100 0 0 10 0\n";
	struct hsocks s = { 0 };
	/* Line 3 has a 9-digit remote address: malformed, reported, skipped. */
	assert_int_equal(
	    hsocks_parse(&e->a, &e->d, "/proc/net/tcp", tcp, strlen(tcp), 6, MM_AF_INET, &s),
	    MM_EPARSE);
	assert_int_equal(e->d.nr, 1);
	assert_int_equal(s.nr, 2);
	char buf[64];
	assert_string_equal(mm_addr_fmt(MM_AF_INET, s.v[0].addr, buf), "127.0.0.1");
	assert_int_equal(s.v[0].port, 3306);
	assert_true(s.v[0].loopback);
	assert_int_equal(s.v[0].uid, 106);
	assert_int_equal(s.v[0].inode, 4242);
	assert_string_equal(mm_addr_fmt(MM_AF_INET, s.v[1].addr, buf), "10.0.1.5");
	assert_string_equal(s.v[1].src, "/proc/net/tcp:4");
	hsocks_release(&s);

	const char *tcp6 = "header\n"
			   "   0: 00000000000000000000000001000000:0050 "
			   "00000000000000000000000000000000:0000 0A 00000000:00000000 "
			   "00:00000000 00000000    33        0 77 1 0 100 0 0 10 0\n"
			   "   1: B80D0120000000000000000001000000:0051 "
			   "00000000000000000000000000000000:0000 0A 00000000:00000000 "
			   "00:00000000 00000000    33        0 78 1 0 100 0 0 10 0\n";
	assert_int_equal(
	    hsocks_parse(&e->a, &e->d, "/proc/net/tcp6", tcp6, strlen(tcp6), 6, MM_AF_INET6, &s),
	    0);
	assert_int_equal(s.nr, 2);
	assert_string_equal(mm_addr_fmt(MM_AF_INET6, s.v[0].addr, buf), "::1");
	assert_true(s.v[0].loopback);
	assert_string_equal(mm_addr_fmt(MM_AF_INET6, s.v[1].addr, buf), "2001:db8::1");
	hsocks_release(&s);
}

static void test_fixture_sockets(void **state)
{
	(void)state;
	struct findings fs;
	struct mm_diags d = { 0 };
	struct host_catalog cat;
	run_fixture("sockets", &fs, &d, &cat, true);
	/* nginx on [::]:80 without an IPv4 twin: dual-stack, counted for IPv4. */
	const struct finding *f = find_rule(&fs, "host-listening-port", "tcp/80");
	assert_non_null(f);
	assert_int_equal(f->status, MM_ST_FAIL);
	assert_non_null(strstr(f->message, "IPv4 and IPv6"));
	assert_true(has_evidence(f, "/proc/net/tcp6:2", "dual-stack"));
	assert_true(has_evidence(f, NULL, "pid 300 (nginx)"));
	/* cups via systemd socket activation (PID 1 holds the socket). */
	f = find_rule(&fs, "host-listening-port", "tcp/631");
	assert_non_null(f);
	assert_non_null(strstr(f->message, "cups.socket"));
	f = find_rule(&fs, "host-listening-port", "udp/68");
	assert_non_null(f);
	/* Loopback, private and established sockets are not listeners here;
	 * sshd has its own rule. */
	assert_null(find_rule(&fs, "host-listening-port", "tcp/5432"));
	assert_null(find_rule(&fs, "host-listening-port", "tcp/9100"));
	assert_null(find_rule(&fs, "host-listening-port", "tcp/22"));
	assert_null(find_rule(&fs, "host-listening-port", "udp/323"));
	f = find_rule(&fs, "host-ssh-listen-public", NULL);
	assert_non_null(f);
	assert_int_equal(f->status, MM_ST_FAIL);
	assert_true(has_evidence(f, "/proc/net/tcp:2", "sshd"));
	/* sshd runs but its configuration is missing: unknown, not safe. */
	f = find_rule(&fs, "host-ssh-password-login", NULL);
	assert_int_equal(f->status, MM_ST_UNKNOWN);
	findings_release(&fs);
	mm_diags_release(&d);
	host_catalog_release(&cat);
}

/* ---- user-data ---- */

static void test_secrets(void **state)
{
	struct env *e = *state;
	const char *ud =
	    "#cloud-config\n"
	    "password: hunter2hunter2\n"
	    "chpasswd: { expire: false }\n"
	    "ssh_pwauth: true\n"
	    "write_files:\n"
	    "  - content: aws_secret_access_key = abcdefghijABCDEFGHIJ0123456789/+abcdefgh\n"
	    "runcmd:\n"
	    "  - export TOKEN=$VAULT_TOKEN\n"
	    "  - echo ASIAXXXXXXXXXXXXXXXX1 AKIAABCDEFGHIJKLMNOP\n"
	    "  - mysql --password=\"Tr0ub4dor&3\"\n";
	struct hsecret *s;
	size_t n = host_find_secrets(&e->a, "ud", ud, strlen(ud), &s);
	assert_int_equal(n, 4);
	assert_string_equal(s[0].kind, "password");
	assert_string_equal(s[0].src, "ud:2");
	assert_null(strstr(s[0].redacted, "hunter2"));
	assert_non_null(strstr(s[0].redacted, "14 characters"));
	assert_string_equal(s[1].kind, "aws-secret-access-key");
	assert_null(strstr(s[1].redacted, "abcdefghij"));
	/* The 21-character ASIA... is not a key id; the AKIA one is. */
	assert_string_equal(s[2].kind, "aws-access-key-id");
	assert_string_equal(s[2].redacted, "AKIA************MNOP");
	assert_string_equal(s[3].kind, "password");
	assert_string_equal(s[3].src, "ud:10");
	assert_null(strstr(s[3].redacted, "Tr0ub"));
}

static void test_userdata_modes(void **state)
{
	struct env *e = *state;
	/* Tight modes (git cannot store 0600, so this root is built here). */
	troot_write(e->root, "var/lib/cloud/instances/i-1/user-data.txt", "#!/bin/sh\necho hi\n",
		    0600);
	troot_write(e->root, "var/lib/cloud/instances/i-1/user-data.txt.i", "x\n", 0400);
	troot_write(e->root, "var/lib/cloud/instances/i-1/scripts/part-001", "echo\n", 0700);
	troot_write(e->root, "run/cloud-init/instance-data-sensitive.json", "{}\n", 0600);
	struct huserdata u;
	huserdata_load(&e->r, &u);
	assert_true(u.cloud_init);
	assert_int_equal(u.nr, 4);
	for (size_t i = 0; i < u.nr; i++)
		assert_false(u.v[i].loose);
	huserdata_release(&u);
	/* Group-readable and gzip-compressed user-data with a key in it. */
	char path[4096];
	snprintf(path, sizeof(path), "%s/var/lib/cloud/instances/i-1/user-data.txt", e->root);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	/* gzip of "AKIAIOSFODNN7EXAMPLE\n", made with `gzip -n`. */
	static const unsigned char gz[] = {
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x73, 0xf4, 0xf6, 0x74,
		0xf4, 0xf4, 0x0f, 0x76, 0xf3, 0x77, 0xf1, 0xf3, 0x33, 0x77, 0x8d, 0x70, 0xf4, 0x0d,
		0xf0, 0x71, 0xe5, 0x02, 0x00, 0xdb, 0xa2, 0x29, 0x7c, 0x15, 0x00, 0x00, 0x00,
	};
	fwrite(gz, 1, sizeof(gz), f);
	fclose(f);
	chmod(path, 0640);
	huserdata_load(&e->r, &u);
	const struct hudfile *ud = NULL;
	for (size_t i = 0; i < u.nr; i++)
		if (strstr(u.v[i].path, "user-data.txt") && !strstr(u.v[i].path, ".i"))
			ud = &u.v[i];
	assert_non_null(ud);
	assert_true(ud->loose);
	assert_int_equal(ud->mode, 0640);
	assert_int_equal(ud->nsecrets, 1);
	assert_string_equal(ud->secrets[0].redacted, "AKIA************MPLE");
	huserdata_release(&u);
}

static void test_fixture_userdata(void **state)
{
	(void)state;
	struct findings fs;
	struct mm_diags d = { 0 };
	struct host_catalog cat;
	run_fixture("userdata", &fs, &d, &cat, true);
	const struct finding *f = find_rule(&fs, "host-userdata-readable", NULL);
	assert_int_equal(f->status, MM_ST_FAIL);
	/* Instance id, account and region from instance-data.json. */
	assert_string_equal(f->res_id, "i-0abc123");
	assert_string_equal(f->account, "123456789012");
	assert_string_equal(f->region, "ap-northeast-1");
	assert_true(has_evidence(f, "/var/lib/cloud/instances/i-0abc123/user-data.txt",
				 "readable by everyone"));
	assert_true(has_evidence(f, "/run/cloud-init/instance-data-sensitive.json", "mode 0644"));
	f = find_rule(&fs, "host-userdata-secret", NULL);
	assert_int_equal(f->status, MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_CRITICAL);
	assert_true(has_evidence(f, "user-data.txt:3", "AKIA************MPLE"));
	assert_true(has_evidence(f, "user-data.txt:8", "private-key"));
	/* Nothing secret leaks into the findings. */
	for (size_t i = 0; i < fs.nr; i++) {
		for (size_t k = 0; k < fs.v[i].nev; k++) {
			assert_null(strstr(fs.v[i].ev[k].what, "wJalrXUtnFEMI"));
			assert_null(strstr(fs.v[i].ev[k].what, "s3cr3t"));
		}
		assert_null(strstr(fs.v[i].message, "s3cr3t"));
	}
	findings_release(&fs);
	mm_diags_release(&d);
	host_catalog_release(&cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root_symlink_stays_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_glob_sorted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_first_value_and_defaults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sshd_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_include, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_listens, setup, teardown),
		cmocka_unit_test(test_fixture_sshd_match),
		cmocka_unit_test_setup_teardown(test_sockets_parse, setup, teardown),
		cmocka_unit_test(test_fixture_sockets),
		cmocka_unit_test_setup_teardown(test_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdata_modes, setup, teardown),
		cmocka_unit_test(test_fixture_userdata),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
