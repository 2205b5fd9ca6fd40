#!/usr/bin/env bash
# The one command for a new machine: installs the dependencies, builds ocrserve (Release),
# packages the default PP-OCRv4 models into models/ and runs end-to-end OCR on a sample image,
# writing out/demo.json and out/demo.png. Running it again reuses what is already there.
set -euo pipefail
cd "$(dirname "$0")"
sample=${1:-examples/demo_text_ocr.jpg}

scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DOCRSERVE_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
scripts/package_models.sh build/ocrserve models

mkdir -p out
echo "setup: OCR of $sample"
build/ocrserve infer "$sample" --json out/demo.json --show out/demo.png
echo "setup: ok — results in out/demo.json and out/demo.png; try: build/ocrserve --help"
