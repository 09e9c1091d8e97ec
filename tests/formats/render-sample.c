/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render-sample FORMAT SET: render one of the hand-built finding sets of
 * samples.h ("hostile", "statuses", "empty") in a report format (ocsf, asff,
 * sarif, csv, junit, json...) to stdout, with a fixed start time, a
 * snapshot path that needs URI escaping and one loader diagnostic, so
 * tests/formats/validate.py can check the output with the format's own
 * validators. FORMAT "trail-ocsf" prints the sample trail alerts as OCSF
 * Detection Findings (one per line) instead; SET is then ignored.
 * "asff-skipped" prints how many findings the ASFF output leaves out.
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "posture/posture.h"
#include "report/formats.h"
#include "report/report.h"
#include "samples.h"
#include "base/banned.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: render-sample FORMAT SET\n");
		return 2;
	}
	struct strbuf out = STRBUF_INIT;
	if (!strcmp(argv[1], "trail-ocsf")) {
		struct trail_alert a[8];
		size_t n = sample_alerts(a, 8);
		for (size_t i = 0; i < n; i++)
			trail_alert_ocsf(&out, &a[i], "0.1.0");
		fwrite(out.buf, 1, out.len, stdout);
		strbuf_release(&out);
		return 0;
	}
	struct findings fs;
	findings_init(&fs);
	if (sample_findings(&fs, argv[2]) < 0) {
		fprintf(stderr, "render-sample: unknown set '%s'\n", argv[2]);
		return 2;
	}
	if (!strcmp(argv[1], "asff-skipped")) {
		printf("%zu\n", report_asff_skipped(&fs));
		findings_release(&fs);
		return 0;
	}
	const struct report_module *mod = report_module_find(argv[1]);
	if (!mod) {
		fprintf(stderr, "render-sample: unknown format '%s'\n", argv[1]);
		return 2;
	}
	struct posture_catalog cat;
	struct mm_err e = { 0 };
	if (posture_catalog_load(&cat, &e) < 0) {
		fprintf(stderr, "render-sample: %s\n", e.msg);
		return 3;
	}
	struct mm_diags d = { 0 };
	mm_diags_add(&d, MM_DIAG_ERROR, "111122223333/us-east-1/broken.json", 21,
		     "cannot parse 'broken.json': expected a JSON value at offset 21");
	mm_diags_add(&d, MM_DIAG_WARNING, NULL, -1, "%s", sample_hostile);
	struct report_meta m = {
		.tool_name = "mamori",
		.tool_version = "0.1.0",
		.snapshot = "snap shots/prod",
		.files_loaded = 3,
		.rules_evaluated = cat.nr,
		.diags = &d,
		.fail_on = REPORT_FAIL_ON_NONE,
		.catalog = &cat,
		.started_ms = SAMPLE_STARTED_MS,
		.account = "111122223333",
	};
	struct report_opts o = { 0 };
	int rc = mod->render(&out, &fs, &m, &o);
	if (rc < 0)
		fprintf(stderr, "render-sample: cannot render %s\n", argv[1]);
	else
		fwrite(out.buf, 1, out.len, stdout);
	strbuf_release(&out);
	mm_diags_release(&d);
	posture_catalog_release(&cat);
	findings_release(&fs);
	return rc < 0 ? 3 : 0;
}
