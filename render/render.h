/*
 * Render: a repository (through a source) -> the desired set, per
 * namespace, exactly as it will be applied; and every problem found on
 * the way, all at once.
 *
 * One pass, the same for `validate`, `render` and (later) every sync:
 *   list files -> load YAML (`*.age` files decrypted first, render/age.h:
 *   they may hold Secrets only, allowed whatever allowPlainSecrets says)
 *   -> repo and namespace config -> per object:
 *   kind and namespace checks, defaults (repo -> namespace -> object, deep
 *   merge, lists replace), flinkConfiguration flattened, ${VAR}
 *   substitution, schema (CRD) and operator rules, cross-object rules ->
 *   labels, source and desired-hash annotations.
 *
 * A namespace with any error is marked failed: its objects are not in the
 * result, so it is neither applied nor pruned; other namespaces go on.
 * A file that fails never looks like a deletion.
 */
#ifndef FG_RENDER_RENDER_H
#define FG_RENDER_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "render/base/diag.h"
#include "render/source.h"

#define FG_RENDER_CONFIG_FILE "flink-gitops.yaml"
#define FG_RENDER_NS_CONFIG_FILE "_defaults.yaml"
#define FG_RENDER_CONFIG_API "flink-gitops.io/v1alpha1"

#define FG_LABEL_MANAGED_BY "app.kubernetes.io/managed-by"
#define FG_MANAGER "flink-gitops"
#define FG_ANNOTATION_SOURCE "flink-gitops.io/source"
#define FG_ANNOTATION_HASH "flink-gitops.io/desired-hash"

struct fg_age_identities;

struct fg_render_opts {
	const char *path;    /* folder of the repository to read, "" = root */
	const char *only_ns; /* render one namespace, NULL = all */
	const char *crd_version; /* NULL = repo config, else the default */
	const char *origin;	 /* "repo@commit" for the source annotation,
				    NULL for a plain folder */
	/* the operator's configuration as read from the cluster (borrowed,
	   NULL: none): validation runs with it, over operatorDefaults */
	const json_t *operator_conf;
	const char *operator_conf_source; /* "ConfigMap ns/name" */
	/* borrowed: the identities that decrypt `*.age` files (render/age.h);
	   NULL = none given, and every .age file fails its namespace */
	const struct fg_age_identities *age_ids;
	/* render only these namespaces (with only_ns, if set); n 0: all */
	const char *const *namespaces;
	size_t nnamespaces;
};

struct fg_object {
	json_t *obj; /* owned: the object as it will be applied */
	char *file;  /* relative path of the file it came from */
	struct fg_pos pos;
	const char *kind, *name; /* borrowed from obj */
	char hash[65];		 /* hex SHA-256 of the canonical form */
};

struct fg_ns {
	char *name;
	int failed;	/* any error here: no objects, no apply, no prune */
	json_t *policy; /* owned: the repo's `policy:` map with this
			   namespace's keys over it; NULL when neither sets
			   one (sync/policy.h reads it) */
	struct fg_object *objs;
	size_t n, cap;
};

struct fg_desired {
	struct fg_ns *ns; /* sorted by name */
	size_t nns;
	char *crd_version; /* the operator release validated against */
	struct fg_diags diags;
	int config_failed; /* flink-gitops.yaml itself is broken */
	json_t *policy;	   /* owned: flink-gitops.yaml's `policy:`, or NULL
			      (for namespaces that no longer render) */
	char *repository;  /* owned: flink-gitops.yaml's `name:`, or NULL */
	json_t *operator_defaults; /* owned: flink-gitops.yaml's
				      `operatorDefaults:`, or NULL */
};

int fg_render(struct fg_desired **out, struct fg_source *src,
	      const struct fg_render_opts *opts);
void fg_desired_free(struct fg_desired *d);

/* Apply order rank of an object: supporting kinds, session clusters,
 * application clusters (FlinkBlueGreenDeployments with them), session
 * jobs, snapshots. */
int fg_apply_rank(const json_t *obj);

/*
 * A FlinkBlueGreenDeployment (group flink.apache.org) runs its job in
 * FlinkDeployments the operator makes from it, its "children": their spec
 * is its spec.template.spec. These name where a Flink object keeps its
 * FlinkDeploymentSpec: "/spec/template/spec" for a
 * FlinkBlueGreenDeployment, "/spec" for any other object.
 */
#define FG_BLUEGREEN_KIND "FlinkBlueGreenDeployment"
int fg_is_bluegreen(const json_t *obj);
const char *fg_flink_spec_pointer(const json_t *obj);
/* The object at fg_flink_spec_pointer(obj), borrowed, or NULL. */
const json_t *fg_flink_spec(const json_t *obj);

/*
 * Canonical form used for hashing and comparing: JSON, sorted keys,
 * compact. `hex` receives 64 hex characters and a NUL.
 */
int fg_object_hash(const json_t *obj, char hex[65]);

#endif
