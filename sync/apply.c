#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/render.h"
#include "sync/apply.h"
#include "sync/classify.h"
#include "sync/diff.h"
#include "sync/inventory.h"
#include "sync/observe.h"
#include "render/base/banned.h"

const char *fg_apply_action_name(enum fg_apply_action a)
{
	switch (a) {
	case FG_ACT_NOOP:
		return "unchanged";
	case FG_ACT_CREATE:
		return "create";
	case FG_ACT_UPDATE:
		return "update";
	case FG_ACT_PRUNE:
		return "prune";
	case FG_ACT_INVENTORY:
		return "inventory";
	}
	return "unknown";
}

const char *fg_apply_outcome_name(enum fg_apply_outcome o)
{
	switch (o) {
	case FG_OUT_OK:
		return "ok";
	case FG_OUT_FAILED:
		return "failed";
	case FG_OUT_BLOCKED:
		return "blocked";
	case FG_OUT_SKIPPED:
		return "skipped";
	}
	return "unknown";
}

void fg_apply_report_release(struct fg_apply_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].group);
		free(r->v[i].kind);
		free(r->v[i].name);
		free(r->v[i].message);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int report_add(struct fg_apply_report *r, const char *group,
		      const char *kind, const char *name,
		      enum fg_apply_action action,
		      enum fg_apply_outcome outcome, const char *message)
{
	struct fg_apply_result *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct fg_apply_result *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return fg_error_set(FG_ERROR, "out of memory");
		r->v = v;
		r->cap = cap;
	}
	e = &r->v[r->n];
	e->group = strdup(group);
	e->kind = strdup(kind);
	e->name = strdup(name);
	e->message = message ? strdup(message) : NULL;
	if (!e->group || !e->kind || !e->name || (message && !e->message)) {
		free(e->group);
		free(e->kind);
		free(e->name);
		free(e->message);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	e->action = action;
	e->outcome = outcome;
	r->n++;
	r->failed += outcome == FG_OUT_FAILED;
	r->blocked += outcome == FG_OUT_BLOCKED;
	return 0;
}

/* A result whose message is built from a verdict: "reason; unblock: how". */
static int report_verdict(struct fg_apply_report *r, const char *group,
			  const char *kind, const char *name,
			  enum fg_apply_action action,
			  const struct fg_verdict *v)
{
	char msg[512];

	if (v->unblock)
		snprintf(msg, sizeof(msg), "%s (to allow: %s)", v->reason,
			 v->unblock);
	else
		snprintf(msg, sizeof(msg), "%s", v->reason);
	return report_add(r, group, kind, name, action, FG_OUT_BLOCKED, msg);
}

/* ---- small accessors -------------------------------------------------- */

static const char *meta_str(const json_t *obj, const char *key)
{
	return json_string_value(
		json_object_get(json_object_get(obj, "metadata"), key));
}

static const char *label(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "metadata"), "labels"),
		key));
}

static const char *annotation(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "metadata"),
				"annotations"),
		key));
}

static int is_flink_workload(const char *group, const char *kind)
{
	return !strcmp(group, "flink.apache.org") &&
	       (!strcmp(kind, "FlinkDeployment") ||
		!strcmp(kind, "FlinkSessionJob"));
}

static const json_t *path2(const json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

static int str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

/* ---- time, for the bounded waits -------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* ---- the pass --------------------------------------------------------- */

struct pass {
	const struct fg_cluster_port *port;
	const struct fg_apply_opts *opts;
	struct fg_apply_report *rep;
	const char *ns;
	const struct fg_object *objs; /* the desired objects, borrowed */
	size_t n;
	struct fg_policy policy; /* the namespace's */
	char id[FG_APPLYSET_ID_SIZE];
	struct fg_live live;
	struct fg_inventory next;
	json_t *deleted_jobs; /* FlinkSessionJob name -> true, this pass */
	long wait_ms, poll_ms;
};

/* Order of desired objects: rank, then kind, then name (stable). */
struct desired_ref {
	const struct fg_object *o;
	int rank;
};

static int desired_cmp(const void *a, const void *b)
{
	const struct desired_ref *x = a, *y = b;
	int c;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if ((c = strcmp(x->o->kind, y->o->kind)))
		return c;
	return strcmp(x->o->name, y->o->name);
}

/* The session FlinkDeployment `name`: Git's, else the cluster's. */
static const json_t *session_cluster(const struct pass *p, const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < p->n; i++)
		if (!strcmp(p->objs[i].kind, "FlinkDeployment") &&
		    !strcmp(p->objs[i].name, name))
			return p->objs[i].obj;
	return fg_live_find(&p->live, "flink.apache.org", "FlinkDeployment",
			    name);
}

/*
 * Rules (a) and (c) for an update of a Flink object: diff, classify as
 * the operator will act on it, check. *v BLOCK holds it back.
 */
static int check_update(struct pass *p, const struct fg_object *o,
			const json_t *live, const struct fg_policy *pol,
			struct fg_verdict *v)
{
	struct fg_diff_opts dopt = { NULL, 0 };
	struct fg_changes ch = FG_CHANGES_INIT;
	struct fg_classification c = FG_CLASSIFICATION_INIT;
	int err;

	memset(v, 0, sizeof(*v));
	dopt.hpa_owns_replicas = fg_live_hpa_owns(&p->live, o->kind, o->name);
	if ((err = fg_diff(o->obj, live, &dopt, &ch)) < 0)
		goto done;
	err = fg_classify_session_job(
		o->obj, live,
		session_cluster(p, json_string_value(path2(o->obj, "spec",
							   "deploymentName"))),
		&ch, &c);
	if (err < 0)
		goto done;
	fg_policy_check_update(v, pol, o->obj, live, &c);
done:
	fg_classification_release(&c);
	fg_changes_release(&ch);
	return err;
}

/* A wrong policy annotation blocks its object; *v says so. */
static void bad_policy(struct fg_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->kind = FG_VERDICT_BLOCK;
	v->rule = FG_RULE_BAD_POLICY;
	v->unblock = "fix the annotation";
	snprintf(v->reason, sizeof(v->reason), "%s", fg_error_last());
	fg_error_clear();
}

/* Apply one desired object; its member entry goes to p->next. */
static int apply_one(struct pass *p, const struct fg_object *o)
{
	struct fg_port_apply_opts ao = { 0, p->opts->dry_run, NULL };
	char group[256];
	const struct fg_inv_member *was;
	const char *live_hash, *live_part_of, *uid = NULL;
	enum fg_apply_action action;
	struct fg_policy pol;
	struct fg_verdict v;
	json_t *live, *obj = NULL, *stored = NULL;
	int err;

	fg_object_group(o->obj, group, sizeof(group));
	live = fg_live_find(&p->live, group, o->kind, o->name);
	was = fg_inventory_find(&p->live.inventory, group, o->kind, o->name);
	if (!strcmp(o->kind, "ConfigMap") && !*group &&
	    !strcmp(o->name, FG_INVENTORY_NAME))
		return report_add(p->rep, group, o->kind, o->name,
				  FG_ACT_CREATE, FG_OUT_FAILED,
				  "the name " FG_INVENTORY_NAME
				  " is reserved for flink-gitops' inventory");
	if (!live) {
		action = FG_ACT_CREATE;
	} else {
		live_hash = annotation(live, FG_ANNOTATION_HASH);
		live_part_of = label(live, FG_APPLYSET_LABEL_PART_OF);
		if (live_hash && !strcmp(live_hash, o->hash) && live_part_of &&
		    !strcmp(live_part_of, p->id)) {
			uid = meta_str(live, "uid");
			if ((err = fg_inventory_add(&p->next, group, o->kind,
						    o->name, uid)) < 0)
				return err;
			return report_add(p->rep, group, o->kind, o->name,
					  FG_ACT_NOOP, FG_OUT_OK, NULL);
		}
		action = FG_ACT_UPDATE;
	}

	/* policy: the object's annotation over the namespace's */
	memset(&v, 0, sizeof(v));
	if (fg_policy_for_object(&pol, &p->policy, o->obj) < 0)
		bad_policy(&v);
	else if (live && is_flink_workload(group, o->kind) &&
		 (err = check_update(p, o, live, &pol, &v)) < 0)
		return err;
	if (v.kind == FG_VERDICT_BLOCK) {
		if (was &&
		    (err = fg_inventory_add(&p->next, was->group, was->kind,
					    was->name, was->uid)) < 0)
			return err;
		return report_verdict(p->rep, group, o->kind, o->name, action,
				      &v);
	}
	ao.force = pol.force;

	if ((err = fg_inventory_member_object(&obj, o->obj, p->id)) < 0)
		return err;
	p->rep->writes++;
	err = p->port->apply(p->port->ctx, obj, &ao, &stored);
	json_decref(obj);
	if (err < 0) {
		char msg[FG_ERROR_MSG_MAX + 128];
		int conflict = err == FG_ECONFLICT;

		snprintf(msg, sizeof(msg), "%s%s", fg_error_last(),
			 conflict ? "; not forced (to take the fields over: "
				    "policy force: true, or annotation "
				    "" FG_POLICY_ANNOTATION ": force)"
				  : "");
		/* keep what we knew: a failed update is still ours */
		if (was &&
		    (err = fg_inventory_add(&p->next, was->group, was->kind,
					    was->name, was->uid)) < 0)
			return err;
		return report_add(p->rep, group, o->kind, o->name, action,
				  conflict ? FG_OUT_BLOCKED : FG_OUT_FAILED,
				  msg);
	}
	uid = meta_str(stored, "uid");
	if (!p->opts->dry_run)
		err = fg_inventory_add(&p->next, group, o->kind, o->name, uid);
	else if (was)
		err = fg_inventory_add(&p->next, was->group, was->kind,
				       was->name, was->uid);
	json_decref(stored);
	if (err < 0)
		return err;
	return report_add(p->rep, group, o->kind, o->name, action, FG_OUT_OK,
			  p->opts->dry_run ? "dry run" : NULL);
}

static int keep(struct pass *p, const struct fg_inv_member *m)
{
	return fg_inventory_add(&p->next, m->group, m->kind, m->name, m->uid);
}

/* ---- deletes that wait ------------------------------------------------ */

/* The savepoint the status records: upgradeSavepointPath or lastSavepoint. */
static const char *recorded_savepoint(const json_t *live)
{
	const json_t *js = path2(live, "status", "jobStatus");
	const char *s =
		json_string_value(json_object_get(js, "upgradeSavepointPath"));

	if (s && *s)
		return s;
	s = json_string_value(json_object_get(
		path2(js, "savepointInfo", "lastSavepoint"), "location"));
	return s && *s ? s : NULL;
}

static int suspended_with_savepoint(const json_t *live)
{
	return str_is(json_string_value(
			      path2(live, "status", "lifecycleState")),
		      "SUSPENDED") &&
	       recorded_savepoint(live);
}

/* A suspend-first sequence of ours is under way (an earlier pass). */
static int suspend_started(const json_t *live)
{
	const json_t *mf = path2(live, "metadata", "managedFields"), *e;
	size_t i;

	json_array_foreach (mf, i, e)
		if (str_is(json_string_value(json_object_get(e, "manager")),
			   FG_APPLY_SUSPEND_MANAGER))
			return 1;
	return 0;
}

/*
 * Suspend `live` with a savepoint: server-side apply of spec.job.state
 * suspended and upgradeMode savepoint, as FG_APPLY_SUSPEND_MANAGER (its
 * own manager, so the fields Git set stay flink-gitops'), forced: it
 * takes those two fields from flink-gitops.
 */
static int suspend(struct pass *p, const json_t *live, const char *kind,
		   const char *name)
{
	struct fg_port_apply_opts ao = { 1, p->opts->dry_run,
					 FG_APPLY_SUSPEND_MANAGER };
	json_t *patch;
	int err;

	patch = json_pack(
		"{s:O,s:s,s:{s:s,s:s,s:s},s:{s:{s:s,s:s}}}", "apiVersion",
		json_object_get(live, "apiVersion"), "kind", kind, "metadata",
		"name", name, "namespace", p->ns, "uid",
		meta_str(live, "uid") ? meta_str(live, "uid") : "", "spec",
		"job", "state", "suspended", "upgradeMode", "savepoint");
	if (!patch)
		return fg_error_set(FG_ERROR, "out of memory");
	p->rep->writes++;
	err = p->port->apply(p->port->ctx, patch, &ao, NULL);
	json_decref(patch);
	return err;
}

enum wait_result { WAIT_DONE, WAIT_GONE, WAIT_TIMEOUT, WAIT_ERROR };

/* After reporting: 1 (the caller is done with the object), or the error. */
static int reported(int err)
{
	return err < 0 ? err : 1;
}

/*
 * Poll `ref` with GET until `ready` says so (or, `ready` NULL, until it
 * is gone), at most p->wait_ms. *last (when not NULL) gets the last
 * object read (a new reference, or NULL).
 */
static enum wait_result wait_for(struct pass *p, const struct fg_obj_ref *ref,
				 int (*ready)(const json_t *), json_t **last)
{
	long long deadline = now_ms() + p->wait_ms;
	json_t *o = NULL;
	int err;

	for (;;) {
		json_decref(o);
		o = NULL;
		err = p->port->get(p->port->ctx, ref, &o);
		if (err == FG_ENOTFOUND) {
			fg_error_clear();
			return ready ? WAIT_GONE : WAIT_DONE;
		}
		if (err < 0)
			return WAIT_ERROR;
		if (ready && ready(o))
			break;
		if (now_ms() >= deadline) {
			if (last) {
				*last = o;
				o = NULL;
			}
			json_decref(o);
			return WAIT_TIMEOUT;
		}
		sleep_ms(p->poll_ms);
	}
	if (last)
		*last = o;
	else
		json_decref(o);
	return WAIT_DONE;
}

/*
 * suspend-first: suspend (unless the spec already asks for it), then
 * wait for the status to show SUSPENDED and a savepoint. 0 when the
 * object may be deleted now; 1 when a result was reported (dry run,
 * timeout, gone, failure) and the member stays.
 */
static int suspend_first(struct pass *p, const struct fg_inv_member *m,
			 const json_t *live)
{
	struct fg_obj_ref ref = { m->group, m->kind, p->ns, m->name };
	const json_t *job = path2(live, "spec", "job");
	char msg[FG_ERROR_MSG_MAX + 256];
	json_t *last = NULL;
	int err;

	if (suspended_with_savepoint(live))
		return 0;
	if (!str_is(json_string_value(json_object_get(job, "state")),
		    "suspended") ||
	    !str_is(json_string_value(json_object_get(job, "upgradeMode")),
		    "savepoint")) {
		if ((err = suspend(p, live, m->kind, m->name)) < 0) {
			snprintf(msg, sizeof(msg),
				 "suspend-first: suspending failed: %s",
				 fg_error_last());
			goto failed;
		}
	}
	if (p->opts->dry_run)
		return reported(
			report_add(p->rep, m->group, m->kind, m->name,
				   FG_ACT_PRUNE, FG_OUT_OK,
				   "dry run: suspends with a savepoint, then "
				   "deletes"));

	switch (wait_for(p, &ref, suspended_with_savepoint, &last)) {
	case WAIT_DONE:
		json_decref(last);
		return 0;
	case WAIT_GONE:
		return reported(report_add(p->rep, m->group, m->kind, m->name,
					   FG_ACT_PRUNE, FG_OUT_SKIPPED,
					   "already gone"));

	case WAIT_TIMEOUT: {
		const char *lc = json_string_value(
			path2(last, "status", "lifecycleState"));

		snprintf(msg, sizeof(msg),
			 "suspend-first: timed out after %lds waiting for "
			 "lifecycleState SUSPENDED and a recorded savepoint "
			 "(now: lifecycleState %s, %s); the next pass "
			 "continues",
			 p->wait_ms / 1000, lc ? lc : "unset",
			 recorded_savepoint(last) ? "savepoint recorded"
						  : "no savepoint");
		json_decref(last);
		goto failed;
	}
	case WAIT_ERROR:
		snprintf(msg, sizeof(msg), "suspend-first: %s",
			 fg_error_last());
		goto failed;
	}
	return 0;
failed:
	if ((err = keep(p, m)) < 0)
		return err;
	return reported(report_add(p->rep, m->group, m->kind, m->name,
				   FG_ACT_PRUNE, FG_OUT_FAILED, msg));
}

/* Append ", name" (or "name") to `b`, capped. */
static void name_list(char *b, size_t n, const char *name)
{
	size_t len = strlen(b);

	if (len < n)
		snprintf(b + len, n - len, "%s%s", len ? ", " : "", name);
}

/*
 * Before a session cluster goes: every FlinkSessionJob on it must be gone
 * (the operator keeps the cluster while they exist). Jobs deleted this
 * pass, or already terminating, are waited for until a GET answers 404;
 * any other job on it blocks the delete. 0 when the cluster may be
 * deleted; 1 when a result was reported and the member stays.
 */
static int session_jobs_gone(struct pass *p, const struct fg_inv_member *m)
{
	static const char prefix[] = "flink.apache.org/FlinkSessionJob/";
	char in_use[200] = "", pending[200] = "", msg[FG_ERROR_MSG_MAX + 512];
	const char *key;
	json_t *o;
	long long deadline;
	int err, left;

	err = fg_live_observe_kind(&p->live, p->port, "flink.apache.org",
				   "FlinkSessionJob");
	if (err == FG_ENOTFOUND) {
		fg_error_clear();
		return 0;
	}
	if (err < 0) {
		snprintf(msg, sizeof(msg), "%s", fg_error_last());
		goto failed;
	}
	json_object_foreach (p->live.index, key, o) {
		const char *name = key + sizeof(prefix) - 1;

		if (strncmp(key, prefix, sizeof(prefix) - 1) ||
		    !str_is(json_string_value(
				    path2(o, "spec", "deploymentName")),
			    m->name))
			continue;
		if (json_object_get(p->deleted_jobs, name) ||
		    path2(o, "metadata", "deletionTimestamp"))
			name_list(pending, sizeof(pending), name);
		else
			name_list(in_use, sizeof(in_use), name);
	}
	if (*in_use) {
		struct fg_verdict v;

		memset(&v, 0, sizeof(v));
		v.kind = FG_VERDICT_BLOCK;
		v.rule = FG_RULE_DELETE_RUNNING;
		v.unblock = "delete its session jobs first";
		snprintf(v.reason, sizeof(v.reason),
			 "session jobs still run on it: %s", in_use);
		if ((err = keep(p, m)) < 0)
			return err;
		return reported(report_verdict(p->rep, m->group, m->kind,
					       m->name, FG_ACT_PRUNE, &v));
	}
	if (!*pending || p->opts->dry_run)
		return 0;
	/* wait for each: GET until 404 */
	deadline = now_ms() + p->wait_ms;
	for (;;) {
		left = 0;
		json_object_foreach (p->live.index, key, o) {
			struct fg_obj_ref ref = { "flink.apache.org",
						  "FlinkSessionJob", p->ns,
						  key + sizeof(prefix) - 1 };
			json_t *got = NULL;

			if (strncmp(key, prefix, sizeof(prefix) - 1) ||
			    !str_is(json_string_value(
					    path2(o, "spec", "deploymentName")),
				    m->name))
				continue;
			err = p->port->get(p->port->ctx, &ref, &got);
			json_decref(got);
			if (err == FG_ENOTFOUND) {
				fg_error_clear();
				continue;
			}
			if (err < 0) {
				snprintf(msg, sizeof(msg), "%s",
					 fg_error_last());
				goto failed;
			}
			left++;
		}
		if (!left)
			return 0;
		if (now_ms() >= deadline)
			break;
		sleep_ms(p->poll_ms);
	}
	snprintf(msg, sizeof(msg),
		 "timed out after %lds waiting for its session jobs to be "
		 "gone (%s): their finalizers have not run (is the Flink "
		 "operator running?); the cluster is deleted by a later pass",
		 p->wait_ms / 1000, pending);
failed:
	if ((err = keep(p, m)) < 0)
		return err;
	return reported(report_add(p->rep, m->group, m->kind, m->name,
				   FG_ACT_PRUNE, FG_OUT_FAILED, msg));
}

/* Prune one inventory member that is no longer desired. */
static int prune_one(struct pass *p, const struct fg_inv_member *m)
{
	struct fg_obj_ref ref = { m->group, m->kind, p->ns, m->name };
	json_t *live = fg_live_find(&p->live, m->group, m->kind, m->name);
	const char *uid, *part_of, *mb;
	struct fg_policy pol;
	struct fg_verdict v;
	int err;

	if (!live)
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED, "already gone");
	uid = meta_str(live, "uid");
	part_of = label(live, FG_APPLYSET_LABEL_PART_OF);
	mb = label(live, FG_LABEL_MANAGED_BY);
	if (*m->uid && (!uid || strcmp(uid, m->uid)))
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED,
				  "replaced by another object of the same "
				  "name (uid differs); left alone");
	if (!part_of || strcmp(part_of, p->id) || !mb || strcmp(mb, FG_MANAGER))
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED,
				  "no longer labelled as flink-gitops' "
				  "(" FG_APPLYSET_LABEL_PART_OF
				  ", " FG_LABEL_MANAGED_BY "); left alone");

	/* policy: the live object's annotation (Git no longer has it) */
	memset(&v, 0, sizeof(v));
	if (fg_policy_for_object(&pol, &p->policy, live) < 0) {
		bad_policy(&v);
	} else {
		if (p->opts->allow_delete)
			pol.del = FG_DELETE_ALLOW;
		fg_policy_check_delete(&v, &pol, live);
	}
	if (v.kind == FG_VERDICT_BLOCK) {
		if ((err = keep(p, m)) < 0)
			return err;
		return report_verdict(p->rep, m->group, m->kind, m->name,
				      FG_ACT_PRUNE, &v);
	}
	if (is_flink_workload(m->group, m->kind) &&
	    (v.kind == FG_VERDICT_SUSPEND_FIRST ||
	     (pol.del == FG_DELETE_SUSPEND_FIRST && suspend_started(live))) &&
	    (err = suspend_first(p, m, live)) != 0)
		return err < 0 ? err : 0;
	if (!strcmp(m->group, "flink.apache.org") &&
	    !strcmp(m->kind, "FlinkDeployment") &&
	    !json_is_object(path2(live, "spec", "job")) &&
	    (err = session_jobs_gone(p, m)) != 0)
		return err < 0 ? err : 0;

	p->rep->writes++;
	err = p->port->del(p->port->ctx, &ref, *m->uid ? m->uid : uid,
			   p->opts->dry_run);
	if (err == FG_ENOTFOUND)
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED, "already gone");
	if (err == FG_ECONFLICT)
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED,
				  "replaced by another object of the same "
				  "name (uid precondition failed); left alone");
	if (err < 0) {
		char msg[FG_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", fg_error_last());
		if ((err = keep(p, m)) < 0)
			return err;
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_FAILED, msg);
	}
	if (!strcmp(m->kind, "FlinkSessionJob") &&
	    json_object_set_new(p->deleted_jobs, m->name, json_true()) < 0)
		return fg_error_set(FG_ERROR, "out of memory");
	if (p->opts->dry_run && (err = keep(p, m)) < 0)
		return err;
	return report_add(p->rep, m->group, m->kind, m->name, FG_ACT_PRUNE,
			  FG_OUT_OK,
			  p->opts->dry_run ? "dry run"
			  : v.kind == FG_VERDICT_SUSPEND_FIRST
				  ? "suspended with a savepoint, then deleted"
			  : v.overridden ? v.reason
					 : NULL);
}

/* Order of prunes: reverse apply rank (rank from the live object). */
struct prune_ref {
	const struct fg_inv_member *m;
	int rank;
};

static int prune_cmp(const void *a, const void *b)
{
	const struct prune_ref *x = a, *y = b;
	int c;

	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	if ((c = strcmp(x->m->kind, y->m->kind)))
		return c;
	return strcmp(x->m->name, y->m->name);
}

static int member_rank(struct pass *p, const struct fg_inv_member *m)
{
	json_t *live = fg_live_find(&p->live, m->group, m->kind, m->name);

	if (live)
		return fg_apply_rank(live);
	if (!strcmp(m->group, "flink.apache.org"))
		return !strcmp(m->kind, "FlinkDeployment")   ? 2
		       : !strcmp(m->kind, "FlinkSessionJob") ? 3
							     : 4;
	return 0;
}

static int write_inventory(struct pass *p, json_t *inv_live)
{
	struct fg_port_apply_opts ao = { 1, p->opts->dry_run, NULL };
	json_t *want = NULL;
	int err;

	err = fg_inventory_to_configmap(&want, &p->next, p->ns,
					p->opts->tooling ? p->opts->tooling
							 : FG_MANAGER);
	if (err < 0)
		return err;
	if (fg_inventory_same(inv_live, want) ||
	    (!inv_live && p->next.n == 0)) {
		json_decref(want);
		return 0;
	}
	p->rep->writes++;
	/* ours alone: force takes it back from anyone who edited it */
	err = p->port->apply(p->port->ctx, want, &ao, NULL);
	json_decref(want);
	if (err < 0)
		return report_add(p->rep, "", "ConfigMap", FG_INVENTORY_NAME,
				  FG_ACT_INVENTORY, FG_OUT_FAILED,
				  fg_error_last());
	return report_add(p->rep, "", "ConfigMap", FG_INVENTORY_NAME,
			  FG_ACT_INVENTORY, FG_OUT_OK,
			  p->opts->dry_run ? "dry run" : NULL);
}

int fg_apply_ns(struct fg_apply_report *rep, const struct fg_cluster_port *port,
		const char *ns, const struct fg_object *objs, size_t n,
		const struct fg_apply_opts *opts)
{
	struct pass p;
	struct desired_ref *order = NULL;
	struct prune_ref *prunes = NULL;
	size_t i, nprune = 0;
	json_t *inv_live;
	char group[256];
	int err;

	memset(&p, 0, sizeof(p));
	p.port = port;
	p.opts = opts;
	p.rep = rep;
	p.ns = ns;
	p.objs = objs;
	p.n = n;
	p.wait_ms = opts->wait_ms > 0 ? opts->wait_ms : FG_APPLY_WAIT_MS;
	p.poll_ms = opts->poll_ms > 0 ? opts->poll_ms : FG_APPLY_POLL_MS;
	if (!(p.deleted_jobs = json_object())) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if ((err = fg_policy_from_config(&p.policy, opts->policy)) < 0 ||
	    (err = fg_inventory_id(p.id, ns)) < 0)
		goto done;

	/* observe: one LIST per kind, the inventory among them */
	if ((err = fg_observe_ns(&p.live, port, ns, objs, n)) < 0)
		goto done;
	inv_live = p.live.inventory_cm;

	/* rule (d): renders to nothing while the inventory holds objects */
	if (opts->allow_prune)
		p.policy.prune = 1;
	fg_policy_check_namespace(&rep->ns_verdict, &p.policy, 0, n,
				  p.live.inventory.n);
	if (rep->ns_verdict.kind == FG_VERDICT_BLOCK) {
		rep->blocked++;
		goto done;
	}

	/* apply, in order */
	if (n && !(order = calloc(n, sizeof(*order)))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		order[i].o = &objs[i];
		order[i].rank = fg_apply_rank(objs[i].obj);
	}
	if (n > 1)
		qsort(order, n, sizeof(*order), desired_cmp);
	for (i = 0; i < n; i++)
		if ((err = apply_one(&p, order[i].o)) < 0)
			goto done;

	/* prune, in reverse order */
	if (p.live.inventory.n &&
	    !(prunes = calloc(p.live.inventory.n, sizeof(*prunes)))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < p.live.inventory.n; i++) {
		const struct fg_inv_member *m = &p.live.inventory.v[i];
		size_t j;
		int desired = 0;

		for (j = 0; j < n && !desired; j++) {
			fg_object_group(objs[j].obj, group, sizeof(group));
			desired = !strcmp(group, m->group) &&
				  !strcmp(objs[j].kind, m->kind) &&
				  !strcmp(objs[j].name, m->name);
		}
		if (desired)
			continue;
		prunes[nprune].m = m;
		prunes[nprune].rank = member_rank(&p, m);
		nprune++;
	}
	if (nprune > 1)
		qsort(prunes, nprune, sizeof(*prunes), prune_cmp);
	for (i = 0; i < nprune; i++)
		if ((err = prune_one(&p, prunes[i].m)) < 0)
			goto done;

	/* record */
	if (!opts->dry_run)
		err = write_inventory(&p, inv_live);
done:
	free(order);
	free(prunes);
	fg_inventory_release(&p.next);
	fg_live_release(&p.live);
	json_decref(p.deleted_jobs);
	return err;
}

int fg_apply_inventory_namespaces(const struct fg_cluster_port *port,
				  json_t **out)
{
	struct fg_obj_ref ref = { "", "ConfigMap", NULL, NULL };
	json_t *items = NULL, *it, *names, *seen;
	size_t i;
	int err;

	*out = NULL;
	err = port->list(port->ctx, &ref,
			 FG_LABEL_MANAGED_BY "=" FG_MANAGER
					     "," FG_APPLYSET_LABEL_ID,
			 &items);
	if (err < 0)
		return fg_error_wrap(err, "list inventories");
	names = json_array();
	seen = json_object();
	json_array_foreach (items, i, it) {
		const char *ns = meta_str(it, "namespace");
		const char *name = meta_str(it, "name");

		if (!ns || !name || strcmp(name, FG_INVENTORY_NAME) ||
		    json_object_get(seen, ns))
			continue;
		json_object_set_new(seen, ns, json_true());
		json_array_append_new(names, json_string(ns));
	}
	json_decref(seen);
	json_decref(items);
	*out = names;
	return 0;
}
