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
/* A server that does not answer: calls are held this long, then fail
 * unsent; a probe goes out every FG_POOL_PROBE_MS meanwhile. */
#define FG_POOL_OUTAGE_MS 30000
#define FG_POOL_PROBE_MS 5000

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

/*
 * A call that ends with no answer from the server holds the calls that
 * follow, one going out at a time as a probe, until the server answers
 * again; after FG_POOL_OUTAGE_MS without an answer they fail unsent:
 * "not sent: the API server has not answered for N s (WHY)". Each
 * client's statistics summed (not_sent: calls the pool failed so), for
 * the log.
 */
struct fg_pool_stats {
	unsigned long requests, retries, not_sent;
};
void fg_cluster_pool_stats(struct fg_cluster_pool *pool,
			   struct fg_pool_stats *out);

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
