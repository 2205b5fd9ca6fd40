"""A single-stage text detector laid out as MMOCR's SingleStageTextDetector (DBNet, PSENet and
PANet are that class with different parts): submodules `backbone`, `neck`, `det_head`, so
parameter names carry those prefixes exactly as in an MMOCR checkpoint's `state_dict`.

forward(inputs) is mmdeploy's exported forward (SingleStageTextDetector.forward rewrite):
backbone, neck, then the head's prediction without postprocessing. inputs are normalised
images [N, 3, H, W] with H and W multiples of 32.
"""
import torch
from torch import nn


class TextDetector(nn.Module):

    def __init__(self, backbone: nn.Module, neck: nn.Module, det_head: nn.Module, model_type: str):
        super().__init__()
        self.backbone = backbone
        self.neck = neck
        self.det_head = det_head
        self.model_type = model_type

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.det_head(self.neck(self.backbone(inputs)))
