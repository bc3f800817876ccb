/*
 * Quartz 2.4.0's CronExpression and DailyCalendar, as far as deciding
 * whether they accept a string, and flink-autoscaler's CalendarUtils on
 * top: see quartz.h. The cron parser follows CronExpression's own
 * control flow (buildExpression, storeExpressionVals, checkNext,
 * addToSet) so that its quirks come out the same: every Java exception
 * on the way (a substring past the end, a parseInt of a non-digit) is a
 * refusal here. Only what decides acceptance is kept of the value sets:
 * whether day-of-month and day-of-week hold '?' (NO_SPEC), and what
 * day-of-month's last element is when day-of-week reads it.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/java.h"
#include "render/quartz.h"
#include "render/base/banned.h"

enum { SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR };

#define ALL_SPEC_INT 99 /* '*' */
#define NO_SPEC_INT 98	/* '?' */
#define FAIL (-1)

struct cron {
	int max_year;
	int last_day_of_month;
	/* the day-of-month TreeSet: empty, holds 98 (NO_SPEC), holds 99 */
	int dom_any, dom_98, dom_99;
	int dow_98;
};

struct str {
	const char *p;
	int n;
};

static int at(struct str s, int i)
{
	return i >= 0 && i < s.n ? (unsigned char)s.p[i] : -1;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Integer.parseInt(s[from..to)), ASCII digits; FAIL when Java throws. */
static int parse_int(struct str s, int from, int to, long long *out)
{
	long long v = 0;
	int neg = 0, i = from;

	if (from >= to)
		return FAIL;
	if (s.p[i] == '+' || s.p[i] == '-') {
		neg = s.p[i] == '-';
		if (++i == to)
			return FAIL;
	}
	for (; i < to; i++) {
		if (!is_digit((unsigned char)s.p[i]))
			return FAIL;
		v = v * 10 + (s.p[i] - '0');
		if (v > (long long)INT_MAX + 1)
			return FAIL;
	}
	if (!neg && v > INT_MAX)
		return FAIL;
	*out = neg ? -v : v;
	return 0;
}

/* getValue(v, s, i): v's digits, then the digits at i; pos as Quartz. */
static int get_value(struct str s, int v, int i, long long *value, int *pos)
{
	char buf[64];
	int n;

	if (i >= s.n)
		return FAIL; /* s.charAt(i) */
	n = snprintf(buf, sizeof(buf), "%d", v);
	while (is_digit(at(s, i))) {
		if (n + 1 >= (int)sizeof(buf))
			return FAIL; /* too long for an int anyway */
		buf[n++] = s.p[i++];
		if (i >= s.n)
			break;
	}
	buf[n] = '\0';
	*pos = i < s.n ? i : i + 1;
	return parse_int((struct str){ buf, n }, 0, n, value);
}

static void dom_add(struct cron *c, long long v)
{
	c->dom_any = 1;
	if (v == NO_SPEC_INT)
		c->dom_98 = 1;
	if (v == ALL_SPEC_INT)
		c->dom_99 = 1;
}

static void set_add(struct cron *c, int type, long long v)
{
	if (type == DAY_OF_MONTH)
		dom_add(c, v);
	if (type == DAY_OF_WEEK && v == NO_SPEC_INT)
		c->dow_98 = 1;
}

static int add_to_set(struct cron *c, long long val, long long end,
		      long long incr, int type)
{
	static const int lo[] = { 0, 0, 0, 1, 1, 1, 1970 };
	static const int hi[] = { 59, 59, 23, 31, 12, 7, 0 };
	long long start, stop;
	int bad = 0;

	switch (type) {
	case SECOND:
	case MINUTE:
		bad = val < 0 || val > 59 || end > 59;
		break;
	case HOUR:
		bad = val < 0 || val > 23 || end > 23;
		break;
	case DAY_OF_MONTH:
		bad = (val < 1 || val > 31 || end > 31) && val != NO_SPEC_INT;
		break;
	case MONTH:
		bad = val < 1 || val > 12 || end > 12;
		break;
	case DAY_OF_WEEK:
		bad = (val == 0 || val > 7 || end > 7) && val != NO_SPEC_INT;
		break;
	default:
		break;
	}
	if (bad && val != ALL_SPEC_INT)
		return FAIL;
	if ((incr == 0 || incr == -1) && val != ALL_SPEC_INT) {
		set_add(c, type, val != -1 ? val : NO_SPEC_INT);
		return 0;
	}
	start = val;
	stop = end;
	if (val == ALL_SPEC_INT && incr <= 0) {
		incr = 1;
		set_add(c, type, ALL_SPEC_INT);
	}
	if (stop == -1)
		stop = type == YEAR ? c->max_year : hi[type];
	if (start == -1 || start == ALL_SPEC_INT)
		start = lo[type];
	if (stop < start && type == YEAR)
		return FAIL; /* "Start year must be less than stop year" */
	/* the loop adds at least `start` (wrapped), all within 1..31 */
	if (type == DAY_OF_MONTH)
		dom_add(c, 1);
	return 0;
}

static int check_increment(long long incr, int type)
{
	static const int max[] = { 59, 59, 23, 31, 12, 7, INT_MAX };

	return incr > max[type] ? FAIL : 0;
}

static int month_number(struct str s, int i)
{
	static const char *const m[] = { "JAN", "FEB", "MAR", "APR",
					 "MAY", "JUN", "JUL", "AUG",
					 "SEP", "OCT", "NOV", "DEC" };

	for (int k = 0; k < 12; k++)
		if (!strncmp(s.p + i, m[k], 3))
			return k;
	return -1;
}

static int day_number(struct str s, int i)
{
	static const char *const d[] = { "SUN", "MON", "TUE", "WED",
					 "THU", "FRI", "SAT" };

	for (int k = 0; k < 7; k++)
		if (!strncmp(s.p + i, d[k], 3))
			return k + 1;
	return -1;
}

/* s matches ^L-[0-9]*[W]?$ */
static int is_l_offset(struct str s)
{
	int i = 2;

	if (s.n < 2 || s.p[0] != 'L' || s.p[1] != '-')
		return 0;
	while (i < s.n && is_digit((unsigned char)s.p[i]))
		i++;
	if (i < s.n && s.p[i] == 'W')
		i++;
	return i == s.n;
}

static int check_next(struct cron *c, struct str s, int i, long long val,
		      int type)
{
	long long end = -1, v, v2, v3, nth;
	int pos, ch;

	if (i >= s.n)
		return add_to_set(c, val, end, -1, type);
	ch = at(s, i);
	if (ch == 'L') {
		if (type != DAY_OF_WEEK || val < 1 || val > 7)
			return FAIL;
		set_add(c, type, val);
		return 0;
	}
	if (ch == 'W') {
		if (type != DAY_OF_MONTH || val > 31)
			return FAIL;
		set_add(c, type, val);
		return 0;
	}
	if (ch == '#') {
		if (type != DAY_OF_WEEK ||
		    parse_int(s, i + 1, s.n, &nth) == FAIL || nth < 1 ||
		    nth > 5)
			return FAIL;
		set_add(c, type, val);
		return 0;
	}
	if (ch == '-') {
		i++;
		if (i >= s.n || !is_digit(at(s, i)))
			return FAIL; /* charAt, parseInt of one char */
		v = at(s, i) - '0';
		end = v;
		i++;
		if (i >= s.n)
			return add_to_set(c, val, end, 1, type);
		if (is_digit(at(s, i))) {
			if (get_value(s, (int)v, i, &end, &pos) == FAIL)
				return FAIL;
			i = pos;
		}
		if (i < s.n && at(s, i) == '/') {
			i++;
			if (i >= s.n || !is_digit(at(s, i)))
				return FAIL;
			v2 = at(s, i) - '0';
			i++;
			if (i >= s.n)
				return add_to_set(c, val, end, v2, type);
			if (is_digit(at(s, i))) {
				if (get_value(s, (int)v2, i, &v3, &pos) == FAIL)
					return FAIL;
				return add_to_set(c, val, end, v3, type);
			}
			return add_to_set(c, val, end, v2, type);
		}
		return add_to_set(c, val, end, 1, type);
	}
	if (ch == '/') {
		if (i + 1 >= s.n || at(s, i + 1) == ' ' || at(s, i + 1) == '\t')
			return FAIL;
		i++;
		if (!is_digit(at(s, i)))
			return FAIL;
		v2 = at(s, i) - '0';
		i++;
		if (i >= s.n) {
			if (check_increment(v2, type) == FAIL)
				return FAIL;
			return add_to_set(c, val, end, v2, type);
		}
		if (!is_digit(at(s, i)))
			return FAIL; /* "Unexpected character ... after '/'" */
		if (get_value(s, (int)v2, i, &v3, &pos) == FAIL ||
		    check_increment(v3, type) == FAIL)
			return FAIL;
		return add_to_set(c, val, end, v3, type);
	}
	return add_to_set(c, val, end, 0, type);
}

/* A month or day name ("JAN", "MON-FRI", "FRI#3"): the letters branch. */
static int store_name(struct cron *c, struct str s, int i, int type)
{
	long long sv = -1, ev = -1, nth;
	int ch;

	if (i + 3 > s.n)
		return FAIL; /* substring(i, i + 3) */
	if (type == MONTH) {
		if ((sv = month_number(s, i) + 1) <= 0)
			return FAIL;
		if (s.n > i + 3 && at(s, i + 3) == '-') {
			i += 4;
			if (i + 3 > s.n || (ev = month_number(s, i) + 1) <= 0)
				return FAIL;
		}
	} else if (type == DAY_OF_WEEK) {
		if ((sv = day_number(s, i)) < 0)
			return FAIL;
		ch = at(s, i + 3);
		if (ch == '-') {
			i += 4;
			if (i + 3 > s.n || (ev = day_number(s, i)) < 0)
				return FAIL;
		} else if (ch == '#') {
			if (parse_int(s, i + 4, s.n, &nth) == FAIL || nth < 1 ||
			    nth > 5)
				return FAIL;
		}
	} else {
		return FAIL; /* "Illegal characters for this position" */
	}
	return add_to_set(c, sv, ev, ev != -1 ? 1 : 0, type);
}

/* '?': day-of-month or day-of-week, and only one of them */
static int store_no_spec(struct cron *c, struct str s, int i, int type)
{
	i++;
	if (i + 1 < s.n && at(s, i) != ' ' && at(s, i + 1) != '\t')
		return FAIL;
	if (type != DAY_OF_WEEK && type != DAY_OF_MONTH)
		return FAIL;
	/* daysOfMonth.last(): NO_SPEC there already, or nothing at all */
	if (type == DAY_OF_WEEK && !c->last_day_of_month &&
	    (!c->dom_any || (c->dom_98 && !c->dom_99)))
		return FAIL;
	return add_to_set(c, NO_SPEC_INT, -1, 0, type);
}

/* '*' or '/': every value, or every n-th */
static int store_all(struct cron *c, struct str s, int i, int type)
{
	long long incr = 1;
	int ch = at(s, i);

	if (ch == '*' && i + 1 >= s.n)
		return add_to_set(c, ALL_SPEC_INT, -1, 0, type);
	if (ch == '/' &&
	    (i + 1 >= s.n || at(s, i + 1) == ' ' || at(s, i + 1) == '\t'))
		return FAIL;
	if (ch == '*')
		i++;
	if (at(s, i) == '/') {
		i++;
		if (i >= s.n)
			return FAIL;
		/* getNumericValue: parseInt of the rest of the field */
		if (parse_int(s, i, s.n, &incr) == FAIL ||
		    check_increment(incr, type) == FAIL)
			return FAIL;
	}
	return add_to_set(c, ALL_SPEC_INT, -1, incr, type);
}

/* "L", "LW", "L-3", "L-3W": the last day (of the month, or Saturday) */
static int store_last(struct cron *c, struct str s, int i, int type)
{
	long long off;
	int pos;

	i++;
	if (type == DAY_OF_MONTH)
		c->last_day_of_month = 1;
	if (type == DAY_OF_WEEK && add_to_set(c, 7, 7, 0, type) == FAIL)
		return FAIL;
	if (type != DAY_OF_MONTH || s.n <= i)
		return 0;
	if (at(s, i) == '-') {
		if (get_value(s, 0, i + 1, &off, &pos) == FAIL || off > 30)
			return FAIL;
	}
	return 0; /* a 'W' after it changes nothing that is checked */
}

/* CronExpression.storeExpressionVals for one comma-separated value */
static int store_values(struct cron *c, struct str s, int type)
{
	long long val;
	int i = 0, ch, pos;

	while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t'))
		i++;
	if (i >= s.n)
		return 0;
	ch = at(s, i);
	if (ch >= 'A' && ch <= 'Z' && !(s.n == 1 && ch == 'L') &&
	    !(s.n == 2 && !strncmp(s.p, "LW", 2)) && !is_l_offset(s))
		return store_name(c, s, i, type);
	if (ch == '?')
		return store_no_spec(c, s, i, type);
	if (ch == '*' || ch == '/')
		return store_all(c, s, i, type);
	if (ch == 'L')
		return store_last(c, s, i, type);
	if (!is_digit(ch))
		return FAIL; /* "Unexpected character" */
	val = ch - '0';
	i++;
	if (i >= s.n)
		return add_to_set(c, val, -1, -1, type);
	if (is_digit(at(s, i))) {
		if (get_value(s, (int)val, i, &val, &pos) == FAIL)
			return FAIL;
		i = pos;
	}
	return check_next(c, s, i, val, type);
}

int fg_quartz_cron_valid(const char *expr, int max_year)
{
	struct cron c;
	struct fg_buf up = FG_BUF_INIT;
	size_t i, n = strlen(expr);
	int type = SECOND, ok = 1;

	if (n > FG_QUARTZ_MAX_EXPR)
		return 0;
	memset(&c, 0, sizeof(c));
	c.max_year = max_year;
	fg_buf_init(&up, FG_QUARTZ_MAX_EXPR + 1);
	for (i = 0; i < n && ok; i++)
		ok = !fg_buf_putc(&up, (char)toupper((unsigned char)expr[i]));
	/* StringTokenizer(expression, " \t"), at most the seven fields */
	for (i = 0; ok && i < up.len && type <= YEAR;) {
		const char *tb, *te;
		struct str tok;
		size_t j;

		while (i < up.len && (up.ptr[i] == ' ' || up.ptr[i] == '\t'))
			i++;
		if (i >= up.len)
			break;
		for (j = i;
		     j < up.len && up.ptr[j] != ' ' && up.ptr[j] != '\t';)
			j++;
		tb = up.ptr + i;
		te = up.ptr + j;
		i = j;
		fg_java_trim(&tb, &te);
		tok.p = tb;
		tok.n = (int)(te - tb);
		if ((type == DAY_OF_MONTH || type == DAY_OF_WEEK) &&
		    memchr(tok.p, 'L', (size_t)tok.n) && tok.n > 1 &&
		    memchr(tok.p, ',', (size_t)tok.n))
			ok = 0;
		if (type == DAY_OF_WEEK) {
			const char *h = memchr(tok.p, '#', (size_t)tok.n);
			if (h &&
			    memchr(h + 1, '#', (size_t)(tok.p + tok.n - h - 1)))
				ok = 0;
		}
		/* StringTokenizer(expr, ","): empty pieces are skipped */
		for (int k = 0; ok && k < tok.n;) {
			int e = k;
			while (e < tok.n && tok.p[e] != ',')
				e++;
			if (e > k &&
			    store_values(&c, (struct str){ tok.p + k, e - k },
					 type) == FAIL)
				ok = 0;
			k = e + 1;
		}
		type++;
	}
	fg_buf_release(&up);
	if (!ok || type <= DAY_OF_WEEK)
		return 0; /* "Unexpected end of expression." */
	/* exactly one of day-of-month and day-of-week is '?' */
	return c.dom_98 != c.dow_98;
}

/* ---- DailyCalendar ------------------------------------------------------------ */

/* "HH:MM[:SS[:mmm]]" split by StringTokenizer(":"), parsed as ints */
static int daily_time(const char *s, long long t[4])
{
	struct str str = { s, (int)strlen(s) };
	int n = 0, i = 0;

	if (str.n > FG_QUARTZ_MAX_EXPR)
		return FAIL;
	t[2] = t[3] = 0;
	while (i < str.n) {
		int e = i;
		if (s[i] == ':') {
			i++;
			continue;
		}
		while (e < str.n && s[e] != ':')
			e++;
		if (n == 4 || parse_int(str, i, e, &t[n]) == FAIL)
			return FAIL;
		n++;
		i = e;
	}
	if (n < 2)
		return FAIL;
	return t[0] < 0 || t[0] > 23 || t[1] < 0 || t[1] > 59 || t[2] < 0 ||
			       t[2] > 59 || t[3] < 0 || t[3] > 999
		       ? FAIL
		       : 0;
}

int fg_quartz_daily_valid(const char *start, const char *end)
{
	long long a[4], b[4];

	if (daily_time(start, a) == FAIL || daily_time(end, b) == FAIL)
		return 0;
	for (int i = 0; i < 4; i++)
		if (a[i] != b[i])
			return a[i] < b[i];
	return 0; /* an empty range */
}

/* ---- CalendarUtils ------------------------------------------------------------ */

/*
 * String.split(sep) without a limit: no separator gives the string
 * itself; otherwise the pieces, trailing empty ones dropped.
 */
static int java_split(const char *s, const char *sep, struct str *out, int max,
		      int *n)
{
	size_t sl = strlen(sep);
	const char *p = s, *q;

	*n = 0;
	if (!strstr(s, sep)) {
		out[0] = (struct str){ s, (int)strlen(s) };
		*n = 1;
		return 0;
	}
	for (;;) {
		q = strstr(p, sep);
		if (*n == max)
			return FAIL;
		out[(*n)++] =
			(struct str){ p, q ? (int)(q - p) : (int)strlen(p) };
		if (!q)
			break;
		p = q + sl;
	}
	while (*n > 0 && out[*n - 1].n == 0)
		(*n)--;
	return 0;
}

static int daily_ok(const char *sub)
{
	struct str parts[3];
	char a[FG_QUARTZ_MAX_EXPR + 1], b[FG_QUARTZ_MAX_EXPR + 1];
	int n;

	if (java_split(sub, "-", parts, 3, &n) == FAIL || n != 2)
		return 0;
	snprintf(a, sizeof(a), "%.*s", parts[0].n, parts[0].p);
	snprintf(b, sizeof(b), "%.*s", parts[1].n, parts[1].p);
	return fg_quartz_daily_valid(a, b);
}

int fg_quartz_excluded_period_check(const char *expression, const char *key,
				    int max_year)
{
	struct str subs[3];
	int n, daily = 0, cron = 0;

	if (strlen(expression) > FG_QUARTZ_MAX_EXPR)
		return fg_error_set(FG_EINVALID,
				    "Invalid value %.64s... in the autoscaler "
				    "config %s (longer than %d bytes)",
				    expression, key, FG_QUARTZ_MAX_EXPR);
	if (java_split(expression, "&&", subs, 3, &n) == FAIL || n > 2)
		return fg_error_set(FG_EINVALID,
				    "Invalid value %s in the autoscaler config "
				    "%s",
				    expression, key);
	for (int i = 0; i < n; i++) {
		char sub[FG_QUARTZ_MAX_EXPR + 1];
		const char *b = subs[i].p, *e = subs[i].p + subs[i].n;
		int d, c;

		/* String.strip() */
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		snprintf(sub, sizeof(sub), "%.*s", (int)(e - b), b);
		d = daily_ok(sub);
		c = fg_quartz_cron_valid(sub, max_year);
		daily |= d;
		cron |= c;
		if (!d && !c)
			return fg_error_set(
				FG_EINVALID,
				"Invalid value %s in the autoscaler config %s, "
				"the value is neither a valid daily expression "
				"nor a valid cron expression",
				expression, key);
	}
	if (n == 2 && (!daily || !cron))
		return fg_error_set(
			FG_EINVALID,
			"Invalid value %s in the autoscaler config %s, the "
			"value can not be configured as dailyExpression && "
			"dailyExpression or cronExpression && cronExpression",
			expression, key);
	return 0;
}
