#!/usr/bin/env bash
# The render issue's deferred check: for every FlinkDeployment,
# FlinkSessionJob and FlinkStateSnapshot document of the operator's
# examples and each CRD version, the API server's strict server-side
# dry-run verdict equals the one in tests/render/example-verdicts.txt
# (which the offline validator is held to by test_verdicts).
#   test-verdicts.sh ENV_FILE VERDICTS_FILE EXAMPLES_DIR
# Switches the cluster's CRDs (control-plane.sh crds), so CTest runs it
# alone (RUN_SERIAL); the version found is restored at the end.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
verdicts=${2:?usage: test-verdicts.sh ENV_FILE VERDICTS_FILE EXAMPLES_DIR}
examples=${3:?usage: test-verdicts.sh ENV_FILE VERDICTS_FILE EXAMPLES_DIR}
[[ -r $verdicts ]] || fail "cannot read $verdicts"
[[ -d $examples ]] || fail "no examples in $examples"

work=$(mktemp -d)
original=$FG_K8S_CRD_VERSION
ns=fg-verdicts-$$
cleanup() {
	local rc=$?
	if [[ $(sed -n 's/^FG_K8S_CRD_VERSION=//p' "$envfile") != "$original" ]]; then
		FG_K8S_QUIET=1 bash "$k8s_here/control-plane.sh" crds "$k8s_dir" "$original" ||
			rc=1
	fi
	kc delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
	rm -rf "$work" "$KUBECACHEDIR"
	exit $rc
}
trap cleanup EXIT

# Split every example into its documents as kubectl does (a line starting
# with "---"; documents of only comments and blank lines do not count) and
# keep the Flink ones: work/FILE.N.yaml and one line "FILE N KIND" each.
for f in "$examples"/*.yaml "$examples"/*.yml; do
	[[ -f $f ]] || continue
	awk -v out="$work/${f##*/}" -v file="${f##*/}" '
		BEGIN { n = 0 }
		function flush() {
			if (body != "") {
				if (kind ~ /^Flink(Deployment|SessionJob|StateSnapshot)$/) {
					printf "%s", body > (out "." n ".yaml")
					close(out "." n ".yaml")
					print file, n, kind
				}
				n++
			}
			body = ""; kind = ""; text = 0
		}
		/^---/ { flush(); next }
		{
			body = body $0 "\n"
			if ($0 !~ /^[ \t]*(#.*)?$/) text = 1
			if (!text) body = ""
			if ($0 ~ /^kind:/) { kind = $2 }
		}
		END { flush() }
	' "$f" >>"$work/docs"
done
[[ -s $work/docs ]] || fail "no Flink documents found in $examples"

kc create namespace "$ns" >/dev/null
failures=0
checked=0
for version in 1.15.0 main; do
	if [[ $(sed -n 's/^FG_K8S_CRD_VERSION=//p' "$envfile") != "$version" ]]; then
		FG_K8S_QUIET=1 bash "$k8s_here/control-plane.sh" crds "$k8s_dir" "$version" ||
			fail "control-plane.sh crds $version failed"
		rm -rf "${KUBECACHEDIR:?}"/*
	fi
	while read -r file doc kind; do
		line=$(awk -v f="$file" -v d="$doc" '$1 == f && $2 == d' "$verdicts")
		if [[ -z $line ]]; then
			echo "FAIL: $file #$doc ($kind): no expected verdict in $verdicts"
			failures=$((failures + 1))
			continue
		fi
		read -r _ _ want_kind name v115 vmain <<<"$line"
		if [[ $want_kind != "$kind" ]]; then
			echo "FAIL: $file #$doc is a $kind, $verdicts says $want_kind"
			failures=$((failures + 1))
			continue
		fi
		case $version in
		1.15.0) want=${v115#1.15.0=} ;;
		main) want=${vmain#main=} ;;
		esac
		if msg=$(kc apply --server-side --dry-run=server --validate=strict \
			-n "$ns" -f "$work/$file.$doc.yaml" 2>&1); then
			got=valid
		else
			got=invalid
		fi
		checked=$((checked + 1))
		if [[ $got != "$want" ]]; then
			echo "FAIL: $file #$doc $kind $name with the $version CRDs:"
			echo "  API server: $got; expected ($verdicts): $want"
			echo "  server says: $msg"
			failures=$((failures + 1))
		fi
	done <"$work/docs"
done
# Every expected verdict belongs to a document that exists.
while read -r file doc kind name _; do
	[[ -z $file || $file == \#* ]] && continue
	grep -qx "$file $doc $kind" "$work/docs" || {
		echo "FAIL: $verdicts lists $file #$doc $kind $name, not found in $examples"
		failures=$((failures + 1))
	}
done <"$verdicts"

echo "$checked verdicts checked ($(wc -l <"$work/docs") documents x 2 CRD versions), $failures differences"
((failures == 0))
