/*
 * flink-gitops check: the first thing a user runs against a cluster.
 * Connects, reports the server version, whether the Flink operator's CRDs
 * are installed and which bundled version they match, and whether the
 * current identity holds every right the agent needs in each target
 * namespace (SelfSubjectAccessReview), naming each missing one.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "render/base/json.h"
#include "agent/cli.h"
#include "agent/kube_opts.h"
#include "agent/log.h"
#include "render/base/error.h"
#include "render/crd.h"
#include "agent/kube/kube.h"
#include "render/base/banned.h"

struct managed {
	const char *kind, *group, *resource;
};

static const struct managed managed[] = {
	{ "FlinkDeployment", "flink.apache.org", "flinkdeployments" },
	{ "FlinkSessionJob", "flink.apache.org", "flinksessionjobs" },
	{ "FlinkStateSnapshot", "flink.apache.org", "flinkstatesnapshots" },
	{ "FlinkBlueGreenDeployment", "flink.apache.org",
	  "flinkbluegreendeployments" },
	{ "ConfigMap", "", "configmaps" },
	{ "ServiceAccount", "", "serviceaccounts" },
	{ "Role", "rbac.authorization.k8s.io", "roles" },
	{ "RoleBinding", "rbac.authorization.k8s.io", "rolebindings" },
};
#define NMANAGED (sizeof(managed) / sizeof(managed[0]))
#define NCRDS 4 /* the first NMANAGED are the operator's CRDs */

/*
 * Server-side apply is authorised as "patch", and as "create" too when the
 * object does not exist yet, so both are needed.
 */
static const char *const verbs[] = { "get",    "list",	"watch",
				     "create", "patch", "delete" };
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

/* Drop `description` from a schema and every schema below it. */
static void strip_descriptions(json_t *schema)
{
	static const char *const one[] = { "items", "additionalProperties",
					   "additionalItems", "not" };
	static const char *const list[] = { "allOf", "anyOf", "oneOf" };
	static const char *const map[] = { "properties", "patternProperties",
					   "definitions" };
	const char *key;
	json_t *v, *it;
	size_t i, j;

	if (!json_is_object(schema))
		return;
	if (json_is_string(json_object_get(schema, "description")))
		json_object_del(schema, "description");
	for (i = 0; i < sizeof(one) / sizeof(*one); i++) {
		v = json_object_get(schema, one[i]);
		if (json_is_array(v))
			json_array_foreach (v, j, it)
				strip_descriptions(it);
		else
			strip_descriptions(v);
	}
	for (i = 0; i < sizeof(list) / sizeof(*list); i++)
		json_array_foreach (json_object_get(schema, list[i]), j, it)
			strip_descriptions(it);
	for (i = 0; i < sizeof(map) / sizeof(*map); i++)
		json_object_foreach (json_object_get(schema, map[i]), key, it)
			strip_descriptions(it);
}

/* 1 when every served version of `crd` has bundled version `v`'s schema. */
static int crd_matches(json_t *crd, const char *v, const char *kind)
{
	json_t *vers =
		json_object_get(json_object_get(crd, "spec"), "versions");
	json_t *it;
	size_t i, served = 0;

	json_array_foreach (vers, i, it) {
		const char *name =
			json_string_value(json_object_get(it, "name"));
		json_t *live = json_object_get(json_object_get(it, "schema"),
					       "openAPIV3Schema");
		const json_t *ours = NULL;
		char api[128];
		json_t *copy;
		int eq;

		if (!json_is_true(json_object_get(it, "served")) || !name)
			continue;
		served++;
		snprintf(api, sizeof(api), "flink.apache.org/%s", name);
		if (fg_crd_schema(&ours, v, kind, api) < 0 || !live)
			return 0;
		copy = fg_json_deep_copy(live);
		strip_descriptions(copy);
		eq = json_equal(copy, (json_t *)(uintptr_t)ours);
		json_decref(copy);
		if (!eq)
			return 0;
	}
	return served > 0;
}

struct report {
	int problems;
	json_t *j; /* the -o json document */
};

static void problem(struct report *r, int text, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct report *r, int text, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->problems++;
	json_array_append_new(json_object_get(r->j, "problems"),
			      json_string(line));
	if (text)
		printf("  problem: %s\n", line);
}

/* The operator's CRDs: installed, served versions, which release. */
static void check_crds(struct fg_kube *k, struct report *r, int text)
{
	json_t *jc = json_object(), *crds[NCRDS] = { NULL };
	const char *const *v;
	const char *version = NULL, *detail = NULL;
	char served[256] = "", why[FG_ERROR_MSG_MAX] = "";
	int installed = 1, readable = 1;
	size_t i;

	json_object_set_new(r->j, "crds", jc);
	for (i = 0; i < NCRDS; i++) {
		struct fg_kube_kind kind = { managed[i].group, NULL,
					     managed[i].kind };
		struct fg_kube_resource res;
		char path[256];
		int err = fg_kube_resolve(k, &kind, &res);

		if (err == FG_ENOTFOUND) {
			installed = 0;
			snprintf(why, sizeof(why), "%s", fg_error_last());
			json_object_set_new(jc, managed[i].kind, json_null());
			continue;
		} else if (err < 0) {
			installed = 0;
			snprintf(why, sizeof(why), "%s", fg_error_last());
			continue;
		}
		json_object_set_new(jc, managed[i].kind,
				    json_string(res.version));
		if (!i)
			snprintf(served, sizeof(served), "%s/%s", res.group,
				 res.version);
		snprintf(path, sizeof(path),
			 "/apis/apiextensions.k8s.io/v1/"
			 "customresourcedefinitions/%s.%s",
			 managed[i].resource, managed[i].group);
		if (readable &&
		    fg_kube_request(k, "GET", path, NULL, 1, &crds[i]) < 0) {
			readable = 0;
			snprintf(why, sizeof(why), "%s", fg_error_last());
		}
	}
	json_object_set_new(jc, "installed", json_boolean(installed));
	if (!installed) {
		json_object_set_new(jc, "version", json_null());
		if (text)
			printf("operator CRDs: not installed\n");
		problem(r, text, "%s", why);
		goto done;
	}
	if (readable) {
		for (v = fg_crd_versions(); *v && !version; v++) {
			int all = 1;

			for (i = 0; i < NCRDS && all; i++)
				all = crd_matches(crds[i], *v, managed[i].kind);
			if (all)
				version = *v;
		}
	} else {
		detail = why;
	}
	json_object_set_new(jc, "version",
			    json_string(version ? version : "unknown"));
	if (text) {
		printf("operator CRDs: installed (%s), version %s", served,
		       version ? version : "unknown");
		if (detail)
			printf(" (cannot read the CRDs: %s)", detail);
		else if (!version)
			printf(" (matches none of the bundled versions: ");
		if (!detail && !version) {
			for (v = fg_crd_versions(); *v; v++)
				printf("%s%s",
				       v == fg_crd_versions() ? "" : ", ", *v);
			printf(")");
		}
		printf("\n");
	}
done:
	for (i = 0; i < NCRDS; i++)
		json_decref(crds[i]);
}

/* 0 when the cluster has no namespace `ns`; 1 when it has, or when that
 * cannot be read (then the rights tell). */
static int exists(struct fg_kube *k, const char *ns)
{
	struct fg_kube_kind kind = { "", NULL, "Namespace" };
	json_t *o = NULL;
	int err = fg_kube_get(k, &kind, NULL, ns, &o);

	json_decref(o);
	fg_error_clear();
	return err != FG_ENOTFOUND;
}

/* Every right in `ns`; 0, or < 0 when a review could not be made. */
static int check_namespace(struct fg_kube *k, struct report *r, const char *ns,
			   int text)
{
	json_t *jn = json_pack("{s:s,s:[]}", "name", ns, "missing");
	json_t *missing = json_object_get(jn, "missing");
	size_t i, j, nmissing = 0;
	int err = 0;

	json_array_append_new(json_object_get(r->j, "namespaces"), jn);
	if (!exists(k, ns)) {
		json_object_set_new(jn, "exists", json_false());
		if (text)
			printf("namespace %s: does not exist\n", ns);
		problem(r, text,
			"%s: namespace does not exist (sync creates it only "
			"with policy createNamespace: true or "
			"--create-namespace)",
			ns);
		return 0;
	}
	json_object_set_new(jn, "exists", json_true());
	for (i = 0; i < NMANAGED && !err; i++) {
		char line[256] = "";
		size_t n = 0;

		for (j = 0; j < NVERBS && !err; j++) {
			int allowed = 0;

			err = fg_kube_can_i(k, verbs[j], managed[i].group,
					    managed[i].resource, ns, &allowed);
			if (err < 0 || allowed)
				continue;
			json_array_append_new(
				missing,
				json_pack("{s:s,s:s,s:s,s:s}", "kind",
					  managed[i].kind, "verb", verbs[j],
					  "resource", managed[i].resource,
					  "group", managed[i].group));
			snprintf(line + strlen(line),
				 sizeof(line) - strlen(line), "%s%s",
				 n ? ", " : "", verbs[j]);
			n++;
		}
		if (n) {
			if (!nmissing && text)
				printf("namespace %s: missing rights\n", ns);
			nmissing += n;
			problem(r, text, "%s: cannot %s %s%s%s (%s)", ns, line,
				managed[i].resource,
				*managed[i].group ? "." : "", managed[i].group,
				managed[i].kind);
		}
	}
	if (err < 0)
		return err;
	if (!nmissing && text)
		printf("namespace %s: ok (get, list, watch, create, patch, "
		       "delete on "
		       "%zu kinds)\n",
		       ns, NMANAGED);
	return 0;
}

int fg_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		FG_KUBE_CLI_OPTIONS,
		{ "namespace", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fg_kube_cli kc = { 0 };
	const char *nss[FG_CLI_MAX_NAMESPACES];
	size_t nns = 0, i;
	struct fg_kube *k = NULL;
	struct report r = { 0, NULL };
	json_t *ver = NULL;
	int c, rc, text = 1, err;

	optind = 1;
	opterr = 0;
	if ((rc = fg_cli_check_options("check", argc, argv, "n:o:h", opts)))
		return rc;
	while ((c = getopt_long(argc, argv, "+:n:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find("check")->help, stdout);
			return FG_EXIT_OK;
		case 'n':
			if ((rc = fg_cli_add_namespace("check", optarg, nss,
						       &nns)))
				return rc;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				text = 0;
			else if (strcmp(optarg, "text"))
				return fg_usage_error("check",
						      "-o: '%s' is not text or "
						      "json",
						      optarg);
			break;
		case ':':
		case '?':
			return fg_cli_getopt_error("check", c, argv);
		default:
			rc = fg_kube_cli_option(&kc, "check", c, optarg);
			if (rc == 1)
				break;
			if (rc == 0)
				return fg_usage_error("check",
						      "unknown option '%s'",
						      argv[optind - 1]);
			return rc;
		}
	}
	if (optind < argc)
		return fg_usage_error("check", "unexpected argument '%s'",
				      argv[optind]);
	if ((err = fg_kube_cli_connect(&kc, &k)) < 0) {
		fprintf(stderr, "flink-gitops: check: %s\n", fg_error_last());
		return FG_EXIT_ERROR;
	}
	if (fg_kube_server_version(k, &ver) < 0) {
		fprintf(stderr, "flink-gitops: check: %s\n", fg_error_last());
		fg_kube_free(k);
		return FG_EXIT_ERROR;
	}
	if (!nns)
		nss[nns++] = fg_kube_config_namespace(fg_kube_get_config(k));
	r.j = json_pack("{s:s,s:s,s:s,s:O,s:[],s:[]}", "server",
			fg_kube_config_server(fg_kube_get_config(k)), "context",
			fg_kube_config_context(fg_kube_get_config(k)), "user",
			fg_kube_config_user(fg_kube_get_config(k)),
			"serverVersion", ver, "namespaces", "problems");
	if (text) {
		printf("context: %s (user %s, %s)\n",
		       fg_kube_config_context(fg_kube_get_config(k)),
		       *fg_kube_config_user(fg_kube_get_config(k))
			       ? fg_kube_config_user(fg_kube_get_config(k))
			       : "anonymous",
		       fg_kube_config_origin(fg_kube_get_config(k)));
		printf("server: %s, Kubernetes %s\n",
		       fg_kube_config_server(fg_kube_get_config(k)),
		       json_string_value(json_object_get(ver, "gitVersion"))
			       ? json_string_value(
					 json_object_get(ver, "gitVersion"))
			       : "(unknown version)");
	}
	check_crds(k, &r, text);
	for (i = 0; i < nns; i++) {
		if ((err = check_namespace(k, &r, nss[i], text)) < 0) {
			fprintf(stderr, "flink-gitops: check: %s\n",
				fg_error_last());
			rc = FG_EXIT_ERROR;
			goto done;
		}
	}
	json_object_set_new(r.j, "ok", json_boolean(r.problems == 0));
	if (text) {
		if (r.problems)
			printf("not ready: %d problem%s\n", r.problems,
			       r.problems == 1 ? "" : "s");
		else
			printf("ready\n");
	} else {
		json_dumpf(r.j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	}
	rc = r.problems ? FG_EXIT_ERROR : FG_EXIT_OK;
	{
		struct fg_kube_stats st;

		fg_kube_get_stats(k, &st);
		FG_LOG_DEBUG("check.done", FG_LOG_INT("requests", st.requests),
			     FG_LOG_INT("retries", st.retries),
			     FG_LOG_INT("problems", r.problems));
	}
done:
	json_decref(r.j);
	json_decref(ver);
	fg_kube_free(k);
	return rc;
}
