/*
 * The agent's rights (agent/rights.h), read from what it sends:
 * sync/observe.c and sync/pass.c LIST (and, through the watch cache,
 * WATCH) every kind Git holds and the HPAs in each namespace, the
 * inventories and namespaces; sync/exec.c applies (server-side apply:
 * PATCH, which the API server also authorises as create for an object
 * that does not exist yet) and deletes; sync/wait.c GETs the objects it
 * waits for; agent/run_report.c applies annotations and Events;
 * agent/lease.c GETs, creates and updates (PUT) its Lease.
 */
#include "agent/rights.h"
#include "render/base/banned.h"

#define ALL "get", "list", "watch", "create", "patch", "delete"
#define FLINK "flink.apache.org"
#define RBAC "rbac.authorization.k8s.io"

static const struct fg_right rights[] = {
	{ FG_RIGHTS_MANAGED,
	  0,
	  FLINK,
	  "flinkdeployments",
	  "FlinkDeployment",
	  { ALL },
	  { 0 },
	  "read, watch, apply and prune; get while waiting" },
	{ FG_RIGHTS_MANAGED,
	  0,
	  FLINK,
	  "flinksessionjobs",
	  "FlinkSessionJob",
	  { ALL },
	  { 0 },
	  "read, watch, apply and prune; get while waiting" },
	{ FG_RIGHTS_MANAGED,
	  0,
	  FLINK,
	  "flinkbluegreendeployments",
	  "FlinkBlueGreenDeployment",
	  { ALL },
	  { 0 },
	  "read, watch, apply and prune; get while waiting" },
	{ FG_RIGHTS_MANAGED,
	  0,
	  FLINK,
	  "flinkstatesnapshots",
	  "FlinkStateSnapshot",
	  { ALL },
	  { 0 },
	  "read, watch, apply and prune" },
	{ FG_RIGHTS_MANAGED,
	  0,
	  "",
	  "configmaps",
	  "ConfigMap",
	  { ALL },
	  { 0 },
	  "a supporting kind, and the inventory of what was applied" },
	{ FG_RIGHTS_MANAGED,
	  0,
	  "",
	  "serviceaccounts",
	  "ServiceAccount",
	  { ALL },
	  { 0 },
	  "a supporting kind" },
	{ FG_RIGHTS_MANAGED,
	  0,
	  "autoscaling",
	  "horizontalpodautoscalers",
	  "HorizontalPodAutoscaler",
	  { "list", "watch" },
	  { 0 },
	  "which FlinkDeployments an HPA scales (their replicas are no "
	  "drift)" },
	{ FG_RIGHTS_MANAGED,
	  FG_RIGHTS_IF_EVENTS,
	  "",
	  "events",
	  "Event",
	  { "create", "patch" },
	  { 0 },
	  "Events on the objects (applied, blocked, failed, degraded)" },
	{ FG_RIGHTS_MANAGED,
	  FG_RIGHTS_IF_SECRETS,
	  "",
	  "secrets",
	  "Secret",
	  { ALL },
	  { 0 },
	  "age-encrypted Secrets in Git" },
	{ FG_RIGHTS_MANAGED,
	  FG_RIGHTS_IF_ROLES,
	  RBAC,
	  "roles",
	  "Role",
	  { ALL, "escalate", "bind" },
	  { 0 },
	  "Roles in Git (escalate: a Role may grant what the agent lacks)" },
	{ FG_RIGHTS_MANAGED,
	  FG_RIGHTS_IF_ROLES,
	  RBAC,
	  "rolebindings",
	  "RoleBinding",
	  { ALL },
	  { 0 },
	  "RoleBindings in Git" },
	{ FG_RIGHTS_CLUSTER,
	  0,
	  "",
	  "namespaces",
	  "Namespace",
	  { "list", "watch" },
	  { 0 },
	  "which namespaces exist (a namespace Git wants and the cluster "
	  "lacks is reported, created only by policy)" },
	{ FG_RIGHTS_CLUSTER,
	  FG_RIGHTS_IF_CREATE_NS,
	  "",
	  "namespaces",
	  "Namespace",
	  { "create" },
	  { 0 },
	  "policy createNamespace: true" },
	{ FG_RIGHTS_CLUSTER,
	  0,
	  "",
	  "configmaps",
	  "ConfigMap",
	  { "list", "watch" },
	  { 0 },
	  "inventories across namespaces, and the operator's "
	  "flink-operator-config wherever it is" },
	{ FG_RIGHTS_LEASE,
	  FG_RIGHTS_IF_LEADER,
	  "coordination.k8s.io",
	  "leases",
	  "Lease",
	  { "get", "create", "update" },
	  { 0 },
	  "leader election" },
	{ FG_RIGHTS_OPERATOR,
	  0,
	  "",
	  "configmaps",
	  "ConfigMap",
	  { "get", "list", "watch" },
	  { "flink-operator-config" },
	  "the operator's configuration (its defaults decide whether a job "
	  "has state)" },
	{ FG_RIGHTS_CHECK,
	  0,
	  "apiextensions.k8s.io",
	  "customresourcedefinitions",
	  "CustomResourceDefinition",
	  { "get" },
	  { "flinkdeployments.flink.apache.org",
	    "flinksessionjobs.flink.apache.org",
	    "flinkstatesnapshots.flink.apache.org",
	    "flinkbluegreendeployments.flink.apache.org" },
	  "check: which operator release the CRDs are" },
	{ FG_RIGHTS_CHECK,
	  0,
	  "authorization.k8s.io",
	  "selfsubjectaccessreviews",
	  "SelfSubjectAccessReview",
	  { "create" },
	  { 0 },
	  "check: review its own rights" },
};

const struct fg_right *fg_rights(size_t *n)
{
	*n = sizeof(rights) / sizeof(rights[0]);
	return rights;
}

const char *fg_rights_scope_name(enum fg_rights_scope s)
{
	switch (s) {
	case FG_RIGHTS_MANAGED:
		return "managed";
	case FG_RIGHTS_CLUSTER:
		return "cluster";
	case FG_RIGHTS_LEASE:
		return "lease";
	case FG_RIGHTS_OPERATOR:
		return "operator";
	case FG_RIGHTS_CHECK:
		return "check";
	}
	return "";
}
