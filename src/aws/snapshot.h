/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot loader: walks a directory tree of AWS CLI JSON output (.json and
 * .json.gz, any names), recognises each file by its top-level key, and fills
 * a struct mm_model. Per-file problems (malformed JSON, wrong types, unknown
 * keys, files over the size limit) become diagnostics in m->diags naming the
 * file and byte offset; loading goes on with the next file.
 */
#ifndef MM_SNAPSHOT_H
#define MM_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "aws/model.h"
#include "base/err.h"
#include "base/json.h"

struct snapshot_opts {
	size_t max_file_size;	/* decompressed bytes per file; 0 = 1 GiB */
	struct json_limits lim; /* zeros = defaults */
	/*
	 * Progress (NULL: none): bytes read so far and the total, as file sizes
	 * on disk (compressed for .gz; a file read twice for the account and
	 * region hints counts twice). Called once the files are listed, then
	 * about once per megabyte read and once per file, what = "loading".
	 */
	void (*on_progress)(void *arg, uint64_t done, uint64_t total, const char *what);
	void *progress_arg;
};

/*
 * Load every file under `path` (a directory, or one file). Returns 0 when the
 * walk completed (even if some files failed: see m->diags and
 * m->files_failed), or a negative code when `path` itself cannot be read.
 * Calls mm_model_index() at the end.
 */
int snapshot_load(struct mm_model *m, const char *path, const struct snapshot_opts *o,
		  struct mm_err *e);

/*
 * Load one in-memory document as if it were the file `name` (relative path
 * used for account/region inference and evidence). Does not index. Returns 0
 * or negative; a parse error is also recorded in m->diags.
 */
int snapshot_load_buffer(struct mm_model *m, const char *name, const char *buf, size_t len,
			 const struct snapshot_opts *o, struct mm_err *e);

#endif
