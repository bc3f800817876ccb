/*
 * flink-gitops sync: the pass (sync/pass.h) decided and executed: make
 * the cluster match Git, objects whose Git content changed and fields
 * that drifted, each through classification and policy, exactly as
 * `plan` shows it. Namespaces run at once up to --parallel, the writes
 * of one rank at once, all over at most --connections connections.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/cli.h"
#include "agent/log.h"
#include "agent/pass_cli.h"
#include "render/base/error.h"
#include "sync/report.h"
#include "render/base/banned.h"

/* Every acted-on object and every namespace not synced, in the log: at
 * info, as the output already says each (the result is printed once). */
static void log_pass(const struct fg_pass *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		if (ns->failed || ns->error)
			FG_LOG_INFO("sync.namespace",
				    FG_LOG_STR("namespace", ns->name),
				    FG_LOG_STR("status", "not synced"),
				    FG_LOG_STR("message",
					       ns->error ? ns->error
							 : "render errors"));
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];

			if (s->outcome == FG_OUTCOME_NONE &&
			    !fg_step_blocked(s))
				continue;
			FG_LOG(FG_LOG_LEVEL_INFO, "sync.object",
			       FG_LOG_STR("namespace", ns->name),
			       FG_LOG_STR("kind", s->kind),
			       FG_LOG_STR("name", s->name),
			       FG_LOG_STR("action", fg_action_name(s->wanted)),
			       FG_LOG_STR(
				       "outcome",
				       fg_step_blocked(s)
					       ? "blocked"
					       : fg_outcome_name(s->outcome)),
			       FG_LOG_STR("message", fg_step_blocked(s)
							     ? s->verdict.reason
						     : s->message ? s->message
								  : ""));
		}
	}
}

/* sync --wait: each object's health as it changes, as it comes. */
static void progress(void *arg, const struct fg_pass_ns *ns,
		     const struct fg_step *s, long long elapsed_ms)
{
	FILE *to = arg;
	struct fg_buf b = FG_BUF_INIT;

	if (fg_report_wait_line(ns, s, elapsed_ms, &b) == 0) {
		fwrite(b.ptr, 1, b.len, to);
		fflush(to);
	}
	fg_buf_release(&b);
}

int fg_cmd_sync(int argc, char **argv)
{
	struct fg_pass_cli c;
	struct fg_pass *p = NULL;
	struct fg_buf b = FG_BUF_INIT;
	struct fg_pool_stats st;
	json_t *j = NULL;
	int rc;

	if ((rc = fg_pass_cli_parse(&c, FG_CMD_SYNC, argc, argv))) {
		fg_pass_cli_release(&c);
		return rc < 0 ? FG_EXIT_OK : rc;
	}
	rc = FG_EXIT_ERROR;
	if (fg_pass_cli_render(&c) < 0 || fg_pass_cli_connect(&c) < 0)
		goto done;
	FG_LOG_INFO("sync.start", FG_LOG_STR("root", c.r.dir),
		    FG_LOG_INT("namespaces", c.d->nns),
		    FG_LOG_INT("dry_run", c.pass.dry_run));
	if (fg_pass_plan(&p, c.d, &c.ap.ports, &c.pass) < 0) {
		fprintf(stderr, "flink-gitops: sync: %s\n", fg_error_last());
		goto done;
	}
	/* --plan: the reviewed plan runs, or nothing does */
	if (c.saved && fg_pass_cli_check_saved(&c, p) < 0)
		goto done;
	if (fg_pass_execute(p, &c.ap.ports) < 0) {
		fprintf(stderr, "flink-gitops: sync: %s\n", fg_error_last());
		goto done;
	}
	log_pass(p);
	if (c.out != FG_OUT_JSON) {
		/* what sync did, before the wait for what came of it */
		if (fg_report_sync_text(p, c.verbose ? FG_REPORT_FIELDS : 0,
					&b) < 0)
			goto fail;
		fwrite(b.ptr, 1, b.len, stdout);
		fflush(stdout);
		fg_buf_clear(&b);
	}
	if (c.wait && fg_pass_wait(p, &c.ap.ports, c.wait_ms, progress,
				   c.out == FG_OUT_JSON ? stderr : stdout) < 0)
		goto fail;
	rc = fg_pass_cli_exit(&c, p);
	if (c.out == FG_OUT_JSON) {
		if (fg_report_sync_json(p, &j) < 0)
			goto fail;
		if (c.r.mirror)
			json_object_set_new(
				j, "source",
				json_pack("{s:s,s:s,s:s}", "url",
					  fg_git_mirror_url(c.r.mirror), "ref",
					  c.r.ref, "commit", c.r.rev.commit));
		json_object_set_new(json_object_get(j, "summary"), "exitCode",
				    json_integer(rc));
		json_object_set_new(j, "errors",
				    fg_render_diags_json(&c.d->diags));
		fg_pass_cli_print_json(j);
	} else if (c.wait) {
		if (fg_report_wait_summary(p, &b) < 0)
			goto fail;
		fwrite(b.ptr, 1, b.len, stdout);
	}
	fflush(stdout);
	fg_cluster_pool_stats(c.pool, &st);
	FG_LOG_INFO("sync.done", FG_LOG_INT("namespaces", p->synced_ns),
		    FG_LOG_INT("created", p->creates),
		    FG_LOG_INT("updated", p->updates),
		    FG_LOG_INT("deleted", p->deletes),
		    FG_LOG_INT("blocked", p->blocked),
		    FG_LOG_INT("failed", p->failed),
		    FG_LOG_INT("writes", p->writes),
		    FG_LOG_INT("connections", fg_cluster_pool_opened(c.pool)),
		    FG_LOG_INT("requests", st.requests),
		    FG_LOG_INT("retried", st.retries),
		    FG_LOG_INT("not_sent", st.not_sent),
		    FG_LOG_INT("exit", rc));
	goto done;
fail:
	fprintf(stderr, "flink-gitops: sync: %s\n", fg_error_last());
	rc = FG_EXIT_ERROR;
done:
	json_decref(j);
	fg_buf_release(&b);
	fg_pass_free(p);
	fg_pass_cli_release(&c);
	return rc;
}
