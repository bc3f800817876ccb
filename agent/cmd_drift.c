/*
 * flink-gitops drift: where the cluster no longer is what Git says, read
 * out of the pass (sync/pass.h) that sync would run. With --self-heal the
 * pass runs cut to drift (FG_PASS_HEAL_ONLY): fields someone else changed
 * are taken back, each classified and policed like any write; a nonce is
 * never written back; Git's own changes, creates and deletes are left to
 * sync.
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

static void log_pass(const struct fg_pass *p)
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t j = 0; j < p->v[i].n; j++) {
			const struct fg_step *s = &p->v[i].v[j];
			const char *st = fg_drift_state(s);

			if (!st)
				continue;
			FG_LOG_INFO("drift.object",
				    FG_LOG_STR("namespace", p->v[i].name),
				    FG_LOG_STR("kind", s->kind),
				    FG_LOG_STR("name", s->name),
				    FG_LOG_STR("state", st),
				    FG_LOG_INT("fields", s->drift.n),
				    FG_LOG_STR("healed",
					       fg_outcome_name(s->outcome)));
		}
}

int fg_cmd_drift(int argc, char **argv)
{
	struct fg_pass_cli c;
	struct fg_pass *p = NULL;
	struct fg_buf b = FG_BUF_INIT;
	json_t *j = NULL;
	int rc;

	if ((rc = fg_pass_cli_parse(&c, FG_CMD_DRIFT, argc, argv))) {
		fg_pass_cli_release(&c);
		return rc < 0 ? FG_EXIT_OK : rc;
	}
	rc = FG_EXIT_ERROR;
	if (fg_pass_cli_render(&c) < 0 || fg_pass_cli_connect(&c) < 0)
		goto done;
	if (fg_pass_plan(&p, c.d, &c.ap.ports, &c.pass) < 0 ||
	    (c.self_heal && fg_pass_execute(p, &c.ap.ports) < 0)) {
		fprintf(stderr, "flink-gitops: drift: %s\n", fg_error_last());
		goto done;
	}
	rc = fg_pass_cli_exit(&c, p);
	log_pass(p);
	if (c.out == FG_OUT_JSON) {
		if (fg_report_drift_json(p, &j) < 0)
			goto fail;
		json_object_set_new(json_object_get(j, "summary"), "exitCode",
				    json_integer(rc));
		json_object_set_new(j, "errors",
				    fg_render_diags_json(&c.d->diags));
		fg_pass_cli_print_json(j);
	} else {
		if (fg_report_drift_text(p, c.self_heal, &b) < 0)
			goto fail;
		fwrite(b.ptr, 1, b.len, stdout);
	}
	fflush(stdout);
	FG_LOG_INFO(
		"drift.done", FG_LOG_INT("drifted", p->drifted),
		FG_LOG_INT("writes", p->writes), FG_LOG_INT("lists", p->lists),
		FG_LOG_INT("dry_runs", p->dry_runs), FG_LOG_INT("exit", rc));
	goto done;
fail:
	fprintf(stderr, "flink-gitops: drift: %s\n", fg_error_last());
	rc = FG_EXIT_ERROR;
done:
	json_decref(j);
	fg_buf_release(&b);
	fg_pass_free(p);
	fg_pass_cli_release(&c);
	return rc;
}
