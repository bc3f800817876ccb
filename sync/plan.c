#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/plan.h"
#include "render/base/banned.h"

int fg_plan_shows(const struct fg_step *s)
{
	return s->action != FG_ACTION_NOOP || fg_step_blocked(s);
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
		err |= fg_buf_printf(out, "\nnamespace %s:\n", ns->name);
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];

			if (!fg_plan_shows(s))
				continue;
			err |= fg_buf_printf(out, "  %-8s %s/%s: %s\n",
					     label(s), s->kind, s->name,
					     s->impact);
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
		size_t shown = 0;

		err |= fg_buf_printf(out, "\n### Namespace `%s`\n\n", ns->name);
		if ((why = ns_problem(ns, &tag))) {
			err |= fg_buf_printf(out, "**%s:** ", tag);
			err |= md_text(out, why);
			err |= fg_buf_puts(out, "\n");
			continue;
		}
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_step *s = &ns->v[j];

			if (!fg_plan_shows(s))
				continue;
			if (!shown++)
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
		if (!shown) {
			err |= fg_buf_puts(out, "No changes.\n");
			continue;
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
	if (o) {
		json_t *cl = json_object_get(o, "classification");

		json_object_set_new(cl, "pending", json_boolean(c->pending));
		json_object_set_new(cl, "armsStateless",
				    json_boolean(c->arms_stateless));
		json_object_set_new(cl, "notInPlace",
				    c->scale_why ? json_string(c->scale_why)
						 : json_null());
	}
	if (o && s->move_peer)
		json_object_set_new(
			o, "move",
			json_pack("{s:s, s:s, s:s, s:b}", "role",
				  s->desired ? "create" : "delete", "namespace",
				  s->move_peer_ns->name, "name",
				  s->move_peer->name, "withSavepoint",
				  s->move_savepoint));
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

static const char *ns_status(const struct fg_pass_ns *ns)
{
	if (ns->failed)
		return "failed";
	if (ns->error)
		return "error";
	if (ns->verdict.kind == FG_VERDICT_BLOCK)
		return "blocked";
	return ns->executed ? "synced" : "planned";
}

json_t *fg_pass_ns_json(const struct fg_pass_ns *ns,
			const char *(*only)(const struct fg_step *))
{
	json_t *objs = json_array(), *o;
	const char *state;

	for (size_t j = 0; objs && j < ns->n; j++) {
		state = only ? only(&ns->v[j]) : NULL;
		if (only && !state)
			continue;
		if (!(o = fg_step_json(&ns->v[j])))
			continue;
		if (state)
			json_object_set_new(o, "state", json_string(state));
		json_array_append_new(objs, o);
	}
	return json_pack(
		"{s:s, s:s, s:b, s:s?, s:o, s:o, s:i}", "name", ns->name,
		"status", ns_status(ns), "failed", ns->failed, "message",
		ns->error			       ? ns->error
		: ns->failed			       ? ns->verdict.reason
		: ns->verdict.kind == FG_VERDICT_BLOCK ? ns->verdict.reason
						       : NULL,
		"policy", fg_verdict_json(&ns->verdict), "objects", objs,
		"writes", (json_int_t)ns->writes);
}

int fg_plan_json(const struct fg_pass *p, json_t **out)
{
	json_t *nss = json_array(), *root;

	*out = NULL;
	for (size_t i = 0; nss && i < p->n; i++)
		json_array_append_new(nss, fg_pass_ns_json(&p->v[i], NULL));
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
