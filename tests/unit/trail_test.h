/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the trail unit tests (test_trail*.c): where the fixtures
 * and ../shared are, running the trail pipeline over paths or a buffer and
 * collecting the alerts as NDJSON lines, temporary directories.
 * Header-only: each test includes it once.
 */
#ifndef MM_TRAIL_TEST_H
#define MM_TRAIL_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "trail/trail-int.h"

/* <repo>/tests/fixtures/trail, found from this file's path whatever the cwd. */
static inline const char *tt_fixtures(void)
{
	static char root[8192];
	if (root[0])
		return root;
	const char *file = __FILE__;
	const char *cut = strstr(file, "tests/unit/trail_test.h");
	char probe[8400];
	if (!cut)
		return NULL;
	snprintf(root, sizeof(root), "%.*stests/fixtures/trail", (int)(cut - file), file);
	snprintf(probe, sizeof(probe), "%s/builtin-samples.json", root);
	if (access(probe, R_OK) == 0)
		return root;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(root, sizeof(root), "%s/../../%.*stests/fixtures/trail", exe,
			 (int)(cut - file), file);
		snprintf(probe, sizeof(probe), "%s/builtin-samples.json", root);
		if (access(probe, R_OK) == 0)
			return root;
	}
	root[0] = '\0';
	return NULL;
}

/* ../shared (or $MAMORI_SHARED) when it holds the CloudTrail data, else NULL. */
static inline const char *tt_shared(void)
{
	static char buf[8192];
	const char *env = getenv("MAMORI_SHARED");
	char base[4096] = "";
	const char *fx = tt_fixtures();
	if (fx)
		snprintf(base, sizeof(base), "%s/../../../../shared", fx);
	const char *cands[] = { env, base, "../shared", "../../shared", "../../../shared" };
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		if (!cands[i] || !cands[i][0])
			continue;
		snprintf(buf, sizeof(buf), "%s/cloudtrail-datasets/PROVENANCE.md", cands[i]);
		if (access(buf, R_OK) == 0) {
			snprintf(buf, sizeof(buf), "%s", cands[i]);
			return buf;
		}
	}
	return NULL;
}

static inline char *tt_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char b[65536];
	size_t n;
	while ((n = fread(b, 1, sizeof(b), f)) > 0)
		strbuf_add(&sb, b, n);
	fclose(f);
	return strbuf_detach(&sb, len);
}

static inline void tt_write(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		abort();
	}
	if (fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
}

static inline char *tt_tmpdir(void)
{
	char tmpl[] = "/tmp/mamori-trail-XXXXXX";
	char *d = mkdtemp(tmpl);
	if (!d)
		abort();
	return xstrdup(d);
}

static inline void tt_rmtree(const char *dir)
{
	DIR *dp = opendir(dir);
	if (dp) {
		struct dirent *de;
		while ((de = readdir(dp))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			struct strbuf p = STRBUF_INIT;
			strbuf_addf(&p, "%s/%s", dir, de->d_name);
			struct stat st;
			if (lstat(p.buf, &st) == 0 && S_ISDIR(st.st_mode))
				tt_rmtree(p.buf);
			else
				unlink(p.buf);
			strbuf_release(&p);
		}
		closedir(dp);
	}
	rmdir(dir);
}

/* A loaded rule set and policy. policy_yaml NULL: the default. */
struct tt_env {
	struct trail_policy pol;
	struct trail_ruleset rs;
	struct mm_diags d;
};

static inline int tt_env_init(struct tt_env *t, const char *policy_yaml, bool builtin,
			      const char *const *rule_paths, size_t nrule_paths)
{
	struct mm_err e = { 0 };
	memset(t, 0, sizeof(*t));
	trail_ruleset_init(&t->rs);
	int r = policy_yaml ? trail_policy_parse(&t->pol, "test-policy.yaml", policy_yaml,
						 strlen(policy_yaml), &e)
			    : trail_policy_default(&t->pol, &e);
	if (r) {
		fprintf(stderr, "policy: %s\n", e.msg);
		return r;
	}
	if (builtin && trail_ruleset_add_builtin(&t->rs, &t->d, &e)) {
		fprintf(stderr, "builtin: %s\n", e.msg);
		return -1;
	}
	for (size_t i = 0; i < nrule_paths; i++)
		if (trail_ruleset_add_path(&t->rs, rule_paths[i], &t->d, &e)) {
			fprintf(stderr, "rules: %s\n", e.msg);
			return -1;
		}
	trail_ruleset_finish(&t->rs, &t->pol);
	return 0;
}

static inline void tt_env_release(struct tt_env *t)
{
	trail_ruleset_release(&t->rs);
	trail_policy_release(&t->pol);
	mm_diags_release(&t->d);
}

static inline int tt_collect(void *ctx, const struct trail_alert *a)
{
	trail_alert_jsonl(ctx, a);
	return 0;
}

/* Run over paths; alerts as NDJSON into out. Returns trail_run()'s result. */
static inline int tt_run(struct tt_env *t, const char *const *paths, size_t n, bool follow,
			 unsigned threads, struct strbuf *out, struct trail_stats *st,
			 struct mm_diags *d)
{
	struct mm_err e = { 0 };
	struct trail_opts o = { .rules = &t->rs,
				.policy = &t->pol,
				.threads = threads,
				.follow = follow,
				.idle_exit_s = follow ? 1.5 : 0,
				.emit = tt_collect,
				.ctx = out };
	memset(st, 0, sizeof(*st));
	return trail_run(paths, n, &o, st, d, &e);
}

/* Candidates of one buffer, evaluated directly (no correlation). */
struct tt_cands {
	struct tr_cand **v;
	size_t n, alloc;
};

static inline void tt_on_cand(void *cb, struct tr_cand *c)
{
	struct tt_cands *cs = cb;
	ALLOC_GROW(cs->v, cs->n + 1, cs->alloc);
	cs->v[cs->n++] = c;
}

struct tt_buf {
	struct tr_ctx ctx;
	struct arena scratch, cands;
	struct tt_cands c;
	struct trail_stats st;
	struct mm_diags d;
};

static inline void tt_buf_run(struct tt_buf *b, struct tt_env *t, const char *data, size_t len,
			      enum trail_parser parser)
{
	memset(b, 0, sizeof(*b));
	tr_ctx_init(&b->ctx, &t->rs, &t->pol);
	struct tr_reader r;
	memset(&r, 0, sizeof(r));
	r.parser = parser;
	r.ctx = &b->ctx;
	r.scratch = &b->scratch;
	r.cand_arena = &b->cands;
	r.on_cand = tt_on_cand;
	r.cb = &b->c;
	r.st = &b->st;
	r.d = &b->d;
	tr_reader_buffer(&r, data, len);
	tr_reader_close(&r);
}

static inline void tt_buf_release(struct tt_buf *b)
{
	tr_ctx_release(&b->ctx);
	arena_release(&b->scratch);
	arena_release(&b->cands);
	free(b->c.v);
	mm_diags_release(&b->d);
}

/* Number of lines of out that contain every needle (NULL-terminated). */
static inline size_t tt_count(const struct strbuf *out, const char *n1, const char *n2,
			      const char *n3)
{
	size_t c = 0;
	const char *p = out->buf;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, l);
		if ((!n1 || strstr(line, n1)) && (!n2 || strstr(line, n2)) &&
		    (!n3 || strstr(line, n3)))
			c++;
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	return c;
}

#endif
