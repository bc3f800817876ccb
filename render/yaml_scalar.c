#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/yaml_scalar.h"
#include "render/base/banned.h"

/* go-yaml v2's resolve table: plain words with a fixed meaning. */
static const struct {
	const char *word;
	enum fg_scalar_type type;
	int b;
	double d;
} words[] = {
	{ "y", FG_SCALAR_BOOL, 1, 0 },
	{ "Y", FG_SCALAR_BOOL, 1, 0 },
	{ "yes", FG_SCALAR_BOOL, 1, 0 },
	{ "Yes", FG_SCALAR_BOOL, 1, 0 },
	{ "YES", FG_SCALAR_BOOL, 1, 0 },
	{ "true", FG_SCALAR_BOOL, 1, 0 },
	{ "True", FG_SCALAR_BOOL, 1, 0 },
	{ "TRUE", FG_SCALAR_BOOL, 1, 0 },
	{ "on", FG_SCALAR_BOOL, 1, 0 },
	{ "On", FG_SCALAR_BOOL, 1, 0 },
	{ "ON", FG_SCALAR_BOOL, 1, 0 },
	{ "n", FG_SCALAR_BOOL, 0, 0 },
	{ "N", FG_SCALAR_BOOL, 0, 0 },
	{ "no", FG_SCALAR_BOOL, 0, 0 },
	{ "No", FG_SCALAR_BOOL, 0, 0 },
	{ "NO", FG_SCALAR_BOOL, 0, 0 },
	{ "false", FG_SCALAR_BOOL, 0, 0 },
	{ "False", FG_SCALAR_BOOL, 0, 0 },
	{ "FALSE", FG_SCALAR_BOOL, 0, 0 },
	{ "off", FG_SCALAR_BOOL, 0, 0 },
	{ "Off", FG_SCALAR_BOOL, 0, 0 },
	{ "OFF", FG_SCALAR_BOOL, 0, 0 },
	{ "", FG_SCALAR_NULL, 0, 0 },
	{ "~", FG_SCALAR_NULL, 0, 0 },
	{ "null", FG_SCALAR_NULL, 0, 0 },
	{ "Null", FG_SCALAR_NULL, 0, 0 },
	{ "NULL", FG_SCALAR_NULL, 0, 0 },
	{ ".nan", FG_SCALAR_FLOAT, 0, NAN },
	{ ".NaN", FG_SCALAR_FLOAT, 0, NAN },
	{ ".NAN", FG_SCALAR_FLOAT, 0, NAN },
	{ ".inf", FG_SCALAR_FLOAT, 0, INFINITY },
	{ ".Inf", FG_SCALAR_FLOAT, 0, INFINITY },
	{ ".INF", FG_SCALAR_FLOAT, 0, INFINITY },
	{ "+.inf", FG_SCALAR_FLOAT, 0, INFINITY },
	{ "+.Inf", FG_SCALAR_FLOAT, 0, INFINITY },
	{ "+.INF", FG_SCALAR_FLOAT, 0, INFINITY },
	{ "-.inf", FG_SCALAR_FLOAT, 0, -INFINITY },
	{ "-.Inf", FG_SCALAR_FLOAT, 0, -INFINITY },
	{ "-.INF", FG_SCALAR_FLOAT, 0, -INFINITY },
};

enum { P_OK = 0, P_SYNTAX = -1, P_RANGE = -2, P_NOMEM = -3 };

/* strconv.ParseUint(s, base, 64); base 0 reads 0x, 0o, 0b and 0 prefixes */
static int go_parse_uint(const char *s, size_t len, int base,
			 unsigned long long *out)
{
	unsigned long long n = 0;
	size_t i = 0;

	if (len == 0)
		return P_SYNTAX;
	if (base == 0) {
		base = 10;
		if (s[0] == '0') {
			char c = len >= 3 ? (char)tolower((unsigned char)s[1])
					  : 0;
			if (c == 'b' || c == 'o' || c == 'x') {
				base = c == 'b' ? 2 : c == 'o' ? 8 : 16;
				i = 2;
			} else {
				base = 8;
				i = 1;
			}
		}
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (tolower(c) >= 'a' && tolower(c) <= 'z')
			d = (unsigned)(tolower(c) - 'a' + 10);
		else
			return P_SYNTAX;
		if (d >= (unsigned)base)
			return P_SYNTAX;
		if (n > (~0ULL - d) / (unsigned)base)
			return P_RANGE;
		n = n * (unsigned)base + d;
	}
	*out = n;
	return P_OK;
}

/* strconv.ParseInt(s, base, 64) */
static int go_parse_int(const char *s, size_t len, int base, long long *out)
{
	unsigned long long u;
	int neg = 0, r;

	if (len == 0)
		return P_SYNTAX;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		s++;
		len--;
	}
	if ((r = go_parse_uint(s, len, base, &u)) < 0)
		return r;
	if (!neg && u > (unsigned long long)INT64_MAX)
		return P_RANGE;
	if (neg && u > (unsigned long long)INT64_MAX + 1)
		return P_RANGE;
	*out = neg ? (long long)(0 - u) : (long long)u;
	return P_OK;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_style_float(const char *s, size_t len)
{
	size_t i = 0, d;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < len && s[i] == '.') {
		i++;
		for (d = i; i < len && is_digit(s[i]); i++)
			;
		if (i == d)
			return 0;
	} else {
		for (d = i; i < len && is_digit(s[i]); i++)
			;
		if (i == d)
			return 0;
		if (i < len && s[i] == '.')
			for (i++; i < len && is_digit(s[i]); i++)
				;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < len && is_digit(s[i]); i++)
			;
		if (i == d)
			return 0;
	}
	return i == len;
}

/*
 * strconv.ParseFloat on a string already known to be plain decimal: only
 * overflow is an error (underflow rounds to zero, as Go does); P_NOMEM
 * when a long one could not be copied.
 */
static int go_parse_float(const char *s, size_t len, double *out)
{
	char small[128], *tmp, *end;
	int r = P_OK;
	double v;

	tmp = len < sizeof(small) ? small : malloc(len + 1);
	if (!tmp)
		return P_NOMEM;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtod(tmp, &end);
	if (*end)
		r = P_SYNTAX;
	else if (errno == ERANGE && isinf(v))
		r = P_RANGE;
	else
		*out = v;
	if (tmp != small)
		free(tmp);
	return r;
}

static int resolve_number(const char *plain, size_t n, struct fg_scalar *out);

int fg_scalar_resolve_plain(const char *s, size_t len, struct fg_scalar *out)
{
	char small[128], *p;
	size_t i, n;
	char hint;
	int r;

	memset(out, 0, sizeof(*out));
	out->type = FG_SCALAR_STR;

	if (len == 0)
		hint = 'N';
	else if (s[0] == '+' || s[0] == '-')
		hint = 'S';
	else if (is_digit(s[0]))
		hint = 'D';
	else if (s[0] && strchr("yYnNtTfFoO~", s[0]))
		hint = 'M';
	else if (s[0] == '.')
		hint = '.';
	else
		return 0;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i].word) == len &&
		    !memcmp(words[i].word, s, len)) {
			out->type = words[i].type;
			out->b = words[i].b;
			out->d = words[i].d;
			return 0;
		}
	}

	if (hint == '.') {
		/* strconv.ParseFloat(in): only ".digits[exp]" starts with '.' */
		if (!yaml_style_float(s, len))
			return 0;
		r = go_parse_float(s, len, &out->d);
		if (r == P_OK)
			out->type = FG_SCALAR_FLOAT;
		return r == P_NOMEM ? -1 : 0;
	}
	if (hint != 'D' && hint != 'S')
		return 0;

	/* timestamps stay strings when decoded into interface{} */
	if (fg_scalar_is_timestamp(s, len))
		return 0;

	/* strings.Replace(in, "_", "", -1) */
	p = len < sizeof(small) ? small : malloc(len + 1);
	if (!p)
		return -1; /* not known: a number or a string */
	for (i = n = 0; i < len; i++)
		if (s[i] != '_')
			p[n++] = s[i];
	p[n] = '\0';
	r = resolve_number(p, n, out);
	if (p != small)
		free(p);
	return r;
}

/* 0, or -1 when memory ran out before the type was known. */
static int resolve_number(const char *plain, size_t n, struct fg_scalar *out)
{
	int r;

	if (go_parse_int(plain, n, 0, &out->i) == P_OK) {
		out->type = FG_SCALAR_INT;
		return 0;
	}
	if (go_parse_uint(plain, n, 0, &out->u) == P_OK) {
		out->type = FG_SCALAR_UINT;
		return 0;
	}
	if (yaml_style_float(plain, n)) {
		r = go_parse_float(plain, n, &out->d);
		if (r == P_NOMEM)
			return -1;
		if (r == P_OK) {
			out->type = FG_SCALAR_FLOAT;
			return 0;
		}
	}
	/* go-yaml v2's own binary forms, checked last */
	if (n > 2 && !memcmp(plain, "0b", 2)) {
		if (go_parse_int(plain + 2, n - 2, 2, &out->i) == P_OK)
			out->type = FG_SCALAR_INT;
	} else if (n > 3 && !memcmp(plain, "-0b", 3)) {
		long long v;
		if (go_parse_int(plain + 3, n - 3, 2, &v) == P_OK &&
		    v != INT64_MIN) {
			out->i = -v;
			out->type = FG_SCALAR_INT;
		}
	}
	return 0;
}

/* Reads 1 to `max` digits; returns count read (0 when none). */
static size_t digits(const char *s, size_t len, size_t i, size_t max, int *val)
{
	size_t n = 0;

	*val = 0;
	while (i + n < len && n < max && is_digit(s[i + n])) {
		*val = *val * 10 + (s[i + n] - '0');
		n++;
	}
	return n;
}

/*
 * go-yaml v2 accepts, through time.Parse:
 *   2006-1-2
 *   2006-1-2T15:4:5.999999999Z07:00   (also 't'; zone Z or +hh:mm)
 *   2006-1-2 15:4:5.999999999         (no zone)
 */
int fg_scalar_is_timestamp(const char *s, size_t len)
{
	size_t i = 0, n;
	int y, mo, d, h, mi, sec, zone_ok;
	char sep;

	if ((n = digits(s, len, i, 4, &y)) != 4 || len == 4 || s[4] != '-')
		return 0;
	i = 5;
	if (!(n = digits(s, len, i, 2, &mo)) || mo < 1 || mo > 12)
		return 0;
	i += n;
	if (i >= len || s[i++] != '-')
		return 0;
	if (!(n = digits(s, len, i, 2, &d)) || d < 1 || d > 31)
		return 0;
	i += n;
	if (i == len)
		return 1;
	sep = s[i++];
	if (sep != 'T' && sep != 't' && sep != ' ')
		return 0;
	if (!(n = digits(s, len, i, 2, &h)) || h > 23)
		return 0;
	i += n;
	if (i >= len || s[i++] != ':')
		return 0;
	if (!(n = digits(s, len, i, 2, &mi)) || mi > 59)
		return 0;
	i += n;
	if (i >= len || s[i++] != ':')
		return 0;
	if (!(n = digits(s, len, i, 2, &sec)) || sec > 59)
		return 0;
	i += n;
	if (i < len && s[i] == '.') {
		int frac;
		if (!(n = digits(s, len, i + 1, 9, &frac)))
			return 0;
		i += 1 + n;
	}
	if (sep == ' ')
		return i == len;
	zone_ok = 0;
	if (i < len && s[i] == 'Z') {
		i++;
		zone_ok = 1;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		int zh, zm;
		if (digits(s, len, i + 1, 2, &zh) == 2 && i + 3 < len &&
		    s[i + 3] == ':' && digits(s, len, i + 4, 2, &zm) == 2) {
			i += 6;
			zone_ok = 1;
		}
	}
	return zone_ok && i == len;
}

void fg_scalar_float_key(double v, char *out, size_t outsz)
{
	float f = (float)v;
	char digs[64];
	int p, exp;

	if (isnan(f)) {
		snprintf(out, outsz, ".nan");
		return;
	}
	if (isinf(f)) {
		snprintf(out, outsz, f > 0 ? ".inf" : "-.inf");
		return;
	}
	/* shortest digit count that reads back as the same float32 */
	for (p = 1; p < 9; p++) {
		snprintf(digs, sizeof(digs), "%.*e", p - 1, (double)f);
		if (strtof(digs, NULL) == f)
			break;
	}
	snprintf(digs, sizeof(digs), "%.*e", p - 1, (double)f);
	exp = (int)strtol(strchr(digs, 'e') + 1, NULL, 10);
	/* 'g' with shortest precision: %e below 1e-4 and from 1e6 on */
	if (exp < -4 || exp >= 6)
		snprintf(out, outsz, "%.*e", p - 1, (double)f);
	else
		snprintf(out, outsz, "%.*f", p - 1 - exp > 0 ? p - 1 - exp : 0,
			 (double)f);
}

size_t fg_utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned c = s[0], cp;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

int fg_utf8_sanitize(struct fg_buf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	int err;

	while (i < len) {
		n = fg_utf8_seq_len(u + i, len - i);
		if (n) {
			if ((err = fg_buf_add(out, s + i, n)) < 0)
				return err;
			i += n;
		} else {
			if ((err = fg_buf_add(out, "\xEF\xBF\xBD", 3)) < 0)
				return err;
			i++;
		}
	}
	return 0;
}

int fg_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (!(n = fg_utf8_seq_len(u + i, len - i)))
			return 0;
		i += n;
	}
	return 1;
}

void fg_format_double(char *out, size_t outsz, double v)
{
	int p;

	for (p = 1; p <= 17; p++) {
		snprintf(out, outsz, "%.*g", p, v);
		if (strtod(out, NULL) == v)
			return;
	}
}
