/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot loader: the walk and the plumbing. snapshot_load() lists the tree
 * in sorted order, reads every .json / .json.gz file (open/fstat/read, gzip
 * through zlib with concatenated members), parses it into the model arena,
 * infers account and region hints per file and per directory, then hands
 * each document to the extractor of its top-level key (load-ec2.c,
 * load-elb.c, load-iam.c). Records that belong to a resource described in
 * another file wait in struct ld_pending until ld_finish() links them; the
 * same step drops instance-synthesised ENIs that describe-network-interfaces
 * also lists.
 *
 * Parsing every file before extracting any costs nothing extra (the model
 * keeps the DOM anyway) and lets a file that says nothing about its region
 * (security groups, NACLs) take the region its sibling files agree on.
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

static char *ptr_cat(struct ld_file *f, const char *parent, size_t plen, const char *seg,
		     size_t slen)
{
	char *p = arena_alloc(&f->m->arena, plen + slen + 2);
	memcpy(p, parent, plen);
	p[plen] = '/';
	memcpy(p + plen + 1, seg, slen);
	p[plen + 1 + slen] = '\0';
	return p;
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
	const char *r = arena_strndup(&f->m->arena, sb.buf, sb.len);
	strbuf_release(&sb);
	return r;
}

const char *ld_intern(struct ld_state *st, const char *s, size_t n)
{
	char buf[128];
	if (n >= sizeof(buf))
		return arena_strndup(&st->m->arena, s, n);
	memcpy(buf, s, n);
	buf[n] = '\0';
	const char *v = hmap_get(&st->intern, buf);
	if (v)
		return v;
	char *c = arena_strndup(&st->m->arena, s, n);
	hmap_put(&st->intern, c, c);
	return c;
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
/* reading and decompressing                                           */

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !strcasecmp(s + n - k, suf);
}

/* Streaming check on decompressed bytes: fail as soon as one JSON string is
 * certainly longer than the parser would accept, so a small gzip bomb of one
 * huge string is refused after max_string bytes, not after max_file_size. */
struct strscan {
	bool in_str;
	int esc;      /* -1: after a backslash; 1..4: inside \uXXXX */
	size_t start; /* offset of the opening quote */
	size_t dec;   /* decoded bytes so far (a lower bound) */
};

static long long strscan_feed(struct strscan *s, const char *buf, size_t from, size_t to,
			      size_t max_string)
{
	size_t i = from;
	while (i < to) {
		if (!s->in_str) {
			const char *q = memchr(buf + i, '"', to - i);
			if (!q)
				return -1;
			s->in_str = true;
			s->start = (size_t)(q - buf);
			s->dec = 0;
			s->esc = 0;
			i = s->start + 1;
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

static int gunzip(struct mm_model *m, const char *name, const unsigned char *in, size_t inlen,
		  size_t max, size_t max_string, char **out, size_t *outlen, struct mm_err *e)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return mm_err_set(e, MM_EIO, "cannot decompress '%s': zlib initialisation failed",
				  name);
	size_t cap = 1 << 16;
	if (inlen >= 18) {
		/* ISIZE of the last member: a size hint, never trusted */
		const unsigned char *t = in + inlen - 4;
		size_t isz =
		    (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
		if (isz + 16 > cap)
			cap = isz + 16;
	}
	if (cap > ((size_t)256 << 20))
		cap = (size_t)256 << 20;
	if (cap > max + 1)
		cap = max + 1;
	char *buf = xmalloc(cap);
	size_t len = 0, pos = 0;
	struct strscan ss = { 0 };
	int rc = 0;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				rc = mm_err_set(
				    e, MM_ELIMIT,
				    "cannot load '%s': decompressed size exceeds the limit "
				    "of %zu bytes",
				    name, max);
				break;
			}
			cap = cap > max / 2 ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		size_t in_chunk = inlen - pos > (1u << 30) ? (1u << 30) : inlen - pos;
		size_t out_chunk = cap - len > (1u << 30) ? (1u << 30) : cap - len;
		zs.next_in = (unsigned char *)(uintptr_t)(in + pos);
		zs.avail_in = (uInt)in_chunk;
		zs.next_out = (unsigned char *)buf + len;
		zs.avail_out = (uInt)out_chunk;
		int r = inflate(&zs, Z_NO_FLUSH);
		size_t used = in_chunk - zs.avail_in;
		size_t made = out_chunk - zs.avail_out;
		pos += used;
		long long bad = strscan_feed(&ss, buf, len, len + made, max_string);
		len += made;
		if (bad >= 0) {
			rc = mm_err_set(e, MM_ELIMIT,
					"cannot load '%s': string at decompressed offset %lld "
					"exceeds the limit of %zu bytes (too large)",
					name, bad, max_string);
			break;
		}
		if (r == Z_STREAM_END) {
			size_t k = pos;
			while (k < inlen && in[k] == 0)
				k++;
			if (k == inlen)
				break;
			if (inlen - pos >= 2 && in[pos] == 0x1f && in[pos + 1] == 0x8b) {
				inflateReset(&zs);
				continue;
			}
			mm_diags_add(&m->diags, MM_DIAG_WARNING, name, (long long)pos,
				     "ignoring %zu bytes of trailing data after the gzip stream in "
				     "'%s' at compressed offset %zu",
				     inlen - pos, name, pos);
			break;
		}
		if (r == Z_DATA_ERROR || r == Z_NEED_DICT || r == Z_MEM_ERROR ||
		    r == Z_STREAM_ERROR) {
			rc = mm_err_set(e, MM_EPARSE,
					"cannot decompress '%s': corrupt gzip data at compressed "
					"offset %zu (%s)",
					name, pos, zs.msg ? zs.msg : "inflate error");
			break;
		}
		if (pos == inlen && zs.avail_out > 0 && !made) {
			rc = mm_err_set(e, MM_EPARSE,
					"cannot decompress '%s': truncated gzip data at compressed "
					"offset %zu",
					name, pos);
			break;
		}
	}
	inflateEnd(&zs);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* Read a whole file (plain or gzip) into a malloc'd buffer. */
static int read_file(struct mm_model *m, const char *full, const char *name, bool gz, size_t max,
		     size_t max_string, char **out, size_t *outlen, struct mm_err *e)
{
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mm_err_set(e, MM_EIO, "cannot open '%s': %s", name, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return mm_err_set(e, MM_EIO, "cannot stat '%s': %s", name, strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return mm_err_set(e, MM_EIO, "cannot read '%s': not a regular file", name);
	}
	if (st.st_size == 0) {
		close(fd);
		return mm_err_set(e, MM_EPARSE, "cannot load '%s': empty file", name);
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return mm_err_set(e, MM_ELIMIT,
				  "cannot load '%s': file size %lld exceeds the limit of %zu bytes",
				  name, (long long)st.st_size, max);
	}
	size_t size = (size_t)st.st_size;
	char *buf = xmalloc(size + 1);
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			free(buf);
			close(fd);
			return mm_err_set(e, MM_EIO, "cannot read '%s': %s", name, strerror(err));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!got) {
		free(buf);
		return mm_err_set(e, MM_EPARSE, "cannot load '%s': empty file", name);
	}
	if (!gz && !(got >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b)) {
		*out = buf;
		*outlen = got;
		return 0;
	}
	char *plain = NULL;
	size_t plen = 0;
	int r = gunzip(m, name, (const unsigned char *)buf, got, max, max_string, &plain, &plen, e);
	free(buf);
	if (r)
		return r;
	if (!plen) {
		free(plain);
		return mm_err_set(e, MM_EPARSE, "cannot load '%s': empty file", name);
	}
	*out = plain;
	*outlen = plen;
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

static void hint_scan(struct ld_file *f, struct hint *h, const struct json *v)
{
	if (!h->budget)
		return;
	h->budget--;
	if (v->type == JSON_ARRAY) {
		for (uint32_t i = 0; i < v->n && h->budget; i++)
			hint_scan(f, h, &v->u.items[i]);
	} else if (v->type == JSON_OBJECT) {
		for (uint32_t i = 0; i < v->n && h->budget; i++) {
			const struct json_member *mb = &v->u.members[i];
			const struct json *c = &mb->v;
			if (c->type == JSON_STRING) {
				const char *s = c->u.s;
				if (!strcmp(mb->key, "OwnerId")) {
					if (ld_is_account(s, c->n))
						hint_acc(h, ld_intern(f->st, s, c->n));
				} else if (!strcmp(mb->key, "AvailabilityZone") ||
					   !strcmp(mb->key, "ZoneName")) {
					hint_reg(h, ld_az_region(f, s));
				} else if (!strcmp(mb->key, "RegionName") ||
					   !strcmp(mb->key, "Region")) {
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
	}
}

/* ------------------------------------------------------------------ */
/* recognising documents                                               */

enum { EXPECT_ARRAY, EXPECT_OBJECT, EXPECT_BOOL, EXPECT_ANY };

struct ld_key {
	const char *key;
	ld_fn *fn;
	int kind; /* enum mm_kind, or MM_K__COUNT: nothing to mark */
	int expect;
};

static const struct ld_key known_keys[] = {
	{ "Reservations", ld_reservations, MM_K_INSTANCES, EXPECT_ARRAY },
	{ "Instances", ld_bare_instances, MM_K_INSTANCES, EXPECT_ARRAY },
	{ "SecurityGroups", ld_sgs, MM_K_SGS, EXPECT_ARRAY },
	{ "NetworkAcls", ld_nacls, MM_K_NACLS, EXPECT_ARRAY },
	{ "RouteTables", ld_rtbs, MM_K_RTBS, EXPECT_ARRAY },
	{ "Subnets", ld_subnets, MM_K_SUBNETS, EXPECT_ARRAY },
	{ "Vpcs", ld_vpcs, MM_K_VPCS, EXPECT_ARRAY },
	{ "InternetGateways", ld_igws, MM_K_IGWS, EXPECT_ARRAY },
	{ "EgressOnlyInternetGateways", ld_eigws, MM_K_EIGWS, EXPECT_ARRAY },
	{ "NatGateways", ld_nats, MM_K_NATS, EXPECT_ARRAY },
	{ "VpcPeeringConnections", ld_pcxs, MM_K_PCXS, EXPECT_ARRAY },
	{ "NetworkInterfaces", ld_enis, MM_K_ENIS, EXPECT_ARRAY },
	{ "Addresses", ld_eips, MM_K_EIPS, EXPECT_ARRAY },
	{ "PrefixLists", ld_prefix_lists, MM_K_PREFIX_LISTS, EXPECT_ARRAY },
	{ "Entries", ld_pl_entries, MM_K_PL_ENTRIES, EXPECT_ARRAY },
	{ "LoadBalancers", ld_lbs, MM_K_LBS, EXPECT_ARRAY },
	{ "LoadBalancerDescriptions", ld_classic_lbs, MM_K_CLASSIC_LBS, EXPECT_ARRAY },
	{ "Listeners", ld_listeners, MM_K_LISTENERS, EXPECT_ARRAY },
	{ "LoadBalancerListeners", ld_listener_wrapper, MM_K_LISTENERS, EXPECT_ARRAY },
	{ "TargetGroups", ld_tgs, MM_K_TGS, EXPECT_ARRAY },
	{ "TargetHealthDescriptions", ld_tg_health, MM_K_TG_HEALTH, EXPECT_ARRAY },
	{ "LoadBalancerTargetHealth", ld_tg_health_wrapper, MM_K_TG_HEALTH, EXPECT_ARRAY },
	{ "Volumes", ld_volumes, MM_K_VOLUMES, EXPECT_ARRAY },
	{ "Snapshots", ld_snapshots, MM_K_SNAPSHOTS, EXPECT_ARRAY },
	{ "CreateVolumePermissions", ld_snapshot_perms, MM_K_SNAP_PERMS, EXPECT_ARRAY },
	{ "LaunchPermissions", ld_image_perms, MM_K__COUNT, EXPECT_ARRAY },
	{ "Images", ld_images, MM_K_IMAGES, EXPECT_ARRAY },
	{ "FlowLogs", ld_flow_logs, MM_K_FLOW_LOGS, EXPECT_ARRAY },
	{ "LaunchTemplateVersions", ld_lt_versions, MM_K_LT_VERSIONS, EXPECT_ARRAY },
	{ "EbsEncryptionByDefault", ld_ebs_default, MM_K_EBS_DEFAULT, EXPECT_BOOL },
	{ "AccountLevel", ld_imds_defaults, MM_K_IMDS_DEFAULTS, EXPECT_OBJECT },
	{ "SerialConsoleAccessEnabled", ld_serial_console, MM_K_SERIAL_CONSOLE, EXPECT_BOOL },
	{ "UserDetailList", ld_iam, MM_K_IAM, EXPECT_ANY },
	{ "GroupDetailList", ld_iam, MM_K_IAM, EXPECT_ANY },
	{ "RoleDetailList", ld_iam, MM_K_IAM, EXPECT_ANY },
	{ "Policies", ld_iam, MM_K_IAM, EXPECT_ANY },
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

/* Extract one parsed document. Returns true if it was recognised. */
static bool extract_doc(struct ld_file *f)
{
	struct mm_model *m = f->m;
	const struct json *root = f->root;
	if (root->type != JSON_OBJECT) {
		mm_diags_add(&m->diags, MM_DIAG_WARNING, f->file, (long long)root->off,
			     "unrecognised file '%s': top-level value is %s %s, not an object",
			     f->file, root->type == JSON_ARRAY ? "an" : "a",
			     json_type_name(root->type));
		m->files_skipped++;
		return false;
	}
	bool known = false, iam_done = false;
	const char *unknown = NULL;
	long long unknown_off = -1;
	for (uint32_t i = 0; i < root->n; i++) {
		const struct json_member *mb = &root->u.members[i];
		const struct ld_key *k = find_key(mb->key);
		if (!k) {
			if (is_unused_key(mb->key)) {
				known = true;
			} else if (!in_list(mb->key, noise_keys,
					    sizeof(noise_keys) / sizeof(noise_keys[0])) &&
				   !unknown) {
				unknown = mb->key;
				unknown_off = (long long)mb->v.off;
			}
			continue;
		}
		known = true;
		if (mb->v.type == JSON_NULL)
			continue;
		if (k->fn == ld_iam) {
			if (iam_done)
				continue;
			iam_done = true;
		}
		if (!expect_ok(&mb->v, k->expect)) {
			ld_skip(f, &mb->v, expect_name(k->expect));
			continue;
		}
		if (k->kind != MM_K__COUNT && k->fn != ld_iam)
			ld_mark(f, k->kind, NULL, NULL);
		k->fn(f, &mb->v, mb->key);
	}
	if (f->nskipped)
		mm_diags_add(&m->diags, MM_DIAG_ERROR, f->file, f->first_skip_off,
			     "skipped %zu record%s in '%s' with a missing id or a wrong type; "
			     "first at offset %lld (%s)",
			     f->nskipped, f->nskipped == 1 ? "" : "s", f->file, f->first_skip_off,
			     f->first_skip_why ? f->first_skip_why : "wrong type");
	if (!known) {
		if (unknown)
			mm_diags_add(&m->diags, MM_DIAG_WARNING, f->file, unknown_off,
				     "unrecognised file '%s': unknown top-level key '%s'", f->file,
				     unknown);
		else
			mm_diags_add(&m->diags, MM_DIAG_WARNING, f->file, (long long)root->off,
				     "unrecognised file '%s': no top-level key", f->file);
		m->files_skipped++;
		return false;
	}
	m->files_loaded++;
	return true;
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
/* documents and the walk                                              */

struct ld_doc {
	const char *rel; /* arena */
	const char *dir; /* arena: rel without its last component ("" at the root) */
	const char *full;
	const struct json *root;
	const char *path_acc, *path_reg;
	struct hint hint;
};

struct ld_load {
	struct ld_state st;
	const struct snapshot_opts *o;
	size_t max_file;
	struct json_limits lim;
	struct ld_doc *docs;
	size_t ndocs, adocs;
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

static void doc_hint(struct ld_state *st, struct ld_doc *d)
{
	struct ld_file f;
	memset(&f, 0, sizeof(f));
	f.m = st->m;
	f.st = st;
	memset(&d->hint, 0, sizeof(d->hint));
	d->hint.budget = HINT_BUDGET;
	/* IAM is global: its documents say nothing about a region */
	if (ld_get(d->root, "RoleDetailList") || ld_get(d->root, "UserDetailList") ||
	    ld_get(d->root, "GroupDetailList") || ld_get(d->root, "Policies"))
		d->hint.no_region = true;
	hint_scan(&f, &d->hint, d->root);
}

static void extract_one(struct ld_state *st, struct ld_doc *d, const char *hacc, const char *hreg)
{
	struct ld_file f;
	memset(&f, 0, sizeof(f));
	f.m = st->m;
	f.st = st;
	f.file = d->rel;
	f.stem = file_stem(st->m, d->rel);
	f.root = d->root;
	f.path_account = d->path_acc;
	f.path_region = d->path_reg;
	f.hint_account = hacc;
	f.hint_region = hreg;
	f.first_skip_off = -1;
	extract_doc(&f);
}

static int parse_doc(struct ld_load *L, struct ld_doc *d, const char *buf, size_t len)
{
	struct mm_model *m = L->st.m;
	struct json *root = NULL;
	long long off = -1;
	struct mm_err pe = { 0 };
	int r = json_parse(&m->arena, buf, len, &L->lim, &root, &off, &pe);
	if (r) {
		unsigned long line = 0, col = 0;
		json_line_col(buf, len, off < 0 ? 0 : (size_t)off, &line, &col);
		mm_diags_add(&m->diags, MM_DIAG_ERROR, d->rel, off,
			     "cannot parse '%s': %s (line %lu, column %lu)", d->rel, pe.msg, line,
			     col);
		m->files_failed++;
		return r;
	}
	d->root = root;
	return 0;
}

static void add_file(struct ld_load *L, const char *full, const char *rel,
		     const char *path_for_scope)
{
	struct mm_model *m = L->st.m;
	bool gz = has_suffix(rel, ".gz");
	char *buf = NULL;
	size_t len = 0;
	struct mm_err e = { 0 };
	struct ld_doc d;
	memset(&d, 0, sizeof(d));
	d.rel = arena_strdup(&m->arena, rel);
	const char *slash = strrchr(d.rel, '/');
	d.dir = slash ? arena_strndup(&m->arena, d.rel, (size_t)(slash - d.rel)) : "";
	int r = read_file(m, full, d.rel, gz, L->max_file, L->lim.max_string, &buf, &len, &e);
	if (r) {
		mm_diags_add(&m->diags, MM_DIAG_ERROR, d.rel, -1, "%s", e.msg);
		m->files_failed++;
		return;
	}
	r = parse_doc(L, &d, buf, len);
	free(buf);
	if (r)
		return;
	path_scope(&L->st, path_for_scope, &d.path_acc, &d.path_reg);
	doc_hint(&L->st, &d);
	ALLOC_GROW(L->docs, L->ndocs + 1, L->adocs);
	L->docs[L->ndocs++] = d;
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
		mm_diags_add(&m->diags, MM_DIAG_ERROR, rel[0] ? rel : NULL, -1,
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
	qsort(names, n, sizeof(*names), cmp_str);
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
				mm_diags_add(&m->diags, MM_DIAG_ERROR, rp.buf, -1,
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
				mm_diags_add(&m->diags, MM_DIAG_WARNING, rp.buf, -1,
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
			add_file(L, fp.buf, rp.buf, fp.buf);
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
	L->o = o;
	L->max_file = o && o->max_file_size ? o->max_file_size : DEFAULT_MAX_FILE;
	if (o)
		L->lim = o->lim;
	if (!L->lim.max_string)
		L->lim.max_string = JSON_DEFAULT_MAX_STRING;
	if (!L->lim.max_depth)
		L->lim.max_depth = JSON_DEFAULT_MAX_DEPTH;
}

static void load_release(struct ld_load *L)
{
	free(L->docs);
	hmap_release(&L->st.intern);
}

struct dir_hint {
	const char *dir;
	struct hint h;
};

/* Merge the content hints of the documents of each directory. */
static void extract_all(struct ld_load *L)
{
	struct hmap dirs = HMAP_INIT;
	struct dir_hint *dh = xcalloc(L->ndocs ? L->ndocs : 1, sizeof(*dh));
	size_t ndh = 0;
	for (size_t i = 0; i < L->ndocs; i++) {
		struct ld_doc *d = &L->docs[i];
		struct dir_hint *x = hmap_get(&dirs, d->dir);
		if (!x) {
			x = &dh[ndh++];
			x->dir = d->dir;
			hmap_put(&dirs, d->dir, x);
		}
		if (d->hint.acc_conflict)
			x->h.acc_conflict = true;
		else
			hint_acc(&x->h, d->hint.acc);
		if (d->hint.reg_conflict)
			x->h.reg_conflict = true;
		else
			hint_reg(&x->h, d->hint.reg);
	}
	for (size_t i = 0; i < L->ndocs; i++) {
		struct ld_doc *d = &L->docs[i];
		struct dir_hint *x = hmap_get(&dirs, d->dir);
		const char *acc = d->hint.acc_conflict ? NULL : d->hint.acc;
		const char *reg = d->hint.reg_conflict ? NULL : d->hint.reg;
		if (!acc && !x->h.acc_conflict)
			acc = x->h.acc;
		if (!reg && !x->h.reg_conflict)
			reg = x->h.reg;
		extract_one(&L->st, d, acc, reg);
	}
	free(dh);
	hmap_release(&dirs);
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
		add_file(&L, path, b ? b + 1 : path, path);
	} else {
		load_release(&L);
		mm_model_index(m);
		return mm_err_set(e, MM_EIO, "cannot open snapshot '%s': not a file or directory",
				  path);
	}
	extract_all(&L);
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
	struct ld_doc d;
	memset(&d, 0, sizeof(d));
	d.rel = arena_strdup(&m->arena, name);
	d.dir = "";
	if (!len) {
		mm_diags_add(&m->diags, MM_DIAG_ERROR, d.rel, -1, "cannot load '%s': empty file",
			     d.rel);
		m->files_failed++;
		load_release(&L);
		return mm_err_set(e, MM_EPARSE, "cannot load '%s': empty file", d.rel);
	}
	if (len > L.max_file) {
		mm_diags_add(&m->diags, MM_DIAG_ERROR, d.rel, -1,
			     "cannot load '%s': size %zu exceeds the limit of %zu bytes", d.rel,
			     len, L.max_file);
		m->files_failed++;
		load_release(&L);
		return mm_err_set(e, MM_ELIMIT,
				  "cannot load '%s': size %zu exceeds the limit of %zu bytes",
				  d.rel, len, L.max_file);
	}
	int r = parse_doc(&L, &d, buf, len);
	if (r) {
		const struct mm_diag *g = &m->diags.v[m->diags.nr - 1];
		mm_err_set(e, r, "%s", g->msg);
		load_release(&L);
		return r;
	}
	path_scope(&L.st, d.rel, &d.path_acc, &d.path_reg);
	doc_hint(&L.st, &d);
	extract_one(&L.st, &d, d.hint.acc_conflict ? NULL : d.hint.acc,
		    d.hint.reg_conflict ? NULL : d.hint.reg);
	ld_finish(m, false);
	load_release(&L);
	return 0;
}
