#!/usr/bin/env bash
# Fault: the agent (`flink-gitops run`) SIGKILLed at random points, at
# least 100 times. A node dies, the OOM killer picks the agent, a rollout
# kills the pod: the next agent must converge, and what it keeps in Git
# and on the cluster must never be corrupt.
#
# Git (a git daemon of the script's own) switches between two states
# before every start (tests/faults/lib.sh ab_state: B deletes a quarter of
# A's objects, adds as many and changes the rest). Each agent is killed
# after a random delay within the time an uninterrupted agent takes from
# its start to the status branch written, so the kills land in the
# start, the fetch, the apply, the inventories and the reports (status
# branch, notes, annotations, Events). After each kill:
#  - every inventory is a member list without duplicates;
#  - the status branch and the notes on the server read (every file of
#    the branch, every status file JSON);
#  - no git worker of the killed agent is left running.
# Every tenth kill, and at the end, an agent nobody kills must converge:
# the cluster holds exactly what Git says, each object once, the
# inventories record exactly those objects with their uids, the status
# branch holds one status file per object, each naming the commit, and
# SIGTERM ends it with exit 0.
#   test-run-kill.sh FLINK_GITOPS FAULTPROXY [KILLS]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" run-kill "$1" "$2"
want_kills=${3:-100}
random_seed

prefix=rk$$
tree=$work/tree
git_daemon_start
server=$dir/repos/runkill.git
ab_namespaces "$prefix"
cat >"$work/agent.yaml" <<EOF
apiVersion: flink-gitops.io/v1alpha1
kind: AgentConfig
source: {url: "git://127.0.0.1:$git_port/runkill.git", ref: main, interval: 1h, timeout: 30s}
cluster: {kubeconfig: "$FG_K8S_KUBECONFIG"}
sync: {repository: runkill, allowDelete: true}
reports: {git: {branch: flink-gitops/status, notes: true}, annotations: true, events: true}
listen: 127.0.0.1:0
stateDir: "$work/state"
EOF

# agent_start: an agent in the background, its pid in $pid, log in
# $work/agent.err
agent_start() {
	"$fg" --log-level info run --config "$work/agent.yaml" \
		2>"$work/agent.err" &
	pid=$!
	faults_pids+=("$pid")
}

# reported COMMIT: the status branch on the server holds one status file
# per object of the work tree, each naming COMMIT
reported() {
	local want have
	git --git-dir="$server" rev-parse -q --verify \
		refs/heads/flink-gitops/status >/dev/null || return 1
	rm -rf "$work/st" && mkdir -p "$work/st"
	git --git-dir="$server" archive flink-gitops/status | tar -x -C "$work/st"
	want=$(find "$tree" -path "$tree/$prefix-*" -name '*.yaml' | wc -l)
	have=$(find "$work/st/status" -path "*/$prefix-*" -name '*.json' \
		-exec jq -r --arg c "$1" 'select(.source.commit == $c) | 1' {} + |
		wc -l)
	[[ $(find "$work/st/status" -path "*/$prefix-*" -name '*.json' | wc -l) == "$want" &&
		$have == "$want" ]]
}

# intact WHAT: the status branch and the notes on the server read
intact() {
	if git --git-dir="$server" rev-parse -q --verify \
		refs/heads/flink-gitops/status >/dev/null; then
		rm -rf "$work/st" && mkdir -p "$work/st"
		git --git-dir="$server" archive flink-gitops/status |
			tar -x -C "$work/st" 2>"$work/tar.err" ||
			fail "$1: the status branch does not read: $(cat "$work/tar.err")"
		if [[ -d $work/st/status ]]; then
			find "$work/st/status" -name '*.json' -exec cat {} + |
				jq -s length >/dev/null 2>&1 ||
				fail "$1: a status file is not JSON"
		fi
	fi
	if git --git-dir="$server" rev-parse -q --verify \
		refs/notes/flink-gitops >/dev/null; then
		git --git-dir="$server" notes --ref flink-gitops list >/dev/null ||
			fail "$1: the notes do not read"
	fi
	return 0
}

# full_run WHAT [span]: an agent nobody kills converges on Git's main,
# reports it, and stops cleanly on SIGTERM; with `span`, $span is the
# time from its start to its first status commit (Git must have changed)
full_run() {
	local t0 i rc
	t0=$(now_ms)
	agent_start
	for ((i = 0; i < 3000 && $# > 1; i++)); do
		grep -q 'event=report.git' "$work/agent.err" && break
		kill -0 "$pid" 2>/dev/null ||
			fail "$1: the agent exited: $(tail -n 20 "$work/agent.err")"
		sleep 0.02
	done
	(($# < 2)) || span=$(($(now_ms) - t0))
	for ((i = 0; i < 1200; i++)); do
		reported "$commit" && break
		kill -0 "$pid" 2>/dev/null ||
			fail "$1: the agent exited: $(tail -n 20 "$work/agent.err")"
		sleep 0.1
	done
	reported "$commit" ||
		fail "$1: the status branch does not report $commit within 120 s: $(tail -n 20 "$work/agent.err")"
	converged "$prefix" "$tree" "$1"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	((rc == 0)) || fail "$1: SIGTERM: exit $rc: $(tail -n 20 "$work/agent.err")"
	grep -q 'event=run.stop' "$work/agent.err" || fail "$1: no run.stop"
	echo "  $1: converged and reported in $(($(now_ms) - t0)) ms"
}

ab_state "$tree" "$prefix" A
git_publish "$tree" runkill
full_run "the first agent"
ab_state "$tree" "$prefix" B
git_publish "$tree" runkill
full_run "an agent from A to B" span
echo "an uninterrupted agent from its start to the status branch written: $span ms"

kills=0 early=0 applying=0 checked=0
next=A
while ((kills < want_kills)); do
	ab_state "$tree" "$prefix" "$next"
	git_publish "$tree" runkill
	[[ $next == A ]] && next=B || next=A
	delay=$((RANDOM % span))
	agent_start
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	if kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; then
		workers=$(pgrep -P "$pid" -f fg-git-worker || true)
		{ wait "$pid"; } 2>/dev/null || true
		kills=$((kills + 1))
		if ! grep -q 'event=source.commit' "$work/agent.err"; then
			early=$((early + 1))
		elif ! grep -q 'event=pass.done' "$work/agent.err"; then
			applying=$((applying + 1))
		fi
		for w in $workers; do
			for _ in $(seq 1 50); do
				kill -0 "$w" 2>/dev/null || break
				sleep 0.1
			done
			! kill -0 "$w" 2>/dev/null ||
				fail "after kill $kills: git worker $w outlived the agent"
		done
	else
		fail "the agent exited on its own: $(tail -n 20 "$work/agent.err")"
	fi
	no_duplicate_members "$prefix" "after kill $kills"
	intact "after kill $kills"
	if ((kills % 10 == 0 && kills != checked)); then
		full_run "the agent after kill $kills"
		checked=$kills
	fi
done
full_run "the agent after the last kill"
ok "$kills agents killed at random (0-$span ms: $early before the pass began, $applying in the pass, $((kills - early - applying)) in the reports after it); every next agent converged and reported, no inventory, status branch or notes corrupt, no git worker left behind"
