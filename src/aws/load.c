/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot loader: the walk and the plumbing. snapshot_load() lists the tree
 * in sorted order, then reads every .json / .json.gz file (open/fstat/read,
 * gzip through zlib with concatenated members) through a window of about a
 * megabyte, parses it with the streaming reader (json_stream_next) and hands
 * each top-level member to the extractor of its key (load-ec2.c, load-elb.c,
 * load-iam.c). Records that belong to a resource described in another file
 * wait in struct ld_pending until ld_finish() links them; the same step drops
 * instance-synthesised ENIs that describe-network-interfaces also lists.
 *
 * Memory: the lists that grow with the account (instances, interfaces,
 * volumes, ...) are extracted one record at a time and their nodes dropped
 * at once; strings go to the model's string pool (packed, keys interned,
 * repeated values shared). A document is held whole only from a key whose
 * extractor needs the whole document (IAM, listeners, prefix-list entries,
 * load balancers...: small files), so peak memory is about the model itself.
 *
 * Identical results to parsing every file first: a file that fails to read
 * or parse part-way has its records taken back out (struct ld_undo) and
 * counts as failed; read and parse errors are reported before the
 * diagnostics of the extraction, in walk order; and when the path does not
 * name both the account and the region, a first pass over those files
 * (validation plus the content hints of their first values) gives every
 * file the hints of its siblings before any record is extracted.
 */
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "aws/load-int.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define DEFAULT_MAX_FILE ((size_t)1 << 30)
#define HINT_BUDGET	 4096
#define MAX_WALK_DEPTH	 64

/* ------------------------------------------------------------------ */
/* small helpers shared with the extractors                            */

struct ld_pending *ld_pending(struct mm_model *m)
{
	if (!m->load_state)
		m->load_state = arena_alloc(&m->arena, sizeof(struct ld_pending));
	return m->load_state;
}

void ld_bad(struct ld_file *f, const char *why)
{
	if (!f->bad) {
		f->bad = true;
		f->bad_why = why;
	}
}

int ld_int(struct ld_file *f, const struct json *o, const char *key, long long *out)
{
	const struct json *v = ld_get(o, key);
	if (!v || v->type == JSON_NULL)
		return -1;
	if (json_as_int(v, out) < 0) {
		ld_bad(f, key);
		return -1;
	}
	return 0;
}

enum mm_tri ld_bool(struct ld_file *f, const struct json *o, const char *key)
{
	const struct json *v = ld_get(o, key);
	if (!v || v->type == JSON_NULL)
		return MM_UNKNOWN;
	int b = json_as_bool(v);
	if (b < 0) {
		ld_bad(f, key);
		return MM_UNKNOWN;
	}
	return b ? MM_YES : MM_NO;
}

const char **ld_strs(struct ld_file *f, const struct json *arr, const char *field, size_t *n)
{
	*n = 0;
	if (!arr || !arr->n)
		return NULL;
	const char **v = arena_calloc(&f->m->arena, arr->n, sizeof(*v));
	size_t k = 0;
	for (uint32_t i = 0; i < arr->n; i++) {
		const struct json *it = &arr->u.items[i];
		const char *s;
		if (field && it->type == JSON_STRING) {
			s = it->u.s; /* launch-template shapes list bare ids */
		} else if (field) {
			if (it->type != JSON_OBJECT) {
				ld_bad(f, field);
				continue;
			}
			s = ld_str(f, it, field);
		} else {
			if (it->type != JSON_STRING) {
				ld_bad(f, "string list");
				continue;
			}
			s = it->u.s;
		}
		if (s)
			v[k++] = s;
	}
	*n = k;
	return v;
}

static const char *ptr_cat(struct ld_file *f, const char *parent, size_t plen, const char *seg,
			   size_t slen)
{
	char tmp[256];
	if (plen + slen + 1 <= sizeof(tmp)) {
		memcpy(tmp, parent, plen);
		tmp[plen] = '/';
		memcpy(tmp + plen + 1, seg, slen);
		return json_pool_strndup(&f->st->pool, tmp, plen + 1 + slen);
	}
	struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, parent, plen);
	strbuf_addch(&sb, '/');
	strbuf_add(&sb, seg, slen);
	const char *r = json_pool_strndup(&f->st->pool, sb.buf, sb.len);
	strbuf_release(&sb);
	return r;
}

const char *ld_ptr_idx(struct ld_file *f, const char *parent, size_t i)
{
	char num[24];
	size_t k = sizeof(num);
	do {
		num[--k] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	return ptr_cat(f, parent, strlen(parent), num + k, sizeof(num) - k);
}

const char *ld_ptr_key(struct ld_file *f, const char *parent, const char *key)
{
	if (!strpbrk(key, "~/"))
		return ptr_cat(f, parent, strlen(parent), key, strlen(key));
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, parent);
	json_ptr_append(&sb, key);
	const char *r = json_pool_strndup(&f->st->pool, sb.buf, sb.len);
	strbuf_release(&sb);
	return r;
}

const char *ld_intern(struct ld_state *st, const char *s, size_t n)
{
	return json_pool_intern(&st->pool, s, n);
}

bool ld_is_account(const char *s, size_t n)
{
	if (n != 12)
		return false;
	for (size_t i = 0; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static size_t lower_run(const char *s, size_t i, size_t n)
{
	size_t j = i;
	while (j < n && s[j] >= 'a' && s[j] <= 'z')
		j++;
	return j - i;
}

/* "-<lower>+-<digit>+" from i to the end */
static bool region_tail(const char *s, size_t i, size_t n)
{
	if (i >= n || s[i] != '-')
		return false;
	size_t k = lower_run(s, i + 1, n);
	if (!k)
		return false;
	i += 1 + k;
	if (i >= n || s[i] != '-' || i + 1 >= n)
		return false;
	for (i++; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* ^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$ */
bool ld_is_region(const char *s, size_t n)
{
	if (n < 6 || lower_run(s, 0, 2) != 2)
		return false;
	if (n >= 6 && !memcmp(s + 2, "-gov", 4) && region_tail(s, 6, n))
		return true;
	if (n >= 6 && !memcmp(s + 2, "-iso", 4)) {
		size_t k = lower_run(s, 6, n);
		if (region_tail(s, 6 + k, n))
			return true;
	}
	return region_tail(s, 2, n);
}

const char *ld_az_region(struct ld_file *f, const char *az)
{
	if (!az)
		return NULL;
	size_t n = strlen(az);
	/* "us-east-2b" */
	if (n > 1 && az[n - 1] >= 'a' && az[n - 1] <= 'z' && ld_is_region(az, n - 1))
		return ld_intern(f->st, az, n - 1);
	/* local and wavelength zones: "us-west-2-lax-1a" -> the prefix up to the
	 * first all-digit component */
	for (size_t i = 0; i < n; i++) {
		if (az[i] != '-' || i + 1 >= n || az[i + 1] < '0' || az[i + 1] > '9')
			continue;
		size_t j = i + 1;
		while (j < n && az[j] >= '0' && az[j] <= '9')
			j++;
		if (ld_is_region(az, j))
			return ld_intern(f->st, az, j);
		break;
	}
	return NULL;
}

void ld_arn_scope(struct ld_file *f, const char *arn, const char **acc, const char **reg)
{
	*acc = *reg = NULL;
	if (!arn || strncmp(arn, "arn:", 4))
		return;
	const char *p = arn + 4;
	const char *fld[4];
	size_t len[4];
	for (int i = 0; i < 4; i++) {
		const char *c = strchr(p, ':');
		if (!c)
			return;
		fld[i] = p;
		len[i] = (size_t)(c - p);
		p = c + 1;
	}
	/* fld: partition, service, region, account */
	if (ld_is_region(fld[2], len[2]))
		*reg = ld_intern(f->st, fld[2], len[2]);
	if (ld_is_account(fld[3], len[3]))
		*acc = ld_intern(f->st, fld[3], len[3]);
}

const char *ld_file_account(struct ld_file *f)
{
	return f->path_account ? f->path_account : f->hint_account ? f->hint_account : "unknown";
}

const char *ld_file_region(struct ld_file *f)
{
	return f->path_region ? f->path_region : f->hint_region ? f->hint_region : "unknown";
}

struct mm_scope *ld_file_scope(struct ld_file *f)
{
	return mm_scope_get(f->m, ld_file_account(f), ld_file_region(f));
}

void ld_mark(struct ld_file *f, enum mm_kind kind, const char *acc, const char *reg)
{
	if (!acc)
		acc = ld_file_account(f);
	if (!reg)
		reg = ld_file_region(f);
	unsigned long long bit = 1ull << kind;
	if (acc == f->last_acc && reg == f->last_reg && (f->last_kinds & bit))
		return;
	struct mm_scope *s = mm_scope_get(f->m, acc, reg);
	s->have |= bit;
	if (acc != f->last_acc || reg != f->last_reg)
		f->last_kinds = 0;
	f->last_acc = acc;
	f->last_reg = reg;
	f->last_kinds |= bit;
}

static void fill_tags(struct ld_file *f, struct mm_res *r, const struct json *rec)
{
	const struct json *t = ld_get(rec, "Tags");
	if (!t || t->type == JSON_NULL)
		t = ld_get(rec, "TagSet");
	if (!t || t->type != JSON_ARRAY || !t->n)
		return;
	r->tags = arena_calloc(&f->m->arena, t->n, sizeof(*r->tags));
	for (uint32_t i = 0; i < t->n; i++) {
		const struct json *it = &t->u.items[i];
		const char *k = ld_sget(it, "Key");
		if (!k)
			continue;
		r->tags[r->ntags].key = k;
		r->tags[r->ntags].value = ld_sget(it, "Value");
		r->ntags++;
	}
}

bool ld_res(struct ld_file *f, struct mm_res *r, const struct json *rec, const char *id,
	    const char *ptr, const char *acc, const char *reg, enum mm_kind kind)
{
	r->id = id;
	r->raw = rec;
	r->loc = ld_loc(f, ptr);
	if (acc && !ld_is_account(acc, strlen(acc)))
		acc = NULL;
	if (reg && !ld_is_region(reg, strlen(reg)))
		reg = NULL;
	r->account = f->path_account   ? f->path_account
		     : acc	       ? acc
		     : f->hint_account ? f->hint_account
				       : "unknown";
	if (kind == MM_K_IAM)
		r->region = "global";
	else
		r->region = f->path_region   ? f->path_region
			    : reg	     ? reg
			    : f->hint_region ? f->hint_region
					     : "unknown";
	fill_tags(f, r, rec);
	if (!id)
		ld_bad(f, "missing id");
	return id != NULL;
}

const struct json *ld_rec(struct ld_file *f, const struct json *v, uint32_t i)
{
	const struct json *r = &v->u.items[i];
	if (r->type != JSON_OBJECT) {
		ld_skip(f, r, "record is not an object");
		return NULL;
	}
	return r;
}

const struct json *ld_rec1(struct ld_file *f, const struct json *item)
{
	if (item->type != JSON_OBJECT) {
		ld_skip(f, item, "record is not an object");
		return NULL;
	}
	return item;
}

void ld_skip(struct ld_file *f, const struct json *v, const char *why)
{
	f->m->records_skipped++;
	if (!f->nskipped++) {
		f->first_skip_off = v ? (long long)v->off : -1;
		f->first_skip_why = why;
	}
}

bool ld_keep(struct ld_file *f, const struct mm_res *r, enum mm_kind kind)
{
	if (f->bad || !r->id) {
		ld_skip(f, r->raw, f->bad_why ? f->bad_why : "missing id");
		return false;
	}
	ld_mark(f, kind, r->account, kind == MM_K_IAM ? "global" : r->region);
	return true;
}

/* ------------------------------------------------------------------ */
/* reading: a window sliding over a file (plain or gzip) or a buffer   */

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !strcasecmp(s + n - k, suf);
}

/* Streaming check on decompressed bytes: fail as soon as one JSON string is
 * certainly longer than the parser would accept, so a small gzip bomb of one
 * huge string is refused after max_string bytes, not after max_file_size.
 * buf[from..to) are the document bytes at offsets base + from.. */
struct strscan {
	bool in_str;
	int esc;	/* -1: after a backslash; 1..4: inside \uXXXX */
	uint64_t start; /* document offset of the opening quote */
	size_t dec;	/* decoded bytes so far (a lower bound) */
};

static long long strscan_feed(struct strscan *s, const char *buf, uint64_t base, size_t from,
			      size_t to, size_t max_string)
{
	size_t i = from;
	while (i < to) {
		if (!s->in_str) {
			const char *q = memchr(buf + i, '"', to - i);
			if (!q)
				return -1;
			s->in_str = true;
			s->start = base + (size_t)(q - buf);
			s->dec = 0;
			s->esc = 0;
			i = (size_t)(q - buf) + 1;
			continue;
		}
		if (s->esc) {
			/* -1: just after the backslash; n > 0: hex digits of \u left */
			if (s->esc < 0) {
				s->esc = buf[i] == 'u' ? 4 : 0;
				s->dec++;
			} else {
				s->esc--;
			}
			i++;
			if (s->dec > max_string)
				return (long long)s->start;
			continue;
		}
		const char *q = memchr(buf + i, '"', to - i);
		size_t end = q ? (size_t)(q - buf) : to;
		const char *bs = memchr(buf + i, '\\', end - i);
		if (bs) {
			s->dec += (size_t)(bs - buf) - i;
			i = (size_t)(bs - buf) + 1;
			s->esc = -1;
		} else {
			s->dec += end - i;
			i = end;
			if (q) {
				s->in_str = false;
				i++;
			}
		}
		if (s->dec > max_string)
			return (long long)s->start;
	}
	return -1;
}

#define LD_WINDOW ((size_t)1 << 20)

/*
 * The bytes of one document, delivered through a window: buf[0..len) holds
 * document bytes [base, base + len); eof: nothing follows. A plain file is
 * read as it goes (at most the size fstat gave, as before), a gzip file is
 * read whole (compressed) and inflated as it goes, a buffer is its own window.
 * The window memory is borrowed from the caller (*win, *wcap) and may grow.
 */
struct ld_src {
	struct mm_model *m;
	const char *name;
	struct mm_diags *rd; /* gzip warnings; NULL: not reported */
	size_t max, max_string;
	int fd;
	size_t fleft; /* plain: bytes of the file still to read */
	bool gz;
	unsigned char *zin;
	size_t zlen, zpos;
	z_stream zs;
	bool zlive;
	struct strscan ss;
	char **win;
	size_t *wcap;
	const char *buf;
	size_t len;
	uint64_t base;
	bool eof;
	uint64_t total; /* document bytes produced */
};

static void src_close(struct ld_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->zlive)
		inflateEnd(&s->zs);
	s->zlive = false;
	free(s->zin);
	s->zin = NULL;
}

static void src_buffer(struct ld_src *s, const char *buf, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->buf = buf;
	s->len = len;
	s->eof = true;
}

/* Inflate into the free part of the window until it is full or the stream
 * ends. The checks and messages are those of whole-file decompression: a
 * size over the limit, a string over max_string, corrupt or truncated data,
 * trailing garbage (a warning). */
static int gz_fill(struct ld_src *s, struct mm_err *e)
{
	char *buf = *s->win;
	size_t room = *s->wcap - s->len;
	while (room && !s->eof) {
		/* whole-file decompression held max + 1 bytes before refusing */
		uint64_t allowed = (uint64_t)s->max >= UINT64_MAX - 1
				       ? UINT64_MAX
				       : (uint64_t)s->max + 1 - s->total;
		if (!allowed)
			return mm_err_set(e, MM_ELIMIT,
					  "cannot load '%s': decompressed size exceeds the limit "
					  "of %zu bytes",
					  s->name, s->max);
		size_t in_chunk = s->zlen - s->zpos > (1u << 30) ? (1u << 30) : s->zlen - s->zpos;
		size_t out_chunk = room > (1u << 30) ? (1u << 30) : room;
		if (out_chunk > allowed)
			out_chunk = (size_t)allowed;
		s->zs.next_in = s->zin + s->zpos;
		s->zs.avail_in = (uInt)in_chunk;
		s->zs.next_out = (unsigned char *)buf + s->len;
		s->zs.avail_out = (uInt)out_chunk;
		int r = inflate(&s->zs, Z_NO_FLUSH);
		size_t used = in_chunk - s->zs.avail_in;
		size_t made = out_chunk - s->zs.avail_out;
		s->zpos += used;
		long long bad =
		    strscan_feed(&s->ss, buf, s->base, s->len, s->len + made, s->max_string);
		s->len += made;
		s->total += made;
		room -= made;
		if (bad >= 0)
			return mm_err_set(e, MM_ELIMIT,
					  "cannot load '%s': string at decompressed offset %lld "
					  "exceeds the limit of %zu bytes (too large)",
					  s->name, bad, s->max_string);
		if (r == Z_STREAM_END) {
			size_t k = s->zpos;
			while (k < s->zlen && s->zin[k] == 0)
				k++;
			if (k == s->zlen) {
				s->eof = true;
				break;
			}
			if (s->zlen - s->zpos >= 2 && s->zin[s->zpos] == 0x1f &&
			    s->zin[s->zpos + 1] == 0x8b) {
				inflateReset(&s->zs);
				continue;
			}
			if (s->rd)
				mm_diags_add(s->rd, MM_DIAG_WARNING, s->name, (long long)s->zpos,
					     "ignoring %zu bytes of trailing data after the gzip "
					     "stream in '%s' at compressed offset %zu",
					     s->zlen - s->zpos, s->name, s->zpos);
			s->eof = true;
			break;
		}
		if (r == Z_DATA_ERROR || r == Z_NEED_DICT || r == Z_MEM_ERROR ||
		    r == Z_STREAM_ERROR)
			return mm_err_set(e, MM_EPARSE,
					  "cannot decompress '%s': corrupt gzip data at compressed "
					  "offset %zu (%s)",
					  s->name, s->zpos,
					  s->zs.msg ? s->zs.msg : "inflate error");
		if (s->zpos == s->zlen && s->zs.avail_out > 0 && !made)
			return mm_err_set(
			    e, MM_EPARSE,
			    "cannot decompress '%s': truncated gzip data at compressed "
			    "offset %zu",
			    s->name, s->zpos);
	}
	return 0;
}

static int plain_fill(struct ld_src *s, struct mm_err *e)
{
	char *buf = *s->win;
	size_t room = *s->wcap - s->len;
	while (room && s->fleft) {
		size_t want = room < s->fleft ? room : s->fleft;
		ssize_t r = read(s->fd, buf + s->len, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return mm_err_set(e, MM_EIO, "cannot read '%s': %s", s->name,
					  strerror(errno));
		}
		if (r == 0) {
			s->fleft = 0; /* the file shrank since fstat */
			break;
		}
		s->len += (size_t)r;
		s->total += (size_t)r;
		s->fleft -= (size_t)r;
		room -= (size_t)r;
	}
	if (!s->fleft)
		s->eof = true;
	return 0;
}

/* Drop the bytes before document offset keep (<= base + len), then read
 * more; the window doubles when it is full of bytes still needed. */
static int src_fill(struct ld_src *s, uint64_t keep, struct mm_err *e)
{
	if (s->eof)
		return 0;
	char *buf = *s->win;
	if (keep > s->base) {
		size_t d = (size_t)(keep - s->base);
		memmove(buf, buf + d, s->len - d);
		s->len -= d;
		s->base = keep;
	}
	if (s->len == *s->wcap) {
		*s->wcap *= 2;
		*s->win = buf = xrealloc(buf, *s->wcap);
	}
	int r = s->gz ? gz_fill(s, e) : plain_fill(s, e);
	s->buf = *s->win;
	return r;
}

/* Read to the end, keeping the bytes from keep on: whole-document mode. */
static int src_fill_all(struct ld_src *s, uint64_t keep, struct mm_err *e)
{
	while (!s->eof) {
		int r = src_fill(s, keep, e);
		if (r)
			return r;
		keep = s->base;
	}
	return 0;
}

/* Read to the end keeping nothing: a read error there wins over a parse
 * error found earlier, as it did when files were read before parsing. */
static int src_drain(struct ld_src *s, struct mm_err *e)
{
	while (!s->eof) {
		int r = src_fill(s, s->base + s->len, e);
		if (r)
			return r;
	}
	return 0;
}

static int read_all(int fd, unsigned char *buf, size_t size, size_t *got, const char *name,
		    struct mm_err *e)
{
	*got = 0;
	while (*got < size) {
		ssize_t r = read(fd, buf + *got, size - *got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return mm_err_set(e, MM_EIO, "cannot read '%s': %s", name, strerror(errno));
		}
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

static int gz_start(struct ld_src *s, struct mm_err *e)
{
	if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK)
		return mm_err_set(e, MM_EIO, "cannot decompress '%s': zlib initialisation failed",
				  s->name);
	s->zlive = true;
	s->gz = true;
	s->eof = false;
	s->len = 0;
	s->total = 0;
	return 0;
}

/*
 * Open a file and fill the first window. The checks and messages are those of
 * reading the whole file: not regular, empty, over the size limit, gzip by
 * name or by magic, and "empty file" when it decompresses to nothing.
 */
static int src_open(struct ld_src *s, struct mm_model *m, const char *full, const char *name,
		    bool gz, size_t max, size_t max_string, char **win, size_t *wcap,
		    struct mm_diags *rd, struct mm_err *e)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	s->name = name;
	s->rd = rd;
	s->max = max;
	s->max_string = max_string;
	s->win = win;
	s->wcap = wcap;
	s->buf = *win;
	s->fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (s->fd < 0)
		return mm_err_set(e, MM_EIO, "cannot open '%s': %s", name, strerror(errno));
	struct stat st;
	if (fstat(s->fd, &st) < 0)
		return mm_err_set(e, MM_EIO, "cannot stat '%s': %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return mm_err_set(e, MM_EIO, "cannot read '%s': not a regular file", name);
	if (st.st_size == 0)
		return mm_err_set(e, MM_EPARSE, "cannot load '%s': empty file", name);
	if ((unsigned long long)st.st_size > max)
		return mm_err_set(e, MM_ELIMIT,
				  "cannot load '%s': file size %lld exceeds the limit of %zu bytes",
				  name, (long long)st.st_size, max);
	size_t size = (size_t)st.st_size;
	int r;
	if (!gz) {
		s->fleft = size;
		r = plain_fill(s, e);
		if (r)
			return r;
		if (!s->len)
			return mm_err_set(e, MM_EPARSE, "cannot load '%s': empty file", name);
		if (!(s->len >= 2 && (unsigned char)s->buf[0] == 0x1f &&
		      (unsigned char)s->buf[1] == 0x8b))
			return 0;
	}
	/* gzip: the compressed file is read whole (it is the small one) */
	s->zin = xmalloc(size ? size : 1);
	size_t got = s->len;
	memcpy(s->zin, s->buf, got);
	if (gz || s->fleft) {
		size_t more = 0;
		r = read_all(s->fd, s->zin + got, size - got, &more, name, e);
		if (r)
			return r;
		got += more;
	}
	close(s->fd);
	s->fd = -1;
	if (!got)
		return mm_err_set(e, MM_EPARSE, "cannot load '%s': empty file", name);
	s->zlen = got;
	r = gz_start(s, e);
	if (r)
		return r;
	r = gz_fill(s, e);
	s->buf = *s->win;
	if (r)
		return r;
	if (!s->len && s->eof)
		return mm_err_set(e, MM_EPARSE, "cannot load '%s': empty file", name);
	return 0;
}

/* ------------------------------------------------------------------ */
/* account and region: path, then content hints                       */

/* The deepest directory component of path that is an account / a region. */
static void path_scope(struct ld_state *st, const char *path, const char **acc, const char **reg)
{
	*acc = *reg = NULL;
	const char *p = path;
	for (;;) {
		const char *slash = strchr(p, '/');
		if (!slash)
			break; /* the last component is the file name */
		size_t n = (size_t)(slash - p);
		if (ld_is_account(p, n))
			*acc = ld_intern(st, p, n);
		else if (ld_is_region(p, n))
			*reg = ld_intern(st, p, n);
		p = slash + 1;
	}
}

struct hint {
	const char *acc, *reg;
	bool acc_conflict, reg_conflict;
	bool no_region;
	size_t budget;
};

static void hint_acc(struct hint *h, const char *a)
{
	if (!a || h->acc_conflict)
		return;
	if (!h->acc)
		h->acc = a;
	else if (h->acc != a)
		h->acc_conflict = true;
}

static void hint_reg(struct hint *h, const char *r)
{
	if (!r || h->reg_conflict || h->no_region)
		return;
	if (!h->reg)
		h->reg = r;
	else if (h->reg != r)
		h->reg_conflict = true;
}

static void hint_scan(struct ld_file *f, struct hint *h, const struct json *v);

/* One member of an object being scanned (the caller checked the budget). */
static void hint_member(struct ld_file *f, struct hint *h, const char *key, const struct json *c)
{
	if (c->type == JSON_STRING) {
		const char *s = c->u.s;
		if (!strcmp(key, "OwnerId")) {
			if (ld_is_account(s, c->n))
				hint_acc(h, ld_intern(f->st, s, c->n));
		} else if (!strcmp(key, "AvailabilityZone") || !strcmp(key, "ZoneName")) {
			hint_reg(h, ld_az_region(f, s));
		} else if (!strcmp(key, "RegionName") || !strcmp(key, "Region")) {
			if (ld_is_region(s, c->n))
				hint_reg(h, ld_intern(f->st, s, c->n));
		} else if (!strncmp(s, "arn:", 4)) {
			const char *a, *r;
			ld_arn_scope(f, s, &a, &r);
			hint_acc(h, a);
			hint_reg(h, r);
		}
		h->budget = h->budget ? h->budget - 1 : 0;
	} else if (c->type == JSON_ARRAY || c->type == JSON_OBJECT) {
		hint_scan(f, h, c);
	}
}

/* Depth-first over the first HINT_BUDGET values in document order. */
static void hint_scan(struct ld_file *f, struct hint *h, const struct json *v)
{
	if (!h->budget)
		return;
	h->budget--;
	if (v->type == JSON_ARRAY) {
		for (uint32_t i = 0; i < v->n && h->budget; i++)
			hint_scan(f, h, &v->u.items[i]);
	} else if (v->type == JSON_OBJECT) {
		for (uint32_t i = 0; i < v->n && h->budget; i++)
			hint_member(f, h, v->u.members[i].key, &v->u.members[i].v);
	}
}

/* ------------------------------------------------------------------ */
/* recognising documents                                               */

enum { EXPECT_ARRAY, EXPECT_OBJECT, EXPECT_BOOL, EXPECT_ANY };

/* fn: extractor of the whole value (the document is kept); item: extractor
 * of one element of a streamed list (exactly one of the two is set). */
struct ld_key {
	const char *key;
	ld_fn *fn;
	ld_item_fn *item;
	int kind; /* enum mm_kind, or MM_K__COUNT: nothing to mark */
	int expect;
};

static const struct ld_key known_keys[] = {
	{ "Reservations", NULL, ld_reservation, MM_K_INSTANCES, EXPECT_ARRAY },
	{ "Instances", NULL, ld_bare_instance, MM_K_INSTANCES, EXPECT_ARRAY },
	{ "SecurityGroups", ld_sgs, NULL, MM_K_SGS, EXPECT_ARRAY },
	{ "NetworkAcls", ld_nacls, NULL, MM_K_NACLS, EXPECT_ARRAY },
	{ "RouteTables", ld_rtbs, NULL, MM_K_RTBS, EXPECT_ARRAY },
	{ "Subnets", ld_subnets, NULL, MM_K_SUBNETS, EXPECT_ARRAY },
	{ "Vpcs", ld_vpcs, NULL, MM_K_VPCS, EXPECT_ARRAY },
	{ "InternetGateways", ld_igws, NULL, MM_K_IGWS, EXPECT_ARRAY },
	{ "EgressOnlyInternetGateways", ld_eigws, NULL, MM_K_EIGWS, EXPECT_ARRAY },
	{ "NatGateways", ld_nats, NULL, MM_K_NATS, EXPECT_ARRAY },
	{ "VpcPeeringConnections", ld_pcxs, NULL, MM_K_PCXS, EXPECT_ARRAY },
	{ "NetworkInterfaces", NULL, ld_eni, MM_K_ENIS, EXPECT_ARRAY },
	{ "Addresses", NULL, ld_eip, MM_K_EIPS, EXPECT_ARRAY },
	{ "PrefixLists", ld_prefix_lists, NULL, MM_K_PREFIX_LISTS, EXPECT_ARRAY },
	{ "Entries", ld_pl_entries, NULL, MM_K_PL_ENTRIES, EXPECT_ARRAY },
	{ "LoadBalancers", ld_lbs, NULL, MM_K_LBS, EXPECT_ARRAY },
	{ "LoadBalancerDescriptions", ld_classic_lbs, NULL, MM_K_CLASSIC_LBS, EXPECT_ARRAY },
	{ "Listeners", ld_listeners, NULL, MM_K_LISTENERS, EXPECT_ARRAY },
	{ "LoadBalancerListeners", ld_listener_wrapper, NULL, MM_K_LISTENERS, EXPECT_ARRAY },
	{ "TargetGroups", ld_tgs, NULL, MM_K_TGS, EXPECT_ARRAY },
	{ "TargetHealthDescriptions", ld_tg_health, NULL, MM_K_TG_HEALTH, EXPECT_ARRAY },
	{ "LoadBalancerTargetHealth", ld_tg_health_wrapper, NULL, MM_K_TG_HEALTH, EXPECT_ARRAY },
	{ "Volumes", NULL, ld_volume, MM_K_VOLUMES, EXPECT_ARRAY },
	{ "Snapshots", NULL, ld_snapshot, MM_K_SNAPSHOTS, EXPECT_ARRAY },
	{ "CreateVolumePermissions", ld_snapshot_perms, NULL, MM_K_SNAP_PERMS, EXPECT_ARRAY },
	{ "LaunchPermissions", ld_image_perms, NULL, MM_K__COUNT, EXPECT_ARRAY },
	{ "Images", NULL, ld_image, MM_K_IMAGES, EXPECT_ARRAY },
	{ "FlowLogs", ld_flow_logs, NULL, MM_K_FLOW_LOGS, EXPECT_ARRAY },
	{ "LaunchTemplateVersions", NULL, ld_lt_version, MM_K_LT_VERSIONS, EXPECT_ARRAY },
	{ "EbsEncryptionByDefault", ld_ebs_default, NULL, MM_K_EBS_DEFAULT, EXPECT_BOOL },
	{ "AccountLevel", ld_imds_defaults, NULL, MM_K_IMDS_DEFAULTS, EXPECT_OBJECT },
	{ "SerialConsoleAccessEnabled", ld_serial_console, NULL, MM_K_SERIAL_CONSOLE, EXPECT_BOOL },
	{ "UserDetailList", ld_iam, NULL, MM_K_IAM, EXPECT_ANY },
	{ "GroupDetailList", ld_iam, NULL, MM_K_IAM, EXPECT_ANY },
	{ "RoleDetailList", ld_iam, NULL, MM_K_IAM, EXPECT_ANY },
	{ "Policies", ld_iam, NULL, MM_K_IAM, EXPECT_ANY },
};

/* Outputs mamori recognises but does not model (yet). */
static const char *const unused_keys[] = {
	"AvailabilityZones",
	"Regions",
	"VpcEndpoints",
	"VpcEndpointConnections",
	"VpcEndpointServiceConfigurations",
	"ServiceDetails",
	"ServiceNames",
	"CustomerGateways",
	"VpnConnections",
	"VpnGateways",
	"DhcpOptions",
	"KeyPairs",
	"PlacementGroups",
	"Hosts",
	"ReservedInstances",
	"SpotInstanceRequests",
	"SpotFleetRequestConfigs",
	"InstanceStatuses",
	"InstanceTypes",
	"LaunchTemplates",
	"SecurityGroupRules",
	"SecurityGroupForVpcs",
	"Tags",
	"CarrierGateways",
	"LocalGateways",
	"LocalGatewayRouteTables",
	"ClientVpnEndpoints",
	"ManagedPrefixLists",
	"CoipPools",
	"Ipv6Pools",
	"PublicIpv4Pools",
	"NetworkInsightsPaths",
	"NetworkInsightsAnalyses",
	"TrafficMirrorSessions",
	"TrafficMirrorTargets",
	"TrafficMirrorFilters",
	"DBInstances",
	"DBClusters",
	"DBSubnetGroups",
	"DBSnapshots",
	"DBClusterSnapshots",
	"DBSecurityGroups",
	"DomainStatusList",
	"DomainNames",
	"VirtualInterfaces",
	"LoadBalancerAttributes",
	"Attributes",
	"TagDescriptions",
	"Rules",
	"SslPolicies",
	"Certificates",
	"PolicyDescriptions",
	"InstanceStates",
	"Buckets",
	"Users",
	"Roles",
	"Groups",
	"InstanceProfiles",
	"PasswordPolicy",
	"SummaryMap",
	"AccountAliases",
	"Functions",
	"Clusters",
	"TableNames",
	"trailList",
	"Trails",
	"KmsKeyId",
	"ImageId",
	"InstanceId",
	"SnapshotId",
	"VolumeId",
	"InstanceTagAttribute",
	"VpcId",
	"NetworkInterfaceId",
	"AccountAttributes",
	"CapacityReservations",
	"IamInstanceProfileAssociations",
	"InstanceCreditSpecifications",
	"VolumeStatuses",
	"SecurityGroupsReferenceSet",
	"NetworkInterfacePermissions",
	"ServiceConfigurations",
	"Limits",
	"User",
	"Role",
	"Policy",
	"InstanceProfile",
	"LoginProfile",
	"AttachedPolicies",
	"PolicyNames",
	"MFADevices",
	"VirtualMFADevices",
	"AccessKeyMetadata",
	"OpenIDConnectProviderList",
	"SAMLProviderList",
	"ServerCertificateMetadataList",
};

static const char *const unused_prefixes[] = {
	"TransitGateway",
	"DirectConnect",
	"Vpn",
};

/* Keys that may sit next to a known key without meaning anything. */
static const char *const noise_keys[] = {
	"NextToken", "NextMarker", "Marker", "IsTruncated", "ResponseMetadata",
};

static bool in_list(const char *k, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k, v[i]))
			return true;
	return false;
}

static bool is_unused_key(const char *k)
{
	if (in_list(k, unused_keys, sizeof(unused_keys) / sizeof(unused_keys[0])))
		return true;
	for (size_t i = 0; i < sizeof(unused_prefixes) / sizeof(unused_prefixes[0]); i++)
		if (!strncmp(k, unused_prefixes[i], strlen(unused_prefixes[i])))
			return true;
	return false;
}

static const struct ld_key *find_key(const char *k)
{
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (!strcmp(k, known_keys[i].key))
			return &known_keys[i];
	return NULL;
}

static bool expect_ok(const struct json *v, int expect)
{
	switch (expect) {
	case EXPECT_ARRAY:
		return v->type == JSON_ARRAY;
	case EXPECT_OBJECT:
		return v->type == JSON_OBJECT;
	case EXPECT_BOOL:
		return json_as_bool(v) >= 0;
	default:
		return true;
	}
}

static const char *expect_name(int expect)
{
	switch (expect) {
	case EXPECT_ARRAY:
		return "expected an array";
	case EXPECT_OBJECT:
		return "expected an object";
	case EXPECT_BOOL:
		return "expected a boolean";
	default:
		return "wrong type";
	}
}

/* ------------------------------------------------------------------ */
/* linking records across files                                        */

static struct hmap index_of(void *vec, size_t n, size_t stride)
{
	struct hmap h = HMAP_INIT;
	for (size_t i = 0; i < n; i++) {
		struct mm_res *r = (struct mm_res *)((char *)vec + i * stride);
		if (r->id && !hmap_get(&h, r->id))
			hmap_put(&h, r->id, r);
	}
	return h;
}

static const char *arn_tail(const char *arn)
{
	const char *s = strrchr(arn, '/');
	return s ? s + 1 : arn;
}

/* stem "…-73e2d6bc24d8a067" names the target group whose ARN ends in that id */
static bool stem_names(const char *stem, const char *tail)
{
	size_t n = strlen(stem), k = strlen(tail);
	if (!k || k > n || strcmp(stem + n - k, tail))
		return false;
	if (k == n)
		return true;
	char c = stem[n - k - 1];
	return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
}

static void link_listeners(struct mm_model *m, struct ld_pending *p, bool final)
{
	if (!p->listeners)
		return;
	struct hmap h = index_of(m->lbs, m->nlbs, sizeof(*m->lbs));
	struct ld_listeners **pp = &p->listeners;
	while (*pp) {
		struct ld_listeners *l = *pp;
		struct mm_lb *lb = hmap_get(&h, l->lb_arn);
		if (!lb) {
			if (final)
				mm_diags_add(&m->diags, MM_DIAG_WARNING, l->file, l->off,
					     "listeners in '%s' name load balancer '%s', which no "
					     "describe-load-balancers output lists",
					     l->file, l->lb_arn);
			pp = &l->next;
			continue;
		}
		lb->have_listeners = true;
		if (l->n) {
			struct mm_lb_listener *v =
			    arena_calloc(&m->arena, lb->nlisteners + l->n, sizeof(*v));
			if (lb->nlisteners)
				memcpy(v, lb->listeners, lb->nlisteners * sizeof(*v));
			memcpy(v + lb->nlisteners, l->v, l->n * sizeof(*v));
			lb->listeners = v;
			lb->nlisteners += l->n;
		}
		*pp = l->next;
	}
	hmap_release(&h);
}

static void link_health(struct mm_model *m, struct ld_pending *p, bool final)
{
	if (!p->health)
		return;
	struct hmap h = index_of(m->tgs, m->ntgs, sizeof(*m->tgs));
	struct ld_health **pp = &p->health;
	while (*pp) {
		struct ld_health *x = *pp;
		struct mm_tg *tg = NULL;
		if (x->tg_arn) {
			tg = hmap_get(&h, x->tg_arn);
		} else if (x->stem) {
			for (size_t i = 0; i < m->ntgs && !tg; i++)
				if (m->tgs[i].r.id && stem_names(x->stem, arn_tail(m->tgs[i].r.id)))
					tg = &m->tgs[i];
		}
		if (!tg) {
			if (final)
				mm_diags_add(&m->diags, MM_DIAG_WARNING, x->file, x->off,
					     "target health in '%s' names no known target group "
					     "('%s')",
					     x->file, x->tg_arn ? x->tg_arn : x->stem);
			pp = &x->next;
			continue;
		}
		tg->have_targets = true;
		if (x->n) {
			struct mm_tg_target *v =
			    arena_calloc(&m->arena, tg->ntargets + x->n, sizeof(*v));
			if (tg->ntargets)
				memcpy(v, tg->targets, tg->ntargets * sizeof(*v));
			memcpy(v + tg->ntargets, x->v, x->n * sizeof(*v));
			tg->targets = v;
			tg->ntargets += x->n;
		}
		*pp = x->next;
	}
	hmap_release(&h);
}

static void link_perms(struct mm_model *m, struct ld_pending *p, bool final)
{
	if (!p->perms)
		return;
	struct hmap hs = index_of(m->snapshots, m->nsnapshots, sizeof(*m->snapshots));
	struct hmap hi = index_of(m->images, m->nimages, sizeof(*m->images));
	struct ld_perm **pp = &p->perms;
	while (*pp) {
		struct ld_perm *x = *pp;
		bool done = false;
		if (x->image) {
			struct mm_image *im = hmap_get(&hi, x->id);
			if (im) {
				im->is_public = x->is_public;
				done = true;
			}
		} else {
			struct mm_snapshot *s = hmap_get(&hs, x->id);
			if (s) {
				s->is_public = x->is_public;
				s->shared_with = x->shared;
				s->nshared = x->nshared;
				s->perm_loc = x->loc;
				done = true;
			}
		}
		if (!done) {
			if (final)
				mm_diags_add(&m->diags, MM_DIAG_WARNING, x->loc.file, -1,
					     "permissions in '%s' are for %s '%s', which no %s "
					     "output lists",
					     x->loc.file, x->image ? "image" : "snapshot", x->id,
					     x->image ? "describe-images" : "describe-snapshots");
			pp = &x->next;
			continue;
		}
		*pp = x->next;
	}
	hmap_release(&hs);
	hmap_release(&hi);
}

static void link_entries(struct mm_model *m, struct ld_pending *p)
{
	if (!p->entries)
		return;
	/* id -> index + 1 (the vector grows below, pointers would move) */
	struct hmap h = HMAP_INIT;
	for (size_t i = 0; i < m->npls; i++)
		if (m->pls[i].r.id && !hmap_get(&h, m->pls[i].r.id))
			hmap_put(&h, m->pls[i].r.id, (void *)(uintptr_t)(i + 1));
	struct ld_entries **pp = &p->entries;
	while (*pp) {
		struct ld_entries *x = *pp;
		if (x->created) {
			pp = &x->next;
			continue;
		}
		uintptr_t k = (uintptr_t)hmap_get(&h, x->pl_id);
		if (k) {
			struct mm_prefix_list *pl = &m->pls[k - 1];
			pl->cidrs = x->cidrs;
			pl->ncidrs = x->n;
			pl->have_entries = true;
			*pp = x->next;
			continue;
		}
		/* entries without a describe record still name the list's CIDRs */
		struct mm_prefix_list n;
		memset(&n, 0, sizeof(n));
		n.r.id = x->pl_id;
		n.r.account = x->account;
		n.r.region = x->region;
		n.r.loc = x->loc;
		n.r.raw = x->raw;
		n.cidrs = x->cidrs;
		n.ncidrs = x->n;
		n.have_entries = true;
		for (size_t i = 0; i < x->n && !n.family; i++)
			n.family = x->cidrs[i].family == MM_AF_INET6 ? "IPv6" : "IPv4";
		LD_PUSH(m, pls, n);
		hmap_put(&h, x->pl_id, (void *)(uintptr_t)m->npls);
		x->created = true;
		pp = &x->next;
	}
	hmap_release(&h);
}

/* The describe-network-interfaces record of an ENI wins over the one
 * synthesised from describe-instances. */
static void dedupe_enis(struct mm_model *m)
{
	size_t nsyn = 0;
	for (size_t i = 0; i < m->nenis; i++)
		nsyn += m->enis[i].from_instance;
	if (!nsyn || nsyn == m->nenis)
		return;
	struct hmap h = HMAP_INIT;
	for (size_t i = 0; i < m->nenis; i++)
		if (!m->enis[i].from_instance && !hmap_get(&h, m->enis[i].r.id))
			hmap_put(&h, m->enis[i].r.id, &m->enis[i]);
	size_t k = 0;
	for (size_t i = 0; i < m->nenis; i++) {
		struct mm_eni *e = &m->enis[i];
		if (e->from_instance) {
			struct mm_eni *d = hmap_get(&h, e->r.id);
			if (d &&
			    (!strcmp(d->r.account, e->r.account) ||
			     !strcmp(d->r.account, "unknown") || !strcmp(e->r.account, "unknown")))
				continue;
		}
		if (k != i)
			m->enis[k] = *e;
		k++;
	}
	m->nenis = k;
	hmap_release(&h);
}

static void ld_finish(struct mm_model *m, bool final)
{
	struct ld_pending *p = m->load_state;
	if (p) {
		link_listeners(m, p, final);
		link_health(m, p, final);
		link_perms(m, p, final);
		link_entries(m, p);
	}
	dedupe_enis(m);
}

/* ------------------------------------------------------------------ */
/* extracting one document                                             */

/* The items of a streamed kind found in a document held whole. */
static void list_items(struct ld_file *f, const struct json *v, const char *key, ld_item_fn *item)
{
	const char *base = ld_ptr_key(f, "", key);
	for (uint32_t i = 0; i < v->n; i++)
		item(f, &v->u.items[i], base, i);
}

/*
 * What the extraction of one document has seen of its top-level members, in
 * order. Streamed lists stand in as empty arrays. From the first member
 * whose extractor needs the whole document (whole_from) on, members wait
 * for the end of the document and are then extracted in order with f->root
 * set to all of them.
 */
struct ld_doc {
	struct ld_file f;
	bool known, iam_done;
	const char *unknown;
	long long unknown_off;
	struct json_member *mems;
	size_t nmems, amems;
	bool whole;
	size_t whole_from;
	/* the list being streamed: its extractor (NULL: items dropped) */
	ld_item_fn *item;
	const char *base;
	uint32_t idx;
	/* a top-level value that is not an object */
	int root_type;
};

static void doc_member(struct ld_doc *d, const struct json_member *mb)
{
	struct ld_file *f = &d->f;
	const struct ld_key *k = find_key(mb->key);
	if (!k) {
		if (is_unused_key(mb->key)) {
			d->known = true;
		} else if (!in_list(mb->key, noise_keys,
				    sizeof(noise_keys) / sizeof(noise_keys[0])) &&
			   !d->unknown) {
			d->unknown = mb->key;
			d->unknown_off = (long long)mb->v.off;
		}
		return;
	}
	d->known = true;
	if (mb->v.type == JSON_NULL)
		return;
	if (k->fn == ld_iam) {
		if (d->iam_done)
			return;
		d->iam_done = true;
	}
	if (!expect_ok(&mb->v, k->expect)) {
		ld_skip(f, &mb->v, expect_name(k->expect));
		return;
	}
	if (k->kind != MM_K__COUNT && k->fn != ld_iam)
		ld_mark(f, k->kind, NULL, NULL);
	if (k->fn)
		k->fn(f, &mb->v, mb->key);
	else
		list_items(f, &mb->v, mb->key, k->item);
}

static struct json_member *doc_push(struct ld_doc *d, const char *key, uint32_t klen,
				    const struct json *v)
{
	ALLOC_GROW(d->mems, d->nmems + 1, d->amems);
	struct json_member *mb = &d->mems[d->nmems++];
	mb->key = key;
	mb->klen = klen;
	mb->v = *v;
	return mb;
}

/* A streamed list begins: the bookkeeping doc_member() does for an array.
 * Returns the item extractor, NULL if the items are not wanted. */
static ld_item_fn *doc_list(struct ld_doc *d, const char *key, uint32_t klen, uint64_t off)
{
	struct json v;
	memset(&v, 0, sizeof(v));
	v.type = JSON_ARRAY;
	v.off = off;
	const struct json_member *mb = doc_push(d, key, klen, &v);
	const struct ld_key *k = find_key(key);
	if (!k || !k->item) {
		doc_member(d, mb);
		return NULL;
	}
	d->known = true;
	ld_mark(&d->f, k->kind, NULL, NULL);
	d->base = ld_ptr_key(&d->f, "", key);
	d->idx = 0;
	return k->item;
}

/* The document is complete: extract what waited, then report. */
static void doc_finish(struct ld_doc *d, const struct json_stream *s)
{
	struct ld_file *f = &d->f;
	struct mm_model *m = f->m;
	if (!s->root_object) {
		mm_diags_add(&m->diags, MM_DIAG_WARNING, f->file, (long long)s->root_off,
			     "unrecognised file '%s': top-level value is %s %s, not an object",
			     f->file, d->root_type == JSON_ARRAY ? "an" : "a",
			     json_type_name((enum json_type)d->root_type));
		m->files_skipped++;
		return;
	}
	if (d->whole) {
		struct json *root = arena_alloc(&m->arena, sizeof(*root));
		root->type = JSON_OBJECT;
		root->off = s->root_off;
		root->n = (uint32_t)d->nmems;
		root->u.members = arena_calloc(&m->arena, d->nmems, sizeof(*root->u.members));
		memcpy(root->u.members, d->mems, d->nmems * sizeof(*d->mems));
		f->root = root;
		for (size_t i = d->whole_from; i < d->nmems; i++)
			doc_member(d, &root->u.members[i]);
	}
	if (f->nskipped)
		mm_diags_add(&m->diags, MM_DIAG_ERROR, f->file, f->first_skip_off,
			     "skipped %zu record%s in '%s' with a missing id or a wrong type; "
			     "first at offset %lld (%s)",
			     f->nskipped, f->nskipped == 1 ? "" : "s", f->file, f->first_skip_off,
			     f->first_skip_why ? f->first_skip_why : "wrong type");
	if (!d->known) {
		if (d->unknown)
			mm_diags_add(&m->diags, MM_DIAG_WARNING, f->file, d->unknown_off,
				     "unrecognised file '%s': unknown top-level key '%s'", f->file,
				     d->unknown);
		else
			mm_diags_add(&m->diags, MM_DIAG_WARNING, f->file, (long long)s->root_off,
				     "unrecognised file '%s': no top-level key", f->file);
		m->files_skipped++;
		return;
	}
	m->files_loaded++;
}

/* ---- taking a failed document's records back out ---- */

/* clang-format off */
#define LD_VECTORS(X) \
	X(instances) X(sgs) X(nacls) X(rtbs) X(subnets) X(vpcs) X(igws) X(nats) X(pcxs) \
	X(enis) X(eips) X(pls) X(lbs) X(tgs) X(volumes) X(snapshots) X(images) X(flow_logs) \
	X(lt_versions) X(roles) X(profiles) X(policies)
/* clang-format on */

struct ld_counts {
#define X(v) size_t v;
	LD_VECTORS(X)
#undef X
};

static void counts_get(const struct mm_model *m, struct ld_counts *c)
{
#define X(v) c->v = m->n##v;
	LD_VECTORS(X)
#undef X
}

/* The records pushed since c came from nodes that are about to be dropped. */
static void drop_raw(struct mm_model *m, const struct ld_counts *c)
{
#define X(v)                                    \
	for (size_t i = c->v; i < m->n##v; i++) \
		m->v[i].r.raw = NULL;
	LD_VECTORS(X)
#undef X
}

struct ld_undo {
	struct ld_counts c;
	struct mm_scope *scopes;
	size_t nscopes;
	size_t records_skipped;
	size_t ndiags;
};

static void undo_save(struct mm_model *m, struct ld_undo *u)
{
	counts_get(m, &u->c);
	u->nscopes = m->nscopes;
	u->scopes = NULL;
	if (m->nscopes) {
		u->scopes = xmalloc(st_mult(m->nscopes, sizeof(*m->scopes)));
		memcpy(u->scopes, m->scopes, m->nscopes * sizeof(*m->scopes));
	}
	u->records_skipped = m->records_skipped;
	u->ndiags = m->diags.nr;
}

static void undo_release(struct ld_undo *u)
{
	free(u->scopes);
	u->scopes = NULL;
}

static void diags_truncate(struct mm_diags *d, size_t n)
{
	while (d->nr > n) {
		struct mm_diag *g = &d->v[--d->nr];
		if (g->level == MM_DIAG_ERROR)
			d->nr_errors--;
		else
			d->nr_warnings--;
		free(g->file);
		free(g->msg);
	}
}

static void undo_apply(struct mm_model *m, struct ld_undo *u)
{
#define X(v) m->n##v = u->c.v;
	LD_VECTORS(X)
#undef X
	m->nscopes = u->nscopes;
	if (u->nscopes)
		memcpy(m->scopes, u->scopes, u->nscopes * sizeof(*m->scopes));
	m->records_skipped = u->records_skipped;
	diags_truncate(&m->diags, u->ndiags);
}

/* ------------------------------------------------------------------ */
/* files and the walk                                                  */

/* One entry of the walk, in walk order: a file, or (rel NULL) only the
 * diagnostics of the walk itself. */
struct ld_item {
	const char *rel; /* arena */
	const char *dir; /* arena: rel without its last component ("" at the root) */
	char *full;	 /* NULL: the in-memory document */
	const char *path_acc, *path_reg;
	struct hint hint;   /* its content's, when the path does not say both */
	bool hinted;	    /* read once already (hint pass) */
	bool failed;	    /* read or parse error reported */
	int err;	    /* its code */
	struct mm_diags rd; /* read and parse diagnostics */
	uint64_t size;	    /* on disk, for progress */
};

struct ld_load {
	struct ld_state st;
	const struct snapshot_opts *o;
	size_t max_file;
	struct json_limits lim;
	struct ld_item *items;
	size_t nitems, aitems;
	size_t diag_base; /* m->diags.nr when the load began */
	const char *mem;  /* snapshot_load_buffer */
	size_t memlen;
	char *win; /* the read window, shared by all files */
	size_t wcap;
	struct json_scratch scr;
	uint64_t prog_done, prog_total; /* bytes, for o->on_progress */
	/* directories on the current walk path, for symlink loops */
	struct {
		dev_t dev;
		ino_t ino;
	} stack[MAX_WALK_DEPTH];
	int depth;
};

static const char *file_stem(struct mm_model *m, const char *rel)
{
	const char *b = strrchr(rel, '/');
	b = b ? b + 1 : rel;
	size_t n = strlen(b);
	if (has_suffix(b, ".json.gz"))
		n -= 8;
	else if (has_suffix(b, ".json"))
		n -= 5;
	else if (has_suffix(b, ".gz"))
		n -= 3;
	return arena_strndup(&m->arena, b, n);
}

static struct ld_item *item_new(struct ld_load *L)
{
	ALLOC_GROW(L->items, L->nitems + 1, L->aitems);
	struct ld_item *it = &L->items[L->nitems++];
	memset(it, 0, sizeof(*it));
	return it;
}

static int item_open(struct ld_load *L, struct ld_item *it, struct ld_src *s, struct mm_diags *rd,
		     struct mm_err *e)
{
	if (!it->full) {
		src_buffer(s, L->mem, L->memlen);
		return 0;
	}
	return src_open(s, L->st.m, it->full, it->rel, has_suffix(it->rel, ".gz"), L->max_file,
			L->lim.max_string, &L->win, &L->wcap, rd, e);
}

/* A big document widened the window: give the memory back. */
static void window_shrink(struct ld_load *L)
{
	if (L->wcap > LD_WINDOW) {
		free(L->win);
		L->wcap = LD_WINDOW;
		L->win = xmalloc(L->wcap);
	}
}

/* Progress: done bytes of the files on disk (none for an in-memory document). */
static void progress_report(struct ld_load *L, uint64_t done)
{
	const struct snapshot_opts *o = L->o;
	if (o && o->on_progress && !L->mem)
		o->on_progress(o->progress_arg, done, L->prog_total, "loading");
}

/* in_file bytes of it read so far (plain: bytes read; gzip: compressed
 * bytes inflated), on top of the passes already done. */
static void progress_at(struct ld_load *L, const struct ld_item *it, uint64_t in_file)
{
	progress_report(L, L->prog_done + (in_file < it->size ? in_file : it->size));
}

static uint64_t src_pos(const struct ld_src *s)
{
	return s->gz ? s->zpos : s->total;
}

/* One pass over it is over (read whole, or failed). */
static void progress_file_done(struct ld_load *L, const struct ld_item *it)
{
	L->prog_done += it->size;
	progress_at(L, it, 0);
}

static void item_read_failed(struct ld_load *L, struct ld_item *it, int code, const char *msg)
{
	mm_diags_add(&it->rd, MM_DIAG_ERROR, it->rel, -1, "%s", msg);
	L->st.m->files_failed++;
	it->failed = true;
	it->err = code;
}

/* Line and column of off, reading the document again from the start: only
 * a parse error needs them. */
static void item_line_col(struct ld_load *L, struct ld_item *it, long long off, unsigned long *line,
			  unsigned long *col)
{
	size_t want = off < 0 ? 0 : (size_t)off;
	*line = *col = 1;
	if (!it->full) {
		json_line_col(L->mem, L->memlen, want, line, col);
		return;
	}
	size_t wcap = LD_WINDOW;
	char *win = xmalloc(wcap);
	struct ld_src s;
	struct mm_err e = { 0 };
	unsigned long l = 1, c = 1;
	if (!src_open(&s, L->st.m, it->full, it->rel, has_suffix(it->rel, ".gz"), L->max_file,
		      L->lim.max_string, &win, &wcap, NULL, &e)) {
		for (;;) {
			size_t n = s.len;
			if (s.base + n > want)
				n = want > s.base ? (size_t)(want - s.base) : 0;
			for (size_t i = 0; i < n; i++) {
				if (s.buf[i] == '\n') {
					l++;
					c = 1;
				} else {
					c++;
				}
			}
			if (s.base + s.len >= want || s.eof || src_fill(&s, s.base + s.len, &e) ||
			    !s.len)
				break;
		}
	}
	src_close(&s);
	free(win);
	*line = l;
	*col = c;
}

static void item_parse_failed(struct ld_load *L, struct ld_item *it, int code, const char *msg,
			      long long off)
{
	unsigned long line = 0, col = 0;
	item_line_col(L, it, off, &line, &col);
	mm_diags_add(&it->rd, MM_DIAG_ERROR, it->rel, off,
		     "cannot parse '%s': %s (line %lu, column %lu)", it->rel, msg, line, col);
	L->st.m->files_failed++;
	it->failed = true;
	it->err = code;
}

/* After a parse error: read the rest, as a read error there comes first. */
static void item_stream_failed(struct ld_load *L, struct ld_item *it, struct ld_src *src, int code,
			       const struct mm_err *pe, long long off)
{
	struct mm_err e = { 0 };
	int r = src_drain(src, &e);
	if (r)
		item_read_failed(L, it, r, e.msg);
	else
		item_parse_failed(L, it, code, pe->msg, off);
}

static bool iam_key(const char *k)
{
	return !strcmp(k, "RoleDetailList") || !strcmp(k, "UserDetailList") ||
	       !strcmp(k, "GroupDetailList") || !strcmp(k, "Policies");
}

/*
 * Pass 1, for a file whose path does not name both its account and region:
 * check the whole document and take the account/region hints of its first
 * HINT_BUDGET values (hint_scan() over the streamed pieces, in the same
 * order), keeping nothing.
 */
static void item_hint(struct ld_load *L, struct ld_item *it)
{
	struct ld_file f;
	memset(&f, 0, sizeof(f));
	f.m = L->st.m;
	f.st = &L->st;
	struct hint *h = &it->hint;
	memset(h, 0, sizeof(*h));
	h->budget = HINT_BUDGET;
	it->hinted = true;
	struct ld_src src;
	struct mm_err e = { 0 };
	int r = item_open(L, it, &src, &it->rd, &e);
	if (r) {
		item_read_failed(L, it, r, e.msg);
		src_close(&src);
		return;
	}
	struct json_stream s;
	json_stream_init(&s, &L->lim);
	s.scratch = &L->scr;
	s.stream = true;
	bool root_seen = false, active = false, no_region = false;
	for (;;) {
		const struct json *v;
		long long off = -1;
		s.buf = src.buf;
		s.len = src.len;
		s.base = src.base;
		s.final = src.eof;
		s.skip = !(active && h->budget);
		json_scratch_rewind(&L->scr);
		int ev = json_stream_next(&s, &v, &off, &e);
		if (ev < 0) {
			item_stream_failed(L, it, &src, ev, &e, off);
			break;
		}
		if (ev == JSON_EV_MORE) {
			r = src_fill(&src, s.keep, &e);
			if (r) {
				item_read_failed(L, it, r, e.msg);
				break;
			}
			progress_at(L, it, src_pos(&src));
			continue;
		}
		if (!root_seen && s.root_object) {
			root_seen = true;
			h->budget--;
		}
		if (ev == JSON_EV_KEY) {
			no_region |= iam_key(s.key);
			s.stream = true;
		} else if (ev == JSON_EV_VALUE) {
			if (!s.root_object)
				hint_scan(&f, h, v);
			else if (h->budget)
				hint_member(&f, h, s.key, v);
		} else if (ev == JSON_EV_ARRAY) {
			active = h->budget > 0;
			if (active)
				h->budget--;
		} else if (ev == JSON_EV_ITEM) {
			if (active && h->budget && v)
				hint_scan(&f, h, v);
		} else if (ev == JSON_EV_ARRAY_END) {
			active = false;
		} else if (ev == JSON_EV_END) {
			break;
		}
	}
	/* IAM is global: its documents say nothing about a region */
	if (no_region) {
		h->reg = NULL;
		h->reg_conflict = false;
	}
	json_stream_release(&s);
	src_close(&src);
	window_shrink(L);
}

/*
 * Pass 2: read, check and extract one file, streaming the lists of the
 * streamed kinds record by record. On a read or parse error the records
 * already taken from the file are taken back out.
 */
static void item_extract(struct ld_load *L, struct ld_item *it, const char *hacc, const char *hreg)
{
	struct mm_model *m = L->st.m;
	struct ld_src src;
	struct mm_err e = { 0 };
	int r = item_open(L, it, &src, it->hinted ? NULL : &it->rd, &e);
	if (r) {
		item_read_failed(L, it, r, e.msg);
		src_close(&src);
		return;
	}
	struct ld_doc d;
	memset(&d, 0, sizeof(d));
	d.f.m = m;
	d.f.st = &L->st;
	d.f.file = it->rel;
	d.f.stem = file_stem(m, it->rel);
	d.f.path_account = it->path_acc;
	d.f.path_region = it->path_reg;
	d.f.hint_account = hacc;
	d.f.hint_region = hreg;
	d.f.first_skip_off = -1;
	d.unknown_off = -1;
	struct ld_undo u;
	undo_save(m, &u);
	struct json_stream s;
	json_stream_init(&s, &L->lim);
	s.scratch = &L->scr;
	s.pool = &L->st.pool;
	s.arena = &m->arena;
	s.stream = true;
	bool ok = false;
	for (;;) {
		const struct json *v;
		long long off = -1;
		s.buf = src.buf;
		s.len = src.len;
		s.base = src.base;
		s.final = src.eof;
		s.skip = !d.item;
		json_scratch_rewind(&L->scr);
		int ev = json_stream_next(&s, &v, &off, &e);
		if (ev < 0) {
			item_stream_failed(L, it, &src, ev, &e, off);
			break;
		}
		if (ev == JSON_EV_MORE) {
			r = src_fill(&src, s.keep, &e);
			if (r) {
				item_read_failed(L, it, r, e.msg);
				break;
			}
			progress_at(L, it, src_pos(&src));
			continue;
		}
		if (ev == JSON_EV_KEY) {
			const struct ld_key *k = find_key(s.key);
			if (!d.whole && k && k->fn) {
				/* this one reads the whole document: hold the rest */
				d.whole = true;
				d.whole_from = d.nmems;
				r = src_fill_all(&src, s.keep, &e);
				if (r) {
					item_read_failed(L, it, r, e.msg);
					break;
				}
			}
			s.stream = !d.whole;
		} else if (ev == JSON_EV_VALUE) {
			if (!s.root_object) {
				d.root_type = v->type;
				continue;
			}
			const struct json_member *mb = doc_push(&d, s.key, s.klen, v);
			if (!d.whole)
				doc_member(&d, mb);
		} else if (ev == JSON_EV_ARRAY) {
			if (s.root_array)
				d.root_type = JSON_ARRAY;
			else
				d.item = doc_list(&d, s.key, s.klen, s.arr_off);
		} else if (ev == JSON_EV_ITEM) {
			if (d.item && v) {
				struct ld_counts c;
				counts_get(m, &c);
				d.item(&d.f, v, d.base, d.idx);
				drop_raw(m, &c);
			}
			d.idx++;
		} else if (ev == JSON_EV_ARRAY_END) {
			d.item = NULL;
		} else if (ev == JSON_EV_END) {
			ok = true;
			break;
		}
	}
	if (ok)
		doc_finish(&d, &s);
	else
		undo_apply(m, &u);
	undo_release(&u);
	free(d.mems);
	json_stream_release(&s);
	src_close(&src);
	window_shrink(L);
}

static void add_file(struct ld_load *L, const char *full, const char *rel,
		     const char *path_for_scope, off_t size)
{
	struct mm_model *m = L->st.m;
	struct ld_item *it = item_new(L);
	it->size = size > 0 ? (uint64_t)size : 0;
	it->rel = arena_strdup(&m->arena, rel);
	const char *slash = strrchr(it->rel, '/');
	it->dir = slash ? arena_strndup(&m->arena, it->rel, (size_t)(slash - it->rel)) : "";
	it->full = xstrdup(full);
	path_scope(&L->st, path_for_scope, &it->path_acc, &it->path_reg);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_json_name(const char *n)
{
	return has_suffix(n, ".json") || has_suffix(n, ".json.gz");
}

static void walk(struct ld_load *L, const char *full, const char *rel)
{
	struct mm_model *m = L->st.m;
	DIR *dir = opendir(full);
	if (!dir) {
		mm_diags_add(&item_new(L)->rd, MM_DIAG_ERROR, rel[0] ? rel : NULL, -1,
			     "cannot open directory '%s': %s", rel[0] ? rel : full,
			     strerror(errno));
		m->files_failed++;
		return;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ALLOC_GROW(names, n + 1, alloc);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	mm_qsort(names, n, sizeof(*names), cmp_str);
	struct strbuf fp = STRBUF_INIT, rp = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&fp);
		strbuf_reset(&rp);
		strbuf_addf(&fp, "%s/%s", full, names[i]);
		if (rel[0])
			strbuf_addf(&rp, "%s/%s", rel, names[i]);
		else
			strbuf_addstr(&rp, names[i]);
		struct stat st;
		if (stat(fp.buf, &st) < 0) {
			if (is_json_name(names[i])) {
				mm_diags_add(&item_new(L)->rd, MM_DIAG_ERROR, rp.buf, -1,
					     "cannot stat '%s': %s", rp.buf, strerror(errno));
				m->files_failed++;
			} else {
				m->files_skipped++;
			}
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			bool loop = false;
			for (int k = 0; k < L->depth; k++)
				if (L->stack[k].dev == st.st_dev && L->stack[k].ino == st.st_ino)
					loop = true;
			if (loop || L->depth >= MAX_WALK_DEPTH) {
				mm_diags_add(&item_new(L)->rd, MM_DIAG_WARNING, rp.buf, -1,
					     "not descending into '%s': %s", rp.buf,
					     loop ? "directory loop" : "too deep");
				continue;
			}
			L->stack[L->depth].dev = st.st_dev;
			L->stack[L->depth].ino = st.st_ino;
			L->depth++;
			walk(L, fp.buf, rp.buf);
			L->depth--;
		} else if (S_ISREG(st.st_mode) && is_json_name(names[i])) {
			add_file(L, fp.buf, rp.buf, fp.buf, st.st_size);
		} else {
			m->files_skipped++;
		}
	}
	strbuf_release(&fp);
	strbuf_release(&rp);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void load_init(struct ld_load *L, struct mm_model *m, const struct snapshot_opts *o)
{
	memset(L, 0, sizeof(*L));
	L->st.m = m;
	json_pool_init(&L->st.pool, &m->arena);
	L->o = o;
	L->max_file = o && o->max_file_size ? o->max_file_size : DEFAULT_MAX_FILE;
	if (o)
		L->lim = o->lim;
	if (!L->lim.max_string)
		L->lim.max_string = JSON_DEFAULT_MAX_STRING;
	if (!L->lim.max_depth)
		L->lim.max_depth = JSON_DEFAULT_MAX_DEPTH;
	L->diag_base = m->diags.nr;
	L->wcap = LD_WINDOW;
	L->win = xmalloc(L->wcap);
	json_scratch_init(&L->scr);
}

/* Read and parse diagnostics first, in walk order, then those of the
 * extraction: the order they had when every file was parsed first. */
static void splice_diags(struct ld_load *L)
{
	struct mm_diags *d = &L->st.m->diags;
	size_t add = 0;
	for (size_t i = 0; i < L->nitems; i++)
		add += L->items[i].rd.nr;
	if (!add)
		return;
	size_t tail = d->nr - L->diag_base;
	ALLOC_GROW(d->v, d->nr + add, d->alloc);
	memmove(d->v + L->diag_base + add, d->v + L->diag_base, tail * sizeof(*d->v));
	size_t k = L->diag_base;
	for (size_t i = 0; i < L->nitems; i++) {
		struct mm_diags *rd = &L->items[i].rd;
		if (!rd->nr)
			continue;
		memcpy(d->v + k, rd->v, rd->nr * sizeof(*rd->v));
		k += rd->nr;
		d->nr_errors += rd->nr_errors;
		d->nr_warnings += rd->nr_warnings;
		free(rd->v);
		memset(rd, 0, sizeof(*rd));
	}
	d->nr += add;
}

static void load_release(struct ld_load *L)
{
	for (size_t i = 0; i < L->nitems; i++) {
		free(L->items[i].full);
		mm_diags_release(&L->items[i].rd);
	}
	free(L->items);
	free(L->win);
	json_scratch_release(&L->scr);
	json_pool_release(&L->st.pool);
}

struct dir_hint {
	const char *dir;
	struct hint h;
};

static bool needs_hint(const struct ld_item *it)
{
	return it->rel && !(it->path_acc && it->path_reg);
}

/* Hint pass over the files whose path does not say everything, then
 * extraction of every file in walk order with its own hints, else those its
 * directory agrees on. */
static void load_items(struct ld_load *L)
{
	for (size_t i = 0; i < L->nitems; i++) {
		const struct ld_item *it = &L->items[i];
		if (it->rel)
			L->prog_total += it->size * (needs_hint(it) ? 2 : 1);
	}
	progress_report(L, 0);
	for (size_t i = 0; i < L->nitems; i++) {
		if (needs_hint(&L->items[i])) {
			item_hint(L, &L->items[i]);
			progress_file_done(L, &L->items[i]);
		}
	}
	struct hmap dirs = HMAP_INIT;
	struct dir_hint *dh = xcalloc(L->nitems ? L->nitems : 1, sizeof(*dh));
	size_t ndh = 0;
	for (size_t i = 0; i < L->nitems; i++) {
		struct ld_item *it = &L->items[i];
		if (!it->hinted || it->failed)
			continue;
		struct dir_hint *x = hmap_get(&dirs, it->dir);
		if (!x) {
			x = &dh[ndh++];
			x->dir = it->dir;
			hmap_put(&dirs, it->dir, x);
		}
		if (it->hint.acc_conflict)
			x->h.acc_conflict = true;
		else
			hint_acc(&x->h, it->hint.acc);
		if (it->hint.reg_conflict)
			x->h.reg_conflict = true;
		else
			hint_reg(&x->h, it->hint.reg);
	}
	for (size_t i = 0; i < L->nitems; i++) {
		struct ld_item *it = &L->items[i];
		if (!it->rel)
			continue;
		if (it->failed) {
			L->prog_done += it->size;
			continue;
		}
		const char *acc = NULL, *reg = NULL;
		if (it->hinted) {
			struct dir_hint *x = hmap_get(&dirs, it->dir);
			acc = it->hint.acc_conflict ? NULL : it->hint.acc;
			reg = it->hint.reg_conflict ? NULL : it->hint.reg;
			if (!acc && !x->h.acc_conflict)
				acc = x->h.acc;
			if (!reg && !x->h.reg_conflict)
				reg = x->h.reg;
		}
		item_extract(L, it, acc, reg);
		progress_file_done(L, it);
	}
	free(dh);
	hmap_release(&dirs);
	splice_diags(L);
}

int snapshot_load(struct mm_model *m, const char *path, const struct snapshot_opts *o,
		  struct mm_err *e)
{
	m->root = arena_strdup(&m->arena, path);
	struct stat st;
	if (stat(path, &st) < 0) {
		int err = errno;
		mm_model_index(m);
		return mm_err_set(e, MM_EIO, "cannot open snapshot '%s': %s", path, strerror(err));
	}
	struct ld_load L;
	load_init(&L, m, o);
	if (S_ISDIR(st.st_mode)) {
		DIR *dir = opendir(path);
		if (!dir) {
			int err = errno;
			load_release(&L);
			mm_model_index(m);
			return mm_err_set(e, MM_EIO, "cannot open snapshot '%s': %s", path,
					  strerror(err));
		}
		closedir(dir);
		/* strip trailing slashes so full paths stay tidy */
		char *root = xstrdup(path);
		size_t n = strlen(root);
		while (n > 1 && root[n - 1] == '/')
			root[--n] = '\0';
		L.stack[0].dev = st.st_dev;
		L.stack[0].ino = st.st_ino;
		L.depth = 1;
		walk(&L, root, "");
		free(root);
	} else if (S_ISREG(st.st_mode)) {
		const char *b = strrchr(path, '/');
		add_file(&L, path, b ? b + 1 : path, path, st.st_size);
	} else {
		load_release(&L);
		mm_model_index(m);
		return mm_err_set(e, MM_EIO, "cannot open snapshot '%s': not a file or directory",
				  path);
	}
	load_items(&L);
	ld_finish(m, true);
	load_release(&L);
	mm_model_index(m);
	return 0;
}

int snapshot_load_buffer(struct mm_model *m, const char *name, const char *buf, size_t len,
			 const struct snapshot_opts *o, struct mm_err *e)
{
	struct ld_load L;
	load_init(&L, m, o);
	const char *rel = arena_strdup(&m->arena, name);
	if (!len) {
		mm_diags_add(&m->diags, MM_DIAG_ERROR, rel, -1, "cannot load '%s': empty file",
			     rel);
		m->files_failed++;
		load_release(&L);
		return mm_err_set(e, MM_EPARSE, "cannot load '%s': empty file", rel);
	}
	if (len > L.max_file) {
		mm_diags_add(&m->diags, MM_DIAG_ERROR, rel, -1,
			     "cannot load '%s': size %zu exceeds the limit of %zu bytes", rel, len,
			     L.max_file);
		m->files_failed++;
		load_release(&L);
		return mm_err_set(e, MM_ELIMIT,
				  "cannot load '%s': size %zu exceeds the limit of %zu bytes", rel,
				  len, L.max_file);
	}
	L.mem = buf;
	L.memlen = len;
	struct ld_item *it = item_new(&L);
	it->rel = rel;
	it->dir = "";
	path_scope(&L.st, rel, &it->path_acc, &it->path_reg);
	if (needs_hint(it))
		item_hint(&L, it);
	if (!it->failed) {
		const char *acc = NULL, *reg = NULL;
		if (it->hinted) {
			acc = it->hint.acc_conflict ? NULL : it->hint.acc;
			reg = it->hint.reg_conflict ? NULL : it->hint.reg;
		}
		item_extract(&L, it, acc, reg);
	}
	int r = 0;
	if (it->failed) {
		r = it->err;
		mm_err_set(e, r, "%s", it->rd.v[it->rd.nr - 1].msg);
	}
	splice_diags(&L);
	if (!r)
		ld_finish(m, false);
	load_release(&L);
	return r;
}
