/*
 * The inventory (ApplySet parent) and the apply pass without a server.
 *
 * The apply tests use a hand-written in-memory port: a map of objects
 * with uids, that records every write. It stands in for the API server
 * only to check decisions (order, no-op, what prune may touch); the same
 * behaviours are checked against the real API server by
 * tests/integration/test-sync.sh.
 */
#include "helpers.h"

#include <stdio.h>

#include "render/render.h"
#include "sync/apply.h"
#include "sync/inventory.h"
#include "render/base/banned.h"

/* Known vectors, computed independently with Python:
 *   base64.urlsafe_b64encode(hashlib.sha256(s).digest()).rstrip("=") */
static void test_inventory__applyset_id_follows_kep_3659(void **state)
{
	char id[FG_APPLYSET_ID_SIZE];

	(void)state;
	/* kubectl's own test vector (test-foo.test-ns.Foo.foo.bar) */
	assert_int_equal(
		fg_applyset_id(id, "test-foo", "test-ns", "Foo", "foo.bar"), 0);
	assert_string_equal(
		id, "applyset-f9Rk5tKHoB72oV1tU2iFKxDwL8MBZTjMHFQ8V9WNNlA-v1");
	/* the core group is "": "flink-gitops-inventory.team-a.ConfigMap." */
	assert_int_equal(fg_inventory_id(id, "team-a"), 0);
	assert_string_equal(
		id, "applyset-_UfW5axh0VaCrLEfjJnjn1c3RAV9rbIRzoytlSyoZok-v1");
}

static void test_inventory__configmap_round_trips_sorted(void **state)
{
	struct fg_inventory inv = FG_INVENTORY_INIT, back = FG_INVENTORY_INIT;
	const char *members, *gks;
	json_t *cm = NULL;

	(void)state;
	assert_int_equal(fg_inventory_add(&inv, "flink.apache.org",
					  "FlinkDeployment", "b", "u2"),
			 0);
	assert_int_equal(fg_inventory_add(&inv, "", "ConfigMap", "a", "u1"), 0);
	assert_int_equal(fg_inventory_add(&inv, "flink.apache.org",
					  "FlinkDeployment", "a", "u3"),
			 0);
	/* the same object again replaces it */
	assert_int_equal(fg_inventory_add(&inv, "", "ConfigMap", "a", "u4"), 0);
	assert_int_equal(inv.n, 3);
	assert_int_equal(fg_inventory_to_configmap(&cm, &inv, "team-a",
						   "flink-gitops/v0"),
			 0);
	members = json_string_value(
		json_object_get(json_object_get(cm, "data"), FG_INVENTORY_KEY));
	assert_string_equal(
		members,
		"[{\"group\":\"\",\"kind\":\"ConfigMap\",\"name\":\"a\","
		"\"uid\":\"u4\"},{\"group\":\"flink.apache.org\",\"kind\":"
		"\"FlinkDeployment\",\"name\":\"a\",\"uid\":\"u3\"},{\"group\":"
		"\"flink.apache.org\",\"kind\":\"FlinkDeployment\",\"name\":"
		"\"b\",\"uid\":\"u2\"}]");
	gks = json_string_value(json_object_get(
		json_object_get(json_object_get(cm, "metadata"), "annotations"),
		FG_APPLYSET_ANN_GROUP_KINDS));
	assert_string_equal(gks, "ConfigMap,FlinkDeployment.flink.apache.org");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(cm, "metadata"),
					"labels"),
			FG_APPLYSET_LABEL_ID)),
		"applyset-_UfW5axh0VaCrLEfjJnjn1c3RAV9rbIRzoytlSyoZok-v1");
	assert_int_equal(fg_inventory_parse(&back, cm), 0);
	assert_int_equal(back.n, 3);
	assert_string_equal(fg_inventory_find(&back, "flink.apache.org",
					      "FlinkDeployment", "b")
				    ->uid,
			    "u2");
	assert_null(fg_inventory_find(&back, "", "ConfigMap", "b"));
	assert_true(fg_inventory_same(cm, cm));
	fg_inventory_release(&inv);
	fg_inventory_release(&back);
	json_decref(cm);
}

static void test_inventory__rejects_what_it_did_not_write(void **state)
{
	static const char *const bad[] = {
		"not json",
		"{\"a\":1}",
		"[{\"group\":\"\",\"kind\":\"ConfigMap\"}]",
		"[{\"group\":\"\",\"kind\":\"\",\"name\":\"x\",\"uid\":\"\"}]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct fg_inventory inv = FG_INVENTORY_INIT;
		json_t *cm = json_pack("{s:{s:s}}", "data", FG_INVENTORY_KEY,
				       bad[i]);

		assert_int_equal(fg_inventory_parse(&inv, cm), FG_EINVALID);
		assert_non_null(strstr(fg_error_last(), "inventory"));
		fg_inventory_release(&inv);
		json_decref(cm);
	}
}

/* ---- a recording in-memory port ---------------------------------------- */

struct fake {
	json_t *objs; /* "Kind/name" -> object */
	int uid_seq;
	char log[4096]; /* "apply Kind/name;delete Kind/name;" */
	int conflict;	/* apply without force: 409 as another manager's */
};

static int fake_list(void *ctx, const struct fg_obj_ref *ref,
		     const char *label_selector, json_t **out)
{
	struct fake *f = ctx;
	const char *key;
	json_t *o;

	(void)label_selector;
	*out = json_array();
	json_object_foreach (f->objs, key, o)
		if (!strcmp(json_string_value(json_object_get(o, "kind")),
			    ref->kind))
			json_array_append(*out, o);
	return 0;
}

static int fake_apply(void *ctx, const json_t *obj,
		      const struct fg_port_apply_opts *opts, json_t **out)
{
	struct fake *f = ctx;
	char key[256], uid[32];
	json_t *copy = json_deep_copy(obj), *old;
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *name = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "name"));

	snprintf(key, sizeof(key), "%s/%s", kind, name);
	snprintf(f->log + strlen(f->log), sizeof(f->log) - strlen(f->log),
		 "apply %s%s;", key,
		 opts->force && f->conflict ? " (force)" : "");
	if (f->conflict && !opts->force) {
		json_decref(copy);
		return fg_error_set(FG_ECONFLICT,
				    "apply %s: conflict with other field "
				    "managers: .data.a (kubectl-edit)",
				    key);
	}
	old = json_object_get(f->objs, key);
	if (old)
		json_object_set(
			json_object_get(copy, "metadata"), "uid",
			json_object_get(json_object_get(old, "metadata"),
					"uid"));
	else {
		snprintf(uid, sizeof(uid), "uid-%d", ++f->uid_seq);
		json_object_set_new(json_object_get(copy, "metadata"), "uid",
				    json_string(uid));
	}
	if (out)
		*out = json_incref(copy);
	if (!opts->dry_run)
		json_object_set(f->objs, key, copy);
	json_decref(copy);
	return 0;
}

static int fake_del(void *ctx, const struct fg_obj_ref *ref, const char *uid,
		    int dry_run)
{
	struct fake *f = ctx;
	char key[256];
	json_t *o;

	snprintf(key, sizeof(key), "%s/%s", ref->kind, ref->name);
	snprintf(f->log + strlen(f->log), sizeof(f->log) - strlen(f->log),
		 "delete %s;", key);
	if (!(o = json_object_get(f->objs, key)))
		return fg_error_set(FG_ENOTFOUND, "not found");
	if (uid && strcmp(uid, json_string_value(json_object_get(
				       json_object_get(o, "metadata"), "uid"))))
		return fg_error_set(FG_ECONFLICT, "uid precondition");
	if (!dry_run)
		json_object_del(f->objs, key);
	return 0;
}

static int fake_get(void *ctx, const struct fg_obj_ref *ref, json_t **out)
{
	struct fake *f = ctx;
	char key[256];
	json_t *o;

	snprintf(key, sizeof(key), "%s/%s", ref->kind, ref->name);
	snprintf(f->log + strlen(f->log), sizeof(f->log) - strlen(f->log),
		 "get %s;", key);
	if (!(o = json_object_get(f->objs, key)))
		return fg_error_set(FG_ENOTFOUND, "not found");
	*out = json_incref(o);
	return 0;
}

static struct fg_object desired(const char *text)
{
	struct fg_object o;
	json_t *ann;

	memset(&o, 0, sizeof(o));
	o.obj = json_loads(text, 0, NULL);
	assert_non_null(o.obj);
	assert_int_equal(fg_object_hash(o.obj, o.hash), 0);
	ann = json_pack("{s:s}", FG_ANNOTATION_HASH, o.hash);
	json_object_set_new(json_object_get(o.obj, "metadata"), "annotations",
			    ann);
	json_object_set_new(
		json_object_get(o.obj, "metadata"), "labels",
		json_pack("{s:s}", FG_LABEL_MANAGED_BY, FG_MANAGER));
	o.kind = json_string_value(json_object_get(o.obj, "kind"));
	o.name = json_string_value(
		json_object_get(json_object_get(o.obj, "metadata"), "name"));
	return o;
}

#define CM(n)                                                          \
	"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{" \
	"\"name\":\"" n "\"}}"
#define FD(n, job)                                                             \
	"{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":"               \
	"\"FlinkDeployment\",\"metadata\":{\"name\":\"" n "\"},\"spec\":{" job \
	"}}"
#define SJ(n)                                                              \
	"{\"apiVersion\":\"flink.apache.org/v1beta1\",\"kind\":"           \
	"\"FlinkSessionJob\",\"metadata\":{\"name\":\"" n "\"},\"spec\":{" \
	"\"deploymentName\":\"s\"}}"

static void test_apply__orders_creates_and_then_does_nothing(void **state)
{
	struct fake f = { json_object(), 0, "", 0 };
	struct fg_cluster_port port = { &f, fake_list, fake_apply, fake_del,
					fake_get };
	struct fg_apply_opts opts = { .tooling = "flink-gitops/test" };
	struct fg_apply_report rep = FG_APPLY_REPORT_INIT;
	struct fg_object objs[4];
	json_t *prune = json_pack("{s:b}", "prune", 1);
	size_t i;

	(void)state;
	objs[0] = desired(SJ("j"));
	objs[1] = desired(FD("app", "\"job\":{}"));
	objs[2] = desired(FD("s", ""));
	objs[3] = desired(CM("c"));
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", objs, 4, &opts), 0);
	assert_string_equal(f.log,
			    "apply ConfigMap/c;apply FlinkDeployment/s;"
			    "apply FlinkDeployment/app;apply FlinkSessionJob/j;"
			    "apply ConfigMap/flink-gitops-inventory;");
	assert_int_equal(rep.writes, 5);
	fg_apply_report_release(&rep);

	/* a second pass over the same objects writes nothing */
	f.log[0] = '\0';
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", objs, 4, &opts), 0);
	assert_string_equal(f.log, "");
	assert_int_equal(rep.writes, 0);
	for (i = 0; i < rep.n; i++)
		assert_int_equal(rep.v[i].action, FG_ACT_NOOP);
	fg_apply_report_release(&rep);

	/* a namespace that renders to nothing is not pruned by default */
	f.log[0] = '\0';
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", NULL, 0, &opts), 0);
	assert_string_equal(f.log, "");
	assert_int_equal(rep.ns_verdict.rule, FG_RULE_EMPTY_NAMESPACE);
	assert_int_equal(rep.blocked, 1);
	fg_apply_report_release(&rep);

	/* with prune allowed: reverse order, the running job blocked, and
	   the session cluster only once its job answers 404 */
	f.log[0] = '\0';
	opts.policy = prune;
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", NULL, 0, &opts), 0);
	assert_string_equal(f.log,
			    "delete FlinkSessionJob/j;"
			    "get FlinkSessionJob/j;"
			    "delete FlinkDeployment/s;delete ConfigMap/c;"
			    "apply ConfigMap/flink-gitops-inventory;");
	assert_int_equal(rep.blocked, 1);
	fg_apply_report_release(&rep);
	f.log[0] = '\0';
	opts.allow_delete = 1;
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", NULL, 0, &opts), 0);
	assert_string_equal(f.log, "delete FlinkDeployment/app;"
				   "apply ConfigMap/flink-gitops-inventory;");
	assert_int_equal(rep.blocked, 0);
	fg_apply_report_release(&rep);
	json_decref(prune);
	for (i = 0; i < 4; i++)
		json_decref(objs[i].obj);
	json_decref(f.objs);
}

static void test_apply__prune_spares_objects_not_in_the_inventory(void **state)
{
	struct fake f = { json_object(), 0, "", 0 };
	struct fg_cluster_port port = { &f, fake_list, fake_apply, fake_del,
					fake_get };
	struct fg_apply_opts opts = { .tooling = "flink-gitops/test" };
	struct fg_apply_report rep = FG_APPLY_REPORT_INIT;
	struct fg_object o = desired(CM("mine"));
	struct fg_object other = desired(CM("labelled"));

	(void)state;
	opts.allow_prune = 1;
	/* someone else's object that carries our managed-by label */
	json_object_set(f.objs, "ConfigMap/labelled", other.obj);
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", &o, 1, &opts), 0);
	fg_apply_report_release(&rep);
	f.log[0] = '\0';
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", NULL, 0, &opts), 0);
	assert_string_equal(f.log, "delete ConfigMap/mine;"
				   "apply ConfigMap/flink-gitops-inventory;");
	assert_non_null(json_object_get(f.objs, "ConfigMap/labelled"));
	fg_apply_report_release(&rep);
	json_decref(o.obj);
	json_decref(other.obj);
	json_decref(f.objs);
}

static void
test_apply__blocks_a_stateless_upgrade_of_a_stateful_job(void **state)
{
	struct fake f = { json_object(), 0, "", 0 };
	struct fg_cluster_port port = { &f, fake_list, fake_apply, fake_del,
					fake_get };
	struct fg_apply_opts opts = { .tooling = "flink-gitops/test" };
	struct fg_apply_report rep = FG_APPLY_REPORT_INIT;
	struct fg_object was = desired(FD(
		"app", "\"job\":{\"jarURI\":\"local:///a.jar\",\"upgradeMode\":"
		       "\"savepoint\"}"));
	struct fg_object now = desired(FD(
		"app", "\"job\":{\"jarURI\":\"local:///b.jar\",\"upgradeMode\":"
		       "\"stateless\"}"));
	struct fg_object ok = desired(FD(
		"app", "\"job\":{\"jarURI\":\"local:///b.jar\",\"upgradeMode\":"
		       "\"savepoint\"}"));

	(void)state;
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", &was, 1, &opts), 0);
	fg_apply_report_release(&rep);
	f.log[0] = '\0';
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", &now, 1, &opts), 0);
	assert_string_equal(f.log, "");
	assert_int_equal(rep.blocked, 1);
	assert_int_equal(rep.v[0].outcome, FG_OUT_BLOCKED);
	assert_non_null(
		strstr(rep.v[0].message, "stateless upgrade would drop state"));
	fg_apply_report_release(&rep);
	/* a stateful upgrade proceeds */
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", &ok, 1, &opts), 0);
	assert_string_equal(f.log, "apply FlinkDeployment/app;");
	assert_int_equal(rep.blocked, 0);
	fg_apply_report_release(&rep);
	json_decref(was.obj);
	json_decref(now.obj);
	json_decref(ok.obj);
	json_decref(f.objs);
}

static void test_apply__forces_a_conflict_only_by_policy(void **state)
{
	struct fake f = { json_object(), 0, "", 1 };
	struct fg_cluster_port port = { &f, fake_list, fake_apply, fake_del,
					fake_get };
	struct fg_apply_opts opts = { .tooling = "flink-gitops/test" };
	struct fg_apply_report rep = FG_APPLY_REPORT_INIT;
	struct fg_object o = desired(CM("c"));
	json_t *force = json_pack("{s:b}", "force", 1);

	(void)state;
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", &o, 1, &opts), 0);
	assert_int_equal(rep.blocked, 1);
	assert_non_null(strstr(rep.v[0].message, ".data.a (kubectl-edit)"));
	assert_non_null(strstr(rep.v[0].message, "not forced"));
	fg_apply_report_release(&rep);
	f.log[0] = '\0';
	opts.policy = force;
	assert_int_equal(fg_apply_ns(&rep, &port, "ns", &o, 1, &opts), 0);
	assert_string_equal(f.log, "apply ConfigMap/c (force);"
				   "apply ConfigMap/flink-gitops-inventory "
				   "(force);");
	assert_int_equal(rep.blocked, 0);
	fg_apply_report_release(&rep);
	json_decref(force);
	json_decref(o.obj);
	json_decref(f.objs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inventory__applyset_id_follows_kep_3659),
		cmocka_unit_test(test_inventory__configmap_round_trips_sorted),
		cmocka_unit_test(test_inventory__rejects_what_it_did_not_write),
		cmocka_unit_test(
			test_apply__orders_creates_and_then_does_nothing),
		cmocka_unit_test(
			test_apply__prune_spares_objects_not_in_the_inventory),
		cmocka_unit_test(
			test_apply__blocks_a_stateless_upgrade_of_a_stateful_job),
		cmocka_unit_test(test_apply__forces_a_conflict_only_by_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
