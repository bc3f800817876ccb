/*
 * The agent's report model (sync/status.h) on passes run against the
 * in-memory API server (tests/unit/fake_cluster.h, a fake for speed;
 * tests/integration/test-run.sh checks the same against the real one):
 * the status branch's files, savepoint lineage and restore hints, and
 * that the agent's own report annotations are never drift.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"

#include "render/base/json.h"
#include "render/render.h"
#include "render/source.h"
#include "sync/pass.h"
#include "sync/status.h"
#include "fake_cluster.h"
#include "repo.h"
#include "render/base/banned.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define C3 "3333333333333333333333333333333333333333"

static struct fg_desired *render_at(const char *commit)
{
	struct fg_render_opts o = { .path = "" };
	struct fg_source *src = NULL;
	struct fg_desired *d = NULL;
	char origin[128];

	snprintf(origin, sizeof(origin), "file:///r.git@%s", commit);
	o.origin = origin;
	assert_int_equal(fg_source_dir_new(&src, root), 0);
	if (fg_render(&d, src, &o) < 0)
		fail_msg("render: %s", fg_error_last());
	fg_source_free(src);
	return d;
}

static struct fg_pass *pass(struct fake_cluster *f, const struct fg_desired *d,
			    int execute)
{
	struct fg_pass_opts o = { 0 };
	struct fg_pass *p = NULL;

	o.mode = FG_PASS_APPLY_ONLY;
	if (fg_pass_plan(&p, d, &f->ports, &o) < 0)
		fail_msg("plan: %s", fg_error_last());
	if (execute)
		assert_int_equal(fg_pass_execute(p, &f->ports), 0);
	return p;
}

static void job_app(const char *image)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "apiVersion: flink.apache.org/v1beta1\n"
		 "kind: FlinkDeployment\n"
		 "metadata:\n  name: app\n"
		 "spec:\n"
		 "  image: %s\n"
		 "  flinkVersion: v1_20\n"
		 "  serviceAccount: flink\n"
		 "  flinkConfiguration: {execution.checkpointing.dir: "
		 "\"s3://b/c\", execution.checkpointing.savepoint-dir: "
		 "\"s3://b/s\"}\n"
		 "  jobManager: {resource: {memory: 2048m, cpu: 1}}\n"
		 "  taskManager: {resource: {memory: 2048m, cpu: 1}}\n"
		 "  job:\n"
		 "    jarURI: local:///opt/flink/job.jar\n"
		 "    parallelism: 2\n"
		 "    upgradeMode: savepoint\n",
		 image);
	put("team-a/app.yaml", text);
}

static void settings(const char *value)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "
		 "settings\ndata:\n  value: \"%s\"\n",
		 value);
	put("team-a/settings.yaml", text);
}

/* The operator's status: running, with a savepoint and a checkpoint. */
static void running_with(struct fake_cluster *f, const char *savepoint,
			 long long sp_ms, long long cp_ms)
{
	json_t *o = fake_obj(f, "flink.apache.org", "FlinkDeployment", "team-a",
			     "app");
	json_t *last;
	char *text;

	assert_non_null(o);
	last = json_pack("{s:O, s:{s:s, s:b}}", "spec",
			 json_object_get(o, "spec"), "resource_metadata",
			 "apiVersion", "flink.apache.org/v1beta1",
			 "firstDeployment", 0);
	text = json_dumps(last, JSON_COMPACT);
	fake_status(
		f, "flink.apache.org", "FlinkDeployment", "team-a", "app",
		json_pack("{s:s, s:{s:s, s:s, s:{s:{s:s,s:I}}, s:{s:{s:I}}}, "
			  "s:{s:s, s:s}, s:{s:s}}",
			  "lifecycleState", "STABLE", "jobStatus", "state",
			  "RUNNING", "jobId", "abc123", "savepointInfo",
			  "lastSavepoint", "location", savepoint, "timeStamp",
			  (json_int_t)sp_ms, "checkpointInfo", "lastCheckpoint",
			  "timeStamp", (json_int_t)cp_ms,
			  "reconciliationStatus", "state", "DEPLOYED",
			  "lastReconciledSpec", text, "clusterInfo",
			  "health-info", "{\"numRestarts\":3}"));
	free(text);
	json_decref(last);
}

static const struct fg_status_file *file(const struct fg_status_files *f,
					 const char *path)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].path, path))
			return &f->v[i];
	fail_msg("no file %s", path);
	return NULL;
}

static json_t *file_json(const struct fg_status_files *f, const char *path)
{
	const struct fg_status_file *e = file(f, path);
	json_t *j = json_loadb(e->data, e->len, 0, NULL);

	assert_non_null(j);
	return j;
}

static void test_status__files_say_what_ran_and_how_it_is(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	struct fg_status_files files = { 0 };
	struct fg_status_opts o = {
		"file:///r.git", "main", "", C1, C1, NULL, 1
	};
	json_t *j;

	(void)st;
	fake_init(&f);
	job_app("flink:1.20");
	settings("1");
	d = render_at(C1);
	fg_pass_free(pass(&f, d, 1));
	running_with(&f, "s3://b/s/sp-1", 1700000000000LL, 1700000060000LL);
	p = pass(&f, d, 1);
	assert_int_equal(fg_status_files(p, &o, NULL, &files), 0);

	j = file_json(&files, "status/team-a/FlinkDeployment/app.json");
	assert_string_equal(fg_json_str(fg_json_get(j, "source"), "commit"),
			    C1);
	assert_string_equal(fg_json_str(fg_json_get(j, "source"), "file"),
			    "team-a/app.yaml");
	assert_string_equal(fg_json_str(fg_json_get(j, "sync"), "result"),
			    "synced");
	assert_string_equal(fg_json_str(fg_json_get(j, "health"), "status"),
			    "Healthy");
	assert_string_equal(fg_json_str(j, "lifecycleState"), "STABLE");
	assert_string_equal(fg_json_str(j, "jobState"), "RUNNING");
	assert_string_equal(fg_json_str(j, "jobId"), "abc123");
	assert_int_equal(json_integer_value(json_object_get(j, "restarts")), 3);
	assert_string_equal(
		fg_json_str(fg_json_get(j, "lastSavepoint"), "path"),
		"s3://b/s/sp-1");
	assert_string_equal(
		fg_json_str(fg_json_get(j, "lastCheckpoint"), "time"),
		"2023-11-14T22:14:20Z");
	assert_string_equal(fg_json_str(j, "appliedHash"),
			    fg_json_str(j, "desiredHash"));
	json_decref(j);
	assert_non_null(strstr(file(&files, "STATUS.md")->data,
			       "| FlinkDeployment/app | synced | Healthy | "
			       "STABLE | RUNNING | s3://b/s/sp-1"));
	assert_non_null(strstr(file(&files, "DRIFT.md")->data, "No drift"));

	fg_status_files_release(&files);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void
test_status__without_times_a_new_checkpoint_changes_nothing(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p1, *p2;
	struct fg_status_files a = { 0 }, b = { 0 };
	struct fg_status_opts o = {
		"file:///r.git", "main", "", C1, C1, NULL, 0
	};

	(void)st;
	fake_init(&f);
	job_app("flink:1.20");
	d = render_at(C1);
	fg_pass_free(pass(&f, d, 1));
	running_with(&f, "s3://b/s/sp-1", 1700000000000LL, 1700000060000LL);
	p1 = pass(&f, d, 0);
	running_with(&f, "s3://b/s/sp-1", 1700000000000LL, 1700000120000LL);
	p2 = pass(&f, d, 0);
	assert_int_equal(fg_status_files(p1, &o, NULL, &a), 0);
	assert_int_equal(fg_status_files(p2, &o, NULL, &b), 0);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(a.v[i].data, b.v[i].data);
	fg_status_files_release(&a);
	fg_status_files_release(&b);
	fg_pass_free(p1);
	fg_pass_free(p2);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_status__drift_is_listed_field_by_field(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	struct fg_status_files files = { 0 };
	struct fg_status_opts o = {
		"file:///r.git", "main", "", C1, C1, NULL, 0
	};
	char summary[FG_REPORT_DRIFT_MAX + 1];
	const struct fg_status_file *md;

	(void)st;
	fake_init(&f);
	settings("1");
	d = render_at(C1);
	fg_pass_free(pass(&f, d, 1));
	fake_edit(&f, "", "ConfigMap", "team-a", "settings", "/data/value",
		  json_string("9"), "kubectl-edit");
	p = pass(&f, d, 1); /* APPLY_ONLY: reported, not taken back */
	assert_int_equal(p->writes, 0);
	assert_int_equal(fg_status_files(p, &o, NULL, &files), 0);
	md = file(&files, "DRIFT.md");
	assert_non_null(strstr(md->data, "## team-a ConfigMap/settings: "
					 "drifted"));
	assert_non_null(strstr(md->data, "`data.value`: Git `\"1\"`, cluster "
					 "`\"9\"` (set by kubectl-edit"));
	fg_status_drift_summary(&p->v[0].v[0], summary, sizeof(summary));
	assert_string_equal(summary, "data.value (kubectl-edit)");
	fg_status_files_release(&files);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* The agent's annotations, applied as it does (own manager, those keys
 * alone), are neither drift nor a reason to write in the next pass. */
static void test_status__report_annotations_are_never_drift(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	struct fg_port_apply_opts ao = { 1, 0, FG_REPORT_MANAGER };
	json_t *patch;

	(void)st;
	fake_init(&f);
	job_app("flink:1.20");
	settings("1");
	d = render_at(C1);
	fg_pass_free(pass(&f, d, 1));
	running_with(&f, "s3://b/s/sp-1", 1, 1);
	patch = json_pack(
		"{s:s,s:s,s:{s:s,s:s,s:{s:s,s:s,s:s,s:s}}}", "apiVersion",
		"flink.apache.org/v1beta1", "kind", "FlinkDeployment",
		"metadata", "name", "app", "namespace", "team-a", "annotations",
		FG_ANNOTATION_REPORT_COMMIT, C1, FG_ANNOTATION_REPORT_AT,
		"2026-01-01T00:00:00Z", FG_ANNOTATION_REPORT_HEALTH, "Healthy",
		FG_ANNOTATION_REPORT_DRIFT, "none");
	assert_int_equal(f.port.apply(f.port.ctx, patch, &ao, NULL), 0);
	json_decref(patch);
	fake_reset_counts(&f);
	p = pass(&f, d, 1);
	assert_int_equal(p->drifted, 0);
	assert_int_equal(p->updates, 0);
	assert_int_equal(f.applies, 0);
	fg_pass_free(p);
	/* and selfHeal does not take them away either */
	{
		struct fg_pass_opts o = { 0 };

		o.mode = FG_PASS_HEAL;
		assert_int_equal(fg_pass_plan(&p, d, &f.ports, &o), 0);
		assert_int_equal(fg_pass_execute(p, &f.ports), 0);
		assert_int_equal(f.applies, 0);
		fg_pass_free(p);
	}
	assert_non_null(
		fg_annotation(fake_obj(&f, "flink.apache.org",
				       "FlinkDeployment", "team-a", "app"),
			      FG_ANNOTATION_REPORT_HEALTH));
	fg_desired_free(d);
	fake_release(&f);
}

static int stop_after_one(void *ctx)
{
	struct fake_cluster *f = ctx;

	/* the inventory's record of what is to come, then one object */
	return f->applies >= 2;
}

/* SIGTERM: the pass stops between objects and the namespace begun still
 * records exactly what was applied. */
static void test_status__a_stop_between_objects_records_what_was_done(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	struct fg_inventory inv = FG_INVENTORY_INIT;
	json_t *cmobj;

	(void)st;
	fake_init(&f);
	settings("1");
	put("team-a/b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  "
			     "name: b\ndata: {x: \"1\"}\n");
	put("team-a/c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  "
			     "name: c\ndata: {x: \"1\"}\n");
	job_app("flink:1.20");
	d = render_at(C1);
	f.ports.stop = stop_after_one;
	f.ports.stop_ctx = &f;
	p = pass(&f, d, 1);
	/* one object applied (one rank, one at a time: no parallel port),
	   the rest left for the next run */
	assert_int_equal(fake_count(&f, "apply FlinkDeployment"), 0);
	cmobj = fake_obj(&f, "", "ConfigMap", "team-a",
			 "flink-gitops-inventory");
	assert_non_null(cmobj);
	assert_int_equal(fg_inventory_parse(&inv, cmobj), 0);
	assert_int_equal(inv.n, 1);
	assert_non_null(
		fake_obj(&f, "", inv.v[0].kind, "team-a", inv.v[0].name));
	fg_inventory_release(&inv);
	fg_pass_free(p);
	/* the next run goes on */
	f.ports.stop = NULL;
	p = pass(&f, d, 1);
	assert_int_equal(p->creates, 3);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* A commit that reverts a job's spec names the savepoint recorded while
 * that spec ran, and how to restore from it. */
static void test_status__a_revert_names_the_savepoint_of_its_commit(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d1, *d2, *d3;
	struct fg_pass *p;
	struct fg_buf note = FG_BUF_INIT;
	struct fg_status_opts o = {
		"file:///r.git", "main", "", C3, C3, NULL, 0
	};
	json_t *lineage = json_object();
	const json_t *rp;
	int changed;

	(void)st;
	fake_init(&f);
	job_app("flink:1.20");
	d1 = render_at(C1);
	fg_pass_free(pass(&f, d1, 1));
	running_with(&f, "s3://b/s/sp-while-c1", 1700000000000LL, 1);
	p = pass(&f, d1, 0);
	assert_int_equal(fg_lineage_update(lineage, p, &changed), 0);
	assert_true(changed);
	assert_int_equal(fg_lineage_update(lineage, p, &changed), 0);
	assert_false(changed); /* recorded once */
	fg_pass_free(p);

	job_app("flink:2.0"); /* C2: an upgrade, with savepoint */
	d2 = render_at(C2);
	fg_pass_free(pass(&f, d2, 1));
	running_with(&f, "s3://b/s/sp-while-c2", 1700000100000LL, 1);
	p = pass(&f, d2, 0);
	assert_int_equal(fg_lineage_update(lineage, p, &changed), 0);
	fg_pass_free(p);

	job_app("flink:1.20"); /* C3: reverts to C1's spec */
	d3 = render_at(C3);
	p = pass(&f, d3, 0);
	rp = fg_lineage_restore_point(lineage, "team-a", &p->v[0].v[0]);
	assert_non_null(rp);
	assert_string_equal(fg_json_str(rp, "commit"), C1);
	assert_string_equal(fg_json_str(rp, "path"), "s3://b/s/sp-while-c1");
	assert_int_equal(fg_status_note(p, &o, lineage, &note), 0);
	assert_non_null(strstr(note.ptr, "reverts to the spec that ran at "
					 "commit 111111111111"));
	assert_non_null(strstr(note.ptr, "spec.job.initialSavepointPath: "
					 "s3://b/s/sp-while-c1"));
	assert_non_null(strstr(note.ptr, "savepointRedeployNonce"));
	fg_buf_release(&note);
	fg_pass_free(p);
	/* a plain change (no earlier spec) has no restore point */
	job_app("flink:2.1");
	fg_desired_free(d3);
	d3 = render_at(C3);
	p = pass(&f, d3, 0);
	assert_null(fg_lineage_restore_point(lineage, "team-a", &p->v[0].v[0]));
	fg_pass_free(p);
	json_decref(lineage);
	fg_desired_free(d1);
	fg_desired_free(d2);
	fg_desired_free(d3);
	fake_release(&f);
}

static void test_status__plan_paths_follow_the_branch(void **st)
{
	struct fg_buf b = FG_BUF_INIT;

	(void)st;
	fg_status_plan_path("refs/heads/proposals/x", &b);
	assert_string_equal(b.ptr, "plans/proposals/x.md");
	fg_buf_clear(&b);
	fg_status_plan_path("refs/pull/12/head", &b);
	assert_string_equal(b.ptr, "plans/pull/12/head.md");
	fg_buf_release(&b);
}

static void test_status__web_ui_from_the_ingress_template(void **st)
{
	json_t *o =
		json_pack("{s:{s:s,s:s},s:{s:{s:s}}}", "metadata", "name",
			  "app", "namespace", "team-a", "spec", "ingress",
			  "template", "{{name}}.{{namespace}}.flink.example");
	char ui[256];

	(void)st;
	fg_status_web_ui(o, ui, sizeof(ui));
	assert_string_equal(ui, "http://app.team-a.flink.example");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_status__files_say_what_ran_and_how_it_is, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_status__without_times_a_new_checkpoint_changes_nothing,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_status__drift_is_listed_field_by_field, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_status__report_annotations_are_never_drift, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_status__a_stop_between_objects_records_what_was_done,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_status__a_revert_names_the_savepoint_of_its_commit,
			setup, teardown),
		cmocka_unit_test(test_status__plan_paths_follow_the_branch),
		cmocka_unit_test(test_status__web_ui_from_the_ingress_template),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
