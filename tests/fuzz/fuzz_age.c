/*
 * libFuzzer target for the age reader (render/age.h): the header parser
 * on its own, the armor decoder, and a whole decryption with a fixed
 * identity (the spec's example key, so seeds encrypted to its recipient
 * reach the payload). Any input must parse or fail with FG_EINVALID and
 * a message; it must never crash, leak, hang or read out of bounds (run
 * under ASan+UBSan), and a failed decryption must release no plaintext.
 *
 * Build with the `fuzz` preset (clang) and run:
 *   build/fuzz/tests/fuzz_age tests/fuzz/corpus/age
 * The corpus is replayed by the ordinary test `fuzz_age_replay`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render/age.h"
#include "render/base/error.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* c2sp.org/age's example identity; its recipient is
 * age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj */
static const char identity[] = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPY"
			       "YSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n";

static void check_failure(int rc)
{
	if (rc != FG_EINVALID && rc != FG_ERROR)
		abort();
	if (!*fg_error_last())
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fg_age_identities *ids;
	struct fg_age_header *h = NULL;
	struct fg_age_secret plain = { NULL, 0 };
	struct fg_buf bin = FG_BUF_INIT;
	enum fg_age_failure why;
	size_t i, j;
	int rc;

	if (!ids && (fg_age_identities_new(&ids) < 0 ||
		     fg_age_identities_add_text(ids, "fuzz", identity,
						strlen(identity)) < 0))
		abort();

	rc = fg_age_header_parse(&h, data, size, &why);
	if (rc == 0) {
		if (fg_age_header_len(h) > size || !fg_age_header_count(h))
			abort();
		for (i = 0; i < fg_age_header_count(h); i++)
			for (j = 0; j < fg_age_header_nargs(h, i); j++)
				if (!*fg_age_header_arg(h, i, j))
					abort(); /* arguments are never empty */
		fg_age_header_free(h);
	} else {
		check_failure(rc);
		if (h || why == FG_AGE_OK)
			abort();
	}

	if (fg_age_is_armored(data, size)) {
		fg_buf_init(&bin, FG_AGE_MAX_FILE_BYTES);
		if ((rc = fg_age_armor_decode(&bin, data, size)) < 0)
			check_failure(rc);
		fg_buf_release(&bin);
	}

	rc = fg_age_decrypt(&plain, data, size, ids, &why);
	if (rc == 0) {
		if (why != FG_AGE_OK || (plain.len && !plain.ptr))
			abort();
	} else {
		check_failure(rc);
		if (plain.ptr || plain.len || why == FG_AGE_OK)
			abort();
	}
	fg_age_secret_release(&plain);
	return 0;
}
