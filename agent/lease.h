/*
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's
 * leaderelection does it, on its own thread and connection: GET the
 * Lease; CREATE it when absent; take it over (UPDATE with the
 * resourceVersion read, so of two replicas only one wins) when its
 * holder is us, nobody, or has not renewed for leaseDuration as seen
 * from here (our own clock: no trust in other clocks); renew every
 * renewPeriod while leading; stop leading when a renewal has not
 * succeeded for leaseDuration. On release the holder clears the Lease
 * so another replica takes over at once.
 *
 * A standby (a replica that reads the Lease and sees another holder
 * renew it) is healthy and ready to take over; a push announced to it
 * (a webhook behind a Service reaches any replica) is handed to the
 * leader through the Lease: the standby sets the annotation
 * FG_LEASE_FETCH_ANNOTATION (an update with the resourceVersion read,
 * retried on conflict), and the leader, seeing it change at its next
 * renewal, fetches at once.
 */
#ifndef FG_AGENT_LEASE_H
#define FG_AGENT_LEASE_H

#include "agent/kube/kube.h"

struct fg_lease_opts {
	const char *ns, *name, *identity;
	long duration_ms, renew_ms, retry_ms;
	/* called on the lease's thread when leadership changes */
	void (*changed)(void *arg, int leader);
	/* called on the lease's thread, while leading, when a standby
	   asked for a fetch (NULL: ignored) */
	void (*fetch)(void *arg);
	void *arg;
};

#define FG_LEASE_FETCH_ANNOTATION "flink-gitops.io/fetch-requested"

struct fg_lease;

/* Start electing with client `k` (taken). */
int fg_lease_start(struct fg_lease **out, struct fg_kube *k,
		   const struct fg_lease_opts *o);
/* 1 while this replica leads. Thread-safe. */
int fg_lease_leader(struct fg_lease *l);
/* 1 while another replica leads and this one reads the Lease (a healthy
 * standby). Thread-safe. */
int fg_lease_standby(struct fg_lease *l);
/* A standby: ask the leader to fetch now (through the Lease). */
void fg_lease_ask_fetch(struct fg_lease *l);
/* Stop; when leading, give the Lease up. */
void fg_lease_stop(struct fg_lease *l);

#endif
