/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/report/: the module definitions collected by report.c. The
 * JSON emitter and text helpers every module uses are in jw.h (public, for
 * commands that render their own documents).
 */
#ifndef MM_REPORT_INT_H
#define MM_REPORT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "report.h"
#include "jw.h"

/* "evidence": [{"location", "detail"}...], the shape every JSON-based
 * output gives evidence (the JSON report, OCSF's unmapped data, paths). */
void report_jw_evidence(struct jw *w, const struct mm_evidence *ev, size_t n);

extern const struct report_module report_module_text;
extern const struct report_module report_module_json;
extern const struct report_module report_module_html;
extern const struct report_module report_module_ocsf;
extern const struct report_module report_module_asff;
extern const struct report_module report_module_sarif;
extern const struct report_module report_module_csv;
extern const struct report_module report_module_junit;

#endif
