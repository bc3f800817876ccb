/*
 * flink-gitops plan: what a sync would do, and what it does to the Flink
 * jobs, without doing it: the pass (sync/pass.h) decided and printed.
 *
 * Against a cluster (the default): the same decision sync makes, read
 * with LISTs (and, where the API server defaults built-in kinds, a
 * dry-run apply); nothing is written.
 *
 * Offline (--base REF): between two revisions of one Git repository, for
 * CI jobs that cannot reach the cluster: the base revision's render
 * stands in for the cluster (no status, so a job is taken to run as its
 * spec says). --base needs --repo: the base is a commit of the mirror.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/cli.h"
#include "agent/git/git.h"
#include "agent/log.h"
#include "agent/pass_cli.h"
#include "agent/status_branch.h"
#include "render/base/error.h"
#include "sync/plan.h"
#include "sync/status.h"
#include "render/base/banned.h"

/* Render commit `hex` of the already open mirror. */
static int render_base(struct fg_desired **out, struct fg_pass_cli *c,
		       const char *hex, struct fg_buf *origin)
{
	struct fg_render_opts o = c->r.opts;
	struct fg_source *src = NULL;
	int err;

	*out = NULL;
	if ((err = fg_buf_printf(origin, "%s@%s",
				 fg_git_mirror_url(c->r.mirror), hex)) < 0)
		return err;
	o.origin = origin->ptr;
	if ((err = fg_git_source_new(&src, c->r.mirror, hex)) < 0)
		return err;
	err = fg_render(out, src, &o);
	fg_source_free(src);
	return err;
}

/* plan --base: head against the base revision's render. */
static int plan_offline(struct fg_pass_cli *c, struct fg_pass **out)
{
	struct fg_desired *base = NULL;
	struct fg_buf origin = FG_BUF_INIT;
	char hex[41], hl[128], bl[128];
	int err;

	*out = NULL;
	if ((err = fg_git_resolve(c->r.mirror, c->base, hex)) < 0 ||
	    (err = render_base(&base, c, hex, &origin)) < 0) {
		fprintf(stderr, "flink-gitops: plan: base %s: %s\n", c->base,
			fg_error_last());
		goto done;
	}
	if (fg_diags_errors(&base->diags))
		fprintf(stderr,
			"flink-gitops: plan: base %s: %zu render error(s); "
			"those namespaces are not compared\n",
			c->base, fg_diags_errors(&base->diags));
	if (!strcmp(c->base, hex))
		snprintf(bl, sizeof(bl), "%.7s", hex);
	else
		snprintf(bl, sizeof(bl), "%s@%.7s", c->base, hex);
	snprintf(hl, sizeof(hl), "%s@%.7s", c->r.ref, c->r.rev.commit);
	if ((err = fg_pass_plan_offline(out, c->d, base, &c->pass)) < 0 ||
	    (err = fg_pass_set_labels(*out, bl, hl)) < 0)
		fprintf(stderr, "flink-gitops: plan: %s\n", fg_error_last());
done:
	fg_desired_free(base);
	fg_buf_release(&origin);
	return err;
}

/* plan against the cluster. */
static int plan_live(struct fg_pass_cli *c, struct fg_pass **out)
{
	char hl[160];
	int err;

	*out = NULL;
	if (fg_pass_cli_connect(c) < 0)
		return -1;
	if (c->r.mirror)
		snprintf(hl, sizeof(hl), "%s@%.7s", c->r.ref, c->r.rev.commit);
	else
		snprintf(hl, sizeof(hl), "%s", c->r.dir);
	if ((err = fg_pass_plan(out, c->d, &c->ap.ports, &c->pass)) < 0 ||
	    (err = fg_pass_set_labels(*out, "cluster", hl)) < 0)
		fprintf(stderr, "flink-gitops: plan: %s\n", fg_error_last());
	return err;
}

/*
 * With --repo: the savepoint lineage the agent records on the status
 * branch names, for a change back to a spec that ran before, the
 * savepoint to restore from (sync/status.h).
 */
static void restore_hints(const struct fg_pass_cli *c, const struct fg_pass *p,
			  int markdown, struct fg_buf *b)
{
	json_t *lineage = json_object();

	if (lineage &&
	    fg_status_branch_read(c->r.mirror, NULL, lineage, NULL, NULL) == 0)
		fg_status_restore_hints(p, lineage, b, markdown);
	fg_error_clear();
	json_decref(lineage);
}

static int print(const struct fg_pass_cli *c, const struct fg_pass *p,
		 enum fg_out out, int rc)
{
	struct fg_buf b = FG_BUF_INIT;
	json_t *j = NULL;
	int err;

	if (out == FG_OUT_JSON) {
		if ((err = fg_plan_json(p, &j)) < 0)
			return err;
		json_object_set_new(j, "exitCode", json_integer(rc));
		json_object_set_new(j, "errors",
				    fg_render_diags_json(&c->d->diags));
		fg_pass_cli_print_json(j);
		json_decref(j);
		return 0;
	}
	err = out == FG_OUT_MARKDOWN ? fg_plan_markdown(p, &b)
				     : fg_plan_text(p, &b);
	if (!err && c->r.mirror)
		restore_hints(c, p, out == FG_OUT_MARKDOWN, &b);
	if (!err)
		fwrite(b.ptr, 1, b.len, stdout);
	fg_buf_release(&b);
	return err;
}

int fg_cmd_plan(int argc, char **argv)
{
	struct fg_pass_cli c;
	struct fg_pass *p = NULL;
	int rc;

	if ((rc = fg_pass_cli_parse(&c, FG_CMD_PLAN, argc, argv))) {
		fg_pass_cli_release(&c);
		return rc < 0 ? FG_EXIT_OK : rc;
	}
	rc = FG_EXIT_ERROR;
	if (fg_pass_cli_render(&c) < 0 ||
	    (c.base ? plan_offline(&c, &p) : plan_live(&c, &p)) < 0)
		goto done;
	rc = fg_pass_cli_exit(&c, p);
	if (print(&c, p, c.out, rc) < 0) {
		fprintf(stderr, "flink-gitops: plan: %s\n", fg_error_last());
		rc = FG_EXIT_ERROR;
		goto done;
	}
	fflush(stdout);
	if (c.save) {
		if (fg_pass_cli_save(&c, p) < 0) {
			rc = FG_EXIT_ERROR;
			goto done;
		}
		fprintf(c.out == FG_OUT_TEXT ? stdout : stderr,
			"%splan saved to %s: apply exactly this plan with "
			"flink-gitops sync --plan %s\n",
			c.out == FG_OUT_TEXT ? "\n" : "", c.save, c.save);
		fflush(stdout);
	}
	FG_LOG_INFO(
		"plan.done", FG_LOG_STR("base", p->base),
		FG_LOG_STR("head", p->head), FG_LOG_INT("create", p->creates),
		FG_LOG_INT("update", p->updates),
		FG_LOG_INT("delete", p->deletes),
		FG_LOG_INT("blocked", p->blocked),
		FG_LOG_INT("lists", p->lists),
		FG_LOG_INT("dry_runs", p->dry_runs), FG_LOG_INT("exit", rc));
done:
	fg_pass_free(p);
	fg_pass_cli_release(&c);
	return rc;
}
