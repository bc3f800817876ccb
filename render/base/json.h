/*
 * JSON helpers every room uses (jansson): NULL-safe lookups along a path,
 * an object's metadata, labels and annotations, and the one way to get a
 * mutable pointer from a const one (jansson's iteration macros take
 * non-const). Lookups never allocate and never fail: a missing or
 * mistyped step gives NULL.
 */
#ifndef FG_BASE_JSON_H
#define FG_BASE_JSON_H

#include <stddef.h>

#include <jansson.h>

/*
 * json_dumps, or NULL when memory ran out at any point of the dump.
 * jansson 2.14 goes on after a failed append of an object's key and
 * returns a text without it; every dump whose bytes leave the process
 * or are compared goes through here. Free the text with free().
 */
char *fg_json_dumps(const json_t *v, size_t flags);

/*
 * json_loads that tells memory running out from bad text: 0 with *out a
 * new value; FG_EINVALID with `e` saying what is wrong; FG_ERROR "out of
 * memory" (jansson 2.14 reports a failed allocation in its lexer as a
 * syntax error, or goes on and returns a string short of characters).
 */
int fg_json_loads(json_t **out, const char *s, size_t flags, json_error_t *e);

/* fg_json_loads of `len` bytes (json_loadb). `e` may be NULL. Every text
 * from outside the process (the API server, Git, plugins, webhooks) is
 * read through one of these: jansson 2.14 can abort on a failed
 * allocation in the middle of a string token otherwise. */
int fg_json_loadb(json_t **out, const char *s, size_t len, size_t flags,
		  json_error_t *e);

/*
 * json_deep_copy, or NULL when memory ran out at any point: jansson
 * 2.14 leaves out of the copy a member it could not copy, and returns
 * the rest.
 */
json_t *fg_json_deep_copy(const json_t *v);

/* `v` without its const, for jansson's non-const iteration APIs. */
json_t *fg_json_mut(const json_t *v);

/* o[k] when `o` is an object, else NULL. */
const json_t *fg_json_get(const json_t *o, const char *k);

/* o[k1][k2]... (a NULL-terminated list of keys), or NULL. */
const json_t *fg_json_path(const json_t *o, ...) __attribute__((sentinel));

/* o[k] as a string, or NULL when absent or not a string. */
const char *fg_json_str(const json_t *o, const char *k);

/* obj.metadata[k], obj.metadata.labels[k], .annotations[k] as strings. */
const char *fg_meta_str(const json_t *obj, const char *k);
const char *fg_label(const json_t *obj, const char *k);
const char *fg_annotation(const json_t *obj, const char *k);

/* 1 when `s` is not NULL and equals `want`. */
int fg_str_is(const char *s, const char *want);

#endif
