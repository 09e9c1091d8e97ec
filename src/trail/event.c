/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event view over one CloudTrail record (trail-int.h): member values
 * parsed on first read, field paths (Sigma's dots, Falco's JSON pointers),
 * event time, and the list of fields CloudTrail records carry (for the
 * unknown-field warnings of the rule loaders).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "trail-int.h"
#include "base/wrapper.h"
#include "base/banned.h"

/* json.c counts the record object as one level; a member starts one deeper. */
static const struct json_limits member_limits = { .max_depth = JSON_DEFAULT_MAX_DEPTH - 1 };

static void note_error(struct tr_event *ev, long long off, const char *msg)
{
	if (ev->perr)
		return;
	ev->perr = MM_EPARSE;
	ev->perr_off = off;
	/* json.c's message names an offset in the record buffer: drop it, the
	 * reader reports the document offset */
	const char *at = strstr(msg, " at offset ");
	int n = at ? (int)(at - msg) : (int)strlen(msg);
	snprintf(ev->perr_msg, sizeof(ev->perr_msg), "%.*s", n, msg);
}

/* b[k..e) holds no backslash, control character, DEL or non-ASCII byte:
 * a JSON string body that decodes to itself. */
static bool plain_ascii(const char *b, size_t k, size_t e)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(0x20), bs = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f);
	for (; k + 16 <= e; k += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + k));
		/* signed compare: bytes >= 0x80 are below 0x20 too */
		__m128i bad =
		    _mm_or_si128(_mm_cmplt_epi8(x, sp),
				 _mm_or_si128(_mm_cmpeq_epi8(x, bs), _mm_cmpeq_epi8(x, del)));
		if (_mm_movemask_epi8(bad))
			return false;
	}
#endif
	for (; k < e; k++) {
		unsigned char c = (unsigned char)b[k];
		if (c < 0x20 || c >= 0x7f || c == '\\')
			return false;
	}
	return true;
}

static const struct json *member_value(struct tr_event *ev, struct tr_member *m)
{
	if (m->state == 1)
		return m->v;
	if (m->state < 0)
		return NULL;
	/* a string of printable ASCII without escapes is its own decoding (json.c
	 * would give the same bytes): no parser needed for most values */
	const char *b = ev->buf;
	if (b[m->start] == '"' && m->end - m->start >= 2 && b[m->end - 1] == '"') {
		size_t e = m->end - 1;
		if (plain_ascii(b, m->start + 1, e)) {
			struct json *sv = arena_alloc(ev->a, sizeof(*sv));
			sv->type = JSON_STRING;
			sv->off = m->start;
			sv->n = (uint32_t)(e - m->start - 1);
			ev->buf[e] = '\0'; /* in situ, as json.c does */
			sv->u.s = ev->buf + m->start + 1;
			m->v = sv;
			m->state = 1;
			return sv;
		}
	}
	size_t pos = m->start;
	struct json *v = NULL;
	struct mm_err e;
	long long eo = -1;
	int r = json_parse_next_insitu(ev->a, ev->buf, m->end, &pos, &member_limits, &v, &eo, &e);
	if (r == 0 && pos != m->end) {
		r = MM_EPARSE;
		eo = (long long)pos;
		snprintf(e.msg, sizeof(e.msg), "unexpected data after the value");
	}
	if (r) {
		m->state = -1;
		note_error(ev, (long long)ev->off + (eo >= 0 ? eo : (long long)m->start),
			   r == 1 ? "expected a JSON value" : e.msg);
		return NULL;
	}
	m->v = v;
	m->state = 1;
	return v;
}

int tr_event_parse_all(struct tr_event *ev)
{
	for (size_t i = 0; i < ev->nm; i++)
		member_value(ev, &ev->m[i]);
	return ev->perr;
}

const struct json *tr_event_get(struct tr_event *ev, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < ev->nm; i++) {
		struct tr_member *m = &ev->m[i];
		if (m->klen == kl && memcmp(m->key, key, kl) == 0)
			return member_value(ev, m);
	}
	return NULL;
}

const char *tr_event_str(struct tr_event *ev, const char *key)
{
	return json_as_str(tr_event_get(ev, key));
}

const char *tr_event_pstr(struct tr_event *ev, const char *dotted)
{
	char first[64];
	const char *dot = strchr(dotted, '.');
	size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
	if (n >= sizeof(first))
		return NULL;
	memcpy(first, dotted, n);
	first[n] = '\0';
	const struct json *v = tr_event_get(ev, first);
	while (v && dot) {
		const char *s = dot + 1;
		dot = strchr(s, '.');
		n = dot ? (size_t)(dot - s) : strlen(s);
		if (n >= sizeof(first))
			return NULL;
		memcpy(first, s, n);
		first[n] = '\0';
		v = json_get(v, first);
	}
	return json_as_str(v);
}

const char *tr_event_raw(struct tr_event *ev, size_t *n)
{
	if (!ev->rawtext) {
		struct strbuf sb = STRBUF_INIT;
		tr_event_parse_all(ev);
		strbuf_addch(&sb, '{');
		bool first = true;
		for (size_t i = 0; i < ev->nm; i++) {
			const struct json *v = ev->m[i].state == 1 ? ev->m[i].v : NULL;
			if (!v)
				continue;
			if (!first)
				strbuf_addch(&sb, ',');
			first = false;
			strbuf_add_json_strn(&sb, ev->m[i].key, ev->m[i].klen);
			strbuf_addch(&sb, ':');
			json_write(&sb, v);
		}
		strbuf_addch(&sb, '}');
		ev->rawtext = arena_strndup(ev->a, sb.buf, sb.len);
		ev->rawlen = sb.len;
		strbuf_release(&sb);
	}
	if (n)
		*n = ev->rawlen;
	return ev->rawtext;
}

const char *tr_json_text(struct arena *a, const struct json *v, size_t *n)
{
	if (!v)
		return NULL;
	switch (v->type) {
	case JSON_STRING:
		*n = v->n;
		return v->u.s;
	case JSON_NUMBER:
		*n = strlen(v->u.s);
		return v->u.s;
	case JSON_TRUE:
		*n = 4;
		return "true";
	case JSON_FALSE:
		*n = 5;
		return "false";
	case JSON_NULL:
		return NULL;
	default: {
		struct strbuf sb = STRBUF_INIT;
		json_write(&sb, v);
		char *s = arena_strndup(a, sb.buf, sb.len);
		*n = sb.len;
		strbuf_release(&sb);
		return s;
	}
	}
}

/* ------------------------------------------------------------------ */
/* time */

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

int tr_parse_time(const char *s, long long *ms)
{
	int y, mo, d, h, mi, sec, frac = 0;
	if (!s || strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		int scale = 100;
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			frac += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	long long off_s = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		int sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh))
			return -1;
		const char *q = p + 3;
		if (*q == ':')
			q++;
		if (digits(q, 2, &om))
			return -1;
		off_s = sign * (oh * 3600LL + om * 60LL);
		p = q + 2;
	}
	if (*p)
		return -1;
	long long t = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + sec - off_s;
	*ms = t * 1000 + frac;
	return 0;
}

/* ------------------------------------------------------------------ */
/* paths */

int tr_path_dotted(struct arena *a, const char *text, struct tr_path *p)
{
	memset(p, 0, sizeof(*p));
	p->text = arena_strdup(a, text);
	size_t n = 1;
	for (const char *c = text; *c; c++)
		n += *c == '.';
	p->seg = arena_calloc(a, n, sizeof(*p->seg));
	const char *s = p->text;
	for (;;) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		if (!l)
			return -1;
		p->seg[p->nseg].s = s;
		p->seg[p->nseg].n = (uint32_t)l;
		p->seg[p->nseg].idx = -1;
		p->nseg++;
		if (!dot)
			break;
		s = dot + 1;
	}
	return 0;
}

int tr_path_pointer(struct arena *a, const char *text, struct tr_path *p)
{
	memset(p, 0, sizeof(*p));
	p->pointer = true;
	p->text = arena_strdup(a, text);
	if (text[0] != '/')
		return -1;
	size_t n = 0;
	for (const char *c = text; *c; c++)
		n += *c == '/';
	p->seg = arena_calloc(a, n, sizeof(*p->seg));
	const char *s = text + 1;
	for (;;) {
		const char *sl = strchr(s, '/');
		size_t l = sl ? (size_t)(sl - s) : strlen(s);
		/* RFC 6901: ~1 is '/', ~0 is '~' */
		char *dec = arena_alloc(a, l + 1);
		size_t k = 0;
		for (size_t i = 0; i < l; i++) {
			if (s[i] == '~' && i + 1 < l && (s[i + 1] == '0' || s[i + 1] == '1')) {
				dec[k++] = s[i + 1] == '0' ? '~' : '/';
				i++;
			} else {
				dec[k++] = s[i];
			}
		}
		dec[k] = '\0';
		struct tr_seg *g = &p->seg[p->nseg++];
		g->s = dec;
		g->n = (uint32_t)k;
		g->idx = -1;
		if (k && k < 10 && strspn(dec, "0123456789") == k && (k == 1 || dec[0] != '0'))
			g->idx = (int32_t)strtol(dec, NULL, 10);
		if (!sl)
			break;
		s = sl + 1;
	}
	return 0;
}

static const struct json *obj_getn(const struct json *obj, const char *k, size_t kl)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (uint32_t i = 0; i < obj->n; i++) {
		const struct json_member *m = &obj->u.members[i];
		if (m->klen == kl && memcmp(m->key, k, kl) == 0)
			return &m->v;
	}
	return NULL;
}

static void add_val(struct tr_vals *out, const struct json *v)
{
	if (out->n < TR_MAXV)
		out->v[out->n++] = v;
}

static void collect(const struct json *v, const struct tr_path *p, uint32_t i, struct tr_vals *out)
{
	if (!v)
		return;
	if (!p->pointer && v->type == JSON_ARRAY) {
		/* a list field: each element stands for the field */
		for (uint32_t k = 0; k < v->n; k++)
			collect(&v->u.items[k], p, i, out);
		return;
	}
	if (i == p->nseg) {
		add_val(out, v);
		return;
	}
	const struct tr_seg *g = &p->seg[i];
	if (v->type == JSON_ARRAY) {
		if (g->idx >= 0 && (uint32_t)g->idx < v->n)
			collect(&v->u.items[g->idx], p, i + 1, out);
		return;
	}
	collect(obj_getn(v, g->s, g->n), p, i + 1, out);
}

/*
 * Lazy descent: the members of the object at ev->buf[start..end), scanned
 * (not parsed) into an arena table with ranges relative to the record.
 * NULL when it is not an object or does not scan (the caller then parses).
 */
static struct tr_member *scan_kids(struct tr_event *ev, size_t start, size_t end, uint32_t *n)
{
	if (ev->buf[start] != '{')
		return NULL;
	struct tr_member *m = NULL;
	size_t nm = 0, am = 0, e = 0, err_at = 0;
	const char *why;
	int r = tr_scan_object(ev->buf, end, start, ev->a, &m, &nm, &am, &e, &err_at, &why);
	struct tr_member *out = NULL;
	if (r == 0 && e == end) {
		out = arena_calloc(ev->a, nm + 1, sizeof(*out));
		for (size_t i = 0; i < nm; i++) {
			out[i] = m[i];
			out[i].start += (uint32_t)start;
			out[i].end += (uint32_t)start;
		}
		*n = (uint32_t)nm;
	}
	free(m);
	return out;
}

/* A leaf value, parsed without touching the record bytes (the member may
 * still be parsed whole, in place, later). */
static const struct json *leaf_value(struct tr_event *ev, size_t start, size_t end)
{
	const char *b = ev->buf;
	if (b[start] == '"' && end - start >= 2) {
		size_t e = end - 1;
		if (plain_ascii(b, start + 1, e)) {
			struct json *sv = arena_alloc(ev->a, sizeof(*sv));
			sv->type = JSON_STRING;
			sv->off = start;
			sv->n = (uint32_t)(e - start - 1);
			sv->u.s = arena_strndup(ev->a, b + start + 1, e - start - 1);
			return sv;
		}
	}
	struct json *v = NULL;
	struct mm_err e;
	size_t pos = start;
	if (json_parse_next(ev->a, b, end, &pos, &member_limits, &v, NULL, &e) || pos != end)
		return NULL;
	return v;
}

/* 1: handled lazily; 0: the caller must parse the member whole */
static int lazy_collect(struct tr_event *ev, struct tr_member *kids, uint32_t nkids,
			const struct tr_path *p, uint32_t i, struct tr_vals *out)
{
	const struct tr_seg *g = &p->seg[i];
	for (uint32_t k = 0; k < nkids; k++) {
		struct tr_member *c = &kids[k];
		if (c->klen != g->n || memcmp(c->key, g->s, g->n))
			continue;
		char first = ev->buf[c->start];
		if (i + 1 == p->nseg) {
			if (first == '[' || first == '{')
				return 0; /* a container as a value: use the DOM */
			const struct json *v = leaf_value(ev, c->start, c->end);
			if (!v)
				return 0;
			add_val(out, v);
			return 1;
		}
		if (first != '{')
			return first == '[' ? 0 : 1; /* arrays: DOM; scalars have no fields */
		uint32_t n = 0;
		struct tr_member *sub = scan_kids(ev, c->start, c->end, &n);
		if (!sub)
			return 0;
		return lazy_collect(ev, sub, n, p, i + 1, out);
	}
	return 1; /* absent */
}

void tr_path_collect(struct tr_event *ev, const struct tr_path *p, struct tr_vals *out)
{
	out->n = 0;
	if (!p->nseg)
		return;
	const struct tr_seg *g = &p->seg[0];
	for (size_t i = 0; i < ev->nm; i++) {
		struct tr_member *m = &ev->m[i];
		if (m->klen != g->n || memcmp(m->key, g->s, g->n) != 0)
			continue;
		/* a field inside an object nobody parsed yet: scan, do not parse */
		if (m->state == 0 && p->nseg > 1 && !p->pointer && m->kstate >= 0 &&
		    ev->buf[m->start] == '{') {
			if (!m->kstate) {
				m->kids = scan_kids(ev, m->start, m->end, &m->nkids);
				m->kstate = m->kids ? 1 : -1;
			}
			if (m->kstate > 0 && lazy_collect(ev, m->kids, m->nkids, p, 1, out))
				return;
			out->n = 0;
		}
		collect(member_value(ev, m), p, 1, out);
		return; /* the first member of that name, as json_get */
	}
}

/* ------------------------------------------------------------------ */
/* CloudTrail record fields (AWS CloudTrail User Guide, "CloudTrail record
 * contents"): top-level names, and the fixed sub-fields of userIdentity,
 * tlsDetails and addendum. requestParameters, responseElements,
 * additionalEventData, serviceEventDetails and resources hold whatever the
 * service puts there. */

static const char *const top_fields[] = {
	"eventVersion",
	"userIdentity",
	"eventTime",
	"eventSource",
	"eventName",
	"awsRegion",
	"sourceIPAddress",
	"userAgent",
	"errorCode",
	"errorMessage",
	"requestParameters",
	"responseElements",
	"additionalEventData",
	"requestID",
	"eventID",
	"eventType",
	"apiVersion",
	"managementEvent",
	"readOnly",
	"resources",
	"recipientAccountId",
	"serviceEventDetails",
	"sharedEventID",
	"vpcEndpointId",
	"vpcEndpointAccountId",
	"eventCategory",
	"addendum",
	"sessionCredentialFromConsole",
	"edgeDeviceDetails",
	"tlsDetails",
	"insightDetails",
	NULL,
};

static const char *const free_form[] = {
	"requestParameters", "responseElements",  "additionalEventData", "serviceEventDetails",
	"resources",	     "edgeDeviceDetails", "insightDetails",	 NULL,
};

static const char *const sub_fields[] = {
	"userIdentity.type",
	"userIdentity.principalId",
	"userIdentity.arn",
	"userIdentity.accountId",
	"userIdentity.accessKeyId",
	"userIdentity.userName",
	"userIdentity.invokedBy",
	"userIdentity.identityProvider",
	"userIdentity.credentialId",
	"userIdentity.onBehalfOf",
	"userIdentity.onBehalfOf.userId",
	"userIdentity.onBehalfOf.identityStoreArn",
	"userIdentity.inScopeOf",
	"userIdentity.inScopeOf.sourceArn",
	"userIdentity.inScopeOf.sourceAccount",
	"userIdentity.inScopeOf.issuerType",
	"userIdentity.inScopeOf.credentialsIssuedTo",
	"userIdentity.sessionContext",
	"userIdentity.sessionContext.attributes",
	"userIdentity.sessionContext.attributes.creationDate",
	"userIdentity.sessionContext.attributes.mfaAuthenticated",
	"userIdentity.sessionContext.sessionIssuer",
	"userIdentity.sessionContext.sessionIssuer.type",
	"userIdentity.sessionContext.sessionIssuer.principalId",
	"userIdentity.sessionContext.sessionIssuer.arn",
	"userIdentity.sessionContext.sessionIssuer.accountId",
	"userIdentity.sessionContext.sessionIssuer.userName",
	"userIdentity.sessionContext.webIdFederationData",
	"userIdentity.sessionContext.webIdFederationData.federatedProvider",
	"userIdentity.sessionContext.webIdFederationData.attributes",
	"userIdentity.sessionContext.sourceIdentity",
	"userIdentity.sessionContext.ec2RoleDelivery",
	"userIdentity.sessionContext.ec2Issuer",
	"userIdentity.sessionContext.assumedRoot",
	"tlsDetails.tlsVersion",
	"tlsDetails.cipherSuite",
	"tlsDetails.clientProvidedHostHeader",
	"addendum.reason",
	"addendum.updatedFields",
	"addendum.originalRequestID",
	"addendum.originalEventID",
	NULL,
};

bool tr_known_field(const char *f)
{
	const char *dot = strchr(f, '.');
	size_t n = dot ? (size_t)(dot - f) : strlen(f);
	for (size_t i = 0; free_form[i]; i++)
		if (strlen(free_form[i]) == n && !strncmp(free_form[i], f, n))
			return true;
	if (!dot) {
		for (size_t i = 0; top_fields[i]; i++)
			if (!strcmp(top_fields[i], f))
				return true;
		return false;
	}
	/* webIdFederationData.attributes holds provider-specific claims */
	if (!strncmp(f, "userIdentity.sessionContext.webIdFederationData.attributes.", 59))
		return true;
	for (size_t i = 0; sub_fields[i]; i++)
		if (!strcmp(sub_fields[i], f))
			return true;
	return false;
}
