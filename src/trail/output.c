/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alert rendering: one NDJSON object per alert (--format jsonl; the field
 * names are a contract, docs/trail.md) and a few lines of text per alert
 * (--format text). Missing values are JSON null / "-", never guessed.
 */
#include <string.h>

#include "trail-int.h"
#include "base/banned.h"

static void jstr(struct strbuf *sb, const char *s)
{
	if (s)
		strbuf_add_json_str(sb, s);
	else
		strbuf_addstr(sb, "null");
}

static void jkey(struct strbuf *sb, const char *k, const char *v, bool comma)
{
	if (comma)
		strbuf_addch(sb, ',');
	strbuf_addch(sb, '"');
	strbuf_addstr(sb, k);
	strbuf_add(sb, "\":", 2);
	jstr(sb, v);
}

static void jnum(struct strbuf *sb, long long v)
{
	char b[24];
	int n = 0;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do {
		b[sizeof(b) - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		b[sizeof(b) - 1 - n++] = '-';
	strbuf_add(sb, b + sizeof(b) - n, (size_t)n);
}

static void jwho(struct strbuf *sb, const struct trail_who *w)
{
	strbuf_addch(sb, '{');
	jkey(sb, "type", w->type, false);
	jkey(sb, "arn", w->arn, true);
	jkey(sb, "principal_id", w->principal_id, true);
	jkey(sb, "access_key_id", w->access_key_id, true);
	strbuf_addch(sb, '}');
}

void trail_alert_jsonl(struct strbuf *sb, const struct trail_alert *a)
{
	strbuf_addch(sb, '{');
	jkey(sb, "rule", a->rule, false);
	jkey(sb, "title", a->title, true);
	jkey(sb, "severity", mm_sev_name(a->sev), true);
	jkey(sb, "time", a->time, true);
	jkey(sb, "event_id", a->event_id, true);
	jkey(sb, "event_name", a->event_name, true);
	jkey(sb, "event_source", a->event_source, true);
	strbuf_addstr(sb, ",\"who\":");
	jwho(sb, &a->who);
	strbuf_addstr(sb, ",\"where\":{");
	jkey(sb, "account", a->account, false);
	jkey(sb, "region", a->region, true);
	jkey(sb, "source_ip", a->source_ip, true);
	jkey(sb, "user_agent", a->user_agent, true);
	strbuf_addstr(sb, "},\"what\":{\"resources\":[");
	for (size_t i = 0; i < a->nresources; i++) {
		if (i)
			strbuf_addch(sb, ',');
		jstr(sb, a->resources[i]);
	}
	strbuf_addch(sb, ']');
	jkey(sb, "error_code", a->error_code, true);
	jkey(sb, "error_message", a->error_message, true);
	strbuf_addstr(sb, "},\"source\":{");
	jkey(sb, "file", a->file, false);
	strbuf_addstr(sb, ",\"index\":");
	jnum(sb, a->index);
	strbuf_addstr(sb, ",\"offset\":");
	jnum(sb, a->offset);
	strbuf_addch(sb, '}');
	jkey(sb, "engine", a->correlation ? "correlation" : trail_engine_name(a->engine), true);
	jkey(sb, "message", a->message, true);
	strbuf_addstr(sb, a->error_code ? ",\"failed\":true" : ",\"failed\":false");
	if (a->has_window) {
		strbuf_addstr(sb, ",\"window\":{");
		jkey(sb, "opened", a->opened, false);
		jkey(sb, "closed", a->closed, true);
		if (a->seconds >= 0)
			strbuf_addf(sb, ",\"seconds\":%lld", a->seconds);
		else
			strbuf_addstr(sb, ",\"seconds\":null");
		strbuf_addstr(sb, ",\"opened_by\":");
		jwho(sb, &a->opened_by);
		strbuf_addstr(sb, ",\"closed_by\":");
		jwho(sb, &a->closed_by);
		strbuf_addch(sb, '}');
	}
	if (a->correlation) {
		strbuf_addstr(sb, ",\"event_ids\":[");
		for (size_t i = 0; i < a->nevent_ids; i++) {
			if (i)
				strbuf_addch(sb, ',');
			jstr(sb, a->event_ids[i]);
		}
		strbuf_addch(sb, ']');
	}
	if (a->burst_rule) {
		strbuf_addstr(sb, ",\"burst\":{");
		jkey(sb, "rule", a->burst_rule, false);
		strbuf_addf(sb, ",\"count\":%zu,\"threshold\":%u,\"window_seconds\":%lld}",
			    a->burst_count, a->burst_threshold, a->burst_window_s);
	}
	strbuf_addstr(sb, "}\n");
}

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

static const char *sev_color(enum mm_sev s)
{
	switch (s) {
	case MM_SEV_CRITICAL:
		return "\033[1;31m";
	case MM_SEV_HIGH:
		return "\033[31m";
	case MM_SEV_MEDIUM:
		return "\033[33m";
	case MM_SEV_LOW:
		return "\033[36m";
	default:
		return "\033[2m";
	}
}

static void twho(struct strbuf *sb, const struct trail_who *w)
{
	strbuf_addf(sb, "%s %s", dash(w->type), dash(w->arn ? w->arn : w->principal_id));
	if (w->access_key_id)
		strbuf_addf(sb, " (key %s)", w->access_key_id);
}

void trail_alert_text(struct strbuf *sb, const struct trail_alert *a, bool color)
{
	char sev[16];
	const char *n = mm_sev_name(a->sev);
	size_t i;
	for (i = 0; n[i] && i < sizeof(sev) - 1; i++)
		sev[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 32 : n[i]);
	sev[i] = '\0';
	strbuf_addf(sb, "%s  %s%-8s%s  %s  %s\n", a->time ? a->time : "(no time)",
		    color ? sev_color(a->sev) : "", sev, color ? "\033[0m" : "", a->rule, a->title);
	strbuf_addf(sb, "    what:   %s", dash(a->message));
	if (a->nresources) {
		strbuf_addstr(sb, " [");
		for (size_t k = 0; k < a->nresources && k < 6; k++)
			strbuf_addf(sb, "%s%s", k ? " " : "", a->resources[k]);
		if (a->nresources > 6)
			strbuf_addf(sb, " +%zu", a->nresources - 6);
		strbuf_addch(sb, ']');
	}
	strbuf_addch(sb, '\n');
	if (a->has_window) {
		strbuf_addf(sb, "    window: opened %s by ", dash(a->opened));
		twho(sb, &a->opened_by);
		strbuf_addf(sb, "; closed %s by ", dash(a->closed));
		twho(sb, &a->closed_by);
		if (a->seconds >= 0)
			strbuf_addf(sb, " (%lld s)", a->seconds);
		strbuf_addch(sb, '\n');
	}
	strbuf_addstr(sb, "    who:    ");
	twho(sb, &a->who);
	strbuf_addf(sb, "\n    where:  account %s, region %s, from %s (%s)\n", dash(a->account),
		    dash(a->region), dash(a->source_ip), dash(a->user_agent));
	strbuf_addf(sb, "    event:  %s %s %s", dash(a->event_source), dash(a->event_name),
		    dash(a->event_id));
	if (a->error_code)
		strbuf_addf(sb, ", failed: %s", a->error_code);
	strbuf_addf(sb, "\n    source: %s record %lld (offset %lld)\n\n", dash(a->file), a->index,
		    a->offset);
}
