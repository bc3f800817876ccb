/*
 * The failing allocator (tests/oom/failalloc.h). One thread: the tests
 * run the pass without a parallel port.
 */
#include <stdint.h>
#include <string.h>

#include "failalloc.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static int armed, paused, failed;
static unsigned long counted, nth;

/* Open addressing: pointer -> size, of what was allocated while armed. */
static struct entry {
	void *p;
	size_t n;
} * tab;
static size_t cap, used, live_n, live_bytes;
#define GONE ((void *)(uintptr_t)1)

static size_t slot_of(const void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 11400714819323198485ull) &
	       (cap - 1);
}

static void track(void *p, size_t n)
{
	size_t i;

	if (used * 2 >= cap) {
		struct entry *old = tab;
		size_t oc = cap;

		/* rehashing drops the tombstones: grow only for what lives */
		cap = 4096;
		while (cap < live_n * 4)
			cap *= 2;
		tab = __real_calloc(cap, sizeof(*tab));
		if (!tab)
			__builtin_trap();
		used = 0;
		for (i = 0; i < oc; i++)
			if (old[i].p && old[i].p != GONE) {
				size_t j = slot_of(old[i].p);

				while (tab[j].p)
					j = (j + 1) & (cap - 1);
				tab[j] = old[i];
				used++;
			}
		__real_free(old);
	}
	for (i = slot_of(p); tab[i].p && tab[i].p != GONE;
	     i = (i + 1) & (cap - 1))
		;
	if (!tab[i].p)
		used++;
	tab[i].p = p;
	tab[i].n = n;
	live_n++;
	live_bytes += n;
}

static void untrack(const void *p)
{
	size_t i;

	if (!cap || !p)
		return;
	for (i = slot_of(p); tab[i].p; i = (i + 1) & (cap - 1))
		if (tab[i].p == p) {
			tab[i].p = GONE;
			live_n--;
			live_bytes -= tab[i].n;
			return;
		}
}

/* Counts one allocation; 1 when it is to fail. */
static int fails(void)
{
	if (!armed || paused)
		return 0;
	if (++counted == nth) {
		failed = 1;
		return 1;
	}
	return 0;
}

static void *tracked(void *p, size_t n)
{
	if (p && armed && !paused)
		track(p, n);
	return p;
}

void *__wrap_malloc(size_t n)
{
	return fails() ? NULL : tracked(__real_malloc(n), n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return fails() ? NULL : tracked(__real_calloc(n, m), n * m);
}

void *__wrap_realloc(void *p, size_t n)
{
	void *q;

	if (fails())
		return NULL; /* p stays, as realloc leaves it */
	q = __real_realloc(p, n);
	if (q) {
		untrack(p);
		tracked(q, n);
	}
	return q;
}

void __wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}

char *__wrap_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = __wrap_malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

char *__wrap_strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *p = __wrap_malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void failalloc_arm(unsigned long n)
{
	nth = n;
	counted = 0;
	failed = 0;
	armed = 1;
}

unsigned long failalloc_disarm(void)
{
	armed = 0;
	return counted;
}

int failalloc_failed(void)
{
	return failed;
}

size_t failalloc_live(size_t *bytes)
{
	if (bytes)
		*bytes = live_bytes;
	return live_n;
}

void failalloc_forget(void)
{
	if (tab)
		memset(tab, 0, cap * sizeof(*tab));
	used = live_n = live_bytes = 0;
}

void failalloc_pause(void)
{
	paused++;
}

void failalloc_resume(void)
{
	paused--;
}

#ifdef FG_SANITIZE
int __lsan_do_recoverable_leak_check(void);

int failalloc_lsan_leaks(void)
{
	return __lsan_do_recoverable_leak_check();
}
#else
int failalloc_lsan_leaks(void)
{
	return 0;
}
#endif
