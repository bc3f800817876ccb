/*
 * HKDF-SHA-256 (RFC 5869) on libsodium's HMAC-SHA-256. Debian 12 ships
 * libsodium 1.0.18, which has HMAC-SHA-256 but no HKDF (crypto_kdf_hkdf
 * came in 1.0.19), so age's key schedule is built here, step by step as
 * the RFC writes it: PRK = HMAC(salt, IKM); T(i) = HMAC(PRK, T(i-1) |
 * info | i); OKM = first L bytes of T(1) | T(2) | ...
 *
 * Every buffer is the caller's; intermediate keys live on the stack only
 * for the call and are wiped with sodium_memzero before returning.
 */
#ifndef FG_RENDER_HKDF_H
#define FG_RENDER_HKDF_H

#include <stddef.h>

#define FG_HKDF_SHA256_PRK_BYTES 32
/* RFC 5869 section 2.3: L <= 255 * HashLen */
#define FG_HKDF_SHA256_MAX_OUT (255 * 32)

/*
 * HKDF-Extract: `prk` receives 32 bytes. An empty salt (salt_len 0, salt
 * may be NULL) means HashLen zero bytes, as the RFC says.
 */
int fg_hkdf_sha256_extract(unsigned char prk[FG_HKDF_SHA256_PRK_BYTES],
			   const unsigned char *salt, size_t salt_len,
			   const unsigned char *ikm, size_t ikm_len);

/* HKDF-Expand: `out_len` bytes (at most FG_HKDF_SHA256_MAX_OUT, else
 * FG_EINVALID) of output keying material from `prk`. */
int fg_hkdf_sha256_expand(unsigned char *out, size_t out_len,
			  const unsigned char prk[FG_HKDF_SHA256_PRK_BYTES],
			  const unsigned char *info, size_t info_len);

/* Extract then expand. */
int fg_hkdf_sha256(unsigned char *out, size_t out_len,
		   const unsigned char *salt, size_t salt_len,
		   const unsigned char *ikm, size_t ikm_len,
		   const unsigned char *info, size_t info_len);

#endif
