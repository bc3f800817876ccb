/*
 * age v1 on libsodium. See age.h for the contract; the spec is
 * c2sp.org/age. Sections below: secret memory, base64 (raw for the
 * header, padded for the armor), Bech32, the header, the armor,
 * identities, X25519 stanzas, STREAM, and the two directions.
 *
 * Everything works on whole files in memory: an .age file in a
 * repository is a few kilobytes, and bounded (FG_AGE_MAX_FILE_BYTES).
 * Nothing of the plaintext is released until its last chunk has been
 * authenticated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "render/age.h"
#include "render/base/error.h"
#include "render/hkdf.h"
#include "render/base/banned.h"

#define AGE_MAGIC "age-encryption.org/"
#define AGE_V1_LINE "age-encryption.org/v1"
#define FILE_KEY_BYTES 16
#define NONCE_BYTES 16
#define TAG_BYTES crypto_aead_chacha20poly1305_ietf_ABYTES
#define MAC_BYTES crypto_auth_hmacsha256_BYTES
#define BODY_COLUMNS 64
#define ARMOR_COLUMNS 64
#define ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define ARMOR_END "-----END AGE ENCRYPTED FILE-----"
#define X25519_INFO "age-encryption.org/v1/X25519"
#define REDACTION_INFO "flink-gitops.io/secret-redaction/v1"
#define HRP_RECIPIENT "age"
#define HRP_IDENTITY "age-secret-key-"

static int fail(enum fg_age_failure *why, enum fg_age_failure kind, int code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(enum fg_age_failure *why, enum fg_age_failure kind, int code,
		const char *fmt, ...)
{
	va_list ap;

	if (why)
		*why = kind;
	va_start(ap, fmt);
	fg_error_setv(code, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- secret memory ----------------------------------------------------- */

/*
 * sodium_malloc needs sodium_init (idempotent, thread-safe), which a
 * library cannot count on its program to have called.
 */
static int sodium_ready(void)
{
	return sodium_init() < 0
		       ? fg_error_set(FG_ERROR, "cannot initialise libsodium")
		       : 0;
}

int fg_age_secret_alloc(struct fg_age_secret *s, size_t len)
{
	s->len = 0;
	s->ptr = NULL;
	if (sodium_ready() < 0)
		return FG_ERROR;
	if (len >= SIZE_MAX - 1 || !(s->ptr = sodium_malloc(len + 1)))
		return fg_error_set(
			FG_ERROR, "out of memory (secret memory of %zu bytes)",
			len);
	sodium_memzero(s->ptr, len + 1);
	s->len = len;
	return 0;
}

void fg_age_secret_release(struct fg_age_secret *s)
{
	if (!s)
		return;
	if (s->ptr)
		sodium_free(s->ptr); /* wipes */
	s->ptr = NULL;
	s->len = 0;
}

int fg_age_secret_read_file(struct fg_age_secret *s, const char *path,
			    size_t max)
{
	struct stat st;
	size_t got = 0;
	int fd, err = 0;

	s->ptr = NULL;
	s->len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return fg_error_set_errno(errno == ENOENT ? FG_ENOTFOUND
							  : FG_ERROR,
					  errno, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		err = fg_error_set_errno(FG_ERROR, errno, "cannot stat '%s'",
					 path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = fg_error_set(FG_EINVALID, "'%s' is not a regular file",
				   path);
		goto done;
	}
	if ((uintmax_t)st.st_size > max) {
		err = fg_error_set(FG_EINVALID,
				   "'%s' is %jd bytes, above the limit of %zu",
				   path, (intmax_t)st.st_size, max);
		goto done;
	}
	/* one byte more than the limit tells a file that grew meanwhile */
	if ((err = fg_age_secret_alloc(s, max + 1)) < 0)
		goto done;
	for (;;) {
		ssize_t n = read(fd, s->ptr + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = fg_error_set_errno(FG_ERROR, errno,
						 "cannot read '%s'", path);
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			err = fg_error_set(FG_EINVALID,
					   "'%s' is above the limit of %zu "
					   "bytes",
					   path, max);
			goto done;
		}
	}
	s->ptr[got] = '\0';
	s->len = got;
done:
	if (err)
		fg_age_secret_release(s);
	close(fd);
	return err;
}

/* ---- base64 ------------------------------------------------------------- */

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decoded size of `n` unpadded characters, or SIZE_MAX if impossible. */
static size_t b64_raw_len(size_t n)
{
	return n % 4 == 1 ? SIZE_MAX : n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

/*
 * Canonical unpadded base64 (RFC 4648 section 3.5): `n` characters into
 * `out` (b64_raw_len(n) bytes). 0, or -1 for a character outside the
 * alphabet, a padding '=' or non-zero unused bits.
 */
static int b64_raw_decode(unsigned char *out, const unsigned char *in, size_t n)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0, v;

	if (b64_raw_len(n) == SIZE_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = b64_value(in[i])) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0 ? 0 : -1; /* the leftover bits must be zero */
}

/* Unpadded base64 of `n` bytes, appended to `out`. */
static int b64_raw_encode(struct fg_buf *out, const unsigned char *in, size_t n)
{
	uint32_t acc = 0;
	size_t i;
	int bits = 0, err = 0;

	for (i = 0; i < n && !err; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6 && !err) {
			bits -= 6;
			err = fg_buf_putc(out, b64_chars[(acc >> bits) & 63]);
		}
		acc &= (1u << bits) - 1;
	}
	if (bits && !err)
		err = fg_buf_putc(out, b64_chars[(acc << (6 - bits)) & 63]);
	return err;
}

/* ---- Bech32 (BIP 173, without its length limit) ------------------------- */

static const char bech32_chars[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t bech32_polymod_step(uint32_t chk, unsigned v)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
					 0x3d4233dd, 0x2a1462b3 };
	uint32_t top = chk >> 25;
	int i;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

/* Checksum state after the expanded lowercase `hrp`. */
static uint32_t bech32_hrp_state(const char *hrp)
{
	uint32_t chk = 1;
	size_t i, n = strlen(hrp);

	for (i = 0; i < n; i++)
		chk = bech32_polymod_step(chk, (unsigned char)hrp[i] >> 5);
	chk = bech32_polymod_step(chk, 0);
	for (i = 0; i < n; i++)
		chk = bech32_polymod_step(chk, (unsigned char)hrp[i] & 31);
	return chk;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/*
 * `n` bytes as Bech32 with `hrp` (lowercase); `out` receives
 * strlen(hrp) + 1 + ceil(n * 8 / 5) + 6 characters and a NUL.
 */
static void bech32_encode(char *out, const char *hrp, const unsigned char *in,
			  size_t n, int upper_case)
{
	uint32_t chk = bech32_hrp_state(hrp), acc = 0;
	size_t i, o = 0, hl = strlen(hrp);
	int bits = 0;

	for (i = 0; i < hl; i++)
		out[o++] = upper_case ? upper(hrp[i]) : hrp[i];
	out[o++] = '1';
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			unsigned v = (acc >> (bits - 5)) & 31;
			bits -= 5;
			chk = bech32_polymod_step(chk, v);
			out[o++] = bech32_chars[v];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits) {
		unsigned v = (acc << (5 - bits)) & 31;
		chk = bech32_polymod_step(chk, v);
		out[o++] = bech32_chars[v];
	}
	for (i = 0; i < 6; i++)
		chk = bech32_polymod_step(chk, 0);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		out[o++] = bech32_chars[(chk >> (5 * (5 - i))) & 31];
	for (i = hl + 1; upper_case && i < o; i++)
		out[i] = upper(out[i]);
	out[o] = '\0';
	sodium_memzero(&acc, sizeof(acc));
	sodium_memzero(&chk, sizeof(chk));
}

static int has_prefix_nocase(const char *s, size_t n, const char *prefix)
{
	size_t i, pn = strlen(prefix);

	if (n < pn)
		return 0;
	for (i = 0; i < pn; i++)
		if (lower(s[i]) != lower(prefix[i]))
			return 0;
	return 1;
}

enum bech32_result { B32_OK, B32_SYNTAX, B32_HRP, B32_CHECKSUM, B32_LENGTH };

/*
 * Decode Bech32 string `s` (`n` characters, one case) whose HRP must be
 * `hrp` (lowercase) into exactly `out_len` bytes.
 */
static enum bech32_result bech32_decode(unsigned char *out, size_t out_len,
					const char *hrp, const char *s,
					size_t n)
{
	size_t hl = strlen(hrp), i, o = 0;
	uint32_t chk, acc = 0;
	int has_lower = 0, has_upper = 0, bits = 0;
	enum bech32_result r = B32_OK;

	for (i = 0; i < n; i++) {
		if (s[i] < 33 || s[i] > 126)
			return B32_SYNTAX;
		has_lower |= s[i] >= 'a' && s[i] <= 'z';
		has_upper |= s[i] >= 'A' && s[i] <= 'Z';
	}
	if (has_lower && has_upper)
		return B32_SYNTAX;
	if (n < hl + 1 + 6 || s[hl] != '1')
		return B32_HRP;
	for (i = 0; i < hl; i++)
		if (lower(s[i]) != hrp[i])
			return B32_HRP;
	chk = bech32_hrp_state(hrp);
	for (i = hl + 1; i < n; i++) {
		const char *p = memchr(bech32_chars, lower(s[i]), 32);
		unsigned v;
		if (!p) {
			r = B32_SYNTAX;
			goto done;
		}
		v = (unsigned)(p - bech32_chars);
		chk = bech32_polymod_step(chk, v);
		if (i >= n - 6)
			continue;
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= out_len) {
				r = B32_LENGTH;
				goto done;
			}
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (chk != 1)
		r = B32_CHECKSUM;
	else if (o != out_len || bits >= 5 || acc)
		r = B32_LENGTH;
done:
	sodium_memzero(&acc, sizeof(acc));
	sodium_memzero(&chk, sizeof(chk));
	if (r != B32_OK)
		sodium_memzero(out, out_len);
	return r;
}

int fg_age_recipient_parse(unsigned char pk[FG_AGE_KEY_BYTES], const char *s)
{
	size_t n = strlen(s);

	if (n > 3 && !strncmp(s, "age1pq1", 7))
		return fg_error_set(FG_EINVALID,
				    "recipient '%.16s...' is post-quantum "
				    "(age1pq1); flink-gitops writes X25519 "
				    "recipients (age1...) only",
				    s);
	if (has_prefix_nocase(s, n, "AGE-SECRET-KEY-"))
		return fg_error_set(FG_EINVALID,
				    "that is an identity (a secret key), not a "
				    "recipient: give its public key, age1... "
				    "('flink-gitops secret keygen -y FILE' "
				    "prints it)");
	if (!strncmp(s, "ssh-", 4))
		return fg_error_set(FG_EINVALID,
				    "SSH keys are not supported as recipients; "
				    "use an age1... recipient");
	switch (bech32_decode(pk, FG_AGE_KEY_BYTES, HRP_RECIPIENT, s, n)) {
	case B32_OK:
		return 0;
	case B32_CHECKSUM:
		return fg_error_set(FG_EINVALID,
				    "recipient '%.80s': bad checksum (a typo?)",
				    s);
	default:
		return fg_error_set(FG_EINVALID,
				    "recipient '%.80s' is not an age X25519 "
				    "recipient (age1 followed by 58 "
				    "characters)",
				    s);
	}
}

/* ---- the header --------------------------------------------------------- */

struct stanza {
	char **args; /* NUL-terminated copies; args[0] is the type */
	size_t nargs;
	unsigned char *body;
	size_t body_len;
};

struct fg_age_header {
	struct stanza *v;
	size_t n;
	size_t mac_covered; /* bytes the MAC covers: up to and with "---" */
	size_t len;	    /* header bytes, MAC line and its LF included */
	unsigned char mac[MAC_BYTES];
};

void fg_age_header_free(struct fg_age_header *h)
{
	size_t i, j;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		for (j = 0; j < h->v[i].nargs; j++)
			free(h->v[i].args[j]);
		free(h->v[i].args);
		free(h->v[i].body);
	}
	free(h->v);
	free(h);
}

size_t fg_age_header_len(const struct fg_age_header *h)
{
	return h->len;
}

size_t fg_age_header_count(const struct fg_age_header *h)
{
	return h->n;
}

size_t fg_age_header_nargs(const struct fg_age_header *h, size_t i)
{
	return i < h->n ? h->v[i].nargs : 0;
}

const char *fg_age_header_arg(const struct fg_age_header *h, size_t i,
			      size_t arg)
{
	return i < h->n && arg < h->v[i].nargs ? h->v[i].args[arg] : NULL;
}

size_t fg_age_header_body_len(const struct fg_age_header *h, size_t i)
{
	return i < h->n ? h->v[i].body_len : 0;
}

/* A reader over the header's lines, each ended by LF. */
struct lines {
	const unsigned char *d;
	size_t n, pos;
	unsigned lineno;
};

/*
 * The next line (without its LF): 1 when there is one, 0 at the end of
 * the data without a LF (the header is cut short).
 */
static int next_line(struct lines *L, const unsigned char **line, size_t *len)
{
	const unsigned char *lf;
	size_t room;

	if (L->pos >= L->n || L->pos >= FG_AGE_MAX_HEADER_BYTES)
		return 0;
	room = L->n - L->pos;
	if (room > FG_AGE_MAX_HEADER_BYTES - L->pos)
		room = FG_AGE_MAX_HEADER_BYTES - L->pos;
	if (!(lf = memchr(L->d + L->pos, '\n', room)))
		return 0;
	*line = L->d + L->pos;
	*len = (size_t)(lf - *line);
	L->pos += *len + 1;
	L->lineno++;
	return 1;
}

static int is_vchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* No next line: the header is cut short, or longer than its limit. */
static int no_line(const struct lines *L, enum fg_age_failure *why,
		   const char *where)
{
	if (L->n > FG_AGE_MAX_HEADER_BYTES)
		return fail(why, FG_AGE_FAIL_TOO_LARGE, FG_EINVALID,
			    "the header is longer than the limit of %zu "
			    "bytes",
			    FG_AGE_MAX_HEADER_BYTES);
	return fail(why, FG_AGE_FAIL_TRUNCATED, FG_EINVALID,
		    "truncated: the header ends %s (line %u)", where,
		    L->lineno + 1);
}

/* Split an argument line ("-> a b c") into the stanza's arguments. */
static int stanza_args(struct stanza *st, const unsigned char *p, size_t n,
		       unsigned lineno, enum fg_age_failure *why)
{
	size_t i = 0, start, j;

	while (i <= n) {
		start = i;
		while (i < n && p[i] != ' ')
			i++;
		if (i == start)
			return fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
				    "malformed header at line %u: empty "
				    "stanza argument",
				    lineno);
		for (j = start; j < i; j++)
			if (!is_vchar(p[j]))
				return fail(why, FG_AGE_FAIL_HEADER,
					    FG_EINVALID,
					    "malformed header at line %u: "
					    "byte 0x%02x in a stanza argument",
					    lineno, p[j]);
		if (st->nargs == FG_AGE_MAX_STANZA_ARGS)
			return fail(why, FG_AGE_FAIL_TOO_LARGE, FG_EINVALID,
				    "malformed header at line %u: more than "
				    "%d stanza arguments",
				    lineno, FG_AGE_MAX_STANZA_ARGS);
		if (!st->args && !(st->args = calloc(FG_AGE_MAX_STANZA_ARGS,
						     sizeof(*st->args))))
			return fg_error_set(FG_ERROR, "out of memory");
		if (!(st->args[st->nargs] =
			      strndup((const char *)p + start, i - start)))
			return fg_error_set(FG_ERROR, "out of memory");
		st->nargs++;
		i++; /* the space */
	}
	return 0;
}

/* The body lines of a stanza, up to and with its short final line. */
static int stanza_body(struct stanza *st, struct lines *L,
		       enum fg_age_failure *why)
{
	struct fg_buf text = FG_BUF_INIT;
	const unsigned char *line;
	size_t len, i;
	int err = 0;

	fg_buf_init(&text, FG_AGE_MAX_HEADER_BYTES);
	for (;;) {
		if (!next_line(L, &line, &len)) {
			err = no_line(L, why, "inside a recipient stanza");
			goto done;
		}
		if (len > BODY_COLUMNS) {
			err = fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
				   "malformed header at line %u: stanza body "
				   "line longer than %d columns",
				   L->lineno, BODY_COLUMNS);
			goto done;
		}
		for (i = 0; i < len; i++)
			if (b64_value(line[i]) < 0) {
				err = fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
					   "malformed header at line %u: "
					   "stanza body is not base64 "
					   "(byte 0x%02x)",
					   L->lineno, line[i]);
				goto done;
			}
		if ((err = fg_buf_add(&text, line, len)) < 0)
			goto done;
		if (len < BODY_COLUMNS)
			break; /* the short line ends the stanza */
	}
	st->body_len = b64_raw_len(text.len);
	if (st->body_len == SIZE_MAX) {
		st->body_len = 0;
		err = fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
			   "malformed header at line %u: stanza body is not "
			   "canonical base64",
			   L->lineno);
		goto done;
	}
	if (!(st->body = malloc(st->body_len ? st->body_len : 1))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (b64_raw_decode(st->body, (const unsigned char *)text.ptr,
			   text.len) < 0)
		err = fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
			   "malformed header at line %u: stanza body is not "
			   "canonical base64",
			   L->lineno);
done:
	fg_buf_release(&text);
	return err;
}

/* The MAC line: "--- " and 43 base64 characters. */
static int mac_line(struct fg_age_header *h, const unsigned char *line,
		    size_t len, unsigned lineno, enum fg_age_failure *why)
{
	if (len != 4 + 43 || line[3] != ' ' ||
	    b64_raw_len(43) != sizeof(h->mac) ||
	    b64_raw_decode(h->mac, line + 4, 43) < 0)
		return fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
			    "malformed header at line %u: the MAC line is "
			    "not '--- ' and 43 base64 characters",
			    lineno);
	return 0;
}

int fg_age_header_parse(struct fg_age_header **out, const unsigned char *data,
			size_t len, enum fg_age_failure *why)
{
	struct fg_age_header *h;
	struct lines L = { data, len, 0, 0 };
	const unsigned char *line;
	size_t n, magic = strlen(AGE_MAGIC), i;
	int err = 0;

	*out = NULL;
	if (why)
		*why = FG_AGE_OK;
	if (len == 0)
		return fail(why, FG_AGE_FAIL_NOT_AGE, FG_EINVALID,
			    "not an age file (it is empty)");
	if (len < magic && !memcmp(data, AGE_MAGIC, len))
		return fail(why, FG_AGE_FAIL_TRUNCATED, FG_EINVALID,
			    "truncated: the file ends inside the age "
			    "version line");
	if (len < magic || memcmp(data, AGE_MAGIC, magic))
		return fail(why, FG_AGE_FAIL_NOT_AGE, FG_EINVALID,
			    "not an age file (it does not start with "
			    "'" AGE_MAGIC "v1' or an armor line)");
	if (!next_line(&L, &line, &n))
		return no_line(&L, why, "inside the age version line");
	if (n != strlen(AGE_V1_LINE) || memcmp(line, AGE_V1_LINE, n)) {
		for (i = magic; i < n && is_vchar(line[i]); i++)
			;
		if (i < n || n == magic)
			return fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
				    "malformed header at line 1: the version "
				    "line is not '" AGE_V1_LINE "'");
		return fail(why, FG_AGE_FAIL_VERSION, FG_EINVALID,
			    "unsupported age version '%.*s' (flink-gitops "
			    "reads " AGE_V1_LINE ")",
			    (int)(n - magic > 32 ? 32 : n - magic),
			    (const char *)line + magic);
	}
	if (!(h = calloc(1, sizeof(*h))))
		return fg_error_set(FG_ERROR, "out of memory");
	for (;;) {
		struct stanza *st;
		if (!next_line(&L, &line, &n)) {
			err = no_line(&L, why, "before its MAC line ('---')");
			goto done;
		}
		if (n >= 3 && !memcmp(line, "---", 3)) {
			if (h->n == 0) {
				err = fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
					   "malformed header at line %u: no "
					   "recipient stanza",
					   L.lineno);
				goto done;
			}
			if ((err = mac_line(h, line, n, L.lineno, why)) < 0)
				goto done;
			h->mac_covered = (size_t)(line - data) + 3;
			h->len = L.pos;
			break;
		}
		if (n < 3 || memcmp(line, "-> ", 3)) {
			err = fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
				   "malformed header at line %u: expected a "
				   "recipient stanza ('-> ') or the MAC line "
				   "('---')",
				   L.lineno);
			goto done;
		}
		if (h->n == FG_AGE_MAX_STANZAS) {
			err = fail(why, FG_AGE_FAIL_TOO_LARGE, FG_EINVALID,
				   "the header has more than %d recipient "
				   "stanzas",
				   FG_AGE_MAX_STANZAS);
			goto done;
		}
		if (!h->v &&
		    !(h->v = calloc(FG_AGE_MAX_STANZAS, sizeof(*st)))) {
			err = fg_error_set(FG_ERROR, "out of memory");
			goto done;
		}
		st = &h->v[h->n++];
		if ((err = stanza_args(st, line + 3, n - 3, L.lineno, why)) <
			    0 ||
		    (err = stanza_body(st, &L, why)) < 0)
			goto done;
	}
done:
	if (err) {
		fg_age_header_free(h);
		return err;
	}
	*out = h;
	return 0;
}

static int header_encode_stanza(struct fg_buf *out, const unsigned char *share,
				const unsigned char *body, size_t body_len)
{
	int err;

	/* a 32-byte body is 43 characters: one short line, the last */
	if ((err = fg_buf_puts(out, "-> X25519 ")) < 0 ||
	    (err = b64_raw_encode(out, share, FG_AGE_KEY_BYTES)) < 0 ||
	    (err = fg_buf_putc(out, '\n')) < 0 ||
	    (err = b64_raw_encode(out, body, body_len)) < 0)
		return err;
	return fg_buf_putc(out, '\n');
}

/* ---- the armor ---------------------------------------------------------- */

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int fg_age_is_armored(const unsigned char *data, size_t len)
{
	size_t i = 0, scan;

	while (i < len && is_space(data[i]))
		i++;
	if (len - i >= 5 && !memcmp(data + i, "-----", 5))
		return 1;
	if (len - i >= strlen(AGE_MAGIC) &&
	    !memcmp(data + i, AGE_MAGIC, strlen(AGE_MAGIC)))
		return 0;
	/* text before an armor block is an armor error, not "not age" */
	scan = len < 4096 ? len : 4096;
	for (; i + strlen(ARMOR_BEGIN) <= scan; i++)
		if (!memcmp(data + i, ARMOR_BEGIN, strlen(ARMOR_BEGIN)))
			return 1;
	return 0;
}

int fg_age_armor_decode(struct fg_buf *out, const unsigned char *data,
			size_t len)
{
	const size_t nb = strlen(ARMOR_BEGIN), ne = strlen(ARMOR_END);
	struct fg_buf text = FG_BUF_INIT;
	size_t b = 0, e = len, pos, pad = 0, blen;
	unsigned char *bin = NULL;
	unsigned lineno = 1;
	int err = 0, ended = 0;

	fg_buf_init(&text, FG_AGE_MAX_FILE_BYTES);
	/* whitespace around the block is allowed, nothing else */
	while (b < e && is_space(data[b]))
		b++;
	while (e > b && is_space(data[e - 1]))
		e--;
	pos = b + nb;
	if (pos < e && data[pos] == '\r')
		pos++;
	if (e - b < nb || memcmp(data + b, ARMOR_BEGIN, nb) || pos >= e ||
	    data[pos] != '\n') {
		err = fg_error_set(FG_EINVALID,
				   "bad armor: line 1 is not '" ARMOR_BEGIN
				   "'");
		goto done;
	}
	pos++;
	/* base64 lines of 64 columns, the last one 1 to 64; LF or CRLF */
	for (;;) {
		size_t start = pos, n, i, eq = 0;
		lineno++;
		while (pos < e && data[pos] != '\n')
			pos++;
		n = pos - start;
		if (n && data[start + n - 1] == '\r')
			n--;
		if (n == ne && !memcmp(data + start, ARMOR_END, ne)) {
			if (pos == e)
				break;
			err = fg_error_set(FG_EINVALID,
					   "bad armor: text after the "
					   "'" ARMOR_END "' line");
			goto done;
		}
		if (pos >= e) {
			err = fg_error_set(FG_EINVALID,
					   "bad armor: no '" ARMOR_END
					   "' line");
			goto done;
		}
		pos++; /* the LF */
		if (n == 0 || n > ARMOR_COLUMNS || ended) {
			err = fg_error_set(
				FG_EINVALID, "bad armor: line %u: %s", lineno,
				n == 0		    ? "empty line"
				: n > ARMOR_COLUMNS ? "longer than 64 columns"
						    : "only the last line may "
						      "be shorter than 64 "
						      "columns");
			goto done;
		}
		while (eq < 2 && eq < n && data[start + n - 1 - eq] == '=')
			eq++;
		for (i = 0; i < n - eq; i++)
			if (b64_value(data[start + i]) < 0) {
				err = fg_error_set(FG_EINVALID,
						   "bad armor: line %u, column "
						   "%zu: not base64",
						   lineno, i + 1);
				goto done;
			}
		ended = n < ARMOR_COLUMNS || eq;
		pad = eq;
		if ((err = fg_buf_add(&text, data + start, n - eq)) < 0)
			goto done;
	}
	/* padded to a multiple of 4, and canonical */
	if ((text.len + pad) % 4 != 0 || (pad && text.len % 4 != 4 - pad) ||
	    (blen = b64_raw_len(text.len)) == SIZE_MAX) {
		err = fg_error_set(FG_EINVALID,
				   "bad armor: the base64 is not padded to a "
				   "multiple of 4 characters");
		goto done;
	}
	if (!(bin = malloc(blen + 1))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (b64_raw_decode(bin, (const unsigned char *)text.ptr, text.len) <
	    0) {
		err = fg_error_set(FG_EINVALID,
				   "bad armor: the base64 is not canonical");
		goto done;
	}
	err = fg_buf_add(out, bin, blen);
done:
	free(bin);
	fg_buf_release(&text);
	return err;
}

/* Append `n` bytes as ASCII armor. */
static int armor_encode(struct fg_buf *out, const unsigned char *in, size_t n)
{
	struct fg_buf b64 = FG_BUF_INIT;
	size_t i;
	int err;

	fg_buf_init(&b64, FG_AGE_MAX_FILE_BYTES * 2);
	if ((err = b64_raw_encode(&b64, in, n)) < 0)
		goto done;
	while (b64.len % 4 && !err)
		err = fg_buf_putc(&b64, '=');
	if (err || (err = fg_buf_puts(out, ARMOR_BEGIN "\n")) < 0)
		goto done;
	for (i = 0; i < b64.len && !err; i += ARMOR_COLUMNS) {
		size_t k = b64.len - i < ARMOR_COLUMNS ? b64.len - i
						       : ARMOR_COLUMNS;
		if ((err = fg_buf_add(out, b64.ptr + i, k)) == 0)
			err = fg_buf_putc(out, '\n');
	}
	if (!err)
		err = fg_buf_puts(out, ARMOR_END "\n");
done:
	fg_buf_release(&b64);
	return err;
}

/* ---- identities --------------------------------------------------------- */

struct age_key {
	unsigned char sk[FG_AGE_KEY_BYTES];
	unsigned char pk[FG_AGE_KEY_BYTES];
};

struct fg_age_identities {
	struct age_key *keys; /* sodium_allocarray(FG_AGE_MAX_IDENTITIES) */
	size_t n;
};

int fg_age_identities_new(struct fg_age_identities **out)
{
	struct fg_age_identities *ids;

	*out = NULL;
	if (sodium_ready() < 0)
		return FG_ERROR;
	if (!(ids = calloc(1, sizeof(*ids))))
		return fg_error_set(FG_ERROR, "out of memory");
	if (!(ids->keys = sodium_allocarray(FG_AGE_MAX_IDENTITIES,
					    sizeof(*ids->keys)))) {
		free(ids);
		return fg_error_set(FG_ERROR, "out of memory (secret memory)");
	}
	*out = ids;
	return 0;
}

void fg_age_identities_free(struct fg_age_identities *ids)
{
	if (!ids)
		return;
	sodium_free(ids->keys);
	free(ids);
}

size_t fg_age_identities_count(const struct fg_age_identities *ids)
{
	return ids ? ids->n : 0;
}

int fg_age_identities_recipient(const struct fg_age_identities *ids, size_t i,
				char out[FG_AGE_RECIPIENT_CHARS + 1])
{
	if (!ids || i >= ids->n)
		return fg_error_set(FG_ENOTFOUND, "no identity %zu", i);
	bech32_encode(out, HRP_RECIPIENT, ids->keys[i].pk, FG_AGE_KEY_BYTES, 0);
	return 0;
}

/* One non-comment line of an identity file. */
static int identity_line(struct fg_age_identities *ids, const char *name,
			 unsigned lineno, const char *s, size_t n)
{
	struct age_key *k;
	const char *what = NULL;

	if (has_prefix_nocase(s, n, "AGE-SECRET-KEY-PQ-1"))
		what = "a post-quantum identity (AGE-SECRET-KEY-PQ-1...)";
	else if (has_prefix_nocase(s, n, "AGE-PLUGIN-"))
		what = "an age plugin identity (AGE-PLUGIN-...)";
	else if (has_prefix_nocase(s, n, "-----BEGIN OPENSSH") ||
		 has_prefix_nocase(s, n, "-----BEGIN RSA") ||
		 has_prefix_nocase(s, n, "ssh-"))
		what = "an SSH key";
	else if (has_prefix_nocase(s, n, ARMOR_BEGIN) ||
		 has_prefix_nocase(s, n, AGE_MAGIC))
		what = "an encrypted (passphrase-protected) identity file";
	if (what)
		return fg_error_set(FG_EINVALID,
				    "%s:%u: %s is not supported; flink-gitops "
				    "reads X25519 identities "
				    "(AGE-SECRET-KEY-1..., from "
				    "'flink-gitops secret keygen' or "
				    "age-keygen)",
				    name, lineno, what);
	if (ids->n == FG_AGE_MAX_IDENTITIES)
		return fg_error_set(FG_EINVALID,
				    "%s:%u: more than %d identities", name,
				    lineno, FG_AGE_MAX_IDENTITIES);
	k = &ids->keys[ids->n];
	switch (bech32_decode(k->sk, FG_AGE_KEY_BYTES, HRP_IDENTITY, s, n)) {
	case B32_OK:
		break;
	case B32_CHECKSUM:
		return fg_error_set(FG_EINVALID,
				    "%s:%u: age identity with a bad checksum",
				    name, lineno);
	default:
		return fg_error_set(FG_EINVALID,
				    "%s:%u: not an age identity (expected "
				    "AGE-SECRET-KEY-1... or a '#' comment)",
				    name, lineno);
	}
	crypto_scalarmult_base(k->pk, k->sk);
	ids->n++;
	return 0;
}

int fg_age_identities_add_text(struct fg_age_identities *ids, const char *name,
			       const char *text, size_t len)
{
	size_t pos = 0, before = ids->n;
	unsigned lineno = 0;
	int err = 0;

	while (pos < len && !err) {
		const char *line = text + pos, *nl;
		size_t n;
		nl = memchr(line, '\n', len - pos);
		n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl != NULL);
		lineno++;
		while (n && is_space((unsigned char)line[n - 1]))
			n--;
		while (n && is_space((unsigned char)*line)) {
			line++;
			n--;
		}
		if (n == 0 || line[0] == '#')
			continue;
		err = identity_line(ids, name, lineno, line, n);
	}
	if (!err && ids->n == before)
		err = fg_error_set(FG_EINVALID,
				   "%s: no identity in the file (expected "
				   "AGE-SECRET-KEY-1... lines)",
				   name);
	if (err) {
		/* all or nothing: forget what this file added */
		sodium_memzero(ids->keys + before,
			       (ids->n - before) * sizeof(*ids->keys));
		ids->n = before;
	}
	return err;
}

int fg_age_identities_add_file(struct fg_age_identities *ids, const char *path)
{
	struct fg_age_secret text = { NULL, 0 };
	int err;

	if ((err = fg_age_secret_read_file(&text, path,
					   FG_AGE_MAX_IDENTITY_FILE)) < 0)
		return fg_error_wrap(err, "age identity file");
	err = fg_age_identities_add_text(ids, path, (const char *)text.ptr,
					 text.len);
	fg_age_secret_release(&text);
	return err;
}

static int cmp_key_pk(const void *a, const void *b)
{
	return memcmp(((const struct age_key *)a)->pk,
		      ((const struct age_key *)b)->pk, FG_AGE_KEY_BYTES);
}

int fg_age_identities_redaction_key(const struct fg_age_identities *ids,
				    unsigned char key[32])
{
	struct age_key *sorted;
	size_t i, n = 0;
	int err;

	if (!ids || !ids->n)
		return fg_error_set(FG_ENOTFOUND, "no identity");
	if (sodium_ready() < 0)
		return FG_ERROR;
	if (!(sorted = sodium_allocarray(ids->n, sizeof(*sorted))))
		return fg_error_set(FG_ERROR, "out of memory (secret memory)");
	memcpy(sorted, ids->keys, ids->n * sizeof(*sorted));
	qsort(sorted, ids->n, sizeof(*sorted), cmp_key_pk);
	/* one identity given twice is the same set */
	for (i = 0; i < ids->n; i++)
		if (!n ||
		    memcmp(sorted[i].pk, sorted[n - 1].pk, FG_AGE_KEY_BYTES))
			sorted[n++] = sorted[i];
	err = fg_hkdf_sha256(key, 32, NULL, 0, (const unsigned char *)sorted,
			     n * sizeof(*sorted),
			     (const unsigned char *)REDACTION_INFO,
			     strlen(REDACTION_INFO));
	sodium_free(sorted);
	return err;
}

int fg_age_keygen(struct fg_age_secret *identity,
		  char recipient[FG_AGE_RECIPIENT_CHARS + 1])
{
	struct age_key *k;
	int err;

	identity->ptr = NULL;
	identity->len = 0;
	if (sodium_ready() < 0)
		return FG_ERROR;
	if (!(k = sodium_malloc(sizeof(*k))))
		return fg_error_set(FG_ERROR, "out of memory (secret memory)");
	randombytes_buf(k->sk, sizeof(k->sk));
	crypto_scalarmult_base(k->pk, k->sk);
	if ((err = fg_age_secret_alloc(identity, FG_AGE_IDENTITY_CHARS)) == 0) {
		bech32_encode((char *)identity->ptr, HRP_IDENTITY, k->sk,
			      FG_AGE_KEY_BYTES, 1);
		bech32_encode(recipient, HRP_RECIPIENT, k->pk, FG_AGE_KEY_BYTES,
			      0);
	}
	sodium_free(k);
	return err;
}

/* ---- keys of one file --------------------------------------------------- */

/* Everything secret of one encryption or decryption, in secret memory. */
struct file_keys {
	unsigned char file_key[FILE_KEY_BYTES];
	unsigned char mac_key[32];
	unsigned char payload_key[32];
	unsigned char wrap_key[32];
	unsigned char shared[32];
	unsigned char eph_sk[32];
};

static int derive(unsigned char out[32], const unsigned char *ikm,
		  size_t ikm_len, const unsigned char *salt, size_t salt_len,
		  const char *info)
{
	return fg_hkdf_sha256(out, 32, salt, salt_len, ikm, ikm_len,
			      (const unsigned char *)info, strlen(info));
}

static int header_mac(unsigned char mac[MAC_BYTES], struct file_keys *k,
		      const unsigned char *header, size_t covered)
{
	int err;

	if ((err = derive(k->mac_key, k->file_key, FILE_KEY_BYTES, NULL, 0,
			  "header")) < 0)
		return err;
	crypto_auth_hmacsha256(mac, header, covered, k->mac_key);
	return 0;
}

/* ---- X25519 stanzas ----------------------------------------------------- */

/* The checks the spec makes of every X25519 stanza, matching or not. */
static int x25519_check(const struct stanza *st, size_t i,
			unsigned char share[FG_AGE_KEY_BYTES],
			enum fg_age_failure *why)
{
	size_t alen;

	if (st->nargs != 2)
		return fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
			    "malformed header: X25519 stanza %zu has %zu "
			    "arguments, not 2",
			    i + 1, st->nargs);
	alen = strlen(st->args[1]);
	if (b64_raw_len(alen) != FG_AGE_KEY_BYTES ||
	    b64_raw_decode(share, (const unsigned char *)st->args[1], alen) < 0)
		return fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
			    "malformed header: X25519 stanza %zu: the "
			    "ephemeral share is not 32 bytes of canonical "
			    "base64",
			    i + 1);
	if (st->body_len != FILE_KEY_BYTES + TAG_BYTES)
		return fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
			    "malformed header: X25519 stanza %zu: the "
			    "wrapped file key is %zu bytes, not %d",
			    i + 1, st->body_len, FILE_KEY_BYTES + TAG_BYTES);
	return 0;
}

/*
 * Try to unwrap the file key of one X25519 stanza with one identity:
 * 1 unwrapped (into k->file_key), 0 not for this identity, or an error.
 */
static int x25519_unwrap(struct file_keys *k, const struct stanza *st, size_t i,
			 const unsigned char share[FG_AGE_KEY_BYTES],
			 const struct age_key *id, enum fg_age_failure *why)
{
	static const unsigned char zero_nonce[12];
	unsigned char salt[2 * FG_AGE_KEY_BYTES];
	int err;

	/* libsodium refuses an all-zero result: a low-order share */
	if (crypto_scalarmult(k->shared, id->sk, share) != 0)
		return fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
			    "malformed header: X25519 stanza %zu: the "
			    "ephemeral share is a low-order point",
			    i + 1);
	memcpy(salt, share, FG_AGE_KEY_BYTES);
	memcpy(salt + FG_AGE_KEY_BYTES, id->pk, FG_AGE_KEY_BYTES);
	if ((err = derive(k->wrap_key, k->shared, sizeof(k->shared), salt,
			  sizeof(salt), X25519_INFO)) < 0)
		return err;
	return crypto_aead_chacha20poly1305_ietf_decrypt(
		       k->file_key, NULL, NULL, st->body, st->body_len, NULL, 0,
		       zero_nonce, k->wrap_key) == 0;
}

static int x25519_wrap(struct fg_buf *header, struct file_keys *k,
		       const unsigned char pk[FG_AGE_KEY_BYTES])
{
	static const unsigned char zero_nonce[12];
	unsigned char share[FG_AGE_KEY_BYTES], salt[2 * FG_AGE_KEY_BYTES];
	unsigned char body[FILE_KEY_BYTES + TAG_BYTES];
	int err;

	randombytes_buf(k->eph_sk, sizeof(k->eph_sk));
	crypto_scalarmult_base(share, k->eph_sk);
	if (crypto_scalarmult(k->shared, k->eph_sk, pk) != 0)
		return fg_error_set(FG_EINVALID,
				    "recipient is not a usable X25519 public "
				    "key (a low-order point)");
	memcpy(salt, share, FG_AGE_KEY_BYTES);
	memcpy(salt + FG_AGE_KEY_BYTES, pk, FG_AGE_KEY_BYTES);
	if ((err = derive(k->wrap_key, k->shared, sizeof(k->shared), salt,
			  sizeof(salt), X25519_INFO)) < 0)
		return err;
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, k->file_key,
						  FILE_KEY_BYTES, NULL, 0, NULL,
						  zero_nonce, k->wrap_key);
	return header_encode_stanza(header, share, body, sizeof(body));
}

/* ---- STREAM -------------------------------------------------------------- */

static void stream_nonce(unsigned char nonce[12], uint64_t counter, int last)
{
	int i;

	memset(nonce, 0, 12);
	for (i = 0; i < 8; i++)
		nonce[10 - i] = (unsigned char)(counter >> (8 * i));
	nonce[11] = last ? 1 : 0;
}

/* Decrypt chunk `c`; 0 when it authenticates with flag `last`. */
static int open_chunk(unsigned char *out, const unsigned char *ct, size_t n,
		      uint64_t c, int last, const unsigned char key[32])
{
	unsigned char nonce[12];

	stream_nonce(nonce, c, last);
	return crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, ct, n,
							 NULL, 0, nonce, key);
}

/* The payload after the nonce: `ct` of `n` bytes into `out`. */
static int stream_open(struct fg_age_secret *out, const unsigned char *ct,
		       size_t n, const unsigned char key[32],
		       size_t max_plaintext, enum fg_age_failure *why)
{
	const size_t full = FG_AGE_CHUNK_BYTES + TAG_BYTES;
	size_t chunks, last, plain, off = 0, o = 0;
	uint64_t c;
	int err;

	if (n == 0)
		return fail(why, FG_AGE_FAIL_PAYLOAD, FG_EINVALID,
			    "truncated: no payload after the nonce");
	/* room for every chunk that can authenticate */
	chunks = n / full + (n % full != 0);
	last = n - (chunks - 1) * full;
	plain = (chunks - 1) * FG_AGE_CHUNK_BYTES +
		(last > TAG_BYTES ? last - TAG_BYTES : 0);
	if (plain > max_plaintext)
		return fail(why, FG_AGE_FAIL_TOO_LARGE, FG_EINVALID,
			    "the decrypted payload would be above the limit "
			    "of %zu bytes",
			    max_plaintext);
	if ((err = fg_age_secret_alloc(out, plain)) < 0)
		return err;
	for (c = 0;; c++) {
		size_t left = n - off, take = left < full ? left : full;
		if (take < TAG_BYTES) {
			err = fail(why, FG_AGE_FAIL_PAYLOAD, FG_EINVALID,
				   "truncated: chunk %ju is shorter than its "
				   "authentication tag",
				   (uintmax_t)c);
			break;
		}
		if (left > full) {
			/* more follows: this must be a non-final chunk */
			if (open_chunk(out->ptr + o, ct + off, take, c, 0,
				       key) == 0) {
				off += take;
				o += take - TAG_BYTES;
				continue;
			}
			err = open_chunk(out->ptr + o, ct + off, take, c, 1,
					 key) == 0
				      ? fail(why, FG_AGE_FAIL_PAYLOAD,
					     FG_EINVALID,
					     "payload authentication failed: "
					     "data after the final chunk "
					     "(chunk %ju) (tampered)",
					     (uintmax_t)c)
				      : fail(why, FG_AGE_FAIL_PAYLOAD,
					     FG_EINVALID,
					     "payload authentication failed "
					     "at chunk %ju (tampered)",
					     (uintmax_t)c);
			break;
		}
		if (open_chunk(out->ptr + o, ct + off, take, c, 1, key) == 0) {
			if (take == TAG_BYTES && c > 0) {
				err = fail(why, FG_AGE_FAIL_PAYLOAD,
					   FG_EINVALID,
					   "payload authentication failed: "
					   "the final chunk (chunk %ju) is "
					   "empty (tampered)",
					   (uintmax_t)c);
				break;
			}
			o += take - TAG_BYTES;
			err = 0;
			break;
		}
		if (take == full &&
		    open_chunk(out->ptr + o, ct + off, take, c, 0, key) == 0)
			err = fail(why, FG_AGE_FAIL_PAYLOAD, FG_EINVALID,
				   "truncated: the payload ends after chunk "
				   "%ju, without its final chunk",
				   (uintmax_t)c);
		else
			err = fail(why, FG_AGE_FAIL_PAYLOAD, FG_EINVALID,
				   "payload authentication failed at chunk "
				   "%ju (tampered or truncated)",
				   (uintmax_t)c);
		break;
	}
	if (err) {
		fg_age_secret_release(out);
		return err;
	}
	out->len = o;
	out->ptr[o] = '\0';
	return 0;
}

/* ---- the two directions -------------------------------------------------- */

int fg_age_encrypt(struct fg_buf *out, const unsigned char *plain, size_t len,
		   const unsigned char (*pks)[FG_AGE_KEY_BYTES], size_t npks,
		   int armor)
{
	struct fg_buf bin = FG_BUF_INIT;
	struct file_keys *k = NULL;
	unsigned char mac[MAC_BYTES], nonce[NONCE_BYTES], cn[12];
	size_t i, off = 0, before;
	uint64_t c = 0;
	int err = 0;

	if (npks == 0)
		return fg_error_set(FG_EINVALID, "no recipient");
	if (npks > FG_AGE_MAX_STANZAS)
		return fg_error_set(FG_EINVALID, "more than %d recipients",
				    FG_AGE_MAX_STANZAS);
	if (len > FG_AGE_MAX_PLAINTEXT)
		return fg_error_set(FG_EINVALID,
				    "%zu bytes to encrypt, above the limit of "
				    "%zu",
				    len, FG_AGE_MAX_PLAINTEXT);
	fg_buf_init(&bin, FG_AGE_MAX_FILE_BYTES);
	if (sodium_ready() < 0)
		return FG_ERROR;
	if (!(k = sodium_malloc(sizeof(*k)))) {
		err = fg_error_set(FG_ERROR, "out of memory (secret memory)");
		goto done;
	}
	randombytes_buf(k->file_key, sizeof(k->file_key));
	if ((err = fg_buf_puts(&bin, AGE_V1_LINE "\n")) < 0)
		goto done;
	for (i = 0; i < npks; i++)
		if ((err = x25519_wrap(&bin, k, pks[i])) < 0)
			goto done;
	if ((err = fg_buf_puts(&bin, "---")) < 0 ||
	    (err = header_mac(mac, k, (const unsigned char *)bin.ptr,
			      bin.len)) < 0 ||
	    (err = fg_buf_putc(&bin, ' ')) < 0 ||
	    (err = b64_raw_encode(&bin, mac, sizeof(mac))) < 0 ||
	    (err = fg_buf_putc(&bin, '\n')) < 0)
		goto done;
	randombytes_buf(nonce, sizeof(nonce));
	if ((err = fg_buf_add(&bin, nonce, sizeof(nonce))) < 0 ||
	    (err = derive(k->payload_key, k->file_key, FILE_KEY_BYTES, nonce,
			  sizeof(nonce), "payload")) < 0)
		goto done;
	/* full chunks, then a final one; empty only for an empty payload */
	do {
		size_t take = len - off > FG_AGE_CHUNK_BYTES
				      ? FG_AGE_CHUNK_BYTES
				      : len - off;
		int last = off + take == len;
		before = bin.len;
		if ((err = fg_buf_grow(&bin, take + TAG_BYTES)) < 0)
			goto done;
		stream_nonce(cn, c++, last);
		crypto_aead_chacha20poly1305_ietf_encrypt(
			(unsigned char *)bin.ptr + before, NULL, plain + off,
			take, NULL, 0, NULL, cn, k->payload_key);
		bin.len = before + take + TAG_BYTES;
		bin.ptr[bin.len] = '\0';
		off += take;
	} while (off < len);
	if (armor)
		err = armor_encode(out, (const unsigned char *)bin.ptr,
				   bin.len);
	else
		err = fg_buf_add(out, bin.ptr, bin.len);
done:
	if (k)
		sodium_free(k);
	fg_buf_release(&bin);
	return err;
}

/* The X25519 stanzas' file key, with any identity; see fg_age_decrypt. */
static int unwrap_file_key(struct file_keys *k, const struct fg_age_header *h,
			   const struct fg_age_identities *ids,
			   enum fg_age_failure *why)
{
	unsigned char share[FG_AGE_KEY_BYTES];
	const char *other = NULL;
	size_t i, j, nx = 0;
	int rc;

	for (i = 0; i < h->n; i++) {
		const char *type = h->v[i].args[0];
		if (!strcmp(type, "scrypt") && h->n > 1)
			return fail(why, FG_AGE_FAIL_HEADER, FG_EINVALID,
				    "malformed header: an scrypt stanza must "
				    "be alone in the header");
		if (strcmp(type, "X25519")) {
			if (!other)
				other = type;
			continue;
		}
		if ((rc = x25519_check(&h->v[i], i, share, why)) < 0)
			return rc;
		nx++;
	}
	if (nx == 0)
		return fail(why, FG_AGE_FAIL_UNKNOWN_TYPE, FG_EINVALID,
			    "unknown recipient type '%.40s'%s", other,
			    !strcmp(other, "scrypt")
				    ? " (a passphrase-encrypted file; "
				      "flink-gitops reads files encrypted to "
				      "X25519 recipients, age1...)"
				    : " (flink-gitops reads X25519 recipients, "
				      "age1...)");
	if (!ids || ids->n == 0)
		return fail(why, FG_AGE_FAIL_NO_IDENTITY, FG_EINVALID,
			    "no age identity given (--age-identity or "
			    "FLINK_GITOPS_AGE_IDENTITY)");
	for (i = 0; i < h->n; i++) {
		if (strcmp(h->v[i].args[0], "X25519"))
			continue;
		x25519_check(&h->v[i], i, share, NULL);
		for (j = 0; j < ids->n; j++) {
			rc = x25519_unwrap(k, &h->v[i], i, share, &ids->keys[j],
					   why);
			if (rc != 0)
				return rc < 0 ? rc : 0;
		}
	}
	return fail(why, FG_AGE_FAIL_NO_MATCH, FG_EINVALID,
		    "no identity matches any recipient (%zu X25519 "
		    "recipient%s in the file, %zu identit%s given)%s",
		    nx, nx == 1 ? "" : "s", ids->n, ids->n == 1 ? "y" : "ies",
		    other ? "; other recipient types are not supported" : "");
}

int fg_age_decrypt(struct fg_age_secret *out, const unsigned char *data,
		   size_t len, const struct fg_age_identities *ids,
		   enum fg_age_failure *why)
{
	return fg_age_decrypt_limited(out, data, len, ids, FG_AGE_MAX_PLAINTEXT,
				      why);
}

int fg_age_decrypt_limited(struct fg_age_secret *out, const unsigned char *data,
			   size_t len, const struct fg_age_identities *ids,
			   size_t max_plaintext, enum fg_age_failure *why)
{
	const size_t max_file =
		FG_AGE_MAX_FILE_BYTES / FG_AGE_MAX_PLAINTEXT * max_plaintext;
	struct fg_buf bin = FG_BUF_INIT;
	struct fg_age_header *h = NULL;
	struct file_keys *k = NULL;
	unsigned char mac[MAC_BYTES];
	size_t payload;
	int err;

	out->ptr = NULL;
	out->len = 0;
	if (why)
		*why = FG_AGE_OK;
	if (len > max_file)
		return fail(why, FG_AGE_FAIL_TOO_LARGE, FG_EINVALID,
			    "file is %zu bytes, above the limit of %zu", len,
			    max_file);
	if (fg_age_is_armored(data, len)) {
		fg_buf_init(&bin, max_file);
		if ((err = fg_age_armor_decode(&bin, data, len)) < 0) {
			if (why)
				*why = FG_AGE_FAIL_ARMOR;
			goto done;
		}
		data = (const unsigned char *)bin.ptr;
		len = bin.len;
	}
	if ((err = fg_age_header_parse(&h, data, len, why)) < 0)
		goto done;
	if ((err = sodium_ready()) < 0)
		goto done;
	if (!(k = sodium_malloc(sizeof(*k)))) {
		err = fg_error_set(FG_ERROR, "out of memory (secret memory)");
		goto done;
	}
	if ((err = unwrap_file_key(k, h, ids, why)) < 0)
		goto done;
	if ((err = header_mac(mac, k, data, h->mac_covered)) < 0)
		goto done;
	if (crypto_verify_32(mac, h->mac) != 0) {
		err = fail(why, FG_AGE_FAIL_HMAC, FG_EINVALID,
			   "header MAC mismatch (file tampered or "
			   "corrupted)");
		goto done;
	}
	payload = len - h->len;
	if (payload < NONCE_BYTES) {
		err = fail(why, FG_AGE_FAIL_TRUNCATED, FG_EINVALID,
			   "truncated: the payload nonce is %zu of %d bytes",
			   payload, NONCE_BYTES);
		goto done;
	}
	if ((err = derive(k->payload_key, k->file_key, FILE_KEY_BYTES,
			  data + h->len, NONCE_BYTES, "payload")) < 0)
		goto done;
	err = stream_open(out, data + h->len + NONCE_BYTES,
			  payload - NONCE_BYTES, k->payload_key, max_plaintext,
			  why);
done:
	if (k)
		sodium_free(k);
	fg_age_header_free(h);
	fg_buf_release(&bin);
	return err;
}
