"""What the tests share besides fixtures."""
import cv2


def read_bgr(path):
    """The image as the CLI reads it: BGR, turned upright as its EXIF orientation says."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"cannot read {path}"
    return image
