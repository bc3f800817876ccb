/*
 * The YAML loader: YAML text -> jansson values, one per document, exactly
 * as Kubernetes' own conversion (sigs.k8s.io/yaml over go-yaml v2, the
 * reader `kubectl apply` uses) would produce them, with every node's
 * source position kept so any later error can point at it.
 *
 * Resolution of plain scalars follows go-yaml v2 / YAML 1.1 as Kubernetes
 * sees it: `yes`/`on`/`y` are booleans, `012` is octal, `1_000` is 1000,
 * `1.0` is the number 1, quoted scalars always stay strings, and values
 * JSON cannot hold (`.inf`, `.nan`) are errors. Map keys become strings
 * the way sigs.k8s.io/yaml converts them (`yes:` -> "true").
 *
 * Where kubectl would silently drop or reinterpret input, the loader
 * refuses it instead, with a message that says why:
 *   - duplicate mapping keys (both lines named);
 *   - a merge (`<<`) that would override a key written before it;
 *   - a document after `...` that has no `---`, and text after `---`.
 *
 * Hostile input is bounded: file size, nesting depth, node count after
 * alias expansion (an alias bomb is an error, not an out-of-memory) and
 * document count all have named limits.
 */
#ifndef FG_RENDER_YAML_H
#define FG_RENDER_YAML_H

#include <stddef.h>

#include <jansson.h>

#include "render/base/diag.h"

#define FG_YAML_MAX_BYTES ((size_t)8 << 20) /* one file: 8 MiB */
#define FG_YAML_MAX_DEPTH 100		    /* nested collections */
#define FG_YAML_MAX_NODES 1000000	    /* per file, after aliases */
#define FG_YAML_MAX_DOCS 10000		    /* documents per file */

struct fg_yaml_limits {
	size_t max_bytes;
	size_t max_depth;
	size_t max_nodes;
	size_t max_docs;
};

#define FG_YAML_LIMITS_DEFAULT                                           \
	{                                                                \
		FG_YAML_MAX_BYTES, FG_YAML_MAX_DEPTH, FG_YAML_MAX_NODES, \
			FG_YAML_MAX_DOCS                                 \
	}

/* Loaded documents of one file, with their source positions. */
struct fg_yaml_file;

/*
 * Load `len` bytes of YAML named `name` (used in messages). Documents that
 * are empty or `null` are skipped, as kubectl skips them.
 *
 * On failure returns FG_EINVALID (or FG_ERROR for out of memory), sets
 * *out to NULL, records "NAME:LINE:COL: MESSAGE" as the thread's error
 * message and, when `diags` is not NULL, appends the same as one
 * diagnostic. `limits` may be NULL for the defaults.
 */
int fg_yaml_load(struct fg_yaml_file **out, const char *name, const char *data,
		 size_t len, const struct fg_yaml_limits *limits,
		 struct fg_diags *diags);

/* Read `path` (bounded by limits->max_bytes) and load it. */
int fg_yaml_load_path(struct fg_yaml_file **out, const char *path,
		      const struct fg_yaml_limits *limits,
		      struct fg_diags *diags);

void fg_yaml_file_free(struct fg_yaml_file *f);

const char *fg_yaml_name(const struct fg_yaml_file *f);
size_t fg_yaml_count(const struct fg_yaml_file *f);

/* Document `i` (borrowed; valid until fg_yaml_file_free). */
json_t *fg_yaml_doc(const struct fg_yaml_file *f, size_t i);

/*
 * Take ownership of document `i` (the file keeps its positions). The
 * caller must json_decref the result.
 */
json_t *fg_yaml_doc_take(struct fg_yaml_file *f, size_t i);

/* Where document `i` starts. */
struct fg_pos fg_yaml_doc_pos(const struct fg_yaml_file *f, size_t i);

/*
 * Source position of the node at RFC 6901 JSON pointer `pointer` ("" is
 * the document, "/spec/job/parallelism" a field) in document `i`.
 * `key` receives where the member's key is written (for array items and
 * the root, the node itself), `value` where its value starts; either may
 * be NULL. Returns 0 on an exact match; when the pointer names a node the
 * document does not have (it came from defaults, say), fills in the
 * nearest ancestor that exists and returns FG_ENOTFOUND.
 */
int fg_yaml_pos(const struct fg_yaml_file *f, size_t i, const char *pointer,
		struct fg_pos *key, struct fg_pos *value);

/*
 * Append `token` to a JSON pointer in `b`, escaped per RFC 6901
 * ("~" -> "~0", "/" -> "~1").
 */
int fg_json_pointer_push(struct fg_buf *b, const char *token);

#endif
