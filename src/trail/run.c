/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A trail run: inputs -> readers -> candidates -> event-time order ->
 * correlation -> alerts.
 *
 * Batch: the files (directories walked, sorted) are shared among worker
 * threads, one file at a time each; every file's candidates and diagnostics
 * are kept apart, merged in file order when all are read, sorted by the
 * total order of tr_cand_cmp() (event time, event id, file, record) and fed
 * to correlation. The result does not depend on the order of the files or
 * on the number of threads.
 *
 * Follow: one thread, the same readers in tail mode. Directories are
 * watched with inotify (new subdirectories too, as the S3 layout adds one a
 * day), files are read as they grow, stdin until it closes. Candidates wait
 * in a heap for the reorder window (policy reorder_window, in event time
 * and in wall-clock time) and are released in the same order as in batch;
 * one that arrives after later ones were released is counted as late and
 * released at once. At the end everything left is released in order, so a
 * follow run over the same records gives the same alerts as a batch run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trail-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* inputs */

struct input {
	char *path;    /* to open */
	char *display; /* in messages and alerts */
	uint64_t size; /* on disk, for progress (0: stdin, a directory) */
};

struct inputs {
	struct input *v;
	size_t n, alloc;
};

static void inputs_add(struct inputs *in, const char *path, const char *display, off_t size)
{
	ALLOC_GROW(in->v, in->n + 1, in->alloc);
	in->v[in->n].path = xstrdup(path);
	in->v[in->n].display = xstrdup(display);
	in->v[in->n].size = size > 0 ? (uint64_t)size : 0;
	in->n++;
}

static void inputs_release(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->v[i].path);
		free(in->v[i].display);
	}
	free(in->v);
	memset(in, 0, sizeof(*in));
}

static bool ends(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* In a directory: which files are CloudTrail logs (by name; content decides the shape). */
static bool log_name(const char *name)
{
	if (name[0] == '.' || strstr(name, "CloudTrail-Digest"))
		return false;
	return strstr(name, ".json") || ends(name, ".gz") || ends(name, ".jsonl") ||
	       ends(name, ".ndjson") || ends(name, ".log") || ends(name, ".cloudtrail");
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files under dir, sorted by path, recursively. */
static void walk(const char *dir, const char *display, struct inputs *out, struct trail_stats *st,
		 struct mm_diags *d, int depth)
{
	DIR *dp = opendir(dir);
	if (!dp) {
		mm_diags_add(d, MM_DIAG_ERROR, display, -1, "cannot read directory: %s",
			     strerror(errno));
		st->files_failed++;
		return;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		ALLOC_GROW(names, n + 1, alloc);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (n)
		mm_qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		struct strbuf p = STRBUF_INIT, disp = STRBUF_INIT;
		strbuf_addf(&p, "%s/%s", dir, names[i]);
		strbuf_addf(&disp, "%s%s%s", display, ends(display, "/") ? "" : "/", names[i]);
		struct stat sb;
		if (stat(p.buf, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (depth < 32 && strcmp(names[i], "CloudTrail-Digest"))
				walk(p.buf, disp.buf, out, st, d, depth + 1);
		} else if (stat(p.buf, &sb) == 0 && S_ISREG(sb.st_mode) && log_name(names[i])) {
			inputs_add(out, p.buf, disp.buf, sb.st_size);
		} else {
			st->files_skipped++;
		}
		strbuf_release(&p);
		strbuf_release(&disp);
		free(names[i]);
	}
	free(names);
}

/* ------------------------------------------------------------------ */
/* candidates that outlive their reader: one malloc'd block each */

struct bump {
	char *p;
	size_t used, cap;
};

static void *bump(struct bump *b, size_t n)
{
	size_t at = (b->used + 15) & ~(size_t)15;
	if (b->p) {
		void *r = b->p + at;
		memset(r, 0, n);
		b->used = at + n;
		return r;
	}
	b->used = at + n;
	return NULL;
}

static const char *bstr(struct bump *b, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = bump(b, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static const char **bstrv(struct bump *b, const char *const *v, size_t n)
{
	const char **d = bump(b, (n + 1) * sizeof(*d));
	for (size_t i = 0; i < n; i++) {
		const char *s = bstr(b, v[i]);
		if (d)
			d[i] = s;
	}
	return d;
}

static struct tr_cand *clone_pass(struct bump *b, const struct tr_cand *c)
{
	struct tr_cand *x = bump(b, sizeof(*x));
	if (x)
		*x = *c;
#define S(f)                                    \
	do {                                    \
		const char *s_ = bstr(b, c->f); \
		if (x)                          \
			x->f = s_;              \
	} while (0)
	S(time);
	S(event_id);
	S(name);
	S(source);
	S(who.type);
	S(who.arn);
	S(who.principal_id);
	S(who.access_key_id);
	S(account);
	S(region);
	S(source_ip);
	S(user_agent);
	S(error_code);
	S(error_message);
	S(group);
	S(file);
#undef S
	const char **v = bstrv(b, c->resources, c->nresources);
	if (x)
		x->resources = v;
	v = bstrv(b, c->rule_ids, c->nrule_ids);
	if (x)
		x->rule_ids = v;
	v = bstrv(b, c->snaps, c->nsnaps);
	if (x)
		x->snaps = v;
	v = bstrv(b, c->shared_with, c->nshared);
	if (x)
		x->shared_with = v;
	struct tr_hit *h = bump(b, (c->nhits + 1) * sizeof(*h));
	for (size_t i = 0; i < c->nhits; i++) {
		const char *m = bstr(b, c->hits[i].message);
		if (h) {
			h[i] = c->hits[i];
			h[i].message = m;
		}
	}
	if (x)
		x->hits = h;
	struct tr_perm *pm = bump(b, (c->nperms + 1) * sizeof(*pm));
	for (size_t i = 0; i < c->nperms; i++) {
		const char *pr = bstr(b, c->perms[i].proto), *ci = bstr(b, c->perms[i].cidr);
		if (pm) {
			pm[i] = c->perms[i];
			pm[i].proto = pr;
			pm[i].cidr = ci;
		}
	}
	if (x)
		x->perms = pm;
	return x;
}

static struct tr_cand *cand_clone(const struct tr_cand *c)
{
	struct bump b = { 0 };
	clone_pass(&b, c); /* measure */
	b.cap = b.used + 16;
	b.p = xmalloc(b.cap);
	b.used = 0;
	return clone_pass(&b, c);
}

/* ------------------------------------------------------------------ */
/* batch */

struct file_res {
	struct mm_diags d;
	struct trail_stats st;
	struct tr_cand **c;
	size_t n, alloc;
	bool failed;
};

struct batch {
	bool spare_core; /* fewer readers than CPUs: gzip inflates on its own thread */
	const struct trail_opts *o;
	const struct inputs *in;
	struct file_res *res;
	atomic_size_t next;
	/* progress: bytes of the files done; the mutex keeps calls apart */
	pthread_mutex_t prog_mu;
	uint64_t prog_done, prog_total;
};

static void collect(void *cb, struct tr_cand *c)
{
	struct file_res *fr = cb;
	ALLOC_GROW(fr->c, fr->n + 1, fr->alloc);
	fr->c[fr->n++] = c;
}

struct worker {
	struct batch *b;
	struct arena cands; /* this worker's candidates, kept to the end */
	pthread_t th;
	uint64_t evals;
};

static void read_one(const struct trail_opts *o, const struct input *in, struct file_res *fr,
		     struct tr_ctx *ctx, struct arena *scratch, struct arena *cands,
		     bool spare_core)
{
	struct tr_reader r;
	memset(&r, 0, sizeof(r));
	struct mm_err e = { 0 };
	fr->st.files++;
	if (tr_reader_open(&r, in->path, in->display, false, &e) < 0) {
		mm_diags_add(&fr->d, MM_DIAG_ERROR, in->display, -1, "%s", e.msg);
		fr->st.files_failed++;
		fr->failed = true;
		tr_reader_close(&r);
		return;
	}
	r.parser = o->parser;
	r.src.want_pipe = spare_core;
	r.ctx = ctx;
	r.scratch = scratch;
	r.cand_arena = cands;
	r.on_cand = collect;
	r.cb = fr;
	r.st = &fr->st;
	r.d = &fr->d;
	if (tr_reader_step(&r) < 0 && !r.index) {
		fr->st.files_failed++;
		fr->failed = true;
	}
	tr_reader_close(&r);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct batch *b = w->b;
	struct tr_ctx ctx;
	struct arena scratch = ARENA_INIT;
	struct json_pool pool;
	tr_ctx_init(&ctx, b->o->rules, b->o->policy);
	json_pool_init(&pool, &w->cands);
	ctx.pool = &pool;
	for (;;) {
		size_t i = atomic_fetch_add(&b->next, 1);
		if (i >= b->in->n)
			break;
		read_one(b->o, &b->in->v[i], &b->res[i], &ctx, &scratch, &w->cands, b->spare_core);
		arena_release(&scratch);
		if (b->prog_total) {
			pthread_mutex_lock(&b->prog_mu);
			b->prog_done += b->in->v[i].size;
			b->o->on_progress(b->o->progress_arg, b->prog_done, b->prog_total,
					  "reading");
			pthread_mutex_unlock(&b->prog_mu);
		}
	}
	w->evals = ctx.rule_evals;
	json_pool_release(&pool);
	tr_ctx_release(&ctx);
	return NULL;
}

static int cmp_cand(const void *a, const void *b)
{
	return tr_cand_cmp(*(struct tr_cand *const *)a, *(struct tr_cand *const *)b);
}

static void add_stats(struct trail_stats *t, const struct trail_stats *s)
{
	t->files += s->files;
	t->files_failed += s->files_failed;
	t->files_skipped += s->files_skipped;
	t->bytes += s->bytes;
	t->records += s->records;
	t->events += s->events;
	t->records_skipped += s->records_skipped;
	t->not_events += s->not_events;
	t->failed_events += s->failed_events;
	t->rule_evals += s->rule_evals;
	t->late += s->late;
}

static void move_diags(struct mm_diags *to, struct mm_diags *from)
{
	for (size_t i = 0; i < from->nr; i++)
		mm_diags_add(to, from->v[i].level, from->v[i].file, from->v[i].off, "%s",
			     from->v[i].msg);
	mm_diags_release(from);
}

static unsigned cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static int batch(const struct inputs *in, const struct trail_opts *o, struct trail_stats *st,
		 struct mm_diags *d, struct mm_err *e)
{
	struct batch b = { .o = o, .in = in };
	b.res = xcalloc(in->n + 1, sizeof(*b.res));
	atomic_init(&b.next, 0);
	unsigned nt = o->threads ? o->threads : cpus();
	if (nt > in->n)
		nt = (unsigned)in->n;
	if (nt < 1)
		nt = 1;
	/* stdin cannot be shared: read it on this thread */
	bool has_stdin = false;
	for (size_t i = 0; i < in->n; i++)
		if (!strcmp(in->v[i].path, "-"))
			has_stdin = true;
	if (has_stdin)
		nt = 1;
	/* progress in file sizes: none when stdin's is unknown */
	pthread_mutex_init(&b.prog_mu, NULL);
	for (size_t i = 0; i < in->n && o->on_progress && !has_stdin; i++)
		b.prog_total += in->v[i].size;
	if (b.prog_total)
		o->on_progress(o->progress_arg, 0, b.prog_total, "reading");
	b.spare_core = nt < cpus();
	struct worker *w = xcalloc(nt, sizeof(*w));
	for (unsigned i = 0; i < nt; i++) {
		w[i].b = &b;
		arena_init(&w[i].cands);
	}
	if (nt == 1) {
		work(&w[0]);
	} else {
		for (unsigned i = 0; i < nt; i++)
			if (pthread_create(&w[i].th, NULL, work, &w[i]))
				die("cannot start a reader thread");
		for (unsigned i = 0; i < nt; i++)
			pthread_join(w[i].th, NULL);
	}
	size_t total = 0, failed = 0;
	for (size_t i = 0; i < in->n; i++) {
		total += b.res[i].n;
		failed += b.res[i].failed;
	}
	struct tr_cand **all = xcalloc(total + 1, sizeof(*all));
	size_t k = 0;
	for (size_t i = 0; i < in->n; i++) {
		add_stats(st, &b.res[i].st);
		move_diags(d, &b.res[i].d);
		if (b.res[i].n)
			memcpy(all + k, b.res[i].c, b.res[i].n * sizeof(*all));
		k += b.res[i].n;
		free(b.res[i].c);
	}
	mm_qsort(all, total, sizeof(*all), cmp_cand);
	struct tr_corr *corr = tr_corr_new(o->policy, o->emit, o->ctx, st);
	int rc = 0;
	for (size_t i = 0; i < total && !rc; i++)
		rc = tr_corr_push(corr, all[i]);
	tr_corr_free(corr);
	free(all);
	for (unsigned i = 0; i < nt; i++) {
		st->rule_evals += w[i].evals;
		arena_release(&w[i].cands);
	}
	free(w);
	free(b.res);
	pthread_mutex_destroy(&b.prog_mu);
	if (rc)
		return mm_err_set(e, MM_EUSAGE, "stopped while writing alerts");
	if (in->n && failed == in->n)
		return mm_err_set(e, MM_EIO, "no input could be read");
	return 0;
}

/* ------------------------------------------------------------------ */
/* follow */

struct heap {
	struct tr_cand **v;
	size_t n, alloc;
};

static void heap_push(struct heap *h, struct tr_cand *c)
{
	ALLOC_GROW(h->v, h->n + 1, h->alloc);
	size_t i = h->n++;
	while (i && tr_cand_cmp(c, h->v[(i - 1) / 2]) < 0) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = c;
}

static struct tr_cand *heap_pop(struct heap *h)
{
	struct tr_cand *top = h->v[0], *last = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l >= h->n)
			break;
		m = l;
		if (l + 1 < h->n && tr_cand_cmp(h->v[l + 1], h->v[l]) < 0)
			m = l + 1;
		if (tr_cand_cmp(last, h->v[m]) <= 0)
			break;
		h->v[i] = h->v[m];
		i = m;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

struct tail {
	char *path, *display;
	uint64_t offset; /* bytes consumed when the file was last closed */
	long long index;
	struct tr_reader *r; /* open while a record is pending */
	bool done;	     /* a compressed file read to its end */
	int wd;		     /* watch on the file itself, or -1 */
};

struct follow {
	const struct trail_opts *o;
	struct trail_stats *st;
	struct mm_diags *d;
	struct tr_ctx ctx;
	struct arena scratch, cands;
	struct heap h;
	struct tr_corr *corr;
	long long watermark; /* latest event time seen */
	bool have_mark;
	struct tr_cand *last; /* last released (for lateness) */
	long long last_ms;
	const char *last_id, *last_file;
	long long last_index;
	bool released_any;
	int ifd;
	struct tail **tails;
	size_t ntails, atails;
	char **wpaths; /* wd -> directory path (display form kept alongside) */
	char **wdisp;
	size_t nw;
	double last_input;
	int rc;
};

static void release(struct follow *f, bool all);

static void follow_collect(void *cb, struct tr_cand *c)
{
	struct follow *f = cb;
	struct tr_cand *x = cand_clone(c);
	x->arrival = now_s();
	if (x->has_time && (!f->have_mark || x->time_ms > f->watermark)) {
		f->watermark = x->time_ms;
		f->have_mark = true;
	}
	heap_push(&f->h, x);
	/* release as we go: a large file read in one step must not pile up */
	release(f, false);
}

static void release(struct follow *f, bool all)
{
	long long win = f->o->policy->reorder_ms;
	double now = now_s();
	while (f->h.n && !f->rc) {
		struct tr_cand *c = f->h.v[0];
		bool due = all || (f->have_mark && c->time_ms <= f->watermark - win) ||
			   c->arrival <= now - (double)win / 1000.0;
		if (!due)
			break;
		heap_pop(&f->h);
		if (f->released_any) {
			struct tr_cand prev = { .time_ms = f->last_ms,
						.event_id = f->last_id,
						.file = f->last_file,
						.index = f->last_index };
			if (tr_cand_cmp(c, &prev) < 0)
				f->st->late++;
		}
		f->rc = tr_corr_push(f->corr, c);
		free((void *)f->last);
		f->last = c;
		f->last_ms = c->time_ms;
		f->last_id = c->event_id;
		f->last_file = c->file;
		f->last_index = c->index;
		f->released_any = true;
	}
}

static struct tail *tail_get(struct follow *f, const char *path, const char *display)
{
	for (size_t i = 0; i < f->ntails; i++)
		if (!strcmp(f->tails[i]->path, path))
			return f->tails[i];
	struct tail *t = xcalloc(1, sizeof(*t));
	t->path = xstrdup(path);
	t->display = xstrdup(display);
	t->wd = -1;
	ALLOC_GROW(f->tails, f->ntails + 1, f->atails);
	f->tails[f->ntails++] = t;
	f->st->files++;
	return t;
}

static void tail_close(struct follow *f, struct tail *t)
{
	if (!t->r)
		return;
	t->offset = t->r->base + t->r->len;
	t->index = t->r->index;
	tr_reader_close(t->r);
	free(t->r);
	t->r = NULL;
}

/* Read what is new in t. closed: the writer closed the file. */
static void tail_read(struct follow *f, struct tail *t, bool closed)
{
	if (t->done)
		return;
	if (!t->r) {
		struct tr_reader *r = xcalloc(1, sizeof(*r));
		struct mm_err e = { 0 };
		bool stdin_ = !strcmp(t->path, "-");
		if (stdin_) {
			tr_reader_fd(r, STDIN_FILENO, t->display, true);
		} else if (tr_reader_open(r, t->path, t->display, true, &e) < 0) {
			mm_diags_add(f->d, MM_DIAG_ERROR, t->display, -1, "%s", e.msg);
			tr_reader_close(r);
			free(r);
			t->done = true;
			f->st->files_failed++;
			return;
		}
		if (t->offset && lseek(r->src.fd, (off_t)t->offset, SEEK_SET) >= 0) {
			r->base = t->offset;
			r->index = t->index;
			r->src.sniffed = true; /* plain: only plain files are reopened */
		}
		r->parser = f->o->parser;
		r->ctx = &f->ctx;
		r->scratch = &f->scratch;
		r->cand_arena = &f->cands;
		r->cand_transient = true;
		r->on_cand = follow_collect;
		r->cb = f;
		r->st = f->st;
		r->d = f->d;
		t->r = r;
	}
	struct tr_reader *r = t->r;
	uint64_t before = r->st->bytes;
	int rc = tr_reader_step(r);
	if (r->st->bytes != before)
		f->last_input = now_s();
	arena_release(&f->cands);
	bool stdin_ = !strcmp(t->path, "-");
	if (rc == TR_RD_DONE || rc < 0 || (stdin_ && r->src.hit_eof) || (closed && r->src.gz)) {
		if (rc == TR_RD_AGAIN)
			tr_reader_finish(r);
		arena_release(&f->cands);
		tail_close(f, t);
		t->done = true;
		return;
	}
	/* nothing pending in a plain file: close it, reopen at the offset later */
	if (!stdin_ && !r->src.gz && r->pos == r->len && r->state == 0)
		tail_close(f, t);
}

static void add_watch(struct follow *f, const char *dir, const char *display, int depth);

static void scan_dir(struct follow *f, const char *dir, const char *display, int depth)
{
	struct inputs in = { 0 };
	struct trail_stats tmp = { 0 };
	walk(dir, display, &in, &tmp, f->d, 0);
	f->st->files_skipped += tmp.files_skipped;
	for (size_t i = 0; i < in.n; i++)
		tail_read(f, tail_get(f, in.v[i].path, in.v[i].display), false);
	inputs_release(&in);
	(void)depth;
}

static void add_watch(struct follow *f, const char *dir, const char *display, int depth)
{
	int wd = inotify_add_watch(
	    f->ifd, dir, IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY | IN_ONLYDIR);
	if (wd < 0) {
		mm_diags_add(f->d, MM_DIAG_ERROR, display, -1, "cannot watch directory: %s",
			     strerror(errno));
		return;
	}
	if ((size_t)wd >= f->nw) {
		size_t nn = (size_t)wd + 16;
		f->wpaths = xrealloc(f->wpaths, nn * sizeof(*f->wpaths));
		f->wdisp = xrealloc(f->wdisp, nn * sizeof(*f->wdisp));
		for (size_t i = f->nw; i < nn; i++)
			f->wpaths[i] = f->wdisp[i] = NULL;
		f->nw = nn;
	}
	free(f->wpaths[wd]);
	free(f->wdisp[wd]);
	f->wpaths[wd] = xstrdup(dir);
	f->wdisp[wd] = xstrdup(display);
	if (depth > 32)
		return;
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "CloudTrail-Digest"))
			continue;
		struct strbuf p = STRBUF_INIT, ds = STRBUF_INIT;
		strbuf_addf(&p, "%s/%s", dir, de->d_name);
		strbuf_addf(&ds, "%s/%s", display, de->d_name);
		struct stat st;
		if (stat(p.buf, &st) == 0 && S_ISDIR(st.st_mode))
			add_watch(f, p.buf, ds.buf, depth + 1);
		strbuf_release(&p);
		strbuf_release(&ds);
	}
	closedir(dp);
}

static void inotify_events(struct follow *f)
{
	char buf[64 * 1024] __attribute__((aligned(8)));
	for (;;) {
		ssize_t n = read(f->ifd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)(void *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->wd < 0 || (size_t)ev->wd >= f->nw || !f->wpaths[ev->wd])
				continue;
			const char *dir = f->wpaths[ev->wd], *disp = f->wdisp[ev->wd];
			if (!ev->len) {
				/* a watched file (not a directory) */
				for (size_t i = 0; i < f->ntails; i++)
					if (f->tails[i]->wd == ev->wd)
						tail_read(f, f->tails[i],
							  ev->mask & IN_CLOSE_WRITE);
				continue;
			}
			struct strbuf path = STRBUF_INIT, ds = STRBUF_INIT;
			strbuf_addf(&path, "%s/%s", dir, ev->name);
			strbuf_addf(&ds, "%s/%s", disp, ev->name);
			if (ev->mask & IN_ISDIR) {
				if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
				    strcmp(ev->name, "CloudTrail-Digest")) {
					add_watch(f, path.buf, ds.buf, 0);
					scan_dir(f, path.buf, ds.buf, 0);
				}
			} else if (log_name(ev->name)) {
				tail_read(f, tail_get(f, path.buf, ds.buf),
					  ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO));
			}
			strbuf_release(&path);
			strbuf_release(&ds);
		}
	}
}

static int follow(const struct inputs *in, const struct trail_opts *o, struct trail_stats *st,
		  struct mm_diags *d, struct mm_err *e)
{
	struct follow f = { .o = o, .st = st, .d = d, .ifd = -1 };
	tr_ctx_init(&f.ctx, o->rules, o->policy);
	arena_init(&f.scratch);
	arena_init(&f.cands);
	f.corr = tr_corr_new(o->policy, o->emit, o->ctx, st);
	f.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f.ifd < 0) {
		tr_corr_free(f.corr);
		tr_ctx_release(&f.ctx);
		return mm_err_set(e, MM_EIO, "cannot use inotify: %s", strerror(errno));
	}
	f.last_input = now_s();
	int stdin_flags = -1;
	struct tail *in_tail = NULL;
	size_t live = 0;
	for (size_t i = 0; i < in->n; i++) {
		const char *p = in->v[i].path;
		struct stat sb;
		if (!strcmp(p, "-")) {
			stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
			if (stdin_flags >= 0)
				fcntl(STDIN_FILENO, F_SETFL, stdin_flags | O_NONBLOCK);
			in_tail = tail_get(&f, "-", "-");
			live++;
		} else if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			add_watch(&f, p, in->v[i].display, 0);
			scan_dir(&f, p, in->v[i].display, 0);
			live++;
		} else if (stat(p, &sb) == 0) {
			struct tail *t = tail_get(&f, p, in->v[i].display);
			t->wd = inotify_add_watch(f.ifd, p, IN_MODIFY | IN_CLOSE_WRITE);
			if (t->wd >= 0 && (size_t)t->wd >= f.nw) {
				size_t nn = (size_t)t->wd + 16;
				f.wpaths = xrealloc(f.wpaths, nn * sizeof(*f.wpaths));
				f.wdisp = xrealloc(f.wdisp, nn * sizeof(*f.wdisp));
				for (size_t k = f.nw; k < nn; k++)
					f.wpaths[k] = f.wdisp[k] = NULL;
				f.nw = nn;
			}
			if (t->wd >= 0) {
				free(f.wpaths[t->wd]);
				free(f.wdisp[t->wd]);
				f.wpaths[t->wd] = xstrdup(p);
				f.wdisp[t->wd] = xstrdup(in->v[i].display);
			}
			tail_read(&f, t, false);
			live++;
		} else {
			mm_diags_add(d, MM_DIAG_ERROR, in->v[i].display, -1, "cannot read: %s",
				     strerror(errno));
			st->files_failed++;
		}
	}
	if (o->progress)
		o->progress(o->ctx, d);
	while (live && !f.rc) {
		if (o->stop && *o->stop)
			break;
		struct pollfd pf[2] = { { .fd = f.ifd, .events = POLLIN }, { .fd = -1 } };
		int np = 1;
		if (in_tail && !in_tail->done) {
			pf[1].fd = STDIN_FILENO;
			pf[1].events = POLLIN;
			np = 2;
		}
		int pr = poll(pf, (nfds_t)np, 200);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr > 0 && (pf[0].revents & POLLIN))
			inotify_events(&f);
		if (np == 2 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			tail_read(&f, in_tail, false);
			if (in_tail->done && live == 1)
				break; /* stdin closed and nothing else to follow */
		}
		release(&f, false);
		if (o->progress)
			o->progress(o->ctx, d);
		if (o->idle_exit_s > 0 && now_s() - f.last_input >= o->idle_exit_s)
			break;
	}
	/* the end: pending records are what they are, everything is released */
	for (size_t i = 0; i < f.ntails; i++) {
		struct tail *t = f.tails[i];
		if (t->r) {
			tr_reader_finish(t->r);
			tail_close(&f, t);
		}
	}
	arena_release(&f.cands);
	release(&f, true);
	for (size_t i = 0; i < f.ntails; i++) {
		free(f.tails[i]->path);
		free(f.tails[i]->display);
		free(f.tails[i]);
	}
	free(f.tails);
	if (stdin_flags >= 0)
		fcntl(STDIN_FILENO, F_SETFL, stdin_flags);
	st->rule_evals += f.ctx.rule_evals;
	free(f.last);
	while (f.h.n)
		free(heap_pop(&f.h));
	free(f.h.v);
	for (size_t i = 0; i < f.nw; i++) {
		free(f.wpaths[i]);
		free(f.wdisp[i]);
	}
	free(f.wpaths);
	free(f.wdisp);
	close(f.ifd);
	tr_corr_free(f.corr);
	arena_release(&f.scratch);
	tr_ctx_release(&f.ctx);
	if (o->progress)
		o->progress(o->ctx, d);
	if (f.rc)
		return mm_err_set(e, MM_EUSAGE, "stopped while writing alerts");
	return 0;
}

int trail_run(const char *const *paths, size_t npaths, const struct trail_opts *o,
	      struct trail_stats *st, struct mm_diags *d, struct mm_err *e)
{
	struct inputs in = { 0 };
	size_t missing = 0;
	for (size_t i = 0; i < npaths; i++) {
		const char *p = paths[i];
		struct stat sb;
		if (!strcmp(p, "-")) {
			inputs_add(&in, "-", "-", 0);
		} else if (stat(p, &sb) < 0) {
			mm_diags_add(d, MM_DIAG_ERROR, p, -1, "cannot read: %s", strerror(errno));
			st->files_failed++;
			missing++;
		} else if (S_ISDIR(sb.st_mode)) {
			if (o->follow)
				inputs_add(&in, p, p, 0);
			else
				walk(p, p, &in, st, d, 0);
		} else {
			inputs_add(&in, p, p, sb.st_size);
		}
	}
	int rc;
	if (!in.n && !o->follow) {
		rc = mm_err_set(e, MM_EIO,
				missing == npaths ? "no input could be read"
						  : "no CloudTrail file found (expected *.json, "
						    "*.json.gz, *.jsonl, *.ndjson)");
	} else if (!in.n) {
		rc = mm_err_set(e, MM_EIO, "nothing to follow");
	} else {
		rc = o->follow ? follow(&in, o, st, d, e) : batch(&in, o, st, d, e);
	}
	inputs_release(&in);
	return rc;
}
