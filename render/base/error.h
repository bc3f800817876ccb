/*
 * Errors: every fallible function returns int, 0 on success or a negative
 * FG_E* code; the human-readable detail is kept aside in a thread-local
 * message (fg_error_last). Third-party errors are translated into this
 * form at the boundary where they occur and nowhere else.
 *
 * Messages follow git's habits: lowercase, no trailing period, what failed
 * first ("cannot open 'x.yaml': No such file or directory").
 */
#ifndef FG_BASE_ERROR_H
#define FG_BASE_ERROR_H

#include <stdarg.h>

enum fg_error_code {
	FG_OK = 0,
	FG_ENOTFOUND = -1, /* a named thing does not exist */
	FG_EINVALID = -2,  /* input is malformed or breaks a rule/limit */
	FG_ECONFLICT = -3, /* the world changed under us; retry may help */
	FG_ETIMEOUT = -4,  /* a deadline passed */
	FG_EAUTH = -5,	   /* credentials or signatures refused */
	FG_ERROR = -6,	   /* anything else: I/O, out of memory, internal */
};

/* Longest message kept; longer ones are cut at a UTF-8 boundary. */
#define FG_ERROR_MSG_MAX 1024

/*
 * Record a message for the calling thread and return `code`, so callers
 * write `return fg_error_set(FG_EINVALID, "bad %s", x);`.
 */
int fg_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int fg_error_setv(int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Like fg_error_set with strerror(errnum) appended after ": ". */
int fg_error_set_errno(int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the current message with "context: " (keeps the code). */
int fg_error_wrap(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The calling thread's last message; never NULL ("" when none). */
const char *fg_error_last(void);

/* The code recorded with the last message (FG_OK when none). */
int fg_error_last_code(void);

void fg_error_clear(void);

/* A short stable name for a code: "not found", "invalid", ... */
const char *fg_error_name(int code);

#endif
