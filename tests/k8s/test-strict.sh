#!/usr/bin/env bash
# Strict field validation rejects an unknown field with the API server's own
# message, for a create (POST ?fieldValidation=Strict) and for a server-side
# apply (whose message differs); the same object spelled right passes, and a
# dry run stores nothing.
#   test-strict.sh ENV_FILE
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ns=fg-strict-$$
work=$(mktemp -d)
trap 'kc delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; rm -rf "$work" "$KUBECACHEDIR"' EXIT
kc create namespace "$ns" >/dev/null

# doc PARALLELISM-KEY: a FlinkDeployment valid in every CRD version but for
# the key it is given.
doc() {
	cat <<EOF2
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: strict-check
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager:
    replicas: 1
  taskManager:
    replicas: 1
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    $1: 2
    upgradeMode: stateless
EOF2
}
doc paralellism >"$work/typo.yaml"
doc parallelism >"$work/good.yaml"

# create, strict: the decoder's message.
if out=$(kc create --dry-run=server --validate=strict -n "$ns" \
	-f "$work/typo.yaml" 2>&1); then
	fail "strict create accepted spec.job.paralellism: $out"
fi
grep -qF 'unknown field "spec.job.paralellism"' <<<"$out" ||
	fail "strict create: expected 'unknown field \"spec.job.paralellism\"', got: $out"
grep -qF 'BadRequest' <<<"$out" || fail "strict create: not a 400: $out"
echo "ok: create: $out"

# server-side apply, strict: structured-merge-diff's message.
if out=$(kc apply --server-side --dry-run=server --validate=strict \
	-n "$ns" -f "$work/typo.yaml" 2>&1); then
	fail "strict server-side apply accepted spec.job.paralellism: $out"
fi
grep -qF '.spec.job.paralellism: field not declared in schema' <<<"$out" ||
	fail "strict apply: expected '.spec.job.paralellism: field not declared in schema', got: $out"
echo "ok: server-side apply: $out"

# Spelled right, it passes both ways.
out=$(kc create --dry-run=server --validate=strict -n "$ns" \
	-f "$work/good.yaml" 2>&1) || fail "strict create refused a valid object: $out"
out=$(kc apply --server-side --dry-run=server --validate=strict -n "$ns" \
	-f "$work/good.yaml" 2>&1) || fail "strict apply refused a valid object: $out"

# Dry runs store nothing.
if out=$(kc get flinkdeployment strict-check -n "$ns" 2>&1); then
	fail "a dry run stored the object: $out"
fi
grep -q NotFound <<<"$out" || fail "expected NotFound after dry runs, got: $out"
echo "ok: the object spelled right passes; dry runs stored nothing"
