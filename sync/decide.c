/*
 * The decision of the pass (sync/pass.h, "Decisions"): for one observed
 * namespace, every action with its classification, restart cost and
 * policy verdict. Pure: it reads its arguments and nothing else.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/grow.h"
#include "render/base/json.h"
#include "render/secret.h"
#include "sync/bluegreen.h"
#include "sync/pass.h"
#include "sync/pass_int.h"
#include "render/base/banned.h"

static int oom(void)
{
	return fg_error_set(FG_ERROR, "out of memory");
}

static int is_flink_group(const char *group)
{
	return !strcmp(group, "flink.apache.org");
}

/* A Flink object that runs a job (or a session cluster), with health. */
static int is_workload(const char *group, const char *kind)
{
	return is_flink_group(group) && (!strcmp(kind, "FlinkDeployment") ||
					 !strcmp(kind, "FlinkSessionJob") ||
					 !strcmp(kind, FG_BLUEGREEN_KIND));
}

/* Fields the operator compares with the value it last acted on. */
static const char *const nonces[] = {
	"/spec/restartNonce",
	"/spec/job/savepointTriggerNonce",
	"/spec/job/checkpointTriggerNonce",
	"/spec/job/savepointRedeployNonce",
	"/spec/job/autoscalerResetNonce",
};

static int is_nonce(const char *pointer)
{
	/* a FlinkBlueGreenDeployment's are in its template */
	if (!strncmp(pointer, "/spec/template/spec/", 20))
		pointer += 14;
	for (size_t i = 0; i < sizeof(nonces) / sizeof(*nonces); i++)
		if (!strcmp(pointer, nonces[i]))
			return 1;
	return 0;
}

static void set_verdict(struct fg_verdict *v, enum fg_rule rule,
			const char *unblock, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_verdict(struct fg_verdict *v, enum fg_rule rule,
			const char *unblock, const char *fmt, ...)
{
	va_list ap;

	memset(v, 0, sizeof(*v));
	v->kind = FG_VERDICT_BLOCK;
	v->rule = rule;
	v->unblock = unblock;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/* A wrong policy annotation blocks its object. */
static void bad_policy(struct fg_verdict *v)
{
	set_verdict(v, FG_RULE_BAD_POLICY, "fix the annotation", "%s",
		    fg_error_last());
	fg_error_clear();
}

/* A blocked step says why, and what the change would do to the job (the
 * restart the operator would make, a pending change) when it is one. */
static void blocked_words(struct fg_step *s)
{
	char would[sizeof(s->impact)];

	snprintf(would, sizeof(would), "%s", s->impact);
	if (s->wanted == FG_ACTION_UPDATE && s->cls.flink && !s->cls.rejected &&
	    *would)
		snprintf(s->impact, sizeof(s->impact),
			 "BLOCKED: %.400s; it would: %.560s", s->verdict.reason,
			 would);
	else
		snprintf(s->impact, sizeof(s->impact), "BLOCKED: %s",
			 s->verdict.reason);
}

static int set_note(struct fg_step *s, const char *note)
{
	free(s->note);
	if (!(s->note = strdup(note)))
		return oom();
	return 0;
}

static struct fg_step *new_step(struct fg_pass_ns *ns, const char *group,
				const char *kind, const char *name)
{
	struct fg_step *s;

	if (FG_GROW(ns->v, ns->n + 1, ns->cap) < 0)
		return NULL;
	s = &ns->v[ns->n];
	memset(s, 0, sizeof(*s));
	ns->n++; /* released with the namespace even when half filled */
	s->group = strdup(group);
	s->kind = strdup(kind);
	s->name = strdup(name);
	if (!s->group || !s->kind || !s->name)
		return NULL;
	return s;
}

/* The namespace step, when the namespace does not exist. */
static const struct fg_step *namespace_step(const struct fg_pass_ns *ns)
{
	return ns->n && fg_step_is_namespace(&ns->v[0]) ? &ns->v[0] : NULL;
}

int fg_step_is_namespace(const struct fg_step *s)
{
	return !s->desired && !*s->group && !strcmp(s->kind, "Namespace");
}

/* ---- desired objects ---- */

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

static const struct fg_object *desired_find(const struct fg_pass_ns *ns,
					    const char *group, const char *kind,
					    const char *name)
{
	char g[256];

	for (size_t i = 0; ns->rendered && i < ns->rendered->n; i++) {
		const struct fg_object *o = &ns->rendered->objs[i];

		if (strcmp(o->kind, kind) || strcmp(o->name, name))
			continue;
		fg_object_group(o->obj, g, sizeof(g));
		if (!strcmp(g, group))
			return o;
	}
	return NULL;
}

/* The session FlinkDeployment `name`: Git's, else the cluster's. */
static const json_t *session_cluster(const struct fg_pass_ns *ns,
				     const char *name)
{
	const struct fg_object *o;

	if (!name)
		return NULL;
	if ((o = desired_find(ns, "flink.apache.org", "FlinkDeployment", name)))
		return o->obj;
	return fg_live_find(&ns->live, "flink.apache.org", "FlinkDeployment",
			    name);
}

/* The environment the operator runs `obj` in: the pass's, with a
 * session job's session cluster. */
void fg_pass_env_of(const struct fg_pass_ns *ns, const json_t *obj,
		    struct fg_flink_env *env)
{
	memset(env, 0, sizeof(*env));
	if (ns->env)
		*env = *ns->env;
	env->session_cluster =
		fg_str_is(fg_json_str(obj, "kind"), "FlinkSessionJob")
			? session_cluster(ns,
					  fg_json_str(fg_json_get(obj, "spec"),
						      "deploymentName"))
			: NULL;
	env->bg_children_known = 0;
	env->bg_children[0] = env->bg_children[1] = NULL;
	if (fg_is_bluegreen(obj) && ns->observed &&
	    json_object_get(ns->live.listed,
			    "flink.apache.org/FlinkDeployment/")) {
		/* the children the operator made of the cluster's parent */
		const char *name = fg_meta_str(obj, "name");
		const json_t *parent =
			fg_live_find(&ns->live, "flink.apache.org",
				     FG_BLUEGREEN_KIND, name ? name : "");
		char cn[320];

		env->bg_children_known = 1;
		for (int c = FG_BG_BLUE; parent && c <= FG_BG_GREEN; c++) {
			const json_t *fd = fg_live_find(
				&ns->live, "flink.apache.org",
				"FlinkDeployment",
				fg_bg_child_name(cn, sizeof(cn), name,
						 (enum fg_bg_colour)c));

			if (fg_bg_is_child(fd, parent, (enum fg_bg_colour)c))
				env->bg_children[c - 1] = fd;
		}
	}
}

/*
 * A session cluster the operator redeploys kills its session jobs without
 * a savepoint (only HA data is kept; without HA a stateful session job
 * ends "Job Not Found" and is not resubmitted): each running session job
 * with state is a stateless restart, policed like one.
 */
static void session_jobs_restart(const struct fg_pass_ns *ns,
				 const char *cluster,
				 const struct fg_policy *pol,
				 struct fg_verdict *v)
{
	static const char prefix[] = "flink.apache.org/FlinkSessionJob/";
	struct fg_buf names = FG_BUF_INIT;
	struct fg_flink_env env;
	const char *key;
	json_t *o;
	char why[400];

	json_object_foreach (ns->live.index, key, o) {
		if (strncmp(key, prefix, sizeof(prefix) - 1) ||
		    !fg_str_is(fg_json_str(fg_json_get(o, "spec"),
					   "deploymentName"),
			       cluster) ||
		    !fg_policy_job_runs(o))
			continue;
		fg_pass_env_of(ns, o, &env);
		if (fg_policy_has_state(NULL, o, &env, why, sizeof(why)))
			fg_buf_printf(&names, "%s%s", names.len ? ", " : "",
				      key + sizeof(prefix) - 1);
	}
	if (names.len && pol->allow_stateless_upgrade) {
		set_verdict(v, FG_RULE_STATELESS_UPGRADE, NULL,
			    "restarting its session jobs without a savepoint "
			    "(%s) allowed by policy",
			    names.ptr);
		v->kind = FG_VERDICT_ALLOW;
		v->overridden = 1;
	} else if (names.len) {
		set_verdict(v, FG_RULE_STATELESS_UPGRADE,
			    "policy allowStatelessUpgrade, or annotation "
			    "" FG_POLICY_ANNOTATION ": allow-stateless-upgrade",
			    "redeploying the session cluster restarts its "
			    "session jobs without a savepoint: %s",
			    names.ptr);
	}
	fg_buf_release(&names);
}

/*
 * A session job whose session cluster neither Git nor the cluster has:
 * the operator would only record an error. Held back, with the reason.
 * Offline (no cluster to ask) validate's warning says it.
 */
static void no_session_cluster(struct fg_pass_ns *ns, struct fg_step *s,
			       const json_t *obj, int offline)
{
	const char *target;

	if (offline || strcmp(s->kind, "FlinkSessionJob") ||
	    !is_flink_group(s->group) || s->verdict.kind == FG_VERDICT_BLOCK)
		return;
	target = fg_json_str(fg_json_get(obj, "spec"), "deploymentName");
	if (!target || session_cluster(ns, target))
		return;
	set_verdict(&s->verdict, FG_RULE_NO_SESSION_CLUSTER,
		    "add the session cluster to the repository, or create "
		    "it in the namespace first",
		    "its session cluster FlinkDeployment %s/%s is neither in "
		    "the repository nor in the cluster",
		    ns->name, target);
}

/*
 * What is compared with the live object: Git's object as it is applied
 * (with the inventory's part-of label), its source and desired-hash
 * annotations taken from the live object. The source names the commit
 * and changes with every commit while the object does not; the hash is
 * compared on its own.
 */
int fg_pass_applied(json_t **out, const struct fg_step *s, const char *id)
{
	int err;

	if (fg_step_is_namespace(s)) {
		/* labelled, never a member: a namespace is never pruned */
		*out = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion",
				 "v1", "kind", "Namespace", "metadata", "name",
				 s->name, "labels", FG_LABEL_MANAGED_BY,
				 FG_MANAGER);
		return *out ? 0 : oom();
	}
	err = fg_inventory_member_object(out, s->desired->obj, id);

	if (!err && s->hpa)
		json_object_del(fg_json_mut(fg_json_path(*out, "spec",
							 "taskManager", NULL)),
				"replicas");
	return err;
}

json_t *fg_pass_comparable(const json_t *obj, const json_t *live,
			   const char *id)
{
	static const char *const keep[] = { FG_ANNOTATION_SOURCE,
					    FG_ANNOTATION_HASH };
	json_t *c = NULL, *ann;

	if (fg_inventory_member_object(&c, obj, id) < 0)
		return NULL;
	ann = json_object_get(json_object_get(c, "metadata"), "annotations");
	for (size_t i = 0; i < 2 && json_is_object(ann); i++) {
		const json_t *v = fg_json_path(live, "metadata", "annotations",
					       keep[i], NULL);

		if (json_is_string(v) &&
		    json_object_set(ann, keep[i], fg_json_mut(v)) < 0) {
			json_decref(c); /* memory: not a difference */
			return NULL;
		}
		if (!json_is_string(v))
			json_object_del(ann, keep[i]);
	}
	return c;
}

static int live_key(struct fg_buf *b, const char *group, const char *kind,
		    const char *name)
{
	fg_buf_clear(b);
	return fg_buf_printf(b, "%s/%s/%s", group, kind, name);
}

/*
 * Keep in `ch` only the changes someone made: with `same` (Git has not
 * changed since we applied it), a value that differs on a field no other
 * manager touches is the API server's own rewrite, not a change.
 */
static int drop_normalised(struct fg_changes *ch, const json_t *live)
{
	size_t i, k = 0;

	for (i = 0; i < ch->n; i++) {
		struct fg_field_change *c = &ch->v[i];
		int t = c->desired && c->live
				? fg_field_touched_by_others(live, c->pointer,
							     NULL, NULL)
				: 1;

		if (t < 0) {
			/* keep the rest: every change stays owned */
			for (; i < ch->n; i++)
				ch->v[k++] = ch->v[i];
			ch->n = k;
			return t;
		}
		if (!t) {
			free(c->pointer);
			free(c->field);
			json_decref(c->desired);
			json_decref(c->live);
			continue;
		}
		ch->v[k++] = *c;
	}
	ch->n = k;
	return 0;
}

/*
 * The drifted fields of `s` into s->drift, attributed: with `same`, every
 * change; else the changes to fields another manager touches.
 */
static int collect_drift(struct fg_step *s, int same, const json_t *live)
{
	struct fg_changes mine = FG_CHANGES_INIT;
	int err = 0;

	for (size_t i = 0; i < s->changes.n && !err; i++) {
		const struct fg_field_change *c = &s->changes.v[i];

		int t = same ? 1
			     : fg_field_touched_by_others(live, c->pointer,
							  NULL, NULL);

		if (t < 0)
			err = t;
		else if (t)
			err = fg_changes_add(&mine, c->pointer, c->desired,
					     c->live);
	}
	if (!err && mine.n)
		err = fg_drift_build(&s->drift, &mine, live);
	fg_changes_release(&mine);
	return err;
}

/* "spec.a (kubectl-edit), spec.b (helm)" for the conflicting fields:
 * how many, or FG_ERROR when memory ran out. */
static long conflicts(const struct fg_step *s, const json_t *live,
		      struct fg_buf *out)
{
	long n = 0;
	int t, err = 0;

	for (size_t i = 0; i < s->changes.n && !err; i++) {
		const struct fg_field_change *c = &s->changes.v[i];
		const char *who = NULL;

		if (!c->desired)
			continue;
		if ((t = fg_field_touched_by_others(live, c->pointer, NULL,
						    &who)) <= 0) {
			err = t;
			continue;
		}
		if (n++ < 8)
			err = fg_buf_printf(out, "%s%s (%s)",
					    out->len ? ", " : "", c->field,
					    who ? who : "?");
	}
	if (!err && n > 8)
		err = fg_buf_printf(out, " and %ld more", n - 8);
	return err < 0 ? err : n;
}

/* Does another manager own one of the annotations flink-gitops keeps? */
static int bookkeeping_taken(const json_t *live)
{
	static const char *const ptrs[] = {
		"/metadata/annotations/flink-gitops.io~1desired-hash",
		"/metadata/annotations/flink-gitops.io~1source",
	};

	int t = 0;

	for (size_t i = 0; i < sizeof(ptrs) / sizeof(*ptrs) && !t; i++)
		t = fg_field_touched_by_others(live, ptrs[i], NULL, NULL);
	return t; /* 1, 0, or FG_ERROR */
}

static int nonce_drift(const struct fg_step *s, struct fg_buf *out)
{
	int n = 0;

	for (size_t i = 0; i < s->drift.n; i++)
		if (is_nonce(s->drift.v[i].pointer)) {
			fg_buf_printf(out, "%s%s", n++ ? ", " : "",
				      s->drift.v[i].field);
		}
	return n;
}

/*
 * May the API server store another form of what Git sets? The Flink CRDs
 * declare no defaults; a ConfigMap's or Secret's data is stored as sent.
 * Every other kind (built-in or allowed through allowKinds) may be
 * defaulted or normalised.
 */
static int defaulted(const char *group, const char *kind)
{
	if (is_flink_group(group))
		return 0;
	return *group || (strcmp(kind, "ConfigMap") && strcmp(kind, "Secret"));
}

/*
 * A Secret's values never leave the decision: every value of its changes
 * becomes a marker that compares equal exactly when the values do
 * (render/secret.h), after everything was decided on the real values.
 * Plan, sync and drift output, and anything built from the step, then
 * carry no byte of a Secret.
 */
static int redact_changes(struct fg_step *s, const json_t *obj)
{
	json_t *v;

	if (!fg_secret_is_secret(obj))
		return 0;
	for (size_t i = 0; i < s->changes.n; i++) {
		struct fg_field_change *c = &s->changes.v[i];

		if (c->desired) {
			if (!(v = fg_secret_redact_field(obj, c->pointer,
							 c->desired)))
				return oom();
			json_decref(c->desired);
			c->desired = v;
		}
		if (c->live) {
			if (!(v = fg_secret_redact_field(obj, c->pointer,
							 c->live)))
				return oom();
			json_decref(c->live);
			c->live = v;
		}
	}
	return 0;
}

/* A name flink-gitops keeps for its inventories. */
static int reserved_name(const char *group, const char *kind, const char *name)
{
	size_t n = strlen(FG_INVENTORY_NAME);

	return !*group && !strcmp(kind, "ConfigMap") &&
	       !strncmp(name, FG_INVENTORY_NAME, n) &&
	       (!name[n] || name[n] == '.');
}

/* The repository whose inventory has ApplySet id `id`, or NULL. */
static const char *repository_of(const struct fg_pass_ns *ns, const char *id)
{
	return json_string_value(json_object_get(ns->live.inventories, id));
}

static void words(struct fg_step *s)
{
	fg_classification_words(&s->cls, s->impact, sizeof(s->impact));
	if (s->why == FG_WHY_BOOKKEEPING)
		snprintf(s->impact, sizeof(s->impact),
			 "records flink-gitops' labels and annotations (no "
			 "field changes)");
	else if (s->why == (FG_WHY_ADOPT | FG_WHY_BOOKKEEPING))
		snprintf(s->impact, sizeof(s->impact),
			 "takes it into flink-gitops' inventory (no field "
			 "changes)");
}

static int decide_desired(struct fg_pass_ns *ns, const struct fg_object *o,
			  const struct fg_pass_opts *opts, int offline)
{
	struct fg_diff_opts dopt = { NULL, 0 };
	struct fg_buf key = FG_BUF_INIT, why = FG_BUF_INIT;
	char group[256];
	const char *part_of, *live_hash, *owner_kind, *owner_name;
	const json_t *settled, *cmp;
	struct fg_flink_env env;
	struct fg_policy pol;
	json_t *live, *want = NULL;
	const struct fg_step *ns_step;
	struct fg_step *s;
	int err = 0, same, force, t;
	long nc;

	fg_object_group(o->obj, group, sizeof(group));
	if (!(s = new_step(ns, group, o->kind, o->name)))
		return oom();
	s->desired = o;
	s->rank = fg_apply_rank(o->obj);
	s->hpa = fg_live_hpa_owns(&ns->live, o->kind, o->name);
	live = fg_live_find(&ns->live, group, o->kind, o->name);
	if (live) {
		s->live = json_incref(live);
		if (fg_meta_str(live, "uid") &&
		    !(s->uid = strdup(fg_meta_str(live, "uid"))))
			return oom();
	}
	if (reserved_name(group, o->kind, o->name)) {
		s->wanted = s->action =
			live ? FG_ACTION_UPDATE : FG_ACTION_CREATE;
		set_verdict(&s->verdict, FG_RULE_RESERVED, "rename it",
			    "the name %s is reserved for flink-gitops' "
			    "inventories",
			    o->name);
		blocked_words(s);
		return 0;
	}
	if (fg_policy_for_object(&pol, &ns->policy, o->obj) < 0) {
		bad_policy(&s->verdict);
		pol = ns->policy;
	}

	/* absent: a create */
	if (!live) {
		s->wanted = s->action = FG_ACTION_CREATE;
		s->why = FG_WHY_GIT;
		if (opts->mode == FG_PASS_HEAL_ONLY) {
			s->action = FG_ACTION_NOOP;
			if ((err = set_note(s, "missing: sync creates it")) < 0)
				return err;
		}
		fg_pass_env_of(ns, o->obj, &env);
		err = fg_classify_env(o->obj, NULL, &env, &s->changes, &s->cls);
		if (err < 0)
			return err;
		words(s);
		if (opts->mode != FG_PASS_HEAL_ONLY)
			no_session_cluster(ns, s, o->obj, offline);
		if ((ns_step = namespace_step(ns)) && fg_step_blocked(ns_step))
			s->verdict = ns_step->verdict;
		if (s->verdict.kind == FG_VERDICT_BLOCK)
			blocked_words(s);
		return 0;
	}

	/* what the operator made (a FlinkBlueGreenDeployment's children, its
	   ingress) is the operator's: never taken over, whatever Git says */
	if (fg_operator_owner(live, &owner_kind, &owner_name) &&
	    !fg_label(live, FG_APPLYSET_LABEL_PART_OF)) {
		s->wanted = s->action = FG_ACTION_UPDATE;
		s->why = FG_WHY_ADOPT;
		set_verdict(&s->verdict, FG_RULE_OWNED_ELSEWHERE,
			    "rename it: the name is the operator's",
			    "the operator made it for %s %s (ownerReferences) "
			    "and owns it; not taken over",
			    owner_kind, owner_name);
		blocked_words(s);
		return 0;
	}

	/* another repository's object is never taken over */
	part_of = fg_label(live, FG_APPLYSET_LABEL_PART_OF);
	if (part_of && strcmp(part_of, ns->id)) {
		const char *repo = repository_of(ns, part_of);

		s->wanted = s->action = FG_ACTION_UPDATE;
		s->why = FG_WHY_ADOPT;
		if (repo)
			set_verdict(&s->verdict, FG_RULE_OWNED_ELSEWHERE,
				    "remove it from one of the two "
				    "repositories",
				    "repository '%s' manages it (its "
				    "inventory in %s); not taken over",
				    repo, ns->name);
		else
			set_verdict(&s->verdict, FG_RULE_OWNED_ELSEWHERE,
				    "remove it from the other ApplySet first",
				    "another ApplySet manages it (%s=%s); not "
				    "taken over",
				    FG_APPLYSET_LABEL_PART_OF, part_of);
		blocked_words(s);
		return 0;
	}
	s->ours = part_of != NULL;
	live_hash = fg_annotation(live, FG_ANNOTATION_HASH);
	same = s->ours && fg_str_is(live_hash, o->hash);

	/* what differs */
	if (!(want = fg_pass_comparable(o->obj, live, ns->id)))
		return oom();
	if ((err = live_key(&key, group, o->kind, o->name)) < 0)
		goto done;
	settled = json_object_get(ns->settled, key.ptr);
	cmp = settled ? settled : want;
	dopt.hpa_owns_replicas = s->hpa;
	if ((err = fg_diff(cmp, live, &dopt, &s->changes)) < 0)
		goto done;
	if (same && !settled && !offline &&
	    (err = drop_normalised(&s->changes, live)) < 0)
		goto done;
	/* the API server defaults built-in kinds: ask it what it stores */
	if (!settled && !offline && s->changes.n && defaulted(group, o->kind))
		s->settle = 1;
	if ((err = redact_changes(s, o->obj)) < 0 ||
	    (err = collect_drift(s, same, live)) < 0)
		goto done;

	if (same)
		s->why = s->changes.n ? FG_WHY_DRIFT : 0;
	else
		s->why = FG_WHY_GIT | (s->drift.n ? FG_WHY_DRIFT : 0) |
			 (!s->ours ? FG_WHY_ADOPT : 0) |
			 (!s->changes.n ? FG_WHY_BOOKKEEPING : 0);
	if (!s->changes.n && !same)
		s->why &= ~(unsigned)FG_WHY_GIT;
	if (is_workload(group, o->kind) && !offline) {
		const json_t *cl = NULL;
		int sj = !strcmp(o->kind, "FlinkSessionJob");

		if (sj)
			cl = fg_live_find(&ns->live, "flink.apache.org",
					  "FlinkDeployment",
					  fg_json_str(fg_json_get(live, "spec"),
						      "deploymentName"));
		if (!strcmp(o->kind, FG_BLUEGREEN_KIND)) {
			/* its children's health is part of its own */
			fg_pass_env_of(ns, o->obj, &env);
			err = fg_health_of_bluegreen(
				live, o->obj, env.bg_children,
				env.bg_children_known,
				ns->env ? ns->env->now : 0, &s->health);
		} else {
			err = fg_health_of_env(live, o->obj, cl, sj,
					       ns->env ? ns->env->now : 0,
					       &s->health);
		}
		if (err < 0)
			goto done;
		if (s->health.drifted_rollback)
			s->why |= FG_WHY_ROLLED_BACK;
	}
	s->wanted = s->why & (FG_WHY_GIT | FG_WHY_DRIFT | FG_WHY_ADOPT |
			      FG_WHY_BOOKKEEPING)
			    ? FG_ACTION_UPDATE
			    : FG_ACTION_NOOP;
	s->action = s->wanted;
	if (s->wanted == FG_ACTION_NOOP) {
		snprintf(s->impact, sizeof(s->impact), "%s",
			 !(s->why & FG_WHY_ROLLED_BACK) ? "no change"
			 : strcmp(o->kind, FG_BLUEGREEN_KIND)
				 ? "in Git's state, but the operator rolled "
				   "it back"
				 : "in Git's state, but the operator rolled "
				   "the transition back: a new commit that "
				   "changes the template starts another one");
		goto done;
	}
	if (same && opts->mode == FG_PASS_APPLY_ONLY) {
		s->action = FG_ACTION_NOOP;
		if ((err = set_note(s, "drifted: not taken back (selfHeal "
				       "is off)")) < 0)
			goto done;
	} else if (!same && opts->mode == FG_PASS_HEAL_ONLY) {
		s->action = FG_ACTION_NOOP;
		if ((err = set_note(s, "Git changed it: sync applies it")) < 0)
			goto done;
	}

	/* how the operator acts on it */
	fg_pass_env_of(ns, o->obj, &env);
	err = fg_classify_env(cmp, live, &env, &s->changes, &s->cls);
	if (err < 0)
		goto done;
	words(s);

	/* what policy says, about what this pass does */
	if (s->action == FG_ACTION_NOOP)
		goto done;
	if (s->verdict.kind != FG_VERDICT_BLOCK)
		fg_policy_check_update_env(&s->verdict, &pol, o->obj, live,
					   &s->cls, &env);
	if (s->verdict.kind != FG_VERDICT_BLOCK &&
	    s->cls.session_cluster_redeploy)
		session_jobs_restart(ns, o->name, &pol, &s->verdict);
	no_session_cluster(ns, s, o->obj, offline);
	if (s->verdict.kind != FG_VERDICT_BLOCK && nonce_drift(s, &why)) {
		set_verdict(&s->verdict, FG_RULE_NONCE,
			    "put the cluster's value into Git, or a new value "
			    "to fire it again",
			    "%s changed outside Git: writing Git's value back "
			    "would fire it again",
			    why.ptr);
	}
	fg_buf_clear(&why);
	force = pol.force || (s->ours && opts->mode != FG_PASS_APPLY_ONLY);
	/* our own annotations, taken by someone (kubectl annotate): ours
	   to take back, or the apply conflicts on bookkeeping alone */
	if (force && (t = bookkeeping_taken(live)) != 0) {
		if (t < 0) {
			err = t;
			goto done;
		}
		s->force = 1;
	}
	if ((nc = conflicts(s, live, &why)) < 0) {
		err = (int)nc;
		goto done;
	}
	if (nc) {
		if (force)
			s->force = 1;
		else if (s->verdict.kind != FG_VERDICT_BLOCK)
			set_verdict(&s->verdict, FG_RULE_CONFLICT,
				    "policy force: true, or annotation "
				    "" FG_POLICY_ANNOTATION ": force",
				    "other field managers own %s", why.ptr);
	}
	if (s->verdict.kind == FG_VERDICT_BLOCK)
		blocked_words(s);
done:
	json_decref(want);
	fg_buf_release(&key);
	fg_buf_release(&why);
	return err;
}

/* ---- prunes ---- */

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

static int member_rank(const struct fg_pass_ns *ns,
		       const struct fg_inv_member *m)
{
	json_t *live = fg_live_find(&ns->live, m->group, m->kind, m->name);

	if (live)
		return fg_apply_rank(live);
	if (is_flink_group(m->group))
		return !strcmp(m->kind, "FlinkDeployment") ||
				       !strcmp(m->kind, FG_BLUEGREEN_KIND)
			       ? 2
		       : !strcmp(m->kind, "FlinkSessionJob") ? 3
							     : 4;
	return 0;
}

/* A suspend-first sequence of ours is under way (an earlier pass). */
static int suspend_started(const json_t *live)
{
	const json_t *e;
	size_t i;

	json_array_foreach (fg_json_mut(fg_json_path(live, "metadata",
						     "managedFields", NULL)),
			    i, e)
		if (fg_str_is(fg_json_str(e, "manager"),
			      FG_PASS_SUSPEND_MANAGER))
			return 1;
	return 0;
}

/* 1 when this pass deletes session job `name` (decided, not blocked). */
static int deleted_here(const struct fg_pass_ns *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++) {
		const struct fg_step *s = &ns->v[i];

		if (s->action == FG_ACTION_DELETE && !fg_step_blocked(s) &&
		    !strcmp(s->kind, "FlinkSessionJob") &&
		    !strcmp(s->name, name))
			return 1;
	}
	return 0;
}

/*
 * Session jobs on session cluster `cluster`: those that stay (Git has
 * them, or nothing deletes them) into `stay`, those going (deleted by
 * this pass or already terminating) into `going`.
 */
static void session_users(const struct fg_pass_ns *ns, const char *cluster,
			  struct fg_buf *stay, struct fg_buf *going)
{
	static const char prefix[] = "flink.apache.org/FlinkSessionJob/";
	const char *key;
	json_t *o;

	json_object_foreach (ns->live.index, key, o) {
		const char *name = key + sizeof(prefix) - 1;
		struct fg_buf *b;

		if (strncmp(key, prefix, sizeof(prefix) - 1) ||
		    !fg_str_is(fg_json_str(fg_json_get(o, "spec"),
					   "deploymentName"),
			       cluster))
			continue;
		b = desired_find(ns, "flink.apache.org", "FlinkSessionJob",
				 name)
			    ? stay
		    : deleted_here(ns, name) ||
				    fg_json_path(o, "metadata",
						 "deletionTimestamp", NULL)
			    ? going
			    : stay;
		fg_buf_printf(b, "%s%s", b->len ? ", " : "", name);
	}
	/* Git's session jobs on it that the cluster does not have yet */
	for (size_t i = 0; ns->rendered && i < ns->rendered->n; i++) {
		const struct fg_object *d = &ns->rendered->objs[i];

		if (strcmp(d->kind, "FlinkSessionJob") ||
		    !fg_str_is(fg_json_str(fg_json_get(d->obj, "spec"),
					   "deploymentName"),
			       cluster) ||
		    fg_live_find(&ns->live, "flink.apache.org",
				 "FlinkSessionJob", d->name))
			continue;
		fg_buf_printf(stay, "%s%s", stay->len ? ", " : "", d->name);
	}
}

static void delete_words(struct fg_step *s, const json_t *live, int never)
{
	int flink = is_flink_group(s->group);
	const char *w;

	if (never && is_workload(s->group, s->kind))
		w = "deletes it (the operator never deployed it: no job ran)";
	else if (flink && !strcmp(s->kind, FG_BLUEGREEN_KIND) &&
		 (s->verdict.kind == FG_VERDICT_SUSPEND_FIRST ||
		  s->suspend_first))
		w = "suspends its active child with a savepoint, then deletes "
		    "it and its children";
	else if (s->verdict.kind == FG_VERDICT_SUSPEND_FIRST ||
		 s->suspend_first)
		w = "suspends with a savepoint, then deletes";
	else if (flink && !strcmp(s->kind, FG_BLUEGREEN_KIND) &&
		 s->verdict.overridden)
		w = "deletes it and its children: the job stops and its "
		    "checkpoint history is lost (allowed by policy)";
	else if (flink && !strcmp(s->kind, FG_BLUEGREEN_KIND) &&
		 *s->verdict.reason && s->verdict.kind != FG_VERDICT_BLOCK) {
		snprintf(s->impact, sizeof(s->impact),
			 "deletes it and its children (%.560s)",
			 s->verdict.reason);
		return;
	} else if (flink && !strcmp(s->kind, FG_BLUEGREEN_KIND))
		w = "deletes it and its children";
	else if (flink && s->verdict.overridden)
		w = "deletes it: the job stops and its checkpoint history is "
		    "lost (allowed by policy)";
	else if (flink && !strcmp(s->kind, "FlinkDeployment") &&
		 !json_is_object(fg_json_path(live, "spec", "job", NULL)))
		w = "deletes the session cluster";
	else if (is_workload(s->group, s->kind) && *s->verdict.reason) {
		/* a stopped job: the policy said why nothing is lost */
		snprintf(s->impact, sizeof(s->impact),
			 "deletes it (the job is not running: %.560s)",
			 s->verdict.reason);
		return;
	} else if (is_workload(s->group, s->kind))
		w = "deletes it (the job is not running)";
	else
		w = "deletes it";
	snprintf(s->impact, sizeof(s->impact), "%s", w);
}

static int decide_delete(struct fg_pass_ns *ns, const struct fg_inv_member *m,
			 const struct fg_pass_opts *opts, int offline)
{
	json_t *live = fg_live_find(&ns->live, m->group, m->kind, m->name);
	const char *uid, *part_of, *mb;
	struct fg_buf stay = FG_BUF_INIT, going = FG_BUF_INIT;
	struct fg_flink_env env;
	struct fg_policy pol;
	struct fg_step *s;
	int err = 0, never = 0;

	if (!live)
		return 0; /* already gone: the inventory forgets it */
	if (!(s = new_step(ns, m->group, m->kind, m->name)))
		return oom();
	s->rank = member_rank(ns, m);
	s->live = json_incref(live);
	if (!(s->uid = strdup(m->uid)))
		return oom();
	uid = fg_meta_str(live, "uid");
	part_of = fg_label(live, FG_APPLYSET_LABEL_PART_OF);
	mb = fg_label(live, FG_LABEL_MANAGED_BY);
	if (*m->uid && !fg_str_is(uid, m->uid))
		return set_note(s, "replaced by another object of the same "
				   "name (uid differs); left alone");
	if (!fg_str_is(part_of, ns->id) || !fg_str_is(mb, FG_MANAGER))
		return set_note(s, "no longer labelled as flink-gitops' "
				   "(" FG_APPLYSET_LABEL_PART_OF
				   ", " FG_LABEL_MANAGED_BY "); left alone");
	if (!*m->uid && uid) {
		free(s->uid);
		if (!(s->uid = strdup(uid)))
			return oom();
	}
	s->ours = 1;
	s->wanted = s->action = FG_ACTION_DELETE;
	s->why = FG_WHY_GIT;
	if (opts->mode == FG_PASS_HEAL_ONLY) {
		s->action = FG_ACTION_NOOP;
		if ((err = set_note(s, "Git no longer has it: sync prunes "
				       "it")) < 0)
			return err;
	}
	if (ns->verdict.kind == FG_VERDICT_BLOCK) {
		s->verdict = ns->verdict;
	} else if (fg_policy_for_object(&pol, &ns->policy, live) < 0) {
		bad_policy(&s->verdict);
	} else if (!offline && is_flink_group(m->group) &&
		   !strcmp(m->kind, "FlinkSessionJob") &&
		   fg_policy_never_deployed(live)) {
		/* a session job that never ran (its cluster never took it):
		   no state to lose, nothing to suspend. A FlinkDeployment
		   without a status stays held: its spec says it runs. */
		never = 1;
	} else {
		if (opts->allow_delete)
			pol.del = FG_DELETE_ALLOW;
		fg_pass_env_of(ns, live, &env);
		fg_policy_check_delete_env(&s->verdict, &pol, live, &env);
		s->suspend_first =
			is_workload(m->group, m->kind) &&
			(s->verdict.kind == FG_VERDICT_SUSPEND_FIRST ||
			 (pol.del == FG_DELETE_SUSPEND_FIRST &&
			  suspend_started(live)));
	}
	delete_words(s, live, never);
	if (s->verdict.kind != FG_VERDICT_BLOCK && is_flink_group(m->group) &&
	    !strcmp(m->kind, "FlinkDeployment") &&
	    !json_is_object(fg_json_path(live, "spec", "job", NULL))) {
		session_users(ns, m->name, &stay, &going);
		if (stay.len)
			set_verdict(&s->verdict, FG_RULE_DELETE_RUNNING,
				    "delete its session jobs first",
				    "session jobs still run on it: %s",
				    stay.ptr);
		else if (going.len)
			snprintf(s->impact, sizeof(s->impact),
				 "deletes the session cluster once its "
				 "session jobs are gone (%s)",
				 going.ptr);
	}
	if (s->verdict.kind == FG_VERDICT_BLOCK)
		blocked_words(s);
	if (!err && opts->no_prune && s->action == FG_ACTION_DELETE) {
		/* kept, and kept in the inventory: a later sync prunes it */
		s->action = FG_ACTION_NOOP;
		memset(&s->verdict, 0, sizeof(s->verdict));
		s->suspend_first = 0;
		err = set_note(s, "not pruned (--no-prune)");
	}
	fg_buf_release(&stay);
	fg_buf_release(&going);
	return err;
}

/*
 * A namespace the cluster does not have: a step of kind Namespace, first
 * (rank FG_NAMESPACE_RANK). Created under policy createNamespace or
 * --create-namespace, else blocked, and every create there with it.
 */
static int decide_namespace(struct fg_pass_ns *ns,
			    const struct fg_pass_opts *opts)
{
	struct fg_step *s;

	if (!(s = new_step(ns, "", "Namespace", ns->name)))
		return oom();
	s->rank = FG_NAMESPACE_RANK;
	s->wanted = s->action = FG_ACTION_CREATE;
	s->why = FG_WHY_GIT;
	if (opts->mode == FG_PASS_HEAL_ONLY) {
		s->action = FG_ACTION_NOOP;
		return set_note(s, "missing: sync creates it only with policy "
				   "createNamespace: true or "
				   "--create-namespace");
	}
	if (ns->policy.create_namespace || opts->create_namespace) {
		snprintf(s->impact, sizeof(s->impact),
			 "creates the namespace (%s)",
			 ns->policy.create_namespace ? "policy createNamespace"
						     : "--create-namespace");
		return 0;
	}
	set_verdict(&s->verdict, FG_RULE_NAMESPACE_MISSING,
		    "policy createNamespace: true (flink-gitops.yaml, or the "
		    "namespace's _defaults.yaml), or --create-namespace for "
		    "one run",
		    "namespace %s does not exist", ns->name);
	blocked_words(s);
	return 0;
}

int fg_decide_ns(struct fg_pass_ns *ns, const struct fg_pass_opts *opts,
		 int offline)
{
	struct desired_ref *order = NULL;
	struct prune_ref *prunes = NULL;
	size_t i, n = ns->rendered ? ns->rendered->n : 0, nprune = 0;
	struct fg_buf key = FG_BUF_INIT;
	json_t *wanted = NULL;
	char group[256];
	int err = 0;

	fg_steps_release(ns);
	memset(&ns->verdict, 0, sizeof(ns->verdict));
	if (ns->failed) {
		fg_policy_check_namespace(&ns->verdict, &ns->policy, 1, 0, 0);
		return 0;
	}
	fg_policy_check_namespace(&ns->verdict, &ns->policy, 0, n,
				  ns->live.inventory.n);
	if (ns->absent && !offline && (err = decide_namespace(ns, opts)) < 0)
		return err;

	if (n && !(order = calloc(n, sizeof(*order))))
		return oom();
	for (i = 0; i < n; i++) {
		order[i].o = &ns->rendered->objs[i];
		order[i].rank = fg_apply_rank(order[i].o->obj);
	}
	if (n > 1)
		qsort(order, n, sizeof(*order), desired_cmp);
	for (i = 0; i < n && !err; i++)
		err = decide_desired(ns, order[i].o, opts, offline);

	if (!err && ns->live.inventory.n &&
	    !(prunes = calloc(ns->live.inventory.n, sizeof(*prunes))))
		err = oom();
	/* what Git has, by "group/kind/name" */
	if (!err && !(wanted = json_object()))
		err = oom();
	for (i = 0; !err && i < n; i++) {
		const struct fg_object *o = &ns->rendered->objs[i];

		fg_object_group(o->obj, group, sizeof(group));
		if (live_key(&key, group, o->kind, o->name) < 0 ||
		    json_object_set_new(wanted, key.ptr, json_true()) < 0)
			err = oom();
	}
	for (i = 0; !err && i < ns->live.inventory.n; i++) {
		const struct fg_inv_member *m = &ns->live.inventory.v[i];

		if ((err = live_key(&key, m->group, m->kind, m->name)) < 0)
			break;
		if (json_object_get(wanted, key.ptr))
			continue;
		prunes[nprune].m = m;
		prunes[nprune].rank = member_rank(ns, m);
		nprune++;
	}
	if (nprune > 1)
		qsort(prunes, nprune, sizeof(*prunes), prune_cmp);
	for (i = 0; i < nprune && !err; i++)
		err = decide_delete(ns, prunes[i].m, opts, offline);
	free(order);
	free(prunes);
	json_decref(wanted);
	fg_buf_release(&key);
	return err;
}

/* ---- shared with pass.c ---- */

void fg_step_release(struct fg_step *s)
{
	free(s->group);
	free(s->kind);
	free(s->name);
	free(s->uid);
	free(s->note);
	free(s->message);
	json_decref(s->live);
	fg_classification_release(&s->cls);
	fg_changes_release(&s->changes);
	fg_drift_release(&s->drift);
	fg_health_report_release(&s->health);
	fg_health_report_release(&s->wait_health);
	memset(s, 0, sizeof(*s));
}

void fg_steps_release(struct fg_pass_ns *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		fg_step_release(&ns->v[i]);
	ns->n = 0;
}

int fg_step_blocked(const struct fg_step *s)
{
	return s->verdict.kind == FG_VERDICT_BLOCK ||
	       s->outcome == FG_OUTCOME_CONFLICT;
}
