/*
 * fg-embed: a build-time tool that turns the operator's CRD files into a
 * C source file, so the binary carries them and needs no file at run time.
 *
 *   fg-embed [-v] -o OUT.c -V VERSION CRD.yml... [-V VERSION CRD.yml...]
 *
 * Each CRD is read with our own loader (fg_yaml_load_path, the same
 * Kubernetes semantics as everything else) and reduced to what validation
 * needs, written as compact JSON with sorted keys:
 *
 *   {"group": G, "kind": K, "versions": [{"name": N, "served": B,
 *    "storage": B, "openAPIV3Schema": {...}}]}
 *
 * `description` keywords inside the schemas are dropped (they do not take
 * part in validation). The output holds one `static const unsigned char`
 * array per CRD, the table described in render/crd_int.h and the list of
 * versions in the order given on the command line. It is written to a
 * temporary file and renamed, so a failed run leaves no half file behind.
 * `-v` prints the sizes to standard output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/yaml.h"
#include "render/base/banned.h"

#define EMBED_MAX_CRDS 64
#define EMBED_BYTES_PER_LINE 20

struct crd {
	const char *version; /* borrowed from argv */
	const char *path;    /* borrowed from argv */
	char *kind;
	char *group;
	char *json;
	size_t json_len;
	size_t descriptions; /* dropped */
};

/* Names go into C string literals and messages: keep them boring. */
static int plain_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

static size_t strip_schema(json_t *schema);

/* Children of a map keyword ("properties") are schemas, keyed by name. */
static size_t strip_schema_map(json_t *map)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	json_object_foreach (map, key, v)
		n += strip_schema(v);
	return n;
}

static size_t strip_schema_list(json_t *list)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach (list, i, v)
		n += strip_schema(v);
	return n;
}

/*
 * Drop `description` from a schema and from every schema below it. Only
 * keywords whose values are schemas are followed: a field named
 * "description" under `properties`, or a `default`/`enum`/`example` value
 * holding such a key, is data and stays.
 */
static size_t strip_schema(json_t *schema)
{
	static const char *const one[] = { "items", "additionalProperties",
					   "additionalItems", "not" };
	static const char *const list[] = { "allOf", "anyOf", "oneOf" };
	static const char *const map[] = { "properties", "patternProperties",
					   "definitions" };
	json_t *d, *v;
	size_t i, n = 0;

	if (!json_is_object(schema))
		return 0;
	d = json_object_get(schema, "description");
	if (json_is_string(d)) {
		json_object_del(schema, "description");
		n++;
	}
	for (i = 0; i < sizeof(one) / sizeof(*one); i++) {
		v = json_object_get(schema, one[i]);
		n += json_is_array(v) ? strip_schema_list(v) : strip_schema(v);
	}
	for (i = 0; i < sizeof(list) / sizeof(*list); i++)
		if (json_is_array(v = json_object_get(schema, list[i])))
			n += strip_schema_list(v);
	for (i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (json_is_object(v = json_object_get(schema, map[i])))
			n += strip_schema_map(v);
	return n;
}

static const char *get_string(const json_t *obj, const char *path)
{
	const json_t *v = obj;
	char key[64];
	const char *p = path, *dot;

	while (v && *p) {
		size_t n;

		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		p += n + (dot != NULL);
	}
	return json_string_value(v);
}

/* One served-or-not version of the CRD, reduced; NULL and a message. */
static json_t *reduce_version(const json_t *ver, const char *path, size_t idx,
			      size_t *descriptions)
{
	const json_t *name = json_object_get(ver, "name");
	const json_t *served = json_object_get(ver, "served");
	const json_t *storage = json_object_get(ver, "storage");
	json_t *schema, *out;

	schema = json_object_get(json_object_get(ver, "schema"),
				 "openAPIV3Schema");
	if (!json_is_string(name) || !json_is_boolean(served) ||
	    !json_is_boolean(storage) || !json_is_object(schema)) {
		fg_error_set(FG_EINVALID,
			     "%s: spec.versions[%zu] needs name, served, "
			     "storage and schema.openAPIV3Schema",
			     path, idx);
		return NULL;
	}
	if (!plain_name(json_string_value(name))) {
		fg_error_set(FG_EINVALID, "%s: odd version name '%s'", path,
			     json_string_value(name));
		return NULL;
	}
	if (!(schema = json_deep_copy(schema)))
		goto oom;
	*descriptions += strip_schema(schema);
	out = json_pack("{s:O, s:O, s:O, s:o}", "name", name, "served", served,
			"storage", storage, "openAPIV3Schema", schema);
	if (out)
		return out;
oom:
	fg_error_set(FG_ERROR, "out of memory");
	return NULL;
}

static int reduce(struct crd *c)
{
	struct fg_yaml_file *f = NULL;
	const json_t *doc, *versions, *v;
	json_t *out = NULL, *vs = NULL, *r;
	const char *group, *kind, *s;
	size_t i;
	int error = FG_EINVALID;

	if ((error = fg_yaml_load_path(&f, c->path, NULL, NULL)) < 0)
		goto done;
	error = FG_EINVALID;
	if (fg_yaml_count(f) != 1) {
		fg_error_set(error, "%s: expected one document, found %zu",
			     c->path, fg_yaml_count(f));
		goto done;
	}
	doc = fg_yaml_doc(f, 0);
	s = get_string(doc, "apiVersion");
	if (!s || strcmp(s, "apiextensions.k8s.io/v1") ||
	    !(s = get_string(doc, "kind")) ||
	    strcmp(s, "CustomResourceDefinition")) {
		fg_error_set(error,
			     "%s: not an apiextensions.k8s.io/v1 "
			     "CustomResourceDefinition",
			     c->path);
		goto done;
	}
	group = get_string(doc, "spec.group");
	kind = get_string(doc, "spec.names.kind");
	versions = json_object_get(json_object_get(doc, "spec"), "versions");
	if (!group || !kind || !plain_name(group) || !plain_name(kind) ||
	    !json_is_array(versions) || !json_array_size(versions)) {
		fg_error_set(error,
			     "%s: needs spec.group, spec.names.kind and "
			     "spec.versions",
			     c->path);
		goto done;
	}
	if (!(vs = json_array()))
		goto oom;
	json_array_foreach (versions, i, v) {
		if (!(r = reduce_version(v, c->path, i, &c->descriptions))) {
			error = fg_error_last_code();
			goto done;
		}
		if (json_array_append_new(vs, r) < 0)
			goto oom;
	}
	out = json_pack("{s:s, s:s, s:o}", "group", group, "kind", kind,
			"versions", vs);
	vs = NULL; /* stolen by "o", even on failure */
	if (!out)
		goto oom;
	c->json = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);
	c->kind = strdup(kind);
	c->group = strdup(group);
	if (!c->json || !c->kind || !c->group)
		goto oom;
	c->json_len = strlen(c->json);
	error = 0;
	goto done;
oom:
	error = fg_error_set(FG_ERROR, "out of memory");
done:
	json_decref(vs);
	json_decref(out);
	fg_yaml_file_free(f);
	return error;
}

static int emit(struct fg_buf *b, const struct crd *crds, size_t n,
		const char *const *versions, size_t nversions)
{
	size_t i, j;
	int error = 0;

	error |= fg_buf_puts(b, "/* Generated by fg-embed (render/tools/"
				"embed.c) from render/crds/; do not edit. */\n"
				"#include <stddef.h>\n\n"
				"#include \"render/crd_int.h\"\n"
				"#include \"render/base/banned.h\"\n");
	for (i = 0; i < n && !error; i++) {
		const unsigned char *p = (const unsigned char *)crds[i].json;

		error |= fg_buf_printf(b,
				       "\n/* %s %s: %zu bytes */\n"
				       "static const unsigned char crd_%zu[] "
				       "= {",
				       crds[i].version, crds[i].kind,
				       crds[i].json_len, i);
		for (j = 0; j < crds[i].json_len && !error; j++)
			error |= fg_buf_printf(
				b, "%s%u,",
				j % EMBED_BYTES_PER_LINE ? "" : "\n\t",
				(unsigned)p[j]);
		error |= fg_buf_puts(b, "\n};\n");
	}
	error |= fg_buf_puts(b, "\nconst char *const fg_crd_bundled_versions[] "
				"= {\n");
	for (i = 0; i < nversions; i++)
		error |= fg_buf_printf(b, "\t\"%s\",\n", versions[i]);
	error |=
		fg_buf_puts(b, "\tNULL,\n};\n\n"
			       "const struct fg_crd_blob fg_crd_blobs[] = {\n");
	for (i = 0; i < n; i++)
		error |= fg_buf_printf(b,
				       "\t{ \"%s\", \"%s\", \"%s\", crd_%zu, "
				       "sizeof(crd_%zu) },\n",
				       crds[i].version, crds[i].kind,
				       crds[i].group, i, i);
	error |= fg_buf_printf(
		b, "};\n\nconst size_t fg_crd_blob_count = %zu;\n", n);
	return error ? fg_error_set(FG_ERROR, "out of memory") : 0;
}

static int write_file(const char *path, const struct fg_buf *b)
{
	struct fg_buf tmp = FG_BUF_INIT;
	FILE *fp = NULL;
	int error;

	if ((error = fg_buf_printf(&tmp, "%s.tmp", path)) < 0)
		goto done;
	if (!(fp = fopen(tmp.ptr, "w"))) {
		error = fg_error_set_errno(FG_ERROR, errno,
					   "cannot create '%s'", tmp.ptr);
		goto done;
	}
	if (fwrite(b->ptr, 1, b->len, fp) != b->len || fflush(fp)) {
		error = fg_error_set_errno(FG_ERROR, errno, "cannot write '%s'",
					   tmp.ptr);
		goto done;
	}
	if (fclose(fp)) {
		fp = NULL;
		error = fg_error_set_errno(FG_ERROR, errno, "cannot write '%s'",
					   tmp.ptr);
		goto done;
	}
	fp = NULL;
	if (rename(tmp.ptr, path)) {
		error = fg_error_set_errno(FG_ERROR, errno,
					   "cannot rename '%s' to '%s'",
					   tmp.ptr, path);
		goto done;
	}
	error = 0;
done:
	if (fp)
		fclose(fp);
	if (error < 0)
		remove(tmp.ptr);
	fg_buf_release(&tmp);
	return error;
}

static int usage(void)
{
	fprintf(stderr, "usage: fg-embed [-v] -o OUT.c -V VERSION CRD.yml... "
			"[-V VERSION CRD.yml...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct crd crds[EMBED_MAX_CRDS];
	const char *versions[EMBED_MAX_CRDS];
	const char *out = NULL, *version = NULL;
	struct fg_buf b = FG_BUF_INIT;
	size_t n = 0, nversions = 0, i, j;
	int verbose = 0, error = 0, a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[a], "-o") && a + 1 < argc) {
			out = argv[++a];
		} else if (!strcmp(argv[a], "-V") && a + 1 < argc) {
			version = argv[++a];
			if (!plain_name(version) || nversions == EMBED_MAX_CRDS)
				return usage();
			for (i = 0; i < nversions; i++)
				if (!strcmp(versions[i], version))
					return usage();
			versions[nversions++] = version;
		} else if (argv[a][0] == '-' || !version ||
			   n == EMBED_MAX_CRDS) {
			return usage();
		} else {
			crds[n].version = version;
			crds[n++].path = argv[a];
		}
	}
	if (!out || !n)
		return usage();

	for (i = 0; i < n && !error; i++) {
		error = reduce(&crds[i]);
		for (j = 0; j < i && !error; j++)
			if (!strcmp(crds[j].version, crds[i].version) &&
			    !strcmp(crds[j].kind, crds[i].kind))
				error = fg_error_set(
					FG_EINVALID,
					"%s: kind %s already given by '%s'",
					crds[i].path, crds[i].kind,
					crds[j].path);
		if (!error && verbose)
			printf("fg-embed: %s %s: %zu bytes JSON, "
			       "%zu descriptions dropped\n",
			       crds[i].version, crds[i].kind, crds[i].json_len,
			       crds[i].descriptions);
	}
	if (!error)
		error = emit(&b, crds, n, versions, nversions);
	if (!error)
		error = write_file(out, &b);
	if (!error && verbose)
		printf("fg-embed: %s: %zu bytes of C\n", out, b.len);
	if (error)
		fprintf(stderr, "fg-embed: %s\n", fg_error_last());

	for (i = 0; i < n; i++) {
		free(crds[i].json);
		free(crds[i].kind);
		free(crds[i].group);
	}
	fg_buf_release(&b);
	return error ? 1 : 0;
}
