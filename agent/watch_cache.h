/*
 * The watch-fed cache of live objects: an adapter behind the cluster
 * port (sync/ports.h), so the pass observes through it exactly as
 * through LISTs and cannot tell the difference.
 *
 * A LIST of a kind (in a namespace or across all, with or without a
 * label selector, of one name or all) starts a WATCH of exactly that
 * query on its own
 * connection and thread, and falls through to the API server until the
 * watch has listed; after that, LISTs are answered from memory. The
 * client's watch does bookmarks, resumes after a lost stream and lists
 * again after 410 Gone. Writes and GETs go to the API server; what an
 * apply stores replaces the cached object at once (a later watch event
 * supersedes it, an older one does not).
 *
 * A quiet cluster therefore costs the open watches and nothing else.
 * Every event is also handed to on_event (from the watch's thread), so
 * the agent can start a pass when a managed object changes.
 */
#ifndef FG_AGENT_WATCH_CACHE_H
#define FG_AGENT_WATCH_CACHE_H

#include <stddef.h>

#include <jansson.h>

#include "agent/kube/kube.h"
#include "sync/ports.h"

#define FG_WATCH_MAX 1024		 /* distinct queries watched */
#define FG_WATCH_STACK ((size_t)1 << 20) /* a watch thread's stack */

struct fg_watch_cache_hooks {
	void *arg;
	/* type ADDED, MODIFIED, DELETED, or RELIST (obj NULL) */
	void (*on_event)(void *arg, const char *type, const json_t *obj);
	void (*on_restart)(void *arg); /* a watch listed again */
};

struct fg_watch_cache;

/*
 * A cache whose watches use clones of `tmpl` (taken: the cache owns it
 * and never sends a request with it) and whose writes, GETs and
 * fall-through LISTs go to `api` (borrowed).
 */
int fg_watch_cache_new(struct fg_watch_cache **out, struct fg_kube *tmpl,
		       const struct fg_cluster_port *api,
		       const struct fg_watch_cache_hooks *hooks);
/* Stop every watch (each notices within about a second) and free. */
void fg_watch_cache_free(struct fg_watch_cache *c);

/* The cluster port answered by the cache (`c` must outlive it). */
void fg_watch_cache_port(struct fg_watch_cache *c, struct fg_cluster_port *out);

struct fg_watch_cache_stats {
	size_t watches, synced;
	unsigned long hits, misses, restarts, events;
};

void fg_watch_cache_stats(struct fg_watch_cache *c,
			  struct fg_watch_cache_stats *out);

/* 1 when `labels` (an object, or NULL) match `selector` (k=v, k==v,
 * k!=v, k, !k, joined by commas). Exposed for tests. */
int fg_label_selector_matches(const char *selector, const json_t *labels);

#endif
