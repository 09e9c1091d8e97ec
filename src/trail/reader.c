/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reader: the bytes of one input -> CloudTrail events -> candidates.
 *
 * Bytes come from a file, stdin or memory, gzip-decompressed on the fly when
 * they start with the gzip magic (concatenated members too), through a
 * window that slides over the input, so memory stays bounded by the largest
 * record (16 MiB) whatever the input size. The framer recognises every shape
 * CloudTrail data comes in, by content:
 *
 *   {"Records":[...]}                 S3 delivery (and org trails)
 *   {"Events":[{"CloudTrailEvent":"..."}]}   aws cloudtrail lookup-events
 *   [ {...}, ... ]                    bare arrays
 *   {...}\n{...}\n                    NDJSON, concatenated objects, one object
 *   {"detail-type":..., "detail":{...}}   EventBridge envelopes (any of these)
 *
 * A record that cannot be framed or parsed is reported with the file and
 * byte offset (of the decompressed stream) and skipped; the framer then
 * resynchronises on the next record boundary it can recognise (a line
 * starting with '{' between top-level records, "},{" inside an array) and
 * goes on. A record that parses but is not a CloudTrail event (no eventName,
 * eventSource or eventTime) is counted and reported once per file.
 *
 * In tail mode (follow) the end of the data is "nothing more for now": the
 * framer stops where it is (a partial record stays in the window) and
 * resumes on the next call, so a file being appended to, or stdin, goes
 * through exactly the batch code path.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "trail-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define CHUNK	   ((size_t)256 << 10)
#define MAX_RECORD ((size_t)16 << 20)
#define MAX_LISTED 10 /* corrupt records listed per file; the rest are counted */

enum { S_TOP, S_ARR_ITEM, S_ARR_SEP, S_WRAP_REST, S_RESYNC_TOP, S_RESYNC_ARR, S_DONE };
enum { ST_OK, ST_MORE, ST_DONE };

/* ------------------------------------------------------------------ */
/* sources */

static ssize_t raw_read(struct tr_src *s, void *buf, size_t n)
{
	if (s->fd < 0) {
		size_t k = s->mem_len - s->mem_pos;
		if (k > n)
			k = n;
		memcpy(buf, s->mem + s->mem_pos, k);
		s->mem_pos += k;
		return (ssize_t)k;
	}
	for (;;) {
		ssize_t r = read(s->fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r == 0)
			s->hit_eof = true;
		return r;
	}
}

/* >0 bytes, 0 no data (end, or nothing for now when tailing), <0 error (msg) */
static ssize_t src_read_direct(struct tr_src *s, char *buf, size_t n, const char **msg,
			       uint64_t *at)
{
	if (!s->sniffed) {
		while (s->npeek < 2) {
			ssize_t r = raw_read(s, s->peek + s->npeek, 2 - s->npeek);
			if (r < 0) {
				*msg = strerror(errno);
				return -1;
			}
			if (r == 0)
				break;
			s->npeek += (size_t)r;
		}
		if (s->npeek < 2 && s->tail)
			return 0; /* decide when two bytes are there */
		s->sniffed = true;
		s->gz = s->npeek == 2 && s->peek[0] == 0x1f && s->peek[1] == 0x8b;
		if (s->gz) {
			z_stream *z = xcalloc(1, sizeof(*z));
			if (inflateInit2(z, 15 + 16) != Z_OK) {
				free(z);
				*msg = "cannot initialise zlib";
				return -1;
			}
			s->z = z;
			s->zin = xmalloc(CHUNK);
			memcpy(s->zin, s->peek, 2);
			s->zin_len = 2;
			s->npeek = 0;
		}
	}
	if (!s->gz) {
		size_t k = 0;
		if (s->npeek) {
			k = s->npeek < n ? s->npeek : n;
			memcpy(buf, s->peek, k);
			memmove(s->peek, s->peek + k, s->npeek - k);
			s->npeek -= k;
			if (k == n)
				return (ssize_t)k;
		}
		ssize_t r = raw_read(s, buf + k, n - k);
		if (r < 0) {
			if (k)
				return (ssize_t)k;
			*msg = strerror(errno);
			return -1;
		}
		return (ssize_t)k + r;
	}
	z_stream *z = s->z;
	size_t out = 0;
	while (out < n) {
		if (s->zin_pos == s->zin_len && !s->zin_eof) {
			ssize_t r = raw_read(s, s->zin, CHUNK);
			if (r < 0) {
				*msg = strerror(errno);
				return -1;
			}
			s->zin_len = (size_t)r;
			s->zin_pos = 0;
			if (r == 0) {
				if (s->tail)
					break;
				s->zin_eof = true;
			}
		}
		if (s->zend) {
			/* between members: another member, zero padding, or the end */
			if (s->zin_pos == s->zin_len) {
				if (s->zin_eof)
					break;
				continue;
			}
			if (s->zin[s->zin_pos] == 0) {
				s->zin_pos++;
				s->zin_off++;
				continue;
			}
			if (s->zin[s->zin_pos] != 0x1f) {
				*msg = "data after the end of the gzip stream";
				*at = s->zin_off;
				return -1;
			}
			inflateReset(z);
			s->zend = false;
		}
		if (s->zin_pos == s->zin_len && s->zin_eof) {
			*msg = "truncated gzip data";
			*at = s->zin_off;
			return out ? (ssize_t)out : -1;
		}
		z->next_in = s->zin + s->zin_pos;
		z->avail_in = (uInt)(s->zin_len - s->zin_pos);
		z->next_out = (Bytef *)buf + out;
		z->avail_out = (uInt)(n - out);
		int zr = inflate(z, Z_NO_FLUSH);
		size_t used = (s->zin_len - s->zin_pos) - z->avail_in;
		s->zin_pos += used;
		s->zin_off += used;
		out = n - z->avail_out;
		if (zr == Z_STREAM_END) {
			s->zend = true;
			continue;
		}
		if (zr == Z_BUF_ERROR && s->zin_pos == s->zin_len)
			continue; /* needs more input */
		if (zr != Z_OK) {
			*msg = z->msg ? z->msg : "corrupt gzip data";
			*at = s->zin_off;
			return out ? (ssize_t)out : -1;
		}
	}
	return (ssize_t)out;
}

/*
 * Inflate on its own thread: zlib runs at 350-450 MB/s on this kind of
 * machine, about the speed of everything else together, so when a core is
 * spare the two overlap and a gzipped file costs about its decompression.
 * The producer fills a ring of chunks; src_read() copies out of it.
 */
#define PIPE_SLOTS 4
#define PIPE_CHUNK ((size_t)1 << 20)

struct tr_pipe {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *buf[PIPE_SLOTS];
	size_t len[PIPE_SLOTS];
	size_t head, count, used; /* used: bytes of buf[head] already handed out */
	bool done, stop;
	const char *msg;
	uint64_t at;
	struct tr_src *src;
};

static void *pipe_main(void *arg)
{
	struct tr_pipe *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->count == PIPE_SLOTS && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		size_t slot = (p->head + p->count) % PIPE_SLOTS;
		pthread_mutex_unlock(&p->mu);
		size_t n = 0;
		const char *msg = NULL;
		uint64_t at = 0;
		bool end = false;
		while (n < PIPE_CHUNK) {
			ssize_t r =
			    src_read_direct(p->src, p->buf[slot] + n, PIPE_CHUNK - n, &msg, &at);
			if (r <= 0) {
				end = true;
				if (r == 0)
					msg = NULL;
				break;
			}
			n += (size_t)r;
		}
		pthread_mutex_lock(&p->mu);
		p->len[slot] = n;
		if (n)
			p->count++;
		if (end) {
			p->done = true;
			p->msg = msg;
			p->at = at;
		}
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (end)
			return NULL;
	}
}

static ssize_t src_read(struct tr_src *s, char *buf, size_t n, const char **msg, uint64_t *at)
{
	if (!s->pipe) {
		ssize_t r = src_read_direct(s, buf, n, msg, at);
		/* the first bytes tell whether it is gzip: then start the thread */
		if (r > 0 && s->gz && s->want_pipe && !s->tail && !s->zin_eof) {
			struct tr_pipe *p = xcalloc(1, sizeof(*p));
			pthread_mutex_init(&p->mu, NULL);
			pthread_cond_init(&p->cv, NULL);
			for (int i = 0; i < PIPE_SLOTS; i++)
				p->buf[i] = xmalloc(PIPE_CHUNK);
			p->src = s;
			if (pthread_create(&p->th, NULL, pipe_main, p)) {
				for (int i = 0; i < PIPE_SLOTS; i++)
					free(p->buf[i]);
				free(p);
				s->want_pipe = false;
			} else {
				s->pipe = p;
			}
		}
		return r;
	}
	struct tr_pipe *p = s->pipe;
	pthread_mutex_lock(&p->mu);
	while (!p->count && !p->done)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->count) {
		pthread_mutex_unlock(&p->mu);
		if (p->msg) {
			*msg = p->msg;
			*at = p->at;
			return -1;
		}
		return 0;
	}
	size_t slot = p->head, k = p->len[slot] - p->used;
	pthread_mutex_unlock(&p->mu);
	if (k > n)
		k = n;
	memcpy(buf, p->buf[slot] + p->used, k);
	pthread_mutex_lock(&p->mu);
	p->used += k;
	if (p->used == p->len[slot]) {
		p->head = (p->head + 1) % PIPE_SLOTS;
		p->count--;
		p->used = 0;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return (ssize_t)k;
}

static void src_close(struct tr_src *s)
{
	if (s->pipe) {
		struct tr_pipe *p = s->pipe;
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
		for (int i = 0; i < PIPE_SLOTS; i++)
			free(p->buf[i]);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		free(p);
		s->pipe = NULL;
	}
	if (s->z) {
		inflateEnd(s->z);
		free(s->z);
	}
	free(s->zin);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* ------------------------------------------------------------------ */
/* diagnostics */

__attribute__((format(printf, 3, 4))) static void corrupt(struct tr_reader *r, uint64_t off,
							  const char *fmt, ...)
{
	r->st->records_skipped++;
	if (r->nerr++ >= MAX_LISTED)
		return;
	char msg[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mm_diags_add(r->d, MM_DIAG_ERROR, r->file, (long long)off, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* events */

static void release_scratch(struct tr_reader *r)
{
	if (++r->since_release >= 256) {
		arena_release(r->scratch);
		if (r->cand_transient)
			arena_release(r->cand_arena);
		r->since_release = 0;
	}
}

static bool has(struct tr_event *ev, const char *k)
{
	size_t kl = strlen(k);
	for (size_t i = 0; i < ev->nm; i++)
		if (ev->m[i].klen == kl && !memcmp(ev->m[i].key, k, kl))
			return true;
	return false;
}

static struct tr_member *member(struct tr_event *ev, const char *k)
{
	size_t kl = strlen(k);
	for (size_t i = 0; i < ev->nm; i++)
		if (ev->m[i].klen == kl && !memcmp(ev->m[i].key, k, kl))
			return &ev->m[i];
	return NULL;
}

static void handle(struct tr_reader *r, struct tr_event *ev, int depth);

/* members of a parsed object (dom parser, and nested records) */
static void members_from_dom(struct tr_event *ev, const struct json *o, struct tr_member **m,
			     size_t *am)
{
	ev->nm = 0;
	ALLOC_GROW(*m, o->n + 1, *am);
	for (uint32_t i = 0; i < o->n; i++) {
		struct tr_member *x = &(*m)[i];
		x->key = o->u.members[i].key;
		x->klen = o->u.members[i].klen;
		x->start = x->end = 0;
		x->v = &o->u.members[i].v;
		x->state = 1;
		x->kstate = -1;
		x->nkids = 0;
		x->kids = NULL;
	}
	ev->m = *m;
	ev->nm = o->n;
}

/* A nested record held in bytes buf[0..len) (readable to len + TR_PAD). */
static void nested_bytes(struct tr_reader *r, char *buf, size_t len, uint64_t off, int depth)
{
	struct tr_event ev = { .buf = buf,
			       .len = len,
			       .off = off,
			       .a = r->scratch,
			       .file = r->file,
			       .index = r->index - 1,
			       .seq = r->seq };
	struct tr_member *m = NULL;
	size_t am = 0, end = 0, err_at = 0;
	const char *msg = "";
	if (r->parser == TRAIL_PARSER_DOM) {
		struct json *root = NULL;
		struct mm_err e;
		long long eo = -1;
		if (json_parse_insitu(r->scratch, buf, len, NULL, &root, &eo, &e) ||
		    root->type != JSON_OBJECT) {
			corrupt(r, off + (eo > 0 ? (uint64_t)eo : 0),
				"corrupt record %lld skipped: nested event is not a JSON object",
				ev.index);
		} else {
			members_from_dom(&ev, root, &m, &am);
			handle(r, &ev, depth);
		}
	} else {
		int rc =
		    tr_scan_object(buf, len, 0, r->scratch, &m, &ev.nm, &am, &end, &err_at, &msg);
		if (rc || tr_skip_ws(buf, len, end) != len) {
			corrupt(r, off + (rc < 0 ? err_at : 0),
				"corrupt record %lld skipped: nested event: %s", ev.index,
				rc < 0 ? msg
				: rc   ? "truncated"
				       : "data after the object");
		} else {
			ev.m = m;
			handle(r, &ev, depth);
		}
	}
	free(m);
}

/* The items of a "Records" / "Events" array held by a record. */
static void nested_items(struct tr_reader *r, struct tr_event *ev, struct tr_member *mm, int depth)
{
	if (mm->state == 1) {
		const struct json *arr = mm->v;
		for (uint32_t i = 0; i < arr->n; i++) {
			const struct json *it = &arr->u.items[i];
			r->index++;
			r->st->records++;
			if (it->type != JSON_OBJECT) {
				r->st->not_events++;
				continue;
			}
			struct tr_event sub = { .a = r->scratch,
						.file = r->file,
						.index = r->index - 1,
						.off = ev->off + it->off,
						.seq = ++r->seq };
			struct tr_member *m = NULL;
			size_t am = 0;
			members_from_dom(&sub, it, &m, &am);
			handle(r, &sub, depth + 1);
			free(m);
		}
		return;
	}
	/* lazy: walk the array's bytes */
	const char *b = ev->buf;
	size_t end = mm->end, i = mm->start + 1;
	for (;;) {
		i = tr_skip_ws(b, end, i);
		if (i >= end || b[i] == ']')
			return;
		if (b[i] == ',') {
			i++;
			continue;
		}
		size_t ve = 0, err_at = 0;
		const char *msg = "";
		if (tr_skip_value(b, end, i, &ve, &err_at, &msg)) {
			corrupt(r, ev->off + i, "corrupt record skipped: %s", msg);
			return;
		}
		r->index++;
		r->st->records++;
		r->seq++;
		if (b[i] == '{')
			nested_bytes(r, ev->buf + i, ve - i, ev->off + i, depth + 1);
		else
			r->st->not_events++;
		i = ve;
	}
}

static void handle(struct tr_reader *r, struct tr_event *ev, int depth)
{
	ev->ctx = r->ctx;
	if (!has(ev, "eventName") && !has(ev, "eventSource") && !has(ev, "eventTime")) {
		struct tr_member *d = member(ev, "detail");
		struct tr_member *cte = member(ev, "CloudTrailEvent");
		struct tr_member *recs = member(ev, "Records");
		if (!recs)
			recs = member(ev, "Events");
		if (depth < 3 && d) {
			/* EventBridge envelope */
			if (d->state == 1) {
				if (d->v->type == JSON_OBJECT) {
					struct tr_event sub = *ev;
					struct tr_member *m = NULL;
					size_t am = 0;
					members_from_dom(&sub, d->v, &m, &am);
					sub.off = ev->off + d->v->off;
					handle(r, &sub, depth + 1);
					free(m);
					return;
				}
			} else if (ev->buf[d->start] == '{') {
				nested_bytes(r, ev->buf + d->start, d->end - d->start,
					     ev->off + d->start, depth + 1);
				return;
			}
		}
		if (depth < 3 && cte) {
			/* lookup-events output: the event is a JSON string */
			const struct json *s = tr_event_get(ev, "CloudTrailEvent");
			if (s && s->type == JSON_STRING) {
				char *copy = arena_alloc(r->scratch, (size_t)s->n + TR_PAD + 1);
				memcpy(copy, s->u.s, s->n);
				nested_bytes(r, copy, s->n, ev->off + cte->start, depth + 1);
				return;
			}
		}
		if (depth < 3 && recs) {
			const struct json *v = recs->state == 1 ? recs->v : NULL;
			bool arr = v ? v->type == JSON_ARRAY : ev->buf[recs->start] == '[';
			if (arr) {
				nested_items(r, ev, recs, depth);
				return;
			}
		}
		if (ev->perr) {
			corrupt(r, (uint64_t)ev->perr_off, "corrupt record %lld skipped: %s",
				ev->index, ev->perr_msg);
			return;
		}
		r->st->not_events++;
		if (!r->not_events++)
			r->first_not_event = (long long)ev->off;
		return;
	}
	r->st->events++;
	ev->seq = ++r->seq;
	struct tr_cand *c = tr_evaluate(r->ctx, ev, r->cand_arena);
	if (ev->perr) {
		corrupt(r, (uint64_t)ev->perr_off, "corrupt record %lld skipped: %s", ev->index,
			ev->perr_msg);
	} else {
		if (tr_event_str(ev, "errorCode"))
			r->st->failed_events++;
		if (c)
			r->on_cand(r->cb, c);
	}
}

/* The record at buf[start..end): its members are in r->m. */
static void record(struct tr_reader *r, size_t start, size_t end)
{
	struct tr_event ev = { .buf = r->buf + start,
			       .len = end - start,
			       .off = r->base + start,
			       .a = r->scratch,
			       .file = r->file,
			       .index = r->index };
	r->index++;
	r->st->records++;
	if (r->parser == TRAIL_PARSER_DOM) {
		struct json *root = NULL;
		struct mm_err e;
		long long eo = -1;
		if (json_parse_insitu(r->scratch, ev.buf, ev.len, NULL, &root, &eo, &e)) {
			const char *at = strstr(e.msg, " at offset ");
			corrupt(r, ev.off + (eo > 0 ? (uint64_t)eo : 0),
				"corrupt record %lld skipped: %.*s", ev.index,
				at ? (int)(at - e.msg) : (int)strlen(e.msg), e.msg);
			release_scratch(r);
			return;
		}
		members_from_dom(&ev, root, &r->m, &r->am);
	} else {
		ev.m = r->m;
		ev.nm = r->nm;
	}
	handle(r, &ev, 0);
	release_scratch(r);
}

/* ------------------------------------------------------------------ */
/* framing */

/* Discard what is before r->pos, read more. 1: data added; 0: none; -1: error. */
static int fill(struct tr_reader *r)
{
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->base += r->pos;
		r->pos = 0;
	}
	if (r->cap - r->len < CHUNK / 2) {
		if (r->len >= MAX_RECORD + CHUNK)
			return -2;
		size_t nc = r->cap ? r->cap * 2 : CHUNK * 2;
		if (nc > MAX_RECORD + 2 * CHUNK)
			nc = MAX_RECORD + 2 * CHUNK;
		r->buf = xrealloc(r->buf, nc + TR_PAD);
		r->cap = nc;
	}
	const char *msg = NULL;
	uint64_t at = 0;
	ssize_t n = src_read(&r->src, r->buf + r->len, r->cap - r->len, &msg, &at);
	if (n > 0) {
		r->len += (size_t)n;
		r->st->bytes += (uint64_t)n;
		memset(r->buf + r->len, 0, TR_PAD);
		return 1;
	}
	if (n < 0) {
		if (r->src.gz)
			mm_diags_add(r->d, MM_DIAG_ERROR, r->file, (long long)(r->base + r->len),
				     "cannot decompress: %s (compressed offset %llu); the rest of "
				     "the file is skipped",
				     msg, (unsigned long long)at);
		else
			mm_diags_add(r->d, MM_DIAG_ERROR, r->file, (long long)(r->base + r->len),
				     "cannot read: %s; the rest of the file is skipped", msg);
		return -1;
	}
	return 0;
}

static bool is_key(const char *b, size_t ks, size_t ke, const char *k)
{
	size_t n = strlen(k);
	return ke - ks - 2 == n && !memcmp(b + ks + 1, k, n);
}

/* '{' at i: is it {"Records":[ (or "Events")? 1 yes, 0 no, -1 need more */
static int wrapper_at(struct tr_reader *r, size_t i, size_t *arr)
{
	const char *b = r->buf;
	size_t j = tr_skip_ws(b, r->len, i + 1), ke;
	if (j >= r->len)
		return -1;
	if (b[j] != '"')
		return 0;
	size_t err_at;
	const char *msg;
	int rc = tr_skip_value(b, r->len, j, &ke, &err_at, &msg);
	if (rc == TR_SCAN_MORE)
		return -1;
	if (rc || !(is_key(b, j, ke, "Records") || is_key(b, j, ke, "Events")))
		return 0;
	size_t k = tr_skip_ws(b, r->len, ke);
	if (k >= r->len)
		return -1;
	if (b[k] != ':')
		return 0;
	k = tr_skip_ws(b, r->len, k + 1);
	if (k >= r->len)
		return -1;
	if (b[k] != '[')
		return 0;
	*arr = k + 1;
	return 1;
}

static int scan_error(struct tr_reader *r, size_t start, int rc, size_t err_at, const char *msg,
		      int resync)
{
	(void)rc;
	corrupt(r, r->base + err_at, "corrupt record %lld (at offset %llu) skipped: %s", r->index,
		(unsigned long long)(r->base + start), msg);
	r->index++;
	r->st->records++;
	r->pos = start + 1;
	r->state = resync;
	return ST_OK;
}

static int more_or_truncated(struct tr_reader *r, size_t start)
{
	if (!r->eof) {
		if (r->len - start >= MAX_RECORD) {
			corrupt(r, r->base + start,
				"record %lld skipped: larger than %zu MiB, or not JSON", r->index,
				MAX_RECORD >> 20);
			r->index++;
			r->pos = start + 1;
			r->state = r->state == S_TOP ? S_RESYNC_TOP : S_RESYNC_ARR;
			return ST_OK;
		}
		r->pos = start;
		return ST_MORE;
	}
	corrupt(r, r->base + start,
		"record %lld skipped: the input ends inside it (truncated file?)", r->index);
	r->index++;
	r->st->records++;
	r->pos = r->len;
	r->state = S_DONE;
	return ST_DONE;
}

static int step(struct tr_reader *r)
{
	const char *b = r->buf;
	size_t i, end = 0, err_at = 0;
	const char *msg = "";
	int rc;
	switch (r->state) {
	case S_TOP:
		i = tr_skip_ws(b, r->len, r->pos);
		if (r->base == 0 && i == 0 && r->len >= 3 && !memcmp(b, "\xef\xbb\xbf", 3))
			i = tr_skip_ws(b, r->len, 3);
		if (i >= r->len) {
			r->pos = i;
			return r->eof ? ST_DONE : ST_MORE;
		}
		if (b[i] == '[') {
			r->pos = i + 1;
			r->state = S_ARR_ITEM;
			r->arr_top = true;
			r->arr_items = 0;
			return ST_OK;
		}
		if (b[i] != '{') {
			corrupt(r, r->base + i, "not JSON: expected '{' or '[', found 0x%02x",
				(unsigned char)b[i]);
			r->pos = i + 1;
			r->state = S_RESYNC_TOP;
			return ST_OK;
		}
		{
			size_t arr;
			int w = wrapper_at(r, i, &arr);
			if (w < 0 && !r->eof)
				return more_or_truncated(r, i);
			if (w > 0) {
				r->pos = arr;
				r->state = S_ARR_ITEM;
				r->arr_top = false;
				r->arr_items = 0;
				return ST_OK;
			}
		}
		rc = tr_scan_object(b, r->len, i, r->scratch, &r->m, &r->nm, &r->am, &end, &err_at,
				    &msg);
		if (rc == TR_SCAN_MORE)
			return more_or_truncated(r, i);
		if (rc)
			return scan_error(r, i, rc, err_at, msg, S_RESYNC_TOP);
		record(r, i, end);
		r->pos = end;
		return ST_OK;
	case S_ARR_ITEM:
		i = tr_skip_ws(b, r->len, r->pos);
		if (i >= r->len) {
			r->pos = i;
			return r->eof ? more_or_truncated(r, i) : ST_MORE;
		}
		if (b[i] == ']') {
			r->pos = i + 1;
			r->state = r->arr_top ? S_TOP : S_WRAP_REST;
			return ST_OK;
		}
		if (b[i] == '{') {
			rc = tr_scan_object(b, r->len, i, r->scratch, &r->m, &r->nm, &r->am, &end,
					    &err_at, &msg);
			if (rc == TR_SCAN_MORE)
				return more_or_truncated(r, i);
			if (rc)
				return scan_error(r, i, rc, err_at, msg, S_RESYNC_ARR);
			record(r, i, end);
		} else {
			rc = tr_skip_value(b, r->len, i, &end, &err_at, &msg);
			if (rc == TR_SCAN_MORE)
				return more_or_truncated(r, i);
			if (rc)
				return scan_error(r, i, rc, err_at, msg, S_RESYNC_ARR);
			r->index++;
			r->st->records++;
			r->st->not_events++;
			if (!r->not_events++)
				r->first_not_event = (long long)(r->base + i);
		}
		r->arr_items++;
		r->pos = end;
		r->state = S_ARR_SEP;
		return ST_OK;
	case S_ARR_SEP:
		i = tr_skip_ws(b, r->len, r->pos);
		if (i >= r->len) {
			r->pos = i;
			if (r->eof) {
				corrupt(r, r->base + i,
					"the input ends inside an array (truncated file?)");
				r->st->records_skipped--; /* no record lost */
				return ST_DONE;
			}
			return ST_MORE;
		}
		if (b[i] == ',') {
			r->pos = i + 1;
			r->state = S_ARR_ITEM;
			return ST_OK;
		}
		if (b[i] == ']') {
			r->pos = i + 1;
			r->state = r->arr_top ? S_TOP : S_WRAP_REST;
			return ST_OK;
		}
		return scan_error(r, i, MM_EPARSE, i, "expected ',' or ']' between records",
				  S_RESYNC_ARR);
	case S_WRAP_REST:
		i = tr_skip_ws(b, r->len, r->pos);
		if (i >= r->len) {
			r->pos = i;
			return r->eof ? ST_DONE : ST_MORE;
		}
		if (b[i] == '}') {
			r->pos = i + 1;
			r->state = S_TOP;
			return ST_OK;
		}
		if (b[i] == ',') {
			/* another member of the wrapper object: skip "key": value */
			size_t k = tr_skip_ws(b, r->len, i + 1), ke;
			rc = tr_skip_value(b, r->len, k, &ke, &err_at, &msg);
			if (rc == TR_SCAN_MORE)
				return more_or_truncated(r, i);
			size_t c = rc ? k : tr_skip_ws(b, r->len, ke);
			if (!rc && c >= r->len)
				return more_or_truncated(r, i);
			if (rc || b[k] != '"' || b[c] != ':')
				return scan_error(r, i, MM_EPARSE, rc ? err_at : c,
						  "expected \"key\": value in the wrapper object",
						  S_RESYNC_TOP);
			c = tr_skip_ws(b, r->len, c + 1);
			rc = tr_skip_value(b, r->len, c, &end, &err_at, &msg);
			if (rc == TR_SCAN_MORE)
				return more_or_truncated(r, i);
			if (rc)
				return scan_error(r, i, rc, err_at, msg, S_RESYNC_TOP);
			r->pos = end;
			return ST_OK;
		}
		return scan_error(r, i, MM_EPARSE, i, "expected ',' or '}' after the records",
				  S_RESYNC_TOP);
	case S_RESYNC_TOP:
		/* the next line that starts with '{' */
		for (i = r->pos; i + 1 < r->len; i++)
			if (b[i] == '\n' && b[i + 1] == '{') {
				r->pos = i + 1;
				r->state = S_TOP;
				return ST_OK;
			}
		if (r->eof) {
			r->pos = r->len;
			return ST_DONE;
		}
		r->pos = r->len > r->pos + 1 ? r->len - 1 : r->pos;
		return ST_MORE;
	case S_RESYNC_ARR:
		/* the next "}" , "{" with only whitespace between */
		for (i = r->pos; i < r->len; i++) {
			if (b[i] != '}')
				continue;
			size_t k = tr_skip_ws(b, r->len, i + 1);
			if (k < r->len && b[k] == ',') {
				k = tr_skip_ws(b, r->len, k + 1);
				if (k < r->len && b[k] == '{') {
					r->pos = k;
					r->state = S_ARR_ITEM;
					return ST_OK;
				}
			}
			if (k >= r->len && !r->eof) {
				r->pos = i;
				return ST_MORE;
			}
		}
		if (r->eof) {
			r->pos = r->len;
			return ST_DONE;
		}
		r->pos = r->len;
		return ST_MORE;
	default:
		return ST_DONE;
	}
}

int tr_reader_step(struct tr_reader *r)
{
	for (;;) {
		if (r->state == S_DONE)
			return TR_RD_DONE;
		int s = step(r);
		if (s == ST_OK)
			continue;
		if (s == ST_DONE) {
			r->state = S_DONE;
			return TR_RD_DONE;
		}
		int f = fill(r);
		if (f > 0)
			continue;
		if (f == -2) {
			corrupt(r, r->base, "record %lld skipped: larger than %zu MiB", r->index,
				MAX_RECORD >> 20);
			r->pos = r->len;
			r->state = S_DONE;
			return TR_RD_DONE;
		}
		if (f < 0) {
			r->state = S_DONE;
			return -1;
		}
		if (r->src.tail && !r->finishing)
			return TR_RD_AGAIN;
		r->eof = true;
	}
}

static void reader_init(struct tr_reader *r, const char *display, bool tail)
{
	r->file = display;
	r->src.tail = tail;
	r->state = S_TOP;
	r->first_not_event = -1;
}

int tr_reader_open(struct tr_reader *r, const char *path, const char *display, bool tail,
		   struct mm_err *e)
{
	reader_init(r, display, tail);
	if (!strcmp(path, "-")) {
		r->src.fd = STDIN_FILENO;
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r->src.fd = -1;
		return mm_err_set(e, MM_EIO, "cannot read '%s': %s", path, strerror(errno));
	}
	r->src.fd = fd;
	r->src.own_fd = true;
	return 0;
}

void tr_reader_fd(struct tr_reader *r, int fd, const char *display, bool tail)
{
	reader_init(r, display, tail);
	r->src.fd = fd;
}

void tr_reader_finish(struct tr_reader *r)
{
	r->finishing = true;
	tr_reader_step(r);
}

void tr_reader_close(struct tr_reader *r)
{
	if (r->nerr > MAX_LISTED)
		mm_diags_add(r->d, MM_DIAG_ERROR, r->file, -1,
			     "%zu more corrupt records skipped (only the first %d are listed)",
			     r->nerr - MAX_LISTED, MAX_LISTED);
	if (r->not_events)
		mm_diags_add(r->d, MM_DIAG_WARNING, r->file, r->first_not_event,
			     "%zu record%s not CloudTrail events (no eventName, eventSource or "
			     "eventTime); ignored",
			     r->not_events, r->not_events == 1 ? " is" : "s are");
	src_close(&r->src);
	free(r->buf);
	free(r->m);
	r->buf = NULL;
	r->m = NULL;
}

int tr_reader_buffer(struct tr_reader *r, const char *buf, size_t len)
{
	reader_init(r, "<buffer>", false);
	r->src.fd = -1;
	r->src.mem = buf;
	r->src.mem_len = len;
	return tr_reader_step(r);
}
