/*
 * libFuzzer target for what an exec credential plugin prints
 * (fg_kube_exec_output, agent/kube/kube.h): the ExecCredential of
 * client.authentication.k8s.io/v1 that kubectl's plugins (aws, gke,
 * kubelogin...) write to stdout. It must give credentials or fail with
 * FG_EAUTH / FG_ERROR and a message that never quotes the output (a
 * token in it above all); never crash, leak or hang.
 *   build/fuzz/tests/fuzz_exec_credential tests/fuzz/corpus/exec_credential
 * The corpus is replayed by `fuzz_exec_credential_replay`.
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

static const char kubeconfig[] =
	"apiVersion: v1\nkind: Config\n"
	"clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:6443'}\n"
	"contexts:\n- name: c\n  context: {cluster: c, user: u}\n"
	"current-context: c\n"
	"users:\n- name: u\n  user:\n    exec:\n"
	"      apiVersion: client.authentication.k8s.io/v1\n"
	"      command: /bin/false\n"
	"      interactiveMode: Never\n";

static struct fg_kube_config *config(void)
{
	char path[] = "/tmp/fg-fuzz-exec-XXXXXX";
	struct fg_kube_config_opts o = { 0 };
	struct fg_kube_config *cfg = NULL;
	int fd = mkstemp(path);

	if (fd < 0 ||
	    write(fd, kubeconfig, strlen(kubeconfig)) !=
		    (ssize_t)strlen(kubeconfig) ||
	    close(fd) < 0)
		abort();
	o.kubeconfig = path;
	o.no_in_cluster = 1;
	if (fg_kube_config_load(&cfg, &o) < 0)
		abort();
	unlink(path);
	return cfg;
}

/* The first `needle` in data[0..size), or NULL. */
static const char *find(const uint8_t *data, size_t size, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= size; i++)
		if (!memcmp(data + i, needle, m))
			return (const char *)data + i;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fg_kube_config *cfg;
	const char *tok;
	char v[256];
	size_t n = 0;
	int rc;

	if (sodium_init() < 0) /* sodium_malloc aborts without it */
		abort();
	if (!cfg)
		cfg = config();
	rc = fg_kube_exec_output(cfg, (const char *)data, size);
	if (rc == 0)
		return 0;
	if ((rc != FG_EAUTH && rc != FG_ERROR) || !*fg_error_last())
		abort();
	/* "token":"VALUE": the value is never in the message. It may be
	   there for another reason (a fixed text holds it, another field
	   of the output is quoted): then it stays when the token is
	   replaced by another of the same length */
	tok = find(data, size, "\"token\":\"");
	if (tok) {
		const char *start = tok + 9;

		/* printable bytes: a C string, no NUL in it */
		for (tok = start;
		     tok < (const char *)data + size && *tok != '"' &&
		     *tok > ' ' && *tok < 0x7f && n + 1 < sizeof(v);
		     tok++)
			v[n++] = *tok;
		v[n] = '\0';
		if (n >= 8 && strstr(fg_error_last(), v)) {
			char *other = malloc(size);

			if (!other)
				abort();
			memcpy(other, data, size);
			memset(other + (start - (const char *)data), '#', n);
			fg_error_clear();
			(void)fg_kube_exec_output(cfg, other, size);
			free(other);
			if (!strstr(fg_error_last(), v))
				abort();
		}
	}
	fg_error_clear();
	return 0;
}
