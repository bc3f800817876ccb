/*
 * Plan: a decided pass (sync/pass.h) as people read it: per namespace and
 * per object the action, what it does to the Flink job in words, the
 * policy verdict and every field change; as text, as Markdown (a pull
 * request comment) and as JSON. Pure: it prints what the pass decided
 * and decides nothing.
 */
#ifndef FG_SYNC_PLAN_H
#define FG_SYNC_PLAN_H

#include <jansson.h>

#include "render/base/buf.h"
#include "sync/pass.h"

/* Markdown: an object's field changes fold into <details> above this. */
#define FG_PLAN_MD_OPEN_FIELDS 4
/* Render errors listed under a failed namespace in Markdown, at most. */
#define FG_PLAN_MD_ERRORS 20
/* Characters of one value shown in text and Markdown (JSON has all). */
#define FG_PLAN_VALUE_MAX 120

/* 1 when the plan shows step `s`: it changes something, or is held
 * (a create held only because its namespace does not exist is shown
 * once, by the namespace's step). */
int fg_plan_shows(const struct fg_step *s);

/* The step's health is worth a line: a Flink object whose status says
 * anything but Healthy (Degraded, Progressing, Suspended, Unknown). */
int fg_plan_health_worth_saying(const struct fg_step *s);

/* How many creates of `ns` its missing namespace holds back. */
size_t fg_plan_held_by_namespace(const struct fg_pass_ns *ns);

/* Renderings, appended to `out`. */
int fg_plan_text(const struct fg_pass *p, struct fg_buf *out);
int fg_plan_markdown(const struct fg_pass *p, struct fg_buf *out);
/* *out a new object: {base, head, summary, namespaces: [...]}. */
int fg_plan_json(const struct fg_pass *p, json_t **out);

/* A value as compact JSON, cut at FG_PLAN_VALUE_MAX; "(absent)". */
void fg_plan_value(const json_t *v, char *buf, size_t n);

/* Lines shown for one large value's inner differences, at most. */
#define FG_PLAN_INNER_MAX 20

/*
 * The differences people read for a change of `field` from `from` to
 * `to` (either NULL when absent): the change itself when both values fit
 * on a line; else, for a large value (a podTemplate's lists, a
 * logConfiguration file), the paths inside it that differ
 * ("spec.podTemplate.spec.containers[0].image"), and for a long text
 * the lines that differ ("...[log4j-console.properties] line 12").
 * `fn` is called once per difference (at most FG_PLAN_INNER_MAX, then
 * once more with `more` set to how many were left out); returns how
 * many differences there were.
 */
typedef int (*fg_plan_leaf_fn)(void *arg, const char *field, const json_t *from,
			       const json_t *to, size_t more);
size_t fg_plan_inner(const char *field, const json_t *from, const json_t *to,
		     fg_plan_leaf_fn fn, void *arg);

/*
 * Every field change of `s`, one line each, as plan prints them:
 * INDENT FIELD: FROM -> TO [(drift: set by M)].
 */
int fg_plan_fields_text(const struct fg_step *s, const char *indent,
			struct fg_buf *out);

/*
 * The JSON of a namespace of the pass: {name, status, failed, message,
 * policy, objects, writes}, every step in `objects`, or with `only` the
 * steps it names a state for (that state added as "state"). Shared by
 * plan, sync and drift output.
 */
json_t *fg_pass_ns_json(const struct fg_pass_ns *ns,
			const char *(*only)(const struct fg_step *));

/* The JSON of one step (shared by plan, sync and drift output). */
json_t *fg_step_json(const struct fg_step *s);
json_t *fg_verdict_json(const struct fg_verdict *v);

#endif
