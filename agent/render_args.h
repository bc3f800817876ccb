/*
 * The source and render options every command that renders a repository
 * takes (validate, render, sync): a folder, or --repo URL with its Git
 * options; --path, -n. One code path from arguments to the desired set.
 */
#ifndef FG_AGENT_RENDER_ARGS_H
#define FG_AGENT_RENDER_ARGS_H

#include <getopt.h>

#include "agent/age_opts.h"
#include "agent/cli.h"
#include "agent/git/git.h"
#include "render/base/buf.h"
#include "render/render.h"

struct fg_render_args {
	const char *dir;
	struct fg_render_opts opts;
	int json;
	/* --repo: read a remote repository through its mirror */
	struct fg_git_opts git;
	const char *ref;
	const char *verify;
	const char *allowed_signers;
	struct fg_git_mirror *mirror; /* owned, once opened */
	struct fg_git_rev rev;
	struct fg_buf origin;
	/* --age-identity: decrypt *.age files (agent/age_opts.h) */
	struct fg_age_opts age;
	struct fg_age_identities *age_ids; /* owned, once loaded */
	int age_loaded;
	/* -n, repeatable: opts.namespaces points here */
	const char *namespaces[FG_CLI_MAX_NAMESPACES];
};

/* getopt_long values of the Git options (--repo ...), and of
 * --age-identity, which every command that renders takes with them. */
enum {
	FG_OPT_REPO = 0x100,
	FG_OPT_REF,
	FG_OPT_CACHE_DIR,
	FG_OPT_TIMEOUT,
	FG_OPT_USERNAME,
	FG_OPT_PASSWORD_FILE,
	FG_OPT_TOKEN_FILE,
	FG_OPT_CA_FILE,
	FG_OPT_SSH_KEY,
	FG_OPT_KNOWN_HOSTS,
	FG_OPT_VERIFY,
	FG_OPT_ALLOWED_SIGNERS,
	FG_OPT_AGE_IDENTITY, /* not Git, but every command that renders */
	FG_OPT_GIT_LAST = FG_OPT_AGE_IDENTITY,
};

#define FG_RENDER_GIT_OPTIONS                                                 \
	{ "repo", required_argument, NULL, FG_OPT_REPO },                     \
		{ "ref", required_argument, NULL, FG_OPT_REF },               \
		{ "cache-dir", required_argument, NULL, FG_OPT_CACHE_DIR },   \
		{ "timeout", required_argument, NULL, FG_OPT_TIMEOUT },       \
		{ "username", required_argument, NULL, FG_OPT_USERNAME },     \
		{ "password-file", required_argument, NULL,                   \
		  FG_OPT_PASSWORD_FILE },                                     \
		{ "token-file", required_argument, NULL, FG_OPT_TOKEN_FILE }, \
		{ "ca-file", required_argument, NULL, FG_OPT_CA_FILE },       \
		{ "ssh-key", required_argument, NULL, FG_OPT_SSH_KEY },       \
		{ "known-hosts", required_argument, NULL,                     \
		  FG_OPT_KNOWN_HOSTS },                                       \
		{ "verify", required_argument, NULL, FG_OPT_VERIFY },         \
		{ "allowed-signers", required_argument, NULL,                 \
		  FG_OPT_ALLOWED_SIGNERS },                                   \
	{                                                                     \
		"age-identity", required_argument, NULL, FG_OPT_AGE_IDENTITY  \
	}

/* Zero `a`, with dir "." and path "" (opts.namespaces set up). */
void fg_render_args_init(struct fg_render_args *a);
/* --crd-version V: 0 when V is bundled, else FG_EXIT_USAGE after saying
 * which are. */
int fg_crd_version_option(const char *cmd, const char *v);

/* Handle Git option `c` (value optarg): 0 done, -1 not a Git option,
 * FG_EXIT_USAGE after printing a usage error. */
int fg_render_git_opt(const char *cmd, int c, struct fg_render_args *a);
void fg_render_args_release(struct fg_render_args *a);

/*
 * For commands that render a repository and talk to a cluster (sync,
 * drift): handle getopt's `c` when it is -p/--path, -n/--namespace,
 * -o/--output (text|json), a Git (--repo ...) or a cluster
 * (--kubeconfig ...) option. 1 handled, 0 neither (the caller reports an
 * unknown option), else the exit code of a usage error already printed.
 */
struct fg_kube_cli;
int fg_cluster_cmd_option(const char *cmd, int c, const char *arg,
			  struct fg_render_args *r, struct fg_kube_cli *kc);

/*
 * After getopt: the optional DIR (argv[optind]), nothing after it, and
 * --ref/--verify only with --repo. 0, or the exit code of a usage error
 * already printed.
 */
int fg_render_args_positional(const char *cmd, int argc, char **argv,
			      struct fg_render_args *r);

/* Load the age identities (once), open the source (folder or --repo) and
 * render it; on an error print it ("flink-gitops: CMD: ...") and return
 * NULL. */
struct fg_desired *fg_render_run(const char *cmd, struct fg_render_args *a);

/*
 * After rendering with -n: every namespace asked for is in the
 * repository (a folder under DIR/--path). 0, or FG_EXIT_ERROR after
 * printing the first that is not.
 */
int fg_render_check_namespaces(const char *cmd, const struct fg_render_args *a,
			       const struct fg_desired *d);

/* Every diagnostic, one line each, on standard error. */
void fg_render_print_diags(const struct fg_diags *d);

/* The diagnostics as a JSON array of {severity, file, line, column,
 * kind, namespace, name, field, message}: a new reference. */
json_t *fg_render_diags_json(const struct fg_diags *d);

#endif
