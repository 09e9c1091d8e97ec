/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Renderers of attack paths (posture/paths.h) for `mamori paths`: text, JSON
 * (the contract in docs/paths.md), Graphviz dot and Mermaid flowcharts. Like
 * every renderer they write into a strbuf, are deterministic and only read.
 *
 * Graph formats draw one cluster per path, one box per link: present links
 * solid, absent ones dashed and grey, unknown ones dotted; the link the
 * cheapest break removes is drawn red with a "break here" edge label. Every
 * string from the snapshot is escaped for the target language (dot: quoted
 * string escapes; Mermaid: entity codes for every character outside a small
 * safe set), so a tag or policy name cannot inject syntax.
 */
#include <string.h>

#include "report-int.h"
#include "posture/paths.h"
#include "base/banned.h"

static const char *link_state(const struct path_link *l)
{
	return l->unknown ? "unknown" : l->present ? "present" : "absent";
}

static const char *path_status(const struct attack_path *p)
{
	if (p->complete)
		return "complete";
	for (size_t i = 0; i < p->nchain; i++)
		if (!p->chain[i].present && !p->chain[i].unknown)
			return "partial";
	return "unknown";
}

static size_t cheapest_link(const struct attack_path *p, bool *has)
{
	for (size_t i = 0; i < p->nbreaks; i++)
		if (p->breaks[i].cheapest) {
			*has = true;
			return p->breaks[i].link;
		}
	*has = false;
	return 0;
}

void report_paths_count(const struct paths_result *r, struct report_paths_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < r->nr; i++) {
		const char *s = path_status(&r->v[i]);
		c->complete += !strcmp(s, "complete");
		c->partial += !strcmp(s, "partial");
		c->unknown += !strcmp(s, "unknown");
		c->by_sev[r->v[i].sev]++;
	}
}

/* ---- text ---- */

int report_paths_text(struct strbuf *out, const struct paths_result *r, const char *snapshot,
		      bool color)
{
	struct report_paths_counts c;
	report_paths_count(r, &c);
	strbuf_addf(out,
		    "%zu attack path%s (%zu complete, %zu partial, %zu unknown) over %zu "
		    "running instance%s",
		    r->nr, r->nr == 1 ? "" : "s", c.complete, c.partial, c.unknown, r->instances,
		    r->instances == 1 ? "" : "s");
	if (snapshot) {
		strbuf_addstr(out, " in ");
		report_text_put(out, snapshot);
	}
	strbuf_addstr(out, "\n");
	if (r->unknown_roles)
		strbuf_addf(out,
			    "%zu instance%s whose role could not be evaluated (IAM data "
			    "missing): their paths are unknown, not absent\n",
			    r->unknown_roles, r->unknown_roles == 1 ? "" : "s");
	for (size_t i = 0; i < r->nr; i++) {
		const struct attack_path *p = &r->v[i];
		strbuf_addch(out, '\n');
		const char *sev = mm_sev_name(p->sev);
		if (color)
			strbuf_addstr(out, p->sev >= MM_SEV_HIGH ? "\033[1;31m" : "\033[1;33m");
		for (const char *s = sev; *s; s++)
			strbuf_addch(out, *s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		if (color)
			strbuf_addstr(out, "\033[0m");
		strbuf_addf(out, "  %s  %s  ", path_goal_name(p->goal), path_status(p));
		report_text_put(out, p->resource);
		strbuf_addstr(out, "  ");
		report_text_put(out, p->account);
		strbuf_addch(out, ' ');
		report_text_put(out, p->region);
		strbuf_addstr(out, "\n  ");
		report_text_put(out, p->title);
		strbuf_addch(out, '\n');
		for (size_t k = 0; k < p->nmissing; k++) {
			strbuf_addstr(out, k ? "    and " : "  not critical because ");
			report_text_put(out, p->missing[k]);
			strbuf_addch(out, '\n');
		}
		for (size_t k = 0; k < p->nchain; k++) {
			const struct path_link *l = &p->chain[k];
			strbuf_addf(out, "  %2zu. %-14s %-8s ", k + 1, l->kind, link_state(l));
			report_text_put(out, l->id);
			strbuf_addstr(out, "\n        ");
			report_text_put(out, l->detail);
			strbuf_addch(out, '\n');
			for (size_t j = 0; j < l->nev; j++) {
				strbuf_addstr(out, "        - ");
				report_text_put(out, l->ev[j].what);
				if (l->ev[j].loc) {
					strbuf_addstr(out, "  [");
					report_text_put(out, l->ev[j].loc);
					strbuf_addch(out, ']');
				}
				strbuf_addch(out, '\n');
			}
		}
		for (size_t k = 0; k < p->nbreaks; k++) {
			const struct path_break *b = &p->breaks[k];
			strbuf_addf(out, "  %s (link %zu, cost %d): ",
				    b->cheapest ? "break here" : "or       ", b->link + 1, b->cost);
			report_text_put(out, b->what);
			strbuf_addch(out, '\n');
			if (b->cli) {
				strbuf_addstr(out, "      $ ");
				report_text_put(out, b->cli);
				strbuf_addch(out, '\n');
			}
		}
	}
	return 0;
}

/* ---- JSON ---- */

static void json_path(struct jw *w, const struct attack_path *p)
{
	jw_obj_begin(w);
	jw_kstr(w, "severity", mm_sev_name(p->sev));
	jw_kstr(w, "status", path_status(p));
	jw_kstr(w, "goal", path_goal_name(p->goal));
	jw_kstr(w, "resource", p->resource);
	jw_kstr(w, "account", p->account);
	jw_kstr(w, "region", p->region);
	jw_kstr(w, "title", p->title);
	jw_kstr(w, "target", p->target);
	jw_key(w, "complete");
	jw_bool(w, p->complete);
	jw_key(w, "conditional");
	jw_bool(w, p->conditional);
	jw_key(w, "chain");
	jw_arr_begin(w);
	for (size_t k = 0; k < p->nchain; k++) {
		const struct path_link *l = &p->chain[k];
		jw_obj_begin(w);
		jw_kstr(w, "kind", l->kind);
		jw_kstr(w, "id", l->id);
		jw_kstr(w, "detail", l->detail);
		jw_kstr(w, "state", link_state(l));
		report_jw_evidence(w, l->ev, l->nev);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "breaks");
	jw_arr_begin(w);
	for (size_t k = 0; k < p->nbreaks; k++) {
		const struct path_break *b = &p->breaks[k];
		jw_obj_begin(w);
		jw_key(w, "link");
		jw_uint(w, b->link);
		jw_kstr(w, "kind", b->link < p->nchain ? p->chain[b->link].kind : NULL);
		jw_kstr(w, "what", b->what);
		jw_kstr(w, "cli", b->cli);
		jw_key(w, "cost");
		jw_int(w, b->cost);
		jw_key(w, "cheapest");
		jw_bool(w, b->cheapest);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "not_critical_because");
	jw_arr_begin(w);
	for (size_t k = 0; k < p->nmissing; k++)
		jw_str(w, p->missing[k]);
	jw_arr_end(w);
	jw_obj_end(w);
}

int report_paths_json(struct strbuf *out, const struct paths_result *r, const char *snapshot,
		      const char *version)
{
	struct jw w;
	jw_init(&w, out);
	jw_obj_begin(&w);
	jw_key(&w, "tool");
	jw_obj_begin(&w);
	jw_kstr(&w, "name", "mamori");
	jw_kstr(&w, "version", version);
	jw_obj_end(&w);
	jw_key(&w, "paths");
	jw_arr_begin(&w);
	for (size_t i = 0; i < r->nr; i++)
		json_path(&w, &r->v[i]);
	jw_arr_end(&w);
	struct report_paths_counts c;
	report_paths_count(r, &c);
	jw_key(&w, "summary");
	jw_obj_begin(&w);
	jw_kuint(&w, "paths", r->nr);
	jw_kuint(&w, "complete", c.complete);
	jw_kuint(&w, "partial", c.partial);
	jw_kuint(&w, "unknown", c.unknown);
	jw_key(&w, "by_severity");
	jw_obj_begin(&w);
	for (int s = MM_SEV_CRITICAL; s >= MM_SEV_INFO; s--)
		jw_kuint(&w, mm_sev_name((enum mm_sev)s), c.by_sev[s]);
	jw_obj_end(&w);
	jw_kuint(&w, "instances", r->instances);
	jw_kuint(&w, "unknown_roles", r->unknown_roles);
	jw_kstr(&w, "snapshot", snapshot);
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_finish(&w);
	return 0;
}

/* ---- graphs ---- */

/* A dot quoted string body: escape \ and ", newlines as \n, drop controls. */
static void dot_str(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			strbuf_addch(sb, '\\'), strbuf_addch(sb, ch);
		else if (ch == '\n')
			strbuf_addstr(sb, "\\n");
		else if (ch >= 0x20 && ch != 0x7f)
			strbuf_addch(sb, ch);
	}
}

/* Mermaid label text: letters, digits and a few punctuation marks pass;
 * everything else becomes an entity code #NNN; (bytes of UTF-8 sequences
 * pass whole, as Mermaid reads UTF-8). */
static void mmd_str(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr(" ./:_-,*=@+", ch) || ch >= 0x80)
			strbuf_addch(sb, ch);
		else if (ch >= 0x20 && ch != 0x7f)
			strbuf_addf(sb, "#%u;", ch);
	}
}

/* Shorten long details in boxes (the JSON and text keep them whole). */
static void clip(struct strbuf *sb, const char *s, size_t max, bool mmd)
{
	struct strbuf t = STRBUF_INIT;
	size_t n = s ? strlen(s) : 0;
	if (n > max) {
		/* cut on a UTF-8 boundary */
		while (max && ((unsigned char)s[max] & 0xc0) == 0x80)
			max--;
		strbuf_add(&t, s, max);
		strbuf_addstr(&t, "...");
	} else if (s) {
		strbuf_addstr(&t, s);
	}
	if (mmd)
		mmd_str(sb, t.buf);
	else
		dot_str(sb, t.buf);
	strbuf_release(&t);
}

int report_paths_dot(struct strbuf *out, const struct paths_result *r)
{
	strbuf_addstr(out, "digraph mamori_paths {\n"
			   "  rankdir=LR;\n"
			   "  node [shape=box, style=\"rounded\", fontname=\"Helvetica\", "
			   "fontsize=10];\n"
			   "  edge [fontname=\"Helvetica\", fontsize=9];\n");
	for (size_t i = 0; i < r->nr; i++) {
		const struct attack_path *p = &r->v[i];
		bool has;
		size_t cut = cheapest_link(p, &has);
		strbuf_addf(out, "  subgraph cluster_%zu {\n    label=\"", i);
		char up[16];
		size_t k = 0;
		for (const char *s = mm_sev_name(p->sev); *s && k < sizeof(up) - 1; s++)
			up[k++] = *s >= 'a' && *s <= 'z' ? *s - 32 : *s;
		up[k] = 0;
		strbuf_addf(out, "%s %s (%s): ", up, path_goal_name(p->goal), path_status(p));
		dot_str(out, p->resource);
		strbuf_addstr(out, "\";\n");
		for (size_t j = 0; j < p->nchain; j++) {
			const struct path_link *l = &p->chain[j];
			strbuf_addf(out, "    p%zu_%zu [label=\"", i, j);
			dot_str(out, l->kind);
			strbuf_addstr(out, "\\n");
			clip(out, l->id, 60, false);
			strbuf_addstr(out, "\\n");
			clip(out, l->detail, 80, false);
			strbuf_addch(out, '"');
			if (l->unknown)
				strbuf_addstr(out, ", style=\"rounded,dotted\", color=\"orange\"");
			else if (!l->present)
				strbuf_addstr(out, ", style=\"rounded,dashed\", color=\"gray50\", "
						   "fontcolor=\"gray50\"");
			if (has && cut == j)
				strbuf_addstr(out, ", color=\"red\", penwidth=2");
			strbuf_addstr(out, "];\n");
		}
		for (size_t j = 0; j + 1 < p->nchain; j++) {
			strbuf_addf(out, "    p%zu_%zu -> p%zu_%zu", i, j, i, j + 1);
			if (has && cut == j + 1)
				strbuf_addstr(out, " [label=\"break here\", color=\"red\"]");
			strbuf_addstr(out, ";\n");
		}
		strbuf_addstr(out, "  }\n");
	}
	strbuf_addstr(out, "}\n");
	return 0;
}

int report_paths_mermaid(struct strbuf *out, const struct paths_result *r)
{
	strbuf_addstr(out, "flowchart LR\n"
			   "  classDef absent stroke-dasharray: 5 5,color:#777,stroke:#999\n"
			   "  classDef unknown stroke-dasharray: 2 2,stroke:#e69500\n"
			   "  classDef cut stroke:#d00,stroke-width:3px\n");
	for (size_t i = 0; i < r->nr; i++) {
		const struct attack_path *p = &r->v[i];
		bool has;
		size_t cut = cheapest_link(p, &has);
		strbuf_addf(out, "  subgraph path%zu[\"", i);
		strbuf_addf(out, "%s %s %s: ", mm_sev_name(p->sev), path_goal_name(p->goal),
			    path_status(p));
		mmd_str(out, p->resource);
		strbuf_addstr(out, "\"]\n");
		for (size_t j = 0; j < p->nchain; j++) {
			const struct path_link *l = &p->chain[j];
			strbuf_addf(out, "    p%zu_%zu[\"", i, j);
			mmd_str(out, l->kind);
			strbuf_addstr(out, "<br/>");
			clip(out, l->id, 60, true);
			strbuf_addstr(out, "<br/>");
			clip(out, l->detail, 80, true);
			strbuf_addstr(out, "\"]\n");
		}
		for (size_t j = 0; j + 1 < p->nchain; j++) {
			if (has && cut == j + 1)
				strbuf_addf(out, "    p%zu_%zu -->|break here| p%zu_%zu\n", i, j, i,
					    j + 1);
			else
				strbuf_addf(out, "    p%zu_%zu --> p%zu_%zu\n", i, j, i, j + 1);
		}
		strbuf_addstr(out, "  end\n");
		for (size_t j = 0; j < p->nchain; j++) {
			const struct path_link *l = &p->chain[j];
			if (has && cut == j)
				strbuf_addf(out, "  class p%zu_%zu cut\n", i, j);
			else if (l->unknown)
				strbuf_addf(out, "  class p%zu_%zu unknown\n", i, j);
			else if (!l->present)
				strbuf_addf(out, "  class p%zu_%zu absent\n", i, j);
		}
	}
	return 0;
}
