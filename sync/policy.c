#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
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
		else
			return fg_error_set(FG_EINVALID,
					    FG_POLICY_ANNOTATION
					    ": unknown policy '%.*s' (want "
					    "allow-stateless-upgrade, "
					    "delete=block|suspend-first|allow, "
					    "force)",
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

/* A flinkConfiguration key, flat ("a.b.c") or nested ({a: {b.c: }}). */
static const json_t *conf_get(const json_t *conf, const char *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(conf))
		return NULL;
	json_object_foreach (mut(conf), k, v) {
		size_t n = strlen(k);

		if (!strcmp(k, key))
			return v;
		if (!strncmp(key, k, n) && key[n] == '.' && json_is_object(v))
			return conf_get(v, key + n + 1);
	}
	return NULL;
}

static int checkpointing(const json_t *spec)
{
	static const char *const keys[] = { "execution.checkpointing.interval",
					    "state.checkpoints.dir",
					    "execution.checkpointing.dir" };
	const json_t *conf = get(spec, "flinkConfiguration");

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		const json_t *v = conf_get(conf, keys[i]);

		if (v && !json_is_null(v) &&
		    !(json_is_string(v) && !*json_string_value(v)))
			return 1;
	}
	return 0;
}

/* The spec the job runs: lastReconciledSpec when recorded, else spec. */
static json_t *running_spec(const json_t *live)
{
	const char *s = str(get(get(live, "status"), "reconciliationStatus"),
			    "lastReconciledSpec");
	json_t *last, *spec;

	if (s) {
		last = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
		spec = json_incref(json_object_get(last, "spec"));
		json_decref(last);
		if (spec)
			return spec;
	}
	return json_incref(mut(get(live, "spec")));
}

void fg_policy_check_update(struct fg_verdict *out, const struct fg_policy *p,
			    const json_t *desired, const json_t *live,
			    const struct fg_classification *c)
{
	json_t *run;
	const char *was;
	int stateful, ckpt;

	memset(out, 0, sizeof(*out));
	if (!live || !c->flink)
		return;
	if (c->rejected) {
		char buf[256];

		snprintf(buf, sizeof(buf), "the operator rejects it: %s",
			 c->reason ? c->reason : "");
		verdict(out, FG_VERDICT_BLOCK, FG_RULE_REJECTED,
			"delete and re-create the object", buf);
		return;
	}
	if (c->restart != FG_RESTART_STATELESS || c->idle ||
	    c->type < FG_DIFF_UPGRADE)
		return;
	run = running_spec(live);
	was = str(get(run, "job"), "upgradeMode");
	stateful = str_is(was, "savepoint") || str_is(was, "last-state");
	ckpt = checkpointing(get(desired, "spec")) || checkpointing(run);
	json_decref(run);
	if (!stateful && !ckpt)
		return;
	if (p->allow_stateless_upgrade) {
		verdict(out, FG_VERDICT_ALLOW, FG_RULE_STATELESS_UPGRADE, NULL,
			"stateless restart allowed by policy");
		out->overridden = 1;
		return;
	}
	verdict(out, FG_VERDICT_BLOCK, FG_RULE_STATELESS_UPGRADE,
		"policy allowStatelessUpgrade, or "
		"annotation " FG_POLICY_ANNOTATION ": allow-stateless-upgrade",
		stateful ? "stateless upgrade would drop state"
			 : "stateless upgrade would drop state (checkpointing "
			   "is configured)");
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

void fg_policy_check_delete(struct fg_verdict *out, const struct fg_policy *p,
			    const json_t *live)
{
	const char *api = str(live, "apiVersion");
	const char *kind = str(live, "kind");

	memset(out, 0, sizeof(*out));
	if (!api || strncmp(api, "flink.apache.org/", 17) ||
	    !(str_is(kind, "FlinkDeployment") ||
	      str_is(kind, "FlinkSessionJob")))
		return;
	if (!fg_policy_job_runs(live))
		return;
	switch (p->del) {
	case FG_DELETE_ALLOW:
		verdict(out, FG_VERDICT_ALLOW, FG_RULE_DELETE_RUNNING, NULL,
			"deleting a running job allowed by policy");
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
			"deleting a running job drops its checkpoint history");
	}
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
