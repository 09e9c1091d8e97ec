/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host rule catalog: rules/host/ *.yaml embedded in the binary, parsed
 * with base/yaml.h into posture_rule records (group "host", resource type
 * "host") so the report layer renders them like every other rule. Strict:
 * an unknown key, a bad severity, a duplicate id or a missing field is an
 * error naming the file and line.
 */
#include "host-int.h"

#include <stdlib.h>
#include <string.h>

#include "base/embed.h"
#include "base/json.h"
#include "base/wrapper.h"
#include "base/yaml.h"
#include "base/banned.h"

static const char *const known_keys[] = { "id",		 "title", "severity",	"description",
					  "remediation", "cli",	  "compliance", NULL };

static int rule_from(struct arena *a, const char *file, const char *buf, size_t len,
		     const struct json *r, struct posture_rule *out, struct mm_err *e)
{
	unsigned long line = 0, col = 0;
	json_line_col(buf, len, r->off, &line, &col);
	if (r->type != JSON_OBJECT)
		return mm_err_set(e, MM_EPARSE, "'%s' line %lu: a rule must be a mapping", file,
				  line);
	for (uint32_t i = 0; i < r->n; i++) {
		bool ok = false;
		for (size_t k = 0; known_keys[k]; k++)
			if (!strcmp(r->u.members[i].key, known_keys[k]))
				ok = true;
		if (!ok)
			return mm_err_set(e, MM_EPARSE, "'%s' line %lu: unknown key '%s'", file,
					  line, r->u.members[i].key);
	}
	memset(out, 0, sizeof(*out));
	out->id = json_str(r, "id");
	out->title = json_str(r, "title");
	out->description = json_str(r, "description");
	out->remediation = json_str(r, "remediation");
	out->cli = json_str(r, "cli");
	out->group = "host";
	out->resource_type = "host";
	const char *sev = json_str(r, "severity");
	if (!out->id || !out->title || !out->description || !out->remediation || !sev)
		return mm_err_set(e, MM_EPARSE,
				  "'%s' line %lu: a rule needs id, title, severity, description "
				  "and remediation",
				  file, line);
	if (mm_sev_parse(sev, &out->sev) < 0)
		return mm_err_set(e, MM_EPARSE, "'%s' line %lu: bad severity '%s'", file, line,
				  sev);
	const struct json *comp = json_get(r, "compliance");
	if (comp) {
		out->ncompliance = json_len(comp);
		out->compliance = arena_calloc(a, out->ncompliance + 1, sizeof(char *));
		for (size_t i = 0; i < out->ncompliance; i++) {
			out->compliance[i] = json_as_str(json_at(comp, i));
			if (!out->compliance[i])
				return mm_err_set(e, MM_EPARSE,
						  "'%s' line %lu: compliance entries are strings",
						  file, line);
		}
	}
	return 0;
}

int host_catalog_load(struct host_catalog *hc, struct mm_err *e)
{
	struct posture_catalog *c = &hc->c;
	memset(c, 0, sizeof(*c));
	arena_init(&c->arena);
	size_t alloc = 0;
	struct posture_rule *v = NULL;
	for (const struct embedded_file *f = mm_embedded_host_rules; f->name; f++) {
		struct json *docs = NULL;
		if (yaml_parse(&c->arena, f->data, f->len, &docs, e) < 0)
			goto fail;
		const struct json *list = json_at(docs, 0);
		for (size_t i = 0; i < json_len(list); i++) {
			ALLOC_GROW(v, c->nr + 1, alloc);
			if (rule_from(&c->arena, f->name, f->data, f->len, json_at(list, i),
				      &v[c->nr], e) < 0)
				goto fail;
			for (size_t k = 0; k < c->nr; k++)
				if (!strcmp(v[k].id, v[c->nr].id)) {
					mm_err_set(e, MM_EPARSE, "'%s': duplicate rule id '%s'",
						   f->name, v[k].id);
					goto fail;
				}
			c->nr++;
		}
	}
	c->v = arena_calloc(&c->arena, c->nr + 1, sizeof(*c->v));
	if (c->nr)
		memcpy(c->v, v, c->nr * sizeof(*v));
	free(v);
	return 0;
fail:
	free(v);
	arena_release(&c->arena);
	memset(c, 0, sizeof(*c));
	return e->code ? e->code : MM_EPARSE;
}

void host_catalog_release(struct host_catalog *hc)
{
	arena_release(&hc->c.arena);
	memset(hc, 0, sizeof(*hc));
}
