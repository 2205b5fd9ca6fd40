"""FPNF, PSENet's neck (MMOCR `FPNF`).

Every level gets a 1x1 conv + BN + ReLU (`lateral_convs.i`). Going from the coarsest level down,
each level is upsampled (nearest) to the next finer one, added to it, and the sum is smoothed by
a 3x3 conv + BN + ReLU (`fpn_convs.i`, one per level but the coarsest). All levels are then
upsampled (nearest) to the finest size and concatenated ("concat") or summed ("add"), and a
3x3 conv + BN + ReLU (`output_convs`) maps the result to out_channels, at 1/4 of the input size.
"""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .conv_module import ConvModule


class FPNF(nn.Module):

    def __init__(self, in_channels: Sequence[int] = (256, 512, 1024, 2048), out_channels: int = 256,
                 fusion_type: str = 'concat'):
        super().__init__()
        if fusion_type not in ('concat', 'add'):
            raise ValueError(f'FPNF fusion_type must be "concat" or "add", got "{fusion_type}"')
        self.in_channels = list(in_channels)
        self.fusion_type = fusion_type
        self.lateral_convs = nn.ModuleList(
            ConvModule(channels, out_channels, 1, norm=True) for channels in self.in_channels)
        self.fpn_convs = nn.ModuleList(
            ConvModule(out_channels, out_channels, 3, padding=1, norm=True) for _ in self.in_channels[:-1])
        fused = out_channels * len(self.in_channels) if fusion_type == 'concat' else out_channels
        self.output_convs = ConvModule(fused, out_channels, 3, padding=1, norm=True)
        self.out_channels = out_channels

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'FPNF expects {len(self.in_channels)} feature levels, got {len(inputs)}')
        levels = [conv(x) for conv, x in zip(self.lateral_convs, inputs)]
        for i in range(len(levels) - 1, 0, -1):
            merged = levels[i - 1] + F.interpolate(levels[i], size=levels[i - 1].shape[2:], mode='nearest')
            levels[i - 1] = self.fpn_convs[i - 1](merged)
        finest = levels[0].shape[2:]
        levels = [levels[0]] + [F.interpolate(x, size=finest, mode='nearest') for x in levels[1:]]
        if self.fusion_type == 'concat':
            fused = torch.cat(levels, dim=1)
        else:
            fused = levels[0]
            for level in levels[1:]:
                fused = fused + level
        return self.output_convs(fused)
