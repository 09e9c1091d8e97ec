/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori diff --db TARGET [RUN_A RUN_B]: what changed between two recorded
 * runs of the findings store (src/store, docs/store.md). New findings are in
 * RUN_B and not in RUN_A; resolved ones were in RUN_A and are gone from
 * RUN_B, which covered their account and region with the same inputs;
 * changed ones are in both with another severity, status, message or mute
 * state. Without run ids: the latest run against the latest earlier run of
 * the same accounts and regions, else the run just before it (said on
 * stderr).
 *
 * Exit: 0 shown; 1 with --fail-on SEV when the diff brings a failing finding
 * at or above SEV (new, or changed into one); 2 usage error, missing store,
 * unknown run, no run to compare with; 3 runtime error (store unreadable).
 *
 * JSON and terminal-safe text come from the report module's helpers
 * (report/jw.h: jw_*, report_text_put), so diff output escapes exactly as
 * the reports do.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "report/jw.h"
#include "report/report.h"
#include "store/store.h"
#include "base/banned.h"

#define usage_error(...) cmd_usage_error("diff", __VA_ARGS__)

static const char diff_usage[] =
    "usage: mamori diff --db TARGET [RUN_A RUN_B] [options]\n"
    "\n"
    "Show the findings that are new, resolved or changed between two runs recorded\n"
    "with `mamori scan --db TARGET` (default: the latest run and the one before it\n"
    "with the same accounts and regions, else the run just before it).\n"
    "\n"
    "options:\n"
    "      --db TARGET        the findings store: a SQLite file or a postgresql:// URL\n"
    "  -f, --format FMT       text (default) or json\n"
    "  -o, --output FILE      write to FILE (- is stdout)\n"
    "      --fail-on SEV      exit 1 if the diff brings a failing finding at or above\n"
    "                         SEV (new, or changed into one): critical, high, medium,\n"
    "                         low, info, or none (default)\n"
    "  -h, --help             show this help\n"
    "\n"
    "exit status: 0 shown, 1 --fail-on matched, 2 usage error, missing store or\n"
    "unknown run, 3 runtime error\n";

struct diff_opts {
	const char *db, *output;
	bool json;
	int fail_on;
	long long from, to;
};

/* Exit code for a store error: input problems are 2, the rest 3. */
static int store_exit(int code)
{
	return code == MM_ENOTFOUND || code == MM_ETYPE || code == MM_EUSAGE ? EXIT_USAGE
									     : EXIT_RUNTIME;
}

static int parse_run(const char *s, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < 1)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct diff_opts *o)
{
	enum { OPT_DB = 256, OPT_FAIL_ON };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	opterr = 0;
	optind = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			o->db = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return usage_error("unknown format '%s' (available: text, json)",
						   optarg);
			o->json = !strcmp(optarg, "json");
			break;
		case 'o':
			o->output = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case OPT_FAIL_ON:
			if (report_parse_fail_on(optarg, &o->fail_on) < 0)
				return usage_error("bad --fail-on '%s' (expected critical, high, "
						   "medium, low, info or none)",
						   optarg);
			break;
		case 'h':
			fputs(diff_usage, stdout);
			return EXIT_CLEAN;
		default:
			return cmd_getopt_error("diff", c, argv);
		}
	}
	if (!o->db)
		return usage_error("%s", "missing --db TARGET (the store written by scan --db)");
	int n = argc - optind;
	if (n == 1 || n > 2)
		return usage_error("expected two run ids or none, got %d argument%s", n,
				   n == 1 ? "" : "s");
	if (n == 2) {
		for (int i = 0; i < 2; i++)
			if (parse_run(argv[optind + i], i ? &o->to : &o->from) < 0)
				return usage_error("bad run id '%s' (expected a positive integer)",
						   argv[optind + i]);
	}
	return -1;
}

/* A failing finding at or above fail_on. */
static bool fails_at(const char *sev, const char *status, int fail_on)
{
	enum mm_sev s;
	return fail_on != REPORT_FAIL_ON_NONE && status && !strcmp(status, "fail") && sev &&
	       !mm_sev_parse(sev, &s) && (int)s >= fail_on;
}

static size_t count_failing(const struct store_diff *d, int fail_on)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nadded; i++)
		n += fails_at(d->added[i].severity, d->added[i].status, fail_on);
	for (size_t i = 0; i < d->nchanged; i++) {
		const struct store_change *c = &d->changed[i];
		n += fails_at(c->after.severity, c->after.status, fail_on) &&
		     !fails_at(c->before.severity, c->before.status, fail_on);
	}
	return n;
}

/* ---- JSON ---- */

static void json_item_body(struct jw *w, const struct store_item *it)
{
	jw_kstr(w, "id", it->id);
	jw_kstr(w, "rule", it->rule);
	jw_kstr(w, "title", it->title);
	jw_kstr(w, "severity", it->severity);
	jw_kstr(w, "status", it->status);
	jw_key(w, "resource");
	jw_obj_begin(w);
	jw_kstr(w, "type", it->res_type);
	jw_kstr(w, "id", it->res_id);
	if (it->res_arn)
		jw_kstr(w, "arn", it->res_arn);
	jw_obj_end(w);
	jw_kstr(w, "account", it->account);
	jw_kstr(w, "region", it->region);
	jw_kstr(w, "message", it->message);
	jw_kstr(w, "mute_reason", it->mute_reason);
}

static void json_items(struct jw *w, const char *key, const struct store_item *v, size_t n)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		json_item_body(w, &v[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_change(struct jw *w, const char *key, const char *before, const char *after)
{
	jw_key(w, key);
	jw_obj_begin(w);
	jw_kstr(w, "before", before);
	jw_kstr(w, "after", after);
	jw_obj_end(w);
}

static void render_json(struct strbuf *out, const struct store_diff *d)
{
	struct jw w;
	jw_init(&w, out);
	jw_obj_begin(&w);
	jw_key(&w, "from");
	jw_int(&w, d->from.id);
	jw_key(&w, "to");
	jw_int(&w, d->to.id);
	json_items(&w, "new", d->added, d->nadded);
	json_items(&w, "resolved", d->resolved, d->nresolved);
	jw_key(&w, "changed");
	jw_arr_begin(&w);
	for (size_t i = 0; i < d->nchanged; i++) {
		const struct store_change *c = &d->changed[i];
		jw_obj_begin(&w);
		json_item_body(&w, &c->after);
		jw_key(&w, "changes");
		jw_obj_begin(&w);
		if (c->what & STORE_CH_SEVERITY)
			json_change(&w, "severity", c->before.severity, c->after.severity);
		if (c->what & STORE_CH_STATUS)
			json_change(&w, "status", c->before.status, c->after.status);
		if (c->what & STORE_CH_MESSAGE)
			json_change(&w, "message", c->before.message, c->after.message);
		if (c->what & STORE_CH_MUTE)
			json_change(&w, "mute", c->before.mute_reason, c->after.mute_reason);
		jw_obj_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_finish(&w);
}

/* ---- text ---- */

static void text_run(struct strbuf *sb, const struct store_run *r)
{
	strbuf_addf(sb, "run %lld (", r->id);
	report_text_put(sb, r->started);
	strbuf_addstr(sb, ", ");
	report_text_put(sb, r->snapshot);
	strbuf_addch(sb, ')');
}

static void text_item(struct strbuf *sb, const struct store_item *it)
{
	char sev[16];
	snprintf(sev, sizeof(sev), "%s", it->severity ? it->severity : "-");
	for (char *p = sev; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	strbuf_addf(sb, "  %-9s ", sev);
	report_text_put(sb, it->rule);
	strbuf_addch(sb, ' ');
	report_text_put(sb, it->res_type);
	strbuf_addch(sb, ' ');
	report_text_put(sb, it->res_id);
	strbuf_addstr(sb, " (");
	report_text_put(sb, it->account);
	strbuf_addch(sb, '/');
	report_text_put(sb, it->region);
	strbuf_addstr(sb, ")");
	if (it->status && strcmp(it->status, "fail")) {
		strbuf_addstr(sb, " [");
		report_text_put(sb, it->status);
		strbuf_addch(sb, ']');
	}
	strbuf_addstr(sb, "\n            ");
	report_text_para(sb, it->message, 12);
	strbuf_addch(sb, '\n');
}

static void text_quoted(struct strbuf *sb, const char *s)
{
	if (!s) {
		strbuf_addstr(sb, "none");
		return;
	}
	strbuf_addch(sb, '"');
	report_text_put(sb, s);
	strbuf_addch(sb, '"');
}

static void text_change(struct strbuf *sb, const char *what, const char *before, const char *after,
			bool quote)
{
	strbuf_addf(sb, "            %s: ", what);
	if (quote)
		text_quoted(sb, before);
	else
		report_text_put(sb, before);
	strbuf_addstr(sb, " -> ");
	if (quote)
		text_quoted(sb, after);
	else
		report_text_put(sb, after);
	strbuf_addch(sb, '\n');
}

static void render_text(struct strbuf *sb, const struct store_diff *d)
{
	strbuf_addstr(sb, "diff ");
	text_run(sb, &d->from);
	strbuf_addstr(sb, " -> ");
	text_run(sb, &d->to);
	strbuf_addf(sb, "\n%zu new, %zu resolved, %zu changed\n", d->nadded, d->nresolved,
		    d->nchanged);
	if (d->nadded) {
		strbuf_addf(sb, "\nnew (%zu):\n", d->nadded);
		for (size_t i = 0; i < d->nadded; i++)
			text_item(sb, &d->added[i]);
	}
	if (d->nresolved) {
		strbuf_addf(sb, "\nresolved (%zu):\n", d->nresolved);
		for (size_t i = 0; i < d->nresolved; i++)
			text_item(sb, &d->resolved[i]);
	}
	if (d->nchanged) {
		strbuf_addf(sb, "\nchanged (%zu):\n", d->nchanged);
		for (size_t i = 0; i < d->nchanged; i++) {
			const struct store_change *c = &d->changed[i];
			text_item(sb, &c->after);
			if (c->what & STORE_CH_SEVERITY)
				text_change(sb, "severity", c->before.severity, c->after.severity,
					    false);
			if (c->what & STORE_CH_STATUS)
				text_change(sb, "status", c->before.status, c->after.status, false);
			if (c->what & STORE_CH_MESSAGE)
				text_change(sb, "message", c->before.message, c->after.message,
					    true);
			if (c->what & STORE_CH_MUTE)
				text_change(sb, "mute", c->before.mute_reason, c->after.mute_reason,
					    true);
		}
	}
	if (d->uncovered)
		strbuf_addf(sb,
			    "\nnote: %zu finding%s of run %lld not seen in run %lld, which did not "
			    "cover %s account and region with the same inputs: unknown, not "
			    "resolved\n",
			    d->uncovered, d->uncovered == 1 ? "" : "s", d->from.id, d->to.id,
			    d->uncovered == 1 ? "its" : "their");
}

int cmd_diff(int argc, char **argv, const struct cmd_ctx *ctx)
{
	(void)ctx;
	struct diff_opts o = { .fail_on = REPORT_FAIL_ON_NONE };
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;

	struct mm_err e = { 0 };
	struct store *s = NULL;
	struct store_diff d;
	struct strbuf out = STRBUF_INIT;
	memset(&d, 0, sizeof(d));
	bool same_scope = true;
	if (store_open(&s, o.db, STORE_OPEN_EXISTING, &e) < 0 ||
	    (!o.from && store_default_pair(s, &o.from, &o.to, &same_scope, &e) < 0) ||
	    store_diff(s, o.from, o.to, &d, &e) < 0) {
		fprintf(stderr, "mamori: diff: %s\n", e.msg);
		rc = store_exit(e.code);
		goto out;
	}
	if (!same_scope)
		fprintf(
		    stderr,
		    "mamori: diff: note: no earlier run of the same accounts and regions as run "
		    "%lld: comparing with run %lld, the run before it\n",
		    o.to, o.from);
	if (o.json) {
		render_json(&out, &d);
		if (d.uncovered)
			fprintf(stderr,
				"mamori: diff: note: %zu finding%s of run %lld not seen in run "
				"%lld, which did not cover them with the same inputs: unknown, not "
				"resolved\n",
				d.uncovered, d.uncovered == 1 ? "" : "s", d.from.id, d.to.id);
	} else {
		render_text(&out, &d);
	}
	rc = cmd_write_output("diff", &out, o.output);
	if (rc == EXIT_CLEAN && count_failing(&d, o.fail_on))
		rc = EXIT_FINDINGS;
out:
	strbuf_release(&out);
	store_diff_release(&d);
	store_close(s);
	return rc;
}
