/* SPDX-License-Identifier: Apache-2.0 */
/* mamori scan (placeholder). */
#include <stdio.h>

#include "cmd.h"
#include "base/banned.h"

int cmd_scan(int argc, char **argv, const struct cmd_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	fprintf(stderr, "mamori: scan: not implemented yet\n");
	return EXIT_RUNTIME;
}
