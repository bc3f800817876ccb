/*
 * Diff with server-side-apply subset semantics, and managedFields
 * (fieldsV1) reading. The fieldsV1 format is structured-merge-diff's
 * serialized set (fieldpath/serialize.go, serialize-pe.go): a trie whose
 * keys are "f:<field>", "k:<json object of key fields>", "v:<json value>",
 * "i:<index>", and "." for the node itself; an empty object is a member.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/problems.h"
#include "render/render.h"
#include "render/transform.h"
#include "render/yaml.h"
#include "sync/diff.h"
#include "render/base/banned.h"

/* Nesting bound for objects and fieldsV1 tries read from the cluster. */
#define FG_DIFF_MAX_DEPTH 128

#define FG_LABEL_TARGET_SESSION "target.session"
#define FG_ANNOTATION_LAST_APPLIED \
	"kubectl.kubernetes.io/last-applied-configuration"
#define CONF_PTR "/spec/flinkConfiguration"

/* Never compared: identity, server-set metadata, status. */
static const char *const ignored_always[] = {
	"/apiVersion",
	"/kind",
	"/status",
	"/metadata/name",
	"/metadata/namespace",
	"/metadata/managedFields",
	"/metadata/uid",
	"/metadata/resourceVersion",
	"/metadata/generation",
	"/metadata/creationTimestamp",
	"/metadata/selfLink",
	"/metadata/deletionTimestamp",
	"/metadata/deletionGracePeriodSeconds",
	("/metadata/annotations/"
	 "kubectl.kubernetes.io~1last-applied-configuration"),
};
#define IGNORED_SESSION_LABEL "/metadata/labels/target.session"
#define IGNORED_HPA_REPLICAS "/spec/taskManager/replicas"

static json_t *mut(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* null, {} and [] mean the same as absent (see diff.h) */
static int is_absent(const json_t *v)
{
	return !v || json_is_null(v) ||
	       (json_is_object(v) && json_object_size(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0);
}

/*
 * For the Flink kinds only null is absent: the API server stores an
 * explicitly empty object or list of a custom resource as given, and the
 * operator compares specs with Java equals, where `podTemplate: {}` is
 * not an absent podTemplate (an UPGRADE).
 */
static int absent_in(int strict, const json_t *v)
{
	return strict ? !v || json_is_null(v) : is_absent(v);
}

static int values_equal(const json_t *a, const json_t *b, int depth, int strict)
{
	const char *k;
	json_t *v;
	size_t i;

	if (absent_in(strict, a) || absent_in(strict, b))
		return absent_in(strict, a) && absent_in(strict, b);
	if (depth > FG_DIFF_MAX_DEPTH)
		return 0;
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b),
			       json_string_length(a));
	case JSON_OBJECT:
		json_object_foreach (mut(a), k, v)
			if (!values_equal(v, json_object_get(b, k), depth + 1,
					  strict))
				return 0;
		json_object_foreach (mut(b), k, v)
			if (!json_object_get(a, k) && !absent_in(strict, v))
				return 0;
		return 1;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		json_array_foreach (mut(a), i, v)
			if (!values_equal(v, json_array_get(b, i), depth + 1,
					  strict))
				return 0;
		return 1;
	default: /* true, false */
		return 1;
	}
}

/* ---- JSON pointers ---- */

/* Next token of `*p` (which starts at a '/'), unescaped into `tok`. */
static int pointer_next(const char **p, struct fg_buf *tok)
{
	const char *s = *p + 1;
	size_t n = strcspn(s, "/");

	fg_buf_clear(tok);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '~' && i + 1 < n &&
		    (s[i + 1] == '0' || s[i + 1] == '1'))
			c = s[++i] == '0' ? '~' : '/';
		if (fg_buf_putc(tok, c) < 0)
			return FG_ERROR;
	}
	*p = s + n;
	return 0;
}

static int parse_index(const char *s, size_t *out)
{
	size_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int has_prefix_ptr(const char *ptr, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(ptr, prefix, n) && (ptr[n] == '\0' || ptr[n] == '/');
}

static int is_session_job(const json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));

	return kind && !strcmp(kind, "FlinkSessionJob");
}

struct ctx {
	const char *manager;
	int session_job, hpa;
	int strict; /* a Flink kind: only null is absent (absent_in) */
	struct fg_changes *out;
	size_t first; /* out->n when this diff started */
	struct fg_buf ptr;
};

static int ignored(const struct ctx *c, const char *ptr)
{
	for (size_t i = 0;
	     i < sizeof(ignored_always) / sizeof(ignored_always[0]); i++)
		if (has_prefix_ptr(ptr, ignored_always[i]))
			return 1;
	if (c->session_job && has_prefix_ptr(ptr, IGNORED_SESSION_LABEL))
		return 1;
	return c->hpa && has_prefix_ptr(ptr, IGNORED_HPA_REPLICAS);
}

/* Remove the member at `ptr` (objects only) from `root`, if present;
 * FG_ERROR when memory ran out (a member left would be a change). */
static int remove_at(json_t *root, const char *ptr)
{
	struct fg_buf tok = FG_BUF_INIT;
	const char *p = ptr;
	json_t *node = root;
	int err = 0;

	while (*p == '/' && json_is_object(node)) {
		if ((err = pointer_next(&p, &tok)) < 0)
			break;
		if (!*p) {
			json_object_del(node, tok.ptr);
			break;
		}
		node = json_object_get(node, tok.ptr);
	}
	fg_buf_release(&tok);
	return err;
}

/*
 * The value at `ptr` in `root`. Without `arrays` the walk stops at a list
 * or a scalar before the end and sets `*covered`: Git sets that atomic
 * value whole. With `arrays`, list indexes are followed.
 */
static json_t *lookup(json_t *root, const char *ptr, int arrays, int *covered,
		      int *err)
{
	struct fg_buf tok = FG_BUF_INIT;
	const char *p = ptr;
	json_t *node = root;
	size_t i;

	*covered = 0;
	*err = 0;
	while (*p == '/' && node) {
		int is_list = json_is_array(node);

		if (!json_is_object(node) && !(arrays && is_list)) {
			*covered = !json_is_null(node);
			node = NULL;
			break;
		}
		if ((*err = pointer_next(&p, &tok)) < 0) {
			node = NULL; /* memory: not "absent" */
			break;
		}
		if (!is_list)
			node = json_object_get(node, tok.ptr);
		else
			node = parse_index(tok.ptr, &i) < 0
				       ? NULL
				       : json_array_get(node, i);
	}
	fg_buf_release(&tok);
	return node;
}

/*
 * A Secret's stringData is write-only: the API server merges it into data
 * (base64, stringData winning) and never stores it. Compare as stored.
 */
static int fold_string_data(json_t *obj)
{
	json_t *sd = json_object_get(obj, "stringData"), *data, *v;
	const char *k;
	char *b64;
	size_t n;

	if (!fg_str_is(json_string_value(json_object_get(obj, "kind")),
		       "Secret") ||
	    !json_is_object(sd))
		return 0;
	data = json_object_get(obj, "data");
	if (!json_is_object(data)) {
		data = json_object();
		if (json_object_set_new(obj, "data", data) < 0)
			return fg_error_set(FG_ERROR, "out of memory");
	}
	json_object_foreach (sd, k, v) {
		const char *text = json_string_value(v);

		if (!text)
			continue; /* the API server refuses it; show it as is */
		n = sodium_base64_ENCODED_LEN(strlen(text),
					      sodium_base64_VARIANT_ORIGINAL);
		if (!(b64 = malloc(n)))
			return fg_error_set(FG_ERROR, "out of memory");
		sodium_bin2base64(b64, n, (const unsigned char *)text,
				  strlen(text), sodium_base64_VARIANT_ORIGINAL);
		if (json_object_set_new(data, k, json_string(b64)) < 0) {
			free(b64);
			return fg_error_set(FG_ERROR, "out of memory");
		}
		free(b64);
	}
	json_object_del(obj, "stringData");
	return 0;
}

/*
 * A copy of `obj` as the diff compares it: ignored members removed,
 * spec.flinkConfiguration flat with string values, a Secret's stringData
 * folded into data.
 */
static int normalise(json_t **out, const struct ctx *c, const json_t *obj)
{
	struct fg_problems problems = FG_PROBLEMS_INIT;
	json_t *copy, *spec, *conf, *flat = NULL;
	size_t i;
	int err = 0;

	*out = NULL;
	if (!(copy = fg_json_deep_copy(obj)))
		return fg_error_set(FG_ERROR, "out of memory");
	if ((err = fold_string_data(copy)) < 0) {
		json_decref(copy);
		return err;
	}
	for (i = 0;
	     i < sizeof(ignored_always) / sizeof(ignored_always[0]) && !err;
	     i++)
		err = remove_at(copy, ignored_always[i]);
	if (!err && c->session_job)
		err = remove_at(copy, IGNORED_SESSION_LABEL);
	if (!err && c->hpa)
		err = remove_at(copy, IGNORED_HPA_REPLICAS);
	if (err < 0) {
		json_decref(copy);
		return err;
	}

	spec = json_object_get(copy, "spec");
	conf = json_object_get(spec, "flinkConfiguration");
	if (json_is_object(conf)) {
		/* a key set twice (nested and flat) in live keeps the first:
		 * render already refuses it in Git */
		err = fg_flink_config_flatten(&flat, conf, CONF_PTR, &problems);
		fg_problems_release(&problems);
		if (!err &&
		    json_object_set_new(spec, "flinkConfiguration", flat) < 0)
			err = fg_error_set(FG_ERROR, "out of memory");
	}
	if (err < 0) {
		json_decref(copy);
		return err;
	}
	*out = copy;
	return 0;
}

static int add_change(struct ctx *c, json_t *desired, json_t *live)
{
	/* null is absent; an empty list Git sets stays a value */
	return fg_changes_add(c->out, c->ptr.ptr,
			      json_is_null(desired) ? NULL : desired,
			      absent_in(c->strict, live) ? NULL : live);
}

/* Git's fields (keys from `dv` only) against the cluster's. */
static int walk(struct ctx *c, json_t *dv, json_t *lv, int depth)
{
	size_t len = c->ptr.len;
	const char *k;
	json_t *v;
	int err = 0;

	if (depth > FG_DIFF_MAX_DEPTH)
		return fg_error_set(FG_EINVALID,
				    "object nested deeper than %d at '%s'",
				    FG_DIFF_MAX_DEPTH, c->ptr.ptr);
	if (!dv || json_is_null(dv))
		return 0;
	if (!json_is_object(dv))
		return values_equal(dv, lv, 0, c->strict)
			       ? 0
			       : add_change(c, dv, lv);
	if (!is_absent(lv) && !json_is_object(lv))
		return add_change(c, dv, lv); /* a map replaced a scalar */
	if (c->strict && !json_object_size(dv) && absent_in(1, lv))
		return add_change(c, dv, lv); /* `{}` where there is none */
	json_object_foreach (dv, k, v) {
		if (fg_json_pointer_push(&c->ptr, k) < 0)
			err = fg_error_set(FG_ERROR, "out of memory");
		else if (!ignored(c, c->ptr.ptr))
			err = walk(c, v, json_object_get(lv, k), depth + 1);
		fg_buf_truncate(&c->ptr, len);
		if (err)
			return err;
	}
	return 0;
}

/* Every leaf of `lv` as a removal (desired NULL). */
static int removal_leaves(struct ctx *c, json_t *lv, int depth)
{
	size_t len = c->ptr.len;
	const char *k;
	json_t *v;
	int err = 0;

	if (depth > FG_DIFF_MAX_DEPTH)
		return fg_error_set(FG_EINVALID,
				    "object nested deeper than %d at '%s'",
				    FG_DIFF_MAX_DEPTH, c->ptr.ptr);
	if (absent_in(c->strict, lv))
		return 0;
	if (!json_is_object(lv) || !json_object_size(lv)) {
		for (size_t i = c->first; i < c->out->n; i++)
			if (!strcmp(c->out->v[i].pointer, c->ptr.ptr))
				return 0; /* reached twice (nested conf) */
		return add_change(c, NULL, lv);
	}
	json_object_foreach (lv, k, v) {
		if (fg_json_pointer_push(&c->ptr, k) < 0)
			err = fg_error_set(FG_ERROR, "out of memory");
		else if (!ignored(c, c->ptr.ptr))
			err = removal_leaves(c, v, depth + 1);
		fg_buf_truncate(&c->ptr, len);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The pointer the diff uses for a pointer into live: a key under
 * spec.flinkConfiguration reached through nested maps becomes one flat
 * key ("/spec/flinkConfiguration/a/b" -> ".../a.b").
 */
static int flat_pointer(struct fg_buf *out, const char *ptr)
{
	struct fg_buf key = FG_BUF_INIT, tok = FG_BUF_INIT;
	const char *p;
	int err = 0;

	fg_buf_clear(out);
	if (!has_prefix_ptr(ptr, CONF_PTR) || !ptr[strlen(CONF_PTR)])
		return fg_buf_puts(out, ptr);
	p = ptr + strlen(CONF_PTR);
	while (*p == '/' && !err) {
		err = pointer_next(&p, &tok);
		if (!err && key.len)
			err = fg_buf_putc(&key, '.');
		if (!err)
			err = fg_buf_add(&key, tok.ptr, tok.len);
	}
	if (!err)
		err = fg_buf_puts(out, CONF_PTR);
	if (!err)
		err = fg_json_pointer_push(out, key.ptr);
	fg_buf_release(&key);
	fg_buf_release(&tok);
	return err < 0 ? fg_error_set(FG_ERROR, "out of memory") : 0;
}

/* ---- fieldsV1 ---- */

/*
 * Does list item `item` match the path element `pe` ("k:", "v:", "i:")?
 * 1 or 0; FG_ERROR when memory ran out (not "no match": the walk would
 * take an owned field for another's).
 */
static int item_matches(const char *pe, const json_t *item, size_t index)
{
	json_error_t je;
	json_t *want;
	const char *k;
	json_t *v;
	int ok = 0;

	if (!strncmp(pe, "i:", 2)) {
		size_t i;
		return parse_index(pe + 2, &i) == 0 && i == index;
	}
	if (strncmp(pe, "k:", 2) && strncmp(pe, "v:", 2))
		return 0;
	if ((ok = fg_json_loads(&want, pe + 2, JSON_DECODE_ANY, &je)) < 0)
		return ok == FG_EINVALID ? 0 : ok;
	if (pe[0] == 'v') {
		ok = values_equal(want, item, 0, 0);
	} else if (json_is_object(want) && json_is_object(item)) {
		ok = 1;
		json_object_foreach (want, k, v)
			if (!values_equal(v, json_object_get(item, k), 0, 0))
				ok = 0;
	}
	json_decref(want);
	return ok;
}

static int is_member(const json_t *fields)
{
	return json_is_object(fields) &&
	       (json_object_size(fields) == 0 || json_object_get(fields, "."));
}

/*
 * Does the set `fields` (at the node `live`) own the rest of a pointer
 * `p`? `conf` is 1 while inside spec.flinkConfiguration, where a flat key
 * may be stored nested (and 2 at spec, 0 elsewhere, -1 at the root).
 * 1, 0, or FG_ERROR when memory ran out (never taken as "not owned").
 */
static int fields_own(const json_t *fields, const json_t *live, const char *p,
		      int conf, int depth, int touch)
{
	struct fg_buf tok = FG_BUF_INIT, name = FG_BUF_INIT, rest = FG_BUF_INIT;
	int own = 0, next;

	if (!json_is_object(fields) || depth > FG_DIFF_MAX_DEPTH)
		return 0;
	if (!*p)
		return touch ? 1 : is_member(fields);
	if (json_object_size(fields) == 0)
		return 1; /* an ancestor owned whole: an atomic value */
	if ((own = pointer_next(&p, &tok)) < 0)
		goto done;

	if (json_is_array(live)) {
		size_t i;
		const char *k;
		json_t *sub;
		json_t *item;

		if (parse_index(tok.ptr, &i) < 0 ||
		    !(item = json_array_get(live, i)))
			goto done;
		json_object_foreach (mut(fields), k, sub) {
			if ((own = item_matches(k, item, i)) < 0)
				break;
			if (own && (own = fields_own(sub, item, p, 0, depth + 1,
						     touch)) != 0)
				break;
		}
		goto done;
	}

	next = conf == 1					     ? 1
	       : conf == -1 && !strcmp(tok.ptr, "spec")		     ? 2
	       : conf == 2 && !strcmp(tok.ptr, "flinkConfiguration") ? 1
								     : 0;
	if (fg_buf_puts(&name, "f:") < 0 ||
	    fg_buf_add(&name, tok.ptr, tok.len) < 0) {
		own = FG_ERROR;
		goto done;
	}
	own = fields_own(json_object_get(fields, name.ptr),
			 json_object_get(live, tok.ptr), p, next, depth + 1,
			 touch);

	/* a flat flinkConfiguration key owned through nested maps */
	for (size_t j = 0; !own && conf == 1 && j < tok.len; j++) {
		if (tok.ptr[j] != '.')
			continue;
		fg_buf_clear(&name);
		fg_buf_clear(&rest);
		if (fg_buf_puts(&name, "f:") < 0 ||
		    fg_buf_add(&name, tok.ptr, j) < 0 ||
		    fg_json_pointer_push(&rest, tok.ptr + j + 1) < 0 ||
		    fg_buf_puts(&rest, p) < 0) {
			own = FG_ERROR;
			goto done;
		}
		own = fields_own(json_object_get(fields, name.ptr),
				 json_object_get(live, name.ptr + 2), rest.ptr,
				 1, depth + 1, touch);
	}
done:
	fg_buf_release(&tok);
	fg_buf_release(&name);
	fg_buf_release(&rest);
	return own;
}

static const json_t *entry_fields(const json_t *entry)
{
	const char *type =
		json_string_value(json_object_get(entry, "fieldsType"));

	if (type && strcmp(type, "FieldsV1"))
		return NULL;
	return json_object_get(entry, "fieldsV1");
}

/* Our SSA set: manager `manager`, operation Apply, no subresource. */
static int is_apply_entry(const json_t *entry, const char *manager)
{
	const char *m = json_string_value(json_object_get(entry, "manager"));
	const char *op = json_string_value(json_object_get(entry, "operation"));
	const char *sub =
		json_string_value(json_object_get(entry, "subresource"));

	return m && op && !strcmp(m, manager) && !strcmp(op, "Apply") &&
	       (!sub || !*sub);
}

/* The newest entry that owns `pointer`, skipping `skip_manager`'s Apply
 * set when it is not NULL; NULL with *err < 0 when memory ran out. */
static const json_t *owner_entry(const json_t *live, const char *pointer,
				 const char *skip_manager, int *err)
{
	const json_t *mf = json_object_get(json_object_get(live, "metadata"),
					   "managedFields");
	const json_t *best = NULL;
	const char *best_time = NULL;
	json_t *entry;
	size_t i;

	*err = 0;
	json_array_foreach (mut(mf), i, entry) {
		const char *t;
		int own;

		if (!json_is_object(entry) ||
		    !json_string_value(json_object_get(entry, "manager")))
			continue;
		if (skip_manager && is_apply_entry(entry, skip_manager))
			continue;
		own = fields_own(entry_fields(entry), live, pointer, -1, 0, 0);
		if (own < 0) {
			*err = own;
			return NULL;
		}
		if (!own)
			continue;
		t = json_string_value(json_object_get(entry, "time"));
		/* RFC 3339 in UTC ("...Z"), as the API server writes it,
		 * orders as text */
		if (!best || (t && (!best_time || strcmp(t, best_time) > 0))) {
			best = entry;
			best_time = t;
		}
	}
	return best;
}

int fg_field_touched_by_others(const json_t *live, const char *pointer,
			       const char *manager, const char **who)
{
	const json_t *mf = json_object_get(json_object_get(live, "metadata"),
					   "managedFields");
	json_t *entry;
	size_t i;

	if (who)
		*who = NULL;
	if (!manager)
		manager = FG_MANAGER;
	json_array_foreach (mut(mf), i, entry) {
		const char *m =
			json_string_value(json_object_get(entry, "manager"));
		const char *sub = json_string_value(
			json_object_get(entry, "subresource"));

		if (!json_is_object(entry) || !m ||
		    is_apply_entry(entry, manager) ||
		    (sub && !strcmp(sub, "status")))
			continue;
		int own = fields_own(entry_fields(entry), live, pointer, -1, 0,
				     1);

		if (own < 0)
			return own;
		if (own) {
			if (who)
				*who = m;
			return 1;
		}
	}
	return 0;
}

int fg_field_owner(const json_t *live, const char *pointer,
		   const char **manager, const char **time)
{
	int err;
	const json_t *e = owner_entry(live, pointer, NULL, &err);

	*manager = NULL;
	*time = NULL;
	if (err < 0)
		return err;
	if (!e)
		return fg_error_set(FG_ENOTFOUND, "no field manager owns '%s'",
				    pointer);
	*manager = json_string_value(json_object_get(e, "manager"));
	*time = json_string_value(json_object_get(e, "time"));
	return 0;
}

static int owned_walk(const json_t *fields, const json_t *live,
		      struct fg_buf *ptr, json_t *out, int depth)
{
	size_t len = ptr->len;
	const char *k;
	json_t *sub;
	int err = 0;

	if (depth > FG_DIFF_MAX_DEPTH)
		return fg_error_set(FG_EINVALID,
				    "managedFields nested deeper than %d",
				    FG_DIFF_MAX_DEPTH);
	if (is_member(fields) &&
	    json_array_append_new(out, json_string(ptr->ptr)) < 0)
		return fg_error_set(FG_ERROR, "out of memory");
	json_object_foreach (mut(fields), k, sub) {
		const json_t *child = NULL;

		if (!json_is_object(sub) || !strcmp(k, "."))
			continue;
		if (!strncmp(k, "f:", 2)) {
			child = json_object_get(live, k + 2);
			err = fg_json_pointer_push(ptr, k + 2);
		} else if (json_is_array(live)) {
			size_t i;
			json_t *item;
			int found = 0;

			json_array_foreach (mut(live), i, item)
				if ((found = item_matches(k, item, i)) != 0)
					break;
			if (found < 0)
				return found;
			if (!found)
				continue; /* the item is gone */
			child = item;
			err = fg_buf_printf(ptr, "/%zu", i);
		} else {
			continue; /* a list item of a list live lacks */
		}
		if (err < 0)
			return fg_error_set(FG_ERROR, "out of memory");
		err = owned_walk(sub, child, ptr, out, depth + 1);
		fg_buf_truncate(ptr, len);
		if (err)
			return err;
	}
	return 0;
}

int fg_owned_fields(const json_t *live, const char *manager,
		    json_t **pointers_out)
{
	const json_t *mf = json_object_get(json_object_get(live, "metadata"),
					   "managedFields");
	struct fg_buf ptr = FG_BUF_INIT;
	json_t *out, *entry;
	size_t i;
	int err = 0;

	*pointers_out = NULL;
	if (!manager)
		manager = FG_MANAGER;
	if (!(out = json_array()))
		return fg_error_set(FG_ERROR, "out of memory");
	json_array_foreach (mut(mf), i, entry) {
		const json_t *fields = entry_fields(entry);

		if (!is_apply_entry(entry, manager) || !json_is_object(fields))
			continue;
		fg_buf_clear(&ptr);
		/* the root itself is never a member worth naming */
		if ((err = owned_walk(fields, live, &ptr, out, 0)) < 0)
			break;
	}
	fg_buf_release(&ptr);
	if (err < 0) {
		json_decref(out);
		return err;
	}
	/* drop "" (the whole object) if a set ever names it */
	for (i = 0; i < json_array_size(out);)
		if (!*json_string_value(json_array_get(out, i)))
			json_array_remove(out, i);
		else
			i++;
	*pointers_out = out;
	return 0;
}

/* ---- the diff ---- */

/* Fields our Apply set owns that Git no longer sets: SSA removes them. */
static int removals(struct ctx *c, const json_t *live, json_t *nd, json_t *nl)
{
	json_t *owned = NULL;
	struct fg_buf np = FG_BUF_INIT;
	size_t i, n;
	int err;

	if ((err = fg_owned_fields(live, c->manager, &owned)) < 0)
		return err;
	n = json_array_size(owned);
	for (i = 0; i < n && !err; i++) {
		const char *p = json_string_value(json_array_get(owned, i));
		const char *next = i + 1 < n ? json_string_value(json_array_get(
						       owned, i + 1))
					     : NULL;
		json_t *lv;
		int covered;

		/* a map we own and keys inside it: report the keys */
		if (next && has_prefix_ptr(next, p))
			continue;
		if ((err = flat_pointer(&np, p)) < 0)
			break;
		if (ignored(c, np.ptr))
			continue;
		lv = lookup(nd, np.ptr, 0, &covered, &err);
		if (err < 0)
			break;
		if (!absent_in(c->strict, lv) || covered)
			continue; /* Git still sets it, or sets it whole */
		lv = lookup(nl, np.ptr, 1, &covered, &err);
		if (err < 0)
			break;
		if (absent_in(c->strict, lv))
			continue; /* nothing left to remove */
		if (owner_entry(live, p, c->manager, &err) || err < 0) {
			if (err < 0)
				break;
			continue; /* co-owned: SSA keeps it */
		}
		fg_buf_clear(&c->ptr);
		if (fg_buf_puts(&c->ptr, np.ptr) < 0)
			err = fg_error_set(FG_ERROR, "out of memory");
		else
			err = removal_leaves(c, lv, 0);
	}
	fg_buf_release(&np);
	json_decref(owned);
	return err;
}

int fg_diff(const json_t *desired, const json_t *live,
	    const struct fg_diff_opts *opts, struct fg_changes *out)
{
	struct ctx c = { 0 };
	json_t *nd = NULL, *nl = NULL;
	int err;

	if (!json_is_object(desired))
		return fg_error_set(FG_EINVALID,
				    "desired object is not a JSON object");
	if (live && !json_is_null(live) && !json_is_object(live))
		return fg_error_set(FG_EINVALID,
				    "live object is not a JSON object");
	if (live && json_is_null(live))
		live = NULL;
	c.manager = opts && opts->manager ? opts->manager : FG_MANAGER;
	c.hpa = opts && opts->hpa_owns_replicas;
	c.session_job = is_session_job(desired) || is_session_job(live);
	c.strict = !strncmp(fg_json_str(desired, "apiVersion")
				    ? fg_json_str(desired, "apiVersion")
				    : "",
			    "flink.apache.org/", 17);
	c.out = out;
	c.first = out->n;
	fg_buf_init(&c.ptr, FG_BUF_MAX_DEFAULT);

	if ((err = normalise(&nd, &c, desired)) < 0)
		goto done;
	if (live && (err = normalise(&nl, &c, live)) < 0)
		goto done;
	if ((err = walk(&c, nd, nl, 0)) < 0)
		goto done;
	if (live)
		err = removals(&c, live, nd, nl);
done:
	fg_buf_release(&c.ptr);
	json_decref(nd);
	json_decref(nl);
	return err;
}

/* ---- objects the operator made ---- */

int fg_diff_operator_created(const json_t *live, const char *manager)
{
	const json_t *md = json_object_get(live, "metadata");
	const json_t *refs = json_object_get(md, "ownerReferences");
	const json_t *mf = json_object_get(md, "managedFields");
	const char *kind = json_string_value(json_object_get(live, "kind"));
	json_t *e;
	size_t i;
	int made = 0;

	if (!manager)
		manager = FG_MANAGER;
	json_array_foreach (mut(mf), i, e) {
		const char *m =
			json_string_value(json_object_get(e, "manager"));
		if (m && !strcmp(m, manager))
			return 0;
	}
	json_array_foreach (mut(refs), i, e) {
		const char *api =
			json_string_value(json_object_get(e, "apiVersion"));
		if (json_is_true(json_object_get(e, "controller")) && api &&
		    !strncmp(api, "flink.apache.org/", 17))
			made = 1;
	}
	if (kind && !strcmp(kind, "FlinkStateSnapshot") &&
	    json_object_get(json_object_get(md, "labels"),
			    "snapshot.trigger-type"))
		made = 1;
	return made;
}

/* ---- drift report ---- */

int fg_drift_build(struct fg_drift *out, const struct fg_changes *changes,
		   const json_t *live)
{
	int err;

	for (size_t i = 0; i < changes->n; i++) {
		const struct fg_field_change *ch = &changes->v[i];
		struct fg_drift_item *it;

		if (out->n == out->cap) {
			size_t ncap = out->cap ? out->cap * 2 : 8;
			it = realloc(out->v, ncap * sizeof(*it));
			if (!it)
				return fg_error_set(FG_ERROR, "out of memory");
			out->v = it;
			out->cap = ncap;
		}
		it = &out->v[out->n];
		memset(it, 0, sizeof(*it));
		if (!(it->field = strdup(ch->field)) ||
		    !(it->pointer = strdup(ch->pointer))) {
			free(it->field);
			free(it->pointer);
			return fg_error_set(FG_ERROR, "out of memory");
		}
		it->desired = ch->desired ? json_incref(ch->desired) : NULL;
		it->live = ch->live ? json_incref(ch->live) : NULL;
		out->n++;
		/* no owner is "removed"; memory is an error */
		if (live &&
		    (err = fg_field_owner(live, ch->pointer, &it->manager,
					  &it->time)) < 0 &&
		    err != FG_ENOTFOUND)
			return err;
	}
	fg_error_clear();
	return 0;
}

void fg_drift_release(struct fg_drift *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].field);
		free(d->v[i].pointer);
		json_decref(d->v[i].desired);
		json_decref(d->v[i].live);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}
