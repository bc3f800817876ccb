/*
 * Metrics (agent/metrics.h): counters keyed by their label text, two
 * histograms, a few gauges and the last pass's snapshot, under one lock.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/metrics.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/base/banned.h"

#define NBUCKETS 12
static const double pass_buckets[NBUCKETS] = { 0.05, 0.1, 0.25, 0.5, 1,	  2.5,
					       5,    10,  30,	60,  120, 300 };
static const double git_buckets[NBUCKETS] = { 0.005, 0.01, 0.025, 0.05,
					      0.1,   0.25, 0.5,	  1,
					      2.5,   5,	   10,	  30 };

struct histogram {
	const double *le;
	unsigned long counts[NBUCKETS];
	unsigned long count;
	double sum;
};

struct fg_metrics {
	pthread_mutex_t mu;
	json_t *counters; /* name -> {labels -> value} */
	size_t series;
	struct histogram pass, git;
	double gauges[FG_GAUGE_N];
	double last_success; /* epoch seconds, 0 none */
	json_t *snapshot;
};

int fg_metrics_new(struct fg_metrics **out)
{
	struct fg_metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->counters = json_object())) {
		free(m);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	pthread_mutex_init(&m->mu, NULL);
	m->pass.le = pass_buckets;
	m->git.le = git_buckets;
	*out = m;
	return 0;
}

void fg_metrics_free(struct fg_metrics *m)
{
	if (!m)
		return;
	json_decref(m->counters);
	json_decref(m->snapshot);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

/* A label value escaped as the text format wants it. */
static void esc(struct fg_buf *b, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			fg_buf_putc(b, '\\');
		if (*v == '\n') {
			fg_buf_puts(b, "\\n");
			continue;
		}
		fg_buf_putc(b, *v);
	}
}

/* counters[name][labels] += v (the lock held). */
static void add(struct fg_metrics *m, const char *name, const char *labels,
		double v)
{
	json_t *series = json_object_get(m->counters, name), *cur;

	if (!series) {
		series = json_object();
		if (json_object_set_new(m->counters, name, series) < 0)
			return;
	}
	cur = json_object_get(series, labels);
	if (cur) {
		json_real_set(cur, json_real_value(cur) + v);
		return;
	}
	if (m->series >= FG_METRICS_MAX_SERIES)
		return;
	m->series++;
	json_object_set_new(series, labels, json_real(v));
}

static void count2(struct fg_metrics *m, const char *name, const char *k1,
		   const char *v1, const char *k2, const char *v2)
{
	struct fg_buf l = FG_BUF_INIT;

	fg_buf_printf(&l, "%s=\"", k1);
	esc(&l, v1);
	if (k2) {
		fg_buf_printf(&l, "\",%s=\"", k2);
		esc(&l, v2);
	}
	fg_buf_putc(&l, '"');
	pthread_mutex_lock(&m->mu);
	add(m, name, l.ptr, 1);
	pthread_mutex_unlock(&m->mu);
	fg_buf_release(&l);
}

static void observe(struct histogram *h, double v)
{
	for (int i = 0; i < NBUCKETS; i++)
		if (v <= h->le[i])
			h->counts[i]++;
	h->count++;
	h->sum += v;
}

void fg_metrics_pass(struct fg_metrics *m, const char *result, double seconds,
		     long long epoch_ms)
{
	count2(m, "flink_gitops_passes_total", "result", result, NULL, NULL);
	pthread_mutex_lock(&m->mu);
	observe(&m->pass, seconds);
	if (!strcmp(result, "success") || !strcmp(result, "blocked"))
		m->last_success = (double)epoch_ms / 1000.0;
	pthread_mutex_unlock(&m->mu);
}

void fg_metrics_action(struct fg_metrics *m, const char *action,
		       const char *outcome)
{
	count2(m, "flink_gitops_actions_total", "action", action, "outcome",
	       outcome);
}

void fg_metrics_git_fetch(struct fg_metrics *m, double seconds, int failed)
{
	pthread_mutex_lock(&m->mu);
	observe(&m->git, seconds);
	add(m, "flink_gitops_git_fetches_total", "", 1);
	if (failed)
		add(m, "flink_gitops_git_fetch_errors_total", "", 1);
	pthread_mutex_unlock(&m->mu);
}

void fg_metrics_git_write(struct fg_metrics *m, const char *what, int failed)
{
	count2(m, "flink_gitops_git_writes_total", "what", what, "result",
	       failed ? "failed" : "done");
}

void fg_metrics_api_request(struct fg_metrics *m, const char *verb, long code)
{
	char c[24];

	snprintf(c, sizeof(c), "%ld", code);
	count2(m, "flink_gitops_api_requests_total", "verb", verb, "code", c);
}

void fg_metrics_watch_restart(struct fg_metrics *m)
{
	pthread_mutex_lock(&m->mu);
	add(m, "flink_gitops_watch_restarts_total", "", 1);
	pthread_mutex_unlock(&m->mu);
}

void fg_metrics_webhook(struct fg_metrics *m, const char *provider,
			const char *result)
{
	count2(m, "flink_gitops_webhooks_total", "provider", provider, "result",
	       result);
}

void fg_metrics_set(struct fg_metrics *m, enum fg_gauge g, double v)
{
	pthread_mutex_lock(&m->mu);
	m->gauges[g] = v;
	pthread_mutex_unlock(&m->mu);
}

void fg_metrics_snapshot(struct fg_metrics *m, json_t *snapshot)
{
	json_t *old;

	pthread_mutex_lock(&m->mu);
	old = m->snapshot;
	m->snapshot = snapshot;
	pthread_mutex_unlock(&m->mu);
	json_decref(old);
}

double fg_metrics_counter(struct fg_metrics *m, const char *name,
			  const char *labels)
{
	double v;

	pthread_mutex_lock(&m->mu);
	v = json_real_value(json_object_get(json_object_get(m->counters, name),
					    labels ? labels : ""));
	pthread_mutex_unlock(&m->mu);
	return v;
}

/* ---- rendering ---- */

struct desc {
	const char *name, *type, *help;
	int unlabelled; /* printed as 0 before the first count */
};

static const struct desc counters[] = {
	{ "flink_gitops_passes_total", "counter",
	  "Passes by result (success, failed, blocked, refused).", 0 },
	{ "flink_gitops_actions_total", "counter",
	  "Actions of passes by action and outcome.", 0 },
	{ "flink_gitops_git_fetches_total", "counter", "Git fetches.", 1 },
	{ "flink_gitops_git_fetch_errors_total", "counter",
	  "Git fetches that failed.", 1 },
	{ "flink_gitops_git_writes_total", "counter",
	  "Report writes to Git (status branch, notes) by result.", 0 },
	{ "flink_gitops_api_requests_total", "counter",
	  "Kubernetes API requests by verb and HTTP code (0: no answer).", 0 },
	{ "flink_gitops_watch_restarts_total", "counter",
	  "Watches restarted by a new LIST (410 Gone, lost stream).", 1 },
	{ "flink_gitops_webhooks_total", "counter",
	  "Webhook deliveries by provider and result.", 0 },
};

static void fmt_num(struct fg_buf *b, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		fg_buf_printf(b, "%.0f", v);
	else
		fg_buf_printf(b, "%.6f", v);
}

static void head(struct fg_buf *b, const char *name, const char *type,
		 const char *help)
{
	fg_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		      type);
}

static void histogram(struct fg_buf *b, const char *name, const char *help,
		      const struct histogram *h)
{
	head(b, name, "histogram", help);
	for (int i = 0; i < NBUCKETS; i++)
		fg_buf_printf(b, "%s_bucket{le=\"%g\"} %lu\n", name, h->le[i],
			      h->counts[i]);
	fg_buf_printf(b, "%s_bucket{le=\"+Inf\"} %lu\n%s_sum ", name, h->count,
		      name);
	fmt_num(b, h->sum);
	fg_buf_printf(b, "\n%s_count %lu\n", name, h->count);
}

static void gauge(struct fg_buf *b, const char *name, const char *help,
		  double v)
{
	head(b, name, "gauge", help);
	fg_buf_printf(b, "%s ", name);
	fmt_num(b, v);
	fg_buf_putc(b, '\n');
}

/* A gauge per namespace from snapshot[key] = {NS: n}. */
static void per_ns(struct fg_buf *b, const json_t *snap, const char *key,
		   const char *name, const char *help)
{
	const char *ns;
	json_t *v;

	head(b, name, "gauge", help);
	json_object_foreach (fg_json_mut(fg_json_get(snap, key)), ns, v) {
		fg_buf_printf(b, "%s{namespace=\"", name);
		esc(b, ns);
		fg_buf_puts(b, "\"} ");
		fmt_num(b, json_number_value(v));
		fg_buf_putc(b, '\n');
	}
}

static void job_labels(struct fg_buf *b, const json_t *j)
{
	fg_buf_puts(b, "{namespace=\"");
	esc(b, fg_json_str(j, "namespace"));
	fg_buf_puts(b, "\",kind=\"");
	esc(b, fg_json_str(j, "kind"));
	fg_buf_puts(b, "\",name=\"");
	esc(b, fg_json_str(j, "name"));
	fg_buf_putc(b, '"');
}

/* A gauge per job of the seconds since the time (ms) under `key`; jobs
 * without one are left out. */
static void age_gauge(struct fg_buf *b, const json_t *list, const char *name,
		      const char *help, const char *key, long long now_ms)
{
	const json_t *j;
	size_t i;

	head(b, name, "gauge", help);
	json_array_foreach (list, i, j) {
		long long t = json_integer_value(json_object_get(j, key));

		if (t <= 0)
			continue;
		fg_buf_puts(b, name);
		job_labels(b, j);
		fg_buf_puts(b, "} ");
		fmt_num(b, now_ms > t ? (double)(now_ms - t) / 1000.0 : 0);
		fg_buf_putc(b, '\n');
	}
}

static void jobs(struct fg_buf *b, const json_t *snap, long long now_ms)
{
	static const char *const healths[] = { "Healthy",   "Progressing",
					       "Suspended", "Degraded",
					       "Missing",   "Unknown" };
	const json_t *list = fg_json_get(snap, "jobs");
	size_t i;
	json_t *j;

	head(b, "flink_gitops_flink_job_health", "gauge",
	     "1 for the health each Flink object's status shows.");
	json_array_foreach (list, i, j)
		for (size_t h = 0; h < sizeof(healths) / sizeof(*healths);
		     h++) {
			fg_buf_puts(b, "flink_gitops_flink_job_health");
			job_labels(b, j);
			fg_buf_printf(b, ",health=\"%s\"} %d\n", healths[h],
				      fg_str_is(fg_json_str(j, "health"),
						healths[h]));
		}
	age_gauge(b, list, "flink_gitops_flink_job_last_checkpoint_age_seconds",
		  "Seconds since the last completed checkpoint the status "
		  "shows.",
		  "checkpoint_ms", now_ms);
	age_gauge(b, list, "flink_gitops_flink_job_last_savepoint_age_seconds",
		  "Seconds since the last savepoint the status shows.",
		  "savepoint_ms", now_ms);
	head(b, "flink_gitops_flink_job_restarts", "gauge",
	     "Job restarts the operator's health information counts.");
	json_array_foreach (list, i, j) {
		json_t *r = json_object_get(j, "restarts");

		if (!json_is_integer(r) || json_integer_value(r) < 0)
			continue;
		fg_buf_puts(b, "flink_gitops_flink_job_restarts");
		job_labels(b, j);
		fg_buf_printf(b, "} %lld\n", (long long)json_integer_value(r));
	}
}

static void objects(struct fg_buf *b, const json_t *snap)
{
	const char *ns, *health;
	json_t *byh, *v;

	head(b, "flink_gitops_objects", "gauge",
	     "Managed objects by namespace and health.");
	json_object_foreach (fg_json_mut(fg_json_get(snap, "objects")), ns, byh)
		json_object_foreach (byh, health, v) {
			fg_buf_puts(b, "flink_gitops_objects{namespace=\"");
			esc(b, ns);
			fg_buf_printf(b, "\",health=\"%s\"} ", health);
			fmt_num(b, json_number_value(v));
			fg_buf_putc(b, '\n');
		}
}

int fg_metrics_render(struct fg_metrics *m, long long epoch_ms,
		      struct fg_buf *b)
{
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < sizeof(counters) / sizeof(*counters); i++) {
		const json_t *series =
			json_object_get(m->counters, counters[i].name);
		const char *labels;
		json_t *v;

		head(b, counters[i].name, counters[i].type, counters[i].help);
		if (!series && counters[i].unlabelled)
			fg_buf_printf(b, "%s 0\n", counters[i].name);
		json_object_foreach (fg_json_mut(series), labels, v) {
			fg_buf_printf(b, "%s%s%s%s ", counters[i].name,
				      *labels ? "{" : "", labels,
				      *labels ? "}" : "");
			fmt_num(b, json_real_value(v));
			fg_buf_putc(b, '\n');
		}
	}
	histogram(b, "flink_gitops_pass_duration_seconds",
		  "Duration of passes.", &m->pass);
	histogram(b, "flink_gitops_git_fetch_duration_seconds",
		  "Duration of Git fetches.", &m->git);
	gauge(b, "flink_gitops_last_successful_pass_timestamp_seconds",
	      "When the last pass without errors ended (Unix time).",
	      m->last_success);
	gauge(b, "flink_gitops_ready",
	      "1 once the first pass succeeded (the /readyz answer).",
	      m->gauges[FG_GAUGE_READY]);
	gauge(b, "flink_gitops_leader",
	      "1 while this replica holds the lease (or runs alone).",
	      m->gauges[FG_GAUGE_LEADER]);
	gauge(b, "flink_gitops_watches", "Open watches of the cache.",
	      m->gauges[FG_GAUGE_WATCHES]);
	gauge(b, "flink_gitops_source_refused",
	      "1 while the branch head is not applied (signature, render "
	      "or validation errors).",
	      m->gauges[FG_GAUGE_SOURCE_REFUSED]);
	objects(b, m->snapshot);
	per_ns(b, m->snapshot, "drifted", "flink_gitops_drifted_objects",
	       "Objects whose fields someone else changed, by namespace.");
	per_ns(b, m->snapshot, "blocked", "flink_gitops_blocked_actions",
	       "Actions held back by a safety rule, by namespace.");
	jobs(b, m->snapshot, epoch_ms);
	pthread_mutex_unlock(&m->mu);
	return 0;
}
