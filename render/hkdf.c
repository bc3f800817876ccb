/*
 * HKDF-SHA-256, RFC 5869, on libsodium's HMAC-SHA-256. See hkdf.h.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "render/base/error.h"
#include "render/hkdf.h"
#include "render/base/banned.h"

int fg_hkdf_sha256_extract(unsigned char prk[FG_HKDF_SHA256_PRK_BYTES],
			   const unsigned char *salt, size_t salt_len,
			   const unsigned char *ikm, size_t ikm_len)
{
	static const unsigned char zeros[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	if (!salt_len) {
		salt = zeros;
		salt_len = sizeof(zeros);
	}
	if (crypto_auth_hmacsha256_init(&st, salt, salt_len) != 0 ||
	    crypto_auth_hmacsha256_update(&st, ikm, ikm_len) != 0 ||
	    crypto_auth_hmacsha256_final(&st, prk) != 0) {
		sodium_memzero(&st, sizeof(st));
		return fg_error_set(FG_ERROR, "HMAC-SHA-256 failed");
	}
	sodium_memzero(&st, sizeof(st));
	return 0;
}

int fg_hkdf_sha256_expand(unsigned char *out, size_t out_len,
			  const unsigned char prk[FG_HKDF_SHA256_PRK_BYTES],
			  const unsigned char *info, size_t info_len)
{
	unsigned char t[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	size_t done = 0, tlen = 0;
	unsigned char i;
	int err = 0;

	if (out_len > FG_HKDF_SHA256_MAX_OUT)
		return fg_error_set(FG_EINVALID,
				    "HKDF output of %zu bytes is above the "
				    "limit of %d",
				    out_len, FG_HKDF_SHA256_MAX_OUT);
	for (i = 1; done < out_len; i++) {
		size_t n =
			out_len - done < sizeof(t) ? out_len - done : sizeof(t);
		/* T(i) = HMAC-Hash(PRK, T(i-1) | info | i) */
		if (crypto_auth_hmacsha256_init(&st, prk,
						FG_HKDF_SHA256_PRK_BYTES) ||
		    crypto_auth_hmacsha256_update(&st, t, tlen) ||
		    crypto_auth_hmacsha256_update(&st, info, info_len) ||
		    crypto_auth_hmacsha256_update(&st, &i, 1) ||
		    crypto_auth_hmacsha256_final(&st, t)) {
			err = fg_error_set(FG_ERROR, "HMAC-SHA-256 failed");
			break;
		}
		tlen = sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
	sodium_memzero(t, sizeof(t));
	sodium_memzero(&st, sizeof(st));
	if (err)
		sodium_memzero(out, out_len);
	return err;
}

int fg_hkdf_sha256(unsigned char *out, size_t out_len,
		   const unsigned char *salt, size_t salt_len,
		   const unsigned char *ikm, size_t ikm_len,
		   const unsigned char *info, size_t info_len)
{
	unsigned char prk[FG_HKDF_SHA256_PRK_BYTES];
	int err;

	if ((err = fg_hkdf_sha256_extract(prk, salt, salt_len, ikm, ikm_len)) ==
	    0)
		err = fg_hkdf_sha256_expand(out, out_len, prk, info, info_len);
	sodium_memzero(prk, sizeof(prk));
	return err;
}
