#!/usr/bin/env bash
# Faults of the Git side of `flink-gitops sync --repo` (a git daemon of
# the script's own, behind faultproxy where the network breaks):
#  1. a pack cut mid-transfer (FIN after 200 KB of a 3 MB pack), a reset,
#     a stall and a black hole: a clear error within --timeout, nothing
#     applied, the mirror still at the last good commit and whole (git
#     fsck), nothing half-written in it; a run SIGKILLed in the middle
#     of a fetch leaves no git worker process behind; the next fetch
#     works.
#  2. a corrupt object in the mirror: with a new commit the run fetches
#     the mirror anew and converges; with none, the file that does not
#     read is an error of its namespace (nothing applied or pruned there)
#     and the next run fetches the mirror anew and converges.
#  3. the watched ref deleted on the server: a clear error, nothing
#     pruned; back again, the next run converges.
#  4. history rewritten by a force-push: followed; with --verify head an
#     unsigned force-push is refused, the cluster keeps the last verified
#     commit's state.
#  5. files at the size limit (8 MiB) are read; one byte more is that
#     file's error, its namespace not synced, the others are.
#   test-git.sh FLINK_GITOPS FAULTPROXY
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" git "$1" "$2"

git_daemon_start
proxy_start gitp "127.0.0.1:$git_port"
tree=$work/tree
port=$gitp_port # where gsync fetches from: the proxy

# gsync OUT NAME [ARGS...]: sync Git's main of repository NAME (from
# $port) into the cache of this script, as repository NAME
gsync() {
	local out=$1 name=$2
	shift 2
	last_out=$out
	fgrun "$out" --log-level info sync --repo "git://127.0.0.1:$port/$name.git" \
		--ref main --cache-dir "$dir/cache" --kubeconfig "$FG_K8S_KUBECONFIG" \
		--timeout 3 --repository "$name" --allow-delete "$@"
}

writes() {
	sleep 0.3 # the audit log is written as answers complete
	grep -F '"userAgent":"flink-gitops/' "$FG_K8S_AUDIT_LOG" |
		grep -F '"stage":"ResponseComplete"' |
		grep -cE '"verb":"(create|update|patch|delete)"' || true
}
mirror_of() { # the mirror folder of repository NAME
	ls -d "$dir"/cache/*_"$1"_git-*.git | head -n 1
}

# new_repo NAME PREFIX: a work tree $tree/NAME of state v1 (2 namespaces
# PREFIX-0, PREFIX-1 of 4 objects), published and synced
new_repo() {
	gen_repo "$tree/$1" "$2" 2 4 v1
	git_publish "$tree/$1" "$1"
	gsync "$work/$1.first" "$1"
	expect_rc 0 "the first sync of $1"
	converged "$2" "$tree/$1" "the first sync of $1"
}

# intact NAME COMMIT WHAT: the mirror of NAME still has main at COMMIT,
# passes git fsck, and holds no temporary pack or lock
intact() {
	local m
	m=$(mirror_of "$1")
	[[ $(git -C "$m" rev-parse refs/heads/main) == "$2" ]] ||
		fail "$3: the mirror's main moved off the last good commit"
	git -C "$m" fsck --no-dangling --no-progress >"$work/fsck" 2>&1 ||
		fail "$3: git fsck of the mirror: $(head -n 5 "$work/fsck")"
	find "$m" -name '*.lock' -o -name 'tmp_*' -o -name 'pack_git2_*' |
		grep . >"$work/left" && fail "$3: left in the mirror: $(cat "$work/left")"
	return 0
}

# ---- 1. the network breaks under a fetch --------------------------------
new_repo net gn
good=$commit
gen_repo "$tree/net" gn 2 4 v2
head -c 3000000 /dev/urandom >"$tree/net/payload.bin" # a 3 MB pack
git_publish "$tree/net" net
cluster_state gn "$work/gn.before"
for fault in "cut 200000" "reset 100000" stall blackhole; do
	proxy_mode gitp "$fault"
	w0=$(writes)
	gsync "$work/net.out" net
	expect_rc 1 "a fetch under '$fault'"
	((ms < 15000)) || fail "'$fault': the run took $ms ms (--timeout 3)"
	grep -qF "fetch from git://127.0.0.1:$port/net.git" "$work/net.out.err" ||
		fail "'$fault': no clear error: $(tail -n 2 "$work/net.out.err")"
	[[ $(writes) == "$w0" ]] || fail "'$fault': something was applied"
	intact net "$good" "'$fault'"
	echo "  $fault: exit 1 after $ms ms: $(grep -o 'flink-gitops: sync: .*' "$work/net.out.err" | head -c 150)"
done
# killed in the middle of a fetch: its git worker (a child process)
# goes with it, and the mirror is free for the next run
proxy_mode gitp blackhole
"$fg" sync --repo "git://127.0.0.1:$port/net.git" --ref main \
	--cache-dir "$dir/cache" --kubeconfig "$FG_K8S_KUBECONFIG" --timeout 60 \
	--repository net >/dev/null 2>&1 &
victim=$!
worker=
for _ in $(seq 1 100); do
	worker=$(pgrep -P "$victim" -f fg-git-worker || true)
	[[ -n $worker ]] && break
	sleep 0.1
done
[[ -n $worker ]] || fail "no git worker under a fetch into a black hole"
kill -KILL "$victim"
wait "$victim" 2>/dev/null || true
for _ in $(seq 1 50); do
	kill -0 "$worker" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$worker" 2>/dev/null ||
	fail "the git worker $worker outlived its SIGKILLed parent: $(ps -o pid,ppid,stat,args -p "$worker")"
cluster_state gn "$work/gn.after"
cmp -s "$work/gn.before" "$work/gn.after" || fail "the cluster changed"
proxy_mode gitp pass
gsync "$work/net.out" net
expect_rc 0 "the fetch after the network came back"
converged gn "$tree/net" "after the network came back"
ok "a pack cut after 200 KB of 3 MB, a reset, a stall, a black hole: each a clear error within --timeout 3, nothing applied, the mirror at the last good commit, whole, nothing half-written; a run SIGKILLed mid-fetch left no git worker behind; the next fetch converged"

# ---- 2. a corrupt object in the mirror ----------------------------------
gen_repo "$tree/bad" gb 2 4 v1
# a file large enough that a change to it comes as a delta against it
for ((i = 0; i < 400; i++)); do
	echo "# line $i of a comment long enough to be worth a delta"
done >>"$tree/bad/gb-1/cm-2.yaml"
git_publish "$tree/bad" bad
gsync "$work/bad.first" bad
expect_rc 0 "the first sync of bad"
m=$(mirror_of bad)
# corrupt_blob PATH: damage the object of PATH (of main) in the mirror's
# pack, in place, as a bad disk would
corrupt_blob() {
	local id pack off
	id=$(git -C "$m" rev-parse "main:$1")
	for idx in "$m"/objects/pack/*.idx; do
		off=$(git verify-pack -v "$idx" | awk -v id="$id" '$1 == id {print $5}')
		[[ -n $off ]] && { pack=${idx%.idx}.pack; break; }
	done
	[[ -n ${pack:-} ]] || fail "no pack holds $1"
	printf '\377\377\377\377\377\377\377\377' |
		dd of="$pack" bs=1 seek=$((off + 3)) conv=notrunc status=none
}
# with no new commit: that file's namespace is an error, nothing goes
corrupt_blob gb-0/cm-0.yaml
cluster_state gb "$work/gb.before"
gsync "$work/bad.out" bad
expect_rc 1 "a sync whose mirror has a corrupt object"
grep -qE "gb-0/cm-0.yaml.*the mirror of git://127.0.0.1:$port/bad.git is damaged: the next run fetches it anew" \
	"$work/bad.out.err" "$work/bad.out" ||
	fail "not said: $(cat "$work/bad.out.err" "$work/bad.out" | grep -i -m 3 'cm-0\|damaged')"
grep -q '^gb-0: not synced' "$work/bad.out" || fail "gb-0 not said not synced: $(cat "$work/bad.out")"
cluster_state gb "$work/gb.after"
cmp -s "$work/gb.before" "$work/gb.after" || fail "the cluster changed"
gsync "$work/bad.out2" bad
expect_rc 0 "the next run"
grep -q 'event=git.mirror.refetch' "$work/bad.out2.err" || fail "not fetched anew"
converged gb "$tree/bad" "after the mirror was fetched anew"
# with a new commit sent as a delta against the damaged object: the fetch
# cannot use it, fetches the mirror anew, the same run goes on
m=$(mirror_of bad)
corrupt_blob gb-1/cm-2.yaml
sed -i 's/^  value: "v1"/  value: "v2"/' "$tree/bad/gb-1/cm-2.yaml"
git_publish "$tree/bad" bad
gsync "$work/bad.out3" bad
expect_rc 0 "a sync whose mirror is corrupt, with a new commit"
converged gb "$tree/bad" "a new commit on a corrupt mirror"
intact bad "$commit" "after a fetch anew"
ok "a corrupt object in the mirror: alone, its namespace is an error (nothing applied or pruned, said 'the next run fetches it anew') and the next run fetched the mirror anew and converged; with a new commit the same run fetched anew ($(grep -o 'reason=.*' "$work/bad.out3.err" | head -c 80)...) and converged"

# ---- 3. the watched ref deleted -----------------------------------------
new_repo gone gd
git -C "$dir/repos/gone.git" update-ref -d refs/heads/main
cluster_state gd "$work/gd.before"
gsync "$work/gone.out" gone
expect_rc 1 "a sync whose ref was deleted"
grep -qF "unknown ref 'main' in git://127.0.0.1:$port/gone.git" "$work/gone.out.err" ||
	fail "not said: $(tail -n 2 "$work/gone.out.err")"
cluster_state gd "$work/gd.after"
cmp -s "$work/gd.before" "$work/gd.after" || fail "the cluster changed"
git -C "$tree/gone" push -q "$dir/repos/gone.git" HEAD:main
gsync "$work/gone.out" gone
expect_rc 0 "the ref back"
converged gd "$tree/gone" "the ref back"
ok "the watched ref deleted: exit 1 ($(grep -o "unknown ref 'main' in [^ ]*: [^(]*" "$work/gone.out.err" | head -n 1)), nothing pruned; back, converged"

# ---- 4. a force-push ----------------------------------------------------
new_repo fp gf
git -C "$tree/fp" checkout -q --orphan rewritten
gen_repo "$tree/fp" gf 2 4 v3
git -C "$tree/fp" add -A
git -C "$tree/fp" commit -q -m "history rewritten"
git -C "$tree/fp" push -q -f "$dir/repos/fp.git" HEAD:main
gsync "$work/fp.out" fp
expect_rc 0 "a sync after a force-push"
converged gf "$tree/fp" "after a force-push"
intact fp "$(git -C "$tree/fp" rev-parse HEAD)" "after a force-push"
# signed history, then an unsigned force-push under --verify head
ssh-keygen -q -t ed25519 -N '' -C dev@example.com -f "$work/sign"
printf 'dev@example.com namespaces="git" %s\n' "$(cut -d' ' -f1,2 "$work/sign.pub")" >"$work/signers"
git -C "$tree/fp" config gpg.format ssh
git -C "$tree/fp" config user.signingkey "$work/sign"
gen_repo "$tree/fp" gf 2 4 v4
git -C "$tree/fp" add -A
git -C "$tree/fp" commit -q -S -m "signed"
git -C "$tree/fp" push -q -f "$dir/repos/fp.git" HEAD:main
gsync "$work/fp.out" fp --verify head --allowed-signers "$work/signers"
expect_rc 0 "a signed commit under --verify head"
converged gf "$tree/fp" "a signed commit"
cluster_state gf "$work/gf.before"
git -C "$tree/fp" checkout -q --orphan unsigned
gen_repo "$tree/fp" gf 2 4 v5
git -C "$tree/fp" add -A
git -C "$tree/fp" commit -q --no-gpg-sign -m "unsigned, force-pushed"
git -C "$tree/fp" push -q -f "$dir/repos/fp.git" HEAD:main
gsync "$work/fp.out" fp --verify head --allowed-signers "$work/signers"
expect_rc 1 "an unsigned force-push under --verify head"
grep -q "signature refused for main .*not signed; still using the last verified commit" "$work/fp.out.err" ||
	fail "not said: $(tail -n 2 "$work/fp.out.err")"
cluster_state gf "$work/gf.after"
cmp -s "$work/gf.before" "$work/gf.after" || fail "the cluster changed"
ok "a force-push rewriting history: followed and converged; under --verify head an unsigned force-push was refused (exit 1) and the cluster kept the last verified commit's state"

# ---- 5. the size limit --------------------------------------------------
gen_repo "$tree/big" gz 2 2 v1
# pad_to FILE BYTES: a comment line makes the file exactly BYTES long
pad_to() {
	local have
	have=$(stat -c %s "$1")
	{ printf '#'; head -c $(($2 - have - 2)) /dev/zero | tr '\0' x; printf '\n'; } >>"$1"
	[[ $(stat -c %s "$1") == "$2" ]] || fail "pad_to: $(stat -c %s "$1")"
}
limit=$((8 << 20))
pad_to "$tree/big/gz-0/cm-0.yaml" "$limit"
pad_to "$tree/big/gz-1/cm-0.yaml" $((limit + 1))
git_publish "$tree/big" big
gsync "$work/big.out" big
expect_rc 1 "a repository with a file one byte over the limit"
grep -qE "gz-1/cm-0.yaml.* 8388609 bytes, above the limit of 8388608" "$work/big.out" "$work/big.out.err" ||
	fail "not said: $(grep -h -m 2 cm-0 "$work/big.out" "$work/big.out.err")"
grep -q '^gz-1: not synced' "$work/big.out" || fail "gz-1 synced: $(cat "$work/big.out")"
kc get -n gz-0 configmap cm-0 >/dev/null || fail "the file at the limit was not applied"
kc get -n gz-1 configmap cm-0 >/dev/null 2>&1 && fail "the file over the limit was applied"
ok "a file of exactly 8 MiB applied; one of 8 MiB + 1 byte: its error, its namespace not synced, the other synced"
