#!/usr/bin/env bash
# `flink-gitops drift` against the real API server of the `k8s` fixture:
# changes made with kubectl are reported field by field with the manager
# that made them, the operator's own changes are not, and --self-heal
# takes the fields back. No operator runs.
#   test-drift.sh ENV_FILE FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${2:?usage: $0 ENV_FILE FLINK_GITOPS}
work=$(mktemp -d "$k8s_dir/test-drift.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
seq=0
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"


new_ns
cm settings 1
fd session
fd app job
sj job session
sync
expect_rc 0 "sync"

# ---- nothing changed: no drift ------------------------------------------
drift
expect_rc 0 "in sync"
has "4 objects checked: 0 drifted" "in sync"
echo "ok: a synced namespace has no drift"

# ---- kubectl edit of a managed field is drift, named by its manager ------
edit flinkdeployment app 's/parallelism: 2/parallelism: 4/'
drift
expect_rc 2 "after kubectl edit"
has "$ns FlinkDeployment/app: drifted" "kubectl edit"
has "spec.job.parallelism: Git 2, cluster 4 (set by kubectl-edit at " "kubectl edit"
echo "ok: kubectl edit is drift naming kubectl-edit"

# ---- the operator's own label on a session job is not drift --------------
kc label -n "$ns" flinksessionjob job target.session=session >/dev/null
drift
has "1 drifted" "target.session is not drift"
echo "ok: the operator's target.session label is not drift"

# ---- --self-heal takes the field back ----------------------------------------
drift --self-heal
expect_rc 2 "self-heal reports what it healed"
has "$ns FlinkDeployment/app: drifted, healed" "self-heal"
p=$(kc get -n "$ns" flinkdeployment app -o jsonpath='{.spec.job.parallelism}')
[[ $p == 2 ]] || fail "self-heal left parallelism $p"
drift
expect_rc 0 "after self-heal"
echo "ok: --self-heal restores Git's value"

# ---- missing and unexpected objects ------------------------------------------
cm extra 1
sync
expect_rc 0 "sync extra"
kc delete -n "$ns" configmap settings >/dev/null
rm "$repo/$ns/extra.yaml"
drift
expect_rc 2 "missing and unexpected"
has "$ns ConfigMap/settings: missing" "missing"
has "$ns ConfigMap/extra: unexpected" "unexpected"
echo "ok: missing and unexpected objects are reported"

# ---- a nonce changed outside Git is reported but never written back -------
new_ns
fd app job
sed -i 's/  job:/  restartNonce: 1\n  job:/' "$repo/$ns/app.yaml"
sync
expect_rc 0 "sync nonce"
edit flinkdeployment app 's/restartNonce: 1/restartNonce: 7/'
drift
expect_rc 2 "nonce drift"
has "spec.restartNonce changed outside Git" "nonce drift reported"
drift --self-heal
expect_rc 3 "nonce heal held back"
has "spec.restartNonce: Git 1, cluster 7" "nonce drift"
has "not healed: spec.restartNonce changed outside Git: writing Git's value back would fire it again" "nonce heal refused"
n=$(kc get -n "$ns" flinkdeployment app -o jsonpath='{.spec.restartNonce}')
[[ $n == 7 ]] || fail "self-heal wrote the nonce back: $n"
echo "ok: a nonce is never written back"

# ---- replicas an HPA drives are not drift; without the HPA they are ----------
new_ns
fd app job
sed -i 's/  taskManager: {resource: {memory: 2048m, cpu: 1}}/  taskManager: {replicas: 2, resource: {memory: 2048m, cpu: 1}}/' "$repo/$ns/app.yaml"
sync
expect_rc 0 "sync replicas"
edit flinkdeployment app 's/replicas: 2/replicas: 5/'
drift
expect_rc 2 "replicas changed, no HPA"
has "spec.taskManager.replicas: Git 2, cluster 5" "replicas drift"
kc apply -n "$ns" -f - >/dev/null <<HPA
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: app
spec:
  scaleTargetRef: {apiVersion: flink.apache.org/v1beta1, kind: FlinkDeployment, name: app}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
HPA
drift
expect_rc 0 "replicas under an HPA"
echo "ok: HPA-driven replicas are not drift"

# ---- what only the API server's defaulting changes is not drift -----------
# A Service's port gets protocol and targetPort filled in: a plain diff of
# the ports list would call that drift; the dry-run apply settles it.
new_ns
service_web
sync
expect_rc 0 "sync service"
p=$(kc get -n "$ns" service web -o jsonpath='{.spec.ports[0].protocol}')
[[ $p == TCP ]] || fail "the API server did not default the protocol: $p"
drift
expect_rc 0 "defaulted service"
has "1 object checked: 0 drifted" "defaulting is not drift"
edit service web 's/port: 80$/port: 81/'
drift
expect_rc 2 "service port changed"
has "$ns Service/web: drifted" "service drift"
echo "ok: defaulting is not drift, a real change is"

# ---- a job the operator reports failed is shown, in sync or not ------------
new_ns
fd app job
sync
expect_rc 0 "sync for health"
kc patch -n "$ns" flinkdeployment app --subresource=status --type=merge \
	-p '{"status":{"lifecycleState":"FAILED","error":"{\"type\":\"org.apache.flink.kubernetes.operator.exception.ReconciliationException\",\"message\":\"JobManager deployment is missing\"}","jobStatus":{"state":"FAILED"},"observedGeneration":1}}' >/dev/null
drift
expect_rc 0 "failed but in sync"
has "$ns FlinkDeployment/app: in sync, health Degraded" "health shown"
has "JobManager deployment is missing" "operator error message"
echo "ok: a degraded job is shown with the operator's message"
