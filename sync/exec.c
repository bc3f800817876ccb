/*
 * Execution of a decided pass (sync/pass.h, fg_pass_execute): the
 * decided writes through the cluster port, in order, the waits on the
 * clock port, and the inventory. Nothing is decided here: a step that
 * the decision held back is never written, and what execution finds
 * (a conflict the world made since the plan, an object already gone) is
 * the step's outcome.
 *
 * Order per namespace: creates and updates by rank (supporting kinds,
 * session clusters, application clusters, session jobs, snapshots), the
 * objects of one rank at once (they do not depend on each other); then
 * deletes in reverse rank, again a rank at once; then the inventory.
 * A wait (suspend-first, a session cluster's jobs) that runs out leaves
 * the object and its inventory entry for the next pass, which goes on
 * from what the cluster shows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/pass.h"
#include "sync/pass_int.h"
#include "render/base/banned.h"

struct xctx {
	struct fg_pass *p;
	const struct fg_ports *ports;
	struct fg_pass_ns *ns;
	struct fg_step **steps; /* one rank's steps */
	long wait_ms, poll_ms;
};

static void outcome(struct fg_step *s, enum fg_outcome o, const char *msg)
{
	s->outcome = o;
	free(s->message);
	s->message = msg ? strdup(msg) : NULL;
}

/* ---- creates and updates ---- */

static void apply_step(struct xctx *x, struct fg_step *s)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_port_apply_opts ao = { s->force, x->p->opts.dry_run, NULL };
	char msg[FG_ERROR_MSG_MAX + 160];
	json_t *obj = NULL, *stored = NULL;
	const char *uid;
	int err;

	if (fg_ports_stopping(x->ports))
		return; /* stopping: left for the next run (outcome none) */
	if (fg_pass_applied(&obj, s, x->ns->id) < 0) {
		outcome(s, FG_OUTCOME_FAILED, fg_error_last());
		return;
	}
	s->writes++;
	err = port->apply(port->ctx, obj, &ao, &stored);
	json_decref(obj);
	if (err == FG_ECONFLICT) {
		snprintf(msg, sizeof(msg),
			 "%s; not forced (to take the fields over: policy "
			 "force: true, or annotation " FG_POLICY_ANNOTATION
			 ": force)",
			 fg_error_last());
		outcome(s, FG_OUTCOME_CONFLICT, msg);
	} else if (err < 0) {
		outcome(s, FG_OUTCOME_FAILED, fg_error_last());
	} else {
		uid = fg_meta_str(stored, "uid");
		if (!x->p->opts.dry_run && uid) {
			free(s->uid);
			s->uid = strdup(uid);
		}
		outcome(s, FG_OUTCOME_DONE,
			x->p->opts.dry_run ? "dry run" : NULL);
	}
	fg_error_clear();
	json_decref(stored);
}

static void apply_task(void *arg, size_t i)
{
	struct xctx *x = arg;

	apply_step(x, x->steps[i]);
}

/* ---- waits ---- */

enum wait_result { WAIT_DONE, WAIT_GONE, WAIT_TIMEOUT, WAIT_ERROR };

/*
 * GET `ref` until `ready` says so (or, `ready` NULL, until it is gone),
 * at most x->wait_ms by the clock port. *last (when not NULL) gets the
 * last object read (a new reference, or NULL).
 */
static enum wait_result wait_for(struct xctx *x, const struct fg_obj_ref *ref,
				 int (*ready)(const json_t *), json_t **last)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	const struct fg_clock_port *clock = x->ports->clock;
	long long deadline = clock->now_ms(clock->ctx) + x->wait_ms;
	json_t *o = NULL;
	int err;

	if (last)
		*last = NULL;
	for (;;) {
		json_decref(o);
		o = NULL;
		err = port->get(port->ctx, ref, &o);
		if (err == FG_ENOTFOUND) {
			fg_error_clear();
			return ready ? WAIT_GONE : WAIT_DONE;
		}
		if (err < 0)
			return WAIT_ERROR;
		if (ready && ready(o))
			break;
		if (clock->now_ms(clock->ctx) >= deadline ||
		    fg_ports_stopping(x->ports)) {
			if (last) {
				*last = o;
				o = NULL;
			}
			json_decref(o);
			return WAIT_TIMEOUT;
		}
		clock->sleep_ms(clock->ctx, x->poll_ms);
	}
	if (last)
		*last = o;
	else
		json_decref(o);
	return WAIT_DONE;
}

/* The savepoint the status records: upgradeSavepointPath or lastSavepoint. */
static const char *recorded_savepoint(const json_t *live)
{
	const json_t *js = fg_json_path(live, "status", "jobStatus", NULL);
	const char *s = fg_json_str(js, "upgradeSavepointPath");

	if (s && *s)
		return s;
	s = fg_json_str(
		fg_json_path(js, "savepointInfo", "lastSavepoint", NULL),
		"location");
	return s && *s ? s : NULL;
}

static int suspended_with_savepoint(const json_t *live)
{
	return fg_str_is(fg_json_str(fg_json_get(live, "status"),
				     "lifecycleState"),
			 "SUSPENDED") &&
	       recorded_savepoint(live);
}

/*
 * Suspend `s` with a savepoint: server-side apply of spec.job.state
 * suspended and upgradeMode savepoint as FG_PASS_SUSPEND_MANAGER (its own
 * manager, so the fields Git set stay flink-gitops'), forced: it takes
 * those two fields from flink-gitops.
 */
static int suspend(struct xctx *x, struct fg_step *s)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_port_apply_opts ao = { 1, x->p->opts.dry_run,
					 FG_PASS_SUSPEND_MANAGER };
	const char *uid = fg_meta_str(s->live, "uid");
	json_t *patch;
	int err;

	patch = json_pack("{s:O,s:s,s:{s:s,s:s,s:s},s:{s:{s:s,s:s}}}",
			  "apiVersion", json_object_get(s->live, "apiVersion"),
			  "kind", s->kind, "metadata", "name", s->name,
			  "namespace", x->ns->name, "uid", uid ? uid : "",
			  "spec", "job", "state", "suspended", "upgradeMode",
			  "savepoint");
	if (!patch)
		return fg_error_set(FG_ERROR, "out of memory");
	s->writes++;
	err = port->apply(port->ctx, patch, &ao, NULL);
	json_decref(patch);
	return err;
}

/*
 * suspend-first: suspend (unless the spec already asks for it), then
 * wait for the status to show SUSPENDED and a savepoint. 0 when the
 * object may be deleted now; 1 when the step's outcome is set.
 */
static int suspend_first(struct xctx *x, struct fg_step *s)
{
	struct fg_obj_ref ref = { s->group, s->kind, x->ns->name, s->name };
	const json_t *job = fg_json_path(s->live, "spec", "job", NULL);
	char msg[FG_ERROR_MSG_MAX + 256];
	json_t *last = NULL;

	if (suspended_with_savepoint(s->live))
		return 0;
	if (!fg_str_is(fg_json_str(job, "state"), "suspended") ||
	    !fg_str_is(fg_json_str(job, "upgradeMode"), "savepoint")) {
		if (suspend(x, s) < 0) {
			snprintf(msg, sizeof(msg),
				 "suspend-first: suspending failed: %s",
				 fg_error_last());
			outcome(s, FG_OUTCOME_FAILED, msg);
			return 1;
		}
	}
	if (x->p->opts.dry_run) {
		outcome(s, FG_OUTCOME_DONE,
			"dry run: suspends with a savepoint, then deletes");
		return 1;
	}
	switch (wait_for(x, &ref, suspended_with_savepoint, &last)) {
	case WAIT_DONE:
		json_decref(last);
		return 0;
	case WAIT_GONE:
		outcome(s, FG_OUTCOME_GONE, "already gone");
		return 1;
	case WAIT_TIMEOUT: {
		const char *lc = fg_json_str(fg_json_get(last, "status"),
					     "lifecycleState");

		snprintf(msg, sizeof(msg),
			 "suspend-first: timed out after %lds waiting for "
			 "lifecycleState SUSPENDED and a recorded savepoint "
			 "(now: lifecycleState %s, %s); the next pass "
			 "continues",
			 x->wait_ms / 1000, lc ? lc : "unset",
			 recorded_savepoint(last) ? "savepoint recorded"
						  : "no savepoint");
		json_decref(last);
		outcome(s, FG_OUTCOME_WAITING, msg);
		return 1;
	}
	case WAIT_ERROR:
		snprintf(msg, sizeof(msg), "suspend-first: %s",
			 fg_error_last());
		outcome(s, FG_OUTCOME_FAILED, msg);
		return 1;
	}
	return 0;
}

/*
 * Before a session cluster goes: the session jobs on it that this pass
 * deleted, or that are terminating, must be gone (the operator keeps the
 * cluster while they exist). The decision blocked the delete if any job
 * stays. 0 when the cluster may be deleted; 1 when the outcome is set.
 */
static int session_jobs_gone(struct xctx *x, struct fg_step *s)
{
	static const char prefix[] = "flink.apache.org/FlinkSessionJob/";
	const struct fg_cluster_port *port = x->ports->cluster;
	const struct fg_clock_port *clock = x->ports->clock;
	char pending[200] = "", msg[FG_ERROR_MSG_MAX + 512];
	long long deadline;
	const char *key;
	json_t *o;
	int err, left;

	if (x->p->opts.dry_run)
		return 0;
	deadline = clock->now_ms(clock->ctx) + x->wait_ms;
	for (;;) {
		left = 0;
		pending[0] = '\0';
		json_object_foreach (x->ns->live.index, key, o) {
			struct fg_obj_ref ref = { "flink.apache.org",
						  "FlinkSessionJob",
						  x->ns->name,
						  key + sizeof(prefix) - 1 };
			json_t *got = NULL;
			size_t len;

			if (strncmp(key, prefix, sizeof(prefix) - 1) ||
			    !fg_str_is(fg_json_str(fg_json_get(o, "spec"),
						   "deploymentName"),
				       s->name))
				continue;
			err = port->get(port->ctx, &ref, &got);
			json_decref(got);
			if (err == FG_ENOTFOUND) {
				fg_error_clear();
				continue;
			}
			if (err < 0) {
				outcome(s, FG_OUTCOME_FAILED, fg_error_last());
				return 1;
			}
			left++;
			len = strlen(pending);
			snprintf(pending + len, sizeof(pending) - len, "%s%s",
				 len ? ", " : "", ref.name);
		}
		if (!left)
			return 0;
		if (clock->now_ms(clock->ctx) >= deadline ||
		    fg_ports_stopping(x->ports))
			break;
		clock->sleep_ms(clock->ctx, x->poll_ms);
	}
	snprintf(msg, sizeof(msg),
		 "timed out after %lds waiting for its session jobs to be "
		 "gone (%s): their finalizers have not run (is the Flink "
		 "operator running?); the cluster is deleted by a later pass",
		 x->wait_ms / 1000, pending);
	outcome(s, FG_OUTCOME_WAITING, msg);
	return 1;
}

static void delete_step(struct xctx *x, struct fg_step *s)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_obj_ref ref = { s->group, s->kind, x->ns->name, s->name };
	int err;

	if (fg_ports_stopping(x->ports))
		return;
	if (s->suspend_first && suspend_first(x, s))
		return;
	if (!strcmp(s->group, "flink.apache.org") &&
	    !strcmp(s->kind, "FlinkDeployment") &&
	    !json_is_object(fg_json_path(s->live, "spec", "job", NULL)) &&
	    session_jobs_gone(x, s))
		return;
	s->writes++;
	err = port->del(port->ctx, &ref, s->uid && *s->uid ? s->uid : NULL,
			x->p->opts.dry_run);
	if (err == FG_ENOTFOUND)
		outcome(s, FG_OUTCOME_GONE, "already gone");
	else if (err == FG_ECONFLICT)
		outcome(s, FG_OUTCOME_LEFT,
			"replaced by another object of the same name (uid "
			"precondition failed); left alone");
	else if (err < 0)
		outcome(s, FG_OUTCOME_FAILED, fg_error_last());
	else
		outcome(s, FG_OUTCOME_DONE,
			x->p->opts.dry_run ? "dry run"
			: s->suspend_first
				? "suspended with a savepoint, then deleted"
			: s->verdict.overridden ? s->verdict.reason
						: NULL);
	fg_error_clear();
}

static void delete_task(void *arg, size_t i)
{
	struct xctx *x = arg;

	delete_step(x, x->steps[i]);
}

/* ---- the inventory ---- */

static int record(struct fg_inventory *next, const struct fg_step *s,
		  const char *uid)
{
	return fg_inventory_add(next, s->group, s->kind, s->name, uid);
}

/* What the inventory holds after the steps' outcomes. */
static int next_inventory(struct xctx *x, struct fg_inventory *next)
{
	const struct fg_pass_ns *ns = x->ns;
	int dry = x->p->opts.dry_run, err = 0;

	for (size_t i = 0; i < ns->n && !err; i++) {
		const struct fg_step *s = &ns->v[i];
		const struct fg_inv_member *was = fg_inventory_find(
			&ns->live.inventory, s->group, s->kind, s->name);
		const char *live_uid = fg_meta_str(s->live, "uid");

		if (s->desired) {
			if (s->outcome == FG_OUTCOME_DONE && !dry)
				err = record(next, s, s->uid);
			else if (s->ours && live_uid)
				err = record(next, s, live_uid);
			else if (was)
				err = record(next, s, was->uid);
			continue;
		}
		/* an inventory member Git no longer has */
		if (s->wanted != FG_ACTION_DELETE ||
		    (s->outcome == FG_OUTCOME_DONE && !dry) ||
		    s->outcome == FG_OUTCOME_GONE ||
		    s->outcome == FG_OUTCOME_LEFT)
			continue;
		if (was)
			err = record(next, s, was->uid);
	}
	return err;
}

static void write_inventory(struct xctx *x)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_port_apply_opts ao = { 1, 0, NULL };
	struct fg_inventory next = FG_INVENTORY_INIT;
	struct fg_pass_ns *ns = x->ns;
	json_t *want = NULL;

	if (next_inventory(x, &next) < 0 ||
	    fg_inventory_to_configmap(
		    &want, &next, ns->name, ns->inventory, x->p->repository,
		    x->p->opts.tooling ? x->p->opts.tooling : FG_MANAGER) < 0) {
		ns->inventory_outcome = FG_OUTCOME_FAILED;
		ns->inventory_message = strdup(fg_error_last());
		goto done;
	}
	if (fg_inventory_same(ns->live.inventory_cm, want) ||
	    (!ns->live.inventory_cm && next.n == 0))
		goto done;
	/* ours alone: force takes it back from anyone who edited it */
	if (port->apply(port->ctx, want, &ao, NULL) < 0) {
		ns->inventory_outcome = FG_OUTCOME_FAILED;
		ns->inventory_message = strdup(fg_error_last());
	} else {
		ns->inventory_outcome = FG_OUTCOME_DONE;
	}
done:
	fg_error_clear();
	json_decref(want);
	fg_inventory_release(&next);
}

/* ---- a namespace ---- */

/* Does step `s` run in the writes (`deletes` 0) or the deletes? */
static int runs(const struct fg_step *s, int deletes)
{
	if (fg_step_blocked(s))
		return 0;
	if (deletes)
		return s->action == FG_ACTION_DELETE;
	return s->action == FG_ACTION_CREATE || s->action == FG_ACTION_UPDATE;
}

/* Run the writes (or the deletes) of `ns`, a rank at a time: the steps
 * are in rank order, reversed for deletes. */
static int run_ranks(struct xctx *x, int a, void (*task)(void *, size_t))
{
	struct fg_pass_ns *ns = x->ns;
	size_t width = x->p->opts.parallel_objects ? x->p->opts.parallel_objects
						   : FG_PASS_PARALLEL_OBJECTS;
	size_t i = 0, n;

	if (!(x->steps = calloc(ns->n ? ns->n : 1, sizeof(*x->steps))))
		return fg_error_set(FG_ERROR, "out of memory");
	while (i < ns->n) {
		int rank;

		while (i < ns->n && !runs(&ns->v[i], a))
			i++;
		if (i == ns->n || fg_ports_stopping(x->ports))
			break;
		rank = ns->v[i].rank;
		n = 0;
		for (; i < ns->n &&
		       (ns->v[i].rank == rank || !runs(&ns->v[i], a));
		     i++)
			if (runs(&ns->v[i], a))
				x->steps[n++] = &ns->v[i];
		fg_ports_parallel(x->ports, n, width, task, x);
	}
	free(x->steps);
	x->steps = NULL;
	return 0;
}

static void exec_ns(void *arg, size_t i)
{
	struct xctx x = *(struct xctx *)arg;
	struct fg_pass_ns *ns = &x.p->v[i];

	if (ns->failed || !ns->observed || ns->error ||
	    ns->verdict.kind == FG_VERDICT_BLOCK || fg_ports_stopping(x.ports))
		return;
	ns->executed = 1;
	x.ns = ns;
	if (run_ranks(&x, 0, apply_task) < 0 ||
	    run_ranks(&x, 1, delete_task) < 0) {
		ns->error = strdup(fg_error_last());
		return;
	}
	if (!x.p->opts.dry_run)
		write_inventory(&x);
}

int fg_pass_execute(struct fg_pass *p, const struct fg_ports *ports)
{
	struct xctx x;

	memset(&x, 0, sizeof(x));
	x.p = p;
	x.ports = ports;
	x.wait_ms = p->opts.wait_ms > 0 ? p->opts.wait_ms : FG_PASS_WAIT_MS;
	x.poll_ms = p->opts.poll_ms > 0 ? p->opts.poll_ms : FG_PASS_POLL_MS;
	fg_ports_parallel(ports, p->n,
			  p->opts.parallel_ns ? p->opts.parallel_ns
					      : FG_PASS_PARALLEL_NS,
			  exec_ns, &x);
	fg_pass_count(p);
	return 0;
}
