/*
 * The command line: a table of subcommands in the style of git and
 * kubectl. Exit codes are the same for every command:
 *   0  success (for validate-like commands: the input is valid)
 *   1  the command ran and found problems
 *   2  usage error or internal error
 */
#ifndef FG_AGENT_CLI_H
#define FG_AGENT_CLI_H

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

/* Print "flink-gitops: MESSAGE" plus a hint on stderr; returns
 * FG_EXIT_USAGE. */
int fg_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

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
