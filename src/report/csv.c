/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CSV output (--format csv): RFC 4180, one header row then one row per
 * finding in report order, CRLF line ends, UTF-8 without a byte-order mark.
 * The columns and their order are a contract (append-only, docs/formats.md):
 *
 *   id, rule, title, severity, status, resource_type, resource_id,
 *   resource_arn, account, region, message, evidence, remediation,
 *   remediation_cli, compliance, mute_reason
 *
 * evidence holds one line per piece ("LOCATION: DETAIL", or DETAIL alone),
 * compliance the ids joined by ";". Values are the JSON report's.
 *
 * Cells are made safe before quoting: invalid UTF-8 becomes U+FFFD; control
 * characters other than tab, CR and LF become the four characters \xNN (as
 * in the text report); and a cell starting with = + - @ tab or CR gets a
 * leading ' so a spreadsheet shows it as text instead of running it as a
 * formula (OWASP "CSV injection"). A cell is quoted when it holds a comma, a
 * double quote, CR or LF; quotes inside are doubled.
 */
#include <string.h>

#include "formats.h"
#include "report-int.h"
#include "base/banned.h"

static const char *const columns[] = {
	"id",	       "rule",
	"title",       "severity",
	"status",      "resource_type",
	"resource_id", "resource_arn",
	"account",     "region",
	"message",     "evidence",
	"remediation", "remediation_cli",
	"compliance",  "mute_reason",
};

/* Make the cell text safe (see the top of the file) into out. */
static void clean(struct strbuf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	strbuf_reset(out);
	if (!s)
		return;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += mm_utf8_next(s, n, i, &cp);
		if ((cp < 0x20 && cp != '\t' && cp != '\r' && cp != '\n') || cp == 0x7f) {
			char e[4] = { '\\', 'x', hex[cp >> 4], hex[cp & 15] };
			strbuf_add(out, e, 4);
			continue;
		}
		fmt_put_cp(out, cp);
	}
}

static void cell(struct strbuf *sb, struct strbuf *tmp, const char *s, bool first)
{
	if (!first)
		strbuf_addch(sb, ',');
	clean(tmp, s);
	bool guard = tmp->len && strchr("=+-@\t\r", tmp->buf[0]);
	bool quote = false;
	for (size_t i = 0; i < tmp->len && !quote; i++)
		quote = strchr(",\"\r\n", tmp->buf[i]) != NULL;
	if (quote)
		strbuf_addch(sb, '"');
	if (guard)
		strbuf_addch(sb, '\'');
	for (size_t i = 0; i < tmp->len; i++) {
		if (tmp->buf[i] == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, tmp->buf[i]);
	}
	if (quote)
		strbuf_addch(sb, '"');
}

static void row(struct strbuf *sb, struct strbuf *tmp, const struct finding *f)
{
	struct strbuf ev = STRBUF_INIT, comp = STRBUF_INIT;
	for (size_t i = 0; i < f->nev; i++) {
		if (i)
			strbuf_addch(&ev, '\n');
		if (f->ev[i].loc) {
			strbuf_addstr(&ev, f->ev[i].loc);
			strbuf_addstr(&ev, ": ");
		}
		strbuf_addstr(&ev, f->ev[i].what ? f->ev[i].what : "");
	}
	for (size_t i = 0; i < f->ncompliance; i++) {
		if (i)
			strbuf_addch(&comp, ';');
		strbuf_addstr(&comp, f->compliance[i] ? f->compliance[i] : "");
	}
	const char *v[] = {
		f->id,
		f->rule,
		f->title,
		mm_sev_name(f->sev),
		mm_status_name(f->status),
		f->res_type,
		f->res_id,
		f->res_arn,
		f->account,
		f->region,
		f->message,
		ev.buf,
		f->rem_text,
		f->rem_cli,
		comp.buf,
		f->status == MM_ST_MUTED ? f->mute_reason : NULL,
	};
	_Static_assert(sizeof(v) / sizeof(v[0]) == sizeof(columns) / sizeof(columns[0]),
		       "one value per column");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		cell(sb, tmp, v[i], i == 0);
	strbuf_add(sb, "\r\n", 2);
	strbuf_release(&ev);
	strbuf_release(&comp);
}

static int render(struct strbuf *out, const struct findings *fs, const struct report_meta *m,
		  const struct report_opts *o)
{
	(void)m;
	struct strbuf tmp = STRBUF_INIT;
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		cell(out, &tmp, columns[i], i == 0);
	strbuf_add(out, "\r\n", 2);
	int fr = 0;
	for (size_t i = 0; fs && i < fs->nr && !fr; i++) {
		row(out, &tmp, &fs->v[i]);
		fr = report_flush(out, o);
	}
	strbuf_release(&tmp);
	return fr;
}

const struct report_module report_module_csv = {
	.name = "csv",
	.description = "CSV (RFC 4180), one row per finding",
	.render = render,
};
