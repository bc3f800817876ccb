/*
 * Saved plans (sync/saved.h): recorded by plan --save, checked by sync
 * --plan. The decision of staleness is made here.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/plan.h"
#include "sync/saved.h"
#include "render/base/banned.h"

static int oom(void)
{
	return fg_error_set(FG_ERROR, "saved plan: out of memory");
}

int fg_desired_digest(const struct fg_desired *d, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char line[1024];

	crypto_hash_sha256_init(&st);
	snprintf(line, sizeof(line), "repository %s crd %s config %d\n",
		 d->repository ? d->repository : "",
		 d->crd_version ? d->crd_version : "", d->config_failed);
	crypto_hash_sha256_update(&st, (const unsigned char *)line,
				  strlen(line));
	for (size_t i = 0; i < d->nns; i++) {
		const struct fg_ns *ns = &d->ns[i];

		snprintf(line, sizeof(line), "ns %s %d\n", ns->name,
			 ns->failed);
		crypto_hash_sha256_update(&st, (const unsigned char *)line,
					  strlen(line));
		for (size_t j = 0; j < ns->n; j++) {
			snprintf(line, sizeof(line), "%s %s %s\n",
				 ns->objs[j].kind, ns->objs[j].name,
				 ns->objs[j].hash);
			crypto_hash_sha256_update(
				&st, (const unsigned char *)line, strlen(line));
		}
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	return 0;
}

/* The action as plan shows it. */
static const char *shown_action(const struct fg_step *s)
{
	if (fg_step_blocked(s))
		return "blocked";
	if (s->wanted == FG_ACTION_DELETE && s->action == FG_ACTION_NOOP)
		return "keep";
	return fg_action_name(s->action);
}

static json_t *opt(const json_t *v)
{
	return v ? json_incref(fg_json_mut(v)) : json_null();
}

/* What a reviewer read about step `s`. */
static json_t *decision(const struct fg_step *s)
{
	json_t *changes = json_array(), *d;

	for (size_t k = 0; changes && k < s->changes.n; k++) {
		const struct fg_field_change *c = &s->changes.v[k];

		json_array_append_new(changes,
				      json_pack("{s:s, s:s, s:o, s:o}", "field",
						c->field, "pointer", c->pointer,
						"from", opt(c->live), "to",
						opt(c->desired)));
	}
	d = json_pack("{s:s, s:s, s:s, s:o}", "action", shown_action(s),
		      "wanted", fg_action_name(s->wanted), "impact", s->impact,
		      "changes", changes);
	if (d && fg_step_blocked(s))
		json_object_set_new(d, "reason",
				    json_string(s->verdict.reason));
	return d;
}

static const char *ns_status(const struct fg_pass_ns *ns)
{
	if (ns->failed)
		return "failed";
	if (ns->error)
		return "error";
	if (ns->verdict.kind == FG_VERDICT_BLOCK)
		return "blocked";
	return "planned";
}

static json_t *ns_json(const struct fg_pass_ns *ns)
{
	json_t *objs = json_array();

	for (size_t j = 0; objs && j < ns->n; j++) {
		const struct fg_step *s = &ns->v[j];

		json_array_append_new(
			objs,
			json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:o}", "group",
				  s->group, "kind", s->kind, "name", s->name,
				  "uid", fg_meta_str(s->live, "uid"),
				  "resourceVersion",
				  fg_meta_str(s->live, "resourceVersion"),
				  "decision", decision(s)));
	}
	return json_pack("{s:s, s:b, s:s, s:o}", "name", ns->name, "exists",
			 !ns->absent, "status", ns_status(ns), "objects", objs);
}

int fg_saved_plan_new(json_t **out, const struct fg_pass *p,
		      const json_t *source, const json_t *options)
{
	json_t *nss = json_array(), *src, *doc;
	char digest[65];

	*out = NULL;
	if (p->offline)
		return fg_error_set(FG_EINVALID,
				    "a saved plan is made against the cluster, "
				    "not offline (--base)");
	fg_desired_digest(p->desired, digest);
	src = source ? fg_json_deep_copy(source) : json_object();
	if (src)
		json_object_set_new(src, "digest", json_string(digest));
	for (size_t i = 0; nss && i < p->n; i++)
		json_array_append_new(nss, ns_json(&p->v[i]));
	doc = json_pack(
		"{s:i, s:s, s:o, s:O, s:s, s:o, s:{s:I, s:I, s:I, "
		"s:I, s:I}}",
		"format", FG_SAVED_PLAN_FORMAT, "kind", FG_SAVED_PLAN_KIND,
		"source", src, "options", options ? options : json_null(),
		"repository", p->repository, "namespaces", nss, "summary",
		"create", (json_int_t)p->creates, "update",
		(json_int_t)p->updates, "delete", (json_int_t)p->deletes,
		"blocked", (json_int_t)p->blocked, "unchanged",
		(json_int_t)p->unchanged);
	if (!doc)
		return oom();
	*out = doc;
	return 0;
}

int fg_saved_plan_valid(const json_t *saved)
{
	const json_t *f = json_object_get(saved, "format");

	if (!json_is_object(saved) ||
	    !fg_str_is(fg_json_str(saved, "kind"), FG_SAVED_PLAN_KIND))
		return fg_error_set(FG_EINVALID,
				    "not a plan saved by flink-gitops plan "
				    "--save (no kind: " FG_SAVED_PLAN_KIND ")");
	if (!json_is_integer(f) ||
	    json_integer_value(f) != FG_SAVED_PLAN_FORMAT)
		return fg_error_set(FG_EINVALID,
				    "plan format %" JSON_INTEGER_FORMAT
				    " is not the one this flink-gitops reads "
				    "(%d): make the plan again",
				    json_integer_value(f),
				    FG_SAVED_PLAN_FORMAT);
	if (!json_is_array(json_object_get(saved, "namespaces")))
		return fg_error_set(FG_EINVALID, "plan has no namespaces");
	return 0;
}

/* ---- staleness ---- */

struct diffs {
	struct fg_buf *why;
	size_t n;
};

static void moved(struct diffs *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void moved(struct diffs *d, const char *fmt, ...)
{
	va_list ap;

	if (d->n++ >= FG_SAVED_PLAN_SHOWN)
		return;
	va_start(ap, fmt);
	fg_buf_vprintf(d->why, fmt, ap);
	va_end(ap);
	fg_buf_putc(d->why, '\n');
}

static const json_t *saved_ns(const json_t *saved, const char *name)
{
	const json_t *ns;
	size_t i;

	json_array_foreach (json_object_get(saved, "namespaces"), i, ns)
		if (fg_str_is(fg_json_str(ns, "name"), name))
			return ns;
	return NULL;
}

static const json_t *saved_obj(const json_t *ns, const struct fg_step *s)
{
	const json_t *o;
	size_t i;

	json_array_foreach (json_object_get(ns, "objects"), i, o)
		if (fg_str_is(fg_json_str(o, "group"), s->group) &&
		    fg_str_is(fg_json_str(o, "kind"), s->kind) &&
		    fg_str_is(fg_json_str(o, "name"), s->name))
			return o;
	return NULL;
}

/* "update (restarts from a savepoint)" */
static void said(struct fg_buf *b, const json_t *dec)
{
	const char *a = fg_json_str(dec, "action");

	if (!dec) {
		fg_buf_puts(b, "nothing");
		return;
	}
	if (fg_str_is(a, "noop")) {
		fg_buf_puts(b, "no change");
		return;
	}
	fg_buf_printf(b, "%s (%s)", a ? a : "?",
		      fg_json_str(dec, "impact") ? fg_json_str(dec, "impact")
						 : "");
}

/* The first field whose change differs between two decisions:
 * "data.v was "1" -> "2" in the plan, now "edited" -> "2"". */
static void field_moved(struct fg_buf *b, const json_t *was, const json_t *now)
{
	const json_t *a = json_object_get(was, "changes"),
		     *c = json_object_get(now, "changes");
	size_t n = json_array_size(a) > json_array_size(c) ? json_array_size(a)
							   : json_array_size(c);
	char from[FG_PLAN_VALUE_MAX + 8], to[FG_PLAN_VALUE_MAX + 8];

	for (size_t i = 0; i < n; i++) {
		const json_t *x = json_array_get(a, i),
			     *y = json_array_get(c, i);

		if (x && y && json_equal(fg_json_mut(x), fg_json_mut(y)))
			continue;
		fg_buf_printf(b, "%s ", fg_json_str(x ? x : y, "field"));
		if (x) {
			fg_plan_value(json_object_get(x, "from"), from,
				      sizeof(from));
			fg_plan_value(json_object_get(x, "to"), to, sizeof(to));
			fg_buf_printf(b, "was %s -> %s in the plan", from, to);
		} else {
			fg_buf_puts(b, "was no change in the plan");
		}
		if (y) {
			fg_plan_value(json_object_get(y, "from"), from,
				      sizeof(from));
			fg_plan_value(json_object_get(y, "to"), to, sizeof(to));
			fg_buf_printf(b, ", now %s -> %s", from, to);
		} else {
			fg_buf_puts(b, ", now no change");
		}
		return;
	}
}

static void check_step(struct diffs *d, const char *ns, const json_t *sns,
		       const struct fg_step *s)
{
	const json_t *o = saved_obj(sns, s);
	const json_t *was = json_object_get(o, "decision");
	const char *uid = fg_meta_str(s->live, "uid");
	const char *rv = fg_meta_str(s->live, "resourceVersion");
	struct fg_buf b = FG_BUF_INIT;
	json_t *now = decision(s);

	if (o && fg_json_str(o, "uid") && uid &&
	    !fg_str_is(fg_json_str(o, "uid"), uid)) {
		moved(d, "%s %s/%s: replaced since the plan (uid %s, now %s)",
		      ns, s->kind, s->name, fg_json_str(o, "uid"), uid);
	} else if (!now || !was || !json_equal(fg_json_mut(was), now)) {
		if (was && now &&
		    fg_str_is(fg_json_str(was, "action"),
			      fg_json_str(now, "action")) &&
		    fg_str_is(fg_json_str(was, "impact"),
			      fg_json_str(now, "impact"))) {
			field_moved(&b, was, now);
		} else {
			fg_buf_puts(&b, "planned ");
			said(&b, was);
			fg_buf_puts(&b, ", now ");
			said(&b, now);
		}
		if (o && fg_json_str(o, "resourceVersion") && rv &&
		    !fg_str_is(fg_json_str(o, "resourceVersion"), rv))
			fg_buf_printf(&b, " (resourceVersion %s, now %s)",
				      fg_json_str(o, "resourceVersion"), rv);
		else if (!o && s->live)
			fg_buf_puts(&b, " (it appeared in the cluster)");
		moved(d, "%s %s/%s: %s", ns, s->kind, s->name, b.ptr);
	}
	fg_buf_release(&b);
	json_decref(now);
}

int fg_saved_plan_check(const json_t *saved, const struct fg_pass *p,
			const char *commit, struct fg_buf *why)
{
	const json_t *src = json_object_get(saved, "source"), *sns, *o;
	const char *was = fg_json_str(src, "commit");
	struct diffs d = { why, 0 };
	char digest[65];
	size_t i, j;

	fg_desired_digest(p->desired, digest);
	if (commit && was && strcmp(commit, was))
		moved(&d,
		      "Git moved: the plan was made at %.7s of %s, which "
		      "is now %.7s",
		      was,
		      fg_json_str(src, "ref") ? fg_json_str(src, "ref") : "?",
		      commit);
	else if (!fg_str_is(fg_json_str(src, "digest"), digest))
		moved(&d, "the repository changed since the plan (its "
			  "rendered objects are not the ones planned)");
	for (i = 0; i < p->n; i++) {
		const struct fg_pass_ns *ns = &p->v[i];

		if (!(sns = saved_ns(saved, ns->name))) {
			moved(&d, "%s: not in the plan", ns->name);
			continue;
		}
		if (!fg_str_is(fg_json_str(sns, "status"), ns_status(ns)))
			moved(&d, "%s: planned %s, now %s%s%s", ns->name,
			      fg_json_str(sns, "status"), ns_status(ns),
			      ns->error ? ": " : "",
			      ns->error ? ns->error : "");
		if (json_is_true(json_object_get(sns, "exists")) == ns->absent)
			moved(&d, "%s: the namespace %s since the plan",
			      ns->name,
			      ns->absent ? "was deleted" : "was created");
		for (j = 0; j < ns->n; j++)
			check_step(&d, ns->name, sns, &ns->v[j]);
		/* planned objects the pass no longer has a step for */
		json_array_foreach (json_object_get(sns, "objects"), j, o) {
			size_t k;

			for (k = 0; k < ns->n; k++)
				if (fg_str_is(fg_json_str(o, "kind"),
					      ns->v[k].kind) &&
				    fg_str_is(fg_json_str(o, "name"),
					      ns->v[k].name) &&
				    fg_str_is(fg_json_str(o, "group"),
					      ns->v[k].group))
					break;
			if (k == ns->n)
				moved(&d,
				      "%s %s/%s: planned %s, now nothing (it "
				      "is gone)",
				      ns->name, fg_json_str(o, "kind"),
				      fg_json_str(o, "name"),
				      fg_json_str(
					      json_object_get(o, "decision"),
					      "action"));
		}
	}
	json_array_foreach (json_object_get(saved, "namespaces"), i, sns) {
		size_t k;

		for (k = 0; k < p->n; k++)
			if (fg_str_is(fg_json_str(sns, "name"), p->v[k].name))
				break;
		if (k == p->n)
			moved(&d, "%s: in the plan, no longer in scope",
			      fg_json_str(sns, "name"));
	}
	if (d.n > FG_SAVED_PLAN_SHOWN)
		fg_buf_printf(why, "... and %zu more\n",
			      d.n - FG_SAVED_PLAN_SHOWN);
	return d.n ? fg_error_set(FG_ECONFLICT,
				  "the saved plan is stale: %zu difference%s",
				  d.n, d.n == 1 ? "" : "s")
		   : 0;
}
