#!/usr/bin/python3
"""Runs README.md's tour exactly as written, in a fresh folder laid out like the repository after
./setup.sh: build/ is the tested build, models/, examples/ and third_party/ are the repository's.
Each command must succeed, and the ones whose output the README describes must print it. The
first command block of docs/evaluation.md (on examples/) and the one of docs/models.md's "int8
packages" run the same way.

Usage: readme_tour_test.py SOURCE_DIR BUILD_DIR   (run by ctest as docs.readme_tour)"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE = Path(sys.argv.pop(1)).resolve() if __name__ == "__main__" else None
BUILD = Path(sys.argv.pop(1)).resolve() if __name__ == "__main__" else None

# What a command's output must hold (a substring of the command → substrings of its stdout).
EXPECTED = {
    "infer examples/demo_text_ocr.jpg": ['"text": "ALL YEAR"'],
    "--precision int8 examples/demo_text_ocr.jpg": ['"text": "ALL YEAR"'],
    "--quantize int8 --calibrate examples": ["calibrating on 3 images", "in int8 kernels"],
    "--model models/ppocr-det examples": ['"boundary_result"'],
    "--model models/ppocr-rec examples": ['"text": "STAR"', '"score": 0.93961'],
    "8080/predictions/dbnet": ['"boundary_result"'],
    "8081/models": ['"modelName": "dbnet"'],
    "8082/metrics": ['ts_inference_requests_total{'],
    "eval --task e2e": ["line_accuracy"],
    "bench examples": ["images/s"],
}


def tour_commands(readme):
    block = re.search(r"## A 30-second tour.*?```sh\n(.*?)```", readme, re.S).group(1)
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


def sh_commands(block):
    """The commands of a ```sh block: continuation lines joined, comment lines left out."""
    return [line.strip() for line in block.replace("\\\n", " ").splitlines()
            if line.strip() and not line.strip().startswith("#")]


def fresh_home():
    """A folder laid out like the repository after ./setup.sh, and the environment to run in it."""
    home = Path(tempfile.mkdtemp(prefix="ocrserve-tour-"))
    env = {k: v for k, v in os.environ.items() if k != "OCRSERVE_MODELS"}
    env["TMPDIR"] = str(home)  # the server's pid file: another test's server is not ours to stop
    (home / "build").symlink_to(BUILD)
    (home / "examples").symlink_to(SOURCE / "examples")
    (home / "third_party").symlink_to(SOURCE / "third_party")
    (home / "models").mkdir()
    for package in ("ppocr-det", "ppocr-rec", "ppocr-cls", "ppocr-det-int8", "ppocr-rec-int8", "ppocr-cls-int8"):
        (home / "models" / package).symlink_to(SOURCE / "models" / package)
    return home, env


class EvaluationExamples(unittest.TestCase):
    def test_the_examples_block_of_docs_evaluation_md_runs_as_written(self):
        block = re.search(r"```sh\n(.*?)```", (SOURCE / "docs/evaluation.md").read_text(), re.S).group(1)
        commands = sh_commands(block)
        self.assertTrue(commands and all("examples/" in command for command in commands), commands)
        home, env = fresh_home()
        try:
            scores = []
            for command in commands:
                result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=home, env=env,
                                        capture_output=True, text=True, timeout=600)
                self.assertEqual(result.returncode, 0, f"{command}\n{result.stderr[-2000:]}")
                if " eval " in command:
                    scores.append(re.search(r"line_accuracy +([0-9.]+)", result.stdout).group(1))
            # Saved results scored with --predictions read as the same pipeline run by eval.
            self.assertEqual(len(scores), 2)
            self.assertEqual(scores[0], scores[1])
        finally:
            shutil.rmtree(home, ignore_errors=True)


class Int8Examples(unittest.TestCase):
    def test_the_int8_block_of_docs_models_md_runs_as_written(self):
        section = (SOURCE / "docs/models.md").read_text().split("## int8 packages", 1)[1]
        commands = sh_commands(re.search(r"```sh\n(.*?)```", section, re.S).group(1))
        self.assertEqual(len(commands), 5, commands)
        home, env = fresh_home()
        try:
            for command in commands:
                result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=home, env=env,
                                        capture_output=True, text=True, timeout=600)
                self.assertEqual(result.returncode, 0, f"{command}\n{result.stderr[-2000:]}")
                if "--precision int8" in command:
                    self.assertIn('"text": "ALL YEAR"', result.stdout)
            self.assertTrue((home / "det-ranges.json").exists())
            self.assertIn('"INT8"', (home / "my-det-int8/deploy.json").read_text())
            self.assertIn('"INT8"', (home / "crnn-int8/deploy.json").read_text())
        finally:
            shutil.rmtree(home, ignore_errors=True)


class ReadmeTour(unittest.TestCase):
    def test_every_command_runs_as_written(self):
        commands = tour_commands((SOURCE / "README.md").read_text())
        self.assertGreaterEqual(len(commands), 15)
        home, env = fresh_home()
        try:
            seen = set()
            try:
                for command in commands:
                    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=home, env=env,
                                            capture_output=True, text=True, timeout=600)
                    self.assertEqual(result.returncode, 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
                    for key, wanted in EXPECTED.items():
                        if key in command:
                            seen.add(key)
                            for text in wanted:
                                self.assertIn(text, result.stdout, command)
            finally:
                subprocess.run([BUILD / "ocrserve", "stop"], cwd=home, env=env, capture_output=True)
            self.assertEqual(seen, set(EXPECTED))
            for made in ["ocr.png", "result.json", "my-det/deploy.json", "my-det-int8/deploy.json", "mmdeploy_models/dbnet/end2end.onnx",
                         "checkpoints/dbnet.mar", "compare.png"]:
                self.assertTrue((home / made).exists(), made)
        finally:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
