/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori rules: list the embedded posture rule catalog (id, severity, title,
 * compliance mappings, remediation) in any output format that can render
 * one. Exit 0, 2 on a usage error, 3 if the catalog cannot be loaded.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "base/strbuf.h"
#include "posture/posture.h"
#include "report/report.h"
#include "base/banned.h"

static void print_usage(FILE *f)
{
	struct strbuf names = STRBUF_INIT;
	report_catalog_module_names(&names);
	fprintf(f,
		"usage: mamori rules [--format FMT]\n"
		"\n"
		"List the posture rule catalog.\n"
		"\n"
		"options:\n"
		"  -f, --format FMT   output format: %s (default text)\n"
		"  -h, --help         show this help\n",
		names.buf);
	strbuf_release(&names);
}

int cmd_rules(int argc, char **argv, const struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text";
	opterr = 0;
	optind = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_CLEAN;
		default:
			return cmd_getopt_error("rules", c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori: rules: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	const struct report_module *mod = report_module_find(format);
	if (!mod || !mod->render_catalog) {
		struct strbuf names = STRBUF_INIT;
		report_catalog_module_names(&names);
		fprintf(stderr, "mamori: rules: %s format '%s' (available: %s)\n",
			mod ? "cannot list rules in" : "unknown", format, names.buf);
		strbuf_release(&names);
		return EXIT_USAGE;
	}

	struct posture_catalog cat;
	struct mm_err e = { 0 };
	if (posture_catalog_load(&cat, &e) < 0) {
		fprintf(stderr, "mamori: rules: cannot load the rule catalog: %s\n", e.msg);
		posture_catalog_release(&cat);
		return EXIT_RUNTIME;
	}
	struct strbuf out = STRBUF_INIT;
	struct report_opts ropts = { .color = ctx->color };
	int rc = mod->render_catalog(&out, &cat, &ropts) < 0 ? EXIT_RUNTIME : EXIT_CLEAN;
	if (rc == EXIT_CLEAN &&
	    (fwrite(out.buf, 1, out.len, stdout) != out.len || fflush(stdout) != 0)) {
		fprintf(stderr, "mamori: rules: cannot write the output\n");
		rc = EXIT_RUNTIME;
	}
	strbuf_release(&out);
	posture_catalog_release(&cat);
	return rc;
}
