/*
 * libFuzzer target for the core (sync/) reading what the cluster holds:
 * the live objects the API server lists, with their status (the
 * operator's lastReconciledSpec, a JSON document inside a string),
 * managedFields, labels, annotations and our inventory ConfigMap with
 * its member list. The input is a JSON array of objects; a cluster port
 * lists them by kind and namespace and returns them to GETs; the pass
 * plans the fixed repository tests/fuzz/live-repo/ against them, prints
 * every report, then executes (applies and deletes succeed, the clock
 * is a counter). Any input must give a pass or a FG_E* code with a
 * message; never a crash, leak or hang.
 *   build/fuzz/tests/fuzz_live tests/fuzz/corpus/live
 * The corpus is replayed by `fuzz_live_replay`; its seeds are what the
 * test control plane's kube-apiserver stored after sync and drift.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/render.h"
#include "render/source.h"
#include "sync/pass.h"
#include "sync/plan.h"
#include "sync/report.h"
#include "render/base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *live;   /* the input: an array of objects */
static long long tick; /* the fake clock */

/* apiVersion's group matches ref's: "" for "v1", "g" for "g/v". */
static int same_group(const json_t *o, const char *group)
{
	const char *av = fg_json_str(o, "apiVersion"), *slash;

	if (!av)
		return 0;
	slash = strchr(av, '/');
	if (!slash)
		return !*group;
	return strlen(group) == (size_t)(slash - av) &&
	       !strncmp(av, group, (size_t)(slash - av));
}

static int matches(const json_t *o, const struct fg_obj_ref *ref, int name)
{
	const json_t *md = fg_json_get(o, "metadata");

	return json_is_object(o) &&
	       fg_str_is(fg_json_str(o, "kind"), ref->kind) &&
	       same_group(o, ref->group) &&
	       (!ref->ns || fg_str_is(fg_json_str(md, "namespace"), ref->ns)) &&
	       (!name || fg_str_is(fg_json_str(md, "name"), ref->name));
}

static int port_list(void *ctx, const struct fg_obj_ref *ref,
		     const char *label_selector, json_t **out)
{
	size_t i;
	json_t *o;

	(void)ctx;
	(void)label_selector;
	if (!(*out = json_array()))
		return fg_error_set(FG_ERROR, "out of memory");
	json_array_foreach (live, i, o)
		if (matches(o, ref, 0))
			json_array_append(*out, o);
	return 0;
}

static int port_apply(void *ctx, const json_t *obj,
		      const struct fg_port_apply_opts *opts, json_t **out)
{
	(void)ctx;
	(void)opts;
	if (out) {
		*out = json_deep_copy(obj);
		json_object_set_new(json_object_get(*out, "metadata"), "uid",
				    json_string("uid-applied"));
	}
	return 0;
}

static int port_del(void *ctx, const struct fg_obj_ref *ref, const char *uid,
		    int dry_run)
{
	(void)ctx;
	(void)ref;
	(void)uid;
	(void)dry_run;
	return 0;
}

static int port_get(void *ctx, const struct fg_obj_ref *ref, json_t **out)
{
	size_t i;
	json_t *o;

	(void)ctx;
	*out = NULL;
	json_array_foreach (live, i, o)
		if (matches(o, ref, 1)) {
			*out = json_incref(o);
			return 0;
		}
	return fg_error_set(FG_ENOTFOUND, "%s %s not found", ref->kind,
			    ref->name);
}

static long long now_ms(void *ctx)
{
	(void)ctx;
	return tick;
}

static void sleep_ms(void *ctx, long ms)
{
	(void)ctx;
	tick += ms;
}

static void check(int rc)
{
	if (rc < 0 && !*fg_error_last())
		abort();
	fg_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fg_cluster_port cluster = { NULL, port_list,
							port_apply, port_del,
							port_get };
	static const struct fg_clock_port clock = { NULL, now_ms, sleep_ms,
						    NULL };
	static const struct fg_ports ports = { .cluster = &cluster,
					       .clock = &clock };
	static struct fg_desired *d;
	struct fg_pass_opts opts = { 0 };
	struct fg_buf b = FG_BUF_INIT;
	struct fg_pass *p = NULL;
	json_error_t je;
	json_t *j = NULL;

	if (!d) {
		struct fg_render_opts ro = { .path = "" };
		struct fg_source *src = NULL;

		if (fg_source_dir_new(&src, FG_FUZZ_LIVE_REPO) < 0 ||
		    fg_render(&d, src, &ro) < 0)
			abort();
		fg_source_free(src);
	}
	live = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
			  &je);
	if (!json_is_array(live)) {
		json_decref(live);
		return 0;
	}
	tick = 0;
	opts.wait_ms = 2000;
	opts.poll_ms = 500;
	opts.allow_delete = size % 2;
	opts.mode = size % 3 == 2 ? FG_PASS_APPLY_ONLY : FG_PASS_HEAL;
	if (fg_pass_plan(&p, d, &ports, &opts) < 0) {
		check(-1);
		json_decref(live);
		return 0;
	}
	check(fg_plan_text(p, &b));
	fg_buf_clear(&b);
	check(fg_plan_markdown(p, &b));
	fg_buf_clear(&b);
	check(fg_plan_json(p, &j));
	json_decref(j);
	check(fg_report_drift_text(p, 0, &b));
	fg_buf_clear(&b);
	check(fg_pass_execute(p, &ports));
	check(fg_report_sync_text(p, FG_REPORT_FIELDS, &b));
	check(fg_report_sync_json(p, &j));
	json_decref(j);
	fg_buf_release(&b);
	fg_pass_free(p);
	json_decref(live);
	live = NULL;
	return 0;
}
