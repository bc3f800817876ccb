/*
 * Diff: what Git sets (the rendered object) against what the cluster has
 * (the object as GET/LIST returns it), with server-side-apply subset
 * semantics, and who changed a field last (managedFields).
 *
 * Rules (issue 7, part 2):
 *
 * - A field counts only if Git sets it, or if our field manager owned it
 *   (its Apply entry in live.metadata.managedFields) and Git no longer
 *   sets it: SSA removes such a field, so it is a change with desired
 *   NULL. A field co-owned by another manager is not removed by SSA and
 *   is not reported. Fields someone else added that Git never set are
 *   not changes.
 * - Ignored: apiVersion, kind, status, metadata.name/namespace (identity),
 *   metadata.managedFields and the server-set metadata (uid,
 *   resourceVersion, generation, creationTimestamp, selfLink,
 *   deletionTimestamp, deletionGracePeriodSeconds, finalizers and
 *   ownerReferences unless Git sets them), the kubectl last-applied
 *   annotation, the `target.session` label on FlinkSessionJobs (the
 *   operator's webhook sets it), spec.taskManager.replicas when an HPA
 *   owns it (opts->hpa_owns_replicas).
 * - Nonces need no rule: the operator never writes them back to spec (it
 *   records the consumed value in status.reconciliationStatus, which is
 *   ignored), so a spec nonce differs only when someone changed it.
 * - spec.flinkConfiguration compares flat (live may be nested or flat),
 *   every value as the operator's string: 2 == "2", lists as "a;b".
 * - Numbers compare by value: 1 == 1.0.
 * - Lists are atomic: compared whole, one change at the list's pointer.
 *   This is exact for the Flink CRDs (their schemas carry no
 *   x-kubernetes-list-type, so the API server treats every list as
 *   atomic); for built-in kinds with list-type map it is stricter than
 *   SSA (server defaults inside items show up) - a server-side dry-run
 *   result passed as `desired` settles those.
 * - Empty map, empty list and null equal absent, in both directions and
 *   at any depth: built-in types drop them on the round trip, and for
 *   the CRDs an empty value means the same as none to the operator.
 *
 * Changes are leaves: a map is descended into, so a subtree Git adds
 * (or drops) gives one change per scalar or list inside it.
 */
#ifndef FG_SYNC_DIFF_H
#define FG_SYNC_DIFF_H

#include <stddef.h>

#include <jansson.h>

#include "sync/model.h"

struct fg_diff_opts {
	const char *manager;   /* our field manager, NULL = "flink-gitops" */
	int hpa_owns_replicas; /* an HPA targets this FlinkDeployment:
				  spec.taskManager.replicas is not drift */
};

/*
 * Append one fg_field_change per leaf difference between `desired` and
 * `live` (both borrowed, not changed) to `out`, in a stable order (Git's
 * fields in the order its object holds them, then removals in
 * managedFields order). `live` NULL
 * means the object does not exist: every field Git sets is a change.
 * Values in the changes are flinkConfiguration-flattened where they lie
 * under spec.flinkConfiguration. FG_EINVALID when desired is not an
 * object; on error `out` keeps what was appended before.
 */
int fg_diff(const json_t *desired, const json_t *live,
	    const struct fg_diff_opts *opts, struct fg_changes *out);

/*
 * Which manager last set the field at `pointer` (RFC 6901, into `live`)
 * and when, from live.metadata.managedFields: the entry whose fieldsV1
 * holds the field itself or an ancestor owned whole (an atomic list or
 * map), the newest by `time` when several do. A flat flinkConfiguration
 * key also matches a nested owner ("f:state": {"f:checkpoints.dir"}).
 * `*manager` and `*time` are borrowed from `live` (time may be NULL when
 * the entry has none). FG_ENOTFOUND, with both NULL, when no entry owns
 * it (for instance a field someone removed).
 */
int fg_field_owner(const json_t *live, const char *pointer,
		   const char **manager, const char **time);

/*
 * 1 when a field manager other than `manager`'s Apply set (NULL:
 * "flink-gitops") owns the field at `pointer` in `live`, an ancestor of
 * it whole (an atomic value), or anything under it: any operation, on
 * the main resource or a subresource other than status (the scale
 * subresource an HPA writes counts). *who (when not NULL) is that
 * manager's name, borrowed from `live`. The API server's own rewrites
 * (defaulting, normalised values) have no manager: a difference on a
 * field nobody else touches is not someone's change. 1, 0, or FG_ERROR
 * when memory ran out.
 */
int fg_field_touched_by_others(const json_t *live, const char *pointer,
			       const char *manager, const char **who);

/*
 * Fields `manager` owns in `live` through server-side apply (its entries
 * with operation Apply on the main resource, not a subresource), as JSON
 * pointers into `live`, in fieldsV1 order: every member of the set, that
 * is the leaves and the nodes marked ".". Keyed ("k:") and set ("v:")
 * list items become the index of the matching item in live; items no
 * longer in live are left out. `*pointers_out` is a new array of strings.
 */
int fg_owned_fields(const json_t *live, const char *manager,
		    json_t **pointers_out);

/*
 * An object the operator made that is not ours (FlinkStateSnapshots it
 * triggers, JobManager Deployments...): a controller ownerReference to a
 * flink.apache.org object, or a FlinkStateSnapshot with the operator's
 * `snapshot.trigger-type` label, and no field owned by `manager`
 * (NULL = "flink-gitops"). Such objects are neither drift nor pruned.
 */
int fg_diff_operator_created(const json_t *live, const char *manager);

/*
 * Drift report model (issue 7, part 8): each changed field with both
 * values and the manager that changed it last, when known.
 */
struct fg_drift_item {
	char *field;	 /* owned, "spec.job.parallelism" */
	char *pointer;	 /* owned, "/spec/job/parallelism" */
	json_t *desired; /* owned references, or NULL (absent) */
	json_t *live;
	const char *manager; /* borrowed from live, NULL when unknown */
	const char *time;    /* borrowed from live, NULL when unknown */
};

struct fg_drift {
	struct fg_drift_item *v;
	size_t n, cap;
};

#define FG_DRIFT_INIT      \
	{                  \
		NULL, 0, 0 \
	}

/*
 * Append one item per change in `changes`, attributed through
 * fg_field_owner on `live` (borrowed; it must outlive `out`, which
 * borrows its strings). `live` NULL leaves every attribution unknown.
 */
int fg_drift_build(struct fg_drift *out, const struct fg_changes *changes,
		   const json_t *live);
void fg_drift_release(struct fg_drift *d);

#endif
