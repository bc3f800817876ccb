/*
 * Write-back: commit files onto a branch, or a note onto a commit, and
 * push without ever losing another writer's commit.
 *
 * Each attempt: fetch, build the new commit on the remote's current tip
 * (keeping every file we do not write), push without force. A push that
 * is not a fast-forward means someone else pushed in between: fetch
 * again, rebuild on their commit, push again, a bounded number of times
 * with a short random back-off. The local branch moves only after the
 * remote accepted the push.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>
#include <sodium.h>

#include "agent/git/git_int.h"
#include "agent/log.h"
#include "render/base/error.h"
#include "render/base/banned.h"

#define PENDING_PREFIX "refs/flink-gitops/pending/"
#define DEFAULT_NAME "flink-gitops"
#define DEFAULT_EMAIL "flink-gitops@localhost"

typedef int (*build_fn)(struct fg_git_mirror *m,
			const struct fg_git_commit_opts *o, git_commit *tip,
			git_oid *out, int *changed, void *arg);

static void backoff(int attempt)
{
	struct timespec ts;
	long ms = (long)(randombytes_uniform(100) + 50) * attempt;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static int commit_and_push(struct fg_git_mirror *m,
			   const struct fg_git_commit_opts *o, const char *dst,
			   build_fn build, void *arg, char hex[41],
			   int *changed)
{
	struct fg_buf pending = FG_BUF_INIT;
	int max = o->max_attempts > 0 ? o->max_attempts : FG_GIT_PUSH_ATTEMPTS;
	int attempt, err = 0;

	hex[0] = '\0';
	*changed = 0;
	if ((err = fg_buf_printf(&pending, PENDING_PREFIX "%s", dst + 5)) < 0)
		return err;
	for (attempt = 1; attempt <= max; attempt++) {
		git_reference *ref = NULL;
		git_commit *tip = NULL;
		git_oid tip_oid, new_oid;
		int ch = 0;

		if ((err = fg_git_remote_fetch(m)) < 0)
			break;
		if (git_reference_name_to_id(&tip_oid, m->repo, dst) == 0 &&
		    git_commit_lookup(&tip, m->repo, &tip_oid) < 0) {
			err = fg_git_error(FG_ERROR, "cannot read branch tip");
			break;
		}
		err = build(m, o, tip, &new_oid, &ch, arg);
		git_commit_free(tip);
		if (err < 0)
			break;
		if (!ch) {
			git_oid_tostr(hex, 41, &tip_oid);
			break;
		}
		if (git_reference_create(&ref, m->repo, pending.ptr, &new_oid,
					 1, "flink-gitops: pending") < 0) {
			err = fg_git_error(FG_ERROR, "cannot create ref");
			break;
		}
		git_reference_free(ref);
		ref = NULL;
		if (o->before_push)
			o->before_push(o->arg, attempt);
		err = fg_git_remote_push(m, pending.ptr, dst);
		if (err == FG_ECONFLICT) {
			FG_LOG_INFO("git.push.retry",
				    FG_LOG_STR("url", m->url_safe),
				    FG_LOG_STR("ref", dst),
				    FG_LOG_INT("attempt", attempt));
			if (attempt < max)
				backoff(attempt);
			continue;
		}
		if (err < 0)
			break;
		if (git_reference_create(&ref, m->repo, dst, &new_oid, 1,
					 "flink-gitops: pushed") < 0) {
			err = fg_git_error(FG_ERROR, "cannot update ref");
			break;
		}
		git_reference_free(ref);
		git_oid_tostr(hex, 41, &new_oid);
		*changed = 1;
		FG_LOG_INFO("git.push", FG_LOG_STR("url", m->url_safe),
			    FG_LOG_STR("ref", dst), FG_LOG_STR("commit", hex),
			    FG_LOG_INT("attempt", attempt));
		break;
	}
	if (attempt > max)
		err = fg_error_set(FG_ECONFLICT,
				   "push to %s: %s kept moving; gave up after "
				   "%d attempts",
				   m->url_safe, dst, max);
	{
		git_reference *p = NULL;
		if (git_reference_lookup(&p, m->repo, pending.ptr) == 0)
			git_reference_delete(p);
		git_reference_free(p);
	}
	fg_buf_release(&pending);
	return err;
}

static int make_sig(git_signature **out, const struct fg_git_commit_opts *o)
{
	if (git_signature_now(
		    out, o->author_name ? o->author_name : DEFAULT_NAME,
		    o->author_email ? o->author_email : DEFAULT_EMAIL) < 0)
		return fg_git_error(FG_EINVALID, "bad author");
	return 0;
}

static int check_path(const char *path)
{
	const char *p = path;

	if (!*p || *p == '/')
		goto bad;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && !memcmp(p, "..", 2)) ||
		    (len == 4 && !memcmp(p, ".git", 4)))
			goto bad;
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
bad:
	return fg_error_set(FG_EINVALID,
			    "cannot write '%s': not a plain "
			    "relative path",
			    path);
}

struct files_arg {
	const struct fg_git_file *files;
	size_t n;
};

static int build_files(struct fg_git_mirror *m,
		       const struct fg_git_commit_opts *o, git_commit *tip,
		       git_oid *out, int *changed, void *arg)
{
	struct files_arg *fa = arg;
	git_tree_update *up = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_treebuilder *tb = NULL;
	git_signature *sig = NULL;
	git_buf buf = { 0 };
	struct fg_buf armored = FG_BUF_INIT;
	const git_commit *parents[1] = { tip };
	git_oid tree_oid, empty;
	size_t i;
	int err = 0;

	size_t nup = 0;

	if (!(up = calloc(fa->n ? fa->n : 1, sizeof(*up))))
		return fg_error_set(FG_ERROR, "out of memory");
	if (tip) {
		err = git_commit_tree(&base, tip);
	} else if ((err = git_treebuilder_new(&tb, m->repo, NULL)) == 0 &&
		   (err = git_treebuilder_write(&empty, tb)) == 0) {
		err = git_tree_lookup(&base, m->repo, &empty);
	}
	if (err < 0) {
		err = fg_git_error(FG_ERROR, "cannot read tree");
		goto done;
	}
	for (i = 0; i < fa->n; i++) {
		git_tree_entry *e = NULL;

		if ((err = check_path(fa->files[i].path)) < 0)
			goto done;
		if (!fa->files[i].data) { /* removed, when it is there */
			if (git_tree_entry_bypath(&e, base, fa->files[i].path) <
			    0)
				continue;
			git_tree_entry_free(e);
			up[nup].action = GIT_TREE_UPDATE_REMOVE;
			up[nup++].path = fa->files[i].path;
			continue;
		}
		if (git_blob_create_from_buffer(&up[nup].id, m->repo,
						fa->files[i].data,
						fa->files[i].len) < 0) {
			err = fg_git_error(FG_ERROR, "cannot write blob");
			goto done;
		}
		up[nup].action = GIT_TREE_UPDATE_UPSERT;
		up[nup].filemode = GIT_FILEMODE_BLOB;
		up[nup++].path = fa->files[i].path;
	}
	if (git_tree_create_updated(&tree_oid, m->repo, base, nup, up) < 0 ||
	    git_tree_lookup(&tree, m->repo, &tree_oid) < 0) {
		err = fg_git_error(FG_ERROR, "cannot build tree");
		goto done;
	}
	if (tip && git_oid_equal(&tree_oid, git_commit_tree_id(tip))) {
		*changed = 0;
		goto done;
	}
	if ((err = make_sig(&sig, o)) < 0)
		goto done;
	if (git_commit_create_buffer(&buf, m->repo, sig, sig, NULL,
				     o->message ? o->message
						: "flink-gitops: report\n",
				     tree, tip ? 1 : 0, parents) < 0) {
		err = fg_git_error(FG_ERROR, "cannot build commit");
		goto done;
	}
	if (o->signer && (err = fg_sshsig_sign(&armored, o->signer, "git",
					       buf.ptr, buf.size)) < 0)
		goto done;
	if (git_commit_create_with_signature(out, m->repo, buf.ptr,
					     o->signer ? armored.ptr : NULL,
					     NULL) < 0) {
		err = fg_git_error(FG_ERROR, "cannot write commit");
		goto done;
	}
	*changed = 1;
done:
	git_buf_dispose(&buf);
	fg_buf_release(&armored);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(base);
	git_treebuilder_free(tb);
	free(up);
	return err;
}

int fg_git_write_files(struct fg_git_mirror *m,
		       const struct fg_git_commit_opts *o,
		       const struct fg_git_file *files, size_t n, char hex[41],
		       int *changed)
{
	struct fg_buf dst = FG_BUF_INIT;
	struct files_arg fa = { files, n };
	int err;

	if ((err = fg_buf_printf(&dst, "refs/heads/%s",
				 o->branch ? o->branch
					   : FG_GIT_STATUS_BRANCH)) < 0)
		return err;
	if (!git_reference_is_valid_name(dst.ptr)) {
		err = fg_error_set(FG_EINVALID, "invalid branch name '%s'",
				   dst.ptr + 11);
		goto done;
	}
	err = commit_and_push(m, o, dst.ptr, build_files, &fa, hex, changed);
done:
	fg_buf_release(&dst);
	return err;
}

struct note_arg {
	git_oid target;
	const char *text;
};

static int build_note(struct fg_git_mirror *m,
		      const struct fg_git_commit_opts *o, git_commit *tip,
		      git_oid *out, int *changed, void *arg)
{
	struct note_arg *na = arg;
	git_signature *sig = NULL;
	git_note *old = NULL;
	int err;

	if (tip && git_note_commit_read(&old, m->repo, tip, &na->target) == 0 &&
	    !strcmp(git_note_message(old), na->text)) {
		git_note_free(old);
		*changed = 0;
		return 0;
	}
	git_note_free(old);
	if ((err = make_sig(&sig, o)) < 0)
		return err;
	if (git_note_commit_create(out, NULL, m->repo, tip, sig, sig,
				   &na->target, na->text, 1) < 0)
		err = fg_git_error(FG_ERROR, "cannot write note");
	else
		*changed = 1;
	git_signature_free(sig);
	return err;
}

int fg_git_note_add(struct fg_git_mirror *m, const char *hex, const char *text,
		    const struct fg_git_commit_opts *o)
{
	struct note_arg na;
	char out[41];
	int changed;

	if (git_oid_fromstr(&na.target, hex) < 0)
		return fg_error_set(FG_EINVALID, "'%s' is not a commit id",
				    hex);
	na.text = text;
	return commit_and_push(m, o, FG_GIT_NOTES_REF, build_note, &na, out,
			       &changed);
}
