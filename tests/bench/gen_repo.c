#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/base/buf.h"
#include "tests/bench/gen_repo.h"
#include "render/base/banned.h"

static int write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int fg_bench_generate_repo(const char *root, int nns, int per)
{
	struct fg_buf path = FG_BUF_INIT, text = FG_BUF_INIT;
	int n, i;

	fg_buf_printf(&path, "%s/flink-gitops.yaml", root);
	fg_buf_puts(&text, "apiVersion: flink-gitops.io/v1alpha1\n"
			   "kind: RepoConfig\n"
			   "vars:\n  IMAGE: flink:1.20\n  BUCKET: s3://b\n"
			   "defaults:\n  FlinkDeployment:\n    spec:\n"
			   "      image: ${IMAGE}\n      flinkVersion: v1_20\n"
			   "      serviceAccount: flink\n");
	if (write_file(path.ptr, text.ptr, text.len) < 0)
		return -1;
	for (n = 0; n < nns; n++) {
		fg_buf_clear(&path);
		fg_buf_printf(&path, "%s/team-%03d", root, n);
		if (mkdir(path.ptr, 0755) < 0)
			return -1;
		fg_buf_clear(&path);
		fg_buf_printf(&path, "%s/team-%03d/_defaults.yaml", root, n);
		fg_buf_clear(&text);
		fg_buf_printf(
			&text,
			"apiVersion: flink-gitops.io/v1alpha1\n"
			"kind: NamespaceConfig\nvars:\n  TEAM: t%d\n"
			"defaults:\n  FlinkDeployment:\n    spec:\n"
			"      flinkConfiguration:\n        state:\n"
			"          checkpoints.dir: ${BUCKET}/${TEAM}/cp\n"
			"          savepoints.dir: ${BUCKET}/${TEAM}/sp\n",
			n);
		if (write_file(path.ptr, text.ptr, text.len) < 0)
			return -1;
		for (i = 0; i < per; i++) {
			fg_buf_clear(&path);
			fg_buf_printf(&path, "%s/team-%03d/job-%02d.yaml", root,
				      n, i);
			fg_buf_clear(&text);
			fg_buf_printf(
				&text,
				"apiVersion: flink.apache.org/v1beta1\n"
				"kind: FlinkDeployment\n"
				"metadata:\n  name: job-%02d\n"
				"  labels: {app: job-%02d}\n"
				"spec:\n"
				"  flinkConfiguration:\n"
				"    taskmanager.numberOfTaskSlots: \"2\"\n"
				"    execution.checkpointing.interval: 30s\n"
				"  jobManager:\n    resource: {memory: 2048m, "
				"cpu: 1}\n"
				"  taskManager:\n    resource: {memory: 4096m, "
				"cpu: 2}\n"
				"  podTemplate:\n    spec:\n      containers:\n"
				"        - name: flink-main-container\n"
				"          env:\n            - {name: TEAM, "
				"value: \"${TEAM}\"}\n"
				"  job:\n"
				"    jarURI: local:///opt/flink/job-%d.jar\n"
				"    parallelism: %d\n"
				"    upgradeMode: savepoint\n"
				"    state: running\n",
				i, i, i, 1 + i % 8);
			if (write_file(path.ptr, text.ptr, text.len) < 0)
				return -1;
		}
	}
	fg_buf_release(&path);
	fg_buf_release(&text);
	return 0;
}
