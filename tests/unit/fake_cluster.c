/*
 * A FAKE API server for the pass's unit tests: see fake_cluster.h for
 * what it models and why it exists. The real kube-apiserver is tested by
 * tests/integration/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/observe.h"
#include "fake_cluster.h"
#include "render/base/banned.h"

/* ---- JSON pointers ---- */

static void ptr_push(struct fg_buf *b, const char *tok)
{
	fg_buf_putc(b, '/');
	for (; *tok; tok++)
		if (*tok == '~')
			fg_buf_puts(b, "~0");
		else if (*tok == '/')
			fg_buf_puts(b, "~1");
		else
			fg_buf_putc(b, *tok);
}

/* The next token of pointer *p into `tok`; 0 at the end. */
static int ptr_next(const char **p, struct fg_buf *tok)
{
	const char *s = *p;

	fg_buf_clear(tok);
	if (*s != '/')
		return 0;
	for (s++; *s && *s != '/'; s++)
		if (s[0] == '~' && s[1] == '1')
			fg_buf_putc(tok, '/'), s++;
		else if (s[0] == '~' && s[1] == '0')
			fg_buf_putc(tok, '~'), s++;
		else
			fg_buf_putc(tok, *s);
	*p = s;
	return 1;
}

static json_t *ptr_get(json_t *o, const char *p)
{
	struct fg_buf tok = FG_BUF_INIT;

	while (o && ptr_next(&p, &tok))
		o = json_is_object(o) ? json_object_get(o, tok.ptr)
		    : json_is_array(o)
			    ? json_array_get(o, strtoul(tok.ptr, NULL, 10))
			    : NULL;
	fg_buf_release(&tok);
	return o;
}

/* Set (v stolen) or, v NULL, remove the value at `p`, making maps on
 * the way; an emptied map is removed with its last member. */
static void ptr_put(json_t *o, const char *p, json_t *v)
{
	struct fg_buf tok = FG_BUF_INIT;
	const char *rest = p;

	while (ptr_next(&rest, &tok)) {
		json_t *next;

		if (!*rest) {
			if (v)
				json_object_set_new(o, tok.ptr, v);
			else
				json_object_del(o, tok.ptr);
			v = NULL;
			break;
		}
		next = json_object_get(o, tok.ptr);
		if (!json_is_object(next)) {
			if (!v)
				break;
			next = json_object();
			json_object_set_new(o, tok.ptr, next);
		}
		o = next;
	}
	json_decref(v);
	fg_buf_release(&tok);
}

/* Remove maps emptied by removals, at any depth below `o`. */
static void prune_empty(json_t *o)
{
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe (o, tmp, k, v) {
		if (!json_is_object(v))
			continue;
		prune_empty(v);
		if (!json_object_size(v))
			json_object_del(o, k);
	}
}

static int under(const char *p, const char *q) /* p is q or inside it */
{
	size_t n = strlen(q);

	return !strncmp(p, q, n) && (p[n] == '\0' || p[n] == '/');
}

static int overlap(const char *a, const char *b)
{
	return under(a, b) || under(b, a);
}

static int touches(const json_t *ptrs, const char *p)
{
	size_t i;
	json_t *q;

	json_array_foreach (fg_json_mut(ptrs), i, q)
		if (overlap(p, json_string_value(q)))
			return 1;
	return 0;
}

static int has(const json_t *ptrs, const char *p)
{
	size_t i;
	json_t *q;

	json_array_foreach (fg_json_mut(ptrs), i, q)
		if (!strcmp(json_string_value(q), p))
			return 1;
	return 0;
}

/* The leaves of `v` (scalars, lists, empty maps) as pointers. */
static void leaves(const json_t *v, struct fg_buf *prefix, json_t *out,
		   int root)
{
	static const char *const skip_meta[] = {
		"name",
		"namespace",
		"uid",
		"resourceVersion",
		"managedFields",
		"creationTimestamp",
		"deletionTimestamp",
		"generation",
	};
	size_t len = prefix->len;
	const char *k;
	json_t *x;

	json_object_foreach (fg_json_mut(v), k, x) {
		int skip = 0;

		if (root == 1 && (!strcmp(k, "apiVersion") ||
				  !strcmp(k, "kind") || !strcmp(k, "status")))
			continue;
		for (size_t i = 0; root == 2 && i < 8; i++)
			skip |= !strcmp(k, skip_meta[i]);
		if (skip)
			continue;
		ptr_push(prefix, k);
		if (json_is_object(x) && json_object_size(x))
			leaves(x, prefix, out,
			       root == 1 && !strcmp(k, "metadata") ? 2 : 0);
		else
			json_array_append_new(out, json_string(prefix->ptr));
		fg_buf_truncate(prefix, len);
	}
}

static json_t *leaves_of(const json_t *obj)
{
	struct fg_buf b = FG_BUF_INIT;
	json_t *out = json_array();

	leaves(obj, &b, out, 1);
	fg_buf_release(&b);
	return out;
}

/* fieldsV1 for a set of pointers. */
static json_t *fields_v1(const json_t *ptrs)
{
	struct fg_buf tok = FG_BUF_INIT, name = FG_BUF_INIT;
	json_t *root = json_object(), *q;
	size_t i;

	json_array_foreach (fg_json_mut(ptrs), i, q) {
		const char *p = json_string_value(q);
		json_t *at = root;

		while (ptr_next(&p, &tok)) {
			json_t *next;

			fg_buf_clear(&name);
			fg_buf_printf(&name, "f:%s", tok.ptr);
			if (!(next = json_object_get(at, name.ptr))) {
				next = json_object();
				json_object_set_new(at, name.ptr, next);
			}
			at = next;
		}
	}
	fg_buf_release(&tok);
	fg_buf_release(&name);
	return root;
}

/* ---- the store ---- */

static void key_of(struct fg_buf *b, const char *group, const char *kind,
		   const char *ns, const char *name)
{
	fg_buf_clear(b);
	fg_buf_printf(b, "%s/%s/%s/%s", group, kind, ns ? ns : "",
		      name ? name : "");
}

static void obj_key(struct fg_buf *b, const json_t *obj)
{
	char group[256];

	fg_object_group(obj, group, sizeof(group));
	key_of(b, group, fg_json_str(obj, "kind"),
	       fg_meta_str(obj, "namespace"), fg_meta_str(obj, "name"));
}

static void materialize(json_t *obj, const json_t *owners)
{
	json_t *mf = json_array(), *e;
	const char *m;

	json_object_foreach (fg_json_mut(owners), m, e) {
		const json_t *p = json_object_get(e, "p");

		if (!json_array_size(p))
			continue;
		json_array_append_new(
			mf,
			json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "manager",
				  m, "operation", fg_json_str(e, "op"),
				  "apiVersion", fg_json_str(obj, "apiVersion"),
				  "fieldsType", "FieldsV1", "fieldsV1",
				  fields_v1(p), "time",
				  "2026-12-06T10:00:00Z"));
	}
	json_object_set_new(json_object_get(obj, "metadata"), "managedFields",
			    mf);
}

/* The API server's defaults, for a Service only. */
static void defaults(json_t *obj)
{
	json_t *ports, *port;
	size_t i;

	if (!fg_str_is(fg_json_str(obj, "kind"), "Service"))
		return;
	ports = json_object_get(json_object_get(obj, "spec"), "ports");
	json_array_foreach (ports, i, port) {
		if (!json_object_get(port, "protocol"))
			json_object_set_new(port, "protocol",
					    json_string("TCP"));
		if (!json_object_get(port, "targetPort"))
			json_object_set(port, "targetPort",
					json_object_get(port, "port"));
	}
}

static void logf_(struct fake_cluster *f, const char *verb, const char *kind,
		  const char *ns, const char *name, const char *extra)
{
	fg_buf_printf(&f->log, "%s %s/%s%s%s%s;", verb, kind, ns ? ns : "",
		      name ? "/" : "", name ? name : "", extra);
}

static int fake_apply(void *ctx, const json_t *obj,
		      const struct fg_port_apply_opts *o, json_t **out)
{
	struct fake_cluster *f = ctx;
	const char *me = o->manager ? o->manager : "flink-gitops";
	struct fg_buf key = FG_BUF_INIT, why = FG_BUF_INIT, fk = FG_BUF_INIT;
	json_t *applied = json_deep_copy(obj), *ptrs, *existing, *own, *result,
	       *q, *e;
	const char *m;
	size_t i, nconf = 0;
	char uid[32];
	int err = 0;

	if (out)
		*out = NULL;
	json_object_del(applied, "status");
	obj_key(&key, applied);
	fg_buf_printf(&why, "%s%s%s%s%s", o->dry_run ? " dry-run" : "",
		      o->force ? " force" : "", o->manager ? " (as " : "",
		      o->manager ? o->manager : "", o->manager ? ")" : "");
	logf_(f, "apply", fg_json_str(obj, "kind"),
	      fg_meta_str(obj, "namespace"), fg_meta_str(obj, "name"), why.ptr);
	fg_buf_clear(&why);
	f->applies += !o->dry_run;
	f->dry_runs += o->dry_run;
	fg_buf_printf(&fk, "apply %s/%s", fg_json_str(obj, "kind"),
		      fg_meta_str(obj, "name"));
	if ((m = json_string_value(json_object_get(f->fail, fk.ptr)))) {
		err = fg_error_set(FG_EINVALID, "%s", m);
		goto done;
	}
	if (f->namespaces && fg_meta_str(obj, "namespace") &&
	    !json_object_get(f->namespaces, fg_meta_str(obj, "namespace"))) {
		err = fg_error_set(FG_ENOTFOUND, "namespaces \"%s\" not found",
				   fg_meta_str(obj, "namespace"));
		goto done;
	}
	if (fg_str_is(fg_json_str(obj, "kind"), "Namespace") && f->namespaces &&
	    !o->dry_run)
		json_object_set_new(f->namespaces, fg_meta_str(obj, "name"),
				    json_true());
	ptrs = leaves_of(applied);
	existing = json_object_get(f->objs, key.ptr);
	own = json_deep_copy(json_object_get(f->owners, key.ptr));
	if (!own)
		own = json_object();
	if (existing) {
		/* conflicts: another manager's field, another value */
		json_array_foreach (ptrs, i, q) {
			const char *p = json_string_value(q);

			if (json_equal(ptr_get(applied, p),
				       ptr_get(existing, p)))
				continue;
			json_object_foreach (own, m, e)
				if (strcmp(m, me) &&
				    touches(json_object_get(e, "p"), p)) {
					fg_buf_printf(&why,
						      "%sconflict with "
						      "\"%s\": %s",
						      nconf++ ? ", " : "", m,
						      p);
					break;
				}
		}
		if (nconf && !o->force) {
			err = fg_error_set(FG_ECONFLICT,
					   "apply %s: Apply failed with %zu "
					   "conflict(s): %s",
					   key.ptr, nconf, why.ptr);
			json_decref(ptrs);
			json_decref(own);
			goto done;
		}
		result = json_deep_copy(existing);
		/* what we no longer apply goes, unless someone else has it */
		json_array_foreach (
			json_object_get(json_object_get(own, me), "p"), i, q) {
			const char *p = json_string_value(q);
			int kept = has(ptrs, p);

			json_object_foreach (own, m, e)
				kept |= strcmp(m, me) &&
					touches(json_object_get(e, "p"), p);
			if (!kept)
				ptr_put(result, p, NULL);
		}
		/* others lose what we change */
		json_array_foreach (ptrs, i, q) {
			const char *p = json_string_value(q);

			if (json_equal(ptr_get(applied, p), ptr_get(result, p)))
				continue;
			json_object_foreach (own, m, e) {
				json_t *l = json_object_get(e, "p"), *keep, *x;
				size_t j;

				if (!strcmp(m, me))
					continue;
				keep = json_array();
				json_array_foreach (l, j, x)
					if (!overlap(json_string_value(x), p))
						json_array_append(keep, x);
				json_object_set_new(e, "p", keep);
			}
		}
		json_array_foreach (ptrs, i, q)
			ptr_put(result, json_string_value(q),
				json_deep_copy(ptr_get(applied,
						       json_string_value(q))));
		prune_empty(result);
	} else {
		result = json_deep_copy(applied);
		snprintf(uid, sizeof(uid), "uid-%d", ++f->uid_seq);
		json_object_set_new(json_object_get(result, "metadata"), "uid",
				    json_string(uid));
	}
	json_object_set_new(own, me,
			    json_pack("{s:s, s:o}", "op", "Apply", "p", ptrs));
	defaults(result);
	json_object_set_new(json_object_get(result, "metadata"),
			    "resourceVersion", json_sprintf("%d", ++f->rv));
	materialize(result, own);
	if (!o->dry_run) {
		json_object_set(f->objs, key.ptr, result);
		json_object_set(f->owners, key.ptr, own);
	}
	if (out)
		*out = json_incref(result);
	json_decref(result);
	json_decref(own);
done:
	json_decref(applied);
	fg_buf_release(&key);
	fg_buf_release(&why);
	fg_buf_release(&fk);
	return err;
}

static int matches(const json_t *obj, const char *selector)
{
	char clause[256];
	const char *s = selector;

	while (s && *s) {
		size_t n = strcspn(s, ",");
		const char *eq;

		snprintf(clause, sizeof(clause), "%.*s", (int)n, s);
		eq = strchr(clause, '=');
		if (eq) {
			clause[eq - clause] = '\0';
			if (!fg_str_is(fg_label(obj, clause), eq + 1))
				return 0;
		} else if (!fg_label(obj, clause)) {
			return 0;
		}
		s += n + (s[n] == ',');
	}
	return 1;
}

static int fake_list(void *ctx, const struct fg_obj_ref *ref,
		     const char *selector, json_t **out)
{
	struct fake_cluster *f = ctx;
	struct fg_buf k = FG_BUF_INIT;
	const char *key, *m;
	json_t *o;
	char group[256];

	*out = NULL;
	f->lists++;
	logf_(f, "list", ref->kind, ref->ns, ref->name, "");
	fg_buf_printf(&k, "list %s/%s", ref->kind, ref->ns ? ref->ns : "");
	m = json_string_value(json_object_get(f->fail, k.ptr));
	fg_buf_release(&k);
	if (m)
		return fg_error_set(FG_ERROR, "%s", m);
	if (!strcmp(ref->kind, "Namespace") && !*ref->group) {
		if (!f->namespaces)
			return fg_error_set(
				FG_EAUTH, "namespaces is forbidden: cannot "
					  "list resource \"namespaces\" at the "
					  "cluster scope");
		*out = json_array();
		json_object_foreach (f->namespaces, key, o)
			json_array_append_new(
				*out,
				json_pack("{s:s, s:s, s:{s:s}}", "apiVersion",
					  "v1", "kind", "Namespace", "metadata",
					  "name", key));
		return 0;
	}
	*out = json_array();
	json_object_foreach (f->objs, key, o) {
		fg_object_group(o, group, sizeof(group));
		if (strcmp(group, ref->group) ||
		    !fg_str_is(fg_json_str(o, "kind"), ref->kind) ||
		    (ref->ns &&
		     !fg_str_is(fg_meta_str(o, "namespace"), ref->ns)) ||
		    (ref->name &&
		     !fg_str_is(fg_meta_str(o, "name"), ref->name)) ||
		    !matches(o, selector))
			continue;
		json_array_append_new(*out, json_deep_copy(o));
	}
	return 0;
}

static int fake_get(void *ctx, const struct fg_obj_ref *ref, json_t **out)
{
	struct fake_cluster *f = ctx;
	json_t *o = fake_obj(f, ref->group, ref->kind, ref->ns, ref->name);

	f->gets++;
	logf_(f, "get", ref->kind, ref->ns, ref->name, "");
	if (!o)
		return fg_error_set(FG_ENOTFOUND, "%s %s not found", ref->kind,
				    ref->name);
	*out = json_deep_copy(o);
	return 0;
}

static int fake_del(void *ctx, const struct fg_obj_ref *ref, const char *uid,
		    int dry_run)
{
	struct fake_cluster *f = ctx;
	struct fg_buf key = FG_BUF_INIT;
	json_t *o;
	int err = 0;

	f->deletes += !dry_run;
	logf_(f, "delete", ref->kind, ref->ns, ref->name,
	      dry_run ? " dry-run" : "");
	key_of(&key, ref->group, ref->kind, ref->ns, ref->name);
	if (!(o = json_object_get(f->objs, key.ptr)))
		err = fg_error_set(FG_ENOTFOUND, "%s not found", key.ptr);
	else if (uid && !fg_str_is(fg_meta_str(o, "uid"), uid))
		err = fg_error_set(FG_ECONFLICT, "uid precondition failed");
	else if (dry_run)
		;
	else if (f->finalizer_sleeps && !strcmp(ref->kind, "FlinkSessionJob")) {
		json_object_set_new(json_object_get(o, "metadata"),
				    "deletionTimestamp",
				    json_string("2026-12-06T10:00:00Z"));
		json_object_set_new(f->dying, key.ptr,
				    json_integer(f->finalizer_sleeps));
	} else {
		json_object_del(f->objs, key.ptr);
		json_object_del(f->owners, key.ptr);
	}
	fg_buf_release(&key);
	return err;
}

static long long clock_now(void *ctx)
{
	return ((struct fake_cluster *)ctx)->now;
}

static long long clock_wall(void *ctx)
{
	return 1765000000 + ((struct fake_cluster *)ctx)->now / 1000;
}

static void clock_sleep(void *ctx, long ms)
{
	struct fake_cluster *f = ctx;
	const char *key;
	json_t *n;
	void *tmp;

	f->now += ms;
	json_object_foreach_safe (f->dying, tmp, key, n) {
		json_int_t left = json_integer_value(n) - 1;

		if (left > 0) {
			json_object_set_new(f->dying, key, json_integer(left));
			continue;
		}
		json_object_del(f->objs, key);
		json_object_del(f->owners, key);
		json_object_del(f->dying, key);
	}
	if (f->on_sleep)
		f->on_sleep(f, f->on_sleep_arg);
}

void fake_init(struct fake_cluster *f)
{
	memset(f, 0, sizeof(*f));
	f->objs = json_object();
	f->owners = json_object();
	f->dying = json_object();
	f->fail = json_object();
	f->now = 1000000;
	fg_buf_init(&f->log, 0);
	f->port.ctx = f;
	f->port.list = fake_list;
	f->port.apply = fake_apply;
	f->port.del = fake_del;
	f->port.get = fake_get;
	f->clock.ctx = f;
	f->clock.now_ms = clock_now;
	f->clock.sleep_ms = clock_sleep;
	f->clock.wall_s = clock_wall;
	f->ports.cluster = &f->port;
	f->ports.clock = &f->clock;
	f->ports.parallel = NULL;
}

void fake_release(struct fake_cluster *f)
{
	json_decref(f->objs);
	json_decref(f->owners);
	json_decref(f->dying);
	json_decref(f->fail);
	json_decref(f->namespaces);
	fg_buf_release(&f->log);
	memset(f, 0, sizeof(*f));
}

void fake_reset_counts(struct fake_cluster *f)
{
	fg_buf_clear(&f->log);
	f->lists = f->gets = f->applies = f->dry_runs = f->deletes = 0;
}

json_t *fake_obj(struct fake_cluster *f, const char *group, const char *kind,
		 const char *ns, const char *name)
{
	struct fg_buf key = FG_BUF_INIT;
	json_t *o;

	key_of(&key, group, kind, ns, name);
	o = json_object_get(f->objs, key.ptr);
	fg_buf_release(&key);
	return o;
}

void fake_put(struct fake_cluster *f, json_t *obj, const char *manager)
{
	struct fg_buf key = FG_BUF_INIT;
	char uid[32];

	obj_key(&key, obj);
	snprintf(uid, sizeof(uid), "uid-%d", ++f->uid_seq);
	json_object_set_new(json_object_get(obj, "metadata"), "uid",
			    json_string(uid));
	json_object_set_new(f->owners, key.ptr,
			    json_pack("{s:{s:s, s:o}}", manager, "op", "Update",
				      "p", leaves_of(obj)));
	materialize(obj, json_object_get(f->owners, key.ptr));
	json_object_set_new(f->objs, key.ptr, obj);
	fg_buf_release(&key);
}

void fake_edit(struct fake_cluster *f, const char *group, const char *kind,
	       const char *ns, const char *name, const char *pointer,
	       json_t *value, const char *manager)
{
	struct fg_buf key = FG_BUF_INIT;
	json_t *o, *own, *e, *mine;
	const char *m;

	key_of(&key, group, kind, ns, name);
	o = json_object_get(f->objs, key.ptr);
	own = json_object_get(f->owners, key.ptr);
	if (!o || !own) {
		json_decref(value);
		fg_buf_release(&key);
		return;
	}
	ptr_put(o, pointer, value);
	prune_empty(o);
	json_object_foreach (own, m, e) {
		json_t *l = json_object_get(e, "p"), *keep = json_array(), *q;
		size_t j;

		json_array_foreach (l, j, q)
			if (!overlap(json_string_value(q), pointer))
				json_array_append(keep, q);
		json_object_set_new(e, "p", keep);
	}
	if (value) {
		if (!(mine = json_object_get(own, manager))) {
			mine = json_pack("{s:s, s:[]}", "op", "Update", "p");
			json_object_set_new(own, manager, mine);
		}
		json_array_append_new(json_object_get(mine, "p"),
				      json_string(pointer));
	}
	materialize(o, own);
	fg_buf_release(&key);
}

void fake_status(struct fake_cluster *f, const char *group, const char *kind,
		 const char *ns, const char *name, json_t *status)
{
	json_t *o = fake_obj(f, group, kind, ns, name);

	if (o)
		json_object_set_new(o, "status", status);
	else
		json_decref(status);
}

/* The operator's status after it reconciled the live spec, as it writes
 * it through the status subresource. */
void fake_reconciled(struct fake_cluster *f, const char *ns, const char *kind,
		     const char *name, const char *lc, const char *job_state,
		     const char *savepoint)
{
	json_t *o = fake_obj(f, "flink.apache.org", kind, ns, name);
	json_t *last, *st;
	char *text;

	if (!o)
		return;
	last = json_pack("{s:O, s:{s:s, s:b}}", "spec",
			 json_object_get(o, "spec"), "resource_metadata",
			 "apiVersion", "flink.apache.org/v1beta1",
			 "firstDeployment", 0);
	text = json_dumps(last, JSON_COMPACT);
	st = json_pack("{s:I, s:s, s:{s:s}, s:{s:s, s:s}}",
		       "observedGeneration",
		       (json_int_t)json_integer_value(
			       fg_json_path(o, "metadata", "generation", NULL)),
		       "lifecycleState", lc, "jobStatus", "state", job_state,
		       "reconciliationStatus", "state", "DEPLOYED",
		       "lastReconciledSpec", text);
	if (savepoint)
		json_object_set_new(json_object_get(st, "jobStatus"),
				    "upgradeSavepointPath",
				    json_string(savepoint));
	fake_status(f, "flink.apache.org", kind, ns, name, st);
	free(text);
	json_decref(last);
}

void fake_fail_list(struct fake_cluster *f, const char *kind, const char *ns,
		    const char *message)
{
	char k[256];

	snprintf(k, sizeof(k), "list %s/%s", kind, ns);
	json_object_set_new(f->fail, k, json_string(message));
}

void fake_fail_apply(struct fake_cluster *f, const char *kind, const char *name,
		     const char *message)
{
	char k[256];

	snprintf(k, sizeof(k), "apply %s/%s", kind, name);
	json_object_set_new(f->fail, k, json_string(message));
}

void fake_namespaces(struct fake_cluster *f, const char *const *names)
{
	json_decref(f->namespaces);
	f->namespaces = json_object();
	for (; *names; names++)
		json_object_set_new(f->namespaces, *names, json_true());
}

int fake_count(const struct fake_cluster *f, const char *what)
{
	const char *s = f->log.ptr;
	size_t n = strlen(what);
	int c = 0;

	while ((s = strstr(s, what))) {
		if (s[n] == ';' || s[n] == ' ')
			c++;
		s += n;
	}
	return c;
}
