#!/usr/bin/env bash
# The default int8 packages against the fp32 ones on the dev sets, in one run: line accuracy
# (`ocrserve eval --task e2e`) and end-to-end images/s (`ocrserve bench`), with the stages
# overlapped (the default) and in turn (--no-overlap). The four configurations of a set run one
# after another, PAIRS times over; each ratio is the median of the pairs' ratios, so that a
# machine whose load changes during the run still compares like with like.
#
#   bench/int8_bench.sh [SET...]        (default: sroie funsd icdar15 zh of ../shared/data/dev)
#
# OCRSERVE: the binary (default build/ocrserve); DEV: the folder of the sets; PAIRS (default 3);
# THREADS (default: ocrserve's, the cores). Prints one Markdown table (docs/benchmarks.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ocrserve=${OCRSERVE:-$root/build/ocrserve}
dev=${DEV:-$root/../shared/data/dev}
pairs=${PAIRS:-3}
threads=()
[ -n "${THREADS:-}" ] && threads=(-t "$THREADS")
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(sroie funsd icdar15 zh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

accuracy() {  # SET PRECISION
  "$ocrserve" eval --task e2e --dataset "$dev/$1" --precision "$2" --json "$work/eval.json" >/dev/null
  python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['line_accuracy'])" "$work/eval.json"
}
speed() {  # SET PRECISION [--no-overlap]
  "$ocrserve" bench "$dev/$1/images" --warmup 0 -n 1 --precision "$2" ${threads[@]+"${threads[@]}"} "${@:3}" \
    --json "$work/bench.json" >/dev/null
  python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['images_per_second'])" "$work/bench.json"
}

echo "| set | fp32 accuracy | int8 accuracy | fp32 img/s | int8 img/s | int8 / fp32 | int8 in turn img/s | overlap gain int8 | fp32 in turn img/s | overlap gain fp32 |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for set in "${sets[@]}"; do
  acc_fp32=$(accuracy "$set" fp32)
  acc_int8=$(accuracy "$set" int8)
  : >"$work/runs"
  for _ in $(seq "$pairs"); do
    echo "$(speed "$set" fp32) $(speed "$set" int8) $(speed "$set" int8 --no-overlap) $(speed "$set" fp32 --no-overlap)" >>"$work/runs"
  done
  python3 - "$set" "$acc_fp32" "$acc_int8" "$work/runs" <<'EOF'
import statistics, sys
name, acc_fp32, acc_int8, runs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
rows = [[float(v) for v in line.split()] for line in open(runs) if line.strip()]
fp32, int8, int8_turn, fp32_turn = (statistics.median(r[k] for r in rows) for k in range(4))
ratio = lambda a, b: statistics.median(r[a] / r[b] for r in rows)
print(f'| {name} | {acc_fp32:.4f} | {acc_int8:.4f} | {fp32:.2f} | {int8:.2f} | **{ratio(1, 0):.2f}×** | '
      f'{int8_turn:.2f} | {ratio(1, 2):.2f}× | {fp32_turn:.2f} | {ratio(0, 3):.2f}× |')
EOF
done
