/*
 * The conventions everything else stands on: errors, buffers, diagnostics.
 */
#include "helpers.h"

#include <fcntl.h>

#include "render/base/buf.h"
#include "render/base/diag.h"
#include "render/yaml_scalar.h"
#include "render/base/banned.h"

static void
test_base__error_set_returns_the_code_and_keeps_the_message(void **state)
{
	assert_int_equal(fg_error_set(FG_ENOTFOUND, "no ref '%s'", "main"),
			 FG_ENOTFOUND);
	assert_string_equal(fg_error_last(), "no ref 'main'");
	assert_int_equal(fg_error_last_code(), FG_ENOTFOUND);
	fg_error_clear();
	assert_string_equal(fg_error_last(), "");
	assert_int_equal(fg_error_last_code(), FG_OK);
}

static void test_base__error_wrap_prefixes_context(void **state)
{
	fg_error_set(FG_ETIMEOUT, "no answer after 10s");
	assert_int_equal(fg_error_wrap(FG_ETIMEOUT, "cannot fetch '%s'", "r"),
			 FG_ETIMEOUT);
	assert_string_equal(fg_error_last(),
			    "cannot fetch 'r': no answer after 10s");
}

static void test_base__long_messages_are_cut_at_a_character(void **state)
{
	char big[FG_ERROR_MSG_MAX * 2];
	size_t i, n;

	for (i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xC3\xA9", 2); /* é */
	big[i] = '\0';
	fg_error_set(FG_EINVALID, "x%s", big);
	n = strlen(fg_error_last());
	assert_true(n < FG_ERROR_MSG_MAX);
	assert_true(fg_utf8_valid(fg_error_last(), n));
}

static void test_base__error_names_are_stable(void **state)
{
	assert_string_equal(fg_error_name(FG_EAUTH), "auth");
	assert_string_equal(fg_error_name(FG_ECONFLICT), "conflict");
	assert_string_equal(fg_error_name(-99), "error");
}

static void test_base__empty_buffer_is_a_valid_string(void **state)
{
	struct fg_buf b = FG_BUF_INIT;

	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	fg_buf_release(&b);
	assert_string_equal(b.ptr, "");
}

static void test_base__buffer_grows_and_stays_terminated(void **state)
{
	struct fg_buf b = FG_BUF_INIT;
	int i;

	for (i = 0; i < 1000; i++)
		assert_int_equal(fg_buf_printf(&b, "%d,", i), 0);
	assert_int_equal(b.len, strlen(b.ptr));
	assert_memory_equal(b.ptr + b.len - 4, "999,", 4);
	fg_buf_clear(&b);
	assert_string_equal(b.ptr, "");
	fg_buf_release(&b);
}

static void test_base__buffer_refuses_to_pass_its_cap(void **state)
{
	struct fg_buf b;

	fg_buf_init(&b, 8);
	assert_int_equal(fg_buf_puts(&b, "12345678"), 0);
	assert_int_equal(fg_buf_putc(&b, '9'), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "buffer limit of 8 bytes exceeded");
	assert_string_equal(b.ptr, "12345678");
	fg_buf_release(&b);
}

static void test_base__buffer_detach_hands_over_the_bytes(void **state)
{
	struct fg_buf b = FG_BUF_INIT;
	size_t len;
	char *s;

	fg_buf_puts(&b, "abc");
	s = fg_buf_detach(&b, &len);
	assert_string_equal(s, "abc");
	assert_int_equal(len, 3);
	assert_string_equal(b.ptr, "");
	free(s);
}

static void test_base__read_file_respects_the_cap(void **state)
{
	char path[] = "/tmp/fg-base-XXXXXX";
	int fd = mkstemp(path);
	struct fg_buf b;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	fg_buf_init(&b, 10);
	assert_int_equal(fg_buf_read_file(&b, path), 0);
	assert_string_equal(b.ptr, "0123456789");
	fg_buf_release(&b);
	fg_buf_init(&b, 9);
	assert_int_equal(fg_buf_read_file(&b, path), FG_EINVALID);
	assert_non_null(strstr(fg_error_last(), "above the limit of 9"));
	fg_buf_release(&b);
	unlink(path);
	assert_int_equal(fg_buf_read_file(&b, path), FG_ENOTFOUND);
}

static void test_base__diagnostics_format_like_a_compiler(void **state)
{
	struct fg_diags d = FG_DIAGS_INIT;
	struct fg_buf out = FG_BUF_INIT;
	struct fg_pos at = { 3, 7 }, line_only = { 4, 0 }, none = { 0, 0 };

	fg_diags_add(&d, FG_SEV_ERROR, "ns/a.yaml", at, "bad %s", "thing");
	fg_diags_add(&d, FG_SEV_WARNING, "ns/a.yaml", line_only, "meh");
	fg_diags_add(&d, FG_SEV_ERROR, "ns/b.yaml", none, "unreadable");
	assert_int_equal(fg_diags_errors(&d), 2);
	fg_diag_format(&out, &d.v[0]);
	assert_string_equal(out.ptr, "ns/a.yaml:3:7: error: bad thing");
	fg_buf_clear(&out);
	fg_diag_format(&out, &d.v[1]);
	assert_string_equal(out.ptr, "ns/a.yaml:4: warning: meh");
	fg_buf_clear(&out);
	fg_diag_format(&out, &d.v[2]);
	assert_string_equal(out.ptr, "ns/b.yaml: error: unreadable");
	fg_buf_release(&out);
	fg_diags_release(&d);
}

static void test_base__diagnostics_are_bounded(void **state)
{
	struct fg_diags d = FG_DIAGS_INIT;
	struct fg_pos p = { 1, 1 };
	int i;

	d.max = 3;
	for (i = 0; i < 10; i++)
		fg_diags_add(&d, FG_SEV_ERROR, "f", p, "e%d", i);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.dropped, 7);
	assert_int_equal(fg_diags_errors(&d), 10);
	fg_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_base__error_set_returns_the_code_and_keeps_the_message),
		cmocka_unit_test(test_base__error_wrap_prefixes_context),
		cmocka_unit_test(
			test_base__long_messages_are_cut_at_a_character),
		cmocka_unit_test(test_base__error_names_are_stable),
		cmocka_unit_test(test_base__empty_buffer_is_a_valid_string),
		cmocka_unit_test(test_base__buffer_grows_and_stays_terminated),
		cmocka_unit_test(test_base__buffer_refuses_to_pass_its_cap),
		cmocka_unit_test(test_base__buffer_detach_hands_over_the_bytes),
		cmocka_unit_test(test_base__read_file_respects_the_cap),
		cmocka_unit_test(test_base__diagnostics_format_like_a_compiler),
		cmocka_unit_test(test_base__diagnostics_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
