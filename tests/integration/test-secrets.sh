#!/usr/bin/env bash
# Encrypted Secrets (issue 16) against Debian's real `age` and
# `age-keygen`: files age writes are read by flink-gitops (binary,
# armored, two recipients), files flink-gitops writes are read by
# `age -d`, each kind of damage gives its own error while the other
# namespaces still render, and a known secret value appears in no
# output channel.
#   test-secrets.sh FLINK_GITOPS
set -euo pipefail
fg=${1:?usage: $0 FLINK_GITOPS}
command -v age >/dev/null && command -v age-keygen >/dev/null || {
	echo "age and age-keygen are needed (Debian package age)" >&2
	exit 1
}
work=$(mktemp -d "${TMPDIR:-/tmp}/fg-secrets.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset FLINK_GITOPS_AGE_IDENTITY
cd "$work"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run ARGS...: flink-gitops ARGS; exit code in $rc, output in out/err.
run() {
	set +e
	"$fg" "$@" >out 2>err
	rc=$?
	set -e
}

expect_rc() {
	[[ $rc == "$1" ]] || fail "$2: exit $rc, expected $1; out: $(cat out) err: $(cat err)"
}

# The value we hunt for everywhere, and its base64 form.
value='pw-7c1f-Zq9!never-print-me'
value_b64=$(printf %s "$value" | base64 -w0)

age-keygen -o a.key 2>/dev/null
age-keygen -o b.key 2>/dev/null
age-keygen -o wrong.key 2>/dev/null
ra=$(age-keygen -y a.key)
rb=$(age-keygen -y b.key)

cat >secret.yaml <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
stringData:
  password: "$value"
data:
  token: $value_b64
EOF

# repo: namespace "team" gets the .age file, "other" a plain ConfigMap
new_repo() {
	rm -rf repo
	mkdir -p repo/team repo/other
	cat >repo/other/settings.yaml <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  level: info
EOF
	cp "$1" repo/team/db.yaml.age
}

# validates DESCRIPTION ARGS...: the repository is valid with ARGS and
# renders the Secret redacted
validates() {
	local what=$1
	shift
	run validate repo "$@"
	expect_rc 0 "$what: validate"
	grep -q "valid: 2 namespaces, 2 objects" out || fail "$what: $(cat out)"
	run render repo "$@"
	expect_rc 0 "$what: render"
	grep -q "password: <redacted hmac-sha256:[0-9a-f]\{16\}>" out ||
		fail "$what: render shows no marker: $(cat out)"
	echo "ok: $what"
}

# ---- age writes, flink-gitops reads -------------------------------------
age -r "$ra" -o bin.age secret.yaml
new_repo bin.age
validates "age -r (binary) is read" --age-identity a.key

age -a -r "$ra" -o armored.age secret.yaml
head -1 armored.age | grep -q -- "-----BEGIN AGE ENCRYPTED FILE-----" ||
	fail "age -a wrote no armor"
new_repo armored.age
validates "age -a -r (armored) is read" --age-identity a.key

age -r "$ra" -r "$rb" -o two.age secret.yaml
new_repo two.age
validates "age with two recipients, read with the second identity" \
	--age-identity b.key
FLINK_GITOPS_AGE_IDENTITY="$work/wrong.key:$work/b.key" validates \
	"FLINK_GITOPS_AGE_IDENTITY (colon-separated) is read"

run secret decrypt --age-identity a.key two.age
expect_rc 0 "secret decrypt"
cmp -s out secret.yaml || fail "secret decrypt gave other bytes"
echo "ok: secret decrypt gives the bytes age encrypted"

# ---- flink-gitops writes, age reads --------------------------------------
run secret encrypt -r "$ra" secret.yaml
expect_rc 0 "secret encrypt"
[[ -f secret.yaml.age ]] || fail "OUT does not default to FILE.age"
age -d -i a.key secret.yaml.age >dec || fail "age -d cannot read our binary file"
cmp -s dec secret.yaml || fail "age -d gave other bytes"
run secret encrypt -a -r "$ra" -r "$rb" -o ours-armored.age secret.yaml
expect_rc 0 "secret encrypt -a"
age -d -i b.key ours-armored.age >dec || fail "age -d cannot read our armored file"
cmp -s dec secret.yaml || fail "age -d (armored, 2nd recipient) gave other bytes"
age -d -i a.key ours-armored.age | cmp -s - secret.yaml ||
	fail "age -d (armored, 1st recipient) gave other bytes"
echo "ok: age -d reads what secret encrypt writes (binary, armored, 2 recipients)"

# keys: ours work with age, and age's with ours
run secret keygen -o ours.key
expect_rc 0 "secret keygen -o"
[[ $(stat -c %a ours.key) == 600 ]] || fail "keygen -o: mode $(stat -c %a ours.key)"
grep -q '^# created: ' ours.key && grep -q '^# public key: age1' ours.key ||
	fail "keygen file is not age-keygen's format: $(sed 's/AGE-SECRET-KEY-1.*/AGE-SECRET-KEY-1.../' ours.key)"
ro=$(age-keygen -y ours.key)
run secret keygen -y ours.key
[[ $(cat out) == "$ro" ]] || fail "keygen -y: $(cat out), age-keygen -y: $ro"
grep -q "^# public key: $ro\$" ours.key || fail "the public key line is not age-keygen's"
age -r "$ro" -o to-ours.age secret.yaml
run secret decrypt --age-identity ours.key to-ours.age
cmp -s out secret.yaml || fail "our key cannot read age's file"
run secret keygen -o ours.key
expect_rc 1 "keygen over an existing file"
echo "ok: secret keygen writes age-keygen's format, 0600, never over a file"

# encrypt refuses what render would refuse
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' >cm.yaml
run secret encrypt -r "$ra" cm.yaml
expect_rc 1 "encrypting a ConfigMap"
grep -q "cm.yaml:1: the document is a 'ConfigMap', not a Secret" err || fail "$(cat err)"
[[ ! -e cm.yaml.age ]] || fail "a refused file was written"
echo "ok: secret encrypt refuses anything but Secrets"

# ---- damage: its own error, the namespace fails, the others render ------
# broken DESCRIPTION FILE MESSAGE ARGS...
broken() {
	local what=$1 file=$2 msg=$3
	shift 3
	new_repo "$file"
	run validate repo "$@"
	expect_rc 1 "$what: validate"
	grep -qF "team/db.yaml.age: error: $msg" err ||
		fail "$what: expected '$msg', got: $(cat err)"
	grep -q "1 error; 1 of 2 namespaces invalid" out || fail "$what: $(cat out)"
	run validate repo -o json "$@"
	jq -e '.namespaces[] | select(.name=="team") | .valid == false' out >/dev/null &&
		jq -e '.namespaces[] | select(.name=="other") | .valid and .objects == 1' out >/dev/null ||
		fail "$what: json: $(cat out)"
	run render repo "$@"
	expect_rc 1 "$what: render"
	grep -q "name: settings" out || fail "$what: the other namespace is not rendered"
	! grep -q "kind: Secret" out || fail "$what: the broken namespace rendered"
	echo "ok: $what: $msg"
}

# a character of the header MAC changed (the first "--- " line only)
orig=$(grep -a -m1 '^--- ' bin.age | cut -c9)
new=$([[ $orig == A ]] && echo B || echo A)
cp bin.age hdr.age
perl -pi -e "if (!\$d && /^--- /) { s/^(--- .{4})./\${1}$new/; \$d = 1 }" hdr.age
! cmp -s hdr.age bin.age || fail "tampering changed nothing"
broken "header tampered" hdr.age "header MAC mismatch (file tampered or corrupted)" \
	--age-identity a.key

cp bin.age payload.age # the last byte (in chunk 0's tag) flipped
size=$(stat -c %s payload.age)
last=$(tail -c1 payload.age | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $((last ^ 1)))" |
	dd of=payload.age bs=1 seek=$((size - 1)) conv=notrunc status=none
broken "payload tampered" payload.age \
	"payload authentication failed at chunk 0 (tampered or truncated)" \
	--age-identity a.key

head -c 100 bin.age >cut.age
broken "truncated in the header" cut.age "truncated: the header ends" \
	--age-identity a.key
hlen=$(grep -abo $'^--- ' bin.age | head -1 | cut -d: -f1)
head -c $((hlen + 48 + 8)) bin.age >cut-nonce.age
broken "truncated in the nonce" cut-nonce.age \
	"truncated: the payload nonce is 8 of 16 bytes" --age-identity a.key

broken "wrong key" bin.age \
	"no identity matches any recipient (1 X25519 recipient in the file, 1 identity given)" \
	--age-identity wrong.key
broken "no identity" bin.age \
	"no age identity given (--age-identity or FLINK_GITOPS_AGE_IDENTITY)"

# age -p needs a terminal: the scrypt stanza is written by hand (the
# header is checked before its MAC, so the MAC does not matter here)
{
	printf 'age-encryption.org/v1\n'
	printf -- '-> scrypt rF0/NwblUHHTpgQgRpe5CQ 18\n'
	printf 'gUjEymFKMVXQEKdMMHL24oYexjE3TIC0O0zGSqJ2aUY\n'
	printf -- '--- IOXiQYStkoT1mvZW2tFOqZdhRVvj58egABx/sWfZQbc\n'
	head -c 64 /dev/urandom
} >scrypt.age
broken "passphrase (scrypt) file" scrypt.age \
	"unknown recipient type 'scrypt'" --age-identity a.key

printf -- '-----BEGIN AGE ENCRYPTED FILE-----\nnot base64!\n-----END AGE ENCRYPTED FILE-----\n' >armor.age
broken "bad armor" armor.age "bad armor: line 2, column 4: not base64" \
	--age-identity a.key

cp secret.yaml plain.age
broken "a plain file named .age" plain.age "not an age file" --age-identity a.key

# ---- the value appears in no output channel ------------------------------
# Every command that reads the repository, one per line; stdout and
# stderr (with debug logs, text and JSON) of each are searched.
new_repo two.age
leak_commands=(
	"validate repo --age-identity a.key"
	"validate repo --age-identity a.key -o json"
	"render repo --age-identity a.key"
	"render repo --age-identity a.key -o json"
	"validate repo --age-identity wrong.key"
	"render repo --age-identity wrong.key -o json"
)
for c in "${leak_commands[@]}"; do
	for format in text json; do
		# shellcheck disable=SC2086
		run --log-level debug --log-format "$format" $c
		for v in "$value" "$value_b64"; do
			if grep -qF -- "$v" out err; then
				fail "'$c' (log $format) printed the secret value"
			fi
		done
	done
done
# a broken YAML line inside the encrypted file is reported, not quoted
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: !!int %s}\n' \
	"$value" >bad-yaml.yaml
age -r "$ra" -o bad-yaml.age bad-yaml.yaml
new_repo bad-yaml.age
run --log-level debug validate repo --age-identity a.key
expect_rc 1 "YAML error inside an .age file"
grep -q "team/db.yaml.age:4:" err || fail "no position: $(cat err)"
! grep -qF -- "$value" out err || fail "a YAML error quoted the secret value"
echo "ok: the secret value appears in no output of ${#leak_commands[@]} commands (text and JSON logs, debug)"
