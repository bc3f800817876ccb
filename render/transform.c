#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/json.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/transform.h"
#include "render/yaml.h"
#include "render/yaml_scalar.h"
#include "render/base/banned.h"

int fg_merge(json_t *base, const json_t *over)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)(uintptr_t)over, k, v) {
		json_t *b = json_object_get(base, k);

		if (json_is_null(v)) {
			json_object_del(base, k);
		} else if (json_is_object(v) && json_is_object(b)) {
			if (fg_merge(b, v) < 0)
				return FG_ERROR;
		} else if (json_object_set_new(base, k, fg_json_deep_copy(v)) <
			   0) {
			return fg_error_set(FG_ERROR, "out of memory");
		}
	}
	return 0;
}

void fg_strip_nulls(json_t *v)
{
	const char *k;
	json_t *m;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe (v, tmp, k, m) {
			if (json_is_null(m))
				json_object_del(v, k);
			else
				fg_strip_nulls(m);
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, m)
			fg_strip_nulls(m);
	}
}

/* Text of a scalar as the operator stores it. */
static int scalar_text(struct fg_buf *out, const json_t *v)
{
	char num[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return fg_buf_add(out, json_string_value(v),
				  json_string_length(v));
	case JSON_INTEGER:
		return fg_buf_printf(out, "%lld",
				     (long long)json_integer_value(v));
	case JSON_REAL:
		fg_format_double(num, sizeof(num), json_real_value(v));
		return fg_buf_puts(out, num);
	case JSON_TRUE:
		return fg_buf_puts(out, "true");
	case JSON_FALSE:
		return fg_buf_puts(out, "false");
	default:
		return FG_EINVALID;
	}
}

static int flatten_into(json_t *out, const json_t *in, struct fg_buf *prefix,
			const char *pointer, struct fg_problems *problems)
{
	size_t plen = prefix->len;
	const char *k;
	json_t *v;
	int err = 0;

	json_object_foreach ((json_t *)(uintptr_t)in, k, v) {
		struct fg_buf val = FG_BUF_INIT, ptr = FG_BUF_INIT;

		fg_buf_truncate(prefix, plen);
		if ((plen && fg_buf_putc(prefix, '.') < 0) ||
		    fg_buf_puts(prefix, k) < 0)
			return fg_error_set(FG_ERROR, "out of memory");
		fg_buf_puts(&ptr, pointer);
		fg_json_pointer_push(&ptr, prefix->ptr);

		if (json_is_object(v)) {
			err = flatten_into(out, v, prefix, pointer, problems);
		} else if (json_object_get(out, prefix->ptr)) {
			err = fg_problems_add(problems, ptr.ptr,
					      "flinkConfiguration key '%s' is "
					      "set twice (nested and flat)",
					      prefix->ptr);
		} else if (json_is_null(v)) {
			err = json_object_set_new(out, prefix->ptr,
						  json_null());
		} else if (json_is_array(v)) {
			size_t i;
			json_t *item;
			json_array_foreach (v, i, item) {
				if (i && fg_buf_putc(&val, ';') < 0)
					err = FG_ERROR;
				else if (scalar_text(&val, item) < 0)
					err = fg_problems_add(
						problems, ptr.ptr,
						"flinkConfiguration list "
						"items must be scalars");
				if (err)
					break;
			}
			if (!err && json_object_set_new(
					    out, prefix->ptr,
					    json_stringn(val.ptr, val.len)) < 0)
				err = fg_error_set(FG_ERROR, "out of memory");
		} else {
			if (scalar_text(&val, v) < 0)
				err = FG_ERROR;
			else if (json_object_set_new(
					 out, prefix->ptr,
					 json_stringn(val.ptr, val.len)) < 0)
				err = fg_error_set(FG_ERROR, "out of memory");
		}
		fg_buf_release(&val);
		fg_buf_release(&ptr);
		if (err)
			return err < 0 ? err : FG_ERROR;
	}
	fg_buf_truncate(prefix, plen);
	return 0;
}

int fg_flink_config_flatten(json_t **out, const json_t *in, const char *pointer,
			    struct fg_problems *problems)
{
	struct fg_buf prefix = FG_BUF_INIT;
	int err;

	if (!(*out = json_object()))
		return fg_error_set(FG_ERROR, "out of memory");
	err = flatten_into(*out, in, &prefix, pointer, problems);
	fg_buf_release(&prefix);
	if (err < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

/* Flatten the flinkConfiguration of `spec` (at `pointer`) in place. */
static int flatten_spec_config(json_t *spec, const char *pointer,
			       const char *field, struct fg_problems *problems)
{
	json_t *conf = json_object_get(spec, "flinkConfiguration");
	struct fg_buf at = FG_BUF_INIT;
	json_t *flat;
	int err;

	if (!conf || json_is_null(conf))
		return 0;
	if ((err = fg_buf_printf(&at, "%s/flinkConfiguration", pointer)) < 0)
		return err;
	if (!json_is_object(conf)) {
		/* the CRD only says preserve-unknown-fields: check the type
		 * here, in the API server's words, since the operator cannot
		 * read anything but a mapping */
		static const char *const names[] = { "object",	"array",
						     "string",	"integer",
						     "number",	"boolean",
						     "boolean", "null" };
		const char *t = names[json_typeof(conf)];

		err = fg_problems_add(problems, at.ptr,
				      "Invalid value: \"%s\": "
				      "%s.flinkConfiguration in body must "
				      "be of type object: \"%s\"",
				      t, field, t);
		fg_buf_release(&at);
		return err;
	}
	err = fg_flink_config_flatten(&flat, conf, at.ptr, problems);
	fg_buf_release(&at);
	if (err < 0)
		return err;
	return json_object_set_new(spec, "flinkConfiguration", flat) < 0
		       ? fg_error_set(FG_ERROR, "out of memory")
		       : 0;
}

int fg_flatten_object_config(json_t *obj, struct fg_problems *problems)
{
	json_t *spec = json_object_get(obj, "spec");
	json_t *tspec =
		json_object_get(json_object_get(spec, "template"), "spec");
	int err;

	if ((err = flatten_spec_config(spec, "/spec", "spec", problems)) < 0)
		return err;
	/* a FlinkBlueGreenDeployment's children: spec.template.spec */
	if (json_is_object(tspec))
		err = flatten_spec_config(tspec, "/spec/template/spec",
					  "spec.template.spec", problems);
	return err;
}

int fg_var_name_valid(const char *s)
{
	size_t i;

	if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') ||
	      (*s >= 'a' && *s <= 'z')))
		return 0;
	for (i = 1; s[i]; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return i <= FG_VAR_NAME_MAX;
}

/* Substitute one string; 1 when it changed, 0 when not, <0 on error. */
static int subst_string(struct fg_buf *out, const char *s, size_t len,
			const json_t *vars, const char *pointer,
			struct fg_problems *problems)
{
	size_t i = 0;
	int changed = 0, err;

	while (i < len) {
		const char *close;
		char name[FG_VAR_NAME_MAX + 1];
		size_t n;
		json_t *val;

		if (s[i] != '$') {
			if ((err = fg_buf_putc(out, s[i++])) < 0)
				return err;
			continue;
		}
		if (i + 2 < len && s[i + 1] == '$' && s[i + 2] == '{') {
			/* "$${" is a literal "${" */
			if ((err = fg_buf_puts(out, "${")) < 0)
				return err;
			i += 3;
			changed = 1;
			continue;
		}
		if (i + 1 >= len || s[i + 1] != '{') {
			if ((err = fg_buf_putc(out, s[i++])) < 0)
				return err;
			continue;
		}
		close = memchr(s + i + 2, '}', len - i - 2);
		if (!close)
			return fg_problems_add(problems, pointer,
					       "unterminated '${' (write '$${' "
					       "for a literal '${')") < 0
				       ? FG_ERROR
				       : 2;
		n = (size_t)(close - (s + i + 2));
		if (n == 0 || n > FG_VAR_NAME_MAX) {
			return fg_problems_add(problems, pointer,
					       "invalid variable reference "
					       "'%.*s'",
					       (int)(n + 3), s + i) < 0
				       ? FG_ERROR
				       : 2;
		}
		memcpy(name, s + i + 2, n);
		name[n] = '\0';
		if (!fg_var_name_valid(name))
			return fg_problems_add(problems, pointer,
					       "invalid variable name '%s' "
					       "(letters, digits and '_')",
					       name) < 0
				       ? FG_ERROR
				       : 2;
		val = json_object_get(vars, name);
		if (!json_is_string(val))
			return fg_problems_add(problems, pointer,
					       "unknown variable '${%s}'",
					       name) < 0
				       ? FG_ERROR
				       : 2;
		if ((err = fg_buf_add(out, json_string_value(val),
				      json_string_length(val))) < 0)
			return err;
		i += n + 3;
		changed = 1;
	}
	return changed;
}

static int subst(json_t *v, const json_t *vars, struct fg_buf *pointer,
		 struct fg_problems *problems)
{
	size_t plen = pointer->len;
	int err = 0;

	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach (v, k, m) {
			fg_buf_truncate(pointer, plen);
			if (fg_json_pointer_push(pointer, k) < 0)
				return FG_ERROR;
			if ((err = subst(m, vars, pointer, problems)) < 0)
				return err;
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *m;
		json_array_foreach (v, i, m) {
			char idx[32];
			fg_buf_truncate(pointer, plen);
			snprintf(idx, sizeof(idx), "%zu", i);
			if (fg_json_pointer_push(pointer, idx) < 0)
				return FG_ERROR;
			if ((err = subst(m, vars, pointer, problems)) < 0)
				return err;
		}
	} else if (json_is_string(v) &&
		   memchr(json_string_value(v), '$', json_string_length(v))) {
		struct fg_buf out = FG_BUF_INIT;
		err = subst_string(&out, json_string_value(v),
				   json_string_length(v), vars, pointer->ptr,
				   problems);
		if (err == 1 && json_string_setn(v, out.ptr, out.len) < 0)
			err = FG_ERROR;
		fg_buf_release(&out);
		if (err > 0)
			err = 0;
	}
	fg_buf_truncate(pointer, plen);
	return err;
}

int fg_vars_substitute(json_t *v, const json_t *vars,
		       struct fg_problems *problems)
{
	struct fg_buf pointer = FG_BUF_INIT;
	int err = subst(v, vars, &pointer, problems);

	fg_buf_release(&pointer);
	return err;
}
