#!/usr/bin/python3
"""Runs the scripts behind docs/benchmarks.md's int8 and overlap tables (bench/int8_bench.sh,
bench/overlap_bench.sh) on a set of two Chinese plates from the dev data: each must print its
table, the plates read as their ground truth says, and every ratio the one of its own columns.
Speeds are not asserted: they are measurements, not properties.

Usage: bench_scripts_test.py SOURCE_DIR OCRSERVE DATA_DIR MODELS_DIR   (ctest: bench.scripts)"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE, OCRSERVE, DATA, MODELS = (Path(arg).resolve() for arg in sys.argv[1:5]) if __name__ == "__main__" else [None] * 4
del sys.argv[1:5]
PLATES = ("ccpd_dev01", "ccpd_dev02")


def rows(table):
    """The table's body rows as lists of cells, the header and rule left out."""
    lines = [line for line in table.splitlines() if line.startswith("|")]
    return [[cell.strip().strip("*").rstrip("×") for cell in line.strip("|").split("|")] for line in lines[2:]]


class BenchScripts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dev = Path(tempfile.mkdtemp(prefix="ocrserve-bench-"))
        for folder in ("images", "gt"):
            (cls.dev / "plates" / folder).mkdir(parents=True)
        for plate in PLATES:
            shutil.copy(DATA / "dev/zh/images" / f"{plate}.jpg", cls.dev / "plates/images")
            shutil.copy(DATA / "dev/zh/gt" / f"gt_{plate}.txt", cls.dev / "plates/gt")
        cls.env = dict(os.environ, OCRSERVE=str(OCRSERVE), DEV=str(cls.dev), OCRSERVE_MODELS=str(MODELS), PAIRS="1")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dev, ignore_errors=True)

    def run_script(self, script, **env):
        result = subprocess.run([SOURCE / "bench" / script, "plates"], env=dict(self.env, **env),
                                capture_output=True, text=True, timeout=600)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        return rows(result.stdout)

    def assertRatio(self, ratio, numerator, denominator):
        # The table rounds each figure to 2 decimals and computes the ratio before rounding.
        expected = float(numerator) / float(denominator)
        self.assertAlmostEqual(float(ratio), expected, delta=0.03 * expected + 0.005)

    def test_int8_bench_prints_accuracy_and_speed_of_both_precisions(self):
        [row] = self.run_script("int8_bench.sh")
        name, acc_fp32, acc_int8, fp32, int8, int8_gain, int8_turn, overlap_int8, fp32_turn, overlap_fp32 = row
        self.assertEqual(name, "plates")
        self.assertEqual((acc_fp32, acc_int8), ("1.0000", "1.0000"))  # both plates read exactly
        self.assertRatio(int8_gain, int8, fp32)
        self.assertRatio(overlap_int8, int8, int8_turn)
        self.assertRatio(overlap_fp32, fp32, fp32_turn)

    def test_overlap_bench_prints_in_turn_overlapped_and_the_processes_bound(self):
        table = self.run_script("overlap_bench.sh", CORES="2")
        self.assertEqual([row[:2] for row in table], [["plates", "fp32"], ["plates", "int8"]])
        for _, _, turn, overlapped, processes, overlap_gain, processes_gain in table:
            self.assertGreater(float(turn), 0)
            self.assertRatio(overlap_gain, overlapped, turn)
            self.assertRatio(processes_gain, processes, turn)


if __name__ == "__main__":
    unittest.main()
