#!/usr/bin/env bash
# Fuzzes ocrserve's parsers of hostile input with libFuzzer (docs/reliability.md, "Fuzzing").
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     (default: 60 s, every target)
#
# Builds the clang tree build-fuzz/ (OCRSERVE_FUZZ=ON, ASan and UBSan), then runs each target
# in turn, one process, for SECONDS on build-fuzz/corpus-work/<target>/: the seeds of
# fuzz/corpus/<target>/ and fuzz/regressions/<target>/ plus what earlier runs found. Crashing inputs are kept in
# build-fuzz/crashes/<target>/, the full output in build-fuzz/logs/<target>.log. Prints one
# line per target and exits 1 if any target found a crash, leak, timeout or out-of-memory.
#
# Environment:
#   FUZZ_JOBS=N        build jobs (default: all cores)
#   FUZZ_KEEP_GOING=1  fork mode with -ignore_crashes/-ignore_timeouts/-ignore_ooms: keeps
#                      fuzzing past bugs already known (their inputs are still kept and counted)
#   FUZZ_TMPDIR=DIR    where targets write their per-input files (default: /dev/shm if usable)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

all_targets=(image_decode multipart http_request package_json manifest archive)
seconds=${1:-60}
if [ $# -gt 0 ]; then shift; fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]; targets: ${all_targets[*]}" >&2
  exit 2
fi
for t in "${targets[@]}"; do
  if [[ " ${all_targets[*]} " != *" $t "* ]]; then
    echo "fuzz: unknown target $t (known: ${all_targets[*]})" >&2
    exit 2
  fi
done

# The project's own dependencies, with clang and its fuzzer runtime.
scripts/install_deps.sh clang libclang-rt-dev

build=build-fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOCRSERVE_FUZZ=ON -DOCRSERVE_TESTS=OFF -DOCRSERVE_BENCH=OFF >/dev/null
cmake --build "$build" -j"${FUZZ_JOBS:-$(nproc)}" --target "${targets[@]/%/_fuzzer}"

# Three targets write files for every input: on a disk-backed /tmp they run ten times slower.
# A crashing input leaves its files behind (abort runs no destructors), so the run gets a
# folder of its own, removed at the end.
tmp=${FUZZ_TMPDIR:-/dev/shm}
[ -d "$tmp" ] && [ -w "$tmp" ] || tmp=${TMPDIR:-/tmp}
TMPDIR=$(mktemp -d "$tmp/ocrserve-fuzz-run.XXXXXX")
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Figures from a libFuzzer log: a plain run ends with -print_final_stats, a fork-mode run only
# has "#EXECS: cov: … exec/s N …" status lines.
figure() {  # figure LOG REGEX → the first capture of REGEX on the last line matching it, or "?"
  local value
  value=$(grep -aoE "$2" "$1" | tail -n 1 | sed -E "s|$2|\\1|") || true
  echo "${value:-?}"
}

failed=0
summary=()
for t in "${targets[@]}"; do
  work=$build/corpus-work/$t
  crashes=$build/crashes/$t
  log=$build/logs/$t.log
  mkdir -p "$work" "$crashes" "$(dirname "$log")"
  cp -n fuzz/corpus/"$t"/* "$work"/
  if [ -d fuzz/regressions/"$t" ]; then cp -n fuzz/regressions/"$t"/* "$work"/; fi
  before=$(find "$crashes" -type f | wc -l)
  stamp=$build/logs/$t.started
  touch "$stamp"

  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$crashes/")
  if [ -f fuzz/dict/"$t".dict ]; then args+=(-dict=fuzz/dict/"$t".dict); fi
  if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  echo "fuzz: $t for ${seconds}s (log: $log)"
  status=0
  started=$SECONDS
  "$build/fuzz/${t}_fuzzer" "${args[@]}" "$work" >"$log" 2>&1 || status=$?
  elapsed=$(( SECONDS - started > 0 ? SECONDS - started : 1 ))

  found=$(( $(find "$crashes" -type f | wc -l) - before ))
  # A crash libFuzzer could not save an input for still counts.
  if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi
  execs=$(figure "$log" 'stat::number_of_executed_units: *([0-9]+)')
  [ "$execs" != "?" ] || execs=$(figure "$log" '^#([0-9]+):? .*cov: ')
  # Over the whole run, the same way in both modes (libFuzzer's own exec/s in fork mode is
  # the last interval's).
  rate="?"
  [ "$execs" = "?" ] || rate=$(( execs / elapsed ))
  # Coverage of the whole corpus after the run, measured by one plain pass over it: comparable
  # between runs, and between plain and fork mode (whose status lines count differently).
  "$build/fuzz/${t}_fuzzer" -runs=0 -rss_limit_mb=2048 -timeout=10 "$work" >"$build/logs/$t.coverage.log" 2>&1 || true
  cov=$(figure "$build/logs/$t.coverage.log" 'INITED cov: ([0-9]+)')
  ft=$(figure "$build/logs/$t.coverage.log" 'INITED cov: [0-9]+ ft: ([0-9]+)')
  corpus=$(find "$work" -type f | wc -l)
  summary+=("$(printf '%-13s %5ss  execs %-10s exec/s %-7s cov: %-6s ft: %-7s corpus %-6s crashes %s' \
                "$t" "$seconds" "$execs" "$rate" "$cov" "$ft" "$corpus" "$found")")
  if [ "$found" -gt 0 ]; then
    failed=1
    find "$crashes" -type f -newer "$stamp" | sed 's/^/  new: /'
  fi
done

echo
printf 'fuzz: %s\n' "${summary[@]}"
[ "$failed" -eq 0 ] || echo "fuzz: crashes kept in $build/crashes/ (reproduce: $build/fuzz/TARGET_fuzzer FILE)"
exit "$failed"
