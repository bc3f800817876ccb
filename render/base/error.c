#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "render/base/error.h"
#include "render/base/banned.h"

static _Thread_local char last_msg[FG_ERROR_MSG_MAX];
static _Thread_local int last_code;

/* Cut `s` back so it does not end inside a UTF-8 sequence. */
static void trim_partial_utf8(char *s)
{
	size_t n = strlen(s), i = n;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
		if (n - (i - 1) < want)
			s[i - 1] = '\0';
	}
}

int fg_error_setv(int code, const char *fmt, va_list ap)
{
	int n = vsnprintf(last_msg, sizeof(last_msg), fmt, ap);

	if (n < 0)
		last_msg[0] = '\0';
	else if ((size_t)n >= sizeof(last_msg))
		trim_partial_utf8(last_msg);
	last_code = code;
	return code;
}

int fg_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fg_error_setv(code, fmt, ap);
	va_end(ap);
	return code;
}

int fg_error_set_errno(int code, int errnum, const char *fmt, ...)
{
	char head[FG_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	return fg_error_set(code, "%s: %s", head, strerror(errnum));
}

int fg_error_wrap(int code, const char *fmt, ...)
{
	char head[FG_ERROR_MSG_MAX], tail[FG_ERROR_MSG_MAX];
	va_list ap;

	memcpy(tail, last_msg, sizeof(tail));
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	if (tail[0])
		return fg_error_set(code, "%s: %s", head, tail);
	return fg_error_set(code, "%s", head);
}

const char *fg_error_last(void)
{
	return last_msg;
}

int fg_error_last_code(void)
{
	return last_code;
}

void fg_error_clear(void)
{
	last_msg[0] = '\0';
	last_code = FG_OK;
}

const char *fg_error_name(int code)
{
	switch (code) {
	case FG_OK:
		return "ok";
	case FG_ENOTFOUND:
		return "not found";
	case FG_EINVALID:
		return "invalid";
	case FG_ECONFLICT:
		return "conflict";
	case FG_ETIMEOUT:
		return "timeout";
	case FG_EAUTH:
		return "auth";
	default:
		return "error";
	}
}
