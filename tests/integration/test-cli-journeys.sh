#!/usr/bin/env bash
# Issue 12's user journeys, typed as a Flink platform engineer types them,
# against the real API server of the `k8s` fixture and real Git
# repositories: what a user reads (stdout, stderr) and the exit code, and
# the cluster as kubectl shows it.
#   test-cli-journeys.sh ENV_FILE FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=$(realpath "${2:?usage: $0 ENV_FILE FLINK_GITOPS}")
work=$(mktemp -d "$k8s_dir/test-journeys.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"
export KUBECONFIG=$FG_K8S_KUBECONFIG
export GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com
export GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
export XDG_CACHE_HOME=$work/cache

# fgx ARGS...: flink-gitops as typed, no --log-level; exit code in $rc
fgx() {
	set +e
	"$fg" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	set -e
}
err_has() {
	grep -qF -- "$1" "$work/err" || fail "$2: no '$1' in stderr: $(cat "$work/err")"
}

# ---- 4. -n repeatable; a namespace the repository lacks is an error -----
new_ns
a=$ns
cm settings 1
mkdir -p "$repo/$a-b"
b=$a-b
kc create namespace "$b" >/dev/null
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n' >"$repo/$b/other.yaml"
fgx sync "$repo" -n "$a" -n "$b"
expect_rc 0 "sync -n a -n b"
exists configmap settings || fail "-n a not synced"
kc get -n "$b" configmap other >/dev/null || fail "-n b not synced (only the last -n)"
[[ ! -s $work/err ]] || fail "a quiet sync wrote to stderr: $(cat "$work/err")"
fgx plan "$repo" -n "$a" -n nope-$$
expect_rc 1 "plan -n nope"
err_has "namespace 'nope-$$' is not in the repository" "plan -n nope"
fgx sync "$repo" -n "$a" --namespace
expect_rc 64 "missing value"
err_has "option '--namespace' needs a value" "missing value"
fgx sync "$repo" --dry "$a"
expect_rc 64 "abbreviation"
err_has "unknown option '--dry'; did you mean '--dry-run'?" "abbreviation"
fgx plan "$repo" -n "$a" --log-level info
expect_rc 0 "global option after the command"
err_has "event=plan.done" "--log-level after the command"
echo "ok: -n repeats, an unknown namespace is an error, options are exact"

# ---- 3. namespaces that do not exist -------------------------------------
missing=fg-journey-$$-missing
mkdir -p "$repo/$missing"
for n in a b c; do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\n' "$n" >"$repo/$missing/$n.yaml"
done
fgx check -n "$a" -n "$missing"
expect_rc 1 "check -n missing"
grep -qF "namespace $missing: does not exist" "$work/out" || fail "check: $(cat "$work/out")"
fgx plan "$repo" -n "$missing"
expect_rc 3 "plan into a missing namespace"
[[ $(grep -c "does not exist" "$work/out") == 1 ]] || fail "plan said it more than once: $(cat "$work/out")"
grep -qF "(3 objects held back)" "$work/out" || fail "plan: $(cat "$work/out")"
fgx sync "$repo" -n "$missing"
expect_rc 3 "sync into a missing namespace"
[[ $(grep -c "$missing" "$work/out") == 1 ]] || fail "sync said it more than once: $(cat "$work/out")"
kc get namespace "$missing" >/dev/null 2>&1 && fail "namespace created unasked"
fgx sync "$repo" -n "$missing" --create-namespace
expect_rc 0 "sync --create-namespace"
kc get -n "$missing" configmap c >/dev/null || fail "objects not created in the new namespace"
echo "ok: a missing namespace is said once, created only when asked"

# ---- 2. session jobs and their cluster -----------------------------------
sj lonely nowhere
fgx validate "$repo" -n "$a"
expect_rc 0 "validate a session job without its cluster"
err_has "warning: FlinkSessionJob $a/lonely: spec.deploymentName: no FlinkDeployment 'nowhere'" "validate warning"
fgx plan "$repo" -n "$a"
expect_rc 3 "plan a session job without its cluster"
grep -qF "its session cluster FlinkDeployment $a/nowhere is neither in the repository nor in the cluster" "$work/out" ||
	fail "plan: $(cat "$work/out")"
rm "$repo/$a/lonely.yaml"
fd shared
sj etl shared
fgx sync "$repo" -n "$a"
expect_rc 0 "session cluster and job"
rm "$repo/$a/etl.yaml"
fgx sync "$repo" -n "$a"
expect_rc 0 "removing a session job that never ran"
grep -qF "FlinkSessionJob/etl: delete: deletes it (the operator never deployed it: no job ran)" "$work/out" ||
	fail "never-ran delete: $(cat "$work/out")"
echo "ok: a session job without its cluster warns, then blocks; one that never ran goes"

# ---- 5. quiet, readable output ------------------------------------------
kc annotate -n "$a" configmap settings --overwrite flink-gitops.io/desired-hash=bogus >/dev/null
fgx drift "$repo" -n "$a"
expect_rc 0 "our bookkeeping is no drift"
grep -qF "0 drifted" "$work/out" || fail "drift: $(cat "$work/out")"
fgx sync "$repo" -n "$a"
cat >"$repo/$a/app.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: app
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  podTemplate:
    spec:
      containers:
      - name: flink-main-container
        env:
        - {name: A_RATHER_LONG_ENVIRONMENT_VARIABLE_NAME, value: "first value here"}
        - {name: ANOTHER_RATHER_LONG_VARIABLE_NAME, value: "old"}
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
EOF
fgx sync "$repo" -n "$a"
expect_rc 0 "app"
sed -i 's/value: "old"/value: "new"/' "$repo/$a/app.yaml"
fgx plan "$repo" -n "$a"
expect_rc 2 "podTemplate change"
grep -qF 'spec.podTemplate.spec.containers[0].env[1].value: "old" -> "new"' "$work/out" ||
	fail "plan does not name the path: $(cat "$work/out")"
fgx sync "$repo" -n "$a" -v
expect_rc 0 "sync -v"
grep -qF "FlinkDeployment/app: update: restarts WITHOUT state (stateless upgrade)" "$work/out" ||
	fail "sync does not say the impact: $(cat "$work/out")"
grep -qF 'spec.podTemplate.spec.containers[0].env[1].value: "old" -> "new"' "$work/out" ||
	fail "sync -v without the field diff: $(cat "$work/out")"
echo "ok: bookkeeping is no drift, large values show paths, sync says the impact"

# ---- 6. the health line keeps the root cause ----------------------------
gen=$(kc get -n "$a" flinkdeployment app -o jsonpath='{.metadata.generation}')
jq -nc --argjson g "$gen" '{status: {lifecycleState: "FAILED", observedGeneration: $g,
	error: ({type: "org.apache.flink.kubernetes.operator.exception.ReconciliationException",
		message: "org.apache.flink.client.deployment.ClusterDeploymentException: Could not create Kubernetes cluster \"app\".",
		throwableList: [{type: "org.apache.flink.client.deployment.ClusterDeploymentException",
			message: "Could not create Kubernetes cluster \"app\"."},
			{type: "io.fabric8.kubernetes.client.KubernetesClientException",
			message: "Failure executing: POST at: https://10.96.0.1/apis/apps/v1/namespaces/x/deployments. Message: Forbidden! error looking up service account x/flink: serviceaccounts \"flink\" not found."}]} | tojson)}}' \
	>"$work/status.json"
kc patch -n "$a" flinkdeployment app --subresource=status --type=merge --patch-file "$work/status.json" >/dev/null
fgx drift "$repo" -n "$a"
grep -qF 'serviceaccounts "flink" not found' "$work/out" || fail "root cause lost: $(cat "$work/out")"
echo "ok: the health line keeps the root cause"

# ---- 7. saved plans -------------------------------------------------------
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" commit -qm one
cm settings 7
git -C "$repo" commit -qam seven
cd "$repo"
fgx plan --repo "file://$repo" --ref HEAD -n "$a" --save "$work/plan.json"
expect_rc 2 "plan --save"
grep -qF "plan saved to $work/plan.json" "$work/out" || fail "plan --save: $(cat "$work/out")"
kc patch -n "$a" configmap settings --type merge -p '{"data":{"value":"edited"}}' >/dev/null
fgx sync --plan "$work/plan.json"
expect_rc 1 "sync --plan after the cluster moved"
err_has "refusing the plan in $work/plan.json" "stale plan"
err_has "ConfigMap/settings: data.value was" "stale plan names the object"
[[ $(kc get -n "$a" configmap settings -o jsonpath='{.data.value}') == edited ]] ||
	fail "a stale plan was applied"
fgx plan --repo "file://$repo" --ref HEAD -n "$a" --save "$work/plan.json"
fgx sync --plan "$work/plan.json"
expect_rc 0 "sync --plan, fresh"
[[ $(kc get -n "$a" configmap settings -o jsonpath='{.data.value}') == 7 ]] ||
	fail "the saved plan was not applied"
cm settings 8
git -C "$repo" commit -qam eight
fgx sync --plan "$work/plan.json"
expect_rc 1 "sync --plan after Git moved"
err_has "Git moved: the plan was made at" "Git moved"
cd "$work"
echo "ok: a saved plan applies exactly, or is refused naming what moved"

# ---- 8. --wait and --no-prune --------------------------------------------
sed -i 's/parallelism: 2/parallelism: 3/' "$repo/$a/app.yaml"
cm settings 8
fgx sync "$repo" -n "$a" --wait=3s
expect_rc 1 "--wait without an operator"
grep -qF "$a FlinkDeployment/app: still Progressing" "$work/out" || fail "--wait: $(cat "$work/out")"
grep -qF "0 healthy, 0 degraded, 1 still progressing (the bound passed)" "$work/out" ||
	fail "--wait summary: $(cat "$work/out")"
rm "$repo/$a/settings.yaml"
fgx sync "$repo" -n "$a" --no-prune
expect_rc 0 "--no-prune"
exists configmap settings || fail "--no-prune pruned"
grep -qF "ConfigMap/settings: delete skipped: not pruned (--no-prune)" "$work/out" || fail "--no-prune: $(cat "$work/out")"
echo "ok: --wait bounds the wait and says so; --no-prune deletes nothing"
echo ok
