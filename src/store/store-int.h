/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/store/: the backend interface. store.c holds every query
 * and the migrations, written once in the SQL both SQLite (3.35+) and
 * PostgreSQL (12+) accept: `?` placeholders, INSERT ... ON CONFLICT,
 * RETURNING. Each backend (sqlite.c, pg.c) isolates its dialect: how it binds
 * parameters (pg.c rewrites `?` to `$n`), how it takes the one writer lock,
 * and the column types substituted for the @TOKENS@ in the schema.
 *
 * Result rows reach a callback as text (NULL for SQL NULL) valid only during
 * the call. A callback returning non-zero stops the query with that value.
 */
#ifndef MM_STORE_INT_H
#define MM_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "base/strbuf.h"

enum db_type { DB_NULL, DB_INT, DB_TEXT };

struct db_val {
	enum db_type type;
	long long i;
	const char *s;
};

static inline struct db_val db_int(long long i)
{
	struct db_val v = { .type = DB_INT, .i = i };
	return v;
}

static inline struct db_val db_str(const char *s)
{
	struct db_val v = { .type = s ? DB_TEXT : DB_NULL, .s = s };
	return v;
}

typedef int (*db_row_fn)(void *ctx, const char *const *cols, int ncols);

struct db_ops {
	const char *name; /* "sqlite", "postgresql" */
	/* "@TOKEN@", replacement pairs, NULL-terminated: column types */
	const char *const *types;
	/* Run one statement; fn (may be NULL) sees each row. */
	int (*query)(struct store *s, const char *sql, const struct db_val *p, size_t np,
		     db_row_fn fn, void *ctx, struct mm_err *e);
	/* The one-writer transaction (waits for other writers, bounded). */
	int (*begin_write)(struct store *s, struct mm_err *e);
	/* A read-only transaction seeing one consistent state. */
	int (*begin_read)(struct store *s, struct mm_err *e);
	int (*commit)(struct store *s, struct mm_err *e);
	void (*rollback)(struct store *s);
	/* Does a table of this name exist (NULL: any table at all)? */
	int (*table_exists)(struct store *s, const char *name, bool *out, struct mm_err *e);
	void (*close)(struct store *s);
	/* Largest number of `?` parameters in one statement. */
	size_t max_params;
};

struct store {
	const struct db_ops *ops;
	void *conn;
	char *name; /* for messages: the path, or the URL with its password masked */
	int found_version;
};

/* Writers wait this long for each other (SQLite busy_timeout, PostgreSQL
 * lock_timeout) before giving up with an error. */
#define STORE_BUSY_TIMEOUT_MS 60000

int store_sqlite_open(struct store *s, const char *path, enum store_open_mode mode,
		      struct mm_err *e);
int store_pg_open(struct store *s, const char *url, struct mm_err *e);

/* The URL with any password replaced by "***" (malloc'd). */
char *store_mask_url(const char *url);

/* migrations.c: the schema, version by version (statements, NULL-ended). */
struct store_migration {
	int version;
	const char *name;
	const char *const *sql;
};
extern const char store_sql_bootstrap[];
extern const struct store_migration store_migrations[];
extern const size_t store_nmigrations;

/* Replace the @TOKENS@ of sql with this backend's types. */
void store_expand_sql(struct strbuf *sb, const char *sql, const char *const *types);
/* Bring the schema up to `target` (tests use it to build older stores). */
int store_migrate_to(struct store *s, int target, struct mm_err *e);
/* store_open() stopping at schema `version` (tests: a "previous release" store). */
int store_open_at(struct store **out, const char *target, enum store_open_mode mode, int version,
		  struct mm_err *e);

#endif
