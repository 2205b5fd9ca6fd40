"""FPEM_FFM, PANet's neck (MMOCR `FPEM_FFM`).

The four backbone levels are reduced to `conv_out` channels by 1x1 conv (with bias) + BN + ReLU
(`reduce_conv_c2` … `reduce_conv_c5`, Sequential indices 0 and 1). Then `fpem_repeat` feature
pyramid enhancement modules (`fpems.i`) each run an up-scale pass (coarse to fine: upsample the
coarser level to the finer one's size, nearest, add, separable conv) and a down-scale pass (fine
to coarse: upsample the coarser level to the finer one's size, add the finer, separable conv with
stride 2). The feature fusion sums the levels over all FPEMs, upsamples levels 3..5 bilinearly to
level 2's size, and returns the four maps (conv_out channels each, 1/4 of the input size).

A separable conv is a 3x3 depthwise conv (`depthwise_conv`, bias) + 1x1 conv (`pointwise_conv`,
bias) + BN (`bn`) + ReLU.
"""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn


class SeparableConv2d(nn.Module):

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.depthwise_conv = nn.Conv2d(in_channels, in_channels, 3, stride=stride, padding=1, groups=in_channels)
        self.pointwise_conv = nn.Conv2d(in_channels, out_channels, 1)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.pointwise_conv(self.depthwise_conv(x))))


def _upsample_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=like.shape[2:], mode='nearest')


class FPEM(nn.Module):

    def __init__(self, channels: int = 128):
        super().__init__()
        self.up_add1 = SeparableConv2d(channels, channels, 1)
        self.up_add2 = SeparableConv2d(channels, channels, 1)
        self.up_add3 = SeparableConv2d(channels, channels, 1)
        self.down_add1 = SeparableConv2d(channels, channels, 2)
        self.down_add2 = SeparableConv2d(channels, channels, 2)
        self.down_add3 = SeparableConv2d(channels, channels, 2)

    def forward(self, c2, c3, c4, c5):
        # Coarse to fine.
        c4 = self.up_add1(_upsample_to(c5, c4) + c4)
        c3 = self.up_add2(_upsample_to(c4, c3) + c3)
        c2 = self.up_add3(_upsample_to(c3, c2) + c2)
        # Fine to coarse: the sum is at the finer size, the stride-2 conv brings it back down.
        c3 = self.down_add1(_upsample_to(c3, c2) + c2)
        c4 = self.down_add2(_upsample_to(c4, c3) + c3)
        c5 = self.down_add3(_upsample_to(c5, c4) + c4)
        return c2, c3, c4, c5


class FPEM_FFM(nn.Module):  # noqa: N801 (MMOCR's class name)

    def __init__(self, in_channels: Sequence[int], conv_out: int = 128, fpem_repeat: int = 2,
                 align_corners: bool = False):
        super().__init__()
        if len(in_channels) != 4:
            raise ValueError(f'FPEM_FFM takes 4 feature levels, got in_channels {list(in_channels)}')

        def reduce(channels):
            return nn.Sequential(nn.Conv2d(channels, conv_out, 1), nn.BatchNorm2d(conv_out), nn.ReLU())

        self.reduce_conv_c2 = reduce(in_channels[0])
        self.reduce_conv_c3 = reduce(in_channels[1])
        self.reduce_conv_c4 = reduce(in_channels[2])
        self.reduce_conv_c5 = reduce(in_channels[3])
        self.fpems = nn.ModuleList(FPEM(conv_out) for _ in range(fpem_repeat))
        self.align_corners = align_corners
        self.out_channels = [conv_out] * 4

    def forward(self, inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        c2, c3, c4, c5 = inputs
        levels = (self.reduce_conv_c2(c2), self.reduce_conv_c3(c3), self.reduce_conv_c4(c4),
                  self.reduce_conv_c5(c5))
        sums = None
        for fpem in self.fpems:
            levels = fpem(*levels)
            sums = levels if sums is None else tuple(s + level for s, level in zip(sums, levels))
        finest = sums[0].shape[2:]
        upsampled = [F.interpolate(level, size=finest, mode='bilinear', align_corners=self.align_corners)
                     for level in sums[1:]]
        return (sums[0], *upsampled)
