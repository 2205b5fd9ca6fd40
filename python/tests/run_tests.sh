#!/usr/bin/env bash
# Builds the Python package against an installed ocrserve and runs its tests.
#
#   python/tests/run_tests.sh PREFIX [pytest arguments...]
#
# PREFIX is what `cmake --install BUILD --prefix PREFIX` filled. The package is built and
# installed offline (Debian's setuptools and pybind11, no build isolation, no index) into a
# scratch folder that is removed on exit; the source tree is left as it was. Then
# `python3 -m pytest -q python/tests` runs against it, comparing with PREFIX/bin/ocrserve
# (OCRSERVE_BINARY overrides). PYTHON picks the interpreter (default: /usr/bin/python3, whose
# numpy, cv2, pybind11 and pytest are Debian's).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 PREFIX [pytest arguments...]" >&2
  exit 2
fi
prefix=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
package=$(dirname "$here")  # python/
repo=$(dirname "$package")

if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

library=$(ls "$prefix"/lib/libocrserve.so 2>/dev/null || true)
pc_dir="$prefix/lib/pkgconfig"
if [[ -z "$library" || ! -f "$pc_dir/ocrserve.pc" ]]; then
  echo "$0: $prefix has no lib/libocrserve.so and lib/pkgconfig/ocrserve.pc: run cmake --install BUILD --prefix $prefix" >&2
  exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/ocrserve-python.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# A copy of the sources, so that the build (setuptools writes build/ and *.egg-info beside
# setup.py) neither dirties the tree nor reuses objects compiled against another prefix.
mkdir "$scratch/src"
cp -r "$package/setup.py" "$package/pyproject.toml" "$package/src" "$package/ocrserve" "$package/mmdeploy_runtime" \
  "$scratch/src/"
rm -f "$scratch/src/ocrserve/"*.so

echo "-- building the ocrserve Python package against $prefix"
PKG_CONFIG_PATH="$pc_dir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
  "$PYTHON" -m pip install --quiet --no-build-isolation --no-index --no-deps --disable-pip-version-check --root-user-action=ignore \
  --no-cache-dir --target "$scratch/site" "$scratch/src"

export PYTHONPATH="$scratch/site${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
if [[ -z "${OCRSERVE_BINARY:-}" && -x "$prefix/bin/ocrserve" ]]; then
  export OCRSERVE_BINARY="$prefix/bin/ocrserve"
fi
if [[ -z "${OCRSERVE_BINARY:-}" ]]; then
  echo "$0: no $prefix/bin/ocrserve to compare with: set OCRSERVE_BINARY" >&2
  exit 2
fi

# A library built with AddressSanitizer needs its runtime loaded first, before Python's own
# allocations; and libstdc++ with it, or ASan finds no __cxa_throw to wrap (python3 does not
# load libstdc++ itself) and aborts at the first C++ exception. Python keeps objects until exit
# by design, so leaks are not reported.
# ldd's output is read whole first: `ldd | grep -q` under pipefail is false whenever grep exits
# before ldd has written everything (ldd dies of SIGPIPE), which happens under load.
libraries=$(ldd "$library")
if grep -q libasan <<<"$libraries"; then
  stdcxx=$(awk '/libstdc\+\+/ { print $3; exit }' <<<"$libraries")
  LD_PRELOAD="$(gcc -print-file-name=libasan.so)${stdcxx:+:$stdcxx}${LD_PRELOAD:+:$LD_PRELOAD}"
  export LD_PRELOAD
  # Last, so that it wins over a detect_leaks=1 the caller set (scripts/test.sh does).
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi

cd "$repo"
# -p no:cacheprovider: no .pytest_cache written into the tree.
# -u, the fault handler and --capture=sys: should the interpreter die of a signal, even while
# importing conftest.py, what it printed and where it was reach the real stderr.
PYTHONFAULTHANDLER=1 "$PYTHON" -u -m pytest -q --capture=sys -p no:cacheprovider "$package/tests" "$@"
