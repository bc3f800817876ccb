/*
 * Secret redaction: what flink-gitops prints, logs or reports about a
 * Kubernetes Secret carries no byte of its values, only markers that
 * compare equal exactly when the values do.
 *
 *   data.password: "<redacted hmac-sha256:3f1c0a9b2e7d6c45>"
 *
 * A marker is the first 64 bits of HMAC-SHA-256(redaction key, value),
 * in hex. For `data` the value is the base64-decoded bytes, for
 * `stringData` the string itself, so `stringData: {a: x}` in Git and
 * `data: {a: eA==}` on the cluster show the same marker. The key is
 * process-wide: the agent sets it from the age identities in use
 * (fg_age_identities_redaction_key), so the same identities give the
 * same markers run after run, and nobody without an identity can test a
 * guess against a marker (a plain hash would let anyone confirm that a
 * password is "changeme"). Until it is set, the key is random for the
 * process: markers still compare within one run, never across runs.
 *
 * What fg_secret_redact replaces, on any object whose kind is Secret:
 *   - every value of `data` and `stringData` (non-string values too);
 *   - the annotation flink-gitops.io/desired-hash (the SHA-256 of the
 *     whole object, values included: a guess could be tested with it);
 *   - the annotation kubectl.kubernetes.io/last-applied-configuration
 *     (it holds the object again, values included).
 * Keys, metadata and `type` stay: they are not secret, and a reader
 * needs them to see which value differs.
 *
 * For the sync core (plan, drift, reports, notes, Events): compare the
 * real objects, then print or store only a redacted copy:
 *
 *   json_t *shown = fg_secret_redacted(obj);   // new reference
 *   ... format `shown`, never `obj` ...
 *   json_decref(shown);
 *
 * and format one changed field of a Secret with fg_secret_redact_field()
 * (a diff line "data.password: Git X, cluster Y" must print two markers).
 * Objects of other kinds come back unchanged (same reference, incref'd),
 * so calling it on everything is cheap and safe. Never print or store
 * `struct fg_object.hash` of a Secret either: it is the desired-hash,
 * computed over the values; show fg_secret_marker() of it instead.
 */
#ifndef FG_RENDER_SECRET_H
#define FG_RENDER_SECRET_H

#include <stddef.h>

#include <jansson.h>

#define FG_SECRET_MARKER_PREFIX "<redacted hmac-sha256:"
/* prefix + 16 hex + ">" + NUL */
#define FG_SECRET_MARKER_SIZE (sizeof(FG_SECRET_MARKER_PREFIX) - 1 + 16 + 2)
#define FG_SECRET_REDACTION_KEY_BYTES 32

/*
 * Set the process-wide redaction key (copied into secret memory). Call
 * it before any thread redacts; the agent does, once, after loading the
 * age identities.
 */
int fg_secret_redaction_key_set(const unsigned char key[32]);

/* Whether `obj` is a Secret (kind "Secret"; any apiVersion, to be safe). */
int fg_secret_is_secret(const json_t *obj);

/* The marker of `len` bytes of a value. */
void fg_secret_marker(char out[FG_SECRET_MARKER_SIZE], const void *value,
		      size_t len);

/* Redact `obj` in place (nothing happens unless it is a Secret). */
int fg_secret_redact(json_t *obj);

/*
 * A redacted deep copy of a Secret, or `obj` itself (incref'd) for any
 * other object; NULL only when out of memory. The caller decrefs.
 */
json_t *fg_secret_redacted(const json_t *obj);

/*
 * The value to show for field `pointer` (RFC 6901, "/data/password") of
 * Secret `obj`: a new string holding its marker when the field is
 * redacted (see above), else `value` itself, incref'd. For diff lines.
 */
json_t *fg_secret_redact_field(const json_t *obj, const char *pointer,
			       const json_t *value);

#endif
