/*
 * Private to render/crd.c and the file fg-embed generates from
 * render/crds/ at build time (crd_data.c in the build tree).
 */
#ifndef FG_RENDER_CRD_INT_H
#define FG_RENDER_CRD_INT_H

#include <stddef.h>

/*
 * One bundled CRD, reduced by fg-embed to compact JSON with sorted keys:
 * {"group": G, "kind": K, "versions": [{"name": N, "served": B,
 *  "storage": B, "openAPIV3Schema": {...}}]}, without `description`s.
 */
struct fg_crd_blob {
	const char *operator_version; /* "1.15.0", "main" */
	const char *kind;	      /* spec.names.kind */
	const char *group;	      /* spec.group */
	const unsigned char *data;    /* the JSON, not NUL-terminated */
	size_t len;
};

extern const struct fg_crd_blob fg_crd_blobs[];
extern const size_t fg_crd_blob_count;

/* Newest release first, then "main"; NULL-terminated. */
extern const char *const fg_crd_bundled_versions[];

#endif
