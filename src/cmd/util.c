/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers every command shares: usage errors in one format, getopt failures,
 * diagnostics on stderr, writing a rendered report to a file or stdout, and
 * elapsed time. Commands differ in their options, not in how they complain.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "progress.h"
#include "base/banned.h"

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	progress_clear();
	va_start(ap, fmt);
	fprintf(stderr, "mamori: %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nRun 'mamori %s --help' for the options.\n", cmd);
	va_end(ap);
	return EXIT_USAGE;
}

int cmd_getopt_error(const char *cmd, int ch, char **argv)
{
	if (ch == ':')
		return cmd_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	if (optopt)
		return cmd_usage_error(cmd, "unknown option '-%c'", optopt);
	return cmd_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

void cmd_print_diags(const char *cmd, const struct mm_diags *d, size_t max)
{
	progress_clear();
	for (size_t i = 0; i < d->nr && i < max; i++) {
		const struct mm_diag *g = &d->v[i];
		fprintf(stderr, "mamori: %s: %s: ", cmd,
			g->level == MM_DIAG_ERROR ? "error" : "warning");
		if (g->file && g->off >= 0)
			fprintf(stderr, "'%s' at offset %lld: ", g->file, g->off);
		else if (g->file)
			fprintf(stderr, "'%s': ", g->file);
		fprintf(stderr, "%s\n", g->msg);
	}
	if (d->nr > max)
		fprintf(stderr, "mamori: %s: ... and %zu more\n", cmd, d->nr - max);
}

int cmd_write_output(const char *cmd, const struct strbuf *sb, const char *path)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	if (!f) {
		fprintf(stderr, "mamori: %s: cannot open '%s' for writing: %s\n", cmd, path,
			strerror(errno));
		return EXIT_USAGE;
	}
	size_t n = fwrite(sb->buf, 1, sb->len, f);
	int err = n != sb->len ? errno : 0;
	int rc = path ? fclose(f) : fflush(f);
	if (!err && rc)
		err = errno;
	if (n != sb->len || rc) {
		fprintf(stderr, "mamori: %s: cannot write '%s': %s\n", cmd,
			path ? path : "<stdout>", strerror(err ? err : EIO));
		return EXIT_RUNTIME;
	}
	return EXIT_CLEAN;
}

long long cmd_ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}
