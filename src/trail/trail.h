/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori trail: CloudTrail risk detection (DESIGN.md "mamori trail", seed
 * 002). Records are read from files, directories (the S3 layout included),
 * stdin or a followed directory, in every shape CloudTrail data is found in;
 * each record is matched against the rule set (the built-in rules for the
 * seed's 20 risky EC2 events, Sigma rules, a Falco subset), interpreted with a
 * policy (approved regions and images, ports allowed open to the world), and
 * the hits go through correlation (exposure windows, snapshot created then
 * shared, bursts) in event-time order. The result is a stream of alerts:
 * who, what, when, where, and the file and record that says so.
 *
 * Nothing here prints or exits: alerts go to a callback, problems with the
 * input go to a struct mm_diags, and functions return 0 or a negative MM_E*.
 *
 * Ownership: a struct trail_policy and a struct trail_ruleset own an arena
 * each and are read-only once loaded (several reader threads share them).
 * An alert passed to the callback is valid only during the call.
 */
#ifndef MM_TRAIL_H
#define MM_TRAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/finding.h"
#include "base/hmap.h"
#include "base/strbuf.h"

/* ------------------------------------------------------------------ */
/* policy: what "risky" means in this account (rules/trail/policy.yaml) */

struct trail_rule_override {
	const char *rule;
	bool disabled;
	int severity;	  /* enum mm_sev, or -1: keep */
	int max_severity; /* enum mm_sev, or -1: no cap */
};

struct trail_burst_conf {
	const char *rule; /* rule id the burst counts hits of */
	unsigned threshold;
	long long window_ms;
};

struct trail_policy {
	struct arena arena;
	const char *name;     /* file it came from, or "<built-in>" */
	const char **regions; /* approved regions; none: every region is approved */
	size_t nregions;
	const char **image_ids; /* approved AMI ids (globs allowed) */
	size_t nimage_ids;
	const char **image_owners; /* approved AMI owner accounts or aliases */
	size_t nimage_owners;
	int *open_ports; /* ports allowed open to the world, sorted */
	size_t nopen_ports;
	long long reorder_ms; /* follow mode: how late a record may arrive */
	struct trail_rule_override *overrides;
	size_t noverrides;
	struct trail_burst_conf *bursts;
	size_t nbursts;
};

/* The built-in default policy (embedded rules/trail/policy.yaml). */
int trail_policy_default(struct trail_policy *p, struct mm_err *e);
/* The default policy, then FILE on top of it (keys FILE sets replace the default's). */
int trail_policy_load(struct trail_policy *p, const char *path, struct mm_err *e);
int trail_policy_parse(struct trail_policy *p, const char *name, const char *buf, size_t len,
		       struct mm_err *e);
void trail_policy_release(struct trail_policy *p);
const struct trail_rule_override *trail_policy_override(const struct trail_policy *p,
							const char *rule);

/* ------------------------------------------------------------------ */
/* rule set: built-in rules, Sigma and Falco files, indexed by eventName */

enum trail_engine { TRAIL_ENGINE_BUILTIN, TRAIL_ENGINE_SIGMA, TRAIL_ENGINE_FALCO };

struct tr_rule; /* trail-int.h */

struct trail_ruleset {
	struct arena arena;
	struct tr_rule **rules;
	size_t nrules, arules;
	size_t nenabled;
	size_t nrefused; /* documents or rules that could not be loaded (see diags) */
	/* index: lower-case eventName -> struct tr_rule_list; eventSource likewise */
	struct hmap by_name, by_source;
	struct tr_rule **wild; /* rules no eventName/eventSource narrows */
	size_t nwild, awild;
	bool indexed;
	/* Falco lists and macros are global across the files of one load */
	struct hmap falco_lists, falco_macros;
	bool needs_raw; /* some rule matches keywords against the whole record */
};

void trail_ruleset_init(struct trail_ruleset *rs);
void trail_ruleset_release(struct trail_ruleset *rs);
/* The rules shipped in rules/trail/ (compiled in). */
int trail_ruleset_add_builtin(struct trail_ruleset *rs, struct mm_diags *d, struct mm_err *e);
/*
 * A Sigma or Falco rule file (the format is recognised by content), or every
 * *.yml / *.yaml under a directory (sorted). Rules that cannot be loaded are
 * refused with a diagnostic naming the file and the reason; the others load.
 * Returns an error only when nothing at path can be read.
 */
int trail_ruleset_add_path(struct trail_ruleset *rs, const char *path, struct mm_diags *d,
			   struct mm_err *e);
int trail_ruleset_add_buffer(struct trail_ruleset *rs, const char *name, const char *buf,
			     size_t len, struct mm_diags *d, struct mm_err *e);
/* Apply the policy (overrides, disabled rules) and build the index. */
void trail_ruleset_finish(struct trail_ruleset *rs, const struct trail_policy *p);

struct trail_rule_info {
	const char *id, *title, *file;
	enum trail_engine engine;
	enum mm_sev sev;
	bool enabled;
	const char *indexed_by; /* "eventName", "eventSource" or "every event" */
};
void trail_ruleset_info(const struct trail_ruleset *rs, size_t i, struct trail_rule_info *out);
const char *trail_engine_name(enum trail_engine e);

/* ------------------------------------------------------------------ */
/* alerts */

struct trail_who {
	const char *type, *arn, *principal_id, *access_key_id;
};

struct trail_alert {
	const char *rule, *title;
	enum trail_engine engine;
	bool correlation;
	enum mm_sev sev;
	const char *message;
	const char *time; /* eventTime as recorded; NULL when the record has none */
	long long time_ms;
	bool has_time;
	const char *event_id, *event_name, *event_source;
	struct trail_who who;
	const char *account, *region, *source_ip, *user_agent;
	const char *const *resources;
	size_t nresources;
	const char *error_code; /* NULL: the call succeeded */
	const char *error_message;
	const char *file; /* as given on the command line (or "-" for stdin) */
	long long index;  /* record number in that file, from 0 */
	long long offset; /* byte offset of the record (decompressed) */
	/* correlation alerts */
	bool has_window;
	const char *opened, *closed;
	long long seconds;
	struct trail_who opened_by, closed_by;
	const char *const *event_ids;
	size_t nevent_ids;
	/* bursts */
	const char *burst_rule;
	size_t burst_count;
	unsigned burst_threshold;
	long long burst_window_s;
};

/* One NDJSON line (with '\n'). */
void trail_alert_jsonl(struct strbuf *sb, const struct trail_alert *a);
/* One OCSF 1.3.0 Detection Finding (class 2004) on one line (with '\n');
 * tool_version goes to metadata.product.version (NULL: left out). */
void trail_alert_ocsf(struct strbuf *sb, const struct trail_alert *a, const char *tool_version);
/* The alert as a struct finding appended to fs (strings copied into its
 * arena): detection set, resource the account, evidence who/what/where/
 * source, so the findings formats (ASFF) can carry alerts. */
void trail_alert_finding(struct findings *fs, const struct trail_alert *a);
/* A few lines of text; color: ANSI severity colours. */
void trail_alert_text(struct strbuf *sb, const struct trail_alert *a, bool color);

/* ------------------------------------------------------------------ */
/* run */

enum trail_parser {
	TRAIL_PARSER_LAZY, /* members parsed when a rule reads them (default) */
	TRAIL_PARSER_DOM,  /* every record parsed whole by json.c, strictly */
};

struct trail_stats {
	size_t files, files_failed, files_skipped;
	uint64_t bytes;		  /* decompressed bytes read */
	uint64_t records;	  /* top-level records framed */
	uint64_t events;	  /* CloudTrail events evaluated */
	uint64_t records_skipped; /* corrupt records (reported and skipped) */
	uint64_t not_events;	  /* well-formed records that are not CloudTrail events */
	uint64_t failed_events;	  /* events with an errorCode */
	uint64_t rule_evals;	  /* rule evaluations (index effectiveness) */
	uint64_t alerts;
	uint64_t alerts_by_sev[MM_SEV_CRITICAL + 1];
	uint64_t late; /* follow: records older than the reorder window at arrival */
};

struct trail_opts {
	const struct trail_ruleset *rules;
	const struct trail_policy *policy;
	enum trail_parser parser;
	unsigned threads; /* batch mode with several files; 0: one per CPU */
	bool follow;
	double idle_exit_s;	  /* follow: stop after this long without input (0: never) */
	const volatile int *stop; /* follow: stop when *stop becomes non-zero */
	/* Each alert, in event-time order. A non-zero return stops the run. */
	int (*emit)(void *ctx, const struct trail_alert *a);
	/* Called after new diagnostics were added (follow mode prints them as they come). */
	void (*progress)(void *ctx, const struct mm_diags *d);
	void *ctx;
	/*
	 * Batch mode only (NULL: none): bytes of the input files read so far and
	 * their total size on disk (compressed for .gz), once before reading and
	 * once per file, what = "reading". Calls come from the reader threads,
	 * one at a time. Not called when an input is stdin (size unknown).
	 */
	void (*on_progress)(void *arg, uint64_t done, uint64_t total, const char *what);
	void *progress_arg;
};

/*
 * Read every path ("-": stdin) and emit the alerts. Input problems (a
 * missing path, a corrupt file or record) go to d and the run goes on;
 * returns MM_EIO/MM_EUSAGE only when no input could be read at all, or a
 * negative code when emit asked to stop.
 */
int trail_run(const char *const *paths, size_t npaths, const struct trail_opts *o,
	      struct trail_stats *st, struct mm_diags *d, struct mm_err *e);

#endif
