/*
 * Plan: a decided pass as people read it: per namespace, per object, the
 * action, its Flink impact in words, the policy verdict and the field
 * changes; as text, Markdown and JSON. The pass is the offline one
 * (plan --base): two revisions of a repository rendered from files.
 */
#include <stdint.h>
#include <stdio.h>

#include "helpers.h"

#include "sync/plan.h"
#include "repo.h"
#include "render/base/banned.h"

static void standalone(const char *name, int parallelism)
{
	char path[256], text[1024];

	snprintf(path, sizeof(path), "analytics/%s.yaml", name);
	snprintf(text, sizeof(text),
		 "apiVersion: flink.apache.org/v1beta1\n"
		 "kind: FlinkDeployment\n"
		 "metadata:\n  name: %s\n"
		 "spec:\n  image: flink:1.20\n  flinkVersion: v1_20\n"
		 "  serviceAccount: flink\n  mode: standalone\n"
		 "  flinkConfiguration:\n"
		 "    execution.checkpointing.interval: 30s\n"
		 "    state.checkpoints.dir: s3://b/cp\n"
		 "    state.savepoints.dir: s3://b/sp\n"
		 "    scheduler-mode: reactive\n"
		 "  jobManager: {resource: {memory: 2048m, cpu: 1}}\n"
		 "  taskManager: {resource: {memory: 2048m, cpu: 1}}\n"
		 "  job:\n    jarURI: local:///opt/flink/job.jar\n"
		 "    parallelism: %d\n    upgradeMode: savepoint\n",
		 name, parallelism);
	put(path, text);
}

/* Rewrite `from` to `to` in file `path` of the repository. */
static void edit(const char *path, const char *from, const char *to)
{
	char full[PATH_MAX * 2], buf[8192], out[8192], *at;
	FILE *fp;
	size_t n;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	assert_non_null(fp = fopen(full, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	assert_non_null(at = strstr(buf, from));
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - buf), buf, to,
		 at + strlen(from));
	put(path, out);
}

/* The golden plan: every kind of row, and a namespace that failed. */
static struct fg_pass *golden(void)
{
	struct fg_desired *base, *head;
	struct fg_pass *p = NULL;

	app("analytics", "orders", "flink:1.20", NULL);
	standalone("clicks", 4);
	app("analytics", "reports", "flink:1.20", NULL);
	app("analytics", "fraud", "flink:1.20", NULL);
	session("analytics", "session");
	session_job("analytics", "adhoc", "session");
	edit("analytics/adhoc.yaml", "    upgradeMode: stateless\n",
	     "    upgradeMode: stateless\n    state: suspended\n");
	cm("analytics", "same", "v");
	cm("analytics", "old-config", "v");
	cm("broken", "fine", "v");
	base = render();

	app("analytics", "new-job", "flink:1.20", NULL);
	app("analytics", "orders", "flink:2.0", NULL);
	standalone("clicks", 8);
	edit("analytics/reports.yaml", "    upgradeMode: savepoint\n",
	     "    upgradeMode: savepoint\n    state: suspended\n");
	app("analytics", "fraud", "flink:2.0", NULL);
	edit("analytics/fraud.yaml", "upgradeMode: savepoint",
	     "upgradeMode: stateless");
	drop("analytics/old-config.yaml");
	drop("analytics/adhoc.yaml");
	put("broken/bad.yaml", "apiVersion: v1\nkind: ConfigMap\n: [\n");
	head = render();

	assert_int_equal(fg_pass_plan_offline(&p, head, base, NULL), 0);
	assert_int_equal(fg_pass_set_labels(p, "main@1111111", "pr@2222222"),
			 0);
	fg_desired_free(base);
	/* the pass borrows the head's objects: keep them with it */
	p->desired = head;
	return p;
}

static void golden_free(struct fg_pass *p)
{
	struct fg_desired *head = (struct fg_desired *)(uintptr_t)p->desired;

	fg_pass_free(p);
	fg_desired_free(head);
}

static const char golden_text[] =
	"plan main@1111111 -> pr@2222222: 1 to create, 3 to update, 2 to "
	"delete, 1 blocked (2 unchanged)\n"
	"\n"
	"namespace analytics:\n"
	"  update   FlinkDeployment/clicks: rescales in place to 8\n"
	"           spec.job.parallelism: 4 -> 8\n"
	"  blocked  FlinkDeployment/fraud: BLOCKED: stateless upgrade would "
	"drop state; it would: restarts WITHOUT state (stateless upgrade)\n"
	"           unblock: policy allowStatelessUpgrade, or annotation "
	"flink-gitops.io/policy: allow-stateless-upgrade\n"
	"           spec.image: \"flink:1.20\" -> \"flink:2.0\"\n"
	"           spec.job.upgradeMode: \"savepoint\" -> \"stateless\"\n"
	"  create   FlinkDeployment/new-job: deploys the job from empty state\n"
	"  update   FlinkDeployment/orders: restarts from a savepoint\n"
	"           spec.image: \"flink:1.20\" -> \"flink:2.0\"\n"
	"  update   FlinkDeployment/reports: suspends with a savepoint\n"
	"           spec.job.state: (absent) -> \"suspended\"\n"
	"  delete   FlinkSessionJob/adhoc: deletes it (the job is not "
	"running: it was never deployed)\n"
	"  delete   ConfigMap/old-config: deletes it\n"
	"\n"
	"namespace broken: BLOCKED: the namespace failed to render: not "
	"touched\n";

static void assert_golden(const char *got, const char *want)
{
	if (strcmp(got, want)) {
		fprintf(stderr, "--- got:\n%s--- want:\n%s---\n", got, want);
		fail_msg("output differs from the golden text");
	}
}

static void test_plan__text_golden(void **state)
{
	struct fg_pass *p;
	struct fg_buf out = FG_BUF_INIT;

	(void)state;
	p = golden();
	assert_int_equal(fg_plan_text(p, &out), 0);
	assert_golden(out.ptr, golden_text);
	fg_buf_release(&out);
	golden_free(p);
}

static void test_plan__markdown_tables_and_fields(void **state)
{
	struct fg_pass *p;
	struct fg_buf out = FG_BUF_INIT;

	(void)state;
	p = golden();
	assert_int_equal(fg_plan_markdown(p, &out), 0);
	assert_non_null(strstr(
		out.ptr, "`main@1111111` → `pr@2222222`: **1 to create, 3 "
			 "to update, 2 to delete, 1 blocked** (2 "
			 "unchanged)\n"));
	assert_non_null(strstr(out.ptr, "| update | `FlinkDeployment/orders` | "
					"restarts from a savepoint |\n"));
	assert_non_null(strstr(out.ptr,
			       "| **BLOCKED** (update) | `FlinkDeployment/"
			       "fraud` | **BLOCKED: stateless upgrade would "
			       "drop state; it would: restarts WITHOUT state "
			       "(stateless upgrade)**"
			       "<br>unblock: policy allowStatelessUpgrade, or "
			       "annotation flink-gitops.io/policy: "
			       "allow-stateless-upgrade |\n"));
	assert_non_null(strstr(out.ptr, "| `spec.image` | <code>\"flink:1.20\""
					"</code> | <code>\"flink:2.0\"</code> "
					"|\n"));
	assert_non_null(strstr(out.ptr, "### Namespace `broken`\n\n"
					"**BLOCKED:** the namespace failed to "
					"render: not touched\n"));
	/* the reviewer sees why it failed: file:line:col and message */
	assert_non_null(strstr(out.ptr, "\n- `broken/bad.yaml:3:1`: "));
	fg_buf_release(&out);
	golden_free(p);
}

struct leaves {
	struct fg_buf b;
};

static int leaf(void *arg, const char *field, const json_t *from,
		const json_t *to, size_t more)
{
	struct leaves *l = arg;
	char a[FG_PLAN_VALUE_MAX + 8], b[FG_PLAN_VALUE_MAX + 8];

	if (more)
		return fg_buf_printf(&l->b, "%s: ... %zu more\n", field, more);
	fg_plan_value(from, a, sizeof(a));
	fg_plan_value(to, b, sizeof(b));
	return fg_buf_printf(&l->b, "%s: %s -> %s\n", field, a, b);
}

/* A podTemplate or a log file is shown by what differs inside it, not as
 * two JSON blobs cut before the difference. */
static void test_plan__a_change_inside_a_large_value_shows_paths(void **st)
{
	struct leaves l = { FG_BUF_INIT };
	json_t *a = json_loads(
		"[{\"name\": \"flink-main-container\", \"env\": [{\"name\": "
		"\"A_LONG_ENVIRONMENT_VARIABLE_NAME\", \"value\": \"one\"}, "
		"{\"name\": \"ANOTHER_LONG_ENVIRONMENT_VARIABLE\", "
		"\"value\": \"two\"}]}]",
		0, NULL);
	json_t *b = json_deep_copy(a);
	json_t *la = json_string("rootLogger.level = INFO\n"
				 "appender.console.name = ConsoleAppender\n"
				 "appender.console.type = CONSOLE\n");
	json_t *lb = json_string("rootLogger.level = DEBUG\n"
				 "appender.console.name = ConsoleAppender\n"
				 "appender.console.type = CONSOLE\n");

	(void)st;
	json_object_set_new(
		json_array_get(json_object_get(json_array_get(b, 0), "env"), 1),
		"value", json_string("three"));
	assert_int_equal(fg_plan_inner("spec.podTemplate.spec.containers", a, b,
				       leaf, &l),
			 1);
	assert_string_equal(l.b.ptr, "spec.podTemplate.spec.containers[0]."
				     "env[1].value: \"two\" -> \"three\"\n");
	fg_buf_clear(&l.b);
	assert_int_equal(
		fg_plan_inner("spec.logConfiguration[log4j-console.properties]",
			      la, lb, leaf, &l),
		1);
	assert_string_equal(l.b.ptr,
			    "spec.logConfiguration[log4j-console.properties] "
			    "line 1: \"rootLogger.level = INFO\" -> "
			    "\"rootLogger.level = DEBUG\"\n");
	/* a small value stays one line */
	fg_buf_clear(&l.b);
	json_decref(la);
	la = json_string("flink:1.20");
	assert_int_equal(fg_plan_inner("spec.image", la, NULL, leaf, &l), 1);
	assert_string_equal(l.b.ptr,
			    "spec.image: \"flink:1.20\" -> (absent)\n");
	fg_buf_release(&l.b);
	json_decref(a);
	json_decref(b);
	json_decref(la);
	json_decref(lb);
}

static void test_plan__json_carries_every_row(void **state)
{
	struct fg_pass *p;
	json_t *j = NULL, *objs, *fraud = NULL, *o;
	size_t i;

	(void)state;
	p = golden();
	assert_int_equal(fg_plan_json(p, &j), 0);
	objs = json_object_get(
		json_array_get(json_object_get(j, "namespaces"), 0), "objects");
	/* every object, the unchanged ones too */
	assert_int_equal(json_array_size(objs), 9);
	json_array_foreach (objs, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "name")),
			    "fraud"))
			fraud = o;
	assert_non_null(fraud);
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
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(j, "summary"), "blocked")),
			 1);
	json_decref(j);
	golden_free(p);
}

static void test_plan__a_field_git_drops_is_a_change(void **state)
{
	struct fg_desired *base, *head;
	struct fg_pass *p = NULL;
	const struct fg_step *s;

	(void)state;
	app("analytics", "j", "flink:1.20", NULL);
	base = render();
	edit("analytics/j.yaml", "    execution.checkpointing.interval: 30s\n",
	     "");
	head = render();
	assert_int_equal(fg_pass_plan_offline(&p, head, base, NULL), 0);
	assert_int_equal(p->updates, 1);
	s = &p->v[0].v[0];
	assert_string_equal(
		s->changes.v[0].field,
		"spec.flinkConfiguration[execution.checkpointing.interval]");
	assert_null(s->changes.v[0].desired);
	fg_pass_free(p);
	fg_desired_free(base);
	fg_desired_free(head);
}

static void test_plan__a_new_commit_alone_is_no_change(void **state)
{
	struct fg_render_opts o1 = { .path = "", .origin = "repo@1111" };
	struct fg_render_opts o2 = { .path = "", .origin = "repo@2222" };
	struct fg_desired *base = NULL, *head = NULL;
	struct fg_source *src = NULL;
	struct fg_pass *p = NULL;

	(void)state;
	cm("analytics", "c", "v");
	assert_int_equal(fg_source_dir_new(&src, root), 0);
	assert_int_equal(fg_render(&base, src, &o1), 0);
	assert_int_equal(fg_render(&head, src, &o2), 0);
	fg_source_free(src);
	assert_int_equal(fg_pass_plan_offline(&p, head, base, NULL), 0);
	assert_int_equal(p->unchanged, 1);
	assert_int_equal(p->updates, 0);
	fg_pass_free(p);
	fg_desired_free(base);
	fg_desired_free(head);
}

static void test_plan__long_field_lists_fold_in_markdown(void **state)
{
	struct fg_desired *base, *head;
	struct fg_pass *p = NULL;
	struct fg_buf out = FG_BUF_INIT;

	(void)state;
	put("analytics/c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
				"  name: c\ndata: {a: \"1\"}\n");
	base = render();
	put("analytics/c.yaml",
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
	    "  name: c\ndata: {a: \"2\", b: \"1\", c: \"1\", "
	    "d: \"1\", e: \"1\"}\n");
	head = render();
	assert_int_equal(fg_pass_plan_offline(&p, head, base, NULL), 0);
	assert_int_equal(fg_plan_markdown(p, &out), 0);
	assert_non_null(strstr(out.ptr, "<details><summary><code>"
					"ConfigMap/c</code>: 5 field "
					"changes</summary>"));
	assert_non_null(strstr(out.ptr, "</details>"));
	fg_buf_release(&out);
	fg_pass_free(p);
	fg_desired_free(base);
	fg_desired_free(head);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_plan__a_change_inside_a_large_value_shows_paths),
		T(test_plan__text_golden),
		T(test_plan__markdown_tables_and_fields),
		T(test_plan__json_carries_every_row),
		T(test_plan__a_field_git_drops_is_a_change),
		T(test_plan__a_new_commit_alone_is_no_change),
		T(test_plan__long_field_lists_fold_in_markdown),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
