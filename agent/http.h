/*
 * The agent's HTTP endpoint, on libmicrohttpd (its own thread):
 *   GET  /metrics          Prometheus text (agent/metrics.h)
 *   GET  /healthz          200 while the process runs its loop
 *   GET  /readyz           200 after the first successful pass, else 503
 *   POST /hooks/PROVIDER   github, gitlab, gitea (agent/webhook.h): 401
 *                          for a bad signature, 202 for a push (the
 *                          agent decides whether it triggers a pass),
 *                          200 for anything else authentic, 413 past
 *                          the body cap, 404 without a secret
 * Everything else is 404 (405 for another method). Bounds: the body cap
 * (webhook.maxBody), FG_HTTP_MAX_CONNECTIONS at once, a connection idle
 * for FG_HTTP_TIMEOUT_S is closed.
 */
#ifndef FG_AGENT_HTTP_H
#define FG_AGENT_HTTP_H

#include <stddef.h>

#include "agent/metrics.h"
#include "agent/webhook.h"

#define FG_HTTP_MAX_CONNECTIONS 64
#define FG_HTTP_TIMEOUT_S 10
#define FG_HTTP_MEMORY_LIMIT ((size_t)64 << 10) /* headers of a request */

struct fg_http_handlers {
	void *arg;
	int (*ready)(void *arg);
	/* an authentic push of `ref`: 1 when it triggers a pass */
	int (*on_push)(void *arg, enum fg_hook_provider p, const char *ref);
	struct fg_metrics *metrics;  /* borrowed */
	const unsigned char *secret; /* borrowed (sodium memory); NULL: no
					webhooks */
	size_t secret_len;
	size_t max_body;
};

struct fg_http;

/* Listen on `listen` ("HOST:PORT", port 0 picks one). */
int fg_http_start(struct fg_http **out, const char *listen,
		  const struct fg_http_handlers *h);
/* The port listened on. */
int fg_http_port(const struct fg_http *h);
void fg_http_stop(struct fg_http *h);

#endif
