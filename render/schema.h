/*
 * CRD schema validation: check one whole object (apiVersion, kind,
 * metadata, spec, ...) against a CustomResourceDefinition version's
 * `schema.openAPIV3Schema`, the way kube-apiserver does on a create or
 * update with `fieldValidation=Strict`:
 *
 *   1. pruning of unknown fields (apiextensions-apiserver
 *      pkg/apiserver/schema/pruning), each reported as the strict decoder
 *      words it: `unknown field "spec.job.paralellism"`;
 *   2. removal of nulls the schema does not allow (defaulting.
 *      PruneNonNullableNullsWithoutDefaults) - not an error by itself;
 *   3. ObjectMeta coercion and validation for `metadata` at the root and
 *      in every x-kubernetes-embedded-resource (schema/objectmeta);
 *   4. OpenAPI value validation (kube-openapi pkg/validation/validate),
 *      messages in apimachinery's field.Error wording
 *      (`Invalid value: "string": spec.x in body must be of type integer:
 *      "string"`, `Unsupported value: "foo": supported values: "a", "b"`,
 *      `Required value`);
 *   5. x-kubernetes-list-type set/map uniqueness.
 *
 * Every problem is reported, not only the first, each with the RFC 6901
 * pointer of the offending node. What is not done: CEL rules
 * (x-kubernetes-validations), defaulting itself, ratcheting against an
 * old object, and formats outside the list in schema.c.
 *
 * A compiled schema is immutable and may be shared between threads.
 */
#ifndef FG_RENDER_SCHEMA_H
#define FG_RENDER_SCHEMA_H

#include <jansson.h>

#include "render/problems.h"

/*
 * Deepest nesting validated, in both the schema (fg_schema_new fails
 * beyond it) and the object (a problem is reported where validation
 * stops).
 */
#define FG_SCHEMA_MAX_DEPTH 128

/*
 * Most problems one fg_schema_validate call appends; the rest are only
 * counted, in one last problem at the object ("N more problems ...").
 */
#define FG_SCHEMA_MAX_PROBLEMS 1000

/* A compiled openAPIV3Schema (node tree, compiled patterns). */
struct fg_schema;

/*
 * Compile `openapi` (a version's schema.openAPIV3Schema node; borrowed,
 * a reference is taken for the schema's lifetime). Fails with
 * FG_EINVALID when the schema itself is malformed (a keyword of the
 * wrong type, nesting past FG_SCHEMA_MAX_DEPTH) and FG_ERROR when out of
 * memory; *out is NULL then. A `pattern` that does not compile is not a
 * failure here: it is reported as a problem on every value it checks.
 */
int fg_schema_new(struct fg_schema **out, const json_t *openapi);

/*
 * The same for a plain document that is not a Kubernetes resource (a
 * config file): the root gets no ObjectMeta/TypeMeta treatment, so
 * `metadata` is an ordinary field there and no name is required.
 */
int fg_schema_new_document(struct fg_schema **out, const json_t *openapi);

void fg_schema_free(struct fg_schema *s);

/*
 * Validate `obj` (borrowed, not modified) and append every problem to
 * `out`. Returns 0 when validation ran (problems may have been added),
 * negative FG_E* on internal error (out of memory).
 */
int fg_schema_validate(const struct fg_schema *s, const json_t *obj,
		       struct fg_problems *out);

/*
 * The same for a fragment that is merged under objects (a kind's
 * defaults): every check applies to what the fragment holds, but a
 * missing field is not a problem (`required`, metadata.name), since the
 * object it is merged under may supply it.
 */
int fg_schema_validate_partial(const struct fg_schema *s, const json_t *obj,
			       struct fg_problems *out);

/*
 * Compile `openapi`, validate `obj`, free: for one-off checks only.
 * Compiling the ~590 KB FlinkDeployment schema costs far more than
 * validating an object against it: keep an fg_schema per CRD instead.
 */
int fg_schema_validate_json(const json_t *openapi, const json_t *obj,
			    struct fg_problems *out);

/* The same for a plain document (see fg_schema_new_document). */
int fg_schema_validate_document_json(const json_t *openapi, const json_t *obj,
				     struct fg_problems *out);

#endif
