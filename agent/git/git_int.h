/* agent/git/ private: the mirror's body and the bounded remote calls. */
#ifndef FG_AGENT_GIT_GIT_INT_H
#define FG_AGENT_GIT_GIT_INT_H

#include <git2.h>

#include "agent/git/git.h"

struct fg_git_mirror {
	char *url;	 /* as given: may hold credentials, never printed */
	char *url_safe;	 /* credentials stripped */
	char *path;	 /* the bare repository */
	char *host_port; /* "host" or "[host]:port", for known_hosts */
	int lockfd;	 /* holds a write lock on PATH.lock */
	int timeout_ms;
	git_repository *repo;
	char *username; /* HTTPS user; NULL = from the URL or default */
	char *secret;	/* sodium_malloc: password or token, or NULL */
	int secret_is_token;
	char *url_password; /* password written in the URL (sodium) */
	char *ca_file, *ssh_key_file, *known_hosts;
	char **extra_specs; /* more refspecs to fetch (refs.c), or NULL */
	size_t nextra;
	int damaged; /* the last fetch failed on the mirror's own objects */
};

/* Fetch heads, tags, notes and remote-tracking refs into the mirror, and
 * record the remote's HEAD (bounded). */
int fg_git_remote_fetch(struct fg_git_mirror *m);

/*
 * Push local ref `src` to remote ref `dst` without force (bounded).
 * FG_ECONFLICT when the remote ref moved (not a fast-forward).
 */
int fg_git_remote_push(struct fg_git_mirror *m, const char *src,
		       const char *dst);

/* 1 when `url` is a file:// URL: the repository is read in place. */
int fg_git_url_is_local(const char *url);

/*
 * The fetch of a file:// repository (local.c): its objects borrowed
 * through objects/info/alternates, its refs and HEAD copied, refs it no
 * longer has pruned. Works on shallow clones.
 */
int fg_git_local_fetch(struct fg_git_mirror *m);

/* Record `id` (which the mirror must have) as the remote's HEAD: the
 * mirror's HEAD, detached. */
int fg_git_set_head(struct fg_git_mirror *m, const git_oid *id);

/* Remove lock and temporary files a killed operation left behind. */
void fg_git_mirror_sweep(struct fg_git_mirror *m);

/* Translate the last libgit2 error into ours, prefixed by `what`. */
int fg_git_error(int code, const char *what);

/*
 * 1 when the last libgit2 error is about the repository's own objects
 * (a corrupt or missing object or pack, a delta whose base is not
 * there) rather than the network or the disk being full.
 */
int fg_git_damage_error(void);

/*
 * An object of the mirror could not be read (`what` failed): the error
 * for it, and the mirror marked damaged, so that the next fetch starts
 * it anew (fg_git_update).
 */
int fg_git_read_error(struct fg_git_mirror *m, const char *what);

#endif
