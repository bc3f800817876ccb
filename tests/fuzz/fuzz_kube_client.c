/*
 * libFuzzer target for the Kubernetes client (agent/kube/) as `plan`,
 * `sync` and `drift` use it: every answer of the API server it reads,
 * through the real client and libcurl. A small HTTP server on loopback,
 * in this process, answers the client's requests in turn with the
 * input's segments (separated by NUL bytes): a segment's first byte
 * picks the HTTP status, the rest is the body. The client then runs the
 * calls of a pass: /version, discovery (/apis, a group version), a LIST
 * of pages (continue tokens), a server-side apply, a GET, a DELETE with
 * a uid precondition and a SelfSubjectAccessReview. Each must return 0 or
 * a FG_E* code with a message; no crash, leak or hang, and no call may
 * read past what the server sent. Retries are off (no sleeping); WATCH
 * is left to the agent's own target.
 *   build/fuzz/tests/fuzz_kube_client tests/fuzz/corpus/kube_client
 * The corpus is replayed by `fuzz_kube_client_replay`; seeds are the
 * real answers of the test control plane's kube-apiserver.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "agent/kube/kube.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int statuses[] = { 200, 200, 200, 200, 201, 400, 401, 403, 404,
				409, 410, 413, 422, 429, 500, 503, 504 };

/* The answers of the current input, shared with the server thread. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *in;
static size_t in_len, in_pos;
static int port;

/* The next segment: *status and a copy of the body in `body` (the
 * client may give up on an answer and the input go before it is sent);
 * 0 when none is left. */
static int next_answer(int *status, struct fg_buf *body)
{
	const uint8_t *s, *nul;
	size_t len;
	int ok = 0;

	pthread_mutex_lock(&mu);
	if (in && in_pos < in_len) {
		s = in + in_pos;
		nul = memchr(s, 0, in_len - in_pos);
		len = nul ? (size_t)(nul - s) : in_len - in_pos;
		in_pos += len + (nul != NULL);
		*status = len ? statuses[s[0] %
					 (sizeof(statuses) / sizeof(*statuses))]
			      : 200;
		if (len && fg_buf_add(body, s + 1, len - 1) < 0)
			abort();
		ok = 1;
	}
	pthread_mutex_unlock(&mu);
	return ok;
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Serve one connection: read each request (head, then Content-Length
 * bytes), answer it with the next segment, or 404 once none is left. */
static void serve(int fd)
{
	static const char gone[] = "{\"kind\":\"Status\",\"code\":404}";
	char buf[1 << 16];
	size_t have = 0;

	for (;;) {
		char *end, *cl, head[256];
		struct fg_buf body = FG_BUF_INIT;
		size_t hl, blen = 0;
		int status, n, err;

		buf[have] = '\0';
		while (!(end = strstr(buf, "\r\n\r\n"))) {
			ssize_t r;

			if (have + 1 >= sizeof(buf))
				return;
			r = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
			if (r <= 0)
				return;
			have += (size_t)r;
			buf[have] = '\0';
		}
		hl = (size_t)(end + 4 - buf);
		cl = strstr(buf, "Content-Length: ");
		if (cl && cl < end)
			blen = strtoul(cl + 16, NULL, 10);
		if (have >= hl + blen) { /* the request body: dropped */
			memmove(buf, buf + hl + blen, have - hl - blen);
			have -= hl + blen;
		} else {
			size_t left = hl + blen - have;

			for (have = 0; left;) {
				ssize_t r = recv(
					fd, buf,
					left < sizeof(buf) ? left : sizeof(buf),
					0);

				if (r <= 0)
					return;
				left -= (size_t)r;
			}
		}
		if (!next_answer(&status, &body)) {
			status = 404;
			fg_buf_puts(&body, gone);
		}
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 %d Fuzz\r\nContent-Type: "
			     "application/json\r\nContent-Length: %zu\r\n\r\n",
			     status, body.len);
		err = send_all(fd, head, (size_t)n) < 0 ||
		      send_all(fd, body.ptr, body.len) < 0;
		fg_buf_release(&body);
		if (err)
			return;
	}
}

static void *server(void *arg)
{
	int lfd = *(int *)arg;

	for (;;) {
		int fd = accept(lfd, NULL, NULL), one = 1;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(fd);
		close(fd);
	}
	return NULL;
}

static struct fg_kube_config *start(void)
{
	static int lfd;
	char path[] = "/tmp/fg-fuzz-kube-XXXXXX";
	struct fg_kube_config_opts o = { 0 };
	struct fg_kube_config *cfg = NULL;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct fg_buf kc = FG_BUF_INIT;
	pthread_t th;
	int fd;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0 ||
	    pthread_create(&th, NULL, server, &lfd) != 0)
		abort();
	port = ntohs(a.sin_port);
	fg_buf_printf(&kc,
		      "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n"
		      "  cluster: {server: 'http://127.0.0.1:%d'}\n"
		      "contexts:\n- name: c\n  context: {cluster: c, user: u, "
		      "namespace: ns}\ncurrent-context: c\nusers:\n- name: u\n"
		      "  user: {token: fuzz-token-0123456789}\n",
		      port);
	if ((fd = mkstemp(path)) < 0 ||
	    write(fd, kc.ptr, kc.len) != (ssize_t)kc.len || close(fd) < 0)
		abort();
	o.kubeconfig = path;
	o.no_in_cluster = 1;
	if (fg_kube_config_load(&cfg, &o) < 0)
		abort();
	unlink(path);
	fg_buf_release(&kc);
	return cfg;
}

/* A call's result: 0, or a FG_E* code with a message. */
static void check(int rc)
{
	if (rc == 0)
		return;
	if ((rc != FG_ENOTFOUND && rc != FG_ECONFLICT && rc != FG_EAUTH &&
	     rc != FG_EINVALID && rc != FG_ETIMEOUT && rc != FG_ERROR) ||
	    !*fg_error_last())
		abort();
	fg_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fg_kube_config *base;
	static const struct fg_kube_kind fd_kind = { "flink.apache.org", NULL,
						     "FlinkDeployment" };
	static const struct fg_kube_kind cm_kind = { "", NULL, "ConfigMap" };
	struct fg_kube_client_opts opts = { 2000, 2000, 0, 2000, NULL };
	struct fg_kube_delete_opts dopt = { NULL, "uid-1", NULL, 0 };
	struct fg_kube_list_opts lo = { "app=x", NULL, 2 };
	struct fg_kube_resource res;
	struct fg_kube_config *cfg = NULL;
	struct fg_kube *k = NULL;
	json_t *out = NULL, *obj;
	int allowed;

	if (sodium_init() < 0) /* sodium_malloc aborts without it */
		abort();
	if (!base)
		base = start();
	pthread_mutex_lock(&mu);
	in = data;
	in_len = size;
	in_pos = 0;
	pthread_mutex_unlock(&mu);
	if (fg_kube_config_dup(&cfg, base) < 0 ||
	    fg_kube_new(&k, cfg, &opts) < 0)
		abort();

	check(fg_kube_server_version(k, &out));
	json_decref(out);
	out = NULL;
	check(fg_kube_resolve(k, &fd_kind, &res));
	check(fg_kube_list(k, &cm_kind, "ns", &lo, &out));
	if (out && !json_is_array(json_object_get(out, "items")))
		abort();
	json_decref(out);
	out = NULL;
	obj = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1",
			"kind", "ConfigMap", "metadata", "name", "x",
			"namespace", "ns", "data", "k", "v");
	check(fg_kube_apply(k, obj, NULL, &out));
	json_decref(obj);
	json_decref(out);
	out = NULL;
	check(fg_kube_get(k, &fd_kind, "ns", "x", &out));
	json_decref(out);
	out = NULL;
	check(fg_kube_delete(k, &cm_kind, "ns", "x", &dopt, NULL));
	check(fg_kube_can_i(k, "list", "", "configmaps", "ns", NULL, &allowed));

	fg_kube_free(k);
	pthread_mutex_lock(&mu);
	in = NULL;
	pthread_mutex_unlock(&mu);
	return 0;
}
