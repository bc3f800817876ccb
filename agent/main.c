/*
 * flink-gitops: a GitOps sync agent for Apache Flink on Kubernetes.
 * main() parses the global options and dispatches to a subcommand.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "agent/cli.h"
#include "agent/log.h"
#include "render/base/error.h"
#include "render/base/banned.h"

int main(int argc, char **argv)
{
	enum fg_log_level level = FG_LOG_LEVEL_INFO;
	enum fg_log_format format = FG_LOG_FORMAT_TEXT;
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const struct fg_cmd *cmd;
	const char *env;
	int c, rc;

	if (sodium_init() < 0) {
		fprintf(stderr, "flink-gitops: cannot initialise libsodium\n");
		return FG_EXIT_ERROR;
	}
	json_object_seed(0);

	if ((env = getenv("FLINK_GITOPS_LOG_LEVEL")) &&
	    fg_log_parse_level(env, &level) < 0)
		return fg_usage_error(NULL, "FLINK_GITOPS_LOG_LEVEL: %s",
				      fg_error_last());

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fg_print_main_help();
			return FG_EXIT_OK;
		case 'V':
			fg_print_version();
			return FG_EXIT_OK;
		case 'l':
			if (fg_log_parse_level(optarg, &level) < 0)
				return fg_usage_error(NULL, "%s",
						      fg_error_last());
			break;
		case 'f':
			if (fg_log_parse_format(optarg, &format) < 0)
				return fg_usage_error(NULL, "%s",
						      fg_error_last());
			break;
		case ':':
			return fg_usage_error(NULL, "option '%s' needs a value",
					      argv[optind - 1]);
		default:
			return fg_usage_error(NULL, "unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	fg_log_setup(level, format, stderr);

	if (optind >= argc) {
		fg_print_main_help();
		return FG_EXIT_USAGE;
	}
	if (!(cmd = fg_cmd_find(argv[optind])))
		return fg_usage_error(NULL, "'%s' is not a command",
				      argv[optind]);

	argc -= optind;
	argv += optind;
	optind = 0; /* let the subcommand run getopt_long afresh */
	rc = cmd->run(argc, argv);
	fg_log_secrets_clear();
	return rc;
}
