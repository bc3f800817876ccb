/*
 * Repositories for unit tests: files written into a fresh temporary
 * folder (setup/teardown), rendered by the real render step, and a few
 * manifests a Flink repository holds. Included by test files only.
 */
#ifndef FG_TESTS_REPO_H
#define FG_TESTS_REPO_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/render.h"
#include "render/source.h"

/* ---- a repository in a temporary folder ---- */

static char root[PATH_MAX];

static inline void put(const char *path, const char *text)
{
	char full[PATH_MAX * 2], *slash;
	FILE *fp;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	for (slash = full + strlen(root) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = '\0';
		if (mkdir(full, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", full, strerror(errno));
		*slash = '/';
	}
	if (!(fp = fopen(full, "w")))
		fail_msg("cannot write %s", full);
	fputs(text, fp);
	fclose(fp);
}

static inline void drop(const char *path)
{
	char full[PATH_MAX * 2];

	snprintf(full, sizeof(full), "%s/%s", root, path);
	if (unlink(full) < 0)
		fail_msg("rm %s: %s", full, strerror(errno));
}

static inline int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/fg-test-pass.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	return 0;
}

static inline int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static inline struct fg_desired *render(void)
{
	struct fg_render_opts o = { .path = "" };
	struct fg_source *src = NULL;
	struct fg_desired *d = NULL;

	assert_int_equal(fg_source_dir_new(&src, root), 0);
	if (fg_render(&d, src, &o) < 0)
		fail_msg("render: %s", fg_error_last());
	fg_source_free(src);
	return d;
}

/* ---- manifests ---- */

static inline void cm(const char *ns, const char *name, const char *value)
{
	char path[256], text[512];

	snprintf(path, sizeof(path), "%s/%s.yaml", ns, name);
	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n"
		 "data:\n  value: \"%s\"\n",
		 name, value);
	put(path, text);
}

/* An application cluster: savepoint upgrades, checkpointing on. */
static inline void app(const char *ns, const char *name, const char *image,
		       const char *extra)
{
	char path[256], text[2048];

	snprintf(path, sizeof(path), "%s/%s.yaml", ns, name);
	snprintf(text, sizeof(text),
		 "apiVersion: flink.apache.org/v1beta1\n"
		 "kind: FlinkDeployment\n"
		 "metadata:\n  name: %s\n%s"
		 "spec:\n"
		 "  image: %s\n"
		 "  flinkVersion: v1_20\n"
		 "  serviceAccount: flink\n"
		 "  flinkConfiguration:\n"
		 "    execution.checkpointing.interval: 30s\n"
		 "    state.checkpoints.dir: s3://b/%s/cp\n"
		 "    state.savepoints.dir: s3://b/%s/sp\n"
		 "  jobManager: {resource: {memory: 2048m, cpu: 1}}\n"
		 "  taskManager: {resource: {memory: 2048m, cpu: 1}}\n"
		 "  job:\n"
		 "    jarURI: local:///opt/flink/job.jar\n"
		 "    parallelism: 2\n"
		 "    upgradeMode: savepoint\n",
		 name, extra ? extra : "", image, name, name);
	put(path, text);
}

static inline void session(const char *ns, const char *name)
{
	char path[256], text[1024];

	snprintf(path, sizeof(path), "%s/%s.yaml", ns, name);
	snprintf(text, sizeof(text),
		 "apiVersion: flink.apache.org/v1beta1\n"
		 "kind: FlinkDeployment\n"
		 "metadata:\n  name: %s\n"
		 "spec:\n"
		 "  image: flink:1.20\n"
		 "  flinkVersion: v1_20\n"
		 "  serviceAccount: flink\n"
		 "  jobManager: {resource: {memory: 2048m, cpu: 1}}\n"
		 "  taskManager: {resource: {memory: 2048m, cpu: 1}}\n",
		 name);
	put(path, text);
}

static inline void session_job(const char *ns, const char *name,
			       const char *cluster)
{
	char path[256], text[1024];

	snprintf(path, sizeof(path), "%s/%s.yaml", ns, name);
	snprintf(text, sizeof(text),
		 "apiVersion: flink.apache.org/v1beta1\n"
		 "kind: FlinkSessionJob\n"
		 "metadata:\n  name: %s\n"
		 "spec:\n"
		 "  deploymentName: %s\n"
		 "  job:\n"
		 "    jarURI: https://example.com/job.jar\n"
		 "    parallelism: 1\n"
		 "    upgradeMode: stateless\n",
		 name, cluster);
	put(path, text);
}

#endif
