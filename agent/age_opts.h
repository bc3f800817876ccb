/*
 * The age identities a command decrypts with (issue 16): every
 * `--age-identity FILE` given, then every file named in the environment
 * variable FLINK_GITOPS_AGE_IDENTITY (colon-separated like KUBECONFIG;
 * empty entries skipped), loaded into one set (render/age.h). The same
 * for validate, render, plan, sync, drift and `secret decrypt`.
 *
 * Loading also keys secret redaction (render/secret.h) with the set, so
 * markers are stable across runs that use the same identities.
 *
 * File paths may appear in errors and logs; file contents never do.
 */
#ifndef FG_AGENT_AGE_OPTS_H
#define FG_AGENT_AGE_OPTS_H

#include <stddef.h>

#include "render/age.h"

#define FG_AGE_IDENTITY_ENV "FLINK_GITOPS_AGE_IDENTITY"
#define FG_AGE_MAX_IDENTITY_FILES 32 /* --age-identity, and in the env */

/* The help lines of --age-identity, to paste into a command's help. */
#define FG_AGE_CLI_HELP                                                        \
	"  --age-identity FILE age identity file that decrypts *.age files\n"  \
	"                      (repeatable; also FLINK_GITOPS_AGE_IDENTITY,\n" \
	"                      colon-separated)\n"

struct fg_age_opts {
	const char *files[FG_AGE_MAX_IDENTITY_FILES]; /* borrowed */
	size_t n;
};

/* Record one --age-identity FILE; FG_EXIT_USAGE (printed) past the
 * limit or for an empty name, else 0. */
int fg_age_opts_add(struct fg_age_opts *o, const char *cmd, const char *path);

/*
 * Load every identity file of the options and of the environment into
 * `*out` (owned by the caller, fg_age_identities_free), and key secret
 * redaction with them. With no file anywhere `*out` is NULL and that is
 * no error: .age files then fail their namespace by themselves.
 */
int fg_age_opts_load(struct fg_age_identities **out,
		     const struct fg_age_opts *o);

#endif
