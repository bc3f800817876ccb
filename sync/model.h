/*
 * The sync core's shared vocabulary: what an object is (its reference),
 * what a difference between Git and the cluster is (a field change), and
 * how the operator will act on a change (its diff type). Pure data; the
 * core reaches the cluster only through ports (later: sync/ports.h).
 */
#ifndef FG_SYNC_MODEL_H
#define FG_SYNC_MODEL_H

#include <stddef.h>

#include <jansson.h>

/* Which object: "apps/Deployment ns/name"; group "" for the core group. */
struct fg_obj_ref {
	const char *group; /* borrowed from the object, or a literal */
	const char *kind;
	const char *ns; /* NULL for cluster-scoped */
	const char *name;
};

/*
 * How the Flink operator acts on a spec change (REFERENCE.md section d),
 * ordered: the result of several changes is the highest.
 */
enum fg_diff_type {
	FG_DIFF_IGNORE = 0,
	FG_DIFF_SCALE = 1,
	FG_DIFF_UPGRADE = 2,
	FG_DIFF_SAVEPOINT_REDEPLOY = 3,
};

const char *fg_diff_type_name(enum fg_diff_type t); /* "IGNORE", ... */

/*
 * One difference: the field (RFC 6901 pointer into the object, and the
 * dotted form users read), what Git wants and what the cluster has. NULL
 * means absent (Git removes a field it used to set; or the cluster lacks
 * one Git sets). `type` is filled in by classification.
 */
struct fg_field_change {
	char *pointer; /* owned, "/spec/job/parallelism" */
	char *field;   /* owned, "spec.job.parallelism" */
	json_t *desired;
	json_t *live; /* owned references (json_incref'd), or NULL */
	enum fg_diff_type type;
};

struct fg_changes {
	struct fg_field_change *v;
	size_t n, cap;
};

#define FG_CHANGES_INIT    \
	{                  \
		NULL, 0, 0 \
	}

/* Append a change; takes new references to desired/live (may be NULL). */
int fg_changes_add(struct fg_changes *c, const char *pointer, json_t *desired,
		   json_t *live);
void fg_changes_release(struct fg_changes *c);

#endif
