/*
 * libFuzzer target for SSH signatures (agent/git/sshsig.h): the armored
 * "sshsig" signature a signed commit carries (gpgsig header, from any
 * pusher), checked against a fixed allowed_signers entry and message;
 * and the same bytes as an OpenSSH private key file (the agent's own
 * signing key). A signature must verify or fail with FG_EAUTH and a
 * message; a key must load or fail with FG_EINVALID / FG_ERROR; never a
 * crash, leak or hang. The seed `valid.sig` is ssh-keygen -Y sign of
 * "fuzz message\n" in namespace git with the key below, so mutations
 * reach the signature check itself.
 *   build/fuzz/tests/fuzz_sshsig tests/fuzz/corpus/sshsig
 * The corpus is replayed by `fuzz_sshsig_replay`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/git/sshsig.h"
#include "render/base/buf.h"
#include <sodium.h>

#include "render/base/error.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char signers_text[] =
	"fuzz@example.com namespaces=\"git\" ssh-ed25519 "
	"AAAAC3NzaC1lZDI1NTE5AAAAIESFDwNxGutDVUB7oyvX+"
	"9umYr0nYqbJAUqKFMOaqMVe\n";
static const char msg[] = "fuzz message\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fg_allowed_signers *signers;
	struct fg_buf who = FG_BUF_INIT;
	struct fg_ssh_key *key = NULL;
	int rc;

	if (sodium_init() < 0) /* sodium_malloc aborts without it */
		abort();
	if (!signers &&
	    fg_allowed_signers_parse(&signers, signers_text,
				     strlen(signers_text), "fuzz") < 0)
		abort();
	rc = fg_sshsig_verify((const char *)data, size, msg, strlen(msg), "git",
			      signers, 1700000000, &who);
	if (rc == 0) {
		if (!strstr(who.ptr, "fuzz@example.com (SHA256:"))
			abort();
	} else if ((rc != FG_EAUTH && rc != FG_ERROR) || !*fg_error_last()) {
		abort();
	}
	fg_buf_release(&who);
	fg_error_clear();

	rc = fg_ssh_key_parse(&key, (const char *)data, size, "fuzz");
	if (rc == 0) {
		struct fg_buf pub = FG_BUF_INIT;

		if (!key || fg_ssh_key_public(key, &pub) < 0 ||
		    strncmp(pub.ptr, "ssh-ed25519 ", 12))
			abort();
		fg_buf_release(&pub);
		fg_ssh_key_free(key);
	} else if (key || (rc != FG_EINVALID && rc != FG_ERROR) ||
		   !*fg_error_last()) {
		abort();
	}
	fg_error_clear();
	return 0;
}
