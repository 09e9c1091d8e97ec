/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Progress bar on stderr for long work (loading a snapshot, reading
 * CloudTrail files, port scans). Domain code never prints: it takes a
 * callback of the shape of progress_update() and calls it now and then; the
 * command passes progress_fn(bar) and the bar as its argument.
 *
 * A bar exists only when stderr is a terminal, TERM is set and not "dumb",
 * MAMORI_NO_PROGRESS is unset (or empty, or "0") and the command was not
 * asked to be quiet; otherwise progress_start() returns NULL and every
 * function here is a no-op on NULL, so output without a terminal is the same
 * byte for byte with or without this module.
 *
 * Drawing: "\r", one line shorter than the terminal (TIOCGWINSZ at each
 * draw, 80 columns when unknown), "ESC[K"; at most one draw per 100 ms
 * (monotonic clock), the first one at once. progress_stop() and
 * progress_clear() erase the line ("\r ESC[K"), so whatever is printed next
 * starts on a clean line: every command calls progress_clear() (directly or
 * through cmd_print_diags()) before writing anything else to the terminal.
 *
 * Ownership and threads: one bar at a time (the "active" one that
 * progress_clear() erases); it owns its memory until progress_stop(). Calls
 * must not overlap: a multi-threaded caller serialises them.
 */
#ifndef MM_PROGRESS_H
#define MM_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

enum progress_unit {
	PROGRESS_ITEMS, /* done/total are counts (files, probes) */
	PROGRESS_BYTES, /* done/total are bytes: shown in KiB/MiB/GiB */
};

/* The shape of the callback domain code takes. */
typedef void progress_fn_t(void *arg, uint64_t done, uint64_t total, const char *what);

struct progress;

/*
 * A bar on stderr labelled `label` (a static string; the `what` of an update
 * replaces it when not NULL), or NULL when no bar should be shown (see
 * above; quiet: the command's --quiet).
 */
struct progress *progress_start(const char *label, enum progress_unit unit, bool quiet);

/* progress_update when bar is not NULL, else NULL: domain code then skips the calls. */
progress_fn_t *progress_fn(const struct progress *bar);

/*
 * Record the state (total 0: unknown, a count and a spinner are shown) and
 * redraw if the last draw is at least 100 ms old. arg: a struct progress *
 * or NULL. Cheap: a clock read when nothing is drawn.
 */
void progress_update(void *arg, uint64_t done, uint64_t total, const char *what);

/* Erase the active bar's line if it is showing; the next update draws it again. */
void progress_clear(void);

/* Erase the line and free the bar. NULL is fine. */
void progress_stop(struct progress *bar);

/* ---- for tests ---- */

struct progress_cfg {
	int fd;				     /* where to draw */
	int width;			     /* columns; 0: ask fd (TIOCGWINSZ), 80 when unknown */
	uint64_t (*now_ms)(void *clock_arg); /* NULL: CLOCK_MONOTONIC */
	void *clock_arg;
};

/* A bar drawn on cfg->fd whatever it is (no terminal check); it becomes the active one. */
struct progress *progress_new(const struct progress_cfg *cfg, const char *label,
			      enum progress_unit unit);

/*
 * Whether a bar may be shown, from the facts progress_start() looks up:
 * stderr is a terminal, $TERM, $MAMORI_NO_PROGRESS, --quiet.
 */
bool progress_wanted(bool tty, const char *term, const char *no_progress, bool quiet);

/*
 * The line for the current state at time now_ms, without escape codes, at
 * most width - 1 columns (the last column would wrap on some terminals).
 */
void progress_format(const struct progress *bar, uint64_t now_ms, int width, struct strbuf *out);

#endif
