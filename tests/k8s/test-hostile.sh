#!/usr/bin/env bash
# The hostile-input corpus (tests/render/hostile) against the real thing:
# every case whose expected file says what the API server does with it
#   # the API server: valid
#   # the API server: invalid: MESSAGE FRAGMENT
# has each of its manifests applied by kubectl (server-side, dry run,
# strict field validation), exactly as a user would apply the file (byte
# order marks, UTF-16 and all); the API server's verdict must be the one
# written there, and a refusal must carry the fragment. The same cases'
# offline verdicts are held by test_render_hostile, so together they tie
# `flink-gitops validate` to the API server on these inputs.
#   test-hostile.sh ENV_FILE HOSTILE_DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
corpus=${2:?usage: test-hostile.sh ENV_FILE HOSTILE_DIR}
[[ -d $corpus ]] || fail "no corpus in $corpus"

ns=fg-hostile-$$
trap 'kc delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; rm -rf "$KUBECACHEDIR"' EXIT
kc create namespace "$ns" >/dev/null

failures=0
checked=0
for expected in "$corpus"/*/expected; do
	case_dir=$(dirname "$expected")
	line=$(sed -n 's/^# the API server: //p' "$expected")
	[[ -n $line ]] || continue
	want=${line%%:*}
	fragment=
	[[ $line == *:* ]] && fragment=${line#*: }
	got=valid
	out=
	while IFS= read -r -d '' file; do
		case ${file##*/} in
		_defaults.yaml | flink-gitops.yaml) continue ;;
		esac
		if ! msg=$(kc apply --server-side --dry-run=server \
			--validate=strict -n "$ns" -f "$file" 2>&1); then
			got=invalid
			out+=$msg$'\n'
		fi
	done < <(find "$case_dir/repo" -name '*.yaml' -print0 | sort -z)
	checked=$((checked + 1))
	if [[ $got != "$want" ]]; then
		echo "FAIL: ${case_dir##*/}: API server says $got, expected $want"
		[[ -n $out ]] && printf '  server says: %s' "$out"
		failures=$((failures + 1))
	elif [[ -n $fragment && $out != *"$fragment"* ]]; then
		echo "FAIL: ${case_dir##*/}: the API server's refusal lacks: $fragment"
		printf '  server says: %s' "$out"
		failures=$((failures + 1))
	fi
done
((checked > 0)) || fail "no case in $corpus says what the API server does"
echo "$checked cases checked against the API server, $failures differences"
((failures == 0))
