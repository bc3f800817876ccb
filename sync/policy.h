/*
 * Policy: the state-safety rules of a pass (issue 7, part 4), default
 * deny, each a pure function that answers allow or block with a reason.
 *
 *   (a) an UPGRADE, suspend or resume that restarts a job without its
 *       state (for a FlinkBlueGreenDeployment: a TRANSITION that deploys
 *       the new colour without state, a SUSPEND or RESUME of its child
 *       in a stateless mode): the running spec (lastReconciledSpec, else the live spec)
 *       is `savepoint` or `last-state` and the restart is stateless, or
 *       checkpointing is configured (execution.checkpointing.interval,
 *       state.checkpoints.dir, execution.checkpointing.dir, in the
 *       desired or the running flinkConfiguration) and the restart is
 *       stateless. Override: allowStatelessUpgrade /
 *       `allow-stateless-upgrade`.
 *   (b) deleting a FlinkDeployment with a job or a FlinkSessionJob whose
 *       job runs (status.jobStatus.state not terminal; without a job
 *       state, lifecycleState not SUSPENDED and spec.job.state not
 *       suspended). Override: delete suspend-first (the verdict says
 *       so, the apply step runs the sequence) or allow. Deleting a
 *       FlinkBlueGreenDeployment deletes its children (ownerReferences):
 *       each is checked as the FlinkDeployment it is.
 *   (c) a change the operator rejects (mode switch session<->application
 *       or native<->standalone, ...): blocked with the operator's reason
 *       from the classification; no override (delete and re-create).
 *   (d) a namespace that renders to nothing while the cluster has
 *       managed objects there: nothing pruned. Override: prune: true.
 *   (e) a namespace that failed to render: untouched; no override.
 *   (f) a server-side apply that conflicts with another field manager
 *       (someone else owns a field Git sets, with another value): not
 *       forced; the conflict is reported. Override: force: true /
 *       `force` (take the fields over).
 *   (g) a namespace that does not exist in the cluster: not created, its
 *       objects held back. Override: createNamespace: true (as Argo
 *       CD's CreateNamespace), or --create-namespace for one run.
 *
 * Overrides come from Git: the `policy:` map of the repository and
 * namespace config (render gives it merged, fg_ns.policy) and, per
 * object, the annotation FG_POLICY_ANNOTATION, a comma list of
 * `allow-stateless-upgrade`, `delete=block|suspend-first|allow`, `force`,
 * `move=block|savepoint|allow`.
 *
 *   (g) a rename or a move to another namespace of a job with state (a
 *       create and, in the same pass, the delete of the object it
 *       replaces; see sync/move.c): the new job would start empty.
 *       Blocked, both halves. Overrides: move: savepoint (the old job is
 *       suspended with a savepoint, the new one created from it, then
 *       the old one deleted), move: allow (starts empty); or Git sets
 *       spec.job.initialSavepointPath itself.
 */
#ifndef FG_SYNC_POLICY_H
#define FG_SYNC_POLICY_H

#include <stddef.h>

#include <jansson.h>

#include "sync/classify.h"

#define FG_POLICY_ANNOTATION "flink-gitops.io/policy"
#define FG_POLICY_ANNOTATION_MAX 1024 /* bytes of the annotation read */

enum fg_delete_policy {
	FG_DELETE_BLOCK = 0,
	FG_DELETE_SUSPEND_FIRST,
	FG_DELETE_ALLOW,
};

/* A rename or a move to another namespace of a job (a delete and a
 * create): held back, carried out with a savepoint, or let through. */
enum fg_move_policy {
	FG_MOVE_BLOCK = 0,
	FG_MOVE_SAVEPOINT, /* the new object restores from the old one's */
	FG_MOVE_ALLOW,	   /* the new job starts empty */
};

struct fg_policy {
	int allow_stateless_upgrade;
	enum fg_delete_policy del;
	int prune; /* prune a namespace that renders to nothing */
	int force; /* take over fields another field manager owns */
	enum fg_move_policy move;
	int create_namespace; /* create a namespace that does not exist */
};

#define FG_POLICY_INIT                                     \
	{                                                  \
		0, FG_DELETE_BLOCK, 0, 0, FG_MOVE_BLOCK, 0 \
	}

enum fg_rule {
	FG_RULE_NONE = 0,
	FG_RULE_STATELESS_UPGRADE,  /* (a) */
	FG_RULE_DELETE_RUNNING,	    /* (b) */
	FG_RULE_REJECTED,	    /* (c) */
	FG_RULE_EMPTY_NAMESPACE,    /* (d) */
	FG_RULE_FAILED_NAMESPACE,   /* (e) */
	FG_RULE_BAD_POLICY,	    /* the annotation itself is wrong */
	FG_RULE_CONFLICT,	    /* (f) */
	FG_RULE_NONCE,		    /* a nonce changed outside Git */
	FG_RULE_OWNED_ELSEWHERE,    /* another repository manages it */
	FG_RULE_RESERVED,	    /* a name flink-gitops keeps for itself */
	FG_RULE_MOVE,		    /* a rename or move would start empty */
	FG_RULE_NAMESPACE_MISSING,  /* (g) */
	FG_RULE_NO_SESSION_CLUSTER, /* a session job's cluster is nowhere */
};

enum fg_verdict_kind {
	FG_VERDICT_ALLOW = 0,
	FG_VERDICT_SUSPEND_FIRST, /* allowed as: suspend, then delete */
	FG_VERDICT_BLOCK,
};

struct fg_verdict {
	enum fg_verdict_kind kind;
	enum fg_rule rule;   /* the rule that blocked, or that an override
				let through (then kind != BLOCK) */
	int overridden;	     /* a rule matched and a policy let it pass */
	char reason[512];    /* "stateless upgrade would drop state", "" */
	const char *unblock; /* how to let it through, a literal, or NULL */
};

const char *fg_delete_policy_name(enum fg_delete_policy d); /* "block" */
const char *fg_move_policy_name(enum fg_move_policy m);	    /* "block" */
const char *fg_rule_name(enum fg_rule r); /* "stateless-upgrade" ... */

/*
 * The policy of a namespace from its merged `policy:` map (borrowed, NULL
 * for none): deny defaults, then the map. FG_EINVALID for a value render
 * should have refused (wrong type, unknown delete word).
 */
int fg_policy_from_config(struct fg_policy *out, const json_t *config);

/*
 * `ns` with the object's FG_POLICY_ANNOTATION over it. FG_EINVALID (with
 * *out = *ns) for an unknown word: the caller blocks the object.
 */
int fg_policy_for_object(struct fg_policy *out, const struct fg_policy *ns,
			 const json_t *obj);

/*
 * Rules (a) and (c) for an update of `live` to `desired` (both borrowed;
 * live NULL for a create, which is always allowed) as `c` classified it,
 * with only what the objects say (see fg_policy_check_update_env).
 */
void fg_policy_check_update(struct fg_verdict *out, const struct fg_policy *p,
			    const json_t *desired, const json_t *live,
			    const struct fg_classification *c);

/* Rule (b) for deleting `live` (borrowed). */
void fg_policy_check_delete(struct fg_verdict *out, const struct fg_policy *p,
			    const json_t *live);

/*
 * Rules (a) and (c) with the environment the operator runs the job in
 * (the session cluster's and the operator's configuration, whether that
 * is known): a job is stateful unless provably stateless, its running
 * mode read from lastReconciledSpec and the live spec both (the first
 * deployment records stateless there). fg_policy_check_update is this
 * with only what the objects say.
 */
void fg_policy_check_update_env(struct fg_verdict *out,
				const struct fg_policy *p,
				const json_t *desired, const json_t *live,
				const struct fg_classification *c,
				const struct fg_flink_env *env);

/*
 * Rule (b) with the environment: deleting a FlinkDeployment with a job or
 * a FlinkSessionJob is safe by default only when the job has no state to
 * lose (never deployed, provably stateless) or a recorded savepoint holds
 * it (suspended with upgradeMode savepoint; the verdict names it); a job
 * that runs, FAILED, was suspended last-state (its HA metadata is the
 * pointer to its state) or that Flink SUSPENDED (HA failover) is blocked.
 * A FlinkStateSnapshot of a savepoint is blocked unless
 * spec.savepoint.disposeOnDelete is false: deleting it disposes the
 * files. Overrides: delete: allow, suspend-first.
 */
void fg_policy_check_delete_env(struct fg_verdict *out,
				const struct fg_policy *p, const json_t *live,
				const struct fg_flink_env *env);

/*
 * Rules (d) and (e) for a namespace: `failed` it did not render,
 * `ndesired` objects it renders to, `nmanaged` managed objects the
 * cluster (or the base revision) has there.
 */
void fg_policy_check_namespace(struct fg_verdict *out,
			       const struct fg_policy *p, int failed,
			       size_t ndesired, size_t nmanaged);

/*
 * 1 when the job of `live` (to become `desired`, may be NULL) has state a
 * stateless restart or a delete would lose: a stateful upgrade mode in
 * lastReconciledSpec or the live spec, or checkpointing configured (the
 * job's, the session cluster's or the operator's configuration; unknown
 * operator configuration counts); `why` says which (" (checkpointing is
 * configured ...)", or "" for the upgrade mode). 0 when provably
 * stateless.
 */
int fg_policy_has_state(const json_t *desired, const json_t *live,
			const struct fg_flink_env *env, char *why, size_t n);

/*
 * The savepoint that holds the state of `live`, a job the operator
 * suspended with a savepoint: lifecycleState SUSPENDED, the spec it
 * reconciled last suspended with upgradeMode savepoint, a savepoint path
 * recorded (not the operator's last-state marker), the job not FAILED.
 * NULL otherwise, also when memory runs out reading the reconciled spec:
 * no savepoint known means a wait or a block, never a lost state
 * (borrowed from `live`).
 */
const char *fg_policy_suspended_savepoint(const json_t *live);

/*
 * The FlinkDeployment whose job `obj` runs: `obj` itself; for a
 * FlinkBlueGreenDeployment its active child (else the one being deployed)
 * when env knows its children, else the parent seen as one
 * (fg_bg_as_deployment). A new reference, or NULL.
 */
json_t *fg_policy_job_object(const json_t *obj, const struct fg_flink_env *env);

/* 1 when the job of FlinkDeployment/FlinkSessionJob `live` runs. */
int fg_policy_job_runs(const json_t *live);

/*
 * 1 when the operator never deployed `live`: its status records no
 * reconciled spec and no job (no status at all: no operator looked at
 * it, or none runs). Such an object has no job, checkpoints or HA data
 * to lose. Only for objects read from a cluster: a base revision in an
 * offline plan has no status either.
 */
int fg_policy_never_deployed(const json_t *live);

#endif
