#!/usr/bin/env bash
# Packages the PP-OCRv4 ONNX models fetched by install_deps.sh as mmdeploy SDK model
# directories: models/ppocr-det, models/ppocr-rec (with its dictionary), models/ppocr-cls, and
# their int8 variants models/ppocr-{det,rec,cls}-int8, quantised with the activation ranges kept
# in tools/convert/calibration (scripts/calibrate_int8.sh measures them again).
# Usage: scripts/package_models.sh OCRSERVE_BINARY [MODELS_DIR]. A package already there is kept
# unless this binary's preset writes a different pipeline.json (new defaults replace old ones) or,
# for an int8 one, its ranges or the quantiser changed since it was written.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: package_models.sh OCRSERVE_BINARY [MODELS_DIR]}
out=${2:-$root/models}
assets="$root/third_party/ocr-models/assets"
ranges="$root/tools/convert/calibration"
quantizer="$root/tools/convert/ocrserve_convert/quantize.py"
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT

# package PRESET ONNX [OPTIONS]: models/PRESET and models/PRESET-int8.
package() {
  local preset=$1 onnx=$2; shift 2
  local float=(package --preset "$preset" --onnx "$assets/$onnx" "$@")
  "$bin" "${float[@]}" --output "$fresh/$preset" --force >/dev/null
  if ! up_to_date "$out/$preset" "$fresh/$preset"; then
    "$bin" "${float[@]}" --output "$out/$preset" --force
  fi
  if ! up_to_date "$out/$preset-int8" "$fresh/$preset" || [ "$ranges/$preset.json" -nt "$out/$preset-int8/end2end.onnx" ] ||
     [ "$quantizer" -nt "$out/$preset-int8/end2end.onnx" ]; then
    "$bin" "${float[@]}" --quantize int8 --ranges "$ranges/$preset.json" --output "$out/$preset-int8" --force
  fi
}

# up_to_date PACKAGE FRESH: PACKAGE exists and has FRESH's pipeline.json.
up_to_date() {
  [ -f "$1/deploy.json" ] && [ -f "$1/end2end.onnx" ] && cmp -s "$2/pipeline.json" "$1/pipeline.json"
}

package ppocr-det ch_PP-OCRv4_det_infer.onnx
package ppocr-rec ch_PP-OCRv4_rec_infer.onnx --dict "$assets/ppocr_keys_v1.txt"
package ppocr-cls ch_ppocr_mobile_v2.0_cls_infer.onnx
