/*
 * Flink-aware health from the status the operator writes: every lifecycle
 * state against every Flink job state, and the special cases around them.
 */
#include "helpers.h"

#include "sync/health.h"
#include "render/base/banned.h"

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

	if (!v)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return v;
}

/* kind, metadata (generation 1 unless `meta` says), spec, status */
static json_t *obj(const char *kind, const char *meta, const char *spec,
		   const char *status)
{
	json_t *o = json_pack(
		"{s:s, s:s}", "apiVersion",
		strcmp(kind, "ConfigMap") ? "flink.apache.org/v1beta1" : "v1",
		"kind", kind);

	json_object_set_new(
		o, "metadata",
		J(meta ? meta : "{\"name\":\"j\",\"generation\":1}"));
	json_object_set_new(o, "spec", J(spec));
	if (status)
		json_object_set_new(o, "status", J(status));
	return o;
}

static void expect(json_t *live, json_t *desired, enum fg_health want,
		   const char *msg_part)
{
	struct fg_health_report r = FG_HEALTH_REPORT_INIT;
	char *dump = live ? json_dumps(live, JSON_COMPACT) : NULL;

	assert_int_equal(fg_health_of(live, desired, &r), 0);
	if (r.health != want)
		fail_msg("%s: got %s (%s), want %s", dump ? dump : "(null)",
			 fg_health_name(r.health), r.message,
			 fg_health_name(want));
	if (msg_part && !strstr(r.message, msg_part))
		fail_msg("%s: message '%s' lacks '%s'", dump, r.message,
			 msg_part);
	free(dump);
	fg_health_report_release(&r);
	json_decref(live);
	json_decref(desired);
}

#define APP_SPEC "{\"job\":{\"jarURI\":\"local:///x.jar\"}}"

static const char *const job_states[] = {
	"INITIALIZING", "CREATED",    "RUNNING",     "FAILING",
	"FAILED",	"CANCELLING", "CANCELED",    "FINISHED",
	"RESTARTING",	"SUSPENDED",  "RECONCILING", NULL, /* not reported */
};

static const char *const lifecycles[] = {
	"CREATED",	"SUSPENDED",   "UPGRADING", "DEPLOYED", "STABLE",
	"ROLLING_BACK", "ROLLED_BACK", "FAILED",    "DELETING", "DELETED",
};

/*
 * Expected health per lifecycle (rows) x job state (columns, in the order of
 * job_states): H healthy, P progressing, S suspended, D degraded.
 */
static const char *const matrix[] = {
	/*            INI CRE RUN FAI FLD CNG CND FIN RST SUS REC none */
	/* CREATED */ "PPPPPPPPPPPP",
	/* SUSPEND */ "SSSSSSSSSSSS",
	/* UPGRADI */ "PPPPPPPPPPPP",
	/* DEPLOYE */ "PPPPDPPHPPPP",
	/* STABLE  */ "PPHDDPDHDPPP",
	/* ROLLING */ "PPPPPPPPPPPP",
	/* ROLLED_ */ "DDDDDDDDDDDD",
	/* FAILED  */ "DDDDDDDDDDDD",
	/* DELETIN */ "PPPPPPPPPPPP",
	/* DELETED */ "PPPPPPPPPPPP",
};

static enum fg_health letter(char c)
{
	switch (c) {
	case 'H':
		return FG_HEALTH_HEALTHY;
	case 'S':
		return FG_HEALTH_SUSPENDED;
	case 'D':
		return FG_HEALTH_DEGRADED;
	default:
		return FG_HEALTH_PROGRESSING;
	}
}

static void lifecycle_by_job_state(const char *kind, const char *spec)
{
	for (size_t l = 0; l < sizeof(lifecycles) / sizeof(*lifecycles); l++) {
		for (size_t j = 0; j < sizeof(job_states) / sizeof(*job_states);
		     j++) {
			json_t *st = json_pack("{s:s, s:i, s:{s:s}}",
					       "lifecycleState", lifecycles[l],
					       "observedGeneration", 1,
					       "reconciliationStatus",
					       "lastReconciledSpec", "{}");

			if (job_states[j])
				json_object_set_new(st, "jobStatus",
						    json_pack("{s:s}", "state",
							      job_states[j]));
			if (!strcmp(kind, "FlinkDeployment"))
				json_object_set_new(
					st, "jobManagerDeploymentStatus",
					json_string("READY"));
			json_t *live = obj(kind, NULL, spec, NULL);
			json_object_set_new(live, "status", st);
			expect(live, NULL, letter(matrix[l][j]), NULL);
		}
	}
}

static void test_health__every_lifecycle_and_job_state(void **state)
{
	lifecycle_by_job_state("FlinkDeployment", APP_SPEC);
	lifecycle_by_job_state("FlinkSessionJob",
			       "{\"deploymentName\":\"s\",\"job\":{}}");
}

#define ST(extra)                                              \
	"{\"observedGeneration\":1,\"reconciliationStatus\":{" \
	"\"lastReconciledSpec\":\"{}\"}" extra "}"

static void test_health__missing_and_other_kinds(void **state)
{
	expect(NULL, NULL, FG_HEALTH_MISSING, "not found");
	expect(obj("ConfigMap", NULL, "{}", NULL), NULL, FG_HEALTH_HEALTHY,
	       "present");
}

static void test_health__no_status_yet_is_progressing(void **state)
{
	expect(obj("FlinkDeployment", NULL, APP_SPEC, NULL), NULL,
	       FG_HEALTH_PROGRESSING, "no status yet");
	expect(obj("FlinkDeployment", NULL, APP_SPEC, "{}"), NULL,
	       FG_HEALTH_PROGRESSING, "no status yet");
}

static void test_health__created_suspended_is_suspended(void **state)
{
	const char *spec = "{\"job\":{\"state\":\"suspended\"}}";

	/* before the operator looked, and with the defaults it leaves */
	expect(obj("FlinkDeployment", NULL, spec, NULL), NULL,
	       FG_HEALTH_SUSPENDED, "created suspended");
	expect(obj("FlinkDeployment", NULL, spec,
		   "{\"lifecycleState\":\"CREATED\",\"reconciliationStatus\":"
		   "{\"state\":\"UPGRADING\"},\"jobManagerDeploymentStatus\":"
		   "\"MISSING\"}"),
	       NULL, FG_HEALTH_SUSPENDED, "created suspended");
	expect(obj("FlinkSessionJob", NULL,
		   "{\"deploymentName\":\"s\",\"job\":{\"state\":\"suspended\"}"
		   "}",
		   "{\"lifecycleState\":\"CREATED\"}"),
	       NULL, FG_HEALTH_SUSPENDED, "created suspended");
}

static void test_health__generation_not_yet_observed(void **state)
{
	const char *meta = "{\"name\":\"j\",\"generation\":3}";

	expect(obj("FlinkDeployment", meta, APP_SPEC,
		   "{\"observedGeneration\":2,\"lifecycleState\":\"STABLE\","
		   "\"jobStatus\":{\"state\":\"RUNNING\"}}"),
	       NULL, FG_HEALTH_PROGRESSING, "generation 3");
}

static void test_health__rejected_generation_is_degraded(void **state)
{
	const char *meta = "{\"name\":\"j\",\"generation\":3}";
	json_t *st = J("{\"observedGeneration\":2,\"lifecycleState\":"
		       "\"STABLE\",\"jobStatus\":{\"state\":\"RUNNING\"}}");
	json_t *live = obj("FlinkDeployment", meta, APP_SPEC, NULL);

	json_object_set_new(
		st, "error",
		json_string("{\"type\":\"org.apache.flink.kubernetes.operator."
			    "exception.ValidationException\",\"message\":"
			    "\"Cannot switch from job to session cluster\","
			    "\"additionalMetadata\":{},\"throwableList\":[]}"));
	json_object_set_new(live, "status", st);
	expect(live, NULL, FG_HEALTH_DEGRADED,
	       "rejected generation 3: Cannot switch from job to session "
	       "cluster");
}

static void test_health__failed_carries_the_operator_message(void **state)
{
	json_t *st = J(ST(",\"lifecycleState\":\"FAILED\",\"jobStatus\":"
			  "{\"state\":\"FAILED\"}"));
	json_t *live = obj("FlinkDeployment", NULL, APP_SPEC, NULL);

	json_object_set_new(
		st, "error",
		json_string("{\"type\":\"org.apache.flink.runtime.JobException"
			    "\",\"message\":\"Recovery is suppressed by "
			    "NoRestartBackoffTimeStrategy\",\"stackTrace\":"
			    "\"at x\",\"throwableList\":[]}"));
	json_object_set_new(live, "status", st);
	expect(live, NULL, FG_HEALTH_DEGRADED,
	       "failed: Recovery is suppressed by "
	       "NoRestartBackoffTimeStrategy");
}

/* The operator's top message names the step; its last cause, what to fix. */
static void test_health__the_root_cause_is_kept(void **state)
{
	struct fg_buf pad = FG_BUF_INIT, err = FG_BUF_INIT;
	json_t *st = J(ST(",\"lifecycleState\":\"FAILED\""));
	json_t *live = obj("FlinkDeployment", NULL, APP_SPEC, NULL);

	/* a top message long enough to push the cause out if cut blindly */
	for (int i = 0; i < 60; i++)
		fg_buf_puts(&pad, "Could not create Kubernetes cluster. ");
	fg_buf_printf(
		&err,
		"{\"type\":\"org.apache.flink.kubernetes.operator.exception."
		"ReconciliationException\",\"message\":\"%s\","
		"\"throwableList\":[{\"type\":\"org.apache.flink.client."
		"deployment.ClusterDeploymentException\",\"message\":"
		"\"Could not create Kubernetes cluster \\\"basic\\\".\"},"
		"{\"type\":\"io.fabric8.kubernetes.client."
		"KubernetesClientException\",\"message\":\"Failure executing: "
		"POST at: https://10.96.0.1/apis/apps/v1/namespaces/team/"
		"deployments. Message: deployments.apps \\\"basic\\\" is "
		"forbidden: error looking up service account team/flink: "
		"serviceaccounts \\\"flink\\\" not found.\"}]}",
		pad.ptr);
	json_object_set_new(st, "error", json_string(err.ptr));
	json_object_set_new(live, "status", st);
	expect(live, NULL, FG_HEALTH_DEGRADED,
	       "caused by: Failure executing: POST at: "
	       "https://10.96.0.1/apis/apps/v1/namespaces/team/deployments. "
	       "Message: deployments.apps \"basic\" is forbidden: error "
	       "looking up service account team/flink: serviceaccounts "
	       "\"flink\" not found.");
	fg_buf_release(&pad);
	fg_buf_release(&err);
}

static void test_health__rolled_back_is_drift(void **state)
{
	struct fg_health_report r = FG_HEALTH_REPORT_INIT;
	json_t *live = obj("FlinkDeployment", NULL, APP_SPEC,
			   ST(",\"lifecycleState\":\"ROLLED_BACK\","
			      "\"jobStatus\":{\"state\":\"RUNNING\"}"));

	assert_int_equal(fg_health_of(live, NULL, &r), 0);
	assert_int_equal(r.health, FG_HEALTH_DEGRADED);
	assert_true(r.drifted_rollback);
	assert_non_null(strstr(r.message, "older than Git"));
	fg_health_report_release(&r);
	json_decref(live);
}

static void test_health__jobmanager_error_is_degraded(void **state)
{
	expect(obj("FlinkDeployment", NULL, APP_SPEC,
		   ST(",\"lifecycleState\":\"DEPLOYED\","
		      "\"jobManagerDeploymentStatus\":\"ERROR\"")),
	       NULL, FG_HEALTH_DEGRADED, "JobManager deployment ERROR");
	expect(obj("FlinkDeployment", NULL, APP_SPEC,
		   ST(",\"lifecycleState\":\"STABLE\",\"jobStatus\":{\"state\":"
		      "\"RUNNING\"},\"jobManagerDeploymentStatus\":"
		      "\"DEPLOYING\"")),
	       NULL, FG_HEALTH_PROGRESSING, "JobManager DEPLOYING");
}

static void test_health__session_cluster_is_healthy_when_stable(void **state)
{
	expect(obj("FlinkDeployment", NULL, "{\"image\":\"flink\"}",
		   ST(",\"lifecycleState\":\"STABLE\","
		      "\"jobManagerDeploymentStatus\":\"READY\"")),
	       NULL, FG_HEALTH_HEALTHY, "stable");
}

static void test_health__suspended_against_git(void **state)
{
	json_t *desired = obj("FlinkDeployment", NULL, APP_SPEC, NULL);

	expect(obj("FlinkDeployment", NULL,
		   "{\"job\":{\"state\":\"suspended\"}}",
		   ST(",\"lifecycleState\":\"SUSPENDED\"")),
	       desired, FG_HEALTH_SUSPENDED, "Git wants it running");
}

static void test_health__error_is_a_warning_when_healthy(void **state)
{
	expect(obj("FlinkSessionJob", NULL, "{\"job\":{}}",
		   ST(",\"lifecycleState\":\"STABLE\",\"jobStatus\":{\"state\":"
		      "\"RUNNING\"},\"error\":\"savepoint trigger failed\"")),
	       NULL, FG_HEALTH_HEALTHY,
	       "operator error: savepoint trigger failed");
}

/* The operator's own words for a session job its cluster lost: the job
 * is not coming back by itself. */
static void test_health__a_lost_session_job_is_degraded(void **state)
{
	expect(obj("FlinkSessionJob", NULL, "{\"job\":{}}",
		   ST(",\"lifecycleState\":\"STABLE\",\"jobStatus\":{\"state\":"
		      "\"RECONCILING\"},\"error\":\"Job Not Found\"")),
	       NULL, FG_HEALTH_DEGRADED, "Job Not Found");
	expect(obj("FlinkDeployment", NULL, APP_SPEC,
		   ST(",\"lifecycleState\":\"STABLE\",\"jobStatus\":{\"state\":"
		      "\"RUNNING\"},\"error\":\"{\\\"message\\\":\\\"savepoint "
		      "failed\\\"}\"")),
	       NULL, FG_HEALTH_HEALTHY,
	       "stable; operator error: savepoint failed");
}

/* lastReconciledSpec text with job.state %s, escaped for a JSON string */
#define LR_FMT "{\\\"spec\\\":{\\\"job\\\":{\\\"state\\\":\\\"%s\\\"}}}"

static void test_health__lifecycle_derived_when_absent(void **state)
{
	char st[512], spec[128];

	snprintf(spec, sizeof(spec), LR_FMT, "running");
	snprintf(st, sizeof(st),
		 "{\"observedGeneration\":1,\"jobStatus\":{\"state\":"
		 "\"RUNNING\"},\"reconciliationStatus\":{\"state\":"
		 "\"DEPLOYED\",\"lastReconciledSpec\":\"%s\","
		 "\"lastStableSpec\":\"%s\"}}",
		 spec, spec);
	expect(obj("FlinkDeployment", NULL, APP_SPEC, st), NULL,
	       FG_HEALTH_HEALTHY, NULL);

	snprintf(spec, sizeof(spec), LR_FMT, "suspended");
	snprintf(
		st, sizeof(st),
		"{\"observedGeneration\":1,\"reconciliationStatus\":{\"state\":"
		"\"DEPLOYED\",\"lastReconciledSpec\":\"%s\"}}",
		spec);
	expect(obj("FlinkDeployment", NULL, APP_SPEC, st), NULL,
	       FG_HEALTH_SUSPENDED, NULL);

	expect(obj("FlinkDeployment", NULL, APP_SPEC,
		   "{\"observedGeneration\":1,\"error\":\"boom\"}"),
	       NULL, FG_HEALTH_DEGRADED, "boom");
}

static void test_health__deletion_is_progressing(void **state)
{
	expect(obj("FlinkDeployment",
		   "{\"name\":\"j\",\"deletionTimestamp\":\"2026-01-01T00:00:"
		   "00Z\"}",
		   APP_SPEC, ST(",\"lifecycleState\":\"STABLE\"")),
	       NULL, FG_HEALTH_PROGRESSING, "being deleted");
}

static void test_health__unknown_when_status_is_unreadable(void **state)
{
	expect(obj("FlinkDeployment", NULL, APP_SPEC, "[]"), NULL,
	       FG_HEALTH_UNKNOWN, "not an object");
	expect(obj("FlinkDeployment", NULL, APP_SPEC,
		   ST(",\"lifecycleState\":\"SOMETHING_NEW\"")),
	       NULL, FG_HEALTH_UNKNOWN, "SOMETHING_NEW");
}

static void test_health__snapshots(void **state)
{
	static const struct {
		const char *status;
		enum fg_health want;
		const char *msg;
	} rows[] = {
		{ NULL, FG_HEALTH_PROGRESSING, "no state yet" },
		{ "{\"state\":\"TRIGGER_PENDING\"}", FG_HEALTH_PROGRESSING,
		  "TRIGGER_PENDING" },
		{ "{\"state\":\"IN_PROGRESS\"}", FG_HEALTH_PROGRESSING,
		  "IN_PROGRESS" },
		{ "{\"state\":\"COMPLETED\",\"path\":\"s3://b/sp-1\"}",
		  FG_HEALTH_HEALTHY, "COMPLETED at s3://b/sp-1" },
		{ "{\"state\":\"FAILED\",\"error\":\"no space\"}",
		  FG_HEALTH_DEGRADED, "FAILED: no space" },
		{ "{\"state\":\"ABANDONED\"}", FG_HEALTH_DEGRADED,
		  "ABANDONED" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		expect(obj("FlinkStateSnapshot", NULL,
			   "{\"savepoint\":{},\"jobReference\":{}}",
			   rows[i].status),
		       NULL, rows[i].want, rows[i].msg);
}

static void test_health__long_errors_are_cut(void **state)
{
	char big[4096];
	struct fg_health_report r = FG_HEALTH_REPORT_INIT;
	json_t *live = obj("FlinkDeployment", NULL, APP_SPEC,
			   ST(",\"lifecycleState\":\"FAILED\""));

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_object_set_new(json_object_get(live, "status"), "error",
			    json_string(big));
	assert_int_equal(fg_health_of(live, NULL, &r), 0);
	assert_int_equal(r.health, FG_HEALTH_DEGRADED);
	assert_true(strlen(r.message) <= FG_HEALTH_MESSAGE_MAX);
	fg_health_report_release(&r);
	json_decref(live);
}

/* The points of health as the operator means it (issue 13). */
static void test_health__as_the_operator_means_it(void **state)
{
	struct fg_health_report r = FG_HEALTH_REPORT_INIT;
	json_t *live, *cluster;

	/* a FAILED job whose upgrade the operator refuses stays behind */
	expect(obj("FlinkDeployment", "{\"name\":\"j\",\"generation\":2}",
		   APP_SPEC,
		   ST(",\"lifecycleState\":\"FAILED\",\"error\":\"{"
		      "\\\"type\\\":"
		      "\\\"org.apache.flink.kubernetes.operator.exception."
		      "UpgradeFailureException\\\",\\\"message\\\":\\\"Job is "
		      "in "
		      "terminal state but last checkpoint is unknown. Manual "
		      "restore required.\\\"}\"")),
	       NULL, FG_HEALTH_DEGRADED, "Manual restore required");
	/* editing a suspended job does not advance observedGeneration */
	expect(obj("FlinkDeployment", "{\"name\":\"j\",\"generation\":2}",
		   "{\"job\":{\"state\":\"suspended\"}}",
		   ST(",\"lifecycleState\":\"SUSPENDED\"")),
	       NULL, FG_HEALTH_SUSPENDED, "when it runs again");
	/* never deployed, suspended, rejected */
	expect(obj("FlinkDeployment", NULL,
		   "{\"job\":{\"state\":\"suspended\"}}",
		   "{\"error\":\"{\\\"type\\\":\\\"org.apache.flink.kubernetes."
		   "operator.exception.ValidationException\\\",\\\"message\\\":"
		   "\\\"Job parallelism must be larger than 0\\\"}\"}"),
	       NULL, FG_HEALTH_DEGRADED, "Job parallelism must be larger");

	/* RESTARTING since its deployment for longer than the bound */
	live = obj("FlinkDeployment", NULL, APP_SPEC,
		   "{\"observedGeneration\":1,\"lifecycleState\":\"DEPLOYED\","
		   "\"jobStatus\":{\"state\":\"RESTARTING\"},"
		   "\"reconciliationStatus\":{\"lastReconciledSpec\":\"{}\","
		   "\"reconciliationTimestamp\":1765000000000}}");
	assert_int_equal(
		fg_health_of_env(live, NULL, NULL, 0, 1765000000 + 60, &r), 0);
	assert_int_equal(r.health, FG_HEALTH_PROGRESSING);
	fg_health_report_release(&r);
	assert_int_equal(
		fg_health_of_env(live, NULL, NULL, 0, 1765000000 + 3600, &r),
		0);
	assert_int_equal(r.health, FG_HEALTH_DEGRADED);
	assert_non_null(strstr(r.message, "RESTARTING for 60 min"));
	fg_health_report_release(&r);
	json_decref(live);

	/* a session job is as well as its session cluster */
	live = obj("FlinkSessionJob", NULL,
		   "{\"deploymentName\":\"s\",\"job\":{}}",
		   ST(",\"lifecycleState\":\"STABLE\",\"jobStatus\":{\"state\":"
		      "\"RUNNING\"}"));
	cluster = obj("FlinkDeployment", NULL, "{}",
		      ST(",\"lifecycleState\":\"STABLE\","
			 "\"jobManagerDeploymentStatus\":\"ERROR\",\"error\":"
			 "\"serviceaccounts \\\"flink\\\" not found\""));
	assert_int_equal(fg_health_of_env(live, NULL, cluster, 1, 0, &r), 0);
	assert_int_equal(r.health, FG_HEALTH_DEGRADED);
	assert_non_null(strstr(r.message, "session cluster s is Degraded"));
	assert_non_null(strstr(r.message, "serviceaccounts"));
	fg_health_report_release(&r);
	assert_int_equal(fg_health_of_env(live, NULL, NULL, 1, 0, &r), 0);
	assert_int_equal(r.health, FG_HEALTH_DEGRADED);
	assert_non_null(strstr(r.message, "does not exist"));
	fg_health_report_release(&r);
	json_decref(cluster);
	json_decref(live);
}

/* ---- FlinkBlueGreenDeployment ------------------------------------------- */

#define BG_TEMPLATE                                                   \
	"{\"template\":{\"spec\":{\"image\":\"flink:1.20\",\"job\":{" \
	"\"jarURI\":\"local:///x.jar\",\"parallelism\":2}}}}"
#define BG_LAST                                                          \
	"{\\\"spec\\\":{\\\"template\\\":{\\\"spec\\\":{\\\"image\\\":"  \
	"\\\"flink:1.20\\\",\\\"job\\\":{\\\"jarURI\\\":\\\"local:///x." \
	"jar\\\",\\\"parallelism\\\":2}}}}}"

/* The parent `orders` in state STATE, job JOB, error ERR (or NULL),
 * having acted on its own spec. */
static json_t *bgd(const char *state, const char *job, const char *err)
{
	char status[1024];

	snprintf(status, sizeof(status),
		 "{\"blueGreenState\":\"%s\",\"jobStatus\":{\"state\":\"%s\"},"
		 "\"lastReconciledSpec\":\"" BG_LAST "\"%s%s%s}",
		 state, job, err ? ",\"error\":\"" : "", err ? err : "",
		 err ? "\"" : "");
	return obj("FlinkBlueGreenDeployment",
		   "{\"name\":\"orders\",\"uid\":\"u1\"}", BG_TEMPLATE, status);
}

/* A child of `orders` in lifecycle LC with job JOB. */
static json_t *kid(const char *colour, const char *lc, const char *job)
{
	char meta[256], status[256];

	snprintf(meta, sizeof(meta),
		 "{\"name\":\"orders-%s\",\"generation\":1,"
		 "\"ownerReferences\":[{\"kind\":\"FlinkBlueGreenDeployment\","
		 "\"name\":\"orders\",\"uid\":\"u1\"}]}",
		 colour);
	snprintf(status, sizeof(status),
		 "{\"observedGeneration\":1,\"lifecycleState\":\"%s\","
		 "\"jobStatus\":{\"state\":\"%s\"},\"reconciliationStatus\":{"
		 "\"lastReconciledSpec\":\"{}\",\"lastStableSpec\":\"{}\"}}",
		 lc, job);
	return obj("FlinkDeployment", meta, APP_SPEC, status);
}

static void expect_bg(json_t *live, json_t *blue, json_t *green, int known,
		      enum fg_health want, const char *msg_part)
{
	struct fg_health_report r = FG_HEALTH_REPORT_INIT;
	const json_t *kids[2] = { blue, green };

	assert_int_equal(fg_health_of_bluegreen(live, NULL, kids, known, 0, &r),
			 0);
	if (r.health != want)
		fail_msg("got %s (%s), want %s", fg_health_name(r.health),
			 r.message, fg_health_name(want));
	if (msg_part && !strstr(r.message, msg_part))
		fail_msg("message '%s' lacks '%s'", r.message, msg_part);
	fg_health_report_release(&r);
	json_decref(live);
	json_decref(blue);
	json_decref(green);
}

static void test_health__bluegreen_states(void **state)
{
	expect_bg(bgd("ACTIVE_BLUE", "RUNNING", NULL), NULL, NULL, 0,
		  FG_HEALTH_HEALTHY, "ACTIVE_BLUE: orders-blue runs the job");
	expect_bg(bgd("ACTIVE_GREEN", "RUNNING", NULL), NULL,
		  kid("green", "STABLE", "RUNNING"), 1, FG_HEALTH_HEALTHY,
		  "ACTIVE_GREEN");
	expect_bg(bgd("INITIALIZING_BLUE", "RECONCILING", NULL), NULL, NULL, 0,
		  FG_HEALTH_PROGRESSING, "INITIALIZING_BLUE");
	expect_bg(bgd("SAVEPOINTING_BLUE", "RUNNING", NULL), NULL, NULL, 0,
		  FG_HEALTH_PROGRESSING,
		  "SAVEPOINTING_BLUE: taking a savepoint of blue (orders-blue) "
		  "before green is deployed from it");
	expect_bg(bgd("TRANSITIONING_TO_GREEN", "RECONCILING", NULL),
		  kid("blue", "STABLE", "RUNNING"),
		  kid("green", "DEPLOYED", "RUNNING"), 1, FG_HEALTH_PROGRESSING,
		  "TRANSITIONING_TO_GREEN: deploying green (orders-green): "
		  "deployed, waiting for the job to become stable");
	expect_bg(bgd("ACTIVE_BLUE", "SUSPENDED", NULL), NULL, NULL, 0,
		  FG_HEALTH_SUSPENDED, "orders-blue is suspended");
	expect_bg(bgd("INITIALIZING_BLUE", "SUSPENDED", NULL), NULL, NULL, 0,
		  FG_HEALTH_PROGRESSING, NULL); /* Git wants it running */
	expect_bg(bgd("ACTIVE_PURPLE", "RUNNING", NULL), NULL, NULL, 0,
		  FG_HEALTH_UNKNOWN, "unknown blueGreenState ACTIVE_PURPLE");
}

static void test_health__bluegreen_children_feed_the_parent(void **state)
{
	/* the active child failed, the parent's status does not say */
	expect_bg(bgd("ACTIVE_BLUE", "RUNNING", NULL),
		  kid("blue", "FAILED", "FAILED"), NULL, 1, FG_HEALTH_DEGRADED,
		  "ACTIVE_BLUE: orders-blue: failed");
	expect_bg(bgd("ACTIVE_BLUE", "RUNNING", NULL), NULL, NULL, 1,
		  FG_HEALTH_DEGRADED,
		  "its active child orders-blue does not exist");
	expect_bg(bgd("ACTIVE_BLUE", "RUNNING", NULL),
		  kid("blue", "DEPLOYED", "RUNNING"), NULL, 1,
		  FG_HEALTH_PROGRESSING, "orders-blue: deployed");
}

static void test_health__bluegreen_abort_is_drift(void **state)
{
	struct fg_health_report r = FG_HEALTH_REPORT_INIT;
	json_t *live = bgd("ACTIVE_BLUE", "FAILING",
			   "Aborting deployment 'orders-green', rolling B/G "
			   "deployment back to ACTIVE_BLUE");

	assert_int_equal(fg_health_of_bluegreen(live, NULL, NULL, 0, 0, &r), 0);
	assert_int_equal(r.health, FG_HEALTH_DEGRADED);
	assert_true(r.drifted_rollback);
	assert_non_null(strstr(r.message, "transition to green aborted: the "
					  "operator rolled back to blue "
					  "(orders-blue), which runs the spec "
					  "before Git's"));
	fg_health_report_release(&r);
	json_decref(live);
	/* refused for a child that is not READY: the same drift */
	live = bgd("ACTIVE_BLUE", "FAILING",
		   "Transition to GREEN not possible, current Flink "
		   "Deployment 'orders-blue' is not READY. FAILING 'orders'");
	assert_int_equal(fg_health_of_bluegreen(live, NULL, NULL, 0, 0, &r), 0);
	assert_true(r.drifted_rollback);
	assert_non_null(strstr(r.message, "transition refused"));
	fg_health_report_release(&r);
	json_decref(live);
	/* the first deployment aborted: nothing ran before, no drift */
	live = bgd("INITIALIZING_BLUE", "FAILING",
		   "Aborting deployment 'orders-blue', rolling B/G deployment "
		   "back to INITIALIZING_BLUE");
	assert_int_equal(fg_health_of_bluegreen(live, NULL, NULL, 0, 0, &r), 0);
	assert_int_equal(r.health, FG_HEALTH_DEGRADED);
	assert_false(r.drifted_rollback);
	assert_non_null(strstr(r.message, "the first deployment of blue "
					  "(orders-blue) failed"));
	fg_health_report_release(&r);
	json_decref(live);
	/* another error: Degraded, but the spec was not recorded */
	live = bgd("ACTIVE_BLUE", "FAILING",
		   "Could not trigger Savepoint. Details: null");
	assert_int_equal(fg_health_of_bluegreen(live, NULL, NULL, 0, 0, &r), 0);
	assert_int_equal(r.health, FG_HEALTH_DEGRADED);
	assert_false(r.drifted_rollback);
	fg_health_report_release(&r);
	json_decref(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health__bluegreen_states),
		cmocka_unit_test(
			test_health__bluegreen_children_feed_the_parent),
		cmocka_unit_test(test_health__bluegreen_abort_is_drift),
		cmocka_unit_test(test_health__every_lifecycle_and_job_state),
		cmocka_unit_test(test_health__missing_and_other_kinds),
		cmocka_unit_test(test_health__no_status_yet_is_progressing),
		cmocka_unit_test(test_health__created_suspended_is_suspended),
		cmocka_unit_test(test_health__generation_not_yet_observed),
		cmocka_unit_test(test_health__rejected_generation_is_degraded),
		cmocka_unit_test(
			test_health__failed_carries_the_operator_message),
		cmocka_unit_test(test_health__the_root_cause_is_kept),
		cmocka_unit_test(test_health__rolled_back_is_drift),
		cmocka_unit_test(test_health__jobmanager_error_is_degraded),
		cmocka_unit_test(
			test_health__session_cluster_is_healthy_when_stable),
		cmocka_unit_test(test_health__suspended_against_git),
		cmocka_unit_test(test_health__error_is_a_warning_when_healthy),
		cmocka_unit_test(test_health__a_lost_session_job_is_degraded),
		cmocka_unit_test(test_health__as_the_operator_means_it),
		cmocka_unit_test(test_health__lifecycle_derived_when_absent),
		cmocka_unit_test(test_health__deletion_is_progressing),
		cmocka_unit_test(
			test_health__unknown_when_status_is_unreadable),
		cmocka_unit_test(test_health__snapshots),
		cmocka_unit_test(test_health__long_errors_are_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
