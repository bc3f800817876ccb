#!/usr/bin/env bash
# Encrypted Secrets through `flink-gitops sync` against the real API
# server of the `k8s` fixture: a file `age` encrypted is applied as a
# Secret with its real values; a tampered, truncated or wrong-key file
# fails its namespace, and the audit log shows that nothing was written
# there (no apply, no prune); the secret value appears in no output.
#   test-secrets-sync.sh ENV_FILE FLINK_GITOPS
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${2:?usage: $0 ENV_FILE FLINK_GITOPS}
work=$(mktemp -d "$k8s_dir/test-secrets-sync.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
unset FLINK_GITOPS_AGE_IDENTITY
seq=0
. "$(dirname "${BASH_SOURCE[0]}")/lib-sync.sh"

value='sync-pw-3e8a-never-print-me'
value2='sync-pw-77c1-rotated-never-print'
age-keygen -o "$work/a.key" 2>/dev/null
age-keygen -o "$work/wrong.key" 2>/dev/null
ra=$(age-keygen -y "$work/a.key")

# seal: the Secret "db" with password $1, encrypted by age into the repo
seal() {
	printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: "%s"\n' "$1" |
		age -r "$ra" -o "$repo/$ns/db.yaml.age"
}

# no_leak: the value (and its base64, as the cluster stores it) is in no
# output of the last run
no_leak() {
	local v
	for v in "$value" "$(printf %s "$value" | base64 -w0)" \
		"$value2" "$(printf %s "$value2" | base64 -w0)"; do
		! grep -qF -- "$v" "$work/out" "$work/err" ||
			fail "$1: a secret value was printed"
	done
}

# ---- a file age encrypted is applied with its real values ----------------
new_ns
cm settings 1
seal "$value"
sync --age-identity "$work/a.key"
expect_rc 0 "sync with the identity"
no_leak "sync"
got=$(kc get -n "$ns" secret db -o jsonpath='{.data.password}' | base64 -d)
[[ $got == "$value" ]] || fail "the Secret on the cluster holds another value"
kc get -n "$ns" secret db -o jsonpath='{.metadata.annotations}' | grep -q 'db.yaml.age' ||
	fail "the Secret does not name its source file"
echo "ok: an age-encrypted Secret is applied with its values"

# ---- damage: its own error, and not a single write in the namespace ------
# damaged DESCRIPTION MESSAGE ARGS...: sync fails naming the file, and
# neither the changed ConfigMap is applied nor anything pruned
damaged() {
	local what=$1 msg=$2 before
	shift 2
	cm settings 2 # a change that must wait for the namespace to be whole
	before=$(writes)
	sync "$@"
	expect_rc 1 "$what"
	grep -qF "$ns/db.yaml.age: error: $msg" "$work/err" ||
		fail "$what: expected '$msg', got: $(cat "$work/err")"
	no_leak "$what"
	[[ $(writes) == "$before" ]] || fail "$what: flink-gitops wrote to $ns"
	exists secret db || fail "$what: the Secret was pruned"
	[[ $(kc get -n "$ns" configmap settings -o jsonpath='{.data.value}') == 1 ]] ||
		fail "$what: the ConfigMap change was applied"
	echo "ok: $what: '$msg', nothing written"
}

cp "$repo/$ns/db.yaml.age" "$work/good.age"
damaged "wrong key" "no identity matches any recipient" --age-identity "$work/wrong.key"
damaged "no identity" "no age identity given"

size=$(stat -c %s "$work/good.age")
cp "$work/good.age" "$repo/$ns/db.yaml.age"
last=$(tail -c1 "$repo/$ns/db.yaml.age" | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $((last ^ 1)))" |
	dd of="$repo/$ns/db.yaml.age" bs=1 seek=$((size - 1)) conv=notrunc status=none
damaged "payload tampered" "payload authentication failed at chunk 0" \
	--age-identity "$work/a.key"

head -c 80 "$work/good.age" >"$repo/$ns/db.yaml.age"
damaged "truncated" "truncated: the header ends" --age-identity "$work/a.key"

# ---- repaired: the pass goes on, with the waiting change -----------------
cp "$work/good.age" "$repo/$ns/db.yaml.age"
sync --age-identity "$work/a.key"
expect_rc 0 "sync after the repair"
no_leak "sync after the repair"
[[ $(kc get -n "$ns" configmap settings -o jsonpath='{.data.value}') == 2 ]] ||
	fail "the ConfigMap change was not applied after the repair"
echo "ok: once the file is whole again, the namespace syncs"

# ---- plan, sync and drift of a changed Secret: markers, never values -----
seal "$value2"
for cmd in "plan" "plan -o json" "plan -o markdown" "drift" "drift -o json"; do
	# shellcheck disable=SC2086
	run $cmd --age-identity "$work/a.key" --log-level debug
	no_leak "$cmd of a rotated value"
done
run plan --age-identity "$work/a.key"
expect_rc 2 "plan of a rotated value"
grep -qF 'data.password: "<redacted hmac-sha256:' "$work/out" ||
	fail "plan does not show the changed field: $(cat "$work/out")"
sync --age-identity "$work/a.key" -o json
expect_rc 0 "sync of a rotated value"
no_leak "sync -o json of a rotated value"
got=$(kc get -n "$ns" secret db -o jsonpath='{.data.password}' | base64 -d)
[[ $got == "$value2" ]] || fail "the rotated value was not applied"
# what flink-gitops wrote onto the cluster beside the Secret itself
kc get -n "$ns" configmap -o json >"$work/out"
kc get -n "$ns" secret db -o jsonpath='{.metadata.annotations}' >"$work/err"
no_leak "the inventory and the Secret's annotations"
# someone edits the Secret: drift names the field, not the value
kc patch -n "$ns" secret db --field-manager=kubectl-edit --type merge \
	-p "{\"stringData\":{\"password\":\"$value\"}}" >/dev/null
run drift --age-identity "$work/a.key"
expect_rc 2 "drift of an edited Secret"
grep -q 'Secret/db: drifted' "$work/out" || fail "drift: $(cat "$work/out")"
no_leak "drift of an edited Secret"
sync --age-identity "$work/a.key"
expect_rc 0 "sync takes the edited Secret back"
no_leak "sync of an edited Secret"
got=$(kc get -n "$ns" secret db -o jsonpath='{.data.password}' | base64 -d)
[[ $got == "$value2" ]] || fail "the edit was not taken back"
sync --age-identity "$work/a.key"
grep -q "0 write requests" "$work/out" || fail "a settled Secret is written again: $(cat "$work/out")"
echo "ok: plan, sync and drift of a Secret show markers, never a value; a settled Secret costs no write"
