/*
 * A file:// repository is read in place, as `git clone --shared` does:
 * the mirror borrows its object database through objects/info/alternates
 * and copies its refs (every ref, pruned as a fetch prunes; ours under
 * refs/flink-gitops/ kept) and its HEAD. No pack is built and nothing is
 * copied but refs.
 *
 * Why not a libgit2 fetch: for a local remote libgit2 1.5 builds the pack
 * itself by walking the history, and in a shallow clone (what CI systems
 * make: GitHub's actions/checkout fetches one commit, GitLab twenty) the
 * walk meets a parent that is not there and the fetch fails ("object not
 * found"). Reading in place walks nothing: a commit whose tree is there
 * can be rendered, whatever the depth of the clone. It also follows the
 * clone's own view exactly: HEAD is its HEAD (a detached one too), and
 * `origin/main` its remote-tracking ref.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "agent/git/git_int.h"
#include "agent/log.h"
#include "render/base/error.h"
#include "render/base/banned.h"

#define LOCAL_PREFIX "file://"
#define ALTERNATES_MAX 4096 /* bytes of objects/info/alternates read */

int fg_git_url_is_local(const char *url)
{
	return url && !strncmp(url, LOCAL_PREFIX, strlen(LOCAL_PREFIX));
}

/* The objects folder of the repository at `path`, into `out`. */
static int source_objects(git_repository **src, const char *url,
			  struct fg_buf *out)
{
	const char *path = url + strlen(LOCAL_PREFIX);

	if (git_repository_open_ext(src, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) < 0)
		return fg_error_set(FG_ENOTFOUND,
				    "fetch from %s: no repository there (%s)",
				    url,
				    git_error_last() ? git_error_last()->message
						     : "not found");
	return fg_buf_printf(out, "%sobjects", git_repository_commondir(*src));
}

/*
 * objects/info/alternates of the mirror names `objects` (the file is
 * written when it does not, and the folder added to the open object
 * database, which read the file when it was opened).
 */
static int borrow_objects(struct fg_git_mirror *m, const char *objects)
{
	struct fg_buf path = FG_BUF_INIT, cur = FG_BUF_INIT;
	git_odb *odb = NULL;
	FILE *f = NULL;
	int err = 0;

	fg_buf_init(&cur, ALTERNATES_MAX);
	if ((err = fg_buf_printf(&path, "%s/objects/info", m->path)) < 0)
		goto done;
	if (mkdir(path.ptr, 0700) < 0 && errno != EEXIST) {
		err = fg_error_set_errno(FG_ERROR, errno, "cannot create '%s'",
					 path.ptr);
		goto done;
	}
	if ((err = fg_buf_puts(&path, "/alternates")) < 0)
		goto done;
	if (fg_buf_read_file(&cur, path.ptr) == 0 && cur.len &&
	    cur.len == strlen(objects) + 1 &&
	    !strncmp(cur.ptr, objects, cur.len - 1))
		goto done; /* in place since the mirror was opened */
	fg_error_clear();
	if (!(f = fopen(path.ptr, "w")) || fprintf(f, "%s\n", objects) < 0 ||
	    fclose(f) != 0) {
		f = NULL;
		err = fg_error_set_errno(FG_ERROR, errno, "cannot write '%s'",
					 path.ptr);
		goto done;
	}
	f = NULL;
	if (git_repository_odb(&odb, m->repo) < 0 ||
	    git_odb_add_disk_alternate(odb, objects) < 0)
		err = fg_git_error(FG_ERROR, "cannot read the repository's "
					     "objects");
done:
	if (f)
		fclose(f);
	git_odb_free(odb);
	fg_buf_release(&path);
	fg_buf_release(&cur);
	return err;
}

static int ours(const char *name)
{
	return !strncmp(name, "refs/flink-gitops/", 18);
}

/* Copy every ref of `src` (peeled to its target id) into the mirror. */
static int copy_refs(struct fg_git_mirror *m, git_repository *src)
{
	git_reference_iterator *it = NULL;
	git_reference *r = NULL, *res = NULL, *made = NULL;
	int rc, err = 0;

	if (git_reference_iterator_glob_new(&it, src, "refs/*") < 0)
		return fg_git_error(FG_ERROR, "cannot list refs");
	while (!err && (rc = git_reference_next(&r, it)) == 0) {
		const char *name = git_reference_name(r);

		if (!ours(name) && git_reference_resolve(&res, r) == 0 &&
		    git_reference_create(&made, m->repo, name,
					 git_reference_target(res), 1,
					 "flink-gitops: local fetch") < 0)
			err = fg_git_error(FG_ERROR, "cannot copy ref");
		git_reference_free(made);
		git_reference_free(res);
		git_reference_free(r);
		made = res = r = NULL;
	}
	git_reference_iterator_free(it);
	return err;
}

/* Delete the mirror's refs `src` no longer has (ours aside). */
static int prune_refs(struct fg_git_mirror *m, git_repository *src)
{
	git_reference_iterator *it = NULL;
	git_reference *r = NULL, *there = NULL;
	int rc, err = 0;

	if (git_reference_iterator_glob_new(&it, m->repo, "refs/*") < 0)
		return fg_git_error(FG_ERROR, "cannot list refs");
	while (!err && (rc = git_reference_next(&r, it)) == 0) {
		const char *name = git_reference_name(r);

		if (!ours(name) &&
		    git_reference_lookup(&there, src, name) == GIT_ENOTFOUND &&
		    git_reference_delete(r) < 0)
			err = fg_git_error(FG_ERROR, "cannot prune ref");
		git_reference_free(there);
		git_reference_free(r);
		there = r = NULL;
	}
	git_reference_iterator_free(it);
	return err;
}

int fg_git_set_head(struct fg_git_mirror *m, const git_oid *id)
{
	git_object *o = NULL;
	int err = 0;

	/* only a commit the mirror has: HEAD may name anything remotely */
	if (git_object_lookup(&o, m->repo, id, GIT_OBJECT_ANY) < 0 ||
	    git_repository_set_head_detached(m->repo, id) < 0)
		err = fg_git_error(FG_ERROR, "cannot record the remote's HEAD");
	git_object_free(o);
	return err;
}

int fg_git_local_fetch(struct fg_git_mirror *m)
{
	struct fg_buf objects = FG_BUF_INIT;
	git_repository *src = NULL;
	git_oid head;
	int err;

	if ((err = source_objects(&src, m->url, &objects)) < 0 ||
	    (err = borrow_objects(m, objects.ptr)) < 0 ||
	    (err = copy_refs(m, src)) < 0 || (err = prune_refs(m, src)) < 0)
		goto done;
	/* an unborn HEAD (an empty repository) leaves the mirror's alone */
	if (git_reference_name_to_id(&head, src, "HEAD") == 0)
		err = fg_git_set_head(m, &head);
	FG_LOG_DEBUG("git.fetch", FG_LOG_STR("url", m->url_safe),
		     FG_LOG_STR("mode", "in place"));
done:
	git_error_clear();
	git_repository_free(src);
	fg_buf_release(&objects);
	return err;
}
