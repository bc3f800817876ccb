/*
 * Webhooks of Git forges (POST /hooks/PROVIDER on the agent's HTTP
 * endpoint): the delivery is authenticated, then read for a push. Pure
 * (no I/O), so the fuzz target drives it with any bytes.
 *
 *   github  X-Hub-Signature-256: sha256=HEX, HMAC-SHA256 of the body
 *           with the shared secret; event X-GitHub-Event: push
 *   gitlab  X-Gitlab-Token: the shared secret itself; event
 *           X-Gitlab-Event: Push Hook (or Tag Push Hook)
 *   gitea   X-Gitea-Signature: HEX (or X-Hub-Signature-256), HMAC-SHA256;
 *           event X-Gitea-Event: push
 *
 * Every comparison with the secret takes the same time whatever the
 * bytes (libsodium's sodium_memcmp over fixed-size digests). The body is
 * read only after the signature holds, bounded by the caller's cap and
 * by FG_HOOK_MAX_JSON_DEPTH.
 */
#ifndef FG_AGENT_WEBHOOK_H
#define FG_AGENT_WEBHOOK_H

#include <stddef.h>

#define FG_HOOK_MAX_HEADER 512	  /* a signature or token header */
#define FG_HOOK_MAX_REF 1024	  /* the pushed ref */
#define FG_HOOK_MAX_JSON_DEPTH 64 /* nesting of the body */

enum fg_hook_provider {
	FG_HOOK_GITHUB,
	FG_HOOK_GITLAB,
	FG_HOOK_GITEA,
};

/* "github" ... -> provider; -1 for an unknown name. */
int fg_hook_provider_of(const char *name);
const char *fg_hook_provider_name(enum fg_hook_provider p);

struct fg_hook_request {
	enum fg_hook_provider provider;
	const char *signature; /* X-Hub-Signature-256 / X-Gitea-Signature */
	const char *token;     /* X-Gitlab-Token */
	const char *event;     /* X-GitHub-Event / X-Gitlab-Event / ... */
	const char *body;
	size_t len;
};

enum fg_hook_verdict {
	FG_HOOK_UNAUTHORIZED, /* missing or wrong signature: 401 */
	FG_HOOK_IGNORED,      /* authentic, not a push (ping...): 200 */
	FG_HOOK_PUSH,	      /* authentic push of `ref`: 202 */
	FG_HOOK_BAD_REQUEST,  /* authentic, but the body is unreadable */
};

/*
 * Check `r` against `secret` (len bytes) and read it. On FG_HOOK_PUSH the
 * pushed ref ("refs/heads/main") is in `ref` (n bytes).
 */
enum fg_hook_verdict fg_hook_check(const struct fg_hook_request *r,
				   const unsigned char *secret, size_t len,
				   char *ref, size_t n);

/* 1 when ref `ref` is branch `branch` (given as "main" or
 * "refs/heads/main"). */
int fg_hook_ref_is(const char *ref, const char *branch);

#endif
