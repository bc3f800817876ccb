/*
 * Plan: what a pass would do, per namespace and per object, and what it
 * does to the Flink jobs; rendered as text, JSON or Markdown (a pull
 * request comment). Pure: built from desired and live objects the caller
 * already has (render's output against a LIST, or against the render of
 * a base revision), never touching the cluster.
 *
 * Per object: the action (create, update, delete, noop, or blocked by a
 * policy rule), the classification (diff type, restart, impact in words),
 * the policy verdict, and every field change (field, desired, live).
 *
 * Exit codes (fg_plan_exit_code): 0 no changes, 2 changes, 3 something
 * blocked (whatever else changes).
 */
#ifndef FG_SYNC_PLAN_H
#define FG_SYNC_PLAN_H

#include <stddef.h>

#include <jansson.h>

#include "render/base/buf.h"
#include "sync/classify.h"
#include "sync/model.h"
#include "sync/policy.h"

#define FG_PLAN_EXIT_NONE 0
#define FG_PLAN_EXIT_CHANGES 2
#define FG_PLAN_EXIT_BLOCKED 3

/* Markdown: an object's field changes fold into <details> above this. */
#define FG_PLAN_MD_OPEN_FIELDS 4
/* Characters of one value shown in text and Markdown (JSON has all). */
#define FG_PLAN_VALUE_MAX 120

enum fg_plan_action {
	FG_PLAN_NOOP = 0,
	FG_PLAN_CREATE,
	FG_PLAN_UPDATE,
	FG_PLAN_DELETE,
	FG_PLAN_BLOCKED, /* `wanted` says what was held back */
};

const char *fg_plan_action_name(enum fg_plan_action a); /* "create" */

struct fg_plan_item {
	char *group, *kind, *name; /* owned */
	enum fg_plan_action action;
	enum fg_plan_action wanted;   /* create, update or delete (or noop) */
	struct fg_classification cls; /* updates and creates */
	struct fg_verdict verdict;
	struct fg_changes changes;
	char impact[320]; /* "restarts from a savepoint", "BLOCKED: ..." */
};

struct fg_plan_ns {
	char *name;		   /* owned */
	struct fg_verdict verdict; /* namespace rules: failed, empty */
	struct fg_plan_item *v;
	size_t n, cap;
};

struct fg_plan {
	struct fg_plan_ns *v;
	size_t n, cap;
	size_t creates, updates, deletes, blocked, unchanged;
	char *base, *head; /* owned labels ("main@abc123"), may be NULL */
};

#define FG_PLAN_INIT                                  \
	{                                             \
		NULL, 0, 0, 0, 0, 0, 0, 0, NULL, NULL \
	}

struct fg_plan_opts {
	/*
	 * The live objects are another Git revision's render (plan --base):
	 * no status, no managedFields. Every field of a live object counts
	 * as ours, so a field Git drops is a change.
	 */
	int offline;
};

/*
 * Plan namespace `ns`: `desired` the objects Git renders (a JSON array,
 * borrowed; ignored when `failed`), `live` the managed objects the
 * cluster (or the base revision) has there (a JSON array, borrowed; only
 * objects of ours: inventory members, not operator-made ones), `policy`
 * the namespace's merged `policy:` map (borrowed, NULL for none).
 * Appends one fg_plan_ns. FG_EINVALID for a bad `policy` map, FG_ERROR
 * for memory; on error the plan holds what was added before.
 */
int fg_plan_add_ns(struct fg_plan *plan, const char *ns, int failed,
		   const json_t *policy, const json_t *desired,
		   const json_t *live, const struct fg_plan_opts *opts);

/* Set the labels shown in the headers (copied; either may be NULL). */
int fg_plan_set_labels(struct fg_plan *plan, const char *base,
		       const char *head);

int fg_plan_exit_code(const struct fg_plan *plan);

/* Renderings, appended to `out`. */
int fg_plan_text(const struct fg_plan *plan, struct fg_buf *out);
int fg_plan_markdown(const struct fg_plan *plan, struct fg_buf *out);
/* *out a new object: {summary, exitCode, namespaces: [...]}. */
int fg_plan_json(const struct fg_plan *plan, json_t **out);

void fg_plan_release(struct fg_plan *plan);

#endif
