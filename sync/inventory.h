/*
 * The agent's own record of what it applied, one per namespace, after the
 * Kubernetes ApplySet conventions (KEP-3659):
 *
 *   parent: ConfigMap fg_inventory_name(repository) in the namespace, one
 *     per repository (FG_INVENTORY_NAME for the default one, else
 *     FG_INVENTORY_NAME.<repository>), labelled
 *     app.kubernetes.io/managed-by=flink-gitops,
 *     flink-gitops.io/repository=<repository> and
 *     applyset.kubernetes.io/id=<id>, annotated with
 *     applyset.kubernetes.io/tooling=flink-gitops/<version> and
 *     applyset.kubernetes.io/contains-group-kinds=<Kind.group,...>;
 *   members: labelled applyset.kubernetes.io/part-of=<id>;
 *   id: "applyset-" base64url-nopad(sha256("<name>.<ns>.<Kind>.<group>"))
 *       "-v1".
 *
 * Beyond ApplySet, the parent's data key FG_INVENTORY_KEY holds the exact
 * member list, with uids, as sorted compact JSON:
 *   [{"group":"","kind":"ConfigMap","name":"x","uid":"..."}, ...]
 * Prune uses this list and never labels alone: the operator creates
 * objects (FlinkStateSnapshots, Deployments, ConfigMaps) that are not
 * ours, and a label can be copied.
 */
#ifndef FG_SYNC_INVENTORY_H
#define FG_SYNC_INVENTORY_H

#include <stddef.h>

#include <jansson.h>

#define FG_INVENTORY_NAME "flink-gitops-inventory"
#define FG_INVENTORY_NAME_SIZE 64 /* FG_INVENTORY_NAME "." 40 chars, NUL */
#define FG_INVENTORY_LABEL_REPOSITORY "flink-gitops.io/repository"
#define FG_INVENTORY_KEY "members"
#define FG_APPLYSET_LABEL_ID "applyset.kubernetes.io/id"
#define FG_APPLYSET_LABEL_PART_OF "applyset.kubernetes.io/part-of"
#define FG_APPLYSET_ANN_TOOLING "applyset.kubernetes.io/tooling"
#define FG_APPLYSET_ANN_GROUP_KINDS \
	"applyset.kubernetes.io/contains-group-kinds"

/* "applyset-" + 43 base64url characters + "-v1" + NUL */
#define FG_APPLYSET_ID_SIZE 56
/* Bound on what we read back: a ConfigMap holds at most 1 MiB anyway. */
#define FG_INVENTORY_MAX_MEMBERS 20000
#define FG_INVENTORY_MAX_FIELD 512 /* group, kind, name or uid */

struct fg_inv_member {
	char *group, *kind, *name, *uid; /* owned; uid may be "" */
};

struct fg_inventory {
	struct fg_inv_member *v;
	size_t n, cap;
	json_t *index; /* "group/kind/name" -> position in v; private */
};

#define FG_INVENTORY_INIT        \
	{                        \
		NULL, 0, 0, NULL \
	}

/* The ApplySet id of the object `name` of Kind.group in `ns`. */
int fg_applyset_id(char out[FG_APPLYSET_ID_SIZE], const char *name,
		   const char *ns, const char *kind, const char *group);

/*
 * The inventory ConfigMap's name for `repository` (NULL or "default":
 * FG_INVENTORY_NAME). FG_EINVALID for a name that does not fit.
 */
int fg_inventory_name(char out[FG_INVENTORY_NAME_SIZE], const char *repository);

/* The ApplySet id of inventory ConfigMap `name` in `ns`. */
int fg_inventory_id(char out[FG_APPLYSET_ID_SIZE], const char *ns,
		    const char *name);

/*
 * Read the member list of inventory ConfigMap `cm` (borrowed; NULL gives
 * an empty inventory) into `inv` (initialised by the caller). FG_EINVALID
 * with a message when the data is not a member list we wrote.
 */
int fg_inventory_parse(struct fg_inventory *inv, const json_t *cm);

/* Add a member (strings copied); a member with the same group, kind and
 * name is replaced. */
int fg_inventory_add(struct fg_inventory *inv, const char *group,
		     const char *kind, const char *name, const char *uid);

/* The member group/kind/name, or NULL (borrowed). */
const struct fg_inv_member *fg_inventory_find(const struct fg_inventory *inv,
					      const char *group,
					      const char *kind,
					      const char *name);

/* Sort by group, kind, name. */
void fg_inventory_sort(struct fg_inventory *inv);

/*
 * The inventory ConfigMap `name` of `repository` in `ns` for `inv`
 * (sorted first), as it is applied: *out a new object. `tooling` is
 * "flink-gitops/<version>".
 */
int fg_inventory_to_configmap(json_t **out, struct fg_inventory *inv,
			      const char *ns, const char *name,
			      const char *repository, const char *tooling);

/* 1 when live ConfigMap `live` (may be NULL) already says what `want`
 * says: same member list, labels and annotations. */
int fg_inventory_same(const json_t *live, const json_t *want);

void fg_inventory_release(struct fg_inventory *inv);

/*
 * What is applied for a member: a copy of `obj` carrying the part-of
 * label of inventory `id` (every apply of a member must send it, or
 * server-side apply would drop the label and the object would no longer
 * look like ours).
 */
int fg_inventory_member_object(json_t **out, const json_t *obj, const char *id);

#endif
