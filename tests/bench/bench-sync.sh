#!/usr/bin/env bash
# Benchmark: 1,000 FlinkDeployments in 10 namespaces, in one run on the
# same API server (the `k8s` fixture), each measurement on fresh
# namespaces:
#   (a) flink-gitops sync from empty
#   (b) kubectl apply --server-side -R -f of the same objects
#   (c) the API server's own limit: parallel server-side apply over
#       keep-alive connections (bench_apply.py)
#   (d) a no-op flink-gitops sync: its writes and LISTs, from the audit log
#   (e) flink-gitops drift against kubectl diff --server-side -R -f
# Prints a table with the figures and the ratios against the goals (issue
# 7); fails only when a step fails, never on timing.
#   bench-sync.sh ENV_FILE FLINK_GITOPS [COUNT [NAMESPACES [CONNECTIONS]]]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=$(realpath "${2:?usage: $0 ENV_FILE FLINK_GITOPS [COUNT [NS [CONNS]]]}")
count=${3:-1000}
nns=${4:-10}
conns=${5:-32}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "$k8s_dir/bench-sync.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
id=b$$
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# audit_settle: the audit log's line count once it stops growing.
audit_settle() {
	local n last=-1 i
	for i in $(seq 1 50); do
		n=$(wc -l <"$FG_K8S_AUDIT_LOG")
		[[ $n == "$last" ]] && break
		last=$n
		sleep 0.2
	done
	echo "$n"
}
# audit_between FROM TO: flink-gitops' completed requests in those lines.
audit_between() {
	sed -n "$(($1 + 1)),$2p" "$FG_K8S_AUDIT_LOG" |
		grep -F '"userAgent":"flink-gitops/' |
		grep -F '"stage":"ResponseComplete"' || true
}
count_verbs() { # FILE REGEX
	grep -cE "\"verb\":\"($2)\"" "$1" || true
}

python3 "$here/bench_apply.py" gen "$work/repo" "$work/kubectl" \
	"$id-fg" "$id-kc" "$nns" "$count"
for i in $(seq 0 $((nns - 1))); do
	for set in fg kc raw; do
		kc create namespace "$id-$set-$i" >/dev/null
	done
done
echo "bench: $count FlinkDeployments in $nns namespaces, API server $FG_K8S_VERSION"

# (a) flink-gitops sync from empty. Other tests' namespaces on the shared
# server hold inventories whose folders are not here: sync reports them
# blocked (exit 3) and leaves them alone.
t0=$(now)
rc=0
"$fg" --log-level warn sync "$work/repo" --kubeconfig "$FG_K8S_KUBECONFIG" \
	-o json >"$work/sync.json" 2>"$work/sync.err" || rc=$?
t1=$(now)
[[ $rc == 0 || $rc == 3 ]] || fail "sync: exit $rc: $(tail -5 "$work/sync.err")"
created=$(jq .summary.created "$work/sync.json")
[[ $created == "$count" ]] || fail "sync created $created of $count"
t_sync=$(secs "$t0" "$t1")

# (b) kubectl apply --server-side -R -f
t0=$(now)
kc apply --server-side -R -f "$work/kubectl" >/dev/null
t1=$(now)
t_kubectl=$(secs "$t0" "$t1")

# (c) the API server's limit
t_raw=$(python3 "$here/bench_apply.py" apply "$(realpath "$envfile")" "$id-raw" \
	"$nns" "$count" "$conns")

# one LIST of all of them, for orientation
t0=$(now)
n=$(kc get flinkdeployments -A -o name | grep -c "^" || true)
t1=$(now)
t_list=$(secs "$t0" "$t1")

# (d) a no-op pass
from=$(audit_settle)
t0=$(now)
rc=0
"$fg" --log-level warn sync "$work/repo" --kubeconfig "$FG_K8S_KUBECONFIG" \
	-o json >"$work/noop.json" 2>"$work/noop.err" || rc=$?
t1=$(now)
[[ $rc == 0 || $rc == 3 ]] || fail "no-op sync: exit $rc: $(tail -5 "$work/noop.err")"
t_noop=$(secs "$t0" "$t1")
to=$(audit_settle)
audit_between "$from" "$to" >"$work/noop.audit"
noop_writes=$(count_verbs "$work/noop.audit" 'create|update|patch|delete|deletecollection')
noop_lists=$(count_verbs "$work/noop.audit" list)
noop_ns_lists=$(grep -F '"verb":"list"' "$work/noop.audit" |
	grep -cE "\"requestURI\":\"[^\"]*/namespaces/$id-fg-" || true)
noop_gets=$(grep -F '"verb":"get"' "$work/noop.audit" |
	grep -cE "\"requestURI\":\"[^\"]*/namespaces/$id-fg-" || true)
noop_dup=$(grep -F '"verb":"list"' "$work/noop.audit" |
	grep -oE "\"requestURI\":\"[^\"?]*/namespaces/$id-fg-[^\"?]*" |
	sort | uniq -d | wc -l)
[[ $noop_writes == 0 ]] || fail "the no-op sync made $noop_writes write requests: $(grep -E '"verb":"(create|update|patch|delete)"' "$work/noop.audit" | head -5)"
noop_kinds=$(grep -F '"verb":"list"' "$work/noop.audit" |
	grep -oE "\"requestURI\":\"[^\"?]*/namespaces/$id-fg-[^\"?]*" |
	sed -E 's|.*/||' | sort -u | wc -l)

# (e) drift against kubectl diff
t0=$(now)
rc=0
"$fg" --log-level warn drift "$work/repo" --kubeconfig "$FG_K8S_KUBECONFIG" \
	>"$work/drift.out" 2>"$work/drift.err" || rc=$?
t1=$(now)
[[ $rc == 0 ]] || fail "drift: exit $rc: $(tail -5 "$work/drift.out" "$work/drift.err")"
t_drift=$(secs "$t0" "$t1")
t0=$(now)
rc=0
kc diff --server-side -R -f "$work/kubectl" >"$work/diff.out" 2>&1 || rc=$?
t1=$(now)
[[ $rc == 0 ]] || fail "kubectl diff: exit $rc: $(head -20 "$work/diff.out")"
t_diff=$(secs "$t0" "$t1")

echo
printf '%-46s %10s  %s\n' "measure" "value" "goal / ratio"
printf '%-46s %10s  %s\n' "(a) flink-gitops sync from empty" "$t_sync s" \
	"$(ratio "$t_sync" "$t_raw")x the raw limit (goal <= 1.5x)"
printf '%-46s %10s  %s\n' "(b) kubectl apply --server-side -R -f" \
	"$t_kubectl s" "$(ratio "$t_kubectl" "$t_sync")x flink-gitops sync"
printf '%-46s %10s  %s\n' "(c) raw parallel SSA, $conns keep-alive conns" \
	"$t_raw s" "the API server's limit"
printf '%-46s %10s  %s\n' "    LIST of all $n on the server (kubectl -A)" "$t_list s" ""
printf '%-46s %10s  %s\n' "(d) no-op flink-gitops sync" "$t_noop s" ""
printf '%-46s %10s  %s\n' "    write requests" "$noop_writes" "goal 0"
printf '%-46s %10s  %s\n' "    LISTs in the $nns namespaces" "$noop_ns_lists" \
	"$noop_kinds kinds x $nns = $((noop_kinds * nns)) (duplicates: $noop_dup)"
printf '%-46s %10s  %s\n' "    LISTs in all (+ inventory namespaces)" \
	"$noop_lists" ""
printf '%-46s %10s  %s\n' "    GETs of objects" "$noop_gets" "goal 0"
printf '%-46s %10s  %s\n' "(e) flink-gitops drift" "$t_drift s" \
	"$(ratio "$t_diff" "$t_drift")x faster than kubectl diff (goal >= 10x)"
printf '%-46s %10s  %s\n' "    kubectl diff --server-side -R -f" "$t_diff s" ""
