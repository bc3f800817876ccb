#!/usr/bin/env bash
# Run every libFuzzer target for a set time and print, per target, the
# executions per second, the coverage reached (edges, features), the
# corpus and whether anything crashed. Needs clang (the `fuzz` preset,
# built here when needed). New inputs and crashes go to a work folder,
# never into the tree: add a crash (and any input worth keeping) to
# tests/fuzz/corpus/NAME/ by hand, so the replay test keeps it.
#
#   bash tests/bench/fuzz-all.sh [SECONDS [TARGET...]]
#
# SECONDS per target (default 60); TARGET names (fuzz_yaml ...; default
# every target the fuzz build has). FG_FUZZ_JOBS targets run at once
# (default 1; each takes one core). FG_FUZZ_WORK keeps the work folder
# (default: a temporary one, removed). Exits 1 when a target crashed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-60}
shift || true
jobs=${FG_FUZZ_JOBS:-1}
build=build/fuzz/tests

if [[ ! -d build/fuzz ]]; then
	cmake --preset fuzz >/dev/null
fi
cmake --build --preset fuzz -j "$jobs" >/dev/null

targets=("$@")
if ((${#targets[@]} == 0)); then
	for f in tests/fuzz/fuzz_*.c; do
		t=$(basename "$f" .c)
		[[ -x $build/$t ]] && targets+=("$t")
	done
fi

work=${FG_FUZZ_WORK:-}
if [[ -z $work ]]; then
	work=$(mktemp -d /tmp/fg-fuzz-all.XXXXXX)
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

# run TARGET: one fuzzer for $secs seconds; its log in $work/TARGET.log
run() {
	local t=$1 seeds=tests/fuzz/corpus/${1#fuzz_} dir=$work/$1
	mkdir -p "$dir/corpus" "$dir/crashes"
	# the first folder takes what is found; the seeds are only read
	"$build/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$dir/crashes/" "$dir/corpus" "$seeds" \
		</dev/null >"$work/$t.log" 2>&1 || true
}

running=0
for t in "${targets[@]}"; do
	run "$t" &
	running=$((running + 1))
	if ((running >= jobs)); then
		wait -n || true
		running=$((running - 1))
	fi
done
wait

status=0
printf '%-22s %8s %10s %8s %8s %8s %s\n' target seconds execs exec/s cov ft result
for t in "${targets[@]}"; do
	log=$work/$t.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
	ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
	crashes=$(find "$work/$t/crashes" -type f | wc -l)
	if ((crashes > 0)) || ! grep -q 'Done [0-9]* runs' "$log"; then
		result="FAILED ($crashes crash files in $work/$t/crashes; log $log)"
		status=1
	else
		result="ok, corpus $(find "$work/$t/corpus" -type f | wc -l) new"
	fi
	printf '%-22s %8s %10s %8s %8s %8s %s\n' "$t" "$secs" "${execs:--}" \
		"${rate:--}" "${cov:--}" "${ft:--}" "$result"
done
if ((status)); then
	trap - EXIT
	echo "work folder kept: $work"
fi
exit $status
