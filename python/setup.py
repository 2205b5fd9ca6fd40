"""Builds the ocrserve Python package against an installed libocrserve.so.

The compiler and linker flags come from pkg-config (ocrserve.pc, installed by
`cmake --install BUILD --prefix PREFIX` under PREFIX/lib/pkgconfig): set PKG_CONFIG_PATH to
that folder, or OCRSERVE_PREFIX to PREFIX. The extension gets an rpath to the library's folder,
so it loads without LD_LIBRARY_PATH. See README.md.
"""
import os
import shlex
import subprocess
import sys

from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import setup

PACKAGE = "ocrserve"


def pkg_config(*args):
    env = dict(os.environ)
    prefix = os.environ.get("OCRSERVE_PREFIX")
    if prefix:
        folders = [os.path.join(prefix, "lib", "pkgconfig"), os.path.join(prefix, "lib64", "pkgconfig")]
        if env.get("PKG_CONFIG_PATH"):
            folders.append(env["PKG_CONFIG_PATH"])
        env["PKG_CONFIG_PATH"] = os.pathsep.join(folders)
    try:
        out = subprocess.run(["pkg-config", *args, PACKAGE], env=env, check=True, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        sys.exit("ocrserve setup: pkg-config is not installed (apt-get install pkg-config)")
    except subprocess.CalledProcessError as e:
        sys.exit("ocrserve setup: pkg-config cannot find ocrserve.pc: install the library "
                 "(cmake --install BUILD --prefix PREFIX) and set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig "
                 "or OCRSERVE_PREFIX=PREFIX\n" + e.stderr.strip())
    return out.stdout.strip()


version = pkg_config("--modversion")
libdir = pkg_config("--variable=libdir")

# Headers from pkg-config (ours, OpenCV's) are system headers: their warnings are not ours.
compile_args = []
for flag in shlex.split(pkg_config("--cflags")):
    compile_args += ["-isystem", flag[2:]] if flag.startswith("-I") else [flag]
# --as-needed: OpenCV's .pc names all its modules; only those used (core, imgproc) are kept.
link_args = ["-Wl,--as-needed"] + shlex.split(pkg_config("--libs")) + ["-Wl,-rpath," + os.path.normpath(libdir)]

extension = Pybind11Extension(
    "ocrserve._ocrserve",
    ["src/module.cpp"],
    cxx_std=20,
    define_macros=[("OCRSERVE_PY_VERSION", '"%s"' % version)],
    extra_compile_args=compile_args,
    extra_link_args=link_args,
)

setup(
    name="ocrserve",
    version=version,
    description="ocrserve: text detection, recognition and end-to-end OCR (Python binding of the C++ SDK)",
    packages=["ocrserve", "mmdeploy_runtime"],
    ext_modules=[extension],
    cmdclass={"build_ext": build_ext},
    python_requires=">=3.8",
    install_requires=["numpy"],
    zip_safe=False,
)
