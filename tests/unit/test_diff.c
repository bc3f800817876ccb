/*
 * Diff with server-side-apply subset semantics, and managedFields
 * attribution. The live objects are shaped as kube-apiserver v1.36 returns
 * a FlinkDeployment the operator has reconciled: server metadata, the
 * operator's finalizer, status, and managedFields with fieldsV1 sets of
 * several managers (structured-merge-diff's serialization).
 */
#include "helpers.h"

#include "render/transform.h"
#include "sync/diff.h"
#include "render/base/banned.h"

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

	if (!v)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return v;
}

static void assert_json(const json_t *v, const char *want)
{
	char *got = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
					      JSON_ENCODE_ANY)
		      : strdup("(absent)");

	if (strcmp(got, want))
		fail_msg("\n  got  %s\n  want %s", got, want);
	free(got);
}

/* What render produces for team-a/orders.yaml. */
#define DESIRED                                                            \
	"{\"apiVersion\":\"flink.apache.org/v1beta1\","                    \
	"\"kind\":\"FlinkDeployment\","                                    \
	"\"metadata\":{\"name\":\"orders\",\"namespace\":\"team-a\","      \
	"\"labels\":{\"app.kubernetes.io/managed-by\":\"flink-gitops\"},"  \
	"\"annotations\":{\"flink-gitops.io/source\":"                     \
	"\"git@example.com:flink.git@4f1c2e9:team-a/orders.yaml\","        \
	"\"flink-gitops.io/desired-hash\":\"9b2f41\"}},"                   \
	"\"spec\":{\"image\":\"flink:1.20\",\"flinkVersion\":\"v1_20\","   \
	"\"serviceAccount\":\"flink\","                                    \
	"\"flinkConfiguration\":{\"taskmanager.numberOfTaskSlots\":\"2\"," \
	"\"state.checkpoints.dir\":\"s3://ck/orders\"},"                   \
	"\"jobManager\":{\"resource\":{\"cpu\":1,\"memory\":\"2048m\"}},"  \
	"\"taskManager\":{\"resource\":{\"cpu\":1,\"memory\":\"2048m\"},"  \
	"\"replicas\":2},"                                                 \
	"\"job\":{\"jarURI\":\"local:///opt/flink/examples/streaming/"     \
	"StateMachineExample.jar\",\"parallelism\":2,"                     \
	"\"upgradeMode\":\"savepoint\",\"args\":[\"--fast\"]}}}"

/* Our Apply set for DESIRED, as the API server records it. */
#define OURS_FIELDS                                                         \
	"{\"f:metadata\":{\"f:annotations\":{"                              \
	"\"f:flink-gitops.io/desired-hash\":{},"                            \
	"\"f:flink-gitops.io/source\":{}},"                                 \
	"\"f:labels\":{\"f:app.kubernetes.io/managed-by\":{}}},"            \
	"\"f:spec\":{\"f:flinkConfiguration\":{"                            \
	"\"f:state.checkpoints.dir\":{},"                                   \
	"\"f:taskmanager.numberOfTaskSlots\":{}},"                          \
	"\"f:flinkVersion\":{},\"f:image\":{},"                             \
	"\"f:job\":{\"f:args\":{},\"f:jarURI\":{},\"f:parallelism\":{},"    \
	"\"f:upgradeMode\":{}},"                                            \
	"\"f:jobManager\":{\"f:resource\":{\"f:cpu\":{},\"f:memory\":{}}}," \
	"\"f:serviceAccount\":{},"                                          \
	"\"f:taskManager\":{\"f:replicas\":{},"                             \
	"\"f:resource\":{\"f:cpu\":{},\"f:memory\":{}}}}}"

#define ENTRY(manager, op, time, sub, fields)                          \
	"{\"manager\":\"" manager "\",\"operation\":\"" op "\","       \
	"\"apiVersion\":\"flink.apache.org/v1beta1\",\"time\":\"" time \
	"\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":" fields sub "}"
#define NO_SUB ""
#define STATUS_SUB ",\"subresource\":\"status\""

#define OURS_AT(fields) \
	ENTRY("flink-gitops", "Apply", "2026-11-27T09:00:00Z", NO_SUB, fields)

/* The operator: its finalizer (a set list, "v:" items) and status. */
#define OPERATOR_ENTRIES                                                       \
	ENTRY("flink-kubernetes-operator", "Update", "2026-11-27T09:00:02Z",   \
	      NO_SUB,                                                          \
	      "{\"f:metadata\":{\"f:finalizers\":{\".\":{},"                   \
	      "\"v:\\\"flinkdeployments.flink.apache.org/"                     \
	      "finalizer\\\"\":{}}}}")                                         \
	"," ENTRY(                                                             \
		"flink-kubernetes-operator", "Update", "2026-11-27T09:03:41Z", \
		STATUS_SUB,                                                    \
		"{\"f:status\":{\".\":{},\"f:clusterInfo\":{\".\":{},"         \
		"\"f:flink-version\":{}},\"f:jobManagerDeploymentStatus\":{}," \
		"\"f:jobStatus\":{\".\":{},\"f:jobId\":{},\"f:state\":{}},"    \
		"\"f:lifecycleState\":{},\"f:observedGeneration\":{},"         \
		"\"f:reconciliationStatus\":{\".\":{},"                        \
		"\"f:lastReconciledSpec\":{},\"f:state\":{}}}}")

#define STATUS                                                                \
	"{\"clusterInfo\":{\"flink-version\":\"1.20.1\"},"                    \
	"\"jobManagerDeploymentStatus\":\"READY\","                           \
	"\"jobStatus\":{\"jobId\":\"6c4e3f0b9e1d4a3c8f7a2b1c0d9e8f7a\","      \
	"\"state\":\"RUNNING\"},\"lifecycleState\":\"STABLE\","               \
	"\"observedGeneration\":3,\"reconciliationStatus\":{"                 \
	"\"lastReconciledSpec\":\"{\\\"spec\\\":{\\\"restartNonce\\\":3}}\"," \
	"\"state\":\"DEPLOYED\"}}"

/*
 * DESIRED as the cluster returns it, with `spec_patch` merged over it
 * (JSON merge patch: null removes), our Apply set `ours` (NULL = all of
 * DESIRED) and `extra` managedFields entries appended.
 */
static json_t *live_of(const char *desired, const char *patch, const char *ours,
		       const char *extra)
{
	json_t *live = J(desired);
	json_t *md = json_object_get(live, "metadata");
	json_t *mf = J("[" OURS_AT(OURS_FIELDS) "," OPERATOR_ENTRIES "]");

	if (ours)
		json_object_set_new(json_array_get(mf, 0), "fieldsV1", J(ours));
	if (extra) {
		json_t *e = J(extra);
		json_array_extend(mf, e);
		json_decref(e);
	}
	json_object_set_new(md, "uid",
			    json_string("0b7e4f3a-5c1d-4e2b-9a8f-"
					"7d6c5b4a3f2e"));
	json_object_set_new(md, "resourceVersion", json_string("48213"));
	json_object_set_new(md, "generation", json_integer(3));
	json_object_set_new(md, "creationTimestamp",
			    json_string("2026-11-27T09:00:00Z"));
	json_object_set_new(
		md, "finalizers",
		J("[\"flinkdeployments.flink.apache.org/finalizer\"]"));
	json_object_set_new(md, "managedFields", mf);
	json_object_set_new(live, "status", J(STATUS));
	if (patch) {
		json_t *p = J(patch);
		fg_merge(live, p);
		json_decref(p);
	}
	return live;
}

static void diff_ok(const json_t *desired, const json_t *live, int hpa,
		    struct fg_changes *out)
{
	struct fg_diff_opts opts = { "flink-gitops", hpa };

	if (fg_diff(desired, live, &opts, out) < 0)
		fail_msg("fg_diff: %s", fg_error_last());
}

static void assert_change(const struct fg_changes *c, size_t i,
			  const char *pointer, const char *desired,
			  const char *live)
{
	if (i >= c->n)
		fail_msg("no change %zu (only %zu)", i, c->n);
	assert_string_equal(c->v[i].pointer, pointer);
	assert_json(c->v[i].desired, desired);
	assert_json(c->v[i].live, live);
}

static void assert_no_changes(const struct fg_changes *c)
{
	if (c->n)
		fail_msg("expected no change, got %zu, first %s", c->n,
			 c->v[0].pointer);
}

static void
test_diff__no_changes_when_live_is_desired_plus_server_fields(void **state)
{
	json_t *d = J(DESIRED), *l = live_of(DESIRED, NULL, NULL, NULL);
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

#define OURS_WITHOUT_PARALLELISM                                 \
	"{\"f:spec\":{\"f:job\":{\"f:args\":{},\"f:jarURI\":{}," \
	"\"f:upgradeMode\":{}},\"f:image\":{}}}"
#define KUBECTL_EDIT_PARALLELISM                                            \
	"[" ENTRY("kubectl-edit", "Update", "2026-11-27T10:00:00Z", NO_SUB, \
		  "{\"f:spec\":{\"f:job\":{\"f:parallelism\":{}}}}") "]"

static void
test_diff__kubectl_edit_of_git_field_is_attributed_drift(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED, "{\"spec\":{\"job\":{\"parallelism\":4}}}",
			    OURS_WITHOUT_PARALLELISM, KUBECTL_EDIT_PARALLELISM);
	struct fg_changes c = FG_CHANGES_INIT;
	struct fg_drift drift = FG_DRIFT_INIT;

	diff_ok(d, l, 0, &c);
	assert_int_equal(c.n, 1);
	assert_change(&c, 0, "/spec/job/parallelism", "2", "4");
	assert_string_equal(c.v[0].field, "spec.job.parallelism");

	assert_int_equal(fg_drift_build(&drift, &c, l), 0);
	assert_int_equal(drift.n, 1);
	assert_string_equal(drift.v[0].field, "spec.job.parallelism");
	assert_string_equal(drift.v[0].manager, "kubectl-edit");
	assert_string_equal(drift.v[0].time, "2026-11-27T10:00:00Z");
	assert_json(drift.v[0].desired, "2");
	assert_json(drift.v[0].live, "4");
	fg_drift_release(&drift);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__field_we_owned_and_git_dropped_is_a_removal(void **state)
{
	json_t *d = J(DESIRED), *l = live_of(DESIRED, NULL, NULL, NULL);
	struct fg_changes c = FG_CHANGES_INIT;

	json_object_del(json_object_get(json_object_get(d, "spec"), "job"),
			"args");
	json_object_del(json_object_get(json_object_get(d, "spec"),
					"flinkConfiguration"),
			"state.checkpoints.dir");
	diff_ok(d, l, 0, &c);
	assert_int_equal(c.n, 2);
	assert_change(&c, 0, "/spec/flinkConfiguration/state.checkpoints.dir",
		      "(absent)", "\"s3://ck/orders\"");
	assert_change(&c, 1, "/spec/job/args", "(absent)", "[\"--fast\"]");
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void
test_diff__field_git_dropped_but_another_manager_shares_stays(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(
		DESIRED, NULL, NULL,
		"[" ENTRY("platform-tool", "Apply", "2026-11-27T09:30:00Z",
			  NO_SUB,
			  "{\"f:spec\":{\"f:job\":{\"f:args\":{}}}}") "]");
	struct fg_changes c = FG_CHANGES_INIT;

	json_object_del(json_object_get(json_object_get(d, "spec"), "job"),
			"args");
	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__field_someone_else_added_is_not_a_change(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(
		DESIRED,
		"{\"metadata\":{\"labels\":{\"team\":\"payments\"}},"
		"\"spec\":{\"ingress\":{\"template\":\"{{name}}.example.com\"},"
		"\"flinkConfiguration\":{\"metrics.reporters\":\"prom\"}}}",
		NULL,
		"[" ENTRY("kubectl-edit", "Update", "2026-11-27T10:00:00Z",
			  NO_SUB,
			  "{\"f:metadata\":{\"f:labels\":{\"f:team\":{}}},"
			  "\"f:spec\":{\"f:flinkConfiguration\":{"
			  "\"f:metrics.reporters\":{}},"
			  "\"f:ingress\":{\".\":{},\"f:template\":{}}}}") "]");
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

/* The API server merges a Secret's stringData into data and keeps none of
 * it: Git's stringData is compared with the stored data. */
static void test_diff__secret_string_data_is_compared_as_stored(void **state)
{
	json_t *d = J("{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
		      "\"metadata\":{\"name\":\"s\"},\"stringData\":{"
		      "\"password\":\"hunter2\"},\"data\":{\"token\":"
		      "\"aGVsbG8=\"}}");
	json_t *same = J("{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
			 "\"metadata\":{\"name\":\"s\"},\"data\":{"
			 "\"password\":\"aHVudGVyMg==\",\"token\":"
			 "\"aGVsbG8=\"}}");
	json_t *other = J("{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
			  "\"metadata\":{\"name\":\"s\"},\"data\":{"
			  "\"password\":\"b3RoZXI=\",\"token\":"
			  "\"aGVsbG8=\"}}");
	struct fg_changes c = FG_CHANGES_INIT;

	(void)state;
	diff_ok(d, same, 0, &c);
	assert_no_changes(&c);
	diff_ok(d, other, 0, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].pointer, "/data/password");
	fg_changes_release(&c);
	json_decref(d);
	json_decref(same);
	json_decref(other);
}

#define SESSION_JOB                                                        \
	"{\"apiVersion\":\"flink.apache.org/v1beta1\","                    \
	"\"kind\":\"FlinkSessionJob\","                                    \
	"\"metadata\":{\"name\":\"wordcount\",\"namespace\":\"team-a\","   \
	"\"labels\":{\"app.kubernetes.io/managed-by\":\"flink-gitops\"}}," \
	"\"spec\":{\"deploymentName\":\"session\",\"job\":{\"jarURI\":"    \
	"\"https://repo.example.com/wordcount.jar\",\"parallelism\":4,"    \
	"\"upgradeMode\":\"stateless\"}}}"

static void test_diff__target_session_label_is_not_drift(void **state)
{
	json_t *d = J(SESSION_JOB);
	json_t *l = live_of(
		SESSION_JOB,
		"{\"metadata\":{\"labels\":{\"target.session\":\"session\"}}}",
		"{\"f:metadata\":{\"f:labels\":{"
		"\"f:app.kubernetes.io/managed-by\":{}}},"
		"\"f:spec\":{\"f:deploymentName\":{},\"f:job\":{"
		"\"f:jarURI\":{},\"f:parallelism\":{},\"f:upgradeMode\":{}}}}",
		"[" ENTRY("flink-kubernetes-operator", "Update",
			  "2026-11-27T09:00:01Z", NO_SUB,
			  "{\"f:metadata\":{\"f:labels\":{"
			  "\"f:target.session\":{}}}}") "]");
	struct fg_changes c = FG_CHANGES_INIT;

	/* even when Git names the label, the webhook's value wins */
	json_object_set_new(
		json_object_get(json_object_get(d, "metadata"), "labels"),
		"target.session", json_string("old-session"));
	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

#define HPA_SCALED                                                      \
	"[" ENTRY("horizontal-pod-autoscaler", "Update",                \
		  "2026-11-27T11:20:00Z", ",\"subresource\":\"scale\"", \
		  "{\"f:spec\":{\"f:taskManager\":{\"f:replicas\":{}}}}") "]"

static void
test_diff__hpa_replicas_are_not_drift_when_hpa_owns_them(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED,
			    "{\"spec\":{\"taskManager\":{\"replicas\":5}}}",
			    NULL, HPA_SCALED);
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, l, 1, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__hpa_replicas_are_drift_without_an_hpa(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED,
			    "{\"spec\":{\"taskManager\":{\"replicas\":5}}}",
			    NULL, HPA_SCALED);
	struct fg_changes c = FG_CHANGES_INIT;
	const char *manager, *time;

	diff_ok(d, l, 0, &c);
	assert_int_equal(c.n, 1);
	assert_change(&c, 0, "/spec/taskManager/replicas", "2", "5");
	assert_int_equal(fg_field_owner(l, c.v[0].pointer, &manager, &time), 0);
	assert_string_equal(manager, "horizontal-pod-autoscaler");
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

#define NESTED_CONF                                  \
	"{\"spec\":{\"flinkConfiguration\":{"        \
	"\"taskmanager.numberOfTaskSlots\":null,"    \
	"\"state.checkpoints.dir\":null,"            \
	"\"taskmanager\":{\"numberOfTaskSlots\":2}," \
	"\"state\":{\"checkpoints\":{\"dir\":\"s3://ck/orders\"}}}}}"
#define NESTED_OWNER                                                         \
	"[" ENTRY("helm", "Update", "2026-11-26T08:00:00Z", NO_SUB,          \
		  "{\"f:spec\":{\"f:flinkConfiguration\":{"                  \
		  "\"f:taskmanager\":{\".\":{},\"f:numberOfTaskSlots\":{}}," \
		  "\"f:state\":{\".\":{},\"f:checkpoints\":{\".\":{},"       \
		  "\"f:dir\":{}}}}}}") "]"
#define OURS_NO_CONF \
	"{\"f:spec\":{\"f:image\":{},\"f:job\":{\"f:parallelism\":{}}}}"

static void
test_diff__nested_and_flat_flink_configuration_are_equal(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED, NESTED_CONF, OURS_NO_CONF, NESTED_OWNER);
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__config_number_equals_operator_string(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED,
			    "{\"spec\":{\"flinkConfiguration\":{"
			    "\"taskmanager.numberOfTaskSlots\":2}}}",
			    NULL, NULL);
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__config_change_is_one_flat_key(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED, NESTED_CONF, OURS_NO_CONF, NESTED_OWNER);
	struct fg_changes c = FG_CHANGES_INIT;
	const char *manager, *time;

	json_object_set_new(json_object_get(json_object_get(d, "spec"),
					    "flinkConfiguration"),
			    "taskmanager.numberOfTaskSlots", json_string("4"));
	diff_ok(d, l, 0, &c);
	assert_int_equal(c.n, 1);
	assert_change(&c, 0,
		      "/spec/flinkConfiguration/taskmanager.numberOfTaskSlots",
		      "\"4\"", "\"2\"");
	assert_string_equal(c.v[0].field, "spec.flinkConfiguration[taskmanager."
					  "numberOfTaskSlots]");
	/* the flat key is found in the nested fieldsV1 that set it */
	assert_int_equal(fg_field_owner(l, c.v[0].pointer, &manager, &time), 0);
	assert_string_equal(manager, "helm");
	assert_string_equal(time, "2026-11-26T08:00:00Z");
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__numbers_compare_by_value(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED,
			    "{\"spec\":{\"job\":{\"parallelism\":2.0},"
			    "\"jobManager\":{\"resource\":{\"cpu\":1.0}}}}",
			    NULL, NULL);
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__strings_do_not_equal_numbers_outside_config(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l =
		live_of(DESIRED, "{\"spec\":{\"job\":{\"parallelism\":\"2\"}}}",
			NULL, NULL);
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, l, 0, &c);
	assert_int_equal(c.n, 1);
	assert_change(&c, 0, "/spec/job/parallelism", "2", "\"2\"");
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__status_is_ignored(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED,
			    "{\"status\":{\"lifecycleState\":\"FAILED\","
			    "\"error\":\"boom\",\"jobStatus\":{\"state\":"
			    "\"FAILED\"}}}",
			    NULL, NULL);
	struct fg_changes c = FG_CHANGES_INIT;

	/* even a status in Git is not compared: the operator owns it */
	json_object_set_new(d, "status", J("{\"lifecycleState\":\"STABLE\"}"));
	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__consumed_nonce_is_not_drift(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED,
			    "{\"spec\":{\"restartNonce\":3,\"job\":{"
			    "\"savepointTriggerNonce\":7}}}",
			    NULL, NULL);
	struct fg_changes c = FG_CHANGES_INIT;

	/* the operator consumed both (status holds them); spec keeps them */
	json_object_set_new(json_object_get(d, "spec"), "restartNonce",
			    json_integer(3));
	json_object_set_new(json_object_get(json_object_get(d, "spec"), "job"),
			    "savepointTriggerNonce", json_integer(7));
	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__lists_compare_whole(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED,
			    "{\"spec\":{\"job\":{\"args\":[\"--fast\","
			    "\"--debug\"]}}}",
			    NULL, NULL);
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, l, 0, &c);
	assert_int_equal(c.n, 1);
	assert_change(&c, 0, "/spec/job/args", "[\"--fast\"]",
		      "[\"--fast\",\"--debug\"]");
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

/*
 * A Flink resource keeps an explicitly empty list or map as given (the
 * API server stores `podTemplate: {}`), and the operator compares with
 * Java equals: for the Flink kinds an empty value is a value (classify
 * decides what it means to the operator). null is absent.
 */
static void
test_diff__empty_list_or_map_is_a_value_of_a_flink_kind(void **state)
{
	json_t *d = J(DESIRED);
	json_t *l = live_of(DESIRED, "{\"spec\":{\"job\":{\"args\":null}}}",
			    NULL, NULL);
	json_t *job = json_object_get(json_object_get(d, "spec"), "job");
	struct fg_changes c = FG_CHANGES_INIT;

	json_object_set_new(job, "args", json_array());
	json_object_set_new(json_object_get(d, "spec"), "logConfiguration",
			    json_object());
	json_object_set_new(json_object_get(d, "spec"), "restartNonce",
			    json_null());
	diff_ok(d, l, 0, &c);
	assert_int_equal(c.n, 2);
	assert_change(&c, 0, "/spec/job/args", "[]", "(absent)");
	assert_change(&c, 1, "/spec/logConfiguration", "{}", "(absent)");
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

/* Built-in kinds: the API server drops empty maps; they equal absent. */
static void test_diff__empty_map_of_a_builtin_kind_equals_absent(void **state)
{
	json_t *d = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		      "\"metadata\":{\"name\":\"c\",\"labels\":{}},"
		      "\"data\":{\"a\":\"1\"}}");
	json_t *l = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		      "\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\"}}");
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, l, 0, &c);
	assert_no_changes(&c);
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__empty_list_in_git_replaces_live_items(void **state)
{
	json_t *d = J(DESIRED), *l = live_of(DESIRED, NULL, NULL, NULL);
	struct fg_changes c = FG_CHANGES_INIT;

	json_object_set_new(json_object_get(json_object_get(d, "spec"), "job"),
			    "args", json_array());
	diff_ok(d, l, 0, &c);
	assert_int_equal(c.n, 1);
	assert_change(&c, 0, "/spec/job/args", "[]", "[\"--fast\"]");
	fg_changes_release(&c);
	json_decref(d);
	json_decref(l);
}

static void test_diff__missing_object_lists_every_field_git_sets(void **state)
{
	json_t *d = J(SESSION_JOB);
	struct fg_changes c = FG_CHANGES_INIT;

	diff_ok(d, NULL, 0, &c);
	assert_int_equal(c.n, 5);
	assert_change(&c, 0, "/metadata/labels/app.kubernetes.io~1managed-by",
		      "\"flink-gitops\"", "(absent)");
	assert_change(&c, 1, "/spec/deploymentName", "\"session\"", "(absent)");
	assert_change(&c, 3, "/spec/job/parallelism", "4", "(absent)");
	fg_changes_release(&c);
	json_decref(d);
}

/* A list-map (containers, "k:" items) and a set (finalizers, "v:"). */
#define KEYED_FIELDS                                                    \
	"{\"f:metadata\":{\"f:finalizers\":{\"v:\\\"b/y\\\"\":{}}},"    \
	"\"f:spec\":{\"f:podTemplate\":{\"f:spec\":{\"f:containers\":{" \
	"\"k:{\\\"name\\\":\\\"sidecar\\\"}\":"                         \
	"{\".\":{},\"f:image\":{},\"f:name\":{}},"                      \
	"\"k:{\\\"name\\\":\\\"gone\\\"}\":{\".\":{}}}}}}}"
#define KEYED_ENTRY                                                    \
	ENTRY("flink-gitops", "Apply", "2026-11-27T09:00:00Z", NO_SUB, \
	      KEYED_FIELDS)
#define KEYED_LIVE                                              \
	"{\"metadata\":{\"finalizers\":[\"a/x\",\"b/y\"],"      \
	"\"managedFields\":[" KEYED_ENTRY "]},"                 \
	"\"spec\":{\"podTemplate\":{\"spec\":{\"containers\":[" \
	"{\"name\":\"flink-main-container\"},"                  \
	"{\"name\":\"sidecar\",\"image\":\"envoy:1\"}]}}}}"

static void test_diff__owned_fields_name_set_and_keyed_items(void **state)
{
	json_t *live = J(KEYED_LIVE);
	json_t *ptrs = NULL;

	assert_int_equal(fg_owned_fields(live, "flink-gitops", &ptrs), 0);
	assert_json(ptrs, "[\"/metadata/finalizers/1\","
			  "\"/spec/podTemplate/spec/containers/1\","
			  "\"/spec/podTemplate/spec/containers/1/image\","
			  "\"/spec/podTemplate/spec/containers/1/name\"]");
	json_decref(ptrs);
	assert_int_equal(fg_owned_fields(live, "kubectl-edit", &ptrs), 0);
	assert_json(ptrs, "[]");
	json_decref(ptrs);
	json_decref(live);
}

static void test_diff__field_owner_unknown_when_nobody_owns_it(void **state)
{
	json_t *l = live_of(DESIRED, NULL, NULL, NULL);
	const char *manager = "x", *time = "x";

	assert_int_equal(fg_field_owner(l, "/spec/ingress", &manager, &time),
			 FG_ENOTFOUND);
	assert_null(manager);
	assert_null(time);
	/* inside an atomic list: the list's owner */
	assert_int_equal(fg_field_owner(l, "/spec/job/args/0", &manager, &time),
			 0);
	assert_string_equal(manager, "flink-gitops");
	json_decref(l);
}

static void test_diff__operator_snapshots_are_not_ours(void **state)
{
	json_t *snap = J("{\"apiVersion\":\"flink.apache.org/v1beta1\","
			 "\"kind\":\"FlinkStateSnapshot\",\"metadata\":{"
			 "\"name\":\"orders-savepoint-1764234000\",\"labels\":{"
			 "\"snapshot.trigger-type\":\"UPGRADE\","
			 "\"job-reference.kind\":\"FlinkDeployment\","
			 "\"job-reference.name\":\"orders\"},"
			 "\"managedFields\":[" ENTRY(
				 "flink-kubernetes-operator", "Update",
				 "2026-11-27T09:00:00Z", NO_SUB,
				 "{\"f:spec\":{\".\":{}}}") "]}}");
	json_t *ours = live_of(DESIRED, NULL, NULL, NULL);

	assert_true(fg_diff_operator_created(snap, NULL));
	assert_false(fg_diff_operator_created(ours, NULL));
	json_decref(snap);
	json_decref(ours);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_diff__no_changes_when_live_is_desired_plus_server_fields),
		cmocka_unit_test(
			test_diff__kubectl_edit_of_git_field_is_attributed_drift),
		cmocka_unit_test(
			test_diff__field_we_owned_and_git_dropped_is_a_removal),
		cmocka_unit_test(
			test_diff__field_git_dropped_but_another_manager_shares_stays),
		cmocka_unit_test(
			test_diff__field_someone_else_added_is_not_a_change),
		cmocka_unit_test(test_diff__target_session_label_is_not_drift),
		cmocka_unit_test(
			test_diff__hpa_replicas_are_not_drift_when_hpa_owns_them),
		cmocka_unit_test(
			test_diff__hpa_replicas_are_drift_without_an_hpa),
		cmocka_unit_test(
			test_diff__nested_and_flat_flink_configuration_are_equal),
		cmocka_unit_test(
			test_diff__config_number_equals_operator_string),
		cmocka_unit_test(test_diff__config_change_is_one_flat_key),
		cmocka_unit_test(test_diff__numbers_compare_by_value),
		cmocka_unit_test(
			test_diff__strings_do_not_equal_numbers_outside_config),
		cmocka_unit_test(test_diff__status_is_ignored),
		cmocka_unit_test(test_diff__consumed_nonce_is_not_drift),
		cmocka_unit_test(test_diff__lists_compare_whole),
		cmocka_unit_test(
			test_diff__empty_list_or_map_is_a_value_of_a_flink_kind),
		cmocka_unit_test(
			test_diff__empty_map_of_a_builtin_kind_equals_absent),
		cmocka_unit_test(
			test_diff__empty_list_in_git_replaces_live_items),
		cmocka_unit_test(
			test_diff__missing_object_lists_every_field_git_sets),
		cmocka_unit_test(
			test_diff__owned_fields_name_set_and_keyed_items),
		cmocka_unit_test(
			test_diff__field_owner_unknown_when_nobody_owns_it),
		cmocka_unit_test(test_diff__operator_snapshots_are_not_ours),
		cmocka_unit_test(
			test_diff__secret_string_data_is_compared_as_stored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
