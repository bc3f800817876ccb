/*
 * flink-gitops plan: what a pass would do, and what it does to the Flink
 * jobs, without doing it.
 *
 * Against a cluster (the default): the repository (a folder, or --repo
 * URL --ref REF) is rendered as sync renders it and each namespace is
 * observed as sync observes it (sync/observe.h: one LIST per kind, the
 * inventory, the HorizontalPodAutoscalers; no GET per object). The live
 * objects planned against are those Git wants and the inventory members
 * Git no longer has (sync would prune them). Only LIST requests are sent:
 * plan never writes to the cluster.
 *
 * Offline (--base REF): between two revisions of one Git repository, for
 * CI jobs that cannot reach the cluster. The head is rendered as validate
 * renders it; the base revision of the same mirror is rendered the same
 * way and stands in for the cluster: each base object is "live", compared
 * fully (every field it sets counts as ours), with no status (so a job is
 * taken to run as its spec says). --base needs --repo: the base is a
 * commit of the mirror. For a local clone give --repo file://$PWD --ref
 * HEAD.
 *
 * Exit: 0 no changes, 2 changes, 3 something blocked, 1 error (usage
 * errors too: 2 means "changes" here).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/cli.h"
#include "agent/cluster_port.h"
#include "agent/git/git.h"
#include "agent/kube_opts.h"
#include "agent/log.h"
#include "agent/render_args.h"
#include "render/base/error.h"
#include "render/crd.h"
#include "render/render.h"
#include "sync/apply.h"
#include "sync/inventory.h"
#include "sync/observe.h"
#include "sync/plan.h"
#include "render/base/banned.h"

#define FG_PLAN_EXIT_ERROR 1

enum { OUT_TEXT, OUT_JSON, OUT_MARKDOWN };

enum { OPT_BASE = FG_OPT_GIT_LAST + 1 };

struct plan_args {
	struct fg_render_args r;
	struct fg_kube_cli kc;
	int kube_opts; /* a cluster option was given */
	const char *base;
	int out;
};

/* A usage error exits 1 here: 2 means "changes". */
#define usage(...) (fg_usage_error("plan", __VA_ARGS__), FG_PLAN_EXIT_ERROR)

static int parse(int argc, char **argv, struct plan_args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "path", required_argument, NULL, 'p' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "crd-version", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "base", required_argument, NULL, OPT_BASE },
		FG_RENDER_GIT_OPTIONS,
		FG_KUBE_CLI_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	fg_render_args_init(&a->r);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hp:n:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find("plan")->help, stdout);
			return -1;
		case 'p':
			a->r.opts.path = optarg;
			break;
		case 'n':
			if (!*optarg)
				return usage("-n needs a namespace");
			a->r.opts.only_ns = optarg;
			break;
		case 'c':
			if (!fg_crd_version_known(optarg))
				return usage("operator version '%s' is not "
					     "bundled (see 'flink-gitops "
					     "version')",
					     optarg);
			a->r.opts.crd_version = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "text"))
				a->out = OUT_TEXT;
			else if (!strcmp(optarg, "json"))
				a->out = OUT_JSON;
			else if (!strcmp(optarg, "markdown"))
				a->out = OUT_MARKDOWN;
			else
				return usage("unknown output format '%s'",
					     optarg);
			break;
		case OPT_BASE:
			a->base = optarg;
			break;
		case ':':
			return usage("option '%s' needs a value",
				     argv[optind - 1]);
		default:
			if (c >= FG_OPT_REPO && c <= FG_OPT_GIT_LAST &&
			    (rc = fg_render_git_opt("plan", c, &a->r)) >= 0) {
				if (rc)
					return FG_PLAN_EXIT_ERROR;
				break;
			}
			rc = fg_kube_cli_option(&a->kc, "plan", c, optarg);
			if (rc == 1) {
				a->kube_opts = 1;
				break;
			}
			if (rc == 0)
				return usage("unknown option '%s'",
					     argv[optind - 1]);
			return FG_PLAN_EXIT_ERROR;
		}
	}
	if (optind < argc && (a->r.git.url || a->base))
		return usage("unexpected argument '%s' (with --repo or --base "
			     "there is no folder; for a local clone use "
			     "--repo file://$PWD)",
			     argv[optind]);
	if (optind < argc)
		a->r.dir = argv[optind++];
	if (optind < argc)
		return usage("unexpected argument '%s'", argv[optind]);
	if (a->base && !a->r.git.url)
		return usage("--base needs --repo URL (file:// works for a "
			     "local clone)");
	if (a->base && a->kube_opts)
		return usage("--base plans offline: --kubeconfig, --context "
			     "and --request-timeout do not apply");
	if (!a->r.git.url && (a->r.ref || a->r.verify || a->r.allowed_signers))
		return usage("--ref and --verify need --repo");
	if (a->r.verify && !strcmp(a->r.verify, "head") &&
	    !a->r.allowed_signers)
		return usage("--verify head needs --allowed-signers");
	return 0;
}

/* Render commit `hex` of the already open mirror. */
static int render_base(struct fg_desired **out, struct plan_args *a,
		       const char *hex, struct fg_buf *origin)
{
	struct fg_render_opts o = a->r.opts;
	struct fg_source *src = NULL;
	int err;

	*out = NULL;
	if ((err = fg_buf_printf(origin, "%s@%s",
				 fg_git_mirror_url(a->r.mirror), hex)) < 0)
		return err;
	o.origin = origin->ptr;
	if ((err = fg_git_source_new(&src, a->r.mirror, hex)) < 0)
		return err;
	err = fg_render(out, src, &o);
	fg_source_free(src);
	return err;
}

static json_t *objects(const struct fg_ns *ns)
{
	json_t *a = json_array();

	for (size_t i = 0; a && ns && !ns->failed && i < ns->n; i++)
		if (json_array_append(a, ns->objs[i].obj) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Every namespace of head and base, in name order, planned. */
static int build(struct fg_plan *plan, const struct fg_desired *head,
		 const struct fg_desired *base)
{
	struct fg_plan_opts o = { 1 };
	size_t i = 0, j = 0;
	int err = 0;

	while (!err && (i < head->nns || j < base->nns)) {
		const struct fg_ns *h = NULL, *b = NULL;
		const char *name;
		json_t *d, *l;
		int cmp;

		if (i >= head->nns)
			cmp = 1;
		else if (j >= base->nns)
			cmp = -1;
		else
			cmp = strcmp(head->ns[i].name, base->ns[j].name);
		if (cmp <= 0)
			h = &head->ns[i++];
		if (cmp >= 0)
			b = &base->ns[j++];
		name = h ? h->name : b->name;
		d = objects(h);
		l = objects(b);
		if (!d || !l) {
			err = fg_error_set(FG_ERROR, "out of memory");
		} else {
			err = fg_plan_add_ns(
				plan, name,
				(h && h->failed) || (b && b->failed) ||
					head->config_failed,
				h ? h->policy : head->policy, d, l, &o);
			if (!err && b && b->failed && !(h && h->failed))
				snprintf(plan->v[plan->n - 1].verdict.reason,
					 sizeof(plan->v[0].verdict.reason),
					 "the base revision failed to render "
					 "here: nothing to compare with");
		}
		json_decref(d);
		json_decref(l);
	}
	return err;
}

/*
 * Against a cluster. A live object counts as ours to prune as sync
 * prunes it: an inventory member (same uid when recorded) still
 * labelled part-of our inventory and managed-by flink-gitops.
 */
static const char *label_of(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "metadata"), "labels"),
		key));
}

static int prunable(const json_t *live, const struct fg_inv_member *m,
		    const char *id)
{
	const char *uid = json_string_value(
		json_object_get(json_object_get(live, "metadata"), "uid"));
	const char *part_of = label_of(live, FG_APPLYSET_LABEL_PART_OF);
	const char *mb = label_of(live, FG_LABEL_MANAGED_BY);

	if (*m->uid && (!uid || strcmp(uid, m->uid)))
		return 0;
	return part_of && !strcmp(part_of, id) && mb && !strcmp(mb, FG_MANAGER);
}

static int desired_has(const struct fg_ns *ns, const struct fg_inv_member *m)
{
	char group[256];

	for (size_t i = 0; ns && i < ns->n; i++) {
		fg_object_group(ns->objs[i].obj, group, sizeof(group));
		if (!strcmp(group, m->group) &&
		    !strcmp(ns->objs[i].kind, m->kind) &&
		    !strcmp(ns->objs[i].name, m->name))
			return 1;
	}
	return 0;
}

/* The live object is what sync last applied for `o` (sync's own test). */
static int same_hash(const json_t *lv, const struct fg_object *o,
		     const char *id)
{
	const json_t *meta = json_object_get(lv, "metadata");
	const char *hash = json_string_value(json_object_get(
		json_object_get(meta, "annotations"), FG_ANNOTATION_HASH));
	const char *part_of = json_string_value(json_object_get(
		json_object_get(meta, "labels"), FG_APPLYSET_LABEL_PART_OF));

	return hash && part_of && !strcmp(hash, o->hash) &&
	       !strcmp(part_of, id);
}

/*
 * Desired `obj` as sync applies it (with the inventory's part-of label),
 * appended to `d`; its live counterpart, if any, to `l`. The replicas an
 * HPA scales are the HPA's: Git's value stands aside for the live one.
 */
static int add_pair(json_t *d, json_t *l, const struct fg_live *live,
		    const struct fg_object *o, const char *id)
{
	char group[256];
	json_t *c = NULL, *lv, *tm, *r;
	int err;

	fg_object_group(o->obj, group, sizeof(group));
	if ((err = fg_inventory_member_object(&c, o->obj, id)) < 0)
		return err;
	lv = fg_live_find(live, group, o->kind, o->name);
	if (lv && same_hash(lv, o, id)) {
		/* sync would not touch it: neither does the plan (what only
		 * the API server's defaulting changed is no change either) */
		json_decref(c);
		if (!(c = json_deep_copy(lv)))
			return fg_error_set(FG_ERROR, "out of memory");
	} else if (lv && fg_live_hpa_owns(live, o->kind, o->name)) {
		tm = json_object_get(json_object_get(c, "spec"), "taskManager");
		r = json_object_get(json_object_get(json_object_get(lv, "spec"),
						    "taskManager"),
				    "replicas");
		if (json_is_object(tm) && r)
			json_object_set(tm, "replicas", r);
		else if (json_is_object(tm))
			json_object_del(tm, "replicas");
	}
	if (json_array_append_new(d, c) < 0 ||
	    (lv && json_array_append(l, lv) < 0))
		return fg_error_set(FG_ERROR, "out of memory");
	return 0;
}

/*
 * Plan namespace `name` against the cluster: `ns` what Git renders there
 * (NULL when its folder is gone), `policy` the policy map that applies.
 */
static int plan_live_ns(struct fg_plan *plan,
			const struct fg_cluster_port *port, const char *name,
			const struct fg_ns *ns, int failed,
			const json_t *policy, unsigned long *lists)
{
	struct fg_plan_opts o = { 0 };
	struct fg_live live;
	char id[FG_APPLYSET_ID_SIZE];
	json_t *d = json_array(), *l = json_array();
	int err;

	memset(&live, 0, sizeof(live));
	if (!d || !l) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (failed) {
		/* nothing is read where nothing may be touched */
		err = fg_plan_add_ns(plan, name, 1, policy, d, l, &o);
		goto done;
	}
	if ((err = fg_inventory_id(id, name)) < 0 ||
	    (err = fg_observe_ns(&live, port, name, ns ? ns->objs : NULL,
				 ns ? ns->n : 0)) < 0)
		goto done;
	*lists += live.lists;
	for (size_t i = 0; ns && i < ns->n && !err; i++)
		err = add_pair(d, l, &live, &ns->objs[i], id);
	for (size_t i = 0; i < live.inventory.n && !err; i++) {
		const struct fg_inv_member *m = &live.inventory.v[i];
		json_t *lv = fg_live_find(&live, m->group, m->kind, m->name);

		if (lv && !desired_has(ns, m) && prunable(lv, m, id) &&
		    json_array_append(l, lv) < 0)
			err = fg_error_set(FG_ERROR, "out of memory");
	}
	if (!err)
		err = fg_plan_add_ns(plan, name, 0, policy, d, l, &o);
done:
	fg_live_release(&live);
	json_decref(d);
	json_decref(l);
	return err;
}

/* Prefix the last error message with the namespace it happened in. */
static void in_ns(int err, const char *ns)
{
	char msg[FG_ERROR_MSG_MAX];

	snprintf(msg, sizeof(msg), "%s", fg_error_last());
	fg_error_set(err, "namespace %s: %s", ns, msg);
}

/*
 * Every rendered namespace, then every namespace where the inventory
 * records objects but Git renders none (its folder is gone), as sync
 * visits them.
 */
static int build_live(struct fg_plan *plan, const struct fg_cluster_port *port,
		      const struct fg_desired *d, const char *only_ns,
		      unsigned long *lists)
{
	json_t *inv = NULL, *it;
	size_t i, j;
	int err;

	if ((err = fg_apply_inventory_namespaces(port, &inv)) < 0)
		return err;
	(*lists)++;
	for (i = 0; i < d->nns && !err; i++) {
		const struct fg_ns *ns = &d->ns[i];

		err = plan_live_ns(plan, port, ns->name, ns,
				   ns->failed || d->config_failed, ns->policy,
				   lists);
		if (err < 0)
			in_ns(err, ns->name);
	}
	json_array_foreach (inv, j, it) {
		const char *name = json_string_value(it);
		int rendered = 0;

		if (err)
			break;
		for (i = 0; i < d->nns && !rendered; i++)
			rendered = !strcmp(d->ns[i].name, name);
		if (rendered || (only_ns && strcmp(only_ns, name)))
			continue;
		err = plan_live_ns(plan, port, name, NULL, d->config_failed,
				   d->policy, lists);
		if (err < 0)
			in_ns(err, name);
	}
	json_decref(inv);
	return err;
}

static int print_plan(const struct fg_plan *plan, int out)
{
	struct fg_buf b = FG_BUF_INIT;
	json_t *j = NULL;
	int err;

	if (out == OUT_JSON) {
		if ((err = fg_plan_json(plan, &j)) < 0)
			return err;
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
		return 0;
	}
	err = out == OUT_MARKDOWN ? fg_plan_markdown(plan, &b)
				  : fg_plan_text(plan, &b);
	if (!err)
		fwrite(b.ptr, 1, b.len, stdout);
	fg_buf_release(&b);
	return err;
}

/* plan --base: head against the base revision's render. */
static int run_offline(struct plan_args *a, struct fg_plan *plan,
		       const struct fg_desired *head)
{
	struct fg_desired *base = NULL;
	struct fg_buf origin = FG_BUF_INIT;
	char hex[41], hl[128], bl[128];
	int err;

	if ((err = fg_git_resolve(a->r.mirror, a->base, hex)) < 0 ||
	    (err = render_base(&base, a, hex, &origin)) < 0) {
		fprintf(stderr, "flink-gitops: plan: base %s: %s\n", a->base,
			fg_error_last());
		goto done;
	}
	if (fg_diags_errors(&base->diags))
		fprintf(stderr,
			"flink-gitops: plan: base %s: %zu render error(s); "
			"those namespaces are not compared\n",
			a->base, fg_diags_errors(&base->diags));
	if (!strcmp(a->base, hex))
		snprintf(bl, sizeof(bl), "%.7s", hex);
	else
		snprintf(bl, sizeof(bl), "%s@%.7s", a->base, hex);
	snprintf(hl, sizeof(hl), "%s@%.7s", a->r.ref, a->r.rev.commit);
	if ((err = build(plan, head, base)) < 0 ||
	    (err = fg_plan_set_labels(plan, bl, hl)) < 0)
		fprintf(stderr, "flink-gitops: plan: %s\n", fg_error_last());
	FG_LOG_DEBUG("plan.offline", FG_LOG_STR("base", bl),
		     FG_LOG_STR("head", hl));
done:
	fg_desired_free(base);
	fg_buf_release(&origin);
	return err;
}

/* plan against the cluster: LIST requests only. */
static int run_live(struct plan_args *a, struct fg_plan *plan,
		    const struct fg_desired *head)
{
	struct fg_kube *k = NULL;
	struct fg_cluster_port port;
	unsigned long lists = 0;
	char hl[160];
	int err;

	if ((err = fg_kube_cli_connect(&a->kc, &k)) < 0) {
		fprintf(stderr, "flink-gitops: plan: %s\n", fg_error_last());
		return err;
	}
	fg_cluster_port_init(&port, k);
	if (a->r.mirror)
		snprintf(hl, sizeof(hl), "%s@%.7s", a->r.ref, a->r.rev.commit);
	else
		snprintf(hl, sizeof(hl), "%s", a->r.dir);
	if ((err = build_live(plan, &port, head, a->r.opts.only_ns, &lists)) <
		    0 ||
	    (err = fg_plan_set_labels(plan, "cluster", hl)) < 0)
		fprintf(stderr, "flink-gitops: plan: %s\n", fg_error_last());
	FG_LOG_DEBUG("plan.observed", FG_LOG_INT("namespaces", plan->n),
		     FG_LOG_INT("lists", lists));
	fg_kube_free(k);
	return err;
}

int fg_cmd_plan(int argc, char **argv)
{
	struct plan_args a;
	struct fg_desired *head = NULL;
	struct fg_plan plan = FG_PLAN_INIT;
	int rc;

	memset(&a, 0, sizeof(a));
	if ((rc = parse(argc, argv, &a))) {
		fg_render_args_release(&a.r);
		return rc < 0 ? FG_EXIT_OK : rc;
	}
	rc = FG_PLAN_EXIT_ERROR;
	if (!(head = fg_render_run("plan", &a.r)))
		goto done;
	fg_render_print_diags(&head->diags);
	if ((a.base ? run_offline(&a, &plan, head)
		    : run_live(&a, &plan, head)) < 0)
		goto done;
	if (print_plan(&plan, a.out) < 0) {
		fprintf(stderr, "flink-gitops: plan: %s\n", fg_error_last());
		goto done;
	}
	fflush(stdout);
	rc = fg_plan_exit_code(&plan);
	FG_LOG_INFO("plan.done", FG_LOG_STR("base", plan.base),
		    FG_LOG_STR("head", plan.head),
		    FG_LOG_INT("create", plan.creates),
		    FG_LOG_INT("update", plan.updates),
		    FG_LOG_INT("delete", plan.deletes),
		    FG_LOG_INT("blocked", plan.blocked));
done:
	fg_plan_release(&plan);
	fg_desired_free(head);
	fg_render_args_release(&a.r);
	return rc;
}
