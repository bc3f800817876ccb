#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <sodium.h>
#include <yaml.h>

#include "agent/age_opts.h"
#include "agent/cli.h"
#include "agent/git/git.h"
#include "agent/kube_opts.h"
#include "agent/version.h"
#include "render/crd.h"
#include "render/base/banned.h"

const struct fg_cmd fg_commands[] = {
	{ "validate", "check a repository offline: YAML, layout, schema, rules",
	  "usage: flink-gitops validate [DIR] [--path SUB] [-n NS]\n"
	  "                             [--crd-version V] [-o text|json]\n"
	  "\n"
	  "Render the repository in DIR (default: the current folder) as the\n"
	  "agent would, and report every problem at once as\n"
	  "FILE:LINE:COL: error: KIND NAMESPACE/NAME: FIELD: MESSAGE.\n"
	  "Checks: YAML, repository layout and config files, kinds and\n"
	  "namespaces, variables, the operator's CRD schema (unknown fields\n"
	  "are errors) and the operator's own validation rules.\n"
	  "\n"
	  "options:\n"
	  "  --path SUB          the repository lives in folder SUB of DIR\n"
	  "  -n, --namespace NS  check this namespace only (repeat for more)\n"
	  "  --crd-version V     operator release to validate against\n"
	  "                      (default: crdVersion of flink-gitops.yaml,\n"
	  "                      else " FG_CRD_DEFAULT_VERSION ")\n"
	  "  -o, --output FMT    text (default) or json\n" FG_AGE_CLI_HELP
		  FG_GIT_CLI_HELP "\n"
	  "exit status: 0 valid, 1 invalid (or an error), 64 usage error\n",
	  fg_cmd_validate },
	{ "render", "print the objects exactly as they would be applied",
	  "usage: flink-gitops render [DIR] [--path SUB] [-n NS]\n"
	  "                           [--crd-version V] [-o yaml|json]\n"
	  "\n"
	  "Render the repository in DIR and print every object as it will be\n"
	  "applied: defaults merged, flinkConfiguration flattened, variables\n"
	  "substituted, labels and annotations added. YAML documents "
	  "(default)\n"
	  "or one JSON List. Problems go to standard error, as with validate;\n"
	  "a namespace with errors is left out, the others are printed.\n"
	  "The values of Secrets are printed as redaction markers\n"
	  "(<redacted hmac-sha256:...>), equal exactly when the values are.\n"
	  "\n"
	  "options: as for validate, with -o yaml|json\n"
	  "\n"
	  "exit status: 0 no problems, 1 some namespace has errors (or an\n"
	  "error), 64 usage error\n",
	  fg_cmd_render },
	{ "plan",
	  "show what a sync would do to Flink jobs, against the cluster or "
	  "offline",
	  "usage: flink-gitops plan [DIR | --repo URL --ref REF] [--path SUB]\n"
	  "                         [-n NS]... [--kubeconfig F] [--context C]\n"
	  "                         [--allow-delete] [--allow-prune-namespace "
	  "NS]\n"
	  "                         [--create-namespace] [--no-prune]\n"
	  "                         [--repository NAME] [--save FILE]\n"
	  "                         [-o text|json|markdown]\n"
	  "       flink-gitops plan --base REF --repo URL [--ref REF] ...\n"
	  "\n"
	  "The pass sync runs, decided and printed: per namespace and object,\n"
	  "create, update (what Git changed, and drift sync takes back),\n"
	  "delete (what flink-gitops applied and Git no longer has) or\n"
	  "BLOCKED, what it does to the Flink job (\"restarts from a\n"
	  "savepoint\", \"rescales in place to 8\"), read from the live "
	  "objects\n"
	  "and their status, and the field changes. Nothing is written.\n"
	  "\n"
	  "With --base (branch, tag or commit of the --repo repository) the\n"
	  "head is planned offline against the base revision, for CI jobs\n"
	  "that cannot reach the cluster: each base object stands in for\n"
	  "the live one and, without status, a job is taken to run as its\n"
	  "spec says. For a local clone use --repo file://$PWD --ref HEAD.\n"
	  "The state-safety policy applies as in sync (see\n"
	  "repo-layout/README.md, Policy).\n"
	  "\n"
	  "options:\n"
	  "  --base REF          plan offline against this revision\n"
	  "  --path SUB          the repository lives in folder SUB\n"
	  "  -n, --namespace NS  plan this namespace only (repeat for more)\n"
	  "  --allow-delete, --allow-prune-namespace NS, --create-namespace,\n"
	  "  --no-prune          plan as sync with these options would do\n"
	  "  --save FILE         record the plan (commit, resourceVersions,\n"
	  "                      decisions) for sync --plan FILE\n"

	  "  --repository NAME   the repository's name (default: name: of\n"
	  "                      flink-gitops.yaml, else default)\n"
	  "  -o, --output FMT    text (default), json, or markdown (a pull\n"
	  "                      request comment)\n" FG_AGE_CLI_HELP
		  FG_KUBE_CLI_HELP FG_GIT_CLI_HELP "\n"
	  "exit status: 0 no changes, 2 changes, 3 something blocked,\n"
	  "1 error, 64 usage error\n",
	  fg_cmd_plan },
	{ "sync", "make the cluster match Git, prune what left it",
	  "usage: flink-gitops sync [DIR | --repo URL --ref REF] [--path SUB]\n"
	  "                         [-n NS]... [--dry-run] [--allow-delete]\n"
	  "                         [--allow-prune-namespace NS]...\n"
	  "                         [--create-namespace] [--no-prune]\n"
	  "                         [--wait[=DURATION]] [--plan FILE]\n"
	  "                         [--parallel N] [--connections N]\n"
	  "                         [--wait-timeout S] [--repository NAME]\n"
	  "                         [-v] [-o text|json]\n"
	  "\n"
	  "The pass plan shows, executed: create what is missing, update\n"
	  "what Git changed, take back fields someone else changed (drift),\n"
	  "in order (supporting kinds, session clusters, application\n"
	  "clusters, session jobs), and delete in reverse order what\n"
	  "flink-gitops applied earlier (its inventory) and Git no longer "
	  "has.\n"
	  "Every change is classified as the operator will act on it and\n"
	  "checked by the state-safety policy (policy: in Git, annotation\n"
	  "flink-gitops.io/policy); a blocked change is reported with its\n"
	  "reason and the rest goes ahead. A namespace with render errors is\n"
	  "not touched.\n"
	  "\n"
	  "options:\n"
	  "  --path SUB          the repository lives in folder SUB of DIR\n"
	  "  -n, --namespace NS  sync this namespace only (repeat for more)\n"
	  "  --dry-run           send every write with dryRun=All\n"
	  "  --allow-delete      this run only: policy delete: allow for\n"
	  "                      every object (running jobs are deleted and\n"
	  "                      their checkpoint history with them)\n"
	  "  --allow-prune-namespace NS\n"
	  "                      this run only: policy prune: true for NS\n"
	  "  --create-namespace  this run only: policy createNamespace: true\n"
	  "                      (create a namespace the cluster lacks)\n"
	  "  --no-prune          apply, and delete nothing\n"
	  "  --wait[=DURATION]   then wait until every changed Flink object\n"
	  "                      is healthy (STABLE, job RUNNING; SUSPENDED\n"
	  "                      when Git suspends it), printing progress;\n"
	  "                      exit 1 when one ends Degraded or DURATION\n"
	  "                      (90s, 5m, 1h; default 5m) passes\n"

	  "  --plan FILE         apply exactly the plan plan --save wrote "
	  "(its\n"
	  "                      source and options), or refuse, naming\n"
	  "                      what moved since (exit 1)\n"
	  "  -v, --verbose       print each change's field diff\n"
	  "  --parallel N        namespaces synced at once (default 8)\n"
	  "  --connections N     connections to the API server at most\n"
	  "                      (default 32); the writes of one rank go at\n"
	  "                      once over them\n"
	  "  --wait-timeout S    bound of each wait: session jobs gone,\n"
	  "                      suspend-first (default 300)\n"
	  "  --repository NAME   the repository's name (default: name: of\n"
	  "                      flink-gitops.yaml, else default)\n"
	  "  -o, --output FMT    text (default) or json\n" FG_AGE_CLI_HELP
		  FG_KUBE_CLI_HELP FG_GIT_CLI_HELP "\n"
	  "exit status: 0 all done, 1 an error (render, cluster, an object,\n"
	  "a wait, Degraded after --wait, a stale --plan), 3 something\n"
	  "blocked, the rest done, 64 usage error\n",
	  fg_cmd_sync },
	{ "drift",
	  "report where the cluster differs from Git, and who changed it",
	  "usage: flink-gitops drift [DIR | --repo URL --ref REF] [--path "
	  "SUB]\n"
	  "                          [-n NS] [--self-heal [--dry-run]]\n"
	  "                          [--repository NAME] [-o text|json]\n"
	  "\n"
	  "The pass sync runs, read for drift: each field someone else\n"
	  "changed, with Git's and the cluster's value and the field manager\n"
	  "that set it, and when (managedFields); objects Git wants that are\n"
	  "missing; objects flink-gitops applied that Git no longer has;\n"
	  "objects Git changed since they were applied; Flink deployments the\n"
	  "operator rolled back; and for each, what sync would do about it.\n"
	  "What the API server only defaults, fields the operator owns (the\n"
	  "target.session label of session jobs) and taskManager.replicas\n"
	  "under an HPA are not drift.\n"
	  "\n"
	  "options:\n"
	  "  --path SUB          the repository lives in folder SUB of DIR\n"
	  "  -n, --namespace NS  check this namespace only (repeat for more)\n"
	  "  --self-heal         take drifted fields back, classified and\n"
	  "                      policed like any write (never a nonce: it\n"
	  "                      would fire again); Git's own changes are\n"
	  "                      left to sync\n"
	  "  --dry-run           with --self-heal: dryRun=All, nothing "
	  "changes\n"
	  "  -o, --output FMT    text (default) or json\n" FG_AGE_CLI_HELP
		  FG_KUBE_CLI_HELP FG_GIT_CLI_HELP "\n"
	  "exit status: 0 no drift, 2 drift found (healed or not), 3 a heal\n"
	  "was held back, 1 error, 64 usage error\n",
	  fg_cmd_drift },
	{ "secret", "encrypt, decrypt and make keys for age-encrypted Secrets",
	  "usage: flink-gitops secret encrypt -r RECIPIENT [-r ...] [-R FILE]\n"
	  "                                   [-a] [-o OUT] FILE\n"
	  "       flink-gitops secret decrypt --age-identity FILE [-o OUT] "
	  "FILE\n"
	  "       flink-gitops secret keygen [-o FILE] | -y FILE\n"
	  "\n"
	  "Secret manifests live in a namespace folder as *.age files, age v1\n"
	  "encrypted to X25519 recipients (age1...); every command that\n"
	  "renders decrypts them with --age-identity (or\n"
	  "FLINK_GITOPS_AGE_IDENTITY). The files are the age tool's: age -d\n"
	  "reads what encrypt writes, and decrypt reads what age -r writes.\n"
	  "\n"
	  "encrypt   encrypt FILE, YAML holding only Secrets, to every\n"
	  "          RECIPIENT; writes OUT (default FILE.age; '-' standard\n"
	  "          output; FILE '-' reads standard input)\n"
	  "  -r, --recipient R     an age1... public key (repeatable)\n"
	  "  -R, --recipients-file F  one age1... per line, # comments\n"
	  "  -a, --armor           ASCII armor (PEM) instead of binary\n"
	  "  -o, --output OUT      where to write\n"
	  "decrypt   print the plaintext of an age file (binary or armored)\n"
	  "  --age-identity FILE   identity file (repeatable; also -i, and\n"
	  "                        FLINK_GITOPS_AGE_IDENTITY, "
	  "colon-separated)\n"
	  "  -o, --output OUT      write OUT (mode 0600) instead\n"
	  "keygen    make an identity, printed as age-keygen prints it\n"
	  "  -o, --output FILE     write it to a new FILE (mode 0600) and\n"
	  "                        print the public key on standard error\n"
	  "  -y FILE               print the public keys of identity FILE\n"
	  "\n"
	  "exit status: 0 done, 1 the file could not be read, encrypted or\n"
	  "decrypted (the message says why); usage errors as for every\n"
	  "command\n",
	  fg_cmd_secret },
	{ "run", "the agent: sync a branch continuously, report, serve",
	  "usage: flink-gitops run --config FILE\n"
	  "       flink-gitops run --config-reference | --config-schema\n"
	  "\n"
	  "The long-running agent. It checks the branch of source.url every\n"
	  "source.interval (at once on a signed webhook), verifies and\n"
	  "renders the head, and runs the pass of plan and sync on it; a\n"
	  "head that fails to verify, render or validate never replaces the\n"
	  "last good commit. It watches the objects it manages, so drift\n"
	  "and a failing job are seen within seconds, and reports in Git\n"
	  "(status branch, notes) and on the cluster (annotations,\n"
	  "Events). Proposed branches (source.proposals) are planned, never\n"
	  "applied. HTTP: /metrics, /healthz, /readyz, /hooks/PROVIDER.\n"
	  "\n"
	  "The configuration file (kind AgentConfig) is described in the\n"
	  "README; --config-reference prints its options, --config-schema\n"
	  "its JSON schema. SIGHUP reloads it (an invalid file keeps the\n"
	  "running configuration); SIGTERM finishes the object in flight\n"
	  "and exits 0.\n"
	  "\n"
	  "exit status: 0 stopped by a signal, 1 could not start (an invalid\n"
	  "configuration: FILE:LINE:COL: ...), 64 usage error\n",
	  fg_cmd_run },
	{ "check", "check a cluster: server, operator CRDs, access rights",
	  "usage: flink-gitops check [--kubeconfig FILE] [--context NAME]\n"
	  "                          [--config FILE] [-n NS]... [-o "
	  "text|json]\n"
	  "\n"
	  "Connect to the cluster, print the server version, whether the\n"
	  "Flink operator's CRDs are installed and which bundled release\n"
	  "they match (1.15.0, main, else unknown), and whether the current\n"
	  "identity holds every right the agent uses (asked with\n"
	  "SelfSubjectAccessReview), naming every missing one: in each\n"
	  "namespace, get, list, watch, create, patch and delete of\n"
	  "FlinkDeployment, FlinkSessionJob, FlinkBlueGreenDeployment,\n"
	  "FlinkStateSnapshot, ConfigMap and ServiceAccount, list and watch\n"
	  "of HorizontalPodAutoscalers, create and patch of Events. Rights\n"
	  "needed only when Git holds such objects (Secret, Role,\n"
	  "RoleBinding) are notes, not problems.\n"
	  "\n"
	  "With --config, exactly what that agent configuration needs: its\n"
	  "kubeconfig and context, its sync.namespaces (else every namespace,\n"
	  "and the cluster-wide LIST and WATCH of namespaces and\n"
	  "inventories), its Lease (leader election), the operator's\n"
	  "ConfigMap (cluster.operatorNamespace), Secrets when it has age\n"
	  "identities, Events only when reports.events is on.\n"
	  "\n"
	  "options:\n" FG_KUBE_CLI_HELP
	  "  --config FILE       the agent's configuration (flink-gitops run)\n"
	  "  -n, --namespace NS  a target namespace (repeat; default: the\n"
	  "                      config's sync.namespaces, else the\n"
	  "                      context's namespace)\n"
	  "  -o, --output FMT    text (default) or json\n"
	  "\n"
	  "exit status: 0 everything needed is there, 1 something is\n"
	  "missing, or a configuration or connection error, 64 usage error\n",
	  fg_cmd_check },
	{ "scan", "load every YAML file of a repository and list its objects",
	  "usage: flink-gitops scan [DIR] [--path SUB] [-o text|json]\n"
	  "\n"
	  "Load every *.yaml and *.yml file under DIR (default: the current\n"
	  "folder), or under DIR/SUB with --path, and list each object\n"
	  "found with the file and line it starts at. Hidden files and\n"
	  "folders are skipped; symbolic links are errors.\n"
	  "\n"
	  "Every file that fails to load is reported as\n"
	  "FILE:LINE:COL: error: MESSAGE, and the others are still listed.\n"
	  "\n"
	  "options:\n"
	  "  --path SUB        scan only the folder SUB of DIR\n"
	  "  -o, --output FMT  text (default) or json\n"
	  "\n"
	  "exit status: 0 every file loaded, 1 some file failed (or an\n"
	  "error), 64 usage error\n",
	  fg_cmd_scan },
	{ "version", "print the version and the libraries in use",
	  "usage: flink-gitops version\n"
	  "\n"
	  "Print flink-gitops' version and the versions of the libraries it\n"
	  "runs with (libgit2, libcurl, libyaml, jansson, libsodium).\n",
	  fg_cmd_version },
	{ "help", "show help for a command",
	  "usage: flink-gitops help [COMMAND]\n"
	  "\n"
	  "Without COMMAND, list the commands; with it, show its help.\n",
	  fg_cmd_help },
	{ NULL, NULL, NULL, NULL },
};

int fg_cmd_unknown(const char *cmd, const char *name)
{
	const char *names[32], *near;
	size_t n = 0;

	for (const struct fg_cmd *c = fg_commands; c->name && n < 32; c++)
		names[n++] = c->name;
	if ((near = fg_cli_nearest(name, names, n)))
		return fg_usage_error(cmd,
				      "'%s' is not a command; did you mean "
				      "'%s'?",
				      name, near);
	return fg_usage_error(cmd, "'%s' is not a command", name);
}

const struct fg_cmd *fg_cmd_find(const char *name)
{
	const struct fg_cmd *c;

	for (c = fg_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int fg_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("flink-gitops: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, " (see 'flink-gitops help %s')\n", cmd);
	else
		fputs(" (see 'flink-gitops --help')\n", stderr);
	return FG_EXIT_USAGE;
}

/* Levenshtein distance, bounded: words longer than 64 are far. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65], i, j;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0], up;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const char *fg_cli_nearest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL, *prefix = NULL;
	size_t d, bestd = (size_t)-1, wl = strlen(word), nprefix = 0;

	for (size_t i = 0; i < n; i++) {
		if (wl && !strncmp(cands[i], word, wl)) {
			prefix = cands[i];
			nprefix++;
		}
		if ((d = distance(word, cands[i])) < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	if (nprefix == 1)
		return prefix;
	/* close enough: a typo or two, never most of the word */
	return best && bestd <= (wl < 6 ? 2 : wl / 3) && bestd < wl ? best
								    : NULL;
}

static const struct option *long_option(const struct option *opts,
					const char *name, size_t len)
{
	for (; opts->name; opts++)
		if (strlen(opts->name) == len &&
		    !strncmp(opts->name, name, len))
			return opts;
	return NULL;
}

static int unknown_long(const char *cmd, const char *name, size_t len,
			const struct option *opts)
{
	const char *names[128], *near;
	char word[128];
	size_t n = 0;

	snprintf(word, sizeof(word), "%.*s", (int)len, name);
	for (; opts->name && n < 128; opts++)
		names[n++] = opts->name;
	if ((near = fg_cli_nearest(word, names, n)))
		return fg_usage_error(cmd,
				      "unknown option '--%s'; did you mean "
				      "'--%s'?",
				      word, near);
	return fg_usage_error(cmd, "unknown option '--%s'", word);
}

int fg_cli_check_options(const char *cmd, int argc, char **argv,
			 const char *shortopts, const struct option *opts)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *c, *s;

		if (!strcmp(a, "--"))
			break;
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] == '-') {
			size_t len = strcspn(a + 2, "=");
			const struct option *o = long_option(opts, a + 2, len);

			if (!o)
				return unknown_long(cmd, a + 2, len, opts);
			if (o->has_arg == no_argument && a[2 + len])
				return fg_usage_error(cmd,
						      "option '--%s' takes no "
						      "value",
						      o->name);
			if (o->has_arg == required_argument && !a[2 + len])
				i++; /* its value, whatever it looks like */
			continue;
		}
		for (c = a + 1; *c; c++) {
			if (*c == ':' || !(s = strchr(shortopts, *c)))
				break; /* getopt reports it */
			if (s[1] == ':') {
				i += !c[1];
				break;
			}
		}
	}
	return 0;
}

int fg_cli_getopt_error(const char *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];

	if (c == ':') {
		/* "-n" alone, or "-nfoo" cut: name the option as given */
		if (opt[0] == '-' && opt[1] != '-' && optopt)
			return fg_usage_error(cmd, "option '-%c' needs a value",
					      optopt);
		return fg_usage_error(cmd, "option '%s' needs a value", opt);
	}
	if (optopt && optopt < 0x100)
		return fg_usage_error(cmd, "unknown option '-%c'", optopt);
	return fg_usage_error(cmd, "unknown option '%s'", opt);
}

int fg_cli_add_namespace(const char *cmd, const char *arg, const char **list,
			 size_t *n)
{
	if (!*arg)
		return fg_usage_error(cmd, "-n needs a namespace");
	if (arg[0] == '-')
		return fg_usage_error(cmd,
				      "-n needs a namespace, not the option "
				      "'%s'",
				      arg);
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(list[i], arg))
			return 0;
	if (*n == FG_CLI_MAX_NAMESPACES)
		return fg_usage_error(cmd, "more than %d namespaces (-n)",
				      FG_CLI_MAX_NAMESPACES);
	list[(*n)++] = arg;
	return 0;
}

void fg_print_main_help(void)
{
	const struct fg_cmd *c;

	printf("usage: flink-gitops [--log-level LEVEL] [--log-format FMT] "
	       "COMMAND [ARGS]\n"
	       "\n"
	       "GitOps for Apache Flink on Kubernetes.\n"
	       "\n"
	       "commands:\n");
	for (c = fg_commands; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("\n"
	       "global options:\n"
	       "  --log-level LEVEL  debug, info (default), warn, error, off\n"
	       "                     (also FLINK_GITOPS_LOG_LEVEL)\n"
	       "  --log-format FMT   text (key=value, default) or json\n"
	       "  -h, --help         show this help\n"
	       "  -V, --version      show the version\n"
	       "\n"
	       "See 'flink-gitops help COMMAND' for more about a command.\n");
}

void fg_print_version(void)
{
	int gmaj, gmin, grev;
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	git_libgit2_version(&gmaj, &gmin, &grev);
	printf("flink-gitops %s\n", FG_VERSION);
	printf("  libgit2 %d.%d.%d, libcurl %s, libyaml %s, jansson %s, "
	       "libsodium %s\n",
	       gmaj, gmin, grev, cv->version, yaml_get_version_string(),
	       jansson_version_str(), sodium_version_string());
}

/* Any subcommand: -h/--help prints its help; nothing else is accepted. */
static int no_args(const char *name, int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			fputs(fg_cmd_find(name)->help, stdout);
			return -1;
		}
		return fg_usage_error(name, "unexpected argument '%s'",
				      argv[1]);
	}
	return 0;
}

int fg_cmd_version(int argc, char **argv)
{
	int rc = no_args("version", argc, argv);

	if (rc)
		return rc < 0 ? FG_EXIT_OK : rc;
	fg_print_version();
	return FG_EXIT_OK;
}

int fg_cmd_help(int argc, char **argv)
{
	const struct fg_cmd *c;

	if (argc < 2) {
		fg_print_main_help();
		return FG_EXIT_OK;
	}
	if (argc > 2)
		return fg_usage_error("help", "too many arguments");
	if (!(c = fg_cmd_find(argv[1])))
		return fg_cmd_unknown("help", argv[1]);
	fputs(c->help, stdout);
	return FG_EXIT_OK;
}
