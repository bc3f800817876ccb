/*
 * Drift: where the cluster no longer is what Git says, per namespace,
 * field by field, with who changed each field and when (managedFields);
 * objects Git wants that are missing, objects of ours Git no longer has,
 * and Flink deployments the operator rolled back (the cluster runs an
 * older spec than Git). Report-only unless self-healing, which re-applies
 * Git's values and takes the drifted fields back from the other manager.
 */
#ifndef FG_SYNC_DRIFT_H
#define FG_SYNC_DRIFT_H

#include <stddef.h>

#include "render/render.h"
#include "sync/diff.h"
#include "sync/health.h"
#include "sync/ports.h"

enum fg_drift_state {
	FG_DRIFT_IN_SYNC,
	FG_DRIFT_CHANGED,     /* fields differ from Git */
	FG_DRIFT_MISSING,     /* Git wants it, the cluster lacks it */
	FG_DRIFT_UNEXPECTED,  /* ours (inventory), no longer in Git */
	FG_DRIFT_ROLLED_BACK, /* the operator runs an older spec */
};

const char *fg_drift_state_name(enum fg_drift_state s);

struct fg_drift_obj {
	char *group, *kind, *name; /* owned */
	enum fg_drift_state state;
	struct fg_drift fields;		/* CHANGED: every drifted field */
	struct fg_health_report health; /* from the live status */
	json_t *live;			/* owned reference, or NULL */
	/* --self-heal */
	int healed;
	int heal_refused; /* held back on purpose (a nonce), not a failure */
	char *heal_error; /* owned: why it was not healed, or NULL */
};

struct fg_drift_report {
	struct fg_drift_obj *v;
	size_t n, cap;
	size_t drifted;		/* objects not IN_SYNC */
	unsigned long writes;	/* self-heal applies sent */
	unsigned long dry_runs; /* dry-run applies that settled a diff */
	unsigned long lists;	/* LIST requests made */
};

#define FG_DRIFT_REPORT_INIT           \
	{                              \
		NULL, 0, 0, 0, 0, 0, 0 \
	}

struct fg_drift_opts {
	int self_heal; /* re-apply Git's values, forcing drifted fields */
	int dry_run;   /* self-heal with dryRun=All */
};

/*
 * Observe namespace `ns` and compare it with `objs` (n, borrowed, as
 * render made them). Appends to `r`. FG_E* when the namespace could not
 * be observed (nothing was written).
 */
int fg_drift_ns(struct fg_drift_report *r, const struct fg_cluster_port *port,
		const char *ns, const struct fg_object *objs, size_t n,
		const struct fg_drift_opts *opts);

void fg_drift_report_release(struct fg_drift_report *r);

#endif
