#!/usr/bin/python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the shared test images and the packaged
default models (run scripts/package_models.sh first), so that the seeds can be remade and
reviewed. Seeds are small on purpose: libFuzzer's input size limit starts at the largest seed,
and small inputs run faster. Output is deterministic (no timestamps), so a rerun changes
nothing unless this script or its sources changed.

Usage: /usr/bin/python3 fuzz/make_seeds.py   (Debian's python3, which has cv2)
"""
import json
import shutil
import zipfile
from pathlib import Path

import cv2
import numpy as np

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
DATA = ROOT.parent / "shared" / "data"
MODELS = ROOT / "models"
CORPUS = FUZZ / "corpus"


def target(name):
    folder = CORPUS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def encoded(extension, image, params=()):
    ok, data = cv2.imencode(extension, image, list(params))
    assert ok, extension
    return data.tobytes()


def image_seeds():
    out = target("image_decode")
    # A corner of a real scene with text, and a word crop, made small: the decoders' code
    # paths depend on the format's options, not on the picture's size.
    scene = cv2.imread(str(DATA / "mmocr/demo/demo_text_det.jpg"))
    scene = cv2.resize(scene[0:240, 0:320], (48, 36), interpolation=cv2.INTER_AREA)
    word = cv2.imread(str(DATA / "mmocr/rec_toy/1190237.jpg"))
    word = cv2.resize(word, (40, 12), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY)
    alpha = cv2.cvtColor(word, cv2.COLOR_BGR2BGRA)
    alpha[:, :20, 3] = 128
    deep = (gray.astype(np.uint16) * 257)
    seeds = {
        "baseline.jpg": encoded(".jpg", scene, [cv2.IMWRITE_JPEG_QUALITY, 60]),
        "progressive.jpg": encoded(".jpg", scene, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1, cv2.IMWRITE_JPEG_QUALITY, 60]),
        "optimized.jpg": encoded(".jpg", word, [cv2.IMWRITE_JPEG_OPTIMIZE, 1]),
        "restart.jpg": encoded(".jpg", word, [cv2.IMWRITE_JPEG_RST_INTERVAL, 1]),
        "gray.jpg": encoded(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, 50]),
        "color.png": encoded(".png", word),
        "gray.png": encoded(".png", gray),
        "alpha.png": encoded(".png", alpha),
        "16bit.png": encoded(".png", deep),
        "color.bmp": encoded(".bmp", word),
        "gray.bmp": encoded(".bmp", gray[:12, :16]),
        "lzw.tiff": encoded(".tiff", word),
        "raw.tiff": encoded(".tiff", gray[:12, :16], [cv2.IMWRITE_TIFF_COMPRESSION, 1]),
        "lossy.webp": encoded(".webp", scene, [cv2.IMWRITE_WEBP_QUALITY, 40]),
        "lossless.webp": encoded(".webp", word, [cv2.IMWRITE_WEBP_QUALITY, 101]),
        # A 1x1 GIF: the header reader knows GIF, the decoder does not (a refusal path).
        "pixel.gif": bytes.fromhex("474946383961010001008000000000ffffff21f90401000000002c"
                                   "00000000010001000002024401003b"),
    }
    for name, data in seeds.items():
        (out / name).write_bytes(data)
    # The data set's corrupt JPEG, cut short on purpose.
    (out / "broken.jpg").write_bytes((DATA / "mmocr/demo/broken.jpg").read_bytes())


def http_seeds():
    out = target("http_request")
    body = b'{"instances": [{"data": "aGVsbG8="}]}'
    form = b"--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a\"\r\n\r\nab\r\n--XyZ--"
    requests = {
        "ping": b"GET /ping HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
        "predict": b"POST /predictions/ppocr-det/1.0 HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/jpeg\r\n"
                   b"Content-Length: 11\r\n\r\n\xff\xd8\xff\xe0abcdefg",
        "query": b"GET /models?limit=10&next_page_token=0&name=a%20b+c HTTP/1.1\r\nHost: x\r\n\r\n",
        "register": b"POST /models?url=ppocr-det.mar&initial_workers=1&synchronous=true HTTP/1.1\r\n"
                    b"Host: x\r\nAuthorization: Bearer abc123\r\nContent-Length: 0\r\n\r\n",
        "chunked": b"POST /v2/models/ocr/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                   b"Content-Type: application/json\r\n\r\n10\r\n" + body[:16] + b"\r\n"
                   + b"%x;ext=1\r\n" % (len(body) - 16) + body[16:] + b"\r\n0\r\nX-Trailer: 1\r\n\r\n",
        "expect": b"PUT /models/ppocr-det?min_worker=2 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 4\r\n\r\nabcd",
        "pipelined": b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n"
                     b"Connection: close\r\n\r\n",
        "http10": b"DELETE /models/ppocr-det/1.0 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "multipart": b"POST /predictions/ocr HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %d\r\n\r\n" % len(form)
                     + form,
    }
    # The first byte is how many bytes each socket read returns (0: everything at once).
    chunks = {"ping": 0, "predict": 7, "query": 1, "register": 0, "chunked": 5, "expect": 0, "pipelined": 13,
              "http10": 0, "multipart": 64}
    for name, request in requests.items():
        (out / name).write_bytes(bytes([chunks[name]]) + request)


def multipart_seeds():
    out = target("multipart")
    jpeg = encoded(".jpg", np.full((4, 4, 3), 200, np.uint8))
    forms = {
        # curl -F data=@img.jpg
        "curl_file": (b"multipart/form-data; boundary=------------------------d74496d66958873e",
                      b"--------------------------d74496d66958873e\r\n"
                      b"Content-Disposition: form-data; name=\"data\"; filename=\"img.jpg\"\r\n"
                      b"Content-Type: image/jpeg\r\n\r\n" + jpeg +
                      b"\r\n--------------------------d74496d66958873e--\r\n"),
        "two_parts": (b"multipart/form-data; boundary=b0",
                      b"--b0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\n"
                      b"\x89PNG\r\n--b0\r\ncontent-disposition: form-data; name=threshold\r\n\r\n0.5\r\n--b0--"),
        "quoted": (b"multipart/form-data; charset=utf-8; boundary=\"a b;c\"",
                   b"preamble\r\n--a b;c\r\nContent-Disposition: form-data; name=\"img\"\r\n\r\nxyz\r\n--a b;c--\r\n"
                   b"epilogue"),
        "upper": (b"Multipart/Form-Data; BOUNDARY=Q",
                  b"--Q\r\nCONTENT-DISPOSITION: FORM-DATA; NAME=\"body\"\r\nX-Other: 1\r\n\r\n\r\n--Q--"),
        "empty": (b"multipart/form-data; boundary=e", b"--e--\r\n"),
        "truncated": (b"multipart/form-data; boundary=t",
                      b"--t\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\nno end"),
    }
    for name, (content_type, body) in forms.items():
        (out / name).write_bytes(content_type + b"\n" + body)


def compact(path):
    return json.dumps(json.loads(path.read_text()), separators=(",", ":")).encode()


def package_seeds():
    out = target("package_json")
    for model in ("ppocr-det", "ppocr-rec", "ppocr-cls"):
        folder = MODELS / model
        parts = [compact(folder / name) for name in ("deploy.json", "pipeline.json", "detail.json")]
        (out / model).write_bytes(b"\0".join(parts))
    # mmdeploy 1.x's shape: the MMOCR postprocessor nested in the head's params, an input map.
    det = json.loads((MODELS / "ppocr-det/pipeline.json").read_text())
    tasks = det["pipeline"]["tasks"]
    tasks[1]["input_map"] = {"img": "x"}
    tasks[2]["component"] = "PANHead"
    tasks[2]["params"] = {"postprocessor": {"type": "PANPostprocessor", "min_text_area": 9}}
    tasks[2]["ignore_chars"] = ["padding"]
    parts = [compact(MODELS / "ppocr-det/deploy.json"), json.dumps(det, separators=(",", ":")).encode(),
             compact(MODELS / "ppocr-det/detail.json")]
    (out / "mmdeploy-nested").write_bytes(b"\0".join(parts))


def manifest(name, handler, runtime="ocrserve"):
    # The fields and order write_archive uses (src/model/archive.cpp).
    return json.dumps({"createdOn": "01/12/2025 16:32:00", "runtime": runtime,
                       "model": {"modelName": name, "handler": handler, "modelVersion": "1.0"},
                       "archiverVersion": "ocrserve 0.1.0"}, indent=2).encode() + b"\n"


def manifest_seeds():
    out = target("manifest")
    (out / "ocrserve").write_bytes(manifest("ppocr-det", "ocrserve:detection"))
    (out / "torchserve").write_bytes(manifest("dbnet", "mmocr_handler.py", "python"))
    (out / "minimal").write_bytes(b'{"model":{"modelName":"x"}}')
    (out / "no_version").write_bytes(b'{"runtime":null,"model":{"modelName":"a.b-c_1","modelVersion":null}}')


def zip_entry(archive, name, data, method, mode=0o644):
    info = zipfile.ZipInfo(name, date_time=(2025, 12, 1, 0, 0, 0))
    info.compress_type = method
    info.create_system = 3  # unix: the external attributes hold the mode
    info.external_attr = ((0o40755 if name.endswith("/") else 0o100000 | mode) << 16)
    archive.writestr(info, data)


def archive_seeds():
    out = target("archive")
    files = {name: compact(MODELS / "ppocr-det" / name) for name in ("deploy.json", "pipeline.json", "detail.json")}
    files["end2end.onnx"] = b"\x08\x07"  # a placeholder: extraction does not read the network
    for seed, method in (("deflated.mar", zipfile.ZIP_DEFLATED), ("stored.mar", zipfile.ZIP_STORED)):
        with zipfile.ZipFile(out / seed, "w") as archive:
            for name, data in files.items():
                zip_entry(archive, name, data, method)
            zip_entry(archive, "MAR-INF/MANIFEST.json", manifest("ppocr-det", "ocrserve:detection"), method)
    # An OCR archive with folder entries, det/ and rec/ packages (deploy.json only, to stay small).
    with zipfile.ZipFile(out / "ocr.mar", "w") as archive:
        for folder in ("MAR-INF/", "det/", "rec/"):
            zip_entry(archive, folder, b"", zipfile.ZIP_STORED)
        zip_entry(archive, "det/deploy.json", files["deploy.json"], zipfile.ZIP_DEFLATED)
        zip_entry(archive, "rec/deploy.json", compact(MODELS / "ppocr-rec/deploy.json"), zipfile.ZIP_DEFLATED)
        zip_entry(archive, "MAR-INF/MANIFEST.json", manifest("ocr", "ocrserve:ocr"), zipfile.ZIP_DEFLATED)


def main():
    image_seeds()
    http_seeds()
    multipart_seeds()
    package_seeds()
    manifest_seeds()
    archive_seeds()
    total = sum(f.stat().st_size for f in CORPUS.rglob("*") if f.is_file())
    print(f"seeds: {sum(1 for f in CORPUS.rglob('*') if f.is_file())} files, {total} bytes in {CORPUS}")


if __name__ == "__main__":
    main()
