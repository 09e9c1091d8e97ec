/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store schema, as an ordered list of migrations. A store records the
 * versions applied to it in schema_migrations; store_open() applies the
 * missing ones in order, inside one write transaction, and refuses a store
 * whose version is newer than the last one here.
 *
 * Append-only (DESIGN.md): a released migration is never edited or removed;
 * a change is a new migration at the end, and STORE_SCHEMA_VERSION (store.h)
 * follows it. Statements are in the SQL both backends accept; @ID@ (an
 * auto-increment primary key) and @INT@ (a 64-bit integer) are replaced by
 * each backend's type names. tests/store/v1.sql is version 1 as shipped,
 * and the unit test checks the two still agree.
 */
#include <stddef.h>

#include "store-int.h"
#include "base/banned.h"

/* Run before anything else, so the version can be read. */
const char store_sql_bootstrap[] = "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
				   "  version @INT@ PRIMARY KEY,\n"
				   "  name TEXT NOT NULL,\n"
				   "  applied_at TEXT NOT NULL,\n"
				   "  tool_version TEXT NOT NULL\n"
				   ")";

static const char *const v1[] = {
	/* One row per recorded scan; counts are filled at the end of the run's
	 * transaction, so a committed run always has them. */
	"CREATE TABLE runs (\n"
	"  id @ID@,\n"
	"  started_at TEXT NOT NULL,\n"
	"  finished_at TEXT,\n"
	"  snapshot TEXT NOT NULL,\n"
	"  tool_version TEXT NOT NULL,\n"
	"  scope TEXT NOT NULL,\n"
	"  accounts TEXT NOT NULL,\n"
	"  n_findings @INT@ NOT NULL DEFAULT 0,\n"
	"  n_fail @INT@ NOT NULL DEFAULT 0,\n"
	"  n_unknown @INT@ NOT NULL DEFAULT 0,\n"
	"  n_muted @INT@ NOT NULL DEFAULT 0,\n"
	"  n_new @INT@ NOT NULL DEFAULT 0,\n"
	"  n_reopened @INT@ NOT NULL DEFAULT 0,\n"
	"  n_resolved @INT@ NOT NULL DEFAULT 0\n"
	")",
	"CREATE INDEX runs_scope ON runs (scope, id)",
	/* What each run covered: a finding is resolved only where the run had
	 * the inputs of the run that last saw it. */
	"CREATE TABLE run_inputs (\n"
	"  run_id @INT@ NOT NULL REFERENCES runs (id),\n"
	"  account TEXT NOT NULL,\n"
	"  region TEXT NOT NULL,\n"
	"  input TEXT NOT NULL,\n"
	"  PRIMARY KEY (run_id, account, region, input)\n"
	")",
	/* Message texts, once each, keyed by their 64-bit FNV-1a (hex). */
	"CREATE TABLE messages (\n"
	"  hash TEXT PRIMARY KEY,\n"
	"  text TEXT NOT NULL\n"
	")",
	/* One row per fingerprint: identity, life cycle and current state. */
	"CREATE TABLE findings (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  rule TEXT NOT NULL,\n"
	"  title TEXT,\n"
	"  res_type TEXT NOT NULL,\n"
	"  res_id TEXT NOT NULL,\n"
	"  res_arn TEXT,\n"
	"  account TEXT NOT NULL,\n"
	"  region TEXT NOT NULL,\n"
	"  first_seen_run @INT@ NOT NULL REFERENCES runs (id),\n"
	"  last_seen_run @INT@ NOT NULL REFERENCES runs (id),\n"
	"  resolved_run @INT@ REFERENCES runs (id),\n"
	"  reopened_run @INT@ REFERENCES runs (id),\n"
	"  severity TEXT NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  message TEXT NOT NULL\n"
	")",
	"CREATE INDEX findings_open ON findings (account, region) WHERE resolved_run IS NULL",
	/* One row per finding per run that saw it: exact diffs between any two runs. */
	"CREATE TABLE observations (\n"
	"  run_id @INT@ NOT NULL REFERENCES runs (id),\n"
	"  finding_id TEXT NOT NULL REFERENCES findings (id),\n"
	"  severity TEXT NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  message_hash TEXT NOT NULL REFERENCES messages (hash),\n"
	"  PRIMARY KEY (run_id, finding_id)\n"
	")",
	NULL,
};

/* Mute state (the mutelist reason, current and per run; NULL = not muted,
 * and for every observation recorded before version 2), and the indexes
 * `mamori history` needs. */
static const char *const v2[] = {
	"ALTER TABLE findings ADD COLUMN mute_reason TEXT",
	"ALTER TABLE observations ADD COLUMN mute_reason TEXT",
	"CREATE INDEX findings_res_id ON findings (res_id)",
	"CREATE INDEX findings_res_arn ON findings (res_arn)",
	"CREATE INDEX observations_finding ON observations (finding_id, run_id)",
	NULL,
};

const struct store_migration store_migrations[] = {
	{ 1, "runs, inputs, findings, observations", v1 },
	{ 2, "mute state, history indexes", v2 },
};
const size_t store_nmigrations = sizeof(store_migrations) / sizeof(store_migrations[0]);
