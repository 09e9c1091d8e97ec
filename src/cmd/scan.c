/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori scan DIR: load a snapshot, evaluate the posture rules, apply the
 * mutelist, sort worst first and render one report. This file owns the
 * options and the exit code; everything it calls returns errors instead of
 * printing.
 *
 * Exit: 0 ran (nothing failing at or above --fail-on, or no --fail-on);
 * 1 FAIL findings at or above --fail-on; 2 usage or input error (bad option,
 * DIR unreadable or holding no loadable file, bad mutelist, unwritable -o);
 * 3 runtime error. Malformed files inside DIR are not an input error: they
 * are reported in the output and the scan goes on.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "progress.h"
#include "aws/snapshot.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "posture/mutelist.h"
#include "posture/paths.h"
#include "posture/posture.h"
#include "reach/reach.h"
#include "report/formats.h"
#include "report/report.h"
#include "store/store.h"
#include "base/banned.h"

#define usage_error(...) cmd_usage_error("scan", __VA_ARGS__)

static const char scan_usage[] =
    "usage: mamori scan DIR [options]\n"
    "\n"
    "Evaluate the posture rules over a snapshot directory of AWS CLI JSON output.\n"
    "\n"
    "options:\n"
    "  -f, --format FMT       output format: %s (default text)\n"
    "  -o, --output FILE      write the report to FILE (never coloured; - is stdout)\n"
    "      --fail-on SEV      exit 1 if a failing finding is at or above SEV:\n"
    "                         critical, high, medium, low, info, or none (default none:\n"
    "                         findings never change the exit code)\n"
    "  -m, --mutelist FILE    mute findings listed in FILE (docs/mutelist.md)\n"
    "      --passed           also report checks that passed\n"
    "      --allow-ports LIST ports that may be open to the world, e.g. 80,443,8080-8090\n"
    "                         (default 80,443; \"none\" allows none)\n"
    "      --no-reach         skip the exposure analysis: security-group findings keep\n"
    "                         their static severity, no per-instance exposure findings\n"
    "      --db TARGET        record the run in a findings store: a SQLite file or a\n"
    "                         postgresql:// URL (docs/store.md); exit 3 if that fails\n"
    "  -q, --quiet            print nothing on success; the report still goes to -o FILE\n"
    "  -h, --help             show this help\n"
    "\n"
    "exit status: 0 ran, 1 findings at or above --fail-on, 2 usage or input error,\n"
    "3 runtime error\n";

static void print_usage(FILE *f)
{
	struct strbuf names = STRBUF_INIT;
	report_module_names(&names);
	fprintf(f, scan_usage, names.buf);
	strbuf_release(&names);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int parse_port(const char *s, const char **end, int *out)
{
	char *e;
	errno = 0;
	long v = strtol(s, &e, 10);
	if (e == s || errno || v < 1 || v > 65535)
		return -1;
	*out = (int)v;
	*end = e;
	return 0;
}

/*
 * "80,443,8080-8090" -> sorted unique ports. "none" or "" -> an empty,
 * non-NULL list (posture treats NULL as "use the defaults").
 */
static int parse_ports(const char *s, int **out, size_t *nout)
{
	int *v = xmalloc(sizeof(*v));
	size_t n = 0, alloc = 1;
	const char *p = s;
	while (*p == ' ')
		p++;
	if (!*p || !strcmp(p, "none")) {
		*out = v;
		*nout = 0;
		return 0;
	}
	for (;;) {
		int lo, hi;
		const char *e;
		while (*p == ' ')
			p++;
		if (parse_port(p, &e, &lo) < 0)
			goto bad;
		hi = lo;
		p = e;
		if (*p == '-') {
			if (parse_port(p + 1, &e, &hi) < 0 || hi < lo)
				goto bad;
			p = e;
		}
		for (int port = lo; port <= hi; port++) {
			ALLOC_GROW(v, n + 1, alloc);
			v[n++] = port;
		}
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p != ',')
			goto bad;
		p++;
	}
	mm_qsort(v, n, sizeof(*v), cmp_int);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || v[u - 1] != v[i])
			v[u++] = v[i];
	*out = v;
	*nout = u;
	return 0;
bad:
	free(v);
	return -1;
}

static size_t count_resources(const struct mm_model *m)
{
	return m->ninstances + m->nsgs + m->nnacls + m->nrtbs + m->nsubnets + m->nvpcs + m->nigws +
	       m->nnats + m->npcxs + m->nenis + m->neips + m->npls + m->nlbs + m->ntgs +
	       m->nvolumes + m->nsnapshots + m->nimages + m->nflow_logs + m->nlt_versions +
	       m->nroles + m->nprofiles + m->npolicies;
}

/* The account of the snapshot when it holds exactly one known account, else NULL. */
static const char *single_account(const struct mm_model *m)
{
	const char *acc = NULL;
	for (size_t i = 0; i < m->nscopes; i++) {
		const char *a = m->scopes[i].account;
		if (!a || !strcmp(a, "unknown") || (acc && strcmp(acc, a)))
			return NULL;
		acc = a;
	}
	return acc;
}

/*
 * The run's start time for the formats that carry one (OCSF, ASFF, SARIF,
 * JUnit, HTML): SOURCE_DATE_EPOCH (seconds, the reproducible-builds
 * convention) when set, so the output can be byte-identical across runs;
 * else the wall clock at the start.
 */
static long long report_start_ms(long long wall_ms)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end;
		errno = 0;
		long long v = strtoll(sde, &end, 10);
		if (!errno && !*end && v >= 0 && v < 253402300800LL)
			return v * 1000;
	}
	return wall_ms;
}

/* One line for the report summary on what the exposure analysis did. */
static const char *exposure_note(const struct posture_exposure_stats *st, bool off,
				 struct strbuf *sb)
{
	if (off)
		strbuf_addstr(sb, "off (--no-reach): security-group findings keep their static "
				  "severity; no per-instance exposure findings");
	else if (!st->computed)
		strbuf_addstr(sb, "on, not needed by any rule");
	else
		strbuf_addf(sb,
			    "on: %zu instance%s (%zu interface%s) evaluated, %zu reachable from "
			    "the internet, %zu with unknown reachability",
			    st->instances, st->instances == 1 ? "" : "s", st->interfaces,
			    st->interfaces == 1 ? "" : "s", st->internet, st->unknown);
	return sb->buf;
}

struct scan_opts {
	const char *dir;
	const char *format;
	const char *output;
	const char *mutelist;
	const char *db;
	int fail_on;
	bool passed, quiet, no_reach;
	int *ports;
	size_t nports;
};

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct scan_opts *o)
{
	enum { OPT_FAIL_ON = 256, OPT_PASSED, OPT_ALLOW_PORTS, OPT_NO_REACH, OPT_DB };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "mutelist", required_argument, NULL, 'm' },
		{ "passed", no_argument, NULL, OPT_PASSED },
		{ "allow-ports", required_argument, NULL, OPT_ALLOW_PORTS },
		{ "no-reach", no_argument, NULL, OPT_NO_REACH },
		{ "db", required_argument, NULL, OPT_DB },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	opterr = 0;
	optind = 0; /* GNU: full re-initialisation */
	int c;
	while ((c = getopt_long(argc, argv, ":f:o:m:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->format = optarg;
			break;
		case 'o':
			o->output = strcmp(optarg, "-") ? optarg : NULL; /* "-": stdout */
			break;
		case 'm':
			o->mutelist = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_CLEAN;
		case OPT_FAIL_ON:
			if (report_parse_fail_on(optarg, &o->fail_on) < 0)
				return usage_error("bad --fail-on '%s' (expected critical, high, "
						   "medium, low, info or none)",
						   optarg);
			break;
		case OPT_PASSED:
			o->passed = true;
			break;
		case OPT_NO_REACH:
			o->no_reach = true;
			break;
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_ALLOW_PORTS:
			free(o->ports);
			o->ports = NULL;
			if (parse_ports(optarg, &o->ports, &o->nports) < 0)
				return usage_error("bad --allow-ports '%s' (expected ports 1-65535 "
						   "and ranges, e.g. 80,443,8080-8090, or none)",
						   optarg);
			break;
		default:
			return cmd_getopt_error("scan", c, argv);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "missing snapshot directory (usage: mamori scan DIR)");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s' (one snapshot directory only)",
				   argv[optind + 1]);
	o->dir = argv[optind];
	return -1;
}

int cmd_scan(int argc, char **argv, const struct cmd_ctx *ctx)
{
	struct scan_opts o = { .format = "text", .fail_on = REPORT_FAIL_ON_NONE };
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	int rc = parse_args(argc, argv, &o);
	if (rc >= 0) {
		free(o.ports);
		return rc;
	}
	const struct report_module *mod = report_module_find(o.format);
	if (!mod) {
		struct strbuf names = STRBUF_INIT;
		report_module_names(&names);
		fprintf(stderr, "mamori: scan: unknown format '%s' (available: %s)\n", o.format,
			names.buf);
		strbuf_release(&names);
		free(o.ports);
		return EXIT_USAGE;
	}

	struct stat st;
	if (stat(o.dir, &st) < 0) {
		fprintf(stderr, "mamori: scan: cannot read snapshot '%s': %s\n", o.dir,
			strerror(errno));
		free(o.ports);
		return EXIT_USAGE;
	}

	struct mm_err e = { 0 };
	struct mutelist *ml = NULL;
	if (o.mutelist && mutelist_load(&ml, o.mutelist, &e) < 0) {
		fprintf(stderr, "mamori: scan: %s\n", e.msg);
		free(o.ports);
		return EXIT_USAGE;
	}

	struct mm_model m;
	struct posture_catalog cat;
	struct findings fs;
	struct strbuf out = STRBUF_INIT, note = STRBUF_INIT;
	struct posture_reach_out rout = { 0 };
	struct paths_result paths;
	paths_result_init(&paths);
	mm_model_init(&m);
	memset(&cat, 0, sizeof(cat));
	findings_init(&fs);

	struct progress *bar = progress_start("loading", PROGRESS_BYTES, o.quiet);
	struct snapshot_opts sopts = { .on_progress = progress_fn(bar), .progress_arg = bar };
	int lrc = snapshot_load(&m, o.dir, &sopts, &e);
	progress_stop(bar);
	if (lrc < 0) {
		fprintf(stderr, "mamori: scan: %s\n", e.msg);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!m.files_loaded) {
		fprintf(
		    stderr,
		    "mamori: scan: no snapshot file loaded from '%s' (%zu failed, %zu skipped): "
		    "expected AWS CLI JSON output (.json or .json.gz)\n",
		    o.dir, m.files_failed, m.files_skipped);
		cmd_print_diags("scan", &m.diags, 10);
		rc = EXIT_USAGE;
		goto out;
	}
	if (posture_catalog_load(&cat, &e) < 0) {
		fprintf(stderr, "mamori: scan: cannot load the rule catalog: %s\n", e.msg);
		rc = EXIT_RUNTIME;
		goto out;
	}
	struct posture_exposure_stats xst = { 0 };
	struct posture_opts popts = { .ports = o.ports,
				      .nports = o.nports,
				      .passed = o.passed,
				      .exposure = !o.no_reach,
				      .exposure_stats = &xst,
				      /* a format showing reachability reuses the analysis */
				      .reach_out = mod->wants_analyses ? &rout : NULL };
	if (posture_run(&m, &cat, &popts, &fs, &e) < 0) {
		fprintf(stderr, "mamori: scan: %s\n", e.msg);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (ml)
		mutelist_apply_diags(ml, &fs, time(NULL), &m.diags);
	findings_sort(&fs);

	/* --db: record the final findings now; a failure is reported after the report */
	struct mm_err dbe = { 0 };
	struct store_run_out dbrun;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long long started_ms =
	    (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 - cmd_ms_since(&t0);
	int dbrc =
	    o.db ? store_record_scan(o.db, &m, !o.no_reach, &fs, o.dir, started_ms, &dbrun, &dbe)
		 : 0;

	struct report_meta meta = {
		.tool_name = "mamori",
		.tool_version = MAMORI_VERSION,
		.snapshot = o.dir,
		.files_loaded = m.files_loaded,
		.files_failed = m.files_failed,
		.files_skipped = m.files_skipped,
		.records_skipped = m.records_skipped,
		.rules_evaluated = cat.nr,
		.resources = count_resources(&m),
		.diags = &m.diags,
		.fail_on = o.fail_on,
		.catalog = &cat,
		.exposure = o.no_reach ? "off" : "on",
		.exposure_note = exposure_note(&xst, o.no_reach, &note),
	};
	if (mod->wants_analyses) {
		/* a format that shows reachability and attack paths (HTML): the
		 * exposure analysis's results (none with --no-reach: the paths'
		 * reachability links are then unknown) */
		struct paths_opts po = { .partial = true };
		const struct reach_result *rr = rout.ctx ? &rout.res : NULL;
		if (paths_find(&m, rr, &po, &paths, &e) < 0) {
			fprintf(stderr, "mamori: scan: %s\n", e.msg);
			rc = EXIT_RUNTIME;
			goto out;
		}
		meta.reach = rr;
		meta.paths = &paths;
	}
	meta.started_ms = report_start_ms(started_ms);
	meta.account = single_account(&m);
	meta.elapsed_ms = cmd_ms_since(&t0);
	if (o.output || !o.quiet) {
		/* streamed: a large report is written as it is rendered */
		struct cmd_out co;
		rc = cmd_out_open(&co, "scan", o.output);
		if (rc != EXIT_CLEAN)
			goto out;
		struct report_opts ropts = { .color = ctx->color && !o.output,
					     .flush = cmd_out_flush,
					     .flush_arg = &co };
		int rr = mod->render(&out, &fs, &meta, &ropts);
		rc = cmd_out_close(&co, &out);
		if (rc != EXIT_CLEAN)
			goto out;
		if (rr < 0) {
			fprintf(stderr, "mamori: scan: cannot render the %s report\n", mod->name);
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	size_t asff_skipped = !strcmp(mod->name, "asff") ? report_asff_skipped(&fs) : 0;
	if (asff_skipped)
		fprintf(
		    stderr,
		    "mamori: scan: warning: %zu finding%s left out of the ASFF output: account or "
		    "region unknown, Security Hub cannot import them (docs/formats.md)\n",
		    asff_skipped, asff_skipped == 1 ? "" : "s");
	size_t failing = report_failing(&fs, o.fail_on);
	if (o.output && !o.quiet)
		fprintf(stderr,
			"mamori: scan: wrote '%s': %zu findings (%zu failing), %zu input error%s\n",
			o.output, fs.nr, failing, m.diags.nr_errors,
			m.diags.nr_errors == 1 ? "" : "s");
	if (dbrc < 0) {
		fprintf(stderr, "mamori: scan: %s\n", dbe.msg);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (o.db && !o.quiet)
		fprintf(stderr,
			"mamori: scan: recorded run %lld in the store: %zu findings, %zu new, "
			"%zu reopened, %zu resolved\n",
			dbrun.id, dbrun.stored, dbrun.added, dbrun.reopened, dbrun.resolved);
	rc = failing ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	strbuf_release(&out);
	strbuf_release(&note);
	paths_result_release(&paths);
	reach_result_release(&rout.res);
	reach_free(rout.ctx);
	findings_release(&fs);
	posture_catalog_release(&cat);
	mm_model_release(&m);
	mutelist_free(ml);
	free(o.ports);
	return rc;
}
