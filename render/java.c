/*
 * What the operator's Java runtime does with strings: see java.h.
 *
 * Sources read (behaviour and messages, not code): JDK 17
 * java.lang.Double/Integer, java.math.BigDecimal, java.net.URI, URL,
 * InetAddress and sun.net.util.IPAddressUtil (jdk17u), java.time.Duration;
 * fabric8 kubernetes-model Quantity (7.x).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/java.h"
#include "render/base/banned.h"

void fg_java_trim(const char **b, const char **e)
{
	while (*b < *e && (unsigned char)**b <= ' ')
		(*b)++;
	while (*e > *b && (unsigned char)(*e)[-1] <= ' ')
		(*e)--;
}

/* ---- numbers as Java reads and prints them ------------------------------ */

static int digits_at(char **p, int hex)
{
	int n = 0;

	while (hex ? isxdigit((unsigned char)**p)
		   : isdigit((unsigned char)**p)) {
		(*p)++;
		n++;
	}
	return n;
}

/* FloatingDecimal.readJavaFormatString: the grammar, then strtod. */
int fg_java_parse_double(const char *s, double *out)
{
	const char *b = s, *e = s + strlen(s);
	char tmp[512], *p;
	size_t n;
	int neg = 0, hex, mant;

	fg_java_trim(&b, &e);
	n = (size_t)(e - b);
	if (n == 0 || n >= sizeof(tmp))
		return FG_EINVALID;
	memcpy(tmp, b, n);
	tmp[n] = '\0';
	p = tmp;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!strcmp(p, "NaN")) {
		*out = NAN;
		return 0;
	}
	if (!strcmp(p, "Infinity")) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	if (hex)
		p += 2;
	mant = digits_at(&p, hex);
	if (*p == '.') {
		p++;
		mant += digits_at(&p, hex);
	}
	if (!mant)
		return FG_EINVALID;
	/* a hexadecimal number needs its binary exponent */
	if (hex ? (*p == 'p' || *p == 'P') : (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!digits_at(&p, 0))
			return FG_EINVALID;
	} else if (hex) {
		return FG_EINVALID;
	}
	if (*p && strchr("fFdD", *p))
		*p++ = '\0'; /* the type suffix */
	if (*p)
		return FG_EINVALID;
	*out = strtod(tmp, NULL); /* overflow: +-Infinity, as Java */
	return 0;
}

/* Integer.parseInt(String): Character.digit accepts ASCII digits here. */
int fg_java_parse_int(const char *s, int *out)
{
	long long v = 0;
	size_t i = 0, n = strlen(s);
	int neg = 0;

	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		goto bad;
	for (; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			goto bad;
		v = v * 10 + (s[i] - '0');
		if (v > (long long)INT_MAX + 1)
			goto bad;
	}
	if (!neg && v > INT_MAX)
		goto bad;
	*out = (int)(neg ? -v : v);
	return 0;
bad:
	return fg_error_set(FG_EINVALID, "For input string: \"%s\"", s);
}

/* Double.toString: "0.7", "1.0", "1.0E-5", "Infinity". */
void fg_java_double_text(double d, char *buf, size_t size)
{
	char e[48], digits[24];
	const char *m;
	size_t nd = 0;
	int exp10, p;

	if (isnan(d)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, size, "%s", d < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (d == 0) {
		snprintf(buf, size, "%s", signbit(d) ? "-0.0" : "0.0");
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	m = e[0] == '-' ? e + 1 : e;
	for (; *m && *m != 'e'; m++)
		if (isdigit((unsigned char)*m) && nd < sizeof(digits) - 1)
			digits[nd++] = *m;
	digits[nd] = '\0';
	exp10 = *m == 'e' ? (int)strtol(m + 1, NULL, 10) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = '\0';

	struct fg_buf b = FG_BUF_INIT;
	int err = 0;
	if (d < 0)
		err |= fg_buf_putc(&b, '-');
	if (fabs(d) >= 1e-3 && fabs(d) < 1e7) {
		if (exp10 >= 0) {
			for (int i = 0; i <= exp10; i++)
				err |= fg_buf_putc(
					&b, (size_t)i < nd ? digits[i] : '0');
			err |= fg_buf_putc(&b, '.');
			if ((size_t)exp10 + 1 < nd)
				err |= fg_buf_puts(&b, digits + exp10 + 1);
			else
				err |= fg_buf_putc(&b, '0');
		} else {
			err |= fg_buf_puts(&b, "0.");
			for (int i = 0; i < -exp10 - 1; i++)
				err |= fg_buf_putc(&b, '0');
			err |= fg_buf_puts(&b, digits);
		}
	} else {
		err |= fg_buf_printf(&b, "%c.%s", digits[0],
				     nd > 1 ? digits + 1 : "0");
		err |= fg_buf_printf(&b, "E%d", exp10);
	}
	snprintf(buf, size, "%s", err ? "?" : b.ptr);
	fg_buf_release(&b);
}

/* ---- InetAddress literals (JDK 17 InetAddress, IPAddressUtil) ------------ */

/* IPAddressUtil.textToNumericFormatV4: decimal a, a.b, a.b.c, a.b.c.d */
static int v4_text(const char *s, size_t len, unsigned char res[4])
{
	long long tmp = 0;
	int cur = 0, fresh = 1;

	if (len == 0 || len > 15)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (fresh || tmp > 0xff || cur == 3)
				return 0;
			res[cur++] = (unsigned char)tmp;
			tmp = 0;
			fresh = 1;
		} else if (s[i] >= '0' && s[i] <= '9') {
			tmp = tmp * 10 + (s[i] - '0');
			fresh = 0;
		} else {
			return 0;
		}
	}
	if (fresh || tmp >= (1LL << ((4 - cur) * 8)))
		return 0;
	for (int k = cur; k < 4; k++)
		res[k] = (unsigned char)(tmp >> ((3 - k) * 8));
	return 1;
}

static int ascii_digit(char c, int radix)
{
	int v;

	if (radix == 16) {
		c = (char)tolower((unsigned char)c);
		if (c >= 'a' && c <= 'f')
			return c - 'a' + 10;
		radix = 10;
	}
	v = c - '0';
	return v < 0 || v >= radix ? -1 : v;
}

#define BSD_CANT (-1)
#define BSD_TERMINAL (-2)

/* IPAddressUtil.parseV4FieldBsd, its long arithmetic wrapping as Java's */
static long long bsd_field(const char *s, size_t len, size_t *pos, int radix,
			   int field)
{
	size_t start = *pos;
	unsigned long long val = 0;
	int digits = 0, dot = 0, cant = 0;

	if (radix == 16) {
		cant = len - *pos < 2 || s[*pos] != '0' ||
		       (s[*pos + 1] != 'x' && s[*pos + 1] != 'X');
		if (!cant)
			*pos += 2;
	} else if (radix == 8) {
		cant = len - *pos < 2 || s[*pos] != '0' || s[*pos + 1] == '.';
		if (!cant)
			*pos += 1;
	}
	while (!cant && *pos < len && !dot) {
		char c = s[(*pos)++];
		int dv;
		if (c == '.') {
			dot = 1;
			if (field == 3 || digits == 0 || (long long)val > 255)
				return BSD_TERMINAL;
		} else if ((dv = ascii_digit(c, radix)) >= 0) {
			digits++;
			val = val * (unsigned)radix + (unsigned)dv;
		} else {
			return BSD_TERMINAL;
		}
	}
	if (cant) {
		*pos = start;
		return BSD_CANT;
	}
	if (!dot &&
	    (long long)val > (long long)((1ULL << ((4 - field) * 8)) - 1))
		return BSD_TERMINAL;
	return (long long)val;
}

/* IPAddressUtil.isBsdParsableV4: what Java calls an ambiguous literal */
static int bsd_parsable(const char *s, size_t len)
{
	static const int radixes[] = { 16, 8, 10 };
	size_t pos = 0;
	int field = 0;

	if (!len || ascii_digit(s[0], 10) < 0 || s[len - 1] == '.' ||
	    ascii_digit(s[len - 1], 16) < 0)
		return 0;
	while (pos < len) {
		long long v = BSD_CANT;
		for (size_t r = 0; r < 3; r++) {
			v = bsd_field(s, len, &pos, radixes[r], field);
			if (v >= 0) {
				field++;
				break;
			}
			if (v == BSD_TERMINAL)
				return 0;
		}
		if (v < 0)
			return 0;
	}
	return 1;
}

/*
 * IPAddressUtil.textToNumericFormatV6 (any "%zone" ignored): 16 bytes, or
 * 4 for an IPv4-mapped address; 0 when it is not an IPv6 literal.
 */
static int v6_text(const char *src, size_t n, unsigned char out[16])
{
	unsigned char dst[16] = { 0 };
	const char *pc = memchr(src, '%', n);
	size_t len = n, i = 0, j = 0, curtok;
	long colonp = -1;
	unsigned val = 0;
	int saw_xdigit = 0;

	if (n < 2)
		return 0;
	if (pc) {
		if ((size_t)(pc - src) == n - 1)
			return 0;
		len = (size_t)(pc - src);
	}
	if (len && src[0] == ':' && (len < 2 || src[++i] != ':'))
		return 0;
	curtok = i;
	while (i < len) {
		char ch = src[i++];
		int chval = ascii_digit(ch, 16);
		if (chval != -1) {
			val = val << 4 | (unsigned)chval;
			if (val > 0xffff)
				return 0;
			saw_xdigit = 1;
			continue;
		}
		if (ch == ':') {
			curtok = i;
			if (!saw_xdigit) {
				if (colonp != -1)
					return 0;
				colonp = (long)j;
				continue;
			} else if (i == len) {
				return 0;
			}
			if (j + 2 > 16)
				return 0;
			dst[j++] = (unsigned char)(val >> 8);
			dst[j++] = (unsigned char)val;
			saw_xdigit = 0;
			val = 0;
			continue;
		}
		if (ch == '.' && j + 4 <= 16) {
			size_t dots = 0;
			for (size_t k = curtok; k < len; k++)
				dots += src[k] == '.';
			if (dots != 3 ||
			    !v4_text(src + curtok, len - curtok, dst + j))
				return 0;
			j += 4;
			saw_xdigit = 0;
			break;
		}
		return 0;
	}
	if (saw_xdigit) {
		if (j + 2 > 16)
			return 0;
		dst[j++] = (unsigned char)(val >> 8);
		dst[j++] = (unsigned char)val;
	}
	if (colonp != -1) {
		size_t m = j - (size_t)colonp;
		if (j == 16)
			return 0;
		for (size_t k = 1; k <= m; k++) {
			dst[16 - k] = dst[(size_t)colonp + m - k];
			dst[(size_t)colonp + m - k] = 0;
		}
		j = 16;
	}
	if (j != 16)
		return 0;
	for (size_t k = 0; k < 10; k++)
		if (dst[k])
			goto v6;
	if (dst[10] == 0xff && dst[11] == 0xff) {
		memcpy(out, dst + 12, 4);
		return 4;
	}
v6:
	memcpy(out, dst, 16);
	return 16;
}

/* IPAddressUtil.isIPv6LiteralAddress, for java.net.URI and URL */
static int ipv6_literal(const char *s, size_t n, unsigned char addr[16])
{
	return v6_text(s, n, addr) != 0;
}

enum fg_java_inet fg_java_inet_literal(const char *host, size_t len,
				       struct fg_java_inet_addr *out)
{
	int v6_expected = 0, r;

	memset(out, 0, sizeof(*out));
	if (len && host[0] == '[') {
		if (len <= 2 || host[len - 1] != ']')
			return FG_JAVA_INET_UNKNOWN;
		host++;
		len -= 2;
		v6_expected = 1;
	}
	if (len == 0)
		return FG_JAVA_INET_NAME;
	if (ascii_digit(host[0], 16) < 0 && host[0] != ':')
		return v6_expected ? FG_JAVA_INET_UNKNOWN : FG_JAVA_INET_NAME;
	if (!v6_expected) {
		/* validateNumericFormatV4 */
		if (v4_text(host, len, out->a)) {
			out->len = 4;
			return FG_JAVA_INET_ADDRESS;
		}
		if (bsd_parsable(host, len))
			return FG_JAVA_INET_UNKNOWN; /* ambiguous literal */
	}
	r = v6_text(host, len, out->a);
	if (!r)
		return memchr(host, ':', len) || v6_expected
			       ? FG_JAVA_INET_UNKNOWN
			       : FG_JAVA_INET_NAME;
	/* an IPv4-mapped address must not carry a zone */
	if (r == 4 && memchr(host, '%', len))
		return FG_JAVA_INET_UNKNOWN;
	out->len = r;
	return FG_JAVA_INET_ADDRESS;
}

int fg_java_inet_restricted(const struct fg_java_inet_addr *a)
{
	const unsigned char *b = a->a;
	int zero = 1;

	if (a->len == 4)
		return b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
		       b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) ||
		       (b[0] == 192 && b[1] == 168) ||
		       (!b[0] && !b[1] && !b[2] && !b[3]) ||
		       (b[0] & 0xF0) == 0xE0;
	for (int i = 0; i < 15; i++)
		zero &= !b[i];
	return (zero && b[15] <= 1) ||			  /* :: and ::1 */
	       (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || /* fe80::/10 */
	       (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) || /* fec0::/10 */
	       b[0] == 0xFF;				  /* multicast */
}

/* ---- Java's URL and URI parsers, the parts that can fail ------------------ */

/* Index of byte offset `off` in Java chars (UTF-16 units). */
static size_t java_index(const char *s, size_t off)
{
	size_t n = 0;

	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) != 0x80)
			n += c >= 0xF0 ? 2 : 1;
	}
	return n;
}

/* Integer.parseInt(s, begin, end, 10): 0 or -1 with the JDK message. */
static int url_parse_int(const char *s, size_t n, long long *out,
			 struct fg_buf *msg)
{
	long long limit = -(long long)INT_MAX, multmin, result = 0;
	size_t i = 0;
	int neg = 0;

	if (n == 0)
		return fg_buf_puts(msg, "For input string: \"\"") ? -2 : -1;
	if (s[0] < '0') {
		if (s[0] == '-') {
			neg = 1;
			limit = INT_MIN;
		} else if (s[0] != '+') {
			goto bad;
		}
		if (++i == n)
			goto bad;
	}
	multmin = limit / 10;
	for (; i < n; i++) {
		int digit = isdigit((unsigned char)s[i]) ? s[i] - '0' : -1;
		if (digit < 0 || result < multmin)
			goto bad;
		result *= 10;
		if (result < limit + digit)
			goto bad;
		result -= digit;
	}
	*out = neg ? result : -result;
	return 0;
bad:
	return fg_buf_printf(msg, "Error at index %zu in: \"%.*s\"",
			     java_index(s, i), (int)n, s)
		       ? -2
		       : -1;
}

static int url_fail(struct fg_buf *msg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int url_fail(struct fg_buf *msg, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = fg_buf_vprintf(msg, fmt, ap);
	va_end(ap);
	return err ? -2 : -1;
}

/*
 * new java.net.URL(spec) for an http(s) spec: where it throws
 * MalformedURLException, with the exception's message. Returns 0 when
 * the URL is accepted, -1 with `msg` set, -2 when out of memory.
 */
static int url_check(const char *spec, struct fg_buf *msg)
{
	size_t start = 0, limit = strlen(spec), i;
	const char *colon, *hash, *qm, *host, *at;
	size_t host_len, alen;
	long long port = -1;

	while (limit > 0 && (unsigned char)spec[limit - 1] <= ' ')
		limit--;
	while (start < limit && (unsigned char)spec[start] <= ' ')
		start++;
	if (limit - start >= 4 && !strncasecmp(spec + start, "url:", 4))
		start += 4;
	colon = memchr(spec + start, ':', limit - start);
	if (!colon)
		return 0;
	start = (size_t)(colon - spec) + 1;
	hash = memchr(spec + start, '#', limit - start);
	if (hash)
		limit = (size_t)(hash - spec);
	qm = strchr(spec, '?');
	if (qm && (size_t)(qm - spec) < limit)
		limit = (size_t)(qm - spec);
	if (start + 4 <= limit && !strncmp(spec + start, "////", 4))
		return 0; /* UNC name: no authority */
	if (!(start + 2 <= limit && spec[start] == '/' &&
	      spec[start + 1] == '/'))
		return 0;
	start += 2;
	for (i = start; i < limit && spec[i] != '/'; i++)
		;
	alen = i - start;
	host = spec + start;
	host_len = alen;
	at = memchr(host, '@', alen);
	if (at) {
		const char *last = at;
		for (const char *p = at + 1; p < spec + start + alen; p++)
			if (*p == '@')
				last = p;
		if (last != at)
			return 0; /* not server based: no host, no port */
		host_len = alen - (size_t)(at + 1 - host);
		host = at + 1;
	}
	if (host_len > 0 && host[0] == '[') {
		const char *rb = memchr(host, ']', host_len);
		unsigned char a6[16];
		size_t ind = rb ? (size_t)(rb - host) : 0;
		if (!rb || ind <= 2)
			return url_fail(msg, "Invalid authority field: %.*s",
					(int)alen, spec + start);
		if (!ipv6_literal(host + 1, ind - 1, a6))
			return url_fail(msg, "Invalid host: %.*s", (int)ind + 1,
					host);
		if (host_len > ind + 1) {
			if (host[ind + 1] != ':')
				return url_fail(msg,
						"Invalid authority field: %.*s",
						(int)alen, spec + start);
			if (host_len > ind + 2) {
				int r = url_parse_int(host + ind + 2,
						      host_len - ind - 2, &port,
						      msg);
				if (r)
					return r;
			}
		}
	} else {
		const char *pc = memchr(host, ':', host_len);
		size_t ind = pc ? (size_t)(pc - host) : 0;
		if (pc && host_len > ind + 1) {
			int r = url_parse_int(host + ind + 1,
					      host_len - ind - 1, &port, msg);
			if (r)
				return r;
		}
	}
	if (port < -1)
		return url_fail(msg, "Invalid port number :%lld", port);
	return 0;
}

/* java.net.URI's parser (RFC 2396 with Java's deviations). */
struct juri {
	const char *in;
	size_t n;
	struct fg_buf *msg;
	int failed; /* -1 syntax error in msg, -2 out of memory */
	const char *scheme;
	size_t scheme_len;
	const char *host; /* NULL: no server-based authority */
	size_t host_len;
};

struct cclass {
	unsigned alpha : 1, digit : 1, escaped : 1;
	const char *punct;
};

static const struct cclass CC_ALPHA = { 1, 0, 0, "" };
static const struct cclass CC_DIGIT = { 0, 1, 0, "" };
static const struct cclass CC_ALPHANUM = { 1, 1, 0, "" };
static const struct cclass CC_ALPHANUM_DASH = { 1, 1, 0, "-" };
static const struct cclass CC_DIGIT_DOT = { 0, 1, 0, "." };
static const struct cclass CC_SCHEME = { 1, 1, 0, "+-." };
static const struct cclass CC_URIC = { 1, 1, 1, "-_.!~*'();/?:@&=+$,[]" };
static const struct cclass CC_PATH = { 1, 1, 1, "-_.!~*'():@&=+$,;/" };
static const struct cclass CC_USERINFO = { 1, 1, 1, "-_.!~*'();:&=+$," };
static const struct cclass CC_REG_NAME = { 1, 1, 1, "-_.!~*'()$,;:@&=+" };
static const struct cclass CC_SERVER = { 1, 1, 1, "-_.!~*'();:&=+$,@[]" };
static const struct cclass CC_SERVER_PERCENT = { 1, 1, 1,
						 "-_.!~*'();:&=+$,@[]%" };
static const struct cclass CC_SCOPE_ID = { 1, 1, 0, "_." };

static int cc_match(const struct cclass *cc, unsigned char c)
{
	if (c == 0 || c >= 0x80)
		return 0;
	if (cc->alpha && isalpha(c))
		return 1;
	if (cc->digit && isdigit(c))
		return 1;
	return strchr(cc->punct, c) != NULL;
}

static long juri_fail(struct juri *u, const char *reason, long p)
{
	int err;

	if (u->failed)
		return -1;
	if (p >= 0)
		err = fg_buf_printf(u->msg, "%s at index %zu: %s", reason,
				    java_index(u->in, (size_t)p), u->in);
	else
		err = fg_buf_printf(u->msg, "%s: %s", reason, u->in);
	u->failed = err ? -2 : -1;
	return -1;
}

/* A visible non-ASCII character (Java allows those unescaped): length. */
static size_t other_char(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;
	size_t len;

	if (p[0] >= 0xF0 && n >= 4)
		len = 4, cp = p[0] & 0x07u;
	else if (p[0] >= 0xE0 && n >= 3)
		len = 3, cp = p[0] & 0x0Fu;
	else if (p[0] >= 0xC2 && n >= 2)
		len = 2, cp = p[0] & 0x1Fu;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3Fu);
	}
	if (cp <= 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
	    cp == 0x3000)
		return 0;
	return len;
}

/* Parser.scan(start, n, lowMask, highMask), escapes included. */
static long juri_scan(struct juri *u, size_t p, size_t n,
		      const struct cclass *cc)
{
	while (p < n) {
		unsigned char c = (unsigned char)u->in[p];
		size_t o;
		if (cc_match(cc, c)) {
			p++;
			continue;
		}
		if (!cc->escaped)
			break;
		if (c == '%') {
			if (p + 3 <= n &&
			    isxdigit((unsigned char)u->in[p + 1]) &&
			    isxdigit((unsigned char)u->in[p + 2])) {
				p += 3;
				continue;
			}
			return juri_fail(u, "Malformed escape pair", (long)p);
		}
		if (c >= 0x80 && (o = other_char(u->in + p, n - p))) {
			p += o;
			continue;
		}
		break;
	}
	return (long)p;
}

/* Parser.scan(start, end, err, stop) */
static long juri_scan_stop(const struct juri *u, size_t p, size_t n,
			   const char *err, const char *stop)
{
	for (; p < n; p++) {
		char c = u->in[p];
		if (c && strchr(err, c))
			return -1;
		if (c && strchr(stop, c))
			break;
	}
	return (long)p;
}

static int juri_at(const struct juri *u, long p, size_t n, char c)
{
	return p >= 0 && (size_t)p < n && u->in[p] == c;
}

static long juri_check(struct juri *u, size_t p, size_t q,
		       const struct cclass *cc, const char *what)
{
	long r = juri_scan(u, p, q, cc);
	char reason[64];

	if (r < 0)
		return -1;
	if ((size_t)r < q) {
		snprintf(reason, sizeof(reason), "Illegal character in %s",
			 what);
		return juri_fail(u, reason, r);
	}
	return (long)q;
}

static long juri_expect(struct juri *u, const char *what, long p)
{
	char reason[64];

	snprintf(reason, sizeof(reason), "Expected %s", what);
	return juri_fail(u, reason, p);
}

static long juri_ipv4(struct juri *u, size_t start, size_t n)
{
	long m = juri_scan(u, start, n, &CC_DIGIT_DOT);
	size_t p = start;
	int parts = 0;

	if (m <= (long)start)
		return -1;
	for (;;) {
		size_t q = p;
		unsigned v = 0;
		while (q < (size_t)m && isdigit((unsigned char)u->in[q]) &&
		       v <= 255)
			v = v * 10 + (unsigned)(u->in[q++] - '0');
		if (q == p || v > 255 ||
		    (q < (size_t)m && isdigit((unsigned char)u->in[q])))
			return -1; /* Java fails, which means "not IPv4" */
		p = q;
		if (++parts == 4)
			break;
		if (p >= (size_t)m || u->in[p] != '.')
			return -1;
		p++;
	}
	if (p < (size_t)m)
		return -1;
	if (p < n && u->in[p] != ':')
		return -1;
	u->host = u->in + start;
	u->host_len = p - start;
	return (long)p;
}

static long juri_hostname(struct juri *u, size_t start, size_t n)
{
	size_t p = start;
	long q, l = -1;

	do {
		q = juri_scan(u, p, n, &CC_ALPHANUM);
		if (q <= (long)p)
			break;
		l = (long)p;
		p = (size_t)q;
		q = juri_scan(u, p, n, &CC_ALPHANUM_DASH);
		if (q > (long)p) {
			if (u->in[q - 1] == '-')
				return juri_fail(
					u, "Illegal character in hostname",
					q - 1);
			p = (size_t)q;
		}
		if (!juri_at(u, (long)p, n, '.'))
			break;
		p++;
	} while (p < n);
	if (p < n && !juri_at(u, (long)p, n, ':'))
		return juri_fail(u, "Illegal character in hostname", (long)p);
	if (l < 0)
		return juri_expect(u, "hostname", (long)start);
	if (l > (long)start && !cc_match(&CC_ALPHA, (unsigned char)u->in[l]))
		return juri_fail(u, "Illegal character in hostname", l);
	u->host = u->in + start;
	u->host_len = p - start;
	return (long)p;
}

static long juri_server(struct juri *u, size_t p, size_t n)
{
	long q = juri_scan_stop(u, p, n, "/?#", "@");

	if (q >= (long)p && juri_at(u, q, n, '@')) {
		if (juri_check(u, p, (size_t)q, &CC_USERINFO, "user info") < 0)
			return -1;
		p = (size_t)q + 1;
	}
	if (juri_at(u, (long)p, n, '[')) {
		unsigned char a6[16];
		p++;
		q = juri_scan_stop(u, p, n, "/?#", "]");
		if (!(q > (long)p && juri_at(u, q, n, ']')))
			return juri_expect(
				u, "closing bracket for IPv6 address", q);
		long r = juri_scan_stop(u, p, (size_t)q, "", "%");
		if (!ipv6_literal(u->in + p, (size_t)(r - (long)p), a6))
			return juri_fail(u, "Malformed IPv6 address", (long)p);
		if (r < q) {
			if (r + 1 == q)
				return juri_fail(u, "scope id expected", -1);
			if (juri_check(u, (size_t)r + 1, (size_t)q,
				       &CC_SCOPE_ID, "scope id") < 0)
				return -1;
		}
		u->host = u->in + p - 1;
		u->host_len = (size_t)(q + 1 - (long)(p - 1));
		p = (size_t)q + 1;
	} else {
		q = juri_ipv4(u, p, n);
		if (q <= (long)p)
			q = juri_hostname(u, p, n);
		if (q < 0)
			return -1;
		p = (size_t)q;
	}
	if (juri_at(u, (long)p, n, ':')) {
		p++;
		q = juri_scan_stop(u, p, n, "", "/");
		if (q > (long)p) {
			if (juri_check(u, p, (size_t)q, &CC_DIGIT,
				       "port number") < 0)
				return -1;
			if (q - (long)p > 10 ||
			    strtoll(u->in + p, NULL, 10) > INT_MAX)
				return juri_fail(u, "Malformed port number",
						 (long)p);
			p = (size_t)q;
		}
	}
	if (p < n)
		return juri_expect(u, "port number", (long)p);
	return (long)p;
}

static long juri_authority(struct juri *u, size_t p, size_t n)
{
	long q = juri_scan_stop(u, p, n, "", "]"), r;
	int server_chars, reg_chars, server_err = 0;
	struct fg_buf saved = FG_BUF_INIT;

	r = juri_scan(u, p, n, q > (long)p ? &CC_SERVER_PERCENT : &CC_SERVER);
	if (r < 0)
		return -1;
	server_chars = r == (long)n;
	r = juri_scan(u, p, n, &CC_REG_NAME);
	if (r < 0)
		return -1;
	reg_chars = r == (long)n;
	if (reg_chars && !server_chars) {
		u->host = NULL;
		return (long)n;
	}
	q = (long)p;
	if (server_chars) {
		r = juri_server(u, p, n);
		if (r >= 0 && r < (long)n)
			r = juri_expect(u, "end of authority", r);
		if (r < 0) {
			if (u->failed == -2)
				return -1;
			/* Java keeps the exception for later */
			if (fg_buf_add(&saved, u->msg->ptr, u->msg->len)) {
				u->failed = -2;
				return -1;
			}
			fg_buf_clear(u->msg);
			u->failed = 0;
			u->host = NULL;
			server_err = 1;
		} else {
			q = r;
		}
	}
	if (q < (long)n) {
		if (reg_chars) {
			u->host = NULL;
		} else if (server_err) {
			u->failed = fg_buf_add(u->msg, saved.ptr, saved.len)
					    ? -2
					    : -1;
			fg_buf_release(&saved);
			return -1;
		} else {
			fg_buf_release(&saved);
			return juri_fail(u, "Illegal character in authority",
					 q);
		}
	}
	fg_buf_release(&saved);
	return (long)n;
}

static long juri_hierarchical(struct juri *u, size_t p, size_t n)
{
	long q;

	if (juri_at(u, (long)p, n, '/') && juri_at(u, (long)p + 1, n, '/')) {
		p += 2;
		q = juri_scan_stop(u, p, n, "", "/?#");
		if (q > (long)p) {
			if (juri_authority(u, p, (size_t)q) < 0)
				return -1;
			p = (size_t)q;
		} else if ((size_t)q >= n) {
			return juri_expect(u, "authority", (long)p);
		}
	}
	q = juri_scan_stop(u, p, n, "", "?#");
	if (juri_check(u, p, (size_t)q, &CC_PATH, "path") < 0)
		return -1;
	p = (size_t)q;
	if (juri_at(u, (long)p, n, '?')) {
		p++;
		q = juri_scan_stop(u, p, n, "", "#");
		if (juri_check(u, p, (size_t)q, &CC_URIC, "query") < 0)
			return -1;
		p = (size_t)q;
	}
	return (long)p;
}

/* new java.net.URI(s): 0, -1 with the message in u->msg, -2 for OOM. */
static int juri_parse(struct juri *u)
{
	size_t n = u->n;
	long p = juri_scan_stop(u, 0, n, "/?#", ":");

	if (p >= 0 && juri_at(u, p, n, ':')) {
		if (p == 0) {
			juri_expect(u, "scheme name", 0);
			return u->failed;
		}
		if (juri_check(u, 0, 1, &CC_ALPHA, "scheme name") < 0 ||
		    juri_check(u, 1, (size_t)p, &CC_SCHEME, "scheme name") < 0)
			return u->failed;
		u->scheme = u->in;
		u->scheme_len = (size_t)p;
		p++;
		if (juri_at(u, p, n, '/')) {
			p = juri_hierarchical(u, (size_t)p, n);
		} else {
			long q = juri_scan_stop(u, (size_t)p, n, "", "#");
			if (q <= p)
				p = juri_expect(u, "scheme-specific part", p);
			else if (juri_check(u, (size_t)p, (size_t)q, &CC_URIC,
					    "opaque part") >= 0)
				p = q;
			else
				p = -1;
		}
	} else {
		p = juri_hierarchical(u, 0, n);
	}
	if (p < 0)
		return u->failed;
	if (juri_at(u, p, n, '#')) {
		if (juri_check(u, (size_t)p + 1, n, &CC_URIC, "fragment") < 0)
			return u->failed;
		p = (long)n;
	}
	if ((size_t)p < n) {
		juri_fail(u, "Illegal character in end of URI", p);
		return u->failed;
	}
	return 0;
}

int fg_java_uri_parse(const char *s, struct fg_java_uri *out,
		      struct fg_buf *msg)
{
	struct juri u;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	u.in = s;
	u.n = strlen(s);
	u.msg = msg;
	r = juri_parse(&u);
	if (r == -2)
		return fg_error_set(FG_ERROR, "out of memory");
	if (r)
		return FG_EINVALID;
	out->scheme = u.scheme;
	out->scheme_len = u.scheme_len;
	out->host = u.host;
	out->host_len = u.host ? u.host_len : 0;
	return 0;
}

int fg_java_url_check(const char *spec, struct fg_buf *msg)
{
	int r = url_check(spec, msg);

	if (r == -2)
		return fg_error_set(FG_ERROR, "out of memory");
	return r ? FG_EINVALID : 0;
}

/* ---- BigDecimal, as far as fabric8's Quantity needs it ------------------- */

/* A decimal: (neg ? -1 : 1) * digits * 10^-scale; digits has no leading 0 */
struct jdec {
	int neg;
	struct fg_buf digits;
	long long scale;
};

static void jdec_release(struct jdec *d)
{
	fg_buf_release(&d->digits);
}

/* One character of `s` for a message, and the UTF-16 units it takes. */
static size_t utf8_char(const char *s, size_t n, size_t *units)
{
	unsigned char c = (unsigned char)s[0];
	size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;

	if (len > n)
		len = n;
	*units = len == 4 ? 2 : 1;
	return len;
}

/*
 * new BigDecimal(String) of s[0..n) (no exponent: fabric8 splits the
 * string before any 'e' or 'E'); FG_EINVALID with the JDK's message.
 */
static int jdec_parse(struct jdec *d, const char *s, size_t n)
{
	size_t i = 0, units = 0, u, step, prec = 0;
	int dot = 0, err = 0;

	memset(d, 0, sizeof(*d));
	fg_buf_init(&d->digits, FG_JAVA_MAX_TEXT + 1);
	if (n == 0) /* in[offset] fails: a NumberFormatException, no message */
		return fg_error_set(FG_EINVALID, "null");
	if (s[0] == '-' || s[0] == '+') {
		d->neg = s[0] == '-';
		i = 1;
	}
	for (size_t k = i; k < n; k += step) {
		step = utf8_char(s + k, n - k, &u);
		units += u;
	}
	for (; i < n && !err; i += step) {
		step = utf8_char(s + i, n - i, &u);
		if (s[i] >= '0' && s[i] <= '9') {
			prec++;
			if (dot)
				d->scale++;
			if (d->digits.len || s[i] != '0')
				err = fg_buf_putc(&d->digits, s[i]);
		} else if (s[i] == '.') {
			if (dot)
				return fg_error_set(FG_EINVALID,
						    "Character array contains "
						    "more than one decimal "
						    "point.");
			dot = 1;
		} else if (units > 18) {
			return fg_error_set(FG_EINVALID,
					    "Character array is missing \"e\" "
					    "notation exponential mark.");
		} else {
			return fg_error_set(FG_EINVALID,
					    "Character %.*s is neither a "
					    "decimal digit number, decimal "
					    "point, nor \"e\" notation "
					    "exponential mark.",
					    (int)step, s + i);
		}
	}
	if (err)
		return fg_error_set(FG_ERROR, "out of memory");
	if (!prec)
		return fg_error_set(FG_EINVALID, "No digits found.");
	if (!d->digits.len && fg_buf_putc(&d->digits, '0'))
		return fg_error_set(FG_ERROR, "out of memory");
	return 0;
}

/* Exact product of a by a small multiplier m * 10^-mscale. */
static int jdec_mul(struct jdec *a, unsigned long long m, long long mscale)
{
	size_t n = a->digits.len;
	unsigned char *prod;
	size_t pn = n + 20, k;
	int err;

	prod = calloc(pn, 1);
	if (!prod)
		return fg_error_set(FG_ERROR, "out of memory");
	/* schoolbook: digits (most significant first) times m */
	for (size_t i = 0; i < n; i++) {
		unsigned long long carry = 0;
		unsigned dig = (unsigned)(a->digits.ptr[n - 1 - i] - '0');
		unsigned long long mm = m;
		k = i;
		while (mm || carry) {
			unsigned long long t =
				prod[k] + carry +
				(unsigned long long)dig * (mm % 10);
			prod[k++] = (unsigned char)(t % 10);
			carry = t / 10;
			mm /= 10;
		}
	}
	fg_buf_clear(&a->digits);
	for (k = pn; k > 1 && !prod[k - 1]; k--)
		;
	err = 0;
	while (k-- > 0 && !err)
		err = fg_buf_putc(&a->digits, (char)('0' + prod[k]));
	free(prod);
	if (err)
		return fg_error_set(FG_ERROR, "out of memory");
	if (!strcmp(a->digits.ptr, "0"))
		a->neg = 0; /* BigDecimal has no negative zero... */
	a->scale += mscale;
	return 0;
}

/* BigDecimal.toString() */
static int jdec_text(const struct jdec *d, struct fg_buf *out)
{
	const char *c = d->digits.ptr;
	long long len = (long long)d->digits.len;
	long long adjusted = -d->scale + (len - 1);
	int err = 0;

	if (d->neg && strcmp(c, "0"))
		err = fg_buf_putc(out, '-');
	if (d->scale == 0)
		return err ? err : fg_buf_puts(out, c);
	if (d->scale > 0 && adjusted >= -6) {
		long long pad = d->scale - len;
		if (pad >= 0) {
			err = err ? err : fg_buf_puts(out, "0.");
			for (; pad > 0 && !err; pad--)
				err = fg_buf_putc(out, '0');
			return err ? err : fg_buf_puts(out, c);
		}
		err = err ? err : fg_buf_add(out, c, (size_t)(-pad));
		err = err ? err : fg_buf_putc(out, '.');
		return err ? err : fg_buf_add(out, c - pad, (size_t)d->scale);
	}
	err = err ? err : fg_buf_putc(out, c[0]);
	if (len > 1) {
		err = err ? err : fg_buf_putc(out, '.');
		err = err ? err : fg_buf_puts(out, c + 1);
	}
	if (adjusted != 0)
		err = err ? err
			  : fg_buf_printf(out, "E%s%lld",
					  adjusted > 0 ? "+" : "", adjusted);
	return err;
}

/* fabric8 Quantity.indexOfUnit */
static size_t quantity_unit_index(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (strchr("eEinumkKMGTP", s[i]))
			return i;
	return i;
}

static int has_digit(const char *s)
{
	for (; *s; s++)
		if (isdigit((unsigned char)*s))
			return 1;
	return 0;
}

/* Character.isAlphabetic of the last character (any non-ASCII counts) */
static int last_alphabetic(const char *s)
{
	size_t n = strlen(s);

	if (!n)
		return 0;
	while (n > 1 && ((unsigned char)s[n - 1] & 0xC0) == 0x80)
		n--;
	return isalpha((unsigned char)s[n - 1]) ||
	       (unsigned char)s[n - 1] >= 0x80;
}

/*
 * fabric8 Quantity.getMultiple(format) as (m, mscale): the value is
 * m * 10^-mscale, with BigDecimal.pow(n, MathContext.DECIMAL64) rounding
 * to 16 significant digits (so 2^60 and 10^18 lose their exact value).
 */
static int quantity_multiple(const char *format, unsigned long long *m,
			     long long *mscale, int *arith)
{
	static const struct {
		const char *f;
		unsigned long long m;
		long long scale;
	} table[] = {
		{ "Ki", 1024ULL, 0 },
		{ "Mi", 1048576ULL, 0 },
		{ "Gi", 1073741824ULL, 0 },
		{ "Ti", 1099511627776ULL, 0 },
		{ "Pi", 1125899906842624ULL, 0 },
		{ "Ei", 1152921504606847ULL, -3 }, /* 2^60, 16 digits */
		{ "n", 1, 9 },
		{ "u", 1, 6 },
		{ "m", 1, 3 },
		{ "k", 1000ULL, 0 },
		{ "M", 1000000ULL, 0 },
		{ "G", 1000000000ULL, 0 },
		{ "T", 1000000000000ULL, 0 },
		{ "P", 1000000000000000ULL, 0 },
		{ "E", 1000000000000000ULL, -3 }, /* 10^18, 16 digits */
		{ "", 1, 0 },
	};
	int e, err;

	if (has_digit(format) && strlen(format) > 1) {
		if ((err = fg_java_parse_int(format + 1, &e)) < 0)
			return err;
		if (e < -999999999 || e > 999999999) {
			*arith = 1;
			return fg_error_set(FG_EINVALID, "Invalid operation");
		}
		if (e < 0) {
			*m = 1;
			*mscale = -(long long)e;
		} else if (e <= 15) {
			*m = 1;
			for (int i = 0; i < e; i++)
				*m *= 10;
			*mscale = 0;
		} else {
			*m = 1000000000000000ULL;
			*mscale = -(long long)(e - 15);
		}
		return 0;
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(format, table[i].f)) {
			*m = table[i].m;
			*mscale = table[i].scale;
			return 0;
		}
	return fg_error_set(FG_EINVALID,
			    "Invalid quantity format passed to parse");
}

int fg_java_quantity_amount(const char *s, struct fg_buf *out, int *arith)
{
	struct fg_buf value = FG_BUF_INIT;
	struct jdec d;
	unsigned long long m = 1;
	long long mscale = 0;
	size_t unit;
	int err;

	*arith = 0;
	if (!*s)
		return fg_error_set(FG_EINVALID,
				    "Invalid quantity string format passed.");
	if (strlen(s) > FG_JAVA_MAX_TEXT)
		return fg_error_set(FG_EINVALID,
				    "quantity longer than %d bytes",
				    FG_JAVA_MAX_TEXT);
	unit = quantity_unit_index(s);
	if (has_digit(s + unit) && last_alphabetic(s + unit))
		return fg_error_set(FG_EINVALID,
				    "Invalid quantity string format passed");
	/* getAmountInBytes: a leading '.' gets a 0 in front */
	if ((err = fg_buf_puts(&value, s[0] == '.' ? "0" : "")) < 0 ||
	    (err = fg_buf_puts(&value, s)) < 0) {
		fg_buf_release(&value);
		return err;
	}
	unit = quantity_unit_index(value.ptr);
	err = jdec_parse(&d, value.ptr, unit);
	if (!err)
		err = quantity_multiple(value.ptr + unit, &m, &mscale, arith);
	if (!err)
		err = jdec_mul(&d, m, mscale);
	if (!err && (err = jdec_text(&d, out)) < 0)
		err = fg_error_set(FG_ERROR, "out of memory");
	jdec_release(&d);
	fg_buf_release(&value);
	return err;
}

/* ---- java.time.Duration ---------------------------------------------------- */

int fg_java_duration_text(struct fg_buf *out, unsigned long long seconds,
			  unsigned nanos)
{
	unsigned long long hours = seconds / 3600,
			   minutes = seconds % 3600 / 60;
	unsigned long long secs = seconds % 60;
	char frac[16];
	int err = fg_buf_puts(out, "PT");

	if (!seconds && !nanos)
		return err ? err : fg_buf_puts(out, "0S");
	if (!err && hours)
		err = fg_buf_printf(out, "%lluH", hours);
	if (!err && minutes)
		err = fg_buf_printf(out, "%lluM", minutes);
	if (err || (!secs && !nanos))
		return err;
	err = fg_buf_printf(out, "%llu", secs);
	if (!err && nanos) {
		size_t n;
		snprintf(frac, sizeof(frac), "%09u", nanos);
		for (n = strlen(frac); n > 0 && frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
		err = fg_buf_printf(out, ".%s", frac);
	}
	return err ? err : fg_buf_putc(out, 'S');
}
