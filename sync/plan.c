#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/render.h"
#include "sync/diff.h"
#include "sync/plan.h"
#include "render/base/banned.h"

static json_t *mut(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

static const json_t *get(const json_t *o, const char *k)
{
	return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(get(o, k));
}

static int str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

static int oom(void)
{
	return fg_error_set(FG_ERROR, "out of memory");
}

const char *fg_plan_action_name(enum fg_plan_action a)
{
	static const char *const names[] = { "noop", "create", "update",
					     "delete", "blocked" };

	return (size_t)a < sizeof(names) / sizeof(*names) ? names[a] : "?";
}

/* ---- building ---- */

/* "flink.apache.org/v1beta1" -> "flink.apache.org"; "v1" -> "". */
static char *group_of(const json_t *obj)
{
	const char *api = str(obj, "apiVersion");
	const char *slash = api ? strchr(api, '/') : NULL;

	return slash ? strndup(api, (size_t)(slash - api)) : strdup("");
}

static int same_object(const json_t *a, const json_t *b)
{
	const char *ga = str(a, "apiVersion"), *gb = str(b, "apiVersion");
	size_t la = ga ? strcspn(ga, "/") : 0, lb = gb ? strcspn(gb, "/") : 0;

	/* "v1" has no group: compare what is before the slash, or nothing */
	if (ga && !strchr(ga, '/'))
		la = 0;
	if (gb && !strchr(gb, '/'))
		lb = 0;
	return la == lb && (!la || !strncmp(ga, gb, la)) &&
	       str_is(str(a, "kind"), str(b, "kind")) &&
	       str_is(str(get(a, "metadata"), "name"),
		      str(get(b, "metadata"), "name"));
}

static const json_t *find(const json_t *arr, const json_t *like)
{
	size_t i;
	json_t *o;

	json_array_foreach (mut(arr), i, o)
		if (same_object(o, like))
			return o;
	return NULL;
}

/* The FlinkDeployment named `name` in `a`, else in `b`. */
static const json_t *find_cluster(const json_t *a, const json_t *b,
				  const char *name)
{
	const json_t *arrs[2] = { a, b };
	size_t i, k;
	json_t *o;

	for (k = 0; k < 2 && name; k++)
		json_array_foreach (mut(arrs[k]), i, o)
			if (str_is(str(o, "kind"), "FlinkDeployment") &&
			    str_is(str(get(o, "metadata"), "name"), name))
				return o;
	return NULL;
}

/* fieldsV1 owning every field of `v` (leaves and lists whole). */
static json_t *fields_of(const json_t *v, int depth)
{
	json_t *f = json_object(), *sub;
	const char *k;
	json_t *x;
	char key[512];

	if (!f || depth > 64)
		return f;
	json_object_foreach (mut(v), k, x) {
		snprintf(key, sizeof(key), "f:%s", k);
		sub = json_is_object(x) && json_object_size(x)
			      ? fields_of(x, depth + 1)
			      : json_object();
		if (!sub || json_object_set_new(f, key, sub) < 0) {
			json_decref(f);
			return NULL;
		}
	}
	return f;
}

/*
 * A working copy for the diff: without the source and desired-hash
 * annotations (they change with every commit and say nothing a field
 * does not), and for an offline base, our manager owning every field.
 */
static json_t *diff_copy(const json_t *obj, int own_all)
{
	json_t *c = json_deep_copy(obj), *md, *ann, *spec, *fields, *entry;

	if (!c)
		return NULL;
	md = json_object_get(c, "metadata");
	ann = json_object_get(md, "annotations");
	json_object_del(ann, FG_ANNOTATION_SOURCE);
	json_object_del(ann, FG_ANNOTATION_HASH);
	if (ann && !json_object_size(ann))
		json_object_del(md, "annotations");
	if (!own_all || !json_is_object(md))
		return c;
	/* what SSA would record, minus identity and type */
	spec = json_deep_copy(c);
	json_object_del(spec, "apiVersion");
	json_object_del(spec, "kind");
	json_object_del(spec, "status");
	fields = spec ? fields_of(spec, 0) : NULL;
	json_decref(spec);
	entry = fields ? json_pack("{s:s, s:s, s:s, s:s, s:o}", "manager",
				   FG_MANAGER, "operation", "Apply",
				   "apiVersion",
				   str(c, "apiVersion") ? str(c, "apiVersion")
							: "",
				   "fieldsType", "FieldsV1", "fieldsV1", fields)
		       : NULL;
	if (!entry || json_object_set_new(md, "managedFields",
					  json_pack("[o]", entry)) < 0) {
		json_decref(c);
		return NULL;
	}
	return c;
}

static struct fg_plan_item *new_item(struct fg_plan_ns *ns, const json_t *obj)
{
	struct fg_plan_item *it;

	if (ns->n == ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 8;

		if (!(it = realloc(ns->v, ncap * sizeof(*it))))
			return NULL;
		ns->v = it;
		ns->cap = ncap;
	}
	it = &ns->v[ns->n];
	memset(it, 0, sizeof(*it));
	it->group = group_of(obj);
	it->kind = strdup(str(obj, "kind") ? str(obj, "kind") : "");
	it->name = strdup(str(get(obj, "metadata"), "name")
				  ? str(get(obj, "metadata"), "name")
				  : "");
	ns->n++; /* released with the namespace even when half filled */
	if (!it->group || !it->kind || !it->name)
		return NULL;
	return it;
}

static void blocked(struct fg_plan_item *it)
{
	it->action = FG_PLAN_BLOCKED;
	snprintf(it->impact, sizeof(it->impact), "BLOCKED: %s",
		 it->verdict.reason);
}

static int plan_update(struct fg_plan_ns *ns, const struct fg_policy *nsp,
		       const json_t *obj, const json_t *desired_all,
		       const json_t *live_all, const struct fg_plan_opts *o)
{
	const json_t *live = find(live_all, obj);
	struct fg_plan_item *it = new_item(ns, obj);
	json_t *d = NULL, *l = NULL;
	struct fg_policy p;
	int err;

	if (!it)
		return oom();
	if (!(d = diff_copy(obj, 0)) ||
	    (live && !(l = diff_copy(live, o && o->offline)))) {
		err = oom();
		goto done;
	}
	if ((err = fg_diff(d, l, NULL, &it->changes)) < 0)
		goto done;
	err = fg_classify_session_job(
		d, l,
		find_cluster(desired_all, live_all,
			     str(get(obj, "spec"), "deploymentName")),
		&it->changes, &it->cls);
	if (err < 0)
		goto done;
	fg_classification_words(&it->cls, it->impact, sizeof(it->impact));
	it->wanted = !live	     ? FG_PLAN_CREATE
		     : it->changes.n ? FG_PLAN_UPDATE
				     : FG_PLAN_NOOP;
	it->action = it->wanted;
	if (it->wanted == FG_PLAN_NOOP)
		goto done;
	if (fg_policy_for_object(&p, nsp, obj) < 0) {
		it->verdict.kind = FG_VERDICT_BLOCK;
		it->verdict.rule = FG_RULE_BAD_POLICY;
		it->verdict.unblock = "fix the annotation";
		snprintf(it->verdict.reason, sizeof(it->verdict.reason), "%s",
			 fg_error_last());
		fg_error_clear();
	} else {
		fg_policy_check_update(&it->verdict, &p, d, l, &it->cls);
	}
	if (it->verdict.kind == FG_VERDICT_BLOCK)
		blocked(it);
done:
	json_decref(d);
	json_decref(l);
	return err;
}

static void delete_words(struct fg_plan_item *it, const json_t *live)
{
	const char *api = str(live, "apiVersion");
	int flink = api && !strncmp(api, "flink.apache.org/", 17);
	const char *w;

	if (it->verdict.kind == FG_VERDICT_SUSPEND_FIRST)
		w = "suspends with a savepoint, then deletes";
	else if (flink && it->verdict.overridden)
		w = "deletes it: the job stops and its checkpoint history is "
		    "lost (allowed by policy)";
	else if (flink && str_is(it->kind, "FlinkDeployment") &&
		 !json_is_object(get(get(live, "spec"), "job")))
		w = "deletes the session cluster";
	else if (flink && (str_is(it->kind, "FlinkDeployment") ||
			   str_is(it->kind, "FlinkSessionJob")))
		w = "deletes it (the job is not running)";
	else
		w = "deletes it";
	snprintf(it->impact, sizeof(it->impact), "%s", w);
}

static int plan_delete(struct fg_plan_ns *ns, const struct fg_policy *nsp,
		       const json_t *live)
{
	struct fg_plan_item *it = new_item(ns, live);
	struct fg_policy p;

	if (!it)
		return oom();
	it->wanted = it->action = FG_PLAN_DELETE;
	if (ns->verdict.kind == FG_VERDICT_BLOCK) {
		it->verdict = ns->verdict;
	} else if (fg_policy_for_object(&p, nsp, live) < 0) {
		it->verdict.kind = FG_VERDICT_BLOCK;
		it->verdict.rule = FG_RULE_BAD_POLICY;
		it->verdict.unblock = "fix the annotation";
		snprintf(it->verdict.reason, sizeof(it->verdict.reason), "%s",
			 fg_error_last());
		fg_error_clear();
	} else {
		fg_policy_check_delete(&it->verdict, &p, live);
	}
	if (it->verdict.kind == FG_VERDICT_BLOCK)
		blocked(it);
	else
		delete_words(it, live);
	return 0;
}

static void count(struct fg_plan *plan, const struct fg_plan_ns *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		switch (ns->v[i].action) {
		case FG_PLAN_CREATE:
			plan->creates++;
			break;
		case FG_PLAN_UPDATE:
			plan->updates++;
			break;
		case FG_PLAN_DELETE:
			plan->deletes++;
			break;
		case FG_PLAN_BLOCKED:
			plan->blocked++;
			break;
		default:
			plan->unchanged++;
		}
	if (ns->verdict.rule == FG_RULE_FAILED_NAMESPACE)
		plan->blocked++;
}

int fg_plan_add_ns(struct fg_plan *plan, const char *name, int failed,
		   const json_t *policy, const json_t *desired,
		   const json_t *live, const struct fg_plan_opts *opts)
{
	struct fg_policy nsp;
	struct fg_plan_ns *ns;
	size_t i, nd;
	json_t *o;
	int err;

	if ((err = fg_policy_from_config(&nsp, policy)) < 0)
		return err;
	if (plan->n == plan->cap) {
		size_t ncap = plan->cap ? plan->cap * 2 : 8;

		if (!(ns = realloc(plan->v, ncap * sizeof(*ns))))
			return oom();
		plan->v = ns;
		plan->cap = ncap;
	}
	ns = &plan->v[plan->n];
	memset(ns, 0, sizeof(*ns));
	if (!(ns->name = strdup(name)))
		return oom();
	plan->n++;
	nd = failed ? 0 : json_array_size(desired);
	fg_policy_check_namespace(&ns->verdict, &nsp, failed, nd,
				  json_array_size(live));
	if (failed)
		goto done;
	json_array_foreach (mut(desired), i, o)
		if ((err = plan_update(ns, &nsp, o, desired, live, opts)) < 0)
			goto done;
	json_array_foreach (mut(live), i, o)
		if (!find(desired, o) && (err = plan_delete(ns, &nsp, o)) < 0)
			goto done;
done:
	count(plan, ns);
	return err;
}

int fg_plan_set_labels(struct fg_plan *plan, const char *base, const char *head)
{
	free(plan->base);
	free(plan->head);
	plan->base = base ? strdup(base) : NULL;
	plan->head = head ? strdup(head) : NULL;
	if ((base && !plan->base) || (head && !plan->head))
		return oom();
	return 0;
}

int fg_plan_exit_code(const struct fg_plan *plan)
{
	if (plan->blocked)
		return FG_PLAN_EXIT_BLOCKED;
	if (plan->creates || plan->updates || plan->deletes)
		return FG_PLAN_EXIT_CHANGES;
	return FG_PLAN_EXIT_NONE;
}

void fg_plan_release(struct fg_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		struct fg_plan_ns *ns = &plan->v[i];

		for (size_t j = 0; j < ns->n; j++) {
			free(ns->v[j].group);
			free(ns->v[j].kind);
			free(ns->v[j].name);
			fg_classification_release(&ns->v[j].cls);
			fg_changes_release(&ns->v[j].changes);
		}
		free(ns->v);
		free(ns->name);
	}
	free(plan->v);
	free(plan->base);
	free(plan->head);
	memset(plan, 0, sizeof(*plan));
}

/* ---- rendering ---- */

/* A value as compact JSON, cut at FG_PLAN_VALUE_MAX; "(absent)". */
static void value_str(const json_t *v, char *buf, size_t n)
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

static int show_fields(const struct fg_plan_item *it)
{
	return it->wanted == FG_PLAN_UPDATE;
}

static void summary(const struct fg_plan *plan, char *buf, size_t n)
{
	snprintf(buf, n,
		 "%zu to create, %zu to update, %zu to delete, %zu blocked",
		 plan->creates, plan->updates, plan->deletes, plan->blocked);
}

int fg_plan_text(const struct fg_plan *plan, struct fg_buf *out)
{
	char sum[160], from[FG_PLAN_VALUE_MAX + 8], to[FG_PLAN_VALUE_MAX + 8];
	int err = 0;

	summary(plan, sum, sizeof(sum));
	if (plan->base || plan->head)
		err |= fg_buf_printf(out, "plan %s -> %s: ",
				     plan->base ? plan->base : "cluster",
				     plan->head ? plan->head : "?");
	else
		err |= fg_buf_puts(out, "plan: ");
	err |= fg_buf_printf(out, "%s (%zu unchanged)\n", sum, plan->unchanged);
	for (size_t i = 0; i < plan->n; i++) {
		const struct fg_plan_ns *ns = &plan->v[i];

		if (ns->verdict.rule == FG_RULE_FAILED_NAMESPACE) {
			err |= fg_buf_printf(out,
					     "\nnamespace %s: BLOCKED: %s\n",
					     ns->name, ns->verdict.reason);
			continue;
		}
		err |= fg_buf_printf(out, "\nnamespace %s:\n", ns->name);
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_plan_item *it = &ns->v[j];

			if (it->action == FG_PLAN_NOOP)
				continue;
			err |= fg_buf_printf(out, "  %-8s %s/%s: %s\n",
					     fg_plan_action_name(it->action),
					     it->kind, it->name, it->impact);
			if (it->action == FG_PLAN_BLOCKED &&
			    it->verdict.unblock)
				err |= fg_buf_printf(out,
						     "           unblock: %s\n",
						     it->verdict.unblock);
			if (!show_fields(it))
				continue;
			for (size_t k = 0; k < it->changes.n; k++) {
				const struct fg_field_change *c =
					&it->changes.v[k];

				value_str(c->live, from, sizeof(from));
				value_str(c->desired, to, sizeof(to));
				err |= fg_buf_printf(
					out, "           %s: %s -> %s\n",
					c->field, from, to);
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
	value_str(v, s, sizeof(s));
	err = fg_buf_puts(out, "<code>");
	err |= md_text(out, s);
	return err | fg_buf_puts(out, "</code>");
}

static int md_fields(struct fg_buf *out, const struct fg_plan_item *it)
{
	int fold = it->changes.n > FG_PLAN_MD_OPEN_FIELDS, err = 0;

	if (fold)
		err |= fg_buf_printf(out,
				     "<details><summary><code>%s/%s</code>: "
				     "%zu field changes</summary>\n\n",
				     it->kind, it->name, it->changes.n);
	else
		err |= fg_buf_printf(out, "`%s/%s`:\n\n", it->kind, it->name);
	err |= fg_buf_puts(out, "| field | from | to |\n|---|---|---|\n");
	for (size_t k = 0; k < it->changes.n; k++) {
		const struct fg_field_change *c = &it->changes.v[k];

		err |= fg_buf_puts(out, "| `");
		err |= md_text(out, c->field);
		err |= fg_buf_puts(out, "` | ");
		err |= md_code(out, c->live);
		err |= fg_buf_puts(out, " | ");
		err |= md_code(out, c->desired);
		err |= fg_buf_puts(out, " |\n");
	}
	if (fold)
		err |= fg_buf_puts(out, "\n</details>\n");
	return err | fg_buf_putc(out, '\n');
}

int fg_plan_markdown(const struct fg_plan *plan, struct fg_buf *out)
{
	char sum[160];
	int err = 0;

	summary(plan, sum, sizeof(sum));
	err |= fg_buf_puts(out, "## flink-gitops plan\n\n");
	if (plan->base || plan->head)
		err |= fg_buf_printf(out, "`%s` → `%s`: ",
				     plan->base ? plan->base : "cluster",
				     plan->head ? plan->head : "?");
	err |= fg_buf_printf(out, "**%s** (%zu unchanged)\n", sum,
			     plan->unchanged);
	for (size_t i = 0; i < plan->n; i++) {
		const struct fg_plan_ns *ns = &plan->v[i];
		size_t shown = 0;

		err |= fg_buf_printf(out, "\n### Namespace `%s`\n\n", ns->name);
		if (ns->verdict.rule == FG_RULE_FAILED_NAMESPACE) {
			err |= fg_buf_puts(out, "**BLOCKED:** ");
			err |= md_text(out, ns->verdict.reason);
			err |= fg_buf_puts(out, "\n");
			continue;
		}
		for (size_t j = 0; j < ns->n; j++) {
			const struct fg_plan_item *it = &ns->v[j];

			if (it->action == FG_PLAN_NOOP)
				continue;
			if (!shown++)
				err |= fg_buf_puts(out,
						   "| action | object | Flink "
						   "impact |\n|---|---|---|\n");
			if (it->action == FG_PLAN_BLOCKED)
				err |= fg_buf_printf(
					out,
					"| **BLOCKED** (%s) | `%s/%s` | **",
					fg_plan_action_name(it->wanted),
					it->kind, it->name);
			else
				err |= fg_buf_printf(
					out, "| %s | `%s/%s` | ",
					fg_plan_action_name(it->action),
					it->kind, it->name);
			err |= md_text(out, it->impact);
			if (it->action == FG_PLAN_BLOCKED) {
				err |= fg_buf_puts(out, "**");
				if (it->verdict.unblock) {
					err |= fg_buf_puts(out,
							   "<br>unblock: ");
					err |= md_text(out,
						       it->verdict.unblock);
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
			if (show_fields(&ns->v[j]) && ns->v[j].changes.n)
				err |= md_fields(out, &ns->v[j]);
	}
	return err ? fg_error_set(FG_ERROR, "plan markdown: out of memory") : 0;
}

static json_t *opt(const json_t *v)
{
	return v ? json_incref(mut(v)) : json_null();
}

static json_t *verdict_json(const struct fg_verdict *v)
{
	static const char *const kinds[] = { "allow", "suspend-first",
					     "block" };

	return json_pack("{s:s, s:s, s:s, s:s?, s:b}", "verdict",
			 kinds[v->kind], "rule", fg_rule_name(v->rule),
			 "reason", v->reason, "unblock", v->unblock,
			 "overridden", v->overridden);
}

static json_t *item_json(const struct fg_plan_item *it)
{
	json_t *changes = json_array();
	const struct fg_classification *c = &it->cls;

	for (size_t k = 0; k < it->changes.n; k++) {
		const struct fg_field_change *ch = &it->changes.v[k];

		json_array_append_new(
			changes,
			json_pack("{s:s, s:s, s:o, s:o, s:s}", "field",
				  ch->field, "pointer", ch->pointer, "desired",
				  opt(ch->desired), "live", opt(ch->live),
				  "diffType", fg_diff_type_name(ch->type)));
	}
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:b, s:b, s:b, "
		"s:b, s:i, s:b, s:s?}, s:o, s:o}",
		"group", it->group, "kind", it->kind, "name", it->name,
		"action", fg_plan_action_name(it->action), "wanted",
		fg_plan_action_name(it->wanted), "impact", it->impact,
		"classification", "diffType", fg_diff_type_name(c->type),
		"restart", fg_restart_name(c->restart), "suspend", c->suspend,
		"resume", c->resume, "scaleInPlace", c->scale_in_place,
		"sessionClusterRedeploy", c->session_cluster_redeploy,
		"scaleTo", (json_int_t)c->scale_to, "rejected", c->rejected,
		"reason", c->reason, "policy", verdict_json(&it->verdict),
		"changes", changes);
}

int fg_plan_json(const struct fg_plan *plan, json_t **out)
{
	json_t *nss = json_array(), *root;

	*out = NULL;
	for (size_t i = 0; i < plan->n; i++) {
		const struct fg_plan_ns *ns = &plan->v[i];
		json_t *objs = json_array();

		for (size_t j = 0; j < ns->n; j++)
			json_array_append_new(objs, item_json(&ns->v[j]));
		json_array_append_new(
			nss,
			json_pack("{s:s, s:b, s:o, s:o}", "name", ns->name,
				  "failed",
				  ns->verdict.rule == FG_RULE_FAILED_NAMESPACE,
				  "policy", verdict_json(&ns->verdict),
				  "objects", objs));
	}
	root = json_pack("{s:s?, s:s?, s:{s:i, s:i, s:i, s:i, s:i}, s:i, "
			 "s:o}",
			 "base", plan->base, "head", plan->head, "summary",
			 "create", (json_int_t)plan->creates, "update",
			 (json_int_t)plan->updates, "delete",
			 (json_int_t)plan->deletes, "blocked",
			 (json_int_t)plan->blocked, "unchanged",
			 (json_int_t)plan->unchanged, "exitCode",
			 fg_plan_exit_code(plan), "namespaces", nss);
	if (!root)
		return fg_error_set(FG_ERROR, "plan json: out of memory");
	*out = root;
	return 0;
}
