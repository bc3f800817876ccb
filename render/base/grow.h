/*
 * Growing an array, as git's ALLOC_GROW: one helper instead of a
 * hand-written realloc-and-double loop per file.
 *
 *	if (FG_GROW(list->v, list->n + 1, list->cap) < 0)
 *		return fg_error_set(FG_ERROR, "out of memory");
 *
 * makes room for at least `need` elements (the new ones are zeroed), or
 * returns -1 with the array untouched.
 */
#ifndef FG_BASE_GROW_H
#define FG_BASE_GROW_H

#include <stddef.h>

#define FG_GROW(v, need, cap) \
	fg_grow((void **)&(v), sizeof(*(v)), (need), &(cap))

int fg_grow(void **v, size_t size, size_t need, size_t *cap)
	__attribute__((warn_unused_result));

#endif
