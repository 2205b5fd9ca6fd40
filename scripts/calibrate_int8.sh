#!/usr/bin/env bash
# Measures the activation ranges of the default int8 packages again, into
# tools/convert/calibration (which scripts/package_models.sh quantises with), on real receipts,
# forms, scenes and plates: the dev sets of ../shared/data/dev by default.
# Usage: scripts/calibrate_int8.sh OCRSERVE_BINARY [IMAGES...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: calibrate_int8.sh OCRSERVE_BINARY [IMAGES...]}
shift
dev="$root/../shared/data/dev"
images=("$@")
[ ${#images[@]} -gt 0 ] || images=("$dev/sroie/images" "$dev/funsd/images" "$dev/icdar15/images" "$dev/zh/images")
assets="$root/third_party/ocr-models/assets"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

calibrate() {
  local preset=$1 onnx=$2; shift 2
  "$bin" package --preset "$preset" --onnx "$assets/$onnx" "$@" --quantize int8 --calibrate "${images[@]}" \
    --save-ranges "$root/tools/convert/calibration/$preset.json" --output "$scratch/$preset"
}
calibrate ppocr-det ch_PP-OCRv4_det_infer.onnx
calibrate ppocr-rec ch_PP-OCRv4_rec_infer.onnx --dict "$assets/ppocr_keys_v1.txt"
calibrate ppocr-cls ch_ppocr_mobile_v2.0_cls_infer.onnx
