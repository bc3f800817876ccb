/*
 * flink-gitops scan: load every YAML file of a repository through the
 * render source and loader, and list what was found. Files that fail are
 * reported with their position; the others are still listed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/cli.h"
#include "agent/log.h"
#include "render/base/error.h"
#include "render/source.h"
#include "render/yaml.h"
#include "render/base/banned.h"

static int is_yaml_name(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && !strcmp(path + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(path + n - 4, ".yml"));
}

static const char *str_at(json_t *doc, const char *a, const char *b)
{
	json_t *v = json_object_get(doc, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void print_diags(const struct fg_diags *d, size_t from)
{
	struct fg_buf line = FG_BUF_INIT;
	size_t i;

	for (i = from; i < d->n; i++) {
		fg_buf_clear(&line);
		fg_diag_format(&line, &d->v[i]);
		fprintf(stderr, "%s\n", line.ptr);
	}
	fg_buf_release(&line);
}

struct scan_totals {
	size_t files, failed, objects;
};

static int scan_file(struct fg_source *src, const char *path,
		     struct fg_diags *diags, json_t *jfiles, int text,
		     struct scan_totals *t)
{
	struct fg_yaml_limits lim = FG_YAML_LIMITS_DEFAULT;
	struct fg_buf data = FG_BUF_INIT;
	struct fg_yaml_file *f = NULL;
	json_t *jdocs = NULL;
	size_t i;
	int err;

	t->files++;
	fg_buf_init(&data, lim.max_bytes);
	if ((err = fg_source_read(src, path, &data)) < 0) {
		struct fg_pos none = { 0, 0 };
		err = fg_diags_add(diags, FG_SEV_ERROR, path, none, "%s",
				   fg_error_last());
		t->failed++;
		goto done;
	}
	if (fg_yaml_load(&f, path, data.ptr, data.len, &lim, diags) < 0) {
		FG_LOG_DEBUG("scan.file.failed", FG_LOG_STR("path", path));
		t->failed++;
		err = 0;
		goto done;
	}
	FG_LOG_DEBUG("scan.file", FG_LOG_STR("path", path),
		     FG_LOG_INT("documents", fg_yaml_count(f)));
	if (jfiles)
		jdocs = json_array();
	for (i = 0; i < fg_yaml_count(f); i++) {
		json_t *doc = fg_yaml_doc(f, i);
		struct fg_pos pos = fg_yaml_doc_pos(f, i);
		const char *kind = str_at(doc, "kind", NULL);
		const char *ns = str_at(doc, "metadata", "namespace");
		const char *name = str_at(doc, "metadata", "name");
		const char *api = str_at(doc, "apiVersion", NULL);

		t->objects++;
		if (text) {
			printf("%s:%u\t%s\t%s%s%s\n", path, pos.line,
			       kind ? kind : "(no kind)", ns ? ns : "",
			       ns ? "/" : "", name ? name : "(no name)");
		} else if (jdocs) {
			json_t *o = json_pack(
				"{s:s, s:i, s:o, s:o, s:o, s:o}", "file", path,
				"line", (json_int_t)pos.line, "apiVersion",
				api ? json_string(api) : json_null(), "kind",
				kind ? json_string(kind) : json_null(),
				"namespace", ns ? json_string(ns) : json_null(),
				"name", name ? json_string(name) : json_null());
			json_array_append_new(jdocs, o);
		}
	}
	if (jdocs) {
		size_t k;
		json_t *o;
		json_array_foreach (jdocs, k, o)
			json_array_append(jfiles, o);
	}
done:
	json_decref(jdocs);
	fg_yaml_file_free(f);
	fg_buf_release(&data);
	return err;
}

int fg_cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "path", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct fg_diags diags = FG_DIAGS_INIT;
	struct scan_totals t = { 0, 0, 0 };
	struct fg_source *src = NULL;
	const char *dir = ".", *sub = "";
	json_t *jobjs = NULL;
	char **paths = NULL;
	size_t npaths = 0, i;
	int c, text = 1, rc = FG_EXIT_ERROR;

	opterr = 0;
	if ((rc = fg_cli_check_options("scan", argc, argv, "ho:", opts)))
		return rc;
	rc = FG_EXIT_ERROR;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find("scan")->help, stdout);
			return FG_EXIT_OK;
		case 'p':
			sub = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				text = 0;
			else if (strcmp(optarg, "text"))
				return fg_usage_error(
					"scan", "unknown output format '%s'",
					optarg);
			break;
		default:
			return fg_cli_getopt_error("scan", c, argv);
		}
	}
	if (optind < argc)
		dir = argv[optind++];
	if (optind < argc)
		return fg_usage_error("scan", "unexpected argument '%s'",
				      argv[optind]);

	if (fg_source_dir_new(&src, dir) < 0) {
		fprintf(stderr, "flink-gitops: scan: %s\n", fg_error_last());
		return FG_EXIT_ERROR;
	}
	if (fg_source_list(src, sub, &paths, &npaths, &diags) < 0) {
		fprintf(stderr, "flink-gitops: scan: %s\n", fg_error_last());
		goto done;
	}
	if (!text)
		jobjs = json_array();
	for (i = 0; i < npaths; i++) {
		if (!is_yaml_name(paths[i]))
			continue;
		if (scan_file(src, paths[i], &diags, jobjs, text, &t) < 0) {
			fprintf(stderr, "flink-gitops: scan: %s\n",
				fg_error_last());
			goto done;
		}
	}
	if (text) {
		print_diags(&diags, 0);
		size_t nerr = fg_diags_errors(&diags);
		printf("%zu file%s, %zu object%s, %zu error%s\n", t.files,
		       t.files == 1 ? "" : "s", t.objects,
		       t.objects == 1 ? "" : "s", nerr, nerr == 1 ? "" : "s");
	} else {
		json_t *out = json_object(), *jerr = json_array();
		for (i = 0; i < diags.n; i++)
			json_array_append_new(
				jerr, json_pack("{s:s, s:i, s:i, s:s}", "file",
						diags.v[i].file, "line",
						(json_int_t)diags.v[i].pos.line,
						"column",
						(json_int_t)diags.v[i].pos.col,
						"message", diags.v[i].message));
		json_object_set_new(out, "objects", jobjs);
		jobjs = NULL;
		json_object_set_new(out, "errors", jerr);
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(out);
	}
	fflush(stdout);
	FG_LOG_INFO("scan.done", FG_LOG_STR("root", src->label),
		    FG_LOG_INT("files", t.files),
		    FG_LOG_INT("objects", t.objects),
		    FG_LOG_INT("errors", fg_diags_errors(&diags)));
	rc = fg_diags_errors(&diags) ? FG_EXIT_ERROR : FG_EXIT_OK;
done:
	json_decref(jobjs);
	fg_source_paths_free(paths, npaths);
	fg_source_free(src);
	fg_diags_release(&diags);
	return rc;
}
