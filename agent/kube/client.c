/*
 * The HTTP side of the client: one libcurl handle (plus one for watch
 * streams) sharing connections, TLS always verified against the
 * configured CA, credentials applied per attempt, responses bounded, the
 * API server's Status turned into FG_E* codes, and bounded retries with
 * backoff and jitter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "render/base/json.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "agent/kube/client_int.h"
#include "render/base/banned.h"

#ifndef FG_KUBE_VERSION
#define FG_KUBE_VERSION "0"
#endif

long long kube_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- pure helpers ---- */

long fg_kube_backoff_ms(unsigned attempt, long retry_after_ms, uint32_t rnd)
{
	long base = 250, half, d;

	if (attempt < 1)
		attempt = 1;
	while (--attempt && base < 8000)
		base *= 2;
	if (base > 8000)
		base = 8000;
	/* "equal jitter": at least half the step, at most the whole step */
	half = base / 2;
	d = half + (long)(rnd % (uint32_t)(half + 1));
	return retry_after_ms > d ? retry_after_ms : d;
}

long fg_kube_parse_retry_after(const char *v)
{
	long s = 0;

	if (!v)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v < '0' || *v > '9')
		return -1; /* an HTTP date: use our own backoff */
	while (*v >= '0' && *v <= '9') {
		s = s * 10 + (*v++ - '0');
		if (s > 86400)
			return -1;
	}
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	return *v ? -1 : s * 1000;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n--) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return 0;
}

long long fg_kube_parse_time(const char *s)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	long long days, sign = 0;
	const char *p = s;

	if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d) || (*p != 'T' && *p != 't'))
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) ||
	    *p++ != ':' || digits(&p, 2, &sec))
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || oh > 23 || om > 59)
		return -1;
	/* days from civil (Howard Hinnant), proleptic Gregorian */
	{
		long long yy = y - (mo <= 2);
		long long era = (yy >= 0 ? yy : yy - 399) / 400;
		long long yoe = yy - era * 400;
		long long doy =
			(153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = era * 146097 + doe - 719468;
	}
	return days * 86400 + h * 3600 + mi * 60 + sec -
	       sign * (oh * 3600 + om * 60);
}

static int code_for(long http, const char *reason)
{
	if (http == 404)
		return FG_ENOTFOUND;
	if (http == 409 || http == 410)
		return FG_ECONFLICT;
	if (http == 401 || http == 403)
		return FG_EAUTH;
	if (http == 400 || http == 422 || http == 413 || http == 415)
		return FG_EINVALID;
	if (http == 504 || http == 408 ||
	    (reason &&
	     (!strcmp(reason, "Timeout") || !strcmp(reason, "ServerTimeout"))))
		return FG_ETIMEOUT;
	return FG_ERROR;
}

/* One line of text, at most `max` bytes, for a non-Status body. */
static void first_line(const char *body, size_t len, char *out, size_t max)
{
	size_t n = 0;

	while (n < len && body[n] != '\n' && body[n] != '\r' && n + 1 < max)
		n++;
	snprintf(out, max, "%.*s", (int)n, body);
}

/*
 * A server-side apply refused because other field managers own fields:
 * the API server gives one cause per field, type FieldManagerConflict,
 * message `conflict with "MANAGER" using VERSION`. Written as
 * "conflict with other field managers: FIELD (MANAGER), ..."; 0 when
 * the causes are not that.
 */
static int manager_conflicts(struct fg_buf *msg, const json_t *causes)
{
	size_t i, n = json_array_size(causes);

	for (i = 0; i < n; i++) {
		const json_t *c = json_array_get(causes, i);
		const char *t = json_string_value(json_object_get(c, "reason"));

		if (!t) /* older servers: "type" */
			t = json_string_value(json_object_get(c, "type"));
		if (!json_is_string(json_object_get(c, "field")) || !t ||
		    strcmp(t, "FieldManagerConflict"))
			return 0;
	}
	if (!n)
		return 0;
	fg_buf_puts(msg, "conflict with other field managers:");
	for (i = 0; i < n; i++) {
		const json_t *c = json_array_get(causes, i);
		const char *f = json_string_value(json_object_get(c, "field"));
		const char *m =
			json_string_value(json_object_get(c, "message"));
		const char *q = m ? strchr(m, '"') : NULL;
		const char *e = q ? strchr(q + 1, '"') : NULL;

		fg_buf_printf(msg, "%s %s (%.*s)", i ? "," : "", f,
			      e ? (int)(e - q - 1) : 7, e ? q + 1 : "unknown");
	}
	return 1;
}

int fg_kube_status_error(long http, const char *body, size_t len,
			 const char *what)
{
	struct fg_buf msg = FG_BUF_INIT;
	json_t *st = NULL, *causes;
	const char *reason = NULL, *message = NULL;
	json_error_t jerr;
	size_t i;
	int code, err, conflicts;

	fg_buf_init(&msg, FG_ERROR_MSG_MAX * 2);
	if (body && len &&
	    fg_json_loadb(&st, body, len, JSON_REJECT_DUPLICATES, &jerr) < 0)
		fg_error_clear(); /* no Status: the body is quoted below */
	if (st && json_is_object(st) &&
	    !strcmp(json_string_value(json_object_get(st, "kind"))
			    ? json_string_value(json_object_get(st, "kind"))
			    : "",
		    "Status")) {
		reason = json_string_value(json_object_get(st, "reason"));
		message = json_string_value(json_object_get(st, "message"));
		if (http == 0 || http == 200)
			http = (long)json_integer_value(
				json_object_get(st, "code"));
	} else {
		json_decref(st);
		st = NULL;
	}
	code = code_for(http, reason);
	/*
	 * The API server reports an apply patch that does not fit the schema
	 * (an unknown field under fieldValidation=Strict) as a 500: it is the
	 * input that is wrong, and sending it again will not help.
	 */
	if (http == 500 && message &&
	    strstr(message, "failed to create typed patch object"))
		code = FG_EINVALID;
	fg_buf_printf(&msg, "%s: ", what ? what : "request");
	causes = st ? json_object_get(json_object_get(st, "details"), "causes")
		    : NULL;
	if ((conflicts = manager_conflicts(&msg, causes))) {
		/* the field and manager of each conflict, on one line */
	} else if (http == 401)
		fg_buf_puts(&msg, "the server refused the credentials");
	else if (message && *message)
		fg_buf_puts(&msg, message);
	else if (body && len && !st) {
		char line[256];

		first_line(body, len, line, sizeof(line));
		fg_buf_puts(&msg, *line ? line : "no message");
	} else
		fg_buf_puts(&msg, reason ? reason : "no message");
	for (i = 0; i < json_array_size(causes) && !conflicts; i++) {
		json_t *c = json_array_get(causes, i);
		const char *f = json_string_value(json_object_get(c, "field"));
		const char *m =
			json_string_value(json_object_get(c, "message"));

		if (!m || (message && strstr(message, m)))
			continue;
		if (f && *f)
			fg_buf_printf(&msg, "; %s: %s", f, m);
		else
			fg_buf_printf(&msg, "; %s", m);
	}
	if (reason && *reason)
		fg_buf_printf(&msg, " (%s, HTTP %ld)", reason, http);
	else
		fg_buf_printf(&msg, " (HTTP %ld)", http);
	err = fg_error_set(code, "%s", msg.ptr);
	fg_buf_release(&msg);
	json_decref(st);
	return err;
}

/* ---- the client ---- */

static int parse_server(struct fg_kube *k, const char *server)
{
	const char *p = strstr(server, "://"), *host, *host_end, *path;
	char port[8] = "";
	int https = !strncmp(server, "https", 5);
	struct fg_buf b = FG_BUF_INIT;

	host = p + 3;
	if (*host == '[') {
		host_end = strchr(host, ']');
		if (!host_end)
			return fg_error_set(FG_EINVALID,
					    "server '%s': unterminated IPv6 "
					    "address",
					    server);
		host_end++;
	} else {
		host_end = host + strcspn(host, ":/");
	}
	path = host_end;
	if (*path == ':') {
		size_t n = strcspn(path + 1, "/");

		if (n == 0 || n >= sizeof(port))
			return fg_error_set(FG_EINVALID,
					    "server '%s': bad port", server);
		memcpy(port, path + 1, n);
		port[n] = '\0';
		path += 1 + n;
	} else {
		snprintf(port, sizeof(port), "%s", https ? "443" : "80");
	}
	if (!k->cfg->tls_server_name)
		return (k->base = strdup(server))
			       ? 0
			       : fg_error_set(FG_ERROR, "out of memory");
	/* connect to the server, but speak TLS to tls-server-name */
	if (fg_buf_printf(&b, "%s:%s:%.*s:%s", k->cfg->tls_server_name, port,
			  (int)(host_end - host), host, port) < 0)
		return FG_ERROR;
	k->connect_to = curl_slist_append(NULL, b.ptr);
	fg_buf_clear(&b);
	if (!k->connect_to ||
	    fg_buf_printf(&b, "%.*s://%s:%s%s", (int)(p - server), server,
			  k->cfg->tls_server_name, port, path) < 0) {
		fg_buf_release(&b);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	k->base = fg_buf_detach(&b, NULL);
	return 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct kube_xfer *x = ud;
	size_t len = size * n;

	if (len >= 12 && !strncasecmp(data, "Retry-After:", 12)) {
		char v[32];

		snprintf(v, sizeof(v), "%.*s", (int)(len - 12), data + 12);
		x->retry_after_ms = fg_kube_parse_retry_after(v);
	} else if (len >= 8 && !strncasecmp(data, "Warning:", 8)) {
		char v[512];
		size_t m = len - 8;

		while (m &&
		       (data[8 + m - 1] == '\r' || data[8 + m - 1] == '\n'))
			m--;
		snprintf(v, sizeof(v), "%.*s", (int)m, data + 8);
		kube_hook_warn("kube.server.warning", v[0] == ' ' ? v + 1 : v);
	} else if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		x->retry_after_ms = -1; /* a new response begins */
	}
	return len;
}

/* Hand every complete line of x->line to the stream callback. */
static int flush_lines(struct kube_xfer *x)
{
	size_t start = 0, i;
	int rc = 0;

	for (i = 0; i < x->line.len && !rc; i++) {
		if (x->line.ptr[i] != '\n')
			continue;
		if (i > start)
			rc = x->on_line(x->ctx, x->line.ptr + start, i - start);
		start = i + 1;
	}
	if (start) {
		memmove(x->line.ptr, x->line.ptr + start, x->line.len - start);
		fg_buf_truncate(&x->line, x->line.len - start);
	}
	return rc;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct kube_xfer *x = ud;
	size_t len = size * n;
	long status = 0;

	if (x->on_line) {
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	}
	if (x->on_line && status == 200) {
		int rc;

		if (fg_buf_add(&x->line, data, len) < 0) {
			x->overflow = 1;
			return 0;
		}
		rc = flush_lines(x);
		if (rc) {
			x->stopped = rc;
			return 0;
		}
		return len;
	}
	if (fg_buf_add(&x->body, data, len) < 0) {
		x->overflow = 1;
		return 0;
	}
	return len;
}

static int setup_handle(struct fg_kube *k, CURL *h)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val)                                       \
	do {                                                \
		if (rc == CURLE_OK)                         \
			rc = curl_easy_setopt(h, opt, val); \
	} while (0)
	SET(CURLOPT_SHARE, k->share);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, k->user_agent);
	SET(CURLOPT_CONNECTTIMEOUT_MS, k->opts.connect_timeout_ms);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_ERRORBUFFER, k->errbuf);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_PROTOCOLS_STR, "https,http");
	if (k->connect_to)
		SET(CURLOPT_CONNECT_TO, k->connect_to);
	if (k->cfg->proxy_url)
		SET(CURLOPT_PROXY, k->cfg->proxy_url);
	if (k->cfg->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		SET(CURLOPT_SSL_VERIFYPEER, 1L);
		SET(CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (k->cfg->ca_pem) {
		struct curl_blob ca = { k->cfg->ca_pem, k->cfg->ca_len,
					CURL_BLOB_NOCOPY };

		/* this CA only, as kubectl: not the system's store too */
		SET(CURLOPT_CAINFO, NULL);
		SET(CURLOPT_CAPATH, NULL);
		SET(CURLOPT_CAINFO_BLOB, &ca);
	}
#undef SET
	if (rc != CURLE_OK)
		return fg_error_set(FG_ERROR, "libcurl: %s",
				    curl_easy_strerror(rc));
	return 0;
}

int fg_kube_new(struct fg_kube **out, struct fg_kube_config *cfg,
		const struct fg_kube_client_opts *opts)
{
	static const struct fg_kube_client_opts defaults =
		FG_KUBE_CLIENT_OPTS_INIT;
	static int curl_ready;
	struct fg_kube *k;
	int err;

	*out = NULL;
	if (!cfg)
		return fg_error_set(FG_EINVALID, "no configuration");
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			fg_kube_config_free(cfg);
			return fg_error_set(FG_ERROR,
					    "cannot initialise libcurl");
		}
		curl_ready = 1;
	}
	if (!(k = calloc(1, sizeof(*k)))) {
		fg_kube_config_free(cfg);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	k->cfg = cfg;
	k->opts = opts ? *opts : defaults;
	if (k->opts.connect_timeout_ms <= 0)
		k->opts.connect_timeout_ms = defaults.connect_timeout_ms;
	if (k->opts.request_timeout_ms <= 0)
		k->opts.request_timeout_ms = defaults.request_timeout_ms;
	if (k->opts.retry_budget_ms <= 0)
		k->opts.retry_budget_ms = defaults.retry_budget_ms;
	k->user_agent =
		strdup(k->opts.user_agent ? k->opts.user_agent
					  : "flink-gitops/" FG_KUBE_VERSION);
	k->opts.user_agent = NULL;
	k->share = curl_share_init();
	k->h = curl_easy_init();
	k->hw = curl_easy_init();
	k->groups = json_object();
	k->resources = json_object();
	if (!k->user_agent || !k->share || !k->h || !k->hw || !k->groups ||
	    !k->resources) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto fail;
	}
	curl_share_setopt(k->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(k->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(k->share, CURLSHOPT_SHARE,
			  CURL_LOCK_DATA_SSL_SESSION);
	if ((err = parse_server(k, cfg->server)) < 0 ||
	    (err = setup_handle(k, k->h)) < 0 ||
	    (err = setup_handle(k, k->hw)) < 0)
		goto fail;
	*out = k;
	return 0;
fail:
	fg_kube_free(k);
	return err;
}

int fg_kube_clone(struct fg_kube **out, const struct fg_kube *k)
{
	struct fg_kube_client_opts o = k->opts;
	struct fg_kube_config *cfg = NULL;
	struct fg_kube *c = NULL;
	int err;

	*out = NULL;
	o.user_agent = k->user_agent;
	if ((err = fg_kube_config_dup(&cfg, k->cfg)) < 0 ||
	    (err = fg_kube_new(&c, cfg, &o)) < 0)
		return err;
	json_decref(c->groups);
	json_decref(c->resources);
	c->groups = fg_json_deep_copy(k->groups);
	c->resources = fg_json_deep_copy(k->resources);
	if (!c->groups || !c->resources) {
		fg_kube_free(c);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	*out = c;
	return 0;
}

void fg_kube_adopt_discovery(struct fg_kube *dst, const struct fg_kube *src)
{
	json_t *g, *r;

	if (json_object_size(src->resources) <=
		    json_object_size(dst->resources) &&
	    json_object_size(src->groups) <= json_object_size(dst->groups))
		return;
	g = fg_json_deep_copy(src->groups);
	r = fg_json_deep_copy(src->resources);
	if (!g || !r) {
		json_decref(g);
		json_decref(r);
		return; /* a cache: keep the old one */
	}
	json_decref(dst->groups);
	json_decref(dst->resources);
	dst->groups = g;
	dst->resources = r;
}

void fg_kube_free(struct fg_kube *k)
{
	if (!k)
		return;
	if (k->h)
		curl_easy_cleanup(k->h);
	if (k->hw)
		curl_easy_cleanup(k->hw);
	if (k->share)
		curl_share_cleanup(k->share);
	curl_slist_free_all(k->connect_to);
	json_decref(k->groups);
	json_decref(k->resources);
	free(k->user_agent);
	free(k->base);
	fg_kube_config_free(k->cfg);
	free(k);
}

const struct fg_kube_config *fg_kube_get_config(const struct fg_kube *k)
{
	return k->cfg;
}

void fg_kube_get_stats(const struct fg_kube *k, struct fg_kube_stats *out)
{
	*out = k->stats;
}

int fg_kube_last_unanswered(const struct fg_kube *k)
{
	return k->unanswered;
}

/* Free a header list after wiping what it held (the bearer token). */
static void headers_free(struct curl_slist *l)
{
	struct curl_slist *i;

	for (i = l; i; i = i->next)
		sodium_memzero(i->data, strlen(i->data));
	curl_slist_free_all(l);
}

static int add_header(struct curl_slist **l, const char *a, const char *b)
{
	struct fg_buf s = FG_BUF_INIT;
	struct curl_slist *n;

	if (fg_buf_printf(&s, "%s%s", a, b) < 0)
		return FG_ERROR;
	n = curl_slist_append(*l, s.ptr);
	sodium_memzero(s.ptr, s.len);
	fg_buf_release(&s);
	if (!n)
		return fg_error_set(FG_ERROR, "out of memory");
	*l = n;
	return 0;
}

/* Credentials and request-specific options for one attempt. */
static int prepare(struct fg_kube *k, CURL *h, const struct kube_req *r,
		   struct kube_xfer *x, struct curl_slist **hdrs, long timeout)
{
	struct fg_kube_config *c = k->cfg;
	const struct kube_secret *tok = NULL, *key = NULL;
	const char *cert = NULL;
	size_t cert_len = 0;
	struct fg_buf url = FG_BUF_INIT;
	int err;

	if ((err = kube_exec_credentials(c, 0)) < 0 ||
	    (err = kube_token_file_refresh(c, 0)) < 0)
		return err;
	if (c->exec && c->cred_token.p)
		tok = &c->cred_token;
	else if (c->token.p)
		tok = &c->token;
	if (c->exec && c->cred_cert) {
		cert = c->cred_cert;
		cert_len = c->cred_cert_len;
		key = &c->cred_key;
	} else if (c->cert_pem) {
		cert = c->cert_pem;
		cert_len = c->cert_len;
		key = &c->key;
	}
	if ((err = add_header(hdrs, "Accept: ", "application/json")) < 0 ||
	    (r->content_type &&
	     (err = add_header(hdrs, "Content-Type: ", r->content_type)) < 0) ||
	    (tok &&
	     (err = add_header(hdrs, "Authorization: Bearer ", tok->p)) < 0))
		return err;
	if (r->body)
		err = add_header(hdrs, "Expect:", "");
	if (err < 0 || fg_buf_printf(&url, "%s%s", k->base, r->path) < 0) {
		fg_buf_release(&url);
		return FG_ERROR;
	}
	curl_easy_setopt(h, CURLOPT_URL, url.ptr);
	fg_buf_release(&url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	if (r->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)r->body_len);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
				 strcmp(r->method, "GET") ? r->method : NULL);
	}
	if (cert) {
		struct curl_blob cb = { (void *)(uintptr_t)cert, cert_len,
					CURL_BLOB_COPY };
		struct curl_blob kb = { key->p, key->len, CURL_BLOB_NOCOPY };

		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cb);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &kb);
	}
	return 0;
}

/* The message for a failed transfer (no HTTP response). */
static int transfer_error(struct fg_kube *k, CURLcode rc,
			  const struct kube_req *r, long timeout)
{
	const char *detail = k->errbuf[0] ? k->errbuf : curl_easy_strerror(rc);
	const char *what = r->what ? r->what : r->path;

	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return fg_error_set(
			FG_ETIMEOUT, "%s: no answer from %s within %.1f s (%s)",
			what, k->cfg->server, (double)timeout / 1000, detail);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return fg_error_set(FG_EAUTH,
				    "%s: the TLS certificate of %s is not "
				    "trusted: %s (certificate authority from "
				    "%s)",
				    what, k->cfg->server, detail,
				    k->cfg->origin);
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CONNECT_ERROR:
		return fg_error_set(FG_EAUTH, "%s: TLS with %s failed: %s",
				    what, k->cfg->server, detail);
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return fg_error_set(FG_ERROR, "%s: cannot connect to %s: %s",
				    what, k->cfg->server, detail);
	default:
		return fg_error_set(FG_ERROR, "%s: %s: %s", what,
				    k->cfg->server, detail);
	}
}

static int retryable_transport(CURLcode rc, int idempotent)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return 1; /* nothing reached the server */
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return idempotent;
	default:
		return 0;
	}
}

/* The stop question of a stream, about once a second. */
static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	const struct kube_req *r = p;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return r->stop(r->ctx) ? 1 : 0;
}

int kube_do(struct fg_kube *k, const struct kube_req *r, json_t **out)
{
	long long start = kube_now_ms();
	CURL *h = r->on_line ? k->hw : k->h;
	unsigned attempt = 0,
		 max_retries = r->no_retry ? 0 : k->opts.max_retries;
	int reauth = 0, err = 0;

	if (out)
		*out = NULL;
	k->unanswered = 0;
	for (;;) {
		struct kube_xfer x;
		struct curl_slist *hdrs = NULL;
		long timeout = r->timeout_ms ? r->timeout_ms
					     : k->opts.request_timeout_ms;
		long long t0,
			left = start + k->opts.retry_budget_ms - kube_now_ms();
		long status = 0, delay;
		int retry = 0;
		CURLcode rc;

		if (!r->on_line && left < timeout)
			timeout = left > 1000 ? (long)left : 1000;
		memset(&x, 0, sizeof(x));
		x.h = h;
		x.retry_after_ms = -1;
		x.on_line = r->on_line;
		x.ctx = r->ctx;
		fg_buf_init(&x.body, r->on_line ? FG_KUBE_MAX_ERROR_BODY
						: FG_KUBE_MAX_BODY);
		fg_buf_init(&x.line, FG_KUBE_MAX_EVENT);
		k->errbuf[0] = '\0';
		err = prepare(k, h, r, &x, &hdrs, timeout);
		if (err < 0) {
			headers_free(hdrs);
			fg_buf_release(&x.body);
			fg_buf_release(&x.line);
			return err;
		}
		if (r->stop) {
			curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION,
					 on_progress);
			curl_easy_setopt(h, CURLOPT_XFERINFODATA, r);
			curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		}
		t0 = kube_now_ms();
		rc = curl_easy_perform(h);
		if (r->stop)
			curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
		/* do not leave pointers to this attempt's data behind */
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, NULL);
		headers_free(hdrs);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		k->stats.requests++;
		kube_hook_request(r->method, r->path, status,
				  (long)(kube_now_ms() - t0), attempt);
		if (rc == CURLE_ABORTED_BY_CALLBACK && r->stop) {
			err = KUBE_STREAM_STOPPED;
		} else if (rc == CURLE_WRITE_ERROR && x.stopped) {
			err = x.stopped < 0 ? x.stopped : 0;
			if (err == 0 && r->on_line)
				err = KUBE_STREAM_STOPPED;
		} else if (rc == CURLE_WRITE_ERROR && x.overflow) {
			err = fg_error_set(FG_EINVALID,
					   "%s: the response is larger than "
					   "the limit of %zu bytes",
					   r->what ? r->what : r->path,
					   r->on_line ? x.line.max
						      : x.body.max);
		} else if (rc != CURLE_OK) {
			err = transfer_error(k, rc, r, timeout);
			retry = retryable_transport(rc, r->idempotent);
			k->unanswered = status == 0;
		} else if (status >= 200 && status < 300) {
			err = 0;
			if (r->on_line && x.line.len)
				err = r->on_line(r->ctx, x.line.ptr,
						 x.line.len);
			if (err > 0)
				err = KUBE_STREAM_STOPPED;
			if (!r->on_line && out && x.body.len) {
				json_error_t jerr;

				err = fg_json_loadb(out, x.body.ptr, x.body.len,
						    JSON_REJECT_DUPLICATES,
						    &jerr);
				if (err == FG_EINVALID)
					err = fg_error_set(FG_ERROR,
							   "%s: the server's "
							   "answer is not "
							   "JSON: %s",
							   r->what ? r->what
								   : r->path,
							   jerr.text);
			}
		} else if (status == 401 && k->cfg->exec && !reauth) {
			/* the plugin's credential may be stale: once more */
			reauth = 1;
			err = kube_exec_credentials(k->cfg, 1);
			fg_buf_release(&x.body);
			fg_buf_release(&x.line);
			if (err < 0)
				return err;
			continue;
		} else {
			err = fg_kube_status_error(status, x.body.ptr,
						   x.body.len,
						   r->what ? r->what : r->path);
			retry = err != FG_EINVALID &&
				(status == 429 ||
				 (r->idempotent &&
				  (status == 500 || status == 502 ||
				   status == 503 || status == 504)));
		}
		fg_buf_release(&x.body);
		fg_buf_release(&x.line);
		if (!retry || attempt >= max_retries)
			break;
		delay = fg_kube_backoff_ms(attempt + 1, x.retry_after_ms,
					   randombytes_random());
		if (kube_now_ms() + delay - start > k->opts.retry_budget_ms)
			break;
		k->unanswered = 0; /* until the next attempt says */
		sleep_ms(delay);
		attempt++;
		k->stats.retries++;
	}
	if (err < 0 && attempt > 0) {
		char msg[FG_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", fg_error_last());
		fg_error_set(err, "%s (gave up after %u attempts)", msg,
			     attempt + 1);
	}
	return err;
}

int fg_kube_request(struct fg_kube *k, const char *method, const char *path,
		    const json_t *body, int idempotent, json_t **out)
{
	struct kube_req r = { 0 };
	char *text = NULL;
	int err;

	r.method = method;
	r.path = path;
	r.idempotent = idempotent;
	if (body) {
		if (!(text = fg_json_dumps(body, JSON_COMPACT)))
			return fg_error_set(FG_ERROR, "out of memory");
		r.body = text;
		r.body_len = strlen(text);
		r.content_type = "application/json";
	}
	err = kube_do(k, &r, out);
	free(text);
	return err;
}

int fg_kube_server_version(struct fg_kube *k, json_t **out)
{
	struct kube_req r = { 0 };

	r.method = "GET";
	r.path = "/version";
	r.idempotent = 1;
	r.what = "get the server version";
	return kube_do(k, &r, out);
}
