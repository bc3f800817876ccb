/*
 * Private to agent/kube/: the client struct and one request, shared by
 * client.c (HTTP) and ops.c (discovery and verbs). Includes libcurl.
 */
#ifndef FG_AGENT_KUBE_CLIENT_INT_H
#define FG_AGENT_KUBE_CLIENT_INT_H

#include <curl/curl.h>
#include <jansson.h>

#include "render/base/buf.h"
#include "agent/kube/kube_int.h"

struct fg_kube {
	struct fg_kube_config *cfg; /* owned */
	struct fg_kube_client_opts opts;
	char *user_agent;
	char *base; /* URL prefix requests go to */
	struct curl_slist *connect_to;
	CURLSH *share; /* connections, DNS, TLS sessions */
	CURL *h;       /* ordinary requests */
	CURL *hw;      /* watch streams (a callback may use h meanwhile) */
	char errbuf[CURL_ERROR_SIZE];
	json_t *groups;	   /* discovery: group -> preferred version */
	json_t *resources; /* "group/version" -> [APIResource...] */
	struct fg_kube_stats stats;
	int unanswered; /* the last call got no HTTP response */
};

/* A stream callback returned > 0: the caller asked to stop. */
#define KUBE_STREAM_STOPPED 1

struct kube_req {
	const char *method;
	const char *path; /* with the query */
	const char *content_type;
	const char *body;
	size_t body_len;
	int idempotent; /* may be repeated after a 5xx or a lost answer */
	int no_retry;
	long timeout_ms;  /* 0: the client's request timeout */
	const char *what; /* "get ConfigMap ns/x", for messages */
	/* streaming: called for each line of a 200 answer */
	int (*on_line)(void *ctx, const char *line, size_t len);
	void *ctx;
	/* streaming: asked about once a second; 1 ends the transfer */
	int (*stop)(void *ctx);
};

struct kube_xfer {
	CURL *h;
	struct fg_buf body;
	struct fg_buf line;
	int overflow;
	int stopped; /* what on_line returned when it stopped the stream */
	long retry_after_ms;
	int (*on_line)(void *ctx, const char *line, size_t len);
	void *ctx;
};

/*
 * Send `r` with credentials, retries and timeouts; a 2xx body is parsed
 * into *out (when out is not NULL). Returns KUBE_STREAM_STOPPED when a
 * stream callback stopped the transfer.
 */
int kube_do(struct fg_kube *k, const struct kube_req *r, json_t **out);

#endif
