/*
 * The allocation-failure driver (issue 17) shared by the oom tests: a
 * piece of work run once as a reference, then once more for every N
 * from 1 with its Nth allocation failing (tests/oom/failalloc.h), until
 * a run fails none. Each run must end in one of two ways a user can
 * tell: the same result as the reference, or an error that says memory
 * ran out (in the result, or returned with a message). A crash, a leak
 * (an allocation made during the run and never freed), or a result that
 * differs without saying why, fails the test. Included by test files.
 */
#ifndef FG_TESTS_OOM_H
#define FG_TESTS_OOM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "failalloc.h"

/* The work: its result written into `out`; 0, or <0 with a message. */
typedef int (*oom_work)(void *arg, struct fg_buf *out);

struct oom_stats {
	unsigned long runs, allocations, errors, absorbed, leaks, silent;
	/* in: a reference run making more allocations is not repeated
	 * (0: any); out: 1 when it was not */
	unsigned long max_allocations;
	int skipped;
};

/* What memory running out looks like in a result or a message. */
static inline int oom_said(const char *s)
{
	return s && (strstr(s, "out of memory") ||
		     strstr(s, "memory error") /* libyaml's */);
}

/*
 * Run `work` for every N; 0 when every run ended well, else the number
 * of bad runs (each printed with its N). `what` names it in the output.
 */
static inline unsigned long oom_every(const char *what, oom_work work,
				      void *arg, struct oom_stats *st)
{
	struct fg_buf ref = FG_BUF_INIT;
	unsigned long bad = 0, n, max = st->max_allocations;
	char *want;
	size_t bytes;
	int rc;

	memset(st, 0, sizeof(*st));
	st->max_allocations = max;
	/* warm: what the code caches for the process is made now */
	rc = work(arg, &ref);
	fg_buf_clear(&ref);
	fg_error_clear();
	failalloc_arm(0);
	rc = work(arg, &ref);
	st->allocations = failalloc_disarm();
	want = strdup(ref.ptr); /* disarmed: neither counted nor tracked */
	fg_buf_release(&ref);
	if (!want || rc < 0 || failalloc_live(&bytes)) {
		printf("%s: the reference run %s\n", what,
		       rc < 0 ? fg_error_last() : "leaked");
		failalloc_forget();
		free(want);
		return 1;
	}
	if (getenv("FG_OOM_SHOW")) /* to see what a scenario does */
		printf("%s: the reference result:\n%s\n", what, want);
	if (max && st->allocations > max) {
		/* each allocation costs a run as long as the whole work */
		printf("%s: %lu allocations, more than %lu: not repeated\n",
		       what, st->allocations, max);
		st->skipped = 1;
		free(want);
		return 0;
	}
	for (n = 1;; n++) {
		struct fg_buf out = FG_BUF_INIT;
		size_t live;

		fg_error_clear();
		failalloc_arm(n);
		rc = work(arg, &out);
		failalloc_disarm();
		st->runs++;
		if (!failalloc_failed()) {
			if (rc < 0 || strcmp(out.ptr, want)) {
				printf("%s: no allocation failed at %lu, yet "
				       "the result differs\n",
				       what, n);
				bad++;
			}
			fg_buf_release(&out);
			break;
		}
		if (rc < 0) {
			st->errors++;
			if (!*fg_error_last()) {
				printf("%s: allocation %lu failed: an error "
				       "without a message\n",
				       what, n);
				bad++;
			}
		} else if (strcmp(out.ptr, want)) {
			if (oom_said(out.ptr)) {
				st->errors++;
			} else {
				printf("%s: allocation %lu failed: a different "
				       "result, not saying why:\n%s\n%s",
				       what, n, out.ptr,
				       st->silent ? "" : "the reference:\n");
				if (!st->silent)
					printf("%s\n", want);
				st->silent++;
				bad++;
			}
		} else {
			st->absorbed++;
		}
		fg_buf_release(&out);
		if ((live = failalloc_live(&bytes))) {
			printf("%s: allocation %lu failed: %zu allocations "
			       "(%zu bytes) leaked\n",
			       what, n, live, bytes);
			st->leaks++;
			bad++;
			failalloc_forget();
		}
		if (bad > 20) {
			printf("%s: stopping after 20 bad runs\n", what);
			break;
		}
	}
	free(want);
	fg_error_clear();
	if (failalloc_lsan_leaks()) {
		printf("%s: LeakSanitizer found leaks\n", what);
		bad++;
	}
	printf("%s: %lu allocations, %lu runs: %lu errors returned, %lu "
	       "absorbed with the same result, %lu leaks, %lu silent\n",
	       what, st->allocations, st->runs, st->errors, st->absorbed,
	       st->leaks, st->silent);
	return bad;
}

#endif
