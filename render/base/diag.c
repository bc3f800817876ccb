#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/diag.h"
#include "render/base/error.h"
#include "render/base/banned.h"

static char *dup_or_null(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = 1;
	return d;
}

__attribute__((format(printf, 6, 0))) static int
add_v(struct fg_diags *d, enum fg_severity sev, const char *file,
      struct fg_pos pos, const struct fg_diag_subject *about, const char *fmt,
      va_list ap)
{
	struct fg_buf msg = FG_BUF_INIT;
	struct fg_diag *e;
	int err, oom = 0;

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
	if ((err = fg_buf_vprintf(&msg, fmt, ap)) < 0)
		return err;
	e = &d->v[d->n];
	memset(e, 0, sizeof(*e));
	e->severity = sev;
	e->pos = pos;
	e->message = fg_buf_detach(&msg, NULL);
	e->file = dup_or_null(file ? file : "", &oom);
	if (about) {
		e->kind = dup_or_null(about->kind, &oom);
		e->ns = dup_or_null(about->ns, &oom);
		e->name = dup_or_null(about->name, &oom);
		e->field = dup_or_null(about->field, &oom);
	}
	if (!e->message || oom) {
		free(e->message);
		free(e->file);
		free(e->kind);
		free(e->ns);
		free(e->name);
		free(e->field);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	d->n++;
	return 0;
}

int fg_diags_add(struct fg_diags *d, enum fg_severity sev, const char *file,
		 struct fg_pos pos, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = add_v(d, sev, file, pos, NULL, fmt, ap);
	va_end(ap);
	return err;
}

int fg_diags_add_about(struct fg_diags *d, enum fg_severity sev,
		       const char *file, struct fg_pos pos,
		       const struct fg_diag_subject *about, const char *fmt,
		       ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = add_v(d, sev, file, pos, about, fmt, ap);
	va_end(ap);
	return err;
}

int fg_diags_take(struct fg_diags *to, struct fg_diags *from)
{
	size_t i;

	for (i = 0; i < from->n; i++) {
		if (to->n >= to->max) {
			to->dropped++;
			continue;
		}
		if (to->n == to->cap) {
			size_t ncap = to->cap ? to->cap * 2 : 16;
			struct fg_diag *v = realloc(to->v, ncap * sizeof(*v));
			if (!v)
				return fg_error_set(FG_ERROR, "out of memory");
			to->v = v;
			to->cap = ncap;
		}
		to->v[to->n++] = from->v[i];
		memset(&from->v[i], 0, sizeof(from->v[i]));
	}
	to->dropped += from->dropped;
	fg_diags_release(from);
	return 0;
}

static int cmp_diag(const void *a, const void *b)
{
	const struct fg_diag *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	return 0;
}

void fg_diags_sort(struct fg_diags *d)
{
	size_t i, j;

	/* insertion sort: stable, and lists are short and mostly sorted */
	for (i = 1; i < d->n; i++) {
		struct fg_diag t = d->v[i];
		for (j = i; j > 0 && cmp_diag(&d->v[j - 1], &t) > 0; j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = t;
	}
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void diag_free(struct fg_diag *e)
{
	free(e->file);
	free(e->message);
	free(e->kind);
	free(e->ns);
	free(e->name);
	free(e->field);
}

void fg_diags_dedupe(struct fg_diags *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++) {
		struct fg_diag *e = &d->v[i], *prev = n ? &d->v[n - 1] : NULL;
		if (prev && prev->severity == e->severity &&
		    prev->pos.line == e->pos.line &&
		    prev->pos.col == e->pos.col &&
		    same_str(prev->file, e->file) &&
		    same_str(prev->message, e->message) &&
		    same_str(prev->kind, e->kind) &&
		    same_str(prev->ns, e->ns) &&
		    same_str(prev->name, e->name) &&
		    same_str(prev->field, e->field)) {
			diag_free(e);
			continue;
		}
		d->v[n++] = *e;
	}
	d->n = n;
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

	for (i = 0; i < d->n; i++)
		diag_free(&d->v[i]);
	free(d->v);
	memset(d, 0, sizeof(*d));
	d->max = max ? max : FG_DIAGS_MAX_DEFAULT;
}

int fg_diag_format(struct fg_buf *out, const struct fg_diag *d)
{
	const char *sev = d->severity == FG_SEV_ERROR ? "error" : "warning";
	int err;

	if (d->pos.line && d->pos.col)
		err = fg_buf_printf(out, "%s:%u:%u: %s: ", d->file, d->pos.line,
				    d->pos.col, sev);
	else if (d->pos.line)
		err = fg_buf_printf(out, "%s:%u: %s: ", d->file, d->pos.line,
				    sev);
	else
		err = fg_buf_printf(out, "%s: %s: ", d->file, sev);
	if (!err && d->kind)
		err = fg_buf_printf(out, "%s %s%s%s: ", d->kind,
				    d->ns ? d->ns : "", d->ns ? "/" : "",
				    d->name ? d->name : "?");
	if (!err && d->field)
		err = fg_buf_printf(out, "%s: ", d->field);
	return err ? err : fg_buf_puts(out, d->message);
}
