/*
 * The options every command that talks to a cluster takes, parsed in one
 * place: --kubeconfig FILE, --context NAME, --request-timeout SECONDS.
 *
 *   static const struct option opts[] = { FG_KUBE_CLI_OPTIONS, ... };
 *   ...
 *   default:
 *       if ((rc = fg_kube_cli_option(&kc, c, optarg)) != 0) ...
 *
 * fg_kube_cli_connect() then loads the configuration, installs the log
 * hooks (secrets registered, warnings and requests logged) and makes the
 * client with the flink-gitops user agent.
 */
#ifndef FG_AGENT_KUBE_OPTS_H
#define FG_AGENT_KUBE_OPTS_H

#include <getopt.h>

#include "agent/kube/kube.h"

/* getopt_long values of the shared options (outside the char range). */
enum {
	FG_OPT_KUBECONFIG = 0x4b00,
	FG_OPT_CONTEXT,
	FG_OPT_REQUEST_TIMEOUT,
};

#define FG_KUBE_CLI_OPTIONS                                             \
	{ "kubeconfig", required_argument, NULL, FG_OPT_KUBECONFIG },   \
		{ "context", required_argument, NULL, FG_OPT_CONTEXT }, \
	{                                                               \
		"request-timeout", required_argument, NULL,             \
			FG_OPT_REQUEST_TIMEOUT                          \
	}

/* The help lines for these options, to paste into a command's help. */
#define FG_KUBE_CLI_HELP                                                      \
	"  --kubeconfig FILE   the kubeconfig to use (default: KUBECONFIG,\n" \
	"                      else ~/.kube/config, else in-cluster)\n"       \
	"  --context NAME      the kubeconfig context (default: its\n"        \
	"                      current-context)\n"                            \
	"  --request-timeout S seconds one request may take (default 30)\n"

struct fg_kube_cli {
	const char *kubeconfig;
	const char *context;
	long request_timeout_ms; /* 0: the client's default */
};

/*
 * Handle option `c` with value `arg`: 1 when it was one of the shared
 * options, 0 when not, FG_EXIT_USAGE (after printing the error) when its
 * value is bad.
 */
int fg_kube_cli_option(struct fg_kube_cli *kc, const char *cmd, int c,
		       const char *arg);

/* Install the hooks that connect the client to the log. */
void fg_kube_cli_hooks(void);

/*
 * Load the configuration and make a client. On failure returns the
 * FG_E* code with the message in fg_error_last().
 */
int fg_kube_cli_connect(const struct fg_kube_cli *kc, struct fg_kube **out);

#endif
