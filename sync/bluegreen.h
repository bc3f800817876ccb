/*
 * FlinkBlueGreenDeployment as the operator runs it (release 1.15.0:
 * controller/bluegreen/, BlueGreenDeploymentService, BlueGreenUtils,
 * FlinkBlueGreenDeploymentSpecDiff; docs/content/docs/concepts/
 * bluegreen-controller-flow.md): the vocabulary classify, health, policy,
 * decide, move and exec share about it. Each of them makes its own
 * decision with it; nothing here decides.
 *
 * The operator runs the job of a FlinkBlueGreenDeployment NAME in
 * FlinkDeployments it creates, its children: NAME-blue and NAME-green
 * (label flink/blue-green-deployment-type BLUE|GREEN, an ownerReference to
 * the parent, spec = the parent's spec.template.spec). One of them is
 * active; a change deploys the other one beside it, and the old one is
 * deleted once the new one is STABLE with its job RUNNING. The parent's
 * status says where it is: status.blueGreenState (INITIALIZING_BLUE,
 * ACTIVE_BLUE|GREEN, SAVEPOINTING_BLUE|GREEN, TRANSITIONING_TO_BLUE|GREEN),
 * jobStatus.state, error, and lastReconciledSpec ({"spec": the parent's
 * spec}, what the operator last acted on). It has no observedGeneration,
 * no lifecycleState, no reconciliationStatus.
 */
#ifndef FG_SYNC_BLUEGREEN_H
#define FG_SYNC_BLUEGREEN_H

#include <stddef.h>

#include <jansson.h>

/* The label the operator puts on each child (BlueGreenDeploymentType). */
#define FG_BG_TYPE_LABEL "flink/blue-green-deployment-type"

enum fg_bg_colour { FG_BG_NONE = 0, FG_BG_BLUE, FG_BG_GREEN };

/* "blue", "green", "" */
const char *fg_bg_colour_name(enum fg_bg_colour c);
/* The other colour (NONE for NONE). */
enum fg_bg_colour fg_bg_other(enum fg_bg_colour c);

/* Where the parent is, from status.blueGreenState. */
enum fg_bg_phase {
	FG_BG_NO_STATE = 0, /* no status (or none yet): not reconciled */
	FG_BG_INITIALIZING, /* INITIALIZING_BLUE */
	FG_BG_ACTIVE,	    /* ACTIVE_X */
	FG_BG_SAVEPOINTING, /* SAVEPOINTING_X: a savepoint of X first */
	FG_BG_TRANSITIONING /* TRANSITIONING_TO_X */
};

struct fg_bg_state {
	enum fg_bg_phase phase;
	/* ACTIVE_X, SAVEPOINTING_X: X; TRANSITIONING_TO_X: the other one
	   (the operator's "current" type, which may not exist: a first
	   deployment, or X patched in place); else NONE */
	enum fg_bg_colour active;
	/* TRANSITIONING_TO_X: X; SAVEPOINTING_X: the other one (deployed
	   next); INITIALIZING_BLUE: blue; else NONE */
	enum fg_bg_colour target;
	const char *state; /* status.blueGreenState, borrowed, or NULL */
	const char *job;   /* status.jobStatus.state, borrowed, or NULL */
	const char *error; /* status.error when not empty, borrowed */
};

/* The state of the FlinkBlueGreenDeployment `live` (NULL: no state). */
void fg_bg_state_of(const json_t *live, struct fg_bg_state *out);

/* The operator's name of a child: NAME-blue, NAME-green, into `buf`. */
const char *fg_bg_child_name(char *buf, size_t n, const char *parent,
			     enum fg_bg_colour c);

/*
 * 1 when the FlinkDeployment `fd` is the `c` child of the
 * FlinkBlueGreenDeployment `bg` (name NAME-colour, an ownerReference to
 * it, by uid when both have one).
 */
int fg_bg_is_child(const json_t *fd, const json_t *bg, enum fg_bg_colour c);

/*
 * The Flink resource that owns `live` by an ownerReference (the operator
 * made it: a child, an ingress, a JobManager Deployment): its kind and
 * name (borrowed), or 0 when none does.
 */
int fg_operator_owner(const json_t *live, const char **kind, const char **name);

/*
 * The spec the operator last acted on: status.lastReconciledSpec
 * ({"spec": {...}}) parsed, its template.spec (new reference) into *out,
 * or NULL when there is none. 0, or FG_ERROR (memory).
 */
int fg_bg_last_template_spec(json_t **out, const json_t *live);

/*
 * The FlinkBlueGreenDeployment `bg` seen as the FlinkDeployment whose job
 * it runs, for rules written for one: spec = spec.template.spec; status
 * (when it has one): its jobStatus, lifecycleState SUSPENDED when the job
 * is, and lastReconciledSpec {"spec": the last template spec}. A new
 * object, or NULL (memory).
 */
json_t *fg_bg_as_deployment(const json_t *bg);

/*
 * A child is READY for the operator (BlueGreenKubernetesService.
 * isFlinkDeploymentReady): lifecycleState STABLE and its job RUNNING.
 */
int fg_bg_child_ready(const json_t *fd);

#endif
