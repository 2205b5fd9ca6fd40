"""The Python package against the CLI: the same models on the same images give the same results.

Run from the repository root: python3 -m pytest -q python/tests (see python/README.md).
"""
import ast
import os
import pathlib
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import mmdeploy_runtime
import ocrserve
from helpers import read_bgr

POLYGON_TOLERANCE = 1e-3  # pixels
SCORE_TOLERANCE = 1e-5

IMAGES = ["demo_text_ocr.jpg", "demo_text_det.jpg"]


def assert_lines_equal(got, expected):
    """Ocr lines (dicts) equal `ocrserve infer --json` lines: same order, texts, scores, polygons."""
    assert [line["text"] for line in got] == [line["text"] for line in expected]
    for g, e in zip(got, expected):
        assert set(g) == {"polygon", "det_score", "text", "score"}
        assert np.allclose(g["polygon"], e["polygon"], rtol=0, atol=POLYGON_TOLERANCE), (g, e)
        assert g["det_score"] == pytest.approx(e["det_score"], abs=SCORE_TOLERANCE)
        assert g["score"] == pytest.approx(e["score"], abs=SCORE_TOLERANCE)


def matching_row(dets, polygon):
    """The index of the detector row whose 4 corners are `polygon` (flat x, y list), or None."""
    if len(polygon) != 8 or len(dets) == 0:
        return None
    distance = np.abs(dets[:, :8] - np.asarray(polygon, dtype=np.float32)).max(axis=1)
    best = int(distance.argmin())
    return best if distance[best] <= POLYGON_TOLERANCE else None


# --- end to end ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", IMAGES)
def test_ocr_equals_cli(ocr, cli, data_dir, name):
    lines = ocr(read_bgr(data_dir / name))
    assert lines, "no text found"
    assert_lines_equal(lines, cli.infer(data_dir / name))


def test_ocr_batch_equals_single(ocr, data_dir):
    images = [read_bgr(data_dir / name) for name in IMAGES]
    batch = ocr.batch(images)
    assert len(batch) == len(images)
    for image, lines in zip(images, batch):
        assert_lines_equal(lines, ocr(image))
    assert ocr.batch([]) == []


def test_ocr_with_explicit_packages(models_dir, data_dir, ocr):
    explicit = ocrserve.Ocr(models_dir / "ppocr-det", str(models_dir / "ppocr-rec"), device_name="cpu", device_id=0)
    image = read_bgr(data_dir / "demo_text_ocr.jpg")
    assert_lines_equal(explicit(image), ocr(image))


# --- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", IMAGES)
def test_detector_equals_cli(detector, cli, models_dir, data_dir, name):
    dets = detector(read_bgr(data_dir / name))
    expected = cli.infer(data_dir / name, model=models_dir / "ppocr-det")["boundary_result"]
    assert isinstance(dets, np.ndarray) and dets.dtype == np.float32
    assert dets.shape == (len(expected), 9)
    assert len(expected) > 0
    for row, boundary in zip(dets, expected):
        assert len(boundary) == 9, "the default detector gives 4-point boxes"
        assert np.allclose(row[:8], boundary[:8], rtol=0, atol=POLYGON_TOLERANCE)
        assert row[8] == pytest.approx(boundary[8], abs=SCORE_TOLERANCE)


def test_detector_corners_clockwise_from_top_left(detector, data_dir):
    dets = detector(read_bgr(data_dir / "demo_text_det.jpg"))
    for row in dets:
        corners = row[:8].reshape(4, 2)
        sums = corners.sum(axis=1)
        assert sums.argmin() == 0
        # Shoelace in image coordinates (y down): clockwise on screen is a positive area.
        x, y = corners[:, 0], corners[:, 1]
        assert 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) > 0


def test_detector_batch_equals_single(detector, data_dir):
    images = [read_bgr(data_dir / name) for name in IMAGES]
    batch = detector.batch(images)
    assert len(batch) == 2
    for image, dets in zip(images, batch):
        np.testing.assert_array_equal(dets, detector(image))
    # mmdeploy's older API: a list in, a list out.
    np.testing.assert_array_equal(detector([images[0]])[0], batch[0])


def test_blank_image_has_no_text(detector, ocr):
    blank = np.full((64, 200, 3), 255, np.uint8)
    assert detector(blank).shape == (0, 9)
    assert ocr(blank) == []


# --- recognition -----------------------------------------------------------------------------


def test_recognizer_boxes_equal_ocr_lines(detector, recognizer, ocr, data_dir):
    """Each line Ocr keeps is a detector box; recognising that box gives the line's text."""
    image = read_bgr(data_dir / "demo_text_ocr.jpg")
    dets = detector(image)
    results = recognizer(image, dets.flatten().tolist())  # as mmdeploy's demo calls it
    assert isinstance(results, list) and len(results) == len(dets)
    lines = ocr(image)
    assert lines
    for line in lines:
        row = matching_row(dets, line["polygon"])
        assert row is not None, f"no detector box for {line}"
        text, scores = results[row]
        assert text == line["text"]
        assert len(scores) == len(text)
        assert float(np.mean(scores)) == pytest.approx(line["score"], abs=SCORE_TOLERANCE)
        assert dets[row, 8] == pytest.approx(line["det_score"], abs=SCORE_TOLERANCE)
    # The boxes as an array, with or without the scores, give the same.
    assert recognizer(image, dets) == results
    assert recognizer(image, dets[:, :8]) == results
    assert recognizer(image, []) == []


def test_recognizer_whole_image_equals_cli(recognizer, cli, models_dir, data_dir):
    path = data_dir / "demo_text_recog.jpg"
    text, scores = recognizer(read_bgr(path))
    expected = cli.infer(path, model=models_dir / "ppocr-rec")
    assert text == expected["text"]
    assert isinstance(scores, list) and len(scores) == len(text)
    assert float(np.mean(scores)) == pytest.approx(expected["score"], abs=SCORE_TOLERANCE)


def test_recognizer_batch(recognizer, data_dir):
    line = read_bgr(data_dir / "demo_text_recog.jpg")
    single = recognizer(line)
    assert recognizer.batch([line, line]) == [single, single]
    assert recognizer([line]) == [single]
    assert recognizer.batch([]) == []


# --- images ----------------------------------------------------------------------------------


def test_image_layouts(detector, data_dir):
    image = read_bgr(data_dir / "demo_text_det.jpg")
    # Every other row: a view whose rows are apart, used in place.
    np.testing.assert_array_equal(detector(image[::2]), detector(np.ascontiguousarray(image[::2])))
    # Channels reversed twice: a view whose pixels are not packed, copied first.
    np.testing.assert_array_equal(detector(image[:, :, ::-1][:, :, ::-1]), detector(image))
    # Read-only memory (np.frombuffer, mmap) is only read.
    frozen = image.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(detector(frozen), detector(image))
    # Grayscale, HxW and HxWx1, is read as BGR with three equal channels.
    gray = image[:, :, 1]
    expected = detector(np.repeat(gray[:, :, None], 3, axis=2))
    np.testing.assert_array_equal(detector(gray), expected)
    np.testing.assert_array_equal(detector(gray[:, :, None]), expected)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((32, 32, 3), np.float32), "uint8"),
        (np.zeros((32, 32, 4), np.uint8), "shape"),
        (np.zeros((2, 32, 32, 3), np.uint8), "shape"),
        (np.zeros((0, 32, 3), np.uint8), "empty"),
        ("image.jpg", "ndarray"),
    ],
)
def test_bad_images_are_value_errors(detector, recognizer, ocr, bad, message):
    for model in (detector, recognizer, ocr):
        with pytest.raises(ValueError, match=message):
            model(bad)
    with pytest.raises(ValueError, match=message):
        detector.batch([np.zeros((8, 8, 3), np.uint8), bad])


@pytest.mark.parametrize("bboxes", [[1.0] * 8, [[1, 2, 3]], "boxes", [float("nan")] * 9])
def test_bad_boxes_are_value_errors(recognizer, bboxes):
    with pytest.raises(ValueError, match="bboxes"):
        recognizer(np.zeros((32, 100, 3), np.uint8), bboxes)


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [ocrserve.TextDetector, ocrserve.TextRecognizer])
def test_missing_package_is_file_not_found(tmp_path, kind):
    missing = tmp_path / "no-such-model"
    with pytest.raises(FileNotFoundError, match="no-such-model"):
        kind(str(missing))
    with pytest.raises(FileNotFoundError, match="no-such-model"):
        ocrserve.Ocr(det_model_path=missing)


def test_cuda_is_not_supported(models_dir):
    with pytest.raises(NotImplementedError, match="cuda"):
        ocrserve.TextDetector(str(models_dir / "ppocr-det"), "cuda", 0)
    with pytest.raises(NotImplementedError, match="cuda"):
        ocrserve.Ocr(device_name="cuda")


def test_wrong_package_kind(models_dir, data_dir):
    # A recognition package given as the detector: refused when loading, with what it is.
    with pytest.raises(ValueError):
        ocrserve.TextDetector(str(models_dir / "ppocr-rec"))


# --- threads ---------------------------------------------------------------------------------


def test_gil_released_during_inference(detector, data_dir):
    """While one thread runs the detector, another keeps running Python code."""
    image = read_bgr(data_dir / "demo_text_det.jpg")
    images = [image] * 3
    done = threading.Event()
    span = {}

    def work():
        start = time.perf_counter()
        detector.batch(images)
        span["inference"] = time.perf_counter() - start
        done.set()

    worker = threading.Thread(target=work)
    longest_gap = 0.0
    last = time.perf_counter()
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        longest_gap = max(longest_gap, now - last)
        last = now
    worker.join()
    # Holding the GIL would stop this loop for the whole inference.
    assert longest_gap < 0.5 * span["inference"], (longest_gap, span["inference"])


def test_one_object_from_two_threads(detector, data_dir):
    image = read_bgr(data_dir / "demo_text_ocr.jpg")
    expected = detector(image)
    results = [None, None]

    def work(i):
        results[i] = detector(image)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for result in results:
        np.testing.assert_array_equal(result, expected)


# --- mmdeploy_runtime ------------------------------------------------------------------------


def test_mmdeploy_runtime_is_ocrserve():
    assert mmdeploy_runtime.TextDetector is ocrserve.TextDetector
    assert mmdeploy_runtime.TextRecognizer is ocrserve.TextRecognizer


def test_mmdeploy_demo_runs_unchanged(ocr, models_dir, data_dir, tmp_path):
    """A program written for mmdeploy_runtime prints the texts Ocr reads, box by box."""
    image = data_dir / "demo_text_ocr.jpg"
    demo = pathlib.Path(__file__).with_name("mmdeploy_ocr_demo.py")
    command = [sys.executable, str(demo), "cpu", str(image), "--textdet", str(models_dir / "ppocr-det"),
               "--textrecog", str(models_dir / "ppocr-rec")]
    run = subprocess.run(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ), timeout=300)
    assert run.returncode == 0, run.stderr
    printed = run.stdout.strip().splitlines()
    assert printed[0].startswith("boxes: (")
    results = ast.literal_eval(printed[-1])
    assert (tmp_path / "boxes.png").is_file()

    dets = ocrserve.TextDetector(str(models_dir / "ppocr-det"))(read_bgr(image))
    assert len(results) == len(dets)
    lines = ocr(read_bgr(image))
    for line in lines:
        row = matching_row(dets, line["polygon"])
        assert row is not None
        assert results[row][0] == line["text"]

    # Its recogniser-only branch: the whole image as one line.
    line_image = data_dir / "demo_text_recog.jpg"
    run = subprocess.run([sys.executable, str(demo), "cpu", str(line_image), "--textrecog",
                          str(models_dir / "ppocr-rec")], cwd=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    text, scores = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    assert text == ocrserve.TextRecognizer(str(models_dir / "ppocr-rec"))(read_bgr(line_image))[0]


def test_polygons_of_more_points_become_their_minimum_rectangle():
    from ocrserve import _ocrserve

    # A tilted hexagon, its vertices counter-clockwise on screen, starting anywhere.
    hexagon = [(60, 40), (40, 20), (30, 10), (0, 10), (10, 30), (40, 40)]
    corners = np.array(_ocrserve._quadrilateral(hexagon), dtype=np.float64)
    assert corners.shape == (4, 2)
    assert corners.sum(axis=1).argmin() == 0
    x, y = corners[:, 0], corners[:, 1]
    assert 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) > 0  # clockwise on screen
    # A rectangle: opposite sides equal, corners right-angled; it holds every vertex.
    sides = np.roll(corners, -1, axis=0) - corners
    assert np.allclose(np.linalg.norm(sides[0]), np.linalg.norm(sides[2]), atol=1e-3)
    assert abs(np.dot(sides[0], sides[1])) < 1e-2
    contour = corners.astype(np.float32).reshape(-1, 1, 2)
    import cv2

    for point in hexagon:
        assert cv2.pointPolygonTest(contour, point, True) >= -1e-3
    # 4 points are the detector's own box, kept as given.
    box = [(1, 2), (9, 2), (9, 5), (1, 5)]
    assert _ocrserve._quadrilateral(box) == [tuple(map(float, p)) for p in box]
