/*
 * A source is where a repository's files come from: a directory today, a
 * Git tree (agent/) later. Render reads only through this interface, so
 * both behave the same: same listing order, same rules, same limits.
 *
 * Listing rules (repo-layout/README.md):
 *   - paths are relative, '/'-separated, sorted bytewise;
 *   - hidden entries (a name starting with '.') are skipped, files and
 *     folders alike;
 *   - symbolic links, and anything that is neither a regular file nor a
 *     folder, are reported as errors: they could point outside the root;
 *   - depth and entry count are bounded.
 */
#ifndef FG_RENDER_SOURCE_H
#define FG_RENDER_SOURCE_H

#include <stddef.h>

#include "render/base/buf.h"
#include "render/base/diag.h"

#define FG_SOURCE_MAX_DEPTH 32	     /* folder nesting below the root */
#define FG_SOURCE_MAX_ENTRIES 200000 /* files listed per source */

struct fg_source_ops {
	/*
	 * Append the relative path of every regular file under `sub` ("" for
	 * the root) to `paths`, one per entry, unsorted. Report entries that
	 * break the rules as diagnostics and go on.
	 */
	int (*list)(void *ctx, const char *sub, char ***paths, size_t *n,
		    size_t *cap, struct fg_diags *diags);
	/* Read the file at relative `path` into `out` (bounded by out->max). */
	int (*read)(void *ctx, const char *path, struct fg_buf *out);
	void (*free)(void *ctx);
};

struct fg_source {
	const struct fg_source_ops *ops;
	void *ctx;
	char *label; /* shown in messages: the folder, or repo@commit */
};

/* A folder on disk; `root` must exist and be a folder. */
int fg_source_dir_new(struct fg_source **out, const char *root);

void fg_source_free(struct fg_source *s);

/*
 * Every file under `sub`, sorted. Free with fg_source_paths_free.
 * Entries that break the listing rules become diagnostics.
 */
int fg_source_list(struct fg_source *s, const char *sub, char ***paths,
		   size_t *n, struct fg_diags *diags);
void fg_source_paths_free(char **paths, size_t n);

int fg_source_read(struct fg_source *s, const char *path, struct fg_buf *out);

/*
 * For source implementations: FG_EINVALID unless `path` is relative and
 * normalised (no "..", ".", empty segment or leading '/'), so it stays
 * inside the root.
 */
int fg_source_path_check(const char *path);

/* For source implementations: append a copy of `p` to a listing,
 * refusing more than FG_SOURCE_MAX_ENTRIES files. */
int fg_source_paths_push(char ***paths, size_t *n, size_t *cap, const char *p);

#endif
