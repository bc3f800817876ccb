#!/usr/bin/env bash
# Build helm, a test-only tool (the tests render deploy/helm/ with the real
# helm), from the Go module proxy into a cache outside the clone, and print
# the path of the binary on stdout. Quiet on success; on failure the output
# of the failing step goes to stderr. The product never runs helm.
#
#   bash tests/tools/helm/build.sh         # prints .../helm/v3.22.0/helm
#
# Cache layout (FG_CACHE_DIR, default /var/cache/flink-gitops):
#   helm/<version>/helm     the binary (reused without running Go at all)
#   go/mod, go/build        GOMODCACHE, GOCACHE (shared with the other tools)
# The first build takes about 3.5 minutes on 2 cores. HELM_VERSION below
# is the release (FG_HELM_VERSION=v3.X.Y tries another one without
# editing). `go install MODULE@VERSION` builds it exactly as its go.mod
# and go.sum pin it, checked against the Go checksum database.
set -euo pipefail

HELM_VERSION=${FG_HELM_VERSION:-v3.22.0}

cache_root=${FG_CACHE_DIR:-/var/cache/flink-gitops}

die() {
	printf 'helm/build.sh: %s\n' "$*" >&2
	exit 1
}

[[ $HELM_VERSION =~ ^v3\.[0-9]+\.[0-9]+$ ]] ||
	die "HELM_VERSION must be v3.MINOR.PATCH, not '$HELM_VERSION'"

out_dir=$cache_root/helm/$HELM_VERSION
bin=$out_dir/helm
# shellcheck source=../lib-go.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib-go.sh"
go_begin "$out_dir" "$bin"
# A local Go older than helm's go.mod asks for fetches the right toolchain
# through the module proxy.
go_find
export GOFLAGS=-buildvcs=false

# What helm's Makefile sets, so `helm version` names the release.
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"

# go install writes to GOBIN: a private folder, moved into place at the end
# so a half-written binary is never in the cache.
tmp_bin=$(mktemp -d "$out_dir/.build.XXXXXX")
trap 'rm -f "$log"; rm -rf "$tmp_bin"' EXIT
GOBIN=$tmp_bin run "$go" install -trimpath -ldflags "$ldflags" \
	"helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
[[ -x $tmp_bin/helm ]] || die "go install left no helm binary"
"$tmp_bin/helm" version --short >"$log" 2>&1 ||
	{ cat "$log" >&2; die "the helm built does not run"; }
mv -f "$tmp_bin/helm" "$bin"
printf '%s\n' "$bin"
