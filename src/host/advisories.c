/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Advisories, offline: OSV JSON (one record, an array of records, or a
 * directory of them, as the OSV bulk exports unpack), the Debian security
 * tracker JSON (package -> CVE -> release -> status), and Amazon Linux /
 * RHEL-family updateinfo.xml (plain or .gz) as dnf and yum cache it. Each
 * becomes plain records (package, fixed version, severity, vendor state)
 * for one distribution release; records for other releases are skipped.
 *
 * Severity: CVSS v3 base score when the record has a vector, else the
 * vendor's word (Debian urgency, Ubuntu priority, updateinfo severity,
 * database_specific.severity). No severity is "unknown", never "low".
 */
#include "host-int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "base/hmap.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

#define MAX_ADV_FILE ((size_t)1 << 30)

static struct hadv *adv_add(struct hadvs *out)
{
	ALLOC_GROW(out->v, out->nr + 1, out->alloc);
	struct hadv *h = &out->v[out->nr++];
	memset(h, 0, sizeof(*h));
	return h;
}

static bool word_sev(const char *s, enum mm_sev *sev)
{
	if (!s)
		return false;
	static const struct {
		const char *w;
		enum mm_sev s;
	} map[] = {
		{ "critical", MM_SEV_CRITICAL }, { "important", MM_SEV_HIGH },
		{ "high", MM_SEV_HIGH },	 { "moderate", MM_SEV_MEDIUM },
		{ "medium", MM_SEV_MEDIUM },	 { "low", MM_SEV_LOW },
		{ "negligible", MM_SEV_INFO },	 { "unimportant", MM_SEV_INFO },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(s, map[i].w)) {
			*sev = map[i].s;
			return true;
		}
	return false;
}

static enum mm_sev score_sev(double score)
{
	if (score >= 9.0)
		return MM_SEV_CRITICAL;
	if (score >= 7.0)
		return MM_SEV_HIGH;
	if (score >= 4.0)
		return MM_SEV_MEDIUM;
	if (score > 0.0)
		return MM_SEV_LOW;
	return MM_SEV_INFO;
}

/* CVSS v3.0/3.1 base score (FIRST specification, section 7). */
double host_cvss3_score(const char *vec)
{
	if (strncmp(vec, "CVSS:3.", 7))
		return -1;
	double av = -1, ac = -1, pr = -1, ui = -1, c = -1, i = -1, a = -1;
	int scope = -1;
	char pr_c = 0;
	for (const char *p = strchr(vec, '/'); p && *p;) {
		p++;
		const char *colon = strchr(p, ':');
		if (!colon)
			break;
		size_t kl = (size_t)(colon - p);
		char v = colon[1];
		if (kl == 2 && !strncmp(p, "AV", 2))
			av = v == 'N'	? 0.85
			     : v == 'A' ? 0.62
			     : v == 'L' ? 0.55
			     : v == 'P' ? 0.2
					: -1;
		else if (kl == 2 && !strncmp(p, "AC", 2))
			ac = v == 'L' ? 0.77 : v == 'H' ? 0.44 : -1;
		else if (kl == 2 && !strncmp(p, "PR", 2))
			pr_c = v;
		else if (kl == 2 && !strncmp(p, "UI", 2))
			ui = v == 'N' ? 0.85 : v == 'R' ? 0.62 : -1;
		else if (kl == 1 && p[0] == 'S')
			scope = v == 'U' ? 0 : v == 'C' ? 1 : -1;
		else if (kl == 1 && (p[0] == 'C' || p[0] == 'I' || p[0] == 'A')) {
			double x = v == 'H' ? 0.56 : v == 'L' ? 0.22 : v == 'N' ? 0 : -1;
			if (p[0] == 'C')
				c = x;
			else if (p[0] == 'I')
				i = x;
			else
				a = x;
		}
		p = strchr(p, '/');
	}
	if (scope < 0)
		return -1;
	pr = pr_c == 'N'   ? 0.85
	     : pr_c == 'L' ? (scope ? 0.68 : 0.62)
	     : pr_c == 'H' ? (scope ? 0.5 : 0.27)
			   : -1;
	if (av < 0 || ac < 0 || pr < 0 || ui < 0 || c < 0 || i < 0 || a < 0)
		return -1;
	double iss = 1 - (1 - c) * (1 - i) * (1 - a);
	double impact = scope ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	double expl = 8.22 * av * ac * pr * ui;
	if (impact <= 0)
		return 0;
	double base = scope ? fmin(1.08 * (impact + expl), 10) : fmin(impact + expl, 10);
	/* Roundup to one decimal (spec's integer-based variant). */
	long long in = llround(base * 100000);
	if (in % 10000 == 0)
		return (double)in / 100000.0;
	return (floor((double)in / 10000) + 1) / 10.0;
}

void hadv_target(const struct hos *os, enum pkg_kind kind, struct arena *a, struct adv_target *t)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	if (!os->id)
		return;
	const char *v = os->version_id ? os->version_id : "";
	if (!strcmp(os->id, "debian")) {
		t->osv_ecosystem = arena_printf(a, "Debian:%s", v);
		t->debian_release = os->codename;
	} else if (!strcmp(os->id, "ubuntu")) {
		t->osv_ecosystem = arena_printf(a, "Ubuntu:%s", v);
	} else if (!strcmp(os->id, "almalinux")) {
		char major[16];
		snprintf(major, sizeof(major), "%.*s", (int)strcspn(v, "."), v);
		t->osv_ecosystem = arena_printf(a, "AlmaLinux:%s", major);
	} else if (!strcmp(os->id, "rocky")) {
		char major[16];
		snprintf(major, sizeof(major), "%.*s", (int)strcspn(v, "."), v);
		t->osv_ecosystem = arena_printf(a, "Rocky Linux:%s", major);
	} else if (!strcmp(os->id, "amzn")) {
		t->osv_ecosystem = arena_printf(a, "Amazon Linux:%s", v);
	}
}

/* "Ubuntu:22.04:LTS" and "Ubuntu:Pro:22.04:LTS" are for "Ubuntu:22.04". */
static bool ecosystem_ok(const char *eco, const struct adv_target *t)
{
	if (!eco || !t->osv_ecosystem)
		return false;
	size_t n = strlen(t->osv_ecosystem);
	if (!strncmp(eco, t->osv_ecosystem, n) && (eco[n] == '\0' || eco[n] == ':'))
		return true;
	if (!strncmp(t->osv_ecosystem, "Ubuntu:", 7) && !strncmp(eco, "Ubuntu:Pro:", 11)) {
		size_t m = strlen(t->osv_ecosystem + 7);
		return !strncmp(eco + 11, t->osv_ecosystem + 7, m) &&
		       (eco[11 + m] == '\0' || eco[11 + m] == ':');
	}
	return false;
}

static const char *join_aliases(struct arena *a, const struct json *arr)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < json_len(arr); i++) {
		const char *s = json_as_str(json_at(arr, i));
		if (!s)
			continue;
		if (sb.len)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, s);
	}
	const char *r = sb.len ? arena_strdup(a, sb.buf) : NULL;
	strbuf_release(&sb);
	return r;
}

static void osv_severity(const struct json *rec, const struct json *aff, struct hadv *h)
{
	const struct json *sev = json_get(rec, "severity");
	if (!json_len(sev))
		sev = json_get(aff, "severity");
	for (size_t i = 0; i < json_len(sev); i++) {
		const struct json *s = json_at(sev, i);
		const char *type = json_str(s, "type"), *score = json_str(s, "score");
		if (!type || !score)
			continue;
		if (!strncmp(type, "CVSS_V3", 7)) {
			double sc = host_cvss3_score(score);
			if (sc >= 0) {
				h->sev = score_sev(sc);
				h->sev_known = true;
				return;
			}
		}
		if (!strcmp(type, "Ubuntu") && word_sev(score, &h->sev)) {
			h->sev_known = true;
			return;
		}
	}
	const char *w = json_str(json_get(rec, "database_specific"), "severity");
	if (!w)
		w = json_str(json_get(aff, "ecosystem_specific"), "urgency");
	if (!w)
		w = json_str(json_get(aff, "ecosystem_specific"), "severity");
	if (!w)
		w = json_str(json_get(aff, "database_specific"), "severity");
	if (word_sev(w, &h->sev))
		h->sev_known = true;
}

static void osv_record(struct arena *a, const char *name, const struct json *rec,
		       const struct adv_target *t, struct hadvs *out)
{
	const char *id = json_str(rec, "id");
	if (!id) {
		out->records_skipped++;
		return;
	}
	if (json_str(rec, "withdrawn"))
		return;
	const struct json *affected = json_get(rec, "affected");
	for (size_t i = 0; i < json_len(affected); i++) {
		const struct json *aff = json_at(affected, i);
		const struct json *pkg = json_get(aff, "package");
		const char *eco = json_str(pkg, "ecosystem"), *pname = json_str(pkg, "name");
		if (!pname || !ecosystem_ok(eco, t))
			continue;
		const struct json *ranges = json_get(aff, "ranges");
		bool any = false;
		for (size_t r = 0; r < json_len(ranges); r++) {
			const struct json *rg = json_at(ranges, r);
			const char *type = json_str(rg, "type");
			if (type && strcmp(type, "ECOSYSTEM"))
				continue;
			const struct json *ev = json_get(rg, "events");
			const char *intro = NULL;
			for (size_t k = 0; k < json_len(ev); k++) {
				const struct json *e = json_at(ev, k);
				const char *in = json_str(e, "introduced");
				const char *fx = json_str(e, "fixed");
				const char *la = json_str(e, "last_affected");
				if (in) {
					intro = strcmp(in, "0") ? in : NULL;
					continue;
				}
				if (!fx && !la)
					continue;
				struct hadv *h = adv_add(out);
				h->id = arena_strdup(a, id);
				h->aliases = join_aliases(a, json_get(rec, "aliases"));
				h->package = arena_strdup(a, pname);
				h->introduced = intro ? arena_strdup(a, intro) : NULL;
				h->fixed = fx ? arena_strdup(a, fx) : NULL;
				h->state = fx ? ADV_FIXED : ADV_OPEN;
				if (la) {
					/* affected up to and including la, no fix */
					h->state_note = arena_printf(a, "last affected %s", la);
					h->fixed = arena_printf(a, "%s+", la);
					h->state = ADV_OPEN;
				}
				const char *sum = json_str(rec, "summary");
				h->title = sum ? arena_strdup(a, sum) : NULL;
				h->kind = t->kind;
				h->src = arena_printf(a, "%s#%s", name, id);
				osv_severity(rec, aff, h);
				any = true;
				intro = NULL;
			}
			if (intro) {
				/* introduced without an end: every later version */
				struct hadv *h = adv_add(out);
				h->id = arena_strdup(a, id);
				h->aliases = join_aliases(a, json_get(rec, "aliases"));
				h->package = arena_strdup(a, pname);
				h->introduced = arena_strdup(a, intro);
				h->state = ADV_OPEN;
				h->kind = t->kind;
				h->src = arena_printf(a, "%s#%s", name, id);
				osv_severity(rec, aff, h);
				any = true;
			}
		}
		if (!any && json_len(ranges) == 0 && json_len(json_get(aff, "versions")) == 0)
			out->records_skipped++;
	}
}

int hadvs_parse_osv(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		    size_t len, const struct adv_target *t, struct hadvs *out)
{
	struct arena tmp;
	arena_init(&tmp);
	struct json *doc = NULL;
	struct mm_err e = { 0 };
	long long off = -1;
	if (json_parse(&tmp, buf, len, NULL, &doc, &off, &e) < 0) {
		mm_diags_add(d, MM_DIAG_ERROR, name, off, "%s", e.msg);
		arena_release(&tmp);
		return MM_EPARSE;
	}
	if (doc->type == JSON_ARRAY)
		for (size_t i = 0; i < doc->n; i++)
			osv_record(a, name, json_at(doc, i), t, out);
	else
		osv_record(a, name, doc, t, out);
	arena_release(&tmp);
	return 0;
}

/* ---- Debian security tracker ---- */

int hadvs_parse_debian(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
		       size_t len, const struct adv_target *t, struct hadvs *out)
{
	if (!t->debian_release) {
		mm_diags_add(d, MM_DIAG_WARNING, name, -1,
			     "Debian security tracker data, but this host is not a Debian release "
			     "with a codename; skipped");
		return 0;
	}
	struct arena tmp;
	arena_init(&tmp);
	char *copy = arena_strndup(&tmp, buf, len);
	struct json *doc = NULL;
	struct mm_err e = { 0 };
	long long off = -1;
	if (json_parse_insitu(&tmp, copy, len, NULL, &doc, &off, &e) < 0) {
		mm_diags_add(d, MM_DIAG_ERROR, name, off, "%s", e.msg);
		arena_release(&tmp);
		return MM_EPARSE;
	}
	for (uint32_t p = 0; doc->type == JSON_OBJECT && p < doc->n; p++) {
		const char *pkg = doc->u.members[p].key;
		const struct json *cves = &doc->u.members[p].v;
		const char *pkg_copy = NULL;
		for (uint32_t c = 0; cves->type == JSON_OBJECT && c < cves->n; c++) {
			const char *cve = cves->u.members[c].key;
			const struct json *ent = &cves->u.members[c].v;
			const struct json *rel =
			    json_get(json_get(ent, "releases"), t->debian_release);
			if (!rel)
				continue;
			const char *status = json_str(rel, "status");
			const char *fixed = json_str(rel, "fixed_version");
			const char *urg = json_str(rel, "urgency");
			const char *nodsa = json_str(rel, "nodsa");
			const char *reason = json_str(rel, "nodsa_reason");
			if (!status) {
				out->records_skipped++;
				continue;
			}
			if (!strcmp(status, "resolved") && fixed && !strcmp(fixed, "0"))
				continue; /* never affected in this release */
			if (!pkg_copy)
				pkg_copy = arena_strdup(a, pkg);
			struct hadv *h = adv_add(out);
			h->id = arena_strdup(a, cve);
			h->package = pkg_copy;
			h->kind = PKG_DPKG;
			const char *desc = json_str(ent, "description");
			h->title = desc ? arena_strdup(a, desc) : NULL;
			h->src = arena_printf(a, "%s#/%s/%s/releases/%s", name, pkg, cve,
					      t->debian_release);
			if (urg && word_sev(urg, &h->sev))
				h->sev_known = true;
			if (!strcmp(status, "resolved") && fixed) {
				h->state = ADV_FIXED;
				h->fixed = arena_strdup(a, fixed);
			} else if (urg && !strcmp(urg, "end-of-life")) {
				h->state = ADV_EOL;
				h->state_note = "end-of-life: no longer supported in this release";
			} else if (reason && !strcmp(reason, "postponed")) {
				h->state = ADV_POSTPONED;
				h->state_note = "postponed (to a point release)";
			} else if (reason && !strcmp(reason, "ignored")) {
				h->state = ADV_IGNORED;
				h->state_note = arena_printf(a, "ignored%s%s", nodsa ? ": " : "",
							     nodsa ? nodsa : "");
			} else if (nodsa) {
				h->state = ADV_NO_DSA;
				h->state_note = arena_printf(a, "no-dsa: %s", nodsa);
			} else {
				h->state = ADV_OPEN;
				h->state_note = strcmp(status, "open") ? "undetermined" : "open";
			}
		}
	}
	arena_release(&tmp);
	return 0;
}

/* ---- updateinfo.xml ---- */

static const char *xattr(struct arena *a, xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	if (!v)
		return NULL;
	const char *s = arena_strdup(a, (const char *)v);
	xmlFree(v);
	return s;
}

static const char *xtext(struct arena *a, xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	if (!v)
		return NULL;
	const char *s = arena_strdup(a, (const char *)v);
	xmlFree(v);
	return s;
}

static bool xis(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

int hadvs_parse_updateinfo(struct arena *a, struct mm_diags *d, const char *name, const char *buf,
			   size_t len, const struct adv_target *t, struct hadvs *out)
{
	(void)t;
	if (len > INT32_MAX)
		return MM_ELIMIT;
	xmlDoc *doc = xmlReadMemory(buf, (int)len, name, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_HUGE);
	if (!doc) {
		const xmlError *xe = xmlGetLastError();
		mm_diags_add(d, MM_DIAG_ERROR, name, -1, "not well-formed XML%s%s (line %d)",
			     xe && xe->message ? ": " : "", xe && xe->message ? xe->message : "",
			     xe ? xe->line : 0);
		return MM_EPARSE;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!root || !xis(root, "updates")) {
		mm_diags_add(d, MM_DIAG_ERROR, name, -1, "expected an <updates> document");
		xmlFreeDoc(doc);
		return MM_ETYPE;
	}
	for (xmlNode *u = root->children; u; u = u->next) {
		if (!xis(u, "update"))
			continue;
		const char *type = xattr(a, u, "type");
		if (type && strcmp(type, "security"))
			continue;
		const char *id = NULL, *title = NULL, *sevw = NULL;
		struct strbuf cves = STRBUF_INIT;
		xmlNode *pkglist = NULL;
		for (xmlNode *c = u->children; c; c = c->next) {
			if (xis(c, "id"))
				id = xtext(a, c);
			else if (xis(c, "title"))
				title = xtext(a, c);
			else if (xis(c, "severity"))
				sevw = xtext(a, c);
			else if (xis(c, "pkglist"))
				pkglist = c;
			else if (xis(c, "references"))
				for (xmlNode *r = c->children; r; r = r->next) {
					if (!xis(r, "reference"))
						continue;
					const char *rt = xattr(a, r, "type");
					const char *rid = xattr(a, r, "id");
					if (rt && rid && !strcmp(rt, "cve")) {
						if (cves.len)
							strbuf_addstr(&cves, ", ");
						strbuf_addstr(&cves, rid);
					}
				}
		}
		if (!id || !pkglist) {
			out->records_skipped++;
			strbuf_release(&cves);
			continue;
		}
		const char *aliases = cves.len ? arena_strdup(a, cves.buf) : NULL;
		strbuf_release(&cves);
		enum mm_sev sev = MM_SEV_INFO;
		bool known = word_sev(sevw, &sev);
		for (xmlNode *col = pkglist->children; col; col = col->next) {
			if (!xis(col, "collection"))
				continue;
			for (xmlNode *p = col->children; p; p = p->next) {
				if (!xis(p, "package"))
					continue;
				const char *pn = xattr(a, p, "name"), *ep = xattr(a, p, "epoch");
				const char *ver = xattr(a, p, "version"),
					   *rel = xattr(a, p, "release");
				const char *arch = xattr(a, p, "arch");
				if (!pn || !ver || !rel) {
					out->records_skipped++;
					continue;
				}
				struct hadv *h = adv_add(out);
				h->id = id;
				h->aliases = aliases;
				h->package = pn;
				h->fixed = ep && strcmp(ep, "0")
					       ? arena_printf(a, "%s:%s-%s", ep, ver, rel)
					       : arena_printf(a, "%s-%s", ver, rel);
				h->state = ADV_FIXED;
				h->sev = sev;
				h->sev_known = known;
				h->title = title;
				h->kind = PKG_RPM;
				h->state_note = arch; /* arch of the fixed package */
				h->src = arena_printf(a, "%s#%s", name, id);
			}
		}
	}
	xmlFreeDoc(doc);
	return 0;
}

/* ---- files and directories ---- */

static char *gunzip_all(const char *buf, size_t len, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)len;
	int rc = Z_OK;
	while (rc == Z_OK && sb.len < MAX_ADV_FILE) {
		strbuf_grow(&sb, 1 << 20);
		z.next_out = (Bytef *)sb.buf + sb.len;
		z.avail_out = 1 << 20;
		rc = inflate(&z, Z_NO_FLUSH);
		sb.len += (1 << 20) - z.avail_out;
		sb.buf[sb.len] = '\0';
	}
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		strbuf_release(&sb);
		return NULL;
	}
	*out_len = sb.len;
	return strbuf_detach(&sb, NULL);
}

static void load_one(struct arena *a, struct mm_diags *d, const char *path,
		     const struct adv_target *t, struct hadvs *out)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		mm_diags_add(d, MM_DIAG_ERROR, path, -1, "cannot read advisories: %s",
			     strerror(errno));
		out->files_failed++;
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	char tmp[1 << 16];
	size_t k;
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0 && sb.len < MAX_ADV_FILE)
		strbuf_add(&sb, tmp, k);
	fclose(f);
	char *buf = sb.buf;
	size_t len = sb.len;
	char *z = NULL;
	if (len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b) {
		size_t zl;
		z = gunzip_all(buf, len, &zl);
		if (!z) {
			mm_diags_add(d, MM_DIAG_ERROR, path, -1, "broken gzip data");
			out->files_failed++;
			strbuf_release(&sb);
			return;
		}
		buf = z;
		len = zl;
	}
	if (len >= 3 && !memcmp(buf, "BZh", 3)) {
		mm_diags_add(d, MM_DIAG_ERROR, path, -1,
			     "bzip2-compressed: decompress it first (bunzip2)");
		out->files_failed++;
		free(z);
		strbuf_release(&sb);
		return;
	}
	size_t i = 0;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	int rc;
	if (i < len && buf[i] == '<') {
		rc = hadvs_parse_updateinfo(a, d, path, buf, len, t, out);
	} else if (i < len && buf[i] == '[') {
		rc = hadvs_parse_osv(a, d, path, buf, len, t, out);
	} else if (i < len && buf[i] == '{') {
		/* OSV records have "id" and "affected"/"modified" near the top;
		 * the tracker is {"pkg": {"CVE-...": {...}}}. Look at the first key. */
		size_t q = i + 1;
		while (q < len && isspace((unsigned char)buf[q]))
			q++;
		bool osv = false;
		static const char *const keys[] = { "\"id\"",	    "\"schema_version\"",
						    "\"modified\"", "\"published\"",
						    "\"aliases\"",  NULL };
		for (size_t kk = 0; keys[kk]; kk++)
			if (len - q >= strlen(keys[kk]) &&
			    !memcmp(buf + q, keys[kk], strlen(keys[kk])))
				osv = true;
		rc = osv ? hadvs_parse_osv(a, d, path, buf, len, t, out)
			 : hadvs_parse_debian(a, d, path, buf, len, t, out);
	} else {
		mm_diags_add(d, MM_DIAG_ERROR, path, -1,
			     "not an advisory file (expected OSV or Debian tracker JSON, or "
			     "updateinfo XML)");
		rc = MM_EPARSE;
	}
	if (rc < 0)
		out->files_failed++;
	else
		out->files++;
	free(z);
	strbuf_release(&sb);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void hadvs_load_path(struct arena *a, struct mm_diags *d, const char *path,
		     const struct adv_target *t, struct hadvs *out)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		mm_diags_add(d, MM_DIAG_ERROR, path, -1, "cannot read advisories: %s",
			     strerror(errno));
		out->files_failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		load_one(a, d, path, t, out);
		return;
	}
	DIR *dir = opendir(path);
	if (!dir) {
		mm_diags_add(d, MM_DIAG_ERROR, path, -1, "cannot read directory: %s",
			     strerror(errno));
		out->files_failed++;
		return;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		ALLOC_GROW(names, n + 1, alloc);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	if (n)
		mm_qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "%s/%s", path, names[i]);
		hadvs_load_path(a, d, p.buf, t, out);
		strbuf_release(&p);
		free(names[i]);
	}
	free(names);
}

void hadvs_release(struct hadvs *x)
{
	free(x->v);
	memset(x, 0, sizeof(*x));
}

/* ---- matching ---- */

struct pnode {
	const struct hpkg *p;
	struct pnode *next;
};

static int vcmp(enum pkg_kind k, const char *a, const char *b)
{
	return k == PKG_DPKG ? dpkg_vercmp(a, b) : rpm_evrcmp(a, b);
}

void host_match(const struct hpkgs *p, const struct hadvs *adv, struct hvulns *out)
{
	struct hmap byname = HMAP_INIT;
	struct pnode *nodes = xcalloc(p->nr * 2 + 1, sizeof(*nodes));
	size_t nn = 0;
	for (size_t i = 0; i < p->nr; i++) {
		const struct hpkg *k = &p->v[i];
		if (k->kernel_other)
			continue; /* an installed kernel that is not running */
		/* dpkg advisories name source packages; rpm ones binary ones. */
		const char *key = k->kind == PKG_DPKG ? k->source : k->name;
		struct pnode *nd = &nodes[nn++];
		nd->p = k;
		nd->next = hmap_get(&byname, key);
		hmap_put(&byname, key, nd);
	}
	for (size_t i = 0; i < adv->nr; i++) {
		const struct hadv *h = &adv->v[i];
		if (h->kind != p->kind)
			continue;
		/* Several binary packages share one source: report the source
		 * once per advisory (the first binary, in status order). */
		const char *last_source = NULL;
		for (struct pnode *nd = hmap_get(&byname, h->package); nd; nd = nd->next) {
			const struct hpkg *k = nd->p;
			const char *ver = k->kind == PKG_DPKG ? k->src_version : k->version;
			if (k->kind == PKG_RPM && h->state_note && k->arch &&
			    strcmp(h->state_note, k->arch) && strcmp(h->state_note, "noarch") &&
			    strcmp(k->arch, "noarch") && h->state == ADV_FIXED)
				continue; /* updateinfo: fixed package of another arch */
			if (h->introduced && vcmp(k->kind, ver, h->introduced) < 0)
				continue;
			if (h->fixed && h->state == ADV_FIXED && vcmp(k->kind, ver, h->fixed) >= 0)
				continue;
			if (h->fixed && h->state != ADV_FIXED) {
				/* last_affected: "X+" means affected up to X */
				size_t fl = strlen(h->fixed);
				if (fl && h->fixed[fl - 1] == '+') {
					char *la = xstrndup(h->fixed, fl - 1);
					int c = vcmp(k->kind, ver, la);
					free(la);
					if (c > 0)
						continue;
				}
			}
			if (k->kind == PKG_DPKG && last_source && !strcmp(last_source, k->source))
				continue;
			last_source = k->source;
			ALLOC_GROW(out->v, out->nr + 1, out->alloc);
			out->v[out->nr].pkg = k;
			out->v[out->nr].adv = h;
			out->v[out->nr].installed = ver;
			out->nr++;
		}
	}
	hmap_release(&byname);
	free(nodes);
}

void hvulns_release(struct hvulns *v)
{
	free(v->v);
	memset(v, 0, sizeof(*v));
}
