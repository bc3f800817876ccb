/*
 * flink-gitops plan --base REF: what a pass would do, offline, between two
 * revisions of one Git repository (for CI jobs that cannot reach the
 * cluster). The head is rendered as validate renders it; the base revision
 * of the same mirror is rendered the same way and stands in for the
 * cluster: each base object is "live", compared fully (every field it sets
 * counts as ours), with no status (so a job is taken to run as its spec
 * says). Nothing is written anywhere.
 *
 * --base needs --repo: the base is a commit of the mirror. For a local
 * clone give --repo file://$PWD --ref HEAD.
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
#include "agent/git/git.h"
#include "agent/log.h"
#include "agent/render_args.h"
#include "render/base/error.h"
#include "render/crd.h"
#include "render/render.h"
#include "sync/plan.h"
#include "render/base/banned.h"

#define FG_PLAN_EXIT_ERROR 1

enum { OUT_TEXT, OUT_JSON, OUT_MARKDOWN };

enum { OPT_BASE = FG_OPT_GIT_LAST + 1 };

struct plan_args {
	struct fg_render_args r;
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
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	fg_render_args_init(&a->r);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hn:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find("plan")->help, stdout);
			return -1;
		case 'p':
			a->r.opts.path = optarg;
			break;
		case 'n':
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
			return usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage("unexpected argument '%s' (plan reads --repo; "
			     "for a local clone use --repo file://$PWD)",
			     argv[optind]);
	if (!a->base)
		return usage("--base REF is required (planning against a "
			     "cluster is not there yet)");
	if (!a->r.git.url)
		return usage("--base needs --repo URL (file:// works for a "
			     "local clone)");
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

int fg_cmd_plan(int argc, char **argv)
{
	struct plan_args a = { 0 };
	struct fg_desired *head = NULL, *base = NULL;
	struct fg_plan plan = FG_PLAN_INIT;
	struct fg_buf origin = FG_BUF_INIT;
	char hex[41], hl[128], bl[128];
	int rc;

	if ((rc = parse(argc, argv, &a))) {
		fg_render_args_release(&a.r);
		return rc < 0 ? FG_EXIT_OK : rc;
	}
	rc = FG_PLAN_EXIT_ERROR;
	if (!(head = fg_render_run("plan", &a.r)))
		goto done;
	fg_render_print_diags(&head->diags);
	if (fg_git_resolve(a.r.mirror, a.base, hex) < 0 ||
	    render_base(&base, &a, hex, &origin) < 0) {
		fprintf(stderr, "flink-gitops: plan: base %s: %s\n", a.base,
			fg_error_last());
		goto done;
	}
	if (fg_diags_errors(&base->diags))
		fprintf(stderr,
			"flink-gitops: plan: base %s: %zu render error(s); "
			"those namespaces are not compared\n",
			a.base, fg_diags_errors(&base->diags));
	if (!strcmp(a.base, hex))
		snprintf(bl, sizeof(bl), "%.7s", hex);
	else
		snprintf(bl, sizeof(bl), "%s@%.7s", a.base, hex);
	snprintf(hl, sizeof(hl), "%s@%.7s", a.r.ref, a.r.rev.commit);
	if (build(&plan, head, base) < 0 ||
	    fg_plan_set_labels(&plan, bl, hl) < 0 ||
	    print_plan(&plan, a.out) < 0) {
		fprintf(stderr, "flink-gitops: plan: %s\n", fg_error_last());
		goto done;
	}
	fflush(stdout);
	rc = fg_plan_exit_code(&plan);
	FG_LOG_INFO("plan.done", FG_LOG_STR("base", bl), FG_LOG_STR("head", hl),
		    FG_LOG_INT("create", plan.creates),
		    FG_LOG_INT("update", plan.updates),
		    FG_LOG_INT("delete", plan.deletes),
		    FG_LOG_INT("blocked", plan.blocked));
done:
	fg_plan_release(&plan);
	fg_desired_free(head);
	fg_desired_free(base);
	fg_buf_release(&origin);
	fg_render_args_release(&a.r);
	return rc;
}
