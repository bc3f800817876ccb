/*
 * Private to sync/: what pass.c, decide.c and exec.c share.
 */
#ifndef FG_SYNC_PASS_INT_H
#define FG_SYNC_PASS_INT_H

#include "sync/pass.h"

/* Free what a step owns and zero it. */
void fg_step_release(struct fg_step *s);

/* Release every step of `ns` (ns->n becomes 0, memory kept). */
void fg_steps_release(struct fg_pass_ns *ns);

/*
 * What is compared with the live object `live` for Git's `obj`: `obj` as
 * applied (with the part-of label of inventory `id`), its source and
 * desired-hash annotations taken from `live`. A new object, or NULL.
 */
json_t *fg_pass_comparable(const json_t *obj, const json_t *live,
			   const char *id);

/*
 * The object sent for step `s`: Git's object with the part-of label of
 * inventory `id`; without spec.taskManager.replicas when an HPA scales
 * it (the HPA owns that field: sending Git's value would fight it).
 * *out a new object.
 */
int fg_pass_applied(json_t **out, const struct fg_step *s, const char *id);

/*
 * The environment the operator runs the job of `obj` in (a desired or
 * live object of `ns`): the pass's, with its session cluster's live
 * object for a session job.
 */
void fg_pass_env_of(const struct fg_pass_ns *ns, const json_t *obj,
		    struct fg_flink_env *env);

/*
 * Renames and moves across the whole pass (sync/move.c): pair each job
 * Git creates with the job with state it deletes in the same pass and
 * that it replaces (annotation FG_MOVED_FROM_ANNOTATION, else the same
 * job: kind, jarURI, entryClass, args), and decide the pair by policy
 * (g). After every namespace is decided; 0 or FG_E* (memory).
 */
int fg_pass_pair_moves(struct fg_pass *p);

#endif
