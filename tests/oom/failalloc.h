/*
 * A failing allocator for tests (issue 17, allocation failure): linked
 * with -Wl,--wrap=malloc,calloc,realloc,free,strdup,strndup into a test
 * that also links libyaml and jansson statically, so that every
 * allocation of the code under test and of both libraries goes through
 * it. The Nth allocation fails (returns NULL), every other succeeds;
 * each allocation made while armed is tracked until freed, so a run
 * ends knowing what it leaked, without a leak checker (the ASan build
 * asks LeakSanitizer as well).
 */
#ifndef FG_TESTS_FAILALLOC_H
#define FG_TESTS_FAILALLOC_H

#include <stddef.h>

/* Count allocations from now on; the Nth fails (0: none fails). */
void failalloc_arm(unsigned long nth);
/* Stop counting and failing. Returns the allocations counted. */
unsigned long failalloc_disarm(void);
/* 1 when the armed run failed an allocation. */
int failalloc_failed(void);
/* Allocations made while armed and not freed, and their bytes. */
size_t failalloc_live(size_t *bytes);
/* Forget what is tracked (after reporting it). */
void failalloc_forget(void);

/* Calls between pause and resume (test doubles: a fake API server) are
 * neither counted nor failed; they nest. */
void failalloc_pause(void);
void failalloc_resume(void);

/* ASan builds: LeakSanitizer's check now, 1 when it found leaks. */
int failalloc_lsan_leaks(void);

#endif
