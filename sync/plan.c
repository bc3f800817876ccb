#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/plan.h"
#include "render/base/banned.h"

/* A create held back only because its namespace does not exist: the
 * namespace's step says so, once. */
static int held_by_namespace(const struct fg_step *s)
{
	return fg_step_blocked(s) &&
	       s->verdict.rule == FG_RULE_NAMESPACE_MISSING &&
	       !fg_step_is_namespace(s);
}

int fg_plan_shows(const struct fg_step *s)
{
	return (s->action != FG_ACTION_NOOP || fg_step_blocked(s)) &&
	       !held_by_namespace(s);
}

size_t fg_plan_held_by_namespace(const struct fg_pass_ns *ns)
{
	size_t n = 0;

	for (size_t i = 0; i < ns->n; i++)
		n += held_by_namespace(&ns->v[i]);
	return n;
}

/* How many steps of `ns` the plan shows. */
static size_t shown(const struct fg_pass_ns *ns)
{
	size_t n = 0;

	for (size_t i = 0; i < ns->n; i++)
		n += fg_plan_shows(&ns->v[i]);
	return n;
}

static const char *label(const struct fg_step *s)
{
	return fg_step_blocked(s) ? "blocked" : fg_action_name(s->action);
}

void fg_plan_value(const json_t *v, char *buf, size_t n)
{
	char *s;

	if (!v) {
		snprintf(buf, n, "(absent)");
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	if (!s) {
		snprintf(buf, n, "?");
		return;
	}
	if (strlen(s) > FG_PLAN_VALUE_MAX)
		snprintf(buf, n, "%.*s...", FG_PLAN_VALUE_MAX, s);
	else
		snprintf(buf, n, "%s", s);
	free(s);
}

/* The drift item of change `c`, if someone else made it. */
static const struct fg_drift_item *drift_of(const struct fg_step *s,
					    const struct fg_field_change *c)
{
	for (size_t i = 0; i < s->drift.n; i++)
		if (!strcmp(s->drift.v[i].pointer, c->pointer))
			return &s->drift.v[i];
	return NULL;
}

static int show_fields(const struct fg_step *s)
{
	return s->wanted == FG_ACTION_UPDATE && s->changes.n;
}

static void summary(const struct fg_pass *p, char *buf, size_t n)
{
	snprintf(buf, n,
		 "%zu to create, %zu to update, %zu to delete, %zu blocked",
		 p->creates, p->updates, p->deletes, p->blocked);
}

/* Why a namespace is not planned, or NULL when it is. */
static const char *ns_problem(const struct fg_pass_ns *ns, const char **tag)
{
	if (ns->failed) {
		*tag = "BLOCKED";
		return ns->error ? ns->error : ns->verdict.reason;
	}
	if (ns->error) {
		*tag = "ERROR";
		return ns->error;
	}
	return NULL;
}

int fg_plan_text(const struct fg_pass *p, struct fg_buf *out)
{
	char sum[160], from[FG_PLAN_VALUE_MAX + 8], to[FG_PLAN_VALUE_MAX + 8];
	const char *tag, *why;
	int err = 0;

	summary(p, sum, sizeof(sum));
	if (p->base || p->head)
		err |= fg_buf_printf(
			out, "plan %s -> %s: ", p->base ? p->base : "cluster",
			p->head ? p->head : "?");
	else
		err |= fg_buf_puts(out, "plan: ");
	err |= fg_buf_printf(out, "%s (%zu unchanged)\n", sum, p->unchanged);
	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		if ((why = ns_problem(ns, &tag))) {
			err |= fg_buf_printf(out, "\nnamespace %s: %s: %s\n",
					     ns->name, tag, why);
			continue;
		}
		if (!shown(ns))
			continue; /* nothing to say: no empty header */
		err |= fg_buf_printf(out, "\nnamespace %s:\n", ns->name);
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];
			size_t held;

			if (!fg_plan_shows(s))
				continue;
			err |= fg_buf_printf(out, "  %-8s %s/%s: %s", label(s),
					     s->kind, s->name, s->impact);
			if (fg_step_is_namespace(s) &&
			    (held = fg_plan_held_by_namespace(ns)))
				err |= fg_buf_printf(
					out, " (%zu object%s held back)", held,
					held == 1 ? "" : "s");
			err |= fg_buf_putc(out, '\n');
			if (fg_step_blocked(s) && s->verdict.unblock)
				err |= fg_buf_printf(out,
						     "           unblock: %s\n",
						     s->verdict.unblock);
			if (s->note)
				err |= fg_buf_printf(
					out, "           note: %s\n", s->note);
			if (!show_fields(s))
				continue;
			for (size_t k = 0; k < s->changes.n; k++) {
				const struct fg_field_change *c =
					&s->changes.v[k];
				const struct fg_drift_item *d = drift_of(s, c);

				fg_plan_value(c->live, from, sizeof(from));
				fg_plan_value(c->desired, to, sizeof(to));
				err |= fg_buf_printf(out,
						     "           %s: %s -> %s",
						     c->field, from, to);
				if (d)
					err |= fg_buf_printf(
						out, " (drift: set by %s)",
						d->manager ? d->manager
							   : "an unknown "
							     "manager");
				err |= fg_buf_putc(out, '\n');
			}
		}
	}
	return err ? fg_error_set(FG_ERROR, "plan text: out of memory") : 0;
}

/*
 * Is diagnostic `e` about namespace `ns`? Its object says so, else its
 * file is in the namespace's folder (FILE is relative to the repository,
 * under --path when there is one).
 */
static int diag_in(const struct fg_diag *e, const struct fg_pass *p,
		   const char *ns)
{
	const char *f = e->file;
	size_t n = strlen(ns);

	(void)p;
	if (e->ns)
		return !strcmp(e->ns, ns);
	for (;;) {
		if (!strncmp(f, ns, n) && f[n] == '/')
			return 1;
		if (!(f = strchr(f, '/')))
			return 0;
		f++;
	}
}

/* Text in a Markdown table cell: no pipes, no HTML, one line. */
static int md_text(struct fg_buf *out, const char *s)
{
	int err = 0;

	for (; *s; s++)
		switch (*s) {
		case '|':
			err |= fg_buf_puts(out, "\\|");
			break;
		case '<':
			err |= fg_buf_puts(out, "&lt;");
			break;
		case '>':
			err |= fg_buf_puts(out, "&gt;");
			break;
		case '&':
			err |= fg_buf_puts(out, "&amp;");
			break;
		case '\n':
		case '\r':
			err |= fg_buf_putc(out, ' ');
			break;
		default:
			err |= fg_buf_putc(out, *s);
		}
	return err;
}

/* A value in <code>, safe in a table cell. */
static int md_code(struct fg_buf *out, const json_t *v)
{
	char s[FG_PLAN_VALUE_MAX + 8];
	int err;

	if (!v)
		return fg_buf_puts(out, "*(absent)*");
	fg_plan_value(v, s, sizeof(s));
	err = fg_buf_puts(out, "<code>");
	err |= md_text(out, s);
	return err | fg_buf_puts(out, "</code>");
}

static int md_fields(struct fg_buf *out, const struct fg_step *s)
{
	int fold = s->changes.n > FG_PLAN_MD_OPEN_FIELDS, err = 0;

	if (fold)
		err |= fg_buf_printf(out,
				     "<details><summary><code>%s/%s</code>: "
				     "%zu field changes</summary>\n\n",
				     s->kind, s->name, s->changes.n);
	else
		err |= fg_buf_printf(out, "`%s/%s`:\n\n", s->kind, s->name);
	err |= fg_buf_puts(out, "| field | from | to |\n|---|---|---|\n");
	for (size_t k = 0; k < s->changes.n; k++) {
		const struct fg_field_change *c = &s->changes.v[k];
		const struct fg_drift_item *d = drift_of(s, c);

		err |= fg_buf_puts(out, "| `");
		err |= md_text(out, c->field);
		err |= fg_buf_puts(out, "`");
		if (d) {
			err |= fg_buf_puts(out, " (drift: set by ");
			err |= md_text(out, d->manager ? d->manager : "?");
			err |= fg_buf_puts(out, ")");
		}
		err |= fg_buf_puts(out, " | ");
		err |= md_code(out, c->live);
		err |= fg_buf_puts(out, " | ");
		err |= md_code(out, c->desired);
		err |= fg_buf_puts(out, " |\n");
	}
	if (fold)
		err |= fg_buf_puts(out, "\n</details>\n");
	return err | fg_buf_putc(out, '\n');
}

/*
 * The render errors of failed namespace `ns`, as a reviewer reads them:
 * FILE:LINE:COL and the message, in a list (bounded).
 */
static int md_render_errors(struct fg_buf *out, const struct fg_pass *p,
			    const struct fg_pass_ns *ns)
{
	const struct fg_diags *d = p->desired ? &p->desired->diags : NULL;
	size_t n = 0, more = 0;
	int err = 0;

	for (size_t i = 0; d && i < d->n; i++) {
		const struct fg_diag *e = &d->v[i];

		if (e->severity != FG_SEV_ERROR || !diag_in(e, p, ns->name))
			continue;
		if (n++ >= FG_PLAN_MD_ERRORS) {
			more++;
			continue;
		}
		err |= fg_buf_puts(out, n == 1 ? "\n" : "");
		err |= fg_buf_puts(out, "- `");
		err |= md_text(out, e->file);
		if (e->pos.line)
			err |= fg_buf_printf(out, ":%u:%u", e->pos.line,
					     e->pos.col);
		err |= fg_buf_puts(out, "`: ");
		if (e->kind && e->name)
			err |= fg_buf_printf(out, "%s %s/%s: ", e->kind,
					     e->ns ? e->ns : ns->name, e->name);
		if (e->field)
			err |= fg_buf_printf(out, "`%s`: ", e->field);
		err |= md_text(out, e->message);
		err |= fg_buf_putc(out, '\n');
	}
	if (more)
		err |= fg_buf_printf(out,
				     "- ... and %zu more (see "
				     "`flink-gitops validate`)\n",
				     more);
	return err;
}

int fg_plan_markdown(const struct fg_pass *p, struct fg_buf *out)
{
	const char *tag, *why;
	char sum[160];
	int err = 0;

	summary(p, sum, sizeof(sum));
	err |= fg_buf_puts(out, "## flink-gitops plan\n\n");
	if (p->base || p->head)
		err |= fg_buf_printf(
			out, "`%s` → `%s`: ", p->base ? p->base : "cluster",
			p->head ? p->head : "?");
	err |= fg_buf_printf(out, "**%s** (%zu unchanged)\n", sum,
			     p->unchanged);
	if (p->render_errors)
		err |= fg_buf_printf(out,
				     "\n**%zu render error(s)**: see "
				     "`flink-gitops validate`.\n",
				     p->render_errors);
	for (size_t i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];
		size_t rows = 0;

		if (!ns_problem(ns, &tag) && !shown(ns))
			continue; /* nothing to say: no empty header */
		err |= fg_buf_printf(out, "\n### Namespace `%s`\n\n", ns->name);
		if ((why = ns_problem(ns, &tag))) {
			err |= fg_buf_printf(out, "**%s:** ", tag);
			err |= md_text(out, why);
			err |= fg_buf_puts(out, "\n");
			err |= md_render_errors(out, p, ns);
			continue;
		}
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];

			if (!fg_plan_shows(s))
				continue;
			if (!rows++)
				err |= fg_buf_puts(out,
						   "| action | object | Flink "
						   "impact |\n|---|---|---|\n");
			if (fg_step_blocked(s))
				err |= fg_buf_printf(
					out,
					"| **BLOCKED** (%s) | `%s/%s` | **",
					fg_action_name(s->wanted), s->kind,
					s->name);
			else
				err |= fg_buf_printf(out, "| %s | `%s/%s` | ",
						     label(s), s->kind,
						     s->name);
			err |= md_text(out, s->impact);
			if (fg_step_is_namespace(s) &&
			    fg_plan_held_by_namespace(ns))
				err |= fg_buf_printf(
					out, " (%zu objects held back)",
					fg_plan_held_by_namespace(ns));
			if (fg_step_blocked(s)) {
				err |= fg_buf_puts(out, "**");
				if (s->verdict.unblock) {
					err |= fg_buf_puts(out,
							   "<br>unblock: ");
					err |= md_text(out, s->verdict.unblock);
				}
			}
			err |= fg_buf_puts(out, " |\n");
		}
		err |= fg_buf_putc(out, '\n');
		for (size_t j = 0; j < ns->n; j++)
			if (fg_plan_shows(&ns->v[j]) && show_fields(&ns->v[j]))
				err |= md_fields(out, &ns->v[j]);
	}
	return err ? fg_error_set(FG_ERROR, "plan markdown: out of memory") : 0;
}

static json_t *opt(const json_t *v)
{
	return v ? json_incref(fg_json_mut(v)) : json_null();
}

json_t *fg_verdict_json(const struct fg_verdict *v)
{
	static const char *const kinds[] = { "allow", "suspend-first",
					     "block" };

	return json_pack("{s:s, s:s, s:s, s:s?, s:b}", "verdict",
			 kinds[v->kind], "rule", fg_rule_name(v->rule),
			 "reason", v->reason, "unblock", v->unblock,
			 "overridden", v->overridden);
}

static json_t *why_json(unsigned why)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ FG_WHY_GIT, "git" },
		{ FG_WHY_DRIFT, "drift" },
		{ FG_WHY_ADOPT, "adopt" },
		{ FG_WHY_BOOKKEEPING, "bookkeeping" },
		{ FG_WHY_ROLLED_BACK, "rolled-back" },
	};
	json_t *a = json_array();

	for (size_t i = 0; a && i < sizeof(names) / sizeof(*names); i++)
		if (why & names[i].bit)
			json_array_append_new(a, json_string(names[i].name));
	return a;
}

json_t *fg_step_json(const struct fg_step *s)
{
	const struct fg_classification *c = &s->cls;
	json_t *changes = json_array(), *o;

	for (size_t k = 0; k < s->changes.n; k++) {
		const struct fg_field_change *ch = &s->changes.v[k];
		const struct fg_drift_item *d = drift_of(s, ch);

		json_array_append_new(
			changes,
			json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o}",
				  "field", ch->field, "pointer", ch->pointer,
				  "desired", opt(ch->desired), "live",
				  opt(ch->live), "diffType",
				  fg_diff_type_name(ch->type), "driftManager",
				  d && d->manager ? json_string(d->manager)
						  : json_null(),
				  "driftTime",
				  d && d->time ? json_string(d->time)
					       : json_null()));
	}
	o = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:s, s:{s:s, s:s, s:b, "
		"s:b, s:b, s:b, s:i, s:b, s:s?}, s:o, s:b, s:s?, s:o}",
		"group", s->group, "kind", s->kind, "name", s->name, "action",
		label(s), "wanted", fg_action_name(s->wanted), "blocked",
		fg_step_blocked(s), "why", why_json(s->why), "impact",
		s->impact, "classification", "diffType",
		fg_diff_type_name(c->type), "restart",
		fg_restart_name(c->restart), "suspend", c->suspend, "resume",
		c->resume, "scaleInPlace", c->scale_in_place,
		"sessionClusterRedeploy", c->session_cluster_redeploy,
		"scaleTo", (json_int_t)c->scale_to, "rejected", c->rejected,
		"reason", c->reason, "policy", fg_verdict_json(&s->verdict),
		"force", s->force, "note", s->note, "changes", changes);
	if (o && s->outcome != FG_OUTCOME_NONE)
		json_object_set_new(o, "outcome",
				    json_pack("{s:s, s:s?}", "result",
					      fg_outcome_name(s->outcome),
					      "message", s->message));
	if (o && s->health.message)
		json_object_set_new(o, "health",
				    json_pack("{s:s, s:s}", "status",
					      fg_health_name(s->health.health),
					      "message", s->health.message));
	return o;
}

static json_t *ns_json(const struct fg_pass_ns *ns, int all)
{
	json_t *objs = json_array();

	for (size_t j = 0; objs && j < ns->n; j++)
		if (all || fg_plan_shows(&ns->v[j]) || ns->v[j].note)
			json_array_append_new(objs, fg_step_json(&ns->v[j]));
	return json_pack("{s:s, s:b, s:b, s:s?, s:o, s:o}", "name", ns->name,
			 "exists", !ns->absent, "failed", ns->failed, "error",
			 ns->error, "policy", fg_verdict_json(&ns->verdict),
			 "objects", objs);
}

int fg_plan_json(const struct fg_pass *p, json_t **out)
{
	json_t *nss = json_array(), *root;

	*out = NULL;
	for (size_t i = 0; nss && i < p->n; i++)
		json_array_append_new(nss, ns_json(&p->v[i], 1));
	root = json_pack(
		"{s:s?, s:s?, s:s, s:{s:i, s:i, s:i, s:i, s:i, "
		"s:i}, s:o}",
		"base", p->base, "head", p->head, "repository", p->repository,
		"summary", "create", (json_int_t)p->creates, "update",
		(json_int_t)p->updates, "delete", (json_int_t)p->deletes,
		"blocked", (json_int_t)p->blocked, "unchanged",
		(json_int_t)p->unchanged, "renderErrors",
		(json_int_t)p->render_errors, "namespaces", nss);
	if (!root)
		return fg_error_set(FG_ERROR, "plan json: out of memory");
	*out = root;
	return 0;
}
