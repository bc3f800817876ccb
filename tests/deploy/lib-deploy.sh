# Helpers for the tests of deploy/ (sourced after tests/k8s/lib.sh):
# server-side dry-runs, the chart rendered by the real helm, and the RBAC
# granted compared with the rights flink-gitops says it uses.
# shellcheck shell=bash

deploy_dir=$(cd "$k8s_here/../../deploy" && pwd)
chart=$deploy_dir/helm/flink-gitops

# helm_bin FILE: the helm binary whose path FILE holds (fixture helm).
helm_bin() {
	[[ -r $1 ]] || fail "no $1: was helm built (fixture helm)?"
	helm=$(<"$1")
	[[ -x $helm ]] || fail "helm is not executable: $helm"
}

# render OUT [--set ...]: the chart, as helm renders it for release
# $release (default "fg") in namespace $release_ns.
render() {
	local out=$1
	shift
	"$helm" template "${release:-fg}" "$chart" --namespace "$release_ns" "$@" >"$out" ||
		fail "helm template $* failed"
}

# dry_run FILE OUT.json: every object of FILE through the API server's
# strict server-side dry-run (field validation Strict: an unknown or
# duplicate field is an error); the objects as the server would store
# them in OUT.json (a List); a warning fails too.
dry_run() {
	local file=$1 out=$2
	kc apply --dry-run=server --validate=strict -o json -f "$file" \
		>"$out" 2>"$out.err" ||
		fail "dry-run of $file: $(cat "$out.err")"
	if grep -q . "$out.err"; then
		fail "dry-run of $file warns: $(cat "$out.err")"
	fi
	# one object is printed as itself, several as a List
	jq -e 'if .kind == "List" then . else {kind: "List", items: [.]} end' \
		"$out" >"$out.tmp" && mv "$out.tmp" "$out"
}

# pods_restricted LIST.json NS: the pod template of every Deployment in
# LIST as a Pod, dry-run in NS (labelled pod-security restricted): the
# PodSecurity admission refuses a pod that is not restricted.
pods_restricted() {
	local list=$1 ns=$2 pod
	pod=$work/pod.json
	jq -c --arg ns "$ns" '.items[] | select(.kind == "Deployment") |
		{apiVersion: "v1", kind: "Pod",
		 metadata: {name: "\(.metadata.name)-dry", namespace: $ns},
		 spec: .spec.template.spec}' "$list" >"$pod"
	[[ -s $pod ]] || fail "no Deployment in $list"
	while read -r line; do
		kc create --dry-run=server -f - <<<"$line" >/dev/null 2>"$pod.err" ||
			fail "the pod is not restricted: $(cat "$pod.err")"
		if grep -q . "$pod.err"; then
			fail "the pod warns: $(cat "$pod.err")"
		fi
	done <"$pod"
}

# agent_config LIST.json OUT: the agent's configuration in the ConfigMap
# of LIST (the only one with key agent.yaml).
agent_config() {
	jq -r '[.items[] | select(.kind == "ConfigMap") |
		.data["agent.yaml"] // empty][0] // error("no agent.yaml")' \
		"$1" >"$2" || fail "no agent.yaml in $1"
}

# granted LIST.json SA_NS SA: "scope|group|resource|verb|names" of every
# right the Roles and ClusterRoles of LIST give the ServiceAccount SA_NS/SA
# through the bindings of LIST (scope "*": every namespace, or
# cluster-scoped), one per line, sorted.
granted() {
	jq -r --arg ns "$2" --arg sa "$3" '
		.items as $all |
		[$all[] | select(.kind == "ClusterRoleBinding" or .kind == "RoleBinding") |
			select(any(.subjects[]?; .kind == "ServiceAccount" and
				.name == $sa and .namespace == $ns))] as $bindings |
		[$bindings[] as $b |
			$all[] | select(.kind == $b.roleRef.kind and .metadata.name == $b.roleRef.name and
				(.kind == "ClusterRole" or .metadata.namespace == $b.metadata.namespace)) |
			.rules[] as $r | $r.apiGroups[] as $g | $r.resources[] as $res | $r.verbs[] as $v |
			"\(if $b.kind == "ClusterRoleBinding" then "*" else $b.metadata.namespace end)|\($g)|\($res)|\($v)|\(($r.resourceNames // []) | sort | join(","))"] |
		unique | .[]' "$1"
}

# needed CHECK.json [RESOURCE...]: the same for the rights `flink-gitops
# check --config -o json` reviewed: the required ones, what check itself
# reads, and the optional rows of the RESOURCEs named (those a value
# turned on).
needed() {
	local check=$1
	shift
	jq -r '
		$ARGS.positional as $opt |
		[.rights[] | select(.required or .scope == "check" or
			(.resource as $r | $opt | index($r))) |
			"\(.namespace // "*")|\(.group)|\(.resource)|\(.verb)|\((.resourceNames // []) | sort | join(","))"] |
		unique | .[]' "$check" --args "$@"
}

# same_rights LIST.json SA_NS SA CHECK.json [RESOURCE...]: what LIST grants
# is exactly what the agent needs, nothing more and nothing less.
same_rights() {
	local list=$1 ns=$2 sa=$3 check=$4
	shift 4
	granted "$list" "$ns" "$sa" >"$work/granted"
	needed "$check" "$@" >"$work/needed"
	[[ -s $work/needed ]] || fail "check reviewed nothing: $(cat "$check")"
	diff -u "$work/needed" "$work/granted" >"$work/rights.diff" ||
		fail "the RBAC of $list is not what flink-gitops uses (- needed, + granted):
$(cat "$work/rights.diff")"
	echo "  RBAC = the agent's rights: $(wc -l <"$work/granted") (scope, resource, verb) rights"
}

# token_kubeconfig SA_NS SA OUT: a kubeconfig with a token of SA_NS/SA
# (kubectl create token), the server's CA inline.
token_kubeconfig() {
	local token
	token=$(kc create token "$2" -n "$1" --duration 2h) ||
		fail "kubectl create token $2 -n $1"
	cat >"$3" <<-EOF2
		apiVersion: v1
		kind: Config
		clusters:
		- name: test
		  cluster:
		    server: $FG_K8S_SERVER
		    certificate-authority-data: $(base64 -w0 "$FG_K8S_CA")
		contexts:
		- name: test
		  context: {cluster: test, user: $2}
		current-context: test
		users:
		- name: $2
		  user:
		    token: $token
	EOF2
	chmod 600 "$3"
}

# refused USER: the requests of USER (system:serviceaccount:NS:NAME) the
# API server refused (403), from the audit log, once it has settled.
refused() {
	local n last=-1 i
	for i in $(seq 1 30); do
		n=$(wc -l <"$FG_K8S_AUDIT_LOG")
		[[ $n == "$last" ]] && break
		last=$n
		sleep 0.2
	done
	jq -c --arg u "$1" 'select(.user.username == $u and .stage == "ResponseComplete" and
		.responseStatus.code == 403) | {verb, uri: .requestURI}' "$FG_K8S_AUDIT_LOG"
}

# requests USER: every completed request of USER: "verb resource".
requests() {
	jq -r --arg u "$1" 'select(.user.username == $u and .stage == "ResponseComplete") |
		"\(.verb) \(.objectRef.resource // .requestURI)"' "$FG_K8S_AUDIT_LOG"
}
