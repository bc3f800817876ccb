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

#endif
