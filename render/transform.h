/*
 * The transformations render applies to every object: defaults merge,
 * flinkConfiguration flattening and ${VAR} substitution. Private to
 * render/ (and its tests).
 */
#ifndef FG_RENDER_TRANSFORM_H
#define FG_RENDER_TRANSFORM_H

#include <jansson.h>

#include "render/problems.h"

/*
 * Deep-merge `over` onto `base` (both objects): mappings merge key by
 * key, anything else (lists included) replaces, and a null in `over`
 * removes the key from `base` (as JSON merge patch does). Values of
 * `over` are deep-copied; `over` is not changed.
 */
int fg_merge(json_t *base, const json_t *over);

/* Remove every null member of every object in `v`, recursively. */
void fg_strip_nulls(json_t *v);

/*
 * flinkConfiguration as the operator reads it: nested mappings joined
 * with '.', lists joined with ';', every value a string (numbers and
 * booleans in their YAML text form). Nulls are kept (they remove a
 * defaulted key when merged). The same flat key reached twice is a
 * problem reported at `pointer` + "/" + key. `*out` is a new object.
 */
int fg_flink_config_flatten(json_t **out, const json_t *in, const char *pointer,
			    struct fg_problems *problems);

/* flatten spec.flinkConfiguration of `obj` in place, if it has one, and
 * spec.template.spec.flinkConfiguration (a FlinkBlueGreenDeployment) */
int fg_flatten_object_config(json_t *obj, struct fg_problems *problems);

#define FG_VAR_NAME_MAX 128

/*
 * Replace ${NAME} in every string value of `v` (in place) with the string
 * value of `vars[NAME]`; "$${" stands for a literal "${". An unknown
 * variable, an unterminated "${" or a bad name is a problem at the
 * string's pointer. Keys are never substituted.
 */
int fg_vars_substitute(json_t *v, const json_t *vars,
		       struct fg_problems *problems);

/* 1 when `s` is a valid variable name: [A-Za-z_][A-Za-z0-9_]* */
int fg_var_name_valid(const char *s);

#endif
