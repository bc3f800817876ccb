/*
 * The report model of the agent (sync/status.h): pure formatting of a
 * pass and of the live objects' status.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render/base/error.h"
#include "render/base/grow.h"
#include "render/base/json.h"
#include "sync/plan.h"
#include "sync/report.h"
#include "sync/status.h"
#include "render/base/banned.h"

#define FLINK_GROUP "flink.apache.org"

static int oom(void)
{
	return fg_error_set(FG_ERROR, "out of memory");
}

void fg_status_files_release(struct fg_status_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].data);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* Add a file: `b`'s bytes are taken (b is reset). */
static int add_file(struct fg_status_files *f, const char *path,
		    struct fg_buf *b)
{
	struct fg_status_file *e;

	if (FG_GROW(f->v, f->n + 1, f->cap) < 0)
		return oom();
	e = &f->v[f->n];
	if (!(e->path = strdup(path)))
		return oom();
	e->data = fg_buf_detach(b, &e->len);
	f->n++;
	return 0;
}

static int is_flink(const struct fg_step *s)
{
	return !strcmp(s->group, FLINK_GROUP) &&
	       (!strcmp(s->kind, "FlinkDeployment") ||
		!strcmp(s->kind, "FlinkSessionJob"));
}

static int is_secret(const struct fg_step *s)
{
	return !*s->group && !strcmp(s->kind, "Secret");
}

static long long num(const json_t *v)
{
	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_string(v)) {
		char *end;
		long long n = strtoll(json_string_value(v), &end, 10);

		return *end || !*json_string_value(v) ? -1 : n;
	}
	return -1;
}

void fg_job_status_of(const json_t *live, struct fg_job_status *out)
{
	const json_t *st = fg_json_get(live, "status");
	const json_t *js = fg_json_get(st, "jobStatus");
	const json_t *sp =
		fg_json_path(js, "savepointInfo", "lastSavepoint", NULL);
	const json_t *cp =
		fg_json_path(js, "checkpointInfo", "lastCheckpoint", NULL);
	const char *key;
	json_t *v;

	memset(out, 0, sizeof(*out));
	out->lifecycle = fg_json_str(st, "lifecycleState");
	out->job_state = fg_json_str(js, "state");
	out->job_id = fg_json_str(js, "jobId");
	out->error = fg_json_str(st, "error");
	if (out->error && !*out->error)
		out->error = NULL;
	out->savepoint = fg_json_str(sp, "location");
	out->savepoint_ms =
		out->savepoint ? num(fg_json_get(sp, "timeStamp")) : -1;
	out->checkpoint_ms = num(fg_json_get(cp, "timeStamp"));
	if (out->checkpoint_ms <= 0)
		out->checkpoint_ms = -1;
	out->restarts = -1;
	/* ClusterHealthInfo: a JSON string in clusterInfo with numRestarts */
	json_object_foreach (fg_json_mut(fg_json_get(st, "clusterInfo")), key,
			     v) {
		json_error_t je;
		json_t *h;
		const char *s = json_string_value(v);

		if (!s || s[0] != '{' || strlen(s) > 65536)
			continue;
		/* memory running out leaves the count unknown (-1) */
		if (fg_json_loads(&h, s, 0, &je) == 0) {
			long long n = num(json_object_get(h, "numRestarts"));

			if (n >= 0)
				out->restarts = n;
			json_decref(h);
		}
	}
}

static void replace_all(char *s, size_t n, const char *what, const char *with)
{
	char tmp[512], *p;

	while ((p = strstr(s, what))) {
		snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(p - s), s, with,
			 p + strlen(what));
		snprintf(s, n, "%s", tmp);
	}
}

void fg_status_web_ui(const json_t *obj, char *out, size_t n)
{
	const json_t *ing = fg_json_path(obj, "spec", "ingress", NULL);
	const char *tpl = fg_json_str(ing, "template"), *name, *ns;
	char t[512];

	out[0] = '\0';
	if (!tpl || !*tpl || strlen(tpl) >= 256)
		return;
	snprintf(t, sizeof(t), "%s", tpl);
	name = fg_meta_str(obj, "name");
	ns = fg_meta_str(obj, "namespace");
	replace_all(t, sizeof(t), "{{name}}", name ? name : "");
	replace_all(t, sizeof(t), "{{namespace}}", ns ? ns : "");
	if (strstr(t, "://") || t[0] == '/')
		snprintf(out, n, "%s", t);
	else
		snprintf(out, n, "%s://%s",
			 json_array_size(fg_json_get(ing, "tls")) ? "https"
								  : "http",
			 t);
}

const char *fg_status_result(const struct fg_step *s)
{
	const char *st;

	if (fg_step_blocked(s))
		return "blocked";
	switch (s->outcome) {
	case FG_OUTCOME_DONE:
		if (s->action == FG_ACTION_DELETE)
			return "deleted";
		if (!(s->why & FG_WHY_GIT) && s->wanted != FG_ACTION_CREATE &&
		    (s->why & FG_WHY_DRIFT))
			return "healed";
		return "applied";
	case FG_OUTCOME_FAILED:
		return "failed";
	case FG_OUTCOME_CONFLICT:
		return "conflict";
	case FG_OUTCOME_WAITING:
		return "waiting";
	case FG_OUTCOME_GONE:
		return "deleted";
	case FG_OUTCOME_LEFT:
		return "left";
	case FG_OUTCOME_NONE:
		break;
	}
	if (s->wanted == FG_ACTION_NOOP)
		return "synced";
	st = fg_drift_state(s);
	return st ? st : "synced";
}

static void iso_time(long long ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The commit of a source annotation "URL@COMMIT:FILE", into hex. */
static int source_commit(const char *src, char hex[41])
{
	const char *p = src;

	hex[0] = '\0';
	if (!src)
		return 0;
	while ((p = strchr(p, '@'))) {
		p++;
		if (strspn(p, "0123456789abcdef") == 40 && p[40] == ':') {
			memcpy(hex, p, 40);
			hex[40] = '\0';
			return 1;
		}
	}
	return 0;
}

static json_t *drift_json(const struct fg_step *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->drift.n; i++) {
		const struct fg_drift_item *d = &s->drift.v[i];
		json_t *e = json_pack("{s:s,s:o,s:o}", "field", d->field,
				      "manager", opt_str(d->manager), "time",
				      opt_str(d->time));

		if (!is_secret(s)) {
			json_object_set(e, "git",
					d->desired ? d->desired : json_null());
			json_object_set(e, "cluster",
					d->live ? d->live : json_null());
		}
		json_array_append_new(a, e);
	}
	return a;
}

json_t *fg_status_object(const struct fg_pass_ns *ns, const struct fg_step *s,
			 const struct fg_status_opts *o)
{
	const json_t *obj = s->desired ? s->desired->obj : s->live;
	struct fg_job_status js;
	char t[64], ui[600];
	json_t *j, *sync;
	const char *msg;

	j = json_pack("{s:o,s:s,s:s,s:s}", "apiVersion",
		      opt_str(fg_json_str(obj, "apiVersion")), "kind", s->kind,
		      "namespace", ns->name, "name", s->name);
	if (!j)
		return NULL;
	json_object_set_new(
		j, "source",
		json_pack("{s:o,s:o,s:o}", "url", opt_str(o->url), "commit",
			  opt_str(o->commit), "file",
			  opt_str(s->desired ? s->desired->file : NULL)));
	if (!is_secret(s)) {
		json_object_set_new(
			j, "desiredHash",
			opt_str(s->desired ? s->desired->hash : NULL));
		json_object_set_new(
			j, "appliedHash",
			opt_str(fg_annotation(s->live, FG_ANNOTATION_HASH)));
	}
	msg = fg_step_blocked(s)	    ? s->verdict.reason
	      : s->message		    ? s->message
	      : s->wanted != FG_ACTION_NOOP ? s->impact
					    : NULL;
	sync = json_pack("{s:s,s:s,s:o}", "result", fg_status_result(s),
			 "action", fg_action_name(s->wanted), "message",
			 opt_str(msg && *msg ? msg : NULL));
	if (fg_step_blocked(s) && s->verdict.unblock)
		json_object_set_new(sync, "unblock",
				    json_string(s->verdict.unblock));
	json_object_set_new(j, "sync", sync);
	json_object_set_new(
		j, "health",
		json_pack("{s:s,s:o}", "status",
			  fg_health_name(s->health.health), "message",
			  opt_str(s->health.message && *s->health.message
					  ? s->health.message
					  : NULL)));
	if (is_flink(s) && s->live) {
		fg_job_status_of(s->live, &js);
		json_object_set_new(j, "lifecycleState", opt_str(js.lifecycle));
		json_object_set_new(j, "jobState", opt_str(js.job_state));
		json_object_set_new(j, "jobId", opt_str(js.job_id));
		if (js.savepoint) {
			json_t *sp = json_pack("{s:s}", "path", js.savepoint);

			if (o->with_times && js.savepoint_ms > 0) {
				iso_time(js.savepoint_ms, t, sizeof(t));
				json_object_set_new(sp, "time", json_string(t));
			}
			json_object_set_new(j, "lastSavepoint", sp);
		}
		if (o->with_times && js.checkpoint_ms > 0) {
			iso_time(js.checkpoint_ms, t, sizeof(t));
			json_object_set_new(j, "lastCheckpoint",
					    json_pack("{s:s}", "time", t));
		}
		if (js.restarts >= 0)
			json_object_set_new(j, "restarts",
					    json_integer(js.restarts));
		json_object_set_new(j, "error", opt_str(js.error));
	}
	if (s->desired) {
		fg_status_web_ui(s->desired->obj, ui, sizeof(ui));
		if (*ui)
			json_object_set_new(j, "webUI", json_string(ui));
	}
	json_object_set_new(j, "drift", drift_json(s));
	return j;
}

void fg_status_drift_summary(const struct fg_step *s, char *out, size_t n)
{
	size_t len = 0;

	if (n > FG_REPORT_DRIFT_MAX + 1)
		n = FG_REPORT_DRIFT_MAX + 1;
	out[0] = '\0';
	if (!s->drift.n || !(s->why & FG_WHY_DRIFT)) {
		snprintf(out, n, "%s",
			 s->why & FG_WHY_ROLLED_BACK ? "rolled back" : "none");
		return;
	}
	for (size_t i = 0; i < s->drift.n && len + 1 < n; i++) {
		const struct fg_drift_item *d = &s->drift.v[i];

		snprintf(out + len, n - len, "%s%s (%s)", i ? ", " : "",
			 d->field, d->manager ? d->manager : "unknown");
		len = strlen(out);
	}
}

/* ---- the branch ---- */

static void md_cell(struct fg_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fg_buf_puts(b, "\\|");
		else if (*s == '\n')
			fg_buf_putc(b, ' ');
		else
			fg_buf_putc(b, *s);
	}
}

static void header(struct fg_buf *b, const char *title,
		   const struct fg_status_opts *o)
{
	fg_buf_printf(
		b, "# %s\n\nSource: `%s` branch `%s`%s%s%s, commit `%s`\n",
		title, o->url ? o->url : "", o->ref ? o->ref : "",
		o->path && *o->path ? ", folder `" : "",
		o->path && *o->path ? o->path : "",
		o->path && *o->path ? "`" : "", o->commit ? o->commit : "");
	if (o->refused && o->head)
		fg_buf_printf(b,
			      "\n**The branch head `%s` is not applied**: "
			      "%s. The commit above stays in force.\n",
			      o->head, o->refused);
}

static void ns_problem(struct fg_buf *b, const struct fg_pass_ns *ns)
{
	if (ns->failed)
		fg_buf_puts(b, "\n**Not synced**: render errors; nothing "
			       "applied or pruned.\n");
	else if (ns->error) {
		fg_buf_puts(b, "\n**Not synced**: ");
		md_cell(b, ns->error);
		fg_buf_puts(b, "\n");
	} else if (ns->verdict.kind == FG_VERDICT_BLOCK) {
		fg_buf_puts(b, "\n**Held back**: ");
		md_cell(b, ns->verdict.reason);
		fg_buf_puts(b, "\n");
	}
}

static int status_md(const struct fg_pass *p, const struct fg_status_opts *o,
		     struct fg_buf *b)
{
	char t[64], drift[FG_REPORT_DRIFT_MAX + 1];

	header(b, "flink-gitops status", o);
	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		fg_buf_printf(b, "\n## %s\n", ns->name);
		ns_problem(b, ns);
		if (!ns->n)
			continue;
		fg_buf_puts(b, "\n| object | sync | health | lifecycle | job "
			       "| last savepoint | last checkpoint | drift "
			       "|\n|---|---|---|---|---|---|---|---|\n");
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];
			struct fg_job_status js;

			memset(&js, 0, sizeof(js));
			js.savepoint_ms = js.checkpoint_ms = -1;
			if (is_flink(s) && s->live)
				fg_job_status_of(s->live, &js);
			fg_buf_printf(b, "| %s/%s | %s | %s | %s | %s | ",
				      s->kind, s->name, fg_status_result(s),
				      fg_health_name(s->health.health),
				      js.lifecycle ? js.lifecycle : "",
				      js.job_state ? js.job_state : "");
			md_cell(b, js.savepoint ? js.savepoint : "");
			if (o->with_times && js.savepoint_ms > 0) {
				iso_time(js.savepoint_ms, t, sizeof(t));
				fg_buf_printf(b, " (%s)", t);
			}
			t[0] = '\0';
			if (o->with_times && js.checkpoint_ms > 0)
				iso_time(js.checkpoint_ms, t, sizeof(t));
			fg_status_drift_summary(s, drift, sizeof(drift));
			fg_buf_printf(b, " | %s | ", t);
			md_cell(b, strcmp(drift, "none") ? drift : "");
			fg_buf_puts(b, " |\n");
		}
	}
	return 0;
}

static int drift_md(const struct fg_pass *p, const struct fg_status_opts *o,
		    struct fg_buf *b)
{
	char v1[FG_PLAN_VALUE_MAX + 8], v2[FG_PLAN_VALUE_MAX + 8];
	size_t count = 0;

	header(b, "flink-gitops drift", o);
	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];

			if (!(s->why & (FG_WHY_DRIFT | FG_WHY_ROLLED_BACK)))
				continue;
			count++;
			fg_buf_printf(b, "\n## %s %s/%s: %s\n\n", ns->name,
				      s->kind, s->name, fg_status_result(s));
			if (s->why & FG_WHY_ROLLED_BACK)
				fg_buf_puts(b, "- the operator rolled it back: "
					       "it runs an older spec than "
					       "Git\n");
			for (size_t k = 0; k < s->drift.n; k++) {
				const struct fg_drift_item *d = &s->drift.v[k];

				if (is_secret(s)) {
					snprintf(v1, sizeof(v1), "(secret)");
					snprintf(v2, sizeof(v2), "(secret)");
				} else {
					fg_plan_value(d->desired, v1,
						      sizeof(v1));
					fg_plan_value(d->live, v2, sizeof(v2));
				}
				fg_buf_printf(b, "- `%s`: Git `", d->field);
				md_cell(b, v1);
				fg_buf_puts(b, "`, cluster `");
				md_cell(b, v2);
				fg_buf_printf(b, "` (set by %s%s%s)\n",
					      d->manager ? d->manager
							 : "unknown",
					      d->time ? " at " : "",
					      d->time ? d->time : "");
			}
			if (fg_step_blocked(s)) {
				fg_buf_puts(b, "- not taken back: ");
				md_cell(b, s->verdict.reason);
				fg_buf_putc(b, '\n');
			}
		}
	}
	if (!count)
		fg_buf_puts(b, "\nNo drift: the cluster is what Git says.\n");
	return 0;
}

static int object_path(struct fg_buf *b, const char *dir, const char *ns,
		       const struct fg_step *s)
{
	fg_buf_clear(b);
	return fg_buf_printf(b, "%s/%s/%s/%s.json", dir, ns, s->kind, s->name);
}

static int lineage_key(struct fg_buf *b, const char *ns,
		       const struct fg_step *s)
{
	fg_buf_clear(b);
	return fg_buf_printf(b, "%s/%s/%s", ns, s->kind, s->name);
}

static int dump_file(struct fg_status_files *out, const char *path,
		     const json_t *j)
{
	struct fg_buf b = FG_BUF_INIT;
	char *text = fg_json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	int err;

	if (!text)
		return oom();
	err = fg_buf_puts(&b, text);
	free(text);
	if (!err)
		err = fg_buf_putc(&b, '\n');
	if (!err)
		err = add_file(out, path, &b);
	fg_buf_release(&b);
	return err;
}

int fg_status_files(const struct fg_pass *p, const struct fg_status_opts *o,
		    const json_t *lineage, struct fg_status_files *out)
{
	struct fg_buf b = FG_BUF_INIT, path = FG_BUF_INIT, key = FG_BUF_INIT;
	int err;

	if ((err = status_md(p, o, &b)) < 0 ||
	    (err = add_file(out, "STATUS.md", &b)) < 0 ||
	    (err = drift_md(p, o, &b)) < 0 ||
	    (err = add_file(out, "DRIFT.md", &b)) < 0)
		goto done;
	for (size_t i = 0; i < p->n && !err; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		for (size_t j = 0; j < ns->n && !err; j++) {
			const struct fg_step *s = &ns->v[j];
			const json_t *rp, *lin;
			json_t *st;

			/* an object that is gone has no status */
			if (!s->desired && !s->live)
				continue;
			if (!s->desired && (s->outcome == FG_OUTCOME_DONE ||
					    s->outcome == FG_OUTCOME_GONE))
				continue;
			if (!(st = fg_status_object(ns, s, o))) {
				err = oom();
				break;
			}
			rp = fg_lineage_restore_point(lineage, ns->name, s);
			if (rp) {
				fg_buf_clear(&b);
				fg_lineage_hint(s, rp, &b);
				json_object_set_new(st, "restore",
						    json_pack("{s:O,s:s}",
							      "from", rp, "how",
							      b.ptr));
				fg_buf_clear(&b);
			}
			if ((err = object_path(&path, "status", ns->name, s)) <
				    0 ||
			    (err = dump_file(out, path.ptr, st)) < 0) {
				json_decref(st);
				break;
			}
			json_decref(st);
			if ((err = lineage_key(&key, ns->name, s)) < 0)
				break;
			lin = json_object_get(lineage, key.ptr);
			if (json_array_size(lin) &&
			    ((err = object_path(&path, "lineage", ns->name,
						s)) < 0 ||
			     (err = dump_file(out, path.ptr, lin)) < 0))
				break;
		}
	}
done:
	fg_buf_release(&b);
	fg_buf_release(&path);
	fg_buf_release(&key);
	return err;
}

void fg_status_restore_hints(const struct fg_pass *p, const json_t *lineage,
			     struct fg_buf *out, int markdown)
{
	int first = 1;

	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];
			const json_t *rp =
				fg_lineage_restore_point(lineage, ns->name, s);

			if (!rp)
				continue;
			if (first)
				fg_buf_puts(out, markdown ? "\n### Restoring "
							    "state\n\n"
							  : "\nrestoring state:"
							    "\n");
			first = 0;
			fg_buf_printf(out,
				      "%s%s %s/%s: ", markdown ? "- " : "  ",
				      ns->name, s->kind, s->name);
			fg_lineage_hint(s, rp, out);
			fg_buf_putc(out, '\n');
		}
	}
}

int fg_status_note(const struct fg_pass *p, const struct fg_status_opts *o,
		   const json_t *lineage, struct fg_buf *out)
{
	int err;

	fg_buf_printf(out, "flink-gitops: synced %s@%s%s%s\n\n",
		      o->url ? o->url : "", o->commit ? o->commit : "",
		      o->path && *o->path ? ":" : "",
		      o->path && *o->path ? o->path : "");
	if ((err = fg_report_sync_text(p, 0, out)) < 0)
		return err;
	fg_status_restore_hints(p, lineage, out, 0);
	return 0;
}

int fg_status_refused_note(const struct fg_status_opts *o, const char *commit,
			   const char *why, struct fg_buf *out)
{
	return fg_buf_printf(out,
			     "flink-gitops: NOT applied: %s@%s\n\n%s%s"
			     "The cluster keeps commit %s.\n",
			     o->url ? o->url : "", commit, why,
			     *why && why[strlen(why) - 1] != '\n' ? "\n" : "",
			     o->commit && *o->commit ? o->commit : "(none)");
}

int fg_status_proposal(const struct fg_pass *p, const char *ref,
		       const char *commit, const json_t *lineage,
		       struct fg_buf *out)
{
	int err;

	fg_buf_printf(out,
		      "# flink-gitops plan for `%s`\n\nProposed commit `%s`, "
		      "planned against the live cluster. Nothing is applied "
		      "from a proposed branch.\n\n",
		      ref, commit);
	if ((err = fg_plan_markdown(p, out)) < 0)
		return err;
	fg_status_restore_hints(p, lineage, out, 1);
	return 0;
}

int fg_status_plan_path(const char *ref, struct fg_buf *out)
{
	const char *name = ref;

	if (!strncmp(ref, "refs/heads/", 11))
		name = ref + 11;
	else if (!strncmp(ref, "refs/", 5))
		name = ref + 5;
	return fg_buf_printf(out, "plans/%s.md", name);
}

/* ---- savepoint lineage ---- */

static int has_path(const json_t *entries, const char *path)
{
	size_t i;
	json_t *e;

	json_array_foreach (entries, i, e)
		if (fg_str_is(fg_json_str(e, "path"), path))
			return 1;
	return 0;
}

static int record(json_t *entries, const char *path, const char *type,
		  const char *commit, const char *hash, long long ms,
		  int *changed)
{
	json_t *e;

	if (!path || !*path || has_path(entries, path))
		return 0;
	e = json_pack("{s:s,s:s,s:s,s:s,s:o}", "path", path, "type", type,
		      "commit", commit, "hash", hash ? hash : "", "time",
		      ms > 0 ? json_integer(ms) : json_null());
	if (!e || json_array_append_new(entries, e) < 0)
		return oom();
	while (json_array_size(entries) > FG_LINEAGE_MAX)
		json_array_remove(entries, 0);
	*changed = 1;
	return 0;
}

static int lineage_step(json_t *lineage, const char *ns,
			const struct fg_step *s, int *changed)
{
	const json_t *js = fg_json_path(s->live, "status", "jobStatus", NULL);
	const json_t *hist =
		fg_json_path(js, "savepointInfo", "savepointHistory", NULL);
	const char *hash = fg_annotation(s->live, FG_ANNOTATION_HASH);
	struct fg_buf key = FG_BUF_INIT;
	struct fg_job_status st;
	json_t *entries, *e;
	char commit[41];
	size_t i;
	int err = 0;

	if (!is_flink(s) || !s->live ||
	    !source_commit(fg_annotation(s->live, FG_ANNOTATION_SOURCE),
			   commit))
		return 0;
	fg_job_status_of(s->live, &st);
	if ((err = lineage_key(&key, ns, s)) < 0)
		return err;
	if (!(entries = json_object_get(lineage, key.ptr))) {
		if (!(entries = json_array()) ||
		    json_object_set_new(lineage, key.ptr, entries) < 0) {
			fg_buf_release(&key);
			return oom();
		}
	}
	json_array_foreach (hist, i, e)
		if (!err)
			err = record(entries, fg_json_str(e, "location"),
				     "savepoint", commit, hash,
				     num(fg_json_get(e, "timeStamp")), changed);
	if (!err)
		err = record(entries, st.savepoint, "savepoint", commit, hash,
			     st.savepoint_ms, changed);
	if (!err)
		err = record(entries, fg_json_str(js, "upgradeSavepointPath"),
			     "upgrade", commit, hash, -1, changed);
	if (!json_array_size(entries))
		json_object_del(lineage, key.ptr);
	fg_buf_release(&key);
	return err;
}

int fg_lineage_update(json_t *lineage, const struct fg_pass *p, int *changed)
{
	int err = 0;

	*changed = 0;
	for (size_t i = 0; i < p->n && !err; i++)
		for (size_t j = 0; j < p->v[i].n && !err; j++)
			err = lineage_step(lineage, p->v[i].name, &p->v[i].v[j],
					   changed);
	return err;
}

const json_t *fg_lineage_restore_point(const json_t *lineage, const char *ns,
				       const struct fg_step *s)
{
	const char *live_hash = fg_annotation(s->live, FG_ANNOTATION_HASH);
	const json_t *entries, *best = NULL;
	struct fg_buf key = FG_BUF_INIT;
	size_t i;
	json_t *e;

	if (!lineage || !s->desired || !s->live || !is_flink(s) ||
	    !(s->why & FG_WHY_GIT) || fg_str_is(live_hash, s->desired->hash))
		return NULL;
	if (lineage_key(&key, ns, s) == 0) {
		entries = json_object_get(lineage, key.ptr);
		json_array_foreach (entries, i, e) {
			if (!fg_str_is(fg_json_str(e, "hash"),
				       s->desired->hash))
				continue;
			/* a savepoint beats an upgrade path; newest wins */
			if (!best ||
			    fg_str_is(fg_json_str(e, "type"), "savepoint") ||
			    !fg_str_is(fg_json_str(best, "type"), "savepoint"))
				best = e;
		}
	}
	fg_buf_release(&key);
	return best;
}

int fg_lineage_hint(const struct fg_step *s, const json_t *rp,
		    struct fg_buf *out)
{
	const char *commit = fg_json_str(rp, "commit");

	(void)s;
	return fg_buf_printf(
		out,
		"reverts to the spec that ran at commit %.12s; the %s "
		"recorded then is %s; to restore from it, set "
		"spec.job.initialSavepointPath: %s and change "
		"spec.job.savepointRedeployNonce (a savepoint redeploy)",
		commit ? commit : "?",
		fg_str_is(fg_json_str(rp, "type"), "savepoint")
			? "savepoint"
			: "savepoint or checkpoint",
		fg_json_str(rp, "path"), fg_json_str(rp, "path"));
}
