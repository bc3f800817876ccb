/*
 * Secret redaction. See secret.h for what is replaced and why markers
 * are keyed.
 */
#include <stdint.h>
#include <string.h>
#include <threads.h>

#include <sodium.h>

#include "render/base/json.h"
#include "render/base/error.h"
#include "render/render.h"
#include "render/secret.h"
#include "render/base/banned.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

static once_flag key_once = ONCE_FLAG_INIT;
static unsigned char *key; /* sodium_malloc, FG_SECRET_REDACTION_KEY_BYTES */

static void key_init(void)
{
	if (sodium_init() < 0)
		return;
	key = sodium_malloc(FG_SECRET_REDACTION_KEY_BYTES);
	if (key)
		randombytes_buf(key, FG_SECRET_REDACTION_KEY_BYTES);
}

int fg_secret_redaction_key_set(const unsigned char k[32])
{
	call_once(&key_once, key_init);
	if (!key)
		return fg_error_set(FG_ERROR, "out of memory (secret memory)");
	memcpy(key, k, FG_SECRET_REDACTION_KEY_BYTES);
	return 0;
}

int fg_secret_is_secret(const json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));

	return kind && !strcmp(kind, "Secret");
}

void fg_secret_marker(char out[FG_SECRET_MARKER_SIZE], const void *value,
		      size_t len)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	static const unsigned char none[FG_SECRET_REDACTION_KEY_BYTES];
	const size_t plen = sizeof(FG_SECRET_MARKER_PREFIX) - 1;

	call_once(&key_once, key_init);
	/* without secret memory nothing can be keyed; a fixed key still
	 * hides the value itself */
	crypto_auth_hmacsha256(mac, value, len, key ? key : none);
	memcpy(out, FG_SECRET_MARKER_PREFIX, plen);
	sodium_bin2hex(out + plen, 17, mac, 8);
	out[plen + 16] = '>';
	out[plen + 17] = '\0';
	sodium_memzero(mac, sizeof(mac));
}

/* The marker of one `data` value: over its bytes once base64-decoded. */
static json_t *data_marker(const json_t *v)
{
	char m[FG_SECRET_MARKER_SIZE];
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), bin_len = 0;
	unsigned char *bin;

	call_once(&key_once, key_init); /* libsodium ready for its malloc */
	if (!s) {
		char *dump = fg_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		fg_secret_marker(m, dump ? dump : "", dump ? strlen(dump) : 0);
		if (dump) {
			sodium_memzero(dump, strlen(dump));
			free(dump);
		}
		return json_string(m);
	}
	bin = sodium_malloc(n + 1);
	if (bin && sodium_base642bin(bin, n + 1, s, n, "\n\r ", &bin_len, NULL,
				     sodium_base64_VARIANT_ORIGINAL) == 0)
		fg_secret_marker(m, bin, bin_len);
	else
		fg_secret_marker(m, s, n); /* not base64: the text itself */
	if (bin)
		sodium_free(bin);
	return json_string(m);
}

static json_t *string_marker(const json_t *v)
{
	char m[FG_SECRET_MARKER_SIZE];
	char *dump = NULL;

	if (json_is_string(v)) {
		fg_secret_marker(m, json_string_value(v),
				 json_string_length(v));
		return json_string(m);
	}
	dump = fg_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	fg_secret_marker(m, dump ? dump : "", dump ? strlen(dump) : 0);
	if (dump) {
		sodium_memzero(dump, strlen(dump));
		free(dump);
	}
	return json_string(m);
}

/* Replace every value of map `m` (data: decoded; stringData: as is). */
static int redact_map(json_t *m, int decoded)
{
	const char *k;
	json_t *v;

	if (!json_is_object(m))
		return 0;
	json_object_foreach (m, k, v) {
		json_t *r = decoded ? data_marker(v) : string_marker(v);
		if (!r || json_object_set_new(m, k, r) < 0)
			return fg_error_set(FG_ERROR, "out of memory");
	}
	return 0;
}

int fg_secret_redact(json_t *obj)
{
	json_t *meta, *ann, *v;
	int err;

	if (!fg_secret_is_secret(obj))
		return 0;
	if (json_object_get(obj, "data") &&
	    !json_is_object(json_object_get(obj, "data")))
		json_object_set_new(
			obj, "data",
			string_marker(json_object_get(obj, "data")));
	if (json_object_get(obj, "stringData") &&
	    !json_is_object(json_object_get(obj, "stringData")))
		json_object_set_new(
			obj, "stringData",
			string_marker(json_object_get(obj, "stringData")));
	if ((err = redact_map(json_object_get(obj, "data"), 1)) < 0 ||
	    (err = redact_map(json_object_get(obj, "stringData"), 0)) < 0)
		return err;
	meta = json_object_get(obj, "metadata");
	ann = json_object_get(meta, "annotations");
	if ((v = json_object_get(ann, FG_ANNOTATION_HASH)) &&
	    json_object_set_new(ann, FG_ANNOTATION_HASH, string_marker(v)) < 0)
		return fg_error_set(FG_ERROR, "out of memory");
	if ((v = json_object_get(ann, LAST_APPLIED)) &&
	    json_object_set_new(ann, LAST_APPLIED, string_marker(v)) < 0)
		return fg_error_set(FG_ERROR, "out of memory");
	return 0;
}

json_t *fg_secret_redacted(const json_t *obj)
{
	json_t *copy;

	if (!fg_secret_is_secret(obj))
		return json_incref((json_t *)(uintptr_t)obj);
	if (!(copy = fg_json_deep_copy(obj)))
		return NULL;
	if (fg_secret_redact(copy) < 0) {
		json_decref(copy);
		return NULL;
	}
	return copy;
}

json_t *fg_secret_redact_field(const json_t *obj, const char *pointer,
			       const json_t *value)
{
	static const char hash_ptr[] =
		"/metadata/annotations/flink-gitops.io~1desired-hash";
	static const char applied_ptr[] = "/metadata/annotations/"
					  "kubectl.kubernetes.io~1last-applied-"
					  "configuration";
	json_t *copy;

	if (!value || !fg_secret_is_secret(obj))
		return value ? json_incref((json_t *)(uintptr_t)value) : NULL;
	if (!strncmp(pointer, "/data/", 6) && !strchr(pointer + 6, '/'))
		return data_marker(value);
	if ((!strncmp(pointer, "/stringData/", 12) &&
	     !strchr(pointer + 12, '/')) ||
	    !strcmp(pointer, hash_ptr) || !strcmp(pointer, applied_ptr))
		return string_marker(value);
	if (!strcmp(pointer, "/data") || !strcmp(pointer, "/stringData")) {
		if (!json_is_object(value))
			return string_marker(value);
		if (!(copy = fg_json_deep_copy(value)) ||
		    redact_map(copy, pointer[1] == 'd') < 0) {
			json_decref(copy);
			return NULL;
		}
		return copy;
	}
	if (!strcmp(pointer, ""))
		return fg_secret_redacted(value);
	if (!strcmp(pointer, "/metadata") ||
	    !strcmp(pointer, "/metadata/annotations")) {
		/* redact the annotations inside in a stand-in Secret */
		int whole = !strcmp(pointer, "/metadata");
		json_t *meta, *w, *inner;
		if (!json_is_object(value))
			return json_incref((json_t *)(uintptr_t)value);
		if (!(meta = whole ? fg_json_deep_copy(value) : json_object()))
			return NULL;
		if (!whole &&
		    json_object_set_new(meta, "annotations",
					fg_json_deep_copy(value)) < 0) {
			json_decref(meta);
			return NULL;
		}
		if (!(w = json_pack("{s:s, s:o}", "kind", "Secret", "metadata",
				    meta)) ||
		    fg_secret_redact(w) < 0) {
			json_decref(w);
			return NULL;
		}
		inner = json_object_get(w, "metadata");
		if (!whole)
			inner = json_object_get(inner, "annotations");
		json_incref(inner);
		json_decref(w);
		return inner;
	}
	return json_incref((json_t *)(uintptr_t)value);
}
