#!/usr/bin/env bash
# Packages the PP-OCRv4 ONNX models fetched by install_deps.sh as mmdeploy SDK model
# directories: models/ppocr-det, models/ppocr-rec (with its dictionary), models/ppocr-cls.
# Usage: scripts/package_models.sh OCRSERVE_BINARY [MODELS_DIR]. A package already there is kept
# unless this binary's preset writes a different pipeline.json (new defaults replace old ones).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: package_models.sh OCRSERVE_BINARY [MODELS_DIR]}
out=${2:-$root/models}
assets="$root/third_party/ocr-models/assets"
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT

package() {
  local preset=$1 onnx=$2; shift 2
  "$bin" package --preset "$preset" --onnx "$assets/$onnx" --output "$fresh/$preset" --force "$@" >/dev/null
  if [ -f "$out/$preset/deploy.json" ] && [ -f "$out/$preset/end2end.onnx" ] &&
     cmp -s "$fresh/$preset/pipeline.json" "$out/$preset/pipeline.json"; then
    return
  fi
  "$bin" package --preset "$preset" --onnx "$assets/$onnx" --output "$out/$preset" --force "$@"
}
package ppocr-det ch_PP-OCRv4_det_infer.onnx
package ppocr-rec ch_PP-OCRv4_rec_infer.onnx --dict "$assets/ppocr_keys_v1.txt"
package ppocr-cls ch_ppocr_mobile_v2.0_cls_infer.onnx
