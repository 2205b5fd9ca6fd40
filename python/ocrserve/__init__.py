"""ocrserve: text detection, recognition and end-to-end OCR on model packages.

    import cv2, ocrserve
    img = cv2.imread("page.jpg")                      # BGR uint8, HxWx3
    lines = ocrserve.Ocr()(img)                       # [{"polygon", "det_score", "text", "score"}, ...]
    dets = ocrserve.TextDetector("models/ppocr-det")(img)            # float32 (N, 9)
    texts = ocrserve.TextRecognizer("models/ppocr-rec")(img, dets)   # [(text, char_scores), ...]

The classes take mmdeploy's arguments (model_path, device_name="cpu", device_id=0) and return
what mmdeploy_runtime returns; `import mmdeploy_runtime` gives the same classes. Errors: a
missing package or file raises FileNotFoundError, a malformed one or a bad image ValueError,
a device this build cannot run NotImplementedError, anything else RuntimeError.
"""
from ._ocrserve import (
    Ocr,
    TextDetector,
    TextRecognizer,
    __version__,
    default_inference_threads,
    default_models_dir,
)

__all__ = [
    "Ocr",
    "TextDetector",
    "TextRecognizer",
    "default_inference_threads",
    "default_models_dir",
]
