/*
 * Logging, in one place. One line per event: `key=value` fields by
 * default, one JSON object per line with --log-format=json.
 *
 *   FG_LOG_INFO("scan.done", FG_LOG_INT("files", n), FG_LOG_STR("root", dir));
 *
 * The level is checked before any argument is evaluated. Values that must
 * never be printed (tokens, keys) are registered with fg_log_secret(); any
 * occurrence in any later line is replaced by "[redacted]", and fields
 * made with FG_LOG_SECRET never print their value at all.
 */
#ifndef FG_AGENT_LOG_H
#define FG_AGENT_LOG_H

#include <stdio.h>

enum fg_log_level {
	FG_LOG_LEVEL_DEBUG,
	FG_LOG_LEVEL_INFO,
	FG_LOG_LEVEL_WARN,
	FG_LOG_LEVEL_ERROR,
	FG_LOG_LEVEL_OFF,
};

enum fg_log_format { FG_LOG_FORMAT_TEXT, FG_LOG_FORMAT_JSON };

enum fg_log_ftype { FG_LOGF_STR, FG_LOGF_INT, FG_LOGF_SECRET };

struct fg_log_field {
	const char *key;
	enum fg_log_ftype type;
	const char *s;
	long long i;
};

#define FG_LOG_STR(k, v) \
	((struct fg_log_field){ .key = (k), .type = FG_LOGF_STR, .s = (v) })
#define FG_LOG_INT(k, v)        \
	((struct fg_log_field){ \
		.key = (k), .type = FG_LOGF_INT, .i = (long long)(v) })
#define FG_LOG_SECRET(k) \
	((struct fg_log_field){ .key = (k), .type = FG_LOGF_SECRET })

extern enum fg_log_level fg_log_threshold;

#define FG_LOG(level, event, ...)                                            \
	do {                                                                 \
		if ((level) >= fg_log_threshold) {                           \
			const struct fg_log_field fg_f_[] = { __VA_ARGS__ }; \
			fg_log_write((level), (event), fg_f_,                \
				     sizeof(fg_f_) / sizeof(fg_f_[0]));      \
		}                                                            \
	} while (0)
#define FG_LOG_DEBUG(event, ...) FG_LOG(FG_LOG_LEVEL_DEBUG, event, __VA_ARGS__)
#define FG_LOG_INFO(event, ...) FG_LOG(FG_LOG_LEVEL_INFO, event, __VA_ARGS__)
#define FG_LOG_WARN(event, ...) FG_LOG(FG_LOG_LEVEL_WARN, event, __VA_ARGS__)
#define FG_LOG_ERROR(event, ...) FG_LOG(FG_LOG_LEVEL_ERROR, event, __VA_ARGS__)

/* Where and how to log; `out` is borrowed (stderr by default). */
void fg_log_setup(enum fg_log_level level, enum fg_log_format format,
		  FILE *out);
int fg_log_parse_level(const char *s, enum fg_log_level *out);
int fg_log_parse_format(const char *s, enum fg_log_format *out);

/* Never print `value` (copied into locked, wiped memory). */
int fg_log_secret(const char *value);
/* Forget every registered secret, wiping the copies. */
void fg_log_secrets_clear(void);

void fg_log_write(enum fg_log_level level, const char *event,
		  const struct fg_log_field *fields, size_t n);

/* The text of one line as fg_log_write would print it (for tests). */
struct fg_buf;
int fg_log_format_line(struct fg_buf *out, enum fg_log_level level,
		       const char *event, const struct fg_log_field *fields,
		       size_t n);

#endif
