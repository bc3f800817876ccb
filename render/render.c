/*
 * Render: repository -> desired set. See render.h for the contract.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "render/age.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/crd.h"
#include "render/hints.h"
#include "render/render.h"
#include "render/rules.h"
#include "render/schema.h"
#include "render/transform.h"
#include "render/yaml.h"
#include "render/base/banned.h"

extern const unsigned char fg_embed_repo_config_schema[];
extern const size_t fg_embed_repo_config_schema_len;
extern const unsigned char fg_embed_ns_config_schema[];
extern const size_t fg_embed_ns_config_schema_len;

/* Kinds every Flink namespace may hold besides the Flink kinds. */
static const struct {
	const char *kind, *api_version;
} supporting[] = {
	{ "ConfigMap", "v1" },
	{ "ServiceAccount", "v1" },
	{ "Role", "rbac.authorization.k8s.io/v1" },
	{ "RoleBinding", "rbac.authorization.k8s.io/v1" },
};

static const char *const flink_kinds[] = { "FlinkDeployment", "FlinkSessionJob",
					   "FlinkStateSnapshot",
					   FG_BLUEGREEN_KIND };

/* The Flink kinds that carry a flinkConfiguration (FlinkDeployment and
 * FlinkSessionJob in spec, FlinkBlueGreenDeployment in its template). */
static const char *const conf_kinds[] = { "FlinkDeployment", "FlinkSessionJob",
					  FG_BLUEGREEN_KIND };

/* A loaded config file (flink-gitops.yaml or _defaults.yaml). */
struct config {
	struct fg_yaml_file *yf; /* NULL when the file is absent */
	char *file;
	json_t *doc;  /* borrowed from yf */
	json_t *vars; /* owned: name -> string */
};

/* One layer of an object: a document, or a kind's defaults in a config. */
struct layer {
	const struct fg_yaml_file *yf;
	size_t doc;
	const char *file;
	const char *prefix; /* pointer prefix of the layer in its document */
};

/* Compiled schemas of one pass, by "version kind apiVersion". */
struct schema_cache {
	json_t *index; /* key -> integer index into v */
	struct fg_schema **v;
	size_t n;
};

struct pass {
	struct schema_cache schemas;
	struct fg_source *src;
	const struct fg_render_opts *opts;
	struct fg_desired *out;
	struct config repo;
	const char *crd_version;
	json_t *allow_kinds; /* borrowed from repo config */
	int allow_secrets;
	struct fg_rules_opts rules; /* the operator release's rules */
};

/* ---- small helpers ---------------------------------------------------- */

static const char *str_member(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *meta_str(const json_t *obj, const char *k)
{
	return str_member(json_object_get(obj, "metadata"), k);
}

static int is_flink_kind(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(flink_kinds) / sizeof(flink_kinds[0]); i++)
		if (!strcmp(kind, flink_kinds[i]))
			return 1;
	return 0;
}

/* RFC 1123 label: what a namespace name must be. */
static int dns_label(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && !(c == '-' && i > 0 && i + 1 < n))
			return 0;
	}
	return 1;
}

static int is_yaml_name(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && !strcmp(path + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(path + n - 4, ".yml"));
}

/* An age-encrypted manifest (render/age.h). */
static int is_age_name(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcmp(path + n - 4, ".age");
}

int fg_object_hash(const json_t *obj, char hex[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char *canon;

	canon = fg_json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT |
					   JSON_ENCODE_ANY |
					   JSON_REAL_PRECISION(17));
	if (!canon)
		return fg_error_set(FG_ERROR, "out of memory");
	crypto_hash_sha256(digest, (const unsigned char *)canon, strlen(canon));
	free(canon);
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	return 0;
}

int fg_apply_rank(const json_t *obj)
{
	const char *kind = str_member(obj, "kind");

	if (!kind || !is_flink_kind(kind))
		return 0;
	if (!strcmp(kind, "FlinkDeployment"))
		return json_object_get(json_object_get(obj, "spec"), "job") ? 2
									    : 1;
	if (!strcmp(kind, FG_BLUEGREEN_KIND))
		return 2; /* an application, in FlinkDeployments of its own */
	if (!strcmp(kind, "FlinkSessionJob"))
		return 3;
	return 4;
}

int fg_is_bluegreen(const json_t *obj)
{
	const char *api = str_member(obj, "apiVersion");
	const char *kind = str_member(obj, "kind");

	return api && kind && !strncmp(api, "flink.apache.org/", 17) &&
	       !strcmp(kind, FG_BLUEGREEN_KIND);
}

const char *fg_flink_spec_pointer(const json_t *obj)
{
	return fg_is_bluegreen(obj) ? "/spec/template/spec" : "/spec";
}

const json_t *fg_flink_spec(const json_t *obj)
{
	const json_t *spec = json_object_get(obj, "spec");

	if (fg_is_bluegreen(obj))
		spec = json_object_get(json_object_get(spec, "template"),
				       "spec");
	return json_is_object(spec) ? spec : NULL;
}

/* ---- positions -------------------------------------------------------- */

/*
 * Where a problem at `pointer` of a merged object was written: the object
 * itself if it has that node, else the namespace or repo defaults that
 * brought it in, else the nearest ancestor in the object.
 */
#define FLINK_CONF_POINTER "/spec/flinkConfiguration/"
#define BLUEGREEN_CONF_POINTER "/spec/template/spec/flinkConfiguration/"
#define FLINK_CONF_MAX_SPLIT 10 /* dots tried as nesting, 2^10 spellings */

/* The flinkConfiguration prefix `pointer` starts with, or NULL. */
static const char *conf_prefix(const char *pointer)
{
	if (!strncmp(pointer, FLINK_CONF_POINTER, strlen(FLINK_CONF_POINTER)))
		return FLINK_CONF_POINTER;
	if (!strncmp(pointer, BLUEGREEN_CONF_POINTER,
		     strlen(BLUEGREEN_CONF_POINTER)))
		return BLUEGREEN_CONF_POINTER;
	return NULL;
}

/* Exact position of `pointer` in one layer; 0 when found. */
static int layer_pos(const struct layer *l, const char *pointer,
		     struct fg_pos *pos)
{
	struct fg_buf full = FG_BUF_INIT;
	int rc;

	fg_buf_puts(&full, l->prefix);
	fg_buf_puts(&full, pointer);
	rc = fg_yaml_pos(l->yf, l->doc, full.ptr, pos, NULL);
	fg_buf_release(&full);
	return rc;
}

/*
 * The same, for a flattened flinkConfiguration key that may have been
 * written nested: "a.b.c" may sit at a/b/c, a.b/c, a/b.c or a.b.c.
 */
static int layer_pos_conf(const struct layer *l, const char *pointer,
			  struct fg_pos *pos)
{
	const char *prefix = conf_prefix(pointer);
	const char *key = pointer + strlen(prefix);
	size_t dots[FLINK_CONF_MAX_SPLIT], ndots = 0, i;
	struct fg_buf alt = FG_BUF_INIT;
	unsigned long mask;
	int rc = FG_ENOTFOUND;

	for (i = 0; key[i] && ndots < FLINK_CONF_MAX_SPLIT; i++)
		if (key[i] == '.')
			dots[ndots++] = i;
	for (mask = 1; mask < (1UL << ndots) && rc; mask++) {
		size_t d = 0;
		fg_buf_clear(&alt);
		fg_buf_puts(&alt, prefix);
		for (i = 0; key[i]; i++) {
			if (d < ndots && dots[d] == i)
				fg_buf_putc(&alt,
					    (mask >> d++) & 1 ? '/' : '.');
			else
				fg_buf_putc(&alt, key[i]);
		}
		rc = layer_pos(l, alt.ptr, pos);
	}
	fg_buf_release(&alt);
	return rc;
}

/*
 * Where a problem at `pointer` of a merged object was written: the object
 * itself if it has that node, else the namespace or repo defaults that
 * brought it in, else the nearest ancestor in the object (the last layer).
 */
static void locate(const struct layer *layers, size_t nlayers,
		   const char *pointer, const char **file, struct fg_pos *pos)
{
	int conf = conf_prefix(pointer) != NULL;
	size_t i;

	for (i = nlayers; i-- > 0;) {
		const struct layer *l = &layers[i];
		if (!l->yf)
			continue;
		if (layer_pos(l, pointer, pos) == 0 ||
		    (conf && layer_pos_conf(l, pointer, pos) == 0)) {
			*file = l->file;
			return;
		}
	}
	i = nlayers - 1;
	fg_yaml_pos(layers[i].yf, layers[i].doc, pointer, pos, NULL);
	*file = layers[i].file;
}

/* Report `problems` of an object at `sev`; returns how many. */
static size_t report_sev(struct pass *p, const struct layer *layers,
			 size_t nlayers, const json_t *obj, const char *ns,
			 const struct fg_problems *problems,
			 enum fg_severity sev)
{
	struct fg_diag_subject about;
	struct fg_buf field = FG_BUF_INIT;
	size_t i;

	about.kind = obj ? str_member(obj, "kind") : NULL;
	about.ns = obj ? ns : NULL;
	about.name = obj ? meta_str(obj, "name") : NULL;
	for (i = 0; i < problems->n; i++) {
		const char *file;
		struct fg_pos pos;

		locate(layers, nlayers, problems->v[i].pointer, &file, &pos);
		fg_buf_clear(&field);
		fg_pointer_to_field(&field, problems->v[i].pointer);
		about.field = field.len ? field.ptr : NULL;
		fg_diags_add_about(&p->out->diags, sev, file, pos, &about, "%s",
				   problems->v[i].message);
	}
	fg_buf_release(&field);
	return problems->n;
}

/* Report `problems` of an object; returns how many were reported. */
static size_t report(struct pass *p, const struct layer *layers, size_t nlayers,
		     const json_t *obj, const char *ns,
		     const struct fg_problems *problems)
{
	return report_sev(p, layers, nlayers, obj, ns, problems, FG_SEV_ERROR);
}

/* ---- config files ----------------------------------------------------- */

static void config_release(struct config *c)
{
	fg_yaml_file_free(c->yf);
	free(c->file);
	json_decref(c->vars);
	memset(c, 0, sizeof(*c));
}

static int config_schema(const json_t **out, int repo)
{
	static json_t *cache[2];
	const unsigned char *data =
		repo ? fg_embed_repo_config_schema : fg_embed_ns_config_schema;
	size_t len = repo ? fg_embed_repo_config_schema_len
			  : fg_embed_ns_config_schema_len;
	struct fg_yaml_file *f;

	if (!cache[repo]) {
		if (fg_yaml_load(&f, "config schema", (const char *)data, len,
				 NULL, NULL) < 0)
			return fg_error_wrap(FG_ERROR, "embedded schema");
		cache[repo] = fg_yaml_doc_take(f, 0);
		fg_yaml_file_free(f);
	}
	*out = cache[repo];
	return 0;
}

static void defaults_kinds(struct pass *p, const struct config *c, int repo,
			   struct fg_problems *probs);

/*
 * Load and check a config file at `path`; absent is fine. Problems become
 * diagnostics; returns the number of errors found, or negative on an
 * internal error.
 */
static int config_load(struct pass *p, struct config *c, const char *path,
		       int repo, const json_t *inherited_vars)
{
	struct fg_buf data = FG_BUF_INIT;
	struct fg_problems probs = FG_PROBLEMS_INIT;
	const json_t *schema = NULL;
	struct layer l;
	size_t before = fg_diags_errors(&p->out->diags);
	json_t *defaults, *v;
	const char *k;
	int err;

	memset(c, 0, sizeof(*c));
	c->vars = inherited_vars ? fg_json_deep_copy(inherited_vars)
				 : json_object();
	if (!c->vars || !(c->file = strdup(path)))
		return fg_error_set(FG_ERROR, "out of memory");
	fg_buf_init(&data, FG_YAML_MAX_BYTES);
	err = fg_source_read(p->src, path, &data);
	if (err == FG_ENOTFOUND) {
		fg_buf_release(&data);
		return 0;
	}
	if (err < 0) {
		struct fg_pos none = { 0, 0 };
		fg_diags_add(&p->out->diags, FG_SEV_ERROR, path, none, "%s",
			     fg_error_last());
		fg_buf_release(&data);
		return 1;
	}
	err = fg_yaml_load(&c->yf, path, data.ptr, data.len, NULL,
			   &p->out->diags);
	for (size_t kk = 0; !err && fg_yaml_count(c->yf) == 1 &&
			    kk < sizeof(conf_kinds) / sizeof(*conf_kinds);
	     kk++)
		err = fg_hints_flink_bools(&p->out->diags, c->yf, 0, data.ptr,
					   data.len, path, NULL,
					   conf_kinds[kk]);
	fg_buf_release(&data);
	if (err == FG_EINVALID)
		return 1;
	if (err < 0)
		return err;
	if (fg_yaml_count(c->yf) == 0) {
		/* an empty config file configures nothing */
		fg_yaml_file_free(c->yf);
		c->yf = NULL;
		return 0;
	}
	if (fg_yaml_count(c->yf) > 1) {
		fg_diags_add(&p->out->diags, FG_SEV_ERROR, path,
			     fg_yaml_doc_pos(c->yf, 1),
			     "a config file holds one document, not %zu",
			     fg_yaml_count(c->yf));
		return 1;
	}
	c->doc = fg_yaml_doc(c->yf, 0);
	l.yf = c->yf;
	l.doc = 0;
	l.file = path;
	l.prefix = "";

	if ((err = config_schema(&schema, repo)) < 0 ||
	    (err = fg_schema_validate_document_json(schema, c->doc, &probs)) <
		    0)
		goto done;
	if (!probs.n) {
		/* defaults may not name or place an object */
		defaults = json_object_get(c->doc, "defaults");
		json_object_foreach (defaults, k, v) {
			static const char *const fixed[][2] = {
				{ "apiVersion", NULL },
				{ "kind", NULL },
				{ "metadata", "name" },
				{ "metadata", "namespace" },
				{ "metadata", "generateName" },
			};
			size_t i;
			for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
				json_t *m = json_object_get(v, fixed[i][0]);
				struct fg_buf ptr = FG_BUF_INIT;
				if (fixed[i][1])
					m = json_object_get(m, fixed[i][1]);
				if (!m)
					continue;
				fg_buf_puts(&ptr, "/defaults");
				fg_json_pointer_push(&ptr, k);
				fg_json_pointer_push(&ptr, fixed[i][0]);
				if (fixed[i][1])
					fg_json_pointer_push(&ptr, fixed[i][1]);
				fg_problems_add(&probs, ptr.ptr,
						"defaults cannot set %s%s%s",
						fixed[i][0],
						fixed[i][1] ? "." : "",
						fixed[i][1] ? fixed[i][1] : "");
				fg_buf_release(&ptr);
			}
		}
		json_object_foreach (json_object_get(c->doc, "vars"), k, v) {
			struct fg_buf ptr = FG_BUF_INIT;
			fg_buf_puts(&ptr, "/vars");
			fg_json_pointer_push(&ptr, k);
			if (!strcmp(k, "true") || !strcmp(k, "false"))
				fg_problems_add(&probs, ptr.ptr,
						"variable name '%s' comes from "
						"an unquoted YAML boolean key "
						"(y, n, yes, no, on, off...); "
						"quote the name",
						k);
			else if (!fg_var_name_valid(k))
				fg_problems_add(&probs, ptr.ptr,
						"invalid variable name '%s' "
						"(letters, digits and '_', not "
						"starting with a digit)",
						k);
			else if (json_is_integer(v))
				json_object_set_new(
					c->vars, k,
					json_sprintf(
						"%lld",
						(long long)json_integer_value(
							v)));
			else
				json_object_set(c->vars, k, v);
			fg_buf_release(&ptr);
		}
	}
	if (!probs.n)
		defaults_kinds(p, c, repo, &probs);
	if (repo && !probs.n) {
		const char *ver = str_member(c->doc, "crdVersion");
		if (ver && !fg_crd_version_known(ver)) {
			struct fg_buf known = FG_BUF_INIT;
			const char *const *vs;
			for (vs = fg_crd_versions(); *vs; vs++)
				fg_buf_printf(&known, "%s%s",
					      known.len ? ", " : "", *vs);
			fg_problems_add(&probs, "/crdVersion",
					"operator version '%s' is not bundled "
					"(bundled: %s)",
					ver, known.ptr);
			fg_buf_release(&known);
		}
	}
	{
		struct fg_diag_subject none;
		struct fg_buf field = FG_BUF_INIT;
		size_t i;

		memset(&none, 0, sizeof(none));
		for (i = 0; i < probs.n; i++) {
			const char *file;
			struct fg_pos pos;
			locate(&l, 1, probs.v[i].pointer, &file, &pos);
			fg_buf_clear(&field);
			fg_pointer_to_field(&field, probs.v[i].pointer);
			none.field = field.len ? field.ptr : NULL;
			fg_diags_add_about(&p->out->diags, FG_SEV_ERROR, path,
					   pos, &none, "%s",
					   probs.v[i].message);
		}
		fg_buf_release(&field);
	}
	err = (int)(fg_diags_errors(&p->out->diags) - before);
done:
	fg_problems_release(&probs);
	return err;
}

/* ---- one object ------------------------------------------------------- */

/* A merged object and where it came from, for rules between objects. */
struct obj_src {
	const struct fg_yaml_file *yf;
	size_t doc;
	const char *file;
	json_t *obj; /* the merged object, a reference */
};

struct ns_pass {
	struct pass *p;
	struct fg_ns *ns;
	struct config conf; /* _defaults.yaml */
	json_t *seen;	    /* "Kind/name" -> "file:line" */
	int errors;
	/* the namespace's loaded files, kept until it is done */
	struct fg_yaml_file **files;
	size_t nfiles;
	/* every FlinkDeployment and FlinkSessionJob merged, valid or not:
	 * one object's errors never hide another's cross-object rules */
	struct obj_src *flink;
	size_t nflink;
	struct fg_diags pending; /* defaults' own problems, see below */
};

/* The layers of an object: repo defaults, namespace defaults, itself. */
struct layers {
	struct layer v[3];
	size_t n;
	struct fg_buf prefix_repo, prefix_ns;
};

static void layers_init(struct layers *ls, const struct ns_pass *np,
			const char *kind, const struct fg_yaml_file *yf,
			size_t doc, const char *file)
{
	const struct pass *p = np->p;

	memset(ls, 0, sizeof(*ls));
	fg_buf_init(&ls->prefix_repo, 0);
	fg_buf_init(&ls->prefix_ns, 0);
	fg_buf_puts(&ls->prefix_repo, "/defaults");
	fg_json_pointer_push(&ls->prefix_repo, kind ? kind : "");
	fg_buf_puts(&ls->prefix_ns, "/defaults");
	fg_json_pointer_push(&ls->prefix_ns, kind ? kind : "");
	if (p->repo.yf && kind) {
		ls->v[ls->n].yf = p->repo.yf;
		ls->v[ls->n].file = p->repo.file;
		ls->v[ls->n].prefix = ls->prefix_repo.ptr;
		ls->n++;
	}
	if (np->conf.yf && kind) {
		ls->v[ls->n].yf = np->conf.yf;
		ls->v[ls->n].file = np->conf.file;
		ls->v[ls->n].prefix = ls->prefix_ns.ptr;
		ls->n++;
	}
	ls->v[ls->n].yf = yf;
	ls->v[ls->n].doc = doc;
	ls->v[ls->n].file = file;
	ls->v[ls->n].prefix = "";
	ls->n++;
}

static void layers_release(struct layers *ls)
{
	fg_buf_release(&ls->prefix_repo);
	fg_buf_release(&ls->prefix_ns);
}

static int kind_allowed(struct pass *p, const char *kind,
			const char *api_version, int sealed,
			struct fg_problems *probs)
{
	size_t i;
	json_t *k;

	if (sealed) {
		/* what is encrypted is a Secret, whatever allowPlainSecrets
		 * says; anything else belongs in a plain file */
		if (strcmp(kind, "Secret"))
			fg_problems_add(probs, "/kind",
					"only Secret objects may be in an "
					"age-encrypted file, not '%s' (put it "
					"in a .yaml file)",
					kind);
		else if (strcmp(api_version, "v1"))
			fg_problems_add(probs, "/apiVersion",
					"'%s' is not the apiVersion of Secret "
					"('v1')",
					api_version);
		return !probs->n;
	}
	if (is_flink_kind(kind))
		return 1;
	for (i = 0; i < sizeof(supporting) / sizeof(supporting[0]); i++) {
		if (strcmp(kind, supporting[i].kind))
			continue;
		if (strcmp(api_version, supporting[i].api_version)) {
			fg_problems_add(probs, "/apiVersion",
					"'%s' is not the apiVersion of %s "
					"('%s')",
					api_version, kind,
					supporting[i].api_version);
			return 0;
		}
		return 1;
	}
	if (!strcmp(kind, "Secret") && p->allow_secrets)
		return 1;
	json_array_foreach (p->allow_kinds, i, k)
		if (json_is_string(k) && !strcmp(json_string_value(k), kind))
			return 1;
	if (!strcmp(kind, "Secret"))
		fg_problems_add(
			probs, "/kind",
			"plain Secret manifests are not allowed (set "
			"allowPlainSecrets: true in " FG_RENDER_CONFIG_FILE
			" to allow them)");
	else {
		struct fg_buf allowed = FG_BUF_INIT;
		fg_buf_puts(&allowed, "FlinkDeployment, FlinkSessionJob, "
				      "FlinkStateSnapshot, " FG_BLUEGREEN_KIND
				      ", ConfigMap, ServiceAccount, Role, "
				      "RoleBinding");
		if (p->allow_secrets)
			fg_buf_puts(&allowed, ", Secret");
		json_array_foreach (p->allow_kinds, i, k)
			if (json_is_string(k))
				fg_buf_printf(&allowed, ", %s",
					      json_string_value(k));
		fg_problems_add(probs, "/kind",
				"'%s' is not allowed here (allowed: %s; add it "
				"to allowKinds in " FG_RENDER_CONFIG_FILE ")",
				kind, allowed.ptr);
		fg_buf_release(&allowed);
	}
	return 0;
}

/* A kind's defaults from a config, flattened and substituted, or NULL. */
static json_t *defaults_layer(const struct config *c, const char *kind,
			      const json_t *vars, struct fg_problems *probs)
{
	json_t *d = json_object_get(json_object_get(c->doc, "defaults"), kind);

	if (!json_is_object(d))
		return NULL;
	d = fg_json_deep_copy(d);
	if (!d)
		return NULL;
	fg_flatten_object_config(d, probs);
	fg_vars_substitute(d, vars, probs);
	return d;
}

static int add_object(struct fg_ns *ns, json_t *obj, const char *file,
		      struct fg_pos pos)
{
	struct fg_object *o;

	if (ns->n == ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 8;
		o = realloc(ns->objs, ncap * sizeof(*o));
		if (!o)
			return fg_error_set(FG_ERROR, "out of memory");
		ns->objs = o;
		ns->cap = ncap;
	}
	o = &ns->objs[ns->n];
	memset(o, 0, sizeof(*o));
	if (!(o->file = strdup(file)))
		return fg_error_set(FG_ERROR, "out of memory");
	o->obj = obj;
	o->pos = pos;
	o->kind = str_member(obj, "kind");
	o->name = meta_str(obj, "name");
	ns->n++;
	return 0;
}

/* Labels and annotations flink-gitops puts on what it applies. */
static int stamp(struct pass *p, json_t *obj, const char *file, char hash[65],
		 struct fg_problems *probs)
{
	json_t *meta = json_object_get(obj, "metadata");
	json_t *labels = json_object_get(meta, "labels");
	json_t *ann = json_object_get(meta, "annotations");
	const char *mb = str_member(labels, FG_LABEL_MANAGED_BY);
	struct fg_buf src = FG_BUF_INIT;
	int err;

	if (mb && strcmp(mb, FG_MANAGER))
		return fg_problems_add(
			probs, "/metadata/labels/app.kubernetes.io~1managed-by",
			"label '" FG_LABEL_MANAGED_BY
			"' is set by flink-gitops; remove it");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(meta, "labels", labels);
	}
	json_object_set_new(labels, FG_LABEL_MANAGED_BY,
			    json_string(FG_MANAGER));
	if (!json_is_object(ann)) {
		ann = json_object();
		json_object_set_new(meta, "annotations", ann);
	}
	json_object_del(ann, FG_ANNOTATION_SOURCE);
	json_object_del(ann, FG_ANNOTATION_HASH);
	if (json_object_size(ann) == 0)
		json_object_del(meta, "annotations");
	if ((err = fg_object_hash(obj, hash)) < 0)
		return err;
	ann = json_object_get(meta, "annotations");
	if (!ann) {
		ann = json_object();
		json_object_set_new(meta, "annotations", ann);
	}
	if (p->opts->origin)
		fg_buf_printf(&src, "%s:%s", p->opts->origin, file);
	else
		fg_buf_puts(&src, file);
	json_object_set_new(ann, FG_ANNOTATION_SOURCE,
			    json_stringn(src.ptr, src.len));
	json_object_set_new(ann, FG_ANNOTATION_HASH, json_string(hash));
	fg_buf_release(&src);
	return 0;
}

static void schema_cache_release(struct schema_cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		fg_schema_free(c->v[i]);
	free(c->v);
	json_decref(c->index);
	memset(c, 0, sizeof(*c));
}

/* The compiled CRD schema for an object, built once per pass. */
static int crd_schema(struct pass *p, const struct fg_schema **out,
		      const char *kind, const char *api_version)
{
	struct schema_cache *c = &p->schemas;
	struct fg_buf key = FG_BUF_INIT;
	const json_t *openapi;
	struct fg_schema *s, **v;
	json_t *at;
	int err;

	if (!c->index && !(c->index = json_object()))
		return fg_error_set(FG_ERROR, "out of memory");
	fg_buf_printf(&key, "%s %s %s", p->crd_version, kind, api_version);
	at = json_object_get(c->index, key.ptr);
	if (at) {
		*out = c->v[json_integer_value(at)];
		fg_buf_release(&key);
		return 0;
	}
	err = fg_crd_schema(&openapi, p->crd_version, kind, api_version);
	if (err == 0)
		err = fg_schema_new(&s, openapi);
	if (err == 0) {
		v = realloc(c->v, (c->n + 1) * sizeof(*v));
		if (!v) {
			fg_schema_free(s);
			err = fg_error_set(FG_ERROR, "out of memory");
		} else {
			c->v = v;
			c->v[c->n] = s;
			json_object_set_new(c->index, key.ptr,
					    json_integer((json_int_t)c->n));
			c->n++;
			*out = s;
		}
	}
	fg_buf_release(&key);
	return err;
}

/*
 * An unknown field that another bundled operator release knows (a field
 * of `main`, written against 1.15.0): say which, and how to choose it.
 * Problems from index `first` on are the schema's.
 */
static int other_versions(struct pass *p, const char *kind, const char *api,
			  struct fg_problems *probs, size_t first)
{
	for (size_t i = first; i < probs->n; i++) {
		struct fg_problem *pr = &probs->v[i];
		struct fg_buf in = FG_BUF_INIT, msg = FG_BUF_INIT;

		if (strncmp(pr->message, "unknown field ", 14))
			continue;
		for (const char *const *v = fg_crd_versions(); *v; v++)
			if (strcmp(*v, p->crd_version) &&
			    fg_crd_has_field(*v, kind, api, pr->pointer))
				fg_buf_printf(&in, "%s%s", in.len ? ", " : "",
					      *v);
		if (in.len) {
			if (fg_buf_printf(&msg,
					  "%s (exists in CRD version %s: set "
					  "crdVersion in " FG_RENDER_CONFIG_FILE
					  " or --crd-version)",
					  pr->message, in.ptr) < 0) {
				fg_buf_release(&in);
				return fg_error_set(FG_ERROR, "out of memory");
			}
			free(pr->message);
			pr->message = fg_buf_detach(&msg, NULL);
		}
		fg_buf_release(&in);
		fg_buf_release(&msg);
	}
	return 0;
}

static int validate(struct pass *p, const json_t *obj, const char *kind,
		    const char *api_version, struct fg_problems *probs)
{
	const struct fg_schema *schema = NULL;
	size_t first;
	int err;

	if (!is_flink_kind(kind))
		return 0;
	err = crd_schema(p, &schema, kind, api_version);
	if (err == FG_ENOTFOUND)
		return fg_problems_add(probs, "/apiVersion", "%s",
				       fg_error_last());
	if (err < 0)
		return err;
	first = probs->n;
	if ((err = fg_schema_validate(schema, obj, probs)) < 0 ||
	    (err = other_versions(p, kind, api_version, probs, first)) < 0)
		return err;
	return fg_rules_check_opts(obj, &p->rules, probs);
}

/* Remember a merged FlinkDeployment, FlinkSessionJob or
 * FlinkBlueGreenDeployment for cross_checks. */
static int keep_flink(struct ns_pass *np, json_t *obj,
		      const struct fg_yaml_file *yf, size_t doc,
		      const char *file)
{
	const char *kind = str_member(obj, "kind");
	struct obj_src *v;

	if (!kind || (strcmp(kind, "FlinkDeployment") &&
		      strcmp(kind, "FlinkSessionJob") &&
		      strcmp(kind, FG_BLUEGREEN_KIND)))
		return 0;
	v = realloc(np->flink, (np->nflink + 1) * sizeof(*v));
	if (!v)
		return fg_error_set(FG_ERROR, "out of memory");
	np->flink = v;
	v[np->nflink].yf = yf;
	v[np->nflink].doc = doc;
	v[np->nflink].file = file;
	v[np->nflink].obj = json_incref(obj);
	np->nflink++;
	return 0;
}

/* Standard padded base64, as Go's base64.StdEncoding (the API server)
 * reads a Secret's data values. */
static int base64_ok(const char *s, size_t n)
{
	size_t i, pad = 0;

	if (n % 4)
		return 0;
	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	for (i = 0; i < n - pad; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return 0;
	}
	return 1;
}

/*
 * The values of an encrypted Secret: `data` values must be base64 and
 * `stringData` values strings, as the API server wants them. Problems
 * name the key, never the value.
 */
static void sealed_values(const json_t *doc, struct fg_problems *probs)
{
	static const char *const maps[] = { "data", "stringData" };
	struct fg_buf ptr = FG_BUF_INIT;
	const char *k;
	json_t *m, *v;
	size_t i, n;

	for (i = 0; i < 2; i++) {
		m = json_object_get(doc, maps[i]);
		if (!m || json_is_null(m))
			continue;
		if (!json_is_object(m)) {
			fg_problems_add(probs, i ? "/stringData" : "/data",
					"%s must be a map of key to value",
					maps[i]);
			continue;
		}
		json_object_foreach (m, k, v) {
			fg_buf_clear(&ptr);
			fg_buf_printf(&ptr, "/%s", maps[i]);
			fg_json_pointer_push(&ptr, k);
			if (!json_is_string(v)) {
				fg_problems_add(probs, ptr.ptr,
						"the value of '%s' must be a "
						"string",
						k);
				continue;
			}
			n = json_string_length(v);
			if (i == 0 && !base64_ok(json_string_value(v), n))
				fg_problems_add(probs, ptr.ptr,
						"the value of '%s' is not "
						"base64 (data values are "
						"base64-encoded; put plain "
						"text under stringData)",
						k);
		}
	}
	fg_buf_release(&ptr);
}

static int one_object(struct ns_pass *np, struct fg_yaml_file *yf, size_t di,
		      const char *file, int sealed)
{
	struct pass *p = np->p;
	json_t *doc = fg_yaml_doc(yf, di), *merged = NULL, *layer_obj = NULL;
	struct fg_problems probs = FG_PROBLEMS_INIT;
	struct fg_problems ns_problem = FG_PROBLEMS_INIT;
	struct fg_pos at = fg_yaml_doc_pos(yf, di);
	const char *kind, *api, *name, *ns;
	struct layers ls;
	const struct layer *layers;
	struct fg_buf key = FG_BUF_INIT;
	char hash[65];
	size_t nlayers = 0, reported = 0;
	json_t *dl;
	int err = 0;

	if (!json_is_object(doc)) {
		fg_diags_add(&p->out->diags, FG_SEV_ERROR, file, at,
			     "document is not a mapping (a Kubernetes object)");
		np->errors++;
		return 0;
	}
	kind = str_member(doc, "kind");
	api = str_member(doc, "apiVersion");
	name = meta_str(doc, "name");
	if (!kind)
		fg_problems_add(&probs, "", "kind is required");
	if (!api)
		fg_problems_add(&probs, "", "apiVersion is required");
	if (!name)
		fg_problems_add(&probs,
				json_object_get(doc, "metadata") ? "/metadata"
								 : "",
				"metadata.name is required");
	if (!probs.n)
		kind_allowed(p, kind, api, sealed, &probs);
	ns = meta_str(doc, "namespace");
	if (!probs.n &&
	    json_object_get(json_object_get(doc, "metadata"), "namespace") &&
	    (!ns || strcmp(ns, np->ns->name)))
		fg_problems_add(&ns_problem, "/metadata/namespace",
				"'%s' does not match the folder '%s'; the "
				"folder is the namespace",
				ns ? ns : "", np->ns->name);

	/* the layers: repo defaults, namespace defaults, the object */
	layers_init(&ls, np, kind, yf, di, file);
	layers = ls.v;
	nlayers = ls.n;

	if (probs.n) {
		/* without kind, name or an allowed kind nothing else applies */
		reported += report(p, layers + nlayers - 1, 1, doc,
				   np->ns->name, &probs);
		goto done;
	}
	if (ns_problem.n) {
		reported += report(p, layers + nlayers - 1, 1, doc,
				   np->ns->name, &ns_problem);
		fg_problems_release(&ns_problem);
	}

	/* build the object: defaults first, each layer substituted alone */
	if (!(merged = json_object())) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	/* problems in defaults point into their config file, no object */
	if (p->repo.yf &&
	    (dl = defaults_layer(&p->repo, kind, np->conf.vars, &probs))) {
		fg_merge(merged, dl);
		json_decref(dl);
		reported += report(p, &layers[0], 1, NULL, NULL, &probs);
		fg_problems_release(&probs);
	}
	if (np->conf.yf &&
	    (dl = defaults_layer(&np->conf, kind, np->conf.vars, &probs))) {
		fg_merge(merged, dl);
		json_decref(dl);
		reported +=
			report(p, &layers[nlayers - 2], 1, NULL, NULL, &probs);
		fg_problems_release(&probs);
	}
	if (!(layer_obj = fg_json_deep_copy(doc))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	fg_flatten_object_config(layer_obj, &probs);
	if (sealed) {
		/* encrypted values are taken as written: a generated password
		 * may well contain "${" */
		json_t *data = json_incref(json_object_get(layer_obj, "data"));
		json_t *sdata =
			json_incref(json_object_get(layer_obj, "stringData"));
		sealed_values(doc, &probs);
		json_object_del(layer_obj, "data");
		json_object_del(layer_obj, "stringData");
		fg_vars_substitute(layer_obj, np->conf.vars, &probs);
		if (data)
			json_object_set_new(layer_obj, "data", data);
		if (sdata)
			json_object_set_new(layer_obj, "stringData", sdata);
	} else {
		fg_vars_substitute(layer_obj, np->conf.vars, &probs);
	}
	fg_merge(merged, layer_obj);
	fg_strip_nulls(merged);
	json_object_set_new(json_object_get(merged, "metadata"), "namespace",
			    json_string(np->ns->name));

	/* duplicates within the namespace */
	fg_buf_printf(&key, "%s/%s", kind, name);
	if (json_object_get(np->seen, key.ptr)) {
		fg_problems_add(
			&probs, "/metadata/name",
			"duplicate object: %s %s/%s is also defined "
			"at %s",
			kind, np->ns->name, name,
			json_string_value(json_object_get(np->seen, key.ptr)));
	} else {
		json_object_set_new(np->seen, key.ptr,
				    json_sprintf("%s:%u", file, at.line));
	}

	if ((err = keep_flink(np, merged, yf, di, file)) < 0)
		goto done;
	if ((err = validate(p, merged, kind, api, &probs)) < 0)
		goto done;
	if (!probs.n && fg_is_bluegreen(merged)) {
		/* valid, but probably not what was meant: warnings */
		struct fg_problems hints = FG_PROBLEMS_INIT;

		err = fg_rules_bluegreen_hints(merged, &p->rules, &hints);
		if (!err)
			report_sev(p, layers, nlayers, merged, np->ns->name,
				   &hints, FG_SEV_WARNING);
		fg_problems_release(&hints);
		if (err < 0)
			goto done;
	}
	if (!reported && !probs.n &&
	    (err = stamp(p, merged, file, hash, &probs)) < 0)
		goto done;
	reported += report(p, layers, nlayers, merged, np->ns->name, &probs);
	if (reported)
		goto done;
	if ((err = add_object(np->ns, merged, file, at)) < 0)
		goto done;
	memcpy(np->ns->objs[np->ns->n - 1].hash, hash, sizeof(hash));
	merged = NULL;
done:
	np->errors += (int)reported;
	json_decref(merged);
	json_decref(layer_obj);
	fg_problems_release(&probs);
	fg_problems_release(&ns_problem);
	fg_buf_release(&key);
	layers_release(&ls);
	return err;
}

/* ---- cross-object rules ------------------------------------------------ */

/* A session job names a session cluster the repository does not have. */
static void warn_no_cluster(struct ns_pass *np, const struct obj_src *job,
			    const char *target)
{
	struct fg_diag_subject about = { "FlinkSessionJob", np->ns->name,
					 meta_str(job->obj, "name"),
					 "spec.deploymentName" };
	const char *file;
	struct fg_pos pos;
	struct layers ls;

	layers_init(&ls, np, "FlinkSessionJob", job->yf, job->doc, job->file);
	locate(ls.v, ls.n, "/spec/deploymentName", &file, &pos);
	fg_diags_add_about(&np->p->out->diags, FG_SEV_WARNING, file, pos,
			   &about,
			   "no FlinkDeployment '%s' in this repository's "
			   "namespace %s: the session cluster must exist in "
			   "the cluster (managed elsewhere), else sync holds "
			   "the job back",
			   target, np->ns->name);
	layers_release(&ls);
}

/*
 * A FlinkDeployment named as a child of a FlinkBlueGreenDeployment of the
 * namespace (NAME-blue, NAME-green): the operator creates or replaces
 * that FlinkDeployment with its child (createOrReplace), so the two
 * would take each other's place.
 */
static int bluegreen_names(struct ns_pass *np)
{
	static const char *const colours[] = { "blue", "green" };
	struct fg_buf child = FG_BUF_INIT;
	int err = 0;

	for (size_t i = 0; i < np->nflink && !err; i++) {
		const json_t *bg = np->flink[i].obj;
		const char *name = meta_str(bg, "name");

		if (!name || !fg_is_bluegreen(bg))
			continue;
		for (size_t k = 0; k < 2; k++) {
			fg_buf_clear(&child);
			if ((err = fg_buf_printf(&child, "%s-%s", name,
						 colours[k])) < 0)
				break;
			for (size_t j = 0; j < np->nflink; j++) {
				const json_t *fd = np->flink[j].obj;
				struct fg_problems probs = FG_PROBLEMS_INIT;
				struct layers ls;

				if (strcmp(str_member(fd, "kind"),
					   "FlinkDeployment") ||
				    !fg_str_is(meta_str(fd, "name"), child.ptr))
					continue;
				fg_problems_add(&probs, "/metadata/name",
						"FlinkBlueGreenDeployment %s "
						"makes its %s FlinkDeployment "
						"under this name: the operator "
						"would replace this one with "
						"it; rename one of the two",
						name, colours[k]);
				layers_init(&ls, np, "FlinkDeployment",
					    np->flink[j].yf, np->flink[j].doc,
					    np->flink[j].file);
				np->errors += (int)report(np->p, ls.v, ls.n, fd,
							  np->ns->name, &probs);
				layers_release(&ls);
				fg_problems_release(&probs);
			}
		}
	}
	fg_buf_release(&child);
	return err;
}

/*
 * Rules between objects of a namespace, as the operator runs them for a
 * session job whose session cluster exists (validateSessionJobWithCluster):
 * the cluster must be a session cluster, and the job rules and the
 * autoscaler rules run with the cluster's configuration under the job's.
 * Every Flink object merged takes part, whatever its own errors: a
 * cluster with problems of its own still tells its session jobs theirs.
 * A target that is not in the repository is the operator's to check.
 */
static int cross_checks(struct ns_pass *np)
{
	size_t i, j;
	int err = 0;

	if ((err = bluegreen_names(np)) < 0)
		return err;
	for (i = 0; i < np->nflink && !err; i++) {
		const json_t *job = np->flink[i].obj, *cluster = NULL;
		struct fg_problems probs = FG_PROBLEMS_INIT;
		const char *target;
		struct layers ls;

		if (strcmp(str_member(job, "kind"), "FlinkSessionJob"))
			continue;
		target = str_member(json_object_get(job, "spec"),
				    "deploymentName");
		for (j = 0; target && j < np->nflink && !cluster; j++)
			if (!strcmp(str_member(np->flink[j].obj, "kind"),
				    "FlinkDeployment") &&
			    meta_str(np->flink[j].obj, "name") &&
			    !strcmp(meta_str(np->flink[j].obj, "name"), target))
				cluster = np->flink[j].obj;
		if (!cluster) {
			/* maybe managed elsewhere: sync holds the job back
			   only if the cluster has none either */
			if (target)
				warn_no_cluster(np, &np->flink[i], target);
			continue;
		}
		err = fg_rules_check_session_job(job, cluster, &np->p->rules,
						 &probs);
		if (!err && probs.n) {
			layers_init(&ls, np, "FlinkSessionJob", np->flink[i].yf,
				    np->flink[i].doc, np->flink[i].file);
			np->errors += (int)report(np->p, ls.v, ls.n, job,
						  np->ns->name, &probs);
			layers_release(&ls);
		}
		fg_problems_release(&probs);
	}
	return err;
}

/* ---- defaults on their own ---------------------------------------------- */

/* Levenshtein distance of two short ASCII words, capped at 3. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[64], cur[64];

	if (la >= 64 || lb >= 64)
		return 3;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			cur[j] = del < ins ? del : ins;
			if (sub < cur[j])
				cur[j] = sub;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(*cur));
	}
	return prev[lb] > 3 ? 3 : prev[lb];
}

/*
 * Every kind a config file gives defaults for must be a kind the
 * repository may hold: defaults for any other kind (a typo such as
 * FlinkDeploymnet, or Pod) would apply to nothing, silently.
 */
static void defaults_kinds(struct pass *p, const struct config *c, int repo,
			   struct fg_problems *probs)
{
	const json_t *defaults = json_object_get(c->doc, "defaults"), *v;
	const char *k;

	if (repo) { /* fg_render reads them from here too, later */
		p->allow_kinds = json_object_get(c->doc, "allowKinds");
		p->allow_secrets = json_is_true(
			json_object_get(c->doc, "allowPlainSecrets"));
	}
	json_object_foreach ((json_t *)(uintptr_t)defaults, k, v) {
		struct fg_problems why = FG_PROBLEMS_INIT;
		struct fg_buf ptr = FG_BUF_INIT;
		const char *api = "";
		size_t i, best = 3;
		const char *near = NULL;

		for (i = 0; i < sizeof(supporting) / sizeof(supporting[0]); i++)
			if (!strcmp(k, supporting[i].kind))
				api = supporting[i].api_version;
		/* a Secret may always come from an age-encrypted file */
		if (!strcmp(k, "Secret") || kind_allowed(p, k, api, 0, &why)) {
			fg_problems_release(&why);
			continue;
		}
		for (i = 0; i < sizeof(flink_kinds) / sizeof(flink_kinds[0]);
		     i++)
			if (edit_distance(k, flink_kinds[i]) < best) {
				best = edit_distance(k, flink_kinds[i]);
				near = flink_kinds[i];
			}
		for (i = 0; i < sizeof(supporting) / sizeof(supporting[0]); i++)
			if (edit_distance(k, supporting[i].kind) < best) {
				best = edit_distance(k, supporting[i].kind);
				near = supporting[i].kind;
			}
		fg_buf_puts(&ptr, "/defaults");
		fg_json_pointer_push(&ptr, k);
		fg_problems_add(probs, ptr.ptr, "%s%s%s%s",
				why.n ? why.v[0].message : k,
				near ? "; did you mean '" : "",
				near ? near : "", near ? "'?" : "");
		fg_buf_release(&ptr);
		fg_problems_release(&why);
	}
}

/*
 * A kind's defaults, checked on their own against the kind's schema
 * (flattened and substituted as for an object, but without the object):
 * a wrong default is wrong even while every object overrides it, since
 * the next object that relies on it would fail. Each problem goes to
 * np->pending, and is reported by defaults_report unless an object that
 * uses the default already reported the same problem at the same place.
 */
static int defaults_check_one(struct ns_pass *np, const struct config *c)
{
	const json_t *defaults = json_object_get(c->doc, "defaults");
	const struct fg_schema *schema;
	const char *kind;
	json_t *d;
	int err = 0;

	json_object_foreach ((json_t *)(uintptr_t)defaults, kind, d) {
		struct fg_problems probs = FG_PROBLEMS_INIT;
		struct fg_buf ptr = FG_BUF_INIT, field = FG_BUF_INIT;
		struct layer l = { c->yf, 0, c->file, "" };
		json_t *layer;
		size_t i;

		if (!is_flink_kind(kind) ||
		    !(layer = defaults_layer(c, kind, np->conf.vars, &probs)))
			continue;
		err = crd_schema(np->p, &schema, kind,
				 "flink.apache.org/v1beta1");
		if (!err)
			err = fg_schema_validate_partial(schema, layer, &probs);
		json_decref(layer);
		for (i = 0; err >= 0 && i < probs.n; i++) {
			struct fg_diag_subject about = { NULL, NULL, NULL,
							 NULL };
			const char *file;
			struct fg_pos pos;

			fg_buf_clear(&ptr);
			fg_buf_puts(&ptr, "/defaults");
			fg_json_pointer_push(&ptr, kind);
			fg_buf_puts(&ptr, probs.v[i].pointer);
			locate(&l, 1, ptr.ptr, &file, &pos);
			fg_buf_clear(&field);
			fg_pointer_to_field(&field, ptr.ptr);
			about.field = field.ptr;
			fg_diags_add_about(&np->pending, FG_SEV_ERROR, file,
					   pos, &about, "%s",
					   probs.v[i].message);
		}
		fg_problems_release(&probs);
		fg_buf_release(&ptr);
		fg_buf_release(&field);
		if (err < 0 && err != FG_ENOTFOUND)
			return err;
		err = 0;
	}
	return 0;
}

static int defaults_check(struct ns_pass *np)
{
	int err = 0;

	if (np->p->repo.yf)
		err = defaults_check_one(np, &np->p->repo);
	if (!err && np->conf.yf)
		err = defaults_check_one(np, &np->conf);
	return err;
}

/* Report what defaults_check found that no object reported already. */
static void defaults_report(struct ns_pass *np)
{
	struct fg_diags *out = &np->p->out->diags;
	size_t i, j;

	for (i = 0; i < np->pending.n; i++) {
		const struct fg_diag *d = &np->pending.v[i];
		struct fg_diag_subject about = { NULL, NULL, NULL, d->field };
		int seen = 0;

		for (j = 0; j < out->n && !seen; j++)
			seen = out->v[j].severity == FG_SEV_ERROR &&
			       out->v[j].pos.line == d->pos.line &&
			       out->v[j].pos.col == d->pos.col &&
			       !strcmp(out->v[j].file, d->file) &&
			       !strcmp(out->v[j].message, d->message);
		if (seen)
			continue;
		fg_diags_add_about(out, FG_SEV_ERROR, d->file, d->pos, &about,
				   "%s", d->message);
		np->errors++;
	}
}

/* ---- namespaces --------------------------------------------------------- */

static int cmp_objects(const void *a, const void *b)
{
	const struct fg_object *x = a, *y = b;
	int rx = fg_apply_rank(x->obj), ry = fg_apply_rank(y->obj), c;

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if ((c = strcmp(x->kind, y->kind)))
		return c;
	return strcmp(x->name, y->name);
}

static void ns_clear_objects(struct fg_ns *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++) {
		json_decref(ns->objs[i].obj);
		free(ns->objs[i].file);
	}
	ns->n = 0;
}

static int keep_file(struct ns_pass *np, struct fg_yaml_file *yf)
{
	struct fg_yaml_file **v =
		realloc(np->files, (np->nfiles + 1) * sizeof(*v));

	if (!v)
		return fg_error_set(FG_ERROR, "out of memory");
	np->files = v;
	v[np->nfiles++] = yf;
	return 0;
}

/*
 * A loader message about decrypted text, with the text of every quoted
 * span (`...`, '...', "...") replaced: the loader quotes scalars and
 * keys now and then, and here they could be secret values.
 */
static int scrub_quotes(char **msg)
{
	struct fg_buf out = FG_BUF_INIT;
	const char *s = *msg, *close;

	while (*s) {
		if ((*s == '`' || *s == '\'' || *s == '"') &&
		    (close = strchr(s + 1, *s)) && close > s + 2) {
			fg_buf_putc(&out, *s);
			fg_buf_puts(&out, "<redacted>");
			fg_buf_putc(&out, *s);
			s = close + 1;
			continue;
		}
		fg_buf_putc(&out, *s++);
	}
	if (!out.cap) /* an empty message stays as it is */
		return 0;
	sodium_memzero(*msg, strlen(*msg));
	free(*msg);
	*msg = fg_buf_detach(&out, NULL);
	return *msg ? 0 : fg_error_set(FG_ERROR, "out of memory");
}

/*
 * An .age file: decrypted with the identities of the pass, then loaded
 * exactly as a YAML file of its folder, under the .age file's name. Any
 * failure is a diagnostic for that file (FG_EINVALID), so its namespace
 * fails: a file that cannot be read never looks like a deletion.
 */
static int load_sealed(struct pass *p, const char *path,
		       const struct fg_buf *data, struct fg_yaml_file **yf)
{
	struct fg_age_secret plain = { NULL, 0 };
	struct fg_diags diags = FG_DIAGS_INIT;
	struct fg_pos none = { 0, 0 };
	size_t i;
	int rc;

	*yf = NULL;
	if (fg_age_decrypt(&plain, (const unsigned char *)data->ptr, data->len,
			   p->opts->age_ids, NULL) < 0) {
		fg_diags_add(&p->out->diags, FG_SEV_ERROR, path, none, "%s",
			     fg_error_last());
		return FG_EINVALID;
	}
	rc = fg_yaml_load(yf, path, (const char *)plain.ptr, plain.len, NULL,
			  &diags);
	fg_age_secret_release(&plain);
	if (rc < 0) {
		/* the thread's message holds the unscrubbed text */
		fg_error_clear();
		for (i = 0; i < diags.n; i++)
			if (scrub_quotes(&diags.v[i].message) < 0)
				rc = FG_ERROR;
		if (rc != FG_EINVALID) {
			fg_diags_release(&diags);
			return fg_error_set(FG_ERROR,
					    "%s: cannot load the decrypted "
					    "manifest (out of memory)",
					    path);
		}
		fg_diags_take(&p->out->diags, &diags);
	}
	fg_diags_release(&diags);
	return rc;
}

/* The repo's `policy:` with the namespace's keys over it, or NULL. */
static int merge_policy(json_t **out, const json_t *repo, const json_t *ns)
{
	const json_t *rp = json_object_get(repo, "policy");
	const json_t *np = json_object_get(ns, "policy");

	*out = NULL;
	if (!json_is_object(rp) && !json_is_object(np))
		return 0;
	if (!(*out = json_is_object(rp) ? fg_json_deep_copy(rp)
					: json_object()))
		return fg_error_set(FG_ERROR, "out of memory");
	if (json_is_object(np) &&
	    json_object_update(*out, (json_t *)(uintptr_t)np) < 0)
		return fg_error_set(FG_ERROR, "out of memory");
	return 0;
}

/* Render the namespace `name` from files paths[first..last). */
static int one_namespace(struct pass *p, struct fg_ns *ns, char **paths,
			 size_t first, size_t last, size_t base_len)
{
	struct ns_pass np;
	struct fg_buf conf_path = FG_BUF_INIT, data = FG_BUF_INIT;
	size_t i, d;
	int err = 0;

	memset(&np, 0, sizeof(np));
	np.p = p;
	np.ns = ns;
	np.pending.max = FG_DIAGS_MAX_DEFAULT;
	if (!(np.seen = json_object()))
		return fg_error_set(FG_ERROR, "out of memory");

	if (!dns_label(ns->name)) {
		struct fg_pos none = { 0, 0 };
		fg_buf_printf(&conf_path, "%.*s%s/", (int)base_len,
			      paths[first], ns->name);
		fg_diags_add(&p->out->diags, FG_SEV_ERROR, conf_path.ptr, none,
			     "folder name '%s' is not a valid namespace name: "
			     "a lowercase RFC 1123 label must consist of lower "
			     "case alphanumeric characters or '-', start and "
			     "end with an alphanumeric character, and be at "
			     "most 63 characters",
			     ns->name);
		np.errors++;
		goto done;
	}
	fg_buf_printf(&conf_path, "%.*s%s/" FG_RENDER_NS_CONFIG_FILE,
		      (int)base_len, paths[first], ns->name);
	err = config_load(p, &np.conf, conf_path.ptr, 0, p->repo.vars);
	if (err < 0)
		goto done;
	np.errors += err;
	if ((err = merge_policy(&ns->policy, p->repo.doc, np.conf.doc)) < 0)
		goto done;

	for (i = first; i < last; i++) {
		struct fg_yaml_file *yf = NULL;
		int rc;

		int sealed = is_age_name(paths[i]);

		if ((!sealed && !is_yaml_name(paths[i])) ||
		    !strcmp(paths[i], conf_path.ptr))
			continue;
		fg_buf_release(&data);
		fg_buf_init(&data,
			    sealed ? FG_AGE_MAX_FILE_BYTES : FG_YAML_MAX_BYTES);
		rc = fg_source_read(p->src, paths[i], &data);
		if (rc < 0) {
			struct fg_pos none = { 0, 0 };
			fg_diags_add(&p->out->diags, FG_SEV_ERROR, paths[i],
				     none, "%s", fg_error_last());
			np.errors++;
			continue;
		}
		if (sealed)
			rc = load_sealed(p, paths[i], &data, &yf);
		else
			rc = fg_yaml_load(&yf, paths[i], data.ptr, data.len,
					  NULL, &p->out->diags);
		if (rc == FG_EINVALID) {
			np.errors++;
			continue;
		}
		if (rc < 0) {
			err = rc;
			goto done;
		}
		if ((err = keep_file(&np, yf)) < 0) {
			fg_yaml_file_free(yf);
			goto done;
		}
		for (d = 0; !sealed && d < fg_yaml_count(yf) && !err; d++)
			err = fg_hints_flink_bools(&p->out->diags, yf, d,
						   data.ptr, data.len, paths[i],
						   ns->name, "");
		for (d = 0; d < fg_yaml_count(yf) && !err; d++)
			err = one_object(&np, yf, d, paths[i], sealed);
		if (err < 0)
			goto done;
	}
	if ((err = defaults_check(&np)) < 0 || (err = cross_checks(&np)) < 0)
		goto done;
	defaults_report(&np);
done:
	if (np.errors) {
		ns->failed = 1;
		ns_clear_objects(ns);
	} else {
		qsort(ns->objs, ns->n, sizeof(*ns->objs), cmp_objects);
	}
	config_release(&np.conf);
	json_decref(np.seen);
	for (i = 0; i < np.nfiles; i++)
		fg_yaml_file_free(np.files[i]);
	free(np.files);
	for (i = 0; i < np.nflink; i++)
		json_decref(np.flink[i].obj);
	free(np.flink);
	fg_diags_release(&np.pending);
	fg_buf_release(&conf_path);
	fg_buf_release(&data);
	return err;
}

static int cmp_ns(const void *a, const void *b)
{
	return strcmp(((const struct fg_ns *)a)->name,
		      ((const struct fg_ns *)b)->name);
}

static int add_ns(struct fg_desired *d, const char *name, size_t len)
{
	struct fg_ns *v = realloc(d->ns, (d->nns + 1) * sizeof(*v));

	if (!v)
		return fg_error_set(FG_ERROR, "out of memory");
	d->ns = v;
	memset(&d->ns[d->nns], 0, sizeof(d->ns[d->nns]));
	if (!(d->ns[d->nns].name = strndup(name, len)))
		return fg_error_set(FG_ERROR, "out of memory");
	d->nns++;
	return 0;
}

void fg_desired_free(struct fg_desired *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nns; i++) {
		ns_clear_objects(&d->ns[i]);
		free(d->ns[i].objs);
		free(d->ns[i].name);
		json_decref(d->ns[i].policy);
	}
	free(d->ns);
	free(d->crd_version);
	json_decref(d->policy);
	free(d->repository);
	json_decref(d->operator_defaults);
	fg_diags_release(&d->diags);
	free(d);
}

/* Is namespace name[0..len) one of opts' (only_ns, namespaces)? */
static int ns_selected(const struct fg_render_opts *opts, const char *name,
		       size_t len)
{
	int any = 0;

	if (opts->only_ns) {
		any = 1;
		if (strlen(opts->only_ns) == len &&
		    !strncmp(opts->only_ns, name, len))
			return 1;
	}
	for (size_t i = 0; i < opts->nnamespaces; i++) {
		any = 1;
		if (strlen(opts->namespaces[i]) == len &&
		    !strncmp(opts->namespaces[i], name, len))
			return 1;
	}
	return !any;
}

int fg_render(struct fg_desired **out, struct fg_source *src,
	      const struct fg_render_opts *opts)
{
	struct fg_render_opts none;
	struct fg_buf base = FG_BUF_INIT, conf = FG_BUF_INIT;
	struct pass p;
	json_t *unlisted = NULL, *v;
	const char *k;
	char **paths = NULL;
	size_t npaths = 0, i, j;
	int err, n;

	*out = NULL;
	if (!opts) {
		memset(&none, 0, sizeof(none));
		opts = &none;
	}
	memset(&p, 0, sizeof(p));
	p.src = src;
	p.opts = opts;
	if (!(p.out = calloc(1, sizeof(*p.out))))
		return fg_error_set(FG_ERROR, "out of memory");
	p.out->diags.max = FG_DIAGS_MAX_DEFAULT;

	if (opts->path && *opts->path) {
		fg_buf_puts(&base, opts->path);
		while (base.len && base.ptr[base.len - 1] == '/')
			fg_buf_truncate(&base, base.len - 1);
		fg_buf_putc(&base, '/');
	}
	if ((err = fg_source_list(src, opts->path ? opts->path : "", &paths,
				  &npaths, &p.out->diags)) < 0)
		goto fail;
	/*
	 * An entry the listing refused (a symbolic link, say) is a file we
	 * could not read: its namespace must fail, or the file would look
	 * like a deletion.
	 */
	if (!(unlisted = json_object())) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto fail;
	}
	for (i = 0; i < p.out->diags.n; i++) {
		const char *rel = p.out->diags.v[i].file;
		if (!strncmp(rel, base.ptr, base.len))
			rel += base.len;
		json_object_setn_new(unlisted, rel, strcspn(rel, "/"),
				     json_true());
	}

	/* the repository config */
	fg_buf_printf(&conf, "%s" FG_RENDER_CONFIG_FILE, base.ptr);
	n = config_load(&p, &p.repo, conf.ptr, 1, NULL);
	if (n < 0) {
		err = n;
		goto fail;
	}
	p.out->config_failed = n > 0;
	if (!p.out->config_failed &&
	    (err = merge_policy(&p.out->policy, p.repo.doc, NULL)) < 0)
		goto fail;
	if (!p.out->config_failed && str_member(p.repo.doc, "name") &&
	    !(p.out->repository = strdup(str_member(p.repo.doc, "name")))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto fail;
	}
	p.allow_kinds = json_object_get(p.repo.doc, "allowKinds");
	p.allow_secrets =
		json_is_true(json_object_get(p.repo.doc, "allowPlainSecrets"));
	p.crd_version = opts->crd_version;
	if (!p.crd_version && !p.out->config_failed)
		p.crd_version = str_member(p.repo.doc, "crdVersion");
	if (!p.crd_version)
		p.crd_version = FG_CRD_DEFAULT_VERSION;
	if (!fg_crd_version_known(p.crd_version)) {
		err = fg_error_set(FG_EINVALID,
				   "operator version '%s' is not bundled",
				   p.crd_version);
		goto fail;
	}
	p.rules.operator_version = p.crd_version;
	if (!p.out->config_failed) {
		json_t *od = json_object_get(p.repo.doc, "operatorDefaults");

		if (json_is_object(od))
			p.out->operator_defaults = json_incref(od);
	}
	/* the cluster's copy is what the operator runs with; else what the
	   repository declares */
	p.rules.operator_conf = opts->operator_conf ? opts->operator_conf
						    : p.out->operator_defaults;
	p.rules.explain_defaults = 1;
	p.rules.operator_conf_source =
		opts->operator_conf ? (opts->operator_conf_source
					       ? opts->operator_conf_source
					       : "the cluster")
		: p.out->operator_defaults
			? "operatorDefaults in " FG_RENDER_CONFIG_FILE
			: NULL;
	if (!(p.out->crd_version = strdup(p.crd_version))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto fail;
	}

	/* files outside any namespace folder */
	for (i = 0; i < npaths; i++) {
		const char *rel = paths[i] + base.len;
		struct fg_pos nowhere = { 0, 0 };
		if (strchr(rel, '/') ||
		    (!is_yaml_name(rel) && !is_age_name(rel)) ||
		    !strcmp(rel, FG_RENDER_CONFIG_FILE))
			continue;
		fg_diags_add(&p.out->diags, FG_SEV_ERROR, paths[i], nowhere,
			     "manifests belong in a namespace folder "
			     "(<namespace>/%s); only " FG_RENDER_CONFIG_FILE
			     " may sit at the top",
			     rel);
	}

	/* one namespace per top folder; paths are sorted, so they group */
	for (i = 0; i < npaths; i = j) {
		const char *rel = paths[i] + base.len;
		size_t nlen = strcspn(rel, "/");

		for (j = i + 1; j < npaths; j++)
			if (strncmp(paths[j] + base.len, rel, nlen + 1))
				break;
		if (!rel[nlen])
			continue; /* a top-level file */
		if (!ns_selected(opts, rel, nlen))
			continue;
		if ((err = add_ns(p.out, rel, nlen)) < 0)
			goto fail;
		if (p.out->config_failed) {
			/* without its config no namespace can be trusted */
			p.out->ns[p.out->nns - 1].failed = 1;
			continue;
		}
		if ((err = one_namespace(&p, &p.out->ns[p.out->nns - 1], paths,
					 i, j, base.len)) < 0)
			goto fail;
		if (json_object_getn(unlisted, rel, nlen)) {
			struct fg_ns *ns = &p.out->ns[p.out->nns - 1];
			ns->failed = 1;
			ns_clear_objects(ns);
		}
		json_object_deln(unlisted, rel, nlen);
	}
	/* a namespace folder that could not be listed at all (a symlink) */
	json_object_foreach (unlisted, k, v) {
		if (!ns_selected(opts, k, strlen(k)))
			continue;
		if (!strcmp(k, FG_RENDER_CONFIG_FILE) || is_yaml_name(k) ||
		    is_age_name(k))
			continue; /* top-level files, reported already */
		if ((err = add_ns(p.out, k, strlen(k))) < 0)
			goto fail;
		p.out->ns[p.out->nns - 1].failed = 1;
	}
	if (p.out->nns > 1) /* qsort(NULL, 0) is undefined */
		qsort(p.out->ns, p.out->nns, sizeof(*p.out->ns), cmp_ns);
	fg_diags_sort(&p.out->diags);
	fg_diags_dedupe(&p.out->diags);
	*out = p.out;
	p.out = NULL;
	err = 0;
fail:
	json_decref(unlisted);
	fg_source_paths_free(paths, npaths);
	config_release(&p.repo);
	schema_cache_release(&p.schemas);
	fg_desired_free(p.out);
	fg_buf_release(&base);
	fg_buf_release(&conf);
	return err;
}
