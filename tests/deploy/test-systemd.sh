#!/usr/bin/env bash
# deploy/systemd/flink-gitops.service is a unit systemd takes
# (systemd-analyze verify: syntax, directives, the ExecStart binary) and a
# hardened one: systemd-analyze security rates its exposure at most 1.5
# of 10 ("OK"), offline, without installing it. Then the agent starts
# with that unit's command line on a configuration file, as the unit
# runs it (a bad file exits 1 naming its line, as systemd would show).
#   test-systemd.sh UNIT FLINK_GITOPS
set -euo pipefail
unit=${1:?usage: $0 UNIT FLINK_GITOPS}
fg=${2:?}
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
command -v systemd-analyze >/dev/null || fail "no systemd-analyze (Debian: apt-get install systemd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the unit as installed, with the binary where this build has it
mkdir -p "$work/system"
sed "s#/usr/local/bin/flink-gitops#$fg#g" "$unit" >"$work/system/flink-gitops.service"
grep -qF "ExecStart=$fg run --config /etc/flink-gitops/agent.yaml" "$work/system/flink-gitops.service" ||
	fail "ExecStart is not flink-gitops run --config /etc/flink-gitops/agent.yaml"
SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$work/system/flink-gitops.service" >"$work/verify" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$work/verify")"
grep -v '^$' "$work/verify" | grep -q . && fail "systemd-analyze verify warns: $(cat "$work/verify")"
systemd-analyze security --offline=true --threshold=15 \
	"$work/system/flink-gitops.service" >"$work/security" 2>&1 ||
	fail "exposure above 1.5: $(grep -E '✗|Overall' "$work/security")"
grep -F 'Overall exposure level' "$work/security" | sed 's/^→ /  /'
for d in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict CapabilityBoundingSet= \
	ExecReload= KillSignal=SIGTERM StateDirectory=flink-gitops; do
	grep -q "^$d" "$unit" || fail "the unit lacks $d"
done
# ExecReload sends SIGHUP (re-read the file), the agent's own reload
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" || fail "ExecReload is not SIGHUP"
echo "test-systemd: ok"
