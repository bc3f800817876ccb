#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/flink_config.h"
#include "render/render.h"
#include "sync/classify.h"
#include "sync/health.h"
#include "render/base/banned.h"

/* Pointer tokens looked at; deeper ones only matter inside a config key. */
#define FG_CLASSIFY_TOKENS_MAX 64

struct cctx {
	int standalone; /* the mode that decides the mode-dependent rows */
	const json_t *desired_spec;
	const json_t *live_spec;
	int saw_scale_replicas, saw_scale_parallelism;
	const struct fg_flink_env *env;
};

const json_t *fg_flink_env_conf(const struct fg_flink_env *env,
				const json_t *spec, const char *key)
{
	const json_t *v = fg_flink_conf_get(
		fg_json_get(spec, "flinkConfiguration"), key, NULL);

	if (!v && env && env->session_cluster)
		v = fg_flink_conf_get(fg_json_path(env->session_cluster, "spec",
						   "flinkConfiguration", NULL),
				      key, NULL);
	if (!v && env && env->operator_conf)
		v = fg_flink_conf_get(env->operator_conf, key, NULL);
	return v;
}

int fg_flink_env_checkpointing(const struct fg_flink_env *env,
			       const json_t *spec)
{
	if (fg_flink_conf_checkpointing(
		    fg_json_get(spec, "flinkConfiguration")))
		return 1;
	if (env && env->session_cluster &&
	    fg_flink_conf_checkpointing(fg_json_path(
		    env->session_cluster, "spec", "flinkConfiguration", NULL)))
		return 1;
	if (env && env->operator_conf &&
	    fg_flink_conf_checkpointing(env->operator_conf))
		return 1;
	return env && env->operator_conf_known ? 0 : -1;
}

/* A Flink option's text for `spec` in its environment, "" when unset. */
static const char *env_text(const struct cctx *x, const json_t *spec,
			    const char *key, char *buf, size_t n)
{
	const char *t = fg_flink_conf_text(fg_flink_env_conf(x->env, spec, key),
					   buf, n);

	return t ? t : "";
}

/* "v1_18" -> 118, "v2_0" -> 200; 0 when it does not parse. */
static int flink_version(const json_t *spec)
{
	const char *v =
		json_string_value(json_object_get(spec, "flinkVersion"));
	unsigned major, minor;
	char rest;

	if (!v || sscanf(v, "v%u_%u%c", &major, &minor, &rest) != 2)
		return 0;
	return (int)(major * 100 + minor);
}

static int is_null(const json_t *v)
{
	return !v || json_is_null(v);
}

/*
 * Equal as the operator's Java model holds both once read: a null member
 * is an absent one, and numbers compare by value (the operator writes
 * lastReconciledSpec with Jackson: every null field, and a Double such as
 * a resource's cpu as 1.0 where the API server holds 1).
 */
static int same(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;
	size_t i;

	if (is_null(a) || is_null(b))
		return is_null(a) && is_null(b);
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach ((json_t *)(uintptr_t)a, k, v)
			if (!same(v, json_object_get(b, k)))
				return 0;
		json_object_foreach ((json_t *)(uintptr_t)b, k, v)
			if (!json_object_get(a, k) && !is_null(v))
				return 0;
		return 1;
	}
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		json_array_foreach ((json_t *)(uintptr_t)a, i, v)
			if (!same(v, json_array_get(b, i)))
				return 0;
		return 1;
	}
	return json_equal(a, b);
}

static json_t *get(const json_t *o, const char *k)
{
	return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(get(o, k));
}

static int str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

static enum fg_diff_type max_type(enum fg_diff_type a, enum fg_diff_type b)
{
	return a > b ? a : b;
}

/* spec.job.state, spec.job.upgradeMode with the operator's defaults. */
static const char *job_state(const json_t *spec)
{
	const char *s = str(get(spec, "job"), "state");

	return s ? s : "running";
}

static const char *upgrade_mode(const json_t *spec)
{
	const char *s = str(get(spec, "job"), "upgradeMode");

	return s ? s : "stateless";
}

static int is_standalone(const json_t *spec)
{
	return str_is(str(spec, "mode"), "standalone");
}

/* The operator's defaults for JobSpec fields that have one. */
static json_t *job_default(const char *field)
{
	if (!strcmp(field, "parallelism"))
		return json_integer(0);
	if (!strcmp(field, "args"))
		return json_array();
	if (!strcmp(field, "state"))
		return json_string("running");
	if (!strcmp(field, "upgradeMode"))
		return json_string("stateless");
	return NULL;
}

/* Equal as the operator sees them, after Java's field defaults. */
static int same_job_field(const char *field, const json_t *d, const json_t *l)
{
	json_t *def = job_default(field);
	int r;

	if (!def)
		return same(d, l);
	r = same(is_null(d) ? def : d, is_null(l) ? def : l);
	json_decref(def);
	return r;
}

static enum fg_diff_type job_field_type(struct cctx *x, const char *f,
					const json_t *d, int whole)
{
	static const char *const ignored[] = {
		"savepointTriggerNonce", "checkpointTriggerNonce",
		"initialSavepointPath",	 "upgradeMode",
		"allowNonRestoredState", "autoscalerResetNonce",
	};

	for (size_t i = 0; i < sizeof(ignored) / sizeof(*ignored); i++)
		if (!strcmp(f, ignored[i]))
			return FG_DIFF_IGNORE;
	if (!strcmp(f, "parallelism")) {
		if (!x->standalone)
			return FG_DIFF_UPGRADE;
		x->saw_scale_parallelism = 1;
		return FG_DIFF_SCALE;
	}
	if (!strcmp(f, "savepointRedeployNonce"))
		/* onNullIgnore: a change to null is skipped */
		return whole && is_null(d) ? FG_DIFF_IGNORE
					   : FG_DIFF_SAVEPOINT_REDEPLOY;
	return FG_DIFF_UPGRADE;
}

static enum fg_diff_type tm_field_type(struct cctx *x, const char *f)
{
	if (strcmp(f, "replicas") || !x->standalone)
		return FG_DIFF_UPGRADE;
	x->saw_scale_replicas = 1;
	return FG_DIFF_SCALE;
}

/* A Diffable object (JobSpec, TaskManagerSpec), both sides objects. */
static enum fg_diff_type diffable(struct cctx *x, const char *which,
				  const json_t *d, const json_t *l)
{
	enum fg_diff_type t = FG_DIFF_IGNORE;
	const json_t *side[2] = { d, l };
	const char *k;
	json_t *v;
	int job = !strcmp(which, "job");

	for (int s = 0; s < 2; s++) {
		json_object_foreach ((json_t *)(uintptr_t)side[s], k, v) {
			const json_t *dv = get(d, k), *lv = get(l, k);

			if (s == 1 && json_object_get(d, k))
				continue; /* seen from the desired side */
			if (job ? same_job_field(k, dv, lv) : same(dv, lv))
				continue;
			t = max_type(t, job ? job_field_type(x, k, dv, 1)
					    : tm_field_type(x, k));
		}
	}
	return t;
}

/* Config values as the operator holds them: strings; lists joined by ';'. */
static int config_string(struct fg_buf *b, const json_t *v)
{
	size_t i;
	json_t *e;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return fg_buf_add(b, json_string_value(v),
				  json_string_length(v));
	case JSON_INTEGER:
		return fg_buf_printf(b, "%" JSON_INTEGER_FORMAT,
				     json_integer_value(v));
	case JSON_REAL:
		return fg_buf_printf(b, "%.17g", json_real_value(v));
	case JSON_TRUE:
		return fg_buf_puts(b, "true");
	case JSON_FALSE:
		return fg_buf_puts(b, "false");
	case JSON_ARRAY:
		json_array_foreach (v, i, e) {
			if ((i && fg_buf_putc(b, ';') < 0) ||
			    config_string(b, e) < 0)
				return FG_ERROR;
		}
		return 0;
	default:
		return 0;
	}
}

/* Flatten `v` under `prefix` into `out` (key -> string), as the operator. */
static int flatten(json_t *out, const char *prefix, const json_t *v)
{
	struct fg_buf b = FG_BUF_INIT;
	const char *k;
	json_t *e;
	int err = 0;

	if (is_null(v))
		return 0;
	if (json_is_object(v)) {
		json_object_foreach ((json_t *)(uintptr_t)v, k, e) {
			fg_buf_clear(&b);
			if (*prefix)
				err = fg_buf_printf(&b, "%s.%s", prefix, k);
			else
				err = fg_buf_puts(&b, k);
			if (err || (err = flatten(out, b.ptr, e)) < 0)
				break;
		}
		fg_buf_release(&b);
		return err;
	}
	if (config_string(&b, v) < 0 ||
	    json_object_set_new(out, prefix, json_string(b.ptr)) < 0)
		err = FG_ERROR;
	fg_buf_release(&b);
	return err;
}

static enum fg_diff_type config_key_type(struct cctx *x, const char *key)
{
	static const char *const ignored[] = { "job.autoscaler",
					       "parallelism.default",
					       "kubernetes.operator" };
	const char *overrides = "pipeline.jobvertex-parallelism-overrides";

	/* startsWith, first entry wins: the operator's @SpecDiff.Config */
	for (size_t i = 0; i < sizeof(ignored) / sizeof(*ignored); i++)
		if (!strncmp(key, ignored[i], strlen(ignored[i])))
			return FG_DIFF_IGNORE;
	if (!strncmp(key, overrides, strlen(overrides)) && !x->standalone)
		return FG_DIFF_SCALE;
	return FG_DIFF_UPGRADE;
}

/* flinkConfiguration (or one key of it, `prefix`), compared flat. */
static int config_diff(struct cctx *x, const char *prefix, const json_t *d,
		       const json_t *l, enum fg_diff_type *t)
{
	json_t *fd = json_object(), *fl = json_object();
	const char *k;
	json_t *v;
	int err = FG_ERROR;

	*t = FG_DIFF_IGNORE;
	if (!fd || !fl || flatten(fd, prefix, d) < 0 ||
	    flatten(fl, prefix, l) < 0)
		goto done;
	json_object_foreach (fd, k, v) {
		if (!same(v, json_object_get(fl, k)))
			*t = max_type(*t, config_key_type(x, k));
	}
	json_object_foreach (fl, k, v) {
		if (!json_object_get(fd, k))
			*t = max_type(*t, config_key_type(x, k));
	}
	err = 0;
done:
	json_decref(fd);
	json_decref(fl);
	if (err)
		return fg_error_set(FG_ERROR, "out of memory");
	return 0;
}

/*
 * JobManagerSpec.equals: its replicas default to 1, so `{replicas: 1}` and
 * `{}` are equal; anything else as JSON (an empty object is not absent).
 */
static int same_jobmanager(char **rest, size_t n, const json_t *d,
			   const json_t *l)
{
	json_t *dc, *lc;
	int r;

	if (n == 1 && !strcmp(rest[0], "replicas"))
		return (is_null(d) || json_integer_value(d) == 1) ==
			       (is_null(l) || json_integer_value(l) == 1) &&
		       (is_null(d) || is_null(l) || same(d, l));
	if (n || !json_is_object(d) || !json_is_object(l))
		return 0;
	dc = fg_json_deep_copy(d);
	lc = fg_json_deep_copy(l);
	if (dc && !json_object_get(dc, "replicas"))
		json_object_set_new(dc, "replicas", json_integer(1));
	if (lc && !json_object_get(lc, "replicas"))
		json_object_set_new(lc, "replicas", json_integer(1));
	r = dc && lc && same(dc, lc);
	json_decref(dc);
	json_decref(lc);
	return r;
}

/*
 * One field of spec, `rest` the tokens below it (n of them); d and l are
 * the values at the change's pointer.
 */
static int spec_field(struct cctx *x, const char *f, char **rest, size_t n,
		      const json_t *d, const json_t *l, enum fg_diff_type *t)
{
	*t = FG_DIFF_IGNORE;
	if (!strcmp(f, "flinkConfiguration")) {
		struct fg_buf key = FG_BUF_INIT;
		int err = 0;

		for (size_t i = 0; i < n && !err; i++)
			err = fg_buf_printf(&key, "%s%s", i ? "." : "",
					    rest[i]);
		if (!err)
			err = config_diff(x, key.ptr, d, l, t);
		fg_buf_release(&key);
		return err < 0 ? fg_error_set(FG_ERROR, "out of memory") : 0;
	}
	if (!strcmp(f, "job") || !strcmp(f, "taskManager")) {
		int job = f[0] == 'j';

		if (n == 0) {
			/* Diffable only when both sides are non-null */
			if (json_is_object(d) && json_is_object(l))
				*t = diffable(x, f, d, l);
			else if (!same(d, l))
				*t = FG_DIFF_UPGRADE;
			return 0;
		}
		if (!json_is_object(get(x->desired_spec, f)) ||
		    !json_is_object(get(x->live_spec, f))) {
			*t = same(d, l) ? FG_DIFF_IGNORE : FG_DIFF_UPGRADE;
			return 0;
		}
		if ((n == 1 && job) ? same_job_field(rest[0], d, l)
				    : same(d, l))
			return 0;
		*t = job ? job_field_type(x, rest[0], d, n == 1)
			 : tm_field_type(x, rest[0]);
		return 0;
	}
	if (!strcmp(f, "jobManager") && same_jobmanager(rest, n, d, l))
		return 0;
	if (same(d, l))
		return 0;
	if (!strcmp(f, "restartNonce") && n == 0 && is_null(d))
		return 0; /* onNullIgnore */
	*t = FG_DIFF_UPGRADE;
	return 0;
}

/* The whole spec (both sides objects, or one absent). */
static int whole_spec(struct cctx *x, const json_t *d, const json_t *l,
		      enum fg_diff_type *t)
{
	const json_t *side[2] = { d, l };
	const char *k;
	json_t *v;

	*t = FG_DIFF_IGNORE;
	for (int s = 0; s < 2; s++) {
		json_object_foreach ((json_t *)(uintptr_t)side[s], k, v) {
			enum fg_diff_type ft;

			if (s == 1 && get(d, k))
				continue;
			if (spec_field(x, k, NULL, 0, get(d, k), get(l, k),
				       &ft) < 0)
				return FG_ERROR;
			*t = max_type(*t, ft);
		}
	}
	return 0;
}

/* Split an RFC 6901 pointer into unescaped tokens stored in `store`. */
static int split_pointer(const char *p, struct fg_buf *store, char **tok,
			 size_t *n)
{
	size_t off[FG_CLASSIFY_TOKENS_MAX];

	*n = 0;
	while (*p == '/' && *n < FG_CLASSIFY_TOKENS_MAX) {
		size_t len;

		p++;
		len = strcspn(p, "/");
		off[(*n)++] = store->len;
		for (size_t i = 0; i < len; i++) {
			char c = p[i];

			if (c == '~' && i + 1 < len &&
			    (p[i + 1] == '0' || p[i + 1] == '1'))
				c = p[++i] == '0' ? '~' : '/';
			if (fg_buf_putc(store, c) < 0)
				return FG_ERROR;
		}
		if (fg_buf_putc(store, '\0') < 0)
			return FG_ERROR;
		p += len;
	}
	for (size_t i = 0; i < *n; i++)
		tok[i] = store->ptr + off[i];
	return 0;
}

static int classify_change(struct cctx *x, const struct fg_field_change *c,
			   enum fg_diff_type *t)
{
	struct fg_buf store = FG_BUF_INIT;
	char *tok[FG_CLASSIFY_TOKENS_MAX];
	size_t n;
	int err;

	*t = FG_DIFF_IGNORE;
	if (split_pointer(c->pointer, &store, tok, &n) < 0) {
		fg_buf_release(&store);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	if (n == 0)
		err = whole_spec(x, get(c->desired, "spec"),
				 get(c->live, "spec"), t);
	else if (strcmp(tok[0], "spec"))
		err = 0; /* metadata, status: the operator diffs spec only */
	else if (n == 1)
		err = whole_spec(x, c->desired, c->live, t);
	else
		err = spec_field(x, tok[1], tok + 2, n - 2, c->desired, c->live,
				 t);
	fg_buf_release(&store);
	return err;
}

static int set_reason(struct fg_classification *out, const char *msg)
{
	out->rejected = 1;
	free(out->reason);
	if (!(out->reason = strdup(msg)))
		return fg_error_set(FG_ERROR, "out of memory");
	return 0;
}

static int is_terminal(const char *s)
{
	return str_is(s, "FAILED") || str_is(s, "CANCELED") ||
	       str_is(s, "FINISHED");
}

/* kubernetes.operator.job.upgrade.last-state-fallback.enabled (default
 * true): may a savepoint upgrade of a job that does not run fall back to
 * last-state? */
static int fallback_enabled(const struct cctx *x, const json_t *dspec)
{
	const json_t *v = fg_flink_env_conf(
		x->env, dspec,
		"kubernetes.operator.job.upgrade.last-state-fallback.enabled");
	json_t *one = v ? json_pack("{s:O}", "k", fg_json_mut(v)) : NULL;
	int on = 1;

	if (one && fg_flink_conf_bool(one, "k", &on) < 0)
		on = 1; /* a value that does not parse: the validator's */
	json_decref(one);
	return on;
}

/* How a running job's state survives being stopped for an upgrade. */
static void stop_kind(struct cctx *x, struct fg_classification *out,
		      const json_t *desired, const json_t *live,
		      const json_t *base)
{
	const json_t *dspec = get(desired, "spec");
	const char *mode = upgrade_mode(dspec);
	const char *observed =
		str(get(get(live, "status"), "jobStatus"), "state");
	/* no status (offline plan): assume the job runs as its spec says */
	int running = !observed || str_is(observed, "RUNNING");
	int version = !out->session_job && !same(get(dspec, "flinkVersion"),
						 get(base, "flinkVersion"));

	if (!strcmp(mode, "stateless")) {
		out->restart = FG_RESTART_STATELESS;
	} else if (is_terminal(observed)) {
		out->restart = FG_RESTART_LAST_STATE;
		out->note = FG_NOTE_TERMINAL;
	} else if (version && running) {
		char buf[64];

		/* last-state cannot carry HA data across Flink versions: a
		 * savepoint when a directory is set, else cancel */
		out->restart = FG_RESTART_SAVEPOINT;
		if (!strcmp(mode, "last-state") &&
		    fg_flink_blank(env_text(x, dspec,
					    FG_FLINK_CONF_SAVEPOINT_DIR, buf,
					    sizeof(buf)))) {
			out->restart = FG_RESTART_LAST_STATE;
			out->note = FG_NOTE_VERSION_CANCEL;
		} else if (!strcmp(mode, "last-state")) {
			out->note = FG_NOTE_VERSION_CHANGE;
		}
	} else if (!strcmp(mode, "savepoint")) {
		out->restart =
			running ? FG_RESTART_SAVEPOINT : FG_RESTART_LAST_STATE;
		out->note = running ? FG_NOTE_NONE : FG_NOTE_NOT_RUNNING;
		if (!running && !version && !fallback_enabled(x, dspec)) {
			/* AbstractJobReconciler: pendingUpgrade */
			out->restart = FG_RESTART_SAVEPOINT;
			out->note = FG_NOTE_WAITS;
		}
	} else {
		out->restart = FG_RESTART_LAST_STATE;
		if (out->session_job)
			out->note = FG_NOTE_SESSION_JOB_CANCEL;
	}
}

/* The operator's validator rules that compare with lastReconciledSpec. */
static int rejections(struct fg_classification *out, const json_t *dspec,
		      const json_t *base)
{
	int djob = json_is_object(get(dspec, "job"));
	int bjob = json_is_object(get(base, "job"));

	if (out->session_job) {
		if (!same(get(dspec, "deploymentName"),
			  get(base, "deploymentName")))
			return set_reason(
				out, "The deploymentName can't be changed");
		return 0;
	}
	if (djob != bjob) {
		out->mode_switch = 1;
		return set_reason(out,
				  djob ? "Cannot switch from session to job "
					 "cluster"
				       : "Cannot switch from job to session "
					 "cluster");
	}
	if (is_standalone(dspec) != is_standalone(base)) {
		out->mode_switch = 1;
		return set_reason(
			out,
			is_standalone(dspec)
				? "Cannot switch from native kubernetes to "
				  "standalone kubernetes cluster"
				: "Cannot switch from standalone kubernetes "
				  "to native kubernetes cluster");
	}
	if (djob && !strcmp(job_state(base), "suspended") &&
	    !strcmp(upgrade_mode(base), "last-state") &&
	    strcmp(upgrade_mode(dspec), "stateless") &&
	    !same(get(dspec, "flinkVersion"), get(base, "flinkVersion")))
		return set_reason(
			out, "Changing flinkVersion after last-state suspend "
			     "is not allowed. Restore your cluster with the "
			     "current flinkVersion and perform the version "
			     "upgrade afterwards.");
	return 0;
}

static int kind_is_flink(const json_t *o, const char *kind)
{
	const char *api = str(o, "apiVersion");

	return api && !strncmp(api, "flink.apache.org/", 17) &&
	       str_is(str(o, "kind"), kind);
}

static int savepoint_path(struct fg_classification *out, const json_t *dspec)
{
	const char *p = str(get(dspec, "job"), "initialSavepointPath");

	if (!p || !*p)
		return 0;
	if (!(out->savepoint_path = strdup(p)))
		return fg_error_set(FG_ERROR, "out of memory");
	return 0;
}

/* Stateful upgrade modes. */
static int stateful_mode(const char *m)
{
	return !strcmp(m, "savepoint") || !strcmp(m, "last-state");
}

/*
 * Can the cluster take a SCALE in place (FlinkService.scale)? NULL when it
 * can, else why not (a literal).
 */
static const char *scale_not_in_place(struct cctx *x, const json_t *dspec,
				      const json_t *live, int session_cluster)
{
	const char *js = fg_json_str(
		fg_json_path(live, "status", "jobStatus", NULL), "state");
	char buf[64];
	int on = 1;

	if (x->standalone)
		return strcmp(env_text(x, dspec, "scheduler-mode", buf,
				       sizeof(buf)),
			      "reactive")
			       ? "a standalone cluster rescales in place only "
				 "with scheduler-mode: reactive"
			       : NULL;
	if (session_cluster)
		return "a session cluster does not rescale in place";
	/* a value that does not parse is the validator's business */
	{
		const json_t *v = fg_flink_env_conf(
			x->env, dspec,
			"kubernetes.operator.job.upgrade.inplace-scaling."
			"enabled");
		json_t *one =
			v ? json_pack("{s:O}", "k", fg_json_mut(v)) : NULL;

		if (one && fg_flink_conf_bool(one, "k", &on) < 0)
			on = 1;
		json_decref(one);
	}
	if (!on)
		return "in-place scaling is disabled "
		       "(kubernetes.operator.job.upgrade.inplace-scaling."
		       "enabled)";
	if (flink_version(dspec) < 118)
		return "in-place scaling needs Flink 1.18 or newer";
	if (strcasecmp(env_text(x, dspec, "jobmanager.scheduler", buf,
				sizeof(buf)),
		       "adaptive"))
		return "in-place scaling needs jobmanager.scheduler: "
		       "adaptive";
	if (is_terminal(js) || str_is(js, "RECONCILING"))
		return "the job is not running";
	return NULL;
}

/* ---- FlinkBlueGreenDeployment ---------------------------------------------- */

const char *fg_bg_diff_name(enum fg_bg_diff d)
{
	static const char *const names[] = {
		"",
		"IGNORE",
		"PATCH_CHILD",
		"TRANSITION",
		"SAVEPOINT_REDEPLOY",
		"SUSPEND",
		"RESUME",
	};

	return (size_t)d < sizeof(names) / sizeof(*names) ? names[d] : "";
}

/* Drop every null member, recursively (Java: null is absent). */
static void strip_nulls(json_t *v)
{
	const char *k;
	json_t *e;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe (v, tmp, k, e) {
			if (json_is_null(e))
				json_object_del(v, k);
			else
				strip_nulls(e);
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, e)
			strip_nulls(e);
	}
}

/*
 * A FlinkDeploymentSpec as Java holds it once read (Jackson, Lombok
 * equals): a null is an absent field, JobSpec's fields have their
 * defaults, JobManagerSpec.replicas is 1 unless set, flinkConfiguration
 * is flat with string values (the renderer's form). A new object.
 */
static json_t *java_spec(const json_t *spec)
{
	json_t *s =
		json_is_object(spec) ? fg_json_deep_copy(spec) : json_object();
	json_t *job, *jm, *flat;
	static const char *const fields[] = { "parallelism", "args", "state",
					      "upgradeMode" };

	if (!s)
		return NULL;
	strip_nulls(s);
	if (json_is_object(job = json_object_get(s, "job")))
		for (size_t i = 0; i < 4; i++)
			if (!json_object_get(job, fields[i]))
				json_object_set_new(job, fields[i],
						    job_default(fields[i]));
	if (json_is_object(jm = json_object_get(s, "jobManager")) &&
	    !json_object_get(jm, "replicas"))
		json_object_set_new(jm, "replicas", json_integer(1));
	if (json_is_object(json_object_get(s, "flinkConfiguration")) &&
	    (flat = json_object())) {
		if (flatten(flat, "",
			    json_object_get(s, "flinkConfiguration")) < 0) {
			json_decref(flat);
			json_decref(s);
			return NULL;
		}
		json_object_set_new(s, "flinkConfiguration", flat);
	}
	return s;
}

int fg_bg_diff_specs(const json_t *last, const json_t *next,
		     enum fg_bg_diff *out)
{
	const char *ls = job_state(last), *rs = job_state(next);
	struct cctx x = { 0 }; /* BlueGreenUtils.getSpecDiff: NATIVE */
	enum fg_diff_type t;
	json_t *a, *b;
	int eq;

	*out = FG_BG_DIFF_NONE;
	if (strcmp(ls, rs)) {
		if (!strcmp(rs, "suspended")) {
			*out = FG_BG_DIFF_SUSPEND;
			return 0;
		}
		if (!strcmp(ls, "suspended") && !strcmp(rs, "running")) {
			*out = FG_BG_DIFF_RESUME;
			return 0;
		}
	}
	x.desired_spec = next;
	x.live_spec = last;
	if (whole_spec(&x, next, last, &t) < 0)
		return FG_ERROR;
	if (t == FG_DIFF_SAVEPOINT_REDEPLOY) {
		*out = FG_BG_DIFF_SAVEPOINT_REDEPLOY;
		return 0;
	}
	a = java_spec(last);
	b = java_spec(next);
	if (!a || !b) {
		json_decref(a);
		json_decref(b);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	eq = same(a, b);
	json_decref(a);
	json_decref(b);
	*out = eq		     ? FG_BG_DIFF_IGNORE
	       : t == FG_DIFF_IGNORE ? FG_BG_DIFF_PATCH_CHILD
				     : FG_BG_DIFF_TRANSITION;
	return 0;
}

/* One change of a FlinkBlueGreenDeployment: what is under
 * spec.template.spec is typed as a FlinkDeployment's field (native mode);
 * everything else the operator's diff does not look at. */
static int classify_bg_change(struct cctx *x, const struct fg_field_change *c,
			      enum fg_diff_type *t)
{
	struct fg_buf store = FG_BUF_INIT;
	char *tok[FG_CLASSIFY_TOKENS_MAX];
	const json_t *d = c->desired, *l = c->live;
	size_t n;
	int err = 0;

	*t = FG_DIFF_IGNORE;
	if (split_pointer(c->pointer, &store, tok, &n) < 0) {
		fg_buf_release(&store);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	/* down to the template spec, whatever level the change is at */
	if (n == 0) {
		d = get(d, "spec");
		l = get(l, "spec");
	}
	if (n <= 1 && (n == 0 || !strcmp(tok[0], "spec"))) {
		d = get(d, "template");
		l = get(l, "template");
	}
	if (n <= 2 && (n < 2 || !strcmp(tok[1], "template"))) {
		d = get(d, "spec");
		l = get(l, "spec");
	}
	if (n && strcmp(tok[0], "spec"))
		goto done;
	if (n >= 2 && strcmp(tok[1], "template"))
		goto done;
	if (n >= 3 && strcmp(tok[2], "spec"))
		goto done;
	if (n <= 3)
		err = whole_spec(x, d, l, t);
	else
		err = spec_field(x, tok[3], tok + 4, n - 4, d, l, t);
done:
	fg_buf_release(&store);
	return err;
}

/* A Blue/Green option's text (spec.configuration, else its default). */
static const char *bg_option(const json_t *bg, const char *key, char *buf,
			     size_t n)
{
	const json_t *v = get(get(get(bg, "spec"), "configuration"), key);
	const struct fg_flink_conf_option *o = fg_flink_conf_option(key);

	snprintf(buf, n, "%s",
		 json_is_string(v) ? json_string_value(v)
		 : o && o->dflt	   ? o->dflt
				   : "");
	return buf;
}

/* "blue (orders-blue)" into buf; "the active colour" when not known. */
static const char *bg_child_words(const json_t *bg, enum fg_bg_colour c,
				  const char *unknown, char *buf, size_t n)
{
	char name[320];

	if (c == FG_BG_NONE)
		snprintf(buf, n, "%s", unknown);
	else
		snprintf(buf, n, "%s (%s)", fg_bg_colour_name(c),
			 fg_bg_child_name(name, sizeof(name),
					  fg_meta_str(bg, "name"), c));
	return buf;
}

/*
 * What the operator does to child `c` when it patches it with Git's
 * template (a SUSPEND, a RESUME, a change while it is suspended or while
 * it is being deployed): a FlinkDeployment update of that child, which
 * the cluster has (env), or else the parent seen as one.
 */
static int bg_child_update(const json_t *desired, const json_t *live,
			   const struct fg_flink_env *env, enum fg_bg_colour c,
			   struct fg_classification *cc)
{
	struct fg_flink_env cenv = { 0 };
	struct fg_changes ch = FG_CHANGES_INIT;
	const json_t *child = NULL;
	json_t *view = NULL, *want = NULL, *ingress;
	const char *t;
	int err;

	if (env)
		cenv = *env;
	cenv.session_cluster = NULL;
	cenv.bg_children_known = 0;
	if (env && env->bg_children_known && c != FG_BG_NONE)
		child = env->bg_children[c - 1];
	if (!child)
		child = view = fg_bg_as_deployment(live);
	want = fg_bg_as_deployment(desired);
	if (!child || !want) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	/* the operator prefixes the colour to the child's ingress template */
	ingress = json_object_get(json_object_get(want, "spec"), "ingress");
	if (c != FG_BG_NONE && json_is_object(ingress)) {
		t = json_string_value(json_object_get(ingress, "template"));
		json_object_set_new(ingress, "template",
				    json_sprintf("%s-%s", fg_bg_colour_name(c),
						 t ? t : "null"));
	}
	if ((err = fg_changes_add(&ch, "/spec", get(want, "spec"),
				  get(child, "spec"))) < 0)
		goto done;
	err = fg_classify_env(want, child, &cenv, &ch, cc);
done:
	fg_changes_release(&ch);
	json_decref(view);
	json_decref(want);
	return err;
}

struct bg_words {
	struct fg_buf b;
	const json_t *bg;
	char active[400], deploys[400];
};

/* "; traffic switches to B once ..., A is deleted ...; else ..." */
static void bg_switch_words(struct bg_words *w, enum fg_bg_colour a,
			    enum fg_bg_colour b)
{
	char delay[64], grace[64];
	const char *an = a ? fg_bg_colour_name(a) : "the old one";
	const char *bn = b ? fg_bg_colour_name(b) : "the new colour";

	bg_option(w->bg, FG_FLINK_CONF_BG_DELETION_DELAY, delay, sizeof(delay));
	bg_option(w->bg, FG_FLINK_CONF_BG_ABORT_GRACE, grace, sizeof(grace));
	fg_buf_printf(&w->b,
		      "; traffic switches to %s once it is STABLE with its job "
		      "RUNNING and %s is deleted after %s "
		      "(deployment-deletion.delay), else the operator aborts "
		      "back to %s after %s (abort.grace-period)",
		      bn, an, delay, an, grace);
}

/* The plan's words for a diff that deploys the other colour. */
static void bg_deploy_words(struct bg_words *w,
			    const struct fg_classification *c, int savepointing)
{
	const char *sp = c->savepoint_path ? c->savepoint_path : "";

	fg_buf_printf(&w->b, "%s: ", fg_bg_diff_name(c->bg_diff));
	if (c->restart == FG_RESTART_SAVEPOINT && savepointing)
		fg_buf_printf(&w->b, "deploys %s from the savepoint of %s",
			      w->deploys, w->active);
	else if (c->restart == FG_RESTART_SAVEPOINT)
		fg_buf_printf(&w->b,
			      "takes a savepoint of %s%s, deploys %s from it",
			      c->bg_active ? "the active " : "", w->active,
			      w->deploys);
	else if (c->restart == FG_RESTART_REDEPLOY)
		fg_buf_printf(
			&w->b,
			"deploys %s from the savepoint at %s "
			"(initialSavepointPath; no new savepoint of %s%s)",
			w->deploys, sp, c->bg_active ? "the active " : "",
			w->active);
	else
		fg_buf_printf(&w->b,
			      "deploys %s WITHOUT state (%s; %s%s keeps "
			      "its own until it is deleted)",
			      w->deploys,
			      c->bg_diff == FG_BG_DIFF_SAVEPOINT_REDEPLOY
				      ? "initialSavepointPath is empty"
				      : "upgradeMode stateless: no savepoint "
					"is taken",
			      c->bg_active ? "the active " : "", w->active);
	bg_switch_words(w, c->bg_active, c->bg_deploys);
}

/* What changed besides the children's spec, for an IGNORE. */
static void bg_ignore_words(struct bg_words *w, const struct fg_changes *ch)
{
	int ingress = 0, conf = 0, meta = 0, spec = 0;

	for (size_t i = 0; i < ch->n; i++) {
		const char *p = ch->v[i].pointer;

		ingress |= !strncmp(p, "/spec/ingress", 13);
		conf |= !strncmp(p, "/spec/configuration", 19);
		meta |= !strncmp(p, "/spec/template/metadata", 23);
		spec |= !strncmp(p, "/spec/template/spec", 19);
	}
	fg_buf_puts(&w->b, "no restart (IGNORE: the children's spec is "
			   "unchanged");
	if (ingress)
		fg_buf_puts(&w->b, "; the operator points its ingress at the "
				   "active child again");
	if (conf)
		fg_buf_puts(&w->b, "; spec.configuration applies from the next "
				   "transition");
	if (meta)
		fg_buf_puts(&w->b, "; spec.template.metadata never reaches "
				   "the children");
	if (spec)
		fg_buf_puts(&w->b, "; the rest is equal as the operator reads "
				   "it");
	fg_buf_putc(&w->b, ')');
}

static int classify_bluegreen(const json_t *desired, const json_t *live,
			      const struct fg_flink_env *env,
			      struct fg_changes *changes,
			      struct fg_classification *out)
{
	struct fg_classification cc = FG_CLASSIFICATION_INIT;
	struct bg_words w = { FG_BUF_INIT, desired, "", "" };
	const json_t *dspec = fg_flink_spec(desired);
	const json_t *lspec = fg_flink_spec(live), *status, *child = NULL;
	struct fg_bg_state st;
	struct cctx x = { 0 };
	char cw[640];
	json_t *last = NULL;
	const json_t *base;
	int err = 0, deployed, child_suspended;
	enum fg_bg_diff pend;

	out->flink = out->bluegreen = 1;
	out->create = !live;
	out->changed = changes->n;
	x.env = env;
	x.desired_spec = dspec;
	x.live_spec = lspec;
	out->type = FG_DIFF_IGNORE;
	for (size_t i = 0; i < changes->n; i++) {
		enum fg_diff_type t;

		if ((err = classify_bg_change(&x, &changes->v[i], &t)) < 0)
			goto done;
		changes->v[i].type = t;
		out->type = max_type(out->type, t);
	}
	fg_bg_state_of(live, &st);
	out->bg_phase = st.phase;
	out->bg_active = st.active;
	if ((err = fg_bg_last_template_spec(&last, live)) < 0)
		goto done;
	status = get(live, "status");
	deployed = !live ? 0
		   : json_is_object(status) && json_object_size(status)
			   ? last != NULL
			   : 1; /* no status: offline, or not observed yet */
	base = last ? last : lspec;

	if (out->create || !deployed) {
		/* INITIALIZING_BLUE: blue from the template, or nothing while
		 * it is suspended */
		out->first_deploy = !out->create;
		out->bg_deploys = FG_BG_BLUE;
		out->type = FG_DIFF_IGNORE;
		out->idle = !strcmp(job_state(dspec), "suspended");
		if (!out->idle && (err = savepoint_path(out, dspec)) < 0)
			goto done;
		bg_child_words(desired, FG_BG_BLUE, "", w.deploys,
			       sizeof(w.deploys));
		if (out->idle)
			fg_buf_printf(&w.b, "%s",
				      out->create
					      ? "is created suspended: the "
						"operator deploys nothing "
						"until job.state is running"
					      : "stays suspended: the operator "
						"has never deployed it");
		else if (out->savepoint_path)
			fg_buf_printf(&w.b,
				      "deploys %s, restoring from the "
				      "savepoint at %s",
				      w.deploys, out->savepoint_path);
		else
			fg_buf_printf(&w.b, "deploys %s from empty state",
				      w.deploys);
		goto words;
	}
	if ((err = fg_bg_diff_specs(base, dspec, &out->bg_diff)) < 0)
		goto done;
	/* the live spec ahead of what the operator acted on */
	if (last && st.phase != FG_BG_TRANSITIONING) {
		if ((err = fg_bg_diff_specs(last, lspec, &pend)) < 0)
			goto done;
		out->pending = pend != FG_BG_DIFF_IGNORE;
	}
	bg_child_words(desired, st.active,
		       "the active colour (blue or green, as the cluster has "
		       "it)",
		       w.active, sizeof(w.active));

	/* a transition in progress: the change goes to the new colour */
	if (st.phase == FG_BG_TRANSITIONING &&
	    out->bg_diff != FG_BG_DIFF_IGNORE) {
		out->bg_deploys = st.target;
		out->bg_in_place = 1;
		bg_child_words(desired, st.target, "", w.deploys,
			       sizeof(w.deploys));
		if ((err = bg_child_update(desired, live, env, st.target,
					   &cc)) < 0)
			goto done;
		fg_classification_words(&cc, cw, sizeof(cw));
		out->restart = cc.restart;
		out->note = cc.note;
		out->suspend = cc.suspend;
		out->idle = cc.idle;
		out->type = cc.type > FG_DIFF_IGNORE ? cc.type : FG_DIFF_IGNORE;
		if (out->bg_diff == FG_BG_DIFF_SUSPEND) {
			out->bg_waits = 1;
			fg_buf_printf(&w.b,
				      "SUSPEND: waits until the transition to "
				      "%s is done (%s), then %s, in place, %s",
				      fg_bg_colour_name(st.target), st.state,
				      w.deploys, cw);
		} else {
			fg_buf_printf(&w.b,
				      "%s while the transition to %s is in "
				      "progress (%s): the operator applies it "
				      "to %s, the colour being deployed, which "
				      "%s",
				      fg_bg_diff_name(out->bg_diff),
				      fg_bg_colour_name(st.target), st.state,
				      w.deploys, cw);
			if (st.active)
				fg_buf_printf(&w.b, "; %s keeps serving",
					      fg_bg_colour_name(st.active));
		}
		goto words;
	}

	/* InitializingBlueStateHandler after an aborted first deployment:
	 * blue again, with the new spec */
	if (st.phase == FG_BG_INITIALIZING &&
	    out->bg_diff != FG_BG_DIFF_IGNORE) {
		out->bg_deploys = FG_BG_BLUE;
		out->type = FG_DIFF_UPGRADE;
		bg_child_words(desired, FG_BG_BLUE, "", w.deploys,
			       sizeof(w.deploys));
		if (fg_str_is(st.job, "FAILING"))
			fg_buf_printf(&w.b,
				      "%s: deploys %s again with this spec "
				      "(its first deployment failed: "
				      "INITIALIZING_BLUE)",
				      fg_bg_diff_name(out->bg_diff), w.deploys);
		else
			fg_buf_printf(&w.b,
				      "%s: the operator does not act on it "
				      "while it initializes blue "
				      "(INITIALIZING_BLUE)",
				      fg_bg_diff_name(out->bg_diff));
		goto words;
	}
	if (env && env->bg_children_known && st.active)
		child = env->bg_children[st.active - 1];
	child_suspended =
		child ? fg_str_is(fg_json_str(fg_json_path(child, "spec", "job",
							   NULL),
					      "state"),
				  "suspended")
		      : !strcmp(job_state(base), "suspended");
	switch (out->bg_diff) {
	case FG_BG_DIFF_IGNORE:
		out->type = FG_DIFF_IGNORE;
		if (!changes->n)
			fg_buf_puts(&w.b, "no change");
		else
			bg_ignore_words(&w, changes);
		goto words;
	case FG_BG_DIFF_SUSPEND:
	case FG_BG_DIFF_RESUME:
		goto in_place;
	default:
		break;
	}
	if (child_suspended)
		goto in_place;
	/* checkAndInitiateDeployment: only from a READY active child (a
	 * missing one is not READY either) */
	if ((child && !fg_bg_child_ready(child)) ||
	    (!child && st.active && env && env->bg_children_known))
		out->bg_not_ready = 1;
	if (out->bg_diff == FG_BG_DIFF_PATCH_CHILD)
		goto in_place;

	/* TRANSITION, SAVEPOINT_REDEPLOY: the other colour, beside */
	out->bg_deploys = fg_bg_other(st.active);
	bg_child_words(desired, out->bg_deploys, "the other one", w.deploys,
		       sizeof(w.deploys));
	if ((err = savepoint_path(out, dspec)) < 0)
		goto done;
	if (out->bg_diff == FG_BG_DIFF_SAVEPOINT_REDEPLOY) {
		out->type = FG_DIFF_SAVEPOINT_REDEPLOY;
		out->restart = out->savepoint_path ? FG_RESTART_REDEPLOY
						   : FG_RESTART_STATELESS;
	} else {
		/* BlueGreenUtils.isSavepointRequired: every mode but
		 * stateless; stateless restores from initialSavepointPath
		 * when it is set */
		out->type = FG_DIFF_UPGRADE;
		out->restart = strcmp(upgrade_mode(dspec), "stateless")
				       ? FG_RESTART_SAVEPOINT
			       : out->savepoint_path ? FG_RESTART_REDEPLOY
						     : FG_RESTART_STATELESS;
		if (out->restart == FG_RESTART_SAVEPOINT) {
			free(out->savepoint_path);
			out->savepoint_path = NULL;
		}
	}
	if (st.phase == FG_BG_SAVEPOINTING)
		fg_buf_printf(&w.b,
			      "a savepoint of %s is being taken (%s); then ",
			      w.active, st.state);
	bg_deploy_words(&w, out, st.phase == FG_BG_SAVEPOINTING);
	goto refused;

in_place:
	/* patched on the active child: what its own update does */
	out->bg_in_place = 1;
	out->bg_deploys = st.active;
	if ((err = bg_child_update(desired, live, env, st.active, &cc)) < 0)
		goto done;
	fg_classification_words(&cc, cw, sizeof(cw));
	out->restart = cc.restart;
	out->note = cc.note;
	out->suspend = cc.suspend;
	out->resume = cc.resume;
	out->idle = cc.idle ||
		    (child_suspended && out->bg_diff != FG_BG_DIFF_RESUME);
	out->type = out->bg_diff == FG_BG_DIFF_PATCH_CHILD ? FG_DIFF_IGNORE
							   : cc.type;
	if (out->bg_diff == FG_BG_DIFF_SUSPEND ||
	    out->bg_diff == FG_BG_DIFF_RESUME)
		fg_buf_printf(&w.b, "%s: %s, in place, %s",
			      fg_bg_diff_name(out->bg_diff), w.active, cw);
	else if (child_suspended)
		fg_buf_printf(&w.b,
			      "updates the suspended %s in place (%s); "
			      "nothing runs",
			      w.active, fg_bg_diff_name(out->bg_diff));
	else
		fg_buf_printf(&w.b,
			      "PATCH_CHILD: patches %s in place, no restart "
			      "(the FlinkDeployment diff is IGNORE)",
			      w.active);
	/* stateless from now on: the next transition takes no savepoint */
	if (out->bg_diff == FG_BG_DIFF_PATCH_CHILD &&
	    !strcmp(upgrade_mode(dspec), "stateless") &&
	    (stateful_mode(upgrade_mode(base)) ||
	     stateful_mode(upgrade_mode(lspec))))
		out->arms_stateless = 1;

refused:
	if (out->bg_not_ready) {
		const json_t *cs = get(child, "status");
		char nb[320];

		if (!child)
			fg_buf_printf(&w.b,
				      "; BUT %s is not there: the operator "
				      "cannot start from it",
				      w.active);
		else if (fg_str_is(st.job, "FAILING"))
			fg_buf_printf(&w.b,
				      "; BUT %s is not STABLE with its job "
				      "RUNNING and the deployment is FAILING: "
				      "the operator does not act on the change",
				      w.active);
		else
			fg_buf_printf(
				&w.b,
				"; BUT %s is not STABLE with its job RUNNING "
				"(lifecycleState %s, job %s): the operator "
				"refuses (\"Transition to %s not possible, "
				"current Flink Deployment '%s' is not "
				"READY\"), "
				"marks the deployment FAILING and records the "
				"spec without deploying it",
				w.active,
				fg_json_str(cs, "lifecycleState")
					? fg_json_str(cs, "lifecycleState")
					: "unset",
				fg_json_str(get(cs, "jobStatus"), "state")
					? fg_json_str(get(cs, "jobStatus"),
						      "state")
					: "not reported",
				st.active == FG_BG_BLUE ? "GREEN" : "BLUE",
				fg_bg_child_name(nb, sizeof(nb),
						 fg_meta_str(desired, "name"),
						 st.active));
	}
words:
	if (out->arms_stateless)
		fg_buf_puts(&w.b, "; WARNING: upgradeMode stateless makes the "
				  "next transition deploy WITHOUT state");
	if (out->pending)
		fg_buf_puts(&w.b, " (an earlier change is still pending: the "
				  "operator has not acted on it yet, and acts "
				  "on both at once)");
	if (!w.b.ptr || !(out->bg_words = strdup(w.b.ptr)))
		err = fg_error_set(FG_ERROR, "out of memory");
done:
	fg_buf_release(&w.b);
	fg_classification_release(&cc);
	json_decref(last);
	return err;
}

int fg_classify_env(const json_t *desired, const json_t *live,
		    const struct fg_flink_env *env, struct fg_changes *changes,
		    struct fg_classification *out)
{
	struct cctx x = { 0 };
	const json_t *dspec, *base, *status, *rs;
	json_t *last = NULL;
	int err = 0, deployed;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(desired) || !str(desired, "kind"))
		return fg_error_set(FG_EINVALID,
				    "cannot classify: desired object has no "
				    "kind");
	if (fg_is_bluegreen(desired))
		return classify_bluegreen(desired, live, env, changes, out);
	out->changed = changes->n;
	out->create = !live;
	out->session_job = kind_is_flink(desired, "FlinkSessionJob");
	out->flink =
		out->session_job || kind_is_flink(desired, "FlinkDeployment");
	if (!out->flink) {
		for (size_t i = 0; i < changes->n; i++)
			changes->v[i].type = FG_DIFF_UPGRADE;
		out->type = changes->n ? FG_DIFF_UPGRADE : FG_DIFF_IGNORE;
		return 0;
	}

	dspec = get(desired, "spec");
	x.env = env;
	x.desired_spec = dspec;
	x.live_spec = get(live, "spec");
	x.standalone =
		out->session_job
			? is_standalone(get(env ? env->session_cluster : NULL,
					    "spec"))
			: is_standalone(dspec);
	out->session_cluster =
		!out->session_job && !json_is_object(get(dspec, "job"));

	out->type = FG_DIFF_IGNORE;
	for (size_t i = 0; i < changes->n; i++) {
		enum fg_diff_type t;

		if ((err = classify_change(&x, &changes->v[i], &t)) < 0)
			goto done;
		changes->v[i].type = t;
		out->type = max_type(out->type, t);
	}

	/* what the operator compares against, and whether it ever deployed */
	if ((err = fg_last_reconciled_spec(&last, live)) < 0)
		goto done;
	status = get(live, "status");
	if (!live)
		deployed = 0;
	else if (json_is_object(status) && json_object_size(status))
		deployed = last != NULL;
	else
		deployed = 1; /* no status: offline plan, or not observed yet */
	base = last ? last : x.live_spec;

	if (out->create || !deployed) {
		out->first_deploy = !out->create;
		out->idle = !out->session_cluster &&
			    !strcmp(job_state(dspec), "suspended");
		if (!out->idle && !out->session_cluster)
			err = savepoint_path(out, dspec);
		goto done;
	}
	if ((err = rejections(out, dspec, base)) < 0 || out->rejected)
		goto done;

	/*
	 * The operator diffs the new spec with lastReconciledSpec: a change
	 * still pending (the live spec ahead of it) is part of what happens.
	 */
	if (last) {
		enum fg_diff_type pt = FG_DIFF_IGNORE, t = FG_DIFF_IGNORE;
		struct cctx xb = x;

		xb.live_spec = last;
		xb.desired_spec = x.live_spec;
		if ((err = whole_spec(&xb, x.live_spec, last, &pt)) < 0)
			goto done;
		rs = get(status, "reconciliationStatus");
		out->pending =
			pt != FG_DIFF_IGNORE ||
			str_is(str(rs, "state"), "UPGRADING") ||
			(json_is_integer(get(status, "observedGeneration")) &&
			 json_integer_value(fg_json_path(live, "metadata",
							 "generation", NULL)) >
				 json_integer_value(
					 get(status, "observedGeneration")));
		/* while a change is pending, the operator's diff is the
		 * new spec against what it last reconciled, not the live
		 * spec: classify that */
		if (out->pending) {
			xb = x;
			xb.live_spec = last;
			xb.saw_scale_replicas = xb.saw_scale_parallelism = 0;
			if ((err = whole_spec(&xb, dspec, last, &t)) < 0)
				goto done;
			out->type = t;
			x.saw_scale_replicas = xb.saw_scale_replicas;
			x.saw_scale_parallelism = xb.saw_scale_parallelism;
		}
	}

	/* a SCALE the cluster cannot do in place is a full upgrade */
	if (out->type == FG_DIFF_SCALE &&
	    (out->scale_why = scale_not_in_place(&x, dspec, live,
						 out->session_cluster))) {
		out->scale_fallback = 1;
		out->type = FG_DIFF_UPGRADE;
	}

	if (out->session_cluster) {
		if (out->type == FG_DIFF_UPGRADE)
			out->session_cluster_redeploy = 1;
	} else {
		int cur_run = !strcmp(job_state(base), "running");
		int want_run = !strcmp(job_state(dspec), "running");

		out->idle = !cur_run && !want_run;
		if (out->type == FG_DIFF_SAVEPOINT_REDEPLOY) {
			out->restart = FG_RESTART_REDEPLOY;
			out->suspend = cur_run && !want_run;
			if ((err = savepoint_path(out, dspec)) < 0)
				goto done;
			if (!out->savepoint_path)
				err = set_reason(out,
						 "InitialSavepointPath must "
						 "not be empty for savepoint "
						 "redeployment");
			goto done;
		}
		if (out->type == FG_DIFF_UPGRADE && cur_run) {
			out->suspend = !want_run;
			stop_kind(&x, out, desired, live, base);
		} else if (out->type == FG_DIFF_UPGRADE && want_run) {
			const char *was = upgrade_mode(base);

			out->resume = 1;
			if (!strcmp(upgrade_mode(dspec), "stateless") ||
			    !strcmp(was, "stateless"))
				out->restart = FG_RESTART_STATELESS;
			else if (!strcmp(was, "savepoint"))
				out->restart = FG_RESTART_SAVEPOINT;
			else
				out->restart = FG_RESTART_LAST_STATE;
		}
		/* stateless from now on: nothing restarts yet, but the next
		 * upgrade runs without state */
		if (out->type < FG_DIFF_UPGRADE && cur_run &&
		    !strcmp(upgrade_mode(dspec), "stateless") &&
		    (stateful_mode(upgrade_mode(base)) ||
		     stateful_mode(upgrade_mode(x.live_spec))))
			out->arms_stateless = 1;
	}
	if (out->type == FG_DIFF_SCALE && !out->idle) {
		const json_t *tm = get(dspec, "taskManager");
		const json_t *job = get(dspec, "job");

		out->scale_in_place = 1;
		if (x.saw_scale_replicas) {
			out->scale_replicas = 1;
			out->scale_to =
				(int)json_integer_value(get(tm, "replicas"));
		} else if (x.saw_scale_parallelism) {
			out->scale_to = (int)json_integer_value(
				get(job, "parallelism"));
		}
	}
done:
	json_decref(last);
	return err;
}

int fg_classify_session_job(const json_t *desired, const json_t *live,
			    const json_t *session_cluster,
			    struct fg_changes *changes,
			    struct fg_classification *out)
{
	struct fg_flink_env env = { 0 };

	env.session_cluster = session_cluster;
	return fg_classify_env(desired, live, &env, changes, out);
}

int fg_classify(const json_t *desired, const json_t *live,
		struct fg_changes *changes, struct fg_classification *out)
{
	return fg_classify_session_job(desired, live, NULL, changes, out);
}

void fg_classification_release(struct fg_classification *c)
{
	if (!c)
		return;
	free(c->reason);
	free(c->savepoint_path);
	free(c->bg_words);
	memset(c, 0, sizeof(*c));
}

const char *fg_restart_name(enum fg_restart r)
{
	switch (r) {
	case FG_RESTART_NONE:
		return "none";
	case FG_RESTART_SAVEPOINT:
		return "savepoint";
	case FG_RESTART_LAST_STATE:
		return "last-state";
	case FG_RESTART_STATELESS:
		return "stateless";
	case FG_RESTART_REDEPLOY:
		return "savepoint-redeploy";
	}
	return "none";
}

static const char *stop_words(const struct fg_classification *c)
{
	switch (c->restart) {
	case FG_RESTART_SAVEPOINT:
		if (c->note == FG_NOTE_WAITS)
			return "from a savepoint once the job runs again (it "
			       "does not run now, and last-state fallback is "
			       "disabled: the operator waits)";
		return c->note == FG_NOTE_VERSION_CHANGE
			       ? "from a savepoint (the Flink version changes, "
				 "so last-state takes a savepoint)"
			       : "from a savepoint";
	case FG_RESTART_LAST_STATE:
		switch (c->note) {
		case FG_NOTE_TERMINAL:
			return "from the last recorded savepoint or "
			       "checkpoint (the job is not running)";
		case FG_NOTE_NOT_RUNNING:
			return "from the last checkpoint (the job is not "
			       "running: last-state fallback)";
		case FG_NOTE_SESSION_JOB_CANCEL:
			return "from the last checkpoint: session jobs have "
			       "no last-state HA, the operator cancels the "
			       "job";
		case FG_NOTE_VERSION_CANCEL:
			return "from the last checkpoint, cancelling the job "
			       "(the Flink version changes and no savepoint "
			       "directory is set)";
		default:
			return "from the last checkpoint (last-state)";
		}
	default:
		return "";
	}
}

static const char *base_words(const struct fg_classification *c, char *buf,
			      size_t bufsz)
{
	const char *sp = c->savepoint_path ? c->savepoint_path : "";

	if (!bufsz)
		return buf;
	if (!c->flink)
		snprintf(buf, bufsz, "%s",
			 c->create    ? "creates it (no Flink impact)"
			 : c->changed ? "updates it (no Flink impact)"
				      : "no change");
	else if (c->rejected)
		snprintf(buf, bufsz, "REJECTED by the operator: %s",
			 c->reason ? c->reason : "");
	else if (c->create || c->first_deploy)
		if (c->idle)
			snprintf(buf, bufsz, "%s",
				 c->create ? "is created suspended: the "
					     "operator deploys nothing"
					   : "stays suspended: the operator "
					     "has never deployed it");
		else if (c->session_cluster)
			snprintf(buf, bufsz, "deploys the session cluster");
		else if (c->savepoint_path)
			snprintf(buf, bufsz,
				 "deploys, restoring from the savepoint at %s",
				 sp);
		else
			snprintf(buf, bufsz,
				 "deploys the job from empty state");
	else if (!c->changed)
		snprintf(buf, bufsz, "no change");
	else if (c->type == FG_DIFF_IGNORE)
		snprintf(buf, bufsz, "no restart (IGNORE: %s)",
			 c->session_cluster
				 ? "the operator keeps the cluster running"
			 : c->idle ? "the job stays suspended"
				   : "the operator keeps the job running");
	else if (c->type == FG_DIFF_SAVEPOINT_REDEPLOY)
		if (c->idle || c->suspend)
			snprintf(buf, bufsz,
				 "cancels the job WITHOUT state and keeps it "
				 "suspended (savepoint redeploy)");
		else
			snprintf(buf, bufsz,
				 "restores from the savepoint at %s (savepoint "
				 "redeploy)",
				 sp);
	else if (c->idle)
		snprintf(buf, bufsz,
			 "updates the suspended spec; nothing runs");
	else if (c->scale_in_place && c->scale_to > 0)
		snprintf(buf, bufsz, "rescales in place to %d%s", c->scale_to,
			 c->scale_replicas ? " TaskManagers" : "");
	else if (c->scale_in_place)
		snprintf(buf, bufsz,
			 "rescales in place (per-vertex "
			 "parallelism overrides)");
	else if (c->session_cluster_redeploy)
		snprintf(buf, bufsz,
			 "redeploys the session cluster and its jobs");
	else if (c->suspend && c->restart == FG_RESTART_STATELESS)
		snprintf(buf, bufsz,
			 "suspends WITHOUT state (stateless: it "
			 "resumes from empty state)");
	else if (c->suspend && c->restart == FG_RESTART_SAVEPOINT)
		snprintf(buf, bufsz, "suspends with a savepoint");
	else if (c->suspend && c->note == FG_NOTE_NONE)
		snprintf(buf, bufsz,
			 "suspends keeping its last state "
			 "(last-state, HA)");
	else if (c->suspend && c->note == FG_NOTE_SESSION_JOB_CANCEL)
		snprintf(buf, bufsz,
			 "suspends: the operator cancels the session job, "
			 "keeping its last checkpoint (session jobs have no "
			 "last-state HA)");
	else if (c->suspend && c->note == FG_NOTE_TERMINAL)
		snprintf(buf, bufsz,
			 "suspends (the job is not running: its last recorded "
			 "savepoint or checkpoint is kept)");
	else if (c->suspend)
		snprintf(buf, bufsz,
			 "suspends keeping its last checkpoint (the job is "
			 "not running: last-state fallback)");
	else if (c->resume)
		snprintf(buf, bufsz, "%s",
			 c->restart == FG_RESTART_STATELESS
				 ? "resumes WITHOUT state (stateless)"
			 : c->restart == FG_RESTART_SAVEPOINT
				 ? "resumes from the savepoint taken when it "
				   "was suspended"
				 : "resumes from its last state (last-state)");
	else if (c->restart == FG_RESTART_STATELESS)
		snprintf(buf, bufsz,
			 "restarts WITHOUT state (stateless upgrade)");
	else if (c->restart != FG_RESTART_NONE)
		snprintf(buf, bufsz, "restarts %s", stop_words(c));
	else
		snprintf(buf, bufsz, "upgrades");
	return buf;
}

/* Append `a` and `b` to buf, cut to bufsz. */
static void append(char *buf, size_t bufsz, const char *a, const char *b)
{
	size_t len = strlen(buf);

	if (len < bufsz)
		snprintf(buf + len, bufsz - len, "%s%s", a, b ? b : "");
}

const char *fg_classification_words(const struct fg_classification *c,
				    char *buf, size_t bufsz)
{
	if (!bufsz)
		return buf;
	if (c->bluegreen) {
		snprintf(buf, bufsz, "%s", c->bg_words ? c->bg_words : "");
		return buf;
	}
	base_words(c, buf, bufsz);
	if (!c->flink || c->rejected)
		return buf;
	if (c->scale_fallback) {
		append(buf, bufsz,
		       " (a full upgrade, not in place: ", c->scale_why);
		append(buf, bufsz, ")", NULL);
	}
	if (c->arms_stateless)
		append(buf, bufsz,
		       "; WARNING: upgradeMode stateless makes the next "
		       "upgrade run WITHOUT state",
		       NULL);
	if (c->pending)
		append(buf, bufsz,
		       " (an earlier change is still pending: the operator "
		       "has not reconciled it yet, and runs both at once)",
		       NULL);
	return buf;
}
