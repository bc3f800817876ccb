/*
 * Replays a fuzz corpus through a libFuzzer entry point without libFuzzer:
 * every file of every folder given is fed to LLVMFuzzerTestOneInput once.
 * Runs as an ordinary CTest test, so the corpus (seeds and every crash
 * ever found) is checked on every build, under the sanitizers in CI.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	size_t files = 0;
	int i;

	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;

		if (!d) {
			fprintf(stderr, "cannot open %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		while ((de = readdir(d))) {
			struct fg_buf path = FG_BUF_INIT, data = FG_BUF_INIT;

			if (de->d_name[0] == '.')
				continue;
			fg_buf_printf(&path, "%s/%s", argv[i], de->d_name);
			if (fg_buf_read_file(&data, path.ptr) < 0) {
				fprintf(stderr, "%s\n", fg_error_last());
				return 1;
			}
			LLVMFuzzerTestOneInput((const uint8_t *)data.ptr,
					       data.len);
			files++;
			fg_buf_release(&path);
			fg_buf_release(&data);
		}
		closedir(d);
	}
	if (files == 0) {
		fprintf(stderr, "no corpus files found\n");
		return 1;
	}
	printf("replayed %zu inputs\n", files);
	return 0;
}
