/*
 * flink-gitops run: the agent. One thread runs the loop: it waits in
 * poll() on a self-pipe for signals and a wake-up pipe (webhooks, watch
 * events), and runs the pass of the core (sync/pass.h) when the
 * interval has passed (with jitter; exponential back-off after
 * failures), when a webhook announced a push, or shortly after a
 * managed object changed. Around it: the HTTP endpoint's thread
 * (libmicrohttpd), one thread per watch of the cache, the lease's
 * thread, and the pass's own workers.
 *
 * Signals: SIGTERM and SIGINT stop the pass between objects (through the
 * ports' stop question: the objects in flight finish, the inventories
 * of the namespaces begun are recorded) and exit 0; SIGHUP reads the
 * config file again, checks it whole (the file, and the files and
 * kubeconfig it names), and only then swaps, keeping the old
 * configuration on any error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "agent/age_opts.h"
#include "agent/cli.h"
#include "agent/kube_opts.h"
#include "agent/log.h"
#include "agent/run_int.h"
#include "agent/version.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/base/banned.h"

#define SECRET_MAX 4096 /* bytes of the webhook secret file */

static int sig_fd = -1; /* the write end of the self-pipe */
static atomic_int *sig_stopping;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if ((sig == SIGTERM || sig == SIGINT) && sig_stopping)
		atomic_store(sig_stopping, 1);
	if (sig_fd >= 0 && write(sig_fd, &c, 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = saved;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the hooks from other threads into the loop ---- */

static void wake(struct fg_run *r, unsigned what)
{
	char c = 'w';

	atomic_fetch_or(&r->wake, what);
	if (write(r->wake_pipe[1], &c, 1) < 0) {
		/* full: the loop has a wake-up pending */
	}
}

static int stop_asked(void *arg)
{
	struct fg_run *r = arg;

	return atomic_load(&r->stopping) || !fg_run_leader(r);
}

int fg_run_leader(struct fg_run *r)
{
	return !r->lease || fg_lease_leader(r->lease);
}

/* Ready: the leader (or the only replica) after its first successful
 * pass; a standby while it reads the Lease another replica renews. */
static int http_ready(void *arg)
{
	struct fg_run *r = arg;

	return atomic_load(&r->ready) || fg_lease_standby(r->lease);
}

static int http_push(void *arg, enum fg_hook_provider p, const char *ref)
{
	struct fg_run *r = arg;
	int hit = fg_hook_ref_is(ref, r->cfg->ref);

	(void)p;
	for (size_t i = 0; !hit && i < r->cfg->nproposals; i++)
		hit = fg_run_proposal_match(r->cfg->proposals[i], ref);
	if (hit && !fg_run_leader(r))
		fg_lease_ask_fetch(r->lease); /* the leader fetches */
	else if (hit)
		wake(r, FG_WAKE_FETCH);
	return hit;
}

static void on_watch_event(void *arg, const char *type, const json_t *obj)
{
	struct fg_run *r = arg;

	(void)type;
	/* a relist, or an object flink-gitops manages */
	if (!obj || fg_str_is(fg_label(obj, FG_LABEL_MANAGED_BY), FG_MANAGER))
		wake(r, FG_WAKE_WATCH);
}

static struct fg_metrics *hook_metrics;

static void on_watch_restart(void *arg)
{
	(void)arg;
	if (hook_metrics)
		fg_metrics_watch_restart(hook_metrics);
}

static void on_fetch_asked(void *arg)
{
	wake(arg, FG_WAKE_FETCH);
}

static void on_lease(void *arg, int leader)
{
	struct fg_run *r = arg;

	fg_metrics_set(r->metrics, FG_GAUGE_LEADER, leader);
	if (leader)
		wake(r, FG_WAKE_FETCH);
}

/* The client's hooks: the log, as every command has them, and metrics. */
static int hook_secret(const char *value)
{
	return fg_log_secret(value);
}

static void hook_warn(const char *event, const char *message)
{
	FG_LOG_WARN(event, FG_LOG_STR("message", message));
}

static void hook_request(const char *method, const char *path, long status,
			 long ms, unsigned attempt)
{
	int watch = strstr(path, "watch=1") != NULL;

	FG_LOG_DEBUG("kube.request", FG_LOG_STR("method", method),
		     FG_LOG_STR("path", path), FG_LOG_INT("status", status),
		     FG_LOG_INT("ms", ms), FG_LOG_INT("attempt", attempt));
	if (hook_metrics)
		fg_metrics_api_request(hook_metrics, watch ? "WATCH" : method,
				       status);
}

/* ---- setup and teardown ---- */

static int mkdirs(const char *path)
{
	char p[4096];
	size_t n = strlen(path);

	if (n >= sizeof(p))
		return fg_error_set(FG_EINVALID, "%s: path too long", path);
	memcpy(p, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return fg_error_set_errno(FG_ERROR, errno,
						  "cannot create %s", p);
		p[i] = path[i];
	}
	return 0;
}

static int read_secret(struct fg_run *r, const char *path)
{
	struct fg_buf b = FG_BUF_INIT;
	int err;

	fg_buf_init(&b, SECRET_MAX);
	if ((err = fg_buf_read_file(&b, path)) < 0)
		goto done;
	while (b.len && (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r'))
		b.len--;
	if (!b.len) {
		err = fg_error_set(FG_EINVALID, "%s: the secret is empty",
				   path);
		goto done;
	}
	if (!(r->secret = sodium_malloc(b.len + 1))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	memcpy(r->secret, b.ptr, b.len);
	r->secret[b.len] = '\0';
	r->secret_len = b.len;
	fg_log_secret((const char *)r->secret);
done:
	sodium_memzero(b.ptr, b.len);
	fg_buf_release(&b);
	return err;
}

/* This replica's name: HOSTNAME-PID. */
static void identity(char *out, size_t n)
{
	char host[256] = "";

	gethostname(host, sizeof(host) - 1);
	snprintf(out, n, "%s-%ld", host, (long)getpid());
}

/*
 * The client as every command makes it (kubeconfig, context, request
 * timeout), with a user agent that names the agent and this replica, so
 * an audit log tells its requests from a CLI's and one replica's from
 * another's.
 */
static int kube_connect(const struct fg_agent_config *c, struct fg_kube **k)
{
	static const struct fg_kube_hooks hooks = { hook_secret, hook_warn,
						    hook_request };
	struct fg_kube_config_opts co = { 0 };
	struct fg_kube_client_opts opts = FG_KUBE_CLIENT_OPTS_INIT;
	struct fg_kube_config *cfg = NULL;
	char id[300], ua[400];
	int err;

	*k = NULL;
	fg_kube_set_hooks(&hooks);
	co.kubeconfig = c->kubeconfig;
	co.context = c->context;
	if ((err = fg_kube_config_load(&cfg, &co)) < 0)
		return err;
	opts.request_timeout_ms = c->request_timeout_ms;
	if (opts.connect_timeout_ms > c->request_timeout_ms)
		opts.connect_timeout_ms = c->request_timeout_ms;
	if (opts.retry_budget_ms < c->request_timeout_ms)
		opts.retry_budget_ms = c->request_timeout_ms;
	identity(id, sizeof(id));
	snprintf(ua, sizeof(ua), "flink-gitops/%s (run; %s)", FG_VERSION, id);
	opts.user_agent = ua; /* copied by the client */
	FG_LOG_INFO("kube.config",
		    FG_LOG_STR("server", fg_kube_config_server(cfg)),
		    FG_LOG_STR("context", fg_kube_config_context(cfg)),
		    FG_LOG_STR("origin", fg_kube_config_origin(cfg)));
	return fg_kube_new(k, cfg, &opts);
}

static int setup_git(struct fg_run *r)
{
	const struct fg_agent_config *c = r->cfg;
	struct fg_git_opts go;
	struct fg_buf cache = FG_BUF_INIT;
	struct fg_age_opts ao;
	const char *full[FG_GIT_MAX_FETCH_REFS];
	size_t nfull = 0;
	int err;

	memset(&go, 0, sizeof(go));
	memset(&ao, 0, sizeof(ao));
	if ((err = fg_buf_printf(&cache, "%s/git", c->state_dir)) < 0 ||
	    (err = mkdirs(cache.ptr)) < 0)
		goto done;
	go.url = c->url;
	go.cache_dir = cache.ptr;
	go.timeout_ms = (int)c->timeout_ms;
	go.username = c->username;
	go.password_file = c->password_file;
	go.token_file = c->token_file;
	go.ca_file = c->ca_file;
	go.ssh_key_file = c->ssh_key_file;
	go.known_hosts = c->known_hosts;
	if ((err = fg_git_mirror_open(&r->mirror, &go)) < 0)
		goto done;
	for (size_t i = 0; i < c->nproposals && nfull < FG_GIT_MAX_FETCH_REFS;
	     i++)
		if (!strncmp(c->proposals[i], "refs/", 5))
			full[nfull++] = c->proposals[i];
	if ((err = fg_git_mirror_fetch_refs(r->mirror, full, nfull)) < 0)
		goto done;
	if (!strcmp(c->verify, "head") &&
	    (err = fg_allowed_signers_load(&r->signers, c->allowed_signers)) <
		    0)
		goto done;
	for (size_t i = 0; i < c->nage_identities; i++)
		if (fg_age_opts_add(&ao, "run", c->age_identities[i])) {
			err = fg_error_set(FG_EINVALID,
					   "too many age identities");
			goto done;
		}
	err = fg_age_opts_load(&r->age_ids, &ao);
done:
	fg_buf_release(&cache);
	return err;
}

static int setup_cluster(struct fg_run *r)
{
	const struct fg_agent_config *c = r->cfg;
	struct fg_watch_cache_hooks wh = { r, on_watch_event,
					   on_watch_restart };
	struct fg_kube *k = NULL, *tmpl = NULL, *lk = NULL;
	int err;

	if ((err = kube_connect(c, &k)) < 0)
		return err;
	if ((err = fg_kube_clone(&tmpl, k)) < 0 ||
	    (c->le_enabled && (err = fg_kube_clone(&lk, k)) < 0)) {
		fg_kube_free(k);
		fg_kube_free(tmpl);
		return err;
	}
	if ((err = fg_cluster_pool_new(&r->pool, k, (size_t)c->connections)) <
	    0) {
		fg_kube_free(tmpl);
		fg_kube_free(lk);
		return err;
	}
	fg_agent_ports_init(&r->ap, r->pool);
	if ((err = fg_watch_cache_new(&r->cache, tmpl, &r->ap.cluster, &wh)) <
	    0) {
		fg_kube_free(lk);
		return err;
	}
	fg_watch_cache_port(r->cache, &r->cport);
	r->ports.cluster = &r->cport;
	r->ports.clock = &r->ap.clock;
	r->ports.parallel = &r->ap.parallel;
	r->ports.stop = stop_asked;
	r->ports.stop_ctx = r;
	if (c->le_enabled) {
		char id[300];
		struct fg_lease_opts lo;

		identity(id, sizeof(id));
		memset(&lo, 0, sizeof(lo));
		lo.ns = c->le_namespace;
		lo.name = c->le_name;
		lo.identity = c->le_identity ? c->le_identity : id;
		lo.duration_ms = c->le_duration_ms;
		lo.renew_ms = c->le_renew_ms;
		lo.retry_ms = c->le_retry_ms;
		lo.changed = on_lease;
		lo.fetch = on_fetch_asked;
		lo.arg = r;
		if ((err = fg_lease_start(&r->lease, lk, &lo)) < 0)
			return err;
		FG_LOG_INFO("lease.start", FG_LOG_STR("lease", lo.name),
			    FG_LOG_STR("namespace", lo.ns),
			    FG_LOG_STR("identity", lo.identity));
	} else {
		fg_metrics_set(r->metrics, FG_GAUGE_LEADER, 1);
	}
	return 0;
}

static int setup(struct fg_run *r)
{
	const struct fg_agent_config *c = r->cfg;
	struct fg_http_handlers hh;
	int err;

	if ((err = mkdirs(c->state_dir)) < 0 || (err = setup_git(r)) < 0)
		return err;
	if (c->webhook_secret_file &&
	    (err = read_secret(r, c->webhook_secret_file)) < 0)
		return err;
	if ((err = setup_cluster(r)) < 0)
		return err;
	if (*c->listen) {
		memset(&hh, 0, sizeof(hh));
		hh.arg = r;
		hh.ready = http_ready;
		hh.on_push = http_push;
		hh.metrics = r->metrics;
		hh.secret = r->secret;
		hh.secret_len = r->secret_len;
		hh.max_body = (size_t)c->webhook_max_body;
		if ((err = fg_http_start(&r->http, c->listen, &hh)) < 0)
			return err;
		FG_LOG_INFO("http.listening", FG_LOG_STR("listen", c->listen),
			    FG_LOG_INT("port", fg_http_port(r->http)));
	}
	fg_run_load_state(r);
	return 0;
}

static void teardown(struct fg_run *r)
{
	fg_http_stop(r->http);
	r->http = NULL;
	fg_lease_stop(r->lease);
	r->lease = NULL;
	fg_watch_cache_free(r->cache);
	r->cache = NULL;
	fg_cluster_pool_free(r->pool);
	r->pool = NULL;
	memset(&r->ports, 0, sizeof(r->ports));
	fg_git_mirror_free(r->mirror);
	r->mirror = NULL;
	fg_allowed_signers_free(r->signers);
	r->signers = NULL;
	fg_age_identities_free(r->age_ids);
	r->age_ids = NULL;
	if (r->secret) {
		sodium_free(r->secret);
		r->secret = NULL;
		r->secret_len = 0;
	}
	fg_desired_free(r->desired);
	r->desired = NULL;
	r->good[0] = r->head[0] = r->refused[0] = r->noted[0] = '\0';
	free(r->refused_why);
	r->refused_why = NULL;
	json_decref(r->proposals);
	r->proposals = json_object();
	json_decref(r->lineage);
	r->lineage = json_object();
	json_decref(r->status_files);
	r->status_files = json_object();
	json_decref(r->events_sent);
	r->events_sent = json_object();
	r->git_digest[0] = r->git_digest_all[0] = '\0';
	memset(r->git_fingerprint, 0, sizeof(r->git_fingerprint));
	r->git_times_pending = 0;
	r->report_loaded = 0;
}

/* What SIGHUP checks beyond the file: what it names can be used. */
static int check_resources(const struct fg_agent_config *c)
{
	struct fg_kube_config_opts co = { 0 };
	struct fg_kube_config *kc = NULL;
	struct fg_allowed_signers *s = NULL;
	const char *files[] = { c->webhook_secret_file, c->ssh_key_file,
				c->token_file, c->password_file, c->ca_file };
	int err;

	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
		if (files[i] && access(files[i], R_OK) < 0)
			return fg_error_set_errno(FG_EINVALID, errno,
						  "cannot read %s", files[i]);
	for (size_t i = 0; i < c->nage_identities; i++)
		if (access(c->age_identities[i], R_OK) < 0)
			return fg_error_set_errno(FG_EINVALID, errno,
						  "cannot read %s",
						  c->age_identities[i]);
	if (!strcmp(c->verify, "head")) {
		if ((err = fg_allowed_signers_load(&s, c->allowed_signers)) < 0)
			return err;
		fg_allowed_signers_free(s);
	}
	co.kubeconfig = c->kubeconfig;
	co.context = c->context;
	if ((err = fg_kube_config_load(&kc, &co)) < 0)
		return err;
	fg_kube_config_free(kc);
	return 0;
}

static void log_config_errors(const char *event, const struct fg_buf *errors)
{
	const char *p = errors->ptr;

	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[FG_ERROR_MSG_MAX];

		snprintf(line, sizeof(line), "%.*s",
			 nl ? (int)(nl - p) : (int)strlen(p), p);
		FG_LOG_ERROR(event, FG_LOG_STR("message", line));
		p = nl ? nl + 1 : p + strlen(p);
	}
}

static void apply_log_settings(const struct fg_agent_config *c)
{
	enum fg_log_level level = fg_log_threshold;
	enum fg_log_format format = FG_LOG_FORMAT_TEXT;
	int set = 0;

	if (c->log_level && fg_log_parse_level(c->log_level, &level) == 0)
		set = 1;
	if (c->log_format && fg_log_parse_format(c->log_format, &format) == 0)
		set = 1;
	if (set)
		fg_log_setup(level, c->log_format ? format : FG_LOG_FORMAT_TEXT,
			     stderr);
}

static void reload(struct fg_run *r)
{
	struct fg_agent_config *next = NULL, *old;
	struct fg_buf errors = FG_BUF_INIT;

	FG_LOG_INFO("config.reload", FG_LOG_STR("file", r->config_path));
	if (fg_agent_config_load(&next, r->config_path, &errors) < 0) {
		log_config_errors("config.invalid", &errors);
		FG_LOG_ERROR("config.kept", FG_LOG_STR("file", r->config_path),
			     FG_LOG_STR("reason",
					"the new file is invalid; the running "
					"configuration stays"));
		goto done;
	}
	if (check_resources(next) < 0) {
		FG_LOG_ERROR("config.kept", FG_LOG_STR("file", r->config_path),
			     FG_LOG_STR("reason", fg_error_last()));
		fg_agent_config_free(next);
		goto done;
	}
	teardown(r);
	old = r->cfg;
	r->cfg = next;
	if (setup(r) < 0) {
		FG_LOG_ERROR("config.kept", FG_LOG_STR("file", r->config_path),
			     FG_LOG_STR("reason", fg_error_last()));
		teardown(r);
		r->cfg = old;
		fg_agent_config_free(next);
		if (setup(r) < 0) {
			FG_LOG_ERROR("run.failed",
				     FG_LOG_STR("message", fg_error_last()));
			atomic_store(&r->stopping, 1);
		}
		goto done;
	}
	fg_agent_config_free(old);
	apply_log_settings(r->cfg);
	FG_LOG_INFO("config.loaded", FG_LOG_STR("file", r->config_path));
	wake(r, FG_WAKE_FETCH);
done:
	fg_buf_release(&errors);
}

/* ---- the loop ---- */

static long long jittered(long long ms)
{
	/* up to 10% either way */
	long long spread = ms / 10;

	if (spread <= 0)
		return ms;
	return ms - spread +
	       (long long)randombytes_uniform((uint32_t)(2 * spread + 1));
}

static void drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void loop(struct fg_run *r)
{
	long long next_fetch = mono_ms(), pass_due = 0, last_trim = 0;

	while (!atomic_load(&r->stopping)) {
		struct pollfd fds[2] = { { r->sig_pipe[0], POLLIN, 0 },
					 { r->wake_pipe[0], POLLIN, 0 } };
		long long now = mono_ms(), due = next_fetch;
		unsigned w;
		int fetch, err;

		if (pass_due && pass_due < due)
			due = pass_due;
		due -= now;
		if (poll(fds, 2,
			 due < 0       ? 0
			 : due > 60000 ? 60000
				       : (int)due) < 0 &&
		    errno != EINTR)
			break;
		if (fds[0].revents & POLLIN) {
			unsigned char sig[16];
			ssize_t n = read(r->sig_pipe[0], sig, sizeof(sig));
			int hup = 0;

			for (ssize_t i = 0; i < n; i++)
				hup |= sig[i] == SIGHUP;
			if (atomic_load(&r->stopping))
				break;
			if (hup)
				reload(r);
		}
		if (fds[1].revents & POLLIN)
			drain(r->wake_pipe[0]);
		w = atomic_exchange(&r->wake, 0);
		now = mono_ms();
		if (w & FG_WAKE_FETCH)
			next_fetch = now;
		if ((w & FG_WAKE_WATCH) && !pass_due)
			pass_due = now + r->cfg->debounce_ms;
		if (atomic_load(&r->stopping))
			break;
		if (!fg_run_leader(r)) {
			/* a follower writes nothing: no passes at all */
			pass_due = 0;
			if (now >= next_fetch)
				next_fetch = now + r->cfg->interval_ms;
			continue;
		}
		fetch = now >= next_fetch;
		if (!fetch && !(pass_due && now >= pass_due))
			continue;
		pass_due = 0;
		if (fetch)
			next_fetch = now + jittered(r->cfg->interval_ms);
		err = fg_run_pass(r, fetch);
#ifdef M_ARENA_MAX
		/* what passes free stays in the heap's holes: given back to
		   the system now and then (it costs a walk of the heap) */
		if (mono_ms() - last_trim >= FG_RUN_TRIM_MS) {
			malloc_trim(0);
			last_trim = mono_ms();
		}
		{
			struct mallinfo2 mi = mallinfo2();

			FG_LOG_DEBUG(
				"run.heap",
				FG_LOG_INT("in_use_kb", mi.uordblks / 1024),
				FG_LOG_INT("arena_kb", mi.arena / 1024),
				FG_LOG_INT("mmap_kb", mi.hblkhd / 1024));
		}
#endif
		if (err < 0) {
			long long b = FG_RUN_BACKOFF_MIN_MS;

			r->failures++;
			for (int i = 1;
			     i < r->failures && b < r->cfg->backoff_max_ms; i++)
				b *= 2;
			if (b > r->cfg->backoff_max_ms)
				b = r->cfg->backoff_max_ms;
			next_fetch = mono_ms() + jittered(b);
			FG_LOG_WARN(
				"run.backoff",
				FG_LOG_INT("failures", r->failures),
				FG_LOG_INT("next_ms", next_fetch - mono_ms()));
		} else {
			r->failures = 0;
		}
	}
}

static int open_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

static int usage_and_docs(int argc, char **argv, const char **config,
			  int *print)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "config", required_argument, NULL, 'c' },
		{ "config-reference", no_argument, NULL, 'r' },
		{ "config-schema", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	opterr = 0;
	while ((o = getopt_long(argc, argv, "hc:", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			fputs(fg_cmd_find("run")->help, stdout);
			return -1;
		case 'c':
			*config = optarg;
			break;
		case 'r':
		case 's':
			*print = o;
			break;
		case ':':
			return fg_usage_error("run",
					      "option '%s' needs a value",
					      argv[optind - 1]);
		default:
			return fg_usage_error("run", "unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fg_usage_error("run", "unexpected argument '%s'",
				      argv[optind]);
	if (!*print && !*config)
		return fg_usage_error("run", "--config FILE is required");
	return 0;
}

int fg_cmd_run(int argc, char **argv)
{
	struct fg_run r;
	struct fg_buf errors = FG_BUF_INIT;
	struct sigaction sa;
	const char *config = NULL;
	int print = 0, rc;

	if ((rc = usage_and_docs(argc, argv, &config, &print)))
		return rc < 0 ? FG_EXIT_OK : rc;
	if (print) {
		struct fg_buf b = FG_BUF_INIT;

		if (print == 'r')
			fg_agent_config_reference(&b);
		else
			fg_agent_config_schema(&b);
		fwrite(b.ptr, 1, b.len, stdout);
		fg_buf_release(&b);
		return FG_EXIT_OK;
	}
#ifdef M_ARENA_MAX
	/* one malloc arena per thread (watches, workers, HTTP) multiplies
	   the resident size of a long-running agent; two are plenty */
	mallopt(M_ARENA_MAX, FG_RUN_MALLOC_ARENAS);
	/* a fixed threshold (glibc's own moves up to 32 MiB after a large
	   free): LIST answers, status files and JSON texts go to mmap and
	   back to the system when freed, instead of fragmenting the heap */
	mallopt(M_MMAP_THRESHOLD, FG_RUN_MMAP_THRESHOLD);
#endif
	memset(&r, 0, sizeof(r));
	r.config_path = config;
	r.sig_pipe[0] = r.sig_pipe[1] = r.wake_pipe[0] = r.wake_pipe[1] = -1;
	if (fg_agent_config_load(&r.cfg, config, &errors) < 0) {
		fputs(errors.ptr, stderr);
		fg_buf_release(&errors);
		return FG_EXIT_ERROR;
	}
	fg_buf_release(&errors);
	apply_log_settings(r.cfg);
	rc = FG_EXIT_ERROR;
	atomic_init(&r.stopping, 0);
	atomic_init(&r.wake, 0);
	atomic_init(&r.ready, 0);
	fg_buf_init(&r.origin, 4096);
	r.proposals = json_object();
	r.lineage = json_object();
	r.status_files = json_object();
	r.events_sent = json_object();
	if (open_pipe(r.sig_pipe) < 0 || open_pipe(r.wake_pipe) < 0 ||
	    fg_metrics_new(&r.metrics) < 0) {
		fprintf(stderr, "flink-gitops: run: cannot set up: %s\n",
			strerror(errno));
		goto done;
	}
	hook_metrics = r.metrics;
	sig_fd = r.sig_pipe[1];
	sig_stopping = &r.stopping;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	FG_LOG_INFO("run.start", FG_LOG_STR("version", FG_VERSION),
		    FG_LOG_STR("config", config), FG_LOG_STR("url", r.cfg->url),
		    FG_LOG_STR("ref", r.cfg->ref),
		    FG_LOG_STR("path", r.cfg->path));
	if (setup(&r) < 0) {
		fprintf(stderr, "flink-gitops: run: %s\n", fg_error_last());
		FG_LOG_ERROR("run.failed",
			     FG_LOG_STR("message", fg_error_last()));
		goto done;
	}
	loop(&r);
	rc = FG_EXIT_OK;
	FG_LOG_INFO("run.stop", FG_LOG_INT("passes", r.passes));
done:
	sig_fd = -1;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	teardown(&r);
	hook_metrics = NULL;
	fg_kube_set_hooks(NULL);
	fg_metrics_free(r.metrics);
	json_decref(r.proposals);
	json_decref(r.lineage);
	json_decref(r.status_files);
	json_decref(r.events_sent);
	fg_buf_release(&r.origin);
	fg_agent_config_free(r.cfg);
	for (int i = 0; i < 2; i++) {
		if (r.sig_pipe[i] >= 0)
			close(r.sig_pipe[i]);
		if (r.wake_pipe[i] >= 0)
			close(r.wake_pipe[i]);
	}
	return rc;
}
