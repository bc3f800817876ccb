#!/usr/bin/env bash
# Fault: the cache and state directory on a full filesystem. The script
# runs itself in a mount namespace of its own (unshare -m, or -rm when not
# root) where a 4 MiB tmpfs holds the Git mirrors (--cache-dir) and a
# 1 MiB one the saved plans (plan --save):
#  1. a fetch that does not fit: a clear error, nothing applied, the
#     mirror at the last good commit and whole, nothing half-written kept
#     (the space is free again); once there is room, the next run
#     converges.
#  2. plan --save onto a full disk: a clear error, no plan file, no
#     half-written one; with room again the plan is saved and sync --plan
#     applies it.
#   test-disk.sh FLINK_GITOPS FAULTPROXY
set -euo pipefail
if [[ -z ${FG_FAULTS_NS:-} ]]; then
	ns=-m
	[[ $(id -u) == 0 ]] || ns=-rm
	FG_FAULTS_NS=1 exec unshare "$ns" --propagation private \
		bash "${BASH_SOURCE[0]}" "$@"
fi
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" disk "$1" "$2"

disk=$dir/disk
mkdir -p "$disk"
mount -t tmpfs -o size=4m fg-faults "$disk"
trap 'rc=$?; umount -l "$disk" "$dir/state" 2>/dev/null; (exit $rc); faults_cleanup' EXIT
used() { df -k --output=used "$disk" | tail -n 1 | tr -d ' '; }

git_daemon_start
tree=$work/tree
gsync() {
	local out=$1
	shift
	last_out=$out
	fgrun "$out" --log-level info sync --repo "git://127.0.0.1:$git_port/d.git" \
		--ref main --cache-dir "$disk/cache" --kubeconfig "$FG_K8S_KUBECONFIG" \
		--timeout 20 --repository d "$@"
}
writes() {
	sleep 0.3
	grep -F '"userAgent":"flink-gitops/' "$FG_K8S_AUDIT_LOG" |
		grep -F '"stage":"ResponseComplete"' |
		grep -cE '"verb":"(create|update|patch|delete)"' || true
}

# ---- 1. a fetch that does not fit ---------------------------------------
gen_repo "$tree" gd 2 4 v1
git_publish "$tree" d
gsync "$work/s1"
expect_rc 0 "the first sync (it fits)"
good=$commit
before=$(used)
gen_repo "$tree" gd 2 4 v2
head -c 6000000 /dev/urandom >"$tree/payload.bin" # a 6 MB pack, on 4 MiB
git_publish "$tree" d
w0=$(writes)
gsync "$work/s2"
expect_rc 1 "a fetch onto a full disk"
grep -qiE 'no space left on device|not enough space|ENOSPC' "$work/s2.err" ||
	fail "not said: $(tail -n 2 "$work/s2.err")"
grep -q "cannot write the mirror: " "$work/s2.err" ||
	fail "a full disk said as something else: $(tail -n 1 "$work/s2.err")"
[[ $(writes) == "$w0" ]] || fail "something was applied"
m=$(ls -d "$disk"/cache/*_d_git-*.git)
[[ $(git -C "$m" rev-parse refs/heads/main) == "$good" ]] ||
	fail "the mirror's main moved off the last good commit"
git -C "$m" fsck --no-dangling --no-progress >"$work/fsck" 2>&1 ||
	fail "git fsck of the mirror: $(head -n 5 "$work/fsck")"
left=$(find "$disk" -name 'tmp_*' -o -name 'pack_git2_*' -o -name '*.lock' ! -name '*.git.lock')
[[ -z $left ]] || fail "half-written files kept: $left"
after=$(used)
((after <= before + 64)) || fail "the failed fetch kept $((after - before)) KiB"
mount -o remount,size=64m "$disk"
gsync "$work/s3"
expect_rc 0 "the sync once there is room"
converged gd "$tree" "once there is room"
ok "a 6 MB fetch into 4 MiB: exit 1 ($(grep -o 'fetch from [^ ]*: .*' "$work/s2.err" | head -c 200)), nothing applied, the mirror at the last good commit and whole, ${after} KiB used as before (${before}); with room, converged"

# ---- 2. plan --save onto a full disk ------------------------------------
state=$dir/state
mkdir -p "$state"
mount -t tmpfs -o size=1m fg-faults-state "$state"
gen_repo "$tree" gd 2 4 v3
git_publish "$tree" d
dd if=/dev/zero of="$state/filler" bs=64k status=none 2>/dev/null || true
last_out=$work/p1
fgrun "$work/p1" plan --repo "git://127.0.0.1:$git_port/d.git" --ref main \
	--cache-dir "$disk/cache" --kubeconfig "$FG_K8S_KUBECONFIG" \
	--repository d --save "$state/plan.json"
expect_rc 1 "plan --save onto a full disk"
grep -qiE 'no space left on device' "$work/p1.err" ||
	fail "not said: $(tail -n 2 "$work/p1.err")"
ls "$state" | grep -q '^plan' && fail "a plan file was left: $(ls "$state")"
rm -f "$state/filler"
fgrun "$work/p2" plan --repo "git://127.0.0.1:$git_port/d.git" --ref main \
	--cache-dir "$disk/cache" --kubeconfig "$FG_K8S_KUBECONFIG" \
	--repository d --save "$state/plan.json"
last_out=$work/p2
[[ $rc == 2 ]] || expect_rc 2 "plan --save with room"
fgrun "$work/p3" sync --plan "$state/plan.json" --cache-dir "$disk/cache" \
	--kubeconfig "$FG_K8S_KUBECONFIG"
last_out=$work/p3
expect_rc 0 "sync --plan"
converged gd "$tree" "the saved plan applied"
ok "plan --save onto a full disk: exit 1 ($(grep -o 'plan: --save: .*' "$work/p1.err" | head -c 120)), no plan file left; with room, saved and applied"
