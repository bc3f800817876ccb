#!/usr/bin/env bash
# The agent on exactly the rights deploy/ grants, against the RBAC-
# enforcing API server of the `k8s` fixture and a git daemon: run
# locally with a token of the deploy/ ServiceAccount (kubectl create
# token), it completes full passes (apply, update, prune, drift, the
# status branch and notes, annotations, Events, the Lease) and the audit
# log holds no 403 for that account; `flink-gitops check --config` with
# the token reports nothing missing. The same for the Helm chart confined
# to two namespaces (Roles only; a third namespace of Git is left alone;
# the operator's ConfigMap read by name). With any one rule taken away,
# check names the verbs and the resource it lacks, and the agent's
# own error names them too.
#   test-rbac.sh K8S_ENV GIT_ENV FLINK_GITOPS HELM_PATH_FILE
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=${3:?usage: $0 K8S_ENV GIT_ENV FLINK_GITOPS HELM_PATH_FILE}
work=$(mktemp -d "$k8s_dir/test-rbac.XXXXXX")
agent_pid=
release=
cleanup() {
	[[ -n $agent_pid ]] && kill -9 "$agent_pid" 2>/dev/null
	# the chart's cluster-wide objects: the cluster is shared with other
	# tests (test_deploy_manifests installs the chart as release "fg")
	[[ -z $release ]] || kc delete clusterrole,clusterrolebinding \
		-l "app.kubernetes.io/instance=$release" >/dev/null 2>&1 || true
	[[ -n ${FG_RUN_KEEP:-} ]] && echo "kept $work" || rm -rf "$work"
	rm -rf "$KUBECACHEDIR"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib-run.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib-deploy.sh"
load_git_env "$2"
helm_bin "${4:?}"
example=$(cd "$deploy_dir/../repo-layout/example" && pwd)

# agent_yaml LIST.json KUBECONFIG OUT: the configuration deploy/ ships,
# for a process on this machine: the local repository, a short interval,
# a loopback port, a scratch state folder, the token's kubeconfig. Every
# other option (reports, sync, leader election) stays as shipped.
agent_yaml() {
	agent_config "$1" "$3.shipped"
	sed -e "s#^\(  url:\).*#\1 \"$url\"#" \
		-e 's#^\(  interval:\).*#\1 "2s"#' \
		-e 's#^listen:.*#listen: 127.0.0.1:0#' \
		-e "s#^stateDir:.*#stateDir: $work/state-$RANDOM#" \
		-e "s#^cluster: {}.*#cluster: {kubeconfig: $2}#" \
		-e "s#^cluster:\$#cluster:\n  kubeconfig: $2#" \
		"$3.shipped" >"$3"
	grep -qF "kubeconfig: $2" "$3" || fail "no kubeconfig put in: $(cat "$3")"
}

cm_value() { kc get -n "$1" configmap "$2" -o jsonpath='{.data.value}'; }
gone() { ! kc get -n "$1" "$2" "$3" >/dev/null 2>&1; }
branch_has() { on_branch "$1" | grep -qF -- "$2"; }
annotated() { # NS KIND NAME ANNOTATION VALUE
	[[ $(kc get -n "$1" "$2" "$3" -o json |
		jq -r --arg a "flink-gitops.io/$4" '.metadata.annotations[$a]') == "$5" ]]
}
event() { # NS REASON NAME
	kc get events -n "$1" -o json | jq -e --arg r "$2" --arg n "$3" \
		'[.items[] | select(.reason == $r and .involvedObject.name == $n)] | length >= 1' >/dev/null
}
configmap() { # FILE NAME VALUE
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  value: "%s"\n' "$2" "$3" >"$1"
}

# no403 USER WHAT: the audit log has no refusal for USER; its requests
# by verb and resource printed (the witness of what the agent used)
no403() {
	local denied
	denied=$(refused "$1")
	[[ -z $denied ]] || fail "$2: the API server refused $(grep -c . <<<"$denied") requests of $1: $denied"
	requests "$1" >"$work/used"
	echo "  $2: $(grep -c . "$work/used") requests by $1, 0 refused (403); verbs by resource:"
	awk '{ v[$2] = v[$2] (index(" " v[$2] " ", " " $1 " ") ? "" : " " $1) }
		END { for (r in v) printf "    %s:%s\n", r, v[r] }' "$work/used" | sort
}

# ==== 1. deploy/kubernetes: every namespace, one ClusterRole ============
kc apply -f "$deploy_dir/kubernetes/00-namespace.yaml" \
	-f "$deploy_dir/kubernetes/10-serviceaccount.yaml" \
	-f "$deploy_dir/kubernetes/20-rbac.yaml" >/dev/null
dry_run "$deploy_dir/kubernetes/30-config.yaml" "$work/plain.json"
token_kubeconfig flink-gitops flink-gitops "$work/sa.kubeconfig"
user=system:serviceaccount:flink-gitops:flink-gitops

a=fg-rbac-$$-a b=fg-rbac-$$-b c=fg-rbac-$$-c
for n in "$a" "$b" "$c"; do kc create namespace "$n" >/dev/null; done
new_source rbac-$$
# the example repository, its namespaces renamed, named as its own
# repository (the cluster is shared: its inventories are its own)
sed 's/^kind: RepoConfig$/kind: RepoConfig\nname: rbac-'$$'/' "$example/flink-gitops.yaml" >"$src/flink-gitops.yaml"
cp -r "$example/analytics" "$src/$a"
cp -r "$example/sessions" "$src/$b"
cp -r "$example/streaming" "$src/$c"
configmap "$src/$a/settings.yaml" settings 1
configmap "$src/$a/extra.yaml" extra x
printf 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: flink\n' >"$src/$a/flink-sa.yaml"
sed -n '/^apiVersion/,$p' "$deploy_dir/../tests/operator/examples/snapshot-savepoint-already-exists.yaml" >"$src/$c/snapshot.yaml"
"$fg" validate "$src" >/dev/null || fail "the test repository is invalid: $("$fg" validate "$src" 2>&1)"
commit "the example"
c1=$commit
# a HorizontalPodAutoscaler scales one job (the agent reads HPAs)
kc apply -f - >/dev/null <<-EOF
	apiVersion: autoscaling/v2
	kind: HorizontalPodAutoscaler
	metadata: {name: clickstream, namespace: $c}
	spec:
	  minReplicas: 1
	  maxReplicas: 4
	  scaleTargetRef: {apiVersion: flink.apache.org/v1beta1, kind: FlinkDeployment, name: clickstream}
	EOF

agent_yaml "$work/plain.json" "$work/sa.kubeconfig" "$work/agent.yaml"
echo "1. deploy/kubernetes, the agent as $user"
start_agent plain "$work/agent.yaml"
wait_until 30 "the first pass" curl -sf "http://127.0.0.1:$port/readyz"
for o in "$a configmap settings" "$a configmap extra" "$a serviceaccount flink" \
	"$a flinkdeployment fraud-detector" "$a flinkbluegreendeployment payment-scoring" \
	"$b flinkdeployment shared-session" "$b flinksessionjob state-machine" \
	"$c flinkdeployment clickstream" "$c flinkstatesnapshot example-savepoint"; do
	# shellcheck disable=SC2086 # NS KIND NAME
	kc get -n $o >/dev/null 2>&1 || fail "not applied: $o"
done
wait_until 15 "annotations" annotated "$a" configmap settings synced-commit "$c1"
wait_until 15 "an Applied event" event "$a" Applied settings
wait_until 15 "the status branch" on_branch "status/$b/FlinkSessionJob/state-machine.json"
wait_until 15 "a note on the commit" note "$c1"
holder=$(kc get lease -n flink-gitops flink-gitops -o jsonpath='{.spec.holderIdentity}')
[[ $holder == *-$agent_pid ]] || fail "the Lease is held by '$holder', not the agent ($agent_pid)"

# update, prune (a ConfigMap, a session job that never ran, a snapshot
# whose savepoint stays), and a change of image
configmap "$src/$a/settings.yaml" settings 2
rm "$src/$a/extra.yaml" "$src/$c/snapshot.yaml"
sed -i '/^---$/,$d' "$src/$b/jobs.yaml"
sed -i 's/^  FLINK_IMAGE: flink:1.20$/  FLINK_IMAGE: flink:1.20.1/' "$src/flink-gitops.yaml"
commit "update and prune"
wait_until 20 "the update" bash -c "[[ \$('$kubectl_bin' --kubeconfig '$FG_K8S_KUBECONFIG' get -n $a configmap settings -o jsonpath='{.data.value}') == 2 ]]"
wait_until 20 "the ConfigMap pruned" gone "$a" configmap extra
wait_until 20 "the session job pruned" gone "$b" flinksessionjob state-machine
wait_until 20 "the snapshot pruned" gone "$c" flinkstatesnapshot example-savepoint
[[ $(kc get -n "$c" flinkdeployment clickstream -o jsonpath='{.spec.image}') == flink:1.20.1 ]] ||
	fail "the image change was not applied: $(grep -E 'pass.action|level=warn' "$work/plain.log" | tail -5)"
# drift: reported in DRIFT.md and on the object (selfHeal is off as shipped)
kc patch -n "$a" configmap settings --type merge -p '{"data":{"value":"edited"}}' >/dev/null
wait_until 15 "drift in DRIFT.md" branch_has DRIFT.md "data.value"
wait_until 15 "the drift annotation" annotated "$a" configmap settings drift "data.value (kubectl-patch)"
stop_agent
agent_pid=
[[ $agent_rc == 0 ]] || fail "SIGTERM: exit $agent_rc"
grep -q 'event=lease.released' "$work/plain.log" || fail "the Lease was not given up"
passes=$(grep -c 'event=pass.done' "$work/plain.log")
if grep -q 'level=warn' "$work/plain.log"; then
	fail "warnings: $(grep 'level=warn' "$work/plain.log" | head -5)"
fi
"$fg" check --config "$work/agent.yaml" --kubeconfig "$work/sa.kubeconfig" >"$work/check.out" 2>&1 ||
	fail "check --config with the token: $(cat "$work/check.out")"
grep -qx ready "$work/check.out" && ! grep -q 'problem:' "$work/check.out" ||
	fail "check reports something missing: $(cat "$work/check.out")"
echo "  $passes passes; check --config with the token: ready"
no403 "$user" "deploy/kubernetes"

# ==== 2. the chart, confined to two namespaces ===========================
release_ns=fg-rbac-$$-rel
# a release of its own: its ClusterRoles and bindings are named after it
release=fg-rbac-$$
a2=fg-rbac-$$-x b2=fg-rbac-$$-y c2=fg-rbac-$$-z
for n in "$release_ns" "$a2" "$b2" "$c2"; do kc create namespace "$n" >/dev/null; done
plain_src=$src
new_source rbac-chart-$$
mkdir -p "$src/$a2" "$src/$c2"
sed 's/^kind: RepoConfig$/kind: RepoConfig\nname: rbac-chart-'$$'/' "$example/flink-gitops.yaml" >"$src/flink-gitops.yaml"
configmap "$src/$a2/settings.yaml" settings 1
configmap "$src/$a2/extra.yaml" extra x
cp -r "$example/analytics" "$src/$b2"
configmap "$src/$c2/outside.yaml" outside 1
"$fg" validate "$src" >/dev/null 2>"$work/validate.err" ||
	fail "the chart's test repository is invalid: $(cat "$work/validate.err")"
commit "two namespaces and one outside"
render "$work/chart.yaml" --set "namespaces={$a2,$b2}" --set operatorNamespace=flink-operator \
	--set source.url="$url"
kc apply -f "$work/chart.yaml" >/dev/null
dry_run "$work/chart.yaml" "$work/chart.json"
sa=$release-flink-gitops
token_kubeconfig "$release_ns" "$sa" "$work/chart.kubeconfig"
user=system:serviceaccount:$release_ns:$sa
agent_yaml "$work/chart.json" "$work/chart.kubeconfig" "$work/chart-agent.yaml"
echo "2. the chart, namespaces $a2 and $b2, the agent as $user"
start_agent chart "$work/chart-agent.yaml"
wait_until 30 "the first pass" curl -sf "http://127.0.0.1:$port/readyz"
kc get -n "$a2" configmap settings >/dev/null || fail "not applied in $a2"
kc get -n "$b2" flinkdeployment fraud-detector >/dev/null || fail "not applied in $b2"
gone "$c2" configmap outside || fail "applied outside its namespaces"
grep -q "event=source.outside .*namespaces=$c2" "$work/chart.log" ||
	fail "no word of the namespace outside: $(grep source "$work/chart.log")"
wait_until 15 "annotations" annotated "$a2" configmap settings health Healthy
wait_until 15 "an Applied event" event "$b2" Applied fraud-detector
wait_until 15 "the status branch" on_branch "status/$b2/FlinkDeployment/fraud-detector.json"
# the operator's configuration, read by that one name in its namespace
grep -F "\"username\":\"$user\"" "$FG_K8S_AUDIT_LOG" |
	grep -F '"requestURI":"/api/v1/namespaces/flink-operator/configmaps?' |
	grep -qF 'fieldSelector=metadata.name%3Dflink-operator-config' ||
	fail "the operator's configuration was not read by name"
rm "$src/$a2/extra.yaml"
configmap "$src/$a2/settings.yaml" settings 2
commit "update and prune"
wait_until 20 "the ConfigMap pruned" gone "$a2" configmap extra
[[ $(cm_value "$a2" settings) == 2 ]] || fail "not updated"
stop_agent
agent_pid=
[[ $agent_rc == 0 ]] || fail "SIGTERM: exit $agent_rc"
if grep 'level=warn' "$work/chart.log" | grep -qv 'event=source.outside'; then
	fail "warnings: $(grep 'level=warn' "$work/chart.log" | grep -v source.outside | head -5)"
fi
"$fg" check --config "$work/chart-agent.yaml" --kubeconfig "$work/chart.kubeconfig" >"$work/check.out" 2>&1 ||
	fail "check --config with the chart's token: $(cat "$work/check.out")"
grep -qx ready "$work/check.out" && ! grep -q 'problem:' "$work/check.out" ||
	fail "check reports something missing: $(cat "$work/check.out")"
echo "  $(grep -c 'event=pass.done' "$work/chart.log") passes; check --config with the token: ready"
no403 "$user" "the chart"

# ==== 3. one rule taken away: check names what is missing ================
kc create serviceaccount fg-rbac-less -n flink-gitops >/dev/null
kc create rolebinding fg-rbac-less-lease -n flink-gitops --role flink-gitops-lease \
	--serviceaccount flink-gitops:fg-rbac-less >/dev/null
kc create clusterrolebinding fg-rbac-less-check-$$ --clusterrole flink-gitops-check \
	--serviceaccount flink-gitops:fg-rbac-less >/dev/null
kc create clusterrolebinding fg-rbac-less-$$ --clusterrole fg-rbac-less-$$ \
	--serviceaccount flink-gitops:fg-rbac-less >/dev/null
token_kubeconfig flink-gitops fg-rbac-less "$work/less.kubeconfig"
kc get clusterrole flink-gitops-agent -o json >"$work/role.json"
nrules=$(jq '.rules | length' "$work/role.json")
echo "3. each of the $nrules rules of flink-gitops-agent taken away in turn"
for ((i = 0; i < nrules; i++)); do
	jq --arg n "fg-rbac-less-$$" --argjson i "$i" \
		'{apiVersion, kind, metadata: {name: $n}, rules: (.rules | del(.[$i]))}' \
		"$work/role.json" | kc apply -f - >/dev/null
	verbs=$(jq -r --argjson i "$i" '.rules[$i].verbs | join(", ")' "$work/role.json")
	ok=0
	# the authorizer sees RBAC changes through its informer: a moment
	for _ in $(seq 1 50); do
		set +e
		"$fg" check --config "$work/agent.yaml" --kubeconfig "$work/less.kubeconfig" >"$work/less.out" 2>&1
		rc=$?
		set -e
		ok=1
		for res in $(jq -r --argjson i "$i" '.rules[$i] as $r | $r.resources[] |
			"\(.)\(if $r.apiGroups[0] != "" then "." + $r.apiGroups[0] else "" end)"' "$work/role.json"); do
			grep -qE "problem: (all namespaces|cluster): cannot $verbs $res \(" "$work/less.out" || ok=0
		done
		((ok && rc == 1)) && break
		sleep 0.1
	done
	((ok && rc == 1)) ||
		fail "rule $i ($verbs) taken away: check (exit $rc) does not name it: $(cat "$work/less.out")"
	echo "  without rule $i: $(grep 'problem:' "$work/less.out" | head -1 | sed 's/^ *problem: //')"
done

# and the agent itself, without the Flink kinds' rule: its error names
# the verb and the resource the API server refused
jq --arg n "fg-rbac-less-$$" '{apiVersion, kind, metadata: {name: $n}, rules: (.rules | del(.[0]))}' \
	"$work/role.json" | kc apply -f - >/dev/null
sleep 1
sed -e "s#kubeconfig: $work/sa.kubeconfig#kubeconfig: $work/less.kubeconfig#" \
	-e "s#^stateDir:.*#stateDir: $work/state-less#" \
	-e 's#^leaderElection:.*#leaderElection: {enabled: false}#' "$work/agent.yaml" >"$work/less.yaml"
src=$plain_src
configmap "$src/$a/settings.yaml" settings 3
commit "with a rule missing"
start_agent less "$work/less.yaml"
wait_until 20 "a refused pass" grep -q 'event=pass.namespace' "$work/less.log"
stop_agent
agent_pid=
grep 'event=pass.namespace' "$work/less.log" | head -1 | cut -c1-300 | sed 's/^/  the agent: /'
grep 'event=pass.namespace' "$work/less.log" |
	grep -q 'cannot list resource \\"flink[a-z]*\\" in API group \\"flink.apache.org\\"' ||
	fail "the agent's error does not name the verb and resource: $(grep -E 'level=(warn|error)' "$work/less.log" | head -3)"
[[ $(cm_value "$a" settings) != 3 ]] || fail "a namespace it could not read was written"
echo "test-rbac: ok"
