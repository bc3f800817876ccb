/*
 * Reading a repository folder: what is listed, what is refused.
 */
#include "helpers.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "render/source.h"
#include "render/base/banned.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	struct fg_buf p = FG_BUF_INIT;
	int fd;

	fg_buf_printf(&p, "%s/%s", root, rel);
	fd = open(p.ptr, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	fg_buf_release(&p);
}

static void dir(const char *rel)
{
	struct fg_buf p = FG_BUF_INIT;

	fg_buf_printf(&p, "%s/%s", root, rel);
	assert_int_equal(mkdir(p.ptr, 0755), 0);
	fg_buf_release(&p);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/fg-source-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_source__lists_files_sorted_skipping_hidden(void **state)
{
	struct fg_diags d = FG_DIAGS_INIT;
	struct fg_source *s;
	char **paths;
	size_t n;

	dir("b");
	dir("a");
	dir(".git");
	put("b/z.yaml", "x: 1");
	put("b/a.yaml", "x: 1");
	put("a/job.yml", "x: 1");
	put("a/.hidden.yaml", "x: 1");
	put(".git/config", "x");
	put("flink-gitops.yaml", "x: 1");
	assert_int_equal(fg_source_dir_new(&s, root), 0);
	assert_int_equal(fg_source_list(s, "", &paths, &n, &d), 0);
	assert_int_equal(n, 4);
	assert_string_equal(paths[0], "a/job.yml");
	assert_string_equal(paths[1], "b/a.yaml");
	assert_string_equal(paths[2], "b/z.yaml");
	assert_string_equal(paths[3], "flink-gitops.yaml");
	assert_int_equal(d.n, 0);
	fg_source_paths_free(paths, n);
	fg_source_free(s);
}

static void test_source__symlinks_are_reported_not_followed(void **state)
{
	struct fg_diags d = FG_DIAGS_INIT;
	struct fg_buf link = FG_BUF_INIT;
	struct fg_source *s;
	char **paths;
	size_t n;

	dir("ns");
	put("ns/real.yaml", "x: 1");
	fg_buf_printf(&link, "%s/ns/evil.yaml", root);
	assert_int_equal(symlink("/etc/passwd", link.ptr), 0);
	assert_int_equal(fg_source_dir_new(&s, root), 0);
	assert_int_equal(fg_source_list(s, "", &paths, &n, &d), 0);
	assert_int_equal(n, 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].file, "ns/evil.yaml");
	assert_string_equal(d.v[0].message,
			    "symbolic links are not allowed in a repository "
			    "(they could point outside it)");
	fg_source_paths_free(paths, n);
	fg_diags_release(&d);
	fg_source_free(s);
	fg_buf_release(&link);
}

static void test_source__read_refuses_paths_that_escape(void **state)
{
	struct fg_buf out = FG_BUF_INIT;
	struct fg_source *s;

	assert_int_equal(fg_source_dir_new(&s, root), 0);
	assert_int_equal(fg_source_read(s, "../etc/passwd", &out), FG_EINVALID);
	assert_string_equal(fg_error_last(),
			    "path '../etc/passwd' leaves the repository root "
			    "or is not normalised");
	assert_int_equal(fg_source_read(s, "/etc/passwd", &out), FG_EINVALID);
	assert_int_equal(fg_source_read(s, "a/../../x", &out), FG_EINVALID);
	fg_source_free(s);
	fg_buf_release(&out);
}

static void test_source__read_does_not_follow_a_symlinked_folder(void **state)
{
	struct fg_buf link = FG_BUF_INIT, out = FG_BUF_INIT;
	struct fg_source *s;

	fg_buf_printf(&link, "%s/ns", root);
	assert_int_equal(symlink("/etc", link.ptr), 0);
	assert_int_equal(fg_source_dir_new(&s, root), 0);
	assert_true(fg_source_read(s, "ns/hostname", &out) < 0);
	assert_string_equal(out.ptr, "");
	fg_source_free(s);
	fg_buf_release(&link);
	fg_buf_release(&out);
}

static void test_source__read_is_bounded(void **state)
{
	struct fg_source *s;
	struct fg_buf out;

	put("big.yaml", "0123456789");
	fg_buf_init(&out, 5);
	assert_int_equal(fg_source_dir_new(&s, root), 0);
	assert_int_equal(fg_source_read(s, "big.yaml", &out), FG_EINVALID);
	assert_non_null(strstr(fg_error_last(), "above the limit of 5"));
	fg_source_free(s);
	fg_buf_release(&out);
}

static void test_source__listing_a_subfolder(void **state)
{
	struct fg_diags d = FG_DIAGS_INIT;
	struct fg_source *s;
	char **paths;
	size_t n;

	dir("env");
	dir("env/prod");
	put("env/prod/a.yaml", "x: 1");
	put("other.yaml", "x: 1");
	assert_int_equal(fg_source_dir_new(&s, root), 0);
	assert_int_equal(fg_source_list(s, "env", &paths, &n, &d), 0);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], "env/prod/a.yaml");
	fg_source_paths_free(paths, n);
	assert_int_equal(fg_source_list(s, "missing", &paths, &n, &d),
			 FG_ENOTFOUND);
	assert_int_equal(fg_source_list(s, "../x", &paths, &n, &d),
			 FG_EINVALID);
	fg_source_free(s);
}

static void test_source__missing_root_is_not_found(void **state)
{
	struct fg_source *s;

	assert_int_equal(fg_source_dir_new(&s, "/nonexistent/fg"),
			 FG_ENOTFOUND);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_source__lists_files_sorted_skipping_hidden, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_source__symlinks_are_reported_not_followed, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_source__read_refuses_paths_that_escape, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_source__read_does_not_follow_a_symlinked_folder,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_source__read_is_bounded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_source__listing_a_subfolder, setup, teardown),
		cmocka_unit_test(test_source__missing_root_is_not_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
