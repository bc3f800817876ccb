/*
 * Flink configuration knowledge: see flink_config.h.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render/base/error.h"
#include "render/flink_config.h"
#include "render/java.h"
#include "render/base/banned.h"

/* jansson's iterators take a non-const object; they never change it. */
static json_t *mut(const json_t *j)
{
	return (json_t *)(uintptr_t)j;
}

/* ---- the option table ----------------------------------------------------- */

#define OLD_AS "kubernetes.operator.job.autoscaler."
#define AS FG_FLINK_CONF_AUTOSCALER
#define OP FG_FLINK_CONF_OP
#define KEYS(...)                 \
	(const char *const[])     \
	{                         \
		__VA_ARGS__, NULL \
	}
#define NONE ((const char *const *)NULL)

static const struct fg_flink_conf_option options[] = {
	/* checkpoints, savepoints (CheckpointingOptions, Flink 1.20) */
	{ FG_FLINK_CONF_CHECKPOINT_DIR, FG_FLINK_CONF_STRING, NULL,
	  KEYS("state.checkpoints.dir", "state.backend.fs.checkpointdir") },
	{ FG_FLINK_CONF_SAVEPOINT_DIR, FG_FLINK_CONF_STRING, NULL,
	  KEYS("state.savepoints.dir", "savepoints.state.backend.fs.dir") },
	{ FG_FLINK_CONF_CHECKPOINT_INTERVAL, FG_FLINK_CONF_DURATION, NULL,
	  NONE },
	/* high availability (HighAvailabilityOptions) */
	{ FG_FLINK_CONF_HA_TYPE, FG_FLINK_CONF_STRING, "NONE",
	  KEYS("recovery.mode", "high-availability") },
	{ FG_FLINK_CONF_HA_STORAGE_DIR, FG_FLINK_CONF_STRING, NULL,
	  KEYS("high-availability.zookeeper.storageDir",
	       "recovery.zookeeper.storageDir") },
	{ FG_FLINK_CONF_HA_CLUSTER_ID, FG_FLINK_CONF_STRING, "/default",
	  KEYS("high-availability.zookeeper.path.namespace",
	       "recovery.zookeeper.path.namespace") },
	{ FG_FLINK_CONF_K8S_NAMESPACE, FG_FLINK_CONF_STRING, "default", NONE },
	{ FG_FLINK_CONF_K8S_CLUSTER_ID, FG_FLINK_CONF_STRING, NULL, NONE },
	/* memory (JobManagerOptions, TaskManagerOptions) */
	{ "jobmanager.memory.process.size", FG_FLINK_CONF_MEMORY, NULL, NONE },
	{ "jobmanager.memory.flink.size", FG_FLINK_CONF_MEMORY, NULL, NONE },
	{ "jobmanager.memory.heap.size", FG_FLINK_CONF_MEMORY, NULL, NONE },
	{ "jobmanager.heap.size", FG_FLINK_CONF_MEMORY, NULL, NONE },
	{ "jobmanager.heap.mb", FG_FLINK_CONF_INTEGER, NULL, NONE },
	{ "taskmanager.memory.process.size", FG_FLINK_CONF_MEMORY, NULL, NONE },
	{ "taskmanager.memory.flink.size", FG_FLINK_CONF_MEMORY, NULL, NONE },
	{ "taskmanager.memory.task.heap.size", FG_FLINK_CONF_MEMORY, NULL,
	  NONE },
	{ "taskmanager.memory.managed.size", FG_FLINK_CONF_MEMORY, NULL,
	  KEYS("taskmanager.memory.size") },
	/* the operator (KubernetesOperatorConfigOptions, 1.15.0) */
	{ OP "deployment.rollback.enabled", FG_FLINK_CONF_BOOLEAN, "false",
	  NONE },
	{ OP "cluster.health-check.enabled", FG_FLINK_CONF_BOOLEAN, "false",
	  NONE },
	{ OP "jm-deployment-recovery.enabled", FG_FLINK_CONF_BOOLEAN, "true",
	  KEYS(OP "reconciler.jm-deployment-recovery.enabled") },
	{ OP "reconcile.interval", FG_FLINK_CONF_DURATION, "60 s",
	  KEYS(OP "reconciler.reschedule.interval") },
	{ OP "periodic.savepoint.interval", FG_FLINK_CONF_STRING, "", NONE },
	{ OP "periodic.checkpoint.interval", FG_FLINK_CONF_STRING, "", NONE },
	{ OP "job.upgrade.last-state.max.allowed.checkpoint.age",
	  FG_FLINK_CONF_DURATION, NULL, NONE },
	{ OP "job.upgrade.last-state-fallback.enabled", FG_FLINK_CONF_BOOLEAN,
	  "true", NONE },
	{ OP "job.upgrade.last-state.job-cancel.enabled", FG_FLINK_CONF_BOOLEAN,
	  "false", NONE },
	{ OP "job.upgrade.ignore-pending-savepoint", FG_FLINK_CONF_BOOLEAN,
	  "false", NONE },
	{ OP "job.upgrade.inplace-scaling.enabled", FG_FLINK_CONF_BOOLEAN,
	  "true", NONE },
	{ OP "job.savepoint-on-deletion", FG_FLINK_CONF_BOOLEAN, "false",
	  NONE },
	{ OP "job.drain-on-savepoint-deletion", FG_FLINK_CONF_BOOLEAN, "false",
	  NONE },
	{ OP "job.restart.failed", FG_FLINK_CONF_BOOLEAN, "false", NONE },
	{ OP "snapshot.resource.enabled", FG_FLINK_CONF_BOOLEAN, "true", NONE },
	{ OP "user.artifacts.allowed-schemes", FG_FLINK_CONF_LIST, "https",
	  NONE },
	{ OP "user.artifacts.disallow-restricted-hosts", FG_FLINK_CONF_BOOLEAN,
	  "true", NONE },
	{ OP "user.artifacts.http.header", FG_FLINK_CONF_MAP, NULL, NONE },
	/* Blue/Green (FlinkBlueGreenDeploymentConfigOptions, 1.15.0) */
	{ FG_FLINK_CONF_BG_ABORT_GRACE, FG_FLINK_CONF_DURATION, "10 min",
	  NONE },
	{ FG_FLINK_CONF_BG_RESCHEDULE, FG_FLINK_CONF_DURATION, "15 s", NONE },
	{ FG_FLINK_CONF_BG_DELETION_DELAY, FG_FLINK_CONF_DURATION, "0 ms",
	  NONE },
	/* the autoscaler (AutoScalerOptions, 1.15.0); every other
	 * "job.autoscaler.x" falls back to OLD_AS "x", see below */
	{ AS "enabled", FG_FLINK_CONF_BOOLEAN, "false",
	  KEYS(OLD_AS "enabled") },
	{ AS "metrics.window", FG_FLINK_CONF_DURATION, "15 min",
	  KEYS(OLD_AS "metrics.window") },
	{ AS "excluded.periods", FG_FLINK_CONF_LIST, "",
	  KEYS(OLD_AS "excluded.periods") },
	{ AS "utilization.target", FG_FLINK_CONF_DOUBLE, "0.7",
	  KEYS(OLD_AS "utilization.target", OLD_AS "target.utilization",
	       AS "target.utilization") },
	{ AS "target.utilization.boundary", FG_FLINK_CONF_DOUBLE, "0.3",
	  KEYS(OLD_AS "target.utilization.boundary") },
	{ AS "utilization.max", FG_FLINK_CONF_DOUBLE, NULL,
	  KEYS(OLD_AS "utilization.max") },
	{ AS "utilization.min", FG_FLINK_CONF_DOUBLE, NULL,
	  KEYS(OLD_AS "utilization.min") },
	{ AS "scale-down.interval", FG_FLINK_CONF_DURATION, "1 h",
	  KEYS(OLD_AS "scale-up.grace-period", OLD_AS "scale-down.interval",
	       AS "scale-up.grace-period") },
	{ AS "scale-down.max-factor", FG_FLINK_CONF_DOUBLE, "0.6",
	  KEYS(OLD_AS "scale-down.max-factor") },
	{ AS "scale-up.max-factor", FG_FLINK_CONF_DOUBLE, "100000.0",
	  KEYS(OLD_AS "scale-up.max-factor") },
	{ AS "scaling.effectiveness.detection.enabled", FG_FLINK_CONF_BOOLEAN,
	  "false", KEYS(OLD_AS "scaling.effectiveness.detection.enabled") },
	{ AS "scaling.effectiveness.threshold", FG_FLINK_CONF_DOUBLE, "0.1",
	  KEYS(OLD_AS "scaling.effectiveness.threshold") },
	{ AS "memory.gc-pressure.threshold", FG_FLINK_CONF_DOUBLE, "1.0",
	  KEYS(OLD_AS "memory.gc-pressure.threshold") },
	{ AS "memory.heap-usage.threshold", FG_FLINK_CONF_DOUBLE, "1.0",
	  KEYS(OLD_AS "memory.heap-usage.threshold") },
	{ AS "memory.tuning.enabled", FG_FLINK_CONF_BOOLEAN, "false",
	  KEYS(OLD_AS "memory.tuning.enabled") },
	{ AS "memory.tuning.overhead", FG_FLINK_CONF_DOUBLE, "0.2",
	  KEYS(OLD_AS "memory.tuning.overhead") },
	{ AS "observed-scalability.enabled", FG_FLINK_CONF_BOOLEAN, "false",
	  KEYS(OLD_AS "observed-scalability.enabled") },
	{ AS "observed-scalability.coefficient-min", FG_FLINK_CONF_DOUBLE,
	  "0.5", KEYS(OLD_AS "observed-scalability.coefficient-min") },
};

const struct fg_flink_conf_option *fg_flink_conf_option(const char *key)
{
	for (size_t i = 0; key && i < sizeof(options) / sizeof(options[0]); i++)
		if (!strcmp(options[i].key, key))
			return &options[i];
	return NULL;
}

/* ---- lookup --------------------------------------------------------------- */

/* A JSON null is absent; a mapping is no value (its keys go deeper). */
static const json_t *leaf(const json_t *v)
{
	return v && !json_is_null(v) && !json_is_object(v) ? v : NULL;
}

static const json_t *raw_at(const json_t *conf, const char *key, unsigned depth)
{
	const json_t *v;
	const char *k;
	json_t *child;

	if (!json_is_object(conf) || depth > 64)
		return NULL;
	if ((v = leaf(json_object_get(conf, key))))
		return v;
	json_object_foreach (mut(conf), k, child) {
		size_t n = strlen(k);
		if (json_is_object(child) && !strncmp(key, k, n) &&
		    key[n] == '.' &&
		    (v = raw_at(child, key + n + 1, depth + 1)))
			return v;
	}
	return NULL;
}

const json_t *fg_flink_conf_raw(const json_t *conf, const char *key)
{
	return key ? raw_at(conf, key, 0) : NULL;
}

const json_t *fg_flink_conf_get(const json_t *conf, const char *key,
				const char **found_key)
{
	const struct fg_flink_conf_option *o = fg_flink_conf_option(key);
	const json_t *v;

	if ((v = fg_flink_conf_raw(conf, key))) {
		if (found_key)
			*found_key = key;
		return v;
	}
	for (size_t i = 0; o && o->alias && o->alias[i]; i++)
		if ((v = fg_flink_conf_raw(conf, o->alias[i]))) {
			if (found_key)
				*found_key = o->alias[i];
			return v;
		}
	if (!o && key && !strncmp(key, AS, strlen(AS))) {
		/* every autoscaler option falls back to the operator's old
		 * prefix (AutoScalerOptions.oldOperatorConfigKey) */
		struct fg_buf old = FG_BUF_INIT;
		if (!fg_buf_printf(&old, "%s%s", OLD_AS, key + strlen(AS)))
			v = fg_flink_conf_raw(conf, old.ptr);
		fg_buf_release(&old);
		if (v && found_key)
			*found_key = key; /* the old key's text is gone */
	}
	return v;
}

/* The shortest "%g" text that reads back as exactly d. */
static void shortest_double(double d, char *buf, size_t size)
{
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, size, "%.*g", p, d);
		if (strtod(buf, NULL) == d)
			return;
	}
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

/*
 * A number and its unit as Flink's MemorySize.parse and
 * TimeUtils.parseDuration split them: trimmed, digits first (at most
 * Long.MAX_VALUE), then the unit, trimmed and in lower case (at most
 * unit_size - 1 bytes of it kept).
 */
static int split_number_unit(const char *s, unsigned long long *value,
			     char *unit, size_t unit_size)
{
	const char *b = s, *e = s + strlen(s), *p, *ub, *ue;
	unsigned long long v = 0;
	size_t ulen;

	fg_java_trim(&b, &e);
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
	fg_java_trim(&ub, &ue);
	ulen = (size_t)(ue - ub);
	if (ulen >= unit_size)
		ulen = unit_size - 1;
	for (size_t i = 0; i < ulen; i++)
		unit[i] = (char)tolower((unsigned char)ub[i]);
	unit[ulen] = '\0';
	*value = v;
	return 0;
}

int fg_flink_memory_parse(const char *s, unsigned long long *bytes)
{
	unsigned long long v, mult = 0;
	char unit[64];
	int rc;

	if ((rc = split_number_unit(s, &v, unit, sizeof(unit))) < 0)
		return rc;
	if (!*unit)
		mult = 1;
	for (size_t i = 0;
	     !mult && i < sizeof(flink_units) / sizeof(flink_units[0]); i++)
		for (size_t j = 0; j < 3 && flink_units[i].names[j]; j++)
			if (!strcmp(unit, flink_units[i].names[j]))
				mult = flink_units[i].mult;
	if (!mult)
		return fg_error_set(FG_EINVALID,
				    "Memory size unit '%s' does not match "
				    "any of the recognized units: %s",
				    unit, FLINK_UNITS_TEXT);
	if (v > (unsigned long long)LLONG_MAX / mult)
		return fg_error_set(
			FG_EINVALID,
			"The value '%s' cannot be re represented as 64bit "
			"number of bytes (numeric overflow).",
			s);
	*bytes = v * mult;
	return 0;
}

int fg_flink_conf_string(const json_t *conf, const char *key,
			 struct fg_buf *out, const char **found_key)
{
	const json_t *v = fg_flink_conf_get(conf, key, found_key), *item;
	char num[64];
	size_t i;
	int err = 0;

	fg_buf_clear(out);
	if (!v)
		return 0;
	if (json_is_array(v)) {
		json_array_foreach (v, i, item) {
			const char *t =
				fg_flink_conf_text(item, num, sizeof(num));
			if (!err && i)
				err = fg_buf_putc(out, ';');
			if (!err && t)
				err = fg_buf_puts(out, t);
		}
	} else {
		err = fg_buf_puts(out, fg_flink_conf_text(v, num, sizeof(num)));
	}
	return err < 0 ? fg_error_set(FG_ERROR, "out of memory") : 1;
}

/* The option's text: set (1), the default (0), or none (0, *text NULL). */
static int option_text(const json_t *conf, const char *key, struct fg_buf *b,
		       const char **text)
{
	const struct fg_flink_conf_option *o = fg_flink_conf_option(key);
	int r;

	fg_buf_init(b, FG_FLINK_CONF_MAX_VALUE);
	r = fg_flink_conf_string(conf, key, b, NULL);
	if (r < 0)
		return r;
	*text = r ? b->ptr : o ? o->dflt : NULL;
	return r;
}

static int cannot_parse(const char *text, const char *key)
{
	return fg_error_set(FG_EINVALID,
			    "Could not parse value '%s' for key '%s'.", text,
			    key);
}

int fg_flink_conf_bool(const json_t *conf, const char *key, int *out)
{
	struct fg_buf b;
	const char *t;
	int r = option_text(conf, key, &b, &t);

	*out = 0;
	if (r >= 0 && t) {
		if (!strcasecmp(t, "true"))
			*out = 1;
		else if (strcasecmp(t, "false"))
			r = cannot_parse(t, key);
	}
	fg_buf_release(&b);
	return r;
}

int fg_flink_conf_double(const json_t *conf, const char *key, double *out,
			 int *has_value)
{
	struct fg_buf b;
	const char *t;
	int r = option_text(conf, key, &b, &t);

	*out = 0;
	*has_value = 0;
	if (r >= 0 && t) {
		if (fg_java_parse_double(t, out))
			r = cannot_parse(t, key);
		else
			*has_value = 1;
	}
	fg_buf_release(&b);
	return r;
}

int fg_flink_conf_duration(const json_t *conf, const char *key,
			   struct fg_flink_duration *out, int *has_value)
{
	struct fg_buf b;
	const char *t;
	int r = option_text(conf, key, &b, &t);

	memset(out, 0, sizeof(*out));
	*has_value = 0;
	if (r >= 0 && t) {
		if (fg_flink_duration_parse(t, out))
			r = cannot_parse(t, key);
		else
			*has_value = 1;
	}
	fg_buf_release(&b);
	return r;
}

int fg_flink_conf_list(const json_t *conf, const char *key, char ***items,
		       size_t *n)
{
	struct fg_buf b;
	const char *t;
	int r = option_text(conf, key, &b, &t);

	*items = NULL;
	*n = 0;
	if (r >= 0 && t) {
		int e = fg_flink_conf_split_list(t, items, n);
		if (e < 0)
			r = e == FG_ERROR ? e : cannot_parse(t, key);
	}
	fg_buf_release(&b);
	return r;
}

void fg_flink_conf_list_free(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/* ---- Flink Duration (TimeUtils.parseDuration) ------------------------------ */

static const struct {
	const char *names[5];
	unsigned long long seconds; /* 0: below a second */
	unsigned long long per_second;
} time_units[] = {
	{ { "d", "day", "days", NULL, NULL }, 86400, 0 },
	{ { "h", "hour", "hours", NULL, NULL }, 3600, 0 },
	{ { "min", "m", "minute", "minutes", NULL }, 60, 0 },
	{ { "s", "sec", "secs", "second", "seconds" }, 1, 0 },
	{ { "ms", "milli", "millis", "millisecond", "milliseconds" }, 0, 1000 },
	{ { "\xc2\xb5s", "micro", "micros", "microsecond", "microseconds" },
	  0,
	  1000000 },
	{ { "ns", "nano", "nanos", "nanosecond", "nanoseconds" },
	  0,
	  1000000000 },
};

#define TIME_UNITS_TEXT                                                       \
	"DAYS: (d | day | days), HOURS: (h | hour | hours), MINUTES: (min | " \
	"m | minute | minutes), SECONDS: (s | sec | secs | second | "         \
	"seconds), MILLISECONDS: (ms | milli | millis | millisecond | "       \
	"milliseconds), MICROSECONDS: (\xc2\xb5s | micro | micros | "         \
	"microsecond | microseconds), NANOSECONDS: (ns | nano | nanos | "     \
	"nanosecond | nanoseconds)"

int fg_flink_duration_parse(const char *s, struct fg_flink_duration *out)
{
	unsigned long long v;
	char unit[32];
	size_t u = sizeof(time_units) / sizeof(time_units[0]);
	int rc;

	if ((rc = split_number_unit(s, &v, unit, sizeof(unit))) < 0)
		return rc;
	if (!*unit) {
		u = 4; /* milliseconds */
	} else {
		for (size_t i = 0;
		     u == sizeof(time_units) / sizeof(time_units[0]) &&
		     i < sizeof(time_units) / sizeof(time_units[0]);
		     i++)
			for (size_t j = 0; j < 5 && time_units[i].names[j]; j++)
				if (!strcmp(unit, time_units[i].names[j]))
					u = i;
	}
	if (u == sizeof(time_units) / sizeof(time_units[0]))
		return fg_error_set(FG_EINVALID,
				    "Time interval unit label '%s' does not "
				    "match any of the recognized units: %s",
				    unit, TIME_UNITS_TEXT);
	if (time_units[u].seconds) {
		/* Duration.of: the seconds must fit a long */
		if (v > (unsigned long long)LLONG_MAX / time_units[u].seconds)
			return fg_error_set(FG_EINVALID, "long overflow");
		out->seconds = v * time_units[u].seconds;
		out->nanos = 0;
	} else {
		out->seconds = v / time_units[u].per_second;
		out->nanos =
			(unsigned)(v % time_units[u].per_second *
				   (1000000000ULL / time_units[u].per_second));
	}
	return 0;
}

int fg_flink_duration_cmp(const struct fg_flink_duration *a,
			  const struct fg_flink_duration *b)
{
	if (a->seconds != b->seconds)
		return a->seconds < b->seconds ? -1 : 1;
	return a->nanos < b->nanos ? -1 : a->nanos > b->nanos;
}

/* ---- lists (StructuredOptionsSplitter) ------------------------------------ */

static int list_push(char ***v, size_t *n, const char *s, size_t len)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return fg_error_set(FG_ERROR, "out of memory");
	*v = nv;
	if (!(nv[*n] = strndup(s, len)))
		return fg_error_set(FG_ERROR, "out of memory");
	(*n)++;
	return 0;
}

/* Character.isWhitespace for the ASCII range */
static int java_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r' || (c >= 0x1c && c <= 0x1f);
}

int fg_flink_conf_split_list(const char *s, char ***items, size_t *n)
{
	enum { QUOTED, UNQUOTED, DELIM } prev = DELIM;
	struct fg_buf tok = FG_BUF_INIT;
	size_t i = 0, len = strlen(s);
	int err = 0, any = 0;

	*items = NULL;
	*n = 0;
	fg_buf_init(&tok, FG_FLINK_CONF_MAX_VALUE);
	while (i < len && !err) {
		char c = s[i];
		if (c == '\'' || c == '"') {
			if (prev != DELIM && any)
				goto illegal;
			fg_buf_clear(&tok);
			for (i++;; i++) {
				if (i >= len) {
					err = fg_error_set(
						FG_EINVALID,
						"Could not split string. "
						"Quoting was not closed "
						"properly.");
					break;
				}
				if (s[i] == c) {
					if (i + 1 < len && s[i + 1] == c) {
						err = fg_buf_putc(&tok, c);
						i++;
						continue;
					}
					i++;
					break;
				}
				err = fg_buf_putc(&tok, s[i]);
			}
			if (!err)
				err = list_push(items, n, tok.ptr, tok.len);
			prev = QUOTED;
			any = 1;
		} else if (c == ';') {
			if (prev == DELIM && any)
				err = list_push(items, n, "", 0);
			prev = DELIM;
			any = 1;
			i++;
		} else if (java_space(c)) {
			i++;
		} else {
			const char *b = s + i, *e;
			if (prev == QUOTED)
				goto illegal;
			while (i < len && s[i] != ';')
				i++;
			e = s + i;
			fg_java_trim(&b, &e);
			err = list_push(items, n, b, (size_t)(e - b));
			prev = UNQUOTED;
			any = 1;
		}
		continue;
	illegal:
		/* a quoted token not followed by the delimiter */
		err = fg_error_set(FG_EINVALID,
				   "Could not split string. Illegal quoting at "
				   "position: %zu",
				   i - 1);
	}
	fg_buf_release(&tok);
	if (err) {
		fg_flink_conf_list_free(*items, *n);
		*items = NULL;
		*n = 0;
	}
	return err < 0 ? err : 0;
}

/* ---- predicates ------------------------------------------------------------ */

int fg_flink_blank(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!s)
		return 1;
	while (*u) {
		if (*u < 0x80) {
			if (!java_space((char)*u))
				return 0;
			u++;
			continue;
		}
		/* Unicode space separators, line and paragraph separators
		 * (Character.isWhitespace; no-break spaces excluded) */
		if (u[0] == 0xE1 && u[1] == 0x9A && u[2] == 0x80) /* 1680 */
			u += 3;
		else if (u[0] == 0xE2 && u[1] == 0x80 &&
			 ((u[2] >= 0x80 && u[2] <= 0x86) ||
			  (u[2] >= 0x88 && u[2] <= 0x8A) || u[2] == 0xA8 ||
			  u[2] == 0xA9))
			u += 3;
		else if (u[0] == 0xE2 && u[1] == 0x81 &&
			 u[2] == 0x9F) /* 205F */
			u += 3;
		else if (u[0] == 0xE3 && u[1] == 0x80 &&
			 u[2] == 0x80) /* 3000 */
			u += 3;
		else
			return 0;
	}
	return 1;
}

static int nonblank(const json_t *conf, const char *key)
{
	struct fg_buf b = FG_BUF_INIT;
	int r;

	fg_buf_init(&b, FG_FLINK_CONF_MAX_VALUE);
	r = fg_flink_conf_string(conf, key, &b, NULL) > 0 &&
	    !fg_flink_blank(b.ptr);
	fg_buf_release(&b);
	return r;
}

int fg_flink_conf_checkpointing(const json_t *conf)
{
	return nonblank(conf, FG_FLINK_CONF_CHECKPOINT_INTERVAL) ||
	       nonblank(conf, FG_FLINK_CONF_CHECKPOINT_DIR);
}

int fg_flink_conf_savepoint_dir(const json_t *conf)
{
	return nonblank(conf, FG_FLINK_CONF_SAVEPOINT_DIR);
}

int fg_flink_conf_ha_enabled(const json_t *conf)
{
	static const char *const inactive[] = { "NONE", "standalone" };
	struct fg_buf b = FG_BUF_INIT;
	int r, on = 0;

	fg_buf_init(&b, FG_FLINK_CONF_MAX_VALUE);
	r = fg_flink_conf_string(conf, FG_FLINK_CONF_HA_TYPE, &b, NULL);
	if (r > 0) {
		on = 1;
		for (size_t i = 0; i < 2; i++)
			if (!strcasecmp(b.ptr, inactive[i]))
				on = 0;
	}
	fg_buf_release(&b);
	return on;
}
