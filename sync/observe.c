#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/yaml.h"
#include "sync/observe.h"
#include "render/base/banned.h"

static const char *meta_str(const json_t *obj, const char *key)
{
	return json_string_value(
		json_object_get(json_object_get(obj, "metadata"), key));
}

void fg_object_group(const json_t *obj, char *out, size_t n)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *slash = av ? strchr(av, '/') : NULL;

	snprintf(out, n, "%.*s", slash ? (int)(slash - av) : 0,
		 slash ? av : "");
}

static int live_key(struct fg_buf *b, const char *group, const char *kind,
		    const char *name)
{
	fg_buf_clear(b);
	return fg_buf_printf(b, "%s/%s/%s", group, kind, name ? name : "");
}

int fg_live_observe_kind(struct fg_live *l, const struct fg_cluster_port *port,
			 const char *group, const char *kind)
{
	struct fg_obj_ref ref = { group, kind, l->ns, NULL };
	struct fg_buf key = FG_BUF_INIT;
	json_t *items = NULL, *it;
	size_t i;
	int err;

	if ((err = live_key(&key, group, kind, NULL)) < 0)
		goto done;
	if (json_object_get(l->listed, key.ptr))
		goto done;
	l->lists++;
	if ((err = port->list(port->ctx, &ref, NULL, &items)) < 0) {
		err = fg_error_wrap(err, "list %s%s%s in %s", kind,
				    *group ? "." : "", group, l->ns);
		goto done;
	}
	/* an object left out of the index would be taken as missing */
	if (json_object_set_new(l->listed, key.ptr, json_true()) < 0) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	json_array_foreach (items, i, it) {
		const char *name = meta_str(it, "name");

		if (!name)
			continue;
		if ((err = live_key(&key, group, kind, name)) < 0)
			goto done;
		if (json_object_set(l->index, key.ptr, it) < 0) {
			err = fg_error_set(FG_ERROR, "out of memory");
			goto done;
		}
	}
done:
	json_decref(items);
	fg_buf_release(&key);
	return err;
}

/*
 * Lookups build their key on the stack: a lookup that failed for memory
 * would say "not there" (an inventory not found is a new one, an object
 * not found is created). Groups, kinds and names are DNS names of at
 * most 253 bytes, so no key the server can hold is longer.
 */
#define LOOKUP_KEY_MAX 1024

json_t *fg_live_find(const struct fg_live *l, const char *group,
		     const char *kind, const char *name)
{
	char key[LOOKUP_KEY_MAX];
	int n = snprintf(key, sizeof(key), "%s/%s/%s", group, kind,
			 name ? name : "");

	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	return json_object_get(l->index, key);
}

int fg_live_hpa_owns(const struct fg_live *l, const char *kind,
		     const char *name)
{
	char key[LOOKUP_KEY_MAX];
	int n = snprintf(key, sizeof(key), "%s/%s", kind, name);

	return n >= 0 && (size_t)n < sizeof(key) &&
	       json_object_get(l->hpa_targets, key) != NULL;
}

/*
 * The HPAs of the namespace, only when it has FlinkDeployments. An HPA we
 * may not list (RBAC) is taken as absent: that only makes HPA-driven
 * replica changes show as drift, it never hides any.
 */
static int observe_hpas(struct fg_live *l, const struct fg_cluster_port *port)
{
	struct fg_obj_ref ref = { "autoscaling", "HorizontalPodAutoscaler",
				  l->ns, NULL };
	json_t *items = NULL, *it;
	size_t i;

	l->lists++;
	if (port->list(port->ctx, &ref, NULL, &items) < 0)
		return 0;
	json_array_foreach (items, i, it) {
		json_t *t = json_object_get(json_object_get(it, "spec"),
					    "scaleTargetRef");
		const char *kind =
			json_string_value(json_object_get(t, "kind"));
		const char *name =
			json_string_value(json_object_get(t, "name"));
		struct fg_buf key = FG_BUF_INIT;

		if (!kind || !name)
			continue;
		fg_buf_printf(&key, "%s/%s", kind, name);
		json_object_set_new(l->hpa_targets, key.ptr, json_true());
		fg_buf_release(&key);
	}
	json_decref(items);
	return 0;
}

/* Every inventory in the namespace: ApplySet id -> repository. */
static int index_inventories(struct fg_live *l)
{
	const char *key;
	json_t *o;

	json_object_foreach (l->index, key, o) {
		const json_t *labels = json_object_get(
			json_object_get(o, "metadata"), "labels");
		const char *id = json_string_value(
			json_object_get(labels, FG_APPLYSET_LABEL_ID));
		const char *repo = json_string_value(
			json_object_get(labels, FG_INVENTORY_LABEL_REPOSITORY));
		const char *mb = json_string_value(
			json_object_get(labels, FG_LABEL_MANAGED_BY));

		if (strncmp(key, "/ConfigMap/", 11) || !id || !mb ||
		    strcmp(mb, FG_MANAGER))
			continue;
		if (json_object_set_new(l->inventories, id,
					json_string(repo ? repo : "default")) <
		    0)
			return fg_error_set(FG_ERROR, "out of memory");
	}
	return 0;
}

int fg_observe_ns(struct fg_live *l, const struct fg_cluster_port *port,
		  const char *ns, const char *inventory,
		  const struct fg_object *objs, size_t n)
{
	char group[256];
	size_t i;
	int err, deployments = 0;

	memset(l, 0, sizeof(*l));
	l->ns = ns;
	l->index = json_object();
	l->listed = json_object();
	l->hpa_targets = json_object();
	l->inventories = json_object();
	if (!l->index || !l->listed || !l->hpa_targets || !l->inventories)
		return fg_error_set(FG_ERROR, "out of memory");

	/* the inventories first (ConfigMaps), then every kind */
	if ((err = fg_live_observe_kind(l, port, "", "ConfigMap")) < 0 ||
	    (err = index_inventories(l)) < 0)
		return err;
	l->inventory_cm = fg_live_find(l, "", "ConfigMap", inventory);
	if (l->inventory_cm &&
	    (err = fg_inventory_parse(&l->inventory, l->inventory_cm)) < 0)
		return fg_error_wrap(err, "namespace %s", ns);
	for (i = 0; i < n; i++) {
		fg_object_group(objs[i].obj, group, sizeof(group));
		deployments |= !strcmp(objs[i].kind, "FlinkDeployment");
		/* a session job's cluster may be the cluster's, not Git's; a
		 * FlinkBlueGreenDeployment's children are the operator's */
		if ((!strcmp(objs[i].kind, "FlinkSessionJob") ||
		     !strcmp(objs[i].kind, FG_BLUEGREEN_KIND)) &&
		    (err = fg_live_observe_kind(l, port, group,
						"FlinkDeployment")) < 0)
			return err;
		if ((err = fg_live_observe_kind(l, port, group, objs[i].kind)) <
		    0)
			return err;
	}
	for (i = 0; i < l->inventory.n; i++) {
		deployments |=
			!strcmp(l->inventory.v[i].kind, "FlinkDeployment") &&
			!strcmp(l->inventory.v[i].group, "flink.apache.org");
		/* a pruned FlinkBlueGreenDeployment: its children decide */
		if (!strcmp(l->inventory.v[i].kind, FG_BLUEGREEN_KIND) &&
		    !strcmp(l->inventory.v[i].group, "flink.apache.org") &&
		    (err = fg_live_observe_kind(l, port, "flink.apache.org",
						"FlinkDeployment")) < 0)
			return err;
		if ((err = fg_live_observe_kind(l, port,
						l->inventory.v[i].group,
						l->inventory.v[i].kind)) < 0)
			return err;
	}
	if (!deployments)
		return 0;
	/* session jobs decide whether a session cluster may go */
	err = fg_live_observe_kind(l, port, "flink.apache.org",
				   "FlinkSessionJob");
	if (err == FG_ENOTFOUND) {
		fg_error_clear();
		err = 0;
	}
	return err < 0 ? err : observe_hpas(l, port);
}

void fg_live_release(struct fg_live *l)
{
	json_decref(l->index);
	json_decref(l->listed);
	json_decref(l->hpa_targets);
	json_decref(l->inventories);
	fg_inventory_release(&l->inventory);
	memset(l, 0, sizeof(*l));
}

int fg_observe_operator_conf(const struct fg_cluster_port *port, const char *ns,
			     json_t **out, char **where)
{
	struct fg_obj_ref ref = { "", "ConfigMap", ns,
				  ns ? FG_OPERATOR_CONFIGMAP : NULL };
	struct fg_yaml_file *yf = NULL;
	struct fg_buf w = FG_BUF_INIT;
	json_t *items = NULL, *it, *cm = NULL;
	const char *text = NULL;
	size_t i;
	int err;

	*out = NULL;
	*where = NULL;
	if ((err = port->list(port->ctx, &ref, ns ? NULL : FG_OPERATOR_LABEL,
			      &items)) < 0) {
		err = fg_error_wrap(FG_ENOTFOUND,
				    "the operator's configuration");
		goto done;
	}
	json_array_foreach (items, i, it)
		if (!strcmp(meta_str(it, "name") ? meta_str(it, "name") : "",
			    FG_OPERATOR_CONFIGMAP))
			cm = it;
	if (cm) {
		const json_t *data = json_object_get(cm, "data");

		text = json_string_value(json_object_get(data, "config.yaml"));
		if (!text)
			text = json_string_value(
				json_object_get(data, "flink-conf.yaml"));
	}
	if (!text) {
		err = fg_error_set(FG_ENOTFOUND,
				   "no ConfigMap " FG_OPERATOR_CONFIGMAP
				   " with the operator's configuration");
		goto done;
	}
	if (fg_buf_printf(&w, "ConfigMap %s/" FG_OPERATOR_CONFIGMAP,
			  meta_str(cm, "namespace")) < 0) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (fg_yaml_load(&yf, w.ptr, text, strlen(text), NULL, NULL) < 0 ||
	    (fg_yaml_count(yf) && !json_is_object(fg_yaml_doc(yf, 0)))) {
		err = fg_error_wrap(FG_ENOTFOUND, "%s", w.ptr);
		goto done;
	}
	*out = fg_yaml_count(yf) ? json_incref(fg_yaml_doc(yf, 0))
				 : json_object();
	*where = fg_buf_detach(&w, NULL);
	err = *out ? 0 : fg_error_set(FG_ERROR, "out of memory");
done:
	fg_yaml_file_free(yf);
	fg_buf_release(&w);
	json_decref(items);
	return err;
}
