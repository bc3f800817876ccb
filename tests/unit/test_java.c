/*
 * What the operator's Java runtime does with strings (render/java.h) and
 * the Quartz parsers behind the autoscaler's excluded periods
 * (render/quartz.h): each case is what the JDK 17 / fabric8 / Quartz
 * 2.4.0 code the operator runs gives for it.
 */
#include "helpers.h"

#include <time.h>

#include "render/java.h"
#include "render/quartz.h"
#include "render/base/banned.h"

/* ---- numbers ---------------------------------------------------------------- */

static void test_java__double_to_string(void **state)
{
	(void)state;
	static const struct {
		double d;
		const char *text;
	} cases[] = {
		{ 0.0, "0.0" },	    { 1.0, "1.0" },	      { 0.7, "0.7" },
		{ 0.01, "0.01" },   { 100000.0, "100000.0" }, { 1e7, "1.0E7" },
		{ 1e-5, "1.0E-5" }, { -2.5, "-2.5" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fg_java_double_text(cases[i].d, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
}

static void test_java__parse_int_messages(void **state)
{
	(void)state;
	int v;

	assert_int_equal(fg_java_parse_int("+42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(fg_java_parse_int("-2147483648", &v), 0);
	assert_int_equal(fg_java_parse_int("2147483648", &v), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "For input string: \"2147483648\"");
	assert_int_equal(fg_java_parse_int("", &v), FG_EINVALID);
	assert_string_equal(fg_error_last(), "For input string: \"\"");
}

/* ---- fabric8 Quantity and BigDecimal ------------------------------------------ */

static const char *amount(const char *s)
{
	static char out[256];
	struct fg_buf b = FG_BUF_INIT;
	int arith;

	if (fg_java_quantity_amount(s, &b, &arith)) {
		fg_buf_release(&b);
		return NULL;
	}
	snprintf(out, sizeof(out), "%s", b.ptr);
	fg_buf_release(&b);
	return out;
}

static void test_java__quantity_amount_prints_as_bigdecimal(void **state)
{
	(void)state;
	static const struct {
		const char *q, *text;
	} cases[] = {
		{ "2Gi", "2147483648" },
		{ "1.5Gi", "1610612736.0" },
		{ "1Pi", "1125899906842624" },
		/* BigDecimal.pow(n, DECIMAL64) keeps 16 digits */
		{ "1Ei", "1.152921504606847E+18" },
		{ "1E", "1.000000000000000E+18" },
		{ "1e3", "1000" },
		{ "1e-3", "0.001" },
		{ "500m", "0.500" },
		{ "0.00", "0.00" },
		{ ".5", "0.5" },
		{ "-1k", "-1000" },
		{ "1e20", "1.000000000000000E+20" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = amount(cases[i].q);
		if (!got || strcmp(got, cases[i].text))
			fail_msg("%s: got %s, want %s", cases[i].q,
				 got ? got : fg_error_last(), cases[i].text);
	}
}

static void test_java__quantity_errors_are_fabric8s(void **state)
{
	(void)state;
	static const struct {
		const char *q, *message;
	} cases[] = {
		{ "", "Invalid quantity string format passed." },
		{ "1E3x", "Invalid quantity string format passed" },
		{ "abc",
		  "Character a is neither a decimal digit number, "
		  "decimal point, nor \"e\" notation exponential mark." },
		{ "1.2.3", "Character array contains more than one decimal "
			   "point." },
		{ "Gi", "null" },
		{ "+", "No digits found." },
		{ "1K", "Invalid quantity format passed to parse" },
		{ "1E1.5", "For input string: \"1.5\"" },
		{ "1234567890123456789x",
		  "Character array is missing \"e\" notation exponential "
		  "mark." },
	};
	struct fg_buf b = FG_BUF_INIT;
	int arith;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
			fg_java_quantity_amount(cases[i].q, &b, &arith),
			FG_EINVALID);
		assert_string_equal(fg_error_last(), cases[i].message);
		assert_int_equal(arith, 0);
	}
	assert_int_equal(fg_java_quantity_amount("1E1000000000", &b, &arith),
			 FG_EINVALID);
	assert_int_equal(arith, 1);
	assert_string_equal(fg_error_last(), "Invalid operation");
	fg_buf_release(&b);
}

static void test_java__duration_to_string(void **state)
{
	(void)state;
	struct fg_buf b = FG_BUF_INIT;

	assert_int_equal(fg_java_duration_text(&b, 900, 0), 0);
	assert_string_equal(b.ptr, "PT15M");
	fg_buf_clear(&b);
	assert_int_equal(fg_java_duration_text(&b, 5430, 500000000), 0);
	assert_string_equal(b.ptr, "PT1H30M30.5S");
	fg_buf_clear(&b);
	assert_int_equal(fg_java_duration_text(&b, 0, 0), 0);
	assert_string_equal(b.ptr, "PT0S");
	fg_buf_release(&b);
}

/* ---- URI and InetAddress ------------------------------------------------------ */

static void test_java__uri_host_is_server_based_only(void **state)
{
	(void)state;
	struct fg_buf msg = FG_BUF_INIT;
	struct fg_java_uri u;

	assert_int_equal(fg_java_uri_parse("https://a.example/x", &u, &msg), 0);
	assert_int_equal(u.host_len, 9);
	assert_int_equal(fg_java_uri_parse("https://[::1]:8/x", &u, &msg), 0);
	assert_int_equal(u.host_len, 5);
	/* a last label starting with a digit: registry-based, no host */
	assert_int_equal(fg_java_uri_parse("https://127.1/x", &u, &msg), 0);
	assert_null(u.host);
	assert_int_equal(fg_java_uri_parse("ht tp://x", &u, &msg), FG_EINVALID);
	assert_string_equal(msg.ptr,
			    "Illegal character in scheme name at index 2: ht "
			    "tp://x");
	fg_buf_release(&msg);
}

static enum fg_java_inet inet(const char *host, struct fg_java_inet_addr *a)
{
	return fg_java_inet_literal(host, strlen(host), a);
}

static void test_java__inet_literals_as_java_reads_them(void **state)
{
	(void)state;
	static const struct {
		const char *host;
		enum fg_java_inet kind;
		int len;
		const char *bytes; /* dotted, for IPv4 results */
	} cases[] = {
		{ "127.0.0.1", FG_JAVA_INET_ADDRESS, 4, "127.0.0.1" },
		{ "127.1", FG_JAVA_INET_ADDRESS, 4, "127.0.0.1" },
		{ "10.1.258", FG_JAVA_INET_ADDRESS, 4, "10.1.1.2" },
		{ "2130706433", FG_JAVA_INET_ADDRESS, 4, "127.0.0.1" },
		{ "0177.0.0.1", FG_JAVA_INET_ADDRESS, 4, "177.0.0.1" },
		{ "0x7f.1", FG_JAVA_INET_UNKNOWN, 0, NULL },
		{ "0x7f000001", FG_JAVA_INET_UNKNOWN, 0, NULL },
		{ "017700000001", FG_JAVA_INET_UNKNOWN, 0, NULL },
		{ "1.2.3.4.5", FG_JAVA_INET_NAME, 0, NULL },
		{ "4294967296", FG_JAVA_INET_NAME, 0, NULL },
		{ "[::ffff:127.0.0.1]", FG_JAVA_INET_ADDRESS, 4, "127.0.0.1" },
		{ "[::ffff:7f00:1]", FG_JAVA_INET_ADDRESS, 4, "127.0.0.1" },
		{ "[::1]", FG_JAVA_INET_ADDRESS, 16, NULL },
		{ "[1.2.3.4]", FG_JAVA_INET_UNKNOWN, 0, NULL },
		{ "[::1", FG_JAVA_INET_UNKNOWN, 0, NULL },
		{ "[::ffff:1.2.3.4%1]", FG_JAVA_INET_UNKNOWN, 0, NULL },
		{ "::1::", FG_JAVA_INET_UNKNOWN, 0, NULL },
		{ "example.com", FG_JAVA_INET_NAME, 0, NULL },
		{ "deadbeef", FG_JAVA_INET_NAME, 0, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_java_inet_addr a;
		enum fg_java_inet k = inet(cases[i].host, &a);
		char dotted[32];

		if (k != cases[i].kind)
			fail_msg("%s: kind %d, want %d", cases[i].host, k,
				 cases[i].kind);
		if (k != FG_JAVA_INET_ADDRESS)
			continue;
		assert_int_equal(a.len, cases[i].len);
		if (!cases[i].bytes)
			continue;
		snprintf(dotted, sizeof(dotted), "%u.%u.%u.%u", a.a[0], a.a[1],
			 a.a[2], a.a[3]);
		assert_string_equal(dotted, cases[i].bytes);
	}
}

static void test_java__restricted_addresses(void **state)
{
	(void)state;
	static const struct {
		const char *host;
		int restricted;
	} cases[] = {
		{ "127.0.0.1", 1 },	  { "10.0.0.1", 1 },
		{ "172.16.0.1", 1 },	  { "172.32.0.1", 0 },
		{ "192.168.1.1", 1 },	  { "169.254.169.254", 1 },
		{ "0.0.0.0", 1 },	  { "224.0.0.1", 1 },
		{ "239.255.255.255", 1 }, { "240.0.0.1", 0 },
		{ "100.64.0.1", 0 },	  { "8.8.8.8", 0 },
		{ "[::1]", 1 },		  { "[::]", 1 },
		{ "[fe80::1]", 1 },	  { "[fec0::1]", 1 },
		{ "[ff02::1]", 1 },	  { "[2001:db8::1]", 0 },
		{ "[::127.0.0.1]", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_java_inet_addr a;

		assert_int_equal(inet(cases[i].host, &a), FG_JAVA_INET_ADDRESS);
		if (fg_java_inet_restricted(&a) != cases[i].restricted)
			fail_msg("%s: want %d", cases[i].host,
				 cases[i].restricted);
	}
}

/* ---- Quartz --------------------------------------------------------------------- */

static int max_year(void)
{
	time_t now = time(NULL);
	struct tm tm;

	return gmtime_r(&now, &tm)->tm_year + 1900 + 100;
}

static void test_java__quartz_cron_expressions(void **state)
{
	(void)state;
	static const struct {
		const char *expr;
		int valid;
	} cases[] = {
		{ "* * 9-11,14-16 * * ?", 1 },
		{ "* * * ? * 2-6", 1 },
		{ "0 0 12 ? * MON-FRI", 1 },
		{ "0 15 10 L * ?", 1 },
		{ "0 15 10 L-2W * ?", 1 },
		{ "0 15 10 ? * 6L", 1 },
		{ "0 15 10 ? * 6#3", 1 },
		{ "0 0/5 14,18 * * ? 2030", 1 },
		{ "0 0 12 1/5 * ?", 1 },
		{ "0 0 12 15W * ?", 1 },
		/* Quartz never reads what follows a field's value */
		{ "0 0 12abc * * ?", 1 },
		{ "0 0 12 * JANUARY ?", 1 },
		/* 99 and 98 are Quartz's own '*' and '?' */
		{ "99 0 12 98 * 2", 1 },
		{ "* * * * * *", 0 },
		{ "* * * ? * ?", 0 },
		{ "0 0 12 * *", 0 },
		{ "60 * * * * ?", 0 },
		{ "* * 24 * * ?", 0 },
		{ "* * * 32 * ?", 0 },
		{ "* * * * 13 ?", 0 },
		{ "* * * ? * 8", 0 },
		{ "* * * ? * 6#6", 0 },
		{ "* * * L,5 * ?", 0 },
		{ "*/61 * * * * ?", 0 },
		{ "0 0 12 ? * FOO", 0 },
		{ "0 0 12 ? * 2 2500-2600", 1 },
		/* a year range without an end ends at this year + 100 */
		{ "0 0 12 ? * 2 2500/5", 0 },
		{ "0 0 12 ? * 2 2030-2020", 0 },
		{ "12:00-10:00", 0 },
		{ "", 0 },
	};
	int y = max_year();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (fg_quartz_cron_valid(cases[i].expr, y) != cases[i].valid)
			fail_msg("'%s': want %s", cases[i].expr,
				 cases[i].valid ? "valid" : "invalid");
}

static void test_java__quartz_daily_ranges(void **state)
{
	(void)state;
	assert_true(fg_quartz_daily_valid("9:30", "10:50:20"));
	assert_true(fg_quartz_daily_valid("00:00:00:000", "23:59:59:999"));
	assert_true(fg_quartz_daily_valid("+9:00", "10::00"));
	assert_false(fg_quartz_daily_valid("12:00", "10:00"));
	assert_false(fg_quartz_daily_valid("10:00", "10:00"));
	assert_false(fg_quartz_daily_valid("24:00", "25:00"));
	assert_false(fg_quartz_daily_valid("9", "10:00"));
	assert_false(fg_quartz_daily_valid("9:00 ", "10:00"));
	assert_false(fg_quartz_daily_valid("1:2:3:4:5", "10:00"));
}

static void test_java__excluded_period_messages(void **state)
{
	(void)state;
	const char *key = "job.autoscaler.excluded.periods";
	int y = max_year();

	assert_int_equal(fg_quartz_excluded_period_check("9:00-10:00", key, y),
			 0);
	assert_int_equal(fg_quartz_excluded_period_check(
				 " 9:00-10:00 && * * * ? * 2-6 ", key, y),
			 0);
	/* String.split drops trailing empty pieces: nothing is left */
	assert_int_equal(fg_quartz_excluded_period_check("&&", key, y), 0);
	assert_int_equal(
		fg_quartz_excluded_period_check("9:00-10:00&&", key, y), 0);
	assert_int_equal(fg_quartz_excluded_period_check("1&&2&&3", key, y),
			 FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "Invalid value 1&&2&&3 in the autoscaler config "
			    "job.autoscaler.excluded.periods");
	assert_int_equal(fg_quartz_excluded_period_check(
				 "* * * ? * 2 && * * * ? * 3", key, y),
			 FG_EINVALID);
	assert_int_equal(
		fg_quartz_excluded_period_check("9:00 - 10:00", key, y),
		FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "Invalid value 9:00 - 10:00 in the autoscaler "
			    "config job.autoscaler.excluded.periods, the value "
			    "is neither a valid daily expression nor a valid "
			    "cron expression");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_java__double_to_string),
		cmocka_unit_test(test_java__parse_int_messages),
		cmocka_unit_test(
			test_java__quantity_amount_prints_as_bigdecimal),
		cmocka_unit_test(test_java__quantity_errors_are_fabric8s),
		cmocka_unit_test(test_java__duration_to_string),
		cmocka_unit_test(test_java__uri_host_is_server_based_only),
		cmocka_unit_test(test_java__inet_literals_as_java_reads_them),
		cmocka_unit_test(test_java__restricted_addresses),
		cmocka_unit_test(test_java__quartz_cron_expressions),
		cmocka_unit_test(test_java__quartz_daily_ranges),
		cmocka_unit_test(test_java__excluded_period_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
