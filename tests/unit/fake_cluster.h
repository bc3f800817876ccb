/*
 * A FAKE Kubernetes API server, in memory, for the unit tests of the pass
 * (sync/pass.h). It stands in only where a real one cannot run: unit
 * tests must run in well under a second, without network and without
 * sleeping. Every behaviour here is also tested against the real
 * kube-apiserver by the integration tests (tests/integration/), which
 * are the authority; this fake models just enough of it:
 *
 *  - server-side apply with field ownership: each manager's set of
 *    fields (as JSON pointers; lists and empty maps are leaves, as for
 *    the Flink CRDs, whose lists are atomic), kept in
 *    metadata.managedFields as fieldsV1; a field another manager owns
 *    with another value conflicts unless forced; fields a manager no
 *    longer applies are removed unless someone else owns them;
 *  - an Update by another manager (kubectl edit) that takes the fields
 *    it changes;
 *  - defaulting of one built-in kind (a Service port's protocol and
 *    targetPort), so "the server rewrote it" can be told from "someone
 *    changed it";
 *  - uids, delete preconditions, finalizers that run after a delay;
 *  - LIST per kind and namespace, label selectors of the form k=v,k2;
 *  - namespaces, when a test asks for them (fake_namespaces): a LIST of
 *    namespaces, an apply into a namespace that does not exist failing
 *    as the server's does, an applied Namespace existing; otherwise the
 *    LIST is forbidden, as for a namespace-scoped identity, and every
 *    namespace exists;
 *  - a fake clock whose sleeps advance time and call a hook (the
 *    "operator" of a test);
 *  - failures injected per kind/namespace (LIST) or per name (apply);
 *  - a log of every request, and counters.
 */
#ifndef FG_TESTS_FAKE_CLUSTER_H
#define FG_TESTS_FAKE_CLUSTER_H

#include <jansson.h>

#include "render/base/buf.h"
#include "sync/ports.h"

struct fake_cluster;
typedef void (*fake_hook)(struct fake_cluster *f, void *arg);

struct fake_cluster {
	json_t *objs;	    /* "group/kind/ns/name" -> object */
	json_t *owners;	    /* same key -> {manager: {"op": s, "p": [ptr]}} */
	json_t *dying;	    /* same key -> sleeps left before it is gone */
	json_t *fail;	    /* "list Kind/ns" or "apply Kind/name" -> msg */
	json_t *namespaces; /* name -> true; NULL: not modelled */
	int uid_seq, rv;
	long long now;	      /* the fake clock, ms */
	int finalizer_sleeps; /* FlinkSessionJob deletes take this long */
	fake_hook on_sleep;
	void *on_sleep_arg;
	struct fg_buf log; /* "apply ConfigMap/ns/n;delete ...;" */
	unsigned long lists, gets, applies, dry_runs, deletes;
	struct fg_cluster_port port;
	struct fg_clock_port clock;
	struct fg_ports ports;
};

void fake_init(struct fake_cluster *f);
void fake_release(struct fake_cluster *f);
/* Forget the log and counters (the objects stay). */
void fake_reset_counts(struct fake_cluster *f);

/* The stored object (borrowed), or NULL. */
json_t *fake_obj(struct fake_cluster *f, const char *group, const char *kind,
		 const char *ns, const char *name);

/* Create or replace `obj` (stolen) as manager `manager` (Update). */
void fake_put(struct fake_cluster *f, json_t *obj, const char *manager);

/* `manager` (an Update, as kubectl edit) sets the field at `pointer` to
 * `value` (stolen; NULL removes it). */
void fake_edit(struct fake_cluster *f, const char *group, const char *kind,
	       const char *ns, const char *name, const char *pointer,
	       json_t *value, const char *manager);

/* The operator writes `status` (stolen) through the status subresource. */
void fake_status(struct fake_cluster *f, const char *group, const char *kind,
		 const char *ns, const char *name, json_t *status);

/* The operator's status after it reconciled the live spec of the
 * FlinkDeployment-like `kind`/`name`: lifecycleState `lc`, the job state,
 * the spec recorded in lastReconciledSpec, upgradeSavepointPath (or
 * NULL). */
void fake_reconciled(struct fake_cluster *f, const char *ns, const char *kind,
		     const char *name, const char *lc, const char *job_state,
		     const char *savepoint);

/* Make every LIST of `kind` in `ns`, or every apply of kind/name, fail. */
void fake_fail_list(struct fake_cluster *f, const char *kind, const char *ns,
		    const char *message);
void fake_fail_apply(struct fake_cluster *f, const char *kind, const char *name,
		     const char *message);

/* Model namespaces: those in `names` (NULL-terminated) exist, no other. */
void fake_namespaces(struct fake_cluster *f, const char *const *names);

/* How many times `what` ("apply ConfigMap/ns/n") is in the log. */
int fake_count(const struct fake_cluster *f, const char *what);

#endif
