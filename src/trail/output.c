/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alert rendering: one NDJSON object per alert (--format jsonl; the field
 * names are a contract, docs/trail.md), one OCSF 1.3.0 Detection Finding
 * (class 2004) per line (--format ocsf; mapping in docs/formats.md) and a
 * few lines of text per alert (--format text). Missing values are JSON null
 * / "-" (jsonl, text) or left out (OCSF, whose types have no null), never
 * guessed.
 */
#include <arpa/inet.h>
#include <stdio.h>
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

/* ---- OCSF Detection Finding (class 2004) ---- */

#define OCSF_VERSION "1.3.0"

struct ob {
	struct strbuf *sb;
	bool first;
};

static void ob_open(struct ob *o, struct strbuf *sb, const char *key, bool *parent_first)
{
	if (key) {
		if (!*parent_first)
			strbuf_addch(sb, ',');
		*parent_first = false;
		strbuf_add_json_str(sb, key);
		strbuf_addch(sb, ':');
	}
	strbuf_addch(sb, '{');
	o->sb = sb;
	o->first = true;
}

static void ob_close(struct ob *o)
{
	strbuf_addch(o->sb, '}');
}

static void ob_key(struct ob *o, const char *k)
{
	if (!o->first)
		strbuf_addch(o->sb, ',');
	o->first = false;
	strbuf_add_json_str(o->sb, k);
	strbuf_addch(o->sb, ':');
}

/* "k":"v", left out when v is NULL or empty (OCSF has no null) */
static void ob_str(struct ob *o, const char *k, const char *v)
{
	if (!v || !*v)
		return;
	ob_key(o, k);
	strbuf_add_json_str(o->sb, v); /* always valid UTF-8 */
}

static void ob_num(struct ob *o, const char *k, long long v)
{
	ob_key(o, k);
	jnum(o->sb, v);
}

static int ocsf_sev_id(enum mm_sev s)
{
	return s == MM_SEV_CRITICAL ? 5
	       : s == MM_SEV_HIGH   ? 4
	       : s == MM_SEV_MEDIUM ? 3
	       : s == MM_SEV_LOW    ? 2
				    : 1;
}

static const char *ocsf_sev(enum mm_sev s)
{
	static const char *const cap[] = {
		"", "Informational", "Low", "Medium", "High", "Critical"
	};
	return cap[ocsf_sev_id(s)];
}

static bool is_ip(const char *s)
{
	unsigned char buf[16];
	return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

/* OCSF hostname_t: dot-separated labels of letters, digits and inner '-'. */
static bool is_hostname(const char *s)
{
	if (!s || !*s)
		return false;
	size_t label = 0;
	char prev = '.';
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (c == '.') {
			if (!label || prev == '-')
				return false;
			label = 0;
		} else if (c == '-') {
			if (!label)
				return false;
			label++;
		} else if (alnum) {
			label++;
		} else {
			return false;
		}
		prev = c;
	}
	return label && prev != '-';
}

/* CloudTrail userIdentity.type -> OCSF user type_id (1 User, 2 Admin, 3 System, 99 Other). */
static int user_type_id(const char *t)
{
	if (!t)
		return 0;
	if (!strcmp(t, "IAMUser"))
		return 1;
	if (!strcmp(t, "Root"))
		return 2;
	if (!strcmp(t, "AWSService"))
		return 3;
	return 99;
}

static bool who_known(const struct trail_who *w)
{
	return (w->arn && *w->arn) || (w->principal_id && *w->principal_id);
}

static void ocsf_user(struct ob *parent, const char *key, const struct trail_who *w)
{
	struct ob u;
	ob_open(&u, parent->sb, key, &parent->first);
	bool arn = w->arn && *w->arn;
	ob_str(&u, "uid", arn ? w->arn : w->principal_id);
	if (arn)
		ob_str(&u, "uid_alt", w->principal_id);
	ob_str(&u, "credential_uid", w->access_key_id);
	/* type is the caption of type_id; CloudTrail's own word only for Other */
	int tid = user_type_id(w->type);
	static const char *const cap[] = { "Unknown", "User", "Admin", "System" };
	ob_num(&u, "type_id", tid);
	ob_str(&u, "type", tid < 4 ? cap[tid] : w->type);
	ob_close(&u);
}

static void ocsf_actor(struct ob *parent, const struct trail_alert *a)
{
	struct ob act;
	ob_open(&act, parent->sb, "actor", &parent->first);
	ocsf_user(&act, "user", &a->who);
	ob_close(&act);
}

static void ocsf_api(struct ob *parent, const struct trail_alert *a)
{
	struct ob api, svc, rsp;
	ob_open(&api, parent->sb, "api", &parent->first);
	ob_str(&api, "operation", a->event_name);
	if (a->event_source && *a->event_source) {
		ob_open(&svc, api.sb, "service", &api.first);
		ob_str(&svc, "name", a->event_source);
		ob_close(&svc);
	}
	if (a->error_code && *a->error_code) {
		ob_open(&rsp, api.sb, "response", &api.first);
		ob_str(&rsp, "error", a->error_code);
		ob_str(&rsp, "error_message", a->error_message);
		ob_close(&rsp);
	}
	ob_close(&api);
}

static void ocsf_src(struct ob *parent, const struct trail_alert *a)
{
	struct ob ep;
	ob_open(&ep, parent->sb, "src_endpoint", &parent->first);
	/* sourceIPAddress is an address, a service name or "AWS Internal" */
	if (is_ip(a->source_ip))
		ob_str(&ep, "ip", a->source_ip);
	else if (is_hostname(a->source_ip))
		ob_str(&ep, "hostname", a->source_ip);
	else
		ob_str(&ep, "name", a->source_ip);
	ob_close(&ep);
}

static void ocsf_who_json(struct ob *parent, const char *key, const struct trail_who *w)
{
	struct ob o;
	ob_open(&o, parent->sb, key, &parent->first);
	ob_str(&o, "type", w->type);
	ob_str(&o, "arn", w->arn);
	ob_str(&o, "principal_id", w->principal_id);
	ob_str(&o, "access_key_id", w->access_key_id);
	ob_close(&o);
}

/* Stable id of the alert: rule and the event ids it stands on (else its place). */
static void alert_uid(char out[17], const struct trail_alert *a)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, a->rule ? a->rule : "");
	strbuf_addch(&sb, '\n');
	if (a->event_id) {
		strbuf_addstr(&sb, a->event_id);
	} else {
		strbuf_addstr(&sb, a->file ? a->file : "");
		strbuf_addf(&sb, "\n%lld", a->index);
	}
	for (size_t i = 0; i < a->nevent_ids; i++) {
		strbuf_addch(&sb, '\n');
		strbuf_addstr(&sb, a->event_ids[i] ? a->event_ids[i] : "");
	}
	if (a->burst_rule)
		strbuf_addf(&sb, "\nburst %s %zu", a->burst_rule, a->burst_count);
	snprintf(out, 17, "%016llx", (unsigned long long)hmap_hash(sb.buf));
	strbuf_release(&sb);
}

void trail_alert_ocsf(struct strbuf *sb, const struct trail_alert *a, const char *tool_version)
{
	struct ob ev, o, o2;
	bool actor = who_known(&a->who);
	bool api = a->event_name && *a->event_name;
	bool src = a->source_ip && *a->source_ip;
	char uid[17];
	alert_uid(uid, a);
	bool dummy = true;
	ob_open(&ev, sb, NULL, &dummy);
	ob_num(&ev, "activity_id", 1);
	ob_str(&ev, "activity_name", "Create");
	ob_num(&ev, "category_uid", 2);
	ob_str(&ev, "category_name", "Findings");
	ob_num(&ev, "class_uid", 2004);
	ob_str(&ev, "class_name", "Detection Finding");
	ob_num(&ev, "type_uid", 200401);
	ob_str(&ev, "type_name", "Detection Finding: Create");
	ob_num(&ev, "severity_id", ocsf_sev_id(a->sev));
	ob_str(&ev, "severity", ocsf_sev(a->sev));
	/* eventTime; 0 (1970-01-01) when the record has none: docs/formats.md */
	ob_num(&ev, "time", a->has_time && a->time_ms > 0 ? a->time_ms : 0);
	ob_num(&ev, "status_id", 1);
	ob_str(&ev, "status", "New");
	ob_str(&ev, "message", a->message);

	ob_open(&o, sb, "metadata", &ev.first);
	ob_str(&o, "version", OCSF_VERSION);
	ob_open(&o2, sb, "product", &o.first);
	ob_str(&o2, "name", "mamori");
	ob_str(&o2, "vendor_name", "mamori");
	ob_str(&o2, "version", tool_version);
	ob_close(&o2);
	ob_key(&o, "profiles");
	strbuf_addstr(sb, actor ? "[\"cloud\",\"host\"]" : "[\"cloud\"]");
	ob_str(&o, "log_name", "CloudTrail");
	ob_str(&o, "log_provider", "AWS CloudTrail");
	ob_str(&o, "original_time", a->time);
	ob_close(&o);

	ob_open(&o, sb, "finding_info", &ev.first);
	ob_str(&o, "uid", uid);
	ob_str(&o, "title", a->title && *a->title ? a->title : a->rule);
	ob_str(&o, "desc", a->message);
	ob_key(&o, "types");
	strbuf_addch(sb, '[');
	strbuf_add_json_str(sb, a->correlation ? "correlation" : trail_engine_name(a->engine));
	strbuf_addch(sb, ']');
	ob_open(&o2, sb, "analytic", &o.first);
	ob_str(&o2, "uid", a->rule);
	ob_str(&o2, "name", a->rule);
	ob_num(&o2, "type_id", 1);
	ob_str(&o2, "type", "Rule");
	ob_close(&o2);
	size_t nrel = (a->event_id && *a->event_id) + a->nevent_ids;
	if (nrel) {
		ob_key(&o, "related_events");
		strbuf_addch(sb, '[');
		bool f1 = true;
		const char *last = NULL;
		for (size_t i = 0; i <= a->nevent_ids; i++) {
			const char *id = i == 0 ? a->event_id : a->event_ids[i - 1];
			if (!id || !*id || (last && !strcmp(last, id)))
				continue;
			if (!f1)
				strbuf_addch(sb, ',');
			f1 = false;
			strbuf_addstr(sb, "{\"uid\":");
			strbuf_add_json_str(sb, id);
			strbuf_addch(sb, '}');
			last = id;
		}
		strbuf_addch(sb, ']');
	}
	ob_close(&o);

	ob_open(&o, sb, "cloud", &ev.first);
	ob_str(&o, "provider", "AWS");
	if (a->account && *a->account) {
		ob_open(&o2, sb, "account", &o.first);
		ob_str(&o2, "uid", a->account);
		ob_num(&o2, "type_id", 10);
		ob_str(&o2, "type", "AWS Account");
		ob_close(&o2);
	}
	ob_str(&o, "region", a->region);
	ob_close(&o);

	if (actor)
		ocsf_actor(&ev, a);
	if (api)
		ocsf_api(&ev, a);
	if (a->nresources) {
		ob_key(&ev, "resources");
		strbuf_addch(sb, '[');
		bool f1 = true;
		for (size_t i = 0; i < a->nresources; i++) {
			if (!a->resources[i] || !*a->resources[i])
				continue;
			if (!f1)
				strbuf_addch(sb, ',');
			f1 = false;
			strbuf_addstr(sb, "{\"uid\":");
			strbuf_add_json_str(sb, a->resources[i]);
			strbuf_addch(sb, '}');
		}
		strbuf_addch(sb, ']');
	}

	/* the record the alert stands on: who, what call, from where, which file */
	ob_key(&ev, "evidences");
	strbuf_addch(sb, '[');
	bool efirst = true;
	ob_open(&o, sb, NULL, &efirst);
	if (actor)
		ocsf_actor(&o, a);
	if (api)
		ocsf_api(&o, a);
	if (src)
		ocsf_src(&o, a);
	ob_open(&o2, sb, "data", &o.first);
	ob_key(&o2, "file");
	strbuf_add_json_str(sb, a->file);
	ob_num(&o2, "index", a->index);
	ob_num(&o2, "offset", a->offset);
	ob_key(&o2, "event_id");
	strbuf_add_json_str(sb, a->event_id);
	ob_close(&o2);
	ob_close(&o);
	strbuf_addch(sb, ']');

	/* what OCSF has no attribute for, with the jsonl names */
	ob_open(&o, sb, "unmapped", &ev.first);
	ob_open(&o2, sb, "mamori", &o.first);
	ob_str(&o2, "rule", a->rule);
	ob_str(&o2, "engine", a->correlation ? "correlation" : trail_engine_name(a->engine));
	ob_key(&o2, "failed");
	strbuf_addstr(sb, a->error_code ? "true" : "false");
	ob_str(&o2, "identity_type", a->who.type);
	ob_str(&o2, "user_agent", a->user_agent);
	ob_str(&o2, "source_ip", a->source_ip);
	if (a->has_window) {
		struct ob win;
		ob_open(&win, sb, "window", &o2.first);
		ob_key(&win, "opened");
		strbuf_add_json_str(sb, a->opened);
		ob_key(&win, "closed");
		strbuf_add_json_str(sb, a->closed);
		ob_key(&win, "seconds");
		if (a->seconds >= 0)
			jnum(sb, a->seconds);
		else
			strbuf_addstr(sb, "null");
		ocsf_who_json(&win, "opened_by", &a->opened_by);
		ocsf_who_json(&win, "closed_by", &a->closed_by);
		ob_close(&win);
	}
	if (a->burst_rule) {
		struct ob b;
		ob_open(&b, sb, "burst", &o2.first);
		ob_str(&b, "rule", a->burst_rule);
		ob_num(&b, "count", (long long)a->burst_count);
		ob_num(&b, "threshold", a->burst_threshold);
		ob_num(&b, "window_seconds", a->burst_window_s);
		ob_close(&b);
	}
	ob_close(&o2);
	ob_close(&o);
	ob_close(&ev);
	strbuf_addch(sb, '\n');
}

static const char *dupz(struct findings *fs, const char *s)
{
	return s ? arena_strdup(&fs->arena, s) : NULL;
}

void trail_alert_finding(struct findings *fs, const struct trail_alert *a)
{
	struct finding *f = findings_add(fs);
	f->detection = true;
	f->observed_ms = a->has_time ? a->time_ms : 0;
	f->rule = dupz(fs, a->rule);
	f->title = dupz(fs, a->title ? a->title : a->rule);
	f->sev = a->sev;
	f->status = MM_ST_FAIL;
	f->res_type = "account";
	f->account = dupz(fs, a->account && *a->account ? a->account : "unknown");
	f->res_id = f->account;
	f->region = dupz(fs, a->region && *a->region ? a->region : "unknown");
	f->message = dupz(fs, a->message ? a->message : a->title);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s#%lld", a->file ? a->file : "-", a->index);
	char *loc = arena_strdup(&fs->arena, sb.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s %s:%s", a->time ? a->time : "(no time)",
		    a->event_source ? a->event_source : "?", a->event_name ? a->event_name : "?");
	if (a->event_id)
		strbuf_addf(&sb, " event %s", a->event_id);
	if (a->error_code)
		strbuf_addf(&sb, " failed: %s", a->error_code);
	finding_add_evidence(fs, f, loc, sb.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "by %s", a->who.arn ? a->who.arn : (a->who.type ? a->who.type : "?"));
	if (a->who.access_key_id)
		strbuf_addf(&sb, " (key %s)", a->who.access_key_id);
	if (a->source_ip)
		strbuf_addf(&sb, " from %s", a->source_ip);
	if (a->user_agent)
		strbuf_addf(&sb, " with %s", a->user_agent);
	finding_add_evidence(fs, f, NULL, sb.buf);
	for (size_t i = 0; i < a->nresources; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "resource %s", a->resources[i]);
		finding_add_evidence(fs, f, NULL, sb.buf);
	}
	if (a->has_window) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "window opened %s, closed %s", a->opened ? a->opened : "?",
			    a->closed ? a->closed : "(still open)");
		finding_add_evidence(fs, f, NULL, sb.buf);
	}
	strbuf_release(&sb);
	/* one finding per alert: the event (or window) distinguishes them */
	strbuf_init(&sb, 64);
	strbuf_addf(&sb, "%s/%s/%lld", a->event_id ? a->event_id : "-", a->opened ? a->opened : "-",
		    a->index);
	f->fp_extra = arena_strdup(&fs->arena, sb.buf);
	strbuf_release(&sb);
	finding_fingerprint(f);
}
