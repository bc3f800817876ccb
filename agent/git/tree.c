/*
 * A struct fg_source over a commit's tree: render reads a remote
 * repository straight from the mirror, no checkout. The listing rules are
 * the folder source's (render/source.h): hidden entries skipped,
 * symbolic links (mode 120000) and submodules (160000) reported, depth
 * and entry count bounded, every blob bounded.
 */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "agent/git/git_int.h"
#include "render/base/error.h"
#include "render/base/banned.h"

struct tree_source {
	struct fg_git_mirror *m; /* borrowed */
	git_repository *repo;	 /* borrowed from the mirror */
	git_tree *root;
};

static int walk(struct tree_source *ts, const git_tree *tree,
		struct fg_buf *rel, int depth, char ***paths, size_t *n,
		size_t *cap, struct fg_diags *diags)
{
	struct fg_pos none = { 0, 0 };
	size_t i, count = git_tree_entrycount(tree), base = rel->len;
	int err = 0;

	if (depth > FG_SOURCE_MAX_DEPTH)
		return fg_diags_add(diags, FG_SEV_ERROR, rel->ptr, none,
				    "folders nested deeper than %d levels",
				    FG_SOURCE_MAX_DEPTH);
	for (i = 0; i < count && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		git_tree *sub = NULL;

		if (name[0] == '.')
			continue;
		fg_buf_truncate(rel, base);
		if ((base && fg_buf_putc(rel, '/') < 0) ||
		    fg_buf_puts(rel, name) < 0)
			return FG_ERROR;
		switch (git_tree_entry_filemode(e)) {
		case GIT_FILEMODE_TREE:
			if (git_tree_lookup(&sub, ts->repo,
					    git_tree_entry_id(e)) < 0)
				return fg_git_read_error(ts->m,
							 "cannot read tree");
			err = walk(ts, sub, rel, depth + 1, paths, n, cap,
				   diags);
			git_tree_free(sub);
			break;
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
			err = fg_source_paths_push(paths, n, cap, rel->ptr);
			break;
		case GIT_FILEMODE_LINK:
			err = fg_diags_add(diags, FG_SEV_ERROR, rel->ptr, none,
					   "symbolic links are not allowed in "
					   "a repository (they could point "
					   "outside it)");
			break;
		case GIT_FILEMODE_COMMIT:
			err = fg_diags_add(diags, FG_SEV_ERROR, rel->ptr, none,
					   "submodules are not allowed in a "
					   "repository (their files are not "
					   "in this commit)");
			break;
		default:
			err = fg_diags_add(diags, FG_SEV_ERROR, rel->ptr, none,
					   "not a regular file or folder");
		}
	}
	fg_buf_truncate(rel, base);
	return err;
}

static int tree_list(void *ctx, const char *sub, char ***paths, size_t *n,
		     size_t *cap, struct fg_diags *diags)
{
	struct tree_source *ts = ctx;
	struct fg_buf rel = FG_BUF_INIT;
	git_tree_entry *e = NULL;
	git_tree *tree = NULL;
	int err;

	if (!*sub) {
		err = walk(ts, ts->root, &rel, 0, paths, n, cap, diags);
		fg_buf_release(&rel);
		return err;
	}
	if ((err = fg_source_path_check(sub)) < 0)
		return err;
	if (git_tree_entry_bypath(&e, ts->root, sub) < 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_TREE) {
		git_tree_entry_free(e);
		return fg_error_set(FG_ENOTFOUND,
				    "cannot open folder '%s': no such folder "
				    "in the commit",
				    sub);
	}
	if (git_tree_lookup(&tree, ts->repo, git_tree_entry_id(e)) < 0) {
		git_tree_entry_free(e);
		return fg_git_read_error(ts->m, "cannot read tree");
	}
	git_tree_entry_free(e);
	if ((err = fg_buf_puts(&rel, sub)) == 0)
		err = walk(ts, tree, &rel, 0, paths, n, cap, diags);
	fg_buf_release(&rel);
	git_tree_free(tree);
	return err;
}

static int tree_read(void *ctx, const char *path, struct fg_buf *out)
{
	struct tree_source *ts = ctx;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	git_object_size_t size;
	int err;

	if ((err = fg_source_path_check(path)) < 0)
		return err;
	if (git_tree_entry_bypath(&e, ts->root, path) < 0)
		return fg_error_set(FG_ENOTFOUND,
				    "cannot open '%s': no such file in the "
				    "commit",
				    path);
	if (git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB &&
	    git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB_EXECUTABLE) {
		git_tree_entry_free(e);
		return fg_error_set(FG_EINVALID, "'%s' is not a regular file",
				    path);
	}
	err = git_blob_lookup(&blob, ts->repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	if (err < 0)
		return fg_git_read_error(ts->m, "cannot read blob");
	size = git_blob_rawsize(blob);
	if (size > FG_GIT_BLOB_MAX || (size_t)size > out->max - out->len)
		err = fg_error_set(FG_EINVALID,
				   "'%s' is %llu bytes, above the limit of %zu",
				   path, (unsigned long long)size,
				   out->max < FG_GIT_BLOB_MAX
					   ? out->max
					   : FG_GIT_BLOB_MAX);
	else
		err = fg_buf_add(out, git_blob_rawcontent(blob), (size_t)size);
	git_blob_free(blob);
	return err;
}

static void tree_free(void *ctx)
{
	struct tree_source *ts = ctx;

	if (!ts)
		return;
	git_tree_free(ts->root);
	free(ts);
}

static const struct fg_source_ops tree_ops = { tree_list, tree_read,
					       tree_free };

int fg_git_source_new(struct fg_source **out, struct fg_git_mirror *m,
		      const char *hex)
{
	struct fg_source *s = NULL;
	struct tree_source *ts = NULL;
	struct fg_buf label = FG_BUF_INIT;
	git_commit *c = NULL;
	git_oid oid;
	int err;

	*out = NULL;
	if (git_oid_fromstr(&oid, hex) < 0 ||
	    git_commit_lookup(&c, m->repo, &oid) < 0)
		return fg_error_set(FG_ENOTFOUND, "no commit %s in %s", hex,
				    m->url_safe);
	if (!(s = calloc(1, sizeof(*s))) || !(ts = calloc(1, sizeof(*ts))) ||
	    fg_buf_printf(&label, "%s@%s", m->url_safe, hex) < 0) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto fail;
	}
	ts->m = m;
	ts->repo = m->repo;
	if (git_commit_tree(&ts->root, c) < 0) {
		err = fg_git_read_error(m, "cannot read the commit's tree");
		goto fail;
	}
	git_commit_free(c);
	s->ops = &tree_ops;
	s->ctx = ts;
	s->label = fg_buf_detach(&label, NULL);
	*out = s;
	return 0;
fail:
	git_commit_free(c);
	fg_buf_release(&label);
	free(ts);
	free(s);
	return err;
}
