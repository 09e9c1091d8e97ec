/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTML evidence report (docs/report-html.md): one self-contained file a
 * reviewer can keep, read on screen or print. Sections: header (run
 * identity), summary with an inline SVG bar chart, a compliance matrix per
 * framework (CIS AWS 3.0, FSBP), the findings table (filterable with a small
 * inline script; every row is in the page without it), per-instance
 * reachability with the hop-by-hop path and the "why not reachable" verdicts
 * (meta->reach), attack-path chains drawn as inline SVG (meta->paths), and
 * the input problems.
 *
 * Safety: every string that came from the snapshot goes through html_put()
 * (text and double-quoted attribute values alike); nothing from the input is
 * ever written inside <script> or <style>. A Content-Security-Policy meta tag
 * allows no network fetch at all and only the one script whose SHA-256 is
 * HTML_SCRIPT_SHA256, so even a string that slipped past escaping could not
 * run code or load anything. The page references no URL: no CDN, no font,
 * no image, no url() in CSS.
 *
 * Determinism: the output depends only on the findings and meta (no
 * wall-clock of its own, no random ids; element ids are sequence numbers, and
 * meta->elapsed_ms is deliberately not shown). The one run-dependent value,
 * meta->started_ms, is on its own line. Cost is linear in the input: lookups
 * go through hash maps built once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report-int.h"
#include "base/hmap.h"
#include "base/ipset.h"
#include "base/wrapper.h"
#include "posture/paths.h"
#include "reach/reach.h"
#include "base/banned.h"

/* Input problems listed; the rest are counted (JSON lists them all). */
#define HTML_MAX_DIAGS 500
/* Accounts named in the header before "and N more". */
#define HTML_MAX_ACCOUNTS 20
/* Source CIDRs and port ranges listed per exposure before "and N more". */
#define HTML_MAX_CIDRS 8
#define HTML_MAX_PORTS 16

/*
 * The page script (filters, print support). It is static: input data never
 * goes into it. Its SHA-256 (base64) is allowed by the Content-Security-
 * Policy; tests/html/check-html.py recomputes it and fails on a mismatch, so
 * update HTML_SCRIPT_SHA256 whenever this text changes.
 */
static const char html_script[] =
    "(function () {\n"
    "\"use strict\";\n"
    "var d = document, body = d.body;\n"
    "var $ = function (id) { return d.getElementById(id); };\n"
    "var tb = $(\"findings-body\"), sev = $(\"f-sev\"), st = $(\"f-status\");\n"
    "var rule = $(\"f-rule\"), res = $(\"f-res\"), out = $(\"f-count\");\n"
    "var rows = tb ? Array.prototype.slice.call(tb.rows) : [];\n"
    "var keys = rows.map(function (r) {\n"
    "  return (r.getAttribute(\"data-res\") || \"\").toLowerCase();\n"
    "});\n"
    "function apply() {\n"
    "  var s = sev.value, t = st.value, u = rule.value;\n"
    "  var q = res.value.trim().toLowerCase(), n = 0;\n"
    "  for (var i = 0; i < rows.length; i++) {\n"
    "    var r = rows[i];\n"
    "    var ok = (!s || r.getAttribute(\"data-sev\") === s) &&\n"
    "      (!t || r.getAttribute(\"data-status\") === t) &&\n"
    "      (!u || r.getAttribute(\"data-rule\") === u) &&\n"
    "      (!q || keys[i].indexOf(q) >= 0);\n"
    "    r.classList.toggle(\"off\", !ok);\n"
    "    if (ok) n++;\n"
    "  }\n"
    "  out.textContent = n + \" of \" + rows.length + \" findings shown\";\n"
    "  body.setAttribute(\"data-shown\", String(n));\n"
    "}\n"
    "function fromHash() {\n"
    "  var h = location.hash.replace(/^#/, \"\");\n"
    "  if (h.indexOf(\"=\") < 0) return;\n"
    "  var want = { sev: \"\", status: \"\", rule: \"\", res: \"\" };\n"
    "  h.split(\"&\").forEach(function (kv) {\n"
    "    var i = kv.indexOf(\"=\"), v;\n"
    "    if (i < 0) return;\n"
    "    try { v = decodeURIComponent(kv.slice(i + 1).replace(/\\+/g, \" \")); }\n"
    "    catch (e) { return; }\n"
    "    var k = kv.slice(0, i);\n"
    "    if (Object.prototype.hasOwnProperty.call(want, k)) want[k] = v;\n"
    "  });\n"
    "  sev.value = want.sev; st.value = want.status;\n"
    "  rule.value = want.rule; res.value = want.res;\n"
    "  apply();\n"
    "}\n"
    "if (sev && st && rule && res && out) {\n"
    "  $(\"filters\").hidden = false;\n"
    "  [sev, st, rule].forEach(function (e) { e.addEventListener(\"change\", apply); });\n"
    "  res.addEventListener(\"input\", apply);\n"
    "  window.addEventListener(\"hashchange\", fromHash);\n"
    "  apply();\n"
    "  fromHash();\n"
    "}\n"
    "window.addEventListener(\"beforeprint\", function () {\n"
    "  Array.prototype.forEach.call(d.querySelectorAll(\"details\"), function (e) {\n"
    "    e.open = true;\n"
    "  });\n"
    "});\n"
    "body.setAttribute(\"data-js\", \"ok\");\n"
    "})();\n";
#define HTML_SCRIPT_SHA256 "sha256-kJ7fuElj/qP4DLNzS7v4m7tH0ZlPrcz3hcZS7saI7YQ="

static const char html_style[] =
    ":root{color-scheme:light}\n"
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#1f2328;"
    "background:#fff;margin:0 auto;max-width:1440px;padding:0 20px 40px}\n"
    "code,pre,.mono{font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,monospace;"
    "font-size:12.5px}\n"
    "code{overflow-wrap:anywhere}\n"
    "h1{font-size:24px;margin:20px 0 8px}\n"
    "h2{font-size:19px;border-bottom:2px solid #d0d7de;padding-bottom:4px;margin-top:36px}\n"
    "h3{font-size:16px;margin:22px 0 6px}\n"
    "h4{font-size:14px;margin:12px 0 4px}\n"
    "nav{margin:8px 0 16px;display:flex;flex-wrap:wrap;gap:14px}\n"
    "nav a,a{color:#0550ae}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}\n"
    "dl.facts dt{font-weight:600;color:#57606a}\n"
    "dl.facts dd{margin:0}\n"
    "table{border-collapse:collapse;width:100%;margin:6px 0 10px}\n"
    "th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}\n"
    "th{background:#f6f8fa;font-weight:600}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "table.counts{width:auto}\n"
    ".msg,.detail{white-space:pre-wrap;overflow-wrap:anywhere}\n"
    ".sev{display:inline-block;padding:0 5px;border:1px solid;border-radius:3px;"
    "font-weight:600;font-size:12px}\n"
    ".sev-critical{color:#86061d}.sev-high{color:#cf222e}.sev-medium{color:#9a6700}\n"
    ".sev-low{color:#0969da}.sev-info{color:#57606a}\n"
    ".v{display:inline-block;padding:0 5px;border:1px solid;border-radius:3px;font-weight:600;"
    "font-size:12px;margin-right:6px}\n"
    ".v-fail{color:#cf222e}.v-unknown{color:#8250df}.v-muted{color:#57606a}"
    ".v-pass{color:#1a7f37}\n"
    "tr.st-muted td,tr.st-pass td{color:#57606a}\n"
    "tr.off{display:none}\n"
    ".filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;padding:8px;"
    "background:#f6f8fa;border:1px solid #d0d7de;margin:8px 0}\n"
    ".filters[hidden]{display:none}\n"
    "pre.cli{background:#f6f8fa;border:1px solid #d0d7de;padding:6px;margin:4px 0;"
    "white-space:pre-wrap;overflow-wrap:anywhere}\n"
    "details>summary{cursor:pointer}\n"
    "details .body{margin:6px 0 4px 14px}\n"
    "td.deny,span.deny{color:#cf222e;font-weight:600}\n"
    ".hops td:nth-child(1){text-align:right}\n"
    ".hops td:nth-child(4),.hops td:nth-child(6),.hops td:nth-child(8){"
    "font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,monospace;font-size:12.5px;"
    "overflow-wrap:anywhere}\n"
    ".hops td:nth-child(7){white-space:pre-wrap;overflow-wrap:anywhere}\n"
    "tr.cheapest td{background:#fff8c5}\n"
    ".note{color:#57606a}\n"
    ".inst{border-top:1px solid #d0d7de;margin-top:14px}\n"
    ".path{border:1px solid #d0d7de;border-radius:4px;padding:2px 12px 8px;margin:12px 0}\n"
    "svg{max-width:100%;height:auto;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "sans-serif}\n"
    "@media print{\n"
    "nav,.filters,noscript{display:none!important}\n"
    "tr.off{display:table-row!important}\n"
    "details::details-content{content-visibility:visible;display:block}\n"
    "details>summary{list-style:none}\n"
    "body{max-width:none;padding:0}\n"
    "h2{break-after:avoid}\n"
    "tr,.path{break-inside:avoid}\n"
    "}\n";

/* ---- escaping ---- */

/*
 * Append s for HTML text and double-quoted attribute values: & < > " '
 * become entities; control bytes (below 0x20 except tab and newline, and
 * 0x7f) are shown as \xNN and C1 controls (U+0080..U+009F) as \u00NN, as in
 * the text report, so what the reviewer sees is what the input held.
 */
static void html_putn(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep;
		char buf[8];
		size_t skip = 1;
		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
			    (unsigned char)s[i + 1] <= 0x9f) {
				unsigned char d = (unsigned char)s[i + 1];
				snprintf(buf, sizeof(buf), "\\u%04x", d);
				rep = buf;
				skip = 2;
			} else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
				buf[0] = '\\';
				buf[1] = 'x';
				buf[2] = hex[c >> 4];
				buf[3] = hex[c & 15];
				buf[4] = '\0';
				rep = buf;
			} else {
				continue;
			}
		}
		strbuf_add(sb, s + run, i - run);
		strbuf_addstr(sb, rep);
		i += skip - 1;
		run = i + 1;
	}
	strbuf_add(sb, s + run, n - run);
}

/* NULL appends nothing. */
static void html_put(struct strbuf *sb, const char *s)
{
	if (s)
		html_putn(sb, s, strlen(s));
}

/* NULL appends "-". */
static void html_putd(struct strbuf *sb, const char *s)
{
	if (s)
		html_putn(sb, s, strlen(s));
	else
		strbuf_addch(sb, '-');
}

/* At most max code points of s (UTF-8), "…" when cut. */
static void html_put_trunc(struct strbuf *sb, const char *s, size_t max)
{
	if (!s)
		return;
	size_t cp = 0, i = 0, cut = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (cp == max - 1)
			cut = i;
		cp++;
	}
	if (cp <= max) {
		html_putn(sb, s, i);
		return;
	}
	html_putn(sb, s, cut);
	strbuf_addstr(sb, "\xe2\x80\xa6");
}

/* At most max code points of s, keeping the end ("…policy/app-read"): the
 * tail of an ARN or id names it better than its head. */
static void html_put_tail(struct strbuf *sb, const char *s, size_t max)
{
	if (!s)
		return;
	size_t cp = 0, n = strlen(s);
	for (size_t i = 0; i < n; i++)
		cp += ((unsigned char)s[i] & 0xc0) != 0x80;
	if (cp <= max) {
		html_putn(sb, s, n);
		return;
	}
	size_t skip = cp - (max - 1), i = 0;
	for (size_t seen = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (seen++ == skip)
			break;
	}
	strbuf_addstr(sb, "\xe2\x80\xa6");
	html_putn(sb, s + i, n - i);
}

/* "<code>s</code>", or "-" for NULL. */
static void code(struct strbuf *sb, const char *s)
{
	if (!s) {
		strbuf_addch(sb, '-');
		return;
	}
	strbuf_addstr(sb, "<code>");
	html_put(sb, s);
	strbuf_addstr(sb, "</code>");
}

static void td_code(struct strbuf *sb, const char *s)
{
	strbuf_addstr(sb, "<td>");
	code(sb, s);
	strbuf_addstr(sb, "</td>");
}

static void td_text(struct strbuf *sb, const char *cls, const char *s)
{
	if (cls)
		strbuf_addf(sb, "<td class=\"%s\">", cls);
	else
		strbuf_addstr(sb, "<td>");
	html_putd(sb, s);
	strbuf_addstr(sb, "</td>");
}

static void sev_badge(struct strbuf *sb, enum mm_sev s)
{
	const char *n = mm_sev_name(s);
	strbuf_addf(sb, "<span class=\"sev sev-%s\">%s</span>", n, n);
}

/* ---- render context ---- */

struct hr {
	struct strbuf *sb;
	const struct findings *fs;
	const struct report_meta *m;
	struct report_counts c;
	/* resource id -> 1 + index of its section (reach-N, path-N) */
	struct hmap reach_ix, path_ix;
	size_t nreach; /* resources in the reach section */
};

static size_t ix_get(const struct hmap *h, const char *key)
{
	return key ? (size_t)(uintptr_t)hmap_get(h, key) : 0;
}

static void ix_put(struct hmap *h, const char *key, size_t ix)
{
	if (key && !hmap_get(h, key))
		hmap_put(h, key, (void *)(uintptr_t)ix);
}

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static void index_analyses(struct hr *h)
{
	const struct reach_result *r = h->m->reach;
	if (r) {
		size_t ie = 0, ib = 0, iu = 0;
		const char *id;
		while ((id = reach_next_resource(r, ie, ib, iu))) {
			ix_put(&h->reach_ix, id, ++h->nreach);
			while (ie < r->nexp && same(r->exp[ie].resource, id))
				ie++;
			while (ib < r->nblk && same(r->blk[ib].resource, id))
				ib++;
			while (iu < r->nunk && same(r->unk[iu].resource, id))
				iu++;
		}
	}
	const struct paths_result *p = h->m->paths;
	for (size_t i = 0; p && i < p->nr; i++)
		ix_put(&h->path_ix, p->v[i].resource, i + 1);
}

/* ---- header ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void accounts(struct hr *h)
{
	struct strbuf *sb = h->sb;
	if (h->m->account) {
		code(sb, h->m->account);
		return;
	}
	struct hmap seen = HMAP_INIT;
	const char **v = NULL;
	size_t n = 0, alloc = 0;
	for (size_t i = 0; i < h->fs->nr; i++) {
		const char *a = h->fs->v[i].account;
		if (!a || hmap_get(&seen, a))
			continue;
		hmap_put(&seen, a, (void *)1);
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = a;
	}
	if (n)
		mm_qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n && i < HTML_MAX_ACCOUNTS; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		code(sb, v[i]);
	}
	if (n > HTML_MAX_ACCOUNTS)
		strbuf_addf(sb, " and %zu more", n - HTML_MAX_ACCOUNTS);
	if (!n)
		strbuf_addstr(sb, "unknown (no finding names one)");
	hmap_release(&seen);
	free(v);
}

static void fact(struct strbuf *sb, const char *name)
{
	strbuf_addf(sb, "<dt>%s</dt><dd>", name);
}

static void verdict_text(struct hr *h)
{
	struct strbuf *sb = h->sb;
	const struct report_meta *m = h->m;
	if (m->fail_on == REPORT_FAIL_ON_NONE)
		strbuf_addstr(sb, "no --fail-on threshold: findings do not fail the run (exit 0)");
	else if (h->c.failing)
		strbuf_addf(sb,
			    "<span class=\"v v-fail\">FAIL</span>%zu finding%s at or above %s "
			    "(exit 1)",
			    h->c.failing, h->c.failing == 1 ? "" : "s",
			    mm_sev_name((enum mm_sev)m->fail_on));
	else
		strbuf_addf(sb,
			    "<span class=\"v v-pass\">PASS</span>no failing finding at or above %s "
			    "(exit 0)",
			    mm_sev_name((enum mm_sev)m->fail_on));
}

static void header(struct hr *h)
{
	struct strbuf *sb = h->sb;
	const struct report_meta *m = h->m;
	strbuf_addstr(sb, "<header>\n<h1>");
	html_put(sb, m->tool_name ? m->tool_name : "mamori");
	strbuf_addstr(sb, " evidence report</h1>\n<dl class=\"facts\">\n");
	fact(sb, "tool");
	html_put(sb, m->tool_name ? m->tool_name : "mamori");
	strbuf_addch(sb, ' ');
	html_put(sb, m->tool_version);
	strbuf_addstr(sb, "</dd>\n");
	fact(sb, "snapshot");
	code(sb, m->snapshot);
	strbuf_addstr(sb, "</dd>\n");
	fact(sb, "account");
	accounts(h);
	strbuf_addstr(sb, "</dd>\n");
	if (m->started_ms) {
		time_t t = (time_t)(m->started_ms / 1000);
		struct tm tm;
		char buf[64];
		if (gmtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm)) {
			fact(sb, "started");
			strbuf_addstr(sb, buf);
			strbuf_addstr(sb, "</dd>\n");
		}
	}
	fact(sb, "findings");
	strbuf_addf(sb,
		    "%zu: %zu failing, %zu unknown (missing input), %zu muted, %zu passed</dd>\n",
		    h->c.total, h->c.by_status[MM_ST_FAIL], h->c.by_status[MM_ST_UNKNOWN],
		    h->c.by_status[MM_ST_MUTED], h->c.by_status[MM_ST_PASS]);
	fact(sb, "checked");
	strbuf_addf(sb, "%zu rules over %zu resources</dd>\n", m->rules_evaluated, m->resources);
	fact(sb, "input");
	strbuf_addf(sb,
		    "%zu files loaded, %zu failed, %zu skipped; %zu records skipped; %zu errors, "
		    "%zu warnings</dd>\n",
		    m->files_loaded, m->files_failed, m->files_skipped, m->records_skipped,
		    m->diags ? m->diags->nr_errors : 0, m->diags ? m->diags->nr_warnings : 0);
	fact(sb, "verdict");
	verdict_text(h);
	strbuf_addstr(sb, "</dd>\n</dl>\n</header>\n");
	strbuf_addstr(sb,
		      "<nav><a href=\"#summary\">Summary</a><a href=\"#compliance\">Compliance"
		      "</a><a href=\"#findings\">Findings</a><a href=\"#reach\">Reachability</a>"
		      "<a href=\"#paths\">Attack paths</a><a href=\"#inputs\">Input problems</a>"
		      "</nav>\n");
}

/* ---- summary ---- */

struct bar {
	const char *label, *color;
	size_t n;
};

/* Horizontal bar chart, drawn here (no script): one bar per row. */
static void bar_chart(struct strbuf *sb, const char *title, const struct bar *b, size_t n)
{
	const int label_w = 170, bar_w = 420, row_h = 26, pad = 8;
	size_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (b[i].n > max)
			max = b[i].n;
	int height = (int)n * row_h + 2 * pad;
	int width = label_w + bar_w + 80;
	strbuf_addf(sb,
		    "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		    "role=\"img\" aria-label=\"%s\"><title>%s</title>\n",
		    width, height, width, height, title, title);
	for (size_t i = 0; i < n; i++) {
		int y = pad + (int)i * row_h;
		int w = max ? (int)((double)b[i].n * bar_w / (double)max + 0.5) : 0;
		if (b[i].n && w < 2)
			w = 2;
		strbuf_addf(sb,
			    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"13\" "
			    "fill=\"#1f2328\">%s</text>",
			    label_w - 8, y + 16, b[i].label);
		strbuf_addf(
		    sb,
		    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"%s\"/>"
		    "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#1f2328\">%zu</text>\n",
		    label_w, y + 3, w, b[i].color, label_w + w + 6, y + 16, b[i].n);
	}
	strbuf_addstr(sb, "</svg>\n");
}

static void summary(struct hr *h)
{
	struct strbuf *sb = h->sb;
	const struct report_meta *m = h->m;
	const struct report_counts *c = &h->c;
	static const char *const sev_colors[] = { "#6e7781", "#0969da", "#bf8700", "#cf222e",
						  "#86061d" };
	strbuf_addstr(sb, "<section id=\"summary\">\n<h2>Summary</h2>\n");
	strbuf_addstr(sb, "<table class=\"counts\"><thead><tr><th>failing by severity</th>"
			  "<th class=\"num\">findings</th></tr></thead><tbody>\n");
	for (int s = MM_SEV_CRITICAL; s >= MM_SEV_INFO; s--) {
		strbuf_addstr(sb, "<tr><td>");
		sev_badge(sb, (enum mm_sev)s);
		strbuf_addf(sb, "</td><td class=\"num\">%zu</td></tr>\n", c->fail_by_sev[s]);
	}
	strbuf_addf(sb,
		    "<tr><th>other statuses</th><th></th></tr>\n"
		    "<tr><td><span class=\"v v-unknown\">unknown</span>missing input</td>"
		    "<td class=\"num\">%zu</td></tr>\n"
		    "<tr><td><span class=\"v v-muted\">muted</span>accepted by the mutelist</td>"
		    "<td class=\"num\">%zu</td></tr>\n"
		    "<tr><td><span class=\"v v-pass\">pass</span>checks that passed</td>"
		    "<td class=\"num\">%zu</td></tr>\n"
		    "<tr><th>total</th><th class=\"num\">%zu</th></tr>\n</tbody></table>\n",
		    c->by_status[MM_ST_UNKNOWN], c->by_status[MM_ST_MUTED],
		    c->by_status[MM_ST_PASS], c->total);

	struct bar bars[] = {
		{ "critical (fail)", sev_colors[MM_SEV_CRITICAL], c->fail_by_sev[MM_SEV_CRITICAL] },
		{ "high (fail)", sev_colors[MM_SEV_HIGH], c->fail_by_sev[MM_SEV_HIGH] },
		{ "medium (fail)", sev_colors[MM_SEV_MEDIUM], c->fail_by_sev[MM_SEV_MEDIUM] },
		{ "low (fail)", sev_colors[MM_SEV_LOW], c->fail_by_sev[MM_SEV_LOW] },
		{ "info (fail)", sev_colors[MM_SEV_INFO], c->fail_by_sev[MM_SEV_INFO] },
		{ "unknown", "#8250df", c->by_status[MM_ST_UNKNOWN] },
		{ "muted", "#afb8c1", c->by_status[MM_ST_MUTED] },
		{ "passed", "#1a7f37", c->by_status[MM_ST_PASS] },
	};
	bar_chart(sb, "Findings by severity and status", bars, sizeof(bars) / sizeof(bars[0]));

	strbuf_addstr(sb, "<dl class=\"facts\">\n");
	fact(sb, "verdict");
	verdict_text(h);
	strbuf_addstr(sb, "</dd>\n");
	if (m->exposure_note) {
		fact(sb, "exposure analysis");
		html_put(sb, m->exposure_note);
		strbuf_addstr(sb, "</dd>\n");
	}
	if (m->reach) {
		fact(sb, "reachability");
		strbuf_addf(sb,
			    "%zu instances and %zu interfaces evaluated: %zu exposures, %zu "
			    "blocked, %zu unknown</dd>\n",
			    m->reach->instances, m->reach->enis, m->reach->nexp, m->reach->nblk,
			    m->reach->nunk);
	}
	if (m->paths) {
		size_t complete = 0;
		for (size_t i = 0; i < m->paths->nr; i++)
			complete += m->paths->v[i].complete;
		fact(sb, "attack paths");
		strbuf_addf(sb, "%zu complete, %zu partial (%zu instances considered)</dd>\n",
			    complete, m->paths->nr - complete, m->paths->instances);
	}
	strbuf_addstr(sb, "</dl>\n</section>\n");
}

/* ---- compliance matrix ---- */

struct framework {
	const char *prefix, *name;
};

static const struct framework frameworks[] = {
	{ "CIS-AWS-3.0:", "CIS Amazon Web Services Foundations Benchmark v3.0" },
	{ "FSBP:", "AWS Foundational Security Best Practices (FSBP)" },
};

struct control {
	const char *id; /* full string, "CIS-AWS-3.0:5.2" */
	size_t n[MM_ST_PASS + 1];
	bool in_catalog;
	const char **rules;
	size_t nrules, arules;
};

struct controls {
	struct control *v;
	size_t nr, alloc;
	struct hmap ix; /* id -> 1 + index */
};

static struct control *control_get(struct controls *cs, const char *id)
{
	size_t i = ix_get(&cs->ix, id);
	if (i)
		return &cs->v[i - 1];
	ALLOC_GROW(cs->v, cs->nr + 1, cs->alloc);
	struct control *c = &cs->v[cs->nr++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	hmap_put(&cs->ix, id, (void *)(uintptr_t)cs->nr);
	return c;
}

static void control_add_rule(struct control *c, const char *rule)
{
	if (!rule)
		return;
	for (size_t i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i], rule))
			return;
	ALLOC_GROW(c->rules, c->nrules + 1, c->arules);
	c->rules[c->nrules++] = rule;
}

/* Compare with digit runs as numbers: "EC2.2" < "EC2.19", "5.2" < "5.10". */
static int natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			size_t la = 0, lb = 0;
			while (a[la] >= '0' && a[la] <= '9')
				la++;
			while (b[lb] >= '0' && b[lb] <= '9')
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int r = strncmp(a, b, la);
			if (r)
				return r;
			a += la;
			b += lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int cmp_control(const void *x, const void *y)
{
	const struct control *a = x, *b = y;
	int r = natcmp(a->id, b->id);
	return r ? r : strcmp(a->id, b->id);
}

static bool has_prefix(const char *s, const char *p)
{
	return s && !strncmp(s, p, strlen(p));
}

/* The same control twice in one finding counts once. */
static bool seen_before(const char *const *v, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (v[k] && !strcmp(v[k], v[i]))
			return true;
	return false;
}

enum verdict { V_FAIL, V_UNKNOWN, V_MUTED, V_PASS, V_PASS_NONE, V_NOT_EVALUATED };
/* Row classes (tests and user style sheets select on them). */
static const char *const verdict_class[] = { "fail", "unknown",	  "muted",
					     "pass", "pass-none", "not-evaluated" };

static enum verdict control_verdict(const struct control *c, const struct report_meta *m)
{
	if (c->n[MM_ST_FAIL])
		return V_FAIL;
	if (c->n[MM_ST_UNKNOWN])
		return V_UNKNOWN;
	if (c->n[MM_ST_MUTED])
		return V_MUTED;
	if (c->n[MM_ST_PASS])
		return V_PASS;
	/* no finding at all: a pass only if its rules were evaluated */
	if (c->in_catalog && m->rules_evaluated > 0)
		return V_PASS_NONE;
	return V_NOT_EVALUATED;
}

static void verdict_badge(struct strbuf *sb, enum verdict v)
{
	switch (v) {
	case V_FAIL:
		strbuf_addstr(sb, "<span class=\"v v-fail\">fail</span>");
		break;
	case V_UNKNOWN:
		strbuf_addstr(sb, "<span class=\"v v-unknown\">unknown</span>missing input");
		break;
	case V_MUTED:
		strbuf_addstr(sb, "<span class=\"v v-muted\">muted</span>failures accepted by the "
				  "mutelist");
		break;
	case V_PASS:
		strbuf_addstr(sb, "<span class=\"v v-pass\">pass</span>");
		break;
	case V_PASS_NONE:
		strbuf_addstr(sb, "<span class=\"v v-pass\">pass</span>(no resource failed)");
		break;
	case V_NOT_EVALUATED:
		strbuf_addstr(sb, "<span class=\"v v-unknown\">unknown</span>not evaluated");
		break;
	}
}

static void framework_matrix(struct hr *h, const struct framework *fw)
{
	struct strbuf *sb = h->sb;
	const struct posture_catalog *cat = h->m->catalog;
	struct controls cs = { 0 };
	for (size_t i = 0; cat && i < cat->nr; i++) {
		const struct posture_rule *r = &cat->v[i];
		for (size_t k = 0; k < r->ncompliance; k++) {
			if (!has_prefix(r->compliance[k], fw->prefix))
				continue;
			struct control *c = control_get(&cs, r->compliance[k]);
			c->in_catalog = true;
			control_add_rule(c, r->id);
		}
	}
	for (size_t i = 0; i < h->fs->nr; i++) {
		const struct finding *f = &h->fs->v[i];
		for (size_t k = 0; k < f->ncompliance; k++) {
			if (!has_prefix(f->compliance[k], fw->prefix) ||
			    seen_before(f->compliance, k))
				continue;
			struct control *c = control_get(&cs, f->compliance[k]);
			if ((unsigned)f->status <= MM_ST_PASS)
				c->n[f->status]++;
			control_add_rule(c, f->rule);
		}
	}
	if (cs.nr)
		mm_qsort(cs.v, cs.nr, sizeof(*cs.v), cmp_control);

	size_t nv[V_NOT_EVALUATED + 1] = { 0 };
	for (size_t i = 0; i < cs.nr; i++)
		nv[control_verdict(&cs.v[i], h->m)]++;

	strbuf_addstr(sb, "<h3>");
	html_put(sb, fw->name);
	strbuf_addstr(sb, "</h3>\n");
	if (!cs.nr) {
		strbuf_addstr(sb,
			      "<p class=\"note\">No rule or finding maps to this framework.</p>\n");
		goto out;
	}
	strbuf_addf(sb,
		    "<p>%zu control%s assessed: %zu fail, %zu unknown, %zu muted, %zu pass. "
		    "Controls not listed are not assessed by this tool.</p>\n",
		    cs.nr, cs.nr == 1 ? "" : "s", nv[V_FAIL], nv[V_UNKNOWN] + nv[V_NOT_EVALUATED],
		    nv[V_MUTED], nv[V_PASS] + nv[V_PASS_NONE]);
	strbuf_addstr(sb, "<table class=\"matrix\"><thead><tr><th>control</th><th>verdict</th>"
			  "<th class=\"num\">fail</th><th class=\"num\">unknown</th>"
			  "<th class=\"num\">muted</th><th class=\"num\">pass</th>"
			  "<th>rules</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < cs.nr; i++) {
		const struct control *c = &cs.v[i];
		enum verdict v = control_verdict(c, h->m);
		strbuf_addf(sb, "<tr class=\"vr-%s\">", verdict_class[v]);
		td_code(sb, c->id + strlen(fw->prefix));
		strbuf_addstr(sb, "<td>");
		verdict_badge(sb, v);
		strbuf_addf(sb,
			    "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
			    "<td class=\"num\">%zu</td><td class=\"num\">%zu</td><td>",
			    c->n[MM_ST_FAIL], c->n[MM_ST_UNKNOWN], c->n[MM_ST_MUTED],
			    c->n[MM_ST_PASS]);
		for (size_t k = 0; k < c->nrules; k++) {
			if (k)
				strbuf_addstr(sb, ", ");
			code(sb, c->rules[k]);
		}
		strbuf_addstr(sb, "</td></tr>\n");
	}
	strbuf_addstr(sb, "</tbody></table>\n");
out:
	for (size_t i = 0; i < cs.nr; i++)
		free(cs.v[i].rules);
	free(cs.v);
	hmap_release(&cs.ix);
}

static void compliance(struct hr *h)
{
	struct strbuf *sb = h->sb;
	strbuf_addstr(sb, "<section id=\"compliance\">\n<h2>Compliance</h2>\n");
	strbuf_addstr(
	    sb, "<p class=\"note\">One row per control a rule maps to. The verdict is <b>fail</b> "
		"when a failing finding maps to the control; <b>unknown</b> when a finding could "
		"not be decided for missing input (and none failed); <b>muted</b> when its only "
		"failures are muted; <b>pass</b> when findings passed and none failed or was "
		"unknown; <b>pass (no resource failed)</b> when its rules were evaluated and "
		"produced no finding. Missing data is never counted as a pass: a control whose "
		"rules were not evaluated is unknown.</p>\n");
	for (size_t i = 0; i < sizeof(frameworks) / sizeof(frameworks[0]); i++)
		framework_matrix(h, &frameworks[i]);
	strbuf_addstr(sb, "</section>\n");
}

/* ---- findings ---- */

static void rule_options(struct hr *h)
{
	struct strbuf *sb = h->sb;
	struct hmap seen = HMAP_INIT;
	const char **v = NULL;
	size_t n = 0, alloc = 0;
	for (size_t i = 0; i < h->fs->nr; i++) {
		const char *r = h->fs->v[i].rule;
		if (!r || hmap_get(&seen, r))
			continue;
		hmap_put(&seen, r, (void *)1);
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = r;
	}
	if (n)
		mm_qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(sb, "<option value=\"");
		html_put(sb, v[i]);
		strbuf_addstr(sb, "\">");
		html_put(sb, v[i]);
		strbuf_addstr(sb, "</option>");
	}
	hmap_release(&seen);
	free(v);
}

static void filters(struct hr *h)
{
	struct strbuf *sb = h->sb;
	strbuf_addstr(sb, "<div id=\"filters\" class=\"filters\" hidden>\n"
			  "<label>severity <select id=\"f-sev\"><option value=\"\">all</option>");
	for (int s = MM_SEV_CRITICAL; s >= MM_SEV_INFO; s--)
		strbuf_addf(sb, "<option>%s</option>", mm_sev_name((enum mm_sev)s));
	strbuf_addstr(sb, "</select></label>\n<label>status <select id=\"f-status\">"
			  "<option value=\"\">all</option>");
	for (int s = MM_ST_FAIL; s <= MM_ST_PASS; s++)
		strbuf_addf(sb, "<option>%s</option>", mm_status_name((enum mm_status)s));
	strbuf_addstr(sb, "</select></label>\n<label>rule <select id=\"f-rule\">"
			  "<option value=\"\">all</option>");
	rule_options(h);
	strbuf_addstr(sb, "</select></label>\n<label>resource <input id=\"f-res\" type=\"search\" "
			  "placeholder=\"id, type or ARN contains\"></label>\n"
			  "<span id=\"f-count\" class=\"note\"></span>\n</div>\n"
			  "<noscript><p class=\"note\">Filters need JavaScript; every finding is "
			  "listed below.</p></noscript>\n");
}

static void finding_details(struct hr *h, const struct finding *f)
{
	struct strbuf *sb = h->sb;
	strbuf_addstr(sb, "<div class=\"body\">");
	if (f->status == MM_ST_MUTED) {
		strbuf_addstr(sb, "<p><b>muted:</b> <span class=\"detail\">");
		html_putd(sb, f->mute_reason);
		strbuf_addstr(sb, "</span></p>");
	}
	if (f->res_arn) {
		strbuf_addstr(sb, "<p><b>arn:</b> ");
		code(sb, f->res_arn);
		strbuf_addstr(sb, "</p>");
	}
	if (f->nev) {
		strbuf_addstr(sb, "<p><b>evidence:</b></p><ul>");
		for (size_t i = 0; i < f->nev; i++) {
			strbuf_addstr(sb, "<li>");
			if (f->ev[i].loc) {
				code(sb, f->ev[i].loc);
				if (f->ev[i].what)
					strbuf_addstr(sb, "<br>");
			}
			if (f->ev[i].what) {
				strbuf_addstr(sb, "<span class=\"detail\">");
				html_put(sb, f->ev[i].what);
				strbuf_addstr(sb, "</span>");
			}
			strbuf_addstr(sb, "</li>");
		}
		strbuf_addstr(sb, "</ul>");
	}
	if (f->rem_text) {
		strbuf_addstr(sb, "<p><b>fix:</b> <span class=\"detail\">");
		html_put(sb, f->rem_text);
		strbuf_addstr(sb, "</span></p>");
	}
	if (f->rem_cli) {
		strbuf_addstr(sb, "<pre class=\"cli\">$ ");
		html_put(sb, f->rem_cli);
		strbuf_addstr(sb, "</pre>");
	}
	if (f->ncompliance) {
		strbuf_addstr(sb, "<p><b>compliance:</b> ");
		for (size_t i = 0; i < f->ncompliance; i++) {
			if (i)
				strbuf_addstr(sb, ", ");
			code(sb, f->compliance[i]);
		}
		strbuf_addstr(sb, "</p>");
	}
	if (f->ntags) {
		strbuf_addstr(sb, "<p><b>tags:</b> ");
		for (size_t i = 0; i < f->ntags; i++) {
			if (i)
				strbuf_addstr(sb, ", ");
			strbuf_addstr(sb, "<code>");
			html_put(sb, f->tags[i].key);
			strbuf_addch(sb, '=');
			html_put(sb, f->tags[i].value);
			strbuf_addstr(sb, "</code>");
		}
		strbuf_addstr(sb, "</p>");
	}
	size_t r = ix_get(&h->reach_ix, f->res_id), p = ix_get(&h->path_ix, f->res_id);
	if (r || p) {
		strbuf_addstr(sb, "<p><b>see:</b> ");
		if (r)
			strbuf_addf(sb, "<a href=\"#reach-%zu\">reachability</a>", r);
		if (r && p)
			strbuf_addstr(sb, ", ");
		if (p)
			strbuf_addf(sb, "<a href=\"#path-%zu\">attack path</a>", p);
		strbuf_addstr(sb, "</p>");
	}
	strbuf_addf(sb, "<p class=\"note\">finding id <code>%s</code></p></div>", f->id);
}

static void finding_row(struct hr *h, const struct finding *f)
{
	struct strbuf *sb = h->sb;
	const char *sev = mm_sev_name(f->sev), *st = mm_status_name(f->status);
	strbuf_addf(sb, "<tr class=\"st-%s\" data-sev=\"%s\" data-status=\"%s\" data-rule=\"", st,
		    sev, st);
	html_put(sb, f->rule);
	strbuf_addstr(sb, "\" data-res=\"");
	html_put(sb, f->res_type);
	strbuf_addch(sb, ' ');
	html_put(sb, f->res_id);
	if (f->res_arn) {
		strbuf_addch(sb, ' ');
		html_put(sb, f->res_arn);
	}
	strbuf_addstr(sb, "\"><td>");
	sev_badge(sb, f->sev);
	strbuf_addf(sb, "</td><td><span class=\"v v-%s\">%s</span></td><td>", st, st);
	code(sb, f->rule);
	if (f->title) {
		strbuf_addstr(sb, "<br>");
		html_put(sb, f->title);
	}
	strbuf_addstr(sb, "</td><td>");
	html_putd(sb, f->res_type);
	strbuf_addstr(sb, "<br>");
	code(sb, f->res_id);
	strbuf_addstr(sb, "<br><span class=\"note\">");
	html_putd(sb, f->account);
	strbuf_addch(sb, '/');
	html_putd(sb, f->region);
	strbuf_addstr(sb, "</span></td><td><details><summary class=\"msg\">");
	html_putd(sb, f->message && *f->message ? f->message : f->title);
	strbuf_addstr(sb, "</summary>");
	finding_details(h, f);
	strbuf_addstr(sb, "</details></td></tr>\n");
}

static void findings_section(struct hr *h)
{
	struct strbuf *sb = h->sb;
	strbuf_addf(sb, "<section id=\"findings\">\n<h2>Findings (%zu)</h2>\n", h->fs->nr);
	if (!h->fs->nr) {
		strbuf_addstr(sb, "<p>No findings.</p>\n</section>\n");
		return;
	}
	filters(h);
	strbuf_addstr(sb, "<p class=\"note\">Worst first. Open a row for its evidence (file and "
			  "JSON pointer), the fix and the AWS CLI command.</p>\n");
	strbuf_addstr(sb, "<table id=\"findings-table\"><thead><tr><th>severity</th>"
			  "<th>status</th><th>rule</th><th>resource</th><th>message and evidence"
			  "</th></tr></thead>\n<tbody id=\"findings-body\">\n");
	for (size_t i = 0; i < h->fs->nr; i++)
		finding_row(h, &h->fs->v[i]);
	strbuf_addstr(sb, "</tbody></table>\n</section>\n");
}

/* ---- reachability ---- */

static const char *fam_name(enum mm_family f)
{
	return f == MM_AF_INET6 ? "ipv6" : f == MM_AF_INET ? "ipv4" : "-";
}

static bool is_icmp(int p)
{
	return p == MM_PROTO_ICMP || p == MM_PROTO_ICMPV6;
}

static void ports_html(struct strbuf *sb, const struct reach_exposure *x)
{
	if (x->proto == MM_PROTO_ALL || x->proto == REACH_PROTO_OTHER) {
		strbuf_addstr(sb, "all");
		return;
	}
	for (size_t i = 0; i < x->nports && i < HTML_MAX_PORTS; i++) {
		unsigned lo = (unsigned)x->ports[i].lo, hi = (unsigned)x->ports[i].hi;
		const char *sep = i ? ", " : "";
		if (is_icmp(x->proto)) {
			if (lo == 0 && hi == 65535)
				strbuf_addf(sb, "%sall types", sep);
			else if (lo >> 8 == hi >> 8 && (lo & 255) == 0 && (hi & 255) == 255)
				strbuf_addf(sb, "%stype %u", sep, lo >> 8);
			else if (lo >> 8 == hi >> 8)
				strbuf_addf(sb, "%stype %u code %u-%u", sep, lo >> 8, lo & 255,
					    hi & 255);
			else
				strbuf_addf(sb, "%stypes %u-%u", sep, lo >> 8, hi >> 8);
		} else if (lo == hi) {
			strbuf_addf(sb, "%s%u", sep, lo);
		} else {
			strbuf_addf(sb, "%s%u-%u", sep, lo, hi);
		}
	}
	if (x->nports > HTML_MAX_PORTS)
		strbuf_addf(sb, " and %zu more ranges", x->nports - HTML_MAX_PORTS);
}

struct cidr_list {
	struct strbuf *sb;
	size_t n, max;
};

static int cidr_cb(const char *cidr, void *arg)
{
	struct cidr_list *l = arg;
	if (l->n < l->max) {
		if (l->n)
			strbuf_addstr(l->sb, ", ");
		html_put(l->sb, cidr);
	}
	l->n++;
	return 0;
}

static size_t list_cidrs(struct strbuf *sb, enum mm_family fam, const struct mm_iv *v, size_t n,
			 size_t max)
{
	struct cidr_list l = { sb, 0, max };
	for (size_t i = 0; i < n; i++)
		reach_range_cidrs(fam, v[i].lo, v[i].hi, cidr_cb, &l);
	return l.n;
}

/* "internet (any)", "internet except X", or the CIDRs (capped). */
static void sources_html(struct strbuf *sb, enum mm_family fam, const struct mm_iv *v, size_t n)
{
	if (fam == MM_AF_INET || fam == MM_AF_INET6) {
		const struct ivset *inet = mm_internet_ranges(fam);
		bool all = inet->nr == n;
		for (size_t i = 0; all && i < n; i++)
			all = inet->v[i].lo == v[i].lo && inet->v[i].hi == v[i].hi;
		if (all) {
			strbuf_addstr(sb, "internet (any)");
			return;
		}
		/* most of the internet minus a block or two (often the VPC's own
		 * IPv6 range, which routes locally): name what is missing */
		struct ivset src = IVSET_INIT, rest = IVSET_INIT, outside = IVSET_INIT;
		for (size_t i = 0; i < n; i++)
			ivset_add(&src, v[i].lo, v[i].hi);
		ivset_copy(&rest, inet);
		ivset_subtract(&rest, &src);
		ivset_copy(&outside, &src);
		ivset_subtract(&outside, inet);
		bool done = false;
		if (!ivset_empty(&src) && ivset_empty(&outside) && rest.nr <= 2) {
			struct strbuf ex = STRBUF_INIT;
			size_t k = list_cidrs(&ex, fam, rest.v, rest.nr, 3);
			if (k <= 2) {
				strbuf_addstr(sb, "internet except ");
				strbuf_add(sb, ex.buf, ex.len);
				done = true;
			}
			strbuf_release(&ex);
		}
		ivset_release(&src);
		ivset_release(&rest);
		ivset_release(&outside);
		if (done)
			return;
	}
	size_t k = list_cidrs(sb, fam, v, n, HTML_MAX_CIDRS);
	if (k > HTML_MAX_CIDRS)
		strbuf_addf(sb, " and %zu more (mamori reach --format json lists all)",
			    k - HTML_MAX_CIDRS);
	if (!k)
		strbuf_addstr(sb, "none");
}

/*
 * Hop tables are most of a large report (one per exposure and per block), so
 * their rows are terse: optional end tags omitted (valid HTML) and the column
 * styles (monospace ids, right-aligned step) come from CSS, not per cell.
 */
static void hop_rows(struct strbuf *sb, const char *dir, const struct reach_hop *v, size_t n,
		     size_t *step)
{
	for (size_t i = 0; i < n; i++) {
		const struct reach_hop *p = &v[i];
		strbuf_addf(sb, "<tr><td>%zu<td>%s<td%s>", ++*step, dir,
			    same(p->action, "deny") ? " class=\"deny\"" : "");
		html_putd(sb, p->action);
		strbuf_addstr(sb, "<td>");
		html_putd(sb, p->component);
		strbuf_addstr(sb, "<td>");
		html_putd(sb, p->type);
		strbuf_addstr(sb, "<td>");
		html_putd(sb, p->rule);
		strbuf_addstr(sb, "<td>");
		html_putd(sb, p->detail);
		strbuf_addstr(sb, "<td>");
		html_putd(sb, p->evidence);
		strbuf_addch(sb, '\n');
	}
}

static void hop_table_begin(struct strbuf *sb)
{
	strbuf_addstr(sb, "<table class=\"hops\"><tr><th>#<th>path<th>action<th>component"
			  "<th>type<th>rule<th>detail<th>evidence\n");
}

/* "igw-1 → rtb-2 → acl-3": the strip shown before the hop table opens. */
static void hop_strip(struct strbuf *sb, const struct reach_hop *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(sb, " \xe2\x86\x92 ");
		if (same(v[i].action, "deny"))
			strbuf_addstr(sb, "<span class=\"deny\">");
		html_putd(sb, v[i].component);
		if (same(v[i].action, "deny"))
			strbuf_addstr(sb, " (deny)</span>");
	}
}

static void exposure_row(struct strbuf *sb, const struct reach_exposure *x)
{
	strbuf_addf(sb, "<tr><td>%s</td><td>%s</td><td>%s</td><td>", reach_origin_name(x->origin),
		    fam_name(x->family), reach_proto_name(x->proto));
	ports_html(sb, x);
	strbuf_addstr(sb, "</td><td>");
	sources_html(sb, x->family, x->src, x->nsrc);
	strbuf_addstr(sb, "</td><td>");
	code(sb, x->gateway);
	if (x->entry_id) {
		strbuf_addstr(sb, "<br>load balancer ");
		code(sb, x->entry_id);
		strbuf_addf(sb, " port %d", x->entry_port);
	}
	strbuf_addstr(sb, "</td>");
	td_code(sb, x->address);
	strbuf_addstr(sb, "<td><details><summary>");
	hop_strip(sb, x->fwd, x->nfwd);
	strbuf_addstr(sb, "</summary><div class=\"body\">");
	hop_table_begin(sb);
	size_t step = 0;
	hop_rows(sb, "forward", x->fwd, x->nfwd, &step);
	hop_rows(sb, "return", x->ret, x->nret, &step);
	strbuf_addstr(sb, "</table>");
	for (size_t k = 0; k < x->nnotes; k++) {
		strbuf_addstr(sb, "<p class=\"note detail\">note: ");
		html_put(sb, x->notes[k]);
		strbuf_addstr(sb, "</p>");
	}
	strbuf_addstr(sb, "</div></details></td></tr>\n");
}

static void block_row(struct strbuf *sb, const struct reach_block *b)
{
	strbuf_addf(sb, "<tr><td>%s</td><td>%s</td><td>", reach_origin_name(b->origin),
		    fam_name(b->family));
	if (b->entry_id) {
		code(sb, b->entry_id);
		strbuf_addf(sb, " port %d", b->entry_port);
	} else {
		strbuf_addstr(sb, "direct");
	}
	strbuf_addstr(sb, "</td><td class=\"deny\">");
	html_putd(sb, b->code);
	strbuf_addstr(sb, "</td>");
	td_code(sb, b->component);
	td_text(sb, "detail", b->detail);
	td_code(sb, b->evidence);
	strbuf_addstr(sb, "<td>");
	if (b->npath == 1 && same(b->path[0].component, b->component) &&
	    same(b->path[0].detail, b->detail) && same(b->path[0].evidence, b->evidence)) {
		/* the hop table would repeat this row */
		strbuf_addstr(sb, "none: blocked at the first hop");
	} else if (b->npath) {
		strbuf_addstr(sb, "<details><summary>");
		hop_strip(sb, b->path, b->npath);
		strbuf_addstr(sb, "</summary><div class=\"body\">");
		hop_table_begin(sb);
		size_t step = 0;
		hop_rows(sb, "forward", b->path, b->npath, &step);
		strbuf_addstr(sb, "</table></div></details>");
	} else {
		strbuf_addstr(sb, "-");
	}
	strbuf_addstr(sb, "</td></tr>\n");
}

static void unknown_row(struct strbuf *sb, const struct reach_unknown *u)
{
	strbuf_addf(sb, "<tr><td>%s</td><td>%s</td>", reach_origin_name(u->origin),
		    fam_name(u->family));
	td_code(sb, u->eni);
	td_code(sb, u->component);
	td_text(sb, "detail", u->reason);
	strbuf_addstr(sb, "</tr>\n");
}

/* One origin's verdict for a resource: reachable if anything is exposed,
 * else unknown if anything is unknown, else not reachable when blocked. */
static void origin_verdict(struct strbuf *sb, const char *origin, size_t nexp, size_t nunk,
			   size_t nblk)
{
	if (nexp)
		strbuf_addf(sb, "<span class=\"v v-fail\">%s: reachable</span>", origin);
	else if (nunk)
		strbuf_addf(sb, "<span class=\"v v-unknown\">%s: unknown</span>", origin);
	else if (nblk)
		strbuf_addf(sb, "<span class=\"v v-pass\">%s: not reachable</span>", origin);
	else
		strbuf_addf(sb, "<span class=\"v v-muted\">%s: no result</span>", origin);
}

static void reach_resource(struct hr *h, const char *id, size_t ix, const struct reach_exposure *x,
			   size_t nx, const struct reach_block *b, size_t nb,
			   const struct reach_unknown *u, size_t nu)
{
	struct strbuf *sb = h->sb;
	size_t ne[2] = { 0 }, nbk[2] = { 0 }, nun[2] = { 0 };
	for (size_t i = 0; i < nx; i++)
		ne[x[i].origin == REACH_FROM_PEERING]++;
	for (size_t i = 0; i < nb; i++)
		nbk[b[i].origin == REACH_FROM_PEERING]++;
	for (size_t i = 0; i < nu; i++)
		nun[u[i].origin == REACH_FROM_PEERING]++;

	strbuf_addf(sb, "<section class=\"inst\" id=\"reach-%zu\">\n<h3>", ix);
	code(sb, id);
	strbuf_addstr(sb, "</h3>\n<p>");
	origin_verdict(sb, "internet", ne[0], nun[0], nbk[0]);
	origin_verdict(sb, "peered VPCs", ne[1], nun[1], nbk[1]);
	size_t p = ix_get(&h->path_ix, id);
	if (p)
		strbuf_addf(sb, " <a href=\"#path-%zu\">attack path</a>", p);
	strbuf_addstr(sb, "</p>\n");
	if (nx) {
		strbuf_addf(sb,
			    "<h4>Reachable (%zu)</h4>\n<table class=\"exp\"><thead><tr>"
			    "<th>origin</th><th>family</th><th>protocol</th><th>ports</th>"
			    "<th>sources</th><th>via</th><th>address</th><th>path (open for "
			    "every hop)</th></tr></thead><tbody>\n",
			    nx);
		for (size_t i = 0; i < nx; i++)
			exposure_row(sb, &x[i]);
		strbuf_addstr(sb, "</tbody></table>\n");
	}
	if (nb) {
		strbuf_addf(sb,
			    "<h4>Why not reachable (%zu)</h4>\n<table class=\"blk\"><thead><tr>"
			    "<th>origin</th><th>family</th><th>entry</th><th>code</th>"
			    "<th>blocking component</th><th>detail</th><th>evidence</th>"
			    "<th>hops passed</th></tr></thead><tbody>\n",
			    nb);
		for (size_t i = 0; i < nb; i++)
			block_row(sb, &b[i]);
		strbuf_addstr(sb, "</tbody></table>\n");
	}
	if (nu) {
		strbuf_addf(sb,
			    "<h4>Unknown: missing input (%zu)</h4>\n<table class=\"unk\"><thead>"
			    "<tr><th>origin</th><th>family</th><th>interface</th>"
			    "<th>component</th><th>reason</th></tr></thead><tbody>\n",
			    nu);
		for (size_t i = 0; i < nu; i++)
			unknown_row(sb, &u[i]);
		strbuf_addstr(sb, "</tbody></table>\n");
	}
	strbuf_addstr(sb, "</section>\n");
}

static void reach_section(struct hr *h)
{
	struct strbuf *sb = h->sb;
	const struct reach_result *r = h->m->reach;
	strbuf_addstr(sb, "<section id=\"reach\">\n<h2>Reachability</h2>\n");
	if (!r) {
		strbuf_addstr(sb, "<p class=\"note\">Reachability was not computed for this "
				  "report.</p>\n</section>\n");
		return;
	}
	strbuf_addf(sb,
		    "<p>%zu instances and %zu interfaces evaluated from the internet and from "
		    "peered VPCs. For each, what can be opened and the path that admits it hop "
		    "by hop (forward and return), or the first component that blocks it and the "
		    "hops it passed before; unknown where an input is missing (never "
		    "&ldquo;not reachable&rdquo; for lack of data). Evidence is "
		    "<code>file#/json/pointer</code> into the snapshot.</p>\n",
		    r->instances, r->enis);
	if (!h->nreach)
		strbuf_addstr(sb, "<p>No interface to evaluate.</p>\n");
	size_t ie = 0, ib = 0, iu = 0, ix = 0;
	const char *id;
	while ((id = reach_next_resource(r, ie, ib, iu))) {
		size_t e0 = ie, b0 = ib, u0 = iu;
		while (ie < r->nexp && same(r->exp[ie].resource, id))
			ie++;
		while (ib < r->nblk && same(r->blk[ib].resource, id))
			ib++;
		while (iu < r->nunk && same(r->unk[iu].resource, id))
			iu++;
		reach_resource(h, id, ++ix, r->exp + e0, ie - e0, r->blk + b0, ib - b0, r->unk + u0,
			       iu - u0);
	}
	strbuf_addstr(sb, "</section>\n");
}

/* ---- attack paths ---- */

#define CH_BOX_W   168
#define CH_BOX_H   66
#define CH_GAP	   40
#define CH_PAD	   24
#define CH_ROW_H   (CH_BOX_H + 56)
#define CH_PER_ROW 6

static void chain_box_xy(size_t i, int *x, int *y)
{
	*x = CH_PAD + (int)(i % CH_PER_ROW) * (CH_BOX_W + CH_GAP);
	*y = CH_PAD + (int)(i / CH_PER_ROW) * CH_ROW_H;
}

static void chain_arrow(struct strbuf *sb, size_t i, bool dashed)
{
	int x1, y1, x2, y2;
	chain_box_xy(i, &x1, &y1);
	chain_box_xy(i + 1, &x2, &y2);
	x1 += CH_BOX_W;
	y1 += CH_BOX_H / 2;
	y2 += CH_BOX_H / 2;
	int xe = x2 - 2;
	strbuf_addf(sb,
		    "<polyline fill=\"none\" stroke=\"#57606a\" stroke-width=\"1.5\"%s points=\"",
		    dashed ? " stroke-dasharray=\"5 4\"" : "");
	if (y1 == y2) {
		strbuf_addf(sb, "%d,%d %d,%d", x1, y1, xe - 6, y2);
	} else {
		/* wrap to the next row: right, down, back left, down, in */
		int mid = y1 + CH_BOX_H / 2 + 30;
		strbuf_addf(sb, "%d,%d %d,%d %d,%d %d,%d %d,%d %d,%d", x1, y1, x1 + CH_GAP / 2, y1,
			    x1 + CH_GAP / 2, mid, x2 - CH_GAP / 2, mid, x2 - CH_GAP / 2, y2, xe - 6,
			    y2);
	}
	strbuf_addf(sb, "\"/><polygon points=\"%d,%d %d,%d %d,%d\" fill=\"#57606a\"/>\n", xe, y2,
		    xe - 8, y2 - 5, xe - 8, y2 + 5);
}

static void chain_svg(struct strbuf *sb, const struct attack_path *p, size_t cheapest_link)
{
	size_t n = p->nchain;
	if (!n)
		return;
	size_t cols = n < CH_PER_ROW ? n : CH_PER_ROW;
	size_t rows = (n + CH_PER_ROW - 1) / CH_PER_ROW;
	int w = 2 * CH_PAD + (int)cols * CH_BOX_W + (int)(cols - 1) * CH_GAP;
	int hgt = 2 * CH_PAD + (int)rows * CH_ROW_H - (CH_ROW_H - CH_BOX_H) + 20;
	strbuf_addf(sb,
		    "<svg class=\"chain\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		    "role=\"img\" aria-label=\"attack path chain\">\n",
		    w, hgt, w, hgt);
	for (size_t i = 0; i + 1 < n; i++)
		chain_arrow(sb, i,
			    !p->chain[i].present || !p->chain[i + 1].present ||
				p->chain[i].unknown || p->chain[i + 1].unknown);
	for (size_t i = 0; i < n; i++) {
		const struct path_link *l = &p->chain[i];
		int x, y;
		chain_box_xy(i, &x, &y);
		const char *stroke = "#1f2328", *fill = "#f6f8fa", *dash = "", *state = NULL;
		if (l->unknown) {
			stroke = "#8250df";
			fill = "#fbefff";
			dash = " stroke-dasharray=\"2 3\"";
			state = "unknown (missing input)";
		} else if (!l->present) {
			stroke = "#8c959f";
			fill = "#ffffff";
			dash = " stroke-dasharray=\"6 4\"";
			state = "missing";
		}
		bool cheap = i == cheapest_link;
		strbuf_addstr(sb, "<g><title>");
		html_put(sb, l->kind);
		strbuf_addstr(sb, ": ");
		html_put(sb, l->id);
		if (l->detail) {
			strbuf_addstr(sb, " \xe2\x80\x94 ");
			html_put(sb, l->detail);
		}
		if (state)
			strbuf_addf(sb, " (%s)", state);
		strbuf_addf(sb,
			    "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"5\" "
			    "fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"%s/>",
			    x, y, CH_BOX_W, CH_BOX_H, fill, cheap ? "#bc4c00" : stroke,
			    cheap ? "3" : "1.5", dash);
		const char *tc = l->present && !l->unknown ? "#1f2328" : "#57606a";
		strbuf_addf(sb,
			    "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\" "
			    "fill=\"%s\">",
			    x + 8, y + 18, tc);
		html_put_trunc(sb, l->kind, 22);
		strbuf_addf(sb,
			    "</text><text x=\"%d\" y=\"%d\" font-size=\"11\" "
			    "font-family=\"monospace\" fill=\"%s\">",
			    x + 8, y + 36, tc);
		html_put_tail(sb, l->id, 22);
		strbuf_addf(sb, "</text><text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">",
			    x + 8, y + 54, state ? stroke : "#57606a");
		if (state)
			strbuf_addstr(sb, state);
		else
			html_put_trunc(sb, l->detail, 25);
		strbuf_addstr(sb, "</text>");
		if (cheap)
			strbuf_addf(sb,
				    "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-weight=\"bold\" "
				    "fill=\"#bc4c00\">\xe2\x9c\x82 cheapest break</text>",
				    x + 8, y + CH_BOX_H + 15);
		strbuf_addstr(sb, "</g>\n");
	}
	strbuf_addstr(sb, "</svg>\n");
}

static void link_name(struct strbuf *sb, const struct attack_path *p, size_t link)
{
	if (link >= p->nchain) {
		strbuf_addstr(sb, "-");
		return;
	}
	html_putd(sb, p->chain[link].kind);
	strbuf_addch(sb, ' ');
	code(sb, p->chain[link].id);
}

static void path_article(struct hr *h, const struct attack_path *p, size_t ix)
{
	struct strbuf *sb = h->sb;
	size_t cheapest = SIZE_MAX;
	for (size_t i = 0; i < p->nbreaks; i++)
		if (p->breaks[i].cheapest && cheapest == SIZE_MAX)
			cheapest = p->breaks[i].link;

	strbuf_addf(sb, "<article class=\"path\" id=\"path-%zu\">\n<h3>", ix);
	sev_badge(sb, p->sev);
	strbuf_addch(sb, ' ');
	html_putd(sb, p->title);
	strbuf_addstr(sb, "</h3>\n<dl class=\"facts\">");
	fact(sb, "chain");
	if (p->complete)
		strbuf_addstr(sb, "<span class=\"v v-fail\">complete</span>every link holds");
	else
		strbuf_addstr(sb, "<span class=\"v v-muted\">partial</span>some links are missing");
	if (p->conditional)
		strbuf_addstr(sb, "; the IAM grant holds only under a Condition");
	strbuf_addstr(sb, "</dd>");
	fact(sb, "goal");
	html_put(sb, path_goal_name(p->goal));
	strbuf_addstr(sb, "</dd>");
	fact(sb, "target");
	html_putd(sb, p->target);
	strbuf_addstr(sb, "</dd>");
	fact(sb, "instance");
	code(sb, p->resource);
	strbuf_addstr(sb, " <span class=\"note\">");
	html_putd(sb, p->account);
	strbuf_addch(sb, '/');
	html_putd(sb, p->region);
	strbuf_addstr(sb, "</span>");
	size_t r = ix_get(&h->reach_ix, p->resource);
	if (r)
		strbuf_addf(sb, " <a href=\"#reach-%zu\">reachability</a>", r);
	strbuf_addstr(sb, "</dd></dl>\n");

	chain_svg(sb, p, cheapest);

	if (p->nmissing) {
		strbuf_addstr(sb, "<p><b>Not critical because:</b></p><ul>");
		for (size_t i = 0; i < p->nmissing; i++) {
			strbuf_addstr(sb, "<li class=\"detail\">");
			html_put(sb, p->missing[i]);
			strbuf_addstr(sb, "</li>");
		}
		strbuf_addstr(sb, "</ul>\n");
	}
	if (p->nbreaks) {
		strbuf_addstr(sb,
			      "<h4>Ways to break the chain</h4>\n<table class=\"breaks\"><thead>"
			      "<tr><th class=\"num\">cost</th><th>link removed</th>"
			      "<th>break</th><th>AWS CLI</th></tr></thead><tbody>\n");
		for (size_t i = 0; i < p->nbreaks; i++) {
			const struct path_break *b = &p->breaks[i];
			strbuf_addf(sb, "<tr%s><td class=\"num\">%d</td><td>",
				    b->cheapest ? " class=\"cheapest\"" : "", b->cost);
			link_name(sb, p, b->link);
			strbuf_addstr(sb, "</td><td>");
			if (b->cheapest)
				strbuf_addstr(sb, "<span class=\"v v-pass\">cheapest</span>");
			strbuf_addstr(sb, "<span class=\"detail\">");
			html_putd(sb, b->what);
			strbuf_addstr(sb, "</span></td><td>");
			if (b->cli) {
				strbuf_addstr(sb, "<pre class=\"cli\">$ ");
				html_put(sb, b->cli);
				strbuf_addstr(sb, "</pre>");
			} else {
				strbuf_addstr(sb, "-");
			}
			strbuf_addstr(sb, "</td></tr>\n");
		}
		strbuf_addstr(sb, "</tbody></table>\n");
	}
	strbuf_addf(sb,
		    "<details><summary>Links and evidence (%zu)</summary><div class=\"body\">"
		    "<table class=\"links\"><thead><tr><th>#</th><th>link</th><th>id</th>"
		    "<th>state</th><th>detail</th><th>evidence</th></tr></thead><tbody>\n",
		    p->nchain);
	for (size_t i = 0; i < p->nchain; i++) {
		const struct path_link *l = &p->chain[i];
		strbuf_addf(sb, "<tr><td class=\"num\">%zu</td>", i + 1);
		td_text(sb, NULL, l->kind);
		td_code(sb, l->id);
		strbuf_addf(sb, "<td>%s</td>",
			    l->unknown	 ? "<span class=\"v v-unknown\">unknown</span>"
			    : l->present ? "<span class=\"v v-fail\">holds</span>"
					 : "<span class=\"v v-pass\">missing</span>");
		td_text(sb, "detail", l->detail);
		strbuf_addstr(sb, "<td>");
		for (size_t k = 0; k < l->nev; k++) {
			if (k)
				strbuf_addstr(sb, "<br>");
			code(sb, l->ev[k].loc);
			if (l->ev[k].what) {
				strbuf_addstr(sb, " <span class=\"detail\">");
				html_put(sb, l->ev[k].what);
				strbuf_addstr(sb, "</span>");
			}
		}
		if (!l->nev)
			strbuf_addch(sb, '-');
		strbuf_addstr(sb, "</td></tr>\n");
	}
	strbuf_addstr(sb, "</tbody></table></div></details>\n</article>\n");
}

static void paths_section(struct hr *h)
{
	struct strbuf *sb = h->sb;
	const struct paths_result *p = h->m->paths;
	strbuf_addstr(sb, "<section id=\"paths\">\n<h2>Attack paths</h2>\n");
	if (!p) {
		strbuf_addstr(sb, "<p class=\"note\">Attack paths were not computed for this "
				  "report.</p>\n</section>\n");
		return;
	}
	strbuf_addf(sb,
		    "<p>Chains from the internet to data or privilege through an instance: each "
		    "link alone is not critical, the chain is. Solid boxes hold, dashed boxes are "
		    "missing (the path is partial), dotted boxes are unknown for missing input; "
		    "the cheapest way to break each chain is outlined. %zu instance%s "
		    "considered",
		    p->instances, p->instances == 1 ? "" : "s");
	if (p->unknown_roles)
		strbuf_addf(sb,
			    "; <span class=\"v v-unknown\">unknown</span>%zu instance role%s "
			    "could not be evaluated",
			    p->unknown_roles, p->unknown_roles == 1 ? "" : "s");
	strbuf_addstr(sb, ".</p>\n");
	if (!p->nr)
		strbuf_addstr(sb, "<p>No attack path found.</p>\n");
	for (size_t i = 0; i < p->nr; i++)
		path_article(h, &p->v[i], i + 1);
	strbuf_addstr(sb, "</section>\n");
}

/* ---- input problems ---- */

static void inputs_section(struct hr *h)
{
	struct strbuf *sb = h->sb;
	const struct mm_diags *d = h->m->diags;
	strbuf_addstr(sb, "<section id=\"inputs\">\n<h2>Input problems</h2>\n");
	if (!d || !d->nr) {
		strbuf_addstr(sb, "<p>None: every file that was read parsed.</p>\n</section>\n");
		return;
	}
	strbuf_addf(sb,
		    "<p>%zu error%s, %zu warning%s. Whatever these files held is unknown to this "
		    "report, never assumed safe.</p>\n<table class=\"diags\"><thead><tr>"
		    "<th>level</th><th>file</th><th class=\"num\">offset</th><th>message</th>"
		    "</tr></thead><tbody>\n",
		    d->nr_errors, d->nr_errors == 1 ? "" : "s", d->nr_warnings,
		    d->nr_warnings == 1 ? "" : "s");
	size_t shown = d->nr < HTML_MAX_DIAGS ? d->nr : HTML_MAX_DIAGS;
	for (size_t i = 0; i < shown; i++) {
		const struct mm_diag *g = &d->v[i];
		strbuf_addf(sb, "<tr><td>%s</td>",
			    g->level == MM_DIAG_ERROR ? "<span class=\"v v-fail\">error</span>"
						      : "<span class=\"v v-muted\">warning</span>");
		td_code(sb, g->file);
		if (g->off >= 0)
			strbuf_addf(sb, "<td class=\"num\">%lld</td>", g->off);
		else
			strbuf_addstr(sb, "<td class=\"num\">-</td>");
		td_text(sb, "detail", g->msg);
		strbuf_addstr(sb, "</tr>\n");
	}
	strbuf_addstr(sb, "</tbody></table>\n");
	if (d->nr > shown)
		strbuf_addf(sb,
			    "<p class=\"note\">&hellip; and %zu more (--format json lists all)"
			    "</p>\n",
			    d->nr - shown);
	strbuf_addstr(sb, "</section>\n");
}

/* ---- the page ---- */

static void head(struct hr *h)
{
	struct strbuf *sb = h->sb;
	const struct report_meta *m = h->m;
	strbuf_addstr(sb,
		      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
		      "'none'; style-src 'unsafe-inline'; script-src '" HTML_SCRIPT_SHA256
		      "'; base-uri 'none'; form-action 'none'\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<meta name=\"generator\" content=\"");
	html_put(sb, m->tool_name ? m->tool_name : "mamori");
	strbuf_addch(sb, ' ');
	html_put(sb, m->tool_version);
	strbuf_addstr(sb, "\">\n<title>");
	html_put(sb, m->tool_name ? m->tool_name : "mamori");
	strbuf_addstr(sb, " report");
	if (m->snapshot) {
		strbuf_addstr(sb, ": ");
		html_put(sb, m->snapshot);
	}
	strbuf_addstr(sb, "</title>\n<style>\n");
	strbuf_addstr(sb, html_style);
	strbuf_addstr(sb, "</style>\n</head>\n<body data-js=\"off\">\n");
}

static int html_render(struct strbuf *out, const struct findings *fs, const struct report_meta *m,
		       const struct report_opts *o)
{
	static const struct findings none;
	(void)o;
	struct hr h = { .sb = out, .fs = fs ? fs : &none, .m = m };
	report_count(h.fs, m->fail_on, &h.c);
	index_analyses(&h);

	head(&h);
	header(&h);
	strbuf_addstr(out, "<main>\n");
	summary(&h);
	compliance(&h);
	findings_section(&h);
	reach_section(&h);
	paths_section(&h);
	inputs_section(&h);
	strbuf_addstr(out, "</main>\n<footer><p class=\"note\">Generated by ");
	html_put(out, m->tool_name ? m->tool_name : "mamori");
	strbuf_addch(out, ' ');
	html_put(out, m->tool_version);
	strbuf_addstr(out, ". This file is self-contained: it loads nothing from the network. "
			   "Printing shows every row and every detail.</p></footer>\n<script>");
	strbuf_addstr(out, html_script);
	strbuf_addstr(out, "</script>\n</body>\n</html>\n");

	hmap_release(&h.reach_ix);
	hmap_release(&h.path_ix);
	return 0;
}

const struct report_module report_module_html = {
	.name = "html",
	.description = "self-contained HTML evidence report (docs/report-html.md)",
	.render = html_render,
	.wants_analyses = true,
};
