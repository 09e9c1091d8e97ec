/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The output module table, and what every module computes the same way: the
 * summary counts and the --fail-on verdict. Keeping the verdict here means the
 * exit code (src/cmd/scan.c) and the verdict line a report prints cannot
 * disagree.
 */
#include "report.h"

#include <string.h>
#include <strings.h>

#include "report-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

/* Add a format: define `const struct report_module report_module_X` in X.c,
 * declare it in report-int.h, list X.c in meson.build and add it here. */
const struct report_module *const report_modules[] = {
	&report_module_text, &report_module_json,  &report_module_html,
	&report_module_ocsf, &report_module_asff,  &report_module_sarif,
	&report_module_csv,  &report_module_junit, NULL,
};

const struct report_module *report_module_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; report_modules[i]; i++)
		if (!strcmp(report_modules[i]->name, name))
			return report_modules[i];
	return NULL;
}

int report_flush(struct strbuf *out, const struct report_opts *o)
{
	if (!o || !o->flush || out->len < REPORT_FLUSH_AT)
		return 0;
	return o->flush(out, o->flush_arg) < 0 ? MM_EIO : 0;
}

void report_module_names(struct strbuf *sb)
{
	for (size_t i = 0; report_modules[i]; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		strbuf_addstr(sb, report_modules[i]->name);
	}
}

void report_catalog_module_names(struct strbuf *sb)
{
	bool first = true;
	for (size_t i = 0; report_modules[i]; i++) {
		if (!report_modules[i]->render_catalog)
			continue;
		if (!first)
			strbuf_addstr(sb, ", ");
		strbuf_addstr(sb, report_modules[i]->name);
		first = false;
	}
}

static bool is_failing(const struct finding *f, int fail_on)
{
	return fail_on != REPORT_FAIL_ON_NONE && f->status == MM_ST_FAIL && (int)f->sev >= fail_on;
}

void report_count(const struct findings *fs, int fail_on, struct report_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; fs && i < fs->nr; i++) {
		const struct finding *f = &fs->v[i];
		c->total++;
		if ((unsigned)f->status <= MM_ST_PASS)
			c->by_status[f->status]++;
		if (f->status == MM_ST_FAIL && (unsigned)f->sev <= MM_SEV_CRITICAL)
			c->fail_by_sev[f->sev]++;
		if (is_failing(f, fail_on))
			c->failing++;
	}
}

size_t report_failing(const struct findings *fs, int fail_on)
{
	size_t n = 0;
	for (size_t i = 0; fs && i < fs->nr; i++)
		if (is_failing(&fs->v[i], fail_on))
			n++;
	return n;
}

int report_parse_fail_on(const char *s, int *out)
{
	if (!s)
		return -1;
	if (!strcasecmp(s, "none")) {
		*out = REPORT_FAIL_ON_NONE;
		return 0;
	}
	enum mm_sev sev;
	if (mm_sev_parse(s, &sev) < 0)
		return -1;
	*out = (int)sev;
	return 0;
}

static void text_put(struct strbuf *sb, const char *s, int indent)
{
	static const char hex[] = "0123456789abcdef";
	if (!s) {
		strbuf_addch(sb, '-');
		return;
	}
	size_t end = strlen(s);
	if (indent >= 0)
		while (end && (s[end - 1] == '\n' || s[end - 1] == '\r'))
			end--;
	size_t run = 0;
	for (size_t i = 0; i < end; i++) {
		unsigned char c = (unsigned char)s[i];
		/* U+0080..U+009F (C1 controls, e.g. CSI) are UTF-8 C2 80..C2 9F */
		if (c == 0xc2 && i + 1 < end && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			strbuf_add(sb, s + run, i - run);
			c = (unsigned char)s[++i];
			strbuf_addf(sb, "\\u%04x", c);
			run = i + 1;
			continue;
		}
		if ((c >= 0x20 && c != 0x7f) || c == '\t')
			continue;
		strbuf_add(sb, s + run, i - run);
		run = i + 1;
		if (c == '\n' && indent >= 0) {
			strbuf_addch(sb, '\n');
			for (int k = 0; k < indent; k++)
				strbuf_addch(sb, ' ');
			continue;
		}
		char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
		strbuf_add(sb, esc, sizeof(esc));
	}
	strbuf_add(sb, s + run, end - run);
}

void report_text_put(struct strbuf *sb, const char *s)
{
	text_put(sb, s, -1);
}

void report_text_para(struct strbuf *sb, const char *s, unsigned indent)
{
	text_put(sb, s, indent > 200 ? 200 : (int)indent);
}

/* ---- pretty JSON emitter (see report-int.h) ---- */

void jw_init(struct jw *w, struct strbuf *sb)
{
	memset(w, 0, sizeof(*w));
	w->sb = sb;
}

static void indent(struct jw *w, unsigned depth)
{
	strbuf_addch(w->sb, '\n');
	for (unsigned i = 0; i < depth; i++)
		strbuf_add(w->sb, "  ", 2);
}

/* Position for a new value or key: comma, newline and indent as needed. */
static void item(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->has_items[w->depth - 1])
		strbuf_addch(w->sb, ',');
	w->has_items[w->depth - 1] = true;
	indent(w, w->depth);
}

static void open_c(struct jw *w, char c)
{
	item(w);
	if (w->depth >= JW_MAX_DEPTH)
		BUG("json output nested too deep");
	strbuf_addch(w->sb, c);
	w->has_items[w->depth++] = false;
}

static void close_c(struct jw *w, char c)
{
	if (!w->depth || w->after_key)
		BUG("unbalanced json output");
	w->depth--;
	if (w->has_items[w->depth])
		indent(w, w->depth);
	strbuf_addch(w->sb, c);
}

void jw_obj_begin(struct jw *w)
{
	open_c(w, '{');
}

void jw_obj_end(struct jw *w)
{
	close_c(w, '}');
}

void jw_arr_begin(struct jw *w)
{
	open_c(w, '[');
}

void jw_arr_end(struct jw *w)
{
	close_c(w, ']');
}

void jw_key(struct jw *w, const char *key)
{
	if (w->after_key)
		BUG("json key without a value");
	item(w);
	strbuf_add_json_str(w->sb, key);
	strbuf_add(w->sb, ": ", 2);
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	item(w);
	strbuf_add_json_str(w->sb, s);
}

void jw_int(struct jw *w, long long v)
{
	item(w);
	strbuf_addf(w->sb, "%lld", v);
}

void jw_uint(struct jw *w, unsigned long long v)
{
	item(w);
	strbuf_addf(w->sb, "%llu", v);
}

void jw_bool(struct jw *w, bool v)
{
	item(w);
	strbuf_addstr(w->sb, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	item(w);
	strbuf_addstr(w->sb, "null");
}

void jw_finish(struct jw *w)
{
	if (w->depth || w->after_key)
		BUG("unbalanced json output");
	strbuf_addch(w->sb, '\n');
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_kuint(struct jw *w, const char *key, unsigned long long v)
{
	jw_key(w, key);
	jw_uint(w, v);
}
