#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/plan.h"
#include "sync/report.h"
#include "render/base/banned.h"

static int oom(void)
{
	return fg_error_set(FG_ERROR, "report: out of memory");
}

/* ---- sync ---- */

/* Why namespace `ns` was not synced, or NULL. */
static const char *not_synced(const struct fg_pass_ns *ns)
{
	if (ns->failed)
		return ns->error ? ns->error
				 : "render errors; nothing applied or pruned";
	if (ns->error)
		return ns->error;
	return NULL;
}

/* The Flink object was Degraded when the pass observed it. */
static int degraded(const struct fg_step *s)
{
	return s->live && s->health.message &&
	       s->health.health == FG_HEALTH_DEGRADED;
}

static int step_line(struct fg_buf *out, const char *ns,
		     const struct fg_step *s, int dry_run, unsigned flags)
{
	const char *act = fg_action_name(s->wanted);
	int err = 0;

	if (s->verdict.kind == FG_VERDICT_BLOCK) {
		/* every append checked: a line cut short is an error */
		err |= fg_buf_printf(out, "%s %s/%s: %s blocked: %s", ns,
				     s->kind, s->name, act, s->verdict.reason);
		if (s->verdict.unblock)
			err |= fg_buf_printf(out, " (to allow: %s)",
					     s->verdict.unblock);
		if (degraded(s))
			err |= fg_buf_printf(out, "; health Degraded: %s",
					     s->health.message);
		return err | fg_buf_putc(out, '\n');
	}
	switch (s->outcome) {
	case FG_OUTCOME_DONE:
		/* the Flink impact, as plan said it; then what came of it */
		err |= fg_buf_printf(out, "%s %s/%s: %s: %s", ns, s->kind,
				     s->name, act, s->impact);
		if (s->message && strcmp(s->message, "dry run") &&
		    strcmp(s->message, s->impact))
			err |= fg_buf_printf(out, " (%s)", s->message);
		for (size_t i = 0; i < s->drift.n; i++)
			err |= fg_buf_printf(out, "%s%s (%s)",
					     i ? ", " : "; drift taken back: ",
					     s->drift.v[i].field,
					     s->drift.v[i].manager
						     ? s->drift.v[i].manager
						     : "removed");
		if (degraded(s))
			err |= fg_buf_printf(out, "; it was Degraded: %s",
					     s->health.message);
		err |= fg_buf_printf(out, "%s\n", dry_run ? " (dry run)" : "");
		if (!err && (flags & FG_REPORT_FIELDS) &&
		    s->wanted == FG_ACTION_UPDATE)
			err = fg_plan_fields_text(s, "    ", out);
		return err;
	case FG_OUTCOME_NONE:
		if (!s->note && degraded(s) && s->desired)
			return fg_buf_printf(out,
					     "%s %s/%s: unchanged, health "
					     "Degraded: %s\n",
					     ns, s->kind, s->name,
					     s->health.message);
		if (!s->note)
			return 0;
		if (s->wanted == FG_ACTION_DELETE)
			return fg_buf_printf(out,
					     "%s %s/%s: delete skipped: %s\n",
					     ns, s->kind, s->name, s->note);
		return fg_buf_printf(out, "%s %s/%s: unchanged: %s\n", ns,
				     s->kind, s->name, s->note);
	case FG_OUTCOME_GONE:
	case FG_OUTCOME_LEFT:
		return fg_buf_printf(out, "%s %s/%s: %s skipped: %s\n", ns,
				     s->kind, s->name, act,
				     s->message ? s->message : "");
	default:
		return fg_buf_printf(out, "%s %s/%s: %s %s: %s\n", ns, s->kind,
				     s->name, act, fg_outcome_name(s->outcome),
				     s->message ? s->message : "");
	}
}

int fg_report_sync_text(const struct fg_pass *p, unsigned flags,
			struct fg_buf *out)
{
	const char *why;
	int err = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		if ((why = not_synced(ns))) {
			err |= fg_buf_printf(out, "%s: not synced: %s\n",
					     ns->name, why);
			continue;
		}
		if (ns->n && fg_step_is_namespace(&ns->v[0]) &&
		    fg_step_blocked(&ns->v[0])) {
			/* once for the namespace, not once per object */
			size_t held = fg_plan_held_by_namespace(ns);

			err |= fg_buf_printf(
				out,
				"%s: not synced: %s; %zu object%s not "
				"created (to allow: %s)\n",
				ns->name, ns->v[0].verdict.reason, held,
				held == 1 ? "" : "s", ns->v[0].verdict.unblock);
			continue;
		}
		for (size_t j = 0; j < ns->n; j++)
			err |= step_line(out, ns->name, &ns->v[j],
					 p->opts.dry_run, flags);
		if (ns->verdict.kind == FG_VERDICT_BLOCK)
			err |= fg_buf_printf(
				out,
				"%s: blocked: %s (to allow: %s, or "
				"--allow-prune-namespace for this run)\n",
				ns->name, ns->verdict.reason,
				ns->verdict.unblock ? ns->verdict.unblock : "");
		if (ns->inventory_outcome == FG_OUTCOME_FAILED)
			err |= fg_buf_printf(
				out, "%s: inventory not recorded: %s\n",
				ns->name,
				ns->inventory_message ? ns->inventory_message
						      : "");
		if (ns->executed && ns->unfinished)
			err |= fg_buf_printf(
				out,
				"%s: partly synced: %zu of %zu changes not "
				"made (above); the next sync takes them up\n",
				ns->name, ns->unfinished, ns->changes);
	}
	if (p->render_errors)
		err |= fg_buf_printf(out,
				     "%zu render error%s (see above): those "
				     "files' namespaces were not synced\n",
				     p->render_errors,
				     p->render_errors == 1 ? "" : "s");
	err |= fg_buf_printf(out, "%s%zu namespace%s synced, ",
			     p->opts.dry_run ? "dry run: " : "", p->synced_ns,
			     p->synced_ns == 1 ? "" : "s");
	if (p->partial_ns)
		err |= fg_buf_printf(out, "%zu partly synced, ", p->partial_ns);
	err |= fg_buf_printf(
		out,
		"%zu blocked, %zu failed: %zu created, %zu updated, %zu "
		"deleted, %zu unchanged, %zu blocked, %zu failed (%lu write "
		"request%s)\n",
		p->blocked_ns, p->failed_ns, p->creates, p->updates, p->deletes,
		p->unchanged, p->blocked, p->failed, p->writes,
		p->writes == 1 ? "" : "s");
	return err ? oom() : 0;
}

int fg_report_sync_json(const struct fg_pass *p, json_t **out)
{
	json_t *nss = json_array(), *root;

	*out = NULL;
	for (size_t i = 0; nss && i < p->n; i++)
		json_array_append_new(nss, fg_pass_ns_json(&p->v[i], NULL));
	root = json_pack(
		"{s:b, s:s, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, "
		"s:i, s:i, s:i, s:i}}",
		"dryRun", p->opts.dry_run, "repository", p->repository,
		"namespaces", nss, "summary", "created", (json_int_t)p->creates,
		"updated", (json_int_t)p->updates, "deleted",
		(json_int_t)p->deletes, "unchanged", (json_int_t)p->unchanged,
		"blocked", (json_int_t)p->blocked, "failed",
		(json_int_t)p->failed, "writes", (json_int_t)p->writes,
		"namespacesSynced", (json_int_t)p->synced_ns,
		"namespacesPartlySynced", (json_int_t)p->partial_ns,
		"namespacesBlocked", (json_int_t)p->blocked_ns,
		"namespacesFailed", (json_int_t)p->failed_ns, "renderErrors",
		(json_int_t)p->render_errors);
	if (root && p->waited)
		json_object_set_new(
			root, "wait",
			json_pack("{s:I, s:I, s:I, s:I}", "healthy",
				  (json_int_t)p->wait_healthy, "degraded",
				  (json_int_t)p->wait_degraded, "timeout",
				  (json_int_t)p->wait_timeout, "seconds",
				  (json_int_t)(p->wait_ms / 1000)));
	if (!root)
		return oom();
	*out = root;
	return 0;
}

/* ---- waiting for the outcome ---- */

int fg_report_wait_line(const struct fg_pass_ns *ns, const struct fg_step *s,
			long long elapsed_ms, struct fg_buf *out)
{
	const struct fg_health_report *h = &s->wait_health;
	const char *what;

	switch (s->waited) {
	case FG_WAIT_NONE:
		return fg_buf_printf(
			out, "waiting: %s %s/%s: %s%s%s (%llds)\n", ns->name,
			s->kind, s->name, fg_health_name(h->health),
			h->message ? ": " : "", h->message ? h->message : "",
			elapsed_ms / 1000);
	case FG_WAIT_GONE:
		return fg_buf_printf(out, "%s %s/%s: gone while waiting\n",
				     ns->name, s->kind, s->name);
	case FG_WAIT_TIMEOUT:
		what = "still ";
		break;
	default:
		what = "";
	}
	return fg_buf_printf(out, "%s %s/%s: %s%s%s%s (after %llds)\n",
			     ns->name, s->kind, s->name, what,
			     fg_health_name(h->health), h->message ? ": " : "",
			     h->message ? h->message : "", s->wait_ms / 1000);
}

int fg_report_wait_summary(const struct fg_pass *p, struct fg_buf *out)
{
	if (!p->wait_healthy && !p->wait_degraded && !p->wait_timeout)
		return fg_buf_puts(out, "waited: no Flink object changed\n");
	return fg_buf_printf(out,
			     "waited %llds: %zu healthy, %zu degraded, %zu "
			     "still progressing%s\n",
			     p->wait_ms / 1000, p->wait_healthy,
			     p->wait_degraded, p->wait_timeout,
			     p->wait_timeout ? " (the bound passed)" : "");
}

/* ---- drift ---- */

const char *fg_drift_state(const struct fg_step *s)
{
	/* flink-gitops' own bookkeeping (its desired-hash annotation) is
	   not the cluster differing from Git */
	if (s->why == FG_WHY_BOOKKEEPING && !s->changes.n &&
	    !fg_step_blocked(s))
		return s->health.health == FG_HEALTH_DEGRADED ? "degraded"
							      : NULL;
	if (s->verdict.rule == FG_RULE_OWNED_ELSEWHERE)
		return "managed elsewhere";
	if (s->wanted == FG_ACTION_CREATE)
		return "missing";
	if (s->wanted == FG_ACTION_DELETE)
		return "unexpected";
	if (s->why & FG_WHY_DRIFT)
		return "drifted";
	if (s->why & FG_WHY_GIT)
		return "out of sync";
	if (s->why & FG_WHY_ADOPT)
		return "not managed";
	if (s->why & FG_WHY_ROLLED_BACK)
		return "rolled back";
	if (s->wanted == FG_ACTION_UPDATE)
		return "out of sync";
	if (s->health.health == FG_HEALTH_DEGRADED)
		return "degraded";
	return NULL;
}

static void value(struct fg_buf *b, const json_t *v)
{
	char s[FG_PLAN_VALUE_MAX + 8];

	fg_plan_value(v, s, sizeof(s));
	fg_buf_puts(b, s);
}

struct drift_leaf {
	struct fg_buf *out;
	const struct fg_drift_item *f;
};

/* "  FIELD: Git X, cluster Y (set by M at T)" */
static int drift_leaf(void *arg, const char *field, const json_t *git,
		      const json_t *cluster, size_t more)
{
	struct drift_leaf *d = arg;
	const struct fg_drift_item *f = d->f;

	if (more)
		return fg_buf_printf(d->out, "  %s: ... and %zu more\n", field,
				     more);
	fg_buf_printf(d->out, "  %s: Git ", field);
	value(d->out, git);
	fg_buf_puts(d->out, ", cluster ");
	value(d->out, cluster);
	if (f->manager)
		fg_buf_printf(d->out, " (set by %s%s%s)", f->manager,
			      f->time ? " at " : "", f->time ? f->time : "");
	else if (!f->live)
		fg_buf_puts(d->out, " (removed outside Git)");
	return fg_buf_putc(d->out, '\n');
}

/* What sync does about it, or why not; or what healing did. */
static void consequence(struct fg_buf *b, const struct fg_step *s, int heal)
{
	const char *st = fg_drift_state(s);

	if (heal) {
		if (fg_step_blocked(s))
			fg_buf_printf(
				b, ", not healed: %s%s%s", s->verdict.reason,
				s->verdict.unblock ? " (to allow: " : "",
				s->verdict.unblock ? s->verdict.unblock : "");
		else if (s->outcome == FG_OUTCOME_DONE)
			fg_buf_printf(b, ", healed: %s", s->impact);
		else if (s->outcome != FG_OUTCOME_NONE)
			fg_buf_printf(b, ", not healed: %s",
				      s->message ? s->message : "");
		else if (s->note)
			fg_buf_printf(b, ", not healed: %s", s->note);
		if (fg_step_blocked(s) && s->verdict.unblock)
			fg_buf_putc(b, ')');
		return;
	}
	if (fg_step_blocked(s) && s->verdict.rule == FG_RULE_OWNED_ELSEWHERE)
		fg_buf_printf(b, " (%s)", s->verdict.reason);
	else if (fg_step_blocked(s))
		fg_buf_printf(b, " (sync will not: BLOCKED: %s%s%s)",
			      s->verdict.reason,
			      s->verdict.unblock ? "; to allow: " : "",
			      s->verdict.unblock ? s->verdict.unblock : "");
	else if (!strcmp(st, "missing"))
		fg_buf_printf(b, " (sync creates it: %s)", s->impact);
	else if (!strcmp(st, "unexpected"))
		fg_buf_printf(b,
			      " (flink-gitops applied it, Git no longer has "
			      "it; sync deletes it: %s)",
			      s->impact);
	else if (!strcmp(st, "out of sync") || !strcmp(st, "not managed"))
		fg_buf_printf(b, " (Git changed it; sync applies it: %s)",
			      s->impact);
	else if (!strcmp(st, "drifted"))
		fg_buf_printf(b, " (sync takes it back: %s)", s->impact);
	else if (!strcmp(st, "rolled back") || !strcmp(st, "degraded"))
		fg_buf_printf(b, " (health %s%s%s)",
			      fg_health_name(s->health.health),
			      s->health.message ? ": " : "",
			      s->health.message ? s->health.message : "");
}

int fg_report_drift_text(const struct fg_pass *p, int heal, struct fg_buf *out)
{
	size_t checked = 0;
	const char *why;
	int err = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		if ((why = not_synced(ns))) {
			err |= fg_buf_printf(out, "%s: not checked: %s\n",
					     ns->name, why);
			continue;
		}
		if (ns->absent) {
			size_t objs = 0;

			for (size_t j = 0; j < ns->n; j++)
				objs += ns->v[j].desired != NULL;
			checked += objs;
			err |= fg_buf_printf(
				out,
				"%s: namespace does not exist: %zu object%s "
				"missing (%s)\n",
				ns->name, objs, objs == 1 ? "" : "s",
				ns->n && !fg_step_blocked(&ns->v[0])
					? "sync creates the namespace and them"
					: "sync creates it only with policy "
					  "createNamespace: true or "
					  "--create-namespace");
			continue;
		}
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];
			const char *st = fg_drift_state(s);

			checked += s->desired != NULL;
			if (!st)
				continue;
			if (!strcmp(st, "degraded")) {
				err |= fg_buf_printf(
					out,
					"%s %s/%s: in sync, health %s%s%s\n",
					ns->name, s->kind, s->name,
					fg_health_name(s->health.health),
					s->health.message ? ": " : "",
					s->health.message ? s->health.message
							  : "");
				continue;
			}
			err |= fg_buf_printf(out, "%s %s/%s: %s", ns->name,
					     s->kind, s->name, st);
			consequence(out, s, heal);
			err |= fg_buf_putc(out, '\n');
			for (size_t k = 0; k < s->drift.n; k++) {
				struct drift_leaf dl = { out, &s->drift.v[k] };

				fg_plan_inner(s->drift.v[k].field,
					      s->drift.v[k].desired,
					      s->drift.v[k].live, drift_leaf,
					      &dl);
			}
		}
	}
	err |= fg_buf_printf(out, "%zu object%s checked: %zu drifted%s\n",
			     checked, checked == 1 ? "" : "s", p->drifted,
			     heal ? (p->opts.dry_run ? " (self-heal, dry run)"
						     : " (self-heal)")
				  : "");
	return err ? oom() : 0;
}

int fg_report_drift_json(const struct fg_pass *p, json_t **out)
{
	json_t *nss = json_array(), *root;
	size_t checked = 0, healed = 0;

	*out = NULL;
	for (size_t i = 0; nss && i < p->n; i++) {
		for (size_t j = 0; j < p->v[i].n; j++) {
			const struct fg_step *s = &p->v[i].v[j];

			checked += s->desired != NULL;
			healed += s->outcome == FG_OUTCOME_DONE;
		}
		json_array_append_new(
			nss, fg_pass_ns_json(&p->v[i], fg_drift_state));
	}
	root = json_pack("{s:s, s:o, s:{s:i, s:i, s:i, s:i}}", "repository",
			 p->repository, "namespaces", nss, "summary", "checked",
			 (json_int_t)checked, "drifted", (json_int_t)p->drifted,
			 "healed", (json_int_t)healed, "writes",
			 (json_int_t)p->writes);
	if (!root)
		return oom();
	*out = root;
	return 0;
}
