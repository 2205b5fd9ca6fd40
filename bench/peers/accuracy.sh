#!/usr/bin/env bash
# The accuracy mode of run.sh (which installs the peers first): ocrserve's default end-to-end
# pipeline, @gutenye/ocr-node and Tesseract on each dev set and the MMOCR demo images, in one run.
# Every system's output is scored by the same `ocrserve eval --task e2e --predictions`.
# Usage: accuracy.sh OCRSERVE_BINARY WORK_DIR [OCRSERVE_OPTIONS...] (options go to infer and bench)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$1 work=$2
shift 2
dev=$root/../shared/data/dev
mmocr=$root/../shared/data/mmocr
py=/usr/bin/python3

# name, what eval reads, the images
sets=(sroie funsd icdar15 zh det_toy demo)
dataset_of() { case $1 in det_toy) echo $mmocr/det_toy;; demo) echo $mmocr/demo/labels.tsv;; *) echo $dev/$1;; esac; }
images_of() {
  case $1 in
    det_toy) ls $mmocr/det_toy/img_*.jpg;;
    demo) cut -f1 $mmocr/demo/labels.tsv | sed "s|^|$mmocr/demo/|";;
    *) ls $dev/$1/images/*;;
  esac
}
seconds_since() { $py -c "import sys, time; print(time.time() - float(sys.argv[1]))" "$1"; }
score() {  # system set → "accuracy exact"
  "$bin" eval --task e2e --dataset "$(dataset_of $2)" --predictions "$work/$1-$2.json" --json "$work/$1-$2.score" >/dev/null
  $py -c "import json, sys; d = json.load(open(sys.argv[1])); print(f\"{d['line_accuracy']:.3f} {d['line_exact']:.3f}\")" "$work/$1-$2.score"
}

echo "machine: $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M'); ocrserve options: ${*:-(defaults)}; Tesseract: -l eng, one process per image"
echo
echo "| set | images | ocrserve acc / exact | ocr-node acc / exact | Tesseract acc / exact | ocrserve img/s | ocr-node img/s | Tesseract img/s | ocrserve ÷ ocr-node |"
echo "|---|---|---|---|---|---|---|---|---|"
for set in "${sets[@]}"; do
  mapfile -t images < <(images_of $set)
  # ocrserve: results from infer, speed from bench (one warm-up pass, then one timed pass).
  "$bin" infer -t 2 "$@" "${images[@]}" --json "$work/ocrserve-$set.json" >/dev/null
  "$bin" bench -t 2 "$@" --warmup 1 -n 1 "${images[@]}" --json "$work/ocrserve-$set.bench" >/dev/null
  ocrserve_ips=$($py -c "import json, sys; print(json.load(open(sys.argv[1]))['images_per_second'])" "$work/ocrserve-$set.bench")
  # ocr-node: one process, its warm-up call excluded from the timing.
  (cd "$here" && node ocr_node.mjs "${images[@]}") > "$work/node-$set.raw"
  $py "$here/to_ocr_json.py" node "$work/node-$set.raw" > "$work/node-$set.json"
  node_ips=$($py -c "import json, sys; d = json.load(open(sys.argv[1])); print(len(d['results']) / d['seconds'])" "$work/node-$set.raw")
  # Tesseract: one process per image, as it is used.
  mkdir -p "$work/tess-$set"
  begin=$($py -c "import time; print(time.time())")
  for image in "${images[@]}"; do tesseract "$image" - -l eng tsv 2>/dev/null > "$work/tess-$set/$(basename "$image").tsv"; done
  tess_ips=$($py -c "import sys; print(int(sys.argv[1]) / float(sys.argv[2]))" ${#images[@]} "$(seconds_since $begin)")
  $py "$here/to_ocr_json.py" tesseract "$work/tess-$set" "${images[@]}" > "$work/tess-$set.json"

  read -r oa oe <<<"$(score ocrserve $set)"
  read -r na ne <<<"$(score node $set)"
  read -r ta te <<<"$(score tess $set)"
  $py -c "
import sys
s, n, oa, oe, na, ne, ta, te, oi, ni, ti = sys.argv[1:]
print(f'| {s} | {n} | {oa} / {oe} | {na} / {ne} | {ta} / {te} | {float(oi):.2f} | {float(ni):.2f} | {float(ti):.2f} | {float(oi) / float(ni):.2f}x |')" \
    $set ${#images[@]} $oa $oe $na $ne $ta $te $ocrserve_ips $node_ips $tess_ips
done
