/*
 * The ports through which the pure core reaches the world: small vtables,
 * in the style of Redis' rio. agent/ binds them to the Kubernetes client
 * (agent/cluster_port.c), the system clock and a thread pool; the unit
 * tests bind them to an in-memory cluster and a fake clock, so a whole
 * pass (waits and timeouts included) runs without network or sleeping.
 * The core never includes agent/kube/kube.h.
 *
 * Every cluster function returns 0 or a negative FG_E* code with the
 * message in fg_error_last(): FG_ENOTFOUND for an absent object or a kind
 * the server does not serve, FG_ECONFLICT for a failed precondition or a
 * field owned by another manager, FG_EINVALID for an object the server
 * rejects, FG_EAUTH, FG_ETIMEOUT, FG_ERROR as the client reports them.
 *
 * Threads: when the parallel port runs work on several threads, the
 * cluster port is called from all of them at once, and must allow it
 * (agent/'s holds a bounded pool of connections).
 *
 * Kinds are named by struct fg_obj_ref (model.h): group "" for the core
 * group; the server's preferred version is used.
 */
#ifndef FG_SYNC_PORTS_H
#define FG_SYNC_PORTS_H

#include <stddef.h>

#include <jansson.h>

#include "sync/model.h"

struct fg_port_apply_opts {
	int force;	     /* take over fields other managers own */
	int dry_run;	     /* the server's dryRun=All: nothing persists */
	const char *manager; /* field manager; NULL: flink-gitops */
};

struct fg_cluster_port {
	void *ctx; /* passed to every call, borrowed */

	/*
	 * Every object of ref->kind in ref->ns (ref->ns NULL: all
	 * namespaces); `label_selector` NULL for all. ref->name NULL, or
	 * only the object of that name: asked as a LIST with the field
	 * selector metadata.name, which an identity allowed only that
	 * object (RBAC resourceNames) may send. One logical LIST,
	 * paginated by the implementation. *out is a new JSON array of
	 * the objects, each with apiVersion and kind.
	 */
	int (*list)(void *ctx, const struct fg_obj_ref *ref,
		    const char *label_selector, json_t **out);

	/*
	 * Server-side apply of `obj` (borrowed) as field manager
	 * opts->manager (NULL: flink-gitops). *out (when `out` is not
	 * NULL) is a new reference to the object as stored.
	 */
	int (*apply)(void *ctx, const json_t *obj,
		     const struct fg_port_apply_opts *opts, json_t **out);

	/*
	 * Delete ref->ns/ref->name of ref->kind, only if its uid is still
	 * `uid` (precondition; NULL: any). FG_ECONFLICT when it is not.
	 */
	int (*del)(void *ctx, const struct fg_obj_ref *ref, const char *uid,
		   int dry_run);

	/* GET one object; *out a new reference. */
	int (*get)(void *ctx, const struct fg_obj_ref *ref, json_t **out);
};

/* Time: every wait of the core goes through it. */
struct fg_clock_port {
	void *ctx;
	long long (*now_ms)(void *ctx); /* monotonic milliseconds */
	void (*sleep_ms)(void *ctx, long ms);
	/* wall clock, seconds since the epoch (for ages in statuses);
	   NULL: unknown */
	long long (*wall_s)(void *ctx);
};

/*
 * Concurrency: run fn(arg, i) for every i in [0, n), at most `width` at
 * a time, and return when all are done. The calls must be independent;
 * each writes only its own slot of `arg`.
 */
struct fg_parallel_port {
	void *ctx;
	void (*run)(void *ctx, size_t n, size_t width,
		    void (*fn)(void *arg, size_t i), void *arg);
};

/* What a pass reaches the world through. */
struct fg_ports {
	const struct fg_cluster_port *cluster;	 /* required */
	const struct fg_clock_port *clock;	 /* required for execute */
	const struct fg_parallel_port *parallel; /* NULL: one at a time */
	/*
	 * NULL, or asked between objects: 1 when the pass must stop (the
	 * agent's SIGTERM). Execute then starts no further object and no
	 * further wait; the objects in flight finish, and a namespace
	 * begun still records its inventory of what was done, so nothing
	 * is half-recorded. Namespaces not begun are left for the next run.
	 */
	int (*stop)(void *ctx);
	void *stop_ctx;
};

/* 1 when `p` asks the pass to stop. */
int fg_ports_stopping(const struct fg_ports *p);

/* Run fn over [0, n) through `p` (NULL: in order, on this thread). */
void fg_ports_parallel(const struct fg_ports *p, size_t n, size_t width,
		       void (*fn)(void *arg, size_t i), void *arg);

#endif
