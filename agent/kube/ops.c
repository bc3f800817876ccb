/*
 * Discovery and the verbs: GET, LIST (paged), server-side apply, DELETE,
 * WATCH (bookmarks, resume, relist on 410 Gone), and access reviews.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "render/base/json.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "agent/kube/client_int.h"
#include "render/base/banned.h"

#define FLINK_GROUP "flink.apache.org"

/* ---- paths ---- */

static int escape(struct fg_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int err = 0;

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			err = fg_buf_putc(out, (char)c);
		else
			err = fg_buf_printf(out, "%%%c%c", hex[c >> 4],
					    hex[c & 15]);
	}
	return err;
}

int fg_kube_path(struct fg_buf *out, const struct fg_kube_resource *r,
		 const char *ns, const char *name, const char *subresource)
{
	int err;

	if (!r->group || !*r->group)
		err = fg_buf_printf(out, "/api/%s", r->version);
	else
		err = fg_buf_printf(out, "/apis/%s/%s", r->group, r->version);
	if (!err && ns && *ns && r->namespaced) {
		err = fg_buf_puts(out, "/namespaces/");
		if (!err)
			err = escape(out, ns);
	}
	if (!err)
		err = fg_buf_printf(out, "/%s", r->resource);
	if (!err && name) {
		if (!*name)
			return fg_error_set(FG_EINVALID, "empty object name");
		err = fg_buf_putc(out, '/');
		if (!err)
			err = escape(out, name);
	}
	if (!err && subresource)
		err = fg_buf_printf(out, "/%s", subresource);
	return err;
}

int fg_kube_query(struct fg_buf *out, const char *key, const char *value)
{
	int err = fg_buf_printf(out, "%c%s=", strchr(out->ptr, '?') ? '&' : '?',
				key);

	return err ? err : escape(out, value);
}

/* ---- discovery ---- */

void fg_kube_forget_discovery(struct fg_kube *k)
{
	json_object_clear(k->groups);
	json_object_clear(k->resources);
}

static int load_groups(struct fg_kube *k)
{
	struct kube_req r = { 0 };
	json_t *doc = NULL, *g;
	size_t i;
	int err;

	r.method = "GET";
	r.path = "/apis";
	r.idempotent = 1;
	r.what = "discover the API groups";
	if ((err = kube_do(k, &r, &doc)) < 0)
		return err;
	json_object_clear(k->groups);
	json_object_set_new(k->groups, "", json_string("v1"));
	json_array_foreach (json_object_get(doc, "groups"), i, g) {
		const char *name =
			json_string_value(json_object_get(g, "name"));
		const char *pv = json_string_value(json_object_get(
			json_object_get(g, "preferredVersion"), "version"));

		if (name && pv)
			json_object_set_new(k->groups, name, json_string(pv));
	}
	json_decref(doc);
	return 0;
}

static int not_served(const struct fg_kube_kind *kind, const char *detail)
{
	if (!strcmp(kind->group, FLINK_GROUP))
		return fg_error_set(FG_ENOTFOUND,
				    "the Flink operator's CRDs are not "
				    "installed (no kind %s in %s)%s%s",
				    kind->kind, FLINK_GROUP, detail ? ": " : "",
				    detail ? detail : "");
	return fg_error_set(FG_ENOTFOUND,
			    "the server has no kind %s in API group '%s'%s%s",
			    kind->kind, kind->group, detail ? ": " : "",
			    detail ? detail : "");
}

/* The resources of group/version, from the cache or the server. */
static int load_resources(struct fg_kube *k, const char *group,
			  const char *version, int refresh, json_t **out)
{
	struct fg_buf key = FG_BUF_INIT, path = FG_BUF_INIT;
	struct kube_req r = { 0 };
	json_t *doc = NULL, *list;
	int err;

	*out = NULL;
	if ((err = fg_buf_printf(&key, "%s/%s", group, version)) < 0)
		goto done;
	if (!refresh && (*out = json_object_get(k->resources, key.ptr)))
		goto done;
	if (*group)
		err = fg_buf_printf(&path, "/apis/%s/%s", group, version);
	else
		err = fg_buf_printf(&path, "/api/%s", version);
	if (err < 0)
		goto done;
	r.method = "GET";
	r.path = path.ptr;
	r.idempotent = 1;
	r.what = "discover resources";
	if ((err = kube_do(k, &r, &doc)) < 0)
		goto done;
	list = json_object_get(doc, "resources");
	if (!json_is_array(list)) {
		err = fg_error_set(FG_ERROR,
				   "discovery of %s: no resources list",
				   path.ptr);
		goto done;
	}
	json_object_set(k->resources, key.ptr, list);
	*out = list;
done:
	json_decref(doc);
	fg_buf_release(&key);
	fg_buf_release(&path);
	return err;
}

int fg_kube_resolve(struct fg_kube *k, const struct fg_kube_kind *kind,
		    struct fg_kube_resource *out)
{
	const char *version = kind->version;
	json_t *list = NULL, *it, *pv;
	int refresh, err;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!kind->group || !kind->kind)
		return fg_error_set(FG_EINVALID, "no group or kind");
	for (refresh = 0; refresh < 2; refresh++) {
		if (!version) {
			if (refresh || !json_object_size(k->groups))
				if ((err = load_groups(k)) < 0)
					return err;
			pv = json_object_get(k->groups, kind->group);
			if (!pv)
				continue;
			version = json_string_value(pv);
		}
		err = load_resources(k, kind->group, version, refresh, &list);
		if (err == FG_ENOTFOUND) {
			char d[128];

			snprintf(d, sizeof(d), "version %s is not served",
				 version);
			return not_served(kind, d);
		}
		if (err < 0)
			return err;
		json_array_foreach (list, i, it) {
			const char *n =
				json_string_value(json_object_get(it, "name"));
			const char *kd =
				json_string_value(json_object_get(it, "kind"));

			if (!n || !kd || strchr(n, '/') ||
			    strcmp(kd, kind->kind))
				continue;
			/* keep the strings alive in the cache entry */
			json_object_set_new(it, "fg.group",
					    json_string(kind->group));
			json_object_set_new(it, "fg.version",
					    json_string(version));
			out->group = json_string_value(
				json_object_get(it, "fg.group"));
			out->version = json_string_value(
				json_object_get(it, "fg.version"));
			out->kind = kd;
			out->resource = n;
			out->namespaced =
				json_is_true(json_object_get(it, "namespaced"));
			return 0;
		}
		if (!kind->version)
			version = NULL;
	}
	return not_served(kind, NULL);
}

/* Split apiVersion "g/v" into `group` (a buffer) and version. */
int fg_kube_kind_of(const json_t *obj, struct fg_kube_kind *out, char *group,
		    size_t n)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kd = json_string_value(json_object_get(obj, "kind"));
	const char *slash;

	memset(out, 0, sizeof(*out));
	if (!av || !*av || !kd || !*kd)
		return fg_error_set(FG_EINVALID,
				    "the object has no apiVersion or kind");
	out->kind = kd;
	slash = strchr(av, '/');
	if (!slash) {
		group[0] = '\0';
		out->group = group;
		out->version = av;
		return 0;
	}
	if ((size_t)(slash - av) >= n || !slash[1])
		return fg_error_set(FG_EINVALID, "bad apiVersion '%s'", av);
	memcpy(group, av, (size_t)(slash - av));
	group[slash - av] = '\0';
	out->group = group;
	out->version = slash + 1;
	return 0;
}

/* ---- verbs ---- */

static int what_of(struct fg_buf *w, const char *verb,
		   const struct fg_kube_resource *r, const char *ns,
		   const char *name)
{
	if (name)
		return fg_buf_printf(w, "%s %s %s%s%s", verb, r->kind,
				     ns && r->namespaced ? ns : "",
				     ns && r->namespaced ? "/" : "", name);
	return fg_buf_printf(w, "%s %s%s%s", verb, r->resource,
			     ns && r->namespaced ? " in namespace " : "",
			     ns && r->namespaced ? ns : "");
}

static int get_sub(struct fg_kube *k, const struct fg_kube_kind *kind,
		   const char *ns, const char *name, const char *sub,
		   json_t **out)
{
	struct fg_buf path = FG_BUF_INIT, what = FG_BUF_INIT;
	struct fg_kube_resource res;
	struct kube_req r = { 0 };
	int err;

	*out = NULL;
	if ((err = fg_kube_resolve(k, kind, &res)) < 0 ||
	    (err = fg_kube_path(&path, &res, ns, name, sub)) < 0 ||
	    (err = what_of(&what, sub ? "get status of" : "get", &res, ns,
			   name)) < 0)
		goto done;
	r.method = "GET";
	r.path = path.ptr;
	r.idempotent = 1;
	r.what = what.ptr;
	err = kube_do(k, &r, out);
done:
	fg_buf_release(&path);
	fg_buf_release(&what);
	return err;
}

int fg_kube_get(struct fg_kube *k, const struct fg_kube_kind *kind,
		const char *ns, const char *name, json_t **out)
{
	return get_sub(k, kind, ns, name, NULL, out);
}

int fg_kube_get_status(struct fg_kube *k, const struct fg_kube_kind *kind,
		       const char *ns, const char *name, json_t **out)
{
	return get_sub(k, kind, ns, name, "status", out);
}

static int list_res(struct fg_kube *k, const struct fg_kube_resource *res,
		    const char *ns, const struct fg_kube_list_opts *opts,
		    json_t **out)
{
	struct fg_buf path = FG_BUF_INIT, what = FG_BUF_INIT;
	json_t *items = json_array(), *rv = NULL;
	char *cont = NULL, limit[24], api[256];
	unsigned pages = 0;
	int restarted = 0, err;

	*out = NULL;
	if (!items)
		return fg_error_set(FG_ERROR, "out of memory");
	snprintf(limit, sizeof(limit), "%u",
		 opts && opts->limit ? opts->limit : 500);
	if (*res->group)
		snprintf(api, sizeof(api), "%s/%s", res->group, res->version);
	else
		snprintf(api, sizeof(api), "%s", res->version);
	if ((err = what_of(&what, "list", res, ns, NULL)) < 0)
		goto done;
	for (;;) {
		struct kube_req r = { 0 };
		json_t *page = NULL, *it, *md;
		const char *next;
		size_t i;

		fg_buf_clear(&path);
		if ((err = fg_kube_path(&path, res, ns, NULL, NULL)) < 0 ||
		    (err = fg_kube_query(&path, "limit", limit)) < 0 ||
		    (opts && opts->label_selector &&
		     (err = fg_kube_query(&path, "labelSelector",
					  opts->label_selector)) < 0) ||
		    (opts && opts->field_selector &&
		     (err = fg_kube_query(&path, "fieldSelector",
					  opts->field_selector)) < 0) ||
		    (cont &&
		     (err = fg_kube_query(&path, "continue", cont)) < 0))
			goto done;
		r.method = "GET";
		r.path = path.ptr;
		r.idempotent = 1;
		r.what = what.ptr;
		err = kube_do(k, &r, &page);
		if (err == FG_ECONFLICT && cont && !restarted) {
			/* the continue token expired (410): start over once */
			restarted = 1;
			free(cont);
			cont = NULL;
			json_array_clear(items);
			json_decref(rv);
			rv = NULL;
			continue;
		}
		if (err < 0)
			goto done;
		k->stats.pages++;
		if (++pages > FG_KUBE_MAX_PAGES) {
			json_decref(page);
			err = fg_error_set(FG_EINVALID,
					   "%s: more than %d pages", what.ptr,
					   FG_KUBE_MAX_PAGES);
			goto done;
		}
		md = json_object_get(page, "metadata");
		if (!rv)
			rv = json_incref(
				json_object_get(md, "resourceVersion"));
		json_array_foreach (json_object_get(page, "items"), i, it) {
			json_object_set_new(it, "apiVersion", json_string(api));
			json_object_set_new(it, "kind", json_string(res->kind));
			json_array_append(items, it);
		}
		next = json_string_value(json_object_get(md, "continue"));
		free(cont);
		cont = next && *next ? strdup(next) : NULL;
		json_decref(page);
		if (!cont)
			break;
	}
	*out = json_pack("{s:s,s:s,s:{s:O?},s:O}", "apiVersion", "v1", "kind",
			 "List", "metadata", "resourceVersion", rv, "items",
			 items);
	if (!*out)
		err = fg_error_set(FG_ERROR, "out of memory");
done:
	free(cont);
	json_decref(rv);
	json_decref(items);
	fg_buf_release(&path);
	fg_buf_release(&what);
	return err;
}

int fg_kube_list(struct fg_kube *k, const struct fg_kube_kind *kind,
		 const char *ns, const struct fg_kube_list_opts *opts,
		 json_t **out)
{
	struct fg_kube_resource res;
	int err;

	*out = NULL;
	if ((err = fg_kube_resolve(k, kind, &res)) < 0)
		return err;
	return list_res(k, &res, ns, opts, out);
}

int fg_kube_apply(struct fg_kube *k, const json_t *obj,
		  const struct fg_kube_apply_opts *opts, json_t **out)
{
	struct fg_buf path = FG_BUF_INIT, what = FG_BUF_INIT;
	struct fg_kube_resource res;
	struct fg_kube_kind kind;
	struct kube_req r = { 0 };
	json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));
	char group[256], *body = NULL;
	int err;

	if (out)
		*out = NULL;
	if ((err = fg_kube_kind_of(obj, &kind, group, sizeof(group))) < 0)
		return err;
	if (!name || !*name)
		return fg_error_set(FG_EINVALID, "apply %s: no metadata.name",
				    kind.kind);
	if ((err = fg_kube_resolve(k, &kind, &res)) < 0)
		return err;
	if (res.namespaced && (!ns || !*ns))
		return fg_error_set(FG_EINVALID,
				    "apply %s %s: no metadata.namespace",
				    kind.kind, name);
	if ((err = fg_kube_path(&path, &res, ns, name, NULL)) < 0 ||
	    (err = fg_kube_query(&path, "fieldManager",
				 opts && opts->field_manager
					 ? opts->field_manager
					 : FG_KUBE_FIELD_MANAGER)) < 0 ||
	    (err = fg_kube_query(&path, "fieldValidation", "Strict")) < 0 ||
	    (opts && opts->force &&
	     (err = fg_kube_query(&path, "force", "true")) < 0) ||
	    (opts && opts->dry_run &&
	     (err = fg_kube_query(&path, "dryRun", "All")) < 0) ||
	    (err = what_of(&what,
			   opts && opts->dry_run ? "apply (dry run)" : "apply",
			   &res, ns, name)) < 0)
		goto done;
	/* JSON is YAML: the apply-patch+yaml body is the object as JSON */
	if (!(body = fg_json_dumps(obj, JSON_COMPACT))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	r.method = "PATCH";
	r.path = path.ptr;
	r.content_type = "application/apply-patch+yaml";
	r.body = body;
	r.body_len = strlen(body);
	r.idempotent = 1; /* applying the same intent twice is the same */
	r.what = what.ptr;
	err = kube_do(k, &r, out);
done:
	free(body);
	fg_buf_release(&path);
	fg_buf_release(&what);
	return err;
}

int fg_kube_delete(struct fg_kube *k, const struct fg_kube_kind *kind,
		   const char *ns, const char *name,
		   const struct fg_kube_delete_opts *opts, json_t **out)
{
	struct fg_buf path = FG_BUF_INIT, what = FG_BUF_INIT;
	struct fg_kube_resource res;
	struct kube_req r = { 0 };
	json_t *dopt = NULL, *pre = NULL;
	char *body = NULL;
	int err;

	if (out)
		*out = NULL;
	if ((err = fg_kube_resolve(k, kind, &res)) < 0)
		return err;
	if ((err = fg_kube_path(&path, &res, ns, name, NULL)) < 0 ||
	    (err = what_of(&what, "delete", &res, ns, name)) < 0)
		goto done;
	dopt = json_pack("{s:s,s:s}", "apiVersion", "v1", "kind",
			 "DeleteOptions");
	pre = json_object();
	if (!dopt || !pre) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (opts && opts->propagation)
		json_object_set_new(dopt, "propagationPolicy",
				    json_string(opts->propagation));
	if (opts && opts->uid)
		json_object_set_new(pre, "uid", json_string(opts->uid));
	if (opts && opts->resource_version)
		json_object_set_new(pre, "resourceVersion",
				    json_string(opts->resource_version));
	if (json_object_size(pre))
		json_object_set(dopt, "preconditions", pre);
	if (opts && opts->dry_run)
		json_object_set_new(dopt, "dryRun", json_pack("[s]", "All"));
	if (!(body = fg_json_dumps(dopt, JSON_COMPACT))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	r.method = "DELETE";
	r.path = path.ptr;
	r.content_type = "application/json";
	r.body = body;
	r.body_len = strlen(body);
	/* a retried DELETE must not hit a newer object of the same name */
	r.idempotent = json_object_size(pre) > 0;
	r.what = what.ptr;
	err = kube_do(k, &r, out);
done:
	free(body);
	json_decref(dopt);
	json_decref(pre);
	fg_buf_release(&path);
	fg_buf_release(&what);
	return err;
}

int fg_kube_can_i(struct fg_kube *k, const char *verb, const char *group,
		  const char *resource, const char *ns, const char *name,
		  int *allowed)
{
	struct kube_req r = { 0 };
	json_t *review, *res = NULL;
	char *body, what[256];
	int err;

	*allowed = 0;
	review = json_pack("{s:s,s:s,s:{s:{s:s,s:s,s:s,s:s?,s:s?}}}",
			   "apiVersion", "authorization.k8s.io/v1", "kind",
			   "SelfSubjectAccessReview", "spec",
			   "resourceAttributes", "verb", verb, "group",
			   group ? group : "", "resource", resource,
			   "namespace", ns, "name", name);
	if (!review || !(body = fg_json_dumps(review, JSON_COMPACT))) {
		json_decref(review);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	snprintf(what, sizeof(what), "review access to %s %s", verb, resource);
	r.method = "POST";
	r.path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
	r.content_type = "application/json";
	r.body = body;
	r.body_len = strlen(body);
	r.idempotent = 1; /* a review changes nothing */
	r.what = what;
	err = kube_do(k, &r, &res);
	if (err == 0)
		*allowed = json_is_true(json_object_get(
			json_object_get(res, "status"), "allowed"));
	json_decref(res);
	json_decref(review);
	free(body);
	return err;
}

/* ---- watch ---- */

struct watch_state {
	struct fg_kube *k;
	struct fg_kube_watch_opts *o;
	char *rv;
	int gone;   /* 410: the version is too old, relist */
	int events; /* events in this stream */
	const char *what;
};

static int set_rv(struct watch_state *w, const char *rv)
{
	char *n;

	if (!rv || !*rv)
		return 0;
	if (!(n = strdup(rv)))
		return fg_error_set(FG_ERROR, "out of memory");
	free(w->rv);
	w->rv = n;
	return 0;
}

static int watch_stop(void *ctx)
{
	struct watch_state *w = ctx;

	return w->o->stop(w->o->ctx);
}

static int on_watch_line(void *ctx, const char *line, size_t len)
{
	struct watch_state *w = ctx;
	json_t *ev, *obj;
	json_error_t jerr;
	const char *type;
	int rc = 0;

	if ((rc = fg_json_loadb(&ev, line, len, JSON_REJECT_DUPLICATES,
				&jerr)) < 0 &&
	    rc != FG_EINVALID)
		return rc; /* memory */
	if (!ev)
		return fg_error_set(FG_ERROR,
				    "%s: a watch event is not JSON: "
				    "%s",
				    w->what, jerr.text);
	type = json_string_value(json_object_get(ev, "type"));
	obj = json_object_get(ev, "object");
	if (!type || !json_is_object(obj)) {
		rc = fg_error_set(FG_ERROR,
				  "%s: a watch event without type "
				  "or object",
				  w->what);
	} else if (!strcmp(type, "ERROR")) {
		long code =
			(long)json_integer_value(json_object_get(obj, "code"));
		char *s;

		if (code == 410) {
			w->gone = 1;
			rc = 1;
		} else if ((s = fg_json_dumps(obj, JSON_COMPACT))) {
			rc = fg_kube_status_error(code, s, strlen(s), w->what);
			free(s);
		} else {
			rc = fg_error_set(FG_ERROR, "out of memory");
		}
	} else {
		rc = set_rv(w, json_string_value(json_object_get(
				       json_object_get(obj, "metadata"),
				       "resourceVersion")));
		w->events++;
		if (!rc && strcmp(type, "BOOKMARK") && w->o->on_event)
			rc = w->o->on_event(w->o->ctx, type, obj);
	}
	json_decref(ev);
	return rc;
}

int fg_kube_watch(struct fg_kube *k, const struct fg_kube_kind *kind,
		  const char *ns, struct fg_kube_watch_opts *o)
{
	struct fg_buf path = FG_BUF_INIT, what = FG_BUF_INIT;
	struct fg_kube_resource res;
	struct watch_state w;
	long long start = kube_now_ms(), failing_since = 0;
	long budget =
		o->reconnect_budget_ms > 0 ? o->reconnect_budget_ms : 60000;
	unsigned attempt = 0;
	int err;

	memset(&w, 0, sizeof(w));
	w.k = k;
	w.o = o;
	free(o->last_resource_version);
	o->last_resource_version = NULL;
	if ((err = fg_kube_resolve(k, kind, &res)) < 0 ||
	    (err = what_of(&what, "watch", &res, ns, NULL)) < 0 ||
	    (err = set_rv(&w, o->resource_version)) < 0)
		goto done;
	w.what = what.ptr;
	for (;;) {
		struct kube_req r = { 0 };
		long long now = kube_now_ms();
		unsigned tsec = o->timeout_seconds ? o->timeout_seconds : 300;
		char num[24];
		int retry = 0;

		if (o->stop && o->stop(o->ctx)) {
			err = 0;
			break;
		}
		if (o->duration_ms > 0) {
			long long left = start + o->duration_ms - now;

			if (left <= 0) {
				err = 0;
				break;
			}
			if ((long long)tsec * 1000 > left)
				tsec = (unsigned)((left + 999) / 1000);
		}
		if (!w.rv) {
			json_t *list = NULL;

			err = list_res(k, &res, ns,
				       &(struct fg_kube_list_opts){
					       o->label_selector,
					       o->field_selector, 0 },
				       &list);
			if (err == 0) {
				err = set_rv(
					&w, json_string_value(json_object_get(
						    json_object_get(list,
								    "metadata"),
						    "resourceVersion")));
				if (!err && o->on_list)
					err = o->on_list(o->ctx, list);
				json_decref(list);
				if (err > 0) {
					err = 0;
					break;
				}
				if (err < 0)
					break;
				failing_since = 0;
				attempt = 0;
			} else if (err == FG_ERROR || err == FG_ETIMEOUT) {
				retry = 1;
			} else {
				break;
			}
		}
		if (!retry) {
			fg_buf_clear(&path);
			snprintf(num, sizeof(num), "%u", tsec);
			if ((err = fg_kube_path(&path, &res, ns, NULL, NULL)) <
				    0 ||
			    (err = fg_kube_query(&path, "watch", "1")) < 0 ||
			    (err = fg_kube_query(&path, "allowWatchBookmarks",
						 "true")) < 0 ||
			    (err = fg_kube_query(&path, "resourceVersion",
						 w.rv)) < 0 ||
			    (err = fg_kube_query(&path, "timeoutSeconds",
						 num)) < 0 ||
			    (o->label_selector &&
			     (err = fg_kube_query(&path, "labelSelector",
						  o->label_selector)) < 0) ||
			    (o->field_selector &&
			     (err = fg_kube_query(&path, "fieldSelector",
						  o->field_selector)) < 0))
				break;
			r.method = "GET";
			r.path = path.ptr;
			r.idempotent = 1;
			r.no_retry = 1;
			r.what = what.ptr;
			r.timeout_ms = (long)tsec * 1000 + 30000;
			r.on_line = on_watch_line;
			r.ctx = &w;
			if (o->stop)
				r.stop = watch_stop;
			w.events = 0;
			w.gone = 0;
			err = kube_do(k, &r, NULL);
			if (w.events) {
				failing_since = 0;
				attempt = 0;
			}
			if (w.gone || err == FG_ECONFLICT) {
				/* 410 Gone: our version is too old */
				free(w.rv);
				w.rv = NULL;
				k->stats.relists++;
				fg_error_clear();
				continue;
			}
			if (err == KUBE_STREAM_STOPPED) {
				err = 0;
				break;
			}
			if (err == 0)
				continue; /* the server ended it: go on */
			if (err != FG_ERROR && err != FG_ETIMEOUT)
				break;
			retry = 1;
		}
		/* a lost stream or an unreachable server: resume */
		now = kube_now_ms();
		if (!failing_since)
			failing_since = now;
		if (now - failing_since > budget)
			break;
		k->stats.reconnects++;
		{
			long delay = fg_kube_backoff_ms(++attempt, -1,
							randombytes_random());

			/* in steps, so a stop is heard */
			while (delay > 0 && !(o->stop && o->stop(o->ctx))) {
				long step = delay > 200 ? 200 : delay;
				struct timespec ts = { 0, step * 1000000L };

				nanosleep(&ts, NULL);
				delay -= step;
			}
		}
	}
done:
	o->last_resource_version = w.rv;
	fg_buf_release(&path);
	fg_buf_release(&what);
	return err;
}
