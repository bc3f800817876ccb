#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/bluegreen.h"
#include "sync/classify.h"
#include "sync/health.h"
#include "render/base/banned.h"

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

/* Cut a message that snprintf shortened back to a whole UTF-8 sequence. */
static void utf8_trim(char *s)
{
	size_t n = strlen(s), i = n;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

		if (n - (i - 1) < want)
			s[i - 1] = '\0';
	}
}

int fg_operator_json(json_t **out, const char *s)
{
	int err;

	*out = NULL;
	if (!s || strlen(s) > FG_STATUS_JSON_MAX)
		return 0;
	err = fg_json_loads(out, s, JSON_REJECT_DUPLICATES, NULL);
	return err == FG_EINVALID ? 0 : err;
}

/* The operator's JSON in a status string, or NULL (also when memory
 * runs out: what it is read for here is shown, not decided on). */
static json_t *parse_bounded(const char *s)
{
	json_t *j;

	if (fg_operator_json(&j, s) < 0)
		fg_error_clear();
	return j;
}

/* The deepest cause the operator recorded: throwableList's last message
 * that the top message does not already hold, or NULL. */
static const char *root_cause(const json_t *j, const char *top)
{
	const json_t *list = get(j, "throwableList");
	const char *m;

	for (size_t i = json_array_size(list); i-- > 0;) {
		m = str(json_array_get(list, i), "message");
		if (m && *m)
			return top && strstr(top, m) ? NULL : m;
	}
	return NULL;
}

const char *fg_operator_error_message(const char *error, char *buf,
				      size_t bufsz)
{
	const char *m, *root;
	size_t rl, room;
	json_t *j;

	if (!bufsz)
		return buf;
	buf[0] = '\0';
	if (!error)
		return buf;
	j = parse_bounded(error);
	m = str(j, "message");
	root = root_cause(j, m);
	if (!m || !root) {
		snprintf(buf, bufsz, "%s", m ? m : error);
	} else if ((rl = strlen(root)) + 16 >= bufsz) {
		/* the root cause says what to fix: it wins the room */
		snprintf(buf, bufsz, "%s", root);
	} else {
		/* the top message, cut if it must be, then the cause whole */
		room = bufsz - rl - strlen("...; caused by: ") - 1;
		if (strlen(m) > room)
			snprintf(buf, bufsz, "%.*s...; caused by: %s",
				 (int)room, m, root);
		else
			snprintf(buf, bufsz, "%s; caused by: %s", m, root);
	}
	json_decref(j);
	utf8_trim(buf);
	return buf;
}

/* The exception class of a JSON status.error ends in `simple`. */
static int error_type_is(const char *error, const char *simple)
{
	json_t *j = parse_bounded(error);
	const char *t = str(j, "type");
	size_t n = t ? strlen(t) : 0, k = strlen(simple);
	int r = n >= k && !strcmp(t + n - k, simple);

	json_decref(j);
	return r;
}

static const char *last_spec_string(const json_t *live)
{
	const char *s = str(get(get(live, "status"), "reconciliationStatus"),
			    "lastReconciledSpec");

	return s && *s ? s : NULL;
}

int fg_last_reconciled_spec(json_t **out, const json_t *live)
{
	json_t *j, *spec;
	int err;

	*out = NULL;
	/* text that does not parse is no spec; memory running out is an
	   error, not "nothing reconciled yet" (the diff base would be lost) */
	if ((err = fg_operator_json(&j, last_spec_string(live))) < 0 || !j)
		return err;
	/* {"spec":{...},"resource_metadata":{...}}; very old: the spec */
	spec = json_is_object(get(j, "spec")) ? json_object_get(j, "spec") : j;
	if (!json_is_object(spec)) {
		json_decref(j);
		return 0;
	}
	*out = json_incref(spec);
	json_decref(j);
	return 0;
}

const char *fg_health_name(enum fg_health h)
{
	switch (h) {
	case FG_HEALTH_HEALTHY:
		return "Healthy";
	case FG_HEALTH_PROGRESSING:
		return "Progressing";
	case FG_HEALTH_SUSPENDED:
		return "Suspended";
	case FG_HEALTH_DEGRADED:
		return "Degraded";
	case FG_HEALTH_MISSING:
		return "Missing";
	case FG_HEALTH_UNKNOWN:
		return "Unknown";
	}
	return "Unknown";
}

__attribute__((format(printf, 3, 4))) static int
verdict(struct fg_health_report *out, enum fg_health h, const char *fmt, ...)
{
	char msg[FG_HEALTH_MESSAGE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	utf8_trim(msg);
	out->health = h;
	free(out->message);
	if (!(out->message = strdup(msg)))
		return fg_error_set(FG_ERROR, "out of memory");
	return 0;
}

static const char *job_state(const json_t *spec)
{
	const char *s = str(get(spec, "job"), "state");

	return s ? s : "running";
}

/* CommonStatus.getLifecycleState, for a status that does not store it. */
static const char *derive_lifecycle(const json_t *status, const json_t *last,
				    int deployment)
{
	const json_t *rs = get(status, "reconciliationStatus");
	const char *rstate = str(rs, "state");
	const char *error = str(status, "error");
	const char *jm = str(status, "jobManagerDeploymentStatus");
	const char *lr = str(rs, "lastReconciledSpec");
	const char *ls = str(rs, "lastStableSpec");

	if (!lr || !*lr)
		return error && *error ? "FAILED" : "CREATED";
	if (str_is(rstate, "UPGRADING") || str_is(rstate, "ROLLING_BACK"))
		return rstate;
	if (json_is_object(get(last, "job")) &&
	    !strcmp(job_state(last), "suspended"))
		return "SUSPENDED";
	if (str_is(str(get(status, "jobStatus"), "state"), "FAILED"))
		return "FAILED";
	if (deployment && (str_is(jm, "MISSING") || str_is(jm, "ERROR")) &&
	    error &&
	    (strstr(error, "Manual restore required.") ||
	     strstr(error, "HA metadata is not available") ||
	     strstr(error, "configmaps have been deleted.")))
		return "FAILED";
	if (str_is(rstate, "ROLLED_BACK"))
		return "ROLLED_BACK";
	if (ls && !strcmp(lr, ls))
		return "STABLE";
	return "DEPLOYED";
}

/* Does `s` contain `needle`, ignoring ASCII case? */
static int contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; s && *s; s++)
		if (!strncasecmp(s, needle, n))
			return 1;
	return 0;
}

/* 0 for a session job the operator reports "Job Not Found" for while it
 * reconciles it (its cluster lost the job). */
static int deployment_job_found(const json_t *live)
{
	const json_t *status = get(live, "status");
	const char *kind = str(live, "kind");
	const char *job = str(get(status, "jobStatus"), "state");
	const char *error = str(status, "error");

	return !(str_is(kind, "FlinkSessionJob") &&
		 str_is(job, "RECONCILING") && error &&
		 contains_ci(error, "Job Not Found"));
}

/* Seconds the job of `live` has been deployed (reconciliationTimestamp,
 * in ms), or -1 when unknown. */
static long long deployed_for(const json_t *live, long long now)
{
	const json_t *ts = get(get(get(live, "status"), "reconciliationStatus"),
			       "reconciliationTimestamp");

	if (!now || !json_is_integer(ts) || json_integer_value(ts) <= 0)
		return -1;
	return now - json_integer_value(ts) / 1000;
}

/* DEPLOYED or STABLE: the job and the JobManager decide. */
static int running_health(struct fg_health_report *out, const json_t *live,
			  int stable, const char *err, long long now)
{
	const json_t *status = get(live, "status");
	const char *jm = str(status, "jobManagerDeploymentStatus");
	const char *job = str(get(status, "jobStatus"), "state");
	int has_job = json_is_object(get(get(live, "spec"), "job"));
	const char *sep = *err ? ": " : "";

	if (str_is(jm, "ERROR"))
		return verdict(out, FG_HEALTH_DEGRADED,
			       "JobManager deployment ERROR%s%s", sep, err);
	if (has_job && str_is(job, "FAILED"))
		return verdict(out, FG_HEALTH_DEGRADED, "job FAILED%s%s", sep,
			       err);
	if (has_job && str_is(job, "FINISHED"))
		return verdict(out, FG_HEALTH_HEALTHY, "job FINISHED");
	if (has_job && (str_is(job, "RESTARTING") || str_is(job, "FAILING")) &&
	    deployed_for(live, now) > FG_HEALTH_RESTART_BOUND_S)
		return verdict(out, FG_HEALTH_DEGRADED,
			       "job %s for %lld min since its deployment: it "
			       "fails and Flink restarts it%s%s",
			       job, deployed_for(live, now) / 60, sep, err);
	if (!deployment_job_found(live))
		return verdict(out, FG_HEALTH_DEGRADED,
			       "job %s, Job Not Found: its session cluster "
			       "lost it (no HA: a stateful session job is not "
			       "resubmitted)%s%s",
			       job ? job : "", sep, err);
	if (!stable)
		return verdict(out, FG_HEALTH_PROGRESSING,
			       "deployed, waiting for %s to become stable "
			       "(job %s)",
			       has_job ? "the job" : "the cluster",
			       job ? job : "not reported");
	if (jm && !str_is(jm, "READY"))
		return verdict(out, FG_HEALTH_PROGRESSING, "JobManager %s", jm);
	if (!has_job || str_is(job, "RUNNING"))
		return verdict(out, FG_HEALTH_HEALTHY, "%s", "stable");
	if (str_is(job, "RESTARTING") || str_is(job, "FAILING"))
		return verdict(out, FG_HEALTH_DEGRADED,
			       "job %s: it failed and Flink restarts it%s%s",
			       job, sep, err);
	if (str_is(job, "CANCELED"))
		return verdict(out, FG_HEALTH_DEGRADED,
			       "job CANCELED although its spec says running");
	return verdict(out, FG_HEALTH_PROGRESSING, "job %s",
		       job ? job : "not reported");
}

static int job_health(struct fg_health_report *out, const json_t *live,
		      const json_t *desired, int deployment, long long now)
{
	const json_t *status = get(live, "status");
	const json_t *meta = get(live, "metadata");
	const json_t *spec = get(live, "spec");
	const char *error = str(status, "error");
	char err[FG_HEALTH_MESSAGE_MAX / 2];
	const char *life, *sep;
	json_t *last = NULL, *gen, *obs;
	int has_job = !deployment || json_is_object(get(spec, "job"));
	int want_suspended =
		has_job &&
		!strcmp(job_state(desired ? get(desired, "spec") : spec),
			"suspended");
	int e = 0;

	fg_operator_error_message(error, err, sizeof(err));
	sep = *err ? ": " : "";
	if (status && !json_is_object(status))
		return verdict(out, FG_HEALTH_UNKNOWN,
			       "status is not an object");
	life = str(status, "lifecycleState");
	if (get(meta, "deletionTimestamp") || str_is(life, "DELETING") ||
	    str_is(life, "DELETED"))
		return verdict(out, FG_HEALTH_PROGRESSING, "being deleted");
	if (!last_spec_string(live) && has_job &&
	    !strcmp(job_state(spec), "suspended"))
		return *err ? verdict(out, FG_HEALTH_DEGRADED,
				      "created suspended, and the operator "
				      "rejected it: %s",
				      err)
			    : verdict(out, FG_HEALTH_SUSPENDED,
				      "created suspended: the operator deploys "
				      "nothing until job.state is running");
	if (!json_object_size(status))
		return verdict(out, FG_HEALTH_PROGRESSING,
			       "waiting for the operator: no status yet");

	gen = get(meta, "generation");
	obs = get(status, "observedGeneration");
	if (json_is_integer(gen) &&
	    (!json_is_integer(obs) ||
	     json_integer_value(obs) < json_integer_value(gen))) {
		if (error && error_type_is(error, "ValidationException"))
			return verdict(out, FG_HEALTH_DEGRADED,
				       "the operator rejected generation "
				       "%" JSON_INTEGER_FORMAT ": %s",
				       json_integer_value(gen), err);
		if (error && contains_ci(error, "manual restore required"))
			return verdict(out, FG_HEALTH_DEGRADED,
				       "the operator will not upgrade the "
				       "failed job: %s",
				       err);
		if (str_is(life, "SUSPENDED") && want_suspended)
			return verdict(out, FG_HEALTH_SUSPENDED,
				       "suspended (the operator takes edits of "
				       "a suspended job when it runs again)");
		return verdict(out, FG_HEALTH_PROGRESSING,
			       "waiting for the operator to reconcile "
			       "generation %" JSON_INTEGER_FORMAT "%s%s",
			       json_integer_value(gen), sep, err);
	}

	if (!life) {
		if ((e = fg_last_reconciled_spec(&last, live)) < 0)
			return e;
		life = derive_lifecycle(status, last, deployment);
		json_decref(last);
	}
	if (!strcmp(life, "FAILED"))
		e = verdict(out, FG_HEALTH_DEGRADED, "failed%s%s", sep, err);
	else if (!strcmp(life, "ROLLED_BACK")) {
		out->drifted_rollback = 1;
		e = verdict(out, FG_HEALTH_DEGRADED,
			    "rolled back: the cluster runs the last stable "
			    "spec, older than Git%s%s",
			    sep, err);
	} else if (!strcmp(life, "ROLLING_BACK"))
		e = verdict(out, FG_HEALTH_PROGRESSING,
			    "rolling back to the last stable spec");
	else if (!strcmp(life, "UPGRADING"))
		e = verdict(out, FG_HEALTH_PROGRESSING, "upgrading");
	else if (!strcmp(life, "CREATED"))
		e = verdict(out, FG_HEALTH_PROGRESSING,
			    "created, not deployed yet");
	else if (!strcmp(life, "SUSPENDED"))
		e = verdict(out, FG_HEALTH_SUSPENDED, "suspended%s",
			    want_suspended ? "" : " (Git wants it running)");
	else if (!strcmp(life, "DEPLOYED") || !strcmp(life, "STABLE"))
		e = running_health(out, live, life[0] == 'S', err, now);
	else
		return verdict(out, FG_HEALTH_UNKNOWN,
			       "unknown lifecycleState %s", life);
	if (e < 0 || !*err || out->health == FG_HEALTH_DEGRADED)
		return e;
	/* a warning that does not change the verdict */
	return verdict(out, out->health, "%s; operator error: %s", out->message,
		       err);
}

static int snapshot_health(struct fg_health_report *out, const json_t *live)
{
	const json_t *status = get(live, "status");
	const char *state = str(status, "state");
	char err[FG_HEALTH_MESSAGE_MAX / 2];
	const char *sep;

	fg_operator_error_message(str(status, "error"), err, sizeof(err));
	sep = *err ? ": " : "";
	if (!state)
		return verdict(out, FG_HEALTH_PROGRESSING,
			       "waiting for the operator: no state yet");
	if (!strcmp(state, "COMPLETED")) {
		const char *path = str(status, "path");

		return verdict(out, FG_HEALTH_HEALTHY, "COMPLETED%s%s",
			       path ? " at " : "", path ? path : "");
	}
	if (!strcmp(state, "TRIGGER_PENDING") || !strcmp(state, "IN_PROGRESS"))
		return verdict(out, FG_HEALTH_PROGRESSING, "%s", state);
	if (!strcmp(state, "FAILED") || !strcmp(state, "ABANDONED"))
		return verdict(out, FG_HEALTH_DEGRADED, "%s%s%s", state, sep,
			       err);
	return verdict(out, FG_HEALTH_UNKNOWN, "unknown snapshot state %s",
		       state);
}

/*
 * A FlinkBlueGreenDeployment: its status (blueGreenState, jobStatus,
 * error) and, when known, the health of its children (the active one, or
 * the one being deployed), which the parent's status does not show.
 */
static int bluegreen_health(struct fg_health_report *out, const json_t *live,
			    const json_t *desired,
			    const json_t *const *children, int children_known,
			    long long now)
{
	const json_t *status = get(live, "status");
	const json_t *spec = desired ? desired : live;
	struct fg_health_report ch = FG_HEALTH_REPORT_INIT;
	char err[FG_HEALTH_MESSAGE_MAX / 2], name[320];
	const char *parent = str(get(live, "metadata"), "name");
	const char *job, *watch_name;
	struct fg_bg_state st;
	enum fg_bg_colour watch;
	enum fg_bg_diff pend = FG_BG_DIFF_IGNORE;
	const json_t *child = NULL;
	json_t *last = NULL;
	int want_suspended, e = 0, aborted, refused;

	fg_bg_state_of(live, &st);
	job = st.job;
	fg_operator_error_message(st.error, err, sizeof(err));
	want_suspended = !strcmp(
		job_state(get(get(get(spec, "spec"), "template"), "spec")),
		"suspended");
	if (status && !json_is_object(status))
		return verdict(out, FG_HEALTH_UNKNOWN,
			       "status is not an object");
	if (get(get(live, "metadata"), "deletionTimestamp"))
		return verdict(out, FG_HEALTH_PROGRESSING, "being deleted");
	if (!st.state)
		return verdict(out, FG_HEALTH_PROGRESSING,
			       "waiting for the operator: no state yet");
	if (st.phase == FG_BG_NO_STATE)
		return verdict(out, FG_HEALTH_UNKNOWN,
			       "unknown blueGreenState %s", st.state);
	if (st.phase == FG_BG_INITIALIZING && str_is(job, "SUSPENDED") &&
	    !st.error)
		return want_suspended
			       ? verdict(out, FG_HEALTH_SUSPENDED,
					 "created suspended: the operator "
					 "deploys nothing until job.state is "
					 "running")
			       : verdict(out, FG_HEALTH_PROGRESSING,
					 "INITIALIZING_BLUE: waiting for the "
					 "operator to deploy blue");
	/* the cluster's spec ahead of what the operator acted on */
	if ((e = fg_bg_last_template_spec(&last, live)) < 0)
		return e;
	if (last &&
	    (e = fg_bg_diff_specs(
		     last, get(get(get(live, "spec"), "template"), "spec"),
		     &pend)) < 0) {
		json_decref(last);
		return e;
	}
	json_decref(last);

	/* an abort (BlueGreenDeploymentService.abortDeployment) or a
	 * refused transition: the spec is recorded, the old colour runs */
	aborted = st.error && !strncmp(st.error, "Aborting deployment", 19);
	refused = st.error && strstr(st.error, " not possible, current Flink "
					       "Deployment ");
	if ((aborted || refused) && pend == FG_BG_DIFF_IGNORE &&
	    st.phase == FG_BG_ACTIVE) {
		char other[320];

		out->drifted_rollback = 1;
		fg_bg_child_name(other, sizeof(other), parent,
				 fg_bg_other(st.active));
		if (aborted)
			return verdict(
				out, FG_HEALTH_DEGRADED,
				"transition to %s aborted: the operator "
				"rolled back to %s (%s), which runs the "
				"spec before Git's; %s is left "
				"suspended: %s",
				fg_bg_colour_name(fg_bg_other(st.active)),
				fg_bg_colour_name(st.active),
				fg_bg_child_name(name, sizeof(name), parent,
						 st.active),
				other, err);
		return verdict(
			out, FG_HEALTH_DEGRADED,
			"transition refused: the operator recorded "
			"Git's spec without deploying it; %s (%s) runs "
			"the spec before it: %s",
			fg_bg_colour_name(st.active),
			fg_bg_child_name(name, sizeof(name), parent, st.active),
			err);
	}
	if ((aborted || refused) && st.phase == FG_BG_INITIALIZING)
		return verdict(out, FG_HEALTH_DEGRADED,
			       "the first deployment of blue (%s) failed: %s",
			       fg_bg_child_name(name, sizeof(name), parent,
						FG_BG_BLUE),
			       err);
	if (st.error && !aborted && !refused)
		return verdict(out, FG_HEALTH_DEGRADED, "%s: %s", st.state,
			       err);
	if (str_is(job, "FAILED") || (str_is(job, "FAILING") && !st.error))
		return verdict(out, FG_HEALTH_DEGRADED, "%s, job %s%s%s",
			       st.state, job, *err ? ": " : "", err);
	if (pend != FG_BG_DIFF_IGNORE && st.phase == FG_BG_ACTIVE)
		return verdict(out, FG_HEALTH_PROGRESSING,
			       "%s: the operator has not acted on the change "
			       "yet (%s)%s%s",
			       st.state, fg_bg_diff_name(pend),
			       st.error ? "; its last transition: " : "",
			       st.error ? err : "");

	/* the child that says how it goes */
	watch = st.phase == FG_BG_ACTIVE ? st.active : st.target;
	if (st.phase == FG_BG_SAVEPOINTING)
		watch = st.active;
	watch_name = fg_bg_child_name(name, sizeof(name), parent, watch);
	if (children_known && watch)
		child = children[watch - 1];
	if (child && (e = job_health(&ch, child, NULL, 1, now)) < 0)
		return e;

	switch (st.phase) {
	case FG_BG_ACTIVE:
		if (str_is(job, "SUSPENDED"))
			e = verdict(out, FG_HEALTH_SUSPENDED,
				    "%s: %s is suspended%s", st.state,
				    watch_name,
				    want_suspended ? ""
						   : " (Git wants it running)");
		else if (children_known && !child)
			e = verdict(out, FG_HEALTH_DEGRADED,
				    "%s, but its active child %s does not "
				    "exist",
				    st.state, watch_name);
		else if (child && ch.health == FG_HEALTH_DEGRADED)
			e = verdict(out, FG_HEALTH_DEGRADED, "%s: %s: %s",
				    st.state, watch_name, ch.message);
		else if (!str_is(job, "RUNNING"))
			e = verdict(out, FG_HEALTH_PROGRESSING, "%s, job %s",
				    st.state, job ? job : "not reported");
		else if (child && ch.health != FG_HEALTH_HEALTHY)
			e = verdict(out, FG_HEALTH_PROGRESSING, "%s: %s: %s",
				    st.state, watch_name, ch.message);
		else
			e = verdict(out, FG_HEALTH_HEALTHY,
				    "%s: %s runs the job", st.state,
				    watch_name);
		break;
	case FG_BG_SAVEPOINTING:
		e = verdict(out, FG_HEALTH_PROGRESSING,
			    "%s: taking a savepoint of %s (%s) before %s is "
			    "deployed from it",
			    st.state, fg_bg_colour_name(watch), watch_name,
			    fg_bg_colour_name(fg_bg_other(watch)));
		break;
	case FG_BG_TRANSITIONING: {
		const char *abort_at = str(status, "abortTimestamp");
		const char *from = fg_bg_colour_name(st.active);
		const char *to = fg_bg_colour_name(st.target);
		int beside = !children_known || children[st.active - 1];
		char serves[400] = "";

		if (beside)
			snprintf(serves, sizeof(serves),
				 "; %s serves until %s is STABLE with its job "
				 "RUNNING%s%s%s%s",
				 from, to,
				 abort_at && *abort_at
					 ? ", else the operator aborts back to "
					 : "",
				 abort_at && *abort_at ? from : "",
				 abort_at && *abort_at ? " at " : "",
				 abort_at && *abort_at ? abort_at : "");
		e = verdict(out, FG_HEALTH_PROGRESSING,
			    "%s: deploying %s (%s)%s%s%s", st.state, to,
			    watch_name, child ? ": " : "",
			    child ? ch.message : "", serves);
		break;
	}
	default:
		e = verdict(out, FG_HEALTH_PROGRESSING, "%s: deploying %s (%s)",
			    st.state, fg_bg_colour_name(watch), watch_name);
	}
	fg_health_report_release(&ch);
	return e;
}

int fg_health_of_bluegreen(const json_t *live, const json_t *desired,
			   const json_t *const children[2], int children_known,
			   long long now, struct fg_health_report *out)
{
	memset(out, 0, sizeof(*out));
	if (!live)
		return verdict(out, FG_HEALTH_MISSING,
			       "not found in the cluster");
	return bluegreen_health(out, live, desired, children,
				children_known && children, now);
}

int fg_health_of(const json_t *live, const json_t *desired,
		 struct fg_health_report *out)
{
	return fg_health_of_env(live, desired, NULL, 0, 0, out);
}

int fg_health_of_env(const json_t *live, const json_t *desired,
		     const json_t *session_cluster, int cluster_known,
		     long long now, struct fg_health_report *out)
{
	const char *api, *kind;
	int e;

	memset(out, 0, sizeof(*out));
	if (!live)
		return verdict(out, FG_HEALTH_MISSING,
			       "not found in the cluster");
	api = str(live, "apiVersion");
	kind = str(live, "kind");
	if (!api || strncmp(api, "flink.apache.org/", 17) || !kind)
		return verdict(out, FG_HEALTH_HEALTHY, "present");
	if (!strcmp(kind, "FlinkDeployment"))
		return job_health(out, live, desired, 1, now);
	if (!strcmp(kind, "FlinkSessionJob")) {
		struct fg_health_report c = { 0 };
		const char *name = str(get(live, "spec"), "deploymentName");

		if ((e = job_health(out, live, desired, 0, now)) < 0 ||
		    !cluster_known || out->health == FG_HEALTH_DEGRADED)
			return e;
		/* a session job is as well as its session cluster */
		if (!session_cluster)
			return verdict(out, FG_HEALTH_DEGRADED,
				       "its session cluster %s does not exist",
				       name ? name : "");
		if ((e = job_health(&c, session_cluster, NULL, 1, now)) < 0)
			return e;
		if (c.health == FG_HEALTH_DEGRADED)
			e = verdict(out, FG_HEALTH_DEGRADED,
				    "its session cluster %s is Degraded: %s",
				    name ? name : "", c.message);
		fg_health_report_release(&c);
		return e;
	}
	if (!strcmp(kind, "FlinkStateSnapshot"))
		return snapshot_health(out, live);
	if (!strcmp(kind, "FlinkBlueGreenDeployment"))
		return bluegreen_health(out, live, desired, NULL, 0, now);
	return verdict(out, FG_HEALTH_HEALTHY, "present");
}

void fg_health_report_release(struct fg_health_report *r)
{
	if (!r)
		return;
	free(r->message);
	memset(r, 0, sizeof(*r));
}
