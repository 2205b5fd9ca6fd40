#!/usr/bin/env bash
# The test command: installs what is missing, builds the test tree with AddressSanitizer and
# UndefinedBehaviorSanitizer, packages the default models if needed, and runs every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${OCRSERVE_TEST_BUILD:-build-test}

# Every sanitized run, packaging the models included, uses these.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

scripts/install_deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOCRSERVE_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
scripts/package_models.sh "$build/ocrserve" models

cd "$build"
# Tests labelled slow (SATRN's parity) run only when asked: OCRSERVE_SLOW_TESTS=1 scripts/test.sh
exclude=(-LE slow)
[ "${OCRSERVE_SLOW_TESTS:-0}" = 1 ] && exclude=()
ctest --output-on-failure -j2 --timeout 900 "${exclude[@]}"
