"""A program written for mmdeploy's Python SDK, as its OCR demo uses it: the test runs it
against the mmdeploy_runtime module of this package to show such programs run unchanged.

    python3 mmdeploy_ocr_demo.py cpu IMAGE --textdet DET_MODEL [--textrecog REC_MODEL]
    python3 mmdeploy_ocr_demo.py cpu LINE_IMAGE --textrecog REC_MODEL

Prints the boxes' shape, then the recogniser's output (a Python literal), and draws the boxes
into boxes.png in the working directory.
"""
import argparse
import sys

import cv2
from mmdeploy_runtime import TextDetector, TextRecognizer


def main():
    parser = argparse.ArgumentParser(description="text detection and recognition with mmdeploy_runtime")
    parser.add_argument("device_name", help="cpu or cuda")
    parser.add_argument("image_path")
    parser.add_argument("--textdet", default="", help="text detection SDK model directory")
    parser.add_argument("--textrecog", default="", help="text recognition SDK model directory")
    args = parser.parse_args()

    image = cv2.imread(args.image_path)
    if image is None:
        sys.exit(f"cannot read {args.image_path}")

    if args.textdet:
        detector = TextDetector(model_path=args.textdet, device_name=args.device_name, device_id=0)
        boxes = detector(image)
        print(f"boxes: {boxes.shape}")
        if len(boxes):
            corners = (boxes[:, 0:8] + 0.5).reshape(len(boxes), -1, 2).astype(int)
            picture = image.copy()
            cv2.polylines(picture, corners, True, (0, 0, 255), 2)
            cv2.imwrite("boxes.png", picture)
            if args.textrecog:
                recognizer = TextRecognizer(model_path=args.textrecog, device_name=args.device_name, device_id=0)
                print(recognizer(image, boxes.flatten().tolist()))
    elif args.textrecog:
        recognizer = TextRecognizer(model_path=args.textrecog, device_name=args.device_name, device_id=0)
        print(recognizer(image))


if __name__ == "__main__":
    main()
