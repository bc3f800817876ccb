/*
 * Benchmark: the Git source. A 10,000-object repository (500 namespaces x
 * 20 FlinkDeployments, as bench_render) is committed and served by the
 * test git daemon; the benchmark prints the time of the first fetch
 * (clone into the mirror), of a fetch with nothing new (the agent's
 * steady state, over git:// and file://), and of rendering the whole
 * repository straight from the commit's tree (no checkout).
 * Prints figures only; fails only when an operation fails.
 *
 * usage: bench_git SERVERS_ENV
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "agent/git/git.h"
#include "render/base/buf.h"
#include "tests/bench/gen_repo.h"
#include "render/base/error.h"
#include "render/render.h"
#include "render/base/banned.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int env_value(const char *file, const char *key, char *out, size_t cap)
{
	char line[1024];
	size_t kl = strlen(key);
	FILE *f = fopen(file, "r");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == '=') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, cap, "%s", line + kl + 1);
			found = 0;
		}
	fclose(f);
	return found;
}

static int bench_fetch(const char *label, const char *url, const char *cache)
{
	struct fg_git_opts o;
	struct fg_git_mirror *m = NULL;
	double t, best = 1e9, first;
	int i;

	memset(&o, 0, sizeof(o));
	o.url = url;
	o.cache_dir = cache;
	if (fg_git_mirror_open(&m, &o) < 0)
		goto fail;
	t = now_s();
	if (fg_git_fetch(m) < 0)
		goto fail;
	first = now_s() - t;
	for (i = 0; i < 5; i++) {
		t = now_s();
		if (fg_git_fetch(m) < 0)
			goto fail;
		t = now_s() - t;
		best = t < best ? t : best;
	}
	printf("%-6s first fetch (clone) %.3f s, no-change fetch %.3f s "
	       "(best of 5)\n",
	       label, first, best);
	fg_git_mirror_free(m);
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", label, fg_error_last());
	fg_git_mirror_free(m);
	return -1;
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/fg-bench-git-XXXXXX", repos[512], port[32];
	struct fg_buf cmd = FG_BUF_INIT, url = FG_BUF_INIT, cache = FG_BUF_INIT,
		      work = FG_BUF_INIT;
	struct fg_git_opts o;
	struct fg_git_mirror *m = NULL;
	struct fg_source *src = NULL;
	struct fg_desired *d = NULL;
	struct fg_render_opts ro;
	char hex[41];
	double t;
	size_t i, nobj = 0;
	int rc = 1;

	if (argc != 2 || sodium_init() < 0 ||
	    env_value(argv[1], "REPOS", repos, sizeof(repos)) < 0 ||
	    env_value(argv[1], "GIT_PORT", port, sizeof(port)) < 0) {
		fprintf(stderr, "usage: bench_git SERVERS_ENV\n");
		return 2;
	}
	if (!mkdtemp(tmp))
		return 2;
	fg_buf_printf(&work, "%s/work", tmp);
	if (mkdir(work.ptr, 0755) < 0 ||
	    fg_bench_generate_repo(work.ptr, 500, 20) < 0)
		goto done;
	fg_buf_printf(
		&cmd,
		"cd %s && git init -q -b main && git add -A && "
		"git -c user.name=b -c user.email=b@b commit -qm bench && "
		"rm -rf %s/bench.git && "
		"git clone -q --bare . %s/bench.git",
		work.ptr, repos, repos);
	if (system(cmd.ptr) != 0)
		goto done;
	printf("repository: 500 namespaces x 20 FlinkDeployments = 10000 "
	       "objects\n");
	fg_buf_printf(&url, "git://127.0.0.1:%s/bench.git", port);
	fg_buf_printf(&cache, "%s/cache-git", tmp);
	if (bench_fetch("git://", url.ptr, cache.ptr) < 0)
		goto done;
	fg_buf_clear(&url);
	fg_buf_printf(&url, "file://%s/bench.git", repos);
	fg_buf_clear(&cache);
	fg_buf_printf(&cache, "%s/cache-file", tmp);
	if (bench_fetch("file://", url.ptr, cache.ptr) < 0)
		goto done;

	memset(&o, 0, sizeof(o));
	o.url = url.ptr;
	o.cache_dir = cache.ptr;
	memset(&ro, 0, sizeof(ro));
	ro.path = "";
	ro.origin = "bench";
	if (fg_git_mirror_open(&m, &o) < 0 ||
	    fg_git_resolve(m, "main", hex) < 0)
		goto fail;
	t = now_s();
	if (fg_git_source_new(&src, m, hex) < 0 || fg_render(&d, src, &ro) < 0)
		goto fail;
	t = now_s() - t;
	for (i = 0; i < d->nns; i++)
		nobj += d->ns[i].n;
	printf("render from the commit tree: %.3f s, %zu objects, %zu "
	       "errors\n",
	       t, nobj, fg_diags_errors(&d->diags));
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "bench_git: %s\n", fg_error_last());
done:
	fg_desired_free(d);
	fg_source_free(src);
	fg_git_mirror_free(m);
	fg_buf_clear(&cmd);
	fg_buf_printf(&cmd, "rm -rf %s %s/bench.git", tmp, repos);
	if (system(cmd.ptr) != 0)
		rc = 1;
	fg_buf_release(&cmd);
	fg_buf_release(&url);
	fg_buf_release(&cache);
	fg_buf_release(&work);
	return rc;
}
