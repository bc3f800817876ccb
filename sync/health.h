/*
 * Flink-aware health, from the status the operator writes (REFERENCE.md
 * sections a, b, i), for FlinkDeployment, FlinkSessionJob and
 * FlinkStateSnapshot; any other kind is Healthy when present.
 *
 * Order of the rules, first match wins (FlinkDeployment, FlinkSessionJob):
 *  1. no live object                              -> Missing
 *  2. status not an object, unknown lifecycle     -> Unknown
 *  3. being deleted (deletionTimestamp, DELETING/DELETED) -> Progressing
 *  4. never deployed (no lastReconciledSpec) and the spec says suspended
 *     (the operator deploys nothing, ever)        -> Suspended, unless
 *     status.error says the operator rejected it -> Degraded
 *  5. no status at all                            -> Progressing: the
 *     operator has not looked at it yet (if no operator runs, it stays so;
 *     telling "slow" from "absent" needs time, which the caller has)
 *  6. metadata.generation > status.observedGeneration -> Progressing,
 *     except when status.error holds a ValidationException (the operator
 *     rejected that generation and will not observe it) or says "manual
 *     restore required" (a FAILED job whose upgrade the operator refuses:
 *     it stays behind forever) -> Degraded, and a suspended job that is
 *     to stay suspended (the operator does not observe its edits) ->
 *     Suspended
 *  7. lifecycleState (derived from the other fields as the operator does
 *     when the stored one is absent):
 *       FAILED -> Degraded; ROLLED_BACK -> Degraded + drifted_rollback;
 *       CREATED, UPGRADING, ROLLING_BACK -> Progressing;
 *       SUSPENDED -> Suspended;
 *       DEPLOYED, STABLE -> by job state and JobManager status:
 *         JM ERROR, job FAILED                  -> Degraded
 *         job FINISHED (a batch job done)       -> Healthy
 *         STABLE, job FAILING/RESTARTING        -> Degraded (restart loop)
 *         STABLE, job CANCELED while spec runs  -> Degraded
 *         job RESTARTING/FAILING longer than FG_HEALTH_RESTART_BOUND_S
 *           since the deployment (reconciliationTimestamp) -> Degraded
 *         STABLE and job RUNNING (or a session cluster) -> Healthy
 *         anything else                         -> Progressing
 * A non-empty status.error is parsed (its JSON `message`) into the message
 * even when the verdict is Healthy.
 */
#ifndef FG_SYNC_HEALTH_H
#define FG_SYNC_HEALTH_H

#include <jansson.h>

enum fg_health {
	FG_HEALTH_HEALTHY,
	FG_HEALTH_PROGRESSING,
	FG_HEALTH_SUSPENDED,
	FG_HEALTH_DEGRADED,
	FG_HEALTH_MISSING,
	FG_HEALTH_UNKNOWN,
};

/* Longest message kept; the operator's errors can carry stack traces. */
#define FG_HEALTH_MESSAGE_MAX 1024
/* Largest status.error / lastReconciledSpec string we parse as JSON. */
#define FG_STATUS_JSON_MAX ((size_t)2 << 20)

/*
 * A JSON text the operator keeps in a status string (lastReconciledSpec,
 * error): 0 with *out the value (new reference), or NULL when `s` is
 * NULL, longer than FG_STATUS_JSON_MAX or not JSON; FG_ERROR when memory
 * ran out, which callers must not take for "absent" where a decision
 * rests on it.
 */
int fg_operator_json(json_t **out, const char *s);

struct fg_health_report {
	enum fg_health health;
	char *message;	      /* owned; why, never NULL after success */
	int drifted_rollback; /* ROLLED_BACK: runs an older spec than Git */
};

#define FG_HEALTH_REPORT_INIT \
	{                     \
		0             \
	}

/*
 * Health of `live` (borrowed; NULL -> Missing). `desired` (borrowed, may be
 * NULL) is what Git wants: it decides whether a suspended job is meant to
 * be suspended. `out` is reset first. Returns 0 or FG_ERROR (memory).
 */
int fg_health_of(const json_t *live, const json_t *desired,
		 struct fg_health_report *out);

/* A job RESTARTING (or FAILING) this long after its deployment is
 * Degraded, not Progressing forever. */
#define FG_HEALTH_RESTART_BOUND_S 600

/*
 * fg_health_of with what health needs beyond the object: for a session
 * job its session cluster as the cluster has it (borrowed, NULL: none
 * there), whose health is part of the job's (`cluster_known` 0: not
 * looked up); `now` the wall clock in seconds (0: unknown), which bounds
 * how long a job may restart before it is Degraded.
 */
int fg_health_of_env(const json_t *live, const json_t *desired,
		     const json_t *session_cluster, int cluster_known,
		     long long now, struct fg_health_report *out);
/*
 * A FlinkBlueGreenDeployment (sync/bluegreen.h), from status.blueGreenState,
 * jobStatus.state and error, first match wins:
 *  - deletionTimestamp                                -> Progressing
 *  - no blueGreenState                                -> Progressing
 *  - a blueGreenState the operator does not write     -> Unknown
 *  - INITIALIZING_BLUE, job SUSPENDED (created suspended: the operator
 *    deploys nothing)                                 -> Suspended
 *  - ACTIVE_X with an error "Aborting deployment ..." (the transition to
 *    the other colour was aborted after abort.grace-period, back to X) or
 *    "Transition to Y not possible ..." (the operator recorded the spec
 *    without deploying it), and the spec it recorded is the cluster's
 *                               -> Degraded + drifted_rollback: X runs the
 *                                  spec before Git's
 *  - any other error (a savepoint that could not be triggered ...),
 *    job FAILED or FAILING                            -> Degraded
 *  - ACTIVE_X and the cluster's template differs from lastReconciledSpec
 *    as the operator diffs them (a change not acted on yet) -> Progressing
 *  - ACTIVE_X, job SUSPENDED                          -> Suspended
 *  - ACTIVE_X, job RUNNING -> Healthy, unless its child NAME-X (when the
 *    children are known) is missing or Degraded (Degraded) or not yet
 *    Healthy (Progressing)
 *  - SAVEPOINTING_X, TRANSITIONING_TO_X, INITIALIZING_BLUE -> Progressing,
 *    naming the step and, when known, the health of the child deployed
 * `children` ([0] blue, [1] green, NULL when absent) are the parent's
 * children as the cluster has them, when `children_known`.
 */
int fg_health_of_bluegreen(const json_t *live, const json_t *desired,
			   const json_t *const children[2], int children_known,
			   long long now, struct fg_health_report *out);
void fg_health_report_release(struct fg_health_report *r);
const char *fg_health_name(enum fg_health h); /* "Healthy", ... */

/*
 * The spec the operator last reconciled, parsed out of
 * status.reconciliationStatus.lastReconciledSpec (new reference in *out),
 * or *out = NULL when there is none (never deployed) or it cannot be
 * parsed. Returns 0, or FG_ERROR when memory runs out.
 */
int fg_last_reconciled_spec(json_t **out, const json_t *live);

/*
 * The operator's message in a status.error string: the `message` of its
 * JSON FlinkResourceException, with the root cause (the last of its
 * throwableList, e.g. `serviceaccounts "flink" not found`) after it
 * unless the message already holds it; or the string itself when it is
 * not JSON. Written into buf (NUL-terminated; when it must be cut, the
 * top message is cut and the root cause kept); returns buf.
 */
const char *fg_operator_error_message(const char *error, char *buf,
				      size_t bufsz);

#endif
