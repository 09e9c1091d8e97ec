/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori history [RESOURCE] --db TARGET: the life of every finding recorded
 * for one resource (an id such as i-0abc or sg-..., or an ARN) across the
 * runs of the findings store: first seen, last seen, resolved, reopened, and
 * its severity, status and message in each run that saw it. Without
 * RESOURCE: the list of runs, so their ids can be given to `mamori diff`.
 *
 * Exit: 0 shown (also when nothing is recorded for RESOURCE); 2 usage error
 * or missing store; 3 runtime error. Output helpers as in diff.c.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "report/jw.h"
#include "store/store.h"
#include "base/banned.h"

#define usage_error(...) cmd_usage_error("history", __VA_ARGS__)

static const char history_usage[] =
    "usage: mamori history [RESOURCE] --db TARGET [options]\n"
    "\n"
    "Show every finding recorded for RESOURCE (a resource id such as i-0abc or\n"
    "sg-0123, or an ARN) across the runs of the findings store: first seen, last\n"
    "seen, resolved, and its severity and status in each run. Without RESOURCE,\n"
    "list the runs.\n"
    "\n"
    "options:\n"
    "      --db TARGET        the findings store: a SQLite file or a postgresql:// URL\n"
    "  -f, --format FMT       text (default) or json\n"
    "  -o, --output FILE      write to FILE (- is stdout)\n"
    "  -h, --help             show this help\n"
    "\n"
    "exit status: 0 shown, 2 usage error or missing store, 3 runtime error\n";

struct history_opts {
	const char *db, *output, *resource;
	bool json;
};

static int store_exit(int code)
{
	return code == MM_ENOTFOUND || code == MM_ETYPE || code == MM_EUSAGE ? EXIT_USAGE
									     : EXIT_RUNTIME;
}

static int parse_args(int argc, char **argv, struct history_opts *o)
{
	enum { OPT_DB = 256 };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
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
		case 'h':
			fputs(history_usage, stdout);
			return EXIT_CLEAN;
		default:
			return cmd_getopt_error("history", c, argv);
		}
	}
	if (!o->db)
		return usage_error("%s", "missing --db TARGET (the store written by scan --db)");
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s' (one resource only)",
				   argv[optind + 1]);
	if (optind < argc) {
		o->resource = argv[optind];
		if (!*o->resource)
			return usage_error("%s", "empty resource id");
	}
	return -1;
}

/* Start time of a run (runs are sorted by id), or NULL. */
static const char *run_time(const struct store_runs *r, long long id)
{
	size_t lo = 0, hi = r->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nr && r->v[lo].id == id ? r->v[lo].started : NULL;
}

/* ---- the runs ---- */

static void runs_json(struct strbuf *out, const struct store_runs *r)
{
	struct jw w;
	jw_init(&w, out);
	jw_obj_begin(&w);
	jw_key(&w, "runs");
	jw_arr_begin(&w);
	for (size_t i = 0; i < r->nr; i++) {
		const struct store_run *x = &r->v[i];
		jw_obj_begin(&w);
		jw_key(&w, "id");
		jw_int(&w, x->id);
		jw_kstr(&w, "started", x->started);
		jw_kstr(&w, "finished", x->finished);
		jw_kstr(&w, "snapshot", x->snapshot);
		jw_kstr(&w, "tool_version", x->tool_version);
		jw_kstr(&w, "accounts", x->accounts);
		jw_kstr(&w, "scope", x->scope);
		jw_key(&w, "counts");
		jw_obj_begin(&w);
		jw_kuint(&w, "findings", (unsigned long long)x->n_findings);
		jw_kuint(&w, "fail", (unsigned long long)x->n_fail);
		jw_kuint(&w, "unknown", (unsigned long long)x->n_unknown);
		jw_kuint(&w, "muted", (unsigned long long)x->n_muted);
		jw_kuint(&w, "new", (unsigned long long)x->n_new);
		jw_kuint(&w, "reopened", (unsigned long long)x->n_reopened);
		jw_kuint(&w, "resolved", (unsigned long long)x->n_resolved);
		jw_obj_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_finish(&w);
}

static void runs_text(struct strbuf *sb, const struct store_runs *r)
{
	if (!r->nr) {
		strbuf_addstr(sb, "no runs recorded yet\n");
		return;
	}
	strbuf_addf(sb, "%-6s %-24s %8s %6s %8s %6s  %s\n", "run", "started", "findings", "new",
		    "resolved", "fail", "snapshot (accounts)");
	for (size_t i = 0; i < r->nr; i++) {
		const struct store_run *x = &r->v[i];
		strbuf_addf(sb, "%-6lld ", x->id);
		report_text_put(sb, x->started);
		strbuf_addf(sb, " %8lld %6lld %8lld %6lld  ", x->n_findings, x->n_new,
			    x->n_resolved, x->n_fail);
		report_text_put(sb, x->snapshot);
		strbuf_addstr(sb, " (");
		report_text_put(sb, x->accounts);
		strbuf_addstr(sb, ")\n");
	}
}

/* ---- one resource ---- */

static void json_run_ref(struct jw *w, const char *key, long long id, const struct store_runs *r)
{
	jw_key(w, key);
	if (!id) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "run");
	jw_int(w, id);
	jw_kstr(w, "time", run_time(r, id));
	jw_obj_end(w);
}

static void history_json(struct strbuf *out, const char *resource, const struct store_history *h,
			 const struct store_runs *r)
{
	struct jw w;
	jw_init(&w, out);
	jw_obj_begin(&w);
	jw_kstr(&w, "resource", resource);
	jw_kuint(&w, "runs", h->runs);
	jw_key(&w, "findings");
	jw_arr_begin(&w);
	for (size_t i = 0; i < h->nr; i++) {
		const struct store_hist_finding *f = &h->v[i];
		jw_obj_begin(&w);
		jw_kstr(&w, "id", f->cur.id);
		jw_kstr(&w, "rule", f->cur.rule);
		jw_kstr(&w, "title", f->cur.title);
		jw_key(&w, "resource");
		jw_obj_begin(&w);
		jw_kstr(&w, "type", f->cur.res_type);
		jw_kstr(&w, "id", f->cur.res_id);
		if (f->cur.res_arn)
			jw_kstr(&w, "arn", f->cur.res_arn);
		jw_obj_end(&w);
		jw_kstr(&w, "account", f->cur.account);
		jw_kstr(&w, "region", f->cur.region);
		jw_kstr(&w, "severity", f->cur.severity);
		jw_kstr(&w, "status", f->cur.status);
		jw_kstr(&w, "message", f->cur.message);
		jw_kstr(&w, "mute_reason", f->cur.mute_reason);
		json_run_ref(&w, "first_seen", f->first_seen, r);
		json_run_ref(&w, "last_seen", f->last_seen, r);
		json_run_ref(&w, "resolved", f->resolved, r);
		json_run_ref(&w, "reopened", f->reopened, r);
		jw_key(&w, "observations");
		jw_arr_begin(&w);
		for (size_t k = 0; k < f->nobs; k++) {
			const struct store_obs *o = &f->obs[k];
			jw_obj_begin(&w);
			jw_key(&w, "run");
			jw_int(&w, o->run);
			jw_kstr(&w, "time", o->started);
			jw_kstr(&w, "severity", o->severity);
			jw_kstr(&w, "status", o->status);
			jw_kstr(&w, "message", o->message);
			jw_kstr(&w, "mute_reason", o->mute_reason);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_finish(&w);
}

static void text_run_ref(struct strbuf *sb, const char *what, long long id,
			 const struct store_runs *r)
{
	strbuf_addf(sb, "%s run %lld (", what, id);
	report_text_put(sb, run_time(r, id));
	strbuf_addch(sb, ')');
}

static void history_text(struct strbuf *sb, const char *resource, const struct store_history *h,
			 const struct store_runs *r)
{
	strbuf_addstr(sb, "resource ");
	report_text_put(sb, resource);
	if (!h->nr) {
		strbuf_addf(sb, ": no finding recorded in %zu run%s\n", h->runs,
			    h->runs == 1 ? "" : "s");
		return;
	}
	strbuf_addf(sb, ": %zu finding%s in %zu run%s\n", h->nr, h->nr == 1 ? "" : "s", h->runs,
		    h->runs == 1 ? "" : "s");
	for (size_t i = 0; i < h->nr; i++) {
		const struct store_hist_finding *f = &h->v[i];
		strbuf_addstr(sb, "\n");
		report_text_put(sb, f->cur.rule);
		strbuf_addstr(sb, " (");
		report_text_put(sb, f->cur.res_type);
		strbuf_addch(sb, ' ');
		report_text_put(sb, f->cur.res_id);
		strbuf_addstr(sb, ", ");
		report_text_put(sb, f->cur.account);
		strbuf_addch(sb, '/');
		report_text_put(sb, f->cur.region);
		strbuf_addf(sb, ", id %s)\n  ", f->cur.id);
		text_run_ref(sb, "first seen", f->first_seen, r);
		strbuf_addstr(sb, ", ");
		text_run_ref(sb, "last seen", f->last_seen, r);
		if (f->resolved) {
			strbuf_addstr(sb, ", ");
			text_run_ref(sb, "resolved in", f->resolved, r);
		} else {
			strbuf_addstr(sb, ", open");
		}
		if (f->reopened) {
			strbuf_addstr(sb, ", ");
			text_run_ref(sb, "reopened in", f->reopened, r);
		}
		strbuf_addch(sb, '\n');
		const char *prev = NULL;
		for (size_t k = 0; k < f->nobs; k++) {
			const struct store_obs *o = &f->obs[k];
			strbuf_addf(sb, "  run %-5lld ", o->run);
			report_text_put(sb, o->started);
			strbuf_addf(sb, "  %-8s %s", o->severity ? o->severity : "-",
				    o->status ? o->status : "-");
			if (o->mute_reason) {
				strbuf_addstr(sb, " (muted: ");
				report_text_put(sb, o->mute_reason);
				strbuf_addch(sb, ')');
			}
			if (!prev || strcmp(prev, o->message)) {
				strbuf_addstr(sb, "\n      ");
				report_text_para(sb, o->message, 6);
			}
			strbuf_addch(sb, '\n');
			prev = o->message;
		}
	}
}

int cmd_history(int argc, char **argv, const struct cmd_ctx *ctx)
{
	(void)ctx;
	struct history_opts o = { 0 };
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;

	struct mm_err e = { 0 };
	struct store *s = NULL;
	struct store_runs runs;
	struct store_history h;
	struct strbuf out = STRBUF_INIT;
	memset(&runs, 0, sizeof(runs));
	memset(&h, 0, sizeof(h));
	if (store_open(&s, o.db, STORE_OPEN_EXISTING, &e) < 0 ||
	    store_runs_list(s, &runs, &e) < 0 ||
	    (o.resource && store_history(s, o.resource, &h, &e) < 0)) {
		fprintf(stderr, "mamori: history: %s\n", e.msg);
		rc = store_exit(e.code);
		goto out;
	}
	if (!o.resource)
		(o.json ? runs_json : runs_text)(&out, &runs);
	else if (o.json)
		history_json(&out, o.resource, &h, &runs);
	else
		history_text(&out, o.resource, &h, &runs);
	rc = cmd_write_output("history", &out, o.output);
out:
	strbuf_release(&out);
	store_history_release(&h);
	store_runs_release(&runs);
	store_close(s);
	return rc;
}
