#!/usr/bin/env python3
"""Scores peer outputs against the shared ground truth: detection hmean at IoU 0.5 (ICDAR 2015
rules, quadrilaterals) and recognition CER. Reads the JSON files run.sh writes; plain Python."""
import json
import sys
from pathlib import Path


def area(poly):
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1]))) / 2


def clip(subject, clipper):
    """Sutherland-Hodgman: subject polygon clipped by a convex polygon (both lists of (x, y))."""
    if area(clipper) == 0:
        return []
    orientation = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(clipper, clipper[1:] + clipper[:1]))
    sign = 1 if orientation > 0 else -1
    output = subject
    for (ax, ay), (bx, by) in zip(clipper, clipper[1:] + clipper[:1]):
        inside = lambda p: sign * ((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax)) >= 0
        points, output = output, []
        for p, q in zip(points, points[1:] + points[:1]):
            if inside(q):
                if not inside(p):
                    output.append(intersect(p, q, (ax, ay), (bx, by)))
                output.append(q)
            elif inside(p):
                output.append(intersect(p, q, (ax, ay), (bx, by)))
        if not output:
            return []
    return output


def intersect(p, q, a, b):
    x1, y1, x2, y2, x3, y3, x4, y4 = *p, *q, *a, *b
    d = (x1 - x2) * (y3 - y4) - (y1 - y2) * (x3 - x4)
    if d == 0:
        return q
    t = ((x1 - x3) * (y3 - y4) - (y1 - y3) * (x3 - x4)) / d
    return (x1 + t * (x2 - x1), y1 + t * (y2 - y1))


def iou(a, b):
    inter = area(clip(a, b)) if len(a) >= 3 and len(b) >= 3 else 0
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0


def read_gt(path):
    regions = []
    for line in Path(path).read_text(encoding='utf-8-sig').splitlines():
        if not line.strip():
            continue
        parts = line.split(',')
        coords = list(map(float, parts[:8]))
        regions.append((list(zip(coords[0::2], coords[1::2])), ','.join(parts[8:]) == '###'))
    return regions


def detection_counts(truth, detected):
    care = [p for p, ignore in truth if not ignore]
    dont_care = [p for p, ignore in truth if ignore]
    kept = [d for d in detected if not any(area(clip(d, g)) > 0.5 * max(area(d), 1e-9) for g in dont_care)]
    pairs = sorted(((iou(g, d), i, j) for i, g in enumerate(care) for j, d in enumerate(kept)), reverse=True)
    used_g, used_d, matched = set(), set(), 0
    for value, i, j in pairs:
        if value >= 0.5 and i not in used_g and j not in used_d:
            used_g.add(i), used_d.add(j)
            matched += 1
    return len(care), len(kept), matched


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


def main(data, detections_file, recognitions_file):
    detections = json.loads(Path(detections_file).read_text())  # {image name: [[x, y] * 4, ...]}
    truth_total = kept_total = matched_total = 0
    for name, boxes in detections.items():
        gt = read_gt(Path(data) / 'det_toy' / f'gt_{Path(name).stem}.txt')
        t, k, m = detection_counts(gt, [[tuple(p) for p in box] for box in boxes])
        truth_total, kept_total, matched_total = truth_total + t, kept_total + k, matched_total + m
    p = matched_total / kept_total if kept_total else 0
    r = matched_total / truth_total if truth_total else 0
    hmean = 2 * p * r / (p + r) if p + r else 0
    recognitions = json.loads(Path(recognitions_file).read_text())  # {image name: text}
    labels = json.loads((Path(data) / 'rec_toy' / 'labels.json').read_text())['data_list']
    edits = chars = 0
    for item in labels:
        truth = item['instances'][0]['text']
        edits += edit_distance(truth, recognitions.get(item['img_path'], ''))
        chars += len(truth)
    print(json.dumps({'det_precision': p, 'det_recall': r, 'det_hmean': hmean, 'cer': edits / chars}))


if __name__ == '__main__':
    main(*sys.argv[1:4])
