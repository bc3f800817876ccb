/*
 * Tests for render/schema: CRD openAPIV3Schema validation as
 * kube-apiserver does it with fieldValidation=Strict.
 *
 * The real Flink operator CRDs and examples are read from the repository:
 * argv[1] is the folder holding the operator's examples (examples/,
 * tests/operator/ in the tree), argv[2] the bundled CRDs (render/crds/,
 * one folder per release).
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "render/base/error.h"
#include "render/problems.h"
#include "render/schema.h"
#include "render/yaml.h"
#include "render/base/banned.h"

static const char *anchors;  /* holds examples/ */
static const char *crd_root; /* holds main/ and 1.15.0/ */

/* ---- helpers ------------------------------------------------------- */

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);

	if (!j)
		fail_msg("bad test JSON at %d: %s: %s", e.position, e.text,
			 text);
	return j;
}

static void dump(const struct fg_problems *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		print_message("  %s: %s\n", p->v[i].pointer, p->v[i].message);
}

/* Validate `obj` against `schema` (both JSON text) into `p`. */
static void run(const char *schema, const char *obj, struct fg_problems *p)
{
	json_t *s = parse(schema), *o = parse(obj);

	assert_int_equal(fg_schema_validate_json(s, o, p), 0);
	json_decref(s);
	json_decref(o);
}

static int has(const struct fg_problems *p, const char *ptr, const char *msg)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].pointer, ptr) &&
		    (!msg || !strcmp(p->v[i].message, msg)))
			return 1;
	return 0;
}

static void expect_none(struct fg_problems *p)
{
	if (p->n) {
		dump(p);
		fail_msg("expected no problems, got %zu", p->n);
	}
	fg_problems_release(p);
}

static void expect_one(struct fg_problems *p, const char *ptr, const char *msg)
{
	if (p->n != 1 || !has(p, ptr, msg)) {
		dump(p);
		fail_msg("expected exactly one problem %s: %s", ptr,
			 msg ? msg : "(any message)");
	}
	fg_problems_release(p);
}

/* Exactly one problem for `obj` under `schema`. */
static void one(const char *schema, const char *obj, const char *ptr,
		const char *msg)
{
	struct fg_problems p = FG_PROBLEMS_INIT;

	run(schema, obj, &p);
	expect_one(&p, ptr, msg);
}

static void none(const char *schema, const char *obj)
{
	struct fg_problems p = FG_PROBLEMS_INIT;

	run(schema, obj, &p);
	expect_none(&p);
}

/* A root schema whose spec is `spec` (JSON text). */
static char *root_with(const char *spec)
{
	size_t n = strlen(spec) + 64;
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n, "{\"type\":\"object\",\"properties\":{\"spec\":%s}}",
		 spec);
	return s;
}

/* An object (with a valid name) whose spec is `spec` (JSON text). */
static char *obj_with(const char *spec)
{
	size_t n = strlen(spec) + 96;
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n,
		 "{\"apiVersion\":\"x/v1\",\"kind\":\"X\",\"metadata\":{"
		 "\"name\":\"a\"},\"spec\":%s}",
		 spec);
	return s;
}

static void spec_one(const char *spec_schema, const char *spec, const char *ptr,
		     const char *msg)
{
	char *s = root_with(spec_schema), *o = obj_with(spec);

	one(s, o, ptr, msg);
	free(s);
	free(o);
}

static void spec_none(const char *spec_schema, const char *spec)
{
	char *s = root_with(spec_schema), *o = obj_with(spec);

	none(s, o);
	free(s);
	free(o);
}

/* ---- the real CRDs ------------------------------------------------- */

struct crd {
	const char *kind;
	const char *file;
	struct fg_yaml_file *yaml;
	struct fg_schema *schema;
};

static struct crd crds_main[] = {
	{ "FlinkDeployment", "flinkdeployments", NULL, NULL },
	{ "FlinkSessionJob", "flinksessionjobs", NULL, NULL },
	{ "FlinkStateSnapshot", "flinkstatesnapshots", NULL, NULL },
};
static struct crd crds_115[] = {
	{ "FlinkDeployment", "flinkdeployments", NULL, NULL },
	{ "FlinkSessionJob", "flinksessionjobs", NULL, NULL },
	{ "FlinkStateSnapshot", "flinkstatesnapshots", NULL, NULL },
};
#define NCRDS 3

static int load_crds(struct crd *v, const char *dir)
{
	char path[1024];
	size_t i, k;

	for (k = 0; k < NCRDS; k++) {
		const json_t *versions, *ver, *openapi = NULL;

		snprintf(path, sizeof(path), "%s/%s/%s.flink.apache.org-v1.yml",
			 crd_root, dir, v[k].file);
		if (fg_yaml_load_path(&v[k].yaml, path, NULL, NULL)) {
			print_error("%s\n", fg_error_last());
			return -1;
		}
		versions = json_object_get(
			json_object_get(fg_yaml_doc(v[k].yaml, 0), "spec"),
			"versions");
		json_array_foreach (versions, i, ver) {
			if (!strcmp(json_string_value(
					    json_object_get(ver, "name")),
				    "v1beta1"))
				openapi = json_object_get(
					json_object_get(ver, "schema"),
					"openAPIV3Schema");
		}
		if (!openapi || fg_schema_new(&v[k].schema, openapi)) {
			print_error("%s: no usable v1beta1 schema: %s\n", path,
				    fg_error_last());
			return -1;
		}
	}
	return 0;
}

static void free_crds(struct crd *v)
{
	size_t k;

	for (k = 0; k < NCRDS; k++) {
		fg_schema_free(v[k].schema);
		fg_yaml_file_free(v[k].yaml);
		v[k].schema = NULL;
		v[k].yaml = NULL;
	}
}

static int setup_crds(void **state)
{
	(void)state;
	if (load_crds(crds_main, "main") || load_crds(crds_115, "1.15.0"))
		return -1;
	return 0;
}

static int teardown_crds(void **state)
{
	(void)state;
	free_crds(crds_main);
	free_crds(crds_115);
	return 0;
}

static const struct fg_schema *schema_for(struct crd *v, const json_t *doc)
{
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	size_t k;

	for (k = 0; kind && k < NCRDS; k++)
		if (!strcmp(kind, v[k].kind))
			return v[k].schema;
	return NULL;
}

/* Document 0 of examples/`name`. The caller frees the result. */
static json_t *example(const char *name)
{
	struct fg_yaml_file *f;
	char path[1024];
	json_t *doc;

	snprintf(path, sizeof(path), "%s/examples/%s", anchors, name);
	if (fg_yaml_load_path(&f, path, NULL, NULL))
		fail_msg("%s", fg_error_last());
	doc = fg_yaml_doc_take(f, 0);
	fg_yaml_file_free(f);
	return doc;
}

static void check_main(const json_t *doc, struct fg_problems *p)
{
	assert_int_equal(fg_schema_validate(crds_main[0].schema, doc, p), 0);
}

static json_t *path_obj(json_t *doc, const char *a, const char *b)
{
	json_t *o = json_object_get(json_object_get(doc, a), b);

	assert_non_null(o);
	return o;
}

/* ---- tests: real CRDs and examples --------------------------------- */

static void test_schema__examples_validate_against_main_crds(void **state)
{
	char pattern[1024];
	glob_t g;
	size_t i, d, checked = 0;

	(void)state;
	snprintf(pattern, sizeof(pattern), "%s/examples/*.yaml", anchors);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		struct fg_yaml_file *f;

		assert_int_equal(
			fg_yaml_load_path(&f, g.gl_pathv[i], NULL, NULL), 0);
		for (d = 0; d < fg_yaml_count(f); d++) {
			const json_t *doc = fg_yaml_doc(f, d);
			const struct fg_schema *s = schema_for(crds_main, doc);
			struct fg_problems p = FG_PROBLEMS_INIT;

			if (!s)
				continue;
			assert_int_equal(fg_schema_validate(s, doc, &p), 0);
			if (p.n)
				print_error("%s[%zu]:\n", g.gl_pathv[i], d);
			expect_none(&p);
			checked++;
		}
		fg_yaml_file_free(f);
	}
	globfree(&g);
	assert_true(checked >= 20);
}

static void test_schema__resources_are_unknown_to_1_15(void **state)
{
	json_t *doc = example("basic.yaml");
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	assert_int_equal(fg_schema_validate(crds_115[0].schema, doc, &p), 0);
	assert_int_equal(p.n, 2);
	assert_true(has(&p, "/spec/jobManager/resources",
			"unknown field \"spec.jobManager.resources\""));
	assert_true(has(&p, "/spec/taskManager/resources",
			"unknown field \"spec.taskManager.resources\""));
	fg_problems_release(&p);
	json_decref(doc);
}

static void test_schema__typo_is_an_unknown_field(void **state)
{
	json_t *doc = example("basic.yaml");
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	json_object_set_new(path_obj(doc, "spec", "job"), "paralellism",
			    json_integer(2));
	check_main(doc, &p);
	expect_one(&p, "/spec/job/paralellism",
		   "unknown field \"spec.job.paralellism\"");
	json_decref(doc);
}

static void test_schema__wrong_type_is_invalid_value(void **state)
{
	json_t *doc = example("basic.yaml");
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	json_object_set_new(path_obj(doc, "spec", "job"), "parallelism",
			    json_string("two"));
	check_main(doc, &p);
	expect_one(&p, "/spec/job/parallelism",
		   "Invalid value: \"string\": spec.job.parallelism in body "
		   "must be of type integer: \"string\"");
	json_decref(doc);
}

static void test_schema__number_beyond_int64_is_not_an_integer(void **state)
{
	json_t *doc = example("basic.yaml");
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	/* what the loader makes of parallelism: 99999999999999999999 */
	json_object_set_new(path_obj(doc, "spec", "job"), "parallelism",
			    json_real(1e20));
	check_main(doc, &p);
	expect_one(&p, "/spec/job/parallelism",
		   "Invalid value: \"number\": spec.job.parallelism in body "
		   "must be of type integer: \"number\"");
	/* a whole float within 2^53 still is one (kube-openapi) */
	json_object_set_new(path_obj(doc, "spec", "job"), "parallelism",
			    json_real(4.0));
	check_main(doc, &p);
	assert_int_equal(p.n, 0);
	json_decref(doc);
}

static void test_schema__enum_violation_lists_supported_values(void **state)
{
	json_t *doc = example("basic.yaml");
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	json_object_set_new(path_obj(doc, "spec", "job"), "upgradeMode",
			    json_string("foo"));
	check_main(doc, &p);
	expect_one(&p, "/spec/job/upgradeMode",
		   "Unsupported value: \"foo\": supported values: "
		   "\"last-state\", \"savepoint\", \"stateless\"");
	json_decref(doc);
}

/* basic.yaml with a podTemplate whose main container limits cpu. */
static json_t *pod_template_limits(json_t *cpu)
{
	json_t *doc = example("basic.yaml");
	json_t *pt = parse("{\"spec\":{\"containers\":[{\"name\":"
			   "\"flink-main-container\",\"resources\":{"
			   "\"limits\":{}}}]}}");
	json_t *c0 = json_array_get(path_obj(pt, "spec", "containers"), 0);

	json_object_set_new(path_obj(c0, "resources", "limits"), "cpu", cpu);
	json_object_set_new(json_object_get(doc, "spec"), "podTemplate", pt);
	return doc;
}

static void test_schema__int_or_string_accepts_integer_and_string(void **state)
{
	json_t *a = pod_template_limits(json_integer(2));
	json_t *b = pod_template_limits(json_string("500m"));
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	check_main(a, &p);
	expect_none(&p);
	check_main(b, &p);
	expect_none(&p);
	json_decref(a);
	json_decref(b);
}

static void test_schema__int_or_string_rejects_boolean(void **state)
{
	json_t *doc = pod_template_limits(json_true());
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	check_main(doc, &p);
	expect_one(&p,
		   "/spec/podTemplate/spec/containers/0/resources/limits/cpu",
		   "Invalid value: \"boolean\": spec.podTemplate.spec."
		   "containers[0].resources.limits.cpu in body must be of "
		   "type integer,string: \"boolean\"");
	json_decref(doc);
}

static void test_schema__unknown_field_in_list_item_has_index_path(void **state)
{
	json_t *doc = pod_template_limits(json_integer(1));
	json_t *c0 =
		json_array_get(path_obj(path_obj(doc, "spec", "podTemplate"),
					"spec", "containers"),
			       0);
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	json_object_set_new(c0, "imagePullPolicyy", json_string("Always"));
	check_main(doc, &p);
	expect_one(&p, "/spec/podTemplate/spec/containers/0/imagePullPolicyy",
		   "unknown field \"spec.podTemplate.spec.containers[0]."
		   "imagePullPolicyy\"");
	json_decref(doc);
}

static void
test_schema__flink_configuration_preserves_unknown_fields(void **state)
{
	json_t *doc = example("basic.yaml");
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	json_object_set_new(path_obj(doc, "spec", "flinkConfiguration"),
			    "state",
			    parse("{\"backend\":{\"type\":\"rocksdb\","
				  "\"x\":[1,{\"y\":null}]}}"));
	check_main(doc, &p);
	expect_none(&p);
	json_decref(doc);
}

static void test_schema__every_problem_is_reported(void **state)
{
	json_t *doc = example("basic.yaml");
	json_t *job = path_obj(doc, "spec", "job");
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	json_object_set_new(job, "parallelism", json_string("two"));
	json_object_set_new(job, "upgradeMode", json_string("foo"));
	json_object_set_new(job, "paralellism", json_integer(2));
	json_object_set_new(json_object_get(doc, "metadata"), "nmae",
			    json_string("x"));
	check_main(doc, &p);
	assert_int_equal(p.n, 4);
	assert_true(has(&p, "/spec/job/parallelism", NULL));
	assert_true(has(&p, "/spec/job/upgradeMode", NULL));
	assert_true(has(&p, "/spec/job/paralellism", NULL));
	assert_true(
		has(&p, "/metadata/nmae", "unknown field \"metadata.nmae\""));
	fg_problems_release(&p);
	json_decref(doc);
}

/* ---- tests: types -------------------------------------------------- */

static void test_schema__integer_rejects_string(void **state)
{
	(void)state;
	spec_one("{\"type\":\"integer\"}", "\"1\"", "/spec",
		 "Invalid value: \"string\": spec in body must be of type "
		 "integer: \"string\"");
}

static void test_schema__integer_accepts_whole_number(void **state)
{
	(void)state;
	spec_none("{\"type\":\"integer\"}", "3");
	spec_none("{\"type\":\"integer\"}", "3.0");
}

static void test_schema__integer_rejects_fraction(void **state)
{
	(void)state;
	spec_one("{\"type\":\"integer\"}", "1.5", "/spec",
		 "Invalid value: \"number\": spec in body must be of type "
		 "integer: \"number\"");
}

static void test_schema__number_accepts_integer_and_real(void **state)
{
	(void)state;
	spec_none("{\"type\":\"number\"}", "3");
	spec_none("{\"type\":\"number\"}", "3.25");
}

static void test_schema__boolean_array_object_types(void **state)
{
	(void)state;
	spec_one("{\"type\":\"boolean\"}", "\"yes\"", "/spec",
		 "Invalid value: \"string\": spec in body must be of type "
		 "boolean: \"string\"");
	spec_one("{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "{}",
		 "/spec",
		 "Invalid value: \"object\": spec in body must be of type "
		 "array: \"object\"");
	spec_one("{\"type\":\"object\"}", "[]", "/spec",
		 "Invalid value: \"array\": spec in body must be of type "
		 "object: \"array\"");
}

static void test_schema__int_or_string_type_name(void **state)
{
	(void)state;
	spec_none("{\"x-kubernetes-int-or-string\":true}", "\"50%\"");
	spec_one("{\"x-kubernetes-int-or-string\":true,\"anyOf\":[{\"type\":"
		 "\"integer\"},{\"type\":\"string\"}]}",
		 "1.5", "/spec",
		 "Invalid value: \"number\": spec in body must be of type "
		 "integer,string: \"number\"");
}

/* ---- tests: null ----------------------------------------------------- */

#define NULLS_SCHEMA                                                       \
	"{\"type\":\"object\",\"required\":[\"r\",\"d\"],\"properties\":{" \
	"\"a\":{\"type\":\"string\"},"                                     \
	"\"n\":{\"type\":\"string\",\"nullable\":true},"                   \
	"\"r\":{\"type\":\"string\"},"                                     \
	"\"d\":{\"type\":\"string\",\"default\":\"x\"},"                   \
	"\"e\":{\"type\":\"string\",\"nullable\":true,\"enum\":[\"a\"]},"  \
	"\"l\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}"

static void test_schema__nullable_allows_null(void **state)
{
	(void)state;
	spec_none(NULLS_SCHEMA, "{\"r\":\"x\",\"n\":null}");
}

static void test_schema__null_of_non_nullable_member_is_dropped(void **state)
{
	(void)state;
	spec_none(NULLS_SCHEMA, "{\"r\":\"x\",\"a\":null}");
}

static void test_schema__null_required_member_is_missing(void **state)
{
	(void)state;
	spec_one(NULLS_SCHEMA, "{\"r\":null}", "/spec/r", "Required value");
}

static void test_schema__null_member_with_default_is_defaulted(void **state)
{
	(void)state;
	spec_none(NULLS_SCHEMA, "{\"r\":\"x\",\"d\":null}");
}

static void test_schema__null_list_item_is_type_error(void **state)
{
	(void)state;
	spec_one(NULLS_SCHEMA, "{\"r\":\"x\",\"l\":[\"a\",null]}", "/spec/l/1",
		 "Invalid value: \"null\": spec.l[1] in body must be of type "
		 "string: \"null\"");
}

static void test_schema__nullable_enum_without_null_rejects_null(void **state)
{
	(void)state;
	spec_one(NULLS_SCHEMA, "{\"r\":\"x\",\"e\":null}", "/spec/e",
		 "Unsupported value: null: supported values: \"a\"");
}

/* ---- tests: keywords ------------------------------------------------- */

static void test_schema__required_missing(void **state)
{
	(void)state;
	spec_one(NULLS_SCHEMA, "{}", "/spec/r", "Required value");
}

static void test_schema__enum_of_numbers(void **state)
{
	(void)state;
	spec_none("{\"type\":\"integer\",\"enum\":[1,2]}", "2.0");
	spec_one("{\"type\":\"integer\",\"enum\":[1,2]}", "3", "/spec",
		 "Unsupported value: 3: supported values: \"1\", \"2\"");
}

static void test_schema__format_date_time(void **state)
{
	const char *s = "{\"type\":\"string\",\"format\":\"date-time\"}";

	(void)state;
	spec_none(s, "\"2024-02-29T23:59:59Z\"");
	spec_none(s, "\"2024-01-01t10:00:00.123+02:00\"");
	spec_one(s, "\"2023-02-29T10:00:00Z\"", "/spec",
		 "Invalid value: \"2023-02-29T10:00:00Z\": spec in body must "
		 "be of type date-time: \"2023-02-29T10:00:00Z\"");
	spec_one(s, "\"2024-01-01T24:00:00Z\"", "/spec", NULL);
}

static void test_schema__format_date(void **state)
{
	const char *s = "{\"type\":\"string\",\"format\":\"date\"}";

	(void)state;
	spec_none(s, "\"2024-12-31\"");
	spec_one(s, "\"2024-13-01\"", "/spec",
		 "Invalid value: \"2024-13-01\": spec in body must be of type "
		 "date: \"2024-13-01\"");
}

static void test_schema__format_uri(void **state)
{
	const char *s = "{\"type\":\"string\",\"format\":\"uri\"}";

	(void)state;
	spec_none(s, "\"https://example.com/a?b=c\"");
	spec_none(s, "\"/absolute/path\"");
	spec_one(s, "\"relative/path\"", "/spec", NULL);
	spec_one(s, "\"mailto:a@example.com\"", "/spec", NULL);
}

static void test_schema__format_byte(void **state)
{
	const char *s = "{\"type\":\"string\",\"format\":\"byte\"}";

	(void)state;
	spec_none(s, "\"aGVsbG8=\"");
	spec_one(s, "\"hello\"", "/spec",
		 "Invalid value: \"hello\": spec in body must be of type "
		 "byte: \"hello\"");
}

static void test_schema__format_uuid_and_ip(void **state)
{
	(void)state;
	spec_none("{\"type\":\"string\",\"format\":\"uuid\"}",
		  "\"123e4567-e89b-12d3-a456-426614174000\"");
	spec_one("{\"type\":\"string\",\"format\":\"uuid\"}", "\"123\"",
		 "/spec", NULL);
	spec_none("{\"type\":\"string\",\"format\":\"ipv4\"}", "\"10.0.0.1\"");
	spec_one("{\"type\":\"string\",\"format\":\"ipv4\"}", "\"10.0.0.256\"",
		 "/spec", NULL);
	spec_none("{\"type\":\"string\",\"format\":\"cidr\"}",
		  "\"10.0.0.0/8\"");
}

static void test_schema__number_formats_are_not_checked(void **state)
{
	(void)state;
	/* StripUnsupportedFormatsPostProcess drops int32, int64, ... */
	spec_none("{\"type\":\"integer\",\"format\":\"int32\"}",
		  "9999999999999");
	spec_none("{\"type\":\"string\",\"format\":\"not-a-format\"}", "\"x\"");
}

static void test_schema__maximum_and_minimum(void **state)
{
	const char *s = "{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}";
	const char *x = "{\"type\":\"number\",\"minimum\":1,"
			"\"exclusiveMinimum\":true,\"maximum\":2.5,"
			"\"exclusiveMaximum\":true}";

	(void)state;
	spec_none(s, "1");
	spec_none(s, "10");
	spec_one(s, "0", "/spec",
		 "Invalid value: 0: spec in body should be greater than or "
		 "equal to 1");
	spec_one(s, "11", "/spec",
		 "Invalid value: 11: spec in body should be less than or "
		 "equal to 10");
	spec_one(x, "1", "/spec",
		 "Invalid value: 1: spec in body should be greater than 1");
	spec_one(x, "2.5", "/spec",
		 "Invalid value: 2.5: spec in body should be less than 2.5");
}

static void test_schema__max_length_counts_code_points(void **state)
{
	const char *s = "{\"type\":\"string\",\"maxLength\":3}";

	(void)state;
	spec_none(s, "\"\xc3\xa9\xc3\xa9\xc3\xa9\"");
	spec_one(s, "\"abcd\"", "/spec", "Too long: may not be longer than 3");
}

static void test_schema__min_length(void **state)
{
	(void)state;
	spec_one("{\"type\":\"string\",\"minLength\":2}", "\"\xc3\xa9\"",
		 "/spec",
		 "Invalid value: \"\xc3\xa9\": spec in body should be at least "
		 "2 chars long");
}

static void test_schema__pattern(void **state)
{
	const char *s = "{\"type\":\"string\",\"pattern\":\"^[a-z]+\\\\d$\"}";

	(void)state;
	spec_none(s, "\"abc1\"");
	spec_one(s, "\"abc\"", "/spec",
		 "Invalid value: \"abc\": spec in body should match "
		 "'^[a-z]+\\d$'");
}

static void test_schema__uncompilable_pattern_is_a_problem(void **state)
{
	(void)state;
	spec_one("{\"type\":\"string\",\"pattern\":\"([a-z\"}", "\"abc\"",
		 "/spec", NULL);
}

static void test_schema__items_count(void **state)
{
	const char *s = "{\"type\":\"array\",\"minItems\":2,\"maxItems\":3,"
			"\"items\":{\"type\":\"integer\"}}";

	(void)state;
	spec_none(s, "[1,2]");
	spec_one(s, "[1]", "/spec",
		 "Invalid value: 1: spec in body should have at least 2 items");
	spec_one(s, "[1,2,3,4]", "/spec",
		 "Too many: 4: must have at most 3 items");
}

static void test_schema__unique_items(void **state)
{
	const char *s = "{\"type\":\"array\",\"uniqueItems\":true,"
			"\"items\":{\"type\":\"integer\"}}";

	(void)state;
	spec_none(s, "[1,2]");
	spec_one(s, "[1,2,1]", "/spec",
		 "Invalid value: \"\": spec in body shouldn't contain "
		 "duplicates");
}

static void test_schema__properties_count(void **state)
{
	const char *s = "{\"type\":\"object\",\"minProperties\":1,"
			"\"maxProperties\":2,\"additionalProperties\":{"
			"\"type\":\"string\"}}";

	(void)state;
	spec_none(s, "{\"a\":\"1\"}");
	spec_one(s, "{}", "/spec",
		 "Invalid value: 0: spec in body should have at least 1 "
		 "properties");
	spec_one(s, "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}", "/spec",
		 "Too many: 3: must have at most 2 items");
}

static void test_schema__items_are_validated(void **state)
{
	(void)state;
	spec_one("{\"type\":\"array\",\"items\":{\"type\":\"object\","
		 "\"properties\":{\"n\":{\"type\":\"string\"}}}}",
		 "[{\"n\":\"a\"},{\"n\":1}]", "/spec/1/n",
		 "Invalid value: \"integer\": spec[1].n in body must be of "
		 "type string: \"integer\"");
}

static void test_schema__additional_properties_schema(void **state)
{
	(void)state;
	spec_one("{\"type\":\"object\",\"additionalProperties\":{\"type\":"
		 "\"string\"}}",
		 "{\"a\":\"x\",\"b\":2}", "/spec/b",
		 "Invalid value: \"integer\": spec.b in body must be of type "
		 "string: \"integer\"");
}

static void test_schema__additional_properties_false_is_unknown(void **state)
{
	(void)state;
	spec_one("{\"type\":\"object\",\"additionalProperties\":false,"
		 "\"properties\":{\"a\":{\"type\":\"string\"}}}",
		 "{\"a\":\"x\",\"b\":2}", "/spec/b",
		 "unknown field \"spec.b\"");
}

static void test_schema__additional_properties_true_accepts(void **state)
{
	(void)state;
	spec_none("{\"type\":\"object\",\"additionalProperties\":true}",
		  "{\"b\":{\"c\":[1]}}");
}

static void test_schema__preserve_unknown_still_validates_known(void **state)
{
	const char *s = "{\"type\":\"object\",\"x-kubernetes-preserve-unknown-"
			"fields\":true,\"properties\":{\"a\":{\"type\":"
			"\"object\",\"properties\":{\"b\":{\"type\":"
			"\"integer\"}}}}}";

	(void)state;
	spec_none(s, "{\"zzz\":{\"anything\":1}}");
	spec_one(s, "{\"zzz\":1,\"a\":{\"b\":\"x\"}}", "/spec/a/b", NULL);
	/* preservation is not inherited by known properties */
	spec_one(s, "{\"a\":{\"c\":1}}", "/spec/a/c",
		 "unknown field \"spec.a.c\"");
}

static void test_schema__keys_with_dots_are_joined_with_dots(void **state)
{
	(void)state;
	spec_one("{\"type\":\"object\",\"properties\":{}}", "{\"a.b\":1}",
		 "/spec/a.b", "unknown field \"spec.a.b\"");
}

static void test_schema__embedded_resource(void **state)
{
	const char *s =
		"{\"type\":\"object\",\"properties\":{\"t\":{"
		"\"type\":\"object\",\"x-kubernetes-embedded-resource\":"
		"true,\"x-kubernetes-preserve-unknown-fields\":true}}}";
	struct fg_problems p = FG_PROBLEMS_INIT;
	char *sc = root_with(s), *o;

	(void)state;
	spec_none(s, "{\"t\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
		     "\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{}}}");
	o = obj_with("{\"t\":{\"metadata\":{\"nam\":\"x\"}}}");
	run(sc, o, &p);
	assert_int_equal(p.n, 3);
	assert_true(has(&p, "/spec/t/apiVersion",
			"Required value: must not be empty"));
	assert_true(
		has(&p, "/spec/t/kind", "Required value: must not be empty"));
	assert_true(has(&p, "/spec/t/metadata/nam",
			"unknown field \"spec.t.metadata.nam\""));
	fg_problems_release(&p);
	free(sc);
	free(o);
}

static void test_schema__any_of(void **state)
{
	const char *s = "{\"type\":\"string\",\"anyOf\":[{\"pattern\":\"^a\"},"
			"{\"pattern\":\"^b\"}]}";
	struct fg_problems p = FG_PROBLEMS_INIT;
	char *sc = root_with(s), *o = obj_with("\"c\"");

	(void)state;
	spec_none(s, "\"bx\"");
	run(sc, o, &p);
	assert_int_equal(p.n, 2);
	assert_true(has(&p, "/spec",
			"Invalid value: \"\": \"spec\" must validate at least "
			"one schema (anyOf)"));
	assert_true(
		has(&p, "/spec",
		    "Invalid value: \"c\": spec in body should match '^a'"));
	fg_problems_release(&p);
	free(sc);
	free(o);
}

static void test_schema__one_of(void **state)
{
	const char *s = "{\"type\":\"integer\",\"oneOf\":[{\"minimum\":0},"
			"{\"maximum\":10}]}";

	(void)state;
	spec_none(s, "20");
	spec_one(s, "5", "/spec",
		 "Invalid value: \"\": \"spec\" must validate one and only one "
		 "schema (oneOf). Found 2 valid alternatives");
}

static void test_schema__all_of(void **state)
{
	const char *s = "{\"type\":\"integer\",\"allOf\":[{\"minimum\":0},"
			"{\"maximum\":10}]}";
	struct fg_problems p = FG_PROBLEMS_INIT;
	char *sc = root_with(s), *o = obj_with("11");

	(void)state;
	spec_none(s, "5");
	run(sc, o, &p);
	assert_int_equal(p.n, 2);
	assert_true(has(&p, "/spec",
			"Invalid value: \"\": \"spec\" must validate all the "
			"schemas (allOf)"));
	assert_true(has(&p, "/spec",
			"Invalid value: 11: spec in body should be less than "
			"or equal to 10"));
	fg_problems_release(&p);
	free(sc);
	free(o);
}

static void test_schema__not(void **state)
{
	const char *s = "{\"type\":\"string\",\"not\":{\"enum\":[\"x\"]}}";

	(void)state;
	spec_none(s, "\"y\"");
	spec_one(s, "\"x\"", "/spec",
		 "Invalid value: \"\": \"spec\" must not validate the schema "
		 "(not)");
}

static void test_schema__junctors_do_not_prune(void **state)
{
	(void)state;
	spec_none("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
		  "\"string\"}},\"anyOf\":[{\"required\":[\"a\"]}]}",
		  "{\"a\":\"x\"}");
}

static void test_schema__list_type_set(void **state)
{
	(void)state;
	spec_one("{\"type\":\"array\",\"x-kubernetes-list-type\":\"set\","
		 "\"items\":{\"type\":\"string\"}}",
		 "[\"a\",\"b\",\"a\"]", "/spec/2", "Duplicate value: \"a\"");
}

static void test_schema__list_type_map(void **state)
{
	(void)state;
	spec_one("{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\","
		 "\"x-kubernetes-list-map-keys\":[\"name\"],\"items\":{"
		 "\"type\":\"object\",\"properties\":{\"name\":{\"type\":"
		 "\"string\"},\"v\":{\"type\":\"integer\"}}}}",
		 "[{\"name\":\"a\",\"v\":1},{\"name\":\"b\"},{\"name\":\"a\","
		 "\"v\":2}]",
		 "/spec/2", "Duplicate value: {\"name\":\"a\"}");
}

/* ---- tests: ObjectMeta and TypeMeta ---------------------------------- */

#define EMPTY_ROOT "{\"type\":\"object\"}"

static void test_schema__metadata_unknown_field(void **state)
{
	(void)state;
	one(EMPTY_ROOT,
	    "{\"metadata\":{\"name\":\"a\",\"lables\":{\"x\":\"y\"}}}",
	    "/metadata/lables", "unknown field \"metadata.lables\"");
}

static void test_schema__metadata_known_fields(void **state)
{
	(void)state;
	none(EMPTY_ROOT,
	     "{\"apiVersion\":\"a/v1\",\"kind\":\"K\",\"metadata\":{"
	     "\"name\":\"a.b-c\",\"namespace\":\"ns-1\",\"labels\":{"
	     "\"app.kubernetes.io/name\":\"x\",\"e\":\"\"},\"annotations\":{"
	     "\"Example.com/Note\":\"free text\"},\"finalizers\":["
	     "\"example.com/f\"],\"generation\":3,\"creationTimestamp\":"
	     "null,\"deletionTimestamp\":\"2024-01-01T00:00:00Z\","
	     "\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"K\","
	     "\"name\":\"o\",\"uid\":\"u\",\"controller\":true}],"
	     "\"managedFields\":[{\"manager\":\"m\",\"fieldsV1\":{}}],"
	     "\"uid\":\"u\",\"resourceVersion\":\"1\",\"selfLink\":\"\","
	     "\"generateName\":\"g-\",\"deletionGracePeriodSeconds\":0}}");
}

static void test_schema__metadata_wrong_type(void **state)
{
	(void)state;
	one(EMPTY_ROOT, "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":1}}}",
	    "/metadata/labels/x",
	    "Invalid value: 1: json: cannot unmarshal number into Go struct "
	    "field ObjectMeta.labels of type string");
	one(EMPTY_ROOT, "{\"metadata\":{\"name\":\"a\",\"generation\":\"1\"}}",
	    "/metadata/generation",
	    "Invalid value: \"1\": json: cannot unmarshal string into Go "
	    "struct field ObjectMeta.generation of type int64");
}

static void test_schema__metadata_owner_reference_unknown_field(void **state)
{
	(void)state;
	one(EMPTY_ROOT,
	    "{\"metadata\":{\"name\":\"a\",\"ownerReferences\":[{\"nme\":"
	    "\"o\"}]}}",
	    "/metadata/ownerReferences/0/nme",
	    "unknown field \"metadata.ownerReferences[0].nme\"");
}

static void test_schema__metadata_name_is_required(void **state)
{
	(void)state;
	one(EMPTY_ROOT, "{\"kind\":\"K\"}", "/metadata/name",
	    "Required value: name or generateName is required");
}

static void test_schema__metadata_name_is_dns_subdomain(void **state)
{
	(void)state;
	one(EMPTY_ROOT, "{\"metadata\":{\"name\":\"Bad_Name\"}}",
	    "/metadata/name",
	    "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must "
	    "consist of lower case alphanumeric characters, '-' or '.', and "
	    "must start and end with an alphanumeric character (e.g. "
	    "'example.com', regex used for validation is "
	    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)"
	    "*')");
}

static void test_schema__metadata_label_key_and_value(void **state)
{
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	run(EMPTY_ROOT,
	    "{\"metadata\":{\"name\":\"a\",\"labels\":{\"-bad\":\"ok\","
	    "\"good\":\"bad value\"}}}",
	    &p);
	assert_int_equal(p.n, 2);
	assert_true(has(&p, "/metadata/labels/-bad",
			"Invalid value: \"-bad\": name part must consist of "
			"alphanumeric characters, '-', '_' or '.', and must "
			"start and end with an alphanumeric character (e.g. "
			"'MyName',  or 'my.name',  or '123-abc', regex used "
			"for validation is "
			"'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
	assert_true(
		has(&p, "/metadata/labels/good",
		    "Invalid value: \"bad value\": a valid label must be an "
		    "empty string or consist of alphanumeric characters, "
		    "'-', '_' or '.', and must start and end with an "
		    "alphanumeric character (e.g. 'MyValue',  or "
		    "'my_value',  or '12345', regex used for validation is "
		    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
	fg_problems_release(&p);
}

static void test_schema__metadata_namespace_is_dns_label(void **state)
{
	(void)state;
	one(EMPTY_ROOT, "{\"metadata\":{\"name\":\"a\",\"namespace\":\"a.b\"}}",
	    "/metadata/namespace", NULL);
}

static void test_schema__metadata_time_must_be_rfc3339(void **state)
{
	(void)state;
	one(EMPTY_ROOT,
	    "{\"metadata\":{\"name\":\"a\",\"creationTimestamp\":"
	    "\"yesterday\"}}",
	    "/metadata/creationTimestamp", NULL);
}

static void test_schema__kind_must_be_a_string(void **state)
{
	(void)state;
	one(EMPTY_ROOT, "{\"kind\":5,\"metadata\":{\"name\":\"a\"}}", "/kind",
	    "Invalid value: 5: must be a string");
}

/* ---- tests: limits and errors ---------------------------------------- */

static void test_schema__document_root_is_not_a_resource(void **state)
{
	json_t *s = parse("{\"type\":\"object\",\"required\":[\"kind\"],"
			  "\"properties\":{\"kind\":{\"type\":\"string\","
			  "\"enum\":[\"RepoConfig\"]}}}");
	json_t *ok = parse("{\"kind\":\"RepoConfig\"}");
	json_t *bad = parse("{\"kind\":\"RepoConfig\",\"metadata\":{}}");
	struct fg_problems p = FG_PROBLEMS_INIT;

	(void)state;
	assert_int_equal(fg_schema_validate_document_json(s, ok, &p), 0);
	expect_none(&p);
	assert_int_equal(fg_schema_validate_document_json(s, bad, &p), 0);
	expect_one(&p, "/metadata", "unknown field \"metadata\"");
	json_decref(s);
	json_decref(ok);
	json_decref(bad);
}

static void test_schema__depth_limit_is_reported(void **state)
{
	/* an array without items prunes every object below it, however deep */
	json_t *schema = parse("{\"type\":\"object\",\"properties\":{"
			       "\"spec\":{\"type\":\"array\"}}}");
	json_t *obj = parse("{\"metadata\":{\"name\":\"a\"}}");
	json_t *arr = json_array();
	struct fg_problems p = FG_PROBLEMS_INIT;
	int i;

	(void)state;
	json_object_set_new(obj, "spec", arr);
	for (i = 0; i < FG_SCHEMA_MAX_DEPTH + 10; i++) {
		json_t *next = json_array();

		json_array_append_new(arr, next);
		arr = next;
	}
	assert_int_equal(fg_schema_validate_json(schema, obj, &p), 0);
	if (p.n != 1)
		dump(&p);
	assert_int_equal(p.n, 1);
	assert_non_null(strstr(p.v[0].message, "nesting exceeds 128 levels"));
	fg_problems_release(&p);
	json_decref(obj);
	json_decref(schema);
}

static void test_schema__problems_are_capped(void **state)
{
	json_t *schema = parse("{\"type\":\"object\",\"properties\":{"
			       "\"spec\":{\"type\":\"object\"}}}");
	json_t *obj = parse("{\"metadata\":{\"name\":\"a\"}}");
	json_t *spec = json_object();
	struct fg_problems p = FG_PROBLEMS_INIT;
	char key[32];
	int i;

	(void)state;
	for (i = 0; i < FG_SCHEMA_MAX_PROBLEMS + 5; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		json_object_set_new(spec, key, json_true());
	}
	json_object_set_new(obj, "spec", spec);
	assert_int_equal(fg_schema_validate_json(schema, obj, &p), 0);
	assert_int_equal(p.n, FG_SCHEMA_MAX_PROBLEMS + 1);
	assert_string_equal(p.v[p.n - 1].pointer, "");
	assert_string_equal(p.v[p.n - 1].message,
			    "5 more problems not shown (at most 1000 are "
			    "reported per object)");
	fg_problems_release(&p);
	json_decref(obj);
	json_decref(schema);
}

static void test_schema__malformed_schema_is_refused(void **state)
{
	json_t *s = parse("{\"type\":\"object\",\"properties\":{\"a\":{"
			  "\"type\":5}}}");
	struct fg_schema *out = (struct fg_schema *)1;

	(void)state;
	assert_int_equal(fg_schema_new(&out, s), FG_EINVALID);
	assert_null(out);
	assert_non_null(strstr(fg_error_last(), "/properties/a"));
	json_decref(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest crd_tests[] = {
		cmocka_unit_test(
			test_schema__examples_validate_against_main_crds),
		cmocka_unit_test(test_schema__resources_are_unknown_to_1_15),
		cmocka_unit_test(test_schema__typo_is_an_unknown_field),
		cmocka_unit_test(test_schema__wrong_type_is_invalid_value),
		cmocka_unit_test(
			test_schema__number_beyond_int64_is_not_an_integer),
		cmocka_unit_test(
			test_schema__enum_violation_lists_supported_values),
		cmocka_unit_test(
			test_schema__int_or_string_accepts_integer_and_string),
		cmocka_unit_test(test_schema__int_or_string_rejects_boolean),
		cmocka_unit_test(
			test_schema__unknown_field_in_list_item_has_index_path),
		cmocka_unit_test(
			test_schema__flink_configuration_preserves_unknown_fields),
		cmocka_unit_test(test_schema__every_problem_is_reported),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema__integer_rejects_string),
		cmocka_unit_test(test_schema__integer_accepts_whole_number),
		cmocka_unit_test(test_schema__integer_rejects_fraction),
		cmocka_unit_test(test_schema__number_accepts_integer_and_real),
		cmocka_unit_test(test_schema__boolean_array_object_types),
		cmocka_unit_test(test_schema__int_or_string_type_name),
		cmocka_unit_test(test_schema__nullable_allows_null),
		cmocka_unit_test(
			test_schema__null_of_non_nullable_member_is_dropped),
		cmocka_unit_test(test_schema__null_required_member_is_missing),
		cmocka_unit_test(
			test_schema__null_member_with_default_is_defaulted),
		cmocka_unit_test(test_schema__null_list_item_is_type_error),
		cmocka_unit_test(
			test_schema__nullable_enum_without_null_rejects_null),
		cmocka_unit_test(test_schema__required_missing),
		cmocka_unit_test(test_schema__enum_of_numbers),
		cmocka_unit_test(test_schema__format_date_time),
		cmocka_unit_test(test_schema__format_date),
		cmocka_unit_test(test_schema__format_uri),
		cmocka_unit_test(test_schema__format_byte),
		cmocka_unit_test(test_schema__format_uuid_and_ip),
		cmocka_unit_test(test_schema__number_formats_are_not_checked),
		cmocka_unit_test(test_schema__maximum_and_minimum),
		cmocka_unit_test(test_schema__max_length_counts_code_points),
		cmocka_unit_test(test_schema__min_length),
		cmocka_unit_test(test_schema__pattern),
		cmocka_unit_test(
			test_schema__uncompilable_pattern_is_a_problem),
		cmocka_unit_test(test_schema__items_count),
		cmocka_unit_test(test_schema__unique_items),
		cmocka_unit_test(test_schema__properties_count),
		cmocka_unit_test(test_schema__items_are_validated),
		cmocka_unit_test(test_schema__additional_properties_schema),
		cmocka_unit_test(
			test_schema__additional_properties_false_is_unknown),
		cmocka_unit_test(
			test_schema__additional_properties_true_accepts),
		cmocka_unit_test(
			test_schema__preserve_unknown_still_validates_known),
		cmocka_unit_test(
			test_schema__keys_with_dots_are_joined_with_dots),
		cmocka_unit_test(test_schema__embedded_resource),
		cmocka_unit_test(test_schema__any_of),
		cmocka_unit_test(test_schema__one_of),
		cmocka_unit_test(test_schema__all_of),
		cmocka_unit_test(test_schema__not),
		cmocka_unit_test(test_schema__junctors_do_not_prune),
		cmocka_unit_test(test_schema__list_type_set),
		cmocka_unit_test(test_schema__list_type_map),
		cmocka_unit_test(test_schema__metadata_unknown_field),
		cmocka_unit_test(test_schema__metadata_known_fields),
		cmocka_unit_test(test_schema__metadata_wrong_type),
		cmocka_unit_test(
			test_schema__metadata_owner_reference_unknown_field),
		cmocka_unit_test(test_schema__metadata_name_is_required),
		cmocka_unit_test(test_schema__metadata_name_is_dns_subdomain),
		cmocka_unit_test(test_schema__metadata_label_key_and_value),
		cmocka_unit_test(test_schema__metadata_namespace_is_dns_label),
		cmocka_unit_test(test_schema__metadata_time_must_be_rfc3339),
		cmocka_unit_test(test_schema__kind_must_be_a_string),
		cmocka_unit_test(test_schema__document_root_is_not_a_resource),
		cmocka_unit_test(test_schema__depth_limit_is_reported),
		cmocka_unit_test(test_schema__problems_are_capped),
		cmocka_unit_test(test_schema__malformed_schema_is_refused),
	};
	int failed;

	if (argc < 3) {
		fprintf(stderr, "usage: %s OPERATOR_DIR CRD_DIR\n", argv[0]);
		return 2;
	}
	anchors = argv[1];
	crd_root = argv[2];
	failed = cmocka_run_group_tests_name("schema", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("schema_crds", crd_tests,
					      setup_crds, teardown_crds);
	return failed;
}
