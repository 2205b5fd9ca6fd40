"""Reference decoders for text detection outputs, in plain numpy / OpenCV / pyclipper.

    decode(name, params, output, scale, image_size) -> [(points [x1, y1, x2, y2, ...], score), ...]

`output` is one item of the exported network's output, without the batch dimension: DBNet's
probability map [H, W]; PSENet's 7 or PANet's 6 raw logit maps [C, H/4, W/4]. `scale` is
(scale_x, scale_y), network-input pixels per original pixel; points come back in original-image
pixels. They are written to be read and to cross-check the C++ decoders, not to be fast.

Two families of names, two behaviours:

* MMOCR 1.x postprocessors (`DBPostprocessor`, `PSEPostprocessor`, `PANPostprocessor`): their
  semantics and constructor defaults (text_repr_type 'poly' unless given). `params` is the
  config's postprocessor dict (its 'type' key is ignored; an unknown key is an error, as it
  is for MMOCR's constructors).
* mmdeploy SDK heads (`DBHead`, `PSEHead`, `PANHead`, the component names mmdeploy writes in
  pipeline.json): the SDK's C++ decoders (csrc/mmdeploy/codebase/mmocr/{dbnet,psenet,panet}.cpp
  and cpu/, contour_expand.cpp, pixel_group.cpp) with their defaults. Like the SDK they read
  top-level keys of `params` only and ignore the rest (mmdeploy passes the whole det_head config,
  whose nested `postprocessor` the SDK never reads).

How the two differ, all taken from the sources:

DB  MMOCR: text where prob > mask_thr; the first max_candidates + 1 contours; quad: drop if the
    rectangle's short side < min_text_width; float corners / scale.
    SDK:   text where prob >= mask_thr; the first max_candidates contours; always a quad (the SDK
    reads text_repr_type but does not use it); drop if int(rect width) <= min_text_width (width
    as minAreaRect reports it, not the short side); corners rounded (half to even, cvRound) after
    dividing by downsample_ratio (default 1) * scale.
    Both: approxPolyDP with epsilon_ratio (0.01; not configurable in the SDK) of the contour
    length, < 4 vertices dropped, score = mean probability inside the approximated polygon (its
    bounding box, boundary pixels included), score < min_text_score dropped, unclip by
    area * unclip_ratio / perimeter with pyclipper (round joins); a result that is not exactly
    one polygon is dropped (MMOCR's offset_polygon intends the same; the SDK checks it).
PSE MMOCR: sigmoid; masks = maps > min_kernel_confidence, each and-ed with the text map
    (channel 0); components (4-connected) of the last, smallest kernel; grown (breadth-first, in
    raster order, up/down/left/right) through the text mask. mmcv's contour_expand means to grow
    kernel by kernel, but its per-kernel offsets are never set, so every round reads channel 0.
    Kept when area >= min_text_area OR mean text score > score_threshold (sic); boundary:
    minAreaRect of the pixels (quad) or the outer contour of the pixel mask (poly).
    SDK: same growth but through channel 1 (the largest kernel; same offset bug on the kernel
    stack that starts at channel 1); dropped when area < min_text_area or mean text score <
    min_text_avg_confidence (0.85); pixels of kernels smaller than min_kernel_area still count
    for their own label; always the minAreaRect quad.
PAN MMOCR: sigmoid on text and kernel; text = > min_text_confidence, kernel = > min_kernel_confidence
    and text; kernel components (4-connected); pixels are grouped from the kernels' contour
    pixels breadth-first (left/right/up/down) into text pixels whose embedding is within
    distance_threshold (3.0) of the kernel's mean embedding; dropped when area < min_text_area
    or mean score <= score_threshold (0.3).
    SDK: every kernel pixel (not only the contour) starts the growth, the distance threshold is
    min_text_avg_confidence (0.85: the SDK passes that value to pixel_group), and instances are
    dropped when area < min_text_area or mean score < min_text_avg_confidence; always a quad.

`clip=True` (not MMOCR's or the SDK's behaviour) gives ocrserve's output conventions: a polygon
lying entirely right of or below the image (in the network input's padding) is dropped, and
every other vertex is clamped to [0, width - 1] x [0, height - 1] of image_size.
"""
from collections import deque
from typing import List, Sequence, Tuple

import cv2
import numpy as np
import pyclipper

Detection = Tuple[List[float], float]

MMOCR_DEFAULTS = {
    'DBPostprocessor': {'text_repr_type': 'poly', 'rescale_fields': ['polygons'], 'mask_thr': 0.3,
                        'min_text_score': 0.3, 'min_text_width': 5, 'unclip_ratio': 1.5, 'epsilon_ratio': 0.01,
                        'max_candidates': 3000},
    'PSEPostprocessor': {'text_repr_type': 'poly', 'rescale_fields': ['polygons'], 'min_kernel_confidence': 0.5,
                         'score_threshold': 0.3, 'min_kernel_area': 0, 'min_text_area': 16,
                         'downsample_ratio': 0.25},
    'PANPostprocessor': {'text_repr_type': 'poly', 'score_threshold': 0.3, 'rescale_fields': ['polygons'],
                         'min_text_confidence': 0.5, 'min_kernel_confidence': 0.5, 'distance_threshold': 3.0,
                         'min_text_area': 16, 'downsample_ratio': 0.25},
}

SDK_DEFAULTS = {
    'DBHead': {'text_repr_type': 'quad', 'mask_thr': 0.3, 'min_text_score': 0.3, 'min_text_width': 5,
               'unclip_ratio': 1.5, 'max_candidate': 3000, 'rescale': True, 'downsample_ratio': 1.0},
    'PSEHead': {'min_kernel_confidence': 0.5, 'min_text_avg_confidence': 0.85, 'min_kernel_area': 0,
                'min_text_area': 16, 'rescale': True, 'downsample_ratio': 0.25},
    'PANHead': {'min_kernel_confidence': 0.5, 'min_text_avg_confidence': 0.85, 'min_text_area': 16,
                'rescale': True, 'downsample_ratio': 0.25},
}
SDK_PAN_MIN_TEXT_CONFIDENCE = 0.5  # fixed in the SDK's PANHead
SDK_DB_EPSILON_RATIO = 0.01        # fixed in the SDK's DBHead

# Neighbour orders of the C++ breadth-first searches, as (row step, column step).
_UP_DOWN_LEFT_RIGHT = ((-1, 0), (1, 0), (0, -1), (0, 1))   # contour_expand
_LEFT_RIGHT_UP_DOWN = ((0, -1), (0, 1), (-1, 0), (1, 0))   # pixel_group


class DecodeError(ValueError):
    pass


def decode(name: str, params: dict, output: np.ndarray, scale: Sequence[float],
           image_size: Sequence[int], clip: bool = False) -> List[Detection]:
    """Decodes one network output; see the module docstring."""
    sx, sy = float(scale[0]), float(scale[1])
    if not (np.isfinite(sx) and np.isfinite(sy) and sx > 0 and sy > 0):
        raise DecodeError(f'{name}: scale must be two positive numbers, got {tuple(scale)}')
    width, height = int(image_size[0]), int(image_size[1])
    if width <= 0 or height <= 0:
        raise DecodeError(f'{name}: image_size must be two positive integers, got {tuple(image_size)}')
    params = dict(params or {})
    output = np.asarray(output, dtype=np.float32)
    if name in MMOCR_DEFAULTS:
        unknown = set(params) - set(MMOCR_DEFAULTS[name]) - {'type'}
        if unknown:
            raise DecodeError(f'{name}: unknown parameter(s) {", ".join(sorted(unknown))}; '
                              f'known: {", ".join(sorted(MMOCR_DEFAULTS[name]))}')
        p = dict(MMOCR_DEFAULTS[name], **{k: v for k, v in params.items() if k != 'type'})
        if p['text_repr_type'] not in ('quad', 'poly'):
            raise DecodeError(f'{name}: text_repr_type must be "quad" or "poly", got "{p["text_repr_type"]}"')
        decoder = {'DBPostprocessor': _mmocr_db, 'PSEPostprocessor': _mmocr_pse,
                   'PANPostprocessor': _mmocr_pan}[name]
    elif name in SDK_DEFAULTS:
        p = dict(SDK_DEFAULTS[name])
        p.update({k: v for k, v in params.items() if k in p})
        decoder = {'DBHead': _sdk_db, 'PSEHead': _sdk_pse, 'PANHead': _sdk_pan}[name]
    else:
        raise DecodeError(f'unknown text detection postprocessor "{name}"; known: '
                          + ', '.join(list(MMOCR_DEFAULTS) + list(SDK_DEFAULTS)))
    detections = decoder(_check_output(name, output), p, sx, sy)
    if clip:
        detections = [(_clamp(points, width, height), score) for points, score in detections
                      if min(points[0::2]) <= width - 1 and min(points[1::2]) <= height - 1]
    return detections


def _check_output(name: str, output: np.ndarray) -> np.ndarray:
    if name.startswith('DB'):
        if output.ndim == 3 and output.shape[0] == 1:
            output = output[0]
        if output.ndim != 2:
            raise DecodeError(f'{name}: expected a probability map [H, W], got shape {list(output.shape)}')
        return output
    channels = {'PSE': 2, 'PAN': 3}[name[:3]]
    if output.ndim != 3 or output.shape[0] < channels:
        raise DecodeError(f'{name}: expected logit maps [C, H, W] with C >= {channels}, got shape {list(output.shape)}')
    return output


def _clamp(points: List[float], width: int, height: int) -> List[float]:
    xy = np.array(points, dtype=np.float64).reshape(-1, 2)
    xy[:, 0] = np.clip(xy[:, 0], 0, width - 1)
    xy[:, 1] = np.clip(xy[:, 1], 0, height - 1)
    return xy.reshape(-1).tolist()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)


def _to_original(points, fx: float, fy: float) -> List[float]:
    """Map pixels to original pixels: divide x by fx and y by fy."""
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2) / np.array([fx, fy])
    return xy.reshape(-1).tolist()


# ----------------------------------------------------------------------------------------- DB

def _mean_inside(prob: np.ndarray, polygon: np.ndarray) -> float:
    """Mean of `prob` over the filled polygon (boundary pixels included), computed on the
    polygon's bounding box clipped to the map."""
    h, w = prob.shape
    x0, y0 = np.clip(polygon.min(axis=0), 0, [w - 1, h - 1])
    x1, y1 = np.clip(polygon.max(axis=0), 0, [w - 1, h - 1])
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    cv2.fillPoly(mask, [(polygon - [x0, y0]).astype(np.int32)], 1)
    return float(cv2.mean(prob[y0:y1 + 1, x0:x1 + 1], mask)[0])


def _unclip(polygon: np.ndarray, ratio: float):
    """Offset outwards by area * ratio / perimeter with round joins; None unless the result is
    exactly one polygon."""
    area = abs(cv2.contourArea(polygon.astype(np.float32)))
    perimeter = cv2.arcLength(polygon.astype(np.float32), True)
    if perimeter <= 0:
        return None
    offset = pyclipper.PyclipperOffset()
    offset.AddPath([tuple(int(v) for v in p) for p in polygon], pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    pieces = offset.Execute(area * ratio / perimeter)
    if len(pieces) != 1 or len(pieces[0]) == 0:
        return None
    return np.array(pieces[0], dtype=np.int32).reshape(-1, 2)


def _db_candidates(prob: np.ndarray, text: np.ndarray, epsilon_ratio: float):
    """(approximated polygon, score) for each contour of the binary map, in findContours order."""
    contours, _ = cv2.findContours(text.astype(np.uint8) * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for contour in contours:
        approx = cv2.approxPolyDP(contour, epsilon_ratio * cv2.arcLength(contour, True), True).reshape(-1, 2)
        if len(approx) < 4:
            yield contour, None, None
            continue
        yield contour, approx, _mean_inside(prob, approx)


def _mmocr_db(prob, p, sx, sy):
    results = []
    for index, (_, approx, score) in enumerate(_db_candidates(prob, prob > p['mask_thr'], p['epsilon_ratio'])):
        if index > p['max_candidates']:
            break
        if approx is None or score < p['min_text_score']:
            continue
        expanded = _unclip(approx, p['unclip_ratio'])
        if expanded is None:
            continue
        if p['text_repr_type'] == 'quad':
            rect = cv2.minAreaRect(expanded.astype(np.float32))
            if min(rect[1]) < p['min_text_width']:
                continue
            points = cv2.boxPoints(rect)
        else:
            points = expanded.astype(np.float32)
        if points.size < 8:
            continue
        results.append((_mmocr_rescale(points, p, sx, sy), score))
    return results


def _mmocr_rescale(points, p, sx, sy, downsample_ratio=1.0):
    if not p['rescale_fields']:
        return np.asarray(points, dtype=np.float64).reshape(-1).tolist()
    return _to_original(points, sx * downsample_ratio, sy * downsample_ratio)


def _sdk_db(prob, p, sx, sy):
    results = []
    candidates = list(_db_candidates(prob, prob >= p['mask_thr'], SDK_DB_EPSILON_RATIO))[:int(p['max_candidate'])]
    fx = fy = 1.0
    if p['rescale']:
        fx, fy = p['downsample_ratio'] * sx, p['downsample_ratio'] * sy
    for _, approx, score in candidates:
        if approx is None or score < p['min_text_score']:
            continue
        expanded = _unclip(approx, p['unclip_ratio'])
        if expanded is None:
            continue
        rect = cv2.minAreaRect(expanded)
        if int(rect[1][0]) <= p['min_text_width']:
            continue
        corners = np.asarray(_to_original(cv2.boxPoints(rect), fx, fy))
        results.append((np.rint(corners).tolist(), score))
    return results


# ------------------------------------------------------------------------------ PSE and PAN

def _points_to_boundary(xy: np.ndarray, text_repr_type: str):
    """MMOCR's PANPostprocessor._points2boundary: the pixels' minimum-area rectangle (quad) or
    the outer contour of their mask (poly); None when it has fewer than 4 vertices."""
    if text_repr_type == 'quad':
        boundary = cv2.boxPoints(cv2.minAreaRect(xy.astype(np.int32)))
    else:
        mask = np.zeros((xy[:, 1].max() + 10, xy[:, 0].max() + 10), np.uint8)
        mask[xy[:, 1], xy[:, 0]] = 255
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        boundary = contours[0].reshape(-1, 2)
    return boundary if boundary.size >= 8 else None


def _grow_labels(labels: np.ndarray, seeds: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Breadth-first growth of the seed pixels' labels into unlabelled `allowed` pixels: seeds
    queued in raster order, neighbours up, down, left, right (mmcv / mmdeploy contour_expand)."""
    height, width = labels.shape
    grown = np.where(seeds, labels, 0).astype(np.int32)
    queue = deque(zip(*np.nonzero(seeds)))
    while queue:
        y, x = queue.popleft()
        label = grown[y, x]
        for dy, dx in _UP_DOWN_LEFT_RIGHT:
            ny, nx = y + dy, x + dx
            if 0 <= ny < height and 0 <= nx < width and allowed[ny, nx] and grown[ny, nx] == 0:
                grown[ny, nx] = label
                queue.append((ny, nx))
    return grown


def _large_kernel_seeds(labels: np.ndarray, count: int, min_area: int) -> np.ndarray:
    areas = np.bincount(labels.ravel(), minlength=count)
    keep = areas >= min_area
    keep[0] = False
    return keep[labels]


def _mmocr_pse(logits, p, sx, sy):
    probs = _sigmoid(logits)
    masks = probs > p['min_kernel_confidence']
    masks = masks & masks[0]
    score = probs[0]
    count, labels = cv2.connectedComponents(masks[-1].astype(np.uint8), connectivity=4)
    seeds = _large_kernel_seeds(labels, count, p['min_kernel_area'])
    grown = _grow_labels(labels, seeds, masks[0])
    results = []
    for label in range(1, int(grown.max()) + 1):
        rows, cols = np.nonzero(grown == label)
        if rows.size == 0:
            continue
        mean_score = float(score[rows, cols].mean())
        if not (rows.size >= p['min_text_area'] or mean_score > p['score_threshold']):
            continue
        boundary = _points_to_boundary(np.stack([cols, rows], axis=1), p['text_repr_type'])
        if boundary is not None:
            results.append((_mmocr_rescale(boundary, p, sx, sy, p['downsample_ratio']), mean_score))
    return results


def _sdk_pse(logits, p, sx, sy):
    probs = _sigmoid(logits)
    masks = probs > p['min_kernel_confidence']
    masks[1:] &= masks[0]
    score = probs[0]
    count, labels = cv2.connectedComponents(masks[-1].astype(np.uint8), connectivity=4)
    seeds = _large_kernel_seeds(labels, count, p['min_kernel_area'])
    grown = _grow_labels(labels, seeds, masks[1])
    fx = fy = 1.0
    if p['rescale']:
        fx, fy = sx * p['downsample_ratio'], sy * p['downsample_ratio']
    results = []
    for label in range(1, count):
        # Every pixel of the label's kernel counts, seeded or not, plus the pixels growth gave it
        # (which may include pixels of a smaller, unseeded kernel: those then count twice).
        rows, cols = np.nonzero(labels == label)
        grown_rows, grown_cols = np.nonzero((grown == label) & (labels != label))
        rows, cols = np.concatenate([rows, grown_rows]), np.concatenate([cols, grown_cols])
        if rows.size < p['min_text_area']:
            continue
        mean_score = float(score[rows, cols].mean())
        if mean_score < p['min_text_avg_confidence']:
            continue
        corners = cv2.boxPoints(cv2.minAreaRect(np.stack([cols, rows], axis=1).astype(np.int32)))
        results.append((_to_original(corners, fx, fy), mean_score))
    return results


def _pixel_group(score, text, embedding, labels, count, starts, distance):
    """mmcv / mmdeploy pixel_group: grows kernel labels from the `starts` pixels (raster order)
    into text pixels whose embedding is closer than `distance` to their kernel's mean
    embedding; returns per label (mean score, [x, y] pixels in raster order)."""
    height, width = labels.shape
    centres = np.zeros((count, embedding.shape[2]), dtype=np.float64)
    for label in range(1, count):
        centres[label] = embedding[labels == label].mean(axis=0)
    grown = labels.astype(np.int32).copy()
    queue = deque((y, x, labels[y, x]) for y, x in zip(*np.nonzero(starts & (labels > 0))))
    limit = distance * distance
    while queue:
        y, x, label = queue.popleft()
        for dy, dx in _LEFT_RIGHT_UP_DOWN:
            ny, nx = y + dy, x + dx
            if not (0 <= ny < height and 0 <= nx < width) or not text[ny, nx] or grown[ny, nx] > 0:
                continue
            if float(np.sum((centres[label] - embedding[ny, nx]) ** 2)) >= limit:
                continue
            grown[ny, nx] = label
            queue.append((ny, nx, label))
    instances = []
    for label in range(count):
        rows, cols = np.nonzero(grown == label) if label > 0 else (np.array([], int), np.array([], int))
        mean_score = float(score[rows, cols].mean()) if rows.size else 0.0
        instances.append((mean_score, np.stack([cols, rows], axis=1)))
    return instances


def _pan_maps(logits, min_text_confidence, min_kernel_confidence):
    score = _sigmoid(logits[0])
    text = score > min_text_confidence
    kernel = (_sigmoid(logits[1]) > min_kernel_confidence) & text
    embedding = np.ascontiguousarray(logits[2:].transpose(1, 2, 0)) * text[..., None]
    count, labels = cv2.connectedComponents(kernel.astype(np.uint8), connectivity=4)
    return score, text, kernel, embedding, count, labels


def _mmocr_pan(logits, p, sx, sy):
    score, text, kernel, embedding, count, labels = _pan_maps(
        logits, p['min_text_confidence'], p['min_kernel_confidence'])
    contours, _ = cv2.findContours(kernel.astype(np.uint8) * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    contour_map = np.zeros(kernel.shape, dtype=np.uint8)
    cv2.drawContours(contour_map, contours, -1, 255)
    results = []
    for mean_score, xy in _pixel_group(score, text, embedding, labels, count, contour_map > 0,
                                       float(p['distance_threshold'])):
        if len(xy) < p['min_text_area'] or mean_score <= p['score_threshold'] or len(xy) == 0:
            continue
        boundary = _points_to_boundary(xy, p['text_repr_type'])
        if boundary is not None:
            results.append((_mmocr_rescale(boundary, p, sx, sy, p['downsample_ratio']), mean_score))
    return results


def _sdk_pan(logits, p, sx, sy):
    score, text, kernel, embedding, count, labels = _pan_maps(
        logits, SDK_PAN_MIN_TEXT_CONFIDENCE, p['min_kernel_confidence'])
    fx = fy = 1.0
    if p['rescale']:
        fx, fy = sx * p['downsample_ratio'], sy * p['downsample_ratio']
    results = []
    for mean_score, xy in _pixel_group(score, text, embedding, labels, count, kernel,
                                       float(p['min_text_avg_confidence'])):
        if len(xy) == 0 or len(xy) < p['min_text_area'] or mean_score < p['min_text_avg_confidence']:
            continue
        corners = cv2.boxPoints(cv2.minAreaRect(xy.astype(np.float32)))
        results.append((_to_original(corners, fx, fy), mean_score))
    return results
