/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers for the host collectors: line iteration with line numbers,
 * sshd-style wildcard matching, and running a program on the live host with
 * a timeout and a cap on what it prints (no shell, stdin from /dev/null,
 * stderr discarded).
 */
#include "host-int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

bool host_next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *n,
		    unsigned *lineno)
{
	if (*pos >= len)
		return false;
	const char *s = buf + *pos;
	const char *nl = memchr(s, '\n', len - *pos);
	size_t k = nl ? (size_t)(nl - s) : len - *pos;
	*line = s;
	*n = k;
	*pos += k + (nl ? 1 : 0);
	(*lineno)++;
	return true;
}

/* Iterative wildcard match with single backtrack point: linear enough for
 * configuration patterns and never recursive on hostile input. */
bool host_wildmatch(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int host_run_cmd(const char *const *argv, int timeout_ms, size_t max, char **out, size_t *len,
		 struct mm_err *e)
{
	*out = NULL;
	*len = 0;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return mm_err_set(e, MM_EIO, "cannot run '%s': %s", argv[0], strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(pfd[0]);
		close(pfd[1]);
		return mm_err_set(e, MM_EIO, "cannot run '%s': %s", argv[0], strerror(err));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 2);
		}
		dup2(pfd[1], 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	struct strbuf sb = STRBUF_INIT;
	long long deadline = now_ms() + timeout_ms;
	bool timed_out = false, too_big = false;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			timed_out = pr == 0;
			break;
		}
		char tmp[65536];
		ssize_t k = read(pfd[0], tmp, sizeof(tmp));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (sb.len + (size_t)k > max) {
			too_big = true;
			break;
		}
		strbuf_add(&sb, tmp, (size_t)k);
	}
	close(pfd[0]);
	if (timed_out || too_big)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out || too_big) {
		strbuf_release(&sb);
		return mm_err_set(e, MM_EIO, "'%s' %s", argv[0],
				  timed_out ? "timed out" : "printed too much");
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !sb.len) {
		strbuf_release(&sb);
		return mm_err_set(e, MM_ENOTFOUND, "cannot run '%s'", argv[0]);
	}
	*len = sb.len;
	*out = strbuf_detach(&sb, NULL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
