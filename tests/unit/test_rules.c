/*
 * The operator's validator rules (render/rules.h): every rule broken once,
 * with the operator's exact message and the pointer of the node to fix,
 * and every upstream example passing.
 *
 * The operator examples are read from argv[1]/examples (tests/operator/
 * in the tree).
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/problems.h"
#include "render/rules.h"
#include "render/yaml.h"
#include "render/base/banned.h"

static const char *anchors;

/* ---- helpers ----------------------------------------------------------------- */

/*
 * The operator's flattening of flinkConfiguration (ConfigObjectNode):
 * nested maps joined with '.', lists joined with ';'. The real one lives
 * in render/; this copy keeps the test about rules only.
 */
static void flatten_into(json_t *out, const char *prefix, json_t *v)
{
	const char *key;
	json_t *child;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach (v, key, child) {
			struct fg_buf k = FG_BUF_INIT;
			if (prefix)
				assert_int_equal(
					fg_buf_printf(&k, "%s.%s", prefix, key),
					0);
			else
				assert_int_equal(fg_buf_puts(&k, key), 0);
			flatten_into(out, k.ptr, child);
			fg_buf_release(&k);
		}
	} else if (json_is_array(v)) {
		struct fg_buf joined = FG_BUF_INIT;
		char tmp[64];
		json_array_foreach (v, i, child) {
			const char *t =
				fg_flink_conf_text(child, tmp, sizeof(tmp));
			assert_non_null(t);
			assert_int_equal(
				fg_buf_printf(&joined, "%s%s", i ? ";" : "", t),
				0);
		}
		json_object_set_new(out, prefix, json_string(joined.ptr));
		fg_buf_release(&joined);
	} else if (!json_is_null(v)) {
		json_object_set(out, prefix, v);
	}
}

static void flatten_conf(json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec");
	json_t *conf = json_object_get(spec, "flinkConfiguration"), *flat;

	if (!json_is_object(conf))
		return;
	flat = json_object();
	assert_non_null(flat);
	flatten_into(flat, NULL, conf);
	json_object_set_new(spec, "flinkConfiguration", flat);
}

static json_t *load(const char *yaml)
{
	struct fg_yaml_file *f = NULL;
	json_t *doc;

	if (fg_yaml_load(&f, "test.yaml", yaml, strlen(yaml), NULL, NULL))
		fail_msg("%s", fg_error_last());
	assert_int_equal(fg_yaml_count(f), 1);
	doc = fg_yaml_doc_take(f, 0);
	fg_yaml_file_free(f);
	flatten_conf(doc);
	return doc;
}

/* Set (v != NULL, stolen) or delete the node at `pointer`, making maps. */
static void put(json_t *obj, const char *pointer, json_t *v)
{
	char tok[256];
	const char *p = pointer;
	json_t *cur = obj;

	assert_true(*p == '/');
	for (;;) {
		size_t n = 0;
		p++;
		while (*p && *p != '/') {
			char ch = *p++;
			if (ch == '~')
				ch = *p++ == '1' ? '/' : '~';
			assert_true(n < sizeof(tok) - 1);
			tok[n++] = ch;
		}
		tok[n] = '\0';
		if (!*p)
			break;
		json_t *next = json_object_get(cur, tok);
		if (!json_is_object(next)) {
			next = json_object();
			json_object_set_new(cur, tok, next);
		}
		cur = next;
	}
	if (v)
		json_object_set_new(cur, tok, v);
	else
		json_object_del(cur, tok);
}

struct want {
	const char *pointer;
	const char *message;
};

/* The operator release whose rules apply: NULL (1.15.0) or "main". */
static const char *version;

static void expect_problems(const struct fg_problems *p, size_t n,
			    const struct want *w)
{
	int same = p->n == n;

	for (size_t i = 0; same && i < n; i++)
		same = !strcmp(p->v[i].pointer, w[i].pointer) &&
		       !strcmp(p->v[i].message, w[i].message);
	if (!same) {
		print_error("expected %zu problem(s), got %zu:\n", n, p->n);
		for (size_t i = 0; i < p->n; i++)
			print_error("  %s: %s\n", p->v[i].pointer,
				    p->v[i].message);
	}
	assert_true(same);
}

static void expect_with(const json_t *obj, const json_t *defaults, size_t n,
			const struct want *w)
{
	struct fg_problems p = FG_PROBLEMS_INIT;
	struct fg_rules_opts o = { version, defaults, NULL, 0 };
	int same;

	assert_int_equal(fg_rules_check_opts(obj, &o, &p), 0);
	same = p.n == n;
	for (size_t i = 0; same && i < n; i++)
		same = !strcmp(p.v[i].pointer, w[i].pointer) &&
		       !strcmp(p.v[i].message, w[i].message);
	if (!same) {
		print_error("expected %zu problem(s), got %zu:\n", n, p.n);
		for (size_t i = 0; i < p.n; i++)
			print_error("  %s: %s\n", p.v[i].pointer,
				    p.v[i].message);
	}
	assert_true(same);
	fg_problems_release(&p);
}

static void expect(const json_t *obj, size_t n, const struct want *w)
{
	expect_with(obj, NULL, n, w);
}

static void expect_one(const json_t *obj, const char *pointer,
		       const char *message)
{
	struct want w = { pointer, message };

	expect(obj, 1, &w);
}

static void expect_none(const json_t *obj)
{
	expect(obj, 0, NULL);
}

/* The same with the rules of the operator's main branch. */
static void expect_main(const json_t *obj, size_t n, const struct want *w)
{
	version = "main";
	expect(obj, n, w);
	version = NULL;
}

static void expect_main_one(const json_t *obj, const char *pointer,
			    const char *message)
{
	struct want w = { pointer, message };

	expect_main(obj, 1, &w);
}

#define NAME_MSG(name)                                                     \
	"The FlinkDeployment name: " name                                  \
	" is invalid, must consist of lower case alphanumeric characters " \
	"or '-', start with an alphabetic character, and end with an "     \
	"alphanumeric character (e.g. 'my-name',  or 'abc-123'), and the " \
	"length must be no more than 45 characters."

static const char deployment_yaml[] =
	"apiVersion: flink.apache.org/v1beta1\n"
	"kind: FlinkDeployment\n"
	"metadata:\n"
	"  name: basic-example\n"
	"  namespace: team-a\n"
	"spec:\n"
	"  image: flink:2.2\n"
	"  flinkVersion: v2_2\n"
	"  serviceAccount: flink\n"
	"  flinkConfiguration:\n"
	"    taskmanager.numberOfTaskSlots: \"2\"\n"
	"  jobManager:\n"
	"    resource:\n"
	"      memory: \"2048m\"\n"
	"      cpu: 1\n"
	"  taskManager:\n"
	"    resource:\n"
	"      memory: \"2048m\"\n"
	"      cpu: 1\n"
	"  job:\n"
	"    jarURI: "
	"local:///opt/flink/examples/streaming/StateMachineExample.jar\n"
	"    parallelism: 2\n"
	"    upgradeMode: stateless\n";

static const char session_job_yaml[] =
	"apiVersion: flink.apache.org/v1beta1\n"
	"kind: FlinkSessionJob\n"
	"metadata:\n"
	"  name: basic-session-job-example\n"
	"spec:\n"
	"  deploymentName: basic-session-deployment-example\n"
	"  job:\n"
	"    jarURI: "
	"https://repo1.maven.org/maven2/org/apache/flink/"
	"flink-examples-streaming_2.12/1.16.1/"
	"flink-examples-streaming_2.12-1.16.1-TopSpeedWindowing.jar\n"
	"    parallelism: 4\n"
	"    upgradeMode: stateless\n";

static const char snapshot_yaml[] = "apiVersion: flink.apache.org/v1beta1\n"
				    "kind: FlinkStateSnapshot\n"
				    "metadata:\n"
				    "  name: example-savepoint\n"
				    "spec:\n"
				    "  backoffLimit: 1\n"
				    "  jobReference:\n"
				    "    kind: FlinkDeployment\n"
				    "    name: example-deployment\n"
				    "  savepoint:\n"
				    "    path: /flink-data/savepoints\n";

static json_t *deployment(void)
{
	return load(deployment_yaml);
}

static json_t *session_job(void)
{
	return load(session_job_yaml);
}

static json_t *snapshot(void)
{
	return load(snapshot_yaml);
}

#define CONF "/spec/flinkConfiguration/"

/* ---- FlinkDeployment ------------------------------------------------------------ */

static void test_rules__valid_deployment_has_no_problems(void **state)
{
	(void)state;
	json_t *d = deployment();

	expect_none(d);
	json_decref(d);
}

static void test_rules__deployment_name_must_match_the_pattern(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/metadata/name", json_string("Bad_Name"));
	expect_one(d, "/metadata/name", NAME_MSG("Bad_Name"));
	json_decref(d);
}

static void test_rules__deployment_name_longer_than_45_is_refused(void **state)
{
	(void)state;
	json_t *d = deployment();
	const char *n46 = "a23456789012345678901234567890123456789012345x";

	put(d, "/metadata/name", json_string(n46));
	expect_one(d, "/metadata/name",
		   NAME_MSG("a23456789012345678901234567890123456789012345x"));
	json_decref(d);
}

static void test_rules__flink_version_is_required(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/flinkVersion", NULL);
	expect_one(d, "/spec", "Flink Version must be defined.");
	json_decref(d);
}

static void test_rules__flink_version_before_1_15_is_unsupported(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/flinkVersion", json_string("v1_14"));
	expect_one(d, "/spec/flinkVersion",
		   "Flink version v1_14 is not supported by this operator "
		   "version");
	json_decref(d);
}

static void test_rules__forbidden_config_key_is_refused(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "kubernetes.namespace", json_string("other"));
	expect_one(d, CONF "kubernetes.namespace",
		   "Forbidden Flink config key: kubernetes.namespace");
	json_decref(d);
}

static void test_rules__every_forbidden_key_is_reported_in_order(void **state)
{
	(void)state;
	json_t *d = deployment();
	struct want w[] = {
		{ CONF "kubernetes.cluster-id",
		  "Forbidden Flink config key: kubernetes.cluster-id" },
		{ CONF "high-availability.cluster-id",
		  "Forbidden Flink config key: high-availability.cluster-id" },
	};

	put(d, CONF "high-availability.cluster-id", json_string("x"));
	put(d, CONF "kubernetes.cluster-id", json_string("y"));
	expect(d, 2, w);
	json_decref(d);
}

static void test_rules__rollback_requires_ha(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "kubernetes.operator.deployment.rollback.enabled",
	    json_string("true"));
	expect_one(d, CONF "kubernetes.operator.deployment.rollback.enabled",
		   "HA must be enabled for rollback support.");
	json_decref(d);
}

static void test_rules__legacy_ha_key_enables_ha(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "kubernetes.operator.deployment.rollback.enabled",
	    json_true());
	put(d, CONF "high-availability", json_string("kubernetes"));
	expect_none(d);
	json_decref(d);
}

static void test_rules__ha_type_standalone_means_no_ha(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "kubernetes.operator.deployment.rollback.enabled",
	    json_true());
	put(d, CONF "high-availability.type", json_string("standalone"));
	expect_one(d, CONF "kubernetes.operator.deployment.rollback.enabled",
		   "HA must be enabled for rollback support.");
	json_decref(d);
}

static void test_rules__health_check_requires_deployment_recovery(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "kubernetes.operator.cluster.health-check.enabled",
	    json_string("true"));
	put(d, CONF "kubernetes.operator.jm-deployment-recovery.enabled",
	    json_string("false"));
	expect_one(
		d, CONF "kubernetes.operator.jm-deployment-recovery.enabled",
		"Deployment recovery "
		"(kubernetes.operator.jm-deployment-recovery.enabled) must be "
		"enabled for job health check "
		"(kubernetes.operator.cluster.health-check.enabled) support.");
	json_decref(d);
}

static void test_rules__ingress_requires_a_template(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/ingress/className", json_string("nginx"));
	expect_one(d, "/spec/ingress", "Ingress template must be defined");
	json_decref(d);
}

static void test_rules__ingress_template_must_make_a_valid_url(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/ingress/template",
	    json_string("{{name}}.example.com:http"));
	expect_one(d, "/spec/ingress/template",
		   "Unable to process the Ingress "
		   "template({{name}}.example.com:http). Error: Error at index "
		   "0 in: \"http\"");
	json_decref(d);
}

static void test_rules__ingress_template_may_be_a_path(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/ingress/template",
	    json_string("/{{namespace}}/{{name}}(/|$)(.*)"));
	expect_none(d);
	json_decref(d);
}

static void test_rules__log_config_keys_are_limited(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/logConfiguration/log4j.properties", json_string("x"));
	expect_one(d, "/spec/logConfiguration/log4j.properties",
		   "Invalid log config key: log4j.properties. Allowed keys are "
		   "[log4j-console.properties, logback-console.xml]");
	json_decref(d);
}

static void test_rules__stateful_upgrade_needs_checkpoint_dir(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/job/upgradeMode", json_string("last-state"));
	expect_one(d, "/spec/job/upgradeMode",
		   "Checkpoint directory[execution.checkpointing.dir] must be "
		   "defined for last-state and savepoint upgrade modes");
	json_decref(d);
}

static void test_rules__deprecated_checkpoint_dir_key_counts(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/job/upgradeMode", json_string("last-state"));
	put(d, CONF "state.checkpoints.dir", json_string("s3://b/cp"));
	expect_none(d);
	json_decref(d);
}

static void test_rules__savepoint_upgrade_needs_savepoint_dir(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/job/upgradeMode", json_string("savepoint"));
	put(d, CONF "execution.checkpointing.dir", json_string("s3://b/cp"));
	put(d, CONF "state.savepoints.dir", json_string("   "));
	expect_one(d, "/spec/job/upgradeMode",
		   "Job could not be upgraded with savepoint while config "
		   "key[execution.checkpointing.savepoint-dir] is not set");
	json_decref(d);
}

static void test_rules__manual_savepoint_needs_savepoint_dir(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/job/savepointTriggerNonce", json_integer(1));
	expect_one(d, "/spec/job/savepointTriggerNonce",
		   "Savepoint could not be manually triggered for the running "
		   "job while config "
		   "key[execution.checkpointing.savepoint-dir] is not set");
	json_decref(d);
}

static void test_rules__periodic_savepoints_need_savepoint_dir(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "kubernetes.operator.periodic.savepoint.interval",
	    json_string("1h"));
	expect_one(d, CONF "kubernetes.operator.periodic.savepoint.interval",
		   "Periodic savepoints cannot be enabled when config "
		   "key[execution.checkpointing.savepoint-dir] is not set");
	json_decref(d);
}

static void test_rules__max_checkpoint_age_needs_savepoint_dir(void **state)
{
	(void)state;
	json_t *d = deployment();
	const char *key = "kubernetes.operator.job.upgrade.last-state.max."
			  "allowed.checkpoint.age";
	struct fg_buf p = FG_BUF_INIT;

	assert_int_equal(fg_buf_printf(&p, CONF "%s", key), 0);
	put(d, p.ptr, json_string("5 min"));
	expect_one(d, p.ptr,
		   "In order to use max-checkpoint age functionality config "
		   "key[execution.checkpointing.savepoint-dir] must be set to "
		   "allow triggering savepoint upgrades.");
	fg_buf_release(&p);
	json_decref(d);
}

static void test_rules__job_parallelism_must_be_positive(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/job/parallelism", json_integer(0));
	expect_one(d, "/spec/job/parallelism",
		   "Job parallelism must be larger than 0");
	json_decref(d);
}

static void test_rules__missing_parallelism_counts_as_zero(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/job/parallelism", NULL);
	expect_one(d, "/spec/job", "Job parallelism must be larger than 0");
	json_decref(d);
}

static void test_rules__tm_replicas_stand_in_for_parallelism(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/job/parallelism", NULL);
	put(d, "/spec/taskManager/replicas", json_integer(2));
	expect_none(d);
	json_decref(d);
}

static void test_rules__tm_replicas_must_be_positive(void **state)
{
	(void)state;
	json_t *d = deployment();
	struct want w[] = {
		{ "/spec/taskManager/replicas",
		  "TaskManager replicas must be larger than 0" },
		{ "/spec/taskManager/replicas",
		  "TaskManager replicas should not be configured less than "
		  "one." },
	};

	put(d, "/spec/taskManager/replicas", json_integer(0));
	expect(d, 2, w);
	json_decref(d);
}

static void
test_rules__session_cluster_tm_replicas_must_be_positive(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/job", NULL);
	put(d, "/spec/taskManager/replicas", json_integer(0));
	expect_one(
		d, "/spec/taskManager/replicas",
		"TaskManager replicas should not be configured less than one.");
	json_decref(d);
}

static void test_rules__jm_memory_must_be_defined(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/jobManager/resource/memory", NULL);
	expect_one(d, "/spec/jobManager",
		   "JobManager resource memory must be defined using "
		   "`spec.jobManager.resource.memory`");
	expect_main_one(d, "/spec/jobManager",
			"JobManager resource memory must be defined using "
			"`spec.jobManager.resource.memory` or "
			"`spec.jobManager.resources.requests.memory`");
	json_decref(d);
}

static void test_rules__jm_memory_may_come_from_flink_config(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/jobManager/resource/memory", NULL);
	put(d, CONF "jobmanager.memory.process.size", json_string("1600m"));
	expect_none(d);
	json_decref(d);
}

static void test_rules__tm_memory_must_be_defined(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/taskManager", NULL);
	expect_one(d, "/spec",
		   "TaskManager resource memory must be defined using "
		   "`spec.taskManager.resource.memory`");
	expect_main_one(d, "/spec",
			"TaskManager resource memory must be defined using "
			"`spec.taskManager.resource.memory` or "
			"`spec.taskManager.resources.requests.memory`");
	json_decref(d);
}

static void test_rules__resource_memory_must_parse(void **state)
{
	(void)state;
	json_t *d = deployment();

	/* MemorySize fails, then fabric8 reads "2BANANAS" as a number */
	put(d, "/spec/jobManager/resource/memory", json_string("2 bananas"));
	expect_one(d, "/spec/jobManager/resource/memory",
		   "JobManager resource memory parse error: Character B is "
		   "neither a decimal digit number, decimal point, nor \"e\" "
		   "notation exponential mark.");
	put(d, "/spec/jobManager/resource/memory", json_string("invalid"));
	expect_one(d, "/spec/jobManager/resource/memory",
		   "JobManager resource memory parse error: Character I is "
		   "neither a decimal digit number, decimal point, nor \"e\" "
		   "notation exponential mark.");
	/* the exact bytes of 1.5Gi print as "1610612736.0" */
	put(d, "/spec/jobManager/resource/memory", json_string("1.5Gi"));
	expect_one(d, "/spec/jobManager/resource/memory",
		   "JobManager resource memory parse error: Memory size unit "
		   "'.0' does not match any of the recognized units: (b | "
		   "bytes) / (k | kb | kibibytes) / (m | mb | mebibytes) / (g "
		   "| gb | gibibytes) / (t | tb | tebibytes)");
	/* 2^60 rounded to 16 digits: "1.152921504606847E+18" */
	put(d, "/spec/jobManager/resource/memory", json_string("1Ei"));
	expect_one(d, "/spec/jobManager/resource/memory",
		   "JobManager resource memory parse error: Memory size unit "
		   "'.152921504606847e+18' does not match any of the "
		   "recognized units: (b | bytes) / (k | kb | kibibytes) / (m "
		   "| mb | mebibytes) / (g | gb | gibibytes) / (t | tb | "
		   "tebibytes)");
	json_decref(d);
}

static void test_rules__resource_memory_accepts_kubernetes_units(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/jobManager/resource/memory", json_string("1536Mi"));
	put(d, "/spec/taskManager/resource/memory", json_string("2gib"));
	expect_none(d);
	put(d, "/spec/taskManager/resource/memory", json_string("1E3"));
	expect_none(d);
	json_decref(d);
}

static void test_rules__ephemeral_storage_must_parse(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/taskManager/resource/ephemeralStorage",
	    json_string("10 GB"));
	expect_one(d, "/spec/taskManager/resource/ephemeralStorage",
		   "TaskManager resource ephemeral storage parse error: "
		   "Character   is neither a decimal digit number, decimal "
		   "point, nor \"e\" notation exponential mark.");
	put(d, "/spec/jobManager/resource/ephemeralStorage",
	    json_string("abc"));
	put(d, "/spec/taskManager/resource/ephemeralStorage",
	    json_string("1.2.3Gi"));
	{
		struct want w[] = {
			{ "/spec/jobManager/resource/ephemeralStorage",
			  "JobManager resource ephemeral storage parse error: "
			  "Character a is neither a decimal digit number, "
			  "decimal point, nor \"e\" notation exponential "
			  "mark." },
			{ "/spec/taskManager/resource/ephemeralStorage",
			  "TaskManager resource ephemeral storage parse error: "
			  "Character array contains more than one decimal "
			  "point." },
		};
		expect(d, 2, w);
	}
	json_decref(d);
}

static void test_rules__requirements_memory_must_parse(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/jobManager/resource", NULL);
	put(d, "/spec/jobManager/resources/requests/memory",
	    json_string("lots"));
	expect_main_one(
		d, "/spec/jobManager/resources/requests/memory",
		"JobManager resource requirements requests memory parse "
		"error: Character L is neither a decimal digit number, "
		"decimal point, nor \"e\" notation exponential mark.");
	json_decref(d);
}

static void test_rules__requirements_memory_must_be_positive(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/jobManager/resource", NULL);
	put(d, "/spec/jobManager/resources/limits/memory", json_string("0"));
	expect_main_one(
		d, "/spec/jobManager/resources/limits/memory",
		"JobManager resource requirements limits memory must be "
		"positive: 0");
	json_decref(d);
}

static void test_rules__requirements_cpu_must_be_positive(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/taskManager/resources/requests/cpu", json_string("0m"));
	expect_main_one(
		d, "/spec/taskManager/resources/requests/cpu",
		"TaskManager resource requirements requests cpu must be "
		"positive: 0m");
	json_decref(d);
}

static void test_rules__other_requirements_must_not_be_negative(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/taskManager/resources/limits/ephemeral-storage",
	    json_string("-1Gi"));
	expect_main_one(
		d, "/spec/taskManager/resources/limits/ephemeral-storage",
		"TaskManager resource requirements limits ephemeral-storage "
		"must not be negative: -1Gi");
	json_decref(d);
}

static void test_rules__request_must_not_exceed_limit(void **state)
{
	(void)state;
	json_t *d = deployment();
	struct want w[] = {
		{ "/spec/taskManager/resources/requests/cpu",
		  "TaskManager resource requirements cpu request (2) must not "
		  "exceed its limit (500m)" },
		{ "/spec/taskManager/resources/requests/memory",
		  "TaskManager resource requirements memory request (4g) must "
		  "not exceed its limit (2048m)" },
	};

	put(d, "/spec/taskManager/resource", NULL);
	put(d, "/spec/taskManager/resources/requests/cpu", json_integer(2));
	put(d, "/spec/taskManager/resources/limits/cpu", json_string("500m"));
	put(d, "/spec/taskManager/resources/requests/memory",
	    json_string("4g"));
	put(d, "/spec/taskManager/resources/limits/memory",
	    json_string("2048m"));
	expect_main(d, 2, w);
	json_decref(d);
}

static void
test_rules__requirements_memory_reads_flink_units_first(void **state)
{
	(void)state;
	json_t *d = deployment();

	/* "2048m" is 2048 MiB to the operator, not 2.048 bytes */
	put(d, "/spec/taskManager/resource", NULL);
	put(d, "/spec/taskManager/resources/requests/memory",
	    json_string("2048m"));
	put(d, "/spec/taskManager/resources/limits/memory", json_string("2Gi"));
	expect_main(d, 0, NULL);
	json_decref(d);
}

static void test_rules__jm_replicas_must_be_at_least_one(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/jobManager/replicas", json_integer(0));
	expect_one(
		d, "/spec/jobManager/replicas",
		"JobManager replicas should not be configured less than one.");
	json_decref(d);
}

static void test_rules__standby_jobmanagers_need_ha(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/jobManager/replicas", json_integer(2));
	expect_one(d, "/spec/jobManager/replicas",
		   "High availability should be enabled when starting standby "
		   "JobManagers.");
	json_decref(d);
}

static void
test_rules__operator_defaults_join_the_effective_config(void **state)
{
	(void)state;
	json_t *d = deployment();
	json_t *defaults =
		json_pack("{s:s}", "high-availability.type", "kubernetes");

	put(d, "/spec/jobManager/replicas", json_integer(2));
	expect_with(d, defaults, 0, NULL);
	json_decref(defaults);
	json_decref(d);
}

/* DefaultValidatorTest.testValidationWithDefaultConfig (release-1.15.0) */
static void
test_rules__operator_defaults_give_ha_and_checkpoint_dir(void **state)
{
	(void)state;
	json_t *d = deployment();
	json_t *defaults =
		json_pack("{s:s, s:s}", "high-availability.type",
			  "org.apache.flink.kubernetes.highavailability."
			  "KubernetesHaServicesFactory",
			  "execution.checkpointing.dir", "cpdir");

	put(d, "/spec/flinkConfiguration", json_object());
	put(d, "/spec/job/upgradeMode", json_string("last-state"));
	expect_with(d, defaults, 0, NULL);
	json_decref(defaults);
	json_decref(d);
}

static void test_rules__service_account_is_required(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/serviceAccount", NULL);
	expect_one(
		d, "/spec",
		"spec.serviceAccount must be defined. If you use helm, its "
		"value should be the same with the name of jobServiceAccount.");
	json_decref(d);
}

static void test_rules__autoscaler_factor_must_not_be_negative(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "job.autoscaler.enabled", json_true());
	put(d, CONF "job.autoscaler.scale-down.max-factor", json_string("-1"));
	expect_one(d, CONF "job.autoscaler.scale-down.max-factor",
		   "The AutoScalerOption job.autoscaler.scale-down.max-factor "
		   "is invalid, it should be a value within the range [0.0, "
		   "+Infinity]");
	json_decref(d);
}

static void test_rules__autoscaler_value_must_be_a_number(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "job.autoscaler.enabled", json_string("true"));
	put(d, CONF "job.autoscaler.scale-up.max-factor", json_string("many"));
	expect_one(d, CONF "job.autoscaler.scale-up.max-factor",
		   "Invalid value in the autoscaler config "
		   "job.autoscaler.scale-up.max-factor");
	/* read again outside the validator's catch for max and min */
	put(d, CONF "job.autoscaler.scale-up.max-factor", NULL);
	put(d, CONF "job.autoscaler.utilization.target", json_string("high"));
	expect_one(d, CONF "job.autoscaler.utilization.target",
		   "Could not parse value 'high' for key "
		   "'job.autoscaler.utilization.target'.");
	json_decref(d);
}

static void
test_rules__autoscaler_max_utilization_is_at_least_target(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "job.autoscaler.enabled", json_string("true"));
	put(d, CONF "job.autoscaler.utilization.target", json_real(0.8));
	put(d, CONF "job.autoscaler.utilization.max", json_string("0.5"));
	expect_one(d, CONF "job.autoscaler.utilization.max",
		   "The AutoScalerOption job.autoscaler.utilization.max is "
		   "invalid, it should be a value within the range [0.8, 1.0]");
	json_decref(d);
}

static void test_rules__autoscaler_old_operator_keys_still_count(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "kubernetes.operator.job.autoscaler.enabled",
	    json_string("true"));
	put(d, CONF "kubernetes.operator.job.autoscaler.target.utilization",
	    json_string("1.5"));
	expect_one(d,
		   CONF "kubernetes.operator.job.autoscaler.target.utilization",
		   "The AutoScalerOption job.autoscaler.utilization.target is "
		   "invalid, it should be a value within the range [0.0, 1.0]");
	json_decref(d);
}

static void test_rules__autoscaler_disabled_is_not_checked(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "job.autoscaler.scale-up.max-factor", json_string("-3"));
	expect_none(d);
	json_decref(d);
}

static void
test_rules__autoscaler_feature_option_checked_when_enabled(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "job.autoscaler.enabled", json_true());
	put(d, CONF "job.autoscaler.observed-scalability.coefficient-min",
	    json_integer(5));
	/* 1.15.0 checks it always, main only with its feature on */
	expect_one(
		d, CONF "job.autoscaler.observed-scalability.coefficient-min",
		"The AutoScalerOption "
		"job.autoscaler.observed-scalability.coefficient-min is "
		"invalid, it should be a value within the range [0.01, 1.0]");
	expect_main(d, 0, NULL);
	put(d, CONF "job.autoscaler.observed-scalability.enabled", json_true());
	expect_main_one(
		d, CONF "job.autoscaler.observed-scalability.coefficient-min",
		"The AutoScalerOption "
		"job.autoscaler.observed-scalability.coefficient-min is "
		"invalid, it should be a value within the range [0.01, 1.0]");
	json_decref(d);
}

static void
test_rules__autoscaler_window_covers_reconcile_interval(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "job.autoscaler.enabled", json_true());
	put(d, CONF "job.autoscaler.metrics.window", json_string("30 s"));
	expect_none(d); /* 1.15.0 has no such rule */
	expect_main_one(d, CONF "job.autoscaler.metrics.window",
			"The autoscaler metric window "
			"(job.autoscaler.metrics.window=PT30S) must not be "
			"smaller than the operator reconcile interval "
			"(kubernetes.operator.reconcile.interval=PT1M), "
			"otherwise fewer than two metric samples are retained "
			"and autoscaling is never applied.");
	json_decref(d);
}

static void
test_rules__every_failure_is_reported_in_operator_order(void **state)
{
	(void)state;
	json_t *d = deployment();
	struct want w[] = {
		{ "/metadata/name", NAME_MSG("-bad") },
		{ "/spec", "Flink Version must be defined." },
		{ "/spec/job/parallelism",
		  "Job parallelism must be larger than 0" },
		{ "/spec", "spec.serviceAccount must be defined. If you use "
			   "helm, its value should be the same with the name "
			   "of jobServiceAccount." },
	};

	put(d, "/spec/serviceAccount", NULL);
	put(d, "/spec/job/parallelism", json_integer(-1));
	put(d, "/spec/flinkVersion", NULL);
	put(d, "/metadata/name", json_string("-bad"));
	expect(d, 4, w);
	json_decref(d);
}

static void test_rules__other_kinds_are_not_checked(void **state)
{
	(void)state;
	json_t *cm = load("apiVersion: v1\nkind: ConfigMap\n"
			  "metadata: {name: Not_Checked}\n");
	json_t *d = deployment();

	put(d, "/apiVersion", json_string("example.com/v1"));
	put(d, "/spec/serviceAccount", NULL);
	expect_none(cm);
	expect_none(d);
	json_decref(cm);
	json_decref(d);
}

static void test_rules__operator_canaries_are_not_checked(void **state)
{
	(void)state;
	json_t *d = load("apiVersion: flink.apache.org/v1beta1\n"
			 "kind: FlinkDeployment\n"
			 "metadata:\n"
			 "  name: canary\n"
			 "  labels: {flink.apache.org/canary: \"true\"}\n");

	struct fg_problems p = FG_PROBLEMS_INIT;

	expect_none(d);
	put(d, "/metadata/labels", NULL);
	assert_int_equal(fg_rules_check(d, &p), 0);
	assert_true(p.n > 0); /* without the label it is checked */
	fg_problems_release(&p);
	json_decref(d);
}

/* ---- FlinkSessionJob -------------------------------------------------------------- */

static void test_rules__valid_session_job_has_no_problems(void **state)
{
	(void)state;
	json_t *j = session_job();

	expect_none(j);
	json_decref(j);
}

static void test_rules__session_job_deployment_name_must_match(void **state)
{
	(void)state;
	json_t *j = session_job();

	put(j, "/spec/deploymentName", json_string("Session_Cluster"));
	expect_one(j, "/spec/deploymentName", NAME_MSG("Session_Cluster"));
	json_decref(j);
}

static void test_rules__session_job_needs_a_job(void **state)
{
	(void)state;
	json_t *j = session_job();

	put(j, "/spec/job", NULL);
	expect_one(j, "/spec", "The job spec should not be empty");
	json_decref(j);
}

static void test_rules__jar_uri_must_be_a_valid_uri(void **state)
{
	(void)state;
	json_t *j = session_job();

	put(j, "/spec/job/jarURI",
	    json_string("https://example.com/my job.jar"));
	expect_one(j, "/spec/job/jarURI",
		   "jarURI is not a valid URI: Illegal character in path at "
		   "index 22: https://example.com/my job.jar");
	json_decref(j);
}

static void test_rules__jar_uri_needs_a_scheme(void **state)
{
	(void)state;
	json_t *j = session_job();

	put(j, "/spec/job/jarURI", json_string("/opt/jobs/job.jar"));
	expect_one(j, "/spec/job/jarURI", "jarURI must include a scheme");
	json_decref(j);
}

static void test_rules__jar_uri_scheme_must_be_allowed(void **state)
{
	(void)state;
	json_t *j = session_job();

	put(j, "/spec/job/jarURI", json_string("s3://bucket/job.jar"));
	expect_one(
		j, "/spec/job/jarURI",
		"jarURI scheme 's3' is not in the allowlist [https]. Configure "
		"'kubernetes.operator.user.artifacts.allowed-schemes' to "
		"extend the allowlist.");
	json_decref(j);
}

static void test_rules__allowlist_in_resource_config_is_ignored(void **state)
{
	(void)state;
	json_t *j = session_job();

	/* an operator-level option: the operator ignores it here */
	put(j, CONF "kubernetes.operator.user.artifacts.allowed-schemes",
	    json_string("https;s3"));
	put(j, "/spec/job/jarURI", json_string("s3://bucket/job.jar"));
	expect_one(
		j, "/spec/job/jarURI",
		"jarURI scheme 's3' is not in the allowlist [https]. Configure "
		"'kubernetes.operator.user.artifacts.allowed-schemes' to "
		"extend the allowlist.");
	json_decref(j);
}

static void test_rules__operator_allowlist_extends_schemes(void **state)
{
	(void)state;
	json_t *j = session_job();
	json_t *defaults = json_pack(
		"{s:s}", "kubernetes.operator.user.artifacts.allowed-schemes",
		"https; S3");

	put(j, "/spec/job/jarURI", json_string("s3://bucket/job.jar"));
	expect_with(j, defaults, 0, NULL);
	json_decref(defaults);
	json_decref(j);
}

static void test_rules__allowlist_prints_in_java_set_order(void **state)
{
	(void)state;
	json_t *j = session_job();
	json_t *defaults = json_pack(
		"{s:s}", "kubernetes.operator.user.artifacts.allowed-schemes",
		"https;s3;http;file");
	struct want w = { "/spec/job/jarURI",
			  "jarURI scheme 'gs' is not in the allowlist [s3, "
			  "file, http, https]. Configure "
			  "'kubernetes.operator.user.artifacts.allowed-schemes'"
			  " to extend the allowlist." };

	put(j, "/spec/job/jarURI", json_string("gs://bucket/job.jar"));
	expect_with(j, defaults, 1, &w);
	json_decref(defaults);
	json_decref(j);
}

static void test_rules__https_jar_uri_needs_a_host(void **state)
{
	(void)state;
	json_t *j = session_job();

	put(j, "/spec/job/jarURI", json_string("https:///job.jar"));
	expect_one(j, "/spec/job/jarURI",
		   "jarURI must include a host for http/https schemes");
	json_decref(j);
}

static void test_rules__jar_uri_literal_restricted_address(void **state)
{
	(void)state;
	json_t *j = session_job();

	put(j, "/spec/job/jarURI",
	    json_string("https://169.254.169.254/latest/job.jar"));
	expect_one(j, "/spec/job/jarURI",
		   "jarURI host '169.254.169.254' resolves to a restricted "
		   "address");
	put(j, "/spec/job/jarURI", json_string("https://[::1]:8443/job.jar"));
	expect_one(j, "/spec/job/jarURI",
		   "jarURI host '[::1]' resolves to a restricted address");
	json_decref(j);
}

static void test_rules__session_job_parallelism_must_be_positive(void **state)
{
	(void)state;
	json_t *j = session_job();

	put(j, "/spec/job/parallelism", json_integer(0));
	expect_one(j, "/spec/job/parallelism",
		   "Job parallelism must be larger than 0");
	json_decref(j);
}

static void test_rules__session_job_dirs_are_the_session_clusters(void **state)
{
	(void)state;
	json_t *j = session_job();

	/* the directories may be set on the session cluster: undecidable */
	put(j, "/spec/job/upgradeMode", json_string("savepoint"));
	expect_none(j);
	json_decref(j);
}

/* A session cluster for the job: the deployment without its job. */
static json_t *session_cluster(void)
{
	json_t *d = deployment();

	put(d, "/metadata/name",
	    json_string("basic-session-deployment-example"));
	put(d, "/spec/job", NULL);
	return d;
}

static void expect_with_cluster(const json_t *job, const json_t *cluster,
				size_t n, const struct want *w)
{
	struct fg_problems p = FG_PROBLEMS_INIT;
	struct fg_rules_opts o = { version, NULL, NULL, 0 };

	assert_int_equal(fg_rules_check_session_job(job, cluster, &o, &p), 0);
	expect_problems(&p, n, w);
	fg_problems_release(&p);
}

static void
test_rules__session_job_on_application_cluster_is_refused(void **state)
{
	(void)state;
	json_t *j = session_job(), *c = session_cluster();
	struct want w = { "/spec/deploymentName",
			  "Can not submit session job to application cluster" };

	/* `job: {}` alone: the cluster's own errors do not hide the job's */
	put(c, "/spec/job", json_object());
	expect_with_cluster(j, c, 1, &w);
	json_decref(j);
	json_decref(c);
}

static void test_rules__session_job_reads_its_clusters_config(void **state)
{
	(void)state;
	json_t *j = session_job(), *c = session_cluster();
	struct want dirs[] = {
		{ "/spec/job/upgradeMode",
		  "Checkpoint directory[execution.checkpointing.dir] must be "
		  "defined for last-state and savepoint upgrade modes" },
		{ "/spec/job/upgradeMode",
		  "Job could not be upgraded with savepoint while config "
		  "key[execution.checkpointing.savepoint-dir] is not set" },
	};

	put(j, "/spec/job/upgradeMode", json_string("savepoint"));
	expect_with_cluster(j, c, 2, dirs);
	put(c, CONF "state.checkpoints.dir", json_string("s3://b/cp"));
	put(c, CONF "state.savepoints.dir", json_string("s3://b/sp"));
	expect_with_cluster(j, c, 0, NULL);
	/* the job's own configuration overrides the cluster's */
	put(j, CONF "execution.checkpointing.savepoint-dir", json_string(" "));
	expect_with_cluster(j, c, 1, &dirs[1]);
	json_decref(j);
	json_decref(c);
}

static void
test_rules__clusters_autoscaler_problem_is_each_jobs_too(void **state)
{
	(void)state;
	json_t *j = session_job(), *c = session_cluster();
	struct want w = {
		"/spec/deploymentName",
		"The AutoScalerOption job.autoscaler.utilization.max is "
		"invalid, it should be a value within the range [0.7, 1.0]"
	};

	put(c, CONF "job.autoscaler.enabled", json_string("true"));
	put(c, CONF "job.autoscaler.utilization.max", json_string("0.5"));
	expect_with_cluster(j, c, 1, &w);
	/* where the job sets the key itself, there */
	put(j, CONF "job.autoscaler.utilization.max", json_string("0.6"));
	w.pointer = CONF "job.autoscaler.utilization.max";
	expect_with_cluster(j, c, 1, &w);
	json_decref(j);
	json_decref(c);
}

static void test_rules__jar_uri_hosts_as_java_reads_them(void **state)
{
	(void)state;
	static const struct {
		const char *uri, *message;
	} cases[] = {
		{ "https://localhost/job.jar",
		  "jarURI host 'localhost' resolves to a restricted address" },
		{ "https://LocalHost:8443/job.jar",
		  "jarURI host 'LocalHost' resolves to a restricted address" },
		{ "https://ip6-loopback/job.jar",
		  "jarURI host 'ip6-loopback' resolves to a restricted "
		  "address" },
		{ "https://2130706433/job.jar",
		  "jarURI host '2130706433' resolves to a restricted address" },
		{ "https://0/job.jar",
		  "jarURI host '0' resolves to a restricted address" },
		{ "https://0.0.0.0/job.jar",
		  "jarURI host '0.0.0.0' resolves to a restricted address" },
		{ "https://10.1.2.3/job.jar",
		  "jarURI host '10.1.2.3' resolves to a restricted address" },
		{ "https://172.31.0.1/job.jar",
		  "jarURI host '172.31.0.1' resolves to a restricted address" },
		{ "https://224.0.0.1/job.jar",
		  "jarURI host '224.0.0.1' resolves to a restricted address" },
		{ "https://[::ffff:127.0.0.1]/job.jar",
		  "jarURI host '[::ffff:127.0.0.1]' resolves to a restricted "
		  "address" },
		{ "https://[::ffff:a9fe:a9fe]/job.jar",
		  "jarURI host '[::ffff:a9fe:a9fe]' resolves to a restricted "
		  "address" },
		{ "https://[::]/job.jar",
		  "jarURI host '[::]' resolves to a restricted address" },
		{ "https://[fe80::1%25eth0]/job.jar",
		  "jarURI host '[fe80::1%25eth0]' resolves to a restricted "
		  "address" },
		{ "https://[fec0::1]/job.jar",
		  "jarURI host '[fec0::1]' resolves to a restricted address" },
		{ "https://[ff02::1]/job.jar",
		  "jarURI host '[ff02::1]' resolves to a restricted address" },
		/* literals Java refuses as ambiguous (hexadecimal, octal) */
		{ "https://0x7f000001/job.jar",
		  "jarURI host '0x7f000001' cannot be resolved" },
		{ "https://017700000001/job.jar",
		  "jarURI host '017700000001' cannot be resolved" },
		/* not a server-based authority for java.net.URI: no host */
		{ "https://127.1/job.jar",
		  "jarURI must include a host for http/https schemes" },
		{ "https://0x7f.1/job.jar",
		  "jarURI must include a host for http/https schemes" },
		{ "https://my_host/job.jar",
		  "jarURI must include a host for http/https schemes" },
		/* decided without a verdict: Java's decimal, public, names */
		{ "https://0177.0.0.1/job.jar", NULL },
		{ "https://100.64.0.1/job.jar", NULL },
		{ "https://[::127.0.0.1]/job.jar", NULL },
		{ "https://ip6-allnodes/job.jar", NULL },
		{ "https://metadata.google.internal/job.jar", NULL },
	};
	json_t *j = session_job();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put(j, "/spec/job/jarURI", json_string(cases[i].uri));
		if (cases[i].message)
			expect_one(j, "/spec/job/jarURI", cases[i].message);
		else
			expect_none(j);
	}
	json_decref(j);
}

static void test_rules__restricted_hosts_check_can_be_off(void **state)
{
	(void)state;
	json_t *j = session_job();
	json_t *op = json_pack("{s:s}",
			       "kubernetes.operator.user.artifacts."
			       "disallow-restricted-hosts",
			       "false");

	put(j, "/spec/job/jarURI", json_string("https://127.0.0.1/job.jar"));
	expect_with(j, op, 0, NULL);
	json_decref(op);
	json_decref(j);
}

static void test_rules__int_fields_beyond_int_are_refused(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, "/spec/job/parallelism", json_integer(3000000000LL));
	expect_one(d, "/spec/job/parallelism",
		   "Numeric value (3000000000) out of range of int "
		   "(-2147483648 - 2147483647)");
	json_decref(d);
}

static void test_rules__autoscaler_switch_must_be_a_boolean(void **state)
{
	(void)state;
	json_t *d = deployment();

	put(d, CONF "job.autoscaler.enabled", json_string("yes"));
	expect_one(d, CONF "job.autoscaler.enabled",
		   "Could not parse value 'yes' for key "
		   "'job.autoscaler.enabled'.");
	json_decref(d);
}

static void test_rules__autoscaler_excluded_periods(void **state)
{
	(void)state;
	static const struct {
		const char *value, *message;
	} cases[] = {
		{ "9:30-10:50:20", NULL },
		{ "* * 9-11,14-16 * * ?", NULL },
		{ "9:30:30-10:50:20 && * * * ? * 2,5", NULL },
		{ "0 0 12 ? * MON-FRI;22:00-23:59", NULL },
		{ "12:00-10:00",
		  "Invalid value 12:00-10:00 in the autoscaler config "
		  "job.autoscaler.excluded.periods, the value is neither a "
		  "valid daily expression nor a valid cron expression" },
		{ "* * * * * *",
		  "Invalid value * * * * * * in the autoscaler config "
		  "job.autoscaler.excluded.periods, the value is neither a "
		  "valid daily expression nor a valid cron expression" },
		{ "9:00-10:00 && 11:00-12:00",
		  "Invalid value 9:00-10:00 && 11:00-12:00 in the autoscaler "
		  "config job.autoscaler.excluded.periods, the value can not "
		  "be configured as dailyExpression && dailyExpression or "
		  "cronExpression && cronExpression" },
		{ "a && b && c",
		  "Invalid value a && b && c in the autoscaler config "
		  "job.autoscaler.excluded.periods" },
		{ "'9:00-10:00", "Could not parse value ''9:00-10:00' for key "
				 "'job.autoscaler.excluded.periods'." },
	};
	json_t *d = deployment();

	put(d, CONF "job.autoscaler.enabled", json_true());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put(d, CONF "job.autoscaler.excluded.periods",
		    json_string(cases[i].value));
		if (cases[i].message)
			expect_one(d, CONF "job.autoscaler.excluded.periods",
				   cases[i].message);
		else
			expect_none(d);
	}
	json_decref(d);
}

/* ---- FlinkStateSnapshot ------------------------------------------------------------- */

static void test_rules__valid_snapshot_has_no_problems(void **state)
{
	(void)state;
	json_t *s = snapshot();

	expect_none(s);
	json_decref(s);
}

static void test_rules__snapshot_needs_savepoint_or_checkpoint(void **state)
{
	(void)state;
	json_t *s = snapshot();

	put(s, "/spec/savepoint", NULL);
	expect_one(s, "/spec",
		   "Exactly one of checkpoint or savepoint configurations has "
		   "to be set.");
	json_decref(s);
}

static void test_rules__snapshot_cannot_be_both_kinds(void **state)
{
	(void)state;
	json_t *s = snapshot();

	put(s, "/spec/checkpoint", json_object());
	expect_one(s, "/spec",
		   "Exactly one of checkpoint or savepoint configurations has "
		   "to be set.");
	json_decref(s);
}

static void test_rules__snapshot_needs_a_job_reference(void **state)
{
	(void)state;
	json_t *s = snapshot();

	put(s, "/spec/jobReference", NULL);
	expect_one(s, "/spec",
		   "Job reference must be supplied for this snapshot");
	json_decref(s);
}

static void test_rules__existing_savepoint_needs_no_job_reference(void **state)
{
	(void)state;
	json_t *s = snapshot();

	put(s, "/spec/jobReference", NULL);
	put(s, "/spec/savepoint/alreadyExists", json_true());
	expect_none(s);
	json_decref(s);
}

/* ---- the parsers ---------------------------------------------------------------------- */

static unsigned long long flink_mem(const char *s)
{
	unsigned long long b = 0;

	if (fg_flink_memory_parse(s, &b))
		fail_msg("'%s': %s", s, fg_error_last());
	return b;
}

static void test_rules__flink_memory_units_are_binary(void **state)
{
	(void)state;
	assert_int_equal(flink_mem("2048m"), 2048ULL << 20);
	assert_int_equal(flink_mem(" 1 GB "), 1ULL << 30);
	assert_int_equal(flink_mem("512"), 512);
	assert_int_equal(flink_mem("3kibibytes"), 3 * 1024);
	assert_int_equal(flink_mem("1T"), 1ULL << 40);
}

static void test_rules__flink_memory_errors_use_flink_messages(void **state)
{
	(void)state;
	unsigned long long b;

	assert_int_equal(fg_flink_memory_parse("  ", &b), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "argument is an empty- or whitespace-only string");
	assert_int_equal(fg_flink_memory_parse("m", &b), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "text does not start with a number");
	assert_int_equal(fg_flink_memory_parse("1.5g", &b), FG_EINVALID);
	assert_string_equal(
		fg_error_last(),
		"Memory size unit '.5g' does not match any of the recognized "
		"units: (b | bytes) / (k | kb | kibibytes) / (m | mb | "
		"mebibytes) / (g | gb | gibibytes) / (t | tb | tebibytes)");
	assert_int_equal(fg_flink_memory_parse("9223372036854775808", &b),
			 FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "The value '9223372036854775808' cannot be re "
			    "represented as 64bit number (numeric overflow).");
	assert_int_equal(fg_flink_memory_parse("9000000t", &b), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "The value '9000000t' cannot be re represented as "
			    "64bit number of bytes (numeric overflow).");
}

static void test_rules__resource_memory_falls_back_to_quantities(void **state)
{
	(void)state;
	unsigned long long b = 0;

	assert_int_equal(fg_flink_resource_memory_parse("2048m", &b), 0);
	assert_int_equal(b, 2048ULL << 20);
	assert_int_equal(fg_flink_resource_memory_parse("2Gi", &b), 0);
	assert_int_equal(b, 2ULL << 30);
	assert_int_equal(fg_flink_resource_memory_parse("1.5Gi", &b),
			 FG_EINVALID);
	assert_int_equal(fg_flink_resource_memory_parse("2 GiB", &b), 0);
	assert_int_equal(b, 2ULL << 30);
	assert_int_equal(fg_flink_resource_memory_parse("1e9", &b), 0);
	assert_int_equal(b, 1000000000ULL);
	assert_int_equal(fg_flink_resource_memory_parse("1P", &b), 0);
	assert_int_equal(b, 1000000000000000ULL);
	assert_int_equal(fg_flink_resource_memory_parse("Gi", &b), FG_EINVALID);
	assert_string_equal(fg_error_last(), "null");
	assert_int_equal(fg_flink_resource_memory_parse("-1Gi", &b),
			 FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "text does not start with a number");
	assert_int_equal(fg_flink_resource_memory_parse("0.5", &b),
			 FG_EINVALID);
}

static struct fg_quantity quantity(const char *s)
{
	struct fg_quantity q = { 0, 0, 0 };

	if (fg_k8s_quantity_parse(s, &q))
		fail_msg("'%s': %s", s, fg_error_last());
	return q;
}

static int qcmp(const char *a, const char *b)
{
	struct fg_quantity qa = quantity(a), qb = quantity(b);

	return fg_quantity_cmp(&qa, &qb);
}

static void test_rules__kubernetes_quantities_compare_exactly(void **state)
{
	(void)state;
	struct fg_quantity q = quantity("2048m");

	assert_true(fabs(fg_quantity_to_double(&q) - 2.048) < 1e-12);
	assert_int_equal(qcmp("1Gi", "1073741824"), 0);
	assert_int_equal(qcmp("1e3", "1k"), 0);
	assert_int_equal(qcmp("100m", "0.1"), 0);
	assert_true(qcmp("500m", "1") < 0);
	assert_true(qcmp("1.5Gi", "1536Mi") == 0);
	assert_true(qcmp("1E", "1Ei") < 0);
	assert_true(qcmp("-2", "-1") < 0);
	assert_true(qcmp("0.5n", "1n") == 0); /* rounded up to nano */
	assert_true(qcmp("123456789012345678901", "123456789012345678900") >=
		    0);
	assert_int_equal(fg_quantity_sign(&q), 1);
}

static void test_rules__kubernetes_quantity_errors(void **state)
{
	(void)state;
	struct fg_quantity q;

	assert_int_equal(fg_k8s_quantity_parse("1K", &q), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "unable to parse quantity's suffix");
	assert_int_equal(fg_k8s_quantity_parse("abc", &q), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "quantities must match the regular expression "
			    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
	assert_int_equal(fg_k8s_quantity_parse("", &q), FG_EINVALID);
	assert_int_equal(fg_k8s_quantity_parse("1e", &q), FG_EINVALID);
	assert_int_equal(fg_k8s_quantity_parse("1.2.3", &q), FG_EINVALID);
}

static void test_rules__config_lookup_honours_aliases(void **state)
{
	(void)state;
	json_t *conf =
		json_pack("{s:s, s:s, s:s, s:n}", "state.checkpoints.dir",
			  "s3://old", "state.savepoints.dir", "s3://sp-old",
			  "execution.checkpointing.savepoint-dir",
			  "s3://sp-new", "job.autoscaler.enabled");
	const char *found = NULL;
	const json_t *v;

	v = fg_flink_conf_get(conf, "execution.checkpointing.dir", &found);
	assert_string_equal(json_string_value(v), "s3://old");
	assert_string_equal(found, "state.checkpoints.dir");
	v = fg_flink_conf_get(conf, "execution.checkpointing.savepoint-dir",
			      &found);
	assert_string_equal(json_string_value(v), "s3://sp-new");
	assert_null(fg_flink_conf_get(conf, "job.autoscaler.enabled", NULL));
	json_object_set_new(conf, "kubernetes.operator.job.autoscaler.enabled",
			    json_true());
	v = fg_flink_conf_get(conf, "job.autoscaler.enabled", &found);
	assert_true(json_is_true(v));
	assert_string_equal(found,
			    "kubernetes.operator.job.autoscaler.enabled");
	json_decref(conf);
}

static void test_rules__config_text_is_the_flattened_form(void **state)
{
	(void)state;
	char buf[64];
	json_t *i = json_integer(42), *r = json_real(0.1), *b = json_false();

	assert_string_equal(fg_flink_conf_text(i, buf, sizeof(buf)), "42");
	assert_string_equal(fg_flink_conf_text(r, buf, sizeof(buf)), "0.1");
	assert_string_equal(fg_flink_conf_text(b, buf, sizeof(buf)), "false");
	assert_null(fg_flink_conf_text(NULL, buf, sizeof(buf)));
	json_decref(i);
	json_decref(r);
	json_decref(b);
}

/* ---- the operator's own examples ------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_rules__operator_examples_pass(void **state)
{
	(void)state;
	struct fg_buf dir = FG_BUF_INIT;
	char *names[256];
	size_t nnames = 0, checked = 0;
	struct dirent *de;
	DIR *d;

	assert_int_equal(fg_buf_printf(&dir, "%s/examples", anchors), 0);
	d = opendir(dir.ptr);
	if (!d)
		fail_msg("cannot open '%s' (pass the operator folder as "
			 "argv[1])",
			 dir.ptr);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 5 && !strcmp(de->d_name + n - 5, ".yaml") &&
		    nnames < sizeof(names) / sizeof(names[0]))
			names[nnames++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < nnames; i++) {
		struct fg_buf path = FG_BUF_INIT;
		struct fg_yaml_file *f = NULL;

		assert_int_equal(
			fg_buf_printf(&path, "%s/%s", dir.ptr, names[i]), 0);
		if (fg_yaml_load_path(&f, path.ptr, NULL, NULL))
			fail_msg("%s", fg_error_last());
		for (size_t k = 0; k < fg_yaml_count(f); k++) {
			json_t *doc = json_deep_copy(fg_yaml_doc(f, k));
			struct fg_problems p = FG_PROBLEMS_INIT;
			const char *api = json_string_value(
				json_object_get(doc, "apiVersion"));

			struct fg_rules_opts main_rules = { "main", NULL, NULL,
							    0 };

			/* the examples come from the operator's main branch */
			flatten_conf(doc);
			assert_int_equal(
				fg_rules_check_opts(doc, &main_rules, &p), 0);
			for (size_t j = 0; j < p.n; j++)
				print_error("%s[%zu] %s: %s\n", names[i], k,
					    p.v[j].pointer, p.v[j].message);
			assert_int_equal(p.n, 0);
			if (api && !strncmp(api, "flink.apache.org/", 17))
				checked++;
			fg_problems_release(&p);
			json_decref(doc);
		}
		fg_yaml_file_free(f);
		fg_buf_release(&path);
		free(names[i]);
	}
	fg_buf_release(&dir);
	/* 27 Flink objects in the snapshot of the examples */
	assert_true(checked >= 20);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules__valid_deployment_has_no_problems),
		cmocka_unit_test(
			test_rules__deployment_name_must_match_the_pattern),
		cmocka_unit_test(
			test_rules__deployment_name_longer_than_45_is_refused),
		cmocka_unit_test(test_rules__flink_version_is_required),
		cmocka_unit_test(
			test_rules__flink_version_before_1_15_is_unsupported),
		cmocka_unit_test(test_rules__forbidden_config_key_is_refused),
		cmocka_unit_test(
			test_rules__every_forbidden_key_is_reported_in_order),
		cmocka_unit_test(test_rules__rollback_requires_ha),
		cmocka_unit_test(test_rules__legacy_ha_key_enables_ha),
		cmocka_unit_test(test_rules__ha_type_standalone_means_no_ha),
		cmocka_unit_test(
			test_rules__health_check_requires_deployment_recovery),
		cmocka_unit_test(test_rules__ingress_requires_a_template),
		cmocka_unit_test(
			test_rules__ingress_template_must_make_a_valid_url),
		cmocka_unit_test(test_rules__ingress_template_may_be_a_path),
		cmocka_unit_test(test_rules__log_config_keys_are_limited),
		cmocka_unit_test(
			test_rules__stateful_upgrade_needs_checkpoint_dir),
		cmocka_unit_test(
			test_rules__deprecated_checkpoint_dir_key_counts),
		cmocka_unit_test(
			test_rules__savepoint_upgrade_needs_savepoint_dir),
		cmocka_unit_test(
			test_rules__manual_savepoint_needs_savepoint_dir),
		cmocka_unit_test(
			test_rules__periodic_savepoints_need_savepoint_dir),
		cmocka_unit_test(
			test_rules__max_checkpoint_age_needs_savepoint_dir),
		cmocka_unit_test(test_rules__job_parallelism_must_be_positive),
		cmocka_unit_test(
			test_rules__missing_parallelism_counts_as_zero),
		cmocka_unit_test(
			test_rules__tm_replicas_stand_in_for_parallelism),
		cmocka_unit_test(test_rules__tm_replicas_must_be_positive),
		cmocka_unit_test(
			test_rules__session_cluster_tm_replicas_must_be_positive),
		cmocka_unit_test(test_rules__jm_memory_must_be_defined),
		cmocka_unit_test(
			test_rules__jm_memory_may_come_from_flink_config),
		cmocka_unit_test(test_rules__tm_memory_must_be_defined),
		cmocka_unit_test(test_rules__resource_memory_must_parse),
		cmocka_unit_test(
			test_rules__resource_memory_accepts_kubernetes_units),
		cmocka_unit_test(test_rules__ephemeral_storage_must_parse),
		cmocka_unit_test(test_rules__requirements_memory_must_parse),
		cmocka_unit_test(
			test_rules__requirements_memory_must_be_positive),
		cmocka_unit_test(test_rules__requirements_cpu_must_be_positive),
		cmocka_unit_test(
			test_rules__other_requirements_must_not_be_negative),
		cmocka_unit_test(test_rules__request_must_not_exceed_limit),
		cmocka_unit_test(
			test_rules__requirements_memory_reads_flink_units_first),
		cmocka_unit_test(test_rules__jm_replicas_must_be_at_least_one),
		cmocka_unit_test(test_rules__standby_jobmanagers_need_ha),
		cmocka_unit_test(
			test_rules__operator_defaults_join_the_effective_config),
		cmocka_unit_test(
			test_rules__operator_defaults_give_ha_and_checkpoint_dir),
		cmocka_unit_test(test_rules__service_account_is_required),
		cmocka_unit_test(
			test_rules__autoscaler_factor_must_not_be_negative),
		cmocka_unit_test(test_rules__autoscaler_value_must_be_a_number),
		cmocka_unit_test(
			test_rules__autoscaler_max_utilization_is_at_least_target),
		cmocka_unit_test(
			test_rules__autoscaler_old_operator_keys_still_count),
		cmocka_unit_test(
			test_rules__autoscaler_disabled_is_not_checked),
		cmocka_unit_test(
			test_rules__autoscaler_feature_option_checked_when_enabled),
		cmocka_unit_test(
			test_rules__autoscaler_window_covers_reconcile_interval),
		cmocka_unit_test(
			test_rules__every_failure_is_reported_in_operator_order),
		cmocka_unit_test(test_rules__other_kinds_are_not_checked),
		cmocka_unit_test(test_rules__operator_canaries_are_not_checked),
		cmocka_unit_test(test_rules__valid_session_job_has_no_problems),
		cmocka_unit_test(
			test_rules__session_job_deployment_name_must_match),
		cmocka_unit_test(test_rules__session_job_needs_a_job),
		cmocka_unit_test(test_rules__jar_uri_must_be_a_valid_uri),
		cmocka_unit_test(test_rules__jar_uri_needs_a_scheme),
		cmocka_unit_test(test_rules__jar_uri_scheme_must_be_allowed),
		cmocka_unit_test(
			test_rules__allowlist_in_resource_config_is_ignored),
		cmocka_unit_test(
			test_rules__operator_allowlist_extends_schemes),
		cmocka_unit_test(
			test_rules__allowlist_prints_in_java_set_order),
		cmocka_unit_test(test_rules__https_jar_uri_needs_a_host),
		cmocka_unit_test(
			test_rules__jar_uri_literal_restricted_address),
		cmocka_unit_test(
			test_rules__session_job_parallelism_must_be_positive),
		cmocka_unit_test(
			test_rules__session_job_dirs_are_the_session_clusters),
		cmocka_unit_test(
			test_rules__session_job_on_application_cluster_is_refused),
		cmocka_unit_test(
			test_rules__session_job_reads_its_clusters_config),
		cmocka_unit_test(
			test_rules__clusters_autoscaler_problem_is_each_jobs_too),
		cmocka_unit_test(test_rules__jar_uri_hosts_as_java_reads_them),
		cmocka_unit_test(test_rules__restricted_hosts_check_can_be_off),
		cmocka_unit_test(test_rules__int_fields_beyond_int_are_refused),
		cmocka_unit_test(
			test_rules__autoscaler_switch_must_be_a_boolean),
		cmocka_unit_test(test_rules__autoscaler_excluded_periods),
		cmocka_unit_test(test_rules__valid_snapshot_has_no_problems),
		cmocka_unit_test(
			test_rules__snapshot_needs_savepoint_or_checkpoint),
		cmocka_unit_test(test_rules__snapshot_cannot_be_both_kinds),
		cmocka_unit_test(test_rules__snapshot_needs_a_job_reference),
		cmocka_unit_test(
			test_rules__existing_savepoint_needs_no_job_reference),
		cmocka_unit_test(test_rules__flink_memory_units_are_binary),
		cmocka_unit_test(
			test_rules__flink_memory_errors_use_flink_messages),
		cmocka_unit_test(
			test_rules__resource_memory_falls_back_to_quantities),
		cmocka_unit_test(
			test_rules__kubernetes_quantities_compare_exactly),
		cmocka_unit_test(test_rules__kubernetes_quantity_errors),
		cmocka_unit_test(test_rules__config_lookup_honours_aliases),
		cmocka_unit_test(test_rules__config_text_is_the_flattened_form),
		cmocka_unit_test(test_rules__operator_examples_pass),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s OPERATOR_DIR\n", argv[0]);
		return 2;
	}
	anchors = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
