#!/usr/bin/env bash
# `flink-gitops sync` against the real API server of the `k8s` fixture,
# with kubectl as the second client and the API server's audit log as the
# witness of every request. No operator runs: Flink objects just sit there.
#   test-sync.sh ENV_FILE FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${2:?usage: $0 ENV_FILE FLINK_GITOPS}
work=$(mktemp -d "$k8s_dir/test-sync.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
seq=0
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"

# ---- a pass over an empty namespace creates everything, in order -------
new_ns
cm a-settings 1
fd b-session
fd a-app job
sj a-job b-session
sync
expect_rc 0 "first pass"
order=$(written | tr '\n' ' ')
# the inventory first records what is about to be created, then its uids
[[ $order == "configmaps/flink-gitops-inventory configmaps/a-settings flinkdeployments/b-session flinkdeployments/a-app flinksessionjobs/a-job configmaps/flink-gitops-inventory " ]] ||
	fail "apply order: $order"
kc get -n "$ns" configmap flink-gitops-inventory -o jsonpath='{.data.members}' | grep -q '"name":"a-app"' ||
	fail "the inventory does not record a-app"
echo "ok: first pass creates in order: $order"

# ---- a second pass makes zero write requests ----------------------------
before=$(writes)
sync
expect_rc 0 "second pass"
after=$(writes)
[[ $before == "$after" ]] || fail "no-op pass wrote: $before -> $after"
grep -q "0 write requests" "$work/out" || fail "summary: $(cat "$work/out")"
echo "ok: second pass makes no write request ($after before and after)"

# ---- changing one object updates only that object -----------------------
cm a-settings 2
before=$(writes)
sync
expect_rc 0 "changed pass"
[[ $(written | tail -n +$((before + 1)) | tr '\n' ' ') == "configmaps/a-settings " ]] ||
	fail "changed pass wrote: $(written | tail -n +$((before + 1)))"
[[ $(kc get -n "$ns" configmap a-settings -o jsonpath='{.data.value}') == 2 ]] ||
	fail "a-settings not updated"
echo "ok: one change, one write"

# ---- removing a ConfigMap prunes it; our label alone does not -----------
kc create -n "$ns" configmap stranger --from-literal=x=1 >/dev/null
kc label -n "$ns" configmap stranger app.kubernetes.io/managed-by=flink-gitops >/dev/null
rm "$repo/$ns/a-settings.yaml"
sync
expect_rc 0 "prune pass"
exists configmap a-settings && fail "a-settings not pruned"
exists configmap stranger || fail "stranger (labelled, not in the inventory) was deleted"
grep -q "ConfigMap/a-settings: delete: deletes it" "$work/out" || fail "prune not reported: $(cat "$work/out")"
echo "ok: prune deletes the inventory's ConfigMap, spares a labelled stranger"

# ---- removing a FlinkDeployment is blocked without --allow-delete -------
rm "$repo/$ns/a-app.yaml"
sync
expect_rc 3 "blocked delete"
exists flinkdeployment a-app || fail "a-app deleted without --allow-delete"
grep -q "FlinkDeployment/a-app: delete blocked: deleting a running job drops its checkpoint history (to allow: policy delete" "$work/out" ||
	fail "blocked delete not reported: $(cat "$work/out")"
sync --allow-delete
expect_rc 0 "allowed delete"
exists flinkdeployment a-app && fail "a-app not deleted with --allow-delete"
exists flinkdeployment b-session || fail "b-session deleted"
echo "ok: FlinkDeployment deletion blocked, then allowed"

# ---- a broken file means nothing in that namespace is touched -----------
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [broken\n' >"$repo/$ns/broken.yaml"
cm z-new 1
rm "$repo/$ns/a-job.yaml"
before=$(writes)
sync --allow-delete
expect_rc 1 "broken namespace"
[[ $(writes) == "$before" ]] || fail "a broken namespace was written to"
exists configmap z-new && fail "z-new created in a broken namespace"
exists flinksessionjob a-job || fail "a-job pruned in a broken namespace"
grep -q "$ns: not synced: render errors" "$work/out" || fail "not reported: $(cat "$work/out")"
echo "ok: a broken file keeps its namespace untouched"

# ---- a folder that disappeared is not pruned without the allow ----------
rm -rf "${repo:?}/$ns"
mkdir -p "$repo/other-$$"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' >"$repo/other-$$/x.yaml"
sync
expect_rc 3 "gone folder"
exists flinkdeployment b-session || fail "gone folder pruned"
grep -q "$ns: blocked: the namespace renders to nothing" "$work/out" || fail "not reported: $(cat "$work/out")"
# the session job runs (a session job that never ran would just go)
running flinksessionjob a-job
sync --allow-prune-namespace "$ns"
expect_rc 3 "allowed gone folder, Flink deletes still blocked"
exists flinkdeployment b-session || fail "b-session deleted without --allow-delete"
sync --allow-prune-namespace "$ns" --allow-delete
expect_rc 0 "allowed gone folder"
exists flinkdeployment b-session && fail "b-session not pruned"
exists flinksessionjob a-job && fail "a-job not pruned"
exists configmap stranger || fail "stranger deleted"
echo "ok: a gone folder is pruned only with --allow-prune-namespace"

# ---- --dry-run writes nothing --------------------------------------------
new_ns
cm dry 1
fd dry-session
sync --dry-run
expect_rc 0 "dry run"
exists configmap dry && fail "dry run created a ConfigMap"
exists flinkdeployment dry-session && fail "dry run created a FlinkDeployment"
exists configmap flink-gitops-inventory && fail "dry run wrote the inventory"
grep -q "ConfigMap/dry: create: creates it (no Flink impact) (dry run)" "$work/out" || fail "dry run output: $(cat "$work/out")"
echo "ok: --dry-run leaves the namespace as it was"

# ---- a render error outside any namespace: the rest is synced, but the
# ---- run is an error (exit 1) and the error is in -o json ----------------
new_ns
cm top 1
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stray}\n' >"$repo/stray.yaml"
sync -o json
expect_rc 1 "stray top-level manifest"
exists configmap top || fail "the valid namespace was not synced"
jq -e '.errors[] | select(.file == "stray.yaml") | .message | test("namespace folder")' "$work/out" >/dev/null ||
	fail "-o json lacks the render error: $(cat "$work/out")"
jq -e '.summary.exitCode == 1 and .summary.renderErrors == 1' "$work/out" >/dev/null ||
	fail "-o json summary: $(jq .summary "$work/out")"
sync
expect_rc 1 "stray top-level manifest (text)"
grep -q "stray.yaml" "$work/err" || fail "the render error is not shown: $(cat "$work/err")"
grep -q "1 render error (see above)" "$work/out" || fail "summary: $(cat "$work/out")"
echo "ok: a stray top-level manifest: the rest synced, exit 1, the error reported"
