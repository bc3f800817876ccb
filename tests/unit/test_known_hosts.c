/*
 * known_hosts as ssh reads it (agent/git/known_hosts.h): patterns,
 * negation, "[host]:port", hashed names, revoked and other keys; and a
 * pattern of many stars answered at once, not in exponential time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "agent/git/known_hosts.h"
#include "render/base/banned.h"

static const char key[] =
	"AAAAC3NzaC1lZDI1NTE5AAAAIESFDwNxGutDVUB7oyvX+9umYr0nYqbJAUqKFMOaqMVe";
static const char other[] =
	"AAAAC3NzaC1lZDI1NTE5AAAAIA7Lz6GL8F5J8oWoYNDe0wF8bEVoBl2qsR2e2LBMNFBp";

static enum fg_known_host lookup(const char *text, const char *host)
{
	unsigned char blob[64];
	size_t len;

	assert_int_equal(sodium_base642bin(blob, sizeof(blob), key, strlen(key),
					   NULL, &len, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	return fg_known_hosts_lookup(text, strlen(text), host, blob, len);
}

static void test_known_hosts__a_listed_key_is_known(void **st)
{
	char text[512];

	(void)st;
	snprintf(text, sizeof(text),
		 "# servers\n\ngit.example.com,10.0.0.1 ssh-ed25519 %s c\n"
		 "[127.0.0.1]:2222 ssh-ed25519 %s\n",
		 key, key);
	assert_int_equal(lookup(text, "git.example.com"), FG_KNOWN_HOST_OK);
	assert_int_equal(lookup(text, "[127.0.0.1]:2222"), FG_KNOWN_HOST_OK);
	assert_int_equal(lookup(text, "127.0.0.1"), FG_KNOWN_HOST_UNKNOWN);
	assert_int_equal(lookup(text, "other.example.com"),
			 FG_KNOWN_HOST_UNKNOWN);
}

static void test_known_hosts__patterns_match_as_ssh_does(void **st)
{
	(void)st;
	assert_true(fg_known_hosts_match("*.example.com", 13, "a.example.com"));
	assert_false(fg_known_hosts_match("*.example.com", 13, "example.com"));
	assert_true(fg_known_hosts_match("git?.e*", 7, "git1.example.com"));
	assert_false(fg_known_hosts_match("*,!bad.x", 8, "bad.x"));
	assert_true(fg_known_hosts_match("*,!bad.x", 8, "good.x"));
	assert_true(fg_known_hosts_match("[127.0.0.?]:2222", 16,
					 "[127.0.0.1]:2222"));
	assert_true(fg_known_hosts_match("a**b*", 5, "ab"));
	assert_false(fg_known_hosts_match("a*b", 3, "a"));
}

static void test_known_hosts__another_key_or_a_revoked_one_is_refused(void **st)
{
	char text[512];

	(void)st;
	snprintf(text, sizeof(text), "git.example.com ssh-ed25519 %s\n", other);
	assert_int_equal(lookup(text, "git.example.com"),
			 FG_KNOWN_HOST_MISMATCH);
	snprintf(text, sizeof(text),
		 "git.example.com ssh-ed25519 %s\n@revoked * ssh-ed25519 %s\n",
		 key, key);
	assert_int_equal(lookup(text, "git.example.com"),
			 FG_KNOWN_HOST_REVOKED);
	/* a certificate authority's key is not the host's key */
	snprintf(text, sizeof(text), "@cert-authority * ssh-ed25519 %s\n", key);
	assert_int_equal(lookup(text, "git.example.com"),
			 FG_KNOWN_HOST_UNKNOWN);
}

static void test_known_hosts__a_hashed_name_matches_its_host(void **st)
{
	/* ssh-keygen -H of git.example.com */
	static const char text[] =
		"|1|HCLNYY1Z0TOT6/KFR1cvllIoJoE=|c1h1WCVrfwpL5izwOGW1aFvPmBI= "
		"ssh-ed25519 "
		"AAAAC3NzaC1lZDI1NTE5AAAAIESFDwNxGutDVUB7oyvX+9umYr0"
		"nYqbJAUqKFMOaqMVe\n";

	(void)st;
	assert_int_equal(lookup(text, "git.example.com"), FG_KNOWN_HOST_OK);
	assert_int_equal(lookup(text, "git.example.org"),
			 FG_KNOWN_HOST_UNKNOWN);
}

static void test_known_hosts__many_stars_are_answered_at_once(void **st)
{
	char pat[FG_KNOWN_HOSTS_MAX_PATTERN + 1];
	clock_t t0 = clock();

	(void)st;
	/* *a*a*a...*b against a long host: a recursive match tries every
	   length of every star, 10^20 ways and more */
	for (size_t i = 0; i + 2 < sizeof(pat); i += 2) {
		pat[i] = '*';
		pat[i + 1] = 'a';
	}
	pat[sizeof(pat) - 2] = 'b';
	pat[sizeof(pat) - 1] = '\0';
	assert_false(
		fg_known_hosts_match(pat, strlen(pat),
				     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_true(clock() - t0 < CLOCKS_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_hosts__a_listed_key_is_known),
		cmocka_unit_test(test_known_hosts__patterns_match_as_ssh_does),
		cmocka_unit_test(
			test_known_hosts__another_key_or_a_revoked_one_is_refused),
		cmocka_unit_test(
			test_known_hosts__a_hashed_name_matches_its_host),
		cmocka_unit_test(
			test_known_hosts__many_stars_are_answered_at_once),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
