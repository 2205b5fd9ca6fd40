#!/usr/bin/python3
"""Installs ocrserve into a fresh prefix, moves the prefix (RPATHs must be relative), builds
programs against it as a user would (CMake find_package and pkg-config) and the Python package,
runs them on the demo images and checks that their results equal the installed `ocrserve infer`'s.

Usage: check_installed_sdk.py BUILD_DIR DATA_DIR   (run by ctest as sdk.installed)"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD = Path(sys.argv.pop(1)).resolve() if __name__ == "__main__" else None
DATA = Path(sys.argv.pop(1)).resolve() if __name__ == "__main__" else None
IMAGES = ["demo_text_ocr.jpg", "demo_text_det.jpg"]


def run(args, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def parse_demo(output):
    """The boxes the mmdeploy-style demos print: [(text, [x0, y0, ...])]."""
    lines = output.splitlines()
    count = int(lines[0].split("=")[1])
    boxes = []
    for i in range(count):
        text = lines[1 + 2 * i].split(": ", 1)[1] if ": " in lines[1 + 2 * i] else ""
        numbers = [float(part.split(": ")[1]) for part in lines[2 + 2 * i].strip().rstrip(",").split(", ")]
        boxes.append((text, numbers))
    return boxes


def same_points(a, b, tolerance=0.011):
    return len(a) == len(b) and all(abs(x - y) <= tolerance for x, y in zip(a, b))


class InstalledSdk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = Path(tempfile.mkdtemp(prefix="ocrserve-sdk-"))
        installed = cls.scratch / "installed"
        run(["cmake", "--install", BUILD, "--prefix", installed])
        # Moved after installing: nothing may point back into the build tree or the first prefix.
        cls.prefix = cls.scratch / "moved-prefix"
        installed.rename(cls.prefix)
        cls.env = {k: v for k, v in os.environ.items() if k not in ("OCRSERVE_MODELS", "LD_LIBRARY_PATH")}
        cls.bin = cls.prefix / "bin/ocrserve"
        cls.models = cls.prefix / "share/ocrserve/models"
        cls.infer = {}
        cls.det = {}
        for name in IMAGES:
            out = cls.scratch / f"{name}.ocr.json"
            run([cls.bin, "infer", DATA / "mmocr/demo" / name, "--json", out], env=cls.env, cwd=cls.scratch)
            cls.infer[name] = json.loads(out.read_text())
            out = cls.scratch / f"{name}.det.json"
            run([cls.bin, "infer", "-m", cls.models / "ppocr-det", DATA / "mmocr/demo" / name, "--json", out],
                env=cls.env, cwd=cls.scratch)
            cls.det[name] = json.loads(out.read_text())["boundary_result"]
        users = cls.scratch / "users"
        run(["cmake", "-S", HERE, "-B", users, f"-DCMAKE_PREFIX_PATH={cls.prefix}", "-DCMAKE_BUILD_TYPE=Release"],
            env=cls.env)
        run(["cmake", "--build", users, "-j2"], env=cls.env)
        cls.users = users

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def test_prefix_layout(self):
        for path in ["bin/ocrserve", "lib/libocrserve.so", "lib/libocrserve.so.0", "lib/ocrserve/libonnxruntime.so.1",
                     "include/ocrserve/ocrserve.hpp", "include/ocrserve/version.hpp", "include/ocrserve/c/ocr.h",
                     "include/mmdeploy/text_recognizer.h", "lib/cmake/ocrserve/ocrserveConfig.cmake",
                     "lib/pkgconfig/ocrserve.pc", "share/ocrserve/models/ppocr-det/deploy.json",
                     "share/ocrserve/models/ocr/det/deploy.json", "share/ocrserve/models/ppocr-rec-int8/deploy.json",
                     "share/ocrserve/models/ocr-int8/rec/deploy.json", "share/ocrserve/convert/ocrserve_convert"]:
            self.assertTrue((self.prefix / path).exists(), path)
        dynamic = run(["readelf", "-d", self.prefix / "lib/libocrserve.so.0"])
        self.assertIn("Library soname: [libocrserve.so.0]", dynamic)
        for binary in ["bin/ocrserve", "lib/libocrserve.so.0"]:
            dynamic = run(["readelf", "-d", self.prefix / binary])
            self.assertIn("$ORIGIN", dynamic)
            self.assertNotIn(str(BUILD), dynamic)
        self.assertEqual(run([self.bin, "--version"], env=self.env).strip(), "ocrserve 0.1.0")

    def test_mmdeploy_c_demo_equals_infer(self):
        for name in IMAGES:
            self.check_demo_output(name, self.users / "mmdeploy_ocr_demo")
        # It draws the boxes as mmdeploy's demo does.
        self.assertTrue((self.scratch / "output_ocr.png").stat().st_size > 1000)

    def test_cpp_demo_equals_infer(self):
        for name in IMAGES:
            self.check_demo_output(name, self.users / "text_ocr")

    def check_demo_output(self, name, program):
        output = run([program, "cpu", self.models / "ppocr-det", self.models / "ppocr-rec", DATA / "mmocr/demo" / name],
                     env=self.env, cwd=self.scratch)
        boxes = parse_demo(output)
        detected = self.det[name]
        self.assertEqual(len(boxes), len(detected), output)
        for (_, points), expected in zip(boxes, detected):
            self.assertTrue(same_points(points, expected[:8]), (points, expected))
        # Every line infer keeps (score >= 0.5, reading order) is one of the demo's boxes, same text.
        self.assertGreater(len(self.infer[name]), 3)
        for line in self.infer[name]:
            matches = [text for text, points in boxes if same_points(points, line["polygon"])]
            self.assertEqual(matches, [line["text"]], line)

    def test_c_program_with_default_models_equals_infer(self):
        import cv2  # Debian python3-opencv
        for name in IMAGES:
            ppm = self.scratch / f"{name}.ppm"
            self.assertTrue(cv2.imwrite(str(ppm), cv2.imread(str(DATA / "mmocr/demo" / name))))
            output = run([self.users / "ocr_c", ppm], env=self.env, cwd=self.scratch)
            lines = [line.split("\t") for line in output.splitlines()]
            expected = self.infer[name]
            self.assertEqual([line[0] for line in lines], [line["text"] for line in expected])
            for line, want in zip(lines, expected):
                self.assertAlmostEqual(float(line[1]), want["score"], places=3)
                points = [float(v) for pair in line[2].split() for v in pair.split(",")]
                self.assertTrue(same_points(points, want["polygon"]), (points, want["polygon"]))

    def test_examples_of_docs_sdk_md(self):
        """Every code block of docs/sdk.md whose first line names a file is built and run."""
        examples = self.scratch / "doc-examples"
        examples.mkdir()
        blocks = re.findall(r"```\w+\n((?://|#) (\S+\.(?:cpp|c|txt))\b[^\n]*\n.*?)```", (HERE / "../../docs/sdk.md").read_text(),
                            re.S)
        self.assertEqual(sorted(name for _, name in blocks), ["CMakeLists.txt", "ocr_demo.cpp", "read_page.cpp"])
        for text, name in blocks:
            (examples / name).write_text(text)
        run(["cmake", "-S", examples, "-B", examples / "build", f"-DCMAKE_PREFIX_PATH={self.prefix}"], env=self.env)
        run(["cmake", "--build", examples / "build", "-j2"], env=self.env)
        image = DATA / "mmocr/demo/demo_text_det.jpg"
        expected = self.infer["demo_text_det.jpg"]
        page = [line.split("\t") for line in run([examples / "build/read_page", image], env=self.env).splitlines()]
        self.assertEqual(page, [[line["text"], f"{line['score']:.3f}"] for line in expected])
        demo = run([examples / "build/ocr_demo", "cpu", self.models / "ppocr-det", self.models / "ppocr-rec", image],
                   env=self.env)
        read = [line.split(": ", 1)[1].rsplit(" (", 1)[0] for line in demo.splitlines()]
        for line in expected:
            self.assertIn(line["text"], read)

    def test_python_package(self):
        """python/ built offline against this prefix; its pytest suite compares with this prefix's infer."""
        env = dict(self.env, OCRSERVE_DATA_DIR=str(DATA), OCRSERVE_BINARY=str(self.bin))
        result = subprocess.run(["bash", HERE / "../../python/tests/run_tests.sh", self.prefix], capture_output=True,
                                text=True, env=env)
        self.assertEqual(result.returncode, 0, result.stdout[-4000:] + result.stderr[-4000:])
        self.assertRegex(result.stdout, r"\d+ passed")
        self.assertNotRegex(result.stdout, r"\d+ (failed|skipped|error)")

    def test_pkg_config_build(self):
        env = dict(self.env, PKG_CONFIG_PATH=str(self.prefix / "lib/pkgconfig"))
        flags = run(["pkg-config", "--cflags", "--libs", "ocrserve"], env=env).split()
        includes = [Path(f[2:]).resolve() for f in flags if f.startswith("-I")]
        self.assertIn((self.prefix / "include").resolve(), includes)
        program = self.scratch / "ocr_c_pkgconfig"
        run(["cc", "-std=c99", "-Wall", "-Werror", HERE / "ocr_c.c", "-o", program, *flags], env=env)
        # A missing package: a status code (5, file not found) and the path in the message.
        result = subprocess.run([program, self.scratch / "x.ppm"], capture_output=True, text=True, env=env)
        self.assertEqual(result.returncode, 1)
        import cv2
        ppm = self.scratch / "small.ppm"
        cv2.imwrite(str(ppm), cv2.imread(str(DATA / "mmocr/demo/demo_text_det.jpg")))
        result = subprocess.run([program, ppm, self.scratch / "no-such-det", self.models / "ppocr-rec"],
                                capture_output=True, text=True, env=env)
        self.assertEqual(result.returncode, 1)
        self.assertIn("create: status 5:", result.stderr)
        self.assertIn("no-such-det", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
