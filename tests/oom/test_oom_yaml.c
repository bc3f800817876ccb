/*
 * The loader (render/yaml.h) once more, with its Nth allocation failing
 * for every N (tests/oom/oom.h): every malformed input of the unit tests
 * (tests/unit/yaml_bad_inputs.h), every file the loader's differential
 * test reads (tests/yaml/corpus/), and the small inputs of the loader's
 * fuzz corpus. libyaml and jansson are linked statically, so their own
 * allocations fail too. Each run gives the reference's documents or
 * message, or says memory ran out; nothing crashes, nothing leaks.
 *   test_oom_yaml YAML_CORPUS_DIR FUZZ_CORPUS_DIR
 */
#include <dirent.h>
#include <stdint.h>

#include "../unit/helpers.h"
#include "../unit/yaml_bad_inputs.h"
#include "oom.h"

#include "render/base/banned.h"

/* Inputs at most this long, making at most this many allocations: each
 * costs as many runs as it makes allocations, each run as long as the
 * input (large-values.yaml, 128 KiB, or one fuzz input expanding
 * aliases into 20,000 allocations, alone would take minutes, and add no
 * path a small one lacks). */
#define SMALL_INPUT 2048
#define FEW_ALLOCATIONS 1000

static unsigned long bad, skipped, repeated;

static const char *dirs[2];

struct input {
	const char *text;
	size_t len;
};

/* Load `arg`; the documents (canonical JSON) or the message. */
static int load(void *arg, struct fg_buf *out)
{
	const struct input *in = arg;
	struct fg_yaml_file *f = NULL;
	int err = 0;

	if (fg_yaml_load(&f, "t.yaml", in->text, in->len, NULL, NULL) < 0)
		return fg_buf_printf(out, "error: %s\n", fg_error_last()) < 0
			       ? FG_ERROR
			       : 0;
	/* the documents as text: the test's own work, not the loader's */
	failalloc_pause();
	for (size_t i = 0; i < fg_yaml_count(f) && !err; i++) {
		char *s = json_dumps(fg_yaml_doc(f, i),
				     JSON_SORT_KEYS | JSON_COMPACT |
					     JSON_ENCODE_ANY);

		if (!s) {
			err = fg_error_set(FG_ERROR, "out of memory");
			break;
		}
		err = fg_buf_printf(out, "%s\n", s) < 0 ? FG_ERROR : 0;
		free(s);
	}
	failalloc_resume();
	fg_yaml_file_free(f);
	return err;
}

static void every(const char *name, const char *text, size_t len)
{
	struct input in = { text, len };
	struct oom_stats st = { .max_allocations = FEW_ALLOCATIONS };

	bad += oom_every(name, load, &in, &st);
	if (st.skipped)
		skipped++;
	else
		repeated++;
}

static void
test_oom_yaml__malformed_inputs_fail_only_as_they_should(void **state)
{
	(void)state;
	bad = 0;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs); i++)
		every(inputs[i].name, inputs[i].text, inputs[i].len);
	assert_int_equal(bad, 0);
}

/* Every file of `dir` of at most `max` bytes. */
static void every_file(const char *dir, size_t max)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		struct fg_buf path = FG_BUF_INIT, data = FG_BUF_INIT;

		if (de->d_name[0] == '.')
			continue;
		fg_buf_printf(&path, "%s/%s", dir, de->d_name);
		assert_int_equal(fg_buf_read_file(&data, path.ptr), 0);
		if (data.len <= max)
			every(de->d_name, data.ptr, data.len);
		else {
			printf("%s: %zu bytes, longer than %zu: not run\n",
			       de->d_name, data.len, max);
			skipped++;
		}
		fg_buf_release(&path);
		fg_buf_release(&data);
	}
	closedir(d);
}

static void test_oom_yaml__the_corpus_loads_or_says_memory_ran_out(void **state)
{
	(void)state;
	bad = 0;
	every_file(dirs[0], SMALL_INPUT);
	assert_int_equal(bad, 0);
}

static void test_oom_yaml__small_fuzz_inputs_too(void **state)
{
	(void)state;
	bad = 0;
	every_file(dirs[1], SMALL_INPUT);
	assert_int_equal(bad, 0);
	/* over the three tests: the few inputs too costly to repeat */
	printf("%lu inputs with every allocation failing in turn, %lu too "
	       "long or too many allocations\n",
	       repeated, skipped);
	assert_true(repeated >= 5 * skipped);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_oom_yaml__malformed_inputs_fail_only_as_they_should),
		cmocka_unit_test(
			test_oom_yaml__the_corpus_loads_or_says_memory_ran_out),
		cmocka_unit_test(test_oom_yaml__small_fuzz_inputs_too),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s YAML_CORPUS FUZZ_CORPUS\n", argv[0]);
		return 2;
	}
	dirs[0] = argv[1];
	dirs[1] = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
