/*
 * flink-gitops check: the first thing a user runs against a cluster.
 * Connects, reports the server version, whether the Flink operator's CRDs
 * are installed and which bundled version they match, and whether the
 * current identity holds every right the agent needs (agent/rights.h:
 * in each target namespace, and with --config FILE exactly what that
 * agent's configuration needs: across namespaces, its Lease, the
 * operator's ConfigMap), asked with SelfSubjectAccessReview, naming each
 * missing one.
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
#include "agent/config.h"
#include "agent/kube_opts.h"
#include "agent/log.h"
#include "agent/rights.h"
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
 * cannot be read (then the rights tell: an identity confined to
 * namespaces may not read them, and is not asked to, so the API server
 * records no refusal). */
static int exists(struct fg_kube *k, const char *ns)
{
	struct fg_kube_kind kind = { "", NULL, "Namespace" };
	json_t *o = NULL;
	int err, allowed = 0;

	if (fg_kube_can_i(k, "get", "", "namespaces", NULL, ns, &allowed) < 0 ||
	    !allowed) {
		fg_error_clear();
		return 1;
	}
	err = fg_kube_get(k, &kind, NULL, ns, &o);

	json_decref(o);
	fg_error_clear();
	return err != FG_ENOTFOUND;
}

/* What the agent needs, from --config (or the defaults without it). */
struct needs {
	unsigned when;	   /* FG_RIGHTS_IF_* that are required */
	unsigned optional; /* FG_RIGHTS_IF_* reviewed, never required */
	const char *lease_ns, *lease_name; /* with FG_RIGHTS_IF_LEADER */
	const char *operator_ns;	   /* NULL: none */
	int cluster;			   /* every namespace */
};

/* The needs of agent configuration `cfg` (NULL: an agent with the
 * defaults, in the namespaces named: Events; the optional kinds
 * reviewed, not required). */
static void needs_of(struct needs *nd, const struct fg_agent_config *cfg)
{
	memset(nd, 0, sizeof(*nd));
	nd->optional = FG_RIGHTS_IF_ROLES | FG_RIGHTS_IF_CREATE_NS |
		       FG_RIGHTS_IF_SECRETS;
	if (!cfg) {
		nd->when = FG_RIGHTS_IF_EVENTS;
		return;
	}
	if (cfg->events)
		nd->when |= FG_RIGHTS_IF_EVENTS;
	if (cfg->nage_identities) {
		nd->when |= FG_RIGHTS_IF_SECRETS;
		nd->optional &= ~(unsigned)FG_RIGHTS_IF_SECRETS;
	}
	if (cfg->le_enabled) {
		nd->when |= FG_RIGHTS_IF_LEADER;
		nd->lease_ns = cfg->le_namespace;
		nd->lease_name = cfg->le_name;
	}
	nd->operator_ns = cfg->operator_ns;
	nd->cluster = !cfg->nnamespaces;
}

/* Is row `r` reviewed, and is it required? */
static int wanted(const struct needs *nd, const struct fg_right *r,
		  int *required)
{
	/* what check itself reads is a note when missing: the agent
	   never needs it */
	*required =
		r->scope != FG_RIGHTS_CHECK && (r->when & nd->when) == r->when;
	return *required || r->scope == FG_RIGHTS_CHECK ||
	       (r->when & nd->optional);
}

/* One review of `verb` on row `r` in `ns` (NULL: cluster or all
 * namespaces), recorded in the JSON; 0, or < 0 when it could not be
 * made. */
static int review(struct fg_kube *k, struct report *r,
		  const struct fg_right *rt, const char *verb, const char *ns,
		  int required, int *allowed)
{
	const char *name = rt->names[0];
	json_t *j;
	int err;

	/* a right on named objects is asked for one of them: each name is
	   granted alike (deploy/ lists them together) */
	if ((err = fg_kube_can_i(k, verb, rt->group, rt->resource, ns, name,
				 allowed)) < 0)
		return err;
	j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:b}", "scope",
		      fg_rights_scope_name(rt->scope), "group", rt->group,
		      "resource", rt->resource, "kind", rt->kind, "verb", verb,
		      "required", required, "allowed", *allowed);
	if (j) {
		json_object_set_new(j, "namespace",
				    ns ? json_string(ns) : json_null());
		if (name) {
			json_t *names = json_array();

			for (size_t i = 0;
			     i < FG_RIGHTS_MAX_NAMES && rt->names[i]; i++)
				json_array_append_new(
					names, json_string(rt->names[i]));
			json_object_set_new(j, "resourceNames", names);
		}
		json_array_append_new(json_object_get(r->j, "rights"), j);
	}
	return 0;
}

/*
 * Review every row of `scope` in `ns` (NULL: cluster-wide, or all
 * namespaces). `where` names it in messages ("analytics", "all
 * namespaces", "lease flink-gitops/flink-gitops"); missing required
 * rights are problems (and `missing`, when not NULL, lists them), missing
 * optional ones a note. *nmissing counts the required ones missing.
 */
static int review_scope(struct fg_kube *k, struct report *r,
			const struct needs *nd, enum fg_rights_scope scope,
			const char *ns, const char *where, json_t *missing,
			size_t *nmissing, size_t *nkinds, int text)
{
	size_t n, i, j;
	const struct fg_right *rights = fg_rights(&n);
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		const struct fg_right *rt = &rights[i];
		char line[256] = "";
		size_t nv = 0;
		int required;

		if (rt->scope != scope || !wanted(nd, rt, &required))
			continue;
		for (j = 0; j < FG_RIGHTS_MAX_VERBS && rt->verbs[j] && !err;
		     j++) {
			int allowed = 0;

			err = review(k, r, rt, rt->verbs[j], ns, required,
				     &allowed);
			if (err < 0 || allowed)
				continue;
			if (required && missing)
				json_array_append_new(
					missing,
					json_pack("{s:s,s:s,s:s,s:s}", "kind",
						  rt->kind, "verb",
						  rt->verbs[j], "resource",
						  rt->resource, "group",
						  rt->group));
			snprintf(line + strlen(line),
				 sizeof(line) - strlen(line), "%s%s",
				 nv ? ", " : "", rt->verbs[j]);
			nv++;
		}
		if (!nv) {
			if (required)
				(*nkinds)++;
			continue;
		}
		if (!required) {
			if (text)
				printf("  note: %s: cannot %s %s%s%s (%s): "
				       "needed only for %s\n",
				       where, line, rt->resource,
				       *rt->group ? "." : "", rt->group,
				       rt->kind, rt->why);
			continue;
		}
		if (!*nmissing && text && ns && scope == FG_RIGHTS_MANAGED)
			printf("namespace %s: missing rights\n", ns);
		*nmissing += nv;
		problem(r, text, "%s: cannot %s %s%s%s (%s)", where, line,
			rt->resource, *rt->group ? "." : "", rt->group,
			rt->kind);
	}
	return err;
}

/* Every right in `ns`; 0, or < 0 when a review could not be made. */
static int check_namespace(struct fg_kube *k, struct report *r,
			   const struct needs *nd, const char *ns, int text)
{
	json_t *jn = json_pack("{s:s,s:[]}", "name", ns, "missing");
	json_t *missing = json_object_get(jn, "missing");
	size_t nmissing = 0, nkinds = 0;
	int err;

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
	if ((err = review_scope(k, r, nd, FG_RIGHTS_MANAGED, ns, ns, missing,
				&nmissing, &nkinds, text)) < 0)
		return err;
	if (!nmissing && text)
		printf("namespace %s: ok (every right on %zu kinds)\n", ns,
		       nkinds);
	return 0;
}

/* The rights outside the target namespaces: across all of them, the
 * Lease, the operator's ConfigMap, and what check itself reads. */
static int check_others(struct fg_kube *k, struct report *r,
			const struct needs *nd, int text)
{
	char where[300];
	size_t nmissing = 0, nkinds = 0, before;
	int err = 0;

	if (nd->cluster) {
		if ((err = review_scope(k, r, nd, FG_RIGHTS_MANAGED, NULL,
					"all namespaces", NULL, &nmissing,
					&nkinds, text)) < 0)
			return err;
		if (!nmissing && text)
			printf("all namespaces: ok (every right on %zu "
			       "kinds)\n",
			       nkinds);
		before = nmissing;
		if ((err = review_scope(k, r, nd, FG_RIGHTS_CLUSTER, NULL,
					"cluster", NULL, &nmissing, &nkinds,
					text)) < 0)
			return err;
		if (nmissing == before && text)
			printf("cluster: ok (namespaces; inventories and the "
			       "operator's configuration across namespaces)\n");
	}
	if (nd->when & FG_RIGHTS_IF_LEADER) {
		snprintf(where, sizeof(where), "lease %s/%s", nd->lease_ns,
			 nd->lease_name);
		before = nmissing;
		if ((err = review_scope(k, r, nd, FG_RIGHTS_LEASE, nd->lease_ns,
					where, NULL, &nmissing, &nkinds,
					text)) < 0)
			return err;
		if (nmissing == before && text)
			printf("%s: ok\n", where);
	}
	if (nd->operator_ns) {
		snprintf(where, sizeof(where),
			 "operator configuration %s/flink-operator-config",
			 nd->operator_ns);
		before = nmissing;
		if ((err = review_scope(k, r, nd, FG_RIGHTS_OPERATOR,
					nd->operator_ns, where, NULL, &nmissing,
					&nkinds, text)) < 0)
			return err;
		if (nmissing == before && text)
			printf("%s: ok\n", where);
	}
	return review_scope(k, r, nd, FG_RIGHTS_CHECK, NULL, "cluster", NULL,
			    &nmissing, &nkinds, text);
}

int fg_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		FG_KUBE_CLI_OPTIONS,
		{ "namespace", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fg_kube_cli kc = { 0 };
	const char *nss[FG_CLI_MAX_NAMESPACES];
	size_t nns = 0, i;
	struct fg_kube *k = NULL;
	struct report r = { 0, NULL };
	struct fg_agent_config *cfg = NULL;
	const char *config = NULL;
	struct needs nd;
	json_t *ver = NULL;
	int c, rc, text = 1, err;

	optind = 1;
	opterr = 0;
	if ((rc = fg_cli_check_options("check", argc, argv, "n:o:h", opts)))
		return rc;
	while ((c = getopt_long(argc, argv, "+:n:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
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
	if (config) {
		struct fg_buf errors = FG_BUF_INIT;

		if (fg_agent_config_load(&cfg, config, &errors) < 0) {
			fprintf(stderr, "%s", errors.ptr);
			fg_buf_release(&errors);
			return FG_EXIT_ERROR;
		}
		fg_buf_release(&errors);
		if (!kc.kubeconfig)
			kc.kubeconfig = cfg->kubeconfig;
		if (!kc.context)
			kc.context = cfg->context;
	}
	needs_of(&nd, cfg);
	if ((err = fg_kube_cli_connect(&kc, &k)) < 0) {
		fprintf(stderr, "flink-gitops: check: %s\n", fg_error_last());
		fg_agent_config_free(cfg);
		return FG_EXIT_ERROR;
	}
	if (fg_kube_server_version(k, &ver) < 0) {
		fprintf(stderr, "flink-gitops: check: %s\n", fg_error_last());
		fg_kube_free(k);
		fg_agent_config_free(cfg);
		return FG_EXIT_ERROR;
	}
	if (!nns && cfg)
		for (i = 0; i < cfg->nnamespaces && i < FG_CLI_MAX_NAMESPACES;
		     i++)
			nss[nns++] = cfg->namespaces[i];
	if (!nns && !nd.cluster)
		nss[nns++] = fg_kube_config_namespace(fg_kube_get_config(k));
	r.j = json_pack("{s:s,s:s,s:s,s:O,s:[],s:[],s:[]}", "server",
			fg_kube_config_server(fg_kube_get_config(k)), "context",
			fg_kube_config_context(fg_kube_get_config(k)), "user",
			fg_kube_config_user(fg_kube_get_config(k)),
			"serverVersion", ver, "namespaces", "problems",
			"rights");
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
	if (text && cfg)
		printf("agent configuration: %s (%s%s)\n", config,
		       nd.cluster ? "every namespace"
				  : "the namespaces of sync.namespaces",
		       nd.when & FG_RIGHTS_IF_LEADER ? ", leader election"
						     : "");
	check_crds(k, &r, text);
	for (i = 0; i < nns; i++) {
		if ((err = check_namespace(k, &r, &nd, nss[i], text)) < 0) {
			fprintf(stderr, "flink-gitops: check: %s\n",
				fg_error_last());
			rc = FG_EXIT_ERROR;
			goto done;
		}
	}
	if ((err = check_others(k, &r, &nd, text)) < 0) {
		fprintf(stderr, "flink-gitops: check: %s\n", fg_error_last());
		rc = FG_EXIT_ERROR;
		goto done;
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
	fg_agent_config_free(cfg);
	return rc;
}
