/*
 * The ports of a pass bound to the Kubernetes client, the system clock
 * and POSIX threads (agent/cluster_port.h).
 *
 * The pool: a client is one connection used by one thread at a time
 * (agent/kube/kube.h), so the pool holds up to `size` of them and lends
 * one per call. New connections are cloned from a template client that
 * is never used for requests (so cloning never races a request); the
 * template learns what discovery the lent clients did when they come
 * back, so later clones do not ask again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "agent/cluster_port.h"
#include "render/base/error.h"
#include "render/base/banned.h"

struct fg_cluster_pool {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	struct fg_kube *tmpl; /* never lent */
	struct fg_kube *conn[FG_POOL_MAX];
	unsigned char busy[FG_POOL_MAX];
	size_t size, opened;
};

int fg_cluster_pool_new(struct fg_cluster_pool **out, struct fg_kube *k,
			size_t size)
{
	struct fg_cluster_pool *p;
	int err;

	*out = NULL;
	if (!size || size > FG_POOL_MAX) {
		fg_kube_free(k);
		return fg_error_set(FG_EINVALID,
				    "connections: want 1 to %d, not %zu",
				    FG_POOL_MAX, size);
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		fg_kube_free(k);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->freed, NULL);
	p->size = size;
	p->conn[0] = k;
	p->opened = 1;
	if (size > 1 && (err = fg_kube_clone(&p->tmpl, k)) < 0) {
		fg_cluster_pool_free(p);
		return err;
	}
	*out = p;
	return 0;
}

void fg_cluster_pool_free(struct fg_cluster_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->opened; i++)
		fg_kube_free(p->conn[i]);
	fg_kube_free(p->tmpl);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

size_t fg_cluster_pool_opened(const struct fg_cluster_pool *p)
{
	return p->opened;
}

unsigned long fg_cluster_pool_requests(struct fg_cluster_pool *p)
{
	struct fg_kube_stats st;
	unsigned long n = 0;

	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->opened; i++) {
		fg_kube_get_stats(p->conn[i], &st);
		n += st.requests;
	}
	pthread_mutex_unlock(&p->mu);
	return n;
}

/* A free connection: an idle one, else a new one, else wait. */
static struct fg_kube *take(struct fg_cluster_pool *p, size_t *slot)
{
	struct fg_kube *k = NULL;
	size_t i;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (i = 0; i < p->opened; i++)
			if (!p->busy[i])
				break;
		if (i < p->opened)
			break;
		if (p->opened < p->size && p->tmpl &&
		    fg_kube_clone(&p->conn[p->opened], p->tmpl) == 0) {
			i = p->opened++;
			break;
		}
		fg_error_clear();
		if (p->opened == 0) { /* nothing can ever come back */
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		pthread_cond_wait(&p->freed, &p->mu);
	}
	p->busy[i] = 1;
	k = p->conn[i];
	*slot = i;
	pthread_mutex_unlock(&p->mu);
	return k;
}

static void give_back(struct fg_cluster_pool *p, size_t slot)
{
	pthread_mutex_lock(&p->mu);
	if (p->tmpl)
		fg_kube_adopt_discovery(p->tmpl, p->conn[slot]);
	p->busy[slot] = 0;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->mu);
}

static void kind_of(const struct fg_obj_ref *ref, struct fg_kube_kind *out)
{
	out->group = ref->group;
	out->version = NULL;
	out->kind = ref->kind;
}

#define LEND(pool, k, slot)                                                  \
	do {                                                                 \
		if (!((k) = take((pool), &(slot))))                          \
			return fg_error_set(FG_ERROR,                        \
					    "no connection to the cluster"); \
	} while (0)

static int port_list(void *ctx, const struct fg_obj_ref *ref,
		     const char *label_selector, json_t **out)
{
	struct fg_kube_list_opts lo = { label_selector, NULL, 0 };
	struct fg_kube_kind kind;
	struct fg_kube *k;
	json_t *list = NULL;
	char field[300];
	size_t slot;
	int err;

	*out = NULL;
	if (ref->name) {
		snprintf(field, sizeof(field), "metadata.name=%s", ref->name);
		lo.field_selector = field;
	}
	kind_of(ref, &kind);
	LEND(ctx, k, slot);
	err = fg_kube_list(k, &kind, ref->ns, &lo, &list);
	give_back(ctx, slot);
	if (err < 0)
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
	struct fg_kube *k;
	size_t slot;
	int err;

	LEND(ctx, k, slot);
	err = fg_kube_apply(k, obj, &ao, out);
	give_back(ctx, slot);
	return err;
}

static int port_del(void *ctx, const struct fg_obj_ref *ref, const char *uid,
		    int dry_run)
{
	struct fg_kube_delete_opts dopt = { NULL, uid, NULL, dry_run };
	struct fg_kube_kind kind;
	struct fg_kube *k;
	size_t slot;
	int err;

	kind_of(ref, &kind);
	LEND(ctx, k, slot);
	err = fg_kube_delete(k, &kind, ref->ns, ref->name, &dopt, NULL);
	give_back(ctx, slot);
	return err;
}

static int port_get(void *ctx, const struct fg_obj_ref *ref, json_t **out)
{
	struct fg_kube_kind kind;
	struct fg_kube *k;
	size_t slot;
	int err;

	kind_of(ref, &kind);
	LEND(ctx, k, slot);
	err = fg_kube_get(k, &kind, ref->ns, ref->name, out);
	give_back(ctx, slot);
	return err;
}

/* ---- the clock ---- */

static long long clock_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void clock_sleep(void *ctx, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)ctx;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long long clock_wall(void *ctx)
{
	(void)ctx;
	return (long long)time(NULL);
}

const struct fg_clock_port fg_system_clock = { NULL, clock_now, clock_sleep,
					       clock_wall };

/* ---- threads ---- */

struct par {
	size_t n;
	atomic_size_t next;
	void (*fn)(void *arg, size_t i);
	void *arg;
};

static void *par_work(void *v)
{
	struct par *w = v;
	size_t i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->n)
		w->fn(w->arg, i);
	return NULL;
}

static void par_run(void *ctx, size_t n, size_t width,
		    void (*fn)(void *arg, size_t i), void *arg)
{
	pthread_t th[FG_POOL_MAX];
	struct par w;
	size_t started = 0;

	(void)ctx;
	w.n = n;
	atomic_init(&w.next, 0);
	w.fn = fn;
	w.arg = arg;
	if (width > n)
		width = n;
	if (width > FG_POOL_MAX)
		width = FG_POOL_MAX;
	/* this thread is one of the workers */
	for (size_t i = 1; i < width; i++) {
		if (pthread_create(&th[started], NULL, par_work, &w))
			break; /* fewer workers; the others still finish */
		started++;
	}
	par_work(&w);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

void fg_agent_ports_init(struct fg_agent_ports *ap,
			 struct fg_cluster_pool *pool)
{
	memset(ap, 0, sizeof(*ap));
	ap->cluster.ctx = pool;
	ap->cluster.list = port_list;
	ap->cluster.apply = port_apply;
	ap->cluster.del = port_del;
	ap->cluster.get = port_get;
	ap->clock = fg_system_clock;
	ap->parallel.run = par_run;
	ap->ports.cluster = &ap->cluster;
	ap->ports.clock = &ap->clock;
	ap->ports.parallel = &ap->parallel;
}
