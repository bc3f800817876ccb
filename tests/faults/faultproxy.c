/*
 * faultproxy: a TEST TOOL of the fault suite (tests/faults/), not part of
 * flink-gitops and never shipped. A loopback TCP proxy the tests put
 * between flink-gitops and a real server (the API server, a Git server)
 * to break the connection the ways networks break.
 *
 *   faultproxy --upstream HOST:PORT --control FILE --log FILE
 *              --port-file FILE [--http --ca FILE]
 *
 * It listens on a free loopback port (written to --port-file once it
 * listens) and relays every connection to HOST:PORT, in a process of its
 * own (dies with the proxy). What it does is read from --control, a file
 * of one line, re-read whenever it changes, by open connections too:
 *
 *   pass          relay both ways
 *   stall         relay nothing more, keep every connection open
 *   blackhole     as stall; new connections never reach the server
 *   reset N       after N more bytes from the server, reset (RST)
 *   cut N         after N more bytes from the server, close (FIN)
 *   status CODE K SECONDS [METHOD [TEXT]]
 *                 (--http, which knows only this and pass) answer the
 *                 first K requests to each path (of METHOD, or any: *;
 *                 whose path holds TEXT, or any) with CODE, Retry-After:
 *                 SECONDS and a Kubernetes Status body; relay the others
 *
 * With --http the client speaks plain HTTP/1.1 to the proxy and the proxy
 * speaks TLS to the server (certificate checked against --ca), one
 * upstream connection per request, so it sees every request: the API
 * server's bearer token passes through unchanged.
 *
 * --log gets one line per event, "MILLISECONDS EVENT ...": "conn N open",
 * "conn N reset", "conn N cut", "req METHOD PATH STATUS" (--http; the
 * time is when the request came in).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define HEAD_MAX (64 << 10)
#define BODY_MAX (16 << 20)
#define SLOTS 16384
#define TICK_MS 50

enum mode { PASS, STALL, BLACKHOLE, RESET, CUT, STATUS };

struct control {
	enum mode mode;
	long n; /* RESET, CUT: bytes; STATUS: K */
	int code, retry_after;
	char method[16];
	char text[256];
};

struct slot {
	_Atomic uint64_t key;
	atomic_int count;
};

static const char *upstream_host, *control_path, *log_path, *ca_path;
static int upstream_port, http_mode, log_fd = -1;
static struct slot *slots; /* shared by every connection's process */
static struct timespec control_mtime;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void vlog(long long t, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void vlog(long long t, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%lld ", t);

	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(log_fd, line, (size_t)n) < 0)
		perror("faultproxy: log");
}

/* One line of the log, now (logf_) or at time t (logat). */
static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(now_ms(), fmt, ap);
	va_end(ap);
}

static void logat(long long t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logat(long long t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(t, fmt, ap);
	va_end(ap);
}

static void die(const char *what) __attribute__((noreturn));
static void die(const char *what)
{
	fprintf(stderr, "faultproxy: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Read the control file when it changed; 1 when it did. */
static int control_read(struct control *c)
{
	struct stat st;
	char buf[256] = "";
	FILE *f;

	if (stat(control_path, &st) < 0)
		return 0;
	if (st.st_mtim.tv_sec == control_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == control_mtime.tv_nsec && c->method[0] != 1)
		return 0;
	control_mtime = st.st_mtim;
	if (!(f = fopen(control_path, "r")))
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	memset(c, 0, sizeof(*c));
	if (!strncmp(buf, "stall", 5))
		c->mode = STALL;
	else if (!strncmp(buf, "blackhole", 9))
		c->mode = BLACKHOLE;
	else if (sscanf(buf, "reset %ld", &c->n) == 1)
		c->mode = RESET;
	else if (sscanf(buf, "cut %ld", &c->n) == 1)
		c->mode = CUT;
	else if (sscanf(buf, "status %d %ld %d %15s %255s", &c->code, &c->n,
			&c->retry_after, c->method, c->text) >= 3)
		c->mode = STATUS;
	else
		c->mode = PASS;
	return 1;
}

static int connect_upstream(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)upstream_port);
	if (fd < 0 || inet_pton(AF_INET, upstream_host, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void reset_and_exit(int client, int up, int id)
{
	struct linger l = { 1, 0 };

	setsockopt(client, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	logf_("conn %d reset", id);
	close(client);
	if (up >= 0)
		close(up);
	_exit(0);
}

/* ---- TCP: relay bytes, break them as the control file says ---- */

static void tcp_conn(int client, int id)
{
	struct control c;
	char buf[16384];
	long budget = 0;
	int up = -1;

	memset(&c, 0, sizeof(c));
	c.method[0] = 1; /* force the first read */
	control_read(&c);
	budget = c.n;
	logf_("conn %d open", id);
	if (c.mode == RESET && c.n == 0)
		reset_and_exit(client, -1, id);
	if (c.mode != BLACKHOLE && (up = connect_upstream()) < 0) {
		logf_("conn %d upstream refused", id);
		reset_and_exit(client, -1, id);
	}
	for (;;) {
		struct pollfd p[2] = { { client, POLLIN, 0 },
				       { up, POLLIN, 0 } };
		int relay, i;

		if (control_read(&c))
			budget = c.n;
		relay = up >= 0 && c.mode != STALL && c.mode != BLACKHOLE;
		if (!relay) {
			/* a black hole reads and drops; a stall reads nothing */
			p[0].events = up < 0 ? POLLIN : 0;
			p[1].fd = -1;
		}
		if (poll(p, 2, TICK_MS) < 0 && errno != EINTR)
			_exit(1);
		for (i = 0; i < 2; i++) {
			int from = i ? up : client, to = i ? client : up;
			ssize_t n;
			size_t want = sizeof(buf);

			if (p[i].fd < 0 ||
			    !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (i == 1 && (c.mode == RESET || c.mode == CUT) &&
			    (size_t)budget < want)
				want = (size_t)budget;
			n = want ? read(from, buf, want) : 0;
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 && want) {
				if (!relay && up < 0 && i == 0 && n == 0)
					_exit(0); /* the client gave up */
				close(client);
				if (up >= 0)
					close(up);
				_exit(0);
			}
			if (!relay) /* a black hole drops what it reads */
				continue;
			if (n > 0 && write_all(to, buf, (size_t)n) < 0)
				_exit(0);
			if (i == 1 && (c.mode == RESET || c.mode == CUT)) {
				budget -= n;
				if (budget > 0)
					continue;
				if (c.mode == RESET)
					reset_and_exit(client, up, id);
				logf_("conn %d cut", id);
				close(client);
				close(up);
				_exit(0);
			}
		}
	}
}

/* ---- HTTP: see each request, answer some of them ourselves ---- */

static uint64_t fnv(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ ' ') * 1099511628211ULL;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h ? h : 1;
}

/* How many times METHOD PATH was seen before (shared by all processes). */
static int seen(const char *method, const char *path)
{
	uint64_t h = fnv(method, path);

	for (size_t i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[(h + i) % SLOTS];
		uint64_t k = atomic_load(&s->key), zero = 0;

		if (k == 0 && atomic_compare_exchange_strong(&s->key, &zero, h))
			k = h;
		else if (k == 0)
			k = atomic_load(&s->key);
		if (k == h)
			return atomic_fetch_add(&s->count, 1);
	}
	return 0;
}

/* Read until the end of the head; the bytes after it stay in buf. */
static ssize_t read_head(int fd, char *buf, size_t max, size_t *have)
{
	char *end;

	for (;;) {
		ssize_t n;

		buf[*have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")))
			return end + 4 - buf;
		if (*have + 1 >= max)
			return -1;
		n = read(fd, buf + *have, max - 1 - *have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*have += (size_t)n;
	}
}

static const char *reason(int code)
{
	switch (code) {
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Fault";
	}
}

static int answer(int client, const struct control *c)
{
	char body[512], head[512];
	int n, m;

	n = snprintf(body, sizeof(body),
		     "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":"
		     "{},\"status\":\"Failure\",\"message\":\"faultproxy: "
		     "injected %d\",\"reason\":\"%s\",\"code\":%d}",
		     c->code,
		     c->code == 429 ? "TooManyRequests" : "ServiceUnavailable",
		     c->code);
	m = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		     "Retry-After: %d\r\nContent-Length: %d\r\n\r\n",
		     c->code, reason(c->code), c->retry_after, n);
	return write_all(client, head, (size_t)m) < 0 ||
			       write_all(client, body, (size_t)n) < 0
		       ? -1
		       : 0;
}

/* Send one request upstream over TLS and relay the answer; its status. */
static int forward(int client, const char *head, size_t head_len,
		   const char *body, size_t body_len)
{
	static SSL_CTX *ctx;
	char buf[16384], *out;
	const char *p;
	size_t olen = 0;
	int fd, status = 0, first = 1;
	SSL *ssl;

	if (!ctx) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (!ctx ||
		    SSL_CTX_load_verify_locations(ctx, ca_path, NULL) != 1)
			return -1;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	if ((fd = connect_upstream()) < 0)
		return -1;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), upstream_host);
	if (SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		close(fd);
		return -1;
	}
	/* the head without Connection headers, with Connection: close */
	out = malloc(head_len + 32);
	if (!out) {
		SSL_free(ssl);
		close(fd);
		return -1;
	}
	for (p = head; p < head + head_len;) {
		const char *eol =
			memmem(p, (size_t)(head + head_len - p), "\r\n", 2);
		size_t n = eol ? (size_t)(eol - p) + 2
			       : (size_t)(head + head_len - p);

		if (n == 2) /* the blank line */
			break;
		if (strncasecmp(p, "Connection:", 11)) {
			memcpy(out + olen, p, n);
			olen += n;
		}
		p += n;
	}
	memcpy(out + olen, "Connection: close\r\n\r\n", 21);
	olen += 21;
	if (SSL_write(ssl, out, (int)olen) <= 0 ||
	    (body_len && SSL_write(ssl, body, (int)body_len) <= 0)) {
		free(out);
		SSL_free(ssl);
		close(fd);
		return -1;
	}
	free(out);
	for (;;) {
		int n = SSL_read(ssl, buf, sizeof(buf) - 1);

		if (n <= 0)
			break;
		if (first) {
			buf[n] = '\0';
			sscanf(buf, "HTTP/%*s %d", &status);
			first = 0;
		}
		if (write_all(client, buf, (size_t)n) < 0)
			break;
	}
	SSL_free(ssl);
	close(fd);
	return status;
}

static void http_conn(int client, int id)
{
	static char buf[HEAD_MAX + 1];
	struct control c;
	size_t have = 0;

	memset(&c, 0, sizeof(c));
	c.method[0] = 1;
	logf_("conn %d open", id);
	for (;;) {
		char method[16] = "", path[4096] = "", *cl, *body;
		ssize_t hl = read_head(client, buf, sizeof(buf), &have);
		long long t = now_ms();
		size_t blen = 0, got;
		int status;

		if (hl < 0)
			_exit(0);
		control_read(&c);
		sscanf(buf, "%15s %4095s", method, path);
		buf[hl - 2] = '\0';
		cl = strcasestr(buf, "\r\nContent-Length:");
		buf[hl - 2] = '\r';
		if (cl)
			blen = strtoul(cl + 17, NULL, 10);
		if (blen > BODY_MAX || !(body = malloc(blen + 1)))
			_exit(1);
		got = have - (size_t)hl < blen ? have - (size_t)hl : blen;
		memcpy(body, buf + hl, got);
		while (got < blen) {
			ssize_t n = read(client, body + got, blen - got);

			if (n <= 0)
				_exit(0);
			got += (size_t)n;
		}
		if (c.mode == STATUS &&
		    (!c.method[0] || !strcmp(c.method, "*") ||
		     !strcmp(c.method, method)) &&
		    (!c.text[0] || strstr(path, c.text)) &&
		    seen(method, path) < c.n) {
			logat(t, "req %s %s %d", method, path, c.code);
			free(body);
			if (answer(client, &c) < 0)
				_exit(0);
			memmove(buf, buf + hl + blen, have - (size_t)hl - blen);
			have -= (size_t)hl + blen;
			continue;
		}
		status = forward(client, buf, (size_t)hl, body, blen);
		logat(t, "req %s %s %d", method, path, status);
		free(body);
		close(client);
		_exit(0);
	}
}

/* ---- main ---- */

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
	fputs("usage: faultproxy --upstream HOST:PORT --control FILE --log "
	      "FILE --port-file FILE [--http --ca FILE]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *port_file = NULL;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct sigaction sa;
	char *colon;
	FILE *f;
	int lfd, one = 1, id = 0;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--http")) {
			http_mode = 1;
			continue;
		}
		if (!v)
			usage();
		if (!strcmp(argv[i], "--upstream"))
			upstream_host = v;
		else if (!strcmp(argv[i], "--control"))
			control_path = v;
		else if (!strcmp(argv[i], "--log"))
			log_path = v;
		else if (!strcmp(argv[i], "--port-file"))
			port_file = v;
		else if (!strcmp(argv[i], "--ca"))
			ca_path = v;
		else
			usage();
		i++;
	}
	if (!upstream_host || !control_path || !log_path || !port_file ||
	    (http_mode && !ca_path) || !(colon = strchr(upstream_host, ':')))
		usage();
	*colon = '\0';
	upstream_port = atoi(colon + 1);
	if ((log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			   0644)) < 0)
		die(log_path);
	slots = mmap(NULL, SLOTS * sizeof(*slots), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		die("mmap");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_NOCLDWAIT; /* no zombies */
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0)
		die("listen");
	if (!(f = fopen(port_file, "w")) ||
	    fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0)
		die(port_file);
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		id++;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((pid = fork()) == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(lfd);
			if (http_mode)
				http_conn(c, id);
			else
				tcp_conn(c, id);
			_exit(0);
		}
		close(c);
	}
}
