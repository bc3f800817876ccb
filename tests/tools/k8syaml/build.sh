#!/usr/bin/env bash
# Build the k8syaml test oracle into a cache outside the clone and print the
# path of the binary on stdout. Quiet on success.
#
# Cache layout, keyed by a hash of go.mod, go.sum and main.go:
#   ${FG_CACHE_DIR:-/var/cache/flink-gitops}/k8syaml/<hash>/k8syaml
#   ${FG_CACHE_DIR:-/var/cache/flink-gitops}/go/{mod,build}  (GOMODCACHE, GOCACHE)
#
# Go: `go` from PATH, else /usr/local/go/bin/go, else Debian's golang-go
# (installed with apt-get, through sudo if not root). A Go that is too old
# for go.mod fetches the right toolchain through the module proxy
# (GOTOOLCHAIN=auto; Go < 1.21 predates that, so the toolchain module is
# fetched by hand, as GOTOOLCHAIN would).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${FG_CACHE_DIR:-/var/cache/flink-gitops}

die() {
	printf 'k8syaml/build.sh: %s\n' "$*" >&2
	exit 1
}

hash=$(cd "$src" && cat go.mod go.sum main.go | sha256sum | cut -c1-16)
out_dir=$cache_root/k8syaml/$hash
bin=$out_dir/k8syaml
# shellcheck source=../lib-go.sh
. "$src/../lib-go.sh"
go_begin "$out_dir" "$bin"
want=$(sed -n 's/^toolchain go\([0-9.]*\)$/\1/p' "$src/go.mod")
[[ -n $want ]] || want=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$src/go.mod")
[[ -n $want ]] || die "cannot read the Go version from go.mod"
go_find "$want"
export GOFLAGS="-mod=readonly -buildvcs=false"

tmp=$(mktemp "$out_dir/.k8syaml.XXXXXX")
trap 'rm -f "$log" "$tmp"' EXIT
(cd "$src" && run "$go" build -trimpath -o "$tmp" .)
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
printf '%s\n' "$bin"
