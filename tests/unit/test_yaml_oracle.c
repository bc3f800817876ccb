/*
 * Differential test: our loader against Kubernetes' own reader.
 *
 * The second reader is tests/tools/k8syaml, a small Go program around the
 * exact code `kubectl apply -f` runs (k8s.io/apimachinery's document
 * splitter and sigs.k8s.io/yaml). For every YAML file of the given
 * folders, both readers load it and:
 *   - where both accept it, every document must be the same JSON;
 *   - where kubectl refuses it, we must refuse it too;
 *   - where we refuse what kubectl accepts, the file must be listed, with
 *     its reason, in the differences file (duplicate keys that kubectl
 *     silently drops, and the like); a listed file that no longer
 *     differs fails the test, so the list cannot go stale.
 *
 * usage: test_yaml_oracle K8SYAML_PATH_FILE DIFFERENCES_FILE DIR...
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#include "render/base/buf.h"
#include "render/base/banned.h"

struct yaml_case {
	char *path;
	char *name; /* file name, the key in the differences file */
};

static char oracle[4096];
static json_t *differences; /* name -> reason */

/* Run the oracle on `path`; its stdout goes to `out`. Returns exit code. */
static int run_oracle(const char *path, struct fg_buf *out)
{
	int fds[2], status;
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		fail_msg("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(oracle, oracle, path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) > 0)
		assert_int_equal(fg_buf_add(out, chunk, (size_t)n), 0);
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		fail_msg("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status))
		fail_msg("oracle died on %s", path);
	if (WEXITSTATUS(status) > 1)
		fail_msg("oracle could not run on %s (exit %d)", path,
			 WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

/*
 * Equal as the API server would see them: numbers by value (Go keeps
 * 1e3 as 1000 and so do we, but raw JSON input keeps its spelling).
 */
static int same_json(json_t *a, json_t *b)
{
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_object(a)) {
		const char *k;
		json_t *v;
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach (a, k, v) {
			json_t *w = json_object_get(b, k);
			if (!w || !same_json(v, w))
				return 0;
		}
		return 1;
	}
	if (json_is_array(a)) {
		size_t i;
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!same_json(json_array_get(a, i),
				       json_array_get(b, i)))
				return 0;
		return 1;
	}
	return json_equal(a, b);
}

/* Oracle output line -> its JSON value, big integers read as reals. */
static json_t *parse_line(const char *line, size_t len)
{
	json_error_t je;
	json_t *v = json_loadb(line, len,
			       JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);

	if (!v) /* beyond int64 or raw JSON with duplicate keys */
		v = json_loadb(line, len,
			       JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &je);
	if (!v)
		fail_msg("cannot parse oracle output: %s: %.*s", je.text,
			 (int)len, line);
	return v;
}

static void check_file(void **state)
{
	const struct yaml_case *c = *state;
	struct fg_buf out = FG_BUF_INIT;
	struct fg_yaml_file *f = NULL;
	json_t *reason = json_object_get(differences, c->name);
	const char *p, *nl;
	size_t ndocs = 0;
	int k8s_rc, our_rc;
	char *oracle_error = NULL;

	k8s_rc = run_oracle(c->path, &out);
	our_rc = fg_yaml_load_path(&f, c->path, NULL, NULL);
	if (our_rc < 0 && our_rc != FG_EINVALID)
		fail_msg("%s: %s", c->name, fg_error_last());

	if (k8s_rc != 0) {
		oracle_error = strstr(out.ptr, "{\"error\"");
		if (our_rc == 0)
			fail_msg("%s: kubectl refuses it (%s) but we accept it",
				 c->name, oracle_error ? oracle_error : "?");
		goto done;
	}
	if (our_rc != 0) {
		if (!reason)
			fail_msg(
				"%s: kubectl accepts it but we refuse it (%s); "
				"fix the loader or list the file, with the "
				"reason, in the differences file",
				c->name, fg_error_last());
		goto done;
	}
	if (reason)
		fail_msg("%s: listed as a difference (%s) but both readers "
			 "accept it; remove it from the list",
			 c->name, json_string_value(reason));

	for (p = out.ptr; *p; p = nl + 1) {
		json_t *line, *want;
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (nl == p)
			break;
		line = parse_line(p, (size_t)(nl - p));
		want = json_object_get(line, "json");
		if (ndocs >= fg_yaml_count(f)) {
			json_decref(line);
			fail_msg(
				"%s: kubectl reads more documents than our %zu",
				c->name, fg_yaml_count(f));
		}
		if (!same_json(want, fg_yaml_doc(f, ndocs))) {
			char *a =
				json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT |
							 JSON_ENCODE_ANY);
			char *b = json_dumps(fg_yaml_doc(f, ndocs),
					     JSON_SORT_KEYS | JSON_COMPACT |
						     JSON_ENCODE_ANY);
			print_error("%s: document %zu differs\n  kubectl %s\n"
				    "  ours    %s\n",
				    c->name, ndocs, a, b);
			free(a);
			free(b);
			json_decref(line);
			fail();
		}
		json_decref(line);
		ndocs++;
		if (!*nl)
			break;
	}
	if (ndocs != fg_yaml_count(f))
		fail_msg("%s: kubectl reads %zu documents, we read %zu",
			 c->name, ndocs, fg_yaml_count(f));
done:
	fg_yaml_file_free(f);
	fg_buf_release(&out);
}

static void read_differences(const char *path)
{
	struct fg_buf b = FG_BUF_INIT;
	char *line, *next;

	differences = json_object();
	if (fg_buf_read_file(&b, path) < 0) {
		fprintf(stderr, "%s\n", fg_error_last());
		exit(2);
	}
	for (line = b.ptr; line && *line; line = next) {
		char *colon;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || !*line)
			continue;
		colon = strstr(line, ": ");
		if (!colon) {
			fprintf(stderr, "%s: line without 'FILE: REASON': %s\n",
				path, line);
			exit(2);
		}
		*colon = '\0';
		json_object_set_new(differences, line, json_string(colon + 2));
	}
	fg_buf_release(&b);
}

static int cmp_case(const void *a, const void *b)
{
	return strcmp(((const struct yaml_case *)a)->path,
		      ((const struct yaml_case *)b)->path);
}

int main(int argc, char **argv)
{
	struct yaml_case *cases = NULL;
	struct CMUnitTest *tests;
	size_t n = 0, cap = 0, i;
	struct fg_buf pathfile = FG_BUF_INIT;
	int d, rc;

	if (argc < 4) {
		fprintf(stderr,
			"usage: %s K8SYAML_PATH_FILE DIFFERENCES "
			"DIR...\n",
			argv[0]);
		return 2;
	}
	if (fg_buf_read_file(&pathfile, argv[1]) < 0) {
		fprintf(stderr, "no k8syaml oracle: %s\n", fg_error_last());
		return 2;
	}
	snprintf(oracle, sizeof(oracle), "%.*s",
		 (int)strcspn(pathfile.ptr, "\n"), pathfile.ptr);
	fg_buf_release(&pathfile);
	if (access(oracle, X_OK) != 0) {
		fprintf(stderr, "k8syaml oracle '%s' is not executable\n",
			oracle);
		return 2;
	}
	read_differences(argv[2]);

	for (d = 3; d < argc; d++) {
		DIR *dir = opendir(argv[d]);
		struct dirent *de;
		if (!dir) {
			fprintf(stderr, "cannot open %s: %s\n", argv[d],
				strerror(errno));
			return 2;
		}
		while ((de = readdir(dir))) {
			size_t len = strlen(de->d_name);
			struct fg_buf p = FG_BUF_INIT;
			if (!(len > 5 &&
			      !strcmp(de->d_name + len - 5, ".yaml")) &&
			    !(len > 4 && !strcmp(de->d_name + len - 4, ".yml")))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				cases = realloc(cases, cap * sizeof(*cases));
			}
			fg_buf_printf(&p, "%s/%s", argv[d], de->d_name);
			cases[n].path = fg_buf_detach(&p, NULL);
			cases[n].name = strdup(de->d_name);
			n++;
		}
		closedir(dir);
	}
	qsort(cases, n, sizeof(*cases), cmp_case);
	tests = calloc(n, sizeof(*tests));
	for (i = 0; i < n; i++) {
		tests[i].name = cases[i].path;
		tests[i].test_func = check_file;
		tests[i].initial_state = &cases[i];
	}
	rc = _cmocka_run_group_tests("test_yaml_oracle", tests, n, NULL, NULL);
	for (i = 0; i < n; i++) {
		free(cases[i].path);
		free(cases[i].name);
	}
	free(cases);
	free(tests);
	json_decref(differences);
	return rc;
}
