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
 *
 * A server that stopped answering. Each call retries on its own
 * (agent/kube/), so without more a pass of a thousand objects against a
 * crashed API server spent its retries a thousand times over (139 s
 * before a CI job heard what had not been done; against a black hole,
 * one request timeout per object). Once a call ends with no answer at
 * all, the pool holds the calls that follow and lets one of them at a
 * time go out as a probe; the calls that got no answer join them (they
 * may be repeated: a server-side apply, a GET, a LIST, a delete with a
 * uid precondition). An answer (an error status too) releases them all,
 * so a server that restarts within FG_POOL_OUTAGE_MS costs only the
 * wait; past that, they fail at once without being sent, naming the
 * failure, and a probe goes out every FG_POOL_PROBE_MS until the server
 * answers again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
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
	unsigned long not_sent;
	long long down_since; /* monotonic ms of the first call unanswered;
				 0: the server answers */
	long long probe_end;  /* when the last probe came back */
	size_t probe;	      /* the probe's connection + 1, or 0 */
	char down_why[FG_ERROR_MSG_MAX];
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
	struct fg_pool_stats st;

	fg_cluster_pool_stats(p, &st);
	return st.requests;
}

void fg_cluster_pool_stats(struct fg_cluster_pool *p, struct fg_pool_stats *out)
{
	struct fg_kube_stats st;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->opened; i++) {
		fg_kube_get_stats(p->conn[i], &st);
		out->requests += st.requests;
		out->retries += st.retries;
	}
	out->not_sent = p->not_sent;
	pthread_mutex_unlock(&p->mu);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * With p->mu held, while the server does not answer: 1 when the caller
 * goes out as the probe, 0 when it must wait, -1 (error set) when it
 * fails unsent.
 */
static int outage(struct fg_cluster_pool *p)
{
	long long now = mono_ms();
	int over = now - p->down_since >= FG_POOL_OUTAGE_MS;

	if (!p->probe && (!over || now - p->probe_end >= FG_POOL_PROBE_MS))
		return 1;
	if (!over)
		return 0;
	p->not_sent++;
	fg_error_set(FG_ERROR,
		     "not sent: the API server has not answered for %lld s "
		     "(%s)",
		     (now - p->down_since) / 1000, p->down_why);
	return -1;
}

/* Wait on p->freed (p->mu held) for at most `ms`. */
static void wait_ms(struct fg_cluster_pool *p, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (ms % 1000) * 1000000L;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(&p->freed, &p->mu, &ts);
}

/* A free connection: an idle one, else a new one, else wait; NULL with
 * the error set when the server stopped answering (or nothing can come
 * back). */
static struct fg_kube *take(struct fg_cluster_pool *p, size_t *slot)
{
	struct fg_kube *k = NULL;
	int probe = 0;
	size_t i;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->down_since && !probe) {
			int o = outage(p);

			if (o < 0) {
				pthread_mutex_unlock(&p->mu);
				return NULL;
			}
			if (o == 0) {
				wait_ms(p, 100);
				continue;
			}
			probe = 1;
			p->probe = (size_t)-1; /* taken; its slot below */
		}
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
			fg_error_set(FG_ERROR, "no connection to the cluster");
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		pthread_cond_wait(&p->freed, &p->mu);
	}
	p->busy[i] = 1;
	k = p->conn[i];
	*slot = i;
	if (probe)
		p->probe = i + 1;
	pthread_mutex_unlock(&p->mu);
	return k;
}

/*
 * Return a connection after a call that returned `err`. 1 when the call
 * is to go out again (`again` allows it: it may be repeated): it got no
 * answer and the server has not been silent for FG_POOL_OUTAGE_MS yet.
 */
static int give_back(struct fg_cluster_pool *p, size_t slot, int err, int again)
{
	int retry = 0;

	pthread_mutex_lock(&p->mu);
	if (err < 0 && fg_kube_last_unanswered(p->conn[slot])) {
		if (!p->down_since)
			p->down_since = mono_ms();
		snprintf(p->down_why, sizeof(p->down_why), "%s",
			 fg_error_last());
		retry = again && mono_ms() - p->down_since < FG_POOL_OUTAGE_MS;
	} else {
		p->down_since = 0; /* it answered */
	}
	if (p->probe == slot + 1) {
		p->probe = 0;
		p->probe_end = mono_ms();
	}
	if (p->tmpl)
		fg_kube_adopt_discovery(p->tmpl, p->conn[slot]);
	p->busy[slot] = 0;
	pthread_cond_broadcast(&p->freed);
	pthread_mutex_unlock(&p->mu);
	return retry;
}

static void kind_of(const struct fg_obj_ref *ref, struct fg_kube_kind *out)
{
	out->group = ref->group;
	out->version = NULL;
	out->kind = ref->kind;
}

#define LEND(pool, k, slot)                         \
	do {                                        \
		if (!((k) = take((pool), &(slot)))) \
			return FG_ERROR;            \
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
	do {
		LEND(ctx, k, slot);
		err = fg_kube_list(k, &kind, ref->ns, &lo, &list);
	} while (give_back(ctx, slot, err, 1));
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

	do { /* server-side apply: the same intent twice is the same */
		LEND(ctx, k, slot);
		err = fg_kube_apply(k, obj, &ao, out);
	} while (give_back(ctx, slot, err, 1));
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
	do { /* with a uid it cannot delete another object */
		LEND(ctx, k, slot);
		err = fg_kube_delete(k, &kind, ref->ns, ref->name, &dopt, NULL);
	} while (give_back(ctx, slot, err, uid != NULL));
	return err;
}

static int port_get(void *ctx, const struct fg_obj_ref *ref, json_t **out)
{
	struct fg_kube_kind kind;
	struct fg_kube *k;
	size_t slot;
	int err;

	kind_of(ref, &kind);
	do {
		LEND(ctx, k, slot);
		err = fg_kube_get(k, &kind, ref->ns, ref->name, out);
	} while (give_back(ctx, slot, err, 1));
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
