"""mmdeploy_runtime on ocrserve: programs written for mmdeploy's Python SDK run unchanged.

    from mmdeploy_runtime import TextDetector, TextRecognizer

Only the text detector and recogniser exist here; they are ocrserve's classes.
"""
from ocrserve import TextDetector, TextRecognizer

__all__ = ["TextDetector", "TextRecognizer"]
