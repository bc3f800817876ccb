/*
 * --age-identity and FLINK_GITOPS_AGE_IDENTITY (see age_opts.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "agent/age_opts.h"
#include "agent/cli.h"
#include "agent/log.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/secret.h"
#include "render/base/banned.h"

int fg_age_opts_add(struct fg_age_opts *o, const char *cmd, const char *path)
{
	if (!*path)
		return fg_usage_error(cmd, "--age-identity needs a file");
	if (o->n == FG_AGE_MAX_IDENTITY_FILES)
		return fg_usage_error(cmd, "more than %d --age-identity files",
				      FG_AGE_MAX_IDENTITY_FILES);
	o->files[o->n++] = path;
	return 0;
}

int fg_age_opts_load(struct fg_age_identities **out,
		     const struct fg_age_opts *o)
{
	struct fg_age_identities *ids = NULL;
	struct fg_buf path = FG_BUF_INIT;
	unsigned char key[FG_SECRET_REDACTION_KEY_BYTES];
	const char *env = getenv(FG_AGE_IDENTITY_ENV), *p, *colon;
	size_t i, nfiles = 0;
	int err = 0;

	*out = NULL;
	for (i = 0; i < o->n && !err; i++) {
		if (!ids && (err = fg_age_identities_new(&ids)) < 0)
			break;
		err = fg_age_identities_add_file(ids, o->files[i]);
		nfiles++;
	}
	for (p = env; p && *p && !err; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		fg_buf_clear(&path);
		fg_buf_add(&path, p, colon ? (size_t)(colon - p) : strlen(p));
		if (!path.len)
			continue;
		if (nfiles == 2 * FG_AGE_MAX_IDENTITY_FILES) {
			err = fg_error_set(FG_EINVALID,
					   FG_AGE_IDENTITY_ENV
					   ": more than %d files",
					   FG_AGE_MAX_IDENTITY_FILES);
			break;
		}
		if (!ids && (err = fg_age_identities_new(&ids)) < 0)
			break;
		if ((err = fg_age_identities_add_file(ids, path.ptr)) < 0)
			fg_error_wrap(err, FG_AGE_IDENTITY_ENV);
		nfiles++;
	}
	if (!err && ids &&
	    (err = fg_age_identities_redaction_key(ids, key)) == 0)
		err = fg_secret_redaction_key_set(key);
	sodium_memzero(key, sizeof(key));
	fg_buf_release(&path);
	if (err) {
		fg_age_identities_free(ids);
		return err;
	}
	if (ids)
		FG_LOG_DEBUG(
			"age.identities", FG_LOG_INT("files", nfiles),
			FG_LOG_INT("identities", fg_age_identities_count(ids)));
	*out = ids;
	return 0;
}
