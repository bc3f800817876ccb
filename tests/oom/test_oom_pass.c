/*
 * The core (sync/: the pass, plan then execute, and the report `sync`
 * prints) once more, with its Nth allocation failing for every N
 * (tests/oom/oom.h), on the states the pass' unit tests start from
 * (tests/unit/test_pass.c): a first sync into an empty cluster, drift
 * taken back with an object pruned, a running job Git no longer has, an
 * upgrade of a running job and the delete of a suspended one (decided
 * on the spec the operator recorded).
 * The in-memory API server (tests/unit/fake_cluster.h) stands for the
 * cluster; its own work is not counted (failalloc_pause). Each run must
 * print the reference's report and make its writes, or say that memory
 * ran out; nothing crashes, nothing leaks; and the next pass, with
 * memory back, leaves the cluster exactly as the reference's did.
 */
#include <stdint.h>

#include "../unit/helpers.h"

#include "render/base/json.h"
#include "sync/pass.h"
#include "sync/report.h"
#include "../unit/fake_cluster.h"
#include "../unit/repo.h"
#include "oom.h"

#include "render/base/banned.h"

/* The cluster a scenario starts from, copied into a new fake per run. */
struct world {
	json_t *objs, *owners;
	int uid_seq, rv;
	long long now;
};

struct scenario {
	const char *name;
	struct world start;
	struct fg_desired *d;
	struct fg_pass_opts opts;
	char *converged; /* the cluster after the reference and one more pass */
	unsigned long diverged;
};

/* ---- the fake's ports, not counted ---- */

static struct fake_cluster *cur;

static int p_list(void *ctx, const struct fg_obj_ref *ref, const char *sel,
		  json_t **out)
{
	int rc;

	(void)ctx;
	failalloc_pause();
	rc = cur->port.list(cur->port.ctx, ref, sel, out);
	failalloc_resume();
	return rc;
}

static int p_apply(void *ctx, const json_t *obj,
		   const struct fg_port_apply_opts *o, json_t **out)
{
	int rc;

	(void)ctx;
	failalloc_pause();
	rc = cur->port.apply(cur->port.ctx, obj, o, out);
	failalloc_resume();
	return rc;
}

static int p_del(void *ctx, const struct fg_obj_ref *ref, const char *uid,
		 int dry_run)
{
	int rc;

	(void)ctx;
	failalloc_pause();
	rc = cur->port.del(cur->port.ctx, ref, uid, dry_run);
	failalloc_resume();
	return rc;
}

static int p_get(void *ctx, const struct fg_obj_ref *ref, json_t **out)
{
	int rc;

	(void)ctx;
	failalloc_pause();
	rc = cur->port.get(cur->port.ctx, ref, out);
	failalloc_resume();
	return rc;
}

static long long p_now(void *ctx)
{
	(void)ctx;
	return cur->clock.now_ms(cur->clock.ctx);
}

static void p_sleep(void *ctx, long ms)
{
	(void)ctx;
	failalloc_pause();
	cur->clock.sleep_ms(cur->clock.ctx, ms);
	failalloc_resume();
}

static long long p_wall(void *ctx)
{
	(void)ctx;
	return cur->clock.wall_s(cur->clock.ctx);
}

static const struct fg_cluster_port paused_cluster = {
	.list = p_list, .apply = p_apply, .del = p_del, .get = p_get
};
static const struct fg_clock_port paused_clock = { .now_ms = p_now,
						   .sleep_ms = p_sleep,
						   .wall_s = p_wall };
static const struct fg_ports paused_ports = { .cluster = &paused_cluster,
					      .clock = &paused_clock };

/* ---- worlds ---- */

static void keep(struct world *w, const struct fake_cluster *f)
{
	w->objs = json_deep_copy(f->objs);
	w->owners = json_deep_copy(f->owners);
	w->uid_seq = f->uid_seq;
	w->rv = f->rv;
	w->now = f->now;
	assert_non_null(w->objs);
	assert_non_null(w->owners);
}

static void restore(struct fake_cluster *f, const struct world *w)
{
	fake_init(f);
	json_decref(f->objs);
	json_decref(f->owners);
	f->objs = json_deep_copy(w->objs);
	f->owners = json_deep_copy(w->owners);
	f->uid_seq = w->uid_seq;
	f->rv = w->rv;
	f->now = w->now;
}

/* The cluster as a user would compare it: every object, without what
 * the server counts (resourceVersion, uid, timestamps, managedFields). */
static char *cluster_text(const struct fake_cluster *f)
{
	json_t *c = json_deep_copy(f->objs), *o;
	const char *k;
	char *s;

	json_object_foreach (c, k, o) {
		json_t *m = json_object_get(o, "metadata");

		json_t *data = json_object_get(o, "data"), *list, *e;
		const char *text =
			json_string_value(json_object_get(data, "members"));
		size_t i;

		json_object_del(m, "resourceVersion");
		json_object_del(m, "uid");
		json_object_del(m, "creationTimestamp");
		json_object_del(m, "managedFields");
		/* an inventory's members name uids too */
		if (text && (list = json_loads(text, 0, NULL))) {
			json_array_foreach (list, i, e)
				json_object_del(e, "uid");
			json_object_set_new(data, "members", list);
		}
	}
	s = json_dumps(c, JSON_SORT_KEYS | JSON_INDENT(1));
	json_decref(c);
	return s;
}

/* plan then execute, memory back: the cluster it leaves (paused). */
static char *one_more_pass(struct scenario *sc, struct fake_cluster *f)
{
	struct fg_pass *p = NULL;

	failalloc_pause();
	if (fg_pass_plan(&p, sc->d, &f->ports, &sc->opts) < 0)
		fail_msg("%s: the pass after: %s", sc->name, fg_error_last());
	assert_int_equal(fg_pass_execute(p, &f->ports), 0);
	fg_pass_free(p);
	failalloc_resume();
	return cluster_text(f);
}

/* ---- the work, once per N ---- */

/* The writes in the fake's log: what a user sees the cluster do (a LIST
 * more or less, after a failed allocation, is nothing to see). */
static int writes(struct fg_buf *out, const char *log)
{
	int err = fg_buf_puts(out, "writes:");

	while (*log && !err) {
		size_t n = strcspn(log, ";");

		if (strncmp(log, "list ", 5) && strncmp(log, "get ", 4))
			err = fg_buf_printf(out, " %.*s;", (int)n, log);
		log += n + (log[n] == ';');
	}
	return err < 0 || fg_buf_putc(out, '\n') < 0 ? FG_ERROR : 0;
}

static int sync_once(void *arg, struct fg_buf *out)
{
	struct scenario *sc = arg;
	struct fake_cluster f;
	struct fg_pass *p = NULL;
	char *after, *msg;
	int rc;

	failalloc_pause();
	restore(&f, &sc->start);
	cur = &f;
	failalloc_resume();

	/* what `sync` does and prints: counted */
	rc = fg_pass_plan(&p, sc->d, &paused_ports, &sc->opts);
	if (rc >= 0)
		rc = fg_pass_execute(p, &paused_ports);
	if (rc >= 0)
		rc = fg_report_sync_text(p, FG_REPORT_FIELDS, out);
	fg_pass_free(p);

	/* the writes the cluster saw, then memory back: one more pass must
	 * leave the cluster as the reference left it */
	failalloc_pause();
	if (rc >= 0)
		rc = writes(out, f.log.ptr);
	/* the message stays the failed run's */
	msg = strdup(rc < 0 ? fg_error_last() : "");
	after = one_more_pass(sc, &f);
	fg_error_clear();
	if (rc < 0 && msg && *msg)
		fg_error_set(rc, "%s", msg);
	free(msg);
	if (!sc->converged) {
		sc->converged = after;
	} else {
		if (strcmp(after, sc->converged)) {
			printf("%s: the pass after a failed one left:\n%s\n"
			       "not, as after the reference:\n%s\n",
			       sc->name, after, sc->converged);
			sc->diverged++;
		}
		free(after);
	}
	fake_release(&f);
	cur = NULL;
	failalloc_resume();
	return rc;
}

static void every_n(struct scenario *sc)
{
	struct oom_stats st = { 0 };
	unsigned long bad;

	bad = oom_every(sc->name, sync_once, sc, &st);
	assert_int_equal(bad, 0);
	assert_int_equal(sc->diverged, 0);
	assert_false(st.skipped);
	assert_true(st.runs > 100); /* the pass did real work */
	json_decref(sc->start.objs);
	json_decref(sc->start.owners);
	fg_desired_free(sc->d);
	free(sc->converged);
}

/* Sync the repository as it is into `f` (not counted: the setting). */
static void synced(struct fake_cluster *f)
{
	struct fg_pass_opts def = { 0 };
	struct fg_desired *d = render();
	struct fg_pass *p = NULL;

	assert_int_equal(fg_pass_plan(&p, d, &f->ports, &def), 0);
	assert_int_equal(fg_pass_execute(p, &f->ports), 0);
	fg_pass_free(p);
	fg_desired_free(d);
}

/* ---- tests ---- */

static void test_oom_pass__first_sync_into_an_empty_cluster(void **st)
{
	struct scenario sc = { .name = "first_sync" };
	struct fake_cluster f;

	(void)st;
	fake_init(&f);
	session_job("analytics", "etl", "shared");
	session("analytics", "shared");
	app("analytics", "orders", "flink:1.20", NULL);
	cm("analytics", "settings", "a");
	cm("billing", "rates", "r");
	keep(&sc.start, &f);
	fake_release(&f);
	sc.d = render();
	every_n(&sc);
}

static void test_oom_pass__drift_taken_back_and_an_object_pruned(void **st)
{
	struct scenario sc = { .name = "drift_and_prune" };
	struct fake_cluster f;

	(void)st;
	fake_init(&f);
	cm("analytics", "settings", "a");
	cm("analytics", "old", "o");
	app("analytics", "orders", "flink:1.20", NULL);
	synced(&f);
	fake_edit(&f, "", "ConfigMap", "analytics", "settings", "/data/value",
		  json_string("edited"), "kubectl-edit");
	drop("analytics/old.yaml");
	cm("analytics", "new", "n");
	keep(&sc.start, &f);
	fake_release(&f);
	sc.d = render();
	every_n(&sc);
}

static void test_oom_pass__a_running_job_gone_from_git_is_held(void **st)
{
	struct scenario sc = { .name = "job_gone_from_git" };
	struct fake_cluster f;
	json_t *o;

	(void)st;
	fake_init(&f);
	cm("analytics", "keep", "k");
	app("analytics", "orders", "flink:1.20", NULL);
	synced(&f);
	/* the operator runs it */
	o = fake_obj(&f, "flink.apache.org", "FlinkDeployment", "analytics",
		     "orders");
	assert_non_null(o);
	fake_status(&f, "flink.apache.org", "FlinkDeployment", "analytics",
		    "orders",
		    json_pack("{s:I, s:s, s:{s:s}, s:{s:s}}",
			      "observedGeneration",
			      (json_int_t)json_integer_value(fg_json_path(
				      o, "metadata", "generation", NULL)),
			      "lifecycleState", "STABLE", "jobStatus", "state",
			      "RUNNING", "reconciliationStatus", "state",
			      "DEPLOYED"));
	drop("analytics/orders.yaml");
	keep(&sc.start, &f);
	fake_release(&f);
	sc.d = render();
	every_n(&sc);
}

/* An upgrade of a running job and the delete of one suspended with a
 * savepoint: both decided on the spec the operator recorded
 * (lastReconciledSpec), which the core parses on the way. */
static void test_oom_pass__an_upgrade_and_a_suspended_job_deleted(void **st)
{
	struct scenario sc = { .name = "upgrade_and_delete",
			       .opts = { .allow_delete = 1 } };
	struct fake_cluster f;

	(void)st;
	fake_init(&f);
	app("analytics", "orders", "flink:1.20", NULL);
	put("analytics/reports.yaml",
	    "apiVersion: flink.apache.org/v1beta1\n"
	    "kind: FlinkDeployment\n"
	    "metadata: {name: reports}\n"
	    "spec:\n"
	    "  image: flink:1.20\n"
	    "  flinkVersion: v1_20\n"
	    "  serviceAccount: flink\n"
	    "  flinkConfiguration:\n"
	    "    execution.checkpointing.interval: 30s\n"
	    "    state.checkpoints.dir: s3://b/reports/cp\n"
	    "    state.savepoints.dir: s3://b/reports/sp\n"
	    "  jobManager: {resource: {memory: 2048m, cpu: 1}}\n"
	    "  taskManager: {resource: {memory: 2048m, cpu: 1}}\n"
	    "  job: {jarURI: 'local:///opt/flink/job.jar', parallelism: 2,\n"
	    "        upgradeMode: savepoint, state: suspended}\n");
	synced(&f);
	fake_reconciled(&f, "analytics", "FlinkDeployment", "orders", "STABLE",
			"RUNNING", NULL);
	fake_reconciled(&f, "analytics", "FlinkDeployment", "reports",
			"SUSPENDED", "FINISHED", "s3://b/reports/sp/1");
	app("analytics", "orders", "flink:1.20.1", NULL);
	drop("analytics/reports.yaml");
	keep(&sc.start, &f);
	fake_release(&f);
	sc.d = render();
	every_n(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_oom_pass__first_sync_into_an_empty_cluster),
		T(test_oom_pass__drift_taken_back_and_an_object_pruned),
		T(test_oom_pass__a_running_job_gone_from_git_is_held),
		T(test_oom_pass__an_upgrade_and_a_suspended_job_deleted),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
