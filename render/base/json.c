#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/base/banned.h"

struct dump {
	struct fg_buf b;
	int failed; /* sticky: no append after a failed one */
};

static int dump_add(const char *s, size_t n, void *arg)
{
	struct dump *d = arg;

	if (d->failed || fg_buf_add(&d->b, s, n) < 0)
		d->failed = 1;
	return d->failed ? -1 : 0;
}

char *fg_json_dumps(const json_t *v, size_t flags)
{
	struct dump d = { .failed = 0 };

	fg_buf_init(&d.b, SIZE_MAX);
	if (json_dump_callback(v, dump_add, &d, flags) < 0 || d.failed) {
		fg_buf_release(&d.b);
		return NULL;
	}
	return fg_buf_detach(&d.b, NULL);
}

/* Whether one of jansson's allocations failed on this thread since the
 * flag was last cleared: jansson allocates through json_malloc. */
static _Thread_local int json_alloc_failed;

/* While set, every allocation after a failed one fails too: jansson
 * 2.14's lexer goes on after a failed append to a token, and a string
 * token whose text lost a character can reach an assert(0) in its
 * escape decoding (load.c lex_scan_string): an abort, not an error.
 * Failing the token's own allocation that follows ends the parse. */
static _Thread_local int json_alloc_sticky;

static void *json_malloc(size_t n)
{
	void *p;

	if (json_alloc_sticky && json_alloc_failed)
		return NULL;
	p = malloc(n);

	if (!p)
		json_alloc_failed = 1;
	return p;
}

__attribute__((constructor)) static void json_alloc_funcs(void)
{
	json_set_alloc_funcs(json_malloc, free);
}

int fg_json_loadb(json_t **out, const char *s, size_t len, size_t flags,
		  json_error_t *e)
{
	json_error_t mine;

	if (!e)
		e = &mine;
	json_alloc_failed = 0;
	json_alloc_sticky = 1;
	*out = json_loadb(s, len, flags, e);
	json_alloc_sticky = 0;
	/* jansson's lexer goes on after a failed append to a token: a
	   value parsed while an allocation failed may lack characters */
	if (json_alloc_failed ||
	    (!*out && json_error_code(e) == json_error_out_of_memory)) {
		json_decref(*out);
		*out = NULL;
		return fg_error_set(FG_ERROR, "out of memory");
	}
	return *out ? 0 : FG_EINVALID;
}

int fg_json_loads(json_t **out, const char *s, size_t flags, json_error_t *e)
{
	return fg_json_loadb(out, s, strlen(s), flags, e);
}

json_t *fg_json_deep_copy(const json_t *v)
{
	json_t *c;

	json_alloc_failed = 0;
	c = json_deep_copy(v);
	if (json_alloc_failed) {
		json_decref(c);
		return NULL;
	}
	return c;
}

json_t *fg_json_mut(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

const json_t *fg_json_get(const json_t *o, const char *k)
{
	return json_is_object(o) ? json_object_get(o, k) : NULL;
}

const json_t *fg_json_path(const json_t *o, ...)
{
	va_list ap;
	const char *k;

	va_start(ap, o);
	while (o && (k = va_arg(ap, const char *)))
		o = fg_json_get(o, k);
	va_end(ap);
	return o;
}

const char *fg_json_str(const json_t *o, const char *k)
{
	return json_string_value(fg_json_get(o, k));
}

const char *fg_meta_str(const json_t *obj, const char *k)
{
	return fg_json_str(fg_json_get(obj, "metadata"), k);
}

const char *fg_label(const json_t *obj, const char *k)
{
	return fg_json_str(fg_json_path(obj, "metadata", "labels", NULL), k);
}

const char *fg_annotation(const json_t *obj, const char *k)
{
	return fg_json_str(fg_json_path(obj, "metadata", "annotations", NULL),
			   k);
}

int fg_str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}
