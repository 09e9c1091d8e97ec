/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori host [--root DIR]: audit the instance itself (sshd, listening
 * sockets, metadata service protection, user-data, vulnerable packages) and
 * render the findings with the same report modules as scan. This file owns
 * the options and the exit code; src/host/ does the work without printing.
 *
 * Exit: 0 ran (nothing failing at or above --fail-on); 1 FAIL findings at or
 * above --fail-on; 2 usage or input error (bad option, unusable root,
 * unwritable -o); 3 runtime error. Unreadable or malformed files inside the
 * root are not an input error: they are listed in the report and the run
 * goes on, with the checks that needed them reported as unknown.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "host/host.h"
#include "report/report.h"
#include "base/banned.h"

#define usage_error(...) cmd_usage_error("host", __VA_ARGS__)

static const char host_usage[] =
    "usage: mamori host [options]\n"
    "\n"
    "Audit this instance: sshd (password and root login, Include and Match applied\n"
    "as sshd applies them), listening sockets, who can reach the instance metadata\n"
    "service, cloud-init user-data, and vulnerable packages.\n"
    "\n"
    "options:\n"
    "  -r, --root DIR         audit the tree under DIR instead of / (every file is read\n"
    "                         inside DIR; command output comes from DIR/.mamori/,\n"
    "                         see docs/host.md)\n"
    "  -f, --format FMT       output format: %s (default text)\n"
    "  -o, --output FILE      write the report to FILE (- is stdout)\n"
    "      --fail-on SEV      exit 1 if a failing finding is at or above SEV:\n"
    "                         critical, high, medium, low, info, or none (default none)\n"
    "  -a, --advisories PATH  advisories to match the installed packages against: OSV\n"
    "                         JSON, Debian security tracker JSON, updateinfo.xml(.gz);\n"
    "                         a file or a directory; repeatable. Offline only.\n"
    "      --all              every vulnerable package, not only critical/high with a\n"
    "                         fix, with the vendor's status (no-dsa, postponed, ...)\n"
    "      --imds-probe       ask the metadata service whether IMDSv1 answers (the\n"
    "                         only network access mamori host makes; off by default)\n"
    "      --imds-endpoint URL  endpoint for --imds-probe\n"
    "                         (default http://169.254.169.254)\n"
    "      --passed           also report checks that passed\n"
    "  -q, --quiet            print nothing on success; the report still goes to -o FILE\n"
    "  -h, --help             show this help\n"
    "\n"
    "exit status: 0 ran, 1 findings at or above --fail-on, 2 usage or input error,\n"
    "3 runtime error\n";

static void print_usage(FILE *f)
{
	struct strbuf names = STRBUF_INIT;
	report_module_names(&names);
	fprintf(f, host_usage, names.buf);
	strbuf_release(&names);
}

struct host_cli {
	struct host_opts ho;
	const char *format, *output;
	int fail_on;
	bool quiet;
	const char **adv;
	size_t nadv, aadv;
};

static int parse_args(int argc, char **argv, struct host_cli *o)
{
	enum { OPT_FAIL_ON = 256, OPT_PASSED, OPT_ALL, OPT_PROBE, OPT_ENDPOINT, OPT_SSHD };
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "advisories", required_argument, NULL, 'a' },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "imds-probe", no_argument, NULL, OPT_PROBE },
		{ "imds-endpoint", required_argument, NULL, OPT_ENDPOINT },
		{ "sshd", required_argument, NULL, OPT_SSHD },
		{ "passed", no_argument, NULL, OPT_PASSED },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	opterr = 0;
	optind = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":r:f:o:a:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->ho.root = optarg;
			break;
		case 'f':
			o->format = optarg;
			break;
		case 'o':
			o->output = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case 'a':
			ALLOC_GROW(o->adv, o->nadv + 1, o->aadv);
			o->adv[o->nadv++] = optarg;
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
			o->ho.passed = true;
			break;
		case OPT_ALL:
			o->ho.all = true;
			break;
		case OPT_PROBE:
			o->ho.imds_probe = true;
			break;
		case OPT_ENDPOINT:
			if (strncmp(optarg, "http://", 7))
				return usage_error("bad --imds-endpoint '%s' (expected "
						   "http://HOST[:PORT])",
						   optarg);
			o->ho.imds_endpoint = optarg;
			break;
		case OPT_SSHD:
			o->ho.sshd_path = optarg;
			break;
		default:
			return cmd_getopt_error("host", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (use --root DIR for another root)",
				   argv[optind]);
	if (o->ho.imds_endpoint && !o->ho.imds_probe)
		return usage_error("%s", "--imds-endpoint needs --imds-probe");
	return -1;
}

int cmd_host(int argc, char **argv, const struct cmd_ctx *ctx)
{
	struct host_cli o;
	memset(&o, 0, sizeof(o));
	o.format = "text";
	o.fail_on = REPORT_FAIL_ON_NONE;
	o.ho.root = "/";
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	int rc = parse_args(argc, argv, &o);
	if (rc >= 0) {
		free(o.adv);
		return rc;
	}
	o.ho.advisories = o.adv;
	o.ho.nadvisories = o.nadv;
	const struct report_module *mod = report_module_find(o.format);
	if (!mod) {
		struct strbuf names = STRBUF_INIT;
		report_module_names(&names);
		fprintf(stderr, "mamori: host: unknown format '%s' (available: %s)\n", o.format,
			names.buf);
		strbuf_release(&names);
		free(o.adv);
		return EXIT_USAGE;
	}

	struct mm_err e = { 0 };
	struct host_catalog cat;
	struct findings fs;
	struct mm_diags diags = { 0 };
	struct host_stats st;
	struct strbuf out = STRBUF_INIT, note = STRBUF_INIT;
	findings_init(&fs);
	memset(&cat, 0, sizeof(cat));
	if (host_catalog_load(&cat, &e) < 0) {
		fprintf(stderr, "mamori: host: cannot load the host rules: %s\n", e.msg);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (host_run(&o.ho, &cat, &fs, &diags, &st, &e) < 0) {
		fprintf(stderr, "mamori: host: %s\n", e.msg);
		rc = e.code == MM_EIO || e.code == MM_EUSAGE ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	findings_sort(&fs);

	strbuf_addf(&note, "host %s", st.hostname ? st.hostname : "(unknown name)");
	if (st.distro)
		strbuf_addf(&note, ", %s", st.distro);
	strbuf_addf(&note, "; %zu login users, %zu sockets, %zu packages, %zu advisories", st.users,
		    st.sockets, st.packages, st.advisories);
	if (st.vulns_hidden)
		strbuf_addf(&note, "; %zu lower-severity or unfixed matches hidden (--all)",
			    st.vulns_hidden);
	struct report_meta meta = {
		.tool_name = "mamori",
		.tool_version = MAMORI_VERSION,
		.snapshot = o.ho.root,
		.files_loaded = st.files_read,
		.files_failed = st.files_failed,
		.files_skipped = st.files_missing,
		.records_skipped = st.records_skipped,
		.rules_evaluated = cat.c.nr,
		.resources = 1 + st.packages,
		.diags = &diags,
		.fail_on = o.fail_on,
		.catalog = &cat.c,
	};
	meta.elapsed_ms = cmd_ms_since(&t0);
	struct report_opts ropts = { .color = ctx->color && !o.output };
	if (mod->render(&out, &fs, &meta, &ropts) < 0) {
		fprintf(stderr, "mamori: host: cannot render the %s report\n", mod->name);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (o.output || !o.quiet) {
		rc = cmd_write_output("host", &out, o.output);
		if (rc != EXIT_CLEAN)
			goto out;
	}
	size_t failing = report_failing(&fs, o.fail_on);
	if (o.output && !o.quiet)
		fprintf(stderr, "mamori: host: wrote '%s': %zu findings (%zu failing); %s\n",
			o.output, fs.nr, failing, note.buf);
	rc = failing ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	strbuf_release(&out);
	strbuf_release(&note);
	findings_release(&fs);
	mm_diags_release(&diags);
	host_catalog_release(&cat);
	free(o.adv);
	return rc;
}
