/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/trail internals: the event view over one record, the record scanners
 * behind it, field paths, the rule engines' common shape, and the candidates
 * that carry hits from the readers to correlation.
 *
 * The event view. A record is one JSON object in a buffer the reader owns.
 * A scanner splits it into its top-level members (key and value byte range)
 * without building anything; a member's value is parsed (json.c, in situ)
 * the first time a rule reads it and cached on the member. So a record no
 * rule is interested in costs one structural pass, and a record that one
 * rule looks at costs that pass plus the members the rule reads. The "dom"
 * scanner parses every member up front instead: same view, strict checking,
 * the baseline the lazy one is compared with (tests/unit/test_trail_scan.c).
 *
 * Lifetime: everything an event points to lives in the record buffer (until
 * the reader moves on) or in the event's arena (released per batch of
 * records). Whatever must outlive the record is copied into a candidate.
 */
#ifndef MM_TRAIL_INT_H
#define MM_TRAIL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trail.h"
#include "base/json.h"

/* ------------------------------------------------------------------ */
/* record scanner */

/* Window slack after the data: the scanners read up to this many bytes past
 * the end (never using them), so block compares need no tail loop. */
#define TR_PAD	     64
#define TR_MAX_DEPTH 256

struct tr_member {
	const char *key; /* decoded, NUL-terminated */
	uint32_t klen;
	uint32_t start, end; /* value bytes [start, end) relative to the record */
	struct json *v;	     /* parsed value, NULL until first read */
	int8_t state;	     /* 0 not parsed, 1 parsed, -1 malformed */
	int8_t kstate;	     /* object members scanned: 0 not yet, 1 yes, -1 not an object */
	uint32_t nkids;
	struct tr_member *kids; /* its members, ranges relative to the record (in the arena) */
};

enum {
	TR_SCAN_OK = 0,
	TR_SCAN_MORE = 1, /* the object continues past the buffer: need more bytes */
};

/*
 * Structural scan of the object at buf[pos] (buf holds len bytes, readable
 * to len + TR_PAD). On success fills the member table (keys decoded into
 * `a`, value ranges relative to pos) and *end (index after '}'). Returns
 * TR_SCAN_OK, TR_SCAN_MORE, or MM_EPARSE/MM_ELIMIT with *err_at (index into
 * buf) and msg. Checks: strings terminated, brackets balanced and matched,
 * ':' and ',' where they belong, depth; inside values it does not check
 * escapes, numbers or UTF-8 (json.c does when the member is read).
 */
int tr_scan_object(const char *buf, size_t len, size_t pos, struct arena *a, struct tr_member **m,
		   size_t *nm, size_t *am, size_t *end, size_t *err_at, const char **msg);
/* Skip one JSON value of any type at buf[pos]: same contract, no members. */
int tr_skip_value(const char *buf, size_t len, size_t pos, size_t *end, size_t *err_at,
		  const char **msg);
/* Index after the whitespace at buf[pos]. */
size_t tr_skip_ws(const char *buf, size_t len, size_t pos);

/* ------------------------------------------------------------------ */
/* event view */

struct tr_ctx;

struct tr_event {
	char *buf; /* record bytes (parsed in place), buf[len] readable + TR_PAD */
	size_t len;
	uint64_t off; /* document offset of buf[0] */
	struct tr_member *m;
	size_t nm, am;
	struct arena *a;
	const char *file;
	long long index; /* record number in the file */
	uint64_t seq;	 /* evt.num: 1-based number in the run */
	/* first member that failed to parse */
	int perr;
	long long perr_off;
	char perr_msg[256];
	/* cached */
	const char *name, *source;
	const char *rawtext; /* the record as compact JSON (keyword rules), in a */
	size_t rawlen;
	struct tr_ctx *ctx;
};

/* Parse every member now (the dom scanner; keyword rules). 0 or MM_EPARSE. */
int tr_event_parse_all(struct tr_event *ev);
/* The value of top-level member key (parsed on first use), NULL if absent or malformed. */
const struct json *tr_event_get(struct tr_event *ev, const char *key);
const char *tr_event_str(struct tr_event *ev, const char *key);
/* obj.a.b (dot path) as a string, NULL if absent or not a string. */
const char *tr_event_pstr(struct tr_event *ev, const char *dotted);
/* The record as compact JSON (keys in record order). */
const char *tr_event_raw(struct tr_event *ev, size_t *n);

/* Text of a scalar (string, number, true/false); NULL for null; objects and
 * arrays as compact JSON in `a`. */
const char *tr_json_text(struct arena *a, const struct json *v, size_t *n);

/* "2024-07-30T21:31:21Z" (fraction and offset allowed) -> ms since the epoch. */
int tr_parse_time(const char *s, long long *ms);

/* Field paths: Sigma dots ("userIdentity.arn") or a JSON pointer ("/a/0/b"). */
struct tr_seg {
	const char *s;
	uint32_t n;
	int32_t idx; /* pointer mode: >= 0 when the segment is an array index */
};
struct tr_path {
	const char *text;
	struct tr_seg *seg;
	uint32_t nseg;
	bool pointer;
};
int tr_path_dotted(struct arena *a, const char *text, struct tr_path *p);
int tr_path_pointer(struct arena *a, const char *text, struct tr_path *p);

#define TR_MAXV 64
struct tr_vals {
	const struct json *v[TR_MAXV];
	size_t n;
};
/* Every value at p. Dotted paths go through arrays at any level (Sigma: a
 * list field matches when one element does); pointers are exact. */
void tr_path_collect(struct tr_event *ev, const struct tr_path *p, struct tr_vals *out);

/* Is name one of CloudTrail's record fields? (unknown-field warnings) */
bool tr_known_field(const char *dotted);

/* ------------------------------------------------------------------ */
/* matching primitives (match.c) */

struct tr_glob; /* compiled wildcard pattern ('*', '?') */
struct tr_glob *tr_glob_compile(struct arena *a, const char *s, size_t n, bool sigma_escapes,
				bool fold);
bool tr_glob_match(const struct tr_glob *g, const char *s, size_t n);
/* ASCII case-insensitive search; needle already lower-case when fold. */
bool tr_contains(const char *h, size_t hn, const char *nd, size_t nn, bool fold);
bool tr_eq(const char *a, size_t an, const char *b, size_t bn, bool fold);
bool tr_prefix(const char *h, size_t hn, const char *p, size_t pn, bool fold);
bool tr_suffix(const char *h, size_t hn, const char *p, size_t pn, bool fold);
char *tr_lower(struct arena *a, const char *s, size_t n);

struct tr_re;
/* PCRE2 pattern; flags: 'i', 'm', 's'. NULL and msg on a bad pattern. */
struct tr_re *tr_re_compile(struct arena *a, const char *pat, const char *flags, char *msg,
			    size_t msgsz);
bool tr_re_match(const struct tr_re *re, struct tr_ctx *c, const char *s, size_t n);
void tr_re_free(struct tr_re *re);

/* ------------------------------------------------------------------ */
/* rules */

struct tr_rule_list {
	const struct tr_rule **v;
	size_t n, alloc;
};

/* Built-in rule extension (the `mamori:` block), see builtin.c. */
enum tr_fact {
	TR_FACT_NONE = 0,
	TR_FACT_WORLD_OPEN,
	TR_FACT_WORLD_OPEN_ADMIN,
	TR_FACT_WORLD_OPEN_DISALLOWED,
	TR_FACT_IMAGE_NONSTANDARD,
	TR_FACT_REGION_UNAPPROVED,
	TR_FACT_SNAPSHOT_PUBLIC,
	TR_FACT_SNAPSHOT_SHARED,
	TR_FACT_IMAGE_PUBLIC,
	TR_FACT_IMAGE_SHARED,
	TR_FACT_MAX,
};
struct tr_raise {
	enum tr_fact fact;
	enum mm_sev sev;
};
struct tr_builtin {
	enum tr_fact require; /* fire only when this fact holds */
	struct tr_raise *raise;
	size_t nraise;
	const char *seed; /* the seed table row it implements */
};
int tr_fact_parse(const char *s, enum tr_fact *out);

struct tr_rule {
	const char *id, *title, *desc, *file;
	enum trail_engine engine;
	enum mm_sev sev; /* effective base severity (policy applied) */
	int max_sev;	 /* -1: no cap */
	bool enabled;
	size_t order;
	/* engine */
	void *impl;
	bool (*match)(const struct tr_rule *r, struct tr_event *ev);
	const char *output;	     /* falco output template */
	const struct tr_builtin *bi; /* built-in extension, or NULL */
	/* what narrows it: lower-case eventName / eventSource values, else every event */
	const char **names;
	size_t nnames;
	const char **sources;
	size_t nsources;
	const char *indexed_by;
	/* Sigma global filter (a `filter:` document): never evaluated itself,
	 * attached to the rules it names when the set is finished */
	bool is_filter;
	const char **targets;
	size_t ntargets;
};

struct tr_rule *tr_rule_new(struct trail_ruleset *rs);

/* Sigma (sigma.c) and Falco (falco.c) loaders: add the rules of one YAML
 * stream (docs = yaml_parse() result). Problems go to d. */
int tr_sigma_load(struct trail_ruleset *rs, const char *file, const struct json *docs, bool builtin,
		  struct mm_diags *d);
int tr_falco_load(struct trail_ruleset *rs, const char *file, const struct json *docs,
		  struct mm_diags *d);
void tr_sigma_free(struct tr_rule *r);
/* Attach a global filter to a Sigma rule: the rule no longer matches what it matches. */
void tr_sigma_attach_filter(struct tr_rule *r, const struct tr_rule *filter);
void tr_falco_free(struct tr_rule *r);
/* Falco: render an output template for ev into sb. */
void tr_falco_output(struct tr_event *ev, const char *tmpl, struct strbuf *sb);
/* Falco field extraction (also used for messages). NULL if no value. */
const char *tr_falco_field(struct tr_event *ev, const char *field, const char *arg, size_t *n);

/* ------------------------------------------------------------------ */
/* evaluation context: one per reader thread */

struct tr_facts {
	bool done;
	bool f[TR_FACT_MAX];
	char detail[512]; /* what the event did, for the message */
	char image[512];  /* why the image is not standard */
	char region[200]; /* why the region is not approved */
};

struct tr_ctx {
	const struct trail_ruleset *rs;
	const struct trail_policy *pol;
	/* batch: candidates' strings are interned here (its arena is the
	 * candidates' arena), so a million alerts by a few principals stay small */
	struct json_pool *pool;
	void *md; /* pcre2 match data */
	struct tr_facts facts;
	struct strbuf sb;
	uint64_t rule_evals;
};

void tr_ctx_init(struct tr_ctx *c, const struct trail_ruleset *rs, const struct trail_policy *p);
void tr_ctx_release(struct tr_ctx *c);

/* builtin.c */
void tr_facts_compute(struct tr_event *ev, struct tr_facts *f, const struct trail_policy *p);
/* A CIDR with prefix length 0 (IPv4 or IPv6): the whole internet. */
bool tr_world_cidr(const char *cidr);
struct tr_perm;
/* Security-group permissions in a request, both shapes (flat cidrIp and
 * ipPermissions.items[]); one entry per (permission, address range). */
size_t tr_sg_perms(struct tr_event *ev, struct arena *a, struct tr_perm **out);

/* ------------------------------------------------------------------ */
/* candidates: an event worth remembering (hits, or correlation input) */

struct tr_hit {
	const struct tr_rule *rule;
	enum mm_sev sev;
	const char *message;
};

enum tr_corr_kind {
	TR_CK_NONE = 0,
	TR_CK_SG_OPEN,	   /* AuthorizeSecurityGroupIngress that succeeded */
	TR_CK_SG_REVOKE,   /* RevokeSecurityGroupIngress that succeeded */
	TR_CK_SG_DELETE,   /* DeleteSecurityGroup that succeeded */
	TR_CK_SNAP_CREATE, /* CreateSnapshot(s) that succeeded */
	TR_CK_SNAP_SHARE,  /* ModifySnapshotAttribute adding createVolumePermission */
};

struct tr_perm {
	const char *proto; /* normalised: "tcp", "udp", "icmp", "-1", or a number */
	int from, to;	   /* -1 when absent */
	const char *cidr;  /* as written */
	bool world;
	bool admin; /* covers 22 or 3389 or every port */
};

struct tr_cand {
	long long time_ms;
	bool has_time;
	const char *time, *event_id, *name, *source;
	struct trail_who who;
	const char *account, *region, *source_ip, *user_agent;
	const char **resources;
	size_t nresources;
	const char *error_code, *error_message;
	const char *file;
	long long index, offset;
	struct tr_hit *hits;
	size_t nhits;
	/* correlation input */
	enum tr_corr_kind kind;
	const char *group; /* security group id (or name) */
	struct tr_perm *perms;
	size_t nperms;
	const char **rule_ids; /* security group rule ids (sgr-...) */
	size_t nrule_ids;
	const char **snaps; /* snapshot ids */
	size_t nsnaps;
	const char **shared_with; /* account ids, or "all" */
	size_t nshared;
	double arrival; /* follow: wall-clock seconds when read */
};

/* Evaluate the rule set on ev; returns a candidate (in `a`) or NULL. */
struct tr_cand *tr_evaluate(struct tr_ctx *c, struct tr_event *ev, struct arena *a);
/* Total order used everywhere alerts are sorted (time, event id, file, index). */
int tr_cand_cmp(const struct tr_cand *x, const struct tr_cand *y);

/* ------------------------------------------------------------------ */
/* reader.c: bytes of one input (file, gzip, stdin) -> records -> candidates */

struct tr_src {
	int fd;
	bool own_fd;
	bool gz;   /* decided from the first two bytes */
	bool tail; /* end of data is "no more for now", not the end */
	bool sniffed;
	void *z; /* z_stream */
	unsigned char *zin;
	size_t zin_len, zin_pos;
	bool zin_eof;
	bool zend;	  /* the last gzip member ended */
	uint64_t zin_off; /* compressed bytes consumed */
	unsigned char peek[2];
	size_t npeek;
	bool hit_eof;	 /* read() returned 0 (not EAGAIN): stdin closed */
	const char *mem; /* in-memory source (fd < 0) */
	size_t mem_len, mem_pos;
	bool want_pipe;	      /* gzip: inflate on a thread of its own, if a core is spare */
	struct tr_pipe *pipe; /* reader.c */
};

enum { TR_RD_DONE = 0, TR_RD_AGAIN = 1 };

struct tr_reader {
	const char *file; /* name in diagnostics and alerts (as given) */
	struct tr_src src;
	char *buf; /* window: cap + TR_PAD bytes allocated */
	size_t len, cap;
	uint64_t base; /* document offset of buf[0] */
	size_t pos;
	bool eof; /* the source said so (definitive unless tail) */
	int state, sub;
	bool arr_top;
	size_t arr_items;
	long long index; /* records framed so far */
	enum trail_parser parser;
	struct tr_ctx *ctx;
	struct arena *scratch; /* event values; released every few hundred records */
	size_t since_release;
	struct arena *cand_arena;
	bool cand_transient; /* on_cand copies: release cand_arena with scratch */
	/* a candidate: hand it over (copy it if it must outlive cand_arena) */
	void (*on_cand)(void *cb, struct tr_cand *c);
	void *cb;
	struct tr_member *m;
	size_t nm, am;
	struct trail_stats *st;
	struct mm_diags *d;
	size_t nerr, nwarn_notevent;
	uint64_t seq;
	size_t not_events; /* in this file */
	long long first_not_event;
	bool finishing;
};

/* Open path ("-": stdin) for reading. tail: end of data is not the end. */
int tr_reader_open(struct tr_reader *r, const char *path, const char *display, bool tail,
		   struct mm_err *e);
/* Read from an already open descriptor (not closed by the reader). */
void tr_reader_fd(struct tr_reader *r, int fd, const char *display, bool tail);
/* Process what is available: TR_RD_DONE at the end, TR_RD_AGAIN when a tail
 * source has nothing more for now, negative on an I/O error (reported). */
int tr_reader_step(struct tr_reader *r);
/* Tail source stopping: what is left is the end (a partial record is reported). */
void tr_reader_finish(struct tr_reader *r);
void tr_reader_close(struct tr_reader *r);
/* Feed one in-memory buffer (tests, fuzzing): frames and evaluates all of it. */
int tr_reader_buffer(struct tr_reader *r, const char *buf, size_t len);

/* correlate.c: feed candidates in order; alerts go to emit. */
struct tr_corr;
struct tr_corr *tr_corr_new(const struct trail_policy *p,
			    int (*emit)(void *ctx, const struct trail_alert *a), void *ctx,
			    struct trail_stats *st);
int tr_corr_push(struct tr_corr *k, const struct tr_cand *c);
void tr_corr_free(struct tr_corr *k);

#endif
