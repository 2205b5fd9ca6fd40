"""--show: the PyTorch network's result on the sample image, decoded by the reference decoders,
drawn to a picture (mmdeploy writes output_pytorch.jpg the same way)."""
import os

import cv2
import numpy as np

from .model_zoo import DICTS_DIR


def decode_output(entry: dict, output: np.ndarray, scale, original):
    """Detection: list of (points, score); recognition: (text, char_scores, score)."""
    if entry['task'] == 'text-detection':
        from .reference.textdet import decode
        params = {k: v for k, v in entry['postprocessor'].items() if k != 'type'}
        return decode(entry['postprocessor']['type'], params, output, scale, original)
    from .reference.textrecog import build_dictionary, decode
    flags = {k: v for k, v in entry['dictionary'].items() if k not in ('dict_file', 'type')}
    tokens, special = build_dictionary(os.path.join(DICTS_DIR, entry['dictionary']['dict_file']), **flags)
    return decode(entry['postprocessor']['type'], tokens, special,
                  entry['postprocessor'].get('ignore_chars', ['padding']), output)


def show_pytorch_result(entry, deploy, output, scale, original, image_path, out_path):
    image = cv2.imread(image_path, cv2.IMREAD_COLOR)
    result = decode_output(entry, output, scale, original)
    if entry['task'] == 'text-detection':
        for points, score in result:
            polygon = np.array(points, dtype=np.float32).reshape(-1, 2).round().astype(np.int32)
            cv2.polylines(image, [polygon], True, (0, 255, 0), 2)
            cv2.putText(image, f'{score:.2f}', tuple(int(v) for v in polygon[0]), cv2.FONT_HERSHEY_SIMPLEX,
                        0.5, (0, 0, 255), 1)
    else:
        text, _, score = result
        band = np.full((32, max(image.shape[1], 200), 3), 255, dtype=np.uint8)
        cv2.putText(band, f'{text} ({score:.2f})', (4, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1)
        canvas = np.full((image.shape[0] + 32, band.shape[1], 3), 255, dtype=np.uint8)
        canvas[:image.shape[0], :image.shape[1]] = image
        canvas[image.shape[0]:] = band
        image = canvas
    cv2.imwrite(out_path, image)
