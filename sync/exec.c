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
 * Before the first write, the inventory records every object about to be
 * applied that it does not know yet (record_intent).
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
#include "sync/bluegreen.h"
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

/* Apply step `s`; a job moved here starts from savepoint `isp` (or
 * NULL). The outcome says how it went. */
static void apply_from(struct xctx *x, struct fg_step *s, const char *isp)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_port_apply_opts ao = { s->force, x->p->opts.dry_run, NULL };
	char msg[FG_ERROR_MSG_MAX + 160];
	json_t *obj = NULL, *stored = NULL, *job;
	const char *uid;
	int err;

	if (fg_ports_stopping(x->ports))
		return; /* stopping: left for the next run (outcome none) */
	if (fg_pass_applied(&obj, s, x->ns->id) < 0) {
		outcome(s, FG_OUTCOME_FAILED, fg_error_last());
		return;
	}
	if (isp &&
	    (!(job = fg_json_mut(fg_json_get(fg_flink_spec(obj), "job"))) ||
	     json_object_set_new(job, "initialSavepointPath",
				 json_string(isp)) < 0)) {
		json_decref(obj);
		outcome(s, FG_OUTCOME_FAILED, "out of memory");
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
		/* without its uid the inventory cannot record it as done */
		if (!x->p->opts.dry_run && uid && !s->uid)
			outcome(s, FG_OUTCOME_FAILED,
				"applied, but out of memory before its uid "
				"was kept");
		else
			outcome(s, FG_OUTCOME_DONE,
				x->p->opts.dry_run ? "dry run" : NULL);
	}
	fg_error_clear();
	json_decref(stored);
}

static void apply_task(void *arg, size_t i)
{
	struct xctx *x = arg;

	apply_from(x, x->steps[i], NULL);
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

/* The savepoint the status records, whatever the job's state. */
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
	return fg_policy_suspended_savepoint(live) != NULL;
}

/*
 * Suspend `s` of namespace `ns` with a savepoint: server-side apply of
 * spec.job.state suspended and upgradeMode savepoint (in spec.template.
 * spec of a FlinkBlueGreenDeployment: a SUSPEND, in place, of its active
 * child) as FG_PASS_SUSPEND_MANAGER (its own manager, so the fields Git
 * set stay flink-gitops'), forced: it takes those two fields from
 * flink-gitops.
 */
static int suspend(struct xctx *x, const char *ns, struct fg_step *s)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_port_apply_opts ao = { 1, x->p->opts.dry_run,
					 FG_PASS_SUSPEND_MANAGER };
	const char *uid = fg_meta_str(s->live, "uid");
	json_t *patch, *job;
	int err;

	job = json_pack("{s:{s:s,s:s}}", "job", "state", "suspended",
			"upgradeMode", "savepoint");
	if (job && fg_is_bluegreen(s->live))
		job = json_pack("{s:{s:o}}", "template", "spec", job);
	patch = json_pack("{s:O,s:s,s:{s:s,s:s,s:s},s:o}", "apiVersion",
			  json_object_get(s->live, "apiVersion"), "kind",
			  s->kind, "metadata", "name", s->name, "namespace", ns,
			  "uid", uid ? uid : "", "spec", job);
	if (!patch)
		return fg_error_set(FG_ERROR, "out of memory");
	s->writes++;
	err = port->apply(port->ctx, patch, &ao, NULL);
	json_decref(patch);
	return err;
}

/* What the status shows, for a wait that ran out. */
static void status_words(char *out, size_t n, const json_t *o)
{
	const json_t *st = fg_json_get(o, "status");
	const char *lc = fg_json_str(st, "lifecycleState");
	const char *sp = recorded_savepoint(o);

	snprintf(
		out, n, "lifecycleState %s, %s", lc ? lc : "unset",
		!sp ? "no savepoint"
		: !strcmp(sp, "KUBERNETES_OPERATOR_LAST_STATE")
			? "only the last-state marker recorded"
		: fg_policy_suspended_savepoint(o)
			? "savepoint recorded"
			: "a savepoint recorded, but not of a suspension "
			  "with upgradeMode savepoint the operator reconciled");
}

/*
 * Make the job of `s` (in namespace `ns`) hold its state in a savepoint:
 * suspend it with one (unless the spec already asks for it), then wait
 * for the operator to record it. 0 with the savepoint's path in `sp`; 1
 * when the step's outcome is set (`what` starts its message). A dry run
 * only sends the suspension, dry: 1 with outcome DONE.
 */
static int bg_take_savepoint(struct xctx *x, struct fg_pass_ns *ns,
			     struct fg_step *s, const char *what, char *sp,
			     size_t spn);

static int take_savepoint(struct xctx *x, struct fg_pass_ns *ns,
			  struct fg_step *s, const char *what, char *sp,
			  size_t spn)
{
	struct fg_obj_ref ref = { s->group, s->kind, ns->name, s->name };
	const json_t *job = fg_json_path(s->live, "spec", "job", NULL);
	char msg[FG_ERROR_MSG_MAX + 256], now[200];
	json_t *last = NULL;
	const char *have = fg_policy_suspended_savepoint(s->live);

	if (fg_is_bluegreen(s->live))
		return bg_take_savepoint(x, ns, s, what, sp, spn);

	if (have) {
		snprintf(sp, spn, "%s", have);
		return 0;
	}
	if (!fg_str_is(fg_json_str(job, "state"), "suspended") ||
	    !fg_str_is(fg_json_str(job, "upgradeMode"), "savepoint")) {
		if (suspend(x, ns->name, s) < 0) {
			snprintf(msg, sizeof(msg), "%s: suspending failed: %s",
				 what, fg_error_last());
			outcome(s, FG_OUTCOME_FAILED, msg);
			return 1;
		}
	}
	if (x->p->opts.dry_run) {
		outcome(s, FG_OUTCOME_DONE, "dry run");
		return 1;
	}
	switch (wait_for(x, &ref, suspended_with_savepoint, &last)) {
	case WAIT_DONE:
		/* read again from what the wait returned: may run out */
		have = fg_policy_suspended_savepoint(last);
		snprintf(sp, spn, "%s", have ? have : "");
		json_decref(last);
		if (have)
			return 0;
		snprintf(msg, sizeof(msg), "%s: out of memory", what);
		outcome(s, FG_OUTCOME_FAILED, msg);
		return 1;
	case WAIT_GONE:
		outcome(s, FG_OUTCOME_GONE, "already gone");
		return 1;
	case WAIT_TIMEOUT:
		status_words(now, sizeof(now), last);
		snprintf(msg, sizeof(msg),
			 "%s: timed out after %lds waiting for "
			 "lifecycleState SUSPENDED and a recorded savepoint "
			 "(now: %s); the next pass continues",
			 what, x->wait_ms / 1000, now);
		json_decref(last);
		outcome(s, FG_OUTCOME_WAITING, msg);
		return 1;
	case WAIT_ERROR:
		snprintf(msg, sizeof(msg), "%s: %s", what, fg_error_last());
		outcome(s, FG_OUTCOME_FAILED, msg);
		return 1;
	}
	return 0;
}

/*
 * The savepoint a suspended FlinkBlueGreenDeployment `bg` holds its state
 * in: its status ACTIVE_X with the job SUSPENDED, and its child X (read
 * with a GET) suspended with a savepoint. Borrowed from *child, or NULL.
 */
static const char *bg_suspended_savepoint(struct xctx *x, const char *ns,
					  const json_t *bg, json_t **child)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_bg_state st;
	char name[320];
	struct fg_obj_ref ref = { "flink.apache.org", "FlinkDeployment", ns,
				  name };

	*child = NULL;
	fg_bg_state_of(bg, &st);
	if (st.phase != FG_BG_ACTIVE || !fg_str_is(st.job, "SUSPENDED"))
		return NULL;
	fg_bg_child_name(name, sizeof(name), fg_meta_str(bg, "name"),
			 st.active);
	if (port->get(port->ctx, &ref, child) < 0) {
		fg_error_clear();
		return NULL;
	}
	return fg_policy_suspended_savepoint(*child);
}

/*
 * take_savepoint of a FlinkBlueGreenDeployment: a SUSPEND with upgradeMode
 * savepoint (the operator suspends its active child in place; one asked
 * for during a transition waits for it to end), then the savepoint that
 * child records.
 */
static int bg_take_savepoint(struct xctx *x, struct fg_pass_ns *ns,
			     struct fg_step *s, const char *what, char *sp,
			     size_t spn)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	const struct fg_clock_port *clock = x->ports->clock;
	struct fg_obj_ref ref = { s->group, s->kind, ns->name, s->name };
	const json_t *job =
		fg_json_path(s->live, "spec", "template", "spec", "job", NULL);
	char msg[FG_ERROR_MSG_MAX + 256];
	long long deadline;
	json_t *bg = NULL, *child = NULL;
	const char *have;
	struct fg_bg_state st;
	int err;

	if ((have = bg_suspended_savepoint(x, ns->name, s->live, &child))) {
		snprintf(sp, spn, "%s", have);
		json_decref(child);
		return 0;
	}
	json_decref(child);
	if ((!fg_str_is(fg_json_str(job, "state"), "suspended") ||
	     !fg_str_is(fg_json_str(job, "upgradeMode"), "savepoint")) &&
	    suspend(x, ns->name, s) < 0) {
		snprintf(msg, sizeof(msg), "%s: suspending failed: %s", what,
			 fg_error_last());
		outcome(s, FG_OUTCOME_FAILED, msg);
		return 1;
	}
	if (x->p->opts.dry_run) {
		outcome(s, FG_OUTCOME_DONE, "dry run");
		return 1;
	}
	deadline = clock->now_ms(clock->ctx) + x->wait_ms;
	for (;;) {
		json_decref(bg);
		bg = NULL;
		err = port->get(port->ctx, &ref, &bg);
		if (err == FG_ENOTFOUND) {
			fg_error_clear();
			outcome(s, FG_OUTCOME_GONE, "already gone");
			return 1;
		}
		if (err < 0) {
			snprintf(msg, sizeof(msg), "%s: %s", what,
				 fg_error_last());
			outcome(s, FG_OUTCOME_FAILED, msg);
			return 1;
		}
		if ((have = bg_suspended_savepoint(x, ns->name, bg, &child))) {
			snprintf(sp, spn, "%s", have);
			json_decref(child);
			json_decref(bg);
			return 0;
		}
		json_decref(child);
		if (clock->now_ms(clock->ctx) >= deadline)
			break;
		clock->sleep_ms(clock->ctx, x->poll_ms);
	}
	fg_bg_state_of(bg, &st);
	snprintf(msg, sizeof(msg),
		 "%s: timed out after %lds waiting for its active child to be "
		 "suspended with a recorded savepoint (now: %s, job %s); the "
		 "next pass continues",
		 what, x->wait_ms / 1000, st.state ? st.state : "no state",
		 st.job ? st.job : "not reported");
	json_decref(bg);
	outcome(s, FG_OUTCOME_WAITING, msg);
	return 1;
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

/* Delete `s` of namespace `ns` (its uid a precondition); `done` is the
 * outcome's message when it is deleted. */
static void delete_in(struct xctx *x, const char *ns, struct fg_step *s,
		      const char *done)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_obj_ref ref = { s->group, s->kind, ns, s->name };
	int err;

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
			x->p->opts.dry_run ? "dry run" : done);
	fg_error_clear();
}

static void delete_step(struct xctx *x, struct fg_step *s)
{
	char sp[1024], done[1200];

	if (fg_ports_stopping(x->ports))
		return; /* stopping: left for the next run (outcome none) */
	if (s->suspend_first &&
	    take_savepoint(x, x->ns, s, "suspend-first", sp, sizeof(sp))) {
		if (s->outcome == FG_OUTCOME_DONE) /* a dry run */
			outcome(s, FG_OUTCOME_DONE,
				"dry run: suspends with a savepoint, then "
				"deletes");
		return;
	}
	if (!strcmp(s->group, "flink.apache.org") &&
	    !strcmp(s->kind, "FlinkDeployment") &&
	    !json_is_object(fg_json_path(s->live, "spec", "job", NULL)) &&
	    session_jobs_gone(x, s))
		return;
	if (s->suspend_first)
		snprintf(done, sizeof(done),
			 "suspended with savepoint %s, then deleted", sp);
	delete_in(x, x->ns->name, s,
		  s->suspend_first	  ? done
		  : s->verdict.overridden ? s->verdict.reason
					  : NULL);
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

		/* an apply that failed may still have been made: what the
		   intent recorded stays for the next pass to find out (one
		   never sent, a stop's, goes), also over a member's old uid
		   (an object made anew) */
		if (s->outcome == FG_OUTCOME_FAILED) {
			const struct fg_inv_member *meant = fg_inventory_find(
				&ns->intent, s->group, s->kind, s->name);

			if (meant)
				was = meant;
		}

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

/* Apply inventory `want` (forced: ours alone, taken back from anyone
 * who edited it); it becomes what the namespace's inventory is. */
static int put_inventory(struct xctx *x, json_t *want)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_port_apply_opts ao = { 1, 0, NULL };
	struct fg_pass_ns *ns = x->ns;

	ns->inventory_writes++;
	if (port->apply(port->ctx, want, &ao, NULL) < 0)
		return -1;
	json_decref(ns->inventory_written);
	ns->inventory_written = json_incref(want);
	return 0;
}

/* Will `s` write an object that the inventory does not record as it
 * will be: one it does not list, or one it lists with the uid of an
 * object that is gone (deleted by a run killed before its inventory
 * write, or by hand), which this create replaces with a new uid? Kept
 * stale, that uid would make the new object a stranger that prune
 * leaves alone. */
static int new_member(const struct fg_pass_ns *ns, const struct fg_step *s)
{
	const struct fg_inv_member *m;

	if (!s->desired || fg_step_blocked(s) || fg_step_is_namespace(s) ||
	    s->outcome != FG_OUTCOME_NONE ||
	    (s->action != FG_ACTION_CREATE && s->action != FG_ACTION_UPDATE))
		return 0;
	m = fg_inventory_find(&ns->live.inventory, s->group, s->kind, s->name);
	return !m || (s->action == FG_ACTION_CREATE && !s->live && *m->uid);
}

/*
 * Before anything is applied: the inventory records each object about
 * to be applied that it does not know yet (its live uid, or none for an
 * object still to be created). Were the run killed, or the server lost,
 * after such an apply and before the inventory's final write, the object
 * would carry our labels with no inventory listing it, and prune, which
 * goes by the inventory alone, would never remove it once Git drops it.
 * The next pass settles each such member: an object there is ours (its
 * labels say so) and gets its uid, or is pruned; one never made is
 * forgotten. When this write fails, those objects are not sent.
 */
static void record_intent(struct xctx *x)
{
	struct fg_inventory *next = &x->ns->intent;
	struct fg_pass_ns *ns = x->ns;
	char msg[FG_ERROR_MSG_MAX + 80];
	json_t *want = NULL;
	size_t added = 0;
	int err = 0;

	for (size_t i = 0; i < ns->live.inventory.n && !err; i++) {
		const struct fg_inv_member *m = &ns->live.inventory.v[i];

		err = fg_inventory_add(next, m->group, m->kind, m->name,
				       m->uid);
	}
	for (size_t i = 0; i < ns->n && !err; i++) {
		const struct fg_step *s = &ns->v[i];
		const char *uid = fg_meta_str(s->live, "uid");

		if (!new_member(ns, s))
			continue;
		err = fg_inventory_add(next, s->group, s->kind, s->name,
				       uid ? uid : "");
		added++;
	}
	if (!err && !added)
		return;
	if (err < 0 ||
	    fg_inventory_to_configmap(
		    &want, next, ns->name, ns->inventory, x->p->repository,
		    x->p->opts.tooling ? x->p->opts.tooling : FG_MANAGER) < 0 ||
	    put_inventory(x, want) < 0) {
		snprintf(msg, sizeof(msg),
			 "not sent: recording it in the inventory first "
			 "failed: %s",
			 fg_error_last());
		for (size_t i = 0; i < ns->n; i++)
			if (new_member(ns, &ns->v[i]))
				outcome(&ns->v[i], FG_OUTCOME_FAILED, msg);
		fg_inventory_release(next);
	}
	fg_error_clear();
	json_decref(want);
}

static void write_inventory(struct xctx *x)
{
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
	if (fg_inventory_same(ns->inventory_written ? ns->inventory_written
						    : ns->live.inventory_cm,
			      want) ||
	    (!ns->live.inventory_cm && !ns->inventory_written && next.n == 0))
		goto done;
	if (put_inventory(x, want) < 0) {
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

/* ---- moves ---- */

/* The namespace can be written to. */
static int writable(const struct fg_pass_ns *ns)
{
	return !ns->failed && ns->observed && !ns->error &&
	       ns->verdict.kind != FG_VERDICT_BLOCK;
}

/*
 * A move (sync/move.c), carried out from its create half `s` of x->ns:
 * the old job suspended with a savepoint (or the one it has), the new
 * one created from it (spec.job.initialSavepointPath, co-owned by
 * FG_PASS_MOVE_MANAGER so that Git, which does not set it, keeps it),
 * then the old one deleted. Both halves get their outcome; the old one
 * stays, suspended, when anything before its delete fails.
 */
static void move_step(struct xctx *x, struct fg_step *s)
{
	const struct fg_cluster_port *port = x->ports->cluster;
	struct fg_port_apply_opts ao = { 1, 0, FG_PASS_MOVE_MANAGER };
	struct fg_step *old = s->move_peer;
	struct fg_pass_ns *oldns = s->move_peer_ns;
	char sp[1024], msg[FG_ERROR_MSG_MAX + 1400];
	json_t *own;

	if (fg_ports_stopping(x->ports))
		return; /* stopping: the next run moves it */
	if (!writable(oldns)) {
		snprintf(msg, sizeof(msg),
			 "not moved: namespace %s, where the old job is, "
			 "could not be written to",
			 oldns->name);
		outcome(s, FG_OUTCOME_FAILED, msg);
		return;
	}
	if (take_savepoint(x, oldns, old, "move", sp, sizeof(sp))) {
		if (x->p->opts.dry_run) {
			apply_from(x, s, NULL);
			if (s->outcome == FG_OUTCOME_DONE)
				outcome(s, FG_OUTCOME_DONE,
					"dry run: created from a savepoint of "
					"the old job");
			return;
		}
		snprintf(msg, sizeof(msg),
			 "not created yet: it starts from a savepoint of "
			 "%s/%s, which is not there: %s",
			 oldns->name, old->name,
			 old->message ? old->message : "");
		outcome(s,
			old->outcome == FG_OUTCOME_WAITING ? FG_OUTCOME_WAITING
							   : FG_OUTCOME_FAILED,
			msg);
		return;
	}
	apply_from(x, s, sp);
	if (s->outcome != FG_OUTCOME_DONE) {
		snprintf(msg, sizeof(msg),
			 "kept, suspended with savepoint %s: creating %s/%s "
			 "from it failed",
			 sp, x->ns->name, s->name);
		outcome(old, FG_OUTCOME_FAILED, msg);
		return;
	}
	own = json_pack("{s:{s:s}}", "job", "initialSavepointPath", sp);
	if (own && fg_is_bluegreen(s->desired->obj))
		own = json_pack("{s:{s:o}}", "template", "spec", own);
	if (own)
		own = json_pack("{s:O,s:s,s:{s:s,s:s},s:o}", "apiVersion",
				json_object_get(s->desired->obj, "apiVersion"),
				"kind", s->kind, "metadata", "name", s->name,
				"namespace", x->ns->name, "spec", own);
	s->writes++;
	if (!own || port->apply(port->ctx, own, &ao, NULL) < 0)
		/* Git does not set it: the next apply clears the field, a
		   change the operator ignores */
		snprintf(msg, sizeof(msg),
			 "created from savepoint %s of %s/%s (keeping "
			 "initialSavepointPath past Git's next apply failed: "
			 "%s)",
			 sp, oldns->name, old->name,
			 own ? fg_error_last() : "out of memory");
	else
		snprintf(msg, sizeof(msg), "created from savepoint %s of %s/%s",
			 sp, oldns->name, old->name);
	fg_error_clear();
	json_decref(own);
	outcome(s, FG_OUTCOME_DONE, msg);
	snprintf(
		msg, sizeof(msg),
		"moved to %s%s%s/%s: suspended with savepoint %s, then deleted",
		strcmp(s->kind, old->kind) ? s->kind : "",
		strcmp(s->kind, old->kind) ? " " : "", x->ns->name, s->name,
		sp);
	delete_in(x, oldns->name, old, msg);
}

/* Does step `s` run in the writes (`deletes` 0) or the deletes? */
static int runs(const struct fg_step *s, int deletes)
{
	if (fg_step_blocked(s) || s->move_savepoint)
		return 0; /* a move runs on its own, between the two */
	if (fg_step_is_namespace(s) || s->outcome != FG_OUTCOME_NONE)
		return 0; /* created first; or settled already */
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

/*
 * A namespace the cluster does not have, created first when decided so.
 * 0 to go on with its objects; 1 when they are not sent: the namespace
 * could not be created (its error says why), or a dry run created it
 * only for show (the objects' outcome says so).
 */
static int create_namespace(struct xctx *x)
{
	struct fg_pass_ns *ns = x->ns;
	struct fg_step *s =
		ns->n && fg_step_is_namespace(&ns->v[0]) ? &ns->v[0] : NULL;
	char msg[FG_ERROR_MSG_MAX + 64];

	if (!s || s->action != FG_ACTION_CREATE || fg_step_blocked(s))
		return 0;
	apply_from(x, s, NULL);
	if (s->outcome != FG_OUTCOME_DONE) {
		snprintf(msg, sizeof(msg), "cannot create the namespace: %s",
			 s->message ? s->message : "");
		ns->error = strdup(msg);
		return 1;
	}
	if (!x->p->opts.dry_run)
		return 0;
	for (size_t i = 1; i < ns->n; i++)
		if (runs(&ns->v[i], 0))
			outcome(&ns->v[i], FG_OUTCOME_DONE,
				"not sent: its namespace does not exist yet");
	return 1;
}

/* A namespace's creates and updates (its namespace first, if missing). */
static void exec_writes(void *arg, size_t i)
{
	struct xctx x = *(struct xctx *)arg;
	struct fg_pass_ns *ns = &x.p->v[i];

	if (!writable(ns) || fg_ports_stopping(x.ports))
		return;
	ns->executed = 1;
	x.ns = ns;
	if (create_namespace(&x))
		return;
	if (!x.p->opts.dry_run)
		record_intent(&x);
	if (run_ranks(&x, 0, apply_task) < 0)
		ns->error = strdup(fg_error_last());
}

/* A namespace's deletes, then its inventory. */
static void exec_deletes(void *arg, size_t i)
{
	struct xctx x = *(struct xctx *)arg;
	struct fg_pass_ns *ns = &x.p->v[i];

	if (!writable(ns) || !ns->executed)
		return; /* not reached (a stop) or not writable */
	x.ns = ns;
	if (run_ranks(&x, 1, delete_task) < 0) {
		ns->error = strdup(fg_error_last());
		return;
	}
	if (!x.p->opts.dry_run)
		write_inventory(&x);
}

struct moves {
	struct xctx *x;
	struct fg_step **v;
	struct fg_pass_ns **ns;
};

static void move_task(void *arg, size_t i)
{
	struct moves *m = arg;
	struct xctx x = *m->x;

	x.ns = m->ns[i];
	move_step(&x, m->v[i]);
}

/* Every move, once every namespace's creates and updates are done (the
 * new job's session cluster, its ConfigMaps) and before any delete. */
static int exec_moves(struct xctx *x)
{
	struct fg_pass *p = x->p;
	struct moves m = { x, NULL, NULL };
	size_t n = 0, total = 0;

	for (size_t i = 0; i < p->n; i++)
		total += p->v[i].n;
	if (!total)
		return 0;
	if (!(m.v = calloc(total, sizeof(*m.v))) ||
	    !(m.ns = calloc(total, sizeof(*m.ns)))) {
		free(m.v);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	for (size_t i = 0; i < p->n; i++) {
		struct fg_pass_ns *ns = &p->v[i];

		if (!writable(ns))
			continue;
		for (size_t j = 0; j < ns->n; j++) {
			struct fg_step *s = &ns->v[j];

			if (s->move_savepoint && s->desired &&
			    s->action == FG_ACTION_CREATE &&
			    !fg_step_blocked(s)) {
				m.ns[n] = ns;
				m.v[n++] = s;
			}
		}
	}
	fg_ports_parallel(x->ports, n,
			  p->opts.parallel_objects ? p->opts.parallel_objects
						   : FG_PASS_PARALLEL_OBJECTS,
			  move_task, &m);
	free(m.v);
	free(m.ns);
	return 0;
}

int fg_pass_execute(struct fg_pass *p, const struct fg_ports *ports)
{
	size_t width =
		p->opts.parallel_ns ? p->opts.parallel_ns : FG_PASS_PARALLEL_NS;
	struct xctx x;
	int err;

	memset(&x, 0, sizeof(x));
	x.p = p;
	x.ports = ports;
	x.wait_ms = p->opts.wait_ms > 0 ? p->opts.wait_ms : FG_PASS_WAIT_MS;
	x.poll_ms = p->opts.poll_ms > 0 ? p->opts.poll_ms : FG_PASS_POLL_MS;
	fg_ports_parallel(ports, p->n, width, exec_writes, &x);
	/* no delete without the moves first (a moved job's old one); the
	   next pass does both */
	if ((err = exec_moves(&x)) == 0)
		fg_ports_parallel(ports, p->n, width, exec_deletes, &x);
	fg_pass_count(p);
	return err;
}
