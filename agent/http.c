/* The HTTP endpoint (agent/http.h) on libmicrohttpd. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "agent/config.h"
#include "agent/http.h"
#include "agent/log.h"
#include "render/base/error.h"
#include "render/base/banned.h"

struct fg_http {
	struct MHD_Daemon *d;
	struct fg_http_handlers h;
	int port;
};

struct request {
	struct fg_buf body;
	int too_large;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned code,
			      const char *type, const char *text, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)text,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned code,
			    const char *s)
{
	return answer(c, code, "text/plain; charset=utf-8", s, strlen(s));
}

static enum MHD_Result metrics(struct fg_http *h, struct MHD_Connection *c)
{
	struct fg_buf b = FG_BUF_INIT;
	struct timespec ts;
	enum MHD_Result rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	fg_metrics_render(h->h.metrics,
			  (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
			  &b);
	rc = answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
		    b.ptr, b.len);
	fg_buf_release(&b);
	return rc;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static enum MHD_Result hook(struct fg_http *h, struct MHD_Connection *c,
			    const char *provider, struct request *rq)
{
	struct fg_hook_request r;
	enum fg_hook_verdict v;
	char ref[FG_HOOK_MAX_REF];
	int p = fg_hook_provider_of(provider), triggered;

	if (p < 0 || !h->h.secret)
		return text(c, MHD_HTTP_NOT_FOUND, "not found\n");
	if (rq->too_large) {
		fg_metrics_webhook(h->h.metrics, provider, "too_large");
		return text(c, 413, "body too large\n");
	}
	memset(&r, 0, sizeof(r));
	r.provider = (enum fg_hook_provider)p;
	r.body = rq->body.ptr;
	r.len = rq->body.len;
	switch (r.provider) {
	case FG_HOOK_GITHUB:
		r.signature = header(c, "X-Hub-Signature-256");
		r.event = header(c, "X-GitHub-Event");
		break;
	case FG_HOOK_GITLAB:
		r.token = header(c, "X-Gitlab-Token");
		r.event = header(c, "X-Gitlab-Event");
		break;
	case FG_HOOK_GITEA:
		r.signature = header(c, "X-Gitea-Signature");
		if (!r.signature)
			r.signature = header(c, "X-Hub-Signature-256");
		r.event = header(c, "X-Gitea-Event");
		break;
	}
	v = fg_hook_check(&r, h->h.secret, h->h.secret_len, ref, sizeof(ref));
	switch (v) {
	case FG_HOOK_UNAUTHORIZED:
		fg_metrics_webhook(h->h.metrics, provider, "unauthorized");
		FG_LOG_WARN("webhook.refused", FG_LOG_STR("provider", provider),
			    FG_LOG_STR("reason", "bad or missing signature"));
		return text(c, MHD_HTTP_UNAUTHORIZED, "bad signature\n");
	case FG_HOOK_IGNORED:
		fg_metrics_webhook(h->h.metrics, provider, "ignored");
		return text(c, MHD_HTTP_OK, "ignored\n");
	case FG_HOOK_BAD_REQUEST:
		fg_metrics_webhook(h->h.metrics, provider, "bad_request");
		return text(c, MHD_HTTP_BAD_REQUEST, "unreadable push\n");
	case FG_HOOK_PUSH:
		break;
	}
	triggered = h->h.on_push(h->h.arg, r.provider, ref);
	fg_metrics_webhook(h->h.metrics, provider,
			   triggered ? "triggered" : "ignored");
	FG_LOG_INFO("webhook.push", FG_LOG_STR("provider", provider),
		    FG_LOG_STR("ref", ref), FG_LOG_INT("triggered", triggered));
	return text(c, triggered ? MHD_HTTP_ACCEPTED : MHD_HTTP_OK,
		    triggered ? "pass triggered\n" : "ignored\n");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct fg_http *h = cls;
	struct request *rq = *con_cls;
	int post = !strcmp(method, "POST");

	(void)version;
	if (!rq) {
		const char *cl = header(c, "Content-Length");

		if (!(rq = calloc(1, sizeof(*rq))))
			return MHD_NO;
		fg_buf_init(&rq->body, h->h.max_body);
		*con_cls = rq;
		if (cl && strtoull(cl, NULL, 10) > h->h.max_body)
			rq->too_large = 1;
		return MHD_YES;
	}
	if (*size) {
		if (!rq->too_large && fg_buf_add(&rq->body, data, *size) < 0) {
			rq->too_large = 1;
			fg_buf_release(&rq->body);
		}
		*size = 0;
		return MHD_YES;
	}
	if (!strncmp(url, "/hooks/", 7)) {
		if (!post)
			return text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "use POST\n");
		return hook(h, c, url + 7, rq);
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET\n");
	if (!strcmp(url, "/metrics"))
		return metrics(h, c);
	if (!strcmp(url, "/healthz"))
		return text(c, MHD_HTTP_OK, "ok\n");
	if (!strcmp(url, "/readyz"))
		return h->h.ready(h->h.arg)
			       ? text(c, MHD_HTTP_OK, "ready\n")
			       : text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				      "not ready: no successful pass yet\n");
	return text(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		fg_buf_release(&rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	FG_LOG_WARN("http.error", FG_LOG_STR("message", msg));
}

int fg_http_start(struct fg_http **out, const char *listen,
		  const struct fg_http_handlers *hd)
{
	struct sockaddr_storage ss;
	struct fg_http *h;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	char host[64];
	int port;

	*out = NULL;
	if (fg_parse_listen(listen, host, sizeof(host), &port) < 0)
		return FG_EINVALID;
	memset(&ss, 0, sizeof(ss));
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, host, &a->sin6_addr);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (*host)
			inet_pton(AF_INET, host, &a->sin_addr);
		else
			a->sin_addr.s_addr = htonl(INADDR_ANY);
	}
	if (!(h = calloc(1, sizeof(*h))))
		return fg_error_set(FG_ERROR, "out of memory");
	h->h = *hd;
	h->d = MHD_start_daemon(
		flags, (uint16_t)port, NULL, NULL, handle, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, completed,
		NULL, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)FG_HTTP_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)FG_HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)FG_HTTP_MEMORY_LIMIT, MHD_OPTION_END);
	if (!h->d) {
		free(h);
		return fg_error_set(FG_ERROR, "cannot listen on %s", listen);
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : port;
	*out = h;
	return 0;
}

int fg_http_port(const struct fg_http *h)
{
	return h->port;
}

void fg_http_stop(struct fg_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
