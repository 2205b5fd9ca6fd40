"""FPNC, DBNet's neck (MMOCR `FPNC`): a feature pyramid whose levels are all brought to the
finest resolution and concatenated.

Each input level goes through a 1x1 lateral convolution (`lateral_convs.i`); going from the
coarsest level down, each level is upsampled (nearest) to the next finer one and added to it;
every level is then smoothed by a 3x3 convolution (`smooth_convs.i`), upsampled (nearest) to the
finest level's size, and the levels are concatenated: out_channels x number of levels channels at
1/4 of the input resolution. Options as MMOCR's: bias / BN+ReLU on the lateral and smoothing
convolutions, and a 3x3 conv + BN + ReLU after the concatenation (`out_conv`). The adaptive scale
fusion of DBNet++ (`asf_cfg`) is not implemented.
"""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .conv_module import ConvModule


class FPNC(nn.Module):

    def __init__(self, in_channels: Sequence[int], lateral_channels: int = 256, out_channels: int = 64,
                 bias_on_lateral: bool = False, bn_re_on_lateral: bool = False, bias_on_smooth: bool = False,
                 bn_re_on_smooth: bool = False, conv_after_concat: bool = False):
        super().__init__()
        self.in_channels = list(in_channels)
        self.lateral_convs = nn.ModuleList()
        self.smooth_convs = nn.ModuleList()
        for channels in self.in_channels:
            self.lateral_convs.append(ConvModule(
                channels, lateral_channels, 1, bias=bias_on_lateral, norm=bn_re_on_lateral,
                activation='relu' if bn_re_on_lateral else None))
            self.smooth_convs.append(ConvModule(
                lateral_channels, out_channels, 3, padding=1, bias=bias_on_smooth, norm=bn_re_on_smooth,
                activation='relu' if bn_re_on_smooth else None))
        concatenated = out_channels * len(self.in_channels)
        self.out_conv = ConvModule(concatenated, concatenated, 3, padding=1, norm=True) if conv_after_concat else None
        self.out_channels = concatenated

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'FPNC expects {len(self.in_channels)} feature levels, got {len(inputs)}')
        levels = [conv(x) for conv, x in zip(self.lateral_convs, inputs)]
        for i in range(len(levels) - 1, 0, -1):
            levels[i - 1] = levels[i - 1] + F.interpolate(levels[i], size=levels[i - 1].shape[2:], mode='nearest')
        levels = [conv(x) for conv, x in zip(self.smooth_convs, levels)]
        finest = levels[0].shape[2:]
        levels = [levels[0]] + [F.interpolate(x, size=finest, mode='nearest') for x in levels[1:]]
        out = torch.cat(levels, dim=1)
        if self.out_conv is not None:
            out = self.out_conv(out)
        return out
