/*
 * Plan: per namespace, per object, the action, its Flink impact in words,
 * the policy verdict and the field changes; as text, Markdown and JSON.
 */
#include <stdio.h>

#include "helpers.h"

#include "sync/plan.h"
#include "render/base/banned.h"

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

	if (!v)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return v;
}

static json_t *fd(const char *name, const char *spec)
{
	json_t *o =
		json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion",
			  "flink.apache.org/v1beta1", "kind", "FlinkDeployment",
			  "metadata", "name", name, "namespace", "analytics");

	json_object_set_new(o, "spec", J(spec));
	return o;
}

#define APP(image, mode, extra)                                            \
	"{\"image\":\"" image "\",\"job\":{\"jarURI\":\"local:///j.jar\"," \
	"\"upgradeMode\":\"" mode "\"" extra "}}"
#define STANDALONE(par)                                                \
	"{\"image\":\"flink:1.20\",\"mode\":\"standalone\",\"job\":{"  \
	"\"jarURI\":\"local:///j.jar\",\"upgradeMode\":\"savepoint\"," \
	"\"parallelism\":" par "}}"

static json_t *cm(const char *name, const char *value)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion",
			 "v1", "kind", "ConfigMap", "metadata", "name", name,
			 "namespace", "analytics", "data", "k", value);
}

/* desired and live of the golden plan */
static void golden_plan(struct fg_plan *plan)
{
	json_t *d = json_array(), *l = json_array();
	struct fg_plan_opts o = { 1 };

	json_array_append_new(
		d, fd("new-job", APP("flink:1.20", "savepoint", "")));
	json_array_append_new(d,
			      fd("orders", APP("flink:2.0", "savepoint", "")));
	json_array_append_new(l,
			      fd("orders", APP("flink:1.20", "savepoint", "")));
	json_array_append_new(d, fd("clicks", STANDALONE("8")));
	json_array_append_new(l, fd("clicks", STANDALONE("4")));
	json_array_append_new(d,
			      fd("reports", APP("flink:1.20", "savepoint",
						",\"state\":\"suspended\"")));
	json_array_append_new(
		l, fd("reports", APP("flink:1.20", "savepoint", "")));
	json_array_append_new(d,
			      fd("fraud", APP("flink:2.0", "stateless", "")));
	json_array_append_new(l,
			      fd("fraud", APP("flink:1.20", "savepoint", "")));
	json_array_append_new(d, cm("same", "v"));
	json_array_append_new(l, cm("same", "v"));
	json_array_append_new(l, cm("old-config", "v"));
	json_array_append_new(
		l, json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:{s:s, s:s}}}",
			     "apiVersion", "flink.apache.org/v1beta1", "kind",
			     "FlinkSessionJob", "metadata", "name", "adhoc",
			     "spec", "deploymentName", "session", "job",
			     "jarURI", "local:///a.jar", "state", "suspended"));
	assert_int_equal(fg_plan_add_ns(plan, "analytics", 0, NULL, d, l, &o),
			 0);
	assert_int_equal(
		fg_plan_add_ns(plan, "broken", 1, NULL, NULL, NULL, &o), 0);
	assert_int_equal(fg_plan_set_labels(plan, "main@1111111", "pr@2222222"),
			 0);
	json_decref(d);
	json_decref(l);
}

static const char golden_text[] =
	"plan main@1111111 -> pr@2222222: 1 to create, 3 to update, 2 to "
	"delete, 2 blocked (1 unchanged)\n"
	"\n"
	"namespace analytics:\n"
	"  create   FlinkDeployment/new-job: deploys the job from empty state\n"
	"  update   FlinkDeployment/orders: restarts from a savepoint\n"
	"           spec.image: \"flink:1.20\" -> \"flink:2.0\"\n"
	"  update   FlinkDeployment/clicks: rescales in place to 8\n"
	"           spec.job.parallelism: 4 -> 8\n"
	"  update   FlinkDeployment/reports: suspends with a savepoint\n"
	"           spec.job.state: (absent) -> \"suspended\"\n"
	"  blocked  FlinkDeployment/fraud: BLOCKED: stateless upgrade would "
	"drop state\n"
	"           unblock: policy allowStatelessUpgrade, or annotation "
	"flink-gitops.io/policy: allow-stateless-upgrade\n"
	"           spec.image: \"flink:1.20\" -> \"flink:2.0\"\n"
	"           spec.job.upgradeMode: \"savepoint\" -> \"stateless\"\n"
	"  delete   ConfigMap/old-config: deletes it\n"
	"  delete   FlinkSessionJob/adhoc: deletes it (the job is not "
	"running)\n"
	"\n"
	"namespace broken: BLOCKED: the namespace failed to render: not "
	"touched\n";

static const char golden_markdown[] =
	"## flink-gitops plan\n"
	"\n"
	"`main@1111111` → `pr@2222222`: **1 to create, 3 to update, 2 to "
	"delete, 2 blocked** (1 unchanged)\n"
	"\n"
	"### Namespace `analytics`\n"
	"\n"
	"| action | object | Flink impact |\n"
	"|---|---|---|\n"
	"| create | `FlinkDeployment/new-job` | deploys the job from empty "
	"state |\n"
	"| update | `FlinkDeployment/orders` | restarts from a savepoint |\n"
	"| update | `FlinkDeployment/clicks` | rescales in place to 8 |\n"
	"| update | `FlinkDeployment/reports` | suspends with a savepoint |\n"
	"| **BLOCKED** (update) | `FlinkDeployment/fraud` | **BLOCKED: "
	"stateless upgrade would drop state**<br>unblock: policy "
	"allowStatelessUpgrade, or annotation flink-gitops.io/policy: "
	"allow-stateless-upgrade |\n"
	"| delete | `ConfigMap/old-config` | deletes it |\n"
	"| delete | `FlinkSessionJob/adhoc` | deletes it (the job is not "
	"running) |\n"
	"\n"
	"`FlinkDeployment/orders`:\n"
	"\n"
	"| field | from | to |\n"
	"|---|---|---|\n"
	"| `spec.image` | <code>\"flink:1.20\"</code> | "
	"<code>\"flink:2.0\"</code> |\n"
	"\n"
	"`FlinkDeployment/clicks`:\n"
	"\n"
	"| field | from | to |\n"
	"|---|---|---|\n"
	"| `spec.job.parallelism` | <code>4</code> | <code>8</code> |\n"
	"\n"
	"`FlinkDeployment/reports`:\n"
	"\n"
	"| field | from | to |\n"
	"|---|---|---|\n"
	"| `spec.job.state` | *(absent)* | <code>\"suspended\"</code> |\n"
	"\n"
	"`FlinkDeployment/fraud`:\n"
	"\n"
	"| field | from | to |\n"
	"|---|---|---|\n"
	"| `spec.image` | <code>\"flink:1.20\"</code> | "
	"<code>\"flink:2.0\"</code> |\n"
	"| `spec.job.upgradeMode` | <code>\"savepoint\"</code> | "
	"<code>\"stateless\"</code> |\n"
	"\n"
	"\n"
	"### Namespace `broken`\n"
	"\n"
	"**BLOCKED:** the namespace failed to render: not touched\n";

static void assert_golden(const char *got, const char *want)
{
	if (strcmp(got, want)) {
		fprintf(stderr, "--- got:\n%s--- want:\n%s---\n", got, want);
		fail_msg("output differs from the golden text");
	}
}

static void test_plan__text_golden(void **state)
{
	struct fg_plan plan = FG_PLAN_INIT;
	struct fg_buf out = FG_BUF_INIT;

	(void)state;
	golden_plan(&plan);
	assert_int_equal(fg_plan_text(&plan, &out), 0);
	assert_golden(out.ptr, golden_text);
	assert_int_equal(fg_plan_exit_code(&plan), FG_PLAN_EXIT_BLOCKED);
	fg_buf_release(&out);
	fg_plan_release(&plan);
}

static void test_plan__markdown_golden(void **state)
{
	struct fg_plan plan = FG_PLAN_INIT;
	struct fg_buf out = FG_BUF_INIT;

	(void)state;
	golden_plan(&plan);
	assert_int_equal(fg_plan_markdown(&plan, &out), 0);
	assert_golden(out.ptr, golden_markdown);
	fg_buf_release(&out);
	fg_plan_release(&plan);
}

static void test_plan__json_carries_every_row(void **state)
{
	struct fg_plan plan = FG_PLAN_INIT;
	json_t *j = NULL, *objs, *fraud;

	(void)state;
	golden_plan(&plan);
	assert_int_equal(fg_plan_json(&plan, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "exitCode")), 3);
	objs = json_object_get(
		json_array_get(json_object_get(j, "namespaces"), 0), "objects");
	assert_int_equal(json_array_size(objs), 8);
	fraud = json_array_get(objs, 4);
	assert_string_equal(json_string_value(json_object_get(fraud, "action")),
			    "blocked");
	assert_string_equal(json_string_value(json_object_get(fraud, "wanted")),
			    "update");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(fraud, "policy"), "rule")),
			    "stateless-upgrade");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(fraud, "classification"), "restart")),
		"stateless");
	assert_int_equal(json_array_size(json_object_get(fraud, "changes")), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(objs, 5), "action")),
			    "noop");
	json_decref(j);
	fg_plan_release(&plan);
}

static void test_plan__no_changes_exits_zero(void **state)
{
	struct fg_plan plan = FG_PLAN_INIT;
	struct fg_plan_opts o = { 1 };
	json_t *d = json_pack("[o]", cm("same", "v"));
	json_t *l = json_pack("[o]", cm("same", "v"));

	(void)state;
	assert_int_equal(fg_plan_add_ns(&plan, "a", 0, NULL, d, l, &o), 0);
	assert_int_equal(fg_plan_exit_code(&plan), FG_PLAN_EXIT_NONE);
	assert_int_equal(plan.unchanged, 1);
	json_decref(d);
	json_decref(l);
	fg_plan_release(&plan);
}

static void test_plan__offline_base_sees_a_removed_field(void **state)
{
	struct fg_plan plan = FG_PLAN_INIT;
	struct fg_plan_opts o = { 1 };
	json_t *d =
		json_pack("[o]", fd("j", APP("flink:1.20", "savepoint", "")));
	json_t *l = json_pack("[o]", fd("j", APP("flink:1.20", "savepoint",
						 ",\"parallelism\":4")));

	(void)state;
	assert_int_equal(fg_plan_add_ns(&plan, "a", 0, NULL, d, l, &o), 0);
	assert_int_equal(plan.updates, 1);
	assert_string_equal(plan.v[0].v[0].changes.v[0].field,
			    "spec.job.parallelism");
	assert_null(plan.v[0].v[0].changes.v[0].desired);
	json_decref(d);
	json_decref(l);
	fg_plan_release(&plan);
}

static void test_plan__source_annotation_alone_is_no_change(void **state)
{
	struct fg_plan plan = FG_PLAN_INIT;
	struct fg_plan_opts o = { 1 };
	json_t *a = cm("c", "v"), *b = cm("c", "v");
	json_t *d, *l;

	(void)state;
	json_object_set_new(
		json_object_get(a, "metadata"), "annotations",
		json_pack("{s:s}", "flink-gitops.io/source", "r@1"));
	json_object_set_new(
		json_object_get(b, "metadata"), "annotations",
		json_pack("{s:s}", "flink-gitops.io/source", "r@2"));
	d = json_pack("[o]", a);
	l = json_pack("[o]", b);
	assert_int_equal(fg_plan_add_ns(&plan, "a", 0, NULL, d, l, &o), 0);
	assert_int_equal(fg_plan_exit_code(&plan), FG_PLAN_EXIT_NONE);
	json_decref(d);
	json_decref(l);
	fg_plan_release(&plan);
}

static void test_plan__empty_namespace_blocks_its_deletes(void **state)
{
	struct fg_plan plan = FG_PLAN_INIT;
	struct fg_plan_opts o = { 1 };
	json_t *d = json_array(), *l = json_pack("[o]", cm("c", "v"));
	json_t *allow = J("{\"prune\":true}");

	(void)state;
	assert_int_equal(fg_plan_add_ns(&plan, "a", 0, NULL, d, l, &o), 0);
	assert_int_equal(plan.blocked, 1);
	assert_int_equal(plan.v[0].v[0].action, FG_PLAN_BLOCKED);
	assert_int_equal(plan.v[0].v[0].verdict.rule, FG_RULE_EMPTY_NAMESPACE);
	assert_int_equal(fg_plan_add_ns(&plan, "b", 0, allow, d, l, &o), 0);
	assert_int_equal(plan.deletes, 1);
	json_decref(d);
	json_decref(l);
	json_decref(allow);
	fg_plan_release(&plan);
}

static void test_plan__long_field_lists_fold_in_markdown(void **state)
{
	struct fg_plan plan = FG_PLAN_INIT;
	struct fg_plan_opts o = { 1 };
	struct fg_buf out = FG_BUF_INIT;
	json_t *d = json_pack("[o]", fd("j", "{\"image\":\"b\",\"a1\":1,"
					     "\"a2\":1,\"a3\":1,\"a4\":1}"));
	json_t *l = json_pack("[o]", fd("j", "{\"image\":\"a\"}"));

	(void)state;
	assert_int_equal(fg_plan_add_ns(&plan, "a", 0, NULL, d, l, &o), 0);
	assert_int_equal(fg_plan_markdown(&plan, &out), 0);
	assert_non_null(strstr(out.ptr, "<details><summary><code>"
					"FlinkDeployment/j</code>: 5 field "
					"changes</summary>"));
	assert_non_null(strstr(out.ptr, "</details>"));
	fg_buf_release(&out);
	json_decref(d);
	json_decref(l);
	fg_plan_release(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan__text_golden),
		cmocka_unit_test(test_plan__markdown_golden),
		cmocka_unit_test(test_plan__json_carries_every_row),
		cmocka_unit_test(test_plan__no_changes_exits_zero),
		cmocka_unit_test(test_plan__offline_base_sees_a_removed_field),
		cmocka_unit_test(
			test_plan__source_annotation_alone_is_no_change),
		cmocka_unit_test(test_plan__empty_namespace_blocks_its_deletes),
		cmocka_unit_test(test_plan__long_field_lists_fold_in_markdown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
