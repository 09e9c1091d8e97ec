/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command layer: one file per command, each exporting one entry point. This
 * is the only code that prints to stdout/stderr or decides the exit code.
 * Exit codes (DESIGN.md): 0 ran clean, 1 findings at or above --fail-on,
 * 2 usage or input error, 3 runtime error.
 */
#ifndef MM_CMD_H
#define MM_CMD_H

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

#endif
