/*
 * age v1 (https://age-encryption.org/v1, c2sp.org/age) on libsodium:
 * what flink-gitops needs to read the `*.age` Secret manifests teams keep
 * in Git, and to write them.
 *
 *   - X25519 recipients (`age1...`) and identities (`AGE-SECRET-KEY-1...`,
 *     Bech32), identity files as age-keygen writes them (`#` comments);
 *   - the header: version line, recipient stanzas, HMAC-SHA-256 MAC with
 *     keys from HKDF-SHA-256 (render/hkdf.h);
 *   - the STREAM payload: ChaCha20-Poly1305 over 64 KiB chunks, 11-byte
 *     big-endian counter and a last-chunk flag;
 *   - the ASCII armor (strict PEM, "AGE ENCRYPTED FILE"), read and written.
 *
 * Not supported, and said so by name: scrypt (passphrase) stanzas, the
 * post-quantum and tagged recipient types, plugins, SSH keys. A stanza
 * of another type is skipped when an X25519 stanza matches, as the spec
 * asks; when none does, its type is named in the error.
 *
 * Secrets: identities, file keys, payload keys and decrypted plaintext
 * live in sodium_malloc memory (guarded, locked, wiped on free). Error
 * messages never quote an identity or a byte of plaintext; they name what
 * failed, and the caller adds the file's path.
 *
 * Bounds (named, checked before any allocation they guard): the size of
 * an .age file, of its header, its stanza and argument counts, of the
 * decrypted payload, of an identity file and of an identity set.
 */
#ifndef FG_RENDER_AGE_H
#define FG_RENDER_AGE_H

#include <stddef.h>

#include "render/base/buf.h"

#define FG_AGE_MAX_FILE_BYTES ((size_t)16 << 20) /* .age file, any form */
#define FG_AGE_MAX_PLAINTEXT ((size_t)8 << 20)	 /* = one YAML file */
#define FG_AGE_MAX_HEADER_BYTES ((size_t)64 << 10)
#define FG_AGE_MAX_STANZAS 256
#define FG_AGE_MAX_STANZA_ARGS 32
#define FG_AGE_MAX_IDENTITIES 256		    /* per identity set */
#define FG_AGE_MAX_IDENTITY_FILE ((size_t)64 << 10) /* one identity file */

#define FG_AGE_CHUNK_BYTES 65536 /* STREAM plaintext chunk */
#define FG_AGE_KEY_BYTES 32	 /* X25519 public and secret keys */
/* "age1" + 52 data + 6 checksum characters */
#define FG_AGE_RECIPIENT_CHARS 62
/* "AGE-SECRET-KEY-1" + 52 data + 6 checksum characters */
#define FG_AGE_IDENTITY_CHARS 74

/*
 * Why a decryption failed, for callers that react differently (and for
 * the C2SP test vectors, whose classes these follow). The message
 * (fg_error_last) says the same in words.
 */
enum fg_age_failure {
	FG_AGE_OK = 0,
	FG_AGE_FAIL_NOT_AGE,	  /* neither age header nor armor */
	FG_AGE_FAIL_ARMOR,	  /* bad ASCII armor */
	FG_AGE_FAIL_HEADER,	  /* malformed header or X25519 stanza */
	FG_AGE_FAIL_TRUNCATED,	  /* ends inside the header or the nonce */
	FG_AGE_FAIL_VERSION,	  /* an age version other than v1 */
	FG_AGE_FAIL_UNKNOWN_TYPE, /* no X25519 stanza, only other types */
	FG_AGE_FAIL_NO_IDENTITY,  /* no identity was given at all */
	FG_AGE_FAIL_NO_MATCH,	  /* no identity unwraps any stanza */
	FG_AGE_FAIL_HMAC,	  /* header MAC does not verify */
	FG_AGE_FAIL_PAYLOAD,	  /* a chunk fails, is missing, or extra */
	FG_AGE_FAIL_TOO_LARGE,	  /* above a named limit */
};

/* Bytes in sodium_malloc memory, NUL-terminated after `len`. */
struct fg_age_secret {
	unsigned char *ptr; /* NULL when empty */
	size_t len;
};

/* Allocate `len` zeroed bytes (plus the NUL). */
int fg_age_secret_alloc(struct fg_age_secret *s, size_t len);
/* Wipe and free; `s` is empty afterwards. Accepts an empty secret. */
void fg_age_secret_release(struct fg_age_secret *s);
/* Read the file at `path` (at most `max` bytes, else FG_EINVALID naming
 * the limit) straight into secret memory. */
int fg_age_secret_read_file(struct fg_age_secret *s, const char *path,
			    size_t max);

/* ---- keys --------------------------------------------------------------- */

/* A set of X25519 identities (secret keys), kept in secret memory. */
struct fg_age_identities;

int fg_age_identities_new(struct fg_age_identities **out);
void fg_age_identities_free(struct fg_age_identities *ids);

/*
 * Add every identity of an identity file: one `AGE-SECRET-KEY-1...` per
 * line, blank lines and `#` comments ignored (what age-keygen writes).
 * Errors name `path` and the line, never its content: a line that is not
 * an X25519 identity (a post-quantum or plugin identity, an SSH key, a
 * passphrase-protected file) is refused by kind.
 */
int fg_age_identities_add_file(struct fg_age_identities *ids, const char *path);
/* The same for text already in memory; `name` stands for it in errors. */
int fg_age_identities_add_text(struct fg_age_identities *ids, const char *name,
			       const char *text, size_t len);
size_t fg_age_identities_count(const struct fg_age_identities *ids);
/* The recipient (`age1...`, public) of identity `i`. */
int fg_age_identities_recipient(const struct fg_age_identities *ids, size_t i,
				char out[FG_AGE_RECIPIENT_CHARS + 1]);
/*
 * A 32-byte key derived from every identity of the set, in any order
 * (HKDF-SHA-256 over the secret keys sorted by public key): the same set
 * gives the same key, and nobody without an identity can compute it. The
 * agent keys secret redaction with it (render/secret.h).
 */
int fg_age_identities_redaction_key(const struct fg_age_identities *ids,
				    unsigned char key[32]);

/* Parse an `age1...` recipient into its X25519 public key. */
int fg_age_recipient_parse(unsigned char pk[FG_AGE_KEY_BYTES], const char *s);

/*
 * A fresh identity: `identity` receives "AGE-SECRET-KEY-1..." (secret
 * memory, FG_AGE_IDENTITY_CHARS long) and `recipient` its public key.
 */
int fg_age_keygen(struct fg_age_secret *identity,
		  char recipient[FG_AGE_RECIPIENT_CHARS + 1]);

/* ---- files -------------------------------------------------------------- */

/*
 * Encrypt `len` bytes to every recipient in `pks` with a fresh file key,
 * appending the age file to `out`, ASCII-armored when `armor` is set.
 */
int fg_age_encrypt(struct fg_buf *out, const unsigned char *plain, size_t len,
		   const unsigned char (*pks)[FG_AGE_KEY_BYTES], size_t npks,
		   int armor);

/*
 * Decrypt an age file (binary or armored, detected) with any identity of
 * `ids` (NULL: none given). On success `out` holds the whole plaintext,
 * authenticated to the last chunk; on failure it is empty (no partial
 * plaintext is ever released), the message says what failed, and `why`
 * (may be NULL) classifies it.
 */
int fg_age_decrypt(struct fg_age_secret *out, const unsigned char *data,
		   size_t len, const struct fg_age_identities *ids,
		   enum fg_age_failure *why);

/* The same with another plaintext limit (the file limit scales with
 * it): for tests with large vectors. */
int fg_age_decrypt_limited(struct fg_age_secret *out, const unsigned char *data,
			   size_t len, const struct fg_age_identities *ids,
			   size_t max_plaintext, enum fg_age_failure *why);

/* Whether `data` looks like ASCII armor (the decrypt path it takes). */
int fg_age_is_armored(const unsigned char *data, size_t len);

/* Decode ASCII armor strictly into the binary age file (appended to
 * `out`); FG_EINVALID with the line at fault otherwise. */
int fg_age_armor_decode(struct fg_buf *out, const unsigned char *data,
			size_t len);

/* ---- the header, on its own (tests, the fuzz target) --------------------- */

struct fg_age_header;

/*
 * Parse the header at the start of a binary age file. On failure `why`
 * (may be NULL) is FG_AGE_FAIL_NOT_AGE, _HEADER, _TRUNCATED, _VERSION
 * or _TOO_LARGE.
 */
int fg_age_header_parse(struct fg_age_header **out, const unsigned char *data,
			size_t len, enum fg_age_failure *why);
void fg_age_header_free(struct fg_age_header *h);
/* Bytes of the header, MAC line included: the payload starts there. */
size_t fg_age_header_len(const struct fg_age_header *h);
size_t fg_age_header_count(const struct fg_age_header *h);
/* Arguments of stanza `i`: argument 0 is its type ("X25519"). */
size_t fg_age_header_nargs(const struct fg_age_header *h, size_t i);
const char *fg_age_header_arg(const struct fg_age_header *h, size_t i,
			      size_t arg);
size_t fg_age_header_body_len(const struct fg_age_header *h, size_t i);

#endif
