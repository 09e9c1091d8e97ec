/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori paths DIR: every attack path from the internet to data or to
 * privilege through an instance (posture/paths.h), worst first, with the
 * evidence of each link and the cheapest way to break it; text, JSON, or a
 * Graphviz / Mermaid drawing. This file owns the options and the exit code.
 *
 * Exit: 0 ran (no path at or above --fail-on, or no --fail-on); 1 a path at
 * or above --fail-on; 2 usage or input error (bad option, DIR unreadable or
 * holding no loadable file, unknown --instance); 3 runtime error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "progress.h"
#include "aws/snapshot.h"
#include "base/strbuf.h"
#include "posture/paths.h"
#include "reach/reach.h"
#include "report/report.h"
#include "base/banned.h"

#define usage_error(...) cmd_usage_error("paths", __VA_ARGS__)

static const char paths_usage[] =
    "usage: mamori paths DIR [options]\n"
    "\n"
    "List every attack path from the internet to data or to privilege through an\n"
    "instance: internet -> [load balancer] -> network -> instance -> IMDSv1 ->\n"
    "role -> policy statement -> S3 objects or privilege escalation, and container\n"
    "hosts whose containers can take the node role. Worst first, each link with its\n"
    "evidence, each path with the cheapest way to break it.\n"
    "\n"
    "options:\n"
    "  -f, --format FMT       text, json, dot (Graphviz) or mermaid (default text)\n"
    "  -o, --output FILE      write to FILE (- is stdout)\n"
    "  -a, --all              also list partial paths (one link absent), with the\n"
    "                         reason they are not critical\n"
    "      --instance ID      only this instance\n"
    "      --fail-on SEV      exit 1 if a path is at or above SEV (critical, high,\n"
    "                         medium, low, info, or none; default none)\n"
    "  -q, --quiet            print nothing on success; output still goes to -o FILE\n"
    "  -h, --help             show this help\n"
    "\n"
    "exit status: 0 ran, 1 a path at or above --fail-on, 2 usage or input error,\n"
    "3 runtime error\n";

struct paths_cli {
	const char *dir, *format, *output, *instance;
	bool all, quiet;
	int fail_on;
};

static int parse_args(int argc, char **argv, struct paths_cli *o)
{
	enum { OPT_INSTANCE = 256, OPT_FAIL_ON };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ "instance", required_argument, NULL, OPT_INSTANCE },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":f:o:aqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json") &&
			    strcmp(optarg, "dot") && strcmp(optarg, "mermaid"))
				return usage_error(
				    "unknown format '%s' (available: text, json, dot, mermaid)",
				    optarg);
			o->format = optarg;
			break;
		case 'o':
			o->output = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'a':
			o->all = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_INSTANCE:
			o->instance = optarg;
			break;
		case OPT_FAIL_ON:
			if (report_parse_fail_on(optarg, &o->fail_on) < 0)
				return usage_error("bad --fail-on '%s' (critical, high, medium, "
						   "low, info or none)",
						   optarg);
			break;
		case 'h':
			fputs(paths_usage, stdout);
			return EXIT_CLEAN;
		default:
			return cmd_getopt_error("paths", ch, argv);
		}
	}
	if (optind >= argc)
		return usage_error("missing snapshot directory");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	o->dir = argv[optind];
	return -1;
}

int cmd_paths(int argc, char **argv, const struct cmd_ctx *ctx)
{
	struct paths_cli o = { .format = "text", .fail_on = REPORT_FAIL_ON_NONE };
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	struct stat st;
	if (stat(o.dir, &st) < 0) {
		fprintf(stderr, "mamori: paths: cannot read snapshot '%s': %s\n", o.dir,
			strerror(errno));
		return EXIT_USAGE;
	}

	struct mm_err e = { 0 };
	struct mm_model m;
	struct reach_ctx *rc_ = NULL;
	struct reach_result rr = { 0 };
	struct paths_result pr;
	struct strbuf out = STRBUF_INIT;
	mm_model_init(&m);
	paths_result_init(&pr);

	struct progress *bar = progress_start("loading", PROGRESS_BYTES, o.quiet);
	struct snapshot_opts sopts = { .on_progress = progress_fn(bar), .progress_arg = bar };
	int lrc = snapshot_load(&m, o.dir, &sopts, &e);
	progress_stop(bar);
	if (lrc < 0) {
		fprintf(stderr, "mamori: paths: %s\n", e.msg);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!m.files_loaded) {
		fprintf(stderr,
			"mamori: paths: no snapshot file loaded from '%s' (%zu failed, %zu "
			"skipped): expected AWS CLI JSON output (.json or .json.gz)\n",
			o.dir, m.files_failed, m.files_skipped);
		cmd_print_diags("paths", &m.diags, 10);
		rc = EXIT_USAGE;
		goto out;
	}
	if (o.instance && !mm_find_instance(&m, o.instance)) {
		fprintf(stderr, "mamori: paths: no instance '%s' in '%s'\n", o.instance, o.dir);
		rc = EXIT_USAGE;
		goto out;
	}
	rc_ = reach_new(&m);
	struct reach_opts ro = REACH_OPTS_INIT;
	ro.origins = REACH_FROM_INTERNET;
	ro.family_blocks = true;
	ro.instance = o.instance;
	struct paths_opts po = { .partial = o.all, .instance = o.instance };
	if (reach_eval(rc_, &ro, &rr, &e) < 0 || paths_find(&m, &rr, &po, &pr, &e) < 0) {
		fprintf(stderr, "mamori: paths: %s\n", e.msg);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (!strcmp(o.format, "json"))
		report_paths_json(&out, &pr, o.dir, MAMORI_VERSION);
	else if (!strcmp(o.format, "dot"))
		report_paths_dot(&out, &pr);
	else if (!strcmp(o.format, "mermaid"))
		report_paths_mermaid(&out, &pr);
	else
		report_paths_text(&out, &pr, o.dir, ctx->color && !o.output);
	if (m.diags.nr_errors || m.diags.nr_warnings)
		cmd_print_diags("paths", &m.diags, 10);
	if (o.output || !o.quiet) {
		rc = cmd_write_output("paths", &out, o.output);
		if (rc != EXIT_CLEAN)
			goto out;
	}
	size_t failing = 0;
	for (size_t i = 0; o.fail_on != REPORT_FAIL_ON_NONE && i < pr.nr; i++)
		if ((int)pr.v[i].sev >= o.fail_on)
			failing++;
	rc = failing ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	strbuf_release(&out);
	paths_result_release(&pr);
	reach_result_release(&rr);
	reach_free(rc_);
	mm_model_release(&m);
	return rc;
}
