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
	assert_int_equal(fg_inventory_id(id, "team-a", FG_INVENTORY_NAME), 0);
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
						   FG_INVENTORY_NAME, NULL,
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inventory__applyset_id_follows_kep_3659),
		cmocka_unit_test(test_inventory__configmap_round_trips_sorted),
		cmocka_unit_test(test_inventory__rejects_what_it_did_not_write),

	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
