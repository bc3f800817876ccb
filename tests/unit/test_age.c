/*
 * age on libsodium (render/age.h, render/hkdf.h): HKDF-SHA-256 against
 * every SHA-256 vector of RFC 5869, the C2SP age test vectors
 * (tests/age/testkit/, see the README there), and what a user of
 * `flink-gitops secret` meets: round trips, recipients and identities,
 * and the error each kind of damage gives.
 *
 * argv[1]: the testkit folder.
 */
#include "helpers.h"

#include <dirent.h>
#include <stdio.h>

#include <sodium.h>
#include <zlib.h>

#include "render/age.h"
#include "render/hkdf.h"
#include "render/base/banned.h"

static const char *testkit_dir;

/* ---- helpers ------------------------------------------------------------- */

static size_t unhex(unsigned char *out, size_t max, const char *hex)
{
	size_t n = 0;

	assert_int_equal(
		sodium_hex2bin(out, max, hex, strlen(hex), " ", &n, NULL), 0);
	return n;
}

static struct fg_age_identities *ids_of(const char *text)
{
	struct fg_age_identities *ids;

	assert_int_equal(fg_age_identities_new(&ids), 0);
	if (fg_age_identities_add_text(ids, "ids.txt", text, strlen(text)) < 0)
		fail_msg("identities: %s", fg_error_last());
	return ids;
}

/* Encrypt `plain` to `recipients` (NULL-terminated) into `out`. */
static void encrypt_to(struct fg_buf *out, const char *plain, size_t len,
		       const char *const *recipients, int armor)
{
	unsigned char pks[8][FG_AGE_KEY_BYTES];
	size_t n = 0;

	for (; recipients[n]; n++)
		assert_int_equal(fg_age_recipient_parse(pks[n], recipients[n]),
				 0);
	if (fg_age_encrypt(out, (const unsigned char *)plain, len,
			   (const unsigned char(*)[FG_AGE_KEY_BYTES])pks, n,
			   armor) < 0)
		fail_msg("encrypt: %s", fg_error_last());
}

/* Decrypt expecting failure of class `want`; returns the message. */
static const char *decrypt_fails(const struct fg_buf *file,
				 const struct fg_age_identities *ids,
				 enum fg_age_failure want)
{
	struct fg_age_secret out = { NULL, 0 };
	enum fg_age_failure why;

	if (fg_age_decrypt(&out, (const unsigned char *)file->ptr, file->len,
			   ids, &why) == 0) {
		fg_age_secret_release(&out);
		fail_msg("decrypted a file that should fail");
	}
	assert_null(out.ptr);
	if (why != want)
		fail_msg("failure class %d, want %d: %s", why, want,
			 fg_error_last());
	return fg_error_last();
}

/* The spec's example identity and its recipient (c2sp.org/age). */
#define SPEC_IDENTITY                                                       \
	"AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZG" \
	"FPQ4EGAEX"
#define SPEC_RECIPIENT \
	"age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
/* A second identity: the one of the C2SP testkit. */
#define OTHER_IDENTITY                                                      \
	"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX" \
	"40Q2P2LM0"

/* ---- HKDF, RFC 5869 appendix A (all SHA-256 cases) ----------------------- */

struct hkdf_case {
	const char *ikm, *salt, *info, *prk, *okm;
	size_t l;
};

static const struct hkdf_case rfc5869[] = {
	{ /* A.1 basic */
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
	  "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
	  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	  "34007208d5b887185865",
	  42 },
	{ /* A.2 longer inputs and outputs */
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	  "404142434445464748494a4b4c4d4e4f",
	  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
	  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	  "cc30c58179ec3e87c14c01d5c1f3434f1d87",
	  82 },
	{ /* A.3 zero-length salt and info */
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
	  "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
	  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	  "9d201395faa4b61a96c8",
	  42 },
};

static void check_hkdf(const struct hkdf_case *c)
{
	unsigned char ikm[128], salt[128], info[128], prk[32], want_prk[32];
	unsigned char okm[128], want[128], direct[128];
	size_t ni = unhex(ikm, sizeof(ikm), c->ikm),
	       ns = unhex(salt, sizeof(salt), c->salt),
	       nf = unhex(info, sizeof(info), c->info);

	assert_int_equal(unhex(want_prk, sizeof(want_prk), c->prk), 32);
	assert_int_equal(unhex(want, sizeof(want), c->okm), c->l);
	assert_int_equal(fg_hkdf_sha256_extract(prk, salt, ns, ikm, ni), 0);
	assert_memory_equal(prk, want_prk, 32);
	assert_int_equal(fg_hkdf_sha256_expand(okm, c->l, prk, info, nf), 0);
	assert_memory_equal(okm, want, c->l);
	assert_int_equal(
		fg_hkdf_sha256(direct, c->l, salt, ns, ikm, ni, info, nf), 0);
	assert_memory_equal(direct, want, c->l);
}

static void test_hkdf__rfc5869_basic(void **state)
{
	check_hkdf(&rfc5869[0]);
}

static void test_hkdf__rfc5869_long_inputs_and_outputs(void **state)
{
	check_hkdf(&rfc5869[1]);
}

static void test_hkdf__rfc5869_empty_salt_and_info(void **state)
{
	check_hkdf(&rfc5869[2]);
}

static void test_hkdf__refuses_more_than_255_blocks(void **state)
{
	static unsigned char out[FG_HKDF_SHA256_MAX_OUT + 1];
	unsigned char prk[32] = { 1 };

	assert_int_equal(fg_hkdf_sha256_expand(out, FG_HKDF_SHA256_MAX_OUT, prk,
					       NULL, 0),
			 0);
	assert_int_equal(fg_hkdf_sha256_expand(out, sizeof(out), prk, NULL, 0),
			 FG_EINVALID);
}

/* ---- keys ---------------------------------------------------------------- */

static void test_age__spec_identity_gives_spec_recipient(void **state)
{
	struct fg_age_identities *ids = ids_of(SPEC_IDENTITY "\n");
	char r[FG_AGE_RECIPIENT_CHARS + 1];

	assert_int_equal(fg_age_identities_count(ids), 1);
	assert_int_equal(fg_age_identities_recipient(ids, 0, r), 0);
	assert_string_equal(r, SPEC_RECIPIENT);
	fg_age_identities_free(ids);
}

static void test_age__keygen_identity_decrypts_for_its_recipient(void **state)
{
	struct fg_age_secret id = { NULL, 0 }, plain = { NULL, 0 };
	struct fg_age_identities *ids;
	struct fg_buf file = FG_BUF_INIT;
	char r[FG_AGE_RECIPIENT_CHARS + 1], r2[FG_AGE_RECIPIENT_CHARS + 1];
	const char *rs[] = { r, NULL };

	assert_int_equal(fg_age_keygen(&id, r), 0);
	assert_int_equal(id.len, FG_AGE_IDENTITY_CHARS);
	assert_int_equal(strncmp((char *)id.ptr, "AGE-SECRET-KEY-1", 16), 0);
	assert_int_equal(strlen(r), FG_AGE_RECIPIENT_CHARS);
	assert_int_equal(strncmp(r, "age1", 4), 0);
	ids = ids_of((const char *)id.ptr);
	assert_int_equal(fg_age_identities_recipient(ids, 0, r2), 0);
	assert_string_equal(r, r2);
	encrypt_to(&file, "hello", 5, rs, 0);
	assert_int_equal(fg_age_decrypt(&plain, (unsigned char *)file.ptr,
					file.len, ids, NULL),
			 0);
	assert_int_equal(plain.len, 5);
	assert_memory_equal(plain.ptr, "hello", 5);
	fg_age_secret_release(&plain);
	fg_age_secret_release(&id);
	fg_age_identities_free(ids);
	fg_buf_release(&file);
}

static void test_age__recipient_typo_is_a_checksum_error(void **state)
{
	unsigned char pk[32];
	char typo[] = SPEC_RECIPIENT;

	typo[10] = typo[10] == 'q' ? 'p' : 'q';
	assert_int_equal(fg_age_recipient_parse(pk, typo), FG_EINVALID);
	assert_non_null(strstr(fg_error_last(), "bad checksum"));
	assert_int_equal(fg_age_recipient_parse(pk, "age1abc"), FG_EINVALID);
	assert_non_null(strstr(fg_error_last(), "not an age X25519"));
	assert_int_equal(fg_age_recipient_parse(pk, SPEC_IDENTITY),
			 FG_EINVALID);
	/* an identity given as a recipient is never echoed back */
	assert_null(strstr(fg_error_last(), "GFPYYSJZ"));
}

static void test_age__identity_file_comments_and_blank_lines(void **state)
{
	struct fg_age_identities *ids =
		ids_of("# created: 2026-01-01T00:00:00Z\n"
		       "# public key: " SPEC_RECIPIENT "\n"
		       "\n" SPEC_IDENTITY "\r\n"
		       "   " OTHER_IDENTITY "  \n");

	assert_int_equal(fg_age_identities_count(ids), 2);
	fg_age_identities_free(ids);
}

static void test_age__identity_errors_name_the_line_never_the_key(void **state)
{
	struct fg_age_identities *ids;
	char bad[] = SPEC_IDENTITY;
	struct fg_buf text = FG_BUF_INIT;

	assert_int_equal(fg_age_identities_new(&ids), 0);
	bad[30] = bad[30] == 'Q' ? 'P' : 'Q';
	fg_buf_printf(&text, "# comment\n%s\n", bad);
	assert_int_equal(
		fg_age_identities_add_text(ids, "key.txt", text.ptr, text.len),
		FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "key.txt:2: age identity with a bad checksum");
	assert_int_equal(fg_age_identities_add_text(
				 ids, "pq.txt", "AGE-SECRET-KEY-PQ-1XX\n", 22),
			 FG_EINVALID);
	assert_non_null(strstr(fg_error_last(), "pq.txt:1: a post-quantum"));
	assert_int_equal(fg_age_identities_add_text(ids, "e.txt", "# x\n", 4),
			 FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "e.txt: no identity in the file (expected "
			    "AGE-SECRET-KEY-1... lines)");
	/* a file that fails adds nothing */
	fg_buf_clear(&text);
	fg_buf_printf(&text, "%s\nnonsense\n", SPEC_IDENTITY);
	assert_int_equal(
		fg_age_identities_add_text(ids, "half.txt", text.ptr, text.len),
		FG_EINVALID);
	assert_null(strstr(fg_error_last(), "nonsense"));
	assert_int_equal(fg_age_identities_count(ids), 0);
	fg_age_identities_free(ids);
	fg_buf_release(&text);
}

static void
test_age__redaction_key_depends_on_the_set_not_its_order(void **state)
{
	struct fg_age_identities *a = ids_of(SPEC_IDENTITY "\n" OTHER_IDENTITY);
	struct fg_age_identities *b =
		ids_of(OTHER_IDENTITY "\n" SPEC_IDENTITY "\n" SPEC_IDENTITY);
	struct fg_age_identities *c = ids_of(SPEC_IDENTITY);
	unsigned char ka[32], kb[32], kc[32];

	assert_int_equal(fg_age_identities_redaction_key(a, ka), 0);
	assert_int_equal(fg_age_identities_redaction_key(b, kb), 0);
	assert_int_equal(fg_age_identities_redaction_key(c, kc), 0);
	assert_memory_equal(ka, kb, 32);
	assert_memory_not_equal(ka, kc, 32);
	fg_age_identities_free(a);
	fg_age_identities_free(b);
	fg_age_identities_free(c);
}

/* ---- round trips ---------------------------------------------------------- */

static void roundtrip(size_t len, int armor)
{
	const char *rs[] = { SPEC_RECIPIENT, NULL };
	struct fg_age_identities *ids = ids_of(SPEC_IDENTITY);
	struct fg_age_secret plain = { NULL, 0 };
	struct fg_buf file = FG_BUF_INIT;
	char *text = malloc(len + 1);
	size_t i;

	for (i = 0; i < len; i++)
		text[i] = (char)('a' + i % 26);
	encrypt_to(&file, text, len, rs, armor);
	assert_int_equal(fg_age_is_armored((unsigned char *)file.ptr, file.len),
			 armor);
	if (fg_age_decrypt(&plain, (unsigned char *)file.ptr, file.len, ids,
			   NULL) < 0)
		fail_msg("len %zu armor %d: %s", len, armor, fg_error_last());
	assert_int_equal(plain.len, len);
	if (len)
		assert_memory_equal(plain.ptr, text, len);
	fg_age_secret_release(&plain);
	fg_age_identities_free(ids);
	fg_buf_release(&file);
	free(text);
}

static void test_age__roundtrip_at_chunk_boundaries(void **state)
{
	static const size_t lens[] = { 0,     1,      65535,  65536,
				       65537, 131072, 131073, 200000 };
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		roundtrip(lens[i], 0);
		roundtrip(lens[i], 1);
	}
}

static void test_age__binary_size_is_header_nonce_and_tags(void **state)
{
	const char *rs[] = { SPEC_RECIPIENT, NULL };
	struct fg_buf a = FG_BUF_INIT, b = FG_BUF_INIT;
	struct fg_age_header *h;
	static char big[65536];

	/* exactly one full chunk is one final chunk, not a full one plus
	 * an empty one */
	encrypt_to(&a, big, sizeof(big), rs, 0);
	assert_int_equal(
		fg_age_header_parse(&h, (unsigned char *)a.ptr, a.len, NULL),
		0);
	assert_int_equal(a.len, fg_age_header_len(h) + 16 + 65536 + 16);
	assert_int_equal(fg_age_header_count(h), 1);
	assert_string_equal(fg_age_header_arg(h, 0, 0), "X25519");
	assert_int_equal(fg_age_header_body_len(h, 0), 32);
	fg_age_header_free(h);
	encrypt_to(&b, "", 0, rs, 0);
	assert_int_equal(
		fg_age_header_parse(&h, (unsigned char *)b.ptr, b.len, NULL),
		0);
	assert_int_equal(b.len, fg_age_header_len(h) + 16 + 16);
	fg_age_header_free(h);
	fg_buf_release(&a);
	fg_buf_release(&b);
}

static void test_age__every_recipient_can_decrypt(void **state)
{
	const char *rs[] = { SPEC_RECIPIENT, NULL, NULL };
	struct fg_age_identities *other = ids_of(OTHER_IDENTITY);
	struct fg_age_identities *spec = ids_of(SPEC_IDENTITY);
	struct fg_age_secret plain = { NULL, 0 };
	struct fg_buf file = FG_BUF_INIT;
	char r2[FG_AGE_RECIPIENT_CHARS + 1];
	struct fg_age_header *h;

	assert_int_equal(fg_age_identities_recipient(other, 0, r2), 0);
	rs[1] = r2;
	encrypt_to(&file, "x: 1\n", 5, rs, 1);
	assert_int_equal(fg_age_decrypt(&plain, (unsigned char *)file.ptr,
					file.len, spec, NULL),
			 0);
	fg_age_secret_release(&plain);
	assert_int_equal(fg_age_decrypt(&plain, (unsigned char *)file.ptr,
					file.len, other, NULL),
			 0);
	assert_string_equal((char *)plain.ptr, "x: 1\n");
	fg_age_secret_release(&plain);
	fg_buf_clear(&file);
	encrypt_to(&file, "x", 1, rs, 0);
	assert_int_equal(fg_age_header_parse(&h, (unsigned char *)file.ptr,
					     file.len, NULL),
			 0);
	assert_int_equal(fg_age_header_count(h), 2);
	fg_age_header_free(h);
	fg_age_identities_free(other);
	fg_age_identities_free(spec);
	fg_buf_release(&file);
}

/* ---- damage: each its own error -------------------------------------------- */

static void test_age__damage_gives_its_own_error(void **state)
{
	const char *rs[] = { SPEC_RECIPIENT, NULL };
	struct fg_age_identities *ids = ids_of(SPEC_IDENTITY);
	struct fg_age_identities *wrong = ids_of(OTHER_IDENTITY);
	struct fg_buf file = FG_BUF_INIT, bad = FG_BUF_INIT;
	struct fg_age_header *h;
	size_t hlen;
	char *mac;

	encrypt_to(&file, "password: hunter2\n", 18, rs, 0);
	assert_int_equal(fg_age_header_parse(&h, (unsigned char *)file.ptr,
					     file.len, NULL),
			 0);
	hlen = fg_age_header_len(h);
	fg_age_header_free(h);

	/* wrong key */
	assert_string_equal(decrypt_fails(&file, wrong, FG_AGE_FAIL_NO_MATCH),
			    "no identity matches any recipient (1 X25519 "
			    "recipient in the file, 1 identity given)");
	/* no key */
	assert_string_equal(decrypt_fails(&file, NULL, FG_AGE_FAIL_NO_IDENTITY),
			    "no age identity given (--age-identity or "
			    "FLINK_GITOPS_AGE_IDENTITY)");
	/* a MAC character changed */
	fg_buf_add(&bad, file.ptr, file.len);
	mac = strstr(bad.ptr, "\n--- ") + 5;
	mac[10] = mac[10] == 'A' ? 'B' : 'A';
	assert_string_equal(decrypt_fails(&bad, ids, FG_AGE_FAIL_HMAC),
			    "header MAC mismatch (file tampered or "
			    "corrupted)");
	/* a payload byte flipped */
	fg_buf_clear(&bad);
	fg_buf_add(&bad, file.ptr, file.len);
	bad.ptr[hlen + 16 + 3] ^= 1;
	assert_string_equal(decrypt_fails(&bad, ids, FG_AGE_FAIL_PAYLOAD),
			    "payload authentication failed at chunk 0 "
			    "(tampered or truncated)");
	/* cut inside the header, inside the nonce, after the nonce */
	fg_buf_clear(&bad);
	fg_buf_add(&bad, file.ptr, 60);
	assert_non_null(strstr(decrypt_fails(&bad, ids, FG_AGE_FAIL_TRUNCATED),
			       "truncated: the header ends"));
	fg_buf_clear(&bad);
	fg_buf_add(&bad, file.ptr, hlen + 5);
	assert_string_equal(decrypt_fails(&bad, ids, FG_AGE_FAIL_TRUNCATED),
			    "truncated: the payload nonce is 5 of 16 bytes");
	fg_buf_clear(&bad);
	fg_buf_add(&bad, file.ptr, hlen + 16);
	assert_string_equal(decrypt_fails(&bad, ids, FG_AGE_FAIL_PAYLOAD),
			    "truncated: no payload after the nonce");
	/* not age at all */
	fg_buf_clear(&bad);
	fg_buf_puts(&bad, "apiVersion: v1\nkind: Secret\n");
	assert_non_null(strstr(decrypt_fails(&bad, ids, FG_AGE_FAIL_NOT_AGE),
			       "not an age file"));
	fg_age_identities_free(ids);
	fg_age_identities_free(wrong);
	fg_buf_release(&file);
	fg_buf_release(&bad);
}

static void test_age__a_cut_after_a_full_chunk_is_truncation(void **state)
{
	const char *rs[] = { SPEC_RECIPIENT, NULL };
	struct fg_age_identities *ids = ids_of(SPEC_IDENTITY);
	struct fg_buf file = FG_BUF_INIT;
	static char big[65536 + 100];

	encrypt_to(&file, big, sizeof(big), rs, 0);
	fg_buf_truncate(&file, file.len - (100 + 16));
	assert_string_equal(decrypt_fails(&file, ids, FG_AGE_FAIL_PAYLOAD),
			    "truncated: the payload ends after chunk 0, "
			    "without its final chunk");
	fg_age_identities_free(ids);
	fg_buf_release(&file);
}

static void test_age__scrypt_is_an_unknown_recipient_type(void **state)
{
	struct fg_age_identities *ids = ids_of(SPEC_IDENTITY);
	struct fg_buf file = FG_BUF_INIT;

	fg_buf_puts(&file, "age-encryption.org/v1\n"
			   "-> scrypt rF0/NwblUHHTpgQgRpe5CQ 10\n"
			   "gUjEymFKMVXQEKdMMHL24oYexjE3TIC0O0zGSqJ2aUY\n"
			   "--- IOXiQYStkoT1mvZW2tFOqZdhRVvj58egABx/sWfZQbc\n"
			   "0123456789abcdef0123456789abcdef");
	assert_non_null(
		strstr(decrypt_fails(&file, ids, FG_AGE_FAIL_UNKNOWN_TYPE),
		       "unknown recipient type 'scrypt'"));
	fg_age_identities_free(ids);
	fg_buf_release(&file);
}

static void test_age__every_single_byte_flip_is_refused(void **state)
{
	const char *rs[] = { SPEC_RECIPIENT, NULL };
	struct fg_age_identities *ids = ids_of(SPEC_IDENTITY);
	struct fg_age_secret plain = { NULL, 0 };
	struct fg_buf file = FG_BUF_INIT;
	size_t i;
	int bit;

	encrypt_to(&file, "token: abc\n", 11, rs, 0);
	for (i = 0; i < file.len; i++)
		for (bit = 0; bit < 8; bit++) {
			file.ptr[i] ^= (char)(1 << bit);
			if (fg_age_decrypt(&plain, (unsigned char *)file.ptr,
					   file.len, ids, NULL) == 0)
				fail_msg("flip of bit %d at byte %zu decrypted",
					 bit, i);
			assert_null(plain.ptr);
			file.ptr[i] ^= (char)(1 << bit);
		}
	fg_age_identities_free(ids);
	fg_buf_release(&file);
}

/* ---- the C2SP testkit ------------------------------------------------------ */

struct vector {
	char expect[32];
	char payload[65];
	int armored, compressed, unsupported;
	struct fg_buf ids;
	struct fg_buf file;
};

static void inflate_all(struct fg_buf *out, const unsigned char *in, size_t n)
{
	z_stream z;
	unsigned char chunk[65536];
	int rc;

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit(&z), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = inflate(&z, Z_NO_FLUSH);
		assert_true(rc == Z_OK || rc == Z_STREAM_END);
		fg_buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (rc != Z_STREAM_END);
	inflateEnd(&z);
}

static void vector_load(struct vector *v, const char *path)
{
	struct fg_buf raw = FG_BUF_INIT;
	const char *p, *end, *nl;

	memset(v, 0, sizeof(*v));
	fg_buf_init(&v->ids, 0);
	fg_buf_init(&v->file, 0);
	assert_int_equal(fg_buf_read_file(&raw, path), 0);
	p = raw.ptr;
	end = strstr(raw.ptr, "\n\n");
	assert_non_null(end);
	for (; p < end; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!strncmp(p, "expect: ", 8))
			snprintf(v->expect, sizeof(v->expect), "%.*s",
				 (int)(nl - p - 8), p + 8);
		else if (!strncmp(p, "payload: ", 9))
			snprintf(v->payload, sizeof(v->payload), "%.*s",
				 (int)(nl - p - 9), p + 9);
		else if (!strncmp(p, "armored: yes", 12))
			v->armored = 1;
		else if (!strncmp(p, "compressed: zlib", 16))
			v->compressed = 1;
		else if (!strncmp(p, "passphrase: ", 12) ||
			 !strncmp(p, "identity: AGE-SECRET-KEY-PQ-", 28))
			v->unsupported = 1;
		else if (!strncmp(p, "identity: ", 10))
			fg_buf_printf(&v->ids, "%.*s\n", (int)(nl - p - 10),
				      p + 10);
	}
	end += 2;
	if (v->compressed)
		inflate_all(&v->file, (const unsigned char *)end,
			    raw.len - (size_t)(end - raw.ptr));
	else
		fg_buf_add(&v->file, end, raw.len - (size_t)(end - raw.ptr));
	fg_buf_release(&raw);
}

static const char *failure_class(enum fg_age_failure why)
{
	switch (why) {
	case FG_AGE_OK:
		return "success";
	case FG_AGE_FAIL_ARMOR:
		return "armor failure";
	case FG_AGE_FAIL_NOT_AGE:
	case FG_AGE_FAIL_HEADER:
	case FG_AGE_FAIL_TRUNCATED:
	case FG_AGE_FAIL_VERSION:
		return "header failure";
	case FG_AGE_FAIL_UNKNOWN_TYPE:
	case FG_AGE_FAIL_NO_MATCH:
		return "no match";
	case FG_AGE_FAIL_HMAC:
		return "HMAC failure";
	case FG_AGE_FAIL_PAYLOAD:
		return "payload failure";
	default:
		return "other";
	}
}

static void test_age__c2sp_testkit(void **state)
{
	DIR *d = opendir(testkit_dir);
	struct dirent *de;
	size_t run = 0, refused = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		struct fg_buf path = FG_BUF_INIT;
		struct fg_age_identities *ids = NULL;
		struct fg_age_secret plain = { NULL, 0 };
		enum fg_age_failure why = FG_AGE_OK;
		struct vector v;
		int rc;

		if (de->d_name[0] == '.')
			continue;
		fg_buf_printf(&path, "%s/%s", testkit_dir, de->d_name);
		vector_load(&v, path.ptr);
		assert_int_equal(fg_age_identities_new(&ids), 0);
		if (v.ids.len)
			assert_int_equal(fg_age_identities_add_text(ids, "t",
								    v.ids.ptr,
								    v.ids.len),
					 0);
		/* the 257-chunk vectors are above the .age file limit */
		rc = fg_age_decrypt_limited(&plain, (unsigned char *)v.file.ptr,
					    v.file.len, ids, (size_t)32 << 20,
					    &why);
		if (v.unsupported) {
			/* scrypt and post-quantum: refused, never read */
			if (rc == 0)
				fail_msg("%s: decrypted without support",
					 de->d_name);
			refused++;
		} else {
			if (strcmp(failure_class(why), v.expect))
				fail_msg("%s: got %s (%s), want %s", de->d_name,
					 failure_class(why),
					 rc ? fg_error_last() : "ok", v.expect);
			if (rc == 0) {
				unsigned char h[32];
				char hex[65];
				crypto_hash_sha256(h, plain.ptr, plain.len);
				sodium_bin2hex(hex, sizeof(hex), h, 32);
				if (strcmp(hex, v.payload))
					fail_msg("%s: payload hash differs",
						 de->d_name);
			}
			assert_int_equal(
				fg_age_is_armored((unsigned char *)v.file.ptr,
						  v.file.len),
				v.armored ||
					!strcmp(v.expect, "armor failure"));
			run++;
		}
		fg_age_secret_release(&plain);
		fg_age_identities_free(ids);
		fg_buf_release(&v.ids);
		fg_buf_release(&v.file);
		fg_buf_release(&path);
	}
	closedir(d);
	print_message("testkit: %zu vectors checked, %zu scrypt/post-quantum "
		      "vectors refused\n",
		      run, refused);
	assert_true(run >= 90);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hkdf__rfc5869_basic),
		cmocka_unit_test(test_hkdf__rfc5869_long_inputs_and_outputs),
		cmocka_unit_test(test_hkdf__rfc5869_empty_salt_and_info),
		cmocka_unit_test(test_hkdf__refuses_more_than_255_blocks),
		cmocka_unit_test(test_age__spec_identity_gives_spec_recipient),
		cmocka_unit_test(
			test_age__keygen_identity_decrypts_for_its_recipient),
		cmocka_unit_test(test_age__recipient_typo_is_a_checksum_error),
		cmocka_unit_test(
			test_age__identity_file_comments_and_blank_lines),
		cmocka_unit_test(
			test_age__identity_errors_name_the_line_never_the_key),
		cmocka_unit_test(
			test_age__redaction_key_depends_on_the_set_not_its_order),
		cmocka_unit_test(test_age__roundtrip_at_chunk_boundaries),
		cmocka_unit_test(
			test_age__binary_size_is_header_nonce_and_tags),
		cmocka_unit_test(test_age__every_recipient_can_decrypt),
		cmocka_unit_test(test_age__damage_gives_its_own_error),
		cmocka_unit_test(
			test_age__a_cut_after_a_full_chunk_is_truncation),
		cmocka_unit_test(test_age__scrypt_is_an_unknown_recipient_type),
		cmocka_unit_test(test_age__every_single_byte_flip_is_refused),
		cmocka_unit_test(test_age__c2sp_testkit),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test_age TESTKIT_DIR\n");
		return 2;
	}
	testkit_dir = argv[1];
	if (sodium_init() < 0)
		return 2;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
