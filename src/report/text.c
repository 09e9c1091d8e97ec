/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Text output for people at a terminal: failing findings grouped by severity
 * (critical first), then findings whose input was missing ("UNKNOWN (missing
 * input)"), muted findings collapsed to one line with their reason, passed
 * checks when asked for, and a one-screen summary ending with the verdict
 * that decides the exit code.
 *
 * Every string that came from the snapshot goes through report_text_put(), so
 * control bytes cannot inject escape sequences; ANSI colour is added only
 * when opts->color is set.
 */
#include <stdio.h>

#include "report-int.h"
#include "base/banned.h"

#define ANSI_RESET   "\033[0m"
#define ANSI_BOLD    "\033[1m"
#define ANSI_DIM     "\033[2m"
#define ANSI_RED     "\033[31m"
#define ANSI_BRED    "\033[1;31m"
#define ANSI_YELLOW  "\033[33m"
#define ANSI_BLUE    "\033[34m"
#define ANSI_MAGENTA "\033[35m"
#define ANSI_GREEN   "\033[32m"

/* Column where values after a label start ("    resource   ..."). */
#define COL 15

/* Diagnostics listed in the summary; the rest are counted (JSON has all). */
#define TEXT_MAX_DIAGS 20

struct tx {
	struct strbuf *sb;
	bool color;
	const struct report_opts *o;
	int fr; /* report_flush() failed */
};

static void on(struct tx *t, const char *code)
{
	if (t->color)
		strbuf_addstr(t->sb, code);
}

static void off(struct tx *t)
{
	if (t->color)
		strbuf_addstr(t->sb, ANSI_RESET);
}

static const char *sev_color(enum mm_sev s)
{
	switch (s) {
	case MM_SEV_CRITICAL:
		return ANSI_BRED;
	case MM_SEV_HIGH:
		return ANSI_RED;
	case MM_SEV_MEDIUM:
		return ANSI_YELLOW;
	case MM_SEV_LOW:
		return ANSI_BLUE;
	default:
		return ANSI_DIM;
	}
}

static void upper(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		strbuf_addch(sb, (*s >= 'a' && *s <= 'z') ? *s - 'a' + 'A' : *s);
}

static void sev_tag(struct tx *t, enum mm_sev s)
{
	on(t, sev_color(s));
	strbuf_addch(t->sb, '[');
	upper(t->sb, mm_sev_name(s));
	strbuf_addch(t->sb, ']');
	off(t);
}

/* "security-group sg-1 (123456789012/us-east-1)" */
static void resource(struct tx *t, const struct finding *f)
{
	report_text_put(t->sb, f->res_type);
	strbuf_addch(t->sb, ' ');
	report_text_put(t->sb, f->res_id);
	strbuf_addstr(t->sb, " (");
	report_text_put(t->sb, f->account);
	strbuf_addch(t->sb, '/');
	report_text_put(t->sb, f->region);
	strbuf_addch(t->sb, ')');
}

static void label(struct tx *t, const char *name)
{
	strbuf_addf(t->sb, "    %-*s", COL - 4, name);
}

static void newline_at(struct strbuf *sb, unsigned col)
{
	strbuf_addf(sb, "\n%*s", (int)col, "");
}

static void full_finding(struct tx *t, const struct finding *f)
{
	strbuf_addstr(t->sb, "  ");
	sev_tag(t, f->sev);
	strbuf_addch(t->sb, ' ');
	on(t, ANSI_BOLD);
	report_text_put(t->sb, f->rule);
	off(t);
	if (f->title) {
		strbuf_addstr(t->sb, ": ");
		report_text_put(t->sb, f->title);
	}
	strbuf_addch(t->sb, '\n');

	label(t, "resource");
	resource(t, f);
	strbuf_addch(t->sb, '\n');
	if (f->res_arn) {
		label(t, "arn");
		report_text_put(t->sb, f->res_arn);
		strbuf_addch(t->sb, '\n');
	}
	if (f->message) {
		label(t, "message");
		report_text_para(t->sb, f->message, COL);
		strbuf_addch(t->sb, '\n');
	}
	for (size_t i = 0; i < f->nev; i++) {
		label(t, i ? "" : "evidence");
		if (f->ev[i].loc) {
			on(t, ANSI_DIM);
			report_text_put(t->sb, f->ev[i].loc);
			off(t);
			if (f->ev[i].what)
				newline_at(t->sb, COL + 2);
		}
		if (f->ev[i].what)
			report_text_para(t->sb, f->ev[i].what, COL + 2);
		strbuf_addch(t->sb, '\n');
	}
	if (f->rem_text || f->rem_cli) {
		label(t, "fix");
		if (f->rem_text) {
			report_text_para(t->sb, f->rem_text, COL);
			if (f->rem_cli)
				newline_at(t->sb, COL);
		}
		if (f->rem_cli) {
			on(t, ANSI_GREEN);
			strbuf_addstr(t->sb, "$ ");
			report_text_para(t->sb, f->rem_cli, COL + 2);
			off(t);
		}
		strbuf_addch(t->sb, '\n');
	}
	if (f->ncompliance) {
		label(t, "compliance");
		for (size_t i = 0; i < f->ncompliance; i++) {
			if (i)
				strbuf_addstr(t->sb, ", ");
			report_text_put(t->sb, f->compliance[i]);
		}
		strbuf_addch(t->sb, '\n');
	}
	label(t, "id");
	strbuf_addstr(t->sb, f->id);
	strbuf_addstr(t->sb, "\n\n");
}

/* Muted and passed findings: one line each, so they are visible, not loud. */
static void short_finding(struct tx *t, const struct finding *f)
{
	strbuf_addstr(t->sb, "  ");
	on(t, ANSI_DIM);
	strbuf_addch(t->sb, '[');
	upper(t->sb, mm_sev_name(f->sev));
	strbuf_addstr(t->sb, "] ");
	report_text_put(t->sb, f->rule);
	strbuf_addstr(t->sb, "  ");
	resource(t, f);
	if (f->status == MM_ST_MUTED) {
		strbuf_addstr(t->sb, "\n      muted: ");
		report_text_para(t->sb, f->mute_reason, 13);
	}
	off(t);
	strbuf_addch(t->sb, '\n');
}

static void heading(struct tx *t, const char *color, const char *name, size_t n)
{
	on(t, color);
	on(t, ANSI_BOLD);
	strbuf_addf(t->sb, "%s (%zu)", name, n);
	off(t);
	strbuf_addstr(t->sb, "\n\n");
}

static void group(struct tx *t, const struct findings *fs, enum mm_status st, int sev,
		  const char *name, const char *color, size_t n)
{
	if (!n)
		return;
	heading(t, color, name, n);
	for (size_t i = 0; i < fs->nr; i++) {
		const struct finding *f = &fs->v[i];
		if (f->status != st || (sev >= 0 && (int)f->sev != sev))
			continue;
		if (st == MM_ST_MUTED || st == MM_ST_PASS)
			short_finding(t, f);
		else
			full_finding(t, f);
		if (!t->fr)
			t->fr = report_flush(t->sb, t->o);
	}
	if (st == MM_ST_MUTED || st == MM_ST_PASS)
		strbuf_addch(t->sb, '\n');
}

static void diag_line(struct tx *t, const struct mm_diag *g)
{
	strbuf_addstr(t->sb, "    ");
	on(t, g->level == MM_DIAG_ERROR ? ANSI_RED : ANSI_YELLOW);
	strbuf_addstr(t->sb, g->level == MM_DIAG_ERROR ? "error" : "warning");
	off(t);
	strbuf_addstr(t->sb, ": ");
	if (g->file) {
		strbuf_addch(t->sb, '\'');
		report_text_put(t->sb, g->file);
		strbuf_addch(t->sb, '\'');
		if (g->off >= 0)
			strbuf_addf(t->sb, " at offset %lld", g->off);
		strbuf_addstr(t->sb, ": ");
	}
	report_text_para(t->sb, g->msg, 6);
	strbuf_addch(t->sb, '\n');
}

static void summary(struct tx *t, const struct findings *fs, const struct report_meta *m)
{
	struct report_counts c;
	report_count(fs, m->fail_on, &c);
	struct strbuf *sb = t->sb;

	on(t, ANSI_BOLD);
	strbuf_addstr(sb, "Summary");
	off(t);
	strbuf_addch(sb, '\n');
	strbuf_addf(sb, "  %-10s %zu critical, %zu high, %zu medium, %zu low, %zu info\n",
		    "failing", c.fail_by_sev[MM_SEV_CRITICAL], c.fail_by_sev[MM_SEV_HIGH],
		    c.fail_by_sev[MM_SEV_MEDIUM], c.fail_by_sev[MM_SEV_LOW],
		    c.fail_by_sev[MM_SEV_INFO]);
	strbuf_addf(sb, "  %-10s %zu unknown (missing input), %zu muted, %zu passed\n", "other",
		    c.by_status[MM_ST_UNKNOWN], c.by_status[MM_ST_MUTED], c.by_status[MM_ST_PASS]);
	strbuf_addf(sb, "  %-10s %zu files loaded, %zu failed, %zu skipped; %zu records skipped\n",
		    "input", m->files_loaded, m->files_failed, m->files_skipped,
		    m->records_skipped);
	strbuf_addf(sb, "  %-10s %zu rules over %zu resources in %lld ms\n", "checked",
		    m->rules_evaluated, m->resources, m->elapsed_ms);
	if (m->exposure_note)
		strbuf_addf(sb, "  %-10s %s\n", "exposure", m->exposure_note);

	const struct mm_diags *d = m->diags;
	if (d && d->nr) {
		strbuf_addf(sb, "  %-10s %zu error%s, %zu warning%s\n", "problems", d->nr_errors,
			    d->nr_errors == 1 ? "" : "s", d->nr_warnings,
			    d->nr_warnings == 1 ? "" : "s");
		size_t shown = d->nr < TEXT_MAX_DIAGS ? d->nr : TEXT_MAX_DIAGS;
		for (size_t i = 0; i < shown; i++)
			diag_line(t, &d->v[i]);
		if (d->nr > shown)
			strbuf_addf(sb, "    ... and %zu more (--format json lists all)\n",
				    d->nr - shown);
	}

	strbuf_addf(sb, "  %-10s ", "verdict");
	if (m->fail_on == REPORT_FAIL_ON_NONE) {
		strbuf_addstr(sb,
			      "no --fail-on threshold: findings do not fail the run (exit 0)\n");
	} else if (c.failing) {
		on(t, ANSI_BRED);
		strbuf_addf(sb, "FAIL: %zu finding%s at or above %s (exit 1)", c.failing,
			    c.failing == 1 ? "" : "s", mm_sev_name((enum mm_sev)m->fail_on));
		off(t);
		strbuf_addch(sb, '\n');
	} else {
		on(t, ANSI_GREEN);
		strbuf_addf(sb, "PASS: no failing finding at or above %s (exit 0)",
			    mm_sev_name((enum mm_sev)m->fail_on));
		off(t);
		strbuf_addch(sb, '\n');
	}
}

static int text_render(struct strbuf *out, const struct findings *fs, const struct report_meta *m,
		       const struct report_opts *o)
{
	static const struct findings none;
	struct tx t = { out, o && o->color, o, 0 };
	if (!fs)
		fs = &none;
	struct report_counts c;
	report_count(fs, m->fail_on, &c);

	strbuf_addf(out, "%s %s", m->tool_name ? m->tool_name : "mamori",
		    m->tool_version ? m->tool_version : "");
	if (m->snapshot) {
		strbuf_addstr(out, ": scan of '");
		report_text_put(out, m->snapshot);
		strbuf_addch(out, '\'');
	}
	strbuf_addstr(out, "\n\n");

	for (int s = MM_SEV_CRITICAL; s >= MM_SEV_INFO; s--) {
		struct strbuf name = STRBUF_INIT;
		upper(&name, mm_sev_name((enum mm_sev)s));
		group(&t, fs, MM_ST_FAIL, s, name.buf, sev_color((enum mm_sev)s), c.fail_by_sev[s]);
		strbuf_release(&name);
	}
	group(&t, fs, MM_ST_UNKNOWN, -1, "UNKNOWN (missing input)", ANSI_MAGENTA,
	      c.by_status[MM_ST_UNKNOWN]);
	group(&t, fs, MM_ST_MUTED, -1, "MUTED", ANSI_DIM, c.by_status[MM_ST_MUTED]);
	group(&t, fs, MM_ST_PASS, -1, "PASSED", ANSI_GREEN, c.by_status[MM_ST_PASS]);
	if (!c.total)
		strbuf_addstr(out, "No findings.\n\n");
	summary(&t, fs, m);
	return t.fr;
}

static int text_render_catalog(struct strbuf *out, const struct posture_catalog *c,
			       const struct report_opts *o)
{
	struct tx t = { out, o && o->color, o, 0 };
	for (size_t i = 0; c && i < c->nr; i++) {
		const struct posture_rule *r = &c->v[i];
		sev_tag(&t, r->sev);
		strbuf_addch(out, ' ');
		on(&t, ANSI_BOLD);
		report_text_put(out, r->id);
		off(&t);
		strbuf_addstr(out, ": ");
		report_text_put(out, r->title);
		strbuf_addch(out, '\n');
		strbuf_addf(out, "    %-*s", COL - 4, "applies to");
		report_text_put(out, r->resource_type);
		strbuf_addstr(out, " (");
		report_text_put(out, r->group);
		strbuf_addstr(out, ")\n");
		if (r->description) {
			strbuf_addf(out, "    %-*s", COL - 4, "why");
			report_text_para(out, r->description, COL);
			strbuf_addch(out, '\n');
		}
		if (r->ncompliance) {
			strbuf_addf(out, "    %-*s", COL - 4, "compliance");
			for (size_t j = 0; j < r->ncompliance; j++) {
				if (j)
					strbuf_addstr(out, ", ");
				report_text_put(out, r->compliance[j]);
			}
			strbuf_addch(out, '\n');
		}
		if (r->remediation) {
			strbuf_addf(out, "    %-*s", COL - 4, "fix");
			report_text_para(out, r->remediation, COL);
			strbuf_addch(out, '\n');
		}
		if (r->cli) {
			strbuf_addf(out, "    %-*s$ ", COL - 4, "");
			report_text_para(out, r->cli, COL + 2);
			strbuf_addch(out, '\n');
		}
		strbuf_addch(out, '\n');
	}
	strbuf_addf(out, "%zu rule%s\n", c ? c->nr : 0, c && c->nr == 1 ? "" : "s");
	return 0;
}

const struct report_module report_module_text = {
	.name = "text",
	.description = "grouped by severity with a summary, for a terminal",
	.render = text_render,
	.render_catalog = text_render_catalog,
};
