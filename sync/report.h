/*
 * Reports of a pass (sync/pass.h) for people and programs: what `sync`
 * did, and what `drift` found (and healed). Like plan.h, pure: it prints
 * what the pass decided and what execution made of it.
 *
 * Drift states of an object, from its step:
 *   missing        Git has it, the cluster does not (sync creates it)
 *   unexpected     ours by the inventory, gone from Git (sync deletes
 *                  it, or says why it will not)
 *   drifted        fields someone else changed, each with Git's and the
 *                  cluster's value and the manager that changed it
 *   out of sync    Git changed it since it was applied (sync applies it)
 *   not managed    it exists but flink-gitops never applied it
 *   rolled back    the operator runs an older spec than Git
 *   degraded       in Git's state, but the job is not well (health)
 */
#ifndef FG_SYNC_REPORT_H
#define FG_SYNC_REPORT_H

#include <jansson.h>

#include "render/base/buf.h"
#include "sync/pass.h"

/* The drift state of `s` ("drifted" ...), or NULL when it is in sync
 * and healthy. */
const char *fg_drift_state(const struct fg_step *s);

/* fg_report_sync_text flags */
#define FG_REPORT_FIELDS 0x1 /* each change's field diff (sync -v) */

/* `sync`: one line per object acted on (what it did to the Flink job, as
 * plan says it), per namespace not synced, and a summary line. */
int fg_report_sync_text(const struct fg_pass *p, unsigned flags,
			struct fg_buf *out);
/* *out a new object: {dryRun, repository, namespaces, summary}. */
int fg_report_sync_json(const struct fg_pass *p, json_t **out);

/*
 * sync --wait: one line for object `s` of `ns` as fg_pass_wait reports
 * it, "waiting: NS Kind/name: Progressing: upgrading (12s)" while it
 * progresses, "NS Kind/name: Healthy: stable (after 42s)" once settled
 * (or "still Progressing ..." when the bound passed).
 */
int fg_report_wait_line(const struct fg_pass_ns *ns, const struct fg_step *s,
			long long elapsed_ms, struct fg_buf *out);
/* "waited 42s: 2 healthy, 1 degraded, 0 still progressing" */
int fg_report_wait_summary(const struct fg_pass *p, struct fg_buf *out);

/* `drift`: each drifted object with its fields, and a summary line. */
int fg_report_drift_text(const struct fg_pass *p, int heal, struct fg_buf *out);
/* *out a new object: {repository, namespaces, summary}. */
int fg_report_drift_json(const struct fg_pass *p, json_t **out);

#endif
