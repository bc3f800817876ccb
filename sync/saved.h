/*
 * Saved plans: what `plan --save FILE` records and `sync --plan FILE`
 * applies, as Terraform's saved plans: the reviewed plan is what runs,
 * or nothing does.
 *
 * A saved plan is one JSON document:
 *   {"format": FG_SAVED_PLAN_FORMAT, "kind": FG_SAVED_PLAN_KIND,
 *    "source": {...},   where the repository came from (the caller's:
 *                       url, ref and commit, or a folder), and "digest",
 *                       the SHA-256 of the rendered desired set
 *    "options": {...},  the options the plan was made with (the
 *                       caller's), so sync decides the same way
 *    "namespaces": [{"name", "exists", "status",
 *                    "objects": [{"group", "kind", "name", "uid",
 *                                 "resourceVersion", "decision": {...}}]}],
 *    "summary": {...}}
 * Each decision is the action as plan shows it (create, update, delete,
 * blocked, keep, noop), the Flink impact in words, and every field change
 * with both values: what a reviewer read.
 *
 * Staleness is decided here, in the core: sync re-observes and
 * re-decides with the saved options, and the saved plan applies only if
 * the repository is the same (commit, or digest for a folder) and every
 * decision is the same. A status the operator wrote meanwhile changes an
 * object's resourceVersion but not the decision: that is no move. A
 * replaced object (another uid) is.
 */
#ifndef FG_SYNC_SAVED_H
#define FG_SYNC_SAVED_H

#include <jansson.h>

#include "render/base/buf.h"
#include "render/render.h"
#include "sync/pass.h"

#define FG_SAVED_PLAN_FORMAT 1
#define FG_SAVED_PLAN_KIND "flink-gitops-plan"
#define FG_SAVED_PLAN_MAX ((size_t)64 << 20) /* bytes of a plan file read */
#define FG_SAVED_PLAN_SHOWN 10 /* differences named when refusing */

/* The SHA-256 of the desired set (every namespace, failed or not, and
 * every object's desired-hash), as 64 hex digits. */
int fg_desired_digest(const struct fg_desired *d, char hex[65]);

/*
 * The saved plan of decided pass `p` (not offline), made from the
 * repository `source` and with the options `options` (both borrowed,
 * copied in; "digest" is added to the source). *out a new document.
 */
int fg_saved_plan_new(json_t **out, const struct fg_pass *p,
		      const json_t *source, const json_t *options);

/*
 * Check `saved` (a document read from a file, borrowed) before use:
 * format and kind. FG_EINVALID with the reason.
 */
int fg_saved_plan_valid(const json_t *saved);

/*
 * 0 when `p`, decided again now from the repository whose commit is
 * `commit` (NULL for a folder; then the digest of p's desired set
 * decides), is the plan `saved` holds. Else FG_ECONFLICT, and `why`
 * gets one line per difference (at most FG_SAVED_PLAN_SHOWN, then how
 * many more): "Git moved: ...", "NS Kind/name: planned ..., now ...".
 */
int fg_saved_plan_check(const json_t *saved, const struct fg_pass *p,
			const char *commit, struct fg_buf *why);

#endif
