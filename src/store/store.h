/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Findings store: memory across scans. Every `mamori scan --db TARGET`
 * records one run (its findings as observed, and which accounts, regions and
 * inputs it covered) in one transaction; `mamori diff` compares two runs and
 * `mamori history` follows one resource across runs. TARGET is a SQLite file
 * (WAL mode) or a PostgreSQL URL (postgresql://..., postgres://...) for teams
 * that share one store. docs/store.md describes the schema, the migrations,
 * what "resolved" means and the concurrency and crash guarantees.
 *
 * A finding's identity is its fingerprint (struct finding.id). A finding
 * absent from a run is resolved in that run only if the run covered its
 * account and region with at least the inputs of the run that last saw it:
 * missing data is unknown, never resolved. Passed checks are not stored.
 *
 * Ownership: a struct store is opaque (store_open/store_close). Query
 * results (runs, diffs, histories) own an arena holding every string they
 * point to, freed by their _release function.
 *
 * Test-only: when the environment variable MAMORI_TEST_STORE_PAUSE_MS is
 * set, store_record_run() sleeps that long inside its transaction, just
 * before COMMIT, so tests can kill a run mid-write or overlap two runs.
 */
#ifndef MM_STORE_H
#define MM_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/model.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/finding.h"

/* The schema version this build writes (docs/store.md, "Migrations"). */
#define STORE_SCHEMA_VERSION 2

struct store;

enum store_open_mode {
	STORE_OPEN_CREATE,   /* scan: create the SQLite file if absent */
	STORE_OPEN_EXISTING, /* diff, history: a missing SQLite file is MM_ENOTFOUND */
};

/*
 * Open TARGET and bring its schema to STORE_SCHEMA_VERSION (migrating an
 * older store inside one transaction). Errors name the target (a URL with its
 * password masked): MM_ENOTFOUND for a missing file, MM_ETYPE for a file that
 * is not a mamori store or a schema newer than this build, MM_EIO otherwise.
 */
int store_open(struct store **out, const char *target, enum store_open_mode mode, struct mm_err *e);
void store_close(struct store *s);
/* The target as named in messages (password masked). */
const char *store_name(const struct store *s);
/* True for a PostgreSQL URL, false for a SQLite path. */
bool store_target_is_pg(const char *target);
/* The schema version store_open() found before migrating (0: new store). */
int store_found_version(const struct store *s);

/* What a scan covered: one row per (account, region, input). */
struct store_input {
	const char *account, *region;
	const char *input; /* a snapshot input kind ("describe-instances") or "analysis:..." */
};

struct store_run_in {
	const char *snapshot;	  /* as given on the command line */
	const char *tool_version; /* MAMORI_VERSION */
	long long started_ms;	  /* Unix milliseconds */
	const struct store_input *inputs;
	size_t ninputs;
};

struct store_run_out {
	long long id;
	size_t stored;	 /* observations written (findings minus passed and duplicates) */
	size_t dups;	 /* findings skipped for a repeated fingerprint */
	size_t added;	 /* first seen in this run */
	size_t reopened; /* seen again after being resolved */
	size_t resolved; /* resolved in this run */
};

/* Record one run: ONE write transaction, all or nothing. */
int store_record_run(struct store *s, const struct store_run_in *in, const struct findings *fs,
		     struct store_run_out *out, struct mm_err *e);

/*
 * What the model covered, for store_record_run(): every (account, region)
 * with loaded input, each kind of input it had (IAM, being global, counts for
 * every region of its account), plus "analysis:exposure" per unit when the
 * exposure analysis ran. Strings live in the model or are static.
 */
void store_inputs_from_model(const struct mm_model *m, bool exposure, struct store_input **out,
			     size_t *nout);

/*
 * `mamori scan --db TARGET`: open (creating or migrating) the store, record
 * one run of these findings with the inputs the model covered, close.
 * started_ms: when the scan started (Unix ms; 0 = now).
 */
int store_record_scan(const char *target, const struct mm_model *m, bool exposure,
		      const struct findings *fs, const char *snapshot, long long started_ms,
		      struct store_run_out *out, struct mm_err *e);

struct store_run {
	long long id;
	const char *started, *finished; /* ISO 8601 UTC */
	const char *snapshot, *tool_version;
	const char *scope;    /* sorted "account/region" units, comma-separated */
	const char *accounts; /* sorted accounts, comma-separated */
	long long n_findings, n_fail, n_unknown, n_muted, n_new, n_reopened, n_resolved;
};

struct store_runs {
	struct arena arena;
	struct store_run *v;
	size_t nr;
};

/* Every run, oldest first. */
int store_runs_list(struct store *s, struct store_runs *out, struct mm_err *e);
void store_runs_release(struct store_runs *r);

/* One finding as observed in one run. */
struct store_item {
	const char *id, *rule, *title;
	const char *res_type, *res_id, *res_arn; /* res_arn may be NULL */
	const char *account, *region;
	const char *severity, *status, *message;
	const char *mute_reason; /* NULL: not muted */
};

enum {
	STORE_CH_SEVERITY = 1,
	STORE_CH_STATUS = 2,
	STORE_CH_MESSAGE = 4,
	STORE_CH_MUTE = 8,
};

struct store_change {
	struct store_item before, after;
	unsigned what; /* STORE_CH_* bits */
};

struct store_diff {
	struct arena arena;
	struct store_run from, to;
	struct store_item *added; /* in `to`, not in `from` */
	size_t nadded;
	struct store_item *resolved; /* in `from`, absent from `to`, which covered it */
	size_t nresolved;
	struct store_change *changed;
	size_t nchanged;
	/* in `from`, absent from `to`, but `to` did not cover their account and
	 * region with the same inputs: unknown, so neither resolved nor kept */
	size_t uncovered;
};

/*
 * The default pair for `mamori diff`: the latest run and the latest earlier
 * run of the same scope (*same_scope true), else the run just before it
 * (*same_scope false). MM_ENOTFOUND (message says why) when the store has
 * fewer than two runs.
 */
int store_default_pair(struct store *s, long long *from, long long *to, bool *same_scope,
		       struct mm_err *e);
/* Diff two runs (MM_ENOTFOUND for an unknown run id). Items sorted worst first. */
int store_diff(struct store *s, long long from, long long to, struct store_diff *d,
	       struct mm_err *e);
void store_diff_release(struct store_diff *d);

struct store_obs {
	long long run;
	const char *started;
	const char *severity, *status, *message, *mute_reason;
};

struct store_hist_finding {
	struct store_item cur;				     /* the latest observation */
	long long first_seen, last_seen, resolved, reopened; /* run ids, 0 = none */
	struct store_obs *obs;				     /* oldest first */
	size_t nobs;
};

struct store_history {
	struct arena arena;
	struct store_hist_finding *v;
	size_t nr;
	size_t runs; /* runs in the store */
};

/*
 * Every finding ever recorded for a resource: RESOURCE is a resource id
 * (i-0abc, sg-...) or an ARN (matched against the recorded ARN, and by the id
 * after its last '/' or ':' within the ARN's account).
 */
int store_history(struct store *s, const char *resource, struct store_history *h, struct mm_err *e);
void store_history_release(struct store_history *h);

#endif
