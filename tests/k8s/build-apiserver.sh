#!/usr/bin/env bash
# Build kube-apiserver (or kubectl) for the integration tests from the Go
# module proxy, as a consumer of k8s.io/kubernetes, into a cache outside the
# clone, and print the path of the binary on stdout. Quiet on success; on
# failure the output of the failing step goes to stderr.
#
#   bash tests/k8s/build-apiserver.sh            # kube-apiserver
#   bash tests/k8s/build-apiserver.sh kubectl    # kubectl: `kubectl` from PATH
#                                                # when there is one, else built
#
# Cache layout (FG_CACHE_DIR, default /var/cache/flink-gitops):
#   k8s/<version>/kube-apiserver, k8s/<version>/kubectl   the binaries
#   k8s/<version>/build/                 the generated Go module (go.mod, go.sum)
#   go/mod, go/build                     GOMODCACHE, GOCACHE (shared)
# A binary already in the cache is reused without running Go at all.
#
# The release is K8S_VERSION below. The module's go.mod is generated from
# apiserver/go.mod.in: `require k8s.io/kubernetes K8S_VERSION` plus one
# replace line per staging module (k8s.io/api => k8s.io/api v0.Y.Z, ...),
# read from the go.mod the module proxy serves for that release, so a new
# patch release needs only the variable changed (FG_K8S_RELEASE=v1.X.Y
# tries another one without editing).
set -euo pipefail

K8S_VERSION=${FG_K8S_RELEASE:-v1.36.3}

src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${FG_CACHE_DIR:-/var/cache/flink-gitops}
what=${1:-kube-apiserver}

die() {
	printf 'build-apiserver.sh: %s\n' "$*" >&2
	exit 1
}

case $what in
kube-apiserver) pkg=. ;;
kubectl)
	# The machine's kubectl is good enough as a second client; build one
	# only where there is none (or when FG_BUILD_KUBECTL=1 asks for it).
	if [[ ${FG_BUILD_KUBECTL:-0} != 1 ]] && command -v kubectl >/dev/null 2>&1; then
		command -v kubectl
		exit 0
	fi
	pkg=k8s.io/kubernetes/cmd/kubectl
	;;
*) die "usage: build-apiserver.sh [kube-apiserver|kubectl]" ;;
esac

[[ $K8S_VERSION =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] ||
	die "K8S_VERSION must be v1.MINOR.PATCH, not '$K8S_VERSION'"
k8s_minor=${BASH_REMATCH[1]}
staging_version=v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}

out_dir=$cache_root/k8s/$K8S_VERSION
bin=$out_dir/$what
# shellcheck source=../tools/lib-go.sh
. "$src/../tools/lib-go.sh"
go_begin "$out_dir" "$bin"
go_find
export GOFLAGS="-mod=mod -buildvcs=false"

# The go.mod the proxy serves for the release: where the replace lines and
# the Go version come from.
tmp_mod=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$tmp_mod"' EXIT
(cd "$tmp_mod" && "$go" mod download -json "k8s.io/kubernetes@$K8S_VERSION") >"$tmp_mod/dl.json" 2>"$log" ||
	{ cat "$log" >&2; die "cannot download k8s.io/kubernetes@$K8S_VERSION"; }
upstream_mod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' "$tmp_mod/dl.json")
upstream_info=$(sed -n 's/^[[:space:]]*"Info": "\(.*\)",\{0,1\}$/\1/p' "$tmp_mod/dl.json")
[[ -r $upstream_mod ]] || die "no go.mod for k8s.io/kubernetes@$K8S_VERSION in $tmp_mod/dl.json"

go_version=$(sed -n 's/^go \([0-9.]*\)[[:space:]]*$/\1/p' "$upstream_mod")
[[ -n $go_version ]] || die "no go directive in $upstream_mod"

# a Go that builds the release's go.mod (local when new enough)
go_find "$go_version"

# Generate the module: go.mod.in, the upstream godebug lines, the require,
# and one replace per staging module (./staging/src/X => X v0.Y.Z).
build_dir=$out_dir/build
mkdir -p "$build_dir"
replaces=$(awk -v sv="$staging_version" '
	function emit(lhs, rhs,   m) {
		if (rhs ~ /^\.\/staging\/src\//) {
			m = rhs; sub(/^\.\/staging\/src\//, "", m)
			printf "\t%s => %s %s\n", lhs, m, sv
		} else if (rhs !~ /^\.{0,2}\//) {
			printf "\t%s => %s\n", lhs, rhs
		}
	}
	/^replace[[:space:]]*\($/ { inblock = 1; next }
	inblock && /^\)/ { inblock = 0; next }
	inblock && / => / { split($0, p, / => /); gsub(/[[:space:]]/, "", p[1]); sub(/^[[:space:]]+/, "", p[2]); sub(/[[:space:]]+$/, "", p[2]); emit(p[1], p[2]); next }
	/^replace [^(]/ { line = $0; sub(/^replace /, "", line); split(line, p, / => /); gsub(/[[:space:]]/, "", p[1]); emit(p[1], p[2]) }
' "$upstream_mod")
[[ -n $replaces ]] || die "no staging replace lines found in $upstream_mod"
{
	sed "s/@GO_VERSION@/$go_version/" "$src/apiserver/go.mod.in" | grep -v '^//'
	grep '^godebug ' "$upstream_mod" || true
	printf '\nrequire k8s.io/kubernetes %s\n\nreplace (\n%s\n)\n' \
		"$K8S_VERSION" "$replaces"
} >"$build_dir/go.mod.new"
cp "$src/apiserver/main.go" "$build_dir/main.go"
# Regenerate go.sum only when go.mod changed (a new release or template).
if ! cmp -s "$build_dir/go.mod.new" "$build_dir/go.mod.gen" 2>/dev/null; then
	cp "$build_dir/go.mod.new" "$build_dir/go.mod"
	rm -f "$build_dir/go.sum"
	(cd "$build_dir" && run "$go" mod tidy)
	cp "$build_dir/go.mod.new" "$build_dir/go.mod.gen"
fi
rm -f "$build_dir/go.mod.new"

# What hack/lib/version.sh sets, so /version reports the release.
build_date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$upstream_info" 2>/dev/null || true)
[[ -n $build_date ]] || build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ldflags+=" -X $p.gitVersion=$K8S_VERSION"
	ldflags+=" -X $p.gitMajor=1 -X $p.gitMinor=$k8s_minor"
	ldflags+=" -X $p.gitCommit= -X $p.gitTreeState=clean"
	ldflags+=" -X $p.buildDate=$build_date"
done

tmp_bin=$(mktemp "$out_dir/.$what.XXXXXX")
trap 'rm -f "$log" "$tmp_bin"; rm -rf "$tmp_mod"' EXIT
(cd "$build_dir" && run "$go" build -trimpath -ldflags "$ldflags" -o "$tmp_bin" "$pkg")
chmod 0755 "$tmp_bin"
mv -f "$tmp_bin" "$bin"
printf '%s\n' "$bin"
