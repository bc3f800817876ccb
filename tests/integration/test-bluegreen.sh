#!/usr/bin/env bash
# FlinkBlueGreenDeployment (issue 18) as the Flink operator 1.15.0 runs it,
# against the real API server of the `k8s` fixture. No operator runs here:
# each scenario writes what the operator writes (controller/bluegreen/ at
# release-1.15.0): the parent's status through the status subresource
# (blueGreenState, jobStatus, error, lastReconciledSpec {"spec": ...}), and
# its children, FlinkDeployments NAME-blue and NAME-green with the
# flink/blue-green-deployment-type label, an ownerReference to the parent
# and the template's spec, with their own statuses. Then it checks what
# validate, plan, sync and drift say, and what sync does.
#   test-bluegreen.sh ENV_FILE FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=$(realpath "${2:?usage: $0 ENV_FILE FLINK_GITOPS}")
work=$(mktemp -d "$k8s_dir/test-bluegreen.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"

# bg NAME MODE: a FlinkBlueGreenDeployment whose job has checkpoint and
# savepoint directories (state), upgradeMode MODE
bg() {
	cat >"$repo/$ns/$1.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkBlueGreenDeployment
metadata:
  name: $1
spec:
  configuration:
    kubernetes.operator.bluegreen.deployment-deletion.delay: "2s"
  template:
    spec:
      image: flink:1.20
      flinkVersion: v1_20
      serviceAccount: flink
      flinkConfiguration:
        execution.checkpointing.dir: s3://b/$1/ckpt
        execution.checkpointing.savepoint-dir: s3://b/$1/sp
      jobManager: {resource: {memory: 2048m, cpu: 1}}
      taskManager: {resource: {memory: 2048m, cpu: 1}}
      job:
        jarURI: local:///opt/flink/usrlib/$1.jar
        parallelism: 2
        upgradeMode: $2
EOF
}

# set_field NAME FIELD VALUE: a Git commit changing one line `FIELD: ...`
set_field() {
	sed -i -E "s|^( *)$2: .*|\\1$2: $3|" "$repo/$ns/$1.yaml"
}

# job_field NAME LINE: a Git commit adding a line under the template's job
job_field() {
	sed -i "s|^        upgradeMode: .*|&\n        $2|" "$repo/$ns/$1.yaml"
}

jqp() { jq -r "$1" "$work/out"; }

# obj KIND NAME: the object's row in the last `-o json` output
obj() {
	jq -c --arg k "$1" --arg n "$2" '.namespaces[].objects[] |
		select(.kind == $k and .name == $n)' "$work/out"
}

verdict() { obj "$1" "$2" | jq -r '"\(.policy.rule) \(.blocked)"'; }

# bgplan NAME: "DIFF ACTIVE DEPLOYS RESTART" of the parent in `plan -o json`
bgplan() {
	plan -o json
	obj FlinkBlueGreenDeployment "$1" | jq -r '.classification |
		"\(.blueGreen.diff) \(.blueGreen.active) \(.blueGreen.deploys) \(.restart)"'
}

health() {
	obj FlinkBlueGreenDeployment "$1" | jq -r '"\(.health.status): \(.health.message)"'
}

# sync_bg ARGS...: flink-gitops sync in the background (the operator's
# part is played meanwhile); finish: wait for it, its exit code in $rc
sync_bg() {
	"$fg" --log-level warn sync "$repo" --kubeconfig "$FG_K8S_KUBECONFIG" \
		-n "$ns" "$@" >"$work/out" 2>"$work/err" &
	pid=$!
}
finish() {
	set +e
	wait "$pid"
	rc=$?
	set -e
}

# bgstatus NAME STATE JOB [ERROR]: the status the operator writes once it
# acted on the live spec (BlueGreenDeploymentService.patchStatusUpdateControl,
# BlueGreenUtils.setLastReconciledSpec). lastReconciledSpec as Jackson
# writes it: every null field, JobSpec's defaults, a Double cpu as 1.0.
bgstatus() {
	local st
	st=$(kc get -n "$ns" flinkbluegreendeployment "$1" -o json |
		jq -c --arg s "$2" --arg j "$3" --arg e "${4:-}" '{status: ({
		blueGreenState: $s, jobStatus: {state: $j},
		lastReconciledSpec: ({spec: (.spec | .ingress = (.ingress // null) |
			.template.metadata = null |
			.template.spec.podTemplate = null |
			.template.spec.job = ({entryClass: null, args: [],
				state: "running", savepointTriggerNonce: null,
				initialSavepointPath: null, allowNonRestoredState: null,
				savepointRedeployNonce: null} + .template.spec.job))} |
			tojson | gsub("\"cpu\":(?<n>[0-9]+)(?<e>[,}])"; "\"cpu\":\(.n).0\(.e)")),
		lastReconciledTimestamp: "2026-11-27T11:49:22.123Z",
		abortTimestamp: "2026-11-27T11:59:22.123Z",
		deploymentReadyTimestamp: "1970-01-01T00:00:00Z",
		error: (if $e == "" then null else $e end)})}')
	kc patch -n "$ns" flinkbluegreendeployment "$1" --subresource=status \
		--type=merge -p "$st" >/dev/null
}

# child NAME COLOUR LIFECYCLE JOB [SAVEPOINT]: the FlinkDeployment the
# operator makes (BlueGreenUtils.prepareFlinkDeployment: the template's
# spec, the label, an ownerReference, no controller flag), with the status
# the operator writes for it
child() {
	local c=$2 st
	jq -c --arg c "$c" --arg C "${c^^}" '{apiVersion, kind: "FlinkDeployment",
		metadata: {name: (.metadata.name + "-" + $c),
			namespace: .metadata.namespace,
			labels: {"flink/blue-green-deployment-type": $C},
			ownerReferences: [{apiVersion, kind, name: .metadata.name,
				uid: .metadata.uid, blockOwnerDeletion: true,
				controller: false}]},
		spec: .spec.template.spec}' \
		<<<"$(kc get -n "$ns" flinkbluegreendeployment "$1" -o json)" |
		kc apply --server-side --force-conflicts \
			--field-manager fabric8-kubernetes-client -f - >/dev/null
	st=$(kc get -n "$ns" flinkdeployment "$1-$c" -o json |
		jq -c --arg lc "$3" --arg js "$4" --arg sp "${5:-}" '{status: {
		observedGeneration: .metadata.generation, lifecycleState: $lc,
		jobStatus: ({state: $js} + (if $sp == "" then
			{upgradeSavepointPath: null} else
			{upgradeSavepointPath: $sp} end)),
		reconciliationStatus: {state: "DEPLOYED", lastReconciledSpec:
			({spec: .spec, resource_metadata: {apiVersion: .apiVersion,
				firstDeployment: false}} | tojson)}}}')
	kc patch -n "$ns" flinkdeployment "$1-$c" --subresource=status \
		--type=merge -p "$st" >/dev/null
}

# ---- 1: validate, create, the operator's children are never ours ----------
new_ns
# the operator's own manifests, which validate clean (test_operator_bluegreen),
# are what the API server takes too
for f in "$(dirname "${BASH_SOURCE[0]}")"/../operator/e2e/bluegreen-*.yaml; do
	kc apply -n "$ns" --dry-run=server --server-side -f "$f" >/dev/null ||
		fail "the API server refuses $f"
done
bg orders savepoint
set +e
"$fg" --log-level warn validate "$repo" >"$work/out" 2>&1
rc=$?
set -e
expect_rc 0 "validate"
has "valid: 1 namespace, 1 object" "validate"
plan
expect_rc 2 "plan a create"
has "create   FlinkBlueGreenDeployment/orders: deploys blue (orders-blue) from empty state" "create words"
sync
expect_rc 0 "sync creates it"
exists flinkbluegreendeployment orders || fail "not created"
[[ $(kc get -n "$ns" configmap flink-gitops-inventory -o jsonpath='{.metadata.annotations.applyset\.kubernetes\.io/contains-group-kinds}') == \
	"FlinkBlueGreenDeployment.flink.apache.org" ]] || fail "inventory: $(kc get -n "$ns" configmap flink-gitops-inventory -o yaml)"
# the operator's first steps
bgstatus orders INITIALIZING_BLUE RECONCILING
plan -o json
[[ $(health orders) == "Progressing: INITIALIZING_BLUE: deploying blue (orders-blue)" ]] ||
	fail "initializing: $(health orders)"
bgstatus orders TRANSITIONING_TO_BLUE RECONCILING
child orders blue DEPLOYED RUNNING
plan -o json
[[ $(health orders) == "Progressing: TRANSITIONING_TO_BLUE: deploying blue (orders-blue): deployed, waiting for the job to become stable (job RUNNING)" ]] ||
	fail "first deployment: $(health orders)"
bgstatus orders ACTIVE_BLUE RUNNING
child orders blue STABLE RUNNING
plan -o json
expect_rc 0 "nothing to do"
[[ $(health orders) == "Healthy: ACTIVE_BLUE: orders-blue runs the job" ]] || fail "active: $(health orders)"
[[ $(jqp '[.namespaces[].objects[] | select(.kind == "FlinkDeployment")] | length') == 0 ]] ||
	fail "a child is in the plan: $(cat "$work/out")"
# someone edits the child, the operator's: never drift, never touched
edit flinkdeployment orders-blue 's/parallelism: 2/parallelism: 5/'
drift
expect_rc 0 "children are not drift"
has "1 object checked: 0 drifted" "children are not drift"
audit_mark
sync
expect_rc 0 "sync with children there"
# other tests run flink-gitops meanwhile: only this namespace counts
audit_since >"$work/audit"
[[ -z $(grep -F "\"namespace\":\"$ns\"" "$work/audit" |
	grep -E '"verb":"(patch|delete|update|create)"' | grep -F flinkdeployments || true) ]] ||
	fail "sync wrote a child: $(grep -F "\"namespace\":\"$ns\"" "$work/audit")"
[[ $(kc get -n "$ns" configmap flink-gitops-inventory -o jsonpath='{.metadata.annotations.applyset\.kubernetes\.io/contains-group-kinds}') == \
	"FlinkBlueGreenDeployment.flink.apache.org" ]] || fail "a child in the inventory"
echo "ok: 1: validated, created, INITIALIZING -> ACTIVE_BLUE; its children are never drift, never written, not in the inventory"

# ---- 2: every diff type, in the operator's words -----------------------------
set_field orders upgradeMode last-state
[[ $(bgplan orders) == "PATCH_CHILD blue blue none" ]] || fail "PATCH_CHILD: $(obj FlinkBlueGreenDeployment orders)"
plan
expect_rc 2 "patch child"
has "update   FlinkBlueGreenDeployment/orders: PATCH_CHILD: patches blue (orders-blue) in place, no restart (the FlinkDeployment diff is IGNORE)" "PATCH_CHILD words"
set_field orders upgradeMode savepoint
set_field orders image flink:1.20.1
[[ $(bgplan orders) == "TRANSITION blue green savepoint" ]] || fail "TRANSITION: $(obj FlinkBlueGreenDeployment orders)"
plan
has "update   FlinkBlueGreenDeployment/orders: TRANSITION: takes a savepoint of the active blue (orders-blue), deploys green (orders-green) from it; traffic switches to green once it is STABLE with its job RUNNING and blue is deleted after 2s (deployment-deletion.delay), else the operator aborts back to blue after 10 min (abort.grace-period)" "TRANSITION words"
set_field orders image flink:1.20
job_field orders "state: suspended"
[[ $(bgplan orders) == "SUSPEND blue blue savepoint" ]] || fail "SUSPEND: $(obj FlinkBlueGreenDeployment orders)"
plan
has "SUSPEND: blue (orders-blue), in place, suspends with a savepoint" "SUSPEND words"
sync
expect_rc 0 "suspend"
bgstatus orders ACTIVE_BLUE SUSPENDED
child orders blue SUSPENDED FINISHED s3://b/orders/sp/savepoint-1
plan -o json
[[ $(health orders) == "Suspended: ACTIVE_BLUE: orders-blue is suspended" ]] || fail "suspended: $(health orders)"
set_field orders state running
[[ $(bgplan orders) == "RESUME blue blue savepoint" ]] || fail "RESUME: $(obj FlinkBlueGreenDeployment orders)"
plan
has "RESUME: blue (orders-blue), in place, resumes from the savepoint taken when it was suspended" "RESUME words"
sync
bgstatus orders ACTIVE_BLUE RUNNING
child orders blue STABLE RUNNING
job_field orders "savepointRedeployNonce: 1"
job_field orders "initialSavepointPath: s3://b/orders/sp/savepoint-1"
[[ $(bgplan orders) == "SAVEPOINT_REDEPLOY blue green savepoint-redeploy" ]] || fail "SAVEPOINT_REDEPLOY: $(obj FlinkBlueGreenDeployment orders)"
plan
has "SAVEPOINT_REDEPLOY: deploys green (orders-green) from the savepoint at s3://b/orders/sp/savepoint-1 (initialSavepointPath; no new savepoint of the active blue (orders-blue))" "SAVEPOINT_REDEPLOY words"
sed -i '/savepointRedeployNonce/d; /initialSavepointPath/d' "$repo/$ns/orders.yaml"
set_field orders kubernetes.operator.bluegreen.deployment-deletion.delay '"30s"'
[[ $(bgplan orders) == "IGNORE blue null none" ]] || fail "IGNORE: $(obj FlinkBlueGreenDeployment orders)"
plan
has "no restart (IGNORE: the children's spec is unchanged; spec.configuration applies from the next transition)" "IGNORE words"
sync
expect_rc 0 "IGNORE applies"
# a transition in progress: a change goes to the colour being deployed
set_field orders image flink:1.20.1
sync
expect_rc 0 "sync the transition"
bgstatus orders TRANSITIONING_TO_GREEN RECONCILING
child orders green DEPLOYED RUNNING
set_field orders parallelism 4
[[ $(bgplan orders) == "TRANSITION blue green savepoint" ]] || fail "during the transition: $(obj FlinkBlueGreenDeployment orders)"
plan
has "TRANSITION while the transition to green is in progress (TRANSITIONING_TO_GREEN): the operator applies it to green (orders-green), the colour being deployed, which restarts from a savepoint; blue keeps serving" "in transition words"
has "health: Progressing: TRANSITIONING_TO_GREEN: deploying green (orders-green): deployed, waiting for the job to become stable (job RUNNING); blue serves until green is STABLE with its job RUNNING, else the operator aborts back to blue at 2026-11-27T11:59:22.123Z" "transition health"
set_field orders parallelism 2
echo "ok: 2: PATCH_CHILD, TRANSITION, SUSPEND, RESUME, SAVEPOINT_REDEPLOY, IGNORE and a change during a transition, naming the colours"

# ---- 3: health and drift --------------------------------------------------------
bgstatus orders SAVEPOINTING_BLUE RUNNING
plan -o json
[[ $(health orders) == "Progressing: SAVEPOINTING_BLUE: taking a savepoint of blue (orders-blue) before green is deployed from it" ]] ||
	fail "savepointing: $(health orders)"
bgstatus orders ACTIVE_BLUE RUNNING
child orders blue FAILED FAILED
plan -o json
[[ $(health orders) == "Degraded: ACTIVE_BLUE: orders-blue: failed"* ]] || fail "a failed child: $(health orders)"
child orders blue STABLE RUNNING
bgstatus orders ACTIVE_BLUE FAILING "Could not trigger Savepoint. Details: null"
plan -o json
[[ $(health orders) == "Degraded: ACTIVE_BLUE: Could not trigger Savepoint. Details: null" ]] || fail "error: $(health orders)"
drift
has "$ns FlinkBlueGreenDeployment/orders: in sync, health Degraded: ACTIVE_BLUE: Could not trigger Savepoint" "drift: an error is no drift"
# the transition to green aborted after the grace period: back to blue,
# green suspended, the new spec recorded: blue runs the old one
bgstatus orders ACTIVE_BLUE FAILING "Aborting deployment 'orders-green', rolling B/G deployment back to ACTIVE_BLUE"
kc patch -n "$ns" flinkdeployment orders-green --type merge -p '{"spec":{"job":{"state":"suspended"}}}' >/dev/null
drift
expect_rc 2 "an aborted transition is drift"
has "$ns FlinkBlueGreenDeployment/orders: rolled back (health Degraded: transition to green aborted: the operator rolled back to blue (orders-blue), which runs the spec before Git's; orders-green is left suspended: Aborting deployment 'orders-green', rolling B/G deployment back to ACTIVE_BLUE)" "drift: aborted"
has "1 object checked: 1 drifted" "drift count"
drift -o json
[[ $(jq -c '.namespaces[].objects[] | [.state, .why]' "$work/out") == '["rolled back",["rolled-back"]]' ]] ||
	fail "drift json: $(cat "$work/out")"
plan
expect_rc 0 "nothing sync can do"
has "(1 unchanged; 1 Degraded)" "plan counts it"
has "degraded FlinkBlueGreenDeployment/orders: no change; health Degraded: transition to green aborted" "plan says it"
# a new commit starts another transition from blue
set_field orders image flink:1.20.2
[[ $(bgplan orders) == "TRANSITION blue green savepoint" ]] ||
	fail "a new commit after the abort: $(obj FlinkBlueGreenDeployment orders)"
set_field orders image flink:1.20.1
echo "ok: 3: health from blueGreenState, jobStatus, error and the children; an aborted transition is drift"

# ---- 4: state safety -------------------------------------------------------------
bgstatus orders ACTIVE_BLUE RUNNING
kc patch -n "$ns" flinkdeployment orders-green --type merge -p '{"spec":{"job":{"state":"running"}}}' >/dev/null
set_field orders upgradeMode stateless
set_field orders image flink:1.20.2
plan -o json
expect_rc 3 "a stateless transition of a job with state"
[[ $(verdict FlinkBlueGreenDeployment orders) == "stateless-upgrade true" ]] || fail "stateless transition: $(obj FlinkBlueGreenDeployment orders)"
plan
has "BLOCKED: a stateless transition would drop state: the new colour starts WITHOUT the job's state; it would: TRANSITION: deploys green (orders-green) WITHOUT state" "stateless words"
sync
expect_rc 3 "sync holds it"
[[ $(kc get -n "$ns" flinkbluegreendeployment orders -o jsonpath='{.spec.template.spec.image}') == flink:1.20.1 ]] ||
	fail "sync applied the stateless transition"
sed -i "s|^metadata:|metadata:\n  annotations: {flink-gitops.io/policy: allow-stateless-upgrade}|" "$repo/$ns/orders.yaml"
sync
expect_rc 0 "allowed by policy"
[[ $(kc get -n "$ns" flinkbluegreendeployment orders -o jsonpath='{.spec.template.spec.image}') == flink:1.20.2 ]] ||
	fail "the allowed transition was not applied"
bgstatus orders ACTIVE_GREEN RUNNING
kc delete -n "$ns" flinkdeployment orders-blue --wait=false >/dev/null
child orders green STABLE RUNNING
# deleting it deletes its running child: held
rm "$repo/$ns/orders.yaml"
cm keep 1
plan -o json
expect_rc 3 "deleting a running blue/green deployment"
[[ $(verdict FlinkBlueGreenDeployment orders) == "delete-running true" ]] || fail "delete: $(obj FlinkBlueGreenDeployment orders)"
[[ $(obj FlinkBlueGreenDeployment orders | jq -r .policy.reason) == "it deletes its child orders-green (ownerReference): deleting a running job drops its checkpoint history" ]] ||
	fail "delete reason: $(obj FlinkBlueGreenDeployment orders)"
sync
expect_rc 3 "sync holds the delete"
exists flinkbluegreendeployment orders || fail "deleted"
exists flinkdeployment orders-green || fail "its child was pruned"
# suspend-first: the operator suspends green in place, with a savepoint
kc annotate -n "$ns" flinkbluegreendeployment orders flink-gitops.io/policy=delete=suspend-first --overwrite >/dev/null
plan
has "delete   FlinkBlueGreenDeployment/orders: suspends its active child with a savepoint, then deletes it and its children" "suspend-first words"
sync_bg --wait-timeout 60
for i in $(seq 1 100); do
	[[ $(kc get -n "$ns" flinkbluegreendeployment orders -o jsonpath='{.spec.template.spec.job.state}') == suspended ]] && break
	sleep 0.3
done
[[ $(kc get -n "$ns" flinkbluegreendeployment orders -o jsonpath='{.spec.template.spec.job.upgradeMode}') == savepoint ]] ||
	fail "suspend-first: not suspended with a savepoint"
exists flinkbluegreendeployment orders || fail "deleted before the savepoint"
kc patch -n "$ns" flinkdeployment orders-green --type merge -p '{"spec":{"job":{"state":"suspended","upgradeMode":"savepoint"}}}' >/dev/null
child orders green SUSPENDED FINISHED s3://b/orders/sp/savepoint-9
bgstatus orders ACTIVE_GREEN SUSPENDED
finish
expect_rc 0 "suspend-first"
has "suspended with savepoint s3://b/orders/sp/savepoint-9, then deleted" "suspend-first outcome"
exists flinkbluegreendeployment orders && fail "not deleted"
echo "ok: 4: a stateless transition and deleting a running blue/green deployment are held; suspend-first takes the savepoint first"

# ---- 5: switching between FlinkDeployment and FlinkBlueGreenDeployment ----------
new_ns
cm keep 1
cat >"$repo/$ns/payments.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: payments
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    execution.checkpointing.dir: s3://b/payments/ckpt
    execution.checkpointing.savepoint-dir: s3://b/payments/sp
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/usrlib/payments.jar
    parallelism: 2
    upgradeMode: savepoint
EOF
sync
running flinkdeployment payments
bg payments savepoint
plan -o json
expect_rc 3 "a switch of kind"
[[ $(verdict FlinkBlueGreenDeployment payments) == "move true" ]] || fail "switch, create half: $(obj FlinkBlueGreenDeployment payments)"
[[ $(verdict FlinkDeployment payments) == "move true" ]] || fail "switch, delete half: $(obj FlinkDeployment payments)"
plan
has "blocked  FlinkBlueGreenDeployment/payments: BLOCKED: switched from FlinkDeployment payments: a delete and a create; the new job would start from empty state, and the state of the old one stays behind" "switch words"
has "or set spec.template.spec.job.initialSavepointPath in Git" "switch unblock"
sync
expect_rc 3 "sync holds the switch"
exists flinkbluegreendeployment payments && fail "created empty"
sed -i "s|^metadata:|metadata:\n  annotations: {flink-gitops.io/policy: move=savepoint}|" "$repo/$ns/payments.yaml"
plan
expect_rc 2 "switch with a savepoint"
has "create   FlinkBlueGreenDeployment/payments: switched from FlinkDeployment payments: suspends it with a savepoint, starts from that savepoint (initialSavepointPath), then deletes it" "switch with savepoint words"
sync_bg --wait-timeout 90
for i in $(seq 1 100); do
	[[ $(kc get -n "$ns" flinkdeployment payments -o jsonpath='{.spec.job.state}') == suspended ]] && break
	sleep 0.3
done
exists flinkbluegreendeployment payments && fail "created before the savepoint"
reconciled flinkdeployment payments SUSPENDED FINISHED s3://b/payments/sp/savepoint-42
finish
expect_rc 0 "switch"
[[ $(kc get -n "$ns" flinkbluegreendeployment payments -o jsonpath='{.spec.template.spec.job.initialSavepointPath}') == s3://b/payments/sp/savepoint-42 ]] ||
	fail "the blue/green deployment does not start from the savepoint"
exists flinkdeployment payments && fail "the FlinkDeployment is still there"
plan
expect_rc 0 "switched"
# and back, from the active child's savepoint
bgstatus payments ACTIVE_BLUE RUNNING
child payments blue STABLE RUNNING
cat >"$repo/$ns/payments.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: payments
  annotations: {flink-gitops.io/policy: move=savepoint}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    execution.checkpointing.dir: s3://b/payments/ckpt
    execution.checkpointing.savepoint-dir: s3://b/payments/sp
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/usrlib/payments.jar
    parallelism: 2
    upgradeMode: savepoint
EOF
plan
has "create   FlinkDeployment/payments: switched from FlinkBlueGreenDeployment payments: suspends it with a savepoint" "switch back words"
sync_bg --wait-timeout 90
for i in $(seq 1 100); do
	[[ $(kc get -n "$ns" flinkbluegreendeployment payments -o jsonpath='{.spec.template.spec.job.state}') == suspended ]] && break
	sleep 0.3
done
kc patch -n "$ns" flinkdeployment payments-blue --type merge -p '{"spec":{"job":{"state":"suspended"}}}' >/dev/null
child payments blue SUSPENDED FINISHED s3://b/payments/sp/savepoint-43
bgstatus payments ACTIVE_BLUE SUSPENDED
finish
expect_rc 0 "switch back"
[[ $(kc get -n "$ns" flinkdeployment payments -o jsonpath='{.spec.job.initialSavepointPath}') == s3://b/payments/sp/savepoint-43 ]] ||
	fail "the FlinkDeployment does not start from the child's savepoint"
exists flinkbluegreendeployment payments && fail "the blue/green deployment is still there"
echo "ok: 5: switching kinds is a delete and a create, held like a rename, carried out with a savepoint"

# ---- 6: what the operator made is never taken over -----------------------------
new_ns
bg orders savepoint
sync
child orders blue STABLE RUNNING
# a JSON file is YAML: the child as Git would hold it
kc get -n "$ns" flinkdeployment orders-blue -o json |
	jq '{apiVersion, kind, metadata: {name: .metadata.name}, spec}' >"$repo/$ns/orders-blue.yaml"
set +e
"$fg" --log-level warn validate "$repo" >"$work/out" 2>&1
rc=$?
set -e
expect_rc 1 "a FlinkDeployment named as a child"
has "FlinkBlueGreenDeployment orders makes its blue FlinkDeployment under this name: the operator would replace this one with it" "validate: the name is taken"
rm "$repo/$ns/orders.yaml"
plan -o json
[[ $(verdict FlinkDeployment orders-blue) == "owned-elsewhere true" ]] || fail "the child taken over: $(obj FlinkDeployment orders-blue)"
[[ $(obj FlinkDeployment orders-blue | jq -r .policy.reason) == "the operator made it for FlinkBlueGreenDeployment orders (ownerReferences) and owns it; not taken over" ]] ||
	fail "owned words: $(obj FlinkDeployment orders-blue)"
echo "ok: 6: a child is the operator's: Git naming one is an error, and never taken over"

# ---- 7: sync --wait follows a transition to its end ------------------------------
new_ns
bg orders savepoint
sync
bgstatus orders ACTIVE_BLUE RUNNING
child orders blue STABLE RUNNING
set_field orders image flink:1.20.1
sync_bg --wait=60s
sleep 1
bgstatus orders SAVEPOINTING_BLUE RUNNING
# still the spec before Git's
kc patch -n "$ns" flinkbluegreendeployment orders --subresource=status --type=merge -p "{\"status\":{\"lastReconciledSpec\":$(kc get -n "$ns" flinkbluegreendeployment orders -o json |
	jq -c '.spec.template.spec.image = "flink:1.20" | {spec: .spec} | tojson')}}" >/dev/null
sleep 1
bgstatus orders TRANSITIONING_TO_GREEN RECONCILING
child orders green DEPLOYED RUNNING
sleep 1
child orders green STABLE RUNNING
kc delete -n "$ns" flinkdeployment orders-blue --wait=false >/dev/null
bgstatus orders ACTIVE_GREEN RUNNING
finish
expect_rc 0 "sync --wait through the transition"
has "FlinkBlueGreenDeployment/orders: Healthy: ACTIVE_GREEN: orders-green runs the job" "the wait's end"
# an abort ends the wait Degraded
set_field orders image flink:1.20.2
sync_bg --wait=60s
sleep 1
bgstatus orders TRANSITIONING_TO_BLUE RECONCILING
child orders blue DEPLOYED RESTARTING
sleep 1
bgstatus orders ACTIVE_GREEN FAILING "Aborting deployment 'orders-blue', rolling B/G deployment back to ACTIVE_GREEN"
finish
expect_rc 1 "an aborted transition ends the wait Degraded"
has "transition to blue aborted" "the wait says why"
echo "ok: 7: sync --wait follows SAVEPOINTING, TRANSITIONING to ACTIVE, and ends Degraded on an abort"

# ---- 8: the example repository, through every command ----------------------------
example=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../repo-layout/example" && pwd)
ex=fg-bg-example-$$
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
git init -q --bare -b main "$work/example.git"
git init -q -b main "$work/example"
cd "$work/example"
cp -r "$example"/. .
# its analytics namespace, under a name of its own on the shared cluster
mv analytics "$ex"
rm -rf sessions streaming
git add -A && git commit -qm "the example's analytics namespace"
git push -q "$work/example.git" main
exrun() { # exrun CMD ARGS...: on the example's repository
	local cmd=$1
	shift
	set +e
	"$fg" --log-level warn "$cmd" --repo "file://$work/example.git" \
		--cache-dir "$work/example-cache" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	set -e
}
exrun validate --ref main
expect_rc 0 "example: validate"
exrun render --ref main -o json
expect_rc 0 "example: render"
[[ $(jq -r '.items[] | select(.kind == "FlinkBlueGreenDeployment") |
	.spec.template.spec.flinkConfiguration["state.savepoints.dir"]' "$work/out") == \
	"s3://flink-state-example/analytics/savepoints" ]] || fail "example: render: $(cat "$work/out")"
exrun sync --ref main --kubeconfig "$FG_K8S_KUBECONFIG" -n "$ex" --create-namespace
expect_rc 0 "example: sync"
ns=$ex
exists flinkbluegreendeployment payment-scoring || fail "example: not created"
bgstatus payment-scoring ACTIVE_BLUE RUNNING
child payment-scoring blue STABLE RUNNING
running flinkdeployment fraud-detector
exrun drift --ref main --kubeconfig "$FG_K8S_KUBECONFIG" -n "$ex"
expect_rc 0 "example: drift"
has "2 objects checked: 0 drifted" "example: no drift"
git checkout -q -b feature
sed -i 's|parallelism: 2|parallelism: 4|' "$ex/payment-scoring.yaml"
git commit -qam "payment-scoring: parallelism 4"
git push -q "$work/example.git" feature
exrun plan --ref feature --base main
expect_rc 2 "example: plan --base"
has "update   FlinkBlueGreenDeployment/payment-scoring: TRANSITION: takes a savepoint of the active colour (blue or green, as the cluster has it), deploys the other one from it" "example: plan --base words"
exrun plan --ref feature --kubeconfig "$FG_K8S_KUBECONFIG" -n "$ex" -o markdown
expect_rc 2 "example: plan against the cluster"
has "| update | \`FlinkBlueGreenDeployment/payment-scoring\` | TRANSITION: takes a savepoint of the active blue (payment-scoring-blue), deploys green (payment-scoring-green) from it" "example: markdown names the colours"
exrun sync --ref feature --kubeconfig "$FG_K8S_KUBECONFIG" -n "$ex"
expect_rc 0 "example: sync the transition"
bgstatus payment-scoring ACTIVE_BLUE FAILING "Aborting deployment 'payment-scoring-green', rolling B/G deployment back to ACTIVE_BLUE"
exrun drift --ref feature --kubeconfig "$FG_K8S_KUBECONFIG" -n "$ex" -o json
expect_rc 2 "example: drift after an abort"
[[ $(jq -r '.namespaces[].objects[] | select(.kind == "FlinkBlueGreenDeployment") | .state' "$work/out") == "rolled back" ]] ||
	fail "example: drift json: $(cat "$work/out")"
cd "$k8s_dir"
echo "ok: 8: the example's blue/green job through validate, render, sync, drift, plan --base and plan"
echo "ok"
