/*
 * Apply: one pass for one rendered namespace, through the cluster port,
 * deciding with the same policy as plan (sync/policy.h).
 *
 *   observe: LIST each kind involved once (the desired kinds, the
 *     inventory's kinds, ConfigMap for the inventory itself); no GET per
 *     object;
 *   namespace rule: a namespace that renders to nothing while its
 *     inventory holds objects is not touched unless policy prune: true;
 *   decide per desired object: create (absent), update (the live
 *     flink-gitops.io/desired-hash differs, or the live object lacks our
 *     applyset part-of label), noop (same hash): an unchanged repository
 *     makes no write request at all. An update of a FlinkDeployment or
 *     FlinkSessionJob is diffed and classified as the operator will act
 *     on it and held back (blocked, with the reason) when policy says so:
 *     a stateless restart of a stateful job, a mode switch;
 *   apply in fg_apply_rank order (supporting kinds, session clusters,
 *     application clusters, session jobs, snapshots), server-side, each
 *     member labelled applyset.kubernetes.io/part-of=<inventory id>. A
 *     conflict with another field manager is reported (fields and
 *     managers) and forced only with policy force;
 *   prune the inventory members no longer desired, in reverse order, with
 *     their uid as precondition, and only while the live object still
 *     carries our part-of and managed-by labels; a running Flink job by
 *     its policy (the annotation read from the live object): blocked,
 *     allowed, or suspend-first (suspend with a savepoint through
 *     FG_APPLY_SUSPEND_MANAGER, wait until the status shows SUSPENDED
 *     and a savepoint, then delete). A session cluster is deleted only
 *     once the session jobs on it are gone (GET answers 404);
 *   record the inventory, written only when its content changes.
 *
 * Waits are bounded by opts->wait_ms; a wait that runs out leaves the
 * object (and its inventory entry) for the next pass, which continues
 * from what the cluster shows. One object's failure does not stop the
 * others. A failed LIST (or an unreadable inventory) stops the pass
 * before any write: the namespace is not touched.
 */
#ifndef FG_SYNC_APPLY_H
#define FG_SYNC_APPLY_H

#include <stddef.h>

#include "render/render.h"
#include "sync/policy.h"
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
	/* the namespace rules: BLOCK means nothing was applied or pruned */
	struct fg_verdict ns_verdict;
};

#define FG_APPLY_REPORT_INIT \
	{                    \
		0            \
	}

void fg_apply_report_release(struct fg_apply_report *r);

/* Field manager of the suspend-first patch (job.state, upgradeMode). */
#define FG_APPLY_SUSPEND_MANAGER "flink-gitops-suspend"
#define FG_APPLY_WAIT_MS 300000L /* default bound of one wait */
#define FG_APPLY_POLL_MS 500L	 /* default pause between GETs of a wait */

struct fg_apply_opts {
	int dry_run;	     /* every write with dryRun=All; inventory kept */
	const char *tooling; /* "flink-gitops/<version>" for the inventory */
	/* the namespace's merged `policy:` map (borrowed, NULL: defaults) */
	const json_t *policy;
	/* run overrides (the CLI's): as if policy said delete: allow, or
	   prune: true, for every object of this pass */
	int allow_delete;
	int allow_prune;
	long wait_ms; /* bound of each wait; 0: FG_APPLY_WAIT_MS */
	long poll_ms; /* between GETs while waiting; 0: FG_APPLY_POLL_MS */
};

/*
 * Sync namespace `ns` to `objs` (n objects, borrowed, as render made
 * them; n 0 prunes everything the inventory holds, if policy lets it).
 * Results are appended to `rep`. Returns 0 when the pass ran (object
 * failures and blocks are in `rep`), or a negative FG_E* code when the
 * namespace could not be observed, or its policy map is invalid, and
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
