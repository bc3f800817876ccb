/*
 * Kubernetes resource.Quantity: see quantity.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/quantity.h"
#include "render/base/banned.h"

/* Largest |decimal exponent| a Kubernetes quantity may carry here. */
#define FG_QUANTITY_MAX_EXP 100000
/* Significant decimal digits kept by struct fg_quantity. */
#define FG_QUANTITY_DIGITS 18

static const unsigned long long pow10u[FG_QUANTITY_DIGITS + 1] = {
	1ULL,
	10ULL,
	100ULL,
	1000ULL,
	10000ULL,
	100000ULL,
	1000000ULL,
	10000000ULL,
	100000000ULL,
	1000000000ULL,
	10000000000ULL,
	100000000000ULL,
	1000000000000ULL,
	10000000000000ULL,
	100000000000000ULL,
	1000000000000000ULL,
	10000000000000000ULL,
	100000000000000000ULL,
	1000000000000000000ULL,
};

#define K8S_ERR_FORMAT                                  \
	"quantities must match the regular expression " \
	"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
#define K8S_ERR_SUFFIX "unable to parse quantity's suffix"

static const struct {
	const char *suffix;
	int base; /* 10 or 2 */
	int exp;
} k8s_suffixes[] = {
	{ "", 10, 0 },	 { "n", 10, -9 }, { "u", 10, -6 }, { "m", 10, -3 },
	{ "k", 10, 3 },	 { "M", 10, 6 },  { "G", 10, 9 },  { "T", 10, 12 },
	{ "P", 10, 15 }, { "E", 10, 18 }, { "Ki", 2, 10 }, { "Mi", 2, 20 },
	{ "Gi", 2, 30 }, { "Ti", 2, 40 }, { "Pi", 2, 50 }, { "Ei", 2, 60 },
};

int fg_k8s_quantity_parse(const char *s, struct fg_quantity *q)
{
	size_t end = strlen(s), pos = 0, suffix_start, i;
	const char *num, *den = "";
	size_t num_len = 0, den_len = 0;
	unsigned long long coef = 0;
	long e10 = 0, exp = 0;
	int neg = 0, base = 10, nd = 0, round_up = 0, found = 0;

	if (end == 0)
		return fg_error_set(FG_EINVALID, K8S_ERR_FORMAT);
	if (s[0] == '-' || s[0] == '+')
		neg = s[pos++] == '-';
	while (pos < end && s[pos] == '0')
		pos++;
	num = s + pos;
	while (pos < end && isdigit((unsigned char)s[pos])) {
		pos++;
		num_len++;
	}
	if (pos < end && s[pos] == '.') {
		den = s + ++pos;
		while (pos < end && isdigit((unsigned char)s[pos])) {
			pos++;
			den_len++;
		}
	}
	suffix_start = pos;
	while (pos < end && strchr("eEinumkKMGTP", s[pos]))
		pos++;
	if (pos < end && (s[pos] == '-' || s[pos] == '+'))
		pos++;
	while (pos < end && isdigit((unsigned char)s[pos]))
		pos++;
	if (pos < end)
		return fg_error_set(FG_EINVALID, K8S_ERR_FORMAT);

	for (i = 0; i < sizeof(k8s_suffixes) / sizeof(k8s_suffixes[0]); i++)
		if (!strcmp(s + suffix_start, k8s_suffixes[i].suffix)) {
			base = k8s_suffixes[i].base;
			exp = k8s_suffixes[i].exp;
			found = 1;
			break;
		}
	if (!found) {
		const char *x = s + suffix_start;
		char *xe;
		if (strlen(x) < 2 || (x[0] != 'e' && x[0] != 'E') ||
		    !(isdigit((unsigned char)x[1]) ||
		      ((x[1] == '+' || x[1] == '-') &&
		       isdigit((unsigned char)x[2]))))
			return fg_error_set(FG_EINVALID, K8S_ERR_SUFFIX);
		errno = 0;
		exp = strtol(x + 1, &xe, 10);
		if (*xe)
			return fg_error_set(FG_EINVALID, K8S_ERR_SUFFIX);
		if (errno == ERANGE || exp > FG_QUANTITY_MAX_EXP ||
		    exp < -FG_QUANTITY_MAX_EXP)
			return fg_error_set(
				FG_EINVALID,
				"quantity exponent out of range (at most %d)",
				FG_QUANTITY_MAX_EXP);
	}

	e10 = base == 10 ? exp : 0;
	e10 -= (long)(den_len > FG_QUANTITY_MAX_EXP ? FG_QUANTITY_MAX_EXP
						    : den_len);
	for (i = 0; i < num_len + den_len; i++) {
		unsigned d =
			(unsigned)((i < num_len ? num[i] : den[i - num_len]) -
				   '0');
		if (nd == 0 && d == 0)
			continue;
		if (nd < FG_QUANTITY_DIGITS) {
			coef = coef * 10 + d;
			nd++;
		} else {
			if (e10 < FG_QUANTITY_MAX_EXP * 2L)
				e10++;
			if (d)
				round_up = 1;
		}
	}
	if (round_up && ++coef == pow10u[FG_QUANTITY_DIGITS]) {
		coef /= 10;
		e10++;
	}
	if (base == 2)
		for (long k = 0; k < exp; k++) {
			if (coef >= pow10u[FG_QUANTITY_DIGITS] / 2) {
				unsigned long long r = coef % 10;
				coef = coef / 10 + (r != 0);
				e10++;
			}
			coef *= 2;
		}
	/* Kubernetes rounds non-zero values up to whole nano units. */
	if (coef && e10 < -9) {
		long d = -9 - e10;
		if (d > FG_QUANTITY_DIGITS) {
			coef = 1;
		} else {
			unsigned long long div = pow10u[d];
			coef = coef / div + (coef % div != 0);
		}
		e10 = -9;
	}
	if (!coef) {
		neg = 0;
		e10 = 0;
	}
	while (coef && coef % 10 == 0) {
		coef /= 10;
		e10++;
	}
	if (e10 > FG_QUANTITY_MAX_EXP)
		return fg_error_set(
			FG_EINVALID,
			"quantity exponent out of range (at most %d)",
			FG_QUANTITY_MAX_EXP);
	q->neg = neg;
	q->coef = coef;
	q->exp10 = (int)e10;
	return 0;
}

int fg_quantity_sign(const struct fg_quantity *q)
{
	return q->coef == 0 ? 0 : q->neg ? -1 : 1;
}

static int ndigits(unsigned long long v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

int fg_quantity_cmp(const struct fg_quantity *a, const struct fg_quantity *b)
{
	int sa = fg_quantity_sign(a), sb = fg_quantity_sign(b), mag;
	long ma, mb;
	unsigned long long ca = a->coef, cb = b->coef;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (sa == 0)
		return 0;
	ma = (long)ndigits(a->coef) + a->exp10;
	mb = (long)ndigits(b->coef) + b->exp10;
	if (ma != mb) {
		mag = ma < mb ? -1 : 1;
	} else {
		/* same magnitude: aligning needs at most 17 more digits */
		if (a->exp10 > b->exp10)
			ca *= pow10u[a->exp10 - b->exp10];
		else
			cb *= pow10u[b->exp10 - a->exp10];
		mag = ca < cb ? -1 : ca > cb;
	}
	return sa > 0 ? mag : -mag;
}

double fg_quantity_to_double(const struct fg_quantity *q)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s%llue%d", q->neg ? "-" : "", q->coef,
		 q->exp10);
	return strtod(buf, NULL);
}
