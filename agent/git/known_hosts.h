/*
 * OpenSSH's known_hosts, read as ssh reads it to check a server's host
 * key: one entry a line, "[@marker] HOSTS KEYTYPE BASE64 [comment]";
 * HOSTS a comma-separated list of patterns ('*' and '?', '!' negates)
 * or one hashed name (|1|salt|hash, HMAC-SHA1 as HashKnownHosts writes
 * it); @revoked revokes a key, @cert-authority lines are skipped (no
 * certificates here). The text comes from a file the user names and is
 * bounded by FG_KNOWN_HOSTS_MAX; no entry can make the lookup slow.
 */
#ifndef FG_AGENT_GIT_KNOWN_HOSTS_H
#define FG_AGENT_GIT_KNOWN_HOSTS_H

#include <stddef.h>

#define FG_KNOWN_HOSTS_MAX ((size_t)4 << 20) /* a known_hosts file */
#define FG_KNOWN_HOSTS_MAX_PATTERN 255	     /* one host pattern */

enum fg_known_host {
	FG_KNOWN_HOST_OK,	/* listed for the host */
	FG_KNOWN_HOST_UNKNOWN,	/* the host is not listed */
	FG_KNOWN_HOST_MISMATCH, /* listed with other keys only */
	FG_KNOWN_HOST_REVOKED,	/* the key is revoked */
};

/*
 * What `text` (len bytes, need not be NUL-terminated) says of host key
 * `blob` (the SSH wire form) for `host`, "host" or "[host]:port" as
 * known_hosts writes it.
 */
enum fg_known_host fg_known_hosts_lookup(const char *text, size_t len,
					 const char *host,
					 const unsigned char *blob,
					 size_t bloblen);

/* 1 when ssh's pattern list `pats` (len bytes) matches `host`. */
int fg_known_hosts_match(const char *pats, size_t len, const char *host);

#endif
