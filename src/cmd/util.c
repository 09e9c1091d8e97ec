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

int cmd_out_open(struct cmd_out *co, const char *cmd, const char *path)
{
	co->cmd = cmd;
	co->path = path;
	co->err = 0;
	co->f = path ? fopen(path, "w") : stdout;
	if (!co->f) {
		progress_clear();
		fprintf(stderr, "mamori: %s: cannot open '%s' for writing: %s\n", cmd, path,
			strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_CLEAN;
}

int cmd_out_flush(struct strbuf *sb, void *arg)
{
	struct cmd_out *co = arg;
	if (!co->err && sb->len && fwrite(sb->buf, 1, sb->len, co->f) != sb->len)
		co->err = errno ? errno : EIO;
	strbuf_reset(sb);
	return co->err ? -1 : 0;
}

int cmd_out_close(struct cmd_out *co, struct strbuf *rest)
{
	if (rest)
		cmd_out_flush(rest, co);
	int rc = co->path ? fclose(co->f) : fflush(co->f);
	if (!co->err && rc)
		co->err = errno ? errno : EIO;
	co->f = NULL;
	if (co->err) {
		progress_clear();
		fprintf(stderr, "mamori: %s: cannot write '%s': %s\n", co->cmd,
			co->path ? co->path : "<stdout>", strerror(co->err));
		return EXIT_RUNTIME;
	}
	return EXIT_CLEAN;
}

int cmd_write_output(const char *cmd, const struct strbuf *sb, const char *path)
{
	struct cmd_out co;
	int rc = cmd_out_open(&co, cmd, path);
	if (rc != EXIT_CLEAN)
		return rc;
	if (sb->len && fwrite(sb->buf, 1, sb->len, co.f) != sb->len)
		co.err = errno ? errno : EIO;
	return cmd_out_close(&co, NULL);
}

long long cmd_ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}
