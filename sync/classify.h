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
};

struct fg_classification {
	enum fg_diff_type type; /* highest over all changes */
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
	int scale_to;	      /* new parallelism or replicas; 0 unknown */
	int scale_replicas;   /* scale_to counts TaskManager replicas */
	int mode_switch;      /* session<->application, native<->standalone */
	int rejected;	      /* the operator refuses the change (see reason) */
	char *reason;	      /* owned: the operator's message when rejected */
	char *savepoint_path; /* owned: initialSavepointPath that is used */
	size_t changed;	      /* changes that the operator sees at all */
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
