/*
 * libFuzzer target for the YAML loader. Any input must either load or
 * fail with FG_EINVALID and a "NAME:..." message; it must never crash,
 * leak, hang or read out of bounds (run under ASan+UBSan). Small limits
 * keep each run fast while still crossing every limit check.
 *
 * Build with the `fuzz` preset (clang) and run:
 *   build/fuzz/tests/fuzz_yaml tests/fuzz/corpus/yaml
 * The corpus is replayed by the ordinary test `fuzz_yaml_replay`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/yaml.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_yaml_limits lim = { 1 << 20, 64, 20000, 64 };
	struct fg_diags diags = FG_DIAGS_INIT;
	struct fg_yaml_file *f = NULL;
	int rc;

	rc = fg_yaml_load(&f, "fuzz.yaml", (const char *)data, size, &lim,
			  &diags);
	if (rc == 0) {
		size_t i;
		struct fg_pos k, v;
		for (i = 0; i < fg_yaml_count(f); i++) {
			char *s = json_dumps(fg_yaml_doc(f, i),
					     JSON_COMPACT | JSON_SORT_KEYS |
						     JSON_ENCODE_ANY);
			free(s);
			fg_yaml_pos(f, i, "/a/0/b", &k, &v);
		}
		fg_yaml_file_free(f);
	} else {
		if (rc != FG_EINVALID && rc != FG_ERROR)
			abort();
		if (strncmp(fg_error_last(), "fuzz.yaml", 9) != 0)
			abort();
		if (diags.n != 1)
			abort();
	}
	fg_diags_release(&diags);
	return 0;
}
