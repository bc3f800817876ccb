#!/usr/bin/env bash
# The control plane answers as a real Kubernetes API server would:
# /version is the pinned release, the audit log records who asked for what,
# RBAC refuses the limited user, service-account tokens can be made.
#   test-smoke.sh ENV_FILE
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2016 # a literal ${...} in the script read
want=$(sed -n 's/^K8S_VERSION=${FG_K8S_RELEASE:-\(v[0-9.]*\)}$/\1/p' \
	"$k8s_here/build-apiserver.sh")
[[ -n $want ]] || fail "cannot read K8S_VERSION from build-apiserver.sh"

# /version, through kubectl with the admin kubeconfig.
version=$(kc get --raw /version) || fail "kubectl get --raw /version failed"
grep -q "\"gitVersion\": *\"${want//./\\.}\"" <<<"$version" ||
	fail "/version does not report $want: $version"
[[ $FG_K8S_VERSION == "$want" ]] ||
	fail "env FG_K8S_VERSION=$FG_K8S_VERSION, expected $want"
echo "ok: /version reports $want"

# The admin is system:masters.
kc auth can-i '*' '*' --all-namespaces >/dev/null ||
	fail "the admin kubeconfig is not cluster-admin"

# The audit log records each request with its user agent: one from
# kubectl and one sent by hand with a user agent of our own.
ns=fg-smoke-$$
kc create namespace "$ns" >/dev/null
kc get configmaps -n "$ns" >/dev/null 2>&1
ua="fg-smoke-test/$$"
pki=$(dirname "$FG_K8S_CA")
port=${FG_K8S_SERVER##*:}
reply=$(printf 'GET /api/v1/namespaces/%s/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: %s\r\nAccept: application/json\r\nConnection: close\r\n\r\n' "$ns" "$ua" |
	timeout 20 openssl s_client -quiet -verify_return_error \
		-connect "127.0.0.1:$port" -CAfile "$FG_K8S_CA" \
		-cert "$pki/admin.crt" -key "$pki/admin.key" 2>/dev/null) ||
	fail "openssl s_client request failed"
grep -q '"kind":"ConfigMapList"\|"kind": *"ConfigMapList"' <<<"$reply" ||
	fail "unexpected reply to the hand-made request: $(head -c 500 <<<"$reply")"
# The audit entry is written as the response completes: allow a moment.
for ((i = 0; i < 50; i++)); do
	hand=$(grep -F "\"userAgent\":\"$ua\"" "$FG_K8S_AUDIT_LOG" || true)
	kubectl_line=$(grep -F "\"namespace\":\"$ns\"" "$FG_K8S_AUDIT_LOG" |
		grep -F '"verb":"list"' | grep -F '"resource":"configmaps"' |
		grep -F '"userAgent":"kubectl' || true)
	[[ -n $hand && -n $kubectl_line ]] && break
	sleep 0.1
done
[[ -n $hand ]] || fail "no audit entry with userAgent $ua in $FG_K8S_AUDIT_LOG"
for want_field in '"verb":"list"' '"resource":"configmaps"' \
	'"username":"fg-admin"' '"level":"Metadata"'; do
	grep -qF "$want_field" <<<"$hand" ||
		fail "audit entry lacks $want_field: $hand"
done
[[ -n $kubectl_line ]] || fail "no audit entry for kubectl's list of configmaps in $ns"
echo "ok: audit log records verb, resource, user and user agent"

# The limited user may list configmaps in fg-limited, and nothing else.
lk() { "$kubectl_bin" --kubeconfig "$FG_K8S_LIMITED_KUBECONFIG" "$@"; }
lk get configmaps -n fg-limited >/dev/null 2>&1 ||
	fail "the limited user cannot list configmaps in fg-limited"
if out=$(lk get pods -n fg-limited 2>&1); then
	fail "the limited user could list pods: $out"
fi
if ! grep -q 'Forbidden' <<<"$out" ||
	! grep -q 'cannot list resource "pods"' <<<"$out"; then
	fail "expected a 403 naming list pods, got: $out"
fi
echo "ok: limited user gets 403: $out"

# kubectl create token, and the token authenticates as the service account.
token=$(kc create token limited -n fg-limited --duration 10m) ||
	fail "kubectl create token failed"
who=$("$kubectl_bin" --kubeconfig /dev/null --server "$FG_K8S_SERVER" \
	--certificate-authority "$FG_K8S_CA" --token "$token" \
	auth whoami -o jsonpath='{.status.userInfo.username}') ||
	fail "the new token does not authenticate"
[[ $who == system:serviceaccount:fg-limited:limited ]] ||
	fail "the token is $who, expected system:serviceaccount:fg-limited:limited"
echo "ok: kubectl create token works ($who)"

kc delete namespace "$ns" --wait=false >/dev/null
