/*
 * sshsig (OpenSSH PROTOCOL.sshsig) with libsodium's Ed25519.
 *
 * Signature blob:  "SSHSIG" u32(1) string(publickey) string(namespace)
 *                  string(reserved) string(hash_algorithm) string(signature)
 * Signed data:     "SSHSIG" string(namespace) string(reserved)
 *                  string(hash_algorithm) string(H(message))
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "agent/git/sshsig.h"
#include "render/base/error.h"
#include "render/base/banned.h"

#define ED25519_TYPE "ssh-ed25519"
#define SIG_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define SIG_END "-----END SSH SIGNATURE-----"
#define KEY_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define KEY_END "-----END OPENSSH PRIVATE KEY-----"
#define KEY_MAGIC "openssh-key-v1"

struct fg_ssh_key {
	unsigned char sk[crypto_sign_SECRETKEYBYTES]; /* seed + public */
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
};

struct signer {
	char *principals;
	char *namespaces;		  /* NULL = any */
	time_t valid_after, valid_before; /* 0 = unbounded */
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
};

struct fg_allowed_signers {
	struct signer *v;
	size_t n, cap;
};

/* ---- SSH wire format ---- */

struct rd {
	const unsigned char *p;
	size_t n;
};

static int rd_u32(struct rd *r, uint32_t *v)
{
	if (r->n < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->n -= 4;
	return 0;
}

static int rd_str(struct rd *r, const unsigned char **s, size_t *len)
{
	uint32_t l;

	if (rd_u32(r, &l) < 0 || l > r->n)
		return -1;
	*s = r->p;
	*len = l;
	r->p += l;
	r->n -= l;
	return 0;
}

static int str_is(const unsigned char *s, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(s, want, len);
}

static int put_u32(struct fg_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24),
			       (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };
	return fg_buf_add(b, x, 4);
}

static int put_str(struct fg_buf *b, const void *s, size_t len)
{
	if (len > UINT32_MAX)
		return fg_error_set(FG_EINVALID, "string too long");
	if (put_u32(b, (uint32_t)len) < 0)
		return FG_ERROR;
	return fg_buf_add(b, s, len);
}

static int put_cstr(struct fg_buf *b, const char *s)
{
	return put_str(b, s, strlen(s));
}

static int ed25519_blob(struct fg_buf *b, const unsigned char *pk)
{
	if (put_cstr(b, ED25519_TYPE) < 0 ||
	    put_str(b, pk, crypto_sign_PUBLICKEYBYTES) < 0)
		return FG_ERROR;
	return 0;
}

void fg_ssh_fingerprint(const unsigned char *blob, size_t len,
			char fp[FG_SSH_FP_LEN])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, blob, len);
	memcpy(fp, "SHA256:", 7);
	sodium_bin2base64(fp + 7, FG_SSH_FP_LEN - 7, h, sizeof(h),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

static void pk_fingerprint(const unsigned char *pk, char fp[FG_SSH_FP_LEN])
{
	struct fg_buf b = FG_BUF_INIT;

	if (ed25519_blob(&b, pk) == 0)
		fg_ssh_fingerprint((const unsigned char *)b.ptr, b.len, fp);
	else
		fp[0] = '\0';
	fg_buf_release(&b);
}

/*
 * Base64 between `begin` and `end` markers into `out` (capacity `cap`);
 * whitespace is ignored.
 */
static int dearmor(const char *text, size_t len, const char *begin,
		   const char *end, unsigned char *out, size_t cap,
		   size_t *outlen)
{
	const char *b, *e, *stop = text + len;
	size_t blen = strlen(begin);

	for (b = text; b + blen <= stop; b++)
		if (!memcmp(b, begin, blen))
			break;
	if (b + blen > stop)
		return -1;
	b += blen;
	for (e = b; e + strlen(end) <= stop; e++)
		if (!memcmp(e, end, strlen(end)))
			break;
	if (e + strlen(end) > stop)
		return -1;
	if (sodium_base642bin(out, cap, b, (size_t)(e - b), " \t\r\n", outlen,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return 0;
}

/* ---- the agent's private key ---- */

int fg_ssh_key_parse(struct fg_ssh_key **out, const char *text, size_t len,
		     const char *label)
{
	struct fg_ssh_key *k = NULL;
	unsigned char *raw = NULL;
	const unsigned char *s, *pk, *sk;
	size_t rawlen = 0, slen, pklen, sklen;
	uint32_t nkeys, c1, c2;
	struct rd r, priv;
	int err = FG_EINVALID;
	const char *why = "not an OpenSSH private key";

	*out = NULL;
	if (!(raw = sodium_malloc(len + 1)) ||
	    !(k = sodium_malloc(sizeof(*k)))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (dearmor(text, len, KEY_BEGIN, KEY_END, raw, len + 1, &rawlen) < 0)
		goto bad;
	r.p = raw;
	r.n = rawlen;
	if (r.n < sizeof(KEY_MAGIC) ||
	    memcmp(r.p, KEY_MAGIC, sizeof(KEY_MAGIC)))
		goto bad;
	r.p += sizeof(KEY_MAGIC);
	r.n -= sizeof(KEY_MAGIC);
	why = "corrupt OpenSSH private key";
	if (rd_str(&r, &s, &slen) < 0)
		goto bad;
	if (!str_is(s, slen, "none")) {
		why = "encrypted keys are not supported (remove the "
		      "passphrase with ssh-keygen -p)";
		goto bad;
	}
	if (rd_str(&r, &s, &slen) < 0 || rd_str(&r, &s, &slen) < 0 ||
	    rd_u32(&r, &nkeys) < 0)
		goto bad;
	if (nkeys != 1) {
		why = "the file must hold exactly one key";
		goto bad;
	}
	if (rd_str(&r, &s, &slen) < 0 || rd_str(&r, &priv.p, &priv.n) < 0)
		goto bad;
	if (rd_u32(&priv, &c1) < 0 || rd_u32(&priv, &c2) < 0 || c1 != c2 ||
	    rd_str(&priv, &s, &slen) < 0)
		goto bad;
	if (!str_is(s, slen, ED25519_TYPE)) {
		why = "only ed25519 keys are supported";
		goto bad;
	}
	if (rd_str(&priv, &pk, &pklen) < 0 || rd_str(&priv, &sk, &sklen) < 0 ||
	    pklen != sizeof(k->pk) || sklen != sizeof(k->sk) ||
	    sodium_memcmp(sk + 32, pk, 32) != 0)
		goto bad;
	memcpy(k->sk, sk, sizeof(k->sk));
	memcpy(k->pk, pk, sizeof(k->pk));
	sodium_mprotect_readonly(k);
	*out = k;
	k = NULL;
	err = 0;
	goto done;
bad:
	err = fg_error_set(FG_EINVALID, "%s: %s", label, why);
done:
	if (raw) {
		sodium_memzero(raw, len + 1);
		sodium_free(raw);
	}
	sodium_free(k); /* sodium_free wipes */
	return err;
}

int fg_ssh_key_load(struct fg_ssh_key **out, const char *path)
{
	struct fg_buf b = FG_BUF_INIT;
	int err;

	*out = NULL;
	fg_buf_init(&b, FG_SSH_KEY_FILE_MAX);
	if ((err = fg_buf_read_file(&b, path)) < 0)
		return fg_error_wrap(err, "cannot read signing key");
	err = fg_ssh_key_parse(out, b.ptr, b.len, path);
	sodium_memzero(b.ptr, b.len);
	fg_buf_release(&b);
	return err;
}

void fg_ssh_key_free(struct fg_ssh_key *k)
{
	sodium_free(k);
}

int fg_ssh_key_public(const struct fg_ssh_key *k, struct fg_buf *out)
{
	struct fg_buf blob = FG_BUF_INIT;
	char b64[128];
	int err = FG_ERROR;

	if (ed25519_blob(&blob, k->pk) == 0) {
		sodium_bin2base64(b64, sizeof(b64),
				  (const unsigned char *)blob.ptr, blob.len,
				  sodium_base64_VARIANT_ORIGINAL);
		err = fg_buf_printf(out, ED25519_TYPE " %s", b64);
	}
	fg_buf_release(&blob);
	return err;
}

void fg_ssh_key_fingerprint(const struct fg_ssh_key *k, char fp[FG_SSH_FP_LEN])
{
	pk_fingerprint(k->pk, fp);
}

/* ---- signing and verifying ---- */

static int hash_msg(const char *alg, const void *msg, size_t len,
		    unsigned char *h, size_t *hlen)
{
	if (!strcmp(alg, "sha512")) {
		crypto_hash_sha512(h, msg, len);
		*hlen = crypto_hash_sha512_BYTES;
	} else if (!strcmp(alg, "sha256")) {
		crypto_hash_sha256(h, msg, len);
		*hlen = crypto_hash_sha256_BYTES;
	} else {
		return -1;
	}
	return 0;
}

static int signed_data(struct fg_buf *b, const char *ns,
		       const unsigned char *reserved, size_t rlen,
		       const char *alg, const void *msg, size_t len)
{
	unsigned char h[crypto_hash_sha512_BYTES];
	size_t hlen;

	if (hash_msg(alg, msg, len, h, &hlen) < 0)
		return fg_error_set(FG_EAUTH, "unsupported hash '%s'", alg);
	if (fg_buf_add(b, "SSHSIG", 6) < 0 || put_cstr(b, ns) < 0 ||
	    put_str(b, reserved, rlen) < 0 || put_cstr(b, alg) < 0 ||
	    put_str(b, h, hlen) < 0)
		return FG_ERROR;
	return 0;
}

int fg_sshsig_sign(struct fg_buf *out, const struct fg_ssh_key *k,
		   const char *ns, const void *msg, size_t len)
{
	struct fg_buf data = FG_BUF_INIT, blob = FG_BUF_INIT, pub = FG_BUF_INIT,
		      sigb = FG_BUF_INIT;
	unsigned char sig[crypto_sign_BYTES];
	char *b64 = NULL;
	size_t b64len, i;
	int err = FG_ERROR;

	if (signed_data(&data, ns, NULL, 0, "sha512", msg, len) < 0)
		goto done;
	crypto_sign_detached(sig, NULL, (const unsigned char *)data.ptr,
			     data.len, k->sk);
	if (ed25519_blob(&pub, k->pk) < 0 || put_cstr(&sigb, ED25519_TYPE) ||
	    put_str(&sigb, sig, sizeof(sig)) < 0)
		goto done;
	if (fg_buf_add(&blob, "SSHSIG", 6) < 0 || put_u32(&blob, 1) < 0 ||
	    put_str(&blob, pub.ptr, pub.len) < 0 || put_cstr(&blob, ns) < 0 ||
	    put_cstr(&blob, "") < 0 || put_cstr(&blob, "sha512") < 0 ||
	    put_str(&blob, sigb.ptr, sigb.len) < 0)
		goto done;
	b64len = sodium_base64_ENCODED_LEN(blob.len,
					   sodium_base64_VARIANT_ORIGINAL);
	if (!(b64 = malloc(b64len))) {
		fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	sodium_bin2base64(b64, b64len, (const unsigned char *)blob.ptr,
			  blob.len, sodium_base64_VARIANT_ORIGINAL);
	if (fg_buf_puts(out, SIG_BEGIN "\n") < 0)
		goto done;
	for (i = 0; b64[i]; i += 70) {
		size_t n = strnlen(b64 + i, 70);
		if (fg_buf_add(out, b64 + i, n) < 0 || fg_buf_putc(out, '\n'))
			goto done;
		if (n < 70)
			break;
	}
	err = fg_buf_puts(out, SIG_END);
done:
	free(b64);
	fg_buf_release(&data);
	fg_buf_release(&blob);
	fg_buf_release(&pub);
	fg_buf_release(&sigb);
	return err;
}

static int ns_allowed(const char *list, const char *ns)
{
	size_t nl = strlen(ns);
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		if (len == nl && !memcmp(p, ns, nl))
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int fg_sshsig_verify(const char *armored, size_t alen, const void *msg,
		     size_t len, const char *ns,
		     const struct fg_allowed_signers *signers, time_t when,
		     struct fg_buf *who)
{
	unsigned char raw[FG_SSHSIG_MAX_ARMORED];
	const unsigned char *pub, *sns, *res, *alg, *sig, *t, *pk, *sv;
	size_t rawlen, publen, snslen, reslen, alglen, siglen, tl, pklen, svl;
	struct fg_buf data = FG_BUF_INIT;
	char fp[FG_SSH_FP_LEN], nsbuf[64], algbuf[16];
	uint32_t version;
	struct rd r, pr, sr;
	size_t i;
	int err = FG_EAUTH;

	if (alen > FG_SSHSIG_MAX_ARMORED ||
	    dearmor(armored, alen, SIG_BEGIN, SIG_END, raw, sizeof(raw),
		    &rawlen) < 0)
		return fg_error_set(FG_EAUTH,
				    "not an SSH signature (only gpg.format="
				    "ssh signatures are supported)");
	r.p = raw;
	r.n = rawlen;
	if (r.n < 6 || memcmp(r.p, "SSHSIG", 6))
		return fg_error_set(FG_EAUTH, "malformed SSH signature");
	r.p += 6;
	r.n -= 6;
	if (rd_u32(&r, &version) < 0 || version != 1 ||
	    rd_str(&r, &pub, &publen) < 0 || rd_str(&r, &sns, &snslen) < 0 ||
	    rd_str(&r, &res, &reslen) < 0 || rd_str(&r, &alg, &alglen) < 0 ||
	    rd_str(&r, &sig, &siglen) < 0)
		return fg_error_set(FG_EAUTH, "malformed SSH signature");
	if (!str_is(sns, snslen, ns)) {
		snprintf(nsbuf, sizeof(nsbuf), "%.*s",
			 (int)(snslen < 40 ? snslen : 40), (const char *)sns);
		return fg_error_set(FG_EAUTH,
				    "signature is for namespace '%s', not "
				    "'%s'",
				    nsbuf, ns);
	}
	fg_ssh_fingerprint(pub, publen, fp);
	pr.p = pub;
	pr.n = publen;
	if (rd_str(&pr, &t, &tl) < 0 || !str_is(t, tl, ED25519_TYPE) ||
	    rd_str(&pr, &pk, &pklen) < 0 || pklen != 32)
		return fg_error_set(FG_EAUTH,
				    "signing key %s is not an ed25519 key "
				    "(only ed25519 is supported)",
				    fp);
	sr.p = sig;
	sr.n = siglen;
	if (rd_str(&sr, &t, &tl) < 0 || !str_is(t, tl, ED25519_TYPE) ||
	    rd_str(&sr, &sv, &svl) < 0 || svl != crypto_sign_BYTES)
		return fg_error_set(FG_EAUTH, "malformed SSH signature");
	if (alglen >= sizeof(algbuf))
		return fg_error_set(FG_EAUTH, "unsupported hash in signature");
	memcpy(algbuf, alg, alglen);
	algbuf[alglen] = '\0';
	if ((err = signed_data(&data, ns, res, reslen, algbuf, msg, len)) < 0)
		goto done;
	if (crypto_sign_verify_detached(sv, (const unsigned char *)data.ptr,
					data.len, pk) != 0) {
		err = fg_error_set(FG_EAUTH,
				   "bad signature by key %s (the signed "
				   "content was changed)",
				   fp);
		goto done;
	}
	for (i = 0; signers && i < signers->n; i++) {
		const struct signer *s = &signers->v[i];
		if (memcmp(s->pk, pk, 32))
			continue;
		if (s->namespaces && !ns_allowed(s->namespaces, ns))
			continue;
		if ((s->valid_after && when < s->valid_after) ||
		    (s->valid_before && when > s->valid_before))
			continue;
		err = fg_buf_printf(who, "%s (%s)", s->principals, fp);
		goto done;
	}
	err = fg_error_set(FG_EAUTH,
			   "signed with key %s, which allowed_signers does "
			   "not list",
			   fp);
done:
	fg_buf_release(&data);
	return err;
}

/* ---- allowed_signers ---- */

/* One field: up to whitespace, with "..." quoting. */
static const char *field(const char *p, const char **start, size_t *len)
{
	int q = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	*start = p;
	for (; *p && (q || (*p != ' ' && *p != '\t')); p++)
		if (*p == '"')
			q = !q;
	*len = (size_t)(p - *start);
	return p;
}

static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* YYYYMMDD[HHMM[SS]][Z]; without Z, local time, as ssh-keygen reads it. */
static int parse_time(const char *s, size_t len, time_t *out)
{
	int v[6] = { 0, 1, 1, 0, 0, 0 }, w[6] = { 4, 2, 2, 2, 2, 2 };
	size_t i, k, pos = 0, ndig;
	int utc = 0;
	struct tm tm;

	if (len && s[len - 1] == 'Z') {
		utc = 1;
		len--;
	}
	ndig = len;
	if (ndig != 8 && ndig != 12 && ndig != 14)
		return -1;
	for (i = 0; i < 6 && pos < ndig; i++) {
		v[i] = 0;
		for (k = 0; k < (size_t)w[i]; k++, pos++) {
			if (!isdigit((unsigned char)s[pos]))
				return -1;
			v[i] = v[i] * 10 + (s[pos] - '0');
		}
	}
	if (utc) {
		*out = (time_t)(days_from_civil(v[0], v[1], v[2]) * 86400 +
				v[3] * 3600 + v[4] * 60 + v[5]);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return 0;
}

static char *unquote(const char *s, size_t len)
{
	char *o = malloc(len + 1);
	size_t i, j = 0;

	if (!o)
		return NULL;
	for (i = 0; i < len; i++)
		if (s[i] != '"')
			o[j++] = s[i];
	o[j] = '\0';
	return o;
}

/* Options: comma-separated, values may be quoted (with commas inside). */
static int parse_options(struct signer *sg, const char *p, size_t len,
			 int *skip)
{
	const char *end = p + len;

	while (p < end) {
		const char *o = p, *eq;
		int q = 0;
		size_t olen;

		for (; p < end && (q || *p != ','); p++)
			if (*p == '"')
				q = !q;
		olen = (size_t)(p - o);
		if (p < end)
			p++;
		eq = memchr(o, '=', olen);
		if (!eq) {
			if (olen == 14 && !memcmp(o, "cert-authority", 14))
				*skip = 1; /* certificates: not supported */
			continue;
		}
		if ((size_t)(eq - o) == 10 && !memcmp(o, "namespaces", 10)) {
			free(sg->namespaces);
			if (!(sg->namespaces = unquote(eq + 1, olen - 11)))
				return -1;
		} else if ((size_t)(eq - o) == 11 &&
			   !memcmp(o, "valid-after", 11)) {
			char *v = unquote(eq + 1, olen - 12);
			int bad = !v || parse_time(v, strlen(v),
						   &sg->valid_after) < 0;
			free(v);
			if (bad)
				return -1;
		} else if ((size_t)(eq - o) == 12 &&
			   !memcmp(o, "valid-before", 12)) {
			char *v = unquote(eq + 1, olen - 13);
			int bad = !v || parse_time(v, strlen(v),
						   &sg->valid_before) < 0;
			free(v);
			if (bad)
				return -1;
		}
	}
	return 0;
}

static int is_keytype(const char *s, size_t len)
{
	return (len == 11 && !memcmp(s, ED25519_TYPE, 11)) ||
	       (len >= 4 && !memcmp(s, "ssh-", 4)) ||
	       (len >= 6 && !memcmp(s, "ecdsa-", 6)) ||
	       (len >= 3 && !memcmp(s, "sk-", 3));
}

static void signer_release(struct signer *s)
{
	free(s->principals);
	free(s->namespaces);
}

static int parse_line(struct fg_allowed_signers *a, const char *line,
		      const char *label, size_t lineno)
{
	struct signer sg;
	const char *p = line, *f;
	size_t flen;
	unsigned char blob[128];
	size_t bloblen;
	int skip = 0;
	struct rd r;
	const unsigned char *t, *pk;
	size_t tl, pkl;
	char b64[256];

	memset(&sg, 0, sizeof(sg));
	p = field(p, &f, &flen);
	if (!flen || *f == '#')
		return 0;
	if (!(sg.principals = unquote(f, flen)))
		goto oom;
	p = field(p, &f, &flen);
	if (flen && !is_keytype(f, flen)) {
		if (parse_options(&sg, f, flen, &skip) < 0) {
			signer_release(&sg);
			return fg_error_set(FG_EINVALID,
					    "%s:%zu: bad option value", label,
					    lineno);
		}
		p = field(p, &f, &flen);
	}
	if (!flen) {
		signer_release(&sg);
		return fg_error_set(FG_EINVALID, "%s:%zu: no key", label,
				    lineno);
	}
	if (skip || !(flen == 11 && !memcmp(f, ED25519_TYPE, 11))) {
		signer_release(&sg); /* other key types cannot match */
		return 0;
	}
	p = field(p, &f, &flen);
	if (flen >= sizeof(b64))
		goto badkey;
	memcpy(b64, f, flen);
	b64[flen] = '\0';
	if (sodium_base642bin(blob, sizeof(blob), b64, flen, NULL, &bloblen,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		goto badkey;
	r.p = blob;
	r.n = bloblen;
	if (rd_str(&r, &t, &tl) < 0 || !str_is(t, tl, ED25519_TYPE) ||
	    rd_str(&r, &pk, &pkl) < 0 || pkl != 32)
		goto badkey;
	memcpy(sg.pk, pk, 32);
	if (a->n >= FG_ALLOWED_SIGNERS_MAX_KEYS) {
		signer_release(&sg);
		return fg_error_set(FG_EINVALID, "%s: more than %d keys", label,
				    FG_ALLOWED_SIGNERS_MAX_KEYS);
	}
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 8;
		struct signer *v = realloc(a->v, ncap * sizeof(*v));
		if (!v)
			goto oom;
		a->v = v;
		a->cap = ncap;
	}
	a->v[a->n++] = sg;
	return 0;
badkey:
	signer_release(&sg);
	return fg_error_set(FG_EINVALID, "%s:%zu: malformed ed25519 key", label,
			    lineno);
oom:
	signer_release(&sg);
	return fg_error_set(FG_ERROR, "out of memory");
}

int fg_allowed_signers_parse(struct fg_allowed_signers **out, const char *text,
			     size_t len, const char *label)
{
	struct fg_allowed_signers *a = calloc(1, sizeof(*a));
	struct fg_buf line = FG_BUF_INIT;
	size_t pos = 0, lineno = 0;
	int err = 0;

	*out = NULL;
	if (!a)
		return fg_error_set(FG_ERROR, "out of memory");
	while (pos < len && !err) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		fg_buf_clear(&line);
		if ((err = fg_buf_add(&line, text + pos, l)) < 0)
			break;
		if (line.len && line.ptr[line.len - 1] == '\r')
			fg_buf_truncate(&line, line.len - 1);
		err = parse_line(a, line.ptr, label, lineno);
		pos += l + 1;
	}
	fg_buf_release(&line);
	if (err < 0) {
		fg_allowed_signers_free(a);
		return err;
	}
	*out = a;
	return 0;
}

int fg_allowed_signers_load(struct fg_allowed_signers **out, const char *path)
{
	struct fg_buf b = FG_BUF_INIT;
	int err;

	*out = NULL;
	fg_buf_init(&b, FG_ALLOWED_SIGNERS_MAX);
	if ((err = fg_buf_read_file(&b, path)) < 0)
		return fg_error_wrap(err, "cannot read allowed signers");
	err = fg_allowed_signers_parse(out, b.ptr, b.len, path);
	fg_buf_release(&b);
	return err;
}

void fg_allowed_signers_free(struct fg_allowed_signers *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		signer_release(&a->v[i]);
	free(a->v);
	free(a);
}
