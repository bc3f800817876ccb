/*
 * Client configuration the way kubectl finds it: --kubeconfig, the files
 * of KUBECONFIG merged (the first file to set a name wins), the default
 * ~/.kube/config, or the in-cluster service account.
 *
 * Kubeconfig files are read with our YAML loader, so every error points
 * at a file, line and column, and names the entry and field.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/yaml.h"
#include "agent/kube/kube_int.h"
#include "render/base/banned.h"

/* ---- hooks ---- */

static struct fg_kube_hooks hooks;

void fg_kube_set_hooks(const struct fg_kube_hooks *h)
{
	if (h)
		hooks = *h;
	else
		memset(&hooks, 0, sizeof(hooks));
}

void kube_hook_secret(const char *value)
{
	if (hooks.secret && value && *value)
		hooks.secret(value);
}

void kube_hook_warn(const char *event, const char *message)
{
	if (hooks.warn)
		hooks.warn(event, message);
}

void kube_hook_request(const char *method, const char *path, long status,
		       long ms, unsigned attempt)
{
	if (hooks.request)
		hooks.request(method, path, status, ms, attempt);
}

/* ---- secrets ---- */

int kube_secret_set(struct kube_secret *s, const void *data, size_t len)
{
	kube_secret_free(s);
	if (sodium_init() < 0)
		return fg_error_set(FG_ERROR, "cannot initialise libsodium");
	if (!(s->p = sodium_malloc(len + 1)))
		return fg_error_set(FG_ERROR, "out of memory");
	memcpy(s->p, data, len);
	s->p[len] = '\0';
	s->len = len;
	return 0;
}

void kube_secret_free(struct kube_secret *s)
{
	if (s->p)
		sodium_free(s->p); /* wipes */
	s->p = NULL;
	s->len = 0;
}

void kube_wipe_str(const char *s, size_t len)
{
	if (s)
		sodium_memzero((void *)(uintptr_t)s, len);
}

/*
 * `v` in quotes `quote` ('\0': none) for a message, or words that describe it when
 * quoting it could show more than the value: a quote left open in the
 * file swallows the lines after it (a key's data among them) into one
 * value, which then holds ": " or a line break, or runs long. Into buf
 * (n bytes); returns buf.
 */
static const char *shown_in(const char *v, char quote, char *buf, size_t n)
{
	size_t len = strlen(v);

	if (len <= 256 && !strstr(v, ": ") && !strchr(v, '\n'))
		snprintf(buf, n, "%.1s%s%.1s", &quote, v, &quote);
	else
		snprintf(buf, n,
			 "a value of %zu bytes holding \": \" or a line break "
			 "(a quote left open, taking the lines after it?)",
			 len);
	return buf;
}

static const char *shown(const char *v, char *buf, size_t n)
{
	return shown_in(v, '\'', buf, n);
}

/* A name (of a context, cluster or user) for a message: "name". */
static const char *named(const char *v, char *buf, size_t n)
{
	return shown_in(v, '"', buf, n);
}

int kube_read_file(struct fg_buf *b, const char *path, size_t max)
{
	char q[320];
	int fd, err;

	fg_buf_init(b, max);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fg_error_set_errno(
			errno == ENOENT ? FG_ENOTFOUND : FG_ERROR, errno,
			"cannot read %s", shown(path, q, sizeof(q)));
	err = fg_buf_read_fd(b, fd, path);
	close(fd);
	return err;
}

static int has_pem_begin(const char *p, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	size_t i, n = sizeof(begin) - 1;

	for (i = 0; i + n <= len; i++)
		if (p[i] == '-' && !memcmp(p + i, begin, n))
			return 1;
	return 0;
}

/* ---- the loaded files ---- */

struct kc_file {
	char *path;
	char *dir; /* for relative paths */
	struct fg_yaml_file *y;
	json_t *doc; /* borrowed from y; NULL for an empty file */
};

struct kc {
	struct kc_file f[FG_KUBE_MAX_KUBECONFIGS];
	size_t n;
};

static void kc_release(struct kc *kc)
{
	size_t i;

	for (i = 0; i < kc->n; i++) {
		free(kc->f[i].path);
		free(kc->f[i].dir);
		fg_yaml_file_free(kc->f[i].y);
	}
	kc->n = 0;
}

/* An entry found by name: file, section index, JSON pointer prefix. */
struct kc_entry {
	struct kc_file *file;
	json_t *body; /* the "cluster"/"user"/"context" mapping */
	const char *name;
	const char *what; /* "cluster", "user", "context" */
	const char *sub;  /* "" or "exec." before field names */
	char ptr[64];	  /* "/users/3/user" */
};

/*
 * The error for `pointer` in `file`: "FILE:LINE:COL: PREFIX: MESSAGE".
 * The position is the value's, or the nearest ancestor's.
 */
static int kc_errv(int code, const struct kc_file *file, const char *pointer,
		   const char *prefix, const char *fmt, va_list ap)
{
	struct fg_buf msg = FG_BUF_INIT;
	struct fg_pos pos = { 0, 0 };
	int err;

	if (file->y)
		fg_yaml_pos(file->y, 0, pointer, NULL, &pos);
	if (pos.line)
		err = fg_buf_printf(&msg, "%s:%u:%u: ", file->path, pos.line,
				    pos.col);
	else
		err = fg_buf_printf(&msg, "%s: ", file->path);
	if (!err && prefix)
		err = fg_buf_printf(&msg, "%s: ", prefix);
	if (!err)
		err = fg_buf_vprintf(&msg, fmt, ap);
	if (err) {
		fg_buf_release(&msg);
		return err;
	}
	err = fg_error_set(code, "%s", msg.ptr);
	fg_buf_release(&msg);
	return err;
}

static int kc_err(int code, const struct kc_file *file, const char *pointer,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int kc_err(int code, const struct kc_file *file, const char *pointer,
		  const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = kc_errv(code, file, pointer, NULL, fmt, ap);
	va_end(ap);
	return err;
}

/* An error about field `key` of entry `e`: `user "u": key: MESSAGE`. */
static int entry_err(int code, const struct kc_entry *e, const char *key,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int entry_err(int code, const struct kc_entry *e, const char *key,
		     const char *fmt, ...)
{
	char ptr[128], prefix[512], q[320];
	va_list ap;
	int err;

	snprintf(ptr, sizeof(ptr), "%s%s%s", e->ptr, key ? "/" : "",
		 key ? key : "");
	snprintf(prefix, sizeof(prefix), "%s %s%s%s%s", e->what,
		 named(e->name, q, sizeof(q)), key ? ": " : "",
		 key && e->sub ? e->sub : "", key ? key : "");
	va_start(ap, fmt);
	err = kc_errv(code, e->file, ptr, prefix, fmt, ap);
	va_end(ap);
	return err;
}

static int load_one(struct kc *kc, const char *path, int must_exist,
		    int *loaded)
{
	struct fg_yaml_limits lim = FG_YAML_LIMITS_DEFAULT;
	struct fg_buf data = FG_BUF_INIT;
	struct kc_file *f;
	const char *slash;
	int err;

	*loaded = 0;
	if (kc->n == FG_KUBE_MAX_KUBECONFIGS)
		return fg_error_set(FG_EINVALID,
				    "KUBECONFIG: more than %d files",
				    FG_KUBE_MAX_KUBECONFIGS);
	err = kube_read_file(&data, path, lim.max_bytes);
	if (err == FG_ENOTFOUND && !must_exist) {
		fg_error_clear();
		return 0;
	}
	if (err < 0)
		goto done;
	f = &kc->f[kc->n];
	memset(f, 0, sizeof(*f));
	if (!(f->path = strdup(path))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	slash = strrchr(path, '/');
	f->dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup("");
	kc->n++;
	if (!f->dir) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if ((err = fg_yaml_load(&f->y, path, data.ptr, data.len, &lim, NULL)) <
	    0)
		goto done;
	if (fg_yaml_count(f->y) > 1) {
		err = kc_err(FG_EINVALID, f, "",
			     "a kubeconfig holds one "
			     "YAML document, this file "
			     "has %zu",
			     fg_yaml_count(f->y));
		goto done;
	}
	f->doc = fg_yaml_count(f->y) ? fg_yaml_doc(f->y, 0) : NULL;
	if (f->doc && !json_is_object(f->doc)) {
		err = kc_err(FG_EINVALID, f, "",
			     "not a kubeconfig (expected "
			     "a mapping with clusters, "
			     "users and contexts)");
		goto done;
	}
	*loaded = 1;
done:
	/* the file may hold keys and tokens: wipe our copy of its bytes */
	sodium_memzero(data.ptr, data.len);
	fg_buf_release(&data);
	return err;
}

/*
 * Find entry `name` of `section` ("clusters") in the files, first file
 * first. Returns 0 and fills *e, FG_ENOTFOUND when no file has it, or an
 * error for a malformed section.
 */
static int kc_find(struct kc *kc, const char *section, const char *what,
		   const char *name, struct kc_entry *e)
{
	size_t i, j;

	for (i = 0; i < kc->n; i++) {
		struct kc_file *f = &kc->f[i];
		json_t *list = f->doc ? json_object_get(f->doc, section) : NULL;
		char ptr[64];

		if (!list || json_is_null(list))
			continue;
		snprintf(ptr, sizeof(ptr), "/%s", section);
		if (!json_is_array(list))
			return kc_err(FG_EINVALID, f, ptr,
				      "%s: expected a list", section);
		for (j = 0; j < json_array_size(list); j++) {
			json_t *it = json_array_get(list, j);
			json_t *jn = json_object_get(it, "name");
			json_t *body = json_object_get(it, what);

			snprintf(ptr, sizeof(ptr), "/%s/%zu", section, j);
			if (!json_is_object(it) || !json_is_string(jn))
				return kc_err(FG_EINVALID, f, ptr,
					      "%s[%zu]: expected a mapping "
					      "with name and %s",
					      section, j, what);
			if (strcmp(json_string_value(jn), name))
				continue;
			if (body && !json_is_null(body) &&
			    !json_is_object(body)) {
				snprintf(ptr, sizeof(ptr), "/%s/%zu/%s",
					 section, j, what);
				return kc_err(FG_EINVALID, f, ptr,
					      "%s \"%s\": expected a mapping",
					      what, name);
			}
			e->file = f;
			e->body = body;
			e->name = json_string_value(jn);
			e->what = what;
			e->sub = "";
			snprintf(e->ptr, sizeof(e->ptr), "/%s/%zu/%s", section,
				 j, what);
			return 0;
		}
	}
	return FG_ENOTFOUND;
}

/* The names of `section` over all files, for "did you mean" lists. */
static void kc_names(struct kc *kc, const char *section, struct fg_buf *out)
{
	size_t i, j;

	for (i = 0; i < kc->n; i++) {
		json_t *list = kc->f[i].doc
				       ? json_object_get(kc->f[i].doc, section)
				       : NULL;
		for (j = 0; j < json_array_size(list); j++) {
			const char *n = json_string_value(json_object_get(
				json_array_get(list, j), "name"));
			char q[320];

			if (n)
				fg_buf_printf(out, "%s%s", out->len ? ", " : "",
					      shown_in(n, '\0', q, sizeof(q)));
		}
	}
	if (!out->len)
		fg_buf_puts(out, "none");
}

static void kc_paths(struct kc *kc, struct fg_buf *out)
{
	size_t i;

	for (i = 0; i < kc->n; i++)
		fg_buf_printf(out, "%s%s", i ? ":" : "", kc->f[i].path);
}

/* A string field of an entry: absent is NULL, not a string an error. */
static int entry_str(const struct kc_entry *e, const char *key,
		     const char **out)
{
	json_t *v = e->body ? json_object_get(e->body, key) : NULL;

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return entry_err(FG_EINVALID, e, key, "expected a string");
	*out = json_string_value(v);
	if (!**out)
		*out = NULL;
	return 0;
}

/* A path relative to the file's folder, resolved (caller frees). */
static char *resolve_path(const struct kc_file *f, const char *p)
{
	struct fg_buf b = FG_BUF_INIT;

	if (p[0] == '/' || !f->dir[0])
		return strdup(p);
	if (fg_buf_printf(&b, "%s%s", f->dir, p) < 0)
		return NULL;
	return fg_buf_detach(&b, NULL);
}

/*
 * Decode base64 `field` of `e` (Go's StdEncoding: padding required,
 * newlines ignored) into regular memory or, when `secret`, into `sec`.
 */
static int entry_b64(const struct kc_entry *e, const char *field,
		     const char *b64, int pem, char **out, size_t *out_len,
		     struct kube_secret *sec)
{
	size_t n = strlen(b64), len = 0, cap = n / 4 * 3 + 3;
	const char *end = NULL;
	unsigned char *bin;
	int err = 0;

	if (sodium_init() < 0)
		return fg_error_set(FG_ERROR, "cannot initialise libsodium");
	bin = sec ? sodium_malloc(cap + 1) : malloc(cap + 1);
	if (!bin)
		return fg_error_set(FG_ERROR, "out of memory");
	if (sodium_base642bin(bin, cap, b64, n, "\r\n", &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != b64 + n) {
		err = entry_err(FG_EINVALID, e, field,
				"not valid base64 (at byte %zu of %zu)",
				end ? (size_t)(end - b64) : (size_t)0, n);
		goto done;
	}
	bin[len] = '\0';
	if (pem && !has_pem_begin((const char *)bin, len)) {
		err = entry_err(FG_EINVALID, e, field,
				"not PEM data (no \"-----BEGIN\" line after "
				"base64 decoding)");
		goto done;
	}
	if (sec) {
		err = kube_secret_set(sec, bin, len);
	} else {
		*out = (char *)bin;
		*out_len = len;
		bin = NULL;
	}
done:
	if (bin) {
		if (sec) {
			sodium_free(bin);
		} else {
			sodium_memzero(bin, cap);
			free(bin);
		}
	}
	return err;
}

/* Read file field `field` (path `p`) of `e` into memory or a secret. */
static int entry_file(const struct kc_entry *e, const char *field,
		      const char *p, int pem, char **out, size_t *out_len,
		      struct kube_secret *sec)
{
	struct fg_buf b = FG_BUF_INIT;
	char *path = resolve_path(e->file, p);
	char q[320];
	int err;

	if (!path)
		return fg_error_set(FG_ERROR, "out of memory");
	if ((err = kube_read_file(&b, path, FG_KUBE_MAX_FILE)) < 0) {
		char msg[FG_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", fg_error_last());
		err = entry_err(err == FG_ENOTFOUND ? FG_EINVALID : err, e,
				field, "%s", msg);
		goto done;
	}
	if (pem && !has_pem_begin(b.ptr, b.len)) {
		err = entry_err(FG_EINVALID, e, field,
				"%s is not a PEM file (no \"-----BEGIN\" "
				"line)",
				shown(path, q, sizeof(q)));
		goto done;
	}
	if (sec) {
		err = kube_secret_set(sec, b.ptr, b.len);
	} else {
		*out = fg_buf_detach(&b, out_len);
	}
done:
	sodium_memzero(b.ptr, b.len);
	fg_buf_release(&b);
	free(path);
	return err;
}

static int cluster_fill(struct fg_kube_config *cfg, const struct kc_entry *e)
{
	const char *server, *ca_data, *ca_file, *sni, *proxy;
	json_t *insecure;
	char q[320];
	size_t n;
	int err;

	if ((err = entry_str(e, "server", &server)) < 0 ||
	    (err = entry_str(e, "certificate-authority-data", &ca_data)) < 0 ||
	    (err = entry_str(e, "certificate-authority", &ca_file)) < 0 ||
	    (err = entry_str(e, "tls-server-name", &sni)) < 0 ||
	    (err = entry_str(e, "proxy-url", &proxy)) < 0)
		return err;
	if (!server)
		return entry_err(FG_EINVALID, e, NULL, "no server");
	if (strncmp(server, "https://", 8) && strncmp(server, "http://", 7))
		return entry_err(FG_EINVALID, e, "server",
				 "%s is not an http(s) URL",
				 shown(server, q, sizeof(q)));
	if (!(cfg->server = strdup(server)))
		return fg_error_set(FG_ERROR, "out of memory");
	n = strlen(cfg->server);
	while (n > 8 && cfg->server[n - 1] == '/')
		cfg->server[--n] = '\0';
	insecure =
		e->body ? json_object_get(e->body, "insecure-skip-tls-verify")
			: NULL;
	if (insecure && !json_is_null(insecure)) {
		if (!json_is_boolean(insecure))
			return entry_err(FG_EINVALID, e,
					 "insecure-skip-tls-verify",
					 "expected true or false");
		cfg->insecure = json_is_true(insecure);
	}
	if (cfg->insecure && (ca_data || ca_file))
		return entry_err(FG_EINVALID, e, "insecure-skip-tls-verify",
				 "a certificate authority together with "
				 "insecure-skip-tls-verify is not allowed "
				 "(as in kubectl)");
	if (ca_data)
		err = entry_b64(e, "certificate-authority-data", ca_data, 1,
				&cfg->ca_pem, &cfg->ca_len, NULL);
	else if (ca_file)
		err = entry_file(e, "certificate-authority", ca_file, 1,
				 &cfg->ca_pem, &cfg->ca_len, NULL);
	if (err < 0)
		return err;
	if (sni && !(cfg->tls_server_name = strdup(sni)))
		return fg_error_set(FG_ERROR, "out of memory");
	if (proxy && !(cfg->proxy_url = strdup(proxy)))
		return fg_error_set(FG_ERROR, "out of memory");
	return 0;
}

static char *dup_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static char *dup_printf(const char *fmt, ...)
{
	struct fg_buf b = FG_BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = fg_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (err < 0) {
		fg_buf_release(&b);
		return NULL;
	}
	return fg_buf_detach(&b, NULL);
}

static int strv_push(char ***v, size_t *n, char *s)
{
	char **nv;

	if (!s)
		return fg_error_set(FG_ERROR, "out of memory");
	if (!(nv = realloc(*v, (*n + 2) * sizeof(*nv)))) {
		free(s);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	*v = nv;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	return 0;
}

static void strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void exec_free(struct kube_exec *x)
{
	if (!x)
		return;
	free(x->api_version);
	free(x->command);
	strv_free(x->argv);
	strv_free(x->env);
	free(x->where);
	free(x);
}

static int exec_fill(struct fg_kube_config *cfg, const struct kc_entry *u,
		     json_t *jx)
{
	struct kc_entry e = *u;
	struct kube_exec *x;
	const char *api, *cmd, *mode;
	json_t *args, *env, *v;
	char q[320];
	size_t i, nargv = 0, nenv = 0;
	struct fg_pos pos = { 0, 0 };
	int err;

	if (snprintf(e.ptr, sizeof(e.ptr), "%s/exec", u->ptr) >=
	    (int)sizeof(e.ptr))
		return fg_error_set(FG_EINVALID, "%s: too many users",
				    u->file->path);
	e.body = jx;
	if (!json_is_object(jx))
		return entry_err(FG_EINVALID, u, "exec", "expected a mapping");
	if (!(x = calloc(1, sizeof(*x))))
		return fg_error_set(FG_ERROR, "out of memory");
	cfg->exec = x;
	fg_yaml_pos(u->file->y, 0, e.ptr, NULL, &pos);
	if (!(x->where = dup_printf("%s:%u:%u: user %s: exec", u->file->path,
				    pos.line, pos.col,
				    named(u->name, q, sizeof(q)))))
		return fg_error_set(FG_ERROR, "out of memory");
	e.sub = "exec.";
	if ((err = entry_str(&e, "apiVersion", &api)) < 0 ||
	    (err = entry_str(&e, "command", &cmd)) < 0 ||
	    (err = entry_str(&e, "interactiveMode", &mode)) < 0)
		return err;
	if (!api)
		return entry_err(FG_EINVALID, u, "exec",
				 "no apiVersion (use "
				 "client.authentication.k8s.io/v1)");
	if (strcmp(api, "client.authentication.k8s.io/v1") &&
	    strcmp(api, "client.authentication.k8s.io/v1beta1"))
		return entry_err(FG_EINVALID, &e, "apiVersion",
				 "%s is not supported (use "
				 "client.authentication.k8s.io/v1 or v1beta1)",
				 shown(api, q, sizeof(q)));
	if (!cmd)
		return entry_err(FG_EINVALID, u, "exec", "no command");
	if (!strcmp(api, "client.authentication.k8s.io/v1") && !mode)
		return entry_err(FG_EINVALID, u, "exec",
				 "no interactiveMode (required by "
				 "client.authentication.k8s.io/v1; use Never)");
	if (mode && strcmp(mode, "Never") && strcmp(mode, "IfAvailable") &&
	    strcmp(mode, "Always"))
		return entry_err(FG_EINVALID, &e, "interactiveMode",
				 "%s is not Never, IfAvailable or Always",
				 shown(mode, q, sizeof(q)));
	if (mode && !strcmp(mode, "Always"))
		return entry_err(FG_EINVALID, &e, "interactiveMode",
				 "Always needs a terminal, and flink-gitops "
				 "runs plugins without one (use Never)");
	if (!(x->api_version = strdup(api)))
		return fg_error_set(FG_ERROR, "out of memory");
	/* like client-go: a relative path with a slash is file-relative */
	if (strchr(cmd, '/'))
		x->command = resolve_path(u->file, cmd);
	else
		x->command = strdup(cmd);
	if (!x->command ||
	    (err = strv_push(&x->argv, &nargv, strdup(x->command))) < 0)
		return err < 0 ? err : fg_error_set(FG_ERROR, "out of memory");
	args = json_object_get(jx, "args");
	if (args && !json_is_null(args) && !json_is_array(args))
		return entry_err(FG_EINVALID, &e, "args", "expected a list");
	json_array_foreach (args, i, v) {
		if (!json_is_string(v))
			return entry_err(FG_EINVALID, &e, "args",
					 "item %zu is not a string", i);
		if ((err = strv_push(&x->argv, &nargv,
				     strdup(json_string_value(v)))) < 0)
			return err;
	}
	env = json_object_get(jx, "env");
	if (env && !json_is_null(env) && !json_is_array(env))
		return entry_err(FG_EINVALID, &e, "env", "expected a list");
	json_array_foreach (env, i, v) {
		const char *n = json_string_value(json_object_get(v, "name"));
		const char *val =
			json_string_value(json_object_get(v, "value"));

		if (!n || !*n || !val || strchr(n, '='))
			return entry_err(FG_EINVALID, &e, "env",
					 "item %zu needs a name and a string "
					 "value",
					 i);
		if ((err = strv_push(&x->env, &nenv,
				     dup_printf("%s=%s", n, val))) < 0)
			return err;
	}
	x->provide_cluster_info =
		json_is_true(json_object_get(jx, "provideClusterInfo"));
	return 0;
}

static int user_fill(struct fg_kube_config *cfg, const struct kc_entry *e)
{
	const char *cert_data, *cert_file, *key_data, *key_file, *token,
		*token_file;
	json_t *jx;
	int err;

	if (!e->body)
		return 0;
	if ((err = entry_str(e, "client-certificate-data", &cert_data)) < 0 ||
	    (err = entry_str(e, "client-certificate", &cert_file)) < 0 ||
	    (err = entry_str(e, "client-key-data", &key_data)) < 0 ||
	    (err = entry_str(e, "client-key", &key_file)) < 0 ||
	    (err = entry_str(e, "token", &token)) < 0 ||
	    (err = entry_str(e, "tokenFile", &token_file)) < 0)
		return err;
	if (json_object_get(e->body, "auth-provider"))
		return entry_err(FG_EINVALID, e, "auth-provider",
				 "auth-provider plugins are not supported "
				 "(kubectl dropped them too); use an exec "
				 "credential plugin");
	if (json_object_get(e->body, "username") ||
	    json_object_get(e->body, "password"))
		return entry_err(FG_EINVALID, e, "username",
				 "basic authentication is not supported; use "
				 "a token, a client certificate or an exec "
				 "plugin");
	if (key_data)
		kube_hook_secret(key_data);
	if (token)
		kube_hook_secret(token);
	if ((cert_data || cert_file) && !(key_data || key_file))
		return entry_err(FG_EINVALID, e,
				 cert_data ? "client-certificate-data"
					   : "client-certificate",
				 "a client certificate needs client-key or "
				 "client-key-data");
	if ((key_data || key_file) && !(cert_data || cert_file))
		return entry_err(FG_EINVALID, e,
				 key_data ? "client-key-data" : "client-key",
				 "a client key needs client-certificate or "
				 "client-certificate-data");
	if (cert_data)
		err = entry_b64(e, "client-certificate-data", cert_data, 1,
				&cfg->cert_pem, &cfg->cert_len, NULL);
	else if (cert_file)
		err = entry_file(e, "client-certificate", cert_file, 1,
				 &cfg->cert_pem, &cfg->cert_len, NULL);
	if (err < 0)
		return err;
	if (key_data)
		err = entry_b64(e, "client-key-data", key_data, 1, NULL, NULL,
				&cfg->key);
	else if (key_file)
		err = entry_file(e, "client-key", key_file, 1, NULL, NULL,
				 &cfg->key);
	if (err < 0)
		return err;
	if (token) {
		if ((err = kube_secret_set(&cfg->token, token, strlen(token))) <
		    0)
			return err;
	} else if (token_file) {
		if (!(cfg->token_file = resolve_path(e->file, token_file)))
			return fg_error_set(FG_ERROR, "out of memory");
		if ((err = kube_token_file_refresh(cfg, 1)) < 0) {
			char msg[FG_ERROR_MSG_MAX];

			snprintf(msg, sizeof(msg), "%s", fg_error_last());
			return entry_err(FG_EINVALID, e, "tokenFile", "%s",
					 msg);
		}
	}
	if ((jx = json_object_get(e->body, "exec")) && !json_is_null(jx))
		return exec_fill(cfg, e, jx);
	return 0;
}

int kube_token_file_refresh(struct fg_kube_config *cfg, int force)
{
	struct fg_buf b = FG_BUF_INIT;
	time_t now = time(NULL);
	char q[320];
	size_t n;
	int err;

	if (!cfg->token_file ||
	    (!force && cfg->token.p && now - cfg->token_read_at < 60))
		return 0;
	if ((err = kube_read_file(&b, cfg->token_file, FG_KUBE_MAX_FILE)) < 0)
		goto done;
	n = b.len;
	while (n && (b.ptr[n - 1] == '\n' || b.ptr[n - 1] == '\r' ||
		     b.ptr[n - 1] == ' '))
		n--;
	if (!n) {
		err = fg_error_set(FG_EINVALID, "%s is empty",
				   shown(cfg->token_file, q, sizeof(q)));
		goto done;
	}
	if ((err = kube_secret_set(&cfg->token, b.ptr, n)) < 0)
		goto done;
	kube_hook_secret(cfg->token.p);
	cfg->token_read_at = now;
done:
	sodium_memzero(b.ptr, b.len);
	fg_buf_release(&b);
	return err;
}

void fg_kube_config_free(struct fg_kube_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->server);
	free(cfg->tls_server_name);
	free(cfg->proxy_url);
	free(cfg->ca_pem);
	free(cfg->cert_pem);
	kube_secret_free(&cfg->key);
	kube_secret_free(&cfg->token);
	free(cfg->token_file);
	exec_free(cfg->exec);
	free(cfg->cred_cert);
	kube_secret_free(&cfg->cred_key);
	kube_secret_free(&cfg->cred_token);
	free(cfg->ns);
	free(cfg->context);
	free(cfg->user);
	free(cfg->origin);
	free(cfg->where_user);
	free(cfg);
}

/* ---- copies, for a pool of clients ---- */

static int dup_str(char **out, const char *s)
{
	*out = NULL;
	return !s || (*out = strdup(s)) ? 0 : -1;
}

static int dup_bytes(char **out, const char *p, size_t len)
{
	*out = NULL;
	if (!p)
		return 0;
	if (!(*out = malloc(len + 1)))
		return -1;
	memcpy(*out, p, len);
	(*out)[len] = '\0';
	return 0;
}

static int dup_secret(struct kube_secret *out, const struct kube_secret *s)
{
	memset(out, 0, sizeof(*out));
	return s->p ? kube_secret_set(out, s->p, s->len) : 0;
}

static char **strv_dup(char *const *v)
{
	size_t n = 0, i;
	char **c;

	while (v && v[n])
		n++;
	if (!v || !(c = calloc(n + 1, sizeof(*c))))
		return NULL;
	for (i = 0; i < n; i++)
		if (!(c[i] = strdup(v[i]))) {
			strv_free(c);
			return NULL;
		}
	return c;
}

static struct kube_exec *exec_dup(const struct kube_exec *x)
{
	struct kube_exec *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->provide_cluster_info = x->provide_cluster_info;
	if (dup_str(&c->api_version, x->api_version) < 0 ||
	    dup_str(&c->command, x->command) < 0 ||
	    dup_str(&c->where, x->where) < 0 ||
	    (x->argv && !(c->argv = strv_dup(x->argv))) ||
	    (x->env && !(c->env = strv_dup(x->env)))) {
		exec_free(c);
		return NULL;
	}
	return c;
}

int fg_kube_config_dup(struct fg_kube_config **out,
		       const struct fg_kube_config *cfg)
{
	struct fg_kube_config *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return fg_error_set(FG_ERROR, "out of memory");
	c->insecure = cfg->insecure;
	c->ca_len = cfg->ca_len;
	c->cert_len = cfg->cert_len;
	c->token_read_at = cfg->token_read_at;
	c->have_cred = cfg->have_cred;
	c->cred_expiry = cfg->cred_expiry;
	c->cred_cert_len = cfg->cred_cert_len;
	if (dup_str(&c->server, cfg->server) < 0 ||
	    dup_str(&c->tls_server_name, cfg->tls_server_name) < 0 ||
	    dup_str(&c->proxy_url, cfg->proxy_url) < 0 ||
	    dup_bytes(&c->ca_pem, cfg->ca_pem, cfg->ca_len) < 0 ||
	    dup_bytes(&c->cert_pem, cfg->cert_pem, cfg->cert_len) < 0 ||
	    dup_secret(&c->key, &cfg->key) < 0 ||
	    dup_secret(&c->token, &cfg->token) < 0 ||
	    dup_str(&c->token_file, cfg->token_file) < 0 ||
	    (cfg->exec && !(c->exec = exec_dup(cfg->exec))) ||
	    dup_bytes(&c->cred_cert, cfg->cred_cert, cfg->cred_cert_len) < 0 ||
	    dup_secret(&c->cred_key, &cfg->cred_key) < 0 ||
	    dup_secret(&c->cred_token, &cfg->cred_token) < 0 ||
	    dup_str(&c->ns, cfg->ns) < 0 ||
	    dup_str(&c->context, cfg->context) < 0 ||
	    dup_str(&c->user, cfg->user) < 0 ||
	    dup_str(&c->origin, cfg->origin) < 0 ||
	    dup_str(&c->where_user, cfg->where_user) < 0) {
		fg_kube_config_free(c);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	*out = c;
	return 0;
}

static int from_kubeconfig(struct fg_kube_config *cfg, struct kc *kc,
			   const char *want_context)
{
	struct kc_entry ctx, cl, us;
	struct fg_buf names = FG_BUF_INIT, paths = FG_BUF_INIT;
	const char *name = want_context, *cluster, *user, *ns;
	struct kc_file *cc_file = NULL;
	struct fg_pos pos = { 0, 0 };
	char q[320];
	size_t i;
	int err;

	kc_paths(kc, &paths);
	if (!(cfg->origin = dup_printf("kubeconfig %s", paths.ptr))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; !name && i < kc->n; i++) {
		json_t *cc = kc->f[i].doc ? json_object_get(kc->f[i].doc,
							    "current-context")
					  : NULL;
		if (cc && !json_is_null(cc) && !json_is_string(cc)) {
			err = kc_err(FG_EINVALID, &kc->f[i], "/current-context",
				     "current-context: expected a string");
			goto done;
		}
		if (json_string_value(cc) && *json_string_value(cc)) {
			name = json_string_value(cc);
			cc_file = &kc->f[i];
		}
	}
	if (!name) {
		kc_names(kc, "contexts", &names);
		err = fg_error_set(FG_ENOTFOUND,
				   "%s: no current-context is set; pass "
				   "--context (contexts: %s)",
				   paths.ptr, names.ptr);
		goto done;
	}
	err = kc_find(kc, "contexts", "context", name, &ctx);
	if (err == FG_ENOTFOUND) {
		kc_names(kc, "contexts", &names);
		if (cc_file)
			err = kc_err(FG_ENOTFOUND, cc_file, "/current-context",
				     "current-context: no context named "
				     "%s (contexts: %s)",
				     named(name, q, sizeof(q)), names.ptr);
		else
			err = fg_error_set(FG_ENOTFOUND,
					   "--context: no context named %s "
					   "in %s (contexts: %s)",
					   named(name, q, sizeof(q)), paths.ptr,
					   names.ptr);
		goto done;
	}
	if (err < 0)
		goto done;
	if ((err = entry_str(&ctx, "cluster", &cluster)) < 0 ||
	    (err = entry_str(&ctx, "user", &user)) < 0 ||
	    (err = entry_str(&ctx, "namespace", &ns)) < 0)
		goto done;
	if (!cluster) {
		err = entry_err(FG_EINVALID, &ctx, NULL, "no cluster");
		goto done;
	}
	err = kc_find(kc, "clusters", "cluster", cluster, &cl);
	if (err == FG_ENOTFOUND) {
		kc_names(kc, "clusters", &names);
		err = entry_err(FG_EINVALID, &ctx, "cluster",
				"no cluster named %s (clusters: %s)",
				named(cluster, q, sizeof(q)), names.ptr);
		goto done;
	}
	if (err < 0 || (err = cluster_fill(cfg, &cl)) < 0)
		goto done;
	if (!(cfg->context = strdup(name)) ||
	    !(cfg->ns = strdup(ns ? ns : "default"))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if (!user) {
		cfg->user = strdup("");
		cfg->where_user = strdup(cfg->origin);
		goto done;
	}
	err = kc_find(kc, "users", "user", user, &us);
	if (err == FG_ENOTFOUND) {
		kc_names(kc, "users", &names);
		err = entry_err(FG_EINVALID, &ctx, "user",
				"no user named %s (users: %s)",
				named(user, q, sizeof(q)), names.ptr);
		goto done;
	}
	if (err < 0)
		goto done;
	fg_yaml_pos(us.file->y, 0, us.ptr, NULL, &pos);
	cfg->user = strdup(user);
	cfg->where_user =
		dup_printf("%s:%u:%u: user %s", us.file->path, pos.line,
			   pos.col, named(user, q, sizeof(q)));
	if (!cfg->user || !cfg->where_user) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	err = user_fill(cfg, &us);
done:
	fg_buf_release(&names);
	fg_buf_release(&paths);
	return err;
}

static int from_in_cluster(struct fg_kube_config *cfg, const char *dir)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	struct fg_buf b = FG_BUF_INIT;
	char *path = NULL;
	int err;

	if (!port || !*port)
		port = "443";
	cfg->origin = dup_printf("in-cluster (%s)", dir);
	cfg->server = dup_printf(strchr(host, ':') ? "https://[%s]:%s"
						   : "https://%s:%s",
				 host, port);
	cfg->token_file = dup_printf("%s/token", dir);
	cfg->context = strdup("in-cluster");
	cfg->user = strdup("service account");
	path = dup_printf("%s/ca.crt", dir);
	if (!cfg->origin || !cfg->server || !cfg->token_file || !cfg->context ||
	    !cfg->user || !path || !(cfg->where_user = strdup(cfg->origin))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	if ((err = kube_token_file_refresh(cfg, 1)) < 0 ||
	    (err = kube_read_file(&b, path, FG_KUBE_MAX_FILE)) < 0) {
		err = fg_error_wrap(err, "in-cluster configuration");
		goto done;
	}
	cfg->ca_pem = fg_buf_detach(&b, &cfg->ca_len);
	free(path);
	path = dup_printf("%s/namespace", dir);
	if (path && kube_read_file(&b, path, 1024) == 0) {
		while (b.len &&
		       (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == ' '))
			fg_buf_truncate(&b, b.len - 1);
		if (b.len)
			cfg->ns = fg_buf_detach(&b, NULL);
	}
	fg_error_clear();
	if (!cfg->ns && !(cfg->ns = strdup("default")))
		err = fg_error_set(FG_ERROR, "out of memory");
done:
	fg_buf_release(&b);
	free(path);
	return err;
}

int fg_kube_config_load(struct fg_kube_config **out,
			const struct fg_kube_config_opts *opts)
{
	static const struct fg_kube_config_opts none = { 0 };
	struct fg_kube_config *cfg;
	struct kc kc;
	const char *env, *home;
	int err = 0, loaded;

	*out = NULL;
	if (!opts)
		opts = &none;
	kc.n = 0;
	if (!(cfg = calloc(1, sizeof(*cfg))))
		return fg_error_set(FG_ERROR, "out of memory");
	env = opts->kubeconfig_env ? opts->kubeconfig_env
				   : getenv("KUBECONFIG");
	home = opts->home ? opts->home : getenv("HOME");
	if (opts->kubeconfig) {
		err = load_one(&kc, opts->kubeconfig, 1, &loaded);
		if (err < 0)
			err = fg_error_wrap(err, "--kubeconfig");
	} else if (env && *env) {
		const char *p = env;

		while (*p && err >= 0) {
			const char *colon = strchr(p, ':');
			size_t n = colon ? (size_t)(colon - p) : strlen(p);
			char *one = strndup(p, n);

			if (!one)
				err = fg_error_set(FG_ERROR, "out of memory");
			else if (n)
				err = load_one(&kc, one, 0, &loaded);
			free(one);
			p += n + (colon != NULL);
		}
		if (err >= 0 && !kc.n)
			err = fg_error_set(FG_ENOTFOUND,
					   "KUBECONFIG: none of its files "
					   "exists (%s)",
					   env);
	} else if (home && *home) {
		char *def = dup_printf("%s/.kube/config", home);

		err = def ? load_one(&kc, def, 0, &loaded)
			  : fg_error_set(FG_ERROR, "out of memory");
		free(def);
	}
	if (err < 0)
		goto done;
	if (kc.n) {
		err = from_kubeconfig(cfg, &kc, opts->context);
	} else if (!opts->no_in_cluster && getenv("KUBERNETES_SERVICE_HOST") &&
		   *getenv("KUBERNETES_SERVICE_HOST")) {
		if (opts->context) {
			err = fg_error_set(FG_EINVALID,
					   "--context '%s' needs a kubeconfig, "
					   "and none was found (running "
					   "in-cluster)",
					   opts->context);
			goto done;
		}
		err = from_in_cluster(cfg, opts->in_cluster_dir
						   ? opts->in_cluster_dir
						   : FG_KUBE_IN_CLUSTER_DIR);
	} else {
		err = fg_error_set(FG_ENOTFOUND,
				   "no Kubernetes configuration: pass "
				   "--kubeconfig, set KUBECONFIG, create "
				   "~/.kube/config or run in a pod");
	}
	if (err >= 0 && cfg->insecure) {
		char msg[512];

		snprintf(msg, sizeof(msg),
			 "TLS verification is off for %s "
			 "(insecure-skip-tls-verify in the kubeconfig): "
			 "anyone on the path can read the credentials",
			 cfg->server);
		kube_hook_warn("kube.tls.insecure", msg);
	}
done:
	kc_release(&kc);
	if (err < 0) {
		fg_kube_config_free(cfg);
		return err;
	}
	*out = cfg;
	return 0;
}

const char *fg_kube_config_server(const struct fg_kube_config *cfg)
{
	return cfg->server;
}

const char *fg_kube_config_namespace(const struct fg_kube_config *cfg)
{
	return cfg->ns;
}

const char *fg_kube_config_context(const struct fg_kube_config *cfg)
{
	return cfg->context;
}

const char *fg_kube_config_user(const struct fg_kube_config *cfg)
{
	return cfg->user;
}

const char *fg_kube_config_origin(const struct fg_kube_config *cfg)
{
	return cfg->origin;
}
