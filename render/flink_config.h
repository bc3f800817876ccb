/*
 * Flink configuration knowledge, in one place: the configuration keys
 * flink-gitops reads, their types, defaults and older spellings as Flink
 * 1.20 (the operator 1.15.0's Flink) and the operator define them; lookup
 * in a flinkConfiguration map written flat ("a.b.c": v) or nested
 * ({a: {b.c: v}}); values read the way Flink's Configuration reads them,
 * with Flink's own messages when they do not parse; and the questions the
 * validation rules and the state-safety policy ask (is checkpointing
 * configured, is there a savepoint directory, is HA on).
 *
 * Sources (apache/flink release-1.20, apache/flink-kubernetes-operator
 * release-1.15.0): CheckpointingOptions, HighAvailabilityOptions,
 * JobManagerOptions, TaskManagerOptions, KubernetesConfigOptions,
 * KubernetesOperatorConfigOptions, AutoScalerOptions; Configuration,
 * ConfigurationUtils, StructuredOptionsSplitter, MemorySize, TimeUtils,
 * HighAvailabilityMode.
 *
 * Every `conf` below is a flinkConfiguration object (borrowed, never
 * changed), flat or nested or both; NULL or a non-object reads as empty.
 * JSON null values count as absent (the renderer drops them).
 *
 * For sync/policy.c: fg_flink_conf_checkpointing(spec.flinkConfiguration)
 * replaces its own checkpointing() key list, one call per spec.
 */
#ifndef FG_RENDER_FLINK_CONFIG_H
#define FG_RENDER_FLINK_CONFIG_H

#include <stddef.h>

#include <jansson.h>

#include "render/base/buf.h"

/* Keys the rules and the policy name (Flink 1.20 spellings). */
#define FG_FLINK_CONF_CHECKPOINT_DIR "execution.checkpointing.dir"
#define FG_FLINK_CONF_SAVEPOINT_DIR "execution.checkpointing.savepoint-dir"
#define FG_FLINK_CONF_CHECKPOINT_INTERVAL "execution.checkpointing.interval"
#define FG_FLINK_CONF_HA_TYPE "high-availability.type"
#define FG_FLINK_CONF_HA_STORAGE_DIR "high-availability.storageDir"
#define FG_FLINK_CONF_HA_CLUSTER_ID "high-availability.cluster-id"
#define FG_FLINK_CONF_K8S_NAMESPACE "kubernetes.namespace"
#define FG_FLINK_CONF_K8S_CLUSTER_ID "kubernetes.cluster-id"
#define FG_FLINK_CONF_OP "kubernetes.operator."
#define FG_FLINK_CONF_AUTOSCALER "job.autoscaler."
/* FlinkBlueGreenDeploymentConfigOptions (operator 1.15.0): read from a
 * FlinkBlueGreenDeployment's spec.configuration, and from nowhere else */
#define FG_FLINK_CONF_BG "kubernetes.operator.bluegreen."
#define FG_FLINK_CONF_BG_ABORT_GRACE FG_FLINK_CONF_BG "abort.grace-period"
#define FG_FLINK_CONF_BG_RESCHEDULE \
	FG_FLINK_CONF_BG "reconciliation.reschedule-interval"
#define FG_FLINK_CONF_BG_DELETION_DELAY \
	FG_FLINK_CONF_BG "deployment-deletion.delay"

/* Longest value text read from a configuration; longer ones are cut. */
#define FG_FLINK_CONF_MAX_VALUE 65536

/* ---- the option table ----------------------------------------------------- */

enum fg_flink_conf_type {
	FG_FLINK_CONF_STRING,
	FG_FLINK_CONF_BOOLEAN,
	FG_FLINK_CONF_INTEGER,
	FG_FLINK_CONF_DOUBLE,
	FG_FLINK_CONF_DURATION,
	FG_FLINK_CONF_MEMORY,
	FG_FLINK_CONF_LIST, /* list of strings, ';'-separated */
	FG_FLINK_CONF_MAP,
};

struct fg_flink_conf_option {
	const char *key;
	enum fg_flink_conf_type type;
	const char *dflt; /* the default in Flink's text form, NULL: none */
	/* older keys, in the order Configuration.get tries them: fallback
	 * keys first, then deprecated keys; NULL-terminated */
	const char *const *alias;
};

/*
 * The option `key` (its current spelling), or NULL when flink-gitops does
 * not know it. (Lookup of an autoscaler key "job.autoscaler.x" that is
 * not in the table still falls back to "kubernetes.operator.job.
 * autoscaler.x", as every AutoScalerOptions option does.)
 */
const struct fg_flink_conf_option *fg_flink_conf_option(const char *key);

/* ---- lookup --------------------------------------------------------------- */

/*
 * The value of `key` itself (no older spellings): flat, nested, or split
 * anywhere at a '.' ("a.b": {"c": v}). Borrowed, or NULL.
 */
const json_t *fg_flink_conf_raw(const json_t *conf, const char *key);

/*
 * Configuration.get's lookup: `key` itself, then each older spelling in
 * order. Returns the value (borrowed) or NULL; `found_key` (may be NULL)
 * receives the spelling that matched (a static string or `key`).
 */
const json_t *fg_flink_conf_get(const json_t *conf, const char *key,
				const char **found_key);

/*
 * The text of a scalar value as the operator sees it once flattened:
 * strings as they are, booleans "true"/"false", numbers in their shortest
 * exact decimal form. Returns a string that lives in `v` or in `buf`, or
 * NULL for null, objects and arrays.
 */
const char *fg_flink_conf_text(const json_t *v, char *buf, size_t size);

/*
 * The value of `key` (with older spellings) as the operator's string
 * (ConfigObjectNode.asFlatMap): a list becomes its items joined by ';'.
 * Returns 1 and the text in `out` (cleared first), 0 when absent, or a
 * negative FG_E* code.
 */
int fg_flink_conf_string(const json_t *conf, const char *key,
			 struct fg_buf *out, const char **found_key);

/* ---- typed reads: Configuration.get(option) -------------------------------- */

/*
 * Each reads `key` (with older spellings, else the option's default) and
 * converts it as Flink's ConfigurationUtils does. Returns 1 when the key
 * is set, 0 when the default was used (or there is none: *has_value = 0
 * where offered), and FG_EINVALID when the value does not convert, with
 * Flink's message as the error: "Could not parse value 'x' for key 'k'."
 * (the option's current key, whatever spelling held the value).
 */
int fg_flink_conf_bool(const json_t *conf, const char *key, int *out);
int fg_flink_conf_double(const json_t *conf, const char *key, double *out,
			 int *has_value);
/* A duration as whole seconds and nanoseconds. */
struct fg_flink_duration {
	unsigned long long seconds;
	unsigned nanos;
};
int fg_flink_conf_duration(const json_t *conf, const char *key,
			   struct fg_flink_duration *out, int *has_value);
/* A list: *items (each malloc'd, the array too) and *n; free with
 * fg_flink_conf_list_free. */
int fg_flink_conf_list(const json_t *conf, const char *key, char ***items,
		       size_t *n);
void fg_flink_conf_list_free(char **items, size_t n);

/* ---- Flink's parsers ------------------------------------------------------ */

/*
 * MemorySize.parse: digits, optional whitespace, optional unit b|bytes,
 * k|kb|kibibytes, m|mb|mebibytes, g|gb|gibibytes, t|tb|tebibytes (any
 * case, powers of 1024); no unit means bytes. On failure returns
 * FG_EINVALID with Flink's message ("text does not start with a number").
 */
int fg_flink_memory_parse(const char *s, unsigned long long *bytes);

/*
 * TimeUtils.parseDuration: digits, optional whitespace, optional unit
 * (d, h, min/m, s, ms, µs, ns and their long forms); no unit means
 * milliseconds. FG_EINVALID with Flink's message on failure.
 */
int fg_flink_duration_parse(const char *s, struct fg_flink_duration *out);

/* <0, 0, >0 as a is shorter than, as long as, longer than b. */
int fg_flink_duration_cmp(const struct fg_flink_duration *a,
			  const struct fg_flink_duration *b);

/*
 * StructuredOptionsSplitter.splitEscaped(s, ';'), how Flink reads a list
 * option: items trimmed, '...' and "..." quote (a doubled quote is one
 * quote). FG_EINVALID with Flink's message on bad quoting.
 */
int fg_flink_conf_split_list(const char *s, char ***items, size_t *n);

/* StringUtils.isNullOrWhitespaceOnly */
int fg_flink_blank(const char *s);

/* ---- what the rules and the policy ask ------------------------------------- */

/*
 * Checkpointing is configured: a periodic checkpoint interval
 * (execution.checkpointing.interval) or a checkpoint directory
 * (execution.checkpointing.dir, or its deprecated state.checkpoints.dir /
 * state.backend.fs.checkpointdir) is set to something non-blank. This is
 * what makes a stateless restart lose state the job would otherwise keep.
 */
int fg_flink_conf_checkpointing(const json_t *conf);

/*
 * A savepoint directory is set (execution.checkpointing.savepoint-dir or
 * its deprecated state.savepoints.dir / savepoints.state.backend.fs.dir),
 * non-blank: what savepoint upgrades, manual and periodic savepoints need.
 */
int fg_flink_conf_savepoint_dir(const json_t *conf);

/*
 * High availability is on (HighAvailabilityMode.isHighAvailabilityMode
 * Activated): high-availability.type (or recovery.mode /
 * high-availability) set to anything but NONE or the old "standalone".
 */
int fg_flink_conf_ha_enabled(const json_t *conf);

#endif
