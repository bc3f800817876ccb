#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "agent/cluster_port.h"
#include "render/base/error.h"
#include "render/base/banned.h"

static void kind_of(const struct fg_obj_ref *ref, struct fg_kube_kind *out)
{
	out->group = ref->group;
	out->version = NULL;
	out->kind = ref->kind;
}

static int port_list(void *ctx, const struct fg_obj_ref *ref,
		     const char *label_selector, json_t **out)
{
	struct fg_kube_list_opts lo = { label_selector, NULL, 0 };
	struct fg_kube_kind kind;
	json_t *list = NULL;
	int err;

	*out = NULL;
	kind_of(ref, &kind);
	if ((err = fg_kube_list(ctx, &kind, ref->ns, &lo, &list)) < 0)
		return err;
	*out = json_incref(json_object_get(list, "items"));
	json_decref(list);
	if (!*out)
		*out = json_array();
	return *out ? 0 : fg_error_set(FG_ERROR, "out of memory");
}

static int port_apply(void *ctx, const json_t *obj,
		      const struct fg_port_apply_opts *opts, json_t **out)
{
	struct fg_kube_apply_opts ao = { opts->manager ? opts->manager
						       : FG_KUBE_FIELD_MANAGER,
					 opts->force, opts->dry_run };

	return fg_kube_apply(ctx, obj, &ao, out);
}

static int port_del(void *ctx, const struct fg_obj_ref *ref, const char *uid,
		    int dry_run)
{
	struct fg_kube_delete_opts dopt = { NULL, uid, NULL, dry_run };
	struct fg_kube_kind kind;

	kind_of(ref, &kind);
	return fg_kube_delete(ctx, &kind, ref->ns, ref->name, &dopt, NULL);
}

static int port_get(void *ctx, const struct fg_obj_ref *ref, json_t **out)
{
	struct fg_kube_kind kind;

	kind_of(ref, &kind);
	return fg_kube_get(ctx, &kind, ref->ns, ref->name, out);
}

void fg_cluster_port_init(struct fg_cluster_port *port, struct fg_kube *k)
{
	memset(port, 0, sizeof(*port));
	port->ctx = k;
	port->list = port_list;
	port->apply = port_apply;
	port->del = port_del;
	port->get = port_get;
}
