/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the findings store (SQLite backend; tests/store/store-pg.sh
 * runs the same code against a real PostgreSQL): a finding's life cycle
 * (new, seen again, changed, resolved, reopened), resolution only where a
 * run covered the account and region with the same inputs, exact diffs
 * between any two runs, the default diff pair, history by id and by ARN,
 * all-or-nothing runs (a failure injected mid-run leaves nothing behind),
 * migration of a version-1 store written by this test as release 1 shipped
 * it, refusal of a newer schema and of files that are not mamori stores, and
 * password masking in PostgreSQL URLs. Each test works in its own temporary
 * directory.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/finding.h"
#include "base/strbuf.h"
#include "store/store-int.h"
#include "store/store.h"

struct fx {
	char dir[256];
	char db[320];
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	const char *tmp = getenv("TMPDIR");
	snprintf(x->dir, sizeof(x->dir), "%s/mamori-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(x->dir)) {
		free(x);
		return -1;
	}
	snprintf(x->db, sizeof(x->db), "%s/s.db", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	DIR *d = opendir(x->dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[600];
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", x->dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(x->dir);
	free(x);
	return 0;
}

static void add(struct findings *fs, const char *id, const char *rule, const char *res,
		const char *acct, const char *region, enum mm_sev sev, enum mm_status st,
		const char *msg, const char *mute)
{
	struct finding *f = findings_add(fs);
	snprintf(f->id, sizeof(f->id), "%s", id);
	f->rule = rule;
	f->title = "a title";
	f->res_type = "ec2-instance";
	f->res_id = res;
	f->res_arn = NULL;
	f->account = acct;
	f->region = region;
	f->sev = sev;
	f->status = st;
	f->message = msg;
	f->mute_reason = mute;
}

static struct store *open_ok(const char *target)
{
	struct store *s = NULL;
	struct mm_err e = { 0 };
	if (store_open(&s, target, STORE_OPEN_CREATE, &e) < 0)
		fail_msg("store_open: %s", e.msg);
	return s;
}

static long long record(struct store *s, const struct findings *fs, const struct store_input *in,
			size_t nin, struct store_run_out *out)
{
	struct store_run_in ri = { .snapshot = "snap",
				   .tool_version = "test",
				   .started_ms = 1767225600000LL,
				   .inputs = in,
				   .ninputs = nin };
	struct store_run_out o;
	struct mm_err e = { 0 };
	if (store_record_run(s, &ri, fs, out ? out : &o, &e) < 0)
		fail_msg("store_record_run: %s", e.msg);
	return (out ? out : &o)->id;
}

/* One integer from a second connection to the file (what another process sees). */
static long long sql_ll(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void sql_exec(const char *db, const char *sql)
{
	sqlite3 *h;
	char *err = NULL;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s", err ? err : "exec failed");
	sqlite3_close(h);
}

static const struct store_input in_both[] = {
	{ "111111111111", "r1", "ec2 describe-instances" },
	{ "111111111111", "r1", "ec2 describe-security-groups" },
	{ "222222222222", "r2", "ec2 describe-instances" },
};
static const struct store_input in_a1[] = {
	{ "111111111111", "r1", "ec2 describe-security-groups" },
	{ "111111111111", "r1", "ec2 describe-instances" },
	{ "111111111111", "r1", "ec2 describe-instances" }, /* duplicates are fine */
};
static const struct store_input in_a1_less[] = {
	{ "111111111111", "r1", "ec2 describe-instances" },
};

#define A1 "111111111111", "r1"
#define A2 "222222222222", "r2"

static void test_lifecycle(void **state)
{
	struct fx *x = *state;
	struct store *s = open_ok(x->db);
	struct store_run_out out;
	struct findings fs;

	/* run 1: three findings in account 1, one in account 2, one passed check */
	findings_init(&fs);
	add(&fs, "00000000000000f1", "rule-a", "i-1", A1, MM_SEV_LOW, MM_ST_FAIL, "m1", NULL);
	add(&fs, "00000000000000f2", "rule-b", "i-1", A1, MM_SEV_HIGH, MM_ST_FAIL, "m2", NULL);
	add(&fs, "00000000000000f3", "rule-c", "i-2", A1, MM_SEV_MEDIUM, MM_ST_UNKNOWN, "m3", NULL);
	add(&fs, "00000000000000f4", "rule-a", "i-9", A2, MM_SEV_LOW, MM_ST_FAIL, "m4", NULL);
	add(&fs, "00000000000000f9", "rule-z", "i-1", A1, MM_SEV_LOW, MM_ST_PASS, "ok", NULL);
	add(&fs, "00000000000000f1", "rule-a", "i-1", A1, MM_SEV_LOW, MM_ST_FAIL, "dup", NULL);
	assert_int_equal(record(s, &fs, in_both, 3, &out), 1);
	assert_int_equal(out.stored, 4); /* the passed check and the duplicate are not stored */
	assert_int_equal(out.dups, 1);
	assert_int_equal(out.added, 4);
	assert_int_equal(out.resolved, 0);
	findings_release(&fs);

	/* run 2 covers account 1 only: f1 worse and muted, f2 and f3 gone, f5 new */
	findings_init(&fs);
	add(&fs, "00000000000000f1", "rule-a", "i-1", A1, MM_SEV_HIGH, MM_ST_MUTED, "m1 again",
	    "accepted");
	add(&fs, "00000000000000f5", "rule-d", "i-2", A1, MM_SEV_CRITICAL, MM_ST_FAIL, "m5", NULL);
	assert_int_equal(record(s, &fs, in_a1, 3, &out), 2);
	assert_int_equal(out.added, 1);
	assert_int_equal(out.resolved, 2);
	findings_release(&fs);
	/* f4's account was not scanned: unknown, so still open */
	assert_int_equal(sql_ll(x->db, "SELECT count(*) FROM findings WHERE resolved_run IS NULL "
				       "AND id = '00000000000000f4'"),
			 1);
	assert_int_equal(sql_ll(x->db, "SELECT resolved_run FROM findings "
				       "WHERE id = '00000000000000f2'"),
			 2);

	/* run 3 has fewer inputs for account 1: nothing there may be resolved;
	 * f2 comes back (reopened) */
	findings_init(&fs);
	add(&fs, "00000000000000f2", "rule-b", "i-1", A1, MM_SEV_HIGH, MM_ST_FAIL, "m2", NULL);
	assert_int_equal(record(s, &fs, in_a1_less, 1, &out), 3);
	assert_int_equal(out.reopened, 1);
	assert_int_equal(out.resolved, 0);
	findings_release(&fs);
	assert_int_equal(sql_ll(x->db, "SELECT reopened_run FROM findings "
				       "WHERE id = '00000000000000f2' AND resolved_run IS NULL"),
			 3);
	assert_int_equal(sql_ll(x->db, "SELECT count(*) FROM findings WHERE resolved_run IS NULL "
				       "AND id IN ('00000000000000f1', '00000000000000f5')"),
			 2);
	/* run 4 has the inputs again: f1 and f5 resolve, f2 stays */
	findings_init(&fs);
	add(&fs, "00000000000000f2", "rule-b", "i-1", A1, MM_SEV_HIGH, MM_ST_FAIL, "m2", NULL);
	assert_int_equal(record(s, &fs, in_a1, 3, &out), 4);
	assert_int_equal(out.resolved, 2);
	findings_release(&fs);
	assert_int_equal(sql_ll(x->db, "SELECT n_resolved * 100 + n_findings FROM runs "
				       "WHERE id = 4"),
			 201);

	/* diff 1 -> 2: exact */
	struct store_diff d;
	struct mm_err e = { 0 };
	assert_int_equal(store_diff(s, 1, 2, &d, &e), 0);
	assert_int_equal(d.from.id, 1);
	assert_int_equal(d.to.id, 2);
	assert_int_equal(d.nadded, 1);
	assert_string_equal(d.added[0].id, "00000000000000f5");
	assert_string_equal(d.added[0].severity, "critical");
	assert_int_equal(d.nresolved, 2);
	assert_string_equal(d.resolved[0].id, "00000000000000f2"); /* high before medium */
	assert_string_equal(d.resolved[1].id, "00000000000000f3");
	assert_int_equal(d.nchanged, 1);
	const struct store_change *c = &d.changed[0];
	assert_string_equal(c->after.id, "00000000000000f1");
	assert_int_equal(c->what,
			 STORE_CH_SEVERITY | STORE_CH_STATUS | STORE_CH_MESSAGE | STORE_CH_MUTE);
	assert_string_equal(c->before.severity, "low");
	assert_string_equal(c->after.severity, "high");
	assert_string_equal(c->before.status, "fail");
	assert_string_equal(c->after.status, "muted");
	assert_string_equal(c->before.message, "m1");
	assert_string_equal(c->after.message, "m1 again");
	assert_null(c->before.mute_reason);
	assert_string_equal(c->after.mute_reason, "accepted");
	assert_int_equal(d.uncovered, 1); /* f4 */
	store_diff_release(&d);

	/* diff 2 -> 3: run 3 lacks an input run 2 had, so f1, f5 are uncovered */
	assert_int_equal(store_diff(s, 2, 3, &d, &e), 0);
	assert_int_equal(d.nadded, 1);
	assert_int_equal(d.nresolved, 0);
	assert_int_equal(d.uncovered, 2);
	store_diff_release(&d);

	/* unknown run */
	assert_int_equal(store_diff(s, 1, 99, &d, &e), MM_ENOTFOUND);
	assert_non_null(strstr(e.msg, "99"));
	store_diff_release(&d);

	/* default pair: run 4 and the latest earlier run of its scope (3) */
	long long from = 0, to = 0;
	bool same = false;
	assert_int_equal(store_default_pair(s, &from, &to, &same, &e), 0);
	assert_true(same);
	assert_int_equal(from, 3);
	assert_int_equal(to, 4);

	/* history by id and by ARN */
	struct store_history h;
	assert_int_equal(store_history(s, "i-1", &h, &e), 0);
	assert_int_equal(h.nr, 2);
	assert_int_equal(h.runs, 4);
	assert_string_equal(h.v[0].cur.rule, "rule-a");
	assert_int_equal(h.v[0].nobs, 2);
	assert_int_equal(h.v[0].first_seen, 1);
	assert_int_equal(h.v[0].last_seen, 2);
	assert_int_equal(h.v[0].resolved, 4);
	assert_string_equal(h.v[0].obs[1].mute_reason, "accepted");
	assert_string_equal(h.v[1].cur.rule, "rule-b");
	assert_int_equal(h.v[1].nobs, 3);
	assert_int_equal(h.v[1].obs[1].run, 3);
	assert_int_equal(h.v[1].reopened, 3);
	assert_int_equal(h.v[1].resolved, 0);
	store_history_release(&h);
	assert_int_equal(store_history(s, "arn:aws:ec2:r1:111111111111:instance/i-1", &h, &e), 0);
	assert_int_equal(h.nr, 2);
	store_history_release(&h);
	assert_int_equal(store_history(s, "arn:aws:ec2:r1:999999999999:instance/i-1", &h, &e), 0);
	assert_int_equal(h.nr, 0);
	store_history_release(&h);

	struct store_runs r;
	assert_int_equal(store_runs_list(s, &r, &e), 0);
	assert_int_equal(r.nr, 4);
	assert_string_equal(r.v[0].scope, "111111111111/r1,222222222222/r2");
	assert_string_equal(r.v[0].accounts, "111111111111,222222222222");
	assert_string_equal(r.v[1].scope, "111111111111/r1");
	assert_string_equal(r.v[0].started, "2026-01-01T00:00:00.000Z");
	assert_int_equal(r.v[0].n_fail, 3);
	assert_int_equal(r.v[0].n_unknown, 1);
	assert_int_equal(r.v[1].n_muted, 1);
	store_runs_release(&r);
	store_close(s);
}

static void test_default_pair_errors(void **state)
{
	struct fx *x = *state;
	struct store *s = open_ok(x->db);
	struct mm_err e = { 0 };
	long long a, b;
	bool same;
	assert_int_equal(store_default_pair(s, &a, &b, &same, &e), MM_ENOTFOUND);
	assert_non_null(strstr(e.msg, "no runs"));
	struct findings fs;
	findings_init(&fs);
	record(s, &fs, in_both, 3, NULL);
	assert_int_equal(store_default_pair(s, &a, &b, &same, &e), MM_ENOTFOUND);
	assert_non_null(strstr(e.msg, "one run"));
	record(s, &fs, in_a1, 3, NULL);
	/* another scope: the run just before, said so */
	same = true;
	assert_int_equal(store_default_pair(s, &a, &b, &same, &e), 0);
	assert_false(same);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	findings_release(&fs);
	store_close(s);
}

/* A failure inside the run's transaction leaves no trace of the run. */
static void test_atomic(void **state)
{
	struct fx *x = *state;
	struct store *s = open_ok(x->db);
	struct findings fs;
	findings_init(&fs);
	add(&fs, "00000000000000f1", "rule-a", "i-1", A1, MM_SEV_LOW, MM_ST_FAIL, "m1", NULL);
	record(s, &fs, in_a1, 3, NULL);
	findings_release(&fs);

	/* observations are written after runs, inputs, messages and findings */
	sql_exec(x->db, "CREATE TRIGGER boom BEFORE INSERT ON observations "
			"BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
	findings_init(&fs);
	add(&fs, "00000000000000f7", "rule-x", "i-7", A1, MM_SEV_LOW, MM_ST_FAIL, "m7", NULL);
	struct store_run_in ri = { .snapshot = "snap", .inputs = in_a1, .ninputs = 3 };
	struct store_run_out out;
	struct mm_err e = { 0 };
	assert_true(store_record_run(s, &ri, &fs, &out, &e) < 0);
	assert_non_null(strstr(e.msg, "injected failure"));
	assert_non_null(strstr(e.msg, x->db));
	assert_int_equal(sql_ll(x->db, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(sql_ll(x->db, "SELECT count(*) FROM run_inputs"), 2);
	assert_int_equal(sql_ll(x->db, "SELECT count(*) FROM findings"), 1);
	assert_int_equal(sql_ll(x->db, "SELECT count(*) FROM messages"), 1);
	assert_int_equal(sql_ll(x->db, "SELECT resolved_run FROM findings"), 0);

	sql_exec(x->db, "DROP TRIGGER boom");
	assert_int_equal(record(s, &fs, in_a1, 3, NULL), 2);
	findings_release(&fs);
	assert_int_equal(sql_ll(x->db, "SELECT count(*) FROM observations"), 2);
	store_close(s);
}

/*
 * Version 1 exactly as release 1 created it in SQLite (migrations.c v1 with
 * @ID@ = INTEGER PRIMARY KEY AUTOINCREMENT, @INT@ = INTEGER), with two runs
 * of data: f1 open since run 1, f2 resolved in run 2 while muted.
 */
static const char v1_fixture[] =
    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL, tool_version TEXT NOT NULL);"
    "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,"
    " finished_at TEXT, snapshot TEXT NOT NULL, tool_version TEXT NOT NULL,"
    " scope TEXT NOT NULL, accounts TEXT NOT NULL,"
    " n_findings INTEGER NOT NULL DEFAULT 0, n_fail INTEGER NOT NULL DEFAULT 0,"
    " n_unknown INTEGER NOT NULL DEFAULT 0, n_muted INTEGER NOT NULL DEFAULT 0,"
    " n_new INTEGER NOT NULL DEFAULT 0, n_reopened INTEGER NOT NULL DEFAULT 0,"
    " n_resolved INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX runs_scope ON runs (scope, id);"
    "CREATE TABLE run_inputs (run_id INTEGER NOT NULL REFERENCES runs (id),"
    " account TEXT NOT NULL, region TEXT NOT NULL, input TEXT NOT NULL,"
    " PRIMARY KEY (run_id, account, region, input));"
    "CREATE TABLE messages (hash TEXT PRIMARY KEY, text TEXT NOT NULL);"
    "CREATE TABLE findings (id TEXT PRIMARY KEY, rule TEXT NOT NULL, title TEXT,"
    " res_type TEXT NOT NULL, res_id TEXT NOT NULL, res_arn TEXT,"
    " account TEXT NOT NULL, region TEXT NOT NULL,"
    " first_seen_run INTEGER NOT NULL REFERENCES runs (id),"
    " last_seen_run INTEGER NOT NULL REFERENCES runs (id),"
    " resolved_run INTEGER REFERENCES runs (id), reopened_run INTEGER REFERENCES runs (id),"
    " severity TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL);"
    "CREATE INDEX findings_open ON findings (account, region) WHERE resolved_run IS NULL;"
    "CREATE TABLE observations (run_id INTEGER NOT NULL REFERENCES runs (id),"
    " finding_id TEXT NOT NULL REFERENCES findings (id), severity TEXT NOT NULL,"
    " status TEXT NOT NULL, message_hash TEXT NOT NULL REFERENCES messages (hash),"
    " PRIMARY KEY (run_id, finding_id));"
    "INSERT INTO schema_migrations VALUES (1, 'runs, inputs, findings, observations',"
    " '2026-01-01T00:00:00.000Z', '0.1.0');"
    "INSERT INTO runs VALUES (1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z',"
    " 'snap-1', '0.1.0', '111111111111/r1', '111111111111', 2, 1, 0, 1, 2, 0, 0);"
    "INSERT INTO runs VALUES (2, '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:01.000Z',"
    " 'snap-2', '0.1.0', '111111111111/r1', '111111111111', 1, 1, 0, 0, 0, 0, 1);"
    "INSERT INTO run_inputs VALUES (1, '111111111111', 'r1', 'ec2 describe-instances');"
    "INSERT INTO run_inputs VALUES (2, '111111111111', 'r1', 'ec2 describe-instances');"
    "INSERT INTO messages VALUES ('1111111111111111', 'message one');"
    "INSERT INTO messages VALUES ('2222222222222222', 'message two');"
    "INSERT INTO findings VALUES ('00000000000000f1', 'rule-a', 'A', 'ec2-instance', 'i-1',"
    " NULL, '111111111111', 'r1', 1, 2, NULL, NULL, 'high', 'fail', 'message one');"
    "INSERT INTO findings VALUES ('00000000000000f2', 'rule-b', 'B', 'ec2-instance', 'i-1',"
    " NULL, '111111111111', 'r1', 1, 1, 2, NULL, 'low', 'muted', 'message two');"
    "INSERT INTO observations VALUES (1, '00000000000000f1', 'high', 'fail',"
    " '1111111111111111');"
    "INSERT INTO observations VALUES (1, '00000000000000f2', 'low', 'muted',"
    " '2222222222222222');"
    "INSERT INTO observations VALUES (2, '00000000000000f1', 'high', 'fail',"
    " '1111111111111111');";

/* The schema of a SQLite file, whitespace dropped, one "type name sql" per line. */
static void schema_of(const char *db, struct strbuf *out)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h,
					    "SELECT type, name, sql FROM sqlite_master "
					    "WHERE sql IS NOT NULL ORDER BY type, name",
					    -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < 3; c++) {
			const char *t = (const char *)sqlite3_column_text(st, c);
			for (; t && *t; t++)
				if (*t != ' ' && *t != '\n' && *t != '\t')
					strbuf_addch(out, *t);
			strbuf_addch(out, c < 2 ? ' ' : '\n');
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static void test_migrate_v1(void **state)
{
	struct fx *x = *state;
	char v1[400], shipped[400];
	snprintf(v1, sizeof(v1), "%s/v1.db", x->dir);
	snprintf(shipped, sizeof(shipped), "%s/shipped-v1.db", x->dir);
	sql_exec(v1, v1_fixture);

	/* the fixture is what the code creates as version 1 */
	struct store *s = NULL;
	struct mm_err e = { 0 };
	assert_int_equal(store_open_at(&s, shipped, STORE_OPEN_CREATE, 1, &e), 0);
	store_close(s);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	schema_of(v1, &a);
	schema_of(shipped, &b);
	assert_true(a.len > 0);
	assert_string_equal(a.buf, b.buf);
	assert_int_equal(sql_ll(shipped, "SELECT max(version) FROM schema_migrations"), 1);
	strbuf_release(&a);
	strbuf_release(&b);

	/* open the old store with the current code: migrated, data intact */
	s = open_ok(v1);
	assert_int_equal(store_found_version(s), 1);
	assert_int_equal(sql_ll(v1, "SELECT max(version) FROM schema_migrations"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(sql_ll(v1, "SELECT count(*) FROM schema_migrations"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(sql_ll(v1, "SELECT count(*) FROM runs"), 2);
	assert_int_equal(sql_ll(v1, "SELECT count(*) FROM observations"), 3);
	assert_int_equal(sql_ll(v1, "SELECT count(*) FROM findings WHERE mute_reason IS NULL"), 2);
	assert_int_equal(
	    sql_ll(v1, "SELECT count(*) FROM sqlite_master WHERE name = 'findings_res_id'"), 1);

	struct store_history h;
	assert_int_equal(store_history(s, "i-1", &h, &e), 0);
	assert_int_equal(h.nr, 2);
	assert_string_equal(h.v[0].cur.message, "message one");
	assert_int_equal(h.v[0].nobs, 2);
	assert_int_equal(h.v[1].resolved, 2);
	assert_null(h.v[1].obs[0].mute_reason); /* muted before mute reasons were kept */
	store_history_release(&h);

	/* and it goes on working: f2 reopens, f1 resolves, ids continue */
	struct findings fs;
	findings_init(&fs);
	add(&fs, "00000000000000f2", "rule-b", "i-1", A1, MM_SEV_LOW, MM_ST_FAIL, "message two",
	    NULL);
	struct store_run_out out;
	assert_int_equal(record(s, &fs, in_a1, 3, &out), 3);
	assert_int_equal(out.reopened, 1);
	assert_int_equal(out.resolved, 1);
	findings_release(&fs);
	struct store_diff d;
	assert_int_equal(store_diff(s, 2, 3, &d, &e), 0);
	assert_int_equal(d.nadded, 1);
	assert_int_equal(d.nresolved, 1);
	assert_string_equal(d.resolved[0].message, "message one");
	store_diff_release(&d);
	store_close(s);
	/* opening again is a no-op */
	s = open_ok(v1);
	assert_int_equal(store_found_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
}

static void test_refuse(void **state)
{
	struct fx *x = *state;
	struct store *s = NULL;
	struct mm_err e = { 0 };

	/* newer schema: named with both versions */
	s = open_ok(x->db);
	store_close(s);
	sql_exec(x->db, "INSERT INTO schema_migrations VALUES (99, 'future', 't', '9.9')");
	assert_int_equal(store_open(&s, x->db, STORE_OPEN_EXISTING, &e), MM_ETYPE);
	assert_null(s);
	assert_non_null(strstr(e.msg, "version 99"));
	assert_non_null(strstr(e.msg, "version 2"));
	assert_non_null(strstr(e.msg, x->db));

	/* missing file for diff/history */
	char p[400];
	snprintf(p, sizeof(p), "%s/missing.db", x->dir);
	assert_int_equal(store_open(&s, p, STORE_OPEN_EXISTING, &e), MM_ENOTFOUND);
	assert_non_null(strstr(e.msg, p));
	assert_int_equal(access(p, F_OK), -1); /* and not created */

	/* not a database */
	snprintf(p, sizeof(p), "%s/junk.db", x->dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database file ", f);
	fclose(f);
	assert_int_equal(store_open(&s, p, STORE_OPEN_CREATE, &e), MM_ETYPE);
	assert_non_null(strstr(e.msg, "not a SQLite database"));

	/* somebody else's database */
	snprintf(p, sizeof(p), "%s/other.db", x->dir);
	sql_exec(p, "CREATE TABLE t (a)");
	assert_int_equal(store_open(&s, p, STORE_OPEN_CREATE, &e), MM_ETYPE);
	assert_non_null(strstr(e.msg, "not a mamori store"));
	assert_int_equal(sql_ll(p, "SELECT count(*) FROM sqlite_master"), 1);

	/* a directory */
	assert_int_equal(store_open(&s, x->dir, STORE_OPEN_CREATE, &e), MM_EIO);
	assert_non_null(strstr(e.msg, x->dir));
}

static void test_mask_url(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "postgresql://u:secret@db.example/mm", "postgresql://u:***@db.example/mm" },
		{ "postgres://u@h/mm", "postgres://u@h/mm" },
		{ "postgresql:///mm?host=/tmp/s&password=pw&user=u",
		  "postgresql:///mm?host=/tmp/s&password=***&user=u" },
		{ "postgresql://a:b@c:5432/d?password=e",
		  "postgresql://a:***@c:5432/d?password=***" },
		{ "postgresql://h/db", "postgresql://h/db" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = store_mask_url(cases[i][0]);
		assert_string_equal(m, cases[i][1]);
		free(m);
	}
	assert_true(store_target_is_pg("postgresql://x"));
	assert_true(store_target_is_pg("postgres://x"));
	assert_false(store_target_is_pg("postgres.db"));
}

static void test_expand(void **state)
{
	(void)state;
	static const char *const types[] = { "@ID@", "SERIAL", "@INT@", "BIGINT", NULL };
	struct strbuf sb = STRBUF_INIT;
	store_expand_sql(&sb, "a @ID@, b @INT@, c '@' @X@", types);
	assert_string_equal(sb.buf, "a SERIAL, b BIGINT, c '@' @X@");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_pair_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse, setup, teardown),
		cmocka_unit_test(test_mask_url),
		cmocka_unit_test(test_expand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
