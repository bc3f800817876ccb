#!/usr/bin/env bash
# `flink-gitops sync` decides with the state-safety policy (the same rules
# as plan), against the real API server of the `k8s` fixture. No operator
# runs: the test plays its part, writing status through the status
# subresource and removing finalizers.
#   test-sync-policy.sh ENV_FILE FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${2:?usage: $0 ENV_FILE FLINK_GITOPS}
work=$(mktemp -d "$k8s_dir/test-sync-policy.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
seq=0
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"

# ---- a stateless upgrade of a stateful job is blocked, the rest applied --
new_ns
cm keep 1
fd app job
stateful app
sed -i 's/upgradeMode: stateless/upgradeMode: savepoint/' "$repo/$ns/app.yaml"
sync
expect_rc 0 "create"
sed -i 's/upgradeMode: savepoint/upgradeMode: stateless/; s/parallelism: 2/parallelism: 4/' "$repo/$ns/app.yaml"
cm keep 2
sync
expect_rc 3 "stateless upgrade"
grep -q "FlinkDeployment/app: update blocked: stateless upgrade would drop state" "$work/out" ||
	fail "not reported: $(cat "$work/out")"
[[ $(kc get -n "$ns" flinkdeployment app -o jsonpath='{.spec.job.upgradeMode}') == savepoint ]] ||
	fail "the blocked update was applied"
[[ $(kc get -n "$ns" configmap keep -o jsonpath='{.data.value}') == 2 ]] || fail "the rest was not applied"
annotate app allow-stateless-upgrade
sync
expect_rc 0 "allowed stateless upgrade"
[[ $(kc get -n "$ns" flinkdeployment app -o jsonpath='{.spec.job.upgradeMode}') == stateless ]] ||
	fail "the allowed update was not applied"
echo "ok: a stateless upgrade is blocked, the annotation lets it through"

# ---- an object flink-gitops does not manage yet: a conflict with its
# ---- owner is reported, and forced only by policy
kc create -n "$ns" configmap c --from-literal=value=x >/dev/null
cm c 2
run plan
expect_rc 3 "plan of a conflict"
grep -q "blocked  ConfigMap/c: BLOCKED: other field managers own data.value (kubectl-create)" "$work/out" ||
	fail "plan does not show the conflict: $(cat "$work/out")"
sync
expect_rc 3 "conflict"
grep -q "ConfigMap/c: update blocked: other field managers own data.value (kubectl-create) (to allow: policy force: true" "$work/out" ||
	fail "conflict not reported: $(cat "$work/out")"
[[ $(kc get -n "$ns" configmap c -o jsonpath='{.data.value}') == x ]] || fail "forced without policy"
annotate c force
sync
expect_rc 0 "forced"
[[ $(kc get -n "$ns" configmap c -o jsonpath='{.data.value}') == 2 ]] || fail "not forced with policy"
echo "ok: taking over another manager's object: a conflict named by field and manager; policy force takes it"

# ---- a field of ours someone changed is drift: sync takes it back --------
cm d 1
sync
expect_rc 0 "create d"
kc patch -n "$ns" configmap d --field-manager=kubectl-edit --type merge -p '{"data":{"value":"x"}}' >/dev/null
run plan
expect_rc 2 "plan of drift"
grep -q 'data.value: "x" -> "1" (drift: set by kubectl-edit)' "$work/out" || fail "plan: $(cat "$work/out")"
sync
expect_rc 0 "heal"
[[ $(kc get -n "$ns" configmap d -o jsonpath='{.data.value}') == 1 ]] || fail "drift not taken back"
grep -q "ConfigMap/d: update: .*drift taken back: data.value (kubectl-edit)" "$work/out" || fail "sync: $(cat "$work/out")"
echo "ok: a field of ours changed by kubectl is taken back by sync, as plan said"

# ---- session jobs are gone (finalizers done) before their cluster goes --
new_ns
cm keep 1
fd sess
sj job1 sess
annotate job1 delete=allow
sync
expect_rc 0 "create session"
kc patch -n "$ns" flinksessionjob job1 --type merge \
	-p '{"metadata":{"finalizers":["flinksessionjobs.flink.apache.org/finalizer"]}}' >/dev/null
rm "$repo/$ns/sess.yaml" "$repo/$ns/job1.yaml"
sync --wait-timeout 2
expect_rc 1 "session job finalizer pending"
grep -q "FlinkDeployment/sess: delete waiting: timed out after 2s waiting for its session jobs to be gone (job1)" "$work/out" ||
	fail "timeout not reported: $(cat "$work/out")"
exists flinkdeployment sess || fail "the session cluster went before its job"
[[ -n $(kc get -n "$ns" flinksessionjob job1 -o jsonpath='{.metadata.deletionTimestamp}') ]] ||
	fail "job1 not being deleted"
# the next pass waits for the terminating job; the operator's part: finalizer
sync --wait-timeout 60 &
pid=$!
sleep 2
exists flinkdeployment sess || fail "the session cluster went while its job was terminating"
kc patch -n "$ns" flinksessionjob job1 --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null
wait "$pid" || fail "second pass failed: $(cat "$work/out")"
exists flinkdeployment sess && fail "the session cluster was not deleted"
echo "ok: the session cluster is deleted only after its job is gone"

# ---- suspend-first: suspend, wait for the savepoint, delete; across passes --
new_ns
cm keep 1
fd app job
stateful app
annotate app delete=suspend-first
sync
expect_rc 0 "create app"
status flinkdeployment app '{"lifecycleState":"STABLE","jobStatus":{"state":"RUNNING"}}'
rm "$repo/$ns/app.yaml"
sync --wait-timeout 2
expect_rc 1 "suspend pending"
grep -q "FlinkDeployment/app: delete waiting: suspend-first: timed out after 2s waiting for lifecycleState SUSPENDED and a recorded savepoint (now: lifecycleState STABLE, no savepoint)" "$work/out" ||
	fail "not reported: $(cat "$work/out")"
[[ $(kc get -n "$ns" flinkdeployment app -o jsonpath='{.spec.job.state}/{.spec.job.upgradeMode}') == suspended/savepoint ]] ||
	fail "not suspended: $(kc get -n "$ns" flinkdeployment app -o jsonpath='{.spec.job}')"
# stopped, but no savepoint recorded yet: the next pass keeps waiting
status flinkdeployment app '{"lifecycleState":"SUSPENDED","jobStatus":{"state":"FINISHED"}}'
sync --wait-timeout 2
expect_rc 1 "no savepoint yet"
exists flinkdeployment app || fail "deleted before the savepoint was recorded"
grep -q "now: lifecycleState SUSPENDED, no savepoint" "$work/out" || fail "not reported: $(cat "$work/out")"
# an older savepoint, recorded before the operator reconciled the
# suspension, is not the one: still waiting
status flinkdeployment app '{"jobStatus":{"upgradeSavepointPath":"s3://sp/savepoint-0"}}'
sync --wait-timeout 2
expect_rc 1 "savepoint of another suspension"
exists flinkdeployment app || fail "deleted on a savepoint the suspension did not take"
grep -q "a savepoint recorded, but not of a suspension with upgradeMode savepoint the operator reconciled" "$work/out" ||
	fail "not reported: $(cat "$work/out")"
sync --wait-timeout 60 &
pid=$!
sleep 2
exists flinkdeployment app || fail "deleted before the savepoint was recorded"
# the operator's part: stop-with-savepoint done, the suspended spec recorded
reconciled flinkdeployment app SUSPENDED FINISHED s3://sp/savepoint-1
wait "$pid" || fail "suspend-first pass failed: $(cat "$work/out")"
exists flinkdeployment app && fail "app not deleted after its savepoint"
grep -qF "FlinkDeployment/app: delete: suspends with a savepoint, then deletes (suspended with savepoint s3://sp/savepoint-1, then deleted)" "$work/out" || fail "not reported: $(cat "$work/out")"
echo "ok: suspend-first suspends, waits for SUSPENDED and its savepoint, then deletes"

# ---- namespaces in parallel, printed in namespace order -----------------
new_ns
first=$ns
cm a 1
ns2=fg-sync-$$-p2
kc create namespace "$ns2" >/dev/null
mkdir -p "$repo/$ns2"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n' >"$repo/$ns2/b.yaml"
# A whole-repository sync (no -n) on a cluster other tests share: with a
# repository name of its own, its scope is its folders and its own
# inventories, never another repository's namespaces.
set +e
"$fg" --log-level warn sync "$repo" --kubeconfig "$FG_K8S_KUBECONFIG" --parallel 2 \
	--repository "parallel-$$" >"$work/out" 2>"$work/err"
rc=$?
set -e
[[ $rc == 0 ]] || fail "parallel: exit $rc: $(cat "$work/out" "$work/err")"
grep -qE "^[0-9]+ namespaces synced, 0 blocked, 0 failed" "$work/out" ||
	fail "another repository's namespace was in scope: $(cat "$work/out")"
kc get -n "$ns2" configmap b >/dev/null || fail "$ns2 not synced"
kc get -n "$first" configmap a >/dev/null || fail "$first not synced"
[[ $(grep -E "^($first|$ns2) " "$work/out" | cut -d' ' -f1 | tr '\n' ' ') == "$first $ns2 " ]] ||
	fail "not in namespace order: $(cat "$work/out")"
echo "ok: --parallel 2 syncs both namespaces, output in namespace order"
