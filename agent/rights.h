/*
 * What the agent asks of the API server: one table of rights (group,
 * resource, verbs, where), the same one `flink-gitops check` reviews and
 * the RBAC of deploy/ grants, nothing more (a test compares them, and
 * another runs the agent on exactly these rights against a real API
 * server and finds no 403 in its audit log).
 *
 * Scopes:
 *  - FG_RIGHTS_MANAGED: in each namespace the agent manages (the
 *    namespaces of sync.namespaces, each by a namespaced Role; without
 *    it, all namespaces, by a ClusterRole);
 *  - FG_RIGHTS_CLUSTER: only for an agent that manages every namespace
 *    (the LIST and WATCH of namespaces, and of inventories and the
 *    operator's configuration across namespaces);
 *  - FG_RIGHTS_LEASE: in leaderElection.namespace, with leader election;
 *  - FG_RIGHTS_OPERATOR: in cluster.operatorNamespace, when set: the
 *    operator's ConfigMap by name;
 *  - FG_RIGHTS_CHECK: cluster-scoped, for `check` only: reading the
 *    Flink CRDs (which release they are) and reviewing its own access.
 *
 * Some rows are needed only for some repositories or settings
 * (FG_RIGHTS_IF_*): a Role and a RoleBinding in Git (managed only when
 * granted; escalate and bind, since a Role for Flink's pods grants
 * rights the agent does not hold), Secrets (an agent with age
 * identities), Events (reports.events), Leases (leader election),
 * creating namespaces (policy createNamespace: true).
 */
#ifndef FG_AGENT_RIGHTS_H
#define FG_AGENT_RIGHTS_H

#include <stddef.h>

enum fg_rights_scope {
	FG_RIGHTS_MANAGED,
	FG_RIGHTS_CLUSTER,
	FG_RIGHTS_LEASE,
	FG_RIGHTS_OPERATOR,
	FG_RIGHTS_CHECK,
};

#define FG_RIGHTS_IF_EVENTS 0x1	    /* reports.events */
#define FG_RIGHTS_IF_SECRETS 0x2    /* Secrets in Git (source.ageIdentities) */
#define FG_RIGHTS_IF_ROLES 0x4	    /* Roles and RoleBindings in Git */
#define FG_RIGHTS_IF_LEADER 0x8	    /* leaderElection.enabled */
#define FG_RIGHTS_IF_CREATE_NS 0x10 /* policy createNamespace: true */
#define FG_RIGHTS_MAX_VERBS 8
#define FG_RIGHTS_MAX_NAMES 4

struct fg_right {
	enum fg_rights_scope scope;
	unsigned when; /* FG_RIGHTS_IF_* bits; 0: always */
	const char *group, *resource, *kind;
	const char *verbs[FG_RIGHTS_MAX_VERBS]; /* NULL-terminated */
	const char *names[FG_RIGHTS_MAX_NAMES]; /* resourceNames; none: all */
	const char *why;
};

/* The table, and its length. */
const struct fg_right *fg_rights(size_t *n);

/* "managed", "cluster", "lease", "operator", "check". */
const char *fg_rights_scope_name(enum fg_rights_scope s);

#endif
