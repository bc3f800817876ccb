/*
 * The agent's configuration file (`flink-gitops run --config FILE`), one
 * YAML document of kind AgentConfig. Every option is one row of one
 * table (agent/config.c, in the manner of Redis' config.c): its name,
 * type, default and bounds drive parsing, validation, the reference in
 * the README and the JSON schema in deploy/.
 *
 * A bad file fails as a whole with one message per problem, each
 * "FILE:LINE:COL: error: FIELD: MESSAGE", all of them at once: unknown
 * fields, wrong types, values out of bounds, missing required fields.
 * Loading never half-applies: the caller swaps configurations only after
 * fg_agent_config_load succeeded (SIGHUP keeps the old one on error).
 *
 * Secrets are not in the file: it names files (webhook.secretFile,
 * source.auth.tokenFile ...), which are read when the agent starts and
 * kept in sodium memory.
 */
#ifndef FG_AGENT_CONFIG_H
#define FG_AGENT_CONFIG_H

#include <stddef.h>

#include "render/base/buf.h"

#define FG_CONFIG_API "flink-gitops.io/v1alpha1"
#define FG_CONFIG_KIND "AgentConfig"
#define FG_CONFIG_MAX_BYTES ((size_t)1 << 20) /* the file */
#define FG_CONFIG_MAX_LIST 64		      /* items of a list option */
#define FG_CONFIG_MAX_STRING 4096	      /* one string value */
#define FG_CONFIG_MAX_ERRORS 50		      /* reported, then "..." */

struct fg_agent_config {
	/* source: the repository */
	char *url, *ref, *path;
	long interval_ms, timeout_ms;
	char *username, *password_file, *token_file, *ca_file;
	char *ssh_key_file, *known_hosts;
	char *verify; /* "none" | "head" */
	char *allowed_signers;
	char **proposals; /* ref patterns, '*' matches within a segment */
	size_t nproposals;
	char **age_identities;
	size_t nage_identities;
	char *crd_version; /* NULL: the repository's, else the default */
	/* cluster */
	char *kubeconfig, *context; /* NULL: KUBECONFIG..., in-cluster */
	long request_timeout_ms;
	long connections;
	char *operator_ns; /* NULL: found across namespaces */
	/* sync: the core's settings */
	char **namespaces; /* the only ones touched; none: all */
	size_t nnamespaces;
	int self_heal;
	int prune;	  /* prune namespaces that render to nothing */
	int allow_delete; /* policy delete: allow for every object */
	char *repository; /* NULL: name: of flink-gitops.yaml */
	long wait_timeout_ms;
	long parallel;
	long debounce_ms; /* watch event -> pass */
	long backoff_max_ms;
	/* reports */
	int git_report;
	char *git_branch;
	int git_notes;
	char *author_name, *author_email;
	long git_min_interval_ms;
	int annotations, events;
	/* listen, webhook */
	char *listen; /* "HOST:PORT", "" for none */
	char *webhook_secret_file;
	long webhook_max_body;
	/* state */
	char *state_dir;
	/* leader election */
	int le_enabled;
	char *le_namespace, *le_name, *le_identity;
	long le_duration_ms, le_renew_ms, le_retry_ms;
	/* log */
	char *log_level, *log_format;
	/* where it was read from */
	char *file;
};

/*
 * Read and validate `path`. *out a new configuration, or NULL with
 * FG_EINVALID and every problem in `errors` (one line each, "FILE:LINE:
 * COL: error: ..."); the first is also fg_error_last().
 */
int fg_agent_config_load(struct fg_agent_config **out, const char *path,
			 struct fg_buf *errors);

/* The same from text (for tests and the fuzz target); `name` names it. */
int fg_agent_config_parse(struct fg_agent_config **out, const char *name,
			  const char *text, size_t len, struct fg_buf *errors);

void fg_agent_config_free(struct fg_agent_config *c);

/* The option reference as a Markdown table (for the README). */
int fg_agent_config_reference(struct fg_buf *out);
/* The JSON schema of the file (deploy/agent-config.schema.json). */
int fg_agent_config_schema(struct fg_buf *out);

/* Parse a duration: "90s", "2m", "1h30m", "500ms", or plain seconds.
 * FG_EINVALID when it is none. */
int fg_parse_duration_ms(const char *s, long long *out);

/* Split "HOST:PORT" / "[V6]:PORT" / ":PORT" into host (may be "") and
 * port; the host must be an IP literal. FG_EINVALID otherwise. */
int fg_parse_listen(const char *s, char *host, size_t hostsz, int *port);

#endif
