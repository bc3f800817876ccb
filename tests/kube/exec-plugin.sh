#!/bin/sh
# An exec credential plugin for the tests, run by flink-gitops exactly as
# kubectl runs aws/gke/kubelogin plugins: it prints one ExecCredential (of
# the apiVersion KUBERNETES_EXEC_INFO asks for) holding the token in the
# file $FG_TEST_TOKEN_FILE, and appends a line to $FG_TEST_EXEC_COUNT per
# run. With FG_TEST_EXEC_FAIL set it fails as an expired login does.
set -eu
if [ -n "${FG_TEST_EXEC_FAIL:-}" ]; then
	echo "error: getting credentials: the login expired, run 'login'" >&2
	exit 3
fi
if [ -n "${FG_TEST_EXEC_COUNT:-}" ]; then
	echo run >>"$FG_TEST_EXEC_COUNT"
fi
api=$(printf '%s' "$KUBERNETES_EXEC_INFO" |
	sed -n 's/.*"apiVersion":"\([^"]*\)".*/\1/p')
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2099-01-01T00:00:00Z"}}\n' \
	"$api" "$(cat "$FG_TEST_TOKEN_FILE")"
