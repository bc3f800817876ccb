/*
 * The operator's validator rules that a Git repository alone decides.
 *
 * Upstream sources the rules follow (apache/flink-kubernetes-operator at
 * release-1.15.0, and main where the two differ): OP/validation/
 * DefaultValidator.java, flink-autoscaler/.../validation/
 * AutoscalerValidator.java and utils/CalendarUtils.java, OP/utils/
 * IngressUtils.java, OP/config/FlinkConfigBuilder.java (1.15.0) and
 * OP/utils/ResourceConfigUtils.java (main). Java library behaviour they
 * lean on is in java.c, Flink's configuration in flink_config.c, Quartz
 * in quartz.c.
 *
 * Java evaluates every argument of DefaultValidator's firstPresent(...)
 * before looking at any, so an exception in any rule (a value Flink's
 * Configuration cannot convert) is the operator's verdict whatever comes
 * first; we report it where the value is, next to every other problem.
 *
 * Not decidable here, so not checked: anything against lastReconciledSpec
 * (changing flinkVersion after a last-state suspend, switching session/
 * application or native/standalone, savepointRedeployNonce without
 * initialSavepointPath, a session job's deploymentName change), a session
 * cluster or snapshot target that is not in the repository, whether a
 * jarURI host *name* resolves (no DNS here: literal addresses and the
 * names every Kubernetes pod's /etc/hosts holds are decided, any other
 * name is left to the operator), and whether Flink's memory model fits
 * the configured sizes together beyond "a size is configured and parses".
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "render/base/json.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/flink_config.h"
#include "render/java.h"
#include "render/problems.h"
#include "render/quantity.h"
#include "render/quartz.h"
#include "render/render.h"
#include "render/rules.h"
#include "render/transform.h"
#include "render/base/banned.h"

#define AS FG_FLINK_CONF_AUTOSCALER
#define OP FG_FLINK_CONF_OP

/* jansson's iterators take a non-const object; they never change it. */
static json_t *mut(const json_t *j)
{
	return (json_t *)(uintptr_t)j;
}

static const json_t *get(const json_t *o, const char *key)
{
	const json_t *v;

	if (!json_is_object(o))
		return NULL;
	v = json_object_get(o, key);
	return json_is_null(v) ? NULL : v;
}

/* ---- the operator's memory parser ---------------------------------------- */

int fg_flink_resource_memory_parse(const char *s, unsigned long long *bytes)
{
	struct fg_buf k = FG_BUF_INIT, amount = FG_BUF_INIT;
	const char *b = s, *e = s + strlen(s);
	int err = 0, arith;

	if (fg_flink_memory_parse(s, bytes) == 0)
		return 0;
	/* formatMemoryStringForK8sSpec: trim, drop \s, upper-case, B, I */
	fg_java_trim(&b, &e);
	for (; b < e && !err; b++)
		if (!strchr(" \t\n\v\f\r", *b))
			err = fg_buf_putc(&k, (char)toupper((unsigned char)*b));
	if (!err && k.len && k.ptr[k.len - 1] == 'B')
		fg_buf_truncate(&k, k.len - 1);
	if (!err && k.len && k.ptr[k.len - 1] == 'I')
		k.ptr[k.len - 1] = 'i';
	if (err)
		err = fg_error_set(FG_ERROR, "out of memory");
	/* Quantity.parse(..).getNumericalAmount() + "", then MemorySize */
	if (!err)
		err = fg_java_quantity_amount(k.ptr, &amount, &arith);
	if (!err)
		err = fg_flink_memory_parse(amount.ptr, bytes);
	fg_buf_release(&k);
	fg_buf_release(&amount);
	return err;
}

/* ---- problems --------------------------------------------------------------- */

struct ctx {
	struct fg_problems *out;
	json_t *conf;	       /* the effective configuration, flat, owned */
	const json_t *cr_conf; /* the resource's flinkConfiguration */
	const json_t *op_conf; /* the operator's configuration */
	const char *op_source; /* where it comes from, or NULL */
	int explain;	       /* fg_rules_opts.explain_defaults */
	const char *inherited; /* where a key the resource lacks is reported */
	int main;	       /* operator main's rules, not 1.15.0's */
	int max_year;	       /* Quartz's MAX_YEAR */
	struct fg_buf ptr;     /* scratch pointer */
	int err;
};

/* Add a problem unless the same one is there already. */
static void add(struct ctx *c, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add(struct ctx *c, const char *pointer, const char *fmt, ...)
{
	struct fg_buf msg = FG_BUF_INIT;
	va_list ap;
	int err;

	if (c->err)
		return;
	va_start(ap, fmt);
	err = fg_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	for (size_t i = 0; !err && i < c->out->n; i++)
		if (!strcmp(c->out->v[i].pointer, pointer) &&
		    !strcmp(c->out->v[i].message, msg.ptr))
			goto done;
	if (!err)
		err = fg_problems_add(c->out, pointer, "%s", msg.ptr);
	if (err)
		c->err = err;
done:
	fg_buf_release(&msg);
}

/* "/a/b" + escaped tokens, into the scratch pointer. */
static const char *ptr(struct ctx *c, const char *base, const char *t1,
		       const char *t2, const char *t3)
{
	const char *t[3] = { t1, t2, t3 };
	int err;

	fg_buf_clear(&c->ptr);
	err = fg_buf_puts(&c->ptr, base);
	for (int i = 0; i < 3 && !err && t[i]; i++) {
		err = fg_buf_putc(&c->ptr, '/');
		for (const char *p = t[i]; *p && !err; p++)
			err = *p == '~'	  ? fg_buf_puts(&c->ptr, "~0")
			      : *p == '/' ? fg_buf_puts(&c->ptr, "~1")
					  : fg_buf_putc(&c->ptr, *p);
	}
	if (err && !c->err)
		c->err = err;
	return c->ptr.ptr;
}

/* Where a configuration key is written, or where it comes from. */
static const char *conf_ptr(struct ctx *c, const char *key)
{
	if (c->cr_conf && key && fg_flink_conf_raw(c->cr_conf, key))
		return ptr(c, "/spec/flinkConfiguration", key, NULL, NULL);
	return c->inherited;
}

/* Report Flink's message of a value that did not convert, where it is. */
static void conf_error(struct ctx *c, const char *key)
{
	char msg[FG_ERROR_MSG_MAX];
	const char *found = key;

	if (fg_error_last_code() == FG_ERROR) {
		c->err = FG_ERROR;
		return;
	}
	snprintf(msg, sizeof(msg), "%s", fg_error_last());
	fg_flink_conf_get(c->conf, key, &found);
	add(c, conf_ptr(c, found), "%s", msg);
}

/* Configuration.get of a boolean option: 1, 0, or -1 (reported). */
static int conf_bool(struct ctx *c, const char *key)
{
	int v;

	if (fg_flink_conf_bool(c->conf, key, &v) < 0) {
		conf_error(c, key);
		return -1;
	}
	return v;
}

static int conf_text_blank(struct ctx *c, const char *key)
{
	struct fg_buf b = FG_BUF_INIT;
	int r;

	fg_buf_init(&b, FG_FLINK_CONF_MAX_VALUE);
	r = fg_flink_conf_string(c->conf, key, &b, NULL);
	if (r < 0)
		c->err = r;
	r = r <= 0 || fg_flink_blank(b.ptr);
	fg_buf_release(&b);
	return r;
}

/* ---- FlinkDeployment ----------------------------------------------------------- */

#define NAME_MSG                                                             \
	"The FlinkDeployment name: %s is invalid, must consist of lower "    \
	"case alphanumeric characters or '-', start with an alphabetic "     \
	"character, and end with an alphanumeric character (e.g. "           \
	"'my-name',  or 'abc-123'), and the length must be no more than 45 " \
	"characters."

/* [a-z]([-a-z\d]{0,43}[a-z\d])? */
static int valid_deployment_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 45 || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char ch = s[i];
		int alnum =
			(ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
		if (!alnum && !(ch == '-' && i < n - 1))
			return 0;
	}
	return 1;
}

/* FlinkVersion.isSupported: >= v1_15. Unknown spellings are the schema's. */
static int flink_version_unsupported(const char *v)
{
	char *e;
	long major, minor;

	if (v[0] != 'v' || !isdigit((unsigned char)v[1]))
		return 0;
	major = strtol(v + 1, &e, 10);
	if (*e != '_' || !isdigit((unsigned char)e[1]))
		return 0;
	minor = strtol(e + 1, &e, 10);
	if (*e)
		return 0;
	return major < 1 || (major == 1 && minor < 15);
}

/*
 * A Java int field (JobSpec.parallelism, replicas): the API server takes
 * any int64, the operator's Jackson refuses what an int cannot hold.
 */
static int int_field(struct ctx *c, const json_t *v, const char *pointer)
{
	json_int_t i;

	if (!json_is_integer(v))
		return 0;
	i = json_integer_value(v);
	if (i < INT_MIN || i > INT_MAX) {
		add(c, pointer,
		    "Numeric value (%" JSON_INTEGER_FORMAT
		    ") out of range of int (-2147483648 - 2147483647)",
		    i);
		return 0;
	}
	return 1;
}

/* validateFlinkDeploymentConfig */
static void check_config_rules(struct ctx *c)
{
	static const char *const forbidden[] = {
		FG_FLINK_CONF_K8S_NAMESPACE,
		FG_FLINK_CONF_K8S_CLUSTER_ID,
		FG_FLINK_CONF_HA_CLUSTER_ID,
	};
	int rollback, health, recovery;

	/* Configuration.containsKey: the key itself only */
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (fg_flink_conf_raw(c->conf, forbidden[i]))
			add(c, conf_ptr(c, forbidden[i]),
			    "Forbidden Flink config key: %s", forbidden[i]);
	rollback = conf_bool(c, OP "deployment.rollback.enabled");
	if (rollback > 0 && !fg_flink_conf_ha_enabled(c->conf))
		add(c, conf_ptr(c, OP "deployment.rollback.enabled"),
		    "HA must be enabled for rollback support.");
	health = conf_bool(c, OP "cluster.health-check.enabled");
	if (health <= 0)
		return;
	recovery = conf_bool(c, OP "jm-deployment-recovery.enabled");
	if (recovery == 0) {
		const char *found = OP "cluster.health-check.enabled";
		fg_flink_conf_get(c->conf, OP "jm-deployment-recovery.enabled",
				  &found);
		add(c, conf_ptr(c, found),
		    "Deployment recovery (%s) must be enabled for job health "
		    "check (%s) support.",
		    OP "jm-deployment-recovery.enabled",
		    OP "cluster.health-check.enabled");
	}
}

/* Case-insensitive replace-all of `pat` in `b` by `with`. */
static int replace_ci(struct fg_buf *b, const char *pat, const char *with)
{
	struct fg_buf o = FG_BUF_INIT;
	size_t pl = strlen(pat), i = 0;
	int err = 0;

	while (i < b->len && !err) {
		if (b->len - i >= pl && !strncasecmp(b->ptr + i, pat, pl)) {
			err = fg_buf_puts(&o, with);
			i += pl;
		} else {
			err = fg_buf_putc(&o, b->ptr[i++]);
		}
	}
	if (!err) {
		fg_buf_clear(b);
		err = fg_buf_add(b, o.ptr, o.len);
	}
	fg_buf_release(&o);
	return err;
}

/*
 * Rules 8 and 9 (IngressUtils.getIngressUrl) for the ingress spec
 * `ingress` at pointer `at` of a resource `name` in namespace `ns`.
 */
static void check_ingress_at(struct ctx *c, const json_t *ingress,
			     const char *at, const char *name, const char *ns)
{
	const json_t *tmpl;
	const char *t;
	struct fg_buf url = FG_BUF_INIT, msg = FG_BUF_INIT, tp = FG_BUF_INIT;
	int err = 0, r;

	if (!ingress)
		return;
	tmpl = get(ingress, "template");
	if (!tmpl) {
		add(c, at, "Ingress template must be defined");
		return;
	}
	if (!json_is_string(tmpl))
		return;
	t = json_string_value(tmpl);
	if (fg_buf_printf(&tp, "%s/template", at) < 0) {
		c->err = FG_ERROR;
		return;
	}
	if (strlen(t) > FG_RULES_MAX_URI) {
		add(c, tp.ptr, "ingress template longer than %d bytes",
		    FG_RULES_MAX_URI);
		fg_buf_release(&tp);
		return;
	}
	if (strncasecmp(t, "http://", 7) && strncasecmp(t, "https://", 8))
		err = fg_buf_puts(&url, "http://");
	err = err ? err : fg_buf_puts(&url, t);
	err = err ? err : replace_ci(&url, "{{name}}", name ? name : "");
	err = err ? err : replace_ci(&url, "{{namespace}}", ns ? ns : "");
	if (err) {
		c->err = err;
		goto done;
	}
	r = fg_java_url_check(url.ptr, &msg);
	if (r == FG_ERROR)
		c->err = r;
	else if (r)
		add(c, tp.ptr,
		    "Unable to process the Ingress template(%s). Error: %s", t,
		    msg.ptr);
done:
	fg_buf_release(&url);
	fg_buf_release(&msg);
	fg_buf_release(&tp);
}

static void check_ingress(struct ctx *c, const json_t *obj, const json_t *spec)
{
	check_ingress_at(
		c, get(spec, "ingress"), "/spec/ingress",
		json_string_value(get(get(obj, "metadata"), "name")),
		json_string_value(get(get(obj, "metadata"), "namespace")));
}

/* rule 10; Java prints Set.of(...) in an order that varies per JVM. */
static void check_log_config(struct ctx *c, const json_t *spec)
{
	const json_t *lc = get(spec, "logConfiguration"), *v;
	const char *key;

	if (!json_is_object(lc))
		return;
	json_object_foreach (mut(lc), key, v) {
		if (!strcmp(key, "log4j-console.properties") ||
		    !strcmp(key, "logback-console.xml"))
			continue;
		add(c, ptr(c, "/spec/logConfiguration", key, NULL, NULL),
		    "Invalid log config key: %s. Allowed keys are %s", key,
		    "[log4j-console.properties, logback-console.xml]");
	}
}

/*
 * After the operator's message about a directory the job does not set:
 * which defaults of the operator were looked at (the operator's own
 * defaults set these directories on many platforms).
 */
static const char *defaults_said(const struct ctx *c, char *buf, size_t n)
{
	if (!c->explain)
		snprintf(buf, n, "%s", "");
	else if (c->op_source)
		snprintf(buf, n,
			 " (set neither by the job nor by the operator's "
			 "defaults, %s)",
			 c->op_source);
	else
		snprintf(buf, n,
			 " (not set by the job; the operator's defaults are "
			 "not known: declare them as operatorDefaults in "
			 "%s)",
			 FG_RENDER_CONFIG_FILE);
	return buf;
}

/* validateJobSpec's directories and savepoint settings, on c->conf */
static void check_job_dirs(struct ctx *c, const json_t *job)
{
	const char *mode = json_string_value(get(job, "upgradeMode"));
	const char *found = NULL;
	struct fg_flink_duration age;
	char said[256];
	int has;

	if (!mode)
		mode = "stateless";
	/* an upgradeMode outside the enum is the schema's error, not this */
	if ((!strcmp(mode, "savepoint") || !strcmp(mode, "last-state")) &&
	    conf_text_blank(c, FG_FLINK_CONF_CHECKPOINT_DIR))
		add(c, "/spec/job/upgradeMode",
		    "Checkpoint directory[%s] must be defined for "
		    "last-state and savepoint upgrade modes%s",
		    FG_FLINK_CONF_CHECKPOINT_DIR,
		    defaults_said(c, said, sizeof(said)));
	if (!conf_text_blank(c, FG_FLINK_CONF_SAVEPOINT_DIR))
		return;
	if (!strcmp(mode, "savepoint"))
		add(c, "/spec/job/upgradeMode",
		    "Job could not be upgraded with savepoint "
		    "while config key[%s] is not set%s",
		    FG_FLINK_CONF_SAVEPOINT_DIR,
		    defaults_said(c, said, sizeof(said)));
	if (get(job, "savepointTriggerNonce"))
		add(c, "/spec/job/savepointTriggerNonce",
		    "Savepoint could not be manually triggered "
		    "for the running job while config key[%s] "
		    "is not set%s",
		    FG_FLINK_CONF_SAVEPOINT_DIR,
		    defaults_said(c, said, sizeof(said)));
	/* Configuration.contains: any spelling, any value */
	if (fg_flink_conf_get(c->conf, OP "periodic.savepoint.interval",
			      &found))
		add(c, conf_ptr(c, found),
		    "Periodic savepoints cannot be enabled "
		    "when config key[%s] is not set%s",
		    FG_FLINK_CONF_SAVEPOINT_DIR,
		    defaults_said(c, said, sizeof(said)));
#define MAX_AGE OP "job.upgrade.last-state.max.allowed.checkpoint.age"
	if (fg_flink_conf_duration(c->conf, MAX_AGE, &age, &has) < 0)
		conf_error(c, MAX_AGE);
	else if (has)
		add(c, conf_ptr(c, MAX_AGE),
		    "In order to use max-checkpoint age "
		    "functionality config key[%s] must be set "
		    "to allow triggering savepoint upgrades.",
		    FG_FLINK_CONF_SAVEPOINT_DIR);
#undef MAX_AGE
}

/* validateJobSpec's parallelism; `tm` is NULL for session jobs */
static void check_job_parallelism(struct ctx *c, const json_t *job,
				  const json_t *tm)
{
	const json_t *replicas = get(tm, "replicas"), *par;

	if (replicas) {
		if (int_field(c, replicas, "/spec/taskManager/replicas") &&
		    json_integer_value(replicas) < 1)
			add(c, "/spec/taskManager/replicas",
			    "TaskManager replicas must be larger than 0");
		return;
	}
	par = get(job, "parallelism");
	if (!par)
		add(c, "/spec/job", "Job parallelism must be larger than 0");
	else if (int_field(c, par, "/spec/job/parallelism") &&
		 json_integer_value(par) < 1)
		add(c, "/spec/job/parallelism",
		    "Job parallelism must be larger than 0");
}

/*
 * Does Flink's process memory model find the sizes it needs
 * (JobManagerProcessUtils.processSpecFromConfigWithNewOptionToInterpret
 * LegacyHeap, TaskExecutorProcessUtils.processSpecFromConfig)? A JM needs
 * its heap (or the legacy jobmanager.heap.size / .mb), its total Flink
 * memory or its total process memory; a TM both task heap and managed
 * memory, its total Flink memory or its total process memory. Each size
 * given must parse. Whether the sizes then fit together (JVM overhead,
 * metaspace) is left to the operator.
 */
static int memory_model_resolves(struct ctx *c, int jm)
{
	static const char *const jm_keys[] = {
		"jobmanager.memory.heap.size",
		"jobmanager.heap.size",
		"jobmanager.heap.mb",
		"jobmanager.memory.flink.size",
		"jobmanager.memory.process.size",
	};
	static const char *const tm_keys[] = {
		"taskmanager.memory.task.heap.size",
		"taskmanager.memory.managed.size",
		"taskmanager.memory.flink.size",
		"taskmanager.memory.process.size",
	};
	const char *const *keys = jm ? jm_keys : tm_keys;
	size_t n = jm ? 5 : 4;
	int set[5] = { 0 };
	struct fg_buf b = FG_BUF_INIT;

	fg_buf_init(&b, FG_FLINK_CONF_MAX_VALUE);
	for (size_t i = 0; i < n; i++) {
		unsigned long long bytes;
		int r = fg_flink_conf_string(c->conf, keys[i], &b, NULL);
		int is_int = jm && i == 2, iv;
		if (r <= 0)
			continue;
		if (is_int ? fg_java_parse_int(b.ptr, &iv)
			   : fg_flink_memory_parse(b.ptr, &bytes)) {
			fg_buf_release(&b);
			return 0;
		}
		set[i] = 1;
	}
	fg_buf_release(&b);
	if (jm)
		return set[0] || set[1] || set[2] || set[3] || set[4];
	return (set[0] && set[1]) || set[2] || set[3];
}

/* validateResources: `resource.memory` and `resource.ephemeralStorage` */
static void check_resource(struct ctx *c, const char *comp, const char *field,
			   const json_t *res)
{
	const json_t *mem = get(res, "memory"),
		     *eph = get(res, "ephemeralStorage");
	struct fg_buf amount = FG_BUF_INIT;
	unsigned long long bytes;
	int arith = 0;

	if (json_is_string(mem) &&
	    fg_flink_resource_memory_parse(json_string_value(mem), &bytes)) {
		if (fg_error_last_code() == FG_ERROR)
			c->err = FG_ERROR;
		else
			add(c, ptr(c, "/spec", field, "resource", "memory"),
			    "%s resource memory parse error: %s", comp,
			    fg_error_last());
	}
	/* Quantity.getAmountInBytes(Quantity.parse(storage)) */
	if (json_is_string(eph) &&
	    fg_java_quantity_amount(json_string_value(eph), &amount, &arith)) {
		if (fg_error_last_code() == FG_ERROR)
			c->err = FG_ERROR;
		else if (arith) /* an ArithmeticException: not caught */
			add(c,
			    ptr(c, "/spec", field, "resource",
				"ephemeralStorage"),
			    "%s", fg_error_last());
		else
			add(c,
			    ptr(c, "/spec", field, "resource",
				"ephemeralStorage"),
			    "%s resource ephemeral storage parse error: %s",
			    comp, fg_error_last());
	}
	fg_buf_release(&amount);
}

static void check_requirements(struct ctx *c, const char *comp,
			       const char *field, const json_t *resources)
{
	static const char *const kinds[] = { "requests", "limits" };
	static const char *const compared[] = { "cpu", "memory" };
	char base[64], buf[64], buf2[64];
	char errmsg[FG_ERROR_MSG_MAX];

	snprintf(base, sizeof(base), "/spec/%s/resources", field);
	for (size_t k = 0; k < 2; k++) {
		const json_t *map = get(resources, kinds[k]), *v;
		const char *rname, *text;
		if (!json_is_object(map))
			continue;
		json_object_foreach (mut(map), rname, v) {
			unsigned long long bytes;
			struct fg_quantity q;
			const char *p;
			text = fg_flink_conf_text(v, buf, sizeof(buf));
			if (!text)
				continue;
			if (!strcmp(rname, "memory")) {
				if (fg_flink_resource_memory_parse(text,
								   &bytes)) {
					snprintf(errmsg, sizeof(errmsg), "%s",
						 fg_error_last());
					p = ptr(c, base, kinds[k], rname, NULL);
					add(c, p,
					    "%s resource requirements %s %s "
					    "parse error: %s",
					    comp, kinds[k], rname, errmsg);
				} else if (bytes == 0) {
					p = ptr(c, base, kinds[k], rname, NULL);
					add(c, p,
					    "%s resource requirements %s %s "
					    "must be positive: %s",
					    comp, kinds[k], rname, text);
				}
				continue;
			}
			if (fg_k8s_quantity_parse(text, &q)) {
				snprintf(errmsg, sizeof(errmsg), "%s",
					 fg_error_last());
				p = ptr(c, base, kinds[k], rname, NULL);
				add(c, p,
				    "%s resource requirements %s %s parse "
				    "error: %s",
				    comp, kinds[k], rname, errmsg);
			} else if (!strcmp(rname, "cpu") &&
				   fg_quantity_sign(&q) <= 0) {
				p = ptr(c, base, kinds[k], rname, NULL);
				add(c, p,
				    "%s resource requirements %s %s must be "
				    "positive: %s",
				    comp, kinds[k], rname, text);
			} else if (fg_quantity_sign(&q) < 0) {
				p = ptr(c, base, kinds[k], rname, NULL);
				add(c, p,
				    "%s resource requirements %s %s must not "
				    "be negative: %s",
				    comp, kinds[k], rname, text);
			}
		}
	}
	for (size_t i = 0; i < 2; i++) {
		const char *r = compared[i];
		const char *rt = fg_flink_conf_text(
			get(get(resources, "requests"), r), buf, sizeof(buf));
		const char *lt = fg_flink_conf_text(
			get(get(resources, "limits"), r), buf2, sizeof(buf2));
		int over = 0;
		if (!rt || !lt)
			continue;
		if (!strcmp(r, "memory")) {
			unsigned long long rb, lb;
			over = !fg_flink_resource_memory_parse(rt, &rb) &&
			       !fg_flink_resource_memory_parse(lt, &lb) &&
			       rb > lb;
		} else {
			struct fg_quantity rq, lq;
			over = !fg_k8s_quantity_parse(rt, &rq) &&
			       !fg_k8s_quantity_parse(lt, &lq) &&
			       fg_quantity_cmp(&rq, &lq) > 0;
		}
		if (over)
			add(c, ptr(c, base, "requests", r, NULL),
			    "%s resource requirements %s request (%s) must not "
			    "exceed its limit (%s)",
			    comp, r, rt, lt);
	}
}

/* validateJmSpec (jm) and validateTmSpec */
static void check_component(struct ctx *c, const json_t *spec, int jm)
{
	const char *comp = jm ? "JobManager" : "TaskManager";
	const char *field = jm ? "jobManager" : "taskManager";
	const json_t *cs = get(spec, field);
	const json_t *res = get(cs, "resource"), *reqs = get(cs, "resources");
	const json_t *mem = get(res, "memory"), *replicas;
	int defined;

	defined =
		json_is_string(mem) && !fg_flink_blank(json_string_value(mem));
	/* main: memory given in `resources` counts too */
	if (c->main)
		defined = defined || get(get(reqs, "requests"), "memory") ||
			  get(get(reqs, "limits"), "memory");
	if (!defined && !memory_model_resolves(c, jm))
		add(c, cs ? ptr(c, "/spec", field, NULL, NULL) : "/spec",
		    "%s resource memory must be defined using "
		    "`spec.%s.resource.memory`%s%s%s",
		    comp, field, c->main ? " or `spec." : "",
		    c->main ? field : "",
		    c->main ? ".resources.requests.memory`" : "");
	if (!cs)
		return;
	check_resource(c, comp, field, res);
	if (c->main && reqs)
		check_requirements(c, comp, field, reqs);
	replicas = get(cs, "replicas");
	if (!int_field(c, replicas, ptr(c, "/spec", field, "replicas", NULL)))
		return;
	if (jm && json_integer_value(replicas) < 1)
		add(c, "/spec/jobManager/replicas",
		    "JobManager replicas should not be configured less than "
		    "one.");
	else if (jm && json_integer_value(replicas) > 1 &&
		 !fg_flink_conf_ha_enabled(c->conf))
		add(c, "/spec/jobManager/replicas",
		    "High availability should be enabled when starting standby "
		    "JobManagers.");
	else if (!jm && json_integer_value(replicas) < 1)
		add(c, "/spec/taskManager/replicas",
		    "TaskManager replicas should not be configured less than "
		    "one.");
}

/* ---- the autoscaler --------------------------------------------------------- */

static void bound_text(double x, char *buf, size_t size, const char *inf)
{
	if (isnan(x))
		snprintf(buf, size, "%s", inf);
	else
		fg_java_double_text(x, buf, size);
}

/* AutoscalerValidator.validateNumber; NAN bounds are open. */
static void check_range(struct ctx *c, const char *key, double min, double max)
{
	char lo[40], hi[40];
	const char *found = key;
	double v;
	int has;

	if (fg_flink_conf_double(c->conf, key, &v, &has) < 0) {
		/* the IllegalArgumentException is caught there */
		if (fg_error_last_code() == FG_ERROR) {
			c->err = FG_ERROR;
			return;
		}
		fg_flink_conf_get(c->conf, key, &found);
		add(c, conf_ptr(c, found),
		    "Invalid value in the autoscaler config %s", key);
		return;
	}
	if (!has || !((!isnan(min) && v < min) || (!isnan(max) && v > max)))
		return;
	fg_flink_conf_get(c->conf, key, &found);
	bound_text(min, lo, sizeof(lo), "-Infinity");
	bound_text(max, hi, sizeof(hi), "+Infinity");
	add(c, conf_ptr(c, found),
	    "The AutoScalerOption %s is invalid, it should be a value "
	    "within the range [%s, %s]",
	    key, lo, hi);
}

/* main: validateNumberIfEnabled */
static void check_range_if(struct ctx *c, const char *flag, const char *key,
			   double min, double max)
{
	if (conf_bool(c, flag) > 0)
		check_range(c, key, min, max);
}

/* CalendarUtils.validateExcludedPeriods: every expression of the list */
static void check_excluded_periods(struct ctx *c)
{
	const char *key = AS "excluded.periods", *found = key;
	char **items;
	size_t n;

	if (fg_flink_conf_list(c->conf, key, &items, &n) < 0) {
		conf_error(c, key);
		return;
	}
	fg_flink_conf_get(c->conf, key, &found);
	for (size_t i = 0; i < n; i++) {
		int r = fg_quartz_excluded_period_check(items[i], key,
							c->max_year);
		if (r == FG_ERROR)
			c->err = r;
		else if (r)
			add(c, conf_ptr(c, found), "%s", fg_error_last());
	}
	fg_flink_conf_list_free(items, n);
}

/* main: DefaultValidator.validateMetricsWindow */
static void check_metrics_window(struct ctx *c)
{
	const char *wk = AS "metrics.window", *ik = OP "reconcile.interval";
	const char *wf = NULL, *inf = NULL;
	struct fg_flink_duration w, iv;
	struct fg_buf wt = FG_BUF_INIT, it = FG_BUF_INIT;
	int hw, hi, bad = 0;

	if (fg_flink_conf_duration(c->conf, wk, &w, &hw) < 0) {
		conf_error(c, wk);
		bad = 1;
	}
	if (fg_flink_conf_duration(c->conf, ik, &iv, &hi) < 0) {
		conf_error(c, ik);
		bad = 1;
	}
	if (bad || !hw || !hi || fg_flink_duration_cmp(&w, &iv) >= 0)
		return;
	fg_flink_conf_get(c->conf, wk, &wf);
	fg_flink_conf_get(c->conf, ik, &inf);
	if (fg_java_duration_text(&wt, w.seconds, w.nanos) ||
	    fg_java_duration_text(&it, iv.seconds, iv.nanos)) {
		c->err = fg_error_set(FG_ERROR, "out of memory");
	} else {
		add(c,
		    conf_ptr(c, wf && fg_flink_conf_raw(c->cr_conf, wf) ? wf
				: inf					? inf
									: wk),
		    "The autoscaler metric window (%s=%s) must not be smaller "
		    "than the operator reconcile interval (%s=%s), otherwise "
		    "fewer than two metric samples are retained and "
		    "autoscaling is never applied.",
		    wk, wt.ptr, ik, it.ptr);
	}
	fg_buf_release(&wt);
	fg_buf_release(&it);
}

/* validateAutoScalerFlinkConfiguration */
static void check_autoscaler(struct ctx *c)
{
	const char *tk = AS "utilization.target";
	double target;
	int has, target_ok;

	if (conf_bool(c, AS "enabled") <= 0)
		return;
	check_range(c, AS "scale-down.max-factor", 0.0, NAN);
	check_range(c, AS "scale-up.max-factor", 0.0, NAN);
	/*
	 * The target is read once more, outside validateNumber's catch, for
	 * the bounds of max and min: a target that does not parse makes the
	 * validator throw Flink's message.
	 */
	target_ok = fg_flink_conf_double(c->conf, tk, &target, &has) >= 0;
	if (target_ok)
		check_range(c, tk, 0.0, 1.0);
	else
		conf_error(c, tk);
	check_range(c, AS "target.utilization.boundary", 0.0, NAN);
	if (target_ok) {
		check_range(c, AS "utilization.max", has ? target : NAN, 1.0);
		check_range(c, AS "utilization.min", 0.0, has ? target : NAN);
	}
	if (!c->main) {
		check_range(c, AS "observed-scalability.coefficient-min", 0.01,
			    1.0);
	} else {
		check_range(c, AS "memory.gc-pressure.threshold", 0.0, 1.0);
		check_range(c, AS "memory.heap-usage.threshold", 0.0, 1.0);
		check_range_if(c, AS "observed-scalability.enabled",
			       AS "observed-scalability.coefficient-min", 0.01,
			       1.0);
		check_range_if(c, AS "scaling.effectiveness.detection.enabled",
			       AS "scaling.effectiveness.threshold", 0.0, 1.0);
		check_range_if(c, AS "memory.tuning.enabled",
			       AS "memory.tuning.overhead", 0.0, 1.0);
	}
	check_excluded_periods(c);
	if (c->main)
		check_metrics_window(c);
}

static void check_deployment(struct ctx *c, const json_t *obj)
{
	const json_t *spec = get(obj, "spec"), *name, *fv, *job;

	name = get(get(obj, "metadata"), "name");
	if (json_is_string(name) &&
	    !valid_deployment_name(json_string_value(name)))
		add(c, "/metadata/name", NAME_MSG, json_string_value(name));
	fv = get(spec, "flinkVersion");
	if (!fv)
		add(c, "/spec", "Flink Version must be defined.");
	else if (json_is_string(fv) &&
		 flink_version_unsupported(json_string_value(fv)))
		add(c, "/spec/flinkVersion",
		    "Flink version %s is not supported by this operator "
		    "version",
		    json_string_value(fv));
	check_config_rules(c);
	check_ingress(c, obj, spec);
	check_log_config(c, spec);
	job = get(spec, "job");
	if (json_is_object(job)) {
		check_job_dirs(c, job);
		check_job_parallelism(c, job, get(spec, "taskManager"));
	}
	check_component(c, spec, 1);
	check_component(c, spec, 0);
	if (!get(spec, "serviceAccount"))
		add(c, "/spec",
		    "spec.serviceAccount must be defined. If you use helm, its "
		    "value should be the same with the name of "
		    "jobServiceAccount.");
	check_autoscaler(c);
}

/* ---- FlinkSessionJob -------------------------------------------------------------- */

#define ALLOWED_SCHEMES_KEY OP "user.artifacts.allowed-schemes"
#define RESTRICTED_HOSTS_KEY OP "user.artifacts.disallow-restricted-hosts"

/* Java's String.hashCode over ASCII, then HashMap's spread. */
static unsigned java_bucket_hash(const char *s)
{
	uint32_t h = 0;

	for (; *s; s++)
		h = 31 * h + (unsigned char)*s;
	return h ^ (h >> 16);
}

/*
 * The allow-list as the operator prints it: a HashSet of the lower-cased
 * schemes (Collectors.toSet), so in HashSet iteration order.
 */
static int schemes_text(char **schemes, size_t n, struct fg_buf *out)
{
	size_t cap = 16;
	int err = fg_buf_putc(out, '['), first = 1;

	while (n > cap * 3 / 4)
		cap *= 2;
	for (size_t b = 0; b < cap && !err; b++)
		for (size_t i = 0; i < n && !err; i++)
			if ((java_bucket_hash(schemes[i]) & (cap - 1)) == b) {
				err = fg_buf_printf(out, "%s%s",
						    first ? "" : ", ",
						    schemes[i]);
				first = 0;
			}
	return err ? err : fg_buf_putc(out, ']');
}

/*
 * Names every Kubernetes pod resolves without DNS: the kubelet writes
 * them into each container's /etc/hosts, which the operator's JVM reads
 * first. Any other name needs the cluster's resolver.
 */
static const struct {
	const char *name;
	int restricted; /* 127.0.0.1 and ::1; fe00::/16 is not */
} pod_hosts[] = {
	{ "localhost", 1 },	  { "ip6-localhost", 1 },
	{ "ip6-loopback", 1 },	  { "ip6-localnet", 0 },
	{ "ip6-mcastprefix", 0 }, { "ip6-allnodes", 0 },
	{ "ip6-allrouters", 0 },
};

/*
 * InetAddress.getByName(host) then the restricted-address test, without
 * DNS. Returns 1 restricted, 0 not, -1 "cannot be resolved" (Java refuses
 * the literal), 2 undecided (a name only DNS can answer).
 */
static int host_verdict(const char *host, size_t len)
{
	struct fg_java_inet_addr a;

	switch (fg_java_inet_literal(host, len, &a)) {
	case FG_JAVA_INET_ADDRESS:
		return fg_java_inet_restricted(&a);
	case FG_JAVA_INET_UNKNOWN:
		return -1;
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(pod_hosts) / sizeof(pod_hosts[0]); i++)
		if (strlen(pod_hosts[i].name) == len &&
		    !strncasecmp(host, pod_hosts[i].name, len))
			return pod_hosts[i].restricted;
	return 2;
}

/*
 * The scheme against the operator's allow-list (lower-cased into a set):
 * 1 allowed, 0 refused (reported), or a negative FG_E* code.
 */
static int scheme_allowed(struct ctx *c, const char *scheme)
{
	struct fg_buf list = FG_BUF_INIT;
	char **schemes = NULL;
	size_t n = 0, i, k = 0;
	int r, allowed = 0;

	/*
	 * Operator-level only: the operator reads this from its own
	 * configuration, never from the resource's flinkConfiguration.
	 */
	if ((r = fg_flink_conf_list(c->op_conf, ALLOWED_SCHEMES_KEY, &schemes,
				    &n)) < 0)
		return r == FG_ERROR ? r : 1; /* the operator would not start */
	for (i = 0; i < n; i++) {
		for (char *p = schemes[i]; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (size_t j = 0; j < k; j++)
			if (!strcmp(schemes[i], schemes[j]))
				goto dup;
		if (!strcasecmp(schemes[i], scheme))
			allowed = 1;
		schemes[k++] = schemes[i];
		continue;
	dup:
		free(schemes[i]);
	}
	if (!allowed && !(r = schemes_text(schemes, k, &list)))
		add(c, "/spec/job/jarURI",
		    "jarURI scheme '%s' is not in the allowlist %s. Configure "
		    "'%s' to extend the allowlist.",
		    scheme, list.ptr, ALLOWED_SCHEMES_KEY);
	fg_flink_conf_list_free(schemes, k);
	fg_buf_release(&list);
	return r < 0 ? r : allowed;
}

/* DefaultValidator.validateJarURI with the operator's configuration */
static void check_jar_uri(struct ctx *c, const char *uri)
{
	struct fg_buf msg = FG_BUF_INIT;
	struct fg_java_uri u;
	char scheme[64];
	int r, restricted;

	if (strlen(uri) > FG_RULES_MAX_URI) {
		add(c, "/spec/job/jarURI", "jarURI longer than %d bytes",
		    FG_RULES_MAX_URI);
		return;
	}
	r = fg_java_uri_parse(uri, &u, &msg);
	if (r == FG_ERROR)
		c->err = r;
	else if (r)
		add(c, "/spec/job/jarURI", "jarURI is not a valid URI: %s",
		    msg.ptr);
	else if (!u.scheme)
		add(c, "/spec/job/jarURI", "jarURI must include a scheme");
	fg_buf_release(&msg);
	if (r || !u.scheme)
		return;
	snprintf(scheme, sizeof(scheme), "%.*s", (int)u.scheme_len, u.scheme);
	if ((r = scheme_allowed(c, scheme)) <= 0) {
		if (r < 0)
			c->err = r;
		return;
	}
	if ((strcasecmp(scheme, "http") && strcasecmp(scheme, "https")) ||
	    fg_flink_conf_bool(c->op_conf, RESTRICTED_HOSTS_KEY, &restricted) <
		    0 ||
	    !restricted)
		return;
	if (!u.host || !u.host_len) {
		add(c, "/spec/job/jarURI",
		    "jarURI must include a host for http/https schemes");
		return;
	}
	switch (host_verdict(u.host, u.host_len)) {
	case 1:
		add(c, "/spec/job/jarURI",
		    "jarURI host '%.*s' resolves to a restricted address",
		    (int)u.host_len, u.host);
		break;
	case -1:
		add(c, "/spec/job/jarURI",
		    "jarURI host '%.*s' cannot be resolved", (int)u.host_len,
		    u.host);
		break;
	default: /* a name: the operator's resolver decides, not us */
		break;
	}
}

/* validateSessionJobOnly, and the job rules no session cluster changes */
static void check_session_job(struct ctx *c, const json_t *obj)
{
	const json_t *spec = get(obj, "spec");
	const json_t *dn = get(spec, "deploymentName"), *job, *jar;

	if (json_is_string(dn)) {
		if (!valid_deployment_name(json_string_value(dn)))
			add(c, "/spec/deploymentName", NAME_MSG,
			    json_string_value(dn));
	} else if (!dn) {
		/* the operator fails here too, with a NullPointerException */
		add(c, "/spec", NAME_MSG, "null");
	}
	job = get(spec, "job");
	if (!job) {
		add(c, "/spec", "The job spec should not be empty");
		return;
	}
	jar = get(job, "jarURI");
	if (json_is_string(jar))
		check_jar_uri(c, json_string_value(jar));
	/*
	 * validateJobSpec runs once the session cluster is known; its
	 * parallelism rule does not depend on the cluster (a session job
	 * has no TaskManager spec), so it is decided here for every job.
	 */
	if (json_is_object(job))
		check_job_parallelism(c, job, NULL);
}

/* ---- FlinkStateSnapshot ------------------------------------------------------------ */

static void check_snapshot(struct ctx *c, const json_t *obj)
{
	const json_t *spec = get(obj, "spec");
	const json_t *sp = get(spec, "savepoint");
	int is_sp = sp != NULL, is_cp = get(spec, "checkpoint") != NULL;

	if (is_sp == is_cp)
		add(c, "/spec",
		    "Exactly one of checkpoint or savepoint configurations has "
		    "to be set.");
	if (is_sp && json_is_true(get(sp, "alreadyExists")))
		return;
	if (!get(spec, "jobReference"))
		add(c, "/spec",
		    "Job reference must be supplied for this snapshot");
}

/* ---- entry points ---------------------------------------------------------------- */

/* Flatten a flinkConfiguration (flat or nested) over `into`. */
static int merge_conf(json_t *into, const json_t *conf)
{
	struct fg_problems ignored = FG_PROBLEMS_INIT;
	json_t *flat = NULL;
	int err;

	if (!json_is_object(conf))
		return 0;
	/* two spellings of one key are the renderer's error to report */
	err = fg_flink_config_flatten(&flat, conf, "", &ignored);
	fg_problems_release(&ignored);
	if (err < 0)
		return err;
	if (flat && json_object_update(into, flat) < 0)
		err = fg_error_set(FG_ERROR, "out of memory");
	json_decref(flat);
	return err;
}

static int ctx_init(struct ctx *c, const struct fg_rules_opts *opts,
		    struct fg_problems *out)
{
	time_t now = time(NULL);
	struct tm tm;

	memset(c, 0, sizeof(*c));
	c->out = out;
	c->main = opts && opts->operator_version &&
		  !strcmp(opts->operator_version, "main");
	c->op_conf = opts && json_is_object(opts->operator_conf)
			     ? opts->operator_conf
			     : NULL;
	c->op_source = c->op_conf ? opts->operator_conf_source : NULL;
	c->explain = opts && opts->explain_defaults;
	/* Quartz's CronExpression.MAX_YEAR: this year + 100 */
	c->max_year = gmtime_r(&now, &tm) ? tm.tm_year + 1900 + 100 : 2126;
	fg_buf_init(&c->ptr, FG_BUF_MAX_DEFAULT);
	if (!(c->conf = json_object()))
		return fg_error_set(FG_ERROR, "out of memory");
	return merge_conf(c->conf, c->op_conf);
}

static void ctx_release(struct ctx *c)
{
	json_decref(c->conf);
	fg_buf_release(&c->ptr);
}

static int is_flink_object(const json_t *obj, const char *kind)
{
	const char *k = json_string_value(get(obj, "kind"));
	const char *api = json_string_value(get(obj, "apiVersion"));
	const char *canary;

	if (!k || !api || strncmp(api, "flink.apache.org/", 17) ||
	    (kind && strcmp(k, kind)))
		return 0;
	/* the operator's health canaries are never validated */
	canary = json_string_value(get(get(get(obj, "metadata"), "labels"),
				       "flink.apache.org/canary"));
	return !(canary && !strcasecmp(canary, "true"));
}

/* ---- FlinkBlueGreenDeployment ------------------------------------------------ */

/*
 * Operator 1.15.0 has no validator of its own for a FlinkBlueGreenDeployment
 * (the webhook and FlinkBlueGreenDeploymentController run none): what it
 * checks is its children, the FlinkDeployments it creates from the
 * template, each validated by DefaultValidator as any FlinkDeployment (by
 * the webhook when the operator creates it, by the FlinkDeployment
 * controller after). So the template is checked as those children, the
 * operator's messages and all; the rest is what the Blue/Green controller
 * reads and throws on (BlueGreenUtils, IngressUtils).
 */

static const char *const bg_colours[] = { "blue", "green" };

/*
 * The child the operator makes of `bg` in `colour`
 * (BlueGreenUtils.prepareFlinkDeployment): named NAME-COLOUR in the same
 * namespace, its spec the template's spec, whose ingress template gets
 * the prefix "COLOUR-" (Java concatenation: a missing template reads
 * "null"). NULL when out of memory.
 */
static json_t *bg_child(const json_t *bg, const json_t *tspec,
			const char *colour)
{
	const json_t *meta = get(bg, "metadata");
	const char *name = json_string_value(get(meta, "name"));
	const char *ns = json_string_value(get(meta, "namespace"));
	json_t *child, *spec = fg_json_deep_copy(tspec), *ingress;
	const char *t;

	if (!spec)
		return NULL;
	if (json_is_object(ingress = json_object_get(spec, "ingress"))) {
		t = json_string_value(json_object_get(ingress, "template"));
		json_object_set_new(
			ingress, "template",
			json_sprintf("%s-%s", colour, t ? t : "null"));
	}
	child = json_pack("{s:O?, s:s, s:{s:s++, s:s?}, s:o}", "apiVersion",
			  get(bg, "apiVersion"), "kind", "FlinkDeployment",
			  "metadata", "name", name ? name : "", "-", colour,
			  "namespace", ns, "spec", spec);
	return child;
}

/* "/spec/x" of a child is "/spec/template/spec/x" of its parent. */
static int bg_pointer(struct fg_buf *out, const char *child_pointer)
{
	fg_buf_clear(out);
	if (!strncmp(child_pointer, "/spec", 5) &&
	    (!child_pointer[5] || child_pointer[5] == '/'))
		return fg_buf_printf(out, "/spec/template/spec%s",
				     child_pointer + 5);
	return fg_buf_puts(out, child_pointer);
}

/* The children's problems, as the parent's: blue's (the operator deploys
 * it first), then green's where blue has none at the same place. */
static int bg_children(const json_t *bg, const json_t *tspec,
		       const struct fg_rules_opts *opts,
		       struct fg_problems *out)
{
	struct fg_problems blue = FG_PROBLEMS_INIT;
	struct fg_buf at = FG_BUF_INIT;
	int err = 0;

	for (size_t k = 0; k < 2 && !err; k++) {
		struct fg_problems cp = FG_PROBLEMS_INIT;
		json_t *child = bg_child(bg, tspec, bg_colours[k]);

		if (!child) {
			err = fg_error_set(FG_ERROR, "out of memory");
			break;
		}
		err = fg_rules_check_opts(child, opts, &cp);
		for (size_t i = 0; !err && i < cp.n; i++) {
			int seen = 0;

			if ((err = bg_pointer(&at, cp.v[i].pointer)) < 0)
				break;
			for (size_t j = 0; k && j < blue.n && !seen; j++)
				seen = !strcmp(blue.v[j].pointer, at.ptr);
			if (seen)
				continue;
			if (!k)
				err = fg_problems_add(&blue, at.ptr, "%s",
						      cp.v[i].message);
			if (!err)
				err = fg_problems_add(out, at.ptr, "%s",
						      cp.v[i].message);
		}
		fg_problems_release(&cp);
		json_decref(child);
	}
	fg_problems_release(&blue);
	fg_buf_release(&at);
	return err;
}

static int check_bluegreen(const json_t *bg, const struct fg_rules_opts *opts,
			   struct fg_problems *out)
{
	static const char *const durations[] = {
		FG_FLINK_CONF_BG_ABORT_GRACE,
		FG_FLINK_CONF_BG_RESCHEDULE,
		FG_FLINK_CONF_BG_DELETION_DELAY,
	};
	const json_t *spec = get(bg, "spec"), *tmpl = get(spec, "template");
	const json_t *tspec = get(tmpl, "spec"), *conf;
	const json_t *meta = get(bg, "metadata");
	struct fg_flink_duration d;
	struct ctx c;
	int err, has;

	if ((err = ctx_init(&c, NULL, out)) < 0)
		goto done;
	if (!json_is_object(tspec))
		add(&c, json_is_object(tmpl) ? "/spec/template" : "/spec",
		    "spec.template.spec is required: the operator makes the "
		    "blue and green FlinkDeployments from it");
	else if (!json_is_object(get(tspec, "job")))
		add(&c, "/spec/template/spec",
		    "spec.template.spec.job is required: a "
		    "FlinkBlueGreenDeployment runs an application (the "
		    "operator fails on a template without a job)");
	/* the parent's own ingress points at the active child
	 * (IngressUtils.reconcileBlueGreenIngress) */
	check_ingress_at(&c, get(spec, "ingress"), "/spec/ingress",
			 json_string_value(get(meta, "name")),
			 json_string_value(get(meta, "namespace")));
	/* BlueGreenUtils.getConfigOption: Configuration.fromMap(...).get */
	conf = get(spec, "configuration");
	for (size_t i = 0; json_is_object(conf) && i < 3; i++)
		if (fg_flink_conf_duration(conf, durations[i], &d, &has) < 0) {
			if (fg_error_last_code() == FG_ERROR) {
				c.err = FG_ERROR;
				break;
			}
			add(&c,
			    ptr(&c, "/spec/configuration", durations[i], NULL,
				NULL),
			    "%s", fg_error_last());
		}
	err = c.err;
	if (!err && json_is_object(tspec))
		err = bg_children(bg, tspec, opts, out);
done:
	ctx_release(&c);
	return err;
}

int fg_rules_bluegreen_hints(const json_t *bg, const struct fg_rules_opts *opts,
			     struct fg_problems *out)
{
	static const char *const known[] = {
		FG_FLINK_CONF_BG_ABORT_GRACE,
		FG_FLINK_CONF_BG_RESCHEDULE,
		FG_FLINK_CONF_BG_DELETION_DELAY,
	};
	const json_t *spec = get(bg, "spec"), *tmpl = get(spec, "template");
	const json_t *tspec = get(tmpl, "spec"), *v, *ingress, *job;
	const char *key, *mode;
	char said[256];
	struct ctx c;
	int err;

	if (!fg_is_bluegreen(bg))
		return 0;
	if ((err = ctx_init(&c, opts, out)) < 0)
		goto done;
	c.explain = 1;
	json_object_foreach (mut(get(spec, "configuration")), key, v) {
		size_t i;

		for (i = 0; i < 3 && strcmp(key, known[i]); i++)
			;
		if (i < 3)
			continue;
		add(&c, ptr(&c, "/spec/configuration", key, NULL, NULL), "%s",
		    strncmp(key, FG_FLINK_CONF_BG, strlen(FG_FLINK_CONF_BG))
			    ? "the operator reads only its Blue/Green options "
			      "here (" FG_FLINK_CONF_BG
			      "*): Flink configuration belongs in "
			      "spec.template.spec.flinkConfiguration"
			    : "not a Blue/Green option of the operator: it "
			      "reads " FG_FLINK_CONF_BG_ABORT_GRACE
			      ", " FG_FLINK_CONF_BG_RESCHEDULE
			      " and " FG_FLINK_CONF_BG_DELETION_DELAY);
	}
	if (json_is_object(get(tmpl, "metadata")) &&
	    json_object_size(get(tmpl, "metadata")))
		add(&c, "/spec/template/metadata",
		    "the operator does not copy spec.template.metadata to the "
		    "blue and green FlinkDeployments it makes: nothing here "
		    "reaches them");
	ingress = get(tspec, "ingress");
	if (json_is_object(ingress) && !get(ingress, "template"))
		add(&c, "/spec/template/spec/ingress",
		    "no template: the operator prefixes each child's colour to "
		    "it, so their ingress templates read 'blue-null' and "
		    "'green-null'");
	/* a savepoint of the active child at each transition, unless
	 * stateless (BlueGreenUtils.isSavepointRequired, triggerSavepoint:
	 * checkNotNull(savepoint directory)); savepoint mode has the
	 * operator's own error for this */
	job = get(tspec, "job");
	mode = json_string_value(get(job, "upgradeMode"));
	if (json_is_object(job) && mode && !strcmp(mode, "last-state")) {
		c.cr_conf = get(tspec, "flinkConfiguration");
		if (!json_is_object(c.cr_conf))
			c.cr_conf = NULL;
		if ((err = merge_conf(c.conf, c.cr_conf)) < 0)
			goto done;
		if (conf_text_blank(&c, FG_FLINK_CONF_SAVEPOINT_DIR))
			add(&c, "/spec/template/spec/job/upgradeMode",
			    "each transition starts with a savepoint of the "
			    "active child (upgradeMode %s), and config "
			    "key[%s] is not set%s: the operator cannot "
			    "trigger it (\"Could not trigger Savepoint\") and "
			    "no transition starts",
			    mode, FG_FLINK_CONF_SAVEPOINT_DIR,
			    defaults_said(&c, said, sizeof(said)));
	}
	err = c.err;
done:
	ctx_release(&c);
	return err;
}

int fg_rules_check_opts(const json_t *obj, const struct fg_rules_opts *opts,
			struct fg_problems *out)
{
	const char *kind = json_string_value(get(obj, "kind"));
	struct ctx c;
	int err;

	if (is_flink_object(obj, FG_BLUEGREEN_KIND))
		return check_bluegreen(obj, opts, out);
	if (!is_flink_object(obj, NULL) || (strcmp(kind, "FlinkDeployment") &&
					    strcmp(kind, "FlinkSessionJob") &&
					    strcmp(kind, "FlinkStateSnapshot")))
		return 0;
	if ((err = ctx_init(&c, opts, out)) < 0)
		goto done;
	c.cr_conf = get(get(obj, "spec"), "flinkConfiguration");
	if (!json_is_object(c.cr_conf))
		c.cr_conf = NULL;
	c.inherited = c.cr_conf ? "/spec/flinkConfiguration" : "/spec";
	if ((err = merge_conf(c.conf, c.cr_conf)) < 0)
		goto done;
	if (!strcmp(kind, "FlinkDeployment"))
		check_deployment(&c, obj);
	else if (!strcmp(kind, "FlinkSessionJob"))
		check_session_job(&c, obj);
	else
		check_snapshot(&c, obj);
	err = c.err;
done:
	ctx_release(&c);
	return err;
}

int fg_rules_check_session_job(const json_t *job, const json_t *cluster,
			       const struct fg_rules_opts *opts,
			       struct fg_problems *out)
{
	const json_t *spec_job = get(get(job, "spec"), "job");
	struct ctx c;
	int err;

	if (!is_flink_object(job, "FlinkSessionJob") ||
	    !is_flink_object(cluster, "FlinkDeployment"))
		return 0;
	/* validateNotApplicationCluster; the rest would read the wrong
	 * cluster's configuration */
	if (get(get(cluster, "spec"), "job"))
		return fg_problems_add(
			out, "/spec/deploymentName",
			"Can not submit session job to application cluster");
	if (!json_is_object(spec_job))
		return 0; /* "The job spec should not be empty" covers it */
	if ((err = ctx_init(&c, opts, out)) < 0)
		goto done;
	c.cr_conf = get(get(job, "spec"), "flinkConfiguration");
	if (!json_is_object(c.cr_conf))
		c.cr_conf = NULL;
	c.inherited = "/spec/deploymentName";
	if ((err = merge_conf(c.conf, get(get(cluster, "spec"),
					  "flinkConfiguration"))) < 0 ||
	    (err = merge_conf(c.conf, c.cr_conf)) < 0)
		goto done;
	check_job_dirs(&c, spec_job);
	check_autoscaler(&c);
	err = c.err;
done:
	ctx_release(&c);
	return err;
}

int fg_rules_check_with_defaults(const json_t *obj, const json_t *operator_conf,
				 struct fg_problems *out)
{
	struct fg_rules_opts o = { NULL, operator_conf, NULL, 0 };

	return fg_rules_check_opts(obj, &o, out);
}

int fg_rules_check(const json_t *obj, struct fg_problems *out)
{
	return fg_rules_check_opts(obj, NULL, out);
}
