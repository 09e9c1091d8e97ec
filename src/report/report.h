/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Report: every output format is one module that renders the one result type
 * (struct finding, base/finding.h) plus a struct report_meta describing the
 * run. Modules are listed in report_modules[] (report.c), in the manner of
 * zmap's output_modules: adding a format is one new file defining a
 * struct report_module, plus its line in that table and in meson.build.
 *
 * Renderers write into a strbuf (the caller decides where it goes: stdout,
 * -o FILE, a test), never print, never exit, and are deterministic: the same
 * findings and meta give the same bytes, so golden tests need only normalise
 * the fields documented as run-dependent (elapsed time, snapshot path).
 *
 * Ownership: renderers only read their inputs. Findings are rendered in the
 * order given; the caller sorts them (findings_sort(): worst first).
 */
#ifndef MM_REPORT_H
#define MM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/finding.h"
#include "base/strbuf.h"
#include "posture/posture.h"

struct paths_result;
struct reach_result;

/* No --fail-on threshold: findings never change the exit code. */
#define REPORT_FAIL_ON_NONE (-1)

/* Everything about the run that is not a finding. Any pointer may be NULL. */
struct report_meta {
	const char *tool_name;	  /* "mamori" */
	const char *tool_version; /* MAMORI_VERSION */
	const char *snapshot;	  /* input path as given */
	size_t files_loaded, files_failed, files_skipped;
	size_t records_skipped;
	size_t rules_evaluated;
	size_t resources;
	const struct mm_diags *diags; /* loader and mutelist diagnostics */
	long long elapsed_ms;
	int fail_on; /* enum mm_sev, or REPORT_FAIL_ON_NONE */
	const struct posture_catalog *catalog;
	/* exposure analysis: "on" / "off" (NULL: not reported), and one line
	 * saying what it did (text summary) */
	const char *exposure;
	const char *exposure_note;
	/* Optional analyses some formats show (HTML): NULL when not computed.
	 * reach: `mamori reach` results for the internet and peering origins
	 * (family_blocks on); paths: attack paths (posture/paths.h). */
	const struct reach_result *reach;
	const struct paths_result *paths;
	/* Run identity for formats that carry one (OCSF, ASFF, SARIF, JUnit):
	 * start time in Unix milliseconds (0: unknown) and the account scanned
	 * when the snapshot has exactly one (NULL otherwise). */
	long long started_ms;
	const char *account;
};

struct report_opts {
	bool color; /* ANSI colour (text only); callers never set it with -o FILE */
	/*
	 * Streaming (NULL: the whole report stays in out). Renderers call
	 * report_flush() between records; once out holds REPORT_FLUSH_AT bytes,
	 * flush(out, arg) writes them where the report goes and empties out,
	 * so a large report never sits in memory whole. Returns 0 or < 0.
	 */
	int (*flush)(struct strbuf *out, void *arg);
	void *flush_arg;
};

#define REPORT_FLUSH_AT ((size_t)1 << 20)

/* Hand out's bytes to o->flush when there are enough: 0, or < 0 (the
 * renderer stops with MM_EIO). */
int report_flush(struct strbuf *out, const struct report_opts *o);

struct report_module {
	const char *name; /* --format value */
	const char *description;
	/* Render a findings report. Returns 0 or a negative MM_E* code. */
	int (*render)(struct strbuf *out, const struct findings *fs, const struct report_meta *m,
		      const struct report_opts *o);
	/* Render the rule catalog (`mamori rules`); NULL if the format has none. */
	int (*render_catalog)(struct strbuf *out, const struct posture_catalog *c,
			      const struct report_opts *o);
	/* The format shows reachability and attack paths: the caller fills
	 * meta->reach and meta->paths before render(). */
	bool wants_analyses;
};

/* NULL-terminated table of every output module. */
extern const struct report_module *const report_modules[];

/* The module called name, or NULL. */
const struct report_module *report_module_find(const char *name);
/* "text, json, ..." for usage and error messages. */
void report_module_names(struct strbuf *sb);
/* The same for the formats that can render the rule catalog (`mamori rules`). */
void report_catalog_module_names(struct strbuf *sb);

/* Counts every format reports the same way. */
struct report_counts {
	size_t total;
	size_t fail_by_sev[MM_SEV_CRITICAL + 1]; /* FAIL findings only */
	size_t by_status[MM_ST_PASS + 1];
	size_t failing; /* FAIL findings at or above meta->fail_on */
};

void report_count(const struct findings *fs, int fail_on, struct report_counts *c);

/*
 * Number of FAIL findings at or above fail_on (an enum mm_sev), 0 when
 * fail_on is REPORT_FAIL_ON_NONE. Unknown, muted and passed findings never
 * count. The scan command exits 1 when this is non-zero.
 */
size_t report_failing(const struct findings *fs, int fail_on);

/* ---- attack paths (`mamori paths`, paths.c) ---- */

struct report_paths_counts {
	size_t complete, partial, unknown;
	size_t by_sev[MM_SEV_CRITICAL + 1];
};
void report_paths_count(const struct paths_result *r, struct report_paths_counts *c);
int report_paths_text(struct strbuf *out, const struct paths_result *r, const char *snapshot,
		      bool color);
/* {"tool":…,"paths":[{"severity","status","goal","resource",…,"chain":[{"kind","id",
 * "detail","state","evidence":[…]}],"breaks":[…],"not_critical_because":[…]}],"summary":…} */
int report_paths_json(struct strbuf *out, const struct paths_result *r, const char *snapshot,
		      const char *version);
int report_paths_dot(struct strbuf *out, const struct paths_result *r);
int report_paths_mermaid(struct strbuf *out, const struct paths_result *r);

/* Parse a --fail-on value: a severity name or "none". Returns 0 or -1. */
int report_parse_fail_on(const char *s, int *out);

#endif
