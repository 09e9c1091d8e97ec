/* SPDX-License-Identifier: Apache-2.0 */
/*
 * measure: run a command and report its wall time and peak resident set size,
 * like GNU `time -f '%e %M'` but with no package to install. The child's
 * stdout and stderr pass through untouched; the measurement goes to the file
 * named by -o (default: stderr) as one line:
 *
 *     <wall seconds> <peak RSS KiB> <user seconds> <sys seconds> <exit status>
 *
 * Peak RSS comes from wait4()'s rusage (ru_maxrss, KiB on Linux) of that one
 * child. The exit status is the child's, or 128+signal; measure itself exits
 * with the same status so scripts can tell a failed run from a slow one.
 *
 * usage: measure [-o FILE] COMMAND [ARG...]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/banned.h"

static double seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	int i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "-o")) {
		out = argv[i + 1];
		i += 2;
	}
	if (i >= argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: measure [-o FILE] COMMAND [ARG...]\n");
		return 2;
	}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "measure: cannot fork: %s\n", strerror(errno));
		return 126;
	}
	if (pid == 0) {
		execvp(argv[i], argv + i);
		fprintf(stderr, "measure: cannot run '%s': %s\n", argv[i], strerror(errno));
		_exit(127);
	}

	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "measure: wait4: %s\n", strerror(errno));
			return 126;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	FILE *f = stderr;
	if (out && !(f = fopen(out, "w"))) {
		fprintf(stderr, "measure: cannot write '%s': %s\n", out, strerror(errno));
		return 126;
	}
	fprintf(f, "%.3f %ld %.3f %.3f %d\n", wall, ru.ru_maxrss, seconds(&ru.ru_utime),
		seconds(&ru.ru_stime), code);
	if (f != stderr && fclose(f)) {
		fprintf(stderr, "measure: cannot write '%s': %s\n", out, strerror(errno));
		return 126;
	}
	return code;
}
