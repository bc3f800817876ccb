/*
 * The Kubernetes client against a real kube-apiserver + etcd (the `k8s`
 * fixture, tests/k8s/), with the real kubectl as the second, independent
 * client. Nothing here is faked: the exec plugin is a real program run as
 * kubectl runs one, the "unreachable server" is a real socket that never
 * answers, the "other CA" a real CA made with openssl.
 *
 *   test_kube_live ENV CONTROL_PLANE_SH FLINK_GITOPS EXEC_PLUGIN GROUP
 *
 * GROUP "main" runs everything but the API server restart, which GROUP
 * "restart" runs alone (it is a CTest test of its own, RUN_SERIAL).
 */
#include "../unit/helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <sodium.h>

#include "render/base/buf.h"
#include "agent/kube/kube.h"
#include "render/base/banned.h"

static const char *env_file, *control_plane, *flink_gitops, *exec_plugin;
static char k8s_dir[512], tmp[64];
static char server[256], admin_kc[512], limited_kc[512], ca_file[512],
	audit_log[512], k8s_version[64], crd_version[64];
static int ns_seq;

static void read_env(void)
{
	char line[1024];
	FILE *f = fopen(env_file, "r");
	const char *slash;

	if (!f)
		fail_msg("cannot read %s", env_file);
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *nl = strchr(line, '\n');

		if (!eq)
			continue;
		if (nl)
			*nl = '\0';
		*eq++ = '\0';
#define TAKE(k, v)            \
	if (!strcmp(line, k)) \
		snprintf(v, sizeof(v), "%s", eq);
		TAKE("FG_K8S_SERVER", server)
		TAKE("FG_K8S_KUBECONFIG", admin_kc)
		TAKE("FG_K8S_LIMITED_KUBECONFIG", limited_kc)
		TAKE("FG_K8S_CA", ca_file)
		TAKE("FG_K8S_AUDIT_LOG", audit_log)
		TAKE("FG_K8S_VERSION", k8s_version)
		TAKE("FG_K8S_CRD_VERSION", crd_version)
#undef TAKE
	}
	fclose(f);
	slash = strrchr(env_file, '/');
	snprintf(k8s_dir, sizeof(k8s_dir), "%.*s",
		 slash ? (int)(slash - env_file) : 1, slash ? env_file : ".");
}

/* Run a shell command; its stdout+stderr in `out` (may be NULL). */
static int sh(struct fg_buf *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int sh(struct fg_buf *out, const char *fmt, ...)
{
	struct fg_buf cmd = FG_BUF_INIT;
	char chunk[4096];
	va_list ap;
	FILE *p;
	size_t n;
	int st;

	va_start(ap, fmt);
	fg_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	fg_buf_puts(&cmd, " 2>&1");
	p = popen(cmd.ptr, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		if (out)
			fg_buf_add(out, chunk, n);
	st = pclose(p);
	fg_buf_release(&cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define KUBECTL "kubectl --kubeconfig '%s' "

/* A fresh namespace for one test (namespaces never finish deleting). */
static const char *new_ns(char *buf, size_t n)
{
	snprintf(buf, n, "fg-kt-%d-%d", (int)getpid(), ++ns_seq);
	if (sh(NULL, KUBECTL "create namespace %s", admin_kc, buf) != 0)
		fail_msg("cannot create namespace %s", buf);
	return buf;
}

static struct fg_kube *connect_with(const char *kubeconfig,
				    const struct fg_kube_client_opts *opts)
{
	struct fg_kube_config_opts co = { 0 };
	struct fg_kube_config *cfg = NULL;
	struct fg_kube *k = NULL;

	co.kubeconfig = kubeconfig;
	co.no_in_cluster = 1;
	if (fg_kube_config_load(&cfg, &co) < 0)
		fail_msg("config: %s", fg_error_last());
	if (fg_kube_new(&k, cfg, opts) < 0)
		fail_msg("client: %s", fg_error_last());
	return k;
}

static struct fg_kube *admin(void)
{
	return connect_with(admin_kc, NULL);
}

/* A kubeconfig to `srv` with CA `ca` and the user mapping `user`. */
static const char *write_kubeconfig(const char *name, const char *srv,
				    const char *ca, const char *user)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"apiVersion: v1\n"
		"kind: Config\n"
		"current-context: t\n"
		"contexts:\n"
		"- name: t\n"
		"  context: {cluster: t, user: t, namespace: fg-limited}\n"
		"clusters:\n"
		"- name: t\n"
		"  cluster:\n"
		"    server: %s\n"
		"    certificate-authority: %s\n"
		"users:\n"
		"- name: t\n"
		"  user: %s\n",
		srv, ca, user);
	fclose(f);
	return path;
}

/* The admin's client certificate and key, as a kubeconfig user. */
static const char *admin_user(void)
{
	static char user[16384];
	struct fg_buf cert = FG_BUF_INIT, key = FG_BUF_INIT;

	assert_int_equal(sh(&cert,
			    KUBECTL "config view --raw -o "
				    "jsonpath='{.users[0].user.client-"
				    "certificate-data}'",
			    admin_kc),
			 0);
	assert_int_equal(sh(&key,
			    KUBECTL "config view --raw -o "
				    "jsonpath='{.users[0].user.client-key-"
				    "data}'",
			    admin_kc),
			 0);
	snprintf(user, sizeof(user),
		 "{client-certificate-data: %s, client-key-data: %s}", cert.ptr,
		 key.ptr);
	fg_buf_release(&cert);
	fg_buf_release(&key);
	return user;
}

static json_t *cm(const char *ns, const char *name, const char *key,
		  const char *value)
{
	return json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s}}", "apiVersion", "v1",
			 "kind", "ConfigMap", "metadata", "name", name,
			 "namespace", ns, "data", key, value);
}

static json_t *flink_deployment(const char *ns, const char *name)
{
	return json_pack(
		"{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:{s:s},"
		"s:{s:{s:s,s:i}},s:{s:{s:s,s:i}},s:{s:s,s:i,s:s}}}",
		"apiVersion", "flink.apache.org/v1beta1", "kind",
		"FlinkDeployment", "metadata", "name", name, "namespace", ns,
		"spec", "image", "flink:1.20", "flinkVersion", "v1_20",
		"serviceAccount", "flink", "flinkConfiguration",
		"taskmanager.numberOfTaskSlots", "2", "jobManager", "resource",
		"memory", "2048m", "cpu", 1, "taskManager", "resource",
		"memory", "2048m", "cpu", 1, "job", "jarURI",
		"local:///opt/flink/examples/streaming/StateMachineExample.jar",
		"parallelism", 2, "upgradeMode", "stateless");
}

static const struct fg_kube_kind CM = { "", NULL, "ConfigMap" };
static const struct fg_kube_kind FD = { "flink.apache.org", NULL,
					"FlinkDeployment" };
static const struct fg_kube_kind SNAP = { "flink.apache.org", NULL,
					  "FlinkStateSnapshot" };

static void has(const char *got, const char *want)
{
	if (!strstr(got, want))
		fail_msg("\n  got  %s\n  want ...%s...", got, want);
}

/* ---- tests ---- */

static void test_kube__server_version_and_discovery(void **state)
{
	struct fg_kube *k = admin();
	struct fg_kube_resource r;
	json_t *v = NULL;

	assert_int_equal(fg_kube_server_version(k, &v), 0);
	assert_string_equal(json_string_value(json_object_get(v, "gitVersion")),
			    k8s_version);
	json_decref(v);
	assert_int_equal(fg_kube_resolve(k, &FD, &r), 0);
	assert_string_equal(r.resource, "flinkdeployments");
	assert_string_equal(r.version, "v1beta1");
	assert_true(r.namespaced);
	assert_int_equal(fg_kube_resolve(k, &CM, &r), 0);
	assert_string_equal(r.resource, "configmaps");
	assert_string_equal(r.version, "v1");
	{
		struct fg_kube_kind crd = { "apiextensions.k8s.io", NULL,
					    "CustomResourceDefinition" };
		assert_int_equal(fg_kube_resolve(k, &crd, &r), 0);
		assert_false(r.namespaced);
	}
	/* a kind the operator's CRDs do not define */
	{
		struct fg_kube_kind bogus = { "flink.apache.org", NULL,
					      "FlinkBogus" };
		assert_int_equal(fg_kube_resolve(k, &bogus, &r), FG_ENOTFOUND);
		assert_string_equal(fg_error_last(),
				    "the Flink operator's CRDs are not "
				    "installed (no kind FlinkBogus in "
				    "flink.apache.org)");
	}
	fg_kube_free(k);
}

static void test_kube__apply_get_status_delete_round_trip(void **state)
{
	struct fg_kube *k = admin();
	struct fg_kube_delete_opts del = { 0 };
	struct fg_buf out = FG_BUF_INIT;
	json_t *obj, *res = NULL, *got = NULL;
	const char *uid;
	char ns[64];

	new_ns(ns, sizeof(ns));
	obj = flink_deployment(ns, "fraud");
	if (fg_kube_apply(k, obj, NULL, &res) < 0)
		fail_msg("%s", fg_error_last());
	uid = json_string_value(
		json_object_get(json_object_get(res, "metadata"), "uid"));
	assert_non_null(uid);
	/* kubectl sees it, with our field manager */
	assert_int_equal(sh(&out,
			    KUBECTL "-n %s get flinkdeployment fraud -o "
				    "jsonpath='{.metadata.managedFields[0]."
				    "manager}'",
			    admin_kc, ns),
			 0);
	assert_string_equal(out.ptr, "flink-gitops");
	assert_int_equal(fg_kube_get(k, &FD, ns, "fraud", &got), 0);
	assert_int_equal(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(got, "spec"), "job"),
			"parallelism")),
		2);
	json_decref(got);
	assert_int_equal(fg_kube_get_status(k, &FD, ns, "fraud", &got), 0);
	assert_string_equal(json_string_value(json_object_get(got, "kind")),
			    "FlinkDeployment");
	json_decref(got);
	/* a precondition that does not hold: refused, nothing deleted */
	del.uid = "00000000-0000-0000-0000-000000000000";
	assert_int_equal(fg_kube_delete(k, &FD, ns, "fraud", &del, NULL),
			 FG_ECONFLICT);
	has(fg_error_last(), "the UID in the precondition");
	has(fg_error_last(), "(Conflict, HTTP 409)");
	del.uid = uid;
	del.propagation = "Background";
	if (fg_kube_delete(k, &FD, ns, "fraud", &del, NULL) < 0)
		fail_msg("%s", fg_error_last());
	assert_int_equal(fg_kube_get(k, &FD, ns, "fraud", &got), FG_ENOTFOUND);
	has(fg_error_last(), "not found");
	fg_buf_clear(&out);
	assert_int_not_equal(sh(&out, KUBECTL "-n %s get flinkdeployment fraud",
				admin_kc, ns),
			     0);
	has(out.ptr, "NotFound");
	fg_buf_release(&out);
	json_decref(res);
	json_decref(obj);
	fg_kube_free(k);
}

static void test_kube__strict_validation_rejects_unknown_field(void **state)
{
	struct fg_kube *k = admin();
	struct fg_buf out = FG_BUF_INIT;
	json_t *obj;
	char ns[64], *text, path[512];
	FILE *f;

	new_ns(ns, sizeof(ns));
	obj = flink_deployment(ns, "typo");
	json_object_set_new(json_object_get(obj, "spec"), "paralellism",
			    json_integer(3));
	if (fg_kube_apply(k, obj, NULL, NULL) != FG_EINVALID)
		fail_msg("%s", fg_error_last());
	/* the server's own words, as kubectl shows them */
	text = json_dumps(obj, JSON_INDENT(2));
	snprintf(path, sizeof(path), "%s/typo.json", tmp);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	assert_int_not_equal(sh(&out,
				KUBECTL "apply --server-side --validate=strict "
					"-f '%s'",
				admin_kc, path),
			     0);
	has(out.ptr, ".spec.paralellism: field not declared in schema");
	has(fg_error_last(), ".spec.paralellism: field not declared in schema");
	has(fg_error_last(), "apply FlinkDeployment ");
	fg_buf_release(&out);
	json_decref(obj);
	fg_kube_free(k);
}

static void test_kube__dry_run_persists_nothing(void **state)
{
	struct fg_kube *k = admin();
	struct fg_kube_apply_opts o = { NULL, 0, 1 };
	struct fg_buf out = FG_BUF_INIT;
	json_t *obj, *res = NULL, *got = NULL;
	char ns[64];

	new_ns(ns, sizeof(ns));
	obj = flink_deployment(ns, "dry");
	if (fg_kube_apply(k, obj, &o, &res) < 0)
		fail_msg("%s", fg_error_last());
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(res, "metadata"), "name")),
			    "dry");
	assert_int_equal(fg_kube_get(k, &FD, ns, "dry", &got), FG_ENOTFOUND);
	assert_int_not_equal(
		sh(&out, KUBECTL "-n %s get flinkdeployment dry", admin_kc, ns),
		0);
	has(out.ptr, "NotFound");
	/* a dry-run delete of a real object leaves it there */
	json_decref(obj);
	obj = cm(ns, "keep", "a", "1");
	assert_int_equal(fg_kube_apply(k, obj, NULL, NULL), 0);
	{
		struct fg_kube_delete_opts d = { 0 };

		d.dry_run = 1;
		assert_int_equal(fg_kube_delete(k, &CM, ns, "keep", &d, NULL),
				 0);
	}
	assert_int_equal(fg_kube_get(k, &CM, ns, "keep", &got), 0);
	json_decref(got);
	fg_buf_release(&out);
	json_decref(res);
	json_decref(obj);
	fg_kube_free(k);
}

static void test_kube__conflict_with_other_manager_needs_force(void **state)
{
	struct fg_kube *k = admin();
	struct fg_kube_apply_opts o = { NULL, 0, 0 };
	struct fg_buf out = FG_BUF_INIT;
	json_t *obj;
	char ns[64];

	new_ns(ns, sizeof(ns));
	obj = cm(ns, "shared", "mode", "ours");
	assert_int_equal(fg_kube_apply(k, obj, &o, NULL), 0);
	/* another manager takes the field over with kubectl */
	assert_int_equal(sh(&out,
			    "printf 'apiVersion: v1\\nkind: ConfigMap\\n"
			    "metadata: {name: shared, namespace: %s}\\n"
			    "data: {mode: theirs}\\n' | " KUBECTL
			    "apply --server-side --force-conflicts "
			    "--field-manager=other -f -",
			    ns, admin_kc),
			 0);
	assert_int_equal(fg_kube_apply(k, obj, &o, NULL), FG_ECONFLICT);
	has(fg_error_last(),
	    "conflict with other field managers: .data.mode (other)");
	has(fg_error_last(), ".data.mode");
	o.force = 1;
	assert_int_equal(fg_kube_apply(k, obj, &o, NULL), 0);
	fg_buf_clear(&out);
	assert_int_equal(sh(&out,
			    KUBECTL "-n %s get configmap shared -o "
				    "jsonpath='{.data.mode}'",
			    admin_kc, ns),
			 0);
	assert_string_equal(out.ptr, "ours");
	fg_buf_release(&out);
	json_decref(obj);
	fg_kube_free(k);
}

static void test_kube__limited_token_gets_a_clear_403(void **state)
{
	struct fg_kube *k = connect_with(limited_kc, NULL);
	json_t *obj = cm("fg-limited", "nope", "a", "b"), *list = NULL;

	assert_int_equal(fg_kube_apply(k, obj, NULL, NULL), FG_EAUTH);
	has(fg_error_last(), "apply ConfigMap fg-limited/nope: ");
	has(fg_error_last(), "cannot patch resource \"configmaps\"");
	has(fg_error_last(), "in the namespace \"fg-limited\"");
	has(fg_error_last(), "(Forbidden, HTTP 403)");
	assert_int_equal(fg_kube_delete(k, &CM, "fg-limited", "x", NULL, NULL),
			 FG_EAUTH);
	has(fg_error_last(), "cannot delete resource \"configmaps\"");
	/* what it may do works */
	if (fg_kube_list(k, &CM, "fg-limited", NULL, &list) < 0)
		fail_msg("%s", fg_error_last());
	json_decref(list);
	json_decref(obj);
	fg_kube_free(k);
}

static void test_kube__list_2000_configmaps_in_pages_of_100(void **state)
{
	struct fg_kube *k = admin();
	struct fg_kube_list_opts lo = { "fg-test=list", NULL, 100 };
	struct fg_kube_stats before, after;
	struct fg_buf out = FG_BUF_INIT;
	json_t *list = NULL;
	char ns[64], path[512];
	long long t0;
	FILE *f;
	int i;

	new_ns(ns, sizeof(ns));
	snprintf(path, sizeof(path), "%s/many.yaml", tmp);
	f = fopen(path, "w");
	fputs("apiVersion: v1\nkind: List\nitems:\n", f);
	for (i = 0; i < 2000; i++)
		fprintf(f,
			"- {apiVersion: v1, kind: ConfigMap, metadata: {name: "
			"cm-%04d, namespace: %s, labels: {fg-test: list}}, "
			"data: {i: \"%d\"}}\n",
			i, ns, i);
	fclose(f);
	t0 = (long long)time(NULL);
	if (sh(&out, KUBECTL "create -f '%s' >/dev/null", admin_kc, path))
		fail_msg("kubectl create: %s", out.ptr);
	print_message("kubectl created 2000 ConfigMaps in %lld s\n",
		      (long long)time(NULL) - t0);
	fg_kube_get_stats(k, &before);
	{
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (fg_kube_list(k, &CM, ns, &lo, &list) < 0)
			fail_msg("%s", fg_error_last());
		clock_gettime(CLOCK_MONOTONIC, &b);
		print_message("LIST 2000 ConfigMaps, limit=100: %.0f ms\n",
			      (b.tv_sec - a.tv_sec) * 1e3 +
				      (b.tv_nsec - a.tv_nsec) / 1e6);
	}
	fg_kube_get_stats(k, &after);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 2000);
	assert_int_equal(after.pages - before.pages, 20);
	assert_non_null(json_string_value(json_object_get(
		json_object_get(list, "metadata"), "resourceVersion")));
	{
		/* every name once */
		char seen[2000] = { 0 };
		json_t *it;
		size_t j;

		json_array_foreach (json_object_get(list, "items"), j, it) {
			const char *n = json_string_value(json_object_get(
				json_object_get(it, "metadata"), "name"));
			int idx = (int)strtol(n + 3, NULL, 10);

			assert_int_equal(seen[idx], 0);
			seen[idx] = 1;
			assert_string_equal(
				json_string_value(json_object_get(it, "kind")),
				"ConfigMap");
		}
	}
	fg_buf_release(&out);
	json_decref(list);
	fg_kube_free(k);
}

struct watch_seen {
	int lists, added;
	char last[64];
	const char *ns;
	int restart;
	int w2_in_list;
};

static int on_list(void *ctx, json_t *list)
{
	struct watch_seen *w = ctx;
	json_t *it;
	size_t i;

	w->lists++;
	/*
	 * A restarted API server starts its watch cache afresh: resuming
	 * from a version before the restart may be answered 410 Gone, and
	 * then w2 arrives in the relist, as the full state, not as an event.
	 */
	json_array_foreach (json_object_get(list, "items"), i, it) {
		const char *n = json_string_value(json_object_get(
			json_object_get(it, "metadata"), "name"));

		if (w->restart && n && !strcmp(n, "w2")) {
			snprintf(w->last, sizeof(w->last), "w2");
			w->w2_in_list = 1;
			return 1;
		}
	}
	return 0;
}

static int on_event(void *ctx, const char *type, json_t *obj)
{
	struct watch_seen *w = ctx;
	const char *name = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "name"));

	if (strcmp(type, "ADDED"))
		return 0;
	w->added++;
	snprintf(w->last, sizeof(w->last), "%s", name ? name : "");
	if (!strcmp(w->last, "w1") && w->restart) {
		/* the API server goes away under the open stream */
		if (sh(NULL, "bash '%s' restart-apiserver '%s'", control_plane,
		       k8s_dir))
			return fg_error_set(FG_ERROR, "restart failed");
		if (sh(NULL, KUBECTL "-n %s create configmap w2", admin_kc,
		       w->ns))
			return fg_error_set(FG_ERROR, "kubectl failed");
		return 0;
	}
	if (!strcmp(w->last, "w2") || !w->restart)
		return 1;
	return 0;
}

static void test_kube__watch_relists_after_410_gone(void **state)
{
	struct fg_kube *k = admin();
	struct watch_seen seen = { 0 };
	struct fg_kube_watch_opts o = { 0 };
	struct fg_kube_stats st;
	char ns[64];

	new_ns(ns, sizeof(ns));
	assert_int_equal(sh(NULL,
			    "printf 'apiVersion: flink.apache.org/v1beta1\\n"
			    "kind: FlinkStateSnapshot\\nmetadata: {name: w0}\\n"
			    "spec: {savepoint: {alreadyExists: true, path: "
			    "/sp}}\\n' | " KUBECTL
			    "-n %s create -f - >/dev/null",
			    admin_kc, ns),
			 0);
	seen.ns = ns;
	/*
	 * A watch from resourceVersion 1 is answered 410 Gone only when the
	 * API server's watch cache no longer holds it. A built-in kind's cache
	 * starts with the API server, when version 1 may still be inside it;
	 * a CRD's cache starts when the CRD is installed, which the control
	 * plane does after version 1: 410 every time.
	 */
	o.resource_version = "1";
	o.on_list = on_list;
	o.on_event = on_event;
	o.ctx = &seen;
	o.duration_ms = 20000;
	if (fg_kube_watch(k, &SNAP, ns, &o) < 0)
		fail_msg("%s", fg_error_last());
	fg_kube_get_stats(k, &st);
	assert_int_equal(st.relists, 1);
	assert_int_equal(seen.lists, 1);
	/* the relist's watch starts at the list: w0 is not an event */
	assert_int_equal(seen.added, 0);
	assert_non_null(o.last_resource_version);
	free(o.last_resource_version);
	fg_kube_free(k);
}

static void test_kube__watch_survives_an_api_server_restart(void **state)
{
	struct fg_kube *k = admin();
	struct watch_seen seen = { 0 };
	struct fg_kube_watch_opts o = { 0 };
	struct fg_kube_stats st;
	json_t *list = NULL;
	char ns[64];

	new_ns(ns, sizeof(ns));
	assert_int_equal(fg_kube_list(k, &CM, ns, NULL, &list), 0);
	o.resource_version = json_string_value(json_object_get(
		json_object_get(list, "metadata"), "resourceVersion"));
	assert_int_equal(
		sh(NULL, KUBECTL "-n %s create configmap w1", admin_kc, ns), 0);
	seen.ns = ns;
	seen.restart = 1;
	o.on_list = on_list;
	o.on_event = on_event;
	o.ctx = &seen;
	o.duration_ms = 60000;
	if (fg_kube_watch(k, &CM, ns, &o) < 0)
		fail_msg("%s", fg_error_last());
	fg_kube_get_stats(k, &st);
	print_message("watch: %lu reconnects, %lu relists, w2 seen %s\n",
		      st.reconnects, st.relists,
		      seen.w2_in_list ? "in the relist" : "as an event");
	assert_string_equal(seen.last, "w2");
	assert_true(st.reconnects >= 1);
	free(o.last_resource_version);
	json_decref(list);
	fg_kube_free(k);
}

static void test_kube__unreachable_server_fails_within_the_timeout(void **state)
{
	struct fg_kube_client_opts opts = FG_KUBE_CLIENT_OPTS_INIT;
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);
	struct fg_kube *k;
	struct timespec t0, t1;
	char srv[64];
	double ms;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	/* a real socket that accepts TCP and never says a word */
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 16), 0);
	getsockname(s, (struct sockaddr *)&a, &alen);
	snprintf(srv, sizeof(srv), "https://127.0.0.1:%d", ntohs(a.sin_port));
	opts.connect_timeout_ms = 1000;
	opts.request_timeout_ms = 1500;
	opts.retry_budget_ms = 3000;
	k = connect_with(write_kubeconfig("silent", srv, ca_file, admin_user()),
			 &opts);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(fg_kube_server_version(k, NULL), FG_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("silent server: failed after %.0f ms: %s\n", ms,
		      fg_error_last());
	assert_true(ms < 1500 + 500);
	has(fg_error_last(), "no answer from https://127.0.0.1:");
	fg_kube_free(k);
	close(s); /* now nothing listens: refused, retried, bounded */
	k = connect_with(write_kubeconfig("closed", srv, ca_file, admin_user()),
			 &opts);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(fg_kube_server_version(k, NULL), FG_ERROR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("closed port: failed after %.0f ms: %s\n", ms,
		      fg_error_last());
	assert_true(ms < 3000 + 500);
	has(fg_error_last(), "cannot connect to https://127.0.0.1:");
	fg_kube_free(k);
}

static void test_kube__certificate_from_another_ca_is_refused(void **state)
{
	char ca[512];
	struct fg_kube *k;

	snprintf(ca, sizeof(ca), "%s/other-ca.crt", tmp);
	assert_int_equal(sh(NULL,
			    "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
			    "-subj /CN=other-ca -keyout '%s/other-ca.key' "
			    "-out '%s'",
			    tmp, ca),
			 0);
	k = connect_with(write_kubeconfig("other-ca", server, ca, admin_user()),
			 NULL);
	assert_int_equal(fg_kube_server_version(k, NULL), FG_EAUTH);
	has(fg_error_last(), "the TLS certificate of ");
	has(fg_error_last(), "is not trusted");
	fg_kube_free(k);
}

/* Run `flink-gitops check` on a kubeconfig; stdout+stderr in `out`. */
static int run_check(struct fg_buf *out, const char *kubeconfig,
		     const char *extra)
{
	return sh(out, "'%s' --log-level debug check --kubeconfig '%s' %s",
		  flink_gitops, kubeconfig, extra ? extra : "");
}

static void test_kube__malformed_kubeconfigs_give_one_clear_error(void **state)
{
	struct {
		const char *name, *user, *extra, *want;
	} cases[] = {
		{ "bad-yaml", "{token: [unclosed}", NULL,
		  ":14:26: did not find expected ',' or ']'" },
		{ "unknown-context", "{token: x}", "--context nope",
		  "--context: no context named \"nope\"" },
		{ "unreadable-cert",
		  "{client-certificate: /nonexistent/c.crt, client-key: "
		  "/nonexistent/c.key}",
		  NULL,
		  ":14:30: user \"t\": client-certificate: cannot read "
		  "'/nonexistent/c.crt': No such file or directory" },
		{ "bad-base64",
		  "{client-certificate-data: Zm9v!!, client-key-data: Zm9v}",
		  NULL,
		  ":14:35: user \"t\": client-certificate-data: not valid "
		  "base64" },
		{ "failing-exec", NULL, NULL,
		  ":14:16: user \"t\": exec: command '" },
	};
	char user[1024];
	size_t i;

	snprintf(user, sizeof(user),
		 "{exec: {apiVersion: client.authentication.k8s.io/v1, "
		 "command: '%s', interactiveMode: Never, env: [{name: "
		 "FG_TEST_EXEC_FAIL, value: '1'}]}}",
		 exec_plugin);
	cases[4].user = user;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_buf out = FG_BUF_INIT;
		const char *p = write_kubeconfig(cases[i].name, server, ca_file,
						 cases[i].user);
		int rc = run_check(&out, p, cases[i].extra);
		const char *nl = strchr(out.ptr, '\n');
		size_t lines = 0, j;

		for (j = 0; j < out.len; j++)
			lines += out.ptr[j] == '\n';
		print_message("%s: %s", cases[i].name,
			      strstr(out.ptr, "flink-gitops: check:")
				      ? strstr(out.ptr, "flink-gitops: check:")
				      : out.ptr);
		if (rc != 1)
			fail_msg("%s: exit %d: %s", cases[i].name, rc, out.ptr);
		/* one error line (the debug log may add its own lines) */
		has(out.ptr, "flink-gitops: check: ");
		has(strstr(out.ptr, "flink-gitops: check: "), cases[i].want);
		if (strcmp(cases[i].name, "unknown-context"))
			has(out.ptr, p);
		assert_non_null(nl);
		(void)lines;
		fg_buf_release(&out);
	}
	/* the failing plugin's own words are passed on */
	{
		struct fg_buf out = FG_BUF_INIT;
		const char *p =
			write_kubeconfig("failing-exec", server, ca_file, user);

		run_check(&out, p, NULL);
		has(out.ptr, "failed with exit status 3: error: getting "
			     "credentials: the login expired");
		fg_buf_release(&out);
	}
}

static void test_kube__exec_plugin_token_is_used_and_never_logged(void **state)
{
	struct fg_buf token = FG_BUF_INIT, out = FG_BUF_INIT,
		      count = FG_BUF_INIT;
	char user[2048], tokfile[512], cntfile[512];
	const char *p;
	struct fg_kube *k;
	json_t *list = NULL;
	FILE *f;
	int rc;

	assert_int_equal(sh(&token,
			    KUBECTL "config view --raw -o "
				    "jsonpath='{.users[0].user.token}'",
			    limited_kc),
			 0);
	assert_true(token.len > 20);
	snprintf(tokfile, sizeof(tokfile), "%s/token", tmp);
	snprintf(cntfile, sizeof(cntfile), "%s/exec-runs", tmp);
	f = fopen(tokfile, "w");
	fputs(token.ptr, f);
	fclose(f);
	snprintf(user, sizeof(user),
		 "{exec: {apiVersion: client.authentication.k8s.io/v1, "
		 "command: '%s', interactiveMode: Never, env: [{name: "
		 "FG_TEST_TOKEN_FILE, value: '%s'}, {name: FG_TEST_EXEC_COUNT, "
		 "value: '%s'}]}}",
		 exec_plugin, tokfile, cntfile);
	p = write_kubeconfig("exec", server, ca_file, user);

	/* the CLI, with every debug line: the token never shows */
	rc = run_check(&out, p, "-n fg-limited");
	print_message("%s", out.ptr);
	assert_int_equal(rc, 1); /* the limited account lacks rights */
	/* it is the service account: it may get and list configmaps */
	has(out.ptr,
	    "fg-limited: cannot watch, create, patch, delete configmaps");
	has(out.ptr, "level=debug event=kube.request");
	assert_null(strstr(out.ptr, token.ptr));

	/* the library: the plugin runs once, its token is cached */
	k = connect_with(p, NULL);
	if (fg_kube_list(k, &CM, "fg-limited", NULL, &list) < 0)
		fail_msg("%s", fg_error_last());
	json_decref(list);
	assert_int_equal(fg_kube_list(k, &CM, "fg-limited", NULL, &list), 0);
	json_decref(list);
	fg_kube_free(k);
	unlink(cntfile);
	k = connect_with(p, NULL);
	assert_int_equal(fg_kube_list(k, &CM, "fg-limited", NULL, &list), 0);
	json_decref(list);
	assert_int_equal(fg_kube_list(k, &CM, "fg-limited", NULL, &list), 0);
	json_decref(list);
	fg_kube_free(k);
	assert_int_equal(sh(&count, "wc -l < '%s'", cntfile), 0);
	assert_int_equal(strtol(count.ptr, NULL, 10), 1);
	sodium_memzero(token.ptr, token.len);
	fg_buf_release(&token);
	fg_buf_release(&out);
	fg_buf_release(&count);
}

static void test_kube__requests_carry_the_user_agent(void **state)
{
	struct fg_kube *k = admin();
	struct fg_kube_stats before, after;
	struct fg_buf out = FG_BUF_INIT;
	json_t *obj, *got = NULL;
	char ns[64];
	long n = 0;
	int i, tries;

	new_ns(ns, sizeof(ns));
	/* discovery first, so only namespaced requests are counted */
	{
		struct fg_kube_resource r;
		assert_int_equal(fg_kube_resolve(k, &CM, &r), 0);
	}
	fg_kube_get_stats(k, &before);
	obj = cm(ns, "ua", "a", "1");
	assert_int_equal(fg_kube_apply(k, obj, NULL, NULL), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(fg_kube_get(k, &CM, ns, "ua", &got), 0);
		json_decref(got);
	}
	assert_int_equal(fg_kube_list(k, &CM, ns, NULL, &got), 0);
	json_decref(got);
	fg_kube_get_stats(k, &after);
	assert_int_equal(after.requests - before.requests, 7);
	/* the audit log may lag: wait for the count to settle */
	for (tries = 0; tries < 50; tries++) {
		fg_buf_clear(&out);
		assert_int_equal(sh(&out,
				    "grep -F '\"userAgent\":\"flink-gitops/' "
				    "'%s' | grep -cF '\"namespace\":\"%s\"'",
				    audit_log, ns),
				 0);
		n = strtol(out.ptr, NULL, 10);
		if (n >= 7)
			break;
		nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
	}
	print_message("audit log: %ld requests from flink-gitops/ in %s\n", n,
		      ns);
	assert_int_equal(n, 7);
	/* and none without it */
	fg_buf_clear(&out);
	sh(&out,
	   "grep -F '\"namespace\":\"%s\"' '%s' | grep -F '\"verb\":\"get\"' "
	   "| grep -vcF 'flink-gitops/'",
	   ns, audit_log);
	assert_int_equal(strtol(out.ptr, NULL, 10), 0);
	fg_buf_release(&out);
	json_decref(obj);
	fg_kube_free(k);
}

static void test_kube__check_reports_version_crds_and_rights(void **state)
{
	struct fg_buf out = FG_BUF_INIT;
	char want[128];
	int rc;

	rc = run_check(&out, admin_kc, "-n default -n fg-limited");
	print_message("%s", out.ptr);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want), "Kubernetes %s", k8s_version);
	has(out.ptr, want);
	snprintf(want, sizeof(want), "version %s", crd_version);
	has(out.ptr, want);
	has(out.ptr, "namespace fg-limited: ok");
	has(out.ptr, "\nready\n");
	fg_buf_clear(&out);
	rc = run_check(&out, limited_kc, "-n fg-limited -o json");
	assert_int_equal(rc, 1);
	has(out.ptr, "\"ok\": false");
	has(out.ptr, "\"verb\": \"patch\"");
	fg_buf_release(&out);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest main_tests[] = {
		cmocka_unit_test(test_kube__server_version_and_discovery),
		cmocka_unit_test(test_kube__apply_get_status_delete_round_trip),
		cmocka_unit_test(
			test_kube__strict_validation_rejects_unknown_field),
		cmocka_unit_test(test_kube__dry_run_persists_nothing),
		cmocka_unit_test(
			test_kube__conflict_with_other_manager_needs_force),
		cmocka_unit_test(test_kube__limited_token_gets_a_clear_403),
		cmocka_unit_test(
			test_kube__list_2000_configmaps_in_pages_of_100),
		cmocka_unit_test(test_kube__watch_relists_after_410_gone),
		cmocka_unit_test(
			test_kube__unreachable_server_fails_within_the_timeout),
		cmocka_unit_test(
			test_kube__certificate_from_another_ca_is_refused),
		cmocka_unit_test(
			test_kube__malformed_kubeconfigs_give_one_clear_error),
		cmocka_unit_test(
			test_kube__exec_plugin_token_is_used_and_never_logged),
		cmocka_unit_test(test_kube__requests_carry_the_user_agent),
		cmocka_unit_test(
			test_kube__check_reports_version_crds_and_rights),
	};
	const struct CMUnitTest restart_tests[] = {
		cmocka_unit_test(
			test_kube__watch_survives_an_api_server_restart),
	};
	int rc;

	if (argc != 6) {
		fprintf(stderr,
			"usage: %s ENV CONTROL_PLANE_SH FLINK_GITOPS "
			"EXEC_PLUGIN main|restart\n",
			argv[0]);
		return 2;
	}
	env_file = argv[1];
	control_plane = argv[2];
	flink_gitops = argv[3];
	{
		static char abs[PATH_MAX];
		char cwd[PATH_MAX];

		if (snprintf(abs, sizeof(abs), "%s/%s",
			     getcwd(cwd, sizeof(cwd)) ? cwd : ".",
			     argv[4]) >= (int)sizeof(abs))
			return 2;
		exec_plugin = argv[4][0] == '/' ? argv[4] : abs;
	}
	if (sodium_init() < 0)
		return 1;
	read_env();
	if (!*server || !*admin_kc) {
		fprintf(stderr, "%s: no FG_K8S_SERVER in %s\n", argv[0],
			env_file);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/fg-kube-live.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	if (!strcmp(argv[5], "restart"))
		rc = cmocka_run_group_tests(restart_tests, NULL, NULL);
	else
		rc = cmocka_run_group_tests(main_tests, NULL, NULL);
	sh(NULL, "rm -rf '%s'", tmp);
	return rc;
}
