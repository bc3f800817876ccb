#!/usr/bin/env bash
# The local test control plane: a real kube-apiserver (built by
# build-apiserver.sh) and etcd (Debian's etcd-server) on loopback, as
# controller-runtime's envtest runs for Go controllers. No controller
# manager, scheduler or kubelet: objects are stored and validated, nothing
# reconciles them (no garbage collection, namespaces never finish deleting).
#
#   control-plane.sh up DIR                  start; write DIR/env
#   control-plane.sh down DIR                stop what DIR records (idempotent)
#   control-plane.sh crds DIR VERSION        replace the Flink CRDs (1.15.0|main)
#   control-plane.sh restart-apiserver DIR   restart kube-apiserver, keep etcd
#   control-plane.sh kill-apiserver DIR      SIGKILL kube-apiserver (a crash)
#   control-plane.sh start-apiserver DIR     start it again, same port and data
#   control-plane.sh kill-etcd DIR           SIGKILL etcd (its data stays)
#   control-plane.sh start-etcd DIR          start etcd again on its data
#   control-plane.sh status DIR              exit 0 when the API server is ready
#
# DIR/env (KEY=VALUE lines) tells tests where everything is:
#   FG_K8S_SERVER               https://127.0.0.1:PORT
#   FG_K8S_KUBECONFIG           admin kubeconfig (client cert, system:masters)
#   FG_K8S_LIMITED_KUBECONFIG   token of ServiceAccount fg-limited/limited:
#                               get/list configmaps in fg-limited, nothing else
#   FG_K8S_CA                   CA certificate of the server (and clients)
#   FG_K8S_AUDIT_LOG            audit log, JSON lines, Metadata level
#   FG_K8S_VERSION              the server's gitVersion
#   FG_K8S_CRD_VERSION          the operator CRDs installed (1.15.0|main)
#   FG_K8S_APISERVER_PID, FG_K8S_ETCD_PID
# Also in DIR: pki/ (ca, apiserver and admin .crt/.key, sa.key/sa.pub),
# apiserver.log, etcd.log. Audit entries are written as each response
# completes: a test reading the log right after a request polls briefly.
# `crds` deletes and re-creates the CRDs (so every Flink object goes) and
# `restart-apiserver` drops every connection: tests that use them must not
# share the cluster with tests running meanwhile (CTest RUN_SERIAL).
#
# Environment: FG_K8S_CRD_VERSION (CRDs for `up`, default 1.15.0),
# FG_K8S_APISERVER (a kube-apiserver binary; default: build-apiserver.sh),
# FG_K8S_APISERVER_ARGS (more kube-apiserver flags, split on spaces, for
# `up`, `restart-apiserver` and `start-apiserver`: the fault tests'
# --max-requests-inflight), FG_K8S_READY_TIMEOUT (seconds, default 90),
# FG_CACHE_DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
crd_root=${FG_K8S_CRD_DIR:-$root/render/crds}
ready_timeout=${FG_K8S_READY_TIMEOUT:-90}

die() {
	printf 'control-plane.sh: %s\n' "$*" >&2
	exit 1
}
note() {
	[[ ${FG_K8S_QUIET:-0} == 1 ]] || printf 'control-plane.sh: %s\n' "$*" >&2
}

usage() {
	sed -n 's/^#   \(control-plane\.sh \)/usage: \1/p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# ---- small helpers ---------------------------------------------------------

# tail_logs: the end of every log, for an error message.
tail_logs() {
	local f
	for f in "$dir/etcd.log" "$dir/apiserver.log"; do
		[[ -s $f ]] || continue
		printf -- '--- last lines of %s\n' "$f" >&2
		tail -n 25 "$f" >&2
	done
}

# alive PID NAME: PID runs and is the program NAME (not a recycled PID).
alive() {
	local pid=$1 name=$2 exe
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	[[ ${exe##*/} == "$name" || ${exe##*/} == "$name (deleted)" ]]
}

# exited PID: wait (10 s at most) until PID is gone or a zombie. Not
# "alive": /proc/PID/exe goes with the memory, early in the exit. Its
# listening sockets may outlive this too: a multi-threaded process's
# leader is a zombie while its other threads still exit, and the files
# close with the last of them (see listening).
exited() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -e /proc/$1 ]] || return 0
		grep -qE '^[0-9]+ \(.*\) [ZX]' "/proc/$1/stat" 2>/dev/null &&
			return 0
		sleep 0.05
	done
	return 1
}

# stop PIDFILE NAME: stop the process recorded in PIDFILE if it is NAME.
stop() {
	local file=$1 name=$2 pid i
	[[ -f $file ]] || return 0
	pid=$(<"$file")
	if alive "$pid" "$name"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			alive "$pid" "$name" || break
			sleep 0.1
		done
		if alive "$pid" "$name"; then
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				alive "$pid" "$name" || break
				sleep 0.1
			done
		fi
		exited "$pid" || true
	fi
	rm -f "$file"
}

# port_in_use PORT: something is bound to 127.0.0.1/0.0.0.0/:: PORT (any
# TCP state, read from /proc so no tool is needed).
port_in_use() {
	local hex
	hex=$(printf ':%04X ' "$1")
	grep -qs -- "$hex" /proc/net/tcp /proc/net/tcp6
}

# listening PORT: a socket listens on PORT (IPv4 or IPv6). Not
# port_in_use: connections to a port that closed stay in TIME_WAIT.
listening() {
	awk -v p="$(printf ':%04X' "$1")" '$4 == "0A" &&
		substr($2, length($2) - 4) == p { found = 1 }
		END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# free_port: a random free loopback port below the ephemeral range.
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + SRANDOM % 12000))
		port_in_use "$p" && continue
		# not one chosen already for this control plane
		grep -qs "_PORT=$p\$" "$dir/state" && continue
		echo "$p"
		return 0
	done
	die "no free port found"
}

# kc KUBECTL-ARGS...: kubectl as admin, with a discovery cache of its own.
kc() {
	"$kubectl" --kubeconfig "$dir/admin.kubeconfig" \
		--cache-dir "$dir/kube-cache" "$@"
}

# set_env KEY VALUE: set one key in DIR/env.
set_env() {
	local key=$1 val=$2 tmp
	tmp=$(mktemp "$dir/.env.XXXXXX")
	{ grep -v "^$key=" "$dir/env" 2>/dev/null || true; } >"$tmp"
	printf '%s=%s\n' "$key" "$val" >>"$tmp"
	mv -f "$tmp" "$dir/env"
}

# state KEY: a value from DIR/state (ports, paths; internal).
state() {
	[[ -f $dir/state ]] || return 0
	sed -n "s/^$1=//p" "$dir/state" | tail -n 1
}

find_kubectl() {
	kubectl=$(bash "$here/build-apiserver.sh" kubectl) ||
		die "no kubectl (build-apiserver.sh kubectl failed)"
}

# ---- certificates ----------------------------------------------------------

# cert NAME SUBJECT EXT: a key and a certificate signed by the CA.
cert() {
	local name=$1 subj=$2 ext=$3 pki=$dir/pki
	openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/$name.key" \
		-subj "$subj" -out "$pki/$name.csr" 2>/dev/null
	printf '%s\n' "$ext" >"$pki/$name.ext"
	openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" \
		-CAkey "$pki/ca.key" -CAcreateserial -days 3650 -sha256 \
		-extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
	rm -f "$pki/$name.csr" "$pki/$name.ext"
}

make_pki() {
	local pki=$dir/pki
	rm -rf "$pki"
	mkdir -p "$pki"
	chmod 700 "$pki"
	openssl req -x509 -new -newkey rsa:2048 -nodes -days 3650 -sha256 \
		-keyout "$pki/ca.key" -out "$pki/ca.crt" \
		-subj "/CN=flink-gitops-test-ca" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null ||
		die "openssl cannot create the CA (is openssl installed?)"
	cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
	cert admin "/O=system:masters/CN=fg-admin" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$pki/sa.key" 2>/dev/null
	openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
	chmod 600 "$pki"/*.key
}

# kubeconfig FILE USER-LINES...: a kubeconfig for the server, CA inline.
kubeconfig() {
	local file=$1
	shift
	{
		cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fg-test
  cluster:
    server: https://127.0.0.1:$(state APISERVER_PORT)
    certificate-authority-data: $(base64 -w0 "$dir/pki/ca.crt")
contexts:
- name: fg-test
  context:
    cluster: fg-test
    user: fg-test
current-context: fg-test
users:
- name: fg-test
  user:
EOF
		printf '    %s\n' "$@"
	} >"$file.tmp"
	chmod 600 "$file.tmp"
	mv -f "$file.tmp" "$file"
}

# ---- processes -------------------------------------------------------------

# spawn PIDFILE LOG CMD...: start CMD in a session of its own (it outlives
# this script and CTest's process group), output to LOG (so CTest does not
# wait for it), and record its PID (setsid may fork: the PID is the one
# that execs CMD).
spawn() {
	local pidfile=$1 logfile=$2 i
	shift 2
	rm -f "$pidfile"
	# shellcheck disable=SC2016 # expanded by sh, not here
	setsid sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
		"$pidfile" "$@" </dev/null >>"$logfile" 2>&1 &
	for ((i = 0; i < 100; i++)); do
		[[ -s $pidfile ]] && return 0
		sleep 0.05
	done
	die "cannot start $1"
}

start_etcd() {
	local data
	if [[ -d /dev/shm && -w /dev/shm ]]; then
		data=$(mktemp -d /dev/shm/fg-etcd.XXXXXX)
	else
		data=$(mktemp -d "$dir/etcd-data.XXXXXX")
	fi
	echo "ETCD_DATA=$data" >>"$dir/state"
	echo "ETCD_PORT=$(free_port)" >>"$dir/state"
	echo "ETCD_PEER_PORT=$(free_port)" >>"$dir/state"
	run_etcd new
}

# run_etcd new|existing: etcd on the data and ports DIR/state records,
# until it answers /health.
run_etcd() {
	local client peer pid i
	client=$(state ETCD_PORT)
	peer=$(state ETCD_PEER_PORT)
	spawn "$dir/etcd.pid" "$dir/etcd.log" etcd --name fg-test --data-dir "$(state ETCD_DATA)/member" \
		--listen-client-urls "http://127.0.0.1:$client" \
		--advertise-client-urls "http://127.0.0.1:$client" \
		--listen-peer-urls "http://127.0.0.1:$peer" \
		--initial-advertise-peer-urls "http://127.0.0.1:$peer" \
		--initial-cluster "fg-test=http://127.0.0.1:$peer" \
		--initial-cluster-state "$1" --log-level warn \
		--quota-backend-bytes 2147483648
	pid=$(<"$dir/etcd.pid")
	# Ready when it answers /health on the client port.
	for ((i = 0; i < 100; i++)); do
		alive "$pid" etcd || {
			tail_logs
			die "etcd exited (log: $dir/etcd.log)"
		}
		if http_get 127.0.0.1 "$client" /health | grep -q '"health":"true"'; then
			set_env FG_K8S_ETCD_PID "$pid"
			return 0
		fi
		sleep 0.1
	done
	tail_logs
	die "etcd not healthy after 10 s (log: $dir/etcd.log)"
}

# http_get HOST PORT PATH: plain HTTP GET with bash's /dev/tcp.
http_get() {
	local fd
	{ exec {fd}<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$3" "$1" >&"$fd"
	timeout 2 cat <&"$fd" || true
	exec {fd}>&-
}

# http_post HOST PORT PATH JSON: a plain HTTP/1.0 POST, response on stdout.
http_post() {
	local fd
	{ exec {fd}<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
	printf 'POST %s HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$3" "$1" "${#4}" "$4" >&"$fd"
	timeout 5 cat <&"$fd" || true
	exec {fd}>&-
}

start_apiserver() {
	local port pid i start now
	port=$(state APISERVER_PORT)
	cat >"$dir/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
EOF
	spawn "$dir/apiserver.pid" "$dir/apiserver.log" "$apiserver" \
		--etcd-servers "http://127.0.0.1:$(state ETCD_PORT)" \
		--etcd-prefix /registry \
		--bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
		--secure-port "$port" \
		--tls-cert-file "$dir/pki/apiserver.crt" \
		--tls-private-key-file "$dir/pki/apiserver.key" \
		--client-ca-file "$dir/pki/ca.crt" \
		--authorization-mode RBAC \
		--service-account-issuer https://kubernetes.default.svc.cluster.local \
		--service-account-key-file "$dir/pki/sa.pub" \
		--service-account-signing-key-file "$dir/pki/sa.key" \
		--service-cluster-ip-range 10.0.0.0/24 \
		--endpoint-reconciler-type none \
		--disable-admission-plugins ServiceAccount \
		--audit-policy-file "$dir/audit-policy.yaml" \
		--audit-log-path "$dir/audit.log" --audit-log-format json \
		--audit-log-mode blocking \
		--profiling=false ${FG_K8S_APISERVER_ARGS:-}
	pid=$(<"$dir/apiserver.pid")
	# Readiness: /readyz as the admin, bounded.
	start=$SECONDS
	while :; do
		alive "$pid" kube-apiserver || {
			tail_logs
			die "kube-apiserver exited (log: $dir/apiserver.log)"
		}
		if kc get --raw /readyz >/dev/null 2>&1; then
			break
		fi
		now=$SECONDS
		if ((now - start >= ready_timeout)); then
			printf 'control-plane.sh: /readyz says:\n' >&2
			kc get --raw '/readyz?verbose' 2>&1 | grep -v '\[+\]' | tail -n 20 >&2 || true
			tail_logs
			die "kube-apiserver not ready after ${ready_timeout} s (log: $dir/apiserver.log)"
		fi
		sleep 0.2
	done
	set_env FG_K8S_APISERVER_PID "$pid"
	note "kube-apiserver ready on https://127.0.0.1:$port in $((SECONDS - start)) s (pid $pid)"
}

# ---- RBAC and CRDs ---------------------------------------------------------

setup_limited() {
	local token
	kc apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: fg-limited
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: limited
  namespace: fg-limited
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: configmap-reader
  namespace: fg-limited
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: limited-configmap-reader
  namespace: fg-limited
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: configmap-reader
subjects:
- kind: ServiceAccount
  name: limited
  namespace: fg-limited
EOF
	token=$(kc create token limited -n fg-limited --duration 24h) ||
		die "kubectl create token failed"
	kubeconfig "$dir/limited.kubeconfig" "token: $token"
}

# install_crds VERSION: delete the Flink CRDs there are, create VERSION's,
# wait until they are Established and served by discovery.
install_crds() {
	local version=$1 src=$crd_root/$1 f names=() plurals=() old group_json ok
	local deadline
	[[ -d $src ]] || die "no CRDs for version '$version' in $crd_root"
	old=$(kc get crd -o name 2>/dev/null | grep '\.flink\.apache\.org$' || true)
	if [[ -n $old ]]; then
		# shellcheck disable=SC2086 # one name per word
		kc delete --wait=true --timeout=60s $old >/dev/null ||
			die "cannot delete the installed Flink CRDs"
	fi
	for f in "$src"/*.yml "$src"/*.yaml; do
		[[ -f $f ]] || continue
		# create, not client-side apply: the CRDs exceed the 256 KiB
		# last-applied annotation.
		kc create -f "$f" >/dev/null || die "cannot create CRD $f"
		names+=("$(sed -n 's/^  name: *"\{0,1\}\([^" ]*\)"\{0,1\} *$/\1/p' "$f" | head -n 1)")
		plurals+=("$(sed -n 's/^    plural: *"\{0,1\}\([^" ]*\)"\{0,1\} *$/\1/p' "$f" | head -n 1)")
	done
	((${#names[@]} > 0)) || die "no CRD files in $src"
	# Established (polled: kubectl wait fails on a CRD with no status yet),
	# then in discovery: every plural listed by the group version.
	deadline=$((SECONDS + 60))
	while :; do
		ok=$(kc get crd "${names[@]}" -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Established")].status}{" "}{end}' 2>/dev/null) || true
		[[ $ok == "$(printf 'True %.0s' "${names[@]}")" ]] && break
		((SECONDS < deadline)) ||
			die "the Flink CRDs (${names[*]}) are not Established after 60 s"
		sleep 0.1
	done
	while :; do
		ok=1
		group_json=$(kc get --raw /apis/flink.apache.org/v1beta1 2>/dev/null) || ok=0
		for f in "${plurals[@]}"; do
			grep -q "\"name\":\"$f\"" <<<"$group_json" || ok=0
		done
		((ok)) && break
		((SECONDS < deadline)) ||
			die "the Flink CRDs (${plurals[*]}) are not in discovery after 60 s"
		sleep 0.1
	done
	set_env FG_K8S_CRD_VERSION "$version"
}

# ---- commands --------------------------------------------------------------

cmd_down() {
	stop "$dir/apiserver.pid" kube-apiserver
	stop "$dir/etcd.pid" etcd
	local data
	data=$(state ETCD_DATA)
	case $data in
	/dev/shm/fg-etcd.* | "$dir"/etcd-data.*) rm -rf "$data" ;;
	esac
	rm -f "$dir/state" "$dir/env"
}

cmd_up() {
	local crd_version=${FG_K8S_CRD_VERSION:-1.15.0} t0=$SECONDS
	command -v etcd >/dev/null 2>&1 ||
		die "no etcd (Debian: apt-get install etcd-server; or bash .ci/install-deps)"
	command -v openssl >/dev/null 2>&1 || die "no openssl"
	apiserver=${FG_K8S_APISERVER:-}
	if [[ -z $apiserver ]]; then
		apiserver=$(bash "$here/build-apiserver.sh") ||
			die "cannot build kube-apiserver"
	fi
	[[ -x $apiserver ]] || die "not executable: $apiserver"
	find_kubectl

	mkdir -p "$dir"
	# An earlier run recorded here: stop it first.
	cmd_down
	# A failed start leaves nothing running (the logs stay for reading).
	# shellcheck disable=SC2154 # rc is set in the trap
	trap 'rc=$?; ((rc == 0)) || cmd_down; exit $rc' EXIT
	rm -rf "$dir/kube-cache"
	: >"$dir/audit.log"
	: >"$dir/apiserver.log"
	: >"$dir/etcd.log"
	{
		echo "APISERVER_BIN=$apiserver"
		echo "KUBECTL_BIN=$kubectl"
		echo "APISERVER_PORT=$(free_port)"
	} >"$dir/state"
	make_pki
	kubeconfig "$dir/admin.kubeconfig" \
		"client-certificate-data: $(base64 -w0 "$dir/pki/admin.crt")" \
		"client-key-data: $(base64 -w0 "$dir/pki/admin.key")"

	start_etcd
	start_apiserver
	set_env FG_K8S_SERVER "https://127.0.0.1:$(state APISERVER_PORT)"
	set_env FG_K8S_KUBECONFIG "$dir/admin.kubeconfig"
	set_env FG_K8S_LIMITED_KUBECONFIG "$dir/limited.kubeconfig"
	set_env FG_K8S_CA "$dir/pki/ca.crt"
	set_env FG_K8S_AUDIT_LOG "$dir/audit.log"
	set_env FG_K8S_VERSION "$(kc version -o json 2>/dev/null |
		sed -n '/"serverVersion"/,/}/s/^ *"gitVersion": "\(.*\)",$/\1/p')"
	setup_limited
	install_crds "$crd_version"
	# the operator's configuration, where its Helm chart puts it
	kc apply -f "$here/operator-config.yaml" >/dev/null ||
		die "cannot install the operator's configuration"
	note "up in $((SECONDS - t0)) s; env: $dir/env"
}

# The binaries of the running control plane, as `up` recorded them.
load_state() {
	[[ -f $dir/state && -f $dir/env ]] ||
		die "no control plane recorded in $dir (run: control-plane.sh up $dir)"
	apiserver=$(state APISERVER_BIN)
	kubectl=$(state KUBECTL_BIN)
}

cmd_restart_apiserver() {
	load_state
	alive "$(<"$dir/etcd.pid")" etcd || die "etcd is not running"
	stop "$dir/apiserver.pid" kube-apiserver
	start_apiserver
}

# kill_hard PIDFILE NAME PORT...: SIGKILL, as a crash; wait until it is
# gone and nothing listens on its PORTs any more (a restart binds them).
kill_hard() {
	local file=$1 name=$2 pid port i
	shift 2
	[[ -f $file ]] || die "no $file"
	pid=$(<"$file")
	alive "$pid" "$name" || die "$name is not running"
	kill -KILL "$pid"
	exited "$pid" || die "$name (pid $pid) survived SIGKILL"
	for port in "$@"; do
		for ((i = 0; i < 200; i++)); do
			listening "$port" || break
			sleep 0.05
		done
		! listening "$port" ||
			die "port $port still listened on 10 s after $name (pid $pid) died"
	done
}

cmd_kill_apiserver() {
	load_state
	kill_hard "$dir/apiserver.pid" kube-apiserver "$(state APISERVER_PORT)"
}

cmd_start_apiserver() {
	load_state
	alive "$(<"$dir/etcd.pid")" etcd || die "etcd is not running"
	alive "$(cat "$dir/apiserver.pid" 2>/dev/null)" kube-apiserver &&
		die "kube-apiserver is running"
	start_apiserver
}

cmd_kill_etcd() {
	load_state
	kill_hard "$dir/etcd.pid" etcd "$(state ETCD_PORT)" \
		"$(state ETCD_PEER_PORT)"
}

cmd_start_etcd() {
	load_state
	alive "$(cat "$dir/etcd.pid" 2>/dev/null)" etcd && die "etcd is running"
	run_etcd existing
}

# Compact etcd's history up to its current revision (etcd's JSON gateway),
# so that a watch from an older resourceVersion gets 410 Gone at once
# instead of after the API server's own compaction interval.
cmd_compact() {
	local port rev
	load_state
	port=$(state ETCD_PORT)
	rev=$(http_post 127.0.0.1 "$port" /v3/kv/range '{"key":"AA=="}' |
		grep -o '"revision":"[0-9]*"' | head -n 1 | grep -o '[0-9]*')
	[[ -n $rev ]] || die "cannot read etcd's revision"
	http_post 127.0.0.1 "$port" /v3/kv/compaction \
		"{\"revision\":\"$rev\",\"physical\":true}" | grep -q '"header"' ||
		die "etcd refused to compact to revision $rev"
}

cmd_crds() {
	load_state
	install_crds "$1"
}

cmd_status() {
	load_state
	kc get --raw /readyz >/dev/null 2>&1
}

[[ $# -ge 2 ]] || usage
cmd=$1
dir=$2
case $dir in
/*) ;;
*) dir=$PWD/$dir ;;
esac
apiserver=
kubectl=
case $cmd in
up) [[ $# -eq 2 ]] || usage && cmd_up ;;
down) [[ $# -eq 2 ]] || usage && { [[ ! -d $dir ]] || cmd_down; } ;;
crds) [[ $# -eq 3 ]] || usage && cmd_crds "$3" ;;
restart-apiserver) [[ $# -eq 2 ]] || usage && cmd_restart_apiserver ;;
status) [[ $# -eq 2 ]] || usage && cmd_status ;;
kill-apiserver) [[ $# -eq 2 ]] || usage && cmd_kill_apiserver ;;
start-apiserver) [[ $# -eq 2 ]] || usage && cmd_start_apiserver ;;
kill-etcd) [[ $# -eq 2 ]] || usage && cmd_kill_etcd ;;
start-etcd) [[ $# -eq 2 ]] || usage && cmd_start_etcd ;;
compact) [[ $# -eq 2 ]] || usage && cmd_compact ;;
*) usage ;;
esac
