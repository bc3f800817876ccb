#!/usr/bin/env bash
# What `plan` shows is exactly what `sync` does: on twenty-two repository and
# cluster states, against the real API server of the `k8s` fixture, plan
# (-o json) then sync with the same options, and the API server's audit
# log witnesses that sync wrote exactly the objects plan said it would,
# and nothing else; the exit codes agree. Then two repositories synced to
# one cluster never touch each other's objects.
#   test-plan-sync.sh ENV_FILE FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${2:?usage: $0 ENV_FILE FLINK_GITOPS}
work=$(mktemp -d "$k8s_dir/test-plan-sync.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"

states=0

# The writes plan -o json says sync will make in $ns, one per line
# ("apply configmaps/x", "delete flinkdeployments/y"), sorted.
planned() {
	jq -r --arg ns "$ns" '.namespaces[] | select(.name == $ns) |
		.objects[] | select(.blocked | not) |
		select(.action == "create" or .action == "update" or
			.action == "delete") |
		"\(if .action == "delete" then "delete" else "apply" end) \(.kind | ascii_downcase)s/\(.name)"' \
		"$work/plan.json" | sort
}

# The writes sync made in $ns, from the audit log: server-side applies
# (PATCH) and DELETEs that persist, the inventory and the suspend-first
# patch (bookkeeping of the pass, not objects of Git) aside.
done_writes() {
	audit_since | jq -r --arg ns "$ns" 'select(.objectRef.namespace == $ns) |
		select(.verb == "patch" or .verb == "delete" or
			.verb == "create" or .verb == "update") |
		select(.requestURI | test("dryRun=All") | not) |
		select(.requestURI | test("fieldManager=flink-gitops-suspend") | not) |
		select(.objectRef.name | startswith("flink-gitops-inventory") | not) |
		"\(if .verb == "delete" then "delete" else "apply" end) \(.objectRef.resource)/\(.objectRef.name)"' |
		sort
}

# agree STATE [OPTIONS...]: plan, then sync with the same options; sync
# writes what plan said, and the exit codes match (plan 2 = sync 0).
agree() {
	local what=$1 p s want got
	shift
	states=$((states + 1))
	plan -o json "$@"
	p=$rc
	cp "$work/out" "$work/plan.json"
	want=$(planned)
	audit_mark
	sync "$@"
	s=$rc
	got=$(done_writes)
	[[ $want == "$got" ]] ||
		fail "$what: plan said [$want] but sync wrote [$got]; sync: $(cat "$work/out")"
	case $p in
	0 | 2) [[ $s == 0 ]] || fail "$what: plan exit $p, sync exit $s: $(cat "$work/out")" ;;
	*) [[ $s == "$p" ]] || fail "$what: plan exit $p, sync exit $s: $(cat "$work/out")" ;;
	esac
	echo "ok: $what: plan and sync agree (exit $p/$s, ${want:-no writes})" | tr '\n' ';'
	echo
}

new_ns
stateful_app() { # NAME: a stateful application cluster
	fd "$1" job
	stateful "$1"
	sed -i 's/upgradeMode: stateless/upgradeMode: savepoint/' "$repo/$ns/$1.yaml"
}

# 1. an empty namespace: everything is created, in order
cm settings 1
fd session
sj etl session
stateful_app orders
service_web
agree "first sync"

# 2. nothing changed
agree "no change"

# 3. one ConfigMap changed
cm settings 2
agree "one change"

# 4. kubectl edit of a ConfigMap: drift, taken back
kc patch -n "$ns" configmap settings --field-manager=kubectl-edit --type merge \
	-p '{"data":{"value":"edited"}}' >/dev/null
agree "drift of a ConfigMap"
[[ $(kc get -n "$ns" configmap settings -o jsonpath='{.data.value}') == 2 ]] || fail "drift not healed"

# 5. kubectl edit of a running job's parallelism: drift, classified
running flinkdeployment orders
edit flinkdeployment orders 's/parallelism: 2/parallelism: 3/'
agree "drift of a FlinkDeployment"

# 6. a stateless upgrade of the running stateful job is blocked, the rest
#    goes ahead
running flinkdeployment orders
sed -i 's/upgradeMode: savepoint/upgradeMode: stateless/; s/parallelism: 2/parallelism: 4/' "$repo/$ns/orders.yaml"
cm settings 3
agree "blocked stateless upgrade"
[[ $(kc get -n "$ns" flinkdeployment orders -o jsonpath='{.spec.job.upgradeMode}') == savepoint ]] ||
	fail "blocked upgrade applied"

# 7. the annotation lets it through
annotate orders allow-stateless-upgrade
agree "allowed stateless upgrade"

# 8. a rename: a create and a delete
mv "$repo/$ns/settings.yaml" "$repo/$ns/settings2.yaml"
sed -i 's/name: settings/name: settings2/' "$repo/$ns/settings2.yaml"
agree "rename"
exists configmap settings && fail "renamed object kept"

# 9. removing a running job: blocked
running flinkdeployment orders
mv "$repo/$ns/orders.yaml" "$work/orders.yaml"
agree "blocked delete"
exists flinkdeployment orders || fail "running job deleted"

# 10. ... unless allowed for the run
agree "allowed delete" --allow-delete
exists flinkdeployment orders && fail "allowed delete not done"

# 11. an HPA scales a standalone cluster: its replicas are not a change
cat >"$repo/$ns/scaled.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: scaled
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  mode: standalone
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {replicas: 2, resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
EOF
agree "standalone cluster"
kc apply -n "$ns" -f - >/dev/null <<EOF
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: scaled}
spec:
  scaleTargetRef: {apiVersion: flink.apache.org/v1beta1, kind: FlinkDeployment, name: scaled}
  minReplicas: 1
  maxReplicas: 10
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
EOF
kc scale -n "$ns" flinkdeployment scaled --replicas 5 >/dev/null
agree "HPA-owned replicas"
[[ $(kc get -n "$ns" flinkdeployment scaled -o jsonpath='{.spec.taskManager.replicas}') == 5 ]] ||
	fail "the HPA's replicas were taken back"

# 12. a nonce changed outside Git is not written back
sed -i 's/^  job:/  restartNonce: 1\n  job:/' "$repo/$ns/scaled.yaml"
agree "nonce in Git"
edit flinkdeployment scaled 's/restartNonce: 1/restartNonce: 2/'
agree "nonce changed outside Git"
[[ $(kc get -n "$ns" flinkdeployment scaled -o jsonpath='{.spec.restartNonce}') == 2 ]] ||
	fail "nonce written back"
sed -i 's/restartNonce: 1/restartNonce: 2/' "$repo/$ns/scaled.yaml"

# 13. self-heal of a field whose change would be blocked: someone changed
#     the image of a running job that checkpoints but upgrades stateless;
#     taking it back would restart it without state
cat >"$repo/$ns/ckpt.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: ckpt
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration: {execution.checkpointing.interval: 30s}
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
EOF
agree "checkpointing job"
running flinkdeployment ckpt
edit flinkdeployment ckpt 's/image: flink:1.20/image: flink:1.20.1/'
# the operator reconciles the edit: it runs 1.20.1 now
running flinkdeployment ckpt
agree "blocked heal"
[[ $(kc get -n "$ns" flinkdeployment ckpt -o jsonpath='{.spec.image}') == flink:1.20.1 ]] ||
	fail "blocked heal applied"
drift --self-heal
expect_rc 3 "drift --self-heal of a blocked change"
has "spec.image: Git \"flink:1.20\", cluster \"flink:1.20.1\"" "drift"
has "not healed: stateless upgrade would drop state" "self-heal policed"

# 14. an object another manager created: a conflict, not a takeover
kc create -n "$ns" configmap theirs --from-literal=value=x >/dev/null
cm theirs 1
agree "conflict on adoption"
[[ $(kc get -n "$ns" configmap theirs -o jsonpath='{.data.value}') == x ]] || fail "taken over"

# 15. ... forced by the object's policy
annotate theirs force
agree "forced adoption"

# 16. a session cluster still in use is not deleted
mv "$repo/$ns/session.yaml" "$work/session.yaml"
agree "session cluster in use" --allow-delete
exists flinkdeployment session || fail "session cluster deleted under its job"

# 17. the session job and its cluster go together, the job first
rm "$repo/$ns/etl.yaml"
agree "session cluster and job" --allow-delete
exists flinkdeployment session && fail "session cluster kept"

# 18. a broken repository config: nothing is touched anywhere, not even
#     with --allow-prune-namespace
printf 'apiVersion: flink-gitops.io/v1alpha1\nkind: RepoConfig\nallowKinds: [Service]\nnoSuchField: 1\n' \
	>"$repo/flink-gitops.yaml"
rm "$repo/$ns/settings2.yaml"
agree "broken repository config" --allow-prune-namespace "$ns" --allow-delete
exists configmap settings2 || fail "pruned under a broken repository config"
printf 'apiVersion: flink-gitops.io/v1alpha1\nkind: RepoConfig\nallowKinds: [Service]\n' \
	>"$repo/flink-gitops.yaml"

# 19. a folder that is gone: held without the allow ...
rm -rf "${repo:?}/$ns"
agree "folder gone"
exists configmap settings2 || fail "gone folder pruned"

# 20. ... pruned with it
agree "folder gone, allowed" --allow-prune-namespace "$ns" --allow-delete
exists configmap settings2 && fail "gone folder not pruned"

# 21. a namespace the cluster does not have: held, said once, not created
seq=$((seq + 1))
ns=fg-sync-$$-$seq
repo=$work/repo-$seq
mkdir -p "$repo/$ns"
cm settings 1
fd session
agree "namespace missing"
[[ $(grep -c "does not exist" "$work/out") == 1 ]] || fail "namespace missing said more than once: $(cat "$work/out")"
kc get namespace "$ns" >/dev/null 2>&1 && fail "namespace created without being asked"

# 22. ... created first when asked for one run
agree "namespace created" --create-namespace
kc get namespace "$ns" >/dev/null || fail "namespace not created"
exists configmap settings || fail "objects not created in the new namespace"

# 23. a session job whose session cluster is nowhere: held, with the reason
sj lonely nowhere
agree "session job without its cluster"
has "FlinkSessionJob/lonely: create blocked: its session cluster FlinkDeployment $ns/nowhere is neither in the repository nor in the cluster" "blocked session job"
exists flinksessionjob lonely && fail "session job created without its cluster"
rm "$repo/$ns/lonely.yaml"

# 24. removing a session job that never ran is no running job's delete
sj etl session
agree "session job created"
rm "$repo/$ns/etl.yaml"
agree "session job that never ran removed"
has "FlinkSessionJob/etl: delete: deletes it (the operator never deployed it: no job ran)" "never-ran delete"
exists flinksessionjob etl && fail "session job that never ran kept"

# 25. --no-prune: Git's changes applied, nothing deleted
cm extra 1
agree "extra ConfigMap"
rm "$repo/$ns/extra.yaml"
cm settings 6
agree "no prune" --no-prune
exists configmap extra || fail "--no-prune pruned"
[[ $(kc get -n "$ns" configmap settings -o jsonpath='{.data.value}') == 6 ]] || fail "--no-prune did not apply"
agree "prune after no prune"
exists configmap extra && fail "kept object not pruned later"
echo "ok: $states states, plan and sync agree on every one"

# ---- two repositories, one cluster ----------------------------------------
new_ns
shared=$ns
repo_a=$work/team-a
repo_b=$work/team-b
mkdir -p "$repo_a/$shared" "$repo_b/$shared"
printf 'apiVersion: flink-gitops.io/v1alpha1\nkind: RepoConfig\nname: team-a\n' >"$repo_a/flink-gitops.yaml"
printf 'apiVersion: flink-gitops.io/v1alpha1\nkind: RepoConfig\nname: team-b\nallowKinds: [Service]\n' >"$repo_b/flink-gitops.yaml"
repo=$repo_a
cm common a
cm only-a a
sync
expect_rc 0 "team-a sync"
repo=$repo_b
cm common b
cm only-b b
plan
expect_rc 3 "team-b plan"
has "blocked  ConfigMap/common: BLOCKED: repository 'team-a' manages it" "conflict in plan"
audit_mark
sync --allow-delete
expect_rc 3 "team-b sync"
[[ $(kc get -n "$shared" configmap common -o jsonpath='{.data.value}') == a ]] ||
	fail "team-b took team-a's object over"
exists configmap only-a || fail "team-b deleted team-a's object"
exists configmap only-b || fail "team-b did not create its own object"
w=$(audit_since | jq -r --arg ns "$shared" 'select(.objectRef.namespace == $ns) |
	select(.verb == "patch" or .verb == "delete") | .objectRef.name' | sort -u | tr '\n' ' ')
[[ $w == "flink-gitops-inventory.team-b only-b " ]] || fail "team-b wrote: $w"
# team-a's view is unchanged by team-b
repo=$repo_a
plan
expect_rc 0 "team-a plan after team-b"
# team-b's folder gone: only team-b's objects are its prune candidates
rm -rf "${repo_b:?}/$shared"
repo=$repo_b
"$fg" --log-level warn plan "$repo_b" --kubeconfig "$FG_K8S_KUBECONFIG" -o json >"$work/out" 2>"$work/err" || true
jq -e --arg ns "$shared" '[.namespaces[] | select(.name == $ns) | .objects[].name] == ["only-b"]' \
	"$work/out" >/dev/null || fail "team-b's scope: $(cat "$work/out")"
echo "ok: two repositories on one cluster keep to their own objects"
echo "ok"
