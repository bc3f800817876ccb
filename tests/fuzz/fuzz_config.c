/*
 * libFuzzer target for the agent's configuration file (agent/config.h):
 * any bytes must load or fail with FG_EINVALID and at least one
 * "FILE:LINE:COL: ..." line; never crash, leak or hang.
 *
 *   build/fuzz/tests/fuzz_config tests/fuzz/corpus/config
 * The corpus is replayed by the ordinary test `fuzz_config_replay`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "agent/config.h"
#include "render/base/error.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_agent_config *c = NULL;
	struct fg_buf e = FG_BUF_INIT;
	int rc;

	rc = fg_agent_config_parse(&c, "fuzz.yaml", (const char *)data, size,
				   &e);
	if (rc == 0) {
		if (!c || !c->url || e.len)
			abort();
	} else {
		if (c || (rc != FG_EINVALID && rc != FG_ERROR) || !e.len)
			abort();
	}
	fg_agent_config_free(c);
	fg_buf_release(&e);
	fg_error_clear();
	return 0;
}
