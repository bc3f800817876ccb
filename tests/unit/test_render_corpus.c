/*
 * The broken-repository corpus (tests/render/broken/): every case is a
 * small repository with one defect and the exact diagnostics `validate`
 * must print for it. One cmocka test per case, named by the case.
 *
 *   <case>/repo/...    the repository
 *   <case>/expected    option lines, then one diagnostic per line, in the
 *                      order printed:
 *     # args: --path SUB --crd-version V -n NS   render options
 *     # failed: NS...   the namespaces that must be marked failed (when
 *                       absent: every namespace a diagnostic names, by
 *                       its subject or by its file's folder; all of them
 *                       when flink-gitops.yaml is broken)
 *     # valid           the repository is valid: no diagnostic at all
 *     # the operator: M the operator's own verdict (DefaultValidatorTest):
 *                       some diagnostic's message starts with M, or
 *                       contains it when M starts with "... "; "valid"
 *                       when the operator accepts the repository
 *     # anything else   a comment
 *
 * Besides the text, each case checks that it has at least one error (or
 * none, when valid), that every failed namespace is marked failed and
 * holds no object, and that every other namespace still renders its
 * objects. The same program runs other corpora laid out alike
 * (tests/operator/validator/, the operator's own validator tests).
 */
#include "helpers.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "render/base/diag.h"
#include "render/render.h"
#include "render/source.h"
#include "render/base/banned.h"

#define MAX_WORDS 32

struct expect {
	struct fg_buf lines; /* expected diagnostics, '\n'-terminated */
	char *args[MAX_WORDS];
	size_t nargs;
	char *failed[MAX_WORDS];
	size_t nfailed;
	int has_failed; /* a "# failed:" line was given */
	int valid;	/* "# valid": no diagnostic expected */
	char *operator; /* "# the operator: ..." or NULL */
};

static const char *corpus;

/* Split `s` at blanks into freshly allocated words. */
static void split_words(const char *s, char **words, size_t *n)
{
	while (*s) {
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		len = strcspn(s, " \t");
		if (!len)
			break;
		if (*n == MAX_WORDS)
			fail_msg("too many words in an option line");
		words[(*n)++] = strndup(s, len);
		s += len;
	}
}

static void expect_release(struct expect *e)
{
	size_t i;

	for (i = 0; i < e->nargs; i++)
		free(e->args[i]);
	for (i = 0; i < e->nfailed; i++)
		free(e->failed[i]);
	free(e->operator);
	fg_buf_release(&e->lines);
}

static void expect_load(struct expect *e, const char *case_dir)
{
	struct fg_buf path = FG_BUF_INIT, text = FG_BUF_INIT;
	const char *line, *end;

	memset(e, 0, sizeof(*e));
	fg_buf_init(&e->lines, FG_BUF_MAX_DEFAULT);
	fg_buf_printf(&path, "%s/expected", case_dir);
	if (fg_buf_read_file(&text, path.ptr) < 0)
		fail_msg("%s: %s", path.ptr, fg_error_last());
	for (line = text.ptr; line && *line; line = end ? end + 1 : NULL) {
		struct fg_buf one = FG_BUF_INIT;

		end = strchr(line, '\n');
		fg_buf_add(&one, line,
			   end ? (size_t)(end - line) : strlen(line));
		if (one.len == 0) {
			/* blank lines are not diagnostics */
		} else if (!strncmp(one.ptr, "# args:", 7)) {
			split_words(one.ptr + 7, e->args, &e->nargs);
		} else if (!strcmp(one.ptr, "# valid")) {
			e->valid = 1;
		} else if (!strncmp(one.ptr, "# the operator: ", 16)) {
			e->operator= strdup(one.ptr + 16);
		} else if (!strncmp(one.ptr, "# failed:", 9)) {
			split_words(one.ptr + 9, e->failed, &e->nfailed);
			e->has_failed = 1;
		} else if (one.ptr[0] != '#') {
			fg_buf_printf(&e->lines, "%s\n", one.ptr);
		}
		fg_buf_release(&one);
	}
	fg_buf_release(&text);
	fg_buf_release(&path);
}

static void opts_from_args(struct fg_render_opts *o, const struct expect *e)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	o->path = "";
	/* options come in pairs: NAME VALUE */
	for (i = 0; i < e->nargs; i += 2) {
		const char *a = e->args[i];
		const char *v = i + 1 < e->nargs ? e->args[i + 1] : NULL;

		if (!v)
			fail_msg("option '%s' needs a value", a);
		if (!strcmp(a, "--path"))
			o->path = v;
		else if (!strcmp(a, "--crd-version"))
			o->crd_version = v;
		else if (!strcmp(a, "-n") || !strcmp(a, "--namespace"))
			o->only_ns = v;
		else
			fail_msg("unknown option '%s' in '# args:'", a);
	}
}

static int in_list(char *const *v, size_t n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(v[i]) == len && !strncmp(v[i], s, len))
			return 1;
	return 0;
}

/*
 * The namespaces the diagnostics name: the subject's namespace, else the
 * folder of the file below the synced folder.
 */
static void failed_from_diags(struct expect *e, const struct fg_desired *d,
			      const char *base)
{
	size_t i, blen = strlen(base);

	for (i = 0; i < d->diags.n; i++) {
		const struct fg_diag *g = &d->diags.v[i];
		const char *ns = g->ns, *rel = g->file;
		size_t len;

		if (g->severity != FG_SEV_ERROR)
			continue; /* a warning fails nothing */
		if (!ns) {
			if (blen && !strncmp(rel, base, blen) &&
			    rel[blen] == '/')
				rel += blen + 1;
			if (!strchr(rel, '/'))
				continue; /* a top-level file */
			ns = rel;
		}
		len = strcspn(ns, "/");
		if (!in_list(e->failed, e->nfailed, ns, len)) {
			if (e->nfailed == MAX_WORDS)
				fail_msg("too many failed namespaces");
			e->failed[e->nfailed++] = strndup(ns, len);
		}
	}
}

static void check_namespaces(struct expect *e, const struct fg_desired *d,
			     const struct fg_render_opts *o)
{
	size_t i, j;

	if (!e->has_failed)
		failed_from_diags(e, d, o->path);
	for (i = 0; i < e->nfailed; i++) {
		for (j = 0; j < d->nns; j++)
			if (!strcmp(d->ns[j].name, e->failed[i]))
				break;
		if (j == d->nns)
			fail_msg("namespace '%s' should be failed but was not "
				 "rendered at all",
				 e->failed[i]);
	}
	for (i = 0; i < d->nns; i++) {
		const struct fg_ns *ns = &d->ns[i];
		int want_failed =
			d->config_failed || in_list(e->failed, e->nfailed,
						    ns->name, strlen(ns->name));

		if (want_failed && !ns->failed)
			fail_msg("namespace '%s' has errors but is not marked "
				 "failed (%zu objects rendered)",
				 ns->name, ns->n);
		if (want_failed && ns->n)
			fail_msg(
				"failed namespace '%s' still holds %zu objects",
				ns->name, ns->n);
		if (!want_failed && ns->failed)
			fail_msg("namespace '%s' has no error but is marked "
				 "failed",
				 ns->name);
		if (!want_failed && !ns->n)
			fail_msg("valid namespace '%s' rendered no object",
				 ns->name);
	}
}

/* The operator's verdict is among ours (we report every problem). */
static void check_operator(const struct expect *e, const struct fg_desired *d)
{
	const char *m = e->operator;
	int contains;
	size_t i;

	if (!m)
		return;
	if (!strcmp(m, "valid")) {
		if (fg_diags_errors(&d->diags))
			fail_msg("the operator finds this valid");
		return;
	}
	contains = !strncmp(m, "... ", 4);
	if (contains)
		m += 4;
	for (i = 0; i < d->diags.n; i++) {
		const char *msg = d->diags.v[i].message;
		if (contains ? strstr(msg, m) != NULL
			     : !strncmp(msg, m, strlen(m)))
			return;
	}
	fail_msg("no diagnostic gives the operator's verdict: %s", e->operator);
}

static void run_case(void **state)
{
	const char *case_dir = *state;
	struct fg_buf repo = FG_BUF_INIT, got = FG_BUF_INIT;
	struct fg_source *src = NULL;
	struct fg_desired *d = NULL;
	struct fg_render_opts opts;
	struct expect e;
	size_t i;
	int warnings;

	expect_load(&e, case_dir);
	opts_from_args(&opts, &e);
	if (!e.valid == !e.lines.len)
		fail_msg("%s/expected: a case either lists its diagnostics or "
			 "says '# valid'",
			 case_dir);
	fg_buf_printf(&repo, "%s/repo", case_dir);
	if (fg_source_dir_new(&src, repo.ptr) < 0)
		fail_msg("%s: %s", repo.ptr, fg_error_last());
	if (fg_render(&d, src, &opts) < 0)
		fail_msg("render failed: %s", fg_error_last());
	assert_non_null(d);

	/* flink-gitops' own warnings (render/hints.h, a session job's
	   cluster managed elsewhere) are compared where a case lists some;
	   a case about the operator's verdicts is about its errors */
	warnings = strstr(e.lines.ptr, ": warning: ") != NULL;
	for (i = 0; i < d->diags.n; i++) {
		if (d->diags.v[i].severity != FG_SEV_ERROR && !warnings)
			continue;
		fg_diag_format(&got, &d->diags.v[i]);
		fg_buf_putc(&got, '\n');
	}
	if (got.len != e.lines.len || strcmp(got.ptr, e.lines.ptr))
		fail_msg("diagnostics differ\n--- expected\n%s--- got\n%s---",
			 e.lines.ptr, got.len ? got.ptr : "");
	assert_int_equal(d->diags.dropped, 0);
	assert_true(e.valid ? fg_diags_errors(&d->diags) == 0
			    : fg_diags_errors(&d->diags) >= 1);
	check_namespaces(&e, d, &opts);
	check_operator(&e, d);

	fg_desired_free(d);
	fg_source_free(src);
	fg_buf_release(&got);
	fg_buf_release(&repo);
	expect_release(&e);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *dir;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	corpus = argv[1];
	if (!(dir = opendir(corpus))) {
		perror(corpus);
		return 2;
	}
	while ((de = readdir(dir))) {
		struct fg_buf p = FG_BUF_INIT;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		fg_buf_printf(&p, "%s/%s", corpus, de->d_name);
		if (stat(p.ptr, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 128;
				names = realloc(names, cap * sizeof(*names));
				if (!names)
					return 2;
			}
			names[n++] = strdup(de->d_name);
		}
		fg_buf_release(&p);
	}
	closedir(dir);
	if (!n) {
		fprintf(stderr, "%s: no case\n", corpus);
		return 2;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 2;
	for (i = 0; i < n; i++) {
		struct fg_buf p = FG_BUF_INIT;

		fg_buf_printf(&p, "%s/%s", corpus, names[i]);
		tests[i].name = names[i];
		tests[i].test_func = run_case;
		tests[i].initial_state = strdup(p.ptr);
		fg_buf_release(&p);
	}
	rc = _cmocka_run_group_tests("render_corpus", tests, n, NULL, NULL);
	for (i = 0; i < n; i++) {
		free(tests[i].initial_state);
		free(names[i]);
	}
	free(tests);
	free(names);
	return rc;
}
