/*
 * CRD schema validation as kube-apiserver does it; see schema.h.
 *
 * The openAPIV3Schema is compiled once into a tree of `struct node`
 * (properties sorted for bsearch, patterns compiled and shared by source
 * text), then every object is checked by one walk that does, per node,
 * what the apiserver does in four passes (prune, drop nulls, coerce
 * ObjectMeta, validate). Paths for messages are built only when a
 * problem is found, from a stack of frames.
 *
 * Upstream sources the behaviour and wording follow (kubernetes 1.3x):
 *   apiextensions-apiserver pkg/apiserver/customresource_handler.go
 *     unstructuredSchemaCoercer.apply: PruneWithOptions, then
 *     PruneNonNullableNullsWithoutDefaults, then objectmeta.Coerce;
 *     unknown paths become `unknown field "a.b[0].c"` (strict decoding).
 *   .../schema/pruning/algorithm.go: prune / skipPrune, metaFields.
 *   .../schema/defaulting/prunenulls.go: null handling (see below).
 *   .../schema/objectmeta/coerce.go, validation.go: ObjectMeta, embedded
 *     resources.
 *   .../apis/apiextensions/validation + pkg/apiserver/validation:
 *     kubeOpenAPIResultToFieldErrors maps kube-openapi errors to
 *     field.Required / NotSupported / TooLongMaxLength / TooMany /
 *     TypeInvalid / Invalid; StripUnsupportedFormatsPostProcess.
 *   kube-openapi pkg/validation/errors/schema.go (message formats),
 *     validate/type.go (type check), validate/schema_props.go (junctors),
 *     strfmt/default.go, strfmt/time.go (formats).
 *   apimachinery pkg/util/validation/field/errors.go (ErrorBody shape),
 *     pkg/util/validation/validation.go (DNS-1123, qualified names,
 *     label values), pkg/api/validation/objectmeta.go.
 *
 * Nulls (finding, apiextensions-apiserver v1.2x-1.3x): before validation
 * the handler calls defaulting.PruneNonNullableNullsWithoutDefaults. A
 * null *object member* whose schema (from properties, or from
 * additionalProperties) is not nullable is deleted when that schema has
 * no default, and replaced by the default when it has one; either way it
 * is not an error. So `required` then reports the member as missing
 * (`Required value`) only when it has no default. A null member with no
 * schema at all is an unknown field. Array items are never dropped: a
 * null item of a non-nullable typed schema is a type error (`must be of
 * type string: "null"`). A null of a nullable schema stays and is checked
 * against `enum` too (kube-openapi runs the enum validator on nil), so a
 * nullable enum without null in it rejects null.
 *
 * Deliberate differences:
 *   - the apiserver stops at the first ObjectMeta decoding error and
 *     fails the strict decode before running value validation; we report
 *     everything, each at the offending node (metadata type errors name
 *     the field, not the whole metadata map);
 *   - below a node whose type is wrong nothing else is reported (the
 *     apiserver would also list every key of a mistyped object as
 *     unknown); allOf/anyOf/oneOf/not are skipped on such a node too;
 *   - `additionalProperties: true` accepts anything below it;
 *   - minProperties and minItems show the actual count as the value,
 *     maxItems and maxProperties the limit ("Too many: 4: must have at
 *     most 3 items");
 *   - approximations: patterns (POSIX ERE, see translate_pattern), the
 *     hostname and email formats, and the wording after "parsing time"
 *     for a malformed metadata timestamp.
 */
#include <arpa/inet.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/json.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/schema.h"
#include "render/base/banned.h"

/* Longest message part we build from a value (the rest is cut). */
#define VALUE_SHOWN_MAX 1024
/* Bytes allowed in all annotations of one object (apimachinery). */
#define ANNOTATIONS_MAX_BYTES (256 * 1024)

/*
 * jansson's iteration and reference API takes non-const values even to
 * read; values we only read are const here and pass through this.
 */
static json_t *mut(const json_t *v)
{
	union {
		const json_t *c;
		json_t *m;
	} u;

	u.c = v;
	return u.m;
}

enum {
	T_OBJECT = 1 << 0,
	T_ARRAY = 1 << 1,
	T_STRING = 1 << 2,
	T_INTEGER = 1 << 3,
	T_NUMBER = 1 << 4,
	T_BOOLEAN = 1 << 5,
};

enum {
	F_NULLABLE = 1 << 0,
	F_PRESERVE = 1 << 1,
	F_EMBEDDED = 1 << 2,
	F_UNIQUE = 1 << 3,
	F_DEFAULT = 1 << 4,
	F_ADDL_ANY = 1 << 5,
	F_HAS_MIN = 1 << 6,
	F_HAS_MAX = 1 << 7,
	F_EXCL_MIN = 1 << 8,
	F_EXCL_MAX = 1 << 9,
	F_LIST_SET = 1 << 10,
	F_LIST_MAP = 1 << 11,
};

enum fmt {
	FMT_NONE = 0, /* absent, or one the apiserver strips (int32, ...) */
	FMT_ANY,      /* supported, accepts every string we can't check */
	FMT_DATETIME,
	FMT_DATE,
	FMT_URI,
	FMT_BYTE,
	FMT_UUID,
	FMT_UUID3,
	FMT_UUID4,
	FMT_UUID5,
	FMT_IPV4,
	FMT_IPV6,
	FMT_CIDR,
	FMT_MAC,
	FMT_HOSTNAME,
	FMT_EMAIL,
	FMT_HEXCOLOR,
};

struct pattern {
	const char *src; /* borrowed from the schema */
	regex_t re;
	int ok;
	char err[128];
};

struct node;

struct prop {
	const char *name;
	struct node *schema;
};

struct node {
	unsigned types, flags;
	const char *type_name; /* for messages */
	enum fmt format;
	const char *format_name;
	struct prop *props; /* sorted by name */
	size_t nprops;
	struct node *addl;
	struct node *items;
	const json_t *enumv; /* array, borrowed from fg_schema.root */
	const char **required;
	size_t nrequired;
	double min, max;
	json_int_t min_len, max_len, min_items, max_items, min_props,
		max_props; /* -1: none */
	const struct pattern *pattern;
	struct node **all_of, **any_of, **one_of;
	size_t nall_of, nany_of, none_of;
	struct node *not_of;
	const char **map_keys;
	size_t nmap_keys;
};

struct fg_schema {
	json_t *root; /* a reference to the compiled openAPIV3Schema */
	int resource; /* the root is a Kubernetes resource */
	struct node *top;
	struct pattern **patterns;
	size_t npatterns, cappatterns;
};

/* ---- compiling ---------------------------------------------------- */

struct cctx {
	struct fg_schema *s;
	struct fg_buf where; /* JSON pointer into the schema, for messages */
};

static int oom(void)
{
	return fg_error_set(FG_ERROR, "out of memory");
}

static int bad_schema(struct cctx *cc, const char *what, const char *kw)
{
	return fg_error_set(FG_EINVALID, "invalid schema at '%s': %s%s%s",
			    cc->where.len ? cc->where.ptr : "/", kw ? kw : "",
			    kw ? " " : "", what);
}

static void node_free(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nprops; i++)
		node_free(n->props[i].schema);
	free(n->props);
	node_free(n->addl);
	node_free(n->items);
	free(n->required);
	for (i = 0; i < n->nall_of; i++)
		node_free(n->all_of[i]);
	for (i = 0; i < n->nany_of; i++)
		node_free(n->any_of[i]);
	for (i = 0; i < n->none_of; i++)
		node_free(n->one_of[i]);
	free(n->all_of);
	free(n->any_of);
	free(n->one_of);
	node_free(n->not_of);
	free(n->map_keys);
	free(n);
}

static int pattern_get(struct cctx *cc, const char *src,
		       const struct pattern **out);

static int compile(struct cctx *cc, const json_t *j, struct node **out,
		   unsigned depth);

static int compile_child(struct cctx *cc, const json_t *j, const char *kw,
			 const char *key, struct node **out, unsigned depth)
{
	size_t len = cc->where.len;
	int err = fg_buf_putc(&cc->where, '/');

	if (!err)
		err = fg_buf_puts(&cc->where, kw);
	if (!err && key) {
		struct fg_buf tmp = FG_BUF_INIT;

		/* escape the key per RFC 6901 */
		for (; *key && !err; key++) {
			if (*key == '~')
				err = fg_buf_puts(&tmp, "~0");
			else if (*key == '/')
				err = fg_buf_puts(&tmp, "~1");
			else
				err = fg_buf_putc(&tmp, *key);
		}
		if (!err)
			err = fg_buf_printf(&cc->where, "/%s", tmp.ptr);
		fg_buf_release(&tmp);
	}
	if (err)
		return oom();
	err = compile(cc, j, out, depth + 1);
	if (!err)
		fg_buf_truncate(&cc->where, len);
	return err;
}

static int compile_list(struct cctx *cc, const json_t *arr, const char *kw,
			struct node ***out, size_t *n, unsigned depth)
{
	size_t i;
	char idx[32];
	int err;

	if (!json_is_array(arr))
		return bad_schema(cc, "must be an array of schemas", kw);
	if (json_array_size(arr) == 0)
		return 0;
	*out = calloc(json_array_size(arr), sizeof(**out));
	if (!*out)
		return oom();
	for (i = 0; i < json_array_size(arr); i++) {
		snprintf(idx, sizeof(idx), "%zu", i);
		err = compile_child(cc, json_array_get(arr, i), kw, idx,
				    &(*out)[i], depth);
		if (err)
			return err;
		(*n)++;
	}
	return 0;
}

static int prop_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prop *)a)->name,
		      ((const struct prop *)b)->name);
}

static int get_bool(struct cctx *cc, const json_t *j, const char *kw, int *out)
{
	const json_t *v = json_object_get(j, kw);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad_schema(cc, "must be a boolean", kw);
	*out = json_is_true(v);
	return 0;
}

static int get_count(struct cctx *cc, const json_t *j, const char *kw,
		     json_int_t *out)
{
	const json_t *v = json_object_get(j, kw);

	*out = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad_schema(cc, "must be a non-negative integer", kw);
	*out = json_integer_value(v);
	return 0;
}

static const struct {
	const char *name; /* normalized: without '-' */
	enum fmt fmt;
} formats[] = {
	/* StripUnsupportedFormatsPostProcess keeps only these. */
	{ "bsonobjectid", FMT_ANY }, { "uri", FMT_URI },
	{ "email", FMT_EMAIL },	     { "hostname", FMT_HOSTNAME },
	{ "ipv4", FMT_IPV4 },	     { "ipv6", FMT_IPV6 },
	{ "cidr", FMT_CIDR },	     { "mac", FMT_MAC },
	{ "uuid", FMT_UUID },	     { "uuid3", FMT_UUID3 },
	{ "uuid4", FMT_UUID4 },	     { "uuid5", FMT_UUID5 },
	{ "isbn", FMT_ANY },	     { "isbn10", FMT_ANY },
	{ "isbn13", FMT_ANY },	     { "creditcard", FMT_ANY },
	{ "ssn", FMT_ANY },	     { "hexcolor", FMT_HEXCOLOR },
	{ "rgbcolor", FMT_ANY },     { "byte", FMT_BYTE },
	{ "password", FMT_ANY },     { "date", FMT_DATE },
	{ "duration", FMT_ANY },     { "datetime", FMT_DATETIME },
};

static enum fmt lookup_format(const char *name)
{
	char norm[32];
	size_t i, n = 0;

	for (; *name && n + 1 < sizeof(norm); name++)
		if (*name != '-')
			norm[n++] = *name;
	if (*name)
		return FMT_NONE;
	norm[n] = '\0';
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, norm))
			return formats[i].fmt;
	return FMT_NONE;
}

static int compile_type(struct cctx *cc, const json_t *j, struct node *n)
{
	static const struct {
		const char *name;
		unsigned bit;
	} types[] = {
		{ "object", T_OBJECT }, { "array", T_ARRAY },
		{ "string", T_STRING }, { "integer", T_INTEGER },
		{ "number", T_NUMBER }, { "boolean", T_BOOLEAN },
	};
	const json_t *v = json_object_get(j, "type");
	int ios;
	size_t i;

	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return bad_schema(cc, "must be a string", "type");
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcmp(json_string_value(v), types[i].name))
				break;
		if (i == sizeof(types) / sizeof(types[0]))
			return bad_schema(cc, "names an unknown type", "type");
		n->types = types[i].bit;
		n->type_name = types[i].name;
	}
	if (get_bool(cc, j, "x-kubernetes-int-or-string", &ios))
		return FG_EINVALID;
	if (ios) {
		/* ConvertJSONSchemaProps sets Type to [integer, string] */
		n->types = T_INTEGER | T_STRING;
		n->type_name = "integer,string";
	}
	return 0;
}

static int compile_flags(struct cctx *cc, const json_t *j, struct node *n)
{
	static const struct {
		const char *kw;
		unsigned flag;
	} bools[] = {
		{ "nullable", F_NULLABLE },
		{ "x-kubernetes-preserve-unknown-fields", F_PRESERVE },
		{ "x-kubernetes-embedded-resource", F_EMBEDDED },
		{ "uniqueItems", F_UNIQUE },
		{ "exclusiveMinimum", F_EXCL_MIN },
		{ "exclusiveMaximum", F_EXCL_MAX },
	};
	const json_t *v;
	size_t i;
	int b;

	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		if (get_bool(cc, j, bools[i].kw, &b))
			return FG_EINVALID;
		if (b)
			n->flags |= bools[i].flag;
	}
	if (json_object_get(j, "default"))
		n->flags |= F_DEFAULT;
	if ((v = json_object_get(j, "minimum")) && !json_is_null(v)) {
		if (!json_is_number(v))
			return bad_schema(cc, "must be a number", "minimum");
		n->min = json_number_value(v);
		n->flags |= F_HAS_MIN;
	}
	if ((v = json_object_get(j, "maximum")) && !json_is_null(v)) {
		if (!json_is_number(v))
			return bad_schema(cc, "must be a number", "maximum");
		n->max = json_number_value(v);
		n->flags |= F_HAS_MAX;
	}
	if (get_count(cc, j, "minLength", &n->min_len) ||
	    get_count(cc, j, "maxLength", &n->max_len) ||
	    get_count(cc, j, "minItems", &n->min_items) ||
	    get_count(cc, j, "maxItems", &n->max_items) ||
	    get_count(cc, j, "minProperties", &n->min_props) ||
	    get_count(cc, j, "maxProperties", &n->max_props))
		return FG_EINVALID;
	if ((v = json_object_get(j, "format")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return bad_schema(cc, "must be a string", "format");
		n->format = lookup_format(json_string_value(v));
		n->format_name = json_string_value(v);
	}
	if ((v = json_object_get(j, "enum")) && !json_is_null(v)) {
		if (!json_is_array(v))
			return bad_schema(cc, "must be an array", "enum");
		n->enumv = v;
	}
	if ((v = json_object_get(j, "pattern")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return bad_schema(cc, "must be a string", "pattern");
		return pattern_get(cc, json_string_value(v), &n->pattern);
	}
	return 0;
}

static int compile_strings(struct cctx *cc, const json_t *j, const char *kw,
			   const char ***out, size_t *n)
{
	const json_t *v = json_object_get(j, kw);
	size_t i;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad_schema(cc, "must be an array of strings", kw);
	if (json_array_size(v) == 0)
		return 0;
	*out = calloc(json_array_size(v), sizeof(**out));
	if (!*out)
		return oom();
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);

		if (!json_is_string(e))
			return bad_schema(cc, "must be an array of strings",
					  kw);
		(*out)[(*n)++] = json_string_value(e);
	}
	return 0;
}

static int compile_lists(struct cctx *cc, const json_t *j, struct node *n)
{
	const json_t *v = json_object_get(j, "x-kubernetes-list-type");

	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return bad_schema(cc, "must be a string",
					  "x-kubernetes-list-type");
		if (!strcmp(json_string_value(v), "set"))
			n->flags |= F_LIST_SET;
		else if (!strcmp(json_string_value(v), "map"))
			n->flags |= F_LIST_MAP;
	}
	if (compile_strings(cc, j, "required", &n->required, &n->nrequired))
		return FG_EINVALID;
	return compile_strings(cc, j, "x-kubernetes-list-map-keys",
			       &n->map_keys, &n->nmap_keys);
}

static int compile_props(struct cctx *cc, const json_t *j, struct node *n,
			 unsigned depth)
{
	const json_t *v = json_object_get(j, "properties"), *sub;
	const char *key;
	int err;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad_schema(cc, "must be an object", "properties");
	if (json_object_size(v) == 0)
		return 0;
	n->props = calloc(json_object_size(v), sizeof(*n->props));
	if (!n->props)
		return oom();
	json_object_foreach (mut(v), key, sub) {
		n->props[n->nprops].name = key;
		err = compile_child(cc, sub, "properties", key,
				    &n->props[n->nprops].schema, depth);
		n->nprops++;
		if (err)
			return err;
	}
	qsort(n->props, n->nprops, sizeof(*n->props), prop_cmp);
	return 0;
}

static int compile_subs(struct cctx *cc, const json_t *j, struct node *n,
			unsigned depth)
{
	const json_t *v;
	int err;

	if ((v = json_object_get(j, "additionalProperties")) &&
	    !json_is_null(v)) {
		if (json_is_true(v))
			n->flags |= F_ADDL_ANY;
		else if (json_is_object(v)) {
			err = compile_child(cc, v, "additionalProperties", NULL,
					    &n->addl, depth);
			if (err)
				return err;
		} else if (!json_is_false(v)) {
			return bad_schema(cc, "must be a boolean or a schema",
					  "additionalProperties");
		}
	}
	if ((v = json_object_get(j, "items")) && !json_is_null(v)) {
		if (!json_is_object(v))
			return bad_schema(cc, "must be a schema", "items");
		if ((err = compile_child(cc, v, "items", NULL, &n->items,
					 depth)))
			return err;
	}
	if ((v = json_object_get(j, "allOf")) && !json_is_null(v) &&
	    (err = compile_list(cc, v, "allOf", &n->all_of, &n->nall_of,
				depth)))
		return err;
	if ((v = json_object_get(j, "anyOf")) && !json_is_null(v) &&
	    (err = compile_list(cc, v, "anyOf", &n->any_of, &n->nany_of,
				depth)))
		return err;
	if ((v = json_object_get(j, "oneOf")) && !json_is_null(v) &&
	    (err = compile_list(cc, v, "oneOf", &n->one_of, &n->none_of,
				depth)))
		return err;
	if ((v = json_object_get(j, "not")) && !json_is_null(v) &&
	    (err = compile_child(cc, v, "not", NULL, &n->not_of, depth)))
		return err;
	return 0;
}

static int compile(struct cctx *cc, const json_t *j, struct node **out,
		   unsigned depth)
{
	struct node *n;
	int err;

	*out = NULL;
	if (depth > FG_SCHEMA_MAX_DEPTH)
		return bad_schema(cc, "nesting exceeds the limit", NULL);
	if (!json_is_object(j))
		return bad_schema(cc, "a schema must be an object", NULL);
	n = calloc(1, sizeof(*n));
	if (!n)
		return oom();
	*out = n;
	n->type_name = "";
	if ((err = compile_type(cc, j, n)) || (err = compile_flags(cc, j, n)) ||
	    (err = compile_lists(cc, j, n)) ||
	    (err = compile_props(cc, j, n, depth)) ||
	    (err = compile_subs(cc, j, n, depth)))
		return err;
	return 0;
}

/*
 * Patterns are ECMA 262 in the schema; the apiserver compiles them with
 * Go's RE2. We use POSIX extended regular expressions (glibc regcomp,
 * REG_EXTENDED | REG_NOSUB), which agree on the common subset: anchors,
 * classes, groups, alternation, bounded repetition. Translated: \d \D
 * outside brackets; \d \w \s and escaped characters inside brackets
 * (POSIX brackets have no escapes). glibc itself accepts \w \W \s \S
 * \b outside brackets. Not available: lazy quantifiers, lookaround,
 * \p{..}; such a pattern fails to compile or matches differently. One
 * that fails to compile is reported on every value it checks, never
 * silently ignored.
 */
static int translate_pattern(struct fg_buf *b, const char *src)
{
	int in_bracket = 0, err = 0;

	for (; *src && !err; src++) {
		if (*src == '\\' && src[1]) {
			char e = *++src;

			if (!in_bracket && e == 'd')
				err = fg_buf_puts(b, "[0-9]");
			else if (!in_bracket && e == 'D')
				err = fg_buf_puts(b, "[^0-9]");
			else if (!in_bracket)
				err = fg_buf_printf(b, "\\%c", e);
			else if (e == 'd')
				err = fg_buf_puts(b, "0-9");
			else if (e == 'w')
				err = fg_buf_puts(b, "A-Za-z0-9_");
			else if (e == 's')
				err = fg_buf_puts(b, " \t\n\r\f\v");
			else
				err = fg_buf_putc(b, e);
			continue;
		}
		if (*src == '[' && !in_bracket)
			in_bracket = 1;
		else if (*src == ']' && in_bracket)
			in_bracket = 0;
		err = fg_buf_putc(b, *src);
	}
	return err;
}

static int pattern_get(struct cctx *cc, const char *src,
		       const struct pattern **out)
{
	struct fg_schema *s = cc->s;
	struct fg_buf posix = FG_BUF_INIT;
	struct pattern *p;
	size_t i;
	int rc;

	for (i = 0; i < s->npatterns; i++)
		if (!strcmp(s->patterns[i]->src, src)) {
			*out = s->patterns[i];
			return 0;
		}
	if (s->npatterns == s->cappatterns) {
		size_t ncap = s->cappatterns ? s->cappatterns * 2 : 8;
		struct pattern **v = realloc(s->patterns, ncap * sizeof(*v));

		if (!v)
			return oom();
		s->patterns = v;
		s->cappatterns = ncap;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return oom();
	p->src = src;
	if (translate_pattern(&posix, src) < 0) {
		free(p);
		fg_buf_release(&posix);
		return oom();
	}
	rc = regcomp(&p->re, posix.ptr, REG_EXTENDED | REG_NOSUB);
	fg_buf_release(&posix);
	if (rc == 0) {
		p->ok = 1;
	} else {
		/* glibc frees a failed regex_t itself */
		regerror(rc, &p->re, p->err, sizeof(p->err));
	}
	s->patterns[s->npatterns++] = p;
	*out = p;
	return 0;
}

void fg_schema_free(struct fg_schema *s)
{
	size_t i;

	if (!s)
		return;
	node_free(s->top);
	for (i = 0; i < s->npatterns; i++) {
		if (s->patterns[i]->ok)
			regfree(&s->patterns[i]->re);
		free(s->patterns[i]);
	}
	free(s->patterns);
	json_decref(s->root);
	free(s);
}

static int schema_new(struct fg_schema **out, const json_t *openapi,
		      int resource)
{
	struct cctx cc = { NULL, FG_BUF_INIT };
	int err;

	*out = NULL;
	cc.s = calloc(1, sizeof(*cc.s));
	if (!cc.s)
		return oom();
	cc.s->resource = resource;
	/*
	 * Nodes borrow strings and enum arrays from the schema: hold a
	 * reference (jansson's API is not const-correct for incref).
	 */
	cc.s->root = json_incref(mut(openapi));
	err = compile(&cc, openapi, &cc.s->top, 0);
	fg_buf_release(&cc.where);
	if (err) {
		fg_schema_free(cc.s);
		return err;
	}
	*out = cc.s;
	return 0;
}

int fg_schema_new(struct fg_schema **out, const json_t *openapi)
{
	return schema_new(out, openapi, 1);
}

int fg_schema_new_document(struct fg_schema **out, const json_t *openapi)
{
	return schema_new(out, openapi, 0);
}

/* ---- checks on values that need no schema --------------------------- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

static int is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) */
static int dns_label(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return 0;
	for (i = 1; i + 1 < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static int dns_subdomain(const char *s)
{
	for (;;) {
		size_t n = strcspn(s, ".");

		if (!dns_label(s, n))
			return 0;
		if (!s[n])
			return 1;
		s += n + 1;
	}
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over s[0..n) */
static int qname_part(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return 0;
	for (i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && !strchr("-_.", s[i]))
			return 0;
	return 1;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* Go's time.Parse("2006-01-02", s) over s[0..n). */
static int is_full_date(const char *s, size_t n)
{
	int y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) ||
	    !digits(s + 5, 2) || !digits(s + 8, 2))
		return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* "z" or [+-]dd:dd, the whole of s[0..n) */
static int tz_suffix(const char *s, size_t n)
{
	if (n == 1 && (s[0] == 'z' || s[0] == 'Z'))
		return 1;
	return n == 6 && (s[0] == '+' || s[0] == '-') && digits(s + 1, 2) &&
	       s[3] == ':' && digits(s + 4, 2);
}

/*
 * kube-openapi strfmt.IsDateTime: split the lowercased string at 't';
 * the first part is a full date, the second matches
 * ^(\d{2}):(\d{2}):(\d{2})(.\d+)?(z|[+-]\d{2}:\d{2})$ with hour <= 23,
 * minute and second <= 59 (later parts are ignored, as upstream does).
 */
static int is_date_time(const char *s)
{
	const char *t = s + strcspn(s, "tT"), *r;
	size_t tn;

	if (strlen(s) < 4 || !*t || !is_full_date(s, (size_t)(t - s)))
		return 0;
	t++;
	tn = strcspn(t, "tT");
	if (tn < 9 || !digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) ||
	    t[5] != ':' || !digits(t + 6, 2))
		return 0;
	if (memcmp(t, "23", 2) > 0 || memcmp(t + 3, "59", 2) > 0 ||
	    memcmp(t + 6, "59", 2) > 0)
		return 0;
	r = t + 8;
	tn -= 8;
	if (tz_suffix(r, tn))
		return 1;
	/* one arbitrary character, then digits, then the zone */
	if (tn < 3 || !is_digit(r[1]))
		return 0;
	r += 2;
	tn -= 2;
	while (tn && is_digit(*r)) {
		r++;
		tn--;
	}
	return tz_suffix(r, tn);
}

/* Go's time.Parse(time.RFC3339, s), as metav1.Time decodes. */
static int is_rfc3339(const char *s)
{
	const char *r;
	size_t n = strlen(s);

	if (n < 20 || !is_full_date(s, 10) || s[10] != 'T' ||
	    !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
	    s[16] != ':' || !digits(s + 17, 2))
		return 0;
	if (memcmp(s + 11, "23", 2) > 0 || memcmp(s + 14, "59", 2) > 0 ||
	    memcmp(s + 17, "59", 2) > 0)
		return 0;
	r = s + 19;
	if (*r == '.' || *r == ',') {
		if (!is_digit(r[1]))
			return 0;
		for (r++; is_digit(*r); r++)
			;
	}
	return (r[0] == 'Z' && !r[1]) ||
	       ((r[0] == '+' || r[0] == '-') && tz_suffix(r, strlen(r)));
}

/*
 * govalidator.IsRequestURI = Go's url.ParseRequestURI succeeds: an
 * absolute path, or a scheme followed by ':' and a '/' (opaque forms
 * such as "mailto:x" are refused for requests); no control bytes.
 */
static int is_request_uri(const char *s)
{
	const char *p;

	if (!*s)
		return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	if (*s == '/')
		return 1;
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (p = s + 1; *p && *p != ':'; p++)
		if (!is_alnum(*p) && !strchr("+-.", *p))
			return 0;
	return *p == ':' && p[1] == '/';
}

/* govalidator.IsBase64: standard alphabet, padded, at least 4 chars. */
static int is_base64(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n % 4)
		return 0;
	for (i = 0; i < n; i++) {
		if (is_alnum(s[i]) || s[i] == '+' || s[i] == '/')
			continue;
		if (s[i] == '=' &&
		    (i == n - 1 || (i == n - 2 && s[n - 1] == '=')))
			continue;
		return 0;
	}
	return 1;
}

/* (?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?V[0-9a-f]{3}-?[89ab]?...{12}$ */
static int is_uuid(const char *s, char version)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	int g, i;

	for (g = 0; g < 5; g++) {
		if (g > 0 && *s == '-')
			s++;
		for (i = 0; i < groups[g]; i++, s++) {
			if (!is_hex(*s))
				return 0;
			if (version && g == 2 && i == 0 && *s != version)
				return 0;
			if ((version == '4' || version == '5') && g == 3 &&
			    i == 0 && !strchr("89abAB", *s))
				return 0;
		}
	}
	return *s == '\0';
}

static int is_ipv4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

static int is_ipv6(const char *s)
{
	struct in6_addr a;

	return strchr(s, ':') && inet_pton(AF_INET6, s, &a) == 1;
}

static int is_cidr(const char *s)
{
	const char *slash = strchr(s, '/');
	char addr[64];
	size_t n;
	long bits, max;
	char *end;

	if (!slash || (n = (size_t)(slash - s)) >= sizeof(addr) ||
	    !is_digit(slash[1]))
		return 0;
	memcpy(addr, s, n);
	addr[n] = '\0';
	bits = strtol(slash + 1, &end, 10);
	if (*end)
		return 0;
	if (is_ipv4(addr))
		max = 32;
	else if (is_ipv6(addr))
		max = 128;
	else
		return 0;
	return bits >= 0 && bits <= max;
}

/* Go's net.ParseMAC: 6, 8 or 20 bytes; xx:xx.., xx-xx.. or xxxx.xxxx.. */
static int is_mac(const char *s)
{
	size_t n = strlen(s), i, groups;

	if (n >= 14 && s[4] == '.') {
		if ((n + 1) % 5)
			return 0;
		groups = (n + 1) / 5;
		for (i = 0; i < n; i++)
			if (i % 5 == 4 ? s[i] != '.' : !is_hex(s[i]))
				return 0;
		return groups * 2 == 6 || groups * 2 == 8 || groups * 2 == 20;
	}
	if (n < 17 || (s[2] != ':' && s[2] != '-') || (n + 1) % 3)
		return 0;
	groups = (n + 1) / 3;
	for (i = 0; i < n; i++)
		if (i % 3 == 2 ? s[i] != s[2] : !is_hex(s[i]))
			return 0;
	return groups == 6 || groups == 8 || groups == 20;
}

/*
 * strfmt.IsHostname, approximated: labels of letters, digits and '-'
 * (any non-ASCII byte counts as a letter), not starting or ending with
 * '-', at most 63 bytes each and 255 in all; of several labels the last
 * has at least two characters.
 */
static int is_hostname(const char *s)
{
	size_t total = strlen(s), nlabels = 0, last = 0;

	if (total == 0 || total > 255)
		return 0;
	for (;;) {
		size_t n = strcspn(s, "."), i;

		if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
			return 0;
		for (i = 0; i < n; i++)
			if (!is_alnum(s[i]) && s[i] != '-' &&
			    !((unsigned char)s[i] & 0x80))
				return 0;
		nlabels++;
		last = n;
		if (!s[n])
			break;
		s += n + 1;
	}
	return nlabels == 1 || last >= 2;
}

/* net/mail.ParseAddress, approximated: local@domain, both non-empty. */
static int is_email(const char *s)
{
	const char *at = strrchr(s, '@');

	return at && at != s && at[1] && !strpbrk(s, " \t\r\n");
}

static int is_hexcolor(const char *s)
{
	size_t n, i;

	if (*s == '#')
		s++;
	n = strlen(s);
	if (n != 3 && n != 6)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return 0;
	return 1;
}

static int format_ok(enum fmt f, const char *s)
{
	switch (f) {
	case FMT_NONE:
	case FMT_ANY:
		return 1;
	case FMT_DATETIME:
		return is_date_time(s);
	case FMT_DATE:
		return is_full_date(s, strlen(s));
	case FMT_URI:
		return is_request_uri(s);
	case FMT_BYTE:
		return is_base64(s);
	case FMT_UUID:
		return is_uuid(s, 0);
	case FMT_UUID3:
		return is_uuid(s, '3');
	case FMT_UUID4:
		return is_uuid(s, '4');
	case FMT_UUID5:
		return is_uuid(s, '5');
	case FMT_IPV4:
		return is_ipv4(s);
	case FMT_IPV6:
		return is_ipv6(s);
	case FMT_CIDR:
		return is_cidr(s);
	case FMT_MAC:
		return is_mac(s);
	case FMT_HOSTNAME:
		return is_hostname(s);
	case FMT_EMAIL:
		return is_email(s);
	case FMT_HEXCOLOR:
		return is_hexcolor(s);
	}
	return 1;
}

/* ---- rendering values as Go's field.Error does ---------------------- */

/* strconv.Quote, close enough: escapes, keeps printable UTF-8. */
static int go_quote(struct fg_buf *b, const char *s, size_t n)
{
	size_t i, start = b->len;
	int err = fg_buf_putc(b, '"');

	for (i = 0; i < n && !err; i++) {
		unsigned char c = (unsigned char)s[i];

		if (b->len - start > VALUE_SHOWN_MAX) {
			err = fg_buf_puts(b, "...");
			break;
		}
		if (c == '"' || c == '\\')
			err = fg_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			err = fg_buf_puts(b, "\\n");
		else if (c == '\t')
			err = fg_buf_puts(b, "\\t");
		else if (c == '\r')
			err = fg_buf_puts(b, "\\r");
		else if (c < 0x20 || c == 0x7f)
			err = fg_buf_printf(b, "\\x%02x", c);
		else
			err = fg_buf_putc(b, (char)c);
	}
	if (!err)
		err = fg_buf_putc(b, '"');
	return err;
}

/* Go's %v of a float64: shortest round-trip digits, as strconv 'g'. */
static int go_float(struct fg_buf *b, double d)
{
	char tmp[64];
	int prec, exp;

	if (!isfinite(d))
		return fg_buf_puts(b, isnan(d) ? "NaN"
				      : d > 0  ? "+Inf"
					       : "-Inf");
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	exp = (int)strtol(strchr(tmp, 'e') + 1, NULL, 10);
	/* strconv 'g' with shortest precision switches to %e at 1e6 */
	if (exp < -4 || exp >= 6)
		return fg_buf_puts(b, tmp);
	snprintf(tmp, sizeof(tmp), "%.*f", prec - exp > 0 ? prec - exp : 0, d);
	return fg_buf_puts(b, tmp);
}

/* ---- the walk ------------------------------------------------------ */

/* apimachinery pkg/util/validation messages, verbatim. */
#define RFC1123_LABEL_MSG                                                     \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric " \
	"characters or '-', and must start and end with an alphanumeric "     \
	"character (e.g. 'my-name',  or '123-abc', regex used for "           \
	"validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define RFC1123_SUBDOMAIN_MSG                                               \
	"a lowercase RFC 1123 subdomain must consist of lower case "        \
	"alphanumeric characters, '-' or '.', and must start and end with " \
	"an alphanumeric character (e.g. 'example.com', regex used for "    \
	"validation is "                                                    \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define DNS1035_LABEL_MSG                                                 \
	"a DNS-1035 label must consist of lower case alphanumeric "       \
	"characters or '-', start with an alphabetic character, and end " \
	"with an alphanumeric character (e.g. 'my-name',  or 'abc-123', " \
	"regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define QNAME_MSG                                                             \
	"must consist of alphanumeric characters, '-', '_' or '.', and must " \
	"start and end with an alphanumeric character (e.g. 'MyName',  or "   \
	"'my.name',  or '123-abc', regex used for validation is "             \
	"'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LABEL_VALUE_MSG                                                     \
	"a valid label must be an empty string or consist of alphanumeric " \
	"characters, '-', '_' or '.', and must start and end with an "      \
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "      \
	"'12345', regex used for validation is "                            \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

struct frame {
	const char *key; /* NULL for an array index */
	size_t index;
};

struct vctx {
	struct fg_problems *out; /* NULL: only count (trying a junctor) */
	int resource;		 /* the root is a Kubernetes resource */
	size_t nfail;		 /* problems found */
	size_t added, dropped;	 /* against FG_SCHEMA_MAX_PROBLEMS */
	int err;		 /* first internal error */
	int junctor; /* inside allOf/anyOf/oneOf/not: no pruning, no meta */
	int partial; /* a fragment to merge under objects: nothing required */
	size_t depth;
	struct frame fr[FG_SCHEMA_MAX_DEPTH + 1];
	struct fg_buf ptr, path, val, aux; /* message scratch */
};

static void validate(struct vctx *c, const struct node *n, const json_t *v,
		     int preserve);

/* Count a problem; true when its message should be built. */
static int want(struct vctx *c)
{
	c->nfail++;
	if (!c->out || c->err)
		return 0;
	if (c->added >= FG_SCHEMA_MAX_PROBLEMS) {
		c->dropped++;
		return 0;
	}
	c->added++;
	return 1;
}

static void set_err(struct vctx *c, int err)
{
	if (err < 0 && !c->err)
		c->err = err;
}

static const char *cur_pointer(struct vctx *c)
{
	size_t i;
	const char *k;
	int err = 0;

	fg_buf_clear(&c->ptr);
	for (i = 0; i < c->depth && !err; i++) {
		if (!c->fr[i].key) {
			err = fg_buf_printf(&c->ptr, "/%zu", c->fr[i].index);
			continue;
		}
		err = fg_buf_putc(&c->ptr, '/');
		for (k = c->fr[i].key; *k && !err; k++)
			err = *k == '~'	  ? fg_buf_puts(&c->ptr, "~0")
			      : *k == '/' ? fg_buf_puts(&c->ptr, "~1")
					  : fg_buf_putc(&c->ptr, *k);
	}
	set_err(c, err);
	return c->ptr.ptr;
}

/* The path as the apiserver writes it: spec.containers[0].name */
static const char *cur_path(struct vctx *c)
{
	size_t i;
	int err = 0;

	fg_buf_clear(&c->path);
	for (i = 0; i < c->depth && !err; i++) {
		if (c->fr[i].key)
			err = fg_buf_printf(&c->path, "%s%s", i ? "." : "",
					    c->fr[i].key);
		else
			err = fg_buf_printf(&c->path, "[%zu]", c->fr[i].index);
	}
	set_err(c, err);
	return c->path.ptr;
}

static int show_json(struct fg_buf *b, const json_t *v)
{
	char *s;
	int err;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return go_quote(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return fg_buf_printf(b, "%" JSON_INTEGER_FORMAT,
				     json_integer_value(v));
	case JSON_REAL:
		return go_float(b, json_real_value(v));
	case JSON_TRUE:
		return fg_buf_puts(b, "true");
	case JSON_FALSE:
		return fg_buf_puts(b, "false");
	case JSON_NULL:
		return fg_buf_puts(b, "null");
	default:
		break;
	}
	s = fg_json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!s)
		return FG_ERROR;
	if (strlen(s) > VALUE_SHOWN_MAX)
		err = fg_buf_printf(b, "%.*s...", VALUE_SHOWN_MAX, s);
	else
		err = fg_buf_puts(b, s);
	free(s);
	return err;
}

/* A value as field.Error prints it: "str", 5, 1.5, true, null, {...} */
static const char *show(struct vctx *c, const json_t *v)
{
	fg_buf_clear(&c->val);
	set_err(c, show_json(&c->val, v));
	return c->val.ptr;
}

static const char *show_str(struct vctx *c, const char *s)
{
	fg_buf_clear(&c->val);
	set_err(c, go_quote(&c->val, s, strlen(s)));
	return c->val.ptr;
}

__attribute__((format(printf, 2, 3))) static void emit(struct vctx *c,
						       const char *fmt, ...)
{
	struct fg_buf m = FG_BUF_INIT;
	va_list ap;
	int err;

	if (c->err)
		return;
	va_start(ap, fmt);
	err = fg_buf_vprintf(&m, fmt, ap);
	va_end(ap);
	if (!err) {
		const char *p = cur_pointer(c);

		err = c->err ? c->err : fg_problems_add(c->out, p, "%s", m.ptr);
	}
	fg_buf_release(&m);
	set_err(c, err);
}

static int push_frame(struct vctx *c, const char *key, size_t index)
{
	c->fr[c->depth].key = key;
	c->fr[c->depth].index = index;
	c->depth++;
	if (c->depth <= FG_SCHEMA_MAX_DEPTH)
		return 1;
	if (want(c))
		emit(c, "nesting exceeds %d levels: not validated below here",
		     FG_SCHEMA_MAX_DEPTH);
	c->depth--;
	return 0;
}

static int push_key(struct vctx *c, const char *key)
{
	return push_frame(c, key, 0);
}

static int push_index(struct vctx *c, size_t i)
{
	return push_frame(c, NULL, i);
}

static void pop(struct vctx *c)
{
	c->depth--;
}

static void unknown_field(struct vctx *c)
{
	/* strict decoding: fmt.Sprintf("unknown field %q", path) */
	if (want(c))
		emit(c, "unknown field %s", show_str(c, cur_path(c)));
}

static void invalid_str(struct vctx *c, const char *bad, const char *pre,
			const char *msg)
{
	if (want(c))
		emit(c, "Invalid value: %s: %s%s", show_str(c, bad), pre, msg);
}

/* ---- equality, types ---------------------------------------------- */

static int whole(double d)
{
	return isfinite(d) && d == floor(d);
}

/*
 * JSON equality where 1 and 1.0 are the same number; values nested
 * deeper than FG_SCHEMA_MAX_DEPTH compare unequal.
 */
static int same_at(const json_t *a, const json_t *b, unsigned depth)
{
	const char *key;
	const json_t *va;
	size_t i;

	if (depth > FG_SCHEMA_MAX_DEPTH)
		return 0;
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach (mut(a), key, va) {
			const json_t *vb = json_object_get(b, key);

			if (!vb || !same_at(va, vb, depth + 1))
				return 0;
		}
		return 1;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!same_at(json_array_get(a, i), json_array_get(b, i),
				     depth + 1))
				return 0;
		return 1;
	default:
		return json_equal(a, b);
	}
}

static int same(const json_t *a, const json_t *b)
{
	return same_at(a, b, 0);
}

static const char *type_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

/*
 * kube-openapi typeValidator: a float is an integer too when
 * swag.IsFloat64AJSONInteger says so, which needs it whole and within
 * +-2^53. The loader keeps every whole number that fits int64 as an
 * integer (the API server decodes those as int64), so a whole real here
 * is one beyond int64 (99999999999999999999), which the API server holds
 * as a float64 and refuses where an integer is expected.
 */
#define JSON_INTEGER_FLOAT_MAX 9007199254740992.0 /* 2^53 */
static int type_ok(const struct node *n, const json_t *v)
{
	unsigned t = 0;

	if (!n->types)
		return 1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		t = T_OBJECT;
		break;
	case JSON_ARRAY:
		t = T_ARRAY;
		break;
	case JSON_STRING:
		t = T_STRING;
		break;
	case JSON_INTEGER:
		t = T_INTEGER | T_NUMBER;
		break;
	case JSON_REAL:
		t = T_NUMBER |
		    (whole(json_real_value(v)) && fabs(json_real_value(v)) <=
							  JSON_INTEGER_FLOAT_MAX
			     ? T_INTEGER
			     : 0);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		t = T_BOOLEAN;
		break;
	default:
		break;
	}
	return (n->types & t) != 0;
}

static void type_error(struct vctx *c, const struct node *n, const json_t *v)
{
	/* field.TypeInvalid(path, schType, InvalidType(...)) */
	if (want(c))
		emit(c,
		     "Invalid value: \"%s\": %s in body must be of type %s: "
		     "\"%s\"",
		     type_of(v), cur_path(c), n->type_name, type_of(v));
}

static const struct node *find_prop(const struct node *n, const char *key)
{
	size_t lo = 0, hi = n->nprops;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(key, n->props[mid].name);

		if (cmp == 0)
			return n->props[mid].schema;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- keyword checks ------------------------------------------------ */

static void check_enum(struct vctx *c, const struct node *n, const json_t *v)
{
	size_t i;
	int err = 0;

	for (i = 0; i < json_array_size(n->enumv); i++)
		if (same(v, json_array_get(n->enumv, i)))
			return;
	if (!want(c))
		return;
	/* field.NotSupported: strconv.Quote of each, JSON for non-strings */
	fg_buf_clear(&c->aux);
	for (i = 0; i < json_array_size(n->enumv) && !err; i++) {
		const json_t *e = json_array_get(n->enumv, i);

		err = fg_buf_puts(&c->aux, i ? ", " : ": supported values: ");
		if (!err && json_is_string(e)) {
			err = go_quote(&c->aux, json_string_value(e),
				       json_string_length(e));
		} else if (!err) {
			char *js =
				fg_json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS |
							 JSON_ENCODE_ANY);

			err = js ? go_quote(&c->aux, js, strlen(js)) : FG_ERROR;
			free(js);
		}
	}
	set_err(c, err);
	emit(c, "Unsupported value: %s%s", show(c, v), c->aux.ptr);
}

/* A bound as kube-openapi prints it: int64 for integer data. */
static const char *show_bound(struct vctx *c, double x, int int_data)
{
	fg_buf_clear(&c->aux);
	if (int_data && whole(x) && fabs(x) < 9.2e18)
		set_err(c, fg_buf_printf(&c->aux, "%lld", (long long)x));
	else
		set_err(c, go_float(&c->aux, x));
	return c->aux.ptr;
}

static void check_number(struct vctx *c, const struct node *n, const json_t *v)
{
	double d = json_number_value(v);
	int is_int = json_is_integer(v), excl;

	if (n->flags & F_HAS_MAX) {
		excl = !!(n->flags & F_EXCL_MAX);
		if ((excl ? d >= n->max : d > n->max) && want(c))
			emit(c,
			     "Invalid value: %s: %s in body should be less "
			     "than %s%s",
			     show(c, v), cur_path(c),
			     excl ? "" : "or equal to ",
			     show_bound(c, n->max, is_int));
	}
	if (n->flags & F_HAS_MIN) {
		excl = !!(n->flags & F_EXCL_MIN);
		if ((excl ? d <= n->min : d < n->min) && want(c))
			emit(c,
			     "Invalid value: %s: %s in body should be "
			     "greater than %s%s",
			     show(c, v), cur_path(c),
			     excl ? "" : "or equal to ",
			     show_bound(c, n->min, is_int));
	}
}

static size_t utf8_runes(const char *s, size_t n)
{
	size_t i, runes = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			runes++;
	return runes;
}

static void check_string(struct vctx *c, const struct node *n, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), runes;

	if (n->format != FMT_NONE && !format_ok(n->format, s) && want(c)) {
		const char *q = show(c, v);

		emit(c, "Invalid value: %s: %s in body must be of type %s: %s",
		     q, cur_path(c), n->format_name, q);
	}
	if (n->max_len >= 0 || n->min_len >= 0) {
		/* kube-openapi counts runes (utf8.RuneCountInString) */
		runes = utf8_runes(s, len);
		if (n->max_len >= 0 && runes > (size_t)n->max_len && want(c))
			emit(c,
			     "Too long: may not be longer than "
			     "%" JSON_INTEGER_FORMAT,
			     n->max_len);
		if (n->min_len >= 0 && runes < (size_t)n->min_len && want(c))
			emit(c,
			     "Invalid value: %s: %s in body should be at "
			     "least %" JSON_INTEGER_FORMAT " chars long",
			     show(c, v), cur_path(c), n->min_len);
	}
	if (!n->pattern)
		return;
	if (!n->pattern->ok) {
		if (want(c))
			emit(c,
			     "Invalid value: %s: %s in body cannot be "
			     "checked: pattern '%s' does not compile: %s",
			     show(c, v), cur_path(c), n->pattern->src,
			     n->pattern->err);
	} else if (regexec(&n->pattern->re, s, 0, NULL, 0) != 0 && want(c)) {
		emit(c, "Invalid value: %s: %s in body should match '%s'",
		     show(c, v), cur_path(c), n->pattern->src);
	}
}

static int map_keys_same(const struct node *n, const json_t *a, const json_t *b)
{
	size_t k;

	for (k = 0; k < n->nmap_keys; k++) {
		const json_t *ka = json_object_get(a, n->map_keys[k]);
		const json_t *kb = json_object_get(b, n->map_keys[k]);

		if (!ka || !kb ? ka != kb : !same(ka, kb))
			return 0;
	}
	return 1;
}

static void duplicate_map_key(struct vctx *c, const struct node *n,
			      const json_t *item)
{
	json_t *keys = json_object();
	size_t k;
	int err = keys ? 0 : FG_ERROR;

	for (k = 0; k < n->nmap_keys && !err; k++) {
		json_t *kv = json_object_get(item, n->map_keys[k]);

		if (kv && json_object_set(keys, n->map_keys[k], kv) < 0)
			err = FG_ERROR;
	}
	set_err(c, err);
	if (!err)
		emit(c, "Duplicate value: %s", show(c, keys));
	json_decref(keys);
}

static void check_list_type(struct vctx *c, const struct node *n,
			    const json_t *v)
{
	size_t i, j, size = json_array_size(v);

	for (i = 1; i < size; i++) {
		const json_t *a = json_array_get(v, i);

		for (j = 0; j < i; j++) {
			const json_t *b = json_array_get(v, j);
			int dup = (n->flags & F_LIST_SET)
					  ? same(a, b)
					  : json_is_object(a) &&
						    json_is_object(b) &&
						    map_keys_same(n, a, b);

			if (!dup)
				continue;
			if (push_index(c, i)) {
				if (want(c) && (n->flags & F_LIST_SET))
					emit(c, "Duplicate value: %s",
					     show(c, a));
				else if (c->out && !c->err)
					duplicate_map_key(c, n, a);
				pop(c);
			}
			break;
		}
	}
}

static void check_array(struct vctx *c, const struct node *n, const json_t *v,
			int preserve)
{
	size_t i, j, size = json_array_size(v);

	if (n->max_items >= 0 && size > (size_t)n->max_items && want(c))
		emit(c,
		     "Too many: %zu: must have at most %" JSON_INTEGER_FORMAT
		     " items",
		     size, n->max_items);
	if (n->min_items >= 0 && size < (size_t)n->min_items && want(c))
		emit(c,
		     "Invalid value: %zu: %s in body should have at least "
		     "%" JSON_INTEGER_FORMAT " items",
		     size, cur_path(c), n->min_items);
	if (n->flags & F_UNIQUE) {
		int dup = 0;

		for (i = 1; i < size && !dup; i++)
			for (j = 0; j < i && !dup; j++)
				dup = same(json_array_get(v, i),
					   json_array_get(v, j));
		if (dup && want(c))
			emit(c,
			     "Invalid value: \"\": %s in body shouldn't "
			     "contain duplicates",
			     cur_path(c));
	}
	if (n->flags & (F_LIST_SET | F_LIST_MAP))
		check_list_type(c, n, v);
	for (i = 0; i < size && !c->err; i++) {
		if (!push_index(c, i))
			continue;
		/* pruning: items of a preserving array are skipPrune'd */
		validate(c, n->items, json_array_get(v, i), preserve);
		pop(c);
	}
}

/* ---- ObjectMeta ---------------------------------------------------- */

/*
 * metadata is decoded by the apiserver into metav1.ObjectMeta with
 * sigs.k8s.io/json UnmarshalStrict (case-sensitive, unknown fields are
 * strict errors) and then checked by ValidateObjectMeta. These tables
 * are the JSON shape of ObjectMeta and the structs inside it.
 */
enum mkind {
	MK_ANY,
	MK_STRING,
	MK_BOOL,
	MK_INT64,
	MK_TIME,
	MK_STRMAP,
	MK_STRLIST,
	MK_OWNERREFS,
	MK_MANAGED,
};

struct mfield {
	const char *name;
	enum mkind kind;
};

static const struct mfield objectmeta_fields[] = {
	{ "annotations", MK_STRMAP },
	{ "creationTimestamp", MK_TIME },
	{ "deletionGracePeriodSeconds", MK_INT64 },
	{ "deletionTimestamp", MK_TIME },
	{ "finalizers", MK_STRLIST },
	{ "generateName", MK_STRING },
	{ "generation", MK_INT64 },
	{ "labels", MK_STRMAP },
	{ "managedFields", MK_MANAGED },
	{ "name", MK_STRING },
	{ "namespace", MK_STRING },
	{ "ownerReferences", MK_OWNERREFS },
	{ "resourceVersion", MK_STRING },
	{ "selfLink", MK_STRING },
	{ "uid", MK_STRING },
};

static const struct mfield ownerref_fields[] = {
	{ "apiVersion", MK_STRING }, { "blockOwnerDeletion", MK_BOOL },
	{ "controller", MK_BOOL },   { "kind", MK_STRING },
	{ "name", MK_STRING },	     { "uid", MK_STRING },
};

static const struct mfield managed_fields[] = {
	{ "apiVersion", MK_STRING }, { "fieldsType", MK_STRING },
	{ "fieldsV1", MK_ANY },	     { "manager", MK_STRING },
	{ "operation", MK_STRING },  { "subresource", MK_STRING },
	{ "time", MK_TIME },
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* The JSON kind in encoding/json's UnmarshalTypeError wording. */
static const char *go_json_kind(struct vctx *c, const json_t *v,
				const char *gotype)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "number";
	case JSON_REAL:
		if (!strcmp(gotype, "int64")) {
			fg_buf_clear(&c->aux);
			set_err(c, fg_buf_puts(&c->aux, "number "));
			set_err(c, go_float(&c->aux, json_real_value(v)));
			return c->aux.ptr;
		}
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	case JSON_ARRAY:
		return "array";
	default:
		return "object";
	}
}

static void meta_type(struct vctx *c, const json_t *v, const char *gostruct,
		      const char *gofield, const char *gotype)
{
	if (want(c))
		emit(c,
		     "Invalid value: %s: json: cannot unmarshal %s into Go "
		     "struct field %s.%s of type %s",
		     show(c, v), go_json_kind(c, v, gotype), gostruct, gofield,
		     gotype);
}

static void meta_struct(struct vctx *c, const struct mfield *tab, size_t ntab,
			const json_t *obj, const char *gostruct,
			const char *parent);

static void meta_value(struct vctx *c, enum mkind kind, const json_t *v,
		       const char *gostruct, const char *gofield)
{
	const char *key;
	const json_t *m;
	size_t i;

	/* encoding/json: null leaves any field at its zero value */
	if (json_is_null(v))
		return;
	switch (kind) {
	case MK_ANY:
		return;
	case MK_STRING:
		if (!json_is_string(v))
			meta_type(c, v, gostruct, gofield, "string");
		return;
	case MK_BOOL:
		if (!json_is_boolean(v))
			meta_type(c, v, gostruct, gofield, "bool");
		return;
	case MK_INT64:
		if (!json_is_integer(v))
			meta_type(c, v, gostruct, gofield, "int64");
		return;
	case MK_TIME:
		/* metav1.Time.UnmarshalJSON: a string, time.RFC3339 */
		if (!json_is_string(v)) {
			if (want(c))
				emit(c,
				     "Invalid value: %s: json: cannot "
				     "unmarshal %s into Go value of type "
				     "string",
				     show(c, v), go_json_kind(c, v, "string"));
		} else if (!is_rfc3339(json_string_value(v)) && want(c)) {
			const char *q = show(c, v);

			emit(c,
			     "Invalid value: %s: parsing time %s as "
			     "\"2006-01-02T15:04:05Z07:00\": not RFC 3339",
			     q, q);
		}
		return;
	case MK_STRMAP:
		if (!json_is_object(v)) {
			meta_type(c, v, gostruct, gofield, "map[string]string");
			return;
		}
		json_object_foreach (mut(v), key, m) {
			if (json_is_null(m) || json_is_string(m) ||
			    !push_key(c, key))
				continue;
			meta_type(c, m, gostruct, gofield, "string");
			pop(c);
		}
		return;
	case MK_STRLIST:
	case MK_OWNERREFS:
	case MK_MANAGED:
		break;
	}
	if (!json_is_array(v)) {
		meta_type(c, v, gostruct, gofield,
			  kind == MK_STRLIST	 ? "[]string"
			  : kind == MK_OWNERREFS ? "[]v1.OwnerReference"
						 : "[]v1.ManagedFieldsEntry");
		return;
	}
	for (i = 0; i < json_array_size(v) && !c->err; i++) {
		m = json_array_get(v, i);
		if (json_is_null(m) || !push_index(c, i))
			continue;
		if (kind == MK_STRLIST) {
			if (!json_is_string(m))
				meta_type(c, m, gostruct, gofield, "string");
		} else if (!json_is_object(m)) {
			meta_type(c, m, gostruct, gofield,
				  kind == MK_OWNERREFS
					  ? "v1.OwnerReference"
					  : "v1.ManagedFieldsEntry");
		} else if (kind == MK_OWNERREFS) {
			meta_struct(c, ownerref_fields,
				    NFIELDS(ownerref_fields), m,
				    "OwnerReference", gofield);
		} else {
			meta_struct(c, managed_fields, NFIELDS(managed_fields),
				    m, "ManagedFieldsEntry", gofield);
		}
		pop(c);
	}
}

static void meta_struct(struct vctx *c, const struct mfield *tab, size_t ntab,
			const json_t *obj, const char *gostruct,
			const char *parent)
{
	const char *key;
	const json_t *m;
	char gofield[160];
	size_t i;

	json_object_foreach (mut(obj), key, m) {
		for (i = 0; i < ntab; i++)
			if (!strcmp(tab[i].name, key))
				break;
		if (!push_key(c, key))
			continue;
		if (i == ntab) {
			unknown_field(c);
		} else {
			/* Go >= 1.20 names the full field path */
			snprintf(gofield, sizeof(gofield), "%s%s%s", parent,
				 *parent ? "." : "", key);
			meta_value(c, tab[i].kind, m, gostruct, gofield);
		}
		pop(c);
		if (c->err)
			return;
	}
}

static void dns_subdomain_msgs(struct vctx *c, const char *bad, const char *s,
			       const char *pre)
{
	if (strlen(s) > 253)
		invalid_str(c, bad, pre, "must be no more than 253 characters");
	if (!dns_subdomain(s))
		invalid_str(c, bad, pre, RFC1123_SUBDOMAIN_MSG);
}

/* IsQualifiedName(s), each message reported against value `bad`. */
static void qualified_name_msgs(struct vctx *c, const char *bad, const char *s)
{
	const char *slash = strchr(s, '/'), *name = s;

	if (slash && strchr(slash + 1, '/')) {
		invalid_str(c, bad, "a qualified name ",
			    QNAME_MSG " with an optional DNS subdomain prefix "
				      "and '/' (e.g. 'example.com/MyName')");
		return;
	}
	if (slash) {
		struct fg_buf prefix = FG_BUF_INIT;

		name = slash + 1;
		if (slash == s) {
			invalid_str(c, bad, "prefix part ",
				    "must be non-empty");
		} else if (!fg_buf_add(&prefix, s, (size_t)(slash - s))) {
			dns_subdomain_msgs(c, bad, prefix.ptr, "prefix part ");
		} else {
			set_err(c, FG_ERROR);
		}
		fg_buf_release(&prefix);
	}
	if (!*name)
		invalid_str(c, bad, "name part ", "must be non-empty");
	else if (strlen(name) > 63)
		invalid_str(c, bad, "name part ",
			    "must be no more than 63 characters");
	if (!qname_part(name, strlen(name)))
		invalid_str(c, bad, "name part ", QNAME_MSG);
}

static const char *get_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void meta_labels(struct vctx *c, const json_t *labels)
{
	const char *key;
	const json_t *v;

	json_object_foreach (mut(labels), key, v) {
		const char *s = json_string_value(v);

		if (!push_key(c, key))
			continue;
		qualified_name_msgs(c, key, key);
		if (s && strlen(s) > 63)
			invalid_str(c, s, "",
				    "must be no more than 63 characters");
		if (s && *s && !qname_part(s, strlen(s)))
			invalid_str(c, s, "", LABEL_VALUE_MSG);
		pop(c);
	}
}

static void meta_annotations(struct vctx *c, const json_t *ann)
{
	struct fg_buf lower = FG_BUF_INIT;
	const char *key;
	const json_t *v;
	size_t total = 0, i;

	json_object_foreach (mut(ann), key, v) {
		total += strlen(key) + json_string_length(v);
		fg_buf_clear(&lower);
		for (i = 0; key[i]; i++)
			set_err(c, fg_buf_putc(&lower,
					       key[i] >= 'A' && key[i] <= 'Z'
						       ? (char)(key[i] + 32)
						       : key[i]));
		if (c->err || !push_key(c, key))
			continue;
		qualified_name_msgs(c, key, lower.ptr);
		pop(c);
	}
	fg_buf_release(&lower);
	if (total > ANNOTATIONS_MAX_BYTES && want(c))
		emit(c, "Too long: must have at most %d bytes",
		     ANNOTATIONS_MAX_BYTES);
}

/* path.IsValidPathSegmentName, for names of embedded resources */
static void path_segment_msgs(struct vctx *c, const char *name)
{
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		invalid_str(c, name, "",
			    name[1] ? "may not be '..'" : "may not be '.'");
		return;
	}
	if (strchr(name, '/'))
		invalid_str(c, name, "", "may not contain '/'");
	if (strchr(name, '%'))
		invalid_str(c, name, "", "may not contain '%'");
}

/* ValidateObjectMeta on the fields that decoded; `meta` may be NULL. */
static void meta_semantics(struct vctx *c, const json_t *meta, int is_root)
{
	const char *name = get_str(meta, "name");
	const char *gen = get_str(meta, "generateName");
	const char *ns = get_str(meta, "namespace");
	const json_t *v;
	size_t i;

	if (is_root && (!name || !*name) && (!gen || !*gen) && !c->partial) {
		if (push_key(c, "name")) {
			if (want(c))
				emit(c, "Required value: name or generateName "
					"is required");
			pop(c);
		}
	} else if (name && *name && push_key(c, "name")) {
		if (is_root) /* custom resources: NameIsDNSSubdomain */
			dns_subdomain_msgs(c, name, name, "");
		else
			path_segment_msgs(c, name);
		pop(c);
	}
	if (ns && *ns && push_key(c, "namespace")) {
		if (strlen(ns) > 63)
			invalid_str(c, ns, "",
				    "must be no more than 63 characters");
		if (!dns_label(ns, strlen(ns)))
			invalid_str(c, ns, "", RFC1123_LABEL_MSG);
		pop(c);
	}
	if (json_is_object(v = json_object_get(meta, "labels")) &&
	    push_key(c, "labels")) {
		meta_labels(c, v);
		pop(c);
	}
	if (json_is_object(v = json_object_get(meta, "annotations")) &&
	    push_key(c, "annotations")) {
		meta_annotations(c, v);
		pop(c);
	}
	if (json_is_array(v = json_object_get(meta, "finalizers")) &&
	    push_key(c, "finalizers")) {
		for (i = 0; i < json_array_size(v); i++) {
			const char *f = json_string_value(json_array_get(v, i));

			if (f && push_index(c, i)) {
				qualified_name_msgs(c, f, f);
				pop(c);
			}
		}
		pop(c);
	}
	if (json_is_integer(v = json_object_get(meta, "generation")) &&
	    json_integer_value(v) < 0 && push_key(c, "generation")) {
		if (want(c))
			emit(c,
			     "Invalid value: %s: must be greater than or "
			     "equal to 0",
			     show(c, v));
		pop(c);
	}
}

/* `metadata` of a resource (the frame for it is pushed). */
static void objectmeta(struct vctx *c, const json_t *meta, int is_root)
{
	if (!json_is_null(meta) && !json_is_object(meta)) {
		if (want(c))
			emit(c,
			     "Invalid value: %s: json: cannot unmarshal %s "
			     "into Go value of type v1.ObjectMeta",
			     show(c, meta), go_json_kind(c, meta, ""));
		return;
	}
	if (json_is_object(meta))
		meta_struct(c, objectmeta_fields, NFIELDS(objectmeta_fields),
			    meta, "ObjectMeta", "");
	meta_semantics(c, json_is_object(meta) ? meta : NULL, is_root);
}

/*
 * apiVersion and kind of a resource: the root's are only type-checked
 * (objectmeta.Coerce), an embedded resource's are also required and
 * checked (objectmeta.validateEmbeddedResource).
 */
static void type_meta(struct vctx *c, const json_t *obj, const char *key,
		      int is_root)
{
	const json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);

	if (!push_key(c, key))
		return;
	if (!v) {
		if (!is_root && want(c))
			emit(c, "Required value: must not be empty");
	} else if (!s) {
		if (want(c))
			emit(c, "Invalid value: %s: must be a string",
			     show(c, v));
	} else if (!is_root && !*s) {
		invalid_str(c, s, "", "must not be empty");
	} else if (!is_root && !strcmp(key, "apiVersion")) {
		const char *slash = strchr(s, '/');

		if (slash && strchr(slash + 1, '/') && want(c))
			emit(c,
			     "Invalid value: %s: unexpected GroupVersion "
			     "string: %s",
			     show_str(c, s), s);
	} else if (!is_root) {
		struct fg_buf lower = FG_BUF_INIT;
		size_t i;

		for (i = 0; s[i]; i++)
			set_err(c,
				fg_buf_putc(&lower, s[i] >= 'A' && s[i] <= 'Z'
							    ? (char)(s[i] + 32)
							    : s[i]));
		if (!c->err && (lower.len > 63 ||
				!(lower.ptr[0] >= 'a' && lower.ptr[0] <= 'z') ||
				!dns_label(lower.ptr, lower.len)))
			invalid_str(c, s, "",
				    "may have mixed case, but should otherwise "
				    "match: " DNS1035_LABEL_MSG);
		fg_buf_release(&lower);
	}
	pop(c);
}

/* ---- objects, junctors, the node --------------------------------- */

static int is_meta_field(const char *key)
{
	return !strcmp(key, "apiVersion") || !strcmp(key, "kind") ||
	       !strcmp(key, "metadata");
}

static void check_required(struct vctx *c, const struct node *n,
			   const json_t *v)
{
	size_t i;

	if (c->partial)
		return;

	for (i = 0; i < n->nrequired; i++) {
		const char *name = n->required[i];
		const json_t *m = json_object_get(v, name);
		const struct node *p = find_prop(n, name);
		const struct node *vs = p ? p : n->addl;
		int missing = !m;

		/* a non-nullable null was pruned before validation */
		if (m && json_is_null(m) && !c->junctor && vs &&
		    !(vs->flags & F_NULLABLE))
			missing = 1;
		/* ... unless defaulting puts the default back */
		if (missing && p && (p->flags & F_DEFAULT) && !c->junctor)
			missing = 0;
		if (missing && push_key(c, name)) {
			if (want(c))
				emit(c, "Required value");
			pop(c);
		}
	}
}

static void check_object(struct vctx *c, const struct node *n, const json_t *v,
			 int preserve)
{
	int is_root = c->depth == 0 && !c->junctor && c->resource;
	int embedded = !c->junctor && (is_root || (n->flags & F_EMBEDDED));
	size_t count = json_object_size(v);
	const char *key;
	const json_t *m;

	if (n->max_props >= 0 && count > (size_t)n->max_props && want(c))
		emit(c,
		     "Too many: %zu: must have at most %" JSON_INTEGER_FORMAT
		     " items",
		     count, n->max_props);
	if (n->min_props >= 0 && count < (size_t)n->min_props && want(c))
		emit(c,
		     "Invalid value: %zu: %s in body should have at least "
		     "%" JSON_INTEGER_FORMAT " properties",
		     count, cur_path(c), n->min_props);
	check_required(c, n, v);
	if (embedded) {
		type_meta(c, v, "apiVersion", is_root);
		type_meta(c, v, "kind", is_root);
		if (!json_object_get(v, "metadata") &&
		    push_key(c, "metadata")) {
			meta_semantics(c, NULL, is_root);
			pop(c);
		}
	}
	json_object_foreach (mut(v), key, m) {
		const struct node *p;

		if (c->err)
			return;
		if (embedded && is_meta_field(key)) {
			/* not pruned; ObjectMeta/TypeMeta rules instead */
			if (!strcmp(key, "metadata") && push_key(c, key)) {
				objectmeta(c, m, is_root);
				pop(c);
			}
			if ((p = find_prop(n, key)) && !json_is_null(m) &&
			    push_key(c, key)) {
				c->junctor++;
				validate(c, p, m, 1);
				c->junctor--;
				pop(c);
			}
			continue;
		}
		p = find_prop(n, key);
		if (!p)
			p = n->addl;
		if (p) {
			/* PruneNonNullableNullsWithoutDefaults, see top */
			if (json_is_null(m) &&
			    (c->junctor || !(p->flags & F_NULLABLE)))
				continue;
			if (push_key(c, key)) {
				validate(c, p, m, 0);
				pop(c);
			}
		} else if (!(n->flags & F_ADDL_ANY) && !preserve &&
			   !c->junctor && push_key(c, key)) {
			unknown_field(c);
			pop(c);
		}
	}
}

/* Check `n` against `v` counting problems only; returns the count. */
static size_t try_schema(struct vctx *c, const struct node *n, const json_t *v)
{
	struct fg_problems *out = c->out;
	size_t nfail = c->nfail, got;

	c->out = NULL;
	c->nfail = 0;
	c->junctor++;
	validate(c, n, v, 0);
	got = c->nfail;
	c->junctor--;
	c->nfail = nfail;
	c->out = out;
	return got;
}

static void report_schema(struct vctx *c, const struct node *n, const json_t *v)
{
	c->junctor++;
	validate(c, n, v, 0);
	c->junctor--;
}

/* kube-openapi schemaPropsValidator: anyOf, oneOf, allOf, not. */
static void check_junctors(struct vctx *c, const struct node *n,
			   const json_t *v)
{
	size_t i, k, best, bi, valid;

	if (n->nany_of) {
		best = SIZE_MAX;
		bi = 0;
		for (i = 0; i < n->nany_of; i++) {
			if (!(k = try_schema(c, n->any_of[i], v)))
				break;
			if (k < best) {
				best = k;
				bi = i;
			}
		}
		if (i == n->nany_of) {
			if (want(c))
				emit(c,
				     "Invalid value: \"\": %s must validate "
				     "at least one schema (anyOf)",
				     show_str(c, cur_path(c)));
			report_schema(c, n->any_of[bi], v);
		}
	}
	if (n->none_of) {
		best = SIZE_MAX;
		bi = 0;
		valid = 0;
		for (i = 0; i < n->none_of; i++) {
			if (!(k = try_schema(c, n->one_of[i], v)))
				valid++;
			else if (k < best) {
				best = k;
				bi = i;
			}
		}
		if (valid == 0 && want(c))
			emit(c,
			     "Invalid value: \"\": %s must validate one and "
			     "only one schema (oneOf). Found none valid",
			     show_str(c, cur_path(c)));
		else if (valid > 1 && want(c))
			emit(c,
			     "Invalid value: \"\": %s must validate one and "
			     "only one schema (oneOf). Found %zu valid "
			     "alternatives",
			     show_str(c, cur_path(c)), valid);
		if (valid == 0)
			report_schema(c, n->one_of[bi], v);
	}
	if (n->nall_of) {
		valid = 0;
		for (i = 0; i < n->nall_of; i++) {
			if (!try_schema(c, n->all_of[i], v))
				valid++;
			else
				report_schema(c, n->all_of[i], v);
		}
		if (valid != n->nall_of && want(c))
			emit(c,
			     "Invalid value: \"\": %s must validate all the "
			     "schemas (allOf)%s",
			     show_str(c, cur_path(c)),
			     valid ? "" : ". None validated");
	}
	if (n->not_of && !try_schema(c, n->not_of, v) && want(c))
		emit(c,
		     "Invalid value: \"\": %s must not validate the schema "
		     "(not)",
		     show_str(c, cur_path(c)));
}

/* No schema (an array without items): pruning drops every field. */
static void prune_all(struct vctx *c, const json_t *v, int preserve)
{
	const char *key;
	const json_t *m;
	size_t i;

	if (preserve || c->junctor)
		return;
	if (json_is_object(v)) {
		json_object_foreach (mut(v), key, m) {
			if (push_key(c, key)) {
				unknown_field(c);
				pop(c);
			}
		}
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v) && !c->err; i++) {
			if (push_index(c, i)) {
				prune_all(c, json_array_get(v, i), 0);
				pop(c);
			}
		}
	}
}

static void validate(struct vctx *c, const struct node *n, const json_t *v,
		     int preserve)
{
	if (c->err)
		return;
	if (!n) {
		prune_all(c, v, preserve);
		return;
	}
	if (json_is_null(v)) {
		/* kube-openapi runs only the type and enum checks on nil */
		if (n->types && !(n->flags & F_NULLABLE))
			type_error(c, n, v);
		else if (n->enumv)
			check_enum(c, n, v);
		return;
	}
	if (!type_ok(n, v)) {
		type_error(c, n, v);
		return;
	}
	preserve = preserve || (n->flags & F_PRESERVE);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		check_object(c, n, v, preserve);
		break;
	case JSON_ARRAY:
		check_array(c, n, v, preserve);
		break;
	case JSON_STRING:
		check_string(c, n, v);
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		check_number(c, n, v);
		break;
	default:
		break;
	}
	if (n->enumv)
		check_enum(c, n, v);
	if (n->nall_of || n->nany_of || n->none_of || n->not_of)
		check_junctors(c, n, v);
}

static int validate_root(const struct fg_schema *s, const json_t *obj,
			 struct fg_problems *out, int partial)
{
	struct vctx ctx, *c = &ctx;
	int err;

	memset(c, 0, sizeof(*c));
	c->out = out;
	c->partial = partial;
	c->resource = s->resource;
	fg_buf_init(&c->ptr, FG_BUF_MAX_DEFAULT);
	fg_buf_init(&c->path, FG_BUF_MAX_DEFAULT);
	fg_buf_init(&c->val, FG_BUF_MAX_DEFAULT);
	fg_buf_init(&c->aux, FG_BUF_MAX_DEFAULT);
	validate(c, s->top, obj, 0);
	if (c->dropped && !c->err)
		set_err(c, fg_problems_add(out, "",
					   "%zu more problems not shown (at "
					   "most %d are reported per object)",
					   c->dropped, FG_SCHEMA_MAX_PROBLEMS));
	err = c->err;
	fg_buf_release(&c->ptr);
	fg_buf_release(&c->path);
	fg_buf_release(&c->val);
	fg_buf_release(&c->aux);
	if (err < 0 && err != FG_ERROR)
		err = FG_ERROR;
	return err < 0 ? fg_error_set(err, "schema validation: out of memory")
		       : 0;
}

int fg_schema_validate(const struct fg_schema *s, const json_t *obj,
		       struct fg_problems *out)
{
	return validate_root(s, obj, out, 0);
}

int fg_schema_validate_partial(const struct fg_schema *s, const json_t *obj,
			       struct fg_problems *out)
{
	return validate_root(s, obj, out, 1);
}

static int validate_once(const json_t *openapi, const json_t *obj,
			 struct fg_problems *out, int resource)
{
	struct fg_schema *s;
	int err = schema_new(&s, openapi, resource);

	if (err)
		return err;
	err = fg_schema_validate(s, obj, out);
	fg_schema_free(s);
	return err;
}

int fg_schema_validate_json(const json_t *openapi, const json_t *obj,
			    struct fg_problems *out)
{
	return validate_once(openapi, obj, out, 1);
}

int fg_schema_validate_document_json(const json_t *openapi, const json_t *obj,
				     struct fg_problems *out)
{
	return validate_once(openapi, obj, out, 0);
}
