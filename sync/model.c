#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/problems.h"
#include "sync/model.h"
#include "render/base/banned.h"

const char *fg_diff_type_name(enum fg_diff_type t)
{
	switch (t) {
	case FG_DIFF_IGNORE:
		return "IGNORE";
	case FG_DIFF_SCALE:
		return "SCALE";
	case FG_DIFF_UPGRADE:
		return "UPGRADE";
	case FG_DIFF_SAVEPOINT_REDEPLOY:
		return "SAVEPOINT_REDEPLOY";
	}
	return "UPGRADE";
}

int fg_changes_add(struct fg_changes *c, const char *pointer, json_t *desired,
		   json_t *live)
{
	struct fg_buf field = FG_BUF_INIT;
	struct fg_field_change *e;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8;
		e = realloc(c->v, ncap * sizeof(*e));
		if (!e)
			return fg_error_set(FG_ERROR, "out of memory");
		c->v = e;
		c->cap = ncap;
	}
	e = &c->v[c->n];
	memset(e, 0, sizeof(*e));
	if (fg_pointer_to_field(&field, pointer) < 0 ||
	    !(e->pointer = strdup(pointer))) {
		fg_buf_release(&field);
		free(e->pointer);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	e->field = fg_buf_detach(&field, NULL);
	e->desired = desired ? json_incref(desired) : NULL;
	e->live = live ? json_incref(live) : NULL;
	e->type = FG_DIFF_UPGRADE;
	c->n++;
	return 0;
}

void fg_changes_release(struct fg_changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].pointer);
		free(c->v[i].field);
		json_decref(c->v[i].desired);
		json_decref(c->v[i].live);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
