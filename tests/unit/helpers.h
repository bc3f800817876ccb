/*
 * Small helpers shared by the unit tests. Included by test files only.
 */
#ifndef FG_TESTS_HELPERS_H
#define FG_TESTS_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "render/base/error.h"
#include "render/yaml.h"

/* Load `text` as YAML named "t.yaml"; fail the test on error. */
static inline struct fg_yaml_file *load_ok(const char *text)
{
	struct fg_yaml_file *f = NULL;

	if (fg_yaml_load(&f, "t.yaml", text, strlen(text), NULL, NULL) < 0)
		fail_msg("unexpected load error: %s", fg_error_last());
	return f;
}

/* Load `text` expecting failure; returns the message ("t.yaml:L:C: ..."). */
static inline const char *load_err(const char *text)
{
	struct fg_yaml_file *f = NULL;

	if (fg_yaml_load(&f, "t.yaml", text, strlen(text), NULL, NULL) == 0) {
		fg_yaml_file_free(f);
		fail_msg("expected an error loading: %s", text);
	}
	assert_null(f);
	return fg_error_last();
}

/* Document `i` as compact JSON with sorted keys (caller frees). */
static inline char *doc_json(const struct fg_yaml_file *f, size_t i)
{
	return json_dumps(fg_yaml_doc(f, i),
			  JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* Load one document and compare its canonical JSON with `want`. */
static inline void assert_yaml_json(const char *text, const char *want)
{
	struct fg_yaml_file *f = load_ok(text);
	char *got;

	assert_int_equal(fg_yaml_count(f), 1);
	got = doc_json(f, 0);
	if (strcmp(got, want))
		fail_msg("yaml %s\n  got  %s\n  want %s", text, got, want);
	free(got);
	fg_yaml_file_free(f);
}

#endif
