#!/usr/bin/python3
"""Builds the Debian package with CPack, checks what it declares (dependencies a fresh bookworm
resolves from its archive), installs it into an empty root with dpkg (no chroot, no changes
to this machine) and runs the installed command there: it must read the demo image as the build
tree's binary does.

Usage: check_deb.py BUILD_DIR DATA_DIR   (run by ctest as sdk.deb)"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

BUILD = Path(sys.argv.pop(1)).resolve() if __name__ == "__main__" else None
DATA = Path(sys.argv.pop(1)).resolve() if __name__ == "__main__" else None


def run(args, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = Path(tempfile.mkdtemp(prefix="ocrserve-deb-"))
        run(["cpack", "-G", "DEB", "--config", BUILD / "CPackConfig.cmake", "-B", cls.scratch])
        debs = list(cls.scratch.glob("ocrserve_*.deb"))
        assert len(debs) == 1, debs
        cls.deb = debs[0]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def field(self, name):
        return run(["dpkg-deb", "--field", self.deb, name]).strip()

    def test_control_fields(self):
        self.assertEqual(self.field("Package"), "ocrserve")
        self.assertEqual(self.field("Version"), "0.1.0")
        self.assertEqual(self.field("Architecture"), "amd64")
        depends = self.field("Depends")
        for library in ["libopencv-core406", "libopencv-imgproc406", "libzip4", "libspdlog1.10", "libc6"]:
            self.assertIn(library, depends)
        # ONNX Runtime travels inside the package; no Debian package provides it.
        self.assertNotIn("onnxruntime", depends)
        contents = run(["dpkg-deb", "--contents", self.deb])
        for path in ["./usr/bin/ocrserve", "./usr/lib/libocrserve.so.0.1.0", "./usr/lib/ocrserve/libonnxruntime.so.1",
                     "./usr/include/mmdeploy/text_detector.h", "./usr/lib/pkgconfig/ocrserve.pc",
                     "./usr/share/ocrserve/models/ppocr-rec/deploy.json"]:
            self.assertIn(path, contents)

    def test_dependencies_resolve_from_the_debian_archive(self):
        # apt's own solver, in simulation: every Depends is a package bookworm has.
        result = subprocess.run(["apt-get", "install", "--simulate", "-qq", str(self.deb)], capture_output=True,
                                text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("Inst ocrserve", result.stdout)

    def test_installed_into_an_empty_root_reads_the_demo_image(self):
        root = self.scratch / "root"
        (root / "var/lib/dpkg/updates").mkdir(parents=True)
        (root / "var/lib/dpkg/info").mkdir()
        (root / "var/lib/dpkg/status").write_text("")
        # The empty root has none of the dependencies; this machine has them (checked above).
        run(["dpkg", f"--root={root}", "--force-depends", "--force-not-root", "--force-script-chrootless",
             "--log=/dev/null", "--install", self.deb])
        self.assertIn("ocrserve", run(["dpkg", f"--root={root}", "--list", "ocrserve"]))
        env = {k: v for k, v in os.environ.items() if k not in ("OCRSERVE_MODELS", "LD_LIBRARY_PATH")}
        image = DATA / "mmocr/demo/demo_text_det.jpg"
        out = self.scratch / "installed.json"
        run([root / "usr/bin/ocrserve", "infer", image, "--json", out], env=env, cwd=self.scratch)
        reference = self.scratch / "build.json"
        run([BUILD / "ocrserve", "infer", image, "--json", reference], env=env, cwd=BUILD)
        installed = json.loads(out.read_text())
        self.assertEqual([line["text"] for line in installed], [line["text"] for line in json.loads(reference.read_text())])
        self.assertIn("Octavia Hill", [line["text"] for line in installed])


if __name__ == "__main__":
    unittest.main(verbosity=2)
