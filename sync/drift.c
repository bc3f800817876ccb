#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "sync/drift.h"
#include "sync/inventory.h"
#include "sync/observe.h"
#include "render/base/banned.h"

const char *fg_drift_state_name(enum fg_drift_state s)
{
	switch (s) {
	case FG_DRIFT_IN_SYNC:
		return "in sync";
	case FG_DRIFT_CHANGED:
		return "drifted";
	case FG_DRIFT_MISSING:
		return "missing";
	case FG_DRIFT_UNEXPECTED:
		return "unexpected";
	case FG_DRIFT_ROLLED_BACK:
		return "rolled back";
	}
	return "unknown";
}

/*
 * Fields whose value the operator compares with the one it last acted on:
 * writing Git's value back after someone changed it fires the nonce again
 * (a restart, a savepoint), so self-heal never touches them.
 */
static const char *const nonces[] = {
	"/spec/restartNonce",
	"/spec/job/savepointTriggerNonce",
	"/spec/job/checkpointTriggerNonce",
	"/spec/job/savepointRedeployNonce",
	"/spec/job/autoscalerResetNonce",
};

static int is_nonce(const char *pointer)
{
	size_t i;

	for (i = 0; i < sizeof(nonces) / sizeof(nonces[0]); i++)
		if (!strcmp(pointer, nonces[i]))
			return 1;
	return 0;
}

static struct fg_drift_obj *add_obj(struct fg_drift_report *r,
				    const char *group, const char *kind,
				    const char *name, json_t *live)
{
	struct fg_drift_obj *o;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		o = realloc(r->v, ncap * sizeof(*o));
		if (!o)
			return NULL;
		r->v = o;
		r->cap = ncap;
	}
	o = &r->v[r->n];
	memset(o, 0, sizeof(*o));
	o->group = strdup(group);
	o->kind = strdup(kind);
	o->name = strdup(name);
	if (!o->group || !o->kind || !o->name) {
		free(o->group);
		free(o->kind);
		free(o->name);
		return NULL;
	}
	o->live = live ? json_incref(live) : NULL;
	r->n++;
	return o;
}

/*
 * What to compare: the object as sync applies it (with the inventory's
 * part-of label), its source annotation taken from the live object: the
 * annotation names the commit and changes with every commit while the
 * object does not (the desired-hash says whether it did).
 */
static json_t *comparable(const json_t *obj, const json_t *live, const char *id)
{
	json_t *c = NULL, *ann, *src;

	if (fg_inventory_member_object(&c, obj, id) < 0)
		return NULL;
	ann = json_object_get(json_object_get(c, "metadata"), "annotations");
	src = json_object_get(json_object_get(json_object_get(live, "metadata"),
					      "annotations"),
			      FG_ANNOTATION_SOURCE);
	if (json_is_string(src) && json_is_object(ann))
		json_object_set(ann, FG_ANNOTATION_SOURCE, src);
	return c;
}

/*
 * Differences that only defaulting or normalisation make (the API server
 * stores Git's value in another form, or fills in a field) are not drift.
 * A server-side dry-run apply of what Git wants says what the server
 * would really store: diff that against the live object instead. It costs
 * one request per object that looked drifted, none for the others. When
 * the dry run cannot be made, the plain diff stands.
 */
static int settle(const struct fg_cluster_port *port, const json_t *want,
		  const json_t *live, const struct fg_diff_opts *dopts,
		  struct fg_changes *changes, unsigned long *dry_runs)
{
	struct fg_port_apply_opts ao = { 1, 1, NULL };
	struct fg_changes settled = FG_CHANGES_INIT;
	json_t *stored = NULL;
	int err;

	(*dry_runs)++;
	if (port->apply(port->ctx, want, &ao, &stored) < 0 || !stored)
		return 0;
	err = fg_diff(stored, live, dopts, &settled);
	json_decref(stored);
	if (err < 0) {
		fg_changes_release(&settled);
		return 0;
	}
	fg_changes_release(changes);
	*changes = settled;
	return 0;
}

static void heal(struct fg_drift_obj *d, struct fg_drift_report *r,
		 const struct fg_cluster_port *port, const char *id,
		 const struct fg_object *o, const struct fg_drift_opts *opts)
{
	struct fg_port_apply_opts ao = { 1, opts->dry_run, NULL };
	struct fg_buf why = FG_BUF_INIT;
	json_t *obj = NULL;
	size_t i;

	for (i = 0; i < d->fields.n; i++)
		if (is_nonce(d->fields.v[i].pointer))
			fg_buf_printf(&why, "%s%s", why.len ? ", " : "",
				      d->fields.v[i].field);
	if (why.len) {
		fg_buf_printf(&why,
			      ": a nonce changed outside Git; writing Git's "
			      "value back would fire it again, so this object "
			      "is not re-applied");
		d->heal_error = fg_buf_detach(&why, NULL);
		d->heal_refused = 1;
		return;
	}
	fg_buf_release(&why);
	if (fg_inventory_member_object(&obj, o->obj, id) < 0) {
		d->heal_error = strdup(fg_error_last());
		return;
	}
	r->writes++;
	if (port->apply(port->ctx, obj, &ao, NULL) < 0)
		d->heal_error = strdup(fg_error_last());
	else
		d->healed = 1;
	json_decref(obj);
}

int fg_drift_ns(struct fg_drift_report *r, const struct fg_cluster_port *port,
		const char *ns, const struct fg_object *objs, size_t n,
		const struct fg_drift_opts *opts)
{
	char group[256], id[FG_APPLYSET_ID_SIZE];
	struct fg_live live;
	size_t i, j;
	int err;

	if ((err = fg_inventory_id(id, ns)) < 0)
		return err;
	if ((err = fg_observe_ns(&live, port, ns, objs, n)) < 0)
		goto done;
	r->lists += live.lists;

	for (i = 0; i < n && !err; i++) {
		const struct fg_object *o = &objs[i];
		struct fg_diff_opts dopts = { FG_MANAGER, 0 };
		struct fg_changes changes = FG_CHANGES_INIT;
		struct fg_drift_obj *d;
		json_t *lv, *want;

		fg_object_group(o->obj, group, sizeof(group));
		lv = fg_live_find(&live, group, o->kind, o->name);
		if (!(d = add_obj(r, group, o->kind, o->name, lv))) {
			err = fg_error_set(FG_ERROR, "out of memory");
			break;
		}
		if ((err = fg_health_of(lv, o->obj, &d->health)) < 0)
			break;
		if (!lv) {
			d->state = FG_DRIFT_MISSING;
			r->drifted++;
			continue;
		}
		dopts.hpa_owns_replicas =
			fg_live_hpa_owns(&live, o->kind, o->name);
		if (!(want = comparable(o->obj, lv, id))) {
			err = fg_error_set(FG_ERROR, "out of memory");
			break;
		}
		err = fg_diff(want, lv, &dopts, &changes);
		if (!err && changes.n) {
			err = settle(port, want, lv, &dopts, &changes,
				     &r->dry_runs);
		}
		json_decref(want);
		if (!err && changes.n)
			err = fg_drift_build(&d->fields, &changes, lv);
		fg_changes_release(&changes);
		if (err < 0)
			break;
		if (d->fields.n) {
			d->state = FG_DRIFT_CHANGED;
			r->drifted++;
			if (opts && opts->self_heal)
				heal(d, r, port, id, o, opts);
		} else if (d->health.drifted_rollback) {
			d->state = FG_DRIFT_ROLLED_BACK;
			r->drifted++;
		}
	}

	/* ours by the inventory, gone from Git: sync would prune them */
	for (i = 0; i < live.inventory.n && !err; i++) {
		const struct fg_inv_member *m = &live.inventory.v[i];
		int desired = 0;
		json_t *lv;

		for (j = 0; j < n && !desired; j++) {
			fg_object_group(objs[j].obj, group, sizeof(group));
			desired = !strcmp(group, m->group) &&
				  !strcmp(objs[j].kind, m->kind) &&
				  !strcmp(objs[j].name, m->name);
		}
		lv = fg_live_find(&live, m->group, m->kind, m->name);
		if (desired || !lv)
			continue;
		if (!add_obj(r, m->group, m->kind, m->name, lv)) {
			err = fg_error_set(FG_ERROR, "out of memory");
			break;
		}
		r->v[r->n - 1].state = FG_DRIFT_UNEXPECTED;
		r->drifted++;
	}
done:
	fg_live_release(&live);
	return err;
}

void fg_drift_report_release(struct fg_drift_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].group);
		free(r->v[i].kind);
		free(r->v[i].name);
		fg_drift_release(&r->v[i].fields);
		fg_health_report_release(&r->v[i].health);
		json_decref(r->v[i].live);
		free(r->v[i].heal_error);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
