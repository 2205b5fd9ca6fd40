#!/usr/bin/python3
"""KServe v2 inference with the binary tensor data extension, in the standard library only: the
images' raw bytes follow the request's JSON, and `texts` come back the same way (docs/kserve.md).

Usage: kserve_v2_binary.py URL IMAGE...   (URL: http://127.0.0.1:8080/v2/models/NAME/infer)"""
import json
import struct
import sys
import urllib.request


def bytes_elements(data):
    """A BYTES tensor's binary data: each element a 4-byte little-endian length, then its bytes."""
    elements = []
    while data:
        (length,) = struct.unpack_from("<I", data)
        elements.append(data[4:4 + length])
        data = data[4 + length:]
    return elements


def main(url, paths):
    images = [open(path, "rb").read() for path in paths]
    data = b"".join(struct.pack("<I", len(image)) + image for image in images)
    request = {
        "inputs": [{"name": "images", "datatype": "BYTES", "shape": [len(images)],
                    "parameters": {"binary_data_size": len(data)}}],
        "outputs": [{"name": "texts", "parameters": {"binary_data": True}}, {"name": "scores"}],
    }
    head = json.dumps(request).encode()
    call = urllib.request.Request(url, data=head + data, headers={
        "Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(head))})
    with urllib.request.urlopen(call) as answer:
        body = answer.read()
        json_length = int(answer.headers["Inference-Header-Content-Length"])
    response = json.loads(body[:json_length])
    texts_size = response["outputs"][0]["parameters"]["binary_data_size"]
    texts = [t.decode() for t in bytes_elements(body[json_length:json_length + texts_size])]
    print(f"texts: {texts} (binary, {texts_size} bytes); scores: {response['outputs'][1]['data']}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
