#!/usr/bin/python3
"""Runs the sh blocks of docs/kserve.md as written, in order, in a folder laid out like the
repository after ./setup.sh, as serving_examples_test.py does for docs/serving.md. A `$ command`
must print what the doc shows after it: each line's pieces between "..." appear in its output.

Usage: kserve_examples_test.py SOURCE_DIR BUILD_DIR   (run by ctest as docs.kserve_examples)"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from serving_examples_test import ScriptRunner, sh_blocks, shown_examples  # noqa: E402

SOURCE = Path(sys.argv.pop(1)).resolve() if __name__ == "__main__" else None
BUILD = Path(sys.argv.pop(1)).resolve() if __name__ == "__main__" else None


class KServeExamples(ScriptRunner, unittest.TestCase):
    def test_every_example_runs_as_written(self):
        blocks = sh_blocks((SOURCE / "docs/kserve.md").read_text())
        self.assertGreaterEqual(len(blocks), 6)
        home = Path(tempfile.mkdtemp(prefix="ocrserve-kserve-"))
        env = {k: v for k, v in os.environ.items() if k not in ("OCRSERVE_MODELS", "CURL_HOME")}
        env["TMPDIR"] = str(home)  # the server's pid file: another test's server is not ours to stop
        env["CURL_HOME"] = str(home)
        (home / ".curlrc").write_text("fail-with-body\nsilent\nshow-error\n")
        shown_lines = 0
        try:
            (home / "build").symlink_to(BUILD)
            (home / "examples").symlink_to(SOURCE / "examples")
            try:
                for block in blocks:
                    examples = shown_examples(block)
                    if not examples:
                        self.run_script(block, home, env)
                        continue
                    for command, shown in examples:
                        output = self.run_script(command, home, env)
                        for line in shown:
                            for piece in line.split("..."):
                                self.assertIn(piece.strip(), output, command)
                            shown_lines += 1
            finally:
                subprocess.run([BUILD / "ocrserve", "stop"], cwd=home, env=env, capture_output=True)
            self.assertGreaterEqual(shown_lines, 5)
        finally:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
