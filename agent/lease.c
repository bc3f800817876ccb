/* Leader election on a Lease (agent/lease.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "agent/lease.h"
#include "agent/log.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/base/banned.h"

struct fg_lease {
	struct fg_kube *k;
	char *ns, *name, *identity;
	long duration_ms, renew_ms, retry_ms;
	void (*changed)(void *arg, int leader);
	void (*fetch)(void *arg);
	void *arg;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	atomic_int leader;
	atomic_int standby; /* another holder renews, and we read it */
	atomic_int ask;	    /* a standby: hand a fetch to the leader */
	char *asked_seen;   /* the leader: the fetch annotation last seen */
	int asked_known;    /* ... once it has looked */
	/* what we last saw of another holder, and when (our clock) */
	char *seen;
	long long seen_at, renewed_at;
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void micro_time(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%06ldZ", base, ts.tv_nsec / 1000);
}

static int path(struct fg_buf *b, const struct fg_lease *l, int named)
{
	fg_buf_clear(b);
	return fg_buf_printf(b,
			     "/apis/coordination.k8s.io/v1/namespaces/%s/"
			     "leases%s%s",
			     l->ns, named ? "/" : "", named ? l->name : "");
}

static void set_leader(struct fg_lease *l, int v)
{
	if (atomic_exchange(&l->leader, v) == v)
		return;
	l->asked_known = 0; /* a new leader starts from what it sees */
	FG_LOG_INFO(v ? "lease.acquired" : "lease.lost",
		    FG_LOG_STR("lease", l->name),
		    FG_LOG_STR("identity", l->identity));
	if (l->changed)
		l->changed(l->arg, v);
}

/* The leader: a standby set the fetch annotation since we last looked
 * (what it says when we start leading is history). */
static void fetch_asked(struct fg_lease *l, const json_t *lease)
{
	const char *v = fg_json_str(
		fg_json_path(lease, "metadata", "annotations", NULL),
		FG_LEASE_FETCH_ANNOTATION);

	if (l->asked_known && fg_str_is(l->asked_seen, v))
		return;
	if (l->asked_known && v && l->fetch) {
		FG_LOG_INFO("lease.fetch_asked", FG_LOG_STR("lease", l->name),
			    FG_LOG_STR("at", v));
		l->fetch(l->arg);
	}
	free(l->asked_seen);
	l->asked_seen = v ? strdup(v) : NULL;
	l->asked_known = 1;
}

/* A standby: put the fetch annotation on the Lease `cur` (an update
 * with its resourceVersion; on conflict, asked again at the next try). */
static void ask_leader(struct fg_lease *l, const json_t *cur, const char *now)
{
	struct fg_buf p = FG_BUF_INIT;
	json_t *body = fg_json_deep_copy(cur), *meta, *ann;

	meta = json_object_get(body, "metadata");
	if (!json_is_object(meta))
		goto done;
	if (!json_is_object(ann = json_object_get(meta, "annotations"))) {
		ann = json_object();
		json_object_set_new(meta, "annotations", ann);
	}
	json_object_set_new(ann, FG_LEASE_FETCH_ANNOTATION, json_string(now));
	path(&p, l, 1);
	if (fg_kube_request(l->k, "PUT", p.ptr, body, 0, NULL) == 0) {
		FG_LOG_INFO("lease.ask_fetch", FG_LOG_STR("lease", l->name));
		goto done;
	}
	FG_LOG_DEBUG("lease.ask_fetch", FG_LOG_STR("lease", l->name),
		     FG_LOG_STR("message", fg_error_last()));
	fg_error_clear();
	atomic_store(&l->ask, 1);
done:
	json_decref(body);
	fg_buf_release(&p);
}

/* One attempt to acquire or renew. */
static void tick(struct fg_lease *l)
{
	struct fg_buf p = FG_BUF_INIT;
	json_t *cur = NULL, *body = NULL;
	const json_t *spec;
	const char *holder;
	char now[64], seen[512];
	long long t = mono_ms();
	int err, mine, transitions;

	micro_time(now, sizeof(now));
	path(&p, l, 1);
	err = fg_kube_request(l->k, "GET", p.ptr, NULL, 1, &cur);
	if (err == FG_ENOTFOUND) {
		fg_error_clear();
		body = json_pack(
			"{s:s,s:s,s:{s:s,s:s},s:{s:s,s:i,s:s,s:s,"
			"s:i}}",
			"apiVersion", "coordination.k8s.io/v1", "kind", "Lease",
			"metadata", "name", l->name, "namespace", l->ns, "spec",
			"holderIdentity", l->identity, "leaseDurationSeconds",
			(int)((l->duration_ms + 999) / 1000), "acquireTime",
			now, "renewTime", now, "leaseTransitions", 0);
		path(&p, l, 0);
		err = fg_kube_request(l->k, "POST", p.ptr, body, 0, NULL);
		if (err == 0) {
			l->renewed_at = t;
			set_leader(l, 1);
		}
		goto done;
	}
	if (err < 0)
		goto done;
	spec = fg_json_get(cur, "spec");
	holder = fg_json_str(spec, "holderIdentity");
	mine = fg_str_is(holder, l->identity);
	snprintf(seen, sizeof(seen), "%s@%s", holder ? holder : "",
		 fg_json_str(spec, "renewTime") ? fg_json_str(spec, "renewTime")
						: "");
	if (!l->seen || strcmp(l->seen, seen)) {
		free(l->seen);
		l->seen = strdup(seen);
		l->seen_at = t;
	}
	if (!mine && holder && *holder && t - l->seen_at < l->duration_ms) {
		set_leader(l, 0); /* someone else holds it, and renews */
		atomic_store(&l->standby, 1);
		if (atomic_exchange(&l->ask, 0))
			ask_leader(l, cur, now);
		goto done;
	}
	atomic_store(&l->standby, 0);
	transitions = (int)json_integer_value(
		json_object_get(spec, "leaseTransitions"));
	body = fg_json_deep_copy(cur);
	json_object_set_new(body, "spec",
			    json_pack("{s:s,s:i,s:s,s:s,s:i}", "holderIdentity",
				      l->identity, "leaseDurationSeconds",
				      (int)((l->duration_ms + 999) / 1000),
				      "acquireTime",
				      mine && fg_json_str(spec, "acquireTime")
					      ? fg_json_str(spec, "acquireTime")
					      : now,
				      "renewTime", now, "leaseTransitions",
				      mine ? transitions : transitions + 1));
	/* the resourceVersion read is the precondition: one winner */
	err = fg_kube_request(l->k, "PUT", p.ptr, body, 0, NULL);
	if (err == 0) {
		l->renewed_at = t;
		set_leader(l, 1);
		fetch_asked(l, cur);
	}
done:
	if (err < 0) {
		atomic_store(&l->standby, 0);
		FG_LOG_DEBUG("lease.attempt", FG_LOG_STR("lease", l->name),
			     FG_LOG_STR("message", fg_error_last()));
		fg_error_clear();
		if (atomic_load(&l->leader) &&
		    mono_ms() - l->renewed_at >= l->duration_ms)
			set_leader(l, 0);
		else if (err == FG_ECONFLICT)
			set_leader(l, 0);
	}
	json_decref(cur);
	json_decref(body);
	fg_buf_release(&p);
}

/* Give the Lease up: holder cleared, so another replica takes it now. */
static void give_up(struct fg_lease *l)
{
	struct fg_buf p = FG_BUF_INIT;
	json_t *cur = NULL;

	path(&p, l, 1);
	if (fg_kube_request(l->k, "GET", p.ptr, NULL, 1, &cur) == 0 &&
	    fg_str_is(fg_json_str(fg_json_get(cur, "spec"), "holderIdentity"),
		      l->identity)) {
		json_t *spec = json_object_get(cur, "spec");

		json_object_set_new(spec, "holderIdentity", json_string(""));
		json_object_set_new(spec, "leaseDurationSeconds",
				    json_integer(1));
		if (fg_kube_request(l->k, "PUT", p.ptr, cur, 0, NULL) == 0)
			FG_LOG_INFO("lease.released",
				    FG_LOG_STR("lease", l->name));
	}
	fg_error_clear();
	json_decref(cur);
	fg_buf_release(&p);
}

static void *run(void *arg)
{
	struct fg_lease *l = arg;

	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		struct timespec ts;
		long wait;

		pthread_mutex_unlock(&l->mu);
		tick(l);
		wait = atomic_load(&l->leader) ? l->renew_ms : l->retry_ms;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait / 1000;
		ts.tv_nsec += (wait % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&l->mu);
		if (!l->stop)
			pthread_cond_timedwait(&l->cv, &l->mu, &ts);
	}
	pthread_mutex_unlock(&l->mu);
	if (atomic_load(&l->leader)) {
		give_up(l);
		set_leader(l, 0);
	}
	return NULL;
}

int fg_lease_start(struct fg_lease **out, struct fg_kube *k,
		   const struct fg_lease_opts *o)
{
	struct fg_lease *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l) {
		fg_kube_free(k);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	l->k = k;
	l->ns = strdup(o->ns);
	l->name = strdup(o->name);
	l->identity = strdup(o->identity);
	l->duration_ms = o->duration_ms;
	l->renew_ms = o->renew_ms;
	l->retry_ms = o->retry_ms;
	l->changed = o->changed;
	l->fetch = o->fetch;
	l->arg = o->arg;
	atomic_init(&l->leader, 0);
	atomic_init(&l->standby, 0);
	atomic_init(&l->ask, 0);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if (!l->ns || !l->name || !l->identity ||
	    pthread_create(&l->th, NULL, run, l)) {
		free(l->ns);
		free(l->name);
		free(l->identity);
		fg_kube_free(k);
		free(l);
		return fg_error_set(FG_ERROR, "cannot start leader election");
	}
	*out = l;
	return 0;
}

int fg_lease_leader(struct fg_lease *l)
{
	return l ? atomic_load(&l->leader) : 1;
}

int fg_lease_standby(struct fg_lease *l)
{
	return l && !atomic_load(&l->leader) && atomic_load(&l->standby);
}

void fg_lease_ask_fetch(struct fg_lease *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	atomic_store(&l->ask, 1);
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

void fg_lease_stop(struct fg_lease *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->th, NULL);
	fg_kube_free(l->k);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l->ns);
	free(l->name);
	free(l->identity);
	free(l->seen);
	free(l->asked_seen);
	free(l);
}
