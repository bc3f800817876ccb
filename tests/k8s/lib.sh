# Sourced by the integration test scripts: loads the control plane's env
# file (control-plane.sh up) and gives kubectl helpers.
#   . lib.sh ENV_FILE
# shellcheck shell=bash

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

envfile=${1:?usage: $0 ENV_FILE [ARGS...]}
[[ -r $envfile ]] || fail "no $envfile: is the control plane up (fixture k8s)?"
while IFS='=' read -r key val; do
	case $key in
	FG_K8S_*) printf -v "$key" '%s' "$val" && export "${key?}" ;;
	esac
done <"$envfile"
for key in FG_K8S_SERVER FG_K8S_KUBECONFIG FG_K8S_LIMITED_KUBECONFIG \
	FG_K8S_CA FG_K8S_AUDIT_LOG FG_K8S_VERSION FG_K8S_CRD_VERSION \
	FG_K8S_APISERVER_PID FG_K8S_ETCD_PID; do
	[[ -n ${!key:-} ]] || fail "$envfile has no $key"
done
k8s_dir=$(dirname "$envfile")
k8s_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kubectl_bin=$(bash "$k8s_here/build-apiserver.sh" kubectl) || fail "no kubectl"
# A discovery cache per test, so a CRD switch is never served stale.
export KUBECACHEDIR
KUBECACHEDIR=$(mktemp -d "$k8s_dir/kube-cache.XXXXXX")
trap 'rm -rf "$KUBECACHEDIR"' EXIT

# kc ARGS...: kubectl as the admin.
kc() {
	"$kubectl_bin" --kubeconfig "$FG_K8S_KUBECONFIG" "$@"
}
