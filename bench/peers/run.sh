#!/usr/bin/env bash
# ocrserve beside its peers on the same images in the same run: @gutenye/ocr-node (npm; the same
# PP-OCRv4 models through onnxruntime-node) and Tesseract 5 (Debian tesseract-ocr).
# Default: a Markdown table of end-to-end OCR images/s on det_toy, detection hmean there (ICDAR
# 2015, IoU 0.5) and recognition CER on rec_toy, with throughput ratios against ocr-node.
# --accuracy: for each dev set (../shared/data/dev) and the MMOCR demo images, line accuracy and
# exact rate (`ocrserve eval --task e2e`, the same scorer for all three) and images/s, one table.
# Usage: bench/peers/run.sh [--accuracy] [BUILD_DIR]   (after setup.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=speed
if [ "${1:-}" = "--accuracy" ]; then mode=accuracy; shift; fi
bin=${1:-$root/build}/ocrserve
data=$root/../shared/data/mmocr
models=$root/models
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v tesseract >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; }
if [ ! -d "$here/node_modules/@gutenye/ocr-node" ]; then
  # onnxruntime-node's install script fetches GPU providers from nuget.org, which is out of reach
  # and not needed: its CPU binaries ship inside the npm package.
  (cd "$here" && npm install --silent --ignore-scripts --no-audit --no-fund --no-save @gutenye/ocr-node@1.4.8)
fi

if [ $mode = accuracy ]; then
  "$here/accuracy.sh" "$bin" "$work"
  exit
fi

scenes=$(ls $data/det_toy/img_*.jpg)
crops=$(ls $data/rec_toy/*.jpg)
py=/usr/bin/python3

# ocrserve: detection and recognition packages, end-to-end OCR without the angle classifier (the peers have none).
"$bin" infer --model $models/ppocr-det $scenes > $work/ocrserve-det.raw
$py -c "import json,sys,os; d=json.load(open(sys.argv[1])); print(json.dumps({os.path.basename(x['image']): [list(zip(b[0:8:2], b[1:8:2])) for b in x['result']['boundary_result']] for x in d}))" $work/ocrserve-det.raw > $work/ocrserve-det.json
"$bin" infer --model $models/ppocr-rec $crops > $work/ocrserve-rec.raw
$py -c "import json,sys,os; d=json.load(open(sys.argv[1])); print(json.dumps({os.path.basename(x['image']): x['result']['text'] for x in d}))" $work/ocrserve-rec.raw > $work/ocrserve-rec.json
"$bin" bench --model $models/ppocr-det --rec $models/ppocr-rec $data/det_toy -n 3 --json $work/ocrserve-bench.json > /dev/null
ocrserve_ips=$($py -c "import json,sys; print(json.load(open(sys.argv[1]))['images_per_second'])" $work/ocrserve-bench.json)

# ocr-node: one process, warm-up call excluded from the timing, three passes as above.
(cd "$here" && node ocr_node.mjs $scenes $scenes $scenes) > $work/node-det.raw
$py -c "import json,sys,os; d=json.load(open(sys.argv[1])); r=d['results'][:10]; print(json.dumps({os.path.basename(x['image']): [l['box'] for l in x['lines']] for x in r}))" $work/node-det.raw > $work/node-det.json
node_ips=$($py -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['results']) / d['seconds'])" $work/node-det.raw)
(cd "$here" && node ocr_node.mjs $crops) > $work/node-rec.raw
$py -c "import json,sys,os; d=json.load(open(sys.argv[1])); print(json.dumps({os.path.basename(x['image']): ''.join(l['text'] for l in x['lines']) for x in d['results']}))" $work/node-rec.raw > $work/node-rec.json

# Tesseract: word boxes from TSV output; one process per image, as it is used.
begin=$(date +%s%N)
for image in $scenes; do tesseract "$image" - tsv 2>/dev/null > "$work/tess-$(basename $image).tsv"; done
tess_ips=$($py -c "print(10 / (($(date +%s%N) - $begin) / 1e9))")
$py - "$work" $scenes > $work/tess-det.json <<'PY'
import csv, json, os, sys
work, images = sys.argv[1], sys.argv[2:]
out = {}
for image in images:
    boxes = []
    with open(f"{work}/tess-{os.path.basename(image)}.tsv") as f:
        for row in csv.DictReader(f, delimiter='\t', quoting=csv.QUOTE_NONE):
            if row['level'] == '5' and row['text'].strip() and float(row['conf']) >= 0:
                x, y, w, h = (int(row[k]) for k in ('left', 'top', 'width', 'height'))
                boxes.append([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
    out[os.path.basename(image)] = boxes
print(json.dumps(out))
PY
$py -c "
import json, os, subprocess, sys
print(json.dumps({os.path.basename(p): subprocess.run(['tesseract', p, '-', '--psm', '7'], capture_output=True, text=True).stdout.strip() for p in sys.argv[1:]}))" $crops > $work/tess-rec.json

echo "machine: $(nproc) cores; $(date -u +%Y-%m-%d); 10 ICDAR 2015 scenes (det_toy), 10 word crops (rec_toy)"
echo
echo "| system | OCR images/s | vs ocr-node | detection hmean | recognition CER |"
echo "|---|---|---|---|---|"
for system in ocrserve node tess; do
  case $system in ocrserve) name="ocrserve (PP-OCRv4, ONNX Runtime C++)"; ips=$ocrserve_ips;;
                  node) name="@gutenye/ocr-node 1.4.8 (PP-OCRv4, onnxruntime-node)"; ips=$node_ips;;
                  tess) name="Tesseract $(tesseract --version 2>&1 | head -1 | cut -d' ' -f2)"; ips=$tess_ips;; esac
  scores=$($py "$here/score.py" "$data" $work/$system-det.json $work/$system-rec.json)
  $py -c "
import json, sys
s = json.loads(sys.argv[1])
print(f\"| {sys.argv[2]} | {float(sys.argv[3]):.2f} | {float(sys.argv[3]) / float(sys.argv[4]):.2f}x | {s['det_hmean']:.3f} | {s['cer']:.3f} |\")" "$scores" "$name" $ips $node_ips
done
