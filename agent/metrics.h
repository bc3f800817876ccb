/*
 * The agent's metrics, in Prometheus' text format (version 0.0.4) for
 * GET /metrics. Counters and histograms are updated as things happen
 * (from any thread); the per-namespace and per-job gauges are a
 * snapshot of the last pass, replaced whole. Rendering takes the lock
 * once and prints everything with HELP and TYPE lines, as `promtool
 * check metrics` wants them.
 */
#ifndef FG_AGENT_METRICS_H
#define FG_AGENT_METRICS_H

#include <jansson.h>

#include "render/base/buf.h"

#define FG_METRICS_MAX_SERIES 20000 /* API verb/code and webhook pairs */

struct fg_metrics;

int fg_metrics_new(struct fg_metrics **out);
void fg_metrics_free(struct fg_metrics *m);

/* A pass ended: `result` success, failed, blocked or refused. */
void fg_metrics_pass(struct fg_metrics *m, const char *result, double seconds,
		     long long epoch_ms);
/* Actions of a pass: `action` create/update/delete, `outcome` done,
 * failed, blocked, conflict, waiting... */
void fg_metrics_action(struct fg_metrics *m, const char *action,
		       const char *outcome);
void fg_metrics_git_fetch(struct fg_metrics *m, double seconds, int failed);
void fg_metrics_git_write(struct fg_metrics *m, const char *what, int failed);
void fg_metrics_api_request(struct fg_metrics *m, const char *verb, long code);
void fg_metrics_watch_restart(struct fg_metrics *m);
void fg_metrics_webhook(struct fg_metrics *m, const char *provider,
			const char *result);

enum fg_gauge {
	FG_GAUGE_READY,
	FG_GAUGE_LEADER,
	FG_GAUGE_WATCHES,
	FG_GAUGE_SOURCE_REFUSED, /* the branch head is not applied */
	FG_GAUGE_N,
};

void fg_metrics_set(struct fg_metrics *m, enum fg_gauge g, double v);

/*
 * The last pass's picture (stolen): {"objects": {NS: {HEALTH: n}},
 * "drifted": {NS: n}, "blocked": {NS: n}, "jobs": [{namespace, kind,
 * name, health, checkpoint_ms, savepoint_ms, restarts}]}.
 */
void fg_metrics_snapshot(struct fg_metrics *m, json_t *snapshot);

/* Counters read back (for tests and the soak). */
double fg_metrics_counter(struct fg_metrics *m, const char *name,
			  const char *labels);

/* The whole text, ages computed against `epoch_ms`. */
int fg_metrics_render(struct fg_metrics *m, long long epoch_ms,
		      struct fg_buf *out);

#endif
