#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/crd.h"
#include "render/crd_int.h"
#include "render/base/banned.h"

/* Parsed CRDs, one slot per fg_crd_blobs entry, filled on first use. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t **cache;

const char *const *fg_crd_versions(void)
{
	return fg_crd_bundled_versions;
}

int fg_crd_version_known(const char *v)
{
	const char *const *p;

	if (!v)
		return 0;
	for (p = fg_crd_bundled_versions; *p; p++)
		if (!strcmp(*p, v))
			return 1;
	return 0;
}

int fg_crd_kind_known(const char *kind)
{
	size_t i;

	if (!kind)
		return 0;
	for (i = 0; i < fg_crd_blob_count; i++)
		if (!strcmp(fg_crd_blobs[i].kind, kind))
			return 1;
	return 0;
}

static int version_not_bundled(const char *v)
{
	struct fg_buf list = FG_BUF_INIT;
	const char *const *p;
	int error = 0;

	for (p = fg_crd_bundled_versions; *p && !error; p++)
		error = fg_buf_printf(&list, "%s%s",
				      p == fg_crd_bundled_versions ? "" : ", ",
				      *p);
	error = error ? error
		      : fg_error_set(FG_ENOTFOUND,
				     "operator version '%s' is not bundled "
				     "(bundled: %s)",
				     v, list.ptr);
	fg_buf_release(&list);
	return error;
}

/* The parsed CRD of blob `i`, parsing it on first use (under the lock). */
static int load(json_t **out, size_t i)
{
	const struct fg_crd_blob *b = &fg_crd_blobs[i];
	json_error_t jerr;

	if (!cache && !(cache = calloc(fg_crd_blob_count, sizeof(*cache))))
		return fg_error_set(FG_ERROR, "out of memory");
	if (!cache[i]) {
		int err = fg_json_loadb(&cache[i], (const char *)b->data,
					b->len, JSON_REJECT_DUPLICATES, &jerr);

		if (err < 0 && err != FG_EINVALID)
			return err; /* memory */
		if (err < 0)
			return fg_error_set(FG_ERROR,
					    "bundled CRD %s (operator version "
					    "%s) does not parse: %s",
					    b->kind, b->operator_version,
					    jerr.text);
	}
	*out = cache[i];
	return 0;
}

/* Every served version's name, ", "-separated, into `b`. */
static int served_names(struct fg_buf *b, const json_t *versions)
{
	const json_t *v;
	size_t i;
	int error = 0;

	json_array_foreach (versions, i, v) {
		if (!json_is_true(json_object_get(v, "served")))
			continue;
		error = fg_buf_printf(
			b, "%s%s", b->len ? ", " : "",
			json_string_value(json_object_get(v, "name")));
		if (error)
			return error;
	}
	return fg_buf_puts(b, b->len ? "" : "none");
}

/* Pick the served version `api_version` names in the parsed `crd`. */
static int pick(const json_t **out, const json_t *crd,
		const struct fg_crd_blob *b, const char *api_version)
{
	const json_t *versions = json_object_get(crd, "versions"), *v;
	const char *slash = strrchr(api_version, '/'), *name;
	size_t i, glen = slash ? (size_t)(slash - api_version) : 0;
	struct fg_buf served = FG_BUF_INIT;
	int error;

	if (!slash)
		return fg_error_set(FG_ENOTFOUND,
				    "%s belongs to API group '%s', not the "
				    "core group (apiVersion '%s')",
				    b->kind, b->group, api_version);
	if (strlen(b->group) != glen || memcmp(b->group, api_version, glen))
		return fg_error_set(FG_ENOTFOUND,
				    "%s belongs to API group '%s', not '%.*s'",
				    b->kind, b->group, (int)glen, api_version);
	name = slash + 1;
	json_array_foreach (versions, i, v) {
		const char *n = json_string_value(json_object_get(v, "name"));

		if (n && !strcmp(n, name) &&
		    json_is_true(json_object_get(v, "served"))) {
			*out = json_object_get(v, "openAPIV3Schema");
			if (*out)
				return 0;
			return fg_error_set(FG_ERROR,
					    "bundled CRD %s (operator version "
					    "%s) has no schema for %s",
					    b->kind, b->operator_version, n);
		}
	}
	if (!(error = served_names(&served, versions)))
		error = fg_error_set(FG_ENOTFOUND,
				     "%s has no API version '%s' (served: %s)",
				     b->kind, name, served.ptr);
	fg_buf_release(&served);
	return error;
}

int fg_crd_schema(const json_t **out, const char *crd_version, const char *kind,
		  const char *api_version)
{
	const struct fg_crd_blob *b = NULL;
	json_t *crd;
	size_t i;
	int error;

	if (out)
		*out = NULL;
	if (!out || !kind || !api_version)
		return fg_error_set(FG_EINVALID,
				    "fg_crd_schema: NULL argument");
	if (!crd_version)
		crd_version = FG_CRD_DEFAULT_VERSION;
	if (!fg_crd_version_known(crd_version))
		return version_not_bundled(crd_version);
	for (i = 0; i < fg_crd_blob_count && !b; i++)
		if (!strcmp(fg_crd_blobs[i].operator_version, crd_version) &&
		    !strcmp(fg_crd_blobs[i].kind, kind))
			b = &fg_crd_blobs[i];
	if (!b)
		return fg_error_set(FG_ENOTFOUND,
				    "no CRD for kind '%s' in operator version "
				    "%s",
				    kind, crd_version);

	pthread_mutex_lock(&cache_lock);
	if (!(error = load(&crd, (size_t)(b - fg_crd_blobs))))
		error = pick(out, crd, b, api_version);
	pthread_mutex_unlock(&cache_lock);
	return error;
}

void fg_crd_cache_free(void)
{
	size_t i;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; cache && i < fg_crd_blob_count; i++)
		json_decref(cache[i]);
	free(cache);
	cache = NULL;
	pthread_mutex_unlock(&cache_lock);
}

/* The next token of pointer *p (unescaped) into tok; 0 at the end. */
static int pointer_next(const char **p, char *tok, size_t n)
{
	const char *s = *p;
	size_t k = 0;

	if (*s != '/')
		return 0;
	for (s++; *s && *s != '/'; s++) {
		char c = *s;

		if (s[0] == '~' && (s[1] == '0' || s[1] == '1'))
			c = *++s == '0' ? '~' : '/';
		if (k + 1 < n)
			tok[k++] = c;
	}
	tok[k] = '\0';
	*p = s;
	return 1;
}

int fg_crd_has_field(const char *crd_version, const char *kind,
		     const char *api_version, const char *pointer)
{
	const json_t *s = NULL;
	char tok[256];

	if (fg_crd_schema(&s, crd_version, kind, api_version) < 0) {
		fg_error_clear();
		return 0;
	}
	while (s && pointer_next(&pointer, tok, sizeof(tok))) {
		const json_t *props = json_object_get(s, "properties");
		const json_t *more = json_object_get(s, "additionalProperties");

		if (json_is_true(json_object_get(
			    s, "x-kubernetes-preserve-unknown-fields")) &&
		    !json_object_get(props, tok))
			return 1;
		if (json_object_get(props, tok))
			s = json_object_get(props, tok);
		else if (json_is_object(json_object_get(s, "items")))
			s = json_object_get(s, "items");
		else if (json_is_object(more))
			s = more;
		else
			return json_is_true(more);
	}
	return s != NULL;
}
