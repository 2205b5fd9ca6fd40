"""Runs a pipeline.json transform list on one image in Python, to give the exporter a sample
input and --show its picture. The C++ runtime has its own implementation; parity tests feed
the C++ preprocessed tensor to PyTorch, so small differences here never hide a mismatch."""
import math

import cv2
import numpy as np
import torch


class PreprocessError(ValueError):
    pass


def _rescale_to_height(image, t):
    # MMOCR 1.x's RescaleToHeight: width by the aspect ratio (rounded up), clamped, then rounded
    # to the nearest multiple of width_divisor with Python's round (half to even).
    height, width = image.shape[:2]
    new_width = math.ceil(t['height'] / height * width)
    new_width = max(t.get('min_width') or 0, new_width)
    if t.get('max_width'):
        new_width = min(t['max_width'], new_width)
    divisor = t.get('width_divisor', 1)
    if new_width % divisor != 0:
        new_width = max(round(new_width / divisor) * divisor, divisor)
    return cv2.resize(image, (new_width, t['height']), interpolation=cv2.INTER_LINEAR)


def _resize(image, t):
    # scale (mmcv) and size (mmdeploy's name for the same pair) are both (width, height);
    # keep_ratio defaults to False, as in mmcv's Resize and mmdeploy's SDK.
    pair = t['scale'] if 'scale' in t else t['size']
    w, h = pair if isinstance(pair, (list, tuple)) else (pair, pair)
    if not t.get('keep_ratio', False):
        return cv2.resize(image, (int(w), int(h)), interpolation=cv2.INTER_LINEAR)
    height, width = image.shape[:2]
    factor = min(max(w, h) / max(height, width), min(w, h) / min(height, width))
    size = (int(width * factor + 0.5), int(height * factor + 0.5))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)


def _short_scale(image, t):
    # Test-time ShortScaleAspectJitter: the short side to short_size (the jitter ranges are
    # [1, 1] at test time), each side rounded half up then up to a multiple of scale_divisor.
    if list(t.get('ratio_range', (1, 1))) != [1, 1] or list(t.get('aspect_ratio_range', (1, 1))) != [1, 1]:
        raise PreprocessError('ShortScaleAspectJitter: ratio_range and aspect_ratio_range must be [1, 1]')
    height, width = image.shape[:2]
    scale = t.get('short_size', 736) / min(height, width)
    divisor = t.get('scale_divisor', 1)

    def fit(length):
        return math.ceil(math.floor(scale * length + 0.5) / divisor) * divisor
    return cv2.resize(image, (fit(width), fit(height)), interpolation=cv2.INTER_LINEAR)


def _pad_to(image, height, width):
    out = np.zeros((height, width) + image.shape[2:], dtype=image.dtype)
    out[:image.shape[0], :image.shape[1]] = image
    return out


def run_pipeline(transforms: list, image_path: str):
    """(input tensor [1, C, H, W], (scale_x, scale_y), original (width, height))."""
    image = cv2.imread(image_path, cv2.IMREAD_COLOR)
    if image is None:
        raise PreprocessError(f'{image_path}: cannot read the image')
    original = (image.shape[1], image.shape[0])
    resized = original
    for t in transforms:
        kind = t['type']
        if kind in ('LoadImageFromFile', 'LoadImageFromNDArray'):
            if t.get('color_type') == 'grayscale':
                image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        elif kind == 'Resize':
            image = _resize(image, t)
            resized = (image.shape[1], image.shape[0])
        elif kind == 'RescaleToHeight':
            image = _rescale_to_height(image, t)
            resized = (image.shape[1], image.shape[0])
        elif kind == 'ShortScaleAspectJitter':
            image = _short_scale(image, t)
            resized = (image.shape[1], image.shape[0])
        elif kind == 'PadToWidth':
            if image.shape[1] < t['width']:
                image = _pad_to(image, image.shape[0], t['width'])
        elif kind == 'Normalize':
            image = image.astype(np.float32)
            if t.get('to_rgb') and image.ndim == 3:
                image = image[..., ::-1]
            channels = 1 if image.ndim == 2 else image.shape[2]
            mean = np.array(t['mean'], dtype=np.float32)[:channels]
            std = np.array(t['std'], dtype=np.float32)[:channels]
            image = (image - mean) / std
        elif kind == 'Pad':
            divisor = t.get('size_divisor', 1)
            image = _pad_to(image, math.ceil(image.shape[0] / divisor) * divisor,
                            math.ceil(image.shape[1] / divisor) * divisor)
        elif kind in ('DefaultFormatBundle', 'Collect', 'ImageToTensor'):
            pass
        else:
            raise PreprocessError(f'transform "{kind}" is not supported by the converter\'s preprocessing')
    if image.ndim == 2:
        image = image[..., None]
    tensor = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float()[None]
    scale = (resized[0] / original[0], resized[1] / original[1])
    return tensor, scale, original
