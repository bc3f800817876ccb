#!/usr/bin/env bash
# flink-gitops run under failure, against the real API server and git
# daemon:
#  - SIGTERM in the middle of a pass of 1000 objects: the agent exits 0
#    and the inventory lists exactly the objects that were applied (none
#    half-recorded); the next start applies the rest;
#  - two agents with leader election on a Lease: only the leader writes
#    (the audit log, by user agent and the lease holder's log); the
#    standby is ready and hands a webhook it gets to the leader; killing
#    it (SIGKILL) hands over within the lease duration plus one retry,
#    and a stopped leader (SIGTERM) gives the Lease up at once.
#   test-run-ha.sh K8S_ENV GIT_ENV FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${3:?usage: $0 K8S_ENV GIT_ENV FLINK_GITOPS}
work=$(mktemp -d "$k8s_dir/test-run-ha.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	[[ -n ${FG_RUN_KEEP:-} ]] && echo "kept $work" || rm -rf "$work"
	rm -rf "$KUBECACHEDIR"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib-run.sh"
load_git_env "$2"
printf 'ha-test-secret\n' >"$work/secret"

# members: "kind/name" of the inventory's members, sorted
members() {
	kc get -n "$ns" configmap "flink-gitops-inventory.$repo_name" \
		-o jsonpath='{.data.members}' | jq -r '.[] | "\(.kind)/\(.name)"' | sort
}
# labelled: "kind/name" of the ConfigMaps carrying our part-of label
labelled() {
	kc get -n "$ns" configmaps -o json | jq -r '.items[] |
		select(.metadata.labels["applyset.kubernetes.io/part-of"] != null) |
		"ConfigMap/\(.metadata.name)"' | sort
}

# --- SIGTERM in the middle of a pass ---
ns=fg-run-stop-$$
kc create namespace "$ns" >/dev/null
new_source stop-$$
mkdir -p "$src/$ns"
for i in $(seq -w 1 1000); do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\ndata:\n  value: "%s"\n' \
		"$i" "$i" >"$src/$ns/cm-$i.yaml"
done
commit "1000 objects"
agent_name=stop config "$work/stop.yaml" "reports: {git: {enabled: false, notes: false}, annotations: false, events: false}"
sed -i 's/^cluster: {kubeconfig: \(.*\)}$/cluster: {kubeconfig: \1, connections: 1}/' "$work/stop.yaml"
start_agent stop "$work/stop.yaml"
pids+=("$agent_pid")
for _ in $(seq 1 400); do
	(($(kc get -n "$ns" configmaps -o name | wc -l) > 20)) && break
	sleep 0.05
done
stop_agent
[[ $agent_rc == 0 ]] || fail "SIGTERM during a pass: exit $agent_rc"
grep -q 'event=pass.done.*stopped=1' "$work/stop.log" ||
	fail "the pass did not stop early: $(grep pass.done "$work/stop.log")"
applied=$(labelled | wc -l)
((applied > 0 && applied < 1000)) || fail "SIGTERM came too late or too early: $applied applied"
[[ "$(members)" == "$(labelled)" ]] ||
	fail "half-recorded inventory: $(diff <(members) <(labelled) | head)"
echo "SIGTERM after $applied of 1000 objects: the inventory lists exactly those"
start_agent stop "$work/stop.yaml"
pids+=("$agent_pid")
wait_until 60 "the rest applied" bash -c "[[ \$('$kubectl_bin' --kubeconfig '$FG_K8S_KUBECONFIG' get -n $ns configmap flink-gitops-inventory.$repo_name -o jsonpath='{.data.members}' | jq length) == 1000 ]]"
stop_agent
[[ $agent_rc == 0 ]] || fail "second stop: exit $agent_rc"

# --- two agents, one Lease ---
ns=fg-run-ha-$$
kc create namespace "$ns" >/dev/null
kc create namespace "lease-$$" >/dev/null
new_source ha-$$
mkdir -p "$src/$ns"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "1"\n' >"$src/$ns/settings.yaml"
commit "one"
le="leaderElection: {enabled: true, namespace: lease-$$, name: agents, leaseDuration: 6s, renewPeriod: 2s, retryPeriod: 1s}"
interval=2s agent_name=ha1 config "$work/ha1.yaml" "$le"
interval=2s agent_name=ha2 config "$work/ha2.yaml" "$le"
start_agent ha1 "$work/ha1.yaml"
pid1=$agent_pid port1=$port
pids+=("$pid1")
wait_until 15 "ha1 leads" grep -q 'event=lease.acquired' "$work/ha1.log"
start_agent ha2 "$work/ha2.yaml"
pid2=$agent_pid port2=$port
pids+=("$pid2")
wait_until 10 "ha1 applied" bash -c "'$kubectl_bin' --kubeconfig '$FG_K8S_KUBECONFIG' get -n $ns configmap settings"
sleep 5
grep -q 'event=lease.acquired' "$work/ha2.log" && fail "two leaders"
grep -q 'event=pass.done' "$work/ha2.log" && fail "the follower ran a pass"
grep -q 'event=report' "$work/ha2.log" && fail "the follower wrote a report"
# the audit log: no write by the follower (its user agent names it), but
# to the Lease
follower_writes=$(grep -F -- "(run; " "$FG_K8S_AUDIT_LOG" | grep -F -- "-$pid2)" |
	jq -r 'select(.stage == "ResponseComplete") |
		select(.verb == "create" or .verb == "update" or .verb == "patch" or .verb == "delete") |
		select(.objectRef.resource != "leases") | .requestURI')
[[ -z $follower_writes ]] || fail "the follower wrote: $follower_writes"
leader_writes=$(grep -F -- "(run; " "$FG_K8S_AUDIT_LOG" | grep -F -- "-$pid1)" |
	jq -r 'select(.stage == "ResponseComplete") | select(.verb == "patch") | .requestURI' | wc -l)
((leader_writes > 0)) || fail "the leader wrote nothing"
[[ $(curl -s "http://127.0.0.1:$port2/metrics" | awk '$1 == "flink_gitops_leader" { print $2 }') == 0 ]] ||
	fail "the follower says it leads"
holder=$(kc get lease -n "lease-$$" agents -o jsonpath='{.spec.holderIdentity}')
[[ $holder == *-$pid1 ]] || fail "lease holder $holder is not ha1 ($pid1)"
# the standby is ready (a Deployment of two rolls), and a webhook that
# reaches it (behind a Service, any replica may get it) is handed to the
# leader through the Lease: the leader fetches at its next renewal
wait_until 5 "the standby is ready" curl -sf "http://127.0.0.1:$port2/readyz"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "1b"\n' >"$src/$ns/settings.yaml"
commit "one b"
port=$port2 hook github refs/heads/main
[[ $code == 202 ]] || fail "webhook at the standby: HTTP $code"
wait_until 10 "the standby hands the fetch over" grep -q 'event=lease.ask_fetch' "$work/ha2.log"
wait_until 10 "the leader is asked" grep -q 'event=lease.fetch_asked' "$work/ha1.log"
wait_until 10 "the leader applies it" bash -c "[[ \$('$kubectl_bin' --kubeconfig '$FG_K8S_KUBECONFIG' get -n $ns configmap settings -o jsonpath='{.data.value}') == 1b ]]"
grep -q 'event=pass.done' "$work/ha2.log" && fail "the standby ran a pass"

# the leader dies: the follower takes over within the lease duration
kill -9 "$pid1"
t0=$(now_ms)
wait_until 10 "ha2 takes over" grep -q 'event=lease.acquired' "$work/ha2.log"
took=$(($(now_ms) - t0))
echo "leader killed: ha2 took over after $took ms (lease 6 s, retry 1 s)"
((took <= 7500)) || fail "took over after $took ms"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "2"\n' >"$src/$ns/settings.yaml"
commit "two"
wait_until 10 "ha2 applies" bash -c "[[ \$('$kubectl_bin' --kubeconfig '$FG_K8S_KUBECONFIG' get -n $ns configmap settings -o jsonpath='{.data.value}') == 2 ]]"

# a new replica follows; the leader stops cleanly and hands over at once
start_agent ha3 "$work/ha1.yaml"
pid3=$agent_pid
pids+=("$pid3")
sleep 2
grep -q 'event=lease.acquired' "$work/ha3.log" && fail "ha3 leads while ha2 does"
stop_agent "$pid2"
[[ $agent_rc == 0 ]] || fail "ha2 SIGTERM: exit $agent_rc"
grep -q 'event=lease.released' "$work/ha2.log" || fail "ha2 did not release the lease"
t0=$(now_ms)
wait_until 5 "ha3 takes over" grep -q 'event=lease.acquired' "$work/ha3.log"
echo "leader stopped: ha3 took over after $(($(now_ms) - t0)) ms"
stop_agent "$pid3"
echo "test-run-ha: ok"
