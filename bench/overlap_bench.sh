#!/usr/bin/env bash
# What overlapping the stages gains, and the most any way of sharing the cores could gain, on
# the dev sets: end-to-end images/s (`ocrserve bench`, PASSES passes over every image) with the
# stages in turn (--no-overlap), overlapped (the default), and as independent single-threaded
# processes, one per core, each reading every image at the same time. The processes share
# nothing and never wait for each other, so their summed images/s bounds what any scheduling of
# the same work on these cores can reach. The three runs of a set follow each other, PAIRS times
# over; each ratio is the median of the runs' ratios.
#
#   bench/overlap_bench.sh [SET...]     (default: sroie funsd icdar15 zh of ../shared/data/dev)
#
# OCRSERVE: the binary (default build/ocrserve); DEV: the folder of the sets; PAIRS (default 3);
# PASSES (default 1; more make a longer stream, in which the first images' warm-up and the last
# image's tail, when one core may wait for the other, weigh less); PRECISIONS (default
# "fp32 int8"); CORES (default nproc). Prints one Markdown table (docs/benchmarks.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ocrserve=${OCRSERVE:-$root/build/ocrserve}
dev=${DEV:-$root/../shared/data/dev}
pairs=${PAIRS:-3}
passes=${PASSES:-1}
cores=${CORES:-$(nproc)}
read -r -a precisions <<<"${PRECISIONS:-fp32 int8}"
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(sroie funsd icdar15 zh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

speed() {  # OUT SET PRECISION THREADS [OPTION...]
  "$ocrserve" bench "$dev/$2/images" --warmup 0 -n "$passes" --precision "$3" -t "$4" "${@:5}" \
    --json "$1" >/dev/null
}
images_per_second() {  # JSON...
  python3 -c "import json, sys; print(sum(json.load(open(f))['images_per_second'] for f in sys.argv[1:]))" "$@"
}
processes() {  # SET PRECISION: one single-threaded process per core, all at once
  local pids=() files=()
  for k in $(seq "$cores"); do
    speed "$work/process$k.json" "$1" "$2" 1 &
    pids+=($!)
    files+=("$work/process$k.json")
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  images_per_second "${files[@]}"
}

echo "| set | precision | in turn img/s | overlapped img/s | $cores processes img/s | overlapped / in turn | processes / in turn |"
echo "|---|---|---|---|---|---|---|"
for set in "${sets[@]}"; do
  for precision in "${precisions[@]}"; do
    : >"$work/runs"
    for _ in $(seq "$pairs"); do
      speed "$work/turn.json" "$set" "$precision" "$cores" --no-overlap
      speed "$work/overlap.json" "$set" "$precision" "$cores"
      echo "$(images_per_second "$work/turn.json") $(images_per_second "$work/overlap.json") \
$(processes "$set" "$precision")" >>"$work/runs"
    done
    python3 - "$set" "$precision" "$work/runs" <<'EOF'
import statistics, sys
name, precision, runs = sys.argv[1:]
rows = [[float(v) for v in line.split()] for line in open(runs) if line.strip()]
turn, overlap, processes = (statistics.median(r[k] for r in rows) for k in range(3))
ratio = lambda a: statistics.median(r[a] / r[0] for r in rows)
print(f'| {name} | {precision} | {turn:.2f} | {overlap:.2f} | {processes:.2f} | {ratio(1):.2f}× | {ratio(2):.2f}× |')
EOF
  done
done
