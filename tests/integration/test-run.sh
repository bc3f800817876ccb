#!/usr/bin/env bash
# flink-gitops run against the real API server of the `k8s` fixture and a
# real git daemon (tests/git/servers.sh), as a platform team runs it:
# commits applied within an interval or, with a signed webhook, within
# 2 s; a bad signature is refused and triggers nothing; a kubectl change
# is in DRIFT.md within 5 s; a quiet minute costs no request but the
# watches (the audit log as witness); the status branch, notes,
# savepoint lineage, a proposed branch's plan, annotations and Events;
# /metrics passes promtool and counts what happened; a broken commit keeps
# the last good one; a concurrent writer loses nothing on the status
# branch; SIGHUP with a broken file keeps the old one; SIGTERM exits 0.
#   test-run.sh K8S_ENV GIT_ENV FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${3:?usage: $0 K8S_ENV GIT_ENV FLINK_GITOPS}
work=$(mktemp -d "$k8s_dir/test-run.XXXXXX")
agent_pid=
cleanup() {
	local rc=$?
	[[ -n $agent_pid ]] && kill -9 "$agent_pid" 2>/dev/null
	# a failure shows what the agent was doing
	((rc == 0)) || [[ ! -s $work/a.log ]] ||
		{ echo "--- the agent's last log lines:"; tail -n 40 "$work/a.log"; } >&2
	[[ -n ${writer_pid:-} ]] && kill "$writer_pid" 2>/dev/null
	[[ -n ${FG_RUN_KEEP:-} ]] && echo "kept $work" || rm -rf "$work"
	rm -rf "$KUBECACHEDIR"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib-run.sh"
load_git_env "$2"
quiet_s=${FG_RUN_QUIET_S:-60}

printf 'run-test-secret\n' >"$work/secret"
ns=fg-run-$$
kc create namespace "$ns" >/dev/null
new_source run-$$
mkdir -p "$src/$ns"
settings() {
	cat >"$src/$ns/settings.yaml" <<-EOF
		apiVersion: v1
		kind: ConfigMap
		metadata:
		  name: settings
		data:
		  value: "$1"
	EOF
}
app() { # app IMAGE
	cat >"$src/$ns/app.yaml" <<-EOF
		apiVersion: flink.apache.org/v1beta1
		kind: FlinkDeployment
		metadata:
		  name: app
		spec:
		  image: $1
		  flinkVersion: v1_20
		  serviceAccount: flink
		  ingress: {template: "{{name}}.{{namespace}}.flink.example"}
		  jobManager: {resource: {memory: 2048m, cpu: 1}}
		  taskManager: {resource: {memory: 2048m, cpu: 1}}
		  job:
		    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
		    parallelism: 2
		    upgradeMode: stateless
	EOF
}
cm_is() { [[ $(cm_value settings) == "$1" ]]; }
image_is() {
	[[ $(kc get -n "$ns" flinkdeployment app -o jsonpath='{.spec.image}') == "$1" ]]
}
branch_has() { on_branch "$1" | grep -qF -- "$2"; }
annotated() { # KIND NAME COMMIT
	[[ $(kc get -n "$ns" "$1" "$2" -o json |
		jq -r '.metadata.annotations["flink-gitops.io/synced-commit"]') == "$3" ]]
}
drift_annotated() {
	[[ $(kc get -n "$ns" configmap drifty -o json |
		jq -r '.metadata.annotations["flink-gitops.io/drift"]') == "$1" ]]
}
settings 1
app flink:1.20
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: drifty\ndata:\n  value: "git"\n' >"$src/$ns/drifty.yaml"
commit "first"
c1=$commit

# --- a bad file fails at start, naming line and column ---
printf 'apiVersion: flink-gitops.io/v1alpha1\nkind: AgentConfig\nsource: {url: %s, intervall: 1m}\n' \
	"$url" >"$work/bad.yaml"
set +e
"$fg" run --config "$work/bad.yaml" 2>"$work/bad.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "a bad config: exit $rc"
grep -qF "$work/bad.yaml:3:" "$work/bad.err" ||
	fail "no FILE:LINE:COL in: $(cat "$work/bad.err")"
grep -qF 'unknown field "source.intervall"' "$work/bad.err" ||
	fail "no unknown field in: $(cat "$work/bad.err")"

# --- start: the first commit applied, ready ---
config "$work/agent.yaml"
start_agent a "$work/agent.yaml"
wait_until 20 "first pass" curl -sf "http://127.0.0.1:$port/readyz"
[[ $(cm_value settings) == 1 ]] || fail "settings not applied"
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || fail "healthz"

# annotations (own field manager) and Events on the objects
wait_until 10 "annotations" annotated configmap settings "$c1"
kc get -n "$ns" configmap settings -o json --show-managed-fields | jq -e --arg c "$c1" '
	.metadata.annotations["flink-gitops.io/synced-commit"] == $c and
	.metadata.annotations["flink-gitops.io/health"] == "Healthy" and
	.metadata.annotations["flink-gitops.io/drift"] == "none" and
	(.metadata.annotations["flink-gitops.io/synced-at"] | length > 0) and
	([.metadata.managedFields[] | select(.manager == "flink-gitops-report")] | length == 1)' \
	>/dev/null || fail "annotations: $(kc get -n "$ns" configmap settings -o json)"
kc get events -n "$ns" -o json | jq -e '[.items[] | select(.reason == "Applied" and
	.involvedObject.name == "settings")] | length == 1' >/dev/null ||
	fail "no Applied event: $(kc get events -n "$ns")"

# the status branch and the note on the synced commit
wait_until 10 "status branch" on_branch "status/$ns/FlinkDeployment/app.json"
on_branch "status/$ns/FlinkDeployment/app.json" | jq -e --arg c "$c1" --arg ns "$ns" '
	.source.commit == $c and .source.file == "\($ns)/app.yaml" and
	.sync.result == "synced" and .webUI == "http://app.\($ns).flink.example" and
	.appliedHash == .desiredHash' >/dev/null ||
	fail "status file: $(on_branch "status/$ns/FlinkDeployment/app.json")"
on_branch STATUS.md | grep -qF "| ConfigMap/settings | synced | Healthy |" ||
	fail "STATUS.md: $(on_branch STATUS.md)"
on_branch DRIFT.md | grep -qF "No drift" || fail "DRIFT.md: $(on_branch DRIFT.md)"
wait_until 10 "note" note "$c1"
note "$c1" | grep -qF "$ns ConfigMap/settings: create" || fail "note: $(note "$c1")"

# --- a webhook with a bad signature: 401, nothing triggered ---
fetches() { grep -c 'event=pass.done.*trigger=fetch' "$work/a.log"; }
passes=$(fetches)
hook github refs/heads/main wrong-secret
[[ $code == 401 ]] || fail "bad signature: HTTP $code"
hook gitlab refs/heads/main wrong-secret
[[ $code == 401 ]] || fail "bad token: HTTP $code"
sleep 1
[[ $(fetches) == "$passes" ]] || fail "a bad signature triggered a pass"

# --- a signed webhook: applied within 2 s ---
settings 2
commit "two"
t0=$(now_ms)
hook github refs/heads/main
[[ $code == 202 ]] || fail "signed push: HTTP $code"
wait_until 2 "webhook to applied" cm_is 2
echo "webhook to applied: $(($(now_ms) - t0)) ms"
hook github refs/heads/other
[[ $code == 200 ]] || fail "push to another branch: HTTP $code"

# --- without a webhook: within one interval (20 s) ---
settings 3
commit "three"
wait_until 23 "commit to applied without webhook" cm_is 3

# --- drift: in DRIFT.md within 5 s, without a commit ---
t0=$(now_ms)
kc patch -n "$ns" configmap drifty --type merge -p '{"data":{"value":"edited"}}' >/dev/null
wait_until 5 "drift in DRIFT.md" branch_has DRIFT.md "data.value"
echo "kubectl change to DRIFT.md: $(($(now_ms) - t0)) ms"
on_branch DRIFT.md | grep -qF '`data.value`: Git `"git"`, cluster `"edited"` (set by kubectl-patch' ||
	fail "DRIFT.md: $(on_branch DRIFT.md)"
[[ $(cm_value drifty) == edited ]] || fail "drift was taken back without selfHeal"
wait_until 5 "drift annotation" drift_annotated "data.value (kubectl-patch)"
[[ $(metric "flink_gitops_drifted_objects{namespace=\"$ns\"}") == 1 ]] ||
	fail "drifted metric: $(metrics | grep drifted)"

# --- a quiet minute: no request but the watches ---
sleep 2
audit_mark
sleep "$quiet_s"
# (this agent's requests: its user agent names it, HOSTNAME-PID)
mine=$(audit_since | grep -F -- "(run; " | grep -F -- "-$agent_pid)" || true)
others=$(jq -r 'select(.verb != "watch") | "\(.verb) \(.requestURI)"' <<<"$mine")
[[ -z $others ]] || fail "requests while quiet: $others"
echo "quiet ${quiet_s}s: $(grep -c . <<<"$mine") completed requests (watches only)"

# --- savepoint lineage: a revert names the savepoint of its commit ---
status FlinkDeployment app '{"lifecycleState":"STABLE","jobStatus":{"state":"RUNNING","jobId":"j1","savepointInfo":{"lastSavepoint":{"location":"s3://b/sp/while-c1","timeStamp":1700000000000}}}}'
wait_until 10 "lineage" branch_has lineage/$ns/FlinkDeployment/app.json while-c1
on_branch "lineage/$ns/FlinkDeployment/app.json" | jq -e --arg c "$c1" \
	'.[0].commit == $c and .[0].type == "savepoint"' >/dev/null ||
	fail "lineage: $(on_branch "lineage/$ns/FlinkDeployment/app.json")"
app flink:2.0
commit "upgrade"
c2=$commit
hook github refs/heads/main
wait_until 5 "upgrade" image_is flink:2.0
status FlinkDeployment app '{"jobStatus":{"savepointInfo":{"lastSavepoint":{"location":"s3://b/sp/while-c2","timeStamp":1700000100000}}}}'
wait_until 10 "lineage 2" branch_has lineage/$ns/FlinkDeployment/app.json while-c2
app flink:1.20
commit "revert the upgrade"
c_revert=$commit
hook github refs/heads/main
wait_until 10 "revert note" note "$c_revert"
note "$c_revert" | grep -qF "spec.job.initialSavepointPath: s3://b/sp/while-c1" ||
	fail "the revert's note names no savepoint: $(note "$c_revert")"
note "$c_revert" | grep -qF "reverts to the spec that ran at commit ${c1:0:12}" ||
	fail "the revert's note names no commit: $(note "$c_revert")"
# plan names it too, offline between the two revisions
"$fg" --log-level warn plan --repo "$url" --ref "$c_revert" --base "$c2" \
	--cache-dir "$work/plan-cache" >"$work/plan.txt" 2>&1 || true
grep -qF "spec.job.initialSavepointPath: s3://b/sp/while-c1" "$work/plan.txt" ||
	fail "plan names no savepoint: $(cat "$work/plan.txt")"

# --- a proposed branch: planned, noted, never applied ---
git -C "$src" checkout -q -b proposals/bump
settings 99
git -C "$src" add -A
git -C "$src" commit -q -m "propose 99"
git -C "$src" push -q origin proposals/bump 2>/dev/null
proposed=$(git -C "$src" rev-parse HEAD)
git -C "$src" checkout -q main
hook github refs/heads/proposals/bump
[[ $code == 202 ]] || fail "proposal push: HTTP $code"
wait_until 10 "proposal note" note "$proposed"
note "$proposed" | grep -qF "flink-gitops plan for \`refs/heads/proposals/bump\`" ||
	fail "proposal note: $(note "$proposed")"
note "$proposed" | grep -qF "ConfigMap/settings" || fail "proposal note: $(note "$proposed")"
wait_until 10 "plans/proposals/bump.md" on_branch plans/proposals/bump.md
[[ $(cm_value settings) == 3 ]] || fail "a proposal was applied"
# a pull request's head (refs/pull/N/head, fetched besides the branches)
git -C "$src" checkout -q -b pr
settings 42
git -C "$src" add -A
git -C "$src" commit -q -m "pull request"
git -C "$src" push -q origin HEAD:refs/pull/7/head 2>/dev/null
pr=$(git -C "$src" rev-parse HEAD)
git -C "$src" checkout -q main
hook gitea refs/pull/7/head
[[ $code == 202 ]] || fail "gitea push of a pull request: HTTP $code"
wait_until 10 "pull request note" note "$pr"
note "$pr" | grep -qF 'flink-gitops plan for `refs/pull/7/head`' || fail "pr note: $(note "$pr")"
wait_until 10 "plans/pull/7/head.md" on_branch plans/pull/7/head.md
[[ $(cm_value settings) == 3 ]] || fail "a pull request was applied"

# --- a broken commit keeps the last good one in force ---
good=$(git -C "$src" rev-parse HEAD)
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\ndata: {}\n' >"$src/$ns/broken.yaml"
settings 4
commit "broken"
broken=$commit
hook github refs/heads/main
wait_until 10 "refused note" note "$broken"
note "$broken" | grep -qF "NOT applied" || fail "broken note: $(note "$broken")"
[[ $(metric flink_gitops_source_refused) == 1 ]] || fail "source_refused metric"
[[ $(cm_value settings) == 3 ]] || fail "a broken commit was applied"
wait_until 10 "STATUS.md says refused" branch_has STATUS.md "is not applied"
rm "$src/$ns/broken.yaml"
settings 5
commit "fixed"
hook github refs/heads/main
wait_until 5 "the next good commit" cm_is 5
[[ $(metric flink_gitops_source_refused) == 0 ]] || fail "source_refused stays"

# --- a concurrent writer on the status branch loses nothing ---
(
	d=$work/other-writer
	git clone -q -b flink-gitops/status "$url" "$d" 2>/dev/null
	git -C "$d" config user.email other@example.com
	git -C "$d" config user.name other
	for i in $(seq 1 15); do
		echo "$i" >"$d/other-$i.md"
		git -C "$d" add -A
		git -C "$d" commit -q -m "other $i"
		until git -C "$d" push -q origin HEAD:flink-gitops/status 2>/dev/null; do
			git -C "$d" pull -q --rebase origin flink-gitops/status 2>/dev/null
		done
		sleep 0.1
	done
) &
writer_pid=$!
for v in 6 7 8; do
	settings $v
	commit "v$v"
	hook github refs/heads/main
	kc patch -n "$ns" flinkdeployment app --subresource=status --type merge \
		-p "{\"status\":{\"jobStatus\":{\"jobId\":\"j$v\"}}}" >/dev/null
	sleep 0.5
done
wait "$writer_pid"
writer_pid=
wait_until 10 "the agent's last status" branch_has status/$ns/FlinkDeployment/app.json '"j8"'
for i in $(seq 1 15); do
	on_branch "other-$i.md" >/dev/null || fail "the other writer's other-$i.md is lost"
done

# --- a job's fate is reported at once: running, then FAILED ---
health_is() {
	[[ $(kc get -n "$ns" flinkdeployment app -o json |
		jq -r '.metadata.annotations["flink-gitops.io/health"]') == "$1" ]]
}
stable() { # the operator's view of a running job, at this generation
	running FlinkDeployment app
	status FlinkDeployment app "{\"observedGeneration\": $(kc get -n "$ns" flinkdeployment app -o jsonpath='{.metadata.generation}')}"
}
stable
wait_until 5 "Healthy" health_is Healthy
t0=$(now_ms)
status FlinkDeployment app '{"lifecycleState":"FAILED","error":"{\"message\":\"job crashed\"}"}'
wait_until 5 "FAILED reported" health_is Degraded
echo "job FAILED to reported: $(($(now_ms) - t0)) ms"
sleep 0.5
kc get events -n "$ns" -o json | jq -e '[.items[] | select(.reason == "Degraded" and
	.involvedObject.name == "app")] | length == 1' >/dev/null ||
	fail "no Degraded event: $(kc get events -n "$ns")"
wait_until 5 "STATUS.md Degraded" branch_has STATUS.md "| FlinkDeployment/app | synced | Degraded |"
stable
wait_until 5 "Healthy again" health_is Healthy

# --- /metrics: promtool, and the counters match what happened ---
metrics >"$work/metrics.txt"
promtool check metrics <"$work/metrics.txt" >"$work/promtool.out" 2>&1 ||
	fail "promtool: $(cat "$work/promtool.out")"
[[ $(metric 'flink_gitops_webhooks_total{provider="github",result="unauthorized"}') == 1 ]] ||
	fail "unauthorized webhooks: $(grep webhooks "$work/metrics.txt")"
[[ $(metric 'flink_gitops_webhooks_total{provider="gitlab",result="unauthorized"}') == 1 ]] ||
	fail "unauthorized gitlab webhooks"
ok_hooks=$(metric 'flink_gitops_webhooks_total{provider="github",result="triggered"}')
[[ $ok_hooks == 9 ]] || fail "triggered webhooks: $ok_hooks"
created=$(metric 'flink_gitops_actions_total{action="create",outcome="applied"}')
[[ $created == 3 ]] || fail "creates counted: $created"
grep -q '^flink_gitops_flink_job_health{namespace="'"$ns"'",kind="FlinkDeployment",name="app",health="Healthy"} 1' "$work/metrics.txt" ||
	fail "job health: $(grep job_health "$work/metrics.txt")"
grep -q '^flink_gitops_api_requests_total{verb="PATCH",code="200"} [1-9]' "$work/metrics.txt" ||
	fail "API requests: $(grep api_requests "$work/metrics.txt")"
grep -q '^flink_gitops_passes_total{result="success"} [1-9]' "$work/metrics.txt" ||
	fail "passes: $(grep passes_total "$work/metrics.txt")"

# --- SIGHUP with a broken file keeps the old one ---
cp "$work/agent.yaml" "$work/agent.good"
printf 'apiVersion: flink-gitops.io/v1alpha1\nkind: AgentConfig\nsource: {url: 1, timeout: forever}\n' >"$work/agent.yaml"
kill -HUP "$agent_pid"
wait_until 5 "config.kept" grep -qF "event=config.kept" "$work/a.log"
settings 9
commit "after a bad reload"
hook github refs/heads/main
wait_until 5 "applied after a bad reload" cm_is 9
# and a good one is taken: now with selfHeal, the drift is taken back
sed 's/^sync: {/sync: {selfHeal: true, /' "$work/agent.good" >"$work/agent.yaml"
kill -HUP "$agent_pid"
wait_until 10 "config.loaded" grep -qF "event=config.loaded" "$work/a.log"
port=$(sed -n 's/.*event=http.listening .*port=\([0-9]*\).*/\1/p' "$work/a.log" | tail -n 1)
wait_until 10 "ready after reload" curl -sf "http://127.0.0.1:$port/healthz"
drifty_is() { [[ $(cm_value drifty) == "$1" ]]; }
wait_until 10 "selfHeal takes the drift back" drifty_is git
t0=$(now_ms)
kc patch -n "$ns" configmap drifty --type merge -p '{"data":{"value":"again"}}' >/dev/null
wait_until 5 "kubectl edit healed" drifty_is git
echo "kubectl change healed (selfHeal): $(($(now_ms) - t0)) ms"
kc get events -n "$ns" -o json | jq -e '[.items[] | select(.reason == "DriftHealed" and
	.involvedObject.name == "drifty")] | length >= 1' >/dev/null ||
	fail "no DriftHealed event: $(kc get events -n "$ns")"

# --- SIGTERM: exit 0 ---
stop_agent
[[ $agent_rc == 0 ]] || fail "SIGTERM: exit $agent_rc"
agent_pid=
grep -qF "event=run.stop" "$work/a.log" || fail "no run.stop"
grep -c "event=pass.done" "$work/a.log" | sed 's/^/passes: /'
echo "test-run: ok"
