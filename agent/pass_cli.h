/*
 * What `plan`, `sync` and `drift` share: their options (one parser, the
 * same words for the same things), rendering the repository, connecting
 * the ports of the pass (sync/pass.h) to the cluster, and the exit code
 * of a pass from the one table (agent/cli.h). The commands themselves
 * only choose the cut of the pass and print.
 */
#ifndef FG_AGENT_PASS_CLI_H
#define FG_AGENT_PASS_CLI_H

#include <stddef.h>

#include "agent/cluster_port.h"
#include "agent/kube_opts.h"
#include "agent/render_args.h"
#include "sync/pass.h"

#define FG_CONNECTIONS_DEFAULT 32 /* --connections */
#define FG_PARALLEL_NS_MAX 64	  /* --parallel */
#define FG_WAIT_MAX_S 86400	  /* --wait-timeout, --wait */
#define FG_WAIT_DEFAULT_S 300	  /* --wait without a duration */

enum fg_pass_cmd { FG_CMD_PLAN, FG_CMD_SYNC, FG_CMD_DRIFT };

enum fg_out { FG_OUT_TEXT, FG_OUT_JSON, FG_OUT_MARKDOWN };

struct fg_pass_cli {
	enum fg_pass_cmd cmd;
	const char *name; /* "plan" ... */
	struct fg_render_args r;
	struct fg_kube_cli kc;
	struct fg_pass_opts pass;
	const char *allow_prune[FG_PASS_MAX_ALLOW_PRUNE];
	enum fg_out out;
	const char *base; /* plan --base */
	int self_heal;	  /* drift --self-heal */
	int verbose;	  /* sync -v: each change's field diff */
	int wait;	  /* sync --wait[=DURATION] */
	long long wait_ms;
	const char *save;	/* plan --save FILE */
	const char *plan_file;	/* sync --plan FILE */
	json_t *saved;		/* owned: the plan read from plan_file */
	const char *decided_by; /* an option that decides (-n, ...), as
				   given: --plan takes them from the plan */
	int kube_given;		/* a cluster option was given */
	long connections;	/* --connections */
	/* after fg_pass_cli_connect */
	struct fg_desired *d;
	struct fg_cluster_pool *pool;
	struct fg_agent_ports ap;
	json_t *operator_conf; /* the cluster's, owned, or NULL */
	char *operator_conf_source;
};

/*
 * Parse the options of command `cmd`. 0 to go on; -1 after printing
 * help (exit 0); else the exit code of a usage error already printed.
 */
int fg_pass_cli_parse(struct fg_pass_cli *c, enum fg_pass_cmd cmd, int argc,
		      char **argv);

/*
 * Render the repository into c->d (diagnostics printed). Against a cluster
 * (not plan --base) it connects first and validates with the operator's
 * configuration as the cluster holds it. 0, or -1 after printing why
 * nothing could be rendered.
 */
int fg_pass_cli_render(struct fg_pass_cli *c);

/* Connect to the cluster: c->pool and c->ap. 0, or -1 after printing. */
int fg_pass_cli_connect(struct fg_pass_cli *c);

/*
 * plan --save: write the saved plan of `p` (sync/saved.h) to c->save,
 * with the source and options it was made with. 0, or -1 after printing
 * why not.
 */
int fg_pass_cli_save(const struct fg_pass_cli *c, const struct fg_pass *p);

/*
 * sync --plan: 0 when `p` (decided now) is the saved plan; else print
 * what moved and return -1 (exit 1: nothing may be applied).
 */
int fg_pass_cli_check_saved(const struct fg_pass_cli *c,
			    const struct fg_pass *p);

/* The exit code of pass `p` for c->cmd (NULL: the pass failed). */
int fg_pass_cli_exit(const struct fg_pass_cli *c, const struct fg_pass *p);

void fg_pass_cli_release(struct fg_pass_cli *c);

/*
 * A duration as people write it: 90s, 5m, 1h30m, 500ms, or a bare number
 * of seconds; above 0, at most max_s. 0, or -1 when it is none.
 */
int fg_cli_duration(const char *s, long max_s, long long *ms);

/* Write `text` (NUL-terminated) or `j` to standard output. */
void fg_pass_cli_print_json(const json_t *j);

#endif
