/*
 * flink-gitops: a GitOps sync agent for Apache Flink on Kubernetes.
 * main() parses the global options and dispatches to a subcommand.
 *
 * The global options (--log-level, --log-format) may come before or
 * after the command, as kubectl's do. A command prints its result once:
 * log lines go to standard error from warnings up unless --log-level
 * (or FLINK_GITOPS_LOG_LEVEL) asks for more; a daemon keeps info.
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

/* The default threshold: what a command line shows. */
#define LOG_LEVEL_DEFAULT FG_LOG_LEVEL_WARN

static int log_option(const char *name, const char *value,
		      enum fg_log_level *level, enum fg_log_format *format)
{
	if (!value)
		return fg_usage_error(NULL, "option '--%s' needs a value",
				      name);
	if (!strcmp(name, "log-level") ? fg_log_parse_level(value, level) < 0
				       : fg_log_parse_format(value, format) < 0)
		return fg_usage_error(NULL, "%s", fg_error_last());
	return 0;
}

/*
 * Take --log-level and --log-format out of a command's arguments
 * (argv[1..*argc), until "--"), so each command parses only its own.
 */
static int take_globals(int *argc, char **argv, enum fg_log_level *level,
			enum fg_log_format *format)
{
	static const char *const names[] = { "log-level", "log-format" };
	int i = 1, out = 1, rc;

	for (; i < *argc; i++) {
		const char *a = argv[i];
		size_t k, len;

		if (!strcmp(a, "--"))
			break;
		for (k = 0; k < 2; k++) {
			len = strlen(names[k]);
			if (!strncmp(a, "--", 2) &&
			    !strncmp(a + 2, names[k], len) &&
			    (a[2 + len] == '\0' || a[2 + len] == '='))
				break;
		}
		if (k == 2) {
			argv[out++] = argv[i];
			continue;
		}
		len = strlen(names[k]);
		if (a[2 + len] == '=')
			rc = log_option(names[k], a + 3 + len, level, format);
		else
			rc = log_option(names[k],
					i + 1 < *argc ? argv[++i] : NULL, level,
					format);
		if (rc)
			return rc;
	}
	for (; i < *argc; i++)
		argv[out++] = argv[i];
	argv[out] = NULL;
	*argc = out;
	return 0;
}

/* Where the command is: the first argument that is no global option
 * or its value. */
static int command_index(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++)
		if ((!strcmp(argv[i], "--log-level") ||
		     !strcmp(argv[i], "--log-format")) &&
		    i + 1 < argc)
			i++;
	return i;
}

int main(int argc, char **argv)
{
	enum fg_log_level level = LOG_LEVEL_DEFAULT;
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
	if ((rc = fg_cli_check_options(NULL, command_index(argc, argv), argv,
				       "hV", opts)))
		return rc;
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
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
		return fg_cmd_unknown(NULL, argv[optind]);

	argc -= optind;
	argv += optind;
	if ((rc = take_globals(&argc, argv, &level, &format)))
		return rc;
	fg_log_setup(level, format, stderr);
	optind = 0; /* let the subcommand run getopt_long afresh */
	rc = cmd->run(argc, argv);
	fg_log_secrets_clear();
	return rc;
}
