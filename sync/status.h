/*
 * The agent's report model: what a pass (sync/pass.h) did and what the
 * cluster shows, as the files of the status branch, the note on a
 * source commit, the annotations on an object and the savepoint lineage.
 * Pure: it formats what the pass decided and executed, and what the
 * live objects' status says; agent/ writes it (Git, annotations,
 * Events) and decides nothing.
 *
 * The status branch:
 *   STATUS.md                        one table per namespace
 *   DRIFT.md                         every drifted object, field by field
 *   status/NS/KIND/NAME.json         one object's status
 *   lineage/NS/KIND/NAME.json        every savepoint and checkpoint path
 *                                    the status showed, with the source
 *                                    commit and spec hash that ran
 *   plans/BRANCH.md                  the plan of a proposed branch
 *
 * Files hold no time of the pass, so an unchanged cluster gives the same
 * bytes and nothing is committed; the times they do hold (a savepoint's,
 * a checkpoint's) are left out when `with_times` is 0, which the agent
 * uses to tell a real change from a new checkpoint.
 */
#ifndef FG_SYNC_STATUS_H
#define FG_SYNC_STATUS_H

#include <stddef.h>

#include <jansson.h>

#include "render/base/buf.h"
#include "sync/pass.h"

#define FG_LINEAGE_MAX 64 /* entries kept per object, newest last */
/* Annotations the agent writes on managed objects (their own manager). */
#define FG_REPORT_MANAGER "flink-gitops-report"
#define FG_ANNOTATION_REPORT_COMMIT "flink-gitops.io/synced-commit"
#define FG_ANNOTATION_REPORT_AT "flink-gitops.io/synced-at"
#define FG_ANNOTATION_REPORT_HEALTH "flink-gitops.io/health"
#define FG_ANNOTATION_REPORT_DRIFT "flink-gitops.io/drift"
#define FG_REPORT_DRIFT_MAX 256 /* bytes of the drift summary */

struct fg_status_opts {
	const char *url;     /* the source, credentials stripped */
	const char *ref;     /* the branch watched */
	const char *path;    /* the folder in the repository */
	const char *commit;  /* the commit in force */
	const char *head;    /* the branch's head (may be refused) */
	const char *refused; /* why head is not in force, or NULL */
	int with_times;	     /* savepoint and checkpoint times */
};

struct fg_status_file {
	char *path;
	char *data; /* NULL: the file is to be removed */
	size_t len;
};

struct fg_status_files {
	struct fg_status_file *v;
	size_t n, cap;
};

void fg_status_files_release(struct fg_status_files *f);

/* ---- one object ---- */

/* What the live status of a Flink object says (strings borrowed from
 * `live`; times epoch ms, -1 unknown). */
struct fg_job_status {
	const char *lifecycle, *job_state, *job_id, *error;
	const char *savepoint; /* last savepoint's path */
	long long savepoint_ms, checkpoint_ms;
	long long restarts; /* -1 unknown */
};

void fg_job_status_of(const json_t *live, struct fg_job_status *out);

/* The Flink web UI address of a FlinkDeployment with spec.ingress, into
 * `out` ("" when none). */
void fg_status_web_ui(const json_t *obj, char *out, size_t n);

/* What became of step `s`: "synced", "applied", "healed", "deleted",
 * "blocked", "failed", "conflict", "waiting", or its drift state. */
const char *fg_status_result(const struct fg_step *s);

/* One object's status (a new object). */
json_t *fg_status_object(const struct fg_pass_ns *ns, const struct fg_step *s,
			 const struct fg_status_opts *o);

/* The drift summary of the annotation: "spec.x (kubectl-edit), ..." or
 * "none", cut at FG_REPORT_DRIFT_MAX. */
void fg_status_drift_summary(const struct fg_step *s, char *out, size_t n);

/* ---- the branch ---- */

/*
 * Every file of the status branch for pass `p`: STATUS.md, DRIFT.md,
 * status/... and lineage/... (`lineage` as fg_lineage_update keeps it;
 * may be NULL). Appended to `out`.
 */
int fg_status_files(const struct fg_pass *p, const struct fg_status_opts *o,
		    const json_t *lineage, struct fg_status_files *out);

/* The note on the source commit a pass synced: what it did. */
int fg_status_note(const struct fg_pass *p, const struct fg_status_opts *o,
		   const json_t *lineage, struct fg_buf *out);

/* The note on a commit that was not applied, and why (`why`: the
 * diagnostics, one per line). */
int fg_status_refused_note(const struct fg_status_opts *o, const char *commit,
			   const char *why, struct fg_buf *out);

/* A proposed branch's plan (Markdown) with restore hints. */
int fg_status_proposal(const struct fg_pass *p, const char *ref,
		       const char *commit, const json_t *lineage,
		       struct fg_buf *out);

/* plans/BRANCH.md for ref `ref` ("refs/heads/x" -> plans/x.md). */
int fg_status_plan_path(const char *ref, struct fg_buf *out);

/* ---- savepoint lineage ---- */

/*
 * Record in `lineage` ("NS/KIND/NAME" -> [{path, type, commit, hash,
 * time}], a JSON object) every savepoint and checkpoint path the live
 * status of the pass's Flink objects shows, with the source commit and
 * desired hash of the spec that ran (from the live annotations). *changed
 * is set when something new was recorded.
 */
int fg_lineage_update(json_t *lineage, const struct fg_pass *p, int *changed);

/*
 * When step `s` changes an object back to a spec that ran before (its
 * desired hash is one the lineage recorded for another commit): the
 * newest savepoint recorded then. Borrowed from `lineage`, or NULL.
 */
const json_t *fg_lineage_restore_point(const json_t *lineage, const char *ns,
				       const struct fg_step *s);

/* Every step of `p` with a restore point, one line each (a Markdown
 * section with `markdown`), appended to `out`; nothing when none. */
void fg_status_restore_hints(const struct fg_pass *p, const json_t *lineage,
			     struct fg_buf *out, int markdown);

/* The words of a restore hint for `s` and its restore point `rp`. */
int fg_lineage_hint(const struct fg_step *s, const json_t *rp,
		    struct fg_buf *out);

#endif
