#!/usr/bin/env bash
# State safety as the Flink operator really acts (issue 13), against the
# real API server of the `k8s` fixture. No operator runs here: each
# scenario writes the status the operator writes (release 1.15.0, through
# the status subresource: lastReconciledSpec, observedGeneration,
# lifecycle and job state, the savepoint it recorded) and checks the
# verdict plan, sync and drift give, and what sync really does.
#   test-state-safety.sh ENV_FILE FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${2:?usage: $0 ENV_FILE FLINK_GITOPS}
work=$(mktemp -d "$k8s_dir/test-state-safety.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"

# app NAME MODE [EXTRA-CONF]: an application with checkpoint and savepoint
# directories (a job with state), upgradeMode MODE
app() {
	cat >"$repo/$ns/$1.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: $1
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    execution.checkpointing.dir: s3://b/$1/ckpt
    execution.checkpointing.savepoint-dir: s3://b/$1/sp
${3:-}
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/usrlib/$1.jar
    parallelism: 2
    upgradeMode: $2
EOF
	sed -i '/^$/d' "$repo/$ns/$1.yaml"
}

# checkpointing_session NAME CONF-LINE: a session cluster whose own
# flinkConfiguration checkpoints (its session jobs have state)
checkpointing_session() {
	cat >"$repo/$ns/$1.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: $1
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    execution.checkpointing.dir: s3://b/$1/ckpt
$2
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
EOF
}

# set_field NAME FIELD VALUE: a Git commit changing one line `FIELD: ...`
set_field() {
	sed -i -E "s|^( *)$2: .*|\\1$2: $3|" "$repo/$ns/$1.yaml"
}

# jqp FILTER: the last JSON output, queried
jqp() { jq -r "$1" "$work/out"; }

# obj KIND NAME: the object's row in the last `-o json` output
obj() {
	jq -c --arg k "$1" --arg n "$2" '.namespaces[].objects[] |
		select(.kind == $k and .name == $n)' "$work/out"
}

# verdict KIND NAME: "rule blocked" of the object's row
verdict() {
	obj "$1" "$2" | jq -r '"\(.policy.rule) \(.blocked)"'
}

# ---- 1: the diff base is lastReconciledSpec while a change is pending -------
new_ns
app orders savepoint
sync
expect_rc 0 "create orders"
running flinkdeployment orders
# a Git change the operator has not acted on yet (it was down): the live
# spec moves, status keeps the old spec and generation
set_field orders image flink:1.20.1
sync
expect_rc 0 "image change"
[[ $(kc get -n "$ns" flinkdeployment orders -o jsonpath='{.metadata.generation}') != \
	$(kc get -n "$ns" flinkdeployment orders -o jsonpath='{.status.observedGeneration}') ]] ||
	fail "the fixture did not leave the change pending"
# now only upgradeMode: against the live spec an IGNORE, but the pending
# upgrade would run without state
set_field orders upgradeMode stateless
plan -o json
expect_rc 3 "a pending upgrade made stateless"
[[ $(verdict FlinkDeployment orders) == "stateless-upgrade true" ]] ||
	fail "pending: not blocked as a stateless upgrade: $(obj FlinkDeployment orders)"
[[ $(obj FlinkDeployment orders | jq -r .classification.pending) == true ]] ||
	fail "pending not said: $(obj FlinkDeployment orders)"
plan
has "an earlier change is still pending" "pending in the text"
has "stateless upgrade would drop state" "pending: the reason"
sync
expect_rc 3 "sync holds it"
[[ $(kc get -n "$ns" flinkdeployment orders -o jsonpath='{.spec.job.upgradeMode}') == savepoint ]] ||
	fail "sync applied the stateless mode"
echo "ok: 1: a pending upgrade made stateless is blocked, and the plan says the earlier change is pending"

# ---- 10: stateless on a running stateful job arms the next upgrade ---------
running flinkdeployment orders # the operator caught up
plan
expect_rc 2 "arming"
has "WARNING: upgradeMode stateless makes the next upgrade run WITHOUT state" "arming warning"
plan -o json
[[ $(obj FlinkDeployment orders | jq -r '"\(.classification.armsStateless) \(.blocked) \(.classification.restart)"') == "true false none" ]] ||
	fail "arming: $(obj FlinkDeployment orders)"
sync
expect_rc 0 "arming applies"
has "WITHOUT state" "sync says it too"
echo "ok: 10: switching a running stateful job to stateless restarts nothing and warns"

# ---- 2: the first deployment records stateless in lastReconciledSpec --------
new_ns
app first savepoint
sync
expect_rc 0 "create first"
# what the operator writes after the first deployment: the spec with
# upgradeMode stateless, firstDeployment true (never upgraded since)
st=$(kc get -n "$ns" flinkdeployment first -o json | jq -c '{status: {
	observedGeneration: .metadata.generation, lifecycleState: "STABLE",
	jobStatus: {state: "RUNNING"},
	reconciliationStatus: {state: "DEPLOYED", lastReconciledSpec:
		({spec: (.spec | .job.upgradeMode = "stateless"),
		  resource_metadata: {apiVersion: .apiVersion,
			firstDeployment: true}} | tojson)}}}')
kc patch -n "$ns" flinkdeployment first --subresource=status --type=merge -p "$st" >/dev/null
set_field first image flink:1.20.1
set_field first upgradeMode stateless
plan -o json
expect_rc 3 "never-upgraded savepoint job made stateless"
[[ $(verdict FlinkDeployment first) == "stateless-upgrade true" ]] ||
	fail "first deployment read as stateless: $(obj FlinkDeployment first)"
rm "$repo/$ns/first.yaml"
cm keep 1
plan -o json
[[ $(verdict FlinkDeployment first) == "delete-running true" ]] ||
	fail "deleting a never-upgraded savepoint job: $(obj FlinkDeployment first)"
echo "ok: 2: a savepoint job never upgraded is stateful, whatever lastReconciledSpec says"

# ---- 3: SCALE is often not in place -------------------------------------------
# standalone: job.parallelism is a SCALE, in place only with the reactive
# scheduler; otherwise the operator runs a full upgrade with the spec's mode
new_ns
app scaler last-state '  mode: standalone'
sync
expect_rc 0 "standalone"
running flinkdeployment scaler
set_field scaler parallelism 4
plan -o json
expect_rc 2 "parallelism"
[[ $(obj FlinkDeployment scaler | jq -r '"\(.classification.diffType) \(.classification.restart)"') == "UPGRADE last-state" ]] ||
	fail "a rescale the cluster cannot do in place: $(obj FlinkDeployment scaler)"
[[ $(obj FlinkDeployment scaler | jq -r .classification.notInPlace) == *"scheduler-mode: reactive"* ]] ||
	fail "why not in place: $(obj FlinkDeployment scaler)"
plan
has "(a full upgrade, not in place: a standalone cluster rescales in place only with scheduler-mode: reactive)" "scale words"
app scaler last-state '    scheduler-mode: reactive
  mode: standalone'
sync
running flinkdeployment scaler
set_field scaler parallelism 4
plan
expect_rc 2 "reactive"
has "rescales in place to 4" "in place with the reactive scheduler"
# the fallback runs the spec's upgradeMode: stateless with state is held
app scaler stateless '  mode: standalone'
sync
running flinkdeployment scaler
set_field scaler parallelism 6
plan -o json
expect_rc 3 "stateless fallback"
[[ $(verdict FlinkDeployment scaler) == "stateless-upgrade true" ]] ||
	fail "a scale that falls back to a stateless upgrade: $(obj FlinkDeployment scaler)"
# native: per-vertex overrides are the SCALE; in place only with Flink
# 1.18+ and the adaptive scheduler
new_ns
app vertex savepoint '    pipeline.jobvertex-parallelism-overrides: "a:2"'
sync
running flinkdeployment vertex
sed -i 's|"a:2"|"a:4"|' "$repo/$ns/vertex.yaml"
plan -o json
expect_rc 2 "overrides"
[[ $(obj FlinkDeployment vertex | jq -r '"\(.classification.restart) \(.classification.notInPlace)"') == "savepoint in-place scaling needs jobmanager.scheduler: adaptive" ]] ||
	fail "native overrides without the adaptive scheduler: $(obj FlinkDeployment vertex)"
echo "ok: 3: a rescale predicts the restart the operator really makes, policed like an upgrade"

# ---- 4: a session cluster's upgrade restarts its session jobs without state -
new_ns
checkpointing_session sess "    execution.checkpointing.savepoint-dir: s3://b/sess/sp"
cat >"$repo/$ns/etl.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: etl
spec:
  deploymentName: sess
  job:
    jarURI: https://example.com/etl.jar
    parallelism: 1
    upgradeMode: savepoint
EOF
sync
expect_rc 0 "session cluster and job"
running flinkdeployment sess
running flinksessionjob etl
set_field sess image flink:1.20.1
plan -o json
expect_rc 3 "session cluster upgrade under a stateful job"
[[ $(obj FlinkDeployment sess | jq -r '"\(.blocked) \(.classification.sessionClusterRedeploy)"') == "true true" ]] ||
	fail "session cluster upgrade: $(obj FlinkDeployment sess)"
plan
has "etl" "the session job named"
echo "ok: 4: upgrading a session cluster that runs a stateful session job is held"

# ---- 5: deleting a stopped job with state ----------------------------------
new_ns
cm keep 1
for j in lsuspended failed hafail spsuspended; do app "$j" savepoint; done
set_field lsuspended upgradeMode last-state
sync
expect_rc 0 "stopped jobs"
# suspended last-state: the status records the operator's marker
kc patch -n "$ns" flinkdeployment lsuspended --type merge -p '{"spec":{"job":{"state":"suspended"}}}' >/dev/null
reconciled flinkdeployment lsuspended SUSPENDED FINISHED KUBERNETES_OPERATOR_LAST_STATE
reconciled flinkdeployment failed FAILED FAILED
reconciled flinkdeployment hafail STABLE SUSPENDED
kc patch -n "$ns" flinkdeployment spsuspended --type merge -p '{"spec":{"job":{"state":"suspended"}}}' >/dev/null
reconciled flinkdeployment spsuspended SUSPENDED FINISHED s3://b/spsuspended/sp/savepoint-7
for j in lsuspended failed hafail spsuspended; do rm "$repo/$ns/$j.yaml"; done
plan -o json
expect_rc 3 "stopped jobs with state"
[[ $(verdict FlinkDeployment lsuspended) == "delete-running true" ]] || fail "last-state suspended: $(obj FlinkDeployment lsuspended)"
[[ $(obj FlinkDeployment lsuspended | jq -r .policy.reason) == *"suspended last-state"* ]] || fail "last-state words"
[[ $(verdict FlinkDeployment failed) == "delete-running true" ]] || fail "FAILED: $(obj FlinkDeployment failed)"
[[ $(obj FlinkDeployment failed | jq -r .policy.reason) == *"the job FAILED"* ]] || fail "FAILED words"
[[ $(verdict FlinkDeployment hafail) == "delete-running true" ]] || fail "Flink SUSPENDED: $(obj FlinkDeployment hafail)"
[[ $(obj FlinkDeployment hafail | jq -r .policy.reason) == *"HA failover"* ]] || fail "HA words"
[[ $(obj FlinkDeployment spsuspended | jq -r .blocked) == false ]] || fail "savepoint suspended: $(obj FlinkDeployment spsuspended)"
plan
has "FlinkDeployment/spsuspended: deletes it (the job is not running: its state is in savepoint s3://b/spsuspended/sp/savepoint-7)" "the savepoint named"
# suspend-first cannot savepoint a job that does not run
annotate_live() { kc annotate -n "$ns" flinkdeployment "$1" "flink-gitops.io/policy=$2" --overwrite >/dev/null; }
annotate_live lsuspended delete=suspend-first
plan -o json
[[ $(obj FlinkDeployment lsuspended | jq -r .policy.reason) == *"suspend-first cannot take a savepoint of a job that does not run"* ]] ||
	fail "suspend-first of a stopped job: $(obj FlinkDeployment lsuspended)"
sync
expect_rc 3 "sync"
exists flinkdeployment lsuspended || fail "last-state suspended job deleted"
exists flinkdeployment failed || fail "FAILED job deleted"
exists flinkdeployment hafail || fail "HA-failover job deleted"
exists flinkdeployment spsuspended && fail "the job held in a savepoint was not deleted"
echo "ok: 5: only a job with nothing to lose, or its savepoint named, is deleted by default"

# ---- 6: pruning a FlinkStateSnapshot disposes its savepoint ------------------
new_ns
cm keep 1
for s in snap keepfiles; do
	cat >"$repo/$ns/$s.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkStateSnapshot
metadata:
  name: $s
spec:
  savepoint:
    path: s3://b/sp/$s
$([[ $s == keepfiles ]] && echo "    disposeOnDelete: false")
  jobReference:
    kind: FlinkDeployment
    name: orders
EOF
	sed -i '/^$/d' "$repo/$ns/$s.yaml"
done
sync
expect_rc 0 "snapshots"
rm "$repo/$ns/snap.yaml" "$repo/$ns/keepfiles.yaml"
plan -o json
expect_rc 3 "snapshot prune"
[[ $(verdict FlinkStateSnapshot snap) == "delete-running true" ]] || fail "snapshot: $(obj FlinkStateSnapshot snap)"
[[ $(obj FlinkStateSnapshot snap | jq -r .policy.reason) == *"disposes its savepoint files"* ]] || fail "snapshot words"
[[ $(obj FlinkStateSnapshot keepfiles | jq -r .blocked) == false ]] || fail "disposeOnDelete false: $(obj FlinkStateSnapshot keepfiles)"
sync
exists flinkstatesnapshot snap || fail "the snapshot was pruned with its files"
exists flinkstatesnapshot keepfiles && fail "the snapshot that keeps its files was not pruned"
echo "ok: 6: a FlinkStateSnapshot that disposes its savepoint is guarded; one that keeps it is pruned"

# ---- 7: renames and moves ----------------------------------------------------
new_ns
cm keep 1
app payments savepoint
sync
running flinkdeployment payments
old_ns=$ns
mv "$repo/$ns/payments.yaml" "$repo/$ns/payments-v2.yaml"
sed -i 's|name: payments$|name: payments-v2|' "$repo/$ns/payments-v2.yaml"
plan -o json
expect_rc 3 "a rename"
[[ $(verdict FlinkDeployment payments-v2) == "move true" ]] || fail "rename, create half: $(obj FlinkDeployment payments-v2)"
[[ $(verdict FlinkDeployment payments) == "move true" ]] || fail "rename, delete half: $(obj FlinkDeployment payments)"
plan
has "renamed from payments: a delete and a create; the new job would start from empty state" "rename words"
has "move: savepoint" "the safe path offered"
sync
expect_rc 3 "sync holds the rename"
exists flinkdeployment payments-v2 && fail "the renamed job was created empty"
exists flinkdeployment payments || fail "the old job was deleted"
# even with suspend-first on the old one: the new one would ignore its savepoint
annotate_live payments delete=suspend-first
plan -o json
[[ $(verdict FlinkDeployment payments) == "move true" ]] || fail "rename with suspend-first: $(obj FlinkDeployment payments)"
kc annotate -n "$ns" flinkdeployment payments flink-gitops.io/policy- >/dev/null
echo "ok: 7: a rename is planned as a move and held, suspend-first or not; the safe path is offered"

# A move to another namespace with move: savepoint, carried out. One pass
# must see both namespaces: a repository of its own (its folders are its
# scope), synced whole.
mrepo=$work/move-repo
from=fg-sync-$$-from
to=fg-sync-$$-to
kc create namespace "$from" >/dev/null
kc create namespace "$to" >/dev/null
mkdir -p "$mrepo/$from" "$mrepo/$to"
mrun() { # mrun CMD ARGS...: on the move repository, whole
	local cmd=$1
	shift
	set +e
	"$fg" --log-level warn "$cmd" "$mrepo" --kubeconfig "$FG_K8S_KUBECONFIG" \
		--repository "move-$$" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	set -e
}
repo=$mrepo
ns=$from cm keep 1
ns=$to cm keep 1
ns=$from app payments savepoint
mrun sync
expect_rc 0 "move: first sync"
ns=$from running flinkdeployment payments
mv "$mrepo/$from/payments.yaml" "$mrepo/$to/payments.yaml"
sed -i "s|^metadata:|metadata:\n  annotations: {flink-gitops.io/policy: move=savepoint}|" "$mrepo/$to/payments.yaml"
mrun plan -o json
expect_rc 2 "move: plan"
[[ $(jq -c --arg ns "$to" '.namespaces[] | select(.name == $ns) | .objects[] |
	select(.name == "payments") | [.action, .blocked, .move.namespace, .move.withSavepoint]' "$work/out") == \
	"[\"create\",false,\"$from\",true]" ]] || fail "move: the create half: $(cat "$work/out")"
mrun plan
has "FlinkDeployment/payments: moved from $from/payments: suspends it with a savepoint, starts from that savepoint (initialSavepointPath), then deletes it" "move words"
mrun sync --wait-timeout 90 &
pid=$!
# the operator's part: once the suspension arrives, stop with a savepoint
for i in $(seq 1 100); do
	[[ $(kc get -n "$from" flinkdeployment payments -o jsonpath='{.spec.job.state}') == suspended ]] && break
	sleep 0.3
done
[[ $(kc get -n "$from" flinkdeployment payments -o jsonpath='{.spec.job.state}') == suspended ]] ||
	fail "move: the old job was not suspended"
kc get -n "$to" flinkdeployment payments >/dev/null 2>&1 && fail "move: created before the savepoint"
ns=$from reconciled flinkdeployment payments SUSPENDED FINISHED s3://b/payments/sp/savepoint-42
wait "$pid" || fail "move: sync failed: $(cat "$work/out" "$work/err")"
[[ $(kc get -n "$to" flinkdeployment payments -o jsonpath='{.spec.job.initialSavepointPath}') == s3://b/payments/sp/savepoint-42 ]] ||
	fail "move: the new job does not start from the savepoint: $(kc get -n "$to" flinkdeployment payments -o jsonpath='{.spec.job}')"
kc get -n "$from" flinkdeployment payments >/dev/null 2>&1 && fail "move: the old job is still there"
has "created from savepoint s3://b/payments/sp/savepoint-42 of $from/payments" "move: the create's outcome"
kc get -n "$to" flinkdeployment payments -o json --show-managed-fields | jq -e '[.metadata.managedFields[] |
	select(.manager == "flink-gitops-move")] | length == 1' >/dev/null ||
	fail "move: initialSavepointPath is not co-owned"
# done: nothing left to do, the path Git does not set stays
mrun plan
expect_rc 0 "move: nothing left"
mrun sync
expect_rc 0 "move: second sync"
[[ $(kc get -n "$to" flinkdeployment payments -o jsonpath='{.spec.job.initialSavepointPath}') == s3://b/payments/sp/savepoint-42 ]] ||
	fail "move: Git's next apply dropped initialSavepointPath"
echo "ok: 7: a move with move: savepoint suspends the old job, starts the new one from its savepoint, deletes the old one"

# ---- 8: checkpointing configured in more places than the spec -----------------
new_ns
cat >"$repo/$ns/legacy.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: legacy
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    state.backend.fs.checkpointdir: s3://b/legacy/ckpt
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/usrlib/legacy.jar
    parallelism: 2
    upgradeMode: stateless
EOF
fd plain job
sync
expect_rc 0 "create"
running flinkdeployment legacy
running flinkdeployment plain
set_field legacy image flink:1.20.1
set_field plain image flink:1.20.1
plan -o json
expect_rc 3 "deprecated checkpoint key"
[[ $(verdict FlinkDeployment legacy) == "stateless-upgrade true" ]] || fail "deprecated key: $(obj FlinkDeployment legacy)"
[[ $(obj FlinkDeployment legacy | jq -r .policy.reason) == *"checkpointing is configured"* ]] || fail "deprecated key words"
# no checkpointing anywhere, and the operator's defaults (read from the
# cluster's flink-operator-config) set none: provably stateless
[[ $(obj FlinkDeployment plain | jq -r .blocked) == false ]] || fail "a stateless job: $(obj FlinkDeployment plain)"
# a session job whose session cluster checkpoints
new_ns
checkpointing_session sess "    execution.checkpointing.interval: 10s"
sj etl sess
sync
expect_rc 0 "session"
running flinkdeployment sess
running flinksessionjob etl
sed -i 's|https://example.com/job.jar|https://example.com/job-2.jar|' "$repo/$ns/etl.yaml"
plan -o json
expect_rc 3 "session job of a checkpointing cluster"
[[ $(verdict FlinkSessionJob etl) == "stateless-upgrade true" ]] || fail "session job: $(obj FlinkSessionJob etl)"
[[ $(obj FlinkSessionJob etl | jq -r .policy.reason) == *"configured by its session cluster"* ]] || fail "session cluster words"
# the operator's defaults declared in the repository config: validate uses
# them for the directories a savepoint job needs
vrepo=$work/validate-repo
mkdir -p "$vrepo/team"
cat >"$vrepo/team/job.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: job
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/usrlib/job.jar
    parallelism: 2
    upgradeMode: savepoint
EOF
set +e
"$fg" --log-level warn validate "$vrepo" >"$work/out" 2>&1
rc=$?
set -e
expect_rc 1 "a savepoint job without directories"
has "Checkpoint directory[execution.checkpointing.dir] must be defined for last-state and savepoint upgrade modes (not set by the job; the operator's defaults are not known: declare them as operatorDefaults in flink-gitops.yaml)" "the operator's message, and the defaults it looked at"
cat >"$vrepo/flink-gitops.yaml" <<EOF
apiVersion: flink-gitops.io/v1alpha1
kind: RepoConfig
operatorDefaults:
  execution.checkpointing.dir: s3://platform/ckpt
  execution.checkpointing.savepoint-dir: s3://platform/sp
EOF
set +e
"$fg" --log-level warn validate "$vrepo" >"$work/out" 2>&1
rc=$?
set -e
expect_rc 0 "the directories in the operator's defaults"
has "its defaults from operatorDefaults in flink-gitops.yaml" "validate names the source"
# against the cluster, its own flink-operator-config is what the operator
# runs with (it sets no directories here): the verdict names it
set +e
"$fg" --log-level warn plan "$vrepo" --kubeconfig "$FG_K8S_KUBECONFIG" -n team >"$work/out" 2>&1
rc=$?
set -e
expect_rc 1 "the cluster's defaults win"
has "(set neither by the job nor by the operator's defaults, ConfigMap flink-operator/flink-operator-config)" "the cluster's ConfigMap named"
echo "ok: 8: checkpointing in deprecated keys, the session cluster and the operator's defaults counts"

# ---- 9: spec-diff details ----------------------------------------------------
new_ns
app details savepoint
sync
running flinkdeployment details
sed -i 's|^  job:|  podTemplate: {}\n&|' "$repo/$ns/details.yaml"
plan -o json
expect_rc 2 "podTemplate: {}"
[[ $(obj FlinkDeployment details | jq -r .classification.diffType) == UPGRADE ]] ||
	fail "an explicitly empty podTemplate is a change to the operator: $(obj FlinkDeployment details)"
sed -i '/podTemplate: {}/d' "$repo/$ns/details.yaml"
sed -i 's|^  jobManager: {resource: {memory: 2048m, cpu: 1}}|  jobManager: {replicas: 1, resource: {memory: 2048m, cpu: 1}}|' "$repo/$ns/details.yaml"
plan -o json
[[ $(obj FlinkDeployment details | jq -r .classification.restart) == none ]] ||
	fail "jobManager.replicas 1 is the default: $(obj FlinkDeployment details)"
new_ns
app vers last-state
sed -i '/execution.checkpointing.savepoint-dir/d' "$repo/$ns/vers.yaml"
sync
running flinkdeployment vers
set_field vers flinkVersion v1_19
plan
expect_rc 2 "version change"
has "cancelling the job (the Flink version changes and no savepoint directory is set)" "version change without a savepoint directory"
echo "ok: 9: empty objects, jobManager.replicas and a version change read as the operator reads them"

# ---- health, as the operator means it -----------------------------------------
# health KIND NAME: "status: message" of the object in the last -o json
health() {
	obj "$1" "$2" | jq -r '"\(.health.status): \(.health.message)"'
}
new_ns
app broken savepoint
app paused savepoint
app never savepoint
app looping savepoint
sed -i 's|^    upgradeMode: savepoint|&\n    state: suspended|' "$repo/$ns/paused.yaml" "$repo/$ns/never.yaml"
sync
expect_rc 0 "health: create"
# a change to a FAILED job whose upgrade the operator refuses: generation
# stays behind for good
reconciled flinkdeployment broken FAILED FAILED
set_field broken image flink:1.20.1
sync
status flinkdeployment broken "$(jq -cn '{error: ({type: "org.apache.flink.kubernetes.operator.exception.UpgradeFailureException",
	message: "HA metadata not available to restore from last state. It is possible that the job has finished or terminally failed, or the configmaps have been deleted. Manual restore required.",
	additionalMetadata: {}, throwableList: []} | tojson)}')"
# a suspended job edited: the operator records it when it runs again
reconciled flinkdeployment paused SUSPENDED FINISHED s3://b/paused/sp/1
set_field paused parallelism 3
sync
# never deployed, suspended, and rejected by the operator's validation
status flinkdeployment never "$(jq -cn '{error: ({type: "org.apache.flink.kubernetes.operator.exception.ValidationException",
	message: "Job parallelism must be larger than 0", additionalMetadata: {}, throwableList: []} | tojson)}')"
# restarting for an hour since its deployment
reconciled flinkdeployment looping STABLE RESTARTING
status flinkdeployment looping "{\"reconciliationStatus\":{\"reconciliationTimestamp\":$(( ($(date +%s) - 3600) * 1000 ))}}"
plan -o json
[[ $(health FlinkDeployment broken) == "Degraded: the operator will not upgrade the failed job: HA metadata not available"* ]] ||
	fail "health: manual restore: $(health FlinkDeployment broken)"
[[ $(health FlinkDeployment paused) == "Suspended: "* ]] || fail "health: suspended edit: $(health FlinkDeployment paused)"
[[ $(health FlinkDeployment never) == "Degraded: created suspended, and the operator rejected it: Job parallelism must be larger than 0" ]] ||
	fail "health: never deployed: $(health FlinkDeployment never)"
[[ $(health FlinkDeployment looping) == "Degraded: job RESTARTING for 60 min since its deployment"* ]] ||
	fail "health: restart loop: $(health FlinkDeployment looping)"
drift
has "FlinkDeployment/broken: in sync, health Degraded: the operator will not upgrade the failed job" "drift: manual restore"
has "FlinkDeployment/looping: in sync, health Degraded: job RESTARTING for 60 min" "drift: restart loop"
# plan and sync say it too: unchanged objects that are Degraded, and the
# health of each object a change touches
plan
has "(4 unchanged; 3 Degraded)" "plan: the count"
has "degraded FlinkDeployment/looping: no change; health Degraded: job RESTARTING for 60 min" "plan: restart loop"
has "degraded FlinkDeployment/never: no change; health Degraded: created suspended, and the operator rejected it" "plan: never deployed"
set_field paused parallelism 4
plan
has "update   FlinkDeployment/paused: updates the suspended spec; nothing runs" "plan: a suspended job's edit"
has "           health: Suspended: suspended (the operator takes edits of a suspended job when it runs again)" "plan: Suspended"
sync
has "FlinkDeployment/broken: unchanged, health Degraded: the operator will not upgrade the failed job" "sync: manual restore"
has "FlinkDeployment/looping: unchanged, health Degraded: job RESTARTING" "sync: restart loop"
# a session job the operator lost, and one whose session cluster failed
new_ns
fd sess
sj lost sess
sj orphaned sess
sync
expect_rc 0 "health: session"
running flinkdeployment sess
reconciled flinksessionjob lost STABLE RECONCILING
status flinksessionjob lost '{"error":"Job Not Found"}'
running flinksessionjob orphaned
plan -o json
[[ $(health FlinkSessionJob lost) == "Degraded: job RECONCILING, Job Not Found"* ]] ||
	fail "health: Job Not Found: $(health FlinkSessionJob lost)"
reconciled flinkdeployment sess FAILED RUNNING
plan -o json
[[ $(health FlinkSessionJob orphaned) == "Degraded: its session cluster sess is Degraded"* ]] ||
	fail "health: session cluster failed: $(health FlinkSessionJob orphaned)"
echo "ok: health: manual restore, suspended edits, rejected new jobs, restart loops and session jobs as the operator means them"
echo "ok"
