#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/base/json.h"
#include "render/flink_config.h"
#include "render/render.h"
#include "sync/bluegreen.h"
#include "sync/health.h"
#include "sync/policy.h"
#include "render/base/banned.h"

static json_t *mut(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

static const json_t *get(const json_t *o, const char *k)
{
	return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(get(o, k));
}

static int str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

const char *fg_delete_policy_name(enum fg_delete_policy d)
{
	switch (d) {
	case FG_DELETE_SUSPEND_FIRST:
		return "suspend-first";
	case FG_DELETE_ALLOW:
		return "allow";
	default:
		return "block";
	}
}

const char *fg_move_policy_name(enum fg_move_policy m)
{
	switch (m) {
	case FG_MOVE_SAVEPOINT:
		return "savepoint";
	case FG_MOVE_ALLOW:
		return "allow";
	default:
		return "block";
	}
}

const char *fg_rule_name(enum fg_rule r)
{
	static const char *const names[] = {
		"none",
		"stateless-upgrade",
		"delete-running",
		"rejected",
		"empty-namespace",
		"failed-namespace",
		"bad-policy",
		"conflict",
		"nonce",
		"owned-elsewhere",
		"reserved",
		"move",
		"namespace-missing",
		"no-session-cluster",
	};

	return (size_t)r < sizeof(names) / sizeof(*names) ? names[r] : "?";
}

static int delete_word(enum fg_delete_policy *out, const char *s, size_t n)
{
	static const char *const words[] = { "block", "suspend-first",
					     "allow" };

	for (size_t i = 0; i < 3; i++)
		if (strlen(words[i]) == n && !strncmp(s, words[i], n)) {
			*out = (enum fg_delete_policy)i;
			return 0;
		}
	return -1;
}

static int move_word(enum fg_move_policy *out, const char *s, size_t n)
{
	static const char *const words[] = { "block", "savepoint", "allow" };

	for (size_t i = 0; i < 3; i++)
		if (strlen(words[i]) == n && !strncmp(s, words[i], n)) {
			*out = (enum fg_move_policy)i;
			return 0;
		}
	return -1;
}

int fg_policy_from_config(struct fg_policy *out, const json_t *config)
{
	struct fg_policy def = FG_POLICY_INIT;
	const json_t *v;
	const char *d;

	*out = def;
	if (!config || json_is_null(config))
		return 0;
	if (!json_is_object(config))
		return fg_error_set(FG_EINVALID, "policy: not a map");
	if ((v = get(config, "allowStatelessUpgrade"))) {
		if (!json_is_boolean(v))
			return fg_error_set(FG_EINVALID,
					    "policy.allowStatelessUpgrade: "
					    "not a boolean");
		out->allow_stateless_upgrade = json_is_true(v);
	}
	if ((v = get(config, "prune"))) {
		if (!json_is_boolean(v))
			return fg_error_set(FG_EINVALID,
					    "policy.prune: not a boolean");
		out->prune = json_is_true(v);
	}
	if ((v = get(config, "force"))) {
		if (!json_is_boolean(v))
			return fg_error_set(FG_EINVALID,
					    "policy.force: not a boolean");
		out->force = json_is_true(v);
	}
	if ((v = get(config, "createNamespace"))) {
		if (!json_is_boolean(v))
			return fg_error_set(FG_EINVALID,
					    "policy.createNamespace: not a "
					    "boolean");
		out->create_namespace = json_is_true(v);
	}
	if ((v = get(config, "delete"))) {
		d = json_string_value(v);
		if (!d || delete_word(&out->del, d, strlen(d)) < 0)
			return fg_error_set(FG_EINVALID,
					    "policy.delete: want block, "
					    "suspend-first or allow");
	}
	if ((v = get(config, "move"))) {
		d = json_string_value(v);
		if (!d || move_word(&out->move, d, strlen(d)) < 0)
			return fg_error_set(FG_EINVALID,
					    "policy.move: want block, "
					    "savepoint or allow");
	}
	return 0;
}

int fg_policy_for_object(struct fg_policy *out, const struct fg_policy *ns,
			 const json_t *obj)
{
	const char *a = str(get(get(obj, "metadata"), "annotations"),
			    FG_POLICY_ANNOTATION);
	struct fg_policy p = *ns;
	const char *s, *end;

	*out = *ns;
	if (!a)
		return 0;
	if (strlen(a) > FG_POLICY_ANNOTATION_MAX)
		return fg_error_set(FG_EINVALID,
				    FG_POLICY_ANNOTATION
				    ": longer than %d bytes",
				    FG_POLICY_ANNOTATION_MAX);
	for (s = a; *s; s = *end ? end + 1 : end) {
		size_t n;

		while (*s == ' ')
			s++;
		end = s + strcspn(s, ",");
		n = (size_t)(end - s);
		while (n && s[n - 1] == ' ')
			n--;
		if (!n)
			continue;
		if (n == 23 && !strncmp(s, "allow-stateless-upgrade", n))
			p.allow_stateless_upgrade = 1;
		else if (n == 5 && !strncmp(s, "force", n))
			p.force = 1;
		else if (n > 7 && !strncmp(s, "delete=", 7) &&
			 !delete_word(&p.del, s + 7, n - 7))
			;
		else if (n > 5 && !strncmp(s, "move=", 5) &&
			 !move_word(&p.move, s + 5, n - 5))
			;
		else
			return fg_error_set(
				FG_EINVALID,
				FG_POLICY_ANNOTATION
				": unknown policy '%.*s' (want "
				"allow-stateless-upgrade, "
				"delete=block|suspend-first|allow, "
				"force, move=block|savepoint|allow)",
				(int)n, s);
	}
	*out = p;
	return 0;
}

static void verdict(struct fg_verdict *out, enum fg_verdict_kind kind,
		    enum fg_rule rule, const char *unblock, const char *reason)
{
	out->kind = kind;
	out->rule = rule;
	out->unblock = unblock;
	snprintf(out->reason, sizeof(out->reason), "%s", reason);
}

/*
 * The spec the job runs: lastReconciledSpec when recorded, else spec.
 * NULL with *oom set when memory ran out reading the recorded one: the
 * live spec is no stand-in for it (an upgrade may be pending).
 */
static json_t *running_spec(const json_t *live, int *oom)
{
	const char *s = str(get(get(live, "status"), "reconciliationStatus"),
			    "lastReconciledSpec");
	json_t *last, *spec;

	*oom = 0;
	if (s) {
		if (fg_operator_json(&last, s) < 0) {
			fg_error_clear();
			*oom = 1;
			return NULL;
		}
		spec = json_incref(json_object_get(last, "spec"));
		json_decref(last);
		if (spec)
			return spec;
	}
	return json_incref(mut(get(live, "spec")));
}

/* A stateful upgrade mode, with the operator's default (stateless). */
static int stateful_mode(const json_t *spec)
{
	const char *m = str(get(spec, "job"), "upgradeMode");

	return str_is(m, "savepoint") || str_is(m, "last-state");
}

/*
 * Why the job of `live` (to become `desired`, may be NULL) has state a
 * stateless restart or a delete would lose, into `why`; 0 when it is
 * provably stateless. The running mode is read from lastReconciledSpec
 * and the live spec both: the first deployment records stateless there
 * until the first real upgrade.
 */
static int has_state(const json_t *desired, const json_t *live,
		     const struct fg_flink_env *env, char *why, size_t n)
{
	int oom;
	json_t *run = running_spec(live, &oom);
	const json_t *specs[3] = { get(live, "spec"), run,
				   get(desired, "spec") };
	int stateful = stateful_mode(run) || stateful_mode(specs[0]);
	int own = 0, ck = 0;

	if (oom) {
		snprintf(why, n,
			 " (its last reconciled spec could not be "
			 "read: out of memory)");
		return 1;
	}

	for (int i = 0; i < 3; i++) {
		int c = specs[i] ? fg_flink_env_checkpointing(env, specs[i])
				 : 0;

		own |= fg_flink_conf_checkpointing(
			get(specs[i], "flinkConfiguration"));
		if (c > 0 || (c < 0 && ck == 0))
			ck = c;
	}
	json_decref(run);
	if (stateful) {
		snprintf(why, n, "%s", "");
		return 1;
	}
	if (own) {
		snprintf(why, n, " (checkpointing is configured)");
		return 1;
	}
	if (ck > 0 && env && env->session_cluster &&
	    fg_flink_conf_checkpointing(
		    fg_json_path(env->session_cluster, "spec",
				 "flinkConfiguration", NULL))) {
		snprintf(why, n,
			 " (checkpointing is configured by its session "
			 "cluster)");
		return 1;
	}
	if (ck > 0) {
		snprintf(why, n,
			 " (checkpointing is configured by the operator's "
			 "defaults, %s)",
			 env && env->operator_conf_source
				 ? env->operator_conf_source
				 : "");
		return 1;
	}
	if (ck < 0) {
		snprintf(why, n, "%s",
			 " (checkpointing may be configured in the operator's "
			 "defaults, which are not known: declare them as "
			 "operatorDefaults in " FG_RENDER_CONFIG_FILE
			 ", or let flink-gitops read the ConfigMap "
			 "flink-operator-config)");
		return 1;
	}
	return 0;
}

json_t *fg_policy_job_object(const json_t *obj, const struct fg_flink_env *env)
{
	struct fg_bg_state st;
	const json_t *child = NULL;

	if (!fg_is_bluegreen(obj))
		return obj ? json_incref(mut(obj)) : NULL;
	fg_bg_state_of(obj, &st);
	if (env && env->bg_children_known) {
		if (st.active)
			child = env->bg_children[st.active - 1];
		if (!child && st.target)
			child = env->bg_children[st.target - 1];
	}
	return child ? json_incref(mut(child)) : fg_bg_as_deployment(obj);
}

int fg_policy_has_state(const json_t *desired, const json_t *live,
			const struct fg_flink_env *env, char *why, size_t n)
{
	json_t *d = NULL, *l = NULL;
	int r;

	if (!fg_is_bluegreen(desired) && !fg_is_bluegreen(live))
		return has_state(desired, live, env, why, n);
	/* a FlinkBlueGreenDeployment: the job its template runs */
	d = desired ? fg_bg_as_deployment(desired) : NULL;
	l = live ? fg_bg_as_deployment(live) : NULL;
	r = has_state(d, l, env, why, n);
	json_decref(d);
	json_decref(l);
	return r;
}

void fg_policy_check_update_env(struct fg_verdict *out,
				const struct fg_policy *p,
				const json_t *desired, const json_t *live,
				const struct fg_classification *c,
				const struct fg_flink_env *env)
{
	char why[400], reason[512];

	memset(out, 0, sizeof(*out));
	if (!live || !c->flink)
		return;
	if (c->rejected) {
		snprintf(reason, sizeof(reason), "the operator rejects it: %s",
			 c->reason ? c->reason : "");
		verdict(out, FG_VERDICT_BLOCK, FG_RULE_REJECTED,
			"delete and re-create the object", reason);
		return;
	}
	if (c->restart != FG_RESTART_STATELESS || c->idle ||
	    c->type < FG_DIFF_UPGRADE)
		return;
	if (!fg_policy_has_state(desired, live, env, why, sizeof(why)))
		return;
	if (p->allow_stateless_upgrade) {
		verdict(out, FG_VERDICT_ALLOW, FG_RULE_STATELESS_UPGRADE, NULL,
			"stateless restart allowed by policy");
		out->overridden = 1;
		return;
	}
	if (c->bluegreen && !c->bg_in_place)
		snprintf(reason, sizeof(reason),
			 "a stateless transition would drop state: the new "
			 "colour starts WITHOUT the job's state%s",
			 why);
	else
		snprintf(reason, sizeof(reason),
			 "stateless upgrade would drop state%s", why);
	verdict(out, FG_VERDICT_BLOCK, FG_RULE_STATELESS_UPGRADE,
		"policy allowStatelessUpgrade, or "
		"annotation " FG_POLICY_ANNOTATION ": allow-stateless-upgrade",
		reason);
}

void fg_policy_check_update(struct fg_verdict *out, const struct fg_policy *p,
			    const json_t *desired, const json_t *live,
			    const struct fg_classification *c)
{
	struct fg_flink_env known = { 0 };

	known.operator_conf_known = 1; /* only what the objects say */
	fg_policy_check_update_env(out, p, desired, live, c, &known);
}

int fg_policy_job_runs(const json_t *live)
{
	const json_t *status = get(live, "status");
	const json_t *job = get(get(live, "spec"), "job");
	const char *js = str(get(status, "jobStatus"), "state");
	const char *lc = str(status, "lifecycleState");

	if (!json_is_object(job))
		return 0; /* a session cluster runs no job of its own */
	if (js)
		return !(str_is(js, "FINISHED") || str_is(js, "FAILED") ||
			 str_is(js, "CANCELED") || str_is(js, "SUSPENDED"));
	if (str_is(lc, "SUSPENDED") || str_is(lc, "DELETED"))
		return 0;
	return !str_is(str(job, "state"), "suspended");
}

int fg_policy_never_deployed(const json_t *live)
{
	const json_t *status = get(live, "status");
	const json_t *js = get(status, "jobStatus");
	const char *last =
		str(get(status, "reconciliationStatus"), "lastReconciledSpec");

	return !(last && *last) && !str(js, "jobId") && !str(js, "state");
}

/* The path the operator records for a last-state restore: not a
 * savepoint (AbstractJobReconciler, LAST_STATE_DUMMY_SP_PATH). */
#define LAST_STATE_MARKER "KUBERNETES_OPERATOR_LAST_STATE"

/* The savepoint the status records (a real one), or NULL. */
static const char *recorded_savepoint(const json_t *live)
{
	const json_t *js = get(get(live, "status"), "jobStatus");
	const char *s = str(js, "upgradeSavepointPath");

	if (s && *s)
		return strcmp(s, LAST_STATE_MARKER) ? s : NULL;
	s = str(get(get(js, "savepointInfo"), "lastSavepoint"), "location");
	return s && *s && strcmp(s, LAST_STATE_MARKER) ? s : NULL;
}

/* fg_policy_suspended_savepoint, and *oom set when memory ran out
 * reading the reconciled spec (NULL then). */
static const char *suspended_savepoint(const json_t *live, int *oom)
{
	const json_t *status = get(live, "status");
	const char *s =
		str(get(status, "reconciliationStatus"), "lastReconciledSpec");
	const char *sp = recorded_savepoint(live);
	const json_t *job;
	json_t *last;
	int ok;

	*oom = 0;
	if (!sp || !str_is(str(status, "lifecycleState"), "SUSPENDED") ||
	    str_is(str(get(status, "jobStatus"), "state"), "FAILED") || !s)
		return NULL;
	if (fg_operator_json(&last, s) < 0) {
		fg_error_clear();
		*oom = 1;
		return NULL;
	}
	job = get(get(last, "spec"), "job");
	ok = str_is(str(job, "state"), "suspended") &&
	     str_is(str(job, "upgradeMode"), "savepoint");
	json_decref(last);
	return ok ? sp : NULL;
}

const char *fg_policy_suspended_savepoint(const json_t *live)
{
	int oom;

	/* memory running out: no savepoint known (a wait, or a block) */
	return suspended_savepoint(live, &oom);
}

/*
 * Is the state of a job that does not run safe to delete? 1 with `why`
 * naming the savepoint that holds it (or why there is none to lose), 0
 * with `why` saying what would be lost, -1 when it cannot be told
 * (memory ran out; `why` says so).
 */
static int stopped_state_safe(const json_t *live,
			      const struct fg_flink_env *env, char *why,
			      size_t n)
{
	int oom, oom_sp;
	json_t *last = running_spec(live, &oom);
	const json_t *status = get(live, "status");
	const char *js = str(get(status, "jobStatus"), "state");
	const char *sp = suspended_savepoint(live, &oom_sp);
	const char *mode = str(get(last, "job"), "upgradeMode");
	char state[400];
	int safe = 0;

	if (oom || oom_sp) {
		json_decref(last);
		snprintf(why, n,
			 "its last reconciled spec could not be read "
			 "(out of memory)");
		return -1;
	}

	if (!json_is_object(status) || !json_object_size(status) ||
	    !str(get(status, "reconciliationStatus"), "lastReconciledSpec")) {
		snprintf(why, n, "it was never deployed");
		safe = 1;
	} else if (!fg_policy_has_state(NULL, live, env, state,
					sizeof(state))) {
		snprintf(why, n, "it keeps no state");
		safe = 1;
	} else if (sp) {
		snprintf(why, n, "its state is in savepoint %s", sp);
		safe = 1;
	} else if (str_is(js, "SUSPENDED")) {
		snprintf(why, n,
			 "Flink suspended the job (an HA failover in "
			 "progress): its HA metadata points at its state");
	} else if (str_is(js, "FAILED")) {
		snprintf(why, n,
			 "the job FAILED: its checkpoints and HA metadata are "
			 "its state");
	} else if (str_is(mode, "last-state")) {
		snprintf(why, n,
			 "it was suspended last-state: its HA metadata is the "
			 "only pointer to its state");
	} else {
		snprintf(why, n, "no savepoint is recorded for its state");
	}
	json_decref(last);
	return safe;
}

static void check_delete(struct fg_verdict *out, const struct fg_policy *p,
			 const json_t *live, const struct fg_flink_env *env);

/*
 * A FlinkBlueGreenDeployment: deleting it deletes its children (their
 * ownerReferences; Kubernetes garbage collection), each a FlinkDeployment
 * whose job goes with it. Each is checked as such; the strictest verdict
 * is the parent's. Without its children known, the parent stands for
 * the job it runs.
 */
static void check_delete_bluegreen(struct fg_verdict *out,
				   const struct fg_policy *p,
				   const json_t *live,
				   const struct fg_flink_env *env)
{
	struct fg_verdict v[2];
	char name[320], reason[512];
	const char *parent = fg_meta_str(live, "name");
	json_t *view;
	size_t k, worst = 2;

	memset(out, 0, sizeof(*out));
	if (!env || !env->bg_children_known) {
		view = fg_bg_as_deployment(live);
		check_delete(out, p, view, env);
		json_decref(view);
		return;
	}
	for (k = 0; k < 2; k++) {
		memset(&v[k], 0, sizeof(v[k]));
		if (!env->bg_children[k])
			continue;
		check_delete(&v[k], p, env->bg_children[k], env);
		if (worst == 2 || v[k].kind > v[worst].kind ||
		    (v[k].kind == v[worst].kind && v[k].rule && !v[worst].rule))
			worst = k;
	}
	if (worst == 2) {
		verdict(out, FG_VERDICT_ALLOW, FG_RULE_NONE, NULL,
			"no child of it is there: nothing runs");
		return;
	}
	*out = v[worst];
	fg_bg_child_name(name, sizeof(name), parent,
			 worst ? FG_BG_GREEN : FG_BG_BLUE);
	if (env->bg_children[0] && env->bg_children[1])
		snprintf(reason, sizeof(reason),
			 "it deletes its children %.60s-blue and "
			 "%.60s-green (ownerReferences); %.80s: %.240s",
			 parent, parent, name, v[worst].reason);
	else
		snprintf(reason, sizeof(reason),
			 "it deletes its child %.100s (ownerReference): "
			 "%.360s",
			 name, v[worst].reason);
	snprintf(out->reason, sizeof(out->reason), "%s", reason);
}

void fg_policy_check_delete_env(struct fg_verdict *out,
				const struct fg_policy *p, const json_t *live,
				const struct fg_flink_env *env)
{
	if (fg_is_bluegreen(live))
		check_delete_bluegreen(out, p, live, env);
	else
		check_delete(out, p, live, env);
}

static void check_delete(struct fg_verdict *out, const struct fg_policy *p,
			 const json_t *live, const struct fg_flink_env *env)
{
	const char *api = str(live, "apiVersion");
	const char *kind = str(live, "kind");
	char why[400], reason[512];
	int safe;

	memset(out, 0, sizeof(*out));
	if (!api || strncmp(api, "flink.apache.org/", 17))
		return;
	if (str_is(kind, "FlinkStateSnapshot")) {
		const json_t *sp = get(get(live, "spec"), "savepoint");
		const json_t *dispose = get(sp, "disposeOnDelete");

		/* disposeOnDelete defaults to true: the files go too */
		if (!json_is_object(sp) || json_is_false(dispose))
			return;
		if (p->del == FG_DELETE_ALLOW) {
			verdict(out, FG_VERDICT_ALLOW, FG_RULE_DELETE_RUNNING,
				NULL,
				"disposing the savepoint allowed by policy");
			out->overridden = 1;
			return;
		}
		verdict(out, FG_VERDICT_BLOCK, FG_RULE_DELETE_RUNNING,
			"set spec.savepoint.disposeOnDelete: false, or policy "
			"delete: allow",
			"deleting the FlinkStateSnapshot disposes its "
			"savepoint "
			"files (disposeOnDelete)");
		return;
	}
	if (!(str_is(kind, "FlinkDeployment") ||
	      str_is(kind, "FlinkSessionJob")) ||
	    !json_is_object(get(get(live, "spec"), "job")))
		return; /* a session cluster: its jobs are guarded apart */
	if (fg_policy_job_runs(live)) {
		snprintf(why, sizeof(why), "%s",
			 "deleting a running job drops its checkpoint history");
	} else if ((safe = stopped_state_safe(live, env, why, sizeof(why))) <
		   0) {
		/* whatever the policy: what it would allow is not known */
		snprintf(reason, sizeof(reason),
			 "cannot tell what deleting the job loses: %.300s",
			 why);
		verdict(out, FG_VERDICT_BLOCK, FG_RULE_DELETE_RUNNING,
			"sync again", reason);
		return;
	} else if (safe) {
		/* allowed; the plan says why nothing is lost */
		verdict(out, FG_VERDICT_ALLOW, FG_RULE_NONE, NULL, why);
		return;
	} else if (p->del == FG_DELETE_SUSPEND_FIRST) {
		/* no savepoint can be taken of a job that does not run */
		snprintf(reason, sizeof(reason),
			 "deleting the job loses its state: %.300s; "
			 "suspend-first cannot take a savepoint of a job that "
			 "does not run",
			 why);
		verdict(out, FG_VERDICT_BLOCK, FG_RULE_DELETE_RUNNING,
			"resume the job (spec.job.state: running) and sync "
			"again, or policy delete: allow",
			reason);
		return;
	} else {
		snprintf(reason, sizeof(reason),
			 "deleting the job loses its state: %.360s", why);
		snprintf(why, sizeof(why), "%.399s", reason);
	}
	switch (p->del) {
	case FG_DELETE_ALLOW:
		verdict(out, FG_VERDICT_ALLOW, FG_RULE_DELETE_RUNNING, NULL,
			"deleting a job with state allowed by policy");
		out->overridden = 1;
		break;
	case FG_DELETE_SUSPEND_FIRST:
		verdict(out, FG_VERDICT_SUSPEND_FIRST, FG_RULE_DELETE_RUNNING,
			NULL, "suspends with a savepoint first (policy)");
		out->overridden = 1;
		break;
	default:
		verdict(out, FG_VERDICT_BLOCK, FG_RULE_DELETE_RUNNING,
			"policy delete: suspend-first or allow, or "
			"annotation " FG_POLICY_ANNOTATION
			": delete=suspend-first",
			why);
	}
}

void fg_policy_check_delete(struct fg_verdict *out, const struct fg_policy *p,
			    const json_t *live)
{
	struct fg_flink_env known = { 0 };

	known.operator_conf_known = 1;
	fg_policy_check_delete_env(out, p, live, &known);
}

void fg_policy_check_namespace(struct fg_verdict *out,
			       const struct fg_policy *p, int failed,
			       size_t ndesired, size_t nmanaged)
{
	memset(out, 0, sizeof(*out));
	if (failed) {
		verdict(out, FG_VERDICT_BLOCK, FG_RULE_FAILED_NAMESPACE,
			"fix the files",
			"the namespace failed to render: not touched");
		return;
	}
	if (ndesired || !nmanaged)
		return;
	if (p->prune) {
		verdict(out, FG_VERDICT_ALLOW, FG_RULE_EMPTY_NAMESPACE, NULL,
			"pruning an empty namespace allowed by policy");
		out->overridden = 1;
		return;
	}
	verdict(out, FG_VERDICT_BLOCK, FG_RULE_EMPTY_NAMESPACE,
		"policy prune: true",
		"the namespace renders to nothing: nothing is pruned");
}
