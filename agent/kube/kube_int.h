/*
 * Private to agent/kube/: the bodies of the configuration and client
 * structs and the helpers the files share.
 */
#ifndef FG_AGENT_KUBE_KUBE_INT_H
#define FG_AGENT_KUBE_KUBE_INT_H

#include <stddef.h>
#include <time.h>

#include "render/base/buf.h"
#include "agent/kube/kube.h"

/* Bytes in sodium_malloc memory, NUL-terminated, wiped when freed. */
struct kube_secret {
	char *p; /* NULL when unset */
	size_t len;
};

int kube_secret_set(struct kube_secret *s, const void *data, size_t len);
void kube_secret_free(struct kube_secret *s);
/* Wipe the bytes of a string something else owns (a jansson value). */
void kube_wipe_str(const char *s, size_t len);

struct kube_exec {
	char *api_version; /* client.authentication.k8s.io/v1 or v1beta1 */
	char *command;	   /* resolved against the kubeconfig's folder */
	char **argv;	   /* command, args..., NULL */
	char **env;	   /* NAME=VALUE..., NULL */
	int provide_cluster_info;
	char *where; /* "FILE:L:C: user "u": exec" for messages */
};

struct fg_kube_config {
	char *server; /* scheme://host:port[/prefix], no trailing slash */
	char *tls_server_name;
	char *proxy_url;
	int insecure;
	char *ca_pem; /* NULL: the system's CAs */
	size_t ca_len;
	char *cert_pem; /* client certificate (public) */
	size_t cert_len;
	struct kube_secret key;	  /* client key PEM */
	struct kube_secret token; /* bearer token */
	char *token_file;	  /* re-read every minute */
	time_t token_read_at;
	struct kube_exec *exec;

	/* credentials from the exec plugin, until cred_expiry (0: none) */
	int have_cred;
	time_t cred_expiry;
	char *cred_cert;
	size_t cred_cert_len;
	struct kube_secret cred_key;
	struct kube_secret cred_token;

	char *ns, *context, *user, *origin;
	char *where_user; /* "FILE:L:C: user "u"", or the origin */
};

/* Run the exec plugin if its credentials are missing or expired. */
int kube_exec_credentials(struct fg_kube_config *cfg, int force);

/* Re-read the token file when due (or `force`). */
int kube_token_file_refresh(struct fg_kube_config *cfg, int force);

/* Read a whole file (symbolic links followed) bounded by `max`. */
int kube_read_file(struct fg_buf *b, const char *path, size_t max);

/* Tell the hooks. */
void kube_hook_secret(const char *value);
void kube_hook_warn(const char *event, const char *message);
void kube_hook_request(const char *method, const char *path, long status,
		       long ms, unsigned attempt);

/* Monotonic milliseconds. */
long long kube_now_ms(void);

#endif
