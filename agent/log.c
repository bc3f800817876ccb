#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "render/base/json.h"
#include "agent/log.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/banned.h"

#define FG_LOG_MAX_SECRETS 64
#define FG_LOG_LINE_MAX ((size_t)64 << 10)
#define REDACTED "[redacted]"

enum fg_log_level fg_log_threshold = FG_LOG_LEVEL_INFO;
static enum fg_log_format log_format = FG_LOG_FORMAT_TEXT;
static FILE *log_out;

static struct {
	char *v; /* sodium_malloc */
	size_t len;
} secrets[FG_LOG_MAX_SECRETS];
static size_t nsecrets;

static const char *level_names[] = { "debug", "info", "warn", "error", "off" };

void fg_log_setup(enum fg_log_level level, enum fg_log_format format, FILE *out)
{
	fg_log_threshold = level;
	log_format = format;
	log_out = out;
}

int fg_log_parse_level(const char *s, enum fg_log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum fg_log_level)i;
			return 0;
		}
	}
	if (!strcmp(s, "warning")) {
		*out = FG_LOG_LEVEL_WARN;
		return 0;
	}
	return fg_error_set(FG_EINVALID,
			    "unknown log level '%s' (debug, info, warn, "
			    "error, off)",
			    s);
}

int fg_log_parse_format(const char *s, enum fg_log_format *out)
{
	if (!strcmp(s, "text"))
		*out = FG_LOG_FORMAT_TEXT;
	else if (!strcmp(s, "json"))
		*out = FG_LOG_FORMAT_JSON;
	else
		return fg_error_set(FG_EINVALID,
				    "unknown log format '%s' (text, json)", s);
	return 0;
}

int fg_log_secret(const char *value)
{
	size_t len = strlen(value);

	if (len == 0)
		return 0;
	if (nsecrets == FG_LOG_MAX_SECRETS)
		return fg_error_set(FG_ERROR, "too many secrets registered");
	if (sodium_init() < 0)
		return fg_error_set(FG_ERROR, "cannot initialise libsodium");
	if (!(secrets[nsecrets].v = sodium_malloc(len + 1)))
		return fg_error_set(FG_ERROR, "out of memory");
	memcpy(secrets[nsecrets].v, value, len + 1);
	secrets[nsecrets].len = len;
	nsecrets++;
	return 0;
}

void fg_log_secrets_clear(void)
{
	size_t i;

	for (i = 0; i < nsecrets; i++)
		sodium_free(secrets[i].v); /* wipes before freeing */
	nsecrets = 0;
}

static int contains(const char *hay, size_t hlen, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + len <= hlen; i++)
		if (hay[i] == s[0] && !memcmp(hay + i, s, len))
			return 1;
	return 0;
}

/* Replace every registered secret in `b` by REDACTED, in place. */
static int scrub(struct fg_buf *b)
{
	struct fg_buf tmp = FG_BUF_INIT;
	size_t i, j;
	int err = 0;

	for (i = 0; i < nsecrets && !err; i++) {
		const char *s = secrets[i].v;
		size_t len = secrets[i].len;

		if (!contains(b->ptr, b->len, s, len))
			continue;
		fg_buf_clear(&tmp);
		for (j = 0; j < b->len && !err;) {
			if (j + len <= b->len && !memcmp(b->ptr + j, s, len)) {
				err = fg_buf_puts(&tmp, REDACTED);
				j += len;
			} else {
				err = fg_buf_putc(&tmp, b->ptr[j++]);
			}
		}
		if (!err) {
			fg_buf_clear(b);
			err = fg_buf_add(b, tmp.ptr, tmp.len);
		}
	}
	sodium_memzero(tmp.ptr, tmp.len);
	fg_buf_release(&tmp);
	return err;
}

static int needs_quotes(const char *s)
{
	if (!*s)
		return 1;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '"' || *s == '=' ||
		    *s == '\\' || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

static int text_value(struct fg_buf *b, const char *s)
{
	int err = 0;

	if (!needs_quotes(s))
		return fg_buf_puts(b, s);
	err = fg_buf_putc(b, '"');
	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			err = fg_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			err = fg_buf_puts(b, "\\n");
		else if (c == '\t')
			err = fg_buf_puts(b, "\\t");
		else if (c < ' ' || c == 0x7f)
			err = fg_buf_printf(b, "\\x%02x", c);
		else
			err = fg_buf_putc(b, (char)c);
	}
	return err ? err : fg_buf_putc(b, '"');
}

static void timestamp(char *out, size_t outsz)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000) % 1000);
}

static int format_text(struct fg_buf *b, const char *ts, const char *level,
		       const char *event, const struct fg_log_field *f,
		       size_t n)
{
	size_t i;
	int err;

	err = fg_buf_printf(b, "ts=%s level=%s event=", ts, level);
	if (!err)
		err = text_value(b, event);
	for (i = 0; i < n && !err; i++) {
		err = fg_buf_printf(b, " %s=", f[i].key);
		if (err)
			break;
		if (f[i].type == FG_LOGF_INT)
			err = fg_buf_printf(b, "%lld", f[i].i);
		else if (f[i].type == FG_LOGF_SECRET)
			err = fg_buf_puts(b, REDACTED);
		else
			err = text_value(b, f[i].s ? f[i].s : "");
	}
	return err;
}

static int format_json(struct fg_buf *b, const char *ts, const char *level,
		       const char *event, const struct fg_log_field *f,
		       size_t n)
{
	json_t *o = json_object();
	char *s;
	size_t i;
	int err = 0;

	if (!o)
		return fg_error_set(FG_ERROR, "out of memory");
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "level", json_string(level));
	json_object_set_new(o, "event", json_string(event));
	for (i = 0; i < n; i++) {
		json_t *v;
		if (f[i].type == FG_LOGF_INT)
			v = json_integer(f[i].i);
		else if (f[i].type == FG_LOGF_SECRET)
			v = json_string(REDACTED);
		else
			v = json_string(f[i].s ? f[i].s : "");
		if (!v) /* not UTF-8: keep the line, flag the field */
			v = json_string("[invalid UTF-8]");
		json_object_set_new(o, f[i].key, v);
	}
	s = fg_json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return fg_error_set(FG_ERROR, "out of memory");
	err = fg_buf_puts(b, s);
	free(s);
	return err;
}

int fg_log_format_line(struct fg_buf *out, enum fg_log_level level,
		       const char *event, const struct fg_log_field *fields,
		       size_t n)
{
	char ts[96];
	int err;

	timestamp(ts, sizeof(ts));
	if (level > FG_LOG_LEVEL_ERROR)
		level = FG_LOG_LEVEL_ERROR;
	if (log_format == FG_LOG_FORMAT_JSON)
		err = format_json(out, ts, level_names[level], event, fields,
				  n);
	else
		err = format_text(out, ts, level_names[level], event, fields,
				  n);
	return err ? err : scrub(out);
}

void fg_log_write(enum fg_log_level level, const char *event,
		  const struct fg_log_field *fields, size_t n)
{
	struct fg_buf line = FG_BUF_INIT;

	fg_buf_init(&line, FG_LOG_LINE_MAX);
	if (fg_log_format_line(&line, level, event, fields, n) < 0) {
		fg_buf_release(&line);
		fg_buf_puts(&line, "ts=? level=error event=log.overflow");
	}
	fg_buf_putc(&line, '\n');
	fwrite(line.ptr, 1, line.len, log_out ? log_out : stderr);
	fflush(log_out ? log_out : stderr);
	sodium_memzero(line.ptr, line.len);
	fg_buf_release(&line);
}
