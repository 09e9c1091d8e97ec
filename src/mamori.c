/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mamori: entry point. Global options, then dispatch through the command
 * table to src/cmd/. Nothing else lives here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "base/banned.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, const struct cmd_ctx *ctx);
	const char *help;
};

static const struct command commands[] = {
	{ .name = "scan",
	  .fn = cmd_scan,
	  .help = "evaluate posture rules over a snapshot directory" },
	{ .name = "rules", .fn = cmd_rules, .help = "list the posture rule catalog" },
	{ .name = "host",
	  .fn = cmd_host,
	  .help = "audit this instance: sshd, metadata access, user-data, listeners, packages" },
	{ .name = "reach",
	  .fn = cmd_reach,
	  .help = "who can reach which port on which instance, by which path" },
	{ .name = "trail",
	  .fn = cmd_trail,
	  .help = "risky actions in CloudTrail logs: who, what, when, where" },
	{ .name = "portscan",
	  .fn = cmd_portscan,
	  .help = "which ports of a host really answer, and do they match the configuration" },
	{ .name = "paths",
	  .fn = cmd_paths,
	  .help = "attack paths: internet -> instance (IMDSv1) -> role -> data or privilege" },
	{ .name = "diff",
	  .fn = cmd_diff,
	  .help = "new, resolved and changed findings between two stored runs" },
	{ .name = "history",
	  .fn = cmd_history,
	  .help = "a resource's findings across stored runs" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mamori [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nRun 'mamori COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("mamori %s\n", MAMORI_VERSION);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	struct cmd_ctx ctx = { 0 };
	const char *nc = getenv("NO_COLOR");
	ctx.color = isatty(STDOUT_FILENO) && !(nc && *nc);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1, &ctx);
	fprintf(stderr, "mamori: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
