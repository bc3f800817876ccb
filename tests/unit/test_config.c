/*
 * The agent's configuration file (agent/config.h): one table drives
 * parsing, defaults, bounds, the README's reference and the schema in
 * deploy/, and a bad file names the line and column of each problem.
 */
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"

#include "agent/config.h"
#include "render/base/buf.h"
#include "render/base/banned.h"

static const char *readme, *schema, *example;

#define HEAD                                     \
	"apiVersion: flink-gitops.io/v1alpha1\n" \
	"kind: AgentConfig\n"

static struct fg_agent_config *ok(const char *text)
{
	struct fg_agent_config *c = NULL;
	struct fg_buf e = FG_BUF_INIT;

	if (fg_agent_config_parse(&c, "agent.yaml", text, strlen(text), &e) < 0)
		fail_msg("unexpected errors:\n%s", e.ptr);
	fg_buf_release(&e);
	return c;
}

/* The errors of a bad file, one per line. */
static char *bad(const char *text)
{
	struct fg_agent_config *c = NULL;
	struct fg_buf e = FG_BUF_INIT;

	assert_int_equal(
		fg_agent_config_parse(&c, "agent.yaml", text, strlen(text), &e),
		FG_EINVALID);
	assert_null(c);
	return fg_buf_detach(&e, NULL);
}

static void test_config__defaults_fill_every_option(void **st)
{
	struct fg_agent_config *c =
		ok(HEAD "source: {url: \"git://h/r.git\"}\n");

	(void)st;
	assert_string_equal(c->ref, "main");
	assert_string_equal(c->path, "");
	assert_int_equal(c->interval_ms, 60000);
	assert_int_equal(c->timeout_ms, 120000);
	assert_string_equal(c->verify, "none");
	assert_false(c->self_heal);
	assert_false(c->prune);
	assert_true(c->git_report);
	assert_string_equal(c->git_branch, "flink-gitops/status");
	assert_true(c->git_notes);
	assert_true(c->annotations);
	assert_true(c->events);
	assert_string_equal(c->listen, "127.0.0.1:9090");
	assert_string_equal(c->state_dir, "/var/lib/flink-gitops");
	assert_false(c->le_enabled);
	assert_string_equal(c->le_namespace, "flink-gitops");
	assert_string_equal(c->le_name, "flink-gitops");
	assert_int_equal(c->le_duration_ms, 15000);
	assert_null(c->kubeconfig);
	assert_int_equal(c->nproposals, 0);
	fg_agent_config_free(c);
}

static void test_config__the_issue_s_shape_loads(void **st)
{
	struct fg_agent_config *c =
		ok(HEAD
		   "source: {url: ssh://git@host/repo.git, ref: main, path: "
		   "envs/prod, interval: 1m, timeout: 2m, auth: {sshKeyFile: "
		   "/k}, verify: {mode: head, allowedSigners: /s}, proposals: "
		   "[\"refs/pull/*/head\", \"proposals/*\"]}\n"
		   "cluster: {kubeconfig: /path, context: name}\n"
		   "sync: {prune: true, selfHeal: false}\n"
		   "reports: {git: {branch: flink-gitops/status, notes: true}, "
		   "annotations: true, events: true}\n"
		   "listen: 127.0.0.1:9090\n"
		   "webhook: {secretFile: /path}\n"
		   "stateDir: /var/lib/flink-gitops\n"
		   "leaderElection: {enabled: false, namespace: flink-gitops, "
		   "name: flink-gitops}\n");

	(void)st;
	assert_string_equal(c->url, "ssh://git@host/repo.git");
	assert_string_equal(c->path, "envs/prod");
	assert_string_equal(c->verify, "head");
	assert_int_equal(c->nproposals, 2);
	assert_string_equal(c->proposals[0], "refs/pull/*/head");
	assert_string_equal(c->context, "name");
	assert_true(c->prune);
	assert_string_equal(c->webhook_secret_file, "/path");
	fg_agent_config_free(c);
}

static void test_config__unknown_field_names_its_line_and_column(void **st)
{
	char *e = bad(HEAD "source:\n  url: git://h/r.git\n  intervall: 1m\n");

	(void)st;
	assert_string_equal(e, "agent.yaml:5:3: error: unknown field "
			       "\"source.intervall\"\n");
	free(e);
}

static void test_config__every_problem_at_once(void **st)
{
	char *e = bad(HEAD "source: {url: git://h/r.git, interval: 1x}\n"
			   "sync: {selfHeal: maybe, parallel: 999}\n"
			   "listen: localhost:80\n"
			   "leaderElection: {name: Bad_Name}\n");

	(void)st;
	assert_non_null(strstr(e, "agent.yaml:3:40: error: source.interval: "
				  "'1x' is no duration"));
	assert_non_null(strstr(e, "agent.yaml:4:18: error: sync.selfHeal: want "
				  "true or false"));
	assert_non_null(strstr(e, "agent.yaml:4:35: error: sync.parallel: "
				  "want an integer from 1 to 64"));
	assert_non_null(strstr(e, "agent.yaml:5:9: error: listen: "
				  "'localhost:80': the host must be an IP "
				  "address"));
	assert_non_null(strstr(e, "leaderElection.name: 'Bad_Name' is not a "
				  "name"));
	free(e);
}

static void test_config__namespaces_are_names_each_once(void **st)
{
	struct fg_agent_config *c =
		ok(HEAD "source: {url: git://h/r.git}\n"
			"cluster: {operatorNamespace: flink-operator}\n"
			"sync: {namespaces: [analytics, sessions]}\n");
	char *e;

	(void)st;
	assert_int_equal(c->nnamespaces, 2);
	assert_string_equal(c->namespaces[1], "sessions");
	assert_string_equal(c->operator_ns, "flink-operator");
	fg_agent_config_free(c);
	e = bad(HEAD "source: {url: git://h/r.git}\n"
		     "sync: {namespaces: [analytics, Team_A, analytics]}\n");
	assert_non_null(strstr(e, "agent.yaml:4:32: error: sync.namespaces: "
				  "item 1: 'Team_A' is not a name"));
	assert_non_null(strstr(e, "agent.yaml:4:40: error: sync.namespaces: "
				  "item 2: 'analytics' twice"));
	free(e);
}

static void test_config__bounds_are_checked(void **st)
{
	char *e = bad(HEAD "source: {url: u, interval: 10h, timeout: 0s}\n");

	(void)st;
	assert_non_null(strstr(e, "source.timeout: '0s' is out of bounds "
				  "(1s to 3600s)"));
	free(e);
	e = bad(HEAD "source: {url: u, interval: 25h}\n");
	assert_non_null(strstr(e, "source.interval: '25h' is out of bounds"));
	free(e);
}

static void test_config__required_and_cross_checks(void **st)
{
	char *e = bad(HEAD "sync: {}\n");

	(void)st;
	assert_non_null(strstr(e, "source.url: required"));
	free(e);
	e = bad(HEAD "source: {url: u, verify: {mode: head}}\n");
	assert_non_null(strstr(e, "head needs source.verify.allowedSigners"));
	free(e);
	e = bad("apiVersion: v1\nkind: ConfigMap\nsource: {url: u}\n");
	assert_non_null(strstr(e, "agent.yaml:1:13: error: apiVersion: want "
				  "flink-gitops.io/v1alpha1"));
	assert_non_null(strstr(e, "kind: want AgentConfig"));
	free(e);
}

static void test_config__yaml_errors_keep_their_position(void **st)
{
	char *e = bad(HEAD "source: {url: u\n");

	(void)st;
	assert_non_null(strstr(e, "agent.yaml:"));
	free(e);
	e = bad(HEAD "source: {url: u}\n---\n" HEAD);
	assert_non_null(strstr(e, "want one YAML document"));
	free(e);
}

static void test_config__durations(void **st)
{
	long long ms;

	(void)st;
	assert_int_equal(fg_parse_duration_ms("90s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(fg_parse_duration_ms("1h30m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(fg_parse_duration_ms("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(fg_parse_duration_ms("60", &ms), 0);
	assert_int_equal(ms, 60000);
	assert_int_equal(fg_parse_duration_ms("1d", &ms), FG_EINVALID);
	assert_int_equal(fg_parse_duration_ms("", &ms), FG_EINVALID);
	assert_int_equal(fg_parse_duration_ms("99999999999h", &ms),
			 FG_EINVALID);
}

static void test_config__listen_addresses(void **st)
{
	char host[64];
	int port;

	(void)st;
	assert_int_equal(
		fg_parse_listen("127.0.0.1:9090", host, sizeof(host), &port),
		0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9090);
	assert_int_equal(fg_parse_listen("[::1]:0", host, sizeof(host), &port),
			 0);
	assert_string_equal(host, "::1");
	assert_int_equal(fg_parse_listen(":80", host, sizeof(host), &port), 0);
	assert_string_equal(host, "");
	assert_int_equal(fg_parse_listen("h:80", host, sizeof(host), &port),
			 FG_EINVALID);
	assert_int_equal(
		fg_parse_listen("1.2.3.4:70000", host, sizeof(host), &port),
		FG_EINVALID);
}

static char *slurp(const char *path)
{
	struct fg_buf b = FG_BUF_INIT;

	if (fg_buf_read_file(&b, path) < 0)
		fail_msg("%s", fg_error_last());
	return fg_buf_detach(&b, NULL);
}

/* The README's table and the schema in deploy/ are the table's. */
static void test_config__docs_are_generated_from_the_table(void **st)
{
	struct fg_buf ref = FG_BUF_INIT, sch = FG_BUF_INIT;
	char *text;
	struct fg_agent_config *c = NULL;
	struct fg_buf e = FG_BUF_INIT;

	(void)st;
	assert_int_equal(fg_agent_config_reference(&ref), 0);
	text = slurp(readme);
	if (!strstr(text, ref.ptr))
		fail_msg("README.md lacks the generated option table; paste "
			 "`flink-gitops run --config-reference`:\n%s",
			 ref.ptr);
	free(text);
	assert_int_equal(fg_agent_config_schema(&sch), 0);
	text = slurp(schema);
	if (strcmp(text, sch.ptr))
		fail_msg("%s is not `flink-gitops run --config-schema`",
			 schema);
	free(text);
	/* and the example is valid */
	if (fg_agent_config_load(&c, example, &e) < 0)
		fail_msg("%s", e.ptr);
	fg_agent_config_free(c);
	fg_buf_release(&e);
	fg_buf_release(&ref);
	fg_buf_release(&sch);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config__defaults_fill_every_option),
		cmocka_unit_test(test_config__the_issue_s_shape_loads),
		cmocka_unit_test(
			test_config__unknown_field_names_its_line_and_column),
		cmocka_unit_test(test_config__every_problem_at_once),
		cmocka_unit_test(test_config__namespaces_are_names_each_once),
		cmocka_unit_test(test_config__bounds_are_checked),
		cmocka_unit_test(test_config__required_and_cross_checks),
		cmocka_unit_test(test_config__yaml_errors_keep_their_position),
		cmocka_unit_test(test_config__durations),
		cmocka_unit_test(test_config__listen_addresses),
		cmocka_unit_test(
			test_config__docs_are_generated_from_the_table),
	};

	if (argc != 4) {
		fprintf(stderr, "usage: %s README SCHEMA EXAMPLE\n", argv[0]);
		return 2;
	}
	readme = argv[1];
	schema = argv[2];
	example = argv[3];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
