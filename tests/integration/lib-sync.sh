# Helpers shared by the integration scripts that drive flink-gitops
# against the `k8s` fixture (sourced after tests/k8s/lib.sh, with $fg the
# binary and $work a scratch folder).

seq=0

# new_ns: a fresh namespace (namespaces never finish deleting here).
new_ns() {
	seq=$((seq + 1))
	ns=fg-sync-$$-$seq
	kc create namespace "$ns" >/dev/null
	repo=$work/repo-$seq
	mkdir -p "$repo/$ns"
}

# run CMD ARGS...: flink-gitops CMD -n $ns on $repo (-n: the cluster is
# shared, other tests' namespaces have inventories too); exit code in $rc.
run() {
	local cmd=$1
	shift
	set +e
	"$fg" --log-level warn "$cmd" "$repo" --kubeconfig "$FG_K8S_KUBECONFIG" \
		-n "$ns" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	set -e
}

sync() { run sync "$@"; }

expect_rc() {
	[[ $rc == "$1" ]] || fail "$2: exit $rc, expected $1; out: $(cat "$work/out") err: $(cat "$work/err")"
}

# writes: write requests flink-gitops made in $ns so far, once the audit
# log has settled (entries are written as responses complete).
writes() {
	local n last=-1 i
	for i in $(seq 1 30); do
		n=$(grep -F '"userAgent":"flink-gitops/' "$FG_K8S_AUDIT_LOG" |
			grep -F "\"namespace\":\"$ns\"" |
			grep -F '"stage":"ResponseComplete"' |
			grep -cE '"verb":"(create|update|patch|delete|deletecollection)"' || true)
		[[ $n == "$last" ]] && break
		last=$n
		sleep 0.2
	done
	echo "$n"
}

# written: "resource/name" of each write in $ns, in order.
written() {
	writes >/dev/null
	grep -F '"userAgent":"flink-gitops/' "$FG_K8S_AUDIT_LOG" |
		grep -F '"stage":"ResponseComplete"' |
		grep -E '"verb":"(patch|delete)"' |
		grep -oE "\"requestURI\":\"[^\"?]*/namespaces/$ns/[a-z]+/[a-z0-9.-]+" |
		sed -E 's|.*/namespaces/[^/]+/||'
}

exists() {
	kc get -n "$ns" "$1" "$2" >/dev/null 2>&1
}

cm() {
	cat >"$repo/$ns/$1.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: $1
data:
  value: "$2"
EOF
}

fd() { # fd NAME [job]: a session cluster, or an application with a job
	cat >"$repo/$ns/$1.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: $1
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
EOF
	if [[ ${2:-} == job ]]; then
		cat >>"$repo/$ns/$1.yaml" <<EOF
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
EOF
	fi
}

sj() {
	cat >"$repo/$ns/$1.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata:
  name: $1
spec:
  deploymentName: $2
  job:
    jarURI: https://example.com/job.jar
    parallelism: 1
    upgradeMode: stateless
EOF
}


# service_web: Service web in $ns (allowed through the repo config), with a
# port whose protocol and targetPort the API server defaults.
service_web() {
	cat >"$repo/flink-gitops.yaml" <<CFG
apiVersion: flink-gitops.io/v1alpha1
kind: RepoConfig
allowKinds: [Service]
CFG
	cat >"$repo/$ns/svc.yaml" <<SVC
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
SVC
}

plan() { run plan "$@"; }
drift() { run drift "$@"; }

# has TEXT WHAT: the last command printed TEXT
has() {
	grep -qF -- "$1" "$work/out" || fail "$2: no '$1' in: $(cat "$work/out") $(cat "$work/err")"
}

# annotate FILE POLICY: add the policy annotation to an object file
annotate() {
	sed -i "s|^metadata:|metadata:\n  annotations: {flink-gitops.io/policy: \"$2\"}|" "$repo/$ns/$1.yaml"
}

stateful() { # stateful NAME: checkpoint and savepoint folders configured
	sed -i 's|^  image: flink:1.20|&\n  flinkConfiguration: {execution.checkpointing.dir: "s3://b/ckpt", execution.checkpointing.savepoint-dir: "s3://b/sp"}|' "$repo/$ns/$1.yaml"
}

status() { # status KIND NAME JSON: the operator's view, via the subresource
	kc patch -n "$ns" "$1" "$2" --subresource=status --type merge -p "{\"status\":$3}" >/dev/null
}

# reconciled KIND NAME LIFECYCLE JOBSTATE [SAVEPOINT]: the status the
# operator writes once it has reconciled the live spec (recorded as
# lastReconciledSpec, observedGeneration caught up), through the status
# subresource; SAVEPOINT goes to jobStatus.upgradeSavepointPath
reconciled() {
	local st
	st=$(kc get -n "$ns" "$1" "$2" -o json | jq -c --arg lc "$3" --arg js "$4" \
		--arg sp "${5:-}" '{status: ({
		observedGeneration: .metadata.generation,
		lifecycleState: $lc,
		jobStatus: ({state: $js} + (if $sp == "" then {} else
			{upgradeSavepointPath: $sp} end)),
		reconciliationStatus: {state: "DEPLOYED",
			lastReconciledSpec: ({spec: .spec,
				resource_metadata: {apiVersion: .apiVersion,
					firstDeployment: false}} | tojson)}})}')
	kc patch -n "$ns" "$1" "$2" --subresource=status --type=merge \
		-p "$st" >/dev/null
}

# running KIND NAME: the operator's view of a running, stable job that it
# deployed from the live spec
running() {
	reconciled "$1" "$2" STABLE RUNNING
}

# edit KIND NAME SED: change a live object as `kubectl edit` does
edit() {
	KUBE_EDITOR="sed -i -e '$3'" kc edit -n "$ns" "$1" "$2" >/dev/null
}

# audit_mark: remember where the audit log is, once it has settled
# (entries are written as responses complete); audit_since: flink-gitops'
# completed requests after the mark.
audit_mark() {
	local n last=-1 i
	for i in $(seq 1 30); do
		n=$(wc -l <"$FG_K8S_AUDIT_LOG")
		[[ $n == "$last" ]] && break
		last=$n
		sleep 0.2
	done
	mark=$n
}
audit_since() {
	local from=$mark
	audit_mark
	tail -n "+$((from + 1))" "$FG_K8S_AUDIT_LOG" | head -n "$((mark - from))" |
		grep -F '"userAgent":"flink-gitops/' | grep -F '"stage":"ResponseComplete"' || true
}
