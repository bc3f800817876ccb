#!/usr/bin/env bash
# Faults: an API server that throttles or is unavailable.
#  1. 429: kube-apiserver restarted with one request in flight at a time
#     (--max-requests-inflight 1, --max-mutating-requests-inflight 1, no
#     priority and fairness: its own filter answers 429 with Retry-After:
#     1); a service account (system:masters is never throttled) syncs 300
#     objects over 32 connections: every retry after a 429 waits at least
#     Retry-After, no call is tried more than 6 times, and the cluster
#     converges (in the run, or the next one for what gave up).
#  2. 503: faultproxy --http answers each object's first two applies with
#     503 and Retry-After: 2, then lets them through: the run converges by
#     itself, each retry 2 s or more after the 503.
#  3. 503 for good on some objects: each is tried exactly 6 times, the
#     run ends in bounded time saying which were not made and why; the
#     next run, the server healthy, converges.
#   test-throttle.sh FLINK_GITOPS FAULTPROXY
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" throttle "$1" "$2"

# requests LOG OUT: from a debug log, one line per request "PATH MS_START
# MS_END STATUS ATTEMPT" (times in ms since the epoch)
requests() {
	grep -F 'event=kube.request' "$1" | grep -F 'method=PATCH' |
		sed -E 's/^ts=([^ ]+) .* path=([^ ]+) status=([0-9]+) ms=([0-9]+) attempt=([0-9]+).*/\1 \2 \3 \4 \5/' |
		while read -r ts path status dur attempt; do
			end=$(date -d "$ts" +%s%3N)
			echo "$path $((end - dur)) $end $status $attempt"
		done | sort -k1,1 -k2,2n >"$2"
}

# ---- 1. 429 from the API server's own in-flight limit -------------------
gen_repo "$work/repo1" ta 3 100
sa_kubeconfig "$work/sa.kubeconfig"
FG_K8S_APISERVER_ARGS="--max-requests-inflight=1 --max-mutating-requests-inflight=1 --enable-priority-and-fairness=false" \
	bash "$control_plane" restart-apiserver "$k8s" >/dev/null ||
		fail "control-plane.sh restart-apiserver failed (its reason above)"
last_out=$work/s1
fgrun "$work/s1" --log-level debug sync "$work/repo1" \
	--kubeconfig "$work/sa.kubeconfig" --repository ta
t_first=$ms
rc1=$rc
requests "$work/s1.err" "$work/req1"
n429=$(awk '$4 == 429' "$work/req1" | wc -l)
((n429 > 0)) || fail "no 429 with one request in flight at a time"
# after a 429 the same path is asked again only Retry-After (1 s) later
awk '$1 == p && s == 429 && $2 - e < 990 {print; bad = 1}
	{p = $1; e = $3; s = $4} END {exit bad}' "$work/req1" >"$work/early" ||
	fail "retried sooner than Retry-After: $(head -n 3 "$work/early")"
max_attempt=$(awk '{print $5}' "$work/req1" | sort -n | tail -n 1)
((max_attempt <= 5)) || fail "a call was tried $((max_attempt + 1)) times"
gaveup=$(grep -c 'gave up after 6 attempts' "$work/s1" || true)
if ((rc1 != 0)); then
	expect_rc 1 "the throttled run"
	((gaveup > 0)) || fail "the throttled run failed, but not on retries: $(tail -n 3 "$work/s1")"
	fgrun "$work/s2" sync "$work/repo1" --kubeconfig "$work/sa.kubeconfig" \
		--repository ta
	last_out=$work/s2
	expect_rc 0 "the run after the throttled one"
fi
converged ta "$work/repo1" "after 429s"
bash "$control_plane" restart-apiserver "$k8s" >/dev/null ||
	fail "control-plane.sh restart-apiserver failed (its reason above)"
ok "429 with one request in flight: $n429 answered 429 over $(wc -l <"$work/req1") applies in $t_first ms, each retry >= Retry-After (1 s) later, at most $((max_attempt + 1)) attempts a call, $gaveup gave up; converged (first run exit $rc1)"

# ---- 2. 503 twice per object, Retry-After: 2 ----------------------------
proxy_start api "${FG_K8S_SERVER#https://}" --http
sa_kubeconfig "$work/proxy.kubeconfig" "http://127.0.0.1:$api_port"
gen_repo "$work/repo2" tb 2 20
proxy_mode api status 503 2 2 PATCH
last_out=$work/s3
fgrun "$work/s3" --log-level debug sync "$work/repo2" \
	--kubeconfig "$work/proxy.kubeconfig" --repository tb
expect_rc 0 "the run answered 503 twice per object"
converged tb "$work/repo2" "after 503s"
# from the proxy's log: per path, 503, 503, then through; >= 2 s apart
grep -F ' req PATCH ' "$dir/api.log" | grep -vF flink-gitops-inventory |
	awk '{print $4, $1, $5}' | sort -k1,1 -k2,2n >"$work/seen"
awk '$1 == p && $2 - t < 1990 {print; bad = 1} {p = $1; t = $2} END {exit bad}' \
	"$work/seen" >"$work/early" ||
	fail "retried sooner than Retry-After: 2: $(head -n 3 "$work/early")"
awk '{n[$1]++; if ($3 == 503) f[$1]++} END {for (k in n) if (f[k] != 2 || n[k] != 3) {print k, n[k], f[k]; bad = 1}; exit bad}' \
	"$work/seen" >"$work/odd" || fail "not 503, 503, 201 per object: $(head -n 3 "$work/odd")"
n503=$(awk '$3 == 503' "$work/seen" | wc -l)
ok "503 twice per object with Retry-After: 2: $n503 answered 503, each object applied on its third attempt >= 2 s after the last, converged in one run ($ms ms)"

# ---- 3. 503 for good on some objects ------------------------------------
gen_repo "$work/repo3" tc 2 20 v2
: >"$dir/api.log"
proxy_mode api status 503 1000 1 PATCH /configmaps/cm-
last_out=$work/s4
fgrun "$work/s4" sync "$work/repo3" --kubeconfig "$work/proxy.kubeconfig" \
	--repository tc
expect_rc 1 "the run answered 503 for good"
((ms < 120000)) || fail "the run took $ms ms"
grep -F ' req PATCH ' "$dir/api.log" | grep -F '/configmaps/cm-' |
	awk '{print $4}' | sort | uniq -c | awk '$1 != 6 {print; bad = 1} END {exit bad}' \
	>"$work/odd" || fail "not exactly 6 attempts: $(head -n 3 "$work/odd")"
for ns in tc-0 tc-1; do
	for j in 0 2 4 6 8 10 12 14 16 18; do
		grep -qF "$ns ConfigMap/cm-$j: create failed: apply ConfigMap $ns/cm-$j: faultproxy: injected 503" "$work/s4" ||
			fail "$ns cm-$j: not said: $(grep -F "cm-$j:" "$work/s4" | head -n 1)"
	done
	grep -qF "$ns: partly synced: 10 of 20 changes not made" "$work/s4" ||
		fail "$ns not said partly synced: $(tail -n 3 "$work/s4")"
done
grep -q 'gave up after 6 attempts' "$work/s4" || fail "no 'gave up': $(head -n 2 "$work/s4")"
t_bad=$ms
proxy_mode api pass
last_out=$work/s5
fgrun "$work/s5" sync "$work/repo3" --kubeconfig "$work/proxy.kubeconfig" \
	--repository tc
expect_rc 0 "the run after the 503s"
converged tc "$work/repo3" "after the 503s ended"
ok "503 for good on 20 ConfigMaps: each tried exactly 6 times, the run ended in $t_bad ms (exit 1) naming each; the next run converged"
