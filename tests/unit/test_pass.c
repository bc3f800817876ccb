/*
 * The pass (sync/pass.h) end to end: repositories rendered from files,
 * decided and executed against an in-memory API server with field
 * ownership and a fake clock (tests/unit/fake_cluster.h: a fake, for
 * speed; tests/integration/ runs the same pass against the real
 * kube-apiserver). Each test reads like what a user does and sees.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"

#include "render/base/json.h"
#include "render/render.h"
#include "render/source.h"
#include "sync/pass.h"
#include "sync/plan.h"
#include "sync/report.h"
#include "sync/saved.h"
#include "fake_cluster.h"
#include "repo.h"
#include "render/base/banned.h"

/* ---- the operator, as the tests play it ---- */

/* The operator's view of a running, stable job it deployed. */
static void running(struct fake_cluster *f, const char *ns, const char *kind,
		    const char *name)
{
	fake_reconciled(f, ns, kind, name, "STABLE", "RUNNING", NULL);
}

/* ---- running the pass ---- */

static struct fg_pass *plan(struct fake_cluster *f, const struct fg_desired *d,
			    const struct fg_pass_opts *o)
{
	struct fg_pass_opts def = { 0 };
	struct fg_pass *p = NULL;

	if (fg_pass_plan(&p, d, &f->ports, o ? o : &def) < 0)
		fail_msg("plan: %s", fg_error_last());
	return p;
}

/* sync: plan then execute; the pass is returned for the asserts. */
static struct fg_pass *sync_pass(struct fake_cluster *f,
				 const struct fg_desired *d,
				 const struct fg_pass_opts *o)
{
	struct fg_pass *p = plan(f, d, o);

	assert_int_equal(fg_pass_execute(p, &f->ports), 0);
	return p;
}

/* Render, sync, free: the cluster afterwards is what the test checks. */
static void sync_repo(struct fake_cluster *f, const struct fg_pass_opts *o)
{
	struct fg_desired *d = render();

	fg_pass_free(sync_pass(f, d, o));
	fg_desired_free(d);
}

/* A running job with state, analytics/orders, that Git no longer has
 * (analytics keeps a ConfigMap, so the namespace still renders). */
static void job_gone_from_git(struct fake_cluster *f)
{
	fake_init(f);
	cm("analytics", "keep", "k");
	app("analytics", "orders", "flink:1.20", NULL);
	sync_repo(f, NULL);
	running(f, "analytics", "FlinkDeployment", "orders");
	drop("analytics/orders.yaml");
}

static const struct fg_step *step(const struct fg_pass *p, const char *ns,
				  const char *kind, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, ns))
			for (size_t j = 0; j < p->v[i].n; j++)
				if (!strcmp(p->v[i].v[j].kind, kind) &&
				    !strcmp(p->v[i].v[j].name, name))
					return &p->v[i].v[j];
	fail_msg("no step for %s %s/%s", ns, kind, name);
	return NULL;
}

static const struct fg_pass_ns *pns(const struct fg_pass *p, const char *ns)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, ns))
			return &p->v[i];
	return NULL;
}

/*
 * What a plan says it will write, as the fake logs it ("apply
 * Kind/ns/name;" or "delete ...;"), in no particular order but sorted.
 */
static void planned_writes(const struct fg_pass *p, struct fg_buf *out)
{
	json_t *l = json_array();
	size_t i;
	json_t *v;

	for (size_t a = 0; a < p->n; a++)
		for (size_t b = 0; b < p->v[a].n; b++) {
			const struct fg_step *s = &p->v[a].v[b];

			if (s->action == FG_ACTION_NOOP || fg_step_blocked(s))
				continue;
			json_array_append_new(
				l, json_sprintf("%s %s/%s/%s",
						s->action == FG_ACTION_DELETE
							? "delete"
							: "apply",
						s->kind,
						fg_step_is_namespace(s)
							? ""
							: p->v[a].name,
						s->name));
		}
	fg_buf_clear(out);
	json_array_foreach (l, i, v)
		fg_buf_printf(out, "%s;", json_string_value(v));
	json_decref(l);
}

/* Does s[0..n) contain `needle`? */
static int contains(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(s + i, needle, m))
			return 1;
	return 0;
}

/* The writes in the fake's log (inventory and suspend patches aside). */
static void done_writes(const struct fake_cluster *f, struct fg_buf *out)
{
	const char *s = f->log.ptr;

	fg_buf_clear(out);
	while (*s) {
		size_t n = strcspn(s, ";");

		if ((!strncmp(s, "apply ", 6) || !strncmp(s, "delete ", 7)) &&
		    !contains(s, n, "dry-run") && !contains(s, n, "(as ") &&
		    !contains(s, n, "flink-gitops-inventory")) {
			const char *sp = memchr(s, ' ', n);
			const char *end = memchr(sp + 1, ' ', n - (sp - s) - 1);

			fg_buf_add(out, s, (end ? end : s + n) - s);
			fg_buf_putc(out, ';');
		}
		s += n + (s[n] == ';');
	}
}

/*
 * plan, then sync in the same state: sync writes exactly what plan said.
 * Returns the sync's pass.
 */
static struct fg_pass *plan_then_sync(struct fake_cluster *f,
				      const struct fg_desired *d,
				      const struct fg_pass_opts *o)
{
	struct fg_buf want = FG_BUF_INIT, got = FG_BUF_INIT;
	struct fg_pass *p = plan(f, d, o);

	planned_writes(p, &want);
	fg_pass_free(p);
	fake_reset_counts(f);
	p = sync_pass(f, d, o);
	done_writes(f, &got);
	if (strcmp(want.ptr, got.ptr))
		fail_msg("plan said %s\nsync did  %s", want.ptr, got.ptr);
	fg_buf_release(&want);
	fg_buf_release(&got);
	return p;
}

/* ---- tests ---- */

static void test_pass__creates_in_rank_order_then_writes_nothing(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const char *log;

	(void)st;
	fake_init(&f);
	session_job("analytics", "etl", "shared");
	session("analytics", "shared");
	app("analytics", "orders", "flink:1.20", NULL);
	cm("analytics", "settings", "a");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(p->creates, 4);
	assert_int_equal(p->synced_ns, 1);
	/* supporting kinds, session clusters, applications, session jobs */
	log = f.log.ptr;
	assert_true(strstr(log, "apply ConfigMap/analytics/settings") <
		    strstr(log, "apply FlinkDeployment/analytics/shared"));
	assert_true(strstr(log, "apply FlinkDeployment/analytics/shared") <
		    strstr(log, "apply FlinkDeployment/analytics/orders"));
	assert_true(strstr(log, "apply FlinkDeployment/analytics/orders") <
		    strstr(log, "apply FlinkSessionJob/analytics/etl"));
	assert_non_null(strstr(log, "apply ConfigMap/analytics/"
				    "flink-gitops-inventory"));
	fg_pass_free(p);

	/* the same repository again: no write, one LIST per kind, no GET */
	fake_reset_counts(&f);
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(f.applies + f.deletes, 0);
	assert_int_equal(f.gets, 0);
	assert_int_equal(f.dry_runs, 0);
	assert_int_equal(fake_count(&f, "list ConfigMap/analytics"), 1);
	assert_int_equal(fake_count(&f, "list FlinkDeployment/analytics"), 1);
	assert_int_equal(fake_count(&f, "list FlinkSessionJob/analytics"), 1);
	assert_int_equal(p->unchanged, 4);
	assert_int_equal(p->writes, 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_kubectl_edit_is_drift_sync_takes_back(void **st)
{
	struct fg_pass_opts apply_only = { .mode = FG_PASS_APPLY_ONLY };
	struct fg_pass_opts heal_only = { .mode = FG_PASS_HEAL_ONLY };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;
	json_t *o;

	(void)st;
	fake_init(&f);
	cm("analytics", "settings", "a");
	d = render();
	sync_repo(&f, NULL);
	fake_edit(&f, "", "ConfigMap", "analytics", "settings", "/data/value",
		  json_string("edited"), "kubectl-edit");

	/* the agent without selfHeal: reported, left alone */
	p = plan_then_sync(&f, d, &apply_only);
	s = step(p, "analytics", "ConfigMap", "settings");
	assert_int_equal(s->wanted, FG_ACTION_UPDATE);
	assert_int_equal(s->action, FG_ACTION_NOOP);
	assert_true(s->why & FG_WHY_DRIFT);
	assert_int_equal(s->drift.n, 1);
	assert_string_equal(s->drift.v[0].field, "data.value");
	assert_string_equal(s->drift.v[0].manager, "kubectl-edit");
	assert_string_equal(fg_drift_state(s), "drifted");
	assert_int_equal(f.applies, 0);
	fg_pass_free(p);

	/* sync by hand: plan says it takes it back, sync does, forced */
	p = plan_then_sync(&f, d, NULL);
	s = step(p, "analytics", "ConfigMap", "settings");
	assert_int_equal(s->action, FG_ACTION_UPDATE);
	assert_int_equal(s->outcome, FG_OUTCOME_DONE);
	assert_true(s->force);
	o = fake_obj(&f, "", "ConfigMap", "analytics", "settings");
	assert_string_equal(fg_json_str(fg_json_get(o, "data"), "value"), "a");
	fg_pass_free(p);

	/* drift --self-heal heals drift but creates nothing new */
	fake_edit(&f, "", "ConfigMap", "analytics", "settings", "/data/value",
		  json_string("again"), "kubectl-edit");
	cm("analytics", "new", "n");
	fg_desired_free(d);
	d = render();
	p = plan_then_sync(&f, d, &heal_only);
	assert_int_equal(step(p, "analytics", "ConfigMap", "settings")->outcome,
			 FG_OUTCOME_DONE);
	assert_int_equal(step(p, "analytics", "ConfigMap", "new")->action,
			 FG_ACTION_NOOP);
	assert_string_equal(
		fg_drift_state(step(p, "analytics", "ConfigMap", "new")),
		"missing");
	assert_null(fake_obj(&f, "", "ConfigMap", "analytics", "new"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__what_the_server_defaults_is_no_change(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	put("flink-gitops.yaml", "apiVersion: flink-gitops.io/v1alpha1\n"
				 "kind: RepoConfig\nallowKinds: [Service]\n");
	put("web/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n"
			    "  name: web\nspec:\n  selector: {app: web}\n"
			    "  ports:\n  - port: 80\n");
	d = render();
	sync_repo(&f, NULL);
	/* the server filled in protocol and targetPort: not a change, and
	   known without asking the server again */
	fake_reset_counts(&f);
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(step(p, "web", "Service", "web")->action,
			 FG_ACTION_NOOP);
	assert_int_equal(f.applies + f.dry_runs, 0);
	fg_pass_free(p);

	/* a Git change of a defaulted kind is settled by a dry run: only
	   the changed field is shown */
	put("web/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n"
			    "  name: web\nspec:\n  selector: {app: web2}\n"
			    "  ports:\n  - port: 80\n");
	fg_desired_free(d);
	d = render();
	fake_reset_counts(&f);
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(step(p, "web", "Service", "web")->changes.n, 1);
	assert_string_equal(
		step(p, "web", "Service", "web")->changes.v[0].field,
		"spec.selector.app");
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__git_change_to_a_field_another_manager_owns(void **st)
{
	struct fg_pass_opts apply_only = { .mode = FG_PASS_APPLY_ONLY };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	fake_init(&f);
	cm("analytics", "settings", "a");
	sync_repo(&f, NULL);
	fake_edit(&f, "", "ConfigMap", "analytics", "settings", "/data/value",
		  json_string("theirs"), "helm");
	cm("analytics", "settings", "b");
	d = render();

	/* without healing, the conflict is named and nothing is forced */
	p = plan_then_sync(&f, d, &apply_only);
	s = step(p, "analytics", "ConfigMap", "settings");
	assert_true(fg_step_blocked(s));
	assert_int_equal(s->verdict.rule, FG_RULE_CONFLICT);
	assert_non_null(strstr(s->verdict.reason, "data.value (helm)"));
	assert_int_equal(f.applies, 0);
	fg_pass_free(p);

	/* sync by hand takes an object of ours back from the other manager */
	p = plan_then_sync(&f, d, NULL);
	s = step(p, "analytics", "ConfigMap", "settings");
	assert_false(fg_step_blocked(s));
	assert_int_equal(s->outcome, FG_OUTCOME_DONE);
	assert_string_equal(
		fg_json_str(fg_json_get(fake_obj(&f, "", "ConfigMap",
						 "analytics", "settings"),
					"data"),
			    "value"),
		"b");
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__stateless_upgrade_of_a_stateful_job_is_held(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;
	char *text;

	(void)st;
	fake_init(&f);
	app("analytics", "orders", "flink:1.20", NULL);
	sync_repo(&f, NULL);
	running(&f, "analytics", "FlinkDeployment", "orders");
	app("analytics", "orders", "flink:2.0", NULL);
	/* the same image change, but stateless */
	{
		char path[PATH_MAX * 2];
		FILE *fp;
		char buf[4096];
		size_t n;

		snprintf(path, sizeof(path), "%s/analytics/orders.yaml", root);
		fp = fopen(path, "r");
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		text = strstr(buf, "upgradeMode: savepoint");
		assert_non_null(text);
		memcpy(text, "upgradeMode: stateless", 22);
		put("analytics/orders.yaml", buf);
	}
	d = render();
	p = plan_then_sync(&f, d, NULL);
	s = step(p, "analytics", "FlinkDeployment", "orders");
	assert_true(fg_step_blocked(s));
	assert_int_equal(s->verdict.rule, FG_RULE_STATELESS_UPGRADE);
	assert_int_equal(f.applies, 0);
	assert_int_equal(p->blocked, 1);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__deleting_a_running_job_is_held_unless_allowed(void **st)
{
	struct fg_pass_opts allow = { .allow_delete = 1 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	job_gone_from_git(&f);
	d = render();
	p = plan_then_sync(&f, d, NULL);
	s = step(p, "analytics", "FlinkDeployment", "orders");
	assert_int_equal(s->wanted, FG_ACTION_DELETE);
	assert_true(fg_step_blocked(s));
	assert_int_equal(s->verdict.rule, FG_RULE_DELETE_RUNNING);
	assert_non_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
				 "analytics", "orders"));
	assert_string_equal(fg_drift_state(s), "unexpected");
	fg_pass_free(p);

	p = plan_then_sync(&f, d, &allow);
	assert_int_equal(
		step(p, "analytics", "FlinkDeployment", "orders")->outcome,
		FG_OUTCOME_DONE);
	assert_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
			     "analytics", "orders"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* The operator suspends a job after `arg` sleeps, recording a savepoint. */
struct suspender {
	int sleeps, after;
	const char *ns, *name; /* NULL: analytics/orders */
};

static void operator_suspends(struct fake_cluster *f, void *arg)
{
	struct suspender *s = arg;
	const char *ns = s->ns ? s->ns : "analytics";
	const char *name = s->name ? s->name : "orders";
	json_t *o =
		fake_obj(f, "flink.apache.org", "FlinkDeployment", ns, name);

	if (!o || ++s->sleeps < s->after)
		return;
	if (!fg_str_is(
		    fg_json_str(fg_json_path(o, "spec", "job", NULL), "state"),
		    "suspended"))
		return;
	fake_reconciled(f, ns, "FlinkDeployment", name, "SUSPENDED", "FINISHED",
			"s3://b/orders/sp/1");
}

static void test_pass__suspend_first_waits_on_the_clock(void **st)
{
	struct fg_pass_opts o = { .wait_ms = 10000, .poll_ms = 500 };
	struct suspender op = { 0, 4, NULL, NULL };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;
	long long t0;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "k");
	app("analytics", "orders", "flink:1.20",
	    "  annotations: {flink-gitops.io/policy: "
	    "\"delete=suspend-first\"}\n");
	sync_repo(&f, NULL);
	running(&f, "analytics", "FlinkDeployment", "orders");
	drop("analytics/orders.yaml");
	d = render();

	/* the operator takes too long: the pass says so and leaves it */
	o.wait_ms = 1000;
	f.on_sleep = operator_suspends;
	f.on_sleep_arg = &op;
	p = plan(&f, d, &o);
	assert_string_equal(
		step(p, "analytics", "FlinkDeployment", "orders")->impact,
		"suspends with a savepoint, then deletes");
	fg_pass_free(p);
	fake_reset_counts(&f);
	p = sync_pass(&f, d, &o);
	s = step(p, "analytics", "FlinkDeployment", "orders");
	assert_int_equal(s->outcome, FG_OUTCOME_WAITING);
	/* the suspend patch, under its own field manager */
	assert_int_equal(fake_count(&f, "apply FlinkDeployment/analytics/"
					"orders force (as "
					"flink-gitops-suspend)"),
			 1);
	assert_int_equal(f.deletes, 0);
	assert_non_null(strstr(s->message, "timed out after 1s"));
	assert_non_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
				 "analytics", "orders"));
	fg_pass_free(p);

	/* the next pass goes on from what the cluster shows, and deletes
	   once the status records the savepoint; no real time passes */
	o.wait_ms = 10000;
	t0 = f.now;
	p = sync_pass(&f, d, &o);
	s = step(p, "analytics", "FlinkDeployment", "orders");
	assert_int_equal(s->outcome, FG_OUTCOME_DONE);
	assert_string_equal(s->message, "suspended with savepoint "
					"s3://b/orders/sp/1, then deleted");
	assert_true(f.now > t0);
	assert_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
			     "analytics", "orders"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__session_cluster_goes_after_its_jobs(void **st)
{
	struct fg_pass_opts o = { .allow_delete = 1, .poll_ms = 100 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const char *log;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "k");
	session("analytics", "shared");
	session_job("analytics", "etl", "shared");
	sync_repo(&f, NULL);
	drop("analytics/shared.yaml");
	drop("analytics/etl.yaml");
	d = render();
	f.finalizer_sleeps = 3; /* the session job's finalizer takes time */
	p = plan_then_sync(&f, d, &o);
	assert_non_null(strstr(
		step(p, "analytics", "FlinkDeployment", "shared")->impact,
		"once its session jobs are gone (etl)"));
	assert_int_equal(
		step(p, "analytics", "FlinkDeployment", "shared")->outcome,
		FG_OUTCOME_DONE);
	log = f.log.ptr;
	assert_true(strstr(log, "delete FlinkSessionJob/analytics/etl") <
		    strstr(log, "get FlinkSessionJob/analytics/etl"));
	assert_true(strstr(log, "get FlinkSessionJob/analytics/etl") <
		    strstr(log, "delete FlinkDeployment/analytics/shared"));
	assert_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
			     "analytics", "shared"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__session_cluster_still_in_use_is_held(void **st)
{
	struct fg_pass_opts o = { .allow_delete = 1 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	fake_init(&f);
	session("analytics", "shared");
	session_job("analytics", "etl", "shared");
	sync_repo(&f, NULL);
	drop("analytics/shared.yaml");
	d = render();
	p = plan_then_sync(&f, d, &o);
	s = step(p, "analytics", "FlinkDeployment", "shared");
	assert_true(fg_step_blocked(s));
	assert_non_null(
		strstr(s->verdict.reason, "session jobs still run on it: etl"));
	assert_int_equal(f.deletes, 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_nonce_changed_outside_git_is_not_rewritten(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	fake_init(&f);
	app("analytics", "orders", "flink:1.20", NULL);
	{
		char path[PATH_MAX * 2];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/analytics/orders.yaml", root);
		assert_non_null(fp = fopen(path, "a"));
		fputs("  restartNonce: 1\n", fp);
		fclose(fp);
	}
	sync_repo(&f, NULL);
	running(&f, "analytics", "FlinkDeployment", "orders");
	/* someone restarts the job by hand */
	fake_edit(&f, "flink.apache.org", "FlinkDeployment", "analytics",
		  "orders", "/spec/restartNonce", json_integer(7),
		  "kubectl-edit");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	s = step(p, "analytics", "FlinkDeployment", "orders");
	assert_true(fg_step_blocked(s));
	assert_int_equal(s->verdict.rule, FG_RULE_NONCE);
	assert_int_equal(f.applies, 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__broken_repo_config_touches_nothing(void **st)
{
	static const char *const allow[] = { "analytics", "gone" };
	struct fg_pass_opts o = { .allow_prune = allow,
				  .nallow_prune = 2,
				  .allow_delete = 1 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	cm("analytics", "a", "1");
	cm("gone", "b", "1");
	sync_repo(&f, NULL);
	drop("gone/b.yaml");
	rmdir("gone");
	put("flink-gitops.yaml", "apiVersion: flink-gitops.io/v1alpha1\n"
				 "kind: RepoConfig\nnoSuchField: 1\n");
	d = render();
	assert_true(d->config_failed);
	fake_reset_counts(&f);
	p = plan_then_sync(&f, d, &o);
	/* both namespaces in scope, both failed, nothing read or written */
	assert_int_equal(p->n, 2);
	assert_true(pns(p, "analytics")->failed);
	assert_true(pns(p, "gone")->failed);
	assert_int_equal(f.applies + f.deletes, 0);
	assert_int_equal(fake_count(&f, "list ConfigMap/gone"), 0);
	assert_non_null(fake_obj(&f, "", "ConfigMap", "gone", "b"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_folder_gone_is_pruned_only_when_allowed(void **st)
{
	static const char *const allow[] = { "gone" };
	struct fg_pass_opts o = { .allow_prune = allow, .nallow_prune = 1 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	char path[PATH_MAX * 2];

	(void)st;
	fake_init(&f);
	cm("analytics", "a", "1");
	cm("gone", "b", "1");
	sync_repo(&f, NULL);
	drop("gone/b.yaml");
	snprintf(path, sizeof(path), "%s/gone", root);
	rmdir(path);
	d = render();
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(pns(p, "gone")->verdict.rule, FG_RULE_EMPTY_NAMESPACE);
	assert_true(fg_step_blocked(step(p, "gone", "ConfigMap", "b")));
	assert_int_equal(p->blocked_ns, 1);
	assert_non_null(fake_obj(&f, "", "ConfigMap", "gone", "b"));
	fg_pass_free(p);

	p = plan_then_sync(&f, d, &o);
	assert_null(fake_obj(&f, "", "ConfigMap", "gone", "b"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__an_empty_repository_has_nothing_to_do(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	d = render();
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(p->n, 0);
	assert_int_equal(f.applies + f.deletes, 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__two_repositories_keep_to_their_own(void **st)
{
	struct fg_pass_opts a = { .repository = "team-a" };
	struct fg_pass_opts b = { .repository = "team-b", .allow_delete = 1 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	fake_init(&f);
	cm("analytics", "shared-name", "a");
	cm("analytics", "only-a", "a");
	sync_repo(&f, &a);

	/* repository B: another folder layout, one name in common */
	teardown(NULL);
	setup(NULL);
	cm("analytics", "shared-name", "b");
	cm("billing", "only-b", "b");
	d = render();
	p = plan_then_sync(&f, d, &b);
	s = step(p, "analytics", "ConfigMap", "shared-name");
	assert_true(fg_step_blocked(s));
	assert_int_equal(s->verdict.rule, FG_RULE_OWNED_ELSEWHERE);
	assert_non_null(strstr(s->verdict.reason, "repository 'team-a'"));
	/* A's object is A's; B prunes nothing of A's */
	assert_string_equal(
		fg_json_str(fg_json_get(fake_obj(&f, "", "ConfigMap",
						 "analytics", "shared-name"),
					"data"),
			    "value"),
		"a");
	assert_non_null(fake_obj(&f, "", "ConfigMap", "analytics", "only-a"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "billing", "only-b"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "analytics",
				 "flink-gitops-inventory.team-a"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "billing",
				 "flink-gitops-inventory.team-b"));
	fg_pass_free(p);
	fg_desired_free(d);

	/* B's repository emptied: only B's namespaces are in its scope */
	teardown(NULL);
	setup(NULL);
	d = render();
	p = plan(&f, d, &b);
	assert_int_equal(p->n, 1);
	assert_string_equal(p->v[0].name, "billing");
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__hpa_owned_replicas_are_no_change(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	put("analytics/orders.yaml",
	    "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\n"
	    "metadata:\n  name: orders\nspec:\n  image: flink:1.20\n"
	    "  flinkVersion: v1_20\n  serviceAccount: flink\n"
	    "  mode: standalone\n"
	    "  jobManager: {resource: {memory: 2048m, cpu: 1}}\n"
	    "  taskManager: {replicas: 2, resource: {memory: 2048m, cpu: 1}}\n"
	    "  job:\n    jarURI: local:///opt/flink/job.jar\n"
	    "    parallelism: 2\n    upgradeMode: stateless\n");
	sync_repo(&f, NULL);
	fake_put(&f,
		 json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s, s:s}}}",
			   "apiVersion", "autoscaling/v2", "kind",
			   "HorizontalPodAutoscaler", "metadata", "name",
			   "orders", "namespace", "analytics", "spec",
			   "scaleTargetRef", "kind", "FlinkDeployment", "name",
			   "orders"),
		 "kubectl");
	fake_edit(&f, "flink.apache.org", "FlinkDeployment", "analytics",
		  "orders", "/spec/taskManager/replicas", json_integer(5),
		  "horizontal-pod-autoscaler");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(
		step(p, "analytics", "FlinkDeployment", "orders")->action,
		FG_ACTION_NOOP);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_rename_is_a_create_and_a_delete(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	cm("analytics", "old-name", "v");
	sync_repo(&f, NULL);
	drop("analytics/old-name.yaml");
	cm("analytics", "new-name", "v");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(p->creates, 1);
	assert_int_equal(p->deletes, 1);
	assert_null(fake_obj(&f, "", "ConfigMap", "analytics", "old-name"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "analytics", "new-name"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* A job renamed in Git: a create that would start empty and the delete
 * of the job with state it replaces. Both held back by default. */
static void test_pass__a_renamed_job_is_held_as_a_move(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *c, *x;

	(void)st;
	job_gone_from_git(&f);
	app("analytics", "orders-v2", "flink:1.20", NULL);
	d = render();
	p = plan_then_sync(&f, d, NULL);
	c = step(p, "analytics", "FlinkDeployment", "orders-v2");
	x = step(p, "analytics", "FlinkDeployment", "orders");
	assert_true(fg_step_blocked(c));
	assert_int_equal(c->verdict.rule, FG_RULE_MOVE);
	assert_non_null(strstr(c->verdict.reason, "renamed from orders: "));
	assert_non_null(strstr(c->verdict.reason, "start from empty state"));
	assert_non_null(strstr(c->verdict.unblock, "move: savepoint"));
	assert_true(fg_step_blocked(x));
	assert_int_equal(x->verdict.rule, FG_RULE_MOVE);
	assert_non_null(strstr(x->verdict.reason, "renamed to orders-v2"));
	/* nothing written: the old job runs on, the new one is not made */
	assert_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
			     "analytics", "orders-v2"));
	assert_non_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
				 "analytics", "orders"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* move: savepoint to another namespace: the old job is suspended with a
 * savepoint, the new one starts from it, then the old one goes. */
static void test_pass__a_move_with_a_savepoint_carries_the_state(void **st)
{
	struct fg_pass_opts o = { .wait_ms = 10000, .poll_ms = 500 };
	struct suspender op = { 0, 2, NULL, NULL };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *c, *x;
	json_t *moved;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "k");
	cm("billing", "keep", "k");
	app("analytics", "orders", "flink:1.20", NULL);
	sync_repo(&f, NULL);
	running(&f, "analytics", "FlinkDeployment", "orders");
	drop("analytics/orders.yaml");
	app("billing", "orders", "flink:1.20",
	    "  annotations: {flink-gitops.io/policy: move=savepoint}\n");
	d = render();

	p = plan(&f, d, &o);
	c = step(p, "billing", "FlinkDeployment", "orders");
	x = step(p, "analytics", "FlinkDeployment", "orders");
	assert_false(fg_step_blocked(c));
	assert_false(fg_step_blocked(x));
	assert_string_equal(c->impact,
			    "moved from analytics/orders: suspends it with a "
			    "savepoint, starts from that savepoint "
			    "(initialSavepointPath), then deletes it");
	assert_string_equal(x->impact,
			    "moved to billing/orders: suspended with a "
			    "savepoint, deleted once the new job is created "
			    "from it");
	fg_pass_free(p);

	f.on_sleep = operator_suspends;
	f.on_sleep_arg = &op;
	p = sync_pass(&f, d, &o);
	c = step(p, "billing", "FlinkDeployment", "orders");
	x = step(p, "analytics", "FlinkDeployment", "orders");
	assert_int_equal(c->outcome, FG_OUTCOME_DONE);
	assert_string_equal(c->message, "created from savepoint "
					"s3://b/orders/sp/1 of "
					"analytics/orders");
	assert_int_equal(x->outcome, FG_OUTCOME_DONE);
	moved = fake_obj(&f, "flink.apache.org", "FlinkDeployment", "billing",
			 "orders");
	assert_non_null(moved);
	assert_string_equal(
		fg_json_str(fg_json_path(moved, "spec", "job", NULL),
			    "initialSavepointPath"),
		"s3://b/orders/sp/1");
	assert_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
			     "analytics", "orders"));
	assert_int_equal(fake_count(&f, "apply FlinkDeployment/analytics/"
					"orders force (as "
					"flink-gitops-suspend)"),
			 1);
	assert_int_equal(fake_count(&f, "apply FlinkDeployment/billing/orders "
					"force (as flink-gitops-move)"),
			 1);
	fg_pass_free(p);

	/* done: the next pass has nothing to do (the path Git does not set
	   is co-owned and stays; both inventories are right) */
	fake_reset_counts(&f);
	f.on_sleep = NULL;
	p = sync_pass(&f, d, &o);
	assert_int_equal(p->creates + p->updates + p->deletes, 0);
	assert_int_equal(f.applies + f.deletes, 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* move: allow: the new job starts empty; the old one is any delete. */
static void test_pass__a_move_allowed_to_start_empty(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *c, *x;
	json_t *made;

	(void)st;
	job_gone_from_git(&f);
	app("analytics", "orders-v2", "flink:1.20",
	    "  annotations: {flink-gitops.io/policy: move=allow}\n");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	c = step(p, "analytics", "FlinkDeployment", "orders-v2");
	x = step(p, "analytics", "FlinkDeployment", "orders");
	assert_int_equal(c->outcome, FG_OUTCOME_DONE);
	assert_string_equal(c->impact,
			    "creates it: renamed from orders: starts from "
			    "empty state (allowed by policy move: allow)");
	made = fake_obj(&f, "flink.apache.org", "FlinkDeployment", "analytics",
			"orders-v2");
	assert_non_null(made);
	assert_null(fg_json_str(fg_json_path(made, "spec", "job", NULL),
				"initialSavepointPath"));
	/* the old job runs: its delete is decided as any other */
	assert_true(fg_step_blocked(x));
	assert_int_equal(x->verdict.rule, FG_RULE_DELETE_RUNNING);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* Two jobs that run the same jar go; one comes: which one it replaces
 * is for Git to say. The annotation settles it. */
static void
test_pass__an_unclear_replacement_waits_for_the_annotation(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *c;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "k");
	app("analytics", "orders", "flink:1.20", NULL);
	app("analytics", "refunds", "flink:1.20", NULL);
	sync_repo(&f, NULL);
	running(&f, "analytics", "FlinkDeployment", "orders");
	running(&f, "analytics", "FlinkDeployment", "refunds");
	drop("analytics/orders.yaml");
	drop("analytics/refunds.yaml");
	app("analytics", "payments", "flink:1.20", NULL);
	d = render();
	p = plan(&f, d, NULL);
	c = step(p, "analytics", "FlinkDeployment", "payments");
	assert_true(fg_step_blocked(c));
	assert_int_equal(c->verdict.rule, FG_RULE_MOVE);
	assert_non_null(strstr(c->verdict.reason,
			       "analytics/orders or analytics/refunds"));
	assert_non_null(
		strstr(c->verdict.unblock, "flink-gitops.io/moved-from"));
	fg_pass_free(p);
	fg_desired_free(d);

	app("analytics", "payments", "flink:1.20",
	    "  annotations: {flink-gitops.io/moved-from: refunds}\n");
	d = render();
	p = plan(&f, d, NULL);
	c = step(p, "analytics", "FlinkDeployment", "payments");
	assert_non_null(strstr(c->verdict.reason, "renamed from refunds"));
	assert_string_equal(
		step(p, "analytics", "FlinkDeployment", "refunds")->impact,
		"BLOCKED: renamed to payments: a delete and a create; the new "
		"job would start from empty state, and the state of this one "
		"stays behind");
	/* the other is an ordinary delete of a running job */
	assert_int_equal(
		step(p, "analytics", "FlinkDeployment", "orders")->verdict.rule,
		FG_RULE_DELETE_RUNNING);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* A job that FAILED has no savepoint to take: move: savepoint cannot. */
static void test_pass__a_failed_job_cannot_move_with_a_savepoint(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *c;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "k");
	app("analytics", "orders", "flink:1.20", NULL);
	sync_repo(&f, NULL);
	fake_reconciled(&f, "analytics", "FlinkDeployment", "orders", "FAILED",
			"FAILED", NULL);
	drop("analytics/orders.yaml");
	app("analytics", "orders-v2", "flink:1.20",
	    "  annotations: {flink-gitops.io/policy: move=savepoint}\n");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	c = step(p, "analytics", "FlinkDeployment", "orders-v2");
	assert_true(fg_step_blocked(c));
	assert_non_null(strstr(c->verdict.reason,
			       "no savepoint can be taken of a job that does "
			       "not run"));
	assert_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
			     "analytics", "orders-v2"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* The old job already holds its state in a savepoint: the new one starts
 * from it, and nothing is suspended. Git setting initialSavepointPath
 * itself is no move at all. */
static void test_pass__a_suspended_job_moves_from_its_savepoint(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *c;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "k");
	app("analytics", "orders", "flink:1.20", NULL);
	sync_repo(&f, NULL);
	fake_reconciled(&f, "analytics", "FlinkDeployment", "orders", "STABLE",
			"RUNNING", NULL);
	/* the operator suspended it with a savepoint, as Git asked */
	json_object_set_new(
		fg_json_mut(fg_json_path(fake_obj(&f, "flink.apache.org",
						  "FlinkDeployment",
						  "analytics", "orders"),
					 "spec", "job", NULL)),
		"state", json_string("suspended"));
	fake_reconciled(&f, "analytics", "FlinkDeployment", "orders",
			"SUSPENDED", "FINISHED", "s3://b/orders/sp/7");
	drop("analytics/orders.yaml");
	app("analytics", "orders-v2", "flink:1.20",
	    "  annotations: {flink-gitops.io/policy: move=savepoint}\n");
	d = render();
	p = plan(&f, d, NULL);
	c = step(p, "analytics", "FlinkDeployment", "orders-v2");
	assert_string_equal(c->impact,
			    "renamed from orders: starts from its savepoint "
			    "s3://b/orders/sp/7, then deletes it");
	fg_pass_free(p);
	fake_reset_counts(&f);
	p = sync_pass(&f, d, NULL);
	assert_int_equal(
		step(p, "analytics", "FlinkDeployment", "orders-v2")->outcome,
		FG_OUTCOME_DONE);
	assert_int_equal(fake_count(&f, "as flink-gitops-suspend"), 0);
	assert_null(fake_obj(&f, "flink.apache.org", "FlinkDeployment",
			     "analytics", "orders"));
	fg_pass_free(p);
	fg_desired_free(d);

	/* Git names the savepoint itself: an ordinary create */
	fake_release(&f);
	fake_init(&f);
	drop("analytics/orders-v2.yaml");
	app("analytics", "orders", "flink:1.20", NULL);
	sync_repo(&f, NULL);
	running(&f, "analytics", "FlinkDeployment", "orders");
	drop("analytics/orders.yaml");
	put("analytics/orders-v2.yaml",
	    "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\n"
	    "metadata:\n  name: orders-v2\nspec:\n  image: flink:1.20\n"
	    "  flinkVersion: v1_20\n  serviceAccount: flink\n"
	    "  flinkConfiguration:\n"
	    "    state.checkpoints.dir: s3://b/cp\n"
	    "    state.savepoints.dir: s3://b/sp\n"
	    "  jobManager: {resource: {memory: 2048m, cpu: 1}}\n"
	    "  taskManager: {resource: {memory: 2048m, cpu: 1}}\n"
	    "  job:\n"
	    "    jarURI: local:///opt/flink/job.jar\n"
	    "    parallelism: 2\n"
	    "    upgradeMode: savepoint\n"
	    "    initialSavepointPath: s3://b/orders/sp/9\n");
	d = render();
	p = plan(&f, d, NULL);
	c = step(p, "analytics", "FlinkDeployment", "orders-v2");
	assert_false(fg_step_blocked(c));
	assert_null(c->move_peer);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_namespace_that_cannot_be_read_is_left(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	cm("analytics", "a", "1");
	cm("billing", "b", "1");
	fake_fail_list(&f, "ConfigMap", "analytics", "connection reset");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	assert_non_null(strstr(pns(p, "analytics")->error, "connection reset"));
	assert_null(fake_obj(&f, "", "ConfigMap", "analytics", "a"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "billing", "b"));
	assert_int_equal(p->failed_ns, 1);
	assert_int_equal(p->synced_ns, 1);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_failed_write_keeps_the_inventory_entry(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const char *members;

	(void)st;
	fake_init(&f);
	cm("analytics", "a", "1");
	cm("analytics", "b", "1");
	sync_repo(&f, NULL);
	cm("analytics", "a", "2");
	fake_fail_apply(&f, "ConfigMap", "a", "admission webhook said no");
	d = render();
	p = sync_pass(&f, d, NULL);
	assert_int_equal(step(p, "analytics", "ConfigMap", "a")->outcome,
			 FG_OUTCOME_FAILED);
	assert_int_equal(p->failed, 1);
	members = fg_json_str(
		fg_json_get(fake_obj(&f, "", "ConfigMap", "analytics",
				     "flink-gitops-inventory"),
			    "data"),
		"members");
	assert_non_null(strstr(members, "\"name\":\"a\""));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* A write that fails is said as failed, never as done: the namespace is
 * partly synced, not synced. */
static void
test_pass__a_failed_write_leaves_the_namespace_partly_synced(void **st)
{
	struct fake_cluster f;
	struct fg_buf text = FG_BUF_INIT;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	cm("analytics", "a", "1");
	cm("analytics", "b", "1");
	cm("billing", "c", "1");
	fake_fail_apply(&f, "ConfigMap", "a", "connection reset by peer");
	d = render();
	p = sync_pass(&f, d, NULL);
	assert_int_equal(p->creates, 2);
	assert_int_equal(p->failed, 1);
	assert_int_equal(p->synced_ns, 1);
	assert_int_equal(p->partial_ns, 1);
	assert_int_equal(fg_report_sync_text(p, 0, &text), 0);
	assert_non_null(strstr(text.ptr, "analytics ConfigMap/a: create "
					 "failed: connection reset by peer"));
	assert_non_null(strstr(text.ptr, "analytics: partly synced: 1 of 2 "
					 "changes not made (above)"));
	assert_non_null(strstr(text.ptr, "1 namespace synced, 1 partly "
					 "synced, 0 blocked, 0 failed: 2 "
					 "created, 0 updated, 0 deleted, 0 "
					 "unchanged, 0 blocked, 1 failed"));
	fg_buf_release(&text);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* An object is in the inventory before it is first applied: a run that
 * dies in between leaves nothing that prune cannot find. */
static void test_pass__a_new_object_is_recorded_before_it_is_applied(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const char *log, *inv, *members;

	(void)st;
	fake_init(&f);
	cm("analytics", "old", "1");
	sync_repo(&f, NULL);
	fake_reset_counts(&f);
	cm("analytics", "new", "1");
	cm("analytics", "old", "2");
	d = render();
	p = sync_pass(&f, d, NULL);
	log = f.log.ptr;
	inv = strstr(log, "apply ConfigMap/analytics/flink-gitops-inventory");
	assert_non_null(inv);
	assert_true(inv < strstr(log, "apply ConfigMap/analytics/new"));
	assert_true(inv < strstr(log, "apply ConfigMap/analytics/old"));
	/* then once more, with the new object's uid */
	assert_int_equal(fake_count(&f, "apply ConfigMap/analytics/"
					"flink-gitops-inventory"),
			 2);
	assert_int_equal(p->writes, 4);
	members = fg_json_str(
		fg_json_get(fake_obj(&f, "", "ConfigMap", "analytics",
				     "flink-gitops-inventory"),
			    "data"),
		"members");
	assert_non_null(strstr(members, "\"name\":\"new\",\"uid\":\"uid-"));
	fg_pass_free(p);

	/* an update of what the inventory records needs no record first */
	fake_reset_counts(&f);
	fg_desired_free(d);
	cm("analytics", "old", "3");
	d = render();
	p = sync_pass(&f, d, NULL);
	assert_int_equal(fake_count(&f, "apply ConfigMap/analytics/"
					"flink-gitops-inventory"),
			 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* Apply ConfigMap analytics/NAME with its answer lost: the pass says it
 * failed, and the inventory keeps it as meant, with no uid. */
static void apply_answer_lost(struct fake_cluster *f, const char *name)
{
	struct fg_buf want = FG_BUF_INIT;
	struct fg_desired *d;
	struct fg_pass *p;

	fake_fail_apply(f, "ConfigMap", name, "no answer within 30.0 s");
	d = render();
	p = sync_pass(f, d, NULL);
	assert_int_equal(step(p, "analytics", "ConfigMap", name)->outcome,
			 FG_OUTCOME_FAILED);
	fg_pass_free(p);
	fg_desired_free(d);
	fg_buf_printf(&want, "\"name\":\"%s\",\"uid\":\"\"", name);
	assert_non_null(strstr(
		fg_json_str(
			fg_json_get(fake_obj(f, "", "ConfigMap", "analytics",
					     "flink-gitops-inventory"),
				    "data"),
			"members"),
		want.ptr));
	fg_buf_release(&want);
}

/* The server had made analytics/NAME after all, labelled as the apply
 * sent it; once Git drops it, sync prunes it and the inventory forgets
 * it. */
static void made_anyway_then_pruned(struct fake_cluster *f, const char *name)
{
	struct fg_buf file = FG_BUF_INIT;
	struct fg_desired *d;
	struct fg_pass *p;
	json_t *inv, *made;
	const char *id;

	inv = fake_obj(f, "", "ConfigMap", "analytics",
		       "flink-gitops-inventory");
	id = fg_json_str(fg_json_path(inv, "metadata", "labels", NULL),
			 "applyset.kubernetes.io/id");
	made = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}}", "apiVersion",
			 "v1", "kind", "ConfigMap", "metadata", "name", name,
			 "namespace", "analytics", "labels",
			 "app.kubernetes.io/managed-by", "flink-gitops",
			 "applyset.kubernetes.io/part-of", id);
	fake_put(f, made, "flink-gitops");
	json_object_clear(f->fail);
	fg_buf_printf(&file, "analytics/%s.yaml", name);
	drop(file.ptr);
	fg_buf_release(&file);
	d = render();
	p = sync_pass(f, d, NULL);
	assert_null(fake_obj(f, "", "ConfigMap", "analytics", name));
	assert_int_equal(p->deletes, 1);
	assert_null(strstr(fg_json_str(fg_json_get(fake_obj(f, "", "ConfigMap",
							    "analytics",
							    "flink-gitops-"
							    "inventory"),
						   "data"),
				       "members"),
			   name));
	fg_pass_free(p);
	fg_desired_free(d);
}

/* An apply that failed may still have been made (the answer was lost):
 * its object stays in the inventory, and goes when Git drops it. */
static void test_pass__an_object_a_lost_answer_made_is_pruned_later(void **st)
{
	struct fake_cluster f;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "1");
	sync_repo(&f, NULL);
	cm("analytics", "lost", "1");
	apply_answer_lost(&f, "lost");
	made_anyway_then_pruned(&f, "lost");
	fake_release(&f);
}

/* An object the inventory records that is gone (deleted by hand, or by
 * a run killed before its inventory write) is recorded anew, without its
 * old uid, before it is made again: kept, the old uid would make the new
 * object a stranger that prune never removes. */
static void test_pass__a_gone_member_is_recorded_anew_first(void **st)
{
	struct fake_cluster f;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "1");
	cm("analytics", "again", "1");
	sync_repo(&f, NULL);
	assert_non_null(strstr(
		fg_json_str(
			fg_json_get(fake_obj(&f, "", "ConfigMap", "analytics",
					     "flink-gitops-inventory"),
				    "data"),
			"members"),
		"\"name\":\"again\",\"uid\":\"uid-"));
	json_object_del(f.objs, "/ConfigMap/analytics/again");
	/* made again, its answer lost (as when the run is killed) */
	apply_answer_lost(&f, "again");
	made_anyway_then_pruned(&f, "again");
	fake_release(&f);
}

/* The plan and sync text of a pass, into `out`. */
static void texts(const struct fg_pass *p, struct fg_buf *plan_text,
		  struct fg_buf *sync_text)
{
	fg_buf_clear(plan_text);
	fg_buf_clear(sync_text);
	assert_int_equal(fg_plan_text(p, plan_text), 0);
	assert_int_equal(fg_report_sync_text(p, 0, sync_text), 0);
}

static size_t occurrences(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

static void test_pass__a_missing_namespace_is_said_once_not_created(void **st)
{
	static const char *const exist[] = { "billing", NULL };
	struct fg_buf pt = FG_BUF_INIT, stext = FG_BUF_INIT;
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	fake_namespaces(&f, exist);
	cm("analytics", "a", "1");
	cm("analytics", "b", "1");
	cm("billing", "c", "1");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	texts(p, &pt, &stext);
	/* one line for the namespace, none per object */
	assert_int_equal(occurrences(pt.ptr, "analytics does not exist"), 1);
	assert_non_null(strstr(pt.ptr, "(2 objects held back)"));
	assert_null(strstr(pt.ptr, "ConfigMap/a"));
	assert_int_equal(occurrences(stext.ptr, "analytics:"), 1);
	assert_null(strstr(stext.ptr, "ConfigMap/a"));
	assert_non_null(strstr(stext.ptr,
			       "analytics: not synced: namespace analytics "
			       "does not exist; 2 objects not created (to "
			       "allow: policy createNamespace: true"));
	/* nothing written there; the other namespace goes ahead */
	assert_null(fake_obj(&f, "", "ConfigMap", "analytics", "a"));
	assert_int_equal(fake_count(&f, "apply Namespace"), 0);
	assert_non_null(fake_obj(&f, "", "ConfigMap", "billing", "c"));
	assert_int_equal(p->blocked_ns, 1);
	assert_int_equal(p->synced_ns, 1);
	fg_pass_free(p);
	fg_desired_free(d);
	fg_buf_release(&pt);
	fg_buf_release(&stext);
	fake_release(&f);
}

/*
 * An agent confined to namespaces (sync.namespaces) sends only what a
 * namespaced Role there allows: LISTs in those namespaces, the
 * operator's configuration by name in its own, no LIST of namespaces or
 * across them; a namespace of Git outside is neither read nor written.
 */
static void test_pass__confined_to_namespaces_reads_only_them(void **st)
{
	static const char *const within[] = { "analytics", "billing" };
	struct fg_pass_opts o = { .within = within, .nwithin = 2 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	(void)st;
	fake_init(&f);
	fake_put(&f,
		 json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s}}", "apiVersion", "v1",
			   "kind", "ConfigMap", "metadata", "name",
			   "flink-operator-config", "namespace",
			   "flink-operator", "data", "config.yaml",
			   "execution.checkpointing.interval: 10s\n"),
		 "helm");
	cm("analytics", "a", "1");
	cm("billing", "b", "1");
	cm("streaming", "c", "1");
	d = render();
	p = plan_then_sync(&f, d, &o);
	assert_non_null(pns(p, "analytics"));
	assert_non_null(pns(p, "billing"));
	assert_null(pns(p, "streaming"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "billing", "b"));
	assert_null(fake_obj(&f, "", "ConfigMap", "streaming", "c"));
	/* no LIST of namespaces, none across them, nothing outside */
	assert_int_equal(fake_count(&f, "list Namespace/"), 0);
	assert_int_equal(fake_count(&f, "list ConfigMap/"), 0);
	assert_null(strstr(f.log.ptr, "/streaming"));
	/* without operator_ns the operator's configuration is not read */
	assert_false(p->env.operator_conf_known);
	fg_pass_free(p);

	/* with it, the one ConfigMap by name in its namespace */
	o.operator_ns = "flink-operator";
	fake_reset_counts(&f);
	p = plan(&f, d, &o);
	assert_int_equal(
		fake_count(
			&f,
			"list ConfigMap/flink-operator/flink-operator-config"),
		1);
	assert_true(p->env.operator_conf_known);
	assert_string_equal(p->operator_conf_source,
			    "ConfigMap flink-operator/flink-operator-config");
	fg_pass_free(p);

	/* a folder gone from Git is still pruned: its inventory is found
	   by a LIST in each namespace */
	drop("billing/b.yaml");
	fg_desired_free(d);
	d = render();
	o.operator_ns = NULL;
	o.allow_prune = within + 1;
	o.nallow_prune = 1;
	fake_reset_counts(&f);
	p = sync_pass(&f, d, &o);
	assert_null(fake_obj(&f, "", "ConfigMap", "billing", "b"));
	assert_int_equal(fake_count(&f, "list Namespace/"), 0);
	assert_int_equal(fake_count(&f, "list ConfigMap/"), 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__create_namespace_creates_it_first(void **st)
{
	static const char *const none[] = { NULL };
	struct fg_pass_opts once = { .create_namespace = 1 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const char *log;

	(void)st;
	fake_init(&f);
	fake_namespaces(&f, none);
	cm("analytics", "a", "1");
	d = render();
	/* for one run */
	p = plan_then_sync(&f, d, &once);
	log = f.log.ptr;
	assert_non_null(strstr(log, "apply Namespace//analytics"));
	assert_true(strstr(log, "apply Namespace//analytics") <
		    strstr(log, "apply ConfigMap/analytics/a"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "analytics", "a"));
	assert_int_equal(p->creates, 2);
	fg_pass_free(p);
	fg_desired_free(d);

	/* or by policy, in Git */
	fake_namespaces(&f, none);
	put("flink-gitops.yaml", "apiVersion: flink-gitops.io/v1alpha1\n"
				 "kind: RepoConfig\n"
				 "policy: {createNamespace: true}\n");
	cm("billing", "b", "1");
	d = render();
	fake_reset_counts(&f);
	p = plan_then_sync(&f, d, NULL);
	assert_non_null(
		strstr(step(p, "billing", "Namespace", "billing")->impact,
		       "policy createNamespace"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "billing", "b"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_session_job_without_its_cluster_is_held(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	fake_init(&f);
	session_job("analytics", "etl", "shared");
	cm("analytics", "settings", "a");
	d = render();
	/* neither Git nor the cluster has the session cluster */
	p = plan_then_sync(&f, d, NULL);
	s = step(p, "analytics", "FlinkSessionJob", "etl");
	assert_true(fg_step_blocked(s));
	assert_int_equal(s->verdict.rule, FG_RULE_NO_SESSION_CLUSTER);
	assert_string_equal(s->verdict.reason,
			    "its session cluster FlinkDeployment "
			    "analytics/shared is neither in the repository nor "
			    "in the cluster");
	assert_null(fake_obj(&f, "flink.apache.org", "FlinkSessionJob",
			     "analytics", "etl"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "analytics", "settings"));
	fg_pass_free(p);
	/* managed elsewhere: the cluster has it, the job goes ahead */
	fake_put(&f,
		 json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion",
			   "flink.apache.org/v1beta1", "kind",
			   "FlinkDeployment", "metadata", "name", "shared",
			   "namespace", "analytics", "spec", "image",
			   "flink:1.20"),
		 "platform-team");
	p = plan_then_sync(&f, d, NULL);
	assert_false(fg_step_blocked(
		step(p, "analytics", "FlinkSessionJob", "etl")));
	assert_non_null(fake_obj(&f, "flink.apache.org", "FlinkSessionJob",
				 "analytics", "etl"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_job_that_never_ran_is_removed_unasked(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	fake_init(&f);
	session("analytics", "shared");
	session_job("analytics", "etl", "shared");
	session_job("analytics", "ran", "shared");
	sync_repo(&f, NULL);
	/* the operator deployed one of them; the other never ran */
	running(&f, "analytics", "FlinkSessionJob", "ran");
	drop("analytics/etl.yaml");
	drop("analytics/ran.yaml");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	s = step(p, "analytics", "FlinkSessionJob", "etl");
	assert_false(fg_step_blocked(s));
	assert_string_equal(s->impact, "deletes it (the operator never "
				       "deployed it: no job ran)");
	assert_null(fake_obj(&f, "flink.apache.org", "FlinkSessionJob",
			     "analytics", "etl"));
	s = step(p, "analytics", "FlinkSessionJob", "ran");
	assert_true(fg_step_blocked(s));
	assert_int_equal(s->verdict.rule, FG_RULE_DELETE_RUNNING);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__our_own_bookkeeping_is_no_drift(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	fake_init(&f);
	cm("analytics", "settings", "a");
	d = render();
	sync_repo(&f, NULL);
	/* the desired-hash annotation no longer matches (someone rewrote
	   it, or an older flink-gitops wrote another form): no field
	   differs */
	fake_edit(&f, "", "ConfigMap", "analytics", "settings",
		  "/metadata/annotations/flink-gitops.io~1desired-hash",
		  json_string("bogus"), "kubectl-annotate");
	p = plan(&f, d, NULL);
	s = step(p, "analytics", "ConfigMap", "settings");
	assert_int_equal(s->why, FG_WHY_BOOKKEEPING);
	assert_null(fg_drift_state(s));
	assert_int_equal(p->drifted, 0);
	fg_pass_free(p);
	/* sync takes its annotation back, though another manager owns it */
	p = sync_pass(&f, d, NULL);
	s = step(p, "analytics", "ConfigMap", "settings");
	assert_int_equal(s->outcome, FG_OUTCOME_DONE);
	assert_string_equal(fg_annotation(fake_obj(&f, "", "ConfigMap",
						   "analytics", "settings"),
					  "flink-gitops.io/desired-hash"),
			    s->desired->hash);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* The operator, after `after` sleeps: the given status on every object
 * named in `names`, for the generation written. */
struct settler {
	int sleeps, after;
	const char *const *names;
	const char *state; /* "STABLE" or "FAILED" */
};

static void operator_settles(struct fake_cluster *f, void *arg)
{
	struct settler *op = arg;

	if (++op->sleeps != op->after)
		return;
	for (const char *const *n = op->names; *n; n++) {
		json_t *o = fake_obj(f, "flink.apache.org", "FlinkDeployment",
				     "analytics", *n);

		running(f, "analytics", "FlinkDeployment", *n);
		o = fake_obj(f, "flink.apache.org", "FlinkDeployment",
			     "analytics", *n);
		json_object_set_new(json_object_get(o, "status"),
				    "lifecycleState", json_string(op->state));
		if (!strcmp(op->state, "FAILED"))
			json_object_set_new(
				json_object_get(o, "status"), "error",
				json_string("{\"message\":\"Could not create "
					    "Kubernetes cluster\"}"));
	}
}

static void test_pass__sync_waits_until_healthy_on_the_clock(void **st)
{
	static const char *const names[] = { "orders", NULL };
	struct fg_pass_opts o = { .poll_ms = 1000 };
	struct settler op = { 0, 5, names, "STABLE" };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "k");
	app("analytics", "orders", "flink:1.20", NULL);
	d = render();
	f.on_sleep = operator_settles;
	f.on_sleep_arg = &op;
	p = sync_pass(&f, d, &o);
	assert_int_equal(fg_pass_wait(p, &f.ports, 60000, NULL, NULL), 0);
	s = step(p, "analytics", "FlinkDeployment", "orders");
	assert_int_equal(s->waited, FG_WAIT_HEALTHY);
	assert_int_equal(s->wait_ms, 5000);
	/* a ConfigMap is not waited for */
	assert_int_equal(step(p, "analytics", "ConfigMap", "keep")->waited,
			 FG_WAIT_NONE);
	assert_int_equal(p->wait_healthy, 1);
	assert_int_equal(p->wait_timeout + p->wait_degraded, 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__sync_wait_ends_degraded_or_at_the_bound(void **st)
{
	static const char *const names[] = { "orders", NULL };
	struct fg_pass_opts o = { .poll_ms = 1000 };
	struct settler op = { 0, 2, names, "FAILED" };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;
	long long t0;

	(void)st;
	fake_init(&f);
	app("analytics", "orders", "flink:1.20", NULL);
	d = render();
	f.on_sleep = operator_settles;
	f.on_sleep_arg = &op;
	p = sync_pass(&f, d, &o);
	assert_int_equal(fg_pass_wait(p, &f.ports, 60000, NULL, NULL), 0);
	s = step(p, "analytics", "FlinkDeployment", "orders");
	assert_int_equal(s->waited, FG_WAIT_DEGRADED);
	assert_non_null(strstr(s->wait_health.message,
			       "Could not create Kubernetes cluster"));
	assert_int_equal(p->wait_degraded, 1);
	fg_pass_free(p);

	/* no operator at all: the bound passes, on the fake clock */
	app("analytics", "other", "flink:2.0", NULL);
	fg_desired_free(d);
	d = render();
	f.on_sleep = NULL;
	p = sync_pass(&f, d, &o);
	t0 = f.now;
	assert_int_equal(fg_pass_wait(p, &f.ports, 10000, NULL, NULL), 0);
	assert_int_equal(f.now - t0, 10000);
	assert_int_equal(
		step(p, "analytics", "FlinkDeployment", "other")->waited,
		FG_WAIT_TIMEOUT);
	assert_int_equal(p->wait_timeout, 1);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__no_prune_applies_and_deletes_nothing(void **st)
{
	struct fg_pass_opts keep = { .no_prune = 1 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	cm("analytics", "a", "1");
	cm("analytics", "old", "1");
	sync_repo(&f, NULL);
	drop("analytics/old.yaml");
	cm("analytics", "a", "2");
	d = render();
	p = plan_then_sync(&f, d, &keep);
	assert_int_equal(p->updates, 1);
	assert_int_equal(p->deletes, 0);
	assert_non_null(fake_obj(&f, "", "ConfigMap", "analytics", "old"));
	assert_string_equal(step(p, "analytics", "ConfigMap", "old")->note,
			    "not pruned (--no-prune)");
	fg_pass_free(p);
	/* still ours: a sync without it prunes */
	p = plan_then_sync(&f, d, NULL);
	assert_null(fake_obj(&f, "", "ConfigMap", "analytics", "old"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* The plan as a file holds it (dumped and read back). */
static json_t *saved_of(const struct fg_pass *p)
{
	json_t *src = json_pack("{s:s}", "dir", root), *doc = NULL, *back;
	char *text;

	assert_int_equal(fg_saved_plan_new(&doc, p, src, NULL), 0);
	text = json_dumps(doc, JSON_SORT_KEYS);
	back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	assert_int_equal(fg_saved_plan_valid(back), 0);
	free(text);
	json_decref(doc);
	json_decref(src);
	return back;
}

static void test_pass__a_saved_plan_runs_only_as_it_was_made(void **st)
{
	struct fg_buf why = FG_BUF_INIT;
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	json_t *saved;

	(void)st;
	fake_init(&f);
	cm("analytics", "settings", "a");
	app("analytics", "orders", "flink:1.20", NULL);
	sync_repo(&f, NULL);
	cm("analytics", "settings", "b");
	d = render();
	p = plan(&f, d, NULL);
	saved = saved_of(p);
	fg_pass_free(p);

	/* the operator wrote a status meanwhile: no decision changed */
	running(&f, "analytics", "FlinkDeployment", "orders");
	p = plan(&f, d, NULL);
	assert_int_equal(fg_saved_plan_check(saved, p, NULL, &why), 0);
	assert_string_equal(why.ptr, "");
	fg_pass_free(p);

	/* someone changed what the plan was about: refused, and said why */
	fake_edit(&f, "", "ConfigMap", "analytics", "settings", "/data/value",
		  json_string("edited"), "kubectl-edit");
	p = plan(&f, d, NULL);
	assert_int_equal(fg_saved_plan_check(saved, p, NULL, &why),
			 FG_ECONFLICT);
	assert_non_null(strstr(why.ptr, "analytics ConfigMap/settings: "
					"data.value was \"a\" -> \"b\" in the "
					"plan, now \"edited\" -> \"b\""));
	fg_pass_free(p);
	fg_desired_free(d);

	/* Git moved: another render than the one planned */
	fg_buf_clear(&why);
	cm("analytics", "settings", "c");
	d = render();
	p = plan(&f, d, NULL);
	assert_int_equal(fg_saved_plan_check(saved, p, NULL, &why),
			 FG_ECONFLICT);
	assert_non_null(strstr(why.ptr, "the repository changed since the "
					"plan"));
	fg_pass_free(p);
	fg_desired_free(d);
	json_decref(saved);
	fg_buf_release(&why);
	fake_release(&f);
}

/* A Secret's values are decided on, and never shown: plan, sync and
 * drift print markers that compare equal exactly when the values do. */
static void test_pass__secret_values_never_reach_the_output(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	struct fg_buf out = FG_BUF_INIT;
	json_t *j = NULL;
	char *dump;

	(void)st;
	fake_init(&f);
	put("flink-gitops.yaml", "apiVersion: flink-gitops.io/v1alpha1\n"
				 "kind: RepoConfig\nallowPlainSecrets: true\n");
	put("analytics/s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n"
				"  name: creds\nstringData:\n"
				"  password: hunter2-old\n");
	sync_repo(&f, NULL);
	put("analytics/s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n"
				"  name: creds\nstringData:\n"
				"  password: hunter2-new\n");
	fake_edit(&f, "", "Secret", "analytics", "creds", "/data/other",
		  json_string("aHVudGVyMi1lZGl0"), "kubectl-edit");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(step(p, "analytics", "Secret", "creds")->action,
			 FG_ACTION_UPDATE);
	assert_int_equal(fg_plan_text(p, &out), 0);
	assert_int_equal(fg_report_sync_text(p, 0, &out), 0);
	assert_int_equal(fg_report_drift_text(p, 0, &out), 0);
	assert_int_equal(fg_plan_markdown(p, &out), 0);
	assert_int_equal(fg_plan_json(p, &j), 0);
	dump = json_dumps(j, 0);
	fg_buf_puts(&out, dump);
	free(dump);
	json_decref(j);
	assert_non_null(strstr(out.ptr, "<redacted hmac-sha256:"));
	assert_null(strstr(out.ptr, "hunter2"));
	/* base64 of the values, as the cluster stores them */
	assert_null(strstr(out.ptr, "aHVudGVyMi1uZXc"));
	assert_null(strstr(out.ptr, "aHVudGVyMi1vbGQ"));
	fg_buf_release(&out);
	fg_pass_free(p);
	fg_desired_free(d);

	/* the values as stored are what Git says: nothing to do */
	d = render();
	fake_reset_counts(&f);
	p = plan_then_sync(&f, d, NULL);
	assert_int_equal(f.applies, 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_reserved_name_or_a_bad_annotation_is_held(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const struct fg_step *s;

	(void)st;
	fake_init(&f);
	cm("analytics", "flink-gitops-inventory.mine", "x");
	put("analytics/b.yaml",
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"
	    "  annotations: {flink-gitops.io/policy: \"delete=sometimes\"}\n"
	    "data: {k: v}\n");
	cm("analytics", "c", "1");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	s = step(p, "analytics", "ConfigMap", "flink-gitops-inventory.mine");
	assert_int_equal(s->verdict.rule, FG_RULE_RESERVED);
	s = step(p, "analytics", "ConfigMap", "b");
	assert_int_equal(s->verdict.rule, FG_RULE_BAD_POLICY);
	assert_non_null(strstr(s->verdict.reason, "delete=sometimes"));
	/* the rest goes ahead */
	assert_int_equal(step(p, "analytics", "ConfigMap", "c")->outcome,
			 FG_OUTCOME_DONE);
	assert_int_equal(p->blocked, 2);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__only_the_inventory_is_ever_pruned(void **st)
{
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	json_t *stranger, *o;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "1");
	cm("analytics", "replaced", "1");
	cm("analytics", "gone", "1");
	sync_repo(&f, NULL);
	/* someone else's object that copies our labels */
	stranger = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}}", "apiVersion",
			     "v1", "kind", "ConfigMap", "metadata", "name",
			     "stranger", "namespace", "analytics", "labels",
			     "app.kubernetes.io/managed-by", "flink-gitops");
	fake_put(&f, stranger, "kubectl");
	/* ours, deleted and created again by someone: another uid */
	o = json_deep_copy(
		fake_obj(&f, "", "ConfigMap", "analytics", "replaced"));
	json_object_del(json_object_get(o, "metadata"), "managedFields");
	fake_put(&f, o, "kubectl");
	drop("analytics/replaced.yaml");
	drop("analytics/gone.yaml");
	d = render();
	p = plan_then_sync(&f, d, NULL);
	assert_null(fake_obj(&f, "", "ConfigMap", "analytics", "gone"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "analytics", "stranger"));
	assert_non_null(fake_obj(&f, "", "ConfigMap", "analytics", "replaced"));
	assert_non_null(
		strstr(step(p, "analytics", "ConfigMap", "replaced")->note,
		       "uid differs"));
	assert_int_equal(p->deletes, 1);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

static void test_pass__a_dry_run_writes_nothing_that_persists(void **st)
{
	struct fg_pass_opts o = { .dry_run = 1, .allow_delete = 1 };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;

	(void)st;
	fake_init(&f);
	cm("analytics", "a", "1");
	cm("analytics", "b", "1");
	sync_repo(&f, NULL);
	cm("analytics", "a", "2");
	drop("analytics/b.yaml");
	cm("analytics", "c", "1");
	d = render();
	fake_reset_counts(&f);
	p = sync_pass(&f, d, &o);
	assert_int_equal(p->creates + p->updates + p->deletes, 3);
	assert_int_equal(f.applies + f.deletes, 0); /* all dryRun=All */
	assert_true(f.dry_runs >= 2);
	assert_string_equal(
		fg_json_str(fg_json_get(fake_obj(&f, "", "ConfigMap",
						 "analytics", "a"),
					"data"),
			    "value"),
		"1");
	assert_non_null(fake_obj(&f, "", "ConfigMap", "analytics", "b"));
	assert_null(fake_obj(&f, "", "ConfigMap", "analytics", "c"));
	assert_int_equal(fake_count(&f, "apply ConfigMap/analytics/"
					"flink-gitops-inventory"),
			 0);
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

/* A parallel port that runs the items backwards: the writes of one rank
 * do not depend on their order, and ranks still go in order. */
static void backwards(void *ctx, size_t n, size_t width,
		      void (*fn)(void *arg, size_t i), void *arg)
{
	(void)ctx;
	(void)width;
	while (n--)
		fn(arg, n);
}

static void test_pass__a_rank_at_once_in_any_order(void **st)
{
	struct fg_parallel_port par = { NULL, backwards };
	struct fake_cluster f;
	struct fg_desired *d;
	struct fg_pass *p;
	const char *log;

	(void)st;
	fake_init(&f);
	f.ports.parallel = &par;
	cm("analytics", "a", "1");
	cm("analytics", "b", "1");
	app("analytics", "orders", "flink:1.20", NULL);
	app("analytics", "payments", "flink:1.20", NULL);
	cm("billing", "c", "1");
	d = render();
	p = sync_pass(&f, d, NULL);
	assert_int_equal(p->creates, 5);
	log = f.log.ptr;
	/* within a rank, any order; ConfigMaps before FlinkDeployments */
	assert_true(strstr(log, "apply ConfigMap/analytics/b") <
		    strstr(log, "apply ConfigMap/analytics/a"));
	assert_true(strstr(log, "apply ConfigMap/analytics/a") <
		    strstr(log, "apply FlinkDeployment/analytics/"));
	fg_pass_free(p);
	fg_desired_free(d);
	fake_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_pass__creates_in_rank_order_then_writes_nothing),
		T(test_pass__a_kubectl_edit_is_drift_sync_takes_back),
		T(test_pass__what_the_server_defaults_is_no_change),
		T(test_pass__git_change_to_a_field_another_manager_owns),
		T(test_pass__stateless_upgrade_of_a_stateful_job_is_held),
		T(test_pass__deleting_a_running_job_is_held_unless_allowed),
		T(test_pass__suspend_first_waits_on_the_clock),
		T(test_pass__session_cluster_goes_after_its_jobs),
		T(test_pass__session_cluster_still_in_use_is_held),
		T(test_pass__a_nonce_changed_outside_git_is_not_rewritten),
		T(test_pass__broken_repo_config_touches_nothing),
		T(test_pass__a_folder_gone_is_pruned_only_when_allowed),
		T(test_pass__an_empty_repository_has_nothing_to_do),
		T(test_pass__two_repositories_keep_to_their_own),
		T(test_pass__hpa_owned_replicas_are_no_change),
		T(test_pass__a_rename_is_a_create_and_a_delete),
		T(test_pass__a_renamed_job_is_held_as_a_move),
		T(test_pass__a_move_with_a_savepoint_carries_the_state),
		T(test_pass__a_move_allowed_to_start_empty),
		T(test_pass__an_unclear_replacement_waits_for_the_annotation),
		T(test_pass__a_failed_job_cannot_move_with_a_savepoint),
		T(test_pass__a_suspended_job_moves_from_its_savepoint),
		T(test_pass__a_namespace_that_cannot_be_read_is_left),
		T(test_pass__a_failed_write_keeps_the_inventory_entry),
		T(test_pass__a_failed_write_leaves_the_namespace_partly_synced),
		T(test_pass__a_new_object_is_recorded_before_it_is_applied),
		T(test_pass__an_object_a_lost_answer_made_is_pruned_later),
		T(test_pass__a_gone_member_is_recorded_anew_first),
		T(test_pass__secret_values_never_reach_the_output),
		T(test_pass__a_reserved_name_or_a_bad_annotation_is_held),
		T(test_pass__only_the_inventory_is_ever_pruned),
		T(test_pass__a_dry_run_writes_nothing_that_persists),
		T(test_pass__a_rank_at_once_in_any_order),
		T(test_pass__a_missing_namespace_is_said_once_not_created),
		T(test_pass__create_namespace_creates_it_first),
		T(test_pass__confined_to_namespaces_reads_only_them),
		T(test_pass__a_session_job_without_its_cluster_is_held),
		T(test_pass__a_job_that_never_ran_is_removed_unasked),
		T(test_pass__our_own_bookkeeping_is_no_drift),
		T(test_pass__sync_waits_until_healthy_on_the_clock),
		T(test_pass__sync_wait_ends_degraded_or_at_the_bound),
		T(test_pass__no_prune_applies_and_deletes_nothing),
		T(test_pass__a_saved_plan_runs_only_as_it_was_made),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
