/*
 * flink-gitops drift: where the cluster no longer is what Git says.
 * Report-only by default; --self-heal re-applies Git's values, taking the
 * drifted fields back from whoever changed them (never a nonce: writing it
 * back would fire it again).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/cli.h"
#include "agent/cluster_port.h"
#include "agent/kube_opts.h"
#include "agent/log.h"
#include "agent/render_args.h"
#include "render/base/error.h"
#include "sync/drift.h"
#include "render/base/banned.h"

#define DRIFT_VALUE_MAX 120 /* characters of a value shown in text */

enum { OPT_SELF_HEAL = 0x200, OPT_DRY_RUN };

struct drift_args {
	struct fg_render_args r;
	struct fg_kube_cli kc;
	struct fg_drift_opts opts;
};

static int parse(int argc, char **argv, struct drift_args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "path", required_argument, NULL, 'p' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "self-heal", no_argument, NULL, OPT_SELF_HEAL },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		FG_RENDER_GIT_OPTIONS,
		FG_KUBE_CLI_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hp:n:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find("drift")->help, stdout);
			return -1;
		case OPT_SELF_HEAL:
			a->opts.self_heal = 1;
			break;
		case OPT_DRY_RUN:
			a->opts.dry_run = 1;
			break;
		case ':':
			return fg_usage_error("drift",
					      "option '%s' needs a value",
					      argv[optind - 1]);
		case '?':
			return fg_usage_error("drift", "unknown option '%s'",
					      argv[optind - 1]);
		default:
			rc = fg_cluster_cmd_option("drift", c, optarg, &a->r,
						   &a->kc);
			if (rc == 1)
				break;
			if (rc == 0)
				return fg_usage_error("drift",
						      "unknown option '%s'",
						      argv[optind - 1]);
			return rc;
		}
	}
	if ((rc = fg_render_args_positional("drift", argc, argv, &a->r)))
		return rc;
	if (a->opts.dry_run && !a->opts.self_heal)
		return fg_usage_error("drift", "--dry-run needs --self-heal");
	return 0;
}

/* A value as users read it, cut to DRIFT_VALUE_MAX characters. */
static void show(struct fg_buf *b, const json_t *v)
{
	char *s;

	if (!v) {
		fg_buf_puts(b, "(absent)");
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	if (!s) {
		fg_buf_puts(b, "?");
		return;
	}
	if (strlen(s) > DRIFT_VALUE_MAX)
		fg_buf_printf(b, "%.*s...", DRIFT_VALUE_MAX, s);
	else
		fg_buf_puts(b, s);
	free(s);
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *opt_val(const json_t *v)
{
	return v ? json_deep_copy(v) : json_null();
}

static void print_obj(const char *ns, const struct fg_drift_obj *o)
{
	struct fg_buf line = FG_BUF_INIT;
	size_t i;

	printf("%s %s/%s: %s", ns, o->kind, o->name,
	       fg_drift_state_name(o->state));
	if (o->state == FG_DRIFT_UNEXPECTED)
		printf(" (flink-gitops applied it, Git no longer has it; sync "
		       "prunes it)");
	if (o->state == FG_DRIFT_ROLLED_BACK)
		printf(" (the operator runs an older spec than Git%s%s)",
		       o->health.message ? ": " : "",
		       o->health.message ? o->health.message : "");
	if (o->healed)
		printf(", healed");
	if (o->heal_error)
		printf(", not healed: %s", o->heal_error);
	putchar('\n');
	for (i = 0; i < o->fields.n; i++) {
		const struct fg_drift_item *f = &o->fields.v[i];

		fg_buf_clear(&line);
		fg_buf_printf(&line, "  %s: Git ", f->field);
		show(&line, f->desired);
		fg_buf_puts(&line, ", cluster ");
		show(&line, f->live);
		if (f->manager)
			fg_buf_printf(&line, " (set by %s%s%s)", f->manager,
				      f->time ? " at " : "",
				      f->time ? f->time : "");
		printf("%s\n", line.ptr);
	}
	fg_buf_release(&line);
}

static json_t *obj_json(const struct fg_drift_obj *o)
{
	json_t *fields = json_array();
	size_t i;

	for (i = 0; i < o->fields.n; i++) {
		const struct fg_drift_item *f = &o->fields.v[i];
		json_array_append_new(fields,
				      json_pack("{s:s,s:o,s:o,s:o,s:o}",
						"field", f->field, "desired",
						opt_val(f->desired), "live",
						opt_val(f->live), "manager",
						opt_str(f->manager), "time",
						opt_str(f->time)));
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:o,s:o}", "group",
			 o->group, "kind", o->kind, "name", o->name, "state",
			 fg_drift_state_name(o->state), "health",
			 fg_health_name(o->health.health), "healthMessage",
			 opt_str(o->health.message), "healed", o->healed,
			 "healError", opt_str(o->heal_error), "fields", fields);
}

int fg_cmd_drift(int argc, char **argv)
{
	struct drift_args a;
	struct fg_desired *d = NULL;
	struct fg_kube *k = NULL;
	struct fg_cluster_port port;
	json_t *out = NULL, *jnss;
	size_t i, j, checked = 0, drifted = 0;
	unsigned long writes = 0;
	int rc, error = 0;

	memset(&a, 0, sizeof(a));
	fg_render_args_init(&a.r);
	if ((rc = parse(argc, argv, &a))) {
		rc = rc < 0 ? FG_EXIT_OK : rc;
		goto done;
	}
	if (!(d = fg_render_run("drift", &a.r))) {
		rc = FG_EXIT_PROBLEMS;
		goto done;
	}
	fg_render_print_diags(&d->diags);
	if ((rc = fg_kube_cli_connect(&a.kc, &k)) < 0) {
		fprintf(stderr, "flink-gitops: drift: %s\n", fg_error_last());
		rc = FG_EXIT_PROBLEMS;
		goto done;
	}
	fg_cluster_port_init(&port, k);
	out = json_pack("{s:[]}", "namespaces");
	jnss = json_object_get(out, "namespaces");

	for (i = 0; i < d->nns; i++) {
		const struct fg_ns *ns = &d->ns[i];
		struct fg_drift_report rep = FG_DRIFT_REPORT_INIT;
		json_t *jns =
			json_pack("{s:s,s:[]}", "name", ns->name, "objects");

		json_array_append_new(jnss, jns);
		if (ns->failed) {
			/* without Git's view there is nothing to compare */
			error = 1;
			if (!a.r.json)
				printf("%s: not checked: render errors\n",
				       ns->name);
			json_object_set_new(jns, "status",
					    json_string("render errors"));
			continue;
		}
		if (fg_drift_ns(&rep, &port, ns->name, ns->objs, ns->n,
				&a.opts) < 0) {
			error = 1;
			if (!a.r.json)
				printf("%s: not checked: %s\n", ns->name,
				       fg_error_last());
			json_object_set_new(jns, "status",
					    json_string(fg_error_last()));
			fg_drift_report_release(&rep);
			continue;
		}
		json_object_set_new(jns, "status", json_string("checked"));
		for (j = 0; j < rep.n; j++) {
			const struct fg_drift_obj *o = &rep.v[j];

			checked++;
			if (o->heal_error && !o->heal_refused)
				error = 1;
			if (o->state == FG_DRIFT_IN_SYNC) {
				/* in sync, but the job is not well: say so */
				if (o->health.health == FG_HEALTH_DEGRADED) {
					json_array_append_new(
						json_object_get(jns, "objects"),
						obj_json(o));
					if (!a.r.json)
						printf("%s %s/%s: in sync, "
						       "health %s%s%s\n",
						       ns->name, o->kind,
						       o->name,
						       fg_health_name(
							       o->health
								       .health),
						       o->health.message ? ": "
									 : "",
						       o->health.message
							       ? o->health
									 .message
							       : "");
				}
				continue;
			}
			json_array_append_new(json_object_get(jns, "objects"),
					      obj_json(o));
			if (!a.r.json)
				print_obj(ns->name, o);
			FG_LOG_INFO("drift.object",
				    FG_LOG_STR("namespace", ns->name),
				    FG_LOG_STR("kind", o->kind),
				    FG_LOG_STR("name", o->name),
				    FG_LOG_STR("state",
					       fg_drift_state_name(o->state)),
				    FG_LOG_INT("fields", o->fields.n),
				    FG_LOG_INT("healed", o->healed));
		}
		drifted += rep.drifted;
		writes += rep.writes;
		fg_drift_report_release(&rep);
	}
	rc = error ? FG_EXIT_PROBLEMS : drifted ? FG_EXIT_DRIFT : FG_EXIT_OK;
	json_object_set_new(
		out, "summary",
		json_pack("{s:i,s:i,s:i,s:i}", "checked", (json_int_t)checked,
			  "drifted", (json_int_t)drifted, "writes",
			  (json_int_t)writes, "exitCode", (json_int_t)rc));
	if (a.r.json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		printf("%zu object%s checked: %zu drifted%s\n", checked,
		       checked == 1 ? "" : "s", drifted,
		       a.opts.self_heal
			       ? (a.opts.dry_run ? " (self-heal, dry run)"
						 : " (self-heal)")
			       : "");
	}
	fflush(stdout);
	FG_LOG_INFO("drift.done", FG_LOG_INT("checked", checked),
		    FG_LOG_INT("drifted", drifted),
		    FG_LOG_INT("writes", writes), FG_LOG_INT("exit", rc));
done:
	json_decref(out);
	fg_kube_free(k);
	fg_desired_free(d);
	fg_render_args_release(&a.r);
	return rc;
}
