/*
 * libFuzzer target for known_hosts (agent/git/known_hosts.h): the file
 * --known-hosts names, checked for a server's host key before a fetch
 * over SSH. Any text gives one of the four answers for a fixed key and
 * two hosts (one on port 22, one "[host]:port"), consistently with the
 * pattern matcher, and in time linear in the file (libFuzzer's -timeout
 * catches a slow pattern); never a crash or a read out of bounds.
 *   build/fuzz/tests/fuzz_known_hosts tests/fuzz/corpus/known_hosts
 * The corpus is replayed by `fuzz_known_hosts_replay`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "agent/git/known_hosts.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the public key of fuzz_sshsig.c, as a host key */
static const char key_b64[] =
	"AAAAC3NzaC1lZDI1NTE5AAAAIESFDwNxGutDVUB7oyvX+9umYr0nYqbJAUqKFMOaqMVe";
static const char *const hosts[] = { "git.example.com", "[127.0.0.1]:2222" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char blob[64];
	static size_t bloblen;
	const char *text = (const char *)data;

	if (!bloblen && sodium_base642bin(blob, sizeof(blob), key_b64,
					  strlen(key_b64), NULL, &bloblen, NULL,
					  sodium_base64_VARIANT_ORIGINAL))
		abort();
	for (size_t h = 0; h < 2; h++) {
		enum fg_known_host v = fg_known_hosts_lookup(
			text, size, hosts[h], blob, bloblen);

		if (v != FG_KNOWN_HOST_OK && v != FG_KNOWN_HOST_UNKNOWN &&
		    v != FG_KNOWN_HOST_MISMATCH && v != FG_KNOWN_HOST_REVOKED)
			abort();
		/* the bytes as one pattern list, as a line's first field */
		(void)fg_known_hosts_match(text, size > 4096 ? 4096 : size,
					   hosts[h]);
	}
	return 0;
}
