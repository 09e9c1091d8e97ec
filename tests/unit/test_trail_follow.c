/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Follow mode gives the same alerts as batch mode. The test writes the
 * input itself while `trail_run(follow)` runs in a thread: a file present at
 * the start, an NDJSON file appended to in pieces (a record split across two
 * writes), a new date directory with a gzipped file moved into place, and
 * records out of event-time order. Follow stops after 1.5 s without input;
 * its alerts must equal those of a batch run over the final directory. The
 * same for stdin (a pipe written in pieces, then closed). Bounded: about
 * two seconds each.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <cmocka.h>

#include "trail_test.h"

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void event(struct strbuf *sb, const char *name, const char *time, const char *id,
		  const char *req, const char *resp)
{
	strbuf_addf(
	    sb,
	    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":"
	    "\"arn:aws:iam::111122223333:user/alice\"},\"eventTime\":\"%s\",\"eventSource\":"
	    "\"ec2.amazonaws.com\",\"eventName\":\"%s\",\"awsRegion\":\"us-east-1\","
	    "\"requestParameters\":%s,\"responseElements\":%s,\"eventID\":\"%s\","
	    "\"recipientAccountId\":\"111122223333\"}",
	    time, name, req, resp, id);
}

#define OPEN22                                                                            \
	"{\"groupId\":\"sg-0abc\",\"ipPermissions\":{\"items\":[{\"ipProtocol\":\"tcp\"," \
	"\"fromPort\":22,\"toPort\":22,\"ipRanges\":{\"items\":[{\"cidrIp\":\"0.0.0.0/0\"}]}}]}}"

static void gz_write(const char *path, const char *data, size_t n)
{
	gzFile g = gzopen(path, "wb");
	assert_non_null(g);
	assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
	gzclose(g);
}

struct follow_run {
	struct tt_env *t;
	const char *path;
	struct strbuf out;
	struct trail_stats st;
	struct mm_diags d;
	int rc;
};

static void *follow_thread(void *arg)
{
	struct follow_run *f = arg;
	const char *p[] = { f->path };
	f->rc = tt_run(f->t, p, 1, true, 1, &f->out, &f->st, &f->d);
	return NULL;
}

static void test_follow_dir(void **state)
{
	(void)state;
	char *dir = tt_tmpdir();
	char path[4200], tmp[4200];
	struct strbuf a = STRBUF_INIT;
	/* present at the start: a gzipped Records file */
	strbuf_addstr(&a, "{\"Records\":[");
	event(&a, "AuthorizeSecurityGroupIngress", "2024-05-01T10:00:00Z", "f-1", OPEN22,
	      "{\"_return\":true}");
	strbuf_addch(&a, ',');
	event(&a, "DescribeInstances", "2024-05-01T10:00:30Z", "f-2", "{}", "null");
	strbuf_addstr(&a, "]}");
	snprintf(path, sizeof(path), "%s/one.json.gz", dir);
	gz_write(path, a.buf, a.len);

	struct tt_env t;
	assert_int_equal(tt_env_init(&t, "reorder_window: 3600\n", true, NULL, 0), 0);
	struct follow_run f = { .t = &t, .path = dir };
	strbuf_init(&f.out, 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, follow_thread, &f), 0);
	pause_ms(200);

	/* an NDJSON file appended to: the second record arrives in two pieces */
	struct strbuf b = STRBUF_INIT;
	event(&b, "GetPasswordData", "2024-05-01T10:01:00Z", "f-3", "{\"instanceId\":\"i-1\"}",
	      "null");
	strbuf_addch(&b, '\n');
	size_t cut = b.len;
	event(&b, "RevokeSecurityGroupIngress", "2024-05-01T10:02:00Z", "f-4", OPEN22,
	      "{\"_return\":true}");
	strbuf_addch(&b, '\n');
	snprintf(path, sizeof(path), "%s/two.jsonl", dir);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fwrite(b.buf, 1, cut + 40, fp);
	fflush(fp);
	pause_ms(150);
	fwrite(b.buf + cut + 40, 1, b.len - cut - 40, fp);
	fclose(fp);
	pause_ms(150);

	/* a new date directory; a gzipped file moved into it; an earlier event */
	snprintf(path, sizeof(path), "%s/2024", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	pause_ms(100);
	struct strbuf c = STRBUF_INIT;
	strbuf_addstr(&c, "{\"Records\":[");
	event(&c, "DeleteSubnet", "2024-05-01T09:59:00Z", "f-5", "{\"subnetId\":\"subnet-1\"}",
	      "null");
	strbuf_addstr(&c, "]}");
	snprintf(tmp, sizeof(tmp), "%s/.partial", dir);
	gz_write(tmp, c.buf, c.len);
	snprintf(path, sizeof(path), "%s/2024/three.json.gz", dir);
	assert_int_equal(rename(tmp, path), 0);

	pthread_join(th, NULL);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.st.events, 5);
	assert_int_equal(f.st.records_skipped, 0);
	assert_int_equal(f.st.late, 0);
	assert_int_equal(f.d.nr_errors, 0);

	struct strbuf batch = STRBUF_INIT;
	struct trail_stats st;
	struct mm_diags d = { 0 };
	const char *p[] = { dir };
	assert_int_equal(tt_run(&t, p, 1, false, 2, &batch, &st, &d), 0);
	assert_int_equal(st.events, 5);
	assert_int_equal(tt_count(&batch, "\"ec2-sg-world-open-window\"", "\"seconds\":120", NULL),
			 1);
	assert_int_equal(tt_count(&batch, "\"f-5\"", NULL, NULL), 1);
	if (strcmp(batch.buf, f.out.buf)) {
		tt_write("/tmp/mamori-trail-follow.out", f.out.buf, f.out.len);
		tt_write("/tmp/mamori-trail-batch.out", batch.buf, batch.len);
		fail_msg("follow and batch differ: see /tmp/mamori-trail-{follow,batch}.out");
	}

	mm_diags_release(&d);
	mm_diags_release(&f.d);
	strbuf_release(&batch);
	strbuf_release(&f.out);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&c);
	tt_env_release(&t);
	tt_rmtree(dir);
	free(dir);
}

static void test_follow_stdin(void **state)
{
	(void)state;
	struct strbuf in = STRBUF_INIT;
	event(&in, "CreateSnapshot", "2024-05-01T10:00:00Z", "s-1", "{\"volumeId\":\"vol-1\"}",
	      "{\"snapshotId\":\"snap-1\"}");
	strbuf_addch(&in, '\n');
	event(&in, "ModifySnapshotAttribute", "2024-05-01T10:00:40Z", "s-2",
	      "{\"snapshotId\":\"snap-1\",\"createVolumePermission\":{\"add\":{\"items\":[{"
	      "\"userId\":\"444455556666\"}]}}}",
	      "{\"_return\":true}");
	strbuf_addch(&in, '\n');
	event(&in, "AllocateAddress", "2024-05-01T09:00:00Z", "s-3", "{}", "null");
	strbuf_addch(&in, '\n');

	struct tt_env t;
	assert_int_equal(tt_env_init(&t, "reorder_window: 7200\n", true, NULL, 0), 0);
	/* batch over a file with the same bytes */
	char *dir = tt_tmpdir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/in.jsonl", dir);
	tt_write(path, in.buf, in.len);
	struct strbuf batch = STRBUF_INIT;
	struct trail_stats st;
	struct mm_diags d = { 0 };
	const char *p[] = { path };
	assert_int_equal(tt_run(&t, p, 1, false, 1, &batch, &st, &d), 0);
	assert_int_equal(tt_count(&batch, "\"ec2-snapshot-created-then-shared\"", NULL, NULL), 1);

	/* follow stdin: a pipe written in three pieces, then closed */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	int saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	/* the path is "-": stdin, displayed as "-"; compare with the file's name replaced */
	struct follow_run f = { .t = &t, .path = "-" };
	strbuf_init(&f.out, 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, follow_thread, &f), 0);
	size_t third = in.len / 3;
	for (int k = 0; k < 3; k++) {
		size_t from = (size_t)k * third, to = k == 2 ? in.len : from + third;
		assert_int_equal(write(fds[1], in.buf + from, to - from), (ssize_t)(to - from));
		pause_ms(100);
	}
	close(fds[1]);
	pthread_join(th, NULL);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.st.events, 3);

	/* same alerts; only the file name differs */
	struct strbuf want = STRBUF_INIT;
	for (const char *q = batch.buf; *q;) {
		const char *s = strstr(q, path);
		if (!s) {
			strbuf_addstr(&want, q);
			break;
		}
		strbuf_add(&want, q, (size_t)(s - q));
		strbuf_addch(&want, '-');
		q = s + strlen(path);
	}
	if (strcmp(want.buf, f.out.buf)) {
		tt_write("/tmp/mamori-trail-follow.out", f.out.buf, f.out.len);
		tt_write("/tmp/mamori-trail-batch.out", want.buf, want.len);
		fail_msg(
		    "follow (stdin) and batch differ: see /tmp/mamori-trail-{follow,batch}.out");
	}
	strbuf_release(&want);
	mm_diags_release(&d);
	mm_diags_release(&f.d);
	strbuf_release(&batch);
	strbuf_release(&f.out);
	strbuf_release(&in);
	tt_env_release(&t);
	tt_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follow_dir),
		cmocka_unit_test(test_follow_stdin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
