/*
 * YAML output: jansson values -> YAML text that any Kubernetes reader
 * (and our loader) reads back as exactly the same values. Strings that
 * would read as something else (yes, 012, null, 1.0 ...) are quoted;
 * multi-line strings use literal blocks. Keys are sorted, except that an
 * object's apiVersion, kind, metadata and spec come first, so output is
 * stable and reads like a hand-written manifest.
 */
#ifndef FG_RENDER_EMIT_H
#define FG_RENDER_EMIT_H

#include <jansson.h>

#include "render/base/buf.h"

/* Append `v` as one YAML document (starting with "---"). */
int fg_yaml_emit(struct fg_buf *out, const json_t *v);

#endif
