/*
 * The Git source and Git write-back (libgit2; no `git` process).
 *
 *   mirror   one bare repository per source URL under a cache folder:
 *            cloned on first use, fetched incrementally after that
 *            (branches, tags, notes and remote-tracking refs, the
 *            remote's HEAD, force-pushes followed, deleted branches
 *            pruned); a file:// repository is read in place (local.c)
 *   resolve  a revision as `git rev-parse` reads it: branch, tag, commit
 *            (short or full), full ref name, HEAD (the remote's),
 *            origin/main, HEAD~1, main^ ...
 *   verify   commit signature policy `none` or `head` (SSH signatures,
 *            allowed_signers); the last verified commit stays in force
 *   source   a struct fg_source over a commit's tree, no checkout
 *   write    commit files onto a branch and push, rebuilding on the new
 *            tip when another writer got there first; notes likewise
 *
 * Every network operation (fetch, push) is bounded by opts.timeout_ms,
 * including DNS, TLS/SSH handshakes and a server that accepts and then
 * says nothing: see bounded.c for how.
 *
 * Errors: FG_ERROR unreachable host or transport failure, FG_EAUTH
 * credentials or signature or host key refused, FG_ENOTFOUND unknown ref,
 * FG_ETIMEOUT deadline, FG_ECONFLICT lost a push race too many times.
 * Every message names the URL with credentials stripped and never holds
 * a secret.
 */
#ifndef FG_AGENT_GIT_GIT_H
#define FG_AGENT_GIT_GIT_H

#include <stddef.h>

#include "agent/git/sshsig.h"
#include "render/base/buf.h"
#include "render/source.h"

#define FG_GIT_TIMEOUT_DEFAULT_MS 60000
/* What libgit2 may keep of a mirror in memory, process-wide. */
#define FG_GIT_MAPPED_LIMIT (64L << 20) /* pack windows mapped */
#define FG_GIT_MAPPED_FILES 64		/* pack files open at once */
#define FG_GIT_CACHE_MAX (32L << 20)	/* the object cache */
#define FG_GIT_STATUS_BRANCH "flink-gitops/status"
#define FG_GIT_NOTES_REF "refs/notes/flink-gitops"
#define FG_GIT_PUSH_ATTEMPTS 8
#define FG_GIT_BLOB_MAX ((size_t)8 << 20) /* one file read from a tree */
#define FG_GIT_SECRET_FILE_MAX 4096	  /* a password or token file */

struct fg_git_opts {
	const char *url;
	const char *cache_dir; /* NULL: fg_git_default_cache_dir() */
	int timeout_ms;	       /* per fetch or push; 0 = default */
	/* HTTPS */
	const char *username;	   /* basic auth user (token: optional) */
	const char *password_file; /* basic auth password */
	const char *token_file;	   /* token, sent as the basic password */
	const char *ca_file;	   /* PEM bundle; NULL: the system's */
	/* SSH */
	const char *ssh_key_file; /* private key (user from the URL) */
	const char *known_hosts;  /* NULL: ~/.ssh/known_hosts */
};

struct fg_git_mirror;

/* ${XDG_CACHE_HOME:-$HOME/.cache}/flink-gitops/git, into `out`. */
int fg_git_default_cache_dir(struct fg_buf *out);

/*
 * Open (creating if needed) the mirror of opts->url and lock it against
 * other processes. Reads secret files now (they are kept in sodium
 * memory and registered with the logger). Nothing is fetched yet.
 */
int fg_git_mirror_open(struct fg_git_mirror **out,
		       const struct fg_git_opts *opts);
void fg_git_mirror_free(struct fg_git_mirror *m);

/* The URL with credentials stripped, for messages and annotations. */
const char *fg_git_mirror_url(const struct fg_git_mirror *m);
/* The mirror's folder on disk. */
const char *fg_git_mirror_path(const struct fg_git_mirror *m);

/* Fetch everything new from the remote (bounded by the timeout). */
int fg_git_fetch(struct fg_git_mirror *m);

/*
 * Resolve `ref` in the mirror to a commit, as `git rev-parse REF^{commit}`
 * in the remote would: a branch (before a tag of the same name), a tag
 * (peeled), a full ref name, a commit id (full or short), HEAD (the
 * remote's HEAD: for a file:// clone its own, detached or not), a
 * remote-tracking ref (origin/main; for a server that keeps none, its
 * branch main), and suffixes (HEAD~1, main^2). FG_ENOTFOUND when nothing
 * matches, or when the history a suffix walks is not there (a shallow
 * clone), saying so.
 */
int fg_git_resolve(struct fg_git_mirror *m, const char *ref, char hex[41]);

enum fg_git_verify_mode { FG_GIT_VERIFY_NONE, FG_GIT_VERIFY_HEAD };

/*
 * Check that commit `hex` carries a valid SSH signature by a key in
 * `signers`, made in namespace "git" and valid at its committer time.
 * `who` (may be NULL) receives "PRINCIPAL (SHA256:...)".
 */
int fg_git_verify_commit(struct fg_git_mirror *m, const char *hex,
			 const struct fg_allowed_signers *signers,
			 struct fg_buf *who);

struct fg_git_rev {
	char head[41];	 /* what the ref resolves to now */
	char commit[41]; /* the commit in force ("" if none) */
	int refused;	 /* head was refused; commit is the last verified */
};

/*
 * Fetch, resolve `ref` and apply the signature policy. With
 * FG_GIT_VERIFY_HEAD a head that fails verification is refused
 * (FG_EAUTH, the reason in the message) and out->commit is the last
 * commit of this ref that was verified, kept in the mirror; a verified
 * head becomes the new last verified commit.
 */
int fg_git_update(struct fg_git_mirror *m, const char *ref,
		  enum fg_git_verify_mode mode,
		  const struct fg_allowed_signers *signers,
		  struct fg_git_rev *out);

/*
 * A source over the tree of commit `hex` (no checkout): listing rules as
 * for a folder (render/source.h), submodules and symlinks refused, every
 * blob bounded. `m` must outlive the source. The label is URL@COMMIT.
 */
int fg_git_source_new(struct fg_source **out, struct fg_git_mirror *m,
		      const char *hex);

struct fg_git_file {
	const char *path; /* relative, '/'-separated */
	const void *data; /* NULL: remove the file (if it is there) */
	size_t len;
};

struct fg_git_commit_opts {
	const char *branch; /* NULL: FG_GIT_STATUS_BRANCH */
	const char *author_name, *author_email;
	const char *message;
	const struct fg_ssh_key *signer; /* NULL: unsigned */
	int max_attempts;		 /* 0: FG_GIT_PUSH_ATTEMPTS */
	/* Called before each push (tests use it to race the agent). */
	void (*before_push)(void *arg, int attempt);
	void *arg;
};

/*
 * Commit `files` (added or replaced; other files kept) on top of the
 * remote branch, or as a new orphan branch, and push. When the tree
 * would not change nothing is committed (*changed = 0). A rejected push
 * (another writer was first) re-fetches, rebuilds on the new tip and
 * retries, up to max_attempts. `hex` receives the branch's commit.
 */
int fg_git_write_files(struct fg_git_mirror *m,
		       const struct fg_git_commit_opts *o,
		       const struct fg_git_file *files, size_t n, char hex[41],
		       int *changed);

/* Attach `text` as the note of commit `hex` under FG_GIT_NOTES_REF (an
 * earlier note of ours is replaced) and push the notes ref, retrying as
 * fg_git_write_files does. */
int fg_git_note_add(struct fg_git_mirror *m, const char *hex, const char *text,
		    const struct fg_git_commit_opts *o);

/* ---- refs (refs.c) ---- */

#define FG_GIT_MAX_FETCH_REFS 16 /* patterns fetched besides heads, tags */

/*
 * Fetch the refs matching `patterns` too (full ref names where '*'
 * stands for a path segment, as in refs/pull/NUMBER/head with NUMBER a
 * '*'), from the next fetch on;
 * heads, tags and notes are always fetched. Patterns under refs/heads/
 * need nothing more. Copied; FG_EINVALID past FG_GIT_MAX_FETCH_REFS.
 */
int fg_git_mirror_fetch_refs(struct fg_git_mirror *m,
			     const char *const *patterns, size_t n);

/*
 * Call fn for every ref of the mirror whose full name matches `glob`
 * ('*' matches any run of characters), with the commit it points to
 * (tags peeled). fn returns 0 to go on, else that is returned.
 */
int fg_git_refs_matching(struct fg_git_mirror *m, const char *glob,
			 int (*fn)(void *arg, const char *ref,
				   const char hex[41]),
			 void *arg);

/* The --repo options of validate and render, for their help text. */
#define FG_GIT_CLI_HELP                                                        \
	"\n"                                                                   \
	"remote repositories (instead of DIR):\n"                              \
	"  --repo URL          file://, git://, https:// or ssh:// URL\n"      \
	"  --ref REF           a revision, as git rev-parse reads it:\n"       \
	"                      branch, tag, commit, HEAD, origin/main,\n"      \
	"                      HEAD~1 ... (default main)\n"                    \
	"  --cache-dir DIR     mirrors (default $XDG_CACHE_HOME or\n"          \
	"                      ~/.cache, /flink-gitops/git)\n"                 \
	"  --timeout SECONDS   bound on the fetch (default 60)\n"              \
	"  --username USER     HTTPS basic-auth user\n"                        \
	"  --password-file F   HTTPS password, read from F\n"                  \
	"  --token-file F      HTTPS token, read from F\n"                     \
	"  --ca-file F         HTTPS CA bundle (PEM)\n"                        \
	"  --ssh-key F         SSH private key\n"                              \
	"  --known-hosts F     SSH known_hosts (default ~/.ssh/known_hosts)\n" \
	"  --verify none|head  require a signed head commit (default none)\n"  \
	"  --allowed-signers F SSH keys allowed to sign (git's format)\n"

/* `url` with any user:password@ removed (https) into `out`. */
int fg_git_url_strip(struct fg_buf *out, const char *url);

#endif
