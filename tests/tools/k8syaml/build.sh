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

# run CMD...: run quietly; on failure show its output and stop.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		die "failed: $*"
	fi
}

hash=$(cd "$src" && cat go.mod go.sum main.go | sha256sum | cut -c1-16)
out_dir=$cache_root/k8syaml/$hash
bin=$out_dir/k8syaml

if [[ -x $bin ]]; then
	printf '%s\n' "$bin"
	exit 0
fi

mkdir -p "$out_dir" "$cache_root/go/mod" "$cache_root/go/build" 2>"$log" ||
	die "cannot create $cache_root (set FG_CACHE_DIR): $(cat "$log")"

find_go() {
	if command -v go >/dev/null 2>&1; then
		command -v go
	elif [[ -x /usr/local/go/bin/go ]]; then
		echo /usr/local/go/bin/go
	elif [[ -x /usr/lib/go/bin/go ]]; then
		echo /usr/lib/go/bin/go
	else
		return 1
	fi
}

if ! go=$(find_go); then
	sudo=()
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 || die "no Go found and no sudo to install golang-go"
		sudo=(sudo -n)
	fi
	export DEBIAN_FRONTEND=noninteractive
	run "${sudo[@]}" apt-get update -q
	run "${sudo[@]}" apt-get install -y -q --no-install-recommends golang-go ca-certificates
	go=$(find_go) || die "golang-go installed but no go binary found"
fi

export GOMODCACHE=$cache_root/go/mod
export GOCACHE=$cache_root/go/build
export GOTOOLCHAIN=auto
export GOFLAGS="-mod=readonly -buildvcs=false"
export CGO_ENABLED=0

# Go before 1.21 cannot switch toolchains: download the one go.mod asks for
# (the golang.org/toolchain module, as GOTOOLCHAIN=auto does) and use it.
go_minor=$("$go" env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [[ -z $go_minor || $go_minor -lt 21 ]]; then
	want=$(sed -n 's/^toolchain go\([0-9.]*\)$/\1/p' "$src/go.mod")
	[[ -n $want ]] || want=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$src/go.mod")
	[[ -n $want ]] || die "cannot read the Go version from go.mod"
	mod="golang.org/toolchain@v0.0.1-go$want.$("$go" env GOOS)-$("$go" env GOARCH)"
	tmpmod=$(mktemp -d)
	(cd "$tmpmod" && run "$go" mod init bootstrap)
	dir=$(cd "$tmpmod" && GOFLAGS=-mod=mod "$go" mod download -json "$mod" 2>"$log" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
	rm -rf "$tmpmod"
	[[ -n $dir && -d $dir/bin ]] || { cat "$log" >&2; die "cannot download $mod"; }
	# The module cache does not keep executable bits.
	chmod -R u+w "$dir/bin" "$dir/pkg/tool"
	find "$dir/bin" "$dir/pkg/tool" -type f -exec chmod +x {} +
	go=$dir/bin/go
	export GOTOOLCHAIN=local
fi

tmp=$(mktemp "$out_dir/.k8syaml.XXXXXX")
trap 'rm -f "$log" "$tmp"' EXIT
(cd "$src" && run "$go" build -trimpath -o "$tmp" .)
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
printf '%s\n' "$bin"
