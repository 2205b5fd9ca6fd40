#!/usr/bin/env python3
"""Writes a peer's OCR output in the shape `ocrserve infer` prints for several images
([{"image", "result": [{"polygon", "det_score", "text", "score"}]}]), so that `ocrserve eval
--predictions` scores every system with the same code. Plain Python.

  to_ocr_json.py node RESULTS.json           ocr_node.mjs output
  to_ocr_json.py tesseract TSV_DIR IMAGE...  tesseract's TSV per image (TSV_DIR/<image name>.tsv)
"""
import csv
import json
import os
import sys


def item(x0, y0, x1, y1, text, score):
    return {"polygon": [x0, y0, x1, y0, x1, y1, x0, y1], "det_score": 1.0, "text": text, "score": score}


def from_node(results_file):
    results = json.load(open(results_file))["results"]
    out = []
    for entry in results:
        lines = []
        for line in entry["lines"]:
            xs = [p[0] for p in line["box"]]
            ys = [p[1] for p in line["box"]]
            lines.append(item(min(xs), min(ys), max(xs), max(ys), line["text"], line.get("mean", 1.0)))
        out.append({"image": entry["image"], "result": lines})
    return out


def from_tesseract(tsv_dir, images):
    """Tesseract's words grouped into its own lines (block, paragraph, line)."""
    out = []
    for image in images:
        lines = {}
        with open(os.path.join(tsv_dir, os.path.basename(image) + ".tsv"), encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row["level"] != "5" or not (row["text"] or "").strip() or float(row["conf"]) < 0:
                    continue
                key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
                x, y, w, h = (int(row[k]) for k in ("left", "top", "width", "height"))
                line = lines.setdefault(key, {"words": [], "box": [x, y, x + w, y + h], "conf": []})
                line["words"].append(row["text"])
                line["conf"].append(float(row["conf"]) / 100)
                b = line["box"]
                line["box"] = [min(b[0], x), min(b[1], y), max(b[2], x + w), max(b[3], y + h)]
        result = [item(*line["box"], " ".join(line["words"]), sum(line["conf"]) / len(line["conf"]))
                  for line in lines.values()]
        out.append({"image": image, "result": result})
    return out


if __name__ == "__main__":
    kind = sys.argv[1]
    converted = from_node(sys.argv[2]) if kind == "node" else from_tesseract(sys.argv[2], sys.argv[3:])
    print(json.dumps(converted))
