/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for mamori trail: the built-in rules against hand-written
 * positive and negative events (tests/fixtures/trail/builtin-samples.json,
 * one case per line of the seed's table and per context), world-open
 * detection, every input shape giving the same alerts, corrupt input
 * reported with its offset and skipped, the policy file, the NDJSON alert
 * contract, correlation (exposure windows, snapshot shared, bursts), order
 * independence (shuffled files, threads), and the shared datasets
 * (../shared/cloudtrail-datasets: no parse error, the attack events fire).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "trail_test.h"
#include "base/json.h"
#include "base/yaml.h"

static char *fixture(const char *name, size_t *len)
{
	const char *fx = tt_fixtures();
	assert_non_null(fx);
	char path[8400];
	snprintf(path, sizeof(path), "%s/%s", fx, name);
	char *s = tt_read(path, len);
	if (!s)
		fail_msg("cannot read fixture %s", path);
	return s;
}

/* ---- built-in rules: positive and negative samples ---- */

static void test_builtin_samples(void **state)
{
	(void)state;
	size_t len;
	char *buf = fixture("builtin-samples.json", &len);
	struct arena a = ARENA_INIT;
	struct json *cases = NULL;
	struct mm_err e = { 0 };
	assert_int_equal(json_parse(&a, buf, len, NULL, &cases, NULL, &e), 0);
	assert_true(json_len(cases) >= 40);
	bool pos[64] = { 0 }, neg[64] = { 0 };
	const char *ids[64];
	size_t nids = 0;
	for (size_t i = 0; i < json_len(cases); i++) {
		const struct json *c = json_at(cases, i);
		const char *name = json_str(c, "name"), *rule = json_str(c, "rule");
		const char *policy = json_str(c, "policy"), *sev = json_str(c, "severity");
		bool fires = json_bool(c, "fires") == 1;
		struct strbuf ev = STRBUF_INIT;
		json_write(&ev, json_get(c, "event"));
		struct tt_env t;
		assert_int_equal(tt_env_init(&t, policy, true, NULL, 0), 0);
		struct tt_buf b;
		tt_buf_run(&b, &t, ev.buf, ev.len, TRAIL_PARSER_LAZY);
		assert_int_equal(b.st.events, 1);
		assert_int_equal(b.st.records_skipped, 0);
		const struct tr_hit *hit = NULL;
		for (size_t k = 0; k < b.c.n; k++)
			for (size_t h = 0; h < b.c.v[k]->nhits; h++)
				if (!strcmp(b.c.v[k]->hits[h].rule->id, rule))
					hit = &b.c.v[k]->hits[h];
		if (fires && !hit)
			fail_msg("case '%s': rule %s did not fire", name, rule);
		if (!fires && hit)
			fail_msg("case '%s': rule %s fired: %s", name, rule, hit->message);
		if (hit && sev && strcmp(mm_sev_name(hit->sev), sev))
			fail_msg("case '%s': severity %s, expected %s (%s)", name,
				 mm_sev_name(hit->sev), sev, hit->message);
		if (hit && json_get(json_get(c, "event"), "errorCode"))
			assert_non_null(strstr(hit->message, "failed attempt"));
		size_t k;
		for (k = 0; k < nids && strcmp(ids[k], rule); k++)
			;
		if (k == nids)
			ids[nids++] = rule;
		(fires ? pos : neg)[k] = true;
		tt_buf_release(&b);
		tt_env_release(&t);
		strbuf_release(&ev);
	}
	/* every built-in rule has both kinds of samples */
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, true, NULL, 0), 0);
	assert_int_equal(t.rs.nrules, 20);
	for (size_t r = 0; r < t.rs.nrules; r++) {
		size_t k;
		for (k = 0; k < nids && strcmp(ids[k], t.rs.rules[r]->id); k++)
			;
		if (k == nids || !pos[k] || !neg[k])
			fail_msg("built-in rule %s lacks a positive or a negative sample",
				 t.rs.rules[r]->id);
	}
	tt_env_release(&t);
	arena_release(&a);
	free(buf);
}

static void test_world_cidr(void **state)
{
	(void)state;
	assert_true(tr_world_cidr("0.0.0.0/0"));
	assert_true(tr_world_cidr("::/0"));
	assert_true(tr_world_cidr("208.236.235.254/0"));
	assert_true(tr_world_cidr("2001:db8::/0"));
	assert_false(tr_world_cidr("0.0.0.0/1"));
	assert_false(tr_world_cidr("10.0.0.0/8"));
	assert_false(tr_world_cidr("::/1"));
	assert_false(tr_world_cidr("garbage"));
	assert_false(tr_world_cidr(NULL));
}

static void test_time(void **state)
{
	(void)state;
	long long ms;
	assert_int_equal(tr_parse_time("1970-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(tr_parse_time("2024-07-30T21:31:21Z", &ms), 0);
	assert_int_equal(ms, 1722375081000LL);
	assert_int_equal(tr_parse_time("2024-07-30T21:31:21.250Z", &ms), 0);
	assert_int_equal(ms, 1722375081250LL);
	assert_int_equal(tr_parse_time("2024-07-30T23:31:21+02:00", &ms), 0);
	assert_int_equal(ms, 1722375081000LL);
	assert_int_equal(tr_parse_time("2000-02-29T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 951782400000LL);
	assert_true(tr_parse_time("2024-13-01T00:00:00Z", &ms) < 0);
	assert_true(tr_parse_time("yesterday", &ms) < 0);
	assert_true(tr_parse_time("2024-07-30T21:31:21Zjunk", &ms) < 0);
}

/* ---- input shapes ---- */

static const char ev1[] =
    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":"
    "\"arn:aws:iam::111122223333:user/alice\",\"principalId\":\"AIDA1\",\"accessKeyId\":"
    "\"AKIA1\"},\"eventTime\":\"2024-05-01T10:00:00Z\",\"eventSource\":\"ec2.amazonaws.com\","
    "\"eventName\":\"DeleteSubnet\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":"
    "\"198.51.100.7\",\"userAgent\":\"aws-cli\",\"requestParameters\":{\"subnetId\":"
    "\"subnet-01\"},\"responseElements\":{\"_return\":true},\"eventID\":\"e-1\","
    "\"recipientAccountId\":\"111122223333\"}";
static const char ev2[] =
    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"Root\",\"arn\":"
    "\"arn:aws:iam::111122223333:root\"},\"eventTime\":\"2024-05-01T10:05:00Z\","
    "\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"GetPasswordData\",\"awsRegion\":"
    "\"eu-west-1\",\"sourceIPAddress\":\"203.0.113.9\",\"requestParameters\":{\"instanceId\":"
    "\"i-01\"},\"responseElements\":null,\"errorCode\":\"Client.UnauthorizedOperation\","
    "\"eventID\":\"e-2\",\"recipientAccountId\":\"111122223333\"}";

static void alerts_of(const char *data, size_t len, struct strbuf *out, struct trail_stats *st)
{
	char *dir = tt_tmpdir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/input", dir);
	tt_write(path, data, len);
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, true, NULL, 0), 0);
	struct mm_diags d = { 0 };
	const char *paths[] = { path };
	tt_run(&t, paths, 1, false, 1, out, st, &d);
	mm_diags_release(&d);
	tt_env_release(&t);
	tt_rmtree(dir);
	free(dir);
}

/* the alerts with the source offset and index removed (they differ by shape) */
static void strip_source(struct strbuf *sb)
{
	struct strbuf o = STRBUF_INIT;
	for (const char *p = sb->buf; *p;) {
		const char *s = strstr(p, ",\"source\":{");
		if (!s) {
			strbuf_addstr(&o, p);
			break;
		}
		strbuf_add(&o, p, (size_t)(s - p));
		p = strchr(s, '}') + 1;
	}
	strbuf_reset(sb);
	strbuf_add(sb, o.buf, o.len);
	strbuf_release(&o);
}

static void gzip_buf(const char *in, size_t n, struct strbuf *out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, (uLong)n) + 64;
	strbuf_grow(out, cap);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->buf + out->len;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->len += cap - z.avail_out;
	out->buf[out->len] = '\0';
	deflateEnd(&z);
}

static void test_shapes(void **state)
{
	(void)state;
	struct strbuf shapes[10];
	const char *names[10];
	size_t ns = 0;
	for (size_t i = 0; i < 10; i++)
		strbuf_init(&shapes[i], 0);
	strbuf_addf(&shapes[ns], "{\"Records\":[%s,%s]}", ev1, ev2);
	names[ns++] = "Records";
	strbuf_addf(&shapes[ns], "[\n  %s,\n  %s\n]\n", ev1, ev2);
	names[ns++] = "array";
	strbuf_addf(&shapes[ns], "%s\n%s\n", ev1, ev2);
	names[ns++] = "NDJSON";
	strbuf_addf(&shapes[ns], "%s\r\n%s", ev1, ev2);
	names[ns++] = "NDJSON, CRLF, no final newline";
	strbuf_addf(&shapes[ns],
		    "{\"version\":\"0\",\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":"
		    "\"aws.ec2\",\"detail\":%s}\n{\"version\":\"0\",\"detail-type\":\"AWS API Call "
		    "via CloudTrail\",\"detail\":%s}\n",
		    ev1, ev2);
	names[ns++] = "EventBridge";
	{
		/* lookup-events: the event is a JSON string */
		struct strbuf s1 = STRBUF_INIT, s2 = STRBUF_INIT;
		strbuf_add_json_str(&s1, ev1);
		strbuf_add_json_str(&s2, ev2);
		strbuf_addf(
		    &shapes[ns],
		    "{\"Events\":[{\"EventId\":\"e-1\",\"CloudTrailEvent\":%s},{\"EventId\":"
		    "\"e-2\",\"CloudTrailEvent\":%s}],\"NextToken\":\"x\"}",
		    s1.buf, s2.buf);
		names[ns++] = "lookup-events";
		strbuf_release(&s1);
		strbuf_release(&s2);
	}
	strbuf_addf(&shapes[ns], "{\"NextToken\":null,\"Records\":[%s,%s]}", ev1, ev2);
	names[ns++] = "Records not first";
	strbuf_addf(&shapes[ns], "\xef\xbb\xbf{\"Records\":[%s,%s]}", ev1, ev2);
	names[ns++] = "BOM";
	{
		/* two gzip members concatenated, one event each */
		gzip_buf(ev1, strlen(ev1), &shapes[ns]);
		struct strbuf nl = STRBUF_INIT;
		strbuf_addf(&nl, "\n%s\n", ev2);
		gzip_buf(nl.buf, nl.len, &shapes[ns]);
		strbuf_release(&nl);
		names[ns++] = "gzip, two members";
	}
	struct strbuf want = STRBUF_INIT;
	struct trail_stats st;
	alerts_of(shapes[0].buf, shapes[0].len, &want, &st);
	strip_source(&want);
	assert_int_equal(st.events, 2);
	assert_int_equal(tt_count(&want, "\"ec2-subnet-delete\"", NULL, NULL), 1);
	assert_int_equal(tt_count(&want, "\"ec2-get-password-data\"",
				  "\"error_code\":\"Client.UnauthorizedOperation\"", NULL),
			 1);
	for (size_t i = 1; i < ns; i++) {
		struct strbuf got = STRBUF_INIT;
		alerts_of(shapes[i].buf, shapes[i].len, &got, &st);
		strip_source(&got);
		if (st.events != 2 || strcmp(got.buf, want.buf))
			fail_msg("shape '%s': %llu events, alerts:\n%s\nexpected:\n%s", names[i],
				 (unsigned long long)st.events, got.buf, want.buf);
		strbuf_release(&got);
	}
	strbuf_release(&want);
	for (size_t i = 0; i < 10; i++)
		strbuf_release(&shapes[i]);
}

/* ---- corrupt input ---- */

static const struct mm_diag *diag_with(const struct mm_diags *d, const char *needle)
{
	for (size_t i = 0; i < d->nr; i++)
		if (strstr(d->v[i].msg, needle))
			return &d->v[i];
	return NULL;
}

static void run_buf(const char *data, size_t len, struct strbuf *out, struct trail_stats *st,
		    struct mm_diags *d)
{
	char *dir = tt_tmpdir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/in.json", dir);
	tt_write(path, data, len);
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, true, NULL, 0), 0);
	const char *paths[] = { path };
	tt_run(&t, paths, 1, false, 1, out, st, d);
	tt_env_release(&t);
	tt_rmtree(dir);
	free(dir);
}

static void test_corrupt_ndjson(void **state)
{
	(void)state;
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	struct trail_stats st;
	struct mm_diags d = { 0 };
	strbuf_addf(&in, "%s\n{\"eventName\": \"Del\n%s\n", ev1, ev2);
	size_t bad_off = strlen(ev1) + 1;
	/* a bad escape inside a member a rule reads */
	strbuf_addstr(&in, "{\"eventName\":\"DeleteSubnet\",\"eventSource\":\"ec2.amazonaws.com\","
			   "\"eventTime\":\"2024-05-01T11:00:00Z\",\"requestParameters\":{\"x\":"
			   "\"\\q\"}}\n");
	strbuf_addstr(&in, "[1,2]\n");
	strbuf_addstr(&in, "{\"eventName\":\"Del"); /* truncated */
	run_buf(in.buf, in.len, &out, &st, &d);
	assert_int_equal(st.events, 3); /* ev1, ev2, the one with the bad escape */
	assert_int_equal(st.records_skipped, 3);
	assert_int_equal(tt_count(&out, "\"e-1\"", NULL, NULL), 1);
	assert_int_equal(tt_count(&out, "\"e-2\"", NULL, NULL), 1);
	const struct mm_diag *g = diag_with(&d, "corrupt record 1 (at offset");
	assert_non_null(g);
	assert_true(g->off > (long long)bad_off && g->off < (long long)(bad_off + 30));
	assert_non_null(strstr(g->file, "in.json"));
	assert_non_null(diag_with(&d, "invalid escape"));
	assert_non_null(diag_with(&d, "truncated"));
	assert_non_null(diag_with(&d, "not CloudTrail events"));
	mm_diags_release(&d);
	strbuf_release(&in);
	strbuf_release(&out);
}

static void test_corrupt_array(void **state)
{
	(void)state;
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	struct trail_stats st;
	struct mm_diags d = { 0 };
	/* pretty-printed Records with a broken second record */
	strbuf_addf(&in,
		    "{\"Records\": [\n  %s,\n  {\"eventName\": \"X\" \"oops\": 1},\n  %s\n]}\n",
		    ev1, ev2);
	run_buf(in.buf, in.len, &out, &st, &d);
	assert_int_equal(st.records_skipped, 1);
	assert_int_equal(st.events, 2);
	assert_int_equal(tt_count(&out, "\"e-1\"", NULL, NULL), 1);
	assert_int_equal(tt_count(&out, "\"e-2\"", NULL, NULL), 1);
	const struct mm_diag *g = diag_with(&d, "skipped: expected ',' or '}'");
	assert_non_null(g);
	assert_int_equal(g->off, (long long)(strstr(in.buf, "\"oops\"") - in.buf));
	mm_diags_release(&d);
	memset(&d, 0, sizeof(d));
	strbuf_reset(&out);

	/* a corrupt gzip stream: reported with the compressed offset, the rest skipped */
	struct strbuf gz = STRBUF_INIT;
	strbuf_reset(&in);
	strbuf_addf(&in, "{\"Records\":[%s,%s]}", ev1, ev2);
	gzip_buf(in.buf, in.len, &gz);
	gz.buf[gz.len / 2] ^= 0x55;
	gz.buf[gz.len / 2 + 1] ^= 0x55;
	run_buf(gz.buf, gz.len, &out, &st, &d);
	assert_non_null(diag_with(&d, "cannot decompress"));
	mm_diags_release(&d);
	memset(&d, 0, sizeof(d));
	strbuf_reset(&out);
	/* truncated gzip */
	run_buf(gz.buf, 20, &out, &st, &d);
	assert_non_null(diag_with(&d, "cannot decompress"));
	strbuf_release(&gz);
	mm_diags_release(&d);
	strbuf_release(&in);
	strbuf_release(&out);
}

static void test_missing_path(void **state)
{
	(void)state;
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, true, NULL, 0), 0);
	struct strbuf out = STRBUF_INIT;
	struct trail_stats st;
	struct mm_diags d = { 0 };
	const char *paths[] = { "/nonexistent/trail.json" };
	assert_true(tt_run(&t, paths, 1, false, 1, &out, &st, &d) < 0);
	assert_non_null(diag_with(&d, "No such file"));
	assert_string_equal(d.v[0].file, "/nonexistent/trail.json");
	mm_diags_release(&d);
	strbuf_release(&out);
	tt_env_release(&t);
}

/* ---- policy ---- */

static void test_policy(void **state)
{
	(void)state;
	struct trail_policy p;
	struct mm_err e = { 0 };
	assert_int_equal(trail_policy_default(&p, &e), 0);
	assert_int_equal(p.nopen_ports, 2);
	assert_int_equal(p.open_ports[0], 80);
	assert_int_equal(p.reorder_ms, 300000);
	assert_int_equal(p.nbursts, 1);
	trail_policy_release(&p);

	const char ok[] =
	    "approved_regions: [us-east-1]\nworld_open_ports: [443, \"8000-8002\", 22]\n"
	    "bursts:\n  - {rule: x, threshold: 3, window: 60}\nreorder_window: 10\n"
	    "rules:\n  a: off\n  b: {severity: low, max_severity: medium}\n";
	assert_int_equal(trail_policy_parse(&p, "p.yaml", ok, strlen(ok), &e), 0);
	assert_int_equal(p.nregions, 1);
	assert_int_equal(p.nopen_ports, 5);
	assert_int_equal(p.open_ports[0], 22);
	assert_int_equal(p.open_ports[4], 8002);
	assert_int_equal(p.bursts[0].threshold, 3);
	assert_int_equal(p.bursts[0].window_ms, 60000);
	assert_int_equal(p.reorder_ms, 10000);
	assert_true(trail_policy_override(&p, "a")->disabled);
	assert_int_equal(trail_policy_override(&p, "b")->severity, MM_SEV_LOW);
	assert_int_equal(trail_policy_override(&p, "b")->max_severity, MM_SEV_MEDIUM);
	assert_null(trail_policy_override(&p, "c"));
	trail_policy_release(&p);

	static const struct {
		const char *y, *needle;
	} bad[] = {
		{ "approved_region: [us-east-1]\n", "unknown key 'approved_region'" },
		{ "world_open_ports: [70000]\n", "outside 0-65535" },
		{ "bursts:\n  - {rule: x, threshold: 1}\n", "threshold" },
		{ "rules:\n  x: {severity: urgent}\n", "severity must be" },
		{ "approved_images: [ami-1]\n", "approved_images" },
		{ "- a\n- b\n", "expected a map" },
		{ "rules: {x: [1]}\n", "expected off or a map" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = trail_policy_parse(&p, "bad.yaml", bad[i].y, strlen(bad[i].y), &e);
		assert_true(r < 0);
		if (!strstr(e.msg, bad[i].needle) || !strstr(e.msg, "'bad.yaml'"))
			fail_msg("policy '%s': message '%s' lacks '%s'", bad[i].y, e.msg,
				 bad[i].needle);
		trail_policy_release(&p);
	}
}

/* ---- output contract ---- */

static void test_jsonl_contract(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	struct trail_stats st;
	alerts_of(ev2, strlen(ev2), &out, &st);
	struct arena a = ARENA_INIT;
	struct json *v = NULL;
	struct mm_err e = { 0 };
	assert_int_equal(tt_count(&out, NULL, NULL, NULL), 1);
	assert_int_equal(json_parse(&a, out.buf, out.len, NULL, &v, NULL, &e), 0);
	static const char *const top[] = { "rule",     "title",	     "severity",     "time",
					   "event_id", "event_name", "event_source", "who",
					   "where",    "what",	     "source" };
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (!json_get(v, top[i]))
			fail_msg("alert lacks '%s': %s", top[i], out.buf);
	/* the contract's keys come first, in order */
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		assert_string_equal(v->u.members[i].key, top[i]);
	assert_string_equal(json_str(v, "rule"), "ec2-get-password-data");
	assert_string_equal(json_str(v, "severity"), "high");
	assert_string_equal(json_str(v, "time"), "2024-05-01T10:05:00Z");
	assert_string_equal(json_str(v, "event_id"), "e-2");
	assert_string_equal(json_str(v, "event_name"), "GetPasswordData");
	assert_string_equal(json_str(v, "event_source"), "ec2.amazonaws.com");
	const struct json *who = json_get(v, "who");
	assert_string_equal(json_str(who, "type"), "Root");
	assert_string_equal(json_str(who, "arn"), "arn:aws:iam::111122223333:root");
	assert_true(json_is(json_get(who, "principal_id"), JSON_NULL));
	assert_true(json_is(json_get(who, "access_key_id"), JSON_NULL));
	const struct json *where = json_get(v, "where");
	assert_string_equal(json_str(where, "account"), "111122223333");
	assert_string_equal(json_str(where, "region"), "eu-west-1");
	assert_string_equal(json_str(where, "source_ip"), "203.0.113.9");
	assert_true(json_is(json_get(where, "user_agent"), JSON_NULL));
	const struct json *what = json_get(v, "what");
	assert_string_equal(json_str(what, "error_code"), "Client.UnauthorizedOperation");
	assert_string_equal(json_as_str(json_at(json_get(what, "resources"), 0)), "i-01");
	const struct json *src = json_get(v, "source");
	assert_non_null(strstr(json_str(src, "file"), "/input"));
	long long idx;
	assert_int_equal(json_int(src, "index", &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(json_bool(v, "failed"), 1);
	arena_release(&a);
	strbuf_release(&out);
}

/* ---- correlation ---- */

static void add_event(struct strbuf *sb, const char *name, const char *time, const char *id,
		      const char *who, const char *req, const char *resp, const char *err)
{
	strbuf_addf(sb,
		    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":"
		    "\"arn:aws:iam::111122223333:user/%s\"},\"eventTime\":\"%s\",\"eventSource\":"
		    "\"ec2.amazonaws.com\",\"eventName\":\"%s\",\"awsRegion\":\"us-east-1\","
		    "\"sourceIPAddress\":\"198.51.100.7\",\"requestParameters\":%s,"
		    "\"responseElements\":%s,\"eventID\":\"%s\",\"recipientAccountId\":"
		    "\"111122223333\"%s%s%s}\n",
		    who, time, name, req, resp ? resp : "null", id, err ? ",\"errorCode\":\"" : "",
		    err ? err : "", err ? "\"" : "");
}

#define OPEN22                                                                            \
	"{\"groupId\":\"sg-0abc\",\"ipPermissions\":{\"items\":[{\"ipProtocol\":\"tcp\"," \
	"\"fromPort\":22,\"toPort\":22,\"ipRanges\":{\"items\":[{\"cidrIp\":\"0.0.0.0/0\"}]}}]}}"
#define OPEN22_RESP                                                                        \
	"{\"_return\":true,\"securityGroupRuleSet\":{\"items\":[{\"securityGroupRuleId\":" \
	"\"sgr-0001\"}]}}"

static void test_sg_window(void **state)
{
	(void)state;
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	struct trail_stats st;
	/* opened by alice, closed 754 s later by bob (the flat shape) */
	add_event(&in, "RevokeSecurityGroupIngress", "2024-05-01T10:12:34Z", "e-close", "bob",
		  "{\"groupId\":\"sg-0abc\",\"cidrIp\":\"0.0.0.0/0\",\"ipProtocol\":\"tcp\","
		  "\"fromPort\":22,\"toPort\":22}",
		  "{\"_return\":true}", NULL);
	add_event(&in, "AuthorizeSecurityGroupIngress", "2024-05-01T10:00:00Z", "e-open", "alice",
		  OPEN22, OPEN22_RESP, NULL);
	/* a failed revoke closes nothing */
	add_event(&in, "RevokeSecurityGroupIngress", "2024-05-01T10:05:00Z", "e-fail", "mallory",
		  OPEN22, NULL, "Client.UnauthorizedOperation");
	/* another group: opened, closed by rule id */
	add_event(&in, "AuthorizeSecurityGroupIngress", "2024-05-01T11:00:00Z", "e-open2", "alice",
		  "{\"groupId\":\"sg-0def\",\"ipPermissions\":{\"items\":[{\"ipProtocol\":\"tcp\","
		  "\"fromPort\":8080,\"toPort\":8080,\"ipv6Ranges\":{\"items\":[{\"cidrIpv6\":"
		  "\"::/0\"}]}}]}}",
		  "{\"_return\":true,\"securityGroupRuleSet\":{\"items\":[{\"securityGroupRuleId\":"
		  "\"sgr-0002\"}]}}",
		  NULL);
	add_event(&in, "RevokeSecurityGroupIngress", "2024-05-01T11:00:30Z", "e-close2", "carol",
		  "{\"groupId\":\"sg-0def\",\"securityGroupRuleIds\":{\"items\":[{"
		  "\"securityGroupRuleId\":\"sgr-0002\"}]}}",
		  "{\"_return\":true}", NULL);
	/* a private range is no exposure */
	add_event(&in, "AuthorizeSecurityGroupIngress", "2024-05-01T12:00:00Z", "e-priv", "alice",
		  "{\"groupId\":\"sg-0aaa\",\"cidrIp\":\"10.0.0.0/8\",\"ipProtocol\":\"tcp\","
		  "\"fromPort\":22,\"toPort\":22}",
		  NULL, NULL);
	add_event(&in, "RevokeSecurityGroupIngress", "2024-05-01T12:01:00Z", "e-priv2", "alice",
		  "{\"groupId\":\"sg-0aaa\",\"cidrIp\":\"10.0.0.0/8\",\"ipProtocol\":\"tcp\","
		  "\"fromPort\":22,\"toPort\":22}",
		  NULL, NULL);
	alerts_of(in.buf, in.len, &out, &st);
	assert_int_equal(tt_count(&out, "\"ec2-sg-world-open-window\"", NULL, NULL), 2);
	assert_int_equal(tt_count(&out, "\"ec2-sg-world-open-window\"", "\"seconds\":754",
				  "\"opened\":\"2024-05-01T10:00:00Z\""),
			 1);
	assert_int_equal(tt_count(&out, "\"seconds\":754", "\"event_ids\":[\"e-open\",\"e-close\"]",
				  "\"severity\":\"critical\""),
			 1);
	assert_int_equal(tt_count(&out,
				  "\"opened_by\":{\"type\":\"IAMUser\",\"arn\":"
				  "\"arn:aws:iam::111122223333:user/alice\"",
				  "\"closed_by\":{\"type\":\"IAMUser\",\"arn\":"
				  "\"arn:aws:iam::111122223333:user/bob\"",
				  "\"seconds\":754"),
			 1);
	assert_int_equal(tt_count(&out, "\"ec2-sg-world-open-window\"", "\"seconds\":30",
				  "\"severity\":\"high\""),
			 1);
	/* alerts come out sorted by event time */
	const char *p = out.buf, *prev = "";
	while ((p = strstr(p, "\"time\":\""))) {
		p += 8;
		assert_true(strncmp(prev, p, 20) <= 0);
		prev = p;
	}
	strbuf_release(&in);
	strbuf_release(&out);
}

static void test_snapshot_shared(void **state)
{
	(void)state;
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	struct trail_stats st;
	add_event(&in, "CreateSnapshot", "2024-05-01T10:00:00Z", "e-snap", "alice",
		  "{\"volumeId\":\"vol-1\"}", "{\"snapshotId\":\"snap-1\",\"volumeId\":\"vol-1\"}",
		  NULL);
	add_event(&in, "ModifySnapshotAttribute", "2024-05-01T10:02:00Z", "e-share", "eve",
		  "{\"snapshotId\":\"snap-1\",\"createVolumePermission\":{\"add\":{\"items\":[{"
		  "\"userId\":\"444455556666\"}]}}}",
		  "{\"_return\":true}", NULL);
	/* sharing a snapshot not created in these logs: no correlation */
	add_event(&in, "ModifySnapshotAttribute", "2024-05-01T10:03:00Z", "e-share2", "eve",
		  "{\"snapshotId\":\"snap-2\",\"createVolumePermission\":{\"add\":{\"items\":[{"
		  "\"group\":\"all\"}]}}}",
		  "{\"_return\":true}", NULL);
	alerts_of(in.buf, in.len, &out, &st);
	assert_int_equal(tt_count(&out, "\"ec2-snapshot-created-then-shared\"", NULL, NULL), 1);
	assert_int_equal(tt_count(&out, "\"ec2-snapshot-created-then-shared\"", "\"seconds\":120",
				  "\"event_ids\":[\"e-snap\",\"e-share\"]"),
			 1);
	assert_int_equal(tt_count(&out, "\"ec2-snapshot-public\"", "e-share2", NULL), 1);
	strbuf_release(&in);
	strbuf_release(&out);
}

static void burst_run(const char *policy, size_t n, int gap_s, struct strbuf *out)
{
	struct strbuf in = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		char t[64], id[32];
		snprintf(t, sizeof(t), "2024-05-01T10:%02zu:%02zuZ", (i * (size_t)gap_s) / 60,
			 (i * (size_t)gap_s) % 60);
		snprintf(id, sizeof(id), "g-%zu", i);
		add_event(&in, "GetPasswordData", t, id, "mallory", "{\"instanceId\":\"i-1\"}",
			  NULL, "Client.UnauthorizedOperation");
	}
	char *dir = tt_tmpdir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/in.json", dir);
	tt_write(path, in.buf, in.len);
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, policy, true, NULL, 0), 0);
	struct mm_diags d = { 0 };
	struct trail_stats st;
	const char *paths[] = { path };
	tt_run(&t, paths, 1, false, 1, out, &st, &d);
	mm_diags_release(&d);
	tt_env_release(&t);
	tt_rmtree(dir);
	free(dir);
	strbuf_release(&in);
}

static void test_burst(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	/* default: 5 in 600 s; 12 calls 10 s apart are one burst */
	burst_run(NULL, 12, 10, &out);
	assert_int_equal(tt_count(&out, "\"trail-burst\"", NULL, NULL), 1);
	assert_int_equal(tt_count(&out, "\"trail-burst\"", "\"count\":5,\"threshold\":5", "g-4"),
			 1);
	strbuf_reset(&out);
	/* threshold 20: none */
	burst_run("bursts:\n  - {rule: ec2-get-password-data, threshold: 20, window: 600}\n", 12,
		  10, &out);
	assert_int_equal(tt_count(&out, "\"trail-burst\"", NULL, NULL), 0);
	strbuf_reset(&out);
	/* threshold 3 in 15 s, calls 10 s apart: never 3 in the window */
	burst_run("bursts:\n  - {rule: ec2-get-password-data, threshold: 3, window: 15}\n", 12, 10,
		  &out);
	assert_int_equal(tt_count(&out, "\"trail-burst\"", NULL, NULL), 0);
	strbuf_reset(&out);
	/* threshold 2 in 15 s: one burst (the stream never pauses for 15 s) */
	burst_run("bursts:\n  - {rule: ec2-get-password-data, threshold: 2, window: 15}\n", 12, 10,
		  &out);
	assert_int_equal(tt_count(&out, "\"trail-burst\"", "\"window_seconds\":15", NULL), 1);
	strbuf_release(&out);
}

/* ---- order independence ---- */

static void test_shuffled_files(void **state)
{
	(void)state;
	char *dir = tt_tmpdir();
	const char *times[] = { "2024-05-01T10:00:00Z", "2024-05-01T10:01:00Z",
				"2024-05-01T10:02:00Z", "2024-05-01T10:03:00Z" };
	const char *names[] = { "AuthorizeSecurityGroupIngress", "GetPasswordData",
				"RevokeSecurityGroupIngress", "CreateSnapshot" };
	char paths[4][4200];
	for (int i = 0; i < 4; i++) {
		struct strbuf in = STRBUF_INIT;
		char id[32];
		snprintf(id, sizeof(id), "s-%d", i);
		add_event(&in, names[i], times[i], id, "alice", OPEN22, OPEN22_RESP, NULL);
		/* same time, different ids and files: ties broken the same way */
		snprintf(id, sizeof(id), "t-%d", i);
		add_event(&in, "DeleteSubnet", times[3 - i], id, "bob", "{\"subnetId\":\"s\"}",
			  NULL, NULL);
		snprintf(paths[i], sizeof(paths[i]), "%s/f%d.json", dir, i);
		tt_write(paths[i], in.buf, in.len);
		strbuf_release(&in);
	}
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, true, NULL, 0), 0);
	static const int orders[][4] = { { 0, 1, 2, 3 }, { 3, 2, 1, 0 }, { 2, 0, 3, 1 } };
	struct strbuf first = STRBUF_INIT;
	for (size_t o = 0; o < 3; o++)
		for (unsigned th = 1; th <= 2; th++) {
			const char *p[4];
			for (int i = 0; i < 4; i++)
				p[i] = paths[orders[o][i]];
			struct strbuf out = STRBUF_INIT;
			struct trail_stats st;
			struct mm_diags d = { 0 };
			assert_int_equal(tt_run(&t, p, 4, false, th, &out, &st, &d), 0);
			assert_int_equal(st.events, 8);
			if (!first.len)
				strbuf_add(&first, out.buf, out.len);
			else if (strcmp(first.buf, out.buf))
				fail_msg("order %zu, %u threads: alerts differ:\n%s\nvs\n%s", o, th,
					 out.buf, first.buf);
			mm_diags_release(&d);
			strbuf_release(&out);
		}
	assert_int_equal(tt_count(&first, "\"ec2-sg-world-open-window\"", NULL, NULL), 1);
	/* and a directory gives the same */
	struct strbuf out = STRBUF_INIT;
	struct trail_stats st;
	struct mm_diags d = { 0 };
	const char *dp[] = { dir };
	assert_int_equal(tt_run(&t, dp, 1, false, 2, &out, &st, &d), 0);
	assert_string_equal(out.buf, first.buf);
	mm_diags_release(&d);
	strbuf_release(&out);
	strbuf_release(&first);
	tt_env_release(&t);
	tt_rmtree(dir);
	free(dir);
}

/* ---- the S3 layout ---- */

static void test_s3_layout(void **state)
{
	(void)state;
	char *dir = tt_tmpdir();
	char path[4200];
	const char *sub[] = { "AWSLogs",
			      "AWSLogs/111122223333",
			      "AWSLogs/111122223333/CloudTrail",
			      "AWSLogs/111122223333/CloudTrail/us-east-1",
			      "AWSLogs/111122223333/CloudTrail/us-east-1/2024",
			      "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05",
			      "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01",
			      "AWSLogs/111122223333/CloudTrail-Digest" };
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		assert_int_equal(mkdir(path, 0700), 0);
	}
	struct strbuf rec = STRBUF_INIT, gz = STRBUF_INIT;
	strbuf_addf(&rec, "{\"Records\":[%s]}", ev1);
	gzip_buf(rec.buf, rec.len, &gz);
	snprintf(path, sizeof(path),
		 "%s/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/"
		 "111122223333_CloudTrail_us-east-1_20240501T1000Z_abc.json.gz",
		 dir);
	tt_write(path, gz.buf, gz.len);
	snprintf(path, sizeof(path), "%s/AWSLogs/111122223333/CloudTrail-Digest/digest.json.gz",
		 dir);
	tt_write(path, "not even json", 13);
	snprintf(path, sizeof(path), "%s/README.txt", dir);
	tt_write(path, "hello", 5);
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, true, NULL, 0), 0);
	struct strbuf out = STRBUF_INIT;
	struct trail_stats st;
	struct mm_diags d = { 0 };
	const char *p[] = { dir };
	assert_int_equal(tt_run(&t, p, 1, false, 1, &out, &st, &d), 0);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.events, 1);
	assert_int_equal(d.nr_errors, 0);
	assert_int_equal(tt_count(&out, "\"ec2-subnet-delete\"", "/2024/05/01/111122223333_", NULL),
			 1);
	mm_diags_release(&d);
	strbuf_release(&out);
	strbuf_release(&rec);
	strbuf_release(&gz);
	tt_env_release(&t);
	tt_rmtree(dir);
	free(dir);
}

/* ---- the shared datasets ---- */

struct expect {
	const char *file, *rule, *extra;
};

static void test_shared_datasets(void **state)
{
	(void)state;
	const char *sh = tt_shared();
	if (!sh) {
		fprintf(stderr, "../shared/cloudtrail-datasets not found (set MAMORI_SHARED): "
				"skipped\n");
		skip();
	}
	char sigma[8400], falco[8400], ds[8400];
	snprintf(sigma, sizeof(sigma), "%s/rulesets/sigma-cloudtrail", sh);
	snprintf(falco, sizeof(falco), "%s/rulesets/falco-cloudtrail", sh);
	snprintf(ds, sizeof(ds), "%s/cloudtrail-datasets", sh);
	const char *rp[] = { sigma, falco };
	struct tt_env t;
	assert_int_equal(tt_env_init(&t, NULL, true, rp, 2), 0);
	assert_int_equal(t.rs.nrefused, 0);
	struct strbuf out = STRBUF_INIT;
	struct trail_stats st;
	struct mm_diags d = { 0 };
	const char *p[] = { ds };
	assert_int_equal(tt_run(&t, p, 1, false, 0, &out, &st, &d), 0);
	for (size_t i = 0; i < d.nr; i++)
		fprintf(stderr, "diag: %s: %s\n", d.v[i].file, d.v[i].msg);
	assert_int_equal(d.nr_errors, 0);
	assert_int_equal(st.records_skipped, 0);
	assert_int_equal(st.events, 310 + 315 + 103);
	static const struct expect ex[] = {
		/* the seed's events, built in */
		{ "aws.credential-access.ec2-get-password-data.json", "\"ec2-get-password-data\"",
		  "\"failed\":true" },
		{ "aws.credential-access.ec2-get-password-data.json", "\"trail-burst\"", NULL },
		{ "aws.exfiltration.ec2-security-group-open-port-22-ingress.json",
		  "\"ec2-sg-authorize-ingress\"", "\"severity\":\"critical\"" },
		{ "aws.exfiltration.ec2-share-ebs-snapshot.json",
		  "\"ec2-snapshot-attribute-modify\"", "098797384747" },
		{ "aws.exfiltration.ec2-share-ami.json", "\"ec2-image-attribute-modify\"",
		  "\"severity\":\"high\"" },
		{ "aws.execution.ec2-launch-unusual-instances.json", "\"ec2-run-instances\"",
		  "\"failed\":true" },
		{ "EC2_EnableSerialConsoleAccess.json.cloudtrail", "\"ec2-serial-console-enable\"",
		  NULL },
		{ "EC2_AuthorizeSecurityGroupEgress.json.cloudtrail", "\"ec2-sg-authorize-egress\"",
		  "\"failed\":true" },
		{ "ec2_proxy_s3_exfiltration", "\"ec2-describe-instances\"", NULL },
		/* community rules */
		{ "aws.defense-evasion.vpc-remove-flow-logs.json", "AWS VPC Flow Logs Deleted",
		  NULL },
		{ "aws.initial-access.console-login-without-mfa.json",
		  "\"Console Login Without MFA\"", NULL },
		{ "aws.persistence.iam-create-admin-user.json", "\"Create AWS user\"", NULL },
		{ "aws.exfiltration.ec2-share-ebs-snapshot.json",
		  "AWS Snapshot Backup Exfiltration", NULL },
		/* stolen instance-role credentials used from outside to list buckets */
		{ "ec2_proxy_s3_exfiltration", "AWS STS AssumeRole Misuse", "\"ListBuckets\"" },
	};
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		if (tt_count(&out, ex[i].file, ex[i].rule, ex[i].extra) < 1)
			fail_msg("no alert %s %s in %s", ex[i].rule, ex[i].extra ? ex[i].extra : "",
				 ex[i].file);
	}
	mm_diags_release(&d);
	strbuf_release(&out);
	tt_env_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_samples),
		cmocka_unit_test(test_world_cidr),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_corrupt_ndjson),
		cmocka_unit_test(test_corrupt_array),
		cmocka_unit_test(test_missing_path),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_jsonl_contract),
		cmocka_unit_test(test_sg_window),
		cmocka_unit_test(test_snapshot_shared),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_shuffled_files),
		cmocka_unit_test(test_s3_layout),
		cmocka_unit_test(test_shared_datasets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
