/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori host, metadata protection: iptables-save (owner match, user chains,
 * RETURN, policies, undecidable matches), nft rulesets, routes and policy
 * rules (reject routes in other tables reached by uidrange), the fixture
 * roots with and without the owner rule and with a reject route, and the
 * --imds-probe against a fake metadata server this test runs on 127.0.0.1.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "host_util.h"
#include "base/banned.h"

static mm_u128 addr(const char *s)
{
	enum mm_family f;
	mm_u128 v = 0;
	if (mm_addr_parse(s, &f, &v) < 0)
		abort();
	return v;
}

static enum fw_verdict ipt(const char *text, long uid, const char **src)
{
	struct arena a;
	struct mm_diags d = { 0 };
	arena_init(&a);
	struct fw_ruleset *rs = fw_parse_iptables(&a, &d, "rules", text, strlen(text));
	struct fw_result r;
	fw_eval_output(rs, MM_AF_INET, addr("169.254.169.254"), uid, uid, &r);
	static char buf[256];
	snprintf(buf, sizeof(buf), "%s", r.src ? r.src : "");
	if (src)
		*src = buf;
	fw_ruleset_free(rs);
	arena_release(&a);
	mm_diags_release(&d);
	return r.v;
}

static void test_iptables_owner(void **state)
{
	(void)state;
	/* The seed's rule, as iptables-save prints it. */
	const char *seed = "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
			   "-A OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j DROP\n"
			   "COMMIT\n";
	const char *src;
	assert_int_equal(ipt(seed, 1000, &src), FW_DROP);
	assert_string_equal(src, "rules:4");
	assert_int_equal(ipt(seed, 33, NULL), FW_DROP);
	assert_int_equal(ipt(seed, 0, NULL), FW_ACCEPT);
	/* Without the rule. */
	assert_int_equal(ipt("*filter\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", 1000, NULL), FW_ACCEPT);
	/* Owner by name, another address, another port. */
	assert_int_equal(ipt("*filter\n:OUTPUT ACCEPT [0:0]\n"
			     "-A OUTPUT -d 169.254.169.254 -m owner ! --uid-owner root -j REJECT\n"
			     "COMMIT\n",
			     1000, NULL),
			 FW_DROP);
	assert_int_equal(ipt("*filter\n:OUTPUT ACCEPT [0:0]\n"
			     "-A OUTPUT -d 169.254.169.253/32 -j DROP\nCOMMIT\n",
			     1000, NULL),
			 FW_ACCEPT);
	assert_int_equal(ipt("*filter\n:OUTPUT ACCEPT [0:0]\n"
			     "-A OUTPUT -d 169.254.169.254/32 -p tcp -m tcp --dport 443 -j DROP\n"
			     "COMMIT\n",
			     1000, NULL),
			 FW_ACCEPT);
	/* Policy DROP with an allow for root only. */
	assert_int_equal(ipt("*filter\n:OUTPUT DROP [0:0]\n"
			     "-A OUTPUT -m owner --uid-owner 0 -j ACCEPT\nCOMMIT\n",
			     1000, NULL),
			 FW_DROP);
	/* An earlier ACCEPT for everything wins over the owner rule. */
	assert_int_equal(ipt("*filter\n:OUTPUT ACCEPT [0:0]\n"
			     "-A OUTPUT -m state --state NEW -j ACCEPT\n"
			     "-A OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j DROP\n"
			     "COMMIT\n",
			     1000, NULL),
			 FW_ACCEPT);
	/* ESTABLISHED-only accept does not apply to a new connection. */
	assert_int_equal(ipt("*filter\n:OUTPUT ACCEPT [0:0]\n"
			     "-A OUTPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
			     "-A OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j DROP\n"
			     "COMMIT\n",
			     1000, NULL),
			 FW_DROP);
	/* A mark we cannot know before the drop: undecidable, not safe. */
	assert_int_equal(ipt("*filter\n:OUTPUT ACCEPT [0:0]\n"
			     "-A OUTPUT -m mark --mark 0x1 -j ACCEPT\n"
			     "-A OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j DROP\n"
			     "COMMIT\n",
			     1000, NULL),
			 FW_UNKNOWN);
	/* A drop in the raw or mangle table drops too. */
	assert_int_equal(
	    ipt("*mangle\n:OUTPUT ACCEPT [0:0]\n"
		"-A OUTPUT -d 169.254.169.254/32 -m owner --uid-owner 1000-2000 -j DROP\n"
		"COMMIT\n*filter\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n",
		1500, NULL),
	    FW_DROP);
	/* Malformed lines are reported, not fatal. */
	struct arena a;
	struct mm_diags d = { 0 };
	arena_init(&a);
	const char *bad = "-A OUTPUT -j DROP\n*filter\n:OUTPUT ACCEPT\n-A OUTPUT -d\n"
			  "-X nonsense\nCOMMIT\n";
	struct fw_ruleset *rs = fw_parse_iptables(&a, &d, "bad", bad, strlen(bad));
	assert_true(d.nr >= 3);
	fw_ruleset_free(rs);
	arena_release(&a);
	mm_diags_release(&d);
}

static enum fw_verdict nft(const char *text, enum mm_family fam, const char *dst, long uid)
{
	struct arena a;
	struct mm_diags d = { 0 };
	arena_init(&a);
	struct fw_ruleset *rs = fw_parse_nft(&a, &d, "nft", text, strlen(text));
	struct fw_result r;
	fw_eval_output(rs, fam, addr(dst), uid, uid, &r);
	fw_ruleset_free(rs);
	arena_release(&a);
	mm_diags_release(&d);
	return r.v;
}

static void test_nft(void **state)
{
	(void)state;
	const char *rs =
	    "table inet filter {\n"
	    "\tchain output {\n"
	    "\t\ttype filter hook output priority filter; policy accept;\n"
	    "\t\tip daddr 169.254.169.254 meta skuid != 0 counter packets 3 bytes "
	    "180 drop\n"
	    "\t\tip6 daddr { fd00:ec2::254, fd00:ec2::253 } skuid >= 1000 reject\n"
	    "\t}\n"
	    "}\n"
	    "table ip nat {\n\tchain prerouting {\n\t\ttype nat hook prerouting "
	    "priority dstnat; policy accept;\n\t\tip daddr 169.254.169.254 drop\n\t}\n}\n";
	assert_int_equal(nft(rs, MM_AF_INET, "169.254.169.254", 1000), FW_DROP);
	assert_int_equal(nft(rs, MM_AF_INET, "169.254.169.254", 0), FW_ACCEPT);
	assert_int_equal(nft(rs, MM_AF_INET6, "fd00:ec2::254", 1000), FW_DROP);
	assert_int_equal(nft(rs, MM_AF_INET6, "fd00:ec2::254", 33), FW_ACCEPT);
	/* A base chain that is not on the output hook does not count. */
	assert_int_equal(nft("table ip f {\n chain input {\n type filter hook input priority 0; "
			     "policy drop;\n }\n}\n",
			     MM_AF_INET, "169.254.169.254", 1000),
			 FW_ACCEPT);
	/* iptables-nft compatibility matches nft cannot show: undecidable. */
	assert_int_equal(nft("table ip filter {\n chain OUTPUT {\n type filter hook output "
			     "priority filter; policy accept;\n ip daddr 169.254.169.254 xt match "
			     "\"owner\" counter packets 0 bytes 0 drop\n }\n}\n",
			     MM_AF_INET, "169.254.169.254", 1000),
			 FW_UNKNOWN);
}

static void test_routes(void **state)
{
	(void)state;
	struct arena a;
	struct mm_diags d = { 0 };
	arena_init(&a);
	struct hroutes rt = { 0 };
	const char *r4 = "default via 10.0.0.1 dev eth0\n"
			 "169.254.169.254 dev eth0 scope link\n"
			 "blackhole 169.254.169.254 table 200\n"
			 "unreachable 169.254.0.0/16 table main\n"
			 "garbage-destination dev eth0\n";
	assert_int_equal(hroutes_parse(&a, &d, "r4", r4, strlen(r4), MM_AF_INET, &rt), MM_EPARSE);
	assert_int_equal(d.nr, 1);
	const struct hroute *ro;
	const struct hrule *ru;
	/* Main: the /32 unicast route is more specific than the /16 reject. */
	assert_int_equal(hroutes_lookup(&rt, MM_AF_INET, addr("169.254.169.254"), 1000, &ro, &ru),
			 RT_REACH);
	assert_int_equal(hroutes_lookup(&rt, MM_AF_INET, addr("169.254.1.1"), 1000, &ro, &ru),
			 RT_BLOCKED);
	assert_string_equal(ro->src, "r4:4");
	/* Table 200 is used for users through a uidrange rule. */
	const char *rules = "0:\tfrom all lookup local\n"
			    "900:\tfrom all fwmark 0x10 lookup 300\n"
			    "1000:\tfrom all to 169.254.169.254 uidrange 1000-60000 lookup 200\n"
			    "32766:\tfrom all lookup main\n"
			    "32767:\tfrom all lookup default\n";
	assert_int_equal(
	    hroutes_parse_rules(&a, &d, "rules", rules, strlen(rules), MM_AF_INET, &rt), 0);
	assert_int_equal(hroutes_lookup(&rt, MM_AF_INET, addr("169.254.169.254"), 1000, &ro, &ru),
			 RT_UNKNOWN); /* the fwmark rule may apply first */
	rt.rules[1].other = false;
	rt.rules[1].has_uid = true; /* make it a rule for nobody we ask about */
	rt.rules[1].uid_lo = rt.rules[1].uid_hi = 4;
	assert_int_equal(hroutes_lookup(&rt, MM_AF_INET, addr("169.254.169.254"), 1000, &ro, &ru),
			 RT_BLOCKED);
	assert_string_equal(ru->src, "rules:3");
	assert_int_equal(hroutes_lookup(&rt, MM_AF_INET, addr("169.254.169.254"), 33, &ro, &ru),
			 RT_REACH);
	/* /proc/net/route: RTF_REJECT (0x0200) marks `route add ... reject`. */
	struct hroutes pr = { 0 };
	const char *proc = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
			   "eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\n"
			   "-\tFEA9FEA9\t00000000\t0201\t0\t0\t0\tFFFFFFFF\n";
	assert_int_equal(hroutes_parse_proc(&a, &d, "/proc/net/route", proc, strlen(proc), &pr), 0);
	assert_int_equal(hroutes_lookup(&pr, MM_AF_INET, addr("169.254.169.254"), 1000, &ro, &ru),
			 RT_BLOCKED);
	assert_int_equal(hroutes_lookup(&pr, MM_AF_INET, addr("8.8.8.8"), 1000, &ro, &ru),
			 RT_REACH);
	hroutes_release(&pr);
	hroutes_release(&rt);
	arena_release(&a);
	mm_diags_release(&d);
}

static const struct finding *run(const char *fixture, const char *rule, struct findings *fs,
				 struct host_catalog *cat, struct mm_diags *d)
{
	const char *root = host_fixture(fixture);
	if (!root)
		fail_msg("fixture %s not found", fixture);
	struct mm_err e = { 0 };
	assert_int_equal(host_catalog_load(cat, &e), 0);
	struct host_opts o = { .root = root, .passed = true, .checks = HOST_CHECK_IMDS };
	struct host_stats st;
	findings_init(fs);
	assert_int_equal(host_run(&o, cat, fs, d, &st, &e), 0);
	return find_rule(fs, rule, NULL);
}

static void done(struct findings *fs, struct host_catalog *cat, struct mm_diags *d)
{
	findings_release(fs);
	host_catalog_release(cat);
	mm_diags_release(d);
}

static void test_fixtures(void **state)
{
	(void)state;
	struct findings fs;
	struct host_catalog cat;
	struct mm_diags d = { 0 };
	const struct finding *f = run("imds-owner", "host-imds-user-access", &fs, &cat, &d);
	assert_int_equal(f->status, MM_ST_PASS);
	assert_true(has_evidence(f, "/.mamori/iptables-save.txt:18", "REJECT"));
	f = find_rule(&fs, "host-imds-ipv6-user-access", NULL);
	assert_int_equal(f->status, MM_ST_UNKNOWN); /* no IPv6 data at all */
	done(&fs, &cat, &d);

	/* Only uid 1000 is dropped: www-data (uid 33) still reaches it. */
	f = run("imds-open", "host-imds-user-access", &fs, &cat, &d);
	assert_int_equal(f->status, MM_ST_FAIL);
	assert_int_equal(f->sev, MM_SEV_HIGH);
	assert_non_null(strstr(f->message, "'www-data', uid 33"));
	done(&fs, &cat, &d);

	f = run("imds-route", "host-imds-user-access", &fs, &cat, &d);
	assert_int_equal(f->status, MM_ST_PASS);
	assert_non_null(strstr(f->message, "root is blocked too"));
	assert_true(has_evidence(f, "/.mamori/ip-route-show-table-all.txt:3", "unreachable"));
	f = find_rule(&fs, "host-imds-ipv6-user-access", NULL);
	assert_int_equal(f->status, MM_ST_PASS);
	assert_true(has_evidence(f, "ip6-route-show-table-all.txt:1", "table 100"));
	done(&fs, &cat, &d);

	/* Persisted nftables.conf: IPv4 dropped for non-root; IPv6 has a
	 * mark-based accept we cannot decide. */
	f = run("imds-nft", "host-imds-user-access", &fs, &cat, &d);
	assert_int_equal(f->status, MM_ST_PASS);
	assert_true(has_evidence(f, "/etc/nftables.conf:17", "skuid != 0"));
	f = find_rule(&fs, "host-imds-ipv6-user-access", NULL);
	assert_int_equal(f->status, MM_ST_UNKNOWN);
	done(&fs, &cat, &d);
}

/* ---- a fake metadata service on 127.0.0.1 ---- */

struct fake {
	int fd;
	int port;
	bool v1; /* answer token-less GETs */
	volatile int stop;
	int served;
};

static void *serve(void *arg)
{
	struct fake *fk = arg;
	while (!fk->stop) {
		struct pollfd p = { .fd = fk->fd, .events = POLLIN };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int c = accept(fk->fd, NULL, NULL);
		if (c < 0)
			continue;
		char req[2048];
		ssize_t n = recv(c, req, sizeof(req) - 1, 0);
		req[n > 0 ? n : 0] = '\0';
		const char *resp;
		if (!strncmp(req, "PUT /latest/api/token", 21) &&
		    strstr(req, "X-aws-ec2-metadata-token-ttl-seconds:"))
			resp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nTOKEN";
		else if (!strncmp(req, "GET /latest/meta-data/", 22) &&
			 strstr(req, "X-aws-ec2-metadata-token: TOKEN"))
			resp = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nami-id\r\n";
		else if (!strncmp(req, "GET /latest/meta-data/", 22) && fk->v1)
			resp = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nami-id\r\n";
		else
			resp = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
		ssize_t w = send(c, resp, strlen(resp), MSG_NOSIGNAL);
		(void)w;
		close(c);
		fk->served++;
	}
	return NULL;
}

static void fake_start(struct fake *fk, pthread_t *th)
{
	fk->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fk->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fk->fd, 16), 0);
	socklen_t sl = sizeof(sa);
	getsockname(fk->fd, (struct sockaddr *)&sa, &sl);
	fk->port = ntohs(sa.sin_port);
	pthread_create(th, NULL, serve, fk);
}

static void fake_stop(struct fake *fk, pthread_t th)
{
	fk->stop = 1;
	pthread_join(th, NULL);
	close(fk->fd);
}

static void test_probe(void **state)
{
	(void)state;
	for (int v1 = 0; v1 <= 1; v1++) {
		struct fake fk = { .v1 = v1 };
		pthread_t th;
		fake_start(&fk, &th);
		char ep[64];
		snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", fk.port);
		struct imds_probe p;
		struct mm_err e = { 0 };
		assert_int_equal(imds_probe_run(ep, 2000, true, &p, &e), 0);
		assert_true(p.reachable);
		assert_int_equal(p.token_status, 200);
		assert_int_equal(p.v2_status, 200);
		assert_int_equal(p.v1_status, v1 ? 200 : 401);
		if (geteuid() == 0) {
			assert_true(p.as_nobody);
			assert_int_equal(p.nobody_status, 200); /* nothing blocks loopback */
		}

		/* Through host_run: the finding. */
		struct host_catalog cat;
		struct findings fs;
		struct mm_diags d = { 0 };
		assert_int_equal(host_catalog_load(&cat, &e), 0);
		findings_init(&fs);
		char *root = troot_new();
		struct host_opts o = { .root = root,
				       .passed = true,
				       .checks = HOST_CHECK_IMDS,
				       .imds_probe = true,
				       .imds_endpoint = ep };
		struct host_stats st;
		assert_int_equal(host_run(&o, &cat, &fs, &d, &st, &e), 0);
		const struct finding *f = find_rule(&fs, "host-imds-v1", NULL);
		assert_non_null(f);
		assert_int_equal(f->status, v1 ? MM_ST_FAIL : MM_ST_PASS);
		assert_true(has_evidence(f, ep, "without token: HTTP"));
		fake_stop(&fk, th);
		findings_release(&fs);
		host_catalog_release(&cat);
		mm_diags_release(&d);
		troot_rm(root);
		free(root);
	}
	/* Nothing listening: unknown, not "IMDSv2 required". */
	struct imds_probe p;
	struct mm_err e = { 0 };
	assert_int_equal(imds_probe_run("http://127.0.0.1:1", 500, false, &p, &e), 0);
	assert_false(p.reachable);
	assert_int_equal(imds_probe_run("http://metadata.example", 500, false, &p, &e), 0);
	assert_false(p.reachable);
	assert_true(imds_probe_run("https://127.0.0.1", 500, false, &p, &e) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iptables_owner), cmocka_unit_test(test_nft),
		cmocka_unit_test(test_routes),	       cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
