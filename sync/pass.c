/*
 * The pass (sync/pass.h): scope, observe, settle, and the totals. The
 * decision is decide.c, the execution exec.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/grow.h"
#include "render/base/json.h"
#include "sync/pass.h"
#include "sync/pass_int.h"
#include "render/base/banned.h"

static int oom(void)
{
	return fg_error_set(FG_ERROR, "out of memory");
}

const char *fg_action_name(enum fg_action a)
{
	static const char *const names[] = { "noop", "create", "update",
					     "delete" };

	return (size_t)a < sizeof(names) / sizeof(*names) ? names[a] : "?";
}

const char *fg_outcome_name(enum fg_outcome o)
{
	static const char *const names[] = { "none",	 "done", "failed",
					     "conflict", "gone", "left",
					     "waiting" };

	return (size_t)o < sizeof(names) / sizeof(*names) ? names[o] : "?";
}

/* ---- life cycle ---- */

static void ns_release(struct fg_pass_ns *ns)
{
	fg_steps_release(ns);
	free(ns->v);
	free(ns->name);
	free(ns->error);
	free(ns->inventory_message);
	fg_inventory_release(&ns->intent);
	json_decref(ns->inventory_written);
	fg_live_release(&ns->live);
	json_decref(ns->settled);
	memset(ns, 0, sizeof(*ns));
}

void fg_pass_free(struct fg_pass *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		ns_release(&p->v[i]);
	free(p->v);
	free(p->repository);
	json_decref(p->operator_conf);
	free(p->operator_conf_source);
	free(p->base);
	free(p->head);
	free(p->error);
	free(p);
}

int fg_pass_set_labels(struct fg_pass *p, const char *base, const char *head)
{
	free(p->base);
	free(p->head);
	p->base = base ? strdup(base) : NULL;
	p->head = head ? strdup(head) : NULL;
	if ((base && !p->base) || (head && !p->head))
		return oom();
	return 0;
}

static int new_pass(struct fg_pass **out, const struct fg_desired *d,
		    const struct fg_pass_opts *opts)
{
	struct fg_pass *p = calloc(1, sizeof(*p));
	const char *repo;

	*out = NULL;
	if (!p)
		return oom();
	if (opts)
		p->opts = *opts;
	p->desired = d;
	repo = p->opts.repository   ? p->opts.repository
	       : d && d->repository ? d->repository
				    : FG_PASS_DEFAULT_REPOSITORY;
	if (!(p->repository = strdup(repo))) {
		free(p);
		return oom();
	}
	*out = p;
	return 0;
}

/*
 * The operator's configuration: the caller's, else the cluster's (port
 * not NULL), else flink-gitops.yaml's operatorDefaults, else unknown.
 */
static int operator_env(struct fg_pass *p, const struct fg_cluster_port *port)
{
	const char *src = NULL;
	char *where = NULL;
	json_t *conf = NULL;

	if (p->opts.operator_conf) {
		conf = json_incref(fg_json_mut(p->opts.operator_conf));
		src = p->opts.operator_conf_source
			      ? p->opts.operator_conf_source
			      : "the cluster";
	} else if (port && (p->opts.operator_ns || !p->opts.nwithin) &&
		   fg_observe_operator_conf(port, p->opts.operator_ns, &conf,
					    &where) == 0) {
		src = where;
	} else if (p->desired && p->desired->operator_defaults) {
		fg_error_clear();
		conf = json_incref(p->desired->operator_defaults);
		src = "operatorDefaults in " FG_RENDER_CONFIG_FILE;
	}
	fg_error_clear();
	p->operator_conf = conf;
	if (src && !(p->operator_conf_source = strdup(src))) {
		free(where);
		return oom();
	}
	free(where);
	p->env.operator_conf = conf;
	p->env.operator_conf_known = conf != NULL;
	p->env.operator_conf_source = p->operator_conf_source;
	return 0;
}

/* ---- scope ---- */

static int allowed_prune(const struct fg_pass_opts *o, const char *ns)
{
	for (size_t i = 0; i < o->nallow_prune; i++)
		if (!strcmp(o->allow_prune[i], ns))
			return 1;
	return 0;
}

int fg_pass_within(const struct fg_pass_opts *o, const char *ns)
{
	for (size_t i = 0; i < o->nwithin; i++)
		if (!strcmp(o->within[i], ns))
			return 1;
	return !o->nwithin;
}

/* Is `ns` one of -n's (all are when none is given)? */
static int selected(const struct fg_pass_opts *o, const char *ns)
{
	for (size_t i = 0; i < o->nnamespaces; i++)
		if (!strcmp(o->namespaces[i], ns))
			return 1;
	return !o->nnamespaces;
}

/* Add namespace `name`: `rendered` its render (NULL: only the inventory
 * knows it), `policy` the map that applies there. */
static int add_ns(struct fg_pass *p, const char *name,
		  const struct fg_ns *rendered, const json_t *policy,
		  int failed)
{
	struct fg_pass_ns *ns;
	int err;

	if (FG_GROW(p->v, p->n + 1, p->cap) < 0)
		return oom();
	ns = &p->v[p->n];
	memset(ns, 0, sizeof(*ns));
	if (!(ns->name = strdup(name)) || !(ns->settled = json_object())) {
		free(ns->name);
		return oom();
	}
	p->n++;
	ns->rendered = rendered;
	ns->env = &p->env;
	ns->failed = failed;
	ns->policy_map = policy;
	if ((err = fg_inventory_name(ns->inventory, p->repository)) < 0 ||
	    (err = fg_inventory_id(ns->id, name, ns->inventory)) < 0)
		return err;
	if (fg_policy_from_config(&ns->policy, policy) < 0) {
		/* render refuses such a map: a failed namespace, not a
		   default-deny one that looks fine */
		ns->failed = 1;
		if (!(ns->error = strdup(fg_error_last())))
			return oom();
		fg_error_clear();
	}
	if (allowed_prune(&p->opts, name))
		ns->policy.prune = 1;
	return 0;
}

static int ns_cmp(const void *a, const void *b)
{
	const struct fg_pass_ns *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * The rendered namespaces, and those only our inventory knows (`inv`, a
 * JSON array of names; NULL offline), in name order.
 */
static int build_scope(struct fg_pass *p, const json_t *inv)
{
	const struct fg_desired *d = p->desired;
	const char *name;
	json_t *it;
	size_t i, j;
	int err = 0;

	for (i = 0; i < d->nns && !err; i++)
		if (fg_pass_within(&p->opts, d->ns[i].name))
			err = add_ns(p, d->ns[i].name, &d->ns[i],
				     d->ns[i].policy,
				     d->ns[i].failed || d->config_failed);
	json_array_foreach (fg_json_mut(inv), j, it) {
		int rendered = 0;

		if (err)
			break;
		name = json_string_value(it);
		for (i = 0; i < d->nns && !rendered; i++)
			rendered = !strcmp(d->ns[i].name, name);
		if (rendered || !selected(&p->opts, name) ||
		    !fg_pass_within(&p->opts, name))
			continue;
		err = add_ns(p, name, NULL, d->policy, d->config_failed);
	}
	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), ns_cmp);
	/* -n naming a namespace neither Git nor our inventory has */
	for (i = 0; !err && i < p->opts.nnamespaces; i++) {
		const char *want = p->opts.namespaces[i];

		for (j = 0; j < p->n && strcmp(p->v[j].name, want); j++)
			;
		if (j == p->n)
			err = fg_error_set(FG_ENOTFOUND,
					   "namespace '%s' is not in the "
					   "repository, and repository '%s' "
					   "has no inventory there",
					   want, p->repository);
	}
	return err;
}

/* Add the namespaces of `items` holding inventory `name` to `names`. */
static void inventory_names(const json_t *items, const char *name,
			    json_t *names, json_t *seen)
{
	const json_t *it;
	size_t i;

	json_array_foreach (items, i, it) {
		const char *ns = fg_meta_str(it, "namespace");

		if (!ns || !fg_str_is(fg_meta_str(it, "name"), name) ||
		    json_object_get(seen, ns))
			continue;
		json_object_set_new(seen, ns, json_true());
		json_array_append_new(names, json_string(ns));
	}
}

int fg_pass_inventory_namespaces(const struct fg_cluster_port *port,
				 const char *repository,
				 const char *const *within, size_t nwithin,
				 json_t **out)
{
	struct fg_obj_ref ref = { "", "ConfigMap", NULL, NULL };
	char name[FG_INVENTORY_NAME_SIZE];
	json_t *items = NULL, *names, *seen;
	size_t i = 0;
	int err = 0;

	*out = NULL;
	if ((err = fg_inventory_name(name, repository)) < 0)
		return err;
	names = json_array();
	seen = json_object();
	if (!names || !seen) {
		err = oom();
		goto done;
	}
	do {
		ref.ns = nwithin ? within[i] : NULL;
		err = port->list(port->ctx, &ref,
				 FG_LABEL_MANAGED_BY "=" FG_MANAGER
						     "," FG_APPLYSET_LABEL_ID,
				 &items);
		if (err < 0) {
			err = fg_error_wrap(err, "list inventories");
			goto done;
		}
		inventory_names(items, name, names, seen);
		json_decref(items);
		items = NULL;
	} while (++i < nwithin);
	*out = names;
	names = NULL;
done:
	json_decref(seen);
	json_decref(names);
	return err;
}

/* ---- observe, decide, settle ---- */

struct observe_ctx {
	struct fg_pass *p;
	const struct fg_ports *ports;
};

/* The thread's last error message into *where (replacing it). */
static int set_error(char **where)
{
	char msg[FG_ERROR_MSG_MAX];

	snprintf(msg, sizeof(msg), "%s", fg_error_last());
	free(*where);
	*where = strdup(msg);
	fg_error_clear();
	return *where ? 0 : oom();
}

/*
 * Ask the server what it would store for each step that wants settling
 * (a dry-run apply, forced: it must not fail on a conflict), then decide
 * again on the answers.
 */
static int settle(struct fg_pass *p, struct fg_pass_ns *ns,
		  const struct fg_cluster_port *port)
{
	struct fg_port_apply_opts ao = { 1, 1, NULL };
	struct fg_buf key = FG_BUF_INIT;
	size_t asked = 0;
	int err = 0;

	for (size_t i = 0; i < ns->n && !err; i++) {
		struct fg_step *s = &ns->v[i];
		json_t *obj = NULL, *stored = NULL;

		if (!s->settle || !s->desired)
			continue;
		if (!(obj = fg_pass_comparable(s->desired->obj, s->live,
					       ns->id))) {
			err = oom();
			break;
		}
		ns->dry_runs++;
		asked++;
		if (port->apply(port->ctx, obj, &ao, &stored) < 0 || !stored) {
			/* the plain diff stands */
			fg_error_clear();
		} else if (fg_buf_printf(&key, "%s/%s/%s", s->group, s->kind,
					 s->name) < 0 ||
			   json_object_set_new(ns->settled, key.ptr, stored) <
				   0) {
			err = oom();
		}
		fg_buf_clear(&key);
		json_decref(obj);
	}
	fg_buf_release(&key);
	if (!err && asked)
		err = fg_decide_ns(ns, &p->opts, p->offline);
	return err;
}

static int live_from_render(struct fg_pass_ns *ns, const struct fg_ns *b);

static void observe_one(void *arg, size_t i)
{
	struct observe_ctx *c = arg;
	struct fg_pass *p = c->p;
	struct fg_pass_ns *ns = &p->v[i];
	const struct fg_cluster_port *port = c->ports->cluster;
	int err;

	if (ns->failed) {
		/* nothing is read where nothing may be touched */
		if (fg_decide_ns(ns, &p->opts, 0) < 0)
			set_error(&ns->error);
		return;
	}
	if (ns->absent) {
		/* nothing is there: nothing to list */
		if ((err = live_from_render(ns, NULL)) < 0 ||
		    (err = fg_decide_ns(ns, &p->opts, 0)) < 0)
			set_error(&ns->error);
		ns->observed = !err;
		return;
	}
	err = fg_observe_ns(&ns->live, port, ns->name, ns->inventory,
			    ns->rendered ? ns->rendered->objs : NULL,
			    ns->rendered ? ns->rendered->n : 0);
	ns->lists = ns->live.lists;
	if (err < 0) {
		set_error(&ns->error);
		return;
	}
	ns->observed = 1;
	if ((err = fg_decide_ns(ns, &p->opts, 0)) < 0 ||
	    (err = settle(p, ns, port)) < 0)
		set_error(&ns->error);
}

/*
 * Which namespaces of the scope the cluster does not have: one LIST of
 * namespaces. When it may not be listed (a namespace-scoped identity) or
 * fails, each is taken to exist: the writes say what is wrong. Memory
 * running out is an error: a namespace left out of `names` would be
 * taken as absent.
 */
static int observe_namespaces(struct fg_pass *p,
			      const struct fg_cluster_port *port)
{
	struct fg_obj_ref ref = { "", "Namespace", NULL, NULL };
	json_t *items = NULL, *names = json_object(), *it;
	size_t i;
	int err = 0;

	if (!names)
		return fg_error_set(FG_ERROR, "out of memory");
	if (port->list(port->ctx, &ref, NULL, &items) < 0) {
		fg_error_clear();
		json_decref(names);
		return 0;
	}
	json_array_foreach (items, i, it) {
		const char *name = fg_meta_str(it, "name");

		if (name && json_object_set_new(names, name, json_true()) < 0) {
			err = fg_error_set(FG_ERROR, "out of memory");
			goto done;
		}
	}
	for (i = 0; i < p->n; i++)
		p->v[i].absent = !p->v[i].failed &&
				 !json_object_get(names, p->v[i].name);
done:
	json_decref(items);
	json_decref(names);
	return err;
}

int fg_pass_plan(struct fg_pass **out, const struct fg_desired *d,
		 const struct fg_ports *ports, const struct fg_pass_opts *opts)
{
	struct fg_pass *p = NULL;
	struct observe_ctx c;
	json_t *inv = NULL;
	int err;

	*out = NULL;
	if ((err = new_pass(&p, d, opts)) < 0)
		return err;
	/* a broken repository config fails every namespace: the inventory
	   namespaces are still listed, to report them as untouched */
	if (ports->clock && ports->clock->wall_s)
		p->env.now = ports->clock->wall_s(ports->clock->ctx);
	if ((err = operator_env(p, ports->cluster)) < 0 ||
	    (err = fg_pass_inventory_namespaces(ports->cluster, p->repository,
						p->opts.within, p->opts.nwithin,
						&inv)) < 0 ||
	    (err = build_scope(p, inv)) < 0)
		goto fail;
	json_decref(inv);
	inv = NULL;
	if (!p->opts.nwithin &&
	    (err = observe_namespaces(p, ports->cluster)) < 0)
		goto fail;
	c.p = p;
	c.ports = ports;
	fg_ports_parallel(ports, p->n,
			  p->opts.parallel_ns ? p->opts.parallel_ns
					      : FG_PASS_PARALLEL_NS,
			  observe_one, &c);
	if ((err = fg_pass_pair_moves(p)) < 0)
		goto fail;
	fg_pass_count(p);
	*out = p;
	return 0;
fail:
	json_decref(inv);
	fg_pass_free(p);
	return err;
}

/* ---- offline: another revision stands in for the cluster ---- */

/* fieldsV1 owning every field of `v` (leaves and lists whole). */
static json_t *fields_of(const json_t *v, int depth)
{
	json_t *f = json_object(), *sub, *x;
	const char *k;
	char key[512];

	if (!f || depth > 64)
		return f;
	json_object_foreach (fg_json_mut(v), k, x) {
		snprintf(key, sizeof(key), "f:%s", k);
		sub = json_is_object(x) && json_object_size(x)
			      ? fields_of(x, depth + 1)
			      : json_object();
		if (!sub || json_object_set_new(f, key, sub) < 0) {
			json_decref(f);
			return NULL;
		}
	}
	return f;
}

/*
 * A base revision's object as the cluster would hold it after we applied
 * it: our part-of label, and our manager owning every field it sets.
 */
static json_t *as_applied(const json_t *obj, const char *id)
{
	json_t *c = NULL, *spec, *fields, *entry;

	if (fg_inventory_member_object(&c, obj, id) < 0)
		return NULL;
	spec = fg_json_deep_copy(c);
	json_object_del(spec, "apiVersion");
	json_object_del(spec, "kind");
	json_object_del(spec, "status");
	fields = spec ? fields_of(spec, 0) : NULL;
	json_decref(spec);
	entry = fields ? json_pack("{s:s, s:s, s:s, s:s, s:o}", "manager",
				   FG_MANAGER, "operation", "Apply",
				   "apiVersion",
				   fg_json_str(c, "apiVersion")
					   ? fg_json_str(c, "apiVersion")
					   : "",
				   "fieldsType", "FieldsV1", "fieldsV1", fields)
		       : NULL;
	if (!entry ||
	    json_object_set_new(json_object_get(c, "metadata"), "managedFields",
				json_pack("[o]", entry)) < 0) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* The live view of namespace `ns` from the base render `b`. */
static int live_from_render(struct fg_pass_ns *ns, const struct fg_ns *b)
{
	struct fg_live *l = &ns->live;
	char group[256], key[1024];

	memset(l, 0, sizeof(*l));
	l->ns = ns->name;
	l->index = json_object();
	l->listed = json_object();
	l->hpa_targets = json_object();
	l->inventories = json_object();
	if (!l->index || !l->listed || !l->hpa_targets || !l->inventories)
		return oom();
	for (size_t i = 0; b && !b->failed && i < b->n; i++) {
		const struct fg_object *o = &b->objs[i];
		json_t *c = as_applied(o->obj, ns->id);

		fg_object_group(o->obj, group, sizeof(group));
		snprintf(key, sizeof(key), "%s/%s/%s", group, o->kind, o->name);
		if (!c || json_object_set_new(l->index, key, c) < 0 ||
		    fg_inventory_add(&l->inventory, group, o->kind, o->name,
				     "") < 0)
			return oom();
	}
	return 0;
}

static const struct fg_ns *find_ns(const struct fg_desired *d, const char *name)
{
	for (size_t i = 0; i < d->nns; i++)
		if (!strcmp(d->ns[i].name, name))
			return &d->ns[i];
	return NULL;
}

int fg_pass_plan_offline(struct fg_pass **out, const struct fg_desired *head,
			 const struct fg_desired *base,
			 const struct fg_pass_opts *opts)
{
	struct fg_pass *p = NULL;
	json_t *names = json_array();
	int err;

	*out = NULL;
	if (!names)
		return oom();
	if ((err = new_pass(&p, head, opts)) < 0)
		goto done;
	p->offline = 1;
	if ((err = operator_env(p, NULL)) < 0)
		goto done;
	/* base namespaces the head no longer renders: orphans */
	for (size_t i = 0; i < base->nns; i++)
		if (json_array_append_new(names,
					  json_string(base->ns[i].name)) < 0) {
			err = oom();
			goto done;
		}
	if ((err = build_scope(p, names)) < 0)
		goto done;
	for (size_t i = 0; i < p->n && !err; i++) {
		struct fg_pass_ns *ns = &p->v[i];
		const struct fg_ns *b = find_ns(base, ns->name);

		if (b && b->failed && !ns->failed) {
			ns->failed = 1;
			if (!(ns->error = strdup(
				      "the base revision failed to render "
				      "here: nothing to compare with"))) {
				err = oom();
				break;
			}
		}
		if (!ns->failed && (err = live_from_render(ns, b)) < 0)
			break;
		ns->observed = !ns->failed;
		err = fg_decide_ns(ns, &p->opts, 1);
	}
	if (!err)
		err = fg_pass_pair_moves(p);
	if (err)
		goto done;
	fg_pass_count(p);
	*out = p;
	p = NULL;
done:
	json_decref(names);
	fg_pass_free(p);
	return err;
}

/* ---- totals ---- */

void fg_pass_count(struct fg_pass *p)
{
	p->creates = p->updates = p->deletes = p->unchanged = 0;
	p->blocked = p->drifted = p->failed = 0;
	p->failed_ns = p->blocked_ns = p->synced_ns = p->partial_ns = 0;
	p->writes = p->lists = p->dry_runs = 0;
	p->render_errors = p->desired ? fg_diags_errors(&p->desired->diags) : 0;
	for (size_t i = 0; i < p->n; i++) {
		struct fg_pass_ns *ns = &p->v[i];

		ns->writes = ns->inventory_writes;
		ns->changes = ns->unfinished = 0;
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];

			ns->writes += s->writes;
			if ((s->wanted != FG_ACTION_NOOP &&
			     s->why != FG_WHY_BOOKKEEPING) ||
			    (s->why & FG_WHY_ROLLED_BACK))
				p->drifted++;
			if (fg_step_blocked(s)) {
				p->blocked++;
				continue;
			}
			if (s->action != FG_ACTION_NOOP)
				ns->changes++;
			if (s->outcome == FG_OUTCOME_FAILED ||
			    s->outcome == FG_OUTCOME_WAITING) {
				/* not done: said once, as failed */
				p->failed++;
				ns->unfinished++;
				continue;
			}
			switch (s->action) {
			case FG_ACTION_CREATE:
				p->creates++;
				break;
			case FG_ACTION_UPDATE:
				p->updates++;
				break;
			case FG_ACTION_DELETE:
				p->deletes++;
				break;
			default:
				p->unchanged++;
			}
		}
		if (ns->inventory_outcome == FG_OUTCOME_FAILED) {
			p->failed++;
			ns->unfinished++;
		}
		p->writes += ns->writes;
		p->lists += ns->lists;
		p->dry_runs += ns->dry_runs;
		if (ns->failed || ns->error)
			p->failed_ns++;
		else if (ns->verdict.kind == FG_VERDICT_BLOCK ||
			 (ns->n && fg_step_is_namespace(&ns->v[0]) &&
			  fg_step_blocked(&ns->v[0])))
			p->blocked_ns++;
		else if (ns->executed && ns->unfinished)
			p->partial_ns++;
		else if (ns->executed)
			p->synced_ns++;
	}
}
