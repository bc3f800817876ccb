/*
 * Benchmark: validate and render a generated repository of NS namespaces
 * x PER FlinkDeployments (default 500 x 20, the size in issue #3) with
 * the real binary, and print wall time and peak memory of each. Goals:
 * both under 2 s and 200 MB on a 2-core machine. Prints figures only; it
 * fails only when a command fails, never on timing (machines are noisy).
 *
 * usage: bench_render FLINK_GITOPS [NS [PER]]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "render/base/buf.h"
#include "tests/bench/gen_repo.h"
#include "render/base/banned.h"

/* Run the command, output to /dev/null; wall seconds and peak RSS (KiB). */
static int measure(char *const argv[], double *secs, long *rss_kib)
{
	struct timespec a, b;
	struct rusage ru;
	int status, fd;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	*secs = (double)(b.tv_sec - a.tv_sec) +
		(double)(b.tv_nsec - a.tv_nsec) / 1e9;
	*rss_kib = ru.ru_maxrss;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv)
{
	char root[] = "/tmp/fg-bench-XXXXXX";
	int nns = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 500;
	int per = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 20;
	const char *cmds[] = { "validate", "render" };
	struct fg_buf rm = FG_BUF_INIT;
	int rc = 0, c, run;

	if (argc < 2 || nns <= 0 || per <= 0) {
		fprintf(stderr, "usage: %s FLINK_GITOPS [NS [PER]]\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(root) || fg_bench_generate_repo(root, nns, per) < 0)
		return 2;
	printf("repository: %d namespaces x %d FlinkDeployments = %d objects\n",
	       nns, per, nns * per);
	for (c = 0; c < 2; c++) {
		double best = 1e9, secs;
		long rss = 0, r;
		for (run = 0; run < 3; run++) {
			char *args[] = { (char *)(uintptr_t)argv[1],
					 (char *)(uintptr_t) "--log-level=off",
					 (char *)(uintptr_t)cmds[c], root,
					 NULL };
			int st = measure(args, &secs, &r);
			if (st != 0) {
				fprintf(stderr, "%s exited %d\n", cmds[c], st);
				rc = 1;
				break;
			}
			best = secs < best ? secs : best;
			rss = r > rss ? r : rss;
		}
		printf("%-8s wall %.3f s (best of 3)  peak RSS %.1f MB\n",
		       cmds[c], best, (double)rss / 1024.0);
	}
	fg_buf_printf(&rm, "rm -rf '%s'", root);
	if (system(rm.ptr) != 0)
		rc = 1;
	fg_buf_release(&rm);
	return rc;
}
