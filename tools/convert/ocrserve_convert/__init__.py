"""ocrserve's PyTorch → ONNX / TorchScript converter for MMOCR text detectors and recognisers.

It writes mmdeploy SDK model directories (end2end.onnx, deploy.json, pipeline.json,
detail.json) without needing mmocr, mmdet, mmcv or mmengine: the networks are defined in
`models/` with MMOCR 1.x parameter names, so MMOCR checkpoints load into them unchanged.
"""
