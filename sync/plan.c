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

/* A prune --no-prune keeps. */
static int kept(const struct fg_step *s)
{
	return s->wanted == FG_ACTION_DELETE && s->action == FG_ACTION_NOOP &&
	       !fg_step_blocked(s) && s->note;
}

int fg_plan_shows(const struct fg_step *s)
{
	return (s->action != FG_ACTION_NOOP || fg_step_blocked(s) || kept(s)) &&
	       !held_by_namespace(s);
}

size_t fg_plan_held_by_namespace(const struct fg_pass_ns *ns)
{
	size_t n = 0;

	for (size_t i = 0; i < ns->n; i++)
		n += held_by_namespace(&ns->v[i]);
	return n;
}

int fg_plan_health_worth_saying(const struct fg_step *s)
{
	return s->live && s->health.message &&
	       s->health.health != FG_HEALTH_HEALTHY &&
	       s->health.health != FG_HEALTH_MISSING;
}

/* Not acted on, but Degraded: the plan says so all the same. */
static int degraded_unchanged(const struct fg_step *s)
{
	return !fg_plan_shows(s) && !held_by_namespace(s) && s->desired &&
	       s->live && s->health.health == FG_HEALTH_DEGRADED;
}

/* How many steps of `ns` the plan shows (with the Degraded unchanged). */
static size_t shown(const struct fg_pass_ns *ns)
{
	size_t n = 0;

	for (size_t i = 0; i < ns->n; i++)
		n += fg_plan_shows(&ns->v[i]) || degraded_unchanged(&ns->v[i]);
	return n;
}

static size_t degraded(const struct fg_pass *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		for (size_t j = 0; j < p->v[i].n; j++)
			n += p->v[i].v[j].live &&
			     p->v[i].v[j].health.health == FG_HEALTH_DEGRADED;
	return n;
}

static const char *label(const struct fg_step *s)
{
	if (fg_step_blocked(s))
		return "blocked";
	if (s->wanted == FG_ACTION_DELETE && s->action == FG_ACTION_NOOP)
		return "keep";
	return fg_action_name(s->action);
}

void fg_plan_value(const json_t *v, char *buf, size_t n)
{
	char *s;

	if (!v) {
		snprintf(buf, n, "(absent)");
		return;
	}
	s = fg_json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	if (!s) {
		snprintf(buf, n, "(out of memory)");
		return;
	}
	if (strlen(s) > FG_PLAN_VALUE_MAX)
		snprintf(buf, n, "%.*s...", FG_PLAN_VALUE_MAX, s);
	else
		snprintf(buf, n, "%s", s);
	free(s);
}

/* ---- large values: the differences inside them ---- */

struct inner {
	fg_plan_leaf_fn fn;
	void *arg;
	size_t n;
	struct fg_buf path;
};

static int inner_leaf(struct inner *in, const json_t *from, const json_t *to)
{
	if (in->n++ >= FG_PLAN_INNER_MAX)
		return 0;
	return in->fn(in->arg, in->path.ptr, from, to, 0);
}

static int is_big(const json_t *v)
{
	char *s;
	size_t n;

	if (!v)
		return 0;
	if (json_is_string(v))
		return json_string_length(v) > FG_PLAN_VALUE_MAX ||
		       strchr(json_string_value(v), '\n');
	s = fg_json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	n = s ? strlen(s) : 0;
	free(s);
	return n > FG_PLAN_VALUE_MAX;
}

/* One line of `s` (NUL-free text), the `i`th (0-based), as a string. */
static json_t *line_of(const char *s, size_t i)
{
	for (; i && s; i--)
		if ((s = strchr(s, '\n')))
			s++;
	if (!s)
		return NULL;
	return json_stringn(s, strcspn(s, "\n"));
}

static size_t count_lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The lines of two texts that differ: common head and tail skipped. */
static int inner_text(struct inner *in, const char *a, const char *b)
{
	size_t na = count_lines(a), nb = count_lines(b), head = 0, tail = 0;
	size_t len = in->path.len;
	int err = 0;

	for (;;) {
		json_t *x = line_of(a, head), *y = line_of(b, head);
		int same = x && y && json_equal(x, y);

		json_decref(x);
		json_decref(y);
		if (!same)
			break;
		head++;
	}
	while (tail < na - head && tail < nb - head) {
		json_t *x = line_of(a, na - 1 - tail),
		       *y = line_of(b, nb - 1 - tail);
		int same = x && y && json_equal(x, y);

		json_decref(x);
		json_decref(y);
		if (!same)
			break;
		tail++;
	}
	for (size_t i = head; !err && (i < na - tail || i < nb - tail); i++) {
		json_t *x = i < na - tail ? line_of(a, i) : NULL;
		json_t *y = i < nb - tail ? line_of(b, i) : NULL;

		fg_buf_printf(&in->path, " line %zu", i + 1);
		err = inner_leaf(in, x, y);
		in->path.len = len;
		in->path.ptr[len] = '\0';
		json_decref(x);
		json_decref(y);
	}
	return err;
}

/* A key in a field path: .key, or [key] when it holds a dot. */
static void push_key(struct fg_buf *b, const char *k)
{
	if (strchr(k, '.') || strchr(k, '/'))
		fg_buf_printf(b, "[%s]", k);
	else
		fg_buf_printf(b, ".%s", k);
}

static int inner_walk(struct inner *in, const json_t *a, const json_t *b,
		      int depth)
{
	size_t len = in->path.len, i;
	const char *k;
	json_t *v;
	int err = 0;

	if (a && b && json_equal(fg_json_mut(a), fg_json_mut(b)))
		return 0;
	if (depth > 32)
		return inner_leaf(in, a, b);
	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach (fg_json_mut(a), k, v) {
			push_key(&in->path, k);
			err |= inner_walk(in, v, json_object_get(b, k),
					  depth + 1);
			in->path.len = len;
			in->path.ptr[len] = '\0';
		}
		json_object_foreach (fg_json_mut(b), k, v) {
			if (json_object_get(a, k))
				continue;
			push_key(&in->path, k);
			err |= inner_walk(in, NULL, v, depth + 1);
			in->path.len = len;
			in->path.ptr[len] = '\0';
		}
		return err;
	}
	if (json_is_array(a) && json_is_array(b)) {
		size_t n = json_array_size(a) > json_array_size(b)
				   ? json_array_size(a)
				   : json_array_size(b);

		for (i = 0; i < n; i++) {
			fg_buf_printf(&in->path, "[%zu]", i);
			err |= inner_walk(in, json_array_get(a, i),
					  json_array_get(b, i), depth + 1);
			in->path.len = len;
			in->path.ptr[len] = '\0';
		}
		return err;
	}
	if (json_is_string(a) && json_is_string(b) && (is_big(a) || is_big(b)))
		return inner_text(in, json_string_value(a),
				  json_string_value(b));
	return inner_leaf(in, a, b);
}

size_t fg_plan_inner(const char *field, const json_t *from, const json_t *to,
		     fg_plan_leaf_fn fn, void *arg)
{
	struct inner in = { fn, arg, 0, FG_BUF_INIT };
	int same_shape = (json_is_object(from) && json_is_object(to)) ||
			 (json_is_array(from) && json_is_array(to)) ||
			 (json_is_string(from) && json_is_string(to));

	if (!same_shape || (!is_big(from) && !is_big(to))) {
		fn(arg, field, from, to, 0);
		return 1;
	}
	fg_buf_puts(&in.path, field);
	inner_walk(&in, from, to, 0);
	if (in.n > FG_PLAN_INNER_MAX)
		fn(arg, field, NULL, NULL, in.n - FG_PLAN_INNER_MAX);
	else if (!in.n) /* equal inside: say so in one line */
		fn(arg, field, from, to, 0);
	fg_buf_release(&in.path);
	return in.n;
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

struct text_leaf {
	struct fg_buf *out;
	const char *indent, *drift;
};

static int text_leaf(void *arg, const char *field, const json_t *from,
		     const json_t *to, size_t more)
{
	struct text_leaf *t = arg;
	char a[FG_PLAN_VALUE_MAX + 8], b[FG_PLAN_VALUE_MAX + 8];

	if (more)
		return fg_buf_printf(t->out, "%s%s: ... and %zu more\n",
				     t->indent, field, more);
	fg_plan_value(from, a, sizeof(a));
	fg_plan_value(to, b, sizeof(b));
	fg_buf_printf(t->out, "%s%s: %s -> %s", t->indent, field, a, b);
	if (t->drift)
		fg_buf_printf(t->out, " (drift: set by %s)", t->drift);
	return fg_buf_putc(t->out, '\n');
}

int fg_plan_fields_text(const struct fg_step *s, const char *indent,
			struct fg_buf *out)
{
	for (size_t k = 0; k < s->changes.n; k++) {
		const struct fg_field_change *c = &s->changes.v[k];
		const struct fg_drift_item *d = drift_of(s, c);
		struct text_leaf t = { out, indent,
				       d ? (d->manager ? d->manager
						       : "an unknown manager")
					 : NULL };

		fg_plan_inner(c->field, c->live, c->desired, text_leaf, &t);
	}
	return 0;
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
	char sum[160];
	const char *tag, *why;
	size_t nd;
	int err = 0;

	summary(p, sum, sizeof(sum));
	if (p->base || p->head)
		err |= fg_buf_printf(
			out, "plan %s -> %s: ", p->base ? p->base : "cluster",
			p->head ? p->head : "?");
	else
		err |= fg_buf_puts(out, "plan: ");
	err |= fg_buf_printf(out, "%s (%zu unchanged", sum, p->unchanged);
	if ((nd = degraded(p)))
		err |= fg_buf_printf(out, "; %zu Degraded", nd);
	err |= fg_buf_puts(out, ")\n");
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

			if (degraded_unchanged(s)) {
				err |= fg_buf_printf(
					out,
					"  %-8s %s/%s: no change; health "
					"Degraded: %s\n",
					"degraded", s->kind, s->name,
					s->health.message);
				continue;
			}
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
			if (fg_plan_health_worth_saying(s))
				err |= fg_buf_printf(
					out, "           health: %s: %s\n",
					fg_health_name(s->health.health),
					s->health.message);
			if (!show_fields(s))
				continue;
			err |= fg_plan_fields_text(s, "           ", out);
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

struct md_leaf {
	struct fg_buf *out;
	const char *drift;
};

static int md_leaf(void *arg, const char *field, const json_t *from,
		   const json_t *to, size_t more)
{
	struct md_leaf *m = arg;
	int err = 0;

	err |= fg_buf_puts(m->out, "| `");
	err |= md_text(m->out, field);
	err |= fg_buf_puts(m->out, "`");
	if (more)
		return err |
		       fg_buf_printf(m->out, " | ... and %zu more | |\n", more);
	if (m->drift) {
		err |= fg_buf_puts(m->out, " (drift: set by ");
		err |= md_text(m->out, m->drift);
		err |= fg_buf_puts(m->out, ")");
	}
	err |= fg_buf_puts(m->out, " | ");
	err |= md_code(m->out, from);
	err |= fg_buf_puts(m->out, " | ");
	err |= md_code(m->out, to);
	return err | fg_buf_puts(m->out, " |\n");
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
		struct md_leaf m = { out, d ? (d->manager ? d->manager : "?")
					    : NULL };

		fg_plan_inner(c->field, c->live, c->desired, md_leaf, &m);
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
	size_t nd;
	int err = 0;

	summary(p, sum, sizeof(sum));
	err |= fg_buf_puts(out, "## flink-gitops plan\n\n");
	if (p->base || p->head)
		err |= fg_buf_printf(
			out, "`%s` → `%s`: ", p->base ? p->base : "cluster",
			p->head ? p->head : "?");
	err |= fg_buf_printf(out, "**%s** (%zu unchanged", sum, p->unchanged);
	if ((nd = degraded(p)))
		err |= fg_buf_printf(out, "; **%zu Degraded**", nd);
	err |= fg_buf_puts(out, ")\n");
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
			int unchanged = degraded_unchanged(s);

			if (!fg_plan_shows(s) && !unchanged)
				continue;
			if (!rows++)
				err |= fg_buf_puts(out,
						   "| action | object | Flink "
						   "impact |\n|---|---|---|\n");
			if (unchanged)
				err |= fg_buf_printf(out,
						     "| no change | `%s/%s` | ",
						     s->kind, s->name);
			else if (fg_step_blocked(s))
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
			if (fg_plan_health_worth_saying(s)) {
				err |= fg_buf_printf(
					out, "<br>health: **%s**: ",
					fg_health_name(s->health.health));
				err |= md_text(out, s->health.message);
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
	if (o) {
		json_t *cl = json_object_get(o, "classification");

		json_object_set_new(cl, "pending", json_boolean(c->pending));
		json_object_set_new(cl, "armsStateless",
				    json_boolean(c->arms_stateless));
		json_object_set_new(cl, "notInPlace",
				    c->scale_why ? json_string(c->scale_why)
						 : json_null());
		if (c->bluegreen)
			json_object_set_new(
				cl, "blueGreen",
				json_pack("{s:s?, s:s?, s:s?, s:b, s:b, s:b}",
					  "diff",
					  c->bg_diff
						  ? fg_bg_diff_name(c->bg_diff)
						  : NULL,
					  "active",
					  c->bg_active ? fg_bg_colour_name(
								 c->bg_active)
						       : NULL,
					  "deploys",
					  c->bg_deploys ? fg_bg_colour_name(
								  c->bg_deploys)
							: NULL,
					  "inPlace", c->bg_in_place, "waits",
					  c->bg_waits, "notReady",
					  c->bg_not_ready));
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
	if (o && s->waited != FG_WAIT_NONE)
		json_object_set_new(
			o, "wait",
			json_pack("{s:s, s:s, s:s?, s:I}", "result",
				  fg_wait_result_name(s->waited), "health",
				  fg_health_name(s->wait_health.health),
				  "message", s->wait_health.message, "seconds",
				  (json_int_t)(s->wait_ms / 1000)));
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
	if (ns->executed && ns->unfinished)
		return "partly synced";
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
	return json_pack("{s:s, s:s, s:b, s:b, s:s?, s:o, s:o, s:i}", "name",
			 ns->name, "status", ns_status(ns), "exists",
			 !ns->absent, "failed", ns->failed, "message",
			 ns->error    ? ns->error
			 : ns->failed ? ns->verdict.reason
			 : ns->verdict.kind == FG_VERDICT_BLOCK
				 ? ns->verdict.reason
				 : NULL,
			 "policy", fg_verdict_json(&ns->verdict), "objects",
			 objs, "writes", (json_int_t)ns->writes);
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
