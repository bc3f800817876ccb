/*
 * The Kubernetes client without a server: kubeconfig loading and merging,
 * in-cluster configuration, Status errors, backoff, Retry-After, times
 * and URL building. (Everything that talks to a server is in
 * tests/integration/test_kube_live.c, against a real API server.)
 */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include <sodium.h>

#include "render/base/buf.h"
#include "agent/kube/kube.h"
#include "render/base/banned.h"

#define PEM "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
#define TOKEN "s3cr3t-t0ken-value-123"

static char dir[64];
static char secrets[1024];
static char warnings[1024];

static int hook_secret(const char *v)
{
	size_t n = strlen(secrets);

	snprintf(secrets + n, sizeof(secrets) - n, "%s|", v);
	return 0;
}

static void hook_warn(const char *event, const char *msg)
{
	size_t n = strlen(warnings);

	snprintf(warnings + n, sizeof(warnings) - n, "%s: %s\n", event, msg);
}

static char *b64(const char *s)
{
	static char out[4096];

	sodium_bin2base64(out, sizeof(out), (const unsigned char *)s, strlen(s),
			  sodium_base64_VARIANT_ORIGINAL);
	return out;
}

/* Write `text` to DIR/name; returns the path (static, one at a time). */
static const char *put(const char *name, const char *text)
{
	static char path[2][256];
	static int which;
	FILE *f;

	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", dir, name);
	f = fopen(path[which], "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path[which];
}

/* The last error contains `want`; else fail showing both. */
static void has(const char *want)
{
	if (!strstr(fg_error_last(), want))
		fail_msg("error\n  got  %s\n  want ...%s...", fg_error_last(),
			 want);
}

static int setup(void **state)
{
	static const struct fg_kube_hooks hooks = { hook_secret, hook_warn,
						    NULL };

	snprintf(dir, sizeof(dir), "/tmp/fg-kube-unit.XXXXXX");
	assert_non_null(mkdtemp(dir));
	secrets[0] = warnings[0] = '\0';
	fg_kube_set_hooks(&hooks);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	fg_kube_set_hooks(NULL);
	return 0;
}

/* Load with only `path` (as --kubeconfig) or KUBECONFIG=`env`. */
static int load(struct fg_kube_config **cfg, const char *path, const char *env,
		const char *context)
{
	struct fg_kube_config_opts o = { 0 };

	o.kubeconfig = path;
	o.kubeconfig_env = env ? env : "";
	o.home = dir; /* no ~/.kube/config there */
	o.context = context;
	o.no_in_cluster = 1;
	return fg_kube_config_load(cfg, &o);
}

static char *kubeconfig(const char *ctx, const char *cluster,
			const char *server, const char *user_body)
{
	static char text[16384];

	snprintf(text, sizeof(text),
		 "apiVersion: v1\n"
		 "kind: Config\n"
		 "current-context: %s\n"
		 "contexts:\n"
		 "- name: %s\n"
		 "  context:\n"
		 "    cluster: %s\n"
		 "    user: u\n"
		 "    namespace: ns-%s\n"
		 "clusters:\n"
		 "- name: %s\n"
		 "  cluster:\n"
		 "    server: %s\n"
		 "users:\n"
		 "- name: u\n"
		 "  user:\n"
		 "%s",
		 ctx, ctx, cluster, ctx, cluster, server, user_body);
	return text;
}

static void
test_kube__kubeconfig_gives_server_context_and_namespace(void **state)
{
	struct fg_kube_config *cfg = NULL;
	const char *p = put("config", kubeconfig("a", "c", "https://h:6443/",
						 "    token: " TOKEN "\n"));

	assert_int_equal(load(&cfg, p, NULL, NULL), 0);
	assert_string_equal(fg_kube_config_server(cfg), "https://h:6443");
	assert_string_equal(fg_kube_config_context(cfg), "a");
	assert_string_equal(fg_kube_config_namespace(cfg), "ns-a");
	assert_string_equal(fg_kube_config_user(cfg), "u");
	/* the token is registered as a secret */
	assert_non_null(strstr(secrets, TOKEN "|"));
	fg_kube_config_free(cfg);
}

static void test_kube__kubeconfig_list_first_file_wins(void **state)
{
	struct fg_kube_config *cfg = NULL;
	char env[1024];
	char a[256], b[256];

	/* a: context "cx" -> cluster c at https://a; b: the same names */
	snprintf(a, sizeof(a), "%s",
		 put("a",
		     kubeconfig("cx", "c", "https://a", "    token: ta\n")));
	snprintf(b, sizeof(b), "%s",
		 put("b",
		     kubeconfig("cy", "c", "https://b", "    token: tb\n")));
	/* a missing file in the list is skipped, as kubectl does */
	snprintf(env, sizeof(env), "%s/missing:%s:%s", dir, a, b);
	assert_int_equal(load(&cfg, NULL, env, NULL), 0);
	assert_string_equal(fg_kube_config_context(cfg), "cx");
	assert_string_equal(fg_kube_config_server(cfg), "https://a");
	fg_kube_config_free(cfg);

	/* context cy only in b, but cluster c comes from a (first wins) */
	if (load(&cfg, NULL, env, "cy") < 0)
		fail_msg("%s", fg_error_last());
	assert_string_equal(fg_kube_config_server(cfg), "https://a");
	assert_string_equal(fg_kube_config_namespace(cfg), "ns-cy");
	fg_kube_config_free(cfg);

	/* reversed order: b's current-context and cluster win */
	snprintf(env, sizeof(env), "%s:%s", b, a);
	assert_int_equal(load(&cfg, NULL, env, NULL), 0);
	assert_string_equal(fg_kube_config_context(cfg), "cy");
	assert_string_equal(fg_kube_config_server(cfg), "https://b");
	fg_kube_config_free(cfg);
}

static void test_kube__unknown_context_is_named(void **state)
{
	struct fg_kube_config *cfg = NULL;
	const char *p = put("config", kubeconfig("a", "c", "https://h", ""));
	char path[256];

	snprintf(path, sizeof(path), "%s", p);
	assert_int_equal(load(&cfg, path, NULL, "nope"), FG_ENOTFOUND);
	assert_null(cfg);
	has(("--context: no context named \"nope\""));
	has(("(contexts: a)"));

	/* current-context naming nothing: the file, line and column */
	p = put("cc", "current-context: gone\ncontexts: []\n");
	snprintf(path, sizeof(path), "%s", p);
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_ENOTFOUND);
	has(path);
	has((":1:18: current-context: no context named "
	     "\"gone\""));
}

static void test_kube__bad_yaml_names_file_line_column(void **state)
{
	struct fg_kube_config *cfg = NULL;
	char path[256], want[300];

	snprintf(
		path, sizeof(path), "%s",
		put("config", "clusters:\n- name: c\n  cluster: {server: x\n"));
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_EINVALID);
	snprintf(want, sizeof(want), "%s:3:12: unterminated flow mapping",
		 path);
	has(want);
}

static void test_kube__bad_base64_names_user_and_field(void **state)
{
	struct fg_kube_config *cfg = NULL;
	char path[256], body[8192], want[512];

	snprintf(body, sizeof(body),
		 "    client-certificate-data: %s\n"
		 "    client-key-data: bm90!YmFzZTY0\n",
		 b64(PEM));
	snprintf(path, sizeof(path), "%s",
		 put("config", kubeconfig("a", "c", "https://h", body)));
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_EINVALID);
	snprintf(want, sizeof(want),
		 "%s:18:22: user \"u\": client-key-data: not valid base64",
		 path);
	has(want);
	/* the key's text is a secret and is not repeated */
	assert_null(strstr(fg_error_last(), "bm90"));
}

/* A quote left open takes the lines after it into the value; the
 * message must not echo them: a key's data may be among them. */
static void test_kube__a_quote_left_open_is_not_echoed(void **state)
{
	struct fg_kube_config *cfg = NULL;
	char path[256];

	snprintf(path, sizeof(path), "%s",
		 put("config",
		     "clusters:\n- name: c\n  cluster:\n"
		     "    server: \"https//h\n"
		     "users:\n- name: u\n  user:\n"
		     "    client-key-data: c2VjcmV0LWtleS1kYXRh\n"
		     "    token: sekrit-token-value\"\n"
		     "users:\n- name: u\n  user: {token: t}\n"
		     "contexts:\n- name: c\n  context: {cluster: c, user: u}\n"
		     "current-context: c\n"));
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_EINVALID);
	has("server: a value of ");
	has("(a quote left open, taking the lines after it?) is not an "
	    "http(s) URL");
	assert_null(strstr(fg_error_last(), "c2VjcmV0"));
	assert_null(strstr(fg_error_last(), "sekrit"));
	/* a value as written is still quoted */
	snprintf(path, sizeof(path), "%s",
		 put("config2",
		     "clusters:\n- name: c\n  cluster: {server: ftp://h}\n"
		     "users:\n- name: u\n  user: {token: t}\n"
		     "contexts:\n- name: c\n  context: {cluster: c, user: u}\n"
		     "current-context: c\n"));
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_EINVALID);
	has("server: 'ftp://h' is not an http(s) URL");
}

static void test_kube__unreadable_certificate_names_field_and_path(void **state)
{
	struct fg_kube_config *cfg = NULL;
	char path[256];

	snprintf(path, sizeof(path), "%s",
		 put("config",
		     kubeconfig("a", "c", "https://h",
				"    client-certificate: certs/none.crt\n"
				"    client-key: certs/none.key\n")));
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_EINVALID);
	has((":17:25: user \"u\": "
	     "client-certificate: cannot "
	     "read '"));
	/* relative to the kubeconfig's folder */
	has((dir));
	has(("/certs/none.crt'"));
}

static void
test_kube__relative_files_are_read_from_the_file_folder(void **state)
{
	struct fg_kube_config *cfg = NULL;
	char path[256], body[256];

	put("ca.pem", PEM);
	put("token", TOKEN "-file\n");
	snprintf(body, sizeof(body), "    tokenFile: token\n");
	snprintf(path, sizeof(path), "%s",
		 put("config", kubeconfig("a", "c", "https://h", body)));
	/* add the CA as a file next to the kubeconfig */
	{
		char text[8192];
		const char *k = kubeconfig("a", "c", "https://h", body);
		const char *at = strstr(k, "    server:");

		snprintf(text, sizeof(text),
			 "%.*s    certificate-authority: ca.pem\n%s",
			 (int)(at - k), k, at);
		put("config", text);
	}
	assert_int_equal(load(&cfg, path, NULL, NULL), 0);
	assert_non_null(strstr(secrets, TOKEN "-file|"));
	fg_kube_config_free(cfg);
}

static void test_kube__not_pem_certificate_authority_is_refused(void **state)
{
	struct fg_kube_config *cfg = NULL;
	char text[8192], path[256];
	const char *k = kubeconfig("a", "c", "https://h", "");
	const char *at = strstr(k, "    server:");

	snprintf(text, sizeof(text),
		 "%.*s    certificate-authority-data: %s\n%s", (int)(at - k), k,
		 b64("hello"), at);
	snprintf(path, sizeof(path), "%s", put("config", text));
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_EINVALID);
	has(("cluster \"c\": certificate-authority-data: "
	     "not PEM data"));
}

static void test_kube__insecure_warns_and_refuses_a_ca_with_it(void **state)
{
	struct fg_kube_config *cfg = NULL;
	char text[8192], path[256];
	const char *k = kubeconfig("a", "c", "https://h", "");
	const char *at = strstr(k, "    server:");

	snprintf(text, sizeof(text),
		 "%.*s    insecure-skip-tls-verify: true\n%s", (int)(at - k), k,
		 at);
	snprintf(path, sizeof(path), "%s", put("config", text));
	assert_int_equal(load(&cfg, path, NULL, NULL), 0);
	assert_non_null(strstr(warnings, "kube.tls.insecure: TLS verification "
					 "is off for https://h"));
	fg_kube_config_free(cfg);

	snprintf(text, sizeof(text),
		 "%.*s    insecure-skip-tls-verify: true\n"
		 "    certificate-authority-data: %s\n%s",
		 (int)(at - k), k, b64(PEM), at);
	put("config", text);
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_EINVALID);
	has(("insecure-skip-tls-verify: a "
	     "certificate authority"));
}

static void test_kube__exec_needs_interactive_mode_in_v1(void **state)
{
	struct fg_kube_config *cfg = NULL;
	char path[256];

	snprintf(path, sizeof(path), "%s",
		 put("config", kubeconfig("a", "c", "https://h",
					  "    exec:\n"
					  "      apiVersion: "
					  "client.authentication.k8s.io/v1\n"
					  "      command: get-token\n")));
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_EINVALID);
	has((":18:7: user \"u\": exec: no "
	     "interactiveMode"));

	put("config", kubeconfig("a", "c", "https://h",
				 "    exec:\n"
				 "      apiVersion: "
				 "client.authentication.k8s.io/v1\n"
				 "      command: get-token\n"
				 "      interactiveMode: Always\n"));
	assert_int_equal(load(&cfg, path, NULL, NULL), FG_EINVALID);
	has(("user \"u\": exec.interactiveMode: Always "
	     "needs a terminal"));

	put("config", kubeconfig("a", "c", "https://h",
				 "    exec:\n"
				 "      apiVersion: "
				 "client.authentication.k8s.io/v1beta1\n"
				 "      command: ./get-token\n"
				 "      args: [--x]\n"
				 "      env: [{name: A, value: b}]\n"));
	assert_int_equal(load(&cfg, path, NULL, NULL), 0);
	fg_kube_config_free(cfg);
}

static void test_kube__in_cluster_reads_the_service_account(void **state)
{
	struct fg_kube_config_opts o = { 0 };
	struct fg_kube_config *cfg = NULL;
	char sa[256];

	snprintf(sa, sizeof(sa), "%s/sa", dir);
	assert_int_equal(mkdir(sa, 0700), 0);
	put("sa/token", TOKEN "-sa");
	put("sa/ca.crt", PEM);
	put("sa/namespace", "flink-jobs\n");
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	o.kubeconfig_env = "";
	o.home = dir;
	o.in_cluster_dir = sa;
	assert_int_equal(fg_kube_config_load(&cfg, &o), 0);
	assert_string_equal(fg_kube_config_server(cfg), "https://10.0.0.1:443");
	assert_string_equal(fg_kube_config_namespace(cfg), "flink-jobs");
	assert_string_equal(fg_kube_config_context(cfg), "in-cluster");
	assert_non_null(strstr(secrets, TOKEN "-sa|"));
	fg_kube_config_free(cfg);
	unsetenv("KUBERNETES_SERVICE_HOST");

	/* nothing at all */
	assert_int_equal(fg_kube_config_load(&cfg, &o), FG_ENOTFOUND);
	has(("no Kubernetes configuration"));
}

static void test_kube__status_becomes_code_and_message(void **state)
{
	static const char forbidden[] =
		"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
		"\"Failure\",\"message\":\"configmaps \\\"x\\\" is forbidden: "
		"User \\\"bob\\\" cannot patch resource \\\"configmaps\\\" in "
		"API group \\\"\\\" in the namespace \\\"n\\\"\",\"reason\":"
		"\"Forbidden\",\"code\":403}";
	static const char invalid[] =
		"{\"kind\":\"Status\",\"message\":\"FlinkDeployment "
		"\\\"f\\\" is invalid\",\"reason\":\"Invalid\",\"details\":"
		"{\"causes\":[{\"reason\":\"FieldValueInvalid\",\"message\":"
		"\"Invalid value: 0: must be greater than 0\",\"field\":"
		"\"spec.job.parallelism\"}]},\"code\":422}";

	static const char conflict[] =
		"{\"kind\":\"Status\",\"message\":\"Apply failed with 2 "
		"conflicts: conflicts with \\\"kubectl-edit\\\" using v1:\\n- "
		".data.a\",\"reason\":\"Conflict\",\"details\":{\"causes\":["
		"{\"reason\":\"FieldManagerConflict\",\"type\":"
		"\"FieldManagerConflict\",\"message\":\"conflict with "
		"\\\"kubectl-edit\\\" using v1\",\"field\":\".data.a\"},"
		"{\"type\":\"FieldManagerConflict\",\"message\":\"conflict "
		"with \\\"ops\\\" using v1\",\"field\":\".data.b\"}]},"
		"\"code\":409}";

	assert_int_equal(fg_kube_status_error(403, forbidden, strlen(forbidden),
					      "apply x"),
			 FG_EAUTH);
	assert_string_equal(fg_error_last(),
			    "apply x: configmaps \"x\" is forbidden: User "
			    "\"bob\" cannot patch resource \"configmaps\" in "
			    "API group \"\" in the namespace \"n\" "
			    "(Forbidden, HTTP 403)");
	assert_int_equal(
		fg_kube_status_error(422, invalid, strlen(invalid), "apply f"),
		FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "apply f: FlinkDeployment \"f\" is invalid; "
			    "spec.job.parallelism: Invalid value: 0: must be "
			    "greater than 0 (Invalid, HTTP 422)");
	assert_int_equal(fg_kube_status_error(404,
					      "{\"kind\":\"Status\","
					      "\"reason\":\"NotFound\"}",
					      37, "get y"),
			 FG_ENOTFOUND);
	assert_int_equal(fg_kube_status_error(409, NULL, 0, "z"), FG_ECONFLICT);
	/* a server-side apply conflict names each field and its manager */
	assert_int_equal(fg_kube_status_error(409, conflict, strlen(conflict),
					      "apply ConfigMap n/c"),
			 FG_ECONFLICT);
	assert_string_equal(fg_error_last(),
			    "apply ConfigMap n/c: conflict with other field "
			    "managers: .data.a (kubectl-edit), .data.b (ops) "
			    "(Conflict, HTTP 409)");
	assert_int_equal(fg_kube_status_error(401, "{}", 2, "z"), FG_EAUTH);
	has(("refused the credentials"));
	assert_int_equal(fg_kube_status_error(504, NULL, 0, "z"), FG_ETIMEOUT);
	assert_int_equal(fg_kube_status_error(400, "{}", 2, "z"), FG_EINVALID);
	/* not a Status: the first line of the text */
	assert_int_equal(
		fg_kube_status_error(502, "Bad gateway\nmore", 16, "get v"),
		FG_ERROR);
	assert_string_equal(fg_error_last(), "get v: Bad gateway (HTTP 502)");
}

static void
test_kube__backoff_grows_is_capped_and_honours_retry_after(void **state)
{
	unsigned a;

	/* equal jitter: between half and all of 250 ms * 2^(attempt-1) */
	assert_int_equal(fg_kube_backoff_ms(1, -1, 0), 125);
	assert_int_equal(fg_kube_backoff_ms(1, -1, 125), 250);
	assert_int_equal(fg_kube_backoff_ms(2, -1, 0), 250);
	assert_int_equal(fg_kube_backoff_ms(3, -1, 0), 500);
	for (a = 1; a < 40; a++) {
		long d = fg_kube_backoff_ms(a, -1, 0xffffffffu);

		assert_true(d >= 125 && d <= 8000);
	}
	assert_int_equal(fg_kube_backoff_ms(30, -1, 0), 4000);
	/* the server's Retry-After is a floor */
	assert_int_equal(fg_kube_backoff_ms(1, 3000, 7), 3000);
	assert_int_equal(fg_kube_parse_retry_after("3"), 3000);
	assert_int_equal(fg_kube_parse_retry_after(" 0 \r\n"), 0);
	assert_int_equal(
		fg_kube_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), -1);
	assert_int_equal(fg_kube_parse_retry_after("9999999"), -1);
	assert_int_equal(fg_kube_parse_retry_after(""), -1);
}

static void test_kube__times_parse_as_rfc3339(void **state)
{
	assert_int_equal(fg_kube_parse_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(fg_kube_parse_time("2026-11-27T11:04:05Z"),
			 1795777445LL);
	assert_int_equal(fg_kube_parse_time("2026-11-27T12:04:05.123+01:00"),
			 1795777445LL);
	assert_int_equal(fg_kube_parse_time("2026-11-27 11:04:05Z"), -1);
	assert_int_equal(fg_kube_parse_time("2026-13-01T00:00:00Z"), -1);
	assert_int_equal(fg_kube_parse_time("2026-11-27T11:04:05"), -1);
}

static void test_kube__paths_are_built_and_escaped(void **state)
{
	struct fg_kube_resource cm = { "", "v1", "ConfigMap", "configmaps", 1 };
	struct fg_kube_resource fd = { "flink.apache.org", "v1beta1",
				       "FlinkDeployment", "flinkdeployments",
				       1 };
	struct fg_kube_resource crd = { "apiextensions.k8s.io", "v1",
					"CustomResourceDefinition",
					"customresourcedefinitions", 0 };
	struct fg_buf b = FG_BUF_INIT;

	assert_int_equal(fg_kube_path(&b, &cm, "ns", "x", NULL), 0);
	assert_string_equal(b.ptr, "/api/v1/namespaces/ns/configmaps/x");
	fg_buf_clear(&b);
	assert_int_equal(fg_kube_path(&b, &fd, "a b", "f/g", "status"), 0);
	assert_string_equal(b.ptr, "/apis/flink.apache.org/v1beta1/namespaces/"
				   "a%20b/flinkdeployments/f%2Fg/status");
	fg_buf_clear(&b);
	/* cluster-scoped: the namespace does not apply */
	assert_int_equal(fg_kube_path(&b, &crd, "ns", NULL, NULL), 0);
	assert_string_equal(b.ptr, "/apis/apiextensions.k8s.io/v1/"
				   "customresourcedefinitions");
	assert_int_equal(
		fg_kube_query(&b, "labelSelector", "app=x,tier in (a)"), 0);
	assert_int_equal(fg_kube_query(&b, "limit", "100"), 0);
	assert_string_equal(b.ptr, "/apis/apiextensions.k8s.io/v1/"
				   "customresourcedefinitions?labelSelector="
				   "app%3Dx%2Ctier%20in%20%28a%29&limit=100");
	fg_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_kube__kubeconfig_gives_server_context_and_namespace),
		T(test_kube__kubeconfig_list_first_file_wins),
		T(test_kube__unknown_context_is_named),
		T(test_kube__bad_yaml_names_file_line_column),
		T(test_kube__bad_base64_names_user_and_field),
		T(test_kube__a_quote_left_open_is_not_echoed),
		T(test_kube__unreadable_certificate_names_field_and_path),
		T(test_kube__relative_files_are_read_from_the_file_folder),
		T(test_kube__not_pem_certificate_authority_is_refused),
		T(test_kube__insecure_warns_and_refuses_a_ca_with_it),
		T(test_kube__exec_needs_interactive_mode_in_v1),
		T(test_kube__in_cluster_reads_the_service_account),
		T(test_kube__status_becomes_code_and_message),
		T(test_kube__backoff_grows_is_capped_and_honours_retry_after),
		T(test_kube__times_parse_as_rfc3339),
		T(test_kube__paths_are_built_and_escaped),
#undef T
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
