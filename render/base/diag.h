/*
 * Diagnostics: what a user reads when their repository is wrong. One
 * diagnostic names a file, a 1-based line and column (0 when unknown) and
 * a message; a list collects every problem of a pass so all are reported
 * at once, in the order found.
 *
 * Text form (compilers' convention):  FILE:LINE:COL: error: MESSAGE
 */
#ifndef FG_BASE_DIAG_H
#define FG_BASE_DIAG_H

#include <stddef.h>

#include "render/base/buf.h"

struct fg_pos {
	unsigned line; /* 1-based, 0 = unknown */
	unsigned col;  /* 1-based, in characters, 0 = unknown */
};

enum fg_severity { FG_SEV_ERROR = 0, FG_SEV_WARNING = 1 };

struct fg_diag {
	enum fg_severity severity;
	char *file; /* owned */
	struct fg_pos pos;
	char *message; /* owned */
};

struct fg_diags {
	struct fg_diag *v;
	size_t n, cap;
	size_t max; /* further diagnostics are counted in `dropped` only */
	size_t dropped;
};

#define FG_DIAGS_MAX_DEFAULT 10000
#define FG_DIAGS_INIT                               \
	{                                           \
		NULL, 0, 0, FG_DIAGS_MAX_DEFAULT, 0 \
	}

int fg_diags_add(struct fg_diags *d, enum fg_severity sev, const char *file,
		 struct fg_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Number of error-severity diagnostics (including dropped ones). */
size_t fg_diags_errors(const struct fg_diags *d);
void fg_diags_release(struct fg_diags *d);

/* Append "FILE:LINE:COL: error: MESSAGE" (no newline) to `out`. */
int fg_diag_format(struct fg_buf *out, const struct fg_diag *d);

#endif
