/*
 * The watch-fed cache (agent/watch_cache.h). One thread and one client
 * per query; the items of every query under one lock. Objects are never
 * changed in place: an event or an apply replaces the reference, so a
 * LIST hands out references that stay valid while the pass holds them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/watch_cache.h"
#include "render/base/error.h"
#include "render/base/grow.h"
#include "render/base/json.h"
#include "render/base/banned.h"

struct watch {
	struct fg_watch_cache *c;
	char *group, *kind, *ns, *selector; /* ns, selector may be NULL */
	char *name;	 /* NULL, or only this object (metadata.name) */
	char field[300]; /* its field selector, "" for none */
	char *key;
	struct fg_kube *k;
	pthread_t th;
	int started;
	/* under c->mu */
	json_t *items; /* "ns/name" -> object */
	int synced, lists;
};

struct fg_watch_cache {
	pthread_mutex_t mu;
	struct fg_kube *tmpl;
	const struct fg_cluster_port *api;
	struct fg_watch_cache_hooks hooks;
	struct watch **v;
	size_t n, cap;
	atomic_int stopping;
	unsigned long hits, misses, restarts, events;
};

static int stopping(void *ctx)
{
	struct watch *w = ctx;

	return atomic_load(&w->c->stopping);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int item_key(char *out, size_t n, const json_t *obj)
{
	const char *ns = fg_meta_str(obj, "namespace");
	const char *name = fg_meta_str(obj, "name");

	if (!name)
		return -1;
	snprintf(out, n, "%s/%s", ns ? ns : "", name);
	return 0;
}

/* resourceVersion as a number, -1 when it is none (opaque by contract,
 * etcd's revision in practice). */
static long long rv_of(const json_t *obj)
{
	const char *rv = fg_meta_str(obj, "resourceVersion");
	char *end;
	long long n;

	if (!rv || !*rv)
		return -1;
	n = strtoll(rv, &end, 10);
	return *end ? -1 : n;
}

/* Put `obj` into w->items unless the cached one is newer (lock held). */
static void put(struct watch *w, json_t *obj)
{
	char key[600];
	json_t *old;
	long long a, b;

	if (item_key(key, sizeof(key), obj) < 0)
		return;
	old = json_object_get(w->items, key);
	a = rv_of(old);
	b = rv_of(obj);
	if (old && a >= 0 && b >= 0 && a > b)
		return;
	json_object_set(w->items, key, obj);
}

static int on_list(void *ctx, json_t *list)
{
	struct watch *w = ctx;
	struct fg_watch_cache *c = w->c;
	json_t *items = json_object(), *it;
	int again;
	size_t i;

	if (!items)
		return fg_error_set(FG_ERROR, "out of memory");
	json_array_foreach (json_object_get(list, "items"), i, it) {
		char key[600];

		if (item_key(key, sizeof(key), it) == 0)
			json_object_set(items, key, it);
	}
	pthread_mutex_lock(&c->mu);
	json_decref(w->items);
	w->items = items;
	w->synced = 1;
	again = w->lists++ > 0;
	if (again)
		c->restarts++;
	pthread_mutex_unlock(&c->mu);
	if (again && c->hooks.on_restart)
		c->hooks.on_restart(c->hooks.arg);
	if (again && c->hooks.on_event)
		c->hooks.on_event(c->hooks.arg, "RELIST", NULL);
	return atomic_load(&c->stopping) ? 1 : 0;
}

static int on_event(void *ctx, const char *type, json_t *obj)
{
	struct watch *w = ctx;
	struct fg_watch_cache *c = w->c;
	char key[600];

	pthread_mutex_lock(&c->mu);
	c->events++;
	if (!strcmp(type, "DELETED")) {
		if (item_key(key, sizeof(key), obj) == 0)
			json_object_del(w->items, key);
	} else if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
		put(w, obj);
	}
	pthread_mutex_unlock(&c->mu);
	if (c->hooks.on_event)
		c->hooks.on_event(c->hooks.arg, type, obj);
	return atomic_load(&c->stopping) ? 1 : 0;
}

static void pause_ms(struct fg_watch_cache *c, long ms)
{
	while (ms > 0 && !atomic_load(&c->stopping)) {
		long step = ms > 200 ? 200 : ms;
		struct timespec ts = { 0, step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static void *run(void *arg)
{
	struct watch *w = arg;
	struct fg_watch_cache *c = w->c;
	struct fg_kube_kind kind = { w->group, NULL, w->kind };
	long delay = 1000;

	while (!atomic_load(&c->stopping)) {
		struct fg_kube_watch_opts o;
		int err;

		memset(&o, 0, sizeof(o));
		o.label_selector = w->selector;
		o.field_selector = *w->field ? w->field : NULL;
		o.on_list = on_list;
		o.on_event = on_event;
		o.ctx = w;
		o.stop = stopping;
		o.timeout_seconds = 300;
		err = fg_kube_watch(w->k, &kind, w->ns, &o);
		free(o.last_resource_version);
		if (atomic_load(&c->stopping))
			break;
		/* ended: by error, or a server gone for the whole budget;
		   until it lists again, LISTs go to the API server */
		pthread_mutex_lock(&c->mu);
		w->synced = 0;
		pthread_mutex_unlock(&c->mu);
		if (err == FG_ENOTFOUND)
			fg_kube_forget_discovery(w->k);
		fg_error_clear();
		pause_ms(c, delay);
		delay = delay * 2 > 30000 ? 30000 : delay * 2;
	}
	return NULL;
}

static void watch_free(struct watch *w)
{
	if (!w)
		return;
	fg_kube_free(w->k);
	json_decref(w->items);
	free(w->group);
	free(w->kind);
	free(w->ns);
	free(w->selector);
	free(w->name);
	free(w->key);
	free(w);
}

/* Start watching `ref`/`selector` (lock held). */
static int start(struct fg_watch_cache *c, const struct fg_obj_ref *ref,
		 const char *selector, const char *key)
{
	pthread_attr_t attr;
	struct watch *w;
	int err;

	if (c->n >= FG_WATCH_MAX)
		return fg_error_set(FG_EINVALID, "more than %d watches",
				    FG_WATCH_MAX);
	if (FG_GROW(c->v, c->n + 1, c->cap) < 0 || !(w = calloc(1, sizeof(*w))))
		return fg_error_set(FG_ERROR, "out of memory");
	w->c = c;
	w->group = strdup(ref->group);
	w->kind = strdup(ref->kind);
	w->ns = dup_or_null(ref->ns);
	w->selector = dup_or_null(selector);
	w->name = dup_or_null(ref->name);
	if (ref->name)
		snprintf(w->field, sizeof(w->field), "metadata.name=%s",
			 ref->name);
	w->key = strdup(key);
	w->items = json_object();
	if (!w->group || !w->kind || (ref->ns && !w->ns) ||
	    (selector && !w->selector) || (ref->name && !w->name) || !w->key ||
	    !w->items) {
		watch_free(w);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	if ((err = fg_kube_clone(&w->k, c->tmpl)) < 0) {
		watch_free(w);
		return err;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, FG_WATCH_STACK);
	if (pthread_create(&w->th, &attr, run, w)) {
		pthread_attr_destroy(&attr);
		watch_free(w);
		return fg_error_set(FG_ERROR, "cannot start a watch thread");
	}
	pthread_attr_destroy(&attr);
	w->started = 1;
	c->v[c->n++] = w;
	return 0;
}

static int cache_list(void *ctx, const struct fg_obj_ref *ref,
		      const char *selector, json_t **out)
{
	struct fg_watch_cache *c = ctx;
	char key[1200];
	struct watch *w = NULL;
	json_t *arr = NULL, *it;
	const char *k;
	size_t i;

	*out = NULL;
	snprintf(key, sizeof(key), "%s/%s/%s/%s/%s", ref->group, ref->kind,
		 ref->ns ? ref->ns : "*", selector ? selector : "",
		 ref->name ? ref->name : "");
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i]->key, key))
			w = c->v[i];
	if (w && w->synced && (arr = json_array())) {
		json_object_foreach (w->items, k, it)
			json_array_append(arr, it);
		c->hits++;
	} else {
		c->misses++;
		if (!w && start(c, ref, selector, key) < 0)
			fg_error_clear(); /* the LIST still answers */
	}
	pthread_mutex_unlock(&c->mu);
	if (arr) {
		*out = arr;
		return 0;
	}
	return c->api->list(c->api->ctx, ref, selector, out);
}

int fg_label_selector_matches(const char *selector, const json_t *labels)
{
	char term[512];
	const char *p = selector;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *eq, *key = term;
		const char *v;
		int neg = 0;

		if (n >= sizeof(term))
			return 0;
		memcpy(term, p, n);
		term[n] = '\0';
		p = comma ? comma + 1 : NULL;
		if ((eq = strstr(term, "!="))) {
			*eq = '\0';
			v = fg_json_str(labels, key);
			if (v && !strcmp(v, eq + 2))
				return 0;
			continue;
		}
		if ((eq = strchr(term, '='))) {
			*eq = '\0';
			v = fg_json_str(labels, key);
			if (!v || strcmp(v, eq[1] == '=' ? eq + 2 : eq + 1))
				return 0;
			continue;
		}
		if (key[0] == '!') {
			neg = 1;
			key++;
		}
		if ((fg_json_get(labels, key) != NULL) == neg)
			return 0;
	}
	return 1;
}

/* An apply stored `obj`: every watch of its kind and namespace takes it. */
static void stored(struct fg_watch_cache *c, const json_t *obj)
{
	char group[256];
	const char *av = fg_json_str(obj, "apiVersion");
	const char *kind = fg_json_str(obj, "kind");
	const char *ns = fg_meta_str(obj, "namespace");
	const char *name = fg_meta_str(obj, "name");
	const json_t *labels = fg_json_path(obj, "metadata", "labels", NULL);
	const char *slash = av ? strchr(av, '/') : NULL;

	if (!av || !kind)
		return;
	snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0,
		 av);
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n; i++) {
		struct watch *w = c->v[i];

		if (!w->synced || strcmp(w->group, group) ||
		    strcmp(w->kind, kind) ||
		    (w->ns && (!ns || strcmp(w->ns, ns))) ||
		    (w->name && (!name || strcmp(w->name, name))))
			continue;
		if (w->selector &&
		    !fg_label_selector_matches(w->selector, labels))
			continue;
		put(w, fg_json_mut(obj));
	}
	pthread_mutex_unlock(&c->mu);
}

static int cache_apply(void *ctx, const json_t *obj,
		       const struct fg_port_apply_opts *opts, json_t **out)
{
	struct fg_watch_cache *c = ctx;
	json_t *st = NULL;
	int err;

	err = c->api->apply(c->api->ctx, obj, opts, &st);
	if (err == 0 && st && !opts->dry_run)
		stored(c, st);
	if (out)
		*out = st;
	else
		json_decref(st);
	return err;
}

static int cache_del(void *ctx, const struct fg_obj_ref *ref, const char *uid,
		     int dry_run)
{
	struct fg_watch_cache *c = ctx;

	return c->api->del(c->api->ctx, ref, uid, dry_run);
}

static int cache_get(void *ctx, const struct fg_obj_ref *ref, json_t **out)
{
	struct fg_watch_cache *c = ctx;

	return c->api->get(c->api->ctx, ref, out);
}

int fg_watch_cache_new(struct fg_watch_cache **out, struct fg_kube *tmpl,
		       const struct fg_cluster_port *api,
		       const struct fg_watch_cache_hooks *hooks)
{
	struct fg_watch_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c) {
		fg_kube_free(tmpl);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	pthread_mutex_init(&c->mu, NULL);
	c->tmpl = tmpl;
	c->api = api;
	if (hooks)
		c->hooks = *hooks;
	atomic_init(&c->stopping, 0);
	*out = c;
	return 0;
}

void fg_watch_cache_free(struct fg_watch_cache *c)
{
	if (!c)
		return;
	atomic_store(&c->stopping, 1);
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i]->started)
			pthread_join(c->v[i]->th, NULL);
	for (size_t i = 0; i < c->n; i++)
		watch_free(c->v[i]);
	free(c->v);
	fg_kube_free(c->tmpl);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void fg_watch_cache_port(struct fg_watch_cache *c, struct fg_cluster_port *out)
{
	memset(out, 0, sizeof(*out));
	out->ctx = c;
	out->list = cache_list;
	out->apply = cache_apply;
	out->del = cache_del;
	out->get = cache_get;
}

void fg_watch_cache_stats(struct fg_watch_cache *c,
			  struct fg_watch_cache_stats *out)
{
	pthread_mutex_lock(&c->mu);
	memset(out, 0, sizeof(*out));
	out->watches = c->n;
	for (size_t i = 0; i < c->n; i++)
		out->synced += c->v[i]->synced;
	out->hits = c->hits;
	out->misses = c->misses;
	out->restarts = c->restarts;
	out->events = c->events;
	pthread_mutex_unlock(&c->mu);
}
