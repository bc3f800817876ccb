/*
 * SSH signatures, as `git commit -S` with gpg.format=ssh and
 * `ssh-keygen -Y sign|verify` make and check them: the armored "sshsig"
 * format (OpenSSH PROTOCOL.sshsig), Ed25519 keys only, hash sha512 or
 * sha256, checked with libsodium.
 *
 * Also: the agent's own signing key read from an unencrypted OpenSSH
 * private key file (openssh-key-v1, ed25519), kept in sodium_malloc
 * memory; and git's `allowed_signers` file (gpg.ssh.allowedSignersFile).
 */
#ifndef FG_AGENT_GIT_SSHSIG_H
#define FG_AGENT_GIT_SSHSIG_H

#include <stddef.h>
#include <time.h>

#include "render/base/buf.h"

/* Bounds on what is read from outside. */
#define FG_SSHSIG_MAX_ARMORED 8192	 /* one armored signature */
#define FG_SSH_KEY_FILE_MAX 16384	 /* a private key file */
#define FG_ALLOWED_SIGNERS_MAX (1 << 20) /* an allowed_signers file */
#define FG_ALLOWED_SIGNERS_MAX_KEYS 10000

/* "SHA256:" + 43 base64 characters + NUL, as ssh-keygen -l prints. */
#define FG_SSH_FP_LEN 51

struct fg_ssh_key;	   /* a private Ed25519 key (secret memory) */
struct fg_allowed_signers; /* a parsed allowed_signers file */

/*
 * Load an unencrypted OpenSSH ed25519 private key. Encrypted keys and
 * other key types are refused with FG_EINVALID. Key bytes never appear
 * in a message.
 */
int fg_ssh_key_load(struct fg_ssh_key **out, const char *path);
/* The same from bytes in memory (`label` names them in messages). */
int fg_ssh_key_parse(struct fg_ssh_key **out, const char *text, size_t len,
		     const char *label);
void fg_ssh_key_free(struct fg_ssh_key *k);
/* "ssh-ed25519 BASE64", the public half, for allowed_signers files. */
int fg_ssh_key_public(const struct fg_ssh_key *k, struct fg_buf *out);
/* The key's fingerprint, "SHA256:...". */
void fg_ssh_key_fingerprint(const struct fg_ssh_key *k, char fp[FG_SSH_FP_LEN]);

/* Fingerprint of a public key blob (the SSH wire form). */
void fg_ssh_fingerprint(const unsigned char *blob, size_t len,
			char fp[FG_SSH_FP_LEN]);

/* Sign `msg` in namespace `ns` (sha512); append the armored signature. */
int fg_sshsig_sign(struct fg_buf *out, const struct fg_ssh_key *k,
		   const char *ns, const void *msg, size_t len);

int fg_allowed_signers_load(struct fg_allowed_signers **out, const char *path);
int fg_allowed_signers_parse(struct fg_allowed_signers **out, const char *text,
			     size_t len, const char *label);
void fg_allowed_signers_free(struct fg_allowed_signers *a);

/*
 * Verify an armored signature over `msg` in namespace `ns`, made by a key
 * listed in `signers` and valid at time `when` (valid-after/valid-before).
 * On success `who` gets "PRINCIPAL (SHA256:...)". Failures are FG_EAUTH
 * with the reason: malformed, wrong namespace, unsupported key or hash,
 * bad signature, key not listed (naming its fingerprint).
 */
int fg_sshsig_verify(const char *armored, size_t alen, const void *msg,
		     size_t len, const char *ns,
		     const struct fg_allowed_signers *signers, time_t when,
		     struct fg_buf *who);

#endif
