/*
 * libFuzzer target for the parsers behind the operator's verdicts, all of
 * which read strings from the repository: Quartz cron and daily ranges
 * (the autoscaler's excluded periods), fabric8's Quantity and the
 * operator's memory parser, java.net.URI and InetAddress literals,
 * Flink's durations, lists and doubles. The first byte picks the parser,
 * the rest is its input. Any input must be accepted or refused; nothing
 * may crash, leak, hang or read out of bounds (run under ASan+UBSan).
 *
 * Build with the `fuzz` preset (clang) and run:
 *   build/fuzz/tests/fuzz_verdicts tests/fuzz/corpus/verdicts
 * The corpus is replayed by the ordinary test `fuzz_verdicts_replay`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/flink_config.h"
#include "render/java.h"
#include "render/quartz.h"
#include "render/rules.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_buf out = FG_BUF_INIT;
	struct fg_flink_duration d;
	struct fg_java_inet_addr a;
	struct fg_java_uri u;
	unsigned long long bytes;
	char *s, **items;
	size_t n;
	double x;
	int arith;

	if (size < 1 || size > 4096)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 9) {
	case 0:
		fg_quartz_cron_valid(s, 2126);
		break;
	case 1:
		fg_quartz_excluded_period_check(s, "k", 2126);
		break;
	case 2:
		fg_java_quantity_amount(s, &out, &arith);
		break;
	case 3:
		fg_flink_resource_memory_parse(s, &bytes);
		break;
	case 4:
		if (fg_java_uri_parse(s, &u, &out) == 0 && u.host)
			fg_java_inet_literal(u.host, u.host_len, &a);
		break;
	case 5:
		fg_java_inet_literal(s, strlen(s), &a);
		break;
	case 6:
		fg_flink_duration_parse(s, &d);
		break;
	case 7:
		if (fg_flink_conf_split_list(s, &items, &n) == 0)
			fg_flink_conf_list_free(items, n);
		break;
	default:
		fg_java_parse_double(s, &x);
		fg_java_url_check(s, &out);
		break;
	}
	fg_buf_release(&out);
	free(s);
	return 0;
}
