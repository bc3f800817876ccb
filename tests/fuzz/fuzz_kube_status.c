/*
 * libFuzzer target for what the Kubernetes client reads out of an answer
 * before any object (agent/kube/kube.h, pure helpers): an error response
 * body turned into a code and one message (fg_kube_status_error, for a
 * Status object or anything else a proxy may send), the Retry-After
 * header, RFC 3339 times (exec credentials' expiry), and the backoff
 * they feed. The first byte chooses the HTTP status; the rest is the
 * body, and its first line the header value and the time.
 *   build/fuzz/tests/fuzz_kube_status tests/fuzz/corpus/kube_status
 * The corpus is replayed by the ordinary test `fuzz_kube_status_replay`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/kube/kube.h"
#include "render/base/error.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = { 0,   200, 400, 401, 403, 404, 405, 408, 409,
				 410, 413, 415, 422, 429, 500, 502, 503, 504 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[128];
	size_t n = 0;
	long ra, d;
	int rc;

	if (size < 1)
		return 0;
	rc = fg_kube_status_error(
		statuses[data[0] % (sizeof(statuses) / sizeof(*statuses))],
		(const char *)data + 1, size - 1, "fuzz");
	if (rc >= 0 || !*fg_error_last())
		abort();
	if (rc != FG_ENOTFOUND && rc != FG_ECONFLICT && rc != FG_EAUTH &&
	    rc != FG_EINVALID && rc != FG_ETIMEOUT && rc != FG_ERROR)
		abort();
	fg_error_clear();

	while (n + 1 < sizeof(line) && n + 1 < size && data[n + 1] != '\n' &&
	       data[n + 1]) {
		line[n] = (char)data[n + 1];
		n++;
	}
	line[n] = '\0';
	ra = fg_kube_parse_retry_after(line);
	if (ra < -1 || ra > 86400000L)
		abort();
	d = fg_kube_backoff_ms(
		data[0] % 12, ra,
		size > 4
			? (uint32_t)data[size - 1] << 24 |
				  (uint32_t)data[size - 2] << 16 |
				  (uint32_t)data[size - 3] << 8 | data[size - 4]
			: 0);
	if (d < 125 || d > (ra > 8000 ? ra : 8000))
		abort();
	(void)fg_kube_parse_time(line);
	return 0;
}
