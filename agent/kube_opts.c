/*
 * The shared cluster options and the glue between the Kubernetes client
 * and the log (see kube_opts.h).
 */
#include <stdlib.h>
#include <string.h>

#include "agent/cli.h"
#include "agent/kube_opts.h"
#include "agent/log.h"
#include "agent/version.h"
#include "render/base/error.h"
#include "render/base/banned.h"

int fg_kube_cli_option(struct fg_kube_cli *kc, const char *cmd, int c,
		       const char *arg)
{
	char *end;
	double s;

	switch (c) {
	case FG_OPT_KUBECONFIG:
		if (!*arg) {
			fg_usage_error(cmd, "--kubeconfig needs a file");
			return FG_EXIT_USAGE;
		}
		kc->kubeconfig = arg;
		return 1;
	case FG_OPT_CONTEXT:
		if (!*arg) {
			fg_usage_error(cmd, "--context needs a name");
			return FG_EXIT_USAGE;
		}
		kc->context = arg;
		return 1;
	case FG_OPT_REQUEST_TIMEOUT:
		s = strtod(arg, &end);
		if (end == arg || *end || !(s > 0) || s > 86400) {
			fg_usage_error(cmd,
				       "--request-timeout: '%s' is not a "
				       "number of seconds",
				       arg);
			return FG_EXIT_USAGE;
		}
		kc->request_timeout_ms = (long)(s * 1000);
		return 1;
	default:
		return 0;
	}
}

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
	FG_LOG_DEBUG("kube.request", FG_LOG_STR("method", method),
		     FG_LOG_STR("path", path), FG_LOG_INT("status", status),
		     FG_LOG_INT("ms", ms), FG_LOG_INT("attempt", attempt));
}

void fg_kube_cli_hooks(void)
{
	static const struct fg_kube_hooks hooks = { hook_secret, hook_warn,
						    hook_request };

	fg_kube_set_hooks(&hooks);
}

int fg_kube_cli_connect(const struct fg_kube_cli *kc, struct fg_kube **out)
{
	struct fg_kube_config_opts co = { 0 };
	struct fg_kube_client_opts opts = FG_KUBE_CLIENT_OPTS_INIT;
	struct fg_kube_config *cfg = NULL;
	int err;

	*out = NULL;
	fg_kube_cli_hooks();
	co.kubeconfig = kc->kubeconfig;
	co.context = kc->context;
	if ((err = fg_kube_config_load(&cfg, &co)) < 0)
		return err;
	if (kc->request_timeout_ms > 0) {
		opts.request_timeout_ms = kc->request_timeout_ms;
		if (opts.connect_timeout_ms > kc->request_timeout_ms)
			opts.connect_timeout_ms = kc->request_timeout_ms;
		if (opts.retry_budget_ms < kc->request_timeout_ms)
			opts.retry_budget_ms = kc->request_timeout_ms;
	}
	opts.user_agent = "flink-gitops/" FG_VERSION;
	FG_LOG_DEBUG("kube.config",
		     FG_LOG_STR("server", fg_kube_config_server(cfg)),
		     FG_LOG_STR("context", fg_kube_config_context(cfg)),
		     FG_LOG_STR("origin", fg_kube_config_origin(cfg)));
	return fg_kube_new(out, cfg, &opts);
}
