/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loader internals shared by load.c (walk, read, decompress, parse, dispatch,
 * cross-file linking) and the per-service extractors load-ec2.c, load-elb.c
 * and load-iam.c.
 *
 * One struct ld_file describes the document being extracted: its path
 * relative to the snapshot root, the account/region the path says, the
 * account/region hinted by its content and its directory, and the count of
 * records dropped for a wrong type. Extractors read fields through the ld_*
 * accessors, which treat JSON null as absent and flag a present value of the
 * wrong type on the record being built (f->bad); ld_keep() then decides
 * whether the record is pushed or counted as skipped.
 *
 * Every string and array an extractor stores lives in the model arena: DOM
 * strings are kept in the model's string pool (st->pool) whatever happens to
 * the nodes. The loader's scratch maps (the pool's index) live in struct
 * ld_state and are freed when the load call returns. Records waiting for a
 * resource from another file (listeners, target health, permissions,
 * prefix-list entries) are kept in struct ld_pending, in the arena, hung on
 * m->load_state.
 *
 * Streamed kinds (instances, interfaces, volumes, snapshots, images,
 * addresses, launch-template versions: the lists that grow with the account)
 * are extracted one record at a time by an ld_item_fn while the file is
 * read, and the record's nodes are dropped right after: an item extractor
 * may keep strings from the DOM but never a node (r.raw is cleared by the
 * loader after the call), and never reads f->root. Every other kind is
 * extracted from a DOM kept in the model arena (r.raw stays valid; IAM
 * documents are read later as DOMs).
 */
#ifndef MM_LOAD_INT_H
#define MM_LOAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws/model.h"
#include "base/hmap.h"
#include "base/json.h"

struct ld_state {
	struct mm_model *m;
	struct json_pool pool; /* DOM strings, pointers, interned names */
};

struct ld_file {
	struct mm_model *m;
	struct ld_state *st;
	const char *file;			/* relative path (arena) */
	const char *stem;			/* file name without directory and .json[.gz] */
	const struct json *root;		/* NULL while records are streamed */
	const char *path_account, *path_region; /* NULL when the path says nothing */
	const char *hint_account, *hint_region; /* content of the file, then of its directory */

	/* the record being built */
	bool bad;
	const char *bad_why;

	/* dropped records (one diagnostic per file) */
	size_t nskipped;
	long long first_skip_off;
	const char *first_skip_why;

	/* last scope whose bit was set, to avoid a lookup per record */
	const char *last_acc, *last_reg;
	unsigned long long last_kinds;
};

/* ---- pending cross-file records (arena) ---- */

struct ld_listeners {
	struct ld_listeners *next;
	const char *lb_arn;
	struct mm_lb_listener *v;
	size_t n;
	const char *file;
	long long off;
};

struct ld_health {
	struct ld_health *next;
	const char *tg_arn; /* NULL: match stem against target-group ARNs */
	const char *stem;
	struct mm_tg_target *v;
	size_t n;
	const char *file;
	long long off;
};

struct ld_perm {
	struct ld_perm *next;
	bool image; /* else snapshot */
	const char *id;
	enum mm_tri is_public;
	const char **shared;
	size_t nshared;
	struct mm_loc loc;
	const char *account;
};

struct ld_entries {
	struct ld_entries *next;
	const char *pl_id;
	struct mm_cidr *cidrs;
	size_t n;
	struct mm_loc loc;
	const struct json *raw;
	const char *account, *region;
	bool created; /* materialised as its own prefix-list record */
};

struct ld_pending {
	struct ld_listeners *listeners;
	struct ld_health *health;
	struct ld_perm *perms;
	struct ld_entries *entries;
};

struct ld_pending *ld_pending(struct mm_model *m);

/* ---- accessors: NULL/absent for null; set f->bad on a wrong type ---- */

void ld_bad(struct ld_file *f, const char *why);

/* json_get() for the hot path: inlined so strlen of a literal key folds,
 * and the first byte is compared before memcmp. */
static inline const struct json *ld_get(const struct json *o, const char *key)
{
	if (!o || o->type != JSON_OBJECT)
		return NULL;
	size_t kl = strlen(key);
	const struct json_member *mb = o->u.members;
	for (uint32_t i = 0; i < o->n; i++)
		if (mb[i].klen == kl && mb[i].key[0] == key[0] && !memcmp(mb[i].key, key, kl))
			return &mb[i].v;
	return NULL;
}

/* String member or NULL, without type checking (optional context). */
static inline const char *ld_sget(const struct json *o, const char *key)
{
	const struct json *v = ld_get(o, key);
	return v && v->type == JSON_STRING ? v->u.s : NULL;
}

static inline const char *ld_str(struct ld_file *f, const struct json *o, const char *key)
{
	const struct json *v = ld_get(o, key);
	if (!v || v->type == JSON_NULL)
		return NULL;
	if (v->type != JSON_STRING) {
		ld_bad(f, key);
		return NULL;
	}
	return v->u.s;
}

static inline const struct json *ld_arr(struct ld_file *f, const struct json *o, const char *key)
{
	const struct json *v = ld_get(o, key);
	if (!v || v->type == JSON_NULL)
		return NULL;
	if (v->type != JSON_ARRAY) {
		ld_bad(f, key);
		return NULL;
	}
	return v;
}

static inline const struct json *ld_obj(struct ld_file *f, const struct json *o, const char *key)
{
	const struct json *v = ld_get(o, key);
	if (!v || v->type == JSON_NULL)
		return NULL;
	if (v->type != JSON_OBJECT) {
		ld_bad(f, key);
		return NULL;
	}
	return v;
}

/* 0 and *out set, or -1 when absent (or wrong type, flagged). */
int ld_int(struct ld_file *f, const struct json *o, const char *key, long long *out);
enum mm_tri ld_bool(struct ld_file *f, const struct json *o, const char *key);
/* Array of strings, or of objects whose `field` is a string (field != NULL). */
const char **ld_strs(struct ld_file *f, const struct json *arr, const char *field, size_t *n);

/* JSON pointer of a child, in the arena. */
const char *ld_ptr_idx(struct ld_file *f, const char *parent, size_t i);
const char *ld_ptr_key(struct ld_file *f, const char *parent, const char *key);
static inline struct mm_loc ld_loc(struct ld_file *f, const char *ptr)
{
	struct mm_loc l = { f->file, ptr };
	return l;
}

/* Interned copy of s[0..n) in the model arena. */
const char *ld_intern(struct ld_state *st, const char *s, size_t n);

/* Account and region named by an ARN (NULL if not), interned. */
void ld_arn_scope(struct ld_file *f, const char *arn, const char **acc, const char **reg);
/* Region of an availability-zone name ("us-east-2b" -> "us-east-2"), or NULL. */
const char *ld_az_region(struct ld_file *f, const char *az);
bool ld_is_account(const char *s, size_t n);
bool ld_is_region(const char *s, size_t n);

/*
 * Start a record: clear the bad flag. ld_res() then fills the common head
 * (id, arn, account and region by precedence path > content > hints, loc,
 * raw, tags) and marks the (account, region) scope as having `kind`.
 * Returns false (record not to be kept) when id is missing.
 */
static inline void ld_begin(struct ld_file *f)
{
	f->bad = false;
	f->bad_why = NULL;
}
bool ld_res(struct ld_file *f, struct mm_res *r, const struct json *rec, const char *id,
	    const char *ptr, const char *acc, const char *reg, enum mm_kind kind);
/* True if the record may be pushed (and marks its scope as having kind);
 * else counts it as skipped. */
bool ld_keep(struct ld_file *f, const struct mm_res *r, enum mm_kind kind);
/* Element i of array v if it is an object; else counted as skipped, NULL. */
const struct json *ld_rec(struct ld_file *f, const struct json *v, uint32_t i);
/* The same for one item. */
const struct json *ld_rec1(struct ld_file *f, const struct json *item);
/* Count a record that is not an object, or a list that is not an array. */
void ld_skip(struct ld_file *f, const struct json *v, const char *why);
/* Set the `have` bit of kind for (acc, reg) (file scope when both NULL). */
void ld_mark(struct ld_file *f, enum mm_kind kind, const char *acc, const char *reg);
/* The file's own scope. */
struct mm_scope *ld_file_scope(struct ld_file *f);
const char *ld_file_account(struct ld_file *f);
const char *ld_file_region(struct ld_file *f);

/* Decode a policy document held as a URL-encoded (or plain) JSON string,
 * replacing the node in place by the parsed value. No-op for objects. */
void ld_decode_doc(struct ld_file *f, const struct json *node, const char *ptr);

/* ---- extractors: v is the value of the recognised top-level key ---- */

typedef void ld_fn(struct ld_file *f, const struct json *v, const char *key);

ld_fn ld_sgs, ld_nacls, ld_rtbs, ld_subnets, ld_vpcs, ld_igws, ld_eigws, ld_nats, ld_pcxs,
    ld_prefix_lists, ld_pl_entries, ld_snapshot_perms, ld_image_perms, ld_flow_logs, ld_ebs_default,
    ld_imds_defaults, ld_serial_console;

/* Streamed kinds: item i of the list under the top-level key whose JSON
 * pointer is base ("/Reservations"). */
typedef void ld_item_fn(struct ld_file *f, const struct json *item, const char *base, uint32_t i);

ld_item_fn ld_reservation, ld_bare_instance, ld_eni, ld_eip, ld_volume, ld_snapshot, ld_image,
    ld_lt_version;
ld_fn ld_lbs, ld_classic_lbs, ld_listeners, ld_listener_wrapper, ld_tgs, ld_tg_health,
    ld_tg_health_wrapper;
ld_fn ld_iam;

#define LD_PUSH(m, vec, rec)                                        \
	do {                                                        \
		ALLOC_GROW((m)->vec, (m)->n##vec + 1, (m)->a##vec); \
		(m)->vec[(m)->n##vec++] = (rec);                    \
	} while (0)

#endif
