/*
 * YAML loader: libyaml events -> a small node tree per document (with
 * positions, anchors resolved) -> jansson values, as sigs.k8s.io/yaml
 * would convert them. See yaml.h for the contract.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yaml.h>

#include "render/base/error.h"
#include "render/yaml.h"
#include "render/yaml_scalar.h"
#include "render/base/banned.h"

#define TAG_PREFIX "tag:yaml.org,2002:"
#define YAML_ERR_MAX 512

enum ykind { Y_SCALAR, Y_SEQ, Y_MAP, Y_ALIAS };

struct ynode {
	enum ykind kind;
	struct fg_pos pos;
	char *tag;   /* owned, NULL when none */
	char *value; /* scalar text, owned */
	size_t len;
	int plain; /* plain scalar without tag: subject to resolution */
	struct ynode **kids; /* map: k0, v0, k1, v1, ... */
	size_t n, cap;
	struct ynode *target; /* alias */
	size_t weight;	      /* nodes after alias expansion (saturating) */
	int open;	      /* collection still being parsed */
	char *anchor;	      /* name, owned; only for messages */
};

struct pos_entry {
	size_t ptr_off; /* into fg_yaml_file.ptrs */
	struct fg_pos key, val;
};

struct ydoc {
	json_t *value;
	struct fg_pos pos;
	size_t first, count; /* range in fg_yaml_file.ents */
};

struct fg_yaml_file {
	char *name;
	struct ydoc *docs;
	size_t ndocs, capdocs;
	struct pos_entry *ents;
	size_t nents, capents;
	struct fg_buf ptrs; /* NUL-separated JSON pointers */
};

struct loader {
	const char *name;
	const char *data;
	size_t len;
	struct fg_yaml_limits lim;
	yaml_parser_t parser;
	struct fg_yaml_file *file;

	/* current document */
	struct ynode **all; /* every node, for freeing */
	size_t nall, capall;
	json_t *anchors; /* name -> index into all */
	struct ynode **stack;
	size_t depth, capstack;
	struct ynode *root;
	size_t expanded; /* running expanded node count */
	size_t converted;
	size_t cur_char, cur_byte; /* cursor: libyaml char index -> byte */
	int in_alias;		   /* converting the target of an alias */
	struct fg_pos alias_at;	   /* where that alias is written */

	/* first error */
	int err;
	struct fg_pos errpos;
	char errmsg[YAML_ERR_MAX];
};

__attribute__((format(printf, 3, 4))) static int
fail(struct loader *L, struct fg_pos pos, const char *fmt, ...)
{
	va_list ap;

	if (L->err)
		return L->err;
	va_start(ap, fmt);
	vsnprintf(L->errmsg, sizeof(L->errmsg), fmt, ap);
	va_end(ap);
	L->errpos = pos;
	L->err = FG_EINVALID;
	return L->err;
}

static int oom(struct loader *L)
{
	struct fg_pos none = { 0, 0 };

	fail(L, none, "out of memory");
	L->err = FG_ERROR;
	return L->err;
}

static struct fg_pos mark_pos(yaml_mark_t m)
{
	struct fg_pos p = { (unsigned)m.line + 1, (unsigned)m.column + 1 };
	return p;
}

/* ---- positions ------------------------------------------------------- */

int fg_json_pointer_push(struct fg_buf *b, const char *token)
{
	int err;

	if ((err = fg_buf_putc(b, '/')) < 0)
		return err;
	for (; *token; token++) {
		if (*token == '~')
			err = fg_buf_puts(b, "~0");
		else if (*token == '/')
			err = fg_buf_puts(b, "~1");
		else
			err = fg_buf_putc(b, *token);
		if (err < 0)
			return err;
	}
	return 0;
}

static int record(struct loader *L, const struct fg_buf *path,
		  struct fg_pos key, struct fg_pos val)
{
	struct fg_yaml_file *f = L->file;
	struct pos_entry *e;

	if (f->nents == f->capents) {
		size_t ncap = f->capents ? f->capents * 2 : 64;
		e = realloc(f->ents, ncap * sizeof(*e));
		if (!e)
			return oom(L);
		f->ents = e;
		f->capents = ncap;
	}
	e = &f->ents[f->nents];
	e->ptr_off = f->ptrs.len;
	e->key = key;
	e->val = val;
	if (fg_buf_add(&f->ptrs, path->ptr, path->len + 1) < 0)
		return oom(L);
	f->nents++;
	return 0;
}

int fg_yaml_pos(const struct fg_yaml_file *f, size_t i, const char *pointer,
		struct fg_pos *key, struct fg_pos *value)
{
	const struct ydoc *d;
	size_t want, j;
	int exact = 1;

	if (i >= f->ndocs)
		return fg_error_set(FG_ENOTFOUND, "no document %zu in '%s'", i,
				    f->name);
	d = &f->docs[i];
	want = strlen(pointer);
	for (;;) {
		/* later entries win: explicit keys are recorded after merges */
		for (j = d->first + d->count; j-- > d->first;) {
			const char *p = f->ptrs.ptr + f->ents[j].ptr_off;
			if (strlen(p) == want && !memcmp(p, pointer, want)) {
				if (key)
					*key = f->ents[j].key;
				if (value)
					*value = f->ents[j].val;
				return exact ? 0 : FG_ENOTFOUND;
			}
		}
		exact = 0;
		if (want == 0)
			break;
		while (want > 0 && pointer[want - 1] != '/')
			want--;
		if (want > 0)
			want--; /* drop the '/' too */
	}
	if (key)
		*key = d->pos;
	if (value)
		*value = d->pos;
	return FG_ENOTFOUND;
}

/* ---- node tree ------------------------------------------------------- */

static struct ynode *node_new(struct loader *L, enum ykind kind,
			      yaml_mark_t mark, const yaml_char_t *tag)
{
	struct ynode *n;

	if (L->nall == L->capall) {
		size_t ncap = L->capall ? L->capall * 2 : 256;
		struct ynode **v = realloc(L->all, ncap * sizeof(*v));
		if (!v)
			return NULL;
		L->all = v;
		L->capall = ncap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->pos = mark_pos(mark);
	n->weight = 1;
	if (tag && !(n->tag = strdup((const char *)tag))) {
		free(n);
		return NULL;
	}
	L->all[L->nall++] = n;
	return n;
}

static void nodes_free(struct loader *L)
{
	size_t i;

	for (i = 0; i < L->nall; i++) {
		free(L->all[i]->tag);
		free(L->all[i]->value);
		free(L->all[i]->kids);
		free(L->all[i]->anchor);
		free(L->all[i]);
	}
	L->nall = 0;
	L->depth = 0;
	L->root = NULL;
	L->expanded = 0;
	json_object_clear(L->anchors);
}

static size_t sat_add(size_t a, size_t b, size_t cap)
{
	return a > cap || b > cap - a ? cap + 1 : a + b;
}

/* Attach a finished node to the open collection (or make it the root). */
static int attach(struct loader *L, struct ynode *n)
{
	struct ynode *parent;

	if (L->depth == 0) {
		L->root = n;
		return 0;
	}
	parent = L->stack[L->depth - 1];
	if (parent->n == parent->cap) {
		size_t ncap = parent->cap ? parent->cap * 2 : 8;
		struct ynode **v = realloc(parent->kids, ncap * sizeof(*v));
		if (!v)
			return oom(L);
		parent->kids = v;
		parent->cap = ncap;
	}
	parent->kids[parent->n++] = n;
	return 0;
}

static int define_anchor(struct loader *L, const yaml_char_t *anchor,
			 struct ynode *n)
{
	if (!anchor)
		return 0;
	if (!(n->anchor = strdup((const char *)anchor)))
		return oom(L);
	/* redefinition is allowed: the latest definition wins */
	if (json_object_set_new(L->anchors, n->anchor,
				json_integer((json_int_t)(L->nall - 1))) < 0)
		return oom(L);
	return 0;
}

static int count_node(struct loader *L, struct fg_pos pos, size_t weight)
{
	L->expanded = sat_add(L->expanded, weight, L->lim.max_nodes);
	if (L->expanded > L->lim.max_nodes)
		return fail(L, pos,
			    "document has more than %zu nodes (after "
			    "expanding aliases)",
			    L->lim.max_nodes);
	return 0;
}

/* Byte offset of libyaml's character index `idx` (marks count chars). */
static size_t char_to_byte(struct loader *L, size_t idx)
{
	const unsigned char *u = (const unsigned char *)L->data;

	if (idx < L->cur_char) {
		L->cur_char = 0;
		L->cur_byte = 0;
	}
	if (L->cur_char == 0 && L->cur_byte == 0 && L->len >= 3 &&
	    !memcmp(u, "\xEF\xBB\xBF", 3))
		L->cur_byte = 3; /* the reader skips a byte order mark */
	while (L->cur_char < idx && L->cur_byte < L->len) {
		size_t n =
			fg_utf8_seq_len(u + L->cur_byte, L->len - L->cur_byte);
		L->cur_byte += n ? n : 1;
		L->cur_char++;
	}
	return L->cur_byte;
}

/*
 * libyaml 0.2.5 reads the YAML 1.2 escape "\/" in double-quoted scalars;
 * go-yaml v2, and so kubectl, refuses it. Refuse it too, where it is.
 */
static int check_escapes(struct loader *L, yaml_event_t *ev)
{
	size_t i = char_to_byte(L, ev->start_mark.index);
	size_t end = char_to_byte(L, ev->end_mark.index);
	struct fg_pos pos = mark_pos(ev->start_mark);

	for (i++; i < end && L->data[i] != '"'; i++) {
		unsigned char c = (unsigned char)L->data[i];
		if (c == '\\' && i + 1 < end) {
			if (L->data[i + 1] == '/')
				return fail(L, pos,
					    "escape '\\/' in a double-quoted "
					    "string is not read by Kubernetes; "
					    "write '/' instead");
			if (L->data[i + 1] == '\n') {
				pos.line++;
				pos.col = 0;
			}
			i++;
			pos.col++;
		} else if (c == '\n') {
			pos.line++;
			pos.col = 0;
		}
		if ((c & 0xC0) != 0x80)
			pos.col++;
	}
	return 0;
}

static int on_scalar(struct loader *L, yaml_event_t *ev)
{
	struct ynode *n;

	if (ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE &&
	    memchr(ev->data.scalar.value, '/', ev->data.scalar.length) &&
	    check_escapes(L, ev) < 0)
		return L->err;
	n = node_new(L, Y_SCALAR, ev->start_mark, ev->data.scalar.tag);
	if (!n)
		return oom(L);
	n->len = ev->data.scalar.length;
	if (!(n->value = malloc(n->len + 1)))
		return oom(L);
	memcpy(n->value, ev->data.scalar.value, n->len);
	n->value[n->len] = '\0';
	n->plain = !n->tag && ev->data.scalar.plain_implicit &&
		   ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (define_anchor(L, ev->data.scalar.anchor, n) < 0)
		return L->err;
	if (count_node(L, n->pos, 1) < 0)
		return L->err;
	return attach(L, n);
}

static int on_alias(struct loader *L, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct fg_pos pos = mark_pos(ev->start_mark);
	json_t *idx = json_object_get(L->anchors, name);
	struct ynode *target, *n;

	if (!idx)
		return fail(L, pos, "unknown anchor '%s' referenced", name);
	target = L->all[json_integer_value(idx)];
	if (target->open)
		return fail(L, pos, "anchor '%s' value contains itself", name);
	if (count_node(L, pos, target->weight) < 0)
		return L->err;
	if (!(n = node_new(L, Y_ALIAS, ev->start_mark, NULL)))
		return oom(L);
	n->target = target;
	n->weight = target->weight;
	return attach(L, n);
}

static int on_start(struct loader *L, yaml_event_t *ev, enum ykind kind)
{
	const yaml_char_t *tag, *anchor;
	struct ynode *n;

	if (kind == Y_MAP) {
		tag = ev->data.mapping_start.tag;
		anchor = ev->data.mapping_start.anchor;
	} else {
		tag = ev->data.sequence_start.tag;
		anchor = ev->data.sequence_start.anchor;
	}
	if (L->depth >= L->lim.max_depth)
		return fail(L, mark_pos(ev->start_mark),
			    "nesting is deeper than %zu levels",
			    L->lim.max_depth);
	if (!(n = node_new(L, kind, ev->start_mark, tag)))
		return oom(L);
	n->open = 1;
	if (define_anchor(L, anchor, n) < 0)
		return L->err;
	if (count_node(L, n->pos, 1) < 0)
		return L->err;
	if (attach(L, n) < 0)
		return L->err;
	if (L->depth == L->capstack) {
		size_t ncap = L->capstack ? L->capstack * 2 : 16;
		struct ynode **v = realloc(L->stack, ncap * sizeof(*v));
		if (!v)
			return oom(L);
		L->stack = v;
		L->capstack = ncap;
	}
	L->stack[L->depth++] = n;
	return 0;
}

static void on_end(struct loader *L)
{
	struct ynode *n = L->stack[--L->depth];
	size_t i, w = 1;

	for (i = 0; i < n->n; i++)
		w = sat_add(w, n->kids[i]->weight, L->lim.max_nodes);
	n->weight = w;
	n->open = 0;
}

/* ---- conversion to JSON ---------------------------------------------- */

static int conv(struct loader *L, struct ynode *n, struct fg_buf *path,
		size_t depth, struct fg_pos keypos, json_t **out);

static const char *short_tag(const char *tag, char *buf, size_t bufsz)
{
	if (!tag)
		return "!!str";
	if (!strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX))) {
		snprintf(buf, bufsz, "!!%s", tag + strlen(TAG_PREFIX));
		return buf;
	}
	return tag;
}

static const char *type_tag(enum fg_scalar_type t)
{
	switch (t) {
	case FG_SCALAR_NULL:
		return "!!null";
	case FG_SCALAR_BOOL:
		return "!!bool";
	case FG_SCALAR_INT:
	case FG_SCALAR_UINT:
		return "!!int";
	case FG_SCALAR_FLOAT:
		return "!!float";
	default:
		return "!!str";
	}
}

/*
 * Resolve a scalar node as go-yaml v2 does: untagged plain scalars by
 * their text, quoted ones as strings, !!int/!!float/!!bool/!!timestamp
 * checked against what the text resolves to, !!binary base64-decoded,
 * every other tag (custom ones included) as the plain string.
 * Returns 1 when the string is in `bin` (a decoded !!binary), 0 when a
 * STR result is the node's own text, negative on error.
 */
static int resolve(struct loader *L, struct ynode *n, struct fg_scalar *r,
		   struct fg_buf *bin)
{
	char sbuf[256];
	const char *st;

	memset(r, 0, sizeof(*r));
	r->type = FG_SCALAR_STR;
	if (n->plain)
		return fg_scalar_resolve_plain(n->value, n->len, r) < 0 ? oom(L)
									: 0;
	if (!n->tag)
		return 0; /* quoted or block scalar: a string */
	st = short_tag(n->tag, sbuf, sizeof(sbuf));
	if (!strcmp(st, "!!str"))
		return 0;
	if (!strcmp(st, "!!binary")) {
		unsigned char *raw = malloc(n->len + 1);
		size_t rawlen = 0;
		int bad;

		if (!raw)
			return oom(L);
		bad = sodium_base642bin(raw, n->len + 1, n->value, n->len,
					"\r\n", &rawlen, NULL,
					sodium_base64_VARIANT_ORIGINAL) != 0;
		if (!bad &&
		    fg_utf8_sanitize(bin, (const char *)raw, rawlen) < 0)
			bad = -1;
		free(raw);
		if (bad < 0)
			return oom(L);
		if (bad)
			return fail(L, n->pos,
				    "!!binary value contains invalid base64 "
				    "data");
		r->type = FG_SCALAR_STR;
		return 1; /* string is in `bin` */
	}
	if (strcmp(st, "!!int") && strcmp(st, "!!float") &&
	    strcmp(st, "!!bool") && strcmp(st, "!!timestamp") &&
	    strcmp(st, "!!null"))
		return 0; /* not a resolvable tag: the text as it is */

	if (!strcmp(st, "!!timestamp")) {
		if (fg_scalar_is_timestamp(n->value, n->len))
			return 0;
		if (fg_scalar_resolve_plain(n->value, n->len, r) < 0)
			return oom(L);
		goto mismatch;
	}
	if (fg_scalar_resolve_plain(n->value, n->len, r) < 0)
		return oom(L);
	if (!strcmp(st, type_tag(r->type)))
		return 0;
	if (!strcmp(st, "!!float") && r->type == FG_SCALAR_INT) {
		r->d = (double)r->i;
		r->type = FG_SCALAR_FLOAT;
		return 0;
	}
	if (!strcmp(st, "!!float") && r->type == FG_SCALAR_UINT) {
		r->d = (double)r->u;
		r->type = FG_SCALAR_FLOAT;
		return 0;
	}
mismatch:
	return fail(L, n->pos, "cannot decode %s `%.*s` as a %s",
		    fg_scalar_is_timestamp(n->value, n->len)
			    ? "!!timestamp"
			    : type_tag(r->type),
		    (int)(n->len > 64 ? 64 : n->len), n->value, st);
}

/*
 * A float as the number the API server holds for it. kubectl's JSON is
 * Go's: a float64 below 1e21 printed with the shortest digits that read
 * back, zeros after them ("1e18" -> 1000000000000000000, -2^63 ->
 * -9223372036854776000), and the API server reads a number written
 * without a fraction as an int64 when it fits, else as a float64 (which
 * an integer field then refuses). *out gets the int64 read.
 */
static int go_json_int64(double d, json_int_t *out)
{
	static const char max[] = "9223372036854775807";
	char e[48], digits[48];
	const char *m;
	size_t nd = 0, i;
	int exp10, p, neg = d < 0, cmp;
	long long v = 0;

	if (d != floor(d) || fabs(d) >= 1e21)
		return 0;
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	for (m = e; *m && *m != 'e'; m++)
		if (*m >= '0' && *m <= '9')
			digits[nd++] = *m;
	exp10 = *m == 'e' ? (int)strtol(m + 1, NULL, 10) : 0;
	/* the integer printed: the digits, then zeros up to the point */
	while ((int)nd < exp10 + 1 && nd < sizeof(digits) - 1)
		digits[nd++] = '0';
	if ((int)nd != exp10 + 1)
		return 0; /* cannot happen for a whole number */
	digits[nd] = '\0';
	cmp = nd != 19 ? (nd < 19 ? -1 : 1) : strcmp(digits, max);
	if (cmp > 0 &&
	    !(neg && nd == 19 && !strcmp(digits, "9223372036854775808")))
		return 0;
	for (i = 0; i < nd; i++)
		v = v * 10 - (digits[i] - '0'); /* negative: reaches -2^63 */
	*out = neg ? v : -v;
	return 1;
}

static json_t *json_from_double(double d)
{
	json_int_t i;

	return go_json_int64(d, &i) ? json_integer(i) : json_real(d);
}

static int conv_scalar(struct loader *L, struct ynode *n, json_t **out)
{
	struct fg_buf bin = FG_BUF_INIT;
	struct fg_scalar r;
	int got;

	if ((got = resolve(L, n, &r, &bin)) < 0)
		goto done;
	switch (r.type) {
	case FG_SCALAR_NULL:
		*out = json_null();
		break;
	case FG_SCALAR_BOOL:
		*out = json_boolean(r.b);
		break;
	case FG_SCALAR_INT:
		*out = json_integer((json_int_t)r.i);
		break;
	case FG_SCALAR_UINT:
		*out = json_real((double)r.u);
		break;
	case FG_SCALAR_FLOAT:
		if (isnan(r.d) || isinf(r.d)) {
			got = fail(L, n->pos,
				   "value '%s' (infinity or NaN) cannot be "
				   "represented in JSON",
				   n->value);
			goto done;
		}
		*out = json_from_double(r.d);
		break;
	default:
		if (got == 1)
			*out = json_stringn(bin.ptr, bin.len);
		else
			*out = json_stringn(n->value, n->len);
		break;
	}
	got = *out ? 0 : oom(L);
done:
	fg_buf_release(&bin);
	return got;
}

static struct ynode *deref(struct ynode *n)
{
	return n->kind == Y_ALIAS ? n->target : n;
}

static int is_merge_key(struct ynode *k)
{
	char sbuf[64];

	k = deref(k);
	if (k->kind != Y_SCALAR || strcmp(k->value, "<<"))
		return 0;
	return k->plain ||
	       (k->tag &&
		!strcmp(short_tag(k->tag, sbuf, sizeof(sbuf)), "!!merge"));
}

/*
 * The string a mapping key becomes (sigs.k8s.io/yaml: strings as they
 * are, numbers and booleans printed, anything else refused).
 */
static int key_string(struct loader *L, struct ynode *k, struct fg_buf *out)
{
	struct ynode *t = deref(k);
	struct fg_scalar r;
	char num[64];
	int got;

	fg_buf_clear(out);
	if (t->kind != Y_SCALAR)
		return fail(L, k->pos,
			    "mapping key is a %s; only scalar keys can "
			    "become JSON",
			    t->kind == Y_MAP ? "mapping" : "sequence");
	if ((got = resolve(L, t, &r, out)) < 0)
		return got;
	if (got == 1)
		return 0;
	switch (r.type) {
	case FG_SCALAR_STR:
		return fg_buf_add(out, t->value, t->len) < 0 ? oom(L) : 0;
	case FG_SCALAR_NULL:
		return fail(L, k->pos, "null mapping key is not supported");
	case FG_SCALAR_BOOL:
		return fg_buf_puts(out, r.b ? "true" : "false") < 0 ? oom(L)
								    : 0;
	case FG_SCALAR_INT:
		snprintf(num, sizeof(num), "%lld", r.i);
		break;
	case FG_SCALAR_UINT:
		return fail(L, k->pos,
			    "mapping key %s is too large for Kubernetes' "
			    "YAML reader",
			    t->value);
	case FG_SCALAR_FLOAT:
		fg_scalar_float_key(r.d, num, sizeof(num));
		break;
	}
	return fg_buf_puts(out, num) < 0 ? oom(L) : 0;
}

static int conv_members(struct loader *L, struct ynode *n, struct fg_buf *path,
			size_t depth, json_t *obj);

/* Collect the keys a `<<` value brings in; earlier sources win. */
static int conv_merge(struct loader *L, struct ynode *v, struct fg_buf *path,
		      size_t depth, json_t *merged)
{
	struct ynode *src = deref(v), *list[1], **items;
	size_t i, count;

	if (src->kind == Y_MAP) {
		list[0] = v;
		items = list;
		count = 1;
	} else if (src->kind == Y_SEQ) {
		items = src->kids;
		count = src->n;
	} else {
		return fail(L, v->pos,
			    "map merge requires a mapping or a sequence of "
			    "mappings as its value");
	}
	for (i = 0; i < count; i++) {
		struct ynode *m = deref(items[i]);
		const char *k;
		json_t *part, *val;

		if (m->kind != Y_MAP)
			return fail(L, items[i]->pos,
				    "map merge requires a mapping or a "
				    "sequence of mappings as its value");
		if (!(part = json_object()))
			return oom(L);
		if (conv_members(L, m, path, depth, part) < 0) {
			json_decref(part);
			return L->err;
		}
		json_object_foreach (part, k, val) {
			if (!json_object_get(merged, k) &&
			    json_object_set(merged, k, val) < 0) {
				json_decref(part);
				return oom(L);
			}
		}
		json_decref(part);
	}
	return 0;
}

static int conv_members(struct loader *L, struct ynode *n, struct fg_buf *path,
			size_t depth, json_t *obj)
{
	struct fg_buf key = FG_BUF_INIT, other = FG_BUF_INIT;
	size_t i, j, merge_at = SIZE_MAX, plen = path->len;
	json_t *merged = NULL, *val;
	const char *mk;
	int err = 0;

	for (i = 0; i + 1 < n->n; i += 2) {
		if (!is_merge_key(n->kids[i]))
			continue;
		if (merge_at != SIZE_MAX) {
			err = fail(L, n->kids[i]->pos,
				   "duplicate merge key '<<' (first at line "
				   "%u); use one '<<' with a sequence",
				   n->kids[merge_at]->pos.line);
			goto done;
		}
		merge_at = i;
	}
	if (merge_at != SIZE_MAX) {
		if (!(merged = json_object())) {
			err = oom(L);
			goto done;
		}
		if ((err = conv_merge(L, n->kids[merge_at + 1], path, depth,
				      merged)) < 0)
			goto done;
	}

	for (i = 0; i + 1 < n->n; i += 2) {
		struct ynode *k = n->kids[i], *v = n->kids[i + 1];

		if (i == merge_at)
			continue;
		if ((err = key_string(L, k, &key)) < 0)
			goto done;
		if (json_object_getn(obj, key.ptr, key.len)) {
			for (j = 0; j < i; j += 2) {
				if (j == merge_at ||
				    key_string(L, n->kids[j], &other) < 0)
					continue;
				if (other.len == key.len &&
				    !memcmp(other.ptr, key.ptr, key.len))
					break;
			}
			err = fail(L, k->pos,
				   "duplicate key \"%s\" (first defined at "
				   "line %u)",
				   key.ptr, j < i ? n->kids[j]->pos.line : 0);
			goto done;
		}
		if (merged && i < merge_at &&
		    json_object_getn(merged, key.ptr, key.len)) {
			err = fail(L, k->pos,
				   "key \"%s\" is also set by the merge at "
				   "line %u, which kubectl lets override it; "
				   "write the key after '<<' to override the "
				   "merged value",
				   key.ptr, n->kids[merge_at]->pos.line);
			goto done;
		}
		if (memchr(key.ptr, '\0', key.len)) {
			err = fail(L, k->pos,
				   "mapping key contains a NUL "
				   "character");
			goto done;
		}
		if ((err = fg_json_pointer_push(path, key.ptr)) < 0) {
			err = oom(L);
			goto done;
		}
		err = conv(L, v, path, depth + 1, k->pos, &val);
		fg_buf_truncate(path, plen);
		if (err < 0)
			goto done;
		if (json_object_setn_new(obj, key.ptr, key.len, val) < 0) {
			err = oom(L);
			goto done;
		}
	}
	if (merged) {
		json_object_foreach (merged, mk, val) {
			if (!json_object_get(obj, mk) &&
			    json_object_set(obj, mk, val) < 0) {
				err = oom(L);
				goto done;
			}
		}
	}
done:
	json_decref(merged);
	fg_buf_release(&key);
	fg_buf_release(&other);
	return err;
}

static int conv(struct loader *L, struct ynode *n, struct fg_buf *path,
		size_t depth, struct fg_pos keypos, json_t **out)
{
	struct fg_pos valpos = n->pos;
	size_t i, plen = path->len;
	json_t *v = NULL, *item;
	int err;

	*out = NULL;
	if (n->kind == Y_ALIAS && !L->in_alias) {
		/* limits broken inside an alias are reported where it is used */
		L->in_alias = 1;
		L->alias_at = n->pos;
		err = conv(L, n, path, depth, keypos, out);
		L->in_alias = 0;
		return err;
	}
	n = deref(n);
	if (n->kind != Y_SCALAR && depth + 1 > L->lim.max_depth)
		return fail(L, L->in_alias ? L->alias_at : valpos,
			    "nesting is deeper than %zu levels",
			    L->lim.max_depth);
	if (++L->converted > L->lim.max_nodes)
		return fail(L, L->in_alias ? L->alias_at : valpos,
			    "document has more than %zu nodes (after "
			    "expanding aliases)",
			    L->lim.max_nodes);
	if ((err = record(L, path, keypos, valpos)) < 0)
		return err;

	switch (n->kind) {
	case Y_SCALAR:
		return conv_scalar(L, n, out);
	case Y_SEQ:
		if (!(v = json_array()))
			return oom(L);
		for (i = 0; i < n->n; i++) {
			char idx[32];

			snprintf(idx, sizeof(idx), "%zu", i);
			if (fg_json_pointer_push(path, idx) < 0) {
				json_decref(v);
				return oom(L);
			}
			err = conv(L, n->kids[i], path, depth + 1,
				   n->kids[i]->pos, &item);
			fg_buf_truncate(path, plen);
			if (err < 0) {
				json_decref(v);
				return err;
			}
			if (json_array_append_new(v, item) < 0) {
				json_decref(v);
				return oom(L);
			}
		}
		break;
	case Y_MAP:
		if (!(v = json_object()))
			return oom(L);
		if ((err = conv_members(L, n, path, depth, v)) < 0) {
			json_decref(v);
			return err;
		}
		break;
	case Y_ALIAS:
		return fail(L, valpos, "alias to an alias");
	}
	*out = v;
	return 0;
}

/* ---- driving the parser ---------------------------------------------- */

/* Position of byte `off`, counting lines as libyaml does. */
static struct fg_pos offset_pos(const char *data, size_t len, size_t off)
{
	struct fg_pos p = { 1, 1 };
	size_t i;

	for (i = 0; i < off && i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\n' ||
		    (c == '\r' && (i + 1 >= len || data[i + 1] != '\n'))) {
			p.line++;
			p.col = 1;
		} else if ((c & 0xC0) != 0x80) {
			p.col++;
		}
	}
	return p;
}

/* Byte offset of a 1-based line/column, or len when beyond the end. */
static size_t pos_offset(const char *data, size_t len, struct fg_pos p)
{
	unsigned line = 1, col = 1;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if ((c & 0xC0) == 0x80)
			continue; /* inside a UTF-8 sequence */
		if (line == p.line && col == p.col)
			return i;
		if (c == '\n' ||
		    (c == '\r' && (i + 1 >= len || data[i + 1] != '\n'))) {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return len;
}

/* Only whitespace and comments from byte `off` to the end. */
static int at_end(const struct loader *L, size_t off)
{
	size_t i;

	for (i = off; i < L->len; i++) {
		char c = L->data[i];
		if (c == '#') {
			while (i < L->len && L->data[i] != '\n')
				i++;
			continue;
		}
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return 0;
	}
	return 1;
}

static void parser_error(struct loader *L, int after_end_marker)
{
	yaml_parser_t *p = &L->parser;
	struct fg_pos pos, ctx;
	size_t off;

	switch (p->error) {
	case YAML_NO_ERROR:
		/* libyaml 0.2.5's scanner fails some allocations of a tag
		 * (`handle = YAML_MALLOC(1); if (!handle) goto error;`)
		 * without setting an error: nothing else fails unsaid */
	case YAML_MEMORY_ERROR:
		oom(L);
		return;
	case YAML_READER_ERROR:
		pos = offset_pos(L->data, L->len, p->problem_offset);
		if (p->problem_value >= 0 &&
		    !strcmp(p->problem, "control characters are not allowed"))
			fail(L, pos, "control character 0x%02X is not allowed",
			     (unsigned)p->problem_value);
		else
			fail(L, pos, "%s", p->problem);
		return;
	default:
		break;
	}
	pos = mark_pos(p->problem_mark);
	off = pos_offset(L->data, L->len, pos);
	if (p->problem &&
	    !strcmp(p->problem,
		    "found character that cannot start any token") &&
	    off < L->len && L->data[off] == '\t') {
		fail(L, pos,
		     "tab character used for indentation (YAML allows only "
		     "spaces)");
		return;
	}
	if (after_end_marker && p->problem &&
	    !strcmp(p->problem, "did not find expected <document start>")) {
		/* kubectl would silently drop everything after the `...` */
		fail(L, pos, "a document after '...' must start with '---'");
		return;
	}
	if (p->context) {
		ctx = mark_pos(p->context_mark);
		/* unterminated constructs: point at where they open */
		if (at_end(L, off) &&
		    !strcmp(p->context, "while scanning a quoted scalar")) {
			fail(L, ctx,
			     "unterminated quoted string: no closing quote "
			     "before the end of the file");
			return;
		}
		if (at_end(L, off) &&
		    (!strcmp(p->context, "while parsing a flow mapping") ||
		     !strcmp(p->context, "while parsing a flow sequence"))) {
			int map = strstr(p->context, "mapping") != NULL;
			fail(L, ctx,
			     "unterminated flow %s: no closing '%c' before the "
			     "end of the file",
			     map ? "mapping" : "sequence", map ? '}' : ']');
			return;
		}
		fail(L, pos, "%s %s that started at line %u, column %u",
		     p->problem ? p->problem : "syntax error", p->context,
		     ctx.line, ctx.col);
		return;
	}
	fail(L, pos, "%s", p->problem ? p->problem : "syntax error");
}

/*
 * Checks made on the raw text before libyaml sees it:
 *  - valid UTF-8 throughout (exact position of the first bad byte);
 *  - a line that starts with "---" carries nothing but an optional
 *    comment after it, as kubectl's document splitter demands.
 */
static int prescan(struct loader *L)
{
	const unsigned char *u = (const unsigned char *)L->data;
	size_t i = 0, n, ls = 0;

	if (L->len >= 3 && !memcmp(u, "\xEF\xBB\xBF", 3))
		i = ls = 3;
	for (; i < L->len; i += n) {
		if (i == ls && L->len - i >= 3 && !memcmp(u + i, "---", 3)) {
			size_t j = i + 3;
			while (j < L->len &&
			       (u[j] == ' ' || u[j] == '\t' || u[j] == '\r'))
				j++;
			if (j < L->len && u[j] != '\n' && u[j] != '#')
				return fail(L, offset_pos(L->data, L->len, i),
					    "text after the document separator "
					    "'---'; start the document on the "
					    "next line");
		}
		n = fg_utf8_seq_len(u + i, L->len - i);
		if (!n)
			return fail(L, offset_pos(L->data, L->len, i),
				    "invalid UTF-8 byte 0x%02X", u[i]);
		if (u[i] == '\n')
			ls = i + 1;
	}
	return 0;
}

static int add_doc(struct loader *L, json_t *v, struct fg_pos pos, size_t first)
{
	struct fg_yaml_file *f = L->file;

	if (f->ndocs == f->capdocs) {
		size_t ncap = f->capdocs ? f->capdocs * 2 : 4;
		struct ydoc *d = realloc(f->docs, ncap * sizeof(*d));
		if (!d)
			return oom(L);
		f->docs = d;
		f->capdocs = ncap;
	}
	f->docs[f->ndocs].value = v;
	f->docs[f->ndocs].pos = pos;
	f->docs[f->ndocs].first = first;
	f->docs[f->ndocs].count = f->nents - first;
	f->ndocs++;
	return 0;
}

static int finish_doc(struct loader *L, struct fg_pos docpos)
{
	struct fg_buf path = FG_BUF_INIT;
	size_t first = L->file->nents;
	json_t *v = NULL;
	int err;

	if (!L->root)
		return 0;
	L->converted = 0;
	err = conv(L, L->root, &path, 0, L->root->pos, &v);
	fg_buf_release(&path);
	if (err < 0)
		return err;
	if (json_is_null(v)) {
		/* kubectl skips empty and `null` documents */
		L->file->nents = first;
		return 0;
	}
	if (L->file->ndocs >= L->lim.max_docs) {
		json_decref(v);
		return fail(L, docpos, "more than %zu documents in one file",
			    L->lim.max_docs);
	}
	if ((err = add_doc(L, v, docpos, first)) < 0)
		json_decref(v);
	return err;
}

static int run(struct loader *L)
{
	yaml_event_t ev;
	struct fg_pos docpos = { 1, 1 };
	int done = 0, after_end_marker = 0, err = 0;

	if (prescan(L) < 0)
		return L->err;
	if (!yaml_parser_initialize(&L->parser))
		return oom(L);
	yaml_parser_set_input_string(&L->parser, (const unsigned char *)L->data,
				     L->len);
	/* libyaml's reader skips a leading UTF-8 BOM only when it detects
	 * the encoding itself; any other start is UTF-8 (prescan checked) */
	if (!(L->len >= 3 && !memcmp(L->data, "\xEF\xBB\xBF", 3)))
		yaml_parser_set_encoding(&L->parser, YAML_UTF8_ENCODING);
	while (!done && !err) {
		if (!yaml_parser_parse(&L->parser, &ev)) {
			parser_error(L, after_end_marker);
			err = L->err;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			docpos = mark_pos(ev.start_mark);
			if (ev.data.document_start.version_directive ||
			    ev.data.document_start.tag_directives.start !=
				    ev.data.document_start.tag_directives.end)
				err = fail(L, docpos,
					   "YAML directives (%%YAML, %%TAG) "
					   "are not supported: kubectl "
					   "rejects them");
			break;
		case YAML_DOCUMENT_END_EVENT:
			after_end_marker = !ev.data.document_end.implicit;
			err = finish_doc(L, docpos);
			nodes_free(L);
			break;
		case YAML_SCALAR_EVENT:
			err = on_scalar(L, &ev);
			break;
		case YAML_ALIAS_EVENT:
			err = on_alias(L, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			err = on_start(L, &ev, Y_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			err = on_start(L, &ev, Y_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_end(L);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&L->parser);
	return err;
}

/*
 * Byte order marks, read as kubectl reads a file: its file reader
 * (cli-runtime FileVisitor, unicode.BOMOverride) decodes UTF-16 with
 * either BOM to UTF-8 and drops a UTF-8 BOM; the YAML reader (go-yaml's
 * encoding detection) then drops one more UTF-8 BOM at the very start.
 * Without a BOM the text is UTF-8. UTF-16 that does not decode (an odd
 * length, an unpaired surrogate) is refused where it breaks, as invalid
 * UTF-8 is: kubectl would silently put U+FFFD there.
 */
static int strip_bom(struct loader *L, struct fg_buf *utf8)
{
	const unsigned char *u = (const unsigned char *)L->data;
	size_t i, n = L->len;
	int be;

	if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) ||
		       (u[0] == 0xFE && u[1] == 0xFF))) {
		be = u[0] == 0xFE;
		/* each UTF-16 unit becomes at most 3 bytes of UTF-8 */
		fg_buf_init(utf8, n / 2 * 3 + 1);
		for (i = 2; i < n; i += 2) {
			unsigned cp, lo;
			char enc[4];
			size_t k = 0;

			if (i + 1 >= n)
				return fail(L,
					    offset_pos(utf8->ptr, utf8->len,
						       utf8->len),
					    "UTF-16 text ends in the middle of "
					    "a character (odd length)");
			cp = be ? (unsigned)u[i] << 8 | u[i + 1]
				: (unsigned)u[i + 1] << 8 | u[i];
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < n) {
				lo = be ? (unsigned)u[i + 2] << 8 | u[i + 3]
					: (unsigned)u[i + 3] << 8 | u[i + 2];
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					     (lo - 0xDC00);
					i += 2;
				}
			}
			if (cp >= 0xD800 && cp <= 0xDFFF)
				return fail(
					L,
					offset_pos(utf8->ptr, utf8->len,
						   utf8->len),
					"invalid UTF-16: unpaired surrogate "
					"0x%04X",
					cp);
			if (cp < 0x80) {
				enc[k++] = (char)cp;
			} else if (cp < 0x800) {
				enc[k++] = (char)(0xC0 | cp >> 6);
				enc[k++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				enc[k++] = (char)(0xE0 | cp >> 12);
				enc[k++] = (char)(0x80 | (cp >> 6 & 0x3F));
				enc[k++] = (char)(0x80 | (cp & 0x3F));
			} else {
				enc[k++] = (char)(0xF0 | cp >> 18);
				enc[k++] = (char)(0x80 | (cp >> 12 & 0x3F));
				enc[k++] = (char)(0x80 | (cp >> 6 & 0x3F));
				enc[k++] = (char)(0x80 | (cp & 0x3F));
			}
			if (fg_buf_add(utf8, enc, k) < 0)
				return oom(L);
		}
		L->data = utf8->ptr;
		L->len = utf8->len;
	} else if (n >= 3 && !memcmp(u, "\xEF\xBB\xBF", 3)) {
		L->data += 3;
		L->len -= 3;
	}
	/* the second one, go-yaml's, is skipped by prescan and libyaml */
	return 0;
}

void fg_yaml_file_free(struct fg_yaml_file *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->ndocs; i++)
		json_decref(f->docs[i].value);
	free(f->docs);
	free(f->ents);
	fg_buf_release(&f->ptrs);
	free(f->name);
	free(f);
}

int fg_yaml_load(struct fg_yaml_file **out, const char *name, const char *data,
		 size_t len, const struct fg_yaml_limits *limits,
		 struct fg_diags *diags)
{
	static const struct fg_yaml_limits defaults = FG_YAML_LIMITS_DEFAULT;
	struct fg_buf utf8 = FG_BUF_INIT;
	struct loader L;
	int err;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	L.name = name;
	L.data = data;
	L.len = len;
	L.lim = limits ? *limits : defaults;
	if (!(L.file = calloc(1, sizeof(*L.file))) ||
	    !(L.file->name = strdup(name)) || !(L.anchors = json_object())) {
		fg_yaml_file_free(L.file);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	fg_buf_init(&L.file->ptrs, SIZE_MAX / 2);

	if (len > L.lim.max_bytes) {
		struct fg_pos none = { 0, 0 };
		fail(&L, none, "file is %zu bytes, above the limit of %zu", len,
		     L.lim.max_bytes);
		err = L.err;
	} else if ((err = strip_bom(&L, &utf8)) == 0) {
		err = run(&L);
	}
	fg_buf_release(&utf8);
	nodes_free(&L);
	free(L.all);
	free(L.stack);
	json_decref(L.anchors);

	if (err < 0) {
		fg_yaml_file_free(L.file);
		if (diags)
			fg_diags_add(diags, FG_SEV_ERROR, name, L.errpos, "%s",
				     L.errmsg);
		if (L.errpos.line)
			return fg_error_set(err, "%s:%u:%u: %s", name,
					    L.errpos.line, L.errpos.col,
					    L.errmsg);
		return fg_error_set(err, "%s: %s", name, L.errmsg);
	}
	*out = L.file;
	return 0;
}

int fg_yaml_load_path(struct fg_yaml_file **out, const char *path,
		      const struct fg_yaml_limits *limits,
		      struct fg_diags *diags)
{
	static const struct fg_yaml_limits defaults = FG_YAML_LIMITS_DEFAULT;
	struct fg_buf b = FG_BUF_INIT;
	int err;

	*out = NULL;
	fg_buf_init(&b, (limits ? limits : &defaults)->max_bytes);
	if ((err = fg_buf_read_file(&b, path)) < 0) {
		if (diags) {
			struct fg_pos none = { 0, 0 };
			fg_diags_add(diags, FG_SEV_ERROR, path, none, "%s",
				     fg_error_last());
		}
		fg_buf_release(&b);
		return err;
	}
	err = fg_yaml_load(out, path, b.ptr, b.len, limits, diags);
	fg_buf_release(&b);
	return err;
}

const char *fg_yaml_name(const struct fg_yaml_file *f)
{
	return f->name;
}

size_t fg_yaml_count(const struct fg_yaml_file *f)
{
	return f->ndocs;
}

json_t *fg_yaml_doc(const struct fg_yaml_file *f, size_t i)
{
	return i < f->ndocs ? f->docs[i].value : NULL;
}

json_t *fg_yaml_doc_take(struct fg_yaml_file *f, size_t i)
{
	json_t *v;

	if (i >= f->ndocs)
		return NULL;
	v = f->docs[i].value;
	f->docs[i].value = json_null();
	return v;
}

struct fg_pos fg_yaml_doc_pos(const struct fg_yaml_file *f, size_t i)
{
	struct fg_pos none = { 0, 0 };

	return i < f->ndocs ? f->docs[i].pos : none;
}
