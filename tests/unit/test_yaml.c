/*
 * The YAML loader: what users write, what Kubernetes would read.
 */
#include "helpers.h"

#include "render/base/banned.h"

/* ---- documents ------------------------------------------------------- */

static void
test_yaml__multi_document_file_gives_one_value_per_document(void **state)
{
	struct fg_yaml_file *f = load_ok("a: 1\n---\nb: 2\n---\nc: 3\n");
	char *j;

	assert_int_equal(fg_yaml_count(f), 3);
	j = doc_json(f, 2);
	assert_string_equal(j, "{\"c\":3}");
	free(j);
	fg_yaml_file_free(f);
}

static void test_yaml__empty_and_null_documents_are_skipped(void **state)
{
	struct fg_yaml_file *f = load_ok("---\n---\n# only a comment\n---\n"
					 "a: 1\n---\n~\n---\nnull\n---\n");
	char *j;

	assert_int_equal(fg_yaml_count(f), 1);
	j = doc_json(f, 0);
	assert_string_equal(j, "{\"a\":1}");
	free(j);
	fg_yaml_file_free(f);
}

static void test_yaml__empty_file_has_no_documents(void **state)
{
	struct fg_yaml_file *f = load_ok("");

	assert_int_equal(fg_yaml_count(f), 0);
	fg_yaml_file_free(f);
	f = load_ok("# nothing here\n\n");
	assert_int_equal(fg_yaml_count(f), 0);
	fg_yaml_file_free(f);
}

static void test_yaml__document_position_is_where_it_starts(void **state)
{
	struct fg_yaml_file *f = load_ok("a: 1\n---\n# c\nb: 2\n");
	struct fg_pos p0 = fg_yaml_doc_pos(f, 0), p1 = fg_yaml_doc_pos(f, 1);

	assert_int_equal(p0.line, 1);
	assert_int_equal(p1.line, 2);
	fg_yaml_file_free(f);
}

static void test_yaml__separator_with_comment_is_accepted(void **state)
{
	struct fg_yaml_file *f = load_ok("--- # first\na: 1\n--- #x\nb: 2\n");

	assert_int_equal(fg_yaml_count(f), 2);
	fg_yaml_file_free(f);
}

static void test_yaml__utf8_byte_order_mark_is_ignored(void **state)
{
	struct fg_yaml_file *f;
	struct fg_pos k;

	assert_yaml_json("\xEF\xBB\xBF"
			 "a: 1\n",
			 "{\"a\":1}");
	/* a mapping of several keys starts at column 1, after the mark */
	f = load_ok("\xEF\xBB\xBF"
		    "apiVersion: v1\nkind: ConfigMap\n");
	assert_int_equal(fg_yaml_pos(f, 0, "/kind", &k, NULL), 0);
	assert_int_equal(k.line, 2);
	assert_int_equal(k.col, 1);
	fg_yaml_file_free(f);
	/* kubectl's reader drops one mark, go-yaml's one more */
	assert_yaml_json("\xEF\xBB\xBF\xEF\xBB\xBF"
			 "a: 1\nb: 2\n",
			 "{\"a\":1,\"b\":2}");
}

/* Load `len` bytes (UTF-16 has NULs); fail the test on error. */
static struct fg_yaml_file *load_bytes(const char *data, size_t len)
{
	struct fg_yaml_file *f = NULL;

	if (fg_yaml_load(&f, "t.yaml", data, len, NULL, NULL) < 0)
		fail_msg("unexpected load error: %s", fg_error_last());
	return f;
}

static void test_yaml__utf16_with_a_byte_order_mark_is_read(void **state)
{
	/* "a: é\nb: 😀\n" in UTF-16LE and UTF-16BE, each with its mark */
	static const char le[] = "\xFF\xFE"
				 "a\0:\0 \0\xE9\0\n\0"
				 "b\0:\0 \0\x3D\xD8\x00\xDE\n\0";
	static const char be[] = "\xFE\xFF"
				 "\0a\0:\0 \0\xE9\0\n"
				 "\0b\0:\0 \xD8\x3D\xDE\x00\0\n";
	const char *texts[] = { le, be };
	size_t lens[] = { sizeof(le) - 1, sizeof(be) - 1 };

	for (size_t i = 0; i < 2; i++) {
		struct fg_yaml_file *f = load_bytes(texts[i], lens[i]);
		struct fg_pos k;
		char *j = doc_json(f, 0);

		assert_string_equal(j, "{\"a\":\"\u00e9\",\"b\":"
				       "\"\U0001F600\"}");
		assert_int_equal(fg_yaml_pos(f, 0, "/b", &k, NULL), 0);
		assert_int_equal(k.line, 2);
		assert_int_equal(k.col, 1);
		free(j);
		fg_yaml_file_free(f);
	}
}

static void test_yaml__bare_scalar_document_is_kept(void **state)
{
	assert_yaml_json("hello\n", "\"hello\"");
}

/* ---- scalars, as Kubernetes resolves them ---------------------------- */

static void test_yaml__yaml11_booleans_resolve_like_kubectl(void **state)
{
	assert_yaml_json("[yes, Yes, YES, on, On, ON, y, Y, true, True, TRUE]",
			 "[true,true,true,true,true,true,true,true,true,true,"
			 "true]");
	assert_yaml_json("[no, No, NO, off, Off, OFF, n, N, false, False]",
			 "[false,false,false,false,false,false,false,false,"
			 "false,false]");
	assert_yaml_json("[yEs, oN, tRUE, yes please]",
			 "[\"yEs\",\"oN\",\"tRUE\",\"yes please\"]");
}

static void test_yaml__null_forms(void **state)
{
	assert_yaml_json("{a: ~, b: null, c: Null, d: NULL, e: , f: nULL}",
			 "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,"
			 "\"e\":null,\"f\":\"nULL\"}");
	assert_yaml_json("a:\n", "{\"a\":null}");
}

static void test_yaml__quoted_scalars_stay_strings(void **state)
{
	assert_yaml_json("[\"yes\", '012', \"1.0\", 'null', \"~\", '.inf']",
			 "[\"yes\",\"012\",\"1.0\",\"null\",\"~\",\".inf\"]");
}

static void test_yaml__block_scalars_stay_strings(void **state)
{
	assert_yaml_json("a: |\n  123\nb: >-\n  yes\n  no\n",
			 "{\"a\":\"123\\n\",\"b\":\"yes no\"}");
}

static void test_yaml__integers_decimal_octal_hex_binary(void **state)
{
	assert_yaml_json("[42, -7, +12, -0, 012, 0o17, 0x1F, 0b101, -0b101]",
			 "[42,-7,12,0,10,15,31,5,-5]");
}

static void test_yaml__integers_with_underscores(void **state)
{
	assert_yaml_json("[1_000, 1__0, 0x_1F, 1_]", "[1000,10,31,1]");
}

static void test_yaml__leading_zero_non_octal_is_a_float(void **state)
{
	/* go-yaml: not octal, so it falls through to the float form */
	assert_yaml_json("[08, 09.5]", "[8,9.5]");
}

static void test_yaml__floats_and_whole_floats(void **state)
{
	/* 1.0 reaches the API server as 1, exactly as kubectl sends it */
	assert_yaml_json("[1.0, 1., .5, -.5, 1e3, 1E3, 1.5e-7, 6.02e+23]",
			 "[1,1,0.5,-0.5,1000,1000,1.4999999999999999e-7,"
			 "6.02e23]");
}

static void test_yaml__int64_bounds_and_beyond(void **state)
{
	assert_yaml_json("[9223372036854775807, -9223372036854775808]",
			 "[9223372036854775807,-9223372036854775808]");
	/* beyond int64: a number still, as in Go (uint64, then float64),
	 * which the API server holds as a float64, not an integer */
	assert_yaml_json("[18446744073709551616]", "[1.8446744073709552e19]");
	assert_yaml_json("[9223372036854775808, 99999999999999999999, "
			 "-99999999999999999999]",
			 "[9.2233720368547758e18,1e20,-1e20]");
	/*
	 * kubectl prints a float64 with its shortest digits, zeros after
	 * them: what fits int64 then is an int64 to the API server (1e18,
	 * 9.2e18), what does not is a float64 (-9223372036854775809 reads
	 * as -2^63, printed -9223372036854776000)
	 */
	assert_yaml_json("[1e18, 9.2e18, 9223372036854775000.0, -0.0]",
			 "[1000000000000000000,9200000000000000000,"
			 "9223372036854775000,0]");
	assert_yaml_json("[-9223372036854775809, 1e19]",
			 "[-9.2233720368547758e18,1e19]");
}

static void test_yaml__numbers_that_are_strings(void **state)
{
	assert_yaml_json("[1e999, 0x, +, -, 1:20, 1.2.3, 0x1p-2, 1e]",
			 "[\"1e999\",\"0x\",\"+\",\"-\",\"1:20\",\"1.2.3\","
			 "\"0x1p-2\",\"1e\"]");
}

static void test_yaml__timestamps_stay_strings(void **state)
{
	assert_yaml_json("[2001-12-14, 2001-12-14T21:59:43.10-05:00]",
			 "[\"2001-12-14\",\"2001-12-14T21:59:43.10-05:00\"]");
}

static void test_yaml__explicit_tags(void **state)
{
	assert_yaml_json("[!!str 12, !!int \"12\", !!float 1, !!bool yes, "
			 "!!str yes, !!float '2.5']",
			 "[\"12\",12,1,true,\"yes\",2.5]");
}

static void test_yaml__binary_tag_is_decoded(void **state)
{
	assert_yaml_json("a: !!binary aGVsbG8=\n", "{\"a\":\"hello\"}");
}

static void test_yaml__custom_tags_keep_the_text(void **state)
{
	assert_yaml_json("[!foo bar, ! 12, !local 1.5]",
			 "[\"bar\",\"12\",\"1.5\"]");
	/* a tag on a collection changes nothing */
	assert_yaml_json("!thing {a: 1}", "{\"a\":1}");
}

static void test_yaml__unicode_and_escapes(void **state)
{
	assert_yaml_json("a: \"caf\\u00e9 \\t\\x41\"\nb: café\n",
			 "{\"a\":\"café \\tA\",\"b\":\"café\"}");
}

/* ---- keys --------------------------------------------------------------- */

static void test_yaml__keys_become_strings_like_kubernetes(void **state)
{
	assert_yaml_json("{yes: a, 1: b, 1.5: c, 1e3: d, off: e}",
			 "{\"1\":\"b\",\"1.5\":\"c\",\"1000\":\"d\","
			 "\"false\":\"e\",\"true\":\"a\"}");
}

static void test_yaml__single_letter_y_and_n_keys_are_booleans(void **state)
{
	/* a classic surprise, kept because kubectl does the same */
	assert_yaml_json("{x: 1, y: 2, n: 3}",
			 "{\"false\":3,\"true\":2,\"x\":1}");
}

static void test_yaml__float_keys_print_at_float32_precision(void **state)
{
	/* sigs.k8s.io/yaml formats float keys with 32-bit precision */
	assert_yaml_json("{3.14159265358979: pi, 1e7: big, 0.00001: small}",
			 "{\"1e+07\":\"big\",\"1e-05\":\"small\","
			 "\"3.1415927\":\"pi\"}");
}

static void test_yaml__long_flow_keys_and_quoted_keys(void **state)
{
	assert_yaml_json("{\"a b\": 1, 'c/d': 2, \"~e\": 3}",
			 "{\"a b\":1,\"c/d\":2,\"~e\":3}");
}

/* ---- anchors, aliases, merges ---------------------------------------- */

static void test_yaml__alias_copies_the_anchored_value(void **state)
{
	assert_yaml_json("base: &b {x: 1, z: [1, 2]}\ncopy: *b\n",
			 "{\"base\":{\"x\":1,\"z\":[1,2]},"
			 "\"copy\":{\"x\":1,\"z\":[1,2]}}");
}

static void test_yaml__alias_to_a_scalar_and_as_a_key(void **state)
{
	assert_yaml_json("a: &k name\n*k : value\n",
			 "{\"a\":\"name\",\"name\":\"value\"}");
}

static void test_yaml__anchor_can_be_redefined(void **state)
{
	assert_yaml_json("a: &x 1\nb: &x 2\nc: *x\n",
			 "{\"a\":1,\"b\":2,\"c\":2}");
}

static void test_yaml__merge_key_brings_in_a_mapping(void **state)
{
	assert_yaml_json(
		"base: &b {cpu: 1, memory: 2g}\n"
		"tm:\n  <<: *b\n  replicas: 2\n",
		"{\"base\":{\"cpu\":1,\"memory\":\"2g\"},"
		"\"tm\":{\"cpu\":1,\"memory\":\"2g\",\"replicas\":2}}");
}

static void test_yaml__key_after_merge_overrides_it(void **state)
{
	assert_yaml_json("b: &b {cpu: 1, memory: 2g}\n"
			 "tm:\n  <<: *b\n  memory: 4g\n",
			 "{\"b\":{\"cpu\":1,\"memory\":\"2g\"},"
			 "\"tm\":{\"cpu\":1,\"memory\":\"4g\"}}");
}

static void test_yaml__merge_list_earlier_mapping_wins(void **state)
{
	assert_yaml_json("a: &a {k: from-a, x: 1}\nb: &b {k: from-b, z: 2}\n"
			 "m:\n  <<: [*a, *b]\n",
			 "{\"a\":{\"k\":\"from-a\",\"x\":1},"
			 "\"b\":{\"k\":\"from-b\",\"z\":2},"
			 "\"m\":{\"k\":\"from-a\",\"x\":1,\"z\":2}}");
}

static void test_yaml__merge_of_a_mapping_that_merges(void **state)
{
	assert_yaml_json("a: &a {x: 1}\nb: &b {<<: *a, z: 2}\nc: {<<: *b}\n",
			 "{\"a\":{\"x\":1},\"b\":{\"x\":1,\"z\":2},"
			 "\"c\":{\"x\":1,\"z\":2}}");
}

static void test_yaml__quoted_merge_key_is_an_ordinary_key(void **state)
{
	assert_yaml_json("a: &a {x: 1}\nb: {\"<<\": *a}\n",
			 "{\"a\":{\"x\":1},\"b\":{\"<<\":{\"x\":1}}}");
}

/* ---- positions ------------------------------------------------------- */

static void test_yaml__position_of_a_nested_field(void **state)
{
	struct fg_yaml_file *f = load_ok("apiVersion: v1\n"
					 "spec:\n"
					 "  job:\n"
					 "    parallelism: 2\n");
	struct fg_pos k, v;

	assert_int_equal(fg_yaml_pos(f, 0, "/spec/job/parallelism", &k, &v), 0);
	assert_int_equal(k.line, 4);
	assert_int_equal(k.col, 5);
	assert_int_equal(v.line, 4);
	assert_int_equal(v.col, 18);
	fg_yaml_file_free(f);
}

static void test_yaml__position_of_a_sequence_item(void **state)
{
	struct fg_yaml_file *f = load_ok("items:\n  - a\n  - name: b\n");
	struct fg_pos k;

	assert_int_equal(fg_yaml_pos(f, 0, "/items/1/name", &k, NULL), 0);
	assert_int_equal(k.line, 3);
	assert_int_equal(k.col, 5);
	assert_int_equal(fg_yaml_pos(f, 0, "/items/0", &k, NULL), 0);
	assert_int_equal(k.line, 2);
	assert_int_equal(k.col, 5);
	fg_yaml_file_free(f);
}

static void test_yaml__position_in_a_later_document(void **state)
{
	struct fg_yaml_file *f = load_ok("a: 1\n---\nb:\n  c: 2\n");
	struct fg_pos k;

	assert_int_equal(fg_yaml_pos(f, 1, "/b/c", &k, NULL), 0);
	assert_int_equal(k.line, 4);
	assert_int_equal(fg_yaml_pos(f, 0, "/b/c", &k, NULL), FG_ENOTFOUND);
	fg_yaml_file_free(f);
}

static void test_yaml__position_of_an_absent_field_is_its_ancestor(void **state)
{
	struct fg_yaml_file *f = load_ok("spec:\n  job:\n    jarURI: x\n");
	struct fg_pos k;

	assert_int_equal(fg_yaml_pos(f, 0, "/spec/job/parallelism", &k, NULL),
			 FG_ENOTFOUND);
	assert_int_equal(k.line, 2);
	assert_int_equal(k.col, 3);
	fg_yaml_file_free(f);
}

static void test_yaml__position_with_escaped_pointer_tokens(void **state)
{
	struct fg_yaml_file *f =
		load_ok("flinkConfiguration:\n  a/b: 1\n  c~d: 2\n");
	struct fg_buf p = FG_BUF_INIT;
	struct fg_pos k;

	fg_json_pointer_push(&p, "flinkConfiguration");
	fg_json_pointer_push(&p, "c~d");
	assert_string_equal(p.ptr, "/flinkConfiguration/c~0d");
	assert_int_equal(fg_yaml_pos(f, 0, p.ptr, &k, NULL), 0);
	assert_int_equal(k.line, 3);
	assert_int_equal(
		fg_yaml_pos(f, 0, "/flinkConfiguration/a~1b", &k, NULL), 0);
	assert_int_equal(k.line, 2);
	fg_buf_release(&p);
	fg_yaml_file_free(f);
}

static void test_yaml__position_of_aliased_content_is_the_anchor(void **state)
{
	struct fg_yaml_file *f = load_ok("base: &b\n"
					 "  memory: 2g\n"
					 "tm:\n"
					 "  <<: *b\n"
					 "  cpu: 1\n"
					 "jm: *b\n");
	struct fg_pos k;

	/* the merged key is written at line 2 */
	assert_int_equal(fg_yaml_pos(f, 0, "/tm/memory", &k, NULL), 0);
	assert_int_equal(k.line, 2);
	assert_int_equal(fg_yaml_pos(f, 0, "/tm/cpu", &k, NULL), 0);
	assert_int_equal(k.line, 5);
	assert_int_equal(fg_yaml_pos(f, 0, "/jm/memory", &k, NULL), 0);
	assert_int_equal(k.line, 2);
	fg_yaml_file_free(f);
}

static void test_yaml__columns_count_characters_not_bytes(void **state)
{
	struct fg_yaml_file *f = load_ok("{é: 1, b: 2}\n");
	struct fg_pos k;

	assert_int_equal(fg_yaml_pos(f, 0, "/b", &k, NULL), 0);
	assert_int_equal(k.col, 8);
	fg_yaml_file_free(f);
}

/* ---- limits ---------------------------------------------------------- */

static void test_yaml__depth_limit_is_enforced(void **state)
{
	struct fg_yaml_limits lim = FG_YAML_LIMITS_DEFAULT;
	struct fg_yaml_file *f = NULL;
	const char *text = "a:\n  b:\n    c:\n      d: 1\n";

	lim.max_depth = 3;
	assert_int_equal(
		fg_yaml_load(&f, "t.yaml", text, strlen(text), &lim, NULL),
		FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "t.yaml:4:7: nesting is deeper than 3 levels");
	lim.max_depth = 4;
	assert_int_equal(
		fg_yaml_load(&f, "t.yaml", text, strlen(text), &lim, NULL), 0);
	fg_yaml_file_free(f);
}

static void test_yaml__depth_limit_counts_alias_expansion(void **state)
{
	struct fg_yaml_limits lim = FG_YAML_LIMITS_DEFAULT;
	struct fg_yaml_file *f = NULL;
	const char *text = "a: &a [[1]]\nb: [[*a]]\n";

	lim.max_depth = 3;
	assert_int_equal(
		fg_yaml_load(&f, "t.yaml", text, strlen(text), &lim, NULL),
		FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "t.yaml:2:6: nesting is deeper than 3 levels");
}

static void test_yaml__node_limit_is_enforced(void **state)
{
	struct fg_yaml_limits lim = FG_YAML_LIMITS_DEFAULT;
	struct fg_yaml_file *f = NULL;
	const char *text = "[1, 2, 3, 4, 5]";

	lim.max_nodes = 5;
	assert_int_equal(
		fg_yaml_load(&f, "t.yaml", text, strlen(text), &lim, NULL),
		FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "t.yaml:1:14: document has more than 5 nodes "
			    "(after expanding aliases)");
}

static void test_yaml__alias_bomb_is_an_error_not_an_oom(void **state)
{
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
			   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

	assert_string_equal(load_err(bomb),
			    "t.yaml:7:8: document has more than 1000000 "
			    "nodes (after expanding aliases)");
}

static void test_yaml__file_size_limit_is_enforced(void **state)
{
	struct fg_yaml_limits lim = FG_YAML_LIMITS_DEFAULT;
	struct fg_yaml_file *f = NULL;
	const char *text = "a: 12345\n";

	lim.max_bytes = 4;
	assert_int_equal(
		fg_yaml_load(&f, "t.yaml", text, strlen(text), &lim, NULL),
		FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "t.yaml: file is 9 bytes, above the limit of 4");
}

static void test_yaml__document_count_limit_is_enforced(void **state)
{
	struct fg_yaml_limits lim = FG_YAML_LIMITS_DEFAULT;
	struct fg_yaml_file *f = NULL;
	const char *text = "a: 1\n---\nb: 2\n---\nc: 3\n";

	lim.max_docs = 2;
	assert_int_equal(
		fg_yaml_load(&f, "t.yaml", text, strlen(text), &lim, NULL),
		FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "t.yaml:4:1: more than 2 documents in one file");
}

/* ---- API ------------------------------------------------------------- */

static void test_yaml__error_is_also_a_diagnostic(void **state)
{
	struct fg_diags d = FG_DIAGS_INIT;
	struct fg_yaml_file *f = NULL;
	struct fg_buf out = FG_BUF_INIT;
	const char *text = "a: 1\na: 2\n";

	assert_int_equal(
		fg_yaml_load(&f, "ns/job.yaml", text, strlen(text), NULL, &d),
		FG_EINVALID);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].pos.line, 2);
	assert_int_equal(d.v[0].pos.col, 1);
	fg_diag_format(&out, &d.v[0]);
	assert_string_equal(out.ptr, "ns/job.yaml:2:1: error: duplicate key "
				     "\"a\" (first defined at line 1)");
	fg_buf_release(&out);
	fg_diags_release(&d);
}

static void test_yaml__doc_take_transfers_ownership(void **state)
{
	struct fg_yaml_file *f = load_ok("a: 1\n");
	json_t *v = fg_yaml_doc_take(f, 0);
	struct fg_pos k;

	fg_yaml_file_free(f);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
	(void)k;
}

static void test_yaml__load_path_reads_and_names_the_file(void **state)
{
	char path[] = "/tmp/fg-yaml-XXXXXX";
	int fd = mkstemp(path);
	struct fg_yaml_file *f = NULL;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a: [1\n", 6), 6);
	close(fd);
	assert_int_equal(fg_yaml_load_path(&f, path, NULL, NULL), FG_EINVALID);
	assert_non_null(strstr(fg_error_last(), path));
	unlink(path);
	assert_int_equal(fg_yaml_load_path(&f, path, NULL, NULL), FG_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_yaml__multi_document_file_gives_one_value_per_document),
		cmocka_unit_test(
			test_yaml__empty_and_null_documents_are_skipped),
		cmocka_unit_test(test_yaml__empty_file_has_no_documents),
		cmocka_unit_test(
			test_yaml__document_position_is_where_it_starts),
		cmocka_unit_test(test_yaml__separator_with_comment_is_accepted),
		cmocka_unit_test(test_yaml__utf8_byte_order_mark_is_ignored),
		cmocka_unit_test(
			test_yaml__utf16_with_a_byte_order_mark_is_read),
		cmocka_unit_test(test_yaml__bare_scalar_document_is_kept),
		cmocka_unit_test(
			test_yaml__yaml11_booleans_resolve_like_kubectl),
		cmocka_unit_test(test_yaml__null_forms),
		cmocka_unit_test(test_yaml__quoted_scalars_stay_strings),
		cmocka_unit_test(test_yaml__block_scalars_stay_strings),
		cmocka_unit_test(test_yaml__integers_decimal_octal_hex_binary),
		cmocka_unit_test(test_yaml__integers_with_underscores),
		cmocka_unit_test(test_yaml__leading_zero_non_octal_is_a_float),
		cmocka_unit_test(test_yaml__floats_and_whole_floats),
		cmocka_unit_test(test_yaml__int64_bounds_and_beyond),
		cmocka_unit_test(test_yaml__numbers_that_are_strings),
		cmocka_unit_test(test_yaml__timestamps_stay_strings),
		cmocka_unit_test(test_yaml__explicit_tags),
		cmocka_unit_test(test_yaml__binary_tag_is_decoded),
		cmocka_unit_test(test_yaml__custom_tags_keep_the_text),
		cmocka_unit_test(test_yaml__unicode_and_escapes),
		cmocka_unit_test(
			test_yaml__keys_become_strings_like_kubernetes),
		cmocka_unit_test(
			test_yaml__single_letter_y_and_n_keys_are_booleans),
		cmocka_unit_test(
			test_yaml__float_keys_print_at_float32_precision),
		cmocka_unit_test(test_yaml__long_flow_keys_and_quoted_keys),
		cmocka_unit_test(test_yaml__alias_copies_the_anchored_value),
		cmocka_unit_test(test_yaml__alias_to_a_scalar_and_as_a_key),
		cmocka_unit_test(test_yaml__anchor_can_be_redefined),
		cmocka_unit_test(test_yaml__merge_key_brings_in_a_mapping),
		cmocka_unit_test(test_yaml__key_after_merge_overrides_it),
		cmocka_unit_test(test_yaml__merge_list_earlier_mapping_wins),
		cmocka_unit_test(test_yaml__merge_of_a_mapping_that_merges),
		cmocka_unit_test(
			test_yaml__quoted_merge_key_is_an_ordinary_key),
		cmocka_unit_test(test_yaml__position_of_a_nested_field),
		cmocka_unit_test(test_yaml__position_of_a_sequence_item),
		cmocka_unit_test(test_yaml__position_in_a_later_document),
		cmocka_unit_test(
			test_yaml__position_of_an_absent_field_is_its_ancestor),
		cmocka_unit_test(
			test_yaml__position_with_escaped_pointer_tokens),
		cmocka_unit_test(
			test_yaml__position_of_aliased_content_is_the_anchor),
		cmocka_unit_test(test_yaml__columns_count_characters_not_bytes),
		cmocka_unit_test(test_yaml__depth_limit_is_enforced),
		cmocka_unit_test(test_yaml__depth_limit_counts_alias_expansion),
		cmocka_unit_test(test_yaml__node_limit_is_enforced),
		cmocka_unit_test(test_yaml__alias_bomb_is_an_error_not_an_oom),
		cmocka_unit_test(test_yaml__file_size_limit_is_enforced),
		cmocka_unit_test(test_yaml__document_count_limit_is_enforced),
		cmocka_unit_test(test_yaml__error_is_also_a_diagnostic),
		cmocka_unit_test(test_yaml__doc_take_transfers_ownership),
		cmocka_unit_test(test_yaml__load_path_reads_and_names_the_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
