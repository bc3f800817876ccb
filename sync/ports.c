#include <stddef.h>

#include "sync/ports.h"
#include "render/base/banned.h"

void fg_ports_parallel(const struct fg_ports *p, size_t n, size_t width,
		       void (*fn)(void *arg, size_t i), void *arg)
{
	size_t i;

	if (!n)
		return;
	if (p && p->parallel && p->parallel->run && width > 1 && n > 1) {
		p->parallel->run(p->parallel->ctx, n, width, fn, arg);
		return;
	}
	for (i = 0; i < n; i++)
		fn(arg, i);
}

int fg_ports_stopping(const struct fg_ports *p)
{
	return p && p->stop && p->stop(p->stop_ctx);
}
