/*
 * The ports of a pass (sync/ports.h) bound to the world:
 *   cluster   the Kubernetes client, over a bounded pool of connections
 *             (one fg_kube each; a call takes a free one, waiting when
 *             all are busy), so the pass may call it from many threads;
 *   clock     CLOCK_MONOTONIC and nanosleep;
 *   parallel  POSIX threads: `width` workers take the items in turn.
 */
#ifndef FG_AGENT_CLUSTER_PORT_H
#define FG_AGENT_CLUSTER_PORT_H

#include <stddef.h>

#include "agent/kube/kube.h"
#include "sync/ports.h"

#define FG_POOL_MAX 256 /* connections one pool may open */

struct fg_cluster_pool;

/*
 * A pool of at most `size` connections (1..FG_POOL_MAX), the first being
 * `k`, which the pool takes (also on failure); the others are clones of
 * it (fg_kube_clone), opened when first needed.
 */
int fg_cluster_pool_new(struct fg_cluster_pool **out, struct fg_kube *k,
			size_t size);
void fg_cluster_pool_free(struct fg_cluster_pool *pool);

/* Connections opened so far, and requests made through them all. */
size_t fg_cluster_pool_opened(const struct fg_cluster_pool *pool);
unsigned long fg_cluster_pool_requests(struct fg_cluster_pool *pool);

/* The ports, ready for fg_pass_plan and fg_pass_execute. */
struct fg_agent_ports {
	struct fg_cluster_port cluster;
	struct fg_clock_port clock;
	struct fg_parallel_port parallel;
	struct fg_ports ports; /* points at the three above */
};

/* Bind `ap` to `pool` (borrowed: it must outlive the ports). `ap` must
 * not move afterwards (ports points into it). */
void fg_agent_ports_init(struct fg_agent_ports *ap,
			 struct fg_cluster_pool *pool);

/* The system clock alone (for code that needs no cluster). */
extern const struct fg_clock_port fg_system_clock;

#endif
