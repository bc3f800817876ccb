/*
 * The agent's configuration file: one table of options (name, type,
 * default, bounds, help) drives parsing, validation, the README's
 * reference table and the JSON schema, as Redis' config.c does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/config.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/crd.h"
#include "render/yaml.h"
#include "render/base/banned.h"

enum opt_type {
	O_STRING,   /* any string */
	O_PATH,	    /* a file or folder name */
	O_NAME,	    /* lowercase letters, digits, '-' (a k8s name) */
	O_BOOL,	    /* true / false */
	O_DURATION, /* "90s", "2m", or seconds; stored as long ms */
	O_INT,	    /* an integer, stored as long */
	O_ENUM,	    /* one of `choices` ("a|b|c") */
	O_LIST,	    /* a list of strings */
	O_NAMES,    /* a list of names, each once */
	O_LISTEN,   /* "HOST:PORT" */
};

struct opt {
	const char *name; /* dotted path in the file */
	enum opt_type type;
	size_t off;	     /* of the value in struct fg_agent_config */
	size_t noff;	     /* O_LIST: of its count */
	const char *def;     /* default, as written in the file; NULL none */
	long long min, max;  /* ints and durations (ms): bounds */
	const char *choices; /* O_ENUM */
	int required;
	const char *help;
};

#define OFF(f) offsetof(struct fg_agent_config, f)
#define IS_LIST(o) ((o)->type == O_LIST || (o)->type == O_NAMES)
#define S(n, f, d, h)                                       \
	{                                                   \
		n, O_STRING, OFF(f), 0, d, 0, 0, NULL, 0, h \
	}
#define P(n, f, d, h)                                     \
	{                                                 \
		n, O_PATH, OFF(f), 0, d, 0, 0, NULL, 0, h \
	}
#define B(n, f, d, h)                                     \
	{                                                 \
		n, O_BOOL, OFF(f), 0, d, 0, 0, NULL, 0, h \
	}
#define D(n, f, d, lo, hi, h)                                   \
	{                                                       \
		n, O_DURATION, OFF(f), 0, d, lo, hi, NULL, 0, h \
	}
#define I(n, f, d, lo, hi, h)                              \
	{                                                  \
		n, O_INT, OFF(f), 0, d, lo, hi, NULL, 0, h \
	}
#define E(n, f, d, c, h)                               \
	{                                              \
		n, O_ENUM, OFF(f), 0, d, 0, 0, c, 0, h \
	}

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

static const struct opt opts[] = {
	{ "source.url", O_STRING, OFF(url), 0, NULL, 0, 0, NULL, 1,
	  "the repository: file://, git://, https:// or ssh:// URL "
	  "(user@host:path too)" },
	S("source.ref", ref, "main",
	  "the branch (or tag, full ref name, commit) to apply"),
	S("source.path", path, "",
	  "the folder of the repository that holds the namespaces"),
	D("source.interval", interval_ms, "1m", SEC, 24 * HOUR,
	  "how often the ref is checked (with up to 10% jitter)"),
	D("source.timeout", timeout_ms, "2m", SEC, HOUR,
	  "bound of one fetch or push, whatever the server does"),
	S("source.auth.username", username, NULL, "HTTPS basic-auth user"),
	P("source.auth.passwordFile", password_file, NULL,
	  "HTTPS password, read from this file"),
	P("source.auth.tokenFile", token_file, NULL,
	  "HTTPS token, read from this file (sent as the password)"),
	P("source.auth.caFile", ca_file, NULL, "HTTPS CA bundle (PEM)"),
	P("source.auth.sshKeyFile", ssh_key_file, NULL,
	  "SSH private key (unencrypted)"),
	P("source.auth.knownHosts", known_hosts, NULL,
	  "SSH known_hosts (default ~/.ssh/known_hosts)"),
	E("source.verify.mode", verify, "none", "none|head",
	  "head: apply only commits signed by an allowed SSH key"),
	P("source.verify.allowedSigners", allowed_signers, NULL,
	  "SSH keys allowed to sign (git's allowed_signers format)"),
	{ "source.proposals", O_LIST, OFF(proposals), OFF(nproposals), NULL, 0,
	  0, NULL, 0,
	  "branches to plan, never apply: full ref names or branch names, "
	  "'*' matches within one path segment" },
	{ "source.ageIdentities", O_LIST, OFF(age_identities),
	  OFF(nage_identities), NULL, 0, 0, NULL, 0,
	  "age identity files that decrypt *.age files" },
	S("source.crdVersion", crd_version, NULL,
	  "operator release to validate against (default: the repository's "
	  "crdVersion)"),
	P("cluster.kubeconfig", kubeconfig, NULL,
	  "kubeconfig file (absent: KUBECONFIG, ~/.kube/config, in-cluster)"),
	S("cluster.context", context, NULL, "kubeconfig context"),
	D("cluster.requestTimeout", request_timeout_ms, "30s", SEC, 10 * MIN,
	  "bound of one API request"),
	I("cluster.connections", connections, "8", 1, 256,
	  "connections to the API server for writes, besides the watches"),
	{ "cluster.operatorNamespace", O_NAME, OFF(operator_ns), 0, NULL, 0, 0,
	  NULL, 0,
	  "namespace of the Flink operator's flink-operator-config, read by "
	  "name (absent: found across namespaces; with sync.namespaces, not "
	  "read)" },
	{ "sync.namespaces", O_NAMES, OFF(namespaces), OFF(nnamespaces), NULL,
	  0, 0, NULL, 0,
	  "the only namespaces the agent reads and writes (a namespaced Role "
	  "in each is enough); absent: every namespace (a ClusterRole)" },
	B("sync.selfHeal", self_heal, "false",
	  "take drift back (else drift is only reported)"),
	B("sync.prune", prune, "false",
	  "prune namespaces that render to nothing (policy prune: true)"),
	B("sync.allowDelete", allow_delete, "false",
	  "policy delete: allow for every object (running jobs are deleted)"),
	{ "sync.repository", O_NAME, OFF(repository), 0, NULL, 0, 0, NULL, 0,
	  "the repository's name (default: name: of flink-gitops.yaml)" },
	D("sync.waitTimeout", wait_timeout_ms, "5m", SEC, 24 * HOUR,
	  "bound of each wait of a pass (suspend-first, session jobs)"),
	I("sync.parallel", parallel, "8", 1, 64, "namespaces synced at once"),
	D("sync.debounce", debounce_ms, "1s", 0, MIN,
	  "after a watch event on a managed object, wait this long for more "
	  "before the pass"),
	D("sync.backoffMax", backoff_max_ms, "5m", SEC, HOUR,
	  "longest pause after failed passes (doubling from 1s)"),
	B("reports.git.enabled", git_report, "true",
	  "write status files, STATUS.md, DRIFT.md, lineage and plans to a "
	  "branch"),
	S("reports.git.branch", git_branch, "flink-gitops/status",
	  "the status branch"),
	B("reports.git.notes", git_notes, "true",
	  "a note on each synced commit and proposed head "
	  "(refs/notes/flink-gitops)"),
	S("reports.git.authorName", author_name, "flink-gitops",
	  "author of report commits"),
	S("reports.git.authorEmail", author_email, "flink-gitops@localhost",
	  "author e-mail of report commits"),
	D("reports.git.minInterval", git_min_interval_ms, "10m", 0, 24 * HOUR,
	  "a change of checkpoint or savepoint times alone is committed at "
	  "most this often"),
	B("reports.annotations", annotations, "true",
	  "annotate managed objects: commit, synced-at, health, drift"),
	B("reports.events", events, "true",
	  "Kubernetes Events for applied, blocked and failed actions"),
	{ "listen", O_LISTEN, OFF(listen), 0, "127.0.0.1:9090", 0, 0, NULL, 0,
	  "HTTP endpoint (/metrics, /healthz, /readyz, /hooks/PROVIDER); "
	  "\"\" for none" },
	P("webhook.secretFile", webhook_secret_file, NULL,
	  "the webhooks' shared secret (absent: /hooks answer 404)"),
	I("webhook.maxBody", webhook_max_body, "1048576", 1024, 26214400,
	  "largest webhook body accepted (bytes)"),
	P("stateDir", state_dir, "/var/lib/flink-gitops",
	  "mirror, last good commit, caches"),
	B("leaderElection.enabled", le_enabled, "false",
	  "run as one of several replicas: only the lease holder writes"),
	{ "leaderElection.namespace", O_NAME, OFF(le_namespace), 0,
	  "flink-gitops", 0, 0, NULL, 0, "namespace of the Lease" },
	{ "leaderElection.name", O_NAME, OFF(le_name), 0, "flink-gitops", 0, 0,
	  NULL, 0, "name of the Lease (coordination.k8s.io/v1)" },
	S("leaderElection.identity", le_identity, NULL,
	  "this replica's name in the Lease (default: HOSTNAME-PID)"),
	D("leaderElection.leaseDuration", le_duration_ms, "15s", 2 * SEC,
	  5 * MIN, "how long a lease holds without renewal"),
	D("leaderElection.renewPeriod", le_renew_ms, "5s", SEC, 5 * MIN,
	  "how often the leader renews"),
	D("leaderElection.retryPeriod", le_retry_ms, "2s", SEC, 5 * MIN,
	  "how often a replica tries to acquire"),
	E("log.level", log_level, NULL, "debug|info|warn|error|off",
	  "log level (default: --log-level)"),
	E("log.format", log_format, NULL, "text|json",
	  "log format (default: --log-format)"),
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* ---- errors ---- */

struct parse {
	const char *name;
	struct fg_yaml_file *yf;
	struct fg_buf *errors;
	size_t nerrors;
	int first_code;
	unsigned char set[NOPTS];
};

static void pos_of(struct parse *ps, const char *pointer, int key,
		   struct fg_pos *out)
{
	struct fg_pos k = { 0, 0 }, v = { 0, 0 };

	*out = k;
	if (!ps->yf)
		return;
	fg_yaml_pos(ps->yf, 0, pointer, &k, &v);
	*out = key ? k : v;
}

__attribute__((format(printf, 5, 6))) static void
problem(struct parse *ps, const char *pointer, int key, const char *field,
	const char *fmt, ...)
{
	struct fg_pos pos;
	char msg[FG_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pos_of(ps, pointer ? pointer : "", key, &pos);
	if (!ps->nerrors)
		fg_error_set(FG_EINVALID, "%s:%u:%u: %s%s%s", ps->name,
			     pos.line, pos.col, field ? field : "",
			     field ? ": " : "", msg);
	if (++ps->nerrors > FG_CONFIG_MAX_ERRORS + 1)
		return;
	if (ps->nerrors == FG_CONFIG_MAX_ERRORS + 1) {
		fg_buf_printf(ps->errors, "%s: error: too many problems\n",
			      ps->name);
		return;
	}
	fg_buf_printf(ps->errors, "%s:%u:%u: error: %s%s%s\n", ps->name,
		      pos.line, pos.col, field ? field : "", field ? ": " : "",
		      msg);
}

/* ---- values ---- */

int fg_parse_duration_ms(const char *s, long long *out)
{
	long long total = 0;
	const char *p = s;
	int parts = 0;

	if (!s || !*s)
		return fg_error_set(FG_EINVALID, "empty duration");
	if (strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 9)
			return fg_error_set(FG_EINVALID, "too long");
		*out = strtoll(s, NULL, 10) * 1000;
		return 0;
	}
	while (*p) {
		long long v = 0, unit;
		size_t digits = strspn(p, "0123456789");

		if (!digits || digits > 9)
			return fg_error_set(FG_EINVALID,
					    "'%s' is no duration (90s, 2m, "
					    "1h30m, 500ms)",
					    s);
		for (size_t i = 0; i < digits; i++)
			v = v * 10 + (p[i] - '0');
		p += digits;
		if (!strncmp(p, "ms", 2)) {
			unit = 1;
			p += 2;
		} else if (*p == 's') {
			unit = SEC;
			p++;
		} else if (*p == 'm') {
			unit = MIN;
			p++;
		} else if (*p == 'h') {
			unit = HOUR;
			p++;
		} else {
			return fg_error_set(FG_EINVALID,
					    "'%s' is no duration (90s, 2m, "
					    "1h30m, 500ms)",
					    s);
		}
		total += v * unit;
		if (total > 1000LL * HOUR || ++parts > 4)
			return fg_error_set(FG_EINVALID, "'%s' is too long", s);
	}
	*out = total;
	return 0;
}

int fg_parse_listen(const char *s, char *host, size_t hostsz, int *port)
{
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long p;
	unsigned char addr[16];

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return fg_error_set(FG_EINVALID,
					    "'%s': want [IPV6]:PORT", s);
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		if (!(colon = strrchr(s, ':')))
			return fg_error_set(FG_EINVALID,
					    "'%s': want HOST:PORT (an IP "
					    "address, or none for every "
					    "address)",
					    s);
		hl = (size_t)(colon - s);
	}
	if (hl >= hostsz || hl >= 64)
		return fg_error_set(FG_EINVALID, "'%s': host too long", s);
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || p < 0 || p > 65535)
		return fg_error_set(FG_EINVALID,
				    "'%s': the port must be 0 to 65535", s);
	if (*host && inet_pton(AF_INET, host, addr) != 1 &&
	    inet_pton(AF_INET6, host, addr) != 1)
		return fg_error_set(FG_EINVALID,
				    "'%s': the host must be an IP address "
				    "(no name lookups)",
				    s);
	*port = (int)p;
	return 0;
}

static int is_name(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 63 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
	       s[0] != '-' && s[n - 1] != '-';
}

static void *field(struct fg_agent_config *c, size_t off)
{
	return (char *)c + off;
}

/* The scalar `v` as text: strings as they are, numbers and booleans as
 * written; NULL for anything else. */
static const char *scalar(const json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

static int set_string(struct fg_agent_config *c, size_t off, const char *s)
{
	char **slot = field(c, off);
	char *d = strdup(s);

	if (!d)
		return fg_error_set(FG_ERROR, "out of memory");
	free(*slot);
	*slot = d;
	return 0;
}

/* Store `v` (text of a scalar, or the JSON for lists and booleans). */
static int store(struct parse *ps, struct fg_agent_config *c,
		 const struct opt *o, const json_t *v, const char *text,
		 const char *pointer)
{
	char host[64];
	long long n;
	int port;

	switch (o->type) {
	case O_STRING:
	case O_PATH:
	case O_NAME:
		if (!json_is_string(v) && v) {
			problem(ps, pointer, 0, o->name, "want a string");
			return 0;
		}
		if (strlen(text) > FG_CONFIG_MAX_STRING) {
			problem(ps, pointer, 0, o->name, "longer than %d bytes",
				FG_CONFIG_MAX_STRING);
			return 0;
		}
		if (o->type == O_PATH && !*text) {
			problem(ps, pointer, 0, o->name, "empty file name");
			return 0;
		}
		if (o->type == O_NAME && !is_name(text)) {
			problem(ps, pointer, 0, o->name,
				"'%s' is not a name (lowercase letters, "
				"digits and '-', at most 63)",
				text);
			return 0;
		}
		return set_string(c, o->off, text);
	case O_ENUM: {
		size_t len = strlen(text);
		const char *p = o->choices;

		if (v && !json_is_string(v)) {
			problem(ps, pointer, 0, o->name, "want one of %s",
				o->choices);
			return 0;
		}
		while (p) {
			const char *bar = strchr(p, '|');
			size_t l = bar ? (size_t)(bar - p) : strlen(p);

			if (l == len && !strncmp(p, text, l))
				return set_string(c, o->off, text);
			p = bar ? bar + 1 : NULL;
		}
		problem(ps, pointer, 0, o->name, "'%s' is not one of %s", text,
			o->choices);
		return 0;
	}
	case O_BOOL:
		if (v ? !json_is_boolean(v)
		      : strcmp(text, "true") && strcmp(text, "false")) {
			problem(ps, pointer, 0, o->name, "want true or false");
			return 0;
		}
		*(int *)field(c, o->off) =
			v ? json_is_true(v) : !strcmp(text, "true");
		return 0;
	case O_INT: {
		char *end;

		if (v && !json_is_integer(v)) {
			problem(ps, pointer, 0, o->name, "want an integer");
			return 0;
		}
		errno = 0;
		n = strtoll(text, &end, 10);
		if (*end || errno || n < o->min || n > o->max) {
			problem(ps, pointer, 0, o->name,
				"want an integer from %lld to %lld", o->min,
				o->max);
			return 0;
		}
		*(long *)field(c, o->off) = (long)n;
		return 0;
	}
	case O_DURATION:
		if (v && !json_is_string(v) && !json_is_integer(v)) {
			problem(ps, pointer, 0, o->name,
				"want a duration (90s, 2m, 1h30m, 500ms)");
			return 0;
		}
		if (fg_parse_duration_ms(text, &n) < 0) {
			problem(ps, pointer, 0, o->name, "%s", fg_error_last());
			return 0;
		}
		if (n < o->min || n > o->max) {
			problem(ps, pointer, 0, o->name,
				"'%s' is out of bounds (%llds to %llds)", text,
				o->min / 1000, o->max / 1000);
			return 0;
		}
		*(long *)field(c, o->off) = (long)n;
		return 0;
	case O_LISTEN:
		if (v && !json_is_string(v)) {
			problem(ps, pointer, 0, o->name,
				"want \"HOST:PORT\" or \"\"");
			return 0;
		}
		if (*text && fg_parse_listen(text, host, sizeof(host), &port)) {
			problem(ps, pointer, 0, o->name, "%s", fg_error_last());
			return 0;
		}
		return set_string(c, o->off, text);
	case O_LIST:
	case O_NAMES:
		break;
	}
	return 0;
}

static int listed(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static int store_list(struct parse *ps, struct fg_agent_config *c,
		      const struct opt *o, const json_t *v, const char *pointer)
{
	char ***slot = field(c, o->off);
	size_t *n = field(c, o->noff), i;
	char ptr[600];
	json_t *it;

	if (!json_is_array(v)) {
		problem(ps, pointer, 0, o->name, "want a list of strings");
		return 0;
	}
	if (json_array_size(v) > FG_CONFIG_MAX_LIST) {
		problem(ps, pointer, 0, o->name, "more than %d items",
			FG_CONFIG_MAX_LIST);
		return 0;
	}
	if (!(*slot = calloc(json_array_size(v) + 1, sizeof(char *))))
		return fg_error_set(FG_ERROR, "out of memory");
	json_array_foreach (v, i, it) {
		snprintf(ptr, sizeof(ptr), "%s/%zu", pointer, i);
		if (!json_is_string(it) || !*json_string_value(it) ||
		    strlen(json_string_value(it)) > FG_CONFIG_MAX_STRING) {
			problem(ps, ptr, 0, o->name,
				"item %zu: want a non-empty string", i);
			continue;
		}
		if (o->type == O_NAMES && !is_name(json_string_value(it))) {
			problem(ps, ptr, 0, o->name,
				"item %zu: '%s' is not a name (lowercase "
				"letters, digits and '-', at most 63)",
				i, json_string_value(it));
			continue;
		}
		if (o->type == O_NAMES &&
		    listed(*slot, *n, json_string_value(it))) {
			problem(ps, ptr, 0, o->name, "item %zu: '%s' twice", i,
				json_string_value(it));
			continue;
		}
		if (!((*slot)[(*n)++] = strdup(json_string_value(it))))
			return fg_error_set(FG_ERROR, "out of memory");
	}
	return 0;
}

static const struct opt *find_opt(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (!strcmp(opts[i].name, name))
			return &opts[i];
	return NULL;
}

static int is_section(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < NOPTS; i++)
		if (!strncmp(opts[i].name, name, n) && opts[i].name[n] == '.')
			return 1;
	return 0;
}

static int walk(struct parse *ps, struct fg_agent_config *c, const json_t *map,
		const char *prefix, const char *pointer)
{
	char name[256], ptr[512], buf[32];
	const char *key, *text;
	json_t *v;
	int err;

	json_object_foreach (fg_json_mut(map), key, v) {
		const struct opt *o;

		snprintf(name, sizeof(name), "%s%s%s", prefix,
			 *prefix ? "." : "", key);
		snprintf(ptr, sizeof(ptr), "%s/%s", pointer, key);
		if (!*prefix &&
		    (!strcmp(key, "apiVersion") || !strcmp(key, "kind")))
			continue;
		if ((o = find_opt(name))) {
			ps->set[o - opts] = 1;
			if (IS_LIST(o)) {
				if ((err = store_list(ps, c, o, v, ptr)) < 0)
					return err;
				continue;
			}
			if (json_is_null(v)) {
				ps->set[o - opts] = 0;
				continue;
			}
			if (!(text = scalar(v, buf, sizeof(buf)))) {
				problem(ps, ptr, 0, o->name, "want a %s",
					o->type == O_BOOL  ? "boolean"
					: o->type == O_INT ? "integer"
							   : "string");
				continue;
			}
			if ((err = store(ps, c, o, v, text, ptr)) < 0)
				return err;
		} else if (is_section(name)) {
			if (!json_is_object(v)) {
				problem(ps, ptr, 0, name, "want a mapping");
				continue;
			}
			if ((err = walk(ps, c, v, name, ptr)) < 0)
				return err;
		} else {
			problem(ps, ptr, 1, NULL, "unknown field \"%s\"", name);
		}
	}
	return 0;
}

static int defaults(struct parse *ps, struct fg_agent_config *c)
{
	int err;

	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];

		if (ps->set[i])
			continue;
		if (o->required) {
			problem(ps, "", 1, o->name, "required");
			continue;
		}
		if (!o->def)
			continue;
		if ((err = store(ps, c, o, NULL, o->def, "")) < 0)
			return err;
	}
	return 0;
}

/* Rules across options. */
static void check(struct parse *ps, struct fg_agent_config *c)
{
	if (c->verify && !strcmp(c->verify, "head") && !c->allowed_signers)
		problem(ps, "/source/verify", 1, "source.verify.mode",
			"head needs source.verify.allowedSigners");
	if (c->crd_version && !fg_crd_version_known(c->crd_version))
		problem(ps, "/source/crdVersion", 0, "source.crdVersion",
			"operator version '%s' is not bundled", c->crd_version);
	if (c->password_file && c->token_file)
		problem(ps, "/source/auth", 1, "source.auth",
			"passwordFile and tokenFile: give one");
	if (c->le_enabled && c->le_renew_ms >= c->le_duration_ms)
		problem(ps, "/leaderElection", 1, "leaderElection.renewPeriod",
			"must be shorter than leaseDuration");
	for (size_t i = 0; i < c->nproposals; i++) {
		const char *p = c->proposals[i];

		if (strstr(p, "**") || strchr(p, ' ') || strstr(p, ".."))
			problem(ps, "/source/proposals", 0, "source.proposals",
				"'%s' is no ref pattern", p);
	}
}

int fg_agent_config_parse(struct fg_agent_config **out, const char *name,
			  const char *text, size_t len, struct fg_buf *errors)
{
	struct fg_yaml_limits lim = { FG_CONFIG_MAX_BYTES, 20, 100000, 2 };
	struct fg_agent_config *c = NULL;
	struct parse ps;
	const json_t *doc;
	int err;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.name = name;
	ps.errors = errors;
	if (len > FG_CONFIG_MAX_BYTES) {
		problem(&ps, NULL, 0, NULL, "larger than %zu bytes",
			FG_CONFIG_MAX_BYTES);
		return FG_EINVALID;
	}
	if ((err = fg_yaml_load(&ps.yf, name, text, len, &lim, NULL)) < 0) {
		fg_buf_printf(errors, "%s\n", fg_error_last());
		return err;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (fg_yaml_count(ps.yf) != 1) {
		problem(&ps, NULL, 0, NULL,
			"want one YAML document (an AgentConfig), found %zu",
			fg_yaml_count(ps.yf));
		goto done;
	}
	doc = fg_yaml_doc(ps.yf, 0);
	if (!json_is_object(doc)) {
		problem(&ps, "", 0, NULL, "want a mapping (an AgentConfig)");
		goto done;
	}
	if (!fg_str_is(fg_json_str(doc, "apiVersion"), FG_CONFIG_API))
		problem(&ps,
			fg_json_get(doc, "apiVersion") ? "/apiVersion" : "", 0,
			"apiVersion", "want " FG_CONFIG_API);
	if (!fg_str_is(fg_json_str(doc, "kind"), FG_CONFIG_KIND))
		problem(&ps, fg_json_get(doc, "kind") ? "/kind" : "", 0, "kind",
			"want " FG_CONFIG_KIND);
	if ((err = walk(&ps, c, doc, "", "")) < 0 ||
	    (err = defaults(&ps, c)) < 0)
		goto done;
	check(&ps, c);
	if (!(c->file = strdup(name)))
		err = fg_error_set(FG_ERROR, "out of memory");
done:
	fg_yaml_file_free(ps.yf);
	if (!err && ps.nerrors)
		err = FG_EINVALID;
	if (err) {
		fg_agent_config_free(c);
		return err;
	}
	*out = c;
	return 0;
}

int fg_agent_config_load(struct fg_agent_config **out, const char *path,
			 struct fg_buf *errors)
{
	struct fg_buf text = FG_BUF_INIT;
	int err;

	*out = NULL;
	fg_buf_init(&text, FG_CONFIG_MAX_BYTES);
	if ((err = fg_buf_read_file(&text, path)) < 0) {
		fg_buf_printf(errors, "%s\n", fg_error_last());
		fg_buf_release(&text);
		return err;
	}
	err = fg_agent_config_parse(out, path, text.ptr, text.len, errors);
	fg_buf_release(&text);
	return err;
}

void fg_agent_config_free(struct fg_agent_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];

		if (IS_LIST(o)) {
			char **v = *(char ***)field(c, o->off);
			size_t n = *(size_t *)field(c, o->noff);

			for (size_t j = 0; j < n; j++)
				free(v[j]);
			free(v);
		} else if (o->type != O_BOOL && o->type != O_INT &&
			   o->type != O_DURATION) {
			free(*(char **)field(c, o->off));
		}
	}
	free(c->file);
	free(c);
}

/* ---- documentation, from the same table ---- */

static const char *type_word(const struct opt *o)
{
	switch (o->type) {
	case O_STRING:
		return "string";
	case O_PATH:
		return "file";
	case O_NAME:
		return "name";
	case O_BOOL:
		return "boolean";
	case O_DURATION:
		return "duration";
	case O_INT:
		return "integer";
	case O_ENUM:
		return o->choices;
	case O_LIST:
		return "list of strings";
	case O_NAMES:
		return "list of names";
	case O_LISTEN:
		return "HOST:PORT";
	}
	return "";
}

static void human_ms(char *buf, size_t n, long long ms)
{
	if (ms % HOUR == 0 && ms)
		snprintf(buf, n, "%lldh", ms / HOUR);
	else if (ms % MIN == 0 && ms)
		snprintf(buf, n, "%lldm", ms / MIN);
	else if (ms % SEC == 0)
		snprintf(buf, n, "%llds", ms / SEC);
	else
		snprintf(buf, n, "%lldms", ms);
}

int fg_agent_config_reference(struct fg_buf *out)
{
	char lo[32], hi[32];
	int err = 0;

	err |= fg_buf_puts(out, "| option | type | default | bounds | "
				"what it does |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < NOPTS && !err; i++) {
		const struct opt *o = &opts[i];

		lo[0] = hi[0] = '\0';
		if (o->type == O_DURATION) {
			human_ms(lo, sizeof(lo), o->min);
			human_ms(hi, sizeof(hi), o->max);
		} else if (o->type == O_INT) {
			snprintf(lo, sizeof(lo), "%lld", o->min);
			snprintf(hi, sizeof(hi), "%lld", o->max);
		}
		err = fg_buf_printf(out,
				    "| `%s` | %s | %s%s%s | %s%s%s | %s |\n",
				    o->name, type_word(o),
				    o->required ? "required"
				    : o->def	? "`"
						: "",
				    o->required ? ""
				    : o->def	? (*o->def ? o->def : "\"\"")
						: "—",
				    !o->required && o->def ? "`" : "", lo,
				    *lo ? " to " : "", hi, o->help);
	}
	return err ? fg_error_set(FG_ERROR, "out of memory") : 0;
}

/* The JSON schema node of option `o`. */
static json_t *schema_of(const struct opt *o)
{
	json_t *s = json_object();

	json_object_set_new(s, "description", json_string(o->help));
	switch (o->type) {
	case O_BOOL:
		json_object_set_new(s, "type", json_string("boolean"));
		break;
	case O_INT:
		json_object_set_new(s, "type", json_string("integer"));
		json_object_set_new(s, "minimum", json_integer(o->min));
		json_object_set_new(s, "maximum", json_integer(o->max));
		break;
	case O_DURATION:
		json_object_set_new(s, "type",
				    json_pack("[s,s]", "string", "integer"));
		json_object_set_new(
			s, "pattern",
			json_string("^([0-9]+|([0-9]+(ms|s|m|h))+)$"));
		break;
	case O_ENUM: {
		json_t *e = json_array();
		const char *p = o->choices;

		while (p) {
			const char *bar = strchr(p, '|');
			size_t l = bar ? (size_t)(bar - p) : strlen(p);

			json_array_append_new(e, json_stringn(p, l));
			p = bar ? bar + 1 : NULL;
		}
		json_object_set_new(s, "enum", e);
		break;
	}
	case O_LIST:
		json_object_set_new(s, "type", json_string("array"));
		json_object_set_new(s, "maxItems",
				    json_integer(FG_CONFIG_MAX_LIST));
		json_object_set_new(s, "items",
				    json_pack("{s:s,s:i}", "type", "string",
					      "minLength", 1));
		break;
	case O_NAMES:
		json_object_set_new(s, "type", json_string("array"));
		json_object_set_new(s, "maxItems",
				    json_integer(FG_CONFIG_MAX_LIST));
		json_object_set_new(s, "uniqueItems", json_true());
		json_object_set_new(
			s, "items",
			json_pack("{s:s,s:s}", "type", "string", "pattern",
				  "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"));
		break;
	case O_NAME:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(
			s, "pattern",
			json_string("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"));
		break;
	default:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "maxLength",
				    json_integer(FG_CONFIG_MAX_STRING));
	}
	if (o->def && !IS_LIST(o)) {
		if (o->type == O_BOOL)
			json_object_set_new(
				s, "default",
				json_boolean(!strcmp(o->def, "true")));
		else if (o->type == O_INT)
			json_object_set_new(
				s, "default",
				json_integer(strtoll(o->def, NULL, 10)));
		else
			json_object_set_new(s, "default", json_string(o->def));
	}
	return s;
}

/* The object schema at `node` for the section `name`. */
static json_t *section(json_t *root, const char *name)
{
	json_t *node = root;
	char part[64];
	const char *p = name, *dot;

	while ((dot = strchr(p, '.'))) {
		json_t *props = json_object_get(node, "properties"), *next;

		snprintf(part, sizeof(part), "%.*s", (int)(dot - p), p);
		if (!(next = json_object_get(props, part))) {
			next = json_pack("{s:s,s:b,s:{}}", "type", "object",
					 "additionalProperties", 0,
					 "properties");
			json_object_set_new(props, part, next);
		}
		node = next;
		p = dot + 1;
	}
	return node;
}

int fg_agent_config_schema(struct fg_buf *out)
{
	json_t *root, *req;
	char *text;
	int err;

	root = json_pack("{s:s,s:s,s:s,s:b,s:{s:{s:s},s:{s:s}},s:[s,s]}",
			 "$schema",
			 "https://json-schema.org/draft/2020-12/schema",
			 "title", "flink-gitops AgentConfig", "type", "object",
			 "additionalProperties", 0, "properties", "apiVersion",
			 "const", FG_CONFIG_API, "kind", "const",
			 FG_CONFIG_KIND, "required", "apiVersion", "kind");
	if (!root)
		return fg_error_set(FG_ERROR, "out of memory");
	req = json_object_get(root, "required");
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];
		json_t *node = section(root, o->name);
		const char *leaf = strrchr(o->name, '.');

		leaf = leaf ? leaf + 1 : o->name;
		json_object_set_new(json_object_get(node, "properties"), leaf,
				    schema_of(o));
		if (o->required) {
			json_t *r = json_object_get(node, "required");

			if (!r)
				json_object_set_new(node, "required",
						    r = json_array());
			json_array_append_new(r, json_string(leaf));
			/* a section with a required field is required */
			if (strchr(o->name, '.')) {
				char top[64];

				snprintf(top, sizeof(top), "%.*s",
					 (int)(strchr(o->name, '.') - o->name),
					 o->name);
				json_array_append_new(req, json_string(top));
			}
		}
	}
	text = fg_json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return fg_error_set(FG_ERROR, "out of memory");
	err = fg_buf_puts(out, text);
	if (!err)
		err = fg_buf_putc(out, '\n');
	free(text);
	return err;
}
