/*
 * Renames and moves (policy rule g). Kubernetes has no rename: a job
 * renamed in Git, or moved to another namespace's folder, is a create and
 * a delete in one pass, and the new job starts from empty state (with
 * delete: suspend-first the old one is savepointed, and the new one
 * ignores that savepoint). So the pass pairs them:
 *
 *   - a create of a job (a FlinkDeployment with spec.job, a
 *     FlinkSessionJob, a FlinkBlueGreenDeployment: its template's job)
 *     without spec.job.initialSavepointPath, and
 *   - the delete, in the same pass, of a job of the same kind that has
 *     state (fg_policy_has_state), that Git no longer has,
 *
 * when the new object names the old one (FG_MOVED_FROM_ANNOTATION), or
 * else when both run the same job (jarURI, entryClass and args equal).
 * An application is the same kind of job in a FlinkDeployment and in a
 * FlinkBlueGreenDeployment: switching an object between the two kinds is
 * a delete and a create too (the operator has no conversion), paired and
 * decided like a rename.
 * A create that could replace more than one, or a job more than one
 * create could replace, is ambiguous: blocked until the annotation says.
 *
 * The pair is decided by the new object's policy `move`: block (both
 * halves held back, the default), savepoint (fg_pass_execute suspends
 * the old job with a savepoint, creates the new one with
 * initialSavepointPath set to it, then deletes the old one), allow (the
 * new job starts empty; the delete is decided as any other).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/pass.h"
#include "sync/pass_int.h"
#include "render/base/banned.h"

struct half {
	struct fg_pass_ns *ns;
	struct fg_step *s;
	size_t claims;	 /* creates matching this delete by identity */
	size_t matches;	 /* deletes matching this create by identity */
	struct half *to; /* the delete it pairs with, once decided */
};

static int is_job(const struct fg_step *s, const json_t *obj)
{
	if (strcmp(s->group, "flink.apache.org"))
		return 0;
	if (!strcmp(s->kind, "FlinkSessionJob"))
		return 1;
	return (!strcmp(s->kind, "FlinkDeployment") ||
		!strcmp(s->kind, FG_BLUEGREEN_KIND)) &&
	       json_is_object(fg_json_get(fg_flink_spec(obj), "job"));
}

/* Kinds that run the same sort of job: equal, or an application in a
 * FlinkDeployment and in a FlinkBlueGreenDeployment. */
static int same_sort(const char *a, const char *b)
{
	int app_a =
		!strcmp(a, "FlinkDeployment") || !strcmp(a, FG_BLUEGREEN_KIND);
	int app_b =
		!strcmp(b, "FlinkDeployment") || !strcmp(b, FG_BLUEGREEN_KIND);

	return !strcmp(a, b) || (app_a && app_b);
}

static int same_value(const json_t *a, const json_t *b)
{
	if (!a || json_is_null(a))
		return !b || json_is_null(b);
	return b && json_equal(fg_json_mut(a), fg_json_mut(b));
}

/* Both run the same job: the same kind, jar, entry class and arguments. */
static int same_job(const struct fg_step *c, const struct fg_step *d)
{
	const json_t *a = fg_json_get(fg_flink_spec(c->desired->obj), "job");
	const json_t *b = fg_json_get(fg_flink_spec(d->live), "job");

	if (!same_sort(c->kind, d->kind))
		return 0;
	if (!fg_json_str(a, "jarURI") && !fg_json_str(a, "entryClass"))
		return 0; /* nothing that says which job it is */
	return same_value(fg_json_get(a, "jarURI"), fg_json_get(b, "jarURI")) &&
	       same_value(fg_json_get(a, "entryClass"),
			  fg_json_get(b, "entryClass")) &&
	       same_value(fg_json_get(a, "args"), fg_json_get(b, "args"));
}

/* The create half: a job Git creates that starts empty. */
static int create_half(const struct fg_pass_ns *ns, const struct fg_step *s)
{
	const char *isp;

	if (!s->desired || s->wanted != FG_ACTION_CREATE ||
	    ns->verdict.kind == FG_VERDICT_BLOCK || fg_step_blocked(s) ||
	    !is_job(s, s->desired->obj))
		return 0;
	isp = fg_json_str(fg_json_get(fg_flink_spec(s->desired->obj), "job"),
			  "initialSavepointPath");
	return !isp || !*isp;
}

/* The delete half: a job with state of ours that Git no longer has. */
static int delete_half(const struct fg_pass_ns *ns, const struct fg_step *s)
{
	struct fg_flink_env env;
	char why[400];

	if (s->desired || s->wanted != FG_ACTION_DELETE || !s->ours ||
	    !s->live || !is_job(s, s->live))
		return 0;
	fg_pass_env_of(ns, s->live, &env);
	return fg_policy_has_state(NULL, s->live, &env, why, sizeof(why));
}

/* The delete FG_MOVED_FROM_ANNOTATION of create `c` names, or NULL. */
static struct half *named(const struct half *c, struct half *d, size_t nd,
			  int *annotated)
{
	const char *a = fg_json_str(fg_json_path(c->s->desired->obj, "metadata",
						 "annotations", NULL),
				    FG_MOVED_FROM_ANNOTATION);
	const char *slash, *name, *nsname = c->ns->name;
	size_t nslen;

	*annotated = a && *a;
	if (!*annotated)
		return NULL;
	slash = strchr(a, '/');
	name = slash ? slash + 1 : a;
	if (slash)
		nsname = a;
	nslen = slash ? (size_t)(slash - a) : strlen(nsname);
	for (size_t i = 0; i < nd; i++)
		if (same_sort(d[i].s->kind, c->s->kind) &&
		    !strcmp(d[i].s->name, name) &&
		    strlen(d[i].ns->name) == nslen &&
		    !strncmp(d[i].ns->name, nsname, nslen))
			return &d[i];
	return NULL;
}

static void block(struct fg_step *s, const char *unblock, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void block(struct fg_step *s, const char *unblock, const char *fmt, ...)
{
	va_list ap;

	memset(&s->verdict, 0, sizeof(s->verdict));
	s->verdict.kind = FG_VERDICT_BLOCK;
	s->verdict.rule = FG_RULE_MOVE;
	s->verdict.unblock = unblock;
	va_start(ap, fmt);
	vsnprintf(s->verdict.reason, sizeof(s->verdict.reason), fmt, ap);
	va_end(ap);
	s->suspend_first = 0;
	snprintf(s->impact, sizeof(s->impact), "BLOCKED: %s",
		 s->verdict.reason);
}

static void allow(struct fg_step *s, const char *reason)
{
	memset(&s->verdict, 0, sizeof(s->verdict));
	s->verdict.kind = FG_VERDICT_ALLOW;
	s->verdict.rule = FG_RULE_MOVE;
	s->verdict.overridden = 1;
	snprintf(s->verdict.reason, sizeof(s->verdict.reason), "%s", reason);
}

#define UNBLOCK_WITH(path)                                                    \
	"policy move: savepoint (the new job starts from a savepoint of the " \
	"old one), or move: allow (it starts empty), or set " path            \
	".job.initialSavepointPath in Git"
#define UNBLOCK UNBLOCK_WITH("spec")
#define UNBLOCK_BG UNBLOCK_WITH("spec.template.spec")

/* "renamed from orders", "moved from team-a/orders", "switched from
 * FlinkDeployment orders" (another kind), "renamed from FlinkDeployment
 * orders" (another kind and name) */
static void words(char *out, size_t n, const struct half *c,
		  const struct half *d, int from)
{
	const struct half *other = from ? d : c;
	int kind = strcmp(c->s->kind, d->s->kind) != 0;
	int same_ns = !strcmp(c->ns->name, d->ns->name);
	const char *dir = from ? "from" : "to";

	if (kind && same_ns && !strcmp(c->s->name, d->s->name))
		snprintf(out, n, "switched %s %s %s", dir, other->s->kind,
			 other->s->name);
	else if (same_ns)
		snprintf(out, n, "renamed %s %s%s%s", dir,
			 kind ? other->s->kind : "", kind ? " " : "",
			 other->s->name);
	else
		snprintf(out, n, "moved %s %s%s%s/%s", dir,
			 kind ? other->s->kind : "", kind ? " " : "",
			 other->ns->name, other->s->name);
}

static void decide_pair(struct half *c, struct half *d)
{
	struct fg_step *cs = c->s, *ds = d->s;
	char from[300], to[300], reason[512], spbuf[1024];
	const char *sp = NULL;
	struct fg_flink_env env;
	struct fg_policy pol;
	json_t *job;
	int runs;

	/* the job of the old one: itself, or a FlinkBlueGreenDeployment's
	 * active child */
	fg_pass_env_of(d->ns, ds->live, &env);
	job = fg_policy_job_object(ds->live, &env);
	if (fg_policy_suspended_savepoint(job)) {
		snprintf(spbuf, sizeof(spbuf), "%s",
			 fg_policy_suspended_savepoint(job));
		sp = spbuf;
	}
	runs = fg_policy_job_runs(job);
	json_decref(job);
	words(from, sizeof(from), c, d, 1);
	words(to, sizeof(to), c, d, 0);
	if (fg_policy_for_object(&pol, &c->ns->policy, cs->desired->obj) < 0) {
		fg_error_clear(); /* decide blocked it for that already */
		return;
	}
	cs->move_peer = ds;
	cs->move_peer_ns = d->ns;
	ds->move_peer = cs;
	ds->move_peer_ns = c->ns;
	switch (pol.move) {
	case FG_MOVE_ALLOW:
		snprintf(reason, sizeof(reason),
			 "%s: starts from empty state (allowed by policy "
			 "move: allow)",
			 from);
		allow(cs, reason);
		snprintf(cs->impact, sizeof(cs->impact), "creates it: %s",
			 reason);
		return;
	case FG_MOVE_SAVEPOINT:
		if (ds->verdict.kind == FG_VERDICT_BLOCK &&
		    ds->verdict.rule != FG_RULE_DELETE_RUNNING) {
			block(cs, NULL,
			      "%s, which cannot be deleted here: %.300s", from,
			      ds->verdict.reason);
			return;
		}
		if (!sp && !runs) {
			static const char no_sp[] =
				"no savepoint can be taken of a job that does "
				"not run, and none holds its state";
			static const char resume[] =
				"resume the old job (spec.job.state: running), "
				"or policy move: allow";

			block(cs, resume, "%s: %s", from, no_sp);
			block(ds, resume, "%s: %s", to, no_sp);
			return;
		}
		cs->move_savepoint = ds->move_savepoint = 1;
		ds->suspend_first = 0;
		allow(cs, "moved with a savepoint (policy move: savepoint)");
		allow(ds, "moved with a savepoint (policy move: savepoint)");
		if (sp)
			snprintf(cs->impact, sizeof(cs->impact),
				 "%s: starts from its savepoint %.280s, then "
				 "deletes it",
				 from, sp);
		else
			snprintf(cs->impact, sizeof(cs->impact),
				 "%s: suspends it with a savepoint, starts "
				 "from that savepoint (initialSavepointPath), "
				 "then deletes it",
				 from);
		snprintf(ds->impact, sizeof(ds->impact),
			 "%s: %s, deleted once the new job is created "
			 "from it",
			 to,
			 sp ? "its savepoint is recorded"
			    : "suspended with a savepoint");
		return;
	default:
		block(cs,
		      fg_is_bluegreen(cs->desired->obj) ? UNBLOCK_BG : UNBLOCK,
		      "%s: a delete and a create; the new job would start "
		      "from empty state, and the state of the old one stays "
		      "behind",
		      from);
		/* held back already for what its namespace says: keep that */
		if (ds->verdict.kind == FG_VERDICT_BLOCK &&
		    ds->verdict.rule != FG_RULE_DELETE_RUNNING)
			return;
		block(ds,
		      fg_is_bluegreen(cs->desired->obj) ? UNBLOCK_BG : UNBLOCK,
		      "%s: a delete and a create; the new job would start "
		      "from empty state, and the state of this one stays "
		      "behind",
		      to);
	}
}

static int note_deletes(struct half *c, struct half *d, size_t nd)
{
	struct fg_buf b = FG_BUF_INIT;
	size_t shown = 0;
	int err = 0;

	for (size_t i = 0; i < nd; i++) {
		if (d[i].s->move_peer || !same_sort(d[i].s->kind, c->s->kind))
			continue;
		if (shown++ < 3)
			fg_buf_printf(&b, "%s%s/%s", b.len ? ", " : "",
				      d[i].ns->name, d[i].s->name);
	}
	if (!shown)
		return 0;
	if (shown > 3)
		fg_buf_printf(&b, " and %zu more", shown - 3);
	if (!c->s->note) {
		struct fg_buf n = FG_BUF_INIT;

		fg_buf_printf(&n,
			      "Git deletes %s, %s with state, in this pass: if "
			      "this job replaces %s, annotate %s: "
			      "NAMESPACE/NAME to carry its state over",
			      b.ptr, shown == 1 ? "a job" : "jobs",
			      shown == 1 ? "it" : "one of them",
			      FG_MOVED_FROM_ANNOTATION);
		if (!n.ptr || !(c->s->note = strdup(n.ptr)))
			err = fg_error_set(FG_ERROR, "out of memory");
		fg_buf_release(&n);
	}
	fg_buf_release(&b);
	return err;
}

int fg_pass_pair_moves(struct fg_pass *p)
{
	struct half *c = NULL, *d = NULL;
	size_t nc = 0, nd = 0, total = 0;
	int err = 0;

	for (size_t i = 0; i < p->n; i++)
		total += p->v[i].n;
	if (!total)
		return 0;
	if (!(c = calloc(total, sizeof(*c))) ||
	    !(d = calloc(total, sizeof(*d)))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct fg_pass_ns *ns = &p->v[i];

		for (size_t j = 0; j < ns->n; j++) {
			struct fg_step *s = &ns->v[j];

			if (create_half(ns, s))
				c[nc++] = (struct half){ ns, s, 0, 0, NULL };
			else if (delete_half(ns, s))
				d[nd++] = (struct half){ ns, s, 0, 0, NULL };
		}
	}
	if (!nc || !nd)
		goto done;

	/* the named ones first: the annotation settles it */
	for (size_t i = 0; i < nc; i++) {
		int annotated;
		struct half *to = named(&c[i], d, nd, &annotated);

		if (!annotated)
			continue;
		c[i].matches = (size_t)-1; /* not matched by identity */
		if (!to)
			continue; /* nothing with state to carry over */
		if (to->claims == (size_t)-1) {
			block(c[i].s, "name another job, or none",
			      "%s names %s/%s, which another job Git creates "
			      "already replaces",
			      FG_MOVED_FROM_ANNOTATION, to->ns->name,
			      to->s->name);
			continue;
		}
		to->claims = (size_t)-1;
		c[i].to = to;
		decide_pair(&c[i], to);
	}
	/* then by identity */
	for (size_t i = 0; i < nc; i++) {
		if (c[i].matches == (size_t)-1)
			continue;
		for (size_t k = 0; k < nd; k++)
			if (d[k].claims != (size_t)-1 &&
			    same_job(c[i].s, d[k].s)) {
				c[i].matches++;
				d[k].claims++;
			}
	}
	for (size_t i = 0; i < nc; i++) {
		struct fg_buf names = FG_BUF_INIT;
		struct half *only = NULL;
		int ambiguous = c[i].matches > 1;

		if (c[i].matches == (size_t)-1)
			continue;
		for (size_t k = 0; k < nd; k++) {
			if (d[k].claims == (size_t)-1 ||
			    !same_job(c[i].s, d[k].s))
				continue;
			only = &d[k];
			ambiguous |= d[k].claims > 1;
			fg_buf_printf(&names, "%s%s/%s",
				      names.len ? " or " : "", d[k].ns->name,
				      d[k].s->name);
		}
		if (only && ambiguous)
			block(c[i].s,
			      "name the job it replaces with "
			      "annotation " FG_MOVED_FROM_ANNOTATION
			      ": NAMESPACE/NAME, or policy move: allow",
			      "it runs the same job as %.300s, which Git "
			      "deletes: which one it replaces is not clear, "
			      "and it would start from empty state",
			      names.ptr ? names.ptr : "");
		else if (only)
			decide_pair(&c[i], only);
		fg_buf_release(&names);
	}
	for (size_t i = 0; i < nc && !err; i++)
		if (!c[i].s->move_peer && !fg_step_blocked(c[i].s))
			err = note_deletes(&c[i], d, nd);
done:
	free(c);
	free(d);
	return err;
}
