/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Findings store, backend-independent part: opening and migrating, recording
 * a run, and the queries behind `mamori diff` and `mamori history`. Every
 * statement is written once, in SQL both SQLite and PostgreSQL accept
 * (store-int.h); the backends only execute it.
 *
 * Recording a run is set-based so it costs a handful of statements whatever
 * the number of findings: the run's findings are staged in a temporary table
 * (multi-row INSERTs), then messages, findings (upsert), observations and
 * resolutions are each one INSERT ... SELECT or UPDATE, all inside the one
 * write transaction of the run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store-int.h"
#include "base/hmap.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

bool store_target_is_pg(const char *t)
{
	return !strncmp(t, "postgresql://", 13) || !strncmp(t, "postgres://", 11);
}

const char *store_name(const struct store *s)
{
	return s->name;
}

int store_found_version(const struct store *s)
{
	return s->found_version;
}

void store_expand_sql(struct strbuf *sb, const char *sql, const char *const *types)
{
	const char *p = sql;
	while (*p) {
		const char *const *t = types;
		if (*p == '@')
			for (; *t; t += 2)
				if (!strncmp(p, t[0], strlen(t[0])))
					break;
		if (*p == '@' && *t) {
			strbuf_addstr(sb, t[1]);
			p += strlen(t[0]);
		} else {
			strbuf_addch(sb, *p++);
		}
	}
}

static int q(struct store *s, const char *sql, const struct db_val *p, size_t np, db_row_fn fn,
	     void *ctx, struct mm_err *e)
{
	struct strbuf sb = STRBUF_INIT;
	store_expand_sql(&sb, sql, s->ops->types);
	int rc = s->ops->query(s, sb.buf, p, np, fn, ctx, e);
	strbuf_release(&sb);
	return rc;
}

static int row_ll(void *ctx, const char *const *cols, int ncols)
{
	*(long long *)ctx = ncols > 0 && cols[0] ? strtoll(cols[0], NULL, 10) : 0;
	return 0;
}

static long long col_ll(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

static void iso_time(char *buf, size_t n, long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + k, n - k, ".%03lldZ", ms % 1000);
}

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- opening and migrating ---- */

static int read_version(struct store *s, int *v, bool *has, struct mm_err *e)
{
	long long x = 0;
	*v = 0;
	if (s->ops->table_exists(s, "schema_migrations", has, e) < 0)
		return e->code;
	if (*has && q(s, "SELECT max(version) FROM schema_migrations", NULL, 0, row_ll, &x, e) < 0)
		return e->code;
	*v = (int)x;
	return 0;
}

static int too_new(struct store *s, int v, struct mm_err *e)
{
	return mm_err_set(e, MM_ETYPE,
			  "store '%s' has schema version %d, newer than version %d that this "
			  "mamori (%s) knows: upgrade mamori",
			  s->name, v, STORE_SCHEMA_VERSION, MAMORI_VERSION);
}

/* A database that holds tables but no schema_migrations is someone else's. */
static int check_foreign(struct store *s, struct mm_err *e)
{
	static const char *const names[] = { "runs", "findings", "observations" };
	bool any = false;
	if (s->ops->table_exists(s, NULL, &any, e) < 0)
		return e->code;
	for (size_t i = 0; !any && i < sizeof(names) / sizeof(names[0]); i++)
		if (s->ops->table_exists(s, names[i], &any, e) < 0)
			return e->code;
	if (any)
		return mm_err_set(e, MM_ETYPE,
				  "'%s' is not a mamori store: it holds tables but no "
				  "schema_migrations",
				  s->name);
	return 0;
}

static int apply(struct store *s, const struct store_migration *m, struct mm_err *e)
{
	for (const char *const *sql = m->sql; *sql; sql++)
		if (q(s, *sql, NULL, 0, NULL, NULL, e) < 0)
			return e->code;
	char now[40];
	iso_time(now, sizeof(now), wall_ms());
	struct db_val p[4] = { db_int(m->version), db_str(m->name), db_str(now),
			       db_str(MAMORI_VERSION) };
	return q(s,
		 "INSERT INTO schema_migrations (version, name, applied_at, tool_version) "
		 "VALUES (?, ?, ?, ?)",
		 p, 4, NULL, NULL, e);
}

int store_migrate_to(struct store *s, int target, struct mm_err *e)
{
	int v;
	bool has;
	if (read_version(s, &v, &has, e) < 0)
		return e->code;
	s->found_version = v;
	if (v > STORE_SCHEMA_VERSION)
		return too_new(s, v, e);
	if (v >= target)
		return 0;
	if (s->ops->begin_write(s, e) < 0)
		return e->code;
	/* again under the write lock: another process may have migrated */
	if (read_version(s, &v, &has, e) < 0)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		too_new(s, v, e);
		goto fail;
	}
	if (!has &&
	    (check_foreign(s, e) < 0 || q(s, store_sql_bootstrap, NULL, 0, NULL, NULL, e) < 0))
		goto fail;
	for (size_t i = 0; i < store_nmigrations; i++) {
		const struct store_migration *m = &store_migrations[i];
		if (m->version > v && m->version <= target && apply(s, m, e) < 0)
			goto fail;
	}
	if (s->ops->commit(s, e) < 0)
		goto fail;
	return 0;
fail:
	s->ops->rollback(s);
	return e->code;
}

int store_open_at(struct store **out, const char *target, enum store_open_mode mode, int version,
		  struct mm_err *e)
{
	struct store *s = xcalloc(1, sizeof(*s));
	int rc = store_target_is_pg(target) ? store_pg_open(s, target, e)
					    : store_sqlite_open(s, target, mode, e);
	if (!rc)
		rc = store_migrate_to(s, version, e);
	if (rc < 0) {
		store_close(s);
		*out = NULL;
		return rc;
	}
	*out = s;
	return 0;
}

int store_open(struct store **out, const char *target, enum store_open_mode mode, struct mm_err *e)
{
	return store_open_at(out, target, mode, STORE_SCHEMA_VERSION, e);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->conn)
		s->ops->close(s);
	free(s->name);
	free(s);
}

/* ---- recording a run ---- */

void store_inputs_from_model(const struct mm_model *m, bool exposure, struct store_input **out,
			     size_t *nout)
{
	struct store_input *v = NULL;
	size_t n = 0, alloc = 0;
	for (size_t i = 0; i < m->nscopes; i++) {
		const struct mm_scope *sc = &m->scopes[i];
		if (!sc->have)
			continue;
		for (int k = 0; k < MM_K__COUNT; k++) {
			bool has = sc->have & (1ull << k);
			/* IAM is global: it informs every region of its account */
			for (size_t j = 0; !has && k == MM_K_IAM && j < m->nscopes; j++)
				has = !strcmp(m->scopes[j].account, sc->account) &&
				      (m->scopes[j].have & (1ull << k));
			if (!has)
				continue;
			ALLOC_GROW(v, n + 1, alloc);
			v[n++] = (struct store_input){ sc->account, sc->region,
						       mm_kind_name((enum mm_kind)k) };
		}
		if (exposure) {
			ALLOC_GROW(v, n + 1, alloc);
			v[n++] =
			    (struct store_input){ sc->account, sc->region, "analysis:exposure" };
		}
	}
	*out = v;
	*nout = n;
}

static int cmp_input(const void *pa, const void *pb)
{
	const struct store_input *a = pa, *b = pb;
	int c = strcmp(a->account, b->account);
	if (!c)
		c = strcmp(a->region, b->region);
	if (!c)
		c = strcmp(a->input, b->input);
	return c;
}

/* 64-bit FNV-1a, as 16 hex digits: the key of a message text. Part of the
 * schema (messages.hash): never change it. */
static void message_hash(const char *s, char out[17])
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static const char *nz(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* Row filler for insert_rows(): fills ncols values of row i. */
typedef void (*fill_fn)(void *ctx, size_t i, struct db_val *out);

/* Multi-row INSERTs: head is "INSERT INTO t (a, b) VALUES ". */
static int insert_rows(struct store *s, const char *head, size_t ncols, size_t nrows, fill_fn fill,
		       void *ctx, struct mm_err *e)
{
	size_t per = s->ops->max_params / ncols;
	if (per > 500)
		per = 500;
	struct db_val *vals = xcalloc(st_mult(per, ncols), sizeof(*vals));
	struct strbuf sql = STRBUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < nrows && !rc; i += per) {
		size_t n = nrows - i < per ? nrows - i : per;
		strbuf_reset(&sql);
		strbuf_addstr(&sql, head);
		for (size_t r = 0; r < n; r++) {
			strbuf_addstr(&sql, r ? ", (" : "(");
			for (size_t c = 0; c < ncols; c++)
				strbuf_addstr(&sql, c ? ", ?" : "?");
			strbuf_addch(&sql, ')');
			fill(ctx, i + r, vals + r * ncols);
		}
		rc = q(s, sql.buf, vals, n * ncols, NULL, NULL, e);
	}
	strbuf_release(&sql);
	free(vals);
	return rc;
}

struct run_ctx {
	long long run;
	const struct store_input *in;
	const struct finding **f;
	char (*hash)[17];
};

static void fill_input(void *ctx, size_t i, struct db_val *v)
{
	struct run_ctx *c = ctx;
	v[0] = db_int(c->run);
	v[1] = db_str(c->in[i].account);
	v[2] = db_str(c->in[i].region);
	v[3] = db_str(c->in[i].input);
}

static void fill_cur(void *ctx, size_t i, struct db_val *v)
{
	struct run_ctx *c = ctx;
	const struct finding *f = c->f[i];
	v[0] = db_str(f->id);
	v[1] = db_str(nz(f->rule, "unknown"));
	v[2] = db_str(f->title);
	v[3] = db_str(nz(f->res_type, "unknown"));
	v[4] = db_str(nz(f->res_id, "unknown"));
	v[5] = db_str(f->res_arn && *f->res_arn ? f->res_arn : NULL);
	v[6] = db_str(nz(f->account, "unknown"));
	v[7] = db_str(nz(f->region, "unknown"));
	v[8] = db_str(mm_sev_name(f->sev));
	v[9] = db_str(mm_status_name(f->status));
	v[10] = db_str(f->message ? f->message : "");
	v[11] = db_str(c->hash[i]);
	v[12] = db_str(f->status == MM_ST_MUTED ? nz(f->mute_reason, "muted") : NULL);
}

static int cmp_finding_ptr(const void *pa, const void *pb)
{
	const struct finding *a = *(const struct finding *const *)pa;
	const struct finding *b = *(const struct finding *const *)pb;
	int c = strcmp(a->id, b->id);
	return c ? c : (a > b) - (a < b); /* the first one wins a tie */
}

static const char sql_cur[] = "CREATE TEMP TABLE mm_cur (\n"
			      "  id TEXT PRIMARY KEY, rule TEXT NOT NULL, title TEXT,\n"
			      "  res_type TEXT NOT NULL, res_id TEXT NOT NULL, res_arn TEXT,\n"
			      "  account TEXT NOT NULL, region TEXT NOT NULL,\n"
			      "  severity TEXT NOT NULL, status TEXT NOT NULL,\n"
			      "  message TEXT NOT NULL, message_hash TEXT NOT NULL,\n"
			      "  mute_reason TEXT\n"
			      ")";

static const char sql_upsert[] =
    "INSERT INTO findings (id, rule, title, res_type, res_id, res_arn, account, region,\n"
    "  first_seen_run, last_seen_run, severity, status, message, mute_reason)\n"
    "SELECT id, rule, title, res_type, res_id, res_arn, account, region,\n"
    "  CAST(? AS @INT@), CAST(? AS @INT@), severity, status, message, mute_reason\n"
    "FROM mm_cur WHERE true\n"
    "ON CONFLICT (id) DO UPDATE SET\n"
    "  last_seen_run = excluded.last_seen_run,\n"
    "  reopened_run = CASE WHEN findings.resolved_run IS NULL THEN findings.reopened_run\n"
    "                      ELSE excluded.last_seen_run END,\n"
    "  resolved_run = NULL,\n"
    "  title = excluded.title,\n"
    "  res_arn = COALESCE(excluded.res_arn, findings.res_arn),\n"
    "  severity = excluded.severity,\n"
    "  status = excluded.status,\n"
    "  message = excluded.message,\n"
    "  mute_reason = excluded.mute_reason";

/*
 * Resolve what this run no longer sees, where it covered the finding's
 * account and region with every input the run that last saw it had.
 */
static const char sql_resolve[] =
    "UPDATE findings SET resolved_run = ?\n"
    "WHERE resolved_run IS NULL AND last_seen_run <> ?\n"
    "  AND EXISTS (SELECT 1 FROM run_inputs i WHERE i.run_id = ?\n"
    "              AND i.account = findings.account AND i.region = findings.region)\n"
    "  AND NOT EXISTS (SELECT 1 FROM run_inputs p WHERE p.run_id = findings.last_seen_run\n"
    "                  AND p.account = findings.account AND p.region = findings.region\n"
    "                  AND NOT EXISTS (SELECT 1 FROM run_inputs c WHERE c.run_id = ?\n"
    "                                  AND c.account = p.account AND c.region = p.region\n"
    "                                  AND c.input = p.input))";

static void test_pause(void)
{
	const char *v = getenv("MAMORI_TEST_STORE_PAUSE_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;
	if (ms <= 0)
		return;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Sorted, unique: "a/r,a/r,..." and "a,a,...". */
static void scope_strings(const struct store_input *in, size_t n, struct strbuf *scope,
			  struct strbuf *accounts)
{
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(in[i].account, in[i - 1].account) &&
		    !strcmp(in[i].region, in[i - 1].region))
			continue;
		strbuf_addf(scope, "%s%s/%s", scope->len ? "," : "", in[i].account, in[i].region);
		if (i && !strcmp(in[i].account, in[i - 1].account))
			continue;
		strbuf_addf(accounts, "%s%s", accounts->len ? "," : "", in[i].account);
	}
}

static int record(struct store *s, const struct store_run_in *in, struct store_input *inputs,
		  size_t ninputs, const struct finding **fv, size_t nf, struct store_run_out *out,
		  struct mm_err *e)
{
	struct strbuf scope = STRBUF_INIT, accounts = STRBUF_INIT;
	char started[40], finished[40];
	char(*hash)[17] = xcalloc(nf ? nf : 1, sizeof(*hash));
	long long counts[3] = { 0 }; /* fail, unknown, muted */
	long long n_new = 0, n_reopened = 0, n_resolved = 0;
	struct run_ctx ctx = { .in = inputs, .f = fv, .hash = hash };
	int rc;

	for (size_t i = 0; i < nf; i++) {
		message_hash(fv[i]->message ? fv[i]->message : "", hash[i]);
		if (fv[i]->status <= MM_ST_MUTED)
			counts[fv[i]->status]++;
	}
	scope_strings(inputs, ninputs, &scope, &accounts);
	iso_time(started, sizeof(started), in->started_ms);

	if ((rc = s->ops->begin_write(s, e)) < 0)
		goto out;
	struct db_val run[5] = { db_str(started), db_str(nz(in->snapshot, "")),
				 db_str(nz(in->tool_version, MAMORI_VERSION)), db_str(scope.buf),
				 db_str(accounts.buf) };
	if ((rc = q(s,
		    "INSERT INTO runs (started_at, snapshot, tool_version, scope, accounts) "
		    "VALUES (?, ?, ?, ?, ?) RETURNING id",
		    run, 5, row_ll, &ctx.run, e)) < 0)
		goto fail;
	if (ctx.run <= 0) {
		rc = mm_err_set(e, MM_EIO, "store '%s' returned no run id", s->name);
		goto fail;
	}
	struct db_val r1[1] = { db_int(ctx.run) };
	struct db_val r2[2] = { db_int(ctx.run), db_int(ctx.run) };
	struct db_val r4[4] = { db_int(ctx.run), db_int(ctx.run), db_int(ctx.run),
				db_int(ctx.run) };
	if ((rc = insert_rows(s, "INSERT INTO run_inputs (run_id, account, region, input) VALUES ",
			      4, ninputs, fill_input, &ctx, e)) < 0 ||
	    (rc = q(s, sql_cur, NULL, 0, NULL, NULL, e)) < 0 ||
	    (rc = insert_rows(s,
			      "INSERT INTO mm_cur (id, rule, title, res_type, res_id, res_arn, "
			      "account, region, severity, status, message, message_hash, "
			      "mute_reason) VALUES ",
			      13, nf, fill_cur, &ctx, e)) < 0 ||
	    (rc = q(s,
		    "INSERT INTO messages (hash, text) SELECT message_hash, message "
		    "FROM mm_cur WHERE true ON CONFLICT (hash) DO NOTHING",
		    NULL, 0, NULL, NULL, e)) < 0 ||
	    (rc = q(s,
		    "SELECT count(*) FROM mm_cur c WHERE NOT EXISTS "
		    "(SELECT 1 FROM findings f WHERE f.id = c.id)",
		    NULL, 0, row_ll, &n_new, e)) < 0 ||
	    (rc = q(s,
		    "SELECT count(*) FROM mm_cur c JOIN findings f ON f.id = c.id "
		    "WHERE f.resolved_run IS NOT NULL",
		    NULL, 0, row_ll, &n_reopened, e)) < 0 ||
	    (rc = q(s, sql_upsert, r2, 2, NULL, NULL, e)) < 0 ||
	    (rc = q(s,
		    "INSERT INTO observations (run_id, finding_id, severity, status, "
		    "message_hash, mute_reason) SELECT CAST(? AS @INT@), id, severity, status, "
		    "message_hash, mute_reason FROM mm_cur",
		    r1, 1, NULL, NULL, e)) < 0 ||
	    (rc = q(s, sql_resolve, r4, 4, NULL, NULL, e)) < 0 ||
	    (rc = q(s, "SELECT count(*) FROM findings WHERE resolved_run = ?", r1, 1, row_ll,
		    &n_resolved, e)) < 0 ||
	    (rc = q(s, "DROP TABLE mm_cur", NULL, 0, NULL, NULL, e)) < 0)
		goto fail;
	iso_time(finished, sizeof(finished), wall_ms());
	struct db_val fin[9] = {
		db_str(finished),
		db_int((long long)nf),
		db_int(counts[MM_ST_FAIL]),
		db_int(counts[MM_ST_UNKNOWN]),
		db_int(counts[MM_ST_MUTED]),
		db_int(n_new),
		db_int(n_reopened),
		db_int(n_resolved),
		db_int(ctx.run),
	};
	if ((rc = q(s,
		    "UPDATE runs SET finished_at = ?, n_findings = ?, n_fail = ?, n_unknown = ?, "
		    "n_muted = ?, n_new = ?, n_reopened = ?, n_resolved = ? WHERE id = ?",
		    fin, 9, NULL, NULL, e)) < 0)
		goto fail;
	test_pause();
	if ((rc = s->ops->commit(s, e)) < 0)
		goto fail;
	out->id = ctx.run;
	out->stored = nf;
	out->added = (size_t)n_new;
	out->reopened = (size_t)n_reopened;
	out->resolved = (size_t)n_resolved;
	goto out;
fail:
	s->ops->rollback(s);
out:
	free(hash);
	strbuf_release(&scope);
	strbuf_release(&accounts);
	return rc;
}

int store_record_run(struct store *s, const struct store_run_in *in, const struct findings *fs,
		     struct store_run_out *out, struct mm_err *e)
{
	memset(out, 0, sizeof(*out));
	/* passed checks are not findings to track; one row per fingerprint */
	const struct finding **fv = xcalloc(fs->nr ? fs->nr : 1, sizeof(*fv));
	size_t nf = 0;
	for (size_t i = 0; i < fs->nr; i++)
		if (fs->v[i].status != MM_ST_PASS)
			fv[nf++] = &fs->v[i];
	mm_qsort(fv, nf, sizeof(*fv), cmp_finding_ptr);
	size_t u = 0;
	for (size_t i = 0; i < nf; i++)
		if (!u || strcmp(fv[u - 1]->id, fv[i]->id))
			fv[u++] = fv[i];
	size_t dups = nf - u;

	struct store_input *inputs = xcalloc(in->ninputs ? in->ninputs : 1, sizeof(*inputs));
	size_t ni = 0;
	if (in->ninputs)
		memcpy(inputs, in->inputs, in->ninputs * sizeof(*inputs));
	mm_qsort(inputs, in->ninputs, sizeof(*inputs), cmp_input);
	for (size_t i = 0; i < in->ninputs; i++)
		if (!ni || cmp_input(&inputs[ni - 1], &inputs[i]))
			inputs[ni++] = inputs[i];

	int rc = record(s, in, inputs, ni, fv, u, out, e);
	out->dups = dups;
	free(inputs);
	free(fv);
	return rc;
}

/* ---- reading runs ---- */

#define RUN_COLS                                                                             \
	"id, started_at, finished_at, snapshot, tool_version, scope, accounts, n_findings, " \
	"n_fail, n_unknown, n_muted, n_new, n_reopened, n_resolved"

static void run_from_cols(struct arena *a, const char *const *c, struct store_run *r)
{
	r->id = col_ll(c[0]);
	r->started = arena_strdup(a, c[1] ? c[1] : "");
	r->finished = arena_strdup(a, c[2] ? c[2] : "");
	r->snapshot = arena_strdup(a, c[3] ? c[3] : "");
	r->tool_version = arena_strdup(a, c[4] ? c[4] : "");
	r->scope = arena_strdup(a, c[5] ? c[5] : "");
	r->accounts = arena_strdup(a, c[6] ? c[6] : "");
	r->n_findings = col_ll(c[7]);
	r->n_fail = col_ll(c[8]);
	r->n_unknown = col_ll(c[9]);
	r->n_muted = col_ll(c[10]);
	r->n_new = col_ll(c[11]);
	r->n_reopened = col_ll(c[12]);
	r->n_resolved = col_ll(c[13]);
}

struct runs_ctx {
	struct arena *a;
	struct store_run *v;
	size_t nr, alloc;
};

static int row_run(void *ctx, const char *const *cols, int ncols)
{
	struct runs_ctx *c = ctx;
	if (ncols < 14)
		BUG("runs row too short");
	ALLOC_GROW(c->v, c->nr + 1, c->alloc);
	run_from_cols(c->a, cols, &c->v[c->nr++]);
	return 0;
}

int store_runs_list(struct store *s, struct store_runs *out, struct mm_err *e)
{
	memset(out, 0, sizeof(*out));
	arena_init(&out->arena);
	struct runs_ctx c = { .a = &out->arena };
	int rc = q(s, "SELECT " RUN_COLS " FROM runs ORDER BY id", NULL, 0, row_run, &c, e);
	out->v = c.v;
	out->nr = c.nr;
	return rc;
}

void store_runs_release(struct store_runs *r)
{
	free(r->v);
	arena_release(&r->arena);
	memset(r, 0, sizeof(*r));
}

static int get_run(struct store *s, long long id, struct arena *a, struct store_run *r,
		   struct mm_err *e)
{
	struct runs_ctx c = { .a = a };
	struct db_val p = db_int(id);
	int rc = q(s, "SELECT " RUN_COLS " FROM runs WHERE id = ?", &p, 1, row_run, &c, e);
	if (!rc && !c.nr)
		rc = mm_err_set(e, MM_ENOTFOUND, "store '%s' has no run %lld", s->name, id);
	if (!rc)
		*r = c.v[0];
	free(c.v);
	return rc;
}

static int row_str(void *ctx, const char *const *cols, int ncols)
{
	struct strbuf *sb = ctx;
	strbuf_reset(sb);
	if (ncols > 0 && cols[0])
		strbuf_addstr(sb, cols[0]);
	return 0;
}

int store_default_pair(struct store *s, long long *from, long long *to, bool *same_scope,
		       struct mm_err *e)
{
	long long last = 0, prev = 0;
	struct strbuf scope = STRBUF_INIT;
	*same_scope = true;
	int rc = q(s, "SELECT max(id) FROM runs", NULL, 0, row_ll, &last, e);
	if (!rc && !last)
		rc = mm_err_set(e, MM_ENOTFOUND, "store '%s' has no runs yet", s->name);
	struct db_val p1 = db_int(last);
	if (!rc)
		rc = q(s, "SELECT scope FROM runs WHERE id = ?", &p1, 1, row_str, &scope, e);
	struct db_val p2[2] = { db_str(scope.buf), db_int(last) };
	if (!rc)
		rc = q(s, "SELECT max(id) FROM runs WHERE scope = ? AND id < ?", p2, 2, row_ll,
		       &prev, e);
	if (!rc && !prev) {
		/* no earlier run of the same accounts and regions: the run just
		 * before (findings the other run did not cover are reported as
		 * uncovered, never as resolved) */
		*same_scope = false;
		rc = q(s, "SELECT max(id) FROM runs WHERE id < ?", &p1, 1, row_ll, &prev, e);
		if (!rc && !prev)
			rc = mm_err_set(e, MM_ENOTFOUND,
					"store '%s' has one run (%lld): nothing to compare it with "
					"yet",
					s->name, last);
	}
	strbuf_release(&scope);
	if (rc)
		return rc;
	*from = prev;
	*to = last;
	return 0;
}

/* ---- diff ---- */

#define ITEM_COLS                                                                       \
	"f.id, f.rule, f.title, f.res_type, f.res_id, f.res_arn, f.account, f.region, " \
	"o.severity, o.status, m.text, o.mute_reason"

struct items_ctx {
	struct arena *a;
	struct store_item *v;
	size_t nr, alloc;
};

static const char *adup(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

static void item_from_cols(struct arena *a, const char *const *c, struct store_item *it)
{
	it->id = adup(a, c[0]);
	it->rule = adup(a, c[1]);
	it->title = adup(a, c[2]);
	it->res_type = adup(a, c[3]);
	it->res_id = adup(a, c[4]);
	it->res_arn = adup(a, c[5]);
	it->account = adup(a, c[6]);
	it->region = adup(a, c[7]);
	it->severity = adup(a, c[8]);
	it->status = adup(a, c[9]);
	it->message = adup(a, c[10] ? c[10] : "");
	it->mute_reason = adup(a, c[11]);
}

static int row_item(void *ctx, const char *const *cols, int ncols)
{
	struct items_ctx *c = ctx;
	if (ncols < 12)
		BUG("finding row too short");
	ALLOC_GROW(c->v, c->nr + 1, c->alloc);
	item_from_cols(c->a, cols, &c->v[c->nr++]);
	return 0;
}

static int load_items(struct store *s, long long run, struct items_ctx *c, struct mm_err *e)
{
	struct db_val p = db_int(run);
	return q(s,
		 "SELECT " ITEM_COLS " FROM observations o JOIN findings f ON f.id = o.finding_id "
		 "JOIN messages m ON m.hash = o.message_hash WHERE o.run_id = ?",
		 &p, 1, row_item, c, e);
}

static int cmp_item_id(const void *pa, const void *pb)
{
	return strcmp(((const struct store_item *)pa)->id, ((const struct store_item *)pb)->id);
}

static int sev_rank(const char *s)
{
	enum mm_sev v;
	return s && !mm_sev_parse(s, &v) ? (int)v : -1;
}

static int status_rank(const char *s)
{
	for (int i = MM_ST_FAIL; i <= MM_ST_PASS; i++)
		if (s && !strcmp(s, mm_status_name((enum mm_status)i)))
			return i;
	return MM_ST_PASS + 1;
}

static int strcmp0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_item_worst(const struct store_item *a, const struct store_item *b)
{
	int c = sev_rank(b->severity) - sev_rank(a->severity);
	if (!c)
		c = status_rank(a->status) - status_rank(b->status);
	if (!c)
		c = strcmp0(a->rule, b->rule);
	if (!c)
		c = strcmp0(a->res_id, b->res_id);
	if (!c)
		c = strcmp0(a->id, b->id);
	return c;
}

static int cmp_item_worst_q(const void *a, const void *b)
{
	return cmp_item_worst(a, b);
}

static int cmp_change_worst(const void *pa, const void *pb)
{
	const struct store_change *a = pa, *b = pb;
	return cmp_item_worst(&a->after, &b->after);
}

struct units_ctx {
	struct arena *a;
	struct hmap *m;
};

static int row_unit(void *ctx, const char *const *cols, int ncols)
{
	struct units_ctx *c = ctx;
	if (ncols < 2)
		BUG("unit row too short");
	char *key = arena_printf(c->a, "%s\x1f%s", cols[0] ? cols[0] : "", cols[1] ? cols[1] : "");
	hmap_put(c->m, key, key);
	return 0;
}

/* Units `to` covered with at least the inputs `from` had there. */
static const char sql_covered[] =
    "SELECT DISTINCT b.account, b.region FROM run_inputs b WHERE b.run_id = ?\n"
    "  AND NOT EXISTS (SELECT 1 FROM run_inputs p WHERE p.run_id = ?\n"
    "                  AND p.account = b.account AND p.region = b.region\n"
    "                  AND NOT EXISTS (SELECT 1 FROM run_inputs c WHERE c.run_id = ?\n"
    "                                  AND c.account = p.account AND c.region = p.region\n"
    "                                  AND c.input = p.input))";

static unsigned item_changes(const struct store_item *a, const struct store_item *b)
{
	unsigned w = 0;
	if (strcmp0(a->severity, b->severity))
		w |= STORE_CH_SEVERITY;
	if (strcmp0(a->status, b->status))
		w |= STORE_CH_STATUS;
	if (strcmp0(a->message, b->message))
		w |= STORE_CH_MESSAGE;
	if ((a->mute_reason != NULL) != (b->mute_reason != NULL) ||
	    strcmp0(a->mute_reason, b->mute_reason))
		w |= STORE_CH_MUTE;
	return w;
}

static void diff_merge(struct store_diff *d, struct items_ctx *A, struct items_ctx *B,
		       const struct hmap *covered)
{
	size_t i = 0, j = 0, an = 0, aa = 0, rn = 0, ra = 0, cn = 0, ca = 0;
	mm_qsort(A->v, A->nr, sizeof(*A->v), cmp_item_id);
	mm_qsort(B->v, B->nr, sizeof(*B->v), cmp_item_id);
	while (i < A->nr || j < B->nr) {
		int c = i == A->nr ? 1 : j == B->nr ? -1 : strcmp(A->v[i].id, B->v[j].id);
		if (c > 0) {
			ALLOC_GROW(d->added, an + 1, aa);
			d->added[an++] = B->v[j++];
		} else if (c < 0) {
			const struct store_item *it = &A->v[i++];
			char *key = arena_printf(&d->arena, "%s\x1f%s", it->account, it->region);
			if (!hmap_get(covered, key)) {
				d->uncovered++;
				continue;
			}
			ALLOC_GROW(d->resolved, rn + 1, ra);
			d->resolved[rn++] = *it;
		} else {
			unsigned w = item_changes(&A->v[i], &B->v[j]);
			if (w) {
				ALLOC_GROW(d->changed, cn + 1, ca);
				d->changed[cn++] = (struct store_change){ A->v[i], B->v[j], w };
			}
			i++;
			j++;
		}
	}
	d->nadded = an;
	d->nresolved = rn;
	d->nchanged = cn;
	mm_qsort(d->added, an, sizeof(*d->added), cmp_item_worst_q);
	mm_qsort(d->resolved, rn, sizeof(*d->resolved), cmp_item_worst_q);
	mm_qsort(d->changed, cn, sizeof(*d->changed), cmp_change_worst);
}

int store_diff(struct store *s, long long from, long long to, struct store_diff *d,
	       struct mm_err *e)
{
	memset(d, 0, sizeof(*d));
	arena_init(&d->arena);
	struct items_ctx A = { .a = &d->arena }, B = { .a = &d->arena };
	struct hmap covered = HMAP_INIT;
	struct units_ctx uc = { &d->arena, &covered };
	struct db_val p[3] = { db_int(to), db_int(from), db_int(to) };
	int rc = s->ops->begin_read(s, e);
	if (!rc && !(rc = get_run(s, from, &d->arena, &d->from, e)) &&
	    !(rc = get_run(s, to, &d->arena, &d->to, e)) && !(rc = load_items(s, from, &A, e)) &&
	    !(rc = load_items(s, to, &B, e)))
		rc = q(s, sql_covered, p, 3, row_unit, &uc, e);
	s->ops->rollback(s);
	if (!rc)
		diff_merge(d, &A, &B, &covered);
	free(A.v);
	free(B.v);
	hmap_release(&covered);
	return rc;
}

void store_diff_release(struct store_diff *d)
{
	free(d->added);
	free(d->resolved);
	free(d->changed);
	arena_release(&d->arena);
	memset(d, 0, sizeof(*d));
}

/* ---- history ---- */

struct hist_ctx {
	struct arena *a;
	struct store_hist_finding *v;
	size_t nr, alloc;
};

static int row_hist(void *ctx, const char *const *cols, int ncols)
{
	struct hist_ctx *c = ctx;
	if (ncols < 16)
		BUG("history row too short");
	ALLOC_GROW(c->v, c->nr + 1, c->alloc);
	struct store_hist_finding *h = &c->v[c->nr++];
	memset(h, 0, sizeof(*h));
	item_from_cols(c->a, cols, &h->cur);
	h->first_seen = col_ll(cols[12]);
	h->last_seen = col_ll(cols[13]);
	h->resolved = col_ll(cols[14]);
	h->reopened = col_ll(cols[15]);
	return 0;
}

struct obs_ctx {
	struct arena *a;
	struct store_obs *v;
	size_t nr, alloc;
};

static int row_obs(void *ctx, const char *const *cols, int ncols)
{
	struct obs_ctx *c = ctx;
	if (ncols < 6)
		BUG("observation row too short");
	ALLOC_GROW(c->v, c->nr + 1, c->alloc);
	struct store_obs *o = &c->v[c->nr++];
	o->run = col_ll(cols[0]);
	o->started = adup(c->a, cols[1]);
	o->severity = adup(c->a, cols[2]);
	o->status = adup(c->a, cols[3]);
	o->message = adup(c->a, cols[4] ? cols[4] : "");
	o->mute_reason = adup(c->a, cols[5]);
	return 0;
}

#define HIST_COLS                                                                             \
	"f.id, f.rule, f.title, f.res_type, f.res_id, f.res_arn, f.account, f.region, "       \
	"f.severity, f.status, f.message, f.mute_reason, f.first_seen_run, f.last_seen_run, " \
	"f.resolved_run, f.reopened_run"

int store_history(struct store *s, const char *resource, struct store_history *h, struct mm_err *e)
{
	memset(h, 0, sizeof(*h));
	arena_init(&h->arena);
	struct hist_ctx c = { .a = &h->arena };
	/* arn:partition:service:region:account:resource-type/resource-id */
	char *acct = NULL, *tail = NULL;
	if (!strncmp(resource, "arn:", 4)) {
		const char *p = resource;
		for (int k = 0; k < 4 && p; k++)
			p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
		const char *rest = p ? strchr(p, ':') : NULL;
		if (rest) {
			acct = arena_strndup(&h->arena, p, (size_t)(rest - p));
			const char *t1 = strrchr(rest + 1, '/'), *t2 = strrchr(rest + 1, ':');
			const char *t = t1 > t2 ? t1 : t2;
			tail = arena_strdup(&h->arena, t ? t + 1 : rest + 1);
		}
	}
	struct db_val p[4] = { db_str(resource), db_str(resource), db_str(tail), db_str(acct) };
	int rc = s->ops->begin_read(s, e);
	if (!rc)
		rc = q(
		    s,
		    tail && *acct
			? "SELECT " HIST_COLS " FROM findings f WHERE f.res_id = ? OR "
			  "f.res_arn = ? OR (f.res_id = ? AND f.account = ?) ORDER BY f.rule, f.id"
			: "SELECT " HIST_COLS " FROM findings f WHERE f.res_id = ? OR "
			  "f.res_arn = ? ORDER BY f.rule, f.id",
		    p, tail && *acct ? 4 : 2, row_hist, &c, e);
	for (size_t i = 0; !rc && i < c.nr; i++) {
		struct obs_ctx oc = { .a = &h->arena };
		struct db_val id = db_str(c.v[i].cur.id);
		rc = q(s,
		       "SELECT o.run_id, r.started_at, o.severity, o.status, m.text, o.mute_reason "
		       "FROM observations o JOIN runs r ON r.id = o.run_id "
		       "JOIN messages m ON m.hash = o.message_hash "
		       "WHERE o.finding_id = ? ORDER BY o.run_id",
		       &id, 1, row_obs, &oc, e);
		/* the observations live in the arena; the vector itself is copied there */
		if (oc.nr) {
			c.v[i].obs = arena_calloc(&h->arena, oc.nr, sizeof(*oc.v));
			memcpy(c.v[i].obs, oc.v, oc.nr * sizeof(*oc.v));
		}
		c.v[i].nobs = oc.nr;
		free(oc.v);
	}
	long long nruns = 0;
	if (!rc)
		rc = q(s, "SELECT count(*) FROM runs", NULL, 0, row_ll, &nruns, e);
	s->ops->rollback(s);
	h->v = c.v;
	h->nr = c.nr;
	h->runs = (size_t)nruns;
	return rc;
}

void store_history_release(struct store_history *h)
{
	free(h->v);
	arena_release(&h->arena);
	memset(h, 0, sizeof(*h));
}

/* ---- scan --db ---- */

int store_record_scan(const char *target, const struct mm_model *m, bool exposure,
		      const struct findings *fs, const char *snapshot, long long started_ms,
		      struct store_run_out *out, struct mm_err *e)
{
	struct store *s;
	memset(out, 0, sizeof(*out));
	int rc = store_open(&s, target, STORE_OPEN_CREATE, e);
	if (rc < 0)
		return rc;
	struct store_run_in in = { .snapshot = snapshot,
				   .tool_version = MAMORI_VERSION,
				   .started_ms = started_ms > 0 ? started_ms : wall_ms() };
	struct store_input *inputs;
	store_inputs_from_model(m, exposure, &inputs, &in.ninputs);
	in.inputs = inputs;
	rc = store_record_run(s, &in, fs, out, e);
	free(inputs);
	store_close(s);
	return rc;
}
