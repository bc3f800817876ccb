#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "render/base/json.h"
#include "render/base/banned.h"

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
