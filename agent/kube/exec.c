/*
 * Exec credential plugins (client.authentication.k8s.io v1 and v1beta1),
 * as EKS, GKE and AKS kubeconfigs use them: run the command without a
 * terminal, read one ExecCredential from its standard output (bounded, and
 * within FG_KUBE_EXEC_TIMEOUT_MS), keep the token or client key in wiped
 * memory until expirationTimestamp.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "render/base/json.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "agent/kube/kube_int.h"
#include "render/base/banned.h"

extern char **environ;

#define EXEC_MAX_STDERR ((size_t)64 << 10)

/* environ without the names `x->env` sets, then x->env, then `info`. */
static char **build_env(const struct kube_exec *x, char *info)
{
	size_t n = 0, m = 0, i, j, k = 0;
	char **envp;

	while (environ[n])
		n++;
	while (x->env && x->env[m])
		m++;
	if (!(envp = calloc(n + m + 2, sizeof(*envp))))
		return NULL;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len =
			eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		int skip = !strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21);

		for (j = 0; j < m && !skip; j++)
			skip = !strncmp(x->env[j], environ[i], len) &&
			       x->env[j][len] == '=';
		if (!skip)
			envp[k++] = environ[i];
	}
	for (j = 0; j < m; j++)
		envp[k++] = x->env[j];
	envp[k++] = info;
	envp[k] = NULL;
	return envp;
}

static char *exec_info(const struct fg_kube_config *cfg)
{
	const struct kube_exec *x = cfg->exec;
	json_t *spec = json_pack("{s:b}", "interactive", 0);
	json_t *info;
	char *s = NULL, *dumped;

	if (!spec)
		return NULL;
	if (x->provide_cluster_info) {
		json_t *cl = json_pack("{s:s}", "server", cfg->server);

		if (cl && cfg->ca_pem) {
			size_t n = sodium_base64_encoded_len(
				cfg->ca_len, sodium_base64_VARIANT_ORIGINAL);
			char *b = malloc(n);

			if (b) {
				sodium_bin2base64(
					b, n,
					(const unsigned char *)cfg->ca_pem,
					cfg->ca_len,
					sodium_base64_VARIANT_ORIGINAL);
				json_object_set_new(
					cl, "certificate-authority-data",
					json_string(b));
				free(b);
			}
		}
		if (cl && cfg->tls_server_name)
			json_object_set_new(cl, "tls-server-name",
					    json_string(cfg->tls_server_name));
		if (cl && cfg->insecure)
			json_object_set_new(cl, "insecure-skip-tls-verify",
					    json_true());
		json_object_set_new(spec, "cluster", cl);
	}
	info = json_pack("{s:s,s:s,s:o}", "apiVersion", x->api_version, "kind",
			 "ExecCredential", "spec", spec);
	if (!info)
		return NULL;
	dumped = fg_json_dumps(info, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(info);
	if (dumped) {
		struct fg_buf b = FG_BUF_INIT;

		if (fg_buf_printf(&b, "KUBERNETES_EXEC_INFO=%s", dumped) == 0)
			s = fg_buf_detach(&b, NULL);
		fg_buf_release(&b);
		free(dumped);
	}
	return s;
}

/* The last non-empty line of the plugin's stderr, shortened. */
static void last_line(const struct fg_buf *err, char *out, size_t n)
{
	size_t end = err->len, start;

	while (end && (err->ptr[end - 1] == '\n' || err->ptr[end - 1] == '\r' ||
		       err->ptr[end - 1] == ' '))
		end--;
	start = end;
	while (start && err->ptr[start - 1] != '\n')
		start--;
	if (end - start > 300)
		end = start + 300;
	snprintf(out, n, "%.*s", (int)(end - start), err->ptr + start);
}

static int drain(int fd, struct fg_buf *b, int *open_, int *overflow)
{
	char chunk[4096];
	ssize_t r = read(fd, chunk, sizeof(chunk));

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) {
		*open_ = 0;
		return 0;
	}
	if (b->len + (size_t)r > b->max) {
		*overflow = 1;
		return 0;
	}
	return fg_buf_add(b, chunk, (size_t)r);
}

/* Run the plugin; its stdout in `out`, stderr in `errb`. */
static int run_plugin(const struct fg_kube_config *cfg, struct fg_buf *out,
		      struct fg_buf *errb)
{
	const struct kube_exec *x = cfg->exec;
	posix_spawn_file_actions_t fa;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	int out_open = 1, err_open = 1, overflow = 0, status = 0, err = 0;
	char *info = exec_info(cfg), **envp = NULL;
	long long deadline = kube_now_ms() + FG_KUBE_EXEC_TIMEOUT_MS;
	pid_t pid = -1;
	int rc, fa_ok = 0;

	if (!info || !(envp = build_env(x, info))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (pipe(po) < 0 || pipe(pe) < 0) {
		err = fg_error_set_errno(FG_ERROR, errno,
					 "%s: cannot make a "
					 "pipe",
					 x->where);
		goto done;
	}
	fcntl(po[0], F_SETFD, FD_CLOEXEC);
	fcntl(pe[0], F_SETFD, FD_CLOEXEC);
	if (posix_spawn_file_actions_init(&fa) != 0) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	fa_ok = 1;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addclose(&fa, po[0]);
	posix_spawn_file_actions_addclose(&fa, pe[0]);
	rc = posix_spawnp(&pid, x->command, &fa, NULL, x->argv, envp);
	if (rc != 0) {
		pid = -1;
		err = fg_error_set_errno(FG_EAUTH, rc,
					 "%s: cannot run command '%s'",
					 x->where, x->command);
		goto done;
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	while ((out_open || err_open) && !overflow && err == 0) {
		struct pollfd p[2] = { { po[0], POLLIN, 0 },
				       { pe[0], POLLIN, 0 } };
		long long left = deadline - kube_now_ms();

		if (left <= 0) {
			err = fg_error_set(FG_ETIMEOUT,
					   "%s: command '%s' did not finish "
					   "within %d s",
					   x->where, x->command,
					   FG_KUBE_EXEC_TIMEOUT_MS / 1000);
			break;
		}
		p[0].fd = out_open ? po[0] : -1;
		p[1].fd = err_open ? pe[0] : -1;
		if (poll(p, 2, (int)(left > 1000 ? 1000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			err = fg_error_set_errno(FG_ERROR, errno, "poll");
			break;
		}
		if (out_open && p[0].revents)
			err = drain(po[0], out, &out_open, &overflow);
		if (!err && err_open && p[1].revents) {
			int dummy = 0;

			err = drain(pe[0], errb, &err_open, &dummy);
		}
	}
	if (overflow && !err)
		err = fg_error_set(FG_EINVALID,
				   "%s: command '%s' printed more than %zu "
				   "bytes",
				   x->where, x->command, out->max);
	if (err)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (err)
		goto done;
	if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0) {
		char line[320];

		last_line(errb, line, sizeof(line));
		if (WIFSIGNALED(status))
			err = fg_error_set(FG_EAUTH,
					   "%s: command '%s' was killed by "
					   "signal %d%s%s",
					   x->where, x->command,
					   WTERMSIG(status), *line ? ": " : "",
					   line);
		else if (WEXITSTATUS(status) == 127)
			err = fg_error_set(
				FG_EAUTH, "%s: command '%s' not found%s%s",
				x->where, x->command, *line ? ": " : "", line);
		else
			err = fg_error_set(FG_EAUTH,
					   "%s: command '%s' failed with exit "
					   "status %d%s%s",
					   x->where, x->command,
					   WEXITSTATUS(status),
					   *line ? ": " : "", line);
	}
done:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (po[0] >= 0)
		close(po[0]);
	if (po[1] >= 0)
		close(po[1]);
	if (pe[0] >= 0)
		close(pe[0]);
	if (pe[1] >= 0)
		close(pe[1]);
	free(envp);
	free(info);
	return err;
}

/* Wipe every string of a parsed credential before jansson frees it. */
static void wipe_json(json_t *v)
{
	const char *k;
	json_t *it;
	size_t i;

	if (json_is_string(v))
		kube_wipe_str(json_string_value(v), json_string_length(v));
	else if (json_is_object(v))
		json_object_foreach (v, k, it)
			wipe_json(it);
	else if (json_is_array(v))
		json_array_foreach (v, i, it)
			wipe_json(it);
}

static int take_credential(struct fg_kube_config *cfg, json_t *doc)
{
	const struct kube_exec *x = cfg->exec;
	json_t *st = json_object_get(doc, "status");
	const char *api = json_string_value(json_object_get(doc, "apiVersion"));
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	json_t *tok = json_object_get(st, "token");
	json_t *cert = json_object_get(st, "clientCertificateData");
	json_t *key = json_object_get(st, "clientKeyData");
	const char *exp =
		json_string_value(json_object_get(st, "expirationTimestamp"));
	int err;

	if (!kind || strcmp(kind, "ExecCredential"))
		return fg_error_set(FG_EAUTH,
				    "%s: the output of '%s' is not an "
				    "ExecCredential",
				    x->where, x->command);
	/* no value of the output is quoted: a plugin's output is its
	   secret, and a field may hold what another should */
	if (!api || strcmp(api, x->api_version))
		return fg_error_set(FG_EAUTH,
				    "%s: the ExecCredential of '%s' is not of "
				    "apiVersion %s (the kubeconfig's)",
				    x->where, x->command, x->api_version);
	if (!json_is_object(st))
		return fg_error_set(FG_EAUTH,
				    "%s: the ExecCredential of '%s' has no "
				    "status",
				    x->where, x->command);
	if (!json_is_string(tok) &&
	    !(json_is_string(cert) && json_is_string(key)))
		return fg_error_set(FG_EAUTH,
				    "%s: the ExecCredential of '%s' has "
				    "neither status.token nor "
				    "status.clientCertificateData and "
				    "clientKeyData",
				    x->where, x->command);
	cfg->cred_expiry = 0;
	if (exp) {
		long long t = fg_kube_parse_time(exp);

		if (t < 0)
			return fg_error_set(FG_EAUTH,
					    "%s: status.expirationTimestamp "
					    "of '%s' is not an RFC 3339 time",
					    x->where, x->command);
		cfg->cred_expiry = (time_t)t;
	}
	kube_secret_free(&cfg->cred_token);
	kube_secret_free(&cfg->cred_key);
	free(cfg->cred_cert);
	cfg->cred_cert = NULL;
	if (json_is_string(tok)) {
		if ((err = kube_secret_set(&cfg->cred_token,
					   json_string_value(tok),
					   json_string_length(tok))) < 0)
			return err;
		kube_hook_secret(cfg->cred_token.p);
	}
	if (json_is_string(cert) && json_is_string(key)) {
		if (!(cfg->cred_cert = strdup(json_string_value(cert))))
			return fg_error_set(FG_ERROR, "out of memory");
		cfg->cred_cert_len = json_string_length(cert);
		if ((err = kube_secret_set(&cfg->cred_key,
					   json_string_value(key),
					   json_string_length(key))) < 0)
			return err;
	}
	cfg->have_cred = 1;
	return 0;
}

int fg_kube_exec_output(struct fg_kube_config *cfg, const char *out, size_t len)
{
	const struct kube_exec *x = cfg->exec;
	json_t *doc;
	json_error_t jerr;
	int err;

	if ((err = fg_json_loadb(&doc, out, len, JSON_REJECT_DUPLICATES,
				 &jerr)) < 0 &&
	    err != FG_EINVALID)
		return err; /* memory */
	if (!doc)
		/* jerr.text may quote the output: say only where it broke */
		return fg_error_set(FG_EAUTH,
				    "%s: the output of '%s' is not JSON (line "
				    "%d, column %d)",
				    x->where, x->command, jerr.line,
				    jerr.column);
	err = take_credential(cfg, doc);
	wipe_json(doc);
	json_decref(doc);
	return err;
}

int kube_exec_credentials(struct fg_kube_config *cfg, int force)
{
	struct fg_buf out = FG_BUF_INIT, errb = FG_BUF_INIT;
	const struct kube_exec *x = cfg->exec;
	int err;

	if (!x)
		return 0;
	if (!force && cfg->have_cred &&
	    (!cfg->cred_expiry || time(NULL) + 10 < cfg->cred_expiry))
		return 0;
	fg_buf_init(&out, FG_KUBE_MAX_EXEC_OUTPUT);
	fg_buf_init(&errb, EXEC_MAX_STDERR);
	if ((err = run_plugin(cfg, &out, &errb)) == 0)
		err = fg_kube_exec_output(cfg, out.ptr, out.len);
	sodium_memzero(out.ptr, out.len);
	fg_buf_release(&out);
	fg_buf_release(&errb);
	return err;
}
