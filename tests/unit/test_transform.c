/*
 * Defaults merge, flinkConfiguration flattening, ${VAR} substitution.
 */
#include "helpers.h"

#include "render/emit.h"
#include "render/transform.h"
#include "render/base/banned.h"

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

	if (!v)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return v;
}

static void assert_json(json_t *v, const char *want)
{
	char *got =
		json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (strcmp(got, want))
		fail_msg("\n  got  %s\n  want %s", got, want);
	free(got);
}

static void test_transform__merge_maps_merge_lists_replace(void **state)
{
	json_t *base = J("{\"spec\":{\"image\":\"a\",\"args\":[1,2],"
			 "\"tm\":{\"cpu\":1,\"memory\":\"1g\"}}}");
	json_t *over = J("{\"spec\":{\"args\":[3],\"tm\":{\"cpu\":2}}}");

	assert_int_equal(fg_merge(base, over), 0);
	assert_json(base, "{\"spec\":{\"args\":[3],\"image\":\"a\","
			  "\"tm\":{\"cpu\":2,\"memory\":\"1g\"}}}");
	json_decref(base);
	json_decref(over);
}

static void test_transform__merge_null_removes_a_default(void **state)
{
	json_t *base = J("{\"spec\":{\"job\":{\"x\":1},\"image\":\"a\"}}");
	json_t *over = J("{\"spec\":{\"job\":null}}");

	fg_merge(base, over);
	assert_json(base, "{\"spec\":{\"image\":\"a\"}}");
	json_decref(base);
	json_decref(over);
}

static void test_transform__merge_does_not_share_values(void **state)
{
	json_t *base = json_object();
	json_t *over = J("{\"a\":{\"b\":1}}");

	fg_merge(base, over);
	json_object_set_new(json_object_get(base, "a"), "c", json_true());
	assert_json(over, "{\"a\":{\"b\":1}}");
	json_decref(base);
	json_decref(over);
}

static void test_transform__strip_nulls_everywhere(void **state)
{
	json_t *v = J("{\"a\":null,\"b\":[{\"c\":null,\"d\":1}]}");

	fg_strip_nulls(v);
	assert_json(v, "{\"b\":[{\"d\":1}]}");
	json_decref(v);
}

static void test_transform__flatten_nested_and_flat_are_equal(void **state)
{
	struct fg_problems p = FG_PROBLEMS_INIT;
	json_t *nested = J("{\"state\":{\"savepoints.dir\":\"s3://x\","
			   "\"checkpoints\":{\"dir\":\"s3://y\"}}}");
	json_t *flat = J("{\"state.savepoints.dir\":\"s3://x\","
			 "\"state.checkpoints.dir\":\"s3://y\"}");
	json_t *a, *b;

	assert_int_equal(fg_flink_config_flatten(&a, nested, "/c", &p), 0);
	assert_int_equal(fg_flink_config_flatten(&b, flat, "/c", &p), 0);
	assert_true(json_equal(a, b));
	assert_int_equal(p.n, 0);
	json_decref(a);
	json_decref(b);
	json_decref(nested);
	json_decref(flat);
}

static void test_transform__flatten_values_become_strings(void **state)
{
	struct fg_problems p = FG_PROBLEMS_INIT;
	json_t *in = J("{\"slots\":2,\"ratio\":0.5,\"on\":true,"
		       "\"list\":[\"a\",1,false],\"gone\":null}");
	json_t *out;

	assert_int_equal(fg_flink_config_flatten(&out, in, "/c", &p), 0);
	assert_json(out, "{\"gone\":null,\"list\":\"a;1;false\","
			 "\"on\":\"true\",\"ratio\":\"0.5\",\"slots\":\"2\"}");
	json_decref(out);
	json_decref(in);
}

static void test_transform__flatten_reports_a_key_set_twice(void **state)
{
	struct fg_problems p = FG_PROBLEMS_INIT;
	json_t *in = J("{\"a\":{\"b\":\"1\"},\"a.b\":\"2\"}");
	json_t *out;

	assert_int_equal(fg_flink_config_flatten(
				 &out, in, "/spec/flinkConfiguration", &p),
			 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].pointer, "/spec/flinkConfiguration/a.b");
	assert_string_equal(p.v[0].message, "flinkConfiguration key 'a.b' is "
					    "set twice (nested and flat)");
	fg_problems_release(&p);
	json_decref(out);
	json_decref(in);
}

static void test_transform__vars_are_substituted_in_strings(void **state)
{
	struct fg_problems p = FG_PROBLEMS_INIT;
	json_t *vars = J("{\"IMG\":\"flink:1.20\",\"B\":\"s3://b\"}");
	json_t *v = J("{\"image\":\"${IMG}\",\"dirs\":[\"${B}/cp\",\"x${B}y\"],"
		      "\"n\":1,\"${IMG}\":\"keys stay\"}");

	assert_int_equal(fg_vars_substitute(v, vars, &p), 0);
	assert_int_equal(p.n, 0);
	assert_json(v, "{\"${IMG}\":\"keys stay\",\"dirs\":[\"s3://b/cp\","
		       "\"xs3://by\"],\"image\":\"flink:1.20\",\"n\":1}");
	json_decref(v);
	json_decref(vars);
}

static void test_transform__double_dollar_escapes(void **state)
{
	struct fg_problems p = FG_PROBLEMS_INIT;
	json_t *vars = J("{\"A\":\"x\"}");
	json_t *v = J("[\"$${A}\",\"$A\",\"cost $5\",\"$${A} ${A}\"]");

	assert_int_equal(fg_vars_substitute(v, vars, &p), 0);
	assert_int_equal(p.n, 0);
	assert_json(v, "[\"${A}\",\"$A\",\"cost $5\",\"${A} x\"]");
	json_decref(v);
	json_decref(vars);
}

static void test_transform__unknown_and_malformed_variables(void **state)
{
	struct fg_problems p = FG_PROBLEMS_INIT;
	json_t *vars = J("{}");
	json_t *v = J("{\"a\":\"${NOPE}\",\"b\":[\"${oops\"],\"c\":\"${1x}\","
		      "\"d\":\"${}\"}");

	assert_int_equal(fg_vars_substitute(v, vars, &p), 0);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.v[0].pointer, "/a");
	assert_string_equal(p.v[0].message, "unknown variable '${NOPE}'");
	assert_string_equal(p.v[1].pointer, "/b/0");
	assert_string_equal(p.v[1].message,
			    "unterminated '${' (write '$${' for a literal "
			    "'${')");
	assert_string_equal(p.v[2].message, "invalid variable name '1x' "
					    "(letters, digits and '_')");
	assert_string_equal(p.v[3].message, "invalid variable reference '${}'");
	fg_problems_release(&p);
	json_decref(v);
	json_decref(vars);
}

static void test_transform__emitted_yaml_reads_back_the_same(void **state)
{
	json_t *v = J("{\"kind\":\"X\",\"apiVersion\":\"v1\",\"s\":{"
		      "\"yes\":\"yes\",\"n\":\"012\",\"f\":\"1.0\","
		      "\"nul\":\"null\",\"e\":\"\",\"t\":\"2001-12-14\","
		      "\"multi\":\"a\\nb\\n\",\"colon\":\"a: b\","
		      "\"num\":12,\"real\":0.25,\"big\":1e300,\"b\":false,"
		      "\"list\":[1,\"~\",[]],\"empty\":{},\"merge\":\"<<\","
		      "\"lead\":\" x\",\"hash\":\"#x\",\"star\":\"*a\"}}");
	struct fg_buf out = FG_BUF_INIT;
	struct fg_yaml_file *f;

	assert_int_equal(fg_yaml_emit(&out, v), 0);
	assert_memory_equal(out.ptr, "---\napiVersion: v1\nkind: X\n", 27);
	f = load_ok(out.ptr);
	assert_int_equal(fg_yaml_count(f), 1);
	if (!json_equal(fg_yaml_doc(f, 0), v))
		fail_msg("round trip differs:\n%s", out.ptr);
	fg_yaml_file_free(f);
	fg_buf_release(&out);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_transform__merge_maps_merge_lists_replace),
		cmocka_unit_test(test_transform__merge_null_removes_a_default),
		cmocka_unit_test(test_transform__merge_does_not_share_values),
		cmocka_unit_test(test_transform__strip_nulls_everywhere),
		cmocka_unit_test(
			test_transform__flatten_nested_and_flat_are_equal),
		cmocka_unit_test(test_transform__flatten_values_become_strings),
		cmocka_unit_test(
			test_transform__flatten_reports_a_key_set_twice),
		cmocka_unit_test(
			test_transform__vars_are_substituted_in_strings),
		cmocka_unit_test(test_transform__double_dollar_escapes),
		cmocka_unit_test(
			test_transform__unknown_and_malformed_variables),
		cmocka_unit_test(
			test_transform__emitted_yaml_reads_back_the_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
