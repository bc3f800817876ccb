/* Webhook authentication and reading (agent/webhook.h). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "agent/webhook.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/base/banned.h"

static const char *const names[] = { "github", "gitlab", "gitea" };

int fg_hook_provider_of(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

const char *fg_hook_provider_name(enum fg_hook_provider p)
{
	return names[p];
}

/* HMAC-SHA256 of the body with the secret, against HEX in constant time. */
static int hmac_ok(const struct fg_hook_request *r, const char *hex,
		   const unsigned char *secret, size_t len)
{
	unsigned char want[crypto_auth_hmacsha256_BYTES];
	unsigned char got[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	size_t bin_len = 0;
	int ok;

	if (strlen(hex) != 2 * sizeof(got) ||
	    sodium_hex2bin(got, sizeof(got), hex, strlen(hex), NULL, &bin_len,
			   NULL) != 0 ||
	    bin_len != sizeof(got))
		return 0;
	crypto_auth_hmacsha256_init(&st, secret, len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)r->body,
				      r->len);
	crypto_auth_hmacsha256_final(&st, want);
	ok = sodium_memcmp(want, got, sizeof(want)) == 0;
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(want, sizeof(want));
	return ok;
}

/* The token against the secret in constant time: both hashed first, so
 * neither their lengths nor their bytes show in the time taken. */
static int token_ok(const char *token, const unsigned char *secret, size_t len)
{
	unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
	int ok;

	crypto_generichash(a, sizeof(a), (const unsigned char *)token,
			   strlen(token), NULL, 0);
	crypto_generichash(b, sizeof(b), secret, len, NULL, 0);
	ok = sodium_memcmp(a, b, sizeof(a)) == 0;
	sodium_memzero(b, sizeof(b));
	return ok;
}

static int authentic(const struct fg_hook_request *r,
		     const unsigned char *secret, size_t len)
{
	const char *sig = r->signature;

	if (!len)
		return 0;
	switch (r->provider) {
	case FG_HOOK_GITLAB:
		return r->token && strlen(r->token) <= FG_HOOK_MAX_HEADER &&
		       token_ok(r->token, secret, len);
	case FG_HOOK_GITHUB:
		if (!sig || strncmp(sig, "sha256=", 7))
			return 0;
		return hmac_ok(r, sig + 7, secret, len);
	case FG_HOOK_GITEA:
		if (sig && !strncmp(sig, "sha256=", 7))
			sig += 7;
		return sig && hmac_ok(r, sig, secret, len);
	}
	return 0;
}

static int is_push(const struct fg_hook_request *r)
{
	const char *e = r->event;

	if (!e)
		return 0;
	switch (r->provider) {
	case FG_HOOK_GITHUB:
	case FG_HOOK_GITEA:
		return !strcmp(e, "push");
	case FG_HOOK_GITLAB:
		return !strcmp(e, "Push Hook") || !strcmp(e, "Tag Push Hook");
	}
	return 0;
}

/* Deeper than FG_HOOK_MAX_JSON_DEPTH? Counted on the text, before
 * parsing, outside strings. */
static int too_deep(const char *s, size_t n)
{
	int depth = 0, in_str = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > FG_HOOK_MAX_JSON_DEPTH)
				return 1;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return 0;
}

enum fg_hook_verdict fg_hook_check(const struct fg_hook_request *r,
				   const unsigned char *secret, size_t len,
				   char *ref, size_t n)
{
	json_t *doc;
	const char *v;
	enum fg_hook_verdict out = FG_HOOK_BAD_REQUEST;

	if (n)
		ref[0] = '\0';
	if ((r->signature && strlen(r->signature) > FG_HOOK_MAX_HEADER) ||
	    !authentic(r, secret, len))
		return FG_HOOK_UNAUTHORIZED;
	if (!is_push(r))
		return FG_HOOK_IGNORED;
	if (too_deep(r->body, r->len))
		return FG_HOOK_BAD_REQUEST;
	if (fg_json_loadb(&doc, r->body, r->len, JSON_REJECT_DUPLICATES, NULL) <
	    0)
		fg_error_clear(); /* no document: no ref, a bad request */
	v = fg_json_str(doc, "ref");
	if (v && *v && strlen(v) < FG_HOOK_MAX_REF && strlen(v) < n) {
		snprintf(ref, n, "%s", v);
		out = FG_HOOK_PUSH;
	}
	json_decref(doc);
	return out;
}

int fg_hook_ref_is(const char *ref, const char *branch)
{
	if (!strncmp(branch, "refs/", 5))
		return !strcmp(ref, branch);
	return !strncmp(ref, "refs/heads/", 11) && !strcmp(ref + 11, branch);
}
