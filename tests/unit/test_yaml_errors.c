/*
 * Malformed and hostile YAML: every input is refused with one message
 * that names the exact line and column and says what is wrong. Each row
 * is one behaviour; the whole message is compared.
 */
#include <stdint.h>

#include "helpers.h"
#include "yaml_bad_inputs.h"

#include "render/base/banned.h"

static void check_one(void **state)
{
	const struct bad_input *in = *state;
	struct fg_yaml_file *f = NULL;
	int rc;

	rc = fg_yaml_load(&f, "t.yaml", in->text, in->len, NULL, NULL);
	if (rc == 0) {
		fg_yaml_file_free(f);
		fail_msg("%s: loaded without error", in->name);
	}
	assert_int_equal(rc, FG_EINVALID);
	assert_null(f);
	assert_string_equal(fg_error_last(), in->message);
}

int main(void)
{
	enum { N = sizeof(inputs) / sizeof(inputs[0]) };
	struct CMUnitTest tests[N];
	size_t i;

	for (i = 0; i < N; i++) {
		tests[i].name = inputs[i].name;
		tests[i].test_func = check_one;
		tests[i].setup_func = NULL;
		tests[i].teardown_func = NULL;
		tests[i].initial_state = (void *)(uintptr_t)&inputs[i];
	}
	return _cmocka_run_group_tests("test_yaml_errors", tests, N, NULL,
				       NULL);
}
