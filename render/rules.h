/*
 * The Apache Flink Kubernetes Operator's own validator rules, as far as
 * they can be decided from a Git repository alone: no cluster state, no
 * lastReconciledSpec, no DNS. Source: the operator's DefaultValidator and
 * AutoscalerValidator as summarised in
 * shared/anchors/flink-kubernetes-operator/REFERENCE.md section c.
 *
 * The operator stops at the first failing rule; we report every failing
 * rule, in the operator's order, so users can fix them all at once. The
 * messages are the operator's own text with its placeholders filled in.
 *
 * Also here: the parsers the rules need and that other modules reuse —
 * Flink's MemorySize syntax, Kubernetes' resource.Quantity syntax (they
 * differ: Flink "2048m" is 2048 MiB, a Kubernetes "2048m" is 2.048), and a
 * Flink configuration lookup that honours deprecated and fallback keys.
 */
#ifndef FG_RENDER_RULES_H
#define FG_RENDER_RULES_H

#include <stddef.h>

#include <jansson.h>

#include "render/problems.h"

/*
 * Check one rendered object (FlinkDeployment, FlinkSessionJob or
 * FlinkStateSnapshot of group flink.apache.org; any other object: no-op).
 * spec.flinkConfiguration must already be flattened to dotted keys (a flat
 * object of key -> scalar; strings, numbers and booleans compare by their
 * text form). Each problem names the RFC 6901 pointer of the most specific
 * node involved ("/spec/job/parallelism", "/metadata/name",
 * "/spec/flinkConfiguration/kubernetes.namespace", or "/spec" when a
 * required field is missing).
 *
 * `obj` is borrowed. Returns 0 (whether or not problems were found) or a
 * negative FG_E* code when a problem could not be recorded (out of memory).
 */
int fg_rules_check(const json_t *obj, struct fg_problems *out);

/*
 * The same, with the operator's own default configuration: a flat object
 * (borrowed, may be NULL) that the operator overlays with the resource's
 * flinkConfiguration to form the effective configuration, exactly as the
 * operator does. Operator-level options that a resource cannot set (the
 * jarURI scheme allow-list) are read from here only.
 */
int fg_rules_check_with_defaults(const json_t *obj, const json_t *operator_conf,
				 struct fg_problems *out);

/*
 * Flink MemorySize syntax (org.apache.flink.configuration.MemorySize):
 * digits, optional whitespace, optional unit b|bytes, k|kb|kibibytes,
 * m|mb|mebibytes, g|gb|gibibytes, t|tb|tebibytes (any case, powers of
 * 1024); no unit means bytes. On failure returns FG_EINVALID with Flink's
 * own message ("text does not start with a number", ...) as the error.
 */
/*
 * The job rules (rule 11) of a FlinkSessionJob whose target session
 * cluster is known: the operator runs them with the cluster's
 * configuration overlaid by the job's.
 */
int fg_rules_check_session_job_target(const json_t *job, const json_t *cluster,
				      struct fg_problems *out);

int fg_flink_memory_parse(const char *s, unsigned long long *bytes);

/*
 * The operator's parser for memory in jobManager/taskManager `resource`
 * and `resources` (ResourceConfigUtils.parseResourceMemoryString): Flink
 * MemorySize first ("2048m" = 2048 MiB, "2g" = 2 GiB), and only when that
 * fails a Kubernetes quantity after the operator's rewrite (whitespace
 * removed, upper-cased, a trailing "B" dropped, a trailing "I" made "i":
 * "2gib" -> "2Gi"). The quantity must come to a whole, non-negative number
 * of bytes. On failure the error message is Flink's.
 */
int fg_flink_resource_memory_parse(const char *s, unsigned long long *bytes);

/*
 * A Kubernetes resource.Quantity, exactly enough to compare: the value is
 * (neg ? -1 : 1) * coef * 10^exp10, with coef < 10^18 and no trailing
 * zeros. Parsing rounds up to nano units as Kubernetes does; values with
 * more than 18 significant digits are rounded up (away from zero), which
 * keeps every comparison's order.
 */
struct fg_quantity {
	int neg;
	unsigned long long coef;
	int exp10;
};

/*
 * Parse Kubernetes quantity syntax: [+-] digits [. digits] then one suffix
 * of n u m "" k M G T P E (decimal), Ki Mi Gi Ti Pi Ei (binary), or e/E
 * followed by a signed integer exponent. On failure returns FG_EINVALID
 * with Kubernetes' own message.
 */
int fg_k8s_quantity_parse(const char *s, struct fg_quantity *q);
/* <0, 0, >0 as a is less than, equal to, greater than b. */
int fg_quantity_cmp(const struct fg_quantity *a, const struct fg_quantity *b);
/* -1, 0 or 1. */
int fg_quantity_sign(const struct fg_quantity *q);
double fg_quantity_to_double(const struct fg_quantity *q);

/*
 * Look up `key` in a flat Flink configuration the way Flink's
 * Configuration.get(option) does for the options the rules use: the key
 * itself first, then its deprecated and fallback keys in declaration
 * order ("execution.checkpointing.dir" also finds "state.checkpoints.dir",
 * "job.autoscaler.enabled" also "kubernetes.operator.job.autoscaler.
 * enabled"). Unknown keys are looked up as they are. A JSON null counts as
 * absent. Returns the value (borrowed) or NULL; `found_key` (may be NULL)
 * receives the key that matched, valid as long as `conf`.
 */
const json_t *fg_flink_conf_get(const json_t *conf, const char *key,
				const char **found_key);

/*
 * The text form of a scalar configuration value, as the operator sees it
 * once flattened: strings as they are, booleans "true"/"false", numbers in
 * their shortest exact decimal form. Returns a string that lives in `v`
 * or in `buf`, or NULL for null, objects and arrays.
 */
const char *fg_flink_conf_text(const json_t *v, char *buf, size_t size);

#endif
