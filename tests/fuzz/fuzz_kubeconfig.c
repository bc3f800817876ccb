/*
 * libFuzzer target for the kubeconfig reader (agent/kube/kube.h,
 * fg_kube_config_load): any file a user points --kubeconfig or KUBECONFIG
 * at. It must load or fail with FG_EINVALID / FG_ENOTFOUND / FG_EAUTH /
 * FG_ERROR and a message; it must never crash, leak or hang, and a
 * message must never quote a credential (a token, a key) of the file.
 *
 * The input is written to a file of its own (the loader reads paths, and
 * paths relative to the file); files it names are read as given.
 *   build/fuzz/tests/fuzz_kubeconfig tests/fuzz/corpus/kubeconfig
 * The corpus is replayed by the ordinary test `fuzz_kubeconfig_replay`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/kube/kube.h"
#include <sodium.h>

#include "render/base/error.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[] = "/tmp/fg-fuzz-kubeconfig-XXXXXX";

static void remove_file(void)
{
	unlink(path);
}

/* Abort when the value of a `KEY: VALUE` pair of at least 8 bytes
 * appears in `msg`. */
static void not_quoted(const uint8_t *data, size_t size, const char *key,
		       const char *msg)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen < size; i++) {
		char v[256];
		size_t n = 0;

		if (memcmp(data + i, key, klen))
			continue;
		/* a key of its own, not the tail of another word
		   ("htpassword: " inside a server URL is no password) */
		if (i > 0 && !strchr(" \t\n{,-", data[i - 1]))
			continue;
		/* a value of printable bytes (a C string: no NUL in it) */
		for (size_t j = i + klen;
		     j < size && n + 1 < sizeof(v) && data[j] > ' ' &&
		     data[j] < 0x7f && data[j] != '"';
		     j++)
			v[n++] = (char)data[j];
		v[n] = '\0';
		if (n >= 8 && strstr(msg, v))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct fg_kube_config_opts o = { 0 };
	struct fg_kube_config *cfg = NULL, *dup = NULL;
	int rc;

	if (sodium_init() < 0) /* sodium_malloc aborts without it */
		abort();
	if (fd < 0) {
		if ((fd = mkstemp(path)) < 0)
			abort();
		atexit(remove_file);
	}
	if (ftruncate(fd, 0) < 0 ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	o.kubeconfig = path;
	o.home = "/nonexistent";
	o.no_in_cluster = 1;
	rc = fg_kube_config_load(&cfg, &o);
	if (rc == 0) {
		if (!cfg || !fg_kube_config_server(cfg) ||
		    !fg_kube_config_namespace(cfg) ||
		    !fg_kube_config_context(cfg) || !fg_kube_config_user(cfg) ||
		    !fg_kube_config_origin(cfg))
			abort();
		if (fg_kube_config_dup(&dup, cfg) == 0)
			fg_kube_config_free(dup);
		fg_error_clear();
		fg_kube_config_free(cfg);
		return 0;
	}
	if (cfg ||
	    (rc != FG_EINVALID && rc != FG_ENOTFOUND && rc != FG_EAUTH &&
	     rc != FG_ERROR) ||
	    !*fg_error_last())
		abort();
	not_quoted(data, size, "token: ", fg_error_last());
	not_quoted(data, size, "client-key-data: ", fg_error_last());
	not_quoted(data, size, "password: ", fg_error_last());
	fg_error_clear();
	return 0;
}
