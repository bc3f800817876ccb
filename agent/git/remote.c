/*
 * Talking to the remote: fetch and push, authentication, server identity
 * (TLS certificates, SSH host keys against known_hosts), and the deadline
 * that bounds all of it.
 *
 * The deadline. libgit2 1.5 has no socket timeouts, and its progress
 * callbacks are only called while data flows: a server that accepts the
 * connection and then says nothing leaves the caller blocked in recv()
 * for ever. The options considered:
 *
 *  - a custom stream (git_stream_register) with poll() timeouts: libgit2
 *    uses registered streams only for git:// and http://; its OpenSSL
 *    stream and its libssh2 transport open their own sockets
 *    (git_socket_stream_new), so https:// and ssh:// would stay unbounded
 *    unless we reimplemented TLS and SSH transports;
 *  - a worker thread whose socket is found and shut down at the deadline:
 *    libgit2 does not expose the socket; finding it means guessing among
 *    the process's descriptors (racy with other threads' sockets) or
 *    interposing connect(); DNS resolution (getaddrinfo) and a thread
 *    stuck in libssh2 or a lock would still not be bounded;
 *  - a child process per network operation, killed at the deadline.
 *
 * We take the last one: fetch and push run in a child process that
 * writes its result (code and message) to a pipe; the parent waits with
 * poll() on that pipe and, at the deadline, SIGKILLs the child. Nothing
 * inside the child can outlive that: not a silent server, not a stalled
 * TLS or SSH handshake, not DNS. The child also checks the deadline in
 * every progress callback so a slow but live transfer stops cleanly a
 * little earlier. Whatever a killed child leaves in the mirror (ref
 * locks, temporary packs) is swept by the parent, which holds the
 * mirror's lock, so no one else writes there. Git objects are written
 * before refs, so a killed fetch never leaves a ref to a missing object.
 *
 * The child is this program run anew (/proc/self/exe with the argument
 * WORKER_ARG, caught by a constructor before main), not a bare fork():
 * the agent has other threads (watches, the HTTP endpoint, TLS to the
 * API server) and a fork()ed copy inherits their locks as they were at
 * that instant - the allocator's (ASan's is not fork-safe), OpenSSL's,
 * the log's - and blocked on one until the deadline now and then. A
 * fresh process has none. The settings of the operation, credentials
 * among them, go down a socket, never in argv or the environment. The
 * child dies with its parent (PR_SET_PDEATHSIG): a SIGKILLed agent
 * leaves no worker behind holding the mirror or its descriptors.
 *
 * The cost is one process start per fetch or push (a few milliseconds),
 * negligible next to a network round trip.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "agent/git/git_int.h"
#include "agent/git/known_hosts.h"
#include "agent/log.h"
#include "render/base/error.h"
#include "render/base/banned.h"

#define GRACE_MS 500 /* child's own deadline to the parent's kill */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- state shared by the callbacks of one operation (in the child) ---- */

struct op {
	struct fg_git_mirror *m;
	int64_t deadline;
	int timed_out;
	int cred_calls, no_creds;
	int identity_refused; /* message already set */
	char identity_msg[FG_ERROR_MSG_MAX];
	int rejected;
	char reject_status[256];
};

static int past_deadline(struct op *op)
{
	if (now_ms() < op->deadline)
		return 0;
	op->timed_out = 1;
	return 1;
}

static int cb_transfer(const git_indexer_progress *stats, void *payload)
{
	(void)stats;
	return past_deadline(payload) ? -1 : 0;
}

static int cb_sideband(const char *str, int len, void *payload)
{
	(void)str;
	(void)len;
	return past_deadline(payload) ? -1 : 0;
}

static int cb_push_transfer(unsigned int current, unsigned int total,
			    size_t bytes, void *payload)
{
	return past_deadline(payload) ? -1 : 0;
}

static int cb_pack(int stage, uint32_t current, uint32_t total, void *payload)
{
	return past_deadline(payload) ? -1 : 0;
}

static int cb_push_ref(const char *refname, const char *status, void *payload)
{
	struct op *op = payload;

	if (status) {
		op->rejected = 1;
		snprintf(op->reject_status, sizeof(op->reject_status), "%s: %s",
			 refname, status);
	}
	return 0;
}

static int cb_credentials(git_credential **out, const char *url,
			  const char *user_from_url, unsigned int allowed,
			  void *payload)
{
	struct op *op = payload;
	struct fg_git_mirror *m = op->m;
	const char *user;

	(void)url;
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(
			out, m->username ? m->username : "git");
	if (++op->cred_calls > 1)
		return -1; /* the server refused what we offered */
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && m->ssh_key_file) {
		user = user_from_url ? user_from_url
				     : (m->username ? m->username : "git");
		return git_credential_ssh_key_new(out, user, NULL,
						  m->ssh_key_file, NULL);
	}
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) &&
	    (m->secret || m->url_password)) {
		user = m->username	    ? m->username
		       : user_from_url	    ? user_from_url
		       : m->secret_is_token ? "x-access-token"
					    : "";
		return git_credential_userpass_plaintext_new(
			out, user, m->secret ? m->secret : m->url_password);
	}
	op->no_creds = 1;
	return -1;
}

/* ---- SSH host keys ---- */

static const char *key_type_name(git_cert_ssh_raw_type_t t)
{
	switch (t) {
	case GIT_CERT_SSH_RAW_TYPE_RSA:
		return "RSA";
	case GIT_CERT_SSH_RAW_TYPE_DSS:
		return "DSA";
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256:
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384:
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521:
		return "ECDSA";
	case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519:
		return "ED25519";
	default:
		return "unknown";
	}
}

/*
 * 0 when known_hosts lists `blob` for the host; otherwise sets the
 * refusal message (unknown host, changed key, revoked key).
 */
static int check_host_key(struct op *op, const unsigned char *blob,
			  size_t bloblen, git_cert_ssh_raw_type_t type)
{
	struct fg_git_mirror *m = op->m;
	struct fg_buf kh = FG_BUF_INIT;
	char fp[FG_SSH_FP_LEN];
	enum fg_known_host v;
	int missing = 0;

	fg_ssh_fingerprint(blob, bloblen, fp);
	fg_buf_init(&kh, FG_KNOWN_HOSTS_MAX);
	if (!m->known_hosts || fg_buf_read_file(&kh, m->known_hosts) < 0)
		missing = 1;
	v = fg_known_hosts_lookup(kh.ptr, kh.len, m->host_port, blob, bloblen);
	fg_buf_release(&kh);
	if (v == FG_KNOWN_HOST_OK)
		return 0;
	op->identity_refused = 1;
	if (v == FG_KNOWN_HOST_REVOKED)
		snprintf(op->identity_msg, sizeof(op->identity_msg),
			 "host key of %s is revoked in %s (%s key %s)",
			 m->host_port, m->known_hosts, key_type_name(type), fp);
	else if (v == FG_KNOWN_HOST_MISMATCH)
		snprintf(op->identity_msg, sizeof(op->identity_msg),
			 "host key mismatch for %s: the server offered %s key "
			 "%s, which is not the key %s lists for it (someone "
			 "may be impersonating the server); refusing",
			 m->host_port, key_type_name(type), fp, m->known_hosts);
	else
		snprintf(op->identity_msg, sizeof(op->identity_msg),
			 "unknown host key for %s: %s key %s is not in %s%s; "
			 "add it if you trust it (ssh-keyscan)",
			 m->host_port, key_type_name(type), fp,
			 m->known_hosts ? m->known_hosts : "known_hosts",
			 missing ? " (no such file)" : "");
	return -1;
}

static int is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	       inet_pton(AF_INET6, host, a) == 1;
}

static int cert_has_ip(git_cert *cert, const char *host)
{
	git_cert_x509 *x = (git_cert_x509 *)cert;
	const unsigned char *p = x->data;
	X509 *c;
	int ok;

	if (cert->cert_type != GIT_CERT_X509 ||
	    !(c = d2i_X509(NULL, &p, (long)x->len)))
		return 0;
	ok = X509_check_ip_asc(c, host, 0) == 1;
	X509_free(c);
	return ok;
}

static int cb_certificate(git_cert *cert, int valid, const char *host,
			  void *payload)
{
	struct op *op = payload;

	if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
		git_cert_hostkey *hk = (git_cert_hostkey *)cert;
		if (!(hk->type & GIT_CERT_SSH_RAW)) {
			op->identity_refused = 1;
			snprintf(op->identity_msg, sizeof(op->identity_msg),
				 "cannot check the host key of %s: libgit2 "
				 "did not pass it",
				 op->m->host_port);
			return -1;
		}
		return check_host_key(op, (const unsigned char *)hk->hostkey,
				      hk->hostkey_len, hk->raw_type);
	}
	if (host && is_ip(host)) {
		/*
		 * libgit2 1.5.1 compares IP-address subjectAltNames the wrong
		 * way round (openssl.c: matched = !!memcmp(...)): a
		 * certificate for the right address is refused and one for
		 * another address accepted. Check the address ourselves.
		 */
		if (valid && cert_has_ip(cert, host))
			return 0;
		op->identity_refused = 1;
		snprintf(op->identity_msg, sizeof(op->identity_msg),
			 "TLS certificate of %s cannot be verified for an IP "
			 "address with libgit2 1.5; use the server's DNS name "
			 "in the URL",
			 host);
		return -1;
	}
	if (valid)
		return 0;
	op->identity_refused = 1;
	snprintf(op->identity_msg, sizeof(op->identity_msg),
		 "TLS certificate of %s is not trusted (wrong name, expired or "
		 "signed by an unknown CA; see --ca-file)",
		 host ? host : "the server");
	return -1;
}

static void set_callbacks(git_remote_callbacks *cb, struct op *op)
{
	cb->credentials = cb_credentials;
	cb->certificate_check = cb_certificate;
	cb->transfer_progress = cb_transfer;
	cb->sideband_progress = cb_sideband;
	cb->push_transfer_progress = cb_push_transfer;
	cb->pack_progress = cb_pack;
	cb->push_update_reference = cb_push_ref;
	cb->payload = op;
}

/* Replace every occurrence of a secret in `s` (in place, shrinking). */
static void scrub(char *s, const char *secret)
{
	size_t sl, rl = strlen("[redacted]");
	char *p;

	if (!secret || !(sl = strlen(secret)) || sl < rl)
		return;
	while ((p = strstr(s, secret))) {
		memcpy(p, "[redacted]", rl);
		memmove(p + rl, p + sl, strlen(p + sl) + 1);
	}
}

/* In the child: turn what happened into our code and message. */
static int translate(struct op *op, int rc, const char *verb)
{
	struct fg_git_mirror *m = op->m;
	const git_error *e = git_error_last();
	char msg[FG_ERROR_MSG_MAX];

	snprintf(msg, sizeof(msg), "%s",
		 e && e->message ? e->message : "unknown error");
	scrub(msg, m->url);
	scrub(msg, m->secret);
	scrub(msg, m->url_password);
	if (op->timed_out)
		return fg_error_set(FG_ETIMEOUT, "%s %s: timed out after %d ms",
				    verb, m->url_safe, m->timeout_ms);
	if (op->identity_refused)
		return fg_error_set(FG_EAUTH, "%s %s: %s", verb, m->url_safe,
				    op->identity_msg);
	if (op->no_creds)
		return fg_error_set(FG_EAUTH,
				    "%s %s: authentication required and no "
				    "credentials given (--username with "
				    "--password-file or --token-file, or "
				    "--ssh-key)",
				    verb, m->url_safe);
	if (op->cred_calls > 1 || rc == GIT_EAUTH ||
	    strstr(msg, "authentication") || strstr(msg, "Authentication") ||
	    strstr(msg, "status code: 401") || strstr(msg, "status code: 403"))
		return fg_error_set(FG_EAUTH,
				    "%s %s: authentication refused by the "
				    "server (check the user and the password, "
				    "token or key)",
				    verb, m->url_safe);
	if (strstr(msg, "status code: 404") ||
	    strstr(msg, "not appear to be a git repository") ||
	    strstr(msg, "not exported") || strstr(msg, "does not exist"))
		return fg_error_set(FG_ENOTFOUND,
				    "%s %s: no repository there (%s)", verb,
				    m->url_safe, msg);
	/* the mirror's own folder failing (a full disk) is no network
	   error: the message names a file of the mirror */
	if (e && e->klass == GIT_ERROR_OS && strstr(msg, m->path))
		return fg_error_set(FG_ERROR,
				    "%s %s: cannot write the mirror: %s", verb,
				    m->url_safe, msg);
	if (e && (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_OS ||
		  e->klass == GIT_ERROR_SSH || e->klass == GIT_ERROR_SSL))
		return fg_error_set(FG_ERROR,
				    "%s %s: cannot reach the server: %s", verb,
				    m->url_safe, msg);
	return fg_error_set(FG_ERROR, "%s %s: %s", verb, m->url_safe, msg);
}

/* ---- operations (run in the child) ---- */

static int op_fetch(struct op *op)
{
	static char *specs[] = { "+refs/heads/*:refs/heads/*",
				 "+refs/tags/*:refs/tags/*",
				 "+refs/notes/*:refs/notes/*",
				 "+refs/remotes/*:refs/remotes/*" };
	char *all[4 + FG_GIT_MAX_FETCH_REFS];
	git_strarray refspecs = { all, 4 };
	const git_remote_head **heads;
	git_fetch_options fo;
	git_remote *remote = NULL;
	size_t n;
	int rc;

	memcpy(all, specs, sizeof(specs));
	for (size_t i = 0; i < op->m->nextra && i < FG_GIT_MAX_FETCH_REFS; i++)
		all[refspecs.count++] = op->m->extra_specs[i];
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	if (git_remote_create_anonymous(&remote, op->m->repo, op->m->url) < 0)
		return translate(op, -1, "fetch from");
	set_callbacks(&fo.callbacks, op);
	fo.prune = GIT_FETCH_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	rc = git_remote_fetch(remote, &refspecs, &fo, "flink-gitops: fetch");
	if (rc < 0)
		rc = translate(op, rc, "fetch from");
	/* the remote's HEAD (its default branch's tip), for --ref HEAD; the
	   list stays readable after the fetch disconnected */
	if (rc == 0 && git_remote_ls(&heads, &n, remote) == 0)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(heads[i]->name, "HEAD") &&
			    fg_git_set_head(op->m, &heads[i]->oid) < 0)
				fg_error_clear(); /* not fetched: no HEAD */
	git_remote_free(remote);
	return rc;
}

static int op_push(struct op *op, const char *push_spec)
{
	char *spec = (char *)(uintptr_t)push_spec;
	git_strarray refspecs = { &spec, 1 };
	git_push_options po;
	git_remote *remote = NULL;
	int rc;

	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);

	if (git_remote_create_anonymous(&remote, op->m->repo, op->m->url) < 0)
		return translate(op, -1, "push to");
	set_callbacks(&po.callbacks, op);
	rc = git_remote_push(remote, &refspecs, &po);
	if (rc == GIT_ENONFASTFORWARD)
		rc = fg_error_set(FG_ECONFLICT,
				  "push to %s: the branch moved (not a "
				  "fast-forward)",
				  op->m->url_safe);
	else if (rc < 0)
		rc = translate(op, rc, "push to");
	else if (op->rejected)
		rc = fg_error_set(FG_ECONFLICT, "push to %s rejected: %s",
				  op->m->url_safe, op->reject_status);
	git_remote_free(remote);
	return rc;
}

/* ---- the worker: this program run anew for one operation ---- */

#define WORKER_ARG "--fg-git-worker"
#define REQ_MAX (256 * 1024)
#define NO_FIELD UINT32_MAX

/*
 * The request, parent to worker: fields in this order, each a 32-bit
 * length (NO_FIELD for none) and its bytes.
 */
enum field {
	F_OP, /* "fetch" or "push" */
	F_PPID,
	F_DEADLINE, /* CLOCK_MONOTONIC ms, the same clock in both */
	F_TIMEOUT,
	F_URL,
	F_URL_SAFE,
	F_PATH,
	F_HOST_PORT,
	F_USERNAME,
	F_SECRET,
	F_SECRET_IS_TOKEN,
	F_URL_PASSWORD,
	F_CA_FILE,
	F_SSH_KEY,
	F_KNOWN_HOSTS,
	F_PUSH_SPEC,
	F_NEXTRA, /* then that many refspecs */
	F_FIXED
};

struct result {
	int32_t code;
	int32_t damaged; /* the mirror's own objects are bad */
	uint32_t len;
	char msg[FG_ERROR_MSG_MAX];
};

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static size_t field_size(const char *s)
{
	return sizeof(uint32_t) + (s ? strlen(s) : 0);
}

static char *put_field(char *p, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : NO_FIELD;

	memcpy(p, &n, sizeof(n));
	p += sizeof(n);
	if (s) {
		memcpy(p, s, strlen(s));
		p += strlen(s);
	}
	return p;
}

/* The request for `m` (in sodium memory: it holds the secrets). */
static int make_request(char **out, size_t *len, struct fg_git_mirror *m,
			const char *opname, const char *push_spec,
			int64_t deadline)
{
	char num[4][32], nextra[32];
	const char *f[F_FIXED];
	size_t n = 0;
	char *p;

	snprintf(num[0], sizeof(num[0]), "%ld", (long)getpid());
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)deadline);
	snprintf(num[2], sizeof(num[2]), "%d", m->timeout_ms);
	snprintf(num[3], sizeof(num[3]), "%d", m->secret_is_token);
	snprintf(nextra, sizeof(nextra), "%zu", m->nextra);
	f[F_OP] = opname;
	f[F_PPID] = num[0];
	f[F_DEADLINE] = num[1];
	f[F_TIMEOUT] = num[2];
	f[F_URL] = m->url;
	f[F_URL_SAFE] = m->url_safe;
	f[F_PATH] = m->path;
	f[F_HOST_PORT] = m->host_port;
	f[F_USERNAME] = m->username;
	f[F_SECRET] = m->secret;
	f[F_SECRET_IS_TOKEN] = num[3];
	f[F_URL_PASSWORD] = m->url_password;
	f[F_CA_FILE] = m->ca_file;
	f[F_SSH_KEY] = m->ssh_key_file;
	f[F_KNOWN_HOSTS] = m->known_hosts;
	f[F_PUSH_SPEC] = push_spec;
	f[F_NEXTRA] = nextra;
	for (int i = 0; i < F_FIXED; i++)
		n += field_size(f[i]);
	for (size_t i = 0; i < m->nextra; i++)
		n += field_size(m->extra_specs[i]);
	if (n > REQ_MAX)
		return fg_error_set(FG_EINVALID,
				    "%s: too many or too long refspecs",
				    m->url_safe);
	if (!(p = sodium_malloc(n)))
		return fg_error_set(FG_ERROR, "out of memory");
	*out = p;
	*len = n;
	for (int i = 0; i < F_FIXED; i++)
		p = put_field(p, f[i]);
	for (size_t i = 0; i < m->nextra; i++)
		p = put_field(p, m->extra_specs[i]);
	return 0;
}

/* In the worker: the next field of the request, NUL-terminated. */
static int take_field(char **out, const char **p, const char *end)
{
	uint32_t n;

	*out = NULL;
	if ((size_t)(end - *p) < sizeof(n))
		return -1;
	memcpy(&n, *p, sizeof(n));
	*p += sizeof(n);
	if (n == NO_FIELD)
		return 0;
	if (n > (size_t)(end - *p) || !(*out = malloc((size_t)n + 1)))
		return -1;
	memcpy(*out, *p, n);
	(*out)[n] = '\0';
	*p += n;
	return 0;
}

static void worker_fail(const char *why)
{
	struct result r;

	memset(&r, 0, sizeof(r));
	r.code = FG_ERROR;
	r.len = (uint32_t)snprintf(r.msg, sizeof(r.msg), "git worker: %s", why);
	write_all(1, &r, offsetof(struct result, msg) + r.len);
	_exit(1);
}

static void worker_main(void)
{
	static char req[REQ_MAX];
	struct fg_git_mirror m;
	struct result r;
	char *f[F_FIXED];
	const char *p = req, *end;
	size_t got = 0, nextra;
	struct op op;
	int rc;

	/* die with the agent; it may already be gone (then ppid differs) */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		ssize_t n = read(0, req + got, sizeof(req) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			worker_fail("cannot read the request");
		if (n == 0)
			break;
		if ((got += (size_t)n) == sizeof(req))
			worker_fail("request too long");
	}
	end = req + got;
	for (int i = 0; i < F_FIXED; i++)
		if (take_field(&f[i], &p, end) < 0)
			worker_fail("bad request");
	if (!f[F_PPID] || strtol(f[F_PPID], NULL, 10) != (long)getppid())
		_exit(1); /* the parent died before we could follow it */
	memset(&m, 0, sizeof(m));
	m.lockfd = -1;
	m.url = f[F_URL];
	m.url_safe = f[F_URL_SAFE];
	m.path = f[F_PATH];
	m.host_port = f[F_HOST_PORT];
	m.username = f[F_USERNAME];
	m.secret = f[F_SECRET];
	m.secret_is_token =
		f[F_SECRET_IS_TOKEN] && *f[F_SECRET_IS_TOKEN] == '1';
	m.url_password = f[F_URL_PASSWORD];
	m.ca_file = f[F_CA_FILE];
	m.ssh_key_file = f[F_SSH_KEY];
	m.known_hosts = f[F_KNOWN_HOSTS];
	m.timeout_ms = f[F_TIMEOUT] ? (int)strtol(f[F_TIMEOUT], NULL, 10) : 0;
	nextra = f[F_NEXTRA] ? strtoul(f[F_NEXTRA], NULL, 10) : 0;
	if (!m.url || !m.url_safe || !m.path || !m.host_port || !f[F_OP] ||
	    !f[F_DEADLINE] || nextra > FG_GIT_MAX_FETCH_REFS ||
	    !(m.extra_specs = calloc(nextra + 1, sizeof(char *))))
		worker_fail("bad request");
	for (m.nextra = 0; m.nextra < nextra; m.nextra++)
		if (take_field(&m.extra_specs[m.nextra], &p, end) < 0 ||
		    !m.extra_specs[m.nextra])
			worker_fail("bad request");
	sodium_memzero(req, got);

	memset(&op, 0, sizeof(op));
	op.m = &m;
	op.deadline = strtoll(f[F_DEADLINE], NULL, 10);
	git_libgit2_init();
	git_error_clear();
	if (git_repository_open_bare(&m.repo, m.path) < 0)
		rc = fg_git_error(FG_ERROR, "cannot open the mirror");
	else if (m.ca_file && git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS,
					       m.ca_file, NULL) < 0)
		rc = fg_git_error(FG_EINVALID, "cannot load --ca-file");
	else if (!strcmp(f[F_OP], "push") && f[F_PUSH_SPEC])
		rc = op_push(&op, f[F_PUSH_SPEC]);
	else if (!strcmp(f[F_OP], "fetch"))
		rc = op_fetch(&op);
	else
		rc = fg_error_set(FG_ERROR, "git worker: unknown operation");
	memset(&r, 0, sizeof(r));
	r.code = rc < 0 ? rc : 0;
	r.damaged = rc < 0 && fg_git_damage_error();
	if (rc < 0) {
		snprintf(r.msg, sizeof(r.msg), "%s", fg_error_last());
		r.len = (uint32_t)strlen(r.msg);
	}
	if (m.secret)
		sodium_memzero(m.secret, strlen(m.secret));
	if (m.url_password)
		sodium_memzero(m.url_password, strlen(m.url_password));
	write_all(1, &r, offsetof(struct result, msg) + r.len);
	_exit(0);
}

/*
 * Run before main in every program that holds this file: the worker
 * started by run_bounded() never reaches the program's own main. glibc
 * passes (argc, argv, envp) to constructors.
 */
__attribute__((constructor)) static void worker_entry(int argc, char **argv)
{
	if (argc == 2 && argv && argv[1] && !strcmp(argv[1], WORKER_ARG))
		worker_main();
}

/* ---- the bounded runner (in the caller) ---- */

extern char **environ;

static int run_bounded(struct fg_git_mirror *m, const char *verb,
		       const char *opname, const char *push_spec)
{
	int64_t start = now_ms(), hard = start + m->timeout_ms + GRACE_MS;
	char *argv[] = { "flink-gitops-git-worker", WORKER_ARG, NULL };
	posix_spawn_file_actions_t fa;
	struct result r;
	char *req = NULL;
	size_t got = 0, reqlen = 0;
	int sv[2], status, killed = 0, err;
	pid_t pid;

	if ((err = make_request(&req, &reqlen, m, opname, push_spec,
				start + m->timeout_ms)) < 0)
		return err;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		sodium_free(req);
		return fg_error_set_errno(FG_ERROR, errno,
					  "cannot make a socket pair");
	}
	if ((err = posix_spawn_file_actions_init(&fa)) == 0) {
		posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
		posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
		err = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv,
				  environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(sv[1]);
	if (err != 0) {
		sodium_free(req);
		close(sv[0]);
		return fg_error_set_errno(FG_ERROR, err,
					  "%s %s: cannot start the git worker "
					  "(/proc/self/exe)",
					  verb, m->url_safe);
	}
	/* the worker reads all of it at once; a dead one gives EPIPE */
	if (write_all(sv[0], req, reqlen) == 0)
		shutdown(sv[0], SHUT_WR);
	sodium_free(req);
	memset(&r, 0, sizeof(r));
	for (;;) {
		int64_t left = hard - now_ms();
		struct pollfd pfd = { sv[0], POLLIN, 0 };
		ssize_t n;
		int pr;

		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		n = read(sv[0], (char *)&r + got, sizeof(r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (killed) {
		fg_git_mirror_sweep(m);
		FG_LOG_WARN("git.timeout", FG_LOG_STR("url", m->url_safe),
			    FG_LOG_STR("op", verb),
			    FG_LOG_INT("timeout_ms", m->timeout_ms));
		return fg_error_set(FG_ETIMEOUT,
				    "%s %s: no answer within %d ms (timed out)",
				    verb, m->url_safe, m->timeout_ms);
	}
	if (got < offsetof(struct result, msg)) {
		fg_git_mirror_sweep(m);
		return fg_error_set(FG_ERROR, "%s %s: the worker died (%s %d)",
				    verb, m->url_safe,
				    WIFSIGNALED(status) ? "signal" : "status",
				    WIFSIGNALED(status) ? WTERMSIG(status)
							: WEXITSTATUS(status));
	}
	if (r.code < 0) {
		if (r.len >= sizeof(r.msg))
			r.len = sizeof(r.msg) - 1;
		r.msg[r.len] = '\0';
		/* a pack cut short, a full disk: nothing half-written stays */
		fg_git_mirror_sweep(m);
		m->damaged = r.damaged;
		return fg_error_set(r.code, "%s", r.msg);
	}
	return 0;
}

int fg_git_remote_fetch(struct fg_git_mirror *m)
{
	int64_t t0 = now_ms();
	int err = run_bounded(m, "fetch from", "fetch", NULL);

	if (err == 0)
		FG_LOG_DEBUG("git.fetch", FG_LOG_STR("url", m->url_safe),
			     FG_LOG_INT("ms", now_ms() - t0));
	return err;
}

int fg_git_remote_push(struct fg_git_mirror *m, const char *src,
		       const char *dst)
{
	struct fg_buf spec = FG_BUF_INIT;
	int err;

	if ((err = fg_buf_printf(&spec, "%s:%s", src, dst)) < 0)
		return err;
	err = run_bounded(m, "push to", "push", spec.ptr);
	fg_buf_release(&spec);
	return err;
}
