#!/usr/bin/env bash
# deploy/Dockerfile without a container engine: its build stage, run as
# written on this Debian (only the folders it COPYs, its cmake command
# line, -Werror) builds a flink-gitops that runs; every shared library
# that binary needs (DT_NEEDED) comes from a package its runtime stage
# installs; it runs as a numeric non-root user with the agent as its
# entry point. (A test that builds the image needs Docker: CI with one
# runs `docker build -f deploy/Dockerfile .`.)
#   test-container.sh SOURCE_DIR
set -euo pipefail
src=${1:?usage: $0 SOURCE_DIR}
dockerfile=$src/deploy/Dockerfile
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the Dockerfile's stages, logical lines (continuations joined)
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$dockerfile" | sed 's/[[:space:]]\+/ /g' >"$work/lines"
[[ $(grep -c '^FROM ' "$work/lines") == 2 ]] || fail "not two stages"
grep -q '^FROM debian:\${DEBIAN_RELEASE} AS build$' "$work/lines" || fail "the build stage is not Debian"
grep -q '^FROM debian:\${DEBIAN_RELEASE}-slim$' "$work/lines" || fail "the runtime stage is not debian-slim"
grep -q '^ARG DEBIAN_RELEASE=bookworm$' "$work/lines" || fail "not Debian 12 (bookworm)"
runtime=$(sed -n '/^FROM debian:\${DEBIAN_RELEASE}-slim$/,$p' "$work/lines")
user=$(sed -n 's/^USER //p' <<<"$runtime")
[[ $user =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]] || fail "USER '$user' is not a numeric non-root user and group"
grep -qx 'ENTRYPOINT \["/usr/local/bin/flink-gitops"\]' <<<"$runtime" || fail "the entry point is not flink-gitops"
# packages of the runtime stage
pkgs=$(grep -o 'apt-get install [^&]*' <<<"$runtime" | tr ' ' '\n' |
	grep -vE '^(apt-get|install|-y|--no-install-recommends|)$')
grep -qx ca-certificates <<<"$pkgs" || fail "no ca-certificates (HTTPS to Git and the API server)"

# the build stage as written, from only what it copies
mkdir -p "$work/src"
for p in $(sed -n '/ AS build$/,/^FROM /s/^COPY \(.*\) [^ ]*$/\1/p' "$work/lines"); do
	(cd "$src" && cp -r --parents "${p%/}" "$work/src/")
done
cmd=$(sed -n '/ AS build$/,/^FROM /s/^RUN \(cmake .*\)$/\1/p' "$work/lines")
[[ -n $cmd ]] || fail "no cmake RUN in the build stage"
cmd=${cmd//\/build/$work\/build}
cmd=${cmd//\/out/$work\/out}
(cd "$work/src" && bash -c "$cmd") >"$work/build.log" 2>&1 ||
	fail "the build stage fails: $(tail -n 30 "$work/build.log")"
bin=$work/out/bin/flink-gitops
"$bin" version | head -n 1 | sed 's/^/  built: /'

# every library it needs, from a package the runtime stage installs
missing=
for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	# awk reads all of it: an early exit would end ldconfig by SIGPIPE,
	# which pipefail and set -e take for a failure of this script
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l && p == "" { p = $NF } END { print p }')
	[[ -n $path ]] || fail "$lib: not found on this system"
	pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | cut -d: -f1 | head -n 1 || true)
	[[ -n $pkg ]] || pkg=$(dpkg -S "$path" 2>/dev/null | cut -d: -f1 | head -n 1 || true)
	[[ -n $pkg ]] || fail "$lib ($path): no Debian package owns it"
	if [[ $pkg != libc6 ]] && ! grep -qx "$pkg" <<<"$pkgs"; then
		missing+=" $lib ($pkg)"
	fi
	echo "  $lib: $pkg"
done
[[ -z $missing ]] || fail "the runtime stage does not install:$missing"
echo "test-container: ok"
