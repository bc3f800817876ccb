/*
 * How the Flink operator will act on a change: the operator's DiffType per
 * field (REFERENCE.md section d), and what the result does to a running
 * job (restart from a savepoint, from the last checkpoint, without state,
 * suspend, resume, rescale in place, redeploy a session cluster) or why the
 * operator will reject it.
 *
 * The operator compares the new spec with `lastReconciledSpec`, field by
 * field, so this module does too: per change, by pointer, recursing into
 * the Diffable objects (spec, spec.job, spec.taskManager) and into
 * flinkConfiguration by flat key, whatever granularity the diff used.
 */
#ifndef FG_SYNC_CLASSIFY_H
#define FG_SYNC_CLASSIFY_H

#include <stddef.h>

#include <jansson.h>

#include "sync/bluegreen.h"
#include "sync/model.h"

/* How a job's state survives an UPGRADE, a suspend or a resume. */
enum fg_restart {
	FG_RESTART_NONE = 0,
	FG_RESTART_SAVEPOINT,  /* stop-with-savepoint, restore from it */
	FG_RESTART_LAST_STATE, /* restore from the last checkpoint */
	FG_RESTART_STATELESS,  /* cancel; start from empty state */
	FG_RESTART_REDEPLOY, /* savepoint redeploy from initialSavepointPath */
};

/* Why the operator picks the restart it picks, when it is not plain. */
enum fg_restart_note {
	FG_NOTE_NONE = 0,
	FG_NOTE_VERSION_CHANGE, /* flinkVersion changes: savepoint instead */
	FG_NOTE_NOT_RUNNING, /* savepoint mode, job not running: last-state */
	FG_NOTE_TERMINAL,    /* job terminal: from the recorded snapshot */
	FG_NOTE_SESSION_JOB_CANCEL, /* last-state session job: cancelled */
	FG_NOTE_VERSION_CANCEL,	    /* version change, no savepoint directory:
				   last-state by cancelling the job */
	FG_NOTE_WAITS, /* savepoint mode, job not running, last-state
			  fallback disabled: the upgrade waits */
};

/*
 * What the operator will run a Flink object with beyond its own spec: the
 * session cluster of a session job, and the operator's own configuration
 * (its defaults under every resource's flinkConfiguration). Unknown
 * configuration is assumed to hold state (the safe side).
 */
struct fg_flink_env {
	const json_t *session_cluster;	  /* a session job's FlinkDeployment
					  (Git's, else the cluster's) */
	const json_t *operator_conf;	  /* the operator's configuration, flat
					  or nested, or NULL */
	int operator_conf_known;	  /* operator_conf is what the operator
					  runs with (read or declared) */
	const char *operator_conf_source; /* where it came from, for reasons */
	long long now;			  /* wall clock, seconds; 0 unknown */
	/* a FlinkBlueGreenDeployment's children as the cluster has them
	   ([0] blue, [1] green, NULL: not there), when bg_children_known */
	const json_t *bg_children[2];
	int bg_children_known;
};

/* The value of Flink option `key` for `spec` as the operator sees it: the
 * spec's flinkConfiguration, else the session cluster's, else the
 * operator's. Borrowed, or NULL. */
const json_t *fg_flink_env_conf(const struct fg_flink_env *env,
				const json_t *spec, const char *key);

/*
 * Checkpointing is configured for `spec` (its configuration, the session
 * cluster's, or the operator's): 1 yes, 0 provably not, -1 unknown (the
 * operator's configuration is not known and the spec sets none).
 */
int fg_flink_env_checkpointing(const struct fg_flink_env *env,
			       const json_t *spec);

/*
 * How the operator acts on a change of a FlinkBlueGreenDeployment
 * (BlueGreenDiffType, FlinkBlueGreenDeploymentSpecDiff.compare): the
 * template spec against the one it last acted on, first match wins:
 * SUSPEND / RESUME (job.state), SAVEPOINT_REDEPLOY (the FlinkDeployment
 * diff says so: savepointRedeployNonce), IGNORE (the specs are equal as
 * Java compares them), PATCH_CHILD (the FlinkDeployment diff, in native
 * mode whatever the template's mode, is IGNORE: patched in place on the
 * active child), TRANSITION (everything else: the other colour deployed
 * beside the active one). Changes outside spec.template.spec are IGNORE.
 */
enum fg_bg_diff {
	FG_BG_DIFF_NONE = 0, /* not a FlinkBlueGreenDeployment; a create */
	FG_BG_DIFF_IGNORE,
	FG_BG_DIFF_PATCH_CHILD,
	FG_BG_DIFF_TRANSITION,
	FG_BG_DIFF_SAVEPOINT_REDEPLOY,
	FG_BG_DIFF_SUSPEND,
	FG_BG_DIFF_RESUME,
};

const char *fg_bg_diff_name(enum fg_bg_diff d); /* "TRANSITION", "" */

/* The diff of two template specs (FlinkDeploymentSpecs), `last` what the
 * operator acted on, `next` the new one (either may be NULL: {}). */
int fg_bg_diff_specs(const json_t *last, const json_t *next,
		     enum fg_bg_diff *out);

struct fg_classification {
	enum fg_diff_type type; /* what the operator will do: the highest
				   over the spec against lastReconciledSpec
				   (else over the changes) */
	int flink;		/* FlinkDeployment or FlinkSessionJob */
	int session_job;	/* FlinkSessionJob */
	int session_cluster;	/* FlinkDeployment without spec.job */
	int create;		/* no live object: first apply */
	int first_deploy;    /* live exists, the operator never deployed it */
	int idle;	     /* the job stays suspended: nothing runs */
	int suspend, resume; /* job.state running->suspended, and back */
	enum fg_restart restart; /* how a job's state survives */
	enum fg_restart_note note;
	int session_cluster_redeploy; /* cluster and its jobs redeployed */
	int scale_in_place;	      /* SCALE */
	int scale_to;	    /* new parallelism or replicas; 0 unknown */
	int scale_replicas; /* scale_to counts TaskManager replicas */
	int mode_switch;    /* session<->application, native<->standalone */
	int rejected;	    /* the operator refuses the change (see reason) */
	int pending;	    /* an earlier change is not reconciled yet */
	int scale_fallback; /* a SCALE the cluster cannot do in place: a
				 full upgrade instead (see scale_why) */
	const char *scale_why; /* literal: why not in place */
	int arms_stateless;    /* upgradeMode becomes stateless on a stateful
				 job: the next upgrade drops its state */
	char *reason;	       /* owned: the operator's message when rejected */
	char *savepoint_path;  /* owned: initialSavepointPath that is used */
	size_t changed;	       /* changes that the operator sees at all */
	/* a FlinkBlueGreenDeployment (then `type` maps its diff: TRANSITION
	   and SUSPEND/RESUME UPGRADE, PATCH_CHILD IGNORE; restart, suspend,
	   resume, idle say what happens to the job) */
	int bluegreen;
	enum fg_bg_diff bg_diff;
	enum fg_bg_phase bg_phase;    /* where the operator is with it */
	enum fg_bg_colour bg_active;  /* serving now (NONE: not known) */
	enum fg_bg_colour bg_deploys; /* the colour that gets the spec */
	int bg_in_place;  /* applied to an existing child, not deployed new */
	int bg_waits;	  /* a SUSPEND the operator holds until the
			     transition in progress is done */
	int bg_not_ready; /* the active child is not STABLE with its job
			     RUNNING: the operator refuses the transition */
	char *bg_words;	  /* owned: the plan's words for it */
};

#define FG_CLASSIFICATION_INIT \
	{                      \
		0              \
	}

/*
 * Set changes->v[i].type for every change and fill `out` (which is reset
 * first; release it with fg_classification_release even on failure).
 * `desired` is what Git wants (required), `live` the cluster's object (NULL
 * when creating). Both borrowed.
 *
 * Fields outside spec (metadata, status) are IGNORE for the Flink kinds: the
 * operator diffs spec only. Other kinds (also FlinkStateSnapshot): every
 * change UPGRADE, meaning "update", with no Flink impact (flink = 0).
 *
 * Mode-dependent rows use the deployment mode of the FlinkDeployment; a
 * FlinkSessionJob runs in its session cluster's mode, which fg_classify
 * cannot see and takes as native (the default);
 * fg_classify_session_job gets it from the session cluster object.
 *
 * Returns 0, or FG_EINVALID when `desired` is not an object with a kind.
 */
int fg_classify(const json_t *desired, const json_t *live,
		struct fg_changes *changes, struct fg_classification *out);

/* fg_classify with the session FlinkDeployment (borrowed; may be NULL). */
int fg_classify_session_job(const json_t *desired, const json_t *live,
			    const json_t *session_cluster,
			    struct fg_changes *changes,
			    struct fg_classification *out);

/*
 * fg_classify with the environment the operator runs the object in (NULL:
 * none known). The classification is the operator's: the desired spec
 * against status.reconciliationStatus.lastReconciledSpec when the object
 * was deployed (so a change still pending counts, and `pending` says so),
 * in-place scaling only where the cluster can (standalone: scheduler-mode
 * reactive; native: Flink 1.18+, the adaptive scheduler, in-place scaling
 * enabled, a job that is not terminal), else a full upgrade.
 */
int fg_classify_env(const json_t *desired, const json_t *live,
		    const struct fg_flink_env *env, struct fg_changes *changes,
		    struct fg_classification *out);

void fg_classification_release(struct fg_classification *c);

/*
 * One sentence for a plan ("restarts from a savepoint", "rescales in place
 * to 8", ...), written into buf (always NUL-terminated, cut if too small);
 * returns buf.
 */
const char *fg_classification_words(const struct fg_classification *c,
				    char *buf, size_t bufsz);

const char *fg_restart_name(enum fg_restart r); /* "savepoint", ... */

#endif
