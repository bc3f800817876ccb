#!/usr/bin/env bash
# Every manifest of deploy/kubernetes/ and every manifest the Helm chart
# renders (the real helm, with its default values and with `namespaces`
# and every Secret set) passes the real API server's strict server-side
# dry-run without a warning; the agent's pod is one the PodSecurity
# admission takes as restricted; the agent accepts the configuration in
# the ConfigMap; and the RBAC grants exactly the rights the agent says
# it uses (`flink-gitops check --config -o json`), nothing more.
#   test-manifests.sh K8S_ENV FLINK_GITOPS HELM_PATH_FILE
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${2:?usage: $0 K8S_ENV FLINK_GITOPS HELM_PATH_FILE}
work=$(mktemp -d "$k8s_dir/test-manifests.XXXXXX")
trap 'rm -rf "$work" "$KUBECACHEDIR"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib-deploy.sh"
helm_bin "${3:?}"
"$helm" version --short | sed 's/^/helm /'

# check_config LIST.json: the agent takes the ConfigMap's configuration
# (check --config loads it as run does: every option, bounds, types);
# its -o json review, as the admin, in $work/check.json
check_config() {
	agent_config "$1" "$work/agent.yaml"
	"$fg" check --config "$work/agent.yaml" --kubeconfig "$FG_K8S_KUBECONFIG" \
		-o json >"$work/check.json" 2>"$work/check.err" ||
		fail "check --config on the configuration of $1: $(cat "$work/check.err" "$work/check.json")"
}

# --- plain manifests, file by file ---
# the namespace for real (namespaced objects are dry-run into it)
kc apply --validate=strict -f "$deploy_dir/kubernetes/00-namespace.yaml" >/dev/null
n=0
for f in "$deploy_dir"/kubernetes/*.yaml; do
	dry_run "$f" "$work/one.json"
	n=$((n + $(jq '.items | length' "$work/one.json")))
done
dry_run "$deploy_dir/kubernetes" "$work/plain.json"
echo "deploy/kubernetes: $n objects pass the strict server-side dry-run"
pods_restricted "$work/plain.json" flink-gitops
check_config "$work/plain.json"
same_rights "$work/plain.json" flink-gitops flink-gitops "$work/check.json"

# --- the chart: its default values ---
release_ns=fg-chart-$$
kc create namespace "$release_ns" >/dev/null
kc label namespace "$release_ns" pod-security.kubernetes.io/enforce=restricted >/dev/null
"$helm" lint --strict "$chart" >"$work/lint" 2>&1 || fail "helm lint: $(cat "$work/lint")"
render "$work/default.yaml"
dry_run "$work/default.yaml" "$work/default.json"
echo "chart, default values: $(jq '.items | length' "$work/default.json") objects pass"
pods_restricted "$work/default.json" "$release_ns"
check_config "$work/default.json"
same_rights "$work/default.json" "$release_ns" fg-flink-gitops "$work/check.json"
# the placeholder URL is said, at install
"$helm" install fg "$chart" --dry-run=client --kubeconfig "$FG_K8S_KUBECONFIG" \
	--namespace "$release_ns" >"$work/notes" 2>&1 ||
	fail "helm install --dry-run=client: $(cat "$work/notes")"
grep -qF 'WARNING: source.url is the chart' "$work/notes" ||
	fail "NOTES.txt does not warn of the placeholder URL: $(sed -n '/NOTES:/,$p' "$work/notes")"

# --- the chart confined to namespaces, every Secret, two replicas ---
a=fg-chart-a-$$ b=fg-chart-b-$$
kc create namespace "$a" >/dev/null
kc create namespace "$b" >/dev/null
render "$work/ns.yaml" --set "namespaces={$a,$b}" \
	--set operatorNamespace=flink-operator --set replicas=2 \
	--set source.url=ssh://git@git.example.com/flink/jobs.git \
	--set secrets.gitCredentials=git --set secrets.gitCredentialsType=ssh \
	--set secrets.knownHosts=known-hosts --set secrets.allowedSigners=signers \
	--set secrets.webhook=webhook --set secrets.ageIdentity=age \
	--set 'source.proposals={refs/pull/*/head}'
dry_run "$work/ns.yaml" "$work/ns.json"
echo "chart, namespaces [$a, $b]: $(jq '.items | length' "$work/ns.json") objects pass"
pods_restricted "$work/ns.json" "$release_ns"
[[ $(jq '[.items[] | select(.kind == "ClusterRole")] | length' "$work/ns.json") == 1 ]] ||
	fail "confined to namespaces, the chart still makes ClusterRoles for the agent"
jq -e --arg a "$a" --arg b "$b" '[.items[] | select(.kind == "Role") | .metadata.namespace] |
	(index($a) != null) and (index($b) != null) and (index("flink-operator") != null)' \
	"$work/ns.json" >/dev/null || fail "no Role in $a, $b and flink-operator"
check_config "$work/ns.json"
grep -qF "namespaces: [\"$a\",\"$b\"]" "$work/agent.yaml" ||
	fail "sync.namespaces not in the configuration: $(cat "$work/agent.yaml")"
same_rights "$work/ns.json" "$release_ns" fg-flink-gitops "$work/check.json" secrets
# each Secret is mounted read-only where the configuration names its file
for f in /etc/flink-gitops/git/ssh-privatekey /etc/flink-gitops/known-hosts/known_hosts \
	/etc/flink-gitops/allowed-signers/allowed_signers /etc/flink-gitops/webhook/secret \
	/etc/flink-gitops/age/identity; do
	grep -qF "$f" "$work/agent.yaml" || fail "$f not in the configuration"
	jq -e --arg d "${f%/*}" '[.items[] | select(.kind == "Deployment") |
		.spec.template.spec.containers[0].volumeMounts[] |
		select(.mountPath == $d and .readOnly)] | length == 1' "$work/ns.json" >/dev/null ||
		fail "nothing mounted read-only at ${f%/*}"
done

# --- the optional rights, each only when asked for ---
render "$work/opt.yaml" --set rbac.manageRoles=true --set rbac.manageSecrets=true \
	--set rbac.createNamespaces=true
dry_run "$work/opt.yaml" "$work/opt.json"
check_config "$work/opt.json"
granted "$work/opt.json" "$release_ns" fg-flink-gitops >"$work/opt.granted"
for want in '*||secrets|delete|' '*|rbac.authorization.k8s.io|roles|escalate|' \
	'*|rbac.authorization.k8s.io|roles|bind|' '*||namespaces|create|'; do
	grep -qxF "$want" "$work/opt.granted" || fail "not granted when asked: $want"
done
same_rights "$work/opt.json" "$release_ns" fg-flink-gitops "$work/check.json" \
	secrets roles rolebindings namespaces

# --- values the chart refuses, with a message ---
set +e
"$helm" template fg "$chart" --set "namespaces={x}" --set rbac.createNamespaces=true >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc != 0 ]] && grep -qF "rbac.createNamespaces needs every namespace" "$work/err" ||
	fail "createNamespaces with namespaces: exit $rc, $(cat "$work/err")"
echo "test-manifests: ok"
