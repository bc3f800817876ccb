#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "render/base/json.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/render.h"
#include "sync/inventory.h"
#include "render/base/banned.h"

int fg_applyset_id(char out[FG_APPLYSET_ID_SIZE], const char *name,
		   const char *ns, const char *kind, const char *group)
{
	struct fg_buf gknn = FG_BUF_INIT;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(
		crypto_hash_sha256_BYTES,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	int err;

	out[0] = '\0';
	if ((err = fg_buf_printf(&gknn, "%s.%s.%s.%s", name, ns ? ns : "", kind,
				 group ? group : "")) < 0)
		goto done;
	crypto_hash_sha256(digest, (const unsigned char *)gknn.ptr, gknn.len);
	sodium_bin2base64(b64, sizeof(b64), digest, sizeof(digest),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((size_t)snprintf(out, FG_APPLYSET_ID_SIZE, "applyset-%s-v1", b64) >=
	    FG_APPLYSET_ID_SIZE)
		err = fg_error_set(FG_ERROR, "applyset id too long");
done:
	fg_buf_release(&gknn);
	return err;
}

int fg_inventory_name(char out[FG_INVENTORY_NAME_SIZE], const char *repository)
{
	int n;

	if (!repository || !strcmp(repository, "default"))
		n = snprintf(out, FG_INVENTORY_NAME_SIZE, "%s",
			     FG_INVENTORY_NAME);
	else
		n = snprintf(out, FG_INVENTORY_NAME_SIZE, "%s.%s",
			     FG_INVENTORY_NAME, repository);
	if (n < 0 || n >= FG_INVENTORY_NAME_SIZE)
		return fg_error_set(FG_EINVALID,
				    "repository name '%s' is too long",
				    repository);
	return 0;
}

int fg_inventory_id(char out[FG_APPLYSET_ID_SIZE], const char *ns,
		    const char *name)
{
	return fg_applyset_id(out, name, ns, "ConfigMap", "");
}

static void member_clear(struct fg_inv_member *m)
{
	free(m->group);
	free(m->kind);
	free(m->name);
	free(m->uid);
	memset(m, 0, sizeof(*m));
}

void fg_inventory_release(struct fg_inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->n; i++)
		member_clear(&inv->v[i]);
	free(inv->v);
	json_decref(inv->index);
	inv->v = NULL;
	inv->index = NULL;
	inv->n = inv->cap = 0;
}

/* The index key of a member: "group/kind/name" (names have no '/'). */
static int member_key(struct fg_buf *b, const char *group, const char *kind,
		      const char *name)
{
	fg_buf_clear(b);
	return fg_buf_printf(b, "%s/%s/%s", group, kind, name);
}

/* (Re)build the index: a lookup stays O(1) at 20,000 members. */
static int index_build(struct fg_inventory *inv)
{
	struct fg_buf key = FG_BUF_INIT;
	int err = 0;

	json_decref(inv->index);
	if (!(inv->index = json_object()))
		return fg_error_set(FG_ERROR, "out of memory");
	for (size_t i = 0; i < inv->n && !err; i++)
		if (member_key(&key, inv->v[i].group, inv->v[i].kind,
			       inv->v[i].name) < 0 ||
		    json_object_set_new(inv->index, key.ptr,
					json_integer((json_int_t)i)) < 0)
			err = fg_error_set(FG_ERROR, "out of memory");
	fg_buf_release(&key);
	return err;
}

const struct fg_inv_member *fg_inventory_find(const struct fg_inventory *inv,
					      const char *group,
					      const char *kind,
					      const char *name)
{
	struct fg_buf key = FG_BUF_INIT;
	const struct fg_inv_member *m = NULL;
	json_t *at;
	size_t i;

	/* without the index, or without memory for its key: a scan (a
	   member must never look absent: it would not be pruned) */
	if (!inv->index || member_key(&key, group, kind, name) < 0) {
		fg_buf_release(&key);
		for (i = 0; i < inv->n && !m; i++)
			if (!strcmp(inv->v[i].group, group) &&
			    !strcmp(inv->v[i].kind, kind) &&
			    !strcmp(inv->v[i].name, name))
				m = &inv->v[i];
		return m;
	}
	if ((at = json_object_get(inv->index, key.ptr)))
		m = &inv->v[json_integer_value(at)];
	fg_buf_release(&key);
	return m;
}

int fg_inventory_add(struct fg_inventory *inv, const char *group,
		     const char *kind, const char *name, const char *uid)
{
	struct fg_inv_member m, *slot;

	if (!uid)
		uid = "";
	if (inv->n >= FG_INVENTORY_MAX_MEMBERS)
		return fg_error_set(FG_EINVALID,
				    "inventory: more than %d members",
				    FG_INVENTORY_MAX_MEMBERS);
	m.group = strdup(group);
	m.kind = strdup(kind);
	m.name = strdup(name);
	m.uid = strdup(uid);
	if (!m.group || !m.kind || !m.name || !m.uid) {
		member_clear(&m);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	if (!inv->index && index_build(inv) < 0) {
		member_clear(&m);
		return FG_ERROR;
	}
	slot = (struct fg_inv_member *)(uintptr_t)fg_inventory_find(inv, group,
								    kind, name);
	if (slot) {
		member_clear(slot);
		*slot = m;
		return 0;
	}
	if (inv->n == inv->cap) {
		size_t cap = inv->cap ? inv->cap * 2 : 16;
		struct fg_inv_member *v = realloc(inv->v, cap * sizeof(*v));

		if (!v) {
			member_clear(&m);
			return fg_error_set(FG_ERROR, "out of memory");
		}
		inv->v = v;
		inv->cap = cap;
	}
	inv->v[inv->n] = m;
	{
		struct fg_buf key = FG_BUF_INIT;
		int err = 0;

		if (member_key(&key, group, kind, name) < 0 ||
		    json_object_set_new(inv->index, key.ptr,
					json_integer((json_int_t)inv->n)) < 0)
			err = fg_error_set(FG_ERROR, "out of memory");
		fg_buf_release(&key);
		if (err) {
			member_clear(&inv->v[inv->n]);
			return err;
		}
	}
	inv->n++;
	return 0;
}

static int member_cmp(const void *a, const void *b)
{
	const struct fg_inv_member *x = a, *y = b;
	int c;

	if ((c = strcmp(x->group, y->group)))
		return c;
	if ((c = strcmp(x->kind, y->kind)))
		return c;
	return strcmp(x->name, y->name);
}

void fg_inventory_sort(struct fg_inventory *inv)
{
	if (inv->n > 1)
		qsort(inv->v, inv->n, sizeof(*inv->v), member_cmp);
	if (inv->index) /* positions moved */
		index_build(inv);
}

static const char *field(const json_t *m, const char *key, int may_be_empty)
{
	const char *s = json_string_value(json_object_get(m, key));

	if (!s || strlen(s) > FG_INVENTORY_MAX_FIELD || (!may_be_empty && !*s))
		return NULL;
	return s;
}

int fg_inventory_parse(struct fg_inventory *inv, const json_t *cm)
{
	const char *text, *cm_name;
	json_t *list = NULL, *m;
	json_error_t jerr;
	size_t i;
	int err = 0;

	if (!cm)
		return 0;
	cm_name = json_string_value(
		json_object_get(json_object_get(cm, "metadata"), "name"));
	if (!cm_name)
		cm_name = FG_INVENTORY_NAME;
	text = json_string_value(
		json_object_get(json_object_get(cm, "data"), FG_INVENTORY_KEY));
	if (!text)
		return fg_error_set(FG_EINVALID,
				    "inventory %s: no data key '%s'", cm_name,
				    FG_INVENTORY_KEY);
	if (fg_json_loads(&list, text, JSON_REJECT_DUPLICATES, &jerr) ==
	    FG_ERROR) {
		err = FG_ERROR; /* memory */
		goto done;
	}
	if (!json_is_array(list)) {
		err = fg_error_set(FG_EINVALID,
				   "inventory %s: '%s' is not a JSON list: %s",
				   cm_name, FG_INVENTORY_KEY,
				   list ? "not an array" : jerr.text);
		goto done;
	}
	if (json_array_size(list) > FG_INVENTORY_MAX_MEMBERS) {
		err = fg_error_set(FG_EINVALID,
				   "inventory %s: more than %d members",
				   cm_name, FG_INVENTORY_MAX_MEMBERS);
		goto done;
	}
	json_array_foreach (list, i, m) {
		const char *g = field(m, "group", 1), *k = field(m, "kind", 0),
			   *n = field(m, "name", 0), *u = field(m, "uid", 1);

		if (!g || !k || !n || !u) {
			err = fg_error_set(FG_EINVALID,
					   "inventory %s: member %zu: needs "
					   "group, kind, name and uid strings",
					   cm_name, i);
			goto done;
		}
		if ((err = fg_inventory_add(inv, g, k, n, u)) < 0)
			goto done;
	}
done:
	json_decref(list);
	return err;
}

int fg_inventory_to_configmap(json_t **out, struct fg_inventory *inv,
			      const char *ns, const char *name,
			      const char *repository, const char *tooling)
{
	char id[FG_APPLYSET_ID_SIZE];
	struct fg_buf gks = FG_BUF_INIT;
	json_t *list = NULL, *cm = NULL;
	char *text = NULL;
	size_t i;
	int err;

	*out = NULL;
	if ((err = fg_inventory_id(id, ns, name)) < 0)
		return err;
	if (!repository)
		repository = "default";
	fg_inventory_sort(inv);
	list = json_array();
	for (i = 0; i < inv->n && list; i++) {
		const struct fg_inv_member *m = &inv->v[i];

		if (json_array_append_new(
			    list, json_pack("{s:s,s:s,s:s,s:s}", "group",
					    m->group, "kind", m->kind, "name",
					    m->name, "uid", m->uid)) < 0)
			break;
		/* "Kind" or "Kind.group", sorted and unique as inv is */
		if (i && !strcmp(m->group, inv->v[i - 1].group) &&
		    !strcmp(m->kind, inv->v[i - 1].kind))
			continue;
		/* a kind left out would hide its objects from a prune */
		if (fg_buf_printf(&gks, "%s%s%s%s", gks.len ? "," : "", m->kind,
				  *m->group ? "." : "", m->group) < 0)
			break;
	}
	if (!list || i < inv->n ||
	    !(text = fg_json_dumps(list, JSON_SORT_KEYS | JSON_COMPACT))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	cm = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s,s:s,s:s},s:{s:s,s:s}},"
		       "s:{s:s}}",
		       "apiVersion", "v1", "kind", "ConfigMap", "metadata",
		       "name", name, "namespace", ns, "labels",
		       FG_LABEL_MANAGED_BY, FG_MANAGER, FG_APPLYSET_LABEL_ID,
		       id, FG_INVENTORY_LABEL_REPOSITORY, repository,
		       "annotations", FG_APPLYSET_ANN_TOOLING, tooling,
		       FG_APPLYSET_ANN_GROUP_KINDS, gks.ptr, "data",
		       FG_INVENTORY_KEY, text);
	if (!cm)
		err = fg_error_set(FG_ERROR, "out of memory");
	*out = cm;
done:
	free(text);
	json_decref(list);
	fg_buf_release(&gks);
	return err;
}

static int same_string(const json_t *a, const json_t *b, const char *key)
{
	const char *x = json_string_value(json_object_get(a, key));
	const char *y = json_string_value(json_object_get(b, key));

	return x && y && !strcmp(x, y);
}

int fg_inventory_same(const json_t *live, const json_t *want)
{
	const json_t *lm = json_object_get(live, "metadata");
	const json_t *wm = json_object_get(want, "metadata");
	const char *key;
	json_t *v;

	if (!live)
		return 0;
	if (!same_string(json_object_get(live, "data"),
			 json_object_get(want, "data"), FG_INVENTORY_KEY))
		return 0;
	json_object_foreach ((json_t *)(uintptr_t)json_object_get(wm, "labels"),
			     key, v)
		if (!same_string(json_object_get(lm, "labels"),
				 json_object_get(wm, "labels"), key))
			return 0;
	json_object_foreach (
		(json_t *)(uintptr_t)json_object_get(wm, "annotations"), key, v)
		if (!same_string(json_object_get(lm, "annotations"),
				 json_object_get(wm, "annotations"), key))
			return 0;
	return 1;
}

int fg_inventory_member_object(json_t **out, const json_t *obj, const char *id)
{
	json_t *meta, *labels;

	if (!(*out = fg_json_deep_copy(obj)))
		return fg_error_set(FG_ERROR, "out of memory");
	meta = json_object_get(*out, "metadata");
	labels = json_object_get(meta, "labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		if (json_object_set_new(meta, "labels", labels) < 0)
			goto oom;
	}
	if (json_object_set_new(labels, FG_APPLYSET_LABEL_PART_OF,
				json_string(id)) < 0)
		goto oom;
	return 0;
oom:
	json_decref(*out);
	*out = NULL;
	return fg_error_set(FG_ERROR, "out of memory");
}
