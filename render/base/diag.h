/*
 * Diagnostics: what a user reads when their repository is wrong. One
 * diagnostic names a file, a 1-based line and column (0 when unknown) and
 * a message; a list collects every problem of a pass so all are reported
 * at once, in the order found.
 *
 * Text form (compilers' convention):
 *   FILE:LINE:COL: error: MESSAGE
 *   FILE:LINE:COL: error: KIND NAMESPACE/NAME: FIELD: MESSAGE
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
	/* the object and field concerned, when there is one (owned or NULL) */
	char *kind, *ns, *name, *field;
};

/* What a diagnostic is about, beyond its file and position. */
struct fg_diag_subject {
	const char *kind, *ns, *name; /* the object, or all NULL */
	const char *field;	      /* "spec.job.parallelism", or NULL */
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
/* The same, about an object and field (either may be absent). */
int fg_diags_add_about(struct fg_diags *d, enum fg_severity sev,
		       const char *file, struct fg_pos pos,
		       const struct fg_diag_subject *about, const char *fmt,
		       ...) __attribute__((format(printf, 6, 7)));
/* Move every diagnostic of `from` to the end of `to`. */
int fg_diags_take(struct fg_diags *to, struct fg_diags *from);
/* Sort by file, line, column (stable: same place keeps its order). */
void fg_diags_sort(struct fg_diags *d);
/* Drop a diagnostic identical to the one before it (after sorting). */
void fg_diags_dedupe(struct fg_diags *d);
/* Number of error-severity diagnostics (including dropped ones). */
size_t fg_diags_errors(const struct fg_diags *d);
void fg_diags_release(struct fg_diags *d);

/* Append the text form (no newline) to `out`. */
int fg_diag_format(struct fg_buf *out, const struct fg_diag *d);

#endif
