#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/render.h"
#include "sync/apply.h"
#include "sync/inventory.h"
#include "sync/observe.h"
#include "render/base/banned.h"

const char *fg_apply_action_name(enum fg_apply_action a)
{
	switch (a) {
	case FG_ACT_NOOP:
		return "unchanged";
	case FG_ACT_CREATE:
		return "create";
	case FG_ACT_UPDATE:
		return "update";
	case FG_ACT_PRUNE:
		return "prune";
	case FG_ACT_INVENTORY:
		return "inventory";
	}
	return "unknown";
}

const char *fg_apply_outcome_name(enum fg_apply_outcome o)
{
	switch (o) {
	case FG_OUT_OK:
		return "ok";
	case FG_OUT_FAILED:
		return "failed";
	case FG_OUT_BLOCKED:
		return "blocked";
	case FG_OUT_SKIPPED:
		return "skipped";
	}
	return "unknown";
}

void fg_apply_report_release(struct fg_apply_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].group);
		free(r->v[i].kind);
		free(r->v[i].name);
		free(r->v[i].message);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int report_add(struct fg_apply_report *r, const char *group,
		      const char *kind, const char *name,
		      enum fg_apply_action action,
		      enum fg_apply_outcome outcome, const char *message)
{
	struct fg_apply_result *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct fg_apply_result *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return fg_error_set(FG_ERROR, "out of memory");
		r->v = v;
		r->cap = cap;
	}
	e = &r->v[r->n];
	e->group = strdup(group);
	e->kind = strdup(kind);
	e->name = strdup(name);
	e->message = message ? strdup(message) : NULL;
	if (!e->group || !e->kind || !e->name || (message && !e->message)) {
		free(e->group);
		free(e->kind);
		free(e->name);
		free(e->message);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	e->action = action;
	e->outcome = outcome;
	r->n++;
	r->failed += outcome == FG_OUT_FAILED;
	r->blocked += outcome == FG_OUT_BLOCKED;
	return 0;
}

/* ---- small accessors -------------------------------------------------- */

static const char *meta_str(const json_t *obj, const char *key)
{
	return json_string_value(
		json_object_get(json_object_get(obj, "metadata"), key));
}

static const char *label(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "metadata"), "labels"),
		key));
}

static const char *annotation(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "metadata"),
				"annotations"),
		key));
}

static int is_flink_workload(const char *group, const char *kind)
{
	return !strcmp(group, "flink.apache.org") &&
	       (!strcmp(kind, "FlinkDeployment") ||
		!strcmp(kind, "FlinkSessionJob"));
}

/* ---- the pass --------------------------------------------------------- */

struct pass {
	const struct fg_cluster_port *port;
	const struct fg_apply_opts *opts;
	struct fg_apply_report *rep;
	const char *ns;
	char id[FG_APPLYSET_ID_SIZE];
	struct fg_live live;
	struct fg_inventory next;
};

/* Order of desired objects: rank, then kind, then name (stable). */
struct desired_ref {
	const struct fg_object *o;
	int rank;
};

static int desired_cmp(const void *a, const void *b)
{
	const struct desired_ref *x = a, *y = b;
	int c;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if ((c = strcmp(x->o->kind, y->o->kind)))
		return c;
	return strcmp(x->o->name, y->o->name);
}

/* Apply one desired object; its member entry goes to p->next. */
static int apply_one(struct pass *p, const struct fg_object *o)
{
	struct fg_port_apply_opts ao = { 0, p->opts->dry_run };
	char group[256];
	const struct fg_inv_member *was;
	const char *live_hash, *live_part_of, *uid = NULL;
	enum fg_apply_action action;
	json_t *live, *obj = NULL, *stored = NULL;
	int err;

	fg_object_group(o->obj, group, sizeof(group));
	live = fg_live_find(&p->live, group, o->kind, o->name);
	was = fg_inventory_find(&p->live.inventory, group, o->kind, o->name);
	if (!strcmp(o->kind, "ConfigMap") && !*group &&
	    !strcmp(o->name, FG_INVENTORY_NAME))
		return report_add(p->rep, group, o->kind, o->name,
				  FG_ACT_CREATE, FG_OUT_FAILED,
				  "the name " FG_INVENTORY_NAME
				  " is reserved for flink-gitops' inventory");
	if (!live) {
		action = FG_ACT_CREATE;
	} else {
		live_hash = annotation(live, FG_ANNOTATION_HASH);
		live_part_of = label(live, FG_APPLYSET_LABEL_PART_OF);
		if (live_hash && !strcmp(live_hash, o->hash) && live_part_of &&
		    !strcmp(live_part_of, p->id)) {
			uid = meta_str(live, "uid");
			if ((err = fg_inventory_add(&p->next, group, o->kind,
						    o->name, uid)) < 0)
				return err;
			return report_add(p->rep, group, o->kind, o->name,
					  FG_ACT_NOOP, FG_OUT_OK, NULL);
		}
		action = FG_ACT_UPDATE;
	}
	if ((err = fg_inventory_member_object(&obj, o->obj, p->id)) < 0)
		return err;
	p->rep->writes++;
	err = p->port->apply(p->port->ctx, obj, &ao, &stored);
	json_decref(obj);
	if (err < 0) {
		/* keep what we knew: a failed update is still ours */
		if (was &&
		    (err = fg_inventory_add(&p->next, was->group, was->kind,
					    was->name, was->uid)) < 0)
			return err;
		return report_add(p->rep, group, o->kind, o->name, action,
				  FG_OUT_FAILED, fg_error_last());
	}
	uid = meta_str(stored, "uid");
	if (!p->opts->dry_run)
		err = fg_inventory_add(&p->next, group, o->kind, o->name, uid);
	else if (was)
		err = fg_inventory_add(&p->next, was->group, was->kind,
				       was->name, was->uid);
	json_decref(stored);
	if (err < 0)
		return err;
	return report_add(p->rep, group, o->kind, o->name, action, FG_OUT_OK,
			  p->opts->dry_run ? "dry run" : NULL);
}

static int keep(struct pass *p, const struct fg_inv_member *m)
{
	return fg_inventory_add(&p->next, m->group, m->kind, m->name, m->uid);
}

/* Prune one inventory member that is no longer desired. */
static int prune_one(struct pass *p, const struct fg_inv_member *m)
{
	struct fg_obj_ref ref = { m->group, m->kind, p->ns, m->name };
	json_t *live = fg_live_find(&p->live, m->group, m->kind, m->name);
	const char *uid, *part_of, *mb;
	int err;

	if (!live)
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED, "already gone");
	uid = meta_str(live, "uid");
	part_of = label(live, FG_APPLYSET_LABEL_PART_OF);
	mb = label(live, FG_LABEL_MANAGED_BY);
	if (*m->uid && (!uid || strcmp(uid, m->uid)))
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED,
				  "replaced by another object of the same "
				  "name (uid differs); left alone");
	if (!part_of || strcmp(part_of, p->id) || !mb || strcmp(mb, FG_MANAGER))
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED,
				  "no longer labelled as flink-gitops' "
				  "(" FG_APPLYSET_LABEL_PART_OF
				  ", " FG_LABEL_MANAGED_BY "); left alone");
	if (is_flink_workload(m->group, m->kind) && !p->opts->allow_delete) {
		if ((err = keep(p, m)) < 0)
			return err;
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_BLOCKED,
				  "deleting it deletes the job's checkpoint "
				  "history; pass --allow-delete to prune it");
	}
	p->rep->writes++;
	err = p->port->del(p->port->ctx, &ref, *m->uid ? m->uid : uid,
			   p->opts->dry_run);
	if (err == FG_ENOTFOUND)
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED, "already gone");
	if (err == FG_ECONFLICT)
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_SKIPPED,
				  "replaced by another object of the same "
				  "name (uid precondition failed); left alone");
	if (err < 0) {
		char msg[FG_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", fg_error_last());
		if ((err = keep(p, m)) < 0)
			return err;
		return report_add(p->rep, m->group, m->kind, m->name,
				  FG_ACT_PRUNE, FG_OUT_FAILED, msg);
	}
	if (p->opts->dry_run && (err = keep(p, m)) < 0)
		return err;
	return report_add(p->rep, m->group, m->kind, m->name, FG_ACT_PRUNE,
			  FG_OUT_OK, p->opts->dry_run ? "dry run" : NULL);
}

/* Order of prunes: reverse apply rank (rank from the live object). */
struct prune_ref {
	const struct fg_inv_member *m;
	int rank;
};

static int prune_cmp(const void *a, const void *b)
{
	const struct prune_ref *x = a, *y = b;
	int c;

	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	if ((c = strcmp(x->m->kind, y->m->kind)))
		return c;
	return strcmp(x->m->name, y->m->name);
}

static int member_rank(struct pass *p, const struct fg_inv_member *m)
{
	json_t *live = fg_live_find(&p->live, m->group, m->kind, m->name);

	if (live)
		return fg_apply_rank(live);
	if (!strcmp(m->group, "flink.apache.org"))
		return !strcmp(m->kind, "FlinkDeployment")   ? 2
		       : !strcmp(m->kind, "FlinkSessionJob") ? 3
							     : 4;
	return 0;
}

static int write_inventory(struct pass *p, json_t *inv_live)
{
	struct fg_port_apply_opts ao = { 1, p->opts->dry_run };
	json_t *want = NULL;
	int err;

	err = fg_inventory_to_configmap(&want, &p->next, p->ns,
					p->opts->tooling ? p->opts->tooling
							 : FG_MANAGER);
	if (err < 0)
		return err;
	if (fg_inventory_same(inv_live, want) ||
	    (!inv_live && p->next.n == 0)) {
		json_decref(want);
		return 0;
	}
	p->rep->writes++;
	/* ours alone: force takes it back from anyone who edited it */
	err = p->port->apply(p->port->ctx, want, &ao, NULL);
	json_decref(want);
	if (err < 0)
		return report_add(p->rep, "", "ConfigMap", FG_INVENTORY_NAME,
				  FG_ACT_INVENTORY, FG_OUT_FAILED,
				  fg_error_last());
	return report_add(p->rep, "", "ConfigMap", FG_INVENTORY_NAME,
			  FG_ACT_INVENTORY, FG_OUT_OK,
			  p->opts->dry_run ? "dry run" : NULL);
}

int fg_apply_ns(struct fg_apply_report *rep, const struct fg_cluster_port *port,
		const char *ns, const struct fg_object *objs, size_t n,
		const struct fg_apply_opts *opts)
{
	struct pass p;
	struct desired_ref *order = NULL;
	struct prune_ref *prunes = NULL;
	size_t i, nprune = 0;
	json_t *inv_live;
	char group[256];
	int err;

	memset(&p, 0, sizeof(p));
	p.port = port;
	p.opts = opts;
	p.rep = rep;
	p.ns = ns;
	if ((err = fg_inventory_id(p.id, ns)) < 0)
		goto done;

	/* observe: one LIST per kind, the inventory among them */
	if ((err = fg_observe_ns(&p.live, port, ns, objs, n)) < 0)
		goto done;
	inv_live = p.live.inventory_cm;

	/* apply, in order */
	if (n && !(order = calloc(n, sizeof(*order)))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		order[i].o = &objs[i];
		order[i].rank = fg_apply_rank(objs[i].obj);
	}
	if (n > 1)
		qsort(order, n, sizeof(*order), desired_cmp);
	for (i = 0; i < n; i++)
		if ((err = apply_one(&p, order[i].o)) < 0)
			goto done;

	/* prune, in reverse order */
	if (p.live.inventory.n &&
	    !(prunes = calloc(p.live.inventory.n, sizeof(*prunes)))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < p.live.inventory.n; i++) {
		const struct fg_inv_member *m = &p.live.inventory.v[i];
		size_t j;
		int desired = 0;

		for (j = 0; j < n && !desired; j++) {
			fg_object_group(objs[j].obj, group, sizeof(group));
			desired = !strcmp(group, m->group) &&
				  !strcmp(objs[j].kind, m->kind) &&
				  !strcmp(objs[j].name, m->name);
		}
		if (desired)
			continue;
		prunes[nprune].m = m;
		prunes[nprune].rank = member_rank(&p, m);
		nprune++;
	}
	if (nprune > 1)
		qsort(prunes, nprune, sizeof(*prunes), prune_cmp);
	for (i = 0; i < nprune; i++)
		if ((err = prune_one(&p, prunes[i].m)) < 0)
			goto done;

	/* record */
	if (!opts->dry_run)
		err = write_inventory(&p, inv_live);
done:
	free(order);
	free(prunes);
	fg_inventory_release(&p.next);
	fg_live_release(&p.live);
	return err;
}

int fg_apply_inventory_namespaces(const struct fg_cluster_port *port,
				  json_t **out)
{
	struct fg_obj_ref ref = { "", "ConfigMap", NULL, NULL };
	json_t *items = NULL, *it, *names, *seen;
	size_t i;
	int err;

	*out = NULL;
	err = port->list(port->ctx, &ref,
			 FG_LABEL_MANAGED_BY "=" FG_MANAGER
					     "," FG_APPLYSET_LABEL_ID,
			 &items);
	if (err < 0)
		return fg_error_wrap(err, "list inventories");
	names = json_array();
	seen = json_object();
	json_array_foreach (items, i, it) {
		const char *ns = meta_str(it, "namespace");
		const char *name = meta_str(it, "name");

		if (!ns || !name || strcmp(name, FG_INVENTORY_NAME) ||
		    json_object_get(seen, ns))
			continue;
		json_object_set_new(seen, ns, json_true());
		json_array_append_new(names, json_string(ns));
	}
	json_decref(seen);
	json_decref(items);
	*out = names;
	return 0;
}
