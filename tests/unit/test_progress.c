/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the progress bar (src/cmd/progress.c) and the progress
 * hooks of the domain code that feeds it. The renderer draws into a pipe
 * with a fake clock: the exact line for known states, the layout at every
 * width from 1 to 200 (never wider than width - 1, the numbers kept last),
 * throttling to one draw per 100 ms, erasing on clear and stop, and when a
 * bar may be shown at all. The hooks: snapshot_load() reports bytes up to
 * the sum of the file sizes (twice for files read for hints) with progress
 * inside a big file, trail_run() once per file from its reader threads
 * without overlapping calls, scan_run() probes up to the total.
 *
 * progress.c lives in the command layer, which is not in the core library:
 * it is compiled into this test by inclusion (its statics are tested too).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/snapshot.h"
#include "scan/scan.h"
#include "trail/trail.h"
#include "trail_test.h"

#include "cmd/progress.c"

/* ---- a bar drawing into a pipe, on a clock the test moves ---- */

struct rig {
	int fd[2];
	uint64_t now;
	struct progress *p;
	struct strbuf out; /* what was drawn since the last take() */
};

static uint64_t fake_now(void *arg)
{
	return ((struct rig *)arg)->now;
}

static void rig_init(struct rig *r, int width, const char *label, enum progress_unit unit)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(r->fd), 0);
	assert_int_equal(fcntl(r->fd[0], F_SETFL, O_NONBLOCK), 0);
	r->now = 1000000;
	strbuf_init(&r->out, 256);
	struct progress_cfg cfg = {
		.fd = r->fd[1], .width = width, .now_ms = fake_now, .clock_arg = r
	};
	r->p = progress_new(&cfg, label, unit);
}

/* Everything written to the pipe so far. */
static const char *take(struct rig *r)
{
	strbuf_reset(&r->out);
	char b[4096];
	ssize_t n;
	while ((n = read(r->fd[0], b, sizeof(b))) > 0)
		strbuf_add(&r->out, b, (size_t)n);
	return r->out.buf;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Draws in s: "\r" not followed by the erase sequence. */
static size_t draws(const char *s)
{
	return count(s, "\r") - count(s, "\r\033[K");
}

static void rig_release(struct rig *r)
{
	progress_stop(r->p);
	close(r->fd[0]);
	close(r->fd[1]);
	strbuf_release(&r->out);
}

static const char *line_at(struct rig *r, int width)
{
	progress_format(r->p, r->now, width, &r->out);
	return r->out.buf;
}

/* ---- the renderer ---- */

static void test_wanted(void **state)
{
	(void)state;
	assert_true(progress_wanted(true, "xterm", NULL, false));
	assert_true(progress_wanted(true, "xterm-256color", "", false));
	assert_true(progress_wanted(true, "screen", "0", false));
	assert_false(progress_wanted(false, "xterm", NULL, false)); /* not a terminal */
	assert_false(progress_wanted(true, "dumb", NULL, false));   /* TERM=dumb */
	assert_false(progress_wanted(true, NULL, NULL, false));	    /* TERM unset */
	assert_false(progress_wanted(true, "", NULL, false));	    /* TERM empty */
	assert_false(progress_wanted(true, "xterm", "1", false));   /* MAMORI_NO_PROGRESS=1 */
	assert_false(progress_wanted(true, "xterm", "yes", false));
	assert_false(progress_wanted(true, "xterm", NULL, true)); /* --quiet */

	/* the real lookup honours the environment whatever stderr is */
	setenv("MAMORI_NO_PROGRESS", "1", 1);
	assert_null(progress_start("x", PROGRESS_ITEMS, false));
	unsetenv("MAMORI_NO_PROGRESS");
	assert_null(progress_start("x", PROGRESS_ITEMS, true));

	/* NULL bars: nothing to call, nothing happens */
	assert_null(progress_fn(NULL));
	progress_update(NULL, 1, 2, "x");
	progress_stop(NULL);
	progress_clear();
}

static void test_line_items(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, 80, "scanning", PROGRESS_ITEMS);
	assert_ptr_equal(progress_fn(r.p), progress_update);
	progress_update(r.p, 50, 100, NULL);
	/* 79 columns: name, a 27-column bar (36 kept for the numbers), percent, count */
	assert_string_equal(line_at(&r, 80), "scanning [=============>             ]  50% 50/100");
	/* ten seconds later: 5 a second, 10 s left */
	r.now += 10000;
	assert_string_equal(line_at(&r, 80),
			    "scanning [=============>             ]  50% 50/100 5.0/s ETA 10s");
	/* over the total is shown as the total, full bar, no time left */
	progress_update(r.p, 120, 100, NULL);
	assert_string_equal(line_at(&r, 80),
			    "scanning [===========================] 100% 100/100 10/s");
	/* a wide terminal: the bar stops at 40 */
	progress_update(r.p, 0, 100, NULL);
	r.now = 1000000;
	assert_string_equal(line_at(&r, 200),
			    "scanning [>                                       ]   0% 0/100");
	/* big counts and rates */
	progress_update(r.p, 30000, 65535, NULL);
	r.now += 1000;
	assert_non_null(strstr(line_at(&r, 120), " 30000/65535 30.0k/s ETA 1s"));
	rig_release(&r);
}

static void test_line_bytes(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, 80, "loading", PROGRESS_BYTES);
	progress_update(r.p, 3 << 19, 3 << 20, NULL); /* 1.5 of 3 MiB */
	r.now += 1000;
	const char *l = line_at(&r, 80);
	assert_non_null(strstr(l, "  50% 1.5/3.0 MiB 1.5 MiB/s ETA 1s"));
	assert_true(strncmp(l, "loading [", 9) == 0);
	/* the update's `what` replaces the label */
	progress_update(r.p, 512, 2048, "reading");
	l = line_at(&r, 80);
	assert_true(strncmp(l, "reading [", 9) == 0);
	assert_non_null(strstr(l, " 25% 0.5/2.0 KiB 512 B/s ETA 3s"));
	progress_update(r.p, 5, 10, NULL);
	assert_non_null(strstr(line_at(&r, 80), " 50% 5/10 B 5 B/s ETA 1s"));
	progress_update(r.p, 3ull << 30, 4ull << 30, NULL);
	assert_non_null(strstr(line_at(&r, 80), " 75% 3.0/4.0 GiB 3.0 GiB/s ETA 0s"));
	/* minutes and hours left */
	progress_update(r.p, 1, 1000, NULL); /* 1 B/s, 999 s */
	assert_non_null(strstr(line_at(&r, 100), "ETA 16m39s"));
	progress_update(r.p, 1, 100000, NULL);
	assert_non_null(strstr(line_at(&r, 100), "ETA 27h46m"));
	rig_release(&r);
}

static void test_line_unknown_total(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, 80, "reading", PROGRESS_ITEMS);
	progress_update(r.p, 123, 0, NULL);
	const char *s = take(&r);
	assert_string_equal(s, "\rreading | 123\033[K");
	/* the spinner turns at each draw; no percent, no bar, no time left */
	r.now += 1000;
	progress_update(r.p, 456, 0, NULL);
	assert_string_equal(take(&r), "\rreading / 456 456/s\033[K");
	r.now += 100;
	progress_update(r.p, 456, 0, NULL);
	assert_string_equal(take(&r), "\rreading - 456 415/s\033[K");
	rig_release(&r);
}

static void test_widths(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, 80, "loading", PROGRESS_BYTES);
	progress_update(r.p, 700 << 20, 1000 << 20, NULL);
	r.now += 2000;
	for (int w = 0; w <= 200; w++) {
		const char *l = line_at(&r, w);
		size_t n = strlen(l);
		if (w < 2) {
			assert_int_equal(n, 0);
			continue;
		}
		/* never the last column: some terminals wrap there */
		assert_true(n <= (size_t)w - 1);
		assert_null(strchr(l, '\n'));
		assert_null(strchr(l, '\r'));
		assert_null(strchr(l, '\033'));
		/* the percent survives down to very narrow terminals */
		if (w >= 6)
			assert_non_null(strstr(l, "70%"));
		/* the bar goes only when nothing else fits */
		if (w >= 80)
			assert_non_null(strchr(l, '['));
		if (w >= 60)
			assert_non_null(strstr(l, "ETA"));
	}
	/* a narrow terminal: bar dropped, then time left, rate, count */
	assert_string_equal(line_at(&r, 30), "loading  70% 700.0/1000.0 MiB");
	assert_string_equal(line_at(&r, 20), "loading  70%");
	assert_string_equal(line_at(&r, 8), "ng  70%");
	rig_release(&r);
}

static void test_throttle(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, 80, "scanning", PROGRESS_ITEMS);
	/* the first update draws at once, the next ones wait 100 ms */
	for (unsigned i = 0; i < 1000; i++)
		progress_update(r.p, i, 100000, NULL);
	assert_int_equal(draws(take(&r)), 1);
	r.now += 99;
	progress_update(r.p, 2000, 100000, NULL);
	assert_int_equal(draws(take(&r)), 0);
	r.now += 1;
	progress_update(r.p, 2001, 100000, NULL);
	const char *s = take(&r);
	assert_int_equal(draws(s), 1);
	assert_non_null(strstr(s, " 2001/100000"));
	/* an update every millisecond for ten seconds: about ten draws a second */
	for (unsigned i = 0; i < 10000; i++) {
		r.now++;
		progress_update(r.p, 3000 + i, 100000, NULL);
	}
	s = take(&r);
	assert_int_equal(draws(s), 100);
	/* every draw erases what is left of a longer previous line */
	assert_int_equal(count(s, "\033[K"), 100);
	rig_release(&r);
}

static void test_clear_and_stop(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, 80, "loading", PROGRESS_ITEMS);
	/* nothing drawn: clearing and stopping write nothing */
	progress_clear();
	assert_string_equal(take(&r), "");
	progress_update(r.p, 1, 10, NULL);
	assert_int_equal(draws(take(&r)), 1);
	/* clear erases the line once */
	progress_clear();
	assert_string_equal(take(&r), "\r\033[K");
	progress_clear();
	assert_string_equal(take(&r), "");
	/* the next allowed update draws again */
	progress_update(r.p, 2, 10, NULL);
	assert_string_equal(take(&r), "");
	r.now += 100;
	progress_update(r.p, 3, 10, NULL);
	assert_int_equal(draws(take(&r)), 1);
	/* stop erases the line and the bar is no longer the active one */
	progress_stop(r.p);
	r.p = NULL;
	assert_string_equal(take(&r), "\r\033[K");
	progress_clear();
	assert_string_equal(take(&r), "");
	rig_release(&r);

	/* a bar never drawn stops without a byte */
	rig_init(&r, 80, "loading", PROGRESS_ITEMS);
	progress_stop(r.p);
	r.p = NULL;
	assert_string_equal(take(&r), "");
	rig_release(&r);

	/* a failed write turns the bar off instead of retrying forever */
	rig_init(&r, 80, "loading", PROGRESS_ITEMS);
	close(r.fd[0]);
	signal(SIGPIPE, SIG_IGN);
	progress_update(r.p, 1, 2, NULL);
	assert_true(r.p->broken);
	assert_false(r.p->shown);
	signal(SIGPIPE, SIG_DFL);
	progress_stop(r.p);
	r.p = NULL;
	close(r.fd[1]);
	strbuf_release(&r.out);
}

/* ---- the hooks in domain code ---- */

struct calls {
	uint64_t *done, *total;
	const char **what;
	size_t n, alloc;
	atomic_int inside; /* >1: two calls overlapped */
	int overlapped;
};

static void record(void *arg, uint64_t done, uint64_t total, const char *what)
{
	struct calls *c = arg;
	if (atomic_fetch_add(&c->inside, 1) != 0)
		c->overlapped = 1;
	ALLOC_GROW(c->done, c->n + 1, c->alloc);
	c->total = xrealloc(c->total, c->alloc * sizeof(*c->total));
	c->what = xrealloc(c->what, c->alloc * sizeof(*c->what));
	c->done[c->n] = done;
	c->total[c->n] = total;
	c->what[c->n] = what;
	c->n++;
	usleep(200); /* give another thread the chance to overlap */
	atomic_fetch_sub(&c->inside, 1);
}

static void calls_release(struct calls *c)
{
	free(c->done);
	free(c->total);
	free(c->what);
}

/* First (0, total), done never goes back, last (total, total), same total and what. */
static void check_calls(const struct calls *c, uint64_t total, const char *what)
{
	assert_true(c->n >= 2);
	assert_false(c->overlapped);
	assert_int_equal(c->done[0], 0);
	for (size_t i = 0; i < c->n; i++) {
		assert_int_equal(c->total[i], total);
		assert_string_equal(c->what[i], what);
		assert_true(c->done[i] <= total);
		if (i)
			assert_true(c->done[i] >= c->done[i - 1]);
	}
	assert_int_equal(c->done[c->n - 1], total);
}

static void write_file(const char *path, const char *data, size_t len)
{
	tt_write(path, data, len);
}

static off_t size_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_load_hook(void **state)
{
	(void)state;
	char *dir = tt_tmpdir();
	struct strbuf p = STRBUF_INIT, doc = STRBUF_INIT;
	/* the path names account and region: one pass per file */
	strbuf_addf(&p, "%s/123456789012", dir);
	assert_int_equal(mkdir(p.buf, 0700), 0);
	strbuf_addstr(&p, "/us-east-1");
	assert_int_equal(mkdir(p.buf, 0700), 0);
	size_t dlen = p.len;
	/* a 3 MiB document: progress inside it, not only at its end */
	strbuf_addstr(&doc, "{\"SecurityGroups\": [");
	for (unsigned i = 0; doc.len < (3u << 20); i++)
		strbuf_addf(&doc,
			    "%s{\"GroupId\": \"sg-%08x\", \"GroupName\": \"g%u\", \"VpcId\": "
			    "\"vpc-1\", \"IpPermissions\": [], \"IpPermissionsEgress\": []}",
			    i ? ", " : "", i, i);
	strbuf_addstr(&doc, "]}");
	strbuf_addstr(&p, "/sg.json");
	write_file(p.buf, doc.buf, doc.len);
	uint64_t big = (uint64_t)size_of(p.buf);
	p.len = dlen;
	p.buf[p.len] = '\0';
	strbuf_addstr(&p, "/vpcs.json");
	const char *vpcs = "{\"Vpcs\": [{\"VpcId\": \"vpc-1\", \"CidrBlock\": \"10.0.0.0/16\"}]}";
	write_file(p.buf, vpcs, strlen(vpcs));
	uint64_t small = strlen(vpcs);
	/* a file whose path names neither: read twice (hints, then records) */
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/subnets.json", dir);
	const char *subnets = "{\"Subnets\": [{\"SubnetId\": \"subnet-1\", \"VpcId\": \"vpc-1\", "
			      "\"CidrBlock\": \"10.0.0.0/24\", \"OwnerId\": \"123456789012\", "
			      "\"AvailabilityZone\": \"us-east-1a\"}]}";
	write_file(p.buf, subnets, strlen(subnets));
	uint64_t twice = 2 * strlen(subnets);
	/* a file that fails still counts as done */
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/broken.json", dir);
	write_file(p.buf, "{\"Vpcs\": [", 10);
	uint64_t broken = 2 * 10;

	struct calls c = { 0 };
	struct snapshot_opts o = { .on_progress = record, .progress_arg = &c };
	struct mm_model m;
	mm_model_init(&m);
	struct mm_err e = { 0 };
	assert_int_equal(snapshot_load(&m, dir, &o, &e), 0);
	assert_int_equal(m.files_loaded, 3);
	assert_int_equal(m.files_failed, 1);
	check_calls(&c, big + small + twice + broken, "loading");
	/* inside the big file: a call neither at 0 nor at a file's end */
	size_t inside = 0;
	for (size_t i = 0; i < c.n; i++)
		if (c.done[i] > 0 && c.done[i] < big && c.done[i] % big)
			inside++;
	assert_true(inside >= 1);
	/* not a call per record: per file and per window of about a megabyte */
	assert_true(c.n < 20);
	mm_model_release(&m);
	calls_release(&c);

	/* no callback: the same model */
	mm_model_init(&m);
	assert_int_equal(snapshot_load(&m, dir, NULL, &e), 0);
	assert_int_equal(m.files_loaded, 3);
	mm_model_release(&m);

	strbuf_release(&p);
	strbuf_release(&doc);
	tt_rmtree(dir);
	free(dir);
}

static int no_emit(void *ctx, const struct trail_alert *a)
{
	(void)ctx;
	(void)a;
	return 0;
}

static void test_trail_hook(void **state)
{
	(void)state;
	char *dir = tt_tmpdir();
	uint64_t total = 0;
	struct strbuf p = STRBUF_INIT, doc = STRBUF_INIT;
	for (unsigned f = 0; f < 12; f++) {
		strbuf_reset(&doc);
		for (unsigned i = 0; i <= f * 3; i++)
			strbuf_addf(
			    &doc,
			    "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-0%uT00:00:%02uZ\","
			    "\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":"
			    "\"DescribeInstances\",\"awsRegion\":\"us-east-1\",\"eventID\":"
			    "\"e-%u-%u\",\"recipientAccountId\":\"123456789012\"}\n",
			    1 + f % 9, i % 60, f, i);
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/f%02u.json", dir, f);
		write_file(p.buf, doc.buf, doc.len);
		total += doc.len;
	}
	struct tt_env env;
	assert_int_equal(tt_env_init(&env, NULL, true, NULL, 0), 0);
	struct calls c = { 0 };
	struct trail_opts o = {
		.rules = &env.rs,
		.policy = &env.pol,
		.threads = 4,
		.emit = no_emit,
		.on_progress = record,
		.progress_arg = &c,
	};
	struct trail_stats st;
	memset(&st, 0, sizeof(st));
	struct mm_diags d = { 0 };
	struct mm_err e = { 0 };
	const char *paths[] = { dir };
	assert_int_equal(trail_run(paths, 1, &o, &st, &d, &e), 0);
	assert_int_equal(st.files, 12);
	/* once before reading, once per file, from four threads one at a time */
	check_calls(&c, total, "reading");
	assert_int_equal(c.n, 13);
	calls_release(&c);
	mm_diags_release(&d);
	tt_env_release(&env);
	strbuf_release(&p);
	strbuf_release(&doc);
	tt_rmtree(dir);
	free(dir);
}

static void test_scan_hook(void **state)
{
	(void)state;
	struct scan_target t;
	struct mm_err e = { 0 };
	assert_int_equal(scan_target_parse("127.0.0.1", 0, &t, &e), 0);
	struct scan_portset tcp, udp;
	scan_portset_clear(&tcp);
	scan_portset_clear(&udp);
	scan_portset_add(&tcp, 40000, 40999);
	struct calls c = { 0 };
	struct scan_opts o = SCAN_OPTS_INIT;
	o.rate = 4000; /* a quarter of a second: calls while it runs */
	o.on_progress = record;
	o.progress_arg = &c;
	struct scan_result r;
	assert_int_equal(scan_run(&t, &tcp, &udp, &o, &r, &e), 0);
	/* every probe counted once, whatever answered or was repeated */
	check_calls(&c, 1000, "scanning");
	size_t between = 0;
	for (size_t i = 0; i < c.n; i++)
		between += c.done[i] > 0 && c.done[i] < 1000;
	assert_true(between >= 1);
	/* at most every 100 ms: a quarter of a second is a handful of calls */
	assert_true(c.n <= 2 + (r.st.elapsed_us / 100000) + 1);
	scan_result_release(&r);
	calls_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wanted),	       cmocka_unit_test(test_line_items),
		cmocka_unit_test(test_line_bytes),     cmocka_unit_test(test_line_unknown_total),
		cmocka_unit_test(test_widths),	       cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_clear_and_stop), cmocka_unit_test(test_load_hook),
		cmocka_unit_test(test_trail_hook),     cmocka_unit_test(test_scan_hook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
