"""Fixtures of the Python SDK tests: the test images, the CLI to compare with, loaded models.

Environment:
  OCRSERVE_DATA_DIR  the shared test data (default: ../shared/data beside the repository)
  OCRSERVE_BINARY    the `ocrserve` executable whose results the package must equal
                     (default: `ocrserve` on PATH; the comparisons are skipped without one)
  OCRSERVE_MODELS    where the default packages are (default: the library's, see
                     ocrserve.default_models_dir())
"""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

import ocrserve

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def data_dir():
    folder = pathlib.Path(os.environ.get("OCRSERVE_DATA_DIR", REPO.parent / "shared" / "data"))
    demo = folder / "mmocr" / "demo"
    if not demo.is_dir():
        pytest.fail(f"no test images in {demo}: set OCRSERVE_DATA_DIR to the shared data folder")
    return demo


@pytest.fixture(scope="session")
def models_dir():
    return pathlib.Path(ocrserve.default_models_dir())


class Cli:
    """Runs `ocrserve infer IMAGE [-m MODEL] --json OUT` and returns the parsed JSON."""

    def __init__(self, binary, scratch):
        self.binary = binary
        self.scratch = scratch
        self.results = {}

    def infer(self, image, model=None):
        key = (str(image), str(model))
        if key not in self.results:
            out = self.scratch / f"cli-{len(self.results)}.json"
            command = [self.binary, "infer", str(image), "--json", str(out)]
            if model is not None:
                command[2:2] = ["-m", str(model)]
            run = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300)
            assert run.returncode == 0, f"{' '.join(command)} failed ({run.returncode}): {run.stderr}"
            self.results[key] = json.loads(out.read_text(encoding="utf-8"))
        return self.results[key]


@pytest.fixture(scope="session")
def cli(tmp_path_factory):
    binary = os.environ.get("OCRSERVE_BINARY") or shutil.which("ocrserve")
    if not binary:
        pytest.skip("no ocrserve executable to compare with: set OCRSERVE_BINARY")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"OCRSERVE_BINARY={binary} is not an executable")
    return Cli(binary, tmp_path_factory.mktemp("cli"))


@pytest.fixture(scope="session")
def ocr():
    return ocrserve.Ocr()


@pytest.fixture(scope="session")
def detector(models_dir):
    return ocrserve.TextDetector(str(models_dir / "ppocr-det"))


@pytest.fixture(scope="session")
def recognizer(models_dir):
    return ocrserve.TextRecognizer(str(models_dir / "ppocr-rec"))
