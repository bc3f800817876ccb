#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/cli.h"
#include "agent/log.h"
#include "agent/pass_cli.h"
#include "agent/version.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/crd.h"
#include "sync/observe.h"
#include "sync/report.h"
#include "sync/saved.h"
#include "render/base/banned.h"

enum {
	OPT_BASE = FG_OPT_GIT_LAST + 1,
	OPT_DRY_RUN,
	OPT_ALLOW_DELETE,
	OPT_ALLOW_PRUNE_NS,
	OPT_PARALLEL,
	OPT_CONNECTIONS,
	OPT_WAIT_TIMEOUT,
	OPT_SELF_HEAL,
	OPT_REPOSITORY,
	OPT_CRD_VERSION,
	OPT_CREATE_NAMESPACE,
	OPT_NO_PRUNE,
	OPT_WAIT,
	OPT_SAVE,
	OPT_PLAN,
};
#define OPT_VERBOSE 'v'

/* Which commands take an option. */
#define P (1u << FG_CMD_PLAN)
#define S (1u << FG_CMD_SYNC)
#define D (1u << FG_CMD_DRIFT)

static const struct {
	int opt;
	unsigned cmds;
} only[] = {
	{ OPT_BASE, P },
	{ OPT_DRY_RUN, S | D },
	{ OPT_ALLOW_DELETE, P | S },
	{ OPT_ALLOW_PRUNE_NS, P | S },
	{ OPT_CREATE_NAMESPACE, P | S },
	{ OPT_VERBOSE, S },
	{ OPT_NO_PRUNE, P | S },
	{ OPT_WAIT, S },
	{ OPT_SAVE, P },
	{ OPT_PLAN, S },
	{ OPT_PARALLEL, S },
	{ OPT_WAIT_TIMEOUT, S },
	{ OPT_SELF_HEAL, D },
};

static int takes(enum fg_pass_cmd cmd, int opt)
{
	for (size_t i = 0; i < sizeof(only) / sizeof(*only); i++)
		if (only[i].opt == opt)
			return (only[i].cmds >> cmd) & 1;
	return 1;
}

static const char *const names[] = { "plan", "sync", "drift" };

int fg_cli_duration(const char *s, long max_s, long long *ms)
{
	long long total = 0;
	const char *p = s;

	if (!*p)
		return -1;
	while (*p) {
		char *end;
		long long v = strtoll(p, &end, 10), unit;

		if (end == p || v < 0 || v > max_s * 1000LL)
			return -1;
		if (!strncmp(end, "ms", 2)) {
			unit = 1;
			end += 2;
		} else if (*end == 'h') {
			unit = 3600000;
			end++;
		} else if (*end == 'm') {
			unit = 60000;
			end++;
		} else if (*end == 's' || (!*end && p == s)) {
			unit = 1000; /* a bare number is seconds */
			end += *end == 's';
		} else {
			return -1;
		}
		total += v * unit;
		if (total > max_s * 1000LL)
			return -1;
		p = end;
	}
	if (total <= 0)
		return -1;
	*ms = total;
	return 0;
}

/* A number from 1 to `max`, or a usage error. */
static int number(const char *cmd, const char *opt, const char *arg, long max,
		  long *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < 1 || v > max)
		return fg_usage_error(cmd, "%s: want a number from 1 to %ld",
				      opt, max);
	*out = v;
	return 0;
}

/* Options that decide what the pass does: a saved plan brings its own. */
static int decides(int opt)
{
	switch (opt) {
	case 'n':
	case 'p':
	case OPT_ALLOW_DELETE:
	case OPT_ALLOW_PRUNE_NS:
	case OPT_CREATE_NAMESPACE:
	case OPT_NO_PRUNE:
	case OPT_REPOSITORY:
	case OPT_CRD_VERSION:
		return 1;
	default:
		return 0;
	}
}

static int parse_option(struct fg_pass_cli *c, int opt, const char *arg,
			const char *as_given)
{
	const char *cmd = c->name;
	long v;
	int rc;

	if (!takes(c->cmd, opt))
		return fg_usage_error(cmd, "unknown option '%s'", as_given);
	if (decides(opt) && !c->decided_by)
		c->decided_by = as_given;
	switch (opt) {
	case OPT_BASE:
		c->base = arg;
		return 0;
	case OPT_DRY_RUN:
		c->pass.dry_run = 1;
		return 0;
	case OPT_ALLOW_DELETE:
		c->pass.allow_delete = 1;
		return 0;
	case OPT_ALLOW_PRUNE_NS:
		if (c->pass.nallow_prune == FG_PASS_MAX_ALLOW_PRUNE)
			return fg_usage_error(cmd,
					      "more than %d "
					      "--allow-prune-namespace",
					      FG_PASS_MAX_ALLOW_PRUNE);
		c->allow_prune[c->pass.nallow_prune++] = arg;
		return 0;
	case OPT_PARALLEL:
		if ((rc = number(cmd, as_given, arg, FG_PARALLEL_NS_MAX, &v)))
			return rc;
		c->pass.parallel_ns = (size_t)v;
		return 0;
	case OPT_CONNECTIONS:
		if ((rc = number(cmd, as_given, arg, FG_POOL_MAX, &v)))
			return rc;
		c->connections = v;
		return 0;
	case OPT_WAIT_TIMEOUT:
		if ((rc = number(cmd, as_given, arg, FG_WAIT_MAX_S, &v)))
			return rc;
		c->pass.wait_ms = v * 1000;
		return 0;
	case OPT_SELF_HEAL:
		c->self_heal = 1;
		return 0;
	case OPT_CREATE_NAMESPACE:
		c->pass.create_namespace = 1;
		return 0;
	case OPT_VERBOSE:
		c->verbose = 1;
		return 0;
	case OPT_NO_PRUNE:
		c->pass.no_prune = 1;
		return 0;
	case OPT_SAVE:
		c->save = arg;
		return 0;
	case OPT_PLAN:
		c->plan_file = arg;
		return 0;
	case OPT_WAIT:
		c->wait = 1;
		c->wait_ms = FG_WAIT_DEFAULT_S * 1000LL;
		if (arg && fg_cli_duration(arg, FG_WAIT_MAX_S, &c->wait_ms) < 0)
			return fg_usage_error(cmd,
					      "--wait=%s: not a duration (90s, "
					      "5m, 1h30m; at most %ds)",
					      arg, FG_WAIT_MAX_S);
		return 0;
	case OPT_REPOSITORY:
		if (!*arg || strlen(arg) > 40 ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
			    strlen(arg) ||
		    arg[0] == '-' || arg[strlen(arg) - 1] == '-')
			return fg_usage_error(cmd,
					      "--repository: '%s' is not a "
					      "name (lowercase letters, "
					      "digits and '-', at most 40)",
					      arg);
		c->pass.repository = arg;
		return 0;
	case OPT_CRD_VERSION:
		if ((rc = fg_crd_version_option(cmd, arg)))
			return rc;
		c->r.opts.crd_version = arg;
		return 0;
	case 'p':
		c->r.opts.path = arg;
		return 0;
	case 'n':
		if ((rc = fg_cli_add_namespace(cmd, arg, c->r.namespaces,
					       &c->r.opts.nnamespaces)))
			return rc;
		c->pass.namespaces = c->r.namespaces;
		c->pass.nnamespaces = c->r.opts.nnamespaces;
		return 0;
	case 'o':
		if (!strcmp(arg, "text"))
			c->out = FG_OUT_TEXT;
		else if (!strcmp(arg, "json"))
			c->out = FG_OUT_JSON;
		else if (!strcmp(arg, "markdown") && c->cmd == FG_CMD_PLAN)
			c->out = FG_OUT_MARKDOWN;
		else
			return fg_usage_error(
				cmd,
				"unknown output format '%s' "
				"(text, json%s)",
				arg, c->cmd == FG_CMD_PLAN ? ", markdown" : "");
		return 0;
	default:
		break;
	}
	if (opt >= FG_OPT_REPO && opt <= FG_OPT_GIT_LAST)
		return fg_render_git_opt(cmd, opt, &c->r) > 0 ? FG_EXIT_USAGE
							      : 0;
	rc = fg_kube_cli_option(&c->kc, cmd, opt, arg);
	if (rc == 1) {
		c->kube_given = 1;
		return 0;
	}
	if (rc == 0)
		return fg_usage_error(cmd, "unknown option '%s'", as_given);
	return rc;
}

/* ---- saved plans ---- */

static json_t *strings(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* `dir` made absolute, in `buf` when it is not already. */
static const char *absolute(const char *dir, char *buf, size_t n)
{
	size_t len;

	if (dir[0] == '/' || !getcwd(buf, n))
		return dir;
	len = strlen(buf);
	if (!strcmp(dir, "."))
		return buf;
	snprintf(buf + len, n - len, "/%s", dir);
	return buf;
}

int fg_pass_cli_save(const struct fg_pass_cli *c, const struct fg_pass *p)
{
	const struct fg_render_opts *o = &c->r.opts;
	json_t *src, *opts = NULL, *doc = NULL;
	struct fg_buf tmp = FG_BUF_INIT;
	char cwd[PATH_MAX];
	FILE *f = NULL;
	int err = -1, werr, saved_errno;

	if (c->r.mirror)
		src = json_pack("{s:s, s:s, s:s}", "repo",
				fg_git_mirror_url(c->r.mirror), "ref", c->r.ref,
				"commit", c->r.rev.commit);
	else
		src = json_pack("{s:s}", "dir",
				absolute(c->r.dir, cwd, sizeof(cwd)));
	opts = json_pack("{s:s, s:o, s:s?, s:s?, s:b, s:o, s:b, s:b}", "path",
			 o->path ? o->path : "", "namespaces",
			 strings(o->namespaces, o->nnamespaces), "repository",
			 c->pass.repository, "crdVersion", o->crd_version,
			 "allowDelete", c->pass.allow_delete,
			 "allowPruneNamespaces",
			 strings(c->pass.allow_prune, c->pass.nallow_prune),
			 "createNamespace", c->pass.create_namespace, "noPrune",
			 c->pass.no_prune);
	if (!src || !opts || fg_saved_plan_new(&doc, p, src, opts) < 0)
		goto done;
	/* whole or not at all: a temporary file, then renamed */
	if (fg_buf_printf(&tmp, "%s.tmp", c->save) < 0)
		goto done;
	f = fopen(tmp.ptr, "w");
	werr = !f || json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 ||
	       fputc('\n', f) == EOF;
	saved_errno = errno;
	if (f && fclose(f) != 0 && !werr) {
		werr = 1;
		saved_errno = errno;
	}
	f = NULL;
	if (!werr && rename(tmp.ptr, c->save) < 0) {
		werr = 1;
		saved_errno = errno;
	}
	if (werr) {
		/* a disk that filled up keeps no half of a plan */
		unlink(tmp.ptr);
		fg_error_set_errno(FG_ERROR, saved_errno, "cannot write '%s'",
				   c->save);
		goto done;
	}
	err = 0;
done:
	if (err)
		fprintf(stderr, "flink-gitops: plan: --save: %s\n",
			fg_error_last());
	if (f)
		fclose(f);
	json_decref(src);
	json_decref(opts);
	json_decref(doc);
	fg_buf_release(&tmp);
	return err;
}

/* The saved plan's options and (unless given) source, into `c`. */
static int load_saved(struct fg_pass_cli *c, int source_given)
{
	const char *cmd = c->name;
	struct fg_buf data = FG_BUF_INIT;
	const json_t *src, *o, *v;
	json_error_t je;
	size_t i;
	int err;

	fg_buf_init(&data, FG_SAVED_PLAN_MAX);
	if ((err = fg_buf_read_file(&data, c->plan_file)) == 0 &&
	    (err = fg_json_loadb(&c->saved, data.ptr, data.len,
				 JSON_REJECT_DUPLICATES, &je)) == FG_EINVALID)
		err = fg_error_set(FG_EINVALID, "line %d: %s", je.line,
				   je.text);
	fg_buf_release(&data);
	if (!err)
		err = fg_saved_plan_valid(c->saved);
	if (err < 0) {
		fprintf(stderr, "flink-gitops: %s: --plan %s: %s\n", cmd,
			c->plan_file, fg_error_last());
		return FG_EXIT_ERROR;
	}
	src = json_object_get(c->saved, "source");
	o = json_object_get(c->saved, "options");
	if (!source_given) {
		if (fg_json_str(src, "repo")) {
			c->r.git.url = fg_json_str(src, "repo");
			c->r.ref = fg_json_str(src, "ref");
		} else if (fg_json_str(src, "dir")) {
			c->r.dir = fg_json_str(src, "dir");
		}
	}
	c->r.opts.path = fg_json_str(o, "path") ? fg_json_str(o, "path") : "";
	c->r.opts.crd_version = fg_json_str(o, "crdVersion");
	c->pass.repository = fg_json_str(o, "repository");
	c->pass.allow_delete = json_is_true(json_object_get(o, "allowDelete"));
	c->pass.create_namespace =
		json_is_true(json_object_get(o, "createNamespace"));
	c->pass.no_prune = json_is_true(json_object_get(o, "noPrune"));
	json_array_foreach (json_object_get(o, "namespaces"), i, v)
		if (json_is_string(v) &&
		    (err = fg_cli_add_namespace(cmd, json_string_value(v),
						c->r.namespaces,
						&c->r.opts.nnamespaces)))
			return err;
	c->pass.namespaces = c->r.namespaces;
	c->pass.nnamespaces = c->r.opts.nnamespaces;
	json_array_foreach (json_object_get(o, "allowPruneNamespaces"), i, v)
		if (json_is_string(v) &&
		    c->pass.nallow_prune < FG_PASS_MAX_ALLOW_PRUNE)
			c->allow_prune[c->pass.nallow_prune++] =
				json_string_value(v);
	return 0;
}

int fg_pass_cli_check_saved(const struct fg_pass_cli *c,
			    const struct fg_pass *p)
{
	struct fg_buf why = FG_BUF_INIT;
	int err;

	err = fg_saved_plan_check(c->saved, p,
				  c->r.mirror ? c->r.rev.commit : NULL, &why);
	if (err == 0) {
		fg_buf_release(&why);
		return 0;
	}
	fprintf(stderr,
		"flink-gitops: %s: refusing the plan in %s: Git or the cluster "
		"moved since it was made (%s); nothing was applied, make a "
		"new plan\n",
		c->name, c->plan_file, fg_error_last());
	for (const char *l = why.ptr; *l;) {
		size_t n = strcspn(l, "\n");

		fprintf(stderr, "  %.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
	fg_buf_release(&why);
	return -1;
}

int fg_pass_cli_parse(struct fg_pass_cli *c, enum fg_pass_cmd cmd, int argc,
		      char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "path", required_argument, NULL, 'p' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "crd-version", required_argument, NULL, OPT_CRD_VERSION },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "allow-delete", no_argument, NULL, OPT_ALLOW_DELETE },
		{ "allow-prune-namespace", required_argument, NULL,
		  OPT_ALLOW_PRUNE_NS },
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ "connections", required_argument, NULL, OPT_CONNECTIONS },
		{ "wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT },
		{ "self-heal", no_argument, NULL, OPT_SELF_HEAL },
		{ "repository", required_argument, NULL, OPT_REPOSITORY },
		{ "create-namespace", no_argument, NULL, OPT_CREATE_NAMESPACE },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "no-prune", no_argument, NULL, OPT_NO_PRUNE },
		{ "wait", optional_argument, NULL, OPT_WAIT },
		{ "save", required_argument, NULL, OPT_SAVE },
		{ "plan", required_argument, NULL, OPT_PLAN },
		FG_RENDER_GIT_OPTIONS,
		FG_KUBE_CLI_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *name = names[cmd];
	int o, rc, source_given;

	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->name = name;
	fg_render_args_init(&c->r);
	c->pass.tooling = FG_MANAGER "/v" FG_VERSION;
	c->pass.allow_prune = c->allow_prune;
	c->connections = FG_CONNECTIONS_DEFAULT;
	opterr = 0;
	if ((rc = fg_cli_check_options(name, argc, argv, "hp:n:o:v", opts)))
		return rc;
	while ((o = getopt_long(argc, argv, ":hp:n:o:v", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			fputs(fg_cmd_find(name)->help, stdout);
			return -1;
		case ':':
		case '?':
			return fg_cli_getopt_error(name, o, argv);
		default:
			if ((rc = parse_option(c, o, optarg,
					       argv[optind - 1])) != 0)
				return rc;
		}
	}
	if (optind < argc && (c->r.git.url || c->base))
		return fg_usage_error(name,
				      "unexpected argument '%s' (with --repo "
				      "there is no folder; for a local clone "
				      "use --repo file://$PWD)",
				      argv[optind]);
	source_given = optind < argc || c->r.git.url;
	if ((rc = fg_render_args_positional(name, argc, argv, &c->r)))
		return rc;
	if (c->save && c->base)
		return fg_usage_error(name, "--save records a plan against the "
					    "cluster: not with --base");
	if (c->plan_file && c->decided_by)
		return fg_usage_error(name,
				      "%s: --plan applies the plan as it was "
				      "made, with its own options",
				      c->decided_by);
	if (c->plan_file && (rc = load_saved(c, source_given)))
		return rc;
	if (c->base && !c->r.git.url)
		return fg_usage_error(name, "--base needs --repo URL (file:// "
					    "works for a local clone)");
	if (c->base && c->kube_given)
		return fg_usage_error(name,
				      "--base plans offline: --kubeconfig, "
				      "--context and --request-timeout do not "
				      "apply");
	if (cmd == FG_CMD_DRIFT && c->pass.dry_run && !c->self_heal)
		return fg_usage_error(name, "--dry-run needs --self-heal");
	if (cmd == FG_CMD_DRIFT)
		c->pass.mode = c->self_heal ? FG_PASS_HEAL_ONLY : FG_PASS_HEAL;
	c->pass.parallel_objects = (size_t)c->connections;
	return 0;
}

int fg_pass_cli_render(struct fg_pass_cli *c)
{
	if (!c->base) {
		if (fg_pass_cli_connect(c) < 0)
			return -1;
		/* what the operator runs with, as the cluster holds it; when
		   it cannot be read, the repository's operatorDefaults */
		if (fg_observe_operator_conf(&c->ap.cluster, NULL,
					     &c->operator_conf,
					     &c->operator_conf_source) == 0) {
			c->r.opts.operator_conf = c->operator_conf;
			c->r.opts.operator_conf_source =
				c->operator_conf_source;
			c->pass.operator_conf = c->operator_conf;
			c->pass.operator_conf_source = c->operator_conf_source;
		} else {
			FG_LOG_DEBUG("operator.config",
				     FG_LOG_STR("message", fg_error_last()));
			fg_error_clear();
		}
	}
	if (!(c->d = fg_render_run(c->name, &c->r)))
		return -1;
	fg_render_print_diags(&c->d->diags);
	return 0;
}

int fg_pass_cli_connect(struct fg_pass_cli *c)
{
	struct fg_kube *k = NULL;

	if (c->pool)
		return 0; /* already */
	if (fg_kube_cli_connect(&c->kc, &k) < 0 ||
	    fg_cluster_pool_new(&c->pool, k, (size_t)c->connections) < 0) {
		fprintf(stderr, "flink-gitops: %s: %s\n", c->name,
			fg_error_last());
		return -1;
	}
	fg_agent_ports_init(&c->ap, c->pool);
	return 0;
}

/* Something went wrong that is not a decision: exit 1. */
static int had_error(const struct fg_pass *p)
{
	if (p->render_errors || p->failed || p->error || p->wait_degraded ||
	    p->wait_timeout)
		return 1;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].failed || p->v[i].error)
			return 1;
	return 0;
}

int fg_pass_cli_exit(const struct fg_pass_cli *c, const struct fg_pass *p)
{
	if (!p || had_error(p))
		return FG_EXIT_ERROR;
	switch (c->cmd) {
	case FG_CMD_PLAN:
		if (p->blocked)
			return FG_EXIT_BLOCKED;
		return p->creates || p->updates || p->deletes ? FG_EXIT_CHANGES
							      : FG_EXIT_OK;
	case FG_CMD_SYNC:
		return p->blocked ? FG_EXIT_BLOCKED : FG_EXIT_OK;
	case FG_CMD_DRIFT:
		/* drift found is drift found, healed or not */
		if (c->self_heal && p->blocked)
			return FG_EXIT_BLOCKED;
		return p->drifted ? FG_EXIT_CHANGES : FG_EXIT_OK;
	}
	return FG_EXIT_ERROR;
}

void fg_pass_cli_print_json(const json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
}

void fg_pass_cli_release(struct fg_pass_cli *c)
{
	json_decref(c->saved);
	c->saved = NULL;
	json_decref(c->operator_conf);
	free(c->operator_conf_source);
	c->operator_conf = NULL;
	c->operator_conf_source = NULL;
	fg_cluster_pool_free(c->pool);
	c->pool = NULL;
	fg_desired_free(c->d);
	c->d = NULL;
	fg_render_args_release(&c->r);
}
