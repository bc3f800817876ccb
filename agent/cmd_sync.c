/*
 * flink-gitops sync: render the repository (the same code path as
 * validate and render), then apply each namespace through the cluster
 * port (sync/apply.h), deciding with the namespace's policy (fg_ns.policy,
 * the same rules as plan): create and update what changed unless a rule
 * holds it back, prune what flink-gitops applied earlier and Git no
 * longer has.
 *
 * Namespaces run in parallel, at most --parallel at a time, each worker
 * with its own client (a client is one connection, used by one thread);
 * results are printed in namespace order once all are done.
 *
 * Run overrides: --allow-delete is policy delete: allow for every object
 * of this run; --allow-prune-namespace NS is policy prune: true for NS. A
 * namespace with render errors is never touched.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
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
#define SYNC_PARALLEL_DEFAULT 8
#define SYNC_PARALLEL_MAX 64
#define SYNC_WAIT_MAX_S 86400 /* --wait-timeout */

enum {
	OPT_DRY_RUN = 0x200,
	OPT_ALLOW_DELETE,
	OPT_ALLOW_PRUNE_NS,
	OPT_PARALLEL,
	OPT_WAIT_TIMEOUT,
};

struct sync_args {
	struct fg_render_args r;
	struct fg_kube_cli kc;
	struct fg_apply_opts apply;
	const char *allow_ns[SYNC_MAX_ALLOW_NS];
	size_t nallow;
	long parallel;
};

/* One namespace to apply, and what came of it. */
struct ns_job {
	const char *name; /* borrowed */
	const struct fg_object *objs;
	size_t n;
	const json_t *policy;
	int allow_prune;
	json_t *jns; /* borrowed: its entry in the output */
	struct fg_apply_report rep;
	int err;
	char msg[FG_ERROR_MSG_MAX];
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
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ "wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT },
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
		case OPT_DRY_RUN:
			s->apply.dry_run = 1;
			break;
		case OPT_ALLOW_DELETE:
			s->apply.allow_delete = 1;
			break;
		case OPT_PARALLEL:
		case OPT_WAIT_TIMEOUT: {
			char *end;
			long v = strtol(optarg, &end, 10);
			long max = c == OPT_PARALLEL ? SYNC_PARALLEL_MAX
						     : SYNC_WAIT_MAX_S;

			if (!*optarg || *end || v < 1 || v > max)
				return fg_usage_error(
					"sync",
					"%s: want a number from 1 to %ld",
					argv[optind - 1], max);
			if (c == OPT_PARALLEL)
				s->parallel = v;
			else
				s->apply.wait_ms = v * 1000;
			break;
		}
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
			rc = fg_cluster_cmd_option("sync", c, optarg, &s->r,
						   &s->kc);
			if (rc == 1)
				break;
			if (rc == 0)
				return fg_usage_error("sync",
						      "unknown option '%s'",
						      argv[optind - 1]);
			return rc;
		}
	}
	return fg_render_args_positional("sync", argc, argv, &s->r);
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

/* One namespace's outcome, after the workers: printed, logged, counted. */
static void finish_ns(struct ns_job *job, int text, struct totals *t)
{
	const struct fg_verdict *v = &job->rep.ns_verdict;
	json_t *jobjs = json_array();
	const char *ns = job->name;
	json_t *jns = job->jns;

	report_ns(ns, &job->rep, 0, text, jobjs, t);
	t->writes += job->rep.writes;
	t->namespaces++;
	json_object_set_new(jns, "objects", jobjs);
	json_object_set_new(jns, "writes",
			    json_integer((json_int_t)job->rep.writes));
	if (job->err < 0) {
		t->error = 1;
		if (text)
			printf("%s: not synced: %s\n", ns, job->msg);
		json_object_set_new(jns, "status", json_string("error"));
		json_object_set_new(jns, "message", json_string(job->msg));
		FG_LOG_ERROR("sync.namespace", FG_LOG_STR("namespace", ns),
			     FG_LOG_STR("status", "error"),
			     FG_LOG_STR("message", job->msg));
	} else if (v->kind == FG_VERDICT_BLOCK) {
		char why[512];

		t->blocked++;
		t->namespaces--;
		snprintf(why, sizeof(why), "%s (to allow: %s%s)", v->reason,
			 v->unblock ? v->unblock : "",
			 ", or --allow-prune-namespace for this run");
		if (text)
			printf("%s: blocked: %s\n", ns, why);
		json_object_set_new(jns, "status", json_string("blocked"));
		json_object_set_new(jns, "message", json_string(why));
		t->skipped_ns++;
		FG_LOG_WARN("sync.namespace", FG_LOG_STR("namespace", ns),
			    FG_LOG_STR("status", "blocked"),
			    FG_LOG_STR("message", why));
	} else {
		json_object_set_new(jns, "status", json_string("synced"));
		FG_LOG_INFO("sync.namespace", FG_LOG_STR("namespace", ns),
			    FG_LOG_STR("status", "synced"),
			    FG_LOG_INT("objects", job->n),
			    FG_LOG_INT("writes", job->rep.writes),
			    FG_LOG_INT("failed", job->rep.failed),
			    FG_LOG_INT("blocked", job->rep.blocked));
	}
}

/* The workers: each takes the next namespace until none is left. */
struct pool {
	const struct sync_args *s;
	struct ns_job *jobs;
	size_t njobs;
	atomic_size_t next;
};

struct worker {
	struct pool *pool;
	struct fg_cluster_port port;
	struct fg_kube *k;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pool *pool = w->pool;
	size_t i;

	while ((i = atomic_fetch_add(&pool->next, 1)) < pool->njobs) {
		struct ns_job *job = &pool->jobs[i];
		struct fg_apply_opts o = pool->s->apply;

		o.policy = job->policy;
		o.allow_prune = job->allow_prune;
		job->err = fg_apply_ns(&job->rep, &w->port, job->name,
				       job->objs, job->n, &o);
		if (job->err < 0)
			snprintf(job->msg, sizeof(job->msg), "%s",
				 fg_error_last());
	}
	return NULL;
}

/*
 * Run the jobs on up to `parallel` workers: `k0` is the first worker's
 * client (borrowed), the others connect their own. 0, or FG_E* when no
 * worker could start (nothing applied).
 */
static int run_pool(const struct sync_args *s, struct fg_kube *k0,
		    struct ns_job *jobs, size_t njobs)
{
	struct pool pool = { s, jobs, njobs, 0 };
	struct worker w[SYNC_PARALLEL_MAX];
	pthread_t th[SYNC_PARALLEL_MAX];
	size_t nw = (size_t)s->parallel, i, started = 0;
	int err = 0;

	if (nw > njobs)
		nw = njobs;
	memset(w, 0, sizeof(w));
	for (i = 0; i < nw; i++) {
		w[i].pool = &pool;
		if (i && fg_kube_cli_connect(&s->kc, &w[i].k) < 0)
			break; /* fewer workers; the others still run */
		fg_cluster_port_init(&w[i].port, i ? w[i].k : k0);
	}
	nw = i;
	for (i = 1; i < nw; i++) {
		if (pthread_create(&th[i], NULL, work, &w[i]))
			break;
		started = i;
	}
	if (nw)
		work(&w[0]);
	else
		err = -1;
	for (i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	for (i = 1; i < SYNC_PARALLEL_MAX; i++)
		fg_kube_free(w[i].k);
	return err;
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
	struct ns_job *jobs = NULL;
	size_t i, j, njobs = 0;
	int rc, text;

	memset(&s, 0, sizeof(s));
	memset(&t, 0, sizeof(t));
	fg_render_args_init(&s.r);
	s.apply.tooling = FG_MANAGER "/v" FG_VERSION;
	s.parallel = SYNC_PARALLEL_DEFAULT;
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

	/* the rendered namespaces, then those whose folder is gone */
	if (!(jobs = calloc(d->nns + json_array_size(inv_nss) + 1,
			    sizeof(*jobs)))) {
		fprintf(stderr, "flink-gitops: sync: out of memory\n");
		rc = FG_EXIT_PROBLEMS;
		goto done;
	}
	for (i = 0; i < d->nns; i++) {
		const struct fg_ns *ns = &d->ns[i];
		json_t *jns = json_pack("{s:s}", "name", ns->name);

		json_array_append_new(jnss, jns);
		if (ns->failed) {
			t.error = 1;
			skip_ns(ns->name, "not synced",
				"render errors; nothing applied or pruned",
				text, jns, &t);
			continue;
		}
		jobs[njobs].name = ns->name;
		jobs[njobs].objs = ns->objs;
		jobs[njobs].n = ns->n;
		jobs[njobs].policy = ns->policy;
		jobs[njobs].allow_prune = allowed_ns(&s, ns->name);
		jobs[njobs].jns = jns;
		njobs++;
	}
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
		jobs[njobs].name = name;
		jobs[njobs].policy = d->policy; /* the repository's */
		jobs[njobs].allow_prune = allowed_ns(&s, name);
		jobs[njobs].jns = jns;
		njobs++;
	}
	if (njobs && run_pool(&s, k, jobs, njobs) < 0) {
		fprintf(stderr, "flink-gitops: sync: %s\n", fg_error_last());
		t.error = 1;
	}
	for (i = 0; i < njobs; i++)
		finish_ns(&jobs[i], text, &t);
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
	for (i = 0; i < njobs; i++)
		fg_apply_report_release(&jobs[i].rep);
	free(jobs);
	json_decref(inv_nss);
	json_decref(out);
	fg_kube_free(k);
	fg_desired_free(d);
	fg_render_args_release(&s.r);
	return rc;
}
