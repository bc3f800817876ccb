/*
 * Apply: one pass for one rendered namespace, through the cluster port.
 *
 *   observe: LIST each kind involved once (the desired kinds, the
 *     inventory's kinds, ConfigMap for the inventory itself); no GET per
 *     object;
 *   decide per desired object: create (absent), update (the live
 *     flink-gitops.io/desired-hash differs, or the live object lacks our
 *     applyset part-of label), noop (same hash): an unchanged repository
 *     makes no write request at all;
 *   apply in fg_apply_rank order (supporting kinds, session clusters,
 *     application clusters, session jobs, snapshots), server-side, each
 *     member labelled applyset.kubernetes.io/part-of=<inventory id>;
 *   prune the inventory members no longer desired, in reverse order, with
 *     their uid as precondition, and only while the live object still
 *     carries our part-of and managed-by labels. Until the policy engine
 *     exists, deleting a FlinkDeployment or FlinkSessionJob is blocked
 *     unless allow_delete: a Flink job's checkpoint history dies with it;
 *   record the inventory, written only when its content changes.
 *
 * One object's failure does not stop the others. A failed LIST (or an
 * unreadable inventory) stops the pass before any write: the namespace
 * is not touched.
 */
#ifndef FG_SYNC_APPLY_H
#define FG_SYNC_APPLY_H

#include <stddef.h>

#include "render/render.h"
#include "sync/ports.h"

enum fg_apply_action {
	FG_ACT_NOOP,
	FG_ACT_CREATE,
	FG_ACT_UPDATE,
	FG_ACT_PRUNE,
	FG_ACT_INVENTORY, /* the inventory ConfigMap itself */
};

enum fg_apply_outcome {
	FG_OUT_OK,
	FG_OUT_FAILED,
	FG_OUT_BLOCKED, /* a safety rule held it back; message says which */
	FG_OUT_SKIPPED, /* nothing to do after all (e.g. no longer ours) */
};

const char *fg_apply_action_name(enum fg_apply_action a);   /* "create" */
const char *fg_apply_outcome_name(enum fg_apply_outcome o); /* "ok" */

struct fg_apply_result {
	char *group, *kind, *name; /* owned */
	enum fg_apply_action action;
	enum fg_apply_outcome outcome;
	char *message; /* owned, NULL when there is nothing to say */
};

struct fg_apply_report {
	struct fg_apply_result *v;
	size_t n, cap;
	unsigned long writes; /* apply and delete requests sent */
	size_t failed, blocked;
};

#define FG_APPLY_REPORT_INIT        \
	{                           \
		NULL, 0, 0, 0, 0, 0 \
	}

void fg_apply_report_release(struct fg_apply_report *r);

struct fg_apply_opts {
	int dry_run;	     /* every write with dryRun=All; inventory kept */
	int allow_delete;    /* prune FlinkDeployments and FlinkSessionJobs */
	const char *tooling; /* "flink-gitops/<version>" for the inventory */
};

/*
 * Sync namespace `ns` to `objs` (n objects, borrowed, as render made
 * them; n 0 prunes everything the inventory holds). Results are appended
 * to `rep`. Returns 0 when the pass ran (object failures are in `rep`),
 * or a negative FG_E* code when the namespace could not be observed and
 * nothing was written.
 */
int fg_apply_ns(struct fg_apply_report *rep, const struct fg_cluster_port *port,
		const char *ns, const struct fg_object *objs, size_t n,
		const struct fg_apply_opts *opts);

/*
 * The namespaces holding an inventory of ours (one LIST of ConfigMaps
 * across all namespaces by label): *out a new JSON array of names, in
 * the server's order (by namespace), each once.
 */
int fg_apply_inventory_namespaces(const struct fg_cluster_port *port,
				  json_t **out);

#endif
