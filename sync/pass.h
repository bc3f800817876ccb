/*
 * The pass: the one reconcile path of flink-gitops. `plan`, `sync`,
 * `drift` and the agent's loop are all this pass cut at different points;
 * none of them has a second copy of any decision.
 *
 *   fg_pass_plan     builds the scope once, observes every namespace
 *                    through the cluster port and decides: every action,
 *                    with its Flink classification, restart cost and
 *                    policy verdict. `plan` prints it; `drift` reads the
 *                    drift out of it.
 *   fg_pass_execute  carries the decided actions out through the ports,
 *                    in order, with waits on the clock port. `sync` =
 *                    plan + execute; `drift --self-heal` = plan with
 *                    FG_PASS_HEAL_ONLY + execute.
 *   fg_decide_ns     the decision itself: a pure function of (desired
 *                    objects, live objects, inventory, policy, options),
 *                    exposed for tests.
 *
 * Scope. The namespaces of a pass are, in name order: every namespace
 * folder the repository renders (a failed one included: it is reported
 * and never touched), and every namespace where this repository's
 * inventory records objects but whose folder is gone (an "orphan": its
 * objects are prune candidates, held back unless policy prune: true).
 * Namespaces only another repository's inventory knows are never in
 * scope. When flink-gitops.yaml itself is broken, every namespace is
 * failed: nothing is observed, applied or pruned anywhere.
 *
 * Identity. A repository is named by `name:` in flink-gitops.yaml
 * (FG_PASS_DEFAULT_REPOSITORY without one). Its inventory in a namespace
 * is the ConfigMap fg_inventory_name() gives, and its members carry that
 * inventory's ApplySet id as part-of label. An object another
 * repository's inventory manages is never taken over: it is a conflict
 * in the plan (rule FG_RULE_OWNED_ELSEWHERE).
 *
 * Decisions, per desired object (the live object is the LIST's):
 *   - absent: create.
 *   - ours (our part-of label) and the same desired-hash as Git's: Git
 *     has not changed since we applied it. Differences the API server
 *     made (defaulting, normalised values) on fields no other manager
 *     touches are no change; what another manager changed or removed is
 *     drift. Drift is taken back (an update, forced) when healing
 *     (FG_PASS_HEAL: `sync` by hand, the agent with selfHeal) and only
 *     reported otherwise. A nonce changed outside Git is never written
 *     back (it would fire again): blocked, rule FG_RULE_NONCE.
 *   - otherwise Git changed it: an update of every differing field. A
 *     field Git sets that another manager owns with another value
 *     conflicts: taken over when healing an object that is ours (Git is
 *     the truth for it) or under policy force, else blocked (rule
 *     FG_RULE_CONFLICT) naming the managers.
 *   Each update of a Flink kind is classified as the operator will act
 *   on it (sync/classify.h) and checked by the state-safety policy
 *   (sync/policy.h); a verdict BLOCK holds it back.
 * Per inventory member Git no longer has: delete, checked by policy
 * (suspend-first, allow, block); a session cluster only once no session
 * job uses it (jobs deleted in the same pass are waited for).
 * Across the pass: a job Git creates that replaces a job with state Git
 * deletes (a rename, a move to another namespace) is a move, decided
 * for both halves by policy move (sync/move.c).
 * Per namespace: a failed render, or an empty render while the
 * inventory holds objects (policy prune), blocks every action there. A
 * namespace the cluster does not have (one LIST of namespaces per pass;
 * when it may not be listed, every namespace is taken to exist) is a
 * step of its own, kind Namespace, first: created under policy
 * createNamespace or opts.create_namespace, else blocked (rule
 * FG_RULE_NAMESPACE_MISSING) with every create there held by it.
 *
 * Built-in kinds are defaulted by the API server (a Service port's
 * protocol); the Flink CRDs declare no defaults. So a built-in object
 * whose fields differ, and any object whose drift candidates another
 * manager touches, is settled by a server-side dry-run apply during
 * observe (one request per such object; none in a quiet cluster), and
 * decided again on what the server would really store.
 */
#ifndef FG_SYNC_PASS_H
#define FG_SYNC_PASS_H

#include <stddef.h>

#include <jansson.h>

#include "render/render.h"
#include "sync/classify.h"
#include "sync/diff.h"
#include "sync/health.h"
#include "sync/inventory.h"
#include "sync/observe.h"
#include "sync/policy.h"
#include "sync/ports.h"

#define FG_PASS_DEFAULT_REPOSITORY "default"
#define FG_PASS_WAIT_MS 300000L	    /* default bound of one wait */
#define FG_PASS_POLL_MS 500L	    /* default pause between GETs */
#define FG_PASS_PARALLEL_NS 8	    /* namespaces at a time */
#define FG_PASS_PARALLEL_OBJECTS 32 /* writes at a time, per rank */
#define FG_PASS_MAX_ALLOW_PRUNE 256 /* --allow-prune-namespace given */
/* Field manager of the suspend-first patch (job.state, upgradeMode). */
#define FG_PASS_SUSPEND_MANAGER "flink-gitops-suspend"
/* Field manager that co-owns spec.job.initialSavepointPath of a moved
 * job: Git does not set it, and flink-gitops' next apply keeps it. */
#define FG_PASS_MOVE_MANAGER "flink-gitops-move"
/* On a job in Git: the job it replaces, "NAMESPACE/NAME" or "NAME". */
#define FG_MOVED_FROM_ANNOTATION "flink-gitops.io/moved-from"

/* What this pass may do about a difference. */
enum fg_pass_mode {
	FG_PASS_HEAL = 0,   /* apply Git changes and take drift back */
	FG_PASS_APPLY_ONLY, /* apply Git changes; drift is only reported
			       (the agent without selfHeal) */
	FG_PASS_HEAL_ONLY,  /* take drift back, nothing else (drift
			       --self-heal): no creates, deletes or Git
			       changes */
};

struct fg_pass_opts {
	enum fg_pass_mode mode;
	const char *repository; /* identity; NULL: flink-gitops.yaml's
				   name, else FG_PASS_DEFAULT_REPOSITORY */
	/* -n: only these namespaces (each must be in scope: rendered, or
	   known to our inventory); nnamespaces 0: every namespace */
	const char *const *namespaces;
	size_t nnamespaces;
	int dry_run;	     /* writes with dryRun=All, inventory kept */
	const char *tooling; /* "flink-gitops/<version>" */
	/* run overrides (the CLI's): policy delete: allow for every
	   object, and prune: true for the namespaces named */
	int allow_delete;
	const char *const *allow_prune;
	size_t nallow_prune;
	int create_namespace;  /* policy createNamespace: true, this run */
	int no_prune;	       /* apply, delete nothing (--no-prune) */
	long wait_ms, poll_ms; /* 0: FG_PASS_WAIT_MS, FG_PASS_POLL_MS */
	size_t parallel_ns;    /* 0: FG_PASS_PARALLEL_NS */
	/* the operator\'s configuration when the caller has read it
	   (borrowed; NULL: the pass reads it, else flink-gitops.yaml\'s
	   operatorDefaults, else it is unknown) */
	const json_t *operator_conf;
	const char *operator_conf_source;
	size_t parallel_objects; /* 0: FG_PASS_PARALLEL_OBJECTS */
	/*
	 * The namespaces the identity may touch (the agent's
	 * sync.namespaces, borrowed): nwithin 0: every namespace. The
	 * others are out of scope (a namespace Git renders there is
	 * neither read nor written); inventories are listed in each of
	 * these, not across namespaces; namespaces are not listed (each
	 * is taken to exist: its RoleBinding is there). So a pass sends
	 * no request a namespaced Role does not allow.
	 */
	const char *const *within;
	size_t nwithin;
	/* the namespace of the operator's configuration when the pass
	   reads it (fg_observe_operator_conf); NULL: across namespaces,
	   or, with `within`, not read */
	const char *operator_ns;
};

enum fg_action {
	FG_ACTION_NOOP = 0,
	FG_ACTION_CREATE,
	FG_ACTION_UPDATE,
	FG_ACTION_DELETE,
};

const char *fg_action_name(enum fg_action a); /* "create" ... */

/* Why an object differs (bits of fg_step.why). */
#define FG_WHY_GIT 0x1		/* Git's content is not what was applied */
#define FG_WHY_DRIFT 0x2	/* someone else changed fields Git sets */
#define FG_WHY_ADOPT 0x4	/* it exists but is not in our inventory */
#define FG_WHY_BOOKKEEPING 0x8	/* only our labels and annotations */
#define FG_WHY_ROLLED_BACK 0x10 /* the operator runs an older spec */

/* What a changed Flink object became after sync (fg_pass_wait). */
enum fg_wait_result {
	FG_WAIT_NONE = 0, /* not waited for */
	FG_WAIT_HEALTHY,  /* STABLE and its job RUNNING (or SUSPENDED, when
			     Git suspends it) */
	FG_WAIT_DEGRADED, /* the operator reports it failed */
	FG_WAIT_TIMEOUT,  /* still progressing when the bound passed */
	FG_WAIT_GONE,	  /* deleted meanwhile */
};

const char *fg_wait_result_name(enum fg_wait_result w); /* "healthy" */

/* What execution made of a step. */
enum fg_outcome {
	FG_OUTCOME_NONE = 0, /* not executed: a plan, a noop, held back */
	FG_OUTCOME_DONE,
	FG_OUTCOME_FAILED,
	FG_OUTCOME_CONFLICT, /* another field manager; not forced */
	FG_OUTCOME_GONE,     /* a delete found it already gone */
	FG_OUTCOME_LEFT,     /* replaced or no longer ours: left alone */
	FG_OUTCOME_WAITING,  /* a wait ran out: the next pass goes on */
};

const char *fg_outcome_name(enum fg_outcome o); /* "done" ... */

/* One object's decision, and what came of it. */
struct fg_step {
	char *group, *kind, *name;	 /* owned */
	int rank;			 /* fg_apply_rank */
	enum fg_action wanted;		 /* what matching Git takes */
	enum fg_action action;		 /* what this pass does (NOOP when the
				      mode leaves it, or when blocked) */
	unsigned why;			 /* FG_WHY_* */
	const struct fg_object *desired; /* borrowed from the render */
	json_t *live;			 /* owned reference, or NULL */
	char *uid;			 /* owned: inventory uid, or NULL */
	struct fg_classification cls;
	struct fg_verdict verdict;	/* BLOCK: held back, reason inside */
	int force;			/* apply taking fields over */
	struct fg_changes changes;	/* every field that differs */
	struct fg_drift drift;		/* of those, what others changed */
	struct fg_health_report health; /* Flink kinds: from the status */
	char impact[1024]; /* in words: "restarts from a savepoint" */
	char *note;	   /* owned: more to say, or NULL */
	int settle;	   /* observe asks the server what it would store */
	int suspend_first; /* a delete: suspend with a savepoint first */
	int ours;	   /* the live object carries our part-of label */
	int hpa;	   /* an HPA scales it: its replicas are not sent */
	/* a rename or move (policy rule g): the other half, or NULL */
	struct fg_step *move_peer;
	struct fg_pass_ns *move_peer_ns; /* the other half's namespace */
	int move_savepoint; /* carried out: the old job suspended with a
			       savepoint, the new one created from it, the
			       old one deleted (by the create half) */
	/* execution */
	enum fg_outcome outcome;
	char *message; /* owned: why it failed, what it did */
	unsigned long writes;
	/* after execution, when waited for (fg_pass_wait) */
	enum fg_wait_result waited;
	struct fg_health_report wait_health; /* the last health read */
	long long wait_ms;		     /* how long until it settled */
};

struct fg_pass_ns {
	char *name;			/* owned */
	const struct fg_ns *rendered;	/* borrowed; NULL for an orphan */
	const struct fg_flink_env *env; /* the pass's, borrowed */
	int failed;			/* render errors here (or in config) */
	const json_t *policy_map;	/* borrowed */
	struct fg_policy policy;
	char inventory[64];	      /* our inventory ConfigMap's name */
	char id[FG_APPLYSET_ID_SIZE]; /* its ApplySet id */
	struct fg_live live;
	json_t *settled;	   /* "group/kind/name" -> what a dry-run apply
				 says the server would store */
	int observed;		   /* live holds the cluster's view */
	int absent;		   /* the cluster has no such namespace */
	char *error;		   /* owned: why it could not be observed or
				 executed, or NULL */
	struct fg_verdict verdict; /* namespace rules; BLOCK: untouched */
	struct fg_step *v;
	size_t n, cap;
	/* execution */
	int executed;
	/* members recorded before their first apply (uid "" when the
	   object is new): what the inventory holds until the pass ends */
	struct fg_inventory intent;
	json_t *inventory_written;	   /* owned: as last written, or NULL */
	unsigned long inventory_writes;	   /* intent and final */
	enum fg_outcome inventory_outcome; /* its final write, if any */
	char *inventory_message;
	unsigned long writes, lists, dry_runs;
	/* by fg_pass_count: changes sent, and of those not made (failed,
	   waiting) plus a failed inventory write; unfinished > 0: the
	   namespace is only partly synced */
	size_t changes, unfinished;
};

struct fg_pass {
	struct fg_pass_ns *v;
	size_t n, cap;
	struct fg_pass_opts opts;
	struct fg_flink_env env;    /* what the operator runs objects with */
	json_t *operator_conf;	    /* owned, or NULL */
	char *operator_conf_source; /* owned */
	const struct fg_desired *desired; /* borrowed */
	char *repository;		  /* owned: the identity used */
	int offline;			  /* live is another revision */
	char *base, *head;		  /* owned labels, may be NULL */
	char *error; /* owned: the scope could not be built, or NULL */
	/* totals, by fg_pass_count */
	size_t creates, updates, deletes, unchanged, blocked, drifted;
	size_t failed, failed_ns, blocked_ns, synced_ns, partial_ns;
	size_t render_errors;
	unsigned long writes, lists, dry_runs;
	/* fg_pass_wait */
	int waited;
	size_t wait_healthy, wait_degraded, wait_timeout;
	long long wait_ms;
};

/*
 * Build the scope of `d` (borrowed; it must outlive the pass), observe
 * every namespace in it through `ports` (the cluster port's LISTs and
 * dry-runs only: nothing is written) and decide. 0 with *out set even
 * when namespaces could not be observed (their `error` says why; the
 * others are decided); FG_E* with *out NULL when nothing could be done
 * (the inventories could not be listed, memory).
 */
int fg_pass_plan(struct fg_pass **out, const struct fg_desired *d,
		 const struct fg_ports *ports, const struct fg_pass_opts *opts);

/*
 * The same between two revisions (plan --base), without a cluster: the
 * render `base` stands in for it. Base objects have no status and no
 * managedFields; every field they set counts as ours, so a field Git
 * drops is a change.
 */
int fg_pass_plan_offline(struct fg_pass **out, const struct fg_desired *head,
			 const struct fg_desired *base,
			 const struct fg_pass_opts *opts);

/*
 * Carry out every decided action through `ports`: creates and updates in
 * rank order (objects of one rank at once, up to parallel_objects),
 * deletes in reverse, suspend-first and session-cluster waits on the
 * clock port, then the inventory (written only when it changes; not in a
 * dry run). An object the inventory does not record yet is recorded
 * before it is first applied (no uid yet), so that no run, however it
 * ends, leaves an object of ours that no inventory lists. Namespaces
 * run at once up to parallel_ns. A failure is the step's outcome; 0
 * unless memory ran out.
 */
int fg_pass_execute(struct fg_pass *p, const struct fg_ports *ports);

/*
 * After fg_pass_execute: wait, on the clock port, until every Flink
 * object this pass created or updated (not in a dry run) is healthy as
 * the operator reports it in its status (sync/health.h: STABLE and its
 * job RUNNING; SUSPENDED when Git suspends it), ends Degraded (for the
 * generation written: a status of an older one is still progress), or
 * `timeout_ms` passes (0: FG_PASS_WAIT_MS), reading each with a GET
 * every poll_ms. `progress` (may be NULL) is called whenever an object's
 * health changes, and once more for each when it settles. Sets each
 * step's `waited` and the pass' wait totals; 0 unless memory ran out.
 */
typedef void (*fg_wait_progress_fn)(void *arg, const struct fg_pass_ns *ns,
				    const struct fg_step *s,
				    long long elapsed_ms);
int fg_pass_wait(struct fg_pass *p, const struct fg_ports *ports,
		 long long timeout_ms, fg_wait_progress_fn progress, void *arg);

/* Recount the totals (after plan and after execute). After execute,
 * creates, updates and deletes count what was done; a step that failed
 * or still waits counts as failed only, and its namespace as partly
 * synced. */
void fg_pass_count(struct fg_pass *p);

/* Set the labels shown in headers (copied; either may be NULL). */
int fg_pass_set_labels(struct fg_pass *p, const char *base, const char *head);

void fg_pass_free(struct fg_pass *p);

/* 1 when the step is held back by policy or a conflict. */
int fg_step_blocked(const struct fg_step *s);

/* Rank of the step that creates a missing namespace: before all. */
#define FG_NAMESPACE_RANK (-1)

/* 1 when `s` is the step of a namespace the cluster does not have. */
int fg_step_is_namespace(const struct fg_step *s);

/*
 * The decision for one observed namespace: `ns` holds its name, policy,
 * inventory name and id, `rendered` and the observed `live`; fills
 * ns->verdict and ns->v. Pure: reads nothing but its arguments. `offline`
 * as for fg_pass_plan_offline.
 */
int fg_decide_ns(struct fg_pass_ns *ns, const struct fg_pass_opts *opts,
		 int offline);

/*
 * The namespaces that hold an inventory of repository `repository`: one
 * LIST of ConfigMaps across namespaces by label, or, when `within` names
 * nwithin namespaces, one LIST in each of them. *out a new JSON array of
 * names, each once.
 */
int fg_pass_inventory_namespaces(const struct fg_cluster_port *port,
				 const char *repository,
				 const char *const *within, size_t nwithin,
				 json_t **out);

/* 1 when `ns` is one of opts->within (or within is empty). */
int fg_pass_within(const struct fg_pass_opts *opts, const char *ns);

#endif
