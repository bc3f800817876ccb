/*
 * Secret redaction (render/secret.h): what plan, drift, render and every
 * report show of a Secret.
 */
#include "helpers.h"

#include <sodium.h>

#include "render/secret.h"
#include "render/base/banned.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &e);

	if (!v)
		fail_msg("bad test JSON: %s", e.text);
	return v;
}

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
}

#define SECRET                                                            \
	"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{"       \
	"\"name\":\"db\",\"annotations\":{"                               \
	"\"flink-gitops.io/desired-hash\":\"0123abcd\","                  \
	"\"kubectl.kubernetes.io/last-applied-configuration\":"           \
	"\"{\\\"data\\\":{\\\"password\\\":\\\"aHVudGVyMg==\\\"}}\"}},"   \
	"\"type\":\"Opaque\","                                            \
	"\"data\":{\"password\":\"aHVudGVyMg==\",\"user\":\"YWRtaW4=\"}," \
	"\"stringData\":{\"token\":\"s3cr3t-t0ken\"}}"

static void test_secret__no_value_survives_redaction(void **state)
{
	json_t *obj = parse(SECRET), *r = fg_secret_redacted(obj);
	char *text = dump(r), *orig = dump(obj);

	assert_null(strstr(text, "aHVudGVyMg=="));
	assert_null(strstr(text, "YWRtaW4="));
	assert_null(strstr(text, "s3cr3t-t0ken"));
	assert_null(strstr(text, "0123abcd"));
	assert_null(strstr(text, "hunter2"));
	/* the keys and the rest stay, so a reader sees what differs */
	assert_non_null(strstr(text, "\"password\":\"<redacted hmac-sha256:"));
	assert_non_null(strstr(text, "\"type\":\"Opaque\""));
	assert_non_null(strstr(text, "\"name\":\"db\""));
	/* the original is untouched */
	assert_non_null(strstr(orig, "aHVudGVyMg=="));
	free(text);
	free(orig);
	json_decref(r);
	json_decref(obj);
}

static void test_secret__markers_equal_exactly_when_values_are(void **state)
{
	json_t *a = parse("{\"kind\":\"Secret\",\"data\":{\"p\":\"eA==\"},"
			  "\"stringData\":{\"q\":\"x\",\"r\":\"y\"}}");
	json_t *b = parse("{\"kind\":\"Secret\",\"data\":{\"p\":\"eA==\"}}");

	fg_secret_redact(a);
	fg_secret_redact(b);
	/* data is compared decoded: stringData "x" is data "eA==" */
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(a, "data"), "p")),
			    json_string_value(json_object_get(
				    json_object_get(a, "stringData"), "q")));
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(a, "data"), "p")),
			    json_string_value(json_object_get(
				    json_object_get(b, "data"), "p")));
	assert_string_not_equal(
		json_string_value(
			json_object_get(json_object_get(a, "stringData"), "q")),
		json_string_value(json_object_get(
			json_object_get(a, "stringData"), "r")));
	json_decref(a);
	json_decref(b);
}

static void test_secret__markers_follow_the_redaction_key(void **state)
{
	unsigned char k1[32] = { 1 }, k2[32] = { 2 };
	char m1[FG_SECRET_MARKER_SIZE], m2[FG_SECRET_MARKER_SIZE],
		m3[FG_SECRET_MARKER_SIZE];

	assert_int_equal(fg_secret_redaction_key_set(k1), 0);
	fg_secret_marker(m1, "changeme", 8);
	assert_int_equal(fg_secret_redaction_key_set(k2), 0);
	fg_secret_marker(m2, "changeme", 8);
	assert_int_equal(fg_secret_redaction_key_set(k1), 0);
	fg_secret_marker(m3, "changeme", 8);
	/* same key, same marker; another key cannot be matched */
	assert_string_equal(m1, m3);
	assert_string_not_equal(m1, m2);
	assert_int_equal(strlen(m1), FG_SECRET_MARKER_SIZE - 1);
	assert_int_equal(strncmp(m1, FG_SECRET_MARKER_PREFIX,
				 strlen(FG_SECRET_MARKER_PREFIX)),
			 0);
}

static void test_secret__other_kinds_are_left_alone(void **state)
{
	json_t *cm = parse("{\"kind\":\"ConfigMap\",\"data\":{\"a\":\"b\"}}");
	json_t *r = fg_secret_redacted(cm);

	assert_ptr_equal(r, cm);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(r, "data"), "a")),
			    "b");
	json_decref(r);
	json_decref(cm);
}

static void test_secret__a_diff_field_shows_a_marker(void **state)
{
	json_t *obj = parse(SECRET);
	json_t *v = json_string("aHVudGVyMg=="), *shown;
	json_t *ann = json_object_get(json_object_get(obj, "metadata"),
				      "annotations");
	char *text;

	shown = fg_secret_redact_field(obj, "/data/password", v);
	assert_non_null(strstr(json_string_value(shown), "<redacted"));
	json_decref(shown);
	shown = fg_secret_redact_field(obj, "/metadata/name", v);
	assert_ptr_equal(shown, v);
	json_decref(shown);
	shown = fg_secret_redact_field(obj, "/data",
				       json_object_get(obj, "data"));
	text = dump(shown);
	assert_null(strstr(text, "aHVudGVyMg=="));
	free(text);
	json_decref(shown);
	shown = fg_secret_redact_field(obj, "/metadata/annotations", ann);
	text = dump(shown);
	assert_null(strstr(text, "0123abcd"));
	assert_null(strstr(text, "aHVudGVyMg=="));
	free(text);
	json_decref(shown);
	json_decref(v);
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret__no_value_survives_redaction),
		cmocka_unit_test(
			test_secret__markers_equal_exactly_when_values_are),
		cmocka_unit_test(test_secret__markers_follow_the_redaction_key),
		cmocka_unit_test(test_secret__other_kinds_are_left_alone),
		cmocka_unit_test(test_secret__a_diff_field_shows_a_marker),
	};

	if (sodium_init() < 0)
		return 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
