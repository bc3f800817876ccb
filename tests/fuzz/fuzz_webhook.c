/*
 * libFuzzer target for webhook deliveries (agent/webhook.h): the first
 * byte picks the provider, the next line is the signature or token
 * header, the next the event header, the rest the body. Signed with the
 * target's own secret when the header says "sign", so authentic bodies
 * reach the JSON reader too. Never crash, leak or hang; a push names a
 * ref that fits.
 *
 *   build/fuzz/tests/fuzz_webhook tests/fuzz/corpus/webhook
 * The corpus is replayed by the ordinary test `fuzz_webhook_replay`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "agent/webhook.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char secret[] = "fuzz-secret";

/* The next line of the input, NUL-terminated in `out`. */
static size_t line(const uint8_t *d, size_t n, char *out, size_t max)
{
	size_t i = 0;

	while (i < n && d[i] != '\n')
		i++;
	snprintf(out, max, "%.*s", (int)(i < max ? i : max - 1),
		 (const char *)d);
	return i < n ? i + 1 : i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sig[FG_HOOK_MAX_HEADER + 2], event[64], ref[FG_HOOK_MAX_REF];
	struct fg_hook_request r;
	enum fg_hook_verdict v;
	size_t used;

	if (sodium_init() < 0 || size < 1)
		return 0;
	memset(&r, 0, sizeof(r));
	r.provider = (enum fg_hook_provider)(data[0] % 3);
	data++;
	size--;
	used = line(data, size, sig, sizeof(sig));
	data += used;
	size -= used;
	used = line(data, size, event, sizeof(event));
	data += used;
	size -= used;
	r.body = (const char *)data;
	r.len = size;
	r.event = event;
	if (!strcmp(sig, "sign")) {
		unsigned char mac[crypto_auth_hmacsha256_BYTES];

		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, secret, sizeof(secret) - 1);
		crypto_auth_hmacsha256_update(&st, data, size);
		crypto_auth_hmacsha256_final(&st, mac);
		memcpy(sig, "sha256=", 7);
		sodium_bin2hex(sig + 7, sizeof(sig) - 7, mac, sizeof(mac));
	}
	r.signature = sig;
	r.token = sig;
	v = fg_hook_check(&r, secret, sizeof(secret) - 1, ref, sizeof(ref));
	if (v == FG_HOOK_PUSH && (!*ref || strlen(ref) >= sizeof(ref)))
		abort();
	return 0;
}
