/* SPDX-License-Identifier: Apache-2.0 */
/* mamori rules (placeholder). */
#include <stdio.h>

#include "cmd.h"
#include "base/banned.h"

int cmd_rules(int argc, char **argv, const struct cmd_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	fprintf(stderr, "mamori: rules: not implemented yet\n");
	return EXIT_RUNTIME;
}
