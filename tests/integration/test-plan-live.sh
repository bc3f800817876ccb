#!/usr/bin/env bash
# `flink-gitops plan` against the real API server of the `k8s` fixture:
# after a sync, Git changes are planned against the live objects and the
# statuses the test writes as the operator would (no operator runs), and
# the audit log proves that plan only reads.
#   test-plan-live.sh ENV_FILE FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${2:?usage: $0 ENV_FILE FLINK_GITOPS}
work=$(mktemp -d "$k8s_dir/test-plan-live.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"


app() { # NAME IMAGE PARALLELISM [MODE]
	cat >"$repo/$ns/$1.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: $1
spec:
  image: $2
  flinkVersion: v1_20
  serviceAccount: flink
  ${4:+mode: $4}
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
    state.checkpoints.dir: s3://b/$1/checkpoints
    state.savepoints.dir: s3://b/$1/savepoints
    execution.checkpointing.interval: 30s
    ${4:+scheduler-mode: reactive}
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: $3
    upgradeMode: savepoint
EOF
}

session_job() { # NAME [POLICY]
	sj "$1" shared
	if [[ -n ${2:-} ]]; then
		sed -i "s|^  name: $1\$|  name: $1\n  annotations: {flink-gitops.io/policy: \"$2\"}|" \
			"$repo/$ns/$1.yaml"
	fi
}

new_ns
app orders flink:1.20 2
app clicks flink:1.20 4 standalone
fd shared
session_job adhoc delete=allow
session_job etl

# ---- before the first sync: everything is a create, exit 2 ---------------
plan
expect_rc 2 "plan on an empty namespace"
has "create   FlinkDeployment/orders" "create"
has "5 to create, 0 to update, 0 to delete, 0 blocked" "creates"
echo "ok: an empty namespace plans five creates (exit 2)"

sync
expect_rc 0 "sync"
plan
expect_rc 0 "plan after sync"
has "0 to create, 0 to update, 0 to delete, 0 blocked (5 unchanged)" "in sync"
echo "ok: after a sync the plan is empty (exit 0)"

# the operator's view: the jobs run
running flinkdeployment orders
running flinkdeployment clicks
running flinksessionjob etl

# ---- a Git change: image, standalone parallelism, a removed session job ----
app orders flink:2.0 2
app clicks flink:1.20 8 standalone
rm "$repo/$ns/adhoc.yaml"
audit_mark
plan -o markdown
expect_rc 2 "plan of changes"
cat "$work/out"
has '| update | `FlinkDeployment/orders` | restarts from a savepoint |' "image"
has '| `spec.image` | <code>"flink:1.20"</code> | <code>"flink:2.0"</code> |' "image field"
has '| update | `FlinkDeployment/clicks` | rescales in place to 8 |' "scale"
has '| `spec.job.parallelism` | <code>4</code> | <code>8</code> |' "scale field"
has '| delete | `FlinkSessionJob/adhoc` |' "delete"
has '0 to create, 2 to update, 1 to delete, 0 blocked' "summary"
if grep -q 'FlinkSessionJob/etl\|FlinkDeployment/shared' "$work/out"; then
	fail "unchanged objects are listed: $(cat "$work/out")"
fi
echo "ok: image -> savepoint restart, standalone parallelism -> scale, removed session job -> delete (exit 2)"

# ---- plan never writes; it reads with LISTs, never a GET per object -------
audit_since >"$work/audit"
[[ -s $work/audit ]] || fail "no flink-gitops requests in the audit log"
# other tests run flink-gitops at the same time (check's access reviews,
# their own syncs): count only what touches this test's namespace
w=$(grep -F "/namespaces/$ns/" "$work/audit" |
	grep -cE '"verb":"(create|update|patch|delete|deletecollection)"' || true)
[[ $w == 0 ]] || fail "plan made $w write requests: $(grep -F "/namespaces/$ns/" "$work/audit" | grep -E '"verb":"(create|update|patch|delete)"')"
g=$(grep -F '"verb":"get"' "$work/audit" | grep -cF "/namespaces/$ns/" || true)
[[ $g == 0 ]] || fail "plan made $g GET requests for objects in $ns"
lists=$(grep -F '"verb":"list"' "$work/audit" | grep -F "/namespaces/$ns/" |
	grep -oE '"requestURI":"[^"?]*' | sort)
dups=$(uniq -d <<<"$lists")
[[ -z $dups ]] || fail "a kind was listed twice in $ns: $dups"
echo "ok: plan made 0 write requests, no GET per object, $(wc -l <<<"$lists") LISTs in $ns, each kind once"

# ---- JSON says the same ----------------------------------------------------
plan -o json
expect_rc 2 "plan -o json"
has '"exitCode": 2' "json exit code"
echo "ok: -o json"

# ---- a running job's deletion is blocked: exit 3 --------------------------
rm "$repo/$ns/etl.yaml"
plan
expect_rc 3 "plan with a blocked delete"
has "blocked  FlinkSessionJob/etl: BLOCKED: " "blocked delete"
has "update   FlinkDeployment/orders: restarts from a savepoint" "text update"
echo "ok: deleting a running session job is BLOCKED (exit 3)"

# ---- --repo: the same plan from a Git repository ----------------------------
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" commit -qm head
set +e
"$fg" --log-level warn plan --repo "file://$(realpath "$repo")" --ref main \
	--cache-dir "$work/cache" --kubeconfig "$FG_K8S_KUBECONFIG" -n "$ns" \
	>"$work/out" 2>"$work/err"
rc=$?
set -e
expect_rc 3 "plan --repo"
has "plan cluster -> main@" "head label"
has "blocked  FlinkSessionJob/etl" "plan --repo"
echo "ok: plan --repo URL --ref REF"

# ---- errors exit 1, usage errors 64 (never a result's code) -----------------
plan --context no-such-context
expect_rc 1 "unknown context"
plan -o yaml
expect_rc 64 "usage error"
echo "ok: errors exit 1, usage errors 64"

# ---- what sync would not touch is no change (defaulting included) -----------
new_ns
service_web
sync
expect_rc 0 "sync service"
plan
expect_rc 0 "plan after sync: the defaulted protocol is no change"
echo "ok: a defaulted Service is no change"
echo "ok"
