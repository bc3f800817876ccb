/*
 * The Kubernetes client: configuration (kubeconfig, in-cluster), one
 * libcurl connection per client, discovery, GET / LIST / server-side
 * apply / DELETE / WATCH, the API server's Status turned into FG_E*
 * codes and messages, and bounded retries.
 *
 * Only agent/ and the tests include this header: it is the one place of
 * sync/ that talks to the network (target fg_kube, outside the inward
 * room). It never logs by itself; it reports secrets, warnings and
 * requests through the hooks agent/ installs (fg_kube_set_hooks).
 *
 * A client is used by one thread at a time. Every function returns 0 or
 * a negative FG_E* code with the message in fg_error_last(); no message
 * ever holds a token or key.
 *
 * Codes: FG_ENOTFOUND 404 or a kind the server does not serve,
 * FG_ECONFLICT 409 (and 410 outside a watch), FG_EAUTH 401/403 and
 * refused credentials or certificates, FG_EINVALID 400/422 and malformed
 * configuration, FG_ETIMEOUT a deadline, FG_ERROR everything else.
 */
#ifndef FG_SYNC_KUBE_KUBE_H
#define FG_SYNC_KUBE_KUBE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "render/base/buf.h"

/* Named limits on everything that comes from outside. */
#define FG_KUBE_MAX_BODY ((size_t)64 << 20)	  /* one response body */
#define FG_KUBE_MAX_EVENT ((size_t)16 << 20)	  /* one watch event line */
#define FG_KUBE_MAX_ERROR_BODY ((size_t)64 << 10) /* body of an error */
#define FG_KUBE_MAX_FILE ((size_t)1 << 20)	  /* cert, key, token file */
#define FG_KUBE_MAX_EXEC_OUTPUT ((size_t)1 << 20) /* exec plugin stdout */
#define FG_KUBE_MAX_KUBECONFIGS 64		  /* files in KUBECONFIG */
#define FG_KUBE_MAX_PAGES 100000		  /* pages of one LIST */
#define FG_KUBE_EXEC_TIMEOUT_MS 60000		  /* one exec plugin run */

#define FG_KUBE_FIELD_MANAGER "flink-gitops"
#define FG_KUBE_IN_CLUSTER_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* ---- hooks: how the client reaches the log (set once by agent/) ---- */

struct fg_kube_hooks {
	/* a value that must never be printed (a token, a key) */
	int (*secret)(const char *value);
	/* something the user should know: event name and one line */
	void (*warn)(const char *event, const char *message);
	/* one HTTP exchange: status 0 when no response came */
	void (*request)(const char *method, const char *path, long status,
			long ms, unsigned attempt);
};

/* Install `hooks` (copied; NULL removes them). Not thread-safe. */
void fg_kube_set_hooks(const struct fg_kube_hooks *hooks);

/* ---- configuration ---- */

struct fg_kube_config_opts {
	const char *kubeconfig;	    /* --kubeconfig: this file only */
	const char *context;	    /* --context */
	const char *kubeconfig_env; /* NULL: getenv("KUBECONFIG") */
	const char *home;	    /* NULL: getenv("HOME") */
	/* the service-account mount; NULL: FG_KUBE_IN_CLUSTER_DIR */
	const char *in_cluster_dir;
	int no_in_cluster; /* never fall back to the in-cluster config */
};

/* Where the client connects and who it is; opaque, secrets inside. */
struct fg_kube_config;

/*
 * Resolve the configuration as kubectl does: --kubeconfig, else the files
 * of KUBECONFIG (colon-separated, missing ones skipped, merged: the first
 * file to set a cluster, user, context or current-context wins), else
 * ~/.kube/config, else the in-cluster service account
 * (KUBERNETES_SERVICE_HOST/PORT and the mounted token, CA and namespace).
 * Relative paths in a file are relative to that file's folder.
 *
 * A malformed configuration fails with FG_EINVALID and one message
 * naming the file, position and field ("FILE:LINE:COL: user "u":
 * client-key-data: not valid base64"); FG_ENOTFOUND when there is no
 * configuration at all or the context does not exist.
 */
int fg_kube_config_load(struct fg_kube_config **out,
			const struct fg_kube_config_opts *opts);
void fg_kube_config_free(struct fg_kube_config *cfg);

/* A copy of `cfg`, credentials obtained so far included (so a copy does
 * not run the exec plugin again until they expire). */
int fg_kube_config_dup(struct fg_kube_config **out,
		       const struct fg_kube_config *cfg);

const char *fg_kube_config_server(const struct fg_kube_config *cfg);
/* The context's namespace, the in-cluster namespace, or "default". */
const char *fg_kube_config_namespace(const struct fg_kube_config *cfg);
/* The context name, or "in-cluster". */
const char *fg_kube_config_context(const struct fg_kube_config *cfg);
/* The user entry's name, or "service account" in-cluster. */
const char *fg_kube_config_user(const struct fg_kube_config *cfg);
/* "kubeconfig F1:F2" or "in-cluster (DIR)". */
const char *fg_kube_config_origin(const struct fg_kube_config *cfg);

/* ---- the client ---- */

struct fg_kube_client_opts {
	long connect_timeout_ms; /* TCP + TLS handshake */
	long request_timeout_ms; /* one attempt, headers to last byte */
	unsigned max_retries;	 /* further attempts on 429/5xx/refused */
	long retry_budget_ms;	 /* all attempts of one call together */
	const char *user_agent;	 /* NULL: "flink-gitops/VERSION" */
};

#define FG_KUBE_CLIENT_OPTS_INIT             \
	{                                    \
		10000, 30000, 5, 60000, NULL \
	}

struct fg_kube;

/*
 * A client for `cfg`, which it takes (also on failure). `opts` may be
 * NULL for FG_KUBE_CLIENT_OPTS_INIT. Nothing is sent yet.
 */
int fg_kube_new(struct fg_kube **out, struct fg_kube_config *cfg,
		const struct fg_kube_client_opts *opts);
void fg_kube_free(struct fg_kube *k);

/*
 * A second client like `k` (same configuration, options, credentials
 * and discovery cache; its own connection), for another thread. `k` is
 * only read, but not while another thread uses it.
 */
int fg_kube_clone(struct fg_kube **out, const struct fg_kube *k);

/* Take `src`'s discovery cache into `dst` when it knows more. */
void fg_kube_adopt_discovery(struct fg_kube *dst, const struct fg_kube *src);

/* The configuration the client runs with (borrowed). */
const struct fg_kube_config *fg_kube_get_config(const struct fg_kube *k);

struct fg_kube_stats {
	unsigned long requests;	  /* HTTP exchanges attempted */
	unsigned long retries;	  /* of which repeated after a failure */
	unsigned long pages;	  /* LIST pages read */
	unsigned long relists;	  /* watches restarted by a LIST after 410 */
	unsigned long reconnects; /* watches resumed after a lost stream */
	unsigned long exec_runs;  /* exec credential plugin runs */
};

void fg_kube_get_stats(const struct fg_kube *k, struct fg_kube_stats *out);

/*
 * 1 when the last call ended without any answer from the server, after
 * its retries: it could not connect, the connection broke, or nothing
 * came within the timeout; 0 after an HTTP response (an error status
 * too) or a call that was not sent.
 */
int fg_kube_last_unanswered(const struct fg_kube *k);

/*
 * One request to `path` ("/version", "/api/v1/namespaces?limit=1"),
 * `body` sent as JSON when not NULL. The response body is parsed into
 * *out (may be NULL to discard it). `idempotent` allows a retry after a
 * 5xx or a lost connection; 429 and refused connections are retried
 * always (the server did nothing).
 */
int fg_kube_request(struct fg_kube *k, const char *method, const char *path,
		    const json_t *body, int idempotent, json_t **out);

/* GET /version: {"major", "minor", "gitVersion", ...}. */
int fg_kube_server_version(struct fg_kube *k, json_t **out);

/* ---- discovery ---- */

/* A kind to act on; `version` NULL means the group's preferred one. */
struct fg_kube_kind {
	const char *group; /* "" for the core group */
	const char *version;
	const char *kind;
};

/* What discovery says about a kind (strings borrowed from the cache). */
struct fg_kube_resource {
	const char *group, *version, *kind;
	const char *resource; /* plural: "flinkdeployments" */
	int namespaced;
};

/*
 * Resolve `kind` through the server's discovery documents, cached for the
 * life of the client (fg_kube_forget_discovery drops the cache).
 * FG_ENOTFOUND when the server does not serve it; for group
 * flink.apache.org the message says the operator's CRDs are not
 * installed.
 */
int fg_kube_resolve(struct fg_kube *k, const struct fg_kube_kind *kind,
		    struct fg_kube_resource *out);
void fg_kube_forget_discovery(struct fg_kube *k);

/*
 * Fill `out` from an object's apiVersion and kind: the kind and version
 * are borrowed from `obj`, the group is copied into `group` (`n` bytes).
 */
int fg_kube_kind_of(const json_t *obj, struct fg_kube_kind *out, char *group,
		    size_t n);

/*
 * The path of a resource: /api/v1/namespaces/NS/configmaps/NAME, with
 * `ns` NULL for cluster-scoped (or all namespaces), `name` and
 * `subresource` NULL when absent. Segments are percent-encoded.
 */
int fg_kube_path(struct fg_buf *out, const struct fg_kube_resource *r,
		 const char *ns, const char *name, const char *subresource);
/* Append "?k=v" or "&k=v", the value percent-encoded. */
int fg_kube_query(struct fg_buf *out, const char *key, const char *value);

/* ---- operations ---- */

int fg_kube_get(struct fg_kube *k, const struct fg_kube_kind *kind,
		const char *ns, const char *name, json_t **out);
/* GET the status subresource. */
int fg_kube_get_status(struct fg_kube *k, const struct fg_kube_kind *kind,
		       const char *ns, const char *name, json_t **out);

struct fg_kube_list_opts {
	const char *label_selector; /* NULL: all */
	const char *field_selector;
	unsigned limit; /* page size; 0: 500 */
};

/*
 * LIST every object of `kind` in `ns` (NULL: all namespaces), page by
 * page. *out is {"kind": "List", "metadata": {"resourceVersion": RV},
 * "items": [...]} with apiVersion and kind set on every item.
 */
int fg_kube_list(struct fg_kube *k, const struct fg_kube_kind *kind,
		 const char *ns, const struct fg_kube_list_opts *opts,
		 json_t **out);

struct fg_kube_apply_opts {
	const char *field_manager; /* NULL: FG_KUBE_FIELD_MANAGER */
	int force;		   /* take over fields of other managers */
	int dry_run;		   /* dryRun=All: nothing persists */
};

/*
 * Server-side apply of `obj` (apiVersion, kind, metadata.name and, for
 * namespaced kinds, metadata.namespace required), with
 * fieldValidation=Strict. *out (may be NULL) is the object as stored.
 */
int fg_kube_apply(struct fg_kube *k, const json_t *obj,
		  const struct fg_kube_apply_opts *opts, json_t **out);

struct fg_kube_delete_opts {
	const char *propagation;      /* Foreground, Background, Orphan */
	const char *uid;	      /* precondition */
	const char *resource_version; /* precondition */
	int dry_run;
};

int fg_kube_delete(struct fg_kube *k, const struct fg_kube_kind *kind,
		   const char *ns, const char *name,
		   const struct fg_kube_delete_opts *opts, json_t **out);

/*
 * WATCH: events for `kind` in `ns` after `resource_version`. When it is
 * NULL, or when the server answers 410 Gone, the client LISTs first and
 * calls on_list with the full state, then watches from the list's
 * version. A lost stream (server restart) is resumed from the last
 * version seen, with backoff, for up to reconnect_budget_ms of
 * consecutive failures. Bookmarks are requested and move the version
 * on. Each event line is bounded by FG_KUBE_MAX_EVENT.
 *
 * Callbacks return 0 to go on, > 0 to stop (fg_kube_watch returns 0),
 * < 0 for an error (returned as is). The objects are borrowed. The
 * watch also ends with 0 when duration_ms (0: none) has passed.
 */
struct fg_kube_watch_opts {
	const char *label_selector;
	const char *field_selector; /* "metadata.name=N": RBAC resourceNames
				       may allow it */
	const char *resource_version;
	unsigned timeout_seconds; /* per watch request; 0: 300 */
	long duration_ms;	  /* whole watch; 0: until stopped */
	long reconnect_budget_ms; /* 0: 60000 */
	int (*on_list)(void *ctx, json_t *list);
	int (*on_event)(void *ctx, const char *type, json_t *object);
	void *ctx;
	char *last_resource_version; /* out: owned by caller (free) */
	/* NULL, or asked about once a second (also while the stream is
	   quiet, and between reconnects): 1 ends the watch with 0 */
	int (*stop)(void *ctx);
};

int fg_kube_watch(struct fg_kube *k, const struct fg_kube_kind *kind,
		  const char *ns, struct fg_kube_watch_opts *opts);

/*
 * SelfSubjectAccessReview: may the current identity do `verb` on
 * `resource` (plural) of `group` in `ns` (NULL: cluster-scoped, or all
 * namespaces), on the object `name` (NULL: any)? *allowed is 1 or 0.
 */
int fg_kube_can_i(struct fg_kube *k, const char *verb, const char *group,
		  const char *resource, const char *ns, const char *name,
		  int *allowed);

/* ---- pure helpers, exposed for tests ---- */

/*
 * Delay before retry `attempt` (1 for the first retry): exponential from
 * 250 ms doubling to 8 s, with full jitter from `rnd` (uniform 32 bits),
 * never below `retry_after_ms` (the server's Retry-After, -1 when none).
 */
long fg_kube_backoff_ms(unsigned attempt, long retry_after_ms, uint32_t rnd);

/* Retry-After as milliseconds (delta-seconds only), -1 when unusable. */
long fg_kube_parse_retry_after(const char *value);

/*
 * Turn an error response into the thread's message and return its code:
 * `what` is what was attempted ("apply ConfigMap ns/x"), `body` the
 * response (a Status object or anything else).
 */
int fg_kube_status_error(long http_status, const char *body, size_t len,
			 const char *what);

/* Seconds since the epoch for an RFC 3339 time; -1 when malformed. */
long long fg_kube_parse_time(const char *s);

/*
 * Take credentials from `out` (len bytes), what the exec plugin of `cfg`
 * printed: an ExecCredential of the configured apiVersion. FG_EAUTH
 * saying why when it is not one; no message quotes the output.
 */
int fg_kube_exec_output(struct fg_kube_config *cfg, const char *out,
			size_t len);

#endif
