/*
 * The cluster port (sync/ports.h) bound to the Kubernetes client.
 */
#ifndef FG_AGENT_CLUSTER_PORT_H
#define FG_AGENT_CLUSTER_PORT_H

#include "agent/kube/kube.h"
#include "sync/ports.h"

/* Fill `port` to act through `k` (borrowed; it must outlive the port). */
void fg_cluster_port_init(struct fg_cluster_port *port, struct fg_kube *k);

#endif
