/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori portscan TARGET: which ports of a host the user names really answer
 * (src/scan/), and, with --expect SNAPSHOT --instance ID or --expect-ports
 * LIST, how that compares with what the configuration says should answer
 * (src/reach/ for the snapshot). This file owns the options, the safety
 * checks on what may be scanned, the renderers and the exit code.
 *
 * Exit: 0 ran (and, when comparing, nothing open that is not expected);
 * 1 an open port that is not expected; 2 usage or input error (bad option,
 * target or port list, unresolvable name, a block larger than a /24 without
 * --i-own-these, unreadable snapshot, unknown instance); 3 runtime error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cmd.h"
#include "progress.h"
#include "aws/snapshot.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "reach/reach.h"
#include "scan/expect.h"
#include "scan/scan.h"
#include "base/banned.h"

#define usage_error(...) cmd_usage_error("portscan", __VA_ARGS__)

#define BLOCK_LIMIT 256 /* addresses scanned without --i-own-these: a /24 */

static const char portscan_usage[] =
    "usage: mamori portscan TARGET [options]\n"
    "\n"
    "Scan the TCP (and with --udp, UDP) ports of TARGET and show which answer:\n"
    "open, closed (refused) or filtered (no answer / ICMP unreachable), as nmap\n"
    "defines them. TARGET is an address, a host name (resolved once, first\n"
    "address) or a CIDR block of at most 256 addresses. Scan only hosts you own\n"
    "or are allowed to test.\n"
    "\n"
    "options:\n"
    "  -p, --ports RANGES     ports in nmap syntax: 22,80,1000-2000, -100, 60000-,\n"
    "                         - (all), T:/U: prefixes (default: all TCP ports;\n"
    "                         with --udp and no -p, the well-known UDP ports)\n"
    "      --udp              ports without a prefix are UDP (open|filtered when\n"
    "                         nothing answers: silence proves nothing for UDP)\n"
    "      --timeout MS       longest wait for one answer, also the first (default\n"
    "                         1000); shortened from the measured round-trip time\n"
    "      --retries N        tries again for ports that stayed silent (default 1)\n"
    "      --rate PPS         at most PPS probes a second (default: no limit)\n"
    "      --max-parallel N   probes in flight at once (default: as many as the\n"
    "                         open-file limit allows, at most 16384)\n"
    "      --syn              TCP SYN scan through a raw socket (root or\n"
    "                         CAP_NET_RAW): same states, no full connection\n"
    "      --banner           read what open TCP ports say first (service hint)\n"
    "  -4, -6                 resolve TARGET to an IPv4 / IPv6 address only\n"
    "      --all              list closed and filtered ports too\n"
    "  -f, --format FMT       text or json (default text)\n"
    "      --i-own-these      allow a block larger than a /24\n"
    "\n"
    "comparing with the configuration:\n"
    "      --expect DIR       snapshot directory: ports reach says are reachable\n"
    "      --instance ID      the instance TARGET is (with --expect)\n"
    "      --from ORIGIN      where this scan runs from: internet (default),\n"
    "                         peering, or the scanner's address as the target\n"
    "                         sees it (a port counts when that address may reach it)\n"
    "      --expect-ports L   expected open ports, nmap syntax (instead of --expect)\n"
    "  -h, --help             show this help\n"
    "\n"
    "exit status: 0 ran, 1 an open port not expected (when comparing), 2 usage or\n"
    "input error, 3 runtime error\n";

struct ps_cli {
	const char *target, *ports, *format;
	bool udp, all, own, json;
	enum mm_family family;
	struct scan_opts o;
	const char *expect_dir, *instance, *from, *expect_ports;
};

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end || errno || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct ps_cli *c)
{
	enum {
		OPT_UDP = 256,
		OPT_TIMEOUT,
		OPT_RETRIES,
		OPT_RATE,
		OPT_PARALLEL,
		OPT_SYN,
		OPT_BANNER,
		OPT_ALL,
		OPT_OWN,
		OPT_EXPECT,
		OPT_INSTANCE,
		OPT_FROM,
		OPT_EXPECT_PORTS,
	};
	static const struct option longopts[] = {
		{ "ports", required_argument, NULL, 'p' },
		{ "udp", no_argument, NULL, OPT_UDP },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "max-parallel", required_argument, NULL, OPT_PARALLEL },
		{ "syn", no_argument, NULL, OPT_SYN },
		{ "banner", no_argument, NULL, OPT_BANNER },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "format", required_argument, NULL, 'f' },
		{ "i-own-these", no_argument, NULL, OPT_OWN },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "instance", required_argument, NULL, OPT_INSTANCE },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "expect-ports", required_argument, NULL, OPT_EXPECT_PORTS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	opterr = 0;
	optind = 0;
	int ch;
	unsigned long v;
	while ((ch = getopt_long(argc, argv, ":p:f:h46", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			c->ports = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return usage_error("unknown format '%s' (available: text, json)",
						   optarg);
			c->format = optarg;
			break;
		case '4':
			c->family = MM_AF_INET;
			break;
		case '6':
			c->family = MM_AF_INET6;
			break;
		case 'h':
			fputs(portscan_usage, stdout);
			return EXIT_CLEAN;
		case OPT_UDP:
			c->udp = true;
			break;
		case OPT_TIMEOUT:
			if (parse_uint(optarg, 600000, &v) < 0 || !v)
				return usage_error("bad --timeout '%s' (expected milliseconds, "
						   "1-600000)",
						   optarg);
			c->o.timeout_ms = (unsigned)v;
			break;
		case OPT_RETRIES:
			if (parse_uint(optarg, 20, &v) < 0)
				return usage_error("bad --retries '%s' (expected 0-20)", optarg);
			c->o.retries = (int)v;
			break;
		case OPT_RATE:
			if (parse_uint(optarg, 100000000, &v) < 0 || !v)
				return usage_error("bad --rate '%s' (expected probes per second, "
						   "at least 1)",
						   optarg);
			c->o.rate = (unsigned)v;
			break;
		case OPT_PARALLEL:
			if (parse_uint(optarg, 1000000, &v) < 0 || !v)
				return usage_error("bad --max-parallel '%s' (expected a count, "
						   "at least 1)",
						   optarg);
			c->o.max_inflight = (unsigned)v;
			break;
		case OPT_SYN:
			c->o.syn = true;
			break;
		case OPT_BANNER:
			c->o.banner_ms = 1000;
			break;
		case OPT_ALL:
			c->all = true;
			break;
		case OPT_OWN:
			c->own = true;
			break;
		case OPT_EXPECT:
			c->expect_dir = optarg;
			break;
		case OPT_INSTANCE:
			c->instance = optarg;
			break;
		case OPT_FROM:
			c->from = optarg;
			break;
		case OPT_EXPECT_PORTS:
			c->expect_ports = optarg;
			break;
		default:
			return cmd_getopt_error("portscan", ch, argv);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "missing target (usage: mamori portscan TARGET)");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s' (one target only)", argv[optind + 1]);
	c->target = argv[optind];
	c->json = !strcmp(c->format, "json");
	if (c->expect_dir && c->expect_ports)
		return usage_error("%s", "--expect and --expect-ports exclude each other");
	if (c->expect_dir && !c->instance)
		return usage_error("%s", "--expect needs --instance ID (the instance TARGET is)");
	if (!c->expect_dir && (c->instance || c->from))
		return usage_error("%s", "--instance and --from only make sense with --expect");
	return -1;
}

/* Descriptors are the limit on probes in flight: take the hard limit. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576)
		rl.rlim_cur = 1048576;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* ---- notes: caveats printed on stderr (text) or carried in the JSON ---- */

struct notes {
	char **v;
	size_t nr, alloc;
};

__attribute__((format(printf, 2, 3))) static void note(struct notes *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(n->v, n->nr + 1, n->alloc);
	n->v[n->nr++] = strbuf_detach(&sb, NULL);
}

static void notes_release(struct notes *n)
{
	for (size_t i = 0; i < n->nr; i++)
		free(n->v[i]);
	free(n->v);
}

static void scan_notes(const struct ps_cli *c, const struct scan_target *t,
		       const struct scan_result *r, struct notes *n)
{
	if (t->other)
		note(n, "'%s' has %u more address%s (%s%s), not scanned", t->spec, t->other,
		     t->other == 1 ? "" : "es", t->other_first, t->other > 1 ? ", ..." : "");
	if (r->st.self_connects)
		note(n,
		     "%llu connection%s the kernel made to itself (source port = target port) "
		     "repeated: not open ports",
		     (unsigned long long)r->st.self_connects, r->st.self_connects == 1 ? "" : "s");
	if (r->nports > r->ntcp && r->st.count[SCAN_OPEN_FILTERED])
		note(n,
		     "%llu udp port%s gave no answer: open|filtered (a closed port answers "
		     "with ICMP port unreachable, which hosts rate-limit; an open service "
		     "may ignore an empty datagram)",
		     (unsigned long long)r->st.count[SCAN_OPEN_FILTERED],
		     r->st.count[SCAN_OPEN_FILTERED] == 1 ? "" : "s");
	(void)c;
}

/* ---- rendering ---- */

static bool listed(const struct ps_cli *c, const struct scan_result *r, uint64_t i)
{
	return c->all || r->state[i] == SCAN_OPEN;
}

static const char *service_of(const struct scan_result *r, uint64_t i)
{
	const struct scan_banner *b = scan_result_banner(r, i);
	if (b && b->hint)
		return b->hint;
	return scan_service_name(scan_result_proto(r, i), scan_result_port(r, i));
}

static void jstr(struct strbuf *sb, const char *s)
{
	if (s)
		strbuf_add_json_str(sb, s);
	else
		strbuf_addstr(sb, "null");
}

static void json_port_ref(struct strbuf *sb, const struct scan_expect_item *it)
{
	strbuf_addf(sb, "{\"port\":%u,\"protocol\":\"%s\",\"state\":", it->port,
		    scan_proto_name(it->proto));
	jstr(sb, it->state ? scan_state_name(it->state) : NULL);
	strbuf_addstr(sb, ",\"service\":");
	jstr(sb, scan_service_name(it->proto, it->port));
	if (it->code) {
		strbuf_addstr(sb, ",\"reach\":");
		jstr(sb, it->code);
		strbuf_addstr(sb, ",\"detail\":");
		jstr(sb, it->detail);
	}
	if (it->some_sources)
		strbuf_addstr(sb, ",\"sources\":\"some\"");
	strbuf_addch(sb, '}');
}

static void render_json(struct strbuf *sb, const struct ps_cli *c, const struct scan_target *t,
			const struct scan_result *r, const struct notes *n,
			const struct scan_expect *x)
{
	char buf[64];
	bool multi = t->count > 1;
	strbuf_addstr(sb, "{\"target\":");
	jstr(sb, t->spec);
	strbuf_addstr(sb, ",\"address\":");
	jstr(sb, scan_target_fmt(t, buf));
	strbuf_addstr(sb, ",\"ports\":[");
	bool first = true;
	for (uint64_t i = 0; i < r->nhosts * r->nports; i++) {
		if (!listed(c, r, i))
			continue;
		if (!first)
			strbuf_addch(sb, ',');
		first = false;
		strbuf_addch(sb, '{');
		if (multi) {
			strbuf_addstr(sb, "\"address\":");
			jstr(sb, mm_addr_fmt(t->family, scan_target_addr(t, i / r->nports), buf));
			strbuf_addch(sb, ',');
		}
		enum scan_proto p = scan_result_proto(r, i);
		strbuf_addf(sb,
			    "\"port\":%u,\"protocol\":\"%s\",\"state\":\"%s\",\"reason\":\"%s\"",
			    scan_result_port(r, i), scan_proto_name(p),
			    scan_state_name(r->state[i]), scan_reason_name(r->reason[i]));
		strbuf_addstr(sb, ",\"service\":");
		jstr(sb, service_of(r, i));
		if (c->o.banner_ms) {
			const struct scan_banner *b = scan_result_banner(r, i);
			strbuf_addstr(sb, ",\"banner\":");
			jstr(sb, b ? b->text : NULL);
		}
		strbuf_addch(sb, '}');
		if (sb->len > (1u << 20)) {
			fwrite(sb->buf, 1, sb->len, stdout);
			strbuf_reset(sb);
		}
	}
	const struct scan_stats *st = &r->st;
	strbuf_addf(sb,
		    "],\"summary\":{\"hosts\":%llu,\"ports\":%llu,\"tcp_ports\":%llu,"
		    "\"udp_ports\":%llu,\"open\":%llu,\"closed\":%llu,\"filtered\":%llu,"
		    "\"open_filtered\":%llu,\"method\":\"%s\",\"probes\":%llu,\"retries\":%llu,"
		    "\"self_connects\":%llu,\"max_parallel\":%u,\"rtt_us\":%u,\"timeout_ms\":%u,"
		    "\"elapsed_ms\":%llu}",
		    (unsigned long long)r->nhosts, (unsigned long long)r->nports,
		    (unsigned long long)r->ntcp, (unsigned long long)(r->nports - r->ntcp),
		    (unsigned long long)st->count[SCAN_OPEN],
		    (unsigned long long)st->count[SCAN_CLOSED],
		    (unsigned long long)st->count[SCAN_FILTERED],
		    (unsigned long long)st->count[SCAN_OPEN_FILTERED], st->method,
		    (unsigned long long)st->probes, (unsigned long long)st->retries,
		    (unsigned long long)st->self_connects, st->max_inflight, st->srtt_us,
		    st->timeout_ms, (unsigned long long)(st->elapsed_us / 1000));
	if (x) {
		strbuf_addstr(sb, ",\"expect\":{\"source\":");
		jstr(sb, x->source);
		strbuf_addstr(sb, ",\"instance\":");
		jstr(sb, x->instance);
		strbuf_addstr(sb, ",\"origin\":");
		jstr(sb, x->origin);
		strbuf_addf(sb, ",\"complete\":%s", x->unknown.nr ? "false" : "true");
		static const char *const keys[SCAN_X_COUNT] = { "open_expected", "open_unexpected",
								"expected_closed", "undetermined" };
		for (int l = 0; l < SCAN_X_COUNT; l++) {
			strbuf_addf(sb, ",\"%s\":[", keys[l]);
			for (size_t i = 0; i < x->n[l]; i++) {
				if (i)
					strbuf_addch(sb, ',');
				json_port_ref(sb, &x->v[l][i]);
			}
			strbuf_addch(sb, ']');
		}
		strbuf_addstr(sb, ",\"unknown\":[");
		for (size_t i = 0; i < x->unknown.nr; i++) {
			if (i)
				strbuf_addch(sb, ',');
			jstr(sb, x->unknown.v[i]);
		}
		strbuf_addstr(sb, "]}");
	}
	strbuf_addstr(sb, ",\"notes\":[");
	for (size_t i = 0; i < n->nr; i++) {
		if (i)
			strbuf_addch(sb, ',');
		jstr(sb, n->v[i]);
	}
	strbuf_addstr(sb, "]}\n");
}

/* Printable, bounded: banners and names come from outside. */
static void text_safe(struct strbuf *sb, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];
		strbuf_addch(sb, ch >= 0x20 && ch < 0x7f ? ch : '?');
	}
}

static void render_text(struct strbuf *sb, const struct ps_cli *c, const struct scan_target *t,
			const struct scan_result *r, const struct scan_expect *x)
{
	char buf[64];
	const struct scan_stats *st = &r->st;
	strbuf_addstr(sb, "portscan ");
	text_safe(sb, t->spec, 256);
	if (t->is_name)
		strbuf_addf(sb, " (%s)", scan_target_fmt(t, buf));
	strbuf_addf(sb, ": %llu host%s, %zu tcp + %zu udp port%s, %s scan, %.2f s\n",
		    (unsigned long long)r->nhosts, r->nhosts == 1 ? "" : "s", r->ntcp,
		    r->nports - r->ntcp, r->nports == 1 ? "" : "s", st->method,
		    (double)st->elapsed_us / 1e6);
	uint64_t last_host = UINT64_MAX;
	size_t shown = 0;
	for (uint64_t i = 0; i < r->nhosts * r->nports; i++) {
		if (!listed(c, r, i))
			continue;
		uint64_t h = i / r->nports;
		if (h != last_host) {
			if (t->count > 1)
				strbuf_addf(sb, "\n%s\n",
					    mm_addr_fmt(t->family, scan_target_addr(t, h), buf));
			else
				strbuf_addch(sb, '\n');
			strbuf_addf(sb, "%-11s %-14s %-14s %s\n", "PORT", "STATE", "SERVICE",
				    c->o.banner_ms ? "REASON        BANNER" : "REASON");
			last_host = h;
		}
		snprintf(buf, sizeof(buf), "%u/%s", scan_result_port(r, i),
			 scan_proto_name(scan_result_proto(r, i)));
		const char *svc = service_of(r, i);
		strbuf_addf(sb, "%-11s %-14s %-14s %-13s", buf, scan_state_name(r->state[i]),
			    svc ? svc : "-", scan_reason_name(r->reason[i]));
		const struct scan_banner *b = c->o.banner_ms ? scan_result_banner(r, i) : NULL;
		if (b) {
			strbuf_addch(sb, ' ');
			text_safe(sb, b->text, 120);
		}
		while (sb->len && sb->buf[sb->len - 1] == ' ')
			sb->len--;
		sb->buf[sb->len] = '\0';
		strbuf_addch(sb, '\n');
		shown++;
		if (sb->len > (1u << 20)) {
			fwrite(sb->buf, 1, sb->len, stdout);
			strbuf_reset(sb);
		}
	}
	if (!shown)
		strbuf_addstr(sb, "\nno open port\n");
	strbuf_addf(sb, "\n%llu open, %llu closed, %llu filtered",
		    (unsigned long long)st->count[SCAN_OPEN],
		    (unsigned long long)st->count[SCAN_CLOSED],
		    (unsigned long long)st->count[SCAN_FILTERED]);
	if (r->nports > r->ntcp)
		strbuf_addf(sb, ", %llu open|filtered",
			    (unsigned long long)st->count[SCAN_OPEN_FILTERED]);
	if (!c->all && st->count[SCAN_OPEN] < r->nhosts * r->nports)
		strbuf_addstr(sb, " (only open ports listed; --all lists every port)");
	strbuf_addch(sb, '\n');
	if (!x)
		return;
	strbuf_addf(sb, "\nexpected open (%s", x->source);
	if (x->instance)
		strbuf_addf(sb, ", instance %s", x->instance);
	if (x->origin)
		strbuf_addf(sb, ", from %s", x->origin);
	strbuf_addstr(sb, "):\n");
	static const char *const titles[SCAN_X_COUNT] = {
		"open and expected",
		"open but not expected (investigate: the configuration says it cannot be "
		"reached, so the model or the data is incomplete)",
		"expected but not open (the rule allows a port nothing answers on: "
		"candidate to remove)",
		"expected, state undetermined (udp open|filtered)",
	};
	for (int l = 0; l < SCAN_X_COUNT; l++) {
		if (l == SCAN_X_UNDETERMINED && !x->n[l])
			continue;
		const char *title = titles[l];
		if (l == SCAN_X_OPEN_UNEXPECTED && x->rx == NULL)
			title = "open but not in the expected list (investigate)";
		else if (l == SCAN_X_EXPECTED_CLOSED && x->rx == NULL)
			title = "expected but not open";
		strbuf_addf(sb, "  %s: %zu\n", title, x->n[l]);
		for (size_t i = 0; i < x->n[l]; i++) {
			const struct scan_expect_item *it = &x->v[l][i];
			const char *svc = scan_service_name(it->proto, it->port);
			snprintf(buf, sizeof(buf), "%u/%s", it->port, scan_proto_name(it->proto));
			strbuf_addf(sb, "    %-11s %-14s %s", buf,
				    it->state ? scan_state_name(it->state) : "not scanned",
				    svc ? svc : "-");
			if (it->code)
				strbuf_addf(sb, "  [%s] %s", it->code,
					    it->detail ? it->detail : "");
			if (it->some_sources)
				strbuf_addstr(sb, "  (allowed from some sources only)");
			strbuf_addch(sb, '\n');
		}
	}
	for (size_t i = 0; i < x->unknown.nr; i++)
		strbuf_addf(sb, "  unknown: %s\n", x->unknown.v[i]);
}

/* ---- expectations ---- */

/* Expected ports from the snapshot (m and *rx stay alive for the per-port
 * verdicts); returns an exit code, or -1 to go on. */
static int expect_from_snapshot(const struct ps_cli *c, const struct scan_target *t,
				struct mm_model *m, struct reach_ctx **rx, struct scan_expect *x)
{
	struct stat sst;
	if (stat(c->expect_dir, &sst) < 0) {
		fprintf(stderr, "mamori: portscan: cannot read snapshot '%s': %s\n", c->expect_dir,
			strerror(errno));
		return EXIT_USAGE;
	}
	struct mm_err e = { 0 };
	struct scan_origin from;
	if (scan_origin_parse(c->from ? c->from : "internet", &from, &e) < 0)
		return usage_error("%s", e.msg);
	struct progress *bar = progress_start("loading", PROGRESS_BYTES, false);
	struct snapshot_opts sopts = { .on_progress = progress_fn(bar), .progress_arg = bar };
	int lrc = snapshot_load(m, c->expect_dir, &sopts, &e);
	progress_stop(bar);
	if (lrc < 0) {
		fprintf(stderr, "mamori: portscan: %s\n", e.msg);
		return EXIT_USAGE;
	}
	if (!m->files_loaded) {
		fprintf(stderr,
			"mamori: portscan: no snapshot file loaded from '%s' (%zu failed, %zu "
			"skipped): expected AWS CLI JSON output (.json or .json.gz)\n",
			c->expect_dir, m->files_failed, m->files_skipped);
		cmd_print_diags("portscan", &m->diags, 10);
		return EXIT_USAGE;
	}
	cmd_print_diags("portscan", &m->diags, 10);
	*rx = reach_new(m);
	if (scan_expect_reach(*rx, c->instance, &from, t->family, t->first, x, &e) < 0) {
		fprintf(stderr, "mamori: portscan: %s\n", e.msg);
		return e.code == MM_ENOTFOUND || e.code == MM_EUSAGE ? EXIT_USAGE : EXIT_RUNTIME;
	}
	return -1;
}

int cmd_portscan(int argc, char **argv, const struct cmd_ctx *ctx)
{
	(void)ctx;
	struct ps_cli c = { .format = "text", .o = SCAN_OPTS_INIT };
	int rc = parse_args(argc, argv, &c);
	if (rc >= 0)
		return rc;

	struct mm_err e = { 0 };
	struct scan_portset tcp, udp;
	const char *spec = c.ports;
	if (!spec)
		spec = c.udp ? NULL : "1-65535";
	if (spec) {
		if (scan_ports_parse(spec, c.udp ? SCAN_UDP : SCAN_TCP, &tcp, &udp, &e) < 0)
			return usage_error("%s", e.msg);
	} else {
		scan_portset_clear(&tcp);
		scan_expect_default_udp(&udp);
	}
	if (udp.count && !c.udp)
		return usage_error("port list '%s' names udp ports: add --udp to scan them "
				   "(udp is opt-in)",
				   spec);

	struct scan_target t;
	rc = scan_target_parse(c.target, c.family, &t, &e);
	if (rc < 0) {
		fprintf(stderr, "mamori: portscan: %s\n", e.msg);
		return EXIT_USAGE;
	}
	if (t.count > BLOCK_LIMIT && !c.own) {
		fprintf(stderr,
			"mamori: portscan: target '%s' covers %llu addresses, more than a /24: "
			"scan only what you own, and confirm with --i-own-these\n",
			c.target, (unsigned long long)t.count);
		return EXIT_USAGE;
	}
	if ((c.expect_dir || c.expect_ports) && t.count > 1)
		return usage_error("%s", "--expect and --expect-ports compare one host: name an "
					 "address, not a block");

	struct scan_expect x;
	scan_expect_init(&x);
	struct mm_model m;
	mm_model_init(&m);
	struct reach_ctx *rx = NULL;
	struct notes n = { 0 };
	struct scan_result r = { 0 };
	struct strbuf out = STRBUF_INIT;
	bool comparing = c.expect_dir || c.expect_ports;
	if (c.expect_ports) {
		struct scan_portset et, eu;
		if (scan_ports_parse(c.expect_ports, c.udp ? SCAN_UDP : SCAN_TCP, &et, &eu, &e) <
		    0) {
			rc = usage_error("--expect-ports: %s", e.msg);
			goto out;
		}
		scan_expect_from_ports(&x, &et, &eu);
	} else if (c.expect_dir) {
		rc = expect_from_snapshot(&c, &t, &m, &rx, &x);
		if (rc >= 0)
			goto out;
	}

	raise_nofile();
	struct progress *bar = progress_start("scanning", PROGRESS_ITEMS, false);
	c.o.on_progress = progress_fn(bar);
	c.o.progress_arg = bar;
	int scan_rc = scan_run(&t, &tcp, &udp, &c.o, &r, &e);
	progress_stop(bar);
	if (scan_rc < 0) {
		fprintf(stderr, "mamori: portscan: %s\n", e.msg);
		rc = e.code == MM_EUSAGE ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	scan_notes(&c, &t, &r, &n);
	if (comparing) {
		scan_expect_diff(&x, &r);
		for (size_t i = 0; i < x.notes.nr; i++)
			note(&n, "%s", x.notes.v[i]);
	}
	if (c.json) {
		render_json(&out, &c, &t, &r, &n, comparing ? &x : NULL);
	} else {
		for (size_t i = 0; i < n.nr; i++)
			fprintf(stderr, "mamori: portscan: note: %s\n", n.v[i]);
		render_text(&out, &c, &t, &r, comparing ? &x : NULL);
	}
	if (fwrite(out.buf, 1, out.len, stdout) != out.len || fflush(stdout)) {
		fprintf(stderr, "mamori: portscan: cannot write the report: %s\n", strerror(errno));
		rc = EXIT_RUNTIME;
		goto out;
	}
	rc = comparing && x.n[SCAN_X_OPEN_UNEXPECTED] ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	strbuf_release(&out);
	scan_result_release(&r);
	scan_expect_release(&x);
	reach_free(rx);
	mm_model_release(&m);
	notes_release(&n);
	return rc;
}
