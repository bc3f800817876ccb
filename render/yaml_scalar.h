/*
 * Scalar resolution as Kubernetes' YAML reader does it (go-yaml v2 as used
 * by sigs.k8s.io/yaml). Private to render/; exposed for yaml.c and tests.
 */
#ifndef FG_RENDER_YAML_SCALAR_H
#define FG_RENDER_YAML_SCALAR_H

#include <stddef.h>

enum fg_scalar_type {
	FG_SCALAR_STR,
	FG_SCALAR_NULL,
	FG_SCALAR_BOOL,
	FG_SCALAR_INT,	 /* fits int64: .i */
	FG_SCALAR_UINT,	 /* above int64, fits uint64: .u */
	FG_SCALAR_FLOAT, /* .d, may be inf/nan */
};

struct fg_scalar {
	enum fg_scalar_type type;
	int b;
	long long i;
	unsigned long long u;
	double d;
};

/* Resolve the text of a plain (unquoted, untagged) scalar: 0, or -1
 * when memory ran out before its type was known (`out` is then not to
 * be used: a long number is no string). */
int fg_scalar_resolve_plain(const char *s, size_t len, struct fg_scalar *out);

/* True when `s` is a YAML timestamp go-yaml v2 would recognise. */
int fg_scalar_is_timestamp(const char *s, size_t len);

/*
 * Format a map key that resolved to a float the way sigs.k8s.io/yaml
 * does: strconv.FormatFloat(v, 'g', -1, 32), with .inf/-.inf/.nan.
 */
void fg_scalar_float_key(double v, char *out, size_t outsz);

/* Copy `len` bytes into `out`, replacing invalid UTF-8 with U+FFFD. */
struct fg_buf;
int fg_utf8_sanitize(struct fg_buf *out, const char *s, size_t len);

/*
 * Length of the valid UTF-8 sequence at s[0..len), or 0 when it is not
 * valid (overlong forms, surrogates and code points above U+10FFFF are
 * invalid).
 */
size_t fg_utf8_seq_len(const unsigned char *s, size_t len);

/* The shortest "%g" text that reads back as exactly `v`. */
void fg_format_double(char *out, size_t outsz, double v);

/* True when all `len` bytes of `s` are valid UTF-8. */
int fg_utf8_valid(const char *s, size_t len);

#endif
