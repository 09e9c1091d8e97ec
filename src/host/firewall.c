/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firewall rules on the OUTPUT path, from `iptables-save` (legacy and nft
 * backends print the same format) and from `nft list ruleset`, evaluated for
 * one question: what happens to a new TCP connection to the metadata
 * service (169.254.169.254:80 or [fd00:ec2::254]:80) opened by a process of
 * a given uid/gid?
 *
 * Each match of a rule is decided as yes, no or maybe (a match we cannot
 * decide: a mark, an ipset, a rate limit, an xt match nft cannot show). A
 * rule whose matches are all "yes" decides; a "maybe" rule that would drop
 * proves nothing, and one that would accept makes a later drop uncertain.
 * So the answer is DROP only when it holds for every outcome, ACCEPT when a
 * definite accept (or policy) is reached with no maybe-drop before it, and
 * UNKNOWN otherwise, with the rule that decided as evidence.
 */
#include "host-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

enum tri { T_NO = 0, T_YES = 1, T_MAYBE = 2 };

enum fw_target {
	TG_NONE,     /* no target: counters only, go on */
	TG_ACCEPT,   /* accept in this chain/table */
	TG_DROP,     /* DROP or REJECT */
	TG_RETURN,   /* back to the calling chain */
	TG_JUMP,     /* -j CHAIN, jump CHAIN */
	TG_GOTO,     /* -g CHAIN, goto CHAIN */
	TG_REDIRECT, /* DNAT/REDIRECT/TPROXY: sent elsewhere */
	TG_CONTINUE, /* LOG, MARK, ... : non-terminating */
};

/* One condition: a predicate over (family, dst, uid, gid, dport). */
enum cond_kind {
	C_DST,	  /* cidr set */
	C_UID,	  /* range */
	C_GID,	  /* range */
	C_DPORT,  /* range */
	C_PROTO,  /* number */
	C_OIF_LO, /* output interface is loopback */
	C_NEW,	  /* connection state set contains NEW */
	C_FAMILY, /* nft meta nfproto */
	C_NEVER,  /* matches nothing we ask about */
	C_MAYBE,  /* cannot be decided */
};

struct cond {
	enum cond_kind kind;
	bool neg;
	long lo, hi;	       /* C_UID/C_GID/C_DPORT/C_PROTO/C_FAMILY */
	struct mm_cidr *cidrs; /* C_DST */
	size_t ncidrs;
	const char *why; /* C_MAYBE: what could not be decided */
};

struct fw_rule {
	struct cond *c;
	size_t nc, ac;
	enum fw_target t;
	const char *chain; /* TG_JUMP / TG_GOTO */
	const char *src;   /* file:line */
	const char *text;  /* the rule as written */
};

struct fw_chain {
	const char *table, *name;
	bool base; /* built-in (iptables) or hooked (nft) chain on output */
	bool accept_policy;
	int family; /* 4, 6 or 0 for both */
	int order;  /* traversal order among base chains */
	struct fw_rule *r;
	size_t nr, ar;
};

struct fw_ruleset {
	struct arena *a;
	struct fw_chain *ch;
	size_t nch, ach;
	const char *name;
};

static struct fw_chain *chain_get(struct fw_ruleset *rs, const char *table, const char *name,
				  bool create)
{
	for (size_t i = 0; i < rs->nch; i++)
		if (!strcmp(rs->ch[i].table, table) && !strcmp(rs->ch[i].name, name))
			return &rs->ch[i];
	if (!create)
		return NULL;
	ALLOC_GROW(rs->ch, rs->nch + 1, rs->ach);
	struct fw_chain *c = &rs->ch[rs->nch++];
	memset(c, 0, sizeof(*c));
	c->table = arena_strdup(rs->a, table);
	c->name = arena_strdup(rs->a, name);
	c->accept_policy = true;
	return c;
}

static struct cond *cond_add(struct fw_rule *r, enum cond_kind k, bool neg)
{
	ALLOC_GROW(r->c, r->nc + 1, r->ac);
	struct cond *c = &r->c[r->nc++];
	memset(c, 0, sizeof(*c));
	c->kind = k;
	c->neg = neg;
	return c;
}

static void maybe(struct arena *a, struct fw_rule *r, const char *why)
{
	struct cond *c = cond_add(r, C_MAYBE, false);
	c->why = arena_strdup(a, why);
}

/* "1000", "1000-2000", "root" (0), other names: -1 (unknown). */
static bool parse_idrange(const char *s, long *lo, long *hi)
{
	if (!strcmp(s, "root")) {
		*lo = *hi = 0;
		return true;
	}
	char *end;
	long a = strtol(s, &end, 10);
	if (end == s)
		return false;
	long b = a;
	if (*end == '-' || *end == ':') {
		const char *q = end + 1;
		b = strtol(q, &end, 10);
		if (end == q)
			return false;
	}
	if (*end)
		return false;
	*lo = a;
	*hi = b;
	return true;
}

static bool add_cidr(struct arena *a, struct cond *c, const char *s)
{
	struct mm_cidr x;
	/* iptables may print "a.b.c.d/255.255.255.255" */
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (slash && strchr(slash + 1, '.')) {
		enum mm_family f;
		mm_u128 m;
		if (mm_addr_parse(slash + 1, &f, &m) < 0 || f != MM_AF_INET)
			return false;
		unsigned bits = 0;
		for (int i = 31; i >= 0 && (m >> i & 1); i--)
			bits++;
		snprintf(slash + 1, sizeof(buf) - (size_t)(slash + 1 - buf), "%u", bits);
	}
	if (mm_cidr_parse(buf, &x) < 0)
		return false;
	struct mm_cidr *n = arena_calloc(a, c->ncidrs + 1, sizeof(*n));
	if (c->ncidrs)
		memcpy(n, c->cidrs, c->ncidrs * sizeof(*n));
	n[c->ncidrs++] = x;
	c->cidrs = n;
	return true;
}

static enum fw_target target_of(const char *t)
{
	if (!strcmp(t, "ACCEPT"))
		return TG_ACCEPT;
	if (!strcmp(t, "DROP") || !strcmp(t, "REJECT"))
		return TG_DROP;
	if (!strcmp(t, "RETURN"))
		return TG_RETURN;
	if (!strcmp(t, "DNAT") || !strcmp(t, "REDIRECT") || !strcmp(t, "TPROXY"))
		return TG_REDIRECT;
	static const char *const cont[] = { "LOG",     "NFLOG",	 "MARK",     "CONNMARK",   "CT",
					    "NOTRACK", "TCPMSS", "CLASSIFY", "DSCP",	   "TOS",
					    "AUDIT",   "TRACE",	 "SNAT",     "MASQUERADE", NULL };
	for (size_t i = 0; cont[i]; i++)
		if (!strcmp(t, cont[i]))
			return TG_CONTINUE;
	return TG_JUMP; /* a user chain (checked at evaluation) */
}

/* ---- iptables-save ---- */

/* Split on whitespace with double quotes (iptables-save quotes comments). */
static size_t tokens(struct arena *a, const char *s, size_t n, const char ***out)
{
	const char **v = NULL;
	size_t k = 0, alloc = 0, i = 0;
	struct strbuf tok = STRBUF_INIT;
	while (i < n) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i >= n)
			break;
		strbuf_reset(&tok);
		bool q = false;
		while (i < n && (q || !isspace((unsigned char)s[i]))) {
			if (s[i] == '"')
				q = !q;
			else if (s[i] == '\\' && i + 1 < n && q)
				strbuf_addch(&tok, s[++i]);
			else
				strbuf_addch(&tok, s[i]);
			i++;
		}
		ALLOC_GROW(v, k + 1, alloc);
		v[k++] = arena_strdup(a, tok.buf);
	}
	strbuf_release(&tok);
	const char **res = arena_calloc(a, k + 1, sizeof(*res));
	if (k)
		memcpy(res, v, k * sizeof(*v));
	free(v);
	*out = res;
	return k;
}

static bool state_has_new(const char *list)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	for (char *p = buf; p && *p;) {
		char *c = strchr(p, ',');
		if (c)
			*c = '\0';
		if (!strcmp(p, "NEW"))
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

static int proto_num(const char *p)
{
	if (!strcasecmp(p, "tcp") || !strcmp(p, "6"))
		return 6;
	if (!strcasecmp(p, "udp") || !strcmp(p, "17"))
		return 17;
	if (!strcasecmp(p, "icmp") || !strcmp(p, "1"))
		return 1;
	if (!strcasecmp(p, "all") || !strcmp(p, "0"))
		return 0;
	return -1;
}

static bool parse_ipt_rule(struct fw_ruleset *rs, const char **t, size_t n, struct fw_rule *r,
			   struct strbuf *err)
{
	struct arena *a = rs->a;
	bool neg = false;
	for (size_t i = 0; i < n; i++) {
		const char *o = t[i];
		const char *v = i + 1 < n ? t[i + 1] : NULL;
		if (!strcmp(o, "!")) {
			neg = true;
			continue;
		}
		bool used_neg = neg;
		neg = false;
		if (!strcmp(o, "-d") || !strcmp(o, "--destination") || !strcmp(o, "--dst")) {
			if (!v)
				goto missing;
			struct cond *c = cond_add(r, C_DST, used_neg);
			for (const char *p = v; *p;) {
				const char *cm = strchr(p, ',');
				size_t l = cm ? (size_t)(cm - p) : strlen(p);
				char *one = arena_strndup(a, p, l);
				if (!add_cidr(a, c, one)) {
					strbuf_addf(err, "bad address '%s'", one);
					return false;
				}
				p += l + (cm ? 1 : 0);
			}
			i++;
		} else if (!strcmp(o, "-s") || !strcmp(o, "--source") || !strcmp(o, "--src")) {
			if (!v)
				goto missing;
			maybe(a, r, "source address");
			i++;
		} else if (!strcmp(o, "-p") || !strcmp(o, "--protocol")) {
			if (!v)
				goto missing;
			int p = proto_num(v);
			if (p < 0) {
				maybe(a, r, "protocol");
			} else if (p > 0) {
				struct cond *c = cond_add(r, C_PROTO, used_neg);
				c->lo = c->hi = p;
			}
			i++;
		} else if (!strcmp(o, "-o") || !strcmp(o, "--out-interface")) {
			if (!v)
				goto missing;
			/* Another interface is assumed to be the one to the metadata
			 * service (eth0, ens5, ...). */
			if (!strcmp(v, "lo"))
				cond_add(r, C_OIF_LO, used_neg);
			i++;
		} else if (!strcmp(o, "-i") || !strcmp(o, "--in-interface")) {
			if (!v)
				goto missing;
			cond_add(r, C_NEVER, used_neg); /* no input interface on OUTPUT */
			i++;
		} else if (!strcmp(o, "-m") || !strcmp(o, "--match")) {
			if (!v)
				goto missing;
			i++; /* the match's options follow and are read below */
		} else if (!strcmp(o, "--uid-owner") || !strcmp(o, "--gid-owner")) {
			if (!v)
				goto missing;
			long lo, hi;
			if (parse_idrange(v, &lo, &hi)) {
				struct cond *c = cond_add(r, o[2] == 'u' ? C_UID : C_GID, used_neg);
				c->lo = lo;
				c->hi = hi;
			} else {
				struct strbuf w = STRBUF_INIT;
				strbuf_addf(&w, "owner '%s' (a name other than root)", v);
				maybe(a, r, w.buf);
				strbuf_release(&w);
			}
			i++;
		} else if (!strcmp(o, "--dport") || !strcmp(o, "--destination-port") ||
			   !strcmp(o, "--dports") || !strcmp(o, "--destination-ports")) {
			if (!v)
				goto missing;
			long lo, hi;
			if (!strchr(v, ',') && parse_idrange(v, &lo, &hi)) {
				struct cond *c = cond_add(r, C_DPORT, used_neg);
				c->lo = lo;
				c->hi = hi;
			} else {
				/* multiport list: does it hold 80? */
				bool has = false;
				for (const char *p = v; *p;) {
					const char *cm = strchr(p, ',');
					size_t l = cm ? (size_t)(cm - p) : strlen(p);
					char *one = arena_strndup(a, p, l);
					if (parse_idrange(one, &lo, &hi) && lo <= 80 && 80 <= hi)
						has = true;
					p += l + (cm ? 1 : 0);
				}
				struct cond *c = cond_add(r, C_DPORT, used_neg);
				c->lo = c->hi = has ? 80 : -1;
			}
			i++;
		} else if (!strcmp(o, "--state") || !strcmp(o, "--ctstate")) {
			if (!v)
				goto missing;
			struct cond *c = cond_add(r, C_NEW, used_neg);
			c->lo = state_has_new(v);
			i++;
		} else if (!strcmp(o, "--comment") || !strcmp(o, "--log-prefix") ||
			   !strcmp(o, "--log-level") || !strcmp(o, "--reject-with") ||
			   !strcmp(o, "--to-destination") || !strcmp(o, "--to-ports") ||
			   !strcmp(o, "--set-mark") || !strcmp(o, "--set-xmark")) {
			i++;
		} else if (!strcmp(o, "-j") || !strcmp(o, "--jump") || !strcmp(o, "-g") ||
			   !strcmp(o, "--goto")) {
			if (!v)
				goto missing;
			r->t = target_of(v);
			if (r->t == TG_JUMP) {
				r->chain = v;
				if (o[1] == 'g' || !strcmp(o, "--goto"))
					r->t = TG_GOTO;
			}
			i++;
		} else if (!strcmp(o, "-c") || !strcmp(o, "--set-counters")) {
			i += 1;
		} else if (!strcmp(o, "--dst-type")) {
			if (!v)
				goto missing;
			/* The metadata address is unicast, not local. */
			if (!strncasecmp(v, "LOCAL", 5) || !strncasecmp(v, "BROADCAST", 9) ||
			    !strncasecmp(v, "MULTICAST", 9))
				cond_add(r, C_NEVER, used_neg);
			else
				maybe(a, r, "address type");
			i++;
		} else if (o[0] == '-') {
			/* Any other option of a match (mark, set, limit, ...). Its
			 * value, if any, is the next token not starting with '-'. */
			struct strbuf w = STRBUF_INIT;
			strbuf_addf(&w, "match option '%s'", o);
			maybe(a, r, w.buf);
			strbuf_release(&w);
			if (v && v[0] != '-' && strcmp(v, "!"))
				i++;
		} else {
			strbuf_addf(err, "unexpected '%s'", o);
			return false;
		}
	}
	return true;
missing:
	strbuf_addf(err, "option needs a value");
	return false;
}

struct fw_ruleset *fw_parse_iptables(struct arena *a, struct mm_diags *d, const char *name,
				     const char *buf, size_t len)
{
	struct fw_ruleset *rs = arena_calloc(a, 1, sizeof(*rs));
	rs->a = a;
	rs->name = name;
	const char *table = NULL;
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	struct strbuf err = STRBUF_INIT;
	int order = 0;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		if (!n || line[0] == '#')
			continue;
		if (line[0] == '*') {
			table = arena_strndup(a, line + 1, n - 1);
			continue;
		}
		if (n == 6 && !memcmp(line, "COMMIT", 6)) {
			table = NULL;
			continue;
		}
		if (!table) {
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: rule outside a *table section", lineno);
			continue;
		}
		const char **t;
		size_t k = tokens(a, line, n, &t);
		if (line[0] == ':') {
			/* ":CHAIN POLICY [p:b]" */
			if (k < 2) {
				mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
					     "line %u: malformed chain line", lineno);
				continue;
			}
			struct fw_chain *c = chain_get(rs, table, t[0] + 1, true);
			c->base = strcmp(t[1], "-") != 0;
			c->accept_policy = strcmp(t[1], "DROP") != 0;
			c->order = order++;
			continue;
		}
		if (k < 2 ||
		    (strcmp(t[0], "-A") && strcmp(t[0], "--append") && strcmp(t[0], "-I"))) {
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: expected -A CHAIN ...", lineno);
			continue;
		}
		struct fw_chain *c = chain_get(rs, table, t[1], false);
		if (!c) {
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: rule for undeclared chain '%s'", lineno, t[1]);
			c = chain_get(rs, table, t[1], true);
		}
		struct fw_rule r;
		memset(&r, 0, sizeof(r));
		strbuf_reset(&err);
		if (!parse_ipt_rule(rs, t + 2, k - 2, &r, &err)) {
			mm_diags_add(d, MM_DIAG_WARNING, name, (long long)(line - buf),
				     "line %u: %s; rule treated as undecidable", lineno, err.buf);
			free(r.c);
			memset(&r, 0, sizeof(r));
			maybe(a, &r, "a rule that could not be parsed");
			r.t = TG_DROP;
			/* keep the worst reading: may drop, may not */
		}
		r.src = arena_printf(a, "%s:%u", name, lineno);
		r.text = arena_strndup(a, line, n);
		/* conditions to the arena so the ruleset owns nothing malloc'd */
		struct cond *cc = arena_calloc(a, r.nc + 1, sizeof(*cc));
		if (r.nc)
			memcpy(cc, r.c, r.nc * sizeof(*cc));
		free(r.c);
		r.c = cc;
		ALLOC_GROW(c->r, c->nr + 1, c->ar);
		c->r[c->nr++] = r;
	}
	strbuf_release(&err);
	/* iptables OUTPUT path: raw, mangle, nat, filter (security ignored). */
	static const char *const tables[] = { "raw", "mangle", "nat", "filter", NULL };
	for (size_t i = 0; i < rs->nch; i++) {
		struct fw_chain *c = &rs->ch[i];
		c->base = c->base && !strcmp(c->name, "OUTPUT");
		c->order = 99;
		for (size_t k = 0; tables[k]; k++)
			if (!strcmp(c->table, tables[k]))
				c->order = (int)k;
		if (c->base && c->order == 99)
			c->base = false;
	}
	return rs;
}

/* ---- nft list ruleset ---- */

static bool parse_nft_value_set(struct arena *a, const char **t, size_t n, size_t *i,
				struct cond *c)
{
	/* ADDR, ADDR/LEN, or { a, b/len } */
	if (!strcmp(t[*i], "{")) {
		(*i)++;
		while (*i < n && strcmp(t[*i], "}")) {
			char *v = arena_strdup(a, t[*i]);
			size_t l = strlen(v);
			if (l && v[l - 1] == ',')
				v[l - 1] = '\0';
			if (*v && !add_cidr(a, c, v))
				return false;
			(*i)++;
		}
		return *i < n;
	}
	return add_cidr(a, c, t[*i]);
}

static bool nft_op(const char *s, bool *neg)
{
	if (!strcmp(s, "!=")) {
		*neg = true;
		return true;
	}
	if (!strcmp(s, "==")) {
		*neg = false;
		return true;
	}
	return false;
}

static void parse_nft_rule(struct fw_ruleset *rs, const char **t, size_t n, struct fw_rule *r)
{
	struct arena *a = rs->a;
	for (size_t i = 0; i < n; i++) {
		const char *w = t[i];
		bool neg = false;
		if ((!strcmp(w, "ip") || !strcmp(w, "ip6")) && i + 2 < n &&
		    !strcmp(t[i + 1], "daddr")) {
			i += 2;
			if (nft_op(t[i], &neg))
				i++;
			if (i >= n) {
				maybe(a, r, "destination address");
				break;
			}
			struct cond *c = cond_add(r, C_DST, neg);
			if (!parse_nft_value_set(a, t, n, &i, c)) {
				c->kind = C_MAYBE;
				c->why = "destination set";
			}
			struct cond *f = cond_add(r, C_FAMILY, false);
			f->lo = f->hi = w[2] == '6' ? 6 : 4;
		} else if ((!strcmp(w, "ip") || !strcmp(w, "ip6")) && i + 2 < n &&
			   !strcmp(t[i + 1], "saddr")) {
			i += 2;
			if (nft_op(t[i], &neg))
				i++;
			if (i < n && !strcmp(t[i], "{"))
				while (i < n && strcmp(t[i], "}"))
					i++;
			maybe(a, r, "source address");
		} else if ((!strcmp(w, "meta") && i + 1 < n &&
			    (!strcmp(t[i + 1], "skuid") || !strcmp(t[i + 1], "skgid"))) ||
			   !strcmp(w, "skuid") || !strcmp(w, "skgid")) {
			if (!strcmp(w, "meta"))
				w = t[++i];
			bool uid = !strcmp(w, "skuid");
			i++;
			if (i < n && nft_op(t[i], &neg))
				i++;
			long lo = 0, hi = 0;
			bool ok = i < n;
			if (ok && (!strcmp(t[i], "<") || !strcmp(t[i], ">") ||
				   !strcmp(t[i], "<=") || !strcmp(t[i], ">="))) {
				const char *op = t[i++];
				ok = i < n && parse_idrange(t[i], &lo, &hi);
				if (ok) {
					if (!strcmp(op, "<"))
						lo = 0, hi = hi - 1;
					else if (!strcmp(op, "<="))
						lo = 0;
					else if (!strcmp(op, ">"))
						lo = lo + 1, hi = 0x7fffffff;
					else
						hi = 0x7fffffff;
				}
			} else if (ok) {
				ok = parse_idrange(t[i], &lo, &hi);
			}
			if (ok) {
				struct cond *c = cond_add(r, uid ? C_UID : C_GID, neg);
				c->lo = lo;
				c->hi = hi;
			} else {
				maybe(a, r, "socket owner");
			}
		} else if ((!strcmp(w, "tcp") || !strcmp(w, "th") || !strcmp(w, "udp")) &&
			   i + 1 < n && !strcmp(t[i + 1], "dport")) {
			if (strcmp(w, "th")) {
				struct cond *p = cond_add(r, C_PROTO, false);
				p->lo = p->hi = w[0] == 't' ? 6 : 17;
			}
			i += 2;
			if (i < n && nft_op(t[i], &neg))
				i++;
			long lo, hi;
			if (i < n && parse_idrange(t[i], &lo, &hi)) {
				struct cond *c = cond_add(r, C_DPORT, neg);
				c->lo = lo;
				c->hi = hi;
			} else {
				if (i < n && !strcmp(t[i], "{"))
					while (i < n && strcmp(t[i], "}"))
						i++;
				maybe(a, r, "destination port set");
			}
		} else if ((!strcmp(w, "meta") && i + 2 < n && !strcmp(t[i + 1], "l4proto")) ||
			   (!strcmp(w, "ip") && i + 2 < n && !strcmp(t[i + 1], "protocol"))) {
			i += 2;
			if (nft_op(t[i], &neg))
				i++;
			int p = i < n ? proto_num(t[i]) : -1;
			if (p > 0) {
				struct cond *c = cond_add(r, C_PROTO, neg);
				c->lo = c->hi = p;
			} else {
				maybe(a, r, "protocol");
			}
		} else if (!strcmp(w, "meta") && i + 2 < n && !strcmp(t[i + 1], "nfproto")) {
			i += 2;
			if (nft_op(t[i], &neg))
				i++;
			struct cond *c = cond_add(r, C_FAMILY, neg);
			c->lo = c->hi = i < n && !strcmp(t[i], "ipv6") ? 6 : 4;
		} else if ((!strcmp(w, "oifname") || !strcmp(w, "oif")) && i + 1 < n) {
			i++;
			if (nft_op(t[i], &neg))
				i++;
			if (i < n && !strcmp(t[i], "lo"))
				cond_add(r, C_OIF_LO, neg);
		} else if ((!strcmp(w, "iifname") || !strcmp(w, "iif")) && i + 1 < n) {
			cond_add(r, C_NEVER, false);
			i++;
		} else if (!strcmp(w, "ct") && i + 2 < n && !strcmp(t[i + 1], "state")) {
			i += 2;
			if (nft_op(t[i], &neg))
				i++;
			bool has = false;
			if (i < n && !strcmp(t[i], "{")) {
				while (i < n && strcmp(t[i], "}")) {
					if (!strncmp(t[i], "new", 3))
						has = true;
					i++;
				}
			} else if (i < n) {
				has = state_has_new(t[i]);
			}
			struct cond *c = cond_add(r, C_NEW, neg);
			c->lo = has;
		} else if (!strcmp(w, "counter")) {
			if (i + 4 < n && !strcmp(t[i + 1], "packets"))
				i += 4;
		} else if (!strcmp(w, "comment") || !strcmp(w, "log") || !strcmp(w, "prefix") ||
			   !strcmp(w, "level")) {
			if (strcmp(w, "log") && i + 1 < n)
				i++;
		} else if (!strcmp(w, "accept")) {
			r->t = TG_ACCEPT;
		} else if (!strcmp(w, "drop")) {
			r->t = TG_DROP;
		} else if (!strcmp(w, "reject")) {
			r->t = TG_DROP;
			break; /* "with icmp type ..." */
		} else if (!strcmp(w, "return")) {
			r->t = TG_RETURN;
		} else if ((!strcmp(w, "jump") || !strcmp(w, "goto")) && i + 1 < n) {
			r->t = w[0] == 'j' ? TG_JUMP : TG_GOTO;
			r->chain = t[++i];
		} else if (!strcmp(w, "dnat") || !strcmp(w, "redirect") || !strcmp(w, "tproxy")) {
			r->t = TG_REDIRECT;
			break;
		} else if (!strcmp(w, "xt") && i + 2 < n) {
			struct strbuf m = STRBUF_INIT;
			strbuf_addf(&m, "xt %s %s (iptables-nft compatibility, not shown by nft)",
				    t[i + 1], t[i + 2]);
			maybe(a, r, m.buf);
			strbuf_release(&m);
			i += 2;
		} else if (!strcmp(w, "continue") || !strcmp(w, "notrack") || !strcmp(w, "meta") ||
			   !strcmp(w, "mark") || !strcmp(w, "set")) {
			if (!strcmp(w, "meta") || !strcmp(w, "mark") || !strcmp(w, "set")) {
				struct strbuf m = STRBUF_INIT;
				strbuf_addf(&m, "'%s'", w);
				maybe(a, r, m.buf);
				strbuf_release(&m);
				/* skip the rest of this expression up to a verdict */
				while (i + 1 < n && strcmp(t[i + 1], "accept") &&
				       strcmp(t[i + 1], "drop") && strcmp(t[i + 1], "reject") &&
				       strcmp(t[i + 1], "counter") && strcmp(t[i + 1], "jump") &&
				       strcmp(t[i + 1], "goto") && strcmp(t[i + 1], "return"))
					i++;
			}
		} else {
			struct strbuf m = STRBUF_INIT;
			strbuf_addf(&m, "'%s'", w);
			maybe(a, r, m.buf);
			strbuf_release(&m);
		}
	}
}

struct fw_ruleset *fw_parse_nft(struct arena *a, struct mm_diags *d, const char *name,
				const char *buf, size_t len)
{
	struct fw_ruleset *rs = arena_calloc(a, 1, sizeof(*rs));
	rs->a = a;
	rs->name = name;
	const char *table = NULL;
	int family = 0;
	struct fw_chain *chain = NULL;
	int depth = 0; /* 1 in a table, 2 in a chain, more in sets/maps */
	size_t pos = 0, n;
	unsigned lineno = 0;
	const char *line;
	int order = 0;
	while (host_next_line(buf, len, &pos, &line, &n, &lineno)) {
		const char **t;
		size_t k = tokens(a, line, n, &t);
		if (!k || t[0][0] == '#')
			continue;
		if (!strcmp(t[0], "table") && k >= 3) {
			family = !strcmp(t[1], "ip") ? 4 : !strcmp(t[1], "ip6") ? 6 : 0;
			if (strcmp(t[1], "ip") && strcmp(t[1], "ip6") && strcmp(t[1], "inet"))
				family = -1; /* arp, bridge, netdev: not on this path */
			table = arena_printf(a, "%s %s", t[1], t[2]);
			depth = 1;
			chain = NULL;
			continue;
		}
		if (!strcmp(t[0], "chain") && k >= 2 && depth == 1) {
			chain = family >= 0 ? chain_get(rs, table, t[1], true) : NULL;
			if (chain)
				chain->family = family;
			depth = 2;
			continue;
		}
		if ((!strcmp(t[0], "set") || !strcmp(t[0], "map") || !strcmp(t[0], "flowtable") ||
		     !strcmp(t[0], "counter") || !strcmp(t[0], "quota") || !strcmp(t[0], "ct")) &&
		    depth == 1 && !strcmp(t[k - 1], "{")) {
			depth = 3;
			continue;
		}
		if (!strcmp(t[0], "}")) {
			if (depth == 3)
				depth = 1;
			else if (depth == 2) {
				depth = 1;
				chain = NULL;
			} else
				depth = 0;
			continue;
		}
		if (depth != 2 || !chain)
			continue;
		if (!strcmp(t[0], "type")) {
			/* type filter hook output priority filter; policy accept; */
			for (size_t i = 1; i + 1 < k; i++) {
				if (!strcmp(t[i], "hook"))
					chain->base = !strncmp(t[i + 1], "output", 6);
				if (!strcmp(t[i], "policy"))
					chain->accept_policy = strncmp(t[i + 1], "drop", 4) != 0;
			}
			chain->order = order++;
			continue;
		}
		if (!strcmp(t[0], "policy") && k >= 2) {
			chain->accept_policy = strncmp(t[1], "drop", 4) != 0;
			continue;
		}
		/* A rule. Strip "# handle N" comments. */
		size_t kk = k;
		for (size_t i = 0; i < k; i++)
			if (t[i][0] == '#') {
				kk = i;
				break;
			}
		struct fw_rule r;
		memset(&r, 0, sizeof(r));
		parse_nft_rule(rs, t, kk, &r);
		r.src = arena_printf(a, "%s:%u", name, lineno);
		r.text = arena_strndup(a, line, n);
		struct cond *cc = arena_calloc(a, r.nc + 1, sizeof(*cc));
		if (r.nc)
			memcpy(cc, r.c, r.nc * sizeof(*cc));
		free(r.c);
		r.c = cc;
		ALLOC_GROW(chain->r, chain->nr + 1, chain->ar);
		chain->r[chain->nr++] = r;
	}
	(void)d;
	return rs;
}

void fw_ruleset_free(struct fw_ruleset *rs)
{
	for (size_t i = 0; rs && i < rs->nch; i++)
		free(rs->ch[i].r);
	if (rs)
		free(rs->ch);
}

size_t fw_rule_count(const struct fw_ruleset *rs)
{
	size_t n = 0;
	for (size_t i = 0; rs && i < rs->nch; i++)
		n += rs->ch[i].nr;
	return n;
}

/* ---- evaluation ---- */

struct pkt {
	enum mm_family fam;
	mm_u128 dst;
	long uid, gid;
};

static enum tri cond_eval(const struct cond *c, const struct pkt *p)
{
	enum tri r;
	switch (c->kind) {
	case C_DST:
		r = T_NO;
		for (size_t i = 0; i < c->ncidrs; i++)
			if (mm_cidr_contains(&c->cidrs[i], p->fam, p->dst))
				r = T_YES;
		break;
	case C_UID:
		r = p->uid >= c->lo && p->uid <= c->hi ? T_YES : T_NO;
		break;
	case C_GID:
		r = p->gid >= c->lo && p->gid <= c->hi ? T_YES : T_NO;
		break;
	case C_DPORT:
		r = 80 >= c->lo && 80 <= c->hi ? T_YES : T_NO;
		break;
	case C_PROTO:
		r = c->lo == 6 ? T_YES : T_NO;
		break;
	case C_OIF_LO:
		r = T_NO;
		break;
	case C_NEW:
		r = c->lo ? T_YES : T_NO;
		break;
	case C_FAMILY:
		r = (c->lo == 4) == (p->fam == MM_AF_INET) ? T_YES : T_NO;
		break;
	case C_NEVER:
		r = T_NO;
		break;
	default:
		return T_MAYBE;
	}
	if (c->neg)
		r = r == T_YES ? T_NO : T_YES;
	return r;
}

static enum tri rule_eval(const struct fw_rule *r, const struct pkt *p, const char **why)
{
	enum tri res = T_YES;
	for (size_t i = 0; i < r->nc; i++) {
		enum tri t = cond_eval(&r->c[i], p);
		if (t == T_NO)
			return T_NO;
		if (t == T_MAYBE) {
			res = T_MAYBE;
			if (!*why)
				*why = r->c[i].why;
		}
	}
	return res;
}

enum chain_out { CO_ACCEPT, CO_DROP, CO_RETURN, CO_UNKNOWN };

struct evalst {
	const struct fw_ruleset *rs;
	const struct fw_rule *decider;
	bool may_escape, may_drop;	  /* a "maybe" rule could have accepted / dropped */
	const struct fw_rule *maybe_rule; /* the first such rule */
	const char *why;
};

static enum chain_out chain_eval(struct evalst *st, const struct fw_chain *c, const struct pkt *p,
				 int depth)
{
	if (depth > 32)
		return CO_UNKNOWN;
	for (size_t i = 0; i < c->nr; i++) {
		const struct fw_rule *r = &c->r[i];
		const char *why = NULL;
		enum tri m = rule_eval(r, p, &why);
		if (m == T_NO || r->t == TG_NONE || r->t == TG_CONTINUE)
			continue;
		if (m == T_MAYBE) {
			/* It may or may not apply: remember what it could do and go
			 * on as if it did not. */
			if (r->t != TG_DROP)
				st->may_escape = true;
			if (r->t != TG_ACCEPT && r->t != TG_RETURN)
				st->may_drop = true;
			if (!st->maybe_rule) {
				st->maybe_rule = r;
				st->why = why;
			}
			continue;
		}
		switch (r->t) {
		case TG_ACCEPT:
			st->decider = r;
			return CO_ACCEPT;
		case TG_DROP:
			st->decider = r;
			return CO_DROP;
		case TG_RETURN:
			return CO_RETURN;
		case TG_REDIRECT:
			st->decider = r;
			return CO_UNKNOWN;
		case TG_JUMP:
		case TG_GOTO: {
			const struct fw_chain *tc =
			    chain_get((struct fw_ruleset *)st->rs, c->table, r->chain, false);
			if (!tc) {
				st->decider = r;
				return CO_UNKNOWN;
			}
			enum chain_out o = chain_eval(st, tc, p, depth + 1);
			if (o != CO_RETURN)
				return o;
			if (r->t == TG_GOTO)
				return CO_RETURN;
			break;
		}
		default:
			break;
		}
	}
	return CO_RETURN;
}

void fw_eval_output(const struct fw_ruleset *rs, enum mm_family fam, mm_u128 dst, long uid,
		    long gid, struct fw_result *out)
{
	memset(out, 0, sizeof(*out));
	out->v = FW_ACCEPT;
	struct pkt p = { fam, dst, uid, gid };
	int maxord = -1;
	for (size_t i = 0; i < rs->nch; i++)
		if (rs->ch[i].base && rs->ch[i].order > maxord)
			maxord = rs->ch[i].order;
	/* Base chains in traversal order: a drop in any of them drops. */
	for (int ord = 0; ord <= maxord; ord++) {
		for (size_t i = 0; i < rs->nch; i++) {
			const struct fw_chain *c = &rs->ch[i];
			if (!c->base || c->order != ord)
				continue;
			if (c->family && c->family != (fam == MM_AF_INET ? 4 : 6))
				continue;
			struct evalst st = { .rs = rs };
			enum chain_out o = chain_eval(&st, c, &p, 0);
			if (o == CO_RETURN)
				o = c->accept_policy ? CO_ACCEPT : CO_DROP;
			const char *what =
			    st.decider ? st.decider->text
				       : arena_printf(rs->a, "policy %s of chain %s (table %s)",
						      c->accept_policy ? "ACCEPT" : "DROP", c->name,
						      c->table);
			if (o == CO_DROP && !st.may_escape) {
				out->v = FW_DROP;
				out->src = st.decider ? st.decider->src : NULL;
				out->what = what;
				return;
			}
			if (out->v == FW_UNKNOWN)
				continue; /* keep the first reason; a later drop still wins */
			if (o == CO_UNKNOWN) {
				out->v = FW_UNKNOWN;
				out->src = st.decider ? st.decider->src : NULL;
				out->what = what;
			} else if ((o == CO_DROP && st.may_escape) ||
				   (o == CO_ACCEPT && st.may_drop)) {
				out->v = FW_UNKNOWN;
				out->src = st.maybe_rule->src;
				out->what =
				    arena_printf(rs->a, "%s (cannot decide: %s)",
						 st.maybe_rule->text, st.why ? st.why : "?");
			} else if (o == CO_ACCEPT && !out->src) {
				out->src = st.decider ? st.decider->src : NULL;
				out->what = what;
			}
		}
	}
}
