#!/bin/bash
# flink-gitops plan --base: two commits of a real bare Git repository (made
# with the real `git`, read over file://), planned offline. No cluster.
# usage: test-plan.sh FLINK_GITOPS
set -euo pipefail

FG=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
git init -q --bare -b main "$T/repo.git"
git init -q -b main "$T/work"
cd "$T/work"

app() { # NAME IMAGE UPGRADE_MODE [MODE PARALLELISM]
	cat <<YAML
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
    ${4:+scheduler-mode: reactive}
    state.checkpoints.dir: s3://b/$1/checkpoints
    state.savepoints.dir: s3://b/$1/savepoints
    execution.checkpointing.interval: 30s
    high-availability.type: kubernetes
    high-availability.storageDir: s3://b/$1/ha
  jobManager:
    resource: {memory: 2048m, cpu: 1}
  taskManager:
    resource: {memory: 2048m, cpu: 1}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: ${5:-2}
    upgradeMode: $3
YAML
}

session_job() { # NAME [POLICY]
	local ann=""
	[ -z "${2:-}" ] || ann="annotations: {flink-gitops.io/policy: \"$2\"}"
	cat <<YAML
---
apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: $1
  $ann
spec:
  deploymentName: shared
  job:
    jarURI: https://example.com/$1.jar
    parallelism: 1
YAML
}

mkdir jobs
app orders flink:1.20 savepoint >jobs/orders.yaml
app clicks flink:1.20 savepoint standalone 4 >jobs/clicks.yaml
app fraud flink:1.20 savepoint >jobs/fraud.yaml
cat >jobs/session.yaml <<YAML
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: shared
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager:
    resource: {memory: 2048m, cpu: 1}
  taskManager:
    resource: {memory: 2048m, cpu: 1}
YAML
session_job adhoc delete=suspend-first >>jobs/session.yaml
session_job etl >>jobs/session.yaml
"$FG" validate . >/dev/null || fail "base repository does not validate"
git add -A && git commit -qm base
BASE=$(git rev-parse HEAD)

# head: image (savepoint upgrade), parallelism in standalone (scale),
# savepoint -> stateless with an image change (blocked), two session jobs
# gone (one suspend-first, one blocked)
app orders flink:2.0 savepoint >jobs/orders.yaml
app clicks flink:1.20 savepoint standalone 8 >jobs/clicks.yaml
app fraud flink:2.0 stateless >jobs/fraud.yaml
sed -i '/^---$/,$d' jobs/session.yaml
"$FG" validate . >/dev/null || fail "head repository does not validate"
git add -A && git commit -qm head
git push -q "$T/repo.git" main

plan() { "$FG" plan --repo "file://$T/repo.git" --cache-dir "$T/cache" "$@"; }

rc=0
plan --base "$BASE" -o markdown >"$T/plan.md" || rc=$?
cat "$T/plan.md"
[ "$rc" = 3 ] || fail "exit $rc, want 3 (something blocked)"
want() { grep -qF -- "$1" "$T/plan.md" || fail "markdown lacks: $1"; }
want '| update | `FlinkDeployment/orders` | restarts from a savepoint |'
want '| update | `FlinkDeployment/clicks` | rescales in place to 8 |'
want '| **BLOCKED** (update) | `FlinkDeployment/fraud` | **BLOCKED: stateless upgrade would drop state; it would: restarts WITHOUT state (stateless upgrade)**'
want '| delete | `FlinkSessionJob/adhoc` | suspends with a savepoint, then deletes |'
want '| **BLOCKED** (delete) | `FlinkSessionJob/etl` | **BLOCKED: deleting a running job drops its checkpoint history**'
want '| `spec.image` | <code>"flink:1.20"</code> | <code>"flink:2.0"</code> |'
want '| `spec.job.parallelism` | <code>4</code> | <code>8</code> |'
want '0 to create, 2 to update, 1 to delete, 2 blocked'
if grep -q 'FlinkDeployment/shared' "$T/plan.md"; then
	fail "the unchanged session cluster is listed"
fi

# JSON: the same plan, machine-readable
rc=0
plan --base "$BASE" -o json >"$T/plan.json" || rc=$?
[ "$rc" = 3 ] || fail "json: exit $rc, want 3"
grep -q '"exitCode": 3' "$T/plan.json" || fail "json lacks exitCode 3"

# no difference: exit 0
rc=0
plan --base main >"$T/none.txt" || rc=$?
[ "$rc" = 0 ] || { cat "$T/none.txt"; fail "same revision: exit $rc, want 0"; }

# only changes, nothing blocked: exit 2 (base = head minus the clicks scale)
git checkout -q "$BASE" -- jobs
app orders flink:2.0 savepoint >jobs/orders.yaml
git add -A && git commit -qm "only the image" && git push -q "$T/repo.git" main
rc=0
plan --base "$BASE" >"$T/changes.txt" || rc=$?
cat "$T/changes.txt"
[ "$rc" = 2 ] || fail "changes only: exit $rc, want 2"
grep -q 'update   FlinkDeployment/orders: restarts from a savepoint' \
	"$T/changes.txt" || fail "text lacks the orders row"

# usage errors exit 64, never a result's code (2 means changes)
rc=0
"$FG" plan --base main >/dev/null 2>&1 || rc=$?
[ "$rc" = 64 ] || fail "--base without --repo: exit $rc, want 64"

# a render error in the head is an error (1), not "blocked" (3): a broken
# pull request must fail the pipeline step
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n' >jobs/broken.yaml
git add -A && git commit -qm broken && git push -q "$T/repo.git" main:broken
rc=0
plan --ref broken --base "$BASE" >"$T/broken.txt" 2>"$T/broken.err" || rc=$?
[ "$rc" = 1 ] || fail "render error: exit $rc, want 1: $(cat "$T/broken.err")"
grep -q 'broken.yaml' "$T/broken.err" || fail "render error not shown: $(cat "$T/broken.err")"
echo "ok"
