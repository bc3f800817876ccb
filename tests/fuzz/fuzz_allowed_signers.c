/*
 * libFuzzer target for git's allowed_signers file (agent/git/sshsig.h,
 * fg_allowed_signers_parse: --allowed-signers). It must parse or fail
 * with FG_EINVALID and a message naming the line; never crash, leak or
 * hang. What parses is used at once: a fixed signature by a fixed key
 * (the seed `listed` lists it) must verify exactly when the file lists
 * that key for namespace git at the signature's time, else fail with
 * FG_EAUTH.
 *   build/fuzz/tests/fuzz_allowed_signers tests/fuzz/corpus/allowed_signers
 * The corpus is replayed by `fuzz_allowed_signers_replay`.
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

/* ssh-keygen -Y sign -n git of "fuzz message\n" with the key of
 * fuzz_sshsig.c */
static const char sig[] = "-----BEGIN SSH SIGNATURE-----\n"
			  "U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgRIUPA3Ea"
			  "60NVQHujK9f726ZivS\n"
			  "dipskBSooUw5qoxV4AAAADZ2l0AAAAAAAAAAZzaGE1MTIAAABTAA"
			  "AAC3NzaC1lZDI1NTE5\n"
			  "AAAAQNAdOvaCrBOcxmL410mS5oE58fdUdtzck4qWVtqBtLSzT/"
			  "9m/Q3SiYNCJAxXgNCnA/\n"
			  "vsh0o5CDk4YHdIpbCQHwc=\n"
			  "-----END SSH SIGNATURE-----\n";
static const char msg[] = "fuzz message\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_allowed_signers *a = NULL;
	struct fg_buf who = FG_BUF_INIT;
	int rc;

	if (sodium_init() < 0) /* sodium_malloc aborts without it */
		abort();
	rc = fg_allowed_signers_parse(&a, (const char *)data, size, "fuzz");
	if (rc < 0) {
		if (a || (rc != FG_EINVALID && rc != FG_ERROR) ||
		    !*fg_error_last())
			abort();
		fg_error_clear();
		return 0;
	}
	rc = fg_sshsig_verify(sig, strlen(sig), msg, strlen(msg), "git", a,
			      1700000000, &who);
	if (rc == 0 ? !strstr(who.ptr, " (SHA256:")
		    : (rc != FG_EAUTH && rc != FG_ERROR) || !*fg_error_last())
		abort();
	fg_buf_release(&who);
	fg_allowed_signers_free(a);
	fg_error_clear();
	return 0;
}
