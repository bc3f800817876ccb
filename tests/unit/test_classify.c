/*
 * Change classification: the operator's DiffType per field (REFERENCE.md d),
 * and what a change does to the job, in the words a plan prints.
 */
#include "helpers.h"

#include "sync/classify.h"
#include "sync/model.h"
#include "render/base/banned.h"

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

	if (!v)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return v;
}

/* A FlinkDeployment (or other kind) around `spec`, optional `status`. */
static json_t *obj(const char *kind, const char *spec, const char *status)
{
	json_t *o = json_pack(
		"{s:s, s:s, s:{s:s, s:s}}", "apiVersion",
		strcmp(kind, "ConfigMap") ? "flink.apache.org/v1beta1" : "v1",
		"kind", kind, "metadata", "name", "j", "namespace", "ns");

	json_object_set_new(o, "spec", J(spec));
	if (status)
		json_object_set_new(o, "status", J(status));
	return o;
}

struct run {
	struct fg_changes ch;
	struct fg_classification c;
	char words[512];
};

static struct run R;

static void reset(void)
{
	fg_changes_release(&R.ch);
	fg_classification_release(&R.c);
	R.words[0] = '\0';
}

/* Add a change; values are JSON text or NULL (absent). */
static void change(const char *pointer, const char *d, const char *l)
{
	json_t *dv = d ? J(d) : NULL, *lv = l ? J(l) : NULL;

	assert_int_equal(fg_changes_add(&R.ch, pointer, dv, lv), 0);
	json_decref(dv);
	json_decref(lv);
}

static void classify(json_t *desired, json_t *live)
{
	assert_int_equal(fg_classify(desired, live, &R.ch, &R.c), 0);
	fg_classification_words(&R.c, R.words, sizeof(R.words));
	json_decref(desired);
	json_decref(live);
}

static void assert_words(const char *want)
{
	if (strcmp(R.words, want))
		fail_msg("\n  got  %s\n  want %s", R.words, want);
}

#define APP(mode, job)                                          \
	"{\"image\":\"flink:1.20\",\"flinkVersion\":\"v1_20\"," \
	"\"serviceAccount\":\"flink\",\"mode\":\"" mode "\","   \
	"\"taskManager\":{\"replicas\":2},\"job\":{\"jarURI\":" \
	"\"local:///x.jar\",\"parallelism\":2" job "}}"

/* Every row of the operator's field -> DiffType table, both modes. */
static void test_classify__every_row_of_the_operator_table(void **state)
{
	static const struct {
		const char *pointer, *d, *l;
		enum fg_diff_type native, standalone;
	} rows[] = {
		{ "/spec/job/savepointTriggerNonce", "2", "1", FG_DIFF_IGNORE,
		  FG_DIFF_IGNORE },
		{ "/spec/job/checkpointTriggerNonce", "2", "1", FG_DIFF_IGNORE,
		  FG_DIFF_IGNORE },
		{ "/spec/job/initialSavepointPath", "\"s3://b/sp2\"",
		  "\"s3://b/sp1\"", FG_DIFF_IGNORE, FG_DIFF_IGNORE },
		{ "/spec/job/upgradeMode", "\"last-state\"", "\"savepoint\"",
		  FG_DIFF_IGNORE, FG_DIFF_IGNORE },
		{ "/spec/job/allowNonRestoredState", "true", NULL,
		  FG_DIFF_IGNORE, FG_DIFF_IGNORE },
		{ "/spec/job/autoscalerResetNonce", "5", "4", FG_DIFF_IGNORE,
		  FG_DIFF_IGNORE },
		{ "/spec/flinkConfiguration/"
		  "kubernetes.operator.periodic.savepoint.interval",
		  "\"1h\"", "\"2h\"", FG_DIFF_IGNORE, FG_DIFF_IGNORE },
		{ "/spec/flinkConfiguration/job.autoscaler.enabled", "\"true\"",
		  NULL, FG_DIFF_IGNORE, FG_DIFF_IGNORE },
		{ "/spec/flinkConfiguration/parallelism.default", "\"4\"",
		  "\"2\"", FG_DIFF_IGNORE, FG_DIFF_IGNORE },
		{ "/spec/flinkConfiguration/"
		  "pipeline.jobvertex-parallelism-overrides",
		  "\"a:4\"", "\"a:2\"", FG_DIFF_SCALE, FG_DIFF_UPGRADE },
		{ "/spec/job/parallelism", "8", "2", FG_DIFF_UPGRADE,
		  FG_DIFF_SCALE },
		{ "/spec/taskManager/replicas", "4", "2", FG_DIFF_UPGRADE,
		  FG_DIFF_SCALE },
		{ "/spec/job/savepointRedeployNonce", "2", "1",
		  FG_DIFF_SAVEPOINT_REDEPLOY, FG_DIFF_SAVEPOINT_REDEPLOY },
		{ "/spec/restartNonce", "2", "1", FG_DIFF_UPGRADE,
		  FG_DIFF_UPGRADE },
		{ "/spec/image", "\"flink:2.0\"", "\"flink:1.20\"",
		  FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/imagePullPolicy", "\"Always\"", NULL, FG_DIFF_UPGRADE,
		  FG_DIFF_UPGRADE },
		{ "/spec/serviceAccount", "\"other\"", "\"flink\"",
		  FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/flinkVersion", "\"v2_0\"", "\"v1_20\"",
		  FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/ingress", "{\"template\":\"{{name}}.x\"}", NULL,
		  FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/podTemplate/spec/containers/0/image", "\"a\"", "\"b\"",
		  FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/jobManager/resource/memory", "\"2g\"", "\"1g\"",
		  FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/jobManager/replicas", "2", "1", FG_DIFF_UPGRADE,
		  FG_DIFF_UPGRADE },
		{ "/spec/taskManager/resource/memory", "\"4g\"", "\"2g\"",
		  FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/taskManager/resources", "{\"limits\":{\"cpu\":2}}",
		  NULL, FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/taskManager/podTemplate", "{\"metadata\":{}}", NULL,
		  FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/logConfiguration/log4j-console.properties", "\"a\"",
		  "\"b\"", FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/job/jarURI", "\"local:///y.jar\"",
		  "\"local:///x.jar\"", FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/job/entryClass", "\"a.B\"", NULL, FG_DIFF_UPGRADE,
		  FG_DIFF_UPGRADE },
		{ "/spec/job/args", "[\"--x\"]", NULL, FG_DIFF_UPGRADE,
		  FG_DIFF_UPGRADE },
		{ "/spec/job/args/0", "\"--y\"", "\"--x\"", FG_DIFF_UPGRADE,
		  FG_DIFF_UPGRADE },
		{ "/spec/job/state", "\"suspended\"", "\"running\"",
		  FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/spec/flinkConfiguration/taskmanager.numberOfTaskSlots",
		  "\"4\"", "\"2\"", FG_DIFF_UPGRADE, FG_DIFF_UPGRADE },
		{ "/metadata/labels/team", "\"a\"", "\"b\"", FG_DIFF_IGNORE,
		  FG_DIFF_IGNORE },
		{ "/metadata/annotations/x", "\"a\"", NULL, FG_DIFF_IGNORE,
		  FG_DIFF_IGNORE },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		for (int sa = 0; sa < 2; sa++) {
			const char *spec =
				sa ? APP("standalone", "") : APP("native", "");
			enum fg_diff_type want =
				sa ? rows[i].standalone : rows[i].native;

			change(rows[i].pointer, rows[i].d, rows[i].l);
			classify(obj("FlinkDeployment", spec, NULL),
				 obj("FlinkDeployment", spec, NULL));
			/* these clusters cannot rescale in place (no
			 * reactive mode, no adaptive scheduler): a SCALE
			 * row is a full upgrade there */
			if (R.ch.v[0].type != want ||
			    R.c.type != (want == FG_DIFF_SCALE ? FG_DIFF_UPGRADE
							       : want) ||
			    R.c.scale_fallback != (want == FG_DIFF_SCALE)) {
				enum fg_diff_type got = R.ch.v[0].type;

				reset();
				fail_msg("%s (%s): got %s, want %s",
					 rows[i].pointer,
					 sa ? "standalone" : "native",
					 fg_diff_type_name(got),
					 fg_diff_type_name(want));
			}
			reset();
		}
	}
}

static void test_classify__nonces_changed_to_null_are_ignored(void **state)
{
	change("/spec/job/savepointRedeployNonce", NULL, "1");
	change("/spec/restartNonce", "null", "7");
	classify(obj("FlinkDeployment", APP("native", ""), NULL),
		 obj("FlinkDeployment", APP("native", ""), NULL));
	assert_int_equal(R.ch.v[0].type, FG_DIFF_IGNORE);
	assert_int_equal(R.ch.v[1].type, FG_DIFF_IGNORE);
	assert_int_equal(R.c.type, FG_DIFF_IGNORE);
	assert_words("no restart (IGNORE: the operator keeps the job running)");
	reset();
}

static void test_classify__config_prefix_rules_are_prefixes(void **state)
{
	static const struct {
		const char *key;
		enum fg_diff_type want;
	} rows[] = {
		{ "kubernetes.operator.job.restart.failed", FG_DIFF_IGNORE },
		{ "job.autoscaler.metrics.window", FG_DIFF_IGNORE },
		{ "parallelism.default", FG_DIFF_IGNORE },
		{ "pipeline.jobvertex-parallelism-overrides", FG_DIFF_SCALE },
		{ "kubernetes.jobmanager.cpu", FG_DIFF_UPGRADE },
		{ "execution.checkpointing.interval", FG_DIFF_UPGRADE },
		{ "job.name", FG_DIFF_UPGRADE },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		json_t *d = json_pack("{s:s}", rows[i].key, "1");

		assert_int_equal(fg_changes_add(&R.ch,
						"/spec/flinkConfiguration", d,
						NULL),
				 0);
		json_decref(d);
		classify(obj("FlinkDeployment", APP("native", ""), NULL),
			 obj("FlinkDeployment", APP("native", ""), NULL));
		if (R.ch.v[0].type != rows[i].want) {
			enum fg_diff_type got = R.ch.v[0].type;

			reset();
			fail_msg("%s: got %s", rows[i].key,
				 fg_diff_type_name(got));
		}
		reset();
	}
}

static void test_classify__config_compares_flat_and_as_strings(void **state)
{
	/* nested and flat forms, numbers and strings: the operator's view */
	change("/spec/flinkConfiguration",
	       "{\"taskmanager\":{\"numberOfTaskSlots\":2},"
	       "\"kubernetes\":{\"operator\":{\"x\":\"1\"}}}",
	       "{\"taskmanager.numberOfTaskSlots\":\"2\","
	       "\"kubernetes.operator.x\":\"9\"}");
	classify(obj("FlinkDeployment", APP("native", ""), NULL),
		 obj("FlinkDeployment", APP("native", ""), NULL));
	assert_int_equal(R.c.type, FG_DIFF_IGNORE);
	reset();

	change("/spec/flinkConfiguration/taskmanager",
	       "{\"numberOfTaskSlots\":3}", "{\"numberOfTaskSlots\":\"2\"}");
	classify(obj("FlinkDeployment", APP("native", ""), NULL),
		 obj("FlinkDeployment", APP("native", ""), NULL));
	assert_int_equal(R.c.type, FG_DIFF_UPGRADE);
	reset();
}

static void
test_classify__job_and_taskmanager_recurse_field_by_field(void **state)
{
	/* a change reported at /spec/job: only upgradeMode differs */
	change("/spec/job", "{\"jarURI\":\"a\",\"upgradeMode\":\"last-state\"}",
	       "{\"jarURI\":\"a\",\"upgradeMode\":\"savepoint\",\"args\":[]}");
	classify(obj("FlinkDeployment", APP("native", ""), NULL),
		 obj("FlinkDeployment", APP("native", ""), NULL));
	assert_int_equal(R.c.type, FG_DIFF_IGNORE);
	reset();

	/* SCALE rows, found by the recursion (a full upgrade here: no
	 * reactive mode) */
	change("/spec/job", "{\"jarURI\":\"a\",\"parallelism\":8}",
	       "{\"jarURI\":\"a\",\"parallelism\":2}");
	classify(obj("FlinkDeployment", APP("standalone", ""), NULL),
		 obj("FlinkDeployment", APP("standalone", ""), NULL));
	assert_int_equal(R.ch.v[0].type, FG_DIFF_SCALE);
	reset();

	change("/spec", "{\"taskManager\":{\"replicas\":4},\"image\":\"i\"}",
	       "{\"taskManager\":{\"replicas\":2},\"image\":\"i\"}");
	classify(obj("FlinkDeployment", APP("standalone", ""), NULL),
		 obj("FlinkDeployment", APP("standalone", ""), NULL));
	assert_int_equal(R.ch.v[0].type, FG_DIFF_SCALE);
	reset();
}

static void
test_classify__a_taskmanager_appearing_is_a_whole_upgrade(void **state)
{
	/* Diffable recursion needs both sides: null -> object is UPGRADE */
	const char *d =
		"{\"mode\":\"standalone\",\"taskManager\":{\"replicas\":3},"
		"\"job\":{\"parallelism\":2}}";
	const char *l = "{\"mode\":\"standalone\",\"job\":{\"parallelism\":2}}";

	change("/spec/taskManager", "{\"replicas\":3}", NULL);
	classify(obj("FlinkDeployment", d, NULL),
		 obj("FlinkDeployment", l, NULL));
	assert_int_equal(R.c.type, FG_DIFF_UPGRADE);
	reset();

	change("/spec/taskManager/replicas", "3", NULL);
	classify(obj("FlinkDeployment", d, NULL),
		 obj("FlinkDeployment", l, NULL));
	assert_int_equal(R.c.type, FG_DIFF_UPGRADE);
	reset();
}

static void test_classify__whole_objects_are_compared_whole(void **state)
{
	change("/spec/jobManager",
	       "{\"replicas\":1,\"resource\":{\"memory\":\"2g\"}}",
	       "{\"replicas\":1,\"resource\":{\"memory\":\"1g\"}}");
	change("/spec/ingress", "{\"template\":\"a\"}", "{\"template\":\"a\"}");
	classify(obj("FlinkDeployment", APP("standalone", ""), NULL),
		 obj("FlinkDeployment", APP("standalone", ""), NULL));
	assert_int_equal(R.ch.v[0].type, FG_DIFF_UPGRADE);
	assert_int_equal(R.ch.v[1].type, FG_DIFF_IGNORE); /* equal */
	reset();
}

static void test_classify__java_defaults_are_not_changes(void **state)
{
	change("/spec/job/args", "[]", NULL);
	change("/spec/job/state", "\"running\"", NULL);
	change("/spec/job/parallelism", NULL, "0");
	classify(obj("FlinkDeployment", APP("native", ""), NULL),
		 obj("FlinkDeployment", APP("native", ""), NULL));
	assert_int_equal(R.c.type, FG_DIFF_IGNORE);
	reset();
}

/*
 * The live object as the operator leaves it once deployed: its spec recorded
 * in lastReconciledSpec, and the job in the observed state.
 */
static json_t *deployed(const char *spec, const char *observed)
{
	json_t *live = obj("FlinkDeployment", spec, NULL);
	json_t *rec = json_pack("{s:O}", "spec", json_object_get(live, "spec"));
	char *text = json_dumps(rec, JSON_COMPACT);

	json_object_set_new(live, "status",
			    json_pack("{s:s, s:{s:s}, s:{s:s}}",
				      "lifecycleState", "STABLE", "jobStatus",
				      "state", observed, "reconciliationStatus",
				      "lastReconciledSpec", text));
	free(text);
	json_decref(rec);
	return live;
}

/*
 * The operator diffs against lastReconciledSpec: with an image change
 * still pending (the operator has not reconciled it), a commit that only
 * switches upgradeMode to stateless makes that pending upgrade stateless.
 */
static void test_classify__a_pending_change_counts(void **state)
{
	json_t *live = deployed(APP("native", ",\"upgradeMode\":\"savepoint\""),
				"RUNNING");

	/* the live spec is ahead of what the operator reconciled */
	json_object_set_new(json_object_get(live, "spec"), "image",
			    json_string("flink:2.0"));
	change("/spec/job/upgradeMode", "\"stateless\"", "\"savepoint\"");
	classify(obj("FlinkDeployment",
		     "{\"image\":\"flink:2.0\",\"flinkVersion\":\"v1_20\","
		     "\"serviceAccount\":\"flink\",\"mode\":\"native\","
		     "\"taskManager\":{\"replicas\":2},\"job\":{\"jarURI\":"
		     "\"local:///x.jar\",\"parallelism\":2,\"upgradeMode\":"
		     "\"stateless\"}}",
		     NULL),
		 live);
	assert_int_equal(R.ch.v[0].type, FG_DIFF_IGNORE); /* against live */
	assert_true(R.c.pending);
	assert_int_equal(R.c.type, FG_DIFF_UPGRADE); /* what will happen */
	assert_int_equal(R.c.restart, FG_RESTART_STATELESS);
	assert_non_null(strstr(R.words, "an earlier change is still pending"));
	reset();
}

static void test_classify__stateless_arms_the_next_upgrade(void **state)
{
	change("/spec/job/upgradeMode", "\"stateless\"", "\"savepoint\"");
	classify(obj("FlinkDeployment",
		     APP("native", ",\"upgradeMode\":\"stateless\""), NULL),
		 deployed(APP("native", ",\"upgradeMode\":\"savepoint\""),
			  "RUNNING"));
	assert_int_equal(R.c.type, FG_DIFF_IGNORE);
	assert_true(R.c.arms_stateless);
	assert_non_null(strstr(R.words, "WARNING: upgradeMode stateless makes "
					"the next upgrade run WITHOUT state"));
	reset();
}

static void test_classify__jobmanager_replicas_default_to_one(void **state)
{
	change("/spec/jobManager/replicas", "1", NULL);
	classify(obj("FlinkDeployment", APP("native", ""), NULL),
		 obj("FlinkDeployment", APP("native", ""), NULL));
	assert_int_equal(R.c.type, FG_DIFF_IGNORE);
	reset();
	/* an explicitly empty object is not an absent one (Java equals) */
	change("/spec/podTemplate", "{}", NULL);
	classify(obj("FlinkDeployment", APP("native", ""), NULL),
		 obj("FlinkDeployment", APP("native", ""), NULL));
	assert_int_equal(R.c.type, FG_DIFF_UPGRADE);
	reset();
}

static void upgrade(const char *dmode, const char *lmode, const char *observed)
{
	char dspec[512], lspec[512];

	snprintf(dspec, sizeof(dspec), APP("native", ",\"upgradeMode\":\"%s\""),
		 dmode);
	snprintf(lspec, sizeof(lspec), APP("native", ",\"upgradeMode\":\"%s\""),
		 lmode);
	change("/spec/image", "\"flink:1.20.1\"", "\"flink:1.20\"");
	classify(obj("FlinkDeployment", dspec, NULL),
		 deployed(lspec, observed));
}

static void test_classify__each_upgrade_mode_restarts_its_way(void **state)
{
	upgrade("savepoint", "savepoint", "RUNNING");
	assert_int_equal(R.c.type, FG_DIFF_UPGRADE);
	assert_int_equal(R.c.restart, FG_RESTART_SAVEPOINT);
	assert_words("restarts from a savepoint");
	reset();

	upgrade("last-state", "last-state", "RUNNING");
	assert_int_equal(R.c.restart, FG_RESTART_LAST_STATE);
	assert_words("restarts from the last checkpoint (last-state)");
	reset();

	upgrade("stateless", "stateless", "RUNNING");
	assert_int_equal(R.c.restart, FG_RESTART_STATELESS);
	assert_words("restarts WITHOUT state (stateless upgrade)");
	reset();

	/* the mode Git sets is the one the operator uses */
	upgrade("stateless", "savepoint", "RUNNING");
	assert_int_equal(R.c.restart, FG_RESTART_STATELESS);
	reset();
}

static void test_classify__savepoint_mode_with_a_job_not_running(void **state)
{
	upgrade("savepoint", "savepoint", "RECONCILING");
	assert_int_equal(R.c.restart, FG_RESTART_LAST_STATE);
	assert_int_equal(R.c.note, FG_NOTE_NOT_RUNNING);
	assert_words("restarts from the last checkpoint (the job is not "
		     "running: last-state fallback)");
	reset();

	upgrade("savepoint", "savepoint", "FAILED");
	assert_int_equal(R.c.note, FG_NOTE_TERMINAL);
	assert_words("restarts from the last recorded savepoint or checkpoint "
		     "(the job is not running)");
	reset();

	/* last-state fallback disabled: the operator waits for the job */
	change("/spec/image", "\"flink:1.20.1\"", "\"flink:1.20\"");
	classify(
		obj("FlinkDeployment",
		    "{\"image\":\"flink:1.20.1\",\"flinkVersion\":\"v1_20\","
		    "\"flinkConfiguration\":{\"kubernetes.operator.job.upgrade."
		    "last-state-fallback.enabled\":\"false\"},\"job\":{"
		    "\"upgradeMode\":\"savepoint\"}}",
		    NULL),
		deployed("{\"image\":\"flink:1.20\",\"flinkVersion\":\"v1_20\","
			 "\"flinkConfiguration\":{\"kubernetes.operator.job."
			 "upgrade.last-state-fallback.enabled\":\"false\"},"
			 "\"job\":{\"upgradeMode\":\"savepoint\"}}",
			 "RECONCILING"));
	assert_int_equal(R.c.restart, FG_RESTART_SAVEPOINT);
	assert_int_equal(R.c.note, FG_NOTE_WAITS);
	assert_words("restarts from a savepoint once the job runs again (it "
		     "does not run now, and last-state fallback is disabled: "
		     "the operator waits)");
	reset();
}

static void
test_classify__last_state_flink_version_change_takes_a_savepoint(void **state)
{
	change("/spec/flinkVersion", "\"v2_0\"", "\"v1_20\"");
	classify(obj("FlinkDeployment",
		     "{\"flinkVersion\":\"v2_0\",\"flinkConfiguration\":{"
		     "\"state.savepoints.dir\":\"s3://b/sp\"},\"job\":{"
		     "\"upgradeMode\":\"last-state\"}}",
		     NULL),
		 deployed("{\"flinkVersion\":\"v1_20\",\"flinkConfiguration\":{"
			  "\"state.savepoints.dir\":\"s3://b/sp\"},\"job\":{"
			  "\"upgradeMode\":\"last-state\"}}",
			  "RUNNING"));
	assert_int_equal(R.c.restart, FG_RESTART_SAVEPOINT);
	assert_int_equal(R.c.note, FG_NOTE_VERSION_CHANGE);
	assert_words("restarts from a savepoint (the Flink version changes, so "
		     "last-state takes a savepoint)");
	reset();
	/* without a savepoint directory the operator cancels the job and
	 * restores the last checkpoint */
	change("/spec/flinkVersion", "\"v2_0\"", "\"v1_20\"");
	classify(obj("FlinkDeployment",
		     "{\"flinkVersion\":\"v2_0\",\"job\":{\"upgradeMode\":"
		     "\"last-state\"}}",
		     NULL),
		 deployed("{\"flinkVersion\":\"v1_20\",\"job\":{"
			  "\"upgradeMode\":\"last-state\"}}",
			  "RUNNING"));
	assert_int_equal(R.c.restart, FG_RESTART_LAST_STATE);
	assert_int_equal(R.c.note, FG_NOTE_VERSION_CANCEL);
	reset();
}

#define SJ_FMT                                           \
	"{\"deploymentName\":\"s\",\"job\":{\"jarURI\":" \
	"\"https://x/%s.jar\",\"upgradeMode\":\"last-state\"}}"

static void test_classify__session_job_last_state_is_cancelled(void **state)
{
	char d[256], l[256];

	snprintf(d, sizeof(d), SJ_FMT, "b");
	snprintf(l, sizeof(l), SJ_FMT, "a");
	change("/spec/job/jarURI", "\"https://x/b.jar\"",
	       "\"https://x/a.jar\"");
	classify(obj("FlinkSessionJob", d, NULL),
		 obj("FlinkSessionJob", l, NULL));
	assert_true(R.c.session_job);
	assert_int_equal(R.c.restart, FG_RESTART_LAST_STATE);
	assert_int_equal(R.c.note, FG_NOTE_SESSION_JOB_CANCEL);
	assert_words("restarts from the last checkpoint: session jobs have no "
		     "last-state HA, the operator cancels the job");
	reset();
}

static void suspend_resume(const char *dstate, const char *dmode,
			   const char *lstate, const char *lmode)
{
	char d[512], l[512], dv[64], lv[64];

	snprintf(d, sizeof(d),
		 APP("native", ",\"state\":\"%s\",\"upgradeMode\":\"%s\""),
		 dstate, dmode);
	snprintf(l, sizeof(l),
		 APP("native", ",\"state\":\"%s\",\"upgradeMode\":\"%s\""),
		 lstate, lmode);
	snprintf(dv, sizeof(dv), "\"%s\"", dstate);
	snprintf(lv, sizeof(lv), "\"%s\"", lstate);
	change("/spec/job/state", dv, lv);
	classify(obj("FlinkDeployment", d, NULL),
		 obj("FlinkDeployment", l, NULL));
}

static void test_classify__suspend_keeps_state_by_upgrade_mode(void **state)
{
	suspend_resume("suspended", "savepoint", "running", "savepoint");
	assert_true(R.c.suspend);
	assert_false(R.c.resume);
	assert_int_equal(R.c.restart, FG_RESTART_SAVEPOINT);
	assert_words("suspends with a savepoint");
	reset();

	suspend_resume("suspended", "last-state", "running", "last-state");
	assert_int_equal(R.c.restart, FG_RESTART_LAST_STATE);
	assert_words("suspends keeping its last state (last-state, HA)");
	reset();

	suspend_resume("suspended", "stateless", "running", "savepoint");
	assert_int_equal(R.c.restart, FG_RESTART_STATELESS);
	assert_words("suspends WITHOUT state (stateless: it resumes from empty "
		     "state)");
	reset();
}

static void
test_classify__session_job_suspend_says_it_is_cancelled(void **state)
{
	change("/spec/job/state", "\"suspended\"", "\"running\"");
	classify(obj("FlinkSessionJob",
		     "{\"deploymentName\":\"s\",\"job\":{\"state\":"
		     "\"suspended\",\"upgradeMode\":\"last-state\"}}",
		     NULL),
		 obj("FlinkSessionJob",
		     "{\"deploymentName\":\"s\",\"job\":{\"state\":"
		     "\"running\",\"upgradeMode\":\"last-state\"}}",
		     NULL));
	assert_true(R.c.suspend);
	assert_words(
		"suspends: the operator cancels the session job, keeping "
		"its last checkpoint (session jobs have no last-state HA)");
	reset();
}

static void
test_classify__resume_uses_the_mode_it_was_suspended_with(void **state)
{
	suspend_resume("running", "savepoint", "suspended", "savepoint");
	assert_true(R.c.resume);
	assert_int_equal(R.c.restart, FG_RESTART_SAVEPOINT);
	assert_words("resumes from the savepoint taken when it was suspended");
	reset();

	/* suspended with last-state, Git now says savepoint: last-state wins */
	suspend_resume("running", "savepoint", "suspended", "last-state");
	assert_int_equal(R.c.restart, FG_RESTART_LAST_STATE);
	assert_words("resumes from its last state (last-state)");
	reset();

	/* ...unless the new mode is stateless */
	suspend_resume("running", "stateless", "suspended", "last-state");
	assert_int_equal(R.c.restart, FG_RESTART_STATELESS);
	assert_words("resumes WITHOUT state (stateless)");
	reset();
}

static void test_classify__resume_reads_the_last_reconciled_spec(void **state)
{
	/* the operator recorded the suspend with savepoint (it rewrites it) */
	const char *status =
		"{\"lifecycleState\":\"SUSPENDED\",\"reconciliationStatus\":"
		"{\"lastReconciledSpec\":\"{\\\"spec\\\":{\\\"job\\\":{"
		"\\\"state\\\":\\\"suspended\\\",\\\"upgradeMode\\\":"
		"\\\"savepoint\\\"}},\\\"resource_metadata\\\":{}}\"}}";

	change("/spec/job/state", "\"running\"", "\"suspended\"");
	classify(obj("FlinkDeployment",
		     "{\"job\":{\"state\":\"running\",\"upgradeMode\":"
		     "\"last-state\"}}",
		     NULL),
		 obj("FlinkDeployment",
		     "{\"job\":{\"state\":\"suspended\",\"upgradeMode\":"
		     "\"last-state\"}}",
		     status));
	assert_true(R.c.resume);
	assert_int_equal(R.c.restart, FG_RESTART_SAVEPOINT);
	reset();
}

static void test_classify__suspended_stays_suspended(void **state)
{
	suspend_resume("suspended", "savepoint", "suspended", "savepoint");
	reset();
	change("/spec/image", "\"b\"", "\"a\"");
	classify(obj("FlinkDeployment",
		     "{\"image\":\"b\",\"job\":{\"state\":\"suspended\"}}",
		     NULL),
		 obj("FlinkDeployment",
		     "{\"image\":\"a\",\"job\":{\"state\":\"suspended\"}}",
		     NULL));
	assert_true(R.c.idle);
	assert_int_equal(R.c.restart, FG_RESTART_NONE);
	assert_words("updates the suspended spec; nothing runs");
	reset();
}

static void test_classify__savepoint_redeploy_names_its_path(void **state)
{
	change("/spec/job/savepointRedeployNonce", "2", "1");
	classify(obj("FlinkDeployment",
		     "{\"job\":{\"savepointRedeployNonce\":2,"
		     "\"initialSavepointPath\":\"s3://b/sp-42\"}}",
		     NULL),
		 obj("FlinkDeployment",
		     "{\"job\":{\"savepointRedeployNonce\":1}}", NULL));
	assert_int_equal(R.c.type, FG_DIFF_SAVEPOINT_REDEPLOY);
	assert_int_equal(R.c.restart, FG_RESTART_REDEPLOY);
	assert_words("restores from the savepoint at s3://b/sp-42 (savepoint "
		     "redeploy)");
	reset();

	change("/spec/job/savepointRedeployNonce", "2", "1");
	classify(obj("FlinkDeployment",
		     "{\"job\":{\"savepointRedeployNonce\":2}}", NULL),
		 obj("FlinkDeployment",
		     "{\"job\":{\"savepointRedeployNonce\":1}}", NULL));
	assert_true(R.c.rejected);
	assert_words("REJECTED by the operator: InitialSavepointPath must not "
		     "be empty for savepoint redeployment");
	reset();
}

#define REACTIVE "\"flinkConfiguration\":{\"scheduler-mode\":\"reactive\"},"
#define ADAPTIVE                                                        \
	"{\"image\":\"flink:1.20\",\"flinkVersion\":\"%s\","            \
	"\"flinkConfiguration\""                                        \
	":{\"jobmanager.scheduler\":\"adaptive\"},\"job\":{\"jarURI\":" \
	"\"local:///x.jar\",\"upgradeMode\":\"savepoint\"}}"

static void test_classify__scale_in_place_only_where_it_can(void **state)
{
	char spec[512];

	/* standalone, reactive mode: in place */
	change("/spec/job/parallelism", "8", "2");
	classify(obj("FlinkDeployment",
		     "{\"mode\":\"standalone\"," REACTIVE
		     "\"taskManager\":{},\"job\":{\"parallelism\":8}}",
		     NULL),
		 obj("FlinkDeployment",
		     "{\"mode\":\"standalone\"," REACTIVE
		     "\"taskManager\":{},\"job\":{\"parallelism\":2}}",
		     NULL));
	assert_true(R.c.scale_in_place);
	assert_int_equal(R.c.scale_to, 8);
	assert_words("rescales in place to 8");
	reset();

	/* standalone without reactive mode: a full upgrade, with the
	 * restart its upgradeMode makes */
	change("/spec/job/parallelism", "8", "2");
	classify(obj("FlinkDeployment",
		     "{\"mode\":\"standalone\",\"taskManager\":{},\"job\":"
		     "{\"parallelism\":8,\"upgradeMode\":\"savepoint\"}}",
		     NULL),
		 obj("FlinkDeployment",
		     "{\"mode\":\"standalone\",\"taskManager\":{},\"job\":"
		     "{\"parallelism\":2,\"upgradeMode\":\"savepoint\"}}",
		     NULL));
	assert_false(R.c.scale_in_place);
	assert_true(R.c.scale_fallback);
	assert_int_equal(R.c.type, FG_DIFF_UPGRADE);
	assert_int_equal(R.c.restart, FG_RESTART_SAVEPOINT);
	assert_words("restarts from a savepoint (a full upgrade, not in place: "
		     "a standalone cluster rescales in place only with "
		     "scheduler-mode: reactive)");
	reset();

	/* native: Flink 1.18+ with the adaptive scheduler */
	change("/spec/flinkConfiguration/"
	       "pipeline.jobvertex-parallelism-overrides",
	       "\"v1:8\"", "\"v1:2\"");
	snprintf(spec, sizeof(spec), ADAPTIVE, "v1_18");
	classify(obj("FlinkDeployment", spec, NULL),
		 obj("FlinkDeployment", spec, NULL));
	assert_true(R.c.scale_in_place);
	assert_words("rescales in place (per-vertex parallelism overrides)");
	reset();

	change("/spec/flinkConfiguration/"
	       "pipeline.jobvertex-parallelism-overrides",
	       "\"v1:8\"", "\"v1:2\"");
	snprintf(spec, sizeof(spec), ADAPTIVE, "v1_17");
	classify(obj("FlinkDeployment", spec, NULL),
		 obj("FlinkDeployment", spec, NULL));
	assert_true(R.c.scale_fallback);
	assert_string_equal(R.c.scale_why,
			    "in-place scaling needs Flink 1.18 or newer");
	reset();

	/* the default scheduler cannot */
	change("/spec/flinkConfiguration/"
	       "pipeline.jobvertex-parallelism-overrides",
	       "\"v1:8\"", "\"v1:2\"");
	classify(obj("FlinkDeployment", APP("native", ""), NULL),
		 obj("FlinkDeployment", APP("native", ""), NULL));
	assert_true(R.c.scale_fallback);
	reset();
}

static void test_classify__session_cluster_redeploys_with_its_jobs(void **state)
{
	change("/spec/image", "\"flink:2.0\"", "\"flink:1.20\"");
	classify(obj("FlinkDeployment", "{\"image\":\"flink:2.0\"}", NULL),
		 obj("FlinkDeployment", "{\"image\":\"flink:1.20\"}", NULL));
	assert_true(R.c.session_cluster);
	assert_true(R.c.session_cluster_redeploy);
	assert_int_equal(R.c.restart, FG_RESTART_NONE);
	assert_words("redeploys the session cluster and its jobs");
	reset();

	/* a standalone session cluster's replicas: no reactive mode for a
	 * session cluster, so the operator redeploys it */
	change("/spec/taskManager/replicas", "4", "2");
	classify(obj("FlinkDeployment",
		     "{\"mode\":\"standalone\",\"taskManager\":{\"replicas\":4}"
		     "}",
		     NULL),
		 obj("FlinkDeployment",
		     "{\"mode\":\"standalone\",\"taskManager\":{\"replicas\":2}"
		     "}",
		     NULL));
	assert_true(R.c.session_cluster_redeploy);
	assert_true(R.c.scale_fallback);
	reset();
}

static void
test_classify__mode_switches_carry_the_operator_message(void **state)
{
	static const struct {
		const char *d, *l, *reason;
	} rows[] = {
		{ "{\"job\":{}}", "{}",
		  "Cannot switch from session to job cluster" },
		{ "{}", "{\"job\":{}}",
		  "Cannot switch from job to session cluster" },
		{ "{\"mode\":\"standalone\"}", "{}",
		  "Cannot switch from native kubernetes to standalone "
		  "kubernetes cluster" },
		{ "{\"mode\":\"native\"}", "{\"mode\":\"standalone\"}",
		  "Cannot switch from standalone kubernetes to native "
		  "kubernetes cluster" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		change("/spec", rows[i].d, rows[i].l);
		classify(obj("FlinkDeployment", rows[i].d, NULL),
			 obj("FlinkDeployment", rows[i].l, NULL));
		assert_true(R.c.mode_switch);
		assert_true(R.c.rejected);
		assert_string_equal(R.c.reason, rows[i].reason);
		assert_int_equal(R.c.type, FG_DIFF_UPGRADE);
		reset();
	}
}

static void
test_classify__switch_before_the_first_deploy_is_allowed(void **state)
{
	/* created suspended, never deployed: the validator skips the check */
	change("/spec/mode", "\"standalone\"", NULL);
	classify(obj("FlinkDeployment",
		     "{\"mode\":\"standalone\",\"job\":{\"state\":"
		     "\"suspended\"}}",
		     NULL),
		 obj("FlinkDeployment", "{\"job\":{\"state\":\"suspended\"}}",
		     "{\"lifecycleState\":\"CREATED\",\"reconciliationStatus\":"
		     "{\"state\":\"UPGRADING\"}}"));
	assert_false(R.c.mode_switch);
	assert_true(R.c.first_deploy);
	assert_words("stays suspended: the operator has never deployed it");
	reset();
}

static void test_classify__other_rejections(void **state)
{
	change("/spec/deploymentName", "\"b\"", "\"a\"");
	classify(obj("FlinkSessionJob", "{\"deploymentName\":\"b\",\"job\":{}}",
		     NULL),
		 obj("FlinkSessionJob", "{\"deploymentName\":\"a\",\"job\":{}}",
		     NULL));
	assert_int_equal(R.c.type, FG_DIFF_UPGRADE);
	assert_false(R.c.mode_switch);
	assert_words("REJECTED by the operator: The deploymentName can't be "
		     "changed");
	reset();

	change("/spec/flinkVersion", "\"v2_0\"", "\"v1_20\"");
	classify(
		obj("FlinkDeployment",
		    "{\"flinkVersion\":\"v2_0\",\"job\":{\"state\":\"running\","
		    "\"upgradeMode\":\"last-state\"}}",
		    NULL),
		obj("FlinkDeployment",
		    "{\"flinkVersion\":\"v1_20\",\"job\":{\"state\":"
		    "\"suspended\",\"upgradeMode\":\"last-state\"}}",
		    NULL));
	assert_true(R.c.rejected);
	assert_string_equal(
		R.c.reason,
		"Changing flinkVersion after last-state suspend is "
		"not allowed. Restore your cluster with the current "
		"flinkVersion and perform the version upgrade "
		"afterwards.");
	reset();
}

static void test_classify__session_job_takes_its_cluster_mode(void **state)
{
	json_t *cluster =
		obj("FlinkDeployment", "{\"mode\":\"standalone\"}", NULL);
	json_t *d = obj(
		"FlinkSessionJob",
		"{\"deploymentName\":\"s\",\"job\":{\"parallelism\":4}}", NULL);
	json_t *l = obj(
		"FlinkSessionJob",
		"{\"deploymentName\":\"s\",\"job\":{\"parallelism\":2}}", NULL);

	change("/spec/job/parallelism", "4", "2");
	assert_int_equal(fg_classify_session_job(d, l, cluster, &R.ch, &R.c),
			 0);
	assert_int_equal(R.ch.v[0].type, FG_DIFF_SCALE);
	assert_true(R.c.scale_fallback); /* no reactive mode */
	fg_classification_release(&R.c);
	assert_int_equal(fg_classify(d, l, &R.ch, &R.c), 0);
	assert_int_equal(R.ch.v[0].type, FG_DIFF_UPGRADE); /* native */
	json_decref(cluster);
	json_decref(d);
	json_decref(l);
	reset();
}

static void test_classify__create(void **state)
{
	change("", "{}", NULL);
	classify(obj("FlinkDeployment", APP("native", ""), NULL), NULL);
	assert_true(R.c.create);
	assert_words("deploys the job from empty state");
	reset();

	change("", "{}", NULL);
	classify(obj("FlinkDeployment",
		     "{\"job\":{\"initialSavepointPath\":\"s3://b/sp\"}}",
		     NULL),
		 NULL);
	assert_words("deploys, restoring from the savepoint at s3://b/sp");
	reset();

	change("", "{}", NULL);
	classify(obj("FlinkDeployment", "{\"job\":{\"state\":\"suspended\"}}",
		     NULL),
		 NULL);
	assert_true(R.c.idle);
	assert_words("is created suspended: the operator deploys nothing");
	reset();
}

static void test_classify__other_kinds_update_without_flink_impact(void **state)
{
	change("/data/x", "\"1\"", "\"2\"");
	classify(obj("ConfigMap", "{}", NULL), obj("ConfigMap", "{}", NULL));
	assert_false(R.c.flink);
	assert_int_equal(R.ch.v[0].type, FG_DIFF_UPGRADE);
	assert_words("updates it (no Flink impact)");
	reset();

	classify(obj("FlinkStateSnapshot", "{}", NULL),
		 obj("FlinkStateSnapshot", "{}", NULL));
	assert_false(R.c.flink);
	assert_words("no change");
	reset();
}

static void test_classify__desired_without_kind_is_invalid(void **state)
{
	json_t *d = J("{\"spec\":{}}");

	assert_int_equal(fg_classify(d, NULL, &R.ch, &R.c), FG_EINVALID);
	json_decref(d);
	reset();
}

/* ---- FlinkBlueGreenDeployment ------------------------------------------- */

#define TSPEC(image, job)                                          \
	"{\"image\":\"" image "\",\"flinkVersion\":\"v1_20\","     \
	"\"serviceAccount\":\"flink\",\"flinkConfiguration\":{"    \
	"\"execution.checkpointing.dir\":\"s3://b/c\","            \
	"\"execution.checkpointing.savepoint-dir\":\"s3://b/s\"}," \
	"\"job\":{\"jarURI\":\"local:///x.jar\",\"parallelism\":2" job "}}"

static enum fg_bg_diff bg_diff(const char *last, const char *next)
{
	json_t *a = J(last), *b = J(next);
	enum fg_bg_diff d = FG_BG_DIFF_NONE;

	assert_int_equal(fg_bg_diff_specs(a, b, &d), 0);
	json_decref(a);
	json_decref(b);
	return d;
}

/* FlinkBlueGreenDeploymentSpecDiff.compare, its precedence included. */
static void test_classify__bluegreen_diff_as_the_operator(void **state)
{
	/* job.state first, whatever else changes with it */
	assert_int_equal(
		bg_diff(TSPEC("flink:1.20", ""),
			TSPEC("flink:2.0", ",\"state\":\"suspended\"")),
		FG_BG_DIFF_SUSPEND);
	assert_int_equal(
		bg_diff(TSPEC("flink:1.20", ",\"state\":\"suspended\""),
			TSPEC("flink:2.0", ",\"state\":\"running\"")),
		FG_BG_DIFF_RESUME);
	/* then the savepoint redeploy, over any other change */
	assert_int_equal(bg_diff(TSPEC("flink:1.20", ""),
				 TSPEC("flink:2.0",
				       ",\"savepointRedeployNonce\":1,"
				       "\"initialSavepointPath\":\"s3://s\"")),
			 FG_BG_DIFF_SAVEPOINT_REDEPLOY);
	/* equal as Java reads them: nulls, JobSpec defaults, flat config */
	assert_int_equal(
		bg_diff("{\"image\":\"flink:1.20\",\"ingress\":null,\"job\":{"
			"\"jarURI\":\"local:///x.jar\",\"parallelism\":2,"
			"\"args\":[],\"state\":\"running\",\"entryClass\":null,"
			"\"upgradeMode\":\"stateless\"},\"jobManager\":"
			"{\"replicas\":1},\"flinkConfiguration\":{\"a.b\":"
			"\"1\"}}",
			"{\"image\":\"flink:1.20\",\"job\":{\"jarURI\":"
			"\"local:///"
			"x.jar\",\"parallelism\":2},\"jobManager\":{},"
			"\"flinkConfiguration\":{\"a\":{\"b\":1}}}"),
		FG_BG_DIFF_IGNORE);
	/* as Jackson writes lastReconciledSpec: every null, a Double cpu */
	assert_int_equal(
		bg_diff("{\"jobManager\":{\"resource\":{\"cpu\":1.0,"
			"\"memory\":\"2048m\",\"ephemeralStorage\":null},"
			"\"replicas\":1,\"podTemplate\":null},\"taskManager\":"
			"{\"resource\":{\"cpu\":0.5,\"memory\":\"1g\","
			"\"ephemeralStorage\":null},\"replicas\":null,"
			"\"podTemplate\":null},\"podTemplate\":null,"
			"\"restartNonce\":null}",
			"{\"jobManager\":{\"resource\":{\"cpu\":1,"
			"\"memory\":\"2048m\"}},\"taskManager\":{\"resource\":"
			"{\"cpu\":0.5,\"memory\":\"1g\"}}}"),
		FG_BG_DIFF_IGNORE);
	/* what the FlinkDeployment diff ignores: patched in place */
	assert_int_equal(
		bg_diff(TSPEC("flink:1.20", ""),
			TSPEC("flink:1.20", ",\"upgradeMode\":\"savepoint\"")),
		FG_BG_DIFF_PATCH_CHILD);
	assert_int_equal(
		bg_diff("{\"flinkConfiguration\":{}}",
			"{\"flinkConfiguration\":{\"kubernetes.operator."
			"periodic.savepoint.interval\":\"1h\"}}"),
		FG_BG_DIFF_PATCH_CHILD);
	/* everything else, a SCALE too (native mode, whatever the
	 * template's): a transition */
	assert_int_equal(
		bg_diff(TSPEC("flink:1.20", ""), TSPEC("flink:2.0", "")),
		FG_BG_DIFF_TRANSITION);
	assert_int_equal(bg_diff("{\"mode\":\"standalone\",\"job\":"
				 "{\"parallelism\":2}}",
				 "{\"mode\":\"standalone\",\"job\":"
				 "{\"parallelism\":4}}"),
			 FG_BG_DIFF_TRANSITION);
	assert_int_equal(
		bg_diff("{\"flinkConfiguration\":{\"pipeline.jobvertex-"
			"parallelism-overrides\":\"a:2\"}}",
			"{\"flinkConfiguration\":{\"pipeline.jobvertex-"
			"parallelism-overrides\":\"a:4\"}}"),
		FG_BG_DIFF_TRANSITION);
}

/* A FlinkBlueGreenDeployment `orders` around template spec `tspec`, with
 * status STATE/JOB recorded against `last` (NULL: no status). */
static json_t *bg(const char *tspec, const char *state, const char *job,
		  const char *last)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "apiVersion",
			      "flink.apache.org/v1beta1", "kind",
			      "FlinkBlueGreenDeployment", "metadata", "name",
			      "orders", "namespace", "ns", "uid", "u1");
	json_t *spec = json_pack("{s:{s:o}}", "template", "spec", J(tspec));

	json_object_set_new(o, "spec", spec);
	if (state) {
		json_t *l = json_pack("{s:{s:{s:o}}}", "spec", "template",
				      "spec", J(last ? last : tspec));
		char *text = json_dumps(l, JSON_COMPACT);

		json_object_set_new(o, "status",
				    json_pack("{s:s, s:{s:s}, s:s}",
					      "blueGreenState", state,
					      "jobStatus", "state", job,
					      "lastReconciledSpec", text));
		free(text);
		json_decref(l);
	}
	return o;
}

static void classify_bg(json_t *desired, json_t *live)
{
	change("/spec/template/spec", NULL, NULL);
	classify(desired, live);
}

static void test_classify__bluegreen_words_name_the_colours(void **state)
{
	classify_bg(bg(TSPEC("flink:1.20", ",\"upgradeMode\":\"savepoint\""),
		       NULL, NULL, NULL),
		    NULL);
	assert_words("deploys blue (orders-blue) from empty state");
	assert_int_equal(R.c.bg_deploys, FG_BG_BLUE);
	reset();
	classify_bg(bg(TSPEC("flink:1.20", ",\"state\":\"suspended\""), NULL,
		       NULL, NULL),
		    NULL);
	assert_words("is created suspended: the operator deploys nothing "
		     "until job.state is running");
	reset();
	/* green active: blue is deployed, from a savepoint of green */
	classify_bg(bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"savepoint\""),
		       NULL, NULL, NULL),
		    bg(TSPEC("flink:1.20", ",\"upgradeMode\":\"savepoint\""),
		       "ACTIVE_GREEN", "RUNNING", NULL));
	assert_int_equal(R.c.bg_diff, FG_BG_DIFF_TRANSITION);
	assert_int_equal(R.c.bg_active, FG_BG_GREEN);
	assert_int_equal(R.c.bg_deploys, FG_BG_BLUE);
	assert_int_equal(R.c.restart, FG_RESTART_SAVEPOINT);
	assert_words("TRANSITION: takes a savepoint of the active green "
		     "(orders-green), deploys blue (orders-blue) from it; "
		     "traffic switches to blue once it is STABLE with its job "
		     "RUNNING and green is deleted after 0 ms "
		     "(deployment-deletion.delay), else the operator aborts "
		     "back to green after 10 min (abort.grace-period)");
	reset();
	/* stateless: the new colour starts empty */
	classify_bg(
		bg(TSPEC("flink:2.0", ""), NULL, NULL, NULL),
		bg(TSPEC("flink:1.20", ""), "ACTIVE_BLUE", "RUNNING", NULL));
	assert_int_equal(R.c.restart, FG_RESTART_STATELESS);
	assert_int_equal(R.c.type, FG_DIFF_UPGRADE);
	assert_non_null(strstr(R.words, "deploys green (orders-green) WITHOUT "
					"state (upgradeMode stateless"));
	reset();
	/* a change while green is being deployed goes to green */
	classify_bg(bg(TSPEC("flink:2.1", ",\"upgradeMode\":\"savepoint\""),
		       NULL, NULL, NULL),
		    bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"savepoint\""),
		       "TRANSITIONING_TO_GREEN", "RECONCILING", NULL));
	assert_int_equal(R.c.bg_deploys, FG_BG_GREEN);
	assert_true(R.c.bg_in_place);
	assert_non_null(strstr(R.words, "TRANSITION while the transition to "
					"green is in progress "
					"(TRANSITIONING_TO_GREEN): the "
					"operator applies it to green "
					"(orders-green), the colour being "
					"deployed"));
	assert_non_null(strstr(R.words, "blue keeps serving"));
	reset();
	/* a suspend waits for it */
	classify_bg(bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"savepoint\","
					  "\"state\":\"suspended\""),
		       NULL, NULL, NULL),
		    bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"savepoint\""),
		       "TRANSITIONING_TO_GREEN", "RECONCILING", NULL));
	assert_true(R.c.bg_waits);
	assert_non_null(strstr(R.words, "SUSPEND: waits until the transition "
					"to green is done"));
	reset();
	/* in place on the active child */
	classify_bg(bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"savepoint\","
					  "\"state\":\"suspended\""),
		       NULL, NULL, NULL),
		    bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"savepoint\""),
		       "ACTIVE_BLUE", "RUNNING", NULL));
	assert_words("SUSPEND: blue (orders-blue), in place, suspends with a "
		     "savepoint");
	assert_true(R.c.suspend);
	reset();
	classify_bg(bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"last-state\""),
		       NULL, NULL, NULL),
		    bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"savepoint\""),
		       "ACTIVE_BLUE", "RUNNING", NULL));
	assert_words("PATCH_CHILD: patches blue (orders-blue) in place, no "
		     "restart (the FlinkDeployment diff is IGNORE)");
	assert_int_equal(R.c.type, FG_DIFF_IGNORE);
	reset();
	/* stateless from now on: the next transition takes no savepoint */
	classify_bg(bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"stateless\""),
		       NULL, NULL, NULL),
		    bg(TSPEC("flink:2.0", ",\"upgradeMode\":\"savepoint\""),
		       "ACTIVE_BLUE", "RUNNING", NULL));
	assert_true(R.c.arms_stateless);
	assert_non_null(strstr(R.words, "WARNING: upgradeMode stateless makes "
					"the next transition deploy WITHOUT "
					"state"));
	reset();
}

/* The operator transitions only from a READY active child. */
static void test_classify__bluegreen_not_ready_is_refused(void **state)
{
	struct fg_flink_env env = { 0 };
	json_t *desired = bg(TSPEC("flink:2.0", ",\"upgradeMode\":"
						"\"savepoint\""),
			     NULL, NULL, NULL);
	json_t *live = bg(TSPEC("flink:1.20", ",\"upgradeMode\":"
					      "\"savepoint\""),
			  "ACTIVE_BLUE", "RUNNING", NULL);
	json_t *blue = J("{\"apiVersion\":\"flink.apache.org/v1beta1\","
			 "\"kind\":\"FlinkDeployment\",\"metadata\":{"
			 "\"name\":\"orders-blue\"},\"spec\":{},\"status\":{"
			 "\"lifecycleState\":\"DEPLOYED\",\"jobStatus\":{"
			 "\"state\":\"RESTARTING\"}}}");

	env.operator_conf_known = 1;
	env.bg_children_known = 1;
	env.bg_children[0] = blue;
	change("/spec/template/spec/image", "\"flink:2.0\"", "\"flink:1.20\"");
	assert_int_equal(fg_classify_env(desired, live, &env, &R.ch, &R.c), 0);
	fg_classification_words(&R.c, R.words, sizeof(R.words));
	assert_true(R.c.bg_not_ready);
	assert_non_null(strstr(
		R.words, "; BUT blue (orders-blue) is not STABLE with its "
			 "job RUNNING (lifecycleState DEPLOYED, job "
			 "RESTARTING): the operator refuses (\"Transition "
			 "to GREEN not possible, current Flink Deployment "
			 "'orders-blue' is not READY\")"));
	reset();
	/* gone altogether */
	env.bg_children[0] = NULL;
	change("/spec/template/spec/image", "\"flink:2.0\"", "\"flink:1.20\"");
	assert_int_equal(fg_classify_env(desired, live, &env, &R.ch, &R.c), 0);
	fg_classification_words(&R.c, R.words, sizeof(R.words));
	assert_non_null(strstr(R.words, "; BUT blue (orders-blue) is not "
					"there"));
	reset();
	json_decref(desired);
	json_decref(live);
	json_decref(blue);
}

/* Only what is under spec.template.spec reaches the children. */
static void test_classify__bluegreen_changes_outside_the_template(void **st)
{
	change("/spec/configuration/kubernetes.operator.bluegreen.abort."
	       "grace-period",
	       "\"5 min\"", NULL);
	change("/spec/template/metadata", "{\"labels\":{\"a\":\"b\"}}", NULL);
	classify(bg(TSPEC("flink:2.0", ""), NULL, NULL, NULL),
		 bg(TSPEC("flink:2.0", ""), "ACTIVE_BLUE", "RUNNING", NULL));
	assert_int_equal(R.c.bg_diff, FG_BG_DIFF_IGNORE);
	assert_int_equal(R.ch.v[0].type, FG_DIFF_IGNORE);
	assert_int_equal(R.ch.v[1].type, FG_DIFF_IGNORE);
	assert_words("no restart (IGNORE: the children's spec is unchanged; "
		     "spec.configuration applies from the next transition; "
		     "spec.template.metadata never reaches the children)");
	reset();
	change("/spec/template/spec/image", "\"flink:2.0\"", "\"flink:1.20\"");
	classify(bg(TSPEC("flink:2.0", ""), NULL, NULL, NULL),
		 bg(TSPEC("flink:1.20", ""), "ACTIVE_BLUE", "RUNNING", NULL));
	assert_int_equal(R.ch.v[0].type, FG_DIFF_UPGRADE);
	reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify__bluegreen_diff_as_the_operator),
		cmocka_unit_test(
			test_classify__bluegreen_words_name_the_colours),
		cmocka_unit_test(
			test_classify__bluegreen_changes_outside_the_template),
		cmocka_unit_test(test_classify__bluegreen_not_ready_is_refused),
		cmocka_unit_test(
			test_classify__every_row_of_the_operator_table),
		cmocka_unit_test(
			test_classify__nonces_changed_to_null_are_ignored),
		cmocka_unit_test(
			test_classify__config_prefix_rules_are_prefixes),
		cmocka_unit_test(
			test_classify__config_compares_flat_and_as_strings),
		cmocka_unit_test(
			test_classify__job_and_taskmanager_recurse_field_by_field),
		cmocka_unit_test(
			test_classify__a_taskmanager_appearing_is_a_whole_upgrade),
		cmocka_unit_test(
			test_classify__whole_objects_are_compared_whole),
		cmocka_unit_test(test_classify__java_defaults_are_not_changes),
		cmocka_unit_test(
			test_classify__each_upgrade_mode_restarts_its_way),
		cmocka_unit_test(
			test_classify__savepoint_mode_with_a_job_not_running),
		cmocka_unit_test(
			test_classify__last_state_flink_version_change_takes_a_savepoint),
		cmocka_unit_test(
			test_classify__session_job_last_state_is_cancelled),
		cmocka_unit_test(
			test_classify__suspend_keeps_state_by_upgrade_mode),
		cmocka_unit_test(
			test_classify__session_job_suspend_says_it_is_cancelled),
		cmocka_unit_test(
			test_classify__resume_uses_the_mode_it_was_suspended_with),
		cmocka_unit_test(
			test_classify__resume_reads_the_last_reconciled_spec),
		cmocka_unit_test(test_classify__suspended_stays_suspended),
		cmocka_unit_test(
			test_classify__savepoint_redeploy_names_its_path),
		cmocka_unit_test(
			test_classify__scale_in_place_only_where_it_can),
		cmocka_unit_test(test_classify__a_pending_change_counts),
		cmocka_unit_test(
			test_classify__stateless_arms_the_next_upgrade),
		cmocka_unit_test(
			test_classify__jobmanager_replicas_default_to_one),
		cmocka_unit_test(
			test_classify__session_cluster_redeploys_with_its_jobs),
		cmocka_unit_test(
			test_classify__mode_switches_carry_the_operator_message),
		cmocka_unit_test(
			test_classify__switch_before_the_first_deploy_is_allowed),
		cmocka_unit_test(test_classify__other_rejections),
		cmocka_unit_test(
			test_classify__session_job_takes_its_cluster_mode),
		cmocka_unit_test(test_classify__create),
		cmocka_unit_test(
			test_classify__other_kinds_update_without_flink_impact),
		cmocka_unit_test(
			test_classify__desired_without_kind_is_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
