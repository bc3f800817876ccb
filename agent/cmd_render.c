/*
 * flink-gitops validate | render: the offline end of a pass. Both run the
 * same render step the agent runs; validate reports, render prints the
 * objects exactly as they will be applied.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/cli.h"
#include "agent/git/git.h"
#include "agent/kube_opts.h"
#include "agent/log.h"
#include "agent/render_args.h"
#include "render/base/error.h"
#include "render/crd.h"
#include "render/emit.h"
#include "render/render.h"
#include "render/secret.h"
#include "render/base/banned.h"

int fg_cluster_cmd_option(const char *cmd, int c, const char *arg,
			  struct fg_render_args *r, struct fg_kube_cli *kc)
{
	int rc;

	switch (c) {
	case 'p':
		r->opts.path = arg;
		return 1;
	case 'n':
		return (rc = fg_cli_add_namespace(cmd, arg, r->namespaces,
						  &r->opts.nnamespaces))
			       ? rc
			       : 1;
	case 'o':
		if (!strcmp(arg, "json"))
			r->json = 1;
		else if (strcmp(arg, "text"))
			return fg_usage_error(
				cmd, "-o: '%s' is not text or json", arg);
		return 1;
	default:
		break;
	}
	if (c >= FG_OPT_REPO && c <= FG_OPT_GIT_LAST)
		return (rc = fg_render_git_opt(cmd, c, r)) != 0 ? rc : 1;
	return fg_kube_cli_option(kc, cmd, c, arg);
}

int fg_render_args_positional(const char *cmd, int argc, char **argv,
			      struct fg_render_args *r)
{
	if (optind < argc && r->git.url)
		return fg_usage_error(cmd, "give a folder or --repo, not both");
	if (optind < argc)
		r->dir = argv[optind++];
	if (optind < argc)
		return fg_usage_error(cmd, "unexpected argument '%s'",
				      argv[optind]);
	if (!r->git.url && (r->ref || r->verify || r->allowed_signers))
		return fg_usage_error(cmd, "--ref and --verify need --repo");
	if (r->verify && !strcmp(r->verify, "head") && !r->allowed_signers)
		return fg_usage_error(cmd,
				      "--verify head needs --allowed-signers");
	return 0;
}

int fg_render_git_opt(const char *cmd, int c, struct fg_render_args *a)
{
	char *end;
	long v;

	switch (c) {
	case FG_OPT_REPO:
		a->git.url = optarg;
		break;
	case FG_OPT_REF:
		a->ref = optarg;
		break;
	case FG_OPT_CACHE_DIR:
		a->git.cache_dir = optarg;
		break;
	case FG_OPT_TIMEOUT:
		v = strtol(optarg, &end, 10);
		if (*end || v < 1 || v > 3600)
			return fg_usage_error(cmd,
					      "--timeout takes seconds, 1 to "
					      "3600");
		a->git.timeout_ms = (int)v * 1000;
		break;
	case FG_OPT_USERNAME:
		a->git.username = optarg;
		break;
	case FG_OPT_PASSWORD_FILE:
		a->git.password_file = optarg;
		break;
	case FG_OPT_TOKEN_FILE:
		a->git.token_file = optarg;
		break;
	case FG_OPT_CA_FILE:
		a->git.ca_file = optarg;
		break;
	case FG_OPT_SSH_KEY:
		a->git.ssh_key_file = optarg;
		break;
	case FG_OPT_KNOWN_HOSTS:
		a->git.known_hosts = optarg;
		break;
	case FG_OPT_VERIFY:
		if (strcmp(optarg, "none") && strcmp(optarg, "head"))
			return fg_usage_error(cmd,
					      "--verify is 'none' or 'head'");
		a->verify = optarg;
		break;
	case FG_OPT_ALLOWED_SIGNERS:
		a->allowed_signers = optarg;
		break;
	case FG_OPT_AGE_IDENTITY:
		return fg_age_opts_add(&a->age, cmd, optarg);
	default:
		return -1;
	}
	return 0;
}

static int parse_args(const char *cmd, int argc, char **argv,
		      struct fg_render_args *a, int allow_yaml)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "path", required_argument, NULL, 'p' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "crd-version", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		FG_RENDER_GIT_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	fg_render_args_init(a);
	opterr = 0;
	if ((rc = fg_cli_check_options(cmd, argc, argv, "hn:o:", opts)))
		return rc;
	while ((c = getopt_long(argc, argv, ":hn:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find(cmd)->help, stdout);
			return -1;
		case 'p':
			a->opts.path = optarg;
			break;
		case 'n':
			if ((rc = fg_cli_add_namespace(cmd, optarg,
						       a->namespaces,
						       &a->opts.nnamespaces)))
				return rc;
			break;
		case 'c':
			if ((rc = fg_crd_version_option(cmd, optarg)))
				return rc;
			a->opts.crd_version = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				a->json = 1;
			else if (!strcmp(optarg, allow_yaml ? "yaml" : "text"))
				a->json = 0;
			else
				return fg_usage_error(
					cmd, "unknown output format '%s'",
					optarg);
			break;
		case ':':
		case '?':
			return fg_cli_getopt_error(cmd, c, argv);
		default:
			if (c >= FG_OPT_REPO &&
			    (rc = fg_render_git_opt(cmd, c, a)) >= 0) {
				if (rc)
					return rc;
				break;
			}
			return fg_usage_error(cmd, "unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind < argc && a->git.url)
		return fg_usage_error(cmd, "give a folder or --repo, not both");
	if (optind < argc)
		a->dir = argv[optind++];
	if (optind < argc)
		return fg_usage_error(cmd, "unexpected argument '%s'",
				      argv[optind]);
	if (!a->git.url && (a->ref || a->verify || a->allowed_signers))
		return fg_usage_error(cmd, "--ref and --verify need --repo");
	if (a->verify && !strcmp(a->verify, "head") && !a->allowed_signers)
		return fg_usage_error(cmd,
				      "--verify head needs --allowed-signers");
	return 0;
}

/* --repo: fetch, resolve, verify; the source over the commit's tree. */
static int open_git_source(const char *cmd, struct fg_render_args *a,
			   struct fg_source **src)
{
	struct fg_allowed_signers *signers = NULL;
	enum fg_git_verify_mode mode = FG_GIT_VERIFY_NONE;
	int err;

	if (!a->ref)
		a->ref = "main";
	if (a->verify && !strcmp(a->verify, "head")) {
		mode = FG_GIT_VERIFY_HEAD;
		if ((err = fg_allowed_signers_load(&signers,
						   a->allowed_signers)) < 0)
			return err;
	}
	if ((err = fg_git_mirror_open(&a->mirror, &a->git)) < 0)
		goto done;
	err = fg_git_update(a->mirror, a->ref, mode, signers, &a->rev);
	if (err < 0)
		goto done;
	FG_LOG_INFO(
		"git.resolved", FG_LOG_STR("url", fg_git_mirror_url(a->mirror)),
		FG_LOG_STR("ref", a->ref), FG_LOG_STR("commit", a->rev.commit));
	if ((err = fg_buf_printf(&a->origin, "%s@%s",
				 fg_git_mirror_url(a->mirror), a->rev.commit)) <
	    0)
		goto done;
	a->opts.origin = a->origin.ptr;
	a->dir = a->origin.ptr;
	err = fg_git_source_new(src, a->mirror, a->rev.commit);
done:
	fg_allowed_signers_free(signers);
	(void)cmd;
	return err;
}

void fg_render_args_init(struct fg_render_args *a)
{
	memset(a, 0, sizeof(*a));
	fg_buf_init(&a->origin, 4096);
	a->dir = ".";
	a->opts.path = "";
	a->opts.namespaces = a->namespaces;
}

int fg_crd_version_option(const char *cmd, const char *v)
{
	struct fg_buf known = FG_BUF_INIT;
	int rc;

	if (fg_crd_version_known(v))
		return 0;
	for (const char *const *k = fg_crd_versions(); *k; k++)
		fg_buf_printf(&known, "%s%s", known.len ? ", " : "", *k);
	rc = fg_usage_error(cmd,
			    "operator version '%s' is not bundled (bundled: "
			    "%s)",
			    v, known.ptr);
	fg_buf_release(&known);
	return rc;
}

int fg_render_check_namespaces(const char *cmd, const struct fg_render_args *a,
			       const struct fg_desired *d)
{
	for (size_t i = 0; i < a->opts.nnamespaces; i++) {
		const char *want = a->opts.namespaces[i];
		size_t j;

		for (j = 0; j < d->nns && strcmp(d->ns[j].name, want); j++)
			;
		if (j < d->nns)
			continue;
		fprintf(stderr,
			"flink-gitops: %s: namespace '%s' is not in the "
			"repository (no folder %s%s%s/ in %s)\n",
			cmd, want, a->opts.path, *a->opts.path ? "/" : "", want,
			a->dir);
		return FG_EXIT_ERROR;
	}
	return 0;
}

void fg_render_args_release(struct fg_render_args *a)
{
	fg_git_mirror_free(a->mirror);
	a->mirror = NULL;
	fg_age_identities_free(a->age_ids);
	a->age_ids = NULL;
	fg_buf_release(&a->origin);
}

void fg_render_print_diags(const struct fg_diags *d)
{
	struct fg_buf line = FG_BUF_INIT;
	size_t i;

	for (i = 0; i < d->n; i++) {
		fg_buf_clear(&line);
		fg_diag_format(&line, &d->v[i]);
		fprintf(stderr, "%s\n", line.ptr);
	}
	if (d->dropped)
		fprintf(stderr, "... and %zu more errors\n", d->dropped);
	fg_buf_release(&line);
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *fg_render_diags_json(const struct fg_diags *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct fg_diag *e = &d->v[i];
		json_array_append_new(
			a,
			json_pack("{s:s, s:s, s:i, s:i, s:o, s:o, s:o, "
				  "s:o, s:s}",
				  "severity",
				  e->severity == FG_SEV_ERROR ? "error"
							      : "warning",
				  "file", e->file, "line",
				  (json_int_t)e->pos.line, "column",
				  (json_int_t)e->pos.col, "kind",
				  opt_str(e->kind), "namespace", opt_str(e->ns),
				  "name", opt_str(e->name), "field",
				  opt_str(e->field), "message", e->message));
	}
	return a;
}

/* Run render; on an internal error print it and return NULL. */
struct fg_desired *fg_render_run(const char *cmd, struct fg_render_args *a)
{
	struct fg_source *src = NULL;
	struct fg_desired *d = NULL;

	if (!a->age_loaded) {
		if (fg_age_opts_load(&a->age_ids, &a->age) < 0) {
			fprintf(stderr, "flink-gitops: %s: %s\n", cmd,
				fg_error_last());
			return NULL;
		}
		a->age_loaded = 1;
		a->opts.age_ids = a->age_ids;
	}
	if (a->git.url ? open_git_source(cmd, a, &src) < 0
		       : fg_source_dir_new(&src, a->dir) < 0) {
		fprintf(stderr, "flink-gitops: %s: %s\n", cmd, fg_error_last());
		return NULL;
	}
	if (fg_render(&d, src, &a->opts) < 0)
		fprintf(stderr, "flink-gitops: %s: %s\n", cmd, fg_error_last());
	fg_source_free(src);
	return d;
}

static size_t count_objects(const struct fg_desired *d, size_t *failed)
{
	size_t i, n = 0;

	*failed = 0;
	for (i = 0; i < d->nns; i++) {
		n += d->ns[i].n;
		*failed += d->ns[i].failed != 0;
	}
	return n;
}

int fg_cmd_validate(int argc, char **argv)
{
	struct fg_render_args a;
	struct fg_desired *d;
	size_t nobj, nfailed, nerr, i;
	int rc;

	if ((rc = parse_args("validate", argc, argv, &a, 0))) {
		fg_render_args_release(&a);
		return rc < 0 ? FG_EXIT_OK : rc;
	}
	if (!(d = fg_render_run("validate", &a))) {
		fg_render_args_release(&a);
		return FG_EXIT_ERROR;
	}
	if ((rc = fg_render_check_namespaces("validate", &a, d))) {
		fg_desired_free(d);
		fg_render_args_release(&a);
		return rc;
	}
	nobj = count_objects(d, &nfailed);
	nerr = fg_diags_errors(&d->diags);
	if (a.json) {
		json_t *out = json_object(), *nss = json_array();
		for (i = 0; i < d->nns; i++)
			json_array_append_new(
				nss, json_pack("{s:s, s:b, s:i}", "name",
					       d->ns[i].name, "valid",
					       !d->ns[i].failed, "objects",
					       (json_int_t)d->ns[i].n));
		json_object_set_new(out, "valid", json_boolean(nerr == 0));
		json_object_set_new(out, "crdVersion",
				    json_string(d->crd_version));
		if (a.mirror)
			json_object_set_new(
				out, "source",
				json_pack("{s:s, s:s, s:s}", "url",
					  fg_git_mirror_url(a.mirror), "ref",
					  a.ref, "commit", a.rev.commit));
		json_object_set_new(out, "namespaces", nss);
		json_object_set_new(out, "errors",
				    fg_render_diags_json(&d->diags));
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(out);
	} else {
		/* the verdicts' source for the operator's defaults */
		const char *defaults =
			d->operator_defaults
				? ", its defaults from operatorDefaults in "
				  "" FG_RENDER_CONFIG_FILE
				: "";

		fg_render_print_diags(&d->diags);
		if (nerr)
			printf("%zu error%s; %zu of %zu namespace%s invalid "
			       "(not applied, not pruned)\n",
			       nerr, nerr == 1 ? "" : "s", nfailed, d->nns,
			       d->nns == 1 ? "" : "s");
		else if (d->diags.n) /* warnings only */
			printf("valid: %zu namespace%s, %zu object%s "
			       "(operator %s CRDs%s), %zu warning%s\n",
			       d->nns, d->nns == 1 ? "" : "s", nobj,
			       nobj == 1 ? "" : "s", d->crd_version, defaults,
			       d->diags.n, d->diags.n == 1 ? "" : "s");
		else
			printf("valid: %zu namespace%s, %zu object%s "
			       "(operator %s CRDs%s)\n",
			       d->nns, d->nns == 1 ? "" : "s", nobj,
			       nobj == 1 ? "" : "s", d->crd_version, defaults);
	}
	fflush(stdout);
	FG_LOG_INFO("validate.done", FG_LOG_STR("root", a.dir),
		    FG_LOG_INT("namespaces", d->nns),
		    FG_LOG_INT("objects", nobj), FG_LOG_INT("errors", nerr));
	rc = nerr ? FG_EXIT_ERROR : FG_EXIT_OK;
	fg_desired_free(d);
	fg_render_args_release(&a);
	return rc;
}

int fg_cmd_render(int argc, char **argv)
{
	struct fg_render_args a;
	struct fg_desired *d;
	struct fg_buf out = FG_BUF_INIT;
	size_t i, j, nobj, nfailed;
	int rc;

	if ((rc = parse_args("render", argc, argv, &a, 1))) {
		fg_render_args_release(&a);
		return rc < 0 ? FG_EXIT_OK : rc;
	}
	if (!(d = fg_render_run("render", &a))) {
		fg_render_args_release(&a);
		return FG_EXIT_ERROR;
	}
	if ((rc = fg_render_check_namespaces("render", &a, d))) {
		fg_desired_free(d);
		fg_render_args_release(&a);
		return rc;
	}
	fg_render_print_diags(&d->diags);
	nobj = count_objects(d, &nfailed);
	if (a.json) {
		json_t *list = json_pack("{s:s, s:s, s:[]}", "apiVersion", "v1",
					 "kind", "List", "items");
		json_t *items = json_object_get(list, "items");
		for (i = 0; i < d->nns; i++)
			for (j = 0; j < d->ns[i].n; j++)
				json_array_append_new(
					items, fg_secret_redacted(
						       d->ns[i].objs[j].obj));
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(list);
	} else {
		fg_buf_init(&out, SIZE_MAX / 2);
		for (i = 0; i < d->nns; i++) {
			for (j = 0; j < d->ns[i].n; j++) {
				/* Secret values never reach the output */
				json_t *shown = fg_secret_redacted(
					d->ns[i].objs[j].obj);
				int rc_emit = shown ? fg_yaml_emit(&out, shown)
						    : fg_error_set(FG_ERROR,
								   "out of "
								   "memory");
				json_decref(shown);
				if (rc_emit < 0) {
					fprintf(stderr,
						"flink-gitops: render: %s\n",
						fg_error_last());
					rc = FG_EXIT_ERROR;
					goto done;
				}
			}
		}
		fwrite(out.ptr, 1, out.len, stdout);
	}
	fflush(stdout);
	FG_LOG_INFO("render.done", FG_LOG_STR("root", a.dir),
		    FG_LOG_INT("namespaces", d->nns),
		    FG_LOG_INT("failed_namespaces", nfailed),
		    FG_LOG_INT("objects", nobj),
		    FG_LOG_INT("errors", fg_diags_errors(&d->diags)));
	rc = fg_diags_errors(&d->diags) ? FG_EXIT_ERROR : FG_EXIT_OK;
done:
	fg_buf_release(&out);
	fg_desired_free(d);
	fg_render_args_release(&a);
	return rc;
}
