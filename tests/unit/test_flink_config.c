/*
 * Flink configuration knowledge (render/flink_config.h): keys and their
 * older spellings in Flink's order, flat and nested lookup, values read
 * as Flink's Configuration reads them (with Flink's messages), Flink's
 * list syntax, and the questions the rules and the policy ask.
 */
#include "helpers.h"

#include <math.h>

#include "render/flink_config.h"
#include "render/base/banned.h"

static json_t *conf(const char *json)
{
	json_error_t e;
	json_t *v = json_loads(json, JSON_REJECT_DUPLICATES, &e);

	if (!v)
		fail_msg("bad test JSON %s: %s", json, e.text);
	return v;
}

static void test_flink_config__flat_and_nested_keys_are_one(void **state)
{
	(void)state;
	static const char *const forms[] = {
		"{\"state.checkpoints.dir\": \"s3://a\"}",
		"{\"state\": {\"checkpoints\": {\"dir\": \"s3://a\"}}}",
		"{\"state\": {\"checkpoints.dir\": \"s3://a\"}}",
		"{\"state.checkpoints\": {\"dir\": \"s3://a\"}}",
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		json_t *c = conf(forms[i]);
		const json_t *v = fg_flink_conf_raw(c, "state.checkpoints.dir");

		assert_non_null(v);
		assert_string_equal(json_string_value(v), "s3://a");
		json_decref(c);
	}
}

static void test_flink_config__deprecated_keys_answer_for_the_new(void **state)
{
	(void)state;
	json_t *c = conf("{\"state.savepoints.dir\": \"s3://sp\", "
			 "\"high-availability\": \"kubernetes\"}");
	const char *found = NULL;
	const json_t *v;

	v = fg_flink_conf_get(c, FG_FLINK_CONF_SAVEPOINT_DIR, &found);
	assert_string_equal(json_string_value(v), "s3://sp");
	assert_string_equal(found, "state.savepoints.dir");
	v = fg_flink_conf_get(c, FG_FLINK_CONF_HA_TYPE, &found);
	assert_string_equal(json_string_value(v), "kubernetes");
	assert_string_equal(found, "high-availability");
	json_decref(c);
}

static void
test_flink_config__fallback_keys_come_before_deprecated_ones(void **state)
{
	(void)state;
	/* withDeprecatedKeys(target.utilization).withFallbackKeys(old...) */
	json_t *c = conf("{\"job.autoscaler.target.utilization\": \"0.1\", "
			 "\"kubernetes.operator.job.autoscaler."
			 "utilization.target\": \"0.2\"}");
	const char *found = NULL;
	double d;
	int has;

	fg_flink_conf_get(c, "job.autoscaler.utilization.target", &found);
	assert_string_equal(found, "kubernetes.operator.job.autoscaler."
				   "utilization.target");
	assert_int_equal(fg_flink_conf_double(c,
					      "job.autoscaler.utilization."
					      "target",
					      &d, &has),
			 1);
	assert_true(d == 0.2);
	json_decref(c);
}

static void
test_flink_config__every_autoscaler_key_has_its_old_one(void **state)
{
	(void)state;
	json_t *c = conf("{\"kubernetes.operator.job.autoscaler.vertex."
			 "exclude.ids\": \"ab12\"}");
	const json_t *v =
		fg_flink_conf_get(c, "job.autoscaler.vertex.exclude.ids", NULL);

	assert_string_equal(json_string_value(v), "ab12");
	json_decref(c);
}

static void
test_flink_config__values_read_as_the_operator_flattens(void **state)
{
	(void)state;
	json_t *c = conf("{\"a\": [\"x\", 2, true], \"b\": 0.25, \"c\": null}");
	struct fg_buf b = FG_BUF_INIT;

	assert_int_equal(fg_flink_conf_string(c, "a", &b, NULL), 1);
	assert_string_equal(b.ptr, "x;2;true");
	assert_int_equal(fg_flink_conf_string(c, "b", &b, NULL), 1);
	assert_string_equal(b.ptr, "0.25");
	/* null is absent */
	assert_int_equal(fg_flink_conf_string(c, "c", &b, NULL), 0);
	fg_buf_release(&b);
	json_decref(c);
}

static void test_flink_config__booleans_as_flink_converts_them(void **state)
{
	(void)state;
	json_t *c = conf("{\"kubernetes.operator.deployment.rollback.enabled\":"
			 " \"TRUE\", \"job.autoscaler.enabled\": \"yes\"}");
	int v = -1;

	assert_int_equal(fg_flink_conf_bool(c,
					    "kubernetes.operator.deployment."
					    "rollback.enabled",
					    &v),
			 1);
	assert_int_equal(v, 1);
	/* absent: the option's default */
	assert_int_equal(fg_flink_conf_bool(c,
					    "kubernetes.operator.jm-"
					    "deployment-recovery.enabled",
					    &v),
			 0);
	assert_int_equal(v, 1);
	assert_int_equal(fg_flink_conf_bool(c, "job.autoscaler.enabled", &v),
			 FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "Could not parse value 'yes' for key "
			    "'job.autoscaler.enabled'.");
	json_decref(c);
}

static void test_flink_config__doubles_as_java_parses_them(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		double value;
	} ok[] = {
		{ " 0.5 ", 0.5 },
		{ "1e-1", 0.1 },
		{ "2d", 2.0 },
		{ "0x1p-1", 0.5 },
		{ "-Infinity", -INFINITY },
		{ ".5f", 0.5 },
	};
	static const char *const bad[] = { "0x10", "1e", "", "one", "1,5" };
	const char *key = "job.autoscaler.scale-down.max-factor";
	char text[160];
	double d;
	int has;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		json_t *c = json_pack("{s:s}", key, ok[i].text);
		assert_int_equal(fg_flink_conf_double(c, key, &d, &has), 1);
		assert_true(d == ok[i].value);
		json_decref(c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *c = json_pack("{s:s}", key, bad[i]);
		assert_int_equal(fg_flink_conf_double(c, key, &d, &has),
				 FG_EINVALID);
		snprintf(text, sizeof(text),
			 "Could not parse value '%s' for key '%s'.", bad[i],
			 key);
		assert_string_equal(fg_error_last(), text);
		json_decref(c);
	}
}

static void test_flink_config__durations_as_flink_parses_them(void **state)
{
	(void)state;
	struct fg_flink_duration d;

	assert_int_equal(fg_flink_duration_parse("15 min", &d), 0);
	assert_int_equal(d.seconds, 900);
	assert_int_equal(fg_flink_duration_parse("1500", &d), 0); /* ms */
	assert_int_equal(d.seconds, 1);
	assert_int_equal(d.nanos, 500000000);
	assert_int_equal(fg_flink_duration_parse("2 H", &d), 0);
	assert_int_equal(d.seconds, 7200);
	assert_int_equal(fg_flink_duration_parse("3\xc2\xb5s", &d), 0);
	assert_int_equal(d.nanos, 3000);
	assert_int_equal(fg_flink_duration_parse("1 fortnight", &d),
			 FG_EINVALID);
	assert_true(!strncmp(fg_error_last(),
			     "Time interval unit label 'fortnight' does not "
			     "match any of the recognized units: DAYS: (d | "
			     "day | days)",
			     80));
	assert_int_equal(fg_flink_duration_parse("-1 s", &d), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "text does not start with a number");
	/* Duration.of overflows: Flink refuses it */
	assert_int_equal(fg_flink_duration_parse("9223372036854775807 d", &d),
			 FG_EINVALID);
}

static void test_flink_config__lists_split_as_flink_splits_them(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t n;
		const char *items[3];
	} cases[] = {
		{ "A;B;C", 3, { "A", "B", "C" } },
		{ "'A;B';C", 2, { "A;B", "C" } },
		{ " a ; b ", 2, { "a", "b" } },
		{ "\"AB\"\"D;B\";C", 2, { "AB\"D;B", "C" } },
		{ "A'BD;B';C", 3, { "A'BD", "B'", "C" } },
		{ "a;;b", 3, { "a", "", "b" } },
		{ ";a;", 1, { "a" } },
		{ "", 0, { NULL } },
	};
	char **items;
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
			fg_flink_conf_split_list(cases[i].text, &items, &n), 0);
		assert_int_equal(n, cases[i].n);
		for (size_t k = 0; k < n; k++)
			assert_string_equal(items[k], cases[i].items[k]);
		fg_flink_conf_list_free(items, n);
	}
	assert_int_equal(fg_flink_conf_split_list("'AB'D;B;C", &items, &n),
			 FG_EINVALID);
	assert_string_equal(fg_error_last(), "Could not split string. Illegal "
					     "quoting at position: 3");
	assert_int_equal(fg_flink_conf_split_list("C;'", &items, &n),
			 FG_EINVALID);
	assert_string_equal(fg_error_last(), "Could not split string. Quoting "
					     "was not closed properly.");
}

static void test_flink_config__memory_sizes_as_flink_parses_them(void **state)
{
	(void)state;
	unsigned long long b;

	assert_int_equal(fg_flink_memory_parse("2048m", &b), 0);
	assert_int_equal(b, 2048ULL << 20);
	assert_int_equal(fg_flink_memory_parse("1 GB", &b), 0);
	assert_int_equal(b, 1ULL << 30);
	assert_int_equal(fg_flink_memory_parse("1Gi", &b), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "Memory size unit 'gi' does not match any of the "
			    "recognized units: (b | bytes) / (k | kb | "
			    "kibibytes) / (m | mb | mebibytes) / (g | gb | "
			    "gibibytes) / (t | tb | tebibytes)");
}

static void test_flink_config__checkpointing_configured(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		int want;
	} cases[] = {
		{ "{}", 0 },
		{ "{\"execution.checkpointing.interval\": \"10 s\"}", 1 },
		{ "{\"execution\": {\"checkpointing\": {\"dir\": \"s3://c\"}}}",
		  1 },
		{ "{\"state.checkpoints.dir\": \"s3://c\"}", 1 },
		{ "{\"state.backend.fs.checkpointdir\": \"s3://c\"}", 1 },
		{ "{\"state.checkpoints.dir\": \"  \"}", 0 },
		{ "{\"state.savepoints.dir\": \"s3://s\"}", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *c = conf(cases[i].json);
		if (fg_flink_conf_checkpointing(c) != cases[i].want)
			fail_msg("%s: want %d", cases[i].json, cases[i].want);
		json_decref(c);
	}
	assert_int_equal(fg_flink_conf_checkpointing(NULL), 0);
}

static void test_flink_config__savepoint_dir_and_ha(void **state)
{
	(void)state;
	json_t *c = conf("{\"state\": {\"savepoints\": {\"dir\": \"s3://s\"}}, "
			 "\"high-availability.type\": \"kubernetes\"}");
	json_t *none =
		conf("{\"high-availability.type\": \"NONE\", "
		     "\"execution.checkpointing.savepoint-dir\": \" \"}");
	json_t *old = conf("{\"recovery.mode\": \"standalone\"}");
	json_t *cls = conf("{\"high-availability\": "
			   "\"org.example.MyHaFactory\"}");

	assert_int_equal(fg_flink_conf_savepoint_dir(c), 1);
	assert_int_equal(fg_flink_conf_ha_enabled(c), 1);
	assert_int_equal(fg_flink_conf_savepoint_dir(none), 0);
	assert_int_equal(fg_flink_conf_ha_enabled(none), 0);
	assert_int_equal(fg_flink_conf_ha_enabled(old), 0);
	assert_int_equal(fg_flink_conf_ha_enabled(cls), 1);
	json_decref(c);
	json_decref(none);
	json_decref(old);
	json_decref(cls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_flink_config__flat_and_nested_keys_are_one),
		cmocka_unit_test(
			test_flink_config__deprecated_keys_answer_for_the_new),
		cmocka_unit_test(
			test_flink_config__fallback_keys_come_before_deprecated_ones),
		cmocka_unit_test(
			test_flink_config__every_autoscaler_key_has_its_old_one),
		cmocka_unit_test(
			test_flink_config__values_read_as_the_operator_flattens),
		cmocka_unit_test(
			test_flink_config__booleans_as_flink_converts_them),
		cmocka_unit_test(
			test_flink_config__doubles_as_java_parses_them),
		cmocka_unit_test(
			test_flink_config__durations_as_flink_parses_them),
		cmocka_unit_test(
			test_flink_config__lists_split_as_flink_splits_them),
		cmocka_unit_test(
			test_flink_config__memory_sizes_as_flink_parses_them),
		cmocka_unit_test(test_flink_config__checkpointing_configured),
		cmocka_unit_test(test_flink_config__savepoint_dir_and_ha),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
