/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writers every renderer shares, public so that commands rendering their
 * own documents (diff, history) escape exactly as the reports do: a
 * pretty-printing JSON emitter in the layout jq prints (2-space indent,
 * "key": value, one member per line, empty containers as {} and []) so
 * outputs diff cleanly against `jq .`, and terminal-safe text helpers.
 *
 * The emitter escapes every string with strbuf_add_json_str() (always valid
 * UTF-8); the caller pairs begin/end calls (a mismatch is a BUG()).
 */
#ifndef MM_REPORT_JW_H
#define MM_REPORT_JW_H

#include <stdbool.h>

#include "base/strbuf.h"

#define JW_MAX_DEPTH 64

struct jw {
	struct strbuf *sb;
	unsigned depth;
	bool after_key;		      /* next value follows "key": on the same line */
	bool has_items[JW_MAX_DEPTH]; /* per open container: something written */
};

void jw_init(struct jw *w, struct strbuf *sb);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s); /* NULL writes null */
void jw_int(struct jw *w, long long v);
void jw_uint(struct jw *w, unsigned long long v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* End the document: checks balance and appends the final newline. */
void jw_finish(struct jw *w);

/* Shorthands for "key": value. */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kuint(struct jw *w, const char *key, unsigned long long v);

/*
 * Append s for a terminal: control bytes (below 0x20 except tab, and 0x7f)
 * are written as \xNN and C1 controls (U+0080..U+009F) as \u00NN, so text
 * from the snapshot cannot inject escape sequences or fake lines. NULL
 * appends "-".
 */
void report_text_put(struct strbuf *sb, const char *s);
/* The same for multi-line text: each newline is followed by `indent` spaces
 * (so a line can never start at column 0) and trailing newlines are dropped. */
void report_text_para(struct strbuf *sb, const char *s, unsigned indent);

#endif
