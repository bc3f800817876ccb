/*
 * known_hosts lookups (agent/git/known_hosts.h), apart from the transport
 * so that they can be fuzzed (tests/fuzz/fuzz_known_hosts.c).
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "agent/git/known_hosts.h"
#include "render/base/banned.h"

/* |1|salt|hash: HMAC-SHA1(salt, host), as ssh's HashKnownHosts writes. */
static int hashed_match(const char *pat, size_t len, const char *host)
{
	unsigned char salt[64], want[64], got[EVP_MAX_MD_SIZE];
	char tmp[256];
	const char *bar;
	size_t slen, wlen;
	unsigned int glen = 0;

	if (len < 4 || len >= sizeof(tmp) || memcmp(pat, "|1|", 3))
		return 0;
	memcpy(tmp, pat + 3, len - 3);
	tmp[len - 3] = '\0';
	if (!(bar = strchr(tmp, '|')))
		return 0;
	if (sodium_base642bin(salt, sizeof(salt), tmp, (size_t)(bar - tmp),
			      NULL, &slen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    sodium_base642bin(want, sizeof(want), bar + 1, strlen(bar + 1),
			      NULL, &wlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL))
		return 0;
	if (!HMAC(EVP_sha1(), salt, (int)slen, (const unsigned char *)host,
		  strlen(host), got, &glen))
		return 0;
	return glen == wlen && !memcmp(got, want, wlen);
}

/*
 * ssh's glob: '*' and '?' only ('[' is literal: "[host]:port"). In one
 * pass with one backtrack point, the last '*': a pattern of many stars
 * costs O(pattern x host), where trying each star's every length, as a
 * recursive match does, is exponential.
 */
static int glob(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			resume = s;
		} else if (*p && (*p == '?' || *p == *s)) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

int fg_known_hosts_match(const char *pats, size_t len, const char *host)
{
	char pat[FG_KNOWN_HOSTS_MAX_PATTERN + 1];
	int hit = 0;
	size_t i = 0;

	if (len && pats[0] == '|')
		return hashed_match(pats, len, host);
	while (i < len) {
		size_t n = 0;
		int neg = pats[i] == '!';

		i += (size_t)neg;
		while (i < len && pats[i] != ',' && n < sizeof(pat) - 1)
			pat[n++] = pats[i++];
		pat[n] = '\0';
		i++;
		if (glob(pat, host)) {
			if (neg)
				return 0;
			hit = 1;
		}
	}
	return hit;
}

static const char *next_field(const char *p, const char *end, const char **f,
			      size_t *len)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	*f = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*len = (size_t)(p - *f);
	return p;
}

enum fg_known_host fg_known_hosts_lookup(const char *text, size_t len,
					 const char *host,
					 const unsigned char *blob,
					 size_t bloblen)
{
	const char *p = text, *end = text + len;
	int found = 0, other = 0, revoked = 0;
	unsigned char key[2048];
	size_t keylen;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *f,
			   *hosts, *b64;
		size_t flen, hlen, blen;
		int marker = 0; /* 1 cert-authority, 2 revoked */
		char b64buf[4096];

		if (!eol)
			eol = end;
		p = next_field(p, eol, &f, &flen);
		if (!flen || *f == '#')
			goto next;
		if (*f == '@') {
			marker = flen == 8 && !memcmp(f, "@revoked", 8) ? 2 : 1;
			p = next_field(p, eol, &f, &flen);
		}
		hosts = f;
		hlen = flen;
		p = next_field(p, eol, &f, &flen); /* key type */
		p = next_field(p, eol, &b64, &blen);
		if (!blen || blen >= sizeof(b64buf) || marker == 1 ||
		    !fg_known_hosts_match(hosts, hlen, host))
			goto next;
		memcpy(b64buf, b64, blen);
		b64buf[blen] = '\0';
		if (sodium_base642bin(key, sizeof(key), b64buf, blen, NULL,
				      &keylen, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0)
			goto next;
		if (keylen == bloblen && !memcmp(key, blob, keylen)) {
			if (marker == 2)
				revoked = 1;
			else
				found = 1;
		} else if (marker == 0) {
			other = 1;
		}
	next:
		p = eol + 1;
	}
	if (revoked)
		return FG_KNOWN_HOST_REVOKED;
	if (found)
		return FG_KNOWN_HOST_OK;
	return other ? FG_KNOWN_HOST_MISMATCH : FG_KNOWN_HOST_UNKNOWN;
}
