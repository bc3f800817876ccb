/*
 * Webhooks (agent/webhook.h): a delivery is authentic only with the
 * right signature or token, and only an authentic push names a ref.
 * Signatures are made here with libsodium, as a forge makes them
 * (tests/integration/test-run.sh makes them with openssl).
 */
#include <stdio.h>

#include <sodium.h>

#include "helpers.h"

#include "agent/webhook.h"
#include "render/base/banned.h"

static const unsigned char secret[] = "s3cret";
#define SLEN (sizeof(secret) - 1)
static const char push[] = "{\"ref\":\"refs/heads/main\",\"after\":\"abc\"}";

static void sign(const char *body, const unsigned char *key, size_t klen,
		 char *out, size_t n, const char *prefix)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	char hex[2 * sizeof(mac) + 1];

	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
				      strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(out, n, "%s%s", prefix, hex);
}

static enum fg_hook_verdict check(enum fg_hook_provider p, const char *sig,
				  const char *token, const char *event,
				  const char *body, char *ref)
{
	struct fg_hook_request r = { p, sig, token, event, body, strlen(body) };

	return fg_hook_check(&r, secret, SLEN, ref, FG_HOOK_MAX_REF);
}

static void test_webhook__github_push_with_its_signature(void **st)
{
	char sig[100], ref[FG_HOOK_MAX_REF];

	(void)st;
	sign(push, secret, SLEN, sig, sizeof(sig), "sha256=");
	assert_int_equal(check(FG_HOOK_GITHUB, sig, NULL, "push", push, ref),
			 FG_HOOK_PUSH);
	assert_string_equal(ref, "refs/heads/main");
	assert_true(fg_hook_ref_is(ref, "main"));
	assert_true(fg_hook_ref_is(ref, "refs/heads/main"));
	assert_false(fg_hook_ref_is(ref, "mai"));
}

static void test_webhook__a_bad_signature_is_refused(void **st)
{
	char sig[100], ref[FG_HOOK_MAX_REF];
	static const unsigned char other[] = "other";

	(void)st;
	sign(push, other, 5, sig, sizeof(sig), "sha256=");
	assert_int_equal(check(FG_HOOK_GITHUB, sig, NULL, "push", push, ref),
			 FG_HOOK_UNAUTHORIZED);
	assert_int_equal(check(FG_HOOK_GITHUB, NULL, NULL, "push", push, ref),
			 FG_HOOK_UNAUTHORIZED);
	assert_int_equal(
		check(FG_HOOK_GITHUB, "sha256=zz", NULL, "push", push, ref),
		FG_HOOK_UNAUTHORIZED);
	/* signed for another body */
	sign("{}", secret, SLEN, sig, sizeof(sig), "sha256=");
	assert_int_equal(check(FG_HOOK_GITHUB, sig, NULL, "push", push, ref),
			 FG_HOOK_UNAUTHORIZED);
	/* without the prefix GitHub always sends */
	sign(push, secret, SLEN, sig, sizeof(sig), "");
	assert_int_equal(check(FG_HOOK_GITHUB, sig, NULL, "push", push, ref),
			 FG_HOOK_UNAUTHORIZED);
}

static void test_webhook__gitlab_token(void **st)
{
	char ref[FG_HOOK_MAX_REF];

	(void)st;
	assert_int_equal(
		check(FG_HOOK_GITLAB, NULL, "s3cret", "Push Hook", push, ref),
		FG_HOOK_PUSH);
	assert_int_equal(
		check(FG_HOOK_GITLAB, NULL, "s3cre", "Push Hook", push, ref),
		FG_HOOK_UNAUTHORIZED);
	assert_int_equal(
		check(FG_HOOK_GITLAB, NULL, NULL, "Push Hook", push, ref),
		FG_HOOK_UNAUTHORIZED);
}

static void test_webhook__gitea_signature(void **st)
{
	char sig[100], ref[FG_HOOK_MAX_REF];

	(void)st;
	sign(push, secret, SLEN, sig, sizeof(sig), "");
	assert_int_equal(check(FG_HOOK_GITEA, sig, NULL, "push", push, ref),
			 FG_HOOK_PUSH);
	sig[0] = sig[0] == 'a' ? 'b' : 'a';
	assert_int_equal(check(FG_HOOK_GITEA, sig, NULL, "push", push, ref),
			 FG_HOOK_UNAUTHORIZED);
}

static void test_webhook__anything_else_is_answered_and_ignored(void **st)
{
	char sig[100], ref[FG_HOOK_MAX_REF];
	const char *ping = "{\"zen\":\"hi\"}";

	(void)st;
	sign(ping, secret, SLEN, sig, sizeof(sig), "sha256=");
	assert_int_equal(check(FG_HOOK_GITHUB, sig, NULL, "ping", ping, ref),
			 FG_HOOK_IGNORED);
	assert_int_equal(check(FG_HOOK_GITHUB, sig, NULL, NULL, ping, ref),
			 FG_HOOK_IGNORED);
	/* an authentic push without a ref */
	assert_int_equal(check(FG_HOOK_GITHUB, sig, NULL, "push", ping, ref),
			 FG_HOOK_BAD_REQUEST);
}

static void test_webhook__a_deep_body_is_not_parsed(void **st)
{
	char body[400], sig[100], ref[FG_HOOK_MAX_REF];

	(void)st;
	memset(body, '[', 200);
	memset(body + 200, ']', 199);
	body[399] = '\0';
	sign(body, secret, SLEN, sig, sizeof(sig), "sha256=");
	assert_int_equal(check(FG_HOOK_GITHUB, sig, NULL, "push", body, ref),
			 FG_HOOK_BAD_REQUEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook__github_push_with_its_signature),
		cmocka_unit_test(test_webhook__a_bad_signature_is_refused),
		cmocka_unit_test(test_webhook__gitlab_token),
		cmocka_unit_test(test_webhook__gitea_signature),
		cmocka_unit_test(
			test_webhook__anything_else_is_answered_and_ignored),
		cmocka_unit_test(test_webhook__a_deep_body_is_not_parsed),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
