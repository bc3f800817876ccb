/*
 * Malformed and hostile YAML, each with the one message the loader must
 * give (file t.yaml): the rows of test_yaml_errors, and of the loader's
 * run under failing allocations (tests/oom/test_oom_yaml.c).
 */
#ifndef FG_TESTS_YAML_BAD_INPUTS_H
#define FG_TESTS_YAML_BAD_INPUTS_H

#include <stddef.h>

struct bad_input {
	const char *name;
	const char *text;
	size_t len;
	const char *message;
};

static const struct bad_input inputs[] = {
	{ "duplicate_key", "a: 1\nb: 2\na: 3\n", 15,
	  "t.yaml:3:1: duplicate key \"a\" (first defined at line 1)" },
	{ "duplicate_nested_key",
	  "spec:\n  job:\n    parallelism: 1\n    parallelism: 2\n", 51,
	  "t.yaml:4:5: duplicate key \"parallelism\" (first defined at line "
	  "3)" },
	{ "duplicate_after_bool_resolution", "yes: 1\ntrue: 2\n", 15,
	  "t.yaml:2:1: duplicate key \"true\" (first defined at line 1)" },
	{ "duplicate_int_and_string_key", "1: a\n\"1\": b\n", 12,
	  "t.yaml:2:1: duplicate key \"1\" (first defined at line 1)" },
	{ "duplicate_in_flow_mapping", "{a: 1, a: 2}\n", 13,
	  "t.yaml:1:8: duplicate key \"a\" (first defined at line 1)" },
	{ "duplicate_in_second_document", "a: 1\n---\nb: 1\nb: 2\n", 19,
	  "t.yaml:4:1: duplicate key \"b\" (first defined at line 3)" },
	{ "two_merge_keys",
	  "a: &a {x: 1}\nb: &b {y: 1}\nc:\n  <<: *a\n  <<: *b\n", 47,
	  "t.yaml:5:3: duplicate merge key '<<' (first at line 4); use one "
	  "'<<' with a sequence" },
	{ "key_before_merge_that_overrides_it",
	  "b: &b {w: 2}\nm:\n  w: 3\n  <<: *b\n", 32,
	  "t.yaml:3:3: key \"w\" is also set by the merge at line 4, which "
	  "kubectl lets override it; write the key after '<<' to override the "
	  "merged value" },
	{ "merge_of_a_scalar", "m:\n  <<: 1\n", 11,
	  "t.yaml:2:7: map merge requires a mapping or a sequence of mappings "
	  "as its value" },
	{ "merge_list_with_a_scalar", "a: &a {x: 1}\nm:\n  <<: [*a, 2]\n", 30,
	  "t.yaml:3:12: map merge requires a mapping or a sequence of mappings "
	  "as its value" },
	{ "unknown_anchor", "a: *nope\n", 9,
	  "t.yaml:1:4: unknown anchor 'nope' referenced" },
	{ "anchor_contains_itself", "a: &a [1, *a]\n", 14,
	  "t.yaml:1:11: anchor 'a' value contains itself" },
	{ "tab_indentation", "a:\n\tb: 1\n", 9,
	  "t.yaml:2:1: tab character used for indentation (YAML allows only "
	  "spaces)" },
	{ "invalid_utf8_byte",
	  "a: b\xff"
	  "c\n",
	  7, "t.yaml:1:5: invalid UTF-8 byte 0xFF" },
	{ "overlong_utf8", "a: \xc0\x80\n", 6,
	  "t.yaml:1:4: invalid UTF-8 byte 0xC0" },
	{ "truncated_utf8_at_end", "a: \xe2\x82", 5,
	  "t.yaml:1:4: invalid UTF-8 byte 0xE2" },
	{ "utf8_surrogate", "a: \xed\xa0\x80\n", 7,
	  "t.yaml:1:4: invalid UTF-8 byte 0xED" },
	{ "utf16_odd_length",
	  "\xFF\xFE"
	  "a\0:\0 \0b",
	  9,
	  "t.yaml:1:4: UTF-16 text ends in the middle of a character (odd "
	  "length)" },
	{ "utf16_unpaired_surrogate", "\xFE\xFF\0a\0:\0 \xDC\x00\0\n", 12,
	  "t.yaml:1:4: invalid UTF-16: unpaired surrogate 0xDC00" },
	{ "utf16_error_after_decoding",
	  "\xFF\xFE"
	  "a\0:\0 \0[\0"
	  "1\0,\0 \0"
	  "2\0\n\0",
	  20,
	  "t.yaml:1:4: unterminated flow sequence: no closing ']' before "
	  "the end of the file" },
	{ "nul_byte",
	  "a: b\x00"
	  "c\n",
	  7, "t.yaml:1:5: control character 0x00 is not allowed" },
	{ "control_character",
	  "a: b\x07"
	  "c\n",
	  7, "t.yaml:1:5: control character 0x07 is not allowed" },
	{ "unterminated_double_quote", "a: \"abc\nb: 1\n", 13,
	  "t.yaml:1:4: unterminated quoted string: no closing quote before the "
	  "end of the file" },
	{ "unterminated_single_quote", "a: 'abc\n", 8,
	  "t.yaml:1:4: unterminated quoted string: no closing quote before the "
	  "end of the file" },
	{ "unterminated_flow_mapping", "a: {b: 1\n", 9,
	  "t.yaml:1:4: unterminated flow mapping: no closing '}' before the "
	  "end of the file" },
	{ "unterminated_flow_sequence", "a: [1, 2\n", 9,
	  "t.yaml:1:4: unterminated flow sequence: no closing ']' before the "
	  "end of the file" },
	{ "mapping_value_in_plain_scalar", "a: b: c\n", 8,
	  "t.yaml:1:5: mapping values are not allowed in this context" },
	{ "bad_indentation", "a:\n  b: 1\n c: 2\n", 16,
	  "t.yaml:3:2: did not find expected key while parsing a block mapping "
	  "that started at line 1, column 1" },
	{ "sequence_then_mapping_at_root", "- a\nb: 1\n", 9,
	  "t.yaml:2:1: did not find expected '-' indicator while parsing a "
	  "block collection that started at line 1, column 1" },
	{ "text_after_separator", "--- a: 1\n", 9,
	  "t.yaml:1:1: text after the document separator '---'; start the "
	  "document on the next line" },
	{ "block_scalar_on_separator", "--- |\n  text\n", 13,
	  "t.yaml:1:1: text after the document separator '---'; start the "
	  "document on the next line" },
	{ "document_after_end_marker", "a: 1\n...\nb: 2\n", 14,
	  "t.yaml:3:1: a document after '...' must start with '---'" },
	{ "yaml_directive", "%YAML 1.1\n---\na: 1\n", 19,
	  "t.yaml:1:1: YAML directives (%YAML, %TAG) are not supported: "
	  "kubectl rejects them" },
	{ "infinity", "a: .inf\n", 8,
	  "t.yaml:1:4: value '.inf' (infinity or NaN) cannot be represented in "
	  "JSON" },
	{ "nan", "a: [1, .NaN]\n", 13,
	  "t.yaml:1:8: value '.NaN' (infinity or NaN) cannot be represented in "
	  "JSON" },
	{ "null_key", "~: a\n", 5,
	  "t.yaml:1:1: null mapping key is not supported" },
	{ "sequence_key", "? [a]\n: b\n", 10,
	  "t.yaml:1:3: mapping key is a sequence; only scalar keys can become "
	  "JSON" },
	{ "mapping_key", "? {a: 1}\n: b\n", 13,
	  "t.yaml:1:3: mapping key is a mapping; only scalar keys can become "
	  "JSON" },
	{ "int_tag_on_text", "a: !!int abc\n", 13,
	  "t.yaml:1:4: cannot decode !!str `abc` as a !!int" },
	{ "bool_tag_on_text", "a: !!bool maybe\n", 16,
	  "t.yaml:1:4: cannot decode !!str `maybe` as a !!bool" },
	{ "float_tag_on_text", "a: !!float 1x\n", 14,
	  "t.yaml:1:4: cannot decode !!str `1x` as a !!float" },
	{ "null_tag_on_text", "a: !!null x\n", 12,
	  "t.yaml:1:4: cannot decode !!str `x` as a !!null" },
	{ "binary_tag_bad_base64", "a: !!binary '***'\n", 18,
	  "t.yaml:1:4: !!binary value contains invalid base64 data" },
	{ "key_too_large_for_int64", "18446744073709551615: a\n", 24,
	  "t.yaml:1:1: mapping key 18446744073709551615 is too large for "
	  "Kubernetes' YAML reader" },
	{ "invalid_escape", "a: \"\\q\"\n", 8,
	  "t.yaml:1:5: found unknown escape character while parsing a quoted "
	  "scalar that started at line 1, column 4" },
	{ "surrogate_escape", "a: \"\\ud800\"\n", 12,
	  "t.yaml:1:7: found invalid Unicode character escape code while "
	  "parsing a quoted scalar that started at line 1, column 4" },
	{ "nul_in_key", "\"a\\0b\": 1\n", 10,
	  "t.yaml:1:1: mapping key contains a NUL character" },
	{ "simple_key_too_long",
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkk"
	  ": 1\n",
	  1104,
	  "t.yaml:1:1101: mapping values are not allowed in this context" },
	{ "undefined_tag_handle", "a: !e!x 1\n", 10,
	  "t.yaml:1:4: found undefined tag handle while parsing a node that "
	  "started at line 1, column 4" },
	{ "anchor_without_name", "a: & b\n", 7,
	  "t.yaml:1:5: did not find expected alphabetic or numeric character "
	  "while scanning an anchor that started at line 1, column 4" },
	{ "stray_flow_end", "a: ]\n", 5,
	  "t.yaml:1:4: did not find expected node content while parsing a "
	  "block node that started at line 1, column 4" },
};

#endif
