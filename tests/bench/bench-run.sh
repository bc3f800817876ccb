#!/usr/bin/env bash
# Benchmark of `flink-gitops run` against the API server of the `k8s`
# fixture and a real git daemon:
#  (1) commit-to-applied latency with a webhook: LATENCY commits, each
#      pushed, announced by a signed GitHub webhook, and timed until the
#      API server's watch (kubectl get -w) shows the new value; prints
#      p50, p90 and max (goal: p50 <= 2 s on loopback);
#  (2) a soak: PASSES passes over a repository of COUNT FlinkDeployments
#      in 10 namespaces, a commit every 50 passes, passes driven by
#      webhooks; resident memory printed every 100 passes (goal: flat
#      within 5 %, under 100 MB) and the agent's exit checked (with an
#      ASan build: no leak report).
# Prints figures; fails only when a step fails (or ASan reports), never on
# timing or memory.
#   bench-run.sh K8S_ENV GIT_ENV FLINK_GITOPS [PASSES [COUNT [LATENCY]]]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=$(realpath "${3:?usage: $0 K8S_ENV GIT_ENV FLINK_GITOPS [PASSES [COUNT [LATENCY]]]}")
passes=${4:-1000}
count=${5:-1000}
nlat=${6:-30}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "$k8s_dir/bench-run.XXXXXX")
agent_pid=
watch_pid=
cleanup() {
	[[ -n $agent_pid ]] && kill -9 "$agent_pid" 2>/dev/null
	[[ -n $watch_pid ]] && kill "$watch_pid" 2>/dev/null
	[[ -n ${FG_RUN_KEEP:-} ]] && echo "kept $work" || rm -rf "$work"
	rm -rf "$KUBECACHEDIR"
}
trap cleanup EXIT
. "$here/../integration/lib-run.sh"
load_git_env "$2"
printf 'bench-secret\n' >"$work/secret"
log_level=warn

pass_count() { grep -c 'event=pass.done' "$work/$1.log" || true; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$agent_pid/status"; }
# what the resident size is made of: the agent's own memory (anonymous)
# and files it maps (libgit2's pack windows, the binary and libraries,
# pages the kernel shares with its page cache)
rss_parts() {
	awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 }
		END { printf "anon %d MB, files %d MB", a / 1024, f / 1024 }' \
		"/proc/$agent_pid/status"
}

# ---- (1) latency ----
latency() {
ns=fg-bench-lat-$$
kc create namespace "$ns" >/dev/null
new_source lat-$$
mkdir -p "$src/$ns"
value() {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lat\ndata:\n  value: "%s"\n' \
		"$1" >"$src/$ns/lat.yaml"
}
value 0
commit "0"
interval=1h agent_name=lat config "$work/lat.yaml" "reports: {git: {minInterval: 1h}}"
log_level=info start_agent lat "$work/lat.yaml"
wait_until 30 "first pass" curl -sf "http://127.0.0.1:$port/readyz"
# the API server's watch, each value stamped as it arrives
mkfifo "$work/watch"
"$kubectl_bin" --kubeconfig "$FG_K8S_KUBECONFIG" get -n "$ns" configmap lat \
	-w -o 'jsonpath={.data.value}{"\n"}' >"$work/watch" 2>/dev/null &
watch_pid=$!
while read -r v; do echo "$(date +%s%N) $v"; done <"$work/watch" >"$work/seen" &
reader_pid=$!
sleep 1
: >"$work/lat.ms"
for i in $(seq 1 "$nlat"); do
	value "$i"
	git -C "$src" add -A
	git -C "$src" commit -q -m "$i"
	git -C "$src" push -q origin HEAD:main 2>/dev/null
	commit=$(git -C "$src" rev-parse HEAD)
	t0=$(date +%s%N)
	hook github refs/heads/main
	[[ $code == 202 ]] || fail "webhook: HTTP $code"
	for _ in $(seq 1 200); do
		grep -q " $i\$" "$work/seen" && break
		sleep 0.01
	done
	t1=$(awk -v v="$i" '$2 == v { print $1; exit }' "$work/seen")
	[[ -n $t1 ]] || fail "commit $i not applied within 2 s"
	echo $(((t1 - t0) / 1000000)) >>"$work/lat.ms"
	sleep 0.2
done
kill "$watch_pid" 2>/dev/null || true
wait "$reader_pid" 2>/dev/null || true
watch_pid=
stop_agent
agent_pid=
[[ $agent_rc == 0 ]] || fail "latency agent: exit $agent_rc"
sort -n "$work/lat.ms" >"$work/lat.sorted"
p50=$(awk -v n="$nlat" 'NR == int((n + 1) / 2) { print }' "$work/lat.sorted")
p90=$(awk -v n="$nlat" 'NR == int(n * 0.9 + 0.5) { print }' "$work/lat.sorted")
max=$(tail -n 1 "$work/lat.sorted")
echo "bench-run: commit-to-applied with a webhook, $nlat commits: p50 ${p50} ms, p90 ${p90} ms, max ${max} ms (goal p50 <= 2000 ms)"
}
((nlat > 0)) && latency

# ---- (2) soak ----
id=s$$
new_source soak-$$
python3 "$here/bench_apply.py" gen "$src" "$work/unused" "$id" "$id-unused" 10 "$count"
for k in $(seq 0 9); do kc create namespace "$id-$k" >/dev/null; done
commit "$count objects"
interval=24h agent_name=soak config "$work/soak.yaml" \
	"reports: {git: {minInterval: 1h}, events: false}"
sed -i 's/^cluster: {kubeconfig: \(.*\)}$/cluster: {kubeconfig: \1, connections: 16}/' "$work/soak.yaml"
log_level=${FG_BENCH_LOG:-info} start_agent soak "$work/soak.yaml"
t_start=$(date +%s%N)
wait_until 300 "the first pass" curl -sf "http://127.0.0.1:$port/readyz"
echo "bench-run: first pass over $count FlinkDeployments: $((($(date +%s%N) - t_start) / 1000000)) ms"
first=$(ls "$src/$id-0" | head -n 1)
done_passes=0
rss0=
t_start=$(date +%s%N)
commits=0
while ((done_passes < passes)); do
	before=$(pass_count soak)
	if ((done_passes > 0 && done_passes % 50 == 0)); then
		jq --arg r "$done_passes" '.metadata.labels["bench-rev"] = $r' \
			"$src/$id-0/$first" >"$work/obj" && mv "$work/obj" "$src/$id-0/$first"
		commit "rev $done_passes"
		commits=$((commits + 1))
	fi
	hook github refs/heads/main
	[[ $code == 202 ]] || fail "webhook: HTTP $code"
	for _ in $(seq 1 3000); do
		(($(pass_count soak) > before)) && break
		kill -0 "$agent_pid" 2>/dev/null || fail "the agent died: $(tail -5 "$work/soak.log")"
		sleep 0.01
	done
	done_passes=$(($(pass_count soak)))
	if [[ -z $rss0 ]]; then rss0=$(rss_kb); fi
	if ((done_passes / 100 > ${last_print:-0})); then
		last_print=$((done_passes / 100))
		echo "bench-run: soak: $done_passes passes, $commits commits, RSS $(($(rss_kb) / 1024)) MB ($(rss_parts)), $((($(date +%s%N) - t_start) / 1000000)) ms"
		rss_last=$(rss_kb)
		[[ -z ${rss_100:-} ]] && rss_100=$rss_last
	fi
done
elapsed=$((($(date +%s%N) - t_start) / 1000000))
stop_agent
[[ $agent_rc == 0 ]] || fail "soak agent: exit $agent_rc"
if grep -q "LeakSanitizer\|AddressSanitizer\|runtime error" "$work/soak.log"; then
	grep -A20 "Sanitizer\|runtime error" "$work/soak.log" | head -40
	fail "sanitizer report in the soak"
fi
agent_pid=
if grep -q 'level=error' "$work/soak.log"; then
	echo "errors: $(grep -c level=error "$work/soak.log")"
fi
echo "bench-run: soak: $done_passes passes over $count FlinkDeployments with $commits commits in $elapsed ms ($((elapsed / done_passes)) ms a pass); RSS after 100 passes $((rss_100 / 1024)) MB, at the end $((rss_last / 1024)) MB ($(awk -v a="$rss_100" -v b="$rss_last" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }') %); exit $agent_rc"
exit 0
