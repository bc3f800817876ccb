/*
 * Logging: one line per event, key=value or JSON, and never a secret.
 */
#include "helpers.h"

#include <stdio.h>

#include "agent/log.h"
#include "render/base/buf.h"
#include "render/base/banned.h"

static char *captured;
static size_t captured_len;
static FILE *sink;

static int setup(void **state)
{
	sink = open_memstream(&captured, &captured_len);
	fg_log_setup(FG_LOG_LEVEL_INFO, FG_LOG_FORMAT_TEXT, sink);
	return 0;
}

static int teardown(void **state)
{
	fclose(sink);
	free(captured);
	captured = NULL;
	fg_log_secrets_clear();
	fg_log_setup(FG_LOG_LEVEL_INFO, FG_LOG_FORMAT_TEXT, NULL);
	return 0;
}

/* The line without its leading "ts=... " field. */
static const char *after_ts(void)
{
	const char *p;

	fflush(sink);
	p = strchr(captured, ' ');
	return p ? p + 1 : captured;
}

static void test_log__text_lines_are_key_value(void **state)
{
	FG_LOG_INFO("sync.done", FG_LOG_STR("namespace", "analytics"),
		    FG_LOG_INT("applied", 3));
	assert_string_equal(after_ts(), "level=info event=sync.done "
					"namespace=analytics applied=3\n");
	assert_memory_equal(captured, "ts=20", 5);
}

static void test_log__values_with_spaces_are_quoted(void **state)
{
	FG_LOG_WARN("x", FG_LOG_STR("msg", "a \"b\" c=d\n"),
		    FG_LOG_STR("empty", ""));
	assert_string_equal(after_ts(), "level=warn event=x "
					"msg=\"a \\\"b\\\" c=d\\n\" "
					"empty=\"\"\n");
}

static void test_log__json_lines_are_objects(void **state)
{
	json_error_t je;
	json_t *o;

	fg_log_setup(FG_LOG_LEVEL_INFO, FG_LOG_FORMAT_JSON, sink);
	FG_LOG_ERROR("git.fetch", FG_LOG_STR("url", "https://h/r.git"),
		     FG_LOG_INT("attempt", 2));
	fflush(sink);
	o = json_loads(captured, 0, &je);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "level")),
			    "error");
	assert_string_equal(json_string_value(json_object_get(o, "event")),
			    "git.fetch");
	assert_int_equal(json_integer_value(json_object_get(o, "attempt")), 2);
	assert_non_null(json_object_get(o, "ts"));
	json_decref(o);
}

static int evaluated;

static const char *expensive(void)
{
	evaluated++;
	return "value";
}

static void test_log__level_is_checked_before_arguments(void **state)
{
	evaluated = 0;
	FG_LOG_DEBUG("noisy", FG_LOG_STR("v", expensive()));
	assert_int_equal(evaluated, 0);
	fflush(sink);
	assert_int_equal(captured_len, 0);
	fg_log_setup(FG_LOG_LEVEL_DEBUG, FG_LOG_FORMAT_TEXT, sink);
	FG_LOG_DEBUG("noisy", FG_LOG_STR("v", expensive()));
	assert_int_equal(evaluated, 1);
}

static void test_log__registered_secrets_never_print(void **state)
{
	assert_int_equal(fg_log_secret("s3cr3t-t0ken"), 0);
	FG_LOG_INFO("http", FG_LOG_STR("header", "Bearer s3cr3t-t0ken"),
		    FG_LOG_STR("url", "https://u:s3cr3t-t0ken@h/r"));
	assert_null(strstr(captured, "s3cr3t"));
	assert_string_equal(after_ts(),
			    "level=info event=http header=\"Bearer "
			    "[redacted]\" url=https://u:[redacted]@h/r\n");
}

static void test_log__secrets_are_redacted_in_json_too(void **state)
{
	fg_log_setup(FG_LOG_LEVEL_INFO, FG_LOG_FORMAT_JSON, sink);
	fg_log_secret("hunter2");
	FG_LOG_INFO("auth", FG_LOG_STR("detail", "password hunter2 refused"),
		    FG_LOG_SECRET("token"));
	fflush(sink);
	assert_null(strstr(captured, "hunter2"));
	assert_non_null(strstr(captured, "\"token\":\"[redacted]\""));
	assert_non_null(strstr(captured, "password [redacted] refused"));
}

static void test_log__unknown_level_and_format_are_refused(void **state)
{
	enum fg_log_level l;
	enum fg_log_format f;

	assert_int_equal(fg_log_parse_level("verbose", &l), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "unknown log level 'verbose' (debug, info, warn, "
			    "error, off)");
	assert_int_equal(fg_log_parse_format("xml", &f), FG_EINVALID);
	assert_int_equal(fg_log_parse_level("warn", &l), 0);
	assert_int_equal(l, FG_LOG_LEVEL_WARN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_log__text_lines_are_key_value, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_log__values_with_spaces_are_quoted, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_log__json_lines_are_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_log__level_is_checked_before_arguments, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_log__registered_secrets_never_print, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_log__secrets_are_redacted_in_json_too, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_log__unknown_level_and_format_are_refused, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
