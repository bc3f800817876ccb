/*
 * Hints (render/hints.h): valid input that is probably not what was
 * meant. The YAML loader has already resolved every scalar as kubectl
 * does; a hint looks back at the text it came from.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/hints.h"
#include "render/problems.h"
#include "render/render.h"
#include "render/yaml_scalar.h"
#include "render/base/banned.h"

#define HINT_MAX_DEPTH 16 /* nested flinkConfiguration maps walked */

/* The YAML 1.1 spellings of true and false that are not "true"/"false". */
static int yaml11_bool(const char *s, size_t n)
{
	static const char *const words[] = { "y",   "Y",   "yes", "Yes",
					     "YES", "n",   "N",	  "no",
					     "No",  "NO",  "on",  "On",
					     "ON",  "off", "Off", "OFF" };

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strlen(words[i]) == n && !memcmp(words[i], s, n))
			return 1;
	return 0;
}

/* The byte where 1-based line `line`, character `col` starts, or NULL. */
static const char *at(const char *data, size_t len, struct fg_pos pos)
{
	const char *p = data, *end = data + len;
	unsigned line = 1, col = 1;

	if (!pos.line || !pos.col)
		return NULL;
	while (p < end && line < pos.line)
		if (*p++ == '\n')
			line++;
	while (p < end && col < pos.col && *p != '\n') {
		size_t k = fg_utf8_seq_len((const unsigned char *)p,
					   (size_t)(end - p));

		p += k ? k : 1;
		col++;
	}
	return p < end ? p : NULL;
}

/* Length of the plain scalar starting at `p`. */
static size_t plain_len(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && !strchr(" \t\r\n#,]}", p[n]))
		n++;
	return n;
}

struct walk {
	struct fg_diags *d;
	const struct fg_yaml_file *yf;
	size_t doc;
	const char *data, *file;
	size_t len;
	struct fg_diag_subject about;
	const char *defaults; /* the kind of a config file's defaults, "" */
	const char *spec;     /* "spec", or "spec.template.spec" */
	struct fg_buf pointer, key; /* into the document; the flat key */
};

static int hint(struct walk *w, int value)
{
	struct fg_buf field = FG_BUF_INIT;
	struct fg_pos pos;
	const char *p;
	size_t n;
	int err = 0;

	if (fg_yaml_pos(w->yf, w->doc, w->pointer.ptr, NULL, &pos) != 0) {
		fg_error_clear();
		return 0;
	}
	if (!(p = at(w->data, w->len, pos)) ||
	    !yaml11_bool(p, n = plain_len(p, w->data + w->len)))
		return 0;
	if (fg_buf_printf(&field, "%s%s%s%s.flinkConfiguration[%s]",
			  *w->defaults ? "defaults." : "", w->defaults,
			  *w->defaults ? "." : "", w->spec, w->key.ptr) < 0)
		return fg_error_set(FG_ERROR, "out of memory");
	w->about.field = field.ptr;
	if (fg_diags_add_about(w->d, FG_SEV_WARNING, w->file, pos, &w->about,
			       "unquoted %.*s is read as %s (as kubectl reads "
			       "it): write \"%.*s\" to keep the word, or "
			       "\"%s\" if %s is meant",
			       (int)n, p, value ? "true" : "false", (int)n, p,
			       value ? "true" : "false",
			       value ? "true" : "false") < 0)
		err = fg_error_set(FG_ERROR, "out of memory");
	w->about.field = NULL;
	fg_buf_release(&field);
	return err;
}

static int walk(struct walk *w, const json_t *conf, int depth)
{
	size_t plen = w->pointer.len, klen = w->key.len;
	const char *k;
	json_t *v;
	int err = 0;

	if (depth > HINT_MAX_DEPTH)
		return 0;
	json_object_foreach (fg_json_mut(conf), k, v) {
		fg_json_pointer_push(&w->pointer, k);
		fg_buf_printf(&w->key, "%s%s", klen ? "." : "", k);
		if (json_is_boolean(v))
			err = hint(w, json_is_true(v));
		else if (json_is_object(v))
			err = walk(w, v, depth + 1);
		w->pointer.len = plen;
		w->pointer.ptr[plen] = '\0';
		w->key.len = klen;
		w->key.ptr[klen] = '\0';
		if (err)
			break;
	}
	return err;
}

int fg_hints_flink_bools(struct fg_diags *d, const struct fg_yaml_file *yf,
			 size_t doc, const char *data, size_t len,
			 const char *file, const char *ns, const char *kind)
{
	const char *prefix = kind;
	const json_t *root = fg_yaml_doc(yf, doc), *obj = root, *conf;
	int bluegreen;
	struct walk w;
	int err;

	memset(&w, 0, sizeof(w));
	fg_buf_init(&w.pointer, 0);
	fg_buf_init(&w.key, 0);
	if (*prefix) {
		obj = fg_json_path(root, "defaults", prefix, NULL);
	} else {
		w.about.kind = fg_json_str(root, "kind");
		w.about.ns = ns;
		w.about.name = fg_meta_str(root, "name");
	}
	/* a FlinkBlueGreenDeployment's is its template's */
	bluegreen = fg_str_is(*prefix ? prefix : fg_json_str(root, "kind"),
			      FG_BLUEGREEN_KIND);
	conf = bluegreen
		       ? fg_json_path(obj, "spec", "template", "spec",
				      "flinkConfiguration", NULL)
		       : fg_json_path(obj, "spec", "flinkConfiguration", NULL);
	if (!json_is_object(conf))
		return 0;
	w.d = d;
	w.yf = yf;
	w.doc = doc;
	w.data = data;
	w.len = len;
	w.file = file;
	if (*prefix) {
		fg_json_pointer_push(&w.pointer, "defaults");
		fg_json_pointer_push(&w.pointer, prefix);
	}
	w.defaults = prefix;
	w.spec = bluegreen ? "spec.template.spec" : "spec";
	fg_json_pointer_push(&w.pointer, "spec");
	if (bluegreen) {
		fg_json_pointer_push(&w.pointer, "template");
		fg_json_pointer_push(&w.pointer, "spec");
	}
	fg_json_pointer_push(&w.pointer, "flinkConfiguration");
	err = walk(&w, conf, 0);
	fg_buf_release(&w.pointer);
	fg_buf_release(&w.key);
	return err;
}
