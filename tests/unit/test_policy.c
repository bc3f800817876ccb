/*
 * Policy: each state-safety rule blocks by default, and its override in
 * Git (namespace config or object annotation) lets the change through.
 */
#include "helpers.h"

#include "sync/classify.h"
#include "sync/diff.h"
#include "sync/policy.h"
#include "render/base/banned.h"

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

	if (!v)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return v;
}

/* A FlinkDeployment `j` with `spec` (JSON), optional status, annotation. */
static json_t *fd(const char *spec, const char *status, const char *policy)
{
	json_t *o =
		json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion",
			  "flink.apache.org/v1beta1", "kind", "FlinkDeployment",
			  "metadata", "name", "j", "namespace", "ns");

	json_object_set_new(o, "spec", J(spec));
	if (status)
		json_object_set_new(o, "status", J(status));
	if (policy)
		json_object_set_new(
			json_object_get(o, "metadata"), "annotations",
			json_pack("{s:s}", FG_POLICY_ANNOTATION, policy));
	return o;
}

#define JOB(mode, extra)                                                    \
	"{\"image\":\"flink:1.20\",\"job\":{\"jarURI\":\"local:///j.jar\"," \
	"\"upgradeMode\":\"" mode "\"" extra "}}"
#define JOB2(mode, extra)                                                  \
	"{\"image\":\"flink:2.0\",\"job\":{\"jarURI\":\"local:///j.jar\"," \
	"\"upgradeMode\":\"" mode "\"" extra "}}"

/* Diff, classify and check the update of `live` to `desired`. */
static struct fg_verdict update(json_t *desired, json_t *live,
				const json_t *config)
{
	struct fg_changes ch = FG_CHANGES_INIT;
	struct fg_classification c = FG_CLASSIFICATION_INIT;
	struct fg_policy ns, p;
	struct fg_verdict v;

	assert_int_equal(fg_policy_from_config(&ns, config), 0);
	assert_int_equal(fg_policy_for_object(&p, &ns, desired), 0);
	assert_int_equal(fg_diff(desired, live, NULL, &ch), 0);
	assert_int_equal(fg_classify(desired, live, &ch, &c), 0);
	fg_policy_check_update(&v, &p, desired, live, &c);
	fg_classification_release(&c);
	fg_changes_release(&ch);
	json_decref(desired);
	json_decref(live);
	return v;
}

static struct fg_verdict del(json_t *live, const char *config)
{
	struct fg_policy ns, p;
	struct fg_verdict v;
	json_t *conf = config ? J(config) : NULL;

	assert_int_equal(fg_policy_from_config(&ns, conf), 0);
	assert_int_equal(fg_policy_for_object(&p, &ns, live), 0);
	fg_policy_check_delete(&v, &p, live);
	json_decref(conf);
	json_decref(live);
	return v;
}

static void
test_policy__stateless_upgrade_of_a_stateful_job_is_blocked(void **state)
{
	struct fg_verdict v =
		update(fd(JOB2("stateless", ""), NULL, NULL),
		       fd(JOB("savepoint", ""), NULL, NULL), NULL);

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_int_equal(v.rule, FG_RULE_STATELESS_UPGRADE);
	assert_string_equal(v.reason, "stateless upgrade would drop state");
	assert_non_null(v.unblock);

	v = update(fd(JOB2("stateless", ""), NULL, NULL),
		   fd(JOB("last-state", ""), NULL, NULL), NULL);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
}

static void test_policy__stateless_upgrade_reads_the_running_spec(void **state)
{
	/* the live spec already says stateless (an IGNORE-only commit
	 * before), but the job runs what the operator last reconciled */
	const char *status =
		"{\"lifecycleState\":\"STABLE\",\"jobStatus\":{\"state\":"
		"\"RUNNING\"},\"reconciliationStatus\":{\"lastReconciledSpec\":"
		"\"{\\\"spec\\\":{\\\"image\\\":\\\"flink:1.20\\\",\\\"job\\\":"
		"{\\\"jarURI\\\":\\\"local:///j.jar\\\",\\\"upgradeMode\\\":"
		"\\\"savepoint\\\"}}}\"}}";
	struct fg_verdict v =
		update(fd(JOB2("stateless", ""), NULL, NULL),
		       fd(JOB("stateless", ""), status, NULL), NULL);

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_int_equal(v.rule, FG_RULE_STATELESS_UPGRADE);
}

static void
test_policy__stateless_upgrade_with_checkpointing_is_blocked(void **state)
{
	struct fg_verdict v = update(
		fd("{\"image\":\"flink:2.0\",\"flinkConfiguration\":{"
		   "\"execution.checkpointing.interval\":\"10s\"},\"job\":{"
		   "\"jarURI\":\"local:///j.jar\"}}",
		   NULL, NULL),
		fd("{\"image\":\"flink:1.20\",\"flinkConfiguration\":{"
		   "\"execution.checkpointing.interval\":\"10s\"},\"job\":{"
		   "\"jarURI\":\"local:///j.jar\"}}",
		   NULL, NULL),
		NULL);

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_string_equal(
		v.reason,
		"stateless upgrade would drop state (checkpointing is "
		"configured)");

	/* nested form in the running spec counts too */
	v = update(fd(JOB2("stateless", ""), NULL, NULL),
		   fd("{\"image\":\"flink:1.20\",\"flinkConfiguration\":{"
		      "\"state\":{\"checkpoints.dir\":\"s3://b/c\"}},\"job\":{"
		      "\"jarURI\":\"local:///j.jar\",\"upgradeMode\":"
		      "\"stateless\"}}",
		      NULL, NULL),
		   NULL);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
}

static void test_policy__stateless_job_without_state_upgrades(void **state)
{
	struct fg_verdict v =
		update(fd(JOB2("stateless", ""), NULL, NULL),
		       fd(JOB("stateless", ""), NULL, NULL), NULL);

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_int_equal(v.rule, FG_RULE_NONE);

	/* a stateful upgrade is not what the rule is about */
	v = update(fd(JOB2("savepoint", ""), NULL, NULL),
		   fd(JOB("savepoint", ""), NULL, NULL), NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
}

static void
test_policy__stateless_suspend_of_a_stateful_job_is_blocked(void **state)
{
	struct fg_verdict v = update(
		fd(JOB("stateless", ",\"state\":\"suspended\""), NULL, NULL),
		fd(JOB("savepoint", ""), NULL, NULL), NULL);

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_int_equal(v.rule, FG_RULE_STATELESS_UPGRADE);
}

static void test_policy__allow_stateless_upgrade_lets_it_through(void **state)
{
	json_t *conf = J("{\"allowStatelessUpgrade\":true}");
	struct fg_verdict v =
		update(fd(JOB2("stateless", ""), NULL, NULL),
		       fd(JOB("savepoint", ""), NULL, NULL), conf);

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_int_equal(v.rule, FG_RULE_STATELESS_UPGRADE);
	assert_true(v.overridden);
	json_decref(conf);

	/* the object's annotation does the same */
	v = update(fd(JOB2("stateless", ""), NULL,
		      "delete=allow, allow-stateless-upgrade"),
		   fd(JOB("savepoint", ""), NULL, NULL), NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_true(v.overridden);
}

static void test_policy__deleting_a_running_job_is_blocked(void **state)
{
	struct fg_verdict v = del(fd(JOB("savepoint", ""), NULL, NULL), NULL);

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_int_equal(v.rule, FG_RULE_DELETE_RUNNING);
	assert_string_equal(
		v.reason,
		"deleting a running job drops its checkpoint history");

	/* by status: RUNNING wins over a suspended spec */
	v = del(fd(JOB("savepoint", ",\"state\":\"suspended\""),
		   "{\"jobStatus\":{\"state\":\"RUNNING\"}}", NULL),
		NULL);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
}

static void
test_policy__deleting_a_job_that_does_not_run_is_allowed(void **state)
{
	struct fg_verdict v = del(
		fd(JOB("savepoint", ",\"state\":\"suspended\""), NULL, NULL),
		NULL);

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_int_equal(v.rule, FG_RULE_NONE);
	v = del(fd(JOB("savepoint", ""),
		   "{\"jobStatus\":{\"state\":\"FINISHED\"}}", NULL),
		NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	/* a session cluster runs no job of its own */
	v = del(fd("{\"image\":\"flink:1.20\"}", NULL, NULL), NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	/* not a Flink kind */
	v = del(J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		  "\"metadata\":{\"name\":\"c\"}}"),
		NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
}

static void test_policy__delete_overrides(void **state)
{
	struct fg_verdict v = del(fd(JOB("savepoint", ""), NULL, NULL),
				  "{\"delete\":\"suspend-first\"}");

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_SUSPEND_FIRST);
	assert_true(v.overridden);
	v = del(fd(JOB("savepoint", ""), NULL, NULL), "{\"delete\":\"allow\"}");
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_true(v.overridden);
	/* the object's annotation beats the namespace */
	v = del(fd(JOB("savepoint", ""), NULL, "delete=block"),
		"{\"delete\":\"allow\"}");
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	v = del(fd(JOB("savepoint", ""), NULL, "delete=suspend-first"), NULL);
	assert_int_equal(v.kind, FG_VERDICT_SUSPEND_FIRST);
}

/* The status the operator writes once it reconciled `spec` (JSON): the
 * lifecycle and job state, the spec it recorded, a savepoint or NULL. */
static json_t *stopped(const char *spec, const char *lc, const char *js,
		       const char *sp, const char *policy)
{
	json_t *o = fd(spec, NULL, policy);
	json_t *last = json_pack("{s:O}", "spec", json_object_get(o, "spec"));
	char *text = json_dumps(last, JSON_COMPACT);
	json_t *st = json_pack("{s:s, s:{s:s}, s:{s:s}}", "lifecycleState", lc,
			       "jobStatus", "state", js, "reconciliationStatus",
			       "lastReconciledSpec", text);

	if (sp)
		json_object_set_new(json_object_get(st, "jobStatus"),
				    "upgradeSavepointPath", json_string(sp));
	json_object_set_new(o, "status", st);
	free(text);
	json_decref(last);
	return o;
}

#define SUSPENDED(mode) JOB(mode, ",\"state\":\"suspended\"")

/* Only a recorded savepoint, or nothing to lose, makes a stopped job
 * safe to delete; the verdict names the savepoint. */
static void
test_policy__a_stopped_job_is_safe_only_with_a_savepoint(void **state)
{
	struct fg_verdict v;

	(void)state;
	v = del(stopped(SUSPENDED("savepoint"), "SUSPENDED", "FINISHED",
			"s3://b/sp/1", NULL),
		NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_string_equal(v.reason, "its state is in savepoint s3://b/sp/1");

	/* suspended last-state: the HA metadata is the only pointer; the
	   path recorded is the operator's marker, not a savepoint */
	v = del(stopped(SUSPENDED("last-state"), "SUSPENDED", "FINISHED",
			"KUBERNETES_OPERATOR_LAST_STATE", NULL),
		NULL);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_non_null(strstr(v.reason, "suspended last-state"));
	/* a FAILED savepoint job, whatever the status records */
	v = del(stopped(JOB("savepoint", ""), "FAILED", "FAILED", "s3://b/sp/1",
			NULL),
		NULL);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_non_null(strstr(v.reason, "the job FAILED"));
	/* Flink's SUSPENDED: an HA failover in progress */
	v = del(stopped(JOB("savepoint", ""), "STABLE", "SUSPENDED", NULL,
			NULL),
		NULL);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_non_null(strstr(v.reason, "HA failover"));
	/* suspend-first cannot savepoint a job that does not run */
	v = del(stopped(SUSPENDED("last-state"), "SUSPENDED", "FINISHED",
			"KUBERNETES_OPERATOR_LAST_STATE",
			"delete=suspend-first"),
		NULL);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_non_null(strstr(v.reason, "suspend-first cannot take a "
					 "savepoint of a job that does not "
					 "run"));
	assert_non_null(strstr(v.unblock, "resume the job"));
	/* delete: allow is the explicit opt-in */
	v = del(stopped(SUSPENDED("last-state"), "SUSPENDED", "FINISHED",
			"KUBERNETES_OPERATOR_LAST_STATE", "delete=allow"),
		NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_true(v.overridden);
}

static void test_policy__the_savepoint_of_a_suspension(void **state)
{
	json_t *o;

	(void)state;
	o = stopped(SUSPENDED("savepoint"), "SUSPENDED", "FINISHED",
		    "s3://b/sp/2", NULL);
	assert_string_equal(fg_policy_suspended_savepoint(o), "s3://b/sp/2");
	json_decref(o);
	/* recorded before the suspension was reconciled: not yet */
	o = stopped(JOB("savepoint", ""), "SUSPENDED", "FINISHED",
		    "s3://b/sp/2", NULL);
	assert_null(fg_policy_suspended_savepoint(o));
	json_decref(o);
	o = stopped(SUSPENDED("savepoint"), "SUSPENDED", "FINISHED",
		    "KUBERNETES_OPERATOR_LAST_STATE", NULL);
	assert_null(fg_policy_suspended_savepoint(o));
	json_decref(o);
	o = stopped(SUSPENDED("savepoint"), "STABLE", "RUNNING", "s3://b/sp/2",
		    NULL);
	assert_null(fg_policy_suspended_savepoint(o));
	json_decref(o);
}

/* Deleting a FlinkStateSnapshot disposes its savepoint by default. */
static void test_policy__a_snapshot_is_guarded_like_a_job(void **state)
{
	json_t *snap = J(
		"{\"apiVersion\":\"flink.apache.org/v1beta1\","
		"\"kind\":\"FlinkStateSnapshot\",\"metadata\":{\"name\":"
		"\"s\"},\"spec\":{\"savepoint\":{\"path\":\"s3://b/sp/3\"}}}");
	struct fg_verdict v;

	(void)state;
	v = del(json_deep_copy(snap), NULL);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_non_null(strstr(v.reason, "disposes its savepoint"));
	v = del(json_deep_copy(snap), "{\"delete\":\"allow\"}");
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_true(v.overridden);
	json_object_set_new(
		json_object_get(json_object_get(snap, "spec"), "savepoint"),
		"disposeOnDelete", json_false());
	v = del(snap, NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_false(v.overridden);
}

static void test_policy__move_is_read_from_config_and_annotation(void **state)
{
	struct fg_policy ns, p;
	json_t *conf = J("{\"move\":\"savepoint\"}");
	json_t *bad = J("{\"move\":\"sometimes\"}");
	json_t *o = fd(JOB("savepoint", ""), NULL, "move=allow");

	(void)state;
	assert_int_equal(fg_policy_from_config(&ns, conf), 0);
	assert_int_equal(ns.move, FG_MOVE_SAVEPOINT);
	assert_int_equal(fg_policy_for_object(&p, &ns, o), 0);
	assert_int_equal(p.move, FG_MOVE_ALLOW);
	assert_string_equal(fg_move_policy_name(p.move), "allow");
	assert_int_equal(fg_policy_from_config(&ns, bad), FG_EINVALID);
	assert_non_null(strstr(fg_error_last(), "policy.move"));
	json_decref(conf);
	json_decref(bad);
	json_decref(o);
}

static void
test_policy__mode_switch_is_blocked_with_the_operator_reason(void **state)
{
	struct fg_verdict v =
		update(fd("{\"image\":\"flink:1.20\"}", NULL, NULL),
		       fd(JOB("savepoint", ""), NULL, NULL), NULL);

	(void)state;
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_int_equal(v.rule, FG_RULE_REJECTED);
	assert_string_equal(v.reason, "the operator rejects it: Cannot "
				      "switch from job to session cluster");
	v = update(fd(JOB("savepoint", ",\"parallelism\":2"), NULL, NULL),
		   fd("{\"image\":\"flink:1.20\",\"mode\":\"standalone\","
		      "\"job\":{\"jarURI\":\"local:///j.jar\","
		      "\"upgradeMode\":\"savepoint\"}}",
		      NULL, NULL),
		   NULL);
	assert_int_equal(v.rule, FG_RULE_REJECTED);
	assert_non_null(strstr(v.reason, "standalone kubernetes to native"));
}

static void test_policy__empty_namespace_is_not_pruned(void **state)
{
	struct fg_policy p = FG_POLICY_INIT;
	struct fg_verdict v;
	json_t *conf = J("{\"prune\":true}");

	(void)state;
	fg_policy_check_namespace(&v, &p, 0, 0, 3);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_int_equal(v.rule, FG_RULE_EMPTY_NAMESPACE);
	fg_policy_check_namespace(&v, &p, 0, 1, 3);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	fg_policy_check_namespace(&v, &p, 0, 0, 0);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);

	assert_int_equal(fg_policy_from_config(&p, conf), 0);
	fg_policy_check_namespace(&v, &p, 0, 0, 3);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_true(v.overridden);
	json_decref(conf);
}

static void test_policy__failed_namespace_is_untouched(void **state)
{
	struct fg_policy p = FG_POLICY_INIT;
	struct fg_verdict v;

	(void)state;
	p.prune = 1;
	fg_policy_check_namespace(&v, &p, 1, 0, 3);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_int_equal(v.rule, FG_RULE_FAILED_NAMESPACE);
}

static void test_policy__bad_overrides_are_errors(void **state)
{
	struct fg_policy ns = FG_POLICY_INIT, p;
	json_t *o = fd(JOB("savepoint", ""), NULL, "allow-everything");
	json_t *conf = J("{\"delete\":\"sometimes\"}");

	(void)state;
	assert_int_equal(fg_policy_for_object(&p, &ns, o), FG_EINVALID);
	assert_non_null(strstr(fg_error_last(), "allow-everything"));
	assert_int_equal(fg_policy_from_config(&p, conf), FG_EINVALID);
	json_decref(o);
	json_decref(conf);
}

/* A FlinkBlueGreenDeployment `bg` running template `tspec` as ACTIVE_X. */
static json_t *bgdep(const char *tspec, const char *state, const char *job)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "apiVersion",
			      "flink.apache.org/v1beta1", "kind",
			      "FlinkBlueGreenDeployment", "metadata", "name",
			      "bg", "namespace", "ns", "uid", "u1");
	json_t *last = json_pack("{s:{s:{s:o}}}", "spec", "template", "spec",
				 J(tspec));
	char *text = json_dumps(last, JSON_COMPACT);

	json_object_set_new(
		o, "spec",
		json_pack("{s:{s:o}}", "template", "spec", J(tspec)));
	json_object_set_new(o, "status",
			    json_pack("{s:s, s:{s:s}, s:s}", "blueGreenState",
				      state, "jobStatus", "state", job,
				      "lastReconciledSpec", text));
	free(text);
	json_decref(last);
	return o;
}

/* A child `bg-COLOUR` of it, reconciled, in lifecycle LC and job JOB. */
static json_t *bgkid(const char *colour, const char *tspec, const char *lc,
		     const char *job, const char *savepoint)
{
	char name[64], status[1024];
	json_t *o;

	snprintf(name, sizeof(name), "bg-%s", colour);
	snprintf(status, sizeof(status),
		 "{\"lifecycleState\":\"%s\",\"jobStatus\":{\"state\":\"%s\""
		 "%s%s%s},\"reconciliationStatus\":{\"lastReconciledSpec\":"
		 "\"{\\\"spec\\\":{\\\"job\\\":{\\\"state\\\":\\\"%s\\\","
		 "\\\"upgradeMode\\\":\\\"savepoint\\\"}}}\"}}",
		 lc, job, savepoint ? ",\"upgradeSavepointPath\":\"" : "",
		 savepoint ? savepoint : "", savepoint ? "\"" : "",
		 strcmp(lc, "SUSPENDED") ? "running" : "suspended");
	o = fd(tspec, status, NULL);
	json_object_set_new(json_object_get(o, "metadata"), "name",
			    json_string(name));
	return o;
}

/* Deleting a FlinkBlueGreenDeployment deletes its children: guarded as
 * each of them, named. */
static void test_policy__deleting_a_bluegreen_deletes_its_children(void **s)
{
	struct fg_policy p = FG_POLICY_INIT;
	struct fg_flink_env env = { 0 };
	struct fg_verdict v;
	json_t *live = bgdep(JOB("savepoint", ""), "ACTIVE_BLUE", "RUNNING");
	json_t *blue =
		bgkid("blue", JOB("savepoint", ""), "STABLE", "RUNNING", NULL);
	json_t *done = bgkid("blue",
			     JOB("savepoint", ",\"state\":"
					      "\"suspended\""),
			     "SUSPENDED", "FINISHED", "s3://b/sp/savepoint-1");

	env.operator_conf_known = 1;
	env.bg_children_known = 1;
	env.bg_children[0] = blue;
	fg_policy_check_delete_env(&v, &p, live, &env);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_int_equal(v.rule, FG_RULE_DELETE_RUNNING);
	assert_string_equal(v.reason,
			    "it deletes its child bg-blue (ownerReference): "
			    "deleting a running job drops its checkpoint "
			    "history");
	/* its state held in the savepoint of the suspension: allowed */
	env.bg_children[0] = done;
	fg_policy_check_delete_env(&v, &p, live, &env);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_non_null(strstr(v.reason, "its state is in savepoint "
					 "s3://b/sp/savepoint-1"));
	/* children not known: the parent's status stands for them */
	fg_policy_check_delete(&v, &p, live);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	p.del = FG_DELETE_SUSPEND_FIRST;
	fg_policy_check_delete(&v, &p, live);
	assert_int_equal(v.kind, FG_VERDICT_SUSPEND_FIRST);
	json_decref(live);
	json_decref(blue);
	json_decref(done);
}

/* A TRANSITION that deploys the new colour without state. */
static void test_policy__stateless_bluegreen_transition_is_held(void **s)
{
	json_t *desired =
		bgdep(JOB2("stateless", ""), "ACTIVE_BLUE", "RUNNING");
	struct fg_verdict v;

	json_object_del(desired, "status");
	v = update(desired,
		   bgdep(JOB("savepoint", ""), "ACTIVE_BLUE", "RUNNING"), NULL);
	assert_int_equal(v.kind, FG_VERDICT_BLOCK);
	assert_int_equal(v.rule, FG_RULE_STATELESS_UPGRADE);
	assert_non_null(strstr(v.reason, "a stateless transition would drop "
					 "state: the new colour starts WITHOUT "
					 "the job's state"));
	/* with a savepoint, or allowed */
	desired = bgdep(JOB2("savepoint", ""), "ACTIVE_BLUE", "RUNNING");
	json_object_del(desired, "status");
	v = update(desired,
		   bgdep(JOB("savepoint", ""), "ACTIVE_BLUE", "RUNNING"), NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	desired = bgdep(JOB2("stateless", ""), "ACTIVE_BLUE", "RUNNING");
	json_object_del(desired, "status");
	json_object_set_new(json_object_get(desired, "metadata"), "annotations",
			    json_pack("{s:s}", FG_POLICY_ANNOTATION,
				      "allow-stateless-upgrade"));
	v = update(desired,
		   bgdep(JOB("savepoint", ""), "ACTIVE_BLUE", "RUNNING"), NULL);
	assert_int_equal(v.kind, FG_VERDICT_ALLOW);
	assert_true(v.overridden);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_policy__deleting_a_bluegreen_deletes_its_children),
		cmocka_unit_test(
			test_policy__stateless_bluegreen_transition_is_held),
		cmocka_unit_test(
			test_policy__stateless_upgrade_of_a_stateful_job_is_blocked),
		cmocka_unit_test(
			test_policy__stateless_upgrade_reads_the_running_spec),
		cmocka_unit_test(
			test_policy__a_stopped_job_is_safe_only_with_a_savepoint),
		cmocka_unit_test(test_policy__the_savepoint_of_a_suspension),
		cmocka_unit_test(test_policy__a_snapshot_is_guarded_like_a_job),
		cmocka_unit_test(
			test_policy__move_is_read_from_config_and_annotation),
		cmocka_unit_test(
			test_policy__stateless_upgrade_with_checkpointing_is_blocked),
		cmocka_unit_test(
			test_policy__stateless_job_without_state_upgrades),
		cmocka_unit_test(
			test_policy__stateless_suspend_of_a_stateful_job_is_blocked),
		cmocka_unit_test(
			test_policy__allow_stateless_upgrade_lets_it_through),
		cmocka_unit_test(
			test_policy__deleting_a_running_job_is_blocked),
		cmocka_unit_test(
			test_policy__deleting_a_job_that_does_not_run_is_allowed),
		cmocka_unit_test(test_policy__delete_overrides),
		cmocka_unit_test(
			test_policy__mode_switch_is_blocked_with_the_operator_reason),
		cmocka_unit_test(test_policy__empty_namespace_is_not_pruned),
		cmocka_unit_test(test_policy__failed_namespace_is_untouched),
		cmocka_unit_test(test_policy__bad_overrides_are_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
