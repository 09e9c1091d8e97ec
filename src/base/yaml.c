/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML to struct json via libyaml's event parser (see yaml.h). A recursive
 * builder with a depth limit; children are gathered in small malloc'd
 * vectors and copied into the arena when their container ends.
 */
#include "yaml.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "hmap.h"
#include "wrapper.h"
#include "banned.h"

#define YAML_MAX_DEPTH 128

struct ybuild {
	struct arena *a;
	yaml_parser_t p;
	struct hmap anchors; /* anchor name (arena) -> struct json * (arena) */
	struct mm_err *e;
};

static int yfail(struct ybuild *b, const yaml_mark_t *mk, const char *what)
{
	return mm_err_set(b->e, MM_EPARSE, "%s at offset %zu (line %zu, column %zu)", what,
			  mk->index, mk->line + 1, mk->column + 1);
}

static int next(struct ybuild *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->p, ev)) {
		const char *prob = b->p.problem ? b->p.problem : "malformed YAML";
		return mm_err_set(b->e, MM_EPARSE, "%s at offset %zu (line %zu, column %zu)", prob,
				  b->p.problem_mark.index, b->p.problem_mark.line + 1,
				  b->p.problem_mark.column + 1);
	}
	return 0;
}

static int is_number(const char *s)
{
	const char *p = s;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static void scalar(struct ybuild *b, const yaml_event_t *ev, struct json *v)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	v->off = ev->start_mark.index;
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (n == 0 || !strcmp(s, "~") || !strcasecmp(s, "null")) {
			v->type = JSON_NULL;
			return;
		}
		if (!strcasecmp(s, "true")) {
			v->type = JSON_TRUE;
			return;
		}
		if (!strcasecmp(s, "false")) {
			v->type = JSON_FALSE;
			return;
		}
		if (is_number(s)) {
			v->type = JSON_NUMBER;
			v->u.s = arena_strndup(b->a, s, n);
			v->n = (uint32_t)n;
			return;
		}
	}
	v->type = JSON_STRING;
	v->u.s = arena_strndup(b->a, s, n);
	v->n = (uint32_t)n;
}

static void remember(struct ybuild *b, const yaml_char_t *anchor, const struct json *v)
{
	if (!anchor)
		return;
	struct json *copy = arena_alloc(b->a, sizeof(*copy));
	*copy = *v;
	hmap_put(&b->anchors, arena_strdup(b->a, (const char *)anchor), copy);
}

static int build(struct ybuild *b, yaml_event_t *ev, struct json *v, unsigned depth);

static int build_seq(struct ybuild *b, yaml_event_t *start, struct json *v, unsigned depth)
{
	struct json *items = NULL;
	size_t nr = 0, alloc = 0;
	int r = 0;
	v->off = start->start_mark.index;
	for (;;) {
		yaml_event_t ev;
		if ((r = next(b, &ev)))
			break;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		struct json child;
		r = build(b, &ev, &child, depth + 1);
		yaml_event_delete(&ev);
		if (r)
			break;
		ALLOC_GROW(items, nr + 1, alloc);
		items[nr++] = child;
	}
	if (!r) {
		v->type = JSON_ARRAY;
		v->n = (uint32_t)nr;
		if (nr) {
			v->u.items = arena_calloc(b->a, nr, sizeof(*items));
			memcpy(v->u.items, items, nr * sizeof(*items));
		}
	}
	free(items);
	return r;
}

static int build_map(struct ybuild *b, yaml_event_t *start, struct json *v, unsigned depth)
{
	struct json_member *mems = NULL;
	size_t nr = 0, alloc = 0;
	int r = 0;
	v->off = start->start_mark.index;
	for (;;) {
		yaml_event_t ev;
		if ((r = next(b, &ev)))
			break;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		struct json key;
		memset(&key, 0, sizeof(key));
		if (ev.type == YAML_SCALAR_EVENT) {
			key.type = JSON_STRING;
			key.u.s = arena_strndup(b->a, (const char *)ev.data.scalar.value,
						ev.data.scalar.length);
			key.n = (uint32_t)ev.data.scalar.length;
			remember(b, ev.data.scalar.anchor, &key);
		} else {
			r = yfail(b, &ev.start_mark, "only scalar mapping keys are supported");
			yaml_event_delete(&ev);
			break;
		}
		yaml_event_delete(&ev);
		if ((r = next(b, &ev)))
			break;
		struct json_member m;
		memset(&m, 0, sizeof(m));
		m.key = key.u.s;
		m.klen = key.n;
		r = build(b, &ev, &m.v, depth + 1);
		yaml_event_delete(&ev);
		if (r)
			break;
		/* YAML merge key "<<": splice the mapping's members in */
		if (!strcmp(m.key, "<<") && m.v.type == JSON_OBJECT) {
			for (uint32_t i = 0; i < m.v.n; i++) {
				ALLOC_GROW(mems, nr + 1, alloc);
				mems[nr++] = m.v.u.members[i];
			}
			continue;
		}
		ALLOC_GROW(mems, nr + 1, alloc);
		mems[nr++] = m;
	}
	if (!r) {
		v->type = JSON_OBJECT;
		v->n = (uint32_t)nr;
		if (nr) {
			v->u.members = arena_calloc(b->a, nr, sizeof(*mems));
			memcpy(v->u.members, mems, nr * sizeof(*mems));
		}
	}
	free(mems);
	return r;
}

static int build(struct ybuild *b, yaml_event_t *ev, struct json *v, unsigned depth)
{
	memset(v, 0, sizeof(*v));
	if (depth > YAML_MAX_DEPTH)
		return yfail(b, &ev->start_mark, "nesting deeper than the limit");
	int r;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		scalar(b, ev, v);
		remember(b, ev->data.scalar.anchor, v);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
		r = build_seq(b, ev, v, depth);
		if (!r)
			remember(b, ev->data.sequence_start.anchor, v);
		return r;
	case YAML_MAPPING_START_EVENT:
		r = build_map(b, ev, v, depth);
		if (!r)
			remember(b, ev->data.mapping_start.anchor, v);
		return r;
	case YAML_ALIAS_EVENT: {
		const struct json *t = hmap_get(&b->anchors, (const char *)ev->data.alias.anchor);
		if (!t)
			return yfail(b, &ev->start_mark, "unknown alias");
		*v = *t;
		return 0;
	}
	default:
		return yfail(b, &ev->start_mark, "unexpected YAML event");
	}
}

int yaml_parse(struct arena *a, const char *buf, size_t len, struct json **docs, struct mm_err *e)
{
	struct ybuild b;
	memset(&b, 0, sizeof(b));
	b.a = a;
	b.e = e;
	if (!yaml_parser_initialize(&b.p))
		die("cannot initialise the YAML parser");
	yaml_parser_set_input_string(&b.p, (const unsigned char *)buf, len);
	struct json *items = NULL;
	size_t nr = 0, alloc = 0;
	int r = 0;
	for (;;) {
		yaml_event_t ev;
		if ((r = next(&b, &ev)))
			break;
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			if ((r = next(&b, &ev)))
				break;
			struct json doc;
			if (ev.type == YAML_DOCUMENT_END_EVENT) {
				memset(&doc, 0, sizeof(doc));
				doc.type = JSON_NULL;
			} else {
				r = build(&b, &ev, &doc, 0);
				yaml_event_delete(&ev);
				if (r)
					break;
				if ((r = next(&b, &ev)))
					break;
			}
			yaml_event_delete(&ev); /* DOCUMENT_END */
			ALLOC_GROW(items, nr + 1, alloc);
			items[nr++] = doc;
			continue;
		}
		yaml_event_delete(&ev); /* STREAM_START */
	}
	if (!r) {
		struct json *d = arena_alloc(a, sizeof(*d));
		d->type = JSON_ARRAY;
		d->n = (uint32_t)nr;
		if (nr) {
			d->u.items = arena_calloc(a, nr, sizeof(*items));
			memcpy(d->u.items, items, nr * sizeof(*items));
		}
		*docs = d;
	}
	free(items);
	hmap_release(&b.anchors);
	yaml_parser_delete(&b.p);
	return r;
}
