"""ocrserve's PyTorch → ONNX / TorchScript converter for MMOCR text detectors and recognisers.

It writes mmdeploy SDK model directories (end2end.onnx, deploy.json, pipeline.json,
detail.json) without needing mmocr, mmdet, mmcv or mmengine: the networks are defined in
`models/` with MMOCR 1.x parameter names, so MMOCR checkpoints load into them unchanged.
"""

# ocrserve's version (CMakeLists.txt's project(); tests/test_sdk_files.py checks they agree),
# written into detail.json's converted_by.
__version__ = '0.1.0'
