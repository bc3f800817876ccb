/*
 * The operator's CRDs carried by the binary: which versions and kinds are
 * bundled, their schemas, and the messages for what is not there.
 */
#include "helpers.h"

#include <stdio.h>

#include "render/base/buf.h"
#include "render/crd.h"
#include "render/base/banned.h"

#define API "flink.apache.org/v1beta1"

static const char *crd_dir; /* render/crds, for comparing with the files */

static const char *const kinds[] = { "FlinkDeployment", "FlinkSessionJob",
				     "FlinkStateSnapshot",
				     "FlinkBlueGreenDeployment" };
static const char *const files[] = {
	"flinkdeployments.flink.apache.org-v1.yml",
	"flinksessionjobs.flink.apache.org-v1.yml",
	"flinkstatesnapshots.flink.apache.org-v1.yml",
	"flinkbluegreendeployments.flink.apache.org-v1.yml",
};

static const json_t *schema_ok(const char *version, const char *kind)
{
	const json_t *s = NULL;

	if (fg_crd_schema(&s, version, kind, API) < 0)
		fail_msg("%s %s: %s", version, kind, fg_error_last());
	assert_non_null(s);
	return s;
}

/* The schema node for field `a.b.c` below an object schema, or NULL. */
static const json_t *field(const json_t *schema, const char *path)
{
	char buf[256];
	char *p, *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; schema && p; p = dot) {
		if ((dot = strchr(p, '.')))
			*dot++ = '\0';
		schema = json_object_get(json_object_get(schema, "properties"),
					 p);
	}
	return schema;
}

static int enum_has(const json_t *schema, const char *value)
{
	const json_t *v;
	size_t i;

	json_array_foreach (json_object_get(schema, "enum"), i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), value))
			return 1;
	return 0;
}

static const char *schema_err(const char *version, const char *kind,
			      const char *api_version)
{
	const json_t *s = json_null(); /* must be reset to NULL */

	assert_int_equal(fg_crd_schema(&s, version, kind, api_version),
			 FG_ENOTFOUND);
	assert_null(s);
	return fg_error_last();
}

static int free_cache(void **state)
{
	fg_crd_cache_free();
	return 0;
}

static void test_crd__versions_are_newest_release_first_then_main(void **state)
{
	const char *const *v = fg_crd_versions();

	assert_string_equal(v[0], "1.15.0");
	assert_string_equal(v[1], "main");
	assert_null(v[2]);
	assert_string_equal(FG_CRD_DEFAULT_VERSION, "1.15.0");
}

static void test_crd__version_known_only_for_bundled_ones(void **state)
{
	assert_true(fg_crd_version_known("1.15.0"));
	assert_true(fg_crd_version_known("main"));
	assert_false(fg_crd_version_known("1.15"));
	assert_false(fg_crd_version_known(""));
	assert_false(fg_crd_version_known(NULL));
}

static void test_crd__every_kind_is_bundled_in_every_version(void **state)
{
	const char *const *v;
	size_t k;

	for (v = fg_crd_versions(); *v; v++)
		for (k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
			const json_t *s = schema_ok(*v, kinds[k]);

			assert_string_equal(
				json_string_value(json_object_get(s, "type")),
				"object");
			assert_non_null(field(s, "spec"));
			assert_non_null(field(s, "status"));
		}
}

static void test_crd__kind_known_for_flink_kinds_only(void **state)
{
	size_t k;

	for (k = 0; k < sizeof(kinds) / sizeof(*kinds); k++)
		assert_true(fg_crd_kind_known(kinds[k]));
	assert_false(fg_crd_kind_known("FlinkBlueGreen"));
	assert_false(fg_crd_kind_known("Deployment"));
	assert_false(fg_crd_kind_known("flinkdeployment"));
	assert_false(fg_crd_kind_known(NULL));
}

static void test_crd__resources_field_is_only_on_main(void **state)
{
	const json_t *old = schema_ok("1.15.0", "FlinkDeployment");
	const json_t *cur = schema_ok("main", "FlinkDeployment");

	assert_non_null(field(old, "spec.jobManager.resource"));
	assert_null(field(old, "spec.jobManager.resources"));
	assert_null(field(old, "spec.taskManager.resources"));
	assert_non_null(field(cur, "spec.jobManager.resource"));
	assert_non_null(field(cur, "spec.jobManager.resources.requests"));
	assert_non_null(field(cur, "spec.taskManager.resources.limits"));
}

static void test_crd__flink_v2_3_and_v2_4_are_only_on_main(void **state)
{
	const json_t *old = field(schema_ok("1.15.0", "FlinkDeployment"),
				  "spec.flinkVersion");
	const json_t *cur = field(schema_ok("main", "FlinkDeployment"),
				  "spec.flinkVersion");

	assert_true(enum_has(old, "v2_2"));
	assert_false(enum_has(old, "v2_3"));
	assert_false(enum_has(old, "v2_4"));
	assert_true(enum_has(cur, "v2_3"));
	assert_true(enum_has(cur, "v2_4"));
}

static void test_crd__bluegreen_template_is_a_deployment_spec(void **state)
{
	const json_t *old = schema_ok("1.15.0", "FlinkBlueGreenDeployment");
	const json_t *cur = schema_ok("main", "FlinkBlueGreenDeployment");

	assert_non_null(field(old, "spec.configuration"));
	assert_non_null(field(old, "spec.ingress.template"));
	assert_non_null(field(old, "spec.template.spec.job.upgradeMode"));
	assert_non_null(field(old, "status.blueGreenState"));
	assert_null(field(old, "status.reconciliationStatus"));
	/* its template follows the FlinkDeployment schema of its release */
	assert_null(field(old, "spec.template.spec.jobManager.resources"));
	assert_non_null(
		field(cur, "spec.template.spec.jobManager.resources.requests"));
}

static void test_crd__null_version_means_the_default(void **state)
{
	assert_ptr_equal(schema_ok(NULL, "FlinkSessionJob"),
			 schema_ok(FG_CRD_DEFAULT_VERSION, "FlinkSessionJob"));
}

static void test_crd__unknown_version_lists_the_bundled_ones(void **state)
{
	assert_string_equal(schema_err("9.9", "FlinkDeployment", API),
			    "operator version '9.9' is not bundled (bundled: "
			    "1.15.0, main)");
}

static void test_crd__unknown_kind_names_kind_and_version(void **state)
{
	assert_string_equal(schema_err("1.15.0", "FlinkBlueGreen", API),
			    "no CRD for kind 'FlinkBlueGreen' in operator "
			    "version 1.15.0");
	assert_string_equal(schema_err("main", "Deployment", "apps/v1"),
			    "no CRD for kind 'Deployment' in operator "
			    "version main");
}

static void test_crd__unknown_api_version_lists_the_served_ones(void **state)
{
	assert_string_equal(
		schema_err("1.15.0", "FlinkDeployment",
			   "flink.apache.org/v1alpha1"),
		"FlinkDeployment has no API version 'v1alpha1' (served: "
		"v1beta1)");
	assert_string_equal(
		schema_err("main", "FlinkSessionJob", "apps/v1beta1"),
		"FlinkSessionJob belongs to API group "
		"'flink.apache.org', not 'apps'");
	assert_string_equal(schema_err("main", "FlinkSessionJob", "v1beta1"),
			    "FlinkSessionJob belongs to API group "
			    "'flink.apache.org', not the core group "
			    "(apiVersion 'v1beta1')");
}

static void test_crd__null_arguments_are_refused(void **state)
{
	const json_t *s = NULL;

	assert_int_equal(fg_crd_schema(&s, NULL, NULL, API), FG_EINVALID);
	assert_int_equal(fg_crd_schema(&s, NULL, "FlinkDeployment", NULL),
			 FG_EINVALID);
	assert_int_equal(fg_crd_schema(NULL, NULL, "FlinkDeployment", API),
			 FG_EINVALID);
}

static void test_crd__same_question_same_pointer(void **state)
{
	const json_t *a = schema_ok("main", "FlinkDeployment");
	const json_t *b = schema_ok("main", "FlinkDeployment");

	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, schema_ok("1.15.0", "FlinkDeployment"));
}

static void test_crd__cache_free_then_ask_again(void **state)
{
	json_t *copy = json_deep_copy(schema_ok("main", "FlinkStateSnapshot"));

	fg_crd_cache_free();
	fg_crd_cache_free(); /* twice is harmless */
	assert_true(json_equal(copy, schema_ok("main", "FlinkStateSnapshot")));
	json_decref(copy);
}

/* Drop `description` keywords from a schema tree, as fg-embed does. */
static void strip_descriptions(json_t *schema, int is_map)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(schema)) {
		json_array_foreach (schema, i, v)
			strip_descriptions(v, 0);
		return;
	}
	if (!json_is_object(schema))
		return;
	if (!is_map && json_is_string(json_object_get(schema, "description")))
		json_object_del(schema, "description");
	json_object_foreach (schema, key, v) {
		if (is_map || !strcmp(key, "items") ||
		    !strcmp(key, "additionalProperties") ||
		    !strcmp(key, "not") || !strcmp(key, "allOf") ||
		    !strcmp(key, "anyOf") || !strcmp(key, "oneOf"))
			strip_descriptions(v, 0);
		else if (!strcmp(key, "properties") ||
			 !strcmp(key, "patternProperties"))
			strip_descriptions(v, 1);
	}
}

static void test_crd__embedded_schema_is_the_crd_files_schema(void **state)
{
	const char *const *v;
	size_t k;

	for (v = fg_crd_versions(); *v; v++)
		for (k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
			struct fg_buf path = FG_BUF_INIT;
			struct fg_yaml_file *f = NULL;
			json_t *want;

			assert_int_equal(fg_buf_printf(&path, "%s/%s/%s",
						       crd_dir, *v, files[k]),
					 0);
			if (fg_yaml_load_path(&f, path.ptr, NULL, NULL) < 0)
				fail_msg("%s", fg_error_last());
			want = NULL;
			json_unpack(fg_yaml_doc(f, 0), "{s:{s:[{s:{s:o}}]}}",
				    "spec", "versions", "schema",
				    "openAPIV3Schema", &want);
			assert_non_null(want);
			strip_descriptions(want, 0);
			if (!json_equal(want, schema_ok(*v, kinds[k])))
				fail_msg("%s differs from the embedded schema",
					 path.ptr);
			fg_yaml_file_free(f);
			fg_buf_release(&path);
		}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_crd__versions_are_newest_release_first_then_main),
		cmocka_unit_test(test_crd__version_known_only_for_bundled_ones),
		cmocka_unit_test(
			test_crd__every_kind_is_bundled_in_every_version),
		cmocka_unit_test(test_crd__kind_known_for_flink_kinds_only),
		cmocka_unit_test(test_crd__resources_field_is_only_on_main),
		cmocka_unit_test(
			test_crd__flink_v2_3_and_v2_4_are_only_on_main),
		cmocka_unit_test(
			test_crd__bluegreen_template_is_a_deployment_spec),
		cmocka_unit_test(test_crd__null_version_means_the_default),
		cmocka_unit_test(
			test_crd__unknown_version_lists_the_bundled_ones),
		cmocka_unit_test(test_crd__unknown_kind_names_kind_and_version),
		cmocka_unit_test(
			test_crd__unknown_api_version_lists_the_served_ones),
		cmocka_unit_test(test_crd__null_arguments_are_refused),
		cmocka_unit_test(test_crd__same_question_same_pointer),
		cmocka_unit_test(test_crd__cache_free_then_ask_again),
		cmocka_unit_test(
			test_crd__embedded_schema_is_the_crd_files_schema),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s RENDER_CRDS_DIR\n", argv[0]);
		return 2;
	}
	crd_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, free_cache);
}
