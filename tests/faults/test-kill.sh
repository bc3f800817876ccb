#!/usr/bin/env bash
# Fault: flink-gitops SIGKILLed at random points of a sync, at least 100
# times. A pipeline's runner can die at any moment; the next run must
# converge and the inventories must never be corrupt.
#
# Git (served by a git daemon, fetched into a mirror the kills also hit)
# switches between two states on every run: B deletes a quarter of A's
# objects, adds as many and changes the rest. Each run is killed after a
# random delay within the time an uninterrupted run takes. After each
# kill every inventory must still be a member list without duplicates;
# every tenth kill, and at the end, one run without a kill must converge:
# the cluster holds exactly what Git says, each object once, and the
# inventories record exactly those objects with their uids (so nothing a
# killed run created can be left behind when Git drops it).
#   test-kill.sh FLINK_GITOPS FAULTPROXY [KILLS]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" kill "$1" "$2"
want_kills=${3:-100}
random_seed

prefix=fk$$
tree=$work/tree
git_daemon_start
url=git://127.0.0.1:$git_port/kill.git

# state A|B: the work tree holds that state of the repository
state() { ab_state "$tree" "$prefix" "$1"; }
ab_namespaces "$prefix"

# sync_bg: start a sync of Git's main (pid in $pid)
sync_args=(--log-level info sync --repo "$url" --ref main
	--cache-dir "$dir/cache" --kubeconfig "$FG_K8S_KUBECONFIG"
	--allow-delete --timeout 30)

# full_sync WHAT: a run nobody kills converges
full_sync() {
	last_out=$work/full
	fgrun "$work/full" "${sync_args[@]}"
	expect_rc 0 "$1"
	converged "$prefix" "$tree" "$1"
}

state A
git_publish "$tree" kill
full_sync "the first sync"
state B
git_publish "$tree" kill
full_sync "a sync from A to B"
span=$ms
echo "an uninterrupted run from one state to the other: $span ms"

kills=0 runs=0 early=0 finished=0 checked=0
next=A
while ((kills < want_kills)); do
	state "$next"
	git_publish "$tree" kill
	[[ $next == A ]] && next=B || next=A
	runs=$((runs + 1))
	delay=$((RANDOM % span))
	"$fg" "${sync_args[@]}" >"$work/killed.out" 2>"$work/killed.err" &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	if kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null || true
		kills=$((kills + 1))
		grep -q 'event=sync.start' "$work/killed.err" ||
			early=$((early + 1))
	else
		wait "$pid" 2>/dev/null || true
		finished=$((finished + 1))
	fi
	# never a corrupt inventory: each a member list, no member twice
	no_duplicate_members "$prefix" "after kill $kills"
	if ((kills % 10 == 0 && kills != checked)); then
		full_sync "the run after kill $kills"
		checked=$kills
	fi
done
full_sync "the run after the last kill"
ok "$kills runs killed at random (0-$span ms; $early before the pass began, $((kills - early)) during it), $finished finished first; every next run converged, no inventory corrupt"
