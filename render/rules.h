/*
 * The Apache Flink Kubernetes Operator's own validator rules, as far as
 * they can be decided from a Git repository alone: no cluster state, no
 * lastReconciledSpec, no DNS. Sources: DefaultValidator and
 * AutoscalerValidator/CalendarUtils at the operator release whose CRDs are
 * chosen (1.15.0, or main), summarised in shared/anchors/
 * flink-kubernetes-operator/REFERENCE.md section c.
 *
 * The operator stops at the first failing rule; we report every failing
 * rule, in the operator's order, so users can fix them all at once. The
 * messages are the operator's own text with its placeholders filled in;
 * where a rule's input does not parse, the message is the one of the
 * parser the operator calls (Flink's Configuration, MemorySize, fabric8's
 * Quantity, java.math.BigDecimal), and where the operator's Java throws
 * instead of returning a verdict, the exception's message.
 *
 * Also here: the operator's parser for memory in jobManager/taskManager
 * `resource` and `resources`. Flink configuration knowledge is
 * render/flink_config.h, Kubernetes quantities render/quantity.h; both are
 * included for the callers that used to find them here.
 */
#ifndef FG_RENDER_RULES_H
#define FG_RENDER_RULES_H

#include <stddef.h>

#include <jansson.h>

#include "render/flink_config.h"
#include "render/problems.h"
#include "render/quantity.h"

/* Longest jarURI / ingress template we parse; longer ones are refused. */
#define FG_RULES_MAX_URI 8192

struct fg_rules_opts {
	/* "1.15.0" (also for NULL) or "main": whose rules and messages */
	const char *operator_version;
	/*
	 * The operator's own configuration (a flat object, borrowed, may be
	 * NULL): the defaults under every resource's flinkConfiguration,
	 * and the operator-level options a resource cannot set (the jarURI
	 * scheme allow-list, restricted-host blocking).
	 */
	const json_t *operator_conf;
	/* where operator_conf comes from ("ConfigMap ns/name", "operatorDefaults
	   in flink-gitops.yaml"), said in the messages that depend on it;
	   NULL: no source (the defaults are not known) */
	const char *operator_conf_source;
	/* say, after the operator's message about a directory the job does
	   not set, which operator defaults were looked at (render does) */
	int explain_defaults;
};

/*
 * Check one rendered object (FlinkDeployment, FlinkSessionJob or
 * FlinkStateSnapshot of group flink.apache.org; any other object: no-op)
 * on its own: for a session job, the rules that need no session cluster.
 * spec.flinkConfiguration may be flat (dotted keys) or nested. Each
 * problem names the RFC 6901 pointer of the most specific node involved
 * ("/spec/job/parallelism", "/metadata/name",
 * "/spec/flinkConfiguration/kubernetes.namespace", or "/spec" when a
 * required field is missing).
 *
 * `obj` and `opts` (NULL: 1.15.0, no operator configuration) are
 * borrowed. Returns 0 (whether or not problems were found) or a negative
 * FG_E* code when a problem could not be recorded (out of memory).
 */
int fg_rules_check_opts(const json_t *obj, const struct fg_rules_opts *opts,
			struct fg_problems *out);

/*
 * A FlinkBlueGreenDeployment (fg_rules_check_opts on one): the operator
 * validates its children, the FlinkDeployments NAME-blue and NAME-green
 * it makes from spec.template.spec (their ingress template prefixed with
 * the colour), with every FlinkDeployment rule: those problems point into
 * spec.template.spec (or at metadata.name), blue's first, green's where
 * blue has none. Then what the Blue/Green controller needs to run at
 * all: spec.template.spec with a job, spec.ingress (its template must
 * render a URL with the parent's name) and the durations of
 * spec.configuration ("Could not parse value ...").
 *
 * fg_rules_bluegreen_hints: what is valid but probably not meant, for
 * warnings: keys of spec.configuration the operator does not read,
 * spec.template.metadata (never copied to the children), a template
 * ingress without a template, and a last-state job without a savepoint
 * directory (every transition starts with a savepoint). 0 or FG_ERROR.
 */
int fg_rules_bluegreen_hints(const json_t *bg, const struct fg_rules_opts *opts,
			     struct fg_problems *out);

/* The same with operator 1.15.0's rules and no operator configuration. */
int fg_rules_check(const json_t *obj, struct fg_problems *out);

/* The same with an operator configuration (see fg_rules_opts). */
int fg_rules_check_with_defaults(const json_t *obj, const json_t *operator_conf,
				 struct fg_problems *out);

/*
 * The rules of a FlinkSessionJob `job` whose session cluster `cluster`
 * (a FlinkDeployment of the same namespace named by spec.deploymentName)
 * is known, as the operator runs them (validateSessionJobWithCluster):
 * the target must not be an application cluster; the job rules and the
 * autoscaler rules run with the operator's defaults, the cluster's
 * configuration and the job's, in that order. Problems point into the
 * job: a setting the job inherits from the cluster is reported at
 * /spec/deploymentName. Both objects are borrowed and may have problems
 * of their own.
 */
int fg_rules_check_session_job(const json_t *job, const json_t *cluster,
			       const struct fg_rules_opts *opts,
			       struct fg_problems *out);

/*
 * The operator's parser for memory in jobManager/taskManager `resource`
 * (FlinkConfigBuilder/ResourceConfigUtils.parseResourceMemoryString, then
 * MemorySize.parse): Flink MemorySize first ("2048m" = 2048 MiB, "2g" =
 * 2 GiB); when that fails a fabric8 Quantity of the text rewritten
 * (whitespace removed, upper-cased, a trailing "B" dropped, a trailing
 * "I" made "i": "2gib" -> "2Gi"), whose exact byte amount is printed as
 * java.math.BigDecimal prints it and parsed again by MemorySize ("1.5Gi"
 * becomes "1610612736.0", which MemorySize refuses). On failure returns
 * FG_EINVALID with the message the operator reports, as the error.
 */
int fg_flink_resource_memory_parse(const char *s, unsigned long long *bytes);

#endif
