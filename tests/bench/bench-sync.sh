#!/usr/bin/env bash
# Benchmark: COUNT FlinkDeployments against the API server of the `k8s`
# fixture, in two shapes on the same server and the same number of
# connections: spread over NAMESPACES namespaces, and all in one
# namespace (where only object-level concurrency helps). Per shape, each
# on fresh namespaces:
#   (a) flink-gitops sync from empty, --connections CONNS
#   (c) the API server's own limit: the same server-side applies (the
#       objects exactly as flink-gitops renders and sends them), CONNS
#       keep-alive connections in parallel (bench_apply.py)
#   (d) a no-op flink-gitops sync: its writes and LISTs, from the audit log
# and for the first shape also
#   (b) kubectl apply --server-side -R -f of the same objects
#   (e) flink-gitops drift against kubectl diff --server-side -R -f
# Prints a table with the figures and the ratios against the goals (issue
# 10: sync within 1.1x of the raw limit in both shapes; no-op: 0 writes, at
# most one LIST per kind per namespace); fails only when a step fails,
# never on timing.
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

# fgrun OUT CMD ARGS...: flink-gitops as the shape's own repository (a
# name of its own: other tests' and shapes' namespaces on this server are
# not in its scope); exit code in $rc.
fgrun() {
	local out=$1
	shift
	rc=0
	"$fg" --log-level warn "$@" --kubeconfig "$FG_K8S_KUBECONFIG" \
		--repository "bench-$id" >"$out" 2>"$out.err" || rc=$?
}

echo "bench: $count FlinkDeployments, $conns connections, API server $FG_K8S_VERSION"
rows=()
row() { rows+=("$(printf '%-52s %10s  %s' "$1" "$2" "${3:-}")"); }

# shape NAMESPACES FULL: one measurement set; FULL also runs kubectl.
shape() {
	local k=$1 full=$2 id=b$$-$1 i set t0 t1 t_sync t_raw t_noop from to
	local dir=$work/$id created
	python3 "$here/bench_apply.py" gen "$dir/repo" "$dir/kubectl" \
		"$id-fg" "$id-kc" "$k" "$count"
	for i in $(seq 0 $((k - 1))); do
		for set in fg kc raw; do
			kc create namespace "$id-$set-$i" >/dev/null
		done
	done
	row "== $count objects in $k namespace(s)" ""

	# (a) flink-gitops sync from empty
	t0=$(now)
	fgrun "$dir/sync.json" sync "$dir/repo" --connections "$conns" -o json
	t1=$(now)
	[[ $rc == 0 ]] || fail "sync: exit $rc: $(tail -5 "$dir/sync.json.err") $(jq -c ".namespaces[] | select(.status != \"synced\") | [.name, .status, .message]" "$dir/sync.json")"
	created=$(jq .summary.created "$dir/sync.json")
	[[ $created == "$count" ]] || fail "sync created $created of $count"
	t_sync=$(secs "$t0" "$t1")

	# (c) the API server's limit, same connections, the same objects
	"$fg" --log-level warn render "$dir/repo" -o json >"$dir/rendered.json"
	t_raw=$(python3 "$here/bench_apply.py" apply "$(realpath "$envfile")" \
		"$id-raw" "$k" "$count" "$conns" "$dir/rendered.json")
	row "(a) flink-gitops sync from empty" "$t_sync s" \
		"$(ratio "$t_sync" "$t_raw")x the raw limit (goal <= 1.1x)"
	row "(c) raw parallel SSA, $conns keep-alive conns" "$t_raw s" \
		"the API server's limit"

	# (d) a no-op pass
	from=$(audit_settle)
	t0=$(now)
	fgrun "$dir/noop.json" sync "$dir/repo" --connections "$conns" -o json
	t1=$(now)
	[[ $rc == 0 ]] || fail "no-op sync: exit $rc: $(tail -5 "$dir/noop.json.err")"
	t_noop=$(secs "$t0" "$t1")
	to=$(audit_settle)
	audit_between "$from" "$to" >"$dir/noop.audit"
	local writes lists ns_lists gets dups kinds
	writes=$(count_verbs "$dir/noop.audit" 'create|update|patch|delete|deletecollection')
	lists=$(count_verbs "$dir/noop.audit" list) # pages included
	# a LIST is one call, however many pages (continue=) it reads
	grep -F '"verb":"list"' "$dir/noop.audit" | grep -v 'continue=' \
		>"$dir/noop.lists" || true
	ns_lists=$(grep -cE "\"requestURI\":\"[^\"]*/namespaces/$id-fg-" "$dir/noop.lists" || true)
	gets=$(grep -F '"verb":"get"' "$dir/noop.audit" |
		grep -cE "\"requestURI\":\"[^\"]*/namespaces/$id-fg-" || true)
	dups=$(grep -oE "\"requestURI\":\"[^\"?]*/namespaces/$id-fg-[^\"?]*" \
		"$dir/noop.lists" | sort | uniq -d | wc -l)
	kinds=$(grep -F '"verb":"list"' "$dir/noop.audit" |
		grep -oE "\"requestURI\":\"[^\"?]*/namespaces/$id-fg-[^\"?]*" |
		sed -E 's|.*/||' | sort -u | wc -l)
	[[ $writes == 0 ]] || fail "the no-op sync made $writes write requests: $(grep -E '"verb":"(create|update|patch|delete)"' "$dir/noop.audit" | head -5)"
	[[ $dups == 0 ]] || fail "the no-op sync listed a kind twice in a namespace"
	row "(d) no-op flink-gitops sync" "$t_noop s" ""
	row "    write requests" "$writes" "goal 0"
	row "    LISTs in the $k namespace(s)" "$ns_lists" \
		"$kinds kinds x $k = $((kinds * k)), each once (goal: at most one per kind)"
	row "    LISTs in all (+ the inventories, cluster-wide)" "$lists" ""
	row "    GETs of objects" "$gets" "goal 0"

	[[ $full == 1 ]] || return 0
	# (b) kubectl apply --server-side -R -f
	t0=$(now)
	kc apply --server-side -R -f "$dir/kubectl" >/dev/null
	t1=$(now)
	row "(b) kubectl apply --server-side -R -f" "$(secs "$t0" "$t1") s" \
		"$(ratio "$(secs "$t0" "$t1")" "$t_sync")x flink-gitops sync"
	# (e) drift against kubectl diff
	local t_drift t_diff
	t0=$(now)
	fgrun "$dir/drift.out" drift "$dir/repo" --connections "$conns"
	t1=$(now)
	[[ $rc == 0 ]] || fail "drift: exit $rc: $(tail -5 "$dir/drift.out" "$dir/drift.out.err")"
	t_drift=$(secs "$t0" "$t1")
	t0=$(now)
	rc=0
	kc diff --server-side -R -f "$dir/kubectl" >"$dir/diff.out" 2>&1 || rc=$?
	t1=$(now)
	[[ $rc == 0 ]] || fail "kubectl diff: exit $rc: $(head -20 "$dir/diff.out")"
	t_diff=$(secs "$t0" "$t1")
	row "(e) flink-gitops drift" "$t_drift s" \
		"$(ratio "$t_diff" "$t_drift")x faster than kubectl diff (goal >= 10x)"
	row "    kubectl diff --server-side -R -f" "$t_diff s" ""
}

shape "$nns" 1
shape 1 0

echo
printf '%-52s %10s  %s\n' "measure" "value" "goal / ratio"
printf '%s\n' "${rows[@]}"
