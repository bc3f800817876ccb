#!/usr/bin/env bash
# Faults of the control plane under a 1,000-object sync:
#  1. kube-apiserver SIGKILLed a third of the way through, and down until
#     the run gives up: the run ends in bounded time, says for each object
#     it did not make that it did not, and exits 1; after a restart the
#     next sync converges, nothing made twice, nothing deleted, every
#     object made before the crash kept (same uid), the inventories exact.
#  2. kube-apiserver SIGKILLed and restarted at once: the run rides it
#     out on its retries and converges by itself.
#  3. etcd SIGKILLed mid-pass and restarted: the API server holds the
#     requests; the run converges.
#   test-apiserver.sh FLINK_GITOPS FAULTPROXY
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" apiserver "$1" "$2"

# audit_patches: completed PATCH requests of flink-gitops so far.
audit_patches() {
	grep -F '"userAgent":"flink-gitops/' "$FG_K8S_AUDIT_LOG" |
		grep -F '"stage":"ResponseComplete"' | grep -cF '"verb":"patch"' || true
}
# audit_deletes: DELETE requests of flink-gitops so far.
audit_deletes() {
	grep -F '"userAgent":"flink-gitops/' "$FG_K8S_AUDIT_LOG" |
		grep -cF '"verb":"delete"' || true
}

# sync_bg OUT REPO: a sync of REPO in the background ($pid), info logs;
# each case is a repository of its own (--repository), so that the
# namespaces of another are not its orphans.
sync_bg() {
	"$fg" --log-level info sync "$2" --kubeconfig "$FG_K8S_KUBECONFIG" \
		--repository "${2##*/}" >"$1" 2>"$1.err" &
	pid=$!
}

# after_patches N: wait until N more PATCHes completed than now.
after_patches() {
	local base n i
	base=$(audit_patches)
	for ((i = 0; i < 3000; i++)); do
		n=$(audit_patches)
		((n - base >= $1)) && return 0
		kill -0 "$pid" 2>/dev/null || fail "the sync ended before $1 writes"
		sleep 0.01
	done
	fail "no $1 writes within 30 s"
}

# figure KEY FILE: a number from the sync.done log line
figure() {
	grep -o "event=sync.done.* $1=[0-9]*" "$2.err" | sed "s/.* $1=//"
}

# ---- 1. the API server crashes and stays down --------------------------
repo=$work/repo1
gen_repo "$repo" fa 10 100
sync_bg "$work/s1" "$repo"
after_patches 300
bash "$control_plane" kill-apiserver "$k8s"
t_kill=$(now_ms)
rc=0
wait "$pid" || rc=$?
t_end=$(($(now_ms) - t_kill))
last_out=$work/s1
expect_rc 1 "the run whose API server crashed"
((t_end < 90000)) || fail "the run took $t_end ms after the crash to end"
summary=$(tail -n 1 "$work/s1")
created=$(sed -nE 's/.*: ([0-9]+) created, .*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.* ([0-9]+) failed \(.*/\1/p' <<<"$summary")
grep -q "partly synced" <<<"$summary" || fail "summary: $summary"
((created + failed == 1000 + $(grep -c ': inventory not recorded:' "$work/s1" || true))) ||
	fail "created $created + failed $failed is not every object: $summary"
grep -qE '^fa-[0-9]: partly synced: [0-9]+ of 100 changes not made' "$work/s1" ||
	fail "no namespace said partly synced: $(tail -n 5 "$work/s1")"
notsent=$(figure not_sent "$work/s1")
retried=$(figure retried "$work/s1")
bash "$control_plane" start-apiserver "$k8s" >/dev/null ||
	fail "control-plane.sh start-apiserver failed (its reason above)"
cluster_state fa "$work/before"
made=$(wc -l <"$work/before")
# each object not made is said, with its failure (one whose answer was
# lost may be there and said failed: the next run finds it)
(cd "$repo" && for f in fa-*/*.yaml; do
	n=$(basename "$f" .yaml)
	k=ConfigMap
	[[ $n == fd-* ]] && k=FlinkDeployment
	echo "${f%%/*} $k/$n"
done) | sort >"$work/all"
awk '{print $1, $2}' "$work/before" | sort | comm -23 "$work/all" - >"$work/missing"
while read -r ns obj; do
	grep -qF "$ns $obj: create failed: " "$work/s1" ||
		fail "$ns $obj was not made and the output does not say so"
done <"$work/missing"
deletes0=$(audit_deletes)
last_out=$work/s2
fgrun "$work/s2" --log-level info sync "$repo" --kubeconfig "$FG_K8S_KUBECONFIG" \
	--repository repo1
expect_rc 0 "the sync after the restart"
t_converge=$ms
converged fa "$repo" "after the restart"
# what the crashed run made is kept: same uid, not made again
join <(awk '{print $1"/"$2, $3}' "$work/before" | sort) \
	<(awk '{print $1"/"$2, $3}' "$work/have.full" | sort) |
	awk '$2 != $3 {print; bad=1} END {exit bad}' ||
	fail "objects made before the crash were replaced"
[[ $(audit_deletes) == "$deletes0" ]] || fail "flink-gitops deleted something"
grep -qF "0 created, 0 updated, 0 deleted, 1000 unchanged" "$work/s2" &&
	fail "the second run found nothing to do: $(tail -n 1 "$work/s2")"
ok "API server SIGKILLed after 300 writes of 1000 and left down: the run ended $t_end ms after the crash (exit 1), $made made, $((1000 - made)) reported not made (each by name), $retried requests retried, $notsent not sent; after the restart the next sync converged in $t_converge ms, nothing deleted or made twice, inventories exact"

# ---- 2. the API server crashes and comes back at once -------------------
repo=$work/repo2
gen_repo "$repo" fb 10 100
sync_bg "$work/s3" "$repo"
after_patches 300
bash "$control_plane" kill-apiserver "$k8s"
t_kill=$(now_ms)
bash "$control_plane" start-apiserver "$k8s" >/dev/null ||
	fail "control-plane.sh start-apiserver failed (its reason above)"
t_back=$(($(now_ms) - t_kill))
rc=0
wait "$pid" || rc=$?
last_out=$work/s3
expect_rc 0 "the run whose API server restarted at once"
t_end=$(($(now_ms) - t_kill))
converged fb "$repo" "after a quick restart"
ok "API server SIGKILLed after 300 writes of 1000 and back in $t_back ms: the same run converged ($t_end ms after the crash, $(figure retried "$work/s3") requests retried, $(figure not_sent "$work/s3") not sent)"

# ---- 3. etcd restarts mid-pass ------------------------------------------
repo=$work/repo3
gen_repo "$repo" fc 10 100
sync_bg "$work/s4" "$repo"
after_patches 300
bash "$control_plane" kill-etcd "$k8s"
t_kill=$(now_ms)
sleep 5
bash "$control_plane" start-etcd "$k8s" >/dev/null ||
	fail "control-plane.sh start-etcd failed (its reason above)"
rc=0
wait "$pid" || rc=$?
t_end=$(($(now_ms) - t_kill))
last_out=$work/s4
retried=$(figure retried "$work/s4")
if ((rc != 0)); then
	# it may give up on some; the next run must finish the job
	expect_rc 1 "the run whose etcd restarted"
	last_out=$work/s5
	fgrun "$work/s5" sync "$repo" --kubeconfig "$FG_K8S_KUBECONFIG" \
		--repository repo3
	expect_rc 0 "the sync after etcd's restart"
fi
converged fc "$repo" "after etcd's restart"
ok "etcd SIGKILLed after 300 writes of 1000, back after 5 s: the run ended $t_end ms after (exit $rc, $retried requests retried), converged"
