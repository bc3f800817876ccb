/*
 * The command line as a user meets it: run the real binary, look at exit
 * code, stdout and stderr.
 *
 * usage: test_cli FLINK_GITOPS_BINARY EXAMPLE_REPOSITORY
 */
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdint.h>
#include <sys/wait.h>

#include "render/base/buf.h"
#include "render/base/banned.h"

static const char *binary;
static const char *example;

struct run {
	int code;
	struct fg_buf out, err;
};

static void drain(int fd, struct fg_buf *b)
{
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		assert_int_equal(fg_buf_add(b, chunk, (size_t)n), 0);
}

/* Run the binary with a NULL-terminated argument list. */
static void run(struct run *r, ...)
{
	const char *argv[32];
	int o[2], e[2], status, argc = 1;
	va_list ap;
	pid_t pid;

	argv[0] = binary;
	va_start(ap, r);
	while ((argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	fg_buf_init(&r->out, 0);
	fg_buf_init(&r->err, 0);
	assert_int_equal(pipe(o), 0);
	assert_int_equal(pipe(e), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		execv(binary, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	drain(o[0], &r->out); /* outputs are small: no deadlock */
	drain(e[0], &r->err);
	close(o[0]);
	close(e[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	r->code = WEXITSTATUS(status);
}

static void run_release(struct run *r)
{
	fg_buf_release(&r->out);
	fg_buf_release(&r->err);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_cli__version_prints_the_version(void **state)
{
	struct run r;

	run(&r, "--version", NULL);
	assert_int_equal(r.code, 0);
	assert_memory_equal(r.out.ptr, "flink-gitops ", 13);
	assert_non_null(strstr(r.out.ptr, "libgit2 "));
	run_release(&r);
	run(&r, "version", NULL);
	assert_int_equal(r.code, 0);
	assert_memory_equal(r.out.ptr, "flink-gitops ", 13);
	run_release(&r);
}

static void test_cli__help_lists_every_command(void **state)
{
	struct run r;

	run(&r, "--help", NULL);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out.ptr, "\n  scan "));
	assert_non_null(strstr(r.out.ptr, "\n  version "));
	assert_non_null(strstr(r.out.ptr, "\n  help "));
	run_release(&r);
}

static void test_cli__help_for_a_command(void **state)
{
	struct run r;

	run(&r, "help", "scan", NULL);
	assert_int_equal(r.code, 0);
	assert_memory_equal(r.out.ptr, "usage: flink-gitops scan", 24);
	run_release(&r);
	run(&r, "scan", "--help", NULL);
	assert_int_equal(r.code, 0);
	assert_memory_equal(r.out.ptr, "usage: flink-gitops scan", 24);
	run_release(&r);
}

static void test_cli__unknown_command_is_a_one_line_usage_error(void **state)
{
	struct run r;

	run(&r, "frobnicate", NULL);
	assert_int_equal(r.code, 64);
	assert_string_equal(r.err.ptr, "flink-gitops: 'frobnicate' is not a "
				       "command (see 'flink-gitops --help')\n");
	assert_string_equal(r.out.ptr, "");
	run_release(&r);
}

/* A usage error never shares its exit code with a result: a CI job can
 * tell a typo from drift (2) or a blocked change (3). */
static void test_cli__usage_errors_exit_64_with_one_line(void **state)
{
	static const char *const cases[][3] = {
		{ "--bogus", NULL, NULL },
		{ "--log-level", "loud", "scan" },
		{ "--log-format", "xml", "scan" },
		{ "scan", "--output", "yaml-ish" },
		{ "scan", "a", "b" },
		{ "help", "nope", NULL },
		{ "version", "extra", NULL },
		{ "plan", "--output", "yaml" },
		{ "plan", "--dry-run", NULL },
		{ "sync", "--self-heal", NULL },
		{ "sync", "--parallel", "0" },
		{ "drift", "--dry-run", NULL },
		{ "drift", "--bogus", NULL },
		{ "drift", "a", "b" },
		{ "sync", "--repository", "Not_A_Name" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;
		run(&r, cases[i][0], cases[i][1], cases[i][2], NULL);
		if (r.code != 64 || count_lines(r.err.ptr) != 1)
			fail_msg("case %zu: exit %d, stderr:\n%s", i, r.code,
				 r.err.ptr);
		assert_memory_equal(r.err.ptr, "flink-gitops: ", 14);
		run_release(&r);
	}
}

static void test_cli__no_command_shows_help_and_fails(void **state)
{
	struct run r;

	run(&r, NULL);
	assert_int_equal(r.code, 64);
	assert_non_null(strstr(r.out.ptr, "commands:"));
	run_release(&r);
}

static char repo[64];

static void put(const char *rel, const char *text)
{
	struct fg_buf p = FG_BUF_INIT;
	int fd;

	fg_buf_printf(&p, "%s/%s", repo, rel);
	if (strchr(rel, '/')) {
		struct fg_buf d = FG_BUF_INIT;
		fg_buf_printf(&d, "%s/%.*s", repo,
			      (int)(strchr(rel, '/') - rel), rel);
		mkdir(d.ptr, 0755);
		fg_buf_release(&d);
	}
	fd = open(p.ptr, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	fg_buf_release(&p);
}

static int make_repo(void **state)
{
	snprintf(repo, sizeof(repo), "/tmp/fg-cli-XXXXXX");
	if (!mkdtemp(repo))
		return -1;
	put("analytics/job.yaml",
	    "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\n"
	    "metadata:\n  name: fraud\n  namespace: analytics\n");
	put("analytics/broken.yaml", "a: 1\na: 2\n");
	put("sessions/two.yaml", "kind: ConfigMap\nmetadata: {name: a}\n"
				 "---\nkind: ConfigMap\nmetadata: {name: b}\n");
	return 0;
}

static int remove_repo(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", repo);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_cli__scan_lists_objects_and_reports_bad_files(void **state)
{
	struct run r;

	run(&r, "--log-level=off", "scan", repo, NULL);
	assert_int_equal(r.code, 1);
	assert_string_equal(r.err.ptr, "analytics/broken.yaml:2:1: error: "
				       "duplicate key \"a\" (first defined at "
				       "line 1)\n");
	assert_string_equal(r.out.ptr, "analytics/job.yaml:1\tFlinkDeployment\t"
				       "analytics/fraud\n"
				       "sessions/two.yaml:1\tConfigMap\ta\n"
				       "sessions/two.yaml:3\tConfigMap\tb\n"
				       "3 files, 3 objects, 1 error\n");
	run_release(&r);
}

static void test_cli__scan_json_output_and_json_logs(void **state)
{
	json_error_t je;
	json_t *o, *line;
	struct run r;

	run(&r, "--log-format=json", "--log-level=info", "scan", "-o", "json",
	    "--path", "sessions", repo, NULL);
	assert_int_equal(r.code, 0);
	o = json_loads(r.out.ptr, 0, &je);
	assert_non_null(o);
	assert_int_equal(json_array_size(json_object_get(o, "objects")), 2);
	assert_int_equal(json_array_size(json_object_get(o, "errors")), 0);
	json_decref(o);
	line = json_loads(r.err.ptr, JSON_DISABLE_EOF_CHECK, &je);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "event")),
			    "scan.done");
	assert_int_equal(json_integer_value(json_object_get(line, "objects")),
			 2);
	json_decref(line);
	run_release(&r);
}

static void test_cli__scan_of_a_missing_folder_fails_clearly(void **state)
{
	struct run r;

	run(&r, "scan", "/nonexistent/repo", NULL);
	assert_int_equal(r.code, 1);
	assert_string_equal(r.err.ptr,
			    "flink-gitops: scan: cannot open repository folder "
			    "'/nonexistent/repo': No such file or directory\n");
	run_release(&r);
}

static void test_cli__validate_the_example_repository(void **state)
{
	struct run r;

	run(&r, "--log-level=off", "validate", example, NULL);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out.ptr, "valid: 3 namespaces, 6 objects "
				       "(operator 1.15.0 CRDs)\n");
	assert_string_equal(r.err.ptr, "");
	run_release(&r);
}

static void test_cli__validate_reports_every_problem_and_exits_1(void **state)
{
	struct run r;

	put("typos/typo.yaml",
	    "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\n"
	    "metadata: {name: typo}\n"
	    "spec:\n  flinkVersion: v1_20\n  serviceAccount: flink\n"
	    "  jobManager: {resource: {memory: 1g, cpu: 1}}\n"
	    "  taskManager: {resource: {memory: 1g, cpu: 1}}\n"
	    "  job: {jarURI: 'local:///a.jar', paralellism: 2, "
	    "upgradeMode: stateless}\n");
	run(&r, "--log-level=off", "validate", "-n", "typos", repo, NULL);
	assert_int_equal(r.code, 1);
	/* the misspelt field is reported, and so is what it leaves unset */
	assert_string_equal(r.err.ptr,
			    "typos/typo.yaml:9:3: error: FlinkDeployment "
			    "typos/typo: spec.job: Job parallelism must be "
			    "larger than 0\n"
			    "typos/typo.yaml:9:35: error: FlinkDeployment "
			    "typos/typo: spec.job.paralellism: unknown field "
			    "\"spec.job.paralellism\"\n");
	assert_string_equal(r.out.ptr, "2 errors; 1 of 1 namespace invalid "
				       "(not applied, not pruned)\n");
	run_release(&r);
}

static void test_cli__validate_json_names_object_and_field(void **state)
{
	json_error_t je;
	json_t *o, *e;
	struct run r;

	put("cms/cm.yaml",
	    "apiVersion: flink.apache.org/v1beta1\nkind: ConfigMap\n"
	    "metadata: {name: cm}\n");
	run(&r, "--log-level=off", "validate", "-o", "json", "-n", "cms", repo,
	    NULL);
	assert_int_equal(r.code, 1);
	o = json_loads(r.out.ptr, 0, &je);
	assert_non_null(o);
	assert_true(json_is_false(json_object_get(o, "valid")));
	assert_int_equal(json_array_size(json_object_get(o, "errors")), 1);
	e = json_array_get(json_object_get(o, "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "message")),
			    "'flink.apache.org/v1beta1' is not the apiVersion "
			    "of ConfigMap ('v1')");
	assert_string_equal(json_string_value(json_object_get(e, "file")),
			    "cms/cm.yaml");
	assert_string_equal(json_string_value(json_object_get(e, "kind")),
			    "ConfigMap");
	assert_string_equal(json_string_value(json_object_get(e, "name")),
			    "cm");
	assert_string_equal(json_string_value(json_object_get(e, "field")),
			    "apiVersion");
	assert_int_equal(json_integer_value(json_object_get(e, "line")), 1);
	json_decref(o);
	run_release(&r);
}

/* The cluster may be managed elsewhere: a warning, not an error. */
static void test_cli__session_job_without_its_cluster_warns(void **state)
{
	struct run r;

	put("jobs/job.yaml",
	    "apiVersion: flink.apache.org/v1beta1\nkind: FlinkSessionJob\n"
	    "metadata: {name: etl}\nspec:\n  deploymentName: shared\n"
	    "  job: {jarURI: 'https://example.com/j.jar', parallelism: 1}\n");
	run(&r, "validate", "-n", "jobs", repo, NULL);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.err.ptr,
			    "jobs/job.yaml:5:3: warning: FlinkSessionJob "
			    "jobs/etl: spec.deploymentName: no FlinkDeployment "
			    "'shared' in this repository's namespace jobs: the "
			    "session cluster must exist in the cluster "
			    "(managed elsewhere), else sync holds the job "
			    "back\n");
	assert_string_equal(r.out.ptr, "valid: 1 namespace, 1 object (operator "
				       "1.15.0 CRDs), 1 warning\n");
	run_release(&r);
}

static void test_cli__render_prints_yaml_or_a_json_list(void **state)
{
	json_error_t je;
	json_t *o;
	struct run r;
	const char *p;
	int docs = 0;

	run(&r, "--log-level=off", "render", "-n", "sessions", example, NULL);
	assert_int_equal(r.code, 0);
	for (p = r.out.ptr; (p = strstr(p, "---\n")); p += 4)
		docs++;
	assert_int_equal(docs, 3);
	assert_non_null(strstr(r.out.ptr, "app.kubernetes.io/managed-by: "
					  "flink-gitops\n"));
	run_release(&r);
	run(&r, "--log-level=off", "render", "-o", "json", example, NULL);
	assert_int_equal(r.code, 0);
	o = json_loads(r.out.ptr, 0, &je);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "kind")),
			    "List");
	assert_int_equal(json_array_size(json_object_get(o, "items")), 6);
	json_decref(o);
	run_release(&r);
}

static void test_cli__unknown_crd_version_is_a_usage_error(void **state)
{
	struct run r;

	run(&r, "validate", "--crd-version", "9.9", example, NULL);
	assert_int_equal(r.code, 64);
	assert_string_equal(r.err.ptr,
			    "flink-gitops: validate: operator version '9.9' "
			    "is not bundled (bundled: 1.15.0, main) (see "
			    "'flink-gitops help validate')\n");
	run_release(&r);
}

static void test_cli__unknown_command_suggests_the_nearest(void **state)
{
	struct run r;

	run(&r, "plna", NULL);
	assert_int_equal(r.code, 64);
	assert_string_equal(r.err.ptr, "flink-gitops: 'plna' is not a command; "
				       "did you mean 'plan'? (see "
				       "'flink-gitops --help')\n");
	run_release(&r);
	run(&r, "help", "vaildate", NULL);
	assert_int_equal(r.code, 64);
	assert_non_null(strstr(r.err.ptr, "did you mean 'validate'?"));
	run_release(&r);
}

/* getopt_long would take --out for --output: a typo must not pass. */
static void test_cli__long_options_are_never_abbreviated(void **state)
{
	struct run r;

	run(&r, "plan", "--out", "json", example, NULL);
	assert_int_equal(r.code, 64);
	assert_string_equal(r.err.ptr,
			    "flink-gitops: plan: unknown option '--out'; did "
			    "you mean '--output'? (see 'flink-gitops help "
			    "plan')\n");
	run_release(&r);
	run(&r, "validate", "--name", "analytics", example, NULL);
	assert_int_equal(r.code, 64);
	assert_non_null(strstr(r.err.ptr, "did you mean '--namespace'?"));
	run_release(&r);
	run(&r, "--log-lev", "warn", "validate", example, NULL);
	assert_int_equal(r.code, 64);
	assert_non_null(strstr(r.err.ptr, "did you mean '--log-level'?"));
	run_release(&r);
}

static void test_cli__a_missing_option_value_says_so(void **state)
{
	struct run r;

	run(&r, "validate", "-n", NULL);
	assert_int_equal(r.code, 64);
	assert_string_equal(r.err.ptr, "flink-gitops: validate: option '-n' "
				       "needs a value (see 'flink-gitops help "
				       "validate')\n");
	run_release(&r);
	run(&r, "sync", "-n", "--dry-run", example, NULL);
	assert_int_equal(r.code, 64);
	assert_non_null(strstr(r.err.ptr, "-n needs a namespace, not the "
					  "option '--dry-run'"));
	run_release(&r);
	run(&r, "plan", example, "--output", NULL);
	assert_int_equal(r.code, 64);
	assert_non_null(strstr(r.err.ptr, "option '--output' needs a value"));
	run_release(&r);
}

static void test_cli__global_options_after_the_command(void **state)
{
	struct run r;

	run(&r, "validate", example, "--log-level", "off", NULL);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.err.ptr, "");
	run_release(&r);
	run(&r, "validate", "--log-format=json", example, "--log-level=info",
	    NULL);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.err.ptr, "\"event\":\"validate.done\""));
	run_release(&r);
}

/* A command prints its result once: no log lines below warnings. */
static void test_cli__a_command_prints_its_result_once(void **state)
{
	struct run r;

	run(&r, "validate", example, NULL);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out.ptr, "valid: 3 namespaces, 6 objects "
				       "(operator 1.15.0 CRDs)\n");
	assert_string_equal(r.err.ptr, "");
	run_release(&r);
}

static void test_cli__n_is_repeatable(void **state)
{
	struct run r;

	run(&r, "validate", "-n", "analytics", "-n", "sessions", example, NULL);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out.ptr, "valid: 2 namespaces, 5 objects "
				       "(operator 1.15.0 CRDs)\n");
	run_release(&r);
	run(&r, "render", "-n", "analytics", "--namespace=streaming", "-o",
	    "json", example, NULL);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out.ptr, "\"name\": \"fraud-detector\""));
	assert_non_null(strstr(r.out.ptr, "\"name\": \"clickstream\""));
	assert_non_null(strstr(r.out.ptr, "\"name\": \"payment-scoring\""));
	assert_null(strstr(r.out.ptr, "shared-session"));
	run_release(&r);
}

static void test_cli__n_naming_no_namespace_of_the_repo_fails(void **state)
{
	struct run r;

	run(&r, "validate", "-n", "analytcs", example, NULL);
	assert_int_equal(r.code, 1);
	assert_string_equal(r.out.ptr, "");
	assert_non_null(strstr(r.err.ptr, "namespace 'analytcs' is not in the "
					  "repository"));
	run_release(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli__version_prints_the_version),
		cmocka_unit_test(test_cli__help_lists_every_command),
		cmocka_unit_test(test_cli__help_for_a_command),
		cmocka_unit_test(
			test_cli__unknown_command_is_a_one_line_usage_error),
		cmocka_unit_test(test_cli__usage_errors_exit_64_with_one_line),
		cmocka_unit_test(test_cli__no_command_shows_help_and_fails),
		cmocka_unit_test_setup_teardown(
			test_cli__scan_lists_objects_and_reports_bad_files,
			make_repo, remove_repo),
		cmocka_unit_test_setup_teardown(
			test_cli__scan_json_output_and_json_logs, make_repo,
			remove_repo),
		cmocka_unit_test(
			test_cli__scan_of_a_missing_folder_fails_clearly),
		cmocka_unit_test(test_cli__validate_the_example_repository),
		cmocka_unit_test_setup_teardown(
			test_cli__validate_reports_every_problem_and_exits_1,
			make_repo, remove_repo),
		cmocka_unit_test_setup_teardown(
			test_cli__validate_json_names_object_and_field,
			make_repo, remove_repo),
		cmocka_unit_test(test_cli__render_prints_yaml_or_a_json_list),
		cmocka_unit_test_setup_teardown(
			test_cli__session_job_without_its_cluster_warns,
			make_repo, remove_repo),
		cmocka_unit_test(
			test_cli__unknown_crd_version_is_a_usage_error),
		cmocka_unit_test(
			test_cli__unknown_command_suggests_the_nearest),
		cmocka_unit_test(test_cli__long_options_are_never_abbreviated),
		cmocka_unit_test(test_cli__a_missing_option_value_says_so),
		cmocka_unit_test(test_cli__global_options_after_the_command),
		cmocka_unit_test(test_cli__a_command_prints_its_result_once),
		cmocka_unit_test(test_cli__n_is_repeatable),
		cmocka_unit_test(
			test_cli__n_naming_no_namespace_of_the_repo_fails),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: %s FLINK_GITOPS_BINARY EXAMPLE\n",
			argv[0]);
		return 2;
	}
	binary = argv[1];
	example = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
