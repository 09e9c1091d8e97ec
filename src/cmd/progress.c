/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The progress bar (progress.h): decides whether a bar may be shown, keeps
 * the last state domain code reported, and redraws one line on stderr at most
 * ten times a second. The line is laid out for the terminal's width: name,
 * bar, percent, count, rate and time left when the total is known; name,
 * spinner, count and rate when it is not. What does not fit goes, least
 * useful first (time left, rate, count, then the bar itself), so the line
 * never wraps. SIGINT and SIGTERM erase a visible bar before the default
 * action, so an interrupted run does not leave half a line behind.
 */
#include "progress.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "base/wrapper.h"
#include "base/banned.h"

#define THROTTLE_MS    100 /* at most ten draws a second */
#define RATE_AFTER_MS  500 /* no rate or time left before: too noisy */
#define DEFAULT_WIDTH  80
#define BAR_MIN	       10
#define BAR_MAX	       40
#define TAIL_RESERVE   36 /* " 1.9/2.0 GiB 985.8 MiB/s ETA 12m05s" */
#define CLEAR_LINE     "\r\033[K"
#define CLEAR_LINE_LEN 4

struct progress {
	int fd;
	int width; /* 0: ask the terminal */
	uint64_t (*now_ms)(void *);
	void *clock_arg;
	enum progress_unit unit;
	const char *label, *what;
	uint64_t done, total;
	uint64_t t0, last; /* ms: creation, last draw */
	bool drawn_once;   /* last is valid */
	bool shown;	   /* a line is on the screen now */
	bool broken;	   /* a write failed: draw no more */
	bool signals;	   /* SIGINT/SIGTERM handlers installed by us */
	unsigned spin;
	struct strbuf line;
};

static struct progress *active;
/* The descriptor a bar is visible on, for the signal handler; -1: none. */
static volatile sig_atomic_t sig_fd = -1;

static uint64_t mono_ms(void *unused)
{
	(void)unused;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t now_of(const struct progress *p)
{
	return p->now_ms(p->clock_arg);
}

bool progress_wanted(bool tty, const char *term, const char *no_progress, bool quiet)
{
	if (!tty || quiet)
		return false;
	if (!term || !*term || !strcmp(term, "dumb"))
		return false;
	if (no_progress && *no_progress && strcmp(no_progress, "0"))
		return false;
	return true;
}

/* ---- layout ---- */

/* The unit a byte amount up to max is shown in. */
static const char *byte_unit(uint64_t max, double *div)
{
	if (max >= (1ull << 30)) {
		*div = (double)(1ull << 30);
		return "GiB";
	}
	if (max >= (1ull << 20)) {
		*div = (double)(1ull << 20);
		return "MiB";
	}
	if (max >= (1ull << 10)) {
		*div = 1024.0;
		return "KiB";
	}
	*div = 1.0;
	return "B";
}

static void fmt_count(char *buf, size_t n, enum progress_unit unit, uint64_t done, uint64_t total)
{
	unsigned long long d = done, t = total;
	if (unit == PROGRESS_ITEMS) {
		if (t)
			snprintf(buf, n, "%llu/%llu", d, t);
		else
			snprintf(buf, n, "%llu", d);
		return;
	}
	double div;
	const char *u = byte_unit(t ? t : d, &div);
	if (div == 1.0 && t)
		snprintf(buf, n, "%llu/%llu B", d, t);
	else if (div == 1.0)
		snprintf(buf, n, "%llu B", d);
	else if (t)
		snprintf(buf, n, "%.1f/%.1f %s", (double)d / div, (double)t / div, u);
	else
		snprintf(buf, n, "%.1f %s", (double)d / div, u);
}

static void fmt_rate(char *buf, size_t n, const struct progress *p, double per_s)
{
	if (p->unit == PROGRESS_BYTES) {
		double div;
		const char *u = byte_unit((uint64_t)per_s, &div);
		if (div == 1.0)
			snprintf(buf, n, "%.0f B/s", per_s);
		else
			snprintf(buf, n, "%.1f %s/s", per_s / div, u);
	} else if (per_s >= 1e7) {
		snprintf(buf, n, "%.1fM/s", per_s / 1e6);
	} else if (per_s >= 1e4) {
		snprintf(buf, n, "%.1fk/s", per_s / 1e3);
	} else if (per_s >= 10) {
		snprintf(buf, n, "%.0f/s", per_s);
	} else {
		snprintf(buf, n, "%.1f/s", per_s);
	}
}

static void fmt_eta(char *buf, size_t n, double s)
{
	if (s > 99 * 3600.0)
		s = 99 * 3600.0;
	unsigned long v = (unsigned long)(s + 0.5);
	if (v < 60)
		snprintf(buf, n, "ETA %lus", v);
	else if (v < 3600)
		snprintf(buf, n, "ETA %lum%02lus", v / 60, v % 60);
	else
		snprintf(buf, n, "ETA %luh%02lum", v / 3600, v / 60 % 60);
}

void progress_format(const struct progress *p, uint64_t now, int width, struct strbuf *out)
{
	strbuf_reset(out);
	if (width < 2)
		return;
	size_t avail = (size_t)width - 1;
	const char *name = p->what ? p->what : p->label ? p->label : "";
	bool known = p->total > 0;
	uint64_t done = known && p->done > p->total ? p->total : p->done;

	char pct[8] = "", count[64], rate[32] = "", eta[32] = "";
	fmt_count(count, sizeof(count), p->unit, done, p->total);
	if (known)
		snprintf(pct, sizeof(pct), "%3u%%",
			 (unsigned)((double)done * 100.0 / (double)p->total));
	uint64_t el = now > p->t0 ? now - p->t0 : 0;
	if (el >= RATE_AFTER_MS && done > 0) {
		double per_s = (double)done * 1000.0 / (double)el;
		fmt_rate(rate, sizeof(rate), p, per_s);
		if (known && done < p->total)
			fmt_eta(eta, sizeof(eta), (double)(p->total - done) / per_s);
	}
	static const char spinner[] = "|/-\\";
	char spin[2] = { spinner[p->spin % 4], '\0' };

	/* the parts after the name (and bar), in the order they are dropped */
	const char *opt[3] = { count, rate, eta };
	size_t nopt = 3;
	size_t base = strlen(name) + (known ? 1 + strlen(pct) : 2); /* " 45%" or " |" */
	size_t tail = 0;
	for (size_t i = 0; i < nopt; i++)
		tail += *opt[i] ? 1 + strlen(opt[i]) : 0;
	/* the bar keeps its width while the numbers come and grow */
	size_t room = tail > TAIL_RESERVE ? tail : TAIL_RESERVE;
	size_t barw = 0;
	if (known && base + room + 3 + BAR_MIN <= avail) {
		barw = avail - base - room - 3; /* " [" and "]" */
		if (barw > BAR_MAX)
			barw = BAR_MAX;
	} else if (known && base + tail + 3 + BAR_MIN <= avail) {
		barw = BAR_MIN;
	}
	while (nopt && base + tail > avail) {
		nopt--;
		tail -= *opt[nopt] ? 1 + strlen(opt[nopt]) : 0;
	}

	strbuf_addstr(out, name);
	if (barw) {
		size_t fill = (size_t)((double)done * (double)barw / (double)p->total);
		strbuf_addstr(out, " [");
		for (size_t i = 0; i < barw; i++)
			strbuf_addch(out, i < fill ? '=' : i == fill ? '>' : ' ');
		strbuf_addch(out, ']');
	}
	strbuf_addch(out, ' ');
	strbuf_addstr(out, known ? pct : spin);
	for (size_t i = 0; i < nopt; i++) {
		if (!*opt[i])
			continue;
		strbuf_addch(out, ' ');
		strbuf_addstr(out, opt[i]);
	}
	if (out->len > avail) {
		/* a very narrow terminal: keep the end, where the numbers are */
		size_t cut = out->len - avail;
		memmove(out->buf, out->buf + cut, avail);
		out->len = avail;
		out->buf[avail] = '\0';
	}
}

/* ---- drawing ---- */

static void put(struct progress *p, const char *s, size_t n)
{
	while (n && !p->broken) {
		ssize_t w = write(p->fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			p->broken = true;
			break;
		}
		s += w;
		n -= (size_t)w;
	}
}

static int term_width(const struct progress *p)
{
	if (p->width)
		return p->width;
	struct winsize ws;
	if (ioctl(p->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return DEFAULT_WIDTH;
}

static void draw(struct progress *p, uint64_t now)
{
	struct strbuf text = STRBUF_INIT;
	progress_format(p, now, term_width(p), &text);
	strbuf_reset(&p->line);
	strbuf_addch(&p->line, '\r');
	strbuf_add(&p->line, text.buf, text.len);
	strbuf_addstr(&p->line, "\033[K");
	strbuf_release(&text);
	put(p, p->line.buf, p->line.len);
	p->shown = !p->broken;
	if (p == active && p->shown)
		sig_fd = p->fd;
	p->last = now;
	p->drawn_once = true;
	p->spin++;
}

static void erase(struct progress *p)
{
	if (!p || !p->shown)
		return;
	if (p == active)
		sig_fd = -1;
	put(p, CLEAR_LINE, CLEAR_LINE_LEN);
	p->shown = false;
}

void progress_update(void *arg, uint64_t done, uint64_t total, const char *what)
{
	struct progress *p = arg;
	if (!p || p->broken)
		return;
	p->done = done;
	p->total = total;
	if (what)
		p->what = what;
	uint64_t now = now_of(p);
	if (p->drawn_once && now - p->last < THROTTLE_MS)
		return;
	draw(p, now);
}

void progress_clear(void)
{
	erase(active);
}

progress_fn_t *progress_fn(const struct progress *bar)
{
	return bar ? progress_update : NULL;
}

/* ---- life cycle ---- */

struct progress *progress_new(const struct progress_cfg *cfg, const char *label,
			      enum progress_unit unit)
{
	struct progress *p = xcalloc(1, sizeof(*p));
	p->fd = cfg->fd;
	p->width = cfg->width;
	p->now_ms = cfg->now_ms ? cfg->now_ms : mono_ms;
	p->clock_arg = cfg->clock_arg;
	p->unit = unit;
	p->label = label;
	p->t0 = now_of(p);
	strbuf_init(&p->line, 128);
	if (active)
		erase(active);
	active = p;
	return p;
}

static void on_signal(int sig)
{
	int fd = sig_fd;
	if (fd >= 0) {
		ssize_t w = write(fd, CLEAR_LINE, CLEAR_LINE_LEN);
		(void)w;
	}
	/* SA_RESETHAND restored the default action (the one we replaced) */
	raise(sig);
}

/* Catch sig only where its action is the default one, so commands that
 * handle it themselves keep doing so. */
static bool catch_signal(int sig)
{
	struct sigaction old, sa;
	if (sigaction(sig, NULL, &old) < 0 || old.sa_handler != SIG_DFL)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL) == 0;
}

static void release_signal(int sig)
{
	struct sigaction old;
	if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == on_signal)
		signal(sig, SIG_DFL);
}

struct progress *progress_start(const char *label, enum progress_unit unit, bool quiet)
{
	if (!progress_wanted(isatty(STDERR_FILENO), getenv("TERM"), getenv("MAMORI_NO_PROGRESS"),
			     quiet))
		return NULL;
	struct progress_cfg cfg = { .fd = STDERR_FILENO };
	struct progress *p = progress_new(&cfg, label, unit);
	bool a = catch_signal(SIGINT);
	bool b = catch_signal(SIGTERM);
	p->signals = a || b;
	return p;
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	erase(p);
	if (p == active) {
		active = NULL;
		sig_fd = -1;
	}
	if (p->signals) {
		release_signal(SIGINT);
		release_signal(SIGTERM);
	}
	strbuf_release(&p->line);
	free(p);
}
