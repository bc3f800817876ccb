/*
 * Every Flink object of the operator's examples gets, for each bundled CRD
 * version, the verdict kube-apiserver gives with that CRD under strict
 * field validation. The expected verdicts are in
 * tests/render/example-verdicts.txt, one line per document:
 *   FILE DOC KIND NAME 1.15.0=valid|invalid main=valid|invalid
 * (the examples on main use jobManager.resources/taskManager.resources,
 * which the 1.15.0 CRD does not have). Once the local test control plane
 * exists, the same table is checked against the API server's own dry-run.
 *
 * usage: test_verdicts VERDICTS_FILE EXAMPLES_DIR
 */
#include "helpers.h"

#include <stdio.h>

#include "render/crd.h"
#include "render/schema.h"
#include "render/base/banned.h"

struct verdict {
	char file[128], kind[64], name[128];
	size_t doc;
	int valid_1_15, valid_main;
};

static const char *examples;
static struct verdict *verdicts;
static size_t nverdicts;

static int schema_valid(const char *version, json_t *obj, struct fg_buf *why)
{
	struct fg_problems p = FG_PROBLEMS_INIT;
	const json_t *openapi;
	size_t i;
	int ok;

	if (fg_crd_schema(
		    &openapi, version,
		    json_string_value(json_object_get(obj, "kind")),
		    json_string_value(json_object_get(obj, "apiVersion"))) < 0)
		fail_msg("%s", fg_error_last());
	assert_int_equal(fg_schema_validate_json(openapi, obj, &p), 0);
	for (i = 0; i < p.n; i++)
		fg_buf_printf(why, "  %s: %s\n", p.v[i].pointer,
			      p.v[i].message);
	ok = p.n == 0;
	fg_problems_release(&p);
	return ok;
}

static void check(void **state)
{
	const struct verdict *v = *state;
	struct fg_buf path = FG_BUF_INIT, why = FG_BUF_INIT;
	struct fg_yaml_file *f = NULL;
	json_t *obj;
	int got;

	fg_buf_printf(&path, "%s/%s", examples, v->file);
	if (fg_yaml_load_path(&f, path.ptr, NULL, NULL) < 0)
		fail_msg("%s", fg_error_last());
	assert_true(v->doc < fg_yaml_count(f));
	obj = fg_yaml_doc(f, v->doc);
	assert_string_equal(json_string_value(json_object_get(obj, "kind")),
			    v->kind);
	got = schema_valid("1.15.0", obj, &why);
	if (got != v->valid_1_15)
		fail_msg("%s #%zu against 1.15.0: %s, expected %s\n%s", v->file,
			 v->doc, got ? "valid" : "invalid",
			 v->valid_1_15 ? "valid" : "invalid", why.ptr);
	fg_buf_clear(&why);
	got = schema_valid("main", obj, &why);
	if (got != v->valid_main)
		fail_msg("%s #%zu against main: %s, expected %s\n%s", v->file,
			 v->doc, got ? "valid" : "invalid",
			 v->valid_main ? "valid" : "invalid", why.ptr);
	fg_buf_release(&why);
	fg_buf_release(&path);
	fg_yaml_file_free(f);
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	char line[512];
	FILE *in;
	size_t i, cap = 0;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s VERDICTS EXAMPLES_DIR\n", argv[0]);
		return 2;
	}
	examples = argv[2];
	if (!(in = fopen(argv[1], "r"))) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), in)) {
		struct verdict v;
		char a[16], b[16];

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%127s %zu %63s %127s 1.15.0=%15s main=%15s",
			   v.file, &v.doc, v.kind, v.name, a, b) != 6) {
			fprintf(stderr, "bad line: %s", line);
			return 2;
		}
		v.valid_1_15 = !strcmp(a, "valid");
		v.valid_main = !strcmp(b, "valid");
		if (nverdicts == cap) {
			cap = cap ? cap * 2 : 32;
			verdicts = realloc(verdicts, cap * sizeof(*verdicts));
		}
		verdicts[nverdicts++] = v;
	}
	fclose(in);
	tests = calloc(nverdicts, sizeof(*tests));
	for (i = 0; i < nverdicts; i++) {
		tests[i].name = verdicts[i].file;
		tests[i].test_func = check;
		tests[i].initial_state = &verdicts[i];
	}
	rc = _cmocka_run_group_tests("test_verdicts", tests, nverdicts, NULL,
				     NULL);
	free(tests);
	free(verdicts);
	fg_crd_cache_free();
	return rc;
}
