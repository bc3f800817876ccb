/*
 * Problems found inside one object by a check (schema, operator rules):
 * each names the offending node by RFC 6901 JSON pointer into the object
 * ("/spec/job/parallelism") and says what is wrong. Render turns them into
 * diagnostics with file, line and column through the loader's positions.
 */
#ifndef FG_RENDER_PROBLEMS_H
#define FG_RENDER_PROBLEMS_H

#include <stddef.h>

struct fg_problem {
	char *pointer; /* owned; "" is the object itself */
	char *message; /* owned; lowercase start unless quoting the operator */
};

struct fg_problems {
	struct fg_problem *v;
	size_t n, cap;
};

#define FG_PROBLEMS_INIT   \
	{                  \
		NULL, 0, 0 \
	}

int fg_problems_add(struct fg_problems *p, const char *pointer, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
void fg_problems_release(struct fg_problems *p);

/*
 * The dotted form users read for a pointer: "/spec/job/parallelism" ->
 * "spec.job.parallelism", "/spec/flinkConfiguration/state.savepoints.dir"
 * -> "spec.flinkConfiguration[state.savepoints.dir]", "/a/0/b" -> "a[0].b".
 * Keys containing a '.' are shown in brackets; array indexes as [N].
 */
struct fg_buf;
int fg_pointer_to_field(struct fg_buf *out, const char *pointer);

#endif
