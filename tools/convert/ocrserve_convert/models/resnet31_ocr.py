"""SAR's backbone, MMOCR 1.x `ResNet31OCR`, with the residual block of
mmocr/models/textrecog/layers/conv_layer.py (`BasicBlock`).

Parameter names: a stem `conv1_1`/`bn1_1`, `conv1_2`/`bn1_2`, then four stages k = 2..5, each an
optional max pooling `pool{k}` (no parameters), a sequence of residual blocks `block{k}.{i}` and a
3x3 convolution `conv{k}` with `bn{k}`. A block has `conv1`, `bn1`, `conv2`, `bn2` (3x3, no bias)
and, where the channel count changes, a projection `downsample.0` (1x1 convolution, no bias) with
`downsample.1` (batch norm). All other convolutions have a bias.

Shapes with the defaults (the SAR config uses them): [N, 3, H, W] -> [N, 512, H/8, W/4] (stage 4
pools only the height; stage 5 does not pool; poolings round up).
"""
from typing import Sequence

import torch
from torch import nn


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and a residual connection, projected by a 1x1
    convolution when `downsample` is set."""

    expansion = 1

    def __init__(self, in_channels: int, channels: int, stride: int = 1, downsample: bool = False):
        super().__init__()
        self.conv1 = _conv3x3(in_channels, channels, stride)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(channels, channels)
        self.bn2 = nn.BatchNorm2d(channels)
        if downsample:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, channels * self.expansion, 1, stride, bias=False),
                nn.BatchNorm2d(channels * self.expansion))
        else:
            self.downsample = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(out + residual)


class ResNet31OCR(nn.Module):

    def __init__(self, base_channels: int = 3, layers: Sequence[int] = (1, 2, 5, 3),
                 channels: Sequence[int] = (64, 128, 256, 256, 512, 512, 512),
                 stage4_pool_cfg: dict = None, last_stage_pool: bool = False):
        super().__init__()
        if stage4_pool_cfg is None:
            stage4_pool_cfg = {'kernel_size': (2, 1), 'stride': (2, 1)}
        self.conv1_1 = nn.Conv2d(base_channels, channels[0], kernel_size=3, stride=1, padding=1)
        self.bn1_1 = nn.BatchNorm2d(channels[0])
        self.relu1_1 = nn.ReLU(inplace=True)
        self.conv1_2 = nn.Conv2d(channels[0], channels[1], kernel_size=3, stride=1, padding=1)
        self.bn1_2 = nn.BatchNorm2d(channels[1])
        self.relu1_2 = nn.ReLU(inplace=True)

        pools = {
            2: nn.MaxPool2d(kernel_size=2, stride=2, padding=0, ceil_mode=True),
            3: nn.MaxPool2d(kernel_size=2, stride=2, padding=0, ceil_mode=True),
            4: nn.MaxPool2d(padding=0, ceil_mode=True, **stage4_pool_cfg),
            5: nn.MaxPool2d(kernel_size=2, stride=2, padding=0, ceil_mode=True) if last_stage_pool else None,
        }
        for k in range(2, 6):
            in_channels, out_channels = channels[k - 1], channels[k]
            setattr(self, f'pool{k}', pools[k])
            setattr(self, f'block{k}', self._make_layer(in_channels, out_channels, layers[k - 2]))
            setattr(self, f'conv{k}', nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1))
            setattr(self, f'bn{k}', nn.BatchNorm2d(out_channels))
            setattr(self, f'relu{k}', nn.ReLU(inplace=True))

    @staticmethod
    def _make_layer(in_channels: int, out_channels: int, blocks: int) -> nn.Sequential:
        layers = []
        for _ in range(blocks):
            layers.append(BasicBlock(in_channels, out_channels, downsample=in_channels != out_channels))
            in_channels = out_channels
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu1_1(self.bn1_1(self.conv1_1(x)))
        x = self.relu1_2(self.bn1_2(self.conv1_2(x)))
        for k in range(2, 6):
            pool = getattr(self, f'pool{k}')
            if pool is not None:
                x = pool(x)
            x = getattr(self, f'block{k}')(x)
            x = getattr(self, f'relu{k}')(getattr(self, f'bn{k}')(getattr(self, f'conv{k}')(x)))
        return x
