/*
 * FlinkBlueGreenDeployment vocabulary (sync/bluegreen.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/bluegreen.h"
#include "sync/health.h"
#include "render/base/banned.h"

const char *fg_bg_colour_name(enum fg_bg_colour c)
{
	return c == FG_BG_BLUE ? "blue" : c == FG_BG_GREEN ? "green" : "";
}

enum fg_bg_colour fg_bg_other(enum fg_bg_colour c)
{
	return c == FG_BG_BLUE	  ? FG_BG_GREEN
	       : c == FG_BG_GREEN ? FG_BG_BLUE
				  : FG_BG_NONE;
}

/* "..._BLUE" / "..._GREEN" after `prefix`, or NONE. */
static enum fg_bg_colour suffix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!s || strncmp(s, prefix, n))
		return FG_BG_NONE;
	return !strcmp(s + n, "BLUE")	 ? FG_BG_BLUE
	       : !strcmp(s + n, "GREEN") ? FG_BG_GREEN
					 : FG_BG_NONE;
}

void fg_bg_state_of(const json_t *live, struct fg_bg_state *out)
{
	const json_t *status = fg_json_get(live, "status");
	const char *s = fg_json_str(status, "blueGreenState");
	const char *e = fg_json_str(status, "error");
	enum fg_bg_colour c;

	memset(out, 0, sizeof(*out));
	out->state = s;
	out->job = fg_json_str(fg_json_get(status, "jobStatus"), "state");
	out->error = e && *e ? e : NULL;
	if ((c = suffix(s, "ACTIVE_"))) {
		out->phase = FG_BG_ACTIVE;
		out->active = c;
	} else if ((c = suffix(s, "SAVEPOINTING_"))) {
		out->phase = FG_BG_SAVEPOINTING;
		out->active = c;
		out->target = fg_bg_other(c);
	} else if ((c = suffix(s, "TRANSITIONING_TO_"))) {
		out->phase = FG_BG_TRANSITIONING;
		out->active = fg_bg_other(c);
		out->target = c;
	} else if (fg_str_is(s, "INITIALIZING_BLUE")) {
		out->phase = FG_BG_INITIALIZING;
		out->target = FG_BG_BLUE;
	}
}

const char *fg_bg_child_name(char *buf, size_t n, const char *parent,
			     enum fg_bg_colour c)
{
	snprintf(buf, n, "%s-%s", parent ? parent : "", fg_bg_colour_name(c));
	return buf;
}

int fg_bg_is_child(const json_t *fd, const json_t *bg, enum fg_bg_colour c)
{
	const char *parent = fg_meta_str(bg, "name");
	const char *uid = fg_meta_str(bg, "uid");
	const json_t *e;
	char name[320];
	size_t i;

	if (!fd || !parent || c == FG_BG_NONE ||
	    !fg_str_is(fg_meta_str(fd, "name"),
		       fg_bg_child_name(name, sizeof(name), parent, c)))
		return 0;
	json_array_foreach (fg_json_mut(fg_json_path(fd, "metadata",
						     "ownerReferences", NULL)),
			    i, e) {
		const char *ouid = fg_json_str(e, "uid");

		if (fg_str_is(fg_json_str(e, "kind"),
			      "FlinkBlueGreenDeployment") &&
		    fg_str_is(fg_json_str(e, "name"), parent) &&
		    (!uid || !ouid || !strcmp(uid, ouid)))
			return 1;
	}
	return 0;
}

int fg_operator_owner(const json_t *live, const char **kind, const char **name)
{
	const json_t *e;
	size_t i;

	json_array_foreach (fg_json_mut(fg_json_path(live, "metadata",
						     "ownerReferences", NULL)),
			    i, e) {
		const char *api = fg_json_str(e, "apiVersion");

		if (api && !strncmp(api, "flink.apache.org/", 17) &&
		    fg_json_str(e, "kind") && fg_json_str(e, "name")) {
			*kind = fg_json_str(e, "kind");
			*name = fg_json_str(e, "name");
			return 1;
		}
	}
	return 0;
}

int fg_bg_last_template_spec(json_t **out, const json_t *live)
{
	const char *s =
		fg_json_str(fg_json_get(live, "status"), "lastReconciledSpec");
	const json_t *ts;
	json_t *j;
	int err;

	*out = NULL;
	if ((err = fg_operator_json(&j, s)) < 0 || !j)
		return err; /* memory: an error; none: 0 */
	ts = fg_json_path(j, "spec", "template", "spec", NULL);
	if (json_is_object(ts))
		*out = json_incref(fg_json_mut(ts));
	json_decref(j);
	return 0;
}

json_t *fg_bg_as_deployment(const json_t *bg)
{
	const json_t *status = fg_json_get(bg, "status");
	const json_t *tspec =
		fg_json_path(bg, "spec", "template", "spec", NULL);
	json_t *fd, *st, *last = NULL;
	char *text;

	fd = json_pack("{s:O?, s:s, s:O?, s:o}", "apiVersion",
		       fg_json_get(bg, "apiVersion"), "kind", "FlinkDeployment",
		       "metadata", fg_json_get(bg, "metadata"), "spec",
		       json_is_object(tspec) ? json_incref(fg_json_mut(tspec))
					     : json_object());
	if (!fd || !json_is_object(status))
		return fd;
	if (!(st = json_object()) || json_object_set_new(fd, "status", st) < 0)
		goto oom;
	if (fg_json_get(status, "jobStatus") &&
	    json_object_set(st, "jobStatus",
			    fg_json_mut(fg_json_get(status, "jobStatus"))) < 0)
		goto oom;
	if (fg_str_is(fg_json_str(fg_json_get(status, "jobStatus"), "state"),
		      "SUSPENDED") &&
	    json_object_set_new(st, "lifecycleState",
				json_string("SUSPENDED")) < 0)
		goto oom;
	if (fg_bg_last_template_spec(&last, bg) < 0)
		goto oom;
	if (last) {
		json_t *w = json_pack("{s:o}", "spec", last);

		last = NULL;
		text = w ? fg_json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS)
			 : NULL;
		json_decref(w);
		if (!text ||
		    json_object_set_new(st, "reconciliationStatus",
					json_pack("{s:s}", "lastReconciledSpec",
						  text)) < 0) {
			free(text);
			goto oom;
		}
		free(text);
	}
	return fd;
oom:
	json_decref(last);
	json_decref(fd);
	return NULL;
}

int fg_bg_child_ready(const json_t *fd)
{
	const json_t *status = fg_json_get(fd, "status");

	return fg_str_is(fg_json_str(status, "lifecycleState"), "STABLE") &&
	       fg_str_is(fg_json_str(fg_json_get(status, "jobStatus"), "state"),
			 "RUNNING");
}
