"""What the tests share besides fixtures."""
import cv2


def read_bgr(path):
    """The image as the CLI reads it: BGR, EXIF orientation ignored (as mmcv does)."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    assert image is not None, f"cannot read {path}"
    return image
