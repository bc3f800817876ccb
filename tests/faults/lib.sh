# Sourced by the fault scripts (tests/faults/test-*.sh):
#   . lib.sh NAME FLINK_GITOPS FAULTPROXY
# Starts a control plane of the script's own in /tmp/k8s-faults-NAME.*
# (the script kills and restarts its servers: no other test may share
# them), loads its env as tests/k8s/lib.sh does, and on exit stops
# everything it started (control plane, proxies, git daemons) by the
# PIDs it recorded, and removes the folder, also after a failure.
# To iterate on one script by hand, FG_FAULTS_KEEP=DIR reuses (or starts)
# the control plane in DIR (/tmp/k8s-faults-*) and leaves it running.
# shellcheck shell=bash

faults_name=${1:?usage: . lib.sh NAME FLINK_GITOPS FAULTPROXY}
fg=$(realpath "${2:?usage: . lib.sh NAME FLINK_GITOPS FAULTPROXY}")
faultproxy=$(realpath "${3:?usage: . lib.sh NAME FLINK_GITOPS FAULTPROXY}")
faults_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
control_plane=$faults_here/../k8s/control-plane.sh
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com

dir=$(mktemp -d "/tmp/k8s-faults-$faults_name.XXXXXX")
k8s=$dir/k8s
if [[ -n ${FG_FAULTS_KEEP:-} ]]; then
	[[ $FG_FAULTS_KEEP == /tmp/k8s-faults-* ]] ||
		{ echo "FG_FAULTS_KEEP: not a /tmp/k8s-faults-* folder" >&2; exit 2; }
	k8s=$FG_FAULTS_KEEP
fi
work=$dir/work
mkdir -p "$work"
faults_pids=()

faults_cleanup() {
	local rc=$? pid
	for pid in "${faults_pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	[[ -n ${FG_FAULTS_KEEP:-} ]] ||
		FG_K8S_QUIET=1 bash "$control_plane" down "$k8s" || true
	rm -rf "$dir"
	exit "$rc"
}
trap faults_cleanup EXIT

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
ok() {
	printf 'ok: %s\n' "$*"
}

if [[ -z ${FG_FAULTS_KEEP:-} ]] ||
	! bash "$control_plane" status "$k8s" 2>/dev/null; then
	FG_K8S_QUIET=1 bash "$control_plane" up "$k8s" >/dev/null ||
		fail "cannot start the control plane"
fi
# tests/k8s/lib.sh reads the env and sets its own EXIT trap: ours again
. "$faults_here/../k8s/lib.sh" "$k8s/env"
trap faults_cleanup EXIT

now_ms() { date +%s%3N; }

# fgrun OUT ARGS...: flink-gitops ARGS, stdout to OUT, stderr to OUT.err,
# bounded by 300 s whatever happens (a hang is a failure: exit 124);
# exit code in $rc, wall time in $ms.
fgrun() {
	local out=$1 t0
	shift
	t0=$(now_ms)
	rc=0
	timeout -s KILL 300 "$fg" "$@" >"$out" 2>"$out.err" || rc=$?
	ms=$(($(now_ms) - t0))
}

# expect_rc WANT WHAT: the last fgrun exited WANT.
expect_rc() {
	[[ $rc == "$1" ]] ||
		fail "$2: exit $rc, expected $1; out: $(tail -n 20 "$last_out" 2>/dev/null) err: $(tail -n 20 "$last_out.err" 2>/dev/null)"
}

# free_port: a free loopback port.
free_port() {
	local p
	while :; do
		p=$((20000 + SRANDOM % 12000))
		grep -qs -- "$(printf ':%04X ' "$p")" /proc/net/tcp /proc/net/tcp6 ||
			break
	done
	echo "$p"
}

# proxy_start NAME HOST:PORT [--http]: a faultproxy in front of HOST:PORT;
# its port in ${NAME}_port, its control file $dir/NAME.ctl, its log
# $dir/NAME.log. Starts in mode pass.
proxy_start() {
	local name=$1 up=$2 i
	shift 2
	echo pass >"$dir/$name.ctl"
	: >"$dir/$name.log"
	rm -f "$dir/$name.port"
	"$faultproxy" --upstream "$up" --control "$dir/$name.ctl" \
		--log "$dir/$name.log" --port-file "$dir/$name.port" \
		--ca "$FG_K8S_CA" "$@" </dev/null >>"$dir/$name.out" 2>&1 &
	faults_pids+=($!)
	disown $! # killed on exit without a word
	for ((i = 0; i < 100; i++)); do
		[[ -s $dir/$name.port ]] && break
		sleep 0.05
	done
	[[ -s $dir/$name.port ]] || fail "faultproxy $name did not start"
	printf -v "${name}_port" '%s' "$(<"$dir/$name.port")"
}

# proxy_mode NAME MODE...: what the proxy does from now on (faultproxy.c);
# the file is replaced whole, and its time moves on (the proxy compares).
proxy_mode() {
	local name=$1
	shift
	sleep 0.01
	echo "$*" >"$dir/$name.ctl.tmp"
	mv -f "$dir/$name.ctl.tmp" "$dir/$name.ctl"
	sleep 0.1 # open connections look every 50 ms
}

# kubeconfig_for SERVER OUT: the admin kubeconfig, pointed at SERVER.
kubeconfig_for() {
	sed "s|server: .*|server: $1|" "$FG_K8S_KUBECONFIG" >"$2"
	chmod 600 "$2"
}

# sa_kubeconfig OUT [SERVER]: a token kubeconfig of a service account
# bound to cluster-admin: all rights, but not system:masters, whom the
# API server never throttles.
sa_kubeconfig() {
	local out=$1 server=${2:-$FG_K8S_SERVER} token
	if ! kc get serviceaccount -n default fg-faults >/dev/null 2>&1; then
		kc create serviceaccount -n default fg-faults >/dev/null
		kc create clusterrolebinding fg-faults --clusterrole cluster-admin \
			--serviceaccount default:fg-faults >/dev/null
	fi
	token=$(kc create token -n default fg-faults --duration 2h)
	cat >"$out" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$FG_K8S_CA")
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
users:
- name: u
  user:
    token: $token
EOF
	chmod 600 "$out"
}

# gen_repo DIR PREFIX NAMESPACES PER [VALUE]: a repository of NAMESPACES
# namespaces PREFIX-0.. with PER objects each, alternately a ConfigMap and
# a FlinkDeployment; VALUE goes into every object (a new value is an
# update of each). Creates the namespaces on the cluster.
gen_repo() {
	local repo=$1 prefix=$2 nns=$3 per=$4 value=${5:-v1} i j ns
	mkdir -p "$repo"
	for ((i = 0; i < nns; i++)); do
		ns=$prefix-$i
		mkdir -p "$repo/$ns"
		kc get namespace "$ns" >/dev/null 2>&1 ||
			kc create namespace "$ns" >/dev/null
		for ((j = 0; j < per; j++)); do
			if ((j % 2)); then
				gen_fd "$repo/$ns/fd-$j.yaml" "fd-$j" "$value"
			else
				gen_cm "$repo/$ns/cm-$j.yaml" "cm-$j" "$value"
			fi
		done
	done
}
gen_cm() {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  value: "%s"\n' \
		"$2" "$3" >"$1"
}
gen_fd() {
	cat >"$1" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: $2
  labels: {value: "$3"}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
EOF
}

# random_seed: $RANDOM seeded from FG_FAULTS_SEED, or at random; said,
# so that a failing run can be repeated
random_seed() {
	seed=${FG_FAULTS_SEED:-$RANDOM}
	RANDOM=$seed
	echo "seed $seed (FG_FAULTS_SEED=$seed repeats this run)"
}

# ab_namespaces PREFIX: the namespaces of ab_state on the cluster
ab_namespaces() {
	local i
	for i in 0 1 2; do kc create namespace "$1-$i" >/dev/null; done
}

# ab_state TREE PREFIX A|B: TREE holds that state of the namespaces
# PREFIX-0..2 (10 ConfigMaps and 10 FlinkDeployments each); B deletes a
# quarter of A's objects, adds as many and changes the rest.
ab_state() {
	local tree=$1 prefix=$2 i j lo hi v
	rm -rf "$tree/$prefix"-*
	if [[ $3 == A ]]; then lo=0 hi=9 v=a; else lo=3 hi=12 v=b; fi
	for ((i = 0; i < 3; i++)); do
		mkdir -p "$tree/$prefix-$i"
		for ((j = lo; j <= hi; j++)); do
			gen_cm "$tree/$prefix-$i/cm-$j.yaml" "cm-$j" "$v$j"
			gen_fd "$tree/$prefix-$i/fd-$j.yaml" "fd-$j" "$v$j"
		done
	done
}

# cluster_state PREFIX OUT: every ConfigMap and FlinkDeployment in the
# namespaces PREFIX-*, one line each: "ns kind/name uid value", sorted
# (the inventories apart).
cluster_state() {
	kc get configmaps,flinkdeployments -A -o json |
		jq -r --arg p "$1-" '.items[] |
			select(.metadata.namespace | startswith($p)) |
			select(.metadata.name | startswith("flink-gitops-inventory") | not) |
			"\(.metadata.namespace) \(.kind)/\(.metadata.name) \(.metadata.uid) \(.data.value // .metadata.labels.value)"' |
		sort >"$2"
}

# inventory_state PREFIX OUT: what the inventories of PREFIX-* record,
# "ns kind/name uid" sorted; fails when one is not a member list.
inventory_state() {
	kc get configmaps -A -l app.kubernetes.io/managed-by=flink-gitops -o json |
		jq -r --arg p "$1-" '.items[] |
			select(.metadata.namespace | startswith($p)) |
			select(.metadata.name | startswith("flink-gitops-inventory")) |
			.metadata.namespace as $ns |
			(.data.members | fromjson | if type != "array" then error("not a list") else . end)[] |
			"\($ns) \(.kind)/\(.name) \(.uid)"' | sort >"$2" ||
		fail "an inventory of $1-* is not a member list"
}

# no_duplicate_members PREFIX WHAT: every inventory of PREFIX-* is a
# member list that names no object twice
no_duplicate_members() {
	local dups
	inventory_state "$1" "$work/inv"
	dups=$(awk '{print $1, $2}' "$work/inv" | sort | uniq -d)
	[[ -z $dups ]] || fail "$2: an inventory lists $dups twice"
}

# converged PREFIX REPO WHAT: the cluster holds exactly what REPO says in
# the namespaces PREFIX-* (names and values), and the inventories record
# exactly those objects with their uids.
converged() {
	local prefix=$1 repo=$2 what=$3
	(cd "$repo" && for f in "$prefix"-*/*.yaml; do
		ns=${f%%/*}
		name=$(sed -n 's/^  name: //p' "$f" | head -n 1)
		kind=$(sed -n 's/^kind: //p' "$f")
		value=$(grep -oE '(value: "[^"]*"|value: [^ }]*)' "$f" | head -n 1 |
			sed -E 's/value: "?([^"}]*)"?/\1/')
		echo "$ns $kind/$name $value"
	done) | sort >"$work/want"
	cluster_state "$prefix" "$work/have.full"
	awk '{print $1, $2, $4}' "$work/have.full" >"$work/have"
	diff -u "$work/want" "$work/have" >"$work/diff" ||
		fail "$what: the cluster is not what Git says: $(head -n 20 "$work/diff")"
	inventory_state "$prefix" "$work/inv"
	awk '{print $1, $2, $3}' "$work/have.full" | sort >"$work/have.uids"
	diff -u "$work/have.uids" "$work/inv" >"$work/diff" ||
		fail "$what: the inventories do not record exactly the objects: $(head -n 20 "$work/diff")"
}

# git_daemon_start: a git daemon of the script's own over $dir/repos (push
# enabled); its port in $git_port.
git_daemon_start() {
	local i
	mkdir -p "$dir/repos"
	for ((i = 0; i < 3; i++)); do
		git_port=$(free_port)
		rm -f "$dir/git-daemon.pid"
		git daemon --reuseaddr --listen=127.0.0.1 --port="$git_port" \
			--base-path="$dir/repos" --export-all \
			--enable=receive-pack --detach \
			--pid-file="$dir/git-daemon.pid" \
			"$dir/repos" 2>>"$dir/git-daemon.log" || continue
		for _ in $(seq 100); do
			if [[ -s $dir/git-daemon.pid ]] &&
				(exec 3<>"/dev/tcp/127.0.0.1/$git_port") 2>/dev/null; then
				faults_pids+=("$(<"$dir/git-daemon.pid")")
				return 0
			fi
			sleep 0.05
		done
	done
	fail "git daemon did not start"
}

# git_publish REPO_DIR NAME: commit everything in REPO_DIR (a work tree,
# made a repository on first use) and force-push it as branch main of
# $dir/repos/NAME.git; the commit in $commit.
git_publish() {
	local src=$1 name=$2
	[[ -d $dir/repos/$name.git ]] ||
		git init -q --bare -b main "$dir/repos/$name.git"
	[[ -d $src/.git ]] || git -C "$src" init -q -b main
	git -C "$src" add -A
	git -C "$src" commit -q --allow-empty -m "state $(date +%s%N)"
	git -C "$src" push -q -f "$dir/repos/$name.git" HEAD:main
	commit=$(git -C "$src" rev-parse HEAD)
}
