#!/usr/bin/python3
"""Runs the sh blocks of docs/serving.md as written, in order, in a fresh folder laid out like the
repository after ./setup.sh (as the README tour test does). Each block is one bash script with
`set -e`, and curl fails on an HTTP error status (a curlrc with fail-with-body), so every example
must succeed; the `$ curl` examples must print the texts and keys they show.

Not run: the blocks that need what a test machine lacks (docker) or that tune glibc for a server
started by hand (GLIBC_TUNABLES); they hold no curl command.

Usage: serving_examples_test.py SOURCE_DIR BUILD_DIR   (run by ctest as docs.serving_examples)"""
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
NOT_RUN = ("docker ", "GLIBC_TUNABLES=")


def sh_blocks(markdown):
    return re.findall(r"```sh\n(.*?)```", markdown, re.S)


def shown_examples(block):
    """A `$ command` block: [(command, [lines shown after it])]."""
    examples = []
    for line in block.splitlines():
        if line.startswith("$ "):
            examples.append((line[2:], []))
        elif examples:
            examples[-1][1].append(line)
    return examples


class ScriptRunner:
    """Runs a doc's shell script in `home`; a failing command fails the test with its output."""

    def run_script(self, script, home, env):
        result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=home, env=env, capture_output=True,
                                text=True, timeout=600)
        self.assertEqual(result.returncode, 0, f"{script}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result.stdout


class ServingExamples(ScriptRunner, unittest.TestCase):
    def test_every_example_runs_as_written(self):
        blocks = sh_blocks((SOURCE / "docs/serving.md").read_text())
        runnable = [b for b in blocks if not any(b.lstrip().startswith(p) for p in NOT_RUN)]
        self.assertGreaterEqual(len(runnable), 5)
        self.assertEqual(sum("curl" in b for b in blocks), sum("curl" in b for b in runnable))
        home = Path(tempfile.mkdtemp(prefix="ocrserve-serving-"))
        env = {k: v for k, v in os.environ.items() if k not in ("OCRSERVE_MODELS", "CURL_HOME")}
        env["TMPDIR"] = str(home)  # the server's pid file: another test's server is not ours to stop
        env["CURL_HOME"] = str(home)
        (home / ".curlrc").write_text("fail-with-body\nsilent\nshow-error\n")
        try:
            (home / "build").symlink_to(BUILD)
            (home / "examples").symlink_to(SOURCE / "examples")
            (home / "models").mkdir()
            for package in ("ppocr-det", "ppocr-rec", "ppocr-cls"):
                (home / "models" / package).symlink_to(SOURCE / "models" / package)
            curls = 0
            try:
                for block in runnable:
                    examples = shown_examples(block)
                    if examples:
                        for command, shown in examples:
                            output = self.run_script(command, home, env)
                            curls += command.startswith("curl")
                            for text in re.findall(r'"text": "([^".]+)"', "\n".join(shown)):
                                self.assertIn(f'"text": "{text}"', output, command)
                            for key in re.findall(r'"(\w+)":', "\n".join(shown)):
                                self.assertIn(f'"{key}"', output, command)
                    else:
                        self.run_script(block, home, env)
                        curls += len(re.findall(r"^curl ", block, re.M))
            finally:
                subprocess.run([BUILD / "ocrserve", "stop"], cwd=home, env=env, capture_output=True)
            self.assertGreaterEqual(curls, 15)
            self.assertTrue((home / "compare.png").exists())
        finally:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
