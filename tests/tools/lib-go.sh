# What the scripts that build a test-only tool with Go share
# (tests/k8s/build-apiserver.sh, tests/tools/helm/build.sh,
# tests/tools/k8syaml/build.sh): the cache outside the clone, one build at
# a time, and a Go toolchain. Sourced; the script sets cache_root and
# defines die first.
#
#   go_cached BIN         print BIN and exit when it is built already
#   go_begin OUT_DIR BIN  create OUT_DIR and the shared Go caches, take
#                         OUT_DIR's lock (two CTest runs, or a user and
#                         CI), then go_cached BIN again (built while we
#                         waited); sets `log` and defines `run CMD...`
#                         (quiet; on failure its output, then die)
#   go_find [VERSION]     set `go` to a Go that builds a module asking for
#                         go VERSION, and export GOMODCACHE, GOCACHE,
#                         GOTOOLCHAIN and CGO_ENABLED=0
#
# Go is `go` from PATH, else /usr/local/go/bin/go, else Debian's golang-go
# (installed with apt-get, through sudo if not root). A Go older than
# VERSION fetches the right toolchain through the module proxy
# (GOTOOLCHAIN=auto); a Go before 1.21 predates that, so the toolchain
# module is fetched here, as GOTOOLCHAIN would.

go_cached() {
	if [[ -x $1 ]]; then
		printf '%s\n' "$1"
		exit 0
	fi
}

go_begin() {
	go_cached "$2"
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	mkdir -p "$1" "$cache_root/go/mod" "$cache_root/go/build" 2>"$log" ||
		die "cannot create $cache_root (set FG_CACHE_DIR): $(cat "$log")"
	exec 9>"$1/.lock"
	flock 9
	go_cached "$2"
}

run() {
	if ! "$@" >"$log" 2>&1; then
		tail -n 100 "$log" >&2
		die "failed: $*"
	fi
}

go_lookup() {
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

go_version_ge() { # A >= B, dotted numbers
	[[ $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1) == "$2" ]]
}

go_find() {
	local want=${1:-} have sudo=() mod tmpmod dir

	if ! go=$(go_lookup); then
		if [[ $(id -u) -ne 0 ]]; then
			command -v sudo >/dev/null 2>&1 ||
				die "no Go found and no sudo to install golang-go"
			sudo=(sudo -n)
		fi
		export DEBIAN_FRONTEND=noninteractive
		run "${sudo[@]}" apt-get update -q
		run "${sudo[@]}" apt-get install -y -q --no-install-recommends \
			golang-go ca-certificates
		go=$(go_lookup) || die "golang-go installed but no go binary found"
	fi
	export GOMODCACHE=$cache_root/go/mod
	export GOCACHE=$cache_root/go/build
	export CGO_ENABLED=0
	have=$("$go" env GOVERSION | sed 's/^go//')
	if [[ -n $want ]] && go_version_ge "$have" "$want"; then
		export GOTOOLCHAIN=local
		return 0
	fi
	if go_version_ge "$have" 1.21; then
		export GOTOOLCHAIN=auto
		return 0
	fi
	if [[ -z $want ]]; then # no version asked: this Go, as it is
		export GOTOOLCHAIN=local
		return 0
	fi
	# the golang.org/toolchain module, as GOTOOLCHAIN=auto fetches it
	[[ $want == *.*.* ]] || want=$want.0
	mod="golang.org/toolchain@v0.0.1-go$want.$("$go" env GOOS)-$("$go" env GOARCH)"
	tmpmod=$(mktemp -d)
	(cd "$tmpmod" && run "$go" mod init bootstrap)
	dir=$(cd "$tmpmod" && GOFLAGS=-mod=mod "$go" mod download -json "$mod" 2>"$log" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
	rm -rf "$tmpmod"
	[[ -n $dir && -d $dir/bin ]] || {
		cat "$log" >&2
		die "cannot download $mod"
	}
	# the module cache does not keep executable bits
	chmod -R u+w "$dir/bin" "$dir/pkg/tool"
	find "$dir/bin" "$dir/pkg/tool" -type f -exec chmod +x {} +
	go=$dir/bin/go
	export GOTOOLCHAIN=local
}
