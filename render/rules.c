/*
 * The operator's validator rules that a Git repository alone decides.
 *
 * Upstream sources the rules follow (apache/flink-kubernetes-operator):
 * OP/validation/DefaultValidator.java, flink-autoscaler/.../validation/
 * AutoscalerValidator.java, OP/utils/IngressUtils.java, OP/utils/
 * JarUriValidationUtils.java, OP/utils/ResourceConfigUtils.java, and
 * Flink's MemorySize, TimeUtils and HighAvailabilityMode. Where the
 * operator leans on a Java library (java.net.URL, java.net.URI,
 * Double.toString, HashSet order), the parts that decide the outcome or
 * the message text are reproduced here.
 *
 * Not decidable here, so not checked: anything against lastReconciledSpec
 * (rule 4, rule 14, the session job's deploymentName change), the target
 * session cluster (session-job rules that need it, and every check that
 * needs the session cluster's configuration), FlinkStateSnapshot targets,
 * DNS (a jarURI host name that cannot be resolved or resolves to a
 * restricted address; literal IP addresses are checked), the autoscaler's
 * excluded-periods cron syntax, and whether Flink's memory model resolves
 * beyond "a size is configured".
 */
#include <arpa/inet.h>
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
#include "render/problems.h"
#include "render/rules.h"
#include "render/base/banned.h"

/* Longest jarURI / ingress template we parse; longer ones are refused. */
#define FG_RULES_MAX_URI 8192
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

/* jansson's iterators take a non-const object; they never change it. */
static json_t *mut(const json_t *j)
{
	return (json_t *)(uintptr_t)j;
}

static const json_t *get(const json_t *o, const char *key)
{
	const json_t *v;

	if (!json_is_object(o))
		return NULL;
	v = json_object_get(o, key);
	return json_is_null(v) ? NULL : v;
}

/* Java's String.trim(): every char <= ' ' at either end. */
static void java_trim(const char **b, const char **e)
{
	while (*b < *e && (unsigned char)**b <= ' ')
		(*b)++;
	while (*e > *b && (unsigned char)(*e)[-1] <= ' ')
		(*e)--;
}

/* StringUtils.isNullOrWhitespaceOnly */
static int blank(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if (!isspace((unsigned char)*s) && *s != '\x1c' &&
		    *s != '\x1d' && *s != '\x1e' && *s != '\x1f')
			return 0;
	return 1;
}

/* ---- numbers as Java reads and prints them ------------------------------ */

static void shortest_double(double d, char *buf, size_t size)
{
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, size, "%.*g", p, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

/* Double.parseDouble, for the decimal forms users write. */
static int java_parse_double(const char *s, double *out)
{
	const char *b = s, *e = s + strlen(s), *p;
	char tmp[128], *end;
	size_t n;
	int neg = 0;

	java_trim(&b, &e);
	n = (size_t)(e - b);
	if (n == 0 || n >= sizeof(tmp))
		return -1;
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
	if (!isdigit((unsigned char)*p) && *p != '.')
		return -1;
	if (strpbrk(p, "xXpP"))
		return -1;
	if (n > 1 && strchr("fFdD", tmp[n - 1]))
		tmp[n - 1] = '\0';
	*out = strtod(tmp, &end);
	if (end == tmp || *end)
		return -1;
	return 0;
}

/* Double.toString: "0.7", "1.0", "1.0E-5", "Infinity". */
static void java_double_text(double d, char *buf, size_t size)
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

const char *fg_flink_conf_text(const json_t *v, char *buf, size_t size)
{
	if (!v)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return buf;
	case JSON_REAL:
		shortest_double(json_real_value(v), buf, size);
		return buf;
	default:
		return NULL;
	}
}

/* ---- Flink MemorySize ----------------------------------------------------- */

static const struct {
	const char *names[3];
	unsigned long long mult;
} flink_units[] = {
	{ { "b", "bytes", NULL }, 1ULL },
	{ { "k", "kb", "kibibytes" }, 1ULL << 10 },
	{ { "m", "mb", "mebibytes" }, 1ULL << 20 },
	{ { "g", "gb", "gibibytes" }, 1ULL << 30 },
	{ { "t", "tb", "tebibytes" }, 1ULL << 40 },
};

#define FLINK_UNITS_TEXT                                               \
	"(b | bytes) / (k | kb | kibibytes) / (m | mb | mebibytes) / " \
	"(g | gb | gibibytes) / (t | tb | tebibytes)"

int fg_flink_memory_parse(const char *s, unsigned long long *bytes)
{
	const char *b = s, *e = s + strlen(s), *p, *ub, *ue;
	unsigned long long v = 0, mult = 0;
	char unit[64];
	size_t ulen;

	java_trim(&b, &e);
	if (b == e)
		return fg_error_set(
			FG_EINVALID,
			"argument is an empty- or whitespace-only string");
	for (p = b; p < e && isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > ((unsigned long long)LLONG_MAX - d) / 10)
			return fg_error_set(
				FG_EINVALID,
				"The value '%.*s' cannot be re represented as "
				"64bit number (numeric overflow).",
				(int)(e - b), b);
		v = v * 10 + d;
	}
	if (p == b)
		return fg_error_set(FG_EINVALID,
				    "text does not start with a number");
	ub = p;
	ue = e;
	java_trim(&ub, &ue);
	ulen = (size_t)(ue - ub);
	if (ulen >= sizeof(unit))
		ulen = sizeof(unit) - 1;
	for (size_t i = 0; i < ulen; i++)
		unit[i] = (char)tolower((unsigned char)ub[i]);
	unit[ulen] = '\0';
	if (ulen == 0)
		mult = 1;
	for (size_t i = 0;
	     !mult && i < sizeof(flink_units) / sizeof(flink_units[0]); i++)
		for (size_t j = 0; j < 3 && flink_units[i].names[j]; j++)
			if (!strcmp(unit, flink_units[i].names[j]))
				mult = flink_units[i].mult;
	if (!mult)
		return fg_error_set(FG_EINVALID,
				    "Memory size unit '%.*s' does not match "
				    "any of the recognized units: %s",
				    (int)(ue - ub), unit, FLINK_UNITS_TEXT);
	if (v > (unsigned long long)LLONG_MAX / mult)
		return fg_error_set(
			FG_EINVALID,
			"The value '%s' cannot be re represented as 64bit "
			"number of bytes (numeric overflow).",
			s);
	*bytes = v * mult;
	return 0;
}

/* ---- Kubernetes resource.Quantity ----------------------------------------- */

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

/* ---- the operator's memory parser ---------------------------------------- */

int fg_flink_resource_memory_parse(const char *s, unsigned long long *bytes)
{
	char flink_msg[FG_ERROR_MSG_MAX];
	struct fg_buf k = FG_BUF_INIT;
	const char *b = s, *e = s + strlen(s);
	struct fg_quantity q;
	int err = 0, ok = 0;

	if (fg_flink_memory_parse(s, bytes) == 0)
		return 0;
	snprintf(flink_msg, sizeof(flink_msg), "%s", fg_error_last());

	/* ResourceConfigUtils.formatMemoryStringForK8sSpec */
	java_trim(&b, &e);
	for (; b < e && !err; b++)
		if (!strchr(" \t\n\v\f\r", *b))
			err = fg_buf_putc(&k, (char)toupper((unsigned char)*b));
	if (err) {
		fg_buf_release(&k);
		return err;
	}
	if (k.len && k.ptr[k.len - 1] == 'B')
		fg_buf_truncate(&k, k.len - 1);
	if (k.len && k.ptr[k.len - 1] == 'I')
		k.ptr[k.len - 1] = 'i';

	/*
	 * The quantity's byte count goes back through MemorySize.parse, which
	 * takes digits only: negative or fractional byte counts fail.
	 */
	if (k.len && fg_k8s_quantity_parse(k.ptr, &q) == 0 && !q.neg &&
	    q.exp10 >= 0 && q.exp10 <= FG_QUANTITY_DIGITS &&
	    q.coef <= (unsigned long long)LLONG_MAX / pow10u[q.exp10]) {
		*bytes = q.coef * pow10u[q.exp10];
		ok = 1;
	}
	fg_buf_release(&k);
	if (ok)
		return 0;
	return fg_error_set(FG_EINVALID, "%s", flink_msg);
}

/* ---- Flink configuration lookup ------------------------------------------ */

/* Options whose deprecated or fallback keys are not the generic rule. */
static const struct {
	const char *key;
	const char *alias[4];
} conf_options[] = {
	{ "execution.checkpointing.dir",
	  { "state.checkpoints.dir", "state.backend.fs.checkpointdir" } },
	{ "execution.checkpointing.savepoint-dir",
	  { "state.savepoints.dir", "savepoints.state.backend.fs.dir" } },
	{ "high-availability.type", { "recovery.mode", "high-availability" } },
	{ "kubernetes.operator.reconcile.interval",
	  { "kubernetes.operator.reconciler.reschedule.interval" } },
	{ "kubernetes.operator.jm-deployment-recovery.enabled",
	  { "kubernetes.operator.reconciler.jm-deployment-recovery.enabled" } },
	{ "job.autoscaler.utilization.target",
	  { "job.autoscaler.target.utilization",
	    "kubernetes.operator.job.autoscaler.utilization.target",
	    "kubernetes.operator.job.autoscaler.target.utilization" } },
	{ "job.autoscaler.scale-down.interval",
	  { "job.autoscaler.scale-up.grace-period",
	    "kubernetes.operator.job.autoscaler.scale-up.grace-period",
	    "kubernetes.operator.job.autoscaler.scale-down.interval" } },
};

#define AUTOSCALER_PREFIX "job.autoscaler."
#define OLD_AUTOSCALER_PREFIX "kubernetes.operator.job.autoscaler."

static const json_t *conf_one(const json_t *conf, const char *key,
			      const char **found_key)
{
	void *it = json_object_iter_at(mut(conf), key);
	const json_t *v;

	if (!it)
		return NULL;
	v = json_object_iter_value(it);
	if (!v || json_is_null(v))
		return NULL;
	if (found_key)
		*found_key = json_object_iter_key(it);
	return v;
}

const json_t *fg_flink_conf_get(const json_t *conf, const char *key,
				const char **found_key)
{
	const json_t *v;
	size_t i;

	if (!json_is_object(conf) || !key)
		return NULL;
	if ((v = conf_one(conf, key, found_key)))
		return v;
	for (i = 0; i < sizeof(conf_options) / sizeof(conf_options[0]); i++) {
		if (strcmp(conf_options[i].key, key) != 0)
			continue;
		for (size_t j = 0; j < 4 && conf_options[i].alias[j]; j++)
			if ((v = conf_one(conf, conf_options[i].alias[j],
					  found_key)))
				return v;
		return NULL;
	}
	if (!strncmp(key, AUTOSCALER_PREFIX, strlen(AUTOSCALER_PREFIX))) {
		char old[256];
		int n = snprintf(old, sizeof(old), "%s%s",
				 OLD_AUTOSCALER_PREFIX,
				 key + strlen(AUTOSCALER_PREFIX));
		if (n > 0 && (size_t)n < sizeof(old))
			return conf_one(conf, old, found_key);
	}
	return NULL;
}

/* ---- Flink Duration (TimeUtils.parseDuration) ------------------------------ */

static const struct {
	const char *names[5];
	unsigned long long ns;
} time_units[] = {
	{ { "ns", "nano", "nanos", "nanosecond", "nanoseconds" }, 1ULL },
	{ { "\xc2\xb5s", "micro", "micros", "microsecond", "microseconds" },
	  1000ULL },
	{ { "ms", "milli", "millis", "millisecond", "milliseconds" },
	  1000000ULL },
	{ { "s", "sec", "secs", "second", "seconds" }, 1000000000ULL },
	{ { "min", "m", "minute", "minutes", NULL }, 60000000000ULL },
	{ { "h", "hour", "hours", NULL, NULL }, 3600000000000ULL },
	{ { "d", "day", "days", NULL, NULL }, 86400000000000ULL },
};

/* Saturating at ULLONG_MAX; only ever compared. */
static int flink_duration_parse(const char *s, unsigned long long *ns)
{
	const char *b = s, *e = s + strlen(s), *p, *ub, *ue;
	unsigned long long v = 0, mult = 0;
	char unit[32];
	size_t ulen;

	java_trim(&b, &e);
	for (p = b; p < e && isdigit((unsigned char)*p); p++) {
		if (v > ((unsigned long long)LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (p == b)
		return -1;
	ub = p;
	ue = e;
	java_trim(&ub, &ue);
	ulen = (size_t)(ue - ub);
	if (ulen >= sizeof(unit))
		return -1;
	for (size_t i = 0; i < ulen; i++)
		unit[i] = (char)tolower((unsigned char)ub[i]);
	unit[ulen] = '\0';
	if (ulen == 0)
		mult = 1000000ULL; /* milliseconds */
	for (size_t i = 0;
	     !mult && i < sizeof(time_units) / sizeof(time_units[0]); i++)
		for (size_t j = 0; j < 5 && time_units[i].names[j]; j++)
			if (!strcmp(unit, time_units[i].names[j]))
				mult = time_units[i].ns;
	if (!mult)
		return -1;
	*ns = v > ULLONG_MAX / mult ? ULLONG_MAX : v * mult;
	return 0;
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
static int java_parse_int(const char *s, size_t n, long long *out,
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

/* IPAddressUtil.isIPv6LiteralAddress, "%scope" allowed. */
static int ipv6_literal(const char *s, size_t n, unsigned char addr[16])
{
	char tmp[64];
	const char *pc = memchr(s, '%', n);

	if (pc) {
		if ((size_t)(pc - s) == n - 1)
			return 0;
		n = (size_t)(pc - s);
	}
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, addr) == 1;
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
static int java_url_check(const char *spec, struct fg_buf *msg)
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
				int r = java_parse_int(host + ind + 2,
						       host_len - ind - 2,
						       &port, msg);
				if (r)
					return r;
			}
		}
	} else {
		const char *pc = memchr(host, ':', host_len);
		size_t ind = pc ? (size_t)(pc - host) : 0;
		if (pc && host_len > ind + 1) {
			int r = java_parse_int(host + ind + 1,
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

/* InetAddress: loopback, link-local, site-local, any-local or multicast. */
static int ipv4_restricted(const unsigned char a[4])
{
	return a[0] == 127 || (a[0] == 169 && a[1] == 254) || a[0] == 10 ||
	       (a[0] == 172 && (a[1] & 0xF0) == 16) ||
	       (a[0] == 192 && a[1] == 168) ||
	       (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0) ||
	       (a[0] & 0xF0) == 224;
}

/* Literal addresses only: host names need DNS, which we do not do. */
static int host_restricted(const char *host, size_t len)
{
	unsigned char a[16];
	char tmp[64];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0,    0,
						  0, 0, 0, 0, 0xFF, 0xFF };

	if (len >= 2 && host[0] == '[') {
		if (!ipv6_literal(host + 1, len - 2, a))
			return 0;
		if (!memcmp(a, mapped, sizeof(mapped)))
			return ipv4_restricted(a + 12);
		for (int i = 0; i < 16; i++)
			if (a[i] != (i == 15 ? 1 : 0))
				goto not_loopback;
		return 1;
	not_loopback:
		for (int i = 0; i < 16; i++)
			if (a[i])
				return a[0] == 0xFF ||
				       (a[0] == 0xFE && (a[1] & 0x80) == 0x80);
		return 1; /* :: */
	}
	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, host, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, a) != 1)
		return 0;
	return ipv4_restricted(a);
}

/* ---- the checks -------------------------------------------------------------- */

struct ctx {
	struct fg_problems *out;
	json_t *conf;	       /* effective configuration, owned */
	const json_t *cr_conf; /* spec.flinkConfiguration, borrowed */
	const json_t *op_conf; /* operator defaults, borrowed */
	struct fg_buf ptr;     /* scratch pointer */
	int err;
};

static void add(struct ctx *c, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add(struct ctx *c, const char *pointer, const char *fmt, ...)
{
	struct fg_buf msg = FG_BUF_INIT;
	va_list ap;
	int err;

	if (c->err)
		return;
	va_start(ap, fmt);
	err = fg_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (!err)
		err = fg_problems_add(c->out, pointer, "%s", msg.ptr);
	if (err)
		c->err = err;
	fg_buf_release(&msg);
}

static int ptr_push(struct fg_buf *b, const char *token)
{
	int err = fg_buf_putc(b, '/');

	for (; *token && !err; token++)
		if (*token == '~')
			err = fg_buf_puts(b, "~0");
		else if (*token == '/')
			err = fg_buf_puts(b, "~1");
		else
			err = fg_buf_putc(b, *token);
	return err;
}

/* "/a/b" + escaped tokens, into the scratch pointer. */
static const char *ptr(struct ctx *c, const char *base, const char *t1,
		       const char *t2, const char *t3)
{
	int err;

	fg_buf_clear(&c->ptr);
	err = fg_buf_puts(&c->ptr, base);
	if (!err && t1)
		err = ptr_push(&c->ptr, t1);
	if (!err && t2)
		err = ptr_push(&c->ptr, t2);
	if (!err && t3)
		err = ptr_push(&c->ptr, t3);
	if (err && !c->err)
		c->err = err;
	return c->ptr.ptr;
}

/* Where a configuration key is written, or where it would go. */
static const char *conf_ptr(struct ctx *c, const char *key)
{
	if (c->cr_conf && key && get(c->cr_conf, key))
		return ptr(c, "/spec/flinkConfiguration", key, NULL, NULL);
	return c->cr_conf ? "/spec/flinkConfiguration" : "/spec";
}

static const char *conf_text(struct ctx *c, const char *key, char *buf,
			     size_t size, const char **found)
{
	return fg_flink_conf_text(fg_flink_conf_get(c->conf, key, found), buf,
				  size);
}

static int conf_has(struct ctx *c, const char *key, const char **found)
{
	return fg_flink_conf_get(c->conf, key, found) != NULL;
}

/* Flink booleans: "true"/"false" in any case; anything else: default. */
static int conf_bool(struct ctx *c, const char *key, int dflt)
{
	char buf[64];
	const char *t = conf_text(c, key, buf, sizeof(buf), NULL);

	if (t && !strcasecmp(t, "true"))
		return 1;
	if (t && !strcasecmp(t, "false"))
		return 0;
	return dflt;
}

/* HighAvailabilityMode.isHighAvailabilityModeActivated */
static int ha_enabled(struct ctx *c)
{
	char buf[64];
	const char *t =
		conf_text(c, "high-availability.type", buf, sizeof(buf), NULL);

	return t && strcasecmp(t, "NONE") != 0 &&
	       strcasecmp(t, "standalone") != 0;
}

#define NAME_MSG                                                             \
	"The FlinkDeployment name: %s is invalid, must consist of lower "    \
	"case alphanumeric characters or '-', start with an alphabetic "     \
	"character, and end with an alphanumeric character (e.g. "           \
	"'my-name',  or 'abc-123'), and the length must be no more than 45 " \
	"characters."

/* [a-z]([-a-z\d]{0,43}[a-z\d])? */
static int valid_deployment_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 45 || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char ch = s[i];
		int alnum =
			(ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
		if (!alnum && !(ch == '-' && i < n - 1))
			return 0;
	}
	return 1;
}

/* FlinkVersion.isSupported: >= v1_15. Unknown spellings are the schema's. */
static int flink_version_unsupported(const char *v)
{
	char *e;
	long major, minor;

	if (v[0] != 'v' || !isdigit((unsigned char)v[1]))
		return 0;
	major = strtol(v + 1, &e, 10);
	if (*e != '_' || !isdigit((unsigned char)e[1]))
		return 0;
	minor = strtol(e + 1, &e, 10);
	if (*e)
		return 0;
	return major < 1 || (major == 1 && minor < 15);
}

static void check_config_rules(struct ctx *c)
{
	static const char *const forbidden[] = {
		"kubernetes.namespace",
		"kubernetes.cluster-id",
		"high-availability.cluster-id",
	};
	const char *found;

	/* rule 5: Configuration.containsKey, the key itself only */
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (get(c->conf, forbidden[i]))
			add(c, conf_ptr(c, forbidden[i]),
			    "Forbidden Flink config key: %s", forbidden[i]);

	/* rule 6 */
	if (conf_bool(c, "kubernetes.operator.deployment.rollback.enabled",
		      0) &&
	    !ha_enabled(c))
		add(c,
		    conf_ptr(c,
			     "kubernetes.operator.deployment.rollback.enabled"),
		    "HA must be enabled for rollback support.");

	/* rule 7 */
	if (conf_bool(c, "kubernetes.operator.cluster.health-check.enabled",
		      0) &&
	    !conf_bool(c, "kubernetes.operator.jm-deployment-recovery.enabled",
		       1)) {
		found = "kubernetes.operator.cluster.health-check.enabled";
		conf_has(c,
			 "kubernetes.operator.jm-deployment-recovery.enabled",
			 &found);
		add(c, conf_ptr(c, found),
		    "Deployment recovery (%s) must be enabled for job health "
		    "check (%s) support.",
		    "kubernetes.operator.jm-deployment-recovery.enabled",
		    "kubernetes.operator.cluster.health-check.enabled");
	}
}

/* Case-insensitive replace-all of `pat` in `b` by `with`. */
static int replace_ci(struct fg_buf *b, const char *pat, const char *with)
{
	struct fg_buf o = FG_BUF_INIT;
	size_t pl = strlen(pat), i = 0;
	int err = 0;

	while (i < b->len && !err) {
		if (b->len - i >= pl && !strncasecmp(b->ptr + i, pat, pl)) {
			err = fg_buf_puts(&o, with);
			i += pl;
		} else {
			err = fg_buf_putc(&o, b->ptr[i++]);
		}
	}
	if (!err) {
		fg_buf_clear(b);
		err = fg_buf_add(b, o.ptr, o.len);
	}
	fg_buf_release(&o);
	return err;
}

/* rules 8 and 9 (IngressUtils.getIngressUrl) */
static void check_ingress(struct ctx *c, const json_t *obj, const json_t *spec)
{
	const json_t *ingress = get(spec, "ingress"), *tmpl;
	const char *t, *name, *ns;
	struct fg_buf url = FG_BUF_INIT, msg = FG_BUF_INIT;
	int err = 0, r;

	if (!ingress)
		return;
	tmpl = get(ingress, "template");
	if (!tmpl) {
		add(c, "/spec/ingress", "Ingress template must be defined");
		return;
	}
	if (!json_is_string(tmpl))
		return;
	t = json_string_value(tmpl);
	if (strlen(t) > FG_RULES_MAX_URI) {
		add(c, "/spec/ingress/template",
		    "ingress template longer than %d bytes", FG_RULES_MAX_URI);
		return;
	}
	name = json_string_value(get(get(obj, "metadata"), "name"));
	ns = json_string_value(get(get(obj, "metadata"), "namespace"));
	if (strncasecmp(t, "http://", 7) && strncasecmp(t, "https://", 8))
		err = fg_buf_puts(&url, "http://");
	err = err ? err : fg_buf_puts(&url, t);
	err = err ? err : replace_ci(&url, "{{name}}", name ? name : "");
	err = err ? err : replace_ci(&url, "{{namespace}}", ns ? ns : "");
	if (err) {
		c->err = err;
		goto done;
	}
	r = java_url_check(url.ptr, &msg);
	if (r == -2)
		c->err = fg_error_set(FG_ERROR, "out of memory");
	else if (r)
		add(c, "/spec/ingress/template",
		    "Unable to process the Ingress template(%s). Error: %s", t,
		    msg.ptr);
done:
	fg_buf_release(&url);
	fg_buf_release(&msg);
}

/* rule 10; Java prints Set.of(...) in an order that varies per JVM. */
static void check_log_config(struct ctx *c, const json_t *spec)
{
	const json_t *lc = get(spec, "logConfiguration"), *v;
	const char *key;

	if (!json_is_object(lc))
		return;
	json_object_foreach (mut(lc), key, v) {
		if (!strcmp(key, "log4j-console.properties") ||
		    !strcmp(key, "logback-console.xml"))
			continue;
		add(c, ptr(c, "/spec/logConfiguration", key, NULL, NULL),
		    "Invalid log config key: %s. Allowed keys are %s", key,
		    "[log4j-console.properties, logback-console.xml]");
	}
}

#define CHECKPOINT_DIR "execution.checkpointing.dir"
#define SAVEPOINT_DIR "execution.checkpointing.savepoint-dir"

/*
 * rule 11, the directories an upgrade mode or savepoint setting needs,
 * checked against the effective configuration in `c`
 */
static void check_job_dirs(struct ctx *c, const json_t *job)
{
	char buf[64];
	const char *mode = json_string_value(get(job, "upgradeMode"));
	const char *found;

	if (!mode)
		mode = "stateless";
	/* an upgradeMode outside the enum is the schema's error, not this */
	if ((!strcmp(mode, "savepoint") || !strcmp(mode, "last-state")) &&
	    blank(conf_text(c, CHECKPOINT_DIR, buf, sizeof(buf), NULL)))
		add(c, "/spec/job/upgradeMode",
		    "Checkpoint directory[%s] must be defined for "
		    "last-state and savepoint upgrade modes",
		    CHECKPOINT_DIR);
	if (!blank(conf_text(c, SAVEPOINT_DIR, buf, sizeof(buf), NULL)))
		return;
	if (!strcmp(mode, "savepoint"))
		add(c, "/spec/job/upgradeMode",
		    "Job could not be upgraded with savepoint "
		    "while config key[%s] is not set",
		    SAVEPOINT_DIR);
	if (get(job, "savepointTriggerNonce"))
		add(c, "/spec/job/savepointTriggerNonce",
		    "Savepoint could not be manually triggered "
		    "for the running job while config key[%s] "
		    "is not set",
		    SAVEPOINT_DIR);
	if (conf_has(c, "kubernetes.operator.periodic.savepoint.interval",
		     &found))
		add(c, conf_ptr(c, found),
		    "Periodic savepoints cannot be enabled "
		    "when config key[%s] is not set",
		    SAVEPOINT_DIR);
	if (conf_has(c,
		     "kubernetes.operator.job.upgrade.last-"
		     "state.max.allowed.checkpoint.age",
		     &found))
		add(c, conf_ptr(c, found),
		    "In order to use max-checkpoint age "
		    "functionality config key[%s] must be set "
		    "to allow triggering savepoint upgrades.",
		    SAVEPOINT_DIR);
}

/* rule 11; `tm` is NULL for session jobs */
static void check_job_spec(struct ctx *c, const json_t *job, const json_t *tm,
			   int session_job)
{
	const json_t *replicas = get(tm, "replicas"), *par;

	/*
	 * A session job's directories may come from its session cluster:
	 * fg_rules_check_session_job_target checks them with both.
	 */
	if (!session_job)
		check_job_dirs(c, job);
	if (replicas) {
		if (json_is_integer(replicas) &&
		    json_integer_value(replicas) < 1)
			add(c, "/spec/taskManager/replicas",
			    "TaskManager replicas must be larger than 0");
		return;
	}
	par = get(job, "parallelism");
	if (!par)
		add(c, "/spec/job", "Job parallelism must be larger than 0");
	else if (json_is_integer(par) && json_integer_value(par) < 1)
		add(c, "/spec/job/parallelism",
		    "Job parallelism must be larger than 0");
}

/*
 * The operator parses ephemeral storage with fabric8's Quantity, which
 * hands the number part to java.math.BigDecimal: a value that does not
 * start like a number fails with BigDecimal's own words (the operator's
 * tests expect them). Other failures keep the Kubernetes parser's text.
 */
static void quantity_error(char *out, size_t outsz, const char *s)
{
	unsigned char c = (unsigned char)s[0];

	if (c && !(c >= '0' && c <= '9') && c != '.' && c != '+' && c != '-')
		snprintf(out, outsz,
			 "Character %c is neither a decimal digit number, "
			 "decimal point, nor \"e\" notation exponential "
			 "mark.",
			 c);
	else
		snprintf(out, outsz, "%s", fg_error_last());
}

/* Flink's process memory model needs one of these sizes. */
static int conf_memory_defined(struct ctx *c, int jm)
{
	static const char *const jm_keys[] = {
		"jobmanager.memory.process.size",
		"jobmanager.memory.flink.size",
		"jobmanager.memory.heap.size",
		"jobmanager.heap.size",
		"jobmanager.heap.mb",
	};
	static const char *const tm_keys[] = {
		"taskmanager.memory.process.size",
		"taskmanager.memory.flink.size",
		"taskmanager.heap.size",
		"taskmanager.heap.mb",
	};
	const char *const *keys = jm ? jm_keys : tm_keys;
	size_t n = jm ? sizeof(jm_keys) / sizeof(jm_keys[0])
		      : sizeof(tm_keys) / sizeof(tm_keys[0]);

	for (size_t i = 0; i < n; i++)
		if (get(c->conf, keys[i]))
			return 1;
	return !jm && get(c->conf, "taskmanager.memory.task.heap.size") &&
	       get(c->conf, "taskmanager.memory.managed.size");
}

static void check_requirements(struct ctx *c, const char *comp,
			       const char *field, const json_t *resources)
{
	static const char *const kinds[] = { "requests", "limits" };
	static const char *const compared[] = { "cpu", "memory" };
	char base[64], buf[64], buf2[64];
	char errmsg[FG_ERROR_MSG_MAX];

	snprintf(base, sizeof(base), "/spec/%s/resources", field);
	for (size_t k = 0; k < 2; k++) {
		const json_t *map = get(resources, kinds[k]), *v;
		const char *rname, *text;
		if (!json_is_object(map))
			continue;
		json_object_foreach (mut(map), rname, v) {
			unsigned long long bytes;
			struct fg_quantity q;
			const char *p;
			text = fg_flink_conf_text(v, buf, sizeof(buf));
			if (!text)
				continue;
			if (!strcmp(rname, "memory")) {
				if (fg_flink_resource_memory_parse(text,
								   &bytes)) {
					snprintf(errmsg, sizeof(errmsg), "%s",
						 fg_error_last());
					p = ptr(c, base, kinds[k], rname, NULL);
					add(c, p,
					    "%s resource requirements %s %s "
					    "parse error: %s",
					    comp, kinds[k], rname, errmsg);
				} else if (bytes == 0) {
					p = ptr(c, base, kinds[k], rname, NULL);
					add(c, p,
					    "%s resource requirements %s %s "
					    "must be positive: %s",
					    comp, kinds[k], rname, text);
				}
				continue;
			}
			if (fg_k8s_quantity_parse(text, &q)) {
				snprintf(errmsg, sizeof(errmsg), "%s",
					 fg_error_last());
				p = ptr(c, base, kinds[k], rname, NULL);
				add(c, p,
				    "%s resource requirements %s %s parse "
				    "error: %s",
				    comp, kinds[k], rname, errmsg);
			} else if (!strcmp(rname, "cpu") &&
				   fg_quantity_sign(&q) <= 0) {
				p = ptr(c, base, kinds[k], rname, NULL);
				add(c, p,
				    "%s resource requirements %s %s must be "
				    "positive: %s",
				    comp, kinds[k], rname, text);
			} else if (fg_quantity_sign(&q) < 0) {
				p = ptr(c, base, kinds[k], rname, NULL);
				add(c, p,
				    "%s resource requirements %s %s must not "
				    "be negative: %s",
				    comp, kinds[k], rname, text);
			}
		}
	}
	for (size_t i = 0; i < 2; i++) {
		const char *r = compared[i];
		const char *rt = fg_flink_conf_text(
			get(get(resources, "requests"), r), buf, sizeof(buf));
		const char *lt = fg_flink_conf_text(
			get(get(resources, "limits"), r), buf2, sizeof(buf2));
		int over = 0;
		if (!rt || !lt)
			continue;
		if (!strcmp(r, "memory")) {
			unsigned long long rb, lb;
			over = !fg_flink_resource_memory_parse(rt, &rb) &&
			       !fg_flink_resource_memory_parse(lt, &lb) &&
			       rb > lb;
		} else {
			struct fg_quantity rq, lq;
			over = !fg_k8s_quantity_parse(rt, &rq) &&
			       !fg_k8s_quantity_parse(lt, &lq) &&
			       fg_quantity_cmp(&rq, &lq) > 0;
		}
		if (over)
			add(c, ptr(c, base, "requests", r, NULL),
			    "%s resource requirements %s request (%s) must not "
			    "exceed its limit (%s)",
			    comp, r, rt, lt);
	}
}

/* rules 12 (jm) and 13 */
static void check_component(struct ctx *c, const json_t *spec, int jm)
{
	const char *comp = jm ? "JobManager" : "TaskManager";
	const char *field = jm ? "jobManager" : "taskManager";
	const json_t *cs = get(spec, field);
	const json_t *res = get(cs, "resource"), *reqs = get(cs, "resources");
	const json_t *mem = get(res, "memory"), *eph, *replicas;
	char errmsg[FG_ERROR_MSG_MAX];
	unsigned long long bytes;
	struct fg_quantity q;
	int defined;

	defined = (json_is_string(mem) && !blank(json_string_value(mem))) ||
		  get(get(reqs, "requests"), "memory") ||
		  get(get(reqs, "limits"), "memory");
	if (!defined && !conf_memory_defined(c, jm))
		add(c, cs ? ptr(c, "/spec", field, NULL, NULL) : "/spec",
		    "%s resource memory must be defined using "
		    "`spec.%s.resource.memory` or "
		    "`spec.%s.resources.requests.memory`",
		    comp, field, field);
	if (!cs)
		return;
	if (json_is_string(mem) &&
	    fg_flink_resource_memory_parse(json_string_value(mem), &bytes)) {
		snprintf(errmsg, sizeof(errmsg), "%s", fg_error_last());
		add(c, ptr(c, "/spec", field, "resource", "memory"),
		    "%s resource memory parse error: %s", comp, errmsg);
	}
	eph = get(res, "ephemeralStorage");
	if (json_is_string(eph) &&
	    fg_k8s_quantity_parse(json_string_value(eph), &q)) {
		quantity_error(errmsg, sizeof(errmsg), json_string_value(eph));
		add(c, ptr(c, "/spec", field, "resource", "ephemeralStorage"),
		    "%s resource ephemeral storage parse error: %s", comp,
		    errmsg);
	}
	if (reqs)
		check_requirements(c, comp, field, reqs);
	replicas = get(cs, "replicas");
	if (!json_is_integer(replicas))
		return;
	if (jm && json_integer_value(replicas) < 1)
		add(c, "/spec/jobManager/replicas",
		    "JobManager replicas should not be configured less than "
		    "one.");
	else if (jm && json_integer_value(replicas) > 1 && !ha_enabled(c))
		add(c, "/spec/jobManager/replicas",
		    "High availability should be enabled when starting standby "
		    "JobManagers.");
	else if (!jm && json_integer_value(replicas) < 1)
		add(c, "/spec/taskManager/replicas",
		    "TaskManager replicas should not be configured less than "
		    "one.");
}

/* AutoscalerValidator.validateNumber; NAN bounds are open. */
static int check_range(struct ctx *c, const char *key, double min, double max)
{
	char buf[64], lo[40], hi[40];
	const char *found = key;
	const char *t = conf_text(c, key, buf, sizeof(buf), &found);
	double v;

	if (!t)
		return 0;
	if (java_parse_double(t, &v)) {
		add(c, conf_ptr(c, found),
		    "Invalid value in the autoscaler config %s", key);
		return -1;
	}
	if ((!isnan(min) && v < min) || (!isnan(max) && v > max)) {
		if (isnan(min))
			snprintf(lo, sizeof(lo), "-Infinity");
		else
			java_double_text(min, lo, sizeof(lo));
		if (isnan(max))
			snprintf(hi, sizeof(hi), "+Infinity");
		else
			java_double_text(max, hi, sizeof(hi));
		add(c, conf_ptr(c, found),
		    "The AutoScalerOption %s is invalid, it should be a value "
		    "within the range [%s, %s]",
		    key, lo, hi);
	}
	return 0;
}

#define AS "job.autoscaler."

/* rule 16 */
static void check_autoscaler(struct ctx *c)
{
	char buf[64], wbuf[64], ibuf[64];
	const char *t, *wfound = NULL, *ifound = NULL, *wt, *it;
	double target = 0.7;
	unsigned long long win, ival;
	int target_ok = 1;

	if (!conf_bool(c, AS "enabled", 0))
		return;
	check_range(c, AS "scale-down.max-factor", 0.0, NAN);
	check_range(c, AS "scale-up.max-factor", 0.0, NAN);
	if (check_range(c, AS "utilization.target", 0.0, 1.0))
		target_ok = 0;
	t = conf_text(c, AS "utilization.target", buf, sizeof(buf), NULL);
	if (t && java_parse_double(t, &target))
		target_ok = 0;
	check_range(c, AS "target.utilization.boundary", 0.0, NAN);
	if (target_ok) {
		check_range(c, AS "utilization.max", target, 1.0);
		check_range(c, AS "utilization.min", 0.0, target);
	}
	check_range(c, AS "memory.gc-pressure.threshold", 0.0, 1.0);
	check_range(c, AS "memory.heap-usage.threshold", 0.0, 1.0);
	if (conf_bool(c, AS "observed-scalability.enabled", 0))
		check_range(c, AS "observed-scalability.coefficient-min", 0.01,
			    1.0);
	if (conf_bool(c, AS "scaling.effectiveness.detection.enabled", 0))
		check_range(c, AS "scaling.effectiveness.threshold", 0.0, 1.0);
	if (conf_bool(c, AS "memory.tuning.enabled", 0))
		check_range(c, AS "memory.tuning.overhead", 0.0, 1.0);

	/* defaults: AutoScalerOptions.METRICS_WINDOW, OPERATOR_RECONCILE_INTERVAL */
	wt = conf_text(c, AS "metrics.window", wbuf, sizeof(wbuf), &wfound);
	it = conf_text(c, "kubernetes.operator.reconcile.interval", ibuf,
		       sizeof(ibuf), &ifound);
	if (!wt)
		wt = "15 min";
	if (!it)
		it = "1 min";
	if (flink_duration_parse(wt, &win) || flink_duration_parse(it, &ival))
		return;
	if (win < ival)
		add(c,
		    conf_ptr(c, wfound	 ? wfound
				: ifound ? ifound
					 : AS "metrics.window"),
		    "The autoscaler metric window (%s=%s) must not be smaller "
		    "than the operator reconcile interval (%s=%s)",
		    AS "metrics.window", wt,
		    "kubernetes.operator.reconcile.interval", it);
}

static void check_deployment(struct ctx *c, const json_t *obj)
{
	const json_t *spec = get(obj, "spec"), *name, *fv, *job;

	/* rule 1 */
	name = get(get(obj, "metadata"), "name");
	if (json_is_string(name) &&
	    !valid_deployment_name(json_string_value(name)))
		add(c, "/metadata/name", NAME_MSG, json_string_value(name));
	/* rules 2 and 3 */
	fv = get(spec, "flinkVersion");
	if (!fv)
		add(c, "/spec", "Flink Version must be defined.");
	else if (json_is_string(fv) &&
		 flink_version_unsupported(json_string_value(fv)))
		add(c, "/spec/flinkVersion",
		    "Flink version %s is not supported by this operator "
		    "version",
		    json_string_value(fv));
	/* rule 4 needs lastReconciledSpec */
	check_config_rules(c);
	check_ingress(c, obj, spec);
	check_log_config(c, spec);
	job = get(spec, "job");
	if (json_is_object(job))
		check_job_spec(c, job, get(spec, "taskManager"), 0);
	check_component(c, spec, 1);
	check_component(c, spec, 0);
	/* rule 14 needs lastReconciledSpec */
	if (!get(spec, "serviceAccount"))
		add(c, "/spec",
		    "spec.serviceAccount must be defined. If you use helm, its "
		    "value should be the same with the name of "
		    "jobServiceAccount.");
	check_autoscaler(c);
}

#define ALLOWED_SCHEMES_KEY "kubernetes.operator.user.artifacts.allowed-schemes"

/* Java's String.hashCode over ASCII, then HashMap's spread. */
static unsigned java_bucket_hash(const char *s)
{
	uint32_t h = 0;

	for (; *s; s++)
		h = 31 * h + (unsigned char)*s;
	return h ^ (h >> 16);
}

/*
 * The allow-list as the operator prints it: a HashSet of the lower-cased
 * schemes (Collectors.toSet), so in HashSet iteration order.
 */
static int schemes_text(char **schemes, size_t n, struct fg_buf *out)
{
	size_t cap = 16;
	int err = fg_buf_putc(out, '['), first = 1;

	while (n > cap * 3 / 4)
		cap *= 2;
	for (size_t b = 0; b < cap && !err; b++)
		for (size_t i = 0; i < n && !err; i++)
			if ((java_bucket_hash(schemes[i]) & (cap - 1)) == b) {
				err = fg_buf_printf(out, "%s%s",
						    first ? "" : ", ",
						    schemes[i]);
				first = 0;
			}
	return err ? err : fg_buf_putc(out, ']');
}

/* Flink list syntax: ';'-separated, items trimmed, quotes removed. */
static int split_schemes(const char *list, char ***out, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0;
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ';'), *b = p, *end;
		char *item, **nv;
		size_t len;
		end = e ? e : p + strlen(p);
		java_trim(&b, &end);
		if (end - b >= 2 && (*b == '\'' || *b == '"') &&
		    end[-1] == *b) {
			b++;
			end--;
		}
		len = (size_t)(end - b);
		item = malloc(len + 1);
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!item || !nv) {
			free(item);
			v = nv ? nv : v;
			for (size_t i = 0; i < cnt; i++)
				free(v[i]);
			free(v);
			return fg_error_set(FG_ERROR, "out of memory");
		}
		v = nv;
		for (size_t i = 0; i < len; i++)
			item[i] = (char)tolower((unsigned char)b[i]);
		item[len] = '\0';
		/* a set: drop repeats */
		for (size_t i = 0; item && i < cnt; i++)
			if (!strcmp(v[i], item)) {
				free(item);
				item = NULL;
			}
		if (item && len)
			v[cnt++] = item;
		else
			free(item);
		if (!e)
			break;
		p = e + 1;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static void check_jar_uri(struct ctx *c, const char *uri)
{
	struct fg_buf msg = FG_BUF_INIT, list = FG_BUF_INIT;
	struct juri u = { 0 };
	char buf[64], scheme[64];
	char **schemes = NULL;
	size_t nschemes = 0, i;
	const char *conf;
	int r, allowed = 0;

	if (strlen(uri) > FG_RULES_MAX_URI) {
		add(c, "/spec/job/jarURI", "jarURI longer than %d bytes",
		    FG_RULES_MAX_URI);
		return;
	}
	u.in = uri;
	u.n = strlen(uri);
	u.msg = &msg;
	r = juri_parse(&u);
	if (r == -2) {
		c->err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (r) {
		add(c, "/spec/job/jarURI", "jarURI is not a valid URI: %s",
		    msg.ptr);
		goto done;
	}
	if (!u.scheme) {
		add(c, "/spec/job/jarURI", "jarURI must include a scheme");
		goto done;
	}
	snprintf(scheme, sizeof(scheme), "%.*s", (int)u.scheme_len, u.scheme);

	/*
	 * Operator-level only: the operator ignores this key in a resource's
	 * flinkConfiguration (upstream docs, custom-resource overview).
	 */
	conf = fg_flink_conf_text(
		fg_flink_conf_get(c->op_conf, ALLOWED_SCHEMES_KEY, NULL), buf,
		sizeof(buf));
	if ((r = split_schemes(conf ? conf : "https", &schemes, &nschemes))) {
		c->err = r;
		goto done;
	}
	for (i = 0; i < nschemes; i++)
		if (!strcasecmp(schemes[i], scheme))
			allowed = 1;
	if (!allowed) {
		if ((r = schemes_text(schemes, nschemes, &list))) {
			c->err = r;
			goto done;
		}
		add(c, "/spec/job/jarURI",
		    "jarURI scheme '%s' is not in the allowlist %s. Configure "
		    "'%s' to extend the allowlist.",
		    scheme, list.ptr, ALLOWED_SCHEMES_KEY);
		goto done;
	}
	if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))
		goto done;
	if (!u.host || !u.host_len) {
		add(c, "/spec/job/jarURI",
		    "jarURI must include a host for http/https schemes");
		goto done;
	}
	/* "cannot be resolved" and names resolving to restricted
	 * addresses need DNS: not checked here. Literal addresses are. */
	if (host_restricted(u.host, u.host_len))
		add(c, "/spec/job/jarURI",
		    "jarURI host '%.*s' resolves to a restricted address",
		    (int)u.host_len, u.host);
done:
	for (i = 0; i < nschemes; i++)
		free(schemes[i]);
	free(schemes);
	fg_buf_release(&msg);
	fg_buf_release(&list);
}

static void check_session_job(struct ctx *c, const json_t *obj)
{
	const json_t *spec = get(obj, "spec");
	const json_t *dn = get(spec, "deploymentName"), *job, *jar;

	if (json_is_string(dn)) {
		if (!valid_deployment_name(json_string_value(dn)))
			add(c, "/spec/deploymentName", NAME_MSG,
			    json_string_value(dn));
	} else if (!dn) {
		/* the operator fails here too, with a NullPointerException */
		add(c, "/spec", NAME_MSG, "null");
	}
	job = get(spec, "job");
	if (!job) {
		add(c, "/spec", "The job spec should not be empty");
		return;
	}
	jar = get(job, "jarURI");
	if (json_is_string(jar))
		check_jar_uri(c, json_string_value(jar));
	/* with the target cluster: rule 11 with no TM spec */
	if (json_is_object(job))
		check_job_spec(c, job, NULL, 1);
}

static void check_snapshot(struct ctx *c, const json_t *obj)
{
	const json_t *spec = get(obj, "spec");
	const json_t *sp = get(spec, "savepoint");
	int is_sp = sp != NULL, is_cp = get(spec, "checkpoint") != NULL;

	if (is_sp == is_cp)
		add(c, "/spec",
		    "Exactly one of checkpoint or savepoint configurations has "
		    "to be set.");
	if (is_sp && json_is_true(get(sp, "alreadyExists")))
		return;
	if (!get(spec, "jobReference"))
		add(c, "/spec",
		    "Job reference must be supplied for this snapshot");
}

int fg_rules_check_with_defaults(const json_t *obj, const json_t *operator_conf,
				 struct fg_problems *out)
{
	struct ctx c = { 0 };
	const char *kind = json_string_value(get(obj, "kind"));
	const char *api = json_string_value(get(obj, "apiVersion"));
	const char *canary;
	const json_t *cr;

	if (!kind || !api || strncmp(api, "flink.apache.org/", 17) != 0)
		return 0;
	if (strcmp(kind, "FlinkDeployment") &&
	    strcmp(kind, "FlinkSessionJob") &&
	    strcmp(kind, "FlinkStateSnapshot"))
		return 0;
	/* the operator's health canaries are never validated */
	canary = json_string_value(get(get(get(obj, "metadata"), "labels"),
				       "flink.apache.org/canary"));
	if (canary && !strcasecmp(canary, "true"))
		return 0;
	c.out = out;
	c.op_conf = json_is_object(operator_conf) ? operator_conf : NULL;
	cr = get(get(obj, "spec"), "flinkConfiguration");
	c.cr_conf = json_is_object(cr) ? cr : NULL;
	fg_buf_init(&c.ptr, FG_BUF_MAX_DEFAULT);
	c.conf = json_object();
	if (!c.conf ||
	    (c.op_conf && json_object_update(c.conf, mut(c.op_conf))) ||
	    (c.cr_conf && json_object_update(c.conf, mut(c.cr_conf)))) {
		json_decref(c.conf);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	if (!strcmp(kind, "FlinkDeployment"))
		check_deployment(&c, obj);
	else if (!strcmp(kind, "FlinkSessionJob"))
		check_session_job(&c, obj);
	else
		check_snapshot(&c, obj);
	json_decref(c.conf);
	fg_buf_release(&c.ptr);
	return c.err;
}

int fg_rules_check_session_job_target(const json_t *job, const json_t *cluster,
				      struct fg_problems *out)
{
	struct ctx c = { 0 };
	const json_t *jc = get(get(job, "spec"), "flinkConfiguration");
	const json_t *cc = get(get(cluster, "spec"), "flinkConfiguration");
	const json_t *spec_job = get(get(job, "spec"), "job");

	if (!json_is_object(spec_job))
		return 0; /* "The job spec should not be empty" covers it */
	c.out = out;
	c.cr_conf = json_is_object(jc) ? jc : NULL;
	fg_buf_init(&c.ptr, FG_BUF_MAX_DEFAULT);
	c.conf = json_object();
	if (!c.conf ||
	    (json_is_object(cc) && json_object_update(c.conf, mut(cc))) ||
	    (c.cr_conf && json_object_update(c.conf, mut(c.cr_conf)))) {
		json_decref(c.conf);
		fg_buf_release(&c.ptr);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	check_job_dirs(&c, spec_job);
	json_decref(c.conf);
	fg_buf_release(&c.ptr);
	return c.err;
}

int fg_rules_check(const json_t *obj, struct fg_problems *out)
{
	return fg_rules_check_with_defaults(obj, NULL, out);
}
