"""Detection heads with MMOCR 1.x parameter names; each forward returns what mmdeploy's
end2end network returns for it (mmdeploy/codebase/mmocr/models/text_detection/heads.py).

* DBHead: `binarize` = 3x3 conv (no bias) / BN / ReLU / 2x2 transposed conv (stride 2) / BN /
  ReLU / 2x2 transposed conv to one channel (Sequential indices 0, 1, 3, 4, 6), taking the neck's
  1/4-resolution map back to the input size. `threshold` is the same stack plus a sigmoid; it is
  only used in training but is part of every checkpoint, so it is built (and never run). mmdeploy
  exports `DBHead.forward(mode='predict')`: sigmoid(binarize(x)) squeezed to [N, H, W].
* PANHead: concatenates its inputs (a tuple of maps) along channels, then 3x3 conv (`conv1`,
  bias) / BN (`bn1`) / ReLU / 1x1 conv (`conv2`, bias) to out_channel raw logits, [N, C, H/4, W/4].
  mmdeploy returns this tensor as is (BaseTextDetHead.predict rewrite).
* PSEHead: PANHead's network (PSENet's neck gives a single map).
"""
from typing import Sequence, Union

import torch
from torch import nn


def _upsampling_stack(channels: int, bias: bool) -> list:
    quarter = channels // 4
    return [
        nn.Conv2d(channels, quarter, 3, padding=1, bias=bias), nn.BatchNorm2d(quarter), nn.ReLU(inplace=True),
        nn.ConvTranspose2d(quarter, quarter, 2, 2), nn.BatchNorm2d(quarter), nn.ReLU(inplace=True),
        nn.ConvTranspose2d(quarter, 1, 2, 2),
    ]


class DBHead(nn.Module):

    def __init__(self, in_channels: int, with_bias: bool = False):
        super().__init__()
        self.binarize = nn.Sequential(*_upsampling_stack(in_channels, with_bias))
        # MMOCR builds the threshold branch's first conv without bias whatever with_bias says.
        self.threshold = nn.Sequential(*_upsampling_stack(in_channels, False), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.binarize(x).squeeze(1).sigmoid()


class PANHead(nn.Module):

    def __init__(self, in_channels: Sequence[int], hidden_dim: int, out_channel: int):
        super().__init__()
        self.conv1 = nn.Conv2d(sum(in_channels), hidden_dim, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(hidden_dim)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(hidden_dim, out_channel, 1)

    def forward(self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
        x = inputs if isinstance(inputs, torch.Tensor) else torch.cat(tuple(inputs), dim=1)
        return self.conv2(self.relu1(self.bn1(self.conv1(x))))


class PSEHead(PANHead):
    pass
