#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/problems.h"
#include "render/base/banned.h"

int fg_problems_add(struct fg_problems *p, const char *pointer, const char *fmt,
		    ...)
{
	struct fg_buf msg = FG_BUF_INIT;
	va_list ap;
	int err;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 8;
		struct fg_problem *v = realloc(p->v, ncap * sizeof(*v));
		if (!v)
			return fg_error_set(FG_ERROR, "out of memory");
		p->v = v;
		p->cap = ncap;
	}
	va_start(ap, fmt);
	err = fg_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (err < 0)
		return err;
	p->v[p->n].message = fg_buf_detach(&msg, NULL);
	p->v[p->n].pointer = strdup(pointer);
	if (!p->v[p->n].message || !p->v[p->n].pointer) {
		free(p->v[p->n].message);
		free(p->v[p->n].pointer);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	p->n++;
	return 0;
}

void fg_problems_release(struct fg_problems *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].pointer);
		free(p->v[i].message);
	}
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int fg_pointer_to_field(struct fg_buf *out, const char *pointer)
{
	struct fg_buf tok = FG_BUF_INIT;
	const char *p = pointer;
	int err = 0, first = 1;

	while (*p == '/' && !err) {
		size_t n;

		p++;
		n = strcspn(p, "/");
		fg_buf_clear(&tok);
		for (size_t i = 0; i < n && !err; i++) {
			if (p[i] == '~' && i + 1 < n && p[i + 1] == '0') {
				err = fg_buf_putc(&tok, '~');
				i++;
			} else if (p[i] == '~' && i + 1 < n &&
				   p[i + 1] == '1') {
				err = fg_buf_putc(&tok, '/');
				i++;
			} else {
				err = fg_buf_putc(&tok, p[i]);
			}
		}
		if (err)
			break;
		if (all_digits(tok.ptr, tok.len) && !first)
			err = fg_buf_printf(out, "[%s]", tok.ptr);
		else if (strchr(tok.ptr, '.') || strchr(tok.ptr, '[') ||
			 tok.len == 0)
			err = fg_buf_printf(out, "[%s]", tok.ptr);
		else
			err = fg_buf_printf(out, "%s%s", first ? "" : ".",
					    tok.ptr);
		first = 0;
		p += n;
	}
	fg_buf_release(&tok);
	return err;
}
