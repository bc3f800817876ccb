/*
 * The Flink operator's CustomResourceDefinitions, bundled in the binary.
 *
 * render/crds/ holds the FlinkDeployment, FlinkSessionJob,
 * FlinkStateSnapshot and FlinkBlueGreenDeployment CRDs of each supported
 * operator version, copied unchanged from apache/flink-kubernetes-operator
 * (see the README there). The build reduces them to their schemas and
 * compiles them in, so no file is read at run time.
 *
 * Each CRD is parsed on first use and kept for the life of the process
 * (or until fg_crd_cache_free); the functions are safe to call from
 * several threads.
 */
#ifndef FG_RENDER_CRD_H
#define FG_RENDER_CRD_H

#include <jansson.h>

/* The operator release whose CRDs apply when none is chosen. */
#define FG_CRD_DEFAULT_VERSION "1.15.0"

/*
 * NULL-terminated list of bundled operator versions, newest release
 * first, then "main" (the operator's unreleased main branch). Static.
 */
const char *const *fg_crd_versions(void);

/* 1 when `v` is a bundled version, 0 otherwise (also for NULL). */
int fg_crd_version_known(const char *v);

/*
 * The `openAPIV3Schema` for kind `kind` (e.g. "FlinkDeployment") at API
 * version `api_version` (an object's apiVersion, e.g.
 * "flink.apache.org/v1beta1") in operator release `crd_version` (NULL for
 * FG_CRD_DEFAULT_VERSION). Only versions the CRD marks `served` count.
 *
 * *out is borrowed: it stays valid, and the same pointer is returned for
 * the same question, until fg_crd_cache_free(). On failure *out is NULL
 * and the result is FG_ENOTFOUND with a message such as
 *   operator version '9.9' is not bundled (bundled: 1.15.0, main)
 *   no CRD for kind 'X' in operator version 1.15.0
 *   FlinkDeployment has no API version 'v1alpha1' (served: v1beta1)
 *   FlinkDeployment belongs to API group 'flink.apache.org', not 'apps'
 * (FG_EINVALID for a NULL argument, FG_ERROR for out of memory).
 */
int fg_crd_schema(const json_t **out, const char *crd_version, const char *kind,
		  const char *api_version);

/*
 * 1 when `kind` is a kind the bundled CRDs define in any bundled version
 * (group flink.apache.org), 0 otherwise (also for NULL).
 */
int fg_crd_kind_known(const char *kind);

/*
 * 1 when the schema of `kind` at `api_version` in release `crd_version`
 * has a field at RFC 6901 `pointer` ("/spec/jobManager/resources"):
 * through properties, array items and additionalProperties; a
 * preserve-unknown-fields node holds anything. 0 otherwise (also when
 * there is no such schema).
 */
int fg_crd_has_field(const char *crd_version, const char *kind,
		     const char *api_version, const char *pointer);

/*
 * Drop every parsed CRD. Pointers from fg_crd_schema become invalid; a
 * later call parses again. Call it only when no other thread uses them.
 */
void fg_crd_cache_free(void);

#endif
