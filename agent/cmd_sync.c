/*
 * flink-gitops sync: render the repository (the same code path as
 * validate and render), then apply each namespace through the cluster
 * port (sync/apply.h): create and update what changed, prune what
 * flink-gitops applied earlier and Git no longer has.
 *
 * Safety until the policy engine exists: a namespace with render errors
 * is not touched; a namespace whose folder is gone (or renders to
 * nothing) while its inventory holds objects is not pruned without
 * --allow-prune-namespace; FlinkDeployments and FlinkSessionJobs are
 * not deleted without --allow-delete.
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
#include "agent/version.h"
#include "render/base/error.h"
#include "sync/apply.h"
#include "sync/inventory.h"
#include "render/base/banned.h"

#define SYNC_MAX_ALLOW_NS 256

enum {
	OPT_DRY_RUN = 0x200,
	OPT_ALLOW_DELETE,
	OPT_ALLOW_PRUNE_NS,
};

struct sync_args {
	struct fg_render_args r;
	struct fg_kube_cli kc;
	struct fg_apply_opts apply;
	const char *allow_ns[SYNC_MAX_ALLOW_NS];
	size_t nallow;
};

struct totals {
	size_t by_action[FG_ACT_INVENTORY + 1];
	size_t failed, blocked, namespaces, skipped_ns;
	unsigned long writes;
	int error; /* something failed: exit 1 */
};

static int parse(int argc, char **argv, struct sync_args *s)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "path", required_argument, NULL, 'p' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "allow-delete", no_argument, NULL, OPT_ALLOW_DELETE },
		{ "allow-prune-namespace", required_argument, NULL,
		  OPT_ALLOW_PRUNE_NS },
		FG_RENDER_GIT_OPTIONS,
		FG_KUBE_CLI_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hp:n:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find("sync")->help, stdout);
			return -1;
		case 'p':
			s->r.opts.path = optarg;
			break;
		case 'n':
			if (!*optarg)
				return fg_usage_error("sync",
						      "-n needs a namespace");
			s->r.opts.only_ns = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				s->r.json = 1;
			else if (strcmp(optarg, "text"))
				return fg_usage_error(
					"sync", "-o: '%s' is not text or json",
					optarg);
			break;
		case OPT_DRY_RUN:
			s->apply.dry_run = 1;
			break;
		case OPT_ALLOW_DELETE:
			s->apply.allow_delete = 1;
			break;
		case OPT_ALLOW_PRUNE_NS:
			if (s->nallow == SYNC_MAX_ALLOW_NS)
				return fg_usage_error(
					"sync",
					"more than %d --allow-prune-namespace",
					SYNC_MAX_ALLOW_NS);
			s->allow_ns[s->nallow++] = optarg;
			break;
		case ':':
			return fg_usage_error("sync",
					      "option '%s' needs a value",
					      argv[optind - 1]);
		case '?':
			return fg_usage_error("sync", "unknown option '%s'",
					      argv[optind - 1]);
		default:
			if (c >= FG_OPT_REPO && c <= FG_OPT_GIT_LAST) {
				if ((rc = fg_render_git_opt("sync", c,
							    &s->r)) != 0)
					return rc;
				break;
			}
			rc = fg_kube_cli_option(&s->kc, "sync", c, optarg);
			if (rc == 1)
				break;
			if (rc == 0)
				return fg_usage_error("sync",
						      "unknown option '%s'",
						      argv[optind - 1]);
			return rc;
		}
	}
	if (optind < argc && s->r.git.url)
		return fg_usage_error("sync",
				      "give a folder or --repo, not both");
	if (optind < argc)
		s->r.dir = argv[optind++];
	if (optind < argc)
		return fg_usage_error("sync", "unexpected argument '%s'",
				      argv[optind]);
	if (!s->r.git.url && (s->r.ref || s->r.verify || s->r.allowed_signers))
		return fg_usage_error("sync", "--ref and --verify need --repo");
	if (s->r.verify && !strcmp(s->r.verify, "head") &&
	    !s->r.allowed_signers)
		return fg_usage_error("sync",
				      "--verify head needs --allowed-signers");
	return 0;
}

static int allowed_ns(const struct sync_args *s, const char *ns)
{
	size_t i;

	for (i = 0; i < s->nallow; i++)
		if (!strcmp(s->allow_ns[i], ns))
			return 1;
	return 0;
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* One namespace's results: printed, logged, counted, and in `jns`. */
static void report_ns(const char *ns, const struct fg_apply_report *rep,
		      size_t from, int text, json_t *jobjs, struct totals *t)
{
	size_t i;

	for (i = from; i < rep->n; i++) {
		const struct fg_apply_result *e = &rep->v[i];
		const char *action = fg_apply_action_name(e->action);
		const char *outcome = fg_apply_outcome_name(e->outcome);

		t->failed += e->outcome == FG_OUT_FAILED;
		t->blocked += e->outcome == FG_OUT_BLOCKED;
		if (e->outcome == FG_OUT_OK)
			t->by_action[e->action]++;
		if (jobjs)
			json_array_append_new(
				jobjs,
				json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "group",
					  e->group, "kind", e->kind, "name",
					  e->name, "action", action, "outcome",
					  outcome, "message",
					  opt_str(e->message)));
		if (e->action == FG_ACT_NOOP && e->outcome == FG_OUT_OK)
			continue;
		if (text) {
			printf("%s %s/%s: %s", ns, e->kind, e->name, action);
			if (e->outcome != FG_OUT_OK)
				printf(" %s", outcome);
			if (e->message)
				printf(": %s", e->message);
			putchar('\n');
		}
		FG_LOG(e->outcome == FG_OUT_FAILED ? FG_LOG_LEVEL_WARN
						   : FG_LOG_LEVEL_INFO,
		       "sync.object", FG_LOG_STR("namespace", ns),
		       FG_LOG_STR("kind", e->kind), FG_LOG_STR("name", e->name),
		       FG_LOG_STR("action", action),
		       FG_LOG_STR("outcome", outcome),
		       FG_LOG_STR("message", e->message ? e->message : ""));
	}
}

/* Apply one namespace (n 0: prune only); fills jns. */
static void sync_ns(const struct sync_args *s,
		    const struct fg_cluster_port *port, const char *ns,
		    const struct fg_object *objs, size_t n, int text,
		    json_t *jns, struct totals *t)
{
	struct fg_apply_report rep = FG_APPLY_REPORT_INIT;
	json_t *jobjs = json_array();
	int err;

	err = fg_apply_ns(&rep, port, ns, objs, n, &s->apply);
	report_ns(ns, &rep, 0, text, jobjs, t);
	t->writes += rep.writes;
	t->namespaces++;
	json_object_set_new(jns, "objects", jobjs);
	json_object_set_new(jns, "writes",
			    json_integer((json_int_t)rep.writes));
	if (err < 0) {
		t->error = 1;
		if (text)
			printf("%s: not synced: %s\n", ns, fg_error_last());
		json_object_set_new(jns, "status", json_string("error"));
		json_object_set_new(jns, "message",
				    json_string(fg_error_last()));
		FG_LOG_ERROR("sync.namespace", FG_LOG_STR("namespace", ns),
			     FG_LOG_STR("status", "error"),
			     FG_LOG_STR("message", fg_error_last()));
	} else {
		json_object_set_new(jns, "status", json_string("synced"));
		FG_LOG_INFO("sync.namespace", FG_LOG_STR("namespace", ns),
			    FG_LOG_STR("status", "synced"),
			    FG_LOG_INT("objects", n),
			    FG_LOG_INT("writes", rep.writes),
			    FG_LOG_INT("failed", rep.failed),
			    FG_LOG_INT("blocked", rep.blocked));
	}
	fg_apply_report_release(&rep);
}

static void skip_ns(const char *ns, const char *status, const char *why,
		    int text, json_t *jns, struct totals *t)
{
	if (text)
		printf("%s: %s: %s\n", ns, status, why);
	json_object_set_new(jns, "status", json_string(status));
	json_object_set_new(jns, "message", json_string(why));
	t->skipped_ns++;
	FG_LOG_WARN("sync.namespace", FG_LOG_STR("namespace", ns),
		    FG_LOG_STR("status", status), FG_LOG_STR("message", why));
}

int fg_cmd_sync(int argc, char **argv)
{
	struct sync_args s;
	struct totals t;
	struct fg_desired *d = NULL;
	struct fg_kube *k = NULL;
	struct fg_cluster_port port;
	json_t *out = NULL, *jnss, *inv_nss = NULL, *it;
	size_t i, j;
	int rc, text;

	memset(&s, 0, sizeof(s));
	memset(&t, 0, sizeof(t));
	fg_render_args_init(&s.r);
	s.apply.tooling = FG_MANAGER "/v" FG_VERSION;
	if ((rc = parse(argc, argv, &s))) {
		rc = rc < 0 ? FG_EXIT_OK : rc;
		goto done;
	}
	text = !s.r.json;
	if (!(d = fg_render_run("sync", &s.r))) {
		rc = FG_EXIT_PROBLEMS;
		goto done;
	}
	fg_render_print_diags(&d->diags);
	if ((rc = fg_kube_cli_connect(&s.kc, &k)) < 0) {
		fprintf(stderr, "flink-gitops: sync: %s\n", fg_error_last());
		rc = FG_EXIT_PROBLEMS;
		goto done;
	}
	fg_cluster_port_init(&port, k);
	out = json_pack("{s:b,s:[]}", "dryRun", s.apply.dry_run, "namespaces");
	jnss = json_object_get(out, "namespaces");
	if (s.r.mirror)
		json_object_set_new(out, "source",
				    json_pack("{s:s,s:s,s:s}", "url",
					      fg_git_mirror_url(s.r.mirror),
					      "ref", s.r.ref, "commit",
					      s.r.rev.commit));
	if (fg_apply_inventory_namespaces(&port, &inv_nss) < 0) {
		fprintf(stderr, "flink-gitops: sync: %s\n", fg_error_last());
		t.error = 1;
		inv_nss = json_array();
	}
	FG_LOG_INFO("sync.start", FG_LOG_STR("root", s.r.dir),
		    FG_LOG_INT("namespaces", d->nns),
		    FG_LOG_INT("dry_run", s.apply.dry_run));

	/* the rendered namespaces */
	for (i = 0; i < d->nns; i++) {
		const struct fg_ns *ns = &d->ns[i];
		json_t *jns = json_pack("{s:s}", "name", ns->name);
		int has_inv = 0;

		json_array_append_new(jnss, jns);
		json_array_foreach (inv_nss, j, it)
			has_inv |= !strcmp(json_string_value(it), ns->name);
		if (ns->failed) {
			t.error = 1;
			skip_ns(ns->name, "not synced",
				"render errors; nothing applied or pruned",
				text, jns, &t);
		} else if (!ns->n && has_inv && !allowed_ns(&s, ns->name)) {
			t.blocked++;
			skip_ns(ns->name, "blocked",
				"renders to nothing; not pruned without "
				"--allow-prune-namespace",
				text, jns, &t);
		} else {
			sync_ns(&s, &port, ns->name, ns->objs, ns->n, text, jns,
				&t);
		}
	}
	/* namespaces with an inventory whose folder is gone */
	json_array_foreach (inv_nss, j, it) {
		const char *name = json_string_value(it);
		json_t *jns;
		int rendered = 0;

		for (i = 0; i < d->nns && !rendered; i++)
			rendered = !strcmp(d->ns[i].name, name);
		if (rendered ||
		    (s.r.opts.only_ns && strcmp(s.r.opts.only_ns, name)))
			continue;
		jns = json_pack("{s:s}", "name", name);
		json_array_append_new(jnss, jns);
		if (allowed_ns(&s, name)) {
			sync_ns(&s, &port, name, NULL, 0, text, jns, &t);
		} else {
			t.blocked++;
			skip_ns(name, "blocked",
				"its folder is gone; not pruned without "
				"--allow-prune-namespace",
				text, jns, &t);
		}
	}
	if (d->config_failed)
		t.error = 1;

	rc = t.error || t.failed ? FG_EXIT_PROBLEMS
	     : t.blocked	 ? FG_EXIT_BLOCKED
				 : FG_EXIT_OK;
	json_object_set_new(
		out, "summary",
		json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "created",
			  (json_int_t)t.by_action[FG_ACT_CREATE], "updated",
			  (json_int_t)t.by_action[FG_ACT_UPDATE], "pruned",
			  (json_int_t)t.by_action[FG_ACT_PRUNE], "unchanged",
			  (json_int_t)t.by_action[FG_ACT_NOOP], "blocked",
			  (json_int_t)t.blocked, "failed", (json_int_t)t.failed,
			  "writes", (json_int_t)t.writes, "exitCode",
			  (json_int_t)rc));
	if (text) {
		printf("%s%zu namespace%s synced: %zu created, %zu updated, "
		       "%zu pruned, %zu unchanged, %zu blocked, %zu failed "
		       "(%lu write request%s)\n",
		       s.apply.dry_run ? "dry run: " : "", t.namespaces,
		       t.namespaces == 1 ? "" : "s", t.by_action[FG_ACT_CREATE],
		       t.by_action[FG_ACT_UPDATE], t.by_action[FG_ACT_PRUNE],
		       t.by_action[FG_ACT_NOOP], t.blocked, t.failed, t.writes,
		       t.writes == 1 ? "" : "s");
	} else {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	fflush(stdout);
	FG_LOG_INFO("sync.done", FG_LOG_INT("namespaces", t.namespaces),
		    FG_LOG_INT("created", t.by_action[FG_ACT_CREATE]),
		    FG_LOG_INT("updated", t.by_action[FG_ACT_UPDATE]),
		    FG_LOG_INT("pruned", t.by_action[FG_ACT_PRUNE]),
		    FG_LOG_INT("blocked", t.blocked),
		    FG_LOG_INT("failed", t.failed),
		    FG_LOG_INT("writes", t.writes), FG_LOG_INT("exit", rc));
done:
	json_decref(inv_nss);
	json_decref(out);
	fg_kube_free(k);
	fg_desired_free(d);
	fg_render_args_release(&s.r);
	return rc;
}
