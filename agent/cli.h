/*
 * The command line: a table of subcommands in the style of git and
 * kubectl, and the one table of exit codes every command uses (README,
 * "Exit codes"); when several apply, the first of 64, 1, 3, 2, 0 wins:
 *   0   success: valid, applied, nothing to do, no drift
 *   1   an error: invalid repository, a failed object, a wait that ran
 *       out or ended Degraded, a stale saved plan, no cluster or Git
 *   2   plan: changes to make; drift: the cluster differs from Git
 *   3   something was held back by a safety rule (the rest was done)
 *   64  usage error (sysexits' EX_USAGE)
 *
 * Options are spelled as the tools users know spell them: long options
 * in full only (getopt_long's silent abbreviation is refused, so
 * `--out` is never `--output`), a missing value is named, `-n` may be
 * repeated, and an unknown command or option suggests the nearest one.
 */
#ifndef FG_AGENT_CLI_H
#define FG_AGENT_CLI_H

#include <getopt.h>
#include <stddef.h>

#define FG_EXIT_OK 0
#define FG_EXIT_ERROR 1
#define FG_EXIT_CHANGES 2 /* plan: changes; drift: differs from Git */
#define FG_EXIT_BLOCKED 3 /* something held back by a safety rule */
#define FG_EXIT_USAGE 64

struct fg_cmd {
	const char *name;
	const char *summary; /* one line, lowercase, no period */
	const char *help;    /* full text for `help NAME` and `NAME --help` */
	int (*run)(int argc, char **argv);
};

/* The table, ending with a zeroed entry. */
extern const struct fg_cmd fg_commands[];

const struct fg_cmd *fg_cmd_find(const char *name);

/* "'NAME' is not a command", with the nearest command if one is close;
 * FG_EXIT_USAGE. `cmd` as for fg_usage_error. */
int fg_cmd_unknown(const char *cmd, const char *name);

/* Print "flink-gitops: MESSAGE" plus a hint on stderr; returns
 * FG_EXIT_USAGE. */
int fg_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* -n given on one command line, at most. */
#define FG_CLI_MAX_NAMESPACES 256

/*
 * The candidate nearest to `word` (a unique one `word` is a prefix of,
 * else the closest by edit distance, if close enough), or NULL.
 */
const char *fg_cli_nearest(const char *word, const char *const *cands,
			   size_t n);

/*
 * Check argv[1..argc) against a command's options before getopt_long
 * sees them: every long option spelled in full (no abbreviation), known,
 * and given a value only when it takes one. 0, or FG_EXIT_USAGE after
 * printing the error (with the nearest option, if any).
 */
int fg_cli_check_options(const char *cmd, int argc, char **argv,
			 const char *shortopts, const struct option *opts);

/*
 * The usage error of getopt's ':' (a missing value) or '?' (unknown) for
 * the option just read; always FG_EXIT_USAGE.
 */
int fg_cli_getopt_error(const char *cmd, int c, char **argv);

/*
 * -n NS: append `arg` to `list` (at most FG_CLI_MAX_NAMESPACES, *n of
 * them), once. 0, or FG_EXIT_USAGE after printing why not (empty, an
 * option given where the name belongs, too many).
 */
int fg_cli_add_namespace(const char *cmd, const char *arg, const char **list,
			 size_t *n);

int fg_cmd_scan(int argc, char **argv);
int fg_cmd_validate(int argc, char **argv);
int fg_cmd_render(int argc, char **argv);
int fg_cmd_check(int argc, char **argv);
int fg_cmd_sync(int argc, char **argv);
int fg_cmd_plan(int argc, char **argv);
int fg_cmd_drift(int argc, char **argv);
int fg_cmd_secret(int argc, char **argv);
int fg_cmd_run(int argc, char **argv);
int fg_cmd_version(int argc, char **argv);
int fg_cmd_help(int argc, char **argv);

void fg_print_version(void);
void fg_print_main_help(void);

#endif
