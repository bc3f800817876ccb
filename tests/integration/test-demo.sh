#!/usr/bin/env bash
# The README's first command, bash .ci/demo, as a newcomer runs it (with
# this build's flink-gitops instead of building one): it succeeds, its
# output shows each step with what that step did (the example applied,
# the plan of the branch, the merge applied and noted, STATUS.md, DRIFT.md
# and the drift command), and nothing it started outlives it: the agent,
# the git daemon, kube-apiserver and etcd are gone, by the process ids it
# printed, and so is its temporary folder. Then again, interrupted as
# Ctrl-C interrupts it (SIGINT to its whole process group) while the agent
# runs: it exits 130 and cleans up all the same.
#   test-demo.sh SOURCE_DIR FLINK_GITOPS
set -euo pipefail
src=$(realpath "${1:?usage: $0 SOURCE_DIR FLINK_GITOPS}")
fg=$(realpath "${2:?usage: $0 SOURCE_DIR FLINK_GITOPS}")
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
work=$(mktemp -d)
demo_pid=
cleanup() {
	# a demo that hangs is stopped the way a user would (its cleanup runs)
	[[ -z $demo_pid ]] || kill -INT -- "-$demo_pid" 2>/dev/null || true
	[[ -z $demo_pid ]] || wait "$demo_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/tmp"

# start_demo LOG: the demo in a session of its own (as in a terminal: one
# process group for the script and its foreground commands), with SIGINT
# as a terminal leaves it (bash starts what it runs in the background with
# SIGINT ignored, and a script cannot trap what it starts ignoring).
start_demo() {
	TMPDIR=$work/tmp FG_DEMO_FLINK_GITOPS=$fg setsid \
		perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die "exec: $!"' \
		bash "$src/.ci/demo" </dev/null >"$1" 2>&1 &
	demo_pid=$!
	# not a group leader here, so setsid did not fork: the pid is the script
	[[ $(ps -o pgid= -p "$demo_pid" | tr -d ' ') == "$demo_pid" ]] ||
		fail "the demo does not lead its own process group"
}
# finish_demo SECONDS: wait for the demo; its exit status in $demo_rc.
finish_demo() {
	local end=$((SECONDS + $1))
	while kill -0 "$demo_pid" 2>/dev/null; do
		((SECONDS < end)) || fail "the demo still runs after $1 s"
		sleep 0.5
	done
	demo_rc=0
	wait "$demo_pid" || demo_rc=$?
	demo_pid=
}
# pids LOG: every process id the demo said it started.
pids() {
	sed -n -e 's/.*agent pid \([0-9]*\).*/\1/p' \
		-e 's/.*git daemon (pid \([0-9]*\)).*/\1/p' \
		-e 's/.*(pid \([0-9]*\)) and etcd (pid \([0-9]*\))$/\1\n\2/p' "$1" | sort -u
}
# nothing_left LOG WANT: the WANT processes it named are gone (no recycled
# pid: /proc/PID/cmdline would name another program), its folder too.
nothing_left() {
	local log=$1 want=$2 n=0 pid cmd
	for pid in $(pids "$log"); do
		n=$((n + 1))
		[[ -r /proc/$pid/cmdline ]] || continue
		cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
		case $cmd in
		*flink-gitops* | *git-daemon* | *"git daemon"* | *kube-apiserver* | *etcd*)
			fail "pid $pid still runs after the demo: $cmd" ;;
		esac
	done
	# nor anything else that runs in its folder (a child of what it stopped)
	cmd=$(pgrep -af -- "$work/tmp/" | grep -v "^$$ " || true)
	[[ -z $cmd ]] || fail "still running after the demo: $cmd"
	((n == want)) || fail "the demo named $n process ids, expected $want: $(pids "$log" | xargs)"
	[[ -z $(ls -A "$work/tmp") ]] || fail "left behind in TMPDIR: $(ls -A "$work/tmp")"
}

# ---- the whole run --------------------------------------------------------

start_demo "$work/demo.log"
finish_demo 600
[[ $demo_rc == 0 ]] || fail "bash .ci/demo exited $demo_rc: $(tail -n 30 "$work/demo.log")"
# each step, in order, numbered
n=0
while IFS= read -r title; do
	n=$((n + 1))
	grep -qx "$n\\. $title ([0-9]*s)" "$work/demo.log" ||
		fail "step $n '$title' is not shown: $(grep -E '^[0-9]+\. ' "$work/demo.log")"
done <<'STEPS'
Build flink-gitops
Bring up a local Kubernetes control plane
Serve the example repository from a local Git server
Install flink-gitops' identity and check its rights
Run the agent until the example is applied
Plan a change on a branch
Merge: the commit that applies it
The status report on the status branch
Drift: someone edits the cluster with kubectl
Done
STEPS
# expect TEXT: a line of the output holds TEXT
expect() {
	grep -qF -- "$1" "$work/demo.log" || fail "the demo's output lacks: $1"
}
expect '$ flink-gitops check --config'
expect 'namespace=streaming kind=FlinkDeployment name=clickstream action=create result=applied'
expect 'namespace=sessions kind=FlinkSessionJob name=state-machine action=create result=applied'
expect '$ flink-gitops plan --repo git://127.0.0.1:'
expect 'update   FlinkDeployment/fraud-detector: restarts from a savepoint'
expect 'spec.job.parallelism: 2 -> 4'
expect '| update | `FlinkDeployment/fraud-detector` | restarts from a savepoint |'
expect 'agent: namespace=analytics kind=FlinkDeployment name=fraud-detector action=update result=applied'
expect 'analytics FlinkDeployment/fraud-detector: update: restarts from a savepoint'
expect '| FlinkDeployment/fraud-detector | applied | Healthy | STABLE | RUNNING | s3://flink-state-example/analytics/savepoints/savepoint-3c3e6b-1'
expect '- `spec.job.parallelism`: Git `4`, cluster `8` (set by kubectl-patch'
expect 'spec.job.parallelism (kubectl-patch)'
expect 'spec.job.parallelism: Git 4, cluster 8 (set by kubectl-patch'
expect 'Cleaning up: agent (pid '
nothing_left "$work/demo.log" 4
echo "test-demo: the whole run: ok ($(sed -n 's/^   In \([0-9]*\) s: built.*/\1/p' "$work/demo.log") s)"

# ---- Ctrl-C while the agent runs ---------------------------------------------

start_demo "$work/demo-int.log"
end=$((SECONDS + 300))
until grep -q 'agent pid [0-9]*' "$work/demo-int.log"; do
	kill -0 "$demo_pid" 2>/dev/null || fail "the demo ended early: $(tail -n 30 "$work/demo-int.log")"
	((SECONDS < end)) || fail "the agent did not start within 300 s"
	sleep 0.2
done
kill -INT -- "-$demo_pid"
finish_demo 120
[[ $demo_rc == 130 ]] || fail "interrupted, the demo exited $demo_rc, not 130: $(tail -n 20 "$work/demo-int.log")"
grep -q '^Cleaning up: agent (pid [0-9]*) stopped; git daemon (pid [0-9]*) stopped; kube-apiserver and etcd stopped; .* removed\.$' \
	"$work/demo-int.log" || fail "no cleanup line: $(tail -n 5 "$work/demo-int.log")"
nothing_left "$work/demo-int.log" 4
echo "test-demo: interrupted: ok"
