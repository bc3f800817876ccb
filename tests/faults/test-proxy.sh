#!/usr/bin/env bash
# Faults between flink-gitops and the API server, made by faultproxy (a
# TCP proxy of the suite's own; TLS passes through it untouched), with
# --request-timeout 3:
#  1. stall in the middle of a sync: every call ends within its timeout,
#     the run ends in bounded time, exit 1, and says which objects it did
#     not make; no namespace with an object missing is reported synced;
#     the next run (the network back) converges.
#  2. connections reset after every 6 KB in the middle of a sync: calls
#     cut mid-answer are retried; what is reported made is there; the
#     next run converges.
#  3. a black hole from the start (connections accepted, never
#     answered): the run ends in bounded time with the reason, having
#     written nothing.
#   test-proxy.sh FLINK_GITOPS FAULTPROXY
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" proxy "$1" "$2"

proxy_start api "${FG_K8S_SERVER#https://}"
kubeconfig_for "https://127.0.0.1:$api_port" "$work/proxy.kubeconfig"
timeout_s=3

audit_writes() {
	grep -F '"userAgent":"flink-gitops/' "$FG_K8S_AUDIT_LOG" |
		grep -F '"stage":"ResponseComplete"' |
		grep -cE '"verb":"(create|update|patch|delete)"' || true
}

# sync_bg OUT REPO NAME: a sync through the proxy ($pid), debug logs
sync_bg() {
	"$fg" --log-level debug sync "$2" --kubeconfig "$work/proxy.kubeconfig" \
		--request-timeout "$timeout_s" --repository "$3" >"$1" 2>"$1.err" &
	pid=$!
}

# after_writes N: wait until N more writes completed than now
after_writes() {
	local base n i
	base=$(audit_writes)
	for ((i = 0; i < 3000; i++)); do
		n=$(audit_writes)
		((n - base >= $1)) && return 0
		kill -0 "$pid" 2>/dev/null || fail "the sync ended before $1 writes"
		sleep 0.01
	done
	fail "no $1 writes within 30 s"
}

# bounded LOG: no request of the debug log took longer than its timeout
bounded() {
	local worst
	worst=$(grep -oE 'event=kube.request .* ms=[0-9]+' "$1" |
		sed -E 's/.* ms=//' | sort -n | tail -n 1)
	((${worst:-0} <= timeout_s * 1000 + 1000)) ||
		fail "a request took $worst ms, beyond its ${timeout_s} s timeout"
	echo "${worst:-0}"
}

# honest PREFIX OUT: every namespace the output does not say is partly
# synced (or not synced) holds all of its objects; every object said
# failed and not there is named
honest() {
	local prefix=$1 out=$2 ns want have
	cluster_state "$prefix" "$work/have.now"
	for d in "$repo"/"$prefix"-*; do
		ns=${d##*/}
		grep -qE "^$ns: (partly synced|not synced)" "$out" && continue
		want=$(find "$d" -name '*.yaml' | wc -l)
		have=$(grep -c "^$ns " "$work/have.now" || true)
		[[ $want == "$have" ]] ||
			fail "$ns is not said partly synced, but holds $have of $want objects: $(grep -E "^$ns" "$out" | tail -n 3)"
	done
}

# ---- 1. a stall mid-sync -------------------------------------------------
repo=$work/repo1
gen_repo "$repo" pa 3 100
sync_bg "$work/s1" "$repo" pa
after_writes 100
proxy_mode api stall
t0=$(now_ms)
rc=0
wait "$pid" || rc=$?
t_end=$(($(now_ms) - t0))
last_out=$work/s1
expect_rc 1 "the run that stalled"
((t_end < 120000)) || fail "the run ended $t_end ms after the stall"
worst=$(bounded "$work/s1.err")
honest pa "$work/s1"
grep -qE 'no answer from https://127.0.0.1:[0-9]+ within 3.0 s' "$work/s1" ||
	fail "the reason is not said: $(grep failed "$work/s1" | head -n 2)"
proxy_mode api pass
last_out=$work/s2
fgrun "$work/s2" sync "$repo" --kubeconfig "$work/proxy.kubeconfig" \
	--request-timeout "$timeout_s" --repository pa
expect_rc 0 "the run after the stall"
converged pa "$repo" "after the stall"
ok "stall after 100 writes of 300: the run ended $t_end ms later (exit 1), no request over $worst ms (timeout ${timeout_s} s), $(grep -c ': create failed: ' "$work/s1" || true) objects said not made, no namespace with one missing said synced; the next run converged in $ms ms"

# ---- 2. resets every 6 KB mid-sync ------------------------------------
repo=$work/repo2
gen_repo "$repo" pb 3 100
sync_bg "$work/s3" "$repo" pb
after_writes 20
proxy_mode api reset 6000
rc=0
wait "$pid" || rc=$?
last_out=$work/s3
resets=$(grep -c ' reset$' "$dir/api.log" || true)
((resets > 0)) || fail "no connection was reset"
[[ $rc == 0 || $rc == 1 ]] || expect_rc 1 "the run whose connections were reset"
worst=$(bounded "$work/s3.err")
honest pb "$work/s3"
proxy_mode api pass
last_out=$work/s4
fgrun "$work/s4" sync "$repo" --kubeconfig "$work/proxy.kubeconfig" \
	--request-timeout "$timeout_s" --repository pb
expect_rc 0 "the run after the resets"
converged pb "$repo" "after the resets"
ok "connections reset every 6 KB: $resets resets, the run exited $rc having retried $(grep -o 'event=sync.done.* retried=[0-9]*' "$work/s3.err" | sed 's/.*=//') requests, no request over $worst ms; every namespace said synced is whole; the next run converged"

# ---- 3. a black hole from the start ------------------------------------
repo=$work/repo3
gen_repo "$repo" pc 1 10
proxy_mode api blackhole
writes0=$(audit_writes)
last_out=$work/s5
fgrun "$work/s5" --log-level debug sync "$repo" \
	--kubeconfig "$work/proxy.kubeconfig" --request-timeout "$timeout_s" \
	--repository pc
expect_rc 1 "the run into a black hole"
((ms < 90000)) || fail "the run into a black hole took $ms ms"
grep -qE 'no answer from https://127.0.0.1:[0-9]+ within 3.0 s|has not answered for' "$work/s5.err" ||
	fail "the reason is not said: $(tail -n 3 "$work/s5.err")"
worst=$(bounded "$work/s5.err")
sleep 1
[[ $(audit_writes) == "$writes0" ]] || fail "writes reached the server"
ok "a black hole: the run ended in $ms ms (exit 1: $(grep -o 'flink-gitops: sync: .*' "$work/s5.err" | head -c 160)), no request over $worst ms, nothing written"
