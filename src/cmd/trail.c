/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori trail PATH...: CloudTrail risk detection (src/trail/). This file owns
 * the options, where alerts and diagnostics are printed, and the exit code.
 *
 * Alerts go to stdout (or -o FILE) as they are released, in event-time
 * order: NDJSON with --format jsonl, one OCSF Detection Finding per line
 * with --format ocsf (docs/formats.md), a few lines each with --format text
 * (the default when stdout is a terminal; jsonl otherwise). Problems with
 * the input (a missing file, a corrupt record) go to stderr with the file
 * and byte offset, and the run goes on; the summary on stderr says how many
 * records were skipped.
 *
 * Exit: 0 ran (no alert at or above --fail-on); 1 alerts at or above
 * --fail-on; 2 usage or input error (bad option, policy or rule file, no
 * input readable); 3 runtime error (cannot write the output).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "progress.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "report/formats.h"
#include "report/report.h"
#include "trail/trail.h"
#include "base/banned.h"

#define usage_error(...) cmd_usage_error("trail", __VA_ARGS__)

static const char trail_usage[] =
    "usage: mamori trail [options] PATH...\n"
    "\n"
    "Find risky actions in CloudTrail logs: who did what, when, from where.\n"
    "PATH is a file, a directory (read recursively: the S3 layout\n"
    "AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz works) or - for\n"
    "stdin. Files may be gzipped; {\"Records\":[...]}, arrays, NDJSON, single\n"
    "events, EventBridge envelopes and lookup-events output are recognised.\n"
    "\n"
    "options:\n"
    "  -f, --format FMT        text, jsonl, ocsf (OCSF 1.3.0 Detection Finding per\n"
    "                          line) or asff (one Security Hub array at the end;\n"
    "                          not with --follow); default: text on a terminal,\n"
    "                          else jsonl\n"
    "  -o, --output FILE       write alerts to FILE\n"
    "  -p, --policy FILE       approved regions and images, ports allowed open to the\n"
    "                          world, bursts, rule overrides (docs/trail.md)\n"
    "  -r, --rules FILE|DIR    also load Sigma or Falco rules (repeatable)\n"
    "      --no-builtin        do not load the built-in rules\n"
    "      --follow            keep reading: watch directories for new files, tail\n"
    "                          files and stdin; stop with Ctrl-C\n"
    "      --idle-exit SEC     with --follow: stop after SEC seconds without input\n"
    "      --reorder-window SEC  how late a record may arrive and still be put in\n"
    "                          order (follow mode; default from the policy, 300)\n"
    "      --burst-threshold N   threshold of every burst in the policy\n"
    "      --fail-on SEV       exit 1 if an alert is at or above SEV: critical, high,\n"
    "                          medium, low, info, or none (default)\n"
    "      --threads N         reader threads for several files (default: CPUs)\n"
    "      --parser P          lazy (default) or dom (parse every record whole)\n"
    "      --list-rules        list the loaded rules and exit\n"
    "  -q, --quiet             no summary on stderr\n"
    "  -h, --help              show this help\n"
    "\n"
    "exit status: 0 ran, 1 alerts at or above --fail-on, 2 usage or input error,\n"
    "3 runtime error\n";

struct trail_cli {
	const char *format;
	const char *output;
	const char *policy;
	const char **rules;
	size_t nrules;
	bool no_builtin, follow, list_rules, quiet;
	double idle_exit;
	long long reorder_s; /* -1: policy */
	long long burst_thr; /* -1: policy */
	int fail_on;	     /* -1 none */
	unsigned threads;
	enum trail_parser parser;
};

struct sink {
	FILE *f;
	bool jsonl, ocsf, asff, color, flush;
	struct findings fs; /* --format asff: alerts kept for one JSON array */
	int fail_on;
	size_t failing;
	struct strbuf sb;
	int werr;
	size_t diag_printed;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int emit(void *ctx, const struct trail_alert *a)
{
	struct sink *s = ctx;
	progress_clear(); /* stdout may be the terminal the bar is on */
	if (s->fail_on >= 0 && (int)a->sev >= s->fail_on)
		s->failing++;
	if (s->asff) {
		trail_alert_finding(&s->fs, a);
		return 0;
	}
	strbuf_reset(&s->sb);
	if (s->ocsf)
		trail_alert_ocsf(&s->sb, a, MAMORI_VERSION);
	else if (s->jsonl)
		trail_alert_jsonl(&s->sb, a);
	else
		trail_alert_text(&s->sb, a, s->color);
	if (fwrite(s->sb.buf, 1, s->sb.len, s->f) != s->sb.len) {
		s->werr = errno ? errno : EIO;
		return -1;
	}
	if (s->flush && fflush(s->f)) {
		s->werr = errno;
		return -1;
	}
	return 0;
}

static void print_diag(const struct mm_diag *g)
{
	progress_clear();
	fprintf(stderr, "mamori: trail: %s: ", g->level == MM_DIAG_ERROR ? "error" : "warning");
	if (g->file && g->off >= 0)
		fprintf(stderr, "'%s' at offset %lld: ", g->file, g->off);
	else if (g->file)
		fprintf(stderr, "'%s': ", g->file);
	fprintf(stderr, "%s\n", g->msg);
}

#define MAX_DIAGS 100

static void progress(void *ctx, const struct mm_diags *d)
{
	struct sink *s = ctx;
	for (; s->diag_printed < d->nr; s->diag_printed++) {
		if (s->diag_printed == MAX_DIAGS)
			fprintf(stderr,
				"mamori: trail: ... further problems are counted, not listed\n");
		if (s->diag_printed < MAX_DIAGS)
			print_diag(&d->v[s->diag_printed]);
	}
}

static int parse_sev(const char *s, int *out)
{
	if (!strcasecmp(s, "none")) {
		*out = -1;
		return 0;
	}
	enum mm_sev v;
	if (mm_sev_parse(s, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_num(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct trail_cli *o, int *first)
{
	enum {
		O_NO_BUILTIN = 256,
		O_FOLLOW,
		O_IDLE,
		O_REORDER,
		O_BURST,
		O_FAIL_ON,
		O_THREADS,
		O_PARSER,
		O_LIST,
	};
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "policy", required_argument, NULL, 'p' },
		{ "rules", required_argument, NULL, 'r' },
		{ "no-builtin", no_argument, NULL, O_NO_BUILTIN },
		{ "follow", no_argument, NULL, O_FOLLOW },
		{ "idle-exit", required_argument, NULL, O_IDLE },
		{ "reorder-window", required_argument, NULL, O_REORDER },
		{ "burst-threshold", required_argument, NULL, O_BURST },
		{ "fail-on", required_argument, NULL, O_FAIL_ON },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "parser", required_argument, NULL, O_PARSER },
		{ "list-rules", no_argument, NULL, O_LIST },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	opterr = 0;
	optind = 0;
	int c;
	long long v;
	while ((c = getopt_long(argc, argv, ":f:o:p:r:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "jsonl") &&
			    strcmp(optarg, "ocsf") && strcmp(optarg, "asff"))
				return usage_error(
				    "unknown format '%s' (available: text, jsonl, ocsf, asff)",
				    optarg);
			o->format = optarg;
			break;
		case 'o':
			o->output = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'p':
			o->policy = optarg;
			break;
		case 'r':
			o->rules = xrealloc(o->rules, (o->nrules + 1) * sizeof(*o->rules));
			o->rules[o->nrules++] = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(trail_usage, stdout);
			return EXIT_CLEAN;
		case O_NO_BUILTIN:
			o->no_builtin = true;
			break;
		case O_FOLLOW:
			o->follow = true;
			break;
		case O_LIST:
			o->list_rules = true;
			break;
		case O_IDLE:
			if (parse_num(optarg, 1, 86400 * 365, &v) < 0)
				return usage_error("bad --idle-exit '%s' (seconds, at least 1)",
						   optarg);
			o->idle_exit = (double)v;
			break;
		case O_REORDER:
			if (parse_num(optarg, 0, 86400, &v) < 0)
				return usage_error("bad --reorder-window '%s' (seconds, 0-86400)",
						   optarg);
			o->reorder_s = v;
			break;
		case O_BURST:
			if (parse_num(optarg, 2, 1000000, &v) < 0)
				return usage_error("bad --burst-threshold '%s' (a number from 2)",
						   optarg);
			o->burst_thr = v;
			break;
		case O_FAIL_ON:
			if (parse_sev(optarg, &o->fail_on) < 0)
				return usage_error("bad --fail-on '%s' (expected critical, high, "
						   "medium, low, info or none)",
						   optarg);
			break;
		case O_THREADS:
			if (parse_num(optarg, 1, 64, &v) < 0)
				return usage_error("bad --threads '%s' (1-64)", optarg);
			o->threads = (unsigned)v;
			break;
		case O_PARSER:
			if (!strcmp(optarg, "lazy"))
				o->parser = TRAIL_PARSER_LAZY;
			else if (!strcmp(optarg, "dom"))
				o->parser = TRAIL_PARSER_DOM;
			else
				return usage_error("bad --parser '%s' (lazy or dom)", optarg);
			break;
		default:
			return cmd_getopt_error("trail", c, argv);
		}
	}
	*first = optind;
	if (o->follow && o->format && !strcmp(o->format, "asff"))
		return usage_error("%s", "--format asff is one array written at the end: not with "
					 "--follow (use ocsf to stream)");
	if (optind >= argc && !o->list_rules)
		return usage_error("%s", "missing PATH (a file, a directory, or - for stdin)");
	return -1;
}

static void list_rules(const struct trail_ruleset *rs, FILE *f)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		struct trail_rule_info ri;
		trail_ruleset_info(rs, i, &ri);
		fprintf(f, "%-8s %-8s %-3s %-44s %s  [%s; %s]\n", trail_engine_name(ri.engine),
			mm_sev_name(ri.sev), ri.enabled ? "on" : "off", ri.id, ri.title,
			ri.indexed_by ? ri.indexed_by : "-", ri.file);
	}
}

static void summary(const struct trail_stats *st, double secs, const struct sink *s)
{
	fprintf(stderr,
		"mamori: trail: %zu file%s, %llu events in %llu records, %llu record%s skipped "
		"(corrupt)",
		st->files, st->files == 1 ? "" : "s", (unsigned long long)st->events,
		(unsigned long long)st->records, (unsigned long long)st->records_skipped,
		st->records_skipped == 1 ? "" : "s");
	if (st->not_events)
		fprintf(stderr, ", %llu not CloudTrail events", (unsigned long long)st->not_events);
	if (st->files_failed)
		fprintf(stderr, ", %zu unreadable", st->files_failed);
	if (st->late)
		fprintf(stderr, ", %llu late", (unsigned long long)st->late);
	fprintf(stderr,
		"; %llu alert%s (%llu critical, %llu high, %llu medium, %llu low, %llu "
		"info)",
		(unsigned long long)st->alerts, st->alerts == 1 ? "" : "s",
		(unsigned long long)st->alerts_by_sev[MM_SEV_CRITICAL],
		(unsigned long long)st->alerts_by_sev[MM_SEV_HIGH],
		(unsigned long long)st->alerts_by_sev[MM_SEV_MEDIUM],
		(unsigned long long)st->alerts_by_sev[MM_SEV_LOW],
		(unsigned long long)st->alerts_by_sev[MM_SEV_INFO]);
	if (s->fail_on >= 0)
		fprintf(stderr, ", %zu at or above %s", s->failing, mm_sev_name(s->fail_on));
	if (getenv("MAMORI_TRAIL_TIMING"))
		fprintf(stderr, " in %.3f s", secs);
	fprintf(stderr, "\n");
}

int cmd_trail(int argc, char **argv, const struct cmd_ctx *ctx)
{
	struct trail_cli o = { .reorder_s = -1, .burst_thr = -1, .fail_on = -1 };
	int first = 0;
	int rc = parse_args(argc, argv, &o, &first);
	if (rc >= 0) {
		free(o.rules);
		return rc;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	struct trail_policy pol;
	struct trail_ruleset rs;
	struct mm_diags d = { 0 };
	struct mm_err e = { 0 };
	struct sink s = { .fail_on = o.fail_on };
	strbuf_init(&s.sb, 4096);
	findings_init(&s.fs);
	trail_ruleset_init(&rs);
	int prc = o.policy ? trail_policy_load(&pol, o.policy, &e) : trail_policy_default(&pol, &e);
	if (prc < 0) {
		fprintf(stderr, "mamori: trail: %s\n", e.msg);
		rc = o.policy ? EXIT_USAGE : EXIT_RUNTIME;
		goto out_pol;
	}
	if (o.reorder_s >= 0)
		pol.reorder_ms = o.reorder_s * 1000;
	if (o.burst_thr >= 0)
		for (size_t i = 0; i < pol.nbursts; i++)
			pol.bursts[i].threshold = (unsigned)o.burst_thr;
	if (!o.no_builtin && trail_ruleset_add_builtin(&rs, &d, &e) < 0) {
		fprintf(stderr, "mamori: trail: %s\n", e.msg);
		rc = EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; i < o.nrules; i++) {
		if (trail_ruleset_add_path(&rs, o.rules[i], &d, &e) < 0) {
			progress(&s, &d);
			fprintf(stderr, "mamori: trail: %s\n", e.msg);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	trail_ruleset_finish(&rs, &pol);
	progress(&s, &d);
	if (o.list_rules) {
		list_rules(&rs, stdout);
		rc = EXIT_CLEAN;
		goto out;
	}
	if (!rs.nenabled)
		fprintf(stderr, "mamori: trail: warning: no rule is enabled\n");

	s.f = stdout;
	if (o.output) {
		s.f = fopen(o.output, "w");
		if (!s.f) {
			fprintf(stderr, "mamori: trail: cannot open '%s' for writing: %s\n",
				o.output, strerror(errno));
			rc = EXIT_USAGE;
			goto out;
		}
	}
	bool tty = !o.output && isatty(STDOUT_FILENO);
	s.jsonl = o.format ? !strcmp(o.format, "jsonl") : !tty;
	s.ocsf = o.format && !strcmp(o.format, "ocsf");
	s.asff = o.format && !strcmp(o.format, "asff");
	s.color = ctx->color && !o.output && !s.jsonl && !s.ocsf && !s.asff;
	s.flush = o.follow;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	if (o.follow) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}

	struct trail_stats st;
	memset(&st, 0, sizeof(st));
	struct trail_opts to = {
		.rules = &rs,
		.policy = &pol,
		.parser = o.parser,
		.threads = o.threads,
		.follow = o.follow,
		.idle_exit_s = o.idle_exit,
		.stop = (const volatile int *)&stop_flag,
		.emit = emit,
		.progress = progress,
		.ctx = &s,
	};
	/* follow mode never ends: no bar */
	struct progress *bar = o.follow ? NULL : progress_start("reading", PROGRESS_BYTES, o.quiet);
	to.on_progress = progress_fn(bar);
	to.progress_arg = bar;
	int r =
	    trail_run((const char *const *)argv + first, (size_t)(argc - first), &to, &st, &d, &e);
	progress_stop(bar);
	progress(&s, &d);
	if (s.asff) {
		/* one array for `aws securityhub batch-import-findings` (docs/formats.md) */
		size_t skipped = report_asff_skipped(&s.fs);
		const struct report_module *mod = report_module_find("asff");
		struct report_meta meta = { .tool_name = "mamori",
					    .tool_version = MAMORI_VERSION,
					    .fail_on = REPORT_FAIL_ON_NONE };
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		meta.started_ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
		const char *sde = getenv("SOURCE_DATE_EPOCH");
		if (sde && *sde)
			meta.started_ms = strtoll(sde, NULL, 10) * 1000;
		strbuf_reset(&s.sb);
		if (mod->render(&s.sb, &s.fs, &meta, NULL) < 0 ||
		    fwrite(s.sb.buf, 1, s.sb.len, s.f) != s.sb.len)
			s.werr = errno ? errno : EIO;
		if (skipped)
			fprintf(stderr,
				"mamori: trail: warning: %zu alert%s left out of the ASFF output: "
				"account or region unknown, Security Hub cannot import them\n",
				skipped, skipped == 1 ? "" : "s");
	}
	if (fflush(s.f) && !s.werr)
		s.werr = errno;
	if (o.output && fclose(s.f) && !s.werr)
		s.werr = errno;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (s.werr) {
		fprintf(stderr, "mamori: trail: cannot write '%s': %s\n",
			o.output ? o.output : "<stdout>", strerror(s.werr));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (!o.quiet || st.records_skipped)
		summary(&st, secs, &s);
	if (r < 0) {
		fprintf(stderr, "mamori: trail: %s\n", e.msg);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = s.failing ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	trail_ruleset_release(&rs);
out_pol:
	trail_policy_release(&pol);
	mm_diags_release(&d);
	strbuf_release(&s.sb);
	findings_release(&s.fs);
	free(o.rules);
	return rc;
}
