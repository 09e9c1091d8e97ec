/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command layer: one file per command, each exporting one entry point. This
 * is the only code that prints to stdout/stderr or decides the exit code.
 * Exit codes (DESIGN.md): 0 ran clean, 1 findings at or above --fail-on,
 * 2 usage or input error, 3 runtime error.
 */
#ifndef MM_CMD_H
#define MM_CMD_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "base/err.h"
#include "base/strbuf.h"

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

struct cmd_ctx {
	int color; /* 1 when stdout is a terminal and NO_COLOR is unset */
};

int cmd_scan(int argc, char **argv, const struct cmd_ctx *ctx);
int cmd_rules(int argc, char **argv, const struct cmd_ctx *ctx);
int cmd_reach(int argc, char **argv, const struct cmd_ctx *ctx);
int cmd_trail(int argc, char **argv, const struct cmd_ctx *ctx);
int cmd_portscan(int argc, char **argv, const struct cmd_ctx *ctx);
int cmd_host(int argc, char **argv, const struct cmd_ctx *ctx);
int cmd_paths(int argc, char **argv, const struct cmd_ctx *ctx);
int cmd_diff(int argc, char **argv, const struct cmd_ctx *ctx);
int cmd_history(int argc, char **argv, const struct cmd_ctx *ctx);

/* Shared by the commands (util.c). */
/* "mamori CMD: message" and the --help hint on stderr; returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int cmd_usage_error(const char *cmd, const char *fmt, ...);
/* Report a getopt_long failure (ch is ':' or '?', with opterr = 0). */
int cmd_getopt_error(const char *cmd, int ch, char **argv);
/* At most max diagnostics on stderr, then a count of the rest. */
void cmd_print_diags(const char *cmd, const struct mm_diags *d, size_t max);
/* Write sb to path (stdout when NULL): EXIT_CLEAN, EXIT_USAGE (cannot open) or EXIT_RUNTIME. */
int cmd_write_output(const char *cmd, const struct strbuf *sb, const char *path);

/* A report streamed to path (stdout when NULL): open (EXIT_CLEAN or
 * EXIT_USAGE), cmd_out_flush() as the report_opts flush callback (writes sb
 * and empties it; a write error sticks), close with what is left
 * (EXIT_CLEAN or EXIT_RUNTIME, the error said on stderr). */
struct cmd_out {
	const char *cmd, *path;
	FILE *f;
	int err;
};
int cmd_out_open(struct cmd_out *co, const char *cmd, const char *path);
int cmd_out_flush(struct strbuf *sb, void *arg);
int cmd_out_close(struct cmd_out *co, struct strbuf *rest);
/* Milliseconds since t0 (CLOCK_MONOTONIC). */
long long cmd_ms_since(const struct timespec *t0);

#endif
