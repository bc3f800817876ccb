/*
 * One pass of the agent: fetch (bounded), verify, render, then the
 * core's pass (fg_pass_plan + fg_pass_execute, sync/pass.h) through the
 * watch cache, then reports. A commit that fails to verify, render or
 * validate never replaces the commit in force: the pass goes on with
 * the last good one (so drift is still seen and, with selfHeal, taken
 * back), and the refused head is reported in Git, in the log and in
 * metrics. Nothing here decides what to do with an object.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/log.h"
#include "agent/run_int.h"
#include "agent/version.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/source.h"
#include "render/base/banned.h"

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the last good commit, kept in stateDir ---- */

static int state_path(const struct fg_run *r, struct fg_buf *b)
{
	return fg_buf_printf(b, "%s/" FG_RUN_LAST_GOOD_FILE, r->cfg->state_dir);
}

void fg_run_load_state(struct fg_run *r)
{
	struct fg_buf p = FG_BUF_INIT, b = FG_BUF_INIT;

	fg_buf_init(&b, 128);
	if (state_path(r, &p) == 0 && fg_buf_read_file(&b, p.ptr) == 0 &&
	    b.len >= 40 && strspn(b.ptr, "0123456789abcdef") >= 40) {
		memcpy(r->good, b.ptr, 40);
		r->good[40] = '\0';
		FG_LOG_INFO("run.state", FG_LOG_STR("last_good", r->good));
	}
	fg_error_clear();
	fg_buf_release(&p);
	fg_buf_release(&b);
}

static void save_state(const struct fg_run *r)
{
	struct fg_buf p = FG_BUF_INIT, tmp = FG_BUF_INIT;
	FILE *f;

	if (state_path(r, &p) < 0 || fg_buf_printf(&tmp, "%s.tmp", p.ptr) < 0)
		goto done;
	if (!(f = fopen(tmp.ptr, "w")))
		goto done;
	fprintf(f, "%s\n", r->good);
	if (fclose(f) == 0 && rename(tmp.ptr, p.ptr) == 0)
		goto done;
	FG_LOG_WARN("run.state", FG_LOG_STR("file", p.ptr),
		    FG_LOG_STR("message", strerror(errno)));
done:
	fg_buf_release(&p);
	fg_buf_release(&tmp);
}

/* ---- render ---- */

static size_t errors_of(const struct fg_desired *d, struct fg_buf *why)
{
	struct fg_buf line = FG_BUF_INIT;
	size_t n = 0;

	for (size_t i = 0; i < d->diags.n; i++) {
		if (d->diags.v[i].severity != FG_SEV_ERROR)
			continue;
		if (n++ < 50) {
			fg_buf_clear(&line);
			fg_diag_format(&line, &d->diags.v[i]);
			fg_buf_printf(why, "%s\n", line.ptr);
		}
	}
	if (n > 50)
		fg_buf_printf(why, "... and %zu more errors\n", n - 50);
	if (d->diags.dropped)
		n += d->diags.dropped;
	fg_buf_release(&line);
	return n;
}

/*
 * Render commit `hex`: 0 with *out set, 1 when it is refused (render or
 * validation errors, or flink-gitops.yaml broken; the diagnostics in
 * `why`), < 0 when it could not be read at all (also in `why`).
 */
static int render_commit(struct fg_run *r, const char *hex,
			 struct fg_desired **out, struct fg_buf *why)
{
	struct fg_render_opts ro;
	struct fg_source *src = NULL;
	struct fg_buf origin = FG_BUF_INIT;
	struct fg_desired *d = NULL;
	int err;

	*out = NULL;
	memset(&ro, 0, sizeof(ro));
	ro.path = r->cfg->path;
	ro.crd_version = r->cfg->crd_version;
	ro.age_ids = r->age_ids;
	if ((err = fg_buf_printf(&origin, "%s@%s", fg_git_mirror_url(r->mirror),
				 hex)) < 0)
		goto done;
	ro.origin = origin.ptr;
	if ((err = fg_git_source_new(&src, r->mirror, hex)) < 0 ||
	    (err = fg_render(&d, src, &ro)) < 0) {
		fg_buf_printf(why, "%s\n", fg_error_last());
		goto done;
	}
	if (errors_of(d, why) || d->config_failed) {
		fg_desired_free(d);
		err = 1;
		goto done;
	}
	*out = d;
done:
	fg_source_free(src);
	fg_buf_release(&origin);
	return err;
}

/* Say once per commit which namespaces of Git lie outside
 * sync.namespaces: the agent neither reads nor writes them. */
static void outside(const struct fg_run *r, const struct fg_desired *d)
{
	struct fg_buf names = FG_BUF_INIT;
	struct fg_pass_opts o;

	memset(&o, 0, sizeof(o));
	o.within = (const char *const *)r->cfg->namespaces;
	o.nwithin = r->cfg->nnamespaces;
	for (size_t i = 0; i < d->nns; i++)
		if (!fg_pass_within(&o, d->ns[i].name))
			fg_buf_printf(&names, "%s%s", names.len ? "," : "",
				      d->ns[i].name);
	if (names.len)
		FG_LOG_WARN("source.outside", FG_LOG_STR("commit", r->good),
			    FG_LOG_STR("namespaces", names.ptr),
			    FG_LOG_STR("message",
				       "not in sync.namespaces: not synced"));
	fg_buf_release(&names);
}

/* A head that is not applied: remembered, logged, noted (once). */
static void refuse(struct fg_run *r, const char *hex, const char *why)
{
	if (!strcmp(r->refused, hex))
		return;
	snprintf(r->refused, sizeof(r->refused), "%s", hex);
	free(r->refused_why);
	r->refused_why = strdup(why);
	FG_LOG_WARN("source.refused", FG_LOG_STR("commit", hex),
		    FG_LOG_STR("in_force", *r->good ? r->good : "none"),
		    FG_LOG_STR("reason", why));
	if (fg_run_leader(r))
		fg_run_report_refused(r, hex, why);
}

/* Fetch and move to the head when it is good. 0, or < 0 when Git could
 * not be reached (the commit in force stays). */
static int update_source(struct fg_run *r, int *new_commit)
{
	enum fg_git_verify_mode mode = strcmp(r->cfg->verify, "head")
					       ? FG_GIT_VERIFY_NONE
					       : FG_GIT_VERIFY_HEAD;
	struct fg_buf why = FG_BUF_INIT;
	struct fg_desired *d = NULL;
	struct fg_git_rev rev;
	long long t0 = mono_ms();
	int err, rc;

	memset(&rev, 0, sizeof(rev));
	err = fg_git_update(r->mirror, r->cfg->ref, mode, r->signers, &rev);
	fg_metrics_git_fetch(r->metrics, (double)(mono_ms() - t0) / 1000.0,
			     err < 0 && !rev.refused);
	if (err < 0 && !rev.refused) {
		FG_LOG_WARN("git.error", FG_LOG_STR("url", r->cfg->url),
			    FG_LOG_STR("message", fg_error_last()));
		return err;
	}
	snprintf(r->head, sizeof(r->head), "%s", rev.head);
	if (rev.refused) {
		fg_buf_printf(&why, "signature refused: %s\n", fg_error_last());
		fg_error_clear();
		refuse(r, rev.head, why.ptr);
	}
	if (!*rev.commit || (!strcmp(rev.commit, r->good) && r->desired) ||
	    !strcmp(rev.commit, r->refused)) {
		fg_buf_release(&why);
		return 0;
	}
	fg_buf_clear(&why);
	rc = render_commit(r, rev.commit, &d, &why);
	if (rc != 0) {
		refuse(r, rev.commit, why.ptr);
		fg_buf_release(&why);
		return 0;
	}
	fg_desired_free(r->desired);
	r->desired = d;
	snprintf(r->good, sizeof(r->good), "%s", rev.commit);
	if (!strcmp(rev.commit, rev.head)) {
		r->refused[0] = '\0';
		free(r->refused_why);
		r->refused_why = NULL;
	}
	save_state(r);
	*new_commit = 1;
	FG_LOG_INFO("source.commit", FG_LOG_STR("commit", r->good),
		    FG_LOG_INT("namespaces", d->nns));
	outside(r, d);
	fg_buf_release(&why);
	return 0;
}

/* At start: the last good commit from stateDir, while the head is bad. */
static void render_good(struct fg_run *r)
{
	struct fg_buf why = FG_BUF_INIT;
	struct fg_desired *d = NULL;

	if (r->desired || !*r->good)
		return;
	if (render_commit(r, r->good, &d, &why) == 0)
		r->desired = d;
	else
		FG_LOG_WARN("run.state", FG_LOG_STR("last_good", r->good),
			    FG_LOG_STR("message", why.ptr));
	fg_buf_release(&why);
}

/* ---- the pass ---- */

static void log_actions(struct fg_run *r, const struct fg_pass *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		if (ns->error)
			FG_LOG_WARN("pass.namespace",
				    FG_LOG_STR("namespace", ns->name),
				    FG_LOG_STR("message", ns->error));
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];
			const char *res = fg_status_result(s);

			if (s->outcome == FG_OUTCOME_NONE &&
			    !fg_step_blocked(s))
				continue;
			fg_metrics_action(r->metrics, fg_action_name(s->wanted),
					  res);
			FG_LOG(s->outcome == FG_OUTCOME_FAILED
				       ? FG_LOG_LEVEL_WARN
				       : FG_LOG_LEVEL_INFO,
			       "pass.action", FG_LOG_STR("namespace", ns->name),
			       FG_LOG_STR("kind", s->kind),
			       FG_LOG_STR("name", s->name),
			       FG_LOG_STR("action", fg_action_name(s->wanted)),
			       FG_LOG_STR("result", res),
			       FG_LOG_STR("message", fg_step_blocked(s)
							     ? s->verdict.reason
						     : s->message ? s->message
								  : s->impact));
		}
	}
}

static void inc(json_t *o, const char *k1, const char *k2)
{
	json_t *m = o, *v;

	if (k2) {
		if (!(m = json_object_get(o, k1))) {
			m = json_object();
			json_object_set_new(o, k1, m);
		}
		k1 = k2;
	}
	v = json_object_get(m, k1);
	json_object_set_new(m, k1,
			    json_integer(v ? json_integer_value(v) + 1 : 1));
}

static void snapshot(struct fg_run *r, const struct fg_pass *p)
{
	json_t *s = json_pack("{s:{},s:{},s:{},s:[]}", "objects", "drifted",
			      "blocked", "jobs");

	if (!s)
		return;
	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		json_object_set_new(json_object_get(s, "drifted"), ns->name,
				    json_integer(0));
		json_object_set_new(json_object_get(s, "blocked"), ns->name,
				    json_integer(0));
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *st = &ns->v[j];
			struct fg_job_status js;

			if (!st->desired && !st->live)
				continue;
			inc(json_object_get(s, "objects"), ns->name,
			    fg_health_name(st->health.health));
			if (st->why & FG_WHY_DRIFT)
				inc(json_object_get(s, "drifted"), ns->name,
				    NULL);
			if (fg_step_blocked(st))
				inc(json_object_get(s, "blocked"), ns->name,
				    NULL);
			if (!st->live ||
			    strcmp(st->group, "flink.apache.org") ||
			    (strcmp(st->kind, "FlinkDeployment") &&
			     strcmp(st->kind, "FlinkSessionJob")))
				continue;
			fg_job_status_of(st->live, &js);
			json_array_append_new(
				json_object_get(s, "jobs"),
				json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I}",
					  "namespace", ns->name, "kind",
					  st->kind, "name", st->name, "health",
					  fg_health_name(st->health.health),
					  "checkpoint_ms",
					  (json_int_t)js.checkpoint_ms,
					  "savepoint_ms",
					  (json_int_t)js.savepoint_ms,
					  "restarts", (json_int_t)js.restarts));
		}
	}
	fg_metrics_snapshot(r->metrics, s);
}

static int had_error(const struct fg_pass *p)
{
	if (p->failed || p->error || p->failed_ns)
		return 1;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].error ||
		    p->v[i].inventory_outcome == FG_OUTCOME_FAILED)
			return 1;
	return 0;
}

struct prune_list {
	json_t *names;
	const char **v;
	size_t n;
};

/* sync.prune: every namespace of the repository may be pruned. */
static void prune_all(struct fg_run *r, const char *repo, struct prune_list *pl)
{
	size_t i;
	json_t *it;

	memset(pl, 0, sizeof(*pl));
	if (!r->cfg->prune)
		return;
	if (fg_pass_inventory_namespaces(
		    &r->cport, repo, (const char *const *)r->cfg->namespaces,
		    r->cfg->nnamespaces, &pl->names) < 0) {
		fg_error_clear();
		pl->names = json_array();
	}
	for (i = 0; i < r->desired->nns; i++)
		json_array_append_new(pl->names,
				      json_string(r->desired->ns[i].name));
	pl->v = calloc(json_array_size(pl->names) + 1, sizeof(*pl->v));
	if (!pl->v)
		return;
	json_array_foreach (pl->names, i, it)
		if (pl->n < FG_PASS_MAX_ALLOW_PRUNE)
			pl->v[pl->n++] = json_string_value(it);
}

static void pass_opts(struct fg_run *r, struct fg_pass_opts *o,
		      struct prune_list *pl, const struct fg_desired *d)
{
	const char *repo = r->cfg->repository ? r->cfg->repository
			   : d->repository    ? d->repository
					      : FG_PASS_DEFAULT_REPOSITORY;

	memset(o, 0, sizeof(*o));
	o->mode = r->cfg->self_heal ? FG_PASS_HEAL : FG_PASS_APPLY_ONLY;
	o->repository = r->cfg->repository;
	o->tooling = FG_MANAGER "/v" FG_VERSION;
	o->allow_delete = r->cfg->allow_delete;
	o->wait_ms = r->cfg->wait_timeout_ms;
	o->parallel_ns = (size_t)r->cfg->parallel;
	o->parallel_objects = (size_t)r->cfg->connections;
	o->within = (const char *const *)r->cfg->namespaces;
	o->nwithin = r->cfg->nnamespaces;
	o->operator_ns = r->cfg->operator_ns;
	prune_all(r, repo, pl);
	o->allow_prune = pl->v;
	o->nallow_prune = pl->n;
}

/* ---- proposed branches ---- */

/* 1 when `ref` matches proposal pattern `pat` (a full ref name, or a
 * branch pattern under refs/heads/). */
int fg_run_proposal_match(const char *pat, const char *ref)
{
	char full[1100];

	snprintf(full, sizeof(full), "%s%s",
		 strncmp(pat, "refs/", 5) ? "refs/heads/" : "", pat);
	return !fnmatch(full, ref, 0);
}

static int collect(void *arg, const char *ref, const char hex[41])
{
	json_t *heads = arg;

	if (json_object_size(heads) < FG_RUN_MAX_PROPOSALS)
		json_object_set_new(heads, ref, json_string(hex));
	return 0;
}

static void plan_proposal(struct fg_run *r, const char *ref, const char *hex)
{
	struct fg_buf why = FG_BUF_INIT;
	struct fg_desired *d = NULL;
	struct fg_pass *p = NULL;
	struct fg_pass_opts o;
	struct prune_list pl;
	int rc;

	rc = render_commit(r, hex, &d, &why);
	if (rc != 0) {
		FG_LOG_WARN("proposal.refused", FG_LOG_STR("ref", ref),
			    FG_LOG_STR("commit", hex),
			    FG_LOG_STR("reason", why.ptr));
		fg_run_report_refused(r, hex, why.ptr);
		goto done;
	}
	pass_opts(r, &o, &pl, d);
	if (fg_pass_plan(&p, d, &r->ports, &o) < 0) {
		FG_LOG_WARN("proposal.failed", FG_LOG_STR("ref", ref),
			    FG_LOG_STR("message", fg_error_last()));
	} else {
		fg_pass_set_labels(p, "cluster", hex);
		FG_LOG_INFO("proposal.planned", FG_LOG_STR("ref", ref),
			    FG_LOG_STR("commit", hex),
			    FG_LOG_INT("creates", p->creates),
			    FG_LOG_INT("updates", p->updates),
			    FG_LOG_INT("deletes", p->deletes),
			    FG_LOG_INT("blocked", p->blocked));
		fg_run_report_proposal(r, ref, hex, p);
	}
	free(pl.v);
	json_decref(pl.names);
done:
	fg_pass_free(p);
	fg_desired_free(d);
	fg_buf_release(&why);
}

static void proposals(struct fg_run *r)
{
	json_t *heads = json_object(), *v;
	char watched[1100];
	const char *ref;
	void *tmp;

	if (!r->cfg->nproposals || !heads) {
		json_decref(heads);
		return;
	}
	snprintf(watched, sizeof(watched), "%s%s",
		 strncmp(r->cfg->ref, "refs/", 5) ? "refs/heads/" : "",
		 r->cfg->ref);
	for (size_t i = 0; i < r->cfg->nproposals; i++) {
		const char *pat = r->cfg->proposals[i];
		char full[1100];

		snprintf(full, sizeof(full), "%s%s",
			 strncmp(pat, "refs/", 5) ? "refs/heads/" : "", pat);
		if (fg_git_refs_matching(r->mirror, full, collect, heads) < 0)
			fg_error_clear();
	}
	json_object_del(heads, watched);
	json_object_foreach (heads, ref, v) {
		const char *hex = json_string_value(v);

		if (atomic_load(&r->stopping))
			break;
		if (strstr(ref, r->cfg->git_branch) ||
		    fg_str_is(fg_json_str(r->proposals, ref), hex))
			continue;
		plan_proposal(r, ref, hex);
		json_object_set_new(r->proposals, ref, json_string(hex));
	}
	json_object_foreach_safe (r->proposals, tmp, ref, v) {
		if (json_object_get(heads, ref))
			continue;
		fg_run_report_proposal_gone(r, ref);
		json_object_del(r->proposals, ref);
	}
	json_decref(heads);
}

int fg_run_pass(struct fg_run *r, int fetch)
{
	long long t0 = mono_ms();
	struct fg_pass *p = NULL;
	struct fg_pass_opts o;
	struct prune_list pl;
	const char *result;
	int err = 0, git_failed = 0, new_commit = 0;

	memset(&pl, 0, sizeof(pl));
	r->passes++;
	if (fetch && update_source(r, &new_commit) < 0)
		git_failed = 1;
	render_good(r);
	fg_metrics_set(r->metrics, FG_GAUGE_SOURCE_REFUSED, *r->refused != 0);
	if (!r->desired) {
		FG_LOG_WARN("pass.skipped",
			    FG_LOG_STR("reason", "no good commit to apply yet"),
			    FG_LOG_STR("refused", r->refused));
		fg_metrics_pass(r->metrics, git_failed ? "failed" : "refused",
				(double)(mono_ms() - t0) / 1000.0, epoch_ms());
		return git_failed ? FG_ERROR : 0;
	}
	pass_opts(r, &o, &pl, r->desired);
	if (fg_pass_plan(&p, r->desired, &r->ports, &o) < 0) {
		FG_LOG_WARN("pass.failed", FG_LOG_STR("commit", r->good),
			    FG_LOG_STR("message", fg_error_last()));
		fg_metrics_pass(r->metrics, "failed",
				(double)(mono_ms() - t0) / 1000.0, epoch_ms());
		err = FG_ERROR;
		goto done;
	}
	fg_pass_set_labels(p, NULL, r->good);
	if (!atomic_load(&r->stopping))
		fg_pass_execute(p, &r->ports);
	log_actions(r, p);
	snapshot(r, p);
	result = git_failed || had_error(p) ? "failed"
		 : p->blocked		    ? "blocked"
		 : *r->refused		    ? "refused"
					    : "success";
	fg_metrics_pass(r->metrics, result, (double)(mono_ms() - t0) / 1000.0,
			epoch_ms());
	FG_LOG_INFO("pass.done", FG_LOG_STR("commit", r->good),
		    FG_LOG_STR("result", result),
		    FG_LOG_STR("trigger", fetch ? "fetch" : "watch"),
		    FG_LOG_INT("created", p->creates),
		    FG_LOG_INT("updated", p->updates),
		    FG_LOG_INT("deleted", p->deletes),
		    FG_LOG_INT("unchanged", p->unchanged),
		    FG_LOG_INT("blocked", p->blocked),
		    FG_LOG_INT("drifted", p->drifted),
		    FG_LOG_INT("failed", p->failed),
		    FG_LOG_INT("writes", p->writes),
		    FG_LOG_INT("ms", mono_ms() - t0),
		    FG_LOG_INT("stopped", atomic_load(&r->stopping)));
	if (strcmp(result, "failed"))
		atomic_store(&r->ready, 1);
	fg_metrics_set(r->metrics, FG_GAUGE_READY, atomic_load(&r->ready));
	if (!atomic_load(&r->stopping) && fg_run_leader(r)) {
		fg_run_report(r, p, new_commit);
		if (fetch)
			proposals(r);
	}
	if (!strcmp(result, "failed"))
		err = FG_ERROR;
done : {
	struct fg_watch_cache_stats st;

	fg_watch_cache_stats(r->cache, &st);
	fg_metrics_set(r->metrics, FG_GAUGE_WATCHES, (double)st.watches);
}
	free(pl.v);
	json_decref(pl.names);
	fg_pass_free(p);
	return err;
}
