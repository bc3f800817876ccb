/*
 * Writing the report model (sync/status.h) where people look: the status
 * branch and notes in Git (agent/git's write-back: committed only when
 * the tree changes, rebuilt on another writer's commit), and on the
 * cluster annotations (server-side apply of those annotations alone, as
 * their own field manager, so they never become drift or fight the
 * pass) and Events. Either channel can be turned off. Failures are
 * logged and counted; the next pass writes again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "agent/log.h"
#include "agent/run_int.h"
#include "agent/status_branch.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "render/base/banned.h"

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void now_rfc3339(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void fg_run_commit_opts(const struct fg_run *r, struct fg_git_commit_opts *o,
			const char *message)
{
	memset(o, 0, sizeof(*o));
	o->branch = r->cfg->git_branch;
	o->author_name = r->cfg->author_name;
	o->author_email = r->cfg->author_email;
	o->message = message;
}

static void status_opts(const struct fg_run *r, struct fg_status_opts *o,
			char *why, size_t n)
{
	memset(o, 0, sizeof(*o));
	o->url = fg_git_mirror_url(r->mirror);
	o->ref = r->cfg->ref;
	o->path = r->cfg->path;
	o->commit = r->good;
	o->head = r->head;
	if (*r->refused && r->refused_why) {
		/* the first line says it */
		snprintf(why, n, "%.*s", (int)strcspn(r->refused_why, "\n"),
			 r->refused_why);
		o->refused = why;
		o->head = r->refused;
	}
}

/* ---- reading the status branch once ---- */

void fg_run_report_load(struct fg_run *r)
{
	char hex[41];

	if (r->report_loaded || !r->mirror)
		return;
	r->report_loaded = 1;
	if (fg_status_branch_read(r->mirror, r->cfg->git_branch, r->lineage,
				  r->status_files, hex) < 0) {
		FG_LOG_WARN("report.load",
			    FG_LOG_STR("branch", r->cfg->git_branch),
			    FG_LOG_STR("message", fg_error_last()));
		fg_error_clear();
		return;
	}
	if (*hex)
		FG_LOG_INFO(
			"report.loaded",
			FG_LOG_STR("branch", r->cfg->git_branch),
			FG_LOG_STR("commit", hex),
			FG_LOG_INT("files", json_object_size(r->status_files)),
			FG_LOG_INT("lineage", json_object_size(r->lineage)));
}

/* ---- Git ---- */

static void digest(const struct fg_status_files *f, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < f->n; i++) {
		crypto_hash_sha256_update(&st,
					  (const unsigned char *)f->v[i].path,
					  strlen(f->v[i].path) + 1);
		if (f->v[i].data)
			crypto_hash_sha256_update(
				&st, (const unsigned char *)f->v[i].data,
				f->v[i].len);
	}
	crypto_hash_sha256_final(&st, d);
	sodium_bin2hex(hex, 65, d, sizeof(d));
}

static int write_files(struct fg_run *r, const struct fg_status_files *f,
		       const char *message, const char *what)
{
	struct fg_git_commit_opts co;
	struct fg_git_file *files;
	char hex[41];
	int changed = 0, err;

	if (!(files = calloc(f->n ? f->n : 1, sizeof(*files))))
		return fg_error_set(FG_ERROR, "out of memory");
	for (size_t i = 0; i < f->n; i++) {
		files[i].path = f->v[i].path;
		files[i].data = f->v[i].data;
		files[i].len = f->v[i].len;
	}
	fg_run_commit_opts(r, &co, message);
	err = fg_git_write_files(r->mirror, &co, files, f->n, hex, &changed);
	free(files);
	fg_metrics_git_write(r->metrics, what, err < 0);
	if (err < 0)
		FG_LOG_WARN("report.git", FG_LOG_STR("what", what),
			    FG_LOG_STR("message", fg_error_last()));
	else if (changed)
		FG_LOG_INFO("report.git", FG_LOG_STR("what", what),
			    FG_LOG_STR("branch", r->cfg->git_branch),
			    FG_LOG_STR("commit", hex));
	fg_error_clear();
	return err;
}

static int add_removal(struct fg_status_files *f, const char *path)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct fg_status_file *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return fg_error_set(FG_ERROR, "out of memory");
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n].path = strdup(path);
	f->v[f->n].data = NULL;
	f->v[f->n].len = 0;
	return f->v[f->n++].path ? 0 : fg_error_set(FG_ERROR, "out of memory");
}

/*
 * A fingerprint of what the status files are made of: the commits, and
 * per step its object's resourceVersion, Git's hash and what the pass
 * made of it. Equal fingerprints give equal files, so a quiet pass
 * renders nothing.
 */
static void hash_str(crypto_generichash_state *st, const char *s)
{
	if (!s)
		s = "";
	crypto_generichash_update(st, (const unsigned char *)s, strlen(s) + 1);
}

static void fingerprint(const struct fg_run *r, const struct fg_pass *p,
			unsigned char out[32])
{
	crypto_generichash_state st;
	char num[64];

	crypto_generichash_init(&st, NULL, 0, 32);
#define H(s) hash_str(&st, (s))
	H(r->good);
	H(r->refused);
	H(r->head);
	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		H(ns->name);
		H(ns->error);
		snprintf(num, sizeof(num), "%d/%d/%d", ns->failed,
			 (int)ns->verdict.kind, (int)ns->inventory_outcome);
		H(num);
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];

			H(s->kind);
			H(s->name);
			H(fg_meta_str(s->live, "resourceVersion"));
			H(s->desired ? s->desired->hash : NULL);
			H(s->message);
			snprintf(num, sizeof(num), "%d/%d/%u/%d/%d",
				 (int)s->wanted, (int)s->action, s->why,
				 (int)s->outcome, (int)s->verdict.kind);
			H(num);
		}
	}
#undef H
	crypto_generichash_final(&st, out, 32);
}

static void report_git(struct fg_run *r, const struct fg_pass *p,
		       int lineage_changed)
{
	struct fg_status_files plain = { 0 }, all = { 0 };
	struct fg_status_opts so;
	char why[512], d1[65], d2[65], msg[200];
	json_t *next = json_object();
	const char *path;
	json_t *v;
	unsigned char fp[32];
	int due;

	fingerprint(r, p, fp);
	if (!lineage_changed && !memcmp(fp, r->git_fingerprint, sizeof(fp)) &&
	    (!r->git_times_pending ||
	     mono_ms() - r->git_written_ms < r->cfg->git_min_interval_ms))
		goto done; /* nothing the files are made of has changed */
	status_opts(r, &so, why, sizeof(why));
	so.with_times = 0;
	if (!next || fg_status_files(p, &so, r->lineage, &plain) < 0)
		goto done;
	digest(&plain, d1);
	fg_status_files_release(&plain); /* only its digest is needed */
	so.with_times = 1;
	if (fg_status_files(p, &so, r->lineage, &all) < 0)
		goto done;
	digest(&all, d2);
	due = strcmp(d1, r->git_digest) || lineage_changed ||
	      (strcmp(d2, r->git_digest_all) &&
	       mono_ms() - r->git_written_ms >= r->cfg->git_min_interval_ms);
	if (!due) {
		/* the same files, or only newer times not yet due */
		r->git_times_pending = strcmp(d2, r->git_digest_all) != 0;
		memcpy(r->git_fingerprint, fp, sizeof(fp));
		goto done;
	}
	for (size_t i = 0; i < all.n; i++)
		if (!strncmp(all.v[i].path, "status/", 7) ||
		    !strncmp(all.v[i].path, "lineage/", 8))
			json_object_set_new(next, all.v[i].path, json_true());
	json_object_foreach (r->status_files, path, v)
		if (!json_object_get(next, path) && add_removal(&all, path) < 0)
			goto done;
	snprintf(msg, sizeof(msg), "flink-gitops: status of %.12s\n", r->good);
	if (write_files(r, &all, msg, "status") < 0)
		goto done;
	memcpy(r->git_digest, d1, sizeof(d1));
	memcpy(r->git_digest_all, d2, sizeof(d2));
	memcpy(r->git_fingerprint, fp, sizeof(fp));
	r->git_times_pending = 0;
	r->git_written_ms = mono_ms();
	json_decref(r->status_files);
	r->status_files = next;
	next = NULL;
done:
	json_decref(next);
	fg_status_files_release(&plain);
	fg_status_files_release(&all);
}

/* Did this pass act on (or hold back) a change Git made? */
static int git_changes(const struct fg_pass *p)
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t j = 0; j < p->v[i].n; j++) {
			const struct fg_step *s = &p->v[i].v[j];

			if ((s->why & FG_WHY_GIT ||
			     s->wanted == FG_ACTION_CREATE ||
			     s->wanted == FG_ACTION_DELETE) &&
			    (s->outcome != FG_OUTCOME_NONE ||
			     fg_step_blocked(s)))
				return 1;
		}
	return 0;
}

static void note(struct fg_run *r, const char *hex, const char *text)
{
	struct fg_git_commit_opts co;
	int err;

	fg_run_commit_opts(r, &co, NULL);
	err = fg_git_note_add(r->mirror, hex, text, &co);
	fg_metrics_git_write(r->metrics, "note", err < 0);
	if (err < 0)
		FG_LOG_WARN("report.note", FG_LOG_STR("commit", hex),
			    FG_LOG_STR("message", fg_error_last()));
	else
		FG_LOG_INFO("report.note", FG_LOG_STR("commit", hex));
	fg_error_clear();
}

static void report_note(struct fg_run *r, const struct fg_pass *p,
			int new_commit)
{
	struct fg_status_opts so;
	struct fg_buf text = FG_BUF_INIT;
	char why[512];

	unsigned char h[crypto_generichash_BYTES];

	if (!new_commit && !strcmp(r->noted, r->good) && !git_changes(p))
		return;
	status_opts(r, &so, why, sizeof(why));
	so.refused = NULL;
	if (fg_status_note(p, &so, r->lineage, &text) < 0)
		goto done;
	/* the same words on the same commit: nothing to write */
	crypto_generichash(h, sizeof(h), (const unsigned char *)text.ptr,
			   text.len, NULL, 0);
	if (!strcmp(r->noted, r->good) && !memcmp(h, r->note_hash, sizeof(h)))
		goto done;
	note(r, r->good, text.ptr);
	memcpy(r->note_hash, h, sizeof(h));
	snprintf(r->noted, sizeof(r->noted), "%s", r->good);
done:
	fg_buf_release(&text);
}

void fg_run_report_refused(struct fg_run *r, const char *commit,
			   const char *why)
{
	struct fg_status_opts so;
	struct fg_buf text = FG_BUF_INIT;
	char w[512];

	if (!r->cfg->git_notes)
		return;
	status_opts(r, &so, w, sizeof(w));
	if (fg_status_refused_note(&so, commit, why, &text) == 0)
		note(r, commit, text.ptr);
	fg_buf_release(&text);
}

void fg_run_report_proposal(struct fg_run *r, const char *ref,
			    const char *commit, const struct fg_pass *p)
{
	struct fg_status_files f = { 0 };
	struct fg_buf text = FG_BUF_INIT, path = FG_BUF_INIT;
	char msg[300];

	if (fg_status_proposal(p, ref, commit, r->lineage, &text) < 0)
		goto done;
	if (r->cfg->git_notes)
		note(r, commit, text.ptr);
	if (!r->cfg->git_report || fg_status_plan_path(ref, &path) < 0)
		goto done;
	f.v = calloc(1, sizeof(*f.v));
	if (!f.v)
		goto done;
	f.n = f.cap = 1;
	f.v[0].path = strdup(path.ptr);
	f.v[0].data = fg_buf_detach(&text, &f.v[0].len);
	snprintf(msg, sizeof(msg), "flink-gitops: plan of %s at %.12s\n", ref,
		 commit);
	if (f.v[0].path)
		write_files(r, &f, msg, "plan");
done:
	fg_status_files_release(&f);
	fg_buf_release(&text);
	fg_buf_release(&path);
}

void fg_run_report_proposal_gone(struct fg_run *r, const char *ref)
{
	struct fg_status_files f = { 0 };
	struct fg_buf path = FG_BUF_INIT;
	char msg[300];

	if (!r->cfg->git_report || fg_status_plan_path(ref, &path) < 0 ||
	    add_removal(&f, path.ptr) < 0)
		goto done;
	snprintf(msg, sizeof(msg), "flink-gitops: %s is gone\n", ref);
	write_files(r, &f, msg, "plan");
done:
	fg_status_files_release(&f);
	fg_buf_release(&path);
}

/* ---- the cluster ---- */

struct cluster_job {
	struct fg_run *r;
	const struct fg_pass_ns *ns;
	const struct fg_step *s;
};

struct cluster_work {
	struct cluster_job *v;
	size_t n;
	char at[32];
};

/* SSA of the report annotations alone, as FG_REPORT_MANAGER. */
static void annotate(void *arg, size_t i)
{
	struct cluster_work *w = arg;
	struct cluster_job *j = &w->v[i];
	const struct fg_step *s = j->s;
	struct fg_port_apply_opts ao = { 1, 0, FG_REPORT_MANAGER };
	char drift[FG_REPORT_DRIFT_MAX + 1];
	json_t *patch;
	int err;

	fg_status_drift_summary(s, drift, sizeof(drift));
	patch = json_pack(
		"{s:s,s:s,s:{s:s,s:s,s:{s:s,s:s,s:s,s:s}}}", "apiVersion",
		fg_json_str(s->desired->obj, "apiVersion"), "kind", s->kind,
		"metadata", "name", s->name, "namespace", j->ns->name,
		"annotations", FG_ANNOTATION_REPORT_COMMIT, j->r->good,
		FG_ANNOTATION_REPORT_AT, w->at, FG_ANNOTATION_REPORT_HEALTH,
		fg_health_name(s->health.health), FG_ANNOTATION_REPORT_DRIFT,
		drift);
	if (!patch)
		return;
	err = j->r->cport.apply(j->r->cport.ctx, patch, &ao, NULL);
	if (err < 0)
		FG_LOG_WARN("report.annotate",
			    FG_LOG_STR("namespace", j->ns->name),
			    FG_LOG_STR("kind", s->kind),
			    FG_LOG_STR("name", s->name),
			    FG_LOG_STR("message", fg_error_last()));
	fg_error_clear();
	json_decref(patch);
}

/* Do the annotations on the object say something else? */
static int annotations_stale(const struct fg_run *r, const struct fg_step *s)
{
	char drift[FG_REPORT_DRIFT_MAX + 1];

	fg_status_drift_summary(s, drift, sizeof(drift));
	return !fg_str_is(fg_annotation(s->live, FG_ANNOTATION_REPORT_COMMIT),
			  r->good) ||
	       !fg_str_is(fg_annotation(s->live, FG_ANNOTATION_REPORT_HEALTH),
			  fg_health_name(s->health.health)) ||
	       !fg_str_is(fg_annotation(s->live, FG_ANNOTATION_REPORT_DRIFT),
			  drift);
}

static int annotatable(const struct fg_step *s)
{
	if (!s->desired || (fg_step_blocked(s) && !s->ours))
		return 0;
	/* a new object is annotated by the pass its watch event brings */
	return s->live && (s->ours || s->outcome == FG_OUTCOME_DONE) &&
	       s->action != FG_ACTION_DELETE;
}

/* An Event on the object, named after what it says, applied. */
static void event(struct fg_run *r, const struct fg_pass_ns *ns,
		  const struct fg_step *s, const char *type, const char *reason,
		  const char *message, int once)
{
	struct fg_port_apply_opts ao = { 1, 0, FG_REPORT_MANAGER };
	unsigned char h[8];
	char hex[17], name[300], at[32], key[1200], msg[FG_RUN_EVENT_MAX];
	const char *uid = s->uid ? s->uid : fg_meta_str(s->live, "uid");
	const json_t *obj = s->desired ? s->desired->obj : s->live;
	json_t *e;

	snprintf(msg, sizeof(msg), "%s", message ? message : "");
	snprintf(key, sizeof(key), "%s/%s/%s/%s/%s/%s", ns->name, s->kind,
		 s->name, reason, once ? "" : r->good, msg);
	if (json_object_get(r->events_sent, key))
		return;
	if (json_object_size(r->events_sent) >= FG_RUN_EVENTS_REMEMBERED)
		json_object_clear(r->events_sent); /* bounded: may say again */
	crypto_generichash(h, sizeof(h), (const unsigned char *)key,
			   strlen(key), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(name, sizeof(name), "%.200s.%s", s->name, hex);
	now_rfc3339(at, sizeof(at));
	e = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s},s:s,s:s,"
		      "s:s,s:{s:s},s:s,s:s,s:i,s:s}",
		      "apiVersion", "v1", "kind", "Event", "metadata", "name",
		      name, "namespace", ns->name, "involvedObject",
		      "apiVersion", fg_json_str(obj, "apiVersion"), "kind",
		      s->kind, "name", s->name, "namespace", ns->name, "uid",
		      uid ? uid : "", "reason", reason, "message", msg, "type",
		      type, "source", "component", FG_MANAGER, "firstTimestamp",
		      at, "lastTimestamp", at, "count", 1, "reportingComponent",
		      FG_MANAGER);
	if (!e)
		return;
	if (r->ap.cluster.apply(r->ap.cluster.ctx, e, &ao, NULL) < 0)
		FG_LOG_WARN("report.event", FG_LOG_STR("namespace", ns->name),
			    FG_LOG_STR("name", s->name),
			    FG_LOG_STR("message", fg_error_last()));
	else
		json_object_set_new(r->events_sent, key, json_true());
	fg_error_clear();
	json_decref(e);
}

static void events(struct fg_run *r, const struct fg_pass *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];
			const char *res = fg_status_result(s);

			if (!s->live && !s->uid)
				continue;
			if (fg_step_blocked(s))
				event(r, ns, s, "Warning", "SyncBlocked",
				      s->verdict.reason, 1);
			else if (s->outcome == FG_OUTCOME_DONE)
				event(r, ns, s, "Normal",
				      !strcmp(res, "healed")	? "DriftHealed"
				      : !strcmp(res, "deleted") ? "Deleted"
								: "Applied",
				      s->wanted == FG_ACTION_NOOP ? res
								  : s->impact,
				      0);
			else if (s->outcome == FG_OUTCOME_FAILED ||
				 s->outcome == FG_OUTCOME_CONFLICT)
				event(r, ns, s, "Warning", "SyncFailed",
				      s->message, 0);
			if (s->health.health == FG_HEALTH_DEGRADED)
				event(r, ns, s, "Warning", "Degraded",
				      s->health.message, 1);
		}
	}
}

static void report_cluster(struct fg_run *r, const struct fg_pass *p)
{
	struct cluster_work w;
	size_t n = 0;

	memset(&w, 0, sizeof(w));
	now_rfc3339(w.at, sizeof(w.at));
	if (r->cfg->annotations && !p->opts.dry_run) {
		for (size_t i = 0; i < p->n; i++)
			n += p->v[i].n;
		if (!(w.v = calloc(n ? n : 1, sizeof(*w.v))))
			return;
		for (size_t i = 0; i < p->n; i++)
			for (size_t j = 0; j < p->v[i].n; j++) {
				const struct fg_step *s = &p->v[i].v[j];

				if (!annotatable(s) || !annotations_stale(r, s))
					continue;
				w.v[w.n].r = r;
				w.v[w.n].ns = &p->v[i];
				w.v[w.n++].s = s;
			}
		fg_ports_parallel(&r->ports, w.n, (size_t)r->cfg->connections,
				  annotate, &w);
		if (w.n)
			FG_LOG_INFO("report.annotations",
				    FG_LOG_INT("objects", w.n));
		free(w.v);
	}
	if (r->cfg->events)
		events(r, p);
}

void fg_run_report(struct fg_run *r, const struct fg_pass *p, int new_commit)
{
	int lineage_changed = 0;

	if (!r->report_loaded)
		fg_run_report_load(r);
	if (fg_lineage_update(r->lineage, p, &lineage_changed) < 0)
		fg_error_clear();
	if (r->cfg->git_report)
		report_git(r, p, lineage_changed);
	if (r->cfg->git_notes)
		report_note(r, p, new_commit);
	report_cluster(r, p);
}
