/* Reading the status branch (agent/status_branch.h). */
#include <stdio.h>
#include <string.h>

#include "agent/status_branch.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/source.h"
#include "render/base/banned.h"

static void read_lineage(struct fg_source *src, const char *path,
			 json_t *lineage)
{
	struct fg_buf b = FG_BUF_INIT, key = FG_BUF_INIT;
	size_t n = strlen(path);
	json_t *j;

	/* lineage/NS/KIND/NAME.json -> NS/KIND/NAME */
	if (n < 14 || strcmp(path + n - 5, ".json"))
		return;
	fg_buf_init(&b, FG_STATUS_BRANCH_FILE_MAX);
	if (fg_source_read(src, path, &b) == 0 &&
	    fg_json_loadb(&j, b.ptr, b.len, JSON_REJECT_DUPLICATES, NULL) ==
		    0) {
		if (json_is_array(j) &&
		    fg_buf_printf(&key, "%.*s", (int)(n - 13), path + 8) == 0)
			json_object_set(lineage, key.ptr, j);
		json_decref(j);
	}
	fg_error_clear();
	fg_buf_release(&b);
	fg_buf_release(&key);
}

int fg_status_branch_read(struct fg_git_mirror *m, const char *branch,
			  json_t *lineage, json_t *paths, char *commit)
{
	struct fg_buf ref = FG_BUF_INIT;
	struct fg_source *src = NULL;
	char hex[41], **files = NULL;
	size_t n = 0;
	int err;

	if (commit)
		commit[0] = '\0';
	if ((err = fg_buf_printf(&ref, "refs/heads/%s",
				 branch ? branch : FG_GIT_STATUS_BRANCH)) < 0)
		goto done;
	if (fg_git_resolve(m, ref.ptr, hex) < 0) {
		fg_error_clear();
		goto done; /* no branch yet */
	}
	if ((err = fg_git_source_new(&src, m, hex)) < 0 ||
	    (err = fg_source_list(src, "", &files, &n, NULL)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		int lin = !strncmp(files[i], "lineage/", 8);

		if (paths && (lin || !strncmp(files[i], "status/", 7)))
			json_object_set_new(paths, files[i], json_true());
		if (lin && lineage)
			read_lineage(src, files[i], lineage);
	}
	if (commit)
		snprintf(commit, 41, "%s", hex);
done:
	fg_source_paths_free(files, n);
	fg_source_free(src);
	fg_buf_release(&ref);
	return err;
}
