/*
 * Observe: what the cluster has in one namespace, read with at most one
 * LIST per kind (never a GET per object): every kind Git wants there,
 * every kind the inventory records, the inventories (ConfigMaps), the
 * FlinkDeployments where FlinkSessionJobs are (a session job's cluster
 * may be one Git does not have) and where FlinkBlueGreenDeployments are
 * (their children, which the operator makes), the
 * FlinkSessionJobs where FlinkDeployments are involved (a session
 * cluster is deleted only once no job uses it), and the
 * HorizontalPodAutoscalers (whose scaling of a FlinkDeployment is not
 * drift). The pass (sync/pass.h) observes through it, so plan, sync and
 * drift see the cluster the same way.
 */
#ifndef FG_SYNC_OBSERVE_H
#define FG_SYNC_OBSERVE_H

#include <stddef.h>

#include <jansson.h>

#include "render/render.h"
#include "sync/inventory.h"
#include "sync/ports.h"

struct fg_live {
	const char *ns;		       /* borrowed */
	json_t *index;		       /* "group/kind/name" -> object */
	json_t *listed;		       /* "group/kind" -> true */
	json_t *inventory_cm;	       /* our inventory ConfigMap, or NULL */
	struct fg_inventory inventory; /* what it records (empty if none) */
	json_t *inventories;	       /* every inventory's ApplySet id ->
					  its repository's name */
	json_t *hpa_targets;	       /* "Kind/name" an HPA scales -> true */
	unsigned long lists;	       /* LIST calls made */
};

/*
 * Observe `ns` for the desired objects `objs` (n, borrowed; n 0 for a
 * namespace that no longer renders), with our inventory in ConfigMap
 * `inventory` (borrowed name). FG_E* when a LIST fails or the inventory
 * cannot be read: then nothing may be written there.
 */
int fg_observe_ns(struct fg_live *out, const struct fg_cluster_port *port,
		  const char *ns, const char *inventory,
		  const struct fg_object *objs, size_t n);

/* LIST one more kind into `l` (once; later calls are free). */
int fg_live_observe_kind(struct fg_live *l, const struct fg_cluster_port *port,
			 const char *group, const char *kind);

/* The live object, borrowed, or NULL. */
json_t *fg_live_find(const struct fg_live *l, const char *group,
		     const char *kind, const char *name);

/* 1 when a HorizontalPodAutoscaler in the namespace targets it. */
int fg_live_hpa_owns(const struct fg_live *l, const char *kind,
		     const char *name);

void fg_live_release(struct fg_live *l);

#define FG_OPERATOR_CONFIGMAP "flink-operator-config"
/* The label the operator's Helm chart puts on it (any value). */
#define FG_OPERATOR_LABEL "app.kubernetes.io/name"

/*
 * The Flink operator's own configuration, as the operator runs with it:
 * its ConfigMap FG_OPERATOR_CONFIGMAP (found with one LIST of ConfigMaps
 * across namespaces by FG_OPERATOR_LABEL; or, `ns` not NULL, the LIST of
 * that one name in `ns`, which RBAC can allow by resourceNames), key
 * config.yaml, else flink-conf.yaml, parsed as YAML (flat or nested
 * keys). *out a new object, *where a new "ConfigMap NS/flink-operator-
 * config". FG_ENOTFOUND when there is none, it cannot be listed (no
 * right) or does not parse: the configuration is then unknown.
 */
int fg_observe_operator_conf(const struct fg_cluster_port *port, const char *ns,
			     json_t **out, char **where);

/* The API group of `obj`'s apiVersion into `out`: "" for "v1". */
void fg_object_group(const json_t *obj, char *out, size_t n);

#endif
