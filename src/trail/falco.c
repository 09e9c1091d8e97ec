/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Falco-compatible subset for CloudTrail rules (falcosecurity/plugins,
 * plugins/cloudtrail): rule, macro and list items (with append and
 * override), conditions with and/or/not and parentheses, the comparison
 * operators = == != < <= > >= contains icontains bcontains startswith
 * bstartswith endswith glob iglob in intersects pmatch exists regex, the
 * cloudtrail plugin's fields (ct.*, s3.*, ec2.*, ecr.*, iam.*), the json
 * plugin's json.value[/pointer], evt.num/evt.time, rule exceptions, output
 * templates and priorities. Rules whose `source` is not aws_cloudtrail are
 * refused (they need the syscall engine); transformers (tolower(...)) and
 * field-to-field comparisons (val(...)) are refused with the reason.
 *
 * Semantics follow Falco's: a comparison on a field the event does not have
 * is false (so `not ct.error exists` holds for a call that succeeded);
 * string comparisons are case-sensitive except the i-operators; `in` tests
 * equality with any item, lists named in it expanded.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trail-int.h"
#include "base/hmap.h"
#include "base/wrapper.h"
#include "base/banned.h"

/* ------------------------------------------------------------------ */
/* fields */

enum fk {
	F_UNKNOWN,
	F_PATH,	   /* a CloudTrail path (dotted), string or JSON text */
	F_JSONPTR, /* json.value[/ptr] */
	F_SHORTSRC,
	F_USER,
	F_ORIGUSER,
	F_INFO,
	F_S3URI,
	F_S3BYTES,
	F_S3BYTES_IN,
	F_S3BYTES_OUT,
	F_S3CNT_GET,
	F_S3CNT_PUT,
	F_S3CNT_OTHER,
	F_EC2NAME,
	F_EC2IMAGEID,
	F_EC2IMAGEIDS,
	F_EVTNUM,
	F_SOURCE,
	F_WHOLE, /* json.obj: the whole record */
};

static const struct {
	const char *name;
	enum fk kind;
	const char *path;
} fields[] = {
	{ "ct.id", F_PATH, "eventID" },
	{ "ct.error", F_PATH, "errorCode" },
	{ "ct.errormessage", F_PATH, "errorMessage" },
	{ "ct.time", F_PATH, "eventTime" },
	{ "ct.src", F_PATH, "eventSource" },
	{ "ct.shortsrc", F_SHORTSRC, NULL },
	{ "ct.name", F_PATH, "eventName" },
	{ "ct.user", F_USER, NULL },
	{ "ct.originaluser", F_ORIGUSER, NULL },
	{ "ct.user.accountid", F_PATH, "userIdentity.accountId" },
	{ "ct.user.identitytype", F_PATH, "userIdentity.type" },
	{ "ct.user.principalid", F_PATH, "userIdentity.principalId" },
	{ "ct.user.arn", F_PATH, "userIdentity.arn" },
	{ "ct.region", F_PATH, "awsRegion" },
	{ "ct.response.subnetid", F_PATH, "responseElements.subnetId" },
	{ "ct.response.reservationid", F_PATH, "responseElements.reservationId" },
	{ "ct.response", F_PATH, "responseElements" },
	{ "ct.request.availabilityzone", F_PATH, "requestParameters.availabilityZone" },
	{ "ct.request.cluster", F_PATH, "requestParameters.cluster" },
	{ "ct.request.functionname", F_PATH, "requestParameters.functionName" },
	{ "ct.request.groupname", F_PATH, "requestParameters.groupName" },
	{ "ct.request.host", F_PATH, "requestParameters.Host" },
	{ "ct.request.name", F_PATH, "requestParameters.name" },
	{ "ct.request.policy", F_PATH, "requestParameters.policy" },
	{ "ct.request.reason", F_PATH, "requestParameters.reason" },
	{ "ct.request.target", F_PATH, "requestParameters.target" },
	{ "ct.request.documentname", F_PATH, "requestParameters.documentName" },
	{ "ct.request.serialnumber", F_PATH, "requestParameters.serialNumber" },
	{ "ct.request.servicename", F_PATH, "requestParameters.serviceName" },
	{ "ct.request.subnetid", F_PATH, "requestParameters.subnetId" },
	{ "ct.request.taskdefinition", F_PATH, "requestParameters.taskDefinition" },
	{ "ct.request.username", F_PATH, "requestParameters.userName" },
	{ "ct.request", F_PATH, "requestParameters" },
	{ "ct.srcip", F_PATH, "sourceIPAddress" },
	{ "ct.useragent", F_PATH, "userAgent" },
	{ "ct.info", F_INFO, NULL },
	{ "ct.managementevent", F_PATH, "managementEvent" },
	{ "ct.readonly", F_PATH, "readOnly" },
	{ "ct.requestid", F_PATH, "requestID" },
	{ "ct.eventtype", F_PATH, "eventType" },
	{ "ct.apiversion", F_PATH, "apiVersion" },
	{ "ct.resources", F_PATH, "resources" },
	{ "ct.recipientaccountid", F_PATH, "recipientAccountId" },
	{ "ct.serviceeventdetails", F_PATH, "serviceEventDetails" },
	{ "ct.sharedeventid", F_PATH, "sharedEventID" },
	{ "ct.vpcendpointid", F_PATH, "vpcEndpointId" },
	{ "ct.eventcategory", F_PATH, "eventCategory" },
	{ "ct.addendum.reason", F_PATH, "addendum.reason" },
	{ "ct.addendum.updatedfields", F_PATH, "addendum.updatedFields" },
	{ "ct.addendum.originalrequestid", F_PATH, "addendum.originalRequestID" },
	{ "ct.addendum.originaleventid", F_PATH, "addendum.originalEventID" },
	{ "ct.sessioncredentialfromconsole", F_PATH, "sessionCredentialFromConsole" },
	{ "ct.edgedevicedetails", F_PATH, "edgeDeviceDetails" },
	{ "ct.tlsdetails.tlsversion", F_PATH, "tlsDetails.tlsVersion" },
	{ "ct.tlsdetails.ciphersuite", F_PATH, "tlsDetails.cipherSuite" },
	{ "ct.tlsdetails.clientprovidedhostheader", F_PATH, "tlsDetails.clientProvidedHostHeader" },
	{ "ct.additionaleventdata", F_PATH, "additionalEventData" },
	{ "s3.uri", F_S3URI, NULL },
	{ "s3.bucket", F_PATH, "requestParameters.bucketName" },
	{ "s3.key", F_PATH, "requestParameters.key" },
	{ "s3.bytes", F_S3BYTES, NULL },
	{ "s3.bytes.in", F_S3BYTES_IN, NULL },
	{ "s3.bytes.out", F_S3BYTES_OUT, NULL },
	{ "s3.cnt.get", F_S3CNT_GET, NULL },
	{ "s3.cnt.put", F_S3CNT_PUT, NULL },
	{ "s3.cnt.other", F_S3CNT_OTHER, NULL },
	{ "ec2.name", F_EC2NAME, NULL },
	{ "ec2.imageid", F_EC2IMAGEID, NULL },
	{ "ec2.imageids", F_EC2IMAGEIDS, NULL },
	{ "ecr.repository", F_PATH, "requestParameters.repositoryName" },
	{ "ecr.imagetag", F_PATH, "requestParameters.imageTag" },
	{ "iam.role", F_PATH, "requestParameters.roleName" },
	{ "iam.policy", F_PATH, "requestParameters.policyName" },
	{ "evt.num", F_EVTNUM, NULL },
	{ "evt.time", F_PATH, "eventTime" },
	{ "evt.time.iso8601", F_PATH, "eventTime" },
	{ "evt.plugininfo", F_INFO, NULL },
	{ "evt.source", F_SOURCE, NULL },
	{ "json.obj", F_WHOLE, NULL },
	{ "json.value", F_JSONPTR, NULL },
};

struct fc_field {
	const char *text; /* as written, for messages */
	enum fk kind;
	struct tr_path path;
	int index; /* ec2.imageids[N], -1 */
};

static const struct json *first_val(struct tr_event *ev, const struct tr_path *p)
{
	struct tr_vals v;
	tr_path_collect(ev, p, &v);
	return v.n ? v.v[0] : NULL;
}

static const char *pstr(struct tr_event *ev, const char *dotted)
{
	return tr_event_pstr(ev, dotted);
}

static const char *fmt(struct tr_event *ev, size_t *n, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static const char *fmt(struct tr_event *ev, size_t *n, const char *f, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, f);
	int k = vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (k < 0)
		return NULL;
	if ((size_t)k >= sizeof(buf))
		k = sizeof(buf) - 1;
	*n = (size_t)k;
	return arena_strndup(ev->a, buf, (size_t)k);
}

static long long num_at(struct tr_event *ev, const char *dotted, bool *ok)
{
	char first[64];
	const char *dot = strchr(dotted, '.');
	size_t l = (size_t)(dot - dotted);
	memcpy(first, dotted, l);
	first[l] = '\0';
	const struct json *v = json_get(tr_event_get(ev, first), dot + 1);
	long long x = 0;
	if (v && json_as_int(v, &x) == 0) {
		*ok = true;
		return x;
	}
	/* bytesTransferredIn can be a float */
	if (v && v->type == JSON_NUMBER) {
		*ok = true;
		return (long long)strtod(v->u.s, NULL);
	}
	return 0;
}

static const char *extract(struct tr_event *ev, const struct fc_field *f, size_t *n)
{
	const char *s;
	switch (f->kind) {
	case F_PATH:
	case F_JSONPTR:
		return tr_json_text(ev->a, first_val(ev, &f->path), n);
	case F_WHOLE:
		return tr_event_raw(ev, n);
	case F_SHORTSRC:
		s = tr_event_str(ev, "eventSource");
		if (!s)
			return NULL;
		*n = strlen(s);
		if (*n > 14 && !strcmp(s + *n - 14, ".amazonaws.com"))
			*n -= 14;
		return s;
	case F_USER: {
		const char *type = pstr(ev, "userIdentity.type");
		s = NULL;
		if (type && !strcmp(type, "AssumedRole"))
			s = pstr(ev, "userIdentity.sessionContext.sessionIssuer.userName");
		if (!s)
			s = pstr(ev, "userIdentity.userName");
		if (!s && type && !strcmp(type, "Root"))
			s = "root";
		if (!s && type && !strcmp(type, "AWSService"))
			s = pstr(ev, "userIdentity.invokedBy");
		break;
	}
	case F_ORIGUSER: {
		const char *type = pstr(ev, "userIdentity.type");
		if (type && !strcmp(type, "AssumedRole")) {
			const char *arn = pstr(ev, "userIdentity.arn");
			const char *sl = arn ? strrchr(arn, '/') : NULL;
			if (sl)
				s = sl + 1;
			else {
				const char *pid = pstr(ev, "userIdentity.principalId");
				const char *c = pid ? strchr(pid, ':') : NULL;
				s = c ? c + 1 : pid;
			}
		} else {
			s = pstr(ev, "userIdentity.userName");
		}
		break;
	}
	case F_INFO: {
		const char *nm = tr_event_str(ev, "eventName");
		struct fc_field u = { .kind = F_USER };
		size_t un;
		const char *user = extract(ev, &u, &un);
		const char *rg = tr_event_str(ev, "awsRegion");
		return fmt(ev, n, "%s %s %s", rg ? rg : "", user ? user : "", nm ? nm : "");
	}
	case F_S3URI: {
		const char *b = pstr(ev, "requestParameters.bucketName");
		const char *k = pstr(ev, "requestParameters.key");
		if (!b)
			return NULL;
		return fmt(ev, n, "s3://%s/%s", b, k ? k : "");
	}
	case F_S3BYTES:
	case F_S3BYTES_IN:
	case F_S3BYTES_OUT: {
		bool oi = false, oo = false;
		long long in = num_at(ev, "additionalEventData.bytesTransferredIn", &oi);
		long long out = num_at(ev, "additionalEventData.bytesTransferredOut", &oo);
		if (f->kind == F_S3BYTES_IN)
			return oi ? fmt(ev, n, "%lld", in) : NULL;
		if (f->kind == F_S3BYTES_OUT)
			return oo ? fmt(ev, n, "%lld", out) : NULL;
		return (oi || oo) ? fmt(ev, n, "%lld", in + out) : NULL;
	}
	case F_S3CNT_GET:
	case F_S3CNT_PUT:
	case F_S3CNT_OTHER: {
		const char *nm = tr_event_str(ev, "eventName");
		if (!nm)
			return NULL;
		bool get = !strcmp(nm, "GetObject"), put = !strcmp(nm, "PutObject");
		bool v = f->kind == F_S3CNT_GET ? get : f->kind == F_S3CNT_PUT ? put : !get && !put;
		*n = 1;
		return v ? "1" : "0";
	}
	case F_EC2NAME: {
		const struct json *set =
		    json_get(json_get(tr_event_get(ev, "requestParameters"), "tagSpecificationSet"),
			     "items");
		for (size_t i = 0; i < json_len(set); i++) {
			const struct json *tags = json_get(json_at(set, i), "tags");
			for (size_t k = 0; k < json_len(tags); k++) {
				const char *key = json_str(json_at(tags, k), "key");
				if (key && !strcmp(key, "Name")) {
					s = json_str(json_at(tags, k), "value");
					if (s) {
						*n = strlen(s);
						return s;
					}
				}
			}
		}
		return NULL;
	}
	case F_EC2IMAGEID:
	case F_EC2IMAGEIDS: {
		const struct json *set = json_get(
		    json_get(tr_event_get(ev, "responseElements"), "instancesSet"), "items");
		int idx = f->index < 0 ? 0 : f->index;
		s = json_str(json_at(set, (size_t)idx), "imageId");
		break;
	}
	case F_EVTNUM:
		return fmt(ev, n, "%llu", (unsigned long long)ev->seq);
	case F_SOURCE:
		*n = 14;
		return "aws_cloudtrail";
	default:
		return NULL;
	}
	if (s)
		*n = strlen(s);
	return s;
}

const char *tr_falco_field(struct tr_event *ev, const char *name, const char *arg, size_t *n)
{
	struct arena a = ARENA_INIT;
	struct fc_field f = { .kind = F_UNKNOWN, .index = -1 };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i].name, name)) {
			f.kind = fields[i].kind;
			if (fields[i].path)
				tr_path_dotted(&a, fields[i].path, &f.path);
		}
	if (f.kind == F_JSONPTR && (!arg || tr_path_pointer(&a, arg, &f.path) < 0))
		f.kind = F_UNKNOWN;
	if (arg && f.kind == F_EC2IMAGEIDS)
		f.index = (int)strtol(arg, NULL, 10);
	/* values point into the event or its arena, never into `a` */
	const char *r = f.kind == F_UNKNOWN ? NULL : extract(ev, &f, n);
	arena_release(&a);
	return r;
}

/* ------------------------------------------------------------------ */
/* conditions */

enum fop {
	O_EQ,
	O_NE,
	O_LT,
	O_LE,
	O_GT,
	O_GE,
	O_CONTAINS,
	O_ICONTAINS,
	O_STARTS,
	O_ENDS,
	O_GLOB,
	O_IGLOB,
	O_IN,
	O_PMATCH,
	O_EXISTS,
	O_REGEX,
};

enum { FN_AND, FN_OR, FN_NOT, FN_CMP, FN_TRUE };

struct fc_node {
	uint8_t kind;
	struct fc_node **k;
	size_t nk;
	/* FN_CMP */
	struct fc_field f;
	uint8_t op;
	const char **vals;
	size_t *vlen;
	size_t nv;
	struct tr_glob **globs;
	struct tr_re *re;
};

struct fc_rule {
	struct fc_node *cond;
	struct tr_re **res;
	size_t nres, ares;
};

static bool numeric(const char *s, size_t n, double *d)
{
	char buf[64];
	if (!s || !n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	*d = strtod(buf, &end);
	return !errno && !*end;
}

static bool cmp_eval(const struct fc_node *c, struct tr_event *ev)
{
	size_t n = 0;
	const char *s = extract(ev, &c->f, &n);
	if (c->op == O_EXISTS)
		return s != NULL;
	if (!s)
		return false;
	switch (c->op) {
	case O_EQ:
	case O_NE: {
		bool eq = tr_eq(s, n, c->vals[0], c->vlen[0], false);
		return c->op == O_EQ ? eq : !eq;
	}
	case O_LT:
	case O_LE:
	case O_GT:
	case O_GE: {
		double a, b;
		if (!numeric(s, n, &a) || !numeric(c->vals[0], c->vlen[0], &b))
			return false;
		return c->op == O_LT   ? a < b
		       : c->op == O_LE ? a <= b
		       : c->op == O_GT ? a > b
				       : a >= b;
	}
	case O_CONTAINS:
		return tr_contains(s, n, c->vals[0], c->vlen[0], false);
	case O_ICONTAINS:
		return tr_contains(s, n, c->vals[0], c->vlen[0], true);
	case O_STARTS:
		return tr_prefix(s, n, c->vals[0], c->vlen[0], false);
	case O_ENDS:
		return tr_suffix(s, n, c->vals[0], c->vlen[0], false);
	case O_GLOB:
	case O_IGLOB:
		return tr_glob_match(c->globs[0], s, n);
	case O_IN:
		for (size_t i = 0; i < c->nv; i++)
			if (tr_eq(s, n, c->vals[i], c->vlen[i], false))
				return true;
		return false;
	case O_PMATCH:
		for (size_t i = 0; i < c->nv; i++)
			if (tr_prefix(s, n, c->vals[i], c->vlen[i], false) &&
			    (n == c->vlen[i] || s[c->vlen[i]] == '/' ||
			     (c->vlen[i] && c->vals[i][c->vlen[i] - 1] == '/')))
				return true;
		return false;
	case O_REGEX:
		return tr_re_match(c->re, ev->ctx, s, n);
	default:
		return false;
	}
}

static bool node_eval(const struct fc_node *nd, struct tr_event *ev)
{
	switch (nd->kind) {
	case FN_TRUE:
		return true;
	case FN_NOT:
		return !node_eval(nd->k[0], ev);
	case FN_AND:
		for (size_t i = 0; i < nd->nk; i++)
			if (!node_eval(nd->k[i], ev))
				return false;
		return true;
	case FN_OR:
		for (size_t i = 0; i < nd->nk; i++)
			if (node_eval(nd->k[i], ev))
				return true;
		return false;
	default:
		return cmp_eval(nd, ev);
	}
}

static bool falco_match(const struct tr_rule *r, struct tr_event *ev)
{
	const struct fc_rule *fr = r->impl;
	return node_eval(fr->cond, ev);
}

void tr_falco_free(struct tr_rule *r)
{
	struct fc_rule *fr = r->impl;
	if (!fr)
		return;
	for (size_t i = 0; i < fr->nres; i++)
		tr_re_free(fr->res[i]);
	free(fr->res);
	r->impl = NULL;
}

/* ------------------------------------------------------------------ */
/* parsing */

struct fc_list {
	const char **items;
	size_t n;
};

struct fc_macro {
	const char *cond;
	bool busy; /* expansion guard */
};

struct fload {
	struct trail_ruleset *rs;
	struct arena *a;
	const char *file;
	long long off;
	const char *name;
	struct mm_diags *d;
	struct fc_rule *fr;
	char err[512];
	/* tokenizer */
	const char *s;
	size_t pos;
	int tk; /* token kind */
	const char *tok;
	size_t tn;
	char *str; /* decoded quoted string */
	size_t strn;
	unsigned depth;
};

enum { T_END, T_LP, T_RP, T_COMMA, T_OP, T_WORD, T_STR };

__attribute__((format(printf, 2, 3))) static int ferr(struct fload *L, const char *fmt, ...)
{
	if (L->err[0])
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->err, sizeof(L->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void lex(struct fload *L)
{
	const char *s = L->s;
	while (s[L->pos] && isspace((unsigned char)s[L->pos]))
		L->pos++;
	L->tok = s + L->pos;
	L->tn = 0;
	char c = s[L->pos];
	if (!c) {
		L->tk = T_END;
		return;
	}
	if (c == '(' || c == ')' || c == ',') {
		L->tk = c == '(' ? T_LP : c == ')' ? T_RP : T_COMMA;
		L->tn = 1;
		L->pos++;
		return;
	}
	if (c == '=' || c == '!' || c == '<' || c == '>') {
		size_t st = L->pos++;
		if (s[L->pos] == '=')
			L->pos++;
		L->tk = T_OP;
		L->tn = L->pos - st;
		return;
	}
	if (c == '"' || c == '\'') {
		size_t st = ++L->pos;
		struct strbuf sb = STRBUF_INIT;
		while (s[L->pos] && s[L->pos] != c) {
			if (s[L->pos] == '\\' && s[L->pos + 1]) {
				L->pos++;
				char e = s[L->pos];
				strbuf_addch(&sb, e == 'n' ? '\n' : e == 't' ? '\t' : e);
			} else {
				strbuf_addch(&sb, s[L->pos]);
			}
			L->pos++;
		}
		if (s[L->pos] == c)
			L->pos++;
		else
			ferr(L, "unterminated string starting at column %zu", st);
		L->str = arena_strndup(L->a, sb.buf, sb.len);
		L->strn = sb.len;
		strbuf_release(&sb);
		L->tk = T_STR;
		L->tn = L->pos - (st - 1);
		return;
	}
	size_t st = L->pos;
	int br = 0;
	while (s[L->pos]) {
		char d = s[L->pos];
		if (d == '[')
			br++;
		else if (d == ']' && br)
			br--;
		else if (!br && (isspace((unsigned char)d) || d == '(' || d == ')' || d == ',' ||
				 d == '=' || d == '!' || d == '<' || d == '>'))
			break;
		L->pos++;
	}
	L->tk = T_WORD;
	L->tn = L->pos - st;
}

static bool word(const struct fload *L, const char *w)
{
	return L->tk == T_WORD && L->tn == strlen(w) && !strncmp(L->tok, w, L->tn);
}

static const struct {
	const char *w;
	uint8_t op;
} ops[] = {
	{ "contains", O_CONTAINS }, { "icontains", O_ICONTAINS }, { "bcontains", O_CONTAINS },
	{ "startswith", O_STARTS }, { "bstartswith", O_STARTS },  { "endswith", O_ENDS },
	{ "glob", O_GLOB },	    { "iglob", O_IGLOB },	  { "in", O_IN },
	{ "intersects", O_IN },	    { "pmatch", O_PMATCH },	  { "exists", O_EXISTS },
	{ "regex", O_REGEX },
};

static int op_of(const struct fload *L)
{
	if (L->tk == T_OP) {
		if (L->tn == 1 && L->tok[0] == '=')
			return O_EQ;
		if (L->tn == 2 && !strncmp(L->tok, "==", 2))
			return O_EQ;
		if (L->tn == 2 && !strncmp(L->tok, "!=", 2))
			return O_NE;
		if (L->tn == 1 && L->tok[0] == '<')
			return O_LT;
		if (L->tn == 2 && !strncmp(L->tok, "<=", 2))
			return O_LE;
		if (L->tn == 1 && L->tok[0] == '>')
			return O_GT;
		if (L->tn == 2 && !strncmp(L->tok, ">=", 2))
			return O_GE;
		return -1;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (word(L, ops[i].w))
			return ops[i].op;
	return -1;
}

static int parse_field(struct fload *L, const char *t, size_t tn, struct fc_field *f)
{
	char *text = arena_strndup(L->a, t, tn);
	char *br = strchr(text, '[');
	char *arg = NULL;
	f->text = arena_strdup(L->a, text);
	f->index = -1;
	if (br) {
		size_t l = strlen(br);
		if (br[l - 1] != ']')
			return ferr(L, "field '%s': unbalanced '['", text);
		br[l - 1] = '\0';
		*br = '\0';
		arg = br + 1;
	}
	f->kind = F_UNKNOWN;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i].name, text)) {
			f->kind = fields[i].kind;
			if (fields[i].path)
				tr_path_dotted(L->a, fields[i].path, &f->path);
		}
	if (f->kind == F_JSONPTR) {
		if (!arg || tr_path_pointer(L->a, arg, &f->path) < 0)
			return ferr(L, "json.value needs a JSON pointer: json.value[/a/b]");
	} else if (arg && f->kind == F_EC2IMAGEIDS) {
		f->index = (int)strtol(arg, NULL, 10);
	} else if (arg && f->kind != F_UNKNOWN) {
		return ferr(L, "field '%s' takes no argument", text);
	}
	if (f->kind == F_UNKNOWN)
		mm_diags_add(L->d, MM_DIAG_WARNING, L->file, L->off,
			     "falco rule '%s': unknown field '%s': the cloudtrail plugin has no "
			     "such field, so comparisons on it never hold",
			     L->name, f->text);
	return 0;
}

static struct fc_node *fnode(struct fload *L, int kind)
{
	struct fc_node *n = arena_alloc(L->a, sizeof(*n));
	n->kind = (uint8_t)kind;
	return n;
}

static void fadd(struct fload *L, struct fc_node *n, struct fc_node *k)
{
	struct fc_node **nk = arena_calloc(L->a, n->nk + 1, sizeof(*nk));
	if (n->nk)
		memcpy(nk, n->k, n->nk * sizeof(*nk));
	nk[n->nk++] = k;
	n->k = nk;
}

static void add_value(struct fload *L, struct fc_node *c, const char *s, size_t n)
{
	const char **v = arena_calloc(L->a, c->nv + 1, sizeof(*v));
	size_t *l = arena_calloc(L->a, c->nv + 1, sizeof(*l));
	if (c->nv) {
		memcpy(v, c->vals, c->nv * sizeof(*v));
		memcpy(l, c->vlen, c->nv * sizeof(*l));
	}
	v[c->nv] = s;
	l[c->nv] = n;
	c->vals = v;
	c->vlen = l;
	c->nv++;
}

static void add_list_items(struct fload *L, struct fc_node *c, const struct fc_list *l, int depth)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct fc_list *sub =
		    depth < 8 ? hmap_get(&L->rs->falco_lists, l->items[i]) : NULL;
		if (sub)
			add_list_items(L, c, sub, depth + 1);
		else
			add_value(L, c, l->items[i], strlen(l->items[i]));
	}
}

static struct fc_node *parse_expr(struct fload *L);

static struct fc_node *compile_cond(struct fload *L, const char *cond)
{
	if (!cond || !*cond) {
		ferr(L, "empty condition");
		return NULL;
	}
	const char *ss = L->s;
	size_t sp = L->pos;
	int stk = L->tk;
	const char *stok = L->tok;
	size_t stn = L->tn;
	L->s = cond;
	L->pos = 0;
	lex(L);
	struct fc_node *n = parse_expr(L);
	if (n && L->tk != T_END) {
		ferr(L, "unexpected '%.*s' in condition", (int)L->tn, L->tok);
		n = NULL;
	}
	L->s = ss;
	L->pos = sp;
	L->tk = stk;
	L->tok = stok;
	L->tn = stn;
	return n;
}

static struct fc_node *parse_cmp(struct fload *L)
{
	if (L->tk != T_WORD) {
		ferr(L, "expected a field or a macro, found '%.*s'", (int)L->tn, L->tok);
		return NULL;
	}
	const char *t = L->tok;
	size_t tn = L->tn;
	char *name = arena_strndup(L->a, t, tn);
	if (strchr(name, '(') || !strncmp(name, "tolower", 7) || !strncmp(name, "toupper", 7) ||
	    !strncmp(name, "b64", 3)) {
		ferr(L, "transformers ('%s(...)') are not supported", name);
		return NULL;
	}
	lex(L);
	int op = op_of(L);
	if (op < 0) {
		/* a macro */
		struct fc_macro *m = hmap_get(&L->rs->falco_macros, name);
		if (!m) {
			ferr(L, "'%s' is neither a macro nor a field followed by an operator",
			     name);
			return NULL;
		}
		if (m->busy || L->depth > 64) {
			ferr(L, "macro '%s' expands into itself", name);
			return NULL;
		}
		m->busy = true;
		L->depth++;
		struct fc_node *n = compile_cond(L, m->cond);
		L->depth--;
		m->busy = false;
		return n;
	}
	struct fc_node *c = fnode(L, FN_CMP);
	c->op = (uint8_t)op;
	if (parse_field(L, t, tn, &c->f) < 0)
		return NULL;
	lex(L);
	if (op == O_EXISTS)
		return c;
	if (op == O_IN || op == O_PMATCH) {
		if (L->tk != T_LP) {
			ferr(L, "expected '(' after '%s'", op == O_IN ? "in" : "pmatch");
			return NULL;
		}
		lex(L);
		while (L->tk != T_RP) {
			if (L->tk == T_STR) {
				add_value(L, c, L->str, L->strn);
			} else if (L->tk == T_WORD) {
				char *w = arena_strndup(L->a, L->tok, L->tn);
				const struct fc_list *l = hmap_get(&L->rs->falco_lists, w);
				if (l)
					add_list_items(L, c, l, 0);
				else
					add_value(L, c, w, L->tn);
			} else {
				ferr(L, "expected a value in the list, found '%.*s'", (int)L->tn,
				     L->tok);
				return NULL;
			}
			lex(L);
			if (L->tk == T_COMMA)
				lex(L);
			else if (L->tk != T_RP) {
				ferr(L, "expected ',' or ')' in the list");
				return NULL;
			}
		}
		lex(L);
		return c;
	}
	if (L->tk == T_STR) {
		add_value(L, c, L->str, L->strn);
	} else if (L->tk == T_WORD) {
		if (!strncmp(L->tok, "val(", 4) || (L->tn > 4 && !strncmp(L->tok, "val", 3))) {
			ferr(L, "field-to-field comparisons (val(...)) are not supported");
			return NULL;
		}
		add_value(L, c, arena_strndup(L->a, L->tok, L->tn), L->tn);
	} else {
		ferr(L, "expected a value after the operator, found '%.*s'", (int)L->tn, L->tok);
		return NULL;
	}
	if (op == O_GLOB || op == O_IGLOB) {
		c->globs = arena_alloc(L->a, sizeof(*c->globs));
		c->globs[0] = tr_glob_compile(L->a, c->vals[0], c->vlen[0], false, op == O_IGLOB);
	}
	if (op == O_REGEX) {
		char msg[400];
		c->re = tr_re_compile(L->a, c->vals[0], NULL, msg, sizeof(msg));
		if (!c->re) {
			ferr(L, "%s", msg);
			return NULL;
		}
		ALLOC_GROW(L->fr->res, L->fr->nres + 1, L->fr->ares);
		L->fr->res[L->fr->nres++] = c->re;
	}
	lex(L);
	return c;
}

static struct fc_node *parse_not(struct fload *L)
{
	if (word(L, "not")) {
		lex(L);
		struct fc_node *k = parse_not(L);
		if (!k)
			return NULL;
		struct fc_node *n = fnode(L, FN_NOT);
		fadd(L, n, k);
		return n;
	}
	if (L->tk == T_LP) {
		lex(L);
		struct fc_node *n = parse_expr(L);
		if (!n)
			return NULL;
		if (L->tk != T_RP) {
			ferr(L, "expected ')'");
			return NULL;
		}
		lex(L);
		return n;
	}
	return parse_cmp(L);
}

static struct fc_node *parse_and(struct fload *L)
{
	struct fc_node *l = parse_not(L);
	if (!l || !word(L, "and"))
		return l;
	struct fc_node *n = fnode(L, FN_AND);
	fadd(L, n, l);
	while (word(L, "and")) {
		lex(L);
		struct fc_node *r = parse_not(L);
		if (!r)
			return NULL;
		fadd(L, n, r);
	}
	return n;
}

static struct fc_node *parse_expr(struct fload *L)
{
	struct fc_node *l = parse_and(L);
	if (!l || !word(L, "or"))
		return l;
	struct fc_node *n = fnode(L, FN_OR);
	fadd(L, n, l);
	while (word(L, "or")) {
		lex(L);
		struct fc_node *r = parse_and(L);
		if (!r)
			return NULL;
		fadd(L, n, r);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* index keys */

struct fkeys {
	bool wild;
	const char **v;
	size_t n;
};

static void fk_add(struct fload *L, struct fkeys *k, const char *s, size_t n)
{
	char *l = tr_lower(L->a, s, n);
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i], l))
			return;
	const char **nv = arena_calloc(L->a, k->n + 1, sizeof(*nv));
	if (k->n)
		memcpy(nv, k->v, k->n * sizeof(*nv));
	nv[k->n++] = l;
	k->v = nv;
}

static struct fkeys node_keys(struct fload *L, const struct fc_node *n, const char *path)
{
	struct fkeys k = { .wild = true };
	switch (n->kind) {
	case FN_CMP:
		if (n->f.kind == F_PATH && n->f.path.nseg == 1 && !strcmp(n->f.path.text, path) &&
		    (n->op == O_EQ || n->op == O_IN)) {
			struct fkeys c = { 0 };
			for (size_t i = 0; i < n->nv; i++)
				fk_add(L, &c, n->vals[i], n->vlen[i]);
			return c;
		}
		return k;
	case FN_AND:
		for (size_t i = 0; i < n->nk; i++) {
			struct fkeys c = node_keys(L, n->k[i], path);
			if (!c.wild && (k.wild || c.n < k.n))
				k = c;
		}
		return k;
	case FN_OR: {
		struct fkeys u = { 0 };
		for (size_t i = 0; i < n->nk; i++) {
			struct fkeys c = node_keys(L, n->k[i], path);
			if (c.wild)
				return k;
			for (size_t j = 0; j < c.n; j++)
				fk_add(L, &u, c.v[j], strlen(c.v[j]));
		}
		return u;
	}
	default:
		return k;
	}
}

/* ------------------------------------------------------------------ */
/* items */

static int priority(const char *p, enum mm_sev *s)
{
	static const struct {
		const char *n;
		enum mm_sev s;
	} map[] = {
		{ "emergency", MM_SEV_CRITICAL }, { "alert", MM_SEV_CRITICAL },
		{ "critical", MM_SEV_CRITICAL },  { "error", MM_SEV_HIGH },
		{ "warning", MM_SEV_MEDIUM },	  { "notice", MM_SEV_LOW },
		{ "informational", MM_SEV_INFO }, { "info", MM_SEV_INFO },
		{ "debug", MM_SEV_INFO },
	};
	for (size_t i = 0; p && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(p, map[i].n)) {
			*s = map[i].s;
			return 0;
		}
	return -1;
}

static const char *cat(struct fload *L, const char *a, const char *b)
{
	return arena_printf(L->a, "%s %s", a ? a : "", b ? b : "");
}

static bool appending(const struct json *item, const char *what)
{
	int ap = json_bool(item, "append");
	if (ap == 1)
		return true;
	const char *ov = json_str(json_get(item, "override"), what);
	return ov && !strcmp(ov, "append");
}

static void load_list(struct fload *L, const struct json *item)
{
	const char *name = json_str(item, "list");
	const struct json *items = json_get(item, "items");
	struct fc_list *l = hmap_get(&L->rs->falco_lists, name);
	bool app = appending(item, "items");
	if (!l || !app) {
		l = arena_alloc(L->a, sizeof(*l));
		hmap_put(&L->rs->falco_lists, arena_strdup(L->a, name), l);
	}
	size_t n = json_len(items);
	const char **v = arena_calloc(L->a, l->n + n + 1, sizeof(*v));
	if (l->n)
		memcpy(v, l->items, l->n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		size_t sl;
		const char *s = tr_json_text(L->a, json_at(items, i), &sl);
		if (s)
			v[l->n++] = arena_strndup(L->a, s, sl);
	}
	l->items = v;
}

static void load_macro(struct fload *L, const struct json *item)
{
	const char *name = json_str(item, "macro");
	const char *cond = json_str(item, "condition");
	struct fc_macro *m = hmap_get(&L->rs->falco_macros, name);
	if (m && appending(item, "condition")) {
		m->cond = cat(L, m->cond, cond);
		return;
	}
	m = arena_alloc(L->a, sizeof(*m));
	m->cond = arena_strdup(L->a, cond ? cond : "");
	hmap_put(&L->rs->falco_macros, arena_strdup(L->a, name), m);
}

struct pending {
	const struct json *item;
	struct tr_rule *rule; /* an earlier definition that this one appends to */
};

/* exceptions -> "and not (...)" text appended to the condition */
static const char *exceptions(struct fload *L, const struct json *ex)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < json_len(ex); i++) {
		const struct json *e = json_at(ex, i);
		const struct json *fl = json_get(e, "fields"), *cp = json_get(e, "comps");
		const struct json *vals = json_get(e, "values");
		for (size_t v = 0; v < json_len(vals); v++) {
			const struct json *tuple = json_at(vals, v);
			strbuf_addstr(&sb, " and not (");
			if (json_is(fl, JSON_STRING)) {
				const char *comp = json_as_str(cp) ? json_as_str(cp) : "in";
				strbuf_addf(&sb, "%s %s (", fl->u.s, comp);
				size_t tl;
				const char *t = tr_json_text(L->a, tuple, &tl);
				strbuf_addf(&sb, "\"%.*s\"))", (int)tl, t ? t : "");
				continue;
			}
			for (size_t f = 0; f < json_len(fl); f++) {
				const char *fld = json_as_str(json_at(fl, f));
				const char *comp = json_as_str(json_at(cp, f));
				const struct json *val = json_at(tuple, f);
				if (f)
					strbuf_addstr(&sb, " and ");
				strbuf_addf(&sb, "%s %s ", fld ? fld : "?", comp ? comp : "=");
				if (json_is(val, JSON_ARRAY)) {
					strbuf_addch(&sb, '(');
					for (size_t k = 0; k < json_len(val); k++) {
						size_t tl;
						const char *t =
						    tr_json_text(L->a, json_at(val, k), &tl);
						strbuf_addf(&sb, "%s\"%.*s\"", k ? ", " : "",
							    (int)tl, t ? t : "");
					}
					strbuf_addch(&sb, ')');
				} else {
					size_t tl;
					const char *t = tr_json_text(L->a, val, &tl);
					strbuf_addf(&sb, "\"%.*s\"", (int)tl, t ? t : "");
				}
			}
			strbuf_addch(&sb, ')');
		}
	}
	const char *r = arena_strndup(L->a, sb.buf, sb.len);
	strbuf_release(&sb);
	return r;
}

static struct tr_rule *find_rule(struct trail_ruleset *rs, const char *name)
{
	for (size_t i = rs->nrules; i-- > 0;)
		if (rs->rules[i]->engine == TRAIL_ENGINE_FALCO && !strcmp(rs->rules[i]->id, name))
			return rs->rules[i];
	return NULL;
}

/* compile (or recompile) the condition of rule r from its text */
static int compile_rule(struct fload *L, struct tr_rule *r, const char *cond)
{
	L->err[0] = '\0';
	L->name = r->id;
	struct fc_rule *fr = arena_alloc(L->a, sizeof(*fr));
	L->fr = fr;
	L->depth = 0;
	fr->cond = compile_cond(L, cond);
	if (!fr->cond) {
		if (!L->err[0])
			ferr(L, "empty condition");
		tr_falco_free(&(struct tr_rule){ .impl = fr });
		return -1;
	}
	if (r->impl)
		tr_falco_free(r);
	r->impl = fr;
	r->match = falco_match;
	struct fkeys kn = node_keys(L, fr->cond, "eventName");
	struct fkeys ks = node_keys(L, fr->cond, "eventSource");
	r->names = NULL;
	r->nnames = r->nsources = 0;
	if (!kn.wild) {
		r->names = kn.v;
		r->nnames = kn.n;
		r->indexed_by = "eventName";
	} else if (!ks.wild) {
		r->sources = ks.v;
		r->nsources = ks.n;
		r->indexed_by = "eventSource";
	} else {
		r->indexed_by = "every event";
	}
	return 0;
}

static void load_rule(struct fload *L, const struct json *item)
{
	const char *name = json_str(item, "rule");
	L->name = name;
	const char *src = json_str(item, "source");
	struct tr_rule *prev = find_rule(L->rs, name);
	const char *cond = json_str(item, "condition");
	const char *ex =
	    json_get(item, "exceptions") ? exceptions(L, json_get(item, "exceptions")) : "";
	if (prev && (appending(item, "condition") || appending(item, "exceptions") ||
		     json_get(item, "override") || (!cond && json_get(item, "enabled")))) {
		/* modify an earlier rule */
		const char *text = prev->desc; /* desc holds the condition text, see below */
		if (cond && (appending(item, "condition")))
			text = cat(L, text, cond);
		else if (cond)
			text = arena_strdup(L->a, cond);
		if (*ex)
			text = cat(L, text, ex);
		int en = json_bool(item, "enabled");
		if (en >= 0)
			prev->enabled = en;
		const char *out = json_str(item, "output");
		if (out)
			prev->output = arena_strdup(L->a, out);
		enum mm_sev sv;
		if (priority(json_str(item, "priority"), &sv) == 0)
			prev->sev = sv;
		if (compile_rule(L, prev, text) < 0) {
			prev->enabled = false;
			L->rs->nrefused++;
			mm_diags_add(L->d, MM_DIAG_ERROR, L->file, L->off,
				     "falco rule '%s' refused: %s", name, L->err);
			return;
		}
		prev->desc = text;
		return;
	}
	if (src && strcmp(src, "aws_cloudtrail")) {
		L->rs->nrefused++;
		mm_diags_add(L->d, MM_DIAG_ERROR, L->file, L->off,
			     "falco rule '%s' refused: source '%s' is not aws_cloudtrail", name,
			     src);
		return;
	}
	if (!cond) {
		L->rs->nrefused++;
		mm_diags_add(L->d, MM_DIAG_ERROR, L->file, L->off,
			     "falco rule '%s' refused: no condition", name);
		return;
	}
	struct tr_rule *r = tr_rule_new(L->rs);
	r->engine = TRAIL_ENGINE_FALCO;
	r->id = arena_strdup(L->a, name);
	r->title = r->id;
	r->file = arena_strdup(L->a, L->file);
	const char *out = json_str(item, "output");
	r->output = out ? arena_strdup(L->a, out) : NULL;
	r->sev = MM_SEV_MEDIUM;
	const char *pr = json_str(item, "priority");
	if (pr && priority(pr, &r->sev) < 0)
		mm_diags_add(L->d, MM_DIAG_WARNING, L->file, L->off,
			     "falco rule '%s': unknown priority '%s', using warning", name, pr);
	int en = json_bool(item, "enabled");
	r->enabled = en != 0;
	const char *text = *ex ? cat(L, cond, ex) : arena_strdup(L->a, cond);
	if (compile_rule(L, r, text) < 0) {
		r->enabled = false;
		r->match = NULL;
		L->rs->nrefused++;
		mm_diags_add(L->d, MM_DIAG_ERROR, L->file, L->off, "falco rule '%s' refused: %s",
			     name, L->err);
		return;
	}
	/* keep the condition text for later appends (Falco rules have `desc`
	 * for prose: it is not shown by mamori, the title is the rule name) */
	r->desc = text;
}

int tr_falco_load(struct trail_ruleset *rs, const char *file, const struct json *docs,
		  struct mm_diags *d)
{
	struct fload L = { .rs = rs, .a = &rs->arena, .file = file, .d = d };
	for (size_t di = 0; di < json_len(docs); di++) {
		const struct json *doc = json_at(docs, di);
		if (doc->type == JSON_NULL)
			continue;
		if (doc->type != JSON_ARRAY) {
			rs->nrefused++;
			mm_diags_add(d, MM_DIAG_ERROR, file, (long long)doc->off,
				     "not a Falco rules list");
			continue;
		}
		/* lists and macros first, so rules may use them wherever they are */
		for (uint32_t pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < doc->n; i++) {
				const struct json *it = json_at(doc, i);
				L.off = (long long)it->off;
				L.err[0] = '\0';
				bool is_list = json_str(it, "list") != NULL;
				bool is_macro = json_str(it, "macro") != NULL;
				bool is_rule = json_str(it, "rule") != NULL;
				if (pass == 0 && is_list)
					load_list(&L, it);
				else if (pass == 0 && is_macro)
					load_macro(&L, it);
				else if (pass == 1 && is_rule)
					load_rule(&L, it);
				else if (pass == 1 && !is_list && !is_macro &&
					 !json_get(it, "required_engine_version") &&
					 !json_get(it, "required_plugin_versions"))
					mm_diags_add(d, MM_DIAG_WARNING, file, L.off,
						     "falco item %zu is not a rule, macro or list; "
						     "ignored",
						     i + 1);
			}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* output */

void tr_falco_output(struct tr_event *ev, const char *t, struct strbuf *sb)
{
	for (const char *p = t; p && *p;) {
		if (*p != '%') {
			strbuf_addch(sb, *p++);
			continue;
		}
		const char *s = ++p;
		while (*p && (isalnum((unsigned char)*p) || *p == '.' || *p == '_'))
			p++;
		size_t nl = (size_t)(p - s);
		char name[96], arg[256];
		arg[0] = '\0';
		if (!nl || nl >= sizeof(name)) {
			strbuf_addch(sb, '%');
			continue;
		}
		memcpy(name, s, nl);
		name[nl] = '\0';
		if (*p == '[') {
			const char *e = strchr(p, ']');
			if (e && (size_t)(e - p - 1) < sizeof(arg)) {
				memcpy(arg, p + 1, (size_t)(e - p - 1));
				arg[e - p - 1] = '\0';
				p = e + 1;
			}
		}
		size_t n = 0;
		const char *v = tr_falco_field(ev, name, arg[0] ? arg : NULL, &n);
		if (v)
			strbuf_add(sb, v, n);
		else
			strbuf_addstr(sb, "<NA>");
	}
}
