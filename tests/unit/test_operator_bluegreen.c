/*
 * The operator's own FlinkBlueGreenDeployment manifests (its end-to-end
 * tests' data at release-1.15.0, vendored unchanged in tests/operator/e2e/,
 * see the README there) validate clean, as committed to a namespace
 * folder, against both bundled CRD releases; and what the renderer makes
 * of them is what the operator reads.
 *
 *   test_operator_bluegreen E2E_DIR
 */
#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "render/base/buf.h"
#include "render/base/json.h"
#include "render/flink_config.h"
#include "render/render.h"
#include "render/source.h"
#include "render/base/banned.h"

static const char *e2e_dir;
static char root[64];

static int make_root(void **state)
{
	snprintf(root, sizeof(root), "/tmp/fg-bluegreen-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int remove_root(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write `len` bytes at `rel` under the root, creating folders. */
static void put(const char *rel, const char *text, size_t len)
{
	struct fg_buf p = FG_BUF_INIT;
	const char *slash;
	int fd;

	for (slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
		fg_buf_clear(&p);
		fg_buf_printf(&p, "%s/%.*s", root, (int)(slash - rel), rel);
		mkdir(p.ptr, 0755);
	}
	fg_buf_clear(&p);
	fg_buf_printf(&p, "%s/%s", root, rel);
	fd = open(p.ptr, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	fg_buf_release(&p);
}

/* The bytes of e2e file `name`. */
static void slurp(const char *name, struct fg_buf *out)
{
	char path[512];
	FILE *f;
	char chunk[4096];
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", e2e_dir, name);
	if (!(f = fopen(path, "rb")))
		fail_msg("cannot read %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fg_buf_add(out, chunk, n);
	fclose(f);
}

/*
 * A repository holding e2e file `name` unchanged in namespace folder
 * flink-e2e, with the kinds beside the FlinkBlueGreenDeployment (a
 * PersistentVolumeClaim, an IngressClass) allowed, rendered for operator
 * release `crd`.
 */
static struct fg_desired *render_e2e(const char *name, const char *crd)
{
	struct fg_render_opts opts = { 0 };
	struct fg_buf data = FG_BUF_INIT, rel = FG_BUF_INIT;
	struct fg_source *src;
	struct fg_desired *d = NULL;
	static const char config[] =
		"apiVersion: flink-gitops.io/v1alpha1\n"
		"kind: RepoConfig\n"
		"allowKinds: [PersistentVolumeClaim, IngressClass]\n";

	slurp(name, &data);
	fg_buf_printf(&rel, "flink-e2e/%s", name);
	put(rel.ptr, data.ptr, data.len);
	put("flink-gitops.yaml", config, strlen(config));
	opts.crd_version = crd;
	assert_int_equal(fg_source_dir_new(&src, root), 0);
	if (fg_render(&d, src, &opts) < 0)
		fail_msg("render failed: %s", fg_error_last());
	fg_source_free(src);
	fg_buf_release(&data);
	fg_buf_release(&rel);
	return d;
}

static void assert_clean(const struct fg_desired *d, const char *what)
{
	struct fg_buf all = FG_BUF_INIT;

	for (size_t i = 0; i < d->diags.n; i++) {
		fg_diag_format(&all, &d->diags.v[i]);
		fg_buf_putc(&all, '\n');
	}
	if (d->diags.n)
		fail_msg("%s: diagnostics:\n%s", what, all.ptr);
	fg_buf_release(&all);
}

/* The FlinkBlueGreenDeployment of the render (one), borrowed. */
static const json_t *the_bluegreen(const struct fg_desired *d)
{
	const json_t *found = NULL;

	assert_int_equal(d->nns, 1);
	assert_false(d->ns[0].failed);
	for (size_t i = 0; i < d->ns[0].n; i++)
		if (fg_is_bluegreen(d->ns[0].objs[i].obj)) {
			assert_null(found);
			found = d->ns[0].objs[i].obj;
		}
	assert_non_null(found);
	return found;
}

static void each_release(void (*check)(const json_t *bg, const char *file))
{
	static const char *const files[] = { "bluegreen-ingress.yaml",
					     "bluegreen-laststate.yaml",
					     "bluegreen-stateless.yaml" };
	static const char *const crds[] = { "1.15.0", "main" };

	for (size_t f = 0; f < 3; f++)
		for (size_t c = 0; c < 2; c++) {
			struct fg_desired *d = render_e2e(files[f], crds[c]);
			char what[128];

			snprintf(what, sizeof(what), "%s (CRDs %s)", files[f],
				 crds[c]);
			assert_clean(d, what);
			check(the_bluegreen(d), files[f]);
			fg_desired_free(d);
			remove_root(NULL);
			make_root(NULL);
		}
}

static void valid(const json_t *bg, const char *file)
{
	(void)file;
	assert_string_equal(fg_flink_spec_pointer(bg), "/spec/template/spec");
	assert_non_null(fg_json_path(fg_flink_spec(bg), "job", "jarURI", NULL));
}

static void test_operator_bluegreen__e2e_manifests_validate_clean(void **state)
{
	each_release(valid);
}

/* The operator reads flinkConfiguration flat (ConfigObjectNode): so does
 * the rendered template; spec.configuration is a plain map. */
static void flat(const json_t *bg, const char *file)
{
	const json_t *conf =
		fg_json_path(fg_flink_spec(bg), "flinkConfiguration", NULL);

	(void)file;
	assert_string_equal(fg_json_str(conf, "rest.port"), "8081");
	assert_non_null(fg_json_path(bg, "spec", "configuration",
				     FG_FLINK_CONF_BG_DELETION_DELAY, NULL));
}

static void
test_operator_bluegreen__template_configuration_is_flat(void **state)
{
	each_release(flat);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_operator_bluegreen__e2e_manifests_validate_clean,
			make_root, remove_root),
		cmocka_unit_test_setup_teardown(
			test_operator_bluegreen__template_configuration_is_flat,
			make_root, remove_root),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s E2E_DIR\n", argv[0]);
		return 2;
	}
	e2e_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
