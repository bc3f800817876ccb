/*
 * Refs beyond the branch in force: proposed branches (`source.proposals`
 * of the agent) fetched into the mirror and listed by pattern.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "agent/git/git_int.h"
#include "render/base/error.h"
#include "render/base/banned.h"

int fg_git_mirror_fetch_refs(struct fg_git_mirror *m,
			     const char *const *patterns, size_t n)
{
	char **v;
	size_t k = 0;

	if (n > FG_GIT_MAX_FETCH_REFS)
		return fg_error_set(FG_EINVALID,
				    "more than %d ref patterns to fetch",
				    FG_GIT_MAX_FETCH_REFS);
	if (!(v = calloc(n ? n : 1, sizeof(*v))))
		return fg_error_set(FG_ERROR, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *p = patterns[i];
		size_t len = strlen(p);

		if (strncmp(p, "refs/", 5) || !strncmp(p, "refs/heads/", 11) ||
		    !strncmp(p, "refs/tags/", 10) ||
		    !strncmp(p, "refs/notes/", 11))
			continue; /* fetched anyway */
		if (!(v[k] = malloc(2 * len + 3)))
			goto oom;
		v[k][0] = '+';
		memcpy(v[k] + 1, p, len);
		v[k][len + 1] = ':';
		memcpy(v[k] + len + 2, p, len + 1);
		k++;
	}
	for (size_t i = 0; i < m->nextra; i++)
		free(m->extra_specs[i]);
	free(m->extra_specs);
	m->extra_specs = v;
	m->nextra = k;
	return 0;
oom:
	for (size_t i = 0; i < k; i++)
		free(v[i]);
	free(v);
	return fg_error_set(FG_ERROR, "out of memory");
}

int fg_git_refs_matching(struct fg_git_mirror *m, const char *glob,
			 int (*fn)(void *arg, const char *ref,
				   const char hex[41]),
			 void *arg)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	int rc, err = 0;

	if (git_reference_iterator_new(&it, m->repo) < 0)
		return fg_git_error(-1, "list refs");
	while (!err && (rc = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref);
		git_object *peeled = NULL;
		char hex[41];

		if (!fnmatch(glob, name, 0) &&
		    git_reference_peel(&peeled, ref, GIT_OBJECT_COMMIT) == 0) {
			git_oid_tostr(hex, sizeof(hex), git_object_id(peeled));
			err = fn(arg, name, hex);
		}
		git_object_free(peeled);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return err;
}
