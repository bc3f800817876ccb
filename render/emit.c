#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "render/base/error.h"
#include "render/emit.h"
#include "render/yaml_scalar.h"
#include "render/base/banned.h"

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	return fg_buf_add(data, buffer, size) == 0;
}

static int emit_scalar(yaml_emitter_t *e, const char *s, size_t len,
		       yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL,
					  (yaml_char_t *)(uintptr_t)s, (int)len,
					  1, 1, style))
		return -1;
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
	struct fg_scalar r;

	if (memchr(s, '\n', len) && !memchr(s, '\0', len))
		return emit_scalar(e, s, len, YAML_LITERAL_SCALAR_STYLE);
	if (fg_scalar_resolve_plain(s, len, &r) < 0)
		return -1;
	if (r.type != FG_SCALAR_STR || fg_scalar_is_timestamp(s, len) ||
	    !strcmp(s, "<<"))
		return emit_scalar(e, s, len, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	return emit_scalar(e, s, len, YAML_ANY_SCALAR_STYLE);
}

static int key_rank(const char *k)
{
	static const char *const first[] = { "apiVersion", "kind", "metadata",
					     "spec" };
	size_t i;

	for (i = 0; i < 4; i++)
		if (!strcmp(k, first[i]))
			return (int)i;
	return 4;
}

static int cmp_keys(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int rx = key_rank(x), ry = key_rank(y);

	return rx != ry ? rx - ry : strcmp(x, y);
}

static int emit_value(yaml_emitter_t *e, const json_t *v)
{
	yaml_event_t ev;
	char num[64];

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		const char **keys = calloc(n ? n : 1, sizeof(*keys));
		const char *k;
		json_t *m;
		int err = 0;

		if (!keys)
			return -1;
		json_object_foreach ((json_t *)(uintptr_t)v, k, m)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_keys);
		if (!yaml_mapping_start_event_initialize(
			    &ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			err = -1;
		for (i = 0; i < n && !err; i++) {
			err = emit_string(e, keys[i], strlen(keys[i]));
			if (!err)
				err = emit_value(e,
						 json_object_get(v, keys[i]));
		}
		free(keys);
		if (err || !yaml_mapping_end_event_initialize(&ev) ||
		    !yaml_emitter_emit(e, &ev))
			return -1;
		return 0;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *m;

		if (!yaml_sequence_start_event_initialize(
			    &ev, NULL, NULL, 1,
			    json_array_size(v) ? YAML_BLOCK_SEQUENCE_STYLE
					       : YAML_FLOW_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return -1;
		json_array_foreach (v, i, m)
			if (emit_value(e, m) < 0)
				return -1;
		if (!yaml_sequence_end_event_initialize(&ev) ||
		    !yaml_emitter_emit(e, &ev))
			return -1;
		return 0;
	}
	case JSON_STRING:
		return emit_string(e, json_string_value(v),
				   json_string_length(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(v));
		return emit_scalar(e, num, strlen(num),
				   YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		fg_format_double(num, sizeof(num), json_real_value(v));
		if (!strpbrk(num, ".eE")) /* keep it a float when read back */
			snprintf(num + strlen(num), sizeof(num) - strlen(num),
				 ".0");
		return emit_scalar(e, num, strlen(num),
				   YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
	default:
		return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	}
}

int fg_yaml_emit(struct fg_buf *out, const json_t *v)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int err = 0;

	if (!yaml_emitter_initialize(&e))
		return fg_error_set(FG_ERROR, "out of memory");
	yaml_emitter_set_output(&e, write_handler, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_indent(&e, 2);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
	    !yaml_emitter_emit(&e, &ev) ||
	    !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0) ||
	    !yaml_emitter_emit(&e, &ev) || emit_value(&e, v) < 0 ||
	    !yaml_document_end_event_initialize(&ev, 1) ||
	    !yaml_emitter_emit(&e, &ev) ||
	    !yaml_stream_end_event_initialize(&ev) ||
	    !yaml_emitter_emit(&e, &ev))
		err = fg_error_set(FG_ERROR, "cannot write YAML: %s",
				   e.problem ? e.problem : "out of memory");
	yaml_emitter_delete(&e);
	return err;
}
