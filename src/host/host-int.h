/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of mamori host, shared by the files of src/host/ and by the unit
 * tests and fuzz harnesses. Collectors (root, users, sshd, sockets, firewall,
 * routes, user-data, packages, advisories) fill plain structs; checks.c turns
 * them into findings.
 *
 * Ownership: everything a collector returns lives in the run arena passed
 * in (struct hroot.a or an explicit arena); nothing needs freeing on its own.
 * Paths shown to the user are in-root absolute paths ("/etc/ssh/sshd_config"),
 * never the host path of a fake root.
 */
#ifndef MM_HOST_INT_H
#define MM_HOST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "host.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/ipset.h"

/* ---- root.c: files through the audited root ---- */

struct hroot {
	const char *root;  /* host path prefix: "" for the live root, else DIR */
	const char *shown; /* "/" or DIR, for messages */
	bool live;	   /* root is "/": commands and the kernel may be asked */
	struct arena *a;
	struct mm_diags *d;
	size_t files_read, files_missing, files_failed, records_skipped;
};

void hroot_init(struct hroot *r, const char *root, struct arena *a, struct mm_diags *d);
/* Host path for an in-root absolute path, symlinks resolved inside the root;
 * NULL with errno set when a component cannot be resolved. */
const char *hroot_resolve(struct hroot *r, const char *path, bool follow_last);
int hroot_stat(struct hroot *r, const char *path, struct stat *st);  /* 0 or -errno */
int hroot_lstat(struct hroot *r, const char *path, struct stat *st); /* 0 or -errno */
ssize_t hroot_readlink(struct hroot *r, const char *path, char *buf, size_t n);
/* Whole file, NUL-terminated, malloc'd (caller frees). MM_ENOTFOUND when the
 * file does not exist, MM_ELIMIT above max bytes, MM_EIO otherwise. */
int hroot_read(struct hroot *r, const char *path, size_t max, char **buf, size_t *len,
	       struct mm_err *e);
/* Sorted names in a directory (arena, NULL-terminated); 0 when absent. */
size_t hroot_list(struct hroot *r, const char *dir, const char ***out);
/* Sorted in-root paths matching a glob (wildcards in any component; a
 * leading dot must be matched explicitly, as glob(3) does). */
size_t hroot_glob(struct hroot *r, const char *pattern, const char ***out);
/* "/.mamori/NAME": where a fake root supplies what a command would print. */
const char *hroot_facts(struct hroot *r, const char *name);

/* Largest configuration / status file read whole. */
#define HOST_MAX_FILE ((size_t)256 << 20)

/* ---- util.c ---- */

/* Next line of buf[0..len) from *pos; returns false at the end. The line
 * excludes the newline; *lineno counts from 1. */
bool host_next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *n,
		    unsigned *lineno);
/* sshd-style wildcard match ('*', '?'), case-sensitive. */
bool host_wildmatch(const char *pat, const char *s);
/* Run argv (no shell) with a timeout, capture stdout (capped). Returns the
 * exit status (>= 0), or a negative MM_E* code (e filled). */
int host_run_cmd(const char *const *argv, int timeout_ms, size_t max, char **out, size_t *len,
		 struct mm_err *e);

/* ---- users.c: /etc/passwd and /etc/group ---- */

struct huser {
	const char *name, *home, *shell;
	long uid, gid;
	bool login; /* has a shell that allows interactive login */
	const char **groups;
	size_t ngroups;
	unsigned line;
};

struct husers {
	struct huser *v;
	size_t nr;
	bool loaded; /* /etc/passwd was read */
};

int husers_load(struct hroot *r, struct husers *u);
const struct huser *husers_find(const struct husers *u, const char *name);
bool host_shell_login(const char *shell);

/* ---- sshd.c: sshd_config the way sshd reads it ---- */

struct sshd_line {
	const char *file;
	unsigned line;
	const char *key; /* lowercased keyword */
	const char **argv;
	size_t argc;
	int block; /* index into sshd_config.blocks, -1 for the global section,
		    * SSHD_BLOCK_DUMP for a value taken from `sshd -T` output */
};

#define SSHD_BLOCK_DUMP (-2)

struct sshd_block {
	const char *file;
	unsigned line;
	const char **argv; /* criteria, as written */
	size_t argc;
	int parent;	 /* block holding the Include that brought this file, -1 global */
	bool nevermatch; /* inside an included file under an inactive Match */
};

struct sshd_config {
	struct sshd_line *lines;
	size_t nlines, alines;
	struct sshd_block *blocks;
	size_t nblocks, ablocks;
	const char *main_file;
	struct arena *arena; /* where lines and effective values live */
	bool has_dump;	     /* sshd -T output replaces the global section */
	size_t files;
	bool found; /* the main file was read */
	size_t errors;
};

/* Parse main_file and everything it includes (relative Include paths are
 * under /etc/ssh). Problems go to r->d; never fails as a whole. */
void sshd_config_load(struct hroot *r, const char *main_file, struct sshd_config *c);
/* Parse one buffer as file `name` with Include disabled (r may be NULL):
 * for the fuzzer and unit tests. */
void sshd_config_parse(struct hroot *r, struct arena *a, struct mm_diags *d, const char *name,
		       const char *buf, size_t len, struct sshd_config *c);
void sshd_config_release(struct sshd_config *c);

/* A connection to evaluate the Match blocks for. */
struct sshd_conn {
	const char *user; /* NULL: criteria on users are unknown */
	const struct husers *users;
	const char *addr; /* remote address */
	/* criteria we cannot know (Host, LocalAddress, LocalPort, RDomain,
	 * Version): each Match block using one is "maybe"; bit i of maybe_on
	 * decides the i-th such block (in file order). */
	uint32_t maybe_on;
};

/* Tri-state for one Match block: 1 matches, 0 does not, -1 depends on an
 * unknown criterion. */
int sshd_block_eval(const struct sshd_config *c, int block, const struct sshd_conn *cn);
/* The same for the block's own criteria only (its parents ignored). */
int sshd_block_own(const struct sshd_block *b, const struct sshd_conn *cn);

/* Effective values for one connection (first value wins; a matching Match
 * block's value replaces the global one). */
enum { SSHD_NO = 0, SSHD_YES = 1 };
enum { ROOT_NO, ROOT_KEY_ONLY, ROOT_FORCED_ONLY, ROOT_YES };

struct sshd_val {
	int v;		   /* parsed value */
	const char *src;   /* "file:line" or NULL for the default */
	const char *raw;   /* value as written */
	const char *match; /* "Match User x" (file:line) holding it, NULL global */
};

struct sshd_eff {
	struct sshd_val password, kbdint, usepam, permitroot, emptypw, pubkey;
	struct sshd_val authmethods; /* raw: "any" or the lists */
	struct sshd_val allowusers, denyusers, allowgroups, denygroups; /* raw lists */
	bool user_denied;      /* Allow/Deny* exclude this user */
	const char *denied_by; /* "file:line" */
	uint32_t maybe_blocks; /* number of "maybe" blocks met (enumerated) */
	bool from_sshd_t;      /* global values come from sshd -T output */
};

void sshd_effective(const struct sshd_config *c, const struct sshd_conn *cn, struct sshd_eff *out);
/* Number of Match blocks whose result depends on unknown criteria for cn. */
unsigned sshd_maybe_count(const struct sshd_config *c, const struct sshd_conn *cn);
/* Overlay `sshd -T` output (lowercase "key value" lines) as the global
 * values: it is what sshd itself computed. Returns lines used. */
size_t sshd_apply_dump(struct sshd_config *c, struct arena *a, const char *name, const char *buf,
		       size_t len);
/* Would this effective config let a user in with a password (password
 * authentication, or keyboard-interactive through PAM), alone? */
bool sshd_password_possible(const struct sshd_eff *ef, const char **why);

/* Listen addresses from the global section (Port x ListenAddress). */
struct sshd_listen {
	const char *addr; /* "0.0.0.0", "::", or as written */
	int port;
	const char *src;
};
size_t sshd_listens(const struct sshd_config *c, struct arena *a, struct sshd_listen **out);

/* ---- sockets.c: /proc/net/{tcp,tcp6,udp,udp6} ---- */

struct hsock {
	int proto;	    /* 6 tcp, 17 udp */
	enum mm_family fam; /* of the socket: a tcp6 socket on :: is INET6 */
	mm_u128 addr;
	int port;
	unsigned long inode;
	long uid;
	bool wildcard;	/* 0.0.0.0 or :: */
	bool dualstack; /* :: not IPV6_V6ONLY: also takes IPv4 */
	bool loopback;
	int pid;	  /* -1 unknown */
	const char *comm; /* process name, NULL unknown */
	const char *unit; /* systemd socket unit, NULL when none known */
	const char *src;  /* "/proc/net/tcp:3" */
};

struct hsocks {
	struct hsock *v;
	size_t nr, alloc;
	bool loaded; /* at least one /proc/net table was read */
	bool owners; /* /proc/PID/fd could be read */
};

int hsocks_parse(struct arena *a, struct mm_diags *d, const char *name, const char *buf, size_t len,
		 int proto, enum mm_family fam, struct hsocks *out);
void hsocks_load(struct hroot *r, struct hsocks *s);
void hsocks_release(struct hsocks *s);

/* systemd .socket units that are enabled (sockets.target.wants). */
struct hunit_listen {
	const char *unit;
	const char *listen; /* ListenStream= value */
	int port;	    /* 0 when not a port */
	const char *src;
};
size_t host_socket_units(struct hroot *r, struct hunit_listen **out);

/* ---- firewall.c: iptables-save and nft rulesets ---- */

enum fw_verdict { FW_ACCEPT, FW_DROP, FW_UNKNOWN };

struct fw_result {
	enum fw_verdict v;
	const char *src; /* "file:line" of the deciding rule, or NULL (policy) */
	const char *what;
};

struct fw_ruleset; /* opaque: one parsed iptables-save or nft ruleset */

/* Parse iptables-save output. Never fails as a whole: bad lines go to d. */
struct fw_ruleset *fw_parse_iptables(struct arena *a, struct mm_diags *d, const char *name,
				     const char *buf, size_t len);
struct fw_ruleset *fw_parse_nft(struct arena *a, struct mm_diags *d, const char *name,
				const char *buf, size_t len);
size_t fw_rule_count(const struct fw_ruleset *rs);
/* Free the rule vectors (the strings are in the arena). */
void fw_ruleset_free(struct fw_ruleset *rs);
/* Fate of a new TCP packet to dst:80 sent by a process running as uid/gid
 * through the OUTPUT path (filter table, then nft output hooks). */
void fw_eval_output(const struct fw_ruleset *rs, enum mm_family fam, mm_u128 dst, long uid,
		    long gid, struct fw_result *out);

/* ---- routes.c: reject / blackhole / prohibit routes and policy rules ---- */

struct hroute {
	enum mm_family fam;
	struct mm_cidr dst;
	int type; /* RTN_* from linux/rtnetlink.h */
	unsigned table;
	const char *src;
};

/* One policy routing rule (ip rule). */
struct hrule {
	enum mm_family fam;
	unsigned prio;
	unsigned table; /* for lookup rules */
	int action;	/* FR_ACT_* from linux/fib_rules.h */
	bool has_uid, has_to, invert;
	long uid_lo, uid_hi;
	struct mm_cidr to;
	bool other; /* a selector we cannot decide (from, fwmark, iif...) */
	const char *src;
};

struct hroutes {
	struct hroute *v;
	size_t nr, alloc;
	struct hrule *rules;
	size_t nrules, arules;
	bool loaded, rules_loaded;
	bool has4, has6;  /* the routes of this family were read */
	const char *from; /* "rtnetlink" or the file */
};

/* `ip route show table all` / `ip -6 route ...` text (fam: family of a
 * "default" route; addresses say their own). */
int hroutes_parse(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		  size_t len, enum mm_family fam, struct hroutes *out);
/* /proc/net/route: the main IPv4 table, RTF_REJECT routes as unreachable. */
int hroutes_parse_proc(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		       size_t len, struct hroutes *out);
/* `ip rule show` / `ip -6 rule show` text. */
int hroutes_parse_rules(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
			size_t len, enum mm_family fam, struct hroutes *out);
/* Routes and rules of every table from the kernel. */
int hroutes_netlink(struct arena *a, struct hroutes *out, struct mm_err *e);
void hroutes_release(struct hroutes *r);

enum route_verdict { RT_REACH, RT_BLOCKED, RT_UNKNOWN };
/* Where does a packet to addr from a process of uid go? Policy rules in
 * priority order (the kernel's default three when none are known), each
 * table by longest prefix; unreachable, prohibit and blackhole routes (and
 * rules) block. *route / *rule name what decided, when anything did. */
enum route_verdict hroutes_lookup(const struct hroutes *r, enum mm_family fam, mm_u128 addr,
				  long uid, const struct hroute **route, const struct hrule **rule);

/* ---- imds.c: optional live probe ---- */

struct imds_probe {
	bool reachable;	   /* something answered HTTP */
	int v1_status;	   /* HTTP status of a token-less GET, 0 none */
	int token_status;  /* HTTP status of the token PUT, 0 none */
	int v2_status;	   /* HTTP status of a GET with the token, 0 none */
	bool as_nobody;	   /* also probed as uid 65534 */
	int nobody_status; /* token PUT status as nobody, 0 no answer, -1 not tried */
	char error[256];
};
int imds_probe_run(const char *endpoint, int timeout_ms, bool try_nobody, struct imds_probe *p,
		   struct mm_err *e);

/* ---- userdata.c ---- */

struct hsecret {
	const char *kind;     /* "aws-access-key-id", "private-key", "password" */
	const char *redacted; /* "AKIA************MPLE" */
	const char *src;      /* "file:line" */
};

struct hudfile {
	const char *path;
	unsigned mode;
	long uid;
	bool loose; /* readable by group or other */
	struct hsecret *secrets;
	size_t nsecrets;
};

struct huserdata {
	struct hudfile *v;
	size_t nr, alloc;
	bool cloud_init; /* /var/lib/cloud or /run/cloud-init exists */
};

void huserdata_load(struct hroot *r, struct huserdata *u);
void huserdata_release(struct huserdata *u);
/* Scan buf for secrets (used on user-data and by tests). */
size_t host_find_secrets(struct arena *a, const char *name, const char *buf, size_t len,
			 struct hsecret **out);

/* ---- version.c: dpkg and rpm version comparison ---- */

int dpkg_vercmp(const char *a, const char *b);
int rpm_vercmp(const char *a, const char *b); /* one version or release field */
/* "[epoch:]version[-release]" compared as rpm compares EVRs. */
int rpm_evrcmp(const char *a, const char *b);
/* Well-formed dpkg version (as dpkg --compare-versions accepts it)? */
bool dpkg_version_valid(const char *v);

/* ---- packages.c ---- */

enum pkg_kind { PKG_DPKG, PKG_RPM };

struct hpkg {
	const char *name;    /* binary package */
	const char *version; /* full: [epoch:]upstream[-revision] / [e:]v-r */
	const char *arch;
	const char *source;	 /* source package (dpkg Source:, rpm SOURCERPM name) */
	const char *src_version; /* source version (dpkg) */
	enum pkg_kind kind;
	const char *src;     /* "file:line" */
	bool kernel_running; /* the package of the running kernel */
	bool kernel_other;   /* a kernel package that is not running */
};

struct hpkgs {
	struct hpkg *v;
	size_t nr, alloc;
	const char *from; /* "/var/lib/dpkg/status", ... */
	enum pkg_kind kind;
	bool loaded;
};

int dpkg_status_parse(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		      size_t len, struct hpkgs *out);
int rpm_qa_parse(struct arena *a, struct mm_diags *d, const char *name, const char *buf, size_t len,
		 struct hpkgs *out);
int rpmdb_sqlite_load(struct arena *a, struct mm_diags *d, const char *host_path, const char *name,
		      struct hpkgs *out);
/* Parse one rpm header blob (as stored in rpmdb.sqlite). */
int rpm_header_parse(struct arena *a, const unsigned char *blob, size_t len, struct hpkg *out);
void hpkgs_load(struct hroot *r, struct hpkgs *p);
void hpkgs_release(struct hpkgs *p);
/* Mark the package(s) of the running kernel given `uname -r`. */
void hpkgs_mark_kernel(struct arena *a, struct hpkgs *p, const char *uname_r);

struct hos {
	const char *id, *version_id, *codename, *pretty;
};
void host_os_release(struct hroot *r, struct hos *os);

/* ---- advisories.c ---- */

enum adv_state {
	ADV_FIXED,	 /* a fixed version exists */
	ADV_OPEN,	 /* affected, no fix yet */
	ADV_NO_DSA,	 /* vendor will not fix in a security update (minor) */
	ADV_POSTPONED,	 /* fix postponed to a point release */
	ADV_IGNORED,	 /* vendor: ignored / will not fix */
	ADV_EOL,	 /* package out of support */
	ADV_NOT_AFFECTED /* listed, but this release is not affected */
};

struct hadv {
	const char *id;		/* DSA-..., ALAS2023-..., CVE-... */
	const char *aliases;	/* "CVE-2024-1, CVE-2024-2", may be NULL */
	const char *package;	/* source package (dpkg) or binary (rpm) */
	const char *fixed;	/* fixed version, NULL when none */
	const char *introduced; /* OSV: first affected version, NULL = all */
	enum mm_sev sev;
	bool sev_known;
	enum adv_state state;
	const char *state_note; /* vendor's words (nodsa reason, ...) */
	const char *title;
	const char *src; /* "file:line" or "file#/pointer" */
	enum pkg_kind kind;
};

struct hadvs {
	struct hadv *v;
	size_t nr, alloc;
	size_t files, files_failed, records_skipped;
};

/* The distro the advisories must be for: OSV ecosystem ("Debian:12"),
 * Debian release name ("bookworm"), Amazon Linux. */
struct adv_target {
	const char *osv_ecosystem; /* "Debian:12", "Ubuntu:22.04", "AlmaLinux:9"... */
	const char *debian_release;
	enum pkg_kind kind;
};

void hadv_target(const struct hos *os, enum pkg_kind kind, struct arena *a, struct adv_target *t);
/* Load a file or a directory (recursively) of advisories. Diagnostics to d. */
void hadvs_load_path(struct arena *a, struct mm_diags *d, const char *path,
		     const struct adv_target *t, struct hadvs *out);
int hadvs_parse_osv(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		    size_t len, const struct adv_target *t, struct hadvs *out);
int hadvs_parse_debian(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		       size_t len, const struct adv_target *t, struct hadvs *out);
int hadvs_parse_updateinfo(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
			   size_t len, const struct adv_target *t, struct hadvs *out);
void hadvs_release(struct hadvs *a);
/* CVSS v3.x base score of a vector ("CVSS:3.1/AV:N/..."), -1 if malformed. */
double host_cvss3_score(const char *vector);

/* A package matched against an advisory. */
struct hvuln {
	const struct hpkg *pkg;
	const struct hadv *adv;
	const char *installed; /* the version compared */
};

struct hvulns {
	struct hvuln *v;
	size_t nr, alloc;
};

/* Every (installed package, advisory) pair where the installed version is
 * affected. Index-based: O(packages + advisories). */
void host_match(const struct hpkgs *p, const struct hadvs *a, struct hvulns *out);
void hvulns_release(struct hvulns *v);

/* ---- host.c / check-*.c: turning facts into findings ---- */

struct hctx {
	const struct host_opts *o;
	const struct host_catalog *cat;
	struct findings *fs;
	struct host_stats *st;
	struct hroot r;
	struct arena run; /* collectors' data, freed at the end of host_run() */
	const char *host_id, *account, *region;
	struct husers users;
	bool users_loaded;
	struct hsocks socks;
	bool socks_loaded;
	struct hos os;
};

/*
 * Append a finding for rule_id (its title, severity, remediation from the
 * catalog; sev < 0 keeps the rule's severity). fp_extra separates several
 * findings of one rule on one host. The message is printf-formatted into the
 * findings arena. Returns NULL for a PASS when passes are not wanted.
 */
__attribute__((format(printf, 6, 7))) struct finding *host_emit(struct hctx *x, const char *rule_id,
								enum mm_status st, int sev,
								const char *fp_extra,
								const char *fmt, ...);
void host_ev(struct hctx *x, struct finding *f, const char *loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void host_check_sshd(struct hctx *x);
void host_check_listeners(struct hctx *x);
void host_check_imds(struct hctx *x);
void host_check_userdata(struct hctx *x);
void host_check_packages(struct hctx *x);

#endif
