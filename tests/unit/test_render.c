/*
 * The render pass as users see it: what a repository turns into.
 */
#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "render/age.h"
#include "render/emit.h"
#include "render/render.h"
#include "render/base/banned.h"

static char root[64];

static int make_root(void **state)
{
	snprintf(root, sizeof(root), "/tmp/fg-render-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int remove_root(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write `text` at `rel` under the root, creating folders. */
static void put(const char *rel, const char *text)
{
	struct fg_buf p = FG_BUF_INIT;
	const char *slash;
	int fd;

	for (slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
		fg_buf_clear(&p);
		fg_buf_printf(&p, "%s/%.*s", root, (int)(slash - rel), rel);
		mkdir(p.ptr, 0755);
	}
	fg_buf_clear(&p);
	fg_buf_printf(&p, "%s/%s", root, rel);
	fd = open(p.ptr, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	fg_buf_release(&p);
}

static struct fg_desired *render_at(const char *dir,
				    const struct fg_render_opts *opts)
{
	struct fg_source *src;
	struct fg_desired *d = NULL;

	assert_int_equal(fg_source_dir_new(&src, dir), 0);
	if (fg_render(&d, src, opts) < 0)
		fail_msg("render failed: %s", fg_error_last());
	fg_source_free(src);
	return d;
}

static void assert_no_diags(const struct fg_desired *d)
{
	struct fg_buf all = FG_BUF_INIT;
	size_t i;

	for (i = 0; i < d->diags.n; i++) {
		fg_diag_format(&all, &d->diags.v[i]);
		fg_buf_putc(&all, '\n');
	}
	if (d->diags.n)
		fail_msg("unexpected diagnostics:\n%s", all.ptr);
	fg_buf_release(&all);
}

static const struct fg_ns *ns_named(const struct fg_desired *d,
				    const char *name)
{
	size_t i;

	for (i = 0; i < d->nns; i++)
		if (!strcmp(d->ns[i].name, name))
			return &d->ns[i];
	fail_msg("no namespace %s", name);
	return NULL;
}

/* A member by JSON pointer-ish path "a/b/c" (no escaping needed here). */
static json_t *at(json_t *v, const char *path)
{
	char buf[256];
	char *tok, *save;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok && v;
	     tok = strtok_r(NULL, "/", &save))
		v = json_object_get(v, tok);
	return v;
}

static const char *str_at(json_t *v, const char *path)
{
	json_t *s = at(v, path);

	if (!json_is_string(s))
		fail_msg("%s is not a string", path);
	return json_string_value(s);
}

#define DEPLOYMENT(name, extra)                            \
	"apiVersion: flink.apache.org/v1beta1\n"           \
	"kind: FlinkDeployment\n"                          \
	"metadata:\n  name: " name "\n"                    \
	"spec:\n"                                          \
	"  jobManager: {resource: {memory: 1g, cpu: 1}}\n" \
	"  taskManager: {resource: {memory: 1g, cpu: 1}}\n" extra

#define REPO_CONFIG                                                \
	"apiVersion: flink-gitops.io/v1alpha1\nkind: RepoConfig\n" \
	"vars: {IMAGE: 'flink:1.20', BUCKET: 's3://repo'}\n"       \
	"defaults:\n  FlinkDeployment:\n    spec:\n"               \
	"      image: ${IMAGE}\n      flinkVersion: v1_20\n"       \
	"      serviceAccount: flink\n"                            \
	"      flinkConfiguration:\n"                              \
	"        state: {checkpoints.dir: '${BUCKET}/cp'}\n"       \
	"        a.list: [x]\n"

static void test_render__example_repository_is_valid(void **state)
{
	struct fg_render_opts o = { .path = "" };
	struct fg_desired *d;
	const struct fg_ns *s;

	d = render_at(FG_EXAMPLE_DIR, &o);
	assert_no_diags(d);
	assert_int_equal(d->nns, 3);
	assert_string_equal(d->crd_version, "1.15.0");
	s = ns_named(d, "sessions");
	assert_int_equal(s->n, 3);
	/* the session cluster is applied before its jobs */
	assert_string_equal(s->objs[0].kind, "FlinkDeployment");
	assert_string_equal(s->objs[1].kind, "FlinkSessionJob");
	assert_string_equal(s->objs[2].kind, "FlinkSessionJob");
	fg_desired_free(d);
}

static void
test_render__defaults_merge_repo_then_namespace_then_object(void **state)
{
	struct fg_desired *d;
	json_t *o;

	put("flink-gitops.yaml", REPO_CONFIG);
	put("team/_defaults.yaml",
	    "apiVersion: flink-gitops.io/v1alpha1\nkind: NamespaceConfig\n"
	    "vars: {BUCKET: 's3://team'}\n"
	    "defaults:\n  FlinkDeployment:\n    spec:\n"
	    "      image: flink:ns\n"
	    "      flinkConfiguration: {a.list: [p, q], ns.key: v}\n");
	put("team/job.yaml",
	    DEPLOYMENT("job",
		       "  flinkConfiguration:\n"
		       "    state.checkpoints.dir: s3://mine/cp\n"
		       "  job: {jarURI: 'local:///a.jar', parallelism: 1,"
		       " upgradeMode: stateless}\n"));
	d = render_at(root, NULL);
	assert_no_diags(d);
	o = ns_named(d, "team")->objs[0].obj;
	/* namespace beats repo, object beats both, lists replace */
	assert_string_equal(str_at(o, "spec/image"), "flink:ns");
	assert_string_equal(str_at(o, "spec/flinkVersion"), "v1_20");
	assert_string_equal(
		str_at(o, "spec/flinkConfiguration/state.checkpoints.dir"),
		"s3://mine/cp");
	assert_string_equal(str_at(o, "spec/flinkConfiguration/a.list"), "p;q");
	assert_string_equal(str_at(o, "spec/flinkConfiguration/ns.key"), "v");
	assert_string_equal(str_at(o, "metadata/namespace"), "team");
	fg_desired_free(d);
}

static void test_render__namespace_vars_reach_repo_defaults(void **state)
{
	struct fg_desired *d;
	json_t *o;

	put("flink-gitops.yaml", REPO_CONFIG);
	put("team/_defaults.yaml",
	    "apiVersion: flink-gitops.io/v1alpha1\nkind: NamespaceConfig\n"
	    "vars: {BUCKET: 's3://team', NUM: 3}\n");
	put("team/job.yaml",
	    DEPLOYMENT("job", "  job: {jarURI: 'local:///${NUM}.jar', "
			      "parallelism: 1, upgradeMode: stateless}\n"));
	put("other/job.yaml",
	    DEPLOYMENT("job", "  job: {jarURI: 'local:///a.jar', "
			      "parallelism: 1, upgradeMode: stateless}\n"));
	d = render_at(root, NULL);
	assert_no_diags(d);
	o = ns_named(d, "team")->objs[0].obj;
	assert_string_equal(
		str_at(o, "spec/flinkConfiguration/state.checkpoints.dir"),
		"s3://team/cp");
	assert_string_equal(str_at(o, "spec/job/jarURI"), "local:///3.jar");
	o = ns_named(d, "other")->objs[0].obj;
	assert_string_equal(
		str_at(o, "spec/flinkConfiguration/state.checkpoints.dir"),
		"s3://repo/cp");
	fg_desired_free(d);
}

static void test_render__null_removes_a_defaulted_field(void **state)
{
	struct fg_desired *d;
	json_t *o;

	put("flink-gitops.yaml",
	    "apiVersion: flink-gitops.io/v1alpha1\nkind: RepoConfig\n"
	    "defaults:\n  FlinkDeployment:\n    spec:\n"
	    "      image: flink:1.20\n      flinkVersion: v1_20\n"
	    "      serviceAccount: flink\n"
	    "      job: {jarURI: 'local:///a.jar', parallelism: 1, "
	    "upgradeMode: stateless}\n");
	put("team/session.yaml", DEPLOYMENT("session", "  job: null\n"));
	d = render_at(root, NULL);
	assert_no_diags(d);
	o = ns_named(d, "team")->objs[0].obj;
	assert_null(at(o, "spec/job"));
	fg_desired_free(d);
}

static json_t *meta_map(json_t *obj, const char *which)
{
	return json_object_get(json_object_get(obj, "metadata"), which);
}

static void test_render__marks_what_it_will_apply(void **state)
{
	struct fg_render_opts o = { .path = "",
				    .origin = "https://git/r@abc123" };
	struct fg_desired *d;
	json_t *obj, *copy, *ann;
	char hex[65];

	put("flink-gitops.yaml", REPO_CONFIG);
	put("team/job.yaml",
	    DEPLOYMENT("job", "  job: {jarURI: 'local:///a.jar', "
			      "parallelism: 1, upgradeMode: stateless}\n"));
	d = render_at(root, &o);
	assert_no_diags(d);
	obj = ns_named(d, "team")->objs[0].obj;
	assert_string_equal(json_string_value(json_object_get(
				    meta_map(obj, "labels"),
				    "app.kubernetes.io/managed-by")),
			    "flink-gitops");
	ann = meta_map(obj, "annotations");
	assert_string_equal(json_string_value(json_object_get(
				    ann, "flink-gitops.io/source")),
			    "https://git/r@abc123:team/job.yaml");
	/* the hash is SHA-256 of the canonical JSON without the two
	 * annotations flink-gitops adds */
	copy = json_deep_copy(obj);
	json_object_del(json_object_get(copy, "metadata"), "annotations");
	assert_int_equal(fg_object_hash(copy, hex), 0);
	assert_string_equal(json_string_value(json_object_get(
				    ann, "flink-gitops.io/desired-hash")),
			    hex);
	assert_string_equal(ns_named(d, "team")->objs[0].hash, hex);
	json_decref(copy);
	fg_desired_free(d);
}

/* Hash of the only object of namespace "team" under `dir`. */
static void hash_of(const char *dir, char out[65])
{
	struct fg_desired *d = render_at(dir, NULL);

	assert_no_diags(d);
	assert_int_equal(ns_named(d, "team")->n, 1);
	memcpy(out, ns_named(d, "team")->objs[0].hash, 65);
	fg_desired_free(d);
}

static void test_render__same_desired_state_same_hash(void **state)
{
	char a[65], b[65], c[65];

	/* nested config, defaults from the repo config */
	put("flink-gitops.yaml", REPO_CONFIG);
	put("team/job.yaml",
	    DEPLOYMENT("job", "  job: {jarURI: 'local:///a.jar', "
			      "parallelism: 1, upgradeMode: stateless}\n"));
	hash_of(root, a);
	/* everything inline, flat config, other key order, other file */
	assert_int_equal(remove_root(state), 0);
	assert_int_equal(make_root(state), 0);
	put("team/other-name.yml",
	    "kind: FlinkDeployment\napiVersion: flink.apache.org/v1beta1\n"
	    "spec:\n"
	    "  job: {upgradeMode: stateless, parallelism: 1, "
	    "jarURI: 'local:///a.jar'}\n"
	    "  flinkConfiguration:\n"
	    "    a.list: x\n"
	    "    state.checkpoints.dir: s3://repo/cp\n"
	    "  serviceAccount: flink\n  flinkVersion: v1_20\n"
	    "  image: flink:1.20\n"
	    "  taskManager: {resource: {cpu: 1, memory: 1g}}\n"
	    "  jobManager: {resource: {cpu: 1, memory: 1g}}\n"
	    "metadata: {name: job, namespace: team}\n");
	hash_of(root, b);
	assert_string_equal(a, b);
	/* one value changed: another hash */
	put("team/other-name.yml",
	    "kind: FlinkDeployment\napiVersion: flink.apache.org/v1beta1\n"
	    "spec:\n"
	    "  job: {upgradeMode: stateless, parallelism: 2, "
	    "jarURI: 'local:///a.jar'}\n"
	    "  flinkConfiguration:\n"
	    "    a.list: x\n"
	    "    state.checkpoints.dir: s3://repo/cp\n"
	    "  serviceAccount: flink\n  flinkVersion: v1_20\n"
	    "  image: flink:1.20\n"
	    "  taskManager: {resource: {cpu: 1, memory: 1g}}\n"
	    "  jobManager: {resource: {cpu: 1, memory: 1g}}\n"
	    "metadata: {name: job, namespace: team}\n");
	hash_of(root, c);
	assert_string_not_equal(a, c);
}

static void test_render__a_broken_namespace_is_skipped_alone(void **state)
{
	struct fg_desired *d;
	const struct fg_ns *good, *bad;

	put("flink-gitops.yaml", REPO_CONFIG);
	put("good/job.yaml",
	    DEPLOYMENT("job", "  job: {jarURI: 'local:///a.jar', "
			      "parallelism: 1, upgradeMode: stateless}\n"));
	put("bad/job.yaml",
	    DEPLOYMENT("job", "  job: {jarURI: 'local:///a.jar', "
			      "parallelism: 1, upgradeMode: stateless}\n"));
	put("bad/broken.yaml", "a: [1\n");
	d = render_at(root, NULL);
	good = ns_named(d, "good");
	bad = ns_named(d, "bad");
	assert_false(good->failed);
	assert_int_equal(good->n, 1);
	/* the valid object of the broken namespace is not rendered: the
	 * namespace is neither applied nor pruned */
	assert_true(bad->failed);
	assert_int_equal(bad->n, 0);
	assert_int_equal(d->diags.n, 1);
	assert_string_equal(d->diags.v[0].file, "bad/broken.yaml");
	fg_desired_free(d);
}

static void test_render__broken_repo_config_fails_every_namespace(void **state)
{
	struct fg_desired *d;

	put("flink-gitops.yaml",
	    "apiVersion: flink-gitops.io/v1alpha1\nkind: RepoConfig\n"
	    "defualts: {}\n");
	put("team/job.yaml",
	    DEPLOYMENT("job", "  job: {jarURI: 'local:///a.jar', "
			      "parallelism: 1, upgradeMode: stateless}\n"));
	d = render_at(root, NULL);
	assert_true(d->config_failed);
	assert_true(ns_named(d, "team")->failed);
	assert_int_equal(ns_named(d, "team")->n, 0);
	assert_int_equal(d->diags.n, 1);
	assert_string_equal(d->diags.v[0].message,
			    "unknown field \"defualts\"");
	assert_int_equal(d->diags.v[0].pos.line, 3);
	fg_desired_free(d);
}

static void test_render__one_namespace_and_a_sub_path(void **state)
{
	struct fg_render_opts o = { .path = "env/prod", .only_ns = "team" };
	struct fg_desired *d;

	put("env/prod/flink-gitops.yaml", REPO_CONFIG);
	put("env/prod/team/job.yaml",
	    DEPLOYMENT("job", "  job: {jarURI: 'local:///a.jar', "
			      "parallelism: 1, upgradeMode: stateless}\n"));
	put("env/prod/skipped/broken.yaml", "a: [\n");
	put("env/dev/team/broken.yaml", "a: [\n");
	d = render_at(root, &o);
	assert_no_diags(d);
	assert_int_equal(d->nns, 1);
	assert_int_equal(ns_named(d, "team")->n, 1);
	assert_string_equal(json_string_value(json_object_get(
				    meta_map(ns_named(d, "team")->objs[0].obj,
					     "annotations"),
				    "flink-gitops.io/source")),
			    "env/prod/team/job.yaml");
	fg_desired_free(d);
}

static void test_render__crd_version_decides_unknown_fields(void **state)
{
	struct fg_render_opts o = { .path = "", .crd_version = "main" };
	struct fg_desired *d;

	put("flink-gitops.yaml", REPO_CONFIG);
	put("team/job.yaml",
	    "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\n"
	    "metadata: {name: job}\n"
	    "spec:\n"
	    "  jobManager: {resources: {requests: {memory: 1g, cpu: 1}}}\n"
	    "  taskManager: {resources: {requests: {memory: 1g, cpu: 1}}}\n"
	    "  job: {jarURI: 'local:///a.jar', parallelism: 1, "
	    "upgradeMode: stateless}\n");
	d = render_at(root, &o);
	assert_no_diags(d);
	assert_string_equal(d->crd_version, "main");
	fg_desired_free(d);
	/* 1.15.0: no `resources` in the CRD, nor in the operator's rules */
	d = render_at(root, NULL);
	assert_int_equal(d->diags.n, 4);
	assert_string_equal(d->diags.v[1].message,
			    "unknown field \"spec.jobManager.resources\" "
			    "(exists in CRD version main: set crdVersion in "
			    "flink-gitops.yaml or --crd-version)");
	assert_int_equal(d->diags.v[1].pos.line, 5);
	assert_string_equal(d->diags.v[0].message,
			    "JobManager resource memory must be defined using "
			    "`spec.jobManager.resource.memory`");
	fg_desired_free(d);
}

/* kubectl reads `no` as false; Flink would get "false": say so. */
static void test_render__yaml11_bool_in_flink_configuration_warns(void **st)
{
	struct fg_desired *d;

	put("team/job.yaml",
	    "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\n"
	    "metadata: {name: job}\n"
	    "spec:\n"
	    "  image: flink:1.20\n  flinkVersion: v1_20\n"
	    "  serviceAccount: flink\n"
	    "  flinkConfiguration:\n"
	    "    restart-strategy.type: no\n"
	    "    pipeline: {object-reuse: On}\n"
	    "    quoted: \"no\"\n"
	    "    plain: true\n"
	    "  jobManager: {resource: {memory: 1g, cpu: 1}}\n"
	    "  taskManager: {resource: {memory: 1g, cpu: 1}}\n"
	    "  job: {jarURI: 'local:///a.jar', parallelism: 1, "
	    "upgradeMode: stateless}\n");
	d = render_at(root, NULL);
	assert_int_equal(fg_diags_errors(&d->diags), 0);
	assert_int_equal(d->nns, 1);
	assert_false(d->ns[0].failed);
	assert_int_equal(d->diags.n, 2);
	assert_int_equal(d->diags.v[0].severity, FG_SEV_WARNING);
	assert_int_equal(d->diags.v[0].pos.line, 9);
	assert_int_equal(d->diags.v[0].pos.col, 28);
	assert_string_equal(d->diags.v[0].field,
			    "spec.flinkConfiguration[restart-strategy.type]");
	assert_string_equal(d->diags.v[0].message,
			    "unquoted no is read as false (as kubectl reads "
			    "it): write \"no\" to keep the word, or \"false\" "
			    "if false is meant");
	assert_string_equal(d->diags.v[1].field,
			    "spec.flinkConfiguration[pipeline.object-reuse]");
	assert_non_null(strstr(d->diags.v[1].message, "unquoted On is read "
						      "as true"));
	fg_desired_free(d);
}

#define BLUEGREEN(name, extra)                                   \
	"apiVersion: flink.apache.org/v1beta1\n"                 \
	"kind: FlinkBlueGreenDeployment\n"                       \
	"metadata: {name: " name "}\n"                           \
	"spec:\n" extra "  template:\n    spec:\n"               \
	"      flinkConfiguration:\n"                            \
	"        execution: {checkpointing: {dir: s3://b/cp, "   \
	"savepoint-dir: s3://b/sp}}\n"                           \
	"      jobManager: {resource: {memory: 1g, cpu: 1}}\n"   \
	"      taskManager: {resource: {memory: 1g, cpu: 1}}\n"  \
	"      job: {jarURI: 'local:///a.jar', parallelism: 1, " \
	"upgradeMode: last-state}\n"

/* A FlinkBlueGreenDeployment is a Flink kind of its own: allowed, its
 * defaults merged under it (its own, not FlinkDeployment's), its
 * template's flinkConfiguration read flat as the operator reads it,
 * applied with the application clusters. */
static void test_render__bluegreen_is_a_flink_kind(void **state)
{
	struct fg_desired *d;
	const struct fg_ns *ns;
	json_t *o;

	put("flink-gitops.yaml",
	    "apiVersion: flink-gitops.io/v1alpha1\nkind: RepoConfig\n"
	    "defaults:\n"
	    "  FlinkDeployment:\n    spec: {image: not-for-bluegreen}\n"
	    "  FlinkBlueGreenDeployment:\n    spec:\n      template:\n"
	    "        spec:\n          image: flink:1.20\n"
	    "          flinkVersion: v1_20\n"
	    "          serviceAccount: flink\n");
	put("team/cm.yaml", "apiVersion: v1\nkind: ConfigMap\n"
			    "metadata: {name: settings}\n");
	put("team/orders.yaml", BLUEGREEN("orders", ""));
	d = render_at(root, NULL);
	assert_no_diags(d);
	ns = ns_named(d, "team");
	assert_int_equal(ns->n, 2);
	o = ns->objs[1].obj;
	assert_string_equal(ns->objs[1].kind, "FlinkBlueGreenDeployment");
	assert_int_equal(fg_apply_rank(o), 2);
	assert_string_equal(str_at(o, "spec/template/spec/image"),
			    "flink:1.20");
	assert_string_equal(str_at(o, "spec/template/spec/flinkConfiguration/"
				      "execution.checkpointing.savepoint-dir"),
			    "s3://b/sp");
	assert_string_equal(fg_flink_spec_pointer(o), "/spec/template/spec");
	assert_ptr_equal(fg_flink_spec(o), at(o, "spec/template/spec"));
	fg_desired_free(d);
}

/* Valid, but probably not what was meant: warnings at the line, and the
 * namespace is applied. */
static void test_render__bluegreen_hints_warn(void **state)
{
	struct fg_desired *d;
	struct fg_buf all = FG_BUF_INIT;

	put("team/orders.yaml",
	    "apiVersion: flink.apache.org/v1beta1\n"
	    "kind: FlinkBlueGreenDeployment\n"
	    "metadata: {name: orders}\n"
	    "spec:\n"
	    "  configuration:\n"
	    "    kubernetes.operator.bluegreen.abort.grace-periods: 1 min\n"
	    "  template:\n"
	    "    metadata: {labels: {team: a}}\n"
	    "    spec:\n"
	    "      image: flink:1.20\n      flinkVersion: v1_20\n"
	    "      serviceAccount: flink\n"
	    "      flinkConfiguration: {execution.checkpointing.dir: s3://c}\n"
	    "      jobManager: {resource: {memory: 1g, cpu: 1}}\n"
	    "      taskManager: {resource: {memory: 1g, cpu: 1}}\n"
	    "      job: {jarURI: 'local:///a.jar', parallelism: 1, "
	    "upgradeMode: last-state}\n");
	d = render_at(root, NULL);
	assert_int_equal(fg_diags_errors(&d->diags), 0);
	assert_false(d->ns[0].failed);
	assert_int_equal(d->ns[0].n, 1);
	for (size_t i = 0; i < d->diags.n; i++) {
		assert_int_equal(d->diags.v[i].severity, FG_SEV_WARNING);
		fg_diag_format(&all, &d->diags.v[i]);
		fg_buf_putc(&all, '\n');
	}
	assert_int_equal(d->diags.n, 3);
	assert_non_null(strstr(all.ptr, "team/orders.yaml:6:5: warning: "
					"FlinkBlueGreenDeployment "
					"team/orders: spec.configuration["
					"kubernetes.operator.bluegreen.abort."
					"grace-periods]: not a Blue/Green "
					"option of the operator"));
	assert_non_null(strstr(all.ptr, "team/orders.yaml:8:5: warning: "
					"FlinkBlueGreenDeployment "
					"team/orders: spec.template.metadata: "
					"the operator does not copy"));
	assert_non_null(strstr(all.ptr, "spec.template.spec.job.upgradeMode: "
					"each transition starts with a "
					"savepoint of the active child"));
	fg_buf_release(&all);
	fg_desired_free(d);
}

static void test_render__rendered_yaml_reads_back_the_same(void **state)
{
	struct fg_desired *d = render_at(FG_EXAMPLE_DIR, NULL);
	size_t i, j;

	for (i = 0; i < d->nns; i++) {
		for (j = 0; j < d->ns[i].n; j++) {
			struct fg_buf out = FG_BUF_INIT;
			struct fg_yaml_file *f;

			assert_int_equal(
				fg_yaml_emit(&out, d->ns[i].objs[j].obj), 0);
			f = load_ok(out.ptr);
			assert_true(json_equal(fg_yaml_doc(f, 0),
					       d->ns[i].objs[j].obj));
			fg_yaml_file_free(f);
			fg_buf_release(&out);
		}
	}
	fg_desired_free(d);
}

/* ---- age-encrypted Secrets (*.age) ----------------------------------- */

static struct fg_age_identities *age_ids;
static char age_recipient[FG_AGE_RECIPIENT_CHARS + 1];

static int make_root_and_key(void **state)
{
	struct fg_age_secret id = { NULL, 0 };

	if (make_root(state) < 0 || fg_age_keygen(&id, age_recipient) < 0 ||
	    fg_age_identities_new(&age_ids) < 0 ||
	    fg_age_identities_add_text(age_ids, "key", (char *)id.ptr, id.len) <
		    0)
		return -1;
	fg_age_secret_release(&id);
	return 0;
}

static int remove_root_and_key(void **state)
{
	fg_age_identities_free(age_ids);
	age_ids = NULL;
	return remove_root(state);
}

/* Encrypt `text` to the test key and write it at `rel`. */
static void put_sealed(const char *rel, const char *text)
{
	unsigned char pk[FG_AGE_KEY_BYTES];
	struct fg_buf file = FG_BUF_INIT, p = FG_BUF_INIT;
	int fd;

	assert_int_equal(fg_age_recipient_parse(pk, age_recipient), 0);
	assert_int_equal(fg_age_encrypt(&file, (const unsigned char *)text,
					strlen(text),
					(const unsigned char(*)[32])pk, 1, 0),
			 0);
	put(rel, ""); /* the folders */
	fg_buf_printf(&p, "%s/%s", root, rel);
	fd = open(p.ptr, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, file.ptr, file.len), (ssize_t)file.len);
	close(fd);
	fg_buf_release(&file);
	fg_buf_release(&p);
}

/* Every diagnostic, one per line. */
static char *all_diags(const struct fg_desired *d)
{
	struct fg_buf all = FG_BUF_INIT;
	size_t i;

	for (i = 0; i < d->diags.n; i++) {
		fg_diag_format(&all, &d->diags.v[i]);
		fg_buf_putc(&all, '\n');
	}
	return fg_buf_detach(&all, NULL);
}

#define CONFIGMAP "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"

#define SEALED_SECRET                                           \
	"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n" \
	"type: Opaque\n"                                        \
	"stringData:\n  password: 'pa$${word}-${NOT_A_VAR}'\n"  \
	"data:\n  user: YWRtaW4=\n"

static void test_render__age_file_renders_its_secret(void **state)
{
	struct fg_render_opts o = { .path = "", .age_ids = age_ids };
	struct fg_desired *d;
	json_t *obj;

	put("team/c.yaml", CONFIGMAP);
	put_sealed("team/db.yaml.age", SEALED_SECRET);
	d = render_at(root, &o);
	assert_no_diags(d);
	assert_int_equal(ns_named(d, "team")->n, 2);
	obj = ns_named(d, "team")->objs[1].obj;
	assert_string_equal(str_at(obj, "kind"), "Secret");
	assert_string_equal(str_at(obj, "metadata/namespace"), "team");
	/* encrypted values are taken as written: no ${VAR} substitution */
	assert_string_equal(str_at(obj, "stringData/password"),
			    "pa$${word}-${NOT_A_VAR}");
	assert_string_equal(str_at(obj, "data/user"), "YWRtaW4=");
	assert_string_equal(json_string_value(json_object_get(
				    at(obj, "metadata/annotations"),
				    "flink-gitops.io/source")),
			    "team/db.yaml.age");
	fg_desired_free(d);
}

static void
test_render__age_file_without_identity_fails_its_namespace(void **state)
{
	struct fg_render_opts o = { .path = "" };
	struct fg_desired *d;
	char *diags;

	put("team/c.yaml", CONFIGMAP);
	put_sealed("team/db.yaml.age", SEALED_SECRET);
	put("other/c.yaml", CONFIGMAP);
	d = render_at(root, &o);
	diags = all_diags(d);
	assert_string_equal(diags,
			    "team/db.yaml.age: error: no age identity given "
			    "(--age-identity or FLINK_GITOPS_AGE_IDENTITY)\n");
	/* the namespace is neither applied nor pruned; the other goes on */
	assert_true(ns_named(d, "team")->failed);
	assert_int_equal(ns_named(d, "team")->n, 0);
	assert_false(ns_named(d, "other")->failed);
	assert_int_equal(ns_named(d, "other")->n, 1);
	free(diags);
	fg_desired_free(d);
}

static void test_render__age_file_may_hold_only_secrets(void **state)
{
	struct fg_render_opts o = { .path = "", .age_ids = age_ids };
	struct fg_desired *d;
	char *diags;

	put_sealed("team/mixed.age",
		   SEALED_SECRET "---\napiVersion: v1\nkind: ConfigMap\n"
				 "metadata:\n  name: settings\n");
	d = render_at(root, &o);
	diags = all_diags(d);
	assert_string_equal(diags,
			    "team/mixed.age:12:1: error: ConfigMap "
			    "team/settings: kind: only Secret objects may be "
			    "in an age-encrypted file, not 'ConfigMap' (put it "
			    "in a .yaml file)\n");
	assert_true(ns_named(d, "team")->failed);
	free(diags);
	fg_desired_free(d);
}

static void test_render__age_problems_never_quote_secret_values(void **state)
{
	struct fg_render_opts o = { .path = "", .age_ids = age_ids };
	struct fg_desired *d;
	char *diags;

	/* the loader quotes a scalar it cannot decode */
	put_sealed("team/a.age",
		   "apiVersion: v1\nkind: Secret\n"
		   "metadata: {name: a}\n"
		   "stringData: {password: !!int hunter2hunter2}\n");
	/* data values must be base64: the key is named, not the value */
	put_sealed("team/b.age", "apiVersion: v1\nkind: Secret\n"
				 "metadata: {name: b}\n"
				 "data: {token: 'plain text t0ken!'}\n");
	d = render_at(root, &o);
	diags = all_diags(d);
	assert_null(strstr(diags, "hunter2hunter2"));
	assert_null(strstr(diags, "t0ken"));
	assert_non_null(strstr(diags, "team/a.age:4:"));
	assert_non_null(strstr(diags, "`<redacted>`"));
	assert_non_null(strstr(diags, "team/b.age:4:8: error: Secret team/b: "
				      "data.token: the value of 'token' is not "
				      "base64"));
	assert_true(ns_named(d, "team")->failed);
	free(diags);
	fg_desired_free(d);
}

static void test_render__age_damage_is_an_error_for_that_file(void **state)
{
	struct fg_render_opts o = { .path = "", .age_ids = age_ids };
	struct fg_desired *d;
	char *diags;

	put("team/broken.age", "age-encryption.org/v1\n-> X25519 abc\n");
	put("team/plain.age", "apiVersion: v1\nkind: Secret\n");
	d = render_at(root, &o);
	diags = all_diags(d);
	assert_string_equal(diags,
			    "team/broken.age: error: truncated: the header "
			    "ends inside a recipient stanza (line 3)\n"
			    "team/plain.age: error: not an age file (it does "
			    "not start with 'age-encryption.org/v1' or an "
			    "armor line)\n");
	free(diags);
	fg_desired_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render__example_repository_is_valid),
		cmocka_unit_test_setup_teardown(
			test_render__bluegreen_is_a_flink_kind, make_root,
			remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__bluegreen_hints_warn, make_root,
			remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__yaml11_bool_in_flink_configuration_warns,
			make_root, remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__defaults_merge_repo_then_namespace_then_object,
			make_root, remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__namespace_vars_reach_repo_defaults,
			make_root, remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__null_removes_a_defaulted_field, make_root,
			remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__marks_what_it_will_apply, make_root,
			remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__same_desired_state_same_hash, make_root,
			remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__a_broken_namespace_is_skipped_alone,
			make_root, remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__broken_repo_config_fails_every_namespace,
			make_root, remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__one_namespace_and_a_sub_path, make_root,
			remove_root),
		cmocka_unit_test_setup_teardown(
			test_render__crd_version_decides_unknown_fields,
			make_root, remove_root),
		cmocka_unit_test(
			test_render__rendered_yaml_reads_back_the_same),
		cmocka_unit_test_setup_teardown(
			test_render__age_file_renders_its_secret,
			make_root_and_key, remove_root_and_key),
		cmocka_unit_test_setup_teardown(
			test_render__age_file_without_identity_fails_its_namespace,
			make_root_and_key, remove_root_and_key),
		cmocka_unit_test_setup_teardown(
			test_render__age_file_may_hold_only_secrets,
			make_root_and_key, remove_root_and_key),
		cmocka_unit_test_setup_teardown(
			test_render__age_problems_never_quote_secret_values,
			make_root_and_key, remove_root_and_key),
		cmocka_unit_test_setup_teardown(
			test_render__age_damage_is_an_error_for_that_file,
			make_root_and_key, remove_root_and_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
