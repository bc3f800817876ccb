#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/diag.h"
#include "render/base/error.h"
#include "render/base/banned.h"

int fg_diags_add(struct fg_diags *d, enum fg_severity sev, const char *file,
		 struct fg_pos pos, const char *fmt, ...)
{
	struct fg_buf msg = FG_BUF_INIT;
	struct fg_diag *e;
	va_list ap;
	int err;

	if (d->n >= d->max) {
		d->dropped++;
		return 0;
	}
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		struct fg_diag *v = realloc(d->v, ncap * sizeof(*v));
		if (!v)
			return fg_error_set(FG_ERROR, "out of memory");
		d->v = v;
		d->cap = ncap;
	}
	va_start(ap, fmt);
	err = fg_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (err < 0)
		return err;
	e = &d->v[d->n];
	e->severity = sev;
	e->pos = pos;
	e->message = fg_buf_detach(&msg, NULL);
	e->file = strdup(file ? file : "");
	if (!e->message || !e->file) {
		free(e->message);
		free(e->file);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	d->n++;
	return 0;
}

size_t fg_diags_errors(const struct fg_diags *d)
{
	size_t i, n = d->dropped;

	for (i = 0; i < d->n; i++)
		if (d->v[i].severity == FG_SEV_ERROR)
			n++;
	return n;
}

void fg_diags_release(struct fg_diags *d)
{
	size_t i, max = d->max;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].message);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
	d->max = max ? max : FG_DIAGS_MAX_DEFAULT;
}

int fg_diag_format(struct fg_buf *out, const struct fg_diag *d)
{
	const char *sev = d->severity == FG_SEV_ERROR ? "error" : "warning";

	if (d->pos.line && d->pos.col)
		return fg_buf_printf(out, "%s:%u:%u: %s: %s", d->file,
				     d->pos.line, d->pos.col, sev, d->message);
	if (d->pos.line)
		return fg_buf_printf(out, "%s:%u: %s: %s", d->file, d->pos.line,
				     sev, d->message);
	return fg_buf_printf(out, "%s: %s: %s", d->file, sev, d->message);
}
