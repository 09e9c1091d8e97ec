/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Corpus replay driver: runs a fuzz harness (linked in beside this file) over
 * every file in the directories or files named on the command line, so each
 * seed corpus is an ordinary test in every build, sanitizer builds included.
 * Files are read into buffers of exactly their size (ASan catches a read one
 * byte past the end) and run in name order, each name printed before it runs
 * so a crash points at its input. An argument starting with '?' names an
 * optional directory, skipped when absent (inputs that live outside the
 * repository, such as ../shared). Fails when a required argument cannot be
 * read or when no input was found at all (an empty corpus tests nothing);
 * exits 77 (meson's "skipped") when only optional arguments were given and
 * none exists.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "base/strbuf.h"
#include "base/wrapper.h"
#include "base/banned.h"

static int run_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	struct strbuf sb = STRBUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		strbuf_release(&sb);
		return -1;
	}
	/* Exact-size copy: the strbuf has slack and a NUL that would hide overreads. */
	uint8_t *data = xmalloc(sb.len ? sb.len : 1);
	memcpy(data, sb.buf, sb.len);
	printf("replay: %s (%zu bytes)\n", path, sb.len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, sb.len);
	free(data);
	strbuf_release(&sb);
	(*count)++;
	return 0;
}

static int run_dir(const char *dir, size_t *count)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: cannot read directory '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	int ret = 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (name[0] != '.' && !ret) {
			struct strbuf path = STRBUF_INIT;
			struct stat st;
			strbuf_addf(&path, "%s/%s", dir, name);
			if (stat(path.buf, &st) == 0 && S_ISREG(st.st_mode))
				ret = run_file(path.buf, count);
			strbuf_release(&path);
		}
		free(ents[i]);
	}
	free(ents);
	return ret;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int missing_optional = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s [?]CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int optional = arg[0] == '?';
		struct stat st;
		if (optional)
			arg++;
		if (stat(arg, &st) != 0) {
			if (optional && errno == ENOENT) {
				printf("replay: optional '%s' absent, skipped\n", arg);
				missing_optional++;
				continue;
			}
			fprintf(stderr, "replay: cannot stat '%s': %s\n", arg, strerror(errno));
			return 1;
		}
		int r = S_ISDIR(st.st_mode) ? run_dir(arg, &count) : run_file(arg, &count);
		if (r)
			return 1;
	}
	if (!count) {
		if (missing_optional == argc - 1)
			return 77;
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	printf("replay: %zu inputs ran without a crash\n", count);
	return 0;
}
